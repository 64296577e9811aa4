/* solver.h: pack deployments onto nodes at the lowest cost (or with the fewest nodes),
 * with a proof of how good the answer is.
 *
 * The model (docs/solver.md): node patterns with integer counts per node type.  A
 * pattern is one node of one type with what it holds, shard by shard on its GPUs.
 * Column generation over patterns gives the LP bound (exact pricing); a greedy
 * first-fit-decreasing plan gives an incumbent; GLPK's branch and bound over the
 * generated patterns improves it; when incumbent and ceil(bound) meet, the plan is
 * proven optimal.  Every plan passes plan_verify (plain C) before it is returned.
 *
 * solver/ is the only module that includes glpk.h (through its private solver_int.h).
 */
#ifndef FEDPLAN_SOLVER_H
#define FEDPLAN_SOLVER_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/fperror.h"

/* One way to run a deployment: `tp` shards of `shard_bytes` on distinct GPUs of one
 * node, or (on_host) one block of host memory.  A deployment with several allowed
 * tensor-parallel degrees has one variant per degree.
 *
 * host_bytes: the host memory one replica of a GPU variant takes on its node besides its
 * GPU memory (the whole replica, not per shard: Python runtime, CUDA host side, swap space,
 * pinned buffers).  It shares the node's host memory with on_host variants: on every node,
 * the on_host shard_bytes plus the GPU replicas' host_bytes fit the type's host_bytes.
 * 0: none (the GPU memory alone is packed).  Must be 0 for on_host variants, whose
 * shard_bytes is their host size. */
typedef struct sol_variant {
    uint32_t tp;     /* GPUs of one group: the GPUs that must share a node (a pipeline stage's
                        tensor-parallel degree; a training rank's) */
    int on_host;
    uint64_t shard_bytes;
    uint64_t host_bytes;
    /* ntypes flags: the node types this variant may use, on top of the deployment's
     * `allowed` (a size that depends on the GPU, as vLLM's fixed gpu_memory_utilization
     * makes it, is one variant per GPU size); NULL = every type the deployment may use */
    const unsigned char *allowed;
    /* Weights shared through the page cache (on_host variants only): replicas whose variants
     * carry the same share id (> 0) on one node hold one copy of shared_bytes between them, on
     * top of their own shard_bytes (llama.cpp processes mmapping one model file read-only:
     * docs/methodology.md, "Weights shared through the page cache").  0: nothing shared. */
    uint32_t share;
    uint64_t shared_bytes;
    /* Deployments that span nodes (docs/solver.md, "Replicas that span nodes"): a replica is
     * `groups` groups of `tp` GPUs (pipeline stages x data-parallel ranks; 0 or 1: one group),
     * tp x groups shards of shard_bytes in all, shard g x tp + j being GPU j of group g.  On a
     * node type of G GPUs a node holds floor(G / tp) groups; when the replica needs k > 1
     * nodes, it takes k whole nodes of that type, dedicated to it, if k <= max_nodes (0 or 1:
     * one node only) and the type allows spanning.  Each of its nodes then holds the share of
     * host_bytes of the GPUs it holds (host_bytes x GPUs on it / GPUs of the replica, rounded
     * up). */
    uint32_t groups;
    uint32_t max_nodes;
} sol_variant;

#define SOL_MAX_SPAN 64 /* nodes one replica may span */

/* The GPUs of one replica of a GPU variant: tp x groups. */
static inline uint32_t sol_variant_gpus(const sol_variant *v)
{
    return v->tp * (v->groups > 1 ? v->groups : 1);
}

#define SOL_MAX_VARIANTS 16
#define SOL_MAX_REPLICAS 20000 /* per plan: sol_solve refuses more (split the scenario) */
#define SOL_MAX_TYPES 10000    /* node types per plan */
/* Work units per second of time limit, for a work budget derived from a time limit (sweep's
 * default): about what the reference machine (the project's 2-core AMD EPYC) does in a second,
 * so that a budget of time_limit x this stops near where the clock would have on it. */
#define SOL_WORK_PER_SECOND 300000.0

typedef struct sol_deployment {
    char name[64];
    uint32_t replicas;
    int anti_affinity;          /* 1: replicas on distinct nodes; 0: no limit; k > 1: at most k
                                   replicas on one node (the solver's merged classes) */
    int priority;               /* higher is placed first when not everything fits */
    size_t nvariants;
    sol_variant variants[SOL_MAX_VARIANTS];
    const unsigned char *allowed; /* ntypes flags (1 = may use that node type); NULL = all */
} sol_deployment;

/* May variant v of deployment d go on node type t? (the deployment's and the variant's flags) */
static inline int sol_variant_allowed(const sol_deployment *d, const sol_variant *v, size_t t)
{
    return (!d->allowed || d->allowed[t]) && (!v->allowed || v->allowed[t]);
}

typedef struct sol_node_type {
    char name[64];
    uint32_t gpus;        /* 0: a CPU-only node */
    uint64_t gpu_bytes;   /* usable per GPU (reserve already taken off) */
    uint64_t host_bytes;  /* usable host memory */
    double cost;          /* per hour */
    int64_t available;    /* how many may be used; -1 = unlimited */
    int no_span;          /* 1: no replica spans nodes of this type */
} sol_node_type;

/* The nodes of type t one replica of GPU variant v takes: 1 when it fits one node's GPUs
 * (packed with others as usual); k > 1 when it spans k dedicated nodes; 0 when it cannot go
 * on t at all by its GPU count (memory is checked elsewhere). */
static inline uint32_t sol_span_nodes(const sol_variant *v, const sol_node_type *t)
{
    if (v->on_host)
        return 1;
    uint32_t all = sol_variant_gpus(v);
    if (v->tp == 0 || all == 0 || t->gpus < v->tp)
        return 0;
    if (all <= t->gpus)
        return all <= 32 ? 1 : 0; /* one node holds at most 32 shards of one replica */
    if (v->max_nodes <= 1 || t->no_span)
        return 0;
    uint32_t per = t->gpus / v->tp, g = v->groups > 1 ? v->groups : 1;
    uint32_t k = (g + per - 1) / per;
    return k <= v->max_nodes && k <= SOL_MAX_SPAN ? k : 0;
}

typedef enum { SOL_GOAL_COST, SOL_GOAL_NODES } sol_goal;

typedef struct sol_problem {
    const sol_deployment *deps;
    size_t ndeps;
    const sol_node_type *types;
    size_t ntypes;
    sol_goal goal;          /* cost then nodes, or nodes then cost */
    int allow_partial;      /* place what fits (by priority) and list the rest */
    double time_limit_s;    /* > 0 */
    /* > 0: a work budget (docs/solver.md, "Limits: time and work"): every stopping decision
     * of the solve counts work units (knapsack cells, search nodes, simplex iterations,
     * branch-and-bound nodes) against it instead of reading the clock, so the answer is the
     * same on any machine, load or thread count.  time_limit_s is then only a guard against
     * runaway (a solve it stops is marked wall_limited).  0: the wall clock governs. */
    double work_limit;
    double gap_limit;       /* accepted relative gap, e.g. 0.0 */
    int verbose;
    /* optional: called now and then during a long solve (at most twice a second) with the
     * seconds so far and the incumbent's and the bound's primary objective */
    void (*progress)(void *ctx, double seconds, double incumbent, double bound);
    void *progress_ctx;
    /* optional: when *stop becomes non-zero (a signal), the solve ends as soon as it can and
     * returns the best plan found so far, marked interrupted */
    const volatile sig_atomic_t *stop;
    /* optional: write the integer program solved last (every generated pattern as an integer
     * column; free MPS or CPLEX LP), so that any solver can run it */
    const char *export_mps;
    const char *export_lp;
} sol_problem;

typedef enum { SOL_OPTIMAL, SOL_FEASIBLE, SOL_INFEASIBLE } sol_status;

/* One placed shard: deployment, replica, variant, shard index and the GPU it is on
 * (gpu = -1 for host placements). */
typedef struct sol_shard {
    uint32_t dep, replica, variant, shard;
    int32_t gpu;
} sol_shard;

typedef struct sol_node {
    uint32_t type;
    size_t nshards;
    sol_shard *shards;
} sol_node;

typedef struct sol_unplaced {
    uint32_t dep;
    uint32_t count;
    char reason[256];
} sol_unplaced;

/* What the bound of a plan bounds (docs/solver.md, "Proof"). */
typedef enum {
    SOL_BOUND_ALL,    /* every replica is placed: the cost (or nodes) of any plan that places them all */
    SOL_BOUND_PLACED, /* some are not: the cost (or nodes) of any plan that places at least the
                         replicas this one places (the unplaced replicas' penalty taken off) */
    SOL_BOUND_NONE    /* some are not, and nothing is proven about the placed ones: bound and gap NAN */
} sol_bound_scope;

typedef struct sol_plan {
    sol_status status;
    double cost;          /* per hour */
    uint64_t nodes_used;
    /* a lower bound on the primary objective (cost per hour, or nodes for SOL_GOAL_NODES or
     * when every node is free) of the plans bound_scope says, never above this plan's own */
    double bound;
    sol_bound_scope bound_scope;
    double gap;           /* (objective - bound) / objective; 0 when proven */
    size_t nnodes;
    sol_node *nodes;
    size_t nunplaced;
    sol_unplaced *unplaced;
    char reason[512];     /* infeasible: why, in words */
    /* statistics */
    size_t columns;       /* patterns generated */
    int lp_iterations;    /* column-generation rounds */
    int used_mip;         /* 1 when branch and bound ran */
    int arcflow;          /* the proof step (docs/solver.md): 0 not run, 1 ran unproven, 2 its
                             proven arc-flow optimum raised the bound, 3 it proved an optimum
                             the bound already reached */
    int interrupted;      /* 1 when *stop ended the solve early */
    int wall_limited;     /* 1 when a work budget was set and the wall-clock guard (time_limit_s)
                             stopped the solve anyway: this answer may depend on the machine */
    double work;          /* work units spent (counted whether or not a budget is set) */
    double seconds;
    /* 1 when export_mps or export_lp could not be written: the plan is still whole, and
     * export_err says why (the caller prints the plan, then the error) */
    int export_failed;
    fp_error export_err;
} sol_plan;

/* Solve.  On success returns 0 and fills *plan (free with sol_plan_free), whose
 * status may be SOL_INFEASIBLE with a reason.  Returns -1 only for malformed
 * problems or internal errors (GLPK's included), with err filled. */
int sol_solve(const sol_problem *pb, sol_plan *plan, fp_error *err);
void sol_plan_free(sol_plan *plan);

/* The greedy plan alone (first-fit decreasing), used as incumbent; exposed for tests. */
int sol_greedy(const sol_problem *pb, sol_plan *plan, fp_error *err);

/* Independent verifier: capacities (exact bytes: each GPU, and host memory with the GPU
 * replicas' host_bytes), every replica placed once or listed
 * unplaced, tensor-parallel shards on distinct GPUs of one node, anti-affinity,
 * allowed node types, availability.  Returns 0 or -1 with err saying what is broken. */
int plan_verify(const sol_problem *pb, const sol_plan *plan, fp_error *err);

/* Provoke a GLPK error under the same guard sol_solve uses: returns -1 with the error
 * reported, the process alive (tests/unit/test_solver.c). */
int sol_glpk_fault_selftest(fp_error *err);

/* The proof step alone (docs/solver.md, "The proof step: compressed arc-flow"), exposed for
 * tests: the problem's arc-flow model solved by GLPK's branch and bound, the greedy plan
 * (sol_greedy) as its first solution.  Returns 1 with *plan its optimal plan (verified; free with sol_plan_free) and *primary its
 * primary objective (cost units: the coarsest of 1e-3 to 1e-6 dollars an hour that holds every
 * cost, docs/solver.md "Costs in whole units"; nodes for the nodes goal or when every node is
 * free);
 * 2 with *primary a bound on every plan's primary objective and no plan, when the model's
 * optimum was proven but no plan meets it (sizes that round: the model is a relaxation,
 * docs/solver.md);
 * 0 when the model does not apply (a type of several GPUs that a replica of several GPUs or
 * an anti-affinity deployment may use, a replica that may span nodes, a weights file shared
 * between host items, a graph too large, a size below the unit, a replica that fits nowhere)
 * or was not solved to optimality in the time limit;
 * -1 with err filled on an error. */
int sol_arcflow(const sol_problem *pb, sol_plan *plan, double *primary, fp_error *err);
/* The same without the greedy plan as a first solution: a plan returned is always the model's
 * own solution turned back into nodes (for tests of that turning back). */
int sol_arcflow_cold(const sol_problem *pb, sol_plan *plan, double *primary, fp_error *err);

/* Whether every node type is free (each cost under half a micro-dollar an hour): the cost goal
 * then counts nodes, and its bound is in nodes. */
int sol_costs_free(const sol_problem *pb);

/* The improvement stage alone (docs/solver.md, step 4c), exposed for tests: the
 * large-neighbourhood search run on `start` (a plan of pb that passes plan_verify) within pb's
 * limits.  Returns 0 with *out the best plan it reached, never worse than start (free with
 * sol_plan_free), or -1 with err filled. */
int sol_improve(const sol_problem *pb, const sol_plan *start, sol_plan *out, fp_error *err);

/* Release this thread's GLPK environment; each thread that solved calls it once at its end. */
void sol_thread_done(void);

/* A node that holds part of a replica spanning several nodes: which replica, and which of its
 * nodes this is (part 1..of, in the order of the shards they hold). */
typedef struct sol_span {
    uint32_t dep, replica, variant, part, of;
} sol_span;

/* 1 when node n of plan holds part of a replica that spans nodes (*out filled), else 0. */
int sol_node_span(const sol_problem *pb, const sol_plan *plan, size_t n, sol_span *out);

/* The objective value of a plan in the solver's integer units (exposed for tests). */
double sol_objective(const sol_problem *pb, const sol_plan *plan);

#endif
