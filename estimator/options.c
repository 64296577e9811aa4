/* options.c: the workload options, by name, shared by the command line
 * (`--context 4096`) and scenario files (`context: 4096`), so both mean the same. */
#include <stdio.h>
#include <string.h>

#include "../common/units.h"
#include "estimator.h"

enum {
    O_MODE, O_METHOD, O_DTYPE, O_COMPUTE, O_KV, O_BATCH, O_CONTEXT, O_PREFILL, O_TP, O_RUNTIME, O_GMU, O_BLOCK,
    O_SEQS, O_EAGER, O_NOFLASH, O_QHEAD, O_RANK, O_ALPHA, O_TARGETS, O_OPT, O_PREC, O_CKPT, O_ACCUM, O_FREEZE,
    O_ZERO, O_FSDP, O_GPUS, O_CHUNK, O_DROPOUT, O_BNBLEGACY, O_MARGIN, O_SWAP, O_MAXLEN, O_GROUP,
    O_PP, O_OFFLOAD, O_PIN, O_PAGED, O_CPUOFF, O_NGL, O_NOKVOFF, O_OPTDT, O_FRAMEWORK, O_COMPILE, O_OPTBWD,
    O_ACTOFF,
};

static const est_option_row rows[] = {
    {"mode", 1, O_MODE},
    {"method", 1, O_METHOD},
    {"dtype", 1, O_DTYPE},
    {"compute-dtype", 1, O_COMPUTE},
    {"kv-dtype", 1, O_KV},
    {"batch", 1, O_BATCH},
    {"context", 1, O_CONTEXT},
    {"max-model-len", 1, O_MAXLEN},
    {"prefill", 1, O_PREFILL},
    {"tp", 1, O_TP},
    {"pp", 1, O_PP},
    {"runtime", 1, O_RUNTIME},
    {"gpu-memory-utilization", 1, O_GMU},
    {"block-size", 1, O_BLOCK},
    {"max-num-seqs", 1, O_SEQS},
    {"enforce-eager", 0, O_EAGER},
    {"no-flash-attention", 0, O_NOFLASH},
    {"quantize-lm-head", 0, O_QHEAD},
    {"lora-rank", 1, O_RANK},
    {"lora-alpha", 1, O_ALPHA},
    {"lora-targets", 1, O_TARGETS},
    {"optimizer", 1, O_OPT},
    {"optimizer-dtype", 1, O_OPTDT},
    {"precision", 1, O_PREC},
    {"grad-checkpointing", 0, O_CKPT},
    {"grad-accum", 1, O_ACCUM},
    {"freeze-layers", 1, O_FREEZE},
    {"zero", 1, O_ZERO},
    {"fsdp", 0, O_FSDP},
    {"gpus", 1, O_GPUS},
    {"loss-chunk", 1, O_CHUNK},
    {"lora-dropout", 1, O_DROPOUT},
    {"bnb-legacy", 0, O_BNBLEGACY},
    {"framework", 1, O_FRAMEWORK},
    {"compile", 0, O_COMPILE},
    {"optimizer-in-backward", 0, O_OPTBWD},
    {"activation-offload", 0, O_ACTOFF},
    {"margin", 1, O_MARGIN},
    {"swap-space", 1, O_SWAP},
    {"group-size", 1, O_GROUP},
    {"offload", 1, O_OFFLOAD},
    {"pin-memory", 0, O_PIN},
    {"paged-optimizer", 0, O_PAGED},
    {"cpu-offload-gb", 1, O_CPUOFF},
    {"n-gpu-layers", 1, O_NGL},
    {"no-kv-offload", 0, O_NOKVOFF},
};

const est_option_row *est_option_rows(size_t *n)
{
    *n = sizeof rows / sizeof rows[0];
    return rows;
}

void est_options_init(est_options *o)
{
    memset(o, 0, sizeof *o);
    est_workload_default(&o->w);
}

static int opt_u64(const char *opt, const char *v, uint64_t *out, fp_error *err)
{
    if (v[0] == '-')
        return fp_fail(err, NULL, 0, 0, "--%s: must not be negative, got '%s'", opt, v);
    if (fp_uint_parse(v, out) != 0)
        return fp_fail(err, NULL, 0, 0, "--%s: expected a whole number, got '%s'", opt, v);
    return 0;
}

static int opt_dtype(const char *opt, const char *v, est_dtype *d, fp_error *err)
{
    if (est_dtype_parse(v, d) != 0)
        return fp_fail(err, NULL, 0, 0,
                       "--%s: unknown dtype '%s'; use fp32, bf16, fp16, fp8, int8, int4, nf4, nf4-dq, q8_0, q6_k, "
                       "q4_k or q4_0",
                       opt, v);
    return 0;
}

int est_margin_parse(const char *opt, const char *v, est_margin *m, fp_error *err)
{
    char why[160];
    size_t n = strlen(v);
    double x;
    uint64_t bytes;
    if (n > 1 && v[n - 1] == '%') {
        char num[64];
        if (n - 1 >= sizeof num)
            return fp_fail(err, NULL, 0, 0, "--%s: expected a percentage like 10%%, got '%s'", opt, v);
        memcpy(num, v, n - 1);
        num[n - 1] = 0;
        if (fp_number_parse(num, &x) != 0 || !(x >= 0 && x < 100))
            return fp_fail(err, NULL, 0, 0, "--%s: a percentage must be in [0, 100), got '%s'", opt, v);
        m->frac = x / 100.0;
        m->fixed = 0;
    } else if (fp_number_parse(v, &x) == 0) {
        if (!(x >= 0 && x < 1))
            return fp_fail(err, NULL, 0, 0,
                           "--%s: a bare number is a fraction in [0, 1), got '%s' (write 10%% or 2 GiB for "
                           "a percentage or a size)",
                           opt, v);
        m->frac = x;
        m->fixed = 0;
    } else if (fp_size_parse(v, &bytes, why, sizeof why) == 0) {
        m->frac = 0;
        m->fixed = bytes;
    } else if (v[0] >= '0' && v[0] <= '9' && strpbrk(v, "BKMGTPEbkmgtpe")) {
        return fp_fail(err, NULL, 0, 0, "--%s: %s", opt, why); /* a size, and what is wrong with it */
    } else {
        return fp_fail(err, NULL, 0, 0, "--%s: expected a fraction (0.1), a percentage (10%%) or a size (2 GiB), got '%s'",
                       opt, v);
    }
    m->set = 1;
    return 0;
}

int est_option_apply(est_options *o, const char *name, const char *v, fp_error *err)
{
    size_t k = 0;
    while (k < sizeof rows / sizeof rows[0] && strcmp(rows[k].name, name) != 0)
        k++;
    if (k == sizeof rows / sizeof rows[0])
        return 0;
    if (rows[k].takes_value && !v)
        return fp_fail(err, NULL, 0, 0, "option '--%s' needs a value", name);
    uint64_t u;
    switch (rows[k].id) {
        case O_MODE:
            if (!strcmp(v, "infer") || !strcmp(v, "inference"))
                o->infer_said = 1;
            else if (!strcmp(v, "train") || !strcmp(v, "training"))
                o->train_opt = 1;
            else
                return fp_fail(err, NULL, 0, 0, "--mode: use infer or train, got '%s'", v);
            break;
        case O_METHOD:
            if (!strcmp(v, "full"))
                o->w.finetune = EST_FT_FULL;
            else if (!strcmp(v, "lora"))
                o->w.finetune = EST_FT_LORA;
            else if (!strcmp(v, "qlora")) {
                o->w.finetune = EST_FT_QLORA;
                if (o->w.weight_dtype == EST_DT_BF16)
                    o->w.weight_dtype = EST_DT_NF4;
            } else
                return fp_fail(err, NULL, 0, 0, "--method: use full, lora or qlora, got '%s'", v);
            o->train_opt = 1;
            break;
        case O_DTYPE:
            if (opt_dtype("dtype", v, &o->w.weight_dtype, err))
                return -1;
            o->dtype_set = 1;
            break;
        case O_COMPUTE:
            if (opt_dtype("compute-dtype", v, &o->w.compute_dtype, err))
                return -1;
            o->compute_set = 1;
            break;
        case O_KV:
            if (opt_dtype("kv-dtype", v, &o->w.kv_dtype, err))
                return -1;
            o->kv_set = 1;
            break;
        case O_BATCH:
            if (opt_u64("batch", v, &o->w.batch, err))
                return -1;
            break;
        case O_CONTEXT:
            if (opt_u64("context", v, &o->w.context, err))
                return -1;
            o->w.context_set = 1;
            break;
        case O_MAXLEN:
            if (opt_u64("max-model-len", v, &o->w.max_model_len, err))
                return -1;
            if (o->w.max_model_len == 0 || o->w.max_model_len > (1ULL << 24))
                return fp_fail(err, NULL, 0, 0, "--max-model-len: must be between 1 and 16777216 tokens, got '%s'", v);
            break;
        case O_PREFILL:
            if (opt_u64("prefill", v, &o->w.prefill, err))
                return -1;
            if (o->w.prefill == 0)
                return fp_fail(err, NULL, 0, 0, "--prefill: must be at least 1");
            break;
        case O_TP:
            if (opt_u64("tp", v, &o->w.tp, err))
                return -1;
            break;
        case O_PP:
            if (opt_u64("pp", v, &o->w.pp, err))
                return -1;
            if (o->w.pp == 0 || o->w.pp > EST_MAX_STAGES)
                return fp_fail(err, NULL, 0, 0, "--pp: must be between 1 and %d stages, got '%s'", EST_MAX_STAGES, v);
            break;
        case O_OFFLOAD:
            if (!strcmp(v, "none"))
                o->w.offload = EST_OFFLOAD_NONE;
            else if (!strcmp(v, "optimizer"))
                o->w.offload = EST_OFFLOAD_OPTIMIZER;
            else if (!strcmp(v, "params") || !strcmp(v, "param"))
                o->w.offload = EST_OFFLOAD_PARAMS;
            else
                return fp_fail(err, NULL, 0, 0, "--offload: use optimizer, params or none, got '%s'", v);
            o->train_opt = 1;
            break;
        case O_PIN: o->w.pin_memory = 1; o->train_opt = 1; break;
        case O_PAGED: o->w.paged_optimizer = 1; o->train_opt = 1; break;
        case O_CPUOFF: {
            /* vLLM's --cpu-offload-gb: GiB of weights per GPU kept in host memory */
            double gib;
            if (fp_number_parse(v, &gib) != 0 || !(gib >= 0) || gib > 65536)
                return fp_fail(err, NULL, 0, 0, "--cpu-offload-gb: expected GiB per GPU in [0, 65536] (vLLM's flag), got '%s'",
                               v);
            o->w.cpu_offload = (uint64_t)(gib * 1073741824.0);
            o->cpuoff_set = 1;
            break;
        }
        case O_NGL:
            if (opt_u64("n-gpu-layers", v, &o->w.n_gpu_layers, err))
                return -1;
            if (o->w.n_gpu_layers > 100000)
                return fp_fail(err, NULL, 0, 0, "--n-gpu-layers: expected at most 100000 layers, got '%s'", v);
            o->w.ngl_set = 1;
            break;
        case O_NOKVOFF: o->w.no_kv_offload = 1; break;
        case O_RUNTIME:
            if (est_runtime_parse(v, &o->w.runtime) != 0)
                return fp_fail(err, NULL, 0, 0, "--runtime: unknown runtime '%s'; use transformers, vllm, llama.cpp or none",
                               v);
            o->runtime_set = 1;
            break;
        case O_GMU:
            if (fp_number_parse(v, &o->w.gpu_memory_utilization) != 0 || !(o->w.gpu_memory_utilization > 0) ||
                o->w.gpu_memory_utilization > 1)
                return fp_fail(err, NULL, 0, 0, "--gpu-memory-utilization: expected a number in (0, 1], got '%s'", v);
            o->w.gmu_set = 1;
            break;
        case O_BLOCK:
            if (opt_u64("block-size", v, &o->w.block_size, err))
                return -1;
            break;
        case O_SEQS:
            if (opt_u64("max-num-seqs", v, &o->w.max_num_seqs, err))
                return -1;
            if (o->w.max_num_seqs == 0)
                return fp_fail(err, NULL, 0, 0, "--max-num-seqs: must be at least 1");
            break;
        case O_EAGER: o->w.cuda_graphs = 0; break;
        case O_NOFLASH: o->w.flash_attention = 0; break;
        case O_QHEAD: o->w.quantize_lm_head = 1; break;
        case O_RANK:
            if (opt_u64("lora-rank", v, &u, err))
                return -1;
            if (u == 0 || u > 65536)
                return fp_fail(err, NULL, 0, 0, "--lora-rank: must be between 1 and 65536, got '%s'", v);
            o->w.lora_rank = (uint32_t)u;
            o->rank_set = 1;
            o->train_opt = 1;
            break;
        case O_ALPHA:
            if (fp_number_parse(v, &o->lora_alpha) != 0 || o->lora_alpha <= 0)
                return fp_fail(err, NULL, 0, 0, "--lora-alpha: expected a positive number, got '%s'", v);
            o->have_alpha = 1;
            o->train_opt = 1;
            break;
        case O_TARGETS:
            if (est_lora_targets_parse(v, &o->w.lora_targets, err))
                return -1;
            o->targets_set = 1;
            o->train_opt = 1;
            break;
        case O_OPT:
            if (est_optimizer_parse(v, &o->w.optimizer) != 0)
                return fp_fail(err, NULL, 0, 0,
                               "--optimizer: unknown optimizer '%s'; use adamw, adamw8bit, adafactor, sgd, "
                               "sgd-momentum or lion",
                               v);
            o->train_opt = 1;
            break;
        case O_OPTDT:
            if (est_dtype_parse(v, &o->w.optimizer_dtype) != 0 ||
                (o->w.optimizer_dtype != EST_DT_FP32 && o->w.optimizer_dtype != EST_DT_BF16 &&
                 o->w.optimizer_dtype != EST_DT_FP16))
                return fp_fail(err, NULL, 0, 0, "--optimizer-dtype: expected fp32, bf16 or fp16, got '%s'", v);
            o->w.optimizer_dtype_set = 1;
            o->train_opt = 1;
            break;
        case O_PREC:
            if (!strcmp(v, "mixed"))
                o->w.precision = EST_PREC_MIXED;
            else if (!strcmp(v, "bf16") || !strcmp(v, "fp16")) {
                o->w.precision = EST_PREC_PURE;
                o->w.compute_dtype = !strcmp(v, "bf16") ? EST_DT_BF16 : EST_DT_FP16;
                o->compute_set = 1;
            } else if (!strcmp(v, "fp32")) {
                o->w.precision = EST_PREC_FP32;
                o->w.compute_dtype = EST_DT_FP32;
                o->compute_set = 1;
            } else
                return fp_fail(err, NULL, 0, 0, "--precision: use mixed, bf16, fp16 or fp32, got '%s'", v);
            o->prec_set = 1;
            o->train_opt = 1;
            break;
        case O_CKPT: o->w.grad_checkpointing = 1; o->train_opt = 1; break;
        case O_ACCUM:
            if (opt_u64("grad-accum", v, &o->w.grad_accum, err))
                return -1;
            if (o->w.grad_accum == 0)
                return fp_fail(err, NULL, 0, 0, "--grad-accum: must be at least 1");
            o->train_opt = 1;
            break;
        case O_FREEZE:
            if (opt_u64("freeze-layers", v, &o->w.frozen_layers, err))
                return -1;
            o->train_opt = 1;
            break;
        case O_ZERO:
            if (opt_u64("zero", v, &u, err))
                return -1;
            if (u > 3)
                return fp_fail(err, NULL, 0, 0, "--zero: stage must be 0, 1, 2 or 3, got '%s'", v);
            if (o->fsdp_set && u != 3)
                return fp_fail(err, NULL, 0, 0, "--zero %d contradicts --fsdp: FSDP full sharding is ZeRO stage 3",
                               (int)u);
            o->w.zero_stage = (int)u;
            o->zero_set = 1;
            o->train_opt = 1;
            break;
        case O_FSDP:
            if (o->zero_set && o->w.zero_stage != 3)
                return fp_fail(err, NULL, 0, 0, "--fsdp contradicts --zero %d: FSDP full sharding is ZeRO stage 3",
                               o->w.zero_stage);
            o->w.zero_stage = 3;
            o->fsdp_set = 1;
            o->train_opt = 1;
            break;
        case O_GPUS:
            if (opt_u64("gpus", v, &o->w.gpus, err))
                return -1;
            if (o->w.gpus == 0)
                return fp_fail(err, NULL, 0, 0, "--gpus: must be at least 1");
            o->train_opt = 1;
            break;
        case O_DROPOUT:
            if (fp_number_parse(v, &o->w.lora_dropout) != 0 || o->w.lora_dropout < 0 || o->w.lora_dropout >= 1)
                return fp_fail(err, NULL, 0, 0, "--lora-dropout: expected a probability in [0, 1), got '%s'", v);
            o->train_opt = 1;
            break;
        case O_BNBLEGACY: o->w.bnb_legacy = 1; o->train_opt = 1; break;
        case O_FRAMEWORK:
            if (est_framework_parse(v, &o->w.framework) != 0)
                return fp_fail(err, NULL, 0, 0, "--framework: unknown training code '%s'; use transformers, litgpt or torchtune",
                               v);
            o->train_opt = 1;
            break;
        case O_COMPILE: o->w.compile = 1; o->train_opt = 1; break;
        case O_OPTBWD: o->w.optimizer_in_backward = 1; o->train_opt = 1; break;
        case O_ACTOFF: o->w.activation_offload = 1; o->train_opt = 1; break;
        case O_SWAP: {
            /* vLLM's --swap-space: GiB per GPU, a number (0 turns it off) */
            double gib;
            if (fp_number_parse(v, &gib) != 0 || !(gib >= 0) || gib > 1024)
                return fp_fail(err, NULL, 0, 0, "--swap-space: expected GiB per GPU in [0, 1024] (vLLM's flag), got '%s'",
                               v);
            o->w.swap_space = (uint64_t)(gib * 1073741824.0);
            o->swap_set = 1;
            break;
        }
        case O_GROUP: {
            /* GPTQ/AWQ group size: input rows sharing one scale and zero point */
            uint64_t g;
            if (opt_u64("group-size", v, &g, err))
                return -1;
            if (g < 8 || g > 65536)
                return fp_fail(err, NULL, 0, 0, "--group-size: expected 8 to 65536 input rows per group, got '%s'", v);
            o->w.group_size = (uint32_t)g;
            break;
        }
        case O_MARGIN:
            if (est_margin_parse("margin", v, &o->w.margin, err))
                return -1;
            break;
        case O_CHUNK:
            if (opt_u64("loss-chunk", v, &o->w.loss_chunk, err))
                return -1;
            if (o->w.loss_chunk == 0)
                return fp_fail(err, NULL, 0, 0, "--loss-chunk: must be at least 1 token");
            o->train_opt = 1;
            break;
    }
    return 1;
}

static int is_float(est_dtype d)
{
    return d == EST_DT_FP32 || d == EST_DT_BF16 || d == EST_DT_FP16;
}

/* Options that contradict each other are refused, naming both: taking one silently
 * would print a plan that is not the one computed. */
static int training_contradictions(const est_options *o, fp_error *err)
{
    const est_workload *w = &o->w;
    if (w->finetune == EST_FT_FULL) {
        const char *lora = o->rank_set ? "--lora-rank" : o->targets_set ? "--lora-targets" : o->have_alpha ? "--lora-alpha" : NULL;
        if (lora)
            return fp_fail(err, NULL, 0, 0, "%s contradicts --method full: adapters are for --method lora or qlora", lora);
    }
    /* 8-bit AdamW and Adafactor fix their states' dtypes; SGD keeps none */
    if (w->optimizer_dtype_set && (w->optimizer == EST_OPT_ADAMW8 || w->optimizer == EST_OPT_ADAFACTOR ||
                                   w->optimizer == EST_OPT_SGD))
        return fp_fail(err, NULL, 0, 0, "--optimizer-dtype applies to adamw, sgd-momentum and lion; %s keeps %s",
                       est_optimizer_name(w->optimizer),
                       w->optimizer == EST_OPT_ADAMW8 ? "8-bit states (32-bit under 4096 values)"
                       : w->optimizer == EST_OPT_ADAFACTOR ? "fp32 factored states" : "no states");
    /* torchtune refuses both (full_finetune_single_device: activation offloading needs activation
     * checkpointing; the optimizer-in-backward step runs once per backward, so no accumulation) */
    if (w->activation_offload && !w->grad_checkpointing)
        return fp_fail(err, NULL, 0, 0, "--activation-offload moves the checkpointed activations to the host: give "
                       "--grad-checkpointing too");
    if (w->optimizer_in_backward && w->grad_accum > 1)
        return fp_fail(err, NULL, 0, 0, "--optimizer-in-backward steps once per backward pass: it contradicts "
                       "--grad-accum %llu", (unsigned long long)w->grad_accum);
    if (w->optimizer_in_backward && (w->zero_stage > 0 || w->offload != EST_OFFLOAD_NONE || w->dp > 1))
        return fp_fail(err, NULL, 0, 0, "--optimizer-in-backward is modelled for one GPU without ZeRO or offload "
                       "(torchtune's single-device recipes)");
    return est_zero_check(w, o->fsdp_set, err);
}

int est_zero_check(const est_workload *w, int fsdp, fp_error *err)
{
    if (w->mode != EST_MODE_TRAIN || w->zero_stage < 1 || w->dp != 1 || w->offload != EST_OFFLOAD_NONE)
        return 0; /* ZeRO-Offload and ZeRO-Infinity run on one GPU: the host holds the state */
    char opt[16];
    snprintf(opt, sizeof opt, fsdp ? "--fsdp" : "--zero %d", w->zero_stage);
    if (w->tp > 1)
        return fp_fail(err, NULL, 0, 0,
                       "%s shards over data-parallel ranks: %llu GPUs at tp %llu leave one rank, nothing to shard; "
                       "pass --gpus %llu or more",
                       opt, (unsigned long long)(w->gpus ? w->gpus : w->tp), (unsigned long long)w->tp,
                       (unsigned long long)(2 * w->tp));
    return fp_fail(err, NULL, 0, 0,
                   "%s shards over data-parallel ranks: with --gpus 1 there is nothing to shard; pass --gpus 2 or more",
                   opt);
}

/* CPU offload needs the ZeRO stage that carries it: DeepSpeed's offload_optimizer works with
 * stages 1-3 and ZeRO-Offload is built on stage 2 (Ren et al. 2021), so --offload optimizer
 * alone means --zero 2; offload_param (ZeRO-Infinity) and FSDP's CPUOffload need full
 * sharding, so --offload params alone means --zero 3.  pin_memory only means something with
 * an offload, and a paged optimizer is one already. */
static int settle_offload(est_options *o, fp_error *err)
{
    est_workload *w = &o->w;
    if (w->pin_memory && w->offload == EST_OFFLOAD_NONE)
        return fp_fail(err, NULL, 0, 0, "--pin-memory pins offloaded state: give --offload optimizer or params");
    if (w->paged_optimizer && w->offload != EST_OFFLOAD_NONE)
        return fp_fail(err, NULL, 0, 0, "--paged-optimizer contradicts --offload: the optimizer state is either paged or "
                       "offloaded");
    if (w->offload == EST_OFFLOAD_OPTIMIZER) {
        if (o->zero_set && w->zero_stage == 0)
            return fp_fail(err, NULL, 0, 0, "--offload optimizer needs ZeRO stage 1, 2 or 3 (DeepSpeed's offload_optimizer); "
                           "it contradicts --zero 0");
        if (!o->zero_set && !o->fsdp_set)
            w->zero_stage = 2;
    } else if (w->offload == EST_OFFLOAD_PARAMS) {
        if ((o->zero_set || o->fsdp_set) && w->zero_stage != 3)
            return fp_fail(err, NULL, 0, 0, "--offload params needs ZeRO stage 3 (offload_param) or FSDP; it contradicts "
                           "--zero %d", w->zero_stage);
        w->zero_stage = 3;
    }
    return 0;
}

/* Training precision decides the compute dtype (activations) and, for full fine-tuning,
 * the weights' dtype, so the label printed is what is computed:
 *   pure bf16/fp16: everything in that dtype, 16-bit float weights included;
 *   fp32: fp32 compute, and fp32 weights when they are trained;
 *   mixed: 16-bit compute; full fine-tuning keeps 16-bit weights plus an fp32 master copy,
 *          LoRA autocasts a frozen fp32 base to the 16-bit compute dtype.
 * Without --precision, fp32 weights or --compute-dtype fp32 mean fp32 training. */
static int settle_precision(est_options *o, fp_error *err)
{
    est_workload *w = &o->w;
    int full = w->finetune == EST_FT_FULL;
    switch (w->precision) {
    case EST_PREC_PURE:
        if (is_float(w->weight_dtype) && w->weight_dtype != w->compute_dtype) {
            if (o->dtype_set)
                return fp_fail(err, NULL, 0, 0, "--precision %s trains in %s throughout: it contradicts --dtype %s",
                               est_dtype_name(w->compute_dtype), est_dtype_name(w->compute_dtype),
                               est_dtype_name(w->weight_dtype));
            w->weight_dtype = w->compute_dtype;
        }
        return 0;
    case EST_PREC_FP32:
        break;
    case EST_PREC_MIXED:
        if (o->compute_set && w->compute_dtype == EST_DT_FP32) {
            if (o->prec_set)
                return fp_fail(err, NULL, 0, 0, "--precision mixed computes in bf16 or fp16: it contradicts --compute-dtype fp32");
            break; /* fp32 training */
        }
        if (w->weight_dtype != EST_DT_FP32)
            return 0;
        if (full && (o->prec_set || o->compute_set))
            return fp_fail(err, NULL, 0, 0,
                           "%s keeps 16-bit weights and an fp32 master copy: it contradicts --dtype fp32 (use --dtype "
                           "bf16, or --precision fp32)",
                           o->prec_set ? "--precision mixed" : "--compute-dtype bf16/fp16 (mixed precision)");
        if (o->prec_set || o->compute_set) {
            o->compute_set = 1; /* the fp32 base is autocast to the 16-bit compute dtype */
            return 0;
        }
        break; /* fp32 weights, nothing else said: fp32 training */
    }
    w->precision = EST_PREC_FP32;
    w->compute_dtype = EST_DT_FP32;
    o->compute_set = 1;
    if (full && w->weight_dtype != EST_DT_FP32) {
        if (o->dtype_set)
            return fp_fail(err, NULL, 0, 0, "fp32 full fine-tuning trains fp32 weights: it contradicts --dtype %s",
                           est_dtype_name(w->weight_dtype));
        w->weight_dtype = EST_DT_FP32;
    }
    return 0;
}

int est_options_finish(est_options *o, fp_error *err)
{
    if (o->train_opt && o->infer_said)
        return fp_fail(err, NULL, 0, 0, "--mode infer contradicts the training options given");
    if (est_workload_shape(&o->w, err) != 0)
        return -1;
    if (o->swap_set && o->w.runtime != EST_RT_VLLM)
        return fp_fail(err, NULL, 0, 0, "--swap-space is vLLM's (its CPU swap per GPU); the runtime is %s",
                       est_runtime_name(o->w.runtime));
    if (o->cpuoff_set && o->w.runtime != EST_RT_VLLM)
        return fp_fail(err, NULL, 0, 0, "--cpu-offload-gb is vLLM's (weights per GPU in host memory); the runtime is %s",
                       est_runtime_name(o->w.runtime));
    if ((o->w.ngl_set || o->w.no_kv_offload) && o->w.runtime != EST_RT_LLAMACPP)
        return fp_fail(err, NULL, 0, 0, "%s is llama.cpp's; the runtime is %s",
                       o->w.ngl_set ? "--n-gpu-layers" : "--no-kv-offload", est_runtime_name(o->w.runtime));
    if (o->w.runtime == EST_RT_LLAMACPP && o->w.pp > 1)
        return fp_fail(err, NULL, 0, 0, "--pp: llama.cpp splits layers with --n-gpu-layers, not pipeline stages");
    if (o->train_opt) {
        o->w.mode = EST_MODE_TRAIN;
        if (settle_offload(o, err) != 0)
            return -1;
        if (training_contradictions(o, err) != 0 || settle_precision(o, err) != 0)
            return -1;
    }
    /* a 16- or 32-bit model computes in its own dtype unless told otherwise */
    if (!o->compute_set && (o->w.weight_dtype == EST_DT_FP16 || o->w.weight_dtype == EST_DT_FP32)) {
        o->w.compute_dtype = o->w.weight_dtype;
        o->compute_set = 1;
    }
    /* KV cache follows the compute dtype unless given */
    if (!o->kv_set && o->compute_set && o->w.mode == EST_MODE_INFER)
        o->w.kv_dtype = o->w.compute_dtype;
    if (o->w.mode == EST_MODE_TRAIN && o->w.pp > 1 && o->w.zero_stage >= 2)
        return fp_fail(err, NULL, 0, 0, "--pp %llu with ZeRO stage %d: DeepSpeed's pipeline engine runs with ZeRO stage 0 "
                       "or 1 only", (unsigned long long)o->w.pp, o->w.zero_stage);
    if (!o->kv_set && o->w.runtime == EST_RT_LLAMACPP)
        o->w.kv_dtype = EST_DT_FP16;
    if (o->w.runtime == EST_RT_LLAMACPP && !o->compute_set)
        o->w.compute_dtype = EST_DT_FP16;
    if (o->w.mode == EST_MODE_TRAIN && o->w.finetune == EST_FT_FULL && o->w.precision == EST_PREC_FP32)
        o->w.weight_dtype = EST_DT_FP32;
    /* full fine-tuning of fp32 weights is fp32 training, not mixed precision */
    if (o->w.mode == EST_MODE_TRAIN && o->w.finetune == EST_FT_FULL && o->w.weight_dtype == EST_DT_FP32) {
        o->w.precision = EST_PREC_FP32;
        o->w.compute_dtype = EST_DT_FP32;
    }
    return est_workload_shape(&o->w, err);
}

void est_options_fp16_fallback(const est_options *o, est_workload *w)
{
    /* bf16 is only the default here, and both are 2 bytes: vLLM's dtype "auto" and
     * transformers' torch_dtype=float16 run such a model in fp16 on pre-Ampere GPUs */
    int weights_said = o->dtype_set && w->weight_dtype == EST_DT_BF16;
    int compute_said = o->compute_set || weights_said;
    if (w->weight_dtype == EST_DT_BF16 && !weights_said)
        w->weight_dtype = EST_DT_FP16;
    if (w->compute_dtype == EST_DT_BF16 && !compute_said)
        w->compute_dtype = EST_DT_FP16;
    if (w->kv_dtype == EST_DT_BF16 && !o->kv_set && !compute_said)
        w->kv_dtype = EST_DT_FP16;
}
