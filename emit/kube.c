/* kube.c: Kubernetes manifests, one file per node (kubernetes/node-N.yaml) with one
 * Deployment per placed server, pinned to the planned machine by the label fedplan/node
 * (the README says which machine gets which), its GPUs as nvidia.com/gpu limits, the host
 * memory the plan counted for it as a memory request, the same command line as launch.sh and
 * a readiness probe on the server's /health.
 *
 * Kubernetes hands out whole GPUs; a plan that puts several processes on one GPU needs the
 * NVIDIA device plugin's time-slicing (kubernetes/time-slicing-config.yaml), which advertises
 * each GPU several times and isolates nothing: the README says what that implies.  The device
 * plugin, not the manifest, chooses which GPU of the node a pod gets.
 *
 * A replica across nodes is one object in its head's file: a LeaderWorkerSet for vLLM (Ray's
 * head and vLLM in the leader, Ray workers beside it), an Indexed Job with a headless Service
 * for training (docs/deploy.md, "Across nodes"). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "emit_int.h"

#define VLLM_IMAGE "vllm/vllm-openai:latest"
#define LLAMACPP_IMAGE "ghcr.io/ggml-org/llama.cpp:server"
#define LLAMACPP_CUDA_IMAGE "ghcr.io/ggml-org/llama.cpp:server-cuda" /* layers on a GPU */

static int node_shares(const ep_plan *m, size_t n)
{
    for (size_t i = 0; i < m->nprocs; i++)
        if (m->procs[i].node == n && m->procs[i].shares_gpu && m->procs[i].kind == EP_VLLM)
            return 1;
    return 0;
}

/* text's lines into b, each indented by `in` spaces (empty lines stay empty) */
static void indented(eb *b, const eb *text, int in)
{
    for (const char *line = text->p; line && *line;) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        if (len)
            eb_printf(b, "%*s%.*s\n", in, "", (int)len, line);
        else
            eb_puts(b, "\n");
        line = nl ? nl + 1 : line + len;
    }
}

/* the host memory the plan counted for p's pod (requests.memory) */
static uint64_t pod_host_bytes(const ep_plan *m, const ep_proc *p)
{
    const scn_deployment *dp = &m->in->s->deps[p->dep];
    const sol_variant *v = &m->in->pb->deps[p->dep].variants[p->variant];
    uint64_t host = p->ngpus ? v->host_bytes : dp->device_bytes[p->variant] + dp->margin_bytes[p->variant];
    if (ep_spans(p) && p->all_gpus) { /* the share of its GPUs on this node, as the plan counts it */
        uint64_t all = p->all_gpus, here = p->ngpus;
        host = v->host_bytes / all * here + ((v->host_bytes % all) * here + all - 1) / all;
    }
    if (!p->ngpus && v->share) {
        /* replicas on this node mmapping one weights file hold one copy in the page cache: each
         * pod requests its own part and its share of the file, so that the scheduler's sum of
         * requests is what the plan packed */
        unsigned nrep = 0;
        for (size_t q = 0; q < m->nprocs; q++) {
            const ep_proc *o = &m->procs[q];
            nrep += o->node == p->node && !o->ngpus && m->in->pb->deps[o->dep].variants[o->variant].share == v->share;
        }
        uint64_t file = dp->shared_bytes[p->variant];
        host -= file;
        host += nrep ? (file + nrep - 1) / nrep : file;
    }
    return host;
}

/* the replica's nodes other than the head as a YAML flow list of their labels, "[node-2, node-3]" */
static void worker_nodes(const ep_plan *m, const ep_proc *p, int all, eb *b)
{
    int first = 1;
    eb_puts(b, "[");
    for (uint32_t part = all ? 0 : 1; part < p->of; part++)
        for (size_t i = 0; i < m->nprocs; i++) {
            const ep_proc *o = &m->procs[i];
            if (o->dep == p->dep && o->replica == p->replica && o->part == part) {
                eb_printf(b, "%snode-%zu", first ? "" : ", ", o->node + 1);
                first = 0;
            }
        }
    eb_puts(b, "]");
}

typedef enum {
    POD_SERVER,     /* one node: the server's own command line */
    POD_RAY_HEAD,   /* a LeaderWorkerSet's leader: Ray's head, then vLLM over the group */
    POD_RAY_WORKER  /* its workers: Ray workers joining the leader */
} pod_role;

/* text's lines into b, each indented by `in` spaces, and text freed: where text ran out of
 * memory, b is marked so (nothing is written from a text that is not whole) */
static void append_indented(eb *b, eb *text, int in)
{
    if (text->oom)
        b->oom = 1;
    else
        indented(b, text, in);
    eb_free(text);
}

/* A pod spec (its fields at column 0) running p in its role; workers: the parts of p's
 * replica other than the head, pinned to their nodes' labels, one to a machine. */
static void pod_spec(const ep_plan *m, const ep_proc *p, pod_role role, eb *b)
{
    ep_argv a;
    ep_server_args(m, p, 1, &a);
    char var[128];
    int ckpt = ep_checkpoint_var(m, p, var, sizeof var);
    if (ckpt) /* Kubernetes expands $(VAR) from the container's env, not ${VAR:?...} */
        snprintf(a.v[1], sizeof a.v[1], "$(%s)", var);
    if (role != POD_RAY_WORKER)
        eb_printf(b, "nodeSelector:\n  fedplan/node: node-%zu\n", p->node + 1);
    else {
        eb_puts(b, "affinity:\n  nodeAffinity:\n    requiredDuringSchedulingIgnoredDuringExecution:\n"
                   "      nodeSelectorTerms:\n        - matchExpressions:\n            - key: fedplan/node\n"
                   "              operator: In\n              values: ");
        worker_nodes(m, p, 0, b);
        eb_printf(b, "\n  # one worker to a machine, as planned\n  podAntiAffinity:\n"
                     "    requiredDuringSchedulingIgnoredDuringExecution:\n      - labelSelector:\n"
                     "          matchLabels:\n            app.kubernetes.io/instance: %s\n"
                     "        topologyKey: kubernetes.io/hostname\n",
                   p->name);
    }
    eb_printf(b, "containers:\n  - name: %s\n    image: %s\n", role == POD_RAY_WORKER ? "ray-worker" : "server",
              p->kind == EP_VLLM ? VLLM_IMAGE : p->ngpus ? LLAMACPP_CUDA_IMAGE : LLAMACPP_IMAGE);
    if (role == POD_SERVER) {
        eb_puts(b, "    args: [");
        for (size_t k = 0; k < a.n; k++) {
            if (k)
                eb_puts(b, ", ");
            eb_quoted(b, a.v[k]);
        }
        eb_puts(b, "]\n");
    } else {
        /* the same lines as launch.sh; LWS_LEADER_ADDRESS is the leader pod's address, which
         * LeaderWorkerSet puts in every pod's environment (Kubernetes expands $(...) in args) */
        eb lines = {0};
        ep_ray_lines(m, p, "$(LWS_LEADER_ADDRESS)", 1, &lines);
        eb_puts(b, "    command: [\"/bin/sh\", \"-c\"]\n    args:\n      - |\n");
        append_indented(b, &lines, 8);
    }
    if (role != POD_RAY_WORKER)
        eb_printf(b, "    ports:\n      - name: http\n        containerPort: %u\n", p->port);
    if (p->kind == EP_VLLM) /* Ray's workers load their stages' weights too */
        eb_puts(b, "    env:\n      - name: HF_TOKEN\n        valueFrom:\n          secretKeyRef:\n"
                   "            name: hf-token\n            key: token\n            optional: true\n");
    if (ckpt && role != POD_RAY_WORKER) {
        eb_printf(b, "      # replace with the quantized checkpoint; as written, vLLM stops: no such model\n"
                     "      - name: %s\n        value: ",
                  var);
        char ph[400];
        snprintf(ph, sizeof ph, "set-me-to-a-quantized-checkpoint-of-%s", p->model);
        eb_quoted(b, ph);
        eb_puts(b, "\n");
    }
    eb_printf(b, "    resources:\n      requests:\n        memory: %.0fMi\n",
              ceil((double)pod_host_bytes(m, p) / 1048576.0));
    if (p->ngpus)
        eb_printf(b, "      limits:\n        nvidia.com/gpu: %zu\n", p->ngpus);
    if (role != POD_RAY_WORKER)
        eb_printf(b, "    readinessProbe:\n      httpGet:\n        path: /health\n        port: %u\n"
                     "      initialDelaySeconds: 30\n      periodSeconds: 10\n      failureThreshold: 3\n",
                  p->port);
    if (p->kind == EP_VLLM && !p->local[0])
        eb_puts(b, "    volumeMounts:\n      - name: dshm\n        mountPath: /dev/shm\n"
                   "      - name: hf-cache\n        mountPath: /root/.cache/huggingface\n"
                   "volumes:\n  - name: dshm\n    emptyDir:\n      medium: Memory\n"
                   "  - name: hf-cache\n    emptyDir: {}\n");
    else if (p->kind == EP_VLLM) /* a local checkpoint: from the node's /models, as llama.cpp's files */
        eb_puts(b, "    volumeMounts:\n      - name: dshm\n        mountPath: /dev/shm\n"
                   "      - name: models\n        mountPath: /models\n        readOnly: true\n"
                   "volumes:\n  - name: dshm\n    emptyDir:\n      medium: Memory\n"
                   "  - name: models\n    hostPath:\n      path: /models\n"
                   "      type: Directory\n");
    else
        eb_puts(b, "    volumeMounts:\n      - name: models\n        mountPath: /models\n"
                   "        readOnly: true\n"
                   "volumes:\n  - name: models\n    hostPath:\n      path: /models\n"
                   "      type: Directory\n");
}

static void labels(const ep_proc *p, int in, eb *b)
{
    eb_printf(b, "%*slabels:\n%*s  app.kubernetes.io/instance: %s\n%*s  app.kubernetes.io/part-of: fedplan\n", in, "",
              in, "", p->name, in, "");
}

static void deployment(const ep_plan *m, const ep_proc *p, eb *b)
{
    const scn_deployment *dp = &m->in->s->deps[p->dep];
    eb_printf(b, "---\n# %s replica %u\n", dp->name, p->replica + 1);
    const char *note;
    if (p->kind == EP_VLLM && (ep_vllm_quantization(p->w.weight_dtype, &note), note))
        eb_printf(b, "# %s\n", note);
    eb_printf(b, "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: %s\n", p->name);
    labels(p, 2, b);
    eb_printf(b, "spec:\n  replicas: 1\n"
                 "  # one copy at a time: the GPU memory was planned for one\n"
                 "  strategy:\n    type: Recreate\n"
                 "  selector:\n    matchLabels:\n      app.kubernetes.io/instance: %s\n"
                 "  template:\n    metadata:\n",
              p->name);
    labels(p, 6, b);
    eb_puts(b, "    spec:\n");
    eb spec = {0};
    pod_spec(m, p, POD_SERVER, &spec);
    append_indented(b, &spec, 6);
}

/* A vLLM replica across nodes: a LeaderWorkerSet (leaderworkerset.x-k8s.io/v1, the
 * Kubernetes SIG API for multi-node inference, which vLLM's deployment guide uses) of one
 * group of `of` pods: the leader on the head's node runs Ray's head and vLLM, the workers
 * join it.  The group restarts as a whole when one of its pods does. */
static void leader_worker_set(const ep_plan *m, const ep_proc *p, eb *b)
{
    const scn_deployment *dp = &m->in->s->deps[p->dep];
    eb_printf(b, "---\n# %s replica %u, across %u nodes: the leader (Ray's head and vLLM) on node-%zu, Ray\n"
                 "# workers on the others.  Needs the LeaderWorkerSet controller (README.md).\n",
              dp->name, p->replica + 1, p->of, p->node + 1);
    const char *note;
    if (p->kind == EP_VLLM && (ep_vllm_quantization(p->w.weight_dtype, &note), note))
        eb_printf(b, "# %s\n", note);
    eb_printf(b, "apiVersion: leaderworkerset.x-k8s.io/v1\nkind: LeaderWorkerSet\nmetadata:\n  name: %s\n", p->name);
    labels(p, 2, b);
    eb_printf(b, "spec:\n  replicas: 1\n  leaderWorkerTemplate:\n    size: %u\n"
                 "    restartPolicy: RecreateGroupOnPodRestart\n    leaderTemplate:\n      metadata:\n",
              p->of);
    labels(p, 8, b);
    eb_puts(b, "      spec:\n");
    eb spec = {0};
    pod_spec(m, p, POD_RAY_HEAD, &spec);
    append_indented(b, &spec, 8);
    /* the workers' template: one for all, with the most GPUs a worker node holds (the nodes
     * are the replica's own: a worker holding fewer still gets its machine) */
    const ep_proc *w = NULL;
    for (size_t i = 0; i < m->nprocs; i++) {
        const ep_proc *o = &m->procs[i];
        if (o->dep == p->dep && o->replica == p->replica && o->part && (!w || o->ngpus > w->ngpus))
            w = o;
    }
    eb_puts(b, "    workerTemplate:\n      metadata:\n");
    labels(p, 8, b);
    eb_puts(b, "      spec:\n");
    if (w)
        pod_spec(m, w, POD_RAY_WORKER, &spec);
    append_indented(b, &spec, 8);
}

/* 1 when every node of p's replica holds as many of its GPUs (one pod template fits them all) */
static int even_parts(const ep_plan *m, const ep_proc *p)
{
    for (size_t i = 0; i < m->nprocs; i++) {
        const ep_proc *o = &m->procs[i];
        if (o->dep == p->dep && o->replica == p->replica && o->ngpus != p->ngpus)
            return 0;
    }
    return 1;
}

/* A training job across nodes: an Indexed Job (batch/v1, completionMode Indexed) of one pod a
 * node, its index the node's rank ($JOB_COMPLETION_INDEX), and a headless Service whose name
 * is the pods' subdomain, so that pod 0 is <job>-0.<service> to the others: torchrun's master
 * (static rendezvous), or accelerate's main process.  Its config file is a ConfigMap
 * mounted at /config; the image is the user's (their script, torch, transformers, DeepSpeed):
 * as written it names none that exists, and the pods do not start. */
static void training_job(const ep_plan *m, const ep_proc *p, eb *b)
{
    const scn_deployment *dp = &m->in->s->deps[p->dep];
    char cfg[128], head[200], rank[] = "\"$JOB_COMPLETION_INDEX\"";
    const char *c = ep_train_config(p, cfg, sizeof cfg);
    snprintf(head, sizeof head, "%s-0.%s", p->name, p->name);
    eb_printf(b, "---\n# %s replica %u, across %u nodes: an Indexed Job of one pod a node (its index the node's\n"
                 "# rank), meeting at pod 0, %s, which the headless Service below names\n",
              dp->name, p->replica + 1, p->of, head);
    eb_printf(b, "apiVersion: v1\nkind: Service\nmetadata:\n  name: %s\n", p->name);
    labels(p, 2, b);
    eb_printf(b, "spec:\n  clusterIP: None\n  selector:\n    app.kubernetes.io/instance: %s\n"
                 "  ports:\n    - name: rendezvous\n      port: %d\n",
              p->name, EP_RDZV_PORT);
    if (c) {
        eb_printf(b, "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s-config\n", p->name);
        labels(p, 2, b);
        eb_printf(b, "data:\n  %s: |\n", cfg);
        eb text = {0};
        if (p->fsdp)
            ep_fsdp_config(p, &text);
        else
            ep_ds_config(p, &text);
        append_indented(b, &text, 4);
    }
    eb_printf(b, "---\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: %s\n", p->name);
    labels(p, 2, b);
    eb_printf(b, "spec:\n  completionMode: Indexed\n  completions: %u\n  parallelism: %u\n"
                 "  # a rank lost is the job lost: torchrun's ranks do not rejoin\n  backoffLimit: 0\n"
                 "  template:\n    metadata:\n",
              p->of, p->of);
    labels(p, 6, b);
    eb_printf(b, "    spec:\n      subdomain: %s\n      restartPolicy: Never\n", p->name);
    eb spec = {0};
    eb_puts(&spec, "affinity:\n  nodeAffinity:\n    requiredDuringSchedulingIgnoredDuringExecution:\n"
                   "      nodeSelectorTerms:\n        - matchExpressions:\n            - key: fedplan/node\n"
                   "              operator: In\n              values: ");
    worker_nodes(m, p, 1, &spec);
    eb_printf(&spec, "\n  # one pod to a machine, as planned\n  podAntiAffinity:\n"
                     "    requiredDuringSchedulingIgnoredDuringExecution:\n      - labelSelector:\n"
                     "          matchLabels:\n            app.kubernetes.io/instance: %s\n"
                     "        topologyKey: kubernetes.io/hostname\n",
              p->name);
    eb_puts(&spec, "containers:\n  - name: train\n"
                   "    # yours: an image with the training script (TRAIN_SCRIPT), torch, transformers,\n"
                   "    # accelerate and DeepSpeed; as written no such image exists and the pods do not start\n"
                   "    image: set-me-to-your-training-image\n"
                   "    command: [\"/bin/sh\", \"-c\"]\n    args:\n      - |\n");
    eb line = {0};
    eb_puts(&line, "exec ");
    ep_train_command(p, rank, head, c ? "/config/" : "", &line);
    eb_puts(&line, "\n");
    if (line.oom)
        spec.oom = 1;
    else
        indented(&spec, &line, 8);
    eb_free(&line);
    eb_puts(&spec, "    env:\n      - name: HF_TOKEN\n        valueFrom:\n          secretKeyRef:\n"
                   "            name: hf-token\n            key: token\n            optional: true\n");
    eb_printf(&spec, "    resources:\n      requests:\n        memory: %.0fMi\n",
              ceil((double)pod_host_bytes(m, p) / 1048576.0));
    if (p->ngpus)
        eb_printf(&spec, "      limits:\n        nvidia.com/gpu: %zu\n", p->ngpus);
    eb_puts(&spec, "    volumeMounts:\n      - name: dshm\n        mountPath: /dev/shm\n");
    if (c)
        eb_puts(&spec, "      - name: config\n        mountPath: /config\n        readOnly: true\n");
    eb_puts(&spec, "volumes:\n  - name: dshm\n    emptyDir:\n      medium: Memory\n");
    if (c)
        eb_printf(&spec, "  - name: config\n    configMap:\n      name: %s-config\n", p->name);
    append_indented(b, &spec, 6);
}

/* what kubernetes/node-N.yaml holds for p: a Deployment, a LeaderWorkerSet or a Job */
static int kube_has(const ep_plan *m, const ep_proc *p)
{
    return ep_is_server(p) || (ep_span_head(p) && p->kind == EP_TRAIN && even_parts(m, p));
}

int emit_kube(const ep_plan *m, emit_set *out, fp_error *err)
{
    for (size_t n = 0; n < m->in->plan->nnodes; n++) {
        int any = 0;
        for (size_t i = 0; i < m->nprocs; i++)
            any |= m->procs[i].node == n && kube_has(m, &m->procs[i]);
        if (!any)
            continue;
        eb b = {0};
        eb_printf(&b, "# fedplan: node %zu (%s): label the machine first, then kubectl apply -f this file\n"
                      "#   kubectl label node MACHINE fedplan/node=node-%zu\n",
                  n + 1, ep_node_type(m, n), n + 1);
        for (size_t i = 0; i < m->nprocs; i++) /* the nodes of a LeaderWorkerSet's workers */
            for (size_t j = 0; j < m->nprocs && m->procs[i].node == n && ep_span_head(&m->procs[i]) &&
                               kube_has(m, &m->procs[i]);
                 j++)
                if (m->procs[j].dep == m->procs[i].dep && m->procs[j].replica == m->procs[i].replica &&
                    m->procs[j].part)
                    eb_printf(&b, "#   kubectl label node MACHINE-%zu fedplan/node=node-%zu   (%s, node %u of %u)\n",
                              m->procs[j].node + 1, m->procs[j].node + 1, m->procs[i].name, m->procs[j].part + 1,
                              m->procs[j].of);
        if (node_shares(m, n))
            eb_printf(&b, "#   kubectl label node MACHINE nvidia.com/device-plugin.config=fedplan-shared\n"
                          "# (several processes share a GPU here: see time-slicing-config.yaml and README.md)\n");
        for (size_t i = 0; i < m->nprocs; i++)
            if (m->procs[i].node == n && !kube_has(m, &m->procs[i]))
                continue;
            else if (m->procs[i].node == n && ep_span_head(&m->procs[i]) && m->procs[i].kind == EP_TRAIN)
                training_job(m, &m->procs[i], &b);
            else if (m->procs[i].node == n && ep_span_head(&m->procs[i]))
                leader_worker_set(m, &m->procs[i], &b);
            else if (m->procs[i].node == n && ep_is_server(&m->procs[i]))
                deployment(m, &m->procs[i], &b);
        char path[64];
        snprintf(path, sizeof path, "kubernetes/node-%zu.yaml", n + 1);
        if (emit_add(out, path, &b, 0, err) != 0)
            return -1;
    }
    if (m->max_share > 1) {
        eb b = {0};
        eb_printf(&b, "# fedplan: the NVIDIA device plugin's time-slicing, for the nodes where the plan puts\n"
                      "# several processes on one GPU (at most %u): each GPU is advertised %u times, with no\n"
                      "# memory or fault isolation between the pods that share it (README.md).  Give this\n"
                      "# ConfigMap to the device plugin (its config.name, in its namespace) and label those nodes\n"
                      "#   kubectl label node MACHINE nvidia.com/device-plugin.config=fedplan-shared\n"
                      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fedplan-time-slicing\ndata:\n"
                      "  fedplan-shared: |-\n    version: v1\n    sharing:\n      timeSlicing:\n        resources:\n"
                      "          - name: nvidia.com/gpu\n            replicas: %u\n",
                  m->max_share, m->max_share, m->max_share);
        if (emit_add(out, "kubernetes/time-slicing-config.yaml", &b, 0, err) != 0)
            return -1;
    }
    return 0;
}
