/* config.json reading: each real config in tests/data/configs gives the same exact
 * count as its catalog entry; bad configs fail with a position and the key. */
#include <stdlib.h>

#include "../../inventory/inventory.h"
#include "test.h"

static void test_real_configs(test_ctx *t)
{
    static const char *const names[] = {"llama-2-7b", "qwen2.5-0.5b", "mixtral-8x7b", "gemma-2-9b", "phi-3-mini-4k",
                                        "gpt2", "deepseek-v2-lite", "octocoder", "qwen1.5-moe-a2.7b", "deepseek-v3",
                                        "qwen3-0.6b", "qwen3-8b", "gemma-3-1b", "gemma-3-27b", "llama-4-scout",
                                        "gpt-oss-20b", "phi-1.5", "phi-2", "stablelm-base-alpha-3b",
                                        "qwen3-30b-a3b", "qwen3-235b-a22b", "kimi-k2"};
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

/* The released Qwen3-30B-A3B-FP8 config: the same architecture as the bf16 release, its
 * quantization_config read as fp8 with 128 x 128 block scales (tests/data/configs/SOURCES.md) */
static void test_qwen3_moe_fp8_config(test_ctx *t)
{
    est_arch a, b;
    fp_error e;
    CHECK(t, inv_config_load("tests/data/configs/qwen3-30b-a3b-fp8.json", &a, NULL, &e) == 0);
    CHECK(t, inv_config_load("tests/data/configs/qwen3-30b-a3b.json", &b, NULL, &e) == 0);
    est_params p1, p2;
    CHECK(t, est_params_count(&a, &p1, NULL) == 0);
    CHECK(t, est_params_count(&b, &p2, NULL) == 0);
    /* the model card's 30.5B: the bf16 index's total_size 61,064,245,248 bytes / 2 */
    CHECK_U64(t, p1.total, 30532122624ULL);
    CHECK_U64(t, p2.total, 30532122624ULL);
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

/* model_type unknown, architectures names a supported class: read as that class
 * (Kimi-K2's config: model_type kimi_k2, architectures [DeepseekV3ForCausalLM]). */
static void test_architectures_fallback(test_ctx *t)
{
    static const char kimi[] =
        "{\"architectures\": [\"DeepseekV3ForCausalLM\"], \"model_type\": \"kimi_k2\", \"vocab_size\": 163840,"
        " \"hidden_size\": 7168, \"intermediate_size\": 18432, \"moe_intermediate_size\": 2048,"
        " \"num_hidden_layers\": 61, \"num_attention_heads\": 64, \"num_key_value_heads\": 64,"
        " \"n_routed_experts\": 384, \"n_shared_experts\": 1, \"num_experts_per_tok\": 8,"
        " \"first_k_dense_replace\": 1, \"moe_layer_freq\": 1, \"q_lora_rank\": 1536, \"kv_lora_rank\": 512,"
        " \"qk_nope_head_dim\": 128, \"qk_rope_head_dim\": 64, \"v_head_dim\": 128,"
        " \"tie_word_embeddings\": false, \"topk_method\": \"noaux_tc\"}";
    est_arch a;
    est_params p;
    fp_error e;
    CHECK(t, inv_config_parse("kimi.json", kimi, strlen(kimi), &a, &e) == 0);
    CHECK(t, !strcmp(a.model_type, "deepseek_v3"));
    CHECK(t, est_params_count(&a, &p, NULL) == 0);
    CHECK_U64(t, p.total, 1026408232448ULL); /* Kimi-K2-Instruct, models.yaml kimi-k2 */

    /* an unknown model_type and no supported class: refused, naming the type */
    CHECK(t, parse("{\"model_type\": \"falcon\", \"architectures\": [\"FalconForCausalLM\"]}", &e) != 0);
    CHECK_HAS(t, e.msg, "'falcon' is not supported");
}

/* Attention patterns read from layer_types or each type's default rule. */
static void test_attention_patterns(test_ctx *t)
{
    est_arch a;
    fp_error e;
    /* gpt-oss: layer_types alternate, 12 of 24 sliding */
    CHECK(t, inv_config_load("tests/data/configs/gpt-oss-20b.json", &a, NULL, &e) == 0);
    CHECK_U64(t, a.sliding_layers, 12);
    CHECK_U64(t, a.sliding_window, 128);
    CHECK(t, a.attn_sinks && a.router_linear_bias);
    /* gemma-3-1b: sliding_window_pattern 6 over 26 layers: 4 global (5, 11, 17, 23) */
    CHECK(t, inv_config_load("tests/data/configs/gemma-3-1b.json", &a, NULL, &e) == 0);
    CHECK_U64(t, a.sliding_layers, 22);
    CHECK(t, a.qk_norm);
    /* Llama 4 Scout: no_rope_layers marks every 4th layer NoPE/global: 36 chunked of 8192 */
    CHECK(t, inv_config_load("tests/data/configs/llama-4-scout.json", &a, NULL, &e) == 0);
    CHECK_U64(t, a.chunked_layers, 36);
    CHECK_U64(t, a.attn_chunk, 8192);
    CHECK_U64(t, a.moe_layers, 48);
    CHECK(t, a.vision.kind == EST_VIS_LLAMA4);
    /* layer_types of the wrong length is refused with its position */
    CHECK(t, parse("{\"model_type\": \"gpt_oss\", \"vocab_size\": 8, \"hidden_size\": 64, \"intermediate_size\": 64,"
                   " \"num_hidden_layers\": 2, \"num_attention_heads\": 4, \"num_local_experts\": 2,"
                   " \"num_experts_per_tok\": 1,\n \"layer_types\": [\"full_attention\"]}", &e) != 0);
    CHECK_HAS(t, e.msg, "'layer_types' must list one type per layer (2 layers)");
    CHECK_U64(t, e.line, 2);
    CHECK(t, parse("{\"model_type\": \"qwen3\", \"vocab_size\": 8, \"hidden_size\": 64, \"intermediate_size\": 64,"
                   " \"num_hidden_layers\": 1, \"num_attention_heads\": 4, \"layer_types\": [\"windowed\"]}", &e) != 0);
    CHECK_HAS(t, e.msg, "'layer_types' entries must be");
}

const test_case hfconfig_tests[] = {
    {"hfconfig/architectures_fallback", test_architectures_fallback},
    {"hfconfig/attention_patterns", test_attention_patterns},
    {"hfconfig/real_configs", test_real_configs},
    {"hfconfig/qwen3_moe_fp8_config", test_qwen3_moe_fp8_config},
    {"hfconfig/bad_configs", test_bad_configs},
    {NULL, NULL},
};
