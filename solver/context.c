/* context.c: the problem as the solver sees it (docs/solver.md, "Items and nodes" and "Sizes
 * that round").  ctx_build checks the stated limits and discretizes memory: GPU and host
 * memory each in units of their own, exact when the sizes share a divisor that leaves at
 * most 20,000 units, else items rounded up and capacities down; it sets the objective in
 * integer units (cost units of 1e-3 to 1e-6 $/h, and nodes, lexicographic) and the penalty of an unplaced
 * replica.  Also here: the pattern store (a column per pattern, duplicates refused), a
 * plan's nodes as patterns, how many copies of an item one node can hold, the limits every
 * stage asks (time and the work meter, docs/solver.md "Limits: time and work"), and the
 * objective in the natural units of the report. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "solver_int.h"

double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t gcd64(uint64_t a, uint64_t b)
{
    while (b) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

void pattern_free(pattern *p)
{
    if (p)
        free(p->copies);
}

uint64_t mix64(uint64_t x)
{
    /* splitmix64's finalizer: every input bit moves every output bit */
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

/* A hash of (type, multiset of items): a prefilter only; equality is checked in full. */
static uint64_t pattern_key(const sol_ctx *c, const pattern *p)
{
    uint64_t s = 0;
    for (uint32_t i = 0; i < p->ncopies; i++)
        s += mix64(p->copies[i].vi + 1);
    (void)c;
    uint64_t key = mix64(s ^ mix64((uint64_t)p->type << 32 ^ p->ncopies));
    return p->nodes > 1 ? mix64(key ^ p->nodes) : key;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Same node type and the same multiset of items (placements may differ: either will do).
 * 1 same, 0 not, -1 out of memory (never read as "not the same": a caller must not act on it). */
int pattern_same(const pattern *a, const pattern *b)
{
    if (a->type != b->type || a->ncopies != b->ncopies || pat_nodes(a) != pat_nodes(b))
        return 0;
    uint32_t sa[64], sb[64];
    uint32_t *xa = a->ncopies <= 64 ? sa : malloc(a->ncopies * sizeof *xa);
    uint32_t *xb = a->ncopies <= 64 ? sb : malloc(a->ncopies * sizeof *xb);
    int same = -1;
    if (xa && xb) {
        for (uint32_t i = 0; i < a->ncopies; i++) {
            xa[i] = a->copies[i].vi;
            xb[i] = b->copies[i].vi;
        }
        qsort(xa, a->ncopies, sizeof *xa, cmp_u32);
        qsort(xb, a->ncopies, sizeof *xb, cmp_u32);
        same = memcmp(xa, xb, a->ncopies * sizeof *xa) == 0;
    }
    if (xa != sa)
        free(xa);
    if (xb != sb)
        free(xb);
    return same;
}

uint64_t pattern_host_units(const sol_ctx *c, const pattern *p)
{
    uint64_t h = 0;
    for (uint32_t i = 0; i < p->ncopies; i++) {
        const vitem *v = &c->vi[p->copies[i].vi];
        h += vi_host(v);
        if (v->on_host && v->share) { /* one copy of a shared file per node */
            int first = 1;
            for (uint32_t j = 0; j < i && first; j++) {
                const vitem *o = &c->vi[p->copies[j].vi];
                first = !(o->on_host && o->share == v->share);
            }
            if (first)
                h += v->s;
        }
    }
    return h;
}

int ctx_add_pattern(sol_ctx *c, const pattern *p)
{
    uint64_t key = pattern_key(c, p);
    for (size_t i = 0; i < c->npat; i++)
        if (c->pats[i].key == key) {
            int same = pattern_same(&c->pats[i], p);
            if (same < 0)
                return -1;
            if (same)
                return 0;
        }
    if (c->npat == c->cappat) {
        size_t cap = c->cappat ? c->cappat * 2 : 64;
        pattern *np = realloc(c->pats, cap * sizeof *np);
        if (!np)
            return -1;
        c->pats = np;
        c->cappat = cap;
    }
    pattern *q = &c->pats[c->npat];
    *q = *p;
    q->key = key;
    q->copies = malloc((p->ncopies + 1) * sizeof *q->copies);
    if (!q->copies)
        return -1;
    memcpy(q->copies, p->copies, p->ncopies * sizeof *q->copies);
    c->npat++;
    return 1;
}

void ctx_free(sol_ctx *c)
{
    for (size_t i = 0; i < c->npat; i++)
        pattern_free(&c->pats[i]);
    free(c->pats);
    free(c->vi);
    free(c->vi_first);
    free(c->gcap);
    free(c->hcap);
    free(c->obj);
    free(c->penalty);
    memset(c, 0, sizeof *c);
}

/* Costs in whole units, so that the objective is an integer and a bound on it can be rounded
 * up: the coarsest of milli-dollars to micro-dollars an hour that holds every cost exactly
 * (catalog prices have up to six decimals), as long as a plan's objective, at most the dearest
 * cost x N x N nodes, stays under COST_OBJ_MAX, where GLPK's pruning tolerance still resolves
 * a unit (mip.c), and the penalty of an unplaced replica, that x 2^(priority spread), under
 * COST_PEN_MAX, below ctx_build's limit of 4e15.  When none does, the finest scale under them,
 * with each cost rounded down: every plan's objective is then at most its cost, so a bound
 * still holds for the real costs, but the plan is called optimal only if its real cost meets
 * that bound (bounds.c, report_bound). */
#define COST_OBJ_MAX 1e14
#define COST_PEN_MAX 2e15

static int cost_whole(double x)
{
    return fabs(x - round(x)) <= 1e-6 + 1e-12 * x;
}

/* The deployments' lowest priority in *minp, and the spread above it, capped at 20 (the
 * penalty of an unplaced replica doubles per level up to there) */
static int priority_spread(const sol_problem *pb, int *minp)
{
    int lo = 0, hi = 0;
    for (size_t d = 0; d < pb->ndeps; d++) {
        lo = d == 0 || pb->deps[d].priority < lo ? pb->deps[d].priority : lo;
        hi = d == 0 || pb->deps[d].priority > hi ? pb->deps[d].priority : hi;
    }
    *minp = lo;
    return hi - lo > 20 ? 20 : hi - lo;
}

static void cost_scale(sol_ctx *c, double max_nodes)
{
    const sol_problem *pb = c->pb;
    double maxcost = 0;
    for (size_t t = 0; t < pb->ntypes; t++)
        maxcost = fmax(maxcost, pb->types[t].cost);
    int minp;
    double levels = (double)(1 << priority_spread(pb, &minp));
    c->cost_scale = 1e3;
    c->cost_exact = 0;
    for (double s = 1e3; s <= 1e6; s *= 10) {
        double obj = maxcost * s * max_nodes * max_nodes;
        if (s > 1e3 && (obj > COST_OBJ_MAX || obj * levels > COST_PEN_MAX))
            break;
        c->cost_scale = s;
        int exact = 1;
        for (size_t t = 0; t < pb->ntypes; t++)
            exact &= cost_whole(pb->types[t].cost * s);
        if (exact) {
            c->cost_exact = 1;
            break;
        }
    }
}

int sol_costs_free(const sol_problem *pb)
{
    for (size_t t = 0; t < pb->ntypes; t++)
        if (round(pb->types[t].cost * 1e6) > 0)
            return 0;
    return 1;
}

double ctx_cost_units(const sol_ctx *c, double cost)
{
    double x = cost * c->cost_scale;
    return cost_whole(x) ? round(x) : floor(x);
}

/* ====================================================================== setup */

#define MAX_UNITS 20000ULL

int ctx_build(sol_ctx *c, const sol_problem *pb, fp_error *err)
{
    memset(c, 0, sizeof *c);
    c->pb = pb;
    if (pb->ntypes == 0)
        return fp_fail(err, NULL, 0, 0, "no node types to place deployments on");
    /* stated limits (docs/reliability.md): the greedy and the patterns grow with replicas x nodes */
    uint64_t reps = 0;
    for (size_t d = 0; d < pb->ndeps; d++)
        reps += pb->deps[d].replicas;
    if (reps > SOL_MAX_REPLICAS)
        return fp_fail(err, NULL, 0, 0,
                       "%llu replicas in one plan: fedplan plans at most %d at once; split the scenario (by team, "
                       "region or model family) and plan each part",
                       (unsigned long long)reps, SOL_MAX_REPLICAS);
    if (pb->ntypes > SOL_MAX_TYPES)
        return fp_fail(err, NULL, 0, 0, "%zu node types in one plan: at most %d", pb->ntypes, SOL_MAX_TYPES);
    size_t nvi = 0;
    uint64_t total_shards = 0, gg = 0, gh = 0, maxg = 1, maxh = 1;
    for (size_t d = 0; d < pb->ndeps; d++) {
        const sol_deployment *dp = &pb->deps[d];
        if (dp->nvariants == 0 || dp->nvariants > SOL_MAX_VARIANTS)
            return fp_fail(err, NULL, 0, 0, "deployment '%s' has no way to run", dp->name);
        nvi += dp->nvariants;
        for (size_t v = 0; v < dp->nvariants; v++) {
            if (dp->variants[v].shard_bytes == 0)
                return fp_fail(err, NULL, 0, 0, "deployment '%s' has a zero footprint", dp->name);
            if (!dp->variants[v].on_host && (dp->variants[v].tp == 0 || dp->variants[v].tp > 32))
                return fp_fail(err, NULL, 0, 0, "deployment '%s': tensor-parallel degree must be 1 to 32", dp->name);
            if (!dp->variants[v].on_host && dp->variants[v].groups > 1 &&
                (dp->variants[v].groups > 32 * SOL_MAX_SPAN || sol_variant_gpus(&dp->variants[v]) > 32 * SOL_MAX_SPAN ||
                 (dp->variants[v].max_nodes <= 1 && sol_variant_gpus(&dp->variants[v]) > 32)))
                return fp_fail(err, NULL, 0, 0, "deployment '%s': a replica of %u GPUs is more than %s holds", dp->name,
                               sol_variant_gpus(&dp->variants[v]),
                               dp->variants[v].max_nodes <= 1 ? "one node" : "the nodes it may span");
            if (dp->variants[v].on_host && (dp->variants[v].groups > 1 || dp->variants[v].max_nodes > 1))
                return fp_fail(err, NULL, 0, 0, "deployment '%s': a host variant does not span nodes", dp->name);
            if (dp->variants[v].max_nodes > SOL_MAX_SPAN)
                return fp_fail(err, NULL, 0, 0, "deployment '%s': a replica may span at most %d nodes", dp->name,
                               SOL_MAX_SPAN);
            if (dp->variants[v].on_host && dp->variants[v].host_bytes)
                return fp_fail(err, NULL, 0, 0, "deployment '%s': a host variant has its size in shard_bytes, not host_bytes",
                               dp->name);
            if (dp->variants[v].share && (!dp->variants[v].on_host || !dp->variants[v].shared_bytes))
                return fp_fail(err, NULL, 0, 0, "deployment '%s': only a host variant shares a weights file, and "
                               "the file has a size", dp->name);
            if (dp->variants[v].share)
                gh = gcd64(gh, dp->variants[v].shared_bytes);
            if (dp->variants[v].on_host)
                gh = gcd64(gh, dp->variants[v].shard_bytes);
            else
                gg = gcd64(gg, dp->variants[v].shard_bytes);
            if (dp->variants[v].host_bytes) /* a GPU process's host memory: an item of host memory */
                gh = gcd64(gh, dp->variants[v].host_bytes);
        }
        /* nodes a replica may take: one per shard (at most 32), or the nodes it may span */
        uint32_t most = 32;
        for (size_t v = 0; v < dp->nvariants; v++)
            if (!dp->variants[v].on_host && dp->variants[v].max_nodes > most)
                most = dp->variants[v].max_nodes;
        total_shards += (uint64_t)dp->replicas * most;
    }
    for (size_t t = 0; t < pb->ntypes; t++) {
        const sol_node_type *nt = &pb->types[t];
        if (nt->gpus > 255)
            return fp_fail(err, NULL, 0, 0, "node type '%s' has more than 255 GPUs", nt->name);
        if (nt->gpus) {
            gg = gcd64(gg, nt->gpu_bytes);
            if (nt->gpu_bytes > maxg)
                maxg = nt->gpu_bytes;
        }
        gh = gcd64(gh, nt->host_bytes);
        if (nt->host_bytes > maxh)
            maxh = nt->host_bytes;
    }
    /* GPU and host memory in units of their own: exact when the sizes share a divisor that
     * leaves few units; otherwise items are rounded up and capacities down to a granularity
     * of the largest capacity / MAX_UNITS (never overcommits) */
    gg = gg ? gg : 1;
    gh = gh ? gh : 1;
    c->gunit = maxg / gg <= MAX_UNITS ? gg : (maxg + MAX_UNITS - 1) / MAX_UNITS;
    c->hunit = maxh / gh <= MAX_UNITS ? gh : (maxh + MAX_UNITS - 1) / MAX_UNITS;
    c->exact_units = c->gunit == gg && c->hunit == gh;
    c->nvi = nvi;
    c->vi = calloc(nvi + 1, sizeof *c->vi);
    c->vi_first = calloc(pb->ndeps + 1, sizeof *c->vi_first);
    c->gcap = calloc(pb->ntypes + 1, sizeof *c->gcap);
    c->hcap = calloc(pb->ntypes + 1, sizeof *c->hcap);
    c->obj = calloc(pb->ntypes + 1, sizeof *c->obj);
    c->penalty = calloc(pb->ndeps + 1, sizeof *c->penalty);
    if (!c->vi || !c->vi_first || !c->gcap || !c->hcap || !c->obj || !c->penalty)
        return fp_fail(err, NULL, 0, 0, "out of memory");
    size_t k = 0;
    for (size_t d = 0; d < pb->ndeps; d++) {
        c->vi_first[d] = k;
        for (size_t v = 0; v < pb->deps[d].nvariants; v++) {
            const sol_variant *va = &pb->deps[d].variants[v];
            uint64_t u = va->on_host ? c->hunit : c->gunit;
            c->vi[k++] = (vitem){(uint32_t)d, (uint32_t)v, va->on_host ? 1 : sol_variant_gpus(va), va->on_host,
                                 (va->shard_bytes + u - 1) / u, (va->host_bytes + c->hunit - 1) / c->hunit,
                                 va->share, (va->shared_bytes + c->hunit - 1) / c->hunit};
            if (va->share > c->nshare)
                c->nshare = va->share;
        }
    }
    /* objective in integer units: cost units per hour (cost_scale) and nodes, lexicographic */
    for (size_t t = 0; t < pb->ntypes; t++) {
        c->gcap[t] = pb->types[t].gpu_bytes / c->gunit;
        c->hcap[t] = pb->types[t].host_bytes / c->hunit;
        if (!(pb->types[t].cost >= 0) || pb->types[t].cost > 1e6)
            return fp_fail(err, NULL, 0, 0, "node type '%s' has an invalid cost", pb->types[t].name);
    }
    double max_nodes = (double)total_shards + 1;
    cost_scale(c, max_nodes);
    double maxcost = 0;
    for (size_t t = 0; t < pb->ntypes; t++)
        maxcost = fmax(maxcost, ctx_cost_units(c, pb->types[t].cost));
    c->gm = 0;
    c->min_m = -1;
    for (size_t t = 0; t < pb->ntypes; t++) {
        double m = ctx_cost_units(c, pb->types[t].cost);
        c->gm = (double)gcd64((uint64_t)c->gm, (uint64_t)m);
        if (c->min_m < 0 || m < c->min_m)
            c->min_m = m;
    }
    c->max_m = maxcost;
    int all_free = sol_costs_free(pb);
    if (pb->goal == SOL_GOAL_COST)
        c->node_unit = all_free ? 1.0 : max_nodes;
    else
        c->node_unit = maxcost * max_nodes + 1.0;
    for (size_t t = 0; t < pb->ntypes; t++) {
        double m = ctx_cost_units(c, pb->types[t].cost);
        if (pb->goal == SOL_GOAL_COST)
            c->obj[t] = all_free ? 1.0 : m * max_nodes + 1.0;
        else
            c->obj[t] = c->node_unit + m;
    }
    /* unplaced replicas cost more than any plan of every node: higher priority costs more */
    double worst = 0;
    for (size_t t = 0; t < pb->ntypes; t++)
        worst = fmax(worst, c->obj[t]);
    worst = worst * max_nodes + 1.0;
    int minp, spread = priority_spread(pb, &minp);
    for (size_t d = 0; d < pb->ndeps; d++) {
        int rank = pb->deps[d].priority - minp;
        if (rank > 20)
            rank = 20;
        c->penalty[d] = worst * (double)(1 << rank);
    }
    if (worst * (double)(1 << spread) > 4e15)
        return fp_fail(err, NULL, 0, 0, "problem too large for exact objective arithmetic (costs x nodes)");
    return 0;
}

/* ====================================================================== plan <-> patterns */

int plan_to_patterns(sol_ctx *c, const sol_plan *plan)
{
    for (size_t n = 0; n < plan->nnodes; n++) {
        const sol_node *nd = &plan->nodes[n];
        pattern p = {.type = nd->type};
        if (nd->nshards) { /* part of a replica spanning nodes: one column, counted on its first part */
            const sol_shard *s0 = &nd->shards[0];
            size_t vi = c->vi_first[s0->dep] + s0->variant;
            uint32_t k = span_of(c, vi, nd->type);
            if (k > 1) {
                int first = 0;
                for (size_t s = 0; s < nd->nshards; s++)
                    first |= nd->shards[s].shard == 0;
                if (!first)
                    continue;
                pcopy one;
                memset(&one, -1, sizeof one);
                one.vi = (uint32_t)vi;
                p.ncopies = 1;
                p.copies = &one;
                p.nodes = k;
                if (ctx_add_pattern(c, &p) < 0)
                    return -1;
                continue;
            }
        }
        p.copies = calloc(nd->nshards + 1, sizeof *p.copies);
        if (!p.copies)
            return -1;
        for (size_t s = 0; s < nd->nshards; s++) {
            const sol_shard *sh = &nd->shards[s];
            uint32_t vi = (uint32_t)(c->vi_first[sh->dep] + sh->variant);
            /* one copy per replica: find it or start it */
            uint32_t k = 0;
            for (; k < p.ncopies; k++)
                if (p.copies[k].vi == vi && p.copies[k].gpu[31] == (int8_t)(sh->replica & 0x7f))
                    break;
            if (k == p.ncopies) {
                memset(&p.copies[k], -1, sizeof p.copies[k]);
                p.copies[k].vi = vi;
                p.copies[k].gpu[31] = (int8_t)(sh->replica & 0x7f);
                p.ncopies++;
            }
            p.copies[k].gpu[sh->shard] = (int8_t)sh->gpu;
        }
        for (uint32_t k = 0; k < p.ncopies; k++)
            if (c->vi[p.copies[k].vi].tp < 32)
                p.copies[k].gpu[31] = -1;
        int rc = ctx_add_pattern(c, &p);
        free(p.copies);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* ====================================================================== per node type */

/* How many copies of vitem k one node of type t can hold (0: none, not allowed, or too
 * large): anti-affinity allows one, then the replicas, then what fits in its memory. */
uint32_t node_bound(const sol_ctx *c, uint32_t t, size_t k)
{
    const vitem *v = &c->vi[k];
    const sol_deployment *d = &c->pb->deps[v->dep];
    const sol_node_type *nt = &c->pb->types[t];
    if (!sol_variant_allowed(d, &d->variants[v->variant], t))
        return 0;
    if (v->on_host ? v->w > c->hcap[t] || v->s > c->hcap[t] - v->w
                   : (v->tp > nt->gpus || v->tp > 32 || v->w > c->gcap[t] || v->h > c->hcap[t]))
        return 0;
    uint32_t b = d->anti_affinity > 0 && (uint32_t)d->anti_affinity < d->replicas ? (uint32_t)d->anti_affinity : d->replicas;
    uint64_t fit = v->on_host ? (c->hcap[t] - v->s) / v->w : (c->gcap[t] / v->w) * nt->gpus / v->tp;
    if (!v->on_host && v->h && c->hcap[t] / v->h < fit) /* a GPU process's host memory */
        fit = c->hcap[t] / v->h;
    return fit < b ? (uint32_t)fit : b;
}

/* ---------------------------------------------------------------- replicas that span nodes
 * A replica of g groups of tp GPUs on a type of G GPUs: a node holds floor(G / tp) groups; when
 * it needs k > 1 nodes, the replica takes k whole nodes, dedicated to it (docs/solver.md,
 * "Replicas that span nodes").  Its feasibility is checked in exact bytes (the nodes hold
 * nothing else): every GPU holds one shard, and each node's host memory the share of the
 * replica's host memory of the GPUs it holds, the fullest node's being the largest. */

uint32_t span_of(const sol_ctx *c, size_t k, uint32_t t)
{
    const vitem *v = &c->vi[k];
    const sol_deployment *d = &c->pb->deps[v->dep];
    const sol_variant *va = &d->variants[v->variant];
    const sol_node_type *nt = &c->pb->types[t];
    if (v->on_host || !sol_variant_allowed(d, va, t))
        return 0;
    uint32_t n = sol_span_nodes(va, nt);
    if (n <= 1 || va->shard_bytes > nt->gpu_bytes)
        return 0;
    uint32_t all = sol_variant_gpus(va), per = (nt->gpus / va->tp) * va->tp; /* GPUs on the fullest node */
    uint64_t host = va->host_bytes / all * per + ((va->host_bytes % all) * per + all - 1) / all;
    return host <= nt->host_bytes ? n : 0;
}

int ctx_add_span_columns(sol_ctx *c)
{
    for (size_t k = 0; k < c->nvi; k++) {
        const vitem *v = &c->vi[k];
        if (v->on_host || c->pb->deps[v->dep].variants[v->variant].max_nodes <= 1)
            continue; /* never spans: no type to look at */
        for (uint32_t t = 0; t < c->pb->ntypes; t++) {
            uint32_t n = span_of(c, k, t);
            if (n <= 1 || (c->pb->types[t].available >= 0 && (int64_t)n > c->pb->types[t].available))
                continue;
            pcopy one;
            memset(&one, -1, sizeof one);
            one.vi = (uint32_t)k;
            pattern p = {.type = t, .ncopies = 1, .copies = &one, .nodes = n};
            if (ctx_add_pattern(c, &p) < 0)
                return -1;
        }
    }
    return 0;
}

size_t span_layout(const sol_ctx *c, size_t k, uint32_t t, uint32_t q, uint32_t replica, sol_shard *out)
{
    const vitem *v = &c->vi[k];
    const sol_variant *va = &c->pb->deps[v->dep].variants[v->variant];
    uint32_t per = c->pb->types[t].gpus / va->tp, groups = va->groups > 1 ? va->groups : 1;
    size_t n = 0;
    for (uint32_t g = q * per; g < groups && g < (q + 1) * per; g++)
        for (uint32_t j = 0; j < va->tp; j++)
            out[n++] = (sol_shard){v->dep, replica, v->variant, g * va->tp + j, (int32_t)((g - q * per) * va->tp + j)};
    return n;
}

/* ---------------------------------------------------------------- limits: time and work
 * Every stopping decision of a solve asks two questions: how much of the limit is used
 * (ctx_used, a share: 0.6 = 60 %), and must it end now (ctx_over).  Without a work budget
 * both read the wall clock, as they always did.  With one (sol_problem.work_limit), both
 * read the work meter only, so the same problem stops at the same place on any machine,
 * under any load and in any thread; the clock is then read for one thing alone, the
 * runaway guard (time_limit_s, set much larger by the caller), and a solve it stops is
 * marked wall_limited.  The progress callback reads the clock too, but only to report. */

/* With a budget: has the wall-clock guard passed?  (Recorded: the answer is then marked.) */
static int ctx_guard_hit(const sol_ctx *c)
{
    if (c->meter->wall_hit)
        return 1;
    if (now_s() > c->t0 + c->pb->time_limit_s) {
        c->meter->wall_hit = 1;
        return 1;
    }
    return 0;
}

/* The share of the limit used so far: work over the budget, or seconds over the time limit
 * (past the guard: more than any share). */
double ctx_used(const sol_ctx *c)
{
    if (c->meter && c->meter->limit > 0)
        return ctx_guard_hit(c) ? 2.0 : c->meter->steps / c->meter->limit;
    return (now_s() - c->t0) / c->pb->time_limit_s;
}

/* The share of the limit by which the solve ends: 95 % of the time limit (the rest is left
 * for verifying and printing, so that a whole command keeps within its limit), the whole
 * work budget. */
double ctx_end_share(const sol_ctx *c)
{
    return c->meter && c->meter->limit > 0 ? 1.0 : 0.95;
}

/* The solve must end now: a signal, or past the deadline (or the work budget).  Checked
 * inside every loop whose length grows with the input (a knapsack over 10,000 items, the
 * node types of a round). */
int ctx_over(const sol_ctx *c)
{
    if (ctx_stopped(c))
        return 1;
    if (c->meter && c->meter->limit > 0)
        return c->meter->steps >= c->meter->limit || ctx_guard_hit(c);
    return c->deadline > 0 && now_s() > c->deadline;
}

/* ====================================================================== the objective */

double plan_obj(const sol_ctx *c, const sol_plan *p)
{
    double obj = 0;
    for (size_t n = 0; n < p->nnodes; n++)
        obj += c->obj[p->nodes[n].type];
    for (size_t u = 0; u < p->nunplaced; u++)
        obj += c->penalty[p->unplaced[u].dep] * p->unplaced[u].count;
    return obj;
}

/* Objective value -> natural units for the report. */

/* Report progress to the caller, at most twice a second. */
void tick(const sol_ctx *c, double t0, double *last, double best_obj, double lb_obj)
{
    if (!c->pb->progress)
        return;
    double t = now_s();
    if (t - *last < 0.5)
        return;
    *last = t;
    int cost_goal = c->pb->goal == SOL_GOAL_COST && c->node_unit != 1.0;
    double pen = penalty_part(c, best_obj); /* what the placed replicas cost, and their bound */
    double inc = primary_of(c, best_obj - pen), lb = lb_obj - pen > 0 ? primary_bound(c, lb_obj - pen) : 0;
    c->pb->progress(c->pb->progress_ctx, t - t0, cost_goal ? inc / c->cost_scale : inc, cost_goal ? lb / c->cost_scale : lb);
}

/* The primary objective (cost units for the cost goal, nodes for the nodes goal or when
 * every node is free) of an objective value in solver units. */
double primary_of(const sol_ctx *c, double z)
{
    return floor((z + 0.5) / c->node_unit);
}

/* A lower bound on the primary objective of any integer plan, from an LP bound z on the
 * combined objective: the secondary term is taken off, then the bound is rounded up to
 * a value plans can take (whole nodes; multiples of the costs' gcd). */
double primary_bound(const sol_ctx *c, double z)
{
    const sol_problem *pb = c->pb;
    if (c->node_unit == 1.0) /* all nodes free: objective = nodes */
        return ceil(z - 1e-6);
    if (pb->goal == SOL_GOAL_NODES) /* z <= K n + maxcost n */
        return ceil(z / (c->node_unit + c->max_m) - 1e-9);
    /* cost goal: z <= N P + nodes; nodes <= P / min_m when every node costs something */
    double raw = c->min_m > 0 ? z / (c->node_unit + 1.0 / c->min_m) : z / c->node_unit - 1.0;
    double g = c->gm > 0 ? c->gm : 1;
    /* less a relative slack: at a micro-dollar scale raw / g reaches 1e9, where 1e-9 is below
     * the division's rounding (a bound rounded down is still a bound) */
    double lb = ceil(raw / g - 1e-9 - 1e-12 * fabs(raw / g)) * g;
    return lb > 0 ? lb : 0;
}
