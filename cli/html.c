/* html.c: one self-contained HTML page per report: inline CSS and SVG, a few lines of
 * inline script that only count what rendered (for the browser test), no external
 * scripts, fonts or images.  Rendered from the same JSON objects the CLI prints. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/atomic.h"
#include "../common/textbuf.h"
#include "report.h"

/* ====================================================================== text (common/textbuf.h) */


static void sb_text(fp_tbuf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': fp_tb_printf(b, "&lt;"); break;
        case '>': fp_tb_printf(b, "&gt;"); break;
        case '&': fp_tb_printf(b, "&amp;"); break;
        case '"': fp_tb_printf(b, "&quot;"); break;
        default: fp_tb_printf(b, "%c", *s);
        }
    }
}

static const char *str(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : "";
}

static double num(const json_t *o, const char *k)
{
    return json_number_value(json_object_get(o, k));
}

/* a fixed palette, by the deployment's place in the plan's list: neighbours never share a color */
static const char *color_of(const json_t *deps, const char *name)
{
    static const char *const pal[] = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948",
                                      "#b07aa1", "#ff9da7", "#9c755f", "#86bcb6", "#8cd17d", "#d37295"};
    size_t i;
    const json_t *d;
    json_array_foreach(deps, i, d)
    {
        const json_t *n = json_object_get(d, "name");
        if (json_is_string(n) && !strcmp(json_string_value(n), name))
            return pal[i % (sizeof pal / sizeof pal[0])];
    }
    return pal[0];
}

static void head(fp_tbuf *b, const char *title)
{
    fp_tb_printf(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>");
    sb_text(b, title);
    fp_tb_printf(b, "</title>\n<style>\n"
                 "body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}\n"
                 "h1{font-size:20px}h2{font-size:16px;margin-top:28px}\n"
                 "table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}\n"
                 "th{background:#f3f3f3}.best{background:#e8f5e9;font-weight:bold}\n"
                 "svg text{font-size:11px;font-family:system-ui,sans-serif}\n"
                 ".muted{color:#666;font-size:13px}\n"
                 "</style></head><body>\n<h1>");
    sb_text(b, title);
    fp_tb_printf(b, "</h1>\n");
}

/* The script only checks the page: it counts the SVG elements and records script errors in
 * the DOM, where the browser test (and anyone curious) can read them. */
static void tail(fp_tbuf *b)
{
    fp_tb_printf(b, "<div id=\"report-status\" data-ok=\"0\" data-svg=\"0\" data-errors=\"0\"></div>\n"
                 "<script>\n(function(){var e=0;window.addEventListener('error',function(){e++;});\n"
                 "window.addEventListener('load',function(){var s=document.getElementById('report-status');\n"
                 "s.dataset.svg=document.querySelectorAll('svg').length;s.dataset.errors=e;s.dataset.ok=e===0?'1':'0';});})();\n"
                 "</script>\n<p class=\"muted\">Made by fedplan.</p>\n</body></html>\n");
}

static int finish(fp_tbuf *b, const char *path, fp_error *err)
{
    if (b->oom) {
        free(b->p);
        return fp_fail(err, path, 0, 0, "out of memory writing the report");
    }
    int rc = fp_write_atomic(path, b->p, b->len, err);
    free(b->p);
    return rc;
}

/* ====================================================================== plan */

/* One bar: the items of `items`, then those of `more` (NULL: none), each `bytes_key` wide. */
static void bar_row(fp_tbuf *b, const json_t *deps, double y, const char *label, double cap, const json_t *items,
                    const json_t *more, const char *bytes_key)
{
    const double x0 = 90, w = 560;
    fp_tb_printf(b, "<text x=\"4\" y=\"%.0f\">", y + 14);
    sb_text(b, label);
    fp_tb_printf(b, "</text><rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"20\" fill=\"#eee\" stroke=\"#999\"/>\n", x0, y, w);
    double x = x0, used = 0, margin = 0;
    size_t i, n1 = json_array_size(items), n = n1 + json_array_size(more);
    for (i = 0; i < n; i++) {
        const json_t *it = i < n1 ? json_array_get(items, i) : json_array_get(more, i - n1);
        double bytes = num(it, bytes_key);
        double bw = cap > 0 ? bytes / cap * w : 0;
        const char *name = str(it, "deployment");
        fp_tb_printf(b, "<rect x=\"%.1f\" y=\"%.0f\" width=\"%.1f\" height=\"20\" fill=\"%s\" stroke=\"#fff\"><title>", x, y,
                  bw, color_of(deps, name));
        sb_text(b, name);
        if (json_object_get(it, "replica"))
            fp_tb_printf(b, " #%lld", (long long)num(it, "replica"));
        fp_tb_printf(b, ": %.2f GiB</title></rect>\n", bytes / 1073741824.0);
        if (bw > 40) {
            fp_tb_printf(b, "<text x=\"%.1f\" y=\"%.0f\" fill=\"#fff\">", x + 3, y + 14);
            sb_text(b, name);
            fp_tb_printf(b, "</text>\n");
        }
        x += bw;
        used += bytes;
        /* the margin kept beside the estimate: the same colour, faint (docs/methodology.md, 6b) */
        double mb = json_is_number(json_object_get(it, "margin_bytes")) ? num(it, "margin_bytes") : 0;
        if (mb > 0 && cap > 0) {
            double mw = mb / cap * w;
            fp_tb_printf(b, "<rect x=\"%.1f\" y=\"%.0f\" width=\"%.1f\" height=\"20\" fill=\"%s\" fill-opacity=\"0.35\" "
                         "stroke=\"#fff\"><title>margin of ",
                      x, y, mw, color_of(deps, name));
            sb_text(b, name);
            fp_tb_printf(b, " #%lld: %.2f GiB</title></rect>\n", (long long)num(it, "replica"), mb / 1073741824.0);
            x += mw;
            margin += mb;
        }
    }
    fp_tb_printf(b, "<text x=\"%.0f\" y=\"%.0f\">%.2f + %.2f / %.2f GiB free %.2f</text>\n", x0 + w + 6, y + 14,
              used / 1073741824.0, margin / 1073741824.0, cap / 1073741824.0, (cap - used - margin) / 1073741824.0);
}

static void plan_body(fp_tbuf *b, const json_t *plan)
{
    const json_t *deps = json_object_get(plan, "deployments");
    const json_t *obj = json_object_get(plan, "objective");
    fp_tb_printf(b, "<p>Status <b>%s</b>; %lld node(s); $%.3f per hour ($%.2f per month); ", str(plan, "status"),
              (long long)num(obj, "nodes"), num(obj, "cost_per_hour"), num(obj, "cost_per_month"));
    /* the bound, in its unit, and what it bounds (docs/formats.md) */
    if (!json_is_number(json_object_get(plan, "bound")))
        fp_tb_printf(b, "no bound (some replicas unplaced).</p>\n");
    else
        fp_tb_printf(b, "bound %s%.*f%s%s, gap %.1f %%.</p>\n", strcmp(str(plan, "bound_unit"), "nodes") ? "$" : "",
                  strcmp(str(plan, "bound_unit"), "nodes") ? 3 : 0,
                  /* dollars to a tenth of a cent, rounded down unless it is the plan's own cost
                   * (optimal, or met for the placed replicas): still a bound */
                  strcmp(str(plan, "bound_unit"), "nodes") && strcmp(str(plan, "status"), "optimal") &&
                          num(plan, "gap") != 0
                      ? floor(num(plan, "bound") * 1000.0 + 1e-6) / 1000.0
                      : num(plan, "bound"),
                  strcmp(str(plan, "bound_unit"), "nodes") ? "/h" : " node(s)",
                  strcmp(str(plan, "bound_scope"), "placed") ? "" : " for the placed replicas", num(plan, "gap") * 100.0);
    size_t i;
    const json_t *node;
    json_array_foreach(json_object_get(plan, "nodes"), i, node)
    {
        const json_t *gpus = json_object_get(node, "gpus");
        const json_t *host = json_object_get(node, "host");
        const json_t *procs = json_object_get(host, "gpu_processes"); /* GPU replicas' own host memory */
        int show_host = json_array_size(gpus) == 0 || json_array_size(json_object_get(host, "deployments")) > 0 ||
                        json_array_size(procs) > 0;
        size_t rows = json_array_size(gpus) + (show_host ? 1 : 0);
        fp_tb_printf(b, "<h2>node %lld: ", (long long)num(node, "id"));
        sb_text(b, str(node, "type"));
        fp_tb_printf(b, " ($%.3f/h)</h2>\n", num(node, "cost_per_hour"));
        const json_t *span = json_object_get(node, "span");
        if (span) { /* part of a replica that spans nodes: the replica is drawn on each of them */
            fp_tb_printf(b, "<p class=\"span\">");
            sb_text(b, str(span, "deployment"));
            fp_tb_printf(b, " #%lld spans %lld nodes (tp %lld x pp %lld): this is its node %lld of %lld, its own</p>\n",
                      (long long)num(span, "replica"), (long long)num(span, "of"), (long long)num(span, "tp"),
                      (long long)num(span, "pp"), (long long)num(span, "node"), (long long)num(span, "of"));
        }
        fp_tb_printf(b, "<svg class=\"node\" width=\"900\" height=\"%zu\" viewBox=\"0 0 900 %zu\">\n", rows * 26 + 6,
                  rows * 26 + 6);
        double y = 3;
        if (show_host) {
            /* beside the host deployments: GPU processes' own memory and the node's one copy of each
             * weights file its llama.cpp replicas share (docs/methodology.md, 6d) */
            json_t *more = json_array();
            size_t q;
            const json_t *it;
            json_array_foreach(procs, q, it) json_array_append(more, (json_t *)it);
            json_array_foreach(json_object_get(host, "shared_weights"), q, it)
            {
                char name[300];
                snprintf(name, sizeof name, "weights of %s (shared)", str(it, "model"));
                json_t *x = json_object();
                json_object_set_new(x, "deployment", json_string(name));
                json_object_set_new(x, "bytes", json_integer((json_int_t)num(it, "bytes")));
                json_array_append_new(more, x);
            }
            bar_row(b, deps, y, "host", num(host, "capacity_bytes"), json_object_get(host, "deployments"), more, "bytes");
            json_decref(more);
            y += 26;
        }
        size_t g;
        const json_t *gpu;
        json_array_foreach(gpus, g, gpu)
        {
            char label[32];
            snprintf(label, sizeof label, "gpu %zu", g);
            bar_row(b, deps, y, label, num(gpu, "capacity_bytes"), json_object_get(gpu, "shards"), NULL, "bytes");
            y += 26;
        }
        fp_tb_printf(b, "</svg>\n");
    }
    const json_t *un = json_object_get(plan, "unplaced");
    if (json_array_size(un)) {
        fp_tb_printf(b, "<h2>unplaced</h2>\n<table><tr><th>deployment</th><th>replicas</th><th>why</th></tr>\n");
        const json_t *u;
        json_array_foreach(un, i, u)
        {
            fp_tb_printf(b, "<tr><td>");
            sb_text(b, str(u, "deployment"));
            fp_tb_printf(b, "</td><td>%lld</td><td>", (long long)num(u, "count"));
            sb_text(b, str(u, "reason"));
            fp_tb_printf(b, "</td></tr>\n");
        }
        fp_tb_printf(b, "</table>\n");
    }
    /* the same as text: every shard */
    fp_tb_printf(b, "<h2>placements</h2>\n<table><tr><th>node</th><th>type</th><th>where</th><th>deployment</th>"
                 "<th>replica</th><th>GiB</th></tr>\n");
    json_array_foreach(json_object_get(plan, "nodes"), i, node)
    {
        size_t k;
        const json_t *x;
        json_array_foreach(json_object_get(json_object_get(node, "host"), "deployments"), k, x)
        {
            fp_tb_printf(b, "<tr><td>%lld</td><td>", (long long)num(node, "id"));
            sb_text(b, str(node, "type"));
            fp_tb_printf(b, "</td><td>host</td><td>");
            sb_text(b, str(x, "deployment"));
            fp_tb_printf(b, "</td><td>%lld</td><td>%.2f</td></tr>\n", (long long)num(x, "replica"), num(x, "bytes") / 1073741824.0);
        }
        size_t g;
        const json_t *gpu;
        json_array_foreach(json_object_get(node, "gpus"), g, gpu)
        {
            json_array_foreach(json_object_get(gpu, "shards"), k, x)
            {
                fp_tb_printf(b, "<tr><td>%lld</td><td>", (long long)num(node, "id"));
                sb_text(b, str(node, "type"));
                fp_tb_printf(b, "</td><td>gpu %zu</td><td>", g);
                sb_text(b, str(x, "deployment"));
                fp_tb_printf(b, "</td><td>%lld</td><td>%.2f</td></tr>\n", (long long)num(x, "replica"),
                          num(x, "bytes") / 1073741824.0);
            }
        }
    }
    fp_tb_printf(b, "</table>\n");
}

int html_write_plan(const char *path, const json_t *plan, fp_error *err)
{
    fp_tbuf b = {0};
    char title[300];
    snprintf(title, sizeof title, "fedplan plan: %s", str(plan, "name")[0] ? str(plan, "name") : str(plan, "scenario"));
    head(&b, title);
    plan_body(&b, plan);
    tail(&b);
    return finish(&b, path, err);
}

/* ====================================================================== charts */

/* horizontal bar chart of one numeric key over rows */
static void hbars(fp_tbuf *b, const json_t *rows, const char *key, const char *unit, const char *label_key, int mark)
{
    double max = 0;
    size_t i;
    const json_t *r;
    json_array_foreach(rows, i, r)
    {
        if (num(r, key) > max)
            max = num(r, key);
    }
    size_t n = json_array_size(rows);
    fp_tb_printf(b, "<svg class=\"chart\" width=\"900\" height=\"%zu\" viewBox=\"0 0 900 %zu\">\n", n * 24 + 8, n * 24 + 8);
    json_array_foreach(rows, i, r)
    {
        double v = num(r, key), w = max > 0 ? v / max * 560 : 0;
        double y = 4 + (double)i * 24;
        int best = mark && json_is_true(json_object_get(r, "cheapest"));
        fp_tb_printf(b, "<text x=\"4\" y=\"%.0f\">", y + 14);
        sb_text(b, str(r, label_key));
        fp_tb_printf(b, "</text><rect x=\"260\" y=\"%.0f\" width=\"%.1f\" height=\"18\" fill=\"%s\"/>"
                     "<text x=\"%.1f\" y=\"%.0f\">%g %s%s</text>\n",
                  y, w, best ? "#59a14f" : "#4e79a7", 266 + w, y + 14, v, unit, best ? "  (cheapest)" : "");
    }
    fp_tb_printf(b, "</svg>\n");
}

static void rows_table(fp_tbuf *b, const json_t *rows, const char *const *cols, size_t ncols)
{
    fp_tb_printf(b, "<table><tr>");
    for (size_t c = 0; c < ncols; c++) {
        fp_tb_printf(b, "<th>");
        sb_text(b, cols[c]);
        fp_tb_printf(b, "</th>");
    }
    fp_tb_printf(b, "</tr>\n");
    size_t i;
    const json_t *r;
    json_array_foreach(rows, i, r)
    {
        fp_tb_printf(b, "<tr%s>", json_is_true(json_object_get(r, "cheapest")) ? " class=\"best\"" : "");
        for (size_t c = 0; c < ncols; c++) {
            const json_t *v = json_object_get(r, cols[c]);
            fp_tb_printf(b, "<td>");
            if (json_is_string(v))
                sb_text(b, json_string_value(v));
            else if (json_is_integer(v))
                fp_tb_printf(b, "%lld", (long long)json_integer_value(v));
            else if (json_is_real(v))
                fp_tb_printf(b, "%g", json_real_value(v));
            else if (json_is_boolean(v))
                fp_tb_printf(b, "%s", json_is_true(v) ? "yes" : "");
            fp_tb_printf(b, "</td>");
        }
        fp_tb_printf(b, "</tr>\n");
    }
    fp_tb_printf(b, "</table>\n");
}

int html_write_compare(const char *path, const json_t *cmp, fp_error *err)
{
    fp_tbuf b = {0};
    head(&b, "fedplan compare");
    const json_t *rows = json_object_get(cmp, "rows");
    fp_tb_printf(&b, "<h2>cost per hour</h2>\n");
    hbars(&b, rows, "cost_per_hour", "$/h", "scenario", 1);
    fp_tb_printf(&b, "<h2>nodes</h2>\n");
    hbars(&b, rows, "nodes", "", "scenario", 0);
    static const char *const cols[] = {"scenario", "status", "nodes_by_type", "cost_per_hour", "cost_per_month",
                                       "utilization", "unplaced", "gap", "cheapest"};
    fp_tb_printf(&b, "<h2>table</h2>\n");
    rows_table(&b, rows, cols, sizeof cols / sizeof cols[0]);
    tail(&b);
    return finish(&b, path, err);
}

int html_write_sweep(const char *path, const json_t *sweep, fp_error *err)
{
    fp_tbuf b = {0};
    head(&b, "fedplan sweep");
    const json_t *pts = json_object_get(sweep, "points");
    size_t n = json_array_size(pts);
    double maxc = 0, maxn = 0;
    size_t i;
    const json_t *p;
    json_array_foreach(pts, i, p)
    {
        maxc = fmax(maxc, num(p, "cost_per_hour"));
        maxn = fmax(maxn, num(p, "nodes"));
    }
    /* line chart: cost (left axis) and nodes (right axis) over the points in grid order */
    const double W = 860, H = 260, x0 = 50, y0 = 20, pw = W - 2 * x0, ph = H - 60;
    fp_tb_printf(&b, "<h2>cost per hour and nodes over the grid</h2>\n<svg class=\"chart\" width=\"%.0f\" height=\"%.0f\" "
                  "viewBox=\"0 0 %.0f %.0f\">\n<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"none\" "
                  "stroke=\"#999\"/>\n",
              W, H, W, H, x0, y0, pw, ph);
    for (int series = 0; series < 2; series++) {
        double max = series ? maxn : maxc;
        fp_tb_printf(&b, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", series ? "#f28e2b" : "#4e79a7");
        json_array_foreach(pts, i, p)
        {
            double v = num(p, series ? "nodes" : "cost_per_hour");
            double x = x0 + (n > 1 ? (double)i / (double)(n - 1) : 0.5) * pw;
            double y = y0 + ph - (max > 0 ? v / max : 0) * ph;
            fp_tb_printf(&b, "%.1f,%.1f ", x, y);
        }
        fp_tb_printf(&b, "\"/>\n");
    }
    fp_tb_printf(&b, "<text x=\"%.0f\" y=\"14\" fill=\"#4e79a7\">cost $/h (max %g)</text>"
                  "<text x=\"%.0f\" y=\"14\" fill=\"#f28e2b\">nodes (max %g)</text>\n",
              x0, maxc, x0 + 300, maxn);
    json_array_foreach(pts, i, p)
    {
        if (!str(p, "change")[0])
            continue;
        double x = x0 + (n > 1 ? (double)i / (double)(n - 1) : 0.5) * pw;
        fp_tb_printf(&b, "<line x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" y2=\"%.0f\" stroke=\"#e15759\" stroke-dasharray=\"3,3\"/>\n",
                  x, y0, x, y0 + ph);
    }
    fp_tb_printf(&b, "<text x=\"%.0f\" y=\"%.0f\">point 1 .. %zu in grid order (red: the answer changes)</text>\n</svg>\n",
              x0, y0 + ph + 20, n);
    /* table with the varied keys first */
    const json_t *keys = json_object_get(sweep, "vary");
    const char *cols[24];
    size_t nc = 0;
    cols[nc++] = "point";
    const json_t *k;
    json_array_foreach(keys, i, k)
    {
        if (nc < 16)
            cols[nc++] = str(k, "column")[0] ? str(k, "column") : str(k, "key");
    }
    const char *rest[] = {"status", "nodes_by_type", "cost_per_hour", "utilization", "unplaced", "gap", "change"};
    for (size_t r = 0; r < sizeof rest / sizeof rest[0]; r++)
        cols[nc++] = rest[r];
    fp_tb_printf(&b, "<h2>table</h2>\n");
    rows_table(&b, pts, cols, nc);
    tail(&b);
    return finish(&b, path, err);
}
