/* cmd_plan.c: fedplan plan SCENARIO.yaml: pack deployments onto nodes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/atomic.h"
#include "../common/units.h"
#include "../inventory/inventory.h"
#include "../scenarios/scenario.h"
#include "../solver/solver.h"
#include "cli.h"
#include "emit_dir.h"
#include "report.h"

enum { O_FORMAT, O_TIME, O_GOAL, O_PARTIAL, O_STATS, O_INVENTORY, O_VERBOSE, O_HTML, O_VARIANT, O_MPS, O_LP, O_MARGIN, O_EMIT, O_FORCE, O_WORK };
static const cli_opt opts[] = {
    {"work-limit", 1, O_WORK},
    {"format", 1, O_FORMAT},   {"time-limit", 1, O_TIME}, {"goal", 1, O_GOAL},       {"allow-partial", 0, O_PARTIAL},
    {"stats", 0, O_STATS},     {"inventory", 1, O_INVENTORY}, {"verbose", 0, O_VERBOSE},
    {"html", 1, O_HTML},       {"variant", 1, O_VARIANT},     {"export-mps", 1, O_MPS},
    {"export-lp", 1, O_LP},    {"margin", 1, O_MARGIN},       {"emit", 1, O_EMIT},
    {"force", 0, O_FORCE},
};

static void help(FILE *out)
{
    fputs("usage: fedplan plan SCENARIO.yaml [options]     ('-' reads the scenario from standard input)\n"
          "\n"
          "Packs the scenario's deployments onto its node choices at the lowest hourly cost (then\n"
          "the fewest nodes), or with the fewest nodes (then the lowest cost), and proves how good\n"
          "the plan is: 'optimal' when the bound meets it, else 'feasible' with the gap.  When\n"
          "some replicas are left unplaced, the bound is that of the placed ones (or none).\n"
          "\n"
          "  --format table|json|yaml|csv   (table)\n"
          "  --goal cost|nodes              override the scenario's goal\n"
          "  --time-limit SECONDS           override the scenario's limit (10)\n"
          "  --work-limit N                 stop by a budget of solver work units instead of the\n"
          "                                 clock (the same answer on any machine; the time limit\n"
          "                                 x 10 then guards against runaway); 0: the clock\n"
          "  --allow-partial                place the highest-priority subset when not all fit\n"
          "  --margin M                     headroom for every deployment: 0.1, 10%, 2 GiB or 0\n"
          "                                 (default: the scenario's, else 15 % training, 3 % inference)\n"
          "  --inventory FILE               extra catalog: models, gpus, nodes or instances\n"
          "  --variant NAME                 plan one of the scenario's named node sets\n"
          "  --html FILE                    also write a self-contained HTML report (SVG pictures)\n"
          "  --emit DIR                     also write the launch files: a script, compose.yaml and\n"
          "                                 Kubernetes manifests per node, SkyPilot tasks, plan.json and\n"
          "                                 a README (docs/deploy.md); atomically, into a new or empty DIR\n"
          "  --force                        with --emit: replace a DIR that is not empty\n"
          "  --export-mps FILE, --export-lp FILE   the integer program solved (free MPS / CPLEX LP)\n"
          "  --stats                        solver statistics (with timings) on standard error\n"
          "  --verbose                      GLPK's own messages\n"
          "\n"
          "exit: 0 every deployment placed, 1 some could not be, 2 bad input\n",
          out);
}

int cli_load_inventories(inv_catalog *cat, const char *const *paths, size_t n, fp_error *err)
{
    for (size_t i = 0; i < n; i++)
        if (cli_load_inventory(cat, paths[i], err) != 0)
            return -1;
    inv_catalog_relink(cat);
    return 0;
}

/* ---------------------------------------------------------------- run */

/* progress of a long solve, on a terminal only */
static int progress_shown;

static void show_progress(void *ctx, double seconds, double incumbent, double bound)
{
    (void)ctx;
    progress_shown = 1;
    fprintf(stderr, "\rsolving: %.1f s, best %g, bound %g   ", seconds, incumbent, bound);
}

int cli_load_inventory(inv_catalog *cat, const char *path, fp_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return fp_fail(err, path, 0, 0, "cannot open the inventory file");
    char *buf = malloc(16u << 20);
    size_t len = buf ? fread(buf, 1, 16u << 20, f) : 0;
    int bad = buf && ferror(f), more = buf && len == (16u << 20) && fgetc(f) != EOF;
    fclose(f);
    if (!buf)
        return fp_fail(err, path, 0, 0, "out of memory");
    if (bad || more) { /* a catalog cut at 16 MiB would load as a shorter one, silently */
        free(buf);
        return fp_fail(err, path, 0, 0, bad ? "read failed" : "larger than 16 MiB: not an inventory file fedplan reads");
    }
    int rc;
    const char *keys[] = {"models:", "gpus:", "nodes:", "instances:"};
    int kind = -1;
    for (int k = 0; k < 4 && kind < 0; k++) {
        size_t kl = strlen(keys[k]);
        if (len >= kl && !strncmp(buf, keys[k], kl))
            kind = k;
        for (size_t i = 0; i + kl + 1 < len && kind < 0; i++)
            if (buf[i] == '\n' && !strncmp(buf + i + 1, keys[k], kl))
                kind = k;
    }
    if (kind == 0)
        rc = inv_models_parse(cat, path, buf, len, err);
    else if (kind == 1)
        rc = inv_gpus_parse(cat, path, buf, len, err);
    else if (kind == 2 || kind == 3)
        rc = inv_nodes_parse(cat, path, buf, len, err);
    else
        rc = fp_fail(err, path, 1, 1, "an inventory file holds one of 'models', 'gpus', 'nodes' or 'instances'");
    free(buf);
    return rc;
}

static int run(int argc, char **argv)
{
    const double started = scn_clock();
    fp_error err = {0};
    out_format fmt = FMT_TABLE;
    const char *file = NULL, *inventory[8];
    size_t ninv = 0;
    double time_limit = 0, work_limit = -1;
    int goal = -1, partial = 0, stats = 0, verbose = 0;
    const char *html = NULL, *variant = NULL, *mps = NULL, *lpfile = NULL, *margin = NULL, *emit = NULL;
    int force = 0;
    cli_args a = {.argc = argc, .argv = argv, .i = 1};
    int id, r;
    const char *v;
    while ((r = cli_next(&a, opts, sizeof opts / sizeof opts[0], &id, &v, &err)) == 1) {
        switch (id) {
        case -1:
            if (file) {
                fp_fail(&err, NULL, 0, 0, "plan takes one scenario file ('%s' and '%s' given)", file, v);
                return cli_report(&err);
            }
            file = v;
            break;
        case O_FORMAT:
            if (cli_parse_format(v, &fmt, &err))
                return cli_report(&err);
            break;
        case O_TIME:
            if (fp_number_parse(v, &time_limit) != 0 || !(time_limit > 0) || time_limit > 86400) {
                fp_fail(&err, NULL, 0, 0, "--time-limit: expected seconds in (0, 86400], got '%s'", v);
                return cli_report(&err);
            }
            break;
        case O_WORK:
            if (fp_number_parse(v, &work_limit) != 0 || !(work_limit == 0 || work_limit >= 1) || work_limit > 1e15) {
                fp_fail(&err, NULL, 0, 0, "--work-limit: expected 0 (the clock) or work units in [1, 1e15], got '%s'", v);
                return cli_report(&err);
            }
            break;
        case O_GOAL:
            if (strcmp(v, "cost") && strcmp(v, "nodes")) {
                fp_fail(&err, NULL, 0, 0, "--goal: use cost or nodes, got '%s'", v);
                return cli_report(&err);
            }
            goal = !strcmp(v, "cost") ? SOL_GOAL_COST : SOL_GOAL_NODES;
            break;
        case O_PARTIAL: partial = 1; break;
        case O_STATS: stats = 1; break;
        case O_HTML: html = v; break;
        case O_VARIANT: variant = v; break;
        case O_MPS: mps = v; break;
        case O_LP: lpfile = v; break;
        case O_MARGIN: margin = v; break;
        case O_EMIT: emit = v; break;
        case O_FORCE: force = 1; break;
        case O_VERBOSE: verbose = 1; break;
        case O_INVENTORY:
            if (ninv == 8) {
                fp_fail(&err, NULL, 0, 0, "--inventory: at most 8 files");
                return cli_report(&err);
            }
            inventory[ninv++] = v;
            break;
        }
    }
    if (r < 0)
        return cli_report(&err);
    if (force && !emit) {
        fp_fail(&err, NULL, 0, 0, "--force goes with --emit DIR");
        return cli_report(&err);
    }
    if (emit && cli_emit_check(emit, force, &err) != 0)
        return cli_report(&err);
    if (!file) {
        fp_fail(&err, NULL, 0, 0, "plan needs a SCENARIO.yaml (see scenarios/ for examples)");
        return cli_report(&err);
    }
    /* the files to write, refused before any work when one is a device, a FIFO, a folder or
     * one of the files read */
    const char *outputs[3] = {html, mps, lpfile};
    for (int k = 0; k < 3; k++)
        if (outputs[k] && cli_output_check(outputs[k], &file, 1, inventory, ninv, &err) != 0)
            return cli_report(&err);
    inv_catalog cat;
    if (inv_catalog_load(&cat, &err) != 0)
        return cli_report(&err);
    int rc = EXIT_BADINPUT;
    scenario s;
    scn_result res;
    memset(&s, 0, sizeof s);
    memset(&res, 0, sizeof res);
    if (cli_load_inventories(&cat, inventory, ninv, &err) != 0)
        goto out;
    if (scn_load(&s, file, &cat, &err) != 0)
        goto out;
    if (variant) {
        size_t vi = 0;
        while (vi < s.nvariants && strcmp(s.variants[vi].name, variant) != 0)
            vi++;
        if (vi == s.nvariants) {
            fp_fail(&err, s.file, 0, 0, "no node set named '%s' (variants: %s%s%s)", variant, s.variants[0].name,
                    s.nvariants > 1 ? ", " : "", s.nvariants > 1 ? s.variants[1].name : "");
            goto out;
        }
        if (scn_use_variant(&s, vi, &err) != 0)
            goto out;
    }
    /* and the model files the scenario read (config.json, checkpoint folders, .gguf) */
    for (int k = 0; k < 3; k++)
        if (cli_output_check_models(outputs[k], &s, &err) != 0)
            goto out;
    if (time_limit > 0)
        s.time_limit = time_limit;
    if (work_limit >= 0)
        s.work_limit = work_limit;
    if (goal >= 0)
        s.goal = (sol_goal)goal;
    if (partial)
        s.allow_partial = 1;
    if (margin && scn_set_margin(&s, margin, 1, &err) != 0)
        goto out;
    scn_plan_opts po = {.verbose = verbose, .progress = isatty(2) ? show_progress : NULL, .stop = &fp_signal,
                        .export_mps = mps, .export_lp = lpfile, .started = started};
    if (scn_plan(&s, &cat, &po, &res, &err) != 0)
        goto out;
    if (po.progress && progress_shown)
        fprintf(stderr, "\n");
    const sol_problem *pbp = &res.pb;
    const sol_plan *planp = &res.plan;
    if (stats)
        fprintf(stderr, "fedplan: solver: %.3f s, %.0f work units, %zu patterns, %d LP rounds, branch and bound %s%s\n", planp->seconds, planp->work,
                planp->columns, planp->lp_iterations, planp->used_mip ? "used" : "not needed",
                planp->arcflow == 2   ? ", arc-flow proof step: its proven optimum raised the bound"
                : planp->arcflow == 3 ? ", arc-flow proof step: proved an optimum the bound already reached"
                : planp->arcflow == 4 ? ", arc-flow proof step: no proof, its search raised the bound"
                : planp->arcflow      ? ", arc-flow proof step: ran, no proof"
                                      : "");
    if (fmt == FMT_TABLE) {
        report_plan_table(&s, pbp, planp, res.reasons);
    } else {
        json_t *o = report_plan_json(&s, pbp, planp, res.reasons);
        if (fmt != FMT_CSV)
            out_any(stdout, fmt, o);
        else {
            /* CSV: the JSON's fields as rows of one table (report_plan_csv_rows) */
            json_t *rows = report_plan_csv_rows(o); /* NULL: jansson's allocation failed, main exits 2 */
            if (rows)
                out_csv(stdout, rows);
            json_decref(rows);
        }
        json_decref(o);
    }
    rc = planp->nunplaced ? EXIT_NOFIT : EXIT_OK;
    if (planp->interrupted) {
        fprintf(stderr, "fedplan: interrupted by signal %d: the plan above is the best found so far\n", (int)fp_signal);
        rc = 128 + (int)fp_signal;
    }
    /* the files, after the plan is printed: one that cannot be written (a missing folder, a
     * full disk) loses neither the plan nor the solve's time; it is reported, and exits 2 */
    {
        int wfail = 0;
        if (planp->export_failed || html || emit)
            fflush(stdout);
        if (planp->export_failed) {
            cli_report(&planp->export_err);
            wfail = 1;
        }
        if (html) {
            json_t *o = report_plan_json(&s, pbp, planp, res.reasons);
            if (html_write_plan(html, o, &err) != 0) {
                cli_report(&err);
                wfail = 1;
            }
            json_decref(o);
        }
        if (emit && cli_emit_plan(emit, force, &s, &res, &cat, &err) != 0) {
            cli_report(&err);
            wfail = 1;
        }
        if (wfail) {
            rc = EXIT_BADINPUT;
            goto done;
        }
    }
out:
    if (rc == EXIT_BADINPUT)
        cli_report(&err);
done:
    scn_result_free(&res);
    scn_free(&s);
    inv_catalog_free(&cat);
    return rc;
}

const cli_command cmd_plan = {
    .name = "plan",
    .summary = "pack deployments onto the cheapest or fewest nodes, with proof",
    .run = run,
    .help = help,
};
