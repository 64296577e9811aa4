/* Footprint formulas, each pinned with numbers worked out by hand from the
 * formula in docs/methodology.md (not by calling the code under test). */
#include "../../estimator/estimator.h"
#include "../../inventory/inventory.h"
#include "test.h"

typedef struct fx {
    inv_catalog cat;
    est_arch a;
    est_params p;
    est_workload w;
} fx;

static int setup(test_ctx *t, fx *f, const char *name)
{
    fp_error e;
    if (inv_catalog_load(&f->cat, &e) != 0) {
        t->failures++;
        return -1;
    }
    const inv_model *m = inv_model_find(&f->cat, name);
    if (!m) {
        t->failures++;
        inv_catalog_free(&f->cat);
        return -1;
    }
    f->a = m->arch;
    CHECK(t, est_params_count(&f->a, &f->p, NULL) == 0);
    est_workload_default(&f->w);
    f->w.runtime = EST_RT_NONE;
    return 0;
}

static est_footprint run(test_ctx *t, fx *f)
{
    est_footprint fp;
    fp_error e;
    memset(&fp, 0, sizeof fp);
    if (est_footprint_compute(&f->a, &f->p, &f->w, &fp, NULL, &e) != 0) {
        fprintf(stderr, "  unexpected error: %s\n", e.msg);
        t->failures++;
    }
    return fp;
}

/* weights: params x bytes; KV: 2 x L x kv_heads x head_dim x bytes x tokens x batch */
static void test_bf16_weights_and_kv(test_ctx *t)
{
    fx f;
    if (setup(t, &f, "llama-2-7b"))
        return;
    f.w.batch = 2;
    f.w.context = 1000;
    est_footprint fp = run(t, &f);
    CHECK_U64(t, fp.bytes[EST_C_WEIGHTS], 2ULL * 6738415616ULL);
    CHECK_U64(t, fp.bytes[EST_C_KV], 2ULL * 1000ULL * 524288ULL);
    CHECK_U64(t, fp.bytes[EST_C_RUNTIME], 0);
    uint64_t sum = 0;
    for (int c = 0; c < EST_C_COUNT; c++)
        sum += fp.bytes[c];
    CHECK_U64(t, fp.total, sum);

    f.w.weight_dtype = EST_DT_FP32;
    CHECK_U64(t, run(t, &f).bytes[EST_C_WEIGHTS], 4ULL * 6738415616ULL);
    f.w.weight_dtype = EST_DT_BF16;
    f.w.kv_dtype = EST_DT_FP8;
    CHECK_U64(t, run(t, &f).bytes[EST_C_KV], 2ULL * 1000ULL * 262144ULL);
    inv_catalog_free(&f.cat);
}

/* Every parameter of phi-1.5 (1,418,270,720, lm_head bias included) and StableLM-alpha-3B
 * (3,637,321,728) at 2 bytes; a full fine-tune trains each of them, and AdamW in bf16
 * keeps 2 x 2 bytes per parameter, in fp32 2 x 4. */
static void test_phi_neox_weights(test_ctx *t)
{
    fx f;
    if (setup(t, &f, "phi-1.5"))
        return;
    CHECK_U64(t, run(t, &f).bytes[EST_C_WEIGHTS], 2ULL * 1418270720ULL);
    f.w.mode = EST_MODE_TRAIN;
    f.w.finetune = EST_FT_FULL;
    f.w.precision = EST_PREC_PURE;
    est_footprint fp = run(t, &f);
    CHECK_U64(t, fp.trainable, 1418270720ULL);
    CHECK_U64(t, fp.bytes[EST_C_OPTIMIZER], 4ULL * 1418270720ULL);
    f.w.optimizer_dtype = EST_DT_FP32;
    f.w.optimizer_dtype_set = 1;
    CHECK_U64(t, run(t, &f).bytes[EST_C_OPTIMIZER], 8ULL * 1418270720ULL);
    inv_catalog_free(&f.cat);
    if (setup(t, &f, "stablelm-base-alpha-3b"))
        return;
    CHECK_U64(t, run(t, &f).bytes[EST_C_WEIGHTS], 2ULL * 3637321728ULL);
    inv_catalog_free(&f.cat);
}

/* Quantized Llama-2-7B weights, per layer 4 matrices 4096x4096 and 3 of 4096x11008;
 * embeddings, lm_head (2 x 131,072,000) and norms (266,240) stay bf16.
 *  nf4:    0.5 + 4/64 bytes per value:           6,476,005,376 x 0.5625 = 3,642,753,024
 *  nf4-dq: n/2 + n/64 + ceil(n/64/256) x 4:      4096^2 -> 8,654,848; 4096x11008 -> 23,259,904
 *  int4:   n/2 + ceil(d_in/128) x d_out x 2.5:   4096^2 -> 8,716,288; 4096x11008 either way -> 23,425,024 */
static void test_quantized_weights(test_ctx *t)
{
    fx f;
    if (setup(t, &f, "llama-2-7b"))
        return;
    const uint64_t rest = 262144000ULL + 262144000ULL + 532480ULL;
    f.w.weight_dtype = EST_DT_NF4;
    CHECK_U64(t, run(t, &f).bytes[EST_C_WEIGHTS], 3642753024ULL + rest);
    f.w.weight_dtype = EST_DT_NF4_DQ;
    CHECK_U64(t, run(t, &f).bytes[EST_C_WEIGHTS], 32ULL * (4 * 8654848ULL + 3 * 23259904ULL) + rest);
    f.w.weight_dtype = EST_DT_INT4;
    CHECK_U64(t, run(t, &f).bytes[EST_C_WEIGHTS], 32ULL * (4 * 8716288ULL + 3 * 23425024ULL) + rest);
    /* int8 (LLM.int8): 1 byte + an fp32 scale per output row */
    f.w.weight_dtype = EST_DT_INT8;
    CHECK_U64(t, run(t, &f).bytes[EST_C_WEIGHTS],
              6476005376ULL + 32ULL * 4 * (4 * 4096 + 2 * 11008 + 4096) + rest);
    /* the head quantized too: 32000 x 4096 in nf4 */
    f.w.weight_dtype = EST_DT_NF4;
    f.w.quantize_lm_head = 1;
    CHECK_U64(t, run(t, &f).bytes[EST_C_WEIGHTS],
              3642753024ULL + 131072000ULL * 9 / 16 + 262144000ULL + 532480ULL);
    inv_catalog_free(&f.cat);
}

/* GQA, tensor parallelism, vLLM blocks, sliding windows, MLA */
static void test_kv_variants(test_ctx *t)
{
    fx f;
    if (setup(t, &f, "llama-3.1-8b"))
        return;
    f.w.context = 1000;
    CHECK_U64(t, run(t, &f).bytes[EST_C_KV], 1000ULL * 131072ULL);
    f.w.tp = 2; /* 8 KV heads -> 4 per GPU */
    CHECK_U64(t, run(t, &f).bytes[EST_C_KV], 1000ULL * 65536ULL);
    f.w.tp = 16; /* fewer KV heads than GPUs: one replicated head each */
    CHECK_U64(t, run(t, &f).bytes[EST_C_KV], 1000ULL * 16384ULL);
    f.w.tp = 1;
    f.w.runtime = EST_RT_VLLM; /* 1000 tokens -> 63 blocks of 16 = 1008 */
    CHECK_U64(t, run(t, &f).bytes[EST_C_KV], 1008ULL * 131072ULL);
    inv_catalog_free(&f.cat);

    if (setup(t, &f, "mistral-7b")) /* window 4096 on every layer */
        return;
    f.w.context = 8192;
    CHECK_U64(t, run(t, &f).bytes[EST_C_KV], 4096ULL * 131072ULL);
    f.w.context = 3000;
    CHECK_U64(t, run(t, &f).bytes[EST_C_KV], 3000ULL * 131072ULL);
    inv_catalog_free(&f.cat);

    if (setup(t, &f, "gemma-2-9b")) /* 42 layers, 21 with a 4096 window; 2 x 8 x 256 x 2 = 8192 B/layer/token */
        return;
    f.w.context = 8192;
    CHECK_U64(t, run(t, &f).bytes[EST_C_KV], 8192ULL * (21ULL * 8192 + 21ULL * 4096));
    inv_catalog_free(&f.cat);

    if (setup(t, &f, "deepseek-v3")) /* vLLM caches the latent: 576 values x 61 layers x 2 B */
        return;
    f.w.runtime = EST_RT_VLLM;
    f.w.context = 4096;
    CHECK_U64(t, run(t, &f).bytes[EST_C_KV], 4096ULL * 70272ULL);
    f.w.runtime = EST_RT_TRANSFORMERS; /* transformers expands k and v: 128 x (128 + 64 + 128) */
    CHECK_U64(t, run(t, &f).bytes[EST_C_KV], 4096ULL * 61ULL * 128ULL * 320ULL * 2ULL);
    inv_catalog_free(&f.cat);
}

/* LoRA: r x (d_in + d_out) per targeted matrix; alpha is not an input at all */
static void test_lora(test_ctx *t)
{
    fx f;
    if (setup(t, &f, "llama-2-7b"))
        return;
    f.w.mode = EST_MODE_TRAIN;
    f.w.finetune = EST_FT_LORA;
    f.w.context = 512;
    est_footprint fp = run(t, &f); /* r=8 on q,v: 32 layers x 2 x 8 x 8192 */
    CHECK_U64(t, fp.trainable, 4194304);
    CHECK_U64(t, fp.bytes[EST_C_ADAPTER], 4194304ULL * 4);   /* fp32 adapters (mixed precision) */
    /* fp32 adapter gradients (16 MiB) are made in the backward as the activations are released,
     * as a full fine-tune's: nothing beyond them, and no head adapter to make one first */
    CHECK_U64(t, fp.bytes[EST_C_GRADIENTS], 0);
    CHECK_U64(t, fp.bytes[EST_C_OPTIMIZER], 4194304ULL * 8); /* AdamW m, v in fp32 */
    CHECK_U64(t, fp.bytes[EST_C_WEIGHTS], 2ULL * 6738415616ULL); /* frozen base, bf16 */
    f.w.lora_rank = 16;
    CHECK_U64(t, run(t, &f).trainable, 2ULL * 4194304);
    /* all-linear r=8: (4 x 8 x 8192 + 3 x 8 x 15104) x 32 = 19,988,480 (~20 M, not GBs) */
    f.w.lora_rank = 8;
    fp_error e;
    CHECK(t, est_lora_targets_parse("all-linear", &f.w.lora_targets, &e) == 0);
    CHECK_U64(t, run(t, &f).trainable, 19988480);
    /* 8-bit AdamW: 2 x (n + ceil(n/256) x 4) per tensor; A and B are 32768 values each */
    CHECK(t, est_lora_targets_parse("q_proj,v_proj", &f.w.lora_targets, &e) == 0);
    f.w.optimizer = EST_OPT_ADAMW8;
    CHECK_U64(t, run(t, &f).bytes[EST_C_OPTIMIZER], 32ULL * 2 * 2 * 2 * (32768 + 128 * 4));
    f.w.optimizer = EST_OPT_SGD;
    CHECK_U64(t, run(t, &f).bytes[EST_C_OPTIMIZER], 0);
    f.w.optimizer = EST_OPT_LION;
    CHECK_U64(t, run(t, &f).bytes[EST_C_OPTIMIZER], 4194304ULL * 4);
    f.w.optimizer = EST_OPT_ADAFACTOR; /* (rows + cols) x 4 per matrix: A 8x4096, B 4096x8 */
    CHECK_U64(t, run(t, &f).bytes[EST_C_OPTIMIZER], 32ULL * 2 * 2 * (8 + 4096) * 4);
    inv_catalog_free(&f.cat);
}

/* Full fine-tune with mixed precision: 2 (bf16 copy) + 4 (fp32 master) + 2 (grads) + 8 (Adam) = 16 B/param
 * (Rajbhandari et al. 2020); ZeRO stages divide the optimizer, then gradients, then parameters. */
static void test_full_and_zero(test_ctx *t)
{
    fx f;
    if (setup(t, &f, "gpt2"))
        return;
    const uint64_t P = 124439808ULL;
    f.w.mode = EST_MODE_TRAIN;
    f.w.finetune = EST_FT_FULL;
    f.w.context = 256;
    est_footprint fp = run(t, &f);
    CHECK_U64(t, fp.trainable, P);
    CHECK_U64(t, fp.bytes[EST_C_WEIGHTS], 6 * P);
    /* one GPU: the gradients (2P) and the foreach AdamW step's sqrt(v) temporary (4P) come after the
     * activations are released: counted beyond them.  Held at context 256: activations 256 x 12 layers
     * x 16h x 2 B + 256 x 2h x 2 B (test_activations) and logits 256 x 50257 x 10 B */
    const uint64_t held = 256ULL * 12 * 16 * 768 * 2 + 256ULL * 2 * 768 * 2 + 256ULL * 50257 * 10;
    /* gpt2 ties its head to the embedding: the lookup's gradient (50257 x 768 x 2 B) is made at the
     * backward's end beside the head's, while every other gradient exists */
    const uint64_t second = 50257ULL * 768 * 2;
    CHECK_U64(t, fp.bytes[EST_C_GRADIENTS], 6 * P + second - held);
    CHECK_U64(t, fp.bytes[EST_C_OPTIMIZER], 8 * P);
    CHECK_U64(t, fp.bytes[EST_C_ADAPTER], 0);

    f.w.dp = 4;
    f.w.zero_stage = 1;
    fp = run(t, &f);
    CHECK_U64(t, fp.bytes[EST_C_OPTIMIZER], 2 * P);
    CHECK_U64(t, fp.bytes[EST_C_WEIGHTS], 2 * P + P);
    CHECK_U64(t, fp.bytes[EST_C_GRADIENTS], 2 * P);
    f.w.zero_stage = 2;
    CHECK_U64(t, run(t, &f).bytes[EST_C_GRADIENTS], P / 2);
    /* ZeRO-3: bf16 copy / 4 + the largest gathered unit: two layers of 7,087,872 params, or the
     * 39,383,808-param embedding, whichever is larger */
    f.w.zero_stage = 3;
    CHECK_U64(t, run(t, &f).bytes[EST_C_WEIGHTS], P / 2 + P + 2 * 39383808ULL);

    f.w.dp = 1;
    f.w.zero_stage = 0;
    f.w.precision = EST_PREC_PURE; /* pure bf16: 2 + 2 + 4 */
    fp = run(t, &f);
    CHECK_U64(t, fp.bytes[EST_C_WEIGHTS], 2 * P);
    CHECK_U64(t, fp.bytes[EST_C_GRADIENTS], 2 * P + 2 * P + second - held); /* + the bf16 sqrt(v) temporary */
    CHECK_U64(t, fp.bytes[EST_C_OPTIMIZER], 4 * P);
    f.w.precision = EST_PREC_FP32;
    f.w.compute_dtype = EST_DT_FP32;
    f.w.weight_dtype = EST_DT_FP32;
    fp = run(t, &f);
    CHECK_U64(t, fp.bytes[EST_C_WEIGHTS], 4 * P);
    CHECK_U64(t, fp.bytes[EST_C_GRADIENTS], 8 * P + 2 * second - (2 * held - 256ULL * 50257 * 8)); /* fp32: activations x 2, logits 12 B */
    CHECK_U64(t, fp.bytes[EST_C_OPTIMIZER], 8 * P);
    /* torchtune (fused AdamW: no step temporary) with the step in the backward: one gradient at a
     * time, the largest tensor's: the 50257 x 768 embedding (gpt2 ties it to the head) x 4 B */
    f.w.framework = EST_FW_TORCHTUNE;
    f.w.optimizer_in_backward = 1;
    CHECK_U64(t, run(t, &f).bytes[EST_C_GRADIENTS], 50257ULL * 768 * 4);
    inv_catalog_free(&f.cat);
}

/* Activations: Korthikanti et al. 2022 for a GPT layer with flash attention and no dropout is
 * s*b*h*(34 - 2) bytes in 16-bit: (2 norms + attn input + q,k,v + attn out + mlp input + 4h + 4h) = 16h
 * values, x 2 B.  Checkpointing keeps h per layer plus one layer. */
static void test_activations(test_ctx *t)
{
    fx f;
    if (setup(t, &f, "gpt2"))
        return;
    const uint64_t h = 768, L = 12, T = 2 * 512;
    f.w.mode = EST_MODE_TRAIN;
    f.w.finetune = EST_FT_FULL;
    f.w.batch = 2;
    f.w.context = 512;
    est_footprint fp = run(t, &f);
    CHECK_U64(t, fp.bytes[EST_C_ACTIVATIONS], T * L * 16 * h * 2 + T * 2 * h * 2);
    /* checkpointing: each layer keeps its input; the logits (T x V x 10 B) are released before the
     * first layer is recomputed (16h saved + 2 x 4h MLP gradients), which is smaller: the forward's
     * end, checkpoints + the final norm's and head's inputs, sets the peak */
    f.w.grad_checkpointing = 1;
    CHECK_U64(t, run(t, &f).bytes[EST_C_ACTIVATIONS], T * L * h * 2 + T * 2 * h * 2);
    /* with a 16-token loss chunk the logits (16 x V x 10 B) are smaller than the layers' backward
     * (checkpoints + the recomputed layer's 16h + its MLP gradients 2 x 4h): counted beyond them */
    f.w.loss_chunk = 16;
    CHECK_U64(t, run(t, &f).bytes[EST_C_ACTIVATIONS], T * (L * h + 16 * h + 2 * 4 * h) * 2 - 16ULL * 50257 * 10);
    f.w.loss_chunk = 0;
    f.w.grad_checkpointing = 0;
    f.w.flash_attention = 0; /* + heads x s x (4 + 2) bytes per token per layer */
    CHECK_U64(t, run(t, &f).bytes[EST_C_ACTIVATIONS], T * L * (16 * h * 2 + 12 * 512 * 6) + T * 2 * h * 2);
    f.w.flash_attention = 1;
    /* logits: T x V x (2 + 4 + 4); chunked: one chunk */
    CHECK_U64(t, fp.bytes[EST_C_LOGITS], T * 50257ULL * 10);
    f.w.loss_chunk = 128;
    CHECK_U64(t, run(t, &f).bytes[EST_C_LOGITS], 128ULL * 50257ULL * 10);
    f.w.loss_chunk = 0;
    /* gradient accumulation keeps the gradients (2P) across the forward passes: counted whole, where
     * one step counts only the head's gradient (50257 x 768 x 2 B, the first made) beyond the
     * activations and logits they exceed (6P of gradients and AdamW temporary < the held 819,767,296 B) */
    const uint64_t P = 124439808ULL;
    CHECK_U64(t, fp.bytes[EST_C_GRADIENTS], 50257ULL * 768 * 2);
    f.w.grad_accum = 16;
    CHECK_U64(t, run(t, &f).total, fp.total - 50257ULL * 768 * 2 + 2 * P);
    inv_catalog_free(&f.cat);
}

/* What the training code keeps (docs/methodology.md, 5c), counted by hand for Llama-2-7B (h 4096,
 * I 11008, 32 layers of 32 heads, vocab 32000), LoRA r=8 on q and v, dropout 0.05, pure bf16,
 * 1304 tokens, as lit-gpt's code runs it:
 *   per layer: 2 RMSNorm inputs and the 2 x*x that torch.mean keeps on PyTorch 2.1 (4h) + the
 *   fused qkv output kept through v (3h) + RoPE's new q and k (2h) + the attention output (h) +
 *   SwiGLU's gate, act(gate) and up (3I) = 73,984 values;
 *   + one dropout copy and mask for the fused module (4096 x 3 B) + index_copy's source, q and v
 *   widths (8192 x 2 B);
 *   + the final norm and head inputs (2h a token) + the last MLP's gradients (3I a token) beyond
 *   the loss's transient (one 128-token chunk's 2 x 4 B fp32 gradients);
 *   logits: the 128-token chunks, cast to fp32 by Fabric, and their fp32 log-probabilities kept
 *   (4 + 4 B) + that transient. */
static void test_frameworks(test_ctx *t)
{
    fx f;
    if (setup(t, &f, "llama-2-7b"))
        return;
    const uint64_t T = 1304, V = 32000, h = 4096, I = 11008;
    f.w.mode = EST_MODE_TRAIN;
    f.w.finetune = EST_FT_LORA;
    f.w.precision = EST_PREC_PURE;
    f.w.lora_dropout = 0.05;
    f.w.context = T;
    f.w.framework = EST_FW_LITGPT;
    est_footprint fp = run(t, &f);
    const uint64_t chunk = 128 * V * 8;
    CHECK_U64(t, fp.bytes[EST_C_LOGITS], T * V * 8 + chunk);
    CHECK_U64(t, fp.bytes[EST_C_ACTIVATIONS],
              T * 32 * (73984 * 2 + h * 3 + 2 * h * 2) + T * 2 * h * 2 + (T * 3 * I * 2 - chunk));

    /* transformers + PEFT, same workload: the adapters are fp32 (4,194,304 x 4 B, and so are their
     * gradients and AdamW states) and each of q and v keeps an fp32 input copy and a mask
     * (4096 x 5 B) instead of the normed input; RMSNorm keeps fp32 copies (2 x 2h values) */
    f.w.framework = EST_FW_TRANSFORMERS;
    fp = run(t, &f);
    CHECK_U64(t, fp.bytes[EST_C_ADAPTER], 4194304ULL * 4);
    CHECK_U64(t, fp.bytes[EST_C_OPTIMIZER], 4194304ULL * 8);
    CHECK_U64(t, fp.bytes[EST_C_LOGITS], T * V * 10);
    CHECK_U64(t, fp.bytes[EST_C_ACTIVATIONS],
              T * 32 * ((4 * h + 2 * h + 2 * h + 3 * I) * 2 + 2 * h * 5) + T * 2 * h * 2);

    /* litgpt, checkpointed, 4096 tokens: the layers' backward sets the peak, and the script's list
     * of fp32 logit chunks (T x V x 4 B) is still held then, while the log-probabilities and the
     * chunk's gradients are gone.  Nothing else in that phase depends on the vocabulary, so
     * halving it takes T x 16000 x 4 B off activations + logits (without the held chunks, the
     * sum would not move at all) */
    {
        fx g;
        if (setup(t, &g, "llama-2-7b") == 0) {
            g.w.mode = EST_MODE_TRAIN;
            g.w.finetune = EST_FT_LORA;
            g.w.precision = EST_PREC_PURE;
            g.w.lora_dropout = 0.05;
            g.w.context = 4096;
            g.w.grad_checkpointing = 1;
            g.w.framework = EST_FW_LITGPT;
            est_footprint a = run(t, &g);
            g.a.vocab = 16000;
            CHECK(t, est_params_count(&g.a, &g.p, NULL) == 0);
            est_footprint b = run(t, &g);
            CHECK_U64(t, (a.bytes[EST_C_ACTIVATIONS] + a.bytes[EST_C_LOGITS]) -
                             (b.bytes[EST_C_ACTIVATIONS] + b.bytes[EST_C_LOGITS]),
                      4096ULL * 16000 * 4);
            inv_catalog_free(&g.cat);
        }
    }

    /* bitsandbytes before 0.43.2 (--bnb-legacy) keeps each frozen 4-bit linear's input: phi-1.5's
     * parallel block feeds one norm's output to both qkv and fc1, so that is kept once, with fc2's
     * input: (h + I) values a token and layer (h 2048, I 8192, 24 layers), not (2h + I) */
    {
        fx g;
        if (setup(t, &g, "phi-1.5") == 0) {
            g.w.mode = EST_MODE_TRAIN;
            g.w.finetune = EST_FT_QLORA;
            g.w.weight_dtype = EST_DT_NF4;
            g.w.precision = EST_PREC_PURE;
            g.w.context = 512;
            g.w.framework = EST_FW_LITGPT;
            est_footprint a = run(t, &g);
            g.w.bnb_legacy = 1;
            est_footprint b = run(t, &g);
            CHECK_U64(t, b.bytes[EST_C_ACTIVATIONS] - a.bytes[EST_C_ACTIVATIONS], 512ULL * 24 * (2048 + 8192) * 2);
            inv_catalog_free(&g.cat);
        }
    }

    /* torchtune, full, checkpointed and offloaded: 2 checkpoints on the GPU, all 32 in pinned
     * host memory; the step in the backward keeps one gradient, the largest (the 32000 x 4096
     * embedding, untied) */
    f.w.framework = EST_FW_TORCHTUNE;
    f.w.finetune = EST_FT_FULL;
    f.w.lora_dropout = 0;
    f.w.grad_checkpointing = 1;
    f.w.activation_offload = 1;
    f.w.optimizer_in_backward = 1;
    fp = run(t, &f);
    CHECK_U64(t, fp.host_offload, 32 * T * h * 2);
    CHECK(t, fp.host_pinned >= 32 * T * h * 2);
    CHECK_U64(t, fp.bytes[EST_C_GRADIENTS], V * h * 2);
    inv_catalog_free(&f.cat);
}

/* The largest batch fits and one more does not. */
static void test_max_batch_context(test_ctx *t)
{
    fx f;
    if (setup(t, &f, "llama-3.1-8b"))
        return;
    f.w.runtime = EST_RT_TRANSFORMERS;
    f.w.context = 8192;
    const uint64_t gpu = 22888ULL << 20;
    uint64_t mb = est_max_batch(&f.a, &f.p, &f.w, gpu);
    CHECK(t, mb >= 1);
    f.w.batch = mb;
    est_footprint fp = run(t, &f);
    CHECK(t, est_fits(&fp, &f.w, gpu));
    f.w.batch = mb + 1;
    fp = run(t, &f);
    CHECK(t, !est_fits(&fp, &f.w, gpu));
    f.w.batch = 1;
    uint64_t mc = est_max_context(&f.a, &f.p, &f.w, gpu);
    CHECK(t, mc > 8192 && mc <= 131072);
    f.w.context = mc;
    fp = run(t, &f);
    CHECK(t, est_fits(&fp, &f.w, gpu));
    if (mc < 131072) {
        f.w.context = mc + 1;
        fp = run(t, &f);
        CHECK(t, !est_fits(&fp, &f.w, gpu));
    }
    /* 70B in bf16 does not fit 24 GB at all */
    inv_catalog_free(&f.cat);
    if (setup(t, &f, "llama-3.1-70b"))
        return;
    CHECK_U64(t, est_max_batch(&f.a, &f.p, &f.w, gpu), 0);
    inv_catalog_free(&f.cat);
}

static void test_bad_workloads(test_ctx *t)
{
    fx f;
    if (setup(t, &f, "llama-3.1-8b"))
        return;
    est_footprint fp;
    fp_error e;
    f.w.batch = 0;
    CHECK(t, est_footprint_compute(&f.a, &f.p, &f.w, &fp, NULL, &e) != 0);
    CHECK_HAS(t, e.msg, "--batch");
    f.w.batch = 1;
    f.w.tp = 3;
    CHECK(t, est_footprint_compute(&f.a, &f.p, &f.w, &fp, NULL, &e) != 0);
    CHECK_HAS(t, e.msg, "does not divide the 32 attention heads");
    f.w.tp = 1;
    f.w.mode = EST_MODE_TRAIN;
    f.w.lora_rank = 0;
    CHECK(t, est_footprint_compute(&f.a, &f.p, &f.w, &fp, NULL, &e) != 0);
    CHECK_HAS(t, e.msg, "--lora-rank");
    f.w.lora_rank = 8;
    f.w.finetune = EST_FT_QLORA;
    CHECK(t, est_footprint_compute(&f.a, &f.p, &f.w, &fp, NULL, &e) != 0);
    CHECK_HAS(t, e.msg, "quantized base weights");
    f.w.finetune = EST_FT_FULL;
    f.w.frozen_layers = 40;
    CHECK(t, est_footprint_compute(&f.a, &f.p, &f.w, &fp, NULL, &e) != 0);
    CHECK_HAS(t, e.msg, "--freeze-layers");
    f.w.frozen_layers = 16; /* half the layers and the embeddings frozen */
    CHECK(t, est_footprint_compute(&f.a, &f.p, &f.w, &fp, NULL, &e) == 0);
    CHECK_U64(t, fp.trainable, (8030261248ULL - 2 * 128256ULL * 4096ULL - 4096) / 2 + 128256ULL * 4096ULL + 4096);
    inv_catalog_free(&f.cat);
}

/* llama.cpp: Llama-2-7B in Q4_0 is 18 bytes per 32 values for the layers and the token embedding,
 * Q6_K (210 bytes per 256) for output.weight, f32 norms: 3,825,065,984 B = 3.56 GiB, the "model size"
 * llama.cpp prints for this file.  KV at n_ctx 512 in f16: 32 x 2 x 512 x 4096 x 2 = 256 MiB. */
static void test_llamacpp(test_ctx *t)
{
    fx f;
    if (setup(t, &f, "llama-2-7b"))
        return;
    f.w.runtime = EST_RT_LLAMACPP;
    f.w.weight_dtype = EST_DT_Q4_0;
    f.w.kv_dtype = EST_DT_FP16;
    f.w.compute_dtype = EST_DT_FP16;
    f.w.context = 512;
    est_footprint fp = run(t, &f);
    CHECK_U64(t, fp.bytes[EST_C_WEIGHTS], 6476005376ULL / 32 * 18 + 131072000ULL / 32 * 18 + 16ULL * 210 * 32000 +
                                              266240ULL * 4);
    CHECK_U64(t, fp.bytes[EST_C_KV], 256ULL << 20);
    f.w.weight_dtype = EST_DT_Q8_0; /* 34 bytes per 32, output too */
    CHECK_U64(t, run(t, &f).bytes[EST_C_WEIGHTS], (6476005376ULL + 2 * 131072000ULL) / 32 * 34 + 266240ULL * 4);
    inv_catalog_free(&f.cat);
}

/* --pp: floor(L / N) layers a stage, the first L mod N stages one more */
static void test_stage_layers(test_ctx *t)
{
    uint64_t first;
    CHECK_U64(t, est_stage_layers(32, 3, 0, &first), 11);
    CHECK_U64(t, first, 0);
    CHECK_U64(t, est_stage_layers(32, 3, 1, &first), 11);
    CHECK_U64(t, first, 11);
    CHECK_U64(t, est_stage_layers(32, 3, 2, &first), 10);
    CHECK_U64(t, first, 22);
    CHECK_U64(t, est_stage_layers(80, 3, 2, &first), 26);
    CHECK_U64(t, first, 54);
    CHECK_U64(t, est_stage_layers(32, 1, 0, &first), 32);
}

/* Llama-2-7B in bf16 over 2 stages of 16 layers: each holds half the layer matrices
 * (6,476,005,376 values) and half the norms (266,240 values x 2 B / 2), the first the
 * embedding (32000 x 4096), the last the head (the same size): 6,738,415,616 bytes each.
 * KV: half of 1000 tokens x 524,288 B; logits (32000 x (2 + 4) B) on the last stage only. */
static void test_pipeline(test_ctx *t)
{
    fx f;
    if (setup(t, &f, "llama-2-7b"))
        return;
    f.w.context = 1000;
    f.w.pp = 2;
    est_footprint fp = run(t, &f);
    CHECK_U64(t, fp.nstages, 2);
    CHECK_U64(t, fp.stages[0].bytes[EST_C_WEIGHTS], 6476005376ULL + 2 * 131072000ULL + 266240ULL);
    CHECK_U64(t, fp.stages[1].bytes[EST_C_WEIGHTS], 6476005376ULL + 2 * 131072000ULL + 266240ULL);
    CHECK_U64(t, fp.stages[0].bytes[EST_C_KV], 1000ULL * 524288ULL / 2);
    CHECK_U64(t, fp.stages[0].bytes[EST_C_LOGITS], 0);
    CHECK_U64(t, fp.stages[1].bytes[EST_C_LOGITS], 32000ULL * 6);
    CHECK_U64(t, fp.largest_stage, 1);
    CHECK_U64(t, fp.bytes[EST_C_LOGITS], 32000ULL * 6);
    CHECK_U64(t, est_job_gpus(&f.w), 2);
    /* pp 1 is the whole model, one stage */
    f.w.pp = 1;
    fp = run(t, &f);
    CHECK_U64(t, fp.nstages, 1);
    CHECK_U64(t, fp.bytes[EST_C_WEIGHTS], 2ULL * 6738415616ULL);
    inv_catalog_free(&f.cat);
}

/* ZeRO-Offload (Ren et al. 2021): mixed-precision AdamW keeps 2 B gradients, a 4 B master copy
 * and 8 B of states per parameter on the host (14 B), 2 B weights on the GPU; the reduce
 * bucket (5e8 elements x 2 B) stays on the GPU.  Parameter offload keeps only two gathered
 * layers on the GPU: 2 x (4 x 4096^2 + 3 x 4096 x 11008 + 2 x 4096) values x 2 B. */
static void test_offload(test_ctx *t)
{
    fx f;
    if (setup(t, &f, "llama-2-7b"))
        return;
    const uint64_t P = 6738415616ULL;
    f.w.mode = EST_MODE_TRAIN;
    f.w.finetune = EST_FT_FULL;
    f.w.zero_stage = 2;
    f.w.offload = EST_OFFLOAD_OPTIMIZER;
    est_footprint fp = run(t, &f);
    CHECK_U64(t, fp.bytes[EST_C_WEIGHTS], 2 * P);
    CHECK_U64(t, fp.bytes[EST_C_GRADIENTS], 0);
    CHECK_U64(t, fp.bytes[EST_C_OPTIMIZER], 0);
    CHECK_U64(t, fp.bytes[EST_C_RUNTIME], 500000000ULL * 2);
    CHECK_U64(t, fp.host_offload, 14 * P);
    CHECK_U64(t, fp.host, (2ULL << 30) + 14 * P);
    CHECK_U64(t, fp.host_pinned, 0);
    f.w.pin_memory = 1;
    CHECK_U64(t, run(t, &f).host_pinned, 14 * P);
    f.w.zero_stage = 3;
    f.w.offload = EST_OFFLOAD_PARAMS;
    fp = run(t, &f);
    CHECK_U64(t, fp.bytes[EST_C_WEIGHTS], 2 * 202383360ULL * 2);
    CHECK_U64(t, fp.host_offload, 16 * P);
    /* a paged optimizer's states leave the GPU side and count in host */
    f.w.offload = EST_OFFLOAD_NONE;
    f.w.pin_memory = 0;
    f.w.zero_stage = 0;
    f.w.paged_optimizer = 1;
    fp = run(t, &f);
    CHECK_U64(t, fp.bytes[EST_C_OPTIMIZER], 0);
    CHECK_U64(t, fp.paged, 8 * P);
    CHECK_U64(t, fp.host, (2ULL << 30) + 8 * P);
    inv_catalog_free(&f.cat);
}

/* vLLM --cpu-offload-gb 4: 4 GiB of weights per GPU move to pinned host memory, beside the
 * 4 GiB swap space (pinned too) and the process's 2 GiB.  llama.cpp -ngl 16 of 32 layers in
 * Q8_0: half the layer matrices (34 B per 32 values) and f32 norms, half the KV; -ngl 33 adds
 * the output (Q8_0 too); the token embedding stays on the host. */
static void test_inference_offload(test_ctx *t)
{
    fx f;
    if (setup(t, &f, "llama-2-7b"))
        return;
    f.w.runtime = EST_RT_VLLM;
    f.w.cpu_offload = 4ULL << 30;
    est_footprint fp = run(t, &f);
    CHECK_U64(t, fp.bytes[EST_C_WEIGHTS], 2ULL * 6738415616ULL + 4096ULL * 128 * 2 - (4ULL << 30));
    CHECK_U64(t, fp.host_offload, 4ULL << 30);
    CHECK_U64(t, fp.host_pinned, 8ULL << 30);
    CHECK_U64(t, fp.host, 10ULL << 30);
    est_workload_default(&f.w);
    f.w.runtime = EST_RT_LLAMACPP;
    f.w.weight_dtype = EST_DT_Q8_0;
    f.w.kv_dtype = EST_DT_FP16;
    f.w.compute_dtype = EST_DT_FP16;
    f.w.context = 512;
    f.w.ngl_set = 1;
    f.w.n_gpu_layers = 16;
    CHECK(t, !est_on_host(&f.w));
    fp = run(t, &f);
    CHECK_U64(t, fp.bytes[EST_C_WEIGHTS], (6476005376ULL / 32 * 34 + 266240ULL * 4) / 2);
    CHECK_U64(t, fp.bytes[EST_C_KV], 128ULL << 20);
    CHECK_U64(t, fp.bytes[EST_C_LOGITS], 0);
    f.w.n_gpu_layers = 33;
    CHECK_U64(t, run(t, &f).bytes[EST_C_WEIGHTS], 6476005376ULL / 32 * 34 + 266240ULL * 4 + 131072000ULL / 32 * 34);
    f.w.no_kv_offload = 1;
    CHECK_U64(t, run(t, &f).bytes[EST_C_KV], 0);
    inv_catalog_free(&f.cat);
}

const test_case footprint_tests[] = {
    {"footprint/stage_layers", test_stage_layers},
    {"footprint/pipeline", test_pipeline},
    {"footprint/offload", test_offload},
    {"footprint/inference_offload", test_inference_offload},
    {"footprint/llamacpp", test_llamacpp},
    {"footprint/bf16_weights_and_kv", test_bf16_weights_and_kv},
    {"footprint/phi_neox_weights", test_phi_neox_weights},
    {"footprint/quantized_weights", test_quantized_weights},
    {"footprint/kv_variants", test_kv_variants},
    {"footprint/lora", test_lora},
    {"footprint/full_and_zero", test_full_and_zero},
    {"footprint/activations", test_activations},
    {"footprint/frameworks", test_frameworks},
    {"footprint/max_batch_context", test_max_batch_context},
    {"footprint/bad_workloads", test_bad_workloads},
    {NULL, NULL},
};
