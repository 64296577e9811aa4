/* cmd_sweep.c: fedplan sweep SCENARIO.yaml --vary KEY=V1,V2,...: the full grid of what-ifs,
 * each point estimated and planned, in parallel (OpenMP), the output identical whatever
 * the thread count; --shard i/N for job arrays and --merge to join their JSON. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../common/atomic.h"
#include "../common/units.h"
#include "../inventory/inventory.h"
#include "../inventory/ydoc.h"
#include "../scenarios/scenario.h"
#include "../solver/solver.h"
#include "cli.h"
#include "report.h"

enum { O_FORMAT, O_HTML, O_VARY, O_SHARD, O_MERGE, O_TIME, O_THREADS, O_INVENTORY, O_WORK };
static const cli_opt opts[] = {
    {"format", 1, O_FORMAT}, {"html", 1, O_HTML},     {"vary", 1, O_VARY},       {"shard", 1, O_SHARD},
    {"merge", 0, O_MERGE},   {"time-limit", 1, O_TIME}, {"threads", 1, O_THREADS}, {"inventory", 1, O_INVENTORY},
    {"work-limit", 1, O_WORK},
};

static void help(FILE *out)
{
    fputs("usage: fedplan sweep SCENARIO.yaml --vary KEY=V1,V2,... [--vary ...] [options]\n"
          "       fedplan sweep --merge PART.json... [--format F] [--html FILE]\n"
          "\n"
          "Plans every point of the grid (the first --vary changes slowest) and calls out where\n"
          "the answer changes along the last key.  KEY is a workload option (context, dtype,\n"
          "batch, runtime, ...), 'replicas', either for one deployment ('chat.context'), or\n"
          "'nodes' (values: the scenario's variant names, or catalog node types).\n"
          "\n"
          "  --threads N        OpenMP threads (default: OMP_NUM_THREADS or all cores)\n"
          "  --shard i/N        run only the i-th of N disjoint slices (for job arrays); JSON\n"
          "  --merge            join shards' JSON outputs into the whole grid\n"
          "  --format table|json|yaml|csv   (table)\n"
          "  --html FILE        a self-contained HTML report with a line chart\n"
          "  --time-limit S     per point\n"
          "  --work-limit N     per point, in solver work units (default: the scenario's\n"
          "                     work_limit, else its time limit x 300,000): the output is\n"
          "                     then the same for any thread count and load; 0: the clock\n"
          "\n"
          "exit: 0 every point places everything, 1 some do not, 2 bad input\n",
          out);
}

#define MAX_VARY 8
#define MAX_VALUES 64

typedef struct vary {
    char key[64];
    size_t n;
    char values[MAX_VALUES][64];
} vary;

static int parse_vary(const char *arg, vary *v, fp_error *err)
{
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof v->key)
        return fp_fail(err, NULL, 0, 0, "--vary: expected KEY=V1,V2,..., got '%s'", arg);
    memset(v, 0, sizeof *v);
    memcpy(v->key, arg, (size_t)(eq - arg));
    const char *p = eq + 1;
    while (*p) {
        const char *c = strchr(p, ',');
        size_t len = c ? (size_t)(c - p) : strlen(p);
        if (len == 0 || len >= sizeof v->values[0])
            return fp_fail(err, NULL, 0, 0, "--vary %s: empty or too long value in '%s'", v->key, arg);
        if (v->n == MAX_VALUES)
            return fp_fail(err, NULL, 0, 0, "--vary %s: at most %d values", v->key, MAX_VALUES);
        memcpy(v->values[v->n], p, len);
        v->values[v->n][len] = 0;
        v->n++;
        p = c ? c + 1 : p + len;
    }
    if (v->n == 0)
        return fp_fail(err, NULL, 0, 0, "--vary %s: no values", v->key);
    return 0;
}

/* The column a varied key has in the points: "nodes" would clash with the node count. */
static const char *column_of(const char *key)
{
    return strcmp(key, "nodes") ? key : "node_set";
}

/* Point p's coordinate along vary k (the first vary changes slowest). */
static size_t coord(const vary *vs, size_t nv, size_t p, size_t k)
{
    size_t stride = 1;
    for (size_t j = k + 1; j < nv; j++)
        stride *= vs[j].n;
    return (p / stride) % vs[k].n;
}

/* Select node set `value`: a variant name, else one catalog node type (unlimited). */
static int use_nodes(scenario *s, const inv_catalog *cat, const char *value, fp_error *err)
{
    for (size_t v = 0; v < s->nvariants; v++)
        if (!strcmp(s->variants[v].name, value))
            return scn_use_variant(s, v, err);
    const inv_node *n = inv_node_find(cat, value);
    if (!n)
        return fp_fail(err, NULL, 0, 0, "'%s' is neither a variant of the scenario nor a node type", value);
    if (!n->has_price && strcmp(n->provider, "on-prem") != 0) /* a cloud instance is never free */
        return fp_fail(err, NULL, 0, 0,
                       "'%s' is a %s instance with no on-demand price in the catalog: load a priced "
                       "instances file with --inventory, or name a scenario variant that gives its 'cost'",
                       value, n->provider);
    scn_variant *nv = realloc(s->variants, (s->nvariants + 1) * sizeof *nv);
    if (!nv)
        return fp_fail(err, NULL, 0, 0, "out of memory");
    s->variants = nv;
    scn_variant *var = &s->variants[s->nvariants++];
    memset(var, 0, sizeof *var);
    snprintf(var->name, sizeof var->name, "%s", value);
    var->nodes = calloc(1, sizeof *var->nodes);
    if (!var->nodes)
        return fp_fail(err, NULL, 0, 0, "out of memory");
    var->nnodes = 1;
    snprintf(var->nodes[0].name, sizeof var->nodes[0].name, "%s", n->name);
    var->nodes[0].node = *n;
    var->nodes[0].count = -1;
    var->nodes[0].cost = n->has_price ? n->price : 0;
    for (size_t d = 0; d < s->ndeps; d++)
        s->deps[d].npin = 0;
    return scn_use_variant(s, s->nvariants - 1, err);
}

/* One point: a fresh scenario from the text, the overrides, a plan, a summary row. */
static json_t *run_point(const char *name, const char *text, size_t len, const inv_catalog *cat, const vary *vs,
                         size_t nv, size_t p, double time_limit, double work_limit, fp_error *err)
{
    scenario s;
    if (scn_parse(&s, name, text, len, cat, err) != 0)
        return NULL;
    if (time_limit > 0)
        s.time_limit = time_limit;
    /* a work budget by default, so that a point that reaches its limit stops at the same place
     * whatever the thread count and the load: --work-limit, else the scenario's, else its time
     * limit at SOL_WORK_PER_SECOND (docs/decisions.md); --work-limit 0: the wall clock */
    if (work_limit >= 0)
        s.work_limit = work_limit;
    else if (s.work_limit == 0)
        s.work_limit = s.time_limit * SOL_WORK_PER_SECOND;
    json_t *row = NULL;
    for (size_t k = 0; k < nv; k++) {
        const char *val = vs[k].values[coord(vs, nv, p, k)];
        int rc = !strcmp(vs[k].key, "nodes") ? use_nodes(&s, cat, val, err) : scn_override(&s, vs[k].key, val, err);
        if (rc != 0)
            goto out;
    }
    scn_result res;
    scn_plan_opts po = {.stop = &fp_signal};
    if (scn_plan(&s, cat, &po, &res, err) != 0)
        goto out;
    row = report_summary_json(&s, &res, s.name[0] ? s.name : s.file);
    scn_result_free(&res);
    json_object_del(row, "scenario");
    json_t *full = json_object();
    json_object_set_new(full, "point", json_integer((json_int_t)p + 1));
    for (size_t k = 0; k < nv; k++)
        json_object_set_new(full, column_of(vs[k].key), json_string(vs[k].values[coord(vs, nv, p, k)]));
    json_object_update(full, row);
    json_decref(row);
    row = full;
out:
    scn_free(&s);
    return row;
}

/* Where the answer changes along the last key: compared with the previous point on that line. */
static void mark_changes(json_t *points, const vary *vs, size_t nv)
{
    size_t i;
    json_t *pt;
    json_array_foreach(points, i, pt)
    {
        json_object_set_new(pt, "change", json_string(""));
        size_t p = (size_t)json_integer_value(json_object_get(pt, "point")) - 1;
        if (nv == 0 || coord(vs, nv, p, nv - 1) == 0 || i == 0)
            continue;
        json_t *prev = json_array_get(points, i - 1);
        char buf[200] = "";
        long long n0 = json_integer_value(json_object_get(prev, "nodes")), n1 = json_integer_value(json_object_get(pt, "nodes"));
        double c0 = json_number_value(json_object_get(prev, "cost_per_hour")), c1 = json_number_value(json_object_get(pt, "cost_per_hour"));
        const char *s0 = json_string_value(json_object_get(prev, "status")), *s1 = json_string_value(json_object_get(pt, "status"));
        long long u0 = json_integer_value(json_object_get(prev, "unplaced")), u1 = json_integer_value(json_object_get(pt, "unplaced"));
        if (n0 != n1)
            snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "nodes %lld -> %lld; ", n0, n1);
        if (fabs(c0 - c1) > 1e-9) {
            /* three decimals, or six where three would print the same */
            char a[32], b[32];
            snprintf(a, sizeof a, "%.3f", c0);
            snprintf(b, sizeof b, "%.3f", c1);
            int dec = strcmp(a, b) ? 3 : 6;
            snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "$%.*f -> $%.*f/h; ", dec, c0, dec, c1);
        }
        if (u0 != u1)
            snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "unplaced %lld -> %lld; ", u0, u1);
        if (s0 && s1 && strcmp(s0, s1) && !buf[0])
            snprintf(buf, sizeof buf, "%s -> %s; ", s0, s1);
        size_t len = strlen(buf);
        if (len >= 2)
            buf[len - 2] = 0;
        json_object_set_new(pt, "change", json_string(buf));
    }
}

static void print_table(const json_t *sweep, const vary *vs, size_t nv)
{
    printf("%5s", "point");
    for (size_t k = 0; k < nv; k++)
        printf(" %-16.16s", vs[k].key);
    printf(" %-10s %10s %6s %6s %8s  %-40s %s\n", "status", "$/hour", "nodes", "util", "unplaced", "nodes by type",
           "change");
    size_t i;
    const json_t *pt;
    json_array_foreach(json_object_get(sweep, "points"), i, pt)
    {
        printf("%5lld", (long long)json_integer_value(json_object_get(pt, "point")));
        for (size_t k = 0; k < nv; k++)
            printf(" %-16.16s", json_string_value(json_object_get(pt, column_of(vs[k].key))));
        const char *ch = json_string_value(json_object_get(pt, "change"));
        printf(" %-10s %10.3f %6lld %5.1f%% %8lld  %-40.40s %s%s\n", json_string_value(json_object_get(pt, "status")),
               json_number_value(json_object_get(pt, "cost_per_hour")),
               (long long)json_integer_value(json_object_get(pt, "nodes")),
               json_number_value(json_object_get(pt, "utilization")) * 100.0,
               (long long)json_integer_value(json_object_get(pt, "unplaced")),
               json_string_value(json_object_get(pt, "nodes_by_type")), ch && ch[0] ? "<- " : "", ch ? ch : "");
        if (json_is_true(json_object_get(pt, "wall_limited")))
            printf("      (point %lld: stopped by the wall-clock guard, not its work budget: it may differ "
                   "from run to run)\n",
                   (long long)json_integer_value(json_object_get(pt, "point")));
    }
}

/* The table (or JSON...) first, then the report: a report that cannot be written loses
 * nothing printed.  -1 when the report was not written (err filled). */
static int emit(json_t *sweep, const vary *vs, size_t nv, out_format fmt, const char *html, fp_error *err)
{
    if (fmt == FMT_TABLE)
        print_table(sweep, vs, nv);
    else
        out_any(stdout, fmt, fmt == FMT_CSV ? json_object_get(sweep, "points") : sweep);
    if (html) {
        fflush(stdout);
        if (html_write_sweep(html, sweep, err) != 0)
            return -1;
    }
    return 0;
}

static int all_placed(const json_t *sweep)
{
    size_t i;
    const json_t *pt;
    json_array_foreach(json_object_get(sweep, "points"), i, pt)
    {
        if (json_integer_value(json_object_get(pt, "unplaced")) != 0)
            return 0;
    }
    return 1;
}

/* ---------------------------------------------------------------- merge
 * Shards come back from other machines and other days: each is checked before it is
 * trusted.  Its head (scenario, grid, total_points consistent with the grid, the shard i/N,
 * and the source hash: the scenario's text and the grid it was run from), then every point
 * against the table below, its coordinates against the grid and its shard. */

/* FNV-1a, 64 bits: the scenario's text and the grid, so that shards of a scenario edited
 * between runs (or of another grid) refuse to merge.  Not cryptographic: it catches edits,
 * not forgeries. */
static uint64_t fnv1a(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static void source_hash(const char *text, size_t len, const vary *vs, size_t nv, char out[32])
{
    uint64_t h = fnv1a(0xcbf29ce484222325ULL, text, len);
    for (size_t k = 0; k < nv; k++) {
        h = fnv1a(h, vs[k].key, strlen(vs[k].key) + 1);
        for (size_t j = 0; j < vs[k].n; j++)
            h = fnv1a(h, vs[k].values[j], strlen(vs[k].values[j]) + 1);
        h = fnv1a(h, "", 1);
    }
    snprintf(out, 32, "fnv1a64:%016llx", (unsigned long long)h);
}

typedef enum { PK_INT, PK_NUM, PK_STR, PK_NUM_OR_NULL, PK_TRUE } point_kind;

/* A point as sweep writes it (report_summary_json, plus its number and coordinates). */
static const struct point_key {
    const char *key;
    point_kind kind;
    int required;
    const char *const *allowed; /* strings: the values allowed (NULL: any) */
} point_schema[] = {
    {"point", PK_INT, 1, NULL},
    {"status", PK_STR, 1, (const char *const[]){"optimal", "feasible", "infeasible", NULL}},
    {"nodes_by_type", PK_STR, 1, NULL},
    {"nodes", PK_INT, 1, NULL},
    {"cost_per_hour", PK_NUM, 1, NULL},
    {"cost_per_month", PK_NUM, 1, NULL},
    {"memory_used_bytes", PK_INT, 1, NULL},
    {"memory_capacity_bytes", PK_INT, 1, NULL},
    {"utilization", PK_NUM, 1, NULL},
    {"margin_bytes", PK_INT, 1, NULL},
    {"headroom_bytes", PK_INT, 1, NULL},
    {"unplaced", PK_INT, 1, NULL},
    {"bound_scope", PK_STR, 1, (const char *const[]){"all", "placed", "none", NULL}},
    {"gap", PK_NUM_OR_NULL, 1, NULL},
    {"change", PK_STR, 0, NULL}, /* a merged output's (recomputed) */
    {"wall_limited", PK_TRUE, 0, NULL}, /* the runaway guard stopped it, not the work budget */
};

static const char *json_kind(const json_t *v)
{
    return json_is_string(v)    ? "a string"
           : json_is_integer(v) ? "an integer"
           : json_is_real(v)    ? "a number"
           : json_is_null(v)    ? "null"
           : json_is_boolean(v) ? "a boolean"
           : json_is_array(v)   ? "a list"
                                : "a mapping";
}

/* One point of a shard: the table above, non-negative numbers, its coordinates as the grid
 * says for its number, and its number in the shard's share (p % N == i - 1). */
static int check_point(const json_t *pt, const json_t *pv, size_t total, unsigned long si, unsigned long sn,
                       const char *file, size_t at, fp_error *err)
{
    if (!json_is_object(pt))
        return fp_fail(err, file, 1, 1, "points[%zu] is %s, not a point", at, json_kind(pt));
    json_int_t idx = json_integer_value(json_object_get(pt, "point"));
    char where[64];
    if (json_is_integer(json_object_get(pt, "point")))
        snprintf(where, sizeof where, "point %lld", (long long)idx);
    else
        snprintf(where, sizeof where, "points[%zu]", at);
    for (size_t i = 0; i < sizeof point_schema / sizeof point_schema[0]; i++) {
        const struct point_key *k = &point_schema[i];
        const json_t *v = json_object_get(pt, k->key);
        if (!v) {
            if (k->required)
                return fp_fail(err, file, 1, 1, "%s: '%s' is missing", where, k->key);
            continue;
        }
        int ok = k->kind == PK_INT   ? json_is_integer(v) && json_integer_value(v) >= 0
                 : k->kind == PK_STR ? json_is_string(v)
                 : k->kind == PK_NUM ? json_is_number(v) && json_number_value(v) >= 0
                 : k->kind == PK_TRUE ? json_is_true(v)
                                     : json_is_null(v) || (json_is_number(v) && json_number_value(v) >= 0);
        if (!ok)
            return fp_fail(err, file, 1, 1, "%s: '%s' must be %s, got %s", where, k->key,
                           k->kind == PK_INT   ? "a non-negative integer"
                           : k->kind == PK_STR ? "a string"
                           : k->kind == PK_NUM ? "a non-negative number"
                           : k->kind == PK_TRUE ? "true"
                                               : "a non-negative number or null",
                           json_kind(v));
        if (k->allowed) {
            size_t a = 0;
            while (k->allowed[a] && strcmp(k->allowed[a], json_string_value(v)))
                a++;
            if (!k->allowed[a])
                return fp_fail(err, file, 1, 1, "%s: unknown %s '%s'", where, k->key, json_string_value(v));
        }
    }
    if (idx < 1 || (size_t)idx > total)
        return fp_fail(err, file, 1, 1, "%s is out of the grid (1 to %zu)", where, total);
    if (sn && (size_t)(idx - 1) % sn != si - 1)
        return fp_fail(err, file, 1, 1, "%s is not in shard %lu/%lu", where, si, sn);
    /* the coordinates: the first key changes slowest */
    size_t nv = json_array_size(pv), stride = 1;
    for (size_t k = nv; k-- > 0;) {
        const json_t *kv = json_array_get(pv, k);
        const json_t *vals = json_object_get(kv, "values");
        size_t n = json_array_size(vals), c = ((size_t)idx - 1) / stride % n;
        stride *= n;
        const char *col = json_string_value(json_object_get(kv, "column"));
        const json_t *got = json_object_get(pt, col);
        if (!json_is_string(got) || strcmp(json_string_value(got), json_string_value(json_array_get(vals, c))))
            return fp_fail(err, file, 1, 1, "%s: '%s' must be '%s' (its place in the grid), got %s%s%s", where, col,
                           json_string_value(json_array_get(vals, c)), json_is_string(got) ? "'" : "",
                           json_is_string(got) ? json_string_value(got) : got ? json_kind(got) : "nothing",
                           json_is_string(got) ? "'" : "");
    }
    /* nothing else: a key no sweep writes is another program's, or a typo */
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)pt, key, v)
    {
        int known = 0;
        for (size_t i = 0; i < sizeof point_schema / sizeof point_schema[0] && !known; i++)
            known = !strcmp(point_schema[i].key, key);
        for (size_t k = 0; k < nv && !known; k++)
            known = !strcmp(json_string_value(json_object_get(json_array_get(pv, k), "column")), key);
        if (!known)
            return fp_fail(err, file, 1, 1, "%s: unknown key '%s'", where, key);
    }
    return 0;
}

/* A shard's head: scenario, grid (keys, columns, values: strings), total_points the product
 * of the grid's sizes, source_hash, and shard i/N when present (*si, *sn; 0 when absent). */
static int check_head(const json_t *part, const char *file, unsigned long *si, unsigned long *sn, fp_error *err)
{
    const json_t *pv = json_object_get(part, "vary"), *pp = json_object_get(part, "points");
    if (!json_is_object(part) || !json_is_array(pv) || !json_is_array(pp) || !json_is_string(json_object_get(part, "scenario")) ||
        !json_is_integer(json_object_get(part, "total_points")))
        return fp_fail(err, file, 1, 1, "not the JSON output of 'fedplan sweep --format json'");
    if (!json_is_string(json_object_get(part, "source_hash")))
        return fp_fail(err, file, 1, 1, "no 'source_hash': made by an older fedplan, or edited; run the shard again");
    size_t nv = json_array_size(pv);
    if (nv == 0 || nv > MAX_VARY)
        return fp_fail(err, file, 1, 1, "'vary' must list 1 to %d keys", MAX_VARY);
    uint64_t product = 1;
    for (size_t k = 0; k < nv; k++) {
        const json_t *kv = json_array_get(pv, k), *vals = json_object_get(kv, "values");
        if (!json_is_string(json_object_get(kv, "key")) || !json_is_string(json_object_get(kv, "column")) ||
            !json_is_array(vals) || json_array_size(vals) == 0 || json_array_size(vals) > MAX_VALUES)
            return fp_fail(err, file, 1, 1, "vary[%zu] must have a key, a column and 1 to %d values", k, MAX_VALUES);
        for (size_t j = 0; j < json_array_size(vals); j++)
            if (!json_is_string(json_array_get(vals, j)))
                return fp_fail(err, file, 1, 1, "vary[%zu]: values[%zu] is %s, not a string", k, j,
                               json_kind(json_array_get(vals, j)));
        product *= json_array_size(vals);
        if (product > 1000000)
            return fp_fail(err, file, 1, 1, "the grid has more than a million points");
    }
    json_int_t total = json_integer_value(json_object_get(part, "total_points"));
    if (total < 1 || (uint64_t)total != product)
        return fp_fail(err, file, 1, 1, "total_points is %lld, but the grid has %llu points", (long long)total,
                       (unsigned long long)product);
    *si = *sn = 0;
    const json_t *sh = json_object_get(part, "shard");
    if (sh) {
        char extra;
        if (!json_is_string(sh) || sscanf(json_string_value(sh), "%lu/%lu%c", si, sn, &extra) != 2 || *sn == 0 ||
            *si == 0 || *si > *sn)
            return fp_fail(err, file, 1, 1, "'shard' must be i/N with 1 <= i <= N");
    }
    return 0;
}

static int merge(char **files, size_t nfiles, out_format fmt, const char *html, fp_error *err)
{
    json_t *out = NULL, *points = NULL;
    vary vs[MAX_VARY];
    size_t nv = 0, total = 0;
    unsigned char *seen = NULL;
    int rc = -1;
    for (size_t f = 0; f < nfiles; f++) {
        json_error_t je;
        json_t *part = json_load_file(files[f], JSON_REJECT_DUPLICATES, &je);
        if (!part) {
            fp_fail(err, files[f], (unsigned long)(je.line > 0 ? je.line : 1), (unsigned long)(je.column > 0 ? je.column : 1),
                    "invalid JSON: %s", je.text);
            goto done;
        }
        unsigned long si, sn;
        if (check_head(part, files[f], &si, &sn, err) != 0) {
            json_decref(part);
            goto done;
        }
        const json_t *pv = json_object_get(part, "vary"), *pp = json_object_get(part, "points");
        if (!out) {
            out = json_object();
            json_object_set(out, "scenario", json_object_get(part, "scenario"));
            json_object_set(out, "source_hash", json_object_get(part, "source_hash"));
            json_object_set(out, "vary", (json_t *)pv);
            total = (size_t)json_integer_value(json_object_get(part, "total_points"));
            json_object_set_new(out, "total_points", json_integer((json_int_t)total));
            points = json_array();
            seen = calloc(total + 1, 1);
            if (!seen) {
                json_decref(part);
                fp_fail(err, NULL, 0, 0, "out of memory");
                goto done;
            }
            size_t i;
            const json_t *k;
            json_array_foreach(pv, i, k)
            {
                if (nv == MAX_VARY)
                    break;
                snprintf(vs[nv].key, sizeof vs[nv].key, "%s", json_string_value(json_object_get(k, "key")));
                vs[nv].n = json_array_size(json_object_get(k, "values"));
                nv++;
            }
        } else if (!json_equal(json_object_get(out, "vary"), (json_t *)pv) ||
                   !json_equal(json_object_get(out, "scenario"), json_object_get(part, "scenario"))) {
            json_decref(part);
            fp_fail(err, files[f], 1, 1, "this shard is of another sweep (its scenario or grid differs)");
            goto done;
        } else if (!json_equal(json_object_get(out, "source_hash"), json_object_get(part, "source_hash"))) {
            json_decref(part);
            fp_fail(err, files[f], 1, 1,
                    "this shard was run from another text of the scenario (edited between the runs?): its "
                    "source_hash differs from the first file's; run every shard from one version");
            goto done;
        }
        size_t i;
        json_t *pt;
        json_array_foreach(pp, i, pt)
        {
            if (check_point(pt, pv, total, si, sn, files[f], i, err) != 0) {
                json_decref(part);
                goto done;
            }
            json_int_t idx = json_integer_value(json_object_get(pt, "point"));
            if (seen[idx]) {
                json_decref(part);
                fp_fail(err, files[f], 1, 1, "point %lld is given twice", (long long)idx);
                goto done;
            }
            seen[idx] = 1;
            json_array_append(points, pt);
        }
        json_decref(part);
    }
    for (size_t i = 1; i <= total; i++)
        if (!seen[i]) {
            fp_fail(err, NULL, 0, 0, "--merge: point %zu of %zu is in none of the files", i, total);
            goto done;
        }
    /* grid order */
    json_t *sorted = json_array();
    for (size_t i = 1; i <= total; i++) {
        size_t k;
        json_t *pt;
        json_array_foreach(points, k, pt)
        {
            if ((size_t)json_integer_value(json_object_get(pt, "point")) == i) {
                json_array_append(sorted, pt);
                break;
            }
        }
    }
    mark_changes(sorted, vs, nv);
    json_object_set_new(out, "points", sorted);
    if (emit(out, vs, nv, fmt, html, err) != 0)
        goto done;
    rc = all_placed(out) ? EXIT_OK : EXIT_NOFIT;
done:
    json_decref(out);
    json_decref(points);
    free(seen);
    return rc;
}

/* ---------------------------------------------------------------- run */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int run(int argc, char **argv)
{
    fp_error err = {0};
    out_format fmt = FMT_TABLE;
    const char *file = NULL, *html = NULL, *inventory[8];
    char *parts[256];
    size_t nparts = 0, ninv = 0, nv = 0;
    vary *vs = calloc(MAX_VARY, sizeof *vs);
    unsigned long shard_i = 0, shard_n = 0;
    int do_merge = 0, threads = 0;
    double time_limit = 0, work_limit = -1;
    if (!vs)
        return fp_fail(&err, NULL, 0, 0, "out of memory"), cli_report(&err);
    cli_args a = {.argc = argc, .argv = argv, .i = 1};
    int id, r, rc = EXIT_BADINPUT;
    const char *v;
    while ((r = cli_next(&a, opts, sizeof opts / sizeof opts[0], &id, &v, &err)) == 1) {
        switch (id) {
        case -1:
            if (nparts == 256) {
                fp_fail(&err, NULL, 0, 0, "sweep: too many files");
                goto early;
            }
            parts[nparts++] = (char *)v;
            break;
        case O_FORMAT:
            if (cli_parse_format(v, &fmt, &err))
                goto early;
            break;
        case O_HTML: html = v; break;
        case O_MERGE: do_merge = 1; break;
        case O_VARY:
            if (nv == MAX_VARY) {
                fp_fail(&err, NULL, 0, 0, "--vary: at most %d keys", MAX_VARY);
                goto early;
            }
            if (parse_vary(v, &vs[nv], &err))
                goto early;
            for (size_t k = 0; k < nv; k++)
                if (!strcmp(vs[k].key, vs[nv].key)) {
                    fp_fail(&err, NULL, 0, 0, "--vary: key '%s' given twice", vs[nv].key);
                    goto early;
                }
            nv++;
            break;
        case O_SHARD: {
            char extra; /* '1/2/3' is not 1/2 */
            if (sscanf(v, "%lu/%lu%c", &shard_i, &shard_n, &extra) != 2 || shard_n == 0 || shard_i == 0 ||
                shard_i > shard_n || shard_n > 100000) {
                fp_fail(&err, NULL, 0, 0, "--shard: expected i/N with 1 <= i <= N, got '%s'", v);
                goto early;
            }
            break;
        }
        case O_TIME:
            if (fp_number_parse(v, &time_limit) != 0 || !(time_limit > 0) || time_limit > 86400) {
                fp_fail(&err, NULL, 0, 0, "--time-limit: expected seconds in (0, 86400], got '%s'", v);
                goto early;
            }
            break;
        case O_WORK:
            if (fp_number_parse(v, &work_limit) != 0 || !(work_limit == 0 || work_limit >= 1) || work_limit > 1e15) {
                fp_fail(&err, NULL, 0, 0, "--work-limit: expected 0 (the clock) or work units in [1, 1e15], got '%s'", v);
                goto early;
            }
            break;
        case O_THREADS: {
            uint64_t t;
            if (fp_uint_parse(v, &t) != 0 || t == 0 || t > 1024) {
                fp_fail(&err, NULL, 0, 0, "--threads: expected 1 to 1024, got '%s'", v);
                goto early;
            }
            threads = (int)t;
            break;
        }
        case O_INVENTORY:
            if (ninv == 8) {
                fp_fail(&err, NULL, 0, 0, "--inventory: at most 8 files");
                goto early;
            }
            inventory[ninv++] = v;
            break;
        }
    }
    if (r < 0)
        goto early;
    /* refused before any work: a device, a FIFO, a folder, or a file read */
    if (html && cli_output_check(html, (const char *const *)parts, nparts, inventory, ninv, &err) != 0)
        goto early;
    if (do_merge) {
        if (nparts == 0 || nv || shard_n) {
            fp_fail(&err, NULL, 0, 0, "--merge takes the shards' JSON files and nothing else");
            goto early;
        }
        rc = merge(parts, nparts, fmt, html, &err);
        if (rc < 0)
            rc = EXIT_BADINPUT;
        goto early;
    }
    if (nparts != 1 || nv == 0) {
        fp_fail(&err, NULL, 0, 0, "sweep needs one SCENARIO.yaml and at least one --vary KEY=V1,V2,...");
        goto early;
    }
    file = parts[0];
    if (shard_n && fmt != FMT_JSON) {
        fp_fail(&err, NULL, 0, 0, "--shard writes JSON for --merge: add --format json");
        goto early;
    }
    size_t total = 1;
    for (size_t k = 0; k < nv; k++) {
        total *= vs[k].n;
        if (total > 1000000) {
            fp_fail(&err, NULL, 0, 0, "the grid has more than a million points: shard it or narrow it");
            goto early;
        }
    }
    inv_catalog cat;
    if (inv_catalog_load(&cat, &err) != 0)
        goto early;
    char *text = NULL;
    size_t len = 0;
    json_t **rows = NULL;
    fp_error *errs = NULL;
    {
        if (cli_load_inventories(&cat, inventory, ninv, &err) != 0)
            goto out;
        ydoc doc;
        if (ydoc_load_file(&doc, file, &err) != 0)
            goto out;
        ydoc_free(&doc);
        if (ydoc_read_file(file, &text, &len, &err) != 0)
            goto out;
        /* every key and value is checked once, in order, before the grid runs */
        for (size_t k = 0; k < nv; k++)
            for (size_t j = 0; j < vs[k].n; j++) {
                scenario s;
                if (scn_parse(&s, file, text, len, &cat, &err) != 0)
                    goto out;
                int bad = !strcmp(vs[k].key, "nodes") ? use_nodes(&s, &cat, vs[k].values[j], &err)
                                                      : scn_override(&s, vs[k].key, vs[k].values[j], &err);
                /* the report never overwrites a model file a point reads */
                if (!bad && cli_output_check_models(html, &s, &err) != 0) {
                    scn_free(&s);
                    goto out;
                }
                scn_free(&s);
                if (bad) {
                    char msg[FP_ERR_MSG];
                    snprintf(msg, sizeof msg, "--vary %.60s=%.60s: %.300s", vs[k].key, vs[k].values[j], err.msg);
                    fp_fail(&err, NULL, 0, 0, "%s", msg);
                    goto out;
                }
            }
        rows = calloc(total, sizeof *rows);
        errs = calloc(total, sizeof *errs);
        if (!rows || !errs) {
            fp_fail(&err, NULL, 0, 0, "out of memory");
            goto out;
        }
        if (threads)
            omp_set_num_threads(threads);
        int progress = isatty(2);
        double t0 = now_s();
        size_t done = 0, mine = 0;
        for (size_t p = 0; p < total; p++)
            mine += !shard_n || p % shard_n == shard_i - 1;
        double best = -1;
        json_object_seed(1); /* before any thread creates objects (jansson's hash seed) */
        const char *fname = file;
#pragma omp parallel
        {
#pragma omp for schedule(dynamic, 1)
            for (size_t p = 0; p < total; p++) {
                if ((shard_n && p % shard_n != shard_i - 1) || fp_signal)
                    continue; /* not this shard's, or interrupted: points not started are dropped */
                rows[p] = run_point(fname, text, len, &cat, vs, nv, p, time_limit, work_limit, &errs[p]);
                if (progress) {
#pragma omp critical
                    {
                        done++;
                        if (rows[p] && json_integer_value(json_object_get(rows[p], "unplaced")) == 0) {
                            double c = json_number_value(json_object_get(rows[p], "cost_per_hour"));
                            if (best < 0 || c < best)
                                best = c;
                        }
                        fprintf(stderr, "\rsweep: %zu/%zu points, %.1f s, best $%.3f/h   ", done, mine, now_s() - t0,
                                best < 0 ? 0 : best);
                    }
                }
            }
            sol_thread_done();
        }
        if (progress)
            fprintf(stderr, "\n");
        /* a point that failed (a footprint the estimator refuses, ...) is a bad-input error */
        int interrupted = fp_signal != 0;
        for (size_t p = 0; p < total && !interrupted; p++)
            if ((!shard_n || p % shard_n == shard_i - 1) && !rows[p]) {
                char msg[FP_ERR_MSG];
                snprintf(msg, sizeof msg, "point %zu: %.400s", p + 1, errs[p].msg);
                fp_fail(&err, errs[p].file, errs[p].line, errs[p].col, "%s", msg);
                goto out;
            }
        json_t *sweep = json_object();
        json_object_set_new(sweep, "scenario", json_string(file));
        char hash[32];
        source_hash(text, len, vs, nv, hash);
        json_object_set_new(sweep, "source_hash", json_string(hash));
        json_t *va = json_array();
        for (size_t k = 0; k < nv; k++) {
            json_t *x = json_object(), *vals = json_array();
            json_object_set_new(x, "key", json_string(vs[k].key));
            json_object_set_new(x, "column", json_string(column_of(vs[k].key)));
            for (size_t j = 0; j < vs[k].n; j++)
                json_array_append_new(vals, json_string(vs[k].values[j]));
            json_object_set_new(x, "values", vals);
            json_array_append_new(va, x);
        }
        json_object_set_new(sweep, "vary", va);
        json_object_set_new(sweep, "total_points", json_integer((json_int_t)total));
        if (interrupted)
            json_object_set_new(sweep, "interrupted", json_true());
        if (shard_n) {
            char sh[64];
            snprintf(sh, sizeof sh, "%lu/%lu", shard_i, shard_n);
            json_object_set_new(sweep, "shard", json_string(sh));
        }
        json_t *pts = json_array();
        for (size_t p = 0; p < total; p++)
            if (rows[p]) {
                json_array_append_new(pts, rows[p]);
                rows[p] = NULL;
            }
        if (!shard_n)
            mark_changes(pts, vs, nv);
        json_object_set_new(sweep, "points", pts);
        if (emit(sweep, vs, nv, fmt, html, &err) != 0) {
            json_decref(sweep);
            goto out;
        }
        rc = all_placed(sweep) ? EXIT_OK : EXIT_NOFIT;
        if (interrupted) {
            fprintf(stderr, "fedplan: interrupted by signal %d: only the points above were planned\n", (int)fp_signal);
            rc = 128 + (int)fp_signal;
        }
        json_decref(sweep);
    }
out:
    if (rows)
        for (size_t p = 0; p < total; p++)
            json_decref(rows[p]);
    free(rows);
    free(errs);
    free(text);
    inv_catalog_free(&cat);
early:
    if (rc == EXIT_BADINPUT)
        cli_report(&err);
    free(vs);
    return rc;
}

const cli_command cmd_sweep = {
    .name = "sweep",
    .summary = "a grid of what-ifs (context, dtype, replicas, nodes...), in parallel",
    .run = run,
    .help = help,
};
