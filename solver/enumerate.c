/* enumerate.c: every maximal pattern of a node type, in exact bytes (docs/solver.md, "Solving",
 * step 4).  When a problem is small enough that every maximal pattern can be listed (up to
 * 20,000), the integer program over all of them is the exact model: mip.c then lets GLPK's
 * branch and bound prove optimality on its own, and its bound holds for the problem even
 * when the knapsacks' sizes round. */
#include <stdlib.h>
#include <string.h>

#include "solver_int.h"

typedef struct enumer {
    sol_ctx *c;
    uint32_t t;
    size_t n;
    uint32_t *cand, *bound;
    uint64_t *gfree, hfree;
    uint32_t *depcount;
    uint32_t *vcount;    /* per candidate: its copies in the pattern (a pattern may mix variants) */
    uint32_t *filecount; /* per weights-file id: host copies of it in the pattern */
    pcopy *cur;
    uint32_t ncur;
    long budget;
    size_t limit;
    int failed; /* 1: over budget or limit; -1: out of memory */
} enumer;

/* the enumeration works in exact bytes: its patterns are every real pattern, so the integer
 * program over them is the problem itself, whatever the units of the knapsacks */
uint64_t vbytes(const sol_ctx *c, uint32_t vi)
{
    const vitem *v = &c->vi[vi];
    return c->pb->deps[v->dep].variants[v->variant].shard_bytes;
}

/* a GPU replica's own host memory in bytes (0 for host items: their size is vbytes) */
uint64_t vhost_bytes(const sol_ctx *c, uint32_t vi)
{
    const vitem *v = &c->vi[vi];
    return c->pb->deps[v->dep].variants[v->variant].host_bytes;
}

/* a host item's bytes in this pattern: its own, and its file's one copy when it is the first */
static uint64_t host_need(const enumer *e, uint32_t vi)
{
    const vitem *v = &e->c->vi[vi];
    const sol_variant *va = &e->c->pb->deps[v->dep].variants[v->variant];
    return va->shard_bytes + (va->share && e->filecount[va->share] == 0 ? va->shared_bytes : 0);
}

/* a host item's weights file in bytes, one copy per node (0: none shared) */
uint64_t vshared_bytes(const sol_ctx *c, uint32_t vi)
{
    const vitem *v = &c->vi[vi];
    return c->pb->deps[v->dep].variants[v->variant].shared_bytes;
}

static int copy_fits(const enumer *e, uint32_t k)
{
    const vitem *v = &e->c->vi[e->cand[k]];
    uint64_t w = vbytes(e->c, e->cand[k]);
    if (e->vcount[k] >= e->bound[k] || e->depcount[v->dep] >= dep_limit(e->c->pb, v->dep))
        return 0;
    if (v->on_host)
        return e->hfree >= host_need(e, e->cand[k]);
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
    /* every 1,024 search nodes: their work counted, and the listing given up when the solve
     * must end (its limit, a stop signal) */
    if (e->failed || e->budget-- <= 0 ||
        ((e->budget & 1023) == 0 && (ctx_work(e->c, 1024 * SOL_W_DFS), ctx_stopped(e->c) || ctx_over(e->c)))) {
        if (!e->failed)
            e->failed = 1;
        return;
    }
    if (shard == (v->on_host ? 1 : v->tp)) {
        e->depcount[v->dep]++;
        e->vcount[k]++;
        e->ncur++;
        enum_rec(e, k); /* more copies of k, or move on */
        e->ncur--;
        e->vcount[k]--;
        e->depcount[v->dep]--;
        return;
    }
    uint64_t w = vbytes(e->c, e->cand[k]);
    if (v->on_host) {
        uint64_t hn = host_need(e, e->cand[k]);
        e->hfree -= hn;
        e->filecount[v->share]++;
        e->cur[e->ncur].gpu[0] = -1;
        enum_copy(e, k, 1, 0);
        e->filecount[v->share]--;
        e->hfree += hn;
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
int enum_type(sol_ctx *c, uint32_t t, long budget, size_t limit)
{
    const sol_problem *pb = c->pb;
    const sol_node_type *nt = &pb->types[t];
    enumer e = {.c = c, .t = t, .budget = budget, .limit = limit, .hfree = nt->host_bytes};
    e.cand = malloc((c->nvi + 1) * sizeof *e.cand);
    e.bound = malloc((c->nvi + 1) * sizeof *e.bound);
    e.gfree = malloc((nt->gpus + 1) * sizeof *e.gfree);
    e.depcount = calloc(pb->ndeps + 1, sizeof *e.depcount);
    e.vcount = calloc(c->nvi + 1, sizeof *e.vcount);
    e.filecount = calloc(c->nshare + 1, sizeof *e.filecount);
    size_t maxcopies = 0;
    int rc = -1;
    if (!e.cand || !e.bound || !e.gfree || !e.depcount || !e.vcount || !e.filecount)
        goto out;
    for (size_t k = 0; k < c->nvi; k++) {
        const vitem *v = &c->vi[k];
        const sol_deployment *d = &pb->deps[v->dep];
        uint64_t w = vbytes(c, (uint32_t)k), hb = vhost_bytes(c, (uint32_t)k);
        uint64_t sb = d->variants[v->variant].shared_bytes; /* a host item's file, once per node */
        if (!sol_variant_allowed(d, &d->variants[v->variant], t) ||
            (v->on_host ? w > nt->host_bytes || sb > nt->host_bytes - w
                        : (v->tp > nt->gpus || v->tp > 32 || w > nt->gpu_bytes || hb > nt->host_bytes)))
            continue;
        uint64_t fit = v->on_host ? (nt->host_bytes - sb) / w : (nt->gpu_bytes / w) * nt->gpus / v->tp;
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
    free(e.vcount);
    free(e.filecount);
    free(e.cur);
    return rc;
}
