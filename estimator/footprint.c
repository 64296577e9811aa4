/* footprint.c: per-GPU memory of one deployment, component by component.
 *
 * Every formula here is written out, with its source, in docs/methodology.md; the
 * --explain text repeats it with the numbers put in.  Conventions:
 *   B   bytes per value of the compute dtype (2 for bf16/fp16, 4 for fp32)
 *   T   tokens in one step (batch x sequence)
 *   h   hidden size, I intermediate size, V vocabulary, L layers
 */
#include <math.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "estimator.h"

/* ====================================================================== constants
 * Each is a measured or documented default of the runtime named; see docs/methodology.md. */

#define MIB (1024ULL * 1024ULL)
#define GIB (1024ULL * MIB)

/* CUDA context of a process, outside every allocator: 287 MB with CUDA lazy module
 * loading (PyTorch PR #86509), 300-400 MB typical (PyTorch forum answers); 400 MiB used. */
#define CUDA_CONTEXT (400ULL * MIB)
/* cuBLAS workspace, allocated through PyTorch's caching allocator: 32 MiB on sm90,
 * about 8 MiB elsewhere (ATen CublasHandlePool.cpp); the larger is used. */
#define CUBLAS_WORKSPACE (32ULL * MIB)
/* vLLM: memory outside torch measured during profiling (logs show 0.01-0.12 GiB). */
#define VLLM_NON_TORCH (100ULL * MIB)
/* vLLM: CUDA graphs are captured after the KV cache is sized, outside the
 * gpu_memory_utilization budget (logs show 0.17-0.5 GiB). */
#define VLLM_CUDA_GRAPHS (256ULL * MIB)
/* llama.cpp: fixed host buffers beyond weights, KV and compute graph. */
#define LLAMACPP_FIXED (64ULL * MIB)
#define LLAMACPP_UBATCH 512
/* DeepSpeed defaults (docs: reduce_bucket_size 5e8, allgather_bucket_size 5e8,
 * stage3_prefetch_bucket_size 5e7 elements). */
#define DS_BUCKET 500000000ULL
#define DS_PREFETCH 50000000ULL
/* bitsandbytes 8-bit optimizers keep 32-bit state for tensors under 4096 elements
 * (min_8bit_size) and one fp32 absmax per 256-value block for the rest. */
#define BNB_MIN_8BIT 4096ULL
#define BNB_OPT_BLOCK 256ULL

/* ====================================================================== helpers */

static void explain(est_explain *ex, est_component c, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void explain(est_explain *ex, est_component c, const char *fmt, ...)
{
    if (!ex)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ex->text[c], sizeof ex->text[c], fmt, ap);
    va_end(ap);
}

static uint64_t ceil_div(uint64_t a, uint64_t b)
{
    return b ? (a + b - 1) / b : a;
}

/* x x n / d without overflow for n <= d (small: layer counts), floor or rounded up */
static uint64_t mul_div(uint64_t x, uint64_t n, uint64_t d, int up)
{
    if (!d)
        return x;
    uint64_t r = (x % d) * n;
    return x / d * n + r / d + (up && r % d ? 1 : 0);
}

static uint64_t round_up(uint64_t a, uint64_t m)
{
    return m ? ceil_div(a, m) * m : a;
}

/* A double count of bytes to uint64, saturating (inputs are bounded, but never trust a cast). */
static uint64_t sat(double x)
{
    if (!(x > 0))
        return 0;
    if (x >= 1.8e19)
        return UINT64_MAX / 4;
    return (uint64_t)x;
}

static double gib(uint64_t b)
{
    return (double)b / (double)GIB;
}

static int is_float(est_dtype d)
{
    return d == EST_DT_FP32 || d == EST_DT_BF16 || d == EST_DT_FP16;
}

static int is_ggml(est_dtype d)
{
    return d == EST_DT_Q8_0 || d == EST_DT_Q6_K || d == EST_DT_Q4_K || d == EST_DT_Q4_0;
}

/* Bytes of `count` matrices d_in x d_out stored as dt (biases excluded).  The workload
 * gives the quantizers' group and block sizes (docs/methodology.md, section 2). */
static uint64_t matrix_bytes(est_dtype dt, uint64_t d_in, uint64_t d_out, uint64_t count, const est_workload *w)
{
    uint64_t n = d_in * d_out;
    switch (dt) {
    case EST_DT_FP32: return count * n * 4;
    case EST_DT_BF16:
    case EST_DT_FP16: return count * n * 2;
    case EST_DT_FP8: return count * (n + 4); /* one fp32 scale per tensor */
    case EST_DT_FP8_BLOCK: { /* fp8 e4m3 + one fp32 scale per block x block tile (weight_scale_inv) */
        uint64_t bl = w->fp8_block ? w->fp8_block : 128;
        return count * (n + ceil_div(d_in, bl) * ceil_div(d_out, bl) * 4);
    }
    case EST_DT_MXFP4: /* per 32 values along the input: 16 bytes of e2m1 + one e8m0 scale byte */
        return count * d_out * ceil_div(d_in, 32) * 17;
    case EST_DT_INT8: return count * (n + d_out * 4); /* LLM.int8: fp32 scale per output row */
    case EST_DT_INT4: { /* GPTQ/AWQ: 4-bit values; per group of input rows and output column an fp16 scale
                           + 4-bit zero; GPTQ also stores g_idx, one int32 per input row */
        uint64_t groups = w->group_size == UINT32_MAX ? 1 : ceil_div(d_in, w->group_size ? w->group_size : 128);
        return count * (n / 2 + groups * d_out * 5 / 2 + (w->gptq_g_idx ? d_in * 4 : 0));
    }
    case EST_DT_NF4: /* QLoRA: 4-bit codes + one fp32 absmax per 64-value block */
        return count * (n / 2 + ceil_div(n, 64) * 4);
    case EST_DT_NF4_DQ: { /* double quantization: 8-bit absmax per block, fp32 per 256 blocks */
        uint64_t blocks = ceil_div(n, 64);
        return count * (n / 2 + blocks + ceil_div(blocks, 256) * 4);
    }
    case EST_DT_Q8_0: return count * d_out * ceil_div(d_in, 32) * 34;
    case EST_DT_Q6_K: return count * d_out * ceil_div(d_in, 256) * 210;
    case EST_DT_Q4_K: return count * d_out * ceil_div(d_in, 256) * 144;
    case EST_DT_Q4_0: return count * d_out * ceil_div(d_in, 32) * 18;
    default: return count * n * 2;
    }
}

static int targeted(const est_linear *l, uint32_t targets)
{
    uint32_t b = targets;
    if (b & (1u << l->mod))
        return 1;
    if (l->mod == EST_MOD_QKV && (b & ((1u << EST_MOD_Q) | (1u << EST_MOD_K) | (1u << EST_MOD_V))))
        return 1;
    if (l->mod == EST_MOD_GATE_UP && (b & ((1u << EST_MOD_GATE) | (1u << EST_MOD_UP))))
        return 1;
    return 0;
}

/* ====================================================================== workload */

void est_workload_default(est_workload *w)
{
    memset(w, 0, sizeof *w);
    w->mode = EST_MODE_INFER;
    w->runtime = EST_RT_TRANSFORMERS;
    w->weight_dtype = EST_DT_BF16;
    w->compute_dtype = EST_DT_BF16;
    w->kv_dtype = EST_DT_BF16;
    w->batch = 1;
    w->context = 2048;
    w->tp = 1;
    w->pp = 1;
    w->flash_attention = 1;
    w->gpu_memory_utilization = 0.9;
    w->block_size = 16;
    w->max_num_seqs = 256;
    w->cuda_graphs = 1;
    w->finetune = EST_FT_LORA;
    w->precision = EST_PREC_MIXED;
    w->optimizer = EST_OPT_ADAMW;
    w->lora_rank = 8;
    w->lora_targets = (1u << EST_MOD_Q) | (1u << EST_MOD_V);
    w->grad_accum = 1;
    w->dp = 1;
    w->swap_space = 4ULL << 30; /* vLLM's default --swap-space, GiB per GPU (engine arguments) */
}

int est_workload_shape(est_workload *w, fp_error *err)
{
    if (w->tp == 0)
        return fp_fail(err, NULL, 0, 0, "--tp: must be at least 1");
    if (w->pp == 0)
        return fp_fail(err, NULL, 0, 0, "--pp: must be at least 1");
    if (w->gpus == 0) {
        w->dp = 1;
        return 0;
    }
    uint64_t group = w->tp * w->pp;
    if (w->gpus % group != 0) {
        if (w->pp > 1)
            return fp_fail(err, NULL, 0, 0,
                           "--gpus: %llu GPUs cannot be split into model replicas of tp %llu x pp %llu = %llu GPUs "
                           "(gpus = tp x pp x data-parallel ranks)",
                           (unsigned long long)w->gpus, (unsigned long long)w->tp, (unsigned long long)w->pp,
                           (unsigned long long)group);
        return fp_fail(err, NULL, 0, 0,
                       "--gpus: %llu GPUs cannot be split into tensor-parallel groups of %llu (gpus = tp x "
                       "data-parallel ranks)",
                       (unsigned long long)w->gpus, (unsigned long long)w->tp);
    }
    w->dp = w->gpus / group;
    return 0;
}

uint64_t est_job_gpus(const est_workload *w)
{
    if (est_on_host(w))
        return 1;
    return w->tp * (w->pp ? w->pp : 1) * (w->mode == EST_MODE_TRAIN && w->dp ? w->dp : 1);
}

int est_on_host(const est_workload *w)
{
    return w->runtime == EST_RT_LLAMACPP && !w->ngl_set;
}

/* Pipeline stages (docs/methodology.md, "Pipeline parallelism"): the decoder layers in
 * order, floor(L / pp) to a stage and one more to each of the first L mod pp stages (the
 * rule of Megatron-LM's and vLLM's even split, the remainder placed first); the input
 * embedding rides on the first stage, the final norm and the output head on the last. */
uint64_t est_stage_layers(uint64_t layers, uint64_t pp, uint64_t stage, uint64_t *first)
{
    uint64_t base = pp ? layers / pp : layers, extra = pp ? layers % pp : 0;
    if (first)
        *first = stage * base + (stage < extra ? stage : extra);
    return base + (stage < extra ? 1 : 0);
}

static int wfail(fp_error *err, const char *opt, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static int wfail(fp_error *err, const char *opt, const char *fmt, ...)
{
    char msg[FP_ERR_MSG - 64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return fp_fail(err, NULL, 0, 0, "%s: %s", opt, msg);
}

uint64_t est_context_limit(const est_arch *a, const est_workload *w)
{
    if (w->max_model_len)
        return w->max_model_len;
    return a->rope_positions > a->max_positions ? a->rope_positions : a->max_positions;
}

/* The config key the limit comes from, for messages. */
static const char *limit_key(const est_arch *a)
{
    if (a->rope_positions > a->max_positions)
        return "rope_scaling factor x original_max_position_embeddings";
    return a->learned_positions ? "n_positions" : "max_position_embeddings";
}

int est_workload_settle(const est_arch *a, const char *model, est_workload *w, fp_error *err)
{
    uint64_t limit = est_context_limit(a, w);
    if (!w->context_set) {
        if (limit && w->context > limit)
            w->context = limit;
        return 0;
    }
    if (!limit || w->context <= limit)
        return 0;
    if (a->learned_positions && !w->max_model_len)
        return wfail(err, "--context", "%llu is past %s's limit of %llu positions (%s): its position embeddings are "
                     "learned, one per position, so no scaling extends them",
                     (unsigned long long)w->context, model ? model : "the model", (unsigned long long)limit,
                     limit_key(a));
    if (w->max_model_len)
        return wfail(err, "--context", "%llu is past --max-model-len %llu", (unsigned long long)w->context,
                     (unsigned long long)w->max_model_len);
    return wfail(err, "--context",
                 "%llu is past %s's limit of %llu positions (%s); pass --max-model-len %llu to accept it (rope scaling)",
                 (unsigned long long)w->context, model ? model : "the model", (unsigned long long)limit, limit_key(a),
                 (unsigned long long)w->context);
}

int est_workload_check(const est_arch *a, const est_workload *w, fp_error *err)
{
    if (w->batch == 0 || w->batch > (1ULL << 20))
        return wfail(err, "--batch", "must be between 1 and 1048576, got %llu", (unsigned long long)w->batch);
    if (w->context == 0 || w->context > (1ULL << 24))
        return wfail(err, "--context", "must be between 1 and 16777216 tokens, got %llu",
                     (unsigned long long)w->context);
    if (w->max_model_len > (1ULL << 24))
        return wfail(err, "--max-model-len", "must be between 1 and 16777216 tokens, got %llu",
                     (unsigned long long)w->max_model_len);
    if (a->learned_positions && a->max_positions && w->max_model_len > a->max_positions)
        return wfail(err, "--max-model-len", "%llu is past the %llu learned position embeddings (n_positions): "
                     "no scaling extends them", (unsigned long long)w->max_model_len,
                     (unsigned long long)a->max_positions);
    if (est_context_limit(a, w) && w->context > est_context_limit(a, w))
        return wfail(err, "--context", "%llu is past the limit of %llu positions%s", (unsigned long long)w->context,
                     (unsigned long long)est_context_limit(a, w),
                     w->max_model_len ? " (--max-model-len)" : "; pass --max-model-len to accept it (rope scaling)");
    if (w->runtime == EST_RT_VLLM && w->batch > w->max_num_seqs)
        return wfail(err, "--batch", "vLLM runs at most --max-num-seqs %llu sequences at once, got %llu",
                     (unsigned long long)w->max_num_seqs, (unsigned long long)w->batch);
    if (w->batch * w->context > (1ULL << 34))
        return wfail(err, "--batch", "batch x context is too large (%llu tokens)",
                     (unsigned long long)(w->batch * w->context));
    if (w->tp == 0 || w->tp > 64)
        return wfail(err, "--tp", "must be between 1 and 64, got %llu", (unsigned long long)w->tp);
    if (w->pp == 0 || w->pp > EST_MAX_STAGES)
        return wfail(err, "--pp", "must be between 1 and %d, got %llu", EST_MAX_STAGES, (unsigned long long)w->pp);
    if (!a->layers && w->pp > 1)
        return wfail(err, "--pp", "splits a model's layers into stages: give a MODEL, not --params");
    if (a->layers && w->pp > a->layers)
        return wfail(err, "--pp", "%llu stages for %llu layers: every stage needs a layer", (unsigned long long)w->pp,
                     (unsigned long long)a->layers);
    if (w->tp > 1 && a->heads % w->tp != 0)
        return wfail(err, "--tp", "%llu does not divide the %llu attention heads", (unsigned long long)w->tp,
                     (unsigned long long)a->heads);
    if (w->tp > 1 && a->kv_heads % w->tp != 0 && w->tp % a->kv_heads != 0)
        return wfail(err, "--tp", "%llu neither divides nor is a multiple of the %llu KV heads",
                     (unsigned long long)w->tp, (unsigned long long)a->kv_heads);
    if (!is_float(w->compute_dtype))
        return wfail(err, "--compute-dtype", "must be fp32, bf16 or fp16, got '%s'", est_dtype_name(w->compute_dtype));
    if (!(is_float(w->kv_dtype) || w->kv_dtype == EST_DT_FP8 || w->kv_dtype == EST_DT_Q8_0 ||
          w->kv_dtype == EST_DT_Q4_0))
        return wfail(err, "--kv-dtype", "must be fp32, bf16, fp16, fp8, q8_0 or q4_0, got '%s'",
                     est_dtype_name(w->kv_dtype));
    if (w->runtime == EST_RT_LLAMACPP && !is_ggml(w->weight_dtype) && !is_float(w->weight_dtype))
        return wfail(err, "--dtype", "llama.cpp runs GGUF files: use fp32, fp16, bf16, q8_0, q6_k, q4_k or q4_0, not '%s'",
                     est_dtype_name(w->weight_dtype));
    if (w->runtime != EST_RT_LLAMACPP && (w->kv_dtype == EST_DT_Q8_0 || w->kv_dtype == EST_DT_Q4_0))
        return wfail(err, "--kv-dtype", "'%s' is a llama.cpp cache type: use it with --runtime llama.cpp",
                     est_dtype_name(w->kv_dtype));
    if (is_ggml(w->weight_dtype) && w->runtime != EST_RT_LLAMACPP)
        return wfail(err, "--dtype", "'%s' is a GGUF format: use it with --runtime llama.cpp",
                     est_dtype_name(w->weight_dtype));
    if (w->runtime == EST_RT_VLLM && !(w->gpu_memory_utilization > 0.0 && w->gpu_memory_utilization <= 1.0))
        return wfail(err, "--gpu-memory-utilization", "must be in (0, 1], got %g", w->gpu_memory_utilization);
    if (w->prefill > (1ULL << 24))
        return wfail(err, "--prefill", "must be at most 16777216 tokens, got %llu", (unsigned long long)w->prefill);
    if (w->max_num_seqs == 0 || w->max_num_seqs > 65536)
        return wfail(err, "--max-num-seqs", "must be between 1 and 65536, got %llu",
                     (unsigned long long)w->max_num_seqs);
    if (w->block_size == 0 || w->block_size > 4096)
        return wfail(err, "--block-size", "must be between 1 and 4096, got %llu", (unsigned long long)w->block_size);
    if (w->mode == EST_MODE_INFER)
        return 0;

    if (w->runtime == EST_RT_VLLM || w->runtime == EST_RT_LLAMACPP)
        return wfail(err, "--runtime", "'%s' does not train; use transformers or none", est_runtime_name(w->runtime));
    if (w->finetune != EST_FT_FULL) {
        if (w->lora_rank == 0 || w->lora_rank > 65536)
            return wfail(err, "--lora-rank", "must be between 1 and 65536, got %u", w->lora_rank);
        if (w->lora_targets == 0)
            return wfail(err, "--lora-targets", "no module selected");
    }
    if (w->finetune == EST_FT_QLORA && !(w->weight_dtype == EST_DT_NF4 || w->weight_dtype == EST_DT_NF4_DQ ||
                                         w->weight_dtype == EST_DT_INT4 || w->weight_dtype == EST_DT_INT8))
        return wfail(err, "--method", "qlora needs quantized base weights (--dtype nf4, nf4-dq, int4 or int8), got '%s'",
                     est_dtype_name(w->weight_dtype));
    if (w->finetune == EST_FT_FULL && !is_float(w->weight_dtype))
        return wfail(err, "--dtype", "full fine-tuning needs fp32, bf16 or fp16 weights, got '%s'",
                     est_dtype_name(w->weight_dtype));
    if (w->frozen_layers && w->finetune != EST_FT_FULL)
        return wfail(err, "--freeze-layers", "applies to full fine-tuning (LoRA already freezes the base model)");
    if (w->frozen_layers > a->layers)
        return wfail(err, "--freeze-layers", "%llu is more than the model's %llu layers",
                     (unsigned long long)w->frozen_layers, (unsigned long long)a->layers);
    if (w->zero_stage < 0 || w->zero_stage > 3)
        return wfail(err, "--zero", "stage must be 0, 1, 2 or 3, got %d", w->zero_stage);
    if (w->dp == 0 || w->dp > 65536)
        return wfail(err, "--gpus", "must be between 1 and 65536, got %llu", (unsigned long long)w->dp);
    if (w->grad_accum == 0)
        return wfail(err, "--grad-accum", "must be at least 1");
    if (w->paged_optimizer && (w->optimizer == EST_OPT_ADAFACTOR || w->optimizer == EST_OPT_SGD))
        return wfail(err, "--paged-optimizer", "bitsandbytes pages AdamW, AdamW 8-bit, Lion and SGD with momentum, not %s",
                     est_optimizer_name(w->optimizer));
    return 0;
}

/* ====================================================================== inference */

/* Working set per token of one layer's forward step (values, not bytes): the
 * residual stream, its normed copy and the block output (3h), plus the larger of
 * the attention projections or the MLP intermediates, split by tp. */
static double layer_transient_values(const est_arch *a, const est_workload *w, int moe)
{
    double h = (double)a->hidden, tp = (double)w->tp, attn, mlp;
    if (a->kv_lora_rank) {
        double qk = (double)(a->qk_nope_head_dim + a->qk_rope_head_dim);
        attn = (double)a->heads * (2 * qk + 2 * (double)a->v_head_dim) / tp +
               (double)(a->kv_lora_rank + a->qk_rope_head_dim + a->q_lora_rank);
    } else {
        attn = (double)((a->heads * 2 + 2 * a->kv_heads) * a->head_dim) / tp;
    }
    double width_factor = a->mlp == EST_MLP_GATED ? 3.0 : 2.0;
    if (moe) {
        double shared = (double)(a->shared_experts * a->moe_intermediate + a->shared_intermediate);
        mlp = ((double)a->experts_per_tok * (width_factor * (double)a->moe_intermediate + h) +
               width_factor * shared) / tp + (double)a->experts * 2.0; /* router logits in fp32 = 2 values */
    } else {
        mlp = width_factor * (double)a->intermediate / tp;
    }
    return 3.0 * h + (attn > mlp ? attn : mlp);
}

/* ====================================================================== training */

/* One pipeline stage: layers [first, first + n) of L, and whether it holds the embedding
 * (the first stage) and the head (the last).  pp 1 is one stage of every layer. */
typedef struct stage_t {
    uint64_t index, first, n;
    int emb, head;
} stage_t;

/* x scaled to the stage's share of the layers; exact (x itself) for the whole model */
static uint64_t share(const est_arch *a, const stage_t *st, uint64_t x)
{
    if (!a->layers || st->n == a->layers)
        return x;
    return mul_div(x, st->n, a->layers, 1);
}

/* trainable layers of the stage: its layers past the first frozen_layers */
static uint64_t stage_trainable_layers(const est_workload *w, const stage_t *st)
{
    uint64_t frozen = w->finetune == EST_FT_FULL ? w->frozen_layers : 0;
    uint64_t end = st->first + st->n;
    if (frozen >= end)
        return 0;
    return frozen > st->first ? end - frozen : st->n;
}

typedef struct train_parts {
    uint64_t trainable;       /* parameters with gradients */
    uint64_t opt_state_bytes; /* before ZeRO division */
    uint64_t lora_params;
} train_parts;

/* Optimizer state bytes for one tensor of n values shaped rows x cols (cols 0 for 1-D). */
static uint64_t opt_tensor_bytes(est_optimizer o, double state_bytes, uint64_t rows, uint64_t cols)
{
    uint64_t n = cols ? rows * cols : rows;
    switch (o) {
    case EST_OPT_ADAMW: return (uint64_t)(2.0 * state_bytes * (double)n);
    case EST_OPT_ADAMW8:
        if (n < BNB_MIN_8BIT)
            return 2 * 4 * n;
        return 2 * (n + ceil_div(n, BNB_OPT_BLOCK) * 4);
    case EST_OPT_ADAFACTOR: /* factored second moment for matrices (Shazeer & Stern 2018), no first moment */
        return cols ? (rows + cols) * 4 : n * 4;
    case EST_OPT_SGD: return 0;
    case EST_OPT_SGDM:
    case EST_OPT_LION: return (uint64_t)(state_bytes * (double)n);
    default: return 0;
    }
}

/* PEFT on a 16-bit model in pure precision: get_peft_model's autocast_adapter_dtype (True by
 * default since PEFT 0.12) creates the adapters in fp32, and each LoRA layer casts its input to
 * the adapter's dtype (LoraLayer._cast_input_dtype) before lora_A: every targeted module keeps
 * its own fp32 copy of its input.  litgpt and torchtune keep adapters in the model's dtype. */
static int peft_fp32_adapters(const est_workload *w, double B)
{
    return w->framework == EST_FW_TRANSFORMERS && w->finetune != EST_FT_FULL && w->precision == EST_PREC_PURE &&
           B < 4.0;
}

/* Saved activations per token for one decoder layer (values, scaled by B later), for
 * the tensors autograd keeps for the backward pass.  Derived in docs/methodology.md
 * (section 5, "What the training code keeps") from Korthikanti et al. 2022 (section 4.1)
 * for gated MLPs, GQA and frozen weights, and from the training code's own model: PyTorch's
 * autograd keeps an input of a product only when the other factor needs a gradient
 * (tools/autograd/gen_variable_type.py, guard_for), so a frozen linear keeps no input. */
static double layer_saved_values(const est_arch *a, const est_workload *w, int moe, double B)
{
    int full = w->finetune == EST_FT_FULL;
    uint32_t t = full ? 0xffffffffu : w->lora_targets;
    int train_qkv = full || (t & ((1u << EST_MOD_Q) | (1u << EST_MOD_K) | (1u << EST_MOD_V) | (1u << EST_MOD_QKV) |
                                  (1u << EST_MOD_Q_A) | (1u << EST_MOD_KV_A)));
    int train_mlp_in = full || (t & ((1u << EST_MOD_GATE) | (1u << EST_MOD_UP) | (1u << EST_MOD_GATE_UP)));
    int train_down = full || (t & (1u << EST_MOD_DOWN));
    /* a LoRA module with dropout keeps its dropped-out copy instead (lora_extra_bytes) */
    int input_kept = full || (!(w->lora_dropout > 0) && !peft_fp32_adapters(w, B));
    double h = (double)a->hidden, tp = (double)w->tp;
    /* RMSNorm as transformers (LlamaRMSNorm) and torchtune (modules/rms_norm.py) write it upcasts
     * its input to fp32 and autograd keeps that copy (pow and the product save it); with a trained
     * weight the product weight x normed also keeps the normed copy in B bytes.  litgpt's 2023
     * RMSNorm computes in the input dtype and keeps the input, and torch.mean(x * x) keeps its
     * input too on the PyTorch its tables ran on (2.1: MeanBackward saves self, pytorch/pytorch
     * issue 109876, fixed by PR 109935 for 2.2); LayerNorm keeps its input.  Under torch.compile
     * the fused norm keeps its input and recomputes the rest. */
    double per_norm = 1.0;
    if (a->norm == EST_NORM_RMS && w->framework == EST_FW_LITGPT && !w->compile)
        per_norm = 2.0;
    if (a->norm == EST_NORM_RMS && w->framework != EST_FW_LITGPT && B < 4.0 && !w->compile)
        per_norm = 4.0 / B + (full ? 1.0 : 0.0);
    /* a parallel block (phi, gpt_neox) normalizes one layer input: kept once however many norms read it */
    double norm_inputs = a->parallel_block ? 1.0 : (double)a->norms_per_layer;
    double v = norm_inputs * per_norm * h;
    if (train_qkv && input_kept)
        v += h; /* normed input of q/k/v, kept for the weight gradient (or by LoRA's A) */
    if (a->kv_lora_rank) {
        double qk = (double)(a->qk_nope_head_dim + a->qk_rope_head_dim);
        v += (double)(a->q_lora_rank + a->kv_lora_rank + a->qk_rope_head_dim);
        v += (double)a->heads * (2 * qk + 2 * (double)a->v_head_dim) / tp;
    } else {
        double qw = (double)(a->heads * a->head_dim) / tp, kvw = (double)(a->kv_heads * a->head_dim) / tp;
        if (w->framework == EST_FW_TORCHTUNE)
            /* torchtune's MultiHeadAttention expands k and v to every head before SDPA, which keeps
             * the expanded copies: q, k, v and the output, each of the heads' width */
            v += 4.0 * qw;
        else if (w->framework == EST_FW_LITGPT && a->kv_heads != a->heads && a->kv_heads != 1)
            v += 4.0 * qw; /* litgpt expands k and v of grouped queries the same way */
        else if (w->framework == EST_FW_LITGPT)
            /* litgpt (MHA, MQA): v is a view of the fused qkv output, so attention keeps all of it
             * (q + 2 kv widths); RoPE makes new q and k (torch.cat), kept with the output */
            v += 2.0 * qw + 2.0 * kvw + qw + kvw;
        else
            v += 2.0 * qw + 2.0 * kvw; /* q and k after RoPE, v, and the attention output */
    }
    if (!w->flash_attention) /* eager attention: fp32 softmax output + its B-byte copy, per head per key */
        v += (double)a->heads / tp * (double)w->context * (4.0 + B) / B;
    double width, shared = 0, copies = 1;
    if (moe) {
        width = (double)a->moe_intermediate;
        copies = (double)a->experts_per_tok;
        shared = (double)(a->shared_experts * a->moe_intermediate + a->shared_intermediate);
        v += (double)a->experts * 4.0 / B; /* router logits, fp32 */
    } else {
        width = (double)a->intermediate;
    }
    /* phi's parallel block feeds one normed tensor to q/k/v and to fc1: kept once */
    int shared_input = a->parallel_block && a->norms_per_layer == 1 && train_qkv;
    if (train_mlp_in && !shared_input && input_kept)
        v += h * (moe ? copies : 1.0);
    double per_width = a->mlp == EST_MLP_GATED ? 3.0 : 1.0; /* gate, up, act(gate) | act input */
    if (a->mlp == EST_MLP_GATED && w->compile)
        per_width -= 1.0; /* compiled: act(gate) is recomputed from the gate in the backward */
    if (train_down)
        per_width += 1.0; /* input of the down projection */
    v += per_width * (width * copies + shared) / tp;
    return v;
}

/* Bytes per token and layer LoRA adds to the saved activations (docs/methodology.md, section 5):
 * with dropout, each LoRA module keeps its dropped-out input (B bytes) and the mask (1 byte,
 * torch's native_dropout).  PEFT wraps every targeted module with its own dropout; litgpt's
 * fused qkv module drops its input once, and pads the LoRA output of the selected parts (q and
 * v of q, k, v) to the qkv width with index_copy, which keeps its source for the backward
 * (derivatives.yaml, index_copy: expand_as(source)). */
static double lora_extra_bytes(const est_arch *a, const est_params *p, const est_workload *w, double B)
{
    if (w->finetune == EST_FT_FULL)
        return 0;
    double extra = 0; /* bytes */
    int litgpt = w->framework == EST_FW_LITGPT;
    const uint32_t attn_in = (1u << EST_MOD_Q) | (1u << EST_MOD_K) | (1u << EST_MOD_V) | (1u << EST_MOD_QKV);
    int fused_seen = 0;
    for (size_t i = 0; i < p->nlinears; i++) {
        const est_linear *l = &p->linears[i];
        if (!targeted(l, w->lora_targets) || l->block == EST_BLK_HEAD)
            continue;
        double share_moe = l->block == EST_BLK_MOE ? (double)a->moe_layers / (double)a->layers : 1.0;
        if (litgpt && ((1u << l->mod) & attn_in)) {
            if (!fused_seen && w->lora_dropout > 0)
                extra += (double)l->d_in * (B + 1.0); /* one dropout for the fused q, k, v */
            fused_seen = 1;
            continue;
        }
        if (peft_fp32_adapters(w, B)) /* its fp32 input copy (or the dropout's fp32 output) and the mask */
            extra += (double)l->per_layer * (double)l->d_in * (4.0 + (w->lora_dropout > 0 ? 1.0 : 0.0)) * share_moe;
        else if (w->lora_dropout > 0)
            extra += (double)l->per_layer * (double)l->d_in * (B + 1.0) * share_moe;
    }
    if (litgpt && fused_seen && !a->kv_lora_rank) {
        uint32_t tg = w->lora_targets;
        int all = (tg & (1u << EST_MOD_QKV)) ||
                  ((tg & (1u << EST_MOD_Q)) && (tg & (1u << EST_MOD_K)) && (tg & (1u << EST_MOD_V)));
        if (!all) {
            double qw = (double)(a->heads * a->head_dim) / (double)w->tp;
            double kvw = (double)(a->kv_heads * a->head_dim) / (double)w->tp;
            extra += B * ((tg & (1u << EST_MOD_Q) ? qw : 0) + (tg & (1u << EST_MOD_K) ? kvw : 0) +
                          (tg & (1u << EST_MOD_V) ? kvw : 0));
        }
    }
    return extra;
}

static void training_parts(const est_arch *a, const est_params *p, const est_workload *w, const stage_t *st,
                           double state_bytes, train_parts *tp_out)
{
    memset(tp_out, 0, sizeof *tp_out);
    int whole = !a->layers || st->n == a->layers;
    if (w->finetune != EST_FT_FULL) {
        for (size_t i = 0; i < p->nlinears; i++) {
            const est_linear *l = &p->linears[i];
            if (!targeted(l, w->lora_targets))
                continue;
            uint64_t r = w->lora_rank;
            /* a stage holds its layers' copies of a module (the head's only on the last stage) */
            uint64_t count = whole ? l->count : l->mod == EST_MOD_LM_HEAD ? (st->head ? l->count : 0)
                                                                        : share(a, st, l->count);
            tp_out->lora_params += count * r * (l->d_in + l->d_out);
            tp_out->opt_state_bytes += count * (opt_tensor_bytes(w->optimizer, state_bytes, r, l->d_in) +
                                                opt_tensor_bytes(w->optimizer, state_bytes, l->d_out, r));
        }
        tp_out->trainable = tp_out->lora_params;
        return;
        /* (an empty selection is rejected in est_footprint_compute) */
    }
    /* full fine-tune; the first frozen_layers layers (and the embeddings, when any layer is frozen) are frozen.
     * Layers are counted as equal shares of each linear class (exact for dense models). */
    double keep = (double)(whole ? a->layers - w->frozen_layers : stage_trainable_layers(w, st)) / (double)a->layers;
    uint64_t trainable = 0, opt = 0;
    for (size_t i = 0; i < p->nlinears; i++) {
        const est_linear *l = &p->linears[i];
        uint64_t count = l->mod == EST_MOD_LM_HEAD ? (st->head ? l->count : 0) : (uint64_t)llround((double)l->count * keep);
        trainable += count * (l->d_in * l->d_out + (l->bias ? l->d_out : 0));
        opt += count * opt_tensor_bytes(w->optimizer, state_bytes, l->d_out, l->d_in);
        if (l->bias)
            opt += count * opt_tensor_bytes(w->optimizer, state_bytes, l->d_out, 0);
    }
    uint64_t biases = 0;
    for (size_t i = 0; i < p->nlinears; i++)
        if (p->linears[i].mod != EST_MOD_LM_HEAD) /* the head's bias (phi) is in p->lm_head, not p->other */
            biases += p->linears[i].bias ? p->linears[i].count * p->linears[i].d_out : 0;
    uint64_t norms = p->other - biases;
    /* the final norm sits after the last layer and is never frozen */
    uint64_t final = a->final_norm ? a->hidden * (a->norm == EST_NORM_LAYER ? 2 : 1) : 0;
    uint64_t norms_kept = (uint64_t)llround((double)(norms - final) * keep) + (st->head ? final : 0);
    trainable += norms_kept;
    opt += opt_tensor_bytes(w->optimizer, state_bytes, norms_kept, 0);
    if (w->frozen_layers == 0 && st->emb) {
        trainable += p->embedding;
        opt += opt_tensor_bytes(w->optimizer, state_bytes, a->vocab, a->hidden);
        if (a->learned_positions)
            opt += opt_tensor_bytes(w->optimizer, state_bytes, a->max_positions, a->hidden);
    }
    tp_out->trainable = trainable;
    tp_out->opt_state_bytes = opt;
}

/* ====================================================================== memory figures */

/* PyTorch's caching allocator keeps freed blocks for reuse; tensors allocated once at the
 * start (weights, gradients, optimizer states) fill their segments, but the transient
 * tensors of every step (activations, logits) are freed and re-allocated in changing
 * sizes and leave split, partly used segments behind.  GMLake (Guo et al., ASPLOS 2024,
 * arXiv:2401.08156) measures the allocator's fragmentation on eight LLM fine-tuning
 * workloads on A100-80GB at 15 % of reserved memory on average (up to 33 %).  The model
 * here charges that average to the transient bytes only: reserved - allocated =
 * 0.15 / 0.85 x (activations + logits).  vLLM allocates its KV cache as one block per layer
 * and runs inside its own profiled budget, and llama.cpp plans its buffers ahead: neither
 * fragments.  docs/methodology.md states the model's error against the reserved figures
 * of PEFT's MetaMathQA runs. */
#define FRAG_TRANSIENT (0.15 / 0.85)

/* Host RAM of a GPU job, per replica.  Each GPU is driven by one process (vLLM's workers,
 * torchrun's ranks, one transformers process per GPU), and each such process holds the
 * Python runtime, PyTorch and the CUDA libraries' host side: HOST_PROCESS, an assumption
 * stated in docs/methodology.md (to be replaced by a measurement).  vLLM also pins
 * swap_space bytes of CPU KV cache per GPU at start (--swap-space, 4 GiB by default:
 * vLLM's engine arguments).  Weights are read through the page cache (safetensors are
 * mmapped), which the kernel reclaims: not counted.  llama.cpp: on the host its whole
 * footprint is host memory already; placed on a GPU (`on: gpu`), its process's own host RAM
 * (small: the weights stay in the page cache) is not modelled. */
#define HOST_PROCESS (2ULL * GIB)

static uint64_t host_bytes(const est_workload *w, uint64_t *pinned)
{
    *pinned = 0;
    if (w->runtime == EST_RT_LLAMACPP)
        return 0;
    uint64_t procs = est_job_gpus(w);
    uint64_t h = procs * HOST_PROCESS;
    if (w->runtime == EST_RT_VLLM && w->mode == EST_MODE_INFER) {
        *pinned = w->tp * w->pp * w->swap_space; /* one swap space per GPU worker, page-locked */
        h += *pinned;
    }
    return h;
}

/* a + b held at the largest signed 64-bit value (what JSON can print): an absurd margin must
 * read as "does not fit", never wrap */
static uint64_t add_held(uint64_t a, uint64_t b)
{
    const uint64_t max = (uint64_t)INT64_MAX;
    if (a > max || b > max - a)
        return max;
    return a + b;
}

static void memory_figures(const est_workload *w, est_footprint *fp)
{
    uint64_t transient = fp->bytes[EST_C_ACTIVATIONS] + fp->bytes[EST_C_LOGITS];
    fp->fragmentation = 0;
    if (w->runtime == EST_RT_TRANSFORMERS || w->runtime == EST_RT_NONE)
        fp->fragmentation = sat((double)transient * FRAG_TRANSIENT);
    fp->allocated = fp->total - fp->outside_allocator;
    fp->reserved = add_held(fp->allocated, fp->fragmentation);
    fp->device = add_held(fp->reserved, fp->outside_allocator);
    double frac = w->margin.set ? w->margin.frac : w->mode == EST_MODE_TRAIN ? EST_MARGIN_TRAIN : EST_MARGIN_INFER;
    fp->margin = add_held(sat(ceil((double)fp->device * frac)), w->margin.set ? w->margin.fixed : 0);
    fp->need = add_held(fp->device, fp->margin);
}

/* ====================================================================== components
 * One function per component of the footprint.  Each fills fp->bytes[c] for its component and
 * writes the --explain line for it from the same numbers (docs/methodology.md gives every
 * formula with its source; the section is named in each function's comment).  They share one
 * context, filled once per stage by ctx_init; after them, the placement steps move bytes to the
 * host (training offload, paged optimizers, vLLM --cpu-offload-gb, llama.cpp -ngl). */

typedef struct fp_ctx {
    const est_arch *a;
    const est_params *p;
    const est_workload *w;
    const stage_t *st;
    double B;           /* bytes per value of the compute dtype */
    uint64_t Bi, tp;
    int train, ggml;
    est_dtype wdt;      /* dtype the weights are held in (fp32 for fp32 full fine-tuning) */
    int mixed_full;     /* full fine-tune in mixed precision: an fp32 master copy */
    uint64_t dequant;   /* bitsandbytes' dequantization buffer for one 4-bit matrix */
    /* the stage's weights by part (set by comp_weights; llama.cpp's -ngl split reads them) */
    uint64_t layer_w, head_w, emb_bytes, small;
    /* training (ctx_init) */
    double state_bytes; /* bytes per optimizer state value */
    train_parts tpart;
    uint64_t master, wcopy, w16, gathered; /* set by comp_weights */
    uint64_t logits_transient; /* the part of the logits released before the layers' backward (comp_logits) */
    uint64_t act_host;         /* checkpoints moved to pinned host memory (--activation-offload) */
    int act_phase;             /* checkpointing: 1 the forward's end sets the peak, 2 a layer's backward */
    double grad_bytes;         /* bytes per gradient value (comp_gradients) */
} fp_ctx;

/* The context of one stage: the dtypes, bitsandbytes' dequantization buffer and, for training,
 * the trainable parameters and optimizer-state bytes.  -1 with err when LoRA's targets select no
 * module of the model. */
static int ctx_init(fp_ctx *c, const est_arch *a, const est_params *p, const est_workload *w, const stage_t *st,
                    est_footprint *fp, fp_error *err)
{
    memset(c, 0, sizeof *c);
    c->a = a;
    c->p = p;
    c->w = w;
    c->st = st;
    c->B = est_dtype_bytes(w->compute_dtype);
    c->Bi = (uint64_t)c->B;
    c->tp = w->tp;
    c->train = w->mode == EST_MODE_TRAIN;
    c->ggml = w->runtime == EST_RT_LLAMACPP;
    c->wdt = w->weight_dtype;
    c->mixed_full = c->train && w->finetune == EST_FT_FULL && w->precision == EST_PREC_MIXED;
    if (c->train && w->finetune == EST_FT_FULL && w->precision == EST_PREC_FP32)
        c->wdt = EST_DT_FP32;

    /* bitsandbytes 4-bit layers are dequantized one at a time for each matmul: into fp16,
     * then cast to the compute dtype when that differs (bitsandbytes functional.py,
     * dequantize_4bit + .to(A.dtype)); the largest quantized matrix sets the peak */
    if (w->runtime == EST_RT_TRANSFORMERS && (c->wdt == EST_DT_NF4 || c->wdt == EST_DT_NF4_DQ)) {
        uint64_t largest = 0;
        for (size_t i = 0; i < p->nlinears; i++) {
            const est_linear *l = &p->linears[i];
            if (l->mod == EST_MOD_LM_HEAD && !w->quantize_lm_head)
                continue;
            if (l->d_in * l->d_out > largest)
                largest = l->d_in * l->d_out;
        }
        c->dequant = ceil_div(largest, c->tp) * (2 + (w->compute_dtype == EST_DT_FP16 ? 0 : c->Bi));
    }
    if (!c->train)
        return 0;

    /* AdamW/SGDM/Lion states: as torch.optim makes them, in the trained parameters' dtype
     * (16-bit in pure bf16/fp16, fp32 master weights in mixed precision), unless
     * --optimizer-dtype says otherwise (docs/methodology.md, section 5) */
    c->state_bytes = w->optimizer_dtype_set ? est_dtype_bytes(w->optimizer_dtype)
                     : w->precision == EST_PREC_PURE && !peft_fp32_adapters(w, c->B) ? c->B : 4.0;
    training_parts(a, p, w, st, c->state_bytes, &c->tpart);
    fp->trainable = c->tpart.trainable;
    if (w->finetune != EST_FT_FULL && c->tpart.lora_params == 0) {
        char mods[256] = "";
        for (size_t i = 0; i < p->nlinears; i++) {
            const char *nm = est_module_name(p->linears[i].mod);
            if (strstr(mods, nm) || strlen(mods) + strlen(nm) + 3 >= sizeof mods)
                continue;
            if (mods[0])
                strcat(mods, ", ");
            strcat(mods, nm);
        }
        return fp_fail(err, NULL, 0, 0, "--lora-targets: no such module in this model; it has %s", mods);
    }
    return 0;
}

/* Weights (docs/methodology.md, sections 2 and 5): every matrix in its storage dtype (quantizers'
 * scales included), the tensors left unquantized in the compute dtype, the stage's share with
 * --pp, split by tp; vLLM's rotary cos/sin cache and GPTBigCode's mask buffer ride with them.
 * Training adds the fp32 master copy of mixed precision (Micikevicius et al. 2018) and shards
 * with ZeRO (Rajbhandari et al. 2020): ZeRO-3 keeps 1/dp of the weights and two gathered layers. */
static void comp_weights(fp_ctx *c, est_footprint *fp, est_explain *ex)
{
    const est_arch *a = c->a;
    const est_params *p = c->p;
    const est_workload *w = c->w;
    const stage_t *st = c->st;
    const uint64_t tp = c->tp, h = a->hidden, Bi = c->Bi;
    const est_dtype wdt = c->wdt;
    uint64_t *b = fp->bytes;

    uint64_t layer_w = 0, head_w = 0, bias_w = 0, head_bias = 0;
    est_dtype hdt = wdt;
    for (size_t i = 0; i < p->nlinears; i++) {
        const est_linear *l = &p->linears[i];
        if (l->mod == EST_MOD_LM_HEAD) {
            hdt = (w->quantize_lm_head || is_float(wdt)) ? wdt : (Bi == 4 ? EST_DT_FP16 : w->compute_dtype);
            /* llama.cpp's quantizer (llama-quant.cpp) makes output.weight Q6_K when quantizing to a
             * k-quant or q4_0-style type; Q8_0 keeps Q8_0 and an f32/f16/bf16 GGUF keeps its own type */
            if (c->ggml)
                hdt = is_float(wdt) || wdt == EST_DT_Q8_0 ? wdt : EST_DT_Q6_K;
            head_w = matrix_bytes(hdt, l->d_in, l->d_out, 1, w);
            head_bias = l->bias ? l->d_out : 0; /* phi: a 1-D tensor, kept like the other biases */
            continue;
        }
        /* fp8-block and MXFP4 checkpoints keep the router in 16 bits (DeepSeek-V3's mlp.gate, gpt-oss's
         * modules_to_not_convert); MXFP4 quantizes the experts only */
        est_dtype ldt = wdt;
        if ((wdt == EST_DT_FP8_BLOCK || wdt == EST_DT_MXFP4) &&
            (l->mod == EST_MOD_ROUTER || l->mod == EST_MOD_SHARED_GATE || (wdt == EST_DT_MXFP4 && !l->expert)))
            ldt = Bi == 4 ? EST_DT_FP16 : w->compute_dtype;
        layer_w += matrix_bytes(ldt, l->d_in, l->d_out, l->count, w);
        bias_w += l->bias ? l->count * l->d_out : 0;
    }
    uint64_t norms = p->other - bias_w;
    /* tensors left unquantized (embeddings, norms, biases, usually the head) stay in the
     * compute dtype, or fp16 when that is fp32 (how transformers loads 4-/8-bit models) */
    uint64_t keep_b = is_float(wdt) ? (uint64_t)est_dtype_bytes(wdt) : (Bi == 4 ? 2 : Bi);
    uint64_t emb_bytes = c->ggml ? matrix_bytes(wdt, h, a->vocab, 1, w) +
                                       (a->learned_positions ? a->max_positions * h * 2 : 0)
                                 : p->embedding * keep_b;
    uint64_t small = (norms + bias_w + head_bias) * (c->ggml ? 4 : keep_b); /* GGUF keeps 1-D tensors in f32 */
    /* the vision tower (multimodal configs) is loaded by transformers and vLLM with the
     * language model and kept in the compute dtype; llama.cpp keeps it in a separate mmproj
     * GGUF, so a text GGUF holds none of it */
    uint64_t vision_w = c->ggml ? 0 : p->vision * keep_b;
    uint64_t full_weights = ceil_div(layer_w + head_w + emb_bytes + vision_w, tp) + small;
    /* a pipeline stage: its share of the layers; the embedding (and the vision tower) on the
     * first stage, the head on the last, which also keeps a copy of a tied embedding to use as
     * its head (Megatron-LM's shared word embeddings) */
    uint64_t tied_copy = a->tied_embeddings && st->head && !st->emb ? emb_bytes : 0;
    layer_w = share(a, st, layer_w);
    small = share(a, st, small);
    if (!st->emb)
        emb_bytes = vision_w = 0;
    if (!st->head)
        head_w = 0;
    head_w += tied_copy;
    c->layer_w = layer_w;
    c->head_w = head_w;
    c->emb_bytes = emb_bytes;
    c->small = small;
    uint64_t weights = ceil_div(layer_w + head_w + emb_bytes + vision_w, tp) + small;
    uint64_t buffers = 0;
    if (w->runtime == EST_RT_TRANSFORMERS && !strcmp(a->model_type, "gpt_bigcode"))
        buffers = a->max_positions * a->max_positions; /* GPTBigCode's causal-mask buffer, bool */
    uint64_t rope_cache = 0;
    if (w->runtime == EST_RT_VLLM && !a->learned_positions) {
        /* vLLM precomputes cos/sin for every position: max_positions x rotary_dim x B */
        uint64_t rot = a->kv_lora_rank ? a->qk_rope_head_dim : a->head_dim;
        rope_cache = a->max_positions * rot * Bi;
    }
    if (w->stored_weights && !c->train) {
        /* the checkpoint's own bytes (safetensors / GGUF headers): exact, scales and all */
        /* a stage: the stored bytes in the proportion the formula gives the stage */
        uint64_t stored = w->pp > 1 && full_weights
                              ? (uint64_t)ceil((double)ceil_div(w->stored_weights, tp) * (double)weights / (double)full_weights)
                              : ceil_div(w->stored_weights, tp);
        b[EST_C_WEIGHTS] = stored + rope_cache + buffers;
        explain(ex, EST_C_WEIGHTS, "%.4g B params: every tensor as the checkpoint stores it, %llu bytes%s; / tp %llu",
                (double)p->total / 1e9, (unsigned long long)w->stored_weights,
                rope_cache ? "; + vLLM rotary cos/sin cache max_positions x rotary_dim x B"
                           : buffers ? "; + causal-mask buffer max_positions^2 x 1 B" : "",
                (unsigned long long)tp);
    } else {
        b[EST_C_WEIGHTS] = weights + rope_cache + buffers;
        explain(ex, EST_C_WEIGHTS,
                "%.4g B params: layer matrices as %s (%.2f GiB), embeddings %.2f GiB, lm_head%s%s %.2f GiB, norms+biases %.3f GiB"
                "%s%s; / tp %llu%s",
                (double)p->total / 1e9, est_dtype_name(wdt), gib(layer_w), gib(emb_bytes), head_w ? " as " : "",
                head_w ? est_dtype_name(hdt) : "", gib(head_w), gib(small),
                vision_w ? "; + vision tower (compute dtype)" :
                rope_cache ? "; + vLLM rotary cos/sin cache max_positions x rotary_dim x B"
                           : buffers ? "; + causal-mask buffer max_positions^2 x 1 B" : "",
                w->quantize_lm_head ? " (lm_head quantized)" : "", (unsigned long long)tp,
                c->mixed_full ? "; + fp32 master copy of trainable params (4 B each)" : "");
    }
    if (!c->train)
        return;

    /* the weight copy used in compute; ZeRO-3 shards it and gathers two layers at a time */
    uint64_t dp = w->dp, zs = (uint64_t)w->zero_stage;
    c->wcopy = c->w16 = b[EST_C_WEIGHTS];
    c->gathered = (2 * p->per_layer_max > p->embedding ? 2 * p->per_layer_max : p->embedding) * Bi;
    if (zs >= 3 && dp > 1)
        c->wcopy = ceil_div(c->wcopy, dp) + c->gathered;
    c->master = c->mixed_full ? ceil_div(c->tpart.trainable * 4, tp) : 0;
    if (zs >= 1)
        c->master = ceil_div(c->master, dp);
    b[EST_C_WEIGHTS] = c->wcopy + c->master;
    if (zs >= 1 && dp > 1 && c->mixed_full)
        explain(ex, EST_C_WEIGHTS,
                "%.4g B params as %s%s; + fp32 master copy (4 B x %llu trainable) / dp %llu (ZeRO-1+)",
                (double)p->total / 1e9, est_dtype_name(wdt),
                zs >= 3 ? " / dp (ZeRO-3) + 2 gathered layers" : "", (unsigned long long)c->tpart.trainable,
                (unsigned long long)dp);
    else if (zs >= 3 && dp > 1) /* no master copy: the weights are the trained copy */
        explain(ex, EST_C_WEIGHTS, "%.4g B params as %s / dp %llu (ZeRO-3) + 2 gathered layers",
                (double)p->total / 1e9, est_dtype_name(wdt), (unsigned long long)dp);
}

/* KV cache (docs/methodology.md, section 3): 2 x kv_heads x head_dim values per token and layer
 * (MLA: the latent kv_lora_rank + rope_dim on vLLM and llama.cpp, the expanded k and v in
 * transformers), rounded to vLLM's blocks, sliding-window and chunked layers capped at their
 * window.  Inference only: training keeps no cache. */
static void comp_kv(fp_ctx *c, est_footprint *fp, est_explain *ex)
{
    const est_arch *a = c->a;
    const est_workload *w = c->w;
    const uint64_t tp = c->tp;
    if (c->train)
        return;
    double kvb = est_dtype_bytes(w->kv_dtype);
    uint64_t kvh = ceil_div(a->kv_heads, tp);
    int latent = a->kv_lora_rank && w->runtime != EST_RT_TRANSFORMERS;
    double per_layer_values;
    if (latent)
        per_layer_values = (double)(a->kv_lora_rank + a->qk_rope_head_dim);
    else if (a->kv_lora_rank)
        per_layer_values = (double)(a->heads / tp) * (double)(a->qk_nope_head_dim + a->qk_rope_head_dim + a->v_head_dim);
    else
        per_layer_values = 2.0 * (double)(kvh * a->head_dim);
    uint64_t per_layer_tok = (uint64_t)(per_layer_values * kvb + 0.5);
    uint64_t tokens = w->context;
    if (w->runtime == EST_RT_VLLM)
        tokens = round_up(tokens, w->block_size);
    uint64_t sliding_layers = 0;
    if (a->sliding_window && a->sliding_window < tokens)
        sliding_layers = a->sliding_layers;
    uint64_t win_tokens = a->sliding_window;
    if (w->runtime == EST_RT_VLLM)
        win_tokens = round_up(win_tokens, w->block_size);
    if (win_tokens > tokens)
        win_tokens = tokens;
    /* chunked local attention (llama4): a chunked layer attends within its chunk of
     * attention_chunk_size tokens, so it holds at most one chunk */
    uint64_t chunked_layers = 0, chunk_tokens = a->attn_chunk;
    if (a->attn_chunk && a->attn_chunk < tokens)
        chunked_layers = a->chunked_layers;
    if (w->runtime == EST_RT_VLLM)
        chunk_tokens = round_up(chunk_tokens, w->block_size);
    if (chunk_tokens > tokens)
        chunk_tokens = tokens;
    uint64_t full_layers = a->layers - sliding_layers - chunked_layers;
    fp->bytes[EST_C_KV] = share(a, c->st, w->batch * per_layer_tok *
                                              (full_layers * tokens + sliding_layers * win_tokens +
                                               chunked_layers * chunk_tokens));
    fp->kv_tokens = w->batch * tokens;
    fp->kv_bytes_per_token = per_layer_tok * c->st->n;
    explain(ex, EST_C_KV,
            "batch %llu x %llu tokens%s x %s: %s = %llu B/token/layer x %llu layers%s",
            (unsigned long long)w->batch, (unsigned long long)tokens,
            w->runtime == EST_RT_VLLM ? " (rounded to blocks)" : "", est_dtype_name(w->kv_dtype),
            latent ? "MLA latent (kv_lora_rank + rope_dim) values" :
            a->kv_lora_rank ? "expanded MLA k and v, heads x (nope + rope + v_dim)" :
            "2 x kv_heads/tp x head_dim",
            (unsigned long long)per_layer_tok, (unsigned long long)a->layers,
            sliding_layers ? "; sliding-window layers hold at most the window" :
            chunked_layers ? "; chunked-attention layers hold at most one chunk" : "");
}

/* Inference activations (docs/methodology.md, section 4): one layer's working set for the
 * tokens of one forward step (the residual stream, its normed copy, the block output and the
 * larger of the attention projections or the MLP intermediates), the attention scores without
 * flash attention (and always on ggml), and bitsandbytes' dequantization buffer. */
static void comp_activations_infer(fp_ctx *c, est_footprint *fp, est_explain *ex)
{
    const est_arch *a = c->a;
    const est_workload *w = c->w;
    uint64_t prefill = w->prefill;
    if (!prefill)
        prefill = w->runtime == EST_RT_VLLM ? 8192 : c->ggml ? LLAMACPP_UBATCH : w->context;
    if (prefill > w->context && w->runtime != EST_RT_VLLM)
        prefill = w->context;
    uint64_t T = w->runtime == EST_RT_VLLM ? prefill : w->batch * prefill;
    if (c->ggml && T > LLAMACPP_UBATCH)
        T = LLAMACPP_UBATCH;
    double actB = c->ggml ? 4.0 : c->B; /* ggml computes in fp32 */
    double dense = layer_transient_values(a, w, 0), moe = a->moe_layers ? layer_transient_values(a, w, 1) : 0;
    double per_tok = dense > moe ? dense : moe;
    double act = (double)T * per_tok * actB;
    double keys = (double)w->context;
    if (!w->flash_attention || c->ggml) /* scores of one layer: heads x queries x keys, compute dtype + fp32 softmax */
        act += (double)(a->heads / c->tp) * (double)T * keys * (c->ggml ? 4.0 : c->B + 4.0);
    fp->bytes[EST_C_ACTIVATIONS] = sat(act) + c->dequant;
    explain(ex, EST_C_ACTIVATIONS,
            "one layer's working set for %llu tokens in one step: %.0f values/token x %g B%s%s",
            (unsigned long long)T, per_tok, actB,
            (!w->flash_attention || c->ggml) ? " + attention scores heads x tokens x keys" : " (flash attention)",
            c->dequant ? " + one 4-bit matrix dequantized (fp16 + cast to the compute dtype)" : "");
}

/* Training activations (docs/methodology.md, section 5): the tensors autograd saves for the
 * backward pass, per token and layer (layer_saved_values), for every trainable layer and every
 * micro-batch in flight (1F1B); with checkpointing, each layer's input plus one layer
 * recomputed; LoRA dropout copies and masks; the inputs old bitsandbytes kept. */
static void comp_activations_train(fp_ctx *c, est_footprint *fp, est_explain *ex)
{
    const est_arch *a = c->a;
    const est_params *p = c->p;
    const est_workload *w = c->w;
    const stage_t *st = c->st;
    const double B = c->B, h = (double)a->hidden;
    uint64_t T = w->batch * w->context;
    uint64_t Lbw = w->finetune == EST_FT_FULL ? stage_trainable_layers(w, st) : st->n;
    /* 1F1B (Narayanan et al. 2021, PipeDream-Flush): stage i holds the activations of up to
     * pp - i micro-batches in flight, no more than the micro-batches of a step (--grad-accum) */
    uint64_t inflight = w->pp - st->index;
    if (inflight > w->grad_accum)
        inflight = w->grad_accum;
    if (inflight == 0)
        inflight = 1;
    double dense_v = layer_saved_values(a, w, 0, B), moe_v = a->moe_layers ? layer_saved_values(a, w, 1, B) : 0;
    double frac_moe = (double)a->moe_layers / (double)a->layers;
    double per_layer = dense_v * (1 - frac_moe) + moe_v * frac_moe;
    double big = dense_v > moe_v ? dense_v : moe_v;
    double act;
    double mb = (double)inflight;
    double extra = lora_extra_bytes(a, p, w, B); /* per token per layer, bytes */
    if (w->finetune == EST_FT_QLORA && w->bnb_legacy)
        /* bitsandbytes < 0.43.2 kept the input of every frozen 4-bit linear: the normed block
         * inputs (two; one where a parallel block's attention and MLP read one norm's output, as
         * phi's do) and the down-projection input (the o_proj input is already kept) */
        extra += ((a->parallel_block && a->norms_per_layer == 1 ? 1.0 : 2.0) * h +
                  (double)a->intermediate / (double)w->tp) * B;
    /* the backward of the last layer starts with its MLP's input gradients (gated: the down
     * projection's input, act(gate) and up; plain: two), held before that layer's saved tensors
     * are released */
    double width = a->moe_layers ? (double)(a->experts_per_tok * a->moe_intermediate + a->shared_experts *
                                            a->moe_intermediate + a->shared_intermediate)
                                 : (double)a->intermediate;
    double mlp_grads = st->head ? (double)T * (a->mlp == EST_MLP_GATED ? 3.0 : 2.0) * width / (double)w->tp * B : 0;
    double head_in = st->head ? (double)T * 2.0 * h * B : 0; /* final norm input and lm_head input */
    double logits = (double)fp->bytes[EST_C_LOGITS];
    double bwd = 0;
    c->act_phase = 0;
    if (w->grad_checkpointing) {
        /* The recompute of a checkpointed layer starts only when the backward reaches that layer,
         * after the loss's backward has released the logits (autograd frees a node's saved
         * tensors once it has run): the logits share the GPU with the checkpoints and the head's
         * inputs at the forward's end, never with a recomputed layer.  The peak is the larger of
         * the two phases; this component is what sits beside the logits, or what the layers'
         * backward exceeds them by.  With --activation-offload every checkpoint goes to pinned
         * host memory on a side stream as the forward makes it and comes back for its layer's
         * recompute (torchtune's OffloadActivations): the GPU holds two, the one being copied
         * and the one in use. */
        double ckpt;
        if (w->activation_offload) {
            ckpt = (double)T * 2.0 * h * B;
            c->act_host = sat(mb * (double)T * (double)Lbw * h * B);
        } else {
            ckpt = mb * (double)T * (double)Lbw * h * B;
        }
        /* offloaded, the side stream's stash keeps only the last five saved tensors on the GPU
         * (max_fwd_stash_size=5): at the forward's end those of the final norm, which head_in
         * counts; the checkpoints have left */
        double fwd_end = (w->activation_offload ? 0 : ckpt) + head_in;
        /* bitsandbytes' dequantized matrix is made in a layer's forward and backward, not beside the logits */
        double layer_bwd = ckpt + (double)T * (big * B + extra) + mlp_grads + (double)c->dequant;
        /* litgpt's finetune scripts hold their list of logit chunks (logits = model(...)) until the
         * step ends: those chunks, fp32 (Fabric's output cast, comp_logits), stay beside the layers'
         * backward; only the rest of the logits component (the log-probabilities, a chunk's
         * gradients) is released before it */
        double held = w->framework == EST_FW_LITGPT && st->head
                          ? (double)T * (double)a->vocab * 4.0 / (double)c->tp
                          : 0;
        if (held > logits)
            held = logits;
        if (layer_bwd - (logits - held) > fwd_end) {
            act = layer_bwd - (logits - held);
            c->act_phase = 2;
        } else {
            act = fwd_end;
            c->act_phase = 1;
        }
        if (!st->head) {
            act = layer_bwd;
            c->act_phase = 0;
        }
    } else {
        act = mb * (double)T * (double)Lbw * (per_layer * B + extra) + head_in;
        /* the loss's own transient (its fp32 gradient) is released before the last layer's
         * backward, so only what its MLP gradients exceed it by adds to the peak */
        bwd = mlp_grads - (double)c->logits_transient;
        if (bwd > 0)
            act += bwd;
    }
    fp->bytes[EST_C_ACTIVATIONS] = (uint64_t)act + (w->grad_checkpointing ? 0 : c->dequant);
    if (w->grad_checkpointing) {
        char ck[96];
        if (c->act_host)
            snprintf(ck, sizeof ck, "2 of the %llu layers' checkpoints x h (the rest in pinned host memory) + ",
                     (unsigned long long)Lbw);
        else
            snprintf(ck, sizeof ck, "%llu layers' checkpoints x h + ", (unsigned long long)Lbw);
        if (c->act_phase == 1)
            explain(ex, EST_C_ACTIVATIONS, "checkpointing%s: %llu tokens x (%s2h of the final norm and head) x %g B (%s), "
                    "beside the logits at the forward's end (a layer's recompute, %.0f values, comes after them)",
                    c->act_host ? ", offloaded" : "", (unsigned long long)T, c->act_host ? "" : ck, B,
                    est_dtype_name(w->compute_dtype), big);
        else if (c->act_phase == 2)
            explain(ex, EST_C_ACTIVATIONS, "checkpointing%s: %llu tokens x (%sone layer's %.0f values%s) x %g B (%s) "
                    "+ the last layer's MLP gradients%s, the layers' backward, which comes after the logits are released: "
                    "counted beyond the logits",
                    c->act_host ? ", offloaded" : "", (unsigned long long)T, ck, big, extra > 0 ? " + LoRA/4-bit extras" : "",
                    B, est_dtype_name(w->compute_dtype), c->dequant ? " + one dequantized 4-bit matrix" : "");
        else
            explain(ex, EST_C_ACTIVATIONS, "checkpointing%s: %llu tokens x (%sone layer's %.0f values%s) x %g B (%s)%s",
                    c->act_host ? ", offloaded" : "", (unsigned long long)T, ck, big, extra > 0 ? " + LoRA/4-bit extras" : "",
                    B, est_dtype_name(w->compute_dtype), c->dequant ? " + one dequantized 4-bit matrix" : "");
    } else {
        explain(ex, EST_C_ACTIVATIONS, "%llu tokens x %llu layers x %.0f saved values/token/layer x %g B (%s)",
                (unsigned long long)T, (unsigned long long)Lbw, per_layer, B, est_dtype_name(w->compute_dtype));
    }
    if (ex && w->pp > 1) {
        size_t len = strlen(ex->text[EST_C_ACTIVATIONS]);
        snprintf(ex->text[EST_C_ACTIVATIONS] + len, sizeof ex->text[EST_C_ACTIVATIONS] - len,
                 "; x %llu micro-batches in flight (1F1B, stage %llu of %llu)", (unsigned long long)inflight,
                 (unsigned long long)st->index, (unsigned long long)w->pp);
    }
    if (ex && !w->grad_checkpointing && (extra > 0 || c->dequant || bwd > 0)) {
        size_t len = strlen(ex->text[EST_C_ACTIVATIONS]);
        snprintf(ex->text[EST_C_ACTIVATIONS] + len, sizeof ex->text[EST_C_ACTIVATIONS] - len, "%s%s%s%s",
                 bwd > 0 ? " + the last layer's MLP gradients at the start of the backward" : "",
                 peft_fp32_adapters(w, B) ? " + each LoRA module's fp32 input copy (PEFT's fp32 adapters)"
                 : w->framework == EST_FW_LITGPT && w->finetune != EST_FT_FULL ? " + litgpt's LoRA dropout copy and index_copy source"
                 : w->lora_dropout > 0 ? " + LoRA dropout copies and masks" : "",
                 w->bnb_legacy && w->finetune == EST_FT_QLORA ? " + inputs kept by frozen 4-bit layers (bnb < 0.43.2)" : "",
                 c->dequant ? " + one dequantized 4-bit matrix" : "");
    }
}

static void comp_activations(fp_ctx *c, est_footprint *fp, est_explain *ex)
{
    if (c->train)
        comp_activations_train(c, fp, ex);
    else
        comp_activations_infer(c, fp, ex);
}

/* Logits (docs/methodology.md, sections 4 and 5), on the stage holding the head.  Inference: the
 * last position of each sequence, in the compute dtype and in fp32 for sampling (vLLM profiles
 * max_num_seqs of them).  Training: the logits of every token, their fp32 upcast kept by the
 * loss and its fp32 gradient, one chunk at a time with a chunked loss. */
static void comp_logits(fp_ctx *c, est_footprint *fp, est_explain *ex)
{
    const est_workload *w = c->w;
    const uint64_t V = c->a->vocab, Bi = c->Bi, tp = c->tp;
    if (!c->train) {
        uint64_t seqs = w->runtime == EST_RT_VLLM ? w->max_num_seqs : w->batch;
        fp->bytes[EST_C_LOGITS] = c->st->head ? seqs * V * (c->ggml ? 4 : Bi + 4) / (c->ggml ? 1 : tp) : 0;
        explain(ex, EST_C_LOGITS, "%llu sequences x vocab %llu x (%s4 B fp32 for sampling)%s",
                (unsigned long long)seqs, (unsigned long long)V,
                c->ggml ? "" : w->compute_dtype == EST_DT_BF16 ? "2 B bf16 + " : w->compute_dtype == EST_DT_FP16 ? "2 B fp16 + "
                : "4 B fp32 + ",
                w->runtime == EST_RT_VLLM ? " (vLLM profiles max_num_seqs)" : "");
        return;
    }
    uint64_t T = w->batch * w->context;
    uint64_t lt = w->loss_chunk ? (w->loss_chunk < T ? w->loss_chunk : T) : T;
    uint64_t kept, transient;
    if (w->framework == EST_FW_LITGPT) {
        /* litgpt's finetune scripts run the head in 128-token chunks (lm_head_chunk_size=128) and
         * keep the list of chunks until the step ends.  Lightning Fabric casts a module's outputs
         * to the default dtype (HalfPrecision.convert_output: fp32), so the chunks kept are fp32
         * whatever the compute dtype, and each chunk's cross-entropy keeps its fp32
         * log-probabilities; the loss's backward holds one chunk's two fp32 gradients (nll_loss's
         * dense one, log_softmax's) */
        lt = w->loss_chunk ? lt : (T < 128 ? T : 128);
        kept = T * V * 8;
        transient = lt * V * 8;
        explain(ex, EST_C_LOGITS, "%llu tokens x vocab %llu x (4 B fp32 logits, Fabric's output cast, + 4 B fp32 "
                "log-probabilities), kept by litgpt's chunked loss; + one %llu-token chunk's two fp32 gradients",
                (unsigned long long)T, (unsigned long long)V, (unsigned long long)lt);
    } else if (w->framework == EST_FW_TORCHTUNE && w->loss_chunk) {
        /* torchtune's CEWithChunkedOutputLoss upcasts one chunk at a time, but autograd keeps every
         * chunk's fp32 log-probabilities beside the B-byte chunks; compiled, the loss keeps the
         * B-byte chunk and a per-row logsumexp instead */
        kept = T * V * (w->compile ? Bi : Bi + 4);
        /* compiled, the loss's backward is one fused kernel writing the B-byte gradient of a chunk */
        transient = lt * V * (w->compile ? Bi : Bi + 8);
        explain(ex, EST_C_LOGITS, "%llu tokens x vocab %llu x %s kept by the chunked loss; + one %llu-token chunk's %s",
                (unsigned long long)T, (unsigned long long)V,
                w->compile ? "(B-byte logits, compiled)" : "(B-byte logits + 4 B fp32 log-probabilities)",
                (unsigned long long)lt, w->compile ? "B-byte gradient (fused)" : "upcast (B-byte logits + 4 B fp32 copy + 4 B fp32 gradient)");
    } else if (w->framework == EST_FW_TORCHTUNE && !w->loss_chunk) {
        /* torchtune: output(h).float() (the B-byte logits are not kept), and the recipes delete their
         * logits before the backward (_loss_step: del logits).  Eager, the loss keeps its fp32
         * log-probabilities, and its backward holds them with their gradient and the logits' (nll_loss's
         * dense gradient, then log_softmax's): three fp32 copies.  The full fine-tune recipe discards the
         * compiled loss (training.compile_loss's return value is not kept: full_finetune_single_device.py
         * at 1814feb17), the LoRA recipe keeps it: compiled, the loss keeps its fp32 input and writes one
         * fp32 gradient */
        int compiled = w->compile && w->finetune != EST_FT_FULL;
        kept = T * V * 4;
        transient = T * V * (compiled ? 4 : 8);
        explain(ex, EST_C_LOGITS, "%llu tokens x vocab %llu x %s (torchtune: output(h).float(), logits deleted before the "
                "backward)", (unsigned long long)T, (unsigned long long)V,
                compiled ? "(4 B fp32 input kept by the compiled loss + 4 B fp32 gradient)"
                         : "(4 B fp32 log-probabilities + 4 B their gradient + 4 B the logits' gradient)");
    } else {
        kept = lt * V * (Bi + 4);
        transient = lt * V * 4;
        explain(ex, EST_C_LOGITS, "%llu tokens x vocab %llu x (%g B logits + 4 B fp32 copy + 4 B fp32 gradient)%s",
                (unsigned long long)lt, (unsigned long long)V, c->B,
                w->loss_chunk ? " (chunked loss: one chunk at a time)" : "");
    }
    fp->bytes[EST_C_LOGITS] = c->st->head ? (kept + transient) / tp : 0;
    c->logits_transient = c->st->head ? transient / tp : 0;
}

/* Gradients (docs/methodology.md, section 5): one per trainable parameter, 16-bit for a full
 * fine-tune outside fp32 (ZeRO's accounting), fp32 for adapters in mixed precision; sharded by
 * ZeRO-2/3. */
static void comp_gradients(fp_ctx *c, est_footprint *fp, est_explain *ex)
{
    const est_workload *w = c->w;
    if (!c->train)
        return;
    double grad_bytes;
    if (w->finetune == EST_FT_FULL)
        grad_bytes = w->precision == EST_PREC_FP32 ? 4.0 : c->B; /* ZeRO accounting: 16-bit grads */
    else
        grad_bytes = w->precision == EST_PREC_PURE && !peft_fp32_adapters(w, c->B) ? c->B : 4.0; /* fp32 adapters */
    c->grad_bytes = grad_bytes;
    uint64_t grads = ceil_div(sat((double)c->tpart.trainable * grad_bytes), c->tp);
    if (w->zero_stage >= 2)
        grads = ceil_div(grads, w->dp);
    fp->bytes[EST_C_GRADIENTS] = grads;
    explain(ex, EST_C_GRADIENTS, "%llu trainable params x %g B%s", (unsigned long long)c->tpart.trainable, grad_bytes,
            w->zero_stage >= 2 ? " / dp (ZeRO-2/3)" : "");
}

/* Optimizer states (docs/methodology.md, section 5): per optimizer, tensor by tensor
 * (opt_tensor_bytes), in --optimizer-dtype; sharded by ZeRO-1+. */
static void comp_optimizer(fp_ctx *c, est_footprint *fp, est_explain *ex)
{
    const est_workload *w = c->w;
    if (!c->train)
        return;
    uint64_t opt = ceil_div(c->tpart.opt_state_bytes, c->tp);
    if (w->zero_stage >= 1)
        opt = ceil_div(opt, w->dp);
    fp->bytes[EST_C_OPTIMIZER] = opt;
    int sized = w->optimizer == EST_OPT_ADAMW || w->optimizer == EST_OPT_SGDM || w->optimizer == EST_OPT_LION;
    explain(ex, EST_C_OPTIMIZER, "%s states for %llu trainable params (%s%s%s)%s", est_optimizer_name(w->optimizer),
            (unsigned long long)c->tpart.trainable,
            w->optimizer == EST_OPT_ADAMW ? "m and v" : w->optimizer == EST_OPT_ADAMW8 ? "8-bit m and v + block absmax"
            : w->optimizer == EST_OPT_ADAFACTOR ? "row + column second moments" : w->optimizer == EST_OPT_SGD ? "none"
            : "one momentum",
            sized ? ", " : "", sized ? (c->state_bytes == 4.0 ? "fp32" : "16-bit") : "",
            w->zero_stage >= 1 ? " / dp (ZeRO-1+)" : "");
}

/* LoRA adapters (Hu et al. 2021; docs/methodology.md, section 5): r x (d_in + d_out) per targeted
 * matrix, in the compute dtype in pure precision, fp32 in mixed. */
static void comp_adapter(fp_ctx *c, est_footprint *fp, est_explain *ex)
{
    const est_workload *w = c->w;
    if (!c->train || w->finetune == EST_FT_FULL)
        return;
    double ab = w->precision == EST_PREC_PURE && !peft_fp32_adapters(w, c->B) ? c->B : 4.0;
    fp->bytes[EST_C_ADAPTER] = ceil_div(sat((double)c->tpart.lora_params * ab), c->tp);
    explain(ex, EST_C_ADAPTER, "LoRA r=%u: r x (d_in + d_out) per targeted matrix = %llu params x %g B%s "
            "(alpha scales the update, it costs no memory)", w->lora_rank,
            (unsigned long long)c->tpart.lora_params, ab, peft_fp32_adapters(w, c->B) ? " (PEFT makes them fp32)" : "");
}

/* Runtime overhead (docs/methodology.md, section 6): the CUDA context (outside every allocator),
 * cuBLAS' workspace, vLLM's non-torch memory and CUDA graphs, llama.cpp's fixed buffers; for
 * data-parallel or offloaded training, DDP's gradient buckets or DeepSpeed's reduce and
 * all-gather buckets. */
static void comp_runtime(fp_ctx *c, est_footprint *fp, est_explain *ex)
{
    const est_workload *w = c->w;
    uint64_t rt = 0, outside = 0;
    const char *rt_text = "";
    switch (w->runtime) {
    case EST_RT_TRANSFORMERS:
        outside = CUDA_CONTEXT;
        rt = CUDA_CONTEXT + CUBLAS_WORKSPACE;
        rt_text = "CUDA context (outside torch's allocator) + cuBLAS workspace";
        break;
    case EST_RT_VLLM:
        outside = CUDA_CONTEXT + (w->cuda_graphs ? VLLM_CUDA_GRAPHS : 0);
        rt = VLLM_NON_TORCH + outside;
        rt_text = w->cuda_graphs ? "vLLM non-torch memory (in its budget) + CUDA context and CUDA graphs (outside it)"
                                 : "vLLM non-torch memory (in its budget) + CUDA context (outside it)";
        break;
    case EST_RT_LLAMACPP:
        rt = LLAMACPP_FIXED;
        rt_text = "llama.cpp fixed host buffers";
        break;
    default:
        rt_text = "none (bare tensors)";
        break;
    }
    fp->outside_allocator = outside;
    if (c->train && (w->dp > 1 || w->offload != EST_OFFLOAD_NONE)) {
        /* the buckets gradients are reduced through, on the GPU also when they go to the host */
        uint64_t tr = fp->trainable;
        if (w->zero_stage == 0)
            rt += (uint64_t)((double)tr * c->B); /* DDP bucket copy of the gradients */
        else /* a reduce bucket, and an all-gather bucket among two or more ranks (one rank gathers nothing) */
            rt += ((tr < DS_BUCKET ? tr : DS_BUCKET) * (w->dp > 1 ? 2 : 1) +
                   (w->zero_stage == 3 ? (c->p->total < DS_PREFETCH ? c->p->total : DS_PREFETCH) : 0)) * c->Bi;
    }
    fp->bytes[EST_C_RUNTIME] = rt;
    explain(ex, EST_C_RUNTIME, "%s%s", rt_text,
            c->train && (w->dp > 1 || w->offload) ? (w->zero_stage ? " + DeepSpeed reduce/all-gather buckets"
                                                                    : " + DDP gradient buckets") : "");
}

/* ====================================================================== placement
 * What moves off the GPU once the components are known (docs/methodology.md, "CPU offload"). */

/* Gradients beside the activations (docs/methodology.md, section 5, "When gradients exist").
 * optimizer.zero_grad() frees the gradients (set_to_none, PyTorch's default since 2.0), so a
 * step's forward runs without them; the backward creates each parameter's gradient as it
 * releases the activations behind it.  On one GPU without accumulation, ZeRO, offload or
 * pipeline stages the peak is the larger of the forward's end (activations and logits, and
 * the head's gradient, the first the backward makes) and the backward's end (all gradients):
 * gradients count only beyond the activations.  DDP's buckets, ZeRO's partitions and
 * accumulation keep gradients across the forward: counted whole.  --optimizer-in-backward
 * (torchtune's optimizer_in_bwd) steps each parameter as its gradient is made and frees it:
 * one parameter's gradient, the largest, at a time. */
static void place_gradients(fp_ctx *c, est_footprint *fp, est_explain *ex)
{
    const est_arch *a = c->a;
    const est_params *p = c->p;
    const est_workload *w = c->w;
    uint64_t *b = fp->bytes;
    if (!c->train || w->dp > 1 || w->zero_stage > 0 || w->offload != EST_OFFLOAD_NONE || w->pp > 1)
        return;
    /* the largest trainable tensor, and the head's (the embedding's when tied), in values */
    uint64_t largest = 0, head = 0;
    for (size_t i = 0; i < p->nlinears; i++) {
        const est_linear *l = &p->linears[i];
        uint64_t n = w->finetune == EST_FT_FULL ? l->d_in * l->d_out
                     : targeted(l, w->lora_targets) ? (uint64_t)w->lora_rank * (l->d_in > l->d_out ? l->d_in : l->d_out)
                                                   : 0;
        if (n > largest)
            largest = n;
        if (l->mod == EST_MOD_LM_HEAD)
            head = n;
    }
    if (w->finetune == EST_FT_FULL && w->frozen_layers == 0) {
        uint64_t emb = a->vocab * a->hidden;
        if (emb > largest)
            largest = emb;
        if (a->tied_embeddings)
            head = emb;
    }
    /* A head run in chunks (litgpt's 128-token chunks, torchtune's chunked output) is used once per
     * chunk: autograd sums the weight's gradients from its uses in the engine's input buffer
     * (torch/csrc/autograd/input_buffer.cpp, InputBuffer::add), and each chunk's gradient is made
     * beside the running sum before it is added: two head gradients at the loss's backward. */
    int chunked_head = head && (w->framework == EST_FW_LITGPT || (w->framework == EST_FW_TORCHTUNE && w->loss_chunk));
    uint64_t first = ceil_div(sat((double)head * c->grad_bytes), c->tp) * (chunked_head ? 2 : 1);
    uint64_t one = ceil_div(sat((double)largest * c->grad_bytes), c->tp);
    uint64_t all = b[EST_C_GRADIENTS];
    if (w->optimizer_in_backward) {
        b[EST_C_GRADIENTS] = one < all ? one : all;
        if (first > b[EST_C_GRADIENTS])
            b[EST_C_GRADIENTS] = first;
        explain(ex, EST_C_GRADIENTS, "optimizer step in the backward (--optimizer-in-backward): one parameter's "
                "gradient at a time, the largest %llu values x %g B (%.2f GiB for all %llu)%s", (unsigned long long)largest,
                c->grad_bytes, gib(all), (unsigned long long)c->tpart.trainable,
                chunked_head && first > one ? "; the chunked head's running sum and one chunk's gradient at the loss's backward" : "");
        return;
    }
    /* the step after the backward: torch.optim.AdamW's default foreach implementation takes the
     * square root of every second moment at once (torch/optim/adamw.py, _multi_tensor_adamw:
     * _foreach_sqrt), a temporary of the second moments' size beside the gradients; torchtune
     * configures fused=True, which steps in place */
    uint64_t temp = 0;
    if (w->framework != EST_FW_TORCHTUNE && w->optimizer == EST_OPT_ADAMW && !w->paged_optimizer)
        temp = b[EST_C_OPTIMIZER] / 2;
    uint64_t held = b[EST_C_ACTIVATIONS] + b[EST_C_LOGITS];
    if (w->grad_accum > 1) {
        /* accumulation keeps the gradients across the micro-batches' forward passes: counted whole,
         * and the step's temporary beyond the activations it follows */
        b[EST_C_GRADIENTS] = all + (temp > held ? temp - held : 0);
        if (temp > held)
            explain(ex, EST_C_GRADIENTS, "%llu trainable params x %g B, kept across --grad-accum %llu micro-batches; + the "
                    "foreach AdamW step's sqrt(v) temporary beyond the activations", (unsigned long long)c->tpart.trainable,
                    c->grad_bytes, (unsigned long long)w->grad_accum);
        return;
    }
    /* a tied embedding is used twice (the lookup and the head): its second gradient, made by the
     * lookup's backward at the end, is held beside the running sum of the head's (the same
     * InputBuffer::add as above) while every other gradient exists */
    uint64_t second = w->finetune == EST_FT_FULL && a->tied_embeddings && w->frozen_layers == 0 && c->st->emb && c->st->head
                      ? ceil_div(sat((double)(a->vocab * a->hidden) * c->grad_bytes), c->tp) : 0;
    uint64_t end = all + temp + second;
    uint64_t beyond = end > held ? end - held : 0;
    b[EST_C_GRADIENTS] = beyond > first ? beyond : first;
    explain(ex, EST_C_GRADIENTS, "%llu trainable params x %g B = %.2f GiB%s, made in the backward as the activations "
            "are released: counted beyond them (%.2f GiB), at least the head's gradient made first%s",
            (unsigned long long)c->tpart.trainable, c->grad_bytes, gib(all),
            temp && second ? " + the foreach AdamW step's sqrt(v) temporary + the tied embedding's second gradient"
            : temp ? " + the foreach AdamW step's sqrt(v) temporary"
            : second ? " + the tied embedding's second gradient" : "", gib(held),
            chunked_head ? " (run in chunks: its running sum and one chunk's gradient)" : "");
}

/* Training: ZeRO-Offload / ZeRO-Infinity / FSDP CPU offload and bitsandbytes' paged optimizers.
 * What moves is left, per GPU, in fp->host_offload (fp->host_pinned: the page-locked part). */
static void place_train_offload(fp_ctx *c, est_footprint *fp, est_explain *ex)
{
    const est_workload *w = c->w;
    const est_params *p = c->p;
    uint64_t *b = fp->bytes;
    if (!c->train)
        return;
    uint64_t off = 0, pinned = 0, dp = w->dp, zs = (uint64_t)w->zero_stage;
    if (w->offload != EST_OFFLOAD_NONE) {
        /* ZeRO-Offload (Ren et al. 2021, section 4): the gradients, the fp32 master weights and the
         * optimizer states live on the host, where the optimizer step runs (16M -> 2M bytes per
         * parameter on the GPU for mixed-precision Adam); the GPU keeps the 16-bit weights */
        off = c->master + b[EST_C_GRADIENTS] + b[EST_C_OPTIMIZER];
        b[EST_C_WEIGHTS] = c->wcopy;
        b[EST_C_GRADIENTS] = b[EST_C_OPTIMIZER] = 0;
        explain(ex, EST_C_WEIGHTS, "%.4g B params as %s%s on the GPU; the fp32 master copy on the host "
                "(--offload optimizer)", (double)p->total / 1e9, est_dtype_name(c->wdt),
                zs >= 3 && dp > 1 ? " / dp (ZeRO-3) + 2 gathered layers" : "");
        if (w->offload == EST_OFFLOAD_PARAMS) {
            /* ZeRO-Infinity / FSDP CPU offload: the 16-bit weights' shard on the host too; the GPU
             * gathers a layer at a time and prefetches the next: two layers (or the embedding) */
            off += ceil_div(c->w16, dp);
            b[EST_C_WEIGHTS] = c->gathered < c->w16 ? c->gathered : c->w16;
            explain(ex, EST_C_WEIGHTS, "%.4g B params in the host (--offload params); on the GPU the 2 layers "
                    "being gathered and prefetched (or the embedding) as %s", (double)p->total / 1e9,
                    est_dtype_name(c->wdt));
        }
        explain(ex, EST_C_GRADIENTS, "on the host (--offload %s): %llu trainable params' gradients",
                w->offload == EST_OFFLOAD_PARAMS ? "params" : "optimizer", (unsigned long long)c->tpart.trainable);
        explain(ex, EST_C_OPTIMIZER, "on the host (--offload %s): %s states and the fp32 master copy; %.2f GiB per GPU "
                "moved there in all%s", w->offload == EST_OFFLOAD_PARAMS ? "params" : "optimizer",
                est_optimizer_name(w->optimizer), gib(off), w->pin_memory ? ", pinned" : "");
        if (w->pin_memory)
            pinned = off; /* DeepSpeed allocates the offloaded partitions in page-locked memory */
    }
    if (w->paged_optimizer) {
        /* bitsandbytes paged optimizers (QLoRA, Dettmers et al. 2023): the states live in CUDA
         * unified memory and are paged to the host when the GPU runs short, so a fit need not
         * hold them: they are counted in the host figure, not in need */
        fp->paged = b[EST_C_OPTIMIZER];
        off += fp->paged;
        b[EST_C_OPTIMIZER] = 0;
        explain(ex, EST_C_OPTIMIZER, "paged (--paged-optimizer): %.2f GiB of %s states in unified memory, on the GPU "
                "while it has room, paged to the host when not: counted in host, not here",
                gib(fp->paged), est_optimizer_name(w->optimizer));
    }
    if (c->act_host) { /* --activation-offload: torchtune pins the host buffers (use_pin_memory) */
        off += c->act_host;
        pinned += c->act_host;
    }
    fp->host_offload = off;
    fp->host_pinned = pinned;
}

/* vLLM --cpu-offload-gb: that many GiB of each GPU's weights stay in pinned host memory and
 * are streamed in for every forward pass (vLLM's engine arguments; its offloader pins them) */
static void place_vllm_offload(fp_ctx *c, est_footprint *fp, est_explain *ex)
{
    const est_workload *w = c->w;
    if (c->train || w->runtime != EST_RT_VLLM || !w->cpu_offload)
        return;
    uint64_t movable = fp->bytes[EST_C_WEIGHTS];
    uint64_t off = w->cpu_offload < movable ? w->cpu_offload : movable;
    fp->bytes[EST_C_WEIGHTS] -= off;
    fp->host_offload = fp->host_pinned = off;
    if (ex) {
        size_t len = strlen(ex->text[EST_C_WEIGHTS]);
        snprintf(ex->text[EST_C_WEIGHTS] + len, sizeof ex->text[EST_C_WEIGHTS] - len,
                 "; less %.2f GiB in pinned host memory (--cpu-offload-gb)", gib(off));
    }
}

/* llama.cpp -ngl K (llama-model.cpp): the last K repeating layers on the GPU, the output
 * layer too when K exceeds the layer count, the token embedding always on the host; each
 * layer's KV cache where its layer is, or all on the host with --no-kv-offload; the logits'
 * output buffer on the host.  The GPU runs the compute graph (a compute buffer of the
 * activations' size), and so does the host while any layer stays there. */
static void place_llamacpp_split(fp_ctx *c, est_footprint *fp, est_explain *ex)
{
    const est_arch *a = c->a;
    const est_workload *w = c->w;
    uint64_t *b = fp->bytes;
    if (!c->ggml || !w->ngl_set)
        return;
    uint64_t L = a->layers ? a->layers : 1;
    uint64_t g = w->n_gpu_layers < L ? w->n_gpu_layers : L;
    int head_gpu = w->n_gpu_layers > L;
    uint64_t layers_w = ceil_div(c->layer_w, c->tp) + c->small, gpu_w = mul_div(layers_w, g, L, 1);
    if (head_gpu)
        gpu_w += ceil_div(c->head_w, c->tp);
    uint64_t gpu_kv = w->no_kv_offload ? 0 : mul_div(b[EST_C_KV], g, L, 1);
    uint64_t host = (b[EST_C_WEIGHTS] - gpu_w) + (b[EST_C_KV] - gpu_kv) + b[EST_C_LOGITS] + b[EST_C_RUNTIME] +
                    (g < L ? b[EST_C_ACTIVATIONS] : 0);
    if (ex) {
        size_t len = strlen(ex->text[EST_C_WEIGHTS]);
        snprintf(ex->text[EST_C_WEIGHTS] + len, sizeof ex->text[EST_C_WEIGHTS] - len,
                 "; on the GPU: %llu of %llu layers%s (-ngl %llu), the rest on the host",
                 (unsigned long long)g, (unsigned long long)L, head_gpu ? " and the output" : "",
                 (unsigned long long)w->n_gpu_layers);
        len = strlen(ex->text[EST_C_KV]);
        snprintf(ex->text[EST_C_KV] + len, sizeof ex->text[EST_C_KV] - len, "%s",
                 w->no_kv_offload ? "; all on the host (--no-kv-offload)" : "; the GPU layers' part on the GPU");
    }
    b[EST_C_WEIGHTS] = gpu_w;
    b[EST_C_KV] = gpu_kv;
    b[EST_C_LOGITS] = 0;
    fp->host_offload = host;
    fp->kv_bytes_per_token = w->no_kv_offload ? 0 : fp->kv_bytes_per_token * g / L;
    b[EST_C_RUNTIME] = CUDA_CONTEXT;
    fp->outside_allocator = CUDA_CONTEXT;
    explain(ex, EST_C_RUNTIME, "%s", "CUDA context (the fixed host buffers are on the host)");
}

/* ====================================================================== footprint */

/* One stage's per-GPU footprint (the whole model when pp is 1): the components, then what the
 * placement options move to the host (left per GPU in fp->host_offload and fp->host_pinned;
 * est_footprint_compute turns those into the replica's host figure). */
static int stage_compute(const est_arch *a, const est_params *p, const est_workload *w, const stage_t *st,
                         est_footprint *fp, est_explain *ex, fp_error *err)
{
    memset(fp, 0, sizeof *fp);
    if (ex)
        memset(ex, 0, sizeof *ex);
    fp_ctx c;
    if (ctx_init(&c, a, p, w, st, fp, err) != 0)
        return -1;
    comp_weights(&c, fp, ex);
    comp_kv(&c, fp, ex);
    comp_logits(&c, fp, ex); /* before the activations: the backward's working set is compared with its transient */
    comp_activations(&c, fp, ex);
    comp_gradients(&c, fp, ex);
    comp_optimizer(&c, fp, ex);
    comp_adapter(&c, fp, ex);
    comp_runtime(&c, fp, ex);
    place_gradients(&c, fp, ex);
    place_train_offload(&c, fp, ex);
    place_vllm_offload(&c, fp, ex);
    place_llamacpp_split(&c, fp, ex);

    uint64_t total = 0;
    for (int i = 0; i < EST_C_COUNT; i++)
        total += fp->bytes[i];
    fp->total = total;
    memory_figures(w, fp);
    return 0;
}

int est_footprint_compute(const est_arch *a, const est_params *p, const est_workload *w, est_footprint *fp,
                          est_explain *ex, fp_error *err)
{
    if (est_workload_check(a, w, err) != 0)
        return -1;
    const uint64_t pp = w->pp ? w->pp : 1;
    /* processes that hold one stage's offload: its tensor-parallel ranks (each data-parallel rank's) */
    const uint64_t ranks = w->tp * (w->mode == EST_MODE_TRAIN && w->dp ? w->dp : 1);
    uint64_t off = 0, pinned = 0, largest = 0;
    if (pp == 1) {
        stage_t st = {0, 0, a->layers, 1, 1};
        if (stage_compute(a, p, w, &st, fp, ex, err) != 0)
            return -1;
        off = fp->host_offload * (est_on_host(w) ? 1 : ranks);
        pinned = fp->host_pinned * ranks;
    } else {
        /* each stage on its own GPUs; the figure of the largest (by need) is the per-GPU figure a
         * plan gives every GPU of the job (conservative: docs/methodology.md) */
        est_stage stages[EST_MAX_STAGES];
        est_footprint sf;
        for (uint64_t i = 0; i < pp; i++) {
            stage_t st = {i, 0, 0, i == 0, i == pp - 1};
            st.n = est_stage_layers(a->layers, pp, i, &st.first);
            if (stage_compute(a, p, w, &st, &sf, NULL, err) != 0)
                return -1;
            est_stage *o = &stages[i];
            memset(o, 0, sizeof *o);
            o->first_layer = st.first;
            o->layers = st.n;
            o->embedding = st.emb;
            o->head = st.head;
            memcpy(o->bytes, sf.bytes, sizeof o->bytes);
            o->total = sf.total;
            o->device = sf.device;
            o->need = sf.need;
            off += sf.host_offload * ranks;
            pinned += sf.host_pinned * ranks;
            if (sf.need > stages[largest].need)
                largest = i;
        }
        stage_t st = {largest, stages[largest].first_layer, stages[largest].layers, largest == 0, largest == pp - 1};
        if (stage_compute(a, p, w, &st, fp, ex, err) != 0)
            return -1;
        memcpy(fp->stages, stages, sizeof stages);
        fp->nstages = pp;
        fp->largest_stage = largest;
    }
    uint64_t base_pinned;
    fp->host = add_held(host_bytes(w, &base_pinned), off);
    fp->host_pinned = add_held(base_pinned, pinned);
    fp->host_offload = off;
    if (fp->nstages == 0) {
        fp->nstages = 1;
        fp->stages[0] = (est_stage){.first_layer = 0, .layers = a->layers, .embedding = 1, .head = 1,
                                    .total = fp->total, .device = fp->device, .need = fp->need};
        memcpy(fp->stages[0].bytes, fp->bytes, sizeof fp->bytes);
    }
    return 0;
}

/* ====================================================================== capacity */

int est_vllm_kv_capacity(const est_footprint *fp, const est_workload *w, uint64_t gpu_bytes, uint64_t *kv_tokens)
{
    double budget = w->gpu_memory_utilization * (double)gpu_bytes;
    double fixed = (double)(fp->total - fp->bytes[EST_C_KV] - fp->outside_allocator);
    *kv_tokens = 0;
    if (fixed >= budget || fp->kv_bytes_per_token == 0 || fp->kv_tokens == 0)
        return -1;
    /* bytes per token as this workload uses them (sliding windows make long contexts cheaper) */
    double per_token = (double)fp->bytes[EST_C_KV] / (double)fp->kv_tokens;
    uint64_t tokens = sat((budget - fixed) / per_token);
    *kv_tokens = tokens / w->block_size * w->block_size;
    return 0;
}

uint64_t est_vllm_takes(const est_footprint *fp, const est_workload *w, uint64_t gpu_bytes)
{
    return (uint64_t)ceil(w->gpu_memory_utilization * (double)gpu_bytes) + fp->outside_allocator;
}

int est_fits(const est_footprint *fp, const est_workload *w, uint64_t gpu_bytes)
{
    if (fp->need > gpu_bytes)
        return 0;
    /* vLLM started with the user's utilization: what it profiles fits the share, and the share
     * with what it keeps outside its budget fits the GPU.  Without one, the plan's own
     * utilization ((allocated + margin) / total) always fits once need does. */
    if (w->runtime == EST_RT_VLLM && w->gmu_set)
        return (double)(fp->allocated + fp->margin) <= w->gpu_memory_utilization * (double)gpu_bytes &&
               est_vllm_takes(fp, w, gpu_bytes) <= gpu_bytes;
    return 1;
}

static int fits(const est_arch *a, const est_params *p, const est_workload *w, uint64_t gpu_bytes)
{
    est_footprint fp;
    if (est_footprint_compute(a, p, w, &fp, NULL, NULL) != 0)
        return 0;
    return est_fits(&fp, w, gpu_bytes);
}

uint64_t est_max_batch(const est_arch *a, const est_params *p, const est_workload *w, uint64_t gpu_bytes)
{
    est_workload t = *w;
    uint64_t lo = 0, hi = 1;
    const uint64_t limit = w->runtime == EST_RT_VLLM ? w->max_num_seqs : 1ULL << 20;
    t.batch = 1;
    if (!fits(a, p, &t, gpu_bytes))
        return 0;
    lo = 1;
    while (hi < limit) {
        t.batch = hi * 2 > limit ? limit : hi * 2;
        if (!fits(a, p, &t, gpu_bytes))
            break;
        lo = hi = t.batch;
    }
    if (lo == limit)
        return limit;
    hi = t.batch; /* does not fit */
    while (hi - lo > 1) {
        t.batch = lo + (hi - lo) / 2;
        if (fits(a, p, &t, gpu_bytes))
            lo = t.batch;
        else
            hi = t.batch;
    }
    return lo;
}

uint64_t est_max_context(const est_arch *a, const est_params *p, const est_workload *w, uint64_t gpu_bytes)
{
    est_workload t = *w;
    uint64_t limit = est_context_limit(a, w) ? est_context_limit(a, w) : (1ULL << 24);
    t.context = 1;
    if (!fits(a, p, &t, gpu_bytes))
        return 0;
    t.context = limit;
    if (fits(a, p, &t, gpu_bytes))
        return limit;
    uint64_t lo = 1, hi = limit;
    while (hi - lo > 1) {
        t.context = lo + (hi - lo) / 2;
        if (fits(a, p, &t, gpu_bytes))
            lo = t.context;
        else
            hi = t.context;
    }
    return lo;
}
