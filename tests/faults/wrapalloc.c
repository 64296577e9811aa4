/* wrapalloc.c: the allocation-failure shim for builds that cannot preload one (the
 * sanitizers own malloc: an LD_PRELOAD'ed allocator conflicts with AddressSanitizer's).
 * Linked into build-san/fedplan-faults with -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,
 * --wrap=strdup (Makefile, `make check`): the linker sends fedplan's own calls to these
 * functions, and __real_malloc (...) to the C library, that is to AddressSanitizer's
 * allocator, which still watches every block.  With FAIL_AT=N in the environment, the Nth
 * call (counted over the four, from the start of the process) returns NULL, as a full
 * memory would; every other call goes through.
 *
 * What it reaches: every allocation in fedplan's own code, and jansson's (fedplan routes
 * them through its own function, cli/common.c's json_set_alloc_funcs).  What it does not:
 * the shared libraries' own allocations (libyaml, GLPK, the C library's): the link-time
 * wrap only renames calls made from the objects linked.  tests/faults/failmalloc.c, the
 * preloaded shim of `make test`, reaches those.
 *
 * With FAULTS_COUNT=1 instead, nothing fails and the number of calls is written to standard
 * error at exit ("fedplan-faults: N allocations"): the range tests/faults/run.sh samples. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t a, size_t b);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
void *__real_malloc(size_t n);
void *__real_calloc(size_t a, size_t b);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);

static _Atomic long calls;
static _Atomic long fail_at = -2; /* -2: FAIL_AT not read yet, -1: none */

static int should_fail(void)
{
    long f = fail_at;
    if (f == -2) {
        const char *e = getenv("FAIL_AT"); /* getenv does not allocate */
        f = e ? strtol(e, NULL, 10) : -1;
        fail_at = f;
    }
    return ++calls == f;
}

void *__wrap_malloc(size_t n)
{
    return should_fail() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t a, size_t b)
{
    return should_fail() ? NULL : __real_calloc(a, b);
}

void *__wrap_realloc(void *p, size_t n)
{
    return should_fail() ? NULL : __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
    return should_fail() ? NULL : __real_strdup(s);
}

/* the count, at exit (a destructor: it runs after main returns or calls exit) */
__attribute__((destructor)) static void report_count(void)
{
    if (getenv("FAULTS_COUNT"))
        fprintf(stderr, "fedplan-faults: %ld allocations\n", (long)calls);
}
