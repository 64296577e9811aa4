/* report.h: plans, comparisons and sweeps as JSON (the contract) and as tables. */
#ifndef FEDPLAN_REPORT_H
#define FEDPLAN_REPORT_H

#include <jansson.h>

#include "../scenarios/scenario.h"

/* The bytes of the weights file host shard k of node nd shares with the node's other replicas
 * of it, when k is the first of them on the node (the node's one copy); else 0. */
uint64_t report_shared_first(const scenario *s, const sol_problem *pb, const sol_node *nd, size_t k);
json_t *report_plan_json(const scenario *s, const sol_problem *pb, const sol_plan *plan, char (*reasons)[256]);
/* The plan's JSON object (report_plan_json) as CSV rows, one table: a "record" column says what
 * each row is (plan, node, gpu, shard, host_deployment, host_process, unplaced, variant); every
 * scalar of the JSON is in some row, an array of scalars as one cell joined with ';'.  New
 * reference; NULL when out of memory. */
json_t *report_plan_csv_rows(const json_t *plan);
void report_plan_table(const scenario *s, const sol_problem *pb, const sol_plan *plan, char (*reasons)[256]);
/* One row of a comparison: status, nodes by type, cost, utilization, headroom, unplaced, gap. */
json_t *report_summary_json(const scenario *s, const scn_result *r, const char *label);

/* Self-contained HTML (inline SVG, no external resources) of a plan / comparison / sweep
 * JSON object, written atomically to path.  Return 0 or -1 with err. */
int html_write_plan(const char *path, const json_t *plan, fp_error *err);
int html_write_compare(const char *path, const json_t *cmp, fp_error *err);
int html_write_sweep(const char *path, const json_t *sweep, fp_error *err);

#endif
