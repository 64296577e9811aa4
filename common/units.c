#include "units.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct unit_row {
    const char *name;
    uint64_t mult;
} unit_row;

static const unit_row units[] = {
    {"B", 1ULL},
    {"kB", 1000ULL},
    {"KB", 1000ULL},
    {"MB", 1000000ULL},
    {"GB", 1000000000ULL},
    {"TB", 1000000000000ULL},
    {"PB", 1000000000000000ULL},
    {"EB", 1000000000000000000ULL},
    {"KiB", 1ULL << 10},
    {"MiB", 1ULL << 20},
    {"GiB", 1ULL << 30},
    {"TiB", 1ULL << 40},
    {"PiB", 1ULL << 50},
    {"EiB", 1ULL << 60},
};

static const char *unit_hint(const char *u)
{
    size_t n = strlen(u);
    if (n == 2 && u[1] == 'b' && strchr("KkMGTPE", u[0]))
        return " (a lowercase 'b' means bits; write 'B' for bytes)";
    if (n >= 3 && u[n - 1] == 's')
        return " (units have no plural 's')";
    if (n == 1 && strchr("KkMGTPE", u[0]))
        return " (write 'GB' for 10^9 bytes or 'GiB' for 2^30 bytes)";
    return "";
}

int fp_size_parse(const char *s, uint64_t *bytes, char *why, size_t whylen)
{
    const char *p = s;
    uint64_t mant = 0;
    unsigned frac_digits = 0;
    int sig = 0, any = 0, seen_dot = 0;

    while (*p == ' ')
        p++;
    if (*p == '-') {
        snprintf(why, whylen, "size '%s' is negative", s);
        return -1;
    }
    for (; *p; p++) {
        if (*p == '.' && !seen_dot) {
            seen_dot = 1;
            continue;
        }
        if (!isdigit((unsigned char)*p))
            break;
        any = 1;
        if (sig >= 18) {
            if (seen_dot)
                continue; /* digits beyond 18 significant ones after the dot are dropped */
            snprintf(why, whylen, "size '%s' is too large (the largest is 8 EiB, 2^63 - 1 bytes)", s);
            return -1;
        }
        mant = mant * 10 + (uint64_t)(*p - '0');
        if (mant)
            sig++;
        if (seen_dot)
            frac_digits++;
    }
    if (!any) {
        snprintf(why, whylen, "size '%s' does not start with a number", s);
        return -1;
    }
    if (frac_digits > 18) {
        snprintf(why, whylen, "size '%s' has more than 18 decimals", s);
        return -1;
    }
    while (*p == ' ')
        p++;
    if (!*p) {
        snprintf(why, whylen, "size '%s' has no unit (write e.g. '16 GB' or '16 GiB')", s);
        return -1;
    }
    char u[16];
    size_t ulen = strlen(p);
    while (ulen && p[ulen - 1] == ' ')
        ulen--;
    if (ulen >= sizeof u) {
        snprintf(why, whylen, "unknown unit in size '%s'; use B, KB, MB, GB, TB, PB, EB, KiB, MiB, GiB, TiB, PiB or EiB", s);
        return -1;
    }
    memcpy(u, p, ulen);
    u[ulen] = 0;
    if ((p[0] == 'e' || p[0] == 'E') && (isdigit((unsigned char)p[1]) || ((p[1] == '+' || p[1] == '-') &&
                                                                          isdigit((unsigned char)p[2])))) {
        /* '1e30 GiB' read as the unit 'e30 GiB' said nothing useful */
        snprintf(why, whylen, "size '%s' has an exponent: write the number out (e.g. '16 GiB'; the largest is 8 EiB)", s);
        return -1;
    }
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcmp(u, units[i].name) != 0)
            continue;
        uint64_t pow10 = 1;
        for (unsigned k = 0; k < frac_digits; k++)
            pow10 *= 10;
        uint64_t q = mant / pow10, r = mant % pow10;
        if (q && units[i].mult > UINT64_MAX / q) {
            snprintf(why, whylen, "size '%s' is too large (the largest is 8 EiB, 2^63 - 1 bytes)", s);
            return -1;
        }
        long double fr = (long double)r * (long double)units[i].mult / (long double)pow10;
        uint64_t add = (uint64_t)(fr + 0.5L);
        uint64_t base = q * units[i].mult;
        if (base > UINT64_MAX - add) {
            snprintf(why, whylen, "size '%s' is too large (the largest is 8 EiB, 2^63 - 1 bytes)", s);
            return -1;
        }
        /* sizes travel as signed 64-bit integers too (JSON, headroom): 2^63 bytes and more would wrap */
        if (base + add > (uint64_t)INT64_MAX) {
            snprintf(why, whylen, "size '%s' is too large (the largest is 8 EiB, 2^63 - 1 bytes)", s);
            return -1;
        }
        *bytes = base + add;
        return 0;
    }
    snprintf(why, whylen, "unknown unit '%s' in size '%s'%s; use B, KB, MB, GB, TB, PB, EB, KiB, MiB, GiB, TiB, PiB or EiB",
             u, s, unit_hint(u));
    return -1;
}

int fp_number_parse(const char *s, double *out)
{
    if (!s || !*s || isspace((unsigned char)*s))
        return -1;
    /* strtod accepts "nan", "inf" and hex floats: refuse anything but digits, sign, dot, exponent */
    for (const char *p = s; *p; p++)
        if (!strchr("0123456789+-.eE", *p))
            return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*end || errno == ERANGE || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

int fp_uint_parse(const char *s, uint64_t *out)
{
    if (!s || !*s)
        return -1;
    uint64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (!isdigit((unsigned char)*p))
            return -1;
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}
