/* solver.c: the public entry points (solver.h) and the solve as a sequence of stages; see
 * docs/solver.md for the model, why it is exact, and its "Code map" for the files below.
 * Column generation over node patterns, with GLPK for the master LP and the final integer
 * program: context.c (the discretized problem), greedy.c (the incumbent), master.c (the
 * restricted master LP), pricing.c and enumerate.c (patterns), bounds.c (lower bounds and the
 * proof), rounding.c (the LP's plans and the dive), mip.c (branch and bound), classes.c
 * (interchangeable deployments merged), verify.c (every plan checked). */
#include <glpk.h>
#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/atomic.h"
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

static int solve_merged(const sol_problem *pb, sol_plan *plan, fp_error *err)
{
    double t0 = now_s();
    sol_ctx c;
    sol_meter meter = {.limit = pb->work_limit > 0 ? pb->work_limit * SOL_WORK_STEPS : 0};
    memset(plan, 0, sizeof *plan);
    if (ctx_build(&c, pb, err) != 0) {
        ctx_free(&c);
        return -1;
    }
    c.meter = &meter;
    c.t0 = t0;
    int rc = -1;
    glp_prob *lp = NULL;
    int *ind = NULL;
    double *val = NULL, *duals = NULL, *xinit = NULL;
    size_t *chosen = NULL;
    sol_plan best;
    memset(&best, 0, sizeof best);
    kcache kc = {0};
    glpk_guard guard;
    int *avail_row = calloc(pb->ntypes + 1, sizeof *avail_row);
    int nrows = (int)pb->ndeps;
    if (!avail_row) {
        fp_fail(err, NULL, 0, 0, "out of memory");
        ctx_free(&c);
        return -1;
    }
    double *pi2 = malloc((pb->ndeps + 1) * sizeof *pi2);
    int64_t *rem = malloc((pb->ndeps + 1) * sizeof *rem);
    vbound vb = {.avail_row = avail_row, .value = -1, .last = -1};
    double vol = volume_bound(&c);
    vb.value = vol; /* valid from the start (the relaxation's bound is computed when duals come) */
    for (size_t t = 0; t < pb->ntypes; t++)
        if (pb->types[t].available >= 0)
            avail_row[t] = ++nrows;
    ind = malloc(((size_t)nrows + 2) * sizeof *ind);
    val = malloc(((size_t)nrows + 2) * sizeof *val);
    duals = calloc((size_t)nrows + 2, sizeof *duals);

    /* 1. incumbent */
    if (ctx_greedy(&c, &best) != 0) {
        fp_fail(err, NULL, 0, 0, "out of memory");
        goto out;
    }
    volatile double best_obj = plan_obj(&c, &best);
    if (plan_to_patterns(&c, &best) != 0) {
        fp_fail(err, NULL, 0, 0, "out of memory");
        goto out;
    }

    /* 2. column generation */
    glp_term_out(pb->verbose ? GLP_ON : GLP_OFF);
    glp_term_hook(pb->verbose ? NULL : glpk_quiet, NULL);
    if (setjmp(guard.jb)) {
        glp_error_hook(NULL, NULL);
        glp_free_env();
        lp = NULL;
        fp_fail(err, NULL, 0, 0, "internal error in GLPK (its error hook caught it)");
        goto out;
    }
    glp_error_hook(glpk_hook, &guard);
    lp = glp_create_prob();
    glp_set_obj_dir(lp, GLP_MIN);
    glp_add_rows(lp, nrows);
    for (size_t d = 0; d < pb->ndeps; d++)
        glp_set_row_bnds(lp, (int)d + 1, GLP_LO, (double)pb->deps[d].replicas, 0);
    for (size_t t = 0; t < pb->ntypes; t++)
        if (avail_row[t])
            glp_set_row_bnds(lp, avail_row[t], GLP_UP, 0, (double)pb->types[t].available);
    vb.duals = calloc((size_t)nrows + 2, sizeof *vb.duals);
    if (!ind || !val || !duals || !pi2 || !rem || !vb.duals)
        goto oom;
    /* slack columns: unplaced replicas */
    for (size_t d = 0; d < pb->ndeps; d++) {
        int j = glp_add_cols(lp, 1);
        glp_set_col_bnds(lp, j, GLP_DB, 0, (double)pb->deps[d].replicas);
        glp_set_obj_coef(lp, j, c.penalty[d]);
        ind[1] = (int)d + 1;
        val[1] = 1;
        glp_set_mat_col(lp, j, 1, ind, val);
    }
    size_t ncols_in_lp = 0;
#define ADD_PATTERN_COLS()                                                                         \
    for (; ncols_in_lp < c.npat; ncols_in_lp++) {                                                  \
        const pattern *p_ = &c.pats[ncols_in_lp];                                                  \
        int j_ = glp_add_cols(lp, 1);                                                              \
        glp_set_col_bnds(lp, j_, GLP_LO, 0, 0);                                                    \
        glp_set_obj_coef(lp, j_, c.obj[p_->type]);                                                 \
        int len_ = column_of(&c, p_, ind, val);                                                    \
        if (avail_row[p_->type]) {                                                                 \
            ind[++len_] = avail_row[p_->type];                                                     \
            val[len_] = 1;                                                                         \
        }                                                                                          \
        glp_set_mat_col(lp, j_, len_, ind, val);                                                   \
    }
    ADD_PATTERN_COLS();

    glp_smcp smcp;
    glp_init_smcp(&smcp);
    smcp.msg_lev = pb->verbose ? GLP_MSG_ON : GLP_MSG_OFF;
    double lb_obj = vol;
    int proven_lp = 0;
    /* 5 % of the limit is left for what follows the solve (verifying, printing) and for the
     * process around it, so that a whole command keeps within its limit */
    double deadline = t0 + pb->time_limit_s * 0.95;
    c.deadline = deadline;
    c.t0 = t0;
    double last_tick = t0;
    int diving = 0, dive_bounds = 0, exact_passes = 0, dive_attempt = 0, enum_failed = 0;
    int export_failed = 0;
    fp_error export_err;
cg_again:
    for (int iter = 0;; iter++) {
        /* past the deadline (a large problem whose greedy plan took the time) or stopped: no
         * round starts; a dive's rounds go on, its LP must be solved for what follows */
        if (!diving && ctx_over(&c))
            break;
        int ms = master_solve(&c, lp, &smcp, deadline);
        if (ms == 1) /* the deadline came inside the simplex (10,000 rows): no duals, no round */
            break;
        if (ms != 0) {
            fp_fail(err, NULL, 0, 0, "the master LP did not solve (GLPK status %d)", glp_get_status(lp));
            goto out;
        }
        plan->lp_iterations++;
        double z = glp_get_obj_val(lp);
        for (int i = 1; i <= nrows; i++)
            duals[i] = glp_get_row_dual(lp, i);
        /* price every node type; the Lagrangian bound z + sum_t U_t * min(0, rc_t) holds whatever
         * the duals, and equals z when no column prices out */
        double lagr = z;
        double theta = 1.0; /* Farley: the duals scaled down by theta are feasible for every pattern */
        int added = 0, all_exact = 1, round_cut = 0;
        int out_of_time = ctx_used(&c) > 0.6 * ctx_end_share(&c);
        kcache_clear(&kc); /* new duals */
        for (size_t t = 0; t < pb->ntypes; t++) {
            pattern p;
            int exact;
            double mu = avail_row[t] ? duals[avail_row[t]] : 0;
            double value = price(&c, (uint32_t)t, duals + 1, &p, &exact, out_of_time ? 2000 : 20000, &kc,
                                 c.obj[t] - mu - 1e-6 * fmax(1.0, c.obj[t]));
            if (exact == -1) { /* no answer for this type: the round proves nothing, and memory is short */
                free(p.copies);
                goto oom;
            }
            if (exact == -2 || ((t & 63) == 63 && ctx_over(&c))) {
                /* stopped (the deadline or a signal) before every type was priced: the round's
                 * Lagrangian and Farley terms miss types, so it gives no bound; what was
                 * added stays */
                free(p.copies);
                round_cut = 1;
                break;
            }
            double rc_t = c.obj[t] - mu - value;
            if ((value + mu) / c.obj[t] > theta)
                theta = (value + mu) / c.obj[t];
            if (!exact)
                all_exact = 0;
            if (rc_t < 0) {
                double U = pb->types[t].available >= 0 ? (double)pb->types[t].available : 0;
                if (U == 0) /* unlimited: at most one node per replica shard */
                    for (size_t d = 0; d < pb->ndeps; d++)
                        U += pb->deps[d].replicas;
                lagr += U * rc_t;
            }
            if (p.copies && exact && rc_t < -1e-6 * fmax(1.0, c.obj[t])) {
                int a = ctx_add_pattern(&c, &p);
                if (a < 0) {
                    free(p.copies);
                    goto oom;
                }
                if (a == 0) /* a column already there prices out: numerics; claim no bound from z */
                    all_exact = 0;
                added += a;
                int more = a > 0 ? more_columns(&c, (uint32_t)t, duals + 1, mu, &p, 8, pi2, rem) : 0;
                if (more < 0) {
                    free(p.copies);
                    goto oom;
                }
                added += more;
            } else if (p.copies && !exact && p.ncopies) {
                /* the search was cut short: its best pattern may still price out */
                double v2 = 0;
                for (uint32_t k = 0; k < p.ncopies; k++)
                    v2 += duals[c.vi[p.copies[k].vi].dep + 1];
                if (c.obj[t] - mu - v2 < -1e-6 * fmax(1.0, c.obj[t])) {
                    int a = ctx_add_pattern(&c, &p);
                    if (a < 0) {
                        free(p.copies);
                        goto oom;
                    }
                    added += a;
                }
            }
            free(p.copies);
        }
        if (round_cut) {
            ADD_PATTERN_COLS();
            break;
        }
        if (!diving) { /* a dive's bounds make the LP a restriction: no bound from it */
            double dual = farley(&c, duals, avail_row, theta);
            if (dual > lagr)
                lagr = dual;
            if (!added && all_exact && z > lagr)
                lagr = z; /* the LP is solved: its value is the model's bound */
            if (lagr > lb_obj || !vb.have || lagr > vb.best_lagr) {
                vb.best_lagr = lagr;
                lb_obj = fmax(lb_obj, lagr);
                memcpy(vb.duals, duals, ((size_t)nrows + 1) * sizeof *vb.duals);
                vb.have = vb.stale = 1;
            }
        }
        if (!added && !diving && !c.exact_units && exact_passes < 10 && ctx_used(&c) < 0.6 * ctx_end_share(&c) &&
            !ctx_stopped(&c)) {
            /* the model's sizes are rounded: search each node type in exact bytes for real
             * patterns it could not see; those that price out become columns, and the bound
             * from these duals holds for the problem itself */
            int more = 0;
            double fb = relaxed_bound(&c, duals, avail_row, &c, &more, 2000000);
            if (fb < 0)
                goto oom;
            exact_passes++;
            if (fb > vb.value)
                vb.value = fb;
            added = more;
        }
        if (!added) {
            if (!diving)
                proven_lp = all_exact;
            break;
        }
        ADD_PATTERN_COLS();
        tick(&c, t0, &last_tick, best_obj, lb_obj);
        /* stop early when the incumbent already meets the bound, or when time is short */
        if ((!diving && good_enough(&c, &vb, lb_obj, best_obj)) ||
            ctx_used(&c) > 0.7 || ctx_stopped(&c))
            break;
        (void)iter;
    }
    (void)proven_lp;

    /* 2a. the LP rounded down and repaired: a good plan at once for large problems */
    if (!good_enough(&c, &vb, lb_obj, best_obj) && !ctx_over(&c) &&
        floor_and_repair(&c, lp, &best, &best_obj) != 0)
        goto oom;

    /* 2b. diving: round the LP up one pattern at a time (columns at 1 or more are kept, the most
     * fractional one is raised to its ceiling), generating columns again after each step, until the
     * LP is integral: the classic residual heuristic for cutting stock, which finds the optimum of
     * most instances whose LP bound rounds up to it */
dive_start:
    if (!good_enough(&c, &vb, lb_obj, best_obj) &&
        ctx_used(&c) < (dive_attempt ? 0.85 : 0.6) && !ctx_stopped(&c)) {
        int ncols = glp_get_num_cols(lp), base = (int)pb->ndeps, frac_j = -1, integral = 1;
        double best_frac = 0;
        for (int j = base + 1; j <= ncols; j++) {
            double x = glp_get_col_prim(lp, j), f = x - floor(x + 1e-9);
            if (x >= 1 - 1e-6 && glp_get_col_lb(lp, j) < floor(x + 1e-6)) {
                glp_set_col_bnds(lp, j, GLP_LO, floor(x + 1e-6), 0);
                dive_bounds = 1;
            }
            if (f > 1e-6 && f < 1 - 1e-6) {
                integral = 0;
                /* later dives break the choice differently: a deterministic jitter per attempt */
                double score = f + (dive_attempt ? 1.0 * (double)(mix64((uint64_t)dive_attempt * 1000003u + (uint64_t)j) >> 11) / 9007199254740992.0 : 0);
                if (score > best_frac) {
                    best_frac = score;
                    frac_j = j;
                }
            }
        }
        if (!integral && frac_j > 0) {
            glp_set_col_bnds(lp, frac_j, GLP_LO, ceil(glp_get_col_prim(lp, frac_j)), 0);
            diving = 1;
            goto cg_again;
        }
        if (integral && diving && keep_if_better(&c, lp, 0, &best, &best_obj) != 0)
            goto oom;
    }
    if (diving || dive_bounds) { /* undo the dive's bounds (also those set on an LP found integral) */
        int ncols = glp_get_num_cols(lp);
        for (int j = (int)pb->ndeps + 1; j <= ncols; j++)
            glp_set_col_bnds(lp, j, GLP_LO, 0, 0);
        diving = 0;
    }

    /* 3. integer program over the generated patterns, unless the incumbent is proven;
     * then, if still unproven and every maximal pattern can be listed, over all of them
     * (the exact model, whose own branch and bound then proves optimality) */
    for (int round = 0; round < 2; round++) {
        if (good_enough(&c, &vb, lb_obj, best_obj) || ctx_over(&c))
            break;
        int full_model = 0;
        if (round == 1) {
            if (enum_failed)
                break;
            size_t before = c.npat;
            full_model = 1;
            for (size_t t = 0; t < pb->ntypes && full_model; t++) {
                int er = enum_type(&c, (uint32_t)t, 2000000, before + 20000);
                if (er < 0)
                    goto oom;
                if (er == 0)
                    full_model = 0;
            }
            if (!full_model) { /* the partial listing is dropped: columns stay those the LP has */
                for (size_t i = before; i < c.npat; i++)
                    pattern_free(&c.pats[i]);
                c.npat = before;
                enum_failed = 1;
                break;
            }
            ADD_PATTERN_COLS();
        }
        /* the best plan so far as a starting solution: its patterns become columns (a plan from
         * the dive dropped surplus copies, so its nodes may be patterns not generated yet) */
        if (plan_to_patterns(&c, &best) != 0)
            goto oom;
        ADD_PATTERN_COLS();
        int ncols = glp_get_num_cols(lp);
        for (int j = 1; j <= ncols; j++)
            glp_set_col_kind(lp, j, GLP_IV);
        free(xinit);
        xinit = calloc((size_t)ncols + 1, sizeof *xinit);
        if (!xinit)
            goto oom;
        for (size_t n = 0; n < best.nnodes; n++) {
            sol_ctx probe = c;
            probe.npat = probe.cappat = 0;
            probe.pats = NULL;
            sol_plan one = {.nnodes = 1, .nodes = &best.nodes[n]};
            if (plan_to_patterns(&probe, &one) == 0 && probe.npat == 1) {
                const pattern *p = &probe.pats[0];
                for (size_t i = 0; i < c.npat; i++)
                    if (c.pats[i].key == p->key && pattern_same(&c.pats[i], p) == 1) {
                        xinit[(int)pb->ndeps + 1 + (int)i] += 1;
                        break;
                    }
            }
            for (size_t i = 0; i < probe.npat; i++)
                pattern_free(&probe.pats[i]);
            free(probe.pats);
        }
        for (size_t u = 0; u < best.nunplaced; u++)
            xinit[best.unplaced[u].dep + 1] += best.unplaced[u].count;
        /* GLPK trusts a heuristic solution's rows: inject it only when every row holds */
        int xinit_ok = 1;
        int *rind = malloc(((size_t)ncols + 1) * sizeof *rind);
        double *rval = malloc(((size_t)ncols + 1) * sizeof *rval);
        if (!rind || !rval) {
            free(rind);
            free(rval);
            goto oom;
        }
        for (int i = 1; i <= nrows && xinit_ok; i++) {
            int len = glp_get_mat_row(lp, i, rind, rval);
            double act = 0;
            for (int q = 1; q <= len; q++)
                act += rval[q] * xinit[rind[q]];
            int type = glp_get_row_type(lp, i);
            if ((type == GLP_LO && act < glp_get_row_lb(lp, i) - 1e-6) ||
                (type == GLP_UP && act > glp_get_row_ub(lp, i) + 1e-6))
                xinit_ok = 0;
        }
        free(rind);
        free(rval);
        glp_iocp iocp;
        glp_init_iocp(&iocp);
        iocp.msg_lev = pb->verbose ? GLP_MSG_ON : GLP_MSG_OFF;
        iocp.presolve = GLP_ON;
        iocp.br_tech = GLP_BR_DTH;
        iocp.bt_tech = GLP_BT_BLB;
        iocp.mip_gap = pb->gap_limit;
        /* the share of the limit it may use: with a work budget it is counted in nodes, each
         * costing SOL_W_BNB_ROW per row and column, and the callback ends the search */
        double left, work_stop = 0;
        if (meter.limit > 0) {
            left = (meter.limit - meter.steps) / meter.limit; /* as a share of the budget */
            if (round == 0 && left * meter.limit > SOL_WORK_PER_SECOND * SOL_WORK_STEPS)
                left *= 0.5; /* as for a second of time, below */
            if (round == 0 && (dive_attempt > 0 || enum_failed) && left > 0.15)
                left = 0.15;
            work_stop = meter.steps + (left > 0 ? left : 0) * meter.limit;
            left = t0 + pb->time_limit_s - now_s(); /* the runaway guard */
        } else {
            left = deadline - now_s();
            if (round == 0 && left > 1.0) /* leave time for the exact model, and for another dive */
                left *= 0.5;
            if (round == 0 && (dive_attempt > 0 || enum_failed) && left > 0.15 * pb->time_limit_s)
                left = 0.15 * pb->time_limit_s;
        }
        iocp.tm_lim = left > 0.01 ? (int)(left * 1000.0) : 10;
        mip_cb cb = {.x = xinit_ok ? xinit : NULL, .c = &c, .t0 = t0, .last = last_tick, .best = best_obj, .lb = lb_obj, .target = primary_bound(&c, c.exact_units ? lb_obj : fmax(vb.value, 0)), .tree_bound = -1,
                     .work_stop = work_stop, .node_steps = SOL_W_BNB_ROW * (double)(nrows + ncols) * (double)nrows,
                     .iter_steps = SOL_W_ITER_ROW * (double)(nrows + ncols), .it_last = 0};
        iocp.cb_func = mip_callback;
        iocp.cb_info = &cb;
        plan->used_mip = 1;
        int r = glp_intopt(lp, &iocp);
        if (r == GLP_ETMLIM && meter.limit > 0)
            meter.wall_hit = 1;
        int ms = glp_mip_status(lp);
        /* the full model (enumerated in exact bytes) is the problem itself: its bound holds */
        double full_lb = full_model && r == 0 && ms == GLP_OPT ? glp_mip_obj_val(lp) : full_model ? cb.tree_bound : -1;
        if (full_lb > lb_obj)
            lb_obj = full_lb;
        if (full_lb > vb.value)
            vb.value = full_lb;
        if ((r == 0 || r == GLP_ETMLIM || r == GLP_ESTOP || r == GLP_EMIPGAP) && (ms == GLP_OPT || ms == GLP_FEAS)) {
            double z = glp_mip_obj_val(lp);
            if (z < best_obj - 0.5 && keep_if_better(&c, lp, 1, &best, &best_obj) != 0)
                goto oom;
        }
        /* back to continuous columns for the next round */
        for (int j = 1; j <= ncols; j++)
            glp_set_col_kind(lp, j, GLP_CV);
    }
    /* 3a. time left and no proof: dive again, choosing differently */
    if (!good_enough(&c, &vb, lb_obj, best_obj) && dive_attempt < 8 && ctx_used(&c) < 0.8 &&
        !ctx_stopped(&c)) {
        dive_attempt++;
        int ms = master_solve(&c, lp, &smcp, deadline);
        if (ms == 1)
            goto dive_done;
        if (ms != 0) {
            fp_fail(err, NULL, 0, 0, "the master LP did not solve (GLPK status %d)", glp_get_status(lp));
            goto out;
        }
        dive_bounds = 0;
        goto dive_start;
    }
dive_done:
    /* 3b. the model, for other solvers */
    if (pb->export_mps || pb->export_lp) {
        int ncols = glp_get_num_cols(lp);
        char name[64];
        glp_set_prob_name(lp, "fedplan");
        glp_set_obj_name(lp, "cost");
        for (size_t d = 0; d < pb->ndeps; d++) {
            snprintf(name, sizeof name, "cover_%zu", d);
            glp_set_row_name(lp, (int)d + 1, name);
            snprintf(name, sizeof name, "unplaced_%zu", d);
            glp_set_col_name(lp, (int)d + 1, name);
        }
        for (size_t t = 0; t < pb->ntypes; t++)
            if (avail_row[t]) {
                snprintf(name, sizeof name, "avail_%zu", t);
                glp_set_row_name(lp, avail_row[t], name);
            }
        for (int j = (int)pb->ndeps + 1; j <= ncols; j++) {
            snprintf(name, sizeof name, "p%d_t%u", j - (int)pb->ndeps - 1, c.pats[j - (int)pb->ndeps - 1].type);
            glp_set_col_name(lp, j, name);
        }
        for (int j = 1; j <= ncols; j++)
            glp_set_col_kind(lp, j, GLP_IV);
        /* through the one output module (a temporary file of its own in the target's folder,
         * fsync, rename); a model that cannot be written does not lose the plan: the failure is
         * returned beside it (plan->export_failed) for the caller to report after printing it */
        const char *paths[2] = {pb->export_mps, pb->export_lp};
        for (int k = 0; k < 2 && !export_failed; k++) {
            if (!paths[k])
                continue;
            fp_output fo;
            if (fp_output_open(&fo, paths[k], &export_err) != 0) {
                export_failed = 1;
                break;
            }
            int wr = k == 0 ? glp_write_mps(lp, GLP_MPS_FILE, NULL, fo.tmp) : glp_write_lp(lp, NULL, fo.tmp);
            if (wr != 0) {
                fp_output_abort(&fo);
                fp_fail(&export_err, paths[k], 0, 0, "cannot write the model");
                export_failed = 1;
            } else if (fp_output_commit(&fo, &export_err) != 0) {
                export_failed = 1;
            }
        }
    }
    glp_error_hook(NULL, NULL);

    /* 4. status, bound, gap; when sizes were rounded, the bound of the relaxation */
    if (!c.exact_units) {
        double rb = valid_bound(&c, &vb, lb_obj, 1);
        if (rb < 0)
            goto oom;
        lb_obj = fmax(rb, vol);
    }
    /* 4. status, bound, gap */
    *plan = (sol_plan){.lp_iterations = plan->lp_iterations, .used_mip = plan->used_mip};
    plan->export_failed = export_failed;
    if (export_failed)
        plan->export_err = export_err;
    plan->nodes = best.nodes;
    plan->nnodes = best.nnodes;
    plan->unplaced = best.unplaced;
    plan->nunplaced = best.nunplaced;
    plan->cost = best.cost;
    plan->nodes_used = best.nnodes;
    memset(&best, 0, sizeof best);
    plan->columns = c.npat;
    double obj = plan_obj(&c, plan);
    double pen = 0, vol_placed = 0;
    if (plan->nunplaced) {
        /* the volume bound of the placed replicas alone: the same problem with their counts */
        sol_deployment *pdeps = malloc(pb->ndeps * sizeof *pdeps);
        if (!pdeps)
            goto oom;
        memcpy(pdeps, pb->deps, pb->ndeps * sizeof *pdeps);
        for (size_t u = 0; u < plan->nunplaced; u++) {
            pdeps[plan->unplaced[u].dep].replicas -= plan->unplaced[u].count;
            pen += c.penalty[plan->unplaced[u].dep] * plan->unplaced[u].count;
        }
        sol_problem ppb = *pb;
        ppb.deps = pdeps;
        sol_ctx pc = c;
        pc.pb = &ppb;
        vol_placed = volume_bound(&pc);
        free(pdeps);
    }
    /* optimal only when proven (a plan within the accepted gap is feasible, with its gap) */
    int proven = report_bound(&c, lb_obj, vol_placed, plan, obj, pen);
    plan->status = proven ? SOL_OPTIMAL : SOL_FEASIBLE;
    if (plan->nunplaced && !pb->allow_partial)
        plan->status = SOL_INFEASIBLE;
    plan->seconds = now_s() - t0;
    plan->interrupted = ctx_stopped(&c) && plan->status != SOL_OPTIMAL;
    plan->wall_limited = meter.wall_hit && plan->status != SOL_OPTIMAL;
    plan->work = meter.steps / SOL_WORK_STEPS;
    rc = 0;
    goto out;
oom:
    fp_fail(err, NULL, 0, 0, "out of memory");
out:
    if (lp)
        glp_delete_prob(lp);
    free(avail_row);
    free(ind);
    free(val);
    free(duals);
    free(xinit);
    free(chosen);
    kcache_free(&kc);
    free(pi2);
    free(rem);
    free(vb.duals);
    sol_plan_free(&best);
    ctx_free(&c);
    if (rc != 0)
        sol_plan_free(plan);
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
        return solve_merged(pb, plan, err);
    }
    sol_problem mp = *pb;
    mp.deps = cl.deps;
    mp.ndeps = cl.n;
    sol_plan cp;
    int rc = solve_merged(&mp, &cp, err);
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
