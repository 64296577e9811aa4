/* cmd_compare.c: fedplan compare A.yaml B.yaml ...: one row per scenario (or per named
 * variant of its node choices, or per cloud with --clouds), the cheapest feasible marked. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/atomic.h"
#include "../common/units.h"
#include "../inventory/inventory.h"
#include "../scenarios/scenario.h"
#include "cli.h"
#include "emit_dir.h"
#include "report.h"

enum { O_FORMAT, O_HTML, O_CLOUDS, O_TIME, O_INVENTORY, O_MARGIN, O_EMIT, O_FORCE };
static const cli_opt opts[] = {
    {"format", 1, O_FORMAT}, {"html", 1, O_HTML}, {"clouds", 0, O_CLOUDS}, {"time-limit", 1, O_TIME},
    {"inventory", 1, O_INVENTORY}, {"margin", 1, O_MARGIN}, {"emit", 1, O_EMIT}, {"force", 0, O_FORCE},
};

static void help(FILE *out)
{
    fputs("usage: fedplan compare SCENARIO.yaml... [options]\n"
          "\n"
          "Plans each scenario (each named variant of its node choices, when it has 'variants')\n"
          "and prints one row each: status, nodes by type, cost per hour and month, memory\n"
          "utilization, headroom, unplaced replicas and gap; the cheapest row that places\n"
          "everything is marked.\n"
          "\n"
          "  --margin M            headroom for every deployment: 0.1, 10%, 2 GiB or 0\n"
          "  --clouds              the scenario's deployments against each provider's priced\n"
          "                        instances (aws, gcp, azure, sagemaker) and all of them together\n"
          "  --format table|json|yaml|csv   (table)\n"
          "  --html FILE           a self-contained HTML report with bar charts\n"
          "  --emit DIR            the launch files of the marked plan (see plan --emit)\n"
          "  --force               with --emit: replace a DIR that is not empty\n"
          "  --time-limit SECONDS  per plan\n"
          "  --inventory FILE      extra catalog (models, gpus, nodes or instances)\n"
          "\n"
          "exit: 0 some row places everything, 1 none does, 2 bad input\n",
          out);
}

/* Add one variant per provider with every priced instance of it, and one with all. */
static int add_cloud_variants(scenario *s, const inv_catalog *cat, fp_error *err)
{
    static const char *const providers[] = {"aws", "gcp", "azure", "sagemaker", "all clouds"};
    size_t keep = 0;
    for (size_t v = 0; v < s->nvariants; v++)
        free(s->variants[v].nodes);
    s->nvariants = 0;
    for (size_t p = 0; p < sizeof providers / sizeof providers[0]; p++) {
        scn_variant *nv = realloc(s->variants, (keep + 1) * sizeof *nv);
        if (!nv)
            return fp_fail(err, NULL, 0, 0, "out of memory");
        s->variants = nv;
        scn_variant *var = &s->variants[keep];
        memset(var, 0, sizeof *var);
        snprintf(var->name, sizeof var->name, "%s", providers[p]);
        var->nodes = calloc(cat->nnodes + 1, sizeof *var->nodes);
        if (!var->nodes)
            return fp_fail(err, NULL, 0, 0, "out of memory");
        for (size_t i = 0; i < cat->nnodes; i++) {
            const inv_node *n = &cat->nodes[i];
            if (!n->has_price || !n->gpus || !strcmp(n->provider, "on-prem") || !strcmp(n->provider, "kaggle"))
                continue;
            if (p < 4 && strcmp(n->provider, providers[p]) != 0)
                continue;
            scn_node_choice *nc = &var->nodes[var->nnodes++];
            snprintf(nc->name, sizeof nc->name, "%s", n->name);
            nc->node = *n;
            nc->count = -1;
            nc->cost = n->price;
            nc->priced = 1; /* the catalog's on-demand price, for n->region: the plan says so */
        }
        keep++;
        s->nvariants = keep;
        if (var->nnodes == 0) { /* a provider without priced GPU instances in the catalog */
            free(var->nodes);
            s->nvariants = --keep;
        }
    }
    for (size_t d = 0; d < s->ndeps; d++)
        s->deps[d].npin = 0; /* pins name the scenario's own node choices */
    return 0;
}

static void print_table(const json_t *rows)
{
    printf("%-2s %-44s %-10s %10s %11s %6s %6s %9s %8s %6s  %s\n", "", "scenario", "status", "$/hour", "$/month",
           "nodes", "util", "free GiB", "unplaced", "gap", "nodes by type");
    size_t i;
    const json_t *r;
    json_array_foreach(rows, i, r)
    {
        /* no bound, no gap (some replicas unplaced, nothing proven about the rest) */
        const json_t *gap = json_object_get(r, "gap");
        char gs[16] = "-";
        if (json_is_number(gap))
            snprintf(gs, sizeof gs, "%.1f%%", json_number_value(gap) * 100.0);
        printf("%-2s %-44.44s %-10s %10.3f %11.2f %6lld %5.1f%% %9.2f %8lld %6s  %s\n",
               json_is_true(json_object_get(r, "cheapest")) ? "*" : "",
               json_string_value(json_object_get(r, "scenario")), json_string_value(json_object_get(r, "status")),
               json_number_value(json_object_get(r, "cost_per_hour")),
               json_number_value(json_object_get(r, "cost_per_month")),
               (long long)json_integer_value(json_object_get(r, "nodes")),
               json_number_value(json_object_get(r, "utilization")) * 100.0,
               (double)json_integer_value(json_object_get(r, "headroom_bytes")) / 1073741824.0,
               (long long)json_integer_value(json_object_get(r, "unplaced")),
               gs, json_string_value(json_object_get(r, "nodes_by_type")));
    }
    printf("\n* the cheapest plan that places every deployment\n");
}

static int run(int argc, char **argv)
{
    fp_error err = {0};
    out_format fmt = FMT_TABLE;
    const char *files[256], *html = NULL, *inventory[8], *margin = NULL, *emit = NULL;
    size_t nfiles = 0, ninv = 0, row_cap = 0, nrows = 0;
    size_t (*row_from)[2] = NULL; /* per row: scenario file and node set */
    int clouds = 0, force = 0;
    double time_limit = 0;
    cli_args a = {.argc = argc, .argv = argv, .i = 1};
    int id, r;
    const char *v;
    while ((r = cli_next(&a, opts, sizeof opts / sizeof opts[0], &id, &v, &err)) == 1) {
        switch (id) {
        case -1:
            if (nfiles == 256)
                return fp_fail(&err, NULL, 0, 0, "compare: at most 256 scenarios"), cli_report(&err);
            files[nfiles++] = v;
            break;
        case O_FORMAT:
            if (cli_parse_format(v, &fmt, &err))
                return cli_report(&err);
            break;
        case O_HTML: html = v; break;
        case O_CLOUDS: clouds = 1; break;
        case O_MARGIN: margin = v; break;
        case O_EMIT: emit = v; break;
        case O_FORCE: force = 1; break;
        case O_TIME:
            if (fp_number_parse(v, &time_limit) != 0 || !(time_limit > 0) || time_limit > 86400)
                return fp_fail(&err, NULL, 0, 0, "--time-limit: expected seconds in (0, 86400], got '%s'", v),
                       cli_report(&err);
            break;
        case O_INVENTORY:
            if (ninv == 8)
                return fp_fail(&err, NULL, 0, 0, "--inventory: at most 8 files"), cli_report(&err);
            inventory[ninv++] = v;
            break;
        }
    }
    if (r < 0)
        return cli_report(&err);
    if (nfiles == 0)
        return fp_fail(&err, NULL, 0, 0, "compare needs at least one SCENARIO.yaml"), cli_report(&err);
    if (force && !emit)
        return fp_fail(&err, NULL, 0, 0, "--force goes with --emit DIR"), cli_report(&err);
    if (emit && cli_emit_check(emit, force, &err) != 0)
        return cli_report(&err);
    /* refused before any work: a device, a FIFO, a folder, or a file read */
    if (html && cli_output_check(html, files, nfiles, inventory, ninv, &err) != 0)
        return cli_report(&err);
    inv_catalog cat;
    if (inv_catalog_load(&cat, &err) != 0)
        return cli_report(&err);
    int rc = EXIT_BADINPUT;
    json_t *rows = json_array();
    if (cli_load_inventories(&cat, inventory, ninv, &err) != 0)
        goto out;
    for (size_t f = 0; f < nfiles; f++) {
        scenario s;
        if (scn_load(&s, files[f], &cat, &err) != 0)
            goto out;
        if (cli_output_check_models(html, &s, &err) != 0) { /* a model file read: never overwritten */
            scn_free(&s);
            goto out;
        }
        if (time_limit > 0)
            s.time_limit = time_limit;
        if (margin && scn_set_margin(&s, margin, 1, &err) != 0) {
            scn_free(&s);
            goto out;
        }
        if (clouds && add_cloud_variants(&s, &cat, &err) != 0) {
            scn_free(&s);
            goto out;
        }
        int named = clouds || s.nvariants > 1;
        for (size_t vi = 0; vi < s.nvariants; vi++) {
            char label[400];
            const char *base = s.name[0] ? s.name : s.file;
            if (named && nfiles > 1)
                snprintf(label, sizeof label, "%.300s: %s", base, s.variants[vi].name);
            else if (named)
                snprintf(label, sizeof label, "%s", s.variants[vi].name);
            else
                snprintf(label, sizeof label, "%s", base);
            scn_result res;
            if (scn_use_variant(&s, vi, &err) != 0 || scn_plan(&s, &cat, NULL, &res, &err) != 0) {
                scn_free(&s);
                goto out;
            }
            json_array_append_new(rows, report_summary_json(&s, &res, label));
            /* the marked plan is emitted after the comparison: where each row came from */
            size_t nr = ++nrows;
            if (nr > row_cap) {
                size_t cap = row_cap ? 2 * row_cap : 16;
                size_t (*from)[2] = realloc(row_from, cap * sizeof *from);
                if (!from) {
                    scn_result_free(&res);
                    scn_free(&s);
                    fp_fail(&err, NULL, 0, 0, "out of memory");
                    goto out;
                }
                row_from = from;
                row_cap = cap;
            }
            row_from[nr - 1][0] = f;
            row_from[nr - 1][1] = vi;
            scn_result_free(&res);
        }
        scn_free(&s);
    }
    /* the cheapest row that places everything (ties: fewer nodes, then the first) */
    int best = -1;
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        json_object_set_new(row, "cheapest", json_false());
        if (json_integer_value(json_object_get(row, "unplaced")) != 0)
            continue;
        if (best < 0) {
            best = (int)i;
            continue;
        }
        json_t *b = json_array_get(rows, (size_t)best);
        double cb = json_number_value(json_object_get(b, "cost_per_hour")), cr = json_number_value(json_object_get(row, "cost_per_hour"));
        if (cr < cb - 1e-9 || (fabs(cr - cb) < 1e-9 && json_integer_value(json_object_get(row, "nodes")) <
                                                            json_integer_value(json_object_get(b, "nodes"))))
            best = (int)i;
    }
    if (best >= 0)
        json_object_set_new(json_array_get(rows, (size_t)best), "cheapest", json_true());
    json_t *o = json_object();
    json_object_set(o, "rows", rows);
    if (fmt == FMT_TABLE)
        print_table(rows);
    else
        out_any(stdout, fmt, fmt == FMT_CSV ? rows : o);
    /* the report after the table: a report that cannot be written loses nothing printed */
    if (html) {
        fflush(stdout);
        if (html_write_compare(html, o, &err) != 0) {
            json_decref(o);
            goto out;
        }
    }
    json_decref(o);
    if (emit && (cli_json_failed() || json_array_size(rows) != nrows)) {
        fp_fail(&err, NULL, 0, 0, "out of memory");
        goto out;
    } else if (emit && best < 0) {
        fprintf(stderr, "fedplan: --emit: no plan places everything: nothing written\n");
    } else if (emit) {
        /* plan the marked row again (the same scenario, node set and limits) and emit it */
        scenario s;
        scn_result res;
        memset(&res, 0, sizeof res);
        if (scn_load(&s, files[row_from[best][0]], &cat, &err) != 0)
            goto out;
        int erc = 0;
        if (time_limit > 0)
            s.time_limit = time_limit;
        if ((margin && scn_set_margin(&s, margin, 1, &err) != 0) || (clouds && add_cloud_variants(&s, &cat, &err) != 0) ||
            scn_use_variant(&s, row_from[best][1], &err) != 0 || scn_plan(&s, &cat, NULL, &res, &err) != 0 ||
            cli_emit_plan(emit, force, &s, &res, &cat, &err) != 0)
            erc = -1;
        scn_result_free(&res);
        scn_free(&s);
        if (erc)
            goto out;
    }
    rc = best >= 0 ? EXIT_OK : EXIT_NOFIT;
out:
    if (rc == EXIT_BADINPUT)
        cli_report(&err);
    json_decref(rows);
    free(row_from);
    inv_catalog_free(&cat);
    return rc;
}

const cli_command cmd_compare = {
    .name = "compare",
    .summary = "several scenarios or node sizings side by side, the cheapest marked",
    .run = run,
    .help = help,
};
