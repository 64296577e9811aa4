/* Readers of model files: safetensors and GGUF headers give exact bytes and counts per type,
 * split GGUF files read as one, broken headers fail at their byte offset without reading past
 * the end, the Hugging Face cache is found offline, quantization_config sizes the weights.
 * The files under tests/data/models are written by tests/data/models/make.py (no download);
 * the buffers below are written here. */
#include <stdlib.h>

#include "../../inventory/inventory.h"
#include "test.h"

/* ---------------------------------------------------------------- safetensors in memory */

/* 8-byte little-endian length + header text + data bytes (zeros), into buf; returns the size. */
static size_t st_file(unsigned char *buf, size_t cap, const char *hdr, size_t data)
{
    size_t n = strlen(hdr);
    if (8 + n + data > cap)
        return 0;
    for (int i = 0; i < 8; i++)
        buf[i] = (unsigned char)((uint64_t)n >> (8 * i));
    memcpy(buf + 8, hdr, n);
    memset(buf + 8 + n, 0, data);
    return 8 + n + data;
}

static const inv_kind *kind(const inv_stored *st, const char *name)
{
    for (size_t i = 0; i < st->nkinds; i++)
        if (!strcmp(st->kinds[i].name, name))
            return &st->kinds[i];
    return NULL;
}

static void test_safetensors_dtypes(test_ctx *t)
{
    /* one tensor of each dtype a checkpoint uses, exact bytes = elements x bits / 8 */
    static const struct {
        const char *dtype;
        unsigned bits;
    } rows[] = {{"F32", 32}, {"F16", 16}, {"BF16", 16}, {"F8_E4M3", 8}, {"F8_E5M2", 8}, {"I8", 8}, {"U8", 8},
                {"I32", 32}, {"I64", 64}, {"BOOL", 8}, {"F64", 64}, {"F8_E8M0", 8}, {"F4", 4}};
    char hdr[4096] = "{";
    uint64_t off = 0;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        uint64_t bytes = 6 * 10 * rows[i].bits / 8;
        char one[160];
        snprintf(one, sizeof one, "%s\"t%zu\":{\"dtype\":\"%s\",\"shape\":[6,10],\"data_offsets\":[%llu,%llu]}",
                 i ? "," : "", i, rows[i].dtype, (unsigned long long)off, (unsigned long long)(off + bytes));
        strcat(hdr, one);
        off += bytes;
    }
    strcat(hdr, ",\"__metadata__\":{\"format\":\"pt\"}}");
    static unsigned char buf[8192];
    size_t len = st_file(buf, sizeof buf, hdr, off);
    inv_stored st;
    memset(&st, 0, sizeof st);
    fp_error e;
    CHECK(t, inv_safetensors_parse("x.safetensors", buf, len, len, 0, &st, &e) == 0);
    CHECK_U64(t, st.tensors, sizeof rows / sizeof rows[0]);
    CHECK_U64(t, st.bytes, off);
    CHECK(t, st.quantized);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const inv_kind *k = kind(&st, rows[i].dtype);
        CHECK(t, k != NULL);
        if (k) {
            CHECK_U64(t, k->elements, 60);
            CHECK_U64(t, k->bytes, 60 * rows[i].bits / 8);
        }
    }
}

static int st_fails(const char *hdr, size_t data, uint64_t claimed_len, fp_error *e)
{
    static unsigned char buf[4096];
    size_t len = st_file(buf, sizeof buf, hdr, data);
    if (claimed_len)
        for (int i = 0; i < 8; i++)
            buf[i] = (unsigned char)(claimed_len >> (8 * i));
    inv_stored st;
    memset(&st, 0, sizeof st);
    int rc = inv_safetensors_parse("bad.safetensors", buf, len, len, 0, &st, e);
    return rc != 0 && st.tensors == 0; /* nothing added from a broken file */
}

static void test_safetensors_broken(test_ctx *t)
{
    fp_error e;
    CHECK(t, st_fails("{}", 0, 1ULL << 63, &e));
    CHECK_HAS(t, e.msg, "at byte 0: header length 9223372036854775808 runs past the end of the file");
    CHECK(t, st_fails("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,8]}}", 8, 0, &e));
    CHECK_HAS(t, e.msg, "shape and dtype give 16 bytes, data_offsets 8");
    CHECK(t, st_fails("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8, 0, &e));
    CHECK_HAS(t, e.msg, "past the end of the file");
    CHECK(t, st_fails("{\"a\":{\"dtype\":\"Q4\",\"shape\":[4],\"data_offsets\":[0,16]}}", 16, 0, &e));
    CHECK_HAS(t, e.msg, "at byte 9: tensor 'a' has unknown dtype 'Q4'");
    CHECK(t, st_fails("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                      "\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}", 24, 0, &e));
    CHECK_HAS(t, e.msg, "overlaps");
    CHECK(t, st_fails("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4],\"data_offsets\":[0,16]}}", 16, 0,
                      &e));
    CHECK_HAS(t, e.msg, "overflows");
    CHECK(t, st_fails("{\"a\":", 0, 0, &e));
    CHECK_HAS(t, e.msg, "not valid JSON");
    unsigned char five[5] = {1, 0, 0, 0, 0};
    inv_stored st;
    memset(&st, 0, sizeof st);
    CHECK(t, inv_safetensors_parse("short.safetensors", five, 5, 5, 0, &st, &e) != 0);
    CHECK_HAS(t, e.msg, "too short");
}

/* which names are layers past the last: "model.layers.N." with N >= layers, only that prefix,
 * digits then a dot (a 25-digit index is past any count without overflowing) */
static void test_safetensors_past_layers(test_ctx *t)
{
    static const char *names[] = {"model.layers.1.w", "model.layers.2.w", "model.layers.10.w",
                                  "model.layers.9999999999999999999999999.w", "model.layers.2x.w", "model.layers.x",
                                  "model.layers.2", "lm.model.layers.3.w", "model.norm.weight"};
    static const int past[] = {0, 1, 1, 1, 0, 0, 0, 0, 0};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char hdr[256];
        snprintf(hdr, sizeof hdr, "{\"%s\":{\"dtype\":\"BF16\",\"shape\":[4],\"data_offsets\":[0,8]}}", names[i]);
        unsigned char buf[512];
        size_t len = st_file(buf, sizeof buf, hdr, 8);
        inv_stored st;
        memset(&st, 0, sizeof st);
        fp_error e;
        CHECK(t, inv_safetensors_parse("x.safetensors", buf, len, len, 2, &st, &e) == 0);
        if (st.unloaded_tensors != (uint64_t)past[i]) {
            fprintf(stderr, "  %s:%d: '%s': %" PRIu64 " unloaded, want %d\n", __FILE__, __LINE__, names[i],
                    st.unloaded_tensors, past[i]);
            t->failures++;
        }
        CHECK_U64(t, st.tensors + st.unloaded_tensors, 1);
        CHECK_U64(t, st.bytes + st.unloaded_bytes, 8);
    }
}

/* the checkpoint directory of make.py: two shards named by an index, bf16 matrices, f32 norms */
static void test_checkpoint_dir(test_ctx *t)
{
    inv_modelfile m;
    fp_error e;
    CHECK(t, inv_modelfile_load("tests/data/models/tiny-llama/", &m, &e) == 0);
    CHECK_STR(t, m.name, "tiny-llama");
    CHECK_U64(t, m.stored.files, 2);
    CHECK_U64(t, m.stored.tensors, 21);
    est_params p;
    CHECK(t, est_params_count(&m.arch, &p, &e) == 0);
    CHECK_U64(t, m.stored.elements, p.total);
    CHECK_U64(t, p.total, 5712);
    /* bf16: embeddings + head 2 x 32 x 16, 2 layers of 2336 - 32 norm values; f32: 5 norms of 16 */
    const inv_kind *bf = kind(&m.stored, "BF16"), *f32 = kind(&m.stored, "F32");
    CHECK(t, bf && f32);
    if (bf && f32) {
        CHECK_U64(t, bf->bytes, (1024 + 2 * 2304) * 2);
        CHECK_U64(t, f32->bytes, 5 * 16 * 4);
    }
    CHECK_U64(t, m.stored.bytes, 11584);
}

/* GLM-4.5's safetensors layout (make.py: a dense layer, an MoE layer, and the MTP layer as
 * model.layers.2 with eh_proj, enorm, hnorm and its own embedding and head): the MTP layer is
 * set apart, as transformers and vLLM do not load it, and the rest holds exactly the
 * parameters the glm4_moe reader counts */
static void test_checkpoint_mtp(test_ctx *t)
{
    inv_modelfile m;
    fp_error e;
    CHECK(t, inv_modelfile_load("tests/data/models/tiny-glm4moe-mtp", &m, &e) == 0);
    CHECK_STR(t, m.arch.model_type, "glm4_moe");
    est_params p;
    CHECK(t, est_params_count(&m.arch, &p, &e) == 0);
    CHECK_U64(t, m.stored.elements, p.total);
    /* one MoE layer: norms 2 x 16, attention 4 x 8 x 16 + 32 + 2 x (2 x 8 x 16 + 16) + 16 x 32 = 1600,
     * router 4 x 16 + 4, 4 experts and one shared of 3 x 8 x 16: 3620; then eh_proj 16 x 32,
     * enorm, hnorm, the head's norm 3 x 16, embedding and head 2 x 32 x 16: 1584 */
    CHECK_U64(t, m.stored.unloaded_elements, 3620 + 1584);
    CHECK_U64(t, m.stored.unloaded_tensors, 32);
    /* 84 of them f32 (the norms and e_score_correction_bias), the rest bf16 */
    CHECK_U64(t, m.stored.unloaded_bytes, (5204 - 84) * 2 + 84 * 4);
    CHECK(t, !m.stored.quantized);
    /* one shard read alone, beside its config.json: the same rule */
    inv_modelfile one;
    CHECK(t, inv_modelfile_load("tests/data/models/tiny-glm4moe-mtp/model-00002-of-00002.safetensors", &one, &e) == 0);
    CHECK_U64(t, one.stored.unloaded_tensors, 32);
    /* without a layer count nothing is set apart */
    inv_stored st;
    memset(&st, 0, sizeof st);
    CHECK(t, inv_safetensors_read("tests/data/models/tiny-glm4moe-mtp/model-00002-of-00002.safetensors", 0, &st, &e) == 0);
    CHECK_U64(t, st.unloaded_tensors, 0);
    CHECK_U64(t, st.tensors, one.stored.tensors + 32);
}

/* fp8 with 128x128 block scales: the formula of --dtype fp8-block gives the stored bytes */
static void test_fp8_block_formula(test_ctx *t)
{
    inv_modelfile m;
    fp_error e;
    CHECK(t, inv_modelfile_load("tests/data/models/tiny-llama-fp8", &m, &e) == 0);
    CHECK(t, m.quant.present);
    CHECK(t, m.quant.dtype == EST_DT_FP8_BLOCK);
    CHECK_U64(t, m.quant.fp8_block, 128);
    est_params p;
    CHECK(t, est_params_count(&m.arch, &p, &e) == 0);
    est_workload w;
    est_workload_default(&w);
    w.weight_dtype = EST_DT_FP8_BLOCK;
    w.context = 64;
    est_footprint fp;
    CHECK(t, est_footprint_compute(&m.arch, &p, &w, &fp, NULL, &e) == 0);
    CHECK_U64(t, fp.bytes[EST_C_WEIGHTS], m.stored.bytes);
    w.stored_weights = m.stored.bytes;
    CHECK(t, est_footprint_compute(&m.arch, &p, &w, &fp, NULL, &e) == 0);
    CHECK_U64(t, fp.bytes[EST_C_WEIGHTS], m.stored.bytes);
}

/* ---------------------------------------------------------------- GGUF */

static void test_gguf_all_types(test_ctx *t)
{
    /* one 256 x 2 tensor per type: bytes = 512 / block x bytes per block (gguf-py GGML_QUANT_SIZES) */
    static const struct {
        const char *name;
        unsigned block, bytes;
    } rows[] = {{"F32", 1, 4},        {"F16", 1, 2},        {"Q4_0", 32, 18},     {"Q4_1", 32, 20},
                {"Q5_0", 32, 22},     {"Q5_1", 32, 24},     {"Q8_0", 32, 34},     {"Q8_1", 32, 36},
                {"Q2_K", 256, 84},    {"Q3_K", 256, 110},   {"Q4_K", 256, 144},   {"Q5_K", 256, 176},
                {"Q6_K", 256, 210},   {"Q8_K", 256, 292},   {"IQ2_XXS", 256, 66}, {"IQ2_XS", 256, 74},
                {"IQ3_XXS", 256, 98}, {"IQ1_S", 256, 50},   {"IQ4_NL", 32, 18},   {"IQ3_S", 256, 110},
                {"IQ2_S", 256, 82},   {"IQ4_XS", 256, 136}, {"I8", 1, 1},         {"I16", 1, 2},
                {"I32", 1, 4},        {"I64", 1, 8},        {"F64", 1, 8},        {"IQ1_M", 256, 56},
                {"BF16", 1, 2},       {"TQ1_0", 256, 54},   {"TQ2_0", 256, 66},   {"MXFP4", 32, 17}};
    est_arch a;
    inv_stored st;
    char name[INV_NAME];
    fp_error e;
    CHECK(t, inv_gguf_load("tests/data/models/all-types.gguf", &a, &st, name, &e) == 0);
    CHECK_STR(t, name, "all-types");
    CHECK_U64(t, st.tensors, sizeof rows / sizeof rows[0]);
    uint64_t total = 0;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const inv_kind *k = kind(&st, rows[i].name);
        CHECK(t, k != NULL);
        if (!k)
            continue;
        CHECK_U64(t, k->elements, 512);
        CHECK_U64(t, k->bytes, 512 / rows[i].block * rows[i].bytes);
        total += 512 / rows[i].block * rows[i].bytes;
    }
    CHECK_U64(t, st.bytes, total);
}

static void test_gguf_mixture_and_split(test_ctx *t)
{
    est_arch a, b;
    inv_stored s1, s2;
    char n1[INV_NAME], n2[INV_NAME];
    fp_error e;
    CHECK(t, inv_gguf_load("tests/data/models/tiny-llama-Q4_K_M.gguf", &a, &s1, n1, &e) == 0);
    CHECK_STR(t, a.model_type, "llama");
    CHECK_U64(t, a.hidden, 256);
    CHECK_U64(t, a.layers, 2);
    CHECK_U64(t, a.kv_heads, 2);
    CHECK_U64(t, a.vocab, 64);
    CHECK_U64(t, a.max_positions, 128);
    CHECK(t, !a.tied_embeddings);
    /* Q4_K: token_embd (64 rows), per layer q (256), k, v... as make.py mixes them */
    const inv_kind *q4 = kind(&s1, "Q4_K"), *q6 = kind(&s1, "Q6_K"), *f32 = kind(&s1, "F32");
    CHECK(t, q4 && q6 && f32);
    if (q4 && q6 && f32) {
        CHECK_U64(t, q4->tensors, 11);
        CHECK_U64(t, q4->bytes, (64 + 2 * (256 + 128 + 256 + 512 + 512)) * 144);
        CHECK_U64(t, q6->bytes, (2 * (128 + 256 * 2) + 64) * 210);
        CHECK_U64(t, f32->bytes, 5 * 256 * 4);
    }
    est_params p;
    CHECK(t, est_params_count(&a, &p, &e) == 0);
    CHECK_U64(t, s1.elements, p.total);
    /* the split pair reads as the same model, whichever part is named */
    CHECK(t, inv_gguf_load("tests/data/models/tiny-split-00002-of-00002.gguf", &b, &s2, n2, &e) == 0);
    CHECK_U64(t, s2.files, 2);
    CHECK_U64(t, s2.tensors, s1.tensors);
    CHECK_U64(t, s2.bytes, s1.bytes);
    CHECK_U64(t, s2.elements, s1.elements);
    CHECK(t, !b.tied_embeddings); /* output.weight is in the second part */
    CHECK_STR(t, n2, "tiny-split");
}

/* qwen3 and deepseek2 GGUFs (make.py writes them as llama.cpp's convert would): the
 * architecture read from their keys counts exactly the elements the tensors hold, each total
 * worked out by hand from the tensor list below */
static void test_gguf_qwen3_deepseek2(test_ctx *t)
{
    est_arch a;
    est_params p;
    inv_stored st;
    char name[INV_NAME];
    fp_error e;
    memset(&st, 0, sizeof st);
    CHECK(t, inv_gguf_load("tests/data/models/tiny-qwen3-Q8_0.gguf", &a, &st, name, &e) == 0);
    CHECK_STR(t, a.model_type, "qwen3");
    CHECK_U64(t, a.head_dim, 128); /* attention.key_length, not 256 / 4 */
    CHECK(t, a.qk_norm && a.tied_embeddings && !a.qkv_bias);
    CHECK(t, est_params_count(&a, &p, &e) == 0);
    /* embed 64 x 256; per layer: 2 norms 512, q 256 x 512, k and v 256 x 256, o 512 x 256,
     * q/k norms 2 x 128, gate/up/down 3 x 256 x 512; final norm 256 */
    uint64_t layer = 512 + 131072 + 2 * 65536 + 131072 + 256 + 3 * 131072;
    CHECK_U64(t, p.total, 64 * 256 + 2 * layer + 256);
    CHECK_U64(t, st.elements, p.total);

    memset(&st, 0, sizeof st);
    CHECK(t, inv_gguf_load("tests/data/models/tiny-deepseek2.gguf", &a, &st, name, &e) == 0);
    CHECK_STR(t, a.model_type, "deepseek_v3"); /* exp_probs_b: the V3 router bias */
    CHECK_STR(t, name, "tiny-deepseek-v3");
    CHECK_U64(t, a.q_lora_rank, 64);
    CHECK_U64(t, a.kv_lora_rank, 32);
    CHECK_U64(t, a.qk_rope_head_dim, 16);
    CHECK_U64(t, a.qk_nope_head_dim, 32); /* key_length_mla 48 - rope 16; key_length 48 is the MQA form */
    CHECK_U64(t, a.v_head_dim, 32);       /* value_length_mla, not value_length (kv_lora_rank) */
    CHECK_U64(t, a.experts, 4);
    CHECK_U64(t, a.shared_experts, 1);
    CHECK_U64(t, a.moe_layers, 2); /* leading_dense_block_count 1 of 3 */
    CHECK(t, a.router_bias);
    CHECK(t, est_params_count(&a, &p, &e) == 0);
    /* attention per layer: norm 256, q_a 256 x 64, q_a_norm 64, q_b 64 x 4 x 48, kv_a 256 x 48,
     * kv_a_norm 32, k_b 32 x 32 x 4, v_b 32 x 32 x 4, o 128 x 256, ffn_norm 256; the dense layer
     * 3 x 256 x 512; an MoE layer: router 256 x 4 + bias 4, experts 3 x 256 x 128 x 4, the
     * shared expert 3 x 256 x 128; embed and output 64 x 256 each, final norm 256 */
    uint64_t attn = 256 + 16384 + 64 + 12288 + 12288 + 32 + 4096 + 4096 + 32768 + 256;
    uint64_t moe = 1024 + 4 + 393216 + 98304;
    CHECK_U64(t, p.total, 2 * 16384 + 256 + 3 * attn + 393216 + 2 * moe);
    CHECK_U64(t, p.total, 1658920);
    CHECK_U64(t, st.elements, p.total);
}

/* The 2025 architectures as llama.cpp's convert writes them (make.py: tensor names from
 * src/llama-arch.cpp, keys from convert_hf_to_gguf.py).  Each total is worked out by hand from
 * the tensor list make.py writes, and must equal both the architecture's count and the
 * elements the file holds. */
static void test_gguf_qwen3moe(test_ctx *t)
{
    est_arch a;
    est_params p;
    inv_stored st;
    char name[INV_NAME];
    fp_error e;
    CHECK(t, inv_gguf_load("tests/data/models/tiny-qwen3moe.gguf", &a, &st, name, &e) == 0);
    CHECK_STR(t, a.model_type, "qwen3_moe");
    CHECK_U64(t, a.experts, 4);                /* expert_count */
    CHECK_U64(t, a.experts_per_tok, 2);        /* expert_used_count */
    CHECK_U64(t, a.moe_intermediate, 128);     /* expert_feed_forward_length */
    CHECK_U64(t, a.moe_layers, 2);             /* every layer: GGUF has no mlp_only_layers */
    CHECK_U64(t, a.shared_experts + a.shared_intermediate, 0);
    CHECK_U64(t, a.head_dim, 128);             /* attention.key_length, not 256 / 4 */
    CHECK(t, a.qk_norm && !a.tied_embeddings && !a.qkv_bias);
    CHECK(t, est_params_count(&a, &p, &e) == 0);
    /* embed and output 64 x 256 each, final norm 256; per layer: 2 norms 2 x 256, q 256 x 512,
     * k and v 256 x 256, o 512 x 256, q/k norms 2 x 128, router 256 x 4, experts 3 x 256 x 128 x 4
     * (feed_forward_length 768 is the config's unused dense width: no tensor has it) */
    uint64_t layer = 2 * 256 + 256 * 512 + 2 * 256 * 256 + 512 * 256 + 2 * 128 + 256 * 4 + 3 * 256 * 128 * 4;
    CHECK_U64(t, layer, 788224);
    CHECK_U64(t, p.total, 2 * 64 * 256 + 256 + 2 * layer);
    CHECK_U64(t, st.elements, 2 * 64 * 256 + 256 + 2 * layer);
    /* gate and up experts are Q4_K: 2 layers x 2 x 256 x 128 x 4 values, 144 bytes per 256 */
    const inv_kind *q4 = kind(&st, "Q4_K");
    CHECK(t, q4 != NULL);
    if (q4) {
        CHECK_U64(t, q4->elements, 2 * 2 * 256 * 128 * 4);
        CHECK_U64(t, q4->bytes, 2 * 2 * 256 * 128 * 4 / 256 * 144);
    }
}

static void test_gguf_gemma3(test_ctx *t)
{
    est_arch a;
    est_params p;
    inv_stored st;
    char name[INV_NAME];
    fp_error e;
    CHECK(t, inv_gguf_load("tests/data/models/tiny-gemma3.gguf", &a, &st, name, &e) == 0);
    CHECK_STR(t, a.model_type, "gemma3_text");
    CHECK_U64(t, a.head_dim, 128); /* key_length, not 128 / 2 */
    CHECK_U64(t, a.sliding_window, 512);
    /* llama.cpp's pattern (set_swa_pattern(6)): layers 0-4 and 6 slide, layer 5 is global */
    CHECK_U64(t, a.sliding_layers, 6);
    CHECK_U64(t, a.norms_per_layer, 4);
    CHECK(t, a.qk_norm && a.tied_embeddings);
    CHECK_U64(t, a.vocab, 64);
    CHECK(t, est_params_count(&a, &p, &e) == 0);
    /* embed 64 x 128 (tied), final norm 128; per layer: 4 norms 4 x 128, q 128 x 256, k and v
     * 128 x 128, o 256 x 128, q/k norms 2 x 128, gate/up/down 3 x 128 x 256 */
    uint64_t layer = 4 * 128 + 128 * 256 + 2 * 128 * 128 + 256 * 128 + 2 * 128 + 3 * 128 * 256;
    CHECK_U64(t, layer, 197376);
    CHECK_U64(t, p.total, 64 * 128 + 128 + 7 * layer);
    CHECK_U64(t, st.elements, 64 * 128 + 128 + 7 * layer);

    /* sliding_window_pattern 1 in the config: convert writes no sliding_window, llama.cpp slides
     * nowhere (the reader's 4096 default must not apply) */
    CHECK(t, inv_gguf_load("tests/data/models/tiny-gemma3-global.gguf", &a, &st, name, &e) == 0);
    CHECK_U64(t, a.sliding_layers, 0);
    CHECK(t, est_params_count(&a, &p, &e) == 0);
    CHECK_U64(t, p.total, 64 * 128 + 128 + 2 * layer);
    CHECK_U64(t, st.elements, p.total);
}

static void test_gguf_llama4(test_ctx *t)
{
    est_arch a;
    est_params p;
    inv_stored st;
    char name[INV_NAME];
    fp_error e;
    CHECK(t, inv_gguf_load("tests/data/models/tiny-llama4.gguf", &a, &st, name, &e) == 0);
    CHECK_STR(t, a.model_type, "llama4_text");
    CHECK_U64(t, a.experts, 4);
    CHECK_U64(t, a.experts_per_tok, 1);
    CHECK_U64(t, a.intermediate, 256);        /* feed_forward_length: intermediate_size_mlp */
    CHECK_U64(t, a.moe_intermediate, 128);    /* expert_feed_forward_length */
    CHECK_U64(t, a.shared_intermediate, 128); /* the shared expert, as wide as one routed */
    CHECK_U64(t, a.moe_layers, 2);            /* interleave_moe_layer_step 2: layers 1 and 3 */
    CHECK_U64(t, a.head_dim, 64);
    /* no sliding_window key: llama.cpp's chunks of 8192, every 4th layer NoPE and global */
    CHECK_U64(t, a.attn_chunk, 8192);
    CHECK_U64(t, a.chunked_layers, 3);
    CHECK(t, !a.tied_embeddings && !a.qk_norm && !a.qkv_bias);
    CHECK(t, est_params_count(&a, &p, &e) == 0);
    /* embed and output 64 x 128 each, final norm 128; per layer: 2 norms 2 x 128, q 128 x 256,
     * k and v 128 x 128, o 256 x 128; layers 0 and 2 a dense MLP 3 x 128 x 256; layers 1 and 3
     * a router 128 x 4, experts 3 x 128 x 128 x 4, the shared expert 3 x 128 x 128 */
    uint64_t attn = 2 * 128 + 128 * 256 + 2 * 128 * 128 + 256 * 128;
    uint64_t dense = 3 * 128 * 256, moe = 128 * 4 + 3 * 128 * 128 * 4 + 3 * 128 * 128;
    CHECK_U64(t, attn + dense + moe, 98560 + 98304 + 246272);
    CHECK_U64(t, p.total, 2 * 64 * 128 + 128 + 4 * attn + 2 * dense + 2 * moe);
    CHECK_U64(t, st.elements, 2 * 64 * 128 + 128 + 4 * attn + 2 * dense + 2 * moe);

    /* layer_types all full_attention: convert writes sliding_window 0, llama.cpp chunks nothing */
    CHECK(t, inv_gguf_load("tests/data/models/tiny-llama4-nochunk.gguf", &a, &st, name, &e) == 0);
    CHECK(t, est_params_count(&a, &p, &e) == 0); /* the check drops the chunk's layers with it */
    est_arch chk = a;
    CHECK(t, est_arch_check(&chk, &e) == 0);
    CHECK_U64(t, chk.attn_chunk, 0);
    CHECK_U64(t, chk.chunked_layers, 0);
    CHECK_U64(t, p.total, 2 * 64 * 128 + 128 + 2 * attn + dense + moe);
    CHECK_U64(t, st.elements, p.total);
}

static void test_gguf_gpt_oss(test_ctx *t)
{
    est_arch a;
    est_params p;
    inv_stored st;
    char name[INV_NAME];
    fp_error e;
    CHECK(t, inv_gguf_load("tests/data/models/tiny-gpt-oss-mxfp4.gguf", &a, &st, name, &e) == 0);
    CHECK_STR(t, a.model_type, "gpt_oss");
    CHECK_U64(t, a.experts, 4);
    CHECK_U64(t, a.experts_per_tok, 2);
    CHECK_U64(t, a.moe_intermediate, 128);
    CHECK_U64(t, a.moe_layers, 2);
    CHECK_U64(t, a.head_dim, 64);
    CHECK(t, a.attn_sinks && a.router_linear_bias && a.mlp_bias && a.qkv_bias && a.o_bias);
    /* sliding_window 128 on every other layer (llama.cpp set_swa_pattern(2): layer 0 of 2) */
    CHECK_U64(t, a.sliding_window, 128);
    CHECK_U64(t, a.sliding_layers, 1);
    CHECK(t, est_params_count(&a, &p, &e) == 0);
    /* embed and output 64 x 128 each, final norm 128; per layer: 2 norms 2 x 128, q 128 x 256 +
     * bias 256, k and v 128 x 128 + 128, o 256 x 128 + 128, sinks 4 (one per head), router
     * 128 x 4 + 4, gate and up experts 128 x 128 x 4 + bias 128 x 4 each, down 128 x 128 x 4 +
     * bias 128 x 4 */
    uint64_t layer = 2 * 128 + (128 * 256 + 256) + 2 * (128 * 128 + 128) + (256 * 128 + 128) + 4 + (128 * 4 + 4) +
                     3 * (128 * 128 * 4 + 128 * 4);
    CHECK_U64(t, layer, 297864);
    CHECK_U64(t, p.total, 2 * 64 * 128 + 128 + 2 * layer);
    CHECK_U64(t, st.elements, 2 * 64 * 128 + 128 + 2 * layer);
    /* the experts as stored: MXFP4, 17 bytes per 32 values (2 layers x 3 x 128 x 128 x 4) */
    const inv_kind *mx = kind(&st, "MXFP4");
    CHECK(t, mx != NULL);
    if (mx) {
        CHECK_U64(t, mx->tensors, 6);
        CHECK_U64(t, mx->elements, 2 * 3 * 128 * 128 * 4);
        CHECK_U64(t, mx->bytes, 2 * 3 * 128 * 128 * 4 / 32 * 17);
    }
}

static void test_gguf_glm4moe(test_ctx *t)
{
    est_arch a;
    est_params p;
    inv_stored st;
    char name[INV_NAME];
    fp_error e;
    CHECK(t, inv_gguf_load("tests/data/models/tiny-glm4moe.gguf", &a, &st, name, &e) == 0);
    CHECK_STR(t, a.model_type, "glm4_moe");
    CHECK_U64(t, a.layers, 3);       /* block_count 4 less nextn_predict_layers 1 */
    CHECK_U64(t, a.moe_layers, 2);   /* leading_dense_block_count 1 */
    CHECK_U64(t, a.experts, 4);
    CHECK_U64(t, a.experts_per_tok, 2);
    CHECK_U64(t, a.moe_intermediate, 64);
    CHECK_U64(t, a.shared_experts, 1);
    CHECK_U64(t, a.head_dim, 64);
    CHECK(t, a.router_bias && a.qkv_bias && !a.o_bias && a.qk_norm && !a.tied_embeddings);
    CHECK(t, est_params_count(&a, &p, &e) == 0);
    /* embed and output 64 x 128 each, final norm 128; per layer: attn_norm and
     * post_attention_norm 2 x 128, q 128 x 256 + bias 256, k and v 128 x 128 + 128, o 256 x 128
     * (no bias), q/k norms 2 x 64; layer 0 a dense MLP 3 x 128 x 256; layers 1 and 2 a router
     * 128 x 4 + exp_probs_b 4, experts 3 x 128 x 64 x 4, the shared expert 3 x 128 x 64 */
    uint64_t attn = 2 * 128 + (128 * 256 + 256) + 2 * (128 * 128 + 128) + 256 * 128 + 2 * 64;
    uint64_t dense = 3 * 128 * 256, moe = 128 * 4 + 4 + 3 * 128 * 64 * 4 + 3 * 128 * 64;
    CHECK_U64(t, attn + dense + moe, 99200 + 98304 + 123396);
    CHECK_U64(t, p.total, 2 * 64 * 128 + 128 + 3 * attn + dense + 2 * moe);
    /* the MTP block (blk.3: a full MoE layer plus nextn.eh_proj 256 x 128 and three norms of
     * 128) is in the file but llama.cpp skips it at load (TENSOR_SKIP): not in the elements or
     * bytes, counted apart */
    CHECK_U64(t, st.elements, 2 * 64 * 128 + 128 + 3 * attn + dense + 2 * moe);
    CHECK_U64(t, st.unloaded_elements, attn + moe + 256 * 128 + 3 * 128);
    CHECK_U64(t, st.unloaded_tensors, 11 + 8 + 4);
    /* their bytes: the Q4_0 matrices (q 128 x 256, k and v 128 x 128, o 256 x 128, experts
     * 3 x 128 x 64 x 4, shared 3 x 128 x 64, eh_proj 256 x 128) at 18 bytes per 32 values, the
     * F32 rest (norms 128 + 128 + 3 x 128, q/k/v biases 256 + 2 x 128, q/k norms 2 x 64, router
     * 128 x 4, exp_probs_b 4) at 4 bytes */
    CHECK_U64(t, st.unloaded_bytes,
              (128 * 256 + 2 * 128 * 128 + 256 * 128 + 3 * 128 * 64 * 4 + 3 * 128 * 64 + 256 * 128) / 32 * 18 +
                  (2 * 128 + 3 * 128 + 256 + 2 * 128 + 2 * 64 + 128 * 4 + 4) * 4);
    /* in all: token_embd, output_norm, output; 11 attention tensors in each of 4 blocks; 3 in
     * the dense MLP; 8 in each of 3 MoE blocks; 4 nextn.* */
    CHECK_U64(t, st.tensors + st.unloaded_tensors, 3 + 4 * 11 + 3 + 3 * 8 + 4);

    /* split in two, the MTP block in the second part (whose metadata names no blocks): the
     * first part's nextn_predict_layers decides, the same counts come out */
    inv_stored s2;
    est_arch b;
    CHECK(t, inv_gguf_load("tests/data/models/tiny-glm4moe-00002-of-00002.gguf", &b, &s2, name, &e) == 0);
    CHECK_U64(t, s2.files, 2);
    CHECK_U64(t, b.layers, 3);
    CHECK(t, b.qk_norm && b.router_bias); /* attn_q_norm and exp_probs_b seen in either part */
    CHECK_U64(t, s2.elements, st.elements);
    CHECK_U64(t, s2.bytes, st.bytes);
    CHECK_U64(t, s2.unloaded_elements, st.unloaded_elements);
    CHECK_U64(t, s2.unloaded_tensors, 23);
}

static void put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void put64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void test_gguf_broken(test_ctx *t)
{
    unsigned char b[64];
    est_arch a;
    inv_stored st;
    fp_error e;
    memcpy(b, "GGUF", 4);
    put32(b + 4, 3);
    put64(b + 8, 0);
    put64(b + 16, 1000000); /* a million metadata entries in 40 bytes */
    memset(b + 24, 0, 40);
    CHECK(t, inv_gguf_parse("m.gguf", b, sizeof b, &a, &st, NULL, &e) != 0);
    CHECK_HAS(t, e.msg, "at byte 16: 1000000 metadata entries cannot fit");
    put64(b + 8, 1ULL << 63);
    put64(b + 16, 0);
    CHECK(t, inv_gguf_parse("m.gguf", b, sizeof b, &a, &st, NULL, &e) != 0);
    CHECK_HAS(t, e.msg, "at byte 8: 9223372036854775808 tensors cannot fit");
    /* one key whose string value claims 2^63 bytes */
    put64(b + 8, 0);
    put64(b + 16, 1);
    put64(b + 24, 1);
    b[32] = 'k';
    put32(b + 33, 8);
    put64(b + 37, 1ULL << 63);
    CHECK(t, inv_gguf_parse("m.gguf", b, 45, &a, &st, NULL, &e) != 0);
    CHECK_HAS(t, e.msg, "at byte 37: a metadata string claims 9223372036854775808 bytes");
    /* an array of 2^62 u32 */
    put32(b + 33, 9);
    put32(b + 37, 4);
    put64(b + 41, 1ULL << 62);
    CHECK(t, inv_gguf_parse("m.gguf", b, 49, &a, &st, NULL, &e) != 0);
    CHECK_HAS(t, e.msg, "array of 4611686018427387904");
    put32(b + 4, 1);
    CHECK(t, inv_gguf_parse("m.gguf", b, 49, &a, &st, NULL, &e) != 0);
    CHECK_HAS(t, e.msg, "version 1");
    CHECK(t, inv_gguf_parse("m.gguf", b, 3, &a, &st, NULL, &e) != 0);
    CHECK_HAS(t, e.msg, "past the end of the file (3 bytes)");
}

/* ---------------------------------------------------------------- cache and quantization */

static void test_hfcache(test_ctx *t)
{
    char dir[4096];
    fp_error e;
    const char *old = getenv("HF_HUB_CACHE");
    char saved[1024] = "";
    if (old)
        snprintf(saved, sizeof saved, "%s", old);
    setenv("HF_HUB_CACHE", "tests/data/hfcache", 1);
    CHECK(t, inv_hfcache_find("tiny-org/tiny-llama", NULL, dir, sizeof dir, &e) == 0);
    CHECK_STR(t, dir, "tests/data/hfcache/models--tiny-org--tiny-llama/snapshots/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    CHECK(t, inv_hfcache_find("tiny-org/tiny-llama", "v1", dir, sizeof dir, &e) == 0);
    CHECK_HAS(t, dir, "/snapshots/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
    CHECK(t, inv_hfcache_find("tiny-org/tiny-llama", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", dir, sizeof dir, &e) == 0);
    CHECK(t, inv_hfcache_find("tiny-org/none", NULL, dir, sizeof dir, &e) != 0);
    CHECK_HAS(t, e.msg, "looked for tests/data/hfcache/models--tiny-org--none");
    CHECK_HAS(t, e.msg, "huggingface-cli download tiny-org/none config.json");
    CHECK(t, inv_hfcache_find("tiny-org/tiny-llama", "../../etc", dir, sizeof dir, &e) != 0);
    CHECK(t, !inv_hub_id_like("./x/y") && !inv_hub_id_like("a/b/c") && !inv_hub_id_like("a/..") &&
                 inv_hub_id_like("Qwen/Qwen3-8B"));
    unsetenv("HF_HUB_CACHE");
    setenv("HF_HOME", "/nonexistent-home", 1);
    CHECK(t, inv_hfcache_find("a/b", NULL, dir, sizeof dir, &e) != 0);
    CHECK_HAS(t, e.msg, "/nonexistent-home/hub/models--a--b");
    unsetenv("HF_HOME");
    if (saved[0])
        setenv("HF_HUB_CACHE", saved, 1);
}

static int quant(const char *qc, inv_quant *q, fp_error *e)
{
    char text[512];
    snprintf(text, sizeof text, "{\"model_type\": \"llama\",\n \"quantization_config\": %s}", qc);
    return inv_quant_parse("c.json", text, strlen(text), q, e);
}

static void test_quant_config(test_ctx *t)
{
    inv_quant q;
    fp_error e;
    CHECK(t, quant("{\"quant_method\": \"fp8\", \"weight_block_size\": [128, 128]}", &q, &e) == 0);
    CHECK(t, q.dtype == EST_DT_FP8_BLOCK);
    CHECK_U64(t, q.fp8_block, 128);
    CHECK(t, quant("{\"quant_method\": \"gptq\", \"bits\": 4, \"group_size\": -1}", &q, &e) == 0);
    CHECK(t, q.dtype == EST_DT_INT4 && q.group_size == UINT32_MAX && q.g_idx);
    CHECK(t, quant("{\"quant_method\": \"awq\", \"bits\": 4, \"group_size\": 32}", &q, &e) == 0);
    CHECK(t, q.dtype == EST_DT_INT4 && q.group_size == 32 && !q.g_idx);
    CHECK(t, quant("{\"quant_method\": \"bitsandbytes\", \"load_in_4bit\": true}", &q, &e) == 0);
    CHECK(t, q.dtype == EST_DT_NF4);
    CHECK(t, quant("{\"quant_method\": \"mxfp4\"}", &q, &e) == 0);
    CHECK(t, q.dtype == EST_DT_MXFP4);
    CHECK(t, quant("{\"quant_method\": \"hqq\"}", &q, &e) == 0);
    CHECK(t, q.present && q.dtype == EST_DT_COUNT);
    CHECK(t, quant("{\"quant_method\": \"gptq\", \"group_size\": 0}", &q, &e) != 0);
    CHECK_HAS(t, e.msg, "'group_size' must be");
    CHECK(t, quant("{\"bits\": 4}", &q, &e) != 0);
    CHECK_U64(t, e.line, 2);

    /* GPTQ as stored: qweight n/2, qzeros and fp16 scales per group, g_idx 4 B per input row */
    est_workload w;
    est_workload_default(&w);
    est_arch a = {.vocab = 64, .hidden = 256, .layers = 1, .heads = 4, .kv_heads = 4, .head_dim = 64,
                  .intermediate = 512, .mlp = EST_MLP_GATED, .norm = EST_NORM_RMS, .norms_per_layer = 2,
                  .final_norm = 1, .max_positions = 128};
    snprintf(a.model_type, sizeof a.model_type, "llama");
    est_params p;
    CHECK(t, est_arch_check(&a, &e) == 0 && est_params_count(&a, &p, &e) == 0);
    est_footprint f1, f2;
    w.weight_dtype = EST_DT_INT4;
    w.context = 64;
    CHECK(t, est_footprint_compute(&a, &p, &w, &f1, NULL, &e) == 0);
    w.group_size = 64;
    w.gptq_g_idx = 1;
    CHECK(t, est_footprint_compute(&a, &p, &w, &f2, NULL, &e) == 0);
    /* a group of 64 rows doubles the groups of 128: each extra group costs 2.5 B per output column;
     * g_idx costs 4 B per input row */
    uint64_t want = 0;
    /* q,k,v,o: d_in 256 -> 4 groups vs 2, d_out 256 */
    want += 4 * ((4 - 2) * 256 * 5 / 2 + 256 * 4);
    /* gate, up: d_in 256, d_out 512 */
    want += 2 * ((4 - 2) * 512 * 5 / 2 + 256 * 4);
    /* down: d_in 512 -> 8 groups vs 4, d_out 256 */
    want += (8 - 4) * 256 * 5 / 2 + 512 * 4;
    CHECK_U64(t, f2.bytes[EST_C_WEIGHTS] - f1.bytes[EST_C_WEIGHTS], want);
}

const test_case readers_tests[] = {
    {"readers_safetensors_dtypes", test_safetensors_dtypes},
    {"readers_safetensors_broken", test_safetensors_broken},
    {"readers_safetensors_past_layers", test_safetensors_past_layers},
    {"readers_checkpoint_dir", test_checkpoint_dir},
    {"readers_checkpoint_mtp", test_checkpoint_mtp},
    {"readers_fp8_block_formula", test_fp8_block_formula},
    {"readers_gguf_all_types", test_gguf_all_types},
    {"readers_gguf_mixture_and_split", test_gguf_mixture_and_split},
    {"readers_gguf_qwen3_deepseek2", test_gguf_qwen3_deepseek2},
    {"readers_gguf_qwen3moe", test_gguf_qwen3moe},
    {"readers_gguf_gemma3", test_gguf_gemma3},
    {"readers_gguf_llama4", test_gguf_llama4},
    {"readers_gguf_gpt_oss", test_gguf_gpt_oss},
    {"readers_gguf_glm4moe", test_gguf_glm4moe},
    {"readers_gguf_broken", test_gguf_broken},
    {"readers_hfcache", test_hfcache},
    {"readers_quant_config", test_quant_config},
    {NULL, NULL},
};
