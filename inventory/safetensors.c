/* safetensors.c: the header of a .safetensors file -> bytes and elements per dtype.
 *
 * The format (huggingface/safetensors, README "Format" and safetensors/src/tensor.rs):
 *   8 bytes   N, an unsigned little-endian 64-bit integer: the header's size
 *   N bytes   a UTF-8 JSON object: tensor name -> {"dtype": "BF16", "shape": [d0, d1, ...],
 *             "data_offsets": [begin, end]}, offsets relative to the byte after the header;
 *             an optional "__metadata__" object of strings
 *   the rest  the tensors' bytes (never read here)
 * A tensor's size is its element count times the dtype's bits / 8 and must equal end - begin;
 * the tensors may not overlap and must lie inside the file.  The reference reader refuses a
 * header over 100,000,000 bytes (MAX_HEADER_SIZE): so does this one.
 *
 * Every length is checked against the file's size before anything is allocated or read: a
 * header that claims 2^63 bytes is refused from its first 8 bytes.  Errors name the file and
 * the byte offset ("at byte 8: ...").
 *
 * Tensors of decoder layers past the config's num_hidden_layers ("model.layers.N." with
 * N >= layers) are counted apart, as unloaded: GLM-4.5 and DeepSeek-V3 keep their NextN/MTP
 * layers there (GLM-4.5-Air: model.layers.46.*, with its own copies of the embedding and the
 * head), and neither transformers (Glm4MoePreTrainedModel and DeepseekV3PreTrainedModel list
 * them in _keys_to_ignore_on_load_unexpected) nor vLLM's model classes (their load_weights
 * skip the spec-decode layers) load them unless asked to draft with them.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "inventory.h"
#include "readers_int.h"

#define ST_MAX_HEADER 100000000ULL /* safetensors' MAX_HEADER_SIZE */

/* dtype names and bits per element: safetensors/src/tensor.rs, Dtype::bitsize */
typedef struct st_dtype {
    const char *name;
    unsigned bits;
    int is_float; /* a parameter per element: F64/F32/F16/BF16 */
} st_dtype;

static const st_dtype dtypes[] = {
    {"F64", 64, 1},     {"F32", 32, 1},     {"F16", 16, 1},     {"BF16", 16, 1},    {"F8_E4M3", 8, 0},
    {"F8_E5M2", 8, 0},  {"F8_E8M0", 8, 0},  {"F6_E2M3", 6, 0},  {"F6_E3M2", 6, 0},  {"F4", 4, 0},
    {"I64", 64, 0},     {"U64", 64, 0},     {"I32", 32, 0},     {"U32", 32, 0},     {"I16", 16, 0},
    {"U16", 16, 0},     {"I8", 8, 0},       {"U8", 8, 0},       {"BOOL", 8, 0},     {"C64", 64, 0},
};

static const st_dtype *dtype_find(const char *s)
{
    for (size_t i = 0; i < sizeof dtypes / sizeof dtypes[0]; i++)
        if (!strcmp(dtypes[i].name, s))
            return &dtypes[i];
    return NULL;
}

/* Byte offset in the file of `"key"` in the header text (8 + its index), or 8 when it cannot be
 * found (a name written with JSON escapes). */
static unsigned long long key_offset(const char *hdr, size_t n, const char *key)
{
    size_t kl = strlen(key);
    for (size_t i = 0; i + kl + 2 <= n; i++)
        if (hdr[i] == '"' && !memcmp(hdr + i + 1, key, kl) && hdr[i + 1 + kl] == '"')
            return 8ULL + i;
    return 8;
}

typedef struct span {
    uint64_t begin, end;
    const char *name;
} span;

static int span_cmp(const void *a, const void *b)
{
    const span *x = a, *y = b;
    return x->begin < y->begin ? -1 : x->begin > y->begin;
}

/* Whether a tensor name is "model.layers.N.<...>" with N >= layers (layers 0: never). */
static int past_last_layer(const char *name, uint64_t layers)
{
    static const char prefix[] = "model.layers.";
    if (!layers || strncmp(name, prefix, sizeof prefix - 1))
        return 0;
    const char *p = name + sizeof prefix - 1;
    if (*p < '0' || *p > '9')
        return 0;
    uint64_t v = 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (v >= layers) /* already past: no need to read (or overflow on) more digits */
            return 1;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    return *p == '.' && v >= layers;
}

/* The JSON header (n bytes, not NUL-terminated) of a file whose tensor data holds data_size
 * bytes.  Adds into st only when every tensor is valid. */
static int parse_header(const char *file, const char *hdr, size_t n, uint64_t data_size, uint64_t layers,
                        inv_stored *st, fp_error *err)
{
    json_error_t jerr;
    json_t *root = json_loadb(hdr, n, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return fp_fail(err, file, 0, 0, "at byte %llu: the safetensors header is not valid JSON: %s",
                       8ULL + (unsigned long long)jerr.position, jerr.text);
    int rc = -1;
    span *spans = NULL;
    inv_stored add;
    memset(&add, 0, sizeof add);
    if (!json_is_object(root)) {
        fp_fail(err, file, 0, 0, "at byte 8: the safetensors header must be a JSON object");
        goto out;
    }
    /* one span per tensor: the count is bounded by the header, itself bounded by the file */
    spans = calloc(json_object_size(root) + 1, sizeof *spans);
    if (!spans) {
        fp_fail(err, file, 0, 0, "out of memory");
        goto out;
    }
    size_t ns = 0;
    const char *name;
    json_t *t;
    json_object_foreach(root, name, t) {
        if (!strcmp(name, "__metadata__"))
            continue;
        unsigned long long at = key_offset(hdr, n, name);
        json_t *dt = json_object_get(t, "dtype"), *shape = json_object_get(t, "shape"),
               *off = json_object_get(t, "data_offsets");
        if (!json_is_object(t) || !json_is_string(dt) || !json_is_array(shape) || !json_is_array(off) ||
            json_array_size(off) != 2) {
            fp_fail(err, file, 0, 0, "at byte %llu: tensor '%.80s' needs \"dtype\", \"shape\" and \"data_offsets\": "
                                     "[begin, end]", at, name);
            goto out;
        }
        const st_dtype *d = dtype_find(json_string_value(dt));
        if (!d) {
            fp_fail(err, file, 0, 0, "at byte %llu: tensor '%.80s' has unknown dtype '%.32s' (known: F64 F32 F16 BF16 "
                                     "F8_E4M3 F8_E5M2 F8_E8M0 F6_E2M3 F6_E3M2 F4 I64 U64 I32 U32 I16 U16 I8 U8 BOOL C64)",
                    at, name, json_string_value(dt));
            goto out;
        }
        uint64_t elems = 1;
        size_t k;
        json_t *dim;
        json_array_foreach(shape, k, dim) {
            if (!json_is_integer(dim) || json_integer_value(dim) < 0) {
                fp_fail(err, file, 0, 0, "at byte %llu: tensor '%.80s': shape must hold non-negative whole numbers", at,
                        name);
                goto out;
            }
            uint64_t v = (uint64_t)json_integer_value(dim);
            if (v && elems > (UINT64_MAX / 64) / v) { /* bits = elems x 64 must not wrap */
                fp_fail(err, file, 0, 0, "at byte %llu: tensor '%.80s': shape overflows 64 bits", at, name);
                goto out;
            }
            elems *= v;
        }
        json_t *b0 = json_array_get(off, 0), *b1 = json_array_get(off, 1);
        if (!json_is_integer(b0) || !json_is_integer(b1) || json_integer_value(b0) < 0 ||
            json_integer_value(b1) < json_integer_value(b0)) {
            fp_fail(err, file, 0, 0, "at byte %llu: tensor '%.80s': data_offsets must be [begin, end] with 0 <= begin <= "
                                     "end", at, name);
            goto out;
        }
        uint64_t begin = (uint64_t)json_integer_value(b0), end = (uint64_t)json_integer_value(b1);
        uint64_t bits = elems * d->bits;
        if (bits % 8) {
            fp_fail(err, file, 0, 0, "at byte %llu: tensor '%.80s': %llu %s values do not fill whole bytes", at, name,
                    (unsigned long long)elems, d->name);
            goto out;
        }
        if (bits / 8 != end - begin) {
            fp_fail(err, file, 0, 0, "at byte %llu: tensor '%.80s': shape and dtype give %llu bytes, data_offsets %llu",
                    at, name, (unsigned long long)(bits / 8), (unsigned long long)(end - begin));
            goto out;
        }
        if (end > data_size) {
            fp_fail(err, file, 0, 0, "at byte %llu: tensor '%.80s' ends at byte %llu, past the end of the file (%llu "
                                     "bytes)", at, name, 8ULL + n + (unsigned long long)end,
                    8ULL + n + (unsigned long long)data_size);
            goto out;
        }
        spans[ns++] = (span){begin, end, name};
        if (past_last_layer(name, layers)) {
            add.unloaded_tensors++;
            add.unloaded_elements += elems;
            add.unloaded_bytes += end - begin;
            continue;
        }
        add.tensors++;
        add.elements += elems;
        add.bytes += end - begin;
        if (!d->is_float)
            add.quantized = 1;
        inv_stored_kind_add(&add, d->name, 1, elems, end - begin);
    }
    qsort(spans, ns, sizeof *spans, span_cmp);
    for (size_t i = 1; i < ns; i++)
        if (spans[i].begin < spans[i - 1].end) {
            fp_fail(err, file, 0, 0, "at byte %llu: tensor '%.80s' overlaps tensor '%.80s'",
                    key_offset(hdr, n, spans[i].name), spans[i].name, spans[i - 1].name);
            goto out;
        }
    /* all valid: add into the caller's totals */
    snprintf(add.format, sizeof add.format, "safetensors");
    add.files = 1;
    inv_stored_merge(st, &add);
    rc = 0;
out:
    free(spans);
    json_decref(root);
    return rc;
}

static uint64_t le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* The header length from the first 8 bytes, checked against the file size and the limit. */
static int header_len(const char *file, const unsigned char *first8, uint64_t file_size, uint64_t *n, fp_error *err)
{
    *n = le64(first8);
    if (*n > file_size - 8)
        return fp_fail(err, file, 0, 0, "at byte 0: header length %llu runs past the end of the file (%llu bytes)",
                       (unsigned long long)*n, (unsigned long long)file_size);
    if (*n > ST_MAX_HEADER)
        return fp_fail(err, file, 0, 0, "at byte 0: header length %llu is over safetensors' limit of 100000000 bytes",
                       (unsigned long long)*n);
    if (*n < 2)
        return fp_fail(err, file, 0, 0, "at byte 0: header length %llu is too short for a JSON object",
                       (unsigned long long)*n);
    return 0;
}

int inv_safetensors_parse(const char *file, const unsigned char *buf, size_t len, uint64_t file_size,
                          uint64_t layers, inv_stored *st, fp_error *err)
{
    if (file_size < 8 || len < 8)
        return fp_fail(err, file, 0, 0, "at byte 0: %llu bytes: too short for a safetensors header (8-byte length first)",
                       (unsigned long long)(len < file_size ? len : file_size));
    uint64_t n;
    if (header_len(file, buf, file_size, &n, err) != 0)
        return -1;
    if (n > len - 8)
        return fp_fail(err, file, 0, 0, "at byte 8: the header (%llu bytes) is cut short at %llu bytes",
                       (unsigned long long)n, (unsigned long long)(len - 8));
    return parse_header(file, (const char *)buf + 8, (size_t)n, file_size - 8 - n, layers, st, err);
}

int inv_safetensors_read(const char *path, uint64_t layers, inv_stored *st, fp_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return fp_fail(err, path, 0, 0, "cannot open: %s", strerror(errno));
    int rc = -1;
    char *hdr = NULL;
    struct stat sb;
    unsigned char first[8];
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        fp_fail(err, path, 0, 0, "not a regular file");
        goto out;
    }
    uint64_t size = (uint64_t)sb.st_size;
    if (size < 8 || fread(first, 1, 8, f) != 8) {
        fp_fail(err, path, 0, 0, "at byte 0: %llu bytes: too short for a safetensors header (8-byte length first)",
                (unsigned long long)size);
        goto out;
    }
    uint64_t n;
    if (header_len(path, first, size, &n, err) != 0)
        goto out;
    hdr = malloc((size_t)n); /* n <= the file's size and <= 100 MB: checked above */
    if (!hdr) {
        fp_fail(err, path, 0, 0, "out of memory");
        goto out;
    }
    if (fread(hdr, 1, (size_t)n, f) != (size_t)n) {
        fp_fail(err, path, 0, 0, "at byte 8: cannot read the %llu-byte header: %s", (unsigned long long)n,
                ferror(f) ? strerror(errno) : "the file shrank");
        goto out;
    }
    rc = parse_header(path, hdr, (size_t)n, size - 8 - n, layers, st, err);
out:
    free(hdr);
    fclose(f);
    return rc;
}
