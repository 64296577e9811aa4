/* arcflow.c: the proof step after column generation (docs/solver.md, "Solving", step 4b, "The
 * proof step: compressed arc-flow").  Column generation's bound is the LP bound of the pattern
 * model; when the incumbent stays above its ceiling and the patterns cannot all be listed, no
 * earlier stage can raise it.  Here the whole problem is written as an arc-flow model, whose
 * integer program is the problem itself, and solved by GLPK's branch and bound.
 *
 * The model is Valério de Carvalho's (1999, "Exact solution of bin-packing problems using
 * column generation and branch-and-bound", Annals of OR 86): per node type, a graph whose
 * nodes are fill levels and whose arcs add one item; every path from the source to the sink is
 * a node's content, and an integer flow of value k is k nodes.  The graph is built and
 * compressed as in Brandão and Pedroso (2016, "Bin packing and related problems: general
 * arc-flow formulation with graph compression", Computers & OR 69), the method of their
 * VPSolver: the items in a fixed order (largest first) so that each pattern is one path (the
 * symmetry broken), fill levels as vectors (GPU memory and host memory: vector packing), then
 * every node relabelled with the highest level from which what follows it still fits
 * (psi(u) = min over arcs u->v of psi(v) - w, psi(sink) = the capacity) and the nodes with the
 * same label merged.  Every arc then has psi(v) - psi(u) >= w, so every path of the merged
 * graph fits the capacity: no pattern is added that does not fit, and none is lost.  The last
 * level of every path goes straight to the sink (all levels of the last layer share the
 * capacity as label).  Then their final compression: the merged nodes relabelled forward with
 * the highest level a path reaches them at, phi(v) = max over arcs of phi(u) + w, and merged
 * again (every arc keeps phi(v) - phi(u) >= w, phi(sink) <= the capacity).
 *
 * Per-node bounds (anti-affinity: at most k replicas of a deployment on one node) stay exact:
 * a deployment's variants are consecutive in the order, nodes carry how many of its copies the
 * path holds (j), and merging keeps the item's layer and j, so no merged path takes more.
 * Without anti-affinity no count is kept: a path holding more copies than there are replicas
 * is only surplus, dropped when the plan is built (the demand rows are "at least").
 *
 * The integer program: a column per arc, flow conservation at every node, and every
 * deployment's replicas covered by its items' arcs.  Each type's graph is closed by one arc
 * from its sink back to its source, as in VPSolver's model: its flow is the type's node count,
 * within the count limit (its bounds) and at the type's cost in the primary objective
 * (cost units over their greatest common divisor, or nodes).  Branch and bound branches on
 * those counts first, the most fractional, while any is fractional (GLPK's branching callback),
 * then on the most fractional arc: a search that decides how many nodes of each type before
 * what they hold proves fleets GLPK's own choice of arcs does not (docs/performance.md, "Third
 * run").  A node type of G > 1 GPUs whose host memory cannot bind is G independent bins: its
 * graph is one GPU's, a path a GPU, and a column of its own counts the nodes (GPUs <= G x
 * nodes, per_path).  Any other type of G > 1 GPUs has a segment of its graph per GPU, one
 * after the other: a path fills a GPU, steps to the next segment (the GPU fill emptied, the
 * host fill carried), and after the last GPU takes the type's host items; each segment is a
 * phase merging never crosses, and in the labels the step to the next segment counts as a
 * full GPU (psi) and an empty one (phi).  Both hold replicas of one GPU and count copies per
 * GPU, so a type of several GPUs that a tensor-parallel variant or an anti-affinity
 * deployment may use keeps the step out.  It covers replicas within one node (none that may span nodes) and no
 * weights file shared between host items.  Where sizes round (the context's units are not
 * exact), the model rounds them down and the capacities up: a relaxation, whose optimum is a
 * bound but whose solutions may not fit (af_caps, af_sizes).  It runs only when the
 * incumbent places every replica that fits some node type; the deployments that fit none are
 * left out of the model (their rows need nothing), and their penalty, the same in every plan,
 * is added to the bound (find_nowhere).  The incumbent is given to GLPK as its first solution
 * (so branch and bound prunes against it); GLPK's MIP presolver is off because a heuristic
 * solution is read in the presolved problem's columns (glp_ios_heur_sol), and the objective
 * tolerance is set below one unit so that no better plan is pruned.  A proven optimum is a
 * bound on every plan; a better solution is turned back into nodes (each unit of flow a path
 * from the source to the sink), checked by plan_verify and kept. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "solver_int.h"

#define AF_MAX_ARCS 200000   /* merged arcs over all types: larger graphs are not run */
#define AF_MAX_STATES 400000 /* fill levels before merging, per type */
#define AF_FIRST_TRY_S 0.3   /* the branch and bound's first try (seconds, or 3e5 work units) */

/* ---------------------------------------------------------------- a small hash map: 4 x u64 -> u32 */

typedef struct htab {
    size_t cap, n;
    uint64_t (*k)[4];
    uint32_t *v;
    unsigned char *used;
} htab;

static void ht_free(htab *t)
{
    free(t->k);
    free(t->v);
    free(t->used);
    memset(t, 0, sizeof *t);
}

static int ht_alloc(htab *t, size_t cap)
{
    t->cap = cap;
    t->n = 0;
    t->k = malloc(cap * sizeof *t->k);
    t->v = malloc(cap * sizeof *t->v);
    t->used = calloc(cap, 1);
    return t->k && t->v && t->used ? 0 : -1;
}

static size_t ht_slot(const htab *t, const uint64_t k[4])
{
    uint64_t h = mix64(k[0] ^ mix64(k[1] ^ mix64(k[2] ^ mix64(k[3]))));
    size_t i = (size_t)h & (t->cap - 1);
    while (t->used[i] && memcmp(t->k[i], k, sizeof t->k[i]) != 0)
        i = (i + 1) & (t->cap - 1);
    return i;
}

/* the value of k, or -1 */
static int64_t ht_get(const htab *t, const uint64_t k[4])
{
    size_t i = ht_slot(t, k);
    return t->used[i] ? (int64_t)t->v[i] : -1;
}

/* k -> v (k not yet there); -1 out of memory */
static int ht_put(htab *t, const uint64_t k[4], uint32_t v)
{
    if ((t->n + 1) * 2 > t->cap) {
        htab g;
        if (ht_alloc(&g, t->cap * 2) != 0) {
            ht_free(&g);
            return -1;
        }
        for (size_t i = 0; i < t->cap; i++)
            if (t->used[i]) {
                size_t s = ht_slot(&g, t->k[i]);
                g.used[s] = 1;
                memcpy(g.k[s], t->k[i], sizeof g.k[s]);
                g.v[s] = t->v[i];
                g.n++;
            }
        ht_free(t);
        *t = g;
    }
    size_t i = ht_slot(t, k);
    t->used[i] = 1;
    memcpy(t->k[i], k, sizeof t->k[i]);
    t->v[i] = v;
    t->n++;
    return 0;
}

/* ---------------------------------------------------------------- the model */

/* One item of a node type's graph: a variant that may go there, in the type's order. */
typedef struct af_item {
    uint32_t vi, dep;
    uint32_t seg;     /* a node type of several GPUs: the GPU whose segment of the graph holds it,
                       * or the type's GPU count for a host item; else 0 */
    uint64_t g, h;    /* GPU and host memory units */
    uint32_t bound;   /* copies of its deployment one node may hold (anti-affinity); 0: no count */
    uint32_t cap;     /* copies a state counts up to: the anti-affinity bound, else the replicas
                       * (more are never needed; Brandão and Pedroso's step 1 bounds by demand),
                       * or 0: not counted (the graph built again without counts, too large) */
} af_item;

/* An arc of the merged graph; nodes are numbered over all types. */
typedef struct af_arc {
    uint32_t from, to;
    int32_t item;     /* index into items; -1: no item (to the next layer, or to the sink) */
    uint32_t type;
} af_arc;

/* What one run of the model gave. */
typedef struct af_result {
    int ran;          /* the model was built and GLPK ran */
    int proven;       /* GLPK proved its optimum: primary is a bound on every plan */
    double primary;   /* the optimum, in solver objective units of the primary (a multiple of unit) */
    double bound;     /* when not proven: a bound on every plan's primary, the same units (-1 none) */
    sol_plan plan;    /* its best solution as a plan, when have_plan */
    int have_plan;
} af_result;

struct af_model {
    glp_prob *lp;
    af_result res;    /* here, not on the stack: GLPK's error hook jumps past the callers */
    sol_plan inc;     /* sol_arcflow's incumbent (the greedy plan) */
    size_t ntypes;
    af_item *items;
    size_t nitems, capitems;
    af_arc *arcs;
    size_t narcs, caparcs;
    size_t nnodes;       /* merged nodes, all types */
    int64_t *src;        /* per type: its source node, -1 none (nothing fits it) */
    int64_t *sink;
    double *xinit;       /* the incumbent as a flow, 1-based over the arcs */
    double *xbest;       /* GLPK's best solution over its tries, 1-based over the arcs */
    int inject;          /* xinit holds the whole incumbent */
    unsigned char *nowhere; /* per deployment: it fits no node type (its replicas are left out) */
    double pen0;            /* their penalty, in every plan (solver objective units) */
    size_t back0;        /* the first of the types' back arcs (sink to source), the last arcs */
    uint32_t *per_path;  /* per type: GPUs of a node that are each a path (its GPUs independent bins:
                          * a flow of k is k GPUs, on ceil(k / G) nodes, counted by a column of
                          * their own), or 1: a path is a node */
    int *node_col;       /* per type with per_path > 1: its node count's column (after the arcs), else 0 */
    size_t nnode_cols;
    uint32_t *inc_paths; /* per type: the incumbent's paths mapped (its non-empty GPUs, or nodes) */
    int *row_of;         /* per merged node: its conservation row */
    int *ia, *ja;
    double *ar;
    double *flow;        /* the solution's flow per arc, then left to decompose */
    uint32_t *out0;      /* per merged node: its first arc in by_from, out0[nnodes] the end */
    uint32_t *by_from;   /* arcs grouped by their tail */
};

void arcflow_free(af_model *m)
{
    if (!m)
        return;
    if (m->lp)
        glp_delete_prob(m->lp);
    sol_plan_free(&m->res.plan);
    sol_plan_free(&m->inc);
    free(m->items);
    free(m->nowhere);
    free(m->arcs);
    free(m->src);
    free(m->sink);
    free(m->per_path);
    free(m->node_col);
    free(m->inc_paths);
    free(m->xinit);
    free(m->xbest);
    free(m->row_of);
    free(m->ia);
    free(m->ja);
    free(m->ar);
    free(m->flow);
    free(m->out0);
    free(m->by_from);
    free(m);
}

void arcflow_lp_gone(af_model *m)
{
    if (m)
        m->lp = NULL;
}

/* A state of the graph before merging: layer (the item now placed), copies of its
 * deployment so far (j), fill (g, h), label (pg, ph), merged node, first out arc. */
typedef struct s1node {
    uint32_t layer, j;
    uint64_t g, h, pg, ph;
    uint32_t arc0, narcs;
    uint32_t m;
} s1node;

/* The copies a merged node keeps apart: counted only where a per-node bound needs them (a
 * deployment with anti-affinity); the demand's count, which only keeps the graph small, is
 * forgotten when states merge (a path may then take more copies than the demand: a pattern
 * that still fits, whose extra copies a plan drops). */
static uint32_t key_j(const af_item *items, size_t nit, const s1node *s)
{
    return s->layer < nit && items[s->layer].bound ? s->j : 0;
}

/* The state (layer, count, GPU fill, host fill) a path enters the next layer in, from state s
 * without an item: the count kept while the deployment stays the same, a memory's fill kept
 * while some layer from there on takes that memory, and the GPU fill emptied where the next
 * GPU's segment begins (reset).  The sink's key is (nit, 0, 0, 0). */
static void next_level(const af_item *items, size_t nit, const unsigned char *needs, const unsigned char *reset,
                       const s1node *s, uint64_t k[4])
{
    size_t i = (size_t)s->layer + 1;
    k[0] = i;
    k[1] = i < nit && items[i].dep == items[s->layer].dep ? s->j : 0;
    k[2] = (needs[i] & 1) && !reset[i] ? s->g : 0;
    k[3] = (needs[i] & 2) ? s->h : 0;
}

typedef struct s1arc {
    uint32_t to;
    int32_t item;     /* local item index; -1 none */
} s1arc;

typedef struct s1order {
    uint32_t layer;
    uint64_t sum;
    uint32_t idx;
} s1order;

static int cmp_order(const void *a, const void *b)
{
    const s1order *x = a, *y = b;
    if (x->layer != y->layer)
        return x->layer > y->layer ? -1 : 1;
    if (x->sum != y->sum)
        return x->sum > y->sum ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

typedef struct dep_key {
    int cls;          /* 0: both memories, 1: GPU memory only, 2: host memory only */
    double size;
    uint32_t dep;
} dep_key;

static int cmp_dep(const void *a, const void *b)
{
    const dep_key *x = a, *y = b;
    if (x->cls != y->cls)
        return x->cls < y->cls ? -1 : 1;
    if (x->size != y->size)
        return x->size > y->size ? -1 : 1;
    return x->dep < y->dep ? -1 : x->dep > y->dep;
}

/* The one-type graph's scratch. */
typedef struct s1graph {
    s1node *nodes;
    size_t n, cap;
    s1arc *arcs;
    size_t na, capa;
    htab idx;         /* (layer, j, g, h) -> state */
} s1graph;

static void s1_free(s1graph *g)
{
    free(g->nodes);
    free(g->arcs);
    ht_free(&g->idx);
}

/* the state (layer, j, g, h), added when new; -1 out of memory, -2 too many */
static int64_t s1_get(s1graph *g, uint32_t layer, uint32_t j, uint64_t fg, uint64_t fh)
{
    uint64_t k[4] = {layer, j, fg, fh};
    int64_t v = ht_get(&g->idx, k);
    if (v >= 0)
        return v;
    if (g->n >= AF_MAX_STATES)
        return -2;
    if (g->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 1024;
        s1node *nn = realloc(g->nodes, cap * sizeof *nn);
        if (!nn)
            return -1;
        g->nodes = nn;
        g->cap = cap;
    }
    g->nodes[g->n] = (s1node){.layer = layer, .j = j, .g = fg, .h = fh};
    if (ht_put(&g->idx, k, (uint32_t)g->n) != 0)
        return -1;
    return (int64_t)g->n++;
}

static int s1_arc(s1graph *g, uint32_t to, int32_t item)
{
    if (g->na == g->capa) {
        size_t cap = g->capa ? g->capa * 2 : 2048;
        s1arc *na = realloc(g->arcs, cap * sizeof *na);
        if (!na)
            return -1;
        g->arcs = na;
        g->capa = cap;
    }
    g->arcs[g->na++] = (s1arc){to, item};
    return 0;
}

static int add_arc(af_model *m, uint32_t from, uint32_t to, int32_t item, uint32_t type)
{
    if (m->narcs == m->caparcs) {
        size_t cap = m->caparcs ? m->caparcs * 2 : 4096;
        af_arc *na = realloc(m->arcs, cap * sizeof *na);
        if (!na)
            return -1;
        m->arcs = na;
        m->caparcs = cap;
    }
    m->arcs[m->narcs++] = (af_arc){from, to, item, type};
    return 0;
}

/* The incumbent's nodes of type t as paths of its graph, counted on xinit; 0 when some node
 * is not a path (the incumbent is then not given), -1 out of memory. */
static int map_incumbent(af_model *m, const sol_ctx *c, const sol_plan *inc, uint32_t t, const s1graph *g,
                         const htab *arcidx, size_t it0, size_t nit, const unsigned char *needs,
                         const unsigned char *reset)
{
    uint32_t gpus = c->pb->types[t].gpus, per = m->per_path[t];
    uint32_t *cnt = calloc(nit + 1, sizeof *cnt);
    if (!cnt)
        return -1;
    int ok = 1;
    /* a path per node, or per GPU of a node whose GPUs are each a path (its empty GPUs none) */
    for (size_t np = 0; np < inc->nnodes * per && ok; np++) {
        const sol_node *nd = &inc->nodes[np / per];
        if (nd->type != t)
            continue;
        memset(cnt, 0, (nit + 1) * sizeof *cnt);
        int any = 0;
        for (size_t k = 0; k < nd->nshards && ok; k++) {
            if (nd->shards[k].shard != 0 || (per > 1 && nd->shards[k].gpu != (int32_t)(np % per)))
                continue;
            any = 1;
            uint32_t vi = (uint32_t)(c->vi_first[nd->shards[k].dep] + nd->shards[k].variant);
            /* a type of several GPUs: the item of the shard's GPU's segment */
            int64_t seg = gpus <= 1 || per > 1 ? 0 : c->vi[vi].on_host ? (int64_t)gpus : nd->shards[k].gpu;
            size_t i = 0;
            while (i < nit && (m->items[it0 + i].vi != vi || (int64_t)m->items[it0 + i].seg != seg))
                i++;
            if (i == nit)
                ok = 0;
            else
                cnt[i]++;
        }
        if (!any)
            continue;
        m->inc_paths[t]++;
        /* the path: from the source, each layer's copies, then on */
        uint32_t u = 0;
        for (size_t i = 0; i < nit && ok; i++) {
            const af_item *it = &m->items[it0 + i];
            for (uint32_t q = 0; q < cnt[i] && ok; q++) {
                const s1node *s = &g->nodes[u];
                uint64_t k[4] = {s->layer, it->cap ? s->j + 1 : 0, s->g + it->g, s->h + it->h};
                int64_t v = ht_get(&g->idx, k);
                int64_t a = -1;
                if (v >= 0) {
                    uint64_t ak[4] = {g->nodes[u].m, g->nodes[v].m, (uint64_t)i + 1, 0};
                    a = ht_get(arcidx, ak);
                }
                if (a < 0)
                    ok = 0;
                else {
                    m->xinit[a + 1] += 1;
                    u = (uint32_t)v;
                }
            }
            if (!ok)
                break;
            uint64_t k[4];
            next_level(m->items + it0, nit, needs, reset, &g->nodes[u], k);
            int64_t v = ht_get(&g->idx, k);
            int64_t a = -1;
            if (v >= 0 && g->nodes[u].m == g->nodes[v].m) { /* merged into one node: no arc */
                u = (uint32_t)v;
                continue;
            }
            if (v >= 0) {
                uint64_t ak[4] = {g->nodes[u].m, g->nodes[v].m, 0, 0};
                a = ht_get(arcidx, ak);
            }
            if (a < 0)
                ok = 0;
            else {
                m->xinit[a + 1] += 1;
                u = (uint32_t)v;
            }
        }
    }
    free(cnt);
    return ok;
}

typedef struct m1info {
    uint32_t phase, j;
    uint64_t sum;     /* psi's two parts added: a topological order within a phase */
    uint32_t idx;
} m1info;

static int cmp_m1(const void *a, const void *b)
{
    const m1info *x = a, *y = b;
    if (x->phase != y->phase)
        return x->phase < y->phase ? -1 : 1;
    if (x->sum != y->sum)
        return x->sum < y->sum ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* The graph whose nodes g->nodes[].m (0..nm) were merged by psi, merged again by phi (the
 * level a path reaches them at, forward from the source: node 0's), keeping phase and count;
 * g->nodes[].m renumbered, *nm2 the nodes left.  0 done, -1 out of memory. */
static int forward_merge(s1graph *g, const af_item *items, size_t nit, const uint32_t *phase,
                         const unsigned char *reset, size_t nm, size_t *nm2)
{
    int rc = -1;
    m1info *info = malloc((nm + 1) * sizeof *info);
    uint32_t *pos = malloc((nm + 1) * sizeof *pos), *first = calloc(nm + 2, sizeof *first);
    uint32_t *adj = malloc((g->na + 1) * sizeof *adj);
    uint64_t (*phi)[2] = malloc((nm + 1) * sizeof *phi);
    uint32_t *id2 = malloc((nm + 1) * sizeof *id2);
    unsigned char *seen = calloc(nm + 1, 1);
    htab h2 = {0};
    if (!info || !pos || !first || !adj || !phi || !id2 || !seen || ht_alloc(&h2, 4096) != 0)
        goto out;
    for (size_t u = 0; u < g->n; u++) {
        const s1node *s = &g->nodes[u];
        if (!seen[s->m]) {
            seen[s->m] = 1;
            info[s->m] = (m1info){phase[s->layer], key_j(items, nit, s), s->pg + s->ph, s->m};
        }
    }
    /* the merged arcs by tail (an arc per step-1 arc; a repeated one changes nothing) */
    for (size_t u = 0; u < g->n; u++)
        first[g->nodes[u].m + 1] += g->nodes[u].narcs;
    for (size_t a = 0; a < nm; a++)
        first[a + 1] += first[a];
    memset(pos, 0, (nm + 1) * sizeof *pos);
    for (size_t u = 0; u < g->n; u++) {
        uint32_t fm = g->nodes[u].m;
        for (uint32_t a = g->nodes[u].arc0; a < g->nodes[u].arc0 + g->nodes[u].narcs; a++) {
            adj[first[fm] + pos[fm]++] = a;
        }
    }
    qsort(info, nm, sizeof *info, cmp_m1);
    for (size_t q = 0; q < nm; q++)
        phi[q][0] = phi[q][1] = UINT64_MAX; /* not reached yet */
    phi[g->nodes[0].m][0] = phi[g->nodes[0].m][1] = 0;
    for (size_t q = 0; q < nm; q++) {
        uint32_t a1 = info[q].idx;
        if (phi[a1][0] == UINT64_MAX)
            continue; /* cannot happen: every level is reached from the source */
        for (uint32_t e = first[a1]; e < first[a1 + 1]; e++) {
            const s1arc *arc = &g->arcs[adj[e]];
            uint32_t b1 = g->nodes[arc->to].m;
            if (b1 == a1)
                continue;
            uint64_t wg = arc->item >= 0 ? items[arc->item].g : 0, wh = arc->item >= 0 ? items[arc->item].h : 0;
            /* into the next GPU's segment: that GPU is empty */
            uint64_t fg = arc->item < 0 && reset[g->nodes[arc->to].layer] ? 0 : phi[a1][0] + wg;
            if (phi[b1][0] == UINT64_MAX || fg > phi[b1][0])
                phi[b1][0] = fg;
            if (phi[b1][1] == UINT64_MAX || phi[a1][1] + wh > phi[b1][1])
                phi[b1][1] = phi[a1][1] + wh;
        }
    }
    size_t n2 = 0;
    for (size_t q = 0; q < nm; q++) {
        uint32_t a1 = info[q].idx;
        uint64_t k[4] = {info[q].phase, info[q].j, phi[a1][0], phi[a1][1]};
        int64_t v = ht_get(&h2, k);
        if (v < 0) {
            v = (int64_t)n2++;
            if (ht_put(&h2, k, (uint32_t)v) != 0)
                goto out;
        }
        id2[a1] = (uint32_t)v;
    }
    for (size_t u = 0; u < g->n; u++)
        g->nodes[u].m = id2[g->nodes[u].m];
    *nm2 = n2;
    rc = 0;
out:
    free(info);
    free(pos);
    free(first);
    free(adj);
    free(phi);
    free(id2);
    free(seen);
    ht_free(&h2);
    return rc;
}

/* ---------------------------------------------------------------- sizes: exact, or a relaxation
 * In exact units (c->exact_units) the model's sizes are the context's.  Otherwise the context
 * rounds sizes up and capacities down (a restriction, whose optimum is no bound), so the model
 * takes its own: every size rounded down to its unit and every capacity up.  Every plan then
 * fits the model, whose optimum is a bound on every plan, but a solution of the model may not
 * fit the nodes: it is kept only when plan_verify passes it. */

static uint64_t ceil_div(uint64_t a, uint64_t b)
{
    return a / b + (a % b != 0);
}

/* Type t's capacities in the model's units: a GPU's (0 without GPUs) and the host's. */
static void af_caps(const sol_ctx *c, uint32_t t, uint64_t *G, uint64_t *H)
{
    const sol_node_type *nt = &c->pb->types[t];
    if (c->exact_units) {
        *G = nt->gpus ? c->gcap[t] : 0;
        *H = c->hcap[t];
    } else {
        *G = nt->gpus ? ceil_div(nt->gpu_bytes, c->gunit) : 0;
        *H = ceil_div(nt->host_bytes, c->hunit);
    }
}

/* Variant k's sizes in the model's units: GPU memory per shard (0 for a host item) and host
 * memory (a host item's size, a GPU replica's process). */
static void af_sizes(const sol_ctx *c, size_t k, uint64_t *g, uint64_t *h)
{
    const vitem *v = &c->vi[k];
    if (c->exact_units) {
        *g = v->on_host ? 0 : v->w;
        *h = vi_host(v);
    } else if (v->on_host) {
        *g = 0;
        *h = vbytes(c, (uint32_t)k) / c->hunit;
    } else {
        *g = vbytes(c, (uint32_t)k) / c->gunit;
        *h = vhost_bytes(c, (uint32_t)k) / c->hunit;
    }
}

/* May variant k go on type t in the model?  In exact units where it fits (node_bound); in
 * a relaxation where its rounded-down sizes fit the rounded-up capacities. */
static int af_fits(const sol_ctx *c, uint32_t t, size_t k)
{
    if (c->exact_units)
        return node_bound(c, t, k) > 0;
    const vitem *v = &c->vi[k];
    const sol_deployment *d = &c->pb->deps[v->dep];
    const sol_node_type *nt = &c->pb->types[t];
    uint64_t G, H, g, h;
    if (!sol_variant_allowed(d, &d->variants[v->variant], t))
        return 0;
    af_caps(c, t, &G, &H);
    af_sizes(c, k, &g, &h);
    return v->on_host ? h <= H : v->tp <= nt->gpus && v->tp <= 32 && g <= G && h <= H;
}

/* One node type's graph, built, compressed and appended to the model (its items too).
 * 1 done, 0 too large (the model is not run), -1 out of memory. */
static int build_type(af_model *m, const sol_ctx *c, uint32_t t, const sol_plan *inc, size_t *budget_arcs,
                      int counts)
{
    const sol_problem *pb = c->pb;
    const sol_node_type *nt = &pb->types[t];
    uint64_t G, H;
    af_caps(c, t, &G, &H);
    int rc = -1;
    s1graph g = {0};
    htab mnode = {0}, arcidx = {0};
    s1order *ord = NULL;
    uint32_t *phase = NULL;
    unsigned char *needs = NULL, *reset = NULL;
    dep_key *dk = malloc((pb->ndeps + 1) * sizeof *dk);
    m->src[t] = m->sink[t] = -1;
    if (!dk)
        goto out;
    /* the items: deployments that take both memories first, then those of GPU memory only,
     * then host memory only (so that a level forgets a memory nothing after it takes, below);
     * largest first within each (their largest variant's share of the node); each
     * deployment's variants together (its anti-affinity count spans them) */
    size_t nd = 0;
    for (size_t d = 0; d < pb->ndeps; d++) {
        double size = -1;
        int uses_g = 0, uses_h = 0;
        for (size_t k = c->vi_first[d]; k < c->vi_first[d] + pb->deps[d].nvariants; k++)
            if (af_fits(c, t, k)) {
                uint64_t wg, wh;
                af_sizes(c, k, &wg, &wh);
                double sg = G ? (double)wg / (double)G : 0;
                double sh = H ? (double)wh / (double)H : 0;
                size = fmax(size, fmax(sg, sh));
                uses_g |= wg > 0;
                uses_h |= wh > 0;
            }
        if (size >= 0)
            dk[nd++] = (dep_key){uses_g && uses_h ? 0 : uses_g ? 1 : 2, size, (uint32_t)d};
    }
    if (nd == 0) { /* nothing fits this type: no node of it */
        rc = 1;
        goto out;
    }
    qsort(dk, nd, sizeof *dk, cmp_dep);
    size_t it0 = m->nitems;
    /* a type of several GPUs whose host memory cannot bind (no host item may go there, and
     * every replica's h / w is at most H / (GPUs x C): the GPUs' fill bounds the processes')
     * is GPUs x a GPU: its GPUs are independent bins, the graph is a GPU's and a path a GPU
     * (af_run counts the nodes).  Any other type of several GPUs has the items once per GPU,
     * each GPU's a segment of the graph (its GPU variants, all of one shard: af_applies), then
     * the host variants */
    int bins = 0;
    if (nt->gpus > 1) {
        bins = 1;
        for (size_t k = 0; k < c->nvi && bins; k++)
            if (af_fits(c, t, k)) {
                uint64_t wg, wh;
                af_sizes(c, k, &wg, &wh);
                if (c->vi[k].on_host || (uint64_t)nt->gpus * G * wh > H * wg)
                    bins = 0;
            }
    }
    m->per_path[t] = bins ? nt->gpus : 1;
    uint32_t npass = nt->gpus > 1 && !bins ? nt->gpus + 1 : 1;
    for (uint32_t seg = 0; seg < npass; seg++) {
        for (size_t q = 0; q < nd; q++) {
            const sol_deployment *dp = &pb->deps[dk[q].dep];
            uint32_t bound = dp->anti_affinity > 0 && (uint32_t)dp->anti_affinity < dp->replicas ? (uint32_t)dp->anti_affinity : 0;
            for (size_t k = c->vi_first[dk[q].dep]; k < c->vi_first[dk[q].dep] + dp->nvariants; k++) {
                if (!af_fits(c, t, k) || (npass > 1 && (seg < nt->gpus) == (c->vi[k].on_host != 0)))
                    continue;
                if (m->nitems == m->capitems) {
                    size_t cap = m->capitems ? m->capitems * 2 : 64;
                    af_item *ni = realloc(m->items, cap * sizeof *ni);
                    if (!ni)
                        goto out;
                    m->items = ni;
                    m->capitems = cap;
                }
                uint64_t wg, wh;
                af_sizes(c, k, &wg, &wh);
                if (wg == 0 && wh == 0) { /* a size below the unit: an item for nothing, not run */
                    rc = 0;
                    goto out;
                }
                m->items[m->nitems++] = (af_item){(uint32_t)k, dk[q].dep, seg, wg, wh, bound,
                                                  bound ? bound : counts ? dp->replicas : 0};
            }
        }
    }
    size_t nit = m->nitems - it0;
    for (size_t i = 0; i < nit && bins; i++) /* host memory never binds: not tracked */
        m->items[it0 + i].h = 0;
    const af_item *items = m->items + it0;
    /* per layer: does it or a later one take GPU (bit 1) or host memory (bit 2)?  A level
     * entering a layer forgets a memory that nothing from there on takes (its fill there can
     * no longer matter), so that the two memories' levels add rather than multiply */
    needs = calloc(nit + 1, 1);
    reset = calloc(nit + 1, 1);
    if (!needs || !reset)
        goto out;
    for (size_t i = nit; i-- > 0;)
        needs[i] = (unsigned char)(needs[i + 1] | (items[i].g ? 1 : 0) | (items[i].h ? 2 : 0));
    /* where a segment begins: the next GPU's, or the host items' after the GPUs */
    for (size_t i = 1; i < nit; i++)
        reset[i] = items[i].seg != items[i - 1].seg;
    /* the states reachable from the empty node, layer by layer (each state's arcs are added
     * when it is taken from the list, so a state's arcs are consecutive) */
    if (ht_alloc(&g.idx, 4096) != 0 || s1_get(&g, 0, 0, 0, 0) < 0)
        goto out;
    int64_t sink = s1_get(&g, (uint32_t)nit, 0, 0, 0);
    if (sink < 0)
        goto out;
    for (size_t u = 0; u < g.n; u++) {
        s1node s = g.nodes[u];
        g.nodes[u].arc0 = (uint32_t)g.na;
        if (s.layer == nit)
            continue; /* the sink */
        const af_item *it = &items[s.layer];
        if (s.g + it->g <= G && s.h + it->h <= H && (!it->cap || s.j < it->cap)) {
            int64_t v = s1_get(&g, s.layer, it->cap ? s.j + 1 : 0, s.g + it->g, s.h + it->h);
            if (v == -2) {
                rc = 0;
                goto out;
            }
            if (v < 0 || s1_arc(&g, (uint32_t)v, (int32_t)s.layer) != 0)
                goto out;
        }
        uint64_t nk[4];
        next_level(items, nit, needs, reset, &s, nk);
        int64_t v = s1_get(&g, (uint32_t)nk[0], (uint32_t)nk[1], nk[2], nk[3]);
        if (v == -2) {
            rc = 0;
            goto out;
        }
        if (v < 0 || s1_arc(&g, (uint32_t)v, -1) != 0)
            goto out;
        g.nodes[u].narcs = (uint32_t)g.na - g.nodes[u].arc0;
        if ((u & 4095) == 4095 && ctx_over(c)) {
            rc = 0;
            goto out;
        }
    }
    ctx_work(c, SOL_W_CELL * (double)(g.n + g.na));
    /* the labels, from the sink back: psi(u) = min over arcs of psi(v) - w */
    ord = malloc(g.n * sizeof *ord);
    if (!ord)
        goto out;
    for (size_t u = 0; u < g.n; u++)
        ord[u] = (s1order){g.nodes[u].layer, g.nodes[u].g + g.nodes[u].h, (uint32_t)u};
    qsort(ord, g.n, sizeof *ord, cmp_order);
    /* merging keeps the order only where a count needs it: consecutive items without a count
     * share a phase (a path may take them in any order: every path still fits), each
     * deployment with one (anti-affinity) has its own, entered once */
    phase = malloc((nit + 1) * sizeof *phase);
    if (!phase || ht_alloc(&mnode, 4096) != 0)
        goto out;
    for (size_t i = 0, ph = 0; i <= nit; i++) {
        if (i == nit || reset[i] || (items[i].bound && (i == 0 || items[i - 1].dep != items[i].dep)) ||
            (!items[i].bound && i > 0 && items[i - 1].bound))
            ph++;
        phase[i] = (uint32_t)ph;
    }
    size_t base = m->nnodes, nm = 0;
    for (size_t q = 0; q < g.n; q++) {
        s1node *s = &g.nodes[ord[q].idx];
        if (s->layer == nit) {
            s->pg = G;
            s->ph = H;
        } else {
            s->pg = s->ph = UINT64_MAX;
            for (uint32_t a = s->arc0; a < s->arc0 + s->narcs; a++) {
                const s1node *v = &g.nodes[g.arcs[a].to];
                uint64_t wg = g.arcs[a].item >= 0 ? items[g.arcs[a].item].g : 0;
                uint64_t wh = g.arcs[a].item >= 0 ? items[g.arcs[a].item].h : 0;
                /* into the next GPU's segment: this GPU may be filled to its capacity */
                uint64_t vg = g.arcs[a].item < 0 && reset[v->layer] ? G : v->pg;
                if (vg - wg < s->pg)
                    s->pg = vg - wg;
                if (v->ph - wh < s->ph)
                    s->ph = v->ph - wh;
            }
        }
        uint64_t k[4] = {phase[s->layer], key_j(items, nit, s), s->pg, s->ph};
        int64_t mid = ht_get(&mnode, k);
        if (mid < 0) {
            mid = (int64_t)nm++;
            if (ht_put(&mnode, k, (uint32_t)mid) != 0)
                goto out;
        }
        s->m = (uint32_t)mid;
    }
    /* the second compression: the merged nodes relabelled forward with the highest level a
     * path reaches them at, phi(v) = max over arcs u->v of phi(u) + w, phi(source) = 0, and
     * merged again by label (Brandão and Pedroso's final compression).  Every arc keeps
     * phi(v) - phi(u) >= w and phi(sink) <= the capacity, so every path still fits. */
    int fr = forward_merge(&g, items, nit, phase, reset, nm, &nm);
    if (fr != 0) {
        rc = fr < 0 ? -1 : 0;
        goto out;
    }
    /* the merged arcs, each once */
    if (ht_alloc(&arcidx, 4096) != 0)
        goto out;
    size_t arc_base = m->narcs;
    for (size_t u = 0; u < g.n; u++)
        for (uint32_t a = g.nodes[u].arc0; a < g.nodes[u].arc0 + g.nodes[u].narcs; a++) {
            uint32_t fm = g.nodes[u].m, tm = g.nodes[g.arcs[a].to].m;
            if (fm == tm) /* no item, the same merged node: nothing to carry */
                continue;
            uint64_t k[4] = {fm, tm, (uint64_t)(g.arcs[a].item + 1), 0};
            if (ht_get(&arcidx, k) >= 0)
                continue;
            if (m->narcs >= *budget_arcs) {
                rc = 0;
                goto out;
            }
            if (ht_put(&arcidx, k, (uint32_t)m->narcs) != 0 ||
                add_arc(m, (uint32_t)(base + fm), (uint32_t)(base + tm),
                        g.arcs[a].item >= 0 ? (int32_t)(it0 + (size_t)g.arcs[a].item) : -1, t) != 0)
                goto out;
        }
    m->src[t] = (int64_t)(base + g.nodes[0].m);
    m->sink[t] = (int64_t)(base + g.nodes[sink].m);
    m->nnodes = base + nm;
    if (inc && m->inject) {
        double *nx = realloc(m->xinit, (m->narcs + 1) * sizeof *nx);
        if (!nx)
            goto out;
        for (size_t a = m->xinit ? arc_base + 1 : 0; a <= m->narcs; a++)
            nx[a] = 0;
        m->xinit = nx;
        /* the arc indices in arcidx are global: map_incumbent adds 1 */
        int r = map_incumbent(m, c, inc, t, &g, &arcidx, it0, nit, needs, reset);
        if (r < 0)
            goto out;
        if (r == 0)
            m->inject = 0;
    }
    rc = 1;
out:
    free(dk);
    free(ord);
    free(phase);
    free(needs);
    free(reset);
    s1_free(&g);
    ht_free(&mnode);
    ht_free(&arcidx);
    return rc;
}

/* ---------------------------------------------------------------- GLPK */

typedef struct af_cb {
    const sol_ctx *c;
    const double *x;
    int injected;
    double worst;     /* the largest objective of a solution GLPK found (its incumbents) */
    double bound;     /* the largest lower bound the tree showed (the model's units; -inf none) */
    double tol_obj;   /* GLPK's pruning tolerance (iocp.tol_obj) */
    double work_stop, node_steps, iter_steps;
    int it_last;
    int back0, back1; /* the columns of the types' back arcs (the last ones) */
} af_cb;

static void af_callback(glp_tree *tree, void *info)
{
    af_cb *cb = info;
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
    case GLP_IBINGO: {
        double z = glp_mip_obj_val(glp_ios_get_prob(tree));
        if (z > cb->worst)
            cb->worst = z;
        break;
    }
    case GLP_IBRANCH: {
        /* the nodes of a type first: of the fractional node counts, the most fractional */
        glp_prob *lp = glp_ios_get_prob(tree);
        int best = 0;
        double bf = 0;
        for (int j = cb->back0; j <= cb->back1; j++)
            if (glp_ios_can_branch(tree, j)) {
                double x = glp_get_col_prim(lp, j), f = x - floor(x), d = fmin(f, 1 - f);
                if (d > bf) {
                    bf = d;
                    best = j;
                }
            }
        if (best)
            glp_ios_branch_upon(tree, best, GLP_NO_BRNCH);
        break;
    }
    case GLP_ISELECT: {
        /* the tree's bound: its best open node's, or the incumbent's less the tolerance GLPK
         * prunes with (a pruned node's bound is within it of the incumbent); the largest one
         * seen holds for the model, since the optimum does not move */
        int p = glp_ios_best_node(tree);
        double b = p ? glp_ios_node_bound(tree, p) : INFINITY;
        glp_prob *mip = glp_ios_get_prob(tree);
        if (glp_mip_status(mip) == GLP_FEAS || glp_mip_status(mip) == GLP_OPT) {
            double z = glp_mip_obj_val(mip);
            b = fmin(b, z - cb->tol_obj * (1 + fabs(z)));
        }
        if (isfinite(b) && b > cb->bound)
            cb->bound = b;
        ios_node_work(tree, cb->c, cb->node_steps, cb->iter_steps, &cb->it_last, cb->work_stop);
        break;
    }
    default:
        break;
    }
}

/* The primary objective of one node of type t in the model's units (integers): cost units
 * over their gcd for the cost goal, else one per node; *unit: that unit in solver objective
 * units (node_unit times the gcd, or node_unit). */
static double type_cost(const sol_ctx *c, uint32_t t, double *unit)
{
    int cost_goal = c->pb->goal == SOL_GOAL_COST && c->node_unit != 1.0;
    double g = c->gm > 0 ? c->gm : 1;
    *unit = cost_goal ? c->node_unit * g : c->node_unit;
    return cost_goal ? ctx_cost_units(c, c->pb->types[t].cost) / g : 1.0;
}

/* The GLPK problem of the model: a column per arc (a back arc's bounds its type's count
 * limit), covering rows (1..ndeps), conservation rows.  -1 out of memory. */
static int load_lp(af_model *m, const sol_ctx *c)
{
    const sol_problem *pb = c->pb;
    double unit;
    m->row_of = calloc(m->nnodes + 1, sizeof *m->row_of);
    size_t nz = 4 * m->narcs + 2 * m->nnode_cols + 1;
    m->ia = malloc(nz * sizeof *m->ia);
    m->ja = malloc(nz * sizeof *m->ja);
    m->ar = malloc(nz * sizeof *m->ar);
    if (!m->row_of || !m->ia || !m->ja || !m->ar)
        return -1;
    int nrows = (int)pb->ndeps;
    for (size_t v = 0; v < m->nnodes; v++)
        m->row_of[v] = ++nrows;
    int link0 = nrows; /* then a row per node column: GPUs - G x nodes <= 0 */
    nrows += (int)m->nnode_cols;
    m->lp = glp_create_prob();
    glp_set_obj_dir(m->lp, GLP_MIN);
    glp_add_rows(m->lp, nrows);
    for (int r = link0 + 1; r <= nrows; r++)
        glp_set_row_bnds(m->lp, r, GLP_UP, 0, 0);
    for (size_t d = 0; d < pb->ndeps; d++)
        glp_set_row_bnds(m->lp, (int)d + 1, GLP_LO, m->nowhere[d] ? 0 : (double)pb->deps[d].replicas, 0);
    for (size_t v = 0; v < m->nnodes; v++)
        glp_set_row_bnds(m->lp, m->row_of[v], GLP_FX, 0, 0);
    glp_add_cols(m->lp, (int)(m->narcs + m->nnode_cols));
    int k = 0;
    for (uint32_t t = 0; t < pb->ntypes; t++) {
        int col = m->node_col[t];
        if (!col)
            continue;
        glp_set_col_kind(m->lp, col, GLP_IV);
        glp_set_col_bnds(m->lp, col, GLP_LO, 0, 0);
        glp_set_obj_coef(m->lp, col, type_cost(c, t, &unit));
        int64_t av = pb->types[t].available;
        if (av >= 0)
            glp_set_col_bnds(m->lp, col, av > 0 ? GLP_DB : GLP_FX, 0, (double)av);
        m->ia[++k] = link0 + (col - (int)m->narcs);
        m->ja[k] = col;
        m->ar[k] = -(double)m->per_path[t];
    }
    for (size_t a = 0; a < m->narcs; a++) {
        const af_arc *arc = &m->arcs[a];
        int col = (int)a + 1;
        glp_set_col_kind(m->lp, col, GLP_IV);
        glp_set_col_bnds(m->lp, col, GLP_LO, 0, 0);
        if (a >= m->back0 && m->node_col[arc->type]) { /* GPUs: the node column pays */
            m->ia[++k] = link0 + (m->node_col[arc->type] - (int)m->narcs);
            m->ja[k] = col;
            m->ar[k] = 1;
        } else if (a >= m->back0) {
            glp_set_obj_coef(m->lp, col, type_cost(c, arc->type, &unit));
            int64_t av = pb->types[arc->type].available;
            if (av >= 0)
                glp_set_col_bnds(m->lp, col, av > 0 ? GLP_DB : GLP_FX, 0, (double)av);
        }
        m->ia[++k] = m->row_of[arc->from];
        m->ja[k] = col;
        m->ar[k] = -1;
        m->ia[++k] = m->row_of[arc->to];
        m->ja[k] = col;
        m->ar[k] = 1;
        if (arc->item >= 0) {
            m->ia[++k] = (int)m->items[arc->item].dep + 1;
            m->ja[k] = col;
            m->ar[k] = 1;
        }
    }
    glp_load_matrix(m->lp, k, m->ia, m->ja, m->ar);
    return 0;
}

/* The flow turned back into nodes: each unit from a source follows arcs with flow left to
 * the sink, its items a node's content (copies past a deployment's replicas dropped).
 * 0 done (out filled), 1 the flow did not decompose (out empty), -1 out of memory. */
static int flow_to_plan(af_model *m, const sol_ctx *c, sol_plan *out)
{
    const sol_problem *pb = c->pb;
    memset(out, 0, sizeof *out);
    m->flow = malloc((m->narcs + 1) * sizeof *m->flow);
    m->out0 = calloc(m->nnodes + 2, sizeof *m->out0);
    m->by_from = malloc((m->narcs + 1) * sizeof *m->by_from);
    uint32_t *next = calloc(pb->ndeps + 1, sizeof *next);
    size_t nnodes = 0;
    int rc = -1;
    if (!m->flow || !m->out0 || !m->by_from || !next)
        goto out;
    for (size_t a = 0; a < m->narcs; a++) {
        m->flow[a] = (double)lround(m->xbest[a + 1]);
        m->out0[m->arcs[a].from + 1]++;
    }
    for (size_t v = 0; v < m->nnodes; v++)
        m->out0[v + 1] += m->out0[v];
    {
        uint32_t *fill = calloc(m->nnodes + 1, sizeof *fill);
        if (!fill)
            goto out;
        for (size_t a = 0; a < m->narcs; a++) {
            uint32_t f = m->arcs[a].from;
            m->by_from[m->out0[f] + fill[f]++] = (uint32_t)a;
        }
        free(fill);
    }
    for (size_t t = 0; t < pb->ntypes; t++)
        if (m->src[t] >= 0)
            for (uint32_t q = m->out0[m->src[t]]; q < m->out0[m->src[t] + 1]; q++)
                nnodes += (size_t)m->flow[m->by_from[q]];
    out->nodes = calloc(nnodes + 1, sizeof *out->nodes);
    out->unplaced = calloc(pb->ndeps + 1, sizeof *out->unplaced);
    if (!out->nodes || !out->unplaced)
        goto out;
    for (size_t t = 0; t < pb->ntypes; t++) {
        if (m->src[t] < 0)
            continue;
        uint32_t per = m->per_path[t];
        size_t kpath = 0; /* the type's paths with something on them */
        for (;;) {
            /* one unit of flow from the source to the sink */
            uint32_t u = (uint32_t)m->src[t];
            size_t len = 0, cap = 8;
            sol_shard *sh = malloc(cap * sizeof *sh);
            if (!sh)
                goto out;
            int started = 0;
            while ((int64_t)u != m->sink[t]) {
                uint32_t q = m->out0[u];
                while (q < m->out0[u + 1] && m->flow[m->by_from[q]] < 0.5)
                    q++;
                if (q == m->out0[u + 1]) {
                    free(sh);
                    if (!started)
                        goto type_done; /* no flow left from the source */
                    rc = 1;             /* flow in, none out: not a flow */
                    goto bad;
                }
                started = 1;
                uint32_t a = m->by_from[q];
                m->flow[a] -= 1;
                if (m->arcs[a].item >= 0) {
                    const vitem *v = &c->vi[m->items[m->arcs[a].item].vi];
                    if (next[v->dep] < pb->deps[v->dep].replicas) {
                        if (len == cap) {
                            cap *= 2;
                            sol_shard *ns = realloc(sh, cap * sizeof *ns);
                            if (!ns) {
                                free(sh);
                                goto out;
                            }
                            sh = ns;
                        }
                        sh[len++] = (sol_shard){v->dep, next[v->dep]++, v->variant, 0,
                                                v->on_host ? -1 : (int32_t)m->items[m->arcs[a].item].seg};
                    }
                }
                u = m->arcs[a].to;
            }
            if (len == 0) {
                free(sh);
                continue;
            }
            /* a type whose GPUs are each a path: path k is GPU k % G of the type's node k / G */
            for (size_t i = 0; i < len && per > 1; i++)
                sh[i].gpu = (int32_t)(kpath % per);
            if (per > 1 && kpath++ % per != 0) {
                sol_node *nd = &out->nodes[out->nnodes - 1];
                sol_shard *ns = realloc(nd->shards, (nd->nshards + len) * sizeof *ns);
                if (!ns) {
                    free(sh);
                    goto out;
                }
                memcpy(ns + nd->nshards, sh, len * sizeof *sh);
                nd->shards = ns;
                nd->nshards += len;
                free(sh);
                continue;
            }
            if (out->nnodes == nnodes) { /* more paths than the source's flow: not a flow */
                free(sh);
                rc = 1;
                goto bad;
            }
            out->nodes[out->nnodes++] = (sol_node){(uint32_t)t, len, sh};
            out->cost += pb->types[t].cost;
        }
    type_done:;
    }
    out->nodes_used = out->nnodes;
    for (size_t d = 0; d < pb->ndeps; d++)
        if (next[d] < pb->deps[d].replicas) {
            out->unplaced[out->nunplaced].dep = (uint32_t)d;
            out->unplaced[out->nunplaced].count = pb->deps[d].replicas - next[d];
            out->nunplaced++;
        }
    out->status = SOL_FEASIBLE;
    free(next);
    return 0;
bad:
    free(next);
    sol_plan_free(out);
    return rc;
out:
    free(next);
    sol_plan_free(out);
    return -1;
}

/* Can the model be built for this problem?  Types of several GPUs only where what may go
 * there takes one GPU and has no anti-affinity, no weights file shared between host items
 * (a node's fill would then depend on which files it holds, which these levels do not
 * track), and no replica that may span
 * nodes (the graphs hold replicas within one node: with a spanning variant left out, the
 * model would be a restriction, and its optimum or bound no bound). */
static int af_applies(const sol_ctx *c)
{
    if (c->nshare > 0)
        return 0;
    for (size_t t = 0; t < c->pb->ntypes; t++)
        for (size_t k = 0; k < c->nvi; k++) {
            if (span_of(c, k, (uint32_t)t) > 1)
                return 0;
            /* several GPUs: each GPU a segment of the graph, which holds replicas of one GPU
             * each, and counts a deployment's copies per GPU, not per node */
            uint32_t d = c->vi[k].dep;
            if (c->pb->types[t].gpus > 1 && af_fits(c, (uint32_t)t, k) &&
                (c->vi[k].tp > 1 || dep_limit(c->pb, d) < c->pb->deps[d].replicas))
                return 0;
        }
    return 1;
}

/* Per deployment in nowhere (ndeps bytes): 1 when no variant fits any node type in the model
 * (every plan leaves its replicas unplaced, and pays their penalty).  Returns that penalty,
 * in solver objective units. */
static double find_nowhere(const sol_ctx *c, unsigned char *nowhere)
{
    double pen = 0;
    for (size_t d = 0; d < c->pb->ndeps; d++) {
        nowhere[d] = 1;
        for (size_t k = c->vi_first[d]; k < c->vi_first[d] + c->pb->deps[d].nvariants && nowhere[d]; k++)
            for (uint32_t t = 0; t < c->pb->ntypes && nowhere[d]; t++)
                if (af_fits(c, t, k))
                    nowhere[d] = 0;
        if (nowhere[d])
            pen += c->penalty[d] * (double)c->pb->deps[d].replicas;
    }
    return pen;
}

/* Does plan p leave unplaced only replicas that fit nowhere?  (The model covers every other
 * replica: a plan that leaves one of them out is not a solution of it.)  -1 out of memory. */
static int only_nowhere_unplaced(const sol_ctx *c, const sol_plan *p)
{
    if (p->nunplaced == 0)
        return 1;
    unsigned char *nowhere = malloc(c->pb->ndeps + 1);
    if (!nowhere)
        return -1;
    find_nowhere(c, nowhere);
    int ok = 1;
    for (size_t u = 0; u < p->nunplaced; u++)
        if (!nowhere[p->unplaced[u].dep])
            ok = 0;
    free(nowhere);
    return ok;
}

/* A model to build: freed by arcflow_free (even after a GLPK error).  NULL out of memory. */
static af_model *af_new(const sol_ctx *c)
{
    af_model *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->ntypes = c->pb->ntypes;
    m->src = malloc((m->ntypes + 1) * sizeof *m->src);
    m->sink = malloc((m->ntypes + 1) * sizeof *m->sink);
    m->nowhere = malloc(c->pb->ndeps + 1);
    m->per_path = malloc((m->ntypes + 1) * sizeof *m->per_path);
    m->node_col = calloc(m->ntypes + 1, sizeof *m->node_col);
    m->inc_paths = calloc(m->ntypes + 1, sizeof *m->inc_paths);
    if (!m->src || !m->sink || !m->nowhere || !m->per_path || !m->node_col || !m->inc_paths) {
        arcflow_free(m);
        return NULL;
    }
    for (size_t t = 0; t < m->ntypes; t++)
        m->per_path[t] = 1;
    m->pen0 = find_nowhere(c, m->nowhere);
    return m;
}

/* Build the model in m and solve it within the limits, the outcome in m->res; inc (may be
 * NULL) is given as the first solution, and only a solution better than inc_model_obj (the
 * model's objective; < 0: any) is turned into a plan.  -1 out of memory (nothing proven). */
static int af_run(const sol_ctx *c, const sol_plan *inc, double inc_model_obj, double share, int counts, af_model *m)
{
    const sol_problem *pb = c->pb;
    af_result *res = &m->res;
    m->inject = inc != NULL;
    size_t budget = AF_MAX_ARCS;
    for (uint32_t t = 0; t < pb->ntypes; t++) {
        /* copies counted up to the demand first: fewer levels are reachable on large nodes; when
         * the counts make the graph too large (many small replicas), without them */
        size_t ni = m->nitems, na = m->narcs, nn = m->nnodes, left_arcs = budget;
        int r = build_type(m, c, t, inc, &budget, counts);
        if (r == 0 && counts && !ctx_over(c)) {
            m->nitems = ni;
            m->narcs = na;
            m->nnodes = nn;
            budget = left_arcs;
            r = build_type(m, c, t, inc, &budget, 0);
        }
        if (r < 0)
            return -1;
        if (r == 0 || ctx_over(c))
            return 0; /* too large, or no time: not run */
    }
    if (m->narcs == 0)
        return 0;
    /* each type's nodes on one arc, from its sink back to its source (a circulation, as in
     * VPSolver's model): its cost and count limit there, and a variable to branch on */
    m->back0 = m->narcs;
    for (uint32_t t = 0; t < pb->ntypes; t++)
        if (m->src[t] >= 0 && add_arc(m, (uint32_t)m->sink[t], (uint32_t)m->src[t], -1, t) != 0)
            return -1;
    /* a type whose GPUs are each a path: its back arc counts GPUs, a column of its own its
     * nodes (after the arcs), at most GPUs x nodes of the first */
    for (uint32_t t = 0; t < pb->ntypes; t++)
        if (m->src[t] >= 0 && m->per_path[t] > 1)
            m->node_col[t] = (int)(m->narcs + ++m->nnode_cols);
    if (m->inject) {
        double *nx = realloc(m->xinit, (m->narcs + 1) * sizeof *nx);
        if (!nx)
            return -1;
        m->xinit = nx;
        for (size_t a = m->back0; a < m->narcs; a++)
            nx[a + 1] = m->inc_paths[m->arcs[a].type];
        if (m->nnode_cols) {
            nx = realloc(m->xinit, (m->narcs + m->nnode_cols + 1) * sizeof *nx);
            if (!nx)
                return -1;
            m->xinit = nx;
            for (uint32_t t = 0; t < pb->ntypes; t++)
                if (m->node_col[t]) {
                    nx[m->node_col[t]] = 0;
                    for (size_t n = 0; n < inc->nnodes; n++)
                        nx[m->node_col[t]] += inc->nodes[n].type == t;
                }
        }
    }
    if (load_lp(m, c) != 0)
        return -1;
    res->ran = 1;
    res->bound = -1;
    /* the LP relaxation first (glp_intopt without its presolver needs an optimal basis); the
     * LP presolver halves its time on large graphs, and the basis comes back to the model */
    glp_smcp smcp;
    glp_init_smcp(&smcp);
    smcp.msg_lev = pb->verbose ? GLP_MSG_ON : GLP_MSG_OFF;
    smcp.presolve = GLP_ON;
    int budget_on = c->meter && c->meter->limit > 0;
    /* its share of what is left: the clock (or, with a budget, the work) it may use */
    double end = now_s() + share * ((budget_on ? c->t0 + pb->time_limit_s : c->deadline) - now_s());
    double work_end = budget_on ? c->meter->steps + share * (c->meter->limit - c->meter->steps) : 0;
    double left = end - now_s();
    if (left <= 0.01)
        return 0;
    smcp.tm_lim = (int)fmin(left * 1000.0, 2e9);
    int nrows = glp_get_num_rows(m->lp), ncols = glp_get_num_cols(m->lp);
    double per_iter = SOL_W_ITER_ROW * (double)(nrows + ncols);
    if (budget_on) {
        double iters = (work_end - c->meter->steps) / per_iter;
        if (iters < 1)
            return 0;
        smcp.it_lim = iters < 2e9 ? (int)iters : 2000000000;
    }
    glp_scale_prob(m->lp, GLP_SF_AUTO);
    glp_adv_basis(m->lp, 0);
    int r = glp_simplex(m->lp, &smcp);
    ctx_work(c, (double)glp_get_it_cnt(m->lp) * per_iter);
    if (r != 0 || glp_get_status(m->lp) != GLP_OPT)
        return 0;
    double lp_bound = glp_get_obj_val(m->lp); /* the relaxation's optimum: a bound too */
    glp_iocp iocp;
    glp_init_iocp(&iocp);
    iocp.msg_lev = pb->verbose ? GLP_MSG_ON : GLP_MSG_OFF;
    iocp.presolve = GLP_OFF;
    iocp.br_tech = GLP_BR_MFV;
    /* best projection: the node whose bound, plus the degradation the integer infeasibility of
     * its LP costs at the rate seen so far, promises the best solution.  Best bound explores
     * breadth first and finds the optimum late: on the generated fleet `gpu 300 5 6` the
     * solve proves it at 4.3 s this way and at 12.1 s by best bound, the proof coming as soon
     * as the optimum is found (docs/performance.md, "Fourth run") */
    iocp.bt_tech = GLP_BT_BPH;
    /* no better plan may be pruned: the objective is integral, GLPK prunes a node whose bound
     * is within tol_obj * (1 + |incumbent|) of it, so tol_obj is set for that to stay under a
     * quarter unit while the incumbent is at most ub (the given one, or a node per replica at
     * the dearest cost); an optimum is claimed only if every incumbent GLPK found was */
    double ub = inc_model_obj, unit_;
    for (size_t t = 0; t < pb->ntypes; t++) {
        double per = type_cost(c, (uint32_t)t, &unit_), all = 0;
        for (size_t d = 0; d < pb->ndeps; d++)
            all += per * (double)pb->deps[d].replicas;
        if (all > ub)
            ub = all;
    }
    iocp.tol_obj = fmin(1e-7, 0.25 / (1 + ub));
    left = end - now_s();
    if (left <= 0.01)
        return 0;
    af_cb cb = {.c = c, .x = m->inject ? m->xinit : NULL,
                .node_steps = SOL_W_BNB_ROW * (double)(nrows + ncols) * (double)nrows,
                .iter_steps = per_iter, .back0 = (int)m->back0 + 1, .back1 = ncols,
                .bound = lp_bound, .tol_obj = iocp.tol_obj};
    iocp.cb_func = af_callback;
    iocp.cb_info = &cb;
    /* GLPK's branch and bound on these models is erratic: on one fleet it proves the optimum in
     * 0.25 s with Gomory's mixed-integer cuts and not in 6 s without, on the next the reverse
     * (docs/performance.md).  So it gets two tries: with the cuts for AF_FIRST_TRY_S (or that
     * much work under a budget), then without them for the rest, given the first try's best
     * solution as its first.  An optimum is claimed only by a try that ended its search. */
    double best_z = INFINITY;
    int ms = GLP_UNDEF, proven = 0;
    for (int attempt = 0;; attempt++) {
        /* a try must have room for one node of its search: a node is counted when GLPK selects
         * it, after it is solved, so one that does not fit would overrun the share */
        left = end - now_s();
        if (left <= 0.01 || (budget_on && c->meter->steps + cb.node_steps > work_end))
            break;
        double try_s = attempt == 0 ? AF_FIRST_TRY_S : 1e9;
        iocp.gmi_cuts = attempt == 0 ? GLP_ON : GLP_OFF;
        /* no node preprocessing with the cuts: with the incumbent given at the root and
         * Gomory's cuts added, GLPK's bound tightening against the incumbent as a cutoff
         * closed roots that held better plans, and the incumbent came back "optimal" (two of
         * 720 random fleets of 1-8 GPUs; a review's reproducer: $37.677/h called optimal where
         * $36.714/h verifies; test solver/arcflow_against_a_false_proof).  Either alone was
         * right there; without the preprocessing the second try lost gpu 300 5 6's proof */
        iocp.pp_tech = attempt == 0 ? GLP_PP_NONE : GLP_PP_ALL;
        iocp.tm_lim = (int)fmin((budget_on ? left : fmin(left, try_s)) * 1000.0, 2e9);
        cb.work_stop = budget_on ? fmin(work_end, c->meter->steps + try_s * 1e6 * SOL_WORK_STEPS) : 0;
        cb.injected = 0;
        cb.it_last = glp_get_it_cnt(m->lp);
        r = glp_intopt(m->lp, &iocp);
        /* its own share of the clock ending is no runaway: only the guard's passing marks the solve */
        if (r == GLP_ETMLIM && budget_on && now_s() > c->t0 + pb->time_limit_s)
            c->meter->wall_hit = 1;
        ms = glp_mip_status(m->lp);
        if ((ms == GLP_OPT || ms == GLP_FEAS) && glp_mip_obj_val(m->lp) < best_z - 0.5) {
            best_z = glp_mip_obj_val(m->lp);
            if (!m->xbest && !(m->xbest = malloc(((size_t)ncols + 1) * sizeof *m->xbest)))
                return -1;
            for (int j = 1; j <= ncols; j++)
                m->xbest[j] = glp_mip_col_val(m->lp, j);
            cb.x = m->xbest;
        }
        if (r == 0 && ms == GLP_OPT) {
            proven = cb.worst <= ub;
            break;
        }
        if (r != GLP_ETMLIM && r != GLP_ESTOP)
            break;
        if (ctx_stopped(c) || (budget_on ? c->meter->steps >= work_end : now_s() >= end - 0.01))
            break;
        /* the next try starts from the LP's optimal basis again */
        glp_smcp again;
        glp_init_smcp(&again);
        again.msg_lev = GLP_MSG_OFF;
        again.tm_lim = (int)fmin(fmax(end - now_s(), 0.001) * 1000.0, 2e9);
        int it0 = glp_get_it_cnt(m->lp);
        if (glp_simplex(m->lp, &again) != 0 || glp_get_status(m->lp) != GLP_OPT)
            break;
        ctx_work(c, (double)(glp_get_it_cnt(m->lp) - it0) * per_iter);
    }
    double unit;
    (void)type_cost(c, 0, &unit);
    if (proven) {
        res->proven = 1;
        res->primary = round(best_z) * unit;
    } else if (isfinite(cb.bound)) {
        /* the objective is an integer: the bound rounds up, past the LP's rounding errors */
        res->bound = ceil(cb.bound - 0.01) * unit;
    }
    if (m->xbest && (inc_model_obj < 0 || best_z < inc_model_obj - 0.5)) {
        int fr = flow_to_plan(m, c, &res->plan);
        if (fr < 0)
            return -1;
        if (fr == 0) {
            fp_error ve;
            if (plan_verify(pb, &res->plan, &ve) == 0)
                res->have_plan = 1;
            else
                sol_plan_free(&res->plan);
        }
    }
    return 0;
}

/* The incumbent's primary objective in the model's units (integers); -1 when some replica is
 * unplaced (the model has no slack: any solution is better), unless nowhere_ok and it fits
 * nowhere. */
static double model_obj(const sol_ctx *c, const sol_plan *p, int nowhere_ok)
{
    double o = 0, unit;
    if (p->nunplaced && (!nowhere_ok || only_nowhere_unplaced(c, p) != 1))
        return -1;
    for (size_t n = 0; n < p->nnodes; n++)
        o += type_cost(c, p->nodes[n].type, &unit);
    return o;
}

/* ---------------------------------------------------------------- the stage */

/* Raises the solve's bound to what a bound P on every plan's primary objective implies; 1 when
 * it rose.  Every plan's objective is at least its primary objective P times node_unit, plus its
 * secondary part: at least P / (the dearest node) nodes for the cost goal, P nodes' least cost
 * for the nodes goal (a plan of a larger primary objective is above that anyway: the secondary
 * part stays below node_unit). */
static int raise_bound(solve_state *s, double primary, double pen0)
{
    const sol_ctx *c = &s->c;
    double p = primary_of(c, primary), lb = primary + pen0;
    if (c->node_unit != 1.0)
        lb += s->pb->goal == SOL_GOAL_COST ? (c->max_m > 0 ? ceil(p / c->max_m - 1e-9) : 0) : p * c->min_m;
    /* each on its own: where sizes round, lb_obj is the rounded-up model's (no bound on the
     * problem, and it may be above this one) while vb.value holds for the problem */
    int rose = 0;
    if (lb > s->vb.value) {
        s->vb.value = lb;
        rose = 1;
    }
    if (lb > s->lb_obj) {
        s->lb_obj = lb;
        rose = 1;
    }
    return rose;
}

int arcflow_step(solve_state *s, double share)
{
    sol_ctx *c = &s->c;
    /* once: a second run on graphs without the demand counts proved nothing the first did not
     * once the types' node counts had their own arcs (docs/performance.md, "Third run") */
    if (s->arcflow_tried || !af_applies(c) || ctx_over(c) || good_enough(c, &s->vb, s->lb_obj, s->best_obj))
        return 0;
    /* replicas that fit no node type are left out of the model (every plan pays their
     * penalty); any other replica unplaced: not run */
    int only = only_nowhere_unplaced(c, &s->best);
    if (only < 0)
        return fp_fail(s->err, NULL, 0, 0, "out of memory");
    if (!only)
        return 0;
    s->arcflow_tried = 1;
    s->af = af_new(c);
    if (!s->af || af_run(c, &s->best, model_obj(c, &s->best, 1), share, 1, s->af) != 0) {
        arcflow_free(s->af);
        s->af = NULL;
        return fp_fail(s->err, NULL, 0, 0, "out of memory");
    }
    af_result *res = &s->af->res;
    if (res->ran && s->arcflow == 0)
        s->arcflow = 1;
    if (res->have_plan) {
        double o = plan_obj(c, &res->plan);
        if (o < s->best_obj) {
            sol_plan_free(&s->best);
            s->best = res->plan;
            s->best_obj = o;
            memset(&res->plan, 0, sizeof res->plan);
        }
    }
    if (res->proven) {
        if (raise_bound(s, res->primary, s->af->pen0))
            s->arcflow = 2;
        else if (s->arcflow != 2)
            s->arcflow = 3; /* proven, but the bound already said as much */
    } else if (res->bound > 0 && raise_bound(s, res->bound, s->af->pen0))
        s->arcflow = 4; /* no proof, but the search raised the bound */
    arcflow_free(s->af);
    s->af = NULL;
    tick(c, s->t0, &s->last_tick, s->best_obj, s->lb_obj);
    return 0;
}

/* ---------------------------------------------------------------- for tests */

/* sol_arcflow, with the greedy plan as the first solution (start) or without (then a plan is
 * always GLPK's own, turned back into nodes) */
static int arcflow_alone(const sol_problem *pb, sol_plan *plan, double *primary, fp_error *err, int start)
{
    sol_ctx c;
    glpk_guard guard;
    af_model *volatile m = NULL;
    volatile int rc = -1;
    memset(plan, 0, sizeof *plan);
    *primary = -1;
    if (ctx_build(&c, pb, err) != 0) {
        ctx_free(&c);
        return -1;
    }
    c.t0 = now_s();
    c.deadline = c.t0 + pb->time_limit_s * 0.95;
    if (!af_applies(&c)) {
        ctx_free(&c);
        return 0;
    }
    m = af_new(&c);
    if (!m) {
        ctx_free(&c);
        return fp_fail(err, NULL, 0, 0, "out of memory");
    }
    if (m->pen0 > 0) { /* a replica fits nowhere: no plan places every one */
        arcflow_free(m);
        ctx_free(&c);
        return 0;
    }
    glp_term_out(GLP_OFF);
    glp_term_hook(glpk_quiet, NULL);
    if (setjmp(guard.jb)) {
        glp_error_hook(NULL, NULL);
        glp_free_env();
        arcflow_lp_gone(m);
        fp_fail(err, NULL, 0, 0, "internal error in GLPK (its error hook caught it)");
        goto out;
    }
    glp_error_hook(glpk_hook, &guard);
    if (ctx_greedy(&c, &m->inc) != 0 ||
        af_run(&c, start && !m->inc.nunplaced ? &m->inc : NULL, start ? model_obj(&c, &m->inc, 0) : -1, 1.0, 1, m) !=
            0) {
        fp_fail(err, NULL, 0, 0, "out of memory");
        goto out;
    }
    rc = 0;
    if (m->res.proven) {
        /* GLPK's better plan, or the greedy plan: optimal when it meets the proven optimum (in
         * a relaxation the model's optimum may fit no nodes: then it is a bound only) */
        sol_plan *best = m->res.have_plan ? &m->res.plan : start ? &m->inc : NULL;
        double unit;
        (void)type_cost(&c, 0, &unit);
        *primary = primary_of(&c, m->res.primary);
        rc = 2;
        if (best && best->nunplaced == 0 && fabs(model_obj(&c, best, 0) * unit - m->res.primary) < 0.5 * unit) {
            *plan = *best;
            memset(best, 0, sizeof *best);
            plan->status = SOL_OPTIMAL;
            rc = 1;
        }
    }
out:
    glp_error_hook(NULL, NULL);
    arcflow_free(m);
    ctx_free(&c);
    return rc;
}

int sol_arcflow(const sol_problem *pb, sol_plan *plan, double *primary, fp_error *err)
{
    return arcflow_alone(pb, plan, primary, err, 1);
}

int sol_arcflow_cold(const sol_problem *pb, sol_plan *plan, double *primary, fp_error *err)
{
    return arcflow_alone(pb, plan, primary, err, 0);
}
