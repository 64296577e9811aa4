/* cli.h: the command table and the helpers every subcommand shares.  Only this
 * layer prints. */
#ifndef FEDPLAN_CLI_H
#define FEDPLAN_CLI_H

#include <jansson.h>
#include <signal.h>
#include <stdio.h>

#include "../common/fperror.h"

/* Set by the first SIGINT/SIGTERM (cli/main.c): long solves and sweeps stop and print. */
extern volatile sig_atomic_t fp_signal;

/* Exit codes (design notes: 0 ok, 1 "does not fit / infeasible", 2 bad input). */
enum { EXIT_OK = 0, EXIT_NOFIT = 1, EXIT_BADINPUT = 2 };

typedef enum { FMT_TABLE, FMT_JSON, FMT_YAML, FMT_CSV } out_format;

typedef struct cli_command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv); /* argv[0] is the subcommand name */
    void (*help)(FILE *out);
} cli_command;

extern const cli_command cmd_estimate;
extern const cli_command cmd_catalog;
extern const cli_command cmd_plan;
extern const cli_command cmd_compare;
extern const cli_command cmd_sweep;
extern const cli_command cmd_fit;

/* Read an extra catalog file (models, gpus, nodes or instances) into cat. */
struct inv_catalog;
int cli_load_inventory(struct inv_catalog *cat, const char *path, fp_error *err);
/* Every --inventory file of a command, in order, then the catalog relinked (as plan, compare,
 * sweep and catalog all load them).  0, or -1 with err (the catalog is left to the caller). */
int cli_load_inventories(struct inv_catalog *cat, const char *const *paths, size_t n, fp_error *err);

/* ---------------------------------------------------------------- option parsing
 * Options are "--name value" or "--name=value"; flags take no value. A table of
 * cli_opt rows describes them (conventions: tables, not strcmp chains). */
typedef struct cli_opt {
    const char *name; /* without the leading "--" */
    int takes_value;
    int id;
} cli_opt;

typedef struct cli_args {
    int argc;
    char **argv;
    int i;            /* next argv index */
    int operands_only; /* after "--": every argument is an operand */
} cli_args;

/* Next option or positional.  Returns 1 with *id (or -1 for a positional, *value is it)
 * and *value set; 0 at the end; -1 on an error already written into err. */
int cli_next(cli_args *a, const cli_opt *opts, size_t nopts, int *id, const char **value, fp_error *err);

int cli_parse_format(const char *s, out_format *f, fp_error *err);

/* A command's own options followed by every workload option of the estimator (the latter
 * get ids from CLI_WORKLOAD_ID on; cli_workload_name maps one back).  Returns the count. */
#define CLI_WORKLOAD_ID 100
size_t cli_opts_with_workload(cli_opt *table, size_t cap, const cli_opt *base, size_t nbase);
const char *cli_workload_name(int id);

/* Print err as "fedplan: file:line:col: error: ..." and return EXIT_BADINPUT. */
int cli_report(const fp_error *err);

/* Write a JSON value as JSON, YAML or CSV (flattened dotted keys) to out. */
void out_json(FILE *out, const json_t *v);
void out_yaml(FILE *out, const json_t *v);
void out_csv(FILE *out, const json_t *v);
/* One of the three by format (FMT_TABLE is the caller's own). */
void out_any(FILE *out, out_format fmt, const json_t *v);
/* Watch jansson's allocations (main calls it first); 1 when one failed, so that a document
 * may lack fields: out_any then prints nothing and main exits 2. */
void cli_json_watch(void);
/* fp_output_check with the files a command reads given as two lists (the files named on
 * the command line, the --inventory files): 0, or -1 with err. */
int cli_output_check(const char *out, const char *const *a, size_t na, const char *const *b, size_t nb,
                     fp_error *err);
/* The same against the model files a scenario read (a config.json, a .gguf, a checkpoint
 * or Hub snapshot folder, a .safetensors and the config.json beside it): called once the
 * scenario is loaded, before any solve.  0, or -1 with err. */
struct scenario;
int cli_output_check_models(const char *out, const struct scenario *s, fp_error *err);
int cli_json_failed(void);

/* "12.34 GiB" */
const char *fmt_gib(char *buf, size_t n, unsigned long long bytes);
/* "6,738,415,616" */
const char *fmt_int(char *buf, size_t n, unsigned long long v);

#endif
