/* emit.h: a verified plan turned into the files a user deploys it from: a launch script per
 * node (vllm serve, llama-server, torchrun with its DeepSpeed or FSDP file), a compose.yaml
 * per node, Kubernetes manifests, a SkyPilot task per cloud node, the plan as JSON and a
 * README saying what to run where (docs/deploy.md).
 *
 * Formatting, not planning: every number in these files is one the plan computed (the vLLM
 * utilization is scn_vllm_utilization, the figure the plan's table prints).  Pure functions:
 * no I/O; the CLI writes the set (cli/emit_dir.c, atomically).
 */
#ifndef FEDPLAN_EMIT_H
#define FEDPLAN_EMIT_H

#include <stddef.h>

#include "../common/fperror.h"
#include "../inventory/inventory.h"
#include "../scenarios/scenario.h"

/* One file: its path relative to the emitted directory ('/'-separated, no "..") and its bytes. */
typedef struct emit_file {
    char *path;
    char *data;
    size_t len;
    int executable; /* 1: a script (mode 0755) */
} emit_file;

/* The files of one plan, in the order they were made.  Owns every path and data. */
typedef struct emit_set {
    emit_file *files;
    size_t nfiles, cap;
} emit_set;

typedef struct emit_input {
    const scenario *s;      /* planned: its node set in use is the plan's */
    const sol_problem *pb;
    const sol_plan *plan;   /* verified */
    const inv_catalog *cat; /* for the models' hub ids */
    const char *plan_json;  /* the plan as `--format json` prints it (the CLI renders it); NULL: no plan.json */
} emit_input;

/* Make every file of the plan into *out (zeroed by the caller; free it with emit_set_free,
 * also after a failure).  0, or -1 with err (out of memory). */
int emit_plan(const emit_input *in, emit_set *out, fp_error *err);
void emit_set_free(emit_set *set);

/* The file named path in set, or NULL (tests). */
const emit_file *emit_set_find(const emit_set *set, const char *path);

#endif
