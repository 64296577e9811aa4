/* cmd_estimate.c: fedplan estimate MODEL [options] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/units.h"
#include "../estimator/estimator.h"
#include "../inventory/inventory.h"
#include "cli.h"

enum { O_FORMAT, O_EXPLAIN, O_GPU, O_PARAMS, O_GPUMEM, O_REVISION };

static const cli_opt opts[] = {
    {"format", 1, O_FORMAT},
    {"explain", 0, O_EXPLAIN},
    {"gpu", 1, O_GPU},
    {"params", 1, O_PARAMS},
    {"gpu-memory", 1, O_GPUMEM},
    {"revision", 1, O_REVISION},
};

static void help(FILE *out)
{
    fputs("usage: fedplan estimate MODEL [options]\n"
          "       fedplan estimate --params N [options]\n"
          "\n"
          "MODEL is a catalog name (fedplan catalog models), a Hugging Face id (the catalog's, or\n"
          "one in the local Hugging Face cache, offline), a config.json, a checkpoint directory\n"
          "(config.json + *.safetensors: the weights as stored) or a .gguf file (llama.cpp: the\n"
          "file's exact weight bytes).  --params N (e.g. 6.7e9) is the rough fallback: weights,\n"
          "gradients and optimizer only.\n"
          "\n"
          "output:\n"
          "  --format table|json|yaml|csv   (table)\n"
          "  --explain                      print each component with its formula\n"
          "  --gpu NAME                     does it fit; headroom; largest batch and context\n"
          "  --gpu-memory SIZE              a GPU not in the catalog, e.g. '22.07 GiB'\n"
          "  --revision REV                 a Hub id's branch, tag or commit in the cache   (main)\n"
          "inference:\n"
          "  --dtype D          weights: fp32 bf16 fp16 fp8 fp8-block mxfp4 int8 int4 (GPTQ/AWQ)\n"
          "                     nf4 nf4-dq, q8_0 q6_k q4_k q4_0 (llama.cpp)\n"
          "                     (bf16; a checkpoint's stored bytes or quantization_config)\n"
          "  --group-size N     int4 (GPTQ/AWQ): input rows per scale group    (128)\n"
          "  --compute-dtype D  activations and unquantized tensors: bf16 fp16 fp32 (bf16)\n"
          "  --kv-dtype D       KV cache: bf16 fp16 fp32 fp8 q8_0 q4_0       (bf16)\n"
          "  --batch N          sequences (training: micro-batch)           (1)\n"
          "  --context N        tokens per sequence          (2048, or the model's limit if less)\n"
          "  --max-model-len N  accept contexts up to N past the model's limit (rope scaling)\n"
          "  --prefill N        tokens in one forward step (prompt chunk)   (context; vLLM 8192)\n"
          "  --tp N             tensor-parallel degree                      (1)\n"
          "  --pp N             pipeline stages; each stage's figure, the largest per GPU (1)\n"
          "  --runtime R        transformers vllm llama.cpp none            (transformers)\n"
          "  --gpu-memory-utilization F   vLLM's fraction of the GPU       (0.9)\n"
          "  --block-size N     vLLM paged KV block, tokens                 (16)\n"
          "  --max-num-seqs N   vLLM sequences in the profile run           (256)\n"
          "  --enforce-eager    vLLM without CUDA graphs\n"
          "  --no-flash-attention  eager attention materializes scores\n"
          "  --quantize-lm-head quantize the output head like the layers\n"
          "  --cpu-offload-gb N vLLM: GiB of weights per GPU kept in host memory    (0)\n"
          "  --n-gpu-layers K   llama.cpp: the last K layers on a GPU, the rest on the host\n"
          "  --no-kv-offload    llama.cpp: the KV cache stays on the host\n",
          out);
    fputs("training (any of these, or --mode train, selects training):\n"
          "  --method full|lora|qlora                                       (lora)\n"
          "  --precision mixed|bf16|fp16|fp32   mixed = 16-bit compute + fp32 master (mixed)\n"
          "  --optimizer adamw|adamw8bit|adafactor|sgd|sgd-momentum|lion   (adamw)\n"
          "  --optimizer-dtype fp32|bf16|fp16   AdamW/momentum states  (the trained weights' dtype)\n"
          "  --lora-rank N      (8)   --lora-targets LIST (q,v; or all-linear, attn, mlp)\n"
          "  --lora-alpha N     accepted and reported: alpha costs no memory\n"
          "  --grad-checkpointing   --loss-chunk N (tokens per loss chunk)\n"
          "  --grad-accum N     micro-batches per step (a full fine-tune keeps gradients across them)\n"
          "  --freeze-layers N  full fine-tune with the first N layers frozen\n"
          "  --zero 0|1|2|3  --fsdp (= zero 3)  --gpus N (tp x pp x data-parallel ranks)\n"
          "  --offload optimizer|params|none   ZeRO-Offload / ZeRO-Infinity, FSDP CPU offload\n"
          "  --pin-memory       the offloaded state is page-locked (DeepSpeed pin_memory)\n"
          "  --paged-optimizer  bitsandbytes paged optimizer: states paged to the host\n"
          "  --lora-dropout P   dropout on the adapters' input (keeps a copy and a mask)  (0)\n"
          "  --bnb-legacy       bitsandbytes < 0.43.2: frozen 4-bit layers keep their inputs\n"
          "  --framework transformers|litgpt|torchtune  the training code   (transformers)\n"
          "  --compile          torch.compile: fused kernels keep fewer intermediates\n"
          "  --optimizer-in-backward  step each parameter in the backward: one gradient at a time\n"
          "  --activation-offload  checkpoints in pinned host memory (with --grad-checkpointing)\n"
          "\n"
          "With --gpu, a GPU that cannot run the workload (fp8 weights in transformers below\n"
          "compute capability 8.9, bf16 asked for before Ampere, vLLM before 7.0, ...) is a\n"
          "warning and 'runs': false in JSON; 'fits' and the exit code count memory only.\n"
          "\n"
          "exit: 0 ok (fits), 1 does not fit the --gpu, 2 bad input\n",
          out);
}

typedef struct est_cli {
    out_format format;
    int explain;
    const char *gpu;
    uint64_t gpu_memory;
    inv_gpu custom_gpu;
    const char *model;
    const char *revision;
    double params;
    int have_params;
    est_options o;
} est_cli;

static int parse_args(int argc, char **argv, est_cli *c, fp_error *err)
{
    memset(c, 0, sizeof *c);
    est_options_init(&c->o);
    /* the command line's table: its own options, then every workload option */
    cli_opt table[64];
    size_t n = cli_opts_with_workload(table, 64, opts, sizeof opts / sizeof opts[0]);
    cli_args a = {.argc = argc, .argv = argv, .i = 1};
    int id;
    const char *v;
    int r;
    while ((r = cli_next(&a, table, n, &id, &v, err)) == 1) {
        switch (id) {
        case -1:
            if (c->model)
                return fp_fail(err, NULL, 0, 0, "more than one MODEL given ('%s' and '%s')", c->model, v);
            c->model = v;
            break;
        case O_FORMAT:
            if (cli_parse_format(v, &c->format, err))
                return -1;
            break;
        case O_EXPLAIN: c->explain = 1; break;
        case O_GPU: c->gpu = v; break;
        case O_PARAMS:
            if (fp_number_parse(v, &c->params) != 0 || c->params < 1 || c->params > 1e15)
                return fp_fail(err, NULL, 0, 0, "--params: expected a parameter count such as 6.7e9, got '%s'", v);
            c->have_params = 1;
            break;
        case O_REVISION: c->revision = v; break;
        case O_GPUMEM: {
            char why[256];
            if (fp_size_parse(v, &c->gpu_memory, why, sizeof why) != 0)
                return fp_fail(err, NULL, 0, 0, "--gpu-memory: %s", why);
            if (c->gpu_memory == 0)
                return fp_fail(err, NULL, 0, 0, "--gpu-memory: must be positive");
            break;
        }
        default:
            if (est_option_apply(&c->o, cli_workload_name(id), v, err) < 0)
                return -1;
            break;
        }
    }
    if (r < 0)
        return -1;
    /* a .gguf file is llama.cpp's: its runtime unless another is named */
    const char *rt = inv_model_runtime(c->model);
    if (rt && !c->o.runtime_set && est_option_apply(&c->o, "runtime", rt, err) < 0)
        return -1;
    if (est_options_finish(&c->o, err) != 0)
        return -1;
    if (!c->model && !c->have_params)
        return fp_fail(err, NULL, 0, 0, "estimate needs a MODEL (catalog name or config.json path) or --params N");
    if (c->model && c->have_params)
        return fp_fail(err, NULL, 0, 0, "give either a MODEL or --params, not both");
    if (c->gpu && c->gpu_memory)
        return fp_fail(err, NULL, 0, 0, "give either --gpu or --gpu-memory, not both");
    return 0;
}

/* ---------------------------------------------------------------- model resolution */

/* MODEL as every command resolves it (inventory/resolve.c), or --params N; res receives the
 * catalog entry or what the files store. */
static int resolve_model(const est_cli *c, const inv_catalog *cat, est_arch *arch, est_params *p, char *name,
                         char *hf_id, size_t hf_len, inv_resolved *res, fp_error *err)
{
    hf_id[0] = 0;
    memset(res, 0, sizeof *res);
    if (c->have_params) {
        memset(arch, 0, sizeof *arch);
        snprintf(arch->model_type, sizeof arch->model_type, "params-only");
        memset(p, 0, sizeof *p);
        uint64_t n = (uint64_t)llround(c->params);
        p->total = p->linear = p->active = n;
        p->nlinears = 1;
        p->linears[0] = (est_linear){.mod = EST_MOD_O, .block = EST_BLK_ATTN, .d_in = n, .d_out = 1, .count = 1,
                                     .per_layer = 1};
        snprintf(name, INV_NAME, "%.4g B params", c->params / 1e9);
        return 0;
    }
    if (inv_model_resolve(cat, c->model, NULL, c->revision, res, err) != 0)
        return -1;
    *arch = res->arch;
    snprintf(name, INV_NAME, "%s", res->name);
    snprintf(hf_id, hf_len, "%s", res->hf_id);
    return est_params_count(arch, p, err);
}

/* ---------------------------------------------------------------- the result */

typedef struct result {
    est_footprint fp;
    est_explain ex;
    const inv_gpu *gpu;
    int fits;
    int64_t headroom;
    uint64_t max_batch, max_context, vllm_kv_tokens;
    double vllm_needed_util;
    int runs;                 /* the GPU can run the workload (caps.c); memory aside */
    char cannot[256];         /* why not, when runs == 0 */
    char warning[INV_NAME + 300];
    inv_resolved model;       /* MODEL resolved: its files, when it was read from files */
    int params_match;         /* stored elements == architecture's count (-1: not comparable) */
} result;

/* The weights' dtype as printed: a GGUF's tensors have types of their own, and so does a
 * checkpoint quantized by a method fedplan has no formula for (named by its quant_method). */
static const char *weights_name(const est_workload *w, const result *r)
{
    if (w->stored_weights && !strcmp(r->model.files.stored.format, "gguf"))
        return "gguf";
    if (w->stored_weights && r->model.files.quant.present && r->model.files.quant.dtype == EST_DT_COUNT)
        return r->model.files.quant.method;
    return est_dtype_name(w->weight_dtype);
}

static json_t *build_json(const est_cli *c, const char *name, const char *hf_id, const est_arch *a,
                          const est_params *p, const result *r)
{
    const est_workload *w = &c->o.w;
    int train = w->mode == EST_MODE_TRAIN;
    json_t *o = json_object();
    json_object_set_new(o, "model", json_string(name));
    if (hf_id[0])
        json_object_set_new(o, "hf_id", json_string(hf_id));
    json_object_set_new(o, "model_type", json_string(a->model_type));
    json_object_set_new(o, "mode", json_string(train ? "training" : "inference"));

    json_t *wl = json_object();
    json_object_set_new(wl, "runtime", json_string(est_runtime_name(w->runtime)));
    json_object_set_new(wl, "dtype", json_string(weights_name(w, r)));
    json_object_set_new(wl, "compute_dtype", json_string(est_dtype_name(w->compute_dtype)));
    if (!train)
        json_object_set_new(wl, "kv_dtype", json_string(est_dtype_name(w->kv_dtype)));
    json_object_set_new(wl, "batch", json_integer((json_int_t)w->batch));
    json_object_set_new(wl, "context", json_integer((json_int_t)w->context));
    if (w->max_model_len)
        json_object_set_new(wl, "max_model_len", json_integer((json_int_t)w->max_model_len));
    json_object_set_new(wl, "tp", json_integer((json_int_t)w->tp));
    if (w->pp > 1)
        json_object_set_new(wl, "pp", json_integer((json_int_t)w->pp));
    if (w->cpu_offload)
        json_object_set_new(wl, "cpu_offload_bytes", json_integer((json_int_t)w->cpu_offload));
    if (w->ngl_set)
        json_object_set_new(wl, "n_gpu_layers", json_integer((json_int_t)w->n_gpu_layers));
    if (w->no_kv_offload)
        json_object_set_new(wl, "no_kv_offload", json_true());
    json_object_set_new(wl, "flash_attention", json_boolean(w->flash_attention));
    if (w->prefill)
        json_object_set_new(wl, "prefill", json_integer((json_int_t)w->prefill));
    if (w->quantize_lm_head)
        json_object_set_new(wl, "quantize_lm_head", json_true());
    if (w->runtime == EST_RT_VLLM) {
        json_object_set_new(wl, "gpu_memory_utilization", json_real(w->gpu_memory_utilization));
        json_object_set_new(wl, "block_size", json_integer((json_int_t)w->block_size));
        json_object_set_new(wl, "max_num_seqs", json_integer((json_int_t)w->max_num_seqs));
        json_object_set_new(wl, "cuda_graphs", json_boolean(w->cuda_graphs));
    }
    if (train) {
        static const char *const methods[] = {"full", "lora", "qlora"};
        static const char *const precs[] = {"mixed", "pure", "fp32"};
        json_object_set_new(wl, "method", json_string(methods[w->finetune]));
        json_object_set_new(wl, "precision", json_string(precs[w->precision]));
        json_object_set_new(wl, "optimizer", json_string(est_optimizer_name(w->optimizer)));
        if (w->finetune != EST_FT_FULL) {
            json_object_set_new(wl, "lora_rank", json_integer(w->lora_rank));
            if (c->o.have_alpha)
                json_object_set_new(wl, "lora_alpha", json_real(c->o.lora_alpha));
            json_t *t = json_array();
            for (int m = 0; m < EST_MOD_COUNT; m++)
                if (w->lora_targets & (1u << m))
                    json_array_append_new(t, json_string(est_module_name((est_module)m)));
            json_object_set_new(wl, "lora_targets", t);
        }
        json_object_set_new(wl, "grad_checkpointing", json_boolean(w->grad_checkpointing));
        json_object_set_new(wl, "grad_accum", json_integer((json_int_t)w->grad_accum));
        json_object_set_new(wl, "zero_stage", json_integer(w->zero_stage));
        json_object_set_new(wl, "gpus", json_integer((json_int_t)est_job_gpus(w)));
        json_object_set_new(wl, "data_parallel", json_integer((json_int_t)w->dp));
        if (w->offload != EST_OFFLOAD_NONE)
            json_object_set_new(wl, "offload", json_string(w->offload == EST_OFFLOAD_PARAMS ? "params" : "optimizer"));
        if (w->pin_memory)
            json_object_set_new(wl, "pin_memory", json_true());
        if (w->paged_optimizer)
            json_object_set_new(wl, "paged_optimizer", json_true());
        if (w->frozen_layers)
            json_object_set_new(wl, "frozen_layers", json_integer((json_int_t)w->frozen_layers));
        if (w->loss_chunk)
            json_object_set_new(wl, "loss_chunk", json_integer((json_int_t)w->loss_chunk));
        if (w->lora_dropout > 0)
            json_object_set_new(wl, "lora_dropout", json_real(w->lora_dropout));
        if (w->bnb_legacy)
            json_object_set_new(wl, "bnb_legacy", json_true());
        json_object_set_new(wl, "framework", json_string(est_framework_name(w->framework)));
        if (w->compile)
            json_object_set_new(wl, "compile", json_true());
        if (w->optimizer_in_backward)
            json_object_set_new(wl, "optimizer_in_backward", json_true());
        if (w->activation_offload)
            json_object_set_new(wl, "activation_offload", json_true());
    }
    json_object_set_new(o, "workload", wl);

    json_t *pp = json_object();
    json_object_set_new(pp, "total", json_integer((json_int_t)p->total));
    json_object_set_new(pp, "trainable", json_integer((json_int_t)(train ? r->fp.trainable : 0)));
    json_object_set_new(pp, "active", json_integer((json_int_t)p->active));
    json_object_set_new(pp, "embedding", json_integer((json_int_t)p->embedding));
    json_object_set_new(pp, "lm_head", json_integer((json_int_t)p->lm_head));
    json_object_set_new(o, "params", pp);

    const inv_stored *st = &r->model.files.stored;
    if (st->format[0]) {
        json_t *ck = json_object();
        json_object_set_new(ck, "format", json_string(st->format));
        json_object_set_new(ck, "files", json_integer((json_int_t)st->files));
        json_object_set_new(ck, "tensors", json_integer((json_int_t)st->tensors));
        json_object_set_new(ck, "elements", json_integer((json_int_t)st->elements));
        json_object_set_new(ck, "bytes", json_integer((json_int_t)st->bytes));
        json_t *kinds = json_object();
        for (size_t i = 0; i < st->nkinds; i++) {
            json_t *k = json_object();
            json_object_set_new(k, "tensors", json_integer((json_int_t)st->kinds[i].tensors));
            json_object_set_new(k, "elements", json_integer((json_int_t)st->kinds[i].elements));
            json_object_set_new(k, "bytes", json_integer((json_int_t)st->kinds[i].bytes));
            json_object_set_new(kinds, st->kinds[i].name, k);
        }
        json_object_set_new(ck, "types", kinds);
        if (st->unloaded_tensors) { /* NextN/MTP layers the runtime skips at load: in no figure above */
            json_t *u = json_object();
            json_object_set_new(u, "tensors", json_integer((json_int_t)st->unloaded_tensors));
            json_object_set_new(u, "elements", json_integer((json_int_t)st->unloaded_elements));
            json_object_set_new(u, "bytes", json_integer((json_int_t)st->unloaded_bytes));
            json_object_set_new(ck, "unloaded", u);
        }
        json_object_set_new(ck, "params_match", r->params_match < 0 ? json_null() : json_boolean(r->params_match));
        json_object_set_new(ck, "weights_as_stored", json_boolean(w->stored_weights != 0));
        json_object_set_new(o, "checkpoint", ck);
    }
    if (r->model.files.quant.present)
        json_object_set_new(o, "quantization", json_string(r->model.files.quant.what));

    json_t *bb = json_object();
    for (int k = 0; k < EST_C_COUNT; k++)
        json_object_set_new(bb, est_component_name((est_component)k), json_integer((json_int_t)r->fp.bytes[k]));
    json_object_set_new(bb, "total", json_integer((json_int_t)r->fp.total));
    json_object_set_new(o, "bytes", bb);
    /* what the framework's own allocator peaks at: compare with torch.cuda.max_memory_allocated */
    json_object_set_new(o, "allocated_bytes", json_integer((json_int_t)r->fp.allocated));
    /* the caching allocator's peak (max_memory_reserved), what nvidia-smi shows, the margin kept
     * on top, and what a GPU must have: docs/methodology.md */
    json_object_set_new(o, "reserved_bytes", json_integer((json_int_t)r->fp.reserved));
    json_object_set_new(o, "device_bytes", json_integer((json_int_t)r->fp.device));
    json_object_set_new(o, "margin_bytes", json_integer((json_int_t)r->fp.margin));
    json_object_set_new(o, "need_bytes", json_integer((json_int_t)r->fp.need));
    if (!est_on_host(w)) {
        json_object_set_new(o, "host_bytes", json_integer((json_int_t)r->fp.host));
        if (r->fp.host_offload)
            json_object_set_new(o, "host_offload_bytes", json_integer((json_int_t)r->fp.host_offload));
        if (r->fp.host_pinned)
            json_object_set_new(o, "host_pinned_bytes", json_integer((json_int_t)r->fp.host_pinned));
        if (w->paged_optimizer)
            json_object_set_new(o, "paged_optimizer_bytes", json_integer((json_int_t)r->fp.paged));
    }
    if (w->pp > 1) {
        json_t *arr = json_array();
        for (uint64_t i = 0; i < r->fp.nstages; i++) {
            const est_stage *sg = &r->fp.stages[i];
            json_t *so = json_object();
            json_object_set_new(so, "stage", json_integer((json_int_t)i));
            json_object_set_new(so, "first_layer", json_integer((json_int_t)sg->first_layer));
            json_object_set_new(so, "layers", json_integer((json_int_t)sg->layers));
            json_object_set_new(so, "embedding", json_boolean(sg->embedding));
            json_object_set_new(so, "head", json_boolean(sg->head));
            json_t *sb = json_object();
            for (int k = 0; k < EST_C_COUNT; k++)
                json_object_set_new(sb, est_component_name((est_component)k), json_integer((json_int_t)sg->bytes[k]));
            json_object_set_new(sb, "total", json_integer((json_int_t)sg->total));
            json_object_set_new(so, "bytes", sb);
            json_object_set_new(so, "device_bytes", json_integer((json_int_t)sg->device));
            json_object_set_new(so, "need_bytes", json_integer((json_int_t)sg->need));
            json_array_append_new(arr, so);
        }
        json_object_set_new(o, "stages", arr);
        json_object_set_new(o, "largest_stage", json_integer((json_int_t)r->fp.largest_stage));
    }
    json_object_set_new(o, "gpus", json_integer((json_int_t)est_job_gpus(w)));
    if (!train && a->layers) {
        json_object_set_new(o, "kv_bytes_per_token", json_integer((json_int_t)r->fp.kv_bytes_per_token));
        json_object_set_new(o, "kv_tokens", json_integer((json_int_t)r->fp.kv_tokens));
    }
    if (r->gpu) {
        json_t *g = json_object();
        json_object_set_new(g, "name", json_string(r->gpu->name));
        json_object_set_new(g, "memory_bytes", json_integer((json_int_t)r->gpu->memory));
        json_object_set_new(g, "capacity_bytes", json_integer((json_int_t)inv_gpu_capacity(r->gpu)));
        json_object_set_new(o, "gpu", g);
        json_object_set_new(o, "fits", json_boolean(r->fits));
        json_object_set_new(o, "headroom_bytes", json_integer((json_int_t)r->headroom));
        json_object_set_new(o, "max_batch", json_integer((json_int_t)r->max_batch));
        json_object_set_new(o, "max_context", json_integer((json_int_t)r->max_context));
        if (w->runtime == EST_RT_VLLM) {
            json_object_set_new(o, "vllm_kv_capacity_tokens", json_integer((json_int_t)r->vllm_kv_tokens));
            json_object_set_new(o, "vllm_min_gpu_memory_utilization", json_real(r->vllm_needed_util));
        }
    }
    if (r->gpu && r->gpu->caps.known) {
        json_object_set_new(o, "runs", json_boolean(r->runs));
        if (!r->runs)
            json_object_set_new(o, "cannot_run", json_string(r->cannot));
    }
    if (r->warning[0])
        json_object_set_new(o, "warning", json_string(r->warning));
    if (train && w->grad_accum > 1)
        json_object_set_new(o, "note", json_string(w->pp > 1 ? "pipeline stages keep up to min(pp - stage, grad_accum) "
                                                               "micro-batches of activations in flight (1F1B)"
                                                             : "gradient accumulation changes no memory: each "
                                                               "micro-batch's activations are freed before the next"));
    if (c->o.have_alpha)
        json_object_set_new(o, "lora_alpha_note", json_string("alpha only scales the adapter's update; it costs no memory"));
    if (c->explain) {
        json_t *e = json_object();
        for (int k = 0; k < EST_C_COUNT; k++)
            if (r->ex.text[k][0])
                json_object_set_new(e, est_component_name((est_component)k), json_string(r->ex.text[k]));
        json_object_set_new(o, "explain", e);
    }
    return o;
}

/* allocated / reserved / device, the margin and what a GPU (or the host) must have */
static void print_figures(const est_workload *w, const est_footprint *fp)
{
    int host = est_on_host(w);
    printf("\n%-18s %12.2f %16llu  allocator peak (max_memory_allocated)\n", "allocated", (double)fp->allocated / FP_GIB,
           (unsigned long long)fp->allocated);
    if (!host) {
        printf("%-18s %12.2f %16llu  + fragmentation %.2f GiB (max_memory_reserved)\n", "reserved",
               (double)fp->reserved / FP_GIB, (unsigned long long)fp->reserved, (double)fp->fragmentation / FP_GIB);
        printf("%-18s %12.2f %16llu  + CUDA context%s (nvidia-smi)\n", "device", (double)fp->device / FP_GIB,
               (unsigned long long)fp->device, w->runtime == EST_RT_VLLM && w->cuda_graphs ? " and graphs" : "");
    }
    if (w->margin.set && w->margin.fixed)
        printf("%-18s %12.2f %16llu  --margin %.2f GiB\n", "margin", (double)fp->margin / FP_GIB,
               (unsigned long long)fp->margin, (double)w->margin.fixed / FP_GIB);
    else
        printf("%-18s %12.2f %16llu  %g %% of %s (%s)\n", "margin", (double)fp->margin / FP_GIB,
               (unsigned long long)fp->margin,
               100.0 * (w->margin.set ? w->margin.frac : w->mode == EST_MODE_TRAIN ? EST_MARGIN_TRAIN : EST_MARGIN_INFER),
               host ? "the total" : "device",
               w->margin.set ? "--margin" : w->mode == EST_MODE_TRAIN ? "training default" : "inference default");
    printf("%-18s %12.2f %16llu  what %s must have\n", "need", (double)fp->need / FP_GIB, (unsigned long long)fp->need,
           host ? "the host" : "each GPU");
    if (!host) {
        if (w->runtime == EST_RT_LLAMACPP)
            printf("%-18s %12.2f %16llu  host RAM: the layers, KV and buffers llama.cpp keeps there\n", "host",
                   (double)fp->host / FP_GIB, (unsigned long long)fp->host);
        else
            printf("%-18s %12.2f %16llu  host RAM of the job's %llu process%s%s%s\n", "host", (double)fp->host / FP_GIB,
                   (unsigned long long)fp->host, (unsigned long long)est_job_gpus(w), est_job_gpus(w) == 1 ? "" : "es",
                   w->runtime == EST_RT_VLLM ? " with vLLM's swap space" : "",
                   fp->host_offload ? " and what is offloaded" : "");
        if (fp->host_offload)
            printf("%-18s %12.2f %16llu  %s%s\n", "  offloaded", (double)fp->host_offload / FP_GIB,
                   (unsigned long long)fp->host_offload,
                   w->activation_offload && w->offload == EST_OFFLOAD_NONE && !w->paged_optimizer
                       ? "checkpointed activations (--activation-offload)"
                   : w->paged_optimizer ? "paged optimizer states (bitsandbytes), when paged out"
                   : w->runtime == EST_RT_VLLM ? "weights (--cpu-offload-gb)"
                   : w->runtime == EST_RT_LLAMACPP ? "layers off the GPU (--n-gpu-layers)"
                   : w->offload == EST_OFFLOAD_PARAMS ? "weights, gradients, master weights, optimizer states"
                                                      : "gradients, master weights, optimizer states",
                   w->activation_offload && (w->offload != EST_OFFLOAD_NONE || w->paged_optimizer)
                       ? "; and the checkpointed activations" : "");
        if (fp->host_pinned)
            printf("%-18s %12.2f %16llu  page-locked (pinned)\n", "  pinned", (double)fp->host_pinned / FP_GIB,
                   (unsigned long long)fp->host_pinned);
    }
}

/* --pp: each stage's figure, the largest marked (it is the per-GPU figure) */
static void print_stages(const est_workload *w, const est_footprint *fp)
{
    if (w->pp <= 1)
        return;
    printf("\n%-8s %-12s %10s %10s %10s %10s %10s  (GiB per GPU)\n", "stage", "layers", "weights",
           w->mode == EST_MODE_TRAIN ? "grad+opt" : "kv_cache", "activations", "total", "need");
    for (uint64_t i = 0; i < fp->nstages; i++) {
        const est_stage *st = &fp->stages[i];
        char layers[48];
        snprintf(layers, sizeof layers, "%llu-%llu%s%s", (unsigned long long)st->first_layer,
                 (unsigned long long)(st->first_layer + st->layers - 1), st->embedding ? " +emb" : "",
                 st->head ? " +head" : "");
        uint64_t mid = w->mode == EST_MODE_TRAIN ? st->bytes[EST_C_GRADIENTS] + st->bytes[EST_C_OPTIMIZER]
                                                 : st->bytes[EST_C_KV];
        printf("%-8llu %-12s %10.2f %10.2f %10.2f %10.2f %10.2f%s\n", (unsigned long long)i, layers,
               (double)st->bytes[EST_C_WEIGHTS] / FP_GIB, (double)mid / FP_GIB,
               (double)(st->bytes[EST_C_ACTIVATIONS] + st->bytes[EST_C_LOGITS]) / FP_GIB, (double)st->total / FP_GIB,
               (double)st->need / FP_GIB, i == fp->largest_stage ? "  largest: the per-GPU figure" : "");
    }
}

/* what the model's files store, and whether their parameters agree with the architecture */
static void print_stored(const est_workload *w, const est_params *p, const result *r)
{
    const inv_stored *st = &r->model.files.stored;
    char b1[64], b2[64];
    if (r->model.files.quant.present)
        printf("quantized  %s (quantization_config)%s\n", r->model.files.quant.what,
               w->weight_dtype == r->model.files.quant.dtype ? "" : "; --dtype replaces it");
    if (r->model.files.quant.present && r->model.files.quant.dtype == EST_DT_COUNT && w->stored_weights &&
        w->runtime != EST_RT_VLLM)
        /* a method without a formula, sized as its tensors are stored: vLLM loads them so, but
         * transformers dequantizes some at load (compressed-tensors with run_compressed=False, fp8
         * on GPUs older than compute capability 8.9) */
        printf("note       weights sized as stored, as vLLM loads them; if %s dequantizes them at load, give "
               "--dtype %s\n",
               w->runtime == EST_RT_TRANSFORMERS ? "transformers" : "the runtime",
               est_dtype_name(w->compute_dtype));
    if (!st->format[0])
        return;
    printf("stored     %s, %llu file%s, %s tensors, %s bytes:", st->format, (unsigned long long)st->files,
           st->files == 1 ? "" : "s", fmt_int(b1, sizeof b1, st->tensors), fmt_int(b2, sizeof b2, st->bytes));
    for (size_t i = 0; i < st->nkinds; i++)
        printf(" %s %llu", st->kinds[i].name, (unsigned long long)st->kinds[i].tensors);
    printf("\n");
    if (st->unloaded_tensors)
        printf("           and %s tensors (%s bytes) of NextN/MTP layers the runtime does not load\n",
               fmt_int(b1, sizeof b1, st->unloaded_tensors), fmt_int(b2, sizeof b2, st->unloaded_bytes));
    if (!w->stored_weights)
        printf("           (not used: %s)\n", w->mode == EST_MODE_TRAIN ? "training sizes the weights by --dtype and "
                                                                           "--precision"
                                             : w->runtime == EST_RT_LLAMACPP ? "llama.cpp loads a GGUF converted from them"
                                                                             : "--dtype replaces them");
    if (r->params_match == 1)
        printf("           %s parameters, as the architecture counts\n", fmt_int(b1, sizeof b1, st->elements));
    else if (r->params_match == 0)
        printf("warning    the files hold %s parameters, the architecture counts %s: the config does not describe "
               "these weights exactly\n",
               fmt_int(b1, sizeof b1, st->elements), fmt_int(b2, sizeof b2, p->total));
}

static void print_table(const est_cli *c, const char *name, const char *hf_id, const est_params *p, const result *r)
{
    const est_workload *w = &c->o.w;
    int train = w->mode == EST_MODE_TRAIN;
    char b1[64], b2[64];
    int show_id = hf_id[0] && strcmp(hf_id, name);
    printf("model      %s%s%s%s\n", name, show_id ? " (" : "", show_id ? hf_id : "", show_id ? ")" : "");
    printf("params     %s total", fmt_int(b1, sizeof b1, p->total));
    if (p->active != p->total)
        printf(", %s active per token", fmt_int(b2, sizeof b2, p->active));
    if (train)
        printf(", %s trainable", fmt_int(b2, sizeof b2, r->fp.trainable));
    printf("\n");
    if (train) {
        static const char *const methods[] = {"full fine-tune", "LoRA", "QLoRA"};
        static const char *const precs[] = {"mixed precision", "pure", "full precision"};
        printf("workload   training, %s, %s %s, weights %s, %s, micro-batch %llu x %llu tokens", methods[w->finetune],
               precs[w->precision], est_dtype_name(w->compute_dtype), est_dtype_name(w->weight_dtype),
               est_optimizer_name(w->optimizer), (unsigned long long)w->batch, (unsigned long long)w->context);
        if (w->tp > 1)
            printf(", tp %llu", (unsigned long long)w->tp);
        if (w->frozen_layers)
            printf(", first %llu layers frozen", (unsigned long long)w->frozen_layers);
        if (w->loss_chunk)
            printf(", loss in %llu-token chunks", (unsigned long long)w->loss_chunk);
        if (w->finetune != EST_FT_FULL)
            printf(", r=%u", w->lora_rank);
        if (w->grad_checkpointing)
            printf(", checkpointing%s", w->activation_offload ? " (offloaded)" : "");
        if (w->framework != EST_FW_TRANSFORMERS)
            printf(", %s", est_framework_name(w->framework));
        if (w->compile)
            printf(", compiled");
        if (w->optimizer_in_backward)
            printf(", step in backward");
        if (w->zero_stage)
            printf(", ZeRO-%d", w->zero_stage);
        if (w->offload != EST_OFFLOAD_NONE)
            printf(", %s offloaded to the host%s", w->offload == EST_OFFLOAD_PARAMS ? "params and optimizer" : "optimizer",
                   w->pin_memory ? " (pinned)" : "");
        if (w->paged_optimizer)
            printf(", paged optimizer");
        if (est_job_gpus(w) > 1 && w->pp > 1)
            printf(", %llu GPUs (tp %llu x pp %llu x %llu data-parallel)", (unsigned long long)est_job_gpus(w),
                   (unsigned long long)w->tp, (unsigned long long)w->pp, (unsigned long long)w->dp);
        else if (est_job_gpus(w) > 1)
            printf(", %llu GPUs (tp %llu x %llu data-parallel)", (unsigned long long)est_job_gpus(w),
                   (unsigned long long)w->tp, (unsigned long long)w->dp);
        printf("\n");
    } else {
        printf("workload   inference, %s, weights %s%s, kv %s, batch %llu x %llu tokens", est_runtime_name(w->runtime),
               weights_name(w, r), w->stored_weights ? " as stored" : "", est_dtype_name(w->kv_dtype),
               (unsigned long long)w->batch,
               (unsigned long long)w->context);
        if (w->tp > 1)
            printf(", tp %llu", (unsigned long long)w->tp);
        if (w->pp > 1)
            printf(", pp %llu (%llu GPUs)", (unsigned long long)w->pp, (unsigned long long)est_job_gpus(w));
        if (w->cpu_offload)
            printf(", %.2f GiB of weights per GPU on the host", (double)w->cpu_offload / FP_GIB);
        if (w->ngl_set)
            printf(", %llu layers on the GPU%s", (unsigned long long)w->n_gpu_layers, w->no_kv_offload ? ", KV on the host" : "");
        printf("\n");
    }
    print_stored(w, p, r);
    printf("\n%-18s %12s %16s\n", "component", "GiB", "bytes");
    for (int k = 0; k < EST_C_COUNT; k++) {
        if (!r->fp.bytes[k] && !(k == EST_C_KV && !train))
            continue;
        printf("%-18s %12.2f %16llu\n", est_component_name((est_component)k), (double)r->fp.bytes[k] / FP_GIB,
               (unsigned long long)r->fp.bytes[k]);
        if (c->explain && r->ex.text[k][0])
            printf("    = %s\n", r->ex.text[k]);
    }
    printf("%-18s %12.2f %16llu\n", est_on_host(w) ? "total (host RAM)" : "total per GPU",
           (double)r->fp.total / FP_GIB, (unsigned long long)r->fp.total);
    print_figures(w, &r->fp);
    print_stages(w, &r->fp);
    if (train && w->grad_accum > 1 && w->pp > 1)
        printf("\ngradient accumulation (%llu micro-batches): 1F1B keeps up to min(pp - stage, %llu) in flight on a stage\n",
               (unsigned long long)w->grad_accum, (unsigned long long)w->grad_accum);
    else if (train && w->grad_accum > 1)
        printf("\ngradient accumulation (%llu steps) changes no memory: each micro-batch's activations are freed first\n",
               (unsigned long long)w->grad_accum);
    if (c->o.have_alpha)
        printf("\nlora alpha %g only scales the update: it costs no memory\n", c->o.lora_alpha);
    if (r->gpu) {
        printf("\ngpu        %s, %s (%llu MiB reported", r->gpu->name, fmt_gib(b1, sizeof b1, inv_gpu_capacity(r->gpu)),
               (unsigned long long)(r->gpu->memory >> 20));
        if (inv_gpu_capacity(r->gpu) != r->gpu->memory)
            printf(", %llu MiB usable: CUDA's total", (unsigned long long)(inv_gpu_capacity(r->gpu) >> 20));
        printf(")\n");
        if (w->runtime == EST_RT_VLLM && w->gmu_set)
            printf("budget     gpu_memory_utilization %.2f x total = %s; the process takes %s with its context and "
                   "graphs\n",
                   w->gpu_memory_utilization,
                   fmt_gib(b1, sizeof b1, (unsigned long long)(w->gpu_memory_utilization * (double)inv_gpu_capacity(r->gpu))),
                   fmt_gib(b2, sizeof b2, est_vllm_takes(&r->fp, w, inv_gpu_capacity(r->gpu))));
        if (r->fits)
            printf("fits       yes, headroom %s\n", fmt_gib(b1, sizeof b1, (unsigned long long)r->headroom));
        else
            printf("fits       NO, short by %s\n", fmt_gib(b1, sizeof b1, (unsigned long long)-r->headroom));
        if (p->linears[0].d_out != 1 || p->nlinears != 1) { /* not --params */
            printf("max batch  %llu at context %llu\n", (unsigned long long)r->max_batch, (unsigned long long)w->context);
            printf("max context %llu at batch %llu\n", (unsigned long long)r->max_context, (unsigned long long)w->batch);
        }
        if (r->warning[0])
            printf("warning    %s\n", r->warning);
        if (w->runtime == EST_RT_VLLM && w->gmu_set)
            printf("vllm       KV capacity %llu tokens; --gpu-memory-utilization must be at least %.4f\n",
                   (unsigned long long)r->vllm_kv_tokens, r->vllm_needed_util);
        else if (w->runtime == EST_RT_VLLM)
            printf("vllm       start it with --gpu-memory-utilization %.4f (its margin included)%s\n", r->vllm_needed_util,
                   r->vllm_needed_util > 0.9 ? "; vLLM's default 0.90 is too small" : "");
    }
}

static int run(int argc, char **argv)
{
    fp_error err = {0};
    est_cli c;
    if (parse_args(argc, argv, &c, &err) != 0)
        return cli_report(&err);

    inv_catalog cat;
    if (inv_catalog_load(&cat, &err) != 0)
        return cli_report(&err);

    int rc = EXIT_BADINPUT;
    est_arch arch;
    est_params p;
    char name[INV_NAME], hf_id[128];
    result r;
    memset(&r, 0, sizeof r);
    if (resolve_model(&c, &cat, &arch, &p, name, hf_id, sizeof hf_id, &r.model, &err) != 0)
        goto out;
    if (!c.have_params && inv_resolved_apply(&r.model, &c.o, &err) != 0)
        goto out;
    /* an unquantized checkpoint's tensors hold exactly the parameters the architecture counts */
    r.params_match = -1;
    if (r.model.files.stored.format[0] && (!r.model.files.stored.quantized || !strcmp(r.model.files.stored.format, "gguf")))
        r.params_match = r.model.files.stored.elements == p.total;
    if (!c.have_params && est_workload_settle(&arch, name, &c.o.w, &err) != 0)
        goto out;
    if (c.have_params && (c.o.w.mode == EST_MODE_TRAIN && c.o.w.finetune != EST_FT_FULL)) {
        fp_fail(&err, NULL, 0, 0, "--params gives no architecture: LoRA sizes need a MODEL; use --method full");
        goto out;
    }
    if (c.gpu_memory) {
        memset(&c.custom_gpu, 0, sizeof c.custom_gpu);
        snprintf(c.custom_gpu.name, sizeof c.custom_gpu.name, "custom");
        c.custom_gpu.memory = c.gpu_memory;
        r.gpu = &c.custom_gpu;
    } else if (c.gpu) {
        r.gpu = inv_gpu_find(&cat, c.gpu);
        if (!r.gpu) {
            const char *near = inv_gpu_suggest(&cat, c.gpu);
            if (near)
                fp_fail(&err, NULL, 0, 0, "--gpu: unknown GPU '%s' (did you mean '%s'? 'fedplan catalog gpus' lists all)",
                        c.gpu, near);
            else
                fp_fail(&err, NULL, 0, 0, "--gpu: unknown GPU '%s' ('fedplan catalog gpus' lists all)", c.gpu);
            goto out;
        }
    }
    if (c.have_params) {
        /* no architecture: only what the parameter count alone determines */
        est_arch fake = {.vocab = 1, .hidden = 64, .layers = 1, .heads = 64, .kv_heads = 64, .head_dim = 1,
                         .intermediate = 1};
        if (c.o.w.frozen_layers) {
            fp_fail(&err, NULL, 0, 0, "--params gives no architecture: --freeze-layers needs a MODEL");
            goto out;
        }
        snprintf(fake.model_type, sizeof fake.model_type, "params-only");
        arch = fake;
    }
    if (est_footprint_compute(&arch, &p, &c.o.w, &r.fp, c.explain ? &r.ex : NULL, &err) != 0)
        goto out;
    if (c.have_params) { /* drop the placeholders the fake architecture produced */
        r.fp.total -= r.fp.bytes[EST_C_KV] + r.fp.bytes[EST_C_ACTIVATIONS] + r.fp.bytes[EST_C_LOGITS];
        r.fp.bytes[EST_C_KV] = r.fp.bytes[EST_C_ACTIVATIONS] = r.fp.bytes[EST_C_LOGITS] = 0;
        r.fp.kv_bytes_per_token = 0;
        if (c.explain) {
            snprintf(r.ex.text[EST_C_KV], sizeof r.ex.text[EST_C_KV], "unknown without the architecture");
            snprintf(r.ex.text[EST_C_ACTIVATIONS], sizeof r.ex.text[EST_C_ACTIVATIONS], "unknown without the architecture");
        }
        arch.layers = 0;
    }
    if (r.gpu) {
        uint64_t cap = inv_gpu_capacity(r.gpu);
        r.headroom = (int64_t)cap - (int64_t)r.fp.need;
        if (c.o.w.runtime == EST_RT_VLLM && c.o.w.gmu_set) {
            /* the user's share: what vLLM profiles (and the margin) must fit it, and the share with
             * what vLLM keeps outside it must fit the GPU */
            int64_t in_budget = (int64_t)llround(c.o.w.gpu_memory_utilization * (double)cap) -
                                (int64_t)(r.fp.allocated + r.fp.margin);
            int64_t left = (int64_t)cap - (int64_t)est_vllm_takes(&r.fp, &c.o.w, cap);
            r.headroom = in_budget < left ? in_budget : left;
        }
        r.fits = est_fits(&r.fp, &c.o.w, inv_gpu_capacity(r.gpu));
        if (!c.have_params) {
            r.max_batch = est_max_batch(&arch, &p, &c.o.w, inv_gpu_capacity(r.gpu));
            r.max_context = est_max_context(&arch, &p, &c.o.w, inv_gpu_capacity(r.gpu));
        }
        if (c.o.w.runtime == EST_RT_VLLM) {
            est_vllm_kv_capacity(&r.fp, &c.o.w, inv_gpu_capacity(r.gpu), &r.vllm_kv_tokens);
            /* rounded up: a utilization printed lower than the need would not hold it */
            r.vllm_needed_util =
                ceil((double)(r.fp.allocated + r.fp.margin) / (double)inv_gpu_capacity(r.gpu) * 10000.0) / 10000.0;
        }
    }

    /* can the GPU run it at all?  The check plans make (caps.c); the fit verdict and the exit
     * code stay about memory, the warning and 'runs' say the rest.  A bf16 left at the
     * default runs as fp16 on a GPU without bf16 (same bytes): worth a hint, not a refusal. */
    r.runs = 1;
    if (r.gpu) {
        est_workload cw = c.o.w;
        est_options_fp16_fallback(&c.o, &cw);
        r.runs = inv_gpu_can_run(r.gpu, &cw, r.cannot, sizeof r.cannot);
    }
    if (!r.runs)
        snprintf(r.warning, sizeof r.warning, "%s cannot run this: %.240s", r.gpu->name, r.cannot);
    else if (r.gpu && r.gpu->caps.known && !r.gpu->bf16 && c.o.w.compute_dtype == EST_DT_BF16)
        snprintf(r.warning, sizeof r.warning,
                 "%s has no bf16 support: this runs in fp16 (the same memory); say --compute-dtype fp16 (or "
                 "--precision fp16)",
                 r.gpu->name);
    if (c.format == FMT_TABLE) {
        print_table(&c, name, hf_id, &p, &r);
    } else {
        json_t *o = build_json(&c, name, hf_id, &arch, &p, &r);
        out_any(stdout, c.format, o);
        json_decref(o);
    }
    rc = (r.gpu && !r.fits) ? EXIT_NOFIT : EXIT_OK;
out:
    if (rc == EXIT_BADINPUT)
        cli_report(&err);
    inv_catalog_free(&cat);
    return rc;
}

const cli_command cmd_estimate = {
    .name = "estimate",
    .summary = "memory footprint of one model for inference or training",
    .run = run,
    .help = help,
};
