/* config.json reading: each real config in tests/data/configs gives the same exact
 * count as its catalog entry; bad configs fail with a position and the key. */
#include <stdlib.h>

#include "../../inventory/inventory.h"
#include "test.h"

static void test_real_configs(test_ctx *t)
{
    static const char *const names[] = {"llama-2-7b", "qwen2.5-0.5b", "mixtral-8x7b", "gemma-2-9b", "phi-3-mini-4k",
                                        "gpt2", "deepseek-v2-lite", "octocoder", "qwen1.5-moe-a2.7b", "deepseek-v3"};
    inv_catalog cat;
    fp_error e;
    CHECK(t, inv_catalog_load(&cat, &e) == 0);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[256], disp[INV_NAME];
        snprintf(path, sizeof path, "tests/data/configs/%s.json", names[i]);
        est_arch a;
        if (inv_config_load(path, &a, disp, &e) != 0) {
            fprintf(stderr, "  %s: %s\n", path, e.msg);
            t->failures++;
            continue;
        }
        const inv_model *m = inv_model_find(&cat, names[i]);
        est_params p1, p2;
        CHECK(t, m != NULL);
        if (!m)
            continue;
        CHECK(t, est_params_count(&a, &p1, NULL) == 0);
        CHECK(t, est_params_count(&m->arch, &p2, NULL) == 0);
        if (p1.total != p2.total || est_kv_bytes_per_token(&a, 2) != est_kv_bytes_per_token(&m->arch, 2)) {
            fprintf(stderr, "  %s: config.json gives %llu params, catalog %llu\n", names[i],
                    (unsigned long long)p1.total, (unsigned long long)p2.total);
            t->failures++;
        }
    }
    inv_catalog_free(&cat);
}

static int parse(const char *text, fp_error *e)
{
    est_arch a;
    return inv_config_parse("c.json", text, strlen(text), &a, e);
}

static void test_bad_configs(test_ctx *t)
{
    fp_error e;
    CHECK(t, parse("{\"model_type\": \"llama\",\n \"hidden_size\": 4096,", &e) != 0);
    CHECK_HAS(t, e.msg, "invalid JSON");
    CHECK_U64(t, e.line, 2);

    CHECK(t, parse("{\"model_type\": \"llama\", \"hidden_size\": 4096}", &e) != 0);
    CHECK_HAS(t, e.msg, "missing 'vocab_size', 'intermediate_size', 'num_hidden_layers', 'num_attention_heads'");

    CHECK(t, parse("{\"model_type\": \"falcon\"}", &e) != 0);
    CHECK_HAS(t, e.msg, "'falcon' is not supported");

    CHECK(t, parse("{\"hidden_size\": 8}", &e) != 0);
    CHECK_HAS(t, e.msg, "no 'model_type'");

    CHECK(t, parse("{\"model_type\": \"llama\", \"vocab_size\": 32000,\n  \"hidden_size\": \"4096\"}", &e) != 0);
    CHECK_HAS(t, e.msg, "'hidden_size' must be a whole number");
    CHECK_U64(t, e.line, 2);
    CHECK_U64(t, e.col, 3);

    CHECK(t, parse("{\"model_type\": \"llama\", \"vocab_size\": -5, \"hidden_size\": 64, \"intermediate_size\": 128, "
                   "\"num_hidden_layers\": 2, \"num_attention_heads\": 4}",
                   &e) != 0);
    CHECK_HAS(t, e.msg, "'vocab_size' must not be negative");

    CHECK(t, parse("{\"model_type\": \"llama\", \"vocab_size\": 5, \"hidden_size\": 64, \"intermediate_size\": 128, "
                   "\"num_hidden_layers\": 2, \"num_attention_heads\": 4, \"num_key_value_heads\": 3}",
                   &e) != 0);
    CHECK_HAS(t, e.msg, "'num_key_value_heads' must divide");

    CHECK(t, parse("[1, 2]", &e) != 0);
    CHECK_HAS(t, e.msg, "must be a JSON object");

    CHECK(t, parse("{\"a\": 1, \"a\": 2}", &e) != 0);
    CHECK_HAS(t, e.msg, "duplicate");

    est_arch a;
    CHECK(t, inv_config_load("tests/data/no-such-file.json", &a, NULL, &e) != 0);
    CHECK_HAS(t, e.msg, "cannot open");
}

const test_case hfconfig_tests[] = {
    {"hfconfig/real_configs", test_real_configs},
    {"hfconfig/bad_configs", test_bad_configs},
    {NULL, NULL},
};
