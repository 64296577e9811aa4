/* names.c: the names of dtypes, runtimes, optimizers and modules, in one table each. */
#include <stdio.h>
#include <string.h>

#include "../common/text.h"
#include "estimator.h"

typedef struct name_row {
    const char *name;
    const char *alias;
    int value;
} name_row;

static int lookup(const name_row *rows, size_t n, const char *s, int *out)
{
    for (size_t i = 0; i < n; i++)
        if (fp_streq_ci(s, rows[i].name) || (rows[i].alias && fp_streq_ci(s, rows[i].alias))) {
            *out = rows[i].value;
            return 0;
        }
    return -1;
}

#define N(rows) (sizeof rows / sizeof rows[0])

static const name_row dtype_rows[] = {
    {"fp32", "float32", EST_DT_FP32},   {"bf16", "bfloat16", EST_DT_BF16}, {"fp16", "float16", EST_DT_FP16},
    {"fp8", "float8", EST_DT_FP8},      {"int8", "bnb-int8", EST_DT_INT8}, {"int4", "gptq", EST_DT_INT4},
    {"nf4", "bnb-nf4", EST_DT_NF4},     {"nf4-dq", "bnb-nf4-dq", EST_DT_NF4_DQ},
    {"q8_0", NULL, EST_DT_Q8_0},        {"q6_k", NULL, EST_DT_Q6_K},       {"q4_k", NULL, EST_DT_Q4_K},
    {"q4_0", NULL, EST_DT_Q4_0},        {"fp8-block", "fp8-blockwise", EST_DT_FP8_BLOCK},
    {"mxfp4", NULL, EST_DT_MXFP4},
};

const char *est_dtype_name(est_dtype d)
{
    for (size_t i = 0; i < N(dtype_rows); i++)
        if (dtype_rows[i].value == (int)d)
            return dtype_rows[i].name;
    return "?";
}

int est_dtype_parse(const char *s, est_dtype *d)
{
    int v;
    if (fp_streq_ci(s, "awq")) {
        *d = EST_DT_INT4;
        return 0;
    }
    if (lookup(dtype_rows, N(dtype_rows), s, &v) != 0)
        return -1;
    *d = (est_dtype)v;
    return 0;
}

double est_dtype_bytes(est_dtype d)
{
    switch (d) {
    case EST_DT_FP32: return 4.0;
    case EST_DT_BF16:
    case EST_DT_FP16: return 2.0;
    case EST_DT_FP8:
    case EST_DT_INT8: return 1.0;
    case EST_DT_FP8_BLOCK: return 1.0 + 4.0 / (128.0 * 128.0);
    case EST_DT_MXFP4: return 17.0 / 32.0; /* OCP MX: 32 e2m1 values (16 bytes) + one e8m0 scale */
    case EST_DT_INT4:
    case EST_DT_NF4: return 0.5;
    case EST_DT_NF4_DQ: return 0.5;
    case EST_DT_Q8_0: return 34.0 / 32.0;  /* ggml block_q8_0: fp16 scale + 32 int8 */
    case EST_DT_Q6_K: return 210.0 / 256.0; /* ggml block_q6_K */
    case EST_DT_Q4_K: return 144.0 / 256.0; /* ggml block_q4_K */
    case EST_DT_Q4_0: return 18.0 / 32.0;  /* ggml block_q4_0: fp16 scale + 16 bytes */
    default: return 2.0;
    }
}

static const name_row runtime_rows[] = {
    {"transformers", "hf", EST_RT_TRANSFORMERS},
    {"vllm", NULL, EST_RT_VLLM},
    {"llama.cpp", "llamacpp", EST_RT_LLAMACPP},
    {"none", "bare", EST_RT_NONE},
};

const char *est_runtime_name(est_runtime r)
{
    for (size_t i = 0; i < N(runtime_rows); i++)
        if (runtime_rows[i].value == (int)r)
            return runtime_rows[i].name;
    return "?";
}

int est_runtime_parse(const char *s, est_runtime *r)
{
    int v;
    if (lookup(runtime_rows, N(runtime_rows), s, &v) != 0)
        return -1;
    *r = (est_runtime)v;
    return 0;
}

static const name_row opt_rows[] = {
    {"adamw", "adam", EST_OPT_ADAMW}, {"adamw8bit", "adamw-8bit", EST_OPT_ADAMW8},
    {"adafactor", NULL, EST_OPT_ADAFACTOR}, {"sgd", NULL, EST_OPT_SGD},
    {"sgd-momentum", "sgdm", EST_OPT_SGDM}, {"lion", NULL, EST_OPT_LION},
};

const char *est_optimizer_name(est_optimizer o)
{
    for (size_t i = 0; i < N(opt_rows); i++)
        if (opt_rows[i].value == (int)o)
            return opt_rows[i].name;
    return "?";
}

int est_optimizer_parse(const char *s, est_optimizer *o)
{
    int v;
    if (lookup(opt_rows, N(opt_rows), s, &v) != 0)
        return -1;
    *o = (est_optimizer)v;
    return 0;
}

static const name_row fw_rows[] = {
    {"transformers", "peft", EST_FW_TRANSFORMERS}, {"litgpt", "lit-gpt", EST_FW_LITGPT},
    {"torchtune", NULL, EST_FW_TORCHTUNE},
};

const char *est_framework_name(est_framework f)
{
    for (size_t i = 0; i < N(fw_rows); i++)
        if (fw_rows[i].value == (int)f)
            return fw_rows[i].name;
    return "?";
}

int est_framework_parse(const char *s, est_framework *f)
{
    int v;
    if (lookup(fw_rows, N(fw_rows), s, &v) != 0)
        return -1;
    *f = (est_framework)v;
    return 0;
}

static const char *const component_names[EST_C_COUNT] = {
    "weights", "kv_cache", "activations", "logits", "gradients", "optimizer", "adapter", "runtime_overhead",
};

const char *est_component_name(est_component c)
{
    return c < EST_C_COUNT ? component_names[c] : "?";
}

static const char *const module_names[EST_MOD_COUNT] = {
    "q_proj", "k_proj", "v_proj", "qkv_proj", "o_proj", "gate_proj", "up_proj", "gate_up_proj", "down_proj",
    "q_a_proj", "q_b_proj", "kv_a_proj", "kv_b_proj", "router", "shared_expert_gate", "lm_head",
};

const char *est_module_name(est_module m)
{
    return m < EST_MOD_COUNT ? module_names[m] : "?";
}

#define BIT(m) (1u << (m))

static const struct {
    const char *name;
    uint32_t bits;
} target_rows[] = {
    {"q", BIT(EST_MOD_Q)},
    {"k", BIT(EST_MOD_K)},
    {"v", BIT(EST_MOD_V)},
    {"o", BIT(EST_MOD_O)},
    {"qkv", BIT(EST_MOD_QKV)},
    {"gate", BIT(EST_MOD_GATE)},
    {"up", BIT(EST_MOD_UP)},
    {"gate_up", BIT(EST_MOD_GATE_UP)},
    {"down", BIT(EST_MOD_DOWN)},
    {"q_a", BIT(EST_MOD_Q_A)},
    {"q_b", BIT(EST_MOD_Q_B)},
    {"kv_a", BIT(EST_MOD_KV_A)},
    {"kv_b", BIT(EST_MOD_KV_B)},
    {"lm_head", BIT(EST_MOD_LM_HEAD)},
    {"attn", BIT(EST_MOD_Q) | BIT(EST_MOD_K) | BIT(EST_MOD_V) | BIT(EST_MOD_QKV) | BIT(EST_MOD_O) |
                 BIT(EST_MOD_Q_A) | BIT(EST_MOD_Q_B) | BIT(EST_MOD_KV_A) | BIT(EST_MOD_KV_B)},
    {"mlp", BIT(EST_MOD_GATE) | BIT(EST_MOD_UP) | BIT(EST_MOD_GATE_UP) | BIT(EST_MOD_DOWN)},
    {"all-linear", ~(BIT(EST_MOD_LM_HEAD)) & (BIT(EST_MOD_COUNT) - 1)},
};

int est_lora_targets_parse(const char *s, uint32_t *bits, fp_error *err)
{
    uint32_t acc = 0;
    char buf[256];
    if (strlen(s) >= sizeof buf || !*s)
        return fp_fail(err, NULL, 0, 0, "--lora-targets: expected a comma list such as 'q,v' or 'all-linear', got '%s'",
                       s);
    memcpy(buf, s, strlen(s) + 1);
    for (char *tok = buf, *next; tok; tok = next) {
        next = strchr(tok, ',');
        if (next)
            *next++ = 0;
        size_t len = strlen(tok);
        if (len > 5 && !strcmp(tok + len - 5, "_proj"))
            tok[len - 5] = 0; /* accept the Hugging Face module names too */
        size_t i = 0;
        for (; i < sizeof target_rows / sizeof target_rows[0]; i++)
            if (fp_streq_ci(tok, target_rows[i].name))
                break;
        if (i == sizeof target_rows / sizeof target_rows[0])
            return fp_fail(err, NULL, 0, 0,
                           "--lora-targets: unknown module '%s'; use q, k, v, o, qkv, gate, up, gate_up, down, "
                           "q_a, q_b, kv_a, kv_b, lm_head, attn, mlp or all-linear",
                           tok);
        acc |= target_rows[i].bits;
    }
    *bits = acc;
    return 0;
}
