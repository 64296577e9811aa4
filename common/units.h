/* units.h: memory sizes with units, converted once at the edge.
 *
 * Accepted: a non-negative decimal number, optional spaces, then one of
 *   B, kB/KB, MB, GB, TB, PB, EB (powers of 1000) or KiB, MiB, GiB, TiB, PiB, EiB (powers of 1024),
 * below 2^63 bytes (8 EiB): sizes also travel as signed 64-bit integers (JSON, headroom).
 * GB and GiB are different and both exist in the catalogs.  "Gb" (gigabits) and
 * other spellings are rejected with a hint, never guessed.
 */
#ifndef FEDPLAN_UNITS_H
#define FEDPLAN_UNITS_H

#include <stddef.h>
#include <stdint.h>

/* Parse s into *bytes, rounded to the nearest byte.  On failure returns -1 and
 * writes a lowercase reason (quoting s) into why. */
int fp_size_parse(const char *s, uint64_t *bytes, char *why, size_t whylen);

/* Parse a plain number (no unit) such as "6.7e9" or "32768" into a double.
 * Rejects NaN, infinities, trailing garbage.  Returns 0 or -1. */
int fp_number_parse(const char *s, double *out);

/* Parse a non-negative integer that fits in uint64; rejects signs, fractions,
 * trailing garbage and overflow.  Returns 0 or -1. */
int fp_uint_parse(const char *s, uint64_t *out);

#define FP_GIB 1073741824.0
#define FP_MIB 1048576.0

#endif
