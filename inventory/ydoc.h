/* ydoc.h: YAML documents as a tree of nodes that remember where they were read.
 *
 * libyaml's event API is translated here, once, into a small tree (libyaml keeps its
 * own document API, but it has no limits and expands aliases).  Limits make hostile
 * input harmless: aliases and anchors are refused, nesting is capped, duplicate keys
 * are errors.  Every node carries its 1-based line and column so that every later
 * complaint can name file:line:col.
 */
#ifndef FEDPLAN_YDOC_H
#define FEDPLAN_YDOC_H

#include <stddef.h>
#include <stdint.h>

#include "../common/fperror.h"

typedef enum { YN_SCALAR, YN_MAP, YN_SEQ } ynode_type;

typedef struct ynode ynode;
struct ynode {
    ynode_type type;
    unsigned long line, col; /* 1-based */
    const char *str;         /* YN_SCALAR: the text; NUL-terminated */
    size_t len;              /* YN_SCALAR: its length */
    int plain;               /* YN_SCALAR: 1 when unquoted (so ~, true, 12 are typed) */
    size_t n;                /* YN_MAP: pairs; YN_SEQ: items */
    ynode **keys;            /* YN_MAP: n scalar keys */
    ynode **vals;            /* YN_MAP: n values; YN_SEQ: n items */
};

typedef struct ydoc {
    char file[FP_ERR_FILE];
    ynode *root;   /* NULL for an empty document */
    void *arena;   /* owns every node and string */
} ydoc;

#define YDOC_MAX_DEPTH 64
#define YDOC_MAX_NODES 4000000
#define YDOC_MAX_SCALAR (1u << 20)

/* Parse len bytes of buf as one YAML document named name (used in errors).
 * On success *doc owns everything; release it with ydoc_free. */
int ydoc_parse(ydoc *doc, const char *name, const char *buf, size_t len, fp_error *err);

/* Read a whole file ("-" reads standard input, at most 64 MiB) into *buf (caller frees). */
int ydoc_read_file(const char *path, char **buf, size_t *len, fp_error *err);

/* Read a whole file ("-" reads standard input) and parse it. */
int ydoc_load_file(ydoc *doc, const char *path, fp_error *err);

/* Free everything; ydoc_free(NULL) and a zeroed doc are no-ops. */
void ydoc_free(ydoc *doc);

/* Lookup of key in a YN_MAP; NULL when absent or node is not a map. */
const ynode *ynode_get(const ynode *map, const char *key);

/* Typed scalar reading, each failing with file:line:col naming key. */
int ynode_u64(const ydoc *doc, const ynode *n, const char *key, uint64_t *out, fp_error *err);
int ynode_double(const ydoc *doc, const ynode *n, const char *key, double *out, fp_error *err);
int ynode_bool(const ydoc *doc, const ynode *n, const char *key, int *out, fp_error *err);
int ynode_size(const ydoc *doc, const ynode *n, const char *key, uint64_t *out, fp_error *err);
int ynode_str(const ydoc *doc, const ynode *n, const char *key, const char **out, fp_error *err);
/* 1 when n is a plain scalar meaning null: ~, null, Null, NULL or empty. */
int ynode_is_null(const ynode *n);

/* A schema row: a mapping is checked against a table of these (conventions: schemas
 * are tables).  handler is called for each present key; unknown keys are rejected
 * with the closest known key suggested; missing required keys are reported at the map. */
typedef int (*yfield_fn)(const ydoc *doc, const ynode *val, const char *key, void *obj,
                         fp_error *err);
typedef struct yfield {
    const char *key;
    int required;
    yfield_fn handler;
} yfield;

int ymap_apply(const ydoc *doc, const ynode *map, const char *what, const yfield *fields,
               size_t nfields, void *obj, fp_error *err);

/* Fail at node n of doc: "file:line:col: error: ..." */
int ydoc_fail(const ydoc *doc, const ynode *n, fp_error *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

#endif
