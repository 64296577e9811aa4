/* cmd_fit.c: fedplan fit MODEL --node TYPE: how many replicas of a model fit one node,
 * and the largest context at which that many still fit. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/text.h"
#include "../common/units.h"
#include "../estimator/estimator.h"
#include "../inventory/inventory.h"
#include "../solver/solver.h"
#include "cli.h"

enum { O_FORMAT, O_NODE, O_RESERVE, O_RESERVE_GPU, O_REVISION };
static const cli_opt base_opts[] = {
    {"format", 1, O_FORMAT}, {"node", 1, O_NODE}, {"reserve", 1, O_RESERVE}, {"reserve-per-gpu", 1, O_RESERVE_GPU},
    {"revision", 1, O_REVISION},
};

static void help(FILE *out)
{
    fputs("usage: fedplan fit MODEL --node TYPE [workload options] [--format F]\n"
          "\n"
          "How many replicas of MODEL (with the workload given by the estimate options:\n"
          "--context, --dtype, --runtime, --tp, ...) fit on one node of TYPE (a catalog node or\n"
          "cloud instance), and the largest context at which that many still fit.  MODEL is what\n"
          "estimate takes: a catalog name, a config.json, a checkpoint directory (the weights as\n"
          "stored), a .gguf file (llama.cpp) or a Hub id in the local Hugging Face cache.\n"
          "\n"
          "  --reserve SIZE          host memory kept free (default 0)\n"
          "  --reserve-per-gpu SIZE  GPU memory kept free (default 0)\n"
          "  --revision REV          a Hub id's branch, tag or commit in the cache   (main)\n"
          "\n"
          "A node whose GPU cannot run the workload (fp8 weights below compute capability\n"
          "8.9 in transformers, bf16 asked for before Ampere, ...) holds none: see 'runs'.\n"
          "\n"
          "A replica of more GPUs than the node has (--pp, data-parallel ranks) is reported by the\n"
          "nodes it spans: groups of tp GPUs on each, each node its own, as plans place it.\n"
          "\n"
          "exit: 0 at least one replica fits (on one node, or on the nodes it spans), 1 none does (or\n"
          "the GPU cannot run it), 2 bad input\n",
          out);
}

typedef struct fitctx {
    const est_arch *a;
    const est_params *p;
    est_workload w;
    int host;
    uint64_t cap;   /* per GPU, or host */
    uint64_t total; /* the GPU's own memory (vLLM's utilization is a share of it) */
    uint64_t host_cap; /* host memory for GPU jobs' processes (their host side: methodology 6c) */
    uint32_t gpus;
} fitctx;

/* replicas of the workload that fit: GPUs hold floor(cap / shard) shards each, a replica's
 * tp shards go on distinct GPUs (round-robin works for equal shards) */
static uint64_t count_at(const fitctx *f, uint64_t context, est_footprint *shard_out)
{
    est_workload w = f->w;
    w.context = context;
    est_footprint fp;
    if (est_footprint_compute(f->a, f->p, &w, &fp, NULL, NULL) != 0)
        return 0;
    if (shard_out)
        *shard_out = fp;
    /* each replica takes need = device + margin on each of its GPUs; vLLM started with the user's
     * utilization takes that share of the GPU's own total (est_vllm_takes), whatever is reserved */
    int share = w.runtime == EST_RT_VLLM && w.gmu_set && !f->host;
    if (fp.need == 0 || !est_fits(&fp, &w, share ? f->total : f->cap))
        return 0;
    uint64_t per = f->cap / fp.need;
    if (share) {
        uint64_t takes = est_vllm_takes(&fp, &w, f->total);
        per = takes <= f->cap ? f->cap / takes : 0;
    }
    if (f->host)
        return per;
    uint64_t g = est_job_gpus(&w);
    if (g > f->gpus)
        return 0;
    uint64_t n = per * f->gpus / g;
    if (fp.host && f->host_cap / fp.host < n) /* the processes' host RAM binds first */
        n = f->host_cap / fp.host;
    return n;
}

static int run(int argc, char **argv)
{
    fp_error err = {0};
    out_format fmt = FMT_TABLE;
    const char *model = NULL, *node = NULL, *revision = NULL;
    uint64_t reserve = 0, reserve_gpu = 0;
    est_options o;
    est_options_init(&o);
    cli_opt table[64];
    size_t n = cli_opts_with_workload(table, 64, base_opts, sizeof base_opts / sizeof base_opts[0]);
    cli_args a = {.argc = argc, .argv = argv, .i = 1};
    int id, r;
    const char *v;
    char why[256];
    while ((r = cli_next(&a, table, n, &id, &v, &err)) == 1) {
        switch (id) {
        case -1:
            if (model)
                return fp_fail(&err, NULL, 0, 0, "fit takes one MODEL"), cli_report(&err);
            model = v;
            break;
        case O_FORMAT:
            if (cli_parse_format(v, &fmt, &err))
                return cli_report(&err);
            break;
        case O_NODE: node = v; break;
        case O_REVISION: revision = v; break;
        case O_RESERVE:
        case O_RESERVE_GPU:
            if (fp_size_parse(v, id == O_RESERVE ? &reserve : &reserve_gpu, why, sizeof why) != 0)
                return fp_fail(&err, NULL, 0, 0, "--%s: %s", id == O_RESERVE ? "reserve" : "reserve-per-gpu", why),
                       cli_report(&err);
            break;
        default:
            if (est_option_apply(&o, cli_workload_name(id), v, &err) < 0)
                return cli_report(&err);
        }
    }
    if (r < 0)
        return cli_report(&err);
    /* a .gguf file is llama.cpp's: its runtime unless another is named (as estimate) */
    const char *rt = model ? inv_model_runtime(model) : NULL;
    if (rt && !o.runtime_set && est_option_apply(&o, "runtime", rt, &err) < 0)
        return cli_report(&err);
    if (est_options_finish(&o, &err) != 0)
        return cli_report(&err);
    if (!model || !node)
        return fp_fail(&err, NULL, 0, 0, "fit needs a MODEL and --node TYPE"), cli_report(&err);
    inv_catalog cat;
    if (inv_catalog_load(&cat, &err) != 0)
        return cli_report(&err);
    int rc = EXIT_BADINPUT;
    est_arch arch;
    est_params p;
    inv_resolved *mr = malloc(sizeof *mr); /* large: a model's files */
    const inv_node *nd = inv_node_find(&cat, node);
    if (!mr) {
        fp_fail(&err, NULL, 0, 0, "out of memory");
        goto out;
    }
    if (inv_model_resolve(&cat, model, NULL, revision, mr, &err) != 0 || inv_resolved_apply(mr, &o, &err) != 0)
        goto out;
    arch = mr->arch;
    if (!nd) {
        char dym[96];
        const char *near = inv_node_suggest(&cat, node);
        fp_fail(&err, NULL, 0, 0, "--node: unknown node type '%s'%s", node,
                fp_did_you_mean(dym, sizeof dym, near));
        goto out;
    }
    if (est_params_count(&arch, &p, &err) != 0 || est_workload_settle(&arch, mr->name, &o.w, &err) != 0)
        goto out;
    fitctx f = {.a = &arch, .p = &p, .w = o.w};
    f.host = nd->gpus == 0 || est_on_host(&o.w);
    f.gpus = nd->gpus;
    uint64_t raw = f.host ? nd->host_memory : nd->gpu_memory;
    uint64_t res = f.host ? reserve : reserve_gpu;
    f.cap = raw > res ? raw - res : 0;
    f.total = raw;
    f.host_cap = nd->host_memory > reserve ? nd->host_memory - reserve : 0;
    {
        /* validate the workload once */
        est_footprint fp;
        if (est_footprint_compute(&arch, &p, &o.w, &fp, NULL, &err) != 0)
            goto out;
    }
    /* a GPU that cannot run the workload holds no replica, whatever its memory (the same
     * check as plans make: scn_use_variant) */
    char cannot[256] = "";
    if (!f.host) {
        est_workload cw = o.w;
        est_options_fp16_fallback(&o, &cw);
        inv_caps_can_run(&nd->gpu_caps, nd->gpu, &cw, cannot, sizeof cannot);
    }
    est_footprint sfp;
    memset(&sfp, 0, sizeof sfp);
    uint64_t count = count_at(&f, o.w.context, &sfp);
    uint64_t shard = sfp.device;
    if (cannot[0])
        count = 0;
    /* the largest context (up to the model's) at which `count` replicas still fit */
    uint64_t maxctx = 0;
    if (count > 0) {
        uint64_t lo = o.w.context, hi = est_context_limit(&arch, &o.w) ? est_context_limit(&arch, &o.w) : (1ULL << 24);
        if (hi < lo)
            hi = lo;
        if (count_at(&f, hi, NULL) >= count) {
            maxctx = hi;
        } else {
            while (hi - lo > 1) {
                uint64_t mid = lo + (hi - lo) / 2;
                if (count_at(&f, mid, NULL) >= count)
                    lo = mid;
                else
                    hi = mid;
            }
            maxctx = lo;
        }
    }
    /* a replica larger than the node: the nodes it spans, stage groups of tp GPUs on each, each
     * node its own (as plans place it: docs/solver.md, "Replicas that span nodes") */
    uint64_t span_nodes = 0;
    uint64_t job = f.host ? 0 : est_job_gpus(&o.w);
    if (!f.host && !cannot[0] && job > nd->gpus && o.w.tp <= nd->gpus && sfp.need && sfp.need <= f.cap &&
        job % o.w.tp == 0) {
        uint64_t per = nd->gpus / o.w.tp, groups = job / o.w.tp, k = (groups + per - 1) / per;
        uint64_t host_here = sfp.host / job * per * o.w.tp + ((sfp.host % job) * per * o.w.tp + job - 1) / job;
        if (k <= SOL_MAX_SPAN && host_here <= f.host_cap)
            span_nodes = k;
    }
    json_t *j = json_object();
    json_object_set_new(j, "model", json_string(mr->name));
    json_object_set_new(j, "node", json_string(nd->name));
    json_object_set_new(j, "memory", json_string(f.host ? "host" : "gpu"));
    json_object_set_new(j, "capacity_bytes", json_integer((json_int_t)f.cap));
    json_object_set_new(j, "gpus", json_integer(f.host ? 0 : nd->gpus));
    json_object_set_new(j, "tp", json_integer((json_int_t)o.w.tp));
    json_object_set_new(j, "gpus_per_replica", json_integer((json_int_t)(f.host ? 0 : est_job_gpus(&o.w))));
    json_object_set_new(j, "margin_bytes_per_shard", json_integer((json_int_t)sfp.margin));
    if (!f.host)
        json_object_set_new(j, "host_bytes_per_replica", json_integer((json_int_t)sfp.host));
    json_object_set_new(j, "context", json_integer((json_int_t)o.w.context));
    json_object_set_new(j, "bytes_per_shard", json_integer((json_int_t)shard));
    json_object_set_new(j, "max_replicas", json_integer((json_int_t)count));
    json_object_set_new(j, "max_context_at_max_replicas", json_integer((json_int_t)maxctx));
    if (cannot[0])
        json_object_set_new(j, "cannot_run", json_string(cannot));
    if (span_nodes)
        json_object_set_new(j, "nodes_per_replica", json_integer((json_int_t)span_nodes));
    if (fmt == FMT_TABLE) {
        printf("model      %s on %s (%s memory: %s%.2f GiB%s)\n", mr->name, nd->name, f.host ? "host" : "GPU",
               f.host ? "" : "", (double)f.cap / FP_GIB, f.host ? "" : " per GPU");
        if (!f.host && o.w.pp > 1)
            printf("           %u GPU%s; a replica takes %llu (tensor parallel %llu x pipeline %llu x %llu data-parallel; "
                   "each GPU counted at the largest stage)\n", nd->gpus, nd->gpus == 1 ? "" : "s",
                   (unsigned long long)est_job_gpus(&o.w), (unsigned long long)o.w.tp, (unsigned long long)o.w.pp,
                   (unsigned long long)o.w.dp);
        else if (!f.host)
            printf("           %u GPU%s; a replica takes %llu (tensor parallel %llu x %llu data-parallel)\n", nd->gpus,
                   nd->gpus == 1 ? "" : "s", (unsigned long long)est_job_gpus(&o.w), (unsigned long long)o.w.tp,
                   (unsigned long long)o.w.dp);
        printf("footprint  %.2f GiB per %s at context %llu, + %.2f GiB margin\n", (double)shard / FP_GIB,
               f.host ? "replica" : "GPU", (unsigned long long)o.w.context, (double)sfp.margin / FP_GIB);
        if (o.w.runtime == EST_RT_VLLM && o.w.gmu_set && !f.host)
            printf("vllm       each process takes %.2f GiB: --gpu-memory-utilization %.2f of %.2f GiB, + %.2f GiB "
                   "outside its budget\n",
                   (double)est_vllm_takes(&sfp, &o.w, f.total) / FP_GIB,
                   o.w.gpu_memory_utilization, (double)f.total / FP_GIB, (double)sfp.outside_allocator / FP_GIB);
        if (!f.host && sfp.host)
            printf("host       %.2f GiB of host RAM per replica; the node's %.2f GiB hold %llu\n",
                   (double)sfp.host / FP_GIB, (double)f.host_cap / FP_GIB, (unsigned long long)(f.host_cap / sfp.host));
        if (cannot[0])
            printf("runs       NO: %s\n", cannot);
        if (span_nodes)
            printf("spans      a replica of %llu GPUs spans %llu nodes (%llu GPUs of it on each, in groups of tp %llu), "
                   "each node its own\n",
                   (unsigned long long)job, (unsigned long long)span_nodes,
                   (unsigned long long)(nd->gpus / o.w.tp * o.w.tp), (unsigned long long)o.w.tp);
        else if (!f.host && est_job_gpus(&o.w) > nd->gpus)
            printf("gpus       NO: a replica needs %llu GPUs on one node and %s has %u\n",
                   (unsigned long long)est_job_gpus(&o.w), nd->name, nd->gpus);
        if (span_nodes)
            printf("fits       1 replica on %llu nodes (none on one node)\n", (unsigned long long)span_nodes);
        else
            printf("fits       %llu replica%s\n", (unsigned long long)count, count == 1 ? "" : "s");
        if (count)
            printf("context    up to %llu tokens keeps %llu replica%s\n", (unsigned long long)maxctx,
                   (unsigned long long)count, count == 1 ? "" : "s");
    } else {
        out_any(stdout, fmt, j);
    }
    json_decref(j);
    rc = count || span_nodes ? EXIT_OK : EXIT_NOFIT;
out:
    if (rc == EXIT_BADINPUT)
        cli_report(&err);
    free(mr);
    inv_catalog_free(&cat);
    return rc;
}

const cli_command cmd_fit = {
    .name = "fit",
    .summary = "how many replicas of a model fit one node, and up to what context",
    .run = run,
    .help = help,
};
