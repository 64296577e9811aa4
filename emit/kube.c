/* kube.c: Kubernetes manifests, one file per node (kubernetes/node-N.yaml) with one
 * Deployment per placed server, pinned to the planned machine by the label fedplan/node
 * (the README says which machine gets which), its GPUs as nvidia.com/gpu limits, the host
 * memory the plan counted for it as a memory request, the same command line as launch.sh and
 * a readiness probe on the server's /health.
 *
 * Kubernetes hands out whole GPUs; a plan that puts several processes on one GPU needs the
 * NVIDIA device plugin's time-slicing (kubernetes/time-slicing-config.yaml), which advertises
 * each GPU several times and isolates nothing: the README says what that implies.  The device
 * plugin, not the manifest, chooses which GPU of the node a pod gets. */
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

static void deployment(const ep_plan *m, const ep_proc *p, eb *b)
{
    const scn_deployment *dp = &m->in->s->deps[p->dep];
    const sol_variant *v = &m->in->pb->deps[p->dep].variants[p->variant];
    ep_argv a;
    ep_server_args(m, p, 1, &a);
    char var[128];
    int ckpt = ep_checkpoint_var(m, p, var, sizeof var);
    if (ckpt) /* Kubernetes expands $(VAR) from the container's env, not ${VAR:?...} */
        snprintf(a.v[1], sizeof a.v[1], "$(%s)", var);
    uint64_t host = p->ngpus ? v->host_bytes : dp->device_bytes[p->variant] + dp->margin_bytes[p->variant];
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
    eb_printf(b, "---\n# %s replica %u\n", dp->name, p->replica + 1);
    const char *note;
    if (p->kind == EP_VLLM && (ep_vllm_quantization(p->w.weight_dtype, &note), note))
        eb_printf(b, "# %s\n", note);
    eb_printf(b, "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: %s\n  labels:\n"
                 "    app.kubernetes.io/instance: %s\n    app.kubernetes.io/part-of: fedplan\n"
                 "spec:\n  replicas: 1\n"
                 "  # one copy at a time: the GPU memory was planned for one\n"
                 "  strategy:\n    type: Recreate\n"
                 "  selector:\n    matchLabels:\n      app.kubernetes.io/instance: %s\n"
                 "  template:\n    metadata:\n      labels:\n        app.kubernetes.io/instance: %s\n"
                 "        app.kubernetes.io/part-of: fedplan\n"
                 "    spec:\n      nodeSelector:\n        fedplan/node: node-%zu\n"
                 "      containers:\n        - name: server\n          image: %s\n          args: [",
              p->name, p->name, p->name, p->name, p->node + 1, p->kind == EP_VLLM ? VLLM_IMAGE : p->ngpus ? LLAMACPP_CUDA_IMAGE : LLAMACPP_IMAGE);
    for (size_t k = 0; k < a.n; k++) {
        if (k)
            eb_puts(b, ", ");
        eb_quoted(b, a.v[k]);
    }
    eb_printf(b, "]\n          ports:\n            - name: http\n              containerPort: %u\n", p->port);
    if (p->kind == EP_VLLM)
        eb_puts(b, "          env:\n            - name: HF_TOKEN\n              valueFrom:\n                secretKeyRef:\n"
                   "                  name: hf-token\n                  key: token\n                  optional: true\n");
    if (ckpt) {
        eb_printf(b, "            # replace with the quantized checkpoint; as written, vLLM stops: no such model\n"
                     "            - name: %s\n              value: ",
                  var);
        char ph[400];
        snprintf(ph, sizeof ph, "set-me-to-a-quantized-checkpoint-of-%s", p->model);
        eb_quoted(b, ph);
        eb_puts(b, "\n");
    }
    eb_printf(b, "          resources:\n            requests:\n              memory: %.0fMi\n",
              ceil((double)host / 1048576.0));
    if (p->ngpus)
        eb_printf(b, "            limits:\n              nvidia.com/gpu: %zu\n", p->ngpus);
    eb_printf(b, "          readinessProbe:\n            httpGet:\n              path: /health\n              port: %u\n"
                 "            initialDelaySeconds: 30\n            periodSeconds: 10\n            failureThreshold: 3\n",
              p->port);
    if (p->kind == EP_VLLM && !p->local[0])
        eb_puts(b, "          volumeMounts:\n            - name: dshm\n              mountPath: /dev/shm\n"
                   "            - name: hf-cache\n              mountPath: /root/.cache/huggingface\n"
                   "      volumes:\n        - name: dshm\n          emptyDir:\n            medium: Memory\n"
                   "        - name: hf-cache\n          emptyDir: {}\n");
    else if (p->kind == EP_VLLM) /* a local checkpoint: from the node's /models, as llama.cpp's files */
        eb_puts(b, "          volumeMounts:\n            - name: dshm\n              mountPath: /dev/shm\n"
                   "            - name: models\n              mountPath: /models\n              readOnly: true\n"
                   "      volumes:\n        - name: dshm\n          emptyDir:\n            medium: Memory\n"
                   "        - name: models\n          hostPath:\n            path: /models\n"
                   "            type: Directory\n");
    else
        eb_puts(b, "          volumeMounts:\n            - name: models\n              mountPath: /models\n"
                   "              readOnly: true\n"
                   "      volumes:\n        - name: models\n          hostPath:\n            path: /models\n"
                   "            type: Directory\n");
}

int emit_kube(const ep_plan *m, emit_set *out, fp_error *err)
{
    for (size_t n = 0; n < m->in->plan->nnodes; n++) {
        if (!ep_node_servers(m, n))
            continue;
        eb b = {0};
        eb_printf(&b, "# fedplan: node %zu (%s): label the machine first, then kubectl apply -f this file\n"
                      "#   kubectl label node MACHINE fedplan/node=node-%zu\n",
                  n + 1, ep_node_type(m, n), n + 1);
        if (node_shares(m, n))
            eb_printf(&b, "#   kubectl label node MACHINE nvidia.com/device-plugin.config=fedplan-shared\n"
                          "# (several processes share a GPU here: see time-slicing-config.yaml and README.md)\n");
        for (size_t i = 0; i < m->nprocs; i++)
            if (m->procs[i].node == n && ep_is_server(&m->procs[i]))
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
