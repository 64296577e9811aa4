/* caps.c: what a GPU can compute, and what each runtime needs of it.
 *
 * Two tables, each row with its source (docs/formats.md and docs/methodology.md repeat
 * them for readers):
 *
 *   1. compute capability -> hardware features.  NVIDIA numbers its GPU generations
 *      (compute capability 7.0 Volta, 7.5 Turing, 8.0/8.6 Ampere, 8.9 Ada, 9.0 Hopper) and
 *      each feature below arrived with one generation and stayed, so a feature is a
 *      minimum compute capability.  The GPU catalog gives each GPU's compute capability;
 *      an entry may state a feature itself where the table cannot say (AMD GPUs).
 *
 *   2. runtime x (runtime itself, weights dtype, compute dtype, KV dtype) -> the minimum
 *      NVIDIA compute capability its kernels need, and whether a ROCm path exists (with
 *      the hardware features it needs there).  No row means no requirement fedplan knows
 *      of beyond the runtime's own.  Runtimes move: each row names the document or code
 *      it was read from, so a reader can check it against the version they run.
 *
 * FlashAttention-2 is a feature of the catalog but no runtime row needs it: the estimator's
 * flash_attention (no s^2 score matrix) holds on older GPUs too, through PyTorch's
 * memory-efficient SDPA kernel (transformers) or xFormers / FlashInfer (vLLM).
 *
 * The tables are data; this file only reads them.  Hardware facts stay in the catalog
 * (a GPU's compute capability is catalog data); this file holds what follows from them.
 */
#include <stdio.h>
#include <string.h>

#include "../common/text.h"
#include "inventory.h"

/* ====================================================================== features */

typedef struct cc_feature {
    unsigned feature;
    const char *name;   /* the catalog key that overrides it */
    int min_cc;         /* x 10 */
    const char *source;
} cc_feature;

static const cc_feature cc_features[] = {
    {INV_F_BF16, "bf16", 80,
     "NVIDIA Transformer Engine support matrix: 'BF16 requires compute capability 8.0 or higher'; "
     "vLLM refuses bf16 below 8.0 ('Bfloat16 is only supported on GPUs with compute capability of at least 8.0')"},
    {INV_F_FP8, "fp8", 89,
     "NVIDIA Transformer Engine support matrix: FP8 'requires compute capability 8.9 or higher'; "
     "vLLM FP8 W8A8 docs: 'FP8 computation is supported on NVIDIA GPUs with compute capability >= 8.9'"},
    {INV_F_INT8, "int8_tensor_cores", 75,
     "llama.cpp ggml/src/ggml-cuda/CMakeLists.txt: '75 == Turing, int8 tensor cores'; bitsandbytes "
     "installation guide: LLM.int8() needs 7.5+"},
    {INV_F_FA2, "flash_attention_2", 80,
     "Dao-AILab/flash-attention README: 'FlashAttention-2 currently supports Ampere, Ada, or Hopper GPUs "
     "(e.g., A100, RTX 3090, RTX 4090, H100)'; Turing (T4) is left to FlashAttention 1.x"},
};

#define N(a) (sizeof a / sizeof a[0])

const char *inv_feature_name(unsigned f)
{
    for (size_t i = 0; i < N(cc_features); i++)
        if (cc_features[i].feature == f)
            return cc_features[i].name;
    return "?";
}

unsigned inv_cc_features(int cc)
{
    unsigned f = 0;
    for (size_t i = 0; i < N(cc_features); i++)
        if (cc > 0 && cc >= cc_features[i].min_cc)
            f |= cc_features[i].feature;
    return f;
}

int inv_cc_parse(const char *s)
{
    int major = 0, n = 0;
    while (s[n] >= '0' && s[n] <= '9' && n < 3)
        major = major * 10 + (s[n++] - '0');
    if (n == 0 || s[n] != '.' || !(s[n + 1] >= '0' && s[n + 1] <= '9') || s[n + 2] != 0 || major == 0)
        return -1;
    return major * 10 + (s[n + 1] - '0');
}

/* ====================================================================== runtimes */

typedef enum { PART_RUNTIME, PART_WEIGHTS, PART_COMPUTE, PART_KV } req_part;

#define RT(r) (1u << (r))
#define RT_ANY (RT(EST_RT_TRANSFORMERS) | RT(EST_RT_VLLM) | RT(EST_RT_LLAMACPP) | RT(EST_RT_NONE))
/* "none" is the bare model in PyTorch: the same kernels as transformers */
#define RT_TORCH (RT(EST_RT_TRANSFORMERS) | RT(EST_RT_NONE))

typedef struct runtime_req {
    unsigned runtimes;     /* RT() bits the row applies to */
    req_part part;
    est_dtype dtype;       /* for the weights, compute or KV rows */
    est_dtype dtype2;      /* a second dtype the row covers (EST_DT_COUNT: none) */
    const char *what;      /* subject and verb of the reason: "fp8 weights need" */
    int min_cc;            /* NVIDIA: a kernel's minimum compute capability, x 10 (0: none) */
    unsigned features;     /* NVIDIA: hardware features needed (a catalog entry may override them) */
    int rocm;              /* 1: a ROCm path exists (AMD GPUs), needing rocm_features */
    unsigned rocm_features;
    const char *how;       /* the kernel or check, in the reason */
    const char *source;
} runtime_req;

static const runtime_req reqs[] = {
    /* ---------------------------------------------------------------- any runtime */
    {RT_ANY, PART_COMPUTE, EST_DT_BF16, EST_DT_COUNT, "bf16 compute needs", 0, INV_F_BF16, 1, INV_F_BF16, "bfloat16 arithmetic",
     "vLLM worker start-up check (Bfloat16 needs compute capability 8.0; use --dtype half); Transformer Engine "
     "support matrix. transformers runs bf16 on older GPUs only through slow emulation: fedplan refuses it in plans"},

    /* ---------------------------------------------------------------- transformers (and bare PyTorch) */
    {RT_TORCH, PART_WEIGHTS, EST_DT_FP8, EST_DT_FP8_BLOCK, "fp8 weights need", 0, INV_F_FP8, 1, INV_F_FP8,
     "transformers FineGrainedFP8",
     "transformers quantizer_finegrained_fp8.py validate_environment: below compute capability 8.9 the model is "
     "dequantized to bf16 (older releases raised 'FP8 quantized models is only supported on GPUs with compute "
     "capability >= 8.9')"},
    {RT_TORCH, PART_WEIGHTS, EST_DT_INT4, EST_DT_COUNT, "int4 weights need", 75, 0, 1, 0, "AutoAWQ kernels",
     "AutoAWQ README: 'Compute Capability 7.5 (sm75). Turing and later architectures are supported'; "
     "AMD: ROCm 5.6 or later. GPTQ kernels also run on 7.0, but int4 stands for both here"},
    {RT_TORCH, PART_WEIGHTS, EST_DT_INT8, EST_DT_COUNT, "int8 weights need", 75, 0, 1, 0, "bitsandbytes LLM.int8()",
     "bitsandbytes installation guide (v0.48, v0.50): LLM.int8() 7.5+, Turing (RTX 20 series, T4) or newer"},
    {RT_TORCH, PART_WEIGHTS, EST_DT_NF4, EST_DT_NF4_DQ, "nf4 weights need", 60, 0, 1, 0, "bitsandbytes 4-bit",
     "bitsandbytes installation guide (v0.48, v0.50): NF4/FP4 quantization 6.0+, Pascal (P100) or newer"},

    /* ---------------------------------------------------------------- vLLM */
    {RT(EST_RT_VLLM), PART_RUNTIME, EST_DT_COUNT, EST_DT_COUNT, "vLLM needs", 70, 0, 1, 0, "its CUDA build",
     "vLLM GPU installation docs: 'compute capability 7.0 or higher (e.g., V100, T4, RTX20xx, A100, L4, H100)'; "
     "ROCm: MI200s (gfx90a), MI300 (gfx942), MI350 (gfx950)"},
    /* 8.0, not the 7.5 of the newest docs: a plan must run on the vLLM the user has, and
     * Turing's FP8 Marlin only came in December 2025 (docs/methodology.md, section 9) */
    {RT(EST_RT_VLLM), PART_WEIGHTS, EST_DT_FP8, EST_DT_FP8_BLOCK, "fp8 weights need", 80, 0, 1, INV_F_FP8,
     "vLLM FP8: W8A8 from 8.9, weight-only FP8 Marlin below",
     "vLLM FP8 W8A8 docs: 'FP8 models will run on compute capability >= 7.5 (Turing) as weight-only W8A16, "
     "utilizing FP8 Marlin' (Turing since vllm-project/vllm PR #29901, 2025-12; Ampere since PR #5975); "
     "quantization hardware table: FP8 W8A8 on AMD GPUs"},
    {RT(EST_RT_VLLM), PART_WEIGHTS, EST_DT_INT4, EST_DT_COUNT, "int4 weights need", 75, 0, 0, 0, "vLLM AWQ",
     "vLLM quantization hardware table: AWQ Turing and later (GPTQ from Volta; int4 stands for both here), "
     "neither on AMD GPUs"},
    {RT(EST_RT_VLLM), PART_WEIGHTS, EST_DT_INT8, EST_DT_COUNT, "int8 weights need", 75, 0, 0, 0, "vLLM INT8 W8A8",
     "vLLM quantization hardware table: INT8 (W8A8) Turing and later, not on AMD GPUs; bitsandbytes LLM.int8() "
     "also needs 7.5"},
    {RT(EST_RT_VLLM), PART_WEIGHTS, EST_DT_NF4, EST_DT_NF4_DQ, "nf4 weights need", 70, 0, 0, 0, "vLLM bitsandbytes",
     "vLLM quantization hardware table: bitsandbytes Volta and later, not on AMD GPUs"},
    {RT(EST_RT_VLLM), PART_KV, EST_DT_FP8, EST_DT_COUNT, "fp8 KV cache needs", 70, 0, 1, 0, "vLLM fp8 cache",
     "vllm-project/vllm PR #2279 (fp8 e5m2 KV cache): 'not limited on Hopper. Volta/Ampere are both ok and have "
     "been tested' (bit operations convert before Hopper)"},

    /* ---------------------------------------------------------------- llama.cpp */
    {RT(EST_RT_LLAMACPP), PART_RUNTIME, EST_DT_COUNT, EST_DT_COUNT, "llama.cpp's CUDA backend needs", 50, 0, 1, 0,
     "CUDA 12 builds",
     "llama.cpp ggml/src/ggml-cuda/CMakeLists.txt: '50 == Maxwell, lowest CUDA 12 standard'; its quantized "
     "types (q8_0, q6_k, q4_k, q4_0) have kernels for every architecture it builds for; HIP builds for AMD"},
};

static int part_matches(const runtime_req *r, const est_workload *w)
{
    est_dtype d;
    switch (r->part) {
    case PART_RUNTIME: return 1;
    case PART_WEIGHTS: d = w->weight_dtype; break;
    case PART_COMPUTE: d = w->compute_dtype; break;
    case PART_KV:
        if (w->mode != EST_MODE_INFER)
            return 0;
        d = w->kv_dtype;
        break;
    default: return 0;
    }
    return d == r->dtype || d == r->dtype2;
}

int inv_caps_can_run(const inv_caps *caps, const char *gpu, const est_workload *w, char *why, size_t n)
{
    if (n)
        why[0] = 0;
    if (!caps->known)
        return 1;
    int amd = fp_streq_ci(caps->vendor, "amd");
    for (size_t i = 0; i < N(reqs); i++) {
        const runtime_req *r = &reqs[i];
        if (!(r->runtimes & RT(w->runtime)) || !part_matches(r, w))
            continue;
        if (amd) {
            if (!r->rocm) {
                snprintf(why, n, "%s a CUDA GPU (%s has no ROCm kernel); %s is AMD %s", r->what, r->how, gpu,
                         caps->compute_capability);
                return 0;
            }
            unsigned missing = r->rocm_features & ~caps->features;
            if (missing) {
                snprintf(why, n, "%s %s hardware (%s); %s has none", r->what, inv_feature_name(missing & -missing),
                         r->how, gpu);
                return 0;
            }
        } else if (caps->cc) {
            /* a missing feature is reported as the compute capability it comes with, unless
             * the catalog took it away from a GPU that has that capability */
            unsigned missing = r->features & ~caps->features;
            int need = r->min_cc;
            for (size_t k = 0; k < N(cc_features); k++)
                if ((missing & cc_features[k].feature) && cc_features[k].min_cc > need)
                    need = cc_features[k].min_cc;
            if (caps->cc < need) {
                snprintf(why, n, "%s compute capability %d.%d (%s); %s is %d.%d", r->what, need / 10, need % 10,
                         r->how, gpu, caps->cc / 10, caps->cc % 10);
                return 0;
            }
            if (missing) {
                snprintf(why, n, "%s %s hardware (%s); %s has none (its catalog entry)", r->what,
                         inv_feature_name(missing & -missing), r->how, gpu);
                return 0;
            }
        }
    }
    return 1;
}

int inv_gpu_can_run(const inv_gpu *g, const est_workload *w, char *why, size_t n)
{
    return inv_caps_can_run(&g->caps, g->name, w, why, n);
}
