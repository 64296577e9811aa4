/* solver_int.h: private to solver/: the discretized problem and patterns. */
#ifndef FEDPLAN_SOLVER_INT_H
#define FEDPLAN_SOLVER_INT_H

#include <time.h>

#include "solver.h"

/* A variant of a deployment, flattened, in capacity units. */
typedef struct vitem {
    uint32_t dep, variant;
    uint32_t tp;     /* shards (1 for host) */
    int on_host;
    uint64_t w;      /* units per shard, rounded up (host units for a host item) */
    uint64_t h;      /* GPU items: host memory units the replica also takes, rounded up (0: none) */
} vitem;

/* a vitem's use of host memory units: a host item's size, a GPU item's process memory */
static inline uint64_t vi_host(const vitem *v)
{
    return v->on_host ? v->w : v->h;
}

/* a vitem's use of GPU memory units, over all its shards */
static inline uint64_t vi_gpu(const vitem *v)
{
    return v->on_host ? 0 : v->w * v->tp;
}

/* One copy of a vitem inside a pattern, with the GPU of each shard. */
typedef struct pcopy {
    uint32_t vi;
    int8_t gpu[32];  /* shard -> GPU; -1 host */
} pcopy;

typedef struct pattern {
    uint32_t type;
    uint32_t ncopies;
    pcopy *copies;
    uint64_t key;    /* hash of (type, counts) for duplicate detection */
} pattern;

typedef struct sol_ctx {
    const sol_problem *pb;
    uint64_t gunit, hunit;     /* bytes per capacity unit: GPU memory, host memory */
    size_t nvi;
    vitem *vi;
    size_t *vi_first;          /* per deployment: its first variant in vi (variants are contiguous) */
    uint64_t *gcap, *hcap;     /* per type, in units */
    double *obj;               /* per type: objective coefficient (integer-valued) */
    double *penalty;           /* per deployment: unplaced replica */
    double node_unit;          /* cost goal: objective = N x milli-dollars + nodes, node_unit = N;
                                  nodes goal: objective = K x nodes + milli-dollars, node_unit = K;
                                  all nodes free: objective = nodes, node_unit = 1 */
    double gm;                 /* gcd of the node costs in milli-dollars (cost goal) */
    double min_m, max_m;       /* smallest and largest node cost, milli-dollars */
    size_t npat, cappat;
    pattern *pats;
    /* sizes in exact units (every size a multiple of its unit): the model is the problem; else
     * the bound reported is taken from a relaxation (sizes rounded down, capacities up) */
    int exact_units;
    double deadline;               /* now_s() time by which the solve should end (wall clock governs) */
    double t0;                     /* now_s() when the solve started */
    struct sol_meter *meter;       /* work spent and the budget; shared by copies of the context */
} sol_ctx;

/* The work clock (docs/solver.md, "Limits: time and work").  Work is counted in units of
 * SOL_WORK_STEPS elementary steps; the weights below make a unit about a microsecond on the
 * reference machine, but only their counts matter: they never read the clock. */
typedef struct sol_meter {
    double steps;      /* elementary steps so far */
    double limit;      /* the budget in steps; 0: none (the wall clock governs) */
    int wall_hit;      /* a budget was set and the wall-clock guard stopped the solve */
} sol_meter;

#define SOL_WORK_STEPS 1000.0   /* steps per work unit */
#define SOL_W_CELL 1.0          /* one knapsack cell (one capacity step of one item row) */
#define SOL_W_DFS 40.0          /* one node of a pattern search (pricing, enumeration) */
#define SOL_W_ITER_ROW 2.0      /* one simplex iteration, per row and column of the LP */
#define SOL_W_BNB_ROW 4.0       /* one branch-and-bound node, per row times (rows + columns) of the
                                   LP: GLPK's branching heuristic (Driebeck-Tomlin) reads tableau rows */

static inline void ctx_work(const sol_ctx *c, double steps)
{
    if (c->meter)
        c->meter->steps += steps;
}

#define SOL_W_GREEDY 4.0        /* one candidate the greedy tries: a node for a replica's variant, or a
                                   node type to open for it (measured: about 4 ns each) */

/* the monotonic clock, in seconds (the greedy's; solver.c keeps its own) */
static inline double ctx_clock(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* 1 when the caller asked the solve to stop (a signal) */
static inline int ctx_stopped(const sol_ctx *c)
{
    return c->pb->stop && *c->pb->stop;
}

int ctx_add_pattern(sol_ctx *c, const pattern *p); /* copies p; returns 1 added, 0 duplicate, -1 oom */
void pattern_free(pattern *p);
/* The best of several first-fit-decreasing passes (greedy.c). */
int ctx_greedy(const sol_ctx *c, sol_plan *best);

/* Interchangeable deployments merged into classes (classes.c): the merged problem's
 * deployments are deps[0..n); class k's members are members[first[k] .. first[k+1]). */
typedef struct sol_classes {
    size_t n;
    uint32_t *of;       /* per deployment: its class */
    uint32_t *first;
    uint32_t *members;
    sol_deployment *deps;
} sol_classes;

/* 0 (cl->n == 0 when the problem is malformed: left to the solver's checks) or -1 oom */
int cls_build(const sol_problem *pb, sol_classes *cl);
/* the merged problem's plan as a plan of pb; -1 oom or a class plan that does not split */
int cls_expand(const sol_problem *pb, const sol_classes *cl, const sol_plan *cp, sol_plan *out);
void cls_free(sol_classes *cl);

#endif
