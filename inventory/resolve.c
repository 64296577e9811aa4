/* resolve.c: MODEL as every command names it.
 *
 * estimate, fit and the deployments of a scenario all take the same MODEL: a catalog name
 * (or a catalog entry's hf_id), a path to a config.json, a checkpoint directory, a
 * .safetensors file or a .gguf file, or a Hub id found offline in the Hugging Face cache.
 * One resolver decides which, in that order (docs/formats.md, "Model files"), so that a
 * model a user can estimate is one they can plan with.  A scenario's relative paths are
 * relative to the scenario file: the caller passes that file's folder as base_dir.
 *
 * What the files say about the weights (quantization_config, the bytes as stored, a GGUF's
 * runtime) reaches the workload through inv_resolved_apply and inv_model_runtime, the same
 * for every command.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "inventory.h"

/* ====================================================================== helpers */

static int ends_with(const char *s, const char *tail)
{
    size_t a = strlen(s), b = strlen(tail);
    return a >= b && !strcmp(s + a - b, tail);
}

/* Written as a path: a slash with a .json or a leading '.' or '/', or a model file's suffix.
 * A bare "org/name" is no path unless it exists (then a directory beats the cache). */
static int looks_like_path(const char *s)
{
    if (strstr(s, ".json") || strstr(s, ".gguf") || strstr(s, ".safetensors"))
        return 1;
    return strchr(s, '/') && (s[0] == '.' || s[0] == '/');
}

const char *inv_model_runtime(const char *model)
{
    /* a .gguf is llama.cpp's file format: the runtime that loads it */
    return model && ends_with(model, ".gguf") ? "llama.cpp" : NULL;
}

/* ====================================================================== resolve */

int inv_model_resolve(const inv_catalog *cat, const char *model, const char *base_dir, const char *revision,
                      inv_resolved *r, fp_error *err)
{
    memset(r, 0, sizeof *r);
    if (!model || !model[0])
        return fp_fail(err, NULL, 0, 0, "no model given");
    const inv_model *m = inv_model_find(cat, model);
    if (m) {
        if (revision)
            return fp_fail(err, NULL, 0, 0,
                           "--revision: only for a Hub id read from the Hugging Face cache ('%s' is a catalog entry)",
                           model);
        r->entry = m;
        r->arch = m->arch;
        snprintf(r->name, sizeof r->name, "%s", m->name);
        snprintf(r->hf_id, sizeof r->hf_id, "%s", m->hf_id);
        snprintf(r->where, sizeof r->where, "%s", model);
        return 0;
    }
    /* a relative path is taken from base_dir (a scenario's folder) */
    char path[4096];
    if (base_dir && base_dir[0] && model[0] != '/')
        snprintf(path, sizeof path, "%s/%s", base_dir, model);
    else
        snprintf(path, sizeof path, "%s", model);
    struct stat sb;
    if (stat(path, &sb) == 0 || looks_like_path(model)) {
        if (revision)
            return fp_fail(err, NULL, 0, 0,
                           "--revision: only for a Hub id read from the Hugging Face cache ('%s' is a path)", model);
        if (inv_modelfile_load(path, &r->files, err) != 0)
            return -1;
        r->arch = r->files.arch;
        snprintf(r->name, sizeof r->name, "%s", r->files.name);
        snprintf(r->where, sizeof r->where, "%.*s", (int)sizeof r->where - 1, path);
        snprintf(r->path, sizeof r->path, "%s", path);
        return 0;
    }
    if (inv_hub_id_like(model)) {
        char dir[4096];
        if (inv_hfcache_find(model, revision, dir, sizeof dir, err) != 0)
            return -1;
        if (inv_modelfile_load(dir, &r->files, err) != 0)
            return -1;
        r->arch = r->files.arch;
        snprintf(r->name, sizeof r->name, "%s", model);
        snprintf(r->hf_id, sizeof r->hf_id, "%s", model);
        snprintf(r->where, sizeof r->where, "%s", model);
        snprintf(r->path, sizeof r->path, "%s", dir);
        return 0;
    }
    const char *near = inv_model_suggest(cat, model);
    if (near)
        return fp_fail(err, NULL, 0, 0, "unknown model '%s' (did you mean '%s'? 'fedplan catalog models' lists all)",
                       model, near);
    return fp_fail(err, NULL, 0, 0,
                   "unknown model '%s': not a catalog name ('fedplan catalog models' lists them), a Hub id in the "
                   "Hugging Face cache, nor a path to a config.json, checkpoint directory or .gguf file",
                   model);
}

/* ====================================================================== the workload */

int inv_resolved_apply(const inv_resolved *r, est_options *o, fp_error *err)
{
    est_workload *w = &o->w;
    const inv_modelfile *mf = &r->files;
    const inv_quant *q = &mf->quant;
    if (o->dtype_set)
        return 0; /* --dtype (a workload's dtype) says how the weights are sized: it wins */
    /* a checkpoint's safetensors headers give the bytes inference loads, whatever the method */
    int st_usable = !strcmp(mf->stored.format, "safetensors") && w->mode == EST_MODE_INFER &&
                    w->runtime != EST_RT_LLAMACPP;
    if (q->present) {
        if (q->dtype == EST_DT_COUNT) {
            if (st_usable) { /* a method fedplan has no formula for: the tensors as they are */
                w->stored_weights = mf->stored.bytes;
                return 0;
            }
            return fp_fail(err, r->where, 0, 0,
                           "quantization_config: fedplan cannot size %s: give --dtype to say how the weights are "
                           "stored%s", q->what,
                           mf->stored.format[0] ? "" : ", or give the checkpoint directory (its tensors say it)");
        }
        w->weight_dtype = q->dtype;
        w->group_size = q->group_size;
        w->gptq_g_idx = q->g_idx;
        w->fp8_block = q->fp8_block;
    }
    if (!mf->stored.format[0] || w->mode != EST_MODE_INFER)
        return 0;
    int gguf = !strcmp(mf->stored.format, "gguf");
    if (gguf && w->runtime != EST_RT_LLAMACPP)
        return fp_fail(err, r->where, 0, 0,
                       "a .gguf file runs in llama.cpp (its default runtime here); %s loads safetensors: give "
                       "the model's config.json or checkpoint directory instead",
                       est_runtime_name(w->runtime));
    if (!gguf && w->runtime == EST_RT_LLAMACPP)
        return 0; /* llama.cpp converts safetensors to GGUF first: the dtype's formula sizes that file */
    w->stored_weights = mf->stored.bytes;
    return 0;
}
