/* compact.c: the last step on the incumbent (docs/solver.md, "Solving", step 3): empty its
 * least-used nodes into the others.
 *
 * Column generation's patterns are rounded, and the replicas left over are placed by the
 * greedy, next fit once half the limit is spent; on nodes of many GPUs this leaves nodes that
 * hold a few small replicas on one GPU, often the last replicas of anti-affinity deployments
 * whose others fill the nodes before (measured: 500 deployments on 8-GPU nodes, 17 nodes where
 * the last two held 2 % of the bytes; docs/performance.md).  Here each node, least-used GPU
 * memory first, is emptied when every replica on it fits elsewhere as it is: the same variant,
 * on a node of a type it may use, its shards on distinct GPUs (best fit), its host memory, the
 * deployment's anti-affinity; the other nodes are tried fullest first.  Where a replica fits
 * nowhere, one replica of another node may make room by moving to a third (an ejection chain
 * of length one, within a budget of placements).  A node that cannot be emptied is left as
 * it was (every change of the attempt undone).  Loads are
 * counted in exact bytes as the verifier counts them, and the compacted plan must pass the
 * verifier, else the plan is kept as it was.  Nodes holding a replica that spans nodes, or a
 * host replica sharing a weights file, are left alone. */
#include <stdlib.h>
#include <string.h>

#include "solver_int.h"

typedef struct cnode {
    uint32_t type;
    int fixed;          /* holds a spanning replica or a shared weights file: never touched */
    int removed;
    uint64_t gfree[256];
    uint64_t hfree;
    size_t n, cap;
    sol_shard *sh;
} cnode;

static const sol_variant *cvar(const sol_problem *pb, const sol_shard *s)
{
    return &pb->deps[s->dep].variants[s->variant];
}

static int cpush(cnode *n, sol_shard s)
{
    if (n->n == n->cap) {
        size_t cap = n->cap ? 2 * n->cap : 16;
        sol_shard *a = realloc(n->sh, cap * sizeof *a);
        if (!a)
            return -1;
        n->sh = a;
        n->cap = cap;
    }
    n->sh[n->n++] = s;
    return 0;
}

/* replicas of deployment d on node n */
static uint32_t creplicas(const cnode *n, uint32_t d)
{
    uint32_t k = 0;
    for (size_t i = 0; i < n->n; i++)
        k += n->sh[i].dep == d && n->sh[i].shard == 0;
    return k;
}

/* Place replica (d, r) of variant v on node m: 1 placed (shards appended), 0 no room, -1 oom. */
static int cplace(const sol_problem *pb, cnode *m, uint32_t d, uint32_t r, uint32_t v)
{
    const sol_deployment *dp = &pb->deps[d];
    const sol_variant *va = &dp->variants[v];
    const sol_node_type *t = &pb->types[m->type];
    if (m->removed || m->fixed || !sol_variant_allowed(dp, va, m->type))
        return 0;
    if (dp->anti_affinity > 0 && creplicas(m, d) >= (uint32_t)dp->anti_affinity)
        return 0;
    uint64_t h = va->on_host ? va->shard_bytes : va->host_bytes;
    if (m->hfree < h)
        return 0;
    if (va->on_host) {
        m->hfree -= h;
        return cpush(m, (sol_shard){d, r, v, 0, -1}) ? -1 : 1;
    }
    if (va->tp > t->gpus || va->tp > 32)
        return 0;
    /* tp distinct GPUs, best fit: the least free space that still holds a shard */
    int chosen[32];
    for (uint32_t k = 0; k < va->tp; k++) {
        int best = -1;
        for (uint32_t g = 0; g < t->gpus; g++) {
            int used = 0;
            for (uint32_t q = 0; q < k; q++)
                used |= chosen[q] == (int)g;
            if (!used && m->gfree[g] >= va->shard_bytes && (best < 0 || m->gfree[g] < m->gfree[best]))
                best = (int)g;
        }
        if (best < 0)
            return 0;
        chosen[k] = best;
    }
    m->hfree -= h;
    for (uint32_t k = 0; k < va->tp; k++) {
        m->gfree[chosen[k]] -= va->shard_bytes;
        if (cpush(m, (sol_shard){d, r, v, k, chosen[k]}))
            return -1;
    }
    return 1;
}

#define CGONE UINT32_MAX /* a shard moved away during an attempt (its entry kept for the undo) */

/* One attempt to empty a node: what it changed, to undo it. */
typedef struct cattempt {
    cnode *nodes;
    size_t N;
    size_t *save_n, *tidx, ntouched;   /* nodes appended to, and their shard counts before */
    unsigned char *touched;
    size_t ngone, capgone;
    size_t (*gone)[2];                 /* (node, shard entry) marked CGONE, their shard index */
    uint32_t *gone_shard;
    long budget;                       /* placements the ejections may still try */
} cattempt;

/* the load of shard entry q of node m taken off (sign -1: put on again) */
static void cunload(const sol_problem *pb, cnode *m, size_t q, int sign)
{
    const sol_shard *sh = &m->sh[q];
    const sol_variant *va = cvar(pb, sh);
    uint64_t h = va->on_host ? va->shard_bytes : sh->shard == 0 ? va->host_bytes : 0;
    if (sign > 0) {
        m->hfree += h;
        if (!va->on_host)
            m->gfree[sh->gpu] += va->shard_bytes;
    } else {
        m->hfree -= h;
        if (!va->on_host)
            m->gfree[sh->gpu] -= va->shard_bytes;
    }
}

/* cplace on node j, its shard count noted the first time the attempt appends to it */
static int cput(const sol_problem *pb, cattempt *a, size_t j, uint32_t d, uint32_t r, uint32_t v)
{
    size_t before = a->nodes[j].n;
    int rc = cplace(pb, &a->nodes[j], d, r, v);
    if (rc > 0 && !a->touched[j]) {
        a->touched[j] = 1;
        a->save_n[a->ntouched] = before;
        a->tidx[a->ntouched++] = j;
    }
    return rc;
}

/* Replica (d, r, v) onto node j after one replica of j moves to a third node (not `skip`,
 * the node being emptied): 1 done, 0 not, -1 out of memory.  A failed try leaves the
 * nodes as they were. */
static int ceject(const sol_problem *pb, cattempt *a, size_t skip, size_t j, uint32_t d, uint32_t r, uint32_t v)
{
    cnode *m = &a->nodes[j];
    if (m->removed || m->fixed || !sol_variant_allowed(&pb->deps[d], &pb->deps[d].variants[v], m->type))
        return 0;
    for (size_t q = 0; q < m->n && a->budget > 0; q++) {
        sol_shard *qs = &m->sh[q];
        if (qs->shard != 0 || (qs->dep == d && qs->replica == r))
            continue;
        uint32_t qd = qs->dep, qr = qs->replica, qv = qs->variant;
        size_t mark = a->ngone;
        /* Q's shards off m (marked, loads taken off) */
        for (size_t q2 = 0; q2 < m->n; q2++)
            if (m->sh[q2].dep == qd && m->sh[q2].replica == qr && m->sh[q2].shard != CGONE) {
                if (a->ngone == a->capgone) {
                    size_t cap = a->capgone ? 2 * a->capgone : 64;
                    size_t(*g)[2] = realloc(a->gone, cap * sizeof *g);
                    uint32_t *gs = g ? realloc(a->gone_shard, cap * sizeof *gs) : NULL;
                    if (g)
                        a->gone = g;
                    if (!g || !gs)
                        return -1;
                    a->gone_shard = gs;
                    a->capgone = cap;
                }
                cunload(pb, m, q2, 1);
                a->gone[a->ngone][0] = j;
                a->gone[a->ngone][1] = q2;
                a->gone_shard[a->ngone++] = m->sh[q2].shard;
                m->sh[q2].shard = CGONE;
            }
        a->budget--;
        size_t before = m->n;
        int rr = cput(pb, a, j, d, r, v);
        if (rr < 0)
            return -1;
        if (rr) {
            for (size_t k = 0; k < a->N; k++) {
                if (k == skip || k == j)
                    continue;
                a->budget--;
                int rq = cput(pb, a, k, qd, qr, qv);
                if (rq)
                    return rq; /* done (or out of memory) */
            }
            /* Q fits nowhere: R off m again */
            for (size_t q2 = before; q2 < m->n; q2++)
                cunload(pb, m, q2, 1);
            m->n = before;
        }
        /* Q back on m */
        while (a->ngone > mark) {
            a->ngone--;
            cnode *g = &a->nodes[a->gone[a->ngone][0]];
            size_t e = a->gone[a->ngone][1];
            g->sh[e].shard = a->gone_shard[a->ngone];
            cunload(pb, g, e, -1);
        }
    }
    return 0;
}

static int cmp_used(const void *a, const void *b)
{
    const uint64_t *x = a, *y = b; /* (used, index) */
    return x[0] != y[0] ? (x[0] < y[0] ? -1 : 1) : (x[1] < y[1] ? -1 : x[1] > y[1]);
}

int plan_compact(const sol_ctx *c, sol_plan *p)
{
    const sol_problem *pb = c->pb;
    size_t N = p->nnodes, removed = 0;
    int rc = -1;
    cattempt a = {0};
    cnode *nodes = calloc(N + 1, sizeof *nodes);
    size_t *save_n = malloc((N + 1) * sizeof *save_n);
    uint64_t *order = malloc((2 * N + 2) * sizeof *order);
    size_t *tidx = malloc((N + 1) * sizeof *tidx);
    unsigned char *touched = calloc(N + 1, 1);
    if (!nodes || !save_n || !order || !tidx || !touched)
        goto out;
    for (size_t i = 0; i < N; i++) {
        const sol_node *sn = &p->nodes[i];
        const sol_node_type *t = &pb->types[sn->type];
        cnode *n = &nodes[i];
        n->type = sn->type;
        n->fixed = t->gpus > 256;
        for (uint32_t g = 0; g < t->gpus && g < 256; g++)
            n->gfree[g] = t->gpu_bytes;
        n->hfree = t->host_bytes;
        for (size_t s = 0; s < sn->nshards; s++) {
            const sol_shard *sh = &sn->shards[s];
            const sol_variant *va = cvar(pb, sh);
            if (va->groups > 1 || (!va->on_host && va->tp > t->gpus) || (va->on_host && va->share))
                n->fixed = 1;
            if (cpush(n, *sh))
                goto out;
            uint64_t h = va->on_host ? va->shard_bytes : sh->shard == 0 ? va->host_bytes : 0;
            if (va->on_host && va->share)
                h += va->shared_bytes; /* an over-count: the node is fixed anyway */
            n->hfree = n->hfree >= h ? n->hfree - h : 0;
            if (!va->on_host && sh->gpu >= 0 && (uint32_t)sh->gpu < t->gpus)
                n->gfree[sh->gpu] = n->gfree[sh->gpu] >= va->shard_bytes ? n->gfree[sh->gpu] - va->shard_bytes : 0;
        }
        uint64_t used = 0;
        for (uint32_t g = 0; g < t->gpus && g < 256; g++)
            used += t->gpu_bytes - n->gfree[g];
        order[2 * i] = used + (t->host_bytes - n->hfree) / 1024; /* GPU bytes first, host as tie-break */
        order[2 * i + 1] = i;
    }
    qsort(order, N, 2 * sizeof *order, cmp_used);
    /* each node in turn, least used first: every replica on it moved to another node (or onto
     * one after one of its replicas moves to a third), or none; the 64 least used at most, and
     * 16 failures in a row end it (the rest are fuller) */
    a = (cattempt){.nodes = nodes, .N = N, .save_n = save_n, .tidx = tidx, .touched = touched, .budget = 200000};
    for (size_t oi = 0, fails = 0; oi < N && oi < 64 && fails < 16; oi++) {
        size_t i = (size_t)order[2 * oi + 1];
        cnode *n = &nodes[i];
        if (n->fixed || n->removed || n->n == 0)
            continue;
        n->removed = 1;
        a.ntouched = 0;
        a.ngone = 0;
        int ok = 1;
        for (size_t s = 0; s < n->n && ok; s++) {
            const sol_shard *sh = &n->sh[s];
            if (sh->shard != 0)
                continue; /* each replica once, by its first shard */
            /* the other nodes fullest first (as they were at the start): a replica goes where it
             * fits most tightly, and a full node is the likelier to take it by moving one of
             * its own replicas to an emptier one */
            ok = 0;
            for (size_t oj = N; oj-- > 0 && !ok;) {
                size_t j = (size_t)order[2 * oj + 1];
                if (j != i && (ok = cput(pb, &a, j, sh->dep, sh->replica, sh->variant)) < 0)
                    goto out;
            }
            for (size_t oj = N; oj-- > 0 && !ok && a.budget > 0;) {
                size_t j = (size_t)order[2 * oj + 1];
                if (j != i && (ok = ceject(pb, &a, i, j, sh->dep, sh->replica, sh->variant)) < 0)
                    goto out;
            }
        }
        for (size_t k = 0; k < a.ntouched; k++)
            touched[tidx[k]] = 0;
        if (ok) {
            removed++;
            fails = 0;
            continue;
        }
        fails++;
        /* undo: the shards appended to the touched nodes taken off, the moved ones put back */
        n->removed = 0;
        for (size_t k = 0; k < a.ntouched; k++) {
            cnode *m = &nodes[tidx[k]];
            for (size_t q = save_n[k]; q < m->n; q++)
                if (m->sh[q].shard != CGONE)
                    cunload(pb, m, q, 1);
            m->n = save_n[k];
        }
        while (a.ngone > 0) {
            a.ngone--;
            cnode *g = &nodes[a.gone[a.ngone][0]];
            size_t e = a.gone[a.ngone][1];
            if (e < g->n) { /* an entry appended in this attempt is gone with the undo above */
                g->sh[e].shard = a.gone_shard[a.ngone];
                cunload(pb, g, e, -1);
            }
        }
    }
    rc = 0;
    if (removed == 0)
        goto out;
    /* the compacted plan, checked by the verifier before it replaces p */
    sol_plan q = *p;
    q.nodes = calloc(N - removed + 1, sizeof *q.nodes);
    if (!q.nodes) {
        rc = -1;
        goto out;
    }
    q.nnodes = 0;
    q.cost = 0;
    for (size_t i = 0; i < N; i++) {
        if (nodes[i].removed)
            continue;
        sol_node *qn = &q.nodes[q.nnodes++];
        size_t kept = 0;
        for (size_t e = 0; e < nodes[i].n; e++) /* the entries of replicas moved away dropped */
            if (nodes[i].sh[e].shard != CGONE)
                nodes[i].sh[kept++] = nodes[i].sh[e];
        nodes[i].n = kept;
        qn->type = nodes[i].type;
        qn->nshards = nodes[i].n;
        qn->shards = nodes[i].sh;
        q.cost += pb->types[nodes[i].type].cost;
    }
    fp_error e;
    if (plan_verify(pb, &q, &e) != 0) { /* a bug here: keep the plan as it was */
        free(q.nodes);
        goto out;
    }
    for (size_t i = 0; i < N; i++) {
        free(p->nodes[i].shards);
        if (!nodes[i].removed)
            nodes[i].sh = NULL; /* now q's */
    }
    free(p->nodes);
    p->nodes = q.nodes;
    p->nnodes = q.nnodes;
    p->cost = q.cost;
    rc = (int)removed;
out:
    if (nodes)
        for (size_t i = 0; i < N; i++)
            free(nodes[i].sh);
    free(nodes);
    free(save_n);
    free(order);
    free(tidx);
    free(touched);
    free(a.gone);
    free(a.gone_shard);
    return rc;
}
