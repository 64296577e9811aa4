/* plan.c: one scenario planned: footprints, solve, verify, and the reasons for what
 * could not be placed.  Shared by plan, compare and sweep. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scenario.h"

double scn_clock(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int scn_plan(scenario *s, const inv_catalog *cat, const scn_plan_opts *o, scn_result *r, fp_error *err)
{
    memset(r, 0, sizeof *r);
    if (scn_build(s, cat, &r->pb, err) != 0)
        goto fail;
    if (o && o->started > 0) {
        /* the limit is the command's: what loading and estimating took comes off the solve's
         * share (at least 5 % of the limit is left to it) */
        double spent = scn_clock() - o->started, lim = r->pb.time_limit_s;
        r->pb.time_limit_s = lim - spent > 0.05 * lim ? lim - spent : 0.05 * lim;
    }
    if (o) {
        r->pb.verbose = o->verbose;
        r->pb.progress = o->progress;
        r->pb.progress_ctx = o->progress_ctx;
        r->pb.stop = o->stop;
        r->pb.export_mps = o->export_mps;
        r->pb.export_lp = o->export_lp;
    }
    if (sol_solve(&r->pb, &r->plan, err) != 0) {
        if (!err->file[0]) /* the solver's complaints are about this scenario as a whole */
            snprintf(err->file, sizeof err->file, "%s", s->file);
        goto fail;
    }
    if (plan_verify(&r->pb, &r->plan, err) != 0) {
        /* never print a plan that does not hold */
        char msg[FP_ERR_MSG];
        snprintf(msg, sizeof msg, "internal error: the plan failed verification (%.400s)", err->msg);
        fp_fail(err, NULL, 0, 0, "%s", msg);
        goto fail;
    }
    r->reasons = calloc(r->plan.nunplaced + 1, sizeof *r->reasons);
    if (!r->reasons) {
        fp_fail(err, NULL, 0, 0, "out of memory");
        goto fail;
    }
    {
        /* when availability is what stops a plan: how many nodes would everything need? (the
         * same problem with every count unlimited, fewest nodes, its proven bound) */
        double need_nodes = 0;
        int limited = 0;
        for (size_t t = 0; t < r->pb.ntypes; t++)
            limited |= r->pb.types[t].available >= 0;
        if (r->plan.nunplaced && limited && !r->plan.interrupted) {
            sol_node_type *open = malloc(r->pb.ntypes * sizeof *open);
            if (open) {
                memcpy(open, r->pb.types, r->pb.ntypes * sizeof *open);
                for (size_t t = 0; t < r->pb.ntypes; t++)
                    open[t].available = -1;
                sol_problem all = r->pb;
                all.progress = NULL;
                all.types = open;
                all.goal = SOL_GOAL_NODES;
                all.export_mps = all.export_lp = NULL; /* the model exported is the plan's own */
                all.allow_partial = 1;
                /* within what the plan's own limit leaves (it stopped by 95 % of it): at most
                 * 2 s, and never past the limit the user gave */
                double left = (r->pb.time_limit_s - r->plan.seconds) * 0.8;
                all.time_limit_s = left < 2 ? (left > 0.01 ? left : 0.01) : 2;
                if (r->pb.work_limit > 0) {
                    /* with a work budget, in work alike (the answer must not depend on the
                     * clock): 80 % of what the plan left, at most 2 s worth */
                    double wleft = (r->pb.work_limit - r->plan.work) * 0.8, cap = 2 * SOL_WORK_PER_SECOND;
                    all.work_limit = wleft < cap ? (wleft > 1 ? wleft : 1) : cap;
                    all.time_limit_s = r->pb.time_limit_s;
                }
                sol_plan ap;
                fp_error ae;
                if (sol_solve(&all, &ap, &ae) == 0) {
                    if (ap.nunplaced == 0)
                        need_nodes = ap.bound;
                    sol_plan_free(&ap);
                }
                free(open);
            }
        }
        for (size_t u = 0; u < r->plan.nunplaced; u++) {
            scn_why_unplaceable(s, &r->pb, r->plan.unplaced[u].dep, r->reasons[u], 256);
            if (!r->reasons[u][0] && r->plan.interrupted) /* a signal stopped the greedy before them */
                snprintf(r->reasons[u], 256, "not placed yet when the solve was interrupted");
            if (!r->reasons[u][0]) {
                int64_t avail = 0;
                int unlimited = 0;
                for (size_t t = 0; t < r->pb.ntypes; t++)
                    if (!r->pb.deps[r->plan.unplaced[u].dep].allowed || r->pb.deps[r->plan.unplaced[u].dep].allowed[t]) {
                        if (r->pb.types[t].available < 0)
                            unlimited = 1;
                        else
                            avail += r->pb.types[t].available;
                    }
                if (!unlimited && need_nodes > 0)
                    snprintf(r->reasons[u], 256,
                             "placing every replica needs at least %.0f nodes and %lld are available (the "
                             "highest priorities went first)",
                             need_nodes, (long long)avail);
                else if (!unlimited)
                    snprintf(r->reasons[u], 256,
                             "fits a node on its own, but the %lld nodes available are full (higher priorities, or "
                             "larger deployments, went first)",
                             (long long)avail);
                else
                    snprintf(r->reasons[u], 256, "no room left within the solver's time limit");
            }
        }
    }
    return 0;
fail:
    scn_result_free(r);
    return -1;
}

void scn_result_free(scn_result *r)
{
    if (!r)
        return;
    free(r->reasons);
    sol_plan_free(&r->plan);
    scn_problem_free(&r->pb);
    memset(r, 0, sizeof *r);
}

/* vLLM starts with --gpu-memory-utilization = its profiled need / the GPU's total memory */
double scn_vllm_utilization(const scenario *s, size_t d, size_t v, const inv_node *node)
{
    const scn_deployment *dp = &s->deps[d];
    if (dp->memory || dp->on_host || dp->opts.w.runtime != EST_RT_VLLM || !node->gpu_memory)
        return 0;
    if (dp->opts.w.gmu_set) /* the user's own: the plan gave it its share of this GPU */
        return dp->opts.w.gpu_memory_utilization;
    /* its need (allocated + margin), rounded up to 4 decimals: scn_build packed room for that */
    double need = (double)(dp->shard_bytes[v] - dp->outside_bytes[v] - dp->round_bytes[v]);
    return ceil(need / (double)node->gpu_memory * 10000.0) / 10000.0;
}
