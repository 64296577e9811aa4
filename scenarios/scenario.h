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
#define SCN_MAX_PIN 16

typedef struct scn_node_choice {
    char name[INV_NAME];
    inv_node node;        /* from the catalog or written inline */
    int64_t count;        /* -1: unlimited */
    double cost;          /* per hour */
    uint64_t reserve_host, reserve_gpu;
    unsigned long line, col;
} scn_node_choice;

typedef struct scn_deployment {
    char name[64];
    char model[256];      /* catalog name or config.json path; "" when memory is fixed */
    uint64_t memory;      /* fixed footprint per replica, bytes (0: estimate) */
    est_options opts;     /* the workload */
    uint32_t replicas;
    int anti_affinity;
    int priority;
    uint32_t tp[SCN_MAX_TP];
    size_t ntp;
    int on_host;          /* 1: host memory (CPU nodes, llama.cpp); 0: GPU memory */
    int on_set;
    char pin[SCN_MAX_PIN][INV_NAME];
    size_t npin;
    unsigned long line, col;
    unsigned long model_line, model_col;
    /* filled by scn_build */
    uint64_t shard_bytes[SCN_MAX_TP];
    uint64_t outside_bytes[SCN_MAX_TP]; /* part of the footprint outside the runtime's budget */
    unsigned char *allowed;             /* per node choice */
} scn_deployment;

typedef struct scenario {
    char file[FP_ERR_FILE];
    char name[128];
    sol_goal goal;
    double time_limit;
    double gap;
    int allow_partial;
    scn_node_choice *nodes;
    size_t nnodes;
    scn_deployment *deps;
    size_t ndeps;
} scenario;

/* Load path ("-" = standard input) against the catalog.  Free with scn_free. */
int scn_load(scenario *s, const char *path, const inv_catalog *cat, fp_error *err);
void scn_free(scenario *s);

/* Estimate every deployment and build the solver problem.  pb points into s (and into
 * arrays it allocates: free them with scn_problem_free). */
int scn_build(scenario *s, const inv_catalog *cat, sol_problem *pb, fp_error *err);
void scn_problem_free(sol_problem *pb);

/* Why deployment d cannot be placed on any node choice at all (empty string if it can). */
void scn_why_unplaceable(const scenario *s, const sol_problem *pb, size_t d, char *buf, size_t n);

#endif
