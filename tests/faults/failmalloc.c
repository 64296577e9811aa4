/* failmalloc.c: an LD_PRELOAD shim for the fault tests (tests/faults/run.sh).  With
 * FAIL_AT=N in the environment, the Nth call to malloc, calloc or realloc (counted from
 * the first after the shim starts) returns NULL, as a full memory would; every other call
 * goes to the C library. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

static long calls, fail_at = -1;
static int state; /* 0 not started, 1 starting (dlsym may allocate), 2 ready */
static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);

/* what dlsym allocates while the shim starts, from a static arena (never freed) */
static char arena[16384];
static size_t arena_used;

static void *from_arena(size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (arena_used + n > sizeof arena)
        return NULL;
    void *p = arena + arena_used;
    arena_used += n;
    return p;
}

static void start(void)
{
    state = 1;
    real_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
    real_calloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "calloc");
    real_realloc = (void *(*)(void *, size_t))dlsym(RTLD_NEXT, "realloc");
    const char *e = getenv("FAIL_AT");
    if (e)
        fail_at = atol(e);
    state = 2;
}

static int should_fail(void)
{
    return ++calls == fail_at;
}

void *malloc(size_t n)
{
    if (state == 0)
        start();
    if (state == 1)
        return from_arena(n);
    return should_fail() ? NULL : real_malloc(n);
}

void *calloc(size_t a, size_t b)
{
    if (state == 0)
        start();
    if (state == 1) {
        void *p = from_arena(a * b);
        if (p)
            memset(p, 0, a * b);
        return p;
    }
    return should_fail() ? NULL : real_calloc(a, b);
}

void *realloc(void *p, size_t n)
{
    if (state == 0)
        start();
    return should_fail() ? NULL : real_realloc(p, n);
}

void free(void *p)
{
    static void (*real_free)(void *);
    if ((char *)p >= arena && (char *)p < arena + sizeof arena)
        return;
    if (!real_free)
        real_free = (void (*)(void *))dlsym(RTLD_NEXT, "free");
    real_free(p);
}
