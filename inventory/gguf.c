/* gguf.c: the header of a GGUF file (llama.cpp) -> architecture and exact weight bytes.
 *
 * The layout (ggml-org/ggml docs/gguf.md; llama.cpp ggml/src/gguf.cpp), all little-endian:
 *   u32 magic "GGUF", u32 version (2 or 3; version 1 used 32-bit counts and is refused),
 *   u64 tensor_count, u64 metadata_kv_count,
 *   metadata_kv_count x { string key, u32 value_type, value }
 *       a string is u64 length + bytes; value types 0-12: u8 i8 u16 i16 u32 i32 f32 bool
 *       string array u64 i64 f64; an array is u32 element type, u64 count, the elements
 *   tensor_count x { string name, u32 n_dims (<= 4), u64 dims[n_dims], u32 ggml_type, u64 offset }
 *   padding to general.alignment (32 when absent), then the tensor data (never read here).
 * A tensor's bytes are (elements / block size) x bytes per block of its ggml type, each tensor
 * with its own type: a "Q4_K_M" file mixes Q4_K, Q6_K and F32 tensors.
 *
 * Nothing is allocated from what the file claims: every count and length is checked against
 * the bytes left in the file before it is read or skipped, so a file that claims 10^6
 * metadata entries or 2^63 tensors fails at the count's offset.  Only the metadata the
 * architecture needs is kept (a fixed table); tensor infos are summed as they are read.
 *
 * Split models (llama.cpp's gguf-split: NAME-00001-of-00003.gguf, split.count and
 * split.tensors.count in the metadata) are read as one: the first file's metadata, every
 * file's tensors.
 *
 * NextN/MTP blocks (the last <arch>.nextn_predict_layers of <arch>.block_count, as convert
 * keeps GLM-4.5's) are summed apart, as unloaded: llama.cpp does not load them.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hfconfig_int.h"
#include "inventory.h"
#include "readers_int.h"

/* ====================================================================== ggml types
 * Block size (values) and bytes per block of each type a GGUF may hold: llama.cpp
 * gguf-py/gguf/constants.py GGML_QUANT_SIZES and ggml/src/ggml.c type_traits (the block
 * structs of ggml-common.h).  Numbers 4, 5 and 31-33, 36-38 were removed from the format. */

typedef struct ggml_type_row {
    unsigned id;
    const char *name;
    unsigned block;
    unsigned bytes;
} ggml_type_row;

static const ggml_type_row ggml_types[] = {
    {0, "F32", 1, 4},          {1, "F16", 1, 2},          {2, "Q4_0", 32, 18},       {3, "Q4_1", 32, 20},
    {6, "Q5_0", 32, 22},       {7, "Q5_1", 32, 24},       {8, "Q8_0", 32, 34},       {9, "Q8_1", 32, 36},
    {10, "Q2_K", 256, 84},     {11, "Q3_K", 256, 110},    {12, "Q4_K", 256, 144},    {13, "Q5_K", 256, 176},
    {14, "Q6_K", 256, 210},    {15, "Q8_K", 256, 292},    {16, "IQ2_XXS", 256, 66},  {17, "IQ2_XS", 256, 74},
    {18, "IQ3_XXS", 256, 98},  {19, "IQ1_S", 256, 50},    {20, "IQ4_NL", 32, 18},    {21, "IQ3_S", 256, 110},
    {22, "IQ2_S", 256, 82},    {23, "IQ4_XS", 256, 136},  {24, "I8", 1, 1},          {25, "I16", 1, 2},
    {26, "I32", 1, 4},         {27, "I64", 1, 8},         {28, "F64", 1, 8},         {29, "IQ1_M", 256, 56},
    {30, "BF16", 1, 2},        {34, "TQ1_0", 256, 54},    {35, "TQ2_0", 256, 66},    {39, "MXFP4", 32, 17},
};

static const ggml_type_row *ggml_type_find(uint32_t id)
{
    for (size_t i = 0; i < sizeof ggml_types / sizeof ggml_types[0]; i++)
        if (ggml_types[i].id == id)
            return &ggml_types[i];
    return NULL;
}

/* ====================================================================== cursor
 * Reads from a FILE or from memory; every read and skip is checked against the size first. */

typedef struct cur {
    const char *file;
    FILE *f;                  /* or */
    const unsigned char *buf; /* the whole file in memory */
    uint64_t size, pos;
    fp_error *err;
} cur;

static int past_end(cur *c, uint64_t n, const char *what)
{
    return fp_fail(c->err, c->file, 0, 0, "at byte %llu: %s (%llu bytes) runs past the end of the file (%llu bytes)",
                   (unsigned long long)c->pos, what, (unsigned long long)n, (unsigned long long)c->size);
}

static int rd(cur *c, void *dst, uint64_t n, const char *what)
{
    if (n > c->size - c->pos)
        return past_end(c, n, what);
    if (c->buf)
        memcpy(dst, c->buf + c->pos, (size_t)n);
    else if (fread(dst, 1, (size_t)n, c->f) != (size_t)n)
        return fp_fail(c->err, c->file, 0, 0, "at byte %llu: cannot read %s: %s", (unsigned long long)c->pos, what,
                       ferror(c->f) ? strerror(errno) : "the file shrank");
    c->pos += n;
    return 0;
}

static int skip(cur *c, uint64_t n, const char *what)
{
    if (n > c->size - c->pos)
        return past_end(c, n, what);
    if (!c->buf && n && fseeko(c->f, (off_t)(c->pos + n), SEEK_SET) != 0)
        return fp_fail(c->err, c->file, 0, 0, "at byte %llu: cannot seek: %s", (unsigned long long)c->pos,
                       strerror(errno));
    c->pos += n;
    return 0;
}

static int rd_u32(cur *c, uint32_t *v, const char *what)
{
    unsigned char b[4];
    if (rd(c, b, 4, what))
        return -1;
    *v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    return 0;
}

static int rd_u64(cur *c, uint64_t *v, const char *what)
{
    unsigned char b[8];
    if (rd(c, b, 8, what))
        return -1;
    *v = 0;
    for (int i = 7; i >= 0; i--)
        *v = *v << 8 | b[i];
    return 0;
}

/* A GGUF string into out (size n, NUL-terminated); longer strings are skipped and *fits set to 0. */
static int rd_str(cur *c, char *out, size_t n, int *fits, const char *what)
{
    uint64_t len;
    uint64_t at = c->pos;
    if (rd_u64(c, &len, what))
        return -1;
    if (len > c->size - c->pos)
        return fp_fail(c->err, c->file, 0, 0, "at byte %llu: %s claims %llu bytes, past the end of the file (%llu bytes)",
                       (unsigned long long)at, what, (unsigned long long)len, (unsigned long long)c->size);
    *fits = len < n;
    if (!*fits) {
        out[0] = 0;
        return skip(c, len, what);
    }
    if (rd(c, out, len, what))
        return -1;
    out[len] = 0;
    if (memchr(out, 0, (size_t)len))
        out[0] = 0; /* a NUL inside: matches no key we look for */
    return 0;
}

/* ====================================================================== metadata */

enum { V_U8, V_I8, V_U16, V_I16, V_U32, V_I32, V_F32, V_BOOL, V_STR, V_ARR, V_U64, V_I64, V_F64, V_COUNT };
static const unsigned vsize[V_COUNT] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};

/* The metadata kept: keys ending in one of these (after "<arch>."), plus a few named ones. */
static const char *const hyper_keys[] = {
    "context_length", "embedding_length", "block_count", "feed_forward_length", "attention.head_count",
    "attention.head_count_kv", "attention.key_length", "attention.value_length", "attention.sliding_window",
    "expert_count", "expert_used_count", "vocab_size", "expert_feed_forward_length",
    "expert_shared_feed_forward_length", "expert_shared_count", "leading_dense_block_count",
    "interleave_moe_layer_step", "nextn_predict_layers", "rope.dimension_count", "attention.q_lora_rank",
    "attention.kv_lora_rank", "attention.key_length_mla", "attention.value_length_mla",
};
#define NHYPER (sizeof hyper_keys / sizeof hyper_keys[0])
#define KEY_MAX 128

typedef struct kv_int {
    char key[KEY_MAX];
    uint64_t v;
    int is_array; /* a per-layer array where one number was expected */
    int negative;
} kv_int;

typedef struct meta {
    char arch[64];
    char name[INV_NAME];
    uint64_t alignment;
    uint64_t split_count, split_no, split_tensors;
    int has_split_tensors;
    uint64_t n_tokens; /* tokenizer.ggml.tokens length */
    kv_int ints[48];
    size_t nints;
    /* from the tensor infos */
    int has_output, has_q_bias, has_o_bias;
    int has_q_norm;      /* blk.0.attn_q_norm.weight: QK-norm (glm4moe's use_qk_norm) */
    int has_probs_bias;  /* blk.N.exp_probs_b.bias: the router's score-correction bias (DeepSeek-V3) */
    uint64_t embd_rows;
} meta;

static int wanted_int(const char *key)
{
    if (!strcmp(key, "general.alignment") || !strncmp(key, "split.", 6))
        return 1;
    const char *dot = strchr(key, '.');
    if (!dot)
        return 0;
    for (size_t i = 0; i < NHYPER; i++)
        if (!strcmp(dot + 1, hyper_keys[i]))
            return 1;
    return 0;
}

/* Read one scalar of type t as an integer (floats and bools are read and ignored). */
static int rd_scalar(cur *c, uint32_t t, uint64_t *v, int *neg, int *is_int)
{
    unsigned char b[8] = {0};
    if (rd(c, b, vsize[t], "a metadata value"))
        return -1;
    uint64_t u = 0;
    for (int i = (int)vsize[t] - 1; i >= 0; i--)
        u = u << 8 | b[i];
    *neg = 0;
    *is_int = t != V_F32 && t != V_F64 && t != V_BOOL;
    if (t == V_I8 || t == V_I16 || t == V_I32 || t == V_I64) {
        unsigned bits = vsize[t] * 8;
        if (u >> (bits - 1) & 1)
            *neg = 1;
    }
    *v = u;
    return 0;
}

/* Skip (or count) an array's elements; depth bounds arrays of arrays. */
static int skip_array(cur *c, uint64_t *count_out, int depth)
{
    uint32_t et;
    uint64_t n, at = c->pos;
    if (rd_u32(c, &et, "an array's element type") || rd_u64(c, &n, "an array's length"))
        return -1;
    if (count_out)
        *count_out = n;
    if (et >= V_COUNT)
        return fp_fail(c->err, c->file, 0, 0, "at byte %llu: array of unknown value type %u", (unsigned long long)at, et);
    if (et == V_STR || et == V_ARR) {
        /* each element takes at least 8 bytes (a length): check the count before the loop */
        if (n > (c->size - c->pos) / (et == V_STR ? 8 : 12))
            return fp_fail(c->err, c->file, 0, 0, "at byte %llu: array of %llu elements cannot fit in the %llu bytes "
                                                  "left", (unsigned long long)at, (unsigned long long)n,
                           (unsigned long long)(c->size - c->pos));
        if (et == V_ARR && depth >= 3)
            return fp_fail(c->err, c->file, 0, 0, "at byte %llu: arrays nested deeper than 3", (unsigned long long)at);
        for (uint64_t i = 0; i < n; i++) {
            if (et == V_STR) {
                uint64_t len;
                if (rd_u64(c, &len, "a string's length") || skip(c, len, "a string"))
                    return -1;
            } else if (skip_array(c, NULL, depth + 1)) {
                return -1;
            }
        }
        return 0;
    }
    if (n > (c->size - c->pos) / vsize[et])
        return fp_fail(c->err, c->file, 0, 0, "at byte %llu: array of %llu %u-byte values runs past the end of the "
                                              "file (%llu bytes)", (unsigned long long)at, (unsigned long long)n,
                       vsize[et], (unsigned long long)c->size);
    return skip(c, n * vsize[et], "an array");
}

static int rd_kv(cur *c, meta *m)
{
    uint64_t at = c->pos;
    char key[KEY_MAX];
    int fits;
    uint32_t t;
    if (rd_str(c, key, sizeof key, &fits, "a metadata key") || rd_u32(c, &t, "a metadata value type"))
        return -1;
    if (t >= V_COUNT)
        return fp_fail(c->err, c->file, 0, 0, "at byte %llu: metadata '%.64s' has unknown value type %u",
                       (unsigned long long)at, key, t);
    if (t == V_STR) {
        char val[INV_NAME];
        if (rd_str(c, val, sizeof val, &fits, "a metadata string"))
            return -1;
        if (!strcmp(key, "general.architecture")) {
            if (!fits)
                return fp_fail(c->err, c->file, 0, 0, "at byte %llu: general.architecture is too long",
                               (unsigned long long)at);
            snprintf(m->arch, sizeof m->arch, "%s", val);
        } else if (!strcmp(key, "general.name") && fits) {
            snprintf(m->name, sizeof m->name, "%s", val);
        }
        return 0;
    }
    if (t == V_ARR) {
        uint64_t n = 0;
        if (skip_array(c, &n, 1))
            return -1;
        if (!strcmp(key, "tokenizer.ggml.tokens"))
            m->n_tokens = n;
        else if (wanted_int(key) && m->nints < sizeof m->ints / sizeof m->ints[0]) {
            kv_int *k = &m->ints[m->nints++];
            snprintf(k->key, sizeof k->key, "%s", key);
            k->is_array = 1;
        }
        return 0;
    }
    uint64_t v;
    int neg, is_int;
    if (rd_scalar(c, t, &v, &neg, &is_int))
        return -1;
    if (!is_int || !wanted_int(key))
        return 0;
    if (!strcmp(key, "general.alignment")) {
        if (neg || v == 0 || v > (1u << 20) || (v & (v - 1)))
            return fp_fail(c->err, c->file, 0, 0, "at byte %llu: general.alignment must be a power of two up to 2^20, "
                                                  "got %llu", (unsigned long long)at, (unsigned long long)v);
        m->alignment = v;
    } else if (!strcmp(key, "split.count")) {
        m->split_count = v;
    } else if (!strcmp(key, "split.no")) {
        m->split_no = v;
    } else if (!strcmp(key, "split.tensors.count")) {
        m->split_tensors = v;
        m->has_split_tensors = 1;
    } else if (m->nints < sizeof m->ints / sizeof m->ints[0]) {
        kv_int *k = &m->ints[m->nints++];
        snprintf(k->key, sizeof k->key, "%s", key);
        k->v = v;
        k->negative = neg;
    }
    return 0;
}

/* ====================================================================== one file */

#define GGML_MAX_DIMS 4

static const kv_int *meta_get(const meta *m, const char *suffix)
{
    char key[KEY_MAX];
    snprintf(key, sizeof key, "%s.%s", m->arch, suffix);
    for (size_t i = 0; i < m->nints; i++)
        if (!strcmp(m->ints[i].key, key))
            return &m->ints[i];
    return NULL;
}

/* The first block of the NextN/MTP layers: convert (Glm4MoeModel) writes block_count =
 * num_hidden_layers + nextn_predict_layers and keeps those last blocks in the file, but
 * llama.cpp creates their tensors TENSOR_SKIP ("model has unused tensor ... ignoring": not
 * loaded, not in its memory) and transformers does not load them either.  UINT64_MAX: none. */
static uint64_t nextn_from(const meta *m)
{
    const kv_int *bc = meta_get(m, "block_count"), *nx = meta_get(m, "nextn_predict_layers");
    if (!bc || !nx || bc->is_array || nx->is_array || nx->v == 0 || nx->v >= bc->v)
        return UINT64_MAX;
    return bc->v - nx->v;
}

/* The block index of a tensor named "blk.N.<...>" (UINT64_MAX for any other name). */
static uint64_t block_of(const char *name)
{
    if (strncmp(name, "blk.", 4))
        return UINT64_MAX;
    uint64_t n = 0;
    const char *p = name + 4;
    if (*p < '0' || *p > '9')
        return UINT64_MAX;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (n > UINT64_MAX / 16)
            return UINT64_MAX;
        n = n * 10 + (uint64_t)(*p - '0');
    }
    return *p == '.' ? n : UINT64_MAX;
}

/* Read one GGUF file through c: metadata into m and tensors into st.  first: the first part's
 * metadata when c is a later part of a split model (its own metadata has no architecture
 * keys), else NULL. */
static int read_one(cur *c, meta *m, inv_stored *st, const meta *first)
{
    unsigned char magic[4];
    uint32_t version;
    uint64_t ntensors, nkv;
    if (rd(c, magic, 4, "the magic"))
        return -1;
    if (memcmp(magic, "GGUF", 4))
        return fp_fail(c->err, c->file, 0, 0, "at byte 0: not a GGUF file (no \"GGUF\" magic)");
    if (rd_u32(c, &version, "the version"))
        return -1;
    if (version == 1)
        return fp_fail(c->err, c->file, 0, 0, "at byte 4: GGUF version 1 (2023) is not supported: convert it again "
                                              "with a current llama.cpp");
    if (version != 2 && version != 3)
        return fp_fail(c->err, c->file, 0, 0, "at byte 4: GGUF version %u is not supported (2 or 3)%s", version,
                       (version & 0xffff) == 0 ? "; a big-endian file?" : "");
    if (rd_u64(c, &ntensors, "the tensor count") || rd_u64(c, &nkv, "the metadata count"))
        return -1;
    /* a key-value takes at least 13 bytes (key length, type, one-byte value), a tensor info 28 */
    if (nkv > (c->size - c->pos) / 13)
        return fp_fail(c->err, c->file, 0, 0, "at byte 16: %llu metadata entries cannot fit in the %llu bytes left",
                       (unsigned long long)nkv, (unsigned long long)(c->size - c->pos));
    if (ntensors > (c->size - c->pos) / 28)
        return fp_fail(c->err, c->file, 0, 0, "at byte 8: %llu tensors cannot fit in the %llu bytes left",
                       (unsigned long long)ntensors, (unsigned long long)(c->size - c->pos));
    meta local;
    memset(&local, 0, sizeof local);
    for (uint64_t i = 0; i < nkv; i++)
        if (rd_kv(c, &local))
            return -1;
    if (!local.alignment)
        local.alignment = 32; /* GGUF_DEFAULT_ALIGNMENT */
    uint64_t skip_from = nextn_from(first ? first : &local);

    inv_stored add;
    memset(&add, 0, sizeof add);
    uint64_t max_end = 0, max_at = 0;
    for (uint64_t i = 0; i < ntensors; i++) {
        uint64_t at = c->pos;
        char name[KEY_MAX];
        int fits;
        uint32_t nd, type;
        uint64_t dims[GGML_MAX_DIMS], off;
        if (rd_str(c, name, sizeof name, &fits, "a tensor name") || rd_u32(c, &nd, "a tensor's n_dims"))
            return -1;
        if (!fits)
            return fp_fail(c->err, c->file, 0, 0, "at byte %llu: a tensor name longer than %d bytes",
                           (unsigned long long)at, KEY_MAX - 1);
        if (nd == 0 || nd > GGML_MAX_DIMS)
            return fp_fail(c->err, c->file, 0, 0, "at byte %llu: tensor '%s' has %u dimensions (1 to 4)",
                           (unsigned long long)at, name, nd);
        uint64_t elems = 1;
        for (uint32_t d = 0; d < nd; d++) {
            if (rd_u64(c, &dims[d], "a tensor dimension"))
                return -1;
            if (dims[d] && elems > (UINT64_MAX >> 4) / dims[d]) /* ggml: the count must fit int64 */
                return fp_fail(c->err, c->file, 0, 0, "at byte %llu: tensor '%s': dimensions overflow 64 bits",
                               (unsigned long long)at, name);
            elems *= dims[d];
        }
        if (rd_u32(c, &type, "a tensor type") || rd_u64(c, &off, "a tensor offset"))
            return -1;
        const ggml_type_row *gt = ggml_type_find(type);
        if (!gt)
            return fp_fail(c->err, c->file, 0, 0, "at byte %llu: tensor '%s' has unknown ggml type %u",
                           (unsigned long long)at, name, type);
        if (dims[0] % gt->block)
            return fp_fail(c->err, c->file, 0, 0, "at byte %llu: tensor '%s': a row of %llu values is not a whole number "
                                                  "of %s blocks (%u values)", (unsigned long long)at, name,
                           (unsigned long long)dims[0], gt->name, gt->block);
        uint64_t bytes = elems / gt->block * gt->bytes;
        if (off % local.alignment)
            return fp_fail(c->err, c->file, 0, 0, "at byte %llu: tensor '%s': offset %llu is not a multiple of the "
                                                  "alignment %llu", (unsigned long long)at, name,
                           (unsigned long long)off, (unsigned long long)local.alignment);
        if (off > c->size || bytes > c->size - off)
            return fp_fail(c->err, c->file, 0, 0, "at byte %llu: tensor '%s' (%llu bytes at data offset %llu) runs past "
                                                  "the end of the file (%llu bytes)", (unsigned long long)at, name,
                           (unsigned long long)bytes, (unsigned long long)off, (unsigned long long)c->size);
        if (off + bytes > max_end) {
            max_end = off + bytes;
            max_at = at;
        }
        if (skip_from != UINT64_MAX && block_of(name) != UINT64_MAX && block_of(name) >= skip_from) {
            add.unloaded_tensors++;
            add.unloaded_elements += elems;
            add.unloaded_bytes += bytes;
        } else {
            add.tensors++;
            add.elements += elems;
            add.bytes += bytes;
            inv_stored_kind_add(&add, gt->name, 1, elems, bytes);
        }
        if (!strcmp(name, "output.weight"))
            local.has_output = 1;
        else if (!strcmp(name, "blk.0.attn_q.bias") || !strcmp(name, "blk.0.attn_qkv.bias"))
            local.has_q_bias = 1;
        else if (!strcmp(name, "blk.0.attn_output.bias"))
            local.has_o_bias = 1;
        else if (!strcmp(name, "blk.0.attn_q_norm.weight"))
            local.has_q_norm = 1;
        else if (!strncmp(name, "blk.", 4) && strstr(name, ".exp_probs_b."))
            local.has_probs_bias = 1;
        else if (!strcmp(name, "token_embd.weight") && nd == 2)
            local.embd_rows = dims[1];
    }
    /* the data section starts at the next multiple of the alignment */
    uint64_t data = c->pos + (local.alignment - c->pos % local.alignment) % local.alignment;
    if (data > c->size || max_end > c->size - data)
        return fp_fail(c->err, c->file, 0, 0, "at byte %llu: the tensor data ends at byte %llu, past the end of the file "
                                              "(%llu bytes)", (unsigned long long)max_at,
                       (unsigned long long)(data + max_end), (unsigned long long)c->size);
    snprintf(add.format, sizeof add.format, "gguf");
    add.files = 1;
    inv_stored_merge(st, &add);
    *m = local;
    return 0;
}

/* ====================================================================== architecture */

/* GGUF key suffix -> config.json key: what llama.cpp's convert_hf_to_gguf.py writes for each
 * config key (TextModel.set_gguf_parameters and the model classes), read back.  Ints only;
 * booleans from the tensors are set apart. */
typedef struct key_row {
    const char *suffix, *key; /* key NULL: not read for this architecture */
} key_row;

static const key_row key_map[] = {
    {"embedding_length", "hidden_size"},         {"feed_forward_length", "intermediate_size"},
    {"block_count", "num_hidden_layers"},        {"attention.head_count", "num_attention_heads"},
    {"attention.head_count_kv", "num_key_value_heads"}, {"attention.key_length", "head_dim"},
    {"context_length", "max_position_embeddings"}, {"expert_used_count", "num_experts_per_tok"},
    {"expert_feed_forward_length", "moe_intermediate_size"},
    {"expert_shared_feed_forward_length", "shared_expert_intermediate_size"},
    {"attention.sliding_window", "sliding_window"},
};

/* Llama 4 (convert: Llama4Model): feed_forward_length is the dense layers' intermediate_size_mlp,
 * expert_feed_forward_length the experts' intermediate_size; interleave_moe_layer_step as is. */
static const key_row keys_llama4[] = {
    {"feed_forward_length", "intermediate_size_mlp"},
    {"expert_feed_forward_length", "intermediate_size"},
    {"interleave_moe_layer_step", "interleave_moe_layer_step"},
    {"attention.sliding_window", NULL}, /* 0: no chunked attention (A_CHUNK) */
    {NULL, NULL},
};
/* DeepSeek-V2/V3 and Kimi-K2 (convert: DeepseekV2Model): MLA ranks; the head sizes are taken
 * apart below; head_count_kv is 1 in files converted for MLA-as-MQA and is no config key. */
static const key_row keys_deepseek2[] = {
    {"attention.q_lora_rank", "q_lora_rank"},    {"attention.kv_lora_rank", "kv_lora_rank"},
    {"rope.dimension_count", "qk_rope_head_dim"}, {"expert_shared_count", "n_shared_experts"},
    {"leading_dense_block_count", "first_k_dense_replace"},
    {"attention.head_count_kv", NULL},           {"attention.key_length", NULL},
    {NULL, NULL},
};
/* GLM-4.5 (convert: Glm4MoeModel): shared experts and the leading dense layers. */
static const key_row keys_glm4moe[] = {
    {"expert_shared_count", "n_shared_experts"}, {"leading_dense_block_count", "first_k_dense_replace"},
    {NULL, NULL},
};

enum {
    A_BIAS = 1u << 0,   /* attention_bias from a blk.0.attn_q.bias tensor */
    A_QKNORM = 1u << 1, /* use_qk_norm from a blk.0.attn_q_norm.weight tensor */
    A_MLA = 1u << 2,    /* DeepSeek MLA head sizes (key_length_mla, value_length_mla) */
    A_NEXTN = 1u << 3,  /* block_count includes nextn_predict_layers MTP layers */
    A_SWA = 1u << 4,    /* sliding layers only with attention.sliding_window > 0 (gemma3: Gemma3Model
                           writes none when sliding_window_pattern is 1; llama.cpp then slides nowhere,
                           else on its hard-coded 5 of every 6 layers, the reader's default) */
    A_CHUNK = 1u << 5,  /* attention.sliding_window 0 turns llama.cpp's chunked attention off (llama4:
                           Llama4Model writes it when every layer is full_attention; absent, llama.cpp
                           hard-codes chunks of 8192 with every 4th layer NoPE and global) */
};

/* GGUF general.architecture (llama.cpp src/llama-arch.cpp LLM_ARCH_NAMES) -> the config.json
 * model_type whose reader takes the keys. */
typedef struct arch_row {
    const char *gguf;
    const char *model_type;      /* dense */
    const char *moe_model_type;  /* with <arch>.expert_count > 0 (NULL: none) */
    const char *experts_key;     /* the config key <arch>.expert_count is written from */
    const key_row *keys;         /* this architecture's own readings, before key_map (NULL: none) */
    unsigned flags;
} arch_row;

static const arch_row arch_rows[] = {
    {"llama", "llama", "mixtral", "num_local_experts", NULL, A_BIAS},
    {"qwen2", "qwen2", NULL, "num_experts", NULL, 0},
    {"qwen2moe", "qwen2_moe", "qwen2_moe", "num_experts", NULL, 0},
    {"qwen3", "qwen3", NULL, "num_experts", NULL, A_BIAS},
    {"qwen3moe", "qwen3_moe", "qwen3_moe", "num_experts", NULL, A_BIAS},
    {"gemma", "gemma", NULL, "num_experts", NULL, A_BIAS},
    {"gemma2", "gemma2", NULL, "num_experts", NULL, 0},
    {"gemma3", "gemma3_text", NULL, "num_experts", NULL, A_SWA},
    {"llama4", "llama4_text", "llama4_text", "num_local_experts", keys_llama4, A_BIAS | A_CHUNK},
    {"gpt-oss", "gpt_oss", "gpt_oss", "num_local_experts", NULL, A_BIAS},
    {"deepseek2", "deepseek_v2", "deepseek_v2", "n_routed_experts", keys_deepseek2, A_MLA},
    {"glm4moe", "glm4_moe", "glm4_moe", "n_routed_experts", keys_glm4moe, A_BIAS | A_QKNORM | A_NEXTN},
    {"phi3", "phi3", NULL, "num_experts", NULL, 0},
    {"gpt2", "gpt2", NULL, "num_experts", NULL, 0},
    {"starcoder", "gpt_bigcode", NULL, "num_experts", NULL, 0},
};

static json_int_t capped(uint64_t v)
{
    return (json_int_t)(v > (1ULL << 62) ? 1ULL << 62 : v);
}

/* The config key a GGUF key suffix is read into for row ("" when not read). */
static const char *config_key(const arch_row *row, const char *suffix)
{
    for (const key_row *k = row->keys; k && k->suffix; k++)
        if (!strcmp(k->suffix, suffix))
            return k->key ? k->key : "";
    for (size_t i = 0; i < sizeof key_map / sizeof key_map[0]; i++)
        if (!strcmp(key_map[i].suffix, suffix))
            return key_map[i].key;
    return "";
}

/* DeepSeek MLA head sizes.  Files converted since llama.cpp serves MLA as MQA write
 * key_length = kv_lora_rank + rope dims and value_length = kv_lora_rank, and the per-head
 * sizes apart as key_length_mla (qk_nope + qk_rope) and value_length_mla (v_head_dim);
 * older files wrote the per-head sizes as key_length and value_length. */
static int mla_heads(const char *file, const meta *m, json_t *o, fp_error *err)
{
    const kv_int *k = meta_get(m, "attention.key_length_mla"), *v = meta_get(m, "attention.value_length_mla");
    const kv_int *rope = meta_get(m, "rope.dimension_count");
    if (!k)
        k = meta_get(m, "attention.key_length");
    if (!v)
        v = meta_get(m, "attention.value_length");
    if (!k || !v || !rope)
        return fp_fail(err, file, 0, 0, "GGUF metadata (architecture '%.40s'): MLA needs %s.attention.key_length(_mla), "
                                        ".value_length(_mla) and .rope.dimension_count",
                       m->arch, m->arch);
    if (k->v <= rope->v)
        return fp_fail(err, file, 0, 0, "GGUF metadata (architecture '%.40s'): the key length %llu must exceed the "
                                        "rope dimensions %llu",
                       m->arch, (unsigned long long)k->v, (unsigned long long)rope->v);
    json_object_set_new(o, "qk_nope_head_dim", json_integer(capped(k->v - rope->v)));
    json_object_set_new(o, "v_head_dim", json_integer(capped(v->v)));
    return 0;
}

static int meta_to_arch(const char *file, const meta *m, est_arch *arch, fp_error *err)
{
    if (!m->arch[0])
        return fp_fail(err, file, 0, 0, "no general.architecture in the metadata");
    const arch_row *row = NULL;
    for (size_t i = 0; i < sizeof arch_rows / sizeof arch_rows[0]; i++)
        if (!strcmp(arch_rows[i].gguf, m->arch))
            row = &arch_rows[i];
    if (!row)
        return fp_fail(err, file, 0, 0, "GGUF architecture '%s' is not supported (supported: llama, llama4, qwen2, "
                                        "qwen2moe, qwen3, qwen3moe, gemma, gemma2, gemma3, phi3, gpt2, starcoder, "
                                        "gpt-oss, deepseek2, glm4moe); use --params for a rough estimate",
                       m->arch);
    for (size_t i = 0; i < m->nints; i++)
        if (!strncmp(m->ints[i].key, m->arch, strlen(m->arch)) && (m->ints[i].is_array || m->ints[i].negative))
            return fp_fail(err, file, 0, 0, "metadata '%s' is %s: not supported", m->ints[i].key,
                           m->ints[i].is_array ? "a per-layer array" : "negative");
    const kv_int *ne = meta_get(m, "expert_count");
    uint64_t experts = ne ? ne->v : 0;
    const char *mt = experts && row->moe_model_type ? row->moe_model_type : row->model_type;
    if ((row->flags & A_MLA) && m->has_probs_bias)
        mt = "deepseek_v3"; /* V3's router keeps an e_score_correction_bias; V2's has none */
    json_t *o = json_object();
    if (!o)
        return fp_fail(err, file, 0, 0, "out of memory");
    json_object_set_new(o, "model_type", json_string(mt));
    /* every kept <arch>.KEY that this architecture reads */
    size_t alen = strlen(m->arch);
    for (size_t i = 0; i < m->nints; i++) {
        const char *key = m->ints[i].key;
        if (strncmp(key, m->arch, alen) || key[alen] != '.')
            continue;
        const char *ck = config_key(row, key + alen + 1);
        if (ck[0])
            json_object_set_new(o, ck, json_integer(capped(m->ints[i].v)));
    }
    if (experts)
        json_object_set_new(o, row->experts_key, json_integer(capped(experts)));
    /* MoE-only models (qwen3moe, gpt-oss) may write no feed_forward_length: their layers'
     * width is the experts' */
    const kv_int *eff = meta_get(m, "expert_feed_forward_length");
    if (!json_object_get(o, "intermediate_size") && eff)
        json_object_set_new(o, "intermediate_size", json_integer(capped(eff->v)));
    if ((row->flags & A_MLA) && mla_heads(file, m, o, err) != 0) {
        json_decref(o);
        return -1;
    }
    if (row->flags & A_NEXTN) {
        /* convert writes block_count = num_hidden_layers + num_nextn_predict_layers (the MTP
         * layers are in the file; transformers does not load them and fedplan does not count them) */
        const kv_int *bc = meta_get(m, "block_count"), *nx = meta_get(m, "nextn_predict_layers");
        if (bc && nx && nx->v < bc->v)
            json_object_set_new(o, "num_hidden_layers", json_integer(capped(bc->v - nx->v)));
    }
    const kv_int *sw = meta_get(m, "attention.sliding_window");
    if ((row->flags & A_SWA) && (!sw || sw->v == 0))
        json_object_set_new(o, "sliding_window_pattern", json_integer(1));
    if ((row->flags & A_CHUNK) && sw && sw->v == 0)
        json_object_set_new(o, "attention_chunk_size", json_null());
    /* vocabulary: <arch>.vocab_size, else the tokenizer's token list, else token_embd's rows */
    const kv_int *nv = meta_get(m, "vocab_size");
    uint64_t vocab = nv ? nv->v : m->n_tokens ? m->n_tokens : m->embd_rows;
    if (vocab)
        json_object_set_new(o, "vocab_size", json_integer(capped(vocab)));
    if (!strcmp(mt, "gpt2") || !strcmp(mt, "gpt_bigcode")) {
        const kv_int *ctx = meta_get(m, "context_length"), *ff = meta_get(m, "feed_forward_length");
        if (ctx)
            json_object_set_new(o, "n_positions", json_integer((json_int_t)(ctx->v > (1ULL << 62) ? 1 : ctx->v)));
        if (ff)
            json_object_set_new(o, "n_inner", json_integer((json_int_t)(ff->v > (1ULL << 62) ? 1 : ff->v)));
        const kv_int *kvh = meta_get(m, "attention.head_count_kv");
        if (!strcmp(mt, "gpt_bigcode"))
            json_object_set_new(o, "multi_query", json_boolean(kvh && kvh->v == 1));
    }
    /* llama.cpp writes no output.weight when the head is tied to the token embedding */
    json_object_set_new(o, "tie_word_embeddings", json_boolean(!m->has_output));
    if (row->flags & A_BIAS)
        json_object_set_new(o, "attention_bias", json_boolean(m->has_q_bias));
    if (row->flags & A_QKNORM)
        json_object_set_new(o, "use_qk_norm", json_boolean(m->has_q_norm));
    cfg_src src = {.file = file, .obj = o};
    int rc = inv_arch_from_src(&src, arch, err);
    json_decref(o);
    if (rc != 0) {
        /* the config reader speaks of config.json keys at positions a GGUF has not got */
        err->line = err->col = 0;
        char msg[FP_ERR_MSG];
        snprintf(msg, sizeof msg, "%s", err->msg);
        snprintf(err->msg, sizeof err->msg, "GGUF metadata (architecture '%.40s', read as config.json keys): %.400s",
                 m->arch, msg);
    }
    return rc;
}

/* ====================================================================== entry points */

static void base_name(const char *path, char *out, size_t n)
{
    const char *b = strrchr(path, '/');
    snprintf(out, n, "%.*s", (int)(n - 1), b ? b + 1 : path);
}

int inv_gguf_parse(const char *file, const unsigned char *buf, size_t len, est_arch *arch, inv_stored *st,
                   char *name_out, fp_error *err)
{
    cur c = {.file = file, .buf = buf, .size = len, .err = err};
    meta m;
    memset(st, 0, sizeof *st);
    if (read_one(&c, &m, st, NULL) != 0)
        return -1;
    if (name_out) {
        if (m.name[0])
            snprintf(name_out, INV_NAME, "%s", m.name);
        else
            base_name(file, name_out, INV_NAME);
    }
    return meta_to_arch(file, &m, arch, err);
}

static int load_file(const char *path, meta *m, inv_stored *st, const meta *first, fp_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return fp_fail(err, path, 0, 0, "cannot open: %s", strerror(errno));
    struct stat sb;
    int rc;
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        rc = fp_fail(err, path, 0, 0, "not a regular file");
    } else {
        cur c = {.file = path, .f = f, .size = (uint64_t)sb.st_size, .err = err};
        rc = read_one(&c, m, st, first);
    }
    fclose(f);
    return rc;
}

/* "dir/NAME-00002-of-00003.gguf": the part before "-00002", 2 and 3; 0 when not a split name. */
static int split_name(const char *path, size_t *prefix_len, unsigned *no, unsigned *count)
{
    size_t n = strlen(path);
    const char *tail = "-00000-of-00000.gguf";
    size_t tl = strlen(tail);
    if (n < tl + 1)
        return 0;
    const char *s = path + n - tl;
    for (size_t i = 0; i < tl; i++) {
        if (tail[i] == '0' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != tail[i])
            return 0;
    }
    *no = (unsigned)atoi(s + 1);
    *count = (unsigned)atoi(s + 10);
    *prefix_len = n - tl;
    return *no >= 1 && *count >= 1 && *no <= *count;
}

int inv_gguf_load(const char *path, est_arch *arch, inv_stored *st, char *name_out, fp_error *err)
{
    memset(st, 0, sizeof *st);
    size_t plen;
    unsigned no, count;
    meta m;
    char first[4096];
    snprintf(first, sizeof first, "%s", path);
    if (!split_name(path, &plen, &no, &count)) {
        if (load_file(path, &m, st, NULL, err) != 0)
            return -1;
        if (m.split_count > 1)
            return fp_fail(err, path, 0, 0, "this is part %llu of a %llu-file split model, but its name does not end in "
                                            "-NNNNN-of-NNNNN.gguf: rename it as gguf-split wrote it",
                           (unsigned long long)m.split_no + 1, (unsigned long long)m.split_count);
    } else {
        /* every part; the first one's metadata describes the model */
        int outs = 0, qb = 0, ob = 0, qn = 0, pb = 0;
        uint64_t rows = 0;
        /* the first part first: its metadata says which blocks the later parts' tensors belong to */
        for (unsigned i = 1; i <= count; i++) {
            char part[4096];
            snprintf(part, sizeof part, "%.*s-%05u-of-%05u.gguf", (int)plen, path, i, count);
            meta pm;
            if (load_file(part, &pm, st, i == 1 ? NULL : &m, err) != 0)
                return -1;
            if (pm.split_count && pm.split_count != count)
                return fp_fail(err, part, 0, 0, "split.count says %llu files, the name %u",
                               (unsigned long long)pm.split_count, count);
            /* what the tensors say (a tied head, biases) may be in any part */
            outs |= pm.has_output;
            qb |= pm.has_q_bias;
            ob |= pm.has_o_bias;
            qn |= pm.has_q_norm;
            pb |= pm.has_probs_bias;
            if (pm.embd_rows)
                rows = pm.embd_rows;
            if (i == 1) {
                m = pm;
                snprintf(first, sizeof first, "%s", part);
            }
        }
        m.has_output = outs;
        m.has_q_bias = qb;
        m.has_o_bias = ob;
        m.has_q_norm = qn;
        m.has_probs_bias = pb;
        m.embd_rows = rows;
        uint64_t held = st->tensors + st->unloaded_tensors;
        if (m.has_split_tensors && m.split_tensors != held)
            return fp_fail(err, first, 0, 0, "the %u split files hold %llu tensors, split.tensors.count says %llu", count,
                           (unsigned long long)held, (unsigned long long)m.split_tensors);
    }
    if (name_out) {
        if (m.name[0])
            snprintf(name_out, INV_NAME, "%s", m.name);
        else
            base_name(first, name_out, INV_NAME);
    }
    return meta_to_arch(first, &m, arch, err);
}
