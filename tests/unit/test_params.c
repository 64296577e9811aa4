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
    /* phi: parallel attention/MLP under one LayerNorm, biases everywhere, untied lm_head with bias */
    CHECK_U64(t, total_of(t, &cat, "microsoft/phi-1_5"), 1418270720ULL);
    CHECK_U64(t, total_of(t, &cat, "microsoft/phi-2"), 2779683840ULL);
    /* gpt_neox: fused query_key_value with bias, two LayerNorms per layer, untied embed_out */
    CHECK_U64(t, total_of(t, &cat, "stabilityai/stablelm-base-alpha-3b"), 3637321728ULL);
    CHECK_U64(t, total_of(t, &cat, "EleutherAI/pythia-160m"), 162322944ULL);
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
    CHECK(t, checked >= 38);
    CHECK(t, cat.nmodels >= 45);
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

/* KV bytes per token per attention pattern, at 2 bytes, through the footprint (transformers,
 * batch 1): sliding layers hold at most the window, chunked layers at most one chunk. */
static uint64_t kv_at(test_ctx *t, const inv_catalog *cat, const char *name, uint64_t context)
{
    const inv_model *m = model(t, cat, name);
    est_params p;
    est_workload w;
    est_footprint fp;
    if (!m || est_params_count(&m->arch, &p, NULL) != 0)
        return 0;
    est_workload_default(&w);
    w.context = context;
    w.context_set = 1;
    w.max_model_len = context;
    if (est_footprint_compute(&m->arch, &p, &w, &fp, NULL, NULL) != 0)
        return 0;
    return fp.bytes[EST_C_KV];
}

static void test_kv_patterns(test_ctx *t)
{
    inv_catalog cat;
    fp_error e;
    CHECK(t, inv_catalog_load(&cat, &e) == 0);
    /* Qwen3-8B: 2 x 36 x 8 x 128 x 2 (head_dim 128 explicit) */
    CHECK_U64(t, est_kv_bytes_per_token(&model(t, &cat, "qwen3-8b")->arch, 2), 147456);
    /* Qwen3-4B: head_dim 128, not 2560 / 32 = 80 */
    CHECK_U64(t, est_kv_bytes_per_token(&model(t, &cat, "qwen3-4b")->arch, 2), 2 * 36 * 8 * 128 * 2);
    /* gpt-oss-20b at 32768: 12 full layers x 32768 + 12 sliding x 128, 2 x 8 x 64 x 2 B each */
    CHECK_U64(t, kv_at(t, &cat, "gpt-oss-20b", 32768), 2048ULL * (12 * 32768 + 12 * 128));
    /* gemma-3-27b at 32768: 10 global (of 62, every 6th) x 32768 + 52 local x 1024; 2 x 16 x 128 x 2 B */
    CHECK_U64(t, kv_at(t, &cat, "gemma-3-27b", 32768), 8192ULL * (10 * 32768 + 52 * 1024));
    /* Llama 4 Scout at 65536: 12 NoPE global layers x 65536 + 36 chunked x 8192; 2 x 8 x 128 x 2 B */
    CHECK_U64(t, kv_at(t, &cat, "llama-4-scout", 65536), 4096ULL * (12 * 65536 + 36 * 8192));
    /* gemma-3-12b at 32768: 8 global (of 48, every 6th) x 32768 + 40 local x 1024; 2 x 8 x 256 x 2 B */
    CHECK_U64(t, kv_at(t, &cat, "gemma-3-12b", 32768), 8192ULL * (8 * 32768 + 40 * 1024));
    /* GLM-4.5-Air and GLM-4.5: full attention in every layer (the MTP layer holds no KV unless it
     * drafts), 2 x 8 x 128 x 2 B per layer; partial_rotary_factor changes no size */
    CHECK_U64(t, est_kv_bytes_per_token(&model(t, &cat, "glm-4.5-air")->arch, 2), 46 * 4096);
    CHECK_U64(t, est_kv_bytes_per_token(&model(t, &cat, "glm-4.5")->arch, 2), 92 * 4096);
    CHECK_U64(t, kv_at(t, &cat, "glm-4.5-air", 32768), 46ULL * 4096 * 32768);
    /* shorter than the window or chunk: every layer holds every token */
    CHECK_U64(t, kv_at(t, &cat, "llama-4-scout", 4096), 4096ULL * 48 * 4096);
    CHECK_U64(t, kv_at(t, &cat, "gpt-oss-20b", 100), 2048ULL * 24 * 100);
    inv_catalog_free(&cat);
}

/* The counting rules of the 2025 architectures, by hand. */
static void test_new_rules(test_ctx *t)
{
    inv_catalog cat;
    fp_error e;
    CHECK(t, inv_catalog_load(&cat, &e) == 0);
    est_params p;
    /* Gemma 3 4B: text 3,880,263,168; SigLIP 416,866,032 + projector 1152 x 2560 + 1152 */
    CHECK(t, est_params_count(&model(t, &cat, "gemma-3-4b")->arch, &p, NULL) == 0);
    CHECK_U64(t, p.vision, 416866032ULL + 2949120ULL + 1152ULL);
    CHECK_U64(t, p.total - p.vision, 3880263168ULL);
    CHECK_U64(t, p.active, p.total - p.vision);
    /* Gemma 3 12B as released (vocab 262208): the Hub's count 12,187,325,040, of which the
     * SigLIP tower and projector 416,866,032 + 3840 x 1152 + 1152; keras-hub gemma3_12b counts
     * vocab 262144: 12,187,079,280 */
    CHECK(t, est_params_count(&model(t, &cat, "gemma-3-12b")->arch, &p, NULL) == 0);
    CHECK_U64(t, p.total, 12187325040ULL);
    CHECK_U64(t, p.vision, 416866032ULL + 4423680ULL + 1152ULL);
    {
        est_arch a = model(t, &cat, "gemma-3-12b")->arch;
        a.vocab = 262144;
        CHECK(t, est_params_count(&a, &p, NULL) == 0);
        CHECK_U64(t, p.total, 12187079280ULL);
        /* and the text model alone, gemma3_12b_text: 11,765,788,416 */
        a.vision.kind = EST_VIS_NONE;
        CHECK(t, est_params_count(&a, &p, NULL) == 0);
        CHECK_U64(t, p.total, 11765788416ULL);
    }
    /* GLM-4.5 and GLM-4.5-Air: the Hub's counts of zai-org/GLM-4.5 and zai-org/GLM-4.5-Air,
     * 358,337,791,296 and 110,468,824,832 (quoted in public GitHub files: debaditc/kvfit
     * scripts/build_registry.py), are the parameters loaded plus the MTP layer each checkpoint
     * stores as model.layers.{num_hidden_layers} (transformers' Glm4MoeMTPLayer layout): one
     * more MoE decoder layer, eh_proj (2h -> h), enorm, hnorm, shared_head.norm and its own
     * embedding and head (vocab x h each) */
    {
        static const struct {
            const char *name;
            uint64_t loaded, mtp, hub;
        } glm[] = {{"glm-4.5", 352797829024ULL, 5539962272ULL, 358337791296ULL},
                   {"glm-4.5-air", 106852251264ULL, 3616573568ULL, 110468824832ULL}};
        for (size_t i = 0; i < sizeof glm / sizeof glm[0]; i++) {
            est_arch a = model(t, &cat, glm[i].name)->arch;
            est_params p1;
            CHECK(t, est_params_count(&a, &p, NULL) == 0);
            CHECK_U64(t, p.total, glm[i].loaded);
            a.layers++;
            a.moe_layers++;
            CHECK(t, est_params_count(&a, &p1, NULL) == 0);
            uint64_t mtp = (p1.total - p.total) + 2 * a.hidden * a.hidden + 3 * a.hidden + 2 * a.vocab * a.hidden;
            CHECK_U64(t, mtp, glm[i].mtp);
            CHECK_U64(t, p.total + mtp, glm[i].hub);
        }
    }
    /* Llama 4: both checkpoints differ from their text models by the same vision + projector */
    CHECK(t, est_params_count(&model(t, &cat, "llama-4-scout")->arch, &p, NULL) == 0);
    CHECK_U64(t, p.vision, 871932416ULL);
    CHECK_U64(t, p.active, 17172894720ULL); /* 17B active */
    CHECK(t, est_params_count(&model(t, &cat, "llama-4-maverick")->arch, &p, NULL) == 0);
    CHECK_U64(t, p.vision, 871932416ULL);
    /* QK-norm: Qwen3-0.6B is Qwen2-style plus 2 x 128 per layer (28 layers) */
    {
        est_arch a = model(t, &cat, "qwen3-0.6b")->arch;
        est_params q;
        CHECK(t, est_params_count(&a, &p, NULL) == 0);
        a.qk_norm = 0;
        CHECK(t, est_params_count(&a, &q, NULL) == 0);
        CHECK_U64(t, p.total - q.total, 2 * 128 * 28);
    }
    /* sinks: gpt-oss-20b holds 64 per layer; the router's bias 32 per layer */
    {
        est_arch a = model(t, &cat, "gpt-oss-20b")->arch;
        est_params q;
        CHECK(t, est_params_count(&a, &p, NULL) == 0);
        a.attn_sinks = 0;
        a.router_linear_bias = 0;
        CHECK(t, est_params_count(&a, &q, NULL) == 0);
        CHECK_U64(t, p.total - q.total, (64 + 32) * 24);
    }
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
    {"params/kv_patterns", test_kv_patterns},
    {"params/new_rules", test_new_rules},
    {"params/llama2_components", test_llama2_components},
    {"params/bad_arch", test_bad_arch},
    {NULL, NULL},
};
