/* multigpu.c: exact pricing of a node type with several GPUs (docs/solver.md, "Solving",
 * step 2, "Nodes of several GPUs").
 *
 * The problem: under the duals pi, the most valuable set of replicas one node of G identical
 * GPUs (C units each) can hold.  A replica of a variant with tp shards puts w units on each
 * of tp distinct GPUs (tp = 1: a share of one GPU), and its process takes h units of the
 * node's host memory; a variant has a per-node bound (node_bound) and its deployment one over
 * all its variants (dep_limit).  This is a multiple knapsack with items that span bins, and
 * the knapsacks of pricing.c only bound it (every GPU on its own, the node as one bin).
 *
 * The method is branch and bound over the candidates, one deployment after the other, each
 * copy's shards placed on GPUs; what makes it exact and small enough:
 *  - GPUs are identical, so a node's state is the multiset of its GPUs' free space: within
 *    one copy, shards go on GPUs in one order (ascending free space, best fit first) and of
 *    GPUs with equal free space only the first is tried; across copies and candidates, a
 *    transposition table keyed by (candidate, its copies, its deployment's copies, host
 *    memory left, the sorted free vector) keeps the best value with which each state was
 *    reached, and a state reached again with no more is not searched again (what can follow
 *    depends on the state only: deployments after the current one are untouched).  This is
 *    the memoized dynamic program over sorted fill-level vectors, searched depth first.
 *  - Each node is bounded by the smaller of two relaxations: the fractional one (the free
 *    units of all GPUs as one, each candidate's remaining copies in density order), which
 *    sees the per-node bounds; and the sum over GPUs of a one-GPU knapsack over the
 *    candidates still to decide, every shard worth pi/tp (a suffix table computed once, in
 *    coarser units: sizes rounded down and capacities up, so it stays a bound), which sees
 *    each GPU's own free space.
 *  - The search only has to beat a floor: the best pattern known (the GPU-by-GPU one) or the
 *    value the caller needs, whichever is higher; a pattern that cannot beat the node's cost
 *    is of no use, and proving that none can is all the proof needs.
 * A work cap (nodes of the search) ends it; the caller then keeps its heuristic pattern and
 * its upper bound, and reports the pricing as inexact, as before. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "solver_int.h"

#define MG_CELLS 1024   /* the suffix table's cells per GPU */
#define MG_MEMO 65536   /* transposition table entries at most (a power of two; fewer for a small
                           budget: the table is cleared on every call) */
#define MG_PROBES 4

typedef struct mg {
    const sol_ctx *c;
    const double *pi;
    uint32_t G;
    size_t n;
    uint32_t *cand, *bound;  /* deployments' variants together, deployments by best density */
    uint32_t *dord;          /* candidates by density, for the fractional bound */
    /* the suffix table: row k (cells 0..cc) is the one-GPU bound over candidates k.. */
    uint64_t scale;
    size_t cc;
    double *suf;
    /* the state */
    uint64_t *gfree;
    uint64_t hfree;
    uint64_t free_total;
    uint32_t *vcount, *depcount;
    pcopy *cur, *best;
    uint32_t ncur, nbest;
    double best_val;
    long nodes_left;
    int exhausted;
    uint32_t *ord;           /* per depth of copy placement: GPUs in ascending free space */
    /* the transposition table: nmemo entries of (G + 4) words and a value */
    size_t kw, nmemo;
    uint64_t *mkey;
    double *mval;
    uint64_t *key;           /* scratch: the current state's key */
} mg;

static double mg_density(const mg *s, uint32_t k)
{
    const vitem *v = &s->c->vi[s->cand[k]];
    return s->pi[v->dep] / (double)(v->w * v->tp);
}

static uint32_t mg_room(const mg *s, size_t k)
{
    const vitem *v = &s->c->vi[s->cand[k]];
    uint32_t own = s->bound[k] > s->vcount[k] ? s->bound[k] - s->vcount[k] : 0;
    uint32_t lim = dep_limit(s->c->pb, v->dep);
    uint32_t dep = lim > s->depcount[v->dep] ? lim - s->depcount[v->dep] : 0;
    return own < dep ? own : dep;
}

/* The candidates' order: a deployment's variants next to each other (so that, past them,
 * its count no longer matters), deployments by their densest variant, variants by density. */
static int mg_order(mg *s)
{
    size_t n = s->n;
    double *dd = malloc((n + 1) * sizeof *dd), *key = malloc((n + 1) * sizeof *key);
    if (!dd || !key) {
        free(dd);
        free(key);
        return -1;
    }
    for (size_t k = 0; k < n; k++) {
        dd[k] = 0;
        for (size_t q = 0; q < n; q++)
            if (s->c->vi[s->cand[q]].dep == s->c->vi[s->cand[k]].dep && mg_density(s, (uint32_t)q) > dd[k])
                dd[k] = mg_density(s, (uint32_t)q);
        key[k] = mg_density(s, (uint32_t)k);
    }
    /* insertion sort (tens to hundreds of candidates, once per call) */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0; j--) {
            uint32_t da = s->c->vi[s->cand[j]].dep, db = s->c->vi[s->cand[j - 1]].dep;
            int before = dd[j] > dd[j - 1] || (dd[j] == dd[j - 1] && (da < db || (da == db && key[j] > key[j - 1])));
            if (!before)
                break;
            uint32_t a = s->cand[j], b = s->bound[j];
            double x = dd[j], y = key[j];
            s->cand[j] = s->cand[j - 1];
            s->bound[j] = s->bound[j - 1];
            dd[j] = dd[j - 1];
            key[j] = key[j - 1];
            s->cand[j - 1] = a;
            s->bound[j - 1] = b;
            dd[j - 1] = x;
            key[j - 1] = y;
        }
    for (size_t k = 0; k < n; k++)
        s->dord[k] = (uint32_t)k;
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && mg_density(s, s->dord[j]) > mg_density(s, s->dord[j - 1]); j--) {
            uint32_t a = s->dord[j];
            s->dord[j] = s->dord[j - 1];
            s->dord[j - 1] = a;
        }
    free(dd);
    free(key);
    return 0;
}

/* Row k of the suffix table: the best one-GPU value of c cells over candidates k.., each
 * shard worth pi/tp, at most bound shards of a candidate on one GPU (one per copy). */
static int mg_suffix(mg *s, uint64_t C)
{
    s->scale = (C + MG_CELLS - 1) / MG_CELLS;
    if (s->scale == 0)
        s->scale = 1;
    s->cc = (size_t)((C + s->scale - 1) / s->scale);
    size_t row = s->cc + 1;
    s->suf = calloc((s->n + 1) * row, sizeof *s->suf);
    if (!s->suf)
        return -1;
    for (size_t k = s->n; k-- > 0;) {
        double *dp = s->suf + k * row;
        memcpy(dp, dp + row, row * sizeof *dp);
        const vitem *v = &s->c->vi[s->cand[k]];
        uint64_t w = v->w / s->scale; /* rounded down: a relaxation */
        double val = s->pi[v->dep] / (double)v->tp;
        uint32_t b = s->bound[k];
        if (w == 0) { /* only its bound limits it */
            for (size_t x = 0; x < row; x++)
                dp[x] += val * b;
            continue;
        }
        if (s->cc / w < b)
            b = (uint32_t)(s->cc / w);
        for (uint64_t m = 1; b > 0; m *= 2) {
            uint64_t q = m < b ? m : b, W = w * q;
            double V = val * (double)q;
            for (size_t x = s->cc; x >= W; x--) {
                if (dp[x - W] + V > dp[x])
                    dp[x] = dp[x - W] + V;
                if (x == W)
                    break;
            }
            b -= (uint32_t)q;
        }
        ctx_work(s->c, (double)row * SOL_W_CELL * 4);
    }
    return 0;
}

/* An upper bound on what candidates k.. can still add. */
static double mg_bound(const mg *s, size_t k)
{
    /* every GPU on its own (capacities rounded up to cells) */
    const double *row = s->suf + k * (s->cc + 1);
    double per_gpu = 0;
    for (uint32_t g = 0; g < s->G; g++)
        per_gpu += row[(s->gfree[g] + s->scale - 1) / s->scale];
    /* the free units as one, fractional, with the copies each candidate may still take */
    double frac = 0, left = (double)s->free_total;
    for (size_t i = 0; i < s->n && left > 0; i++) {
        uint32_t q = s->dord[i];
        if (q < k)
            continue;
        uint32_t room = mg_room(s, q);
        if (room == 0)
            continue;
        const vitem *v = &s->c->vi[s->cand[q]];
        double size = (double)(v->w * v->tp), take = fmin((double)room, left / size);
        frac += take * s->pi[v->dep];
        left -= take * size;
        if (frac >= per_gpu)
            break;
    }
    return fmin(per_gpu, frac);
}

static uint64_t mg_mix(uint64_t x)
{
    x ^= x >> 31;
    x *= 0x7fb5d329728ea185ULL;
    x ^= x >> 27;
    x *= 0x81dadef4bc2dd44dULL;
    return x ^ (x >> 33);
}

/* 1 when this state was reached before with at least this value (nothing new below it);
 * else it is recorded with val. */
static int mg_seen(mg *s, size_t k, double val)
{
    uint64_t *key = s->key;
    const vitem *v = &s->c->vi[s->cand[k]];
    key[0] = k;
    key[1] = (uint64_t)s->vcount[k] << 32 | s->depcount[v->dep];
    key[2] = s->hfree;
    key[3] = 0;
    uint64_t *f = key + 4;
    for (uint32_t g = 0; g < s->G; g++) { /* sorted: the GPUs are interchangeable */
        uint64_t x = s->gfree[g];
        uint32_t j = g;
        for (; j > 0 && f[j - 1] > x; j--)
            f[j] = f[j - 1];
        f[j] = x;
    }
    uint64_t h = 0x9e3779b97f4a7c15ULL;
    for (size_t i = 0; i < s->kw; i++)
        h = mg_mix(h ^ key[i]);
    key[3] = h | 1; /* 0 marks an empty entry */
    size_t slot = (size_t)h & (s->nmemo - 1), empty = (size_t)-1;
    for (int p = 0; p < MG_PROBES; p++) {
        size_t e = (slot + (size_t)p) & (s->nmemo - 1);
        uint64_t *ek = s->mkey + e * s->kw;
        if (ek[3] == 0) {
            if (empty == (size_t)-1)
                empty = e;
            continue;
        }
        if (memcmp(ek, key, s->kw * sizeof *key) == 0) {
            if (val <= s->mval[e])
                return 1;
            s->mval[e] = val;
            return 0;
        }
    }
    size_t e = empty != (size_t)-1 ? empty : slot; /* full: the first probe is replaced */
    memcpy(s->mkey + e * s->kw, key, s->kw * sizeof *key);
    s->mval[e] = val;
    return 0;
}

static int mg_tick(mg *s)
{
    if (s->nodes_left-- <= 0 ||
        ((s->nodes_left & 1023) == 0 && (ctx_work(s->c, 1024 * SOL_W_DFS), ctx_over(s->c)))) {
        s->exhausted = 1;
        return 1;
    }
    return 0;
}

static void mg_dfs(mg *s, size_t k, double val);

/* The shards of copy ncur of candidate k from `shard` on, on GPUs ord[pos..] (ascending free
 * space at the copy's start; of equal free space only the first). */
static void mg_place(mg *s, size_t k, uint32_t shard, uint32_t pos, double val)
{
    const vitem *v = &s->c->vi[s->cand[k]];
    if (mg_tick(s))
        return;
    if (shard == v->tp) { /* the copy is complete: more of k, or on */
        s->vcount[k]++;
        s->depcount[v->dep]++;
        s->ncur++;
        double nval = val + s->pi[v->dep];
        if (nval > s->best_val) {
            s->best_val = nval;
            s->nbest = s->ncur;
            memcpy(s->best, s->cur, s->ncur * sizeof *s->cur);
        }
        mg_dfs(s, k, nval);
        s->ncur--;
        s->depcount[v->dep]--;
        s->vcount[k]--;
        return;
    }
    uint32_t *ord = s->ord + (size_t)s->ncur * s->G;
    for (uint32_t i = pos; i < s->G; i++) {
        uint32_t g = ord[i];
        if (s->gfree[g] < v->w)
            continue;
        if (i > pos && s->gfree[ord[i - 1]] == s->gfree[g])
            continue; /* the same as the GPU before it */
        if (s->G - i < v->tp - shard)
            break; /* too few GPUs left for the other shards */
        s->gfree[g] -= v->w;
        s->free_total -= v->w;
        s->cur[s->ncur].gpu[shard] = (int8_t)g;
        mg_place(s, k, shard + 1, i + 1, val);
        s->cur[s->ncur].gpu[shard] = -1;
        s->free_total += v->w;
        s->gfree[g] += v->w;
        if (s->exhausted)
            return;
    }
}

/* Candidates k.. with value val so far: a copy of k more (if it may and fits), then k done. */
static void mg_dfs(mg *s, size_t k, double val)
{
    for (; k < s->n; k++) {
        if (s->exhausted || val + mg_bound(s, k) <= s->best_val * (1 + 1e-12))
            return;
        if (mg_seen(s, k, val))
            return;
        const vitem *v = &s->c->vi[s->cand[k]];
        if (mg_room(s, k) > 0 && v->w * v->tp <= s->free_total && v->h <= s->hfree) {
            memset(&s->cur[s->ncur], -1, sizeof s->cur[0]);
            s->cur[s->ncur].vi = s->cand[k];
            /* this copy's GPUs: ascending free space (insertion sort, a few GPUs) */
            uint32_t *ord = s->ord + (size_t)s->ncur * s->G;
            for (uint32_t g = 0; g < s->G; g++) {
                uint32_t j = g;
                for (; j > 0 && s->gfree[ord[j - 1]] > s->gfree[g]; j--)
                    ord[j] = ord[j - 1];
                ord[j] = g;
            }
            s->hfree -= v->h;
            mg_place(s, k, 0, 0, val);
            s->hfree += v->h;
            if (s->exhausted)
                return;
        }
        /* then no more copies of k: on to k + 1 (checked again there) */
        if (k + 1 < s->n && mg_tick(s))
            return;
    }
}

static void mg_free(mg *s)
{
    free(s->cand);
    free(s->bound);
    free(s->dord);
    free(s->suf);
    free(s->gfree);
    free(s->vcount);
    free(s->depcount);
    free(s->cur);
    free(s->best);
    free(s->ord);
    free(s->mkey);
    free(s->mval);
    free(s->key);
}

int mgpu_price(const sol_ctx *c, uint32_t t, const double *pi, const uint32_t *cand, const uint32_t *bound, size_t n,
               double floor_val, long budget, pcopy *out, uint32_t *nout, double *value)
{
    const sol_problem *pb = c->pb;
    mg s = {.c = c, .pi = pi, .G = pb->types[t].gpus, .n = n};
    int rc = -1;
    *nout = 0;
    *value = floor_val;
    size_t maxcopies = 0;
    for (size_t k = 0; k < n; k++)
        maxcopies += bound[k];
    s.kw = 4 + s.G;
    for (s.nmemo = 1024; s.nmemo < MG_MEMO && (long)s.nmemo < budget / 2;)
        s.nmemo *= 2;
    s.cand = malloc((n + 1) * sizeof *s.cand);
    s.bound = malloc((n + 1) * sizeof *s.bound);
    s.dord = malloc((n + 1) * sizeof *s.dord);
    s.gfree = malloc((s.G + 1) * sizeof *s.gfree);
    s.vcount = calloc(n + 1, sizeof *s.vcount);
    s.depcount = calloc(pb->ndeps + 1, sizeof *s.depcount);
    s.cur = malloc((maxcopies + 1) * sizeof *s.cur);
    s.best = malloc((maxcopies + 1) * sizeof *s.best);
    s.ord = malloc((maxcopies + 1) * s.G * sizeof *s.ord);
    s.mkey = calloc(s.nmemo * s.kw, sizeof *s.mkey);
    s.mval = malloc(s.nmemo * sizeof *s.mval);
    s.key = malloc(s.kw * sizeof *s.key);
    if (!s.cand || !s.bound || !s.dord || !s.gfree || !s.vcount || !s.depcount || !s.cur || !s.best || !s.ord ||
        !s.mkey || !s.mval || !s.key)
        goto out;
    memcpy(s.cand, cand, n * sizeof *cand);
    memcpy(s.bound, bound, n * sizeof *bound);
    for (size_t k = 0; k < n; k++)
        if (c->vi[cand[k]].on_host || c->vi[cand[k]].tp > 32 || c->vi[cand[k]].w == 0) {
            rc = 0; /* not a GPU candidate of a pattern (the caller's contract): no answer, not exact */
            goto out;
        }
    if (mg_order(&s) != 0 || mg_suffix(&s, c->gcap[t]) != 0)
        goto out;
    for (uint32_t g = 0; g < s.G; g++)
        s.gfree[g] = c->gcap[t];
    s.free_total = c->gcap[t] * s.G;
    s.hfree = c->hcap[t];
    s.best_val = floor_val;
    s.nodes_left = budget;
    if (n)
        mg_dfs(&s, 0, 0);
    if (s.nbest) {
        memcpy(out, s.best, s.nbest * sizeof *out);
        *nout = s.nbest;
        *value = s.best_val;
    }
    rc = !s.exhausted;
out:
    mg_free(&s);
    return rc;
}
