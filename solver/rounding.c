/* rounding.c: from the LP to plans (docs/solver.md, "Solving", step 3).  Pattern columns'
 * values as a plan (surplus copies dropped, replicas numbered); the LP rounded down and the
 * replicas it leaves placed by the greedy (the primal heuristic for large problems); and the
 * dive: columns at one or more kept, the most fractional raised to its ceiling, column
 * generation again after each step, until the LP is integral (the residual heuristic of
 * cutting-stock practice; later attempts break ties with a deterministic jitter). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "solver_int.h"

/* Turn a chosen multiset of patterns into a plan: drop surplus replicas, number
 * replicas, drop emptied nodes. */
static int patterns_to_plan(const sol_ctx *c, const size_t *pat, size_t npat, sol_plan *out)
{
    const sol_problem *pb = c->pb;
    memset(out, 0, sizeof *out);
    uint32_t *next = calloc(pb->ndeps + 1, sizeof *next);
    size_t nslots = 0;
    for (size_t i = 0; i < npat; i++)
        nslots += pat_nodes(&c->pats[pat[i]]);
    out->nodes = calloc(nslots + 1, sizeof *out->nodes);
    out->unplaced = calloc(pb->ndeps + 1, sizeof *out->unplaced);
    if (!next || !out->nodes || !out->unplaced) {
        free(next);
        sol_plan_free(out);
        return -1;
    }
    for (size_t i = 0; i < npat; i++) {
        const pattern *p = &c->pats[pat[i]];
        if (p->nodes > 1) { /* a replica spanning p->nodes dedicated nodes */
            const vitem *v = &c->vi[p->copies[0].vi];
            if (next[v->dep] >= pb->deps[v->dep].replicas)
                continue; /* surplus copy */
            uint32_t r = next[v->dep]++;
            for (uint32_t q = 0; q < p->nodes; q++) {
                sol_node *nd = &out->nodes[out->nnodes];
                nd->type = p->type;
                nd->shards = malloc((pb->types[p->type].gpus + 1) * sizeof *nd->shards);
                if (!nd->shards) {
                    free(next);
                    sol_plan_free(out);
                    return -1;
                }
                nd->nshards = span_layout(c, p->copies[0].vi, p->type, q, r, nd->shards);
                out->nnodes++;
                out->cost += pb->types[p->type].cost;
            }
            continue;
        }
        sol_node *nd = &out->nodes[out->nnodes];
        nd->type = p->type;
        size_t shards = 0;
        for (uint32_t k = 0; k < p->ncopies; k++)
            shards += c->vi[p->copies[k].vi].tp;
        nd->shards = malloc((shards + 1) * sizeof *nd->shards);
        if (!nd->shards) {
            free(next);
            sol_plan_free(out);
            return -1;
        }
        for (uint32_t k = 0; k < p->ncopies; k++) {
            const vitem *v = &c->vi[p->copies[k].vi];
            if (next[v->dep] >= pb->deps[v->dep].replicas)
                continue; /* surplus copy */
            uint32_t r = next[v->dep]++;
            for (uint32_t s = 0; s < v->tp; s++)
                nd->shards[nd->nshards++] = (sol_shard){v->dep, r, v->variant, s, v->on_host ? -1 : p->copies[k].gpu[s]};
        }
        if (nd->nshards == 0) {
            free(nd->shards);
            nd->shards = NULL;
            continue;
        }
        out->nnodes++;
        out->cost += pb->types[p->type].cost;
    }
    out->nodes_used = out->nnodes;
    for (size_t d = 0; d < pb->ndeps; d++)
        if (next[d] < pb->deps[d].replicas) {
            out->unplaced[out->nunplaced].dep = (uint32_t)d;
            out->unplaced[out->nunplaced].count = pb->deps[d].replicas - next[d];
            out->nunplaced++;
        }
    free(next);
    return 0;
}

/* The plan given by the (integral) values of the pattern columns, from the LP or the MIP. */
static int plan_from_columns(const sol_ctx *c, glp_prob *lp, int mip, sol_plan *out)
{
    size_t nch = 0, capch = c->npat + 16;
    size_t *chosen = malloc(capch * sizeof *chosen);
    if (!chosen)
        return -1;
    int base = (int)c->pb->ndeps;
    for (size_t i = 0; i < c->npat; i++) {
        double x = mip ? glp_mip_col_val(lp, base + 1 + (int)i) : glp_get_col_prim(lp, base + 1 + (int)i);
        long cnt = lround(x);
        for (long q = 0; q < cnt; q++) {
            if (nch == capch) {
                capch *= 2;
                size_t *nc = realloc(chosen, capch * sizeof *nc);
                if (!nc) {
                    free(chosen);
                    return -1;
                }
                chosen = nc;
            }
            chosen[nch++] = i;
        }
    }
    int rc = patterns_to_plan(c, chosen, nch, out);
    free(chosen);
    return rc;
}

/* The plan the pattern columns' values give, kept when it beats the best so far. */
/* LP rounding with repair: the patterns the LP uses, each rounded down, then the replicas
 * left over placed by the greedy on new nodes (what availability leaves).  One pass, no
 * search: the primal heuristic for problems too large to dive in the time given. */
int floor_and_repair(const sol_ctx *c, glp_prob *lp, sol_plan *best, volatile double *best_obj)
{
    const sol_problem *pb = c->pb;
    size_t nch = 0, capch = c->npat + 16;
    size_t *chosen = malloc(capch * sizeof *chosen);
    sol_deployment *rdeps = calloc(pb->ndeps + 1, sizeof *rdeps);
    sol_node_type *rtypes = calloc(pb->ntypes + 1, sizeof *rtypes);
    uint32_t *placed = calloc(pb->ndeps + 1, sizeof *placed);
    sol_plan fl, rp, merged;
    memset(&fl, 0, sizeof fl);
    memset(&rp, 0, sizeof rp);
    memset(&merged, 0, sizeof merged);
    int rc = -1;
    if (!chosen || !rdeps || !rtypes || !placed)
        goto out;
    for (size_t i = 0; i < c->npat; i++) {
        long cnt = (long)floor(glp_get_col_prim(lp, (int)pb->ndeps + 1 + (int)i) + 1e-9);
        for (long q = 0; q < cnt; q++) {
            if (nch == capch) {
                capch *= 2;
                size_t *nc = realloc(chosen, capch * sizeof *nc);
                if (!nc)
                    goto out;
                chosen = nc;
            }
            chosen[nch++] = i;
        }
    }
    if (patterns_to_plan(c, chosen, nch, &fl) != 0)
        goto out;
    /* the residual problem: what the rounded-down patterns leave, on what availability leaves */
    memcpy(rdeps, pb->deps, pb->ndeps * sizeof *rdeps);
    for (size_t d = 0; d < pb->ndeps; d++) {
        rdeps[d].replicas = 0;
        placed[d] = pb->deps[d].replicas;
    }
    for (size_t u = 0; u < fl.nunplaced; u++) {
        rdeps[fl.unplaced[u].dep].replicas = fl.unplaced[u].count;
        placed[fl.unplaced[u].dep] -= fl.unplaced[u].count;
    }
    memcpy(rtypes, pb->types, pb->ntypes * sizeof *rtypes);
    for (size_t n = 0; n < fl.nnodes; n++)
        if (rtypes[fl.nodes[n].type].available > 0)
            rtypes[fl.nodes[n].type].available--;
    sol_problem rpb = *pb;
    rpb.deps = rdeps;
    rpb.types = rtypes;
    if (sol_greedy(&rpb, &rp, NULL) != 0)
        goto out;
    /* merged: the rounded nodes, then the repair's, its replicas numbered after the placed ones */
    merged.nodes = calloc(fl.nnodes + rp.nnodes + 1, sizeof *merged.nodes);
    merged.unplaced = calloc(pb->ndeps + 1, sizeof *merged.unplaced);
    if (!merged.nodes || !merged.unplaced)
        goto out;
    for (size_t n = 0; n < fl.nnodes; n++) {
        merged.nodes[merged.nnodes++] = fl.nodes[n];
        fl.nodes[n].shards = NULL;
        merged.cost += pb->types[fl.nodes[n].type].cost;
    }
    for (size_t n = 0; n < rp.nnodes; n++) {
        for (size_t k = 0; k < rp.nodes[n].nshards; k++)
            rp.nodes[n].shards[k].replica += placed[rp.nodes[n].shards[k].dep];
        merged.nodes[merged.nnodes++] = rp.nodes[n];
        rp.nodes[n].shards = NULL;
        merged.cost += pb->types[rp.nodes[n].type].cost;
    }
    merged.nodes_used = merged.nnodes;
    for (size_t u = 0; u < rp.nunplaced; u++)
        merged.unplaced[merged.nunplaced++] = rp.unplaced[u];
    merged.status = SOL_FEASIBLE;
    double obj = plan_obj(c, &merged);
    fp_error ve;
    if (obj < *best_obj && plan_verify(pb, &merged, &ve) == 0) {
        sol_plan_free(best);
        *best = merged;
        *best_obj = obj;
        memset(&merged, 0, sizeof merged);
    }
    rc = 0;
out:
    sol_plan_free(&merged);
    sol_plan_free(&fl);
    sol_plan_free(&rp);
    free(chosen);
    free(rdeps);
    free(rtypes);
    free(placed);
    return rc;
}

int keep_if_better(const sol_ctx *c, glp_prob *lp, int mip, sol_plan *best, volatile double *best_obj)
{
    sol_plan cand;
    if (plan_from_columns(c, lp, mip, &cand) != 0)
        return -1;
    double co = plan_obj(c, &cand);
    if (co < *best_obj) {
        sol_plan_free(best);
        *best = cand;
        *best_obj = co;
    } else {
        sol_plan_free(&cand);
    }
    return 0;
}

/* The LP rounded down and repaired, unless the incumbent is already good enough: a good plan
 * at once for large problems.  -1 out of memory. */
int round_down_and_repair(solve_state *s)
{
    if (!good_enough(&s->c, &s->vb, s->lb_obj, s->best_obj) && !ctx_over(&s->c) &&
        floor_and_repair(&s->c, s->lp, &s->best, &s->best_obj) != 0)
        return fp_fail(s->err, NULL, 0, 0, "out of memory");
    return 0;
}

/* Would raising column j to its ceiling keep its node type's count?  The nodes the columns'
 * lower bounds hold on that type, with j's raised, within what is available.  A one-node
 * column always does (the LP's own values fit); a replica spanning k nodes may not. */
static int raise_fits(const solve_state *s, int j)
{
    const sol_ctx *c = &s->c;
    int base = (int)s->pb->ndeps;
    const pattern *p = &c->pats[j - base - 1];
    const sol_node_type *nt = &s->pb->types[p->type];
    if (nt->available < 0)
        return 1;
    double held = 0;
    int ncols = glp_get_num_cols(s->lp);
    for (int q = base + 1; q <= ncols; q++) {
        const pattern *o = &c->pats[q - base - 1];
        if (o->type != p->type)
            continue;
        double x = glp_get_col_prim(s->lp, q), lb = glp_get_col_lb(s->lp, q);
        if (q == j)
            lb = ceil(x);
        else if (x >= 1 - 1e-6 && floor(x + 1e-6) > lb) /* kept at its floor by this step */
            lb = floor(x + 1e-6);
        held += lb * pat_nodes(o);
    }
    return held <= (double)nt->available + 1e-9;
}

/* One step of the dive: round the LP up one pattern at a time (columns at 1 or more are kept,
 * the most fractional one is raised to its ceiling), generating columns again after each step
 * (the caller does), until the LP is integral: the classic residual heuristic for cutting
 * stock, which finds the optimum of most instances whose LP bound rounds up to it.  Returns 1
 * when a column was raised; 0 when the dive is over (an integral LP's plan kept when better,
 * the dive's bounds undone); -1 out of memory. */
int dive_step(solve_state *s)
{
    const sol_problem *pb = s->pb;
    glp_prob *lp = s->lp;
    if (!good_enough(&s->c, &s->vb, s->lb_obj, s->best_obj) && ctx_used(&s->c) < (s->dive_attempt ? 0.85 : 0.6) &&
        !ctx_stopped(&s->c)) {
        int ncols = glp_get_num_cols(lp), base = (int)pb->ndeps, frac_j = -1, integral = 1;
        double best_frac = 0;
        for (int j = base + 1; j <= ncols; j++) {
            double x = glp_get_col_prim(lp, j), f = x - floor(x + 1e-9);
            if (x >= 1 - 1e-6 && glp_get_col_lb(lp, j) < floor(x + 1e-6)) {
                glp_set_col_bnds(lp, j, GLP_LO, floor(x + 1e-6), 0);
                s->dive_bounds = 1;
            }
            if (f > 1e-6 && f < 1 - 1e-6) {
                integral = 0;
                if (!raise_fits(s, j))
                    continue; /* its type's count would not allow it (a column of several nodes) */
                /* later dives break the choice differently: a deterministic jitter per attempt */
                double score = f + (s->dive_attempt ? 1.0 * (double)(mix64((uint64_t)s->dive_attempt * 1000003u + (uint64_t)j) >> 11) / 9007199254740992.0 : 0);
                if (score > best_frac) {
                    best_frac = score;
                    frac_j = j;
                }
            }
        }
        if (!integral && frac_j > 0) {
            glp_set_col_bnds(lp, frac_j, GLP_LO, ceil(glp_get_col_prim(lp, frac_j)), 0);
            s->diving = 1;
            return 1;
        }
        if (integral && s->diving && keep_if_better(&s->c, lp, 0, &s->best, &s->best_obj) != 0)
            return fp_fail(s->err, NULL, 0, 0, "out of memory");
    }
    if (s->diving || s->dive_bounds) { /* undo the dive's bounds (also those set on an LP found integral) */
        int ncols = glp_get_num_cols(lp);
        for (int j = (int)pb->ndeps + 1; j <= ncols; j++)
            glp_set_col_bnds(lp, j, GLP_LO, 0, 0);
        s->diving = 0;
    }
    return 0;
}

/* Time left after the integer program and no proof: dive again (up to eight times), choosing
 * differently.  1 dive again (the LP solved afresh, free of the dive's bounds), 0 not (or the
 * deadline came inside the simplex), -1 the LP did not solve. */
int dive_again(solve_state *s)
{
    if (!(!good_enough(&s->c, &s->vb, s->lb_obj, s->best_obj) && s->dive_attempt < 8 && ctx_used(&s->c) < 0.8 &&
          !ctx_stopped(&s->c)))
        return 0;
    s->dive_attempt++;
    int ms = master_solve(&s->c, s->lp, &s->smcp, s->deadline);
    if (ms == 1)
        return 0;
    if (ms != 0)
        return fp_fail(s->err, NULL, 0, 0, "the master LP did not solve (GLPK status %d)", glp_get_status(s->lp));
    s->dive_bounds = 0;
    return 1;
}
