/* fuzz_gguf.c: a GGUF file from any bytes: header, metadata and tensor infos are read with every
 * count and length checked against the size; a file that parses is estimated as llama.cpp runs it. */
#include <stdint.h>

#include "../inventory/inventory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    est_arch a;
    inv_stored st;
    char name[INV_NAME];
    fp_error e;
    if (inv_gguf_parse("fuzz.gguf", data, size, &a, &st, name, &e) != 0)
        return 0;
    est_params p;
    if (est_params_count(&a, &p, &e) != 0)
        return 0;
    est_workload w;
    est_workload_default(&w);
    w.runtime = EST_RT_LLAMACPP;
    w.kv_dtype = w.compute_dtype = EST_DT_FP16;
    w.stored_weights = st.bytes;
    w.context = 256;
    est_footprint fp;
    est_explain ex;
    est_footprint_compute(&a, &p, &w, &fp, &ex, &e);
    return 0;
}
