/* fuzz_units.c: sizes with units and plain numbers from any bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../common/units.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = 0;
    uint64_t b, u;
    double d;
    char why[256];
    if (fp_size_parse(s, &b, why, sizeof why) != 0 && !why[0])
        abort(); /* every refusal says why */
    fp_number_parse(s, &d);
    fp_uint_parse(s, &u);
    free(s);
    return 0;
}
