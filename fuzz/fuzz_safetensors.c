/* fuzz_safetensors.c: a safetensors file from any bytes: the header is read and checked against
 * the buffer's size; nothing past the end may be touched, nothing claimed may be allocated. */
#include <stdint.h>
#include <string.h>

#include "../inventory/inventory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    inv_stored st;
    fp_error e;
    memset(&st, 0, sizeof st);
    inv_safetensors_parse("fuzz.safetensors", data, size, size, 0, &st, &e);
    /* the same bytes read as the first part of a larger file: the tensors may lie past them;
     * layers from model.layers.2 on set apart */
    memset(&st, 0, sizeof st);
    inv_safetensors_parse("fuzz.safetensors", data, size, (uint64_t)size * 2 + 8, 2, &st, &e);
    return 0;
}
