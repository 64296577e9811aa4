/* test.h: a tiny unit-test harness.  Each test is a function; CHECK records a
 * failure with its file and line and lets the test go on, so one run shows every
 * broken assertion. */
#ifndef FEDPLAN_TEST_H
#define FEDPLAN_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

typedef struct test_ctx {
    int failures; /* in the current test */
} test_ctx;

#define CHECK(t, cond)                                                                             \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "  %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);            \
            (t)->failures++;                                                                       \
        }                                                                                          \
    } while (0)

#define CHECK_U64(t, got, want)                                                                    \
    do {                                                                                           \
        uint64_t g_ = (uint64_t)(got), w_ = (uint64_t)(want);                                      \
        if (g_ != w_) {                                                                            \
            fprintf(stderr, "  %s:%d: %s = %" PRIu64 ", want %" PRIu64 "\n", __FILE__, __LINE__, #got, \
                    g_, w_);                                                                       \
            (t)->failures++;                                                                       \
        }                                                                                          \
    } while (0)

#define CHECK_STR(t, got, want)                                                                    \
    do {                                                                                           \
        const char *g_ = (got), *w_ = (want);                                                      \
        if (!g_ || strcmp(g_, w_) != 0) {                                                          \
            fprintf(stderr, "  %s:%d: %s = \"%s\", want \"%s\"\n", __FILE__, __LINE__, #got,       \
                    g_ ? g_ : "(null)", w_);                                                       \
            (t)->failures++;                                                                       \
        }                                                                                          \
    } while (0)

/* Substring check, for error messages. */
#define CHECK_HAS(t, hay, needle)                                                                  \
    do {                                                                                           \
        const char *h_ = (hay), *n_ = (needle);                                                    \
        if (!h_ || !strstr(h_, n_)) {                                                              \
            fprintf(stderr, "  %s:%d: \"%s\" does not contain \"%s\"\n", __FILE__, __LINE__,      \
                    h_ ? h_ : "(null)", n_);                                                       \
            (t)->failures++;                                                                       \
        }                                                                                          \
    } while (0)

typedef void (*test_fn)(test_ctx *t);
typedef struct test_case {
    const char *name;
    test_fn fn;
} test_case;

/* Each tests/unit/test_*.c exports one table. */
extern const test_case units_tests[];
extern const test_case ydoc_tests[];
extern const test_case params_tests[];
extern const test_case footprint_tests[];
extern const test_case hfconfig_tests[];
extern const test_case caps_tests[];
extern const test_case solver_tests[];
extern const test_case plan_props_tests[];
extern const test_case report_tests[];
extern const test_case readers_tests[];
extern const test_case pricing_tests[];

#endif
