/* params.c: exact parameter counts from the architecture.
 *
 * The model is described as a list of linear-module classes (d_in x d_out, count)
 * plus embeddings, norms and biases.  The same list drives quantized weight sizes,
 * LoRA adapter sizes and optimizer state shapes, so the three can never disagree.
 * Checked against the released checkpoints' totals in tests/unit/test_params.c.
 */
#include <string.h>

#include "estimator.h"

static int fail_field(fp_error *err, const char *field, const char *why)
{
    return fp_fail(err, NULL, 0, 0, "architecture: '%s' %s", field, why);
}

int est_arch_check(est_arch *a, fp_error *err)
{
    if (a->vocab == 0)
        return fail_field(err, "vocab_size", "must be positive");
    if (a->hidden == 0)
        return fail_field(err, "hidden_size", "must be positive");
    if (a->layers == 0 || a->layers > EST_MAX_LAYERS)
        return fail_field(err, "num_hidden_layers", "must be between 1 and 1024");
    if (a->heads == 0)
        return fail_field(err, "num_attention_heads", "must be positive");
    if (a->kv_heads == 0)
        return fail_field(err, "num_key_value_heads", "must be positive");
    if (a->kv_heads > a->heads || a->heads % a->kv_heads != 0)
        return fail_field(err, "num_key_value_heads", "must divide num_attention_heads");
    if (a->head_dim == 0) {
        if (a->hidden % a->heads != 0)
            return fail_field(err, "head_dim", "is needed: hidden_size is not a multiple of num_attention_heads");
        a->head_dim = a->hidden / a->heads;
    }
    if (a->intermediate == 0 && a->moe_layers < a->layers)
        return fail_field(err, "intermediate_size", "must be positive");
    if (a->experts) {
        if (a->experts_per_tok == 0 || a->experts_per_tok > a->experts)
            return fp_fail(err, NULL, 0, 0, "architecture: 'num_experts_per_tok' must be between 1 and the %llu "
                           "experts, got %llu", (unsigned long long)a->experts, (unsigned long long)a->experts_per_tok);
        if (a->moe_intermediate == 0)
            return fail_field(err, "moe_intermediate_size", "must be positive");
        if (a->moe_layers > a->layers)
            return fail_field(err, "num_hidden_layers", "is smaller than the number of MoE layers");
    } else {
        /* routing with nothing to route to: a config that lost its experts, not a dense model */
        if (a->experts_per_tok)
            return fail_field(err, "num_experts_per_tok", "is set but the model has no routed experts");
        a->moe_layers = 0;
    }
    if (a->kv_lora_rank) {
        if (a->qk_rope_head_dim == 0 || a->v_head_dim == 0 || a->qk_nope_head_dim == 0)
            return fail_field(err, "kv_lora_rank",
                              "needs qk_nope_head_dim, qk_rope_head_dim and v_head_dim (multi-head latent attention)");
    }
    if (a->sliding_layers > a->layers)
        return fail_field(err, "sliding_window", "applies to more layers than the model has");
    if (!a->sliding_window)
        a->sliding_layers = 0;
    if (!a->attn_chunk)
        a->chunked_layers = 0;
    if (a->sliding_layers + a->chunked_layers > a->layers)
        return fail_field(err, "attention_chunk_size", "applies to more layers than the model has");
    if (a->vision.kind != EST_VIS_NONE) {
        const est_vision *v = &a->vision;
        if (!v->hidden || !v->intermediate || !v->layers || !v->channels || !v->patch || !v->image)
            return fail_field(err, "vision_config", "needs hidden_size, intermediate_size, num_hidden_layers, "
                                                    "patch_size and image_size");
        if (v->image < v->patch)
            return fail_field(err, "vision_config", "has image_size smaller than patch_size");
        if (v->kind == EST_VIS_LLAMA4 && (!v->proj_in || !v->proj_out || !v->output_dim))
            return fail_field(err, "vision_config", "needs projector_input_dim, projector_output_dim and vision_output_dim");
        if (v->hidden > (1ULL << 20) || v->intermediate > (1ULL << 20) || v->layers > EST_MAX_LAYERS ||
            v->channels > 64 || v->patch > 4096 || v->image > 65536 || v->proj_in > (1ULL << 20) ||
            v->proj_out > (1ULL << 20) || v->output_dim > (1ULL << 20) || v->heads > 65536)
            return fp_fail(err, NULL, 0, 0, "architecture: a vision_config dimension is implausibly large");
    }
    if (a->norms_per_layer == 0)
        a->norms_per_layer = 2;
    /* guard the products below against overflow: every dimension under 2^24, vocab under 2^26 */
    const uint64_t big = 1ULL << 24;
    if (a->hidden > big || a->intermediate > big || a->heads > 65536 || a->head_dim > 65536 ||
        a->moe_intermediate > big || a->experts > 65536 || a->vocab > (1ULL << 26) ||
        a->kv_lora_rank > big || a->q_lora_rank > big || a->max_positions > (1ULL << 32) || a->rope_positions > (1ULL << 32) ||
        a->shared_intermediate > big || a->shared_experts > 1024 || a->v_head_dim > 65536 ||
        a->qk_nope_head_dim > 65536 || a->qk_rope_head_dim > 65536 || a->sliding_window > (1ULL << 32) ||
        a->attn_chunk > (1ULL << 32))
        return fp_fail(err, NULL, 0, 0, "architecture: a dimension is implausibly large");
    return 0;
}

static void add_linear(est_params *p, est_block block, est_module mod, int expert, uint64_t d_in, uint64_t d_out,
                       uint64_t per_layer, uint64_t layers, int bias)
{
    if (!layers || !per_layer || p->nlinears >= EST_MAX_LINEARS)
        return;
    est_linear *l = &p->linears[p->nlinears++];
    l->mod = mod;
    l->block = block;
    l->expert = expert;
    l->d_in = d_in;
    l->d_out = d_out;
    l->per_layer = per_layer;
    l->count = per_layer * layers;
    l->bias = bias;
}

/* Linear classes of the attention block of one layer, over n layers. */
static void attention_linears(const est_arch *a, est_params *p, uint64_t n)
{
    uint64_t h = a->hidden, hd = a->head_dim;
    if (a->kv_lora_rank) { /* MLA, DeepSeek-V2 paper section 2.1 */
        uint64_t qk = a->qk_nope_head_dim + a->qk_rope_head_dim;
        if (a->q_lora_rank) {
            add_linear(p, EST_BLK_ATTN, EST_MOD_Q_A, 0, h, a->q_lora_rank, 1, n, 0);
            add_linear(p, EST_BLK_ATTN, EST_MOD_Q_B, 0, a->q_lora_rank, a->heads * qk, 1, n, 0);
        } else {
            add_linear(p, EST_BLK_ATTN, EST_MOD_Q, 0, h, a->heads * qk, 1, n, 0);
        }
        add_linear(p, EST_BLK_ATTN, EST_MOD_KV_A, 0, h, a->kv_lora_rank + a->qk_rope_head_dim, 1, n, 0);
        add_linear(p, EST_BLK_ATTN, EST_MOD_KV_B, 0, a->kv_lora_rank, a->heads * (a->qk_nope_head_dim + a->v_head_dim), 1, n, 0);
        add_linear(p, EST_BLK_ATTN, EST_MOD_O, 0, a->heads * a->v_head_dim, h, 1, n, a->o_bias);
        return;
    }
    if (a->fused_qkv) {
        add_linear(p, EST_BLK_ATTN, EST_MOD_QKV, 0, h, (a->heads + 2 * a->kv_heads) * hd, 1, n, a->qkv_bias);
    } else {
        add_linear(p, EST_BLK_ATTN, EST_MOD_Q, 0, h, a->heads * hd, 1, n, a->qkv_bias);
        add_linear(p, EST_BLK_ATTN, EST_MOD_K, 0, h, a->kv_heads * hd, 1, n, a->qkv_bias);
        add_linear(p, EST_BLK_ATTN, EST_MOD_V, 0, h, a->kv_heads * hd, 1, n, a->qkv_bias);
    }
    add_linear(p, EST_BLK_ATTN, EST_MOD_O, 0, a->heads * hd, h, 1, n, a->o_bias);
}

/* An MLP of width w, `copies` per layer, over n layers. */
static void mlp_linears(const est_arch *a, est_params *p, est_block blk, uint64_t w, uint64_t copies, uint64_t n,
                        int expert)
{
    uint64_t h = a->hidden;
    if (a->mlp == EST_MLP_PLAIN) {
        add_linear(p, blk, EST_MOD_UP, expert, h, w, copies, n, a->mlp_bias);
        add_linear(p, blk, EST_MOD_DOWN, expert, w, h, copies, n, a->mlp_bias);
        return;
    }
    if (a->fused_gate_up) {
        add_linear(p, blk, EST_MOD_GATE_UP, expert, h, 2 * w, copies, n, a->mlp_bias);
    } else {
        add_linear(p, blk, EST_MOD_GATE, expert, h, w, copies, n, a->mlp_bias);
        add_linear(p, blk, EST_MOD_UP, expert, h, w, copies, n, a->mlp_bias);
    }
    add_linear(p, blk, EST_MOD_DOWN, expert, w, h, copies, n, a->mlp_bias);
}

/* The vision tower and the projector that feeds its output to the language model.
 * SigLIP (Zhai et al. 2023; transformers SiglipVisionModel, as Gemma 3 loads it): a
 * patch convolution with bias, learned positions for (image/patch)^2 patches, pre-norm
 * encoder layers (LayerNorm weight+bias twice; q, k, v, out and fc1, fc2 with biases), a
 * final LayerNorm, and with vision_use_head an attention-pooling head; Gemma 3's projector
 * is a vision_hidden x text_hidden matrix plus an RMSNorm of vision_hidden.
 * Llama 4 (transformers Llama4VisionModel): patches unfolded into a bias-free linear, a
 * class embedding, positions for patches + 1, LayerNorms before and after the encoder,
 * the same encoder layers as SigLIP, a pixel-shuffle adapter of two bias-free matrices
 * (intermediate x projector_input, projector_output^2), and a bias-free projector
 * vision_output_dim x text_hidden.  Both checked against the released checkpoints'
 * totals (tests/unit/test_params.c). */
static uint64_t vision_params(const est_arch *a)
{
    const est_vision *v = &a->vision;
    if (v->kind == EST_VIS_NONE)
        return 0;
    uint64_t h = v->hidden, I = v->intermediate, side = v->image / v->patch;
    uint64_t layer = 4 * (h * h + h) + (h * I + I) + (I * h + h) + 2 * 2 * h;
    uint64_t n = v->layers * layer;
    if (v->kind == EST_VIS_SIGLIP) {
        n += v->channels * v->patch * v->patch * h + h; /* patch convolution with bias */
        n += side * side * h;                           /* position embedding */
        n += 2 * h;                                     /* post_layernorm */
        if (v->pooling_head) /* probe, in_proj (3h x h + 3h), out_proj, layernorm, mlp */
            n += h + 3 * h * h + 3 * h + h * h + h + 2 * h + (h * I + I) + (I * h + h);
        n += h * a->hidden + h; /* mm_input_projection_weight, mm_soft_emb_norm */
    } else {
        n += v->channels * v->patch * v->patch * h;     /* unfolded patches, no bias */
        n += h + (side * side + 1) * h;                 /* class embedding, positions */
        n += 2 * 2 * h;                                 /* layernorm_pre, layernorm_post */
        n += I * v->proj_in + v->proj_out * v->proj_out; /* pixel-shuffle adapter fc1, fc2 */
        n += v->output_dim * a->hidden;                 /* multi_modal_projector.linear_1 */
    }
    return n;
}

static uint64_t linear_params(const est_linear *l)
{
    return l->count * (l->d_in * l->d_out + (l->bias ? l->d_out : 0));
}

int est_params_count(const est_arch *a, est_params *p, fp_error *err)
{
    est_arch chk = *a;
    if (est_arch_check(&chk, err) != 0)
        return -1;
    a = &chk;
    memset(p, 0, sizeof *p);
    const uint64_t h = a->hidden, L = a->layers;
    const uint64_t moe = a->moe_layers, dense = L - moe;

    attention_linears(a, p, L);
    mlp_linears(a, p, EST_BLK_DENSE_MLP, a->intermediate, 1, dense, 0);
    if (moe) {
        add_linear(p, EST_BLK_MOE, EST_MOD_ROUTER, 0, h, a->experts, 1, moe, a->router_linear_bias);
        mlp_linears(a, p, EST_BLK_MOE, a->moe_intermediate, a->experts, moe, 1);
        if (a->shared_experts) /* deepseek: the shared experts are one MLP of n x moe width */
            mlp_linears(a, p, EST_BLK_MOE, a->shared_experts * a->moe_intermediate, 1, moe, 0);
        if (a->shared_intermediate)
            mlp_linears(a, p, EST_BLK_MOE, a->shared_intermediate, 1, moe, 0);
        if (a->shared_expert_gate)
            add_linear(p, EST_BLK_MOE, EST_MOD_SHARED_GATE, 0, h, 1, 1, moe, 0);
    }

    uint64_t norm_w = a->norm == EST_NORM_LAYER ? 2 : 1;
    uint64_t other = (uint64_t)a->norms_per_layer * h * norm_w * L;
    if (a->kv_lora_rank) /* q_a_layernorm, kv_a_layernorm */
        other += (a->q_lora_rank + a->kv_lora_rank) * norm_w * L;
    if (a->final_norm)
        other += h * norm_w;
    if (a->router_bias)
        other += a->experts * moe;
    /* QK-norm (qwen3, gemma3: RMSNorm; phi's qk_layernorm: LayerNorm) of head_dim on q and on k,
     * shared by the heads */
    uint64_t per_layer_small = (a->qk_norm ? 2 * a->head_dim * norm_w : 0) + (a->attn_sinks ? a->heads : 0);
    /* attention sinks (gpt-oss): one learned logit per head, joined to the softmax */
    other += per_layer_small * L;

    uint64_t linear = 0, routed = 0, biases = 0;
    for (size_t i = 0; i < p->nlinears; i++) {
        const est_linear *l = &p->linears[i];
        linear += l->count * l->d_in * l->d_out;
        biases += l->bias ? l->count * l->d_out : 0;
        if (l->expert)
            routed += linear_params(l);
    }
    other += biases;

    p->embedding = a->vocab * h + (a->learned_positions ? a->max_positions * h : 0);
    /* phi's lm_head is a Linear with bias (transformers PhiForCausalLM: nn.Linear(h, vocab, bias=True)) */
    p->lm_head = a->tied_embeddings ? 0 : a->vocab * h + (a->lm_head_bias ? a->vocab : 0);
    if (p->lm_head)
        add_linear(p, EST_BLK_HEAD, EST_MOD_LM_HEAD, 0, h, a->vocab, 1, 1, a->lm_head_bias);
    p->linear = linear;
    p->other = other;
    /* the products above stay far below 2^64 only for plausible shapes: check in floating point */
    {
        long double lt = 0;
        for (size_t i = 0; i < p->nlinears; i++)
            lt += (long double)p->linears[i].count * (long double)p->linears[i].d_in * (long double)p->linears[i].d_out;
        lt += (long double)a->vocab * (long double)h * 2.0L;
        if (lt > 1e15L)
            return fp_fail(err, NULL, 0, 0, "architecture: more than 10^15 parameters; check the dimensions");
    }
    p->vision = vision_params(a);
    p->total = p->embedding + p->lm_head + linear + other;
    p->active = p->total;
    p->total += p->vision;
    if (moe)
        p->active -= routed / a->experts * (a->experts - a->experts_per_tok);

    /* the largest layer: attention + norms + the bigger of a dense or an MoE block */
    uint64_t attn = 0, dense_mlp = 0, moe_mlp = 0;
    for (size_t i = 0; i < p->nlinears; i++) {
        const est_linear *l = &p->linears[i];
        uint64_t per = l->per_layer * (l->d_in * l->d_out + (l->bias ? l->d_out : 0));
        if (l->block == EST_BLK_ATTN)
            attn += per;
        else if (l->block == EST_BLK_DENSE_MLP)
            dense_mlp += per;
        else if (l->block == EST_BLK_MOE)
            moe_mlp += per;
    }
    p->per_layer_max = attn + (dense_mlp > moe_mlp ? dense_mlp : moe_mlp) +
                       (uint64_t)a->norms_per_layer * h * norm_w + per_layer_small;
    return 0;
}

uint64_t est_kv_bytes_per_token(const est_arch *a, double kv_bytes)
{
    uint64_t values;
    if (a->kv_lora_rank)
        values = a->layers * (a->kv_lora_rank + a->qk_rope_head_dim);
    else
        values = 2 * a->layers * a->kv_heads * a->head_dim;
    return (uint64_t)((double)values * kv_bytes + 0.5);
}
