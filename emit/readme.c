/* readme.c: README.md of the emitted folder: what runs where, and how to start it with each
 * of the targets (plain processes, Docker Compose, Kubernetes, SkyPilot), with what the files
 * leave to the user said plainly. */
#include <stdio.h>
#include <string.h>

#include "emit_int.h"

static const char *kind_name(ep_kind k)
{
    switch (k) {
    case EP_VLLM: return "vLLM server";
    case EP_LLAMACPP: return "llama-server";
    case EP_HF: return "transformers program (yours)";
    case EP_TRAIN: return "training job";
    default: return "fixed-size process (yours)";
    }
}

static void proc_line(const ep_plan *m, const ep_proc *p, eb *b)
{
    eb_printf(b, "  - `%s`: %s", p->name, p->kind == EP_VLLM && p->part ? "Ray worker for vLLM" : kind_name(p->kind));
    if (p->model[0]) {
        eb_puts(b, " of `");
        eb_puts(b, p->model);
        eb_puts(b, "`");
    }
    if (p->ngpus) {
        eb_printf(b, ", GPU%s ", p->ngpus > 1 ? "s" : "");
        for (size_t i = 0; i < p->ngpus; i++)
            eb_printf(b, "%s%u", i ? "," : "", p->gpu[i]);
    } else {
        eb_puts(b, ", host memory");
    }
    if (p->port)
        eb_printf(b, ", port %u", p->port);
    if (p->kind == EP_VLLM)
        eb_printf(b, ", `--gpu-memory-utilization %.4f`", p->util);
    char cfg[128];
    if (ep_train_config(p, cfg, sizeof cfg))
        eb_printf(b, ", config `node-%zu/%s`", p->node + 1, cfg);
    if (p->shares_gpu)
        eb_puts(b, " (shares a GPU)");
    if (ep_spans(p) && !p->part)
        eb_printf(b, "; node 1 of the %u it spans, the head%s", p->of,
                  p->kind == EP_VLLM ? " (Ray's head, and vLLM over them all)" : "");
    else if (ep_spans(p))
        eb_printf(b, "; node %u of the %u it spans, joining node-%zu", p->part + 1, p->of, p->head + 1);
    eb_puts(b, "\n");
    (void)m;
}

/* what the replicas across nodes need: the order, the head's address, the ports between them */
static void across_nodes(const ep_plan *m, eb *b)
{
    int any = 0;
    for (size_t i = 0; i < m->nprocs; i++) {
        const ep_proc *p = &m->procs[i];
        if (!ep_span_head(p))
            continue;
        if (!any)
            eb_printf(b, "\n## Across nodes\n\n"
                         "Each replica below spans several machines, and each node's files start that node's part:\n"
                         "start the head first, then the others, each told the head's address in `%s`\n"
                         "(an address the other machines reach it at, such as its private IP; the launch scripts\n"
                         "stop at once when it is unset):\n\n",
                      EP_HEAD_VAR);
        any = 1;
        eb_printf(b, "- `%s` (%s) over", p->name, p->kind == EP_VLLM ? "vLLM on a Ray cluster" :
                                                p->kind == EP_TRAIN ? "training job" : "your own program");
        for (uint32_t part = 0; part < p->of; part++)
            for (size_t j = 0; j < m->nprocs; j++)
                if (m->procs[j].dep == p->dep && m->procs[j].replica == p->replica && m->procs[j].part == part)
                    eb_printf(b, "%s node-%zu", part ? "," : "", m->procs[j].node + 1);
        eb_printf(b, ", head node-%zu:\n", p->node + 1);
        if (p->kind == EP_VLLM)
            eb_printf(b, "  1. on node-%zu: `sh launch.sh` starts Ray's head (port %d) and waits for the others;\n"
                         "  2. on each other node: `%s=ADDRESS-OF-NODE-%zu sh launch.sh` joins it as a Ray\n"
                         "     worker (it retries while the head starts);\n"
                         "  3. once %s have joined, node-%zu starts `vllm serve` over them\n"
                         "     (`--tensor-parallel-size %llu --pipeline-parallel-size %llu\n"
                         "     --distributed-executor-backend ray`) and serves on port %u.\n",
                      p->node + 1, EP_RAY_PORT, EP_HEAD_VAR, p->node + 1, p->of == 2 ? "both" : "all of them",
                      p->node + 1,
                      (unsigned long long)p->w.tp, (unsigned long long)p->w.pp, p->port);
        else if (p->kind == EP_TRAIN)
            eb_printf(b, "  on every one of them, node-%zu first: `%s=ADDRESS-OF-NODE-%zu sh launch.sh`\n"
                         "  (node-%zu included: the job's master listens there, on port %d).  Each node runs\n"
                         "  its GPUs' ranks, at the rank the plan gave it; the %u nodes meet before the first step.\n",
                      p->node + 1, EP_HEAD_VAR, p->node + 1, p->node + 1, EP_RDZV_PORT, p->of);
        else
            eb_puts(b, "  fedplan knows no launcher for it: start it across these nodes yourself.\n");
    }
    if (any)
        eb_puts(b, "\nThe machines must reach each other on every port (Ray and NCCL pick their own beside\n"
                   "the ones above), with the same software and the model's weights reachable on each: every\n"
                   "node loads its own stages or shards.  vLLM's multi-node guide has the network settings\n"
                   "(`NCCL_SOCKET_IFNAME`, `GLOO_SOCKET_IFNAME`, `VLLM_HOST_IP`) for machines with several\n"
                   "interfaces.\n");
}

int emit_readme(const ep_plan *m, emit_set *out, fp_error *err)
{
    const emit_input *in = m->in;
    const sol_plan *plan = in->plan;
    eb b = {0};
    eb_printf(&b, "# Deploying %s\n\n", in->s->name[0] ? in->s->name : in->s->file);
    eb_printf(&b, "Written by `fedplan plan %s --emit` from a verified plan (%s): %zu node%s, $%.3f per hour.\n"
                  "`plan.json` is that plan as `fedplan plan --format json` prints it.  Every number in these\n"
                  "files (GPUs, `--gpu-memory-utilization`, contexts, batch sizes) is the plan's: change the\n"
                  "scenario and emit again rather than editing them.\n",
              in->s->file, plan->status == SOL_OPTIMAL ? "optimal" : "feasible, not proven optimal", plan->nnodes,
              plan->nnodes == 1 ? "" : "s", plan->cost);
    if (plan->nunplaced) {
        eb_puts(&b, "\n**Not placed** (not in these files):\n\n");
        for (size_t u = 0; u < plan->nunplaced; u++)
            eb_printf(&b, "- %s: %u replica%s\n", in->pb->deps[plan->unplaced[u].dep].name, plan->unplaced[u].count,
                      plan->unplaced[u].count == 1 ? "" : "s");
    }
    {
        /* quantized vLLM deployments: the checkpoint each one needs, which fedplan cannot name */
        int head = 0;
        for (size_t i = 0; i < m->nprocs; i++) {
            char var[128];
            if (!ep_checkpoint_var(m, &m->procs[i], var, sizeof var))
                continue;
            int seen = 0;
            for (size_t j = 0; j < i && !seen; j++)
                seen = m->procs[j].dep == m->procs[i].dep && m->procs[j].kind == EP_VLLM;
            if (seen)
                continue;
            if (!head)
                eb_puts(&b, "\n## Before you start\n\nThe plan sized these deployments with quantized weights: "
                            "give each the checkpoint stored that way (the launch files stop with this message "
                            "until then, rather than load the 16-bit model):\n\n");
            head = 1;
            eb_printf(&b, "- `export %s=...`: %s checkpoint of `%s`\n", var,
                      m->procs[i].w.weight_dtype == EST_DT_INT4 ? "an AWQ or GPTQ int4" : "an int8 (W8A8)",
                      m->procs[i].model);
        }
    }
    eb_puts(&b, "\n## What runs where\n\n");
    for (size_t n = 0; n < plan->nnodes; n++) {
        const inv_node *node = ep_node(m, n);
        eb_printf(&b, "- **node-%zu**: %s", n + 1, ep_node_type(m, n));
        if (node->gpus)
            eb_printf(&b, " (%u x %s)", node->gpus, node->gpu);
        eb_puts(&b, "\n");
        for (size_t i = 0; i < m->nprocs; i++)
            if (m->procs[i].node == n)
                proc_line(m, &m->procs[i], &b);
    }
    across_nodes(m, &b);
    eb_puts(&b, "\n## Plain processes\n\n"
                "Copy `node-N/` to the machine planned as node N and run `sh launch.sh` there: it starts\n"
                "each process in the background (logs in `logs/`, process ids in `pids`) with\n"
                "`CUDA_VISIBLE_DEVICES` set to the GPUs the plan chose, and waits for them.  vLLM servers\n"
                "need `vllm` and `curl` on the PATH; llama-server reads its GGUF file from `models/` beside\n"
                "the script (convert or download the model at the type the plan sized; the file name says\n"
                "which); training jobs run your script (`TRAIN_SCRIPT`, default `train.py`).  A model the\n"
                "plan read from your own files (a checkpoint directory, a config.json, a .gguf) is loaded\n"
                "from `models/` too: each launch script names the path to copy from.\n");
    eb_puts(&b, "\n## Docker Compose\n\n"
                "`cd node-N && docker compose up -d` on the machine (NVIDIA Container Toolkit for the GPUs).\n"
                "Each server is a service of the official image (`vllm/vllm-openai`,\n"
                "`ghcr.io/ggml-org/llama.cpp:server`) with its GPUs as a device request; pin the image tags\n"
                "you tested instead of `latest`.  Nodes without a server have no compose file.\n");
    for (size_t i = 0; i < m->nprocs; i++)
        if (ep_span_head(&m->procs[i]) && m->procs[i].kind == EP_VLLM) {
            eb_printf(&b, "\nA vLLM replica across nodes has a compose file on each of its nodes, on the host's\n"
                          "network (Ray and NCCL open ports of their own): `docker compose up -d` on the head's first,\n"
                          "then `%s=ADDRESS-OF-THE-HEAD docker compose up -d` on the others.\n",
                      EP_HEAD_VAR);
            break;
        }
    size_t kube_files = 0;
    for (size_t n = 0; n < plan->nnodes; n++) {
        char path[64];
        snprintf(path, sizeof path, "kubernetes/node-%zu.yaml", n + 1);
        kube_files += emit_set_find(out, path) != NULL;
    }
    eb_puts(&b, "\n## Kubernetes\n\n");
    if (!kube_files) /* training jobs and the user's own programs are no Deployments */
        eb_puts(&b, "No manifests: the plan has no server to run as a Deployment (training jobs and your own\n"
                    "programs start from `launch.sh` or SkyPilot).\n");
    else
        eb_puts(&b, "Label each machine with the node it plays, then apply its file:\n\n```\n");
    for (size_t n = 0; n < plan->nnodes && kube_files; n++) {
        char path[64];
        snprintf(path, sizeof path, "kubernetes/node-%zu.yaml", n + 1);
        if (!emit_set_find(out, path))
            continue;
        eb_printf(&b, "kubectl label node MACHINE-%zu fedplan/node=node-%zu\n", n + 1, n + 1);
        for (size_t i = 0; i < m->nprocs; i++) /* the machines of its LeaderWorkerSets' workers */
            for (size_t j = 0; j < m->nprocs && m->procs[i].node == n && ep_span_head(&m->procs[i]); j++)
                if (m->procs[j].dep == m->procs[i].dep && m->procs[j].replica == m->procs[i].replica &&
                    m->procs[j].part)
                    eb_printf(&b, "kubectl label node MACHINE-%zu fedplan/node=node-%zu\n", m->procs[j].node + 1,
                              m->procs[j].node + 1);
        eb_printf(&b, "kubectl apply -f %s\n", path);
    }
    size_t servers = 0;
    for (size_t n = 0; n < plan->nnodes; n++)
        servers += ep_node_servers(m, n);
    if (kube_files)
        eb_puts(&b, "```\n");
    if (kube_files && servers)
        eb_puts(&b, "\n"
                "Each server is a Deployment of one pod, pinned by `nodeSelector` to its machine, with its\n"
                "GPUs as `nvidia.com/gpu` limits (the NVIDIA device plugin must run on the GPU nodes) and a\n"
                "readiness probe on `/health`.  Gated models read a token from the secret `hf-token`\n"
                "(`kubectl create secret generic hf-token --from-literal=token=...`).  The device plugin, not\n"
                "the manifest, picks which GPU of a node a pod gets.\n");
    int lws = 0, train_span = 0;
    for (size_t i = 0; i < m->nprocs; i++) {
        lws |= ep_span_head(&m->procs[i]) && m->procs[i].kind == EP_VLLM;
        train_span |= ep_span_head(&m->procs[i]) && m->procs[i].kind == EP_TRAIN;
    }
    if (lws)
        eb_puts(&b, "\nA vLLM replica across nodes is a LeaderWorkerSet (`leaderworkerset.x-k8s.io/v1`): install\n"
                    "its controller first (kubernetes-sigs/lws).  Its leader runs Ray's head and vLLM on the\n"
                    "head's machine, its workers join it from `LWS_LEADER_ADDRESS` (which LeaderWorkerSet\n"
                    "gives every pod) on the other machines of the replica, labelled as above; when one pod\n"
                    "restarts, the group restarts together.\n");
    if (train_span)
        eb_puts(&b, "\nA training job across nodes is an Indexed Job of one pod a machine (its index the\n"
                    "node's rank) and a headless Service naming pod 0, where the ranks meet; its DeepSpeed or\n"
                    "FSDP file is a ConfigMap.  The image is yours (your script, torch, transformers,\n"
                    "accelerate, DeepSpeed): replace `set-me-to-your-training-image` first.  A job whose\n"
                    "machines hold unequal shares of its GPUs has no manifest (one pod template fits them\n"
                    "all): `launch.sh` and SkyPilot start it.\n");
    if (m->max_share > 1) {
        eb_puts(&b, "\n### Processes that share a GPU\n\n"
                    "The plan puts several processes on one GPU (marked above).  On bare machines and with\n"
                    "Compose that just works: each vLLM process takes the share `--gpu-memory-utilization`\n"
                    "gives it, started one after the other.  Kubernetes hands out whole GPUs, so those nodes\n"
                    "need the NVIDIA device plugin's time-slicing: give it `kubernetes/time-slicing-config.yaml`\n"
                    "and label the nodes `nvidia.com/device-plugin.config=fedplan-shared`.  What that implies:\n\n"
                    "- each GPU is advertised several times and a pod's `nvidia.com/gpu: 1` is one slice: the\n"
                    "  scheduler may pair processes on a GPU differently from the plan, and two that together\n"
                    "  exceed the GPU will not both start (vLLM checks its share is free);\n"
                    "- there is no memory or fault isolation between pods on one GPU: the utilization flag is\n"
                    "  the only limit, and one process's crash or OOM can disturb the others;\n"
                    "- a pod asking for several slices may get them on the same GPU, which a tensor-parallel\n"
                    "  server cannot use: check where it landed, or plan it onto a node of its own;\n"
                    "- MPS (the plugin's other sharing mode) splits memory into equal parts, which the plan's\n"
                    "  unequal shares do not match.\n\n"
                    "Check with `nvidia-smi` on the node that the processes landed as planned.\n");
    }
    eb_puts(&b, "\n## SkyPilot\n\n");
    int any = 0;
    for (size_t n = 0; n < plan->nnodes; n++) {
        char path[64];
        snprintf(path, sizeof path, "skypilot/node-%zu.yaml", n + 1);
        if (emit_set_find(out, path)) {
            eb_printf(&b, "%ssky launch -c fedplan-node-%zu %s\n", any ? "" : "From this folder:\n\n```\n", n + 1, path);
            any = 1;
        }
    }
    if (!any)
        eb_puts(&b, "No node of this plan is an AWS, GCP or Azure instance: there is no SkyPilot task.\n");
    else
        eb_puts(&b, "```\n\nOne cluster per cloud node, the instance type the plan chose, this node's folder as the\n"
                    "workdir and the launch lines as `run:`.\n");
    for (size_t i = 0; i < m->nprocs && any; i++) {
        if (ep_span_head(&m->procs[i])) {
            eb_printf(&b, "\nA replica across nodes is one task of `num_nodes` machines, in its head's file: SkyPilot\n"
                          "starts them together with this whole folder as the workdir, and each runs its node's\n"
                          "`launch.sh` by `$SKYPILOT_NODE_RANK`, with `%s` the first of `$SKYPILOT_NODE_IPS`.\n",
                      EP_HEAD_VAR);
            break;
        }
    }
    eb_puts(&b, "\nSee docs/deploy.md in fedplan for where each flag comes from.\n");
    return emit_add(out, "README.md", &b, 0, err);
}
