/* common.c: option parsing, error reporting and the JSON/YAML/CSV writers. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/text.h"
#include "../estimator/estimator.h"
#include "../common/atomic.h"
#include "../scenarios/scenario.h"
#include "cli.h"

/* The one mutable global a signal handler can reach (main.c installs the handler): defined
 * here, beside the code that reads it, so that everything linking the CLI's common code
 * (the fuzz targets too) has it. */
volatile sig_atomic_t fp_signal = 0;

/* ====================================================================== options */

int cli_next(cli_args *a, const cli_opt *opts, size_t nopts, int *id, const char **value, fp_error *err)
{
    if (a->i >= a->argc)
        return 0;
    const char *arg = a->argv[a->i++];
    if (!a->operands_only && !strcmp(arg, "--")) { /* the end of the options: the rest are operands */
        a->operands_only = 1;
        if (a->i >= a->argc)
            return 0;
        arg = a->argv[a->i++];
    }
    if (a->operands_only) {
        *id = -1;
        *value = arg;
        return 1;
    }
    if (arg[0] == '-' && isalpha((unsigned char)arg[1]) && arg[2] == 0) {
        /* a one-letter option ("-o FILE") where the table has a one-letter name */
        for (size_t k = 0; k < nopts; k++)
            if (opts[k].name[0] == arg[1] && opts[k].name[1] == 0) {
                *id = opts[k].id;
                *value = NULL;
                if (!opts[k].takes_value)
                    return 1;
                if (a->i >= a->argc)
                    return fp_fail(err, NULL, 0, 0, "option '%s' needs a value", arg);
                *value = a->argv[a->i++];
                return 1;
            }
    }
    if (strncmp(arg, "--", 2) != 0 || arg[2] == 0) {
        if (arg[0] == '-' && arg[1] && !isdigit((unsigned char)arg[1]))
            return fp_fail(err, NULL, 0, 0, "unknown option '%s' (options start with '--')", arg);
        *id = -1;
        *value = arg;
        return 1;
    }
    const char *name = arg + 2;
    const char *eq = strchr(name, '=');
    size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
    for (size_t k = 0; k < nopts; k++) {
        if (strlen(opts[k].name) != nlen || strncmp(opts[k].name, name, nlen) != 0)
            continue;
        *id = opts[k].id;
        if (!opts[k].takes_value) {
            if (eq)
                return fp_fail(err, NULL, 0, 0, "option '--%s' takes no value", opts[k].name);
            *value = NULL;
            return 1;
        }
        if (eq) {
            *value = eq + 1;
        } else {
            if (a->i >= a->argc)
                return fp_fail(err, NULL, 0, 0, "option '--%s' needs a value", opts[k].name);
            const char *next = a->argv[a->i];
            if (!strncmp(next, "--", 2) && isalpha((unsigned char)next[2]))
                /* '--context --batch 4': the value was forgotten (--name=VALUE passes one that
                 * starts with '--') */
                return fp_fail(err, NULL, 0, 0, "option '--%s' needs a value, got the option '%s'", opts[k].name,
                               next);
            *value = a->argv[a->i++];
        }
        return 1;
    }
    char buf[64];
    snprintf(buf, sizeof buf, "%.*s", (int)(nlen < 60 ? nlen : 60), name);
    const char *names[128];
    size_t n = nopts < 128 ? nopts : 128;
    for (size_t k = 0; k < n; k++)
        names[k] = opts[k].name;
    const char *near = fp_closest(buf, names, n);
    if (near)
        return fp_fail(err, NULL, 0, 0, "unknown option '--%s' (did you mean '--%s'?)", buf, near);
    return fp_fail(err, NULL, 0, 0, "unknown option '--%s'", buf);
}

size_t cli_opts_with_workload(cli_opt *table, size_t cap, const cli_opt *base, size_t nbase)
{
    size_t n = 0, nrows;
    for (size_t i = 0; i < nbase && n < cap; i++)
        table[n++] = base[i];
    const est_option_row *rows = est_option_rows(&nrows);
    for (size_t i = 0; i < nrows && n < cap; i++)
        table[n++] = (cli_opt){rows[i].name, rows[i].takes_value, CLI_WORKLOAD_ID + (int)i};
    return n;
}

const char *cli_workload_name(int id)
{
    size_t nrows;
    const est_option_row *rows = est_option_rows(&nrows);
    return id >= CLI_WORKLOAD_ID && (size_t)(id - CLI_WORKLOAD_ID) < nrows ? rows[id - CLI_WORKLOAD_ID].name : NULL;
}

int cli_parse_format(const char *s, out_format *f, fp_error *err)
{
    static const struct {
        const char *name;
        out_format f;
    } rows[] = {{"table", FMT_TABLE}, {"json", FMT_JSON}, {"yaml", FMT_YAML}, {"csv", FMT_CSV}};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        if (!strcmp(s, rows[i].name)) {
            *f = rows[i].f;
            return 0;
        }
    return fp_fail(err, NULL, 0, 0, "--format: unknown format '%s'; use table, json, yaml or csv", s);
}

int cli_report(const fp_error *err)
{
    if (fp_signal) {
        /* a stop was asked: what failed after it (a blocked open or read of a FIFO or of
         * standard input ends with EINTR, the handlers being installed without SA_RESTART
         * for that reason) failed because of it; main exits 128 + the signal */
        fprintf(stderr, "fedplan: interrupted by signal %d\n", (int)fp_signal);
        return 128 + (int)fp_signal;
    }
    char buf[FP_ERR_MSG + FP_ERR_FILE + 64];
    fp_error_format(err, buf, sizeof buf);
    /* messages quote what they were given (names, values): control characters in it would
     * reach the terminal (escape sequences); they are shown as \xNN */
    fputs("fedplan: ", stderr);
    for (const unsigned char *c = (const unsigned char *)buf; *c; c++)
        if (*c < 0x20 || *c == 0x7f)
            fprintf(stderr, "\\x%02x", *c);
        else
            fputc(*c, stderr);
    fputc('\n', stderr);
    return EXIT_BADINPUT;
}

/* ====================================================================== writers */

void out_json(FILE *out, const json_t *v)
{
    json_dumpf(v, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    fputc('\n', out);
}

static int yaml_plain_ok(const char *s)
{
    if (!*s)
        return 0;
    static const char *const words[] = {"true", "false", "yes", "no", "on", "off", "null", "~", "True", "False",
                                        "Yes", "No", "On", "Off", "Null", "NULL", "TRUE", "FALSE", "y", "n"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (!strcmp(s, words[i]))
            return 0;
    if (isdigit((unsigned char)s[0]) || s[0] == '-' || s[0] == '.' || s[0] == '+')
        return 0;
    for (const char *p = s; *p; p++)
        if (!(isalnum((unsigned char)*p) || strchr("_-./+()@", *p)))
            return 0;
    return 1;
}

static void yaml_scalar(FILE *out, const json_t *v)
{
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        if (yaml_plain_ok(s)) {
            fputs(s, out);
        } else {
            char *q = json_dumps(v, JSON_ENCODE_ANY);
            fputs(q ? q : "\"\"", out);
            free(q);
        }
    } else if (json_is_null(v)) {
        fputs("~", out);
    } else {
        char *q = json_dumps(v, JSON_ENCODE_ANY | JSON_REAL_PRECISION(10));
        fputs(q ? q : "~", out);
        free(q);
    }
}

static void yaml_node(FILE *out, const json_t *v, int indent, int in_seq);

static void yaml_key(FILE *out, const char *k)
{
    if (yaml_plain_ok(k)) {
        fputs(k, out);
    } else {
        json_t *s = json_string(k);
        char *q = json_dumps(s, JSON_ENCODE_ANY);
        fputs(q ? q : "\"\"", out);
        free(q);
        json_decref(s);
    }
}

static void yaml_node(FILE *out, const json_t *v, int indent, int first_inline)
{
    if (json_is_object(v)) {
        const char *k;
        const json_t *x;
        int first = 1;
        if (json_object_size(v) == 0) {
            fputs(" {}\n", out);
            return;
        }
        if (!first_inline)
            fputc('\n', out);
        json_object_foreach((json_t *)v, k, x)
        {
            if (!(first && first_inline))
                fprintf(out, "%*s", indent, "");
            first = 0;
            yaml_key(out, k);
            fputc(':', out);
            if (json_is_object(x) || json_is_array(x)) {
                if ((json_is_object(x) && json_object_size(x) == 0) || (json_is_array(x) && json_array_size(x) == 0)) {
                    fputs(json_is_object(x) ? " {}\n" : " []\n", out);
                    continue;
                }
                yaml_node(out, x, indent + 2, 0);
            } else {
                fputc(' ', out);
                yaml_scalar(out, x);
                fputc('\n', out);
            }
        }
        return;
    }
    if (json_is_array(v)) {
        size_t i;
        const json_t *x;
        if (!first_inline)
            fputc('\n', out);
        json_array_foreach(v, i, x)
        {
            fprintf(out, "%*s- ", indent, "");
            if (json_is_object(x) && json_object_size(x) > 0)
                yaml_node(out, x, indent + 2, 1);
            else if (json_is_array(x) && json_array_size(x) > 0)
                yaml_node(out, x, indent + 2, 0);
            else {
                yaml_scalar(out, x);
                fputc('\n', out);
            }
        }
        return;
    }
    yaml_scalar(out, v);
    fputc('\n', out);
}

void out_yaml(FILE *out, const json_t *v)
{
    if (json_is_object(v) || json_is_array(v))
        yaml_node(out, v, 0, 1);
    else
        yaml_node(out, v, 0, 1);
}

/* ---------------------------------------------------------------- CSV */

static int array_of_scalars(const json_t *v)
{
    size_t i;
    const json_t *x;
    json_array_foreach(v, i, x) if (json_is_object(x) || json_is_array(x) || json_is_null(x)) return 0;
    return json_array_size(v) > 0;
}

static void flatten(json_t *acc, const char *prefix, const json_t *v)
{
    char key[256];
    if (json_is_object(v)) {
        const char *k;
        const json_t *x;
        json_object_foreach((json_t *)v, k, x)
        {
            snprintf(key, sizeof key, "%s%s%s", prefix, *prefix ? "." : "", k);
            flatten(acc, key, x);
        }
    } else if (json_is_array(v) && array_of_scalars(v)) {
        /* a list of names or numbers (LoRA targets) is one cell, ';' between the items */
        char cell[1024];
        size_t n = 0, i;
        const json_t *x;
        cell[0] = '\0';
        json_array_foreach(v, i, x)
        {
            char one[256];
            if (json_is_string(x))
                snprintf(one, sizeof one, "%s", json_string_value(x));
            else if (json_is_integer(x))
                snprintf(one, sizeof one, "%lld", (long long)json_integer_value(x));
            else if (json_is_real(x))
                snprintf(one, sizeof one, "%.17g", json_real_value(x));
            else
                snprintf(one, sizeof one, "%s", json_is_true(x) ? "true" : "false");
            if (n < sizeof cell)
                n += (size_t)snprintf(cell + n, sizeof cell - n, "%s%s", i ? ";" : "", one);
        }
        json_object_set_new(acc, prefix, json_string(cell));
    } else if (json_is_array(v)) {
        size_t i;
        const json_t *x;
        json_array_foreach(v, i, x)
        {
            snprintf(key, sizeof key, "%s%s%zu", prefix, *prefix ? "." : "", i);
            flatten(acc, key, x);
        }
    } else {
        json_object_set(acc, prefix, (json_t *)v);
    }
}

static void csv_cell(FILE *out, const json_t *v)
{
    if (!v || json_is_null(v))
        return;
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        if (strpbrk(s, ",\"\n\r")) {
            fputc('"', out);
            for (; *s; s++) {
                if (*s == '"')
                    fputc('"', out);
                fputc(*s, out);
            }
            fputc('"', out);
        } else {
            fputs(s, out);
        }
        return;
    }
    if (json_is_true(v)) {
        fputs("true", out);
        return;
    }
    if (json_is_false(v)) {
        fputs("false", out);
        return;
    }
    char *q = json_dumps(v, JSON_ENCODE_ANY | JSON_REAL_PRECISION(10));
    fputs(q ? q : "", out);
    free(q);
}

void out_csv(FILE *out, const json_t *v)
{
    json_t *rows = json_array();
    if (json_is_array(v)) {
        size_t i;
        const json_t *x;
        json_array_foreach(v, i, x)
        {
            json_t *flat = json_object();
            flatten(flat, "", x);
            json_array_append_new(rows, flat);
        }
    } else {
        json_t *flat = json_object();
        flatten(flat, "", v);
        json_array_append_new(rows, flat);
    }
    /* header: keys of all rows, in first-seen order */
    json_t *header = json_object();
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        const char *k;
        json_t *x;
        json_object_foreach(row, k, x) if (!json_object_get(header, k)) json_object_set_new(header, k, json_true());
    }
    const char *k;
    json_t *x;
    int first = 1;
    json_object_foreach(header, k, x)
    {
        if (!first)
            fputc(',', out);
        first = 0;
        json_t *s = json_string(k);
        csv_cell(out, s);
        json_decref(s);
    }
    fputc('\n', out);
    json_array_foreach(rows, i, row)
    {
        first = 1;
        json_object_foreach(header, k, x)
        {
            if (!first)
                fputc(',', out);
            first = 0;
            csv_cell(out, json_object_get(row, k));
        }
        fputc('\n', out);
    }
    json_decref(header);
    json_decref(rows);
}

/* ====================================================================== numbers */

const char *fmt_gib(char *buf, size_t n, unsigned long long bytes)
{
    snprintf(buf, n, "%.2f GiB", (double)bytes / 1073741824.0);
    return buf;
}

const char *fmt_int(char *buf, size_t n, unsigned long long v)
{
    char tmp[32];
    int len = snprintf(tmp, sizeof tmp, "%llu", v);
    size_t o = 0;
    for (int i = 0; i < len && o + 2 < n; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = tmp[i];
    }
    buf[o] = 0;
    return buf;
}

/* jansson's allocations, watched: a json_object_set_new that could not allocate drops its
 * key silently, so a document built while memory ran out may lack fields.  The flag is the
 * second mutable global of the program (after main.c's fp_signal), because jansson's
 * allocator hook takes no context; it is atomic for the sweep's threads. */
static _Atomic int json_oom;

static void *json_malloc_watched(size_t n)
{
    void *p = malloc(n);
    if (!p)
        json_oom = 1;
    return p;
}

int cli_output_check(const char *out, const char *const *a, size_t na, const char *const *b, size_t nb,
                     fp_error *err)
{
    const char *inputs[256 + 8 + 4 + 1];
    size_t n = 0;
    for (size_t i = 0; i < na && n < 256 + 8; i++)
        inputs[n++] = a[i];
    for (size_t i = 0; i < nb && n < 256 + 8; i++)
        inputs[n++] = b[i];
    /* and the catalog files read from FEDPLAN_DATA_DIR (inventory/catalog.c) */
    static const char *const catalogs[4] = {"models.yaml", "gpus.yaml", "nodes.yaml", "instances.yaml"};
    char paths[4][4200];
    const char *dir = getenv("FEDPLAN_DATA_DIR");
    for (size_t k = 0; dir && *dir && k < 4; k++) {
        snprintf(paths[k], sizeof paths[k], "%.4096s/%s", dir, catalogs[k]);
        inputs[n++] = paths[k];
    }
    return fp_output_check(out, inputs, n, err);
}

int cli_output_check_models(const char *out, const scenario *s, fp_error *err)
{
    if (!out)
        return 0;
    for (size_t i = 0; i < s->nmodels; i++) {
        const char *p = s->models[i].r.path;
        if (!p[0])
            continue; /* a catalog entry: no file read */
        const char *in[2] = {p, NULL};
        char cfg[4200];
        size_t n = strlen(p);
        if (n > 12 && !strcmp(p + n - 12, ".safetensors")) {
            /* the config.json beside it was read too */
            const char *slash = strrchr(p, '/');
            snprintf(cfg, sizeof cfg, "%.*s/config.json", slash ? (int)(slash - p) : 1, slash ? p : ".");
            in[1] = cfg;
        }
        if (fp_output_check(out, in, 2, err) != 0)
            return -1;
    }
    return 0;
}

void cli_json_watch(void)
{
    json_set_alloc_funcs(json_malloc_watched, free);
}

int cli_json_failed(void)
{
    return json_oom;
}

void out_any(FILE *out, out_format fmt, const json_t *v)
{
    if (json_oom) /* an incomplete document is never printed: main reports the failure */
        return;
    if (fmt == FMT_JSON)
        out_json(out, v);
    else if (fmt == FMT_YAML)
        out_yaml(out, v);
    else
        out_csv(out, v);
}
