/* compose.c: one compose.yaml per node with a server on it: a service per vLLM or llama.cpp
 * process, in the projects' official images, with the GPUs the plan gave it as a device
 * request (the Compose Deploy specification's devices: driver nvidia, device_ids,
 * capabilities [gpu]).  A service that shares a GPU starts after the one before it is
 * healthy (depends_on: service_healthy), as the launch script does.  Training jobs and
 * transformers programs are not servers: launch.sh has their lines.
 *
 * A vLLM replica across nodes has a compose.yaml on each of its nodes: one service in the vLLM
 * image running launch.sh's lines for that node (Ray's head and vLLM, or a Ray worker) on the
 * host's network, since Ray and NCCL reach the other machines on ports of their choosing.  The
 * workers' files read the head's address from FEDPLAN_HEAD_ADDRESS, which Compose interpolates. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "emit_int.h"

#define VLLM_IMAGE "vllm/vllm-openai:latest"
#define LLAMACPP_IMAGE "ghcr.io/ggml-org/llama.cpp:server"
#define LLAMACPP_CUDA_IMAGE "ghcr.io/ggml-org/llama.cpp:server-cuda" /* layers on a GPU */

/* a service's GPUs, as a device request of the planned ones, and its restart policy */
static void gpus_and_restart(const ep_proc *p, eb *b)
{
    if (p->ngpus) {
        eb_puts(b, "    deploy:\n      resources:\n        reservations:\n          devices:\n"
                   "            - driver: nvidia\n              device_ids: [");
        for (size_t i = 0; i < p->ngpus; i++)
            eb_printf(b, "%s\"%u\"", i ? ", " : "", p->gpu[i]);
        eb_puts(b, "]\n              capabilities: [gpu]\n");
    }
    eb_puts(b, "    restart: unless-stopped\n");
}

static void service(const ep_plan *m, const ep_proc *p, eb *b)
{
    ep_argv a;
    ep_server_args(m, p, 1, &a);
    const char *note;
    if (p->kind == EP_VLLM && (ep_vllm_quantization(p->w.weight_dtype, &note), note))
        eb_printf(b, "  # %s\n", note);
    eb_printf(b, "  %s:\n    image: %s\n    command: [", p->name, p->kind == EP_VLLM ? VLLM_IMAGE : p->ngpus ? LLAMACPP_CUDA_IMAGE : LLAMACPP_IMAGE);
    for (size_t k = 0; k < a.n; k++) {
        if (k)
            eb_puts(b, ", ");
        eb_quoted(b, a.v[k]);
    }
    eb_printf(b, "]\n    ports:\n      - \"%u:%u\"\n", p->port, p->port);
    if (p->kind == EP_VLLM) {
        /* PyTorch shares tensors between its processes through shared memory */
        eb_puts(b, "    ipc: host\n"
                   "    environment:\n      HF_TOKEN: \"${HF_TOKEN:-}\"\n"
                   "    volumes:\n      - \"${HOME}/.cache/huggingface:/root/.cache/huggingface\"\n");
        if (p->local[0]) /* the model copied beside the compose file (launch.sh says from where) */
            eb_puts(b, "      - \"./models:/models:ro\"\n");
        eb_printf(b, "    healthcheck:\n      test: [\"CMD\", \"python3\", \"-c\", "
                     "\"import urllib.request; urllib.request.urlopen('http://127.0.0.1:%u/health')\"]\n",
                  p->port);
    } else {
        eb_puts(b, "    volumes:\n      - \"./models:/models:ro\"\n");
        eb_printf(b, "    healthcheck:\n      test: [\"CMD\", \"curl\", \"-f\", \"http://127.0.0.1:%u/health\"]\n", p->port);
    }
    eb_puts(b, "      interval: 10s\n      timeout: 5s\n      retries: 5\n      start_period: 30m\n");
    if (p->after >= 0) {
        const ep_proc *q = &m->procs[p->after];
        eb_printf(b, "    depends_on:\n      %s:\n        condition: service_healthy\n", q->name);
    }
    gpus_and_restart(p, b);
}

/* a part of a vLLM replica across nodes: the node's lines of launch.sh in the container, on
 * the host's network.  Compose interpolates $ in the file: the lines' own are doubled, the
 * head's address and a quantized checkpoint's variable are Compose's to fill (or to refuse
 * when unset). */
static void ray_service(const ep_plan *m, const ep_proc *p, eb *b)
{
    char head[200], var[128];
    snprintf(head, sizeof head, "${%s:?set %s to the address of node-%zu}", EP_HEAD_VAR, EP_HEAD_VAR, p->head + 1);
    eb lines = {0};
    ep_ray_lines(m, p, "\001", 1, &lines);
    eb_printf(b, "  %s:\n    image: %s\n    network_mode: host\n    ipc: host\n"
                 "    entrypoint: [\"/bin/sh\", \"-c\"]\n    command:\n      - |\n",
              p->name, VLLM_IMAGE);
    int bol = 1;
    for (const char *c = lines.p; c && *c; c++) {
        if (bol && *c != '\n')
            eb_puts(b, "        ");
        bol = *c == '\n';
        if (*c == '$')
            eb_puts(b, "$$");
        else if (*c == '\001') { /* the first names what is missing; the others just use it */
            eb_printf(b, "%s", head[0] ? head : "${" EP_HEAD_VAR "}");
            head[0] = 0;
        }
        else
            eb_printf(b, "%c", *c);
    }
    if (lines.oom)
        b->oom = 1;
    eb_free(&lines);
    eb_puts(b, "    environment:\n      HF_TOKEN: \"${HF_TOKEN:-}\"\n");
    if (!p->part && ep_checkpoint_var(m, p, var, sizeof var)) {
        /* the model's name inside ${...:?...} and a YAML string: a '}', '"' or '$' would end or
         * change them, so only a model id's characters are kept */
        eb_printf(b, "      %s: \"${%s:?set %s to a quantized checkpoint of ", var, var, var);
        for (const char *c = p->model; *c; c++)
            eb_printf(b, "%c", isalnum((unsigned char)*c) || strchr("._/-", *c) ? *c : '?');
        eb_puts(b, "}\"\n");
    }
    eb_puts(b, "    volumes:\n      - \"${HOME}/.cache/huggingface:/root/.cache/huggingface\"\n");
    if (p->local[0])
        eb_puts(b, "      - \"./models:/models:ro\"\n");
    if (!p->part)
        eb_printf(b, "    healthcheck:\n      test: [\"CMD\", \"python3\", \"-c\", "
                     "\"import urllib.request; urllib.request.urlopen('http://127.0.0.1:%u/health')\"]\n"
                     "      interval: 10s\n      timeout: 5s\n      retries: 5\n      start_period: 30m\n",
                  p->port);
    gpus_and_restart(p, b);
}

static int ray_part(const ep_proc *p)
{
    return ep_spans(p) && p->kind == EP_VLLM;
}

int emit_compose(const ep_plan *m, emit_set *out, fp_error *err)
{
    for (size_t n = 0; n < m->in->plan->nnodes; n++) {
        size_t ray = 0;
        for (size_t i = 0; i < m->nprocs; i++)
            ray += m->procs[i].node == n && ray_part(&m->procs[i]);
        if (!ep_node_servers(m, n) && !ray)
            continue;
        eb b = {0};
        eb_printf(&b, "# fedplan: node %zu (%s): docker compose up -d\n", n + 1, ep_node_type(m, n));
        for (size_t i = 0; i < m->nprocs; i++) {
            const ep_proc *p = &m->procs[i];
            if (p->node == n && ray_part(p) && p->part)
                eb_printf(&b, "# %s: a Ray worker of node-%zu's cluster; up after node-%zu's, with\n"
                              "#   %s=ADDRESS-OF-NODE-%zu docker compose up -d\n",
                          p->name, p->head + 1, p->head + 1, EP_HEAD_VAR, p->head + 1);
            else if (p->node == n && ray_part(p))
                eb_printf(&b, "# %s: Ray's head and vLLM over %u nodes; start this node first\n", p->name, p->of);
            else if (p->node == n && !ep_is_server(p))
                eb_printf(&b, "# %s is no server: launch.sh starts it\n", p->name);
        }
        eb_puts(&b, "services:\n");
        for (size_t i = 0; i < m->nprocs; i++)
            if (m->procs[i].node == n && ray_part(&m->procs[i]))
                ray_service(m, &m->procs[i], &b);
            else if (m->procs[i].node == n && ep_is_server(&m->procs[i]))
                service(m, &m->procs[i], &b);
        char path[64];
        snprintf(path, sizeof path, "node-%zu/compose.yaml", n + 1);
        if (emit_add(out, path, &b, 0, err) != 0)
            return -1;
    }
    return 0;
}
