/* master.c: the restricted master LP of column generation (docs/solver.md, "The integer
 * program: node patterns" and "Solving", step 2), in GLPK: one covering row per deployment,
 * one availability row per node type with a count limit, a slack column per deployment (its
 * unplaced replicas, at their penalty) and a column per pattern.  Solved by the simplex
 * within the time limit or the work budget.  Also GLPK's hooks: its terminal output
 * swallowed, its errors turned into a jump back to the solve (never an abort), and the model
 * written for other solvers (--export-mps, --export-lp). */
#include <limits.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#include "../common/atomic.h"
#include "solver_int.h"

/* GLPK's terminal output, swallowed (its error texts too: fedplan reports errors itself) */
int glpk_quiet(void *info, const char *s)
{
    (void)info;
    (void)s;
    return 1;
}

/* GLPK's terminal output while it writes a model: the line that says why a write failed
 * ("Unable to create 'x' - No space left on device", "Write error on 'x' - ...") */
typedef struct glpk_said {
    char line[200];
} glpk_said;

static int glpk_capture(void *info, const char *s)
{
    glpk_said *g = info;
    if (s && strncmp(s, "Writing ", 8) != 0 && s[0] && s[0] != '\n') {
        snprintf(g->line, sizeof g->line, "%s", s);
        size_t n = strlen(g->line);
        while (n && (g->line[n - 1] == '\n' || g->line[n - 1] == ' '))
            g->line[--n] = 0;
    }
    return 1;
}

int ios_node_work(glp_tree *tree, const sol_ctx *c, double node_steps, double iter_steps, int *it_last,
                  double work_stop)
{
    if (work_stop <= 0) /* the budget ends the search, not the clock */
        return 0;
    int it = glp_get_it_cnt(glp_ios_get_prob(tree)), open;
    glp_ios_tree_size(tree, &open, NULL, NULL);
    ctx_work(c, node_steps + SOL_W_BNB_ACTIVE * (double)open + (double)(it > *it_last ? it - *it_last : 0) * iter_steps);
    *it_last = it;
    if (c->meter->steps < work_stop)
        return 0;
    glp_ios_terminate(tree);
    return 1;
}

void glpk_hook(void *info)
{
    glpk_guard *g = info;
    longjmp(g->jb, 1);
}

static int column_of(const sol_ctx *c, const pattern *p, int *ind, double *val)
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

/* The master LP: a covering row per deployment (at least its replicas), an availability row
 * per node type with a count limit (at most its count), a slack column per deployment (its
 * unplaced replicas, at their penalty), then a column per pattern found so far.  -1 out of
 * memory (what setup allocated is checked here too). */
int master_build(solve_state *s)
{
    const sol_problem *pb = s->pb;
    glp_prob *lp = s->lp = glp_create_prob();
    glp_set_obj_dir(lp, GLP_MIN);
    glp_add_rows(lp, s->nrows);
    for (size_t d = 0; d < pb->ndeps; d++)
        glp_set_row_bnds(lp, (int)d + 1, GLP_LO, (double)pb->deps[d].replicas, 0);
    for (size_t t = 0; t < pb->ntypes; t++)
        if (s->avail_row[t])
            glp_set_row_bnds(lp, s->avail_row[t], GLP_UP, 0, (double)pb->types[t].available);
    s->vb.duals = calloc((size_t)s->nrows + 2, sizeof *s->vb.duals);
    if (!s->ind || !s->val || !s->duals || !s->pi2 || !s->rem || !s->vb.duals)
        return fp_fail(s->err, NULL, 0, 0, "out of memory");
    /* slack columns: unplaced replicas */
    for (size_t d = 0; d < pb->ndeps; d++) {
        int j = glp_add_cols(lp, 1);
        glp_set_col_bnds(lp, j, GLP_DB, 0, (double)pb->deps[d].replicas);
        glp_set_obj_coef(lp, j, s->c.penalty[d]);
        s->ind[1] = (int)d + 1;
        s->val[1] = 1;
        glp_set_mat_col(lp, j, 1, s->ind, s->val);
    }
    master_add_columns(s);
    glp_init_smcp(&s->smcp);
    s->smcp.msg_lev = pb->verbose ? GLP_MSG_ON : GLP_MSG_OFF;
    return 0;
}

/* A column for each pattern added to the context since the last call: its copies per
 * deployment on the covering rows, its nodes (1, or k for a replica spanning k nodes) on its
 * type's availability row. */
void master_add_columns(solve_state *s)
{
    const sol_ctx *c = &s->c;
    for (; s->ncols_in_lp < c->npat; s->ncols_in_lp++) {
        const pattern *p = &c->pats[s->ncols_in_lp];
        int j = glp_add_cols(s->lp, 1);
        glp_set_col_bnds(s->lp, j, GLP_LO, 0, 0);
        /* a replica spanning k nodes: k nodes' objective, k on the availability row */
        glp_set_obj_coef(s->lp, j, c->obj[p->type] * pat_nodes(p));
        int len = column_of(c, p, s->ind, s->val);
        if (s->avail_row[p->type]) {
            s->ind[++len] = s->avail_row[p->type];
            s->val[len] = pat_nodes(p);
        }
        glp_set_mat_col(s->lp, j, len, s->ind, s->val);
    }
}

/* The model, for other solvers (--export-mps, --export-lp): rows and columns named, every
 * column integer.  Written through the one output module (a temporary file of its own in the
 * target's folder, fsync, rename); a model that cannot be written does not lose the plan: the
 * failure is kept beside it (s->export_failed) for the caller to report after printing it. */
void master_export(solve_state *s)
{
    const sol_problem *pb = s->pb;
    glp_prob *lp = s->lp;
    if (!pb->export_mps && !pb->export_lp)
        return;
    int ncols = glp_get_num_cols(lp);
    char name[64];
    /* the objective's cost unit in the name (the MPS NAME line, the LP file's first comment):
     * cost units per dollar an hour, docs/solver.md "Costs in whole units" */
    snprintf(name, sizeof name, "fedplan_cost_units_per_dollar_%.0f", s->c.cost_scale);
    glp_set_prob_name(lp, name);
    glp_set_obj_name(lp, "cost");
    for (size_t d = 0; d < pb->ndeps; d++) {
        snprintf(name, sizeof name, "cover_%zu", d);
        glp_set_row_name(lp, (int)d + 1, name);
        snprintf(name, sizeof name, "unplaced_%zu", d);
        glp_set_col_name(lp, (int)d + 1, name);
    }
    for (size_t t = 0; t < pb->ntypes; t++)
        if (s->avail_row[t]) {
            snprintf(name, sizeof name, "avail_%zu", t);
            glp_set_row_name(lp, s->avail_row[t], name);
        }
    for (int j = (int)pb->ndeps + 1; j <= ncols; j++) {
        snprintf(name, sizeof name, "p%d_t%u", j - (int)pb->ndeps - 1, s->c.pats[j - (int)pb->ndeps - 1].type);
        glp_set_col_name(lp, j, name);
    }
    for (int j = 1; j <= ncols; j++)
        glp_set_col_kind(lp, j, GLP_IV);
    const char *paths[2] = {pb->export_mps, pb->export_lp};
    for (int k = 0; k < 2 && !s->export_failed; k++) {
        if (!paths[k])
            continue;
        fp_output fo;
        if (fp_output_open(&fo, paths[k], &s->export_err) != 0) {
            s->export_failed = 1;
            break;
        }
        glpk_said said = {{0}};
        glp_term_hook(glpk_capture, &said);
        int was = glp_term_out(GLP_ON); /* its messages reach the hook only when on */
        int wr = k == 0 ? glp_write_mps(lp, GLP_MPS_FILE, NULL, fo.tmp) : glp_write_lp(lp, NULL, fo.tmp);
        glp_term_out(was);
        glp_term_hook(pb->verbose ? NULL : glpk_quiet, NULL);
        if (wr != 0) {
            fp_output_abort(&fo);
            /* GLPK names the temporary file it wrote; the reason after " - " is what matters */
            const char *why = strstr(said.line, " - ");
            fp_fail(&s->export_err, paths[k], 0, 0, "cannot write the model: %s",
                    why ? why + 3 : said.line[0] ? said.line : "GLPK's writer failed");
            s->export_failed = 1;
        } else if (fp_output_commit(&fo, &s->export_err) != 0) {
            s->export_failed = 1;
        }
    }
}
