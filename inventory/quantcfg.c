/* quantcfg.c: a config.json's quantization_config -> how the weights are stored.
 *
 * Native quantized checkpoints say how they were quantized in config.json (transformers
 * reads it into a quantizer, utils/quantization_config.py).  The methods sized here:
 *   fp8           DeepSeek-V3, Qwen3-FP8: {"quant_method": "fp8", "weight_block_size": [128, 128]}:
 *                 e4m3 values and one fp32 scale (weight_scale_inv) per 128 x 128 block;
 *                 without weight_block_size, one scale per tensor
 *   mxfp4         gpt-oss: the experts as OCP MXFP4 (32 e2m1 values + one e8m0 scale), the rest
 *                 (attention, router, embeddings, head: modules_to_not_convert) in bf16
 *   gptq, awq     bits 4 with group_size (-1: one group per column); scales fp16 and packed
 *                 4-bit zero points per group; GPTQ also stores g_idx (one int32 per input row)
 *   bitsandbytes  load_in_4bit (nf4 or fp4, same size; bnb_4bit_use_double_quant) or load_in_8bit
 * Anything else (another method, GPTQ at 3 or 8 bits) is read as "not sized": the caller
 * refuses it unless --dtype says how to size the weights.
 */
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "inventory.h"

/* line and column of "key": in JSON text (jansson keeps no positions for values) */
static void key_pos(const char *text, size_t len, const char *key, unsigned long *line, unsigned long *col)
{
    size_t kl = strlen(key);
    unsigned long ln = 1, cl = 1;
    *line = *col = 1;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '"' && i + kl + 1 < len && !strncmp(text + i + 1, key, kl) && text[i + kl + 1] == '"') {
            *line = ln;
            *col = cl;
            return;
        }
        if (text[i] == '\n') {
            ln++;
            cl = 1;
        } else {
            cl++;
        }
    }
}

static int qfail(const char *file, const char *text, size_t len, const char *key, fp_error *err, const char *msg)
{
    unsigned long line, col;
    key_pos(text, len, key, &line, &col);
    return fp_fail(err, file, line, col, "quantization_config: %s", msg);
}

static int not_sized(inv_quant *q, const char *why)
{
    q->dtype = EST_DT_COUNT;
    snprintf(q->what, sizeof q->what, "%s", why);
    return 0;
}

int inv_quant_parse(const char *file, const char *text, size_t len, inv_quant *q, fp_error *err)
{
    memset(q, 0, sizeof *q);
    q->dtype = EST_DT_COUNT;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
    if (!root)
        return 0; /* the config reader reports the JSON error */
    int rc = 0;
    const json_t *qc = json_object_get(root, "quantization_config");
    if (!qc || json_is_null(qc))
        goto out;
    q->present = 1;
    if (!json_is_object(qc)) {
        rc = qfail(file, text, len, "quantization_config", err, "must be an object");
        goto out;
    }
    const json_t *m = json_object_get(qc, "quant_method");
    if (!json_is_string(m)) {
        rc = qfail(file, text, len, "quantization_config", err, "has no 'quant_method' string");
        goto out;
    }
    snprintf(q->method, sizeof q->method, "%s", json_string_value(m));
    for (char *p = q->method; *p; p++)
        *p = (char)tolower((unsigned char)*p);

    if (!strcmp(q->method, "fp8")) {
        const json_t *bs = json_object_get(qc, "weight_block_size");
        if (!bs || json_is_null(bs)) {
            q->dtype = EST_DT_FP8;
            snprintf(q->what, sizeof q->what, "fp8, one fp32 scale per tensor");
            goto out;
        }
        const json_t *b0 = json_array_get(bs, 0), *b1 = json_array_get(bs, 1);
        if (!json_is_array(bs) || json_array_size(bs) != 2 || !json_is_integer(b0) || !json_is_integer(b1) ||
            json_integer_value(b0) < 1 || json_integer_value(b0) > 65536) {
            rc = qfail(file, text, len, "weight_block_size", err, "'weight_block_size' must be [N, N] with N in 1..65536");
            goto out;
        }
        if (json_integer_value(b0) != json_integer_value(b1)) {
            not_sized(q, "fp8 with non-square weight blocks");
            goto out;
        }
        q->dtype = EST_DT_FP8_BLOCK;
        q->fp8_block = (uint32_t)json_integer_value(b0);
        snprintf(q->what, sizeof q->what, "fp8 e4m3, fp32 scale per %ux%u block", q->fp8_block, q->fp8_block);
    } else if (!strcmp(q->method, "mxfp4")) {
        q->dtype = EST_DT_MXFP4;
        snprintf(q->what, sizeof q->what, "mxfp4 experts (4-bit + 8-bit scale per 32), the rest 16-bit");
    } else if (!strcmp(q->method, "gptq") || !strcmp(q->method, "awq")) {
        const json_t *bits = json_object_get(qc, "bits"), *gs = json_object_get(qc, "group_size");
        json_int_t b = json_is_integer(bits) ? json_integer_value(bits) : 4;
        if (b != 4) {
            char why[96];
            snprintf(why, sizeof why, "%s at %lld bits (fedplan sizes 4-bit GPTQ/AWQ)", q->method, (long long)b);
            not_sized(q, why);
            goto out;
        }
        json_int_t g = json_is_integer(gs) ? json_integer_value(gs) : 128;
        if (gs && !json_is_null(gs) && (!json_is_integer(gs) || g == 0 || g < -1 || g > 65536)) {
            rc = qfail(file, text, len, "group_size", err, "'group_size' must be -1 (per column) or 1..65536");
            goto out;
        }
        q->dtype = EST_DT_INT4;
        q->group_size = g == -1 ? UINT32_MAX : (uint32_t)g;
        q->g_idx = !strcmp(q->method, "gptq");
        if (g == -1)
            snprintf(q->what, sizeof q->what, "%s int4, one fp16 scale and 4-bit zero per column", q->method);
        else
            snprintf(q->what, sizeof q->what, "%s int4, fp16 scale and 4-bit zero per %lld rows%s", q->method,
                     (long long)g, q->g_idx ? ", g_idx" : "");
    } else if (!strcmp(q->method, "bitsandbytes")) {
        const json_t *l4 = json_object_get(qc, "load_in_4bit"), *l8 = json_object_get(qc, "load_in_8bit");
        if (!l4)
            l4 = json_object_get(qc, "_load_in_4bit");
        if (!l8)
            l8 = json_object_get(qc, "_load_in_8bit");
        if (json_is_true(l4)) {
            q->dtype = json_is_true(json_object_get(qc, "bnb_4bit_use_double_quant")) ? EST_DT_NF4_DQ : EST_DT_NF4;
            const json_t *t = json_object_get(qc, "bnb_4bit_quant_type");
            snprintf(q->what, sizeof q->what, "bitsandbytes 4-bit %s%s", json_is_string(t) ? json_string_value(t) : "nf4",
                     q->dtype == EST_DT_NF4_DQ ? ", double quantization" : "");
        } else if (json_is_true(l8)) {
            q->dtype = EST_DT_INT8;
            snprintf(q->what, sizeof q->what, "bitsandbytes LLM.int8()");
        } else {
            not_sized(q, "bitsandbytes without load_in_4bit or load_in_8bit");
        }
    } else {
        char why[96];
        snprintf(why, sizeof why, "quant_method '%.40s'", q->method);
        not_sized(q, why);
    }
out:
    json_decref(root);
    return rc;
}
