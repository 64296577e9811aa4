/* estimator.h: exact parameter counts and per-GPU memory footprints.
 *
 * Pure functions: no I/O, no globals, no allocation.  Inputs are an architecture
 * (est_arch, filled by the inventory module from a catalog entry or a config.json)
 * and a workload (est_workload); outputs are plain structs.  Every formula is
 * documented in docs/methodology.md with its source.
 */
#ifndef FEDPLAN_ESTIMATOR_H
#define FEDPLAN_ESTIMATOR_H

#include <stddef.h>
#include <stdint.h>

#include "../common/fperror.h"

/* ====================================================================== architecture */

typedef enum {
    EST_MLP_GATED, /* SwiGLU/GeGLU: gate, up, down (llama, mistral, qwen2, gemma, phi3) */
    EST_MLP_PLAIN  /* fc, act, proj (gpt2, gpt_bigcode, phi, gpt_neox) */
} est_mlp_kind;

typedef enum {
    EST_NORM_RMS,  /* weight only */
    EST_NORM_LAYER /* weight and bias */
} est_norm_kind;

#define EST_MAX_LAYERS 1024

/* A vision tower beside the language model (multimodal configs).  Counted apart from
 * the decoder (est_params.vision), held in memory when the runtime loads it. */
typedef enum {
    EST_VIS_NONE,
    EST_VIS_SIGLIP, /* gemma3: SigLIP vision transformer + Gemma3MultiModalProjector */
    EST_VIS_LLAMA4  /* llama4: Llama4VisionModel (unfold patches, pixel-shuffle adapter) + linear projector */
} est_vision_kind;

typedef struct est_vision {
    est_vision_kind kind;
    uint64_t hidden;        /* vision_config.hidden_size */
    uint64_t intermediate;  /* vision_config.intermediate_size */
    uint64_t layers;        /* vision_config.num_hidden_layers */
    uint64_t heads;         /* vision_config.num_attention_heads (siglip head only) */
    uint64_t channels;      /* num_channels */
    uint64_t image;         /* image_size (square) */
    uint64_t patch;         /* patch_size */
    int pooling_head;       /* siglip: vision_use_head (attention-pooling head) */
    uint64_t proj_in, proj_out; /* llama4: projector_input_dim, projector_output_dim */
    uint64_t output_dim;    /* llama4: vision_output_dim (input of the projector to the text model) */
} est_vision;

typedef struct est_arch {
    char model_type[32];
    uint64_t vocab;
    uint64_t hidden;
    uint64_t layers;
    uint64_t heads;
    uint64_t kv_heads;      /* == heads for MHA, 1 for MQA */
    uint64_t head_dim;      /* explicit or hidden / heads */
    uint64_t intermediate;  /* dense MLP width */
    uint64_t max_positions; /* context the model was built for (max_position_embeddings, n_positions) */
    uint64_t rope_positions; /* rope_scaling: factor x original_max_position_embeddings (0: no scaling);
                                the model accepts contexts up to max(max_positions, rope_positions) */
    int tied_embeddings;
    int learned_positions;  /* gpt2-style position embedding table */
    int qkv_bias;           /* biases on q, k, v (qwen2, gpt2) */
    int o_bias;             /* bias on the attention output projection */
    int mlp_bias;           /* biases in the MLP */
    int fused_qkv;          /* one qkv matrix (phi3, gpt2): same count, LoRA sees one module */
    int fused_gate_up;      /* phi3 */
    int lm_head_bias;       /* phi: the untied output head has a bias of vocab values */
    int parallel_block;     /* phi, gpt_neox (use_parallel_residual): attention and MLP read the same
                               layer input; no parameter changes (phi has one norm per layer, neox two) */
    est_mlp_kind mlp;
    est_norm_kind norm;
    int norms_per_layer;    /* 2 (pre-attn, pre-mlp); gemma2 has 4 */
    int final_norm;         /* 1 when a final norm follows the last layer */
    int qk_norm;            /* q_norm and k_norm of head_dim per layer, of the model's norm kind (RMSNorm
                               weight: qwen3, gemma3; LayerNorm weight and bias: phi's qk_layernorm) */
    int attn_sinks;         /* gpt_oss: one learned sink logit per attention head per layer */

    /* sliding-window attention: window > 0 caps the KV of sliding layers */
    uint64_t sliding_window;
    uint64_t sliding_layers; /* how many layers use the window (all for mistral, half for gemma2) */
    /* chunked local attention (llama4): chunk > 0 caps the KV of chunked layers at the chunk */
    uint64_t attn_chunk;
    uint64_t chunked_layers;

    /* mixture of experts (0 experts = dense) */
    uint64_t experts;           /* routed experts per MoE layer */
    uint64_t experts_per_tok;
    uint64_t moe_intermediate;  /* width of one routed expert */
    uint64_t shared_experts;    /* deepseek: count of shared experts of width moe_intermediate */
    uint64_t shared_intermediate; /* qwen2_moe: one shared expert of this width (plus a 1-unit gate) */
    int shared_expert_gate;     /* qwen2_moe: sigmoid gate h -> 1 on the shared expert */
    uint64_t moe_layers;        /* how many of the layers have an MoE block (the rest are dense);
                                   the loader applies each model type's rule (first_k_dense_replace, ...) */
    int router_bias;            /* deepseek_v3: e_score_correction_bias (experts values) */
    int router_linear_bias;     /* gpt_oss: the router linear has a bias */

    /* multi-head latent attention (deepseek_v2/v3); kv_lora_rank > 0 turns it on */
    uint64_t q_lora_rank;       /* 0: q projected directly */
    uint64_t kv_lora_rank;
    uint64_t qk_nope_head_dim;
    uint64_t qk_rope_head_dim;
    uint64_t v_head_dim;

    est_vision vision;          /* kind EST_VIS_NONE: a text-only model */
} est_arch;

/* Fill the derived fields and reject inconsistent values (zero sizes, heads not
 * divisible, ...). Returns 0 or -1 with err naming the field. */
int est_arch_check(est_arch *a, fp_error *err);

/* One class of linear (matrix) modules: d_in x d_out, count copies in the model. */
typedef enum {
    EST_MOD_Q, EST_MOD_K, EST_MOD_V, EST_MOD_QKV, EST_MOD_O,
    EST_MOD_GATE, EST_MOD_UP, EST_MOD_GATE_UP, EST_MOD_DOWN,
    EST_MOD_Q_A, EST_MOD_Q_B, EST_MOD_KV_A, EST_MOD_KV_B, /* MLA */
    EST_MOD_ROUTER, EST_MOD_SHARED_GATE,
    EST_MOD_LM_HEAD,
    EST_MOD_COUNT
} est_module;

typedef enum { EST_BLK_ATTN, EST_BLK_DENSE_MLP, EST_BLK_MOE, EST_BLK_HEAD } est_block;

typedef struct est_linear {
    est_module mod;
    est_block block;
    int expert;      /* 1: inside a routed expert */
    uint64_t d_in, d_out;
    uint64_t count;  /* instances in the whole model */
    uint64_t per_layer; /* instances in one layer where present */
    int bias;
} est_linear;

#define EST_MAX_LINEARS 24

/* Parameter counts, exact. */
typedef struct est_params {
    uint64_t total;
    uint64_t embedding;     /* token (+ position) embeddings */
    uint64_t lm_head;       /* 0 when tied */
    uint64_t linear;        /* matrices of the decoder layers (quantizable) */
    uint64_t other;         /* norms, biases, router correction biases, attention sinks */
    uint64_t vision;        /* vision tower + multimodal projector (in total; not in linear/other) */
    uint64_t active;        /* used per token (MoE: top-k routed + shared); the vision tower excluded */
    uint64_t per_layer_max; /* largest single decoder layer (for ZeRO-3 gathering) */
    size_t nlinears;
    est_linear linears[EST_MAX_LINEARS];
} est_params;

int est_params_count(const est_arch *a, est_params *p, fp_error *err);

/* Bytes of KV cache per token summed over layers, at kv_bytes per value, for layers
 * without a window (sliding and chunked layers are counted too; their caps are applied per
 * sequence, in est_footprint_compute). */
uint64_t est_kv_bytes_per_token(const est_arch *a, double kv_bytes);

/* ====================================================================== workload */

typedef enum {
    EST_DT_FP32, EST_DT_BF16, EST_DT_FP16, EST_DT_FP8, EST_DT_INT8, EST_DT_INT4,
    EST_DT_NF4, EST_DT_NF4_DQ, EST_DT_Q8_0, EST_DT_Q6_K, EST_DT_Q4_K, EST_DT_Q4_0,
    EST_DT_FP8_BLOCK, /* fp8 e4m3 + one fp32 scale per 128 x 128 block (DeepSeek-V3, Qwen3-FP8) */
    EST_DT_MXFP4,     /* OCP MXFP4 experts (4-bit e2m1 + one 8-bit e8m0 scale per 32), the rest 16-bit (gpt-oss) */
    EST_DT_COUNT
} est_dtype;

typedef enum { EST_MODE_INFER, EST_MODE_TRAIN } est_mode;
typedef enum { EST_RT_TRANSFORMERS, EST_RT_VLLM, EST_RT_LLAMACPP, EST_RT_NONE, EST_RT_COUNT } est_runtime;
typedef enum { EST_FT_FULL, EST_FT_LORA, EST_FT_QLORA } est_finetune;
typedef enum { EST_OPT_ADAMW, EST_OPT_ADAMW8, EST_OPT_ADAFACTOR, EST_OPT_SGD, EST_OPT_SGDM, EST_OPT_LION,
               EST_OPT_COUNT } est_optimizer;
typedef enum { EST_PREC_MIXED, EST_PREC_PURE, EST_PREC_FP32 } est_precision;
/* The training code whose model and loss decide which tensors autograd keeps (docs/methodology.md,
 * "What the training code keeps"): transformers with PEFT (the default), litgpt (lit-gpt's 2023
 * model code: fused qkv, LoRA padded with index_copy, RMSNorm in the compute dtype, the loss in
 * 128-token chunks), torchtune (k and v expanded to every head, fp32 logits). */
typedef enum { EST_FW_TRANSFORMERS, EST_FW_LITGPT, EST_FW_TORCHTUNE, EST_FW_COUNT } est_framework;
/* Training state moved to host memory (docs/methodology.md, "CPU offload"):
 *   OPTIMIZER  ZeRO-Offload (DeepSpeed offload_optimizer): gradients, fp32 master weights and
 *              optimizer states on the host, the 16-bit weights on the GPU (ZeRO stage 1-3);
 *   PARAMS     ZeRO-Infinity / FSDP CPUOffload(offload_params=True): the weights too, each layer
 *              gathered to the GPU only while it runs (ZeRO stage 3). */
typedef enum { EST_OFFLOAD_NONE, EST_OFFLOAD_OPTIMIZER, EST_OFFLOAD_PARAMS } est_offload;

/* Pipeline stages at most (--pp). */
#define EST_MAX_STAGES 32

/* Headroom kept on top of what a process takes (docs/methodology.md, "Margin"): unset, the
 * default for the job's kind (EST_MARGIN_TRAIN / EST_MARGIN_INFER of the device figure);
 * else frac of it, or a fixed number of bytes. */
typedef struct est_margin {
    int set;
    double frac;
    uint64_t fixed;
} est_margin;

typedef struct est_workload {
    est_mode mode;
    est_runtime runtime;
    est_dtype weight_dtype;   /* storage of the quantizable matrices */
    est_dtype compute_dtype;  /* bf16 / fp16 / fp32: activations, unquantized tensors */
    est_dtype kv_dtype;       /* KV cache values */
    uint64_t batch;           /* sequences (inference) or micro-batch (training) */
    uint64_t context;         /* tokens per sequence held in the KV cache / trained on */
    int context_set;          /* 1: context was given (0: the default, min(2048, limit), see est_workload_settle) */
    uint64_t max_model_len;   /* --max-model-len: the context limit accepted (0: the model's own) */
    uint64_t prefill;         /* tokens processed in one forward step (0: runtime default) */
    uint64_t tp;              /* tensor-parallel degree (>= 1) */
    uint64_t pp;              /* pipeline stages (>= 1): layers split as est_stage_layers says */
    int quantize_lm_head;     /* 1: the output head is quantized like the layers */
    int flash_attention;      /* 1: no s^2 score matrix is materialized */

    /* vLLM */
    double gpu_memory_utilization; /* (0, 1]; used with a GPU size */
    int gmu_set;                   /* 1: given by the user (plans and fit keep it; else they compute it) */
    uint64_t swap_space;           /* vLLM --swap-space: pinned CPU KV swap per GPU, bytes (4 GiB) */
    uint64_t block_size;           /* paged KV block, tokens */
    uint64_t max_num_seqs;         /* sequences sampled in the profile run */
    int cuda_graphs;               /* 1 unless --enforce-eager */
    uint64_t cpu_offload;          /* vLLM --cpu-offload-gb: weight bytes per GPU kept in pinned host memory */

    /* llama.cpp */
    int ngl_set;                   /* 1: --n-gpu-layers given: the model runs on a GPU (else all on the host) */
    uint64_t n_gpu_layers;         /* the last n layers on the GPU; more than the layers puts the output there too */
    int no_kv_offload;             /* --no-kv-offload: the KV cache of every layer stays on the host */

    /* training */
    est_finetune finetune;
    est_precision precision;
    est_optimizer optimizer;
    /* dtype of the optimizer states AdamW, SGD with momentum and Lion keep (m, v, momentum).
     * Unset (optimizer_dtype_set 0): the trained parameters' dtype, as torch.optim creates
     * them (zeros_like(param)): the 16-bit dtype in pure bf16/fp16 training (torchtune's
     * default with bf16 weights, PEFT without autocast, litgpt bf16-true), fp32 in mixed
     * precision (the fp32 master weights) and fp32 training.  Set: fp32, bf16 or fp16. */
    est_dtype optimizer_dtype;
    int optimizer_dtype_set;
    uint32_t lora_rank;
    uint32_t lora_targets;    /* bit set of est_module */
    uint64_t frozen_layers;   /* full fine-tune: first N decoder layers (and embeddings) frozen */
    int grad_checkpointing;
    uint64_t grad_accum;      /* no memory effect; kept for the report */
    int zero_stage;           /* 0..3 (3 == FSDP full shard) */
    uint64_t gpus;            /* GPUs of one job (world size = tp x pp x dp); 0: tp x pp (one data-parallel rank) */
    uint64_t dp;              /* data-parallel ranks sharing ZeRO state: derived, gpus / (tp x pp) (est_workload_shape) */
    est_offload offload;      /* training state kept in host memory */
    int pin_memory;           /* DeepSpeed offload_*.pin_memory: the offloaded state is page-locked */
    int paged_optimizer;      /* bitsandbytes paged optimizer: states in unified memory, paged out when short */
    uint64_t loss_chunk;      /* 0: logits materialized whole; else tokens per loss chunk */
    double lora_dropout;      /* > 0: each targeted module keeps a dropped-out input copy and a mask */
    int bnb_legacy;           /* bitsandbytes < 0.43.2: frozen 4-bit linears keep their inputs */
    est_framework framework;  /* training code (--framework) */
    int compile;              /* torch.compile: fused elementwise kernels recompute what they can */
    int optimizer_in_backward; /* optimizer step fused into backward: one parameter's gradient at a time */
    int activation_offload;   /* checkpointed activations in pinned host memory (needs grad_checkpointing) */

    est_margin margin;        /* headroom kept on top of what the process takes */

    /* weights as a checkpoint stores them (read from safetensors or GGUF headers by the
     * inventory readers): every tensor's bytes summed.  0: computed from weight_dtype.
     * Used for inference only; a --dtype given replaces it (docs/methodology.md, section 2) */
    uint64_t stored_weights;
    uint32_t group_size;      /* int4 (GPTQ/AWQ): input rows per scale group; 0: 128; UINT32_MAX: one group
                                 per column (group_size -1 in a quantization_config) */
    int gptq_g_idx;           /* int4: GPTQ's g_idx (one int32 per input row) is stored too */
    uint32_t fp8_block;       /* fp8-block: edge of a scale block; 0: 128 */
} est_workload;

/* Default margins: the estimator's documented worst under-estimate for the kind of job
 * (docs/validation.md): training runs up to 9.9 % low (torchtune's 8-bit AdamW row, the one
 * point outside ±7 %), which needs 11 % on top; 15 % is kept until more points confirm the
 * training terms (docs/methodology.md, 6b); inference is within 2.2 %: 3 %. */
#define EST_MARGIN_TRAIN 0.15
#define EST_MARGIN_INFER 0.03

/* Defaults: inference, transformers, bf16 everywhere, batch 1, context 2048, tp 1,
 * flash attention on; training defaults (when mode is switched): LoRA r=8 on q,v, AdamW, mixed. */
void est_workload_default(est_workload *w);

/* The job's shape: dp = gpus / (tp x pp) (1 when gpus is 0).  Call after setting tp, pp or gpus;
 * -1 with err when gpus is not a multiple of tp x pp. */
int est_workload_shape(est_workload *w, fp_error *err);
/* ZeRO / FSDP need two or more data-parallel ranks, unless they offload to the host (ZeRO-Offload
 * runs on one GPU): -1 with err when a training workload shards over one (fsdp: name --fsdp
 * rather than --zero N). */
int est_zero_check(const est_workload *w, int fsdp, fp_error *err);
/* GPUs one replica of the job occupies, each with the footprint's per-GPU bytes (the largest
 * pipeline stage's): tp x pp x dp. */
uint64_t est_job_gpus(const est_workload *w);
/* 1 when the whole deployment lives in host memory: llama.cpp without --n-gpu-layers. */
int est_on_host(const est_workload *w);
/* Layers of pipeline stage `stage` of pp over `layers`: floor(layers / pp), the first
 * layers mod pp stages one more; *first receives the stage's first layer (may be NULL). */
uint64_t est_stage_layers(uint64_t layers, uint64_t pp, uint64_t stage, uint64_t *first);

/* Validate the workload against the architecture; err names the option. */
int est_workload_check(const est_arch *a, const est_workload *w, fp_error *err);

/* The longest context the workload may use on this model: --max-model-len when given,
 * else max(max_positions, rope_positions); 0 when the model names no limit. */
uint64_t est_context_limit(const est_arch *a, const est_workload *w);

/* Settle the workload on a model: a context left at its default becomes min(2048,
 * limit); a context given past the limit is refused, naming `model` (a display name)
 * and how to accept it (--max-model-len).  Call once, after est_options_finish and
 * before the first footprint; returns 0 or -1. */
int est_workload_settle(const est_arch *a, const char *model, est_workload *w, fp_error *err);

/* ====================================================================== footprint */

typedef enum {
    EST_C_WEIGHTS, EST_C_KV, EST_C_ACTIVATIONS, EST_C_LOGITS, EST_C_GRADIENTS, EST_C_OPTIMIZER,
    EST_C_ADAPTER, EST_C_RUNTIME, EST_C_COUNT
} est_component;

#define EST_EXPLAIN_LEN 320

typedef struct est_explain {
    char text[EST_C_COUNT][EST_EXPLAIN_LEN]; /* formula with the numbers put in */
} est_explain;

/* One pipeline stage's figure (--pp): its layers and components, per GPU. */
typedef struct est_stage {
    uint64_t first_layer, layers;
    int embedding, head;         /* 1: the stage holds the input embedding / the output head */
    uint64_t bytes[EST_C_COUNT];
    uint64_t total, device, need;
} est_stage;

typedef struct est_footprint {
    uint64_t bytes[EST_C_COUNT]; /* per GPU (or per host for llama.cpp); the largest stage's with --pp */
    uint64_t total;
    uint64_t trainable;          /* trainable parameters (training) */
    uint64_t kv_tokens;          /* tokens of KV cache allocated (after block rounding) */
    uint64_t kv_bytes_per_token; /* per GPU, summed over layers */
    uint64_t outside_allocator;  /* part of runtime_overhead the framework's allocator never sees
                                    (CUDA context; vLLM: also its CUDA graphs, outside its budget) */
    /* The three memory figures (docs/methodology.md, "Allocated, reserved, device"):
     *   allocated = total - outside_allocator: the allocator's peak (torch.cuda.max_memory_allocated,
     *               what published measurements report);
     *   reserved  = allocated + fragmentation: the caching allocator's peak (max_memory_reserved);
     *   device    = reserved + outside_allocator: what nvidia-smi shows for the process.
     * need = device + margin is what every fit decision uses. */
    uint64_t fragmentation;
    uint64_t allocated, reserved, device;
    uint64_t margin;
    uint64_t need;
    /* host RAM one replica's processes take beside their GPUs (GPU runtimes; llama.cpp's
     * total is host memory already): docs/methodology.md, "Host memory of GPU processes" */
    uint64_t host;
    uint64_t host_pinned;        /* the part of host that is page-locked (vLLM's swap and offloaded weights,
                                    DeepSpeed's offloaded state with pin_memory) */
    uint64_t host_offload;       /* the part of host moved off the GPU by an offload option */
    uint64_t paged;              /* bitsandbytes paged optimizer states: in host, not in need */
    /* --pp: each stage's figure; the fields above are the largest stage's (by need) */
    uint64_t nstages, largest_stage;
    est_stage stages[EST_MAX_STAGES];
} est_footprint;

/* Does fp fit a GPU of gpu_bytes?  need (device + margin) must fit the GPU; vLLM with a
 * utilization the user gave (gmu_set) also: what it profiles (allocated + margin) fits
 * utilization x total, and est_vllm_takes fits the GPU. */
int est_fits(const est_footprint *fp, const est_workload *w, uint64_t gpu_bytes);
/* vLLM started with gpu_memory_utilization u on a GPU of gpu_bytes takes ceil(u x total) plus
 * what it keeps outside its budget (CUDA context and graphs). */
uint64_t est_vllm_takes(const est_footprint *fp, const est_workload *w, uint64_t gpu_bytes);

/* Compute the footprint.  ex may be NULL (the fast path, used by sweeps and the
 * solver); when given, each component's formula is written into it. */
int est_footprint_compute(const est_arch *a, const est_params *p, const est_workload *w,
                          est_footprint *fp, est_explain *ex, fp_error *err);

/* vLLM with a GPU of gpu_bytes: bytes the process takes (utilization x total), and
 * the KV tokens that fit in what is left after weights, activations and overhead.
 * Returns 0, or -1 when weights and overheads alone exceed the budget. */
int est_vllm_kv_capacity(const est_footprint *fp, const est_workload *w, uint64_t gpu_bytes,
                         uint64_t *kv_tokens);

/* Largest batch (context fixed) and largest context (batch fixed) whose total fits
 * in gpu_bytes; 0 when even 1 does not fit.  Batch is capped at 2^20 (vLLM: at
 * max_num_seqs), context at est_context_limit.  Both searches use one fit test that
 * grows with batch and with context, so they agree: for a settled workload (context
 * within the limit, vLLM batch within max_num_seqs), est_max_batch >= batch exactly
 * when est_max_context >= context, that is, when the workload itself fits. */
uint64_t est_max_batch(const est_arch *a, const est_params *p, const est_workload *w, uint64_t gpu_bytes);
uint64_t est_max_context(const est_arch *a, const est_params *p, const est_workload *w, uint64_t gpu_bytes);

/* ====================================================================== options
 * The workload as named options ("context" = "4096"), shared by the command line and
 * scenario files.  init, apply each, then finish (which settles dependent defaults). */

typedef struct est_option_row {
    const char *name;  /* without "--" */
    int takes_value;   /* 0: a flag */
    int id;
} est_option_row;

typedef struct est_options {
    est_workload w;
    int train_opt, infer_said, kv_set, compute_set;
    int dtype_set, prec_set, rank_set, targets_set, zero_set, fsdp_set; /* given, for contradictions */
    int swap_set, cpuoff_set;
    int runtime_set;                    /* --runtime given (a .gguf MODEL defaults to llama.cpp) */
    double lora_alpha;
    int have_alpha;
} est_options;

const est_option_row *est_option_rows(size_t *n);
void est_options_init(est_options *o);
/* 1 applied, 0 not a workload option, -1 bad value (err names the option). */
int est_option_apply(est_options *o, const char *name, const char *value, fp_error *err);
/* Parse a margin: a fraction ("0.1"), a percentage ("10%") or a size ("2 GiB"); "0" turns
 * it off.  0 or -1 with err naming opt. */
int est_margin_parse(const char *opt, const char *v, est_margin *m, fp_error *err);
int est_options_finish(est_options *o, fp_error *err);
/* The workload as it runs on a GPU without bf16: every bf16 the options did not ask for
 * (weights, compute, KV cache left at the default) becomes fp16, which takes the same
 * bytes; a bf16 that was asked for stays.  w starts as o->w (after finish). */
void est_options_fp16_fallback(const est_options *o, est_workload *w);

/* ====================================================================== names */

const char *est_dtype_name(est_dtype d);
int est_dtype_parse(const char *s, est_dtype *d);       /* 0 or -1 */
double est_dtype_bytes(est_dtype d);                     /* plain bytes per value (fp/int types) */
const char *est_runtime_name(est_runtime r);
int est_runtime_parse(const char *s, est_runtime *r);
const char *est_optimizer_name(est_optimizer o);
int est_optimizer_parse(const char *s, est_optimizer *o);
const char *est_framework_name(est_framework f);
int est_framework_parse(const char *s, est_framework *f);
const char *est_component_name(est_component c);         /* JSON key: "weights", "kv_cache", ... */
const char *est_module_name(est_module m);               /* "q_proj", ... */
/* Parse a comma list of LoRA targets ("q,v", "q_proj,v_proj", "all-linear", "attn", "mlp")
 * into a bit set; bad names are reported with the accepted ones. */
int est_lora_targets_parse(const char *s, uint32_t *bits, fp_error *err);

#endif
