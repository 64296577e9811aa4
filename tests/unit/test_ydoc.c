/* The YAML layer: positions, limits, duplicate keys, aliases, schema tables. */
#include "../../inventory/ydoc.h"
#include "test.h"

static int parse(const char *text, ydoc *d, fp_error *e)
{
    return ydoc_parse(d, "t.yaml", text, strlen(text), e);
}

static void test_positions(test_ctx *t)
{
    ydoc d;
    fp_error e;
    CHECK(t, parse("a: 1\nb:\n  c: [x, y]\n", &d, &e) == 0);
    const ynode *b = ynode_get(d.root, "b");
    CHECK(t, b && b->type == YN_MAP);
    const ynode *c = ynode_get(b, "c");
    CHECK(t, c && c->type == YN_SEQ && c->n == 2);
    CHECK_U64(t, c->line, 3);
    CHECK_U64(t, c->col, 6);
    CHECK_STR(t, c->vals[1]->str, "y");
    ydoc_free(&d);
}

static void test_rejects(test_ctx *t)
{
    ydoc d;
    fp_error e;
    CHECK(t, parse("a: 1\na: 2\n", &d, &e) != 0);
    CHECK_HAS(t, e.msg, "duplicate key 'a'");
    CHECK_U64(t, e.line, 2);
    CHECK(t, parse("a: &x [1, 2]\nb: *x\n", &d, &e) != 0);
    CHECK_HAS(t, e.msg, "anchors");
    CHECK(t, parse("a: [1, 2\n", &d, &e) != 0);
    CHECK_HAS(t, e.msg, "invalid YAML");
    CHECK(t, parse("a: 1\n---\nb: 2\n", &d, &e) != 0);
    CHECK_HAS(t, e.msg, "one YAML document");
    char deep[400];
    size_t n = 0;
    for (int i = 0; i < 100; i++)
        deep[n++] = '[';
    for (int i = 0; i < 100; i++)
        deep[n++] = ']';
    deep[n] = 0;
    CHECK(t, parse(deep, &d, &e) != 0);
    CHECK_HAS(t, e.msg, "nesting deeper");
    CHECK(t, parse("", &d, &e) == 0 && d.root == NULL);
    ydoc_free(&d);
    ydoc_free(NULL);
}

typedef struct obj {
    uint64_t n;
    uint64_t size;
} obj;
static int h_n(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    return ynode_u64(d, v, k, &((obj *)o)->n, e);
}
static int h_size(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    return ynode_size(d, v, k, &((obj *)o)->size, e);
}
static const yfield fields[] = {{"count", 1, h_n}, {"memory", 0, h_size}};

static void test_schema(test_ctx *t)
{
    ydoc d;
    fp_error e;
    obj o = {0};
    CHECK(t, parse("count: 3\nmemory: 16 GB\n", &d, &e) == 0);
    CHECK(t, ymap_apply(&d, d.root, "a node", fields, 2, &o, &e) == 0);
    CHECK_U64(t, o.n, 3);
    CHECK_U64(t, o.size, 16000000000ULL);
    ydoc_free(&d);

    CHECK(t, parse("count: 3\nmemroy: 16 GB\n", &d, &e) == 0);
    CHECK(t, ymap_apply(&d, d.root, "a node", fields, 2, &o, &e) != 0);
    CHECK_HAS(t, e.msg, "unknown key 'memroy' in a node (did you mean 'memory'?)");
    CHECK_U64(t, e.line, 2);
    CHECK_U64(t, e.col, 1);
    ydoc_free(&d);

    CHECK(t, parse("count: -3\n", &d, &e) == 0);
    CHECK(t, ymap_apply(&d, d.root, "a node", fields, 2, &o, &e) != 0);
    CHECK_HAS(t, e.msg, "'count' must not be negative");
    CHECK_U64(t, e.col, 8);
    ydoc_free(&d);

    CHECK(t, parse("memory: 16 Gb\n", &d, &e) == 0);
    CHECK(t, ymap_apply(&d, d.root, "a node", fields, 2, &o, &e) != 0);
    CHECK_HAS(t, e.msg, "bits");
    ydoc_free(&d);

    CHECK(t, parse("memory: 16 GB\n", &d, &e) == 0);
    CHECK(t, ymap_apply(&d, d.root, "a node", fields, 2, &o, &e) != 0);
    CHECK_HAS(t, e.msg, "missing required key 'count'");
    ydoc_free(&d);

    CHECK(t, parse("count: [1]\n", &d, &e) == 0);
    CHECK(t, ymap_apply(&d, d.root, "a node", fields, 2, &o, &e) != 0);
    CHECK_HAS(t, e.msg, "'count' must be a whole number, not a list");
    ydoc_free(&d);
}

const test_case ydoc_tests[] = {
    {"ydoc/positions", test_positions},
    {"ydoc/rejects", test_rejects},
    {"ydoc/schema", test_schema},
    {NULL, NULL},
};
