/* colgen.c: column generation (Gilmore and Gomory's method for cutting stock; docs/solver.md,
 * "Solving", step 2): the restricted master LP (master.c) solved, every node type priced
 * under its duals (pricing.c), the patterns that price out added as columns, until none does.
 * Each round also gives a bound that holds whatever the duals: the Lagrangian one and
 * Farley's (1990) (bounds.c), the LP's own value once no column prices out and pricing was
 * exact.  When the model's sizes round, converged rounds search every type in exact bytes
 * for real patterns the model could not see (up to ten passes).  During a dive
 * (rounding.c) the same rounds run on the restricted LP, which then gives no bound. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "solver_int.h"

/* What one pricing round found. */
typedef struct round_out {
    double lagr;     /* the Lagrangian bound: z + sum_t U_t * min(0, reduced cost_t) */
    double theta;    /* Farley: the duals scaled down by theta are feasible for every pattern */
    int added;       /* patterns added */
    int all_exact;   /* every type priced exactly (z is then the model's bound when none added) */
    int cut;         /* stopped before every type was priced: no bound from this round */
} round_out;

/* Price every node type under s->duals (the LP's value z); patterns that price out are added
 * to the context (not yet columns).  -1 out of memory. */
static int price_round(solve_state *s, double z, round_out *ro)
{
    const sol_problem *pb = s->pb;
    sol_ctx *c = &s->c;
    const double *duals = s->duals;
    /* the Lagrangian bound z + sum_t U_t * min(0, rc_t) holds whatever the duals, and equals z
     * when no column prices out */
    *ro = (round_out){.lagr = z, .theta = 1.0, .all_exact = 1};
    int out_of_time = ctx_used(c) > 0.6 * ctx_end_share(c);
    kcache_clear(&s->kc); /* new duals */
    for (size_t t = 0; t < pb->ntypes; t++) {
        pattern p;
        int exact;
        double mu = s->avail_row[t] ? duals[s->avail_row[t]] : 0;
        double value = price(c, (uint32_t)t, duals + 1, &p, &exact, out_of_time ? 2000 : 20000, &s->kc,
                             c->obj[t] - mu - 1e-6 * fmax(1.0, c->obj[t]));
        if (exact == -1) { /* no answer for this type: the round proves nothing, and memory is short */
            free(p.copies);
            return -1;
        }
        if (exact == -2 || ((t & 63) == 63 && ctx_over(c))) {
            /* stopped (the deadline or a signal) before every type was priced: the round's
             * Lagrangian and Farley terms miss types, so it gives no bound; what was
             * added stays */
            free(p.copies);
            ro->cut = 1;
            break;
        }
        double rc_t = c->obj[t] - mu - value;
        if ((value + mu) / c->obj[t] > ro->theta)
            ro->theta = (value + mu) / c->obj[t];
        if (!exact)
            ro->all_exact = 0;
        if (rc_t < 0) {
            double U = pb->types[t].available >= 0 ? (double)pb->types[t].available : 0;
            if (U == 0) /* unlimited: at most one node per replica shard */
                for (size_t d = 0; d < pb->ndeps; d++)
                    U += pb->deps[d].replicas;
            ro->lagr += U * rc_t;
        }
        if (p.copies && exact && rc_t < -1e-6 * fmax(1.0, c->obj[t])) {
            int a = ctx_add_pattern(c, &p);
            if (a < 0) {
                free(p.copies);
                return -1;
            }
            if (a == 0) /* a column already there prices out: numerics; claim no bound from z */
                ro->all_exact = 0;
            ro->added += a;
            int more = a > 0 ? more_columns(c, (uint32_t)t, duals + 1, mu, &p, 8, s->pi2, s->rem) : 0;
            if (more < 0) {
                free(p.copies);
                return -1;
            }
            ro->added += more;
        } else if (p.copies && !exact && p.ncopies) {
            /* the search was cut short: its best pattern may still price out */
            double v2 = 0;
            for (uint32_t k = 0; k < p.ncopies; k++)
                v2 += duals[c->vi[p.copies[k].vi].dep + 1];
            if (c->obj[t] - mu - v2 < -1e-6 * fmax(1.0, c->obj[t])) {
                int a = ctx_add_pattern(c, &p);
                if (a < 0) {
                    free(p.copies);
                    return -1;
                }
                ro->added += a;
            }
        }
        free(p.copies);
    }
    span_terms(c, duals, s->avail_row, &ro->theta, &ro->lagr);
    return 0;
}

/* The round's bound, kept when it is the best so far (with the duals behind it, from which
 * the bound for rounded sizes is computed). */
static void keep_round_bound(solve_state *s, double z, const round_out *ro)
{
    double lagr = ro->lagr;
    double dual = farley(&s->c, s->duals, s->avail_row, ro->theta);
    if (dual > lagr)
        lagr = dual;
    if (!ro->added && ro->all_exact && z > lagr)
        lagr = z; /* the LP is solved: its value is the model's bound */
    if (lagr > s->lb_obj || !s->vb.have || lagr > s->vb.best_lagr) {
        s->vb.best_lagr = lagr;
        s->lb_obj = fmax(s->lb_obj, lagr);
        memcpy(s->vb.duals, s->duals, ((size_t)s->nrows + 1) * sizeof *s->vb.duals);
        s->vb.have = s->vb.stale = 1;
    }
}

/* Rounds until no column prices out, the incumbent meets the bound, or the limit nears. */
int column_generation(solve_state *s)
{
    sol_ctx *c = &s->c;
    for (;;) {
        /* past the deadline (a large problem whose greedy plan took the time) or stopped: no
         * round starts; a dive's rounds go on, its LP must be solved for what follows */
        if (!s->diving && ctx_over(c))
            break;
        int ms = master_solve(c, s->lp, &s->smcp, s->deadline);
        if (ms == 1) /* the deadline came inside the simplex (10,000 rows): no duals, no round */
            break;
        if (ms != 0)
            return fp_fail(s->err, NULL, 0, 0, "the master LP did not solve (GLPK status %d)", glp_get_status(s->lp));
        s->plan->lp_iterations++;
        double z = glp_get_obj_val(s->lp);
        for (int i = 1; i <= s->nrows; i++)
            s->duals[i] = glp_get_row_dual(s->lp, i);
        round_out ro;
        if (price_round(s, z, &ro) != 0)
            return fp_fail(s->err, NULL, 0, 0, "out of memory");
        if (ro.cut) {
            master_add_columns(s);
            break;
        }
        if (!s->diving) /* a dive's bounds make the LP a restriction: no bound from it */
            keep_round_bound(s, z, &ro);
        if (!ro.added && !s->diving && !c->exact_units && s->exact_passes < 10 &&
            ctx_used(c) < 0.6 * ctx_end_share(c) && !ctx_stopped(c)) {
            /* the model's sizes are rounded: search each node type in exact bytes for real
             * patterns it could not see; those that price out become columns, and the bound
             * from these duals holds for the problem itself */
            int more = 0;
            double fb = relaxed_bound(c, s->duals, s->avail_row, c, &more, 2000000);
            if (fb < 0)
                return fp_fail(s->err, NULL, 0, 0, "out of memory");
            s->exact_passes++;
            if (fb > s->vb.value)
                s->vb.value = fb;
            ro.added = more;
        }
        if (!ro.added)
            break;
        master_add_columns(s);
        tick(c, s->t0, &s->last_tick, s->best_obj, s->lb_obj);
        /* stop early when the incumbent already meets the bound, or when time is short */
        if ((!s->diving && good_enough(c, &s->vb, s->lb_obj, s->best_obj)) || ctx_used(c) > 0.7 ||
            ctx_stopped(c))
            break;
    }
    return 0;
}
