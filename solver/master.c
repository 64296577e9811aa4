/* master.c: the restricted master LP of column generation (docs/solver.md, "The integer
 * program: node patterns" and "Solving", step 2), in GLPK: one covering row per deployment,
 * one availability row per node type with a count limit, a slack column per deployment (its
 * unplaced replicas, at their penalty) and a column per pattern.  Solved by the simplex
 * within the time limit or the work budget.  Also GLPK's hooks: its terminal output
 * swallowed, its errors turned into a jump back to the solve (never an abort), and the model
 * written for other solvers (--export-mps, --export-lp). */
#include <limits.h>
#include <setjmp.h>

#include "solver_int.h"

/* GLPK's terminal output, swallowed (its error texts too: fedplan reports errors itself) */
int glpk_quiet(void *info, const char *s)
{
    (void)info;
    (void)s;
    return 1;
}

void glpk_hook(void *info)
{
    glpk_guard *g = info;
    longjmp(g->jb, 1);
}

int column_of(const sol_ctx *c, const pattern *p, int *ind, double *val)
{
    /* covering rows 1..ndeps: copies per deployment */
    int len = 0;
    for (uint32_t i = 0; i < p->ncopies; i++) {
        int row = (int)c->vi[p->copies[i].vi].dep + 1;
        int k = 1;
        while (k <= len && ind[k] != row)
            k++;
        if (k > len) {
            ind[++len] = row;
            val[len] = 0;
        }
        val[k] += 1;
    }
    return len;
}

/* The master LP, within what is left before the deadline (GLPK's own time limit: one simplex
 * over 10,000 rows takes longer than a short limit), or with a work budget within the
 * simplex iterations it leaves (GLPK's it_lim; the time limit is then the runaway guard's).
 * 0 optimal, 1 stopped by the deadline or the budget (the LP then has no optimal duals: no
 * round may use it), -1 failed. */
int master_solve(const sol_ctx *c, glp_prob *lp, glp_smcp *smcp, double deadline)
{
    int budget = c->meter && c->meter->limit > 0;
    double left = ((budget ? c->t0 + c->pb->time_limit_s : deadline) - now_s()) * 1000.0;
    smcp->tm_lim = left > 1.0 ? (left < 2e9 ? (int)left : INT_MAX) : 1;
    double per_iter = SOL_W_ITER_ROW * (double)(glp_get_num_rows(lp) + glp_get_num_cols(lp));
    if (budget) {
        double iters = (c->meter->limit - c->meter->steps) / per_iter;
        smcp->it_lim = iters < 1 ? 1 : iters < 2e9 ? (int)iters : INT_MAX;
    }
    int it0 = glp_get_it_cnt(lp);
    int r = glp_simplex(lp, smcp);
    ctx_work(c, (double)(glp_get_it_cnt(lp) - it0) * per_iter);
    if (r == GLP_ETMLIM && budget)
        c->meter->wall_hit = 1;
    if (r == GLP_ETMLIM || r == GLP_EITLIM) {
        if (r == GLP_EITLIM && c->meter->steps < c->meter->limit)
            c->meter->steps = c->meter->limit; /* the budget is spent: nothing else starts */
        return 1;
    }
    return r == 0 && glp_get_status(lp) == GLP_OPT ? 0 : -1;
}
