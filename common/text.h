/* text.h: small string helpers shared by the loaders and the CLI. */
#ifndef FEDPLAN_TEXT_H
#define FEDPLAN_TEXT_H

#include <stddef.h>

/* Case-insensitive Levenshtein distance between a and b (each at most 255
 * characters are compared). */
size_t fp_edit_distance(const char *a, const char *b);

/* Of the n names, the one closest to s (case-insensitive), or NULL when none is
 * within a plausible distance.  Used for "did you mean ...". */
const char *fp_closest(const char *s, const char *const *names, size_t n);

/* " (did you mean 'near'?)" written into buf, or "" when near is NULL; returns buf. */
const char *fp_did_you_mean(char *buf, size_t n, const char *near);

/* Case-insensitive equality. */
int fp_streq_ci(const char *a, const char *b);

#endif
