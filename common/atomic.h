/* atomic.h: files written whole or not at all (temporary file in the same folder,
 * flushed, then renamed over the target); an existing file is never truncated by a
 * failed run. */
#ifndef FEDPLAN_ATOMIC_H
#define FEDPLAN_ATOMIC_H

#include <stddef.h>

#include "fperror.h"

int fp_write_atomic(const char *path, const char *data, size_t len, fp_error *err);

#endif
