/* solver_int.h: private to solver/: the discretized problem, patterns, and what the stages
 * of a solve share (docs/solver.md, "Code map", says which file holds which stage). */
#ifndef FEDPLAN_SOLVER_INT_H
#define FEDPLAN_SOLVER_INT_H

#include <glpk.h>
#include <setjmp.h>
#include <time.h>

#include "solver.h"

/* A variant of a deployment, flattened, in capacity units. */
typedef struct vitem {
    uint32_t dep, variant;
    uint32_t tp;     /* shards (1 for host) */
    int on_host;
    uint64_t w;      /* units per shard, rounded up (host units for a host item) */
    uint64_t h;      /* GPU items: host memory units the replica also takes, rounded up (0: none) */
    uint32_t share;  /* host items: the weights file its replicas share on a node (0: none) */
    uint64_t s;      /* host units of that file's one copy per node (the knapsack's set-up weight) */
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
    /* 0 or 1: one node.  k > 1: a replica spanning k dedicated nodes of the type (one copy,
     * its shards laid out by span_layout; docs/solver.md, "Replicas that span nodes") */
    uint32_t nodes;
} pattern;

/* the nodes a pattern's column counts: k for a spanning replica, else 1 */
static inline uint32_t pat_nodes(const pattern *p)
{
    return p->nodes > 1 ? p->nodes : 1;
}

typedef struct sol_ctx {
    const sol_problem *pb;
    uint64_t gunit, hunit;     /* bytes per capacity unit: GPU memory, host memory */
    size_t nvi;
    vitem *vi;
    size_t *vi_first;          /* per deployment: its first variant in vi (variants are contiguous) */
    uint64_t *gcap, *hcap;     /* per type, in units */
    double *obj;               /* per type: objective coefficient (integer-valued) */
    double *penalty;           /* per deployment: unplaced replica */
    double node_unit;          /* cost goal: objective = N x cost units + nodes, node_unit = N;
                                  nodes goal: objective = K x nodes + cost units, node_unit = K;
                                  all nodes free: objective = nodes, node_unit = 1 */
    double cost_scale;         /* cost units per dollar an hour: 1e3 (milli-dollars) to 1e6 */
    int cost_exact;            /* every cost is a whole number of cost units; else each was
                                  rounded down (the bound still holds, no optimum is claimed) */
    double gm;                 /* gcd of the node costs in cost units (cost goal) */
    double min_m, max_m;       /* smallest and largest node cost, cost units */
    size_t npat, cappat;
    pattern *pats;
    /* sizes in exact units (every size a multiple of its unit): the model is the problem; else
     * the bound reported is taken from a relaxation (sizes rounded down, capacities up) */
    int exact_units;
    uint32_t nshare;               /* the largest weights-file id of a host item (0: none shared) */
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
#define SOL_W_BNB_ACTIVE 40.0   /* one branch-and-bound node, per node still open in the tree: GLPK
                                   scans the open nodes to select the next (best local bound); on a
                                   pattern model of 20 rows with 8,000 open nodes that was 0.3 ms a
                                   node, 20 times the row term (docs/solver.md) */

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
/* host memory units a pattern takes: host items, GPU processes' memory, one copy of each
 * weights file its host items share */
uint64_t pattern_host_units(const sol_ctx *c, const pattern *p);
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

/* ---------------------------------------------------------------- context.c */
double now_s(void);
uint64_t mix64(uint64_t x);  /* splitmix64's finalizer */
/* Same node type and the same multiset of items: 1 same, 0 not, -1 out of memory. */
int pattern_same(const pattern *a, const pattern *b);
int ctx_build(sol_ctx *c, const sol_problem *pb, fp_error *err);
void ctx_free(sol_ctx *c);
/* a plan's nodes as patterns of c (duplicates are not added twice); -1 out of memory */
int plan_to_patterns(sol_ctx *c, const sol_plan *plan);
uint32_t node_bound(const sol_ctx *c, uint32_t t, size_t k);
/* nodes of type t one replica of vitem k takes when it spans them (k > 1), else 0: it fits one
 * node, or cannot go on t (its GPUs, its memory in exact bytes, the types it may use) */
uint32_t span_of(const sol_ctx *c, size_t k, uint32_t t);
/* a spanning column per (vitem, type) that spans (added at setup, never priced); -1 oom */
int ctx_add_span_columns(sol_ctx *c);
/* the shards of part q (0-based) of a replica of vitem k spanning k nodes of type t: stage
 * after stage, each node filled with whole groups; returns how many were written to out
 * (room for the type's GPUs) */
size_t span_layout(const sol_ctx *c, size_t k, uint32_t t, uint32_t q, uint32_t replica, sol_shard *out);
double ctx_used(const sol_ctx *c);
double ctx_end_share(const sol_ctx *c);
int ctx_over(const sol_ctx *c);
double plan_obj(const sol_ctx *c, const sol_plan *p);
double primary_of(const sol_ctx *c, double z);
/* A node type's cost in the context's cost units (a whole number: rounded down if it was not) */
double ctx_cost_units(const sol_ctx *c, double cost);
double primary_bound(const sol_ctx *c, double z);
void tick(const sol_ctx *c, double t0, double *last, double best_obj, double lb_obj);

/* The most replicas of deployment d on one node: its anti-affinity limit, or its replicas.
 * A pattern holds at most this many copies of d's variants together, and of each variant at
 * most what fits (node_bound): two limits, one per deployment and one per variant, since a
 * pattern may mix variants of one deployment. */
static inline uint32_t dep_limit(const sol_problem *pb, uint32_t d)
{
    const sol_deployment *dp = &pb->deps[d];
    return dp->anti_affinity > 0 && (uint32_t)dp->anti_affinity < dp->replicas ? (uint32_t)dp->anti_affinity
                                                                                : dp->replicas;
}

/* ---------------------------------------------------------------- pricing.c */
struct kentry;
/* One pricing round's knapsacks, kept for the round (cleared when the duals change). */
typedef struct kcache {
    size_t n, cap;
    struct kentry *e;
} kcache;

void kcache_clear(kcache *kc);
void kcache_free(kcache *kc);
double price(const sol_ctx *c, uint32_t t, const double *pi, pattern *p, int *exact, long budget, kcache *kc,
             double need);
double exact_gpu_value(const sol_ctx *b, uint32_t t, const double *pi, long budget, int *complete, pattern *found);
int more_columns(sol_ctx *c, uint32_t t, const double *pi, double mu, const pattern *first, int max_more, double *pi2,
                 int64_t *rem);

/* ---------------------------------------------------------------- multigpu.c */
/* Type t's best pattern of GPU candidates cand[0..n) (per-node bounds bound[]; GPU variants
 * only, their processes' host memory within the node's) worth more than floor_val, exactly,
 * within `budget` search nodes.  Writes it to out (room for the sum of the bounds) and its
 * value to *value; *nout = 0 (and *value = floor_val) when none beats floor_val.  Returns 1
 * when the search was complete (then no pattern is worth more than max(floor_val, *value)),
 * 0 when the budget or the time ran out, -1 out of memory. */
int mgpu_price(const sol_ctx *c, uint32_t t, const double *pi, const uint32_t *cand, const uint32_t *bound, size_t n,
               double floor_val, long budget, pcopy *out, uint32_t *nout, double *value);

/* ---------------------------------------------------------------- enumerate.c */
uint64_t vbytes(const sol_ctx *c, uint32_t vi);      /* an item's size in exact bytes */
uint64_t vhost_bytes(const sol_ctx *c, uint32_t vi); /* a GPU replica's host memory in bytes */
uint64_t vshared_bytes(const sol_ctx *c, uint32_t vi); /* a host item's shared weights file in bytes */
int enum_type(sol_ctx *c, uint32_t t, long budget, size_t limit);

/* ---------------------------------------------------------------- master.c */
/* GLPK's error hook jumps here (never an abort) */
typedef struct glpk_guard {
    jmp_buf jb;
} glpk_guard;

int glpk_quiet(void *info, const char *s);
void glpk_hook(void *info);
/* In a branch-and-bound callback (GLP_ISELECT), with a work budget (work_stop > 0): count one
 * node's work (node_steps, and iter_steps per simplex iteration since *it_last) and end the
 * search once the meter reaches work_stop.  1 when it ended the search. */
int ios_node_work(glp_tree *tree, const sol_ctx *c, double node_steps, double iter_steps, int *it_last,
                  double work_stop);
/* 0 optimal, 1 stopped by the deadline or the budget (no duals), -1 failed */
int master_solve(const sol_ctx *c, glp_prob *lp, glp_smcp *smcp, double deadline);

/* ---------------------------------------------------------------- compact.c */
/* Empty p's least-used nodes into its other nodes where every replica fits as it is (p is a
 * plan of c's problem; the result passes plan_verify, else p is left as it was).  Returns
 * the nodes removed, or -1 out of memory (p unchanged). */
int plan_compact(const sol_ctx *c, sol_plan *p);

/* ---------------------------------------------------------------- rounding.c */
int floor_and_repair(const sol_ctx *c, glp_prob *lp, sol_plan *best, volatile double *best_obj);
int keep_if_better(const sol_ctx *c, glp_prob *lp, int mip, sol_plan *best, volatile double *best_obj);

/* ---------------------------------------------------------------- bounds.c */
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

double penalty_part(const sol_ctx *c, double z);
int good_enough(const sol_ctx *c, vbound *vb, double lb_obj, double best_obj);
int report_bound(const sol_ctx *c, double lb_obj, double vol_placed, sol_plan *plan, double obj, double pen);
double farley(const sol_ctx *c, const double *duals, const int *avail_row, double theta);
double relaxed_bound(const sol_ctx *c, const double *duals, const int *avail_row, sol_ctx *add_to, int *added,
                     long budget);
double valid_bound(const sol_ctx *c, vbound *vb, double lb_obj, int force);
double volume_bound(const sol_ctx *c);
/* the integer volume bound: the cheapest whole nodes whose capacities hold the replicas' bytes
 * (docs/solver.md); -1 none.  Under the GLPK error guard. */
double knapsack_bound(const sol_ctx *c);
/* the spanning columns' part of Farley's theta and of the Lagrangian bound at these duals */
void span_terms(const sol_ctx *c, const double *duals, const int *avail_row, double *theta, double *lterm);

/* ---------------------------------------------------------------- arcflow.c */
typedef struct af_model af_model;  /* the arc-flow model of the proof step */
void arcflow_free(af_model *m);    /* NULL: no-op */
void arcflow_lp_gone(af_model *m); /* GLPK's environment was freed (its error hook): its problem with it */

/* ---------------------------------------------------------------- one solve's stages
 * What the stages of one solve share: solver.c's driver owns it and runs the stages in
 * order (docs/solver.md, "Code map").  Every stage returns 0, or -1 with err filled. */
typedef struct solve_state {
    const sol_problem *pb;
    sol_plan *plan;             /* the caller's: counts LP iterations and whether the MIP ran */
    fp_error *err;
    sol_ctx c;
    sol_meter meter;
    double t0;                  /* now_s() when the solve started */
    double deadline;            /* 95 % of the time limit: what follows the solve has the rest */
    double last_tick;           /* the last progress report */
    /* the restricted master (master.c) */
    glp_prob *lp;
    glp_smcp smcp;
    int nrows;                  /* covering rows 1..ndeps, then availability rows */
    int *avail_row;             /* per node type: its availability row, 0 none */
    int *ind;                   /* one column's entries, 1-based */
    double *val;
    size_t ncols_in_lp;         /* patterns c.pats[0..ncols_in_lp) have their column */
    double *duals;              /* the last LP's row duals, 1-based */
    double *pi2;                /* more_columns' scratch */
    int64_t *rem;
    kcache kc;                  /* the pricing round's knapsacks */
    /* the incumbent and the bounds */
    sol_plan best;
    volatile double best_obj;   /* best's objective in solver units */
    double vol;                 /* the volume bound */
    double lb_obj;              /* the best bound on the objective so far */
    vbound vb;                  /* the bound that holds for the problem itself */
    /* the dive and the integer program */
    int diving;                 /* a dive's bounds are on: the LP is a restriction, no bound */
    int dive_bounds;            /* some column's lower bound was raised */
    int dive_attempt;           /* dives started again after the integer program */
    int exact_passes;           /* searches in exact bytes at convergence (sizes that round) */
    int enum_failed;            /* the patterns could not all be listed */
    double *xinit;              /* the incumbent as the integer program's start, 1-based */
    int export_failed;          /* the model could not be written (export_err says why) */
    fp_error export_err;
    /* the proof step (arcflow.c) */
    int arcflow_tried;          /* it ran (once at most) */
    int arcflow;                /* 0 not run, 1 ran unproven, 2 its proven optimum raised the bound, 3 proven, the bound already there, 4 unproven, its search raised the bound (sol_plan.arcflow) */
    af_model *af;               /* its model while it runs (freed by solve_free after a GLPK error) */
} solve_state;

/* master.c */
int master_build(solve_state *s);        /* rows, slack columns, the patterns so far */
void master_add_columns(solve_state *s); /* a column for each pattern added since */
void master_export(solve_state *s);      /* --export-mps, --export-lp */
/* colgen.c */
int column_generation(solve_state *s);
/* rounding.c */
int round_down_and_repair(solve_state *s);
int dive_step(solve_state *s);  /* 1: a column raised (generate columns again), 0: the dive is over */
int dive_again(solve_state *s); /* 1: dive again, 0: no */
/* mip.c */
int integer_program(solve_state *s);
/* arcflow.c: the proof step, when a gap remains and the model applies (runs once) */
int arcflow_step(solve_state *s, double share); /* share: of the time or work left */
/* lns.c: the improvement stage, a large-neighbourhood search on the incumbent (last; frees the
 * stages' GLPK problems first) */
int lns_step(solve_state *s);
/* solver.c: one solve of a problem without the improvement stage (lns.c's moves) */
int solve_part(const sol_problem *pb, sol_plan *plan, fp_error *err);

#endif
