/* bench_solver.c: the solver on Falkenauer's bin-packing sets (each item a deployment of
 * fixed memory, each bin a node; equal sizes aggregated into one deployment with a
 * demand).  Prints per instance: optimum reached, proven, seconds; per set: median and
 * worst.  Never fails on a timing.  Usage: bench_solver DIR [SET...] [--time-limit S] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../solver/solver.h"

#define GB 1000000000ULL

typedef struct inst {
    char name[32];
    unsigned long cap, n, opt;
    unsigned long *size;
} inst;

static int cmpd(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static unsigned long optimum(const char *dir, const char *name)
{
    char path[512], line[256];
    snprintf(path, sizeof path, "%s/OPTIMA.tsv", dir);
    FILE *f = fopen(path, "r");
    if (!f) { /* the repository's own copy of the u120 optima (tests/data/bpp) */
        snprintf(path, sizeof path, "%s/OPTIMA-u120.tsv", dir);
        f = fopen(path, "r");
    }
    unsigned long v = 0;
    if (!f)
        return 0;
    while (fgets(line, sizeof line, f)) {
        char nm[64], file[128];
        unsigned long o;
        if (sscanf(line, "%63s %127s %lu", nm, file, &o) == 3 && !strcmp(nm, name))
            v = o;
    }
    fclose(f);
    return v;
}

static int solve(const inst *in, double tl, double *secs, int *proven, unsigned long *nodes)
{
    sol_deployment *deps = calloc(in->n, sizeof *deps);
    size_t nd = 0;
    for (size_t i = 0; i < in->n; i++) {
        size_t k = 0;
        while (k < nd && deps[k].variants[0].shard_bytes != in->size[i] * GB)
            k++;
        if (k == nd) {
            snprintf(deps[nd].name, sizeof deps[nd].name, "s%lu", in->size[i]);
            deps[nd].nvariants = 1;
            deps[nd].variants[0] = (sol_variant){1, 1, in->size[i] * GB, 0, NULL, 0, 0, 0, 0};
            nd++;
        }
        deps[k].replicas++;
    }
    sol_node_type t = {.host_bytes = in->cap * GB, .cost = 1, .available = -1};
    snprintf(t.name, sizeof t.name, "bin");
    sol_problem pb = {.deps = deps, .ndeps = nd, .types = &t, .ntypes = 1, .time_limit_s = tl};
    sol_plan plan;
    fp_error e;
    int rc = sol_solve(&pb, &plan, &e);
    if (rc != 0)
        fprintf(stderr, "bench_solver: %s\n", e.msg);
    if (rc == 0) {
        *secs = plan.seconds;
        *proven = plan.status == SOL_OPTIMAL && plan_verify(&pb, &plan, &e) == 0;
        *nodes = plan.nnodes;
        sol_plan_free(&plan);
    }
    free(deps);
    return rc;
}

static void run_set(const char *dir, const char *set, double tl)
{
    inst in[20];
    size_t n = 0;
    char path[512];
    if (set[0] == 'u') { /* OR-Library files */
        const char *file = !strcmp(set, "u120") ? "binpack1.txt" : !strcmp(set, "u250") ? "binpack2.txt" : "binpack3.txt";
        snprintf(path, sizeof path, "%s/%s", dir, file);
        FILE *f = fopen(path, "r");
        int np = 0;
        if (!f || fscanf(f, " %d", &np) != 1) {
            printf("%s: cannot read %s\n", set, path);
            if (f)
                fclose(f);
            return;
        }
        for (int i = 0; i < np && n < 20; i++) {
            inst *x = &in[n];
            unsigned long best;
            if (fscanf(f, " %31s %lu %lu %lu", x->name, &x->cap, &x->n, &best) != 4)
                break;
            x->size = malloc(x->n * sizeof *x->size);
            for (unsigned long k = 0; k < x->n; k++)
                if (fscanf(f, " %lu", &x->size[k]) != 1)
                    x->size[k] = 1;
            x->opt = optimum(dir, x->name);
            n++;
        }
        fclose(f);
    } else { /* triplets: BPPLIB files */
        for (int i = 0; i < 20; i++) {
            snprintf(path, sizeof path, "%s/triplets/Falkenauer_%s_%02d.txt", dir, set, i);
            FILE *f = fopen(path, "r");
            if (!f)
                break;
            inst *x = &in[n];
            snprintf(x->name, sizeof x->name, "%s_%02d", set, i);
            if (fscanf(f, " %lu %lu", &x->n, &x->cap) != 2) {
                fclose(f);
                break;
            }
            x->size = malloc(x->n * sizeof *x->size);
            for (unsigned long k = 0; k < x->n; k++)
                if (fscanf(f, " %lu", &x->size[k]) != 1)
                    x->size[k] = 1;
            fclose(f);
            x->opt = x->n / 3;
            n++;
        }
    }
    double times[20];
    int reached = 0, proved = 0;
    for (size_t i = 0; i < n; i++) {
        double s = 0;
        int p = 0;
        unsigned long nodes = 0;
        if (solve(&in[i], tl, &s, &p, &nodes) != 0)
            printf("  %-10s error\n", in[i].name);
        times[i] = s;
        reached += nodes == in[i].opt;
        proved += p && nodes == in[i].opt;
        printf("  %-10s items %4lu  optimum %4lu  fedplan %4lu  %-8s %7.3f s\n", in[i].name, in[i].n, in[i].opt, nodes,
               p ? "proven" : "not", s);
        free(in[i].size);
    }
    qsort(times, n, sizeof times[0], cmpd);
    printf("%s: %d/%zu optimal, %d proven; median %.3f s, worst %.3f s\n\n", set, reached, n, proved,
           n ? times[n / 2] : 0.0, n ? times[n - 1] : 0.0);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "tests/data/bpp";
    double tl = 10;
    int any = 0;
    for (int i = 2; i < argc; i++)
        if (!strcmp(argv[i], "--time-limit") && i + 1 < argc)
            tl = atof(argv[++i]);
    printf("Falkenauer bin packing, time limit %.0f s per instance, data from %s\n\n", tl, dir);
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--time-limit")) {
            i++;
            continue;
        }
        run_set(dir, argv[i], tl);
        any = 1;
    }
    if (!any)
        run_set(dir, "u120", tl);
    return 0;
}
