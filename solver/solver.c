/* solver.c: the public entry points (solver.h) and the solve as a sequence of stages
 * (solve_merged, at the end of the stages below); docs/solver.md has the model, why it is
 * exact, and a "Code map" of the files: context.c (the discretized problem), greedy.c (the
 * incumbent), master.c (the restricted master LP), colgen.c (column generation), pricing.c and
 * enumerate.c (patterns), bounds.c (lower bounds and the proof), rounding.c (the LP's plans and
 * the dive), mip.c (branch and bound), arcflow.c (the proof step: a compressed arc-flow model
 * when a gap remains), lns.c (the improvement stage: a large-neighbourhood search on the
 * plan), classes.c (interchangeable deployments merged), verify.c (every plan checked).  The
 * stages share one solve_state (solver_int.h). */
#include <math.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "solver_int.h"

void sol_plan_free(sol_plan *plan)
{
    if (!plan)
        return;
    for (size_t n = 0; n < plan->nnodes; n++)
        free(plan->nodes[n].shards);
    free(plan->nodes);
    free(plan->unplaced);
    memset(plan, 0, sizeof *plan);
}

double sol_objective(const sol_problem *pb, const sol_plan *plan)
{
    sol_ctx c;
    if (ctx_build(&c, pb, NULL) != 0) {
        ctx_free(&c);
        return -1;
    }
    double o = plan_obj(&c, plan);
    ctx_free(&c);
    return o;
}

int sol_greedy(const sol_problem *pb, sol_plan *plan, fp_error *err)
{
    sol_ctx c;
    int rc = -1;
    memset(plan, 0, sizeof *plan);
    if (ctx_build(&c, pb, err) == 0) {
        rc = ctx_greedy(&c, plan);
        if (rc != 0)
            fp_fail(err, NULL, 0, 0, "out of memory");
    }
    ctx_free(&c);
    return rc;
}

int sol_node_span(const sol_problem *pb, const sol_plan *plan, size_t n, sol_span *out)
{
    if (n >= plan->nnodes || plan->nodes[n].nshards == 0)
        return 0;
    const sol_shard *s0 = &plan->nodes[n].shards[0];
    if (s0->dep >= pb->ndeps || s0->variant >= pb->deps[s0->dep].nvariants)
        return 0;
    const sol_variant *v = &pb->deps[s0->dep].variants[s0->variant];
    if (v->on_host || v->max_nodes <= 1)
        return 0;
    /* the replica's nodes, ranked by the smallest shard each holds */
    uint32_t mine = UINT32_MAX, part = 1, of = 0;
    for (size_t s = 0; s < plan->nodes[n].nshards; s++)
        if (plan->nodes[n].shards[s].shard < mine)
            mine = plan->nodes[n].shards[s].shard;
    for (size_t m = 0; m < plan->nnodes; m++) {
        uint32_t low = UINT32_MAX;
        for (size_t s = 0; s < plan->nodes[m].nshards; s++) {
            const sol_shard *o = &plan->nodes[m].shards[s];
            if (o->dep == s0->dep && o->replica == s0->replica && o->shard < low)
                low = o->shard;
        }
        if (low == UINT32_MAX)
            continue;
        of++;
        part += low < mine;
    }
    if (of <= 1)
        return 0;
    *out = (sol_span){s0->dep, s0->replica, s0->variant, part, of};
    return 1;
}

/* ====================================================================== the solve, stage by stage */

/* The context (memory in units, the objective), the work meter, the rows' numbering and the
 * scratch arrays; the volume bound, valid from the start (the relaxation's bound is computed
 * when duals come).  -1 with err filled. */
static int solve_setup(solve_state *s, const sol_problem *pb, sol_plan *plan, fp_error *err)
{
    memset(s, 0, sizeof *s);
    s->pb = pb;
    s->plan = plan;
    s->err = err;
    s->t0 = now_s();
    s->meter.limit = pb->work_limit > 0 ? pb->work_limit * SOL_WORK_STEPS : 0;
    memset(plan, 0, sizeof *plan);
    if (ctx_build(&s->c, pb, err) != 0)
        return -1;
    s->c.meter = &s->meter;
    s->c.t0 = s->t0;
    s->avail_row = calloc(pb->ntypes + 1, sizeof *s->avail_row);
    s->nrows = (int)pb->ndeps;
    if (!s->avail_row)
        return fp_fail(err, NULL, 0, 0, "out of memory");
    s->pi2 = malloc((pb->ndeps + 1) * sizeof *s->pi2);
    s->rem = malloc((pb->ndeps + 1) * sizeof *s->rem);
    s->vb = (vbound){.avail_row = s->avail_row, .value = -1, .last = -1};
    s->vol = volume_bound(&s->c);
    s->vb.value = s->vol;
    for (size_t t = 0; t < pb->ntypes; t++)
        if (pb->types[t].available >= 0)
            s->avail_row[t] = ++s->nrows;
    s->ind = malloc(((size_t)s->nrows + 2) * sizeof *s->ind);
    s->val = malloc(((size_t)s->nrows + 2) * sizeof *s->val);
    s->duals = calloc((size_t)s->nrows + 2, sizeof *s->duals);
    return 0; /* the scratch arrays are checked with the master LP's (master_build) */
}

/* The greedy plan (greedy.c) is the first incumbent, and its nodes the first patterns, after
 * the columns of replicas that span nodes (fixed: never priced). */
static int first_incumbent(solve_state *s)
{
    if (ctx_add_span_columns(&s->c) != 0 || ctx_greedy(&s->c, &s->best) != 0)
        return fp_fail(s->err, NULL, 0, 0, "out of memory");
    s->best_obj = plan_obj(&s->c, &s->best);
    if (plan_to_patterns(&s->c, &s->best) != 0)
        return fp_fail(s->err, NULL, 0, 0, "out of memory");
    return 0;
}

/* The clock for the stages that follow: 5 % of the limit is left for what follows the solve
 * (verifying, printing) and for the process around it, so that a whole command keeps within
 * its limit. */
static void start_clock(solve_state *s)
{
    s->lb_obj = s->vol;
    s->deadline = s->t0 + s->pb->time_limit_s * 0.95;
    s->c.deadline = s->deadline;
    s->c.t0 = s->t0;
    s->last_tick = s->t0;
}

/* The incumbent as the caller's plan, with its status, bound and gap (bounds.c); when sizes
 * were rounded, the bound of the relaxation.  -1 out of memory. */
static int solve_finish(solve_state *s)
{
    const sol_problem *pb = s->pb;
    sol_ctx *c = &s->c;
    sol_plan *plan = s->plan;
    if (!c->exact_units) {
        double rb = valid_bound(c, &s->vb, s->lb_obj, 1);
        if (rb < 0)
            return fp_fail(s->err, NULL, 0, 0, "out of memory");
        s->lb_obj = fmax(rb, s->vol);
    }
    *plan = (sol_plan){.lp_iterations = plan->lp_iterations, .used_mip = plan->used_mip, .arcflow = s->arcflow};
    plan->export_failed = s->export_failed;
    if (s->export_failed)
        plan->export_err = s->export_err;
    /* the incumbent's least-used nodes emptied into the others where its replicas fit */
    if (plan_compact(c, &s->best) < 0)
        return fp_fail(s->err, NULL, 0, 0, "out of memory");
    plan->nodes = s->best.nodes;
    plan->nnodes = s->best.nnodes;
    plan->unplaced = s->best.unplaced;
    plan->nunplaced = s->best.nunplaced;
    plan->cost = s->best.cost;
    plan->nodes_used = s->best.nnodes;
    memset(&s->best, 0, sizeof s->best);
    plan->columns = c->npat;
    double obj = plan_obj(c, plan);
    double pen = 0, vol_placed = 0;
    if (plan->nunplaced) {
        /* the volume bound of the placed replicas alone: the same problem with their counts */
        sol_deployment *pdeps = malloc(pb->ndeps * sizeof *pdeps);
        if (!pdeps)
            return fp_fail(s->err, NULL, 0, 0, "out of memory");
        memcpy(pdeps, pb->deps, pb->ndeps * sizeof *pdeps);
        for (size_t u = 0; u < plan->nunplaced; u++) {
            pdeps[plan->unplaced[u].dep].replicas -= plan->unplaced[u].count;
            pen += c->penalty[plan->unplaced[u].dep] * plan->unplaced[u].count;
        }
        sol_problem ppb = *pb;
        ppb.deps = pdeps;
        sol_ctx pc = *c;
        pc.pb = &ppb;
        vol_placed = volume_bound(&pc);
        free(pdeps);
    }
    /* optimal only when proven (a plan within the accepted gap is feasible, with its gap) */
    int proven = report_bound(c, s->lb_obj, vol_placed, plan, obj, pen);
    plan->status = proven ? SOL_OPTIMAL : SOL_FEASIBLE;
    if (plan->nunplaced && !pb->allow_partial)
        plan->status = SOL_INFEASIBLE;
    plan->seconds = now_s() - s->t0;
    plan->interrupted = ctx_stopped(c) && plan->status != SOL_OPTIMAL;
    plan->wall_limited = s->meter.wall_hit && plan->status != SOL_OPTIMAL;
    plan->work = s->meter.steps / SOL_WORK_STEPS;
    return 0;
}

static void solve_free(solve_state *s, int rc)
{
    if (s->lp)
        glp_delete_prob(s->lp);
    free(s->avail_row);
    free(s->ind);
    free(s->val);
    free(s->duals);
    free(s->xinit);
    kcache_free(&s->kc);
    free(s->pi2);
    free(s->rem);
    free(s->vb.duals);
    arcflow_free(s->af);
    sol_plan_free(&s->best);
    ctx_free(&s->c);
    if (rc != 0)
        sol_plan_free(s->plan);
}

/* The incumbent's least-used nodes emptied into the others (compact.c) as soon as the greedy
 * and the LP's plans are made, not only at the end, where some node type has several GPUs: a
 * plan compaction makes as cheap as the bound then ends the search at once (an 8-GPU fleet's
 * 15 nodes meet the integer volume bound there).  -1 out of memory. */
static int compact_best(solve_state *s)
{
    /* on nodes of one bin (CPU, one GPU) the greedy and the rounding leave little for it, and
     * it cost 3 ms a solve on the Falkenauer sets: there it runs at the end only */
    int many = 0;
    for (size_t t = 0; t < s->pb->ntypes; t++)
        many |= s->pb->types[t].gpus > 1;
    if (!many)
        return 0;
    int r = plan_compact(&s->c, &s->best);
    if (r < 0)
        return fp_fail(s->err, NULL, 0, 0, "out of memory");
    if (r > 0)
        s->best_obj = plan_obj(&s->c, &s->best);
    return 0;
}

/* One solve of the (merged) problem, stage by stage (docs/solver.md, "Solving"). */
#define ARCFLOW_EARLY_SHARE 0.6
/* no new dive past this share of the limit: the rest goes to the improvement stage (step 4c),
 * which on fleets of a few hundred replicas improves plans where later dives do not
 * (docs/performance.md, "The improvement stage") */
#define LNS_FROM_SHARE 0.6

static int solve_merged(const sol_problem *pb, sol_plan *plan, fp_error *err, int improve)
{
    solve_state s;
    glpk_guard guard;
    volatile int rc = -1; /* read after GLPK's error hook jumps back */
    int r;
    /* 1. the problem in units, and the greedy plan as the incumbent */
    if (solve_setup(&s, pb, plan, err) != 0 || first_incumbent(&s) != 0)
        goto out;
    /* GLPK from here on: its output swallowed, its errors a jump back here, never an abort */
    glp_term_out(pb->verbose ? GLP_ON : GLP_OFF);
    glp_term_hook(pb->verbose ? NULL : glpk_quiet, NULL);
    if (setjmp(guard.jb)) {
        glp_error_hook(NULL, NULL);
        glp_free_env();
        s.lp = NULL;
        arcflow_lp_gone(s.af);
        fp_fail(err, NULL, 0, 0, "internal error in GLPK (its error hook caught it)");
        goto out;
    }
    glp_error_hook(glpk_hook, &guard);
    if (compact_best(&s) != 0 || master_build(&s) != 0)
        goto out;
    /* the integer volume bound (bounds.c): whole nodes */
    double kb = knapsack_bound(&s.c);
    if (kb > s.vol) {
        s.vol = kb;
        s.vb.value = fmax(s.vb.value, kb);
    }
    start_clock(&s);
    /* 2. column generation: the LP bound; the LP rounded down and repaired */
    if (column_generation(&s) != 0 || round_down_and_repair(&s) != 0 || compact_best(&s) != 0)
        goto out;
    do {
        /* 3. the dive: a pattern raised to its ceiling, columns generated again, until integral */
        while ((r = dive_step(&s)) == 1)
            if (column_generation(&s) != 0 || round_down_and_repair(&s) != 0)
                goto out;
        if (r < 0 || compact_best(&s) != 0)
            goto out;
        /* 4. branch and bound over the patterns, then over all of them when they can be listed;
         * 4b. the proof step (once): the compressed arc-flow model, when a gap remains and the
         * problem is one it covers.  With several node types (prices, count limits) the gap is
         * the LP's, which branch and bound over the patterns rarely closes: the proof step goes
         * first there, with ARCFLOW_EARLY_SHARE of what is left (docs/performance.md, "Beside
         * VPSolver's arc-flow model" and "Third run"); with one type (bin packing) the patterns'
         * branch and bound usually proves first, and faster */
        if (pb->ntypes > 1 && arcflow_step(&s, ARCFLOW_EARLY_SHARE) != 0)
            goto out;
        if (integer_program(&s) != 0 || arcflow_step(&s, 1.0) != 0)
            goto out;
        /* time left and no proof: dive again, choosing differently */
    } while ((!improve || ctx_used(&s.c) < LNS_FROM_SHARE) && (r = dive_again(&s)) == 1);
    if (r < 0)
        goto out;
    /* the model, for other solvers */
    master_export(&s);
    glp_error_hook(NULL, NULL);
    /* 4c. the improvement stage: a large-neighbourhood search on the plan, when it is not proven
     * and time is left (its sub-solves guard GLPK themselves) */
    if (improve && lns_step(&s) != 0)
        goto out;
    /* 5. status, bound and gap of the plan returned */
    if (solve_finish(&s) != 0)
        goto out;
    rc = 0;
out:
    /* the guard's frame ends here: GLPK must never jump back into it */
    glp_error_hook(NULL, NULL);
    solve_free(&s, rc);
    return rc;
}

/* Interchangeable deployments are merged into classes first (classes.c); the merged
 * problem is solved, its plan split back among the members and verified. */
int sol_solve(const sol_problem *pb, sol_plan *plan, fp_error *err)
{
    /* GLPK starts its environment on first use and aborts the process when that fails (out of
     * memory): start it here, where a failure can be reported */
    int env = glp_init_env();
    if (env != 0 && env != 1)
        return fp_fail(err, NULL, 0, 0, "out of memory: the solver (GLPK) could not start");
    sol_classes cl;
    if (cls_build(pb, &cl) != 0)
        return fp_fail(err, NULL, 0, 0, "out of memory");
    if (cl.n == 0 || cl.n == pb->ndeps) {
        cls_free(&cl);
        return solve_merged(pb, plan, err, 1);
    }
    sol_problem mp = *pb;
    mp.deps = cl.deps;
    mp.ndeps = cl.n;
    sol_plan cp;
    int rc = solve_merged(&mp, &cp, err, 1);
    if (rc == 0) {
        rc = cls_expand(pb, &cl, &cp, plan);
        if (rc != 0)
            fp_fail(err, NULL, 0, 0, "internal error: the merged plan does not split among its deployments");
        else if (cp.export_failed) {
            plan->export_failed = 1;
            plan->export_err = cp.export_err;
        }
        sol_plan_free(&cp);
    }
    cls_free(&cl);
    return rc;
}

int solve_part(const sol_problem *pb, sol_plan *plan, fp_error *err)
{
    return solve_merged(pb, plan, err, 0);
}

void sol_thread_done(void)
{
    glp_free_env(); /* GLPK's environment is per thread (Debian's 5.0 build is thread-local) */
}

int sol_glpk_fault_selftest(fp_error *err)
{
    /* the same guard sol_solve uses, around a call GLPK refuses (a row that does not exist):
     * GLPK calls its error hook, the hook jumps back here, and the process lives on */
    glpk_guard guard;
    glp_prob *volatile lp = NULL;
    glp_term_out(GLP_OFF);
    glp_term_hook(glpk_quiet, NULL);
    if (setjmp(guard.jb)) {
        glp_error_hook(NULL, NULL);
        glp_free_env(); /* frees every GLPK object, lp included */
        return fp_fail(err, NULL, 0, 0, "internal error in GLPK (its error hook caught it)");
    }
    glp_error_hook(glpk_hook, &guard);
    lp = glp_create_prob();
    glp_set_row_bnds(lp, 7, GLP_LO, 0, 0); /* there is no row 7 */
    glp_error_hook(NULL, NULL);
    glp_term_hook(NULL, NULL);
    glp_delete_prob(lp);
    return 0;
}
