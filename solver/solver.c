/* solver.c: column generation over node patterns, with GLPK for the master LP and the
 * final integer program.  See docs/solver.md for the model and why it is exact. */
#include <glpk.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/atomic.h"
#include "solver_int.h"


/* ====================================================================== helpers */

static double now_s(void)
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

void pattern_free(pattern *p)
{
    if (p)
        free(p->copies);
}

static uint64_t mix64(uint64_t x)
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
    return mix64(s ^ mix64((uint64_t)p->type << 32 ^ p->ncopies));
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Same node type and the same multiset of items (placements may differ: either will do).
 * 1 same, 0 not, -1 out of memory (never read as "not the same": a caller must not act on it). */
static int pattern_same(const pattern *a, const pattern *b)
{
    if (a->type != b->type || a->ncopies != b->ncopies)
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

static void ctx_free(sol_ctx *c)
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

/* ====================================================================== setup */

#define MAX_UNITS 20000ULL

static int ctx_build(sol_ctx *c, const sol_problem *pb, fp_error *err)
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
            if (dp->variants[v].on_host && dp->variants[v].host_bytes)
                return fp_fail(err, NULL, 0, 0, "deployment '%s': a host variant has its size in shard_bytes, not host_bytes",
                               dp->name);
            if (dp->variants[v].on_host)
                gh = gcd64(gh, dp->variants[v].shard_bytes);
            else
                gg = gcd64(gg, dp->variants[v].shard_bytes);
            if (dp->variants[v].host_bytes) /* a GPU process's host memory: an item of host memory */
                gh = gcd64(gh, dp->variants[v].host_bytes);
        }
        total_shards += (uint64_t)dp->replicas * 32;
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
            c->vi[k++] = (vitem){(uint32_t)d, (uint32_t)v, va->on_host ? 1 : va->tp, va->on_host,
                                 (va->shard_bytes + u - 1) / u, (va->host_bytes + c->hunit - 1) / c->hunit};
        }
    }
    /* objective in integer units: milli-dollars per hour and nodes, lexicographic */
    double maxcost = 0;
    for (size_t t = 0; t < pb->ntypes; t++) {
        c->gcap[t] = pb->types[t].gpu_bytes / c->gunit;
        c->hcap[t] = pb->types[t].host_bytes / c->hunit;
        if (!(pb->types[t].cost >= 0) || pb->types[t].cost > 1e6)
            return fp_fail(err, NULL, 0, 0, "node type '%s' has an invalid cost", pb->types[t].name);
        double m = round(pb->types[t].cost * 1000.0);
        if (m > maxcost)
            maxcost = m;
    }
    double max_nodes = (double)total_shards + 1;
    c->gm = 0;
    c->min_m = -1;
    for (size_t t = 0; t < pb->ntypes; t++) {
        double m = round(pb->types[t].cost * 1000.0);
        c->gm = (double)gcd64((uint64_t)c->gm, (uint64_t)m);
        if (c->min_m < 0 || m < c->min_m)
            c->min_m = m;
    }
    c->max_m = maxcost;
    int all_free = maxcost == 0;
    if (pb->goal == SOL_GOAL_COST)
        c->node_unit = all_free ? 1.0 : max_nodes;
    else
        c->node_unit = maxcost * max_nodes + 1.0;
    for (size_t t = 0; t < pb->ntypes; t++) {
        double m = round(pb->types[t].cost * 1000.0);
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
    int minp = 0, maxp = 0;
    for (size_t d = 0; d < pb->ndeps; d++) {
        if (d == 0 || pb->deps[d].priority < minp)
            minp = pb->deps[d].priority;
        if (d == 0 || pb->deps[d].priority > maxp)
            maxp = pb->deps[d].priority;
    }
    for (size_t d = 0; d < pb->ndeps; d++) {
        int rank = pb->deps[d].priority - minp;
        if (rank > 20)
            rank = 20;
        c->penalty[d] = worst * (double)(1 << rank);
    }
    if (worst * (double)(1 << (maxp - minp > 20 ? 20 : maxp - minp)) > 4e15)
        return fp_fail(err, NULL, 0, 0, "problem too large for exact objective arithmetic (costs x nodes)");
    return 0;
}

/* ====================================================================== plan <-> patterns */

static int plan_to_patterns(sol_ctx *c, const sol_plan *plan)
{
    for (size_t n = 0; n < plan->nnodes; n++) {
        const sol_node *nd = &plan->nodes[n];
        pattern p = {.type = nd->type};
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

/* ====================================================================== pricing */

/* How many copies of vitem k one node of type t can hold (0: none, not allowed, or too
 * large): anti-affinity allows one, then the replicas, then what fits in its memory. */
static uint32_t node_bound(const sol_ctx *c, uint32_t t, size_t k)
{
    const vitem *v = &c->vi[k];
    const sol_deployment *d = &c->pb->deps[v->dep];
    const sol_node_type *nt = &c->pb->types[t];
    if (!sol_variant_allowed(d, &d->variants[v->variant], t))
        return 0;
    if (v->on_host ? v->w > c->hcap[t] : (v->tp > nt->gpus || v->w > c->gcap[t] || v->h > c->hcap[t]))
        return 0;
    uint32_t b = d->anti_affinity > 0 && (uint32_t)d->anti_affinity < d->replicas ? (uint32_t)d->anti_affinity : d->replicas;
    uint64_t fit = v->on_host ? c->hcap[t] / v->w : (c->gcap[t] / v->w) * nt->gpus / v->tp;
    if (!v->on_host && v->h && c->hcap[t] / v->h < fit) /* a GPU process's host memory */
        fit = c->hcap[t] / v->h;
    return fit < b ? (uint32_t)fit : b;
}



typedef struct pricer {
    const sol_ctx *c;
    uint32_t t;
    const double *pi;   /* per deployment */
    /* candidates for this type */
    size_t n;
    uint32_t *cand;     /* vitem indices */
    uint32_t *bound;    /* max copies of each candidate's deployment on one node */
    size_t nhost;       /* host items among the candidates (the depth-first search packs them
                           only where GPU processes take host memory too) */
    /* DFS state */
    uint64_t hfree;     /* host memory units left: host items and GPU processes share it */
    uint64_t *gfree;
    uint32_t *depcount;
    pcopy *cur, *best;
    uint32_t ncur, nbest;
    double best_val;
    long nodes_left;
    int exhausted;
    struct kcache *kc;  /* the round's knapsacks (may be NULL) */
    int oom;            /* 1: a knapsack could not allocate: its answer (0) is no answer, and
                           nothing computed from it may be taken as a price or a bound */
    int cut;            /* 1: a knapsack stopped for the time limit or a signal: no answer either */
    size_t maxcopies;   /* the most copies a pattern can hold (sum of the bounds) */
} pricer;

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
static double ctx_used(const sol_ctx *c)
{
    if (c->meter && c->meter->limit > 0)
        return ctx_guard_hit(c) ? 2.0 : c->meter->steps / c->meter->limit;
    return (now_s() - c->t0) / c->pb->time_limit_s;
}

/* The share of the limit by which the solve ends: 95 % of the time limit (the rest is left
 * for verifying and printing, so that a whole command keeps within its limit), the whole
 * work budget. */
static double ctx_end_share(const sol_ctx *c)
{
    return c->meter && c->meter->limit > 0 ? 1.0 : 0.95;
}

/* The solve must end now: a signal, or past the deadline (or the work budget).  Checked
 * inside every loop whose length grows with the input (a knapsack over 10,000 items, the
 * node types of a round). */
static int ctx_over(const sol_ctx *c)
{
    if (ctx_stopped(c))
        return 1;
    if (c->meter && c->meter->limit > 0)
        return c->meter->steps >= c->meter->limit || ctx_guard_hit(c);
    return c->deadline > 0 && now_s() > c->deadline;
}

static double density(const pricer *pr, uint32_t k)
{
    const vitem *v = &pr->c->vi[pr->cand[k]];
    return pr->pi[v->dep] / (double)(v->w * v->tp);
}

/* Fractional upper bound: fill the free capacity by density from candidate k on.  Host
 * items fill the free host memory on their own (their density is per host unit, and the
 * candidates of each kind are in density order); GPU processes' host memory is left out,
 * which only loosens the bound. */
static double frac_bound(const pricer *pr, size_t k, uint64_t free_units)
{
    double val = 0, left = (double)free_units, hleft = pr->nhost ? (double)pr->hfree : 0;
    for (; k < pr->n && (left > 0 || hleft > 0); k++) {
        const vitem *v = &pr->c->vi[pr->cand[k]];
        double *l = v->on_host ? &hleft : &left;
        if (*l <= 0)
            continue;
        uint32_t room = pr->bound[k] > pr->depcount[v->dep] ? pr->bound[k] - pr->depcount[v->dep] : 0;
        double size = (double)(v->w * v->tp);
        double take = fmin((double)room, *l / size);
        val += take * pr->pi[v->dep];
        *l -= take * size;
    }
    return val;
}

static void dfs(pricer *pr, size_t k, double val, uint64_t free_units);

static void place_shards(pricer *pr, size_t k, uint32_t shard, uint32_t left, double val, uint64_t free_units,
                         int mingpu);

/* Place `left` more copies of candidate k: its host memory first (a host item's size, a GPU
 * process's memory), then its shards over the GPUs; then go on. */
static void place_copy(pricer *pr, size_t k, uint32_t left, double val, uint64_t free_units)
{
    const vitem *v = &pr->c->vi[pr->cand[k]];
    uint64_t hn = vi_host(v);
    if (hn == 0) {
        place_shards(pr, k, 0, left, val, free_units, 0);
        return;
    }
    if (pr->hfree < hn)
        return;
    pr->hfree -= hn;
    place_shards(pr, k, v->on_host ? 1 : 0, left, val, free_units, 0); /* a host item has no shard on a GPU */
    pr->hfree += hn;
}

/* The shards of the copy being placed, from `shard` on, over the GPUs from mingpu on. */
static void place_shards(pricer *pr, size_t k, uint32_t shard, uint32_t left, double val, uint64_t free_units,
                         int mingpu)
{
    const vitem *v = &pr->c->vi[pr->cand[k]];
    uint32_t G = pr->c->pb->types[pr->t].gpus;
    if (pr->nodes_left-- <= 0 ||
        ((pr->nodes_left & 1023) == 0 && (ctx_work(pr->c, 1024 * SOL_W_DFS), ctx_over(pr->c)))) {
        pr->exhausted = 1;
        return;
    }
    if (shard == v->tp) { /* one copy complete */
        pr->depcount[v->dep]++;
        pr->ncur++;
        double nval = val + pr->pi[v->dep];
        if (nval > pr->best_val + 1e-9) {
            pr->best_val = nval;
            pr->nbest = pr->ncur;
            memcpy(pr->best, pr->cur, pr->ncur * sizeof *pr->cur);
        }
        if (left > 1 && pr->depcount[v->dep] < pr->bound[k]) {
            memset(&pr->cur[pr->ncur], -1, sizeof pr->cur[0]);
            pr->cur[pr->ncur].vi = pr->cand[k];
            place_copy(pr, k, left - 1, nval, free_units - vi_gpu(v));
        }
        dfs(pr, k + 1, nval, free_units - vi_gpu(v));
        pr->ncur--;
        pr->depcount[v->dep]--;
        return;
    }
    /* GPUs with the same free space are interchangeable when none of this copy's shards is on them:
     * try each distinct free value once */
    for (uint32_t g = (uint32_t)mingpu; g < G; g++) {
        if (pr->gfree[g] < v->w)
            continue;
        int dup = 0;
        for (uint32_t q = (uint32_t)mingpu; q < g && !dup; q++)
            if (pr->gfree[q] == pr->gfree[g])
                dup = 1;
        if (dup)
            continue;
        pr->gfree[g] -= v->w;
        pr->cur[pr->ncur].gpu[shard] = (int8_t)g;
        /* shards of one copy go on increasing GPU indices: distinct GPUs, no permutations */
        place_shards(pr, k, shard + 1, left, val, free_units, (int)g + 1);
        pr->gfree[g] += v->w;
        pr->cur[pr->ncur].gpu[shard] = -1;
        if (pr->exhausted)
            return;
    }
}

static void dfs(pricer *pr, size_t k, double val, uint64_t free_units)
{
    if (pr->exhausted || k >= pr->n)
        return;
    if (val + frac_bound(pr, k, free_units) <= pr->best_val + 1e-9)
        return;
    const vitem *v = &pr->c->vi[pr->cand[k]];
    if (pr->depcount[v->dep] < pr->bound[k] && vi_gpu(v) <= free_units && vi_host(v) <= pr->hfree) {
        memset(&pr->cur[pr->ncur], -1, sizeof pr->cur[0]);
        pr->cur[pr->ncur].vi = pr->cand[k];
        place_copy(pr, k, pr->bound[k] - pr->depcount[v->dep], val, free_units);
    }
    dfs(pr, k + 1, val, free_units);
}

/* One knapsack's answer, kept for the rest of the pricing round: node types with the same GPU
 * (or host) capacity ask for the same knapsack again, and so do the GPUs of one node when
 * the per-node bounds do not bind.  The key is the bin, the mode and every candidate with
 * its effective bound; the duals are the round's. */
typedef struct kentry {
    uint64_t cap;
    int mode;
    size_t n;
    uint32_t *key;    /* n pairs (vitem, bound) */
    double value;
    uint32_t nbest;
    pcopy *best;
} kentry;

typedef struct kcache {
    size_t n, cap;
    kentry *e;
} kcache;

static void kcache_clear(kcache *kc)
{
    for (size_t i = 0; i < kc->n; i++) {
        free(kc->e[i].key);
        free(kc->e[i].best);
    }
    kc->n = 0;
}

static void kcache_free(kcache *kc)
{
    kcache_clear(kc);
    free(kc->e);
    memset(kc, 0, sizeof *kc);
}

static int cmp_pair(const void *a, const void *b)
{
    const uint32_t *x = a, *y = b;
    return x[0] < y[0] ? -1 : (x[0] > y[0]);
}

/* Bounded knapsack by dynamic programming over capacity units, for one bin (a CPU
 * node's memory or a single-GPU node): exact.  Fills best/nbest; returns the value. */
/* mode: 1 host memory, host items (GPU processes' host memory is not seen: where they take
 * some, price() checks the pattern and searches both memories at once when it overcommits);
 * 0 one GPU, single-GPU items; 2 one GPU, relaxed: the shards of tensor-parallel items too,
 * each worth pi/tp (an upper bound per GPU, no pattern) */
static double knapsack(pricer *pr, uint64_t cap, int mode)
{
    int host = mode == 1, relaxed = mode == 2, solved = 0, stopped = 0;
    /* the candidates that can go in, with their bound in this one bin, in vitem order */
    size_t nkey = 0;
    uint32_t *key = malloc((pr->n + 1) * 2 * sizeof *key);
    size_t np = 0, capp = 64;
    uint32_t *pv = malloc(capp * sizeof *pv), *pc = malloc(capp * sizeof *pc);
    double best = 0;
    double *dp = NULL;
    unsigned char *take = NULL;
    pr->nbest = 0;
    if (!key || !pv || !pc)
        goto out;
    for (size_t k = 0; k < pr->n; k++) {
        const vitem *v = &pr->c->vi[pr->cand[k]];
        if (v->on_host != host || v->w > cap || (!host && v->tp != 1 && !relaxed) || pr->bound[k] == 0)
            continue;
        uint64_t fit = cap / v->w;
        key[2 * nkey] = pr->cand[k];
        key[2 * nkey + 1] = fit < pr->bound[k] ? (uint32_t)fit : pr->bound[k];
        nkey++;
    }
    if (nkey == 0) { /* nothing fits: the empty bin */
        free(key);
        free(pv);
        free(pc);
        return 0;
    }
    qsort(key, nkey, 2 * sizeof *key, cmp_pair);
    kcache *kc = pr->kc;
    if (kc)
        for (size_t i = 0; i < kc->n; i++) {
            const kentry *e = &kc->e[i];
            if (e->cap == cap && e->mode == mode && e->n == nkey && memcmp(e->key, key, 2 * nkey * sizeof *key) == 0) {
                memcpy(pr->best, e->best, e->nbest * sizeof *e->best);
                pr->nbest = e->nbest;
                free(key);
                free(pv);
                free(pc);
                return e->value;
            }
        }
    /* binary-split pieces */
    for (size_t q = 0; q < nkey; q++) {
        uint32_t b = key[2 * q + 1];
        for (uint32_t m = 1; b > 0; m *= 2) {
            uint32_t cnt = m < b ? m : b;
            if (np == capp) {
                capp *= 2;
                uint32_t *a1 = realloc(pv, capp * sizeof *pv), *a2 = a1 ? realloc(pc, capp * sizeof *pc) : NULL;
                if (a1)
                    pv = a1;
                if (!a1 || !a2)
                    goto out;
                pc = a2;
            }
            pv[np] = key[2 * q];
            pc[np] = cnt;
            np++;
            b -= cnt;
        }
    }
    dp = calloc(cap + 1, sizeof *dp);
    take = calloc((np + 1) * (cap + 1), 1);
    if (!dp || !take)
        goto out;
    for (size_t i = 0; i < np; i++) {
        /* one row costs cap steps: thousands of items are seconds, so the clock is read here */
        ctx_work(pr->c, (double)(cap + 1) * SOL_W_CELL);
        if ((i & 7) == 7 && ctx_over(pr->c)) {
            stopped = 1;
            goto out;
        }
        const vitem *v = &pr->c->vi[pv[i]];
        uint64_t w = v->w * pc[i];
        double val = pr->pi[v->dep] / (relaxed ? (double)v->tp : 1.0) * pc[i];
        if (w > cap || val <= 0)
            continue;
        for (uint64_t x = cap; x >= w; x--) {
            if (dp[x - w] + val > dp[x] + 1e-12) {
                dp[x] = dp[x - w] + val;
                take[i * (cap + 1) + x] = 1;
            }
            if (x == w)
                break;
        }
    }
    best = dp[cap];
    solved = 1; /* from here a failure only loses the cache entry */
    /* reconstruct */
    uint64_t x = cap;
    for (size_t i = np; i-- > 0;) {
        if (!take[i * (cap + 1) + x])
            continue;
        const vitem *v = &pr->c->vi[pv[i]];
        for (uint32_t q = 0; q < pc[i]; q++) {
            memset(&pr->best[pr->nbest], -1, sizeof pr->best[0]);
            pr->best[pr->nbest].vi = pv[i];
            if (!host)
                pr->best[pr->nbest].gpu[0] = 0;
            pr->nbest++;
        }
        x -= v->w * pc[i];
    }
    if (kc) {
        if (kc->n == kc->cap) {
            size_t ncap = kc->cap ? kc->cap * 2 : 32;
            kentry *ne = realloc(kc->e, ncap * sizeof *ne);
            if (!ne)
                goto out;
            kc->e = ne;
            kc->cap = ncap;
        }
        kentry *e = &kc->e[kc->n];
        e->best = malloc((pr->nbest + 1) * sizeof *e->best);
        if (!e->best)
            goto out;
        memcpy(e->best, pr->best, pr->nbest * sizeof *e->best);
        e->nbest = pr->nbest;
        e->cap = cap;
        e->mode = mode;
        e->n = nkey;
        e->key = key;
        e->value = best;
        key = NULL;
        kc->n++;
    }
out:
    if (!solved && stopped) /* stopped before an answer: the caller must not read 0 as one */
        pr->cut = 1;
    else if (!solved) /* out of memory before an answer: likewise */
        pr->oom = 1;
    free(key);
    free(pv);
    free(pc);
    free(dp);
    free(take);
    return best;
}


static double dp_value(size_t n, const uint64_t *w, const double *val, const uint32_t *bnd, uint64_t cap, double *dp);
/* The pricer's arrays for its type: the candidates (vitems with a positive dual and room on
 * one node; gpu_only leaves host vitems out), their per-node bounds and scratch space.
 * -1 out of memory (pricer_free releases what was allocated). */
static int pricer_init(pricer *pr, int gpu_only)
{
    const sol_ctx *c = pr->c;
    const sol_problem *pb = c->pb;
    pr->cand = malloc((c->nvi + 1) * sizeof *pr->cand);
    pr->bound = malloc((c->nvi + 1) * sizeof *pr->bound);
    pr->depcount = calloc(pb->ndeps + 1, sizeof *pr->depcount);
    pr->gfree = malloc((pb->types[pr->t].gpus + 1) * sizeof *pr->gfree);
    if (!pr->cand || !pr->bound || !pr->depcount || !pr->gfree)
        return -1;
    pr->maxcopies = 0;
    for (size_t k = 0; k < c->nvi; k++) {
        uint32_t b = (!gpu_only || !c->vi[k].on_host) && pr->pi[c->vi[k].dep] > 1e-12 ? node_bound(c, pr->t, k) : 0;
        if (b == 0)
            continue;
        pr->cand[pr->n] = (uint32_t)k;
        pr->bound[pr->n] = b;
        pr->n++;
        pr->nhost += c->vi[k].on_host;
        pr->maxcopies += b;
    }
    pr->hfree = c->hcap[pr->t];
    pr->cur = malloc((pr->maxcopies + 1) * sizeof *pr->cur);
    pr->best = malloc((pr->maxcopies + 1) * sizeof *pr->best);
    return pr->cur && pr->best ? 0 : -1;
}

static void pricer_free(pricer *pr)
{
    free(pr->cand);
    free(pr->bound);
    free(pr->depcount);
    free(pr->gfree);
    free(pr->cur);
    free(pr->best);
}

/* candidates by density, highest first, for the fractional bound of the depth-first search */
static void pricer_sort(pricer *pr)
{
    for (size_t i = 1; i < pr->n; i++)
        for (size_t j = i; j > 0 && density(pr, (uint32_t)j) > density(pr, (uint32_t)(j - 1)); j--) {
            uint32_t a = pr->cand[j], bb = pr->bound[j];
            pr->cand[j] = pr->cand[j - 1];
            pr->bound[j] = pr->bound[j - 1];
            pr->cand[j - 1] = a;
            pr->bound[j - 1] = bb;
        }
}


/* An upper bound on a G-GPU node's pattern value: its GPUs as one bin of G x cap units,
 * counted in units G times coarser (sizes rounded down), whole copies with their per-node
 * bounds.  -1 out of memory. */
static double whole_node_ub(const pricer *pr, uint32_t G, uint64_t cap)
{
    uint64_t *w = malloc((pr->n + 1) * sizeof *w);
    double *val = malloc((pr->n + 1) * sizeof *val), *dp = malloc((cap + 1) * sizeof *dp), out = -1;
    uint32_t *bnd = malloc((pr->n + 1) * sizeof *bnd);
    if (w && val && dp && bnd) {
        for (size_t k = 0; k < pr->n; k++) {
            const vitem *v = &pr->c->vi[pr->cand[k]];
            w[k] = v->w * v->tp / G;
            val[k] = pr->pi[v->dep];
            bnd[k] = pr->bound[k];
        }
        out = dp_value(pr->n, w, val, bnd, cap, dp);
    }
    free(w);
    free(val);
    free(dp);
    free(bnd);
    return out;
}

/* An upper bound on a pattern's value from host memory alone: host items by their size,
 * GPU items by their process memory (those that take none limited by their per-node bounds
 * only), every candidate of pr.  -1 out of memory. */
static double host_only_ub(const pricer *pr)
{
    uint64_t cap = pr->c->hcap[pr->t];
    uint64_t *w = malloc((pr->n + 1) * sizeof *w);
    double *val = malloc((pr->n + 1) * sizeof *val), *dp = malloc((cap + 1) * sizeof *dp), out = -1;
    if (w && val && dp) {
        for (size_t k = 0; k < pr->n; k++) {
            w[k] = vi_host(&pr->c->vi[pr->cand[k]]);
            val[k] = pr->pi[pr->c->vi[pr->cand[k]].dep];
        }
        out = dp_value(pr->n, w, val, pr->bound, cap, dp);
    }
    free(w);
    free(val);
    free(dp);
    return out;
}

/* Type t's best pattern with host items and GPU processes' host memory packed together: one
 * depth-first search over every candidate, in both memories at once, within the budget.
 * Replaces p's copies with the best pattern found and its value in *value.  Returns 1 when
 * the search was complete (p is optimal), 0 cut short, -1 out of memory. */
static int price_joint(const sol_ctx *c, uint32_t t, const double *pi, long budget, pattern *p, double *value)
{
    const sol_node_type *nt = &c->pb->types[t];
    pricer pr = {.c = c, .t = t, .pi = pi};
    int rc = -1;
    if (pricer_init(&pr, 0) != 0)
        goto out;
    pricer_sort(&pr);
    for (uint32_t g = 0; g < nt->gpus; g++)
        pr.gfree[g] = c->gcap[t];
    pr.nodes_left = budget;
    pr.best_val = 0;
    pr.nbest = 0;
    dfs(&pr, 0, 0, c->gcap[t] * nt->gpus);
    pcopy *copies = malloc((pr.nbest + 1) * sizeof *copies);
    if (!copies)
        goto out;
    memcpy(copies, pr.best, pr.nbest * sizeof *copies);
    free(p->copies);
    p->copies = copies;
    p->ncopies = pr.nbest;
    *value = pr.nbest ? pr.best_val : 0;
    rc = !pr.exhausted;
out:
    pricer_free(&pr);
    return rc;
}

/* Best pattern of type t under duals pi.  Returns its value (sum of pi), fills *p
 * (caller frees p->copies); *exact = 0 when the search was cut short (then the
 * returned value is an upper bound, not attained by *p); *exact = -1 out of memory (no
 * answer: the value, 1e300, bounds nothing useful, and the round that asked is not complete);
 * *exact = -2 stopped (the deadline passed or a signal came): no answer either. */
static double price(const sol_ctx *c, uint32_t t, const double *pi, pattern *p, int *exact, long budget,
                    struct kcache *kc, double need)
{
    const sol_problem *pb = c->pb;
    const sol_node_type *nt = &pb->types[t];
    pricer pr = {.c = c, .t = t, .pi = pi, .kc = kc};
    double value = 0;
    *exact = 1;
    p->type = t;
    p->ncopies = 0;
    p->copies = NULL;
    if (pricer_init(&pr, 0) != 0) {
        *exact = -1;
        value = 1e300;
        goto out;
    }
    /* GPU processes that take host memory tie the two memories together: the parts below,
     * priced apart, are then a relaxation (and their pattern may not fit the host) */
    int joint = 0;
    for (size_t i = 0; i < pr.n; i++)
        joint |= c->vi[pr.cand[i]].h > 0;
    /* and then host memory alone bounds a pattern's value too (every candidate by its host use) */
    double hub = joint ? host_only_ub(&pr) : INFINITY;
    if (hub < 0) {
        *exact = -1;
        value = 1e300;
        goto out;
    }
    /* host part: a knapsack over host memory */
    double hv = knapsack(&pr, c->hcap[t], 1);
    pattern hostp = {.type = t, .ncopies = pr.nbest};
    hostp.copies = malloc((pr.nbest + 1) * sizeof *hostp.copies);
    if (!hostp.copies) {
        *exact = -1;
        value = 1e300;
        goto out;
    }
    memcpy(hostp.copies, pr.best, pr.nbest * sizeof *pr.best);
    /* GPU part */
    double gv = 0;
    pr.nbest = 0;
    if (nt->gpus == 1) {
        gv = knapsack(&pr, c->gcap[t], 0);
    } else if (nt->gpus > 1) {
        pricer_sort(&pr);
        /* only GPU candidates take part */
        size_t m = 0;
        for (size_t i = 0; i < pr.n; i++)
            if (!c->vi[pr.cand[i]].on_host) {
                pr.cand[m] = pr.cand[i];
                pr.bound[m] = pr.bound[i];
                m++;
            }
        pr.n = m;
        pr.nhost = 0;
        /* an upper bound: every GPU packed on its own, tensor-parallel shards worth pi/tp each */
        double ub = (double)nt->gpus * knapsack(&pr, c->gcap[t], 2);
        if (hv + ub > need) {
            /* and the node as one bin, which sees the per-node bounds (anti-affinity): whole
             * copies in units G times coarser, sizes rounded down (a relaxation, as cheap as
             * one GPU's knapsack) */
            double whole_ub = whole_node_ub(&pr, nt->gpus, c->gcap[t]);
            if (whole_ub < 0) {
                free(hostp.copies);
                *exact = -1;
                value = 1e300;
                goto out;
            }
            if (whole_ub < ub)
                ub = whole_ub;
        }
        if (pr.oom || pr.cut) { /* a knapsack gave no answer: neither ub nor hv is a bound */
            free(hostp.copies);
            *exact = pr.oom ? -1 : -2;
            value = 1e300;
            goto out;
        }
        if (fmin(hv + ub, hub) <= need) {
            /* no pattern of this type is worth more than `need` (it cannot price out): the bound
             * is the value, exactly enough for the caller's proof, and no pattern is searched */
            free(hostp.copies);
            value = fmin(hv + ub, hub);
            goto out;
        }
        /* a feasible pattern, GPU by GPU: a knapsack over the single-GPU items still allowed */
        int has_tp = 0;
        for (size_t i = 0; i < pr.n; i++)
            has_tp |= c->vi[pr.cand[i]].tp > 1;
        uint32_t *saved = malloc((pr.n + 1) * sizeof *saved);
        pcopy *seq = malloc((pr.maxcopies + 1) * sizeof *seq);
        uint32_t nseq = 0;
        double sv = 0;
        if (!saved || !seq) {
            free(saved);
            free(seq);
            *exact = -1;
            value = 1e300;
            free(hostp.copies);
            goto out;
        }
        memcpy(saved, pr.bound, pr.n * sizeof *saved);
        memset(pr.depcount, 0, (pb->ndeps + 1) * sizeof *pr.depcount);
        for (uint32_t g = 0; g < nt->gpus; g++) {
            for (size_t i = 0; i < pr.n; i++) {
                uint32_t used = pr.depcount[c->vi[pr.cand[i]].dep];
                pr.bound[i] = saved[i] > used ? saved[i] - used : 0;
            }
            pr.nbest = 0;
            if (knapsack(&pr, c->gcap[t], 0) <= 0 || pr.nbest == 0)
                break;
            for (uint32_t q = 0; q < pr.nbest && nseq < pr.maxcopies; q++) {
                seq[nseq] = pr.best[q];
                seq[nseq].gpu[0] = (int8_t)g;
                pr.depcount[c->vi[seq[nseq].vi].dep]++;
                sv += pi[c->vi[seq[nseq].vi].dep];
                nseq++;
            }
        }
        memcpy(pr.bound, saved, pr.n * sizeof *saved);
        free(saved);
        int done = sv >= ub - 1e-9 * fmax(1.0, ub);
        if (!done && has_tp) {
            /* tensor-parallel items: the exact search, within its budget */
            for (uint32_t g = 0; g < nt->gpus; g++)
                pr.gfree[g] = c->gcap[t];
            memset(pr.depcount, 0, (pb->ndeps + 1) * sizeof *pr.depcount);
            pr.best_val = sv;
            pr.nbest = 0;
            pr.nodes_left = budget;
            dfs(&pr, 0, 0, c->gcap[t] * nt->gpus);
            if (!pr.exhausted)
                done = 1; /* the search was complete: its best (or the sequential one) is optimal */
            if (pr.nbest && pr.best_val > sv) {
                sv = pr.best_val;
                memcpy(seq, pr.best, pr.nbest * sizeof *seq);
                nseq = pr.nbest;
            }
        }
        memcpy(pr.best, seq, nseq * sizeof *seq);
        pr.nbest = nseq;
        free(seq);
        gv = done ? sv : ub;
        if (!done)
            *exact = 0;
    }
    if (pr.oom || pr.cut) { /* a knapsack gave no answer (the host part, one GPU, or a GPU of the sequence) */
        free(hostp.copies);
        *exact = pr.oom ? -1 : -2;
        value = 1e300;
        goto out;
    }
    value = hv + gv;
    p->copies = malloc((hostp.ncopies + pr.nbest + 1) * sizeof *p->copies);
    if (!p->copies) {
        free(hostp.copies);
        *exact = -1;
        value = 1e300;
        goto out;
    }
    memcpy(p->copies, hostp.copies, hostp.ncopies * sizeof *p->copies);
    memcpy(p->copies + hostp.ncopies, pr.best, pr.nbest * sizeof *p->copies);
    p->ncopies = hostp.ncopies + pr.nbest;
    free(hostp.copies);
    if (joint) {
        uint64_t hused = 0;
        for (uint32_t i = 0; i < p->ncopies; i++)
            hused += vi_host(&c->vi[p->copies[i].vi]);
        if (hused > c->hcap[t]) {
            /* the parts' best patterns overcommit the host together: search both memories at once.
             * The parts' value stays an upper bound (every real pattern splits into a host part and
             * a GPU part); so is the host memory alone; the search, when complete, is exact */
            double jv;
            int jr = price_joint(c, t, pi, budget, p, &jv);
            if (jr < 0) {
                *exact = -1;
                value = 1e300;
                goto out;
            }
            if (jr == 1) {
                *exact = 1;
                value = jv;
            } else {
                *exact = 0;
                if (value < jv) /* the search's pattern is real: its value is attained */
                    value = jv;
            }
        }
        if (!*exact && hub < value)
            value = fmax(hub, 0);
    }
out:
    pricer_free(&pr);
    return value;
}

/* ====================================================================== enumeration
 * When a problem is small enough, every maximal pattern of every node type is listed;
 * the integer program over all of them is then the exact model, and GLPK's branch and
 * bound proves optimality on its own. */

typedef struct enumer {
    sol_ctx *c;
    uint32_t t;
    size_t n;
    uint32_t *cand, *bound;
    uint64_t *gfree, hfree;
    uint32_t *depcount;
    pcopy *cur;
    uint32_t ncur;
    long budget;
    size_t limit;
    int failed; /* 1: over budget or limit; -1: out of memory */
} enumer;

/* the enumeration works in exact bytes: its patterns are every real pattern, so the integer
 * program over them is the problem itself, whatever the units of the knapsacks */
static uint64_t vbytes(const sol_ctx *c, uint32_t vi)
{
    const vitem *v = &c->vi[vi];
    return c->pb->deps[v->dep].variants[v->variant].shard_bytes;
}

/* a GPU replica's own host memory in bytes (0 for host items: their size is vbytes) */
static uint64_t vhost_bytes(const sol_ctx *c, uint32_t vi)
{
    const vitem *v = &c->vi[vi];
    return c->pb->deps[v->dep].variants[v->variant].host_bytes;
}

static int copy_fits(const enumer *e, uint32_t k)
{
    const vitem *v = &e->c->vi[e->cand[k]];
    uint64_t w = vbytes(e->c, e->cand[k]);
    if (e->depcount[v->dep] >= e->bound[k])
        return 0;
    if (v->on_host)
        return e->hfree >= w;
    if (e->hfree < vhost_bytes(e->c, e->cand[k]))
        return 0;
    uint32_t G = e->c->pb->types[e->t].gpus, room = 0;
    for (uint32_t g = 0; g < G; g++)
        room += e->gfree[g] >= w;
    return room >= v->tp;
}

static void enum_rec(enumer *e, size_t k);

static void enum_copy(enumer *e, size_t k, uint32_t shard, uint32_t from)
{
    const vitem *v = &e->c->vi[e->cand[k]];
    if (e->failed || e->budget-- <= 0 || ((e->budget & 1023) == 0 && (ctx_work(e->c, 1024 * SOL_W_DFS), ctx_stopped(e->c)))) {
        if (!e->failed)
            e->failed = 1;
        return;
    }
    if (shard == (v->on_host ? 1 : v->tp)) {
        e->depcount[v->dep]++;
        e->ncur++;
        enum_rec(e, k); /* more copies of k, or move on */
        e->ncur--;
        e->depcount[v->dep]--;
        return;
    }
    uint64_t w = vbytes(e->c, e->cand[k]);
    if (v->on_host) {
        e->hfree -= w;
        e->cur[e->ncur].gpu[0] = -1;
        enum_copy(e, k, 1, 0);
        e->hfree += w;
        return;
    }
    uint32_t G = e->c->pb->types[e->t].gpus;
    for (uint32_t g = from; g < G; g++) {
        if (e->gfree[g] < w)
            continue;
        int dup = 0;
        for (uint32_t q = from; q < g && !dup; q++)
            dup = e->gfree[q] == e->gfree[g];
        if (dup)
            continue;
        e->gfree[g] -= w;
        e->cur[e->ncur].gpu[shard] = (int8_t)g;
        enum_copy(e, k, shard + 1, g + 1);
        e->gfree[g] += w;
        if (e->failed)
            return;
    }
}

static void enum_rec(enumer *e, size_t k)
{
    if (e->failed)
        return;
    if (k == e->n) {
        if (e->ncur == 0)
            return;
        for (uint32_t q = 0; q < e->n; q++)
            if (copy_fits(e, q))
                return; /* not maximal: a larger pattern is listed elsewhere */
        pattern p = {.type = e->t, .ncopies = e->ncur, .copies = e->cur};
        int a = ctx_add_pattern(e->c, &p);
        if (a < 0)
            e->failed = -1;
        else if (e->c->npat > e->limit)
            e->failed = 1;
        return;
    }
    if (copy_fits(e, (uint32_t)k)) {
        uint64_t hb = vhost_bytes(e->c, e->cand[k]); /* a GPU process's host memory */
        memset(&e->cur[e->ncur], -1, sizeof e->cur[0]);
        e->cur[e->ncur].vi = e->cand[k];
        e->hfree -= hb;
        enum_copy(e, k, 0, 0);
        e->hfree += hb;
    }
    enum_rec(e, k + 1);
}

/* List every maximal pattern of type t.  Returns 1 when complete, 0 when the budget or
 * the limit ran out, -1 when out of memory. */
static int enum_type(sol_ctx *c, uint32_t t, long budget, size_t limit)
{
    const sol_problem *pb = c->pb;
    const sol_node_type *nt = &pb->types[t];
    enumer e = {.c = c, .t = t, .budget = budget, .limit = limit, .hfree = nt->host_bytes};
    e.cand = malloc((c->nvi + 1) * sizeof *e.cand);
    e.bound = malloc((c->nvi + 1) * sizeof *e.bound);
    e.gfree = malloc((nt->gpus + 1) * sizeof *e.gfree);
    e.depcount = calloc(pb->ndeps + 1, sizeof *e.depcount);
    size_t maxcopies = 0;
    int rc = -1;
    if (!e.cand || !e.bound || !e.gfree || !e.depcount)
        goto out;
    for (size_t k = 0; k < c->nvi; k++) {
        const vitem *v = &c->vi[k];
        const sol_deployment *d = &pb->deps[v->dep];
        uint64_t w = vbytes(c, (uint32_t)k), hb = vhost_bytes(c, (uint32_t)k);
        if (!sol_variant_allowed(d, &d->variants[v->variant], t) ||
            (v->on_host ? w > nt->host_bytes : (v->tp > nt->gpus || w > nt->gpu_bytes || hb > nt->host_bytes)))
            continue;
        uint64_t fit = v->on_host ? nt->host_bytes / w : (nt->gpu_bytes / w) * nt->gpus / v->tp;
        if (hb && nt->host_bytes / hb < fit)
            fit = nt->host_bytes / hb;
        uint32_t b = d->anti_affinity > 0 && (uint32_t)d->anti_affinity < d->replicas ? (uint32_t)d->anti_affinity
                                                                                    : d->replicas;
        if (fit < b)
            b = (uint32_t)fit;
        if (b == 0)
            continue;
        e.cand[e.n] = (uint32_t)k;
        e.bound[e.n] = b;
        e.n++;
        maxcopies += b;
    }
    e.cur = malloc((maxcopies + 1) * sizeof *e.cur);
    if (!e.cur)
        goto out;
    for (uint32_t g = 0; g < nt->gpus; g++)
        e.gfree[g] = nt->gpu_bytes;
    enum_rec(&e, 0);
    rc = e.failed < 0 ? -1 : e.failed ? 0 : 1;
out:
    free(e.cand);
    free(e.bound);
    free(e.gfree);
    free(e.depcount);
    free(e.cur);
    return rc;
}

/* ====================================================================== GLPK */

typedef struct glpk_guard {
    jmp_buf jb;
} glpk_guard;

/* GLPK's terminal output, swallowed (its error texts too: fedplan reports errors itself) */
static int glpk_quiet(void *info, const char *s)
{
    (void)info;
    (void)s;
    return 1;
}

static void glpk_hook(void *info)
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

typedef struct mip_cb {
    const double *x;    /* incumbent to inject, 1-based */
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

static double primary_of(const sol_ctx *c, double z);
static void tick(const sol_ctx *c, double t0, double *last, double best_obj, double lb_obj);

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
            glp_ios_heur_sol(tree, cb->x);
        }
        break;
    case GLP_ISELECT: {
        if (cb->work_stop > 0) { /* one node's work; the budget ends the search, not the clock */
            int it = glp_get_it_cnt(glp_ios_get_prob(tree));
            ctx_work(cb->c, cb->node_steps + (double)(it > cb->it_last ? it - cb->it_last : 0) * cb->iter_steps);
            cb->it_last = it;
            if (cb->c->meter->steps >= cb->work_stop) {
                glp_ios_terminate(tree);
                return;
            }
        }
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

/* ====================================================================== solve */

/* Turn a chosen multiset of patterns into a plan: drop surplus replicas, number
 * replicas, drop emptied nodes. */
static int patterns_to_plan(const sol_ctx *c, const size_t *pat, size_t npat, sol_plan *out)
{
    const sol_problem *pb = c->pb;
    memset(out, 0, sizeof *out);
    uint32_t *next = calloc(pb->ndeps + 1, sizeof *next);
    out->nodes = calloc(npat + 1, sizeof *out->nodes);
    out->unplaced = calloc(pb->ndeps + 1, sizeof *out->unplaced);
    if (!next || !out->nodes || !out->unplaced) {
        free(next);
        sol_plan_free(out);
        return -1;
    }
    for (size_t i = 0; i < npat; i++) {
        const pattern *p = &c->pats[pat[i]];
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

static double plan_obj(const sol_ctx *c, const sol_plan *p)
{
    double obj = 0;
    for (size_t n = 0; n < p->nnodes; n++)
        obj += c->obj[p->nodes[n].type];
    for (size_t u = 0; u < p->nunplaced; u++)
        obj += c->penalty[p->unplaced[u].dep] * p->unplaced[u].count;
    return obj;
}

/* The plan the pattern columns' values give, kept when it beats the best so far. */
/* LP rounding with repair: the patterns the LP uses, each rounded down, then the replicas
 * left over placed by the greedy on new nodes (what availability leaves).  One pass, no
 * search: the primal heuristic for problems too large to dive in the time given. */
static int floor_and_repair(const sol_ctx *c, glp_prob *lp, sol_plan *best, volatile double *best_obj)
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

static int keep_if_better(const sol_ctx *c, glp_prob *lp, int mip, sol_plan *best, volatile double *best_obj)
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

/* Objective value -> natural units for the report. */
static double primary_of(const sol_ctx *c, double z);
static double primary_bound(const sol_ctx *c, double z);
static double penalty_part(const sol_ctx *c, double z);

/* Report progress to the caller, at most twice a second. */
static void tick(const sol_ctx *c, double t0, double *last, double best_obj, double lb_obj)
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
    c->pb->progress(c->pb->progress_ctx, t - t0, cost_goal ? inc / 1000.0 : inc, cost_goal ? lb / 1000.0 : lb);
}

/* The primary objective (milli-dollars for the cost goal, nodes for the nodes goal or
 * when every node is free) of an objective value in solver units. */
static double primary_of(const sol_ctx *c, double z)
{
    return floor((z + 0.5) / c->node_unit);
}

/* A lower bound on the primary objective of any integer plan, from an LP bound z on the
 * combined objective: the secondary term is taken off, then the bound is rounded up to
 * a value plans can take (whole nodes; multiples of the costs' gcd). */
static double primary_bound(const sol_ctx *c, double z)
{
    const sol_problem *pb = c->pb;
    if (c->node_unit == 1.0) /* all nodes free: objective = nodes */
        return ceil(z - 1e-6);
    if (pb->goal == SOL_GOAL_NODES) /* z <= K n + maxcost n */
        return ceil(z / (c->node_unit + c->max_m) - 1e-9);
    /* cost goal: z <= N P + nodes; nodes <= P / min_m when every node costs something */
    double raw = c->min_m > 0 ? z / (c->node_unit + 1.0 / c->min_m) : z / c->node_unit - 1.0;
    double g = c->gm > 0 ? c->gm : 1;
    double lb = ceil(raw / g - 1e-9) * g;
    return lb > 0 ? lb : 0;
}

/* The search can stop: the incumbent is proven optimal, or within the accepted gap, by a
 * bound that holds for the problem (the model's bound is checked first: it is cheap). */
static int enough(const sol_ctx *c, double lb, double prim)
{
    return lb >= prim || (c->pb->gap_limit > 0 && prim > 0 && (prim - lb) / prim <= c->pb->gap_limit);
}

struct vbound;
static double valid_bound(const sol_ctx *c, struct vbound *vb, double lb_obj, int force);

/* A bound lb on every plan's objective proves a plan of penalty pen and primary objective
 * prim good enough when no plan leaves out less (lb >= pen, see report_bound) and the
 * placed part is within the accepted gap. */
static int proves(const sol_ctx *c, double lb, double pen, double prim)
{
    return lb - pen >= -0.5 && enough(c, lb - pen > 0 ? primary_bound(c, lb - pen) : 0, prim);
}

static int good_enough(const sol_ctx *c, struct vbound *vb, double lb_obj, double best_obj)
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
static double penalty_part(const sol_ctx *c, double z)
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
static int report_bound(const sol_ctx *c, double lb_obj, double vol_placed, sol_plan *plan, double obj, double pen)
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
    plan->bound = cost_goal ? lb / 1000.0 : lb;
    if (lb >= prim) /* met: the bound is the plan's own value (costs are rounded to milli-dollars) */
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

/* value-only bounded knapsack, weights in any unit, dp with cap + 1 cells */
static double dp_value(size_t n, const uint64_t *w, const double *val, const uint32_t *bnd, uint64_t cap, double *dp)
{
    double free_val = 0;
    memset(dp, 0, (cap + 1) * sizeof *dp);
    for (size_t i = 0; i < n; i++) {
        if (!(val[i] > 0) || bnd[i] == 0)
            continue;
        if (w[i] == 0) { /* rounds down to nothing: only its bound limits it */
            free_val += val[i] * bnd[i];
            continue;
        }
        uint64_t b = cap / w[i] < bnd[i] ? cap / w[i] : bnd[i];
        for (uint64_t m = 1; b > 0; m *= 2) {
            uint64_t q = m < b ? m : b, W = w[i] * q;
            double V = val[i] * (double)q;
            for (uint64_t x = cap; x >= W; x--) {
                if (dp[x - W] + V > dp[x])
                    dp[x] = dp[x - W] + V;
                if (x == W)
                    break;
            }
            b -= q;
        }
    }
    return dp[cap] + free_val;
}

/* Farley's (1990) bound: duals (rows 1..: deployments, then availability rows) scaled down
 * by theta are feasible for the LP's dual when no pattern is worth more than theta times its
 * cost; the slack columns' upper bounds get sigma = max(0, pi/theta - penalty). */
static double farley(const sol_ctx *c, const double *duals, const int *avail_row, double theta)
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

/* The best GPU pattern of type t in exact bytes (ctx b has its sizes in bytes), by the
 * pricing's depth-first search; *complete = 0 when the budget ran out (then the value is
 * only what was found).  -1 out of memory. */
static double exact_gpu_value(const sol_ctx *b, uint32_t t, const double *pi, long budget, int *complete,
                              pattern *found)
{
    const sol_problem *pb = b->pb;
    const sol_node_type *nt = &pb->types[t];
    pricer pr = {.c = b, .t = t, .pi = pi};
    double out = -1;
    *complete = 0;
    if (pricer_init(&pr, 1) != 0)
        goto out;
    pricer_sort(&pr);
    for (uint32_t g = 0; g < nt->gpus; g++)
        pr.gfree[g] = b->gcap[t];
    pr.nodes_left = budget;
    if (nt->gpus)
        dfs(&pr, 0, 0, b->gcap[t] * nt->gpus);
    *complete = !pr.exhausted;
    out = pr.best_val;
    if (found && pr.nbest) { /* the best pattern (real: its sizes are bytes) */
        found->type = t;
        found->copies = malloc(pr.nbest * sizeof *found->copies);
        if (!found->copies) {
            out = -1;
            goto out;
        }
        memcpy(found->copies, pr.best, pr.nbest * sizeof *pr.best);
        found->ncopies = pr.nbest;
    }
out:
    pricer_free(&pr);
    return out;
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
static double relaxed_bound(const sol_ctx *c, const double *duals, const int *avail_row, sol_ctx *add_to, int *added,
                            long budget)
{
    double types_term;
    double theta = relaxed_theta(c, duals, avail_row, add_to, added, budget, &types_term);
    if (theta <= 0)
        return theta;
    return fmax(farley(c, duals, avail_row, theta), lagrangian(c, duals, avail_row, types_term));
}

/* The bound that holds for the problem itself: the model's when its sizes are exact, else
 * the relaxation's, from the duals behind the model's best bound (recomputed at most every
 * 5 % of the time limit, or when forced; every value computed is valid, the best is kept). */
typedef struct vbound {
    const int *avail_row;
    double *duals;
    int have, stale;
    double value, last; /* last: the share of the limit used when it was computed */
    double best_lagr; /* the model's best bound from duals (behind vb.duals) */
} vbound;

static double valid_bound(const sol_ctx *c, vbound *vb, double lb_obj, int force)
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

/* The volume bound: every node costs at least its used GPU bytes times its objective per byte
 * of GPU capacity, so each replica costs at least its bytes times the lowest such ratio among
 * the types that can hold it (or its unplaced penalty); a variant on host memory costs
 * nothing here.  The same for host memory alone (host variants by their size, GPU variants by
 * their process memory, host_bytes), and the better of the two holds (one node pays once,
 * whatever it holds in either).  Exact bytes, valid whatever the units; it helps where pricing
 * is not exact (nodes of many GPUs). */
static double volume_bound(const sol_ctx *c)
{
    const sol_problem *pb = c->pb;
    double out[2] = {0, 0}; /* 0: GPU memory, 1: host memory */
    for (int dim = 0; dim < 2; dim++)
        for (size_t d = 0; d < pb->ndeps; d++) {
            const sol_deployment *dp = &pb->deps[d];
            double best = c->penalty[d];
            for (size_t v = 0; v < dp->nvariants; v++) {
                const sol_variant *va = &dp->variants[v];
                /* its bytes in this memory: none for a host variant in GPU memory, a GPU
                 * variant's process memory (often none) in host memory */
                double bytes = dim == 0 ? (va->on_host ? 0 : (double)va->shard_bytes * (double)va->tp)
                                        : (double)(va->on_host ? va->shard_bytes : va->host_bytes);
                if (bytes == 0) { /* it can run without this memory: free here */
                    best = 0;
                    break;
                }
                for (size_t t = 0; t < pb->ntypes; t++) {
                    const sol_node_type *nt = &pb->types[t];
                    if (!sol_variant_allowed(dp, va, t))
                        continue;
                    int fits = va->on_host ? va->shard_bytes <= nt->host_bytes
                                           : va->tp <= nt->gpus && va->shard_bytes <= nt->gpu_bytes &&
                                                 va->host_bytes <= nt->host_bytes;
                    double cap = !fits ? 0 : dim == 0 ? (double)nt->gpus * (double)nt->gpu_bytes : (double)nt->host_bytes;
                    if (cap > 0 && c->obj[t] * bytes / cap < best)
                        best = c->obj[t] * bytes / cap;
                }
            }
            out[dim] += best * (double)dp->replicas;
        }
    return fmax(out[0], out[1]) * (1 - 1e-12); /* rounding of the sums stays on the safe side */
}

/* Several columns per round: after the best pattern of type t, patterns for the demand it
 * leaves.  The best pattern's copies are taken off the replicas (as many times as it could be
 * used), classes with nothing left lose their dual, and t is priced again; each pattern that
 * still prices out under the true duals is added.  Column generation over hundreds of rows
 * otherwise adds one or two columns a round and tails off for hundreds of rounds.
 * Returns the columns added, or -1 out of memory. */
static int more_columns(sol_ctx *c, uint32_t t, const double *pi, double mu, const pattern *first, int max_more,
                        double *pi2, int64_t *rem)
{
    const sol_problem *pb = c->pb;
    for (size_t d = 0; d < pb->ndeps; d++) {
        pi2[d] = pi[d];
        rem[d] = pb->deps[d].replicas;
    }
    pattern cur = *first, next = {0};
    int added = 0;
    for (int round = 0;; round++) {
        /* how often the pattern fits in what is left, then take it off */
        int64_t times = INT64_MAX;
        for (uint32_t k = 0; k < cur.ncopies; k++) {
            uint32_t d = c->vi[cur.copies[k].vi].dep;
            int64_t cnt = 0;
            for (uint32_t q = 0; q < cur.ncopies; q++)
                cnt += c->vi[cur.copies[q].vi].dep == d;
            int64_t m = rem[d] / cnt;
            if (m < times)
                times = m;
        }
        if (times < 1)
            times = 1;
        for (uint32_t k = 0; k < cur.ncopies; k++) {
            uint32_t d = c->vi[cur.copies[k].vi].dep;
            rem[d] -= times;
            if (rem[d] <= 0)
                pi2[d] = 0;
        }
        free(next.copies);
        next.copies = NULL;
        if (round >= max_more)
            break;
        int exact;
        price(c, t, pi2, &next, &exact, 2000, NULL, c->obj[t] - mu);
        if (exact == -1) {
            free(next.copies);
            return -1;
        }
        if (exact < 0 || !next.copies || next.ncopies == 0) /* stopped, or nothing */
            break;
        double v = 0;
        for (uint32_t k = 0; k < next.ncopies; k++)
            v += pi[c->vi[next.copies[k].vi].dep];
        if (c->obj[t] - mu - v >= -1e-6 * fmax(1.0, c->obj[t]))
            break;
        int a = ctx_add_pattern(c, &next);
        if (a < 0) {
            free(next.copies);
            return -1;
        }
        added += a;
        cur = next;
    }
    free(next.copies);
    return added;
}

/* The master LP, within what is left before the deadline (GLPK's own time limit: one simplex
 * over 10,000 rows takes longer than a short limit), or with a work budget within the
 * simplex iterations it leaves (GLPK's it_lim; the time limit is then the runaway guard's).
 * 0 optimal, 1 stopped by the deadline or the budget (the LP then has no optimal duals: no
 * round may use it), -1 failed. */
static int master_solve(const sol_ctx *c, glp_prob *lp, glp_smcp *smcp, double deadline)
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
