/* main.c: runs every unit-test table and prints "unit: N passed, M failed". */
#include <stdlib.h>

#include "test.h"

static const test_case *const tables[] = {units_tests, ydoc_tests, params_tests, footprint_tests, hfconfig_tests,
                                          solver_tests, report_tests, plan_props_tests, caps_tests,
                                          readers_tests, pricing_tests};

int main(int argc, char **argv)
{
    const char *only = argc > 1 ? argv[1] : NULL;
    int passed = 0, failed = 0;
    for (size_t k = 0; k < sizeof tables / sizeof tables[0]; k++)
        for (const test_case *c = tables[k]; c->name; c++) {
            if (only && !strstr(c->name, only))
                continue;
            test_ctx t = {0};
            c->fn(&t);
            if (t.failures) {
                failed++;
                printf("FAIL unit/%s\n", c->name);
            } else {
                passed++;
                printf("ok   unit/%s\n", c->name);
            }
        }
    printf("unit: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
