/* emit.c: the plan read as processes, the server arguments every target shares, and the
 * driver that asks each target (launch.c, compose.c, kube.c, skypilot.c, readme.c) for its
 * files.  Where a flag comes from is cited in docs/deploy.md. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/text.h"
#include "emit_int.h"

/* ====================================================================== text */

static int eb_grow(eb *b, size_t more)
{
    if (b->oom)
        return -1;
    if (b->len + more + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 1024;
    while (cap < b->len + more + 1)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->oom = 1;
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

void eb_printf(eb *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || eb_grow(b, (size_t)n) != 0)
        return;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void eb_puts(eb *b, const char *s)
{
    size_t n = strlen(s);
    if (eb_grow(b, n) != 0)
        return;
    memcpy(b->p + b->len, s, n + 1);
    b->len += n;
}

void eb_quoted(eb *b, const char *s)
{
    eb_puts(b, "\"");
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c == '"' || *c == '\\')
            eb_printf(b, "\\%c", *c);
        else if (*c < 0x20)
            eb_printf(b, "\\u%04x", *c);
        else
            eb_printf(b, "%c", *c);
    }
    eb_puts(b, "\"");
}

void eb_shword(eb *b, const char *s)
{
    int safe = *s != 0;
    for (const char *c = s; *c && safe; c++)
        safe = isalnum((unsigned char)*c) || strchr("_./:=@%+,-", *c);
    if (safe) {
        eb_puts(b, s);
        return;
    }
    eb_puts(b, "'");
    for (const char *c = s; *c; c++) {
        if (*c == '\'')
            eb_puts(b, "'\\''");
        else
            eb_printf(b, "%c", *c);
    }
    eb_puts(b, "'");
}

void eb_free(eb *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

int emit_add(emit_set *set, const char *path, eb *b, int executable, fp_error *err)
{
    if (b->oom || eb_grow(b, 0) != 0) {
        eb_free(b);
        return fp_fail(err, NULL, 0, 0, "out of memory writing '%s'", path);
    }
    if (set->nfiles == set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 16;
        emit_file *f = realloc(set->files, cap * sizeof *f);
        if (!f) {
            eb_free(b);
            return fp_fail(err, NULL, 0, 0, "out of memory");
        }
        set->files = f;
        set->cap = cap;
    }
    char *p = strdup(path);
    if (!p) {
        eb_free(b);
        return fp_fail(err, NULL, 0, 0, "out of memory");
    }
    set->files[set->nfiles++] = (emit_file){.path = p, .data = b->p, .len = b->len, .executable = executable};
    memset(b, 0, sizeof *b);
    return 0;
}

void emit_set_free(emit_set *set)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->nfiles; i++) {
        free(set->files[i].path);
        free(set->files[i].data);
    }
    free(set->files);
    memset(set, 0, sizeof *set);
}

const emit_file *emit_set_find(const emit_set *set, const char *path)
{
    for (size_t i = 0; i < set->nfiles; i++)
        if (!strcmp(set->files[i].path, path))
            return &set->files[i];
    return NULL;
}

/* ====================================================================== nodes */

const inv_node *ep_node(const ep_plan *m, size_t n)
{
    return &m->in->s->nodes[m->in->plan->nodes[n].type].node;
}

const char *ep_node_type(const ep_plan *m, size_t n)
{
    return m->in->pb->types[m->in->plan->nodes[n].type].name;
}

/* SkyPilot launches instances of these clouds by their type (docs/deploy.md); SageMaker
 * endpoints and Kaggle notebooks are no instances it starts */
int ep_node_cloud(const ep_plan *m, size_t n, char *cloud, size_t nc, const char **itype)
{
    static const char *const clouds[] = {"aws", "gcp", "azure"};
    const inv_node *node = ep_node(m, n);
    for (size_t i = 0; i < sizeof clouds / sizeof clouds[0]; i++) {
        size_t l = strlen(clouds[i]);
        if (!strcmp(node->provider, clouds[i]) && !strncmp(node->name, clouds[i], l) && node->name[l] == '/') {
            snprintf(cloud, nc, "%s", clouds[i]);
            *itype = node->name + l + 1;
            return 1;
        }
    }
    return 0;
}

/* ====================================================================== processes */

/* a DNS label (RFC 1123): lowercase letters, digits and '-', at most 63, starting and ending alphanumeric */
static void dns_label(char *out, size_t n, const char *dep, uint32_t replica)
{
    char tmp[80];
    size_t o = 0;
    for (const char *c = dep; *c && o + 1 < 50; c++) {
        char x = (char)tolower((unsigned char)*c);
        if (!isalnum((unsigned char)x))
            x = '-';
        if (x == '-' && (o == 0 || tmp[o - 1] == '-'))
            continue;
        tmp[o++] = x;
    }
    while (o && tmp[o - 1] == '-')
        o--;
    tmp[o] = 0;
    snprintf(out, n, "%.50s-%u", o ? tmp : "process", replica + 1);
}

static ep_kind kind_of(const scn_deployment *dp, int on_host)
{
    if (dp->memory)
        return EP_FIXED;
    if (dp->opts.w.mode == EST_MODE_TRAIN)
        return EP_TRAIN;
    if (dp->opts.w.runtime == EST_RT_LLAMACPP) /* on the host, or with --n-gpu-layers on a GPU */
        return EP_LLAMACPP;
    (void)on_host;
    if (dp->opts.w.runtime == EST_RT_VLLM && !on_host)
        return EP_VLLM;
    return EP_HF;
}

/* The local path deployment dp's model was read from (a config.json stands for its
 * directory), into path; 0 when it was not read from local files. */
static int local_path(const emit_input *in, const scn_deployment *dp, char *path, size_t n)
{
    const inv_resolved *r = dp->model[0] && dp->model_ix >= 0 && (size_t)dp->model_ix < in->s->nmodels
                                ? &in->s->models[dp->model_ix].r
                                : NULL;
    if (!r || !r->files.kind[0] || r->hf_id[0])
        return 0;
    snprintf(path, n, "%s", r->where);
    size_t len = strlen(path);
    if (len >= 11 && !strcmp(path + len - 11, "config.json") && (len == 11 || path[len - 12] == '/'))
        snprintf(path + len - 11, n - (len - 11), "%s", len == 11 ? "." : "");
    len = strlen(path);
    while (len > 1 && path[len - 1] == '/')
        path[--len] = 0;
    return 1;
}

static const char *base_name(const char *path)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    return strcmp(b, ".") && strcmp(b, "..") && b[0] ? b : NULL;
}

/* the model a process loads: the catalog's hub id, a Hub id read from the cache, or a local
 * file or directory (p->local: the path read; p->model: its name under models/, the
 * deployment's name put before it when another local model has the same name) */
static void model_of(const emit_input *in, const scn_deployment *dp, ep_proc *p)
{
    char *out = p->model;
    size_t n = sizeof p->model;
    out[0] = p->local[0] = p->revision[0] = 0;
    if (!dp->model[0])
        return;
    const inv_resolved *r = dp->model_ix >= 0 && (size_t)dp->model_ix < in->s->nmodels ? &in->s->models[dp->model_ix].r
                                                                                       : NULL;
    char path[FP_ERR_FILE];
    if (local_path(in, dp, path, sizeof path)) {
        snprintf(p->local, sizeof p->local, "%s", path);
        const char *base = base_name(path);
        int clash = !base;
        for (size_t j = 0; j < in->s->ndeps && !clash; j++) {
            char other[FP_ERR_FILE];
            const char *ob;
            clash = local_path(in, &in->s->deps[j], other, sizeof other) && strcmp(other, path) != 0 &&
                    (ob = base_name(other)) != NULL && !strcmp(ob, base);
        }
        /* a config file of another name (llama-3.1-405b.json) stands for a checkpoint directory
         * the user makes of it: named without its extension */
        size_t blen = base ? strlen(base) : 0;
        int json = blen > 5 && !strcmp(base + blen - 5, ".json");
        if (!base)
            snprintf(out, n, "%s", dp->name);
        else if (clash)
            snprintf(out, n, "%s-%.*s", dp->name, (int)(json ? blen - 5 : blen), base);
        else
            snprintf(out, n, "%.*s", (int)(json ? blen - 5 : blen), base);
        return;
    }
    if (r && r->hf_id[0] && dp->revision[0])
        snprintf(p->revision, sizeof p->revision, "%s", dp->revision);
    const inv_model *im = inv_model_find(in->cat, dp->model);
    if (im && im->hf_id[0]) {
        snprintf(out, n, "%s", im->hf_id);
        return;
    }
    snprintf(out, n, "%s", r && r->hf_id[0] ? r->hf_id : dp->model);
}

/* where p's replica spans nodes: which part node n is, and the node of part 0 (a spanning
 * replica has its nodes to itself: the solver gives it whole nodes) */
static void span_of(const emit_input *in, size_t n, ep_proc *p)
{
    sol_span sp, o;
    p->part = 0;
    p->of = 1;
    p->head = n;
    p->all_gpus = 0;
    if (!sol_node_span(in->pb, in->plan, n, &sp) || sp.dep != p->dep || sp.replica != p->replica)
        return;
    p->part = sp.part - 1;
    p->of = sp.of;
    p->all_gpus = sol_variant_gpus(&in->pb->deps[sp.dep].variants[sp.variant]);
    for (size_t k = 0; k < in->plan->nnodes; k++)
        if (sol_node_span(in->pb, in->plan, k, &o) && o.dep == sp.dep && o.replica == sp.replica && o.part == 1)
            p->head = k;
}

static int build(ep_plan *m, fp_error *err)
{
    const emit_input *in = m->in;
    const sol_plan *plan = in->plan;
    size_t total = 0;
    for (size_t n = 0; n < plan->nnodes; n++)
        total += plan->nodes[n].nshards;
    m->procs = calloc(total ? total : 1, sizeof *m->procs);
    if (!m->procs)
        return fp_fail(err, NULL, 0, 0, "out of memory");
    for (size_t n = 0; n < plan->nnodes; n++) {
        const sol_node *nd = &plan->nodes[n];
        const inv_node *node = ep_node(m, n);
        size_t first = m->nprocs;
        unsigned port = EP_PORT_BASE;
        for (size_t k = 0; k < nd->nshards; k++) {
            const sol_shard *sh = &nd->shards[k];
            ep_proc *p = NULL;
            for (size_t q = first; q < m->nprocs && !p; q++)
                if (m->procs[q].dep == sh->dep && m->procs[q].replica == sh->replica)
                    p = &m->procs[q];
            if (!p) {
                const scn_deployment *dp = &in->s->deps[sh->dep];
                p = &m->procs[m->nprocs++];
                p->node = n;
                p->dep = sh->dep;
                p->replica = sh->replica;
                p->variant = sh->variant;
                p->after = -1;
                p->kind = kind_of(dp, sh->gpu < 0);
                dns_label(p->name, sizeof p->name, dp->name, sh->replica);
                model_of(in, dp, p);
                p->w = dp->opts.w;
                p->w.tp = dp->vtp[sh->variant];
                if (sh->gpu >= 0 && node->gpu_caps.known && !(node->gpu_caps.features & INV_F_BF16))
                    est_options_fp16_fallback(&dp->opts, &p->w);
                if (dp->vpp[sh->variant]) /* the variant's stages (pp lists several) */
                    p->w.pp = dp->vpp[sh->variant];
                p->fsdp = dp->opts.fsdp_set;
                p->util = sh->gpu >= 0 ? scn_vllm_utilization(in->s, sh->dep, sh->variant, node) : 0;
                span_of(in, n, p);
                if (ep_is_server(p))
                    p->port = port++;
            }
            if (sh->gpu >= 0 && p->ngpus < SCN_MAX_JOB_GPUS) {
                size_t i = p->ngpus++;
                while (i > 0 && p->gpu[i - 1] > (uint32_t)sh->gpu) {
                    p->gpu[i] = p->gpu[i - 1];
                    i--;
                }
                p->gpu[i] = (uint32_t)sh->gpu;
            }
        }
        /* who shares a GPU with whom: a later process starts after the earlier one is up
         * (vLLM checks at start that its share of the GPU is free) */
        for (size_t a = first; a < m->nprocs; a++)
            for (size_t b = first; b < a; b++)
                for (size_t i = 0; i < m->procs[a].ngpus; i++)
                    for (size_t j = 0; j < m->procs[b].ngpus; j++)
                        if (m->procs[a].gpu[i] == m->procs[b].gpu[j]) {
                            m->procs[a].shares_gpu = m->procs[b].shares_gpu = 1;
                            m->procs[a].after = (long)b;
                        }
        const sol_node_type *t = &in->pb->types[nd->type];
        for (uint32_t g = 0; g < t->gpus; g++) {
            unsigned k = 0;
            for (size_t a = first; a < m->nprocs; a++)
                for (size_t i = 0; i < m->procs[a].ngpus; i++)
                    k += m->procs[a].gpu[i] == g && m->procs[a].kind == EP_VLLM;
            if (k > m->max_share)
                m->max_share = k;
        }
    }
    return 0;
}

/* ====================================================================== arguments */

const char *ep_vllm_quantization(est_dtype d, const char **note)
{
    *note = NULL;
    switch (d) {
    case EST_DT_FP8:
        return "fp8"; /* dynamic fp8 of a 16-bit checkpoint */
    case EST_DT_NF4:
    case EST_DT_NF4_DQ:
        return "bitsandbytes"; /* in-flight 4-bit of a 16-bit checkpoint */
    case EST_DT_INT4:
        *note = "int4 weights: serve an AWQ or GPTQ checkpoint of this model (vLLM reads the method from its config)";
        return NULL;
    case EST_DT_INT8:
        *note = "int8 weights: serve an int8 (W8A8) checkpoint of this model (vLLM reads the method from its config)";
        return NULL;
    default:
        return NULL;
    }
}

static const char *torch_dtype(est_dtype d)
{
    return d == EST_DT_FP16 ? "float16" : d == EST_DT_FP32 ? "float32" : "bfloat16";
}

/* llama.cpp's names for its types (file names and --cache-type-k/v) */
static const char *ggml_name(est_dtype d)
{
    switch (d) {
    case EST_DT_FP32: return "f32";
    case EST_DT_FP16: return "f16";
    case EST_DT_BF16: return "bf16";
    case EST_DT_Q8_0: return "q8_0";
    case EST_DT_Q6_K: return "q6_k";
    case EST_DT_Q4_K: return "q4_k_m";
    case EST_DT_Q4_0: return "q4_0";
    default: return est_dtype_name(d);
    }
}

void ep_gguf_name(const ep_plan *m, const ep_proc *p, char *buf, size_t n)
{
    const scn_deployment *dp = &m->in->s->deps[p->dep];
    const inv_model *im = dp->model[0] ? inv_model_find(m->in->cat, dp->model) : NULL;
    const char *base = im ? im->name : dp->name;
    snprintf(buf, n, "%s-%s.gguf", base, ggml_name(p->w.weight_dtype));
}

static void arg(ep_argv *a, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void arg(ep_argv *a, const char *fmt, ...)
{
    if (a->n == EP_MAX_ARGS)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->v[a->n++], sizeof a->v[0], fmt, ap);
    va_end(ap);
}

/* threads for one llama-server: the node's vCPUs shared by its llama.cpp processes (0: unknown) */
static unsigned llama_threads(const ep_plan *m, const ep_proc *p)
{
    unsigned k = 0;
    for (size_t i = 0; i < m->nprocs; i++)
        k += m->procs[i].node == p->node && m->procs[i].kind == EP_LLAMACPP;
    unsigned v = ep_node(m, p->node)->vcpus;
    return v && k ? (v / k ? v / k : 1) : 0;
}

int ep_is_server(const ep_proc *p)
{
    return (p->kind == EP_VLLM || p->kind == EP_LLAMACPP) && p->part == 0;
}

int ep_spans(const ep_proc *p)
{
    return p->of > 1;
}

int ep_span_head(const ep_proc *p)
{
    return p->of > 1 && p->part == 0;
}

size_t ep_node_servers(const ep_plan *m, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < m->nprocs; i++)
        k += m->procs[i].node == n && ep_is_server(&m->procs[i]);
    return k;
}

int ep_local_gguf(const ep_proc *p)
{
    size_t n = strlen(p->local);
    return n > 5 && fp_streq_ci(p->local + n - 5, ".gguf");
}

int ep_checkpoint_var(const ep_plan *m, const ep_proc *p, char *var, size_t n)
{
    const char *note;
    /* a local checkpoint is the one the plan sized, quantized as it is stored */
    if (p->kind != EP_VLLM || p->local[0] || (ep_vllm_quantization(p->w.weight_dtype, &note), !note))
        return 0;
    size_t k = (size_t)snprintf(var, n, "FEDPLAN_CHECKPOINT_");
    for (const char *c = m->in->s->deps[p->dep].name; *c && k + 1 < n; c++)
        var[k++] = (*c >= 'a' && *c <= 'z') ? (char)(*c - 'a' + 'A') : ((*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9')) ? *c : '_';
    var[k < n ? k : n - 1] = 0;
    return 1;
}

void ep_server_args(const ep_plan *m, const ep_proc *p, int container, ep_argv *a)
{
    a->n = 0;
    const est_workload *w = &p->w;
    if (p->kind == EP_VLLM) {
        char var[128];
        arg(a, "--model");
        if (ep_checkpoint_var(m, p, var, sizeof var)) /* shell and compose interpolation: fails when unset */
            arg(a, "${%s:?set %s to an %s checkpoint of %s}", var, var,
                w->weight_dtype == EST_DT_INT4 ? "AWQ or GPTQ int4" : "int8 (W8A8)", p->model);
        else if (p->local[0]) /* copied beside the launch files (the README says from where) */
            arg(a, "%s%s", container ? "/models/" : "models/", p->model);
        else
            arg(a, "%s", p->model);
        if (p->revision[0]) {
            arg(a, "--revision");
            arg(a, "%s", p->revision);
        }
        if (container) {
            arg(a, "--host");
            arg(a, "0.0.0.0");
        }
        arg(a, "--port");
        arg(a, "%u", p->port);
        arg(a, "--gpu-memory-utilization");
        arg(a, "%.4f", p->util);
        arg(a, "--tensor-parallel-size");
        arg(a, "%llu", (unsigned long long)w->tp);
        if (w->pp > 1) {
            arg(a, "--pipeline-parallel-size");
            arg(a, "%llu", (unsigned long long)w->pp);
        }
        if (w->cpu_offload) {
            arg(a, "--cpu-offload-gb");
            arg(a, "%g", (double)w->cpu_offload / (double)(1ULL << 30));
        }
        arg(a, "--max-model-len");
        arg(a, "%llu", (unsigned long long)w->context);
        arg(a, "--max-num-seqs");
        arg(a, "%llu", (unsigned long long)w->max_num_seqs);
        arg(a, "--dtype");
        arg(a, "%s", torch_dtype(w->compute_dtype));
        const char *note, *q = ep_vllm_quantization(w->weight_dtype, &note);
        if (q) {
            arg(a, "--quantization");
            arg(a, "%s", q);
        }
        /* "auto" is the model's dtype; fp8 is the one other cache type the estimator sizes */
        if (w->kv_dtype == EST_DT_FP8) {
            arg(a, "--kv-cache-dtype");
            arg(a, "fp8");
        }
        if (w->swap_space != (4ULL << 30)) {
            arg(a, "--swap-space");
            arg(a, "%g", (double)w->swap_space / (double)(1ULL << 30));
        }
        if (w->block_size != 16) {
            arg(a, "--block-size");
            arg(a, "%llu", (unsigned long long)w->block_size);
        }
        if (!w->cuda_graphs)
            arg(a, "--enforce-eager");
        if (ep_span_head(p)) { /* its other nodes are Ray workers (launch.c) */
            arg(a, "--distributed-executor-backend");
            arg(a, "ray");
        }
    } else if (p->kind == EP_LLAMACPP) {
        char f[300];
        if (ep_local_gguf(p)) /* the user's own GGUF file, copied beside the launch files */
            snprintf(f, sizeof f, "%s", p->model);
        else
            ep_gguf_name(m, p, f, sizeof f);
        arg(a, "-m");
        arg(a, "%s%s", container ? "/models/" : "models/", f);
        arg(a, "--host");
        arg(a, "0.0.0.0");
        arg(a, "--port");
        arg(a, "%u", p->port);
        /* the context is shared by the slots: each of the batch's sequences gets `context` tokens */
        uint64_t slots = w->batch ? w->batch : 1;
        arg(a, "-c");
        arg(a, "%llu", (unsigned long long)(w->context * slots));
        arg(a, "--parallel");
        arg(a, "%llu", (unsigned long long)slots);
        /* the layers the plan put on the GPU (0: all on the host, as placed) */
        arg(a, "--n-gpu-layers");
        arg(a, "%llu", (unsigned long long)(p->ngpus && w->ngl_set ? w->n_gpu_layers : 0));
        if (p->ngpus && w->no_kv_offload)
            arg(a, "--no-kv-offload");
        unsigned th = llama_threads(m, p);
        if (th) {
            arg(a, "--threads");
            arg(a, "%u", th);
        }
        if (w->kv_dtype != EST_DT_FP16) {
            arg(a, "--cache-type-k");
            arg(a, "%s", ggml_name(w->kv_dtype));
            arg(a, "--cache-type-v");
            arg(a, "%s", ggml_name(w->kv_dtype));
        }
    }
}

const char *ep_train_config(const ep_proc *p, char *buf, size_t n)
{
    if (p->kind != EP_TRAIN || p->w.zero_stage == 0)
        return NULL;
    snprintf(buf, n, "%s.%s", p->name, p->fsdp ? "accelerate.yaml" : "ds_config.json");
    return buf;
}

/* ====================================================================== driver */

int emit_plan(const emit_input *in, emit_set *out, fp_error *err)
{
    ep_plan m = {.in = in};
    int rc = -1;
    if (build(&m, err) != 0)
        goto out;
    /* vLLM spans nodes on a Ray cluster and training with torchrun's rendezvous (launch.c);
     * llama-server runs on one machine (its RPC backend is no part of the plan), so a plan
     * that spans one (pp on a GPU deployment) gets no files */
    for (size_t i = 0; i < m.nprocs; i++) {
        const ep_proc *p = &m.procs[i];
        if (ep_spans(p) && p->kind == EP_LLAMACPP) {
            rc = fp_fail(err, NULL, 0, 0,
                         "--emit: '%s' replica %u spans %u nodes, and llama-server runs on one machine: plan it with "
                         "max_nodes: 1",
                         in->pb->deps[p->dep].name, p->replica + 1, p->of);
            goto out;
        }
        /* accelerate starts num_processes / num_machines processes on every machine */
        if (ep_spans(p) && p->kind == EP_TRAIN && p->fsdp && p->all_gpus != p->ngpus * p->of) {
            rc = fp_fail(err, NULL, 0, 0,
                         "--emit: '%s' replica %u has %zu of its %u GPUs on node %zu, and accelerate launch (FSDP) "
                         "starts the same number of processes on each of its %u nodes: give it a multiple of the "
                         "nodes' GPUs",
                         in->pb->deps[p->dep].name, p->replica + 1, p->ngpus, p->all_gpus, p->node + 1, p->of);
            goto out;
        }
    }
    if (emit_launch(&m, out, err) != 0 || emit_compose(&m, out, err) != 0 || emit_kube(&m, out, err) != 0 ||
        emit_skypilot(&m, out, err) != 0)
        goto out;
    if (in->plan_json) {
        eb b = {0};
        eb_puts(&b, in->plan_json);
        if (emit_add(out, "plan.json", &b, 0, err) != 0)
            goto out;
    }
    if (emit_readme(&m, out, err) != 0)
        goto out;
    eb mark = {0};
    eb_puts(&mark, "fedplan emitted this directory; `fedplan plan --emit DIR --force` may replace it\n");
    if (emit_add(out, ".fedplan-emit", &mark, 0, err) != 0)
        goto out;
    rc = 0;
out:
    free(m.procs);
    return rc;
}
