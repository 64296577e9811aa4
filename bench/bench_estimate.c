/* bench_estimate.c: estimates per second on one core (a pure function; the target is
 * more than a million), and the --gpu searches (largest batch / context) per second.
 * Prints figures; never fails on a timing. */
#include <stdio.h>
#include <time.h>

#include "../estimator/estimator.h"
#include "../inventory/inventory.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(void)
{
    inv_catalog cat;
    fp_error err;
    if (inv_catalog_load(&cat, &err) != 0) {
        fprintf(stderr, "bench: %s\n", err.msg);
        return 2;
    }
    printf("%-22s %-10s %14s %12s\n", "model", "mode", "estimates/s", "ns/estimate");
    static const char *const names[] = {"llama-3.1-8b", "mixtral-8x7b", "deepseek-v3", "gemma-2-9b"};
    volatile uint64_t sink = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const inv_model *m = inv_model_find(&cat, names[i]);
        est_params p;
        if (!m || est_params_count(&m->arch, &p, NULL) != 0)
            continue;
        for (int mode = 0; mode < 2; mode++) {
            est_workload w;
            est_workload_default(&w);
            w.mode = mode ? EST_MODE_TRAIN : EST_MODE_INFER;
            const long n = 2000000;
            double t0 = now();
            for (long k = 0; k < n; k++) {
                est_footprint fp;
                w.context = 1024 + (uint64_t)(k & 1023);
                est_footprint_compute(&m->arch, &p, &w, &fp, NULL, NULL);
                sink += fp.total;
            }
            double dt = now() - t0;
            printf("%-22s %-10s %14.0f %12.1f\n", names[i], mode ? "training" : "inference", (double)n / dt,
                   dt / (double)n * 1e9);
        }
    }
    const inv_model *m = inv_model_find(&cat, "llama-3.1-8b");
    est_params p;
    if (m && est_params_count(&m->arch, &p, NULL) == 0) {
        est_workload w;
        est_workload_default(&w);
        const long n = 20000;
        double t0 = now();
        for (long k = 0; k < n; k++)
            sink += est_max_batch(&m->arch, &p, &w, (80ULL << 30) + (uint64_t)k) +
                    est_max_context(&m->arch, &p, &w, (24ULL << 30) + (uint64_t)k);
        double dt = now() - t0;
        printf("\nmax batch + max context searches: %.0f per second (llama-3.1-8b)\n", (double)n / dt);
    }
    (void)sink;
    inv_catalog_free(&cat);
    return 0;
}
