/* launch.c: one POSIX shell script per node (node-N/launch.sh) that starts what the plan put
 * there, and the DeepSpeed / FSDP file each training job needs beside it.
 *
 * Servers start one after the other where they share a GPU: vLLM checks at start that the
 * share it was given (--gpu-memory-utilization x the GPU's total) is free, so the next one
 * starts when the one before answers on /health.  Every process runs in the background with
 * its log in logs/; the script then waits for them (SkyPilot's run: ends when it does).
 *
 * A replica that spans nodes has a script on each of its nodes (docs/deploy.md, "Across
 * nodes"), each told the head's address by FEDPLAN_HEAD_ADDRESS.  vLLM runs on a Ray cluster,
 * as its multi-node serving guide describes: the first node starts Ray's head, the others
 * join it (`ray start --address=HEAD:6379 --block`, retried while the head comes up), and
 * once every node has joined the head starts `vllm serve` with --tensor-parallel-size and
 * --pipeline-parallel-size over them all and --distributed-executor-backend ray.  Ray is
 * addressed as 127.0.0.1:6379 on the head (RAY_ADDRESS for vllm serve): a machine may run
 * another Ray cluster (SkyPilot's own, on 6380), which "auto" could pick.  Training runs
 * torchrun on every node with the plan's fixed ranks and the head as its master (static
 * rendezvous: --node_rank, --master_addr, --master_port; the c10d backend would need the head
 * to recognise its own address), or accelerate's --machine_rank and --main_process_ip for
 * FSDP, with the same DeepSpeed or FSDP file as on one node. */
#include <stdio.h>
#include <string.h>

#include "../common/units.h"
#include "emit_int.h"

static void gpu_list(const ep_proc *p, char *buf, size_t n)
{
    size_t o = 0;
    buf[0] = 0;
    for (size_t i = 0; i < p->ngpus && o + 12 < n; i++)
        o += (size_t)snprintf(buf + o, n - o, "%s%u", i ? "," : "", p->gpu[i]);
}

/* a model read from the planning machine's files: where to copy it from */
static void local_note(const ep_proc *p, eb *b)
{
    size_t len = strlen(p->local);
    if (len > 5 && !strcmp(p->local + len - 5, ".json")) { /* a config file alone: no weights */
        eb_puts(b, "# the model fedplan read is a config file alone (");
        eb_shword(b, p->local);
        eb_puts(b, ", from where fedplan ran): make models/");
        eb_puts(b, p->model);
        eb_puts(b, " beside this script a checkpoint directory holding it as config.json, the weights and the "
                   "tokenizer\n");
        return;
    }
    eb_puts(b, "# the model fedplan read: copy ");
    eb_shword(b, p->local);
    eb_printf(b, " (from where fedplan ran) to models/%s beside this script\n", p->model);
}

/* the plan's figures for the process, as a comment line */
static void describe(const ep_plan *m, const ep_proc *p, eb *b)
{
    const scn_deployment *dp = &m->in->s->deps[p->dep];
    char g[64];
    gpu_list(p, g, sizeof g);
    eb_printf(b, "# %s replica %u: ", dp->name, p->replica + 1);
    if (p->ngpus)
        eb_printf(b, "GPU%s %s, %.2f GiB + %.2f GiB margin%s", p->ngpus > 1 ? "s" : "", g,
                  (double)dp->device_bytes[p->variant] / FP_GIB, (double)dp->margin_bytes[p->variant] / FP_GIB,
                  p->ngpus > 1 ? " on each" : "");
    else
        eb_printf(b, "host memory, %.2f GiB + %.2f GiB margin", (double)dp->device_bytes[p->variant] / FP_GIB,
                  (double)dp->margin_bytes[p->variant] / FP_GIB);
    if (p->shares_gpu)
        eb_puts(b, " (shares a GPU)");
    if (ep_spans(p))
        eb_printf(b, ";\n#   node %u of the %u it spans (%u GPUs in all), %s", p->part + 1, p->of, p->all_gpus,
                  p->part ? "joining the head" : "the head: start it first");
    eb_puts(b, "\n");
}

/* the node's part of a replica across nodes that needs the head's address (all of them but
 * a Ray head), or NULL */
static const ep_proc *needs_head(const ep_plan *m, size_t n)
{
    for (size_t i = 0; i < m->nprocs; i++) {
        const ep_proc *p = &m->procs[i];
        if (p->node == n && ep_spans(p) && (p->kind == EP_TRAIN || (p->kind == EP_VLLM && p->part)))
            return p;
    }
    return NULL;
}

static int waited_for(const ep_plan *m, size_t i)
{
    for (size_t k = i + 1; k < m->nprocs; k++)
        if (m->procs[k].after == (long)i)
            return 1;
    return 0;
}

/* ====================================================================== across nodes */

/* the shell's `until` loop around cmd, 5 s apart, 30 minutes at most, then fail with what */
static void retry(eb *b, const char *cmd, const char *what)
{
    eb_printf(b, "i=0\nuntil %s; do\n"
                 "    i=$((i + 1))\n"
                 "    if [ \"$i\" -gt 360 ]; then\n"
                 "        echo %s >&2\n"
                 "        exit 1\n"
                 "    fi\n"
                 "    sleep 5\n"
                 "done\n",
              cmd, what);
}

void ep_ray_lines(const ep_plan *m, const ep_proc *p, const char *addr, int container, eb *b)
{
    char g[64], cmd[512], what[256];
    gpu_list(p, g, sizeof g);
    /* on a bare machine Ray takes the GPUs CUDA_VISIBLE_DEVICES names; a container has its own */
    char cvd[96] = "";
    if (!container && p->ngpus)
        snprintf(cvd, sizeof cvd, "CUDA_VISIBLE_DEVICES=%s ", g);
    if (p->part) {
        eb_printf(b, "# join the Ray cluster of node-%zu, the head, retrying while it starts; this node's\n"
                     "# GPUs then run vLLM's workers for it\n",
                  p->head + 1);
        char log[128] = "";
        if (!container) /* in the foreground: the script blocks here while the cluster runs */
            snprintf(log, sizeof log, " >>logs/%s.log 2>&1", p->name);
        if (!container) /* SkyPilot's own Ray sets it for its jobs; a second cluster must not inherit it */
            eb_puts(b, "unset RAY_RAYLET_PID\n");
        snprintf(cmd, sizeof cmd, "%sray start --address=\"%s:%d\" --block%s", cvd, addr, EP_RAY_PORT, log);
        snprintf(what, sizeof what, "\"%s: the Ray head at %s:%d did not take this node\"", p->name, addr,
                 EP_RAY_PORT);
        retry(b, cmd, what);
        return;
    }
    eb_printf(b, "# the Ray cluster's head: once the replica's %u other node%s joined it, vLLM starts\n"
                 "# here over all %u (its pipeline stages across the nodes)\n",
              p->of - 1, p->of == 2 ? " has" : "s have", p->of);
    if (!container)
        eb_puts(b, "unset RAY_RAYLET_PID\n");
    eb_printf(b, "%sray start --head --port=%d\n", cvd, EP_RAY_PORT);
    snprintf(cmd, sizeof cmd,
             "[ \"$(python3 -c 'import ray; ray.init(address=\"127.0.0.1:%d\"); "
             "print(sum(1 for n in ray.nodes() if n[\"Alive\"]))' 2>/dev/null | tail -n 1)\" = %u ]",
             EP_RAY_PORT, p->of);
    snprintf(what, sizeof what, "\"%s: the %u nodes did not all join the Ray cluster: see their logs\"", p->name,
             p->of);
    retry(b, cmd, what);
    ep_argv a;
    ep_server_args(m, p, container, &a);
    char var[128];
    eb_printf(b, "%sRAY_ADDRESS=127.0.0.1:%d vllm serve ", container ? "exec env " : "nohup env ", EP_RAY_PORT);
    if (ep_checkpoint_var(m, p, var, sizeof var)) /* the shell stops when it is unset, in a container too */
        eb_printf(b, "\"%s\"", a.v[1]);
    else if (p->local[0] && !container) { /* Ray's workers load it by the path the head gives: absolute */
        eb_puts(b, "\"$PWD\"/");
        eb_shword(b, a.v[1]);
    } else
        eb_shword(b, a.v[1]);
    for (size_t k = 2; k < a.n; k++) {
        eb_puts(b, a.v[k][0] == '-' ? " \\\n    " : " ");
        eb_shword(b, a.v[k]);
    }
    if (!container)
        eb_printf(b, " \\\n    >logs/%s.log 2>&1 &\necho $! >>pids\n", p->name);
    else
        eb_puts(b, "\n");
}

void ep_train_command(const ep_proc *p, const char *rank, const char *head, const char *dir, eb *b)
{
    const est_workload *w = &p->w;
    char cfg[128];
    const char *c = ep_train_config(p, cfg, sizeof cfg);
    unsigned long long nproc = p->ngpus ? p->ngpus : 1;
    if (c && p->fsdp && ep_spans(p)) /* accelerate's multi-machine flags: this machine's rank, rank 0's address */
        eb_printf(b, "accelerate launch --config_file %s%s --num_machines %u --machine_rank %s \\\n"
                     "    --main_process_ip \"%s\" --main_process_port %d \"${TRAIN_SCRIPT:-train.py}\"",
                  dir, c, p->of, rank, head, EP_RDZV_PORT);
    else if (c && p->fsdp)
        eb_printf(b, "accelerate launch --config_file %s%s \"${TRAIN_SCRIPT:-train.py}\"", dir, c);
    else if (ep_spans(p)) /* the plan fixes every node's rank: static rendezvous at the head */
        eb_printf(b, "torchrun --nnodes %u --node_rank %s --nproc_per_node %llu \\\n"
                     "    --master_addr \"%s\" --master_port %d \"${TRAIN_SCRIPT:-train.py}\"",
                  p->of, rank, nproc, head, EP_RDZV_PORT);
    else
        eb_printf(b, "torchrun --standalone --nproc_per_node %llu \"${TRAIN_SCRIPT:-train.py}\"", nproc);
    if (c && !p->fsdp)
        eb_printf(b, " \\\n    --deepspeed %s%s", dir, c);
    eb_printf(b, " \\\n    --per_device_train_batch_size %llu", (unsigned long long)w->batch);
    eb_printf(b, " \\\n    --gradient_accumulation_steps %llu",
              (unsigned long long)(w->grad_accum ? w->grad_accum : 1));
    if (w->grad_checkpointing)
        eb_puts(b, " \\\n    --gradient_checkpointing");
    if (w->compute_dtype == EST_DT_BF16)
        eb_puts(b, " \\\n    --bf16");
    else if (w->compute_dtype == EST_DT_FP16)
        eb_puts(b, " \\\n    --fp16");
}

static void train_lines(const ep_proc *p, eb *b)
{
    eb_puts(b, "# the training script is yours (TRAIN_SCRIPT); the flags after it are transformers'\n"
               "# TrainingArguments (HfArgumentParser), the method and its LoRA settings your script's own\n");
    if (p->ngpus) {
        char g[64];
        gpu_list(p, g, sizeof g);
        eb_printf(b, "CUDA_VISIBLE_DEVICES=%s ", g);
    }
    char rank[16];
    snprintf(rank, sizeof rank, "%u", p->part);
    eb_puts(b, "nohup ");
    ep_train_command(p, rank, "$" EP_HEAD_VAR, "", b);
    eb_printf(b, " \\\n    >logs/%s.log 2>&1 &\necho $! >>pids\n", p->name);
}

void emit_launch_body(const ep_plan *m, size_t n, int script, eb *b)
{
    const sol_problem *pb = m->in->pb;
    const sol_node_type *t = &pb->types[m->in->plan->nodes[n].type];
    const inv_node *node = ep_node(m, n);
    eb_printf(b, "# fedplan: node %zu of the plan for ", n + 1);
    for (const char *f = m->in->s->file; *f; f++) /* a comment line: no line break may end it */
        eb_printf(b, "%c", (unsigned char)*f < ' ' || *f == 0x7f ? '?' : *f);
    eb_printf(b, ": %s", t->name);
    if (t->gpus)
        eb_printf(b, " (%u x %s)", t->gpus, node->gpu);
    eb_puts(b, "\n# Starts every process the plan put on this node; logs in logs/, process ids in pids.\n"
               "set -eu\n");
    const ep_proc *h = needs_head(m, n);
    if (h) /* stop at once, with what to set, rather than when the process fails to connect */
        eb_printf(b, ": \"${%s:?set %s to the address of node-%zu, the head of %s (README.md)}\"\n",
                  EP_HEAD_VAR, EP_HEAD_VAR, h->head + 1, h->name); /* the process name: [a-z0-9-] only */
    if (script) /* SkyPilot runs the lines in its workdir, this node's folder */
        eb_puts(b, "cd \"$(dirname \"$0\")\"\n");
    eb_puts(b, "mkdir -p logs\n");
    int any_wait = 0;
    for (size_t i = 0; i < m->nprocs; i++)
        any_wait |= m->procs[i].node == n && ep_is_server(&m->procs[i]) &&
                    waited_for(m, i);
    if (any_wait)
        eb_puts(b, "\n# wait_healthy PORT NAME: until the server answers on /health (30 minutes at most)\n"
                   "wait_healthy() {\n"
                   "    i=0\n"
                   "    until curl -sf \"http://127.0.0.1:$1/health\" >/dev/null 2>&1; do\n"
                   "        i=$((i + 1))\n"
                   "        if [ \"$i\" -gt 360 ]; then\n"
                   "            echo \"$2 did not answer on port $1: see logs/$2.log\" >&2\n"
                   "            exit 1\n"
                   "        fi\n"
                   "        sleep 5\n"
                   "    done\n"
                   "}\n");
    for (size_t i = 0; i < m->nprocs; i++) {
        const ep_proc *p = &m->procs[i];
        if (p->node != n)
            continue;
        eb_puts(b, "\n");
        describe(m, p, b);
        char g[64];
        gpu_list(p, g, sizeof g);
        ep_argv a;
        switch (p->kind) {
        case EP_VLLM: {
            const char *note;
            ep_vllm_quantization(p->w.weight_dtype, &note);
            if (note && !p->part)
                eb_printf(b, "# %s\n", note);
            if (ep_spans(p)) {
                if (p->local[0]) {
                    local_note(p, b);
                    eb_puts(b, "# on every node of the replica, with this folder at the same path on each: Ray's\n"
                               "# workers load the model by the path the head gives them\n");
                }
                ep_ray_lines(m, p, "$" EP_HEAD_VAR, 0, b);
                break;
            }
            ep_server_args(m, p, 0, &a);
            if (p->local[0])
                local_note(p, b);
            eb_printf(b, "CUDA_VISIBLE_DEVICES=%s nohup vllm serve ", g);
            char var[128];
            if (ep_checkpoint_var(m, p, var, sizeof var))
                eb_printf(b, "\"%s\"", a.v[1]); /* expanded by the shell: the script stops when it is unset */
            else
                eb_shword(b, a.v[1]); /* the model, positional */
            for (size_t k = 2; k < a.n; k++) {
                eb_puts(b, a.v[k][0] == '-' ? " \\\n    " : " ");
                eb_shword(b, a.v[k]);
            }
            eb_printf(b, " \\\n    >logs/%s.log 2>&1 &\necho $! >>pids\n", p->name);
            break;
        }
        case EP_LLAMACPP:
            ep_server_args(m, p, 0, &a);
            if (ep_local_gguf(p))
                local_note(p, b);
            else if (p->local[0]) { /* a checkpoint: llama.cpp reads GGUF only */
                char f[300];
                ep_gguf_name(m, p, f, sizeof f);
                eb_puts(b, "# llama.cpp reads GGUF: convert ");
                eb_shword(b, p->local);
                eb_printf(b, " (from where fedplan ran) at this type to models/%s beside this script\n", f);
            } else
                eb_puts(b, "# the GGUF file (models/ beside this script) is yours to convert or download at this type\n");
            if (p->ngpus) /* layers on a GPU: the CUDA build of llama-server, on the plan's GPU */
                eb_printf(b, "CUDA_VISIBLE_DEVICES=%s ", g);
            eb_puts(b, "nohup llama-server");
            for (size_t k = 0; k < a.n; k++) {
                eb_puts(b, a.v[k][0] == '-' ? " \\\n    " : " ");
                eb_shword(b, a.v[k]);
            }
            eb_printf(b, " \\\n    >logs/%s.log 2>&1 &\necho $! >>pids\n", p->name);
            break;
        case EP_TRAIN:
            train_lines(p, b);
            break;
        case EP_HF:
            if (p->local[0])
                local_note(p, b);
            eb_printf(b, "# transformers inference runs in your own program: start it on %s%s with the model\n"
                         "# %s%s (torch_dtype %s, at most %llu sequences of %llu tokens), for example\n"
                         "# CUDA_VISIBLE_DEVICES=%s python your_app.py\n",
                       p->ngpus ? "GPU " : "the host", g,
                       p->local[0] ? "models/" : "", p->model[0] ? p->model : "(fixed size)",
                       est_dtype_name(p->w.compute_dtype), (unsigned long long)p->w.batch,
                       (unsigned long long)p->w.context, p->ngpus ? g : "");
            break;
        case EP_FIXED:
            eb_printf(b, "# a fixed memory size: fedplan knows no runtime to start; run it on %s%s\n",
                      p->ngpus ? "GPU " : "the host", g);
            break;
        }
        if (ep_is_server(p) && waited_for(m, i))
            eb_printf(b, "wait_healthy %u %s\n", p->port, p->name);
    }
    eb_puts(b, "\nwait\n");
}

/* DeepSpeed's JSON: micro-batch, accumulation, the ZeRO stage and the precision */
void ep_ds_config(const ep_proc *p, eb *b)
{
    const est_workload *w = &p->w;
    eb_printf(b, "{\n  \"train_micro_batch_size_per_gpu\": %llu,\n  \"gradient_accumulation_steps\": %llu,\n"
                 "  \"zero_optimization\": {\n    \"stage\": %d",
              (unsigned long long)w->batch, (unsigned long long)(w->grad_accum ? w->grad_accum : 1), w->zero_stage);
    /* the offload the estimate counted (DeepSpeed's offload_optimizer / offload_param to the CPU) */
    const char *pin = w->pin_memory ? "true" : "false";
    if (w->offload != EST_OFFLOAD_NONE)
        eb_printf(b, ",\n    \"offload_optimizer\": {\n      \"device\": \"cpu\",\n      \"pin_memory\": %s\n    }", pin);
    if (w->offload == EST_OFFLOAD_PARAMS)
        eb_printf(b, ",\n    \"offload_param\": {\n      \"device\": \"cpu\",\n      \"pin_memory\": %s\n    }", pin);
    eb_puts(b, "\n  }");
    if (w->compute_dtype == EST_DT_BF16)
        eb_puts(b, ",\n  \"bf16\": {\n    \"enabled\": true\n  }");
    else if (w->compute_dtype == EST_DT_FP16)
        eb_puts(b, ",\n  \"fp16\": {\n    \"enabled\": true\n  }");
    eb_puts(b, "\n}\n");
}

/* accelerate's config for FSDP full sharding (ZeRO-3's equivalent) on one machine, or on this
 * machine's part of several (num_processes counts them all; the launch line gives the head) */
void ep_fsdp_config(const ep_proc *p, eb *b)
{
    const est_workload *w = &p->w;
    size_t all = ep_spans(p) ? p->all_gpus : p->ngpus ? p->ngpus : 1;
    eb_printf(b, "# fedplan: accelerate launch --config_file for %s (FSDP full sharding over %zu GPUs)\n"
                 "compute_environment: LOCAL_MACHINE\n"
                 "distributed_type: FSDP\n"
                 "mixed_precision: %s\n"
                 "num_machines: %u\n",
              p->name, all, w->compute_dtype == EST_DT_BF16 ? "bf16" : w->compute_dtype == EST_DT_FP16 ? "fp16" : "no",
              p->of);
    if (ep_spans(p)) /* the launch line gives the same, and the head's address */
        eb_printf(b, "machine_rank: %u\n", p->part);
    eb_printf(b, "num_processes: %zu\n"
                 "fsdp_config:\n"
                 "  fsdp_sharding_strategy: FULL_SHARD\n"
                 "  fsdp_auto_wrap_policy: TRANSFORMER_BASED_WRAP\n"
                 "  fsdp_state_dict_type: SHARDED_STATE_DICT\n"
                 "  fsdp_offload_params: %s\n"
                 "  fsdp_activation_checkpointing: %s\n",
              all, w->offload == EST_OFFLOAD_PARAMS ? "true" : "false", w->grad_checkpointing ? "true" : "false");
}

int emit_launch(const ep_plan *m, emit_set *out, fp_error *err)
{
    for (size_t n = 0; n < m->in->plan->nnodes; n++) {
        eb b = {0};
        char path[64];
        eb_puts(&b, "#!/bin/sh\n");
        emit_launch_body(m, n, 1, &b);
        snprintf(path, sizeof path, "node-%zu/launch.sh", n + 1);
        if (emit_add(out, path, &b, 1, err) != 0)
            return -1;
        for (size_t i = 0; i < m->nprocs; i++) {
            const ep_proc *p = &m->procs[i];
            char cfg[128], fp[200];
            if (p->node != n || !ep_train_config(p, cfg, sizeof cfg))
                continue;
            if (p->fsdp)
                ep_fsdp_config(p, &b);
            else
                ep_ds_config(p, &b);
            snprintf(fp, sizeof fp, "node-%zu/%s", n + 1, cfg);
            if (emit_add(out, fp, &b, 0, err) != 0)
                return -1;
        }
    }
    return 0;
}
