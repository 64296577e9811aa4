/* fuzz_cli.c: the command line's option layer from any bytes: lines are "--name value"
 * pairs given to the estimator's options, then a footprint of a catalog model. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../cli/cli.h"
#include "../estimator/estimator.h"
#include "../inventory/inventory.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static inv_catalog cat;
    static int loaded;
    fp_error e;
    if (!loaded) {
        if (inv_catalog_load(&cat, &e) != 0)
            abort();
        loaded = 1;
    }
    char *buf = malloc(size + 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = 0;
    /* argv from the lines */
    char *argv[64];
    int argc = 0;
    argv[argc++] = "estimate";
    for (char *line = buf, *next; line && argc < 63; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = 0;
        argv[argc++] = line;
    }
    cli_opt table[64];
    size_t n = cli_opts_with_workload(table, 64, NULL, 0); /* the same table the CLI uses */
    est_options o;
    est_options_init(&o);
    cli_args a = {.argc = argc, .argv = argv, .i = 1};
    int id, r;
    const char *v;
    while ((r = cli_next(&a, table, n, &id, &v, &e)) == 1)
        if (id >= 0 && est_option_apply(&o, cli_workload_name(id), v, &e) < 0)
            break;
    if (r == 0 && est_options_finish(&o, &e) == 0) {
        const inv_model *m = &cat.models[(size % cat.nmodels)];
        est_params p;
        est_footprint fp;
        if (est_params_count(&m->arch, &p, &e) == 0 && est_workload_settle(&m->arch, m->name, &o.w, &e) == 0 &&
            est_footprint_compute(&m->arch, &p, &o.w, &fp, NULL, &e) == 0) {
            est_max_batch(&m->arch, &p, &o.w, 80ULL << 30);
            est_max_context(&m->arch, &p, &o.w, 24ULL << 30);
        }
    }
    free(buf);
    return 0;
}
