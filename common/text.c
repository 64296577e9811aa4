#include "text.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

size_t fp_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 255)
        la = 255;
    if (lb > 255)
        lb = 255;
    size_t prev[256], cur[256];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 1]) ? 0 : 1;
            size_t best = prev[j - 1] + cost;
            if (prev[j] + 1 < best)
                best = prev[j] + 1;
            if (cur[j - 1] + 1 < best)
                best = cur[j - 1] + 1;
            cur[j] = best;
        }
        memcpy(prev, cur, (lb + 1) * sizeof prev[0]);
    }
    return prev[lb];
}

static int contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    if (n < 3)
        return 0;
    for (; *hay; hay++) {
        size_t i = 0;
        while (i < n && hay[i] && tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]))
            i++;
        if (i == n)
            return 1;
    }
    return 0;
}

const char *fp_closest(const char *s, const char *const *names, size_t n)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    for (size_t i = 0; i < n; i++) {
        size_t d = fp_edit_distance(s, names[i]);
        if (contains_ci(names[i], s) && d > 1)
            d = d / 2 + 1; /* "llama" is close to "llama-3.1-8b" */
        if (d < best_d) {
            best_d = d;
            best = names[i];
        }
    }
    size_t len = strlen(s);
    size_t limit = len < 6 ? 2 : len / 2;
    if (limit < 3 && len >= 4)
        limit = 3;
    return best && best_d <= limit ? best : NULL;
}

int fp_streq_ci(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return 0;
    return *a == *b;
}

const char *fp_did_you_mean(char *buf, size_t n, const char *near)
{
    if (near)
        snprintf(buf, n, " (did you mean '%s'?)", near);
    else if (n)
        buf[0] = 0;
    return buf;
}
