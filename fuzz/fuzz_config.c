/* fuzz_config.c: config.json from any bytes: read, count, estimate a default workload and a
 * training one. */
#include <stdint.h>
#include <stdlib.h>

#include "../inventory/inventory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    est_arch a;
    fp_error e;
    if (inv_config_parse("config.json", (const char *)data, size, &a, &e) != 0)
        return 0;
    est_params p;
    if (est_params_count(&a, &p, &e) != 0)
        return 0;
    est_workload w;
    est_workload_default(&w);
    est_footprint fp;
    est_footprint_compute(&a, &p, &w, &fp, NULL, &e);
    w.runtime = EST_RT_VLLM;
    est_footprint_compute(&a, &p, &w, &fp, NULL, &e);
    w.mode = EST_MODE_TRAIN;
    w.runtime = EST_RT_TRANSFORMERS;
    w.lora_targets = 0xffff;
    est_explain ex;
    est_footprint_compute(&a, &p, &w, &fp, &ex, &e);
    return 0;
}
