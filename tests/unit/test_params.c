/* Exact parameter counts: every published total (../shared/validation/published.yaml,
 * copied here with its source) and hand-derived component counts. */
#include "../../estimator/estimator.h"
#include "../../inventory/inventory.h"
#include "test.h"

static const inv_model *model(test_ctx *t, const inv_catalog *cat, const char *name)
{
    const inv_model *m = inv_model_find(cat, name);
    if (!m) {
        fprintf(stderr, "  catalog has no '%s'\n", name);
        t->failures++;
    }
    return m;
}

static uint64_t total_of(test_ctx *t, const inv_catalog *cat, const char *name)
{
    const inv_model *m = model(t, cat, name);
    est_params p;
    if (!m || est_params_count(&m->arch, &p, NULL) != 0)
        return 0;
    return p.total;
}

/* Totals from the released checkpoints (safetensors total_size / bytes per param), as
 * listed in the project's shared/validation/published.yaml. */
static void test_published_totals(test_ctx *t)
{
    inv_catalog cat;
    fp_error e;
    CHECK(t, inv_catalog_load(&cat, &e) == 0);
    CHECK_U64(t, total_of(t, &cat, "meta-llama/Llama-3.1-8B"), 8030261248ULL);
    CHECK_U64(t, total_of(t, &cat, "meta-llama/Llama-3.1-70B"), 70553706496ULL);
    CHECK_U64(t, total_of(t, &cat, "meta-llama/Llama-2-7b-hf"), 6738415616ULL);
    CHECK_U64(t, total_of(t, &cat, "deepseek-ai/deepseek-coder-6.7b-base"), 6740512768ULL);
    CHECK_U64(t, total_of(t, &cat, "deepseek-ai/deepseek-llm-7b-base"), 6910365696ULL);
    CHECK_U64(t, total_of(t, &cat, "deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B"), 1777088000ULL);
    CHECK_U64(t, total_of(t, &cat, "Qwen/Qwen2.5-7B"), 7615616512ULL);
    CHECK_U64(t, total_of(t, &cat, "Qwen/Qwen2.5-0.5B"), 494032768ULL);
    CHECK_U64(t, total_of(t, &cat, "mistralai/Mistral-7B-v0.1"), 7241732096ULL);
    CHECK_U64(t, total_of(t, &cat, "tinyllama-1.1b"), 1100048384ULL);
    CHECK_U64(t, total_of(t, &cat, "gpt2"), 124439808ULL);
    CHECK_U64(t, total_of(t, &cat, "deepseek-ai/DeepSeek-V3"), 671026419200ULL);
    inv_catalog_free(&cat);
}

/* Every catalog entry with an expected_params (its source is cited in models.yaml). */
static void test_catalog_expected(test_ctx *t)
{
    inv_catalog cat;
    fp_error e;
    CHECK(t, inv_catalog_load(&cat, &e) == 0);
    size_t checked = 0;
    for (size_t i = 0; i < cat.nmodels; i++) {
        if (!cat.models[i].expected_params)
            continue;
        est_params p;
        CHECK(t, est_params_count(&cat.models[i].arch, &p, NULL) == 0);
        if (p.total != cat.models[i].expected_params) {
            fprintf(stderr, "  %s: %llu, want %llu\n", cat.models[i].name, (unsigned long long)p.total,
                    (unsigned long long)cat.models[i].expected_params);
            t->failures++;
        }
        checked++;
    }
    CHECK(t, checked >= 20);
    CHECK(t, cat.nmodels >= 21);
    inv_catalog_free(&cat);
}

/* 2 x layers x kv_heads x head_dim x 2 bytes (MLA: (kv_lora_rank + rope) x layers x 2). */
static void test_kv_per_token(test_ctx *t)
{
    inv_catalog cat;
    fp_error e;
    CHECK(t, inv_catalog_load(&cat, &e) == 0);
    CHECK_U64(t, est_kv_bytes_per_token(&model(t, &cat, "llama-3.1-8b")->arch, 2), 131072);
    CHECK_U64(t, est_kv_bytes_per_token(&model(t, &cat, "llama-3.1-70b")->arch, 2), 327680);
    CHECK_U64(t, est_kv_bytes_per_token(&model(t, &cat, "llama-2-7b")->arch, 2), 524288);
    CHECK_U64(t, est_kv_bytes_per_token(&model(t, &cat, "qwen2.5-7b")->arch, 2), 57344);
    CHECK_U64(t, est_kv_bytes_per_token(&model(t, &cat, "deepseek-v3")->arch, 2), 70272);
    CHECK_U64(t, est_kv_bytes_per_token(&model(t, &cat, "octocoder")->arch, 2), 2 * 40 * 1 * 128 * 2); /* MQA */
    inv_catalog_free(&cat);
}

/* Llama-2-7B by hand: V=32000, h=4096, I=11008, L=32, untied.
 *   embedding = lm_head = 32000 x 4096 = 131,072,000
 *   per layer: 4 x 4096^2 + 3 x 4096 x 11008 = 202,375,168; x 32 = 6,476,005,376
 *   norms: (2 x 32 + 1) x 4096 = 266,240 */
static void test_llama2_components(test_ctx *t)
{
    inv_catalog cat;
    fp_error e;
    CHECK(t, inv_catalog_load(&cat, &e) == 0);
    est_params p;
    CHECK(t, est_params_count(&model(t, &cat, "llama-2-7b")->arch, &p, NULL) == 0);
    CHECK_U64(t, p.embedding, 131072000);
    CHECK_U64(t, p.lm_head, 131072000);
    CHECK_U64(t, p.linear, 6476005376ULL);
    CHECK_U64(t, p.other, 266240);
    CHECK_U64(t, p.active, p.total);
    CHECK_U64(t, p.per_layer_max, 202375168 + 2 * 4096);

    /* GPT-2: tied head, learned positions: 50257 x 768 + 1024 x 768 */
    CHECK(t, est_params_count(&model(t, &cat, "gpt2")->arch, &p, NULL) == 0);
    CHECK_U64(t, p.embedding, 39383808);
    CHECK_U64(t, p.lm_head, 0);

    /* Mixtral: 8 experts of 3 x 4096 x 14336, 2 active: 6 x 176,160,768 x 32 layers fewer */
    CHECK(t, est_params_count(&model(t, &cat, "mixtral-8x7b")->arch, &p, NULL) == 0);
    CHECK_U64(t, p.total - p.active, 6ULL * 176160768ULL * 32ULL);
    inv_catalog_free(&cat);
}

static void test_bad_arch(test_ctx *t)
{
    est_arch a = {.vocab = 100, .hidden = 64, .layers = 2, .heads = 6, .kv_heads = 4, .intermediate = 128};
    est_params p;
    fp_error e;
    CHECK(t, est_params_count(&a, &p, &e) != 0);
    CHECK_HAS(t, e.msg, "num_key_value_heads");
    a.kv_heads = 2;
    CHECK(t, est_params_count(&a, &p, &e) != 0); /* 64 / 6 is not whole */
    CHECK_HAS(t, e.msg, "head_dim");
    a.head_dim = 16;
    CHECK(t, est_params_count(&a, &p, &e) == 0);
    a.hidden = 0;
    CHECK(t, est_params_count(&a, &p, &e) != 0);
    CHECK_HAS(t, e.msg, "hidden_size");
}

const test_case params_tests[] = {
    {"params/published_totals", test_published_totals},
    {"params/catalog_expected", test_catalog_expected},
    {"params/kv_per_token", test_kv_per_token},
    {"params/llama2_components", test_llama2_components},
    {"params/bad_arch", test_bad_arch},
    {NULL, NULL},
};
