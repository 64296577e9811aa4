/* ydoc.c: libyaml events -> a positioned node tree, with limits. */
#include "ydoc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "../common/text.h"
#include "../common/units.h"

/* ====================================================================== arena */

typedef struct chunk {
    struct chunk *next;
    size_t used, cap;
    max_align_t data[];
} chunk;

typedef struct arena {
    chunk *head;
} arena;

static void *arena_alloc(arena *a, size_t size)
{
    size = (size + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    if (!a->head || a->head->cap - a->head->used < size) {
        size_t cap = size > 65536 ? size : 65536;
        chunk *c = malloc(sizeof *c + cap);
        if (!c)
            return NULL;
        c->next = a->head;
        c->used = 0;
        c->cap = cap;
        a->head = c;
    }
    void *p = (char *)a->head->data + a->head->used;
    a->head->used += size;
    return p;
}

static void arena_free(arena *a)
{
    if (!a)
        return;
    chunk *c = a->head;
    while (c) {
        chunk *next = c->next;
        free(c);
        c = next;
    }
    free(a);
}

/* ====================================================================== parse */

/* A container under construction: children are collected in a growable array,
 * then copied into the arena when the container ends. */
typedef struct frame {
    ynode *node;
    ynode **kids;
    size_t nkids, cap;
} frame;

static int push_kid(frame *f, ynode *kid)
{
    if (f->nkids == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 8;
        ynode **k = realloc(f->kids, cap * sizeof *k);
        if (!k)
            return -1;
        f->kids = k;
        f->cap = cap;
    }
    f->kids[f->nkids++] = kid;
    return 0;
}

int ydoc_fail(const ydoc *doc, const ynode *n, fp_error *err, const char *fmt, ...)
{
    if (!err)
        return -1;
    char msg[FP_ERR_MSG];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return fp_fail(err, doc->file, n ? n->line : 1, n ? n->col : 1, "%s", msg);
}

static int key_cmp(const void *a, const void *b)
{
    const ynode *x = *(const ynode *const *)a, *y = *(const ynode *const *)b;
    int c = strcmp(x->str, y->str);
    if (c)
        return c;
    return x->line != y->line ? (x->line < y->line ? -1 : 1) : (x->col < y->col ? -1 : x->col > y->col);
}

static int finish_container(arena *a, frame *f, const char *file, fp_error *err)
{
    ynode *n = f->node;
    if (n->type == YN_SEQ) {
        n->n = f->nkids;
        n->vals = arena_alloc(a, (f->nkids ? f->nkids : 1) * sizeof *n->vals);
        if (!n->vals)
            return fp_fail(err, file, 0, 0, "out of memory");
        if (f->nkids)
            memcpy(n->vals, f->kids, f->nkids * sizeof *n->vals);
        return 0;
    }
    size_t pairs = f->nkids / 2;
    n->n = pairs;
    n->keys = arena_alloc(a, (pairs ? pairs : 1) * sizeof *n->keys);
    n->vals = arena_alloc(a, (pairs ? pairs : 1) * sizeof *n->vals);
    if (!n->keys || !n->vals)
        return fp_fail(err, file, 0, 0, "out of memory");
    for (size_t i = 0; i < pairs; i++) {
        n->keys[i] = f->kids[2 * i];
        n->vals[i] = f->kids[2 * i + 1];
    }
    if (pairs < 2)
        return 0;
    /* duplicate keys: sort a copy of the key pointers (n log n, hostile files have many keys) */
    ynode **sorted = malloc(pairs * sizeof *sorted);
    if (!sorted)
        return fp_fail(err, file, 0, 0, "out of memory");
    memcpy(sorted, n->keys, pairs * sizeof *sorted);
    qsort(sorted, pairs, sizeof *sorted, key_cmp);
    int rc = 0;
    for (size_t i = 1; i < pairs && rc == 0; i++)
        if (strcmp(sorted[i - 1]->str, sorted[i]->str) == 0) {
            const ynode *first = sorted[i - 1], *second = sorted[i]; /* sorted by position among equals */
            rc = fp_fail(err, file, second->line, second->col, "duplicate key '%s' (first at line %lu)", second->str,
                         first->line);
        }
    free(sorted);
    return rc;
}

int ydoc_parse(ydoc *doc, const char *name, const char *buf, size_t len, fp_error *err)
{
    memset(doc, 0, sizeof *doc);
    snprintf(doc->file, sizeof doc->file, "%s", name);
    arena *a = calloc(1, sizeof *a);
    if (!a)
        return fp_fail(err, name, 0, 0, "out of memory");

    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        free(a);
        return fp_fail(err, name, 0, 0, "out of memory");
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);

    frame stack[YDOC_MAX_DEPTH + 1];
    size_t depth = 0;
    size_t nodes = 0;
    int docs = 0, done = 0, rc = -1;
    ynode *root = NULL;

    while (!done) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            unsigned long line = parser.problem_mark.line + 1, col = parser.problem_mark.column + 1;
            if (parser.error == YAML_MEMORY_ERROR)
                fp_fail(err, name, 0, 0, "out of memory");
            else if (parser.context)
                fp_fail(err, name, line, col, "invalid YAML: %s %s", parser.problem ? parser.problem : "syntax error",
                        parser.context);
            else
                fp_fail(err, name, line, col, "invalid YAML: %s", parser.problem ? parser.problem : "syntax error");
            goto out;
        }
        unsigned long line = ev.start_mark.line + 1, col = ev.start_mark.column + 1;
        ynode *n = NULL;
        int bad = 0;
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = 1;
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (++docs > 1) {
                fp_fail(err, name, line, col, "only one YAML document is allowed per file");
                bad = 1;
            }
            break;
        case YAML_ALIAS_EVENT:
            fp_fail(err, name, line, col, "YAML aliases ('*%s') are not supported: write the value out",
                    (const char *)ev.data.alias.anchor);
            bad = 1;
            break;
        case YAML_SCALAR_EVENT:
        case YAML_MAPPING_START_EVENT:
        case YAML_SEQUENCE_START_EVENT: {
            const yaml_char_t *anchor = ev.type == YAML_SCALAR_EVENT ? ev.data.scalar.anchor
                                        : ev.type == YAML_MAPPING_START_EVENT ? ev.data.mapping_start.anchor
                                                                             : ev.data.sequence_start.anchor;
            if (anchor) {
                fp_fail(err, name, line, col, "YAML anchors ('&%s') are not supported: write the value out",
                        (const char *)anchor);
                bad = 1;
                break;
            }
            if (++nodes > YDOC_MAX_NODES) {
                fp_fail(err, name, line, col, "document has more than %d nodes", YDOC_MAX_NODES);
                bad = 1;
                break;
            }
            n = arena_alloc(a, sizeof *n);
            if (!n) {
                fp_fail(err, name, line, col, "out of memory");
                bad = 1;
                break;
            }
            memset(n, 0, sizeof *n);
            n->line = line;
            n->col = col;
            if (ev.type == YAML_SCALAR_EVENT) {
                size_t sl = ev.data.scalar.length;
                if (sl > YDOC_MAX_SCALAR) {
                    fp_fail(err, name, line, col, "value is longer than %u bytes", YDOC_MAX_SCALAR);
                    bad = 1;
                    break;
                }
                char *s = arena_alloc(a, sl + 1);
                if (!s) {
                    fp_fail(err, name, line, col, "out of memory");
                    bad = 1;
                    break;
                }
                memcpy(s, ev.data.scalar.value, sl);
                s[sl] = 0;
                if (strlen(s) != sl) {
                    fp_fail(err, name, line, col, "value contains a NUL character");
                    bad = 1;
                    break;
                }
                n->type = YN_SCALAR;
                n->str = s;
                n->len = sl;
                n->plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
            } else {
                n->type = ev.type == YAML_MAPPING_START_EVENT ? YN_MAP : YN_SEQ;
            }
            /* attach to the parent */
            if (depth > 0) {
                frame *p = &stack[depth - 1];
                if (p->node->type == YN_MAP && p->nkids % 2 == 0 && n->type != YN_SCALAR) {
                    fp_fail(err, name, line, col, "mapping keys must be plain strings");
                    bad = 1;
                    break;
                }
                if (push_kid(p, n) != 0) {
                    fp_fail(err, name, line, col, "out of memory");
                    bad = 1;
                    break;
                }
            } else {
                root = n;
            }
            if (n->type != YN_SCALAR) {
                if (depth >= YDOC_MAX_DEPTH) {
                    fp_fail(err, name, line, col, "nesting deeper than %d levels", YDOC_MAX_DEPTH);
                    bad = 1;
                    break;
                }
                stack[depth].node = n;
                stack[depth].kids = NULL;
                stack[depth].nkids = stack[depth].cap = 0;
                depth++;
            }
            break;
        }
        case YAML_MAPPING_END_EVENT:
        case YAML_SEQUENCE_END_EVENT:
            depth--;
            if (finish_container(a, &stack[depth], name, err) != 0)
                bad = 1;
            free(stack[depth].kids);
            stack[depth].kids = NULL;
            break;
        default:
            break;
        }
        yaml_event_delete(&ev);
        if (bad)
            goto out;
    }
    rc = 0;
    doc->root = root;
    doc->arena = a;
    a = NULL;
out:
    while (depth > 0)
        free(stack[--depth].kids);
    yaml_parser_delete(&parser);
    arena_free(a);
    return rc;
}

#define YDOC_MAX_FILE (64u << 20)

int ydoc_read_file(const char *path, char **out, size_t *outlen, fp_error *err)
{
    int is_stdin = strcmp(path, "-") == 0;
    const char *name = is_stdin ? "<stdin>" : path;
    *out = NULL;
    *outlen = 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (!f)
        return fp_fail(err, name, 0, 0, "cannot open: %s", strerror(errno));
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap);
    int rc = -1;
    if (!buf) {
        fp_fail(err, name, 0, 0, "out of memory");
        goto out;
    }
    for (;;) {
        if (len == cap) {
            if (cap >= YDOC_MAX_FILE) {
                fp_fail(err, name, 0, 0, "file is larger than %u MiB", YDOC_MAX_FILE >> 20);
                goto out;
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                fp_fail(err, name, 0, 0, "out of memory");
                goto out;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0) {
            if (ferror(f)) {
                fp_fail(err, name, 0, 0, "cannot read: %s", strerror(errno));
                goto out;
            }
            break;
        }
    }
    *out = buf;
    *outlen = len;
    buf = NULL;
    rc = 0;
out:
    free(buf);
    if (!is_stdin)
        fclose(f);
    return rc;
}

int ydoc_load_file(ydoc *doc, const char *path, fp_error *err)
{
    memset(doc, 0, sizeof *doc);
    char *buf;
    size_t len;
    if (ydoc_read_file(path, &buf, &len, err) != 0)
        return -1;
    int rc = ydoc_parse(doc, strcmp(path, "-") == 0 ? "<stdin>" : path, buf, len, err);
    free(buf);
    return rc;
}

void ydoc_free(ydoc *doc)
{
    if (!doc)
        return;
    arena_free(doc->arena);
    doc->arena = NULL;
    doc->root = NULL;
}

/* ====================================================================== access */

const ynode *ynode_get(const ynode *map, const char *key)
{
    if (!map || map->type != YN_MAP)
        return NULL;
    for (size_t i = 0; i < map->n; i++)
        if (strcmp(map->keys[i]->str, key) == 0)
            return map->vals[i];
    return NULL;
}

int ynode_is_null(const ynode *n)
{
    return n && n->type == YN_SCALAR && n->plain &&
           (n->len == 0 || !strcmp(n->str, "~") || !strcmp(n->str, "null") || !strcmp(n->str, "Null") ||
            !strcmp(n->str, "NULL"));
}

static int need_scalar(const ydoc *doc, const ynode *n, const char *key, const char *what, fp_error *err)
{
    if (n->type != YN_SCALAR)
        return ydoc_fail(doc, n, err, "'%s' must be %s, not a %s", key, what,
                         n->type == YN_MAP ? "mapping" : "list");
    if (ynode_is_null(n))
        return ydoc_fail(doc, n, err, "'%s' must be %s, not empty", key, what);
    return 0;
}

int ynode_u64(const ydoc *doc, const ynode *n, const char *key, uint64_t *out, fp_error *err)
{
    if (need_scalar(doc, n, key, "a whole number", err))
        return -1;
    if (n->str[0] == '-')
        return ydoc_fail(doc, n, err, "'%s' must not be negative, got '%s'", key, n->str);
    if (fp_uint_parse(n->str, out) != 0) {
        double d;
        if (fp_number_parse(n->str, &d) == 0 && d >= 1.8e19)
            return ydoc_fail(doc, n, err, "'%s' is too large: '%s'", key, n->str);
        return ydoc_fail(doc, n, err, "'%s' must be a whole number, got '%s'", key, n->str);
    }
    return 0;
}

int ynode_double(const ydoc *doc, const ynode *n, const char *key, double *out, fp_error *err)
{
    if (need_scalar(doc, n, key, "a number", err))
        return -1;
    if (fp_number_parse(n->str, out) != 0)
        return ydoc_fail(doc, n, err, "'%s' must be a finite number, got '%s'", key, n->str);
    return 0;
}

int ynode_bool(const ydoc *doc, const ynode *n, const char *key, int *out, fp_error *err)
{
    if (need_scalar(doc, n, key, "true or false", err))
        return -1;
    if (!strcmp(n->str, "true") || !strcmp(n->str, "True")) {
        *out = 1;
        return 0;
    }
    if (!strcmp(n->str, "false") || !strcmp(n->str, "False")) {
        *out = 0;
        return 0;
    }
    return ydoc_fail(doc, n, err, "'%s' must be true or false, got '%s'", key, n->str);
}

int ynode_size(const ydoc *doc, const ynode *n, const char *key, uint64_t *out, fp_error *err)
{
    if (need_scalar(doc, n, key, "a size with a unit", err))
        return -1;
    char why[FP_ERR_MSG / 2];
    if (fp_size_parse(n->str, out, why, sizeof why) != 0)
        return ydoc_fail(doc, n, err, "'%s': %s", key, why);
    return 0;
}

int ynode_str(const ydoc *doc, const ynode *n, const char *key, const char **out, fp_error *err)
{
    if (need_scalar(doc, n, key, "a string", err))
        return -1;
    *out = n->str;
    return 0;
}

int ymap_apply(const ydoc *doc, const ynode *map, const char *what, const yfield *fields,
               size_t nfields, void *obj, fp_error *err)
{
    if (!map || map->type != YN_MAP)
        return ydoc_fail(doc, map, err, "%s must be a mapping", what);
    for (size_t i = 0; i < map->n; i++) {
        const ynode *k = map->keys[i];
        size_t f = 0;
        while (f < nfields && strcmp(fields[f].key, k->str) != 0)
            f++;
        if (f == nfields) {
            const char *names[64];
            size_t nn = nfields < 64 ? nfields : 64;
            for (size_t j = 0; j < nn; j++)
                names[j] = fields[j].key;
            const char *near = fp_closest(k->str, names, nn);
            if (near)
                return ydoc_fail(doc, k, err, "unknown key '%s' in %s (did you mean '%s'?)", k->str, what, near);
            return ydoc_fail(doc, k, err, "unknown key '%s' in %s", k->str, what);
        }
        if (fields[f].handler(doc, map->vals[i], k->str, obj, err) != 0)
            return -1;
    }
    for (size_t f = 0; f < nfields; f++)
        if (fields[f].required && !ynode_get(map, fields[f].key))
            return ydoc_fail(doc, map, err, "%s is missing required key '%s'", what, fields[f].key);
    return 0;
}
