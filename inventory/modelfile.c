/* modelfile.c: MODEL given as files: a config.json, a checkpoint directory, a .gguf file.
 *
 * A checkpoint directory holds config.json (the architecture and its quantization_config)
 * and the weights as safetensors: model.safetensors.index.json names the shards (its
 * weight_map values), else every *.safetensors file in the directory is read.  Only the
 * headers are read (inventory/safetensors.c).  A directory without safetensors is read as
 * its config.json alone; one .safetensors file is read with the config.json beside it.
 */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "inventory.h"
#include "readers_int.h"

/* ====================================================================== stored totals */

void inv_stored_kind_add(inv_stored *st, const char *name, uint64_t tensors, uint64_t elements, uint64_t bytes)
{
    size_t i = 0;
    while (i < st->nkinds && strcmp(st->kinds[i].name, name))
        i++;
    if (i == st->nkinds) {
        if (st->nkinds == INV_KINDS)
            return; /* more kinds than either format defines: the totals still count them */
        snprintf(st->kinds[i].name, sizeof st->kinds[i].name, "%s", name);
        st->nkinds++;
    }
    st->kinds[i].tensors += tensors;
    st->kinds[i].elements += elements;
    st->kinds[i].bytes += bytes;
}

void inv_stored_merge(inv_stored *st, const inv_stored *add)
{
    if (add->format[0])
        snprintf(st->format, sizeof st->format, "%s", add->format);
    st->files += add->files;
    st->tensors += add->tensors;
    st->elements += add->elements;
    st->bytes += add->bytes;
    st->quantized |= add->quantized;
    st->unloaded_tensors += add->unloaded_tensors;
    st->unloaded_elements += add->unloaded_elements;
    st->unloaded_bytes += add->unloaded_bytes;
    for (size_t i = 0; i < add->nkinds; i++)
        inv_stored_kind_add(st, add->kinds[i].name, add->kinds[i].tensors, add->kinds[i].elements, add->kinds[i].bytes);
}

/* ====================================================================== helpers */

#define TEXT_MAX (16u << 20) /* a config.json or a shard index */

/* Read a whole small text file; *text is the caller's to free. */
static int read_text(const char *path, char **text, size_t *len, fp_error *err)
{
    *text = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return fp_fail(err, path, 0, 0, "cannot open: %s", strerror(errno));
    char *buf = malloc(TEXT_MAX + 1);
    if (!buf) {
        fclose(f);
        return fp_fail(err, path, 0, 0, "out of memory");
    }
    size_t n = fread(buf, 1, TEXT_MAX + 1, f);
    int bad = ferror(f);
    fclose(f);
    if (bad || n > TEXT_MAX) {
        free(buf);
        return bad ? fp_fail(err, path, 0, 0, "cannot read: %s", strerror(errno))
                   : fp_fail(err, path, 0, 0, "file is larger than %u MiB", TEXT_MAX >> 20);
    }
    *text = buf;
    *len = n;
    return 0;
}

static int ends_with(const char *s, const char *tail)
{
    size_t a = strlen(s), b = strlen(tail);
    return a >= b && !strcmp(s + a - b, tail);
}

static void base_name(const char *path, char *out, size_t n)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", path);
    size_t l = strlen(tmp);
    while (l > 1 && tmp[l - 1] == '/')
        tmp[--l] = 0;
    const char *b = strrchr(tmp, '/');
    snprintf(out, n, "%s", b && b[1] ? b + 1 : tmp);
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ====================================================================== config.json */

static int load_config(const char *path, inv_modelfile *m, fp_error *err)
{
    char *text;
    size_t len;
    if (read_text(path, &text, &len, err) != 0)
        return -1;
    int rc = inv_config_parse(path, text, len, &m->arch, err);
    if (rc == 0)
        rc = inv_quant_parse(path, text, len, &m->quant, err);
    free(text);
    return rc;
}

/* ====================================================================== safetensors shards */

/* The shard names of an index's weight_map (unique, sorted) read into st; layers past
 * `layers` set apart (inv_safetensors_read). */
static int read_index(const char *dir, const char *index, uint64_t layers, inv_stored *st, fp_error *err)
{
    char *text;
    size_t len;
    if (read_text(index, &text, &len, err) != 0)
        return -1;
    json_error_t jerr;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    free(text);
    if (!root)
        return fp_fail(err, index, (unsigned long)(jerr.line > 0 ? jerr.line : 1),
                       (unsigned long)(jerr.column > 0 ? jerr.column : 1), "invalid JSON: %s", jerr.text);
    int rc = -1;
    const char **names = NULL;
    const json_t *wm = json_object_get(root, "weight_map");
    if (!json_is_object(wm)) {
        fp_fail(err, index, 0, 0, "no 'weight_map' object");
        goto out;
    }
    names = calloc(json_object_size(wm) + 1, sizeof *names);
    if (!names) {
        fp_fail(err, index, 0, 0, "out of memory");
        goto out;
    }
    size_t n = 0;
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)wm, key, v) {
        const char *f = json_string_value(v);
        if (!f || !*f || strchr(f, '/') || f[0] == '.') {
            fp_fail(err, index, 0, 0, "weight_map: '%.80s' names '%.80s', not a file in this directory", key,
                    f ? f : "(not a string)");
            goto out;
        }
        names[n++] = f;
    }
    qsort(names, n, sizeof *names, name_cmp);
    for (size_t i = 0; i < n; i++) {
        if (i && !strcmp(names[i], names[i - 1]))
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (inv_safetensors_read(path, layers, st, err) != 0)
            goto out;
    }
    rc = 0;
out:
    free(names);
    json_decref(root);
    return rc;
}

/* Every *.safetensors in dir, in name order. */
static int read_all(const char *dir, uint64_t layers, inv_stored *st, fp_error *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return fp_fail(err, dir, 0, 0, "cannot open: %s", strerror(errno));
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || !ends_with(e->d_name, ".safetensors"))
            continue;
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 16;
            char **nn = realloc(names, nc * sizeof *nn);
            if (!nn) {
                rc = fp_fail(err, dir, 0, 0, "out of memory");
                break;
            }
            names = nn;
            cap = nc;
        }
        if (!(names[n] = strdup(e->d_name))) {
            rc = fp_fail(err, dir, 0, 0, "out of memory");
            break;
        }
        n++;
    }
    closedir(d);
    if (rc == 0 && n)
        qsort(names, n, sizeof *names, name_cmp);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        rc = inv_safetensors_read(path, layers, st, err);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

/* ====================================================================== entry point */

int inv_modelfile_load(const char *path, inv_modelfile *m, fp_error *err)
{
    memset(m, 0, sizeof *m);
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        char cfg[4096], index[4096];
        snprintf(m->kind, sizeof m->kind, "checkpoint");
        base_name(path, m->name, sizeof m->name);
        snprintf(cfg, sizeof cfg, "%s/config.json", path);
        if (stat(cfg, &sb) != 0)
            return fp_fail(err, path, 0, 0, "a checkpoint directory needs a config.json; this one has none");
        if (load_config(cfg, m, err) != 0)
            return -1;
        snprintf(index, sizeof index, "%s/model.safetensors.index.json", path);
        if (stat(index, &sb) == 0)
            return read_index(path, index, m->arch.layers, &m->stored, err);
        return read_all(path, m->arch.layers, &m->stored, err);
    }
    if (ends_with(path, ".gguf")) {
        snprintf(m->kind, sizeof m->kind, "gguf");
        return inv_gguf_load(path, &m->arch, &m->stored, m->name, err);
    }
    if (ends_with(path, ".safetensors")) {
        /* one file of a checkpoint and the config.json beside it, read first for its layer
         * count; without one the header is still read, so that a broken file is named as such */
        char cfg[4200], dir[4096];
        snprintf(m->kind, sizeof m->kind, "checkpoint");
        snprintf(dir, sizeof dir, "%s", path);
        char *slash = strrchr(dir, '/');
        if (slash)
            *slash = 0;
        snprintf(cfg, sizeof cfg, "%s/config.json", slash ? dir : ".");
        base_name(path, m->name, sizeof m->name);
        if (stat(cfg, &sb) != 0) {
            if (inv_safetensors_read(path, 0, &m->stored, err) != 0)
                return -1;
            return fp_fail(err, path, 0, 0, "a safetensors file holds no architecture, and no config.json is beside it");
        }
        if (load_config(cfg, m, err) != 0)
            return -1;
        return inv_safetensors_read(path, m->arch.layers, &m->stored, err);
    }
    snprintf(m->kind, sizeof m->kind, "config");
    base_name(path, m->name, sizeof m->name);
    return load_config(path, m, err);
}
