/* pricing.c: the pricing problem of column generation (Gilmore and Gomory 1961; docs/solver.md,
 * "Solving", step 2): under the master LP's duals, the pattern of one node type worth the most.
 * One-bin nodes (CPU nodes, single-GPU nodes) by a bounded knapsack over capacity units,
 * exact; multi-GPU nodes by an upper bound (every GPU on its own, tensor-parallel shards at
 * pi/tp; the node as one coarser bin) and a pattern GPU by GPU, closed where needed by a
 * depth-first search with exact GPU assignment; GPU processes' host memory by a joint search
 * of both memories.  Knapsacks that repeat within a round come from a cache.  Also the exact
 * search in bytes that the bound for rounded sizes uses (bounds.c), and the extra columns
 * generated for the demand a priced pattern leaves (more_columns). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "solver_int.h"

typedef struct pricer {
    const sol_ctx *c;
    uint32_t t;
    const double *pi;   /* per deployment */
    /* candidates for this type */
    size_t n;
    uint32_t *cand;     /* vitem indices */
    uint32_t *bound;    /* max copies of each candidate on one node (node_bound) */
    size_t nhost;       /* host items among the candidates (the depth-first search packs them
                           only where GPU processes take host memory too) */
    /* DFS state */
    uint64_t hfree;     /* host memory units left: host items and GPU processes share it */
    uint64_t *gfree;
    uint32_t *depcount;
    uint32_t *vcount;   /* per candidate: its copies in the pattern being built */
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
    uint32_t *filecount; /* per weights-file id: host copies of it in the pattern being built */
} pricer;

static double density(const pricer *pr, uint32_t k)
{
    const vitem *v = &pr->c->vi[pr->cand[k]];
    return pr->pi[v->dep] / (double)(v->w * v->tp);
}

/* Fractional upper bound: fill the free capacity by density from candidate k on.  Host
 * items fill the free host memory on their own (their density is per host unit, and the
 * candidates of each kind are in density order); GPU processes' host memory is left out,
 * which only loosens the bound. */
/* copies of candidate k the pattern may still take: its own limit, and its deployment's over
 * all its variants */
static uint32_t room_of(const pricer *pr, size_t k)
{
    const vitem *v = &pr->c->vi[pr->cand[k]];
    uint32_t own = pr->bound[k] > pr->vcount[k] ? pr->bound[k] - pr->vcount[k] : 0;
    uint32_t lim = dep_limit(pr->c->pb, v->dep);
    uint32_t dep = lim > pr->depcount[v->dep] ? lim - pr->depcount[v->dep] : 0;
    return own < dep ? own : dep;
}

static double frac_bound(const pricer *pr, size_t k, uint64_t free_units)
{
    double val = 0, left = (double)free_units, hleft = pr->nhost ? (double)pr->hfree : 0;
    for (; k < pr->n && (left > 0 || hleft > 0); k++) {
        const vitem *v = &pr->c->vi[pr->cand[k]];
        double *l = v->on_host ? &hleft : &left;
        if (*l <= 0)
            continue;
        uint32_t room = room_of(pr, k);
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
    if (v->on_host && v->share && pr->filecount[v->share] == 0)
        hn += v->s; /* the first replica of its file brings the file's one copy */
    if (pr->hfree < hn)
        return;
    pr->hfree -= hn;
    if (v->on_host && v->share)
        pr->filecount[v->share]++;
    place_shards(pr, k, v->on_host ? 1 : 0, left, val, free_units, 0); /* a host item has no shard on a GPU */
    if (v->on_host && v->share)
        pr->filecount[v->share]--;
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
        pr->vcount[k]++;
        pr->ncur++;
        double nval = val + pr->pi[v->dep];
        if (nval > pr->best_val + 1e-9) {
            pr->best_val = nval;
            pr->nbest = pr->ncur;
            memcpy(pr->best, pr->cur, pr->ncur * sizeof *pr->cur);
        }
        if (left > 1 && room_of(pr, k) > 0) {
            memset(&pr->cur[pr->ncur], -1, sizeof pr->cur[0]);
            pr->cur[pr->ncur].vi = pr->cand[k];
            place_copy(pr, k, left - 1, nval, free_units - vi_gpu(v));
        }
        dfs(pr, k + 1, nval, free_units - vi_gpu(v));
        pr->ncur--;
        pr->vcount[k]--;
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
    uint32_t room = room_of(pr, k);
    if (room > 0 && vi_gpu(v) <= free_units && vi_host(v) <= pr->hfree) {
        memset(&pr->cur[pr->ncur], -1, sizeof pr->cur[0]);
        pr->cur[pr->ncur].vi = pr->cand[k];
        place_copy(pr, k, room, val, free_units);
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

void kcache_clear(kcache *kc)
{
    for (size_t i = 0; i < kc->n; i++) {
        free(kc->e[i].key);
        free(kc->e[i].best);
    }
    kc->n = 0;
}

void kcache_free(kcache *kc)
{
    kcache_clear(kc);
    free(kc->e);
    memset(kc, 0, sizeof *kc);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : (x > y);
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
    double *dp = NULL, *base = NULL;
    unsigned char *take = NULL, *gsel = NULL;
    uint64_t *order = NULL;
    pr->nbest = 0;
    if (!key || !pv || !pc)
        goto out;
    for (size_t k = 0; k < pr->n; k++) {
        const vitem *v = &pr->c->vi[pr->cand[k]];
        uint64_t setup = host && v->share ? v->s : 0;
        if (v->on_host != host || v->w > cap || setup > cap - v->w || (!host && v->tp != 1 && !relaxed) ||
            pr->bound[k] == 0)
            continue;
        uint64_t fit = (cap - setup) / v->w;
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
    /* the order of the rows: items without a shared file first, then each file's items together
     * (its set-up weight is paid once, when the first of them goes in); without shared files
     * (the usual case, and every GPU), the keys' own order */
    if (host && pr->c->nshare) {
        order = malloc((nkey + 1) * sizeof *order);
        if (!order)
            goto out;
        for (size_t q = 0; q < nkey; q++)
            order[q] = (uint64_t)pr->c->vi[key[2 * q]].share << 32 | q;
        qsort(order, nkey, sizeof *order, cmp_u64);
    }
    /* binary-split pieces */
    for (size_t oq = 0; oq < nkey; oq++) {
        size_t q = order ? (size_t)(order[oq] & 0xffffffffu) : oq;
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
    /* rows of one shared file (a group): the DP goes on from the values before the group with
     * its set-up weight taken (dp[x] = base[x - s]), and when the group ends each capacity keeps
     * the better of "some of the group, set-up paid" and "none of it" (gsel: which one) */
    size_t ngroups = 0;
    for (size_t i = 0; i < np; i++)
        ngroups += host && pr->c->vi[pv[i]].share &&
                   (i == 0 || pr->c->vi[pv[i - 1]].share != pr->c->vi[pv[i]].share);
    if (ngroups) {
        base = malloc((cap + 1) * sizeof *base);
        gsel = calloc(ngroups * (cap + 1), 1);
        if (!base || !gsel)
            goto out;
    }
    size_t gi = 0;
    for (size_t i = 0; i < np; i++) {
        uint32_t sh = host ? pr->c->vi[pv[i]].share : 0;
        if (sh && (i == 0 || pr->c->vi[pv[i - 1]].share != sh)) { /* a group starts */
            uint64_t su = pr->c->vi[pv[i]].s;
            memcpy(base, dp, (cap + 1) * sizeof *dp);
            for (uint64_t x = 0; x <= cap; x++)
                dp[x] = x >= su ? base[x - su] : -1e300;
        }
        /* one row costs cap steps: thousands of items are seconds, so the clock is read here */
        ctx_work(pr->c, (double)(cap + 1) * SOL_W_CELL);
        if ((i & 7) == 7 && ctx_over(pr->c)) {
            stopped = 1;
            goto out;
        }
        const vitem *v = &pr->c->vi[pv[i]];
        uint64_t w = v->w * pc[i];
        double val = pr->pi[v->dep] / (relaxed ? (double)v->tp : 1.0) * pc[i];
        if (w <= cap && val > 0)
            for (uint64_t x = cap; x >= w; x--) {
                if (dp[x - w] + val > dp[x] + 1e-12) {
                    dp[x] = dp[x - w] + val;
                    take[i * (cap + 1) + x] = 1;
                }
                if (x == w)
                    break;
            }
        if (sh && (i + 1 == np || pr->c->vi[pv[i + 1]].share != sh)) { /* the group ends */
            unsigned char *sel = gsel + gi * (cap + 1);
            for (uint64_t x = 0; x <= cap; x++) {
                if (dp[x] > base[x] + 1e-12)
                    sel[x] = 1;
                else
                    dp[x] = base[x];
            }
            gi++;
        }
    }
    best = dp[cap];
    solved = 1; /* from here a failure only loses the cache entry */
    /* reconstruct, the groups from the last one back */
    uint64_t x = cap;
    for (size_t i = np; i-- > 0;) {
        uint32_t sh = host ? pr->c->vi[pv[i]].share : 0;
        if (sh && (i + 1 == np || pr->c->vi[pv[i + 1]].share != sh)) { /* a group's last row */
            gi--;
            if (!gsel[gi * (cap + 1) + x]) { /* none of the group: skip its rows */
                while (i > 0 && pr->c->vi[pv[i - 1]].share == sh)
                    i--;
                continue;
            }
        }
        if (take[i * (cap + 1) + x]) {
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
        if (sh && (i == 0 || pr->c->vi[pv[i - 1]].share != sh)) /* the group's first row: its set-up */
            x -= pr->c->vi[pv[i]].s;
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
    free(base);
    free(gsel);
    free(order);
    return best;
}

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
    pr->vcount = calloc(c->nvi + 1, sizeof *pr->vcount);
    pr->gfree = malloc((pb->types[pr->t].gpus + 1) * sizeof *pr->gfree);
    pr->filecount = calloc(c->nshare + 1, sizeof *pr->filecount);
    if (!pr->cand || !pr->bound || !pr->depcount || !pr->vcount || !pr->gfree || !pr->filecount)
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
    free(pr->vcount);
    free(pr->gfree);
    free(pr->filecount);
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

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Best pattern of type t under duals pi.  Returns its value (sum of pi), fills *p
 * (caller frees p->copies); *exact = 0 when the search was cut short (then the
 * returned value is an upper bound, not attained by *p).  An exact value is attained by *p
 * where it exceeds the need the caller gave; at the need, it is only a bound that no pattern
 * beats (the multi-GPU search stops at the need: docs/solver.md), which prices nothing out; *exact = -1 out of memory (no
 * answer: the value, 1e300, bounds nothing useful, and the round that asked is not complete);
 * *exact = -2 stopped (the deadline passed or a signal came): no answer either. */
double price(const sol_ctx *c, uint32_t t, const double *pi, pattern *p, int *exact, long budget,
                    struct kcache *kc, double need)
{
    const sol_problem *pb = c->pb;
    const sol_node_type *nt = &pb->types[t];
    pricer pr = {.c = c, .t = t, .pi = pi, .kc = kc};
    double value = 0;
    int host_over = 0;
    *exact = 1;
    p->type = t;
    p->ncopies = 0;
    p->nodes = 0;
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
        size_t m = 0, host_cands = pr.nhost;
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
                /* one GPU's knapsack bounds each variant, not the deployment over its variants:
                 * copies past the deployment's limit are left out (the pattern stays feasible) */
                uint32_t dq = c->vi[pr.best[q].vi].dep;
                if (pr.depcount[dq] >= dep_limit(pb, dq))
                    continue;
                seq[nseq] = pr.best[q];
                seq[nseq].gpu[0] = (int8_t)g;
                pr.depcount[c->vi[seq[nseq].vi].dep]++;
                sv += pi[c->vi[seq[nseq].vi].dep];
                nseq++;
            }
        }
        memcpy(pr.bound, saved, pr.n * sizeof *saved);
        free(saved);
        /* with GPU processes' host memory and no host candidate, the GPU search below packs
         * both memories: it starts from the sequence only if that fits the host */
        int gpu_only = !joint || host_cands == 0;
        if (joint && gpu_only) {
            uint64_t hused = 0;
            for (uint32_t q = 0; q < nseq; q++)
                hused += c->vi[seq[q].vi].h;
            if (hused > c->hcap[t]) {
                nseq = 0;
                sv = 0;
                host_over = 1;
            }
        }
        int done = sv >= ub - 1e-9 * fmax(1.0, ub);
        if (!done && gpu_only && (need <= 0 || hv + ub <= 2 * need)) {
            /* the exact search (multigpu.c): it only has to beat the sequence, or what the
             * caller needs of the GPU part, whichever is higher.  Not while the upper bound is
             * over twice what is needed: far from convergence its proof bounds nothing useful
             * (the round's Lagrangian and Farley bounds are far below the LP anyway) and the
             * GPU-by-GPU pattern is column enough (measured: the same plans and gaps with less
             * work on 200-500-deployment fleets, docs/performance.md) */
            double floor_val = fmax(fmax(sv, need - hv), 0), fv;
            uint32_t nf = 0;
            pcopy *found = malloc((pr.maxcopies + 1) * sizeof *found);
            int r = found ? mgpu_price(c, t, pi, pr.cand, pr.bound, pr.n, floor_val, budget, found, &nf, &fv) : -1;
            if (r < 0) {
                free(found);
                free(seq);
                *exact = -1;
                value = 1e300;
                free(hostp.copies);
                goto out;
            }
            if (nf && fv > sv) {
                sv = fv;
                memcpy(seq, found, nf * sizeof *seq);
                nseq = nf;
            }
            free(found);
            if (r == 1) { /* complete: no pattern beats floor_val, or sv is the best */
                done = 1;
                sv = fmax(sv, floor_val);
            }
        } else if (!done && has_tp) {
            /* tensor-parallel items: the exact search, within its budget */
            for (uint32_t g = 0; g < nt->gpus; g++)
                pr.gfree[g] = c->gcap[t];
            memset(pr.depcount, 0, (pb->ndeps + 1) * sizeof *pr.depcount);
            memset(pr.vcount, 0, (c->nvi + 1) * sizeof *pr.vcount);
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
    /* the parts are priced apart, each within a deployment's per-node limit: a deployment with
     * a host variant and a GPU variant (or two variants in one GPU's knapsack) may exceed it
     * over the parts together, and the pattern is then not a pattern */
    int over_limit = 0;
    {
        /* the deployments of several variants among the copies, sorted: each run's length is
         * its count (n log n: a node may hold thousands of small copies) */
        uint32_t *deps = malloc((p->ncopies ? p->ncopies : 1) * sizeof *deps), nd = 0;
        if (!deps) {
            *exact = -1;
            value = 1e300;
            goto out;
        }
        for (uint32_t q = 0; q < p->ncopies; q++) {
            uint32_t d = c->vi[p->copies[q].vi].dep;
            if (pb->deps[d].nvariants >= 2) /* one variant: its bound is its deployment's */
                deps[nd++] = d;
        }
        qsort(deps, nd, sizeof *deps, cmp_u32);
        for (uint32_t i = 0, j; i < nd && !over_limit; i = j) {
            for (j = i; j < nd && deps[j] == deps[i]; j++)
                ;
            over_limit = j - i > dep_limit(pb, deps[i]);
        }
        free(deps);
    }
    if (joint || over_limit) {
        uint64_t hused = pattern_host_units(c, p);
        if (hused > c->hcap[t] || over_limit || (host_over && !*exact)) {
            /* the parts' best patterns overcommit the host together, or a deployment's limit:
             * search both memories at once, every variant counted.  The parts' value stays an
             * upper bound (every real pattern splits into a host part and a GPU part); so is
             * the host memory alone; the search, when complete, is exact */
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

/* The best GPU pattern of type t in exact bytes (ctx b has its sizes in bytes), by the
 * pricing's depth-first search; *complete = 0 when the budget ran out (then the value is
 * only what was found).  -1 out of memory. */
double exact_gpu_value(const sol_ctx *b, uint32_t t, const double *pi, long budget, int *complete,
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

/* Several columns per round: after the best pattern of type t, patterns for the demand it
 * leaves.  The best pattern's copies are taken off the replicas (as many times as it could be
 * used), classes with nothing left lose their dual, and t is priced again; each pattern that
 * still prices out under the true duals is added.  Column generation over hundreds of rows
 * otherwise adds one or two columns a round and tails off for hundreds of rounds.
 * Returns the columns added, or -1 out of memory. */
int more_columns(sol_ctx *c, uint32_t t, const double *pi, double mu, const pattern *first, int max_more,
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
