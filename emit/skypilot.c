/* skypilot.c: a SkyPilot task per cloud node (skypilot/node-N.yaml): resources (cloud,
 * region, instance_type, accelerators, the servers' ports), workdir the node's folder (its
 * training configs and models/ go with it), setup installing the runtimes, run the launch
 * lines.  SkyPilot names accelerators its own way ("L4:1", "A100-80GB:8"); the table below
 * maps fedplan's GPU names, and a GPU it lacks leaves accelerators out (the instance type
 * alone says what to launch).
 *
 * A replica spanning nodes is one task of num_nodes nodes (skypilot/node-H.yaml, H its head's
 * node): SkyPilot starts them together, syncs the emitted folder to each, and runs the same
 * run: on all; it picks the node's launch.sh by $SKYPILOT_NODE_RANK and takes the head's
 * address from the first line of $SKYPILOT_NODE_IPS (SkyPilot's distributed jobs guide).
 * The Ray head's port, 6379, is not SkyPilot's own Ray (6380). */
#include <stdio.h>
#include <string.h>

#include "emit_int.h"

static const struct {
    const char *gpu, *sky;
} accel[] = {
    {"t4", "T4"},           {"p100", "P100"},     {"p4", "P4"},         {"k80", "K80"},
    {"v100-16gb", "V100"},  {"v100-32gb", "V100-32GB"}, {"a10g", "A10G"}, {"a10", "A10"},
    {"a100-40gb", "A100"},  {"a100-80gb", "A100-80GB"}, {"l4", "L4"},     {"l40s", "L40S"},
    {"h100", "H100"},       {"h200", "H200"},     {"mi300x", "MI300X"},
};

static const char *sky_accelerator(const char *gpu)
{
    for (size_t i = 0; i < sizeof accel / sizeof accel[0]; i++)
        if (!strcmp(accel[i].gpu, gpu))
            return accel[i].sky;
    return NULL;
}

/* the process of node n that is part of a replica across nodes, or NULL */
static const ep_proc *span_proc(const ep_plan *m, size_t n)
{
    for (size_t i = 0; i < m->nprocs; i++)
        if (m->procs[i].node == n && ep_spans(&m->procs[i]))
            return &m->procs[i];
    return NULL;
}

/* run: of a task over the nodes of sp's replica: each node runs its own launch.sh */
static void span_run(const ep_plan *m, const ep_proc *sp, eb *b)
{
    eb_printf(b, "run: |\n  %s=$(echo \"$SKYPILOT_NODE_IPS\" | head -n 1)\n  export %s\n"
                 "  case \"$SKYPILOT_NODE_RANK\" in\n",
              EP_HEAD_VAR, EP_HEAD_VAR);
    for (uint32_t part = 0; part < sp->of; part++)
        for (size_t i = 0; i < m->nprocs; i++) {
            const ep_proc *p = &m->procs[i];
            if (p->dep == sp->dep && p->replica == sp->replica && p->part == part)
                eb_printf(b, "    %u) sh node-%zu/launch.sh ;;\n", part, p->node + 1);
        }
    eb_puts(b, "    *) echo \"no launch script for node rank $SKYPILOT_NODE_RANK\" >&2; exit 1 ;;\n  esac\n");
}

int emit_skypilot(const ep_plan *m, emit_set *out, fp_error *err)
{
    for (size_t n = 0; n < m->in->plan->nnodes; n++) {
        char cloud[16];
        const char *itype;
        if (!ep_node_cloud(m, n, cloud, sizeof cloud, &itype))
            continue;
        const ep_proc *sp = span_proc(m, n);
        if (sp && sp->part) /* its head's task starts it */
            continue;
        const inv_node *node = ep_node(m, n);
        eb b = {0};
        eb_printf(&b, "# fedplan: node %zu (%s); from the emitted folder: sky launch -c fedplan-node-%zu "
                      "skypilot/node-%zu.yaml\n",
                  n + 1, ep_node_type(m, n), n + 1, n + 1);
        if (sp) {
            eb_printf(&b, "# %s replica %u spans %u nodes: this task starts them all (rank 0, the head, is node-%zu)\n",
                      m->in->s->deps[sp->dep].name, sp->replica + 1, sp->of, n + 1);
            eb_printf(&b, "name: fedplan-node-%zu\nnum_nodes: %u\nworkdir: .\nresources:\n  cloud: %s\n", n + 1,
                      sp->of, cloud);
        } else
            eb_printf(&b, "name: fedplan-node-%zu\nworkdir: node-%zu\nresources:\n  cloud: %s\n", n + 1, n + 1, cloud);
        if (node->region[0]) {
            eb_puts(&b, "  region: ");
            eb_quoted(&b, node->region);
            eb_puts(&b, "\n");
        }
        eb_puts(&b, "  instance_type: ");
        eb_quoted(&b, itype);
        eb_puts(&b, "\n");
        if (m->in->s->nodes[m->in->plan->nodes[n].type].spot) /* the plan priced it as a spot instance */
            eb_puts(&b, "  use_spot: true\n");
        const char *acc = node->gpus ? sky_accelerator(node->gpu) : NULL;
        if (acc)
            eb_printf(&b, "  accelerators: \"%s:%u\"\n", acc, node->gpus);
        else if (node->gpus)
            eb_printf(&b, "  # accelerators: SkyPilot's name for %s is not known to fedplan\n", node->gpu);
        int vllm = 0, llama = 0, train = 0, ports = 0;
        for (size_t i = 0; i < m->nprocs; i++) {
            const ep_proc *p = &m->procs[i];
            if (p->node != n)
                continue;
            vllm |= p->kind == EP_VLLM;
            llama |= p->kind == EP_LLAMACPP;
            train |= p->kind == EP_TRAIN;
            if (p->port) {
                eb_printf(&b, "%s%u", ports ? ", " : "  ports: [", p->port);
                ports = 1;
            }
        }
        if (ports)
            eb_puts(&b, "]\n");
        eb_puts(&b, "setup: |\n");
        if (vllm && sp)
            eb_puts(&b, "  pip install vllm ray\n");
        else if (vllm)
            eb_puts(&b, "  pip install vllm\n");
        if (train)
            eb_puts(&b, "  pip install torch transformers accelerate deepspeed peft\n");
        if (llama)
            eb_puts(&b, "  # llama-server: install llama.cpp (its releases or your distribution's package)\n");
        if (!vllm && !train && !llama)
            eb_puts(&b, "  true\n");
        if (sp) {
            span_run(m, sp, &b);
            char path[64];
            snprintf(path, sizeof path, "skypilot/node-%zu.yaml", n + 1);
            if (emit_add(out, path, &b, 0, err) != 0)
                return -1;
            continue;
        }
        eb_puts(&b, "run: |\n");
        eb body = {0};
        emit_launch_body(m, n, 0, &body);
        if (body.oom) {
            eb_free(&body);
            eb_free(&b);
            return fp_fail(err, NULL, 0, 0, "out of memory");
        }
        /* the launch lines as a literal block, indented two spaces (empty lines stay empty) */
        for (const char *line = body.p; line && *line;) {
            const char *nl = strchr(line, '\n');
            size_t len = nl ? (size_t)(nl - line) : strlen(line);
            if (len)
                eb_printf(&b, "  %.*s\n", (int)len, line);
            else
                eb_puts(&b, "\n");
            line = nl ? nl + 1 : line + len;
        }
        eb_free(&body);
        char path[64];
        snprintf(path, sizeof path, "skypilot/node-%zu.yaml", n + 1);
        if (emit_add(out, path, &b, 0, err) != 0)
            return -1;
    }
    return 0;
}
