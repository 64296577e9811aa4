/* bounds.c: the lower bounds and the proof (docs/solver.md, "Solving", steps 2 and 5, and
 * "Sizes that round").  Farley's (1990) bound and the Lagrangian bound (Geoffrion 1974) from
 * any duals; the volume bound in exact bytes; when sizes round, the bound from a relaxation
 * that admits every real pattern (sizes rounded down, capacities up), so that only a bound
 * that holds for the problem itself is reported; the stopping test; and the bound, scope and
 * gap of the plan returned, with unplaced replicas' penalties taken off. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "solver_int.h"

/* The search can stop: the incumbent is proven optimal, or within the accepted gap, by a
 * bound that holds for the problem (the model's bound is checked first: it is cheap). */
static int enough(const sol_ctx *c, double lb, double prim)
{
    return lb >= prim || (c->pb->gap_limit > 0 && prim > 0 && (prim - lb) / prim <= c->pb->gap_limit);
}

/* A bound lb on every plan's objective proves a plan of penalty pen and primary objective
 * prim good enough when no plan leaves out less (lb >= pen, see report_bound) and the
 * placed part is within the accepted gap. */
static int proves(const sol_ctx *c, double lb, double pen, double prim)
{
    return lb - pen >= -0.5 && enough(c, lb - pen > 0 ? primary_bound(c, lb - pen) : 0, prim);
}

int good_enough(const sol_ctx *c, struct vbound *vb, double lb_obj, double best_obj)
{
    double pen = penalty_part(c, best_obj);
    double prim = primary_of(c, best_obj - pen);
    if (!proves(c, lb_obj, pen, prim))
        return 0;
    double v = valid_bound(c, vb, lb_obj, 0);
    return v >= 0 && proves(c, v, pen, prim);
}

/* ====================================================================== the bound reported
 * The objective holds a penalty per unplaced replica larger than any plan of nodes, so a
 * bound on it says nothing about cost until that penalty is taken off.  With lb a bound on
 * every plan's objective and pen the penalty of the plan returned: a plan that leaves out
 * no more than this one (its penalty at most pen) has nodes worth at least lb - pen.  That
 * is the bound reported: of the problem when everything is placed, else of any plan placing
 * at least the replicas this one places (scope "placed").  lb >= pen also proves that no
 * plan leaves out less: such a plan's penalty is at least one smallest penalty below pen,
 * which outweighs its nodes (at most one per replica).  The volume bound of the placed
 * replicas alone holds for them whatever lb; when neither gives anything, there is no bound. */

/* The unplaced replicas' part of a plan's objective: a multiple of the smallest penalty,
 * the nodes' part (one node per replica at most) staying below it.  Exact: integers < 2^53. */
double penalty_part(const sol_ctx *c, double z)
{
    double w = 0;
    for (size_t d = 0; d < c->pb->ndeps; d++)
        if (w == 0 || c->penalty[d] < w)
            w = c->penalty[d];
    if (!(w > 0) || z < w)
        return 0;
    double pen = floor(z / w) * w;
    if (pen > z) /* the division rounded up */
        pen -= w;
    else if (z - pen >= w)
        pen += w;
    return pen;
}

/* Bound, scope and gap of the plan returned (objective obj, of which pen is penalty); 1 when
 * it is proven optimal.  lb_obj bounds every plan's objective; vol_placed is the volume bound
 * of the replicas the plan places. */
int report_bound(const sol_ctx *c, double lb_obj, double vol_placed, sol_plan *plan, double obj, double pen)
{
    double prim = primary_of(c, obj - pen), part = lb_obj - pen;
    double lb = part > 0 ? primary_bound(c, part) : 0;
    int proven = part >= -0.5 && lb >= prim;
    if (pen > 0 && vol_placed > 0 && primary_bound(c, vol_placed) > lb)
        lb = primary_bound(c, vol_placed);
    plan->bound_scope = pen == 0 ? SOL_BOUND_ALL : lb > 0 || prim == 0 ? SOL_BOUND_PLACED : SOL_BOUND_NONE;
    if (plan->bound_scope == SOL_BOUND_NONE) {
        plan->bound = plan->gap = NAN;
        return 0;
    }
    /* a bound over the plan's own value is a bug (every bound above holds for this plan too);
     * past rounding, it is never printed */
    if (lb > prim)
        lb = prim;
    int cost_goal = c->pb->goal == SOL_GOAL_COST && c->node_unit != 1.0;
    if (cost_goal && !c->cost_exact) {
        /* costs were rounded down (finer than the scale the fleet allows, context.c,
         * cost_scale): the bound holds for the real costs, and the plan is optimal only if its
         * real cost meets it */
        plan->bound = lb / c->cost_scale;
        plan->gap = plan->cost > 0 ? (plan->cost - plan->bound) / plan->cost : 0;
        if (plan->gap < 1e-12)
            plan->gap = 0;
        return proven && plan->gap == 0;
    }
    plan->bound = cost_goal ? lb / c->cost_scale : lb;
    if (lb >= prim) /* met: the bound is the plan's own value (in whole cost units) */
        plan->bound = cost_goal ? plan->cost : prim;
    plan->gap = prim > 0 ? (prim - lb) / prim : 0;
    if (plan->gap < 1e-12)
        plan->gap = 0;
    return proven;
}

/* ====================================================================== the bound when sizes round
 * When sizes share no divisor that leaves few units, the model rounds sizes up and
 * capacities down: its plans are safe, but a bound from it holds for the rounded problem
 * only.  The bound reported is Farley's (1990) from duals of the model's LP, with each node
 * type's best pattern value bounded above in a relaxation that admits every real pattern:
 * sizes rounded down and capacities up, in units 1/20,000 of the largest capacity, the
 * host memory and each GPU packed on their own (tensor-parallel shards worth pi/tp each). */

/* Farley's (1990) bound: duals (rows 1..: deployments, then availability rows) scaled down
 * by theta are feasible for the LP's dual when no pattern is worth more than theta times its
 * cost; the slack columns' upper bounds get sigma = max(0, pi/theta - penalty). */
double farley(const sol_ctx *c, const double *duals, const int *avail_row, double theta)
{
    const sol_problem *pb = c->pb;
    double out = 0;
    for (size_t d = 0; d < pb->ndeps; d++) {
        double pd = duals[d + 1] / theta;
        double sigma = pd > c->penalty[d] ? pd - c->penalty[d] : 0;
        out += (pd - sigma) * (double)pb->deps[d].replicas;
    }
    for (size_t t = 0; t < pb->ntypes; t++)
        if (avail_row[t])
            out += duals[avail_row[t]] / theta * (double)pb->types[t].available;
    return out;
}

/* The Lagrangian bound (Geoffrion 1974) at any duals (rows 1..; pi >= 0 on covering rows,
 * mu <= 0 on availability rows): sum_d pi_d r_d + sum_d r_d min(0, penalty_d - pi_d)
 * + sum_t mu_t avail_t, plus types_term = sum_t U_t min(0, obj_t - mu_t - v_t) with v_t an
 * upper bound on type t's best pattern value and U_t on its nodes in an optimal plan.
 * Unlike Farley's, it is not spoiled by one cheap node type whose bound is loose. */
static double lagrangian(const sol_ctx *c, const double *duals, const int *avail_row, double types_term)
{
    const sol_problem *pb = c->pb;
    double out = types_term;
    for (size_t d = 0; d < pb->ndeps; d++) {
        double pd = duals[d + 1] > 0 ? duals[d + 1] : 0;
        out += pd * (double)pb->deps[d].replicas + (double)pb->deps[d].replicas * fmin(0, c->penalty[d] - pd);
    }
    for (size_t t = 0; t < pb->ntypes; t++)
        if (avail_row[t])
            out += fmin(0, duals[avail_row[t]]) * (double)pb->types[t].available;
    return out;
}

/* The columns of replicas that span nodes (fixed columns, never priced): column j of
 * deployment d on k nodes of type t has cost k obj_t, 1 on d's covering row, k on t's
 * availability row.  Farley's theta must cover (pi_d + k mu_t) / (k obj_t), and the
 * Lagrangian bound gains U_j min(0, k (obj_t - mu_t) - pi_d), with U_j = d's replicas (at
 * most one column per replica; an availability of the type bounds it too).  Every real
 * spanning column is a column of the model (span_of checks exact bytes), so these terms are
 * those of the problem itself. */
void span_terms(const sol_ctx *c, const double *duals, const int *avail_row, double *theta, double *lterm)
{
    const sol_problem *pb = c->pb;
    for (size_t i = 0; i < c->npat; i++) {
        const pattern *p = &c->pats[i];
        if (p->nodes <= 1)
            continue;
        uint32_t d = c->vi[p->copies[0].vi].dep;
        double k = (double)p->nodes, mu = avail_row[p->type] ? duals[avail_row[p->type]] : 0;
        double pi = duals[d + 1] > 0 ? duals[d + 1] : 0, cost = k * c->obj[p->type];
        if (theta && (pi + k * mu) / cost > *theta)
            *theta = (pi + k * mu) / cost;
        double rc = cost - k * mu - pi;
        if (lterm && rc < 0) {
            double U = pb->deps[d].replicas;
            if (pb->types[p->type].available >= 0 && floor((double)pb->types[p->type].available / k) < U)
                U = floor((double)pb->types[p->type].available / k);
            *lterm += U * rc;
        }
    }
}

/* theta from the model's own pricing run on relaxed sizes: every size rounded down and
 * every capacity up in the model's units, so that every real pattern is a pattern there and
 * the exact pricing (GPU by GPU, tensor-parallel shards, per-node bounds) bounds its value.
 * 0 when a size rounds down to nothing (no bound from here), -1 out of memory. */
static double relaxed_theta(const sol_ctx *c, const double *duals, const int *avail_row, sol_ctx *add_to,
                            int *added, long budget, double *types_term)
{
    const sol_problem *pb = c->pb;
    double nodes_max = 0; /* an optimal plan has no empty node: at most one per replica */
    for (size_t d = 0; d < pb->ndeps; d++)
        nodes_max += pb->deps[d].replicas;
    if (types_term)
        *types_term = -INFINITY; /* not available unless every type is priced below */
    sol_ctx r = *c, xb = *c;
    r.vi = malloc((c->nvi + 1) * sizeof *r.vi);
    r.gcap = malloc((pb->ntypes + 1) * sizeof *r.gcap);
    r.hcap = malloc((pb->ntypes + 1) * sizeof *r.hcap);
    xb.vi = malloc((c->nvi + 1) * sizeof *xb.vi);
    xb.gcap = malloc((pb->ntypes + 1) * sizeof *xb.gcap);
    xb.hcap = malloc((pb->ntypes + 1) * sizeof *xb.hcap);
    kcache kc = {0};
    double theta = -1;
    int tiny = 0, host_items = 0;
    if (!r.vi || !r.gcap || !r.hcap || !xb.vi || !xb.gcap || !xb.hcap)
        goto done;
    for (size_t k = 0; k < c->nvi; k++) {
        r.vi[k] = c->vi[k];
        r.vi[k].w = vbytes(c, (uint32_t)k) / (c->vi[k].on_host ? c->hunit : c->gunit);
        r.vi[k].h = vhost_bytes(c, (uint32_t)k) / c->hunit; /* 0 is fine: the relaxation then ignores it */
        r.vi[k].s = vshared_bytes(c, (uint32_t)k) / c->hunit; /* a shared file's copy, rounded down too */
        tiny |= r.vi[k].w == 0;
    }
    if (tiny) { /* a size under one unit: no relaxation here (the volume bound still holds) */
        theta = 0;
        goto done;
    }
    for (size_t t = 0; t < pb->ntypes; t++) {
        r.gcap[t] = (pb->types[t].gpu_bytes + c->gunit - 1) / c->gunit;
        r.hcap[t] = (pb->types[t].host_bytes + c->hunit - 1) / c->hunit;
    }
    /* the same context in bytes, for the exact search */
    for (size_t k = 0; k < c->nvi; k++) {
        xb.vi[k] = c->vi[k];
        xb.vi[k].w = vbytes(c, (uint32_t)k);
        xb.vi[k].h = vhost_bytes(c, (uint32_t)k);
        xb.vi[k].s = vshared_bytes(c, (uint32_t)k);
        host_items |= c->vi[k].on_host;
    }
    for (size_t t = 0; t < pb->ntypes; t++) {
        xb.gcap[t] = pb->types[t].gpu_bytes;
        xb.hcap[t] = pb->types[t].host_bytes;
    }
    theta = 1.0;
    double lterm = 0;
    for (size_t t = 0; t < pb->ntypes; t++) {
        pattern p;
        int exact;
        double mu = avail_row[t] ? duals[avail_row[t]] : 0;
        /* an upper bound on the best real pattern's value (exact or not) */
        double v = price(&r, (uint32_t)t, duals + 1, &p, &exact, 200000, &kc, c->obj[t] - mu);
        free(p.copies);
        if (exact == -2 || (t % 64 == 63 && ctx_over(c))) { /* stopped: no bound from here */
            theta = 0;
            goto done;
        }
        if (exact < 0 || v >= 1e300) {
            theta = -1;
            goto done;
        }
        if ((v + mu) / c->obj[t] > 1 && !host_items && budget > 0) {
            /* rounding may have let a pattern in that does not fit: the exact search, in bytes,
             * when it completes, gives the true best value */
            int complete;
            pattern found = {0};
            double ev = exact_gpu_value(&xb, (uint32_t)t, duals + 1, budget, &complete, add_to ? &found : NULL);
            if (ev < 0) {
                theta = -1;
                goto done;
            }
            if (complete && ev < v)
                v = ev;
            /* a real pattern the rounded model could not see, and it prices out: a column */
            if (add_to && found.ncopies && ev + mu > c->obj[t] * (1 + 1e-9)) {
                int a = ctx_add_pattern(add_to, &found);
                if (a < 0) {
                    free(found.copies);
                    theta = -1;
                    goto done;
                }
                *added += a;
            }
            free(found.copies);
        }
        if ((v + mu) / c->obj[t] > theta)
            theta = (v + mu) / c->obj[t];
        double U = pb->types[t].available >= 0 && (double)pb->types[t].available < nodes_max
                       ? (double)pb->types[t].available : nodes_max;
        if (c->obj[t] - mu - v < 0)
            lterm += U * (c->obj[t] - mu - v);
    }
    span_terms(c, duals, avail_row, &theta, &lterm);
    if (types_term)
        *types_term = lterm;
done:
    kcache_free(&kc);
    free(r.vi);
    free(r.gcap);
    free(r.hcap);
    free(xb.vi);
    free(xb.gcap);
    free(xb.hcap);
    return theta;
}

/* The bound from the relaxation at these duals: the better of Farley's and the Lagrangian.
 * With add_to, real patterns that price out become its columns (counted in *added).
 * 0 when a size rounds down to nothing (no bound from here), -1 out of memory. */
double relaxed_bound(const sol_ctx *c, const double *duals, const int *avail_row, sol_ctx *add_to, int *added,
                            long budget)
{
    double types_term;
    double theta = relaxed_theta(c, duals, avail_row, add_to, added, budget, &types_term);
    if (theta <= 0)
        return theta;
    return fmax(farley(c, duals, avail_row, theta), lagrangian(c, duals, avail_row, types_term));
}

double valid_bound(const sol_ctx *c, vbound *vb, double lb_obj, int force)
{
    if (c->exact_units)
        return lb_obj;
    if (vb->have && vb->stale && (force || vb->value < 0 || ctx_used(c) - vb->last >= 0.05)) {
        /* past the time limit the exact search is skipped: the relaxation's value still holds */
        double r = relaxed_bound(c, vb->duals, vb->avail_row, NULL, NULL, !ctx_over(c) ? 2000000 : 0);
        if (r < 0)
            return -1;
        vb->value = fmax(vb->value, r);
        vb->stale = 0;
        vb->last = ctx_used(c);
    }
    return vb->value > 0 ? vb->value : 0;
}

/* A variant's bytes in one memory (0: GPU memory, 1: host memory): none for a host variant in
 * GPU memory, a GPU variant's process memory (often none) in host memory. */
static double variant_bytes(const sol_variant *va, int dim)
{
    return dim == 0 ? (va->on_host ? 0 : (double)va->shard_bytes * (double)sol_variant_gpus(va))
                    : (double)(va->on_host ? va->shard_bytes : va->host_bytes);
}

/* Can a replica of variant va of deployment dp go on type t at all (its types, its memory)?
 * A replica spanning k nodes needs its shard on each of their GPUs. */
static int variant_fits(const sol_deployment *dp, const sol_variant *va, size_t t, const sol_node_type *nt)
{
    if (!sol_variant_allowed(dp, va, t))
        return 0;
    uint32_t span = va->on_host ? 1 : sol_span_nodes(va, nt);
    return va->on_host ? va->shard_bytes <= nt->host_bytes && va->shared_bytes <= nt->host_bytes - va->shard_bytes
           : span > 1  ? va->shard_bytes <= nt->gpu_bytes
                       : span == 1 && va->shard_bytes <= nt->gpu_bytes && va->host_bytes <= nt->host_bytes;
}

/* The volume bound: every node costs at least its used GPU bytes times its objective per byte
 * of GPU capacity, so each replica costs at least its bytes times the lowest such ratio among
 * the types that can hold it (or its unplaced penalty); a variant on host memory costs
 * nothing here.  The same for host memory alone (host variants by their size, GPU variants by
 * their process memory, host_bytes), and the better of the two holds (one node pays once,
 * whatever it holds in either).  Exact bytes, valid whatever the units; it helps where pricing
 * is not exact (nodes of many GPUs). */
double volume_bound(const sol_ctx *c)
{
    const sol_problem *pb = c->pb;
    double out[2] = {0, 0}; /* 0: GPU memory, 1: host memory */
    for (int dim = 0; dim < 2; dim++)
        for (size_t d = 0; d < pb->ndeps; d++) {
            const sol_deployment *dp = &pb->deps[d];
            double best = c->penalty[d];
            for (size_t v = 0; v < dp->nvariants; v++) {
                const sol_variant *va = &dp->variants[v];
                double bytes = variant_bytes(va, dim);
                if (bytes == 0) { /* it can run without this memory: free here */
                    best = 0;
                    break;
                }
                for (size_t t = 0; t < pb->ntypes; t++) {
                    const sol_node_type *nt = &pb->types[t];
                    /* a replica spanning k nodes pays k nodes of k times the capacity: the same ratio
                     * (its host memory, spread over them, is at most k nodes' too) */
                    int fits = variant_fits(dp, va, t, nt);
                    double cap = !fits ? 0 : dim == 0 ? (double)nt->gpus * (double)nt->gpu_bytes : (double)nt->host_bytes;
                    if (cap > 0 && c->obj[t] * bytes / cap < best)
                        best = c->obj[t] * bytes / cap;
                }
            }
            out[dim] += best * (double)dp->replicas;
        }
    return fmax(out[0], out[1]) * (1 - 1e-12); /* rounding of the sums stays on the safe side */
}

/* ====================================================================== the integer volume bound
 * The volume bound prices bytes as if nodes could be bought by the byte; plans buy whole
 * nodes.  Every plan's nodes hold every replica, so in each memory their capacities add up to
 * at least the replicas' bytes (each replica at its smallest variant; none where a variant
 * needs none of that memory); and the replicas that can only go on some of the types need
 * those types' capacity alone: for each set A of types that is a deployment's set, the
 * capacity of A's nodes covers every deployment whose types are all in A.  The cheapest
 * count of nodes per type meeting those rows (within the count limits) is a covering
 * integer program of a few rows and a column per type, solved exactly by GLPK; its optimum
 * bounds every plan's primary objective, as a whole number of nodes does (a fleet whose
 * volume needs 14.6 of the cheapest node per byte needs 15 of it, or dearer ones).  Cost in
 * cost units over their gcd (integers); the bound in the solver's objective as the proof
 * step turns its optimum into one (arcflow_step).  -1 none (no time, too many types, GLPK
 * did not prove its optimum); to be called under the GLPK error guard. */
#define KB_MAX_TYPES 64
#define KB_MAX_ROWS 64
#define KB_MAX_NODES 5000 /* branch-and-bound nodes: a limit of work, not of time, so that the
                           * bound is the same on every machine */

typedef struct kb_cb {
    int nodes;
    double worst; /* the largest objective of a solution GLPK found (its incumbents) */
} kb_cb;

static void kb_callback(glp_tree *tree, void *info)
{
    kb_cb *cb = info;
    if (glp_ios_reason(tree) == GLP_ISELECT && ++cb->nodes > KB_MAX_NODES)
        glp_ios_terminate(tree);
    if (glp_ios_reason(tree) == GLP_IBINGO) {
        double z = glp_mip_obj_val(glp_ios_get_prob(tree));
        if (z > cb->worst)
            cb->worst = z;
    }
}

double knapsack_bound(const sol_ctx *c)
{
    const sol_problem *pb = c->pb;
    size_t nt = pb->ntypes;
    if (nt == 0 || nt > KB_MAX_TYPES || c->node_unit == 0)
        return -1;
    uint64_t mask[2 * KB_MAX_ROWS];
    double rhs[2 * KB_MAX_ROWS];
    int dim_of[2 * KB_MAX_ROWS];
    size_t nrows = 0;
    uint64_t *dmask = malloc((pb->ndeps + 1) * sizeof *dmask);
    double *dbytes = malloc((pb->ndeps + 1) * sizeof *dbytes);
    if (!dmask || !dbytes) {
        free(dmask);
        free(dbytes);
        return -1;
    }
    for (int dim = 0; dim < 2; dim++) {
        size_t first = nrows;
        for (size_t d = 0; d < pb->ndeps; d++) {
            const sol_deployment *dp = &pb->deps[d];
            double least = INFINITY;
            uint64_t m = 0;
            for (size_t v = 0; v < dp->nvariants; v++) {
                const sol_variant *va = &dp->variants[v];
                double bytes = variant_bytes(va, dim);
                for (size_t t = 0; t < nt; t++)
                    if (variant_fits(dp, va, t, &pb->types[t])) {
                        m |= 1ULL << t;
                        least = fmin(least, bytes);
                    }
            }
            dmask[d] = m;
            dbytes[d] = m && least > 0 ? least * (double)dp->replicas : 0;
        }
        /* a row per distinct set of types among the deployments that need this memory, and the
         * row of all types */
        for (size_t d = 0; d <= pb->ndeps; d++) {
            uint64_t m = d < pb->ndeps ? dmask[d] : (nt == 64 ? ~0ULL : (1ULL << nt) - 1);
            if (d < pb->ndeps && dbytes[d] == 0)
                continue;
            size_t r = first;
            while (r < nrows && mask[r] != m)
                r++;
            if (r < nrows)
                continue;
            if (nrows == first + KB_MAX_ROWS)
                continue; /* rows left out: a weaker bound, still one */
            mask[nrows] = m;
            rhs[nrows] = 0;
            dim_of[nrows++] = dim;
        }
        for (size_t r = first; r < nrows; r++)
            for (size_t d = 0; d < pb->ndeps; d++)
                if (dbytes[d] > 0 && (dmask[d] & ~mask[r]) == 0)
                    rhs[r] += dbytes[d];
    }
    free(dmask);
    free(dbytes);
    /* the program: bytes in GiB (capacities exact, the right-hand sides a hair lower, so that
     * a rounding of the sums never excludes a plan) */
    int cost_goal = pb->goal == SOL_GOAL_COST && c->node_unit != 1.0;
    double g = c->gm > 0 ? c->gm : 1;
    glp_prob *lp = glp_create_prob();
    glp_set_obj_dir(lp, GLP_MIN);
    glp_add_cols(lp, (int)nt);
    for (size_t t = 0; t < nt; t++) {
        const sol_node_type *ty = &pb->types[t];
        glp_set_col_kind(lp, (int)t + 1, GLP_IV);
        if (ty->available >= 0)
            glp_set_col_bnds(lp, (int)t + 1, ty->available > 0 ? GLP_DB : GLP_FX, 0, (double)ty->available);
        else
            glp_set_col_bnds(lp, (int)t + 1, GLP_LO, 0, 0);
        glp_set_obj_coef(lp, (int)t + 1, cost_goal ? ctx_cost_units(c, ty->cost) / g : 1.0);
    }
    int ind[KB_MAX_TYPES + 1];
    double val[KB_MAX_TYPES + 1];
    int rows = 0;
    for (size_t r = 0; r < nrows; r++) {
        if (rhs[r] <= 0)
            continue;
        int len = 0;
        for (size_t t = 0; t < nt; t++) {
            const sol_node_type *ty = &pb->types[t];
            double cap = dim_of[r] == 0 ? (double)ty->gpus * (double)ty->gpu_bytes : (double)ty->host_bytes;
            if ((mask[r] >> t & 1) && cap > 0) {
                ind[++len] = (int)t + 1;
                val[len] = cap / 1073741824.0;
            }
        }
        glp_add_rows(lp, 1);
        rows++;
        glp_set_row_bnds(lp, rows, GLP_LO, rhs[r] / 1073741824.0 * (1 - 1e-9), 0);
        glp_set_mat_row(lp, rows, len, ind, val);
    }
    double out = -1;
    if (rows == 0) {
        glp_delete_prob(lp);
        return -1;
    }
    glp_smcp smcp;
    glp_init_smcp(&smcp);
    smcp.msg_lev = GLP_MSG_OFF;
    glp_iocp iocp;
    glp_init_iocp(&iocp);
    iocp.msg_lev = GLP_MSG_OFF;
    iocp.tm_lim = 2000; /* milliseconds, a guard: the node limit ends it first */
    kb_cb cb = {0, 0};
    iocp.cb_func = kb_callback;
    iocp.cb_info = &cb;
    /* the objective is integral: GLPK prunes a node whose bound is within tol_obj * (1 +
     * |incumbent|) of the incumbent, so tol_obj keeps that under a quarter unit while every
     * incumbent is at most ub (each row covered by every one of its types alone, a sum no
     * sensible solution reaches), and the optimum is taken only if every incumbent GLPK found
     * was (as the proof step does) */
    double ub = 1000;
    for (int r = 1; r <= rows; r++) {
        int len = glp_get_mat_row(lp, r, ind, val);
        double need = glp_get_row_lb(lp, r);
        for (int k = 1; k <= len; k++)
            ub += glp_get_obj_coef(lp, ind[k]) * ceil(need / val[k]);
    }
    iocp.tol_obj = fmin(1e-7, 0.25 / (1 + ub));
    if (glp_simplex(lp, &smcp) == 0 && glp_get_status(lp) == GLP_OPT && glp_intopt(lp, &iocp) == 0 &&
        glp_mip_status(lp) == GLP_OPT && cb.worst <= ub) {
        double p = round(glp_mip_obj_val(lp)) * (cost_goal ? g : 1); /* cost units, or nodes */
        double lb = p * c->node_unit;
        if (c->node_unit != 1.0)
            lb += pb->goal == SOL_GOAL_COST ? (c->max_m > 0 ? ceil(p / c->max_m - 1e-9) : 0) : p * c->min_m;
        out = lb;
    } else if (glp_get_status(lp) == GLP_NOFEAS || glp_mip_status(lp) == GLP_NOFEAS) {
        out = -1; /* the capacities cannot hold every replica: the penalties say so elsewhere */
    }
    glp_delete_prob(lp);
    return out;
}
