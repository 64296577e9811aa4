/* fuzz_scenario.c: scenario files from any bytes: load, estimate, and (when small) plan and
 * verify.  libFuzzer entry point; `make fuzz` builds and runs it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../inventory/inventory.h"
#include "../scenarios/scenario.h"

static inv_catalog *catalog(void)
{
    static inv_catalog cat; /* read-only after the first call: the harness's one global */
    static int loaded;
    if (!loaded) {
        fp_error e;
        if (inv_catalog_load(&cat, &e) != 0)
            abort();
        loaded = 1;
    }
    return &cat;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    scenario s;
    fp_error e;
    if (scn_parse(&s, "fuzz.yaml", (const char *)data, size, catalog(), &e) != 0)
        return 0;
    size_t reps = 0;
    for (size_t i = 0; i < s.ndeps; i++)
        reps += s.deps[i].replicas;
    for (size_t v = 0; v < s.nvariants && v < 3; v++) {
        if (scn_use_variant(&s, v, &e) != 0)
            break;
        if (reps <= 40 && s.nnodes <= 6) {
            s.time_limit = 0.2;
            scn_result r;
            if (scn_plan(&s, catalog(), NULL, &r, &e) == 0) {
                if (plan_verify(&r.pb, &r.plan, &e) != 0)
                    abort(); /* a plan that does not hold is a bug */
                scn_result_free(&r);
            }
        } else {
            sol_problem pb;
            if (scn_build(&s, catalog(), &pb, &e) == 0)
                scn_problem_free(&pb);
        }
    }
    scn_free(&s);
    return 0;
}
