/* hfconfig.c: Hugging Face config.json (or a catalog entry's `config:` mapping,
 * converted to the same JSON object) -> est_arch.
 *
 * Each supported model_type has one reader below that names exactly the keys its
 * transformers implementation uses, with transformers' defaults for absent keys.
 * Missing required keys are collected and reported together.
 */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hfconfig_int.h"
#include "inventory.h"

/* ====================================================================== positions */

/* Line and column of `"key"` followed by ':' in JSON text: jansson keeps no positions
 * for values, so semantic errors find the key in the text. */
static void json_key_pos(const char *text, size_t len, const char *key, unsigned long *line, unsigned long *col)
{
    size_t kl = strlen(key);
    unsigned long ln = 1, cl = 1;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '"' && i + kl + 1 < len && !strncmp(text + i + 1, key, kl) && text[i + kl + 1] == '"') {
            size_t j = i + kl + 2;
            while (j < len && isspace((unsigned char)text[j]))
                j++;
            if (j < len && text[j] == ':') {
                *line = ln;
                *col = cl;
                return;
            }
        }
        if (text[i] == '\n') {
            ln++;
            cl = 1;
        } else {
            cl++;
        }
    }
    *line = 1;
    *col = 1;
}

static void src_pos(const cfg_src *s, const char *key, unsigned long *line, unsigned long *col)
{
    *line = 1;
    *col = 1;
    if (s->ymap) {
        for (size_t i = 0; i < s->ymap->n; i++)
            if (!strcmp(s->ymap->keys[i]->str, key)) {
                *line = s->ymap->vals[i]->line;
                *col = s->ymap->vals[i]->col;
                return;
            }
        *line = s->ymap->line;
        *col = s->ymap->col;
    } else if (s->text) {
        json_key_pos(s->text, s->len, key, line, col);
    }
}

static int src_fail(const cfg_src *s, const char *key, fp_error *err, const char *fmt, const char *a1)
{
    unsigned long line, col;
    src_pos(s, key, &line, &col);
    char msg[FP_ERR_MSG];
    snprintf(msg, sizeof msg, fmt, key, a1);
    return fp_fail(err, s->file, line, col, "%s", msg);
}

/* ====================================================================== typed reads */

typedef struct reader {
    const cfg_src *src;
    const json_t *obj;  /* the mapping read: the config, its text_config or its vision_config */
    const json_t *root; /* the whole config (vision_config, architectures live here) */
    char missing[256];
    int failed;
    fp_error *err;
} reader;

static const json_t *get(const reader *r, const char *key)
{
    const json_t *v = json_object_get(r->obj, key);
    return v && !json_is_null(v) ? v : NULL;
}

/* Read a non-negative integer; absent -> dflt (or, when required, noted as missing). */
static uint64_t u64(reader *r, const char *key, int required, uint64_t dflt)
{
    const json_t *v = get(r, key);
    if (!v) {
        if (required && strlen(r->missing) + strlen(key) + 8 < sizeof r->missing) {
            if (r->missing[0])
                strcat(r->missing, ", ");
            strcat(r->missing, "'");
            strcat(r->missing, key);
            strcat(r->missing, "'");
        }
        return dflt;
    }
    if (r->failed)
        return dflt;
    if (json_is_real(v) && json_real_value(v) >= 0 && json_real_value(v) < 9.0e18 &&
        json_real_value(v) == (double)(json_int_t)json_real_value(v)) {
        return (uint64_t)json_real_value(v);
    }
    if (!json_is_integer(v)) {
        char *txt = json_dumps(v, JSON_ENCODE_ANY);
        char got[64];
        snprintf(got, sizeof got, ", got %.40s", txt ? txt : "?");
        free(txt);
        src_fail(r->src, key, r->err, "'%s' must be a whole number%s", got);
        r->failed = 1;
        return dflt;
    }
    json_int_t i = json_integer_value(v);
    if (i < 0) {
        char got[40];
        snprintf(got, sizeof got, ", got %lld", (long long)i);
        src_fail(r->src, key, r->err, "'%s' must not be negative%s", got);
        r->failed = 1;
        return dflt;
    }
    return (uint64_t)i;
}

/* First present key of two spellings (gpt2's n_embd vs hidden_size). */
static uint64_t u64_2(reader *r, const char *k1, const char *k2, int required, uint64_t dflt)
{
    if (get(r, k1) || !get(r, k2))
        return u64(r, k1, required && !get(r, k2), dflt);
    return u64(r, k2, required, dflt);
}

static int boolean(reader *r, const char *key, int dflt)
{
    const json_t *v = get(r, key);
    if (!v)
        return dflt;
    if (!json_is_boolean(v)) {
        char *txt = json_dumps(v, JSON_ENCODE_ANY);
        char got[64];
        snprintf(got, sizeof got, ", got %.40s", txt ? txt : "?");
        free(txt);
        if (!r->failed)
            src_fail(r->src, key, r->err, "'%s' must be true or false%s", got);
        r->failed = 1;
        return dflt;
    }
    return json_is_true(v);
}

static const char *string(reader *r, const char *key)
{
    const json_t *v = get(r, key);
    return v && json_is_string(v) ? json_string_value(v) : NULL;
}

/* rope_scaling: a context past max_position_embeddings that the model accepts.  With
 * original_max_position_embeddings (in the block, or at the top level as phi3 writes it)
 * the limit is factor x original (yarn, linear, dynamic, llama3); without it,
 * max_position_embeddings is taken as already scaled (deepseek-coder: linear x4,
 * 16384 = 4 x 4096) and stays the limit.  Types with no factor (longrope) extend nothing. */
static void rope_scaling(reader *r, est_arch *a)
{
    const json_t *rs = get(r, "rope_scaling");
    if (!rs || r->failed)
        return;
    if (!json_is_object(rs)) {
        src_fail(r->src, "rope_scaling", r->err, "'%s' must be a mapping or null%s", "");
        r->failed = 1;
        return;
    }
    const json_t *f = json_object_get(rs, "factor"), *o = json_object_get(rs, "original_max_position_embeddings");
    if (!o || json_is_null(o))
        o = get(r, "original_max_position_embeddings");
    if (!f || json_is_null(f) || !o || json_is_null(o))
        return;
    double factor = json_number_value(f);
    if (!json_is_number(f) || !(factor > 0) || factor > 65536) {
        src_fail(r->src, "rope_scaling", r->err, "'%s': 'factor' must be a number between 0 and 65536%s", "");
        r->failed = 1;
        return;
    }
    if (!json_is_integer(o) || json_integer_value(o) <= 0 || json_integer_value(o) > (1LL << 32)) {
        src_fail(r->src, "rope_scaling", r->err, "'%s': 'original_max_position_embeddings' must be a positive whole "
                                                 "number%s", "");
        r->failed = 1;
        return;
    }
    double lim = factor * (double)json_integer_value(o);
    a->rope_positions = lim > (double)(1ULL << 32) ? (1ULL << 32) + 1 : (uint64_t)lim;
}

/* Routed experts read from `key`: absent is a dense model, but a present 0 is not one:
 * it would turn an MoE config into a dense one silently. */
static uint64_t experts_count(reader *r, const char *key, int required)
{
    uint64_t n = u64(r, key, required, 0);
    if (get(r, key) && n == 0 && !r->failed) {
        src_fail(r->src, key, r->err, "'%s' must be at least 1 for a mixture-of-experts model%s", ", got 0");
        r->failed = 1;
    }
    return n;
}

/* ====================================================================== per model type */

/* The dimensions every transformers-style config names the same way (max_positions defaults
 * to max_default when absent). */
static void rd_dims(reader *r, est_arch *a, uint64_t max_default)
{
    a->vocab = u64(r, "vocab_size", 1, 0);
    a->hidden = u64(r, "hidden_size", 1, 0);
    a->intermediate = u64(r, "intermediate_size", 1, 0);
    a->layers = u64(r, "num_hidden_layers", 1, 0);
    a->heads = u64(r, "num_attention_heads", 1, 0);
    a->kv_heads = u64(r, "num_key_value_heads", 0, a->heads);
    a->max_positions = u64(r, "max_position_embeddings", 0, max_default);
    rope_scaling(r, a);
    a->tied_embeddings = boolean(r, "tie_word_embeddings", 0);
}

static void rd_llama_like(reader *r, est_arch *a)
{
    rd_dims(r, a, 0);
    a->head_dim = u64(r, "head_dim", 0, 0);
    a->mlp = EST_MLP_GATED;
    a->norm = EST_NORM_RMS;
    a->norms_per_layer = 2;
    a->final_norm = 1;
    int ab = boolean(r, "attention_bias", 0);
    a->qkv_bias = a->o_bias = ab;
    a->mlp_bias = boolean(r, "mlp_bias", 0);
}

static int rd_llama(reader *r, est_arch *a)
{
    rd_llama_like(r, a);
    return 0;
}

static int rd_mistral(reader *r, est_arch *a)
{
    rd_llama_like(r, a);
    a->qkv_bias = a->o_bias = 0;
    a->sliding_window = u64(r, "sliding_window", 0, 0);
    a->sliding_layers = a->layers;
    return 0;
}

static int rd_mixtral(reader *r, est_arch *a)
{
    rd_mistral(r, a);
    a->experts = experts_count(r, "num_local_experts", 1);
    a->experts_per_tok = u64(r, "num_experts_per_tok", 1, 0);
    a->moe_intermediate = a->intermediate;
    a->moe_layers = a->layers;
    return 0;
}

static int rd_qwen2(reader *r, est_arch *a)
{
    rd_llama_like(r, a);
    a->qkv_bias = 1; /* Qwen2Attention: q/k/v have biases, o_proj none (not a config key) */
    a->o_bias = 0;
    a->mlp_bias = 0;
    if (boolean(r, "use_sliding_window", 0)) {
        a->sliding_window = u64(r, "sliding_window", 0, 0);
        uint64_t full = u64(r, "max_window_layers", 0, a->layers);
        a->sliding_layers = full < a->layers ? a->layers - full : 0;
    }
    return 0;
}

/* Qwen MoE layer rule (Qwen2MoeDecoderLayer, Qwen3MoeDecoderLayer): layer i has experts
 * unless listed in mlp_only_layers, and only when (i + 1) is a multiple of decoder_sparse_step. */
static int qwen_moe_layers(reader *r, est_arch *a)
{
    uint64_t step = u64(r, "decoder_sparse_step", 0, 1);
    if (step == 0 && !r->failed) {
        src_fail(r->src, "decoder_sparse_step", r->err, "'%s' must be at least 1%s", "");
        r->failed = 1;
        return -1;
    }
    const json_t *only = get(r, "mlp_only_layers");
    uint64_t moe = 0;
    for (uint64_t i = 0; i < a->layers && i < EST_MAX_LAYERS; i++) {
        int dense = 0;
        if (only && json_is_array(only)) {
            size_t k;
            const json_t *e;
            json_array_foreach(only, k, e) if (json_is_integer(e) && (uint64_t)json_integer_value(e) == i) dense = 1;
        }
        if (!dense && a->experts > 0 && (i + 1) % step == 0)
            moe++;
    }
    a->moe_layers = moe;
    return 0;
}

static int rd_qwen2_moe(reader *r, est_arch *a)
{
    rd_qwen2(r, a);
    a->experts = experts_count(r, "num_experts", 1);
    a->experts_per_tok = u64(r, "num_experts_per_tok", 1, 0);
    a->moe_intermediate = u64(r, "moe_intermediate_size", 1, 0);
    a->shared_intermediate = u64(r, "shared_expert_intermediate_size", 0, 0);
    a->shared_expert_gate = a->shared_intermediate > 0;
    return qwen_moe_layers(r, a);
}

static int rd_gemma(reader *r, est_arch *a)
{
    rd_llama_like(r, a);
    a->tied_embeddings = boolean(r, "tie_word_embeddings", 1);
    a->qkv_bias = a->o_bias = boolean(r, "attention_bias", 0);
    return 0;
}

static int rd_gemma2(reader *r, est_arch *a)
{
    rd_gemma(r, a);
    a->norms_per_layer = 4; /* input, post-attention, pre- and post-feedforward */
    a->sliding_window = u64(r, "sliding_window", 0, 4096);
    a->sliding_layers = (a->layers + 1) / 2; /* even-numbered layers use the window */
    return 0;
}

static int rd_phi3(reader *r, est_arch *a)
{
    rd_llama_like(r, a);
    a->qkv_bias = a->o_bias = a->mlp_bias = 0;
    a->fused_qkv = 1;
    a->fused_gate_up = 1;
    return 0;
}

/* Phi-1, phi-1.5, phi-2 (transformers PhiConfig defaults, modeling_phi.py PhiDecoderLayer):
 * attention and MLP in parallel on the output of one LayerNorm per layer; q_proj, k_proj,
 * v_proj and dense with biases; a plain MLP fc1 -> gelu_new -> fc2 with biases; optional
 * qk_layernorm (a LayerNorm of head_dim on q and on k); final_layernorm; an untied lm_head
 * with bias.  partial_rotary_factor rotates part of each head and stores nothing. */
static int rd_phi(reader *r, est_arch *a)
{
    rd_dims(r, a, 2048);
    a->mlp = EST_MLP_PLAIN;
    a->norm = EST_NORM_LAYER;
    a->norms_per_layer = 1;
    a->final_norm = 1;
    a->qkv_bias = a->o_bias = a->mlp_bias = 1;
    a->qk_norm = boolean(r, "qk_layernorm", 0);
    a->lm_head_bias = 1;
    a->parallel_block = 1;
    return 0;
}

/* GPT-NeoX, Pythia, StableLM-alpha (transformers GPTNeoXConfig defaults, modeling_gpt_neox.py):
 * a fused query_key_value and a dense output, both with biases (attention_bias, default
 * true); a plain MLP dense_h_to_4h -> gelu -> dense_4h_to_h with biases; two LayerNorms per
 * layer (input and post-attention) even with use_parallel_residual, and final_layer_norm;
 * an untied embed_out without bias.  rotary_pct rotates part of each head, stores nothing. */
static int rd_gpt_neox(reader *r, est_arch *a)
{
    rd_dims(r, a, 2048);
    a->kv_heads = a->heads; /* GPT-NeoX has no grouped KV heads */
    a->mlp = EST_MLP_PLAIN;
    a->norm = EST_NORM_LAYER;
    a->norms_per_layer = 2;
    a->final_norm = 1;
    a->qkv_bias = a->o_bias = boolean(r, "attention_bias", 1);
    a->mlp_bias = 1;
    a->fused_qkv = 1;
    a->parallel_block = boolean(r, "use_parallel_residual", 1);
    return 0;
}

static int rd_gpt2(reader *r, est_arch *a)
{
    a->vocab = u64(r, "vocab_size", 1, 0);
    a->hidden = u64_2(r, "n_embd", "hidden_size", 1, 0);
    a->layers = u64_2(r, "n_layer", "num_hidden_layers", 1, 0);
    a->heads = u64_2(r, "n_head", "num_attention_heads", 1, 0);
    a->kv_heads = a->heads;
    a->intermediate = u64(r, "n_inner", 0, 4 * a->hidden);
    if (get(r, "n_inner") && a->intermediate == 0 && !r->failed) {
        src_fail(r->src, "n_inner", r->err, "'%s' must be positive (or null for 4 x n_embd)%s", "");
        r->failed = 1;
    }
    a->max_positions = u64_2(r, "n_positions", "max_position_embeddings", 1, 0);
    a->tied_embeddings = boolean(r, "tie_word_embeddings", 1);
    a->learned_positions = 1;
    a->mlp = EST_MLP_PLAIN;
    a->norm = EST_NORM_LAYER;
    a->norms_per_layer = 2;
    a->final_norm = 1;
    a->qkv_bias = a->o_bias = a->mlp_bias = 1;
    a->fused_qkv = 1;
    return 0;
}

static int rd_gpt_bigcode(reader *r, est_arch *a)
{
    rd_gpt2(r, a);
    if (boolean(r, "multi_query", 1))
        a->kv_heads = 1;
    return 0;
}

static int rd_deepseek(reader *r, est_arch *a, int v3)
{
    rd_llama_like(r, a);
    a->qkv_bias = a->o_bias = boolean(r, "attention_bias", 0);
    a->mlp_bias = 0;
    a->q_lora_rank = u64(r, "q_lora_rank", 0, 0);
    a->kv_lora_rank = u64(r, "kv_lora_rank", 1, 0);
    a->qk_nope_head_dim = u64(r, "qk_nope_head_dim", 1, 0);
    a->qk_rope_head_dim = u64(r, "qk_rope_head_dim", 1, 0);
    a->v_head_dim = u64(r, "v_head_dim", 1, 0);
    a->head_dim = a->qk_nope_head_dim + a->qk_rope_head_dim;
    a->experts = experts_count(r, "n_routed_experts", 0);
    if (a->experts) {
        a->experts_per_tok = u64(r, "num_experts_per_tok", 1, 0);
        a->moe_intermediate = u64(r, "moe_intermediate_size", 1, 0);
        a->shared_experts = u64(r, "n_shared_experts", 0, 0);
        uint64_t first = u64(r, "first_k_dense_replace", 0, 0);
        uint64_t freq = u64(r, "moe_layer_freq", 0, 1);
        if (freq == 0 && !r->failed) {
            src_fail(r->src, "moe_layer_freq", r->err, "'%s' must be at least 1%s", "");
            r->failed = 1;
            return -1;
        }
        uint64_t moe = 0;
        for (uint64_t i = first; i < a->layers && i < EST_MAX_LAYERS; i++)
            if (i % freq == 0)
                moe++;
        a->moe_layers = moe;
        /* V3's router keeps a per-expert score-correction bias (DeepseekV3TopkRouter) */
        const char *m = string(r, "topk_method");
        a->router_bias = v3 || (m && !strcmp(m, "noaux_tc"));
    }
    return 0;
}

static int rd_deepseek_v2(reader *r, est_arch *a) { return rd_deepseek(r, a, 0); }
static int rd_deepseek_v3(reader *r, est_arch *a) { return rd_deepseek(r, a, 1); }

/* layer_types (transformers >= 4.53 writes it for hybrid models): how many layers are
 * sliding_attention and chunked_attention.  Returns 0 when absent (the caller applies the
 * model type's default pattern), 1 when read, -1 on a bad value. */
static int layer_types(reader *r, const est_arch *a, uint64_t *sliding, uint64_t *chunked)
{
    const json_t *lt = get(r, "layer_types");
    if (!lt || r->failed)
        return 0;
    if (!json_is_array(lt) || json_array_size(lt) != a->layers) {
        char got[64];
        snprintf(got, sizeof got, " (%llu layers), got %s", (unsigned long long)a->layers,
                 json_is_array(lt) ? "a different length" : "not a list");
        src_fail(r->src, "layer_types", r->err, "'%s' must list one type per layer%s", got);
        r->failed = 1;
        return -1;
    }
    *sliding = *chunked = 0;
    size_t i;
    const json_t *e;
    json_array_foreach(lt, i, e) {
        const char *t = json_is_string(e) ? json_string_value(e) : "";
        if (!strcmp(t, "sliding_attention"))
            (*sliding)++;
        else if (!strcmp(t, "chunked_attention"))
            (*chunked)++;
        else if (strcmp(t, "full_attention")) {
            src_fail(r->src, "layer_types", r->err,
                     "'%s' entries must be full_attention, sliding_attention or chunked_attention%s", "");
            r->failed = 1;
            return -1;
        }
    }
    return 1;
}

/* A sub-mapping of the config (vision_config): a reader over it, same error sink. */
static reader sub_reader(reader *r, const char *key)
{
    reader s = *r;
    s.missing[0] = 0;
    const json_t *v = json_object_get(r->root, key);
    s.obj = v && json_is_object(v) ? v : json_object(); /* absent: every default (freed by the caller) */
    return s;
}

static void sub_reader_done(reader *r, reader *s, const char *key)
{
    if (!json_object_get(r->root, key) || !json_is_object(json_object_get(r->root, key)))
        json_decref((json_t *)s->obj);
    r->failed |= s->failed;
    if (s->missing[0] && strlen(r->missing) + strlen(s->missing) + strlen(key) + 8 < sizeof r->missing) {
        if (r->missing[0])
            strcat(r->missing, ", ");
        strcat(r->missing, key);
        strcat(r->missing, ": ");
        strcat(r->missing, s->missing);
    }
}

/* Qwen3 (transformers Qwen3Attention): Qwen2's layout without the q/k/v biases
 * (attention_bias, default false) plus QK-norm: q_norm and k_norm are RMSNorms over
 * head_dim, shared by all heads.  head_dim is its own key (Qwen3Config default 128),
 * not hidden_size / num_attention_heads (Qwen3-4B: 2560 / 32 = 80, head_dim 128). */
static int rd_qwen3(reader *r, est_arch *a)
{
    rd_llama_like(r, a);
    a->head_dim = u64(r, "head_dim", 0, 128);
    a->qkv_bias = a->o_bias = boolean(r, "attention_bias", 0);
    a->mlp_bias = 0;
    a->qk_norm = 1;
    uint64_t sl = 0, ch = 0;
    if (layer_types(r, a, &sl, &ch) > 0) {
        a->sliding_layers = sl;
        if (sl)
            a->sliding_window = u64(r, "sliding_window", 1, 0);
    } else if (boolean(r, "use_sliding_window", 0)) {
        a->sliding_window = u64(r, "sliding_window", 0, 0);
        uint64_t full = u64(r, "max_window_layers", 0, a->layers);
        a->sliding_layers = full < a->layers ? a->layers - full : 0;
    }
    return 0;
}

/* Qwen3-MoE: Qwen3 attention; routed experts of moe_intermediate_size with no shared
 * expert; the Qwen MoE layer rule (mlp_only_layers, decoder_sparse_step).  norm_topk_prob
 * changes how routing weights are scaled, not what is stored. */
static int rd_qwen3_moe(reader *r, est_arch *a)
{
    rd_qwen3(r, a);
    a->experts = experts_count(r, "num_experts", 1);
    a->experts_per_tok = u64(r, "num_experts_per_tok", 1, 0);
    a->moe_intermediate = u64(r, "moe_intermediate_size", 1, 0);
    return qwen_moe_layers(r, a);
}

/* Gemma 3 text (transformers Gemma3TextConfig defaults for absent keys: the released
 * multimodal configs leave most of text_config to them): Gemma 2's four norms per layer,
 * QK-norm, tied embeddings, and a 5:1 local/global pattern: layer i is global when
 * (i + 1) is a multiple of sliding_window_pattern (6), unless layer_types says otherwise. */
static int rd_gemma3_text(reader *r, est_arch *a)
{
    a->vocab = u64(r, "vocab_size", 0, 262208);
    a->hidden = u64(r, "hidden_size", 1, 0);
    a->intermediate = u64(r, "intermediate_size", 1, 0);
    a->layers = u64(r, "num_hidden_layers", 1, 0);
    a->heads = u64(r, "num_attention_heads", 0, 8);
    a->kv_heads = u64(r, "num_key_value_heads", 0, 4);
    a->head_dim = u64(r, "head_dim", 0, 256);
    a->max_positions = u64(r, "max_position_embeddings", 0, 131072);
    rope_scaling(r, a);
    a->tied_embeddings = boolean(r, "tie_word_embeddings", 1);
    a->qkv_bias = a->o_bias = boolean(r, "attention_bias", 0);
    a->mlp = EST_MLP_GATED;
    a->norm = EST_NORM_RMS;
    a->norms_per_layer = 4; /* input, post-attention, pre- and post-feedforward */
    a->final_norm = 1;
    a->qk_norm = 1;
    a->sliding_window = u64(r, "sliding_window", 0, 4096);
    uint64_t sl = 0, ch = 0;
    if (layer_types(r, a, &sl, &ch) == 0) {
        uint64_t pat = u64(r, "sliding_window_pattern", 0, 6);
        if (pat == 0 && !r->failed) {
            src_fail(r->src, "sliding_window_pattern", r->err, "'%s' must be at least 1%s", "");
            r->failed = 1;
            return -1;
        }
        sl = pat ? a->layers - a->layers / pat : 0;
    }
    a->sliding_layers = sl;
    return 0;
}

/* SigLIP vision_config (transformers SiglipVisionConfig defaults for absent keys). */
static void rd_siglip(reader *v, est_arch *a)
{
    a->vision.kind = EST_VIS_SIGLIP;
    a->vision.hidden = u64(v, "hidden_size", 0, 768);
    a->vision.intermediate = u64(v, "intermediate_size", 0, 3072);
    a->vision.layers = u64(v, "num_hidden_layers", 0, 12);
    a->vision.heads = u64(v, "num_attention_heads", 0, 12);
    a->vision.channels = u64(v, "num_channels", 0, 3);
    a->vision.image = u64(v, "image_size", 0, 224);
    a->vision.patch = u64(v, "patch_size", 0, 16);
    a->vision.pooling_head = boolean(v, "vision_use_head", 1);
}

/* Gemma 3 multimodal (Gemma3ForConditionalGeneration): the language model from
 * text_config, the SigLIP tower from vision_config, the projector between them. */
static int rd_gemma3(reader *r, est_arch *a)
{
    if (rd_gemma3_text(r, a) != 0)
        return -1;
    reader v = sub_reader(r, "vision_config");
    rd_siglip(&v, a);
    sub_reader_done(r, &v, "vision_config");
    return 0;
}

/* Llama 4 text (transformers Llama4TextConfig; defaults for absent keys).  MoE layers
 * are moe_layers when given, else every interleave_moe_layer_step-th layer (counting
 * from step - 1); they hold num_local_experts routed experts of intermediate_size and one
 * shared expert of the same width, the other layers a dense MLP of intermediate_size_mlp.
 * The QK-norm of use_qk_norm is an L2 norm without weights.  Attention: a layer is NoPE
 * and global when no_rope_layers marks it 0 (default: every no_rope_layer_interval-th),
 * else chunked local attention within attention_chunk_size tokens. */
static int rd_llama4_text(reader *r, est_arch *a)
{
    a->vocab = u64(r, "vocab_size", 0, 202048);
    a->hidden = u64(r, "hidden_size", 1, 0);
    a->moe_intermediate = u64(r, "intermediate_size", 1, 0);
    a->intermediate = u64(r, "intermediate_size_mlp", 0, 16384);
    a->layers = u64(r, "num_hidden_layers", 1, 0);
    a->heads = u64(r, "num_attention_heads", 1, 0);
    a->kv_heads = u64(r, "num_key_value_heads", 0, a->heads);
    a->head_dim = u64(r, "head_dim", 0, 128);
    a->max_positions = u64(r, "max_position_embeddings", 0, 131072);
    rope_scaling(r, a);
    a->tied_embeddings = boolean(r, "tie_word_embeddings", 0);
    a->qkv_bias = a->o_bias = boolean(r, "attention_bias", 0);
    a->mlp = EST_MLP_GATED;
    a->norm = EST_NORM_RMS;
    a->norms_per_layer = 2;
    a->final_norm = 1;
    a->experts = experts_count(r, "num_local_experts", 0);
    if (!get(r, "num_local_experts"))
        a->experts = 16;
    a->experts_per_tok = u64(r, "num_experts_per_tok", 0, 1);
    a->shared_intermediate = a->moe_intermediate;
    const json_t *ml = get(r, "moe_layers");
    if (ml && json_is_array(ml)) {
        a->moe_layers = 0;
        size_t k;
        const json_t *e;
        json_array_foreach(ml, k, e) if (json_is_integer(e) && (uint64_t)json_integer_value(e) < a->layers)
            a->moe_layers++;
    } else {
        uint64_t step = u64(r, "interleave_moe_layer_step", 0, 1);
        if (step == 0 && !r->failed) {
            src_fail(r->src, "interleave_moe_layer_step", r->err, "'%s' must be at least 1%s", "");
            r->failed = 1;
            return -1;
        }
        a->moe_layers = step ? a->layers / step : 0; /* range(step - 1, layers, step) */
    }
    if (a->moe_layers == 0)
        a->experts = a->experts_per_tok = 0; /* every layer dense */
    /* attention_chunk_size null: no chunking (every layer attends to the whole context) */
    const json_t *acs = json_object_get(r->obj, "attention_chunk_size");
    a->attn_chunk = acs && json_is_null(acs) ? 0 : u64(r, "attention_chunk_size", 0, 8192);
    uint64_t sl = 0, ch = 0;
    if (layer_types(r, a, &sl, &ch) == 0) {
        const json_t *nr = get(r, "no_rope_layers");
        if (nr && json_is_array(nr) && json_array_size(nr) > 0) {
            size_t k;
            const json_t *e;
            json_array_foreach(nr, k, e) if (k < a->layers && json_is_integer(e) && json_integer_value(e) != 0) ch++;
        } else {
            uint64_t iv = u64(r, "no_rope_layer_interval", 0, 4);
            ch = iv ? a->layers - a->layers / iv : a->layers;
        }
    }
    a->chunked_layers = ch;
    a->sliding_layers = sl;
    return 0;
}

/* Llama 4 multimodal (Llama4ForConditionalGeneration): text_config + Llama4VisionModel. */
static int rd_llama4(reader *r, est_arch *a)
{
    if (rd_llama4_text(r, a) != 0)
        return -1;
    reader v = sub_reader(r, "vision_config");
    a->vision.kind = EST_VIS_LLAMA4;
    a->vision.hidden = u64(&v, "hidden_size", 0, 768);
    a->vision.intermediate = u64(&v, "intermediate_size", 0, 5632);
    a->vision.layers = u64(&v, "num_hidden_layers", 0, 34);
    a->vision.heads = u64(&v, "num_attention_heads", 0, 16);
    a->vision.channels = u64(&v, "num_channels", 0, 3);
    a->vision.image = u64(&v, "image_size", 0, 448);
    a->vision.patch = u64(&v, "patch_size", 0, 14);
    a->vision.proj_in = u64(&v, "projector_input_dim", 0, 4096);
    a->vision.proj_out = u64(&v, "projector_output_dim", 0, 4096);
    a->vision.output_dim = u64(&v, "vision_output_dim", 0, 7680);
    sub_reader_done(r, &v, "vision_config");
    return 0;
}

/* gpt-oss (transformers GptOssConfig, modeling_gpt_oss.py): every layer MoE, experts
 * with biases on gate_up and down, a router linear with bias, q/k/v/o with biases
 * (attention_bias, true as released), one attention-sink logit per head per layer, and
 * alternating sliding/full attention (layer_types; default: even layers slide).  The
 * experts' MXFP4 storage is a quantization matter: the counts here are parameters. */
static int rd_gpt_oss(reader *r, est_arch *a)
{
    rd_llama_like(r, a);
    a->qkv_bias = a->o_bias = boolean(r, "attention_bias", 1);
    a->mlp_bias = 1;
    a->attn_sinks = 1;
    a->router_linear_bias = 1;
    a->experts = experts_count(r, "num_local_experts", 1);
    a->experts_per_tok = get(r, "num_experts_per_tok") ? u64(r, "num_experts_per_tok", 1, 0)
                                                       : u64(r, "experts_per_token", 1, 0);
    a->moe_intermediate = a->intermediate;
    a->moe_layers = a->layers;
    a->sliding_window = u64(r, "sliding_window", 0, 128);
    uint64_t sl = 0, ch = 0;
    if (layer_types(r, a, &sl, &ch) == 0)
        sl = (a->layers + 1) / 2;
    a->sliding_layers = sl;
    return 0;
}

/* GLM-4.5 / GLM-4.5-Air (transformers Glm4MoeConfig, modeling_glm4_moe.py): q/k/v biases
 * with attention_bias, o_proj without; optional QK-norm (use_qk_norm); the first
 * first_k_dense_replace layers dense (intermediate_size), the rest n_routed_experts of
 * moe_intermediate_size plus n_shared_experts as one MLP of n x that width; a router
 * with an e_score_correction_bias.  n_group / topk_group choose experts, store nothing.
 * The num_nextn_predict_layers MTP layers stored in the checkpoint are not loaded by
 * transformers (as for DeepSeek-V3) and are not counted. */
static int rd_glm4_moe(reader *r, est_arch *a)
{
    rd_llama_like(r, a);
    a->qkv_bias = boolean(r, "attention_bias", 0);
    a->o_bias = 0;
    a->mlp_bias = 0;
    a->qk_norm = boolean(r, "use_qk_norm", 0);
    a->experts = experts_count(r, "n_routed_experts", 1);
    a->experts_per_tok = u64(r, "num_experts_per_tok", 1, 0);
    a->moe_intermediate = u64(r, "moe_intermediate_size", 1, 0);
    a->shared_experts = u64(r, "n_shared_experts", 0, 1);
    uint64_t first = u64(r, "first_k_dense_replace", 0, 1);
    a->moe_layers = first < a->layers ? a->layers - first : 0;
    a->router_bias = 1;
    return 0;
}

typedef struct type_row {
    const char *model_type;
    int (*read)(reader *r, est_arch *a);
} type_row;

static const type_row types[] = {
    {"llama", rd_llama},       {"mistral", rd_mistral},         {"mixtral", rd_mixtral},
    {"qwen2", rd_qwen2},       {"qwen2_moe", rd_qwen2_moe},     {"qwen3", rd_qwen3},
    {"qwen3_moe", rd_qwen3_moe}, {"gemma", rd_gemma},           {"gemma2", rd_gemma2},
    {"gemma3_text", rd_gemma3_text}, {"gemma3", rd_gemma3},     {"llama4_text", rd_llama4_text},
    {"llama4", rd_llama4},     {"gpt_oss", rd_gpt_oss},         {"glm4_moe", rd_glm4_moe},
    {"phi3", rd_phi3},         {"gpt2", rd_gpt2},               {"gpt_bigcode", rd_gpt_bigcode},
    {"deepseek_v2", rd_deepseek_v2}, {"deepseek_v3", rd_deepseek_v3},
    {"phi", rd_phi},           {"gpt_neox", rd_gpt_neox},
};

/* Model classes named in `architectures`, for configs whose model_type is not in the table
 * (Kimi-K2: model_type kimi_k2, architectures [DeepseekV3ForCausalLM]): read as that class. */
static const struct {
    const char *cls;
    const char *model_type;
} classes[] = {
    {"LlamaForCausalLM", "llama"},           {"MistralForCausalLM", "mistral"},
    {"MixtralForCausalLM", "mixtral"},       {"Qwen2ForCausalLM", "qwen2"},
    {"Qwen2MoeForCausalLM", "qwen2_moe"},    {"Qwen3ForCausalLM", "qwen3"},
    {"Qwen3MoeForCausalLM", "qwen3_moe"},    {"GemmaForCausalLM", "gemma"},
    {"Gemma2ForCausalLM", "gemma2"},         {"Gemma3ForCausalLM", "gemma3_text"},
    {"Gemma3ForConditionalGeneration", "gemma3"}, {"Llama4ForCausalLM", "llama4_text"},
    {"Llama4ForConditionalGeneration", "llama4"}, {"GptOssForCausalLM", "gpt_oss"},
    {"Glm4MoeForCausalLM", "glm4_moe"},      {"Phi3ForCausalLM", "phi3"},
    {"GPT2LMHeadModel", "gpt2"},             {"GPTBigCodeForCausalLM", "gpt_bigcode"},
    {"DeepseekV2ForCausalLM", "deepseek_v2"}, {"DeepseekV3ForCausalLM", "deepseek_v3"},
    {"PhiForCausalLM", "phi"},               {"GPTNeoXForCausalLM", "gpt_neox"},
};

static const type_row *type_find(const char *mt)
{
    for (size_t i = 0; mt && i < sizeof types / sizeof types[0]; i++)
        if (!strcmp(types[i].model_type, mt))
            return &types[i];
    return NULL;
}

/* The supported model types, comma-separated, for messages. */
static void type_list(char *buf, size_t n)
{
    buf[0] = 0;
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        if (strlen(buf) + strlen(types[i].model_type) + 3 >= n)
            break;
        if (i)
            strcat(buf, ", ");
        strcat(buf, types[i].model_type);
    }
}

/* The first class of `architectures` that is a supported model type's class. */
static const type_row *type_from_architectures(const json_t *root)
{
    const json_t *arch = json_object_get(root, "architectures");
    if (!arch || !json_is_array(arch))
        return NULL;
    size_t k;
    const json_t *e;
    json_array_foreach(arch, k, e) {
        if (!json_is_string(e))
            continue;
        for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++)
            if (!strcmp(classes[i].cls, json_string_value(e)))
                return type_find(classes[i].model_type);
    }
    return NULL;
}

int inv_arch_from_src(const cfg_src *src, est_arch *a, fp_error *err)
{
    memset(a, 0, sizeof *a);
    if (!src->obj) /* the caller's conversion to JSON could not allocate */
        return fp_fail(err, src->file, 0, 0, "out of memory");
    if (!json_is_object(src->obj))
        return fp_fail(err, src->file, 1, 1, "a model config must be a JSON object");
    /* multimodal wrappers keep the language model under text_config */
    const json_t *root = src->obj, *text = root;
    const json_t *tc = json_object_get(root, "text_config");
    if (tc && json_is_object(tc) && !json_object_get(root, "hidden_size"))
        text = tc;
    reader r = {.src = src, .obj = root, .root = root, .err = err};
    char list[400];
    type_list(list, sizeof list);
    const char *mt = string(&r, "model_type");
    reader rt = r;
    rt.obj = text;
    const char *mt_text = text != root ? string(&rt, "model_type") : NULL;
    if (!mt && !mt_text) {
        if (json_object_get(src->obj, "model_type"))
            return src_fail(src, "model_type", err, "'%s' must be a string%s", "");
        return fp_fail(err, src->file, 1, 1, "config has no 'model_type' (supported: %s)", list);
    }
    /* the wrapper's own type when supported (gemma3, llama4 read their vision_config),
     * else its text_config's, else the class its `architectures` names */
    const type_row *row = type_find(mt);
    if (!row)
        row = type_find(mt_text);
    if (!row)
        row = type_from_architectures(root);
    if (!row) {
        char msg[FP_ERR_MSG];
        snprintf(msg, sizeof msg, "%%s '%%s' is not supported (supported: %s); use --params for a rough estimate", list);
        return src_fail(src, "model_type", err, msg, mt ? mt : mt_text);
    }
    mt = row->model_type;
    snprintf(a->model_type, sizeof a->model_type, "%s", mt);
    r.obj = text;
    row->read(&r, a);
    if (r.failed)
        return -1;
    if (r.missing[0]) {
        unsigned long line, col;
        src_pos(src, "model_type", &line, &col);
        return fp_fail(err, src->file, line, col, "model_type '%s' config is missing %s", mt, r.missing);
    }
    fp_error aerr;
    if (est_arch_check(a, &aerr) != 0) {
        /* est_arch_check names the config key; find it for a position */
        const char *q1 = strchr(aerr.msg, '\''), *q2 = q1 ? strchr(q1 + 1, '\'') : NULL;
        unsigned long line = 1, col = 1;
        if (q1 && q2 && q2 - q1 < 64) {
            char key[64];
            memcpy(key, q1 + 1, (size_t)(q2 - q1 - 1));
            key[q2 - q1 - 1] = 0;
            src_pos(src, key, &line, &col);
        }
        return fp_fail(err, src->file, line, col, "%s", aerr.msg);
    }
    return 0;
}

/* ====================================================================== config.json */

int inv_config_parse(const char *file, const char *text, size_t len, est_arch *arch, fp_error *err)
{
    json_error_t jerr;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return fp_fail(err, file, (unsigned long)(jerr.line > 0 ? jerr.line : 1),
                       (unsigned long)(jerr.column > 0 ? jerr.column : 1), "invalid JSON: %s", jerr.text);
    cfg_src src = {.file = file, .obj = root, .text = text, .len = len};
    int rc = inv_arch_from_src(&src, arch, err);
    json_decref(root);
    return rc;
}

#define CONFIG_MAX (16u << 20)

int inv_config_load(const char *path, est_arch *arch, char *name_out, fp_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return fp_fail(err, path, 0, 0, "cannot open: %s", strerror(errno));
    char *buf = malloc(CONFIG_MAX + 1);
    if (!buf) {
        fclose(f);
        return fp_fail(err, path, 0, 0, "out of memory");
    }
    size_t len = fread(buf, 1, CONFIG_MAX + 1, f);
    int rerr = ferror(f);
    fclose(f);
    int rc;
    if (rerr)
        rc = fp_fail(err, path, 0, 0, "cannot read: %s", strerror(errno));
    else if (len > CONFIG_MAX)
        rc = fp_fail(err, path, 0, 0, "file is larger than %u MiB: not a config.json", CONFIG_MAX >> 20);
    else
        rc = inv_config_parse(path, buf, len, arch, err);
    if (rc == 0 && name_out) {
        const char *base = strrchr(path, '/');
        snprintf(name_out, INV_NAME, "%s", base ? base + 1 : path);
    }
    free(buf);
    return rc;
}
