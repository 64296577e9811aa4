/* greedy.c: first-fit decreasing over nodes and GPUs: an incumbent plan at once, and
 * the seed columns of the column generation. */
#include <stdlib.h>
#include <string.h>

#include "solver_int.h"

typedef struct rep {
    uint32_t dep, replica;
    uint64_t size; /* largest variant's total bytes, for the order */
    int priority;
} rep;

static int rep_cmp(const void *a, const void *b)
{
    const rep *x = a, *y = b;
    if (x->priority != y->priority)
        return x->priority > y->priority ? -1 : 1;
    if (x->size != y->size)
        return x->size > y->size ? -1 : 1;
    if (x->dep != y->dep)
        return x->dep < y->dep ? -1 : 1;
    return x->replica < y->replica ? -1 : (x->replica > y->replica);
}

typedef struct gnode {
    uint32_t type;
    uint64_t *gfree; /* per GPU, units */
    uint64_t hfree;  /* host items and GPU processes' host memory, units */
    size_t nshards, cap;
    sol_shard *shards;
    int dedicated;   /* part of a replica that spans nodes: nothing else goes on it */
} gnode;

static int gnode_push(gnode *n, sol_shard s)
{
    if (n->nshards == n->cap) {
        size_t cap = n->cap ? n->cap * 2 : 8;
        sol_shard *p = realloc(n->shards, cap * sizeof *p);
        if (!p)
            return -1;
        n->shards = p;
        n->cap = cap;
    }
    n->shards[n->nshards++] = s;
    return 0;
}

/* replicas of dep on node n (each replica's shard 0 counts it once) */
static uint32_t count_dep(const gnode *n, uint32_t dep)
{
    uint32_t k = 0;
    for (size_t i = 0; i < n->nshards; i++)
        k += n->shards[i].dep == dep && n->shards[i].shard == 0;
    return k;
}

/* does node n hold a replica of weights file `share` already (its copy in the page cache)? */
static int holds_file(const sol_ctx *c, const gnode *n, uint32_t share)
{
    for (size_t i = 0; i < n->nshards; i++) {
        const sol_shard *s = &n->shards[i];
        const vitem *o = &c->vi[c->vi_first[s->dep] + s->variant];
        if (o->on_host && o->share == share)
            return 1;
    }
    return 0;
}

/* Try to put variant v of replica r on node n: choose tp distinct GPUs, best fit
 * (least free space that still fits).  Returns 1 placed, 0 no room, -1 oom. */
static int try_place(const sol_ctx *c, gnode *n, const vitem *v, uint32_t replica)
{
    const sol_deployment *d = &c->pb->deps[v->dep];
    if (n->dedicated || !sol_variant_allowed(d, &d->variants[v->variant], n->type))
        return 0;
    if (d->anti_affinity && count_dep(n, v->dep) >= (uint32_t)d->anti_affinity)
        return 0;
    if (v->on_host) {
        uint64_t need = v->w + (v->share && !holds_file(c, n, v->share) ? v->s : 0);
        if (n->hfree < need)
            return 0;
        n->hfree -= need;
        sol_shard s = {v->dep, replica, v->variant, 0, -1};
        return gnode_push(n, s) ? -1 : 1;
    }
    uint32_t G = c->pb->types[n->type].gpus;
    if (v->tp > G || v->tp > 32 || n->hfree < v->h) /* its shards, and its process's host memory */
        return 0;
    int chosen[32];
    unsigned char used[256] = {0};
    for (uint32_t k = 0; k < v->tp; k++) {
        int best = -1;
        for (uint32_t g = 0; g < G && g < 256; g++)
            if (!used[g] && n->gfree[g] >= v->w && (best < 0 || n->gfree[g] < n->gfree[best]))
                best = (int)g;
        if (best < 0)
            return 0;
        used[best] = 1;
        chosen[k] = best;
    }
    n->hfree -= v->h;
    for (uint32_t k = 0; k < v->tp; k++) {
        n->gfree[chosen[k]] -= v->w;
        sol_shard s = {v->dep, replica, v->variant, k, chosen[k]};
        if (gnode_push(n, s))
            return -1;
    }
    return 1;
}

static int fits_empty(const sol_ctx *c, uint32_t t, const vitem *v)
{
    const sol_deployment *d = &c->pb->deps[v->dep];
    if (!sol_variant_allowed(d, &d->variants[v->variant], t))
        return 0;
    if (v->on_host)
        return c->hcap[t] >= v->w + v->s;
    return v->tp <= c->pb->types[t].gpus && v->tp <= 32 && c->gcap[t] >= v->w && c->hcap[t] >= v->h;
}

/* A new node of type t in nodes[nn] (grown as needed); NULL out of memory. */
static gnode *open_node(const sol_ctx *c, gnode **nodes, size_t *nn, size_t *capn, uint32_t t)
{
    if (*nn == *capn) {
        size_t cap = *capn ? *capn * 2 : 16;
        gnode *p = realloc(*nodes, cap * sizeof *p);
        if (!p)
            return NULL;
        *nodes = p;
        *capn = cap;
    }
    gnode *g = &(*nodes)[*nn];
    memset(g, 0, sizeof *g);
    g->type = t;
    g->gfree = malloc((c->pb->types[t].gpus + 1) * sizeof *g->gfree);
    if (!g->gfree)
        return NULL;
    (*nn)++;
    for (uint32_t q = 0; q < c->pb->types[t].gpus; q++)
        g->gfree[q] = c->gcap[t];
    g->hfree = c->hcap[t];
    return g;
}

/* ---------------------------------------------------------------- the greedy's limits
 * The greedy runs first in every solve, and its work grows with replicas x open nodes (each
 * replica tries the nodes opened so far), so it answers to the solve's limits too (docs/solver.md,
 * "Limits: time and work"), checked every GREEDY_CHECK replicas:
 *   - a signal (the stop flag) stops it: the replicas not placed yet are left unplaced, and the
 *     solve ends marked interrupted;
 *   - past half of the solve's limit (half the work budget, or half the time limit; with a
 *     budget, also past the wall-clock guard) the rest is placed next fit: a replica tries only
 *     the GREEDY_FAST newest nodes before a node is opened for it, so the pass ends in time
 *     linear in the replicas, and no further pass starts.
 * Its work is counted (SOL_W_GREEDY a candidate tried) like the rest of the solve's. */
#define GREEDY_CHECK 16
#define GREEDY_FAST 8

enum { G_FULL, G_FAST, G_STOP };

static int greedy_mode(const sol_ctx *c)
{
    if (ctx_stopped(c))
        return G_STOP;
    sol_meter *m = c->meter;
    if (m && m->limit > 0) {
        if (m->steps >= 0.5 * m->limit || m->wall_hit)
            return G_FAST;
        if (c->t0 > 0 && ctx_clock() > c->t0 + c->pb->time_limit_s) {
            m->wall_hit = 1; /* the runaway guard: the answer is marked wall_limited */
            return G_FAST;
        }
        return G_FULL;
    }
    /* t0 is 0 outside a solve (sol_greedy, a repair inside the dive): no clock of its own */
    return c->t0 > 0 && ctx_clock() > c->t0 + 0.5 * c->pb->time_limit_s ? G_FAST : G_FULL;
}

/* One greedy pass.  prefer: node type tried first when a node must be opened (or -1:
 * the cheapest per unit of capacity that fits).  *mode: G_FULL on entry; on return, the
 * mode the pass ended in. */
static int greedy_pass(const sol_ctx *c, const rep *reps, size_t nreps, int prefer, sol_plan *out, int *mode)
{
    const sol_problem *pb = c->pb;
    size_t nn = 0, capn = 0;
    gnode *nodes = NULL;
    memset(out, 0, sizeof *out); /* a failure before the plan is built frees an empty one */
    size_t *opened = calloc(pb->ntypes + 1, sizeof *opened);
    uint32_t *unplaced = calloc(pb->ndeps + 1, sizeof *unplaced);
    /* per deployment: the node type (and variant) last chosen to open.  Types only ever become
     * unavailable and the scores do not change, so while that type is still available it is
     * still the best: the scan over every type runs again only when it is not */
    int *open_t = malloc((pb->ndeps + 1) * sizeof *open_t);
    int *open_k = malloc((pb->ndeps + 1) * sizeof *open_k);
    uint32_t *open_s = malloc((pb->ndeps + 1) * sizeof *open_s); /* its nodes per replica */
    int rc = -1;
    if (!opened || !unplaced || !open_t || !open_k || !open_s)
        goto out;
    for (size_t d = 0; d < pb->ndeps; d++) {
        open_t[d] = -1;
        open_k[d] = -1;
    }
    double steps = 0; /* candidates tried since the last check */
    for (size_t i = 0; i < nreps; i++) {
        const rep *r = &reps[i];
        if (i % GREEDY_CHECK == 0) {
            ctx_work(c, steps * SOL_W_GREEDY);
            steps = 0;
            if (*mode == G_FULL)
                *mode = greedy_mode(c);
            else if (*mode == G_FAST && ctx_stopped(c))
                *mode = G_STOP;
        }
        if (*mode == G_STOP) {
            unplaced[r->dep]++; /* a signal: left for the caller to report as interrupted */
            continue;
        }
        int placed = 0;
        size_t k0 = c->vi_first[r->dep], k1 = k0 + pb->deps[r->dep].nvariants;
        size_t n0 = *mode == G_FAST && nn > GREEDY_FAST ? nn - GREEDY_FAST : 0;
        for (size_t n = n0; n < nn && !placed; n++)
            for (size_t k = k0; k < k1 && !placed; k++) {
                int p = try_place(c, &nodes[n], &c->vi[k], r->replica);
                if (p < 0)
                    goto out;
                placed = p;
            }
        steps += (double)(nn - n0) * (double)(k1 - k0);
        if (placed)
            continue;
        /* open a node: the preferred type if it can take the replica, else the type
         * with the lowest objective per unit of capacity that can; or, where the replica
         * spans nodes, its k dedicated nodes (the same score per node; one node wins ties).
         * The scores do not change during a pass: the type a deployment last chose stays the
         * choice while it has room, so the scan runs again only when that type is used up */
        int best_t = open_t[r->dep], best_k = open_k[r->dep];
        uint32_t best_span = best_t >= 0 ? open_s[r->dep] : 1;
        if (best_t >= 0 && pb->types[best_t].available >= 0 &&
            opened[best_t] + best_span > (size_t)pb->types[best_t].available)
            best_t = -1; /* that type is used up: scan again */
        if (best_t == -1) {
            double best_score = 0;
            best_span = 1;
            for (size_t t = 0; t < pb->ntypes; t++) {
                if (pb->types[t].available >= 0 && opened[t] >= (size_t)pb->types[t].available)
                    continue;
                for (size_t k = k0; k < k1; k++) {
                    const vitem *vk = &c->vi[k];
                    uint32_t span = !vk->on_host && pb->deps[vk->dep].variants[vk->variant].max_nodes > 1
                                        ? span_of(c, k, (uint32_t)t) : 0;
                    if (span > 1 ? pb->types[t].available >= 0 && opened[t] + span > (size_t)pb->types[t].available
                                 : !fits_empty(c, (uint32_t)t, &c->vi[k]))
                        continue;
                    double capu = (double)(c->vi[k].on_host ? c->hcap[t] : c->gcap[t] * pb->types[t].gpus);
                    double score = (int)t == prefer ? -1.0 : c->obj[t] / (capu > 0 ? capu : 1);
                    uint32_t need = span > 1 ? span : 1;
                    if (best_t < 0 || score < best_score || (score == best_score && need < best_span)) {
                        best_t = (int)t;
                        best_k = (int)k;
                        best_score = score;
                        best_span = need;
                    }
                }
            }
            steps += (double)pb->ntypes * (double)(k1 - k0);
            open_t[r->dep] = best_t >= 0 ? best_t : -2; /* -2: no type can take it, now or later */
            open_k[r->dep] = best_k;
            open_s[r->dep] = best_span;
        }
        if (best_t < 0) {
            unplaced[r->dep]++;
            continue;
        }
        for (uint32_t q = 0; q < best_span; q++) {
            gnode *g = open_node(c, &nodes, &nn, &capn, (uint32_t)best_t);
            if (!g)
                goto out;
            opened[best_t]++;
            if (best_span == 1) {
                if (try_place(c, g, &c->vi[best_k], r->replica) != 1)
                    goto out;
                continue;
            }
            g->dedicated = 1;
            g->cap = pb->types[best_t].gpus + 1;
            g->shards = malloc(g->cap * sizeof *g->shards);
            if (!g->shards)
                goto out;
            g->nshards = span_layout(c, (size_t)best_k, (uint32_t)best_t, q, r->replica, g->shards);
        }
    }
    ctx_work(c, steps * SOL_W_GREEDY);
    /* to a plan */
    memset(out, 0, sizeof *out);
    out->nodes = calloc(nn + 1, sizeof *out->nodes);
    out->unplaced = calloc(pb->ndeps + 1, sizeof *out->unplaced);
    if (!out->nodes || !out->unplaced)
        goto out;
    for (size_t n = 0; n < nn; n++) {
        out->nodes[n].type = nodes[n].type;
        out->nodes[n].nshards = nodes[n].nshards;
        out->nodes[n].shards = nodes[n].shards;
        nodes[n].shards = NULL;
        out->cost += pb->types[nodes[n].type].cost;
    }
    out->nnodes = nn;
    out->nodes_used = nn;
    for (size_t d = 0; d < pb->ndeps; d++)
        if (unplaced[d]) {
            sol_unplaced *u = &out->unplaced[out->nunplaced++];
            u->dep = (uint32_t)d;
            u->count = unplaced[d];
        }
    out->status = SOL_FEASIBLE;
    rc = 0;
out:
    for (size_t n = 0; n < nn; n++) {
        free(nodes[n].gfree);
        free(nodes[n].shards);
    }
    free(nodes);
    free(opened);
    free(unplaced);
    free(open_t);
    free(open_k);
    free(open_s);
    if (rc != 0)
        sol_plan_free(out);
    return rc;
}

/* Best of several passes (one per preferred node type, plus the cheapest-per-capacity rule);
 * a pass that ended past the greedy's limit is the last. */
int ctx_greedy(const sol_ctx *c, sol_plan *best)
{
    const sol_problem *pb = c->pb;
    size_t nreps = 0;
    for (size_t d = 0; d < pb->ndeps; d++)
        nreps += pb->deps[d].replicas;
    rep *reps = malloc((nreps + 1) * sizeof *reps);
    if (!reps)
        return -1;
    size_t k = 0;
    for (size_t d = 0; d < pb->ndeps; d++) {
        uint64_t size = 0;
        for (size_t v = 0; v < pb->deps[d].nvariants; v++) {
            const sol_variant *va = &pb->deps[d].variants[v];
            uint64_t s = va->shard_bytes * (va->on_host ? 1 : sol_variant_gpus(va));
            if (s > size)
                size = s;
        }
        for (uint32_t r = 0; r < pb->deps[d].replicas; r++)
            reps[k++] = (rep){(uint32_t)d, r, size, pb->deps[d].priority};
    }
    qsort(reps, nreps, sizeof *reps, rep_cmp);
    int have = 0;
    double best_obj = 0;
    size_t passes = pb->ntypes < 16 ? pb->ntypes + 1 : 1;
    int mode = G_FULL;
    for (size_t p = 0; p < passes && (p == 0 || mode == G_FULL); p++) {
        sol_plan cand;
        if (greedy_pass(c, reps, nreps, (int)p - 1, &cand, &mode) != 0) {
            free(reps);
            if (have)
                sol_plan_free(best);
            return -1;
        }
        double obj = 0;
        for (size_t n = 0; n < cand.nnodes; n++)
            obj += c->obj[cand.nodes[n].type];
        for (size_t u = 0; u < cand.nunplaced; u++)
            obj += c->penalty[cand.unplaced[u].dep] * cand.unplaced[u].count;
        if (!have || obj < best_obj) {
            if (have)
                sol_plan_free(best);
            *best = cand;
            best_obj = obj;
            have = 1;
        } else {
            sol_plan_free(&cand);
        }
    }
    free(reps);
    return 0;
}
