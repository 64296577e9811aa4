/* lns.c: the improvement stage (docs/solver.md, "Solving", step 4c): a large-neighbourhood
 * search on the incumbent, run last, when the plan is not proven and time or work is left.
 *
 * Why: on fleets of a few hundred replicas with priced node types and count limits, the LP
 * bound of column generation sits a fraction of a percent under the optimum and nothing
 * proves it in seconds; the plans the dive and the repair leave are good but keep a node or
 * two with room left over (nine 256 GB nodes and three 128 GB ones where ten 256 GB nodes and
 * two small ones fill exactly).  What is wrong is local: a few nodes whose contents, packed
 * together again, fit on cheaper nodes.  Large-neighbourhood search (Shaw 1998, "Using
 * constraint programming and local search methods to solve vehicle routing problems", the
 * destroy-and-repair scheme; Pisinger and Ropke 2010 survey it) does exactly that: destroy a
 * small part of the solution and repair it optimally, keeping the result when it is better.
 *
 * One move: choose a few nodes of the incumbent (a seed node among those wasting the most
 * cost, its unused share of capacity times its price, then nodes that share a deployment with
 * the chosen ones, nodes of a chosen one's type, other wasteful ones, and random ones), take their replicas out, and solve
 * that sub-problem exactly with the solver itself (solve_part: greedy, column generation, the
 * dive, branch and bound, the arc-flow proof step; no search of its own) on the node types as
 * the rest of the plan leaves their counts.  Its plan replaces the chosen nodes when it costs
 * strictly less in the solver's objective (cost, then nodes: equal cost on fewer nodes is
 * better), and the whole plan passes plan_verify before it is kept.  Nodes holding part of a
 * replica that spans nodes are never chosen; replicas left unplaced stay so.
 *
 * Deterministic: the choices are draws from a stream with a fixed seed, and each move's
 * sub-solve runs on a work budget (its answer is the same on any machine); only how many
 * moves fit depends on the clock when no work budget is set.  The neighbourhood starts at two
 * nodes and grows by one after LNS_TRIES failed moves, up to LNS_MAX_NODES; an improvement
 * starts again from two.  The stage ends when the plan is proven (the bound meets it), every
 * size has failed, or the time, the work budget or the stop flag says so. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "solver_int.h"

#define LNS_SEED 0x9e3779b97f4a7c15ULL /* fixed: the same moves on every run */
#define LNS_MIN_NODES 2
#define LNS_MAX_NODES 12
#define LNS_TRIES 10          /* failed moves at one size before the neighbourhood grows */
#define LNS_MAX_REPLICAS 160  /* replicas one move takes out at most (past two nodes) */
#define LNS_MOVE_WORK 10000.0 /* work units a move's sub-solve may spend, per node taken out */
#define LNS_MAX_SEEN 4096     /* neighbourhoods remembered as tried since the last improvement */

/* ====================================================================== plans */

/* A deep copy of src into dst.  -1 out of memory (dst then empty). */
static int plan_copy(const sol_plan *src, sol_plan *dst)
{
    *dst = *src;
    dst->nodes = calloc(src->nnodes + 1, sizeof *dst->nodes);
    dst->unplaced = calloc(src->nunplaced + 1, sizeof *dst->unplaced);
    if (!dst->nodes || !dst->unplaced)
        goto oom;
    for (size_t n = 0; n < src->nnodes; n++) {
        dst->nodes[n] = src->nodes[n];
        dst->nodes[n].shards = malloc((src->nodes[n].nshards + 1) * sizeof *dst->nodes[n].shards);
        if (!dst->nodes[n].shards) {
            dst->nnodes = n;
            goto oom;
        }
        if (src->nodes[n].nshards) /* memcpy from NULL is undefined even for no bytes */
            memcpy(dst->nodes[n].shards, src->nodes[n].shards, src->nodes[n].nshards * sizeof *src->nodes[n].shards);
    }
    if (src->nunplaced)
        memcpy(dst->unplaced, src->unplaced, src->nunplaced * sizeof *src->unplaced);
    return 0;
oom:
    if (!dst->nodes)
        dst->nnodes = 0;
    sol_plan_free(dst);
    return -1;
}

/* How full a node is: the larger of its GPU memory's share used and its host memory's (shared
 * weights files left out: a measure for choosing nodes, not a check). */
static double node_fill(const sol_problem *pb, const sol_node *nd)
{
    const sol_node_type *t = &pb->types[nd->type];
    double g = 0, h = 0;
    for (size_t k = 0; k < nd->nshards; k++) {
        const sol_shard *sh = &nd->shards[k];
        const sol_variant *v = &pb->deps[sh->dep].variants[sh->variant];
        if (v->on_host)
            h += (double)v->shard_bytes;
        else {
            g += (double)v->shard_bytes;
            if (sh->shard == 0)
                h += (double)v->host_bytes;
        }
    }
    double fg = t->gpus && t->gpu_bytes ? g / ((double)t->gpus * (double)t->gpu_bytes) : 0;
    double fh = t->host_bytes ? h / (double)t->host_bytes : 0;
    return fmax(fg, fh);
}

/* the replicas a node holds (one shard 0 each: a replica that does not span has them all) */
static size_t node_replicas(const sol_node *nd)
{
    size_t r = 0;
    for (size_t k = 0; k < nd->nshards; k++)
        r += nd->shards[k].shard == 0;
    return r;
}

/* ====================================================================== the search */

typedef struct lns {
    solve_state *s;
    size_t n;            /* nodes of the incumbent */
    size_t *order;       /* the nodes that may be chosen, most wasteful first */
    size_t nfree;
    unsigned char *fixed; /* per node: holds part of a spanning replica */
    unsigned char *in;    /* per node: chosen for this move */
    size_t *pick;         /* the nodes chosen */
    size_t npick, nrep;
    double *waste;
    uint64_t rng;
    uint64_t seen[LNS_MAX_SEEN];
    size_t nseen;
} lns;

static uint64_t lns_next(lns *L)
{
    L->rng += 0x9e3779b97f4a7c15ULL;
    return mix64(L->rng);
}

static double lns_u01(lns *L)
{
    return (double)(lns_next(L) >> 11) / 9007199254740992.0;
}

typedef struct lns_rankee {
    double waste;
    size_t node;
} lns_rankee;

static int by_waste(const void *a, const void *b)
{
    const lns_rankee *x = a, *y = b;
    if (x->waste != y->waste)
        return x->waste > y->waste ? -1 : 1;
    return x->node < y->node ? -1 : x->node > y->node;
}

/* A node holding part of a replica that spans nodes: fewer of the replica's shards here than
 * it has (such a replica has its nodes to itself).  What sol_node_span says, in the node's own
 * shards rather than a scan of the plan (ranked after every improvement, on plans of 20,000
 * nodes). */
static int spans_here(const sol_problem *pb, const sol_node *nd)
{
    if (nd->nshards == 0)
        return 0;
    const sol_shard *s0 = &nd->shards[0];
    if (s0->dep >= pb->ndeps || s0->variant >= pb->deps[s0->dep].nvariants)
        return 0;
    const sol_variant *v = &pb->deps[s0->dep].variants[s0->variant];
    if (v->on_host || v->max_nodes <= 1)
        return 0;
    uint32_t here = 0;
    for (size_t k = 0; k < nd->nshards; k++)
        here += nd->shards[k].dep == s0->dep && nd->shards[k].replica == s0->replica;
    return here < sol_variant_gpus(v);
}

/* The incumbent's nodes ranked (after every change of it).  -1 out of memory. */
static int lns_rank(lns *L)
{
    const sol_problem *pb = L->s->pb;
    const sol_plan *p = &L->s->best;
    free(L->order);
    free(L->fixed);
    free(L->in);
    free(L->pick);
    free(L->waste);
    L->n = p->nnodes;
    L->order = malloc((L->n + 1) * sizeof *L->order);
    L->pick = malloc((L->n + 1) * sizeof *L->pick);
    L->fixed = calloc(L->n + 1, 1);
    L->in = calloc(L->n + 1, 1);
    L->waste = malloc((L->n + 1) * sizeof *L->waste);
    if (!L->order || !L->pick || !L->fixed || !L->in || !L->waste)
        return -1;
    L->nfree = L->npick = L->nrep = 0;
    for (size_t i = 0; i < L->n; i++) {
        L->fixed[i] = (unsigned char)spans_here(pb, &p->nodes[i]);
        L->waste[i] = L->s->c.obj[p->nodes[i].type] * (1.0 - node_fill(pb, &p->nodes[i]));
        if (!L->fixed[i] && p->nodes[i].nshards > 0)
            L->order[L->nfree++] = i;
    }
    /* the most waste first, ties by position (qsort is not stable: the position decides) */
    lns_rankee *r = malloc((L->nfree + 1) * sizeof *r);
    if (!r)
        return -1;
    for (size_t q = 0; q < L->nfree; q++)
        r[q] = (lns_rankee){L->waste[L->order[q]], L->order[q]};
    qsort(r, L->nfree, sizeof *r, by_waste);
    for (size_t q = 0; q < L->nfree; q++)
        L->order[q] = r[q].node;
    free(r);
    L->nseen = 0;
    return 0;
}

static void lns_add(lns *L, size_t i)
{
    L->in[i] = 1;
    L->pick[L->npick++] = i;
    L->nrep += node_replicas(&L->s->best.nodes[i]);
}

/* A node sharing a deployment with one already chosen, not chosen itself: SIZE_MAX if none */
static size_t lns_related(lns *L)
{
    const sol_plan *p = &L->s->best;
    const sol_node *from = &p->nodes[L->pick[lns_next(L) % L->npick]];
    if (from->nshards == 0)
        return SIZE_MAX;
    uint32_t dep = from->shards[lns_next(L) % from->nshards].dep;
    size_t start = (size_t)(lns_next(L) % L->nfree);
    for (size_t q = 0; q < L->nfree; q++) {
        size_t i = L->order[(start + q) % L->nfree];
        if (L->in[i])
            continue;
        for (size_t k = 0; k < p->nodes[i].nshards; k++)
            if (p->nodes[i].shards[k].dep == dep)
                return i;
    }
    return SIZE_MAX;
}

/* A node of the type of one already chosen, not chosen itself (the type mix is what a move
 * changes most often: two half-empty nodes of one type become one): SIZE_MAX if none */
static size_t lns_same_type(lns *L)
{
    const sol_plan *p = &L->s->best;
    uint32_t type = p->nodes[L->pick[lns_next(L) % L->npick]].type;
    size_t start = (size_t)(lns_next(L) % L->nfree);
    for (size_t q = 0; q < L->nfree; q++) {
        size_t i = L->order[(start + q) % L->nfree];
        if (!L->in[i] && p->nodes[i].type == type)
            return i;
    }
    return SIZE_MAX;
}

/* Choose k nodes: a seed among the most wasteful, then by turns a related node, one of a
 * chosen node's type, another wasteful one, a random one.  0 when this set was tried already since the last change. */
static int lns_choose(lns *L, size_t k)
{
    for (size_t q = 0; q < L->npick; q++)
        L->in[L->pick[q]] = 0;
    L->npick = L->nrep = 0;
    double u = lns_u01(L);
    lns_add(L, L->order[(size_t)(u * u * u * (double)L->nfree)]);
    for (int tries = 0; L->npick < k && tries < 64; tries++) {
        size_t i;
        switch (lns_next(L) % 4) {
        case 0:
            i = lns_related(L);
            break;
        case 3:
            i = lns_same_type(L);
            break;
        case 1:
            u = lns_u01(L);
            i = L->order[(size_t)(u * u * (double)L->nfree)];
            break;
        default:
            i = L->order[lns_next(L) % L->nfree];
            break;
        }
        if (i == SIZE_MAX || L->in[i])
            continue;
        if (L->npick >= 2 && L->nrep + node_replicas(&L->s->best.nodes[i]) > LNS_MAX_REPLICAS)
            break;
        lns_add(L, i);
    }
    /* the set, whatever the order it was chosen in */
    uint64_t h = 0;
    for (size_t i = 0; i < L->n; i++)
        if (L->in[i])
            h = mix64(h ^ (uint64_t)(i + 1));
    for (size_t q = 0; q < L->nseen; q++)
        if (L->seen[q] == h)
            return 0;
    if (L->nseen < LNS_MAX_SEEN)
        L->seen[L->nseen++] = h;
    return 1;
}

/* One move on the chosen nodes: their replicas re-packed by solve_part on a budget of `work`
 * units and `secs` seconds; the plan replaced when better.  1 improved, 0 not, 2 the
 * sub-solve failed (the search ends; the incumbent stands), -1 out of memory. */
static int lns_move(lns *L, double work, double secs)
{
    solve_state *s = L->s;
    const sol_problem *pb = s->pb;
    sol_ctx *c = &s->c;
    const sol_plan *best = &s->best;
    int rc = -1;
    /* the replicas taken out, as (deployment, replica), and the sub-problem's deployments */
    uint32_t *jof = malloc((pb->ndeps + 1) * sizeof *jof);
    uint32_t *dep_of = malloc((pb->ndeps + 1) * sizeof *dep_of);
    uint32_t *first = calloc(pb->ndeps + 2, sizeof *first);
    uint32_t *rep = malloc((L->nrep + 1) * sizeof *rep);
    uint32_t *fill = calloc(pb->ndeps + 1, sizeof *fill);
    sol_deployment *sdeps = calloc(pb->ndeps + 1, sizeof *sdeps);
    sol_node_type *stypes = malloc((pb->ntypes + 1) * sizeof *stypes);
    sol_plan sub, cand;
    memset(&sub, 0, sizeof sub);
    memset(&cand, 0, sizeof cand);
    if (!jof || !dep_of || !first || !rep || !fill || !sdeps || !stypes)
        goto out;
    uint32_t nj = 0;
    for (size_t d = 0; d < pb->ndeps; d++)
        jof[d] = UINT32_MAX;
    for (size_t q = 0; q < L->npick; q++) {
        const sol_node *nd = &best->nodes[L->pick[q]];
        for (size_t k = 0; k < nd->nshards; k++) {
            uint32_t d = nd->shards[k].dep;
            if (nd->shards[k].shard != 0)
                continue;
            if (jof[d] == UINT32_MAX) {
                jof[d] = nj;
                dep_of[nj] = d;
                sdeps[nj] = pb->deps[d];
                sdeps[nj].replicas = 0;
                nj++;
            }
            sdeps[jof[d]].replicas++;
        }
    }
    for (uint32_t j = 0; j < nj; j++)
        first[j + 1] = first[j] + sdeps[j].replicas;
    for (size_t q = 0; q < L->npick; q++) {
        const sol_node *nd = &best->nodes[L->pick[q]];
        for (size_t k = 0; k < nd->nshards; k++)
            if (nd->shards[k].shard == 0) {
                uint32_t j = jof[nd->shards[k].dep];
                rep[first[j] + fill[j]++] = nd->shards[k].replica;
            }
    }
    /* the node types as the nodes kept leave their counts */
    memcpy(stypes, pb->types, pb->ntypes * sizeof *stypes);
    for (size_t i = 0; i < best->nnodes; i++)
        if (!L->in[i] && stypes[best->nodes[i].type].available > 0)
            stypes[best->nodes[i].type].available--;
    sol_problem sp = *pb;
    sp.deps = sdeps;
    sp.ndeps = nj;
    sp.types = stypes;
    sp.allow_partial = 0;
    sp.gap_limit = 0;
    sp.verbose = 0;
    sp.progress = NULL;
    sp.progress_ctx = NULL;
    sp.export_mps = sp.export_lp = NULL;
    sp.work_limit = work;
    sp.time_limit_s = secs;
    fp_error e;
    if (solve_part(&sp, &sub, &e) != 0) {
        rc = 2;
        goto out;
    }
    ctx_work(c, sub.work * SOL_WORK_STEPS);
    if (sub.wall_limited && c->meter && c->meter->limit > 0)
        c->meter->wall_hit = 1; /* the guard stopped it: this answer depends on the machine */
    double was = 0, now = 0;
    for (size_t q = 0; q < L->npick; q++)
        was += c->obj[best->nodes[L->pick[q]].type];
    for (size_t n = 0; n < sub.nnodes; n++)
        now += c->obj[sub.nodes[n].type];
    rc = 0;
    if (sub.status == SOL_INFEASIBLE || sub.nunplaced > 0 || !(now < was - 0.5))
        goto out;
    /* the plan with the chosen nodes replaced by the sub-plan's, its replicas renamed back */
    rc = -1;
    cand.nodes = calloc(best->nnodes - L->npick + sub.nnodes + 1, sizeof *cand.nodes);
    cand.unplaced = calloc(best->nunplaced + 1, sizeof *cand.unplaced);
    if (!cand.nodes || !cand.unplaced)
        goto out;
    for (size_t i = 0; i < best->nnodes; i++) {
        if (L->in[i])
            continue;
        sol_node *nd = &cand.nodes[cand.nnodes];
        *nd = best->nodes[i];
        nd->shards = malloc((nd->nshards + 1) * sizeof *nd->shards);
        if (!nd->shards)
            goto out;
        if (nd->nshards)
            memcpy(nd->shards, best->nodes[i].shards, nd->nshards * sizeof *nd->shards);
        cand.nnodes++;
    }
    for (size_t n = 0; n < sub.nnodes; n++) {
        sol_node *nd = &cand.nodes[cand.nnodes++];
        *nd = sub.nodes[n];
        sub.nodes[n].shards = NULL;
        for (size_t k = 0; k < nd->nshards; k++) {
            sol_shard *sh = &nd->shards[k];
            sh->replica = rep[first[sh->dep] + sh->replica];
            sh->dep = dep_of[sh->dep];
        }
    }
    if (best->nunplaced)
        memcpy(cand.unplaced, best->unplaced, best->nunplaced * sizeof *cand.unplaced);
    cand.nunplaced = best->nunplaced;
    for (size_t n = 0; n < cand.nnodes; n++)
        cand.cost += pb->types[cand.nodes[n].type].cost;
    cand.nodes_used = cand.nnodes;
    cand.status = SOL_FEASIBLE;
    double obj = plan_obj(c, &cand);
    rc = 0;
    if (obj < s->best_obj - 0.5 && plan_verify(pb, &cand, &e) == 0) {
        sol_plan_free(&s->best);
        s->best = cand;
        s->best_obj = obj;
        memset(&cand, 0, sizeof cand);
        rc = 1;
    }
out:
    sol_plan_free(&sub);
    sol_plan_free(&cand);
    free(jof);
    free(dep_of);
    free(first);
    free(rep);
    free(fill);
    free(sdeps);
    free(stypes);
    return rc;
}

/* Moves until the plan is proven, every neighbourhood size has failed, or the limits say so. */
static int lns_run(solve_state *s)
{
    sol_ctx *c = &s->c;
    const sol_problem *pb = s->pb;
    lns L;
    memset(&L, 0, sizeof L);
    L.s = s;
    L.rng = LNS_SEED;
    int rc = -1;
    if (lns_rank(&L) != 0)
        goto oom;
    size_t k = LNS_MIN_NODES;
    int fails = 0, dups = 0;
    while (!ctx_over(c) && ctx_used(c) < ctx_end_share(c) && !good_enough(c, &s->vb, s->lb_obj, s->best_obj)) {
        size_t kk = k < L.nfree ? k : L.nfree;
        if (kk >= s->best.nnodes)
            kk = s->best.nnodes - 1; /* never the whole plan: that is the solve itself */
        if (kk < 2 || k > LNS_MAX_NODES)
            break;
        if (!lns_choose(&L, kk)) {
            if (++dups < 50)
                continue;
        } else {
            /* the move's budget: its share of work, within what is left of the solve's */
            double work = LNS_MOVE_WORK * (double)L.npick, secs;
            if (c->meter && c->meter->limit > 0) {
                double left = (c->meter->limit - c->meter->steps) / SOL_WORK_STEPS;
                if (left < work)
                    work = left;
                secs = c->t0 + pb->time_limit_s - now_s(); /* the runaway guard */
            } else {
                /* the sub-solve runs on its work budget; its clock is only the runaway guard, at
                 * the whole of its limit: that must end by this solve's own deadline */
                secs = c->deadline - now_s();
            }
            if (work < 1 || secs <= 0.001)
                break;
            int r = lns_move(&L, work, secs);
            if (r < 0)
                goto oom;
            if (r == 2)
                break;
            tick(c, s->t0, &s->last_tick, s->best_obj, s->lb_obj);
            if (r == 1) {
                if (lns_rank(&L) != 0)
                    goto oom;
                k = LNS_MIN_NODES;
                fails = dups = 0;
                continue;
            }
            if (++fails < LNS_TRIES)
                continue;
        }
        if (kk < k)
            break; /* the largest neighbourhood the plan allows has failed */
        k++; /* this size has failed (or its sets are used up): a larger neighbourhood */
        fails = dups = 0;
        L.nseen = 0;
    }
    rc = 0;
    goto out;
oom:
    fp_fail(s->err, NULL, 0, 0, "out of memory");
out:
    free(L.order);
    free(L.fixed);
    free(L.in);
    free(L.pick);
    free(L.waste);
    return rc;
}

/* ====================================================================== entry points */

int lns_step(solve_state *s)
{
    /* the sub-solves use GLPK, and a GLPK error in one frees this thread's environment with
     * every problem in it: the stages' problems go first (the model was exported before) */
    if (s->lp) {
        glp_delete_prob(s->lp);
        s->lp = NULL;
    }
    arcflow_free(s->af);
    s->af = NULL;
    if (s->best.nnodes < 2 || ctx_over(&s->c) || good_enough(&s->c, &s->vb, s->lb_obj, s->best_obj))
        return 0;
    return lns_run(s);
}

int sol_improve(const sol_problem *pb, const sol_plan *start, sol_plan *out, fp_error *err)
{
    solve_state s;
    int rc = -1;
    memset(&s, 0, sizeof s);
    memset(out, 0, sizeof *out);
    int env = glp_init_env();
    if (env != 0 && env != 1)
        return fp_fail(err, NULL, 0, 0, "out of memory: the solver (GLPK) could not start");
    s.pb = pb;
    s.plan = out;
    s.err = err;
    s.t0 = now_s();
    s.meter.limit = pb->work_limit > 0 ? pb->work_limit * SOL_WORK_STEPS : 0;
    if (ctx_build(&s.c, pb, err) != 0)
        goto done;
    s.c.meter = &s.meter;
    s.c.t0 = s.t0;
    s.deadline = s.c.deadline = s.t0 + pb->time_limit_s * 0.95;
    s.last_tick = s.t0;
    s.vol = s.lb_obj = volume_bound(&s.c);
    s.vb = (vbound){.value = s.vol, .last = -1};
    if (plan_copy(start, &s.best) != 0) {
        fp_fail(err, NULL, 0, 0, "out of memory");
        goto done;
    }
    s.best_obj = plan_obj(&s.c, &s.best);
    if (lns_step(&s) != 0)
        goto done;
    *out = s.best;
    memset(&s.best, 0, sizeof s.best);
    out->nodes_used = out->nnodes;
    out->status = SOL_FEASIBLE;
    out->work = s.meter.steps / SOL_WORK_STEPS;
    rc = 0;
done:
    sol_plan_free(&s.best);
    ctx_free(&s.c);
    return rc;
}
