/* fuzz_inventory.c: catalog files from any bytes (the first byte picks models, GPUs, nodes,
 * or a SkyPilot price table for catalog import). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../inventory/inventory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    inv_catalog cat;
    memset(&cat, 0, sizeof cat);
    fp_error e;
    const char *buf = (const char *)data + 1;
    size_t len = size - 1;
    switch (data[0] % 4) {
    case 0:
        if (inv_models_parse(&cat, "f.yaml", buf, len, &e) == 0)
            for (size_t i = 0; i < cat.nmodels; i++) {
                est_params p;
                est_params_count(&cat.models[i].arch, &p, &e);
            }
        break;
    case 1:
        inv_gpus_parse(&cat, "f.yaml", buf, len, &e);
        break;
    case 3: {
        static const char gpus[] = "gpus:\n  - {name: a10g, aliases: [A10G], memory: 22888 MiB, source: x}\n";
        if (inv_gpus_parse(&cat, "g.yaml", gpus, sizeof gpus - 1, &e) != 0)
            abort();
        inv_import imp;
        inv_import_opts o = {.provider = "aws", .date = "2026-11-29", .source = "fuzz", .skip_unknown = data[0] & 4};
        /* what the importer writes must load as an instances file */
        if (inv_skypilot_import(&cat, "f.csv", buf, len, &o, &imp, &e) == 0 &&
            inv_nodes_parse(&cat, "i.yaml", imp.yaml, imp.len, &e) != 0)
            abort();
        inv_import_free(&imp);
        break;
    }
    default: {
        static const char gpus[] = "gpus:\n  - {name: a10g, memory: 22888 MiB, source: x}\n";
        if (inv_gpus_parse(&cat, "g.yaml", gpus, sizeof gpus - 1, &e) != 0)
            abort();
        inv_nodes_parse(&cat, "f.yaml", buf, len, &e);
    }
    }
    inv_catalog_free(&cat);
    return 0;
}
