/* scenario.h: scenario files (deployments, node choices, goal) and their translation
 * into a solver problem, with each deployment's footprint from the estimator.
 * Format: docs/formats.md.  Every error names file:line:col and the key. */
#ifndef FEDPLAN_SCENARIO_H
#define FEDPLAN_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

#include "../common/fperror.h"
#include "../estimator/estimator.h"
#include "../inventory/inventory.h"
#include "../solver/solver.h"

#define SCN_MAX_TP 8
#define SCN_MAX_JOB_GPUS 32 /* GPUs of one replica on one node (one node holds at most 32 shards) */
#define SCN_MAX_PP 8        /* pipeline-parallel degrees one deployment lists */
#define SCN_DEFAULT_SPAN 8  /* max_nodes when a deployment lists 'pp' or its job is larger than any node */
#define SCN_MAX_PIN 16

typedef struct scn_node_choice {
    char name[INV_NAME];
    inv_node node;        /* from the catalog or written inline */
    int64_t count;        /* -1: unlimited */
    double cost;          /* per hour */
    int spot;             /* 1: cost is the spot price (the choice says 'spot: true') */
    int priced;           /* 1: cost is the catalog's price for node.region; 0: the scenario's own or none */
    uint64_t reserve_host, reserve_gpu;
    int no_span;          /* 'span: false': no replica spans nodes of this choice */
    unsigned long line, col;
} scn_node_choice;

#define SCN_MAX_WL 48

typedef struct scn_variant {
    char name[64];
    scn_node_choice *nodes;
    size_t nnodes;
} scn_variant;

typedef struct scn_wl_entry {
    char name[64];
    char value[64];
} scn_wl_entry;

typedef struct scn_deployment {
    char name[64];
    char model[256];      /* MODEL as written (inv_model_resolve: catalog name, a path relative to the
                             scenario file, a Hub id in the cache); "" when memory is fixed */
    long model_ix;        /* its entry in scenario.models; -1 when memory is fixed */
    char revision[64];    /* a Hub id's branch, tag or commit in the cache ("": main) */
    unsigned long revision_line, revision_col;
    uint64_t memory;      /* fixed footprint per replica, bytes (0: estimate) */
    est_options opts;     /* the workload */
    uint32_t replicas;
    int anti_affinity;
    int priority;
    uint32_t tp[SCN_MAX_TP];
    size_t ntp;
    uint32_t pp[SCN_MAX_PP]; /* 'pp': pipeline-parallel degrees (0 entries: the workload's) */
    size_t npp;
    uint32_t max_nodes;      /* 'max_nodes': nodes one replica may span (0: the default, see
                                docs/formats.md) */
    unsigned long pp_line, pp_col, max_nodes_line, max_nodes_col;
    int on_host;          /* 1: host memory (CPU nodes, llama.cpp); 0: GPU memory */
    int on_set;
    /* share_weights: -1 unset (on: llama.cpp on the host shares), 0 off, 1 on */
    int share_weights;
    unsigned long share_line, share_col;
    char (*pin)[INV_NAME];   /* SCN_MAX_PIN entries, allocated when the deployment pins */
    size_t npin;
    unsigned long line, col;
    unsigned long model_line, model_col;
    unsigned long pin_line, pin_col, tp_line, tp_col, anti_line, anti_col, name_line, name_col;
    /* the workload as written, re-applied (with overrides) by scn_apply */
    scn_wl_entry *wl;        /* SCN_MAX_WL entries, allocated when there is a workload */
    size_t nwl;
    /* filled by scn_build, per solver variant (one per allowed tp degree; with vLLM's
     * gpu_memory_utilization given, one per tp degree and GPU size, since the process then
     * takes that share of whichever GPU it is on): its tp degree, what the solver packs on
     * each GPU (shard_bytes = device + margin), the estimate alone (device_bytes: what the
     * process takes, nvidia-smi's figure), the margin, and the GPUs of one replica (tp x
     * data-parallel ranks of a training job) */
    size_t nv;
    uint32_t vtp[SOL_MAX_VARIANTS];
    uint32_t vpp[SOL_MAX_VARIANTS];     /* its pipeline-parallel degree (stages) */
    uint64_t shard_bytes[SOL_MAX_VARIANTS];
    uint64_t device_bytes[SOL_MAX_VARIANTS];
    uint64_t margin_bytes[SOL_MAX_VARIANTS];
    uint32_t gpus[SOL_MAX_VARIANTS];
    uint64_t outside_bytes[SOL_MAX_VARIANTS]; /* part of the footprint outside the runtime's budget */
    uint64_t shared_bytes[SOL_MAX_VARIANTS];  /* on the host, shared with replicas of the same file
                                                 (sol_variant.shared_bytes; not in shard_bytes) */
    uint64_t round_bytes[SOL_MAX_VARIANTS];   /* vLLM: room for its utilization rounded up to 4 decimals
                                                 (counted in margin_bytes too) */
    unsigned char *allowed;             /* per node choice */
} scn_deployment;

/* A model as a deployment writes it and as it resolved (inv_model_resolve). */
typedef struct scn_model {
    char written[256];
    char revision[64];    /* 'revision:' as written ("" : the cache's main) */
    inv_resolved r;
} scn_model;

typedef struct scenario {
    char file[FP_ERR_FILE];
    char name[128];
    sol_goal goal;
    double time_limit;
    /* 'work_limit:' (or --work-limit): a work budget in solver work units; the solve's
     * stopping decisions then depend on it alone, and time_limit x SCN_WALL_GUARD only guards
     * against runaway (docs/solver.md, "Limits: time and work").  0: the wall clock governs */
    double work_limit;
    double gap;
    int allow_partial;
    est_margin margin;        /* 'margin:': for deployments whose workload sets none */
    int margin_forced;        /* scn_set_margin(.., force): margin for every deployment */
    scn_node_choice *nodes;   /* the node set in use: one of the variants' */
    size_t nnodes;
    scn_variant *variants;    /* "nodes:" is variant 0 named "base"; "variants:" add named sets */
    size_t nvariants;
    size_t current;
    scn_deployment *deps;
    size_t ndeps;
    size_t deps_cap;          /* entries allocated (a failed load frees the partial one too) */
    scn_model *models;        /* each model written, resolved once at load (deployments share them) */
    size_t nmodels;
} scenario;

/* Load path ("-" = standard input) against the catalog.  Free with scn_free.  The first
 * node set is in use. */
int scn_load(scenario *s, const char *path, const inv_catalog *cat, fp_error *err);
/* The same from a buffer; name is used in errors. */
int scn_parse(scenario *s, const char *name, const char *buf, size_t len, const inv_catalog *cat, fp_error *err);
void scn_free(scenario *s);

/* Use node set i (0 = the first): resolves pins and checks contradictions against it. */
int scn_use_variant(scenario *s, size_t i, fp_error *err);

/* Apply an override to every deployment (name "context", "dtype", ... any workload option,
 * or "replicas"), or to one ("chat.context").  Returns 0, or -1 with err. */
int scn_override(scenario *s, const char *key, const char *value, fp_error *err);

/* Set the margin ("0.1", "10%", "2 GiB", "0"): the scenario's default, or (force) the margin
 * of every deployment, their own included (plan/compare/sweep --margin).  0 or -1 with err. */
int scn_set_margin(scenario *s, const char *value, int force, fp_error *err);

/* Estimate every deployment and build the solver problem.  pb points into s (and into
 * arrays it allocates: free them with scn_problem_free). */
int scn_build(scenario *s, const inv_catalog *cat, sol_problem *pb, fp_error *err);
void scn_problem_free(sol_problem *pb);

/* A scenario planned: the problem, the verified plan, a reason per unplaced entry. */
typedef struct scn_result {
    sol_problem pb;
    sol_plan plan;
    char (*reasons)[256];
} scn_result;

/* Estimate, solve and verify the scenario with its node set in use.  A plan that fails
 * the verifier is never returned (that is an internal error). */
typedef struct scn_plan_opts {
    int verbose;
    void (*progress)(void *ctx, double seconds, double incumbent, double bound);
    void *progress_ctx;
    const volatile sig_atomic_t *stop;
    const char *export_mps, *export_lp;
    /* when the command started (scn_clock()), so that the time limit covers loading and
     * estimating too, not the solve alone; 0: the solve alone */
    double started;
} scn_plan_opts;

/* With a work budget, the wall-clock limit is the scenario's time limit times this: a guard
 * against runaway, far enough that a budget derived from the time limit never meets it. */
#define SCN_WALL_GUARD 10.0

/* A monotonic clock in seconds, for scn_plan_opts.started. */
double scn_clock(void);

int scn_plan(scenario *s, const inv_catalog *cat, const scn_plan_opts *opts, scn_result *r, fp_error *err);
void scn_result_free(scn_result *r);

/* The --gpu-memory-utilization a vLLM process of deployment d (solver variant v) must start
 * with on a GPU of node: the user's own when the workload gives it (the plan gave it that
 * share of the GPU), else what it profiles (its need, margin included, less the part outside
 * vLLM's budget) over the GPU's total, rounded up to 0.001.  0 when d is no vLLM process on a
 * GPU.  The plan's table and JSON print it; the launch files (emit/) start vLLM with it. */
double scn_vllm_utilization(const scenario *s, size_t d, size_t v, const inv_node *node);

/* Why deployment d cannot be placed on any node choice at all (empty string if it can). */
void scn_why_unplaceable(const scenario *s, const sol_problem *pb, size_t d, char *buf, size_t n);

#endif
