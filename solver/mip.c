/* mip.c: the integer program step (docs/solver.md, "Solving", step 4): GLPK's branch and bound
 * (glp_intopt) over the generated patterns, started from the incumbent (glp_ios_heur_sol,
 * after checking every row holds) and stopped once a solution meets the bound; then, when
 * still unproven and every maximal pattern can be listed (enumerate.c), over all of them:
 * the exact model, whose own search proves optimality.  With a work budget the search is
 * counted in nodes and simplex iterations and ends by the callback, not the clock. */
#include <math.h>
#include <stdlib.h>

#include "solver_int.h"

typedef struct mip_cb {
    const double *x;    /* incumbent to inject, 1-based, in the columns of the problem given */
    const sol_ctx *c;
    double t0, last, best, lb;
    int injected;
    double target;      /* stop when an integer solution's primary objective reaches this */
    double work_stop;   /* > 0: the work budget governs; stop once the meter reaches this */
    double node_steps;  /* the work of one node */
    double iter_steps;  /* the work of one simplex iteration of a node's LP */
    int it_last;        /* the tree's problem's simplex iterations counted so far */
    double tree_bound;  /* best bound of the open tree (valid when every pattern is a column) */
} mip_cb;

/* GLPK's branch-and-bound callback: the incumbent injected once, the work of each node counted
 * (with a budget), progress reported, and the search ended once a solution meets the target. */
static void mip_callback(glp_tree *tree, void *info)
{
    mip_cb *cb = info;
    if (ctx_stopped(cb->c)) {
        glp_ios_terminate(tree);
        return;
    }
    switch (glp_ios_reason(tree)) {
    case GLP_IHEUR:
        if (cb->x && !cb->injected) {
            cb->injected = 1;
            glp_ios_heur_sol(tree, cb->x); /* presolve is off when one is given (below) */
        }
        break;
    case GLP_ISELECT: {
        if (ios_node_work(tree, cb->c, cb->node_steps, cb->iter_steps, &cb->it_last, cb->work_stop))
            return;
        int best = glp_ios_best_node(tree);
        if (best)
            cb->tree_bound = glp_ios_node_bound(tree, best);
        tick(cb->c, cb->t0, &cb->last, cb->best, cb->lb);
        break;
    }
    case GLP_IBINGO: {
        glp_prob *mip = glp_ios_get_prob(tree);
        if (primary_of(cb->c, glp_mip_obj_val(mip)) <= cb->target)
            glp_ios_terminate(tree);
        break;
    }
    default:
        break;
    }
}

/* Every maximal pattern listed as a column (the exact model); 0 when they could not all be
 * listed (the partial listing is dropped: columns stay those the LP has), -1 out of memory. */
static int full_model(solve_state *s)
{
    sol_ctx *c = &s->c;
    size_t before = c->npat;
    for (size_t t = 0; t < s->pb->ntypes; t++) {
        int er = enum_type(c, (uint32_t)t, 2000000, before + 20000);
        if (er < 0)
            return -1;
        if (er == 0) {
            for (size_t i = before; i < c->npat; i++)
                pattern_free(&c->pats[i]);
            c->npat = before;
            return 0;
        }
    }
    master_add_columns(s);
    return 1;
}

/* The best plan so far as the integer program's start, in s->xinit: each node's pattern
 * counted on its column, unplaced replicas on the slack columns.  *ok = 0 when some row does
 * not hold (GLPK trusts a heuristic solution's rows: it is then not given).  -1 out of memory. */
static int start_solution(solve_state *s, int ncols, int *ok)
{
    const sol_problem *pb = s->pb;
    sol_ctx *c = &s->c;
    const sol_plan *best = &s->best;
    free(s->xinit);
    s->xinit = calloc((size_t)ncols + 1, sizeof *s->xinit);
    if (!s->xinit)
        return -1;
    double *xinit = s->xinit;
    for (size_t n = 0; n < best->nnodes; n++) {
        sol_ctx probe = *c;
        probe.npat = probe.cappat = 0;
        probe.pats = NULL;
        sol_plan one = {.nnodes = 1, .nodes = &best->nodes[n]};
        if (plan_to_patterns(&probe, &one) == 0 && probe.npat == 1) {
            const pattern *p = &probe.pats[0];
            for (size_t i = 0; i < c->npat; i++)
                if (c->pats[i].key == p->key && pattern_same(&c->pats[i], p) == 1) {
                    xinit[(int)pb->ndeps + 1 + (int)i] += 1;
                    break;
                }
        }
        for (size_t i = 0; i < probe.npat; i++)
            pattern_free(&probe.pats[i]);
        free(probe.pats);
    }
    for (size_t u = 0; u < best->nunplaced; u++)
        xinit[best->unplaced[u].dep + 1] += best->unplaced[u].count;
    *ok = 1;
    int *rind = malloc(((size_t)ncols + 1) * sizeof *rind);
    double *rval = malloc(((size_t)ncols + 1) * sizeof *rval);
    if (!rind || !rval) {
        free(rind);
        free(rval);
        return -1;
    }
    for (int i = 1; i <= s->nrows && *ok; i++) {
        int len = glp_get_mat_row(s->lp, i, rind, rval);
        double act = 0;
        for (int q = 1; q <= len; q++)
            act += rval[q] * xinit[rind[q]];
        int type = glp_get_row_type(s->lp, i);
        if ((type == GLP_LO && act < glp_get_row_lb(s->lp, i) - 1e-6) ||
            (type == GLP_UP && act > glp_get_row_ub(s->lp, i) + 1e-6))
            *ok = 0;
    }
    free(rind);
    free(rval);
    return 0;
}

/* Branch and bound over the generated patterns, unless the incumbent is proven; then, if
 * still unproven and every maximal pattern can be listed, over all of them (the exact model,
 * whose own branch and bound then proves optimality).  The columns are continuous again
 * after it.  -1 out of memory. */
int integer_program(solve_state *s)
{
    const sol_problem *pb = s->pb;
    sol_ctx *c = &s->c;
    sol_meter *meter = &s->meter;
    glp_prob *lp = s->lp;
    int nrows = s->nrows;
    for (int round = 0; round < 2; round++) {
        if (good_enough(c, &s->vb, s->lb_obj, s->best_obj) || ctx_over(c))
            break;
        int full = 0;
        if (round == 1) {
            if (s->enum_failed)
                break;
            full = full_model(s);
            if (full < 0)
                return fp_fail(s->err, NULL, 0, 0, "out of memory");
            if (!full) {
                s->enum_failed = 1;
                break;
            }
        }
        /* the best plan so far as a starting solution: its patterns become columns (a plan from
         * the dive dropped surplus copies, so its nodes may be patterns not generated yet) */
        if (plan_to_patterns(c, &s->best) != 0)
            return fp_fail(s->err, NULL, 0, 0, "out of memory");
        master_add_columns(s);
        int ncols = glp_get_num_cols(lp);
        for (int j = 1; j <= ncols; j++)
            glp_set_col_kind(lp, j, GLP_IV);
        int xinit_ok;
        if (start_solution(s, ncols, &xinit_ok) != 0)
            return fp_fail(s->err, NULL, 0, 0, "out of memory");
        glp_iocp iocp;
        glp_init_iocp(&iocp);
        iocp.msg_lev = pb->verbose ? GLP_MSG_ON : GLP_MSG_OFF;
        /* GLPK's MIP presolver hands the callback its transformed problem, whose columns are
         * not ours: a start solution given there (glp_ios_heur_sol) would be read against the
         * wrong columns, and GLPK trusts it without checking its rows (a plan over the node
         * counts, and a false bound from pruning by it).  With a start solution, no presolve. */
        iocp.presolve = xinit_ok ? GLP_OFF : GLP_ON;
        iocp.br_tech = GLP_BR_DTH;
        iocp.bt_tech = GLP_BT_BLB;
        iocp.mip_gap = pb->gap_limit;
        /* the objective is integer-valued and large (S x cost x N + nodes, up to 1e14): a
         * node is pruned when its bound is within tol_obj x (1 + |incumbent|) of the incumbent,
         * so the default 1e-7 would prune plans better by a few cost units an hour.  A
         * quarter unit is exact for an integer objective */
        iocp.tol_obj = fmax(0.25 / (1.0 + fabs(s->best_obj)), 1e-15);
        if (iocp.tol_obj > 1e-7)
            iocp.tol_obj = 1e-7;
        /* the share of the limit it may use: with a work budget it is counted in nodes, each
         * costing SOL_W_BNB_ROW per row and column, and the callback ends the search */
        double left, work_stop = 0;
        if (meter->limit > 0) {
            left = (meter->limit - meter->steps) / meter->limit; /* as a share of the budget */
            if (round == 0 && left * meter->limit > SOL_WORK_PER_SECOND * SOL_WORK_STEPS)
                left *= 0.5; /* as for a second of time, below */
            if (round == 0 && (s->dive_attempt > 0 || s->enum_failed) && left > 0.15)
                left = 0.15;
            work_stop = meter->steps + (left > 0 ? left : 0) * meter->limit;
            left = s->t0 + pb->time_limit_s - now_s(); /* the runaway guard */
        } else {
            left = s->deadline - now_s();
            if (round == 0 && left > 1.0) /* leave time for the exact model, and for another dive */
                left *= 0.5;
            if (round == 0 && (s->dive_attempt > 0 || s->enum_failed) && left > 0.15 * pb->time_limit_s)
                left = 0.15 * pb->time_limit_s;
        }
        iocp.tm_lim = left > 0.01 ? (int)(left * 1000.0) : 10;
        mip_cb cb = {.x = xinit_ok ? s->xinit : NULL, .c = c, .t0 = s->t0, .last = s->last_tick, .best = s->best_obj,
                     .lb = s->lb_obj, .target = primary_bound(c, c->exact_units ? s->lb_obj : fmax(s->vb.value, 0)),
                     .tree_bound = -1, .work_stop = work_stop,
                     .node_steps = SOL_W_BNB_ROW * (double)(nrows + ncols) * (double)nrows,
                     .iter_steps = SOL_W_ITER_ROW * (double)(nrows + ncols), .it_last = 0};
        iocp.cb_func = mip_callback;
        iocp.cb_info = &cb;
        s->plan->used_mip = 1;
        int r = glp_intopt(lp, &iocp);
        if (r == GLP_ETMLIM && meter->limit > 0)
            meter->wall_hit = 1;
        int ms = glp_mip_status(lp);
        /* the full model (enumerated in exact bytes) is the problem itself: its bound holds */
        double full_lb = full && r == 0 && ms == GLP_OPT ? glp_mip_obj_val(lp) : full ? cb.tree_bound : -1;
        if (full_lb > s->lb_obj)
            s->lb_obj = full_lb;
        if (full_lb > s->vb.value)
            s->vb.value = full_lb;
        if ((r == 0 || r == GLP_ETMLIM || r == GLP_ESTOP || r == GLP_EMIPGAP) && (ms == GLP_OPT || ms == GLP_FEAS)) {
            double z = glp_mip_obj_val(lp);
            if (z < s->best_obj - 0.5 && keep_if_better(c, lp, 1, &s->best, &s->best_obj) != 0)
                return fp_fail(s->err, NULL, 0, 0, "out of memory");
        }
        /* back to continuous columns for the next round */
        for (int j = 1; j <= ncols; j++)
            glp_set_col_kind(lp, j, GLP_CV);
    }
    return 0;
}
