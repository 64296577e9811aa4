/* emit_dir.h: the emitted plan written as a directory, atomically (cli/emit_dir.c). */
#ifndef FEDPLAN_EMIT_DIR_H
#define FEDPLAN_EMIT_DIR_H

#include "../emit/emit.h"
#include "../scenarios/scenario.h"

/* Write set as the directory dir: all or nothing.  An existing non-empty dir is refused
 * unless force; with force it is replaced, and the old one deleted when fedplan wrote it,
 * else kept under the name written into kept (size nkept; "" when none was kept).
 * 0, or -1 with err. */
int cli_emit_write(const char *dir, const emit_set *set, int force, char *kept, size_t nkept, fp_error *err);

/* Before planning: would cli_emit_write accept dir?  0, or -1 with err (the same refusal). */
int cli_emit_check(const char *dir, int force, fp_error *err);

/* The plan r of s emitted into dir (plan.json as `--format json` prints it), with a line on
 * standard error saying where.  0, or -1 with err. */
int cli_emit_plan(const char *dir, int force, const scenario *s, const scn_result *r, const inv_catalog *cat,
                  fp_error *err);

#endif
