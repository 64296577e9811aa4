/* readers_int.h: private to inventory/: what the model-file readers share. */
#ifndef FEDPLAN_READERS_INT_H
#define FEDPLAN_READERS_INT_H

#include "inventory.h"

/* Count `tensors` tensors of kind `name` (elements, bytes) into st's per-kind table; the
 * totals (st->tensors, ...) are the caller's. */
void inv_stored_kind_add(inv_stored *st, const char *name, uint64_t tensors, uint64_t elements, uint64_t bytes);
/* Add everything in `add` (one file) into st. */
void inv_stored_merge(inv_stored *st, const inv_stored *add);

#endif
