/* report.c: what a plan, a comparison and a sweep look like: JSON objects (the contract;
 * YAML, CSV and HTML are renderings of them) and tables for people. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/units.h"
#include "report.h"



static const char *status_name(sol_status s)
{
    return s == SOL_OPTIMAL ? "optimal" : s == SOL_FEASIBLE ? "feasible" : "infeasible";
}

/* What the bound bounds (docs/formats.md): every replica, the placed ones, or nothing. */
static const char *scope_name(sol_bound_scope s)
{
    return s == SOL_BOUND_ALL ? "all" : s == SOL_BOUND_PLACED ? "placed" : "none";
}

/* The solver bounds nodes for the nodes goal, and when every node type is free (its cost
 * goal is then the node count); else dollars per hour. */
static int bound_in_nodes(const sol_problem *pb)
{
    return pb->goal == SOL_GOAL_NODES || sol_costs_free(pb);
}

static uint32_t unplaced_replicas(const sol_plan *plan)
{
    uint32_t un = 0;
    for (size_t u = 0; u < plan->nunplaced; u++)
        un += plan->unplaced[u].count;
    return un;
}

/* The gap to six decimals, and never 0 when the plan is not met by its bound: a plan a few
 * micro-dollars from its bound (costs in whole units, docs/solver.md) is not proven */
static double json_gap(double gap)
{
    double g = round(gap * 1e6) / 1e6;
    return g == 0 && gap > 0 ? 1e-6 : g;
}

/* bound and gap as JSON: null when there is no bound */
static json_t *json_bound(const sol_plan *plan, double v)
{
    return plan->bound_scope == SOL_BOUND_NONE || isnan(v) ? json_null() : json_real(v);
}

/* the --gpu-memory-utilization a vLLM shard starts with (scenarios/plan.c: the launch files
 * emit/ writes use the same figure) */
static double vllm_util(const scenario *s, const sol_shard *sh, const inv_node *node)
{
    return scn_vllm_utilization(s, sh->dep, sh->variant, node);
}

/* what a placed shard takes by the estimate (the process's device figure) and the margin kept
 * beside it; the solver packs their sum (sol_variant.shard_bytes) */
static uint64_t shard_est(const scenario *s, const sol_shard *sh)
{
    /* a llama.cpp replica sharing its weights file: its own part (the file is the node's, once) */
    return s->deps[sh->dep].device_bytes[sh->variant] - s->deps[sh->dep].shared_bytes[sh->variant];
}

/* Is host shard k of node nd the first one there of its weights file?  Its bytes are then the
 * node's one copy of the file (0 when it shares none or is not the first). */
uint64_t report_shared_first(const scenario *s, const sol_problem *pb, const sol_node *nd, size_t k)
{
    const sol_shard *sh = &nd->shards[k];
    const sol_variant *v = &pb->deps[sh->dep].variants[sh->variant];
    if (sh->gpu != -1 || !v->share)
        return 0;
    for (size_t j = 0; j < k; j++) {
        const sol_shard *o = &nd->shards[j];
        if (o->gpu == -1 && pb->deps[o->dep].variants[o->variant].share == v->share)
            return 0;
    }
    return s->deps[sh->dep].shared_bytes[sh->variant];
}

/* replicas on node nd that share the weights file of host shard k */
static unsigned shared_count(const sol_problem *pb, const sol_node *nd, size_t k)
{
    uint32_t id = pb->deps[nd->shards[k].dep].variants[nd->shards[k].variant].share;
    unsigned n = 0;
    for (size_t j = 0; j < nd->nshards; j++)
        n += nd->shards[j].gpu == -1 && pb->deps[nd->shards[j].dep].variants[nd->shards[j].variant].share == id;
    return n;
}
static uint64_t shard_margin(const scenario *s, const sol_shard *sh)
{
    return s->deps[sh->dep].margin_bytes[sh->variant];
}

static void bar(char *buf, size_t width, double used, double cap)
{
    size_t fill = cap > 0 ? (size_t)lround(used / cap * (double)width) : 0;
    if (fill > width)
        fill = width;
    for (size_t i = 0; i < width; i++)
        buf[i] = i < fill ? '#' : '.';
    buf[width] = 0;
}

/* The GPU replica of shard k, counted on this node once: at its lowest shard here (shard 0 on
 * one node).  Its host memory here: all of it on one node; spread over the nodes of a replica
 * that spans them, the share of the GPUs this node holds, rounded up (solver.h, sol_variant). */
static uint64_t proc_host_here(const sol_problem *pb, const sol_node *nd, size_t k)
{
    const sol_shard *sh = &nd->shards[k];
    const sol_variant *v = &pb->deps[sh->dep].variants[sh->variant];
    uint64_t here = 0, all = sol_variant_gpus(v);
    for (size_t q = 0; q < nd->nshards; q++) {
        const sol_shard *o = &nd->shards[q];
        if (o->dep != sh->dep || o->replica != sh->replica)
            continue;
        if (o->shard < sh->shard)
            return 0; /* not its lowest shard here */
        here++;
    }
    return v->host_bytes / all * here + ((v->host_bytes % all) * here + all - 1) / all;
}

static int proc_first_here(const sol_node *nd, size_t k)
{
    const sol_shard *sh = &nd->shards[k];
    for (size_t q = 0; q < nd->nshards; q++)
        if (nd->shards[q].dep == sh->dep && nd->shards[q].replica == sh->replica && nd->shards[q].shard < sh->shard)
            return 0;
    return 1;
}

json_t *report_plan_json(const scenario *s, const sol_problem *pb, const sol_plan *plan, char (*reasons)[256])
{
    json_t *o = json_object();
    json_object_set_new(o, "scenario", json_string(s->file));
    if (s->name[0])
        json_object_set_new(o, "name", json_string(s->name));
    json_object_set_new(o, "status", json_string(status_name(plan->status)));
    if (plan->interrupted)
        json_object_set_new(o, "interrupted", json_true());
    if (plan->wall_limited)
        json_object_set_new(o, "wall_limited", json_true());
    json_object_set_new(o, "goal", json_string(pb->goal == SOL_GOAL_COST ? "cost" : "nodes"));
    json_t *obj = json_object();
    json_object_set_new(obj, "cost_per_hour", json_real(round(plan->cost * 1e6) / 1e6));
    json_object_set_new(obj, "cost_per_month", json_real(round(plan->cost * 730.0 * 100.0) / 100.0));
    json_object_set_new(obj, "nodes", json_integer((json_int_t)plan->nnodes));
    json_object_set_new(o, "objective", obj);
    json_object_set_new(o, "bound", json_bound(plan, plan->bound));
    json_object_set_new(o, "bound_unit", json_string(bound_in_nodes(pb) ? "nodes" : "dollars_per_hour"));
    json_object_set_new(o, "bound_scope", json_string(scope_name(plan->bound_scope)));
    json_object_set_new(o, "gap", json_bound(plan, json_gap(plan->gap)));
    json_t *nodes = json_array();
    for (size_t n = 0; n < plan->nnodes; n++) {
        const sol_node *nd = &plan->nodes[n];
        const sol_node_type *t = &pb->types[nd->type];
        const scn_node_choice *nc = &s->nodes[nd->type];
        json_t *j = json_object();
        json_object_set_new(j, "id", json_integer((json_int_t)n + 1));
        json_object_set_new(j, "type", json_string(t->name));
        json_object_set_new(j, "cost_per_hour", json_real(t->cost));
        if (nc->priced) { /* the catalog's price: which one (docs/formats.md, "Prices") */
            json_object_set_new(j, "price", json_string(nc->spot ? "spot" : "on_demand"));
            if (nc->node.region[0])
                json_object_set_new(j, "region", json_string(nc->node.region));
            json_object_set_new(j, "price_date", json_string(nc->node.price_date[0] ? nc->node.price_date : "undated"));
        }
        uint64_t host_used = 0, host_margin = 0;
        json_t *hostd = json_array();
        json_t *gpus = json_array();
        for (uint32_t g = 0; g < t->gpus; g++) {
            json_t *gj = json_object();
            uint64_t used = 0, margin = 0;
            json_t *shards = json_array();
            for (size_t k = 0; k < nd->nshards; k++) {
                const sol_shard *sh = &nd->shards[k];
                if (sh->gpu != (int32_t)g)
                    continue;
                const sol_variant *v = &pb->deps[sh->dep].variants[sh->variant];
                used += shard_est(s, sh);
                margin += shard_margin(s, sh);
                json_t *x = json_object();
                json_object_set_new(x, "deployment", json_string(pb->deps[sh->dep].name));
                json_object_set_new(x, "replica", json_integer(sh->replica + 1));
                json_object_set_new(x, "shard", json_integer(sh->shard));
                json_object_set_new(x, "tp", json_integer(s->deps[sh->dep].vtp[sh->variant]));
                json_object_set_new(x, "gpus", json_integer(sol_variant_gpus(v)));
                json_object_set_new(x, "bytes", json_integer((json_int_t)shard_est(s, sh)));
                json_object_set_new(x, "margin_bytes", json_integer((json_int_t)shard_margin(s, sh)));
                double u = vllm_util(s, sh, &nc->node);
                if (u > 0)
                    json_object_set_new(x, "vllm_gpu_memory_utilization", json_real(u));
                json_array_append_new(shards, x);
            }
            json_object_set_new(gj, "index", json_integer(g));
            json_object_set_new(gj, "capacity_bytes", json_integer((json_int_t)t->gpu_bytes));
            json_object_set_new(gj, "used_bytes", json_integer((json_int_t)used));
            json_object_set_new(gj, "margin_bytes", json_integer((json_int_t)margin));
            json_object_set_new(gj, "shards", shards);
            json_array_append_new(gpus, gj);
        }
        json_t *procs = json_array(); /* GPU replicas' own host memory */
        json_t *shared = json_array(); /* weights files shared through the page cache */
        for (size_t k = 0; k < nd->nshards; k++) {
            const sol_shard *sh = &nd->shards[k];
            const sol_variant *v = &pb->deps[sh->dep].variants[sh->variant];
            if (sh->gpu != -1) {
                if (v->host_bytes && proc_first_here(nd, k)) { /* once per replica and node */
                    uint64_t hb = proc_host_here(pb, nd, k);
                    host_used += hb;
                    json_t *x = json_object();
                    json_object_set_new(x, "deployment", json_string(pb->deps[sh->dep].name));
                    json_object_set_new(x, "replica", json_integer(sh->replica + 1));
                    json_object_set_new(x, "bytes", json_integer((json_int_t)hb));
                    json_array_append_new(procs, x);
                }
                continue;
            }
            host_used += shard_est(s, sh);
            host_margin += shard_margin(s, sh);
            json_t *x = json_object();
            json_object_set_new(x, "deployment", json_string(pb->deps[sh->dep].name));
            json_object_set_new(x, "replica", json_integer(sh->replica + 1));
            json_object_set_new(x, "bytes", json_integer((json_int_t)shard_est(s, sh)));
            json_object_set_new(x, "margin_bytes", json_integer((json_int_t)shard_margin(s, sh)));
            json_array_append_new(hostd, x);
            uint64_t file = report_shared_first(s, pb, nd, k);
            if (file) { /* the node's one copy of a weights file its replicas share */
                host_used += file;
                json_t *f = json_object();
                json_object_set_new(f, "model", json_string(s->deps[sh->dep].model));
                json_object_set_new(f, "bytes", json_integer((json_int_t)file));
                json_object_set_new(f, "replicas", json_integer(shared_count(pb, nd, k)));
                json_array_append_new(shared, f);
            }
        }
        json_t *host = json_object();
        json_object_set_new(host, "capacity_bytes", json_integer((json_int_t)t->host_bytes));
        /* host deployments and GPU processes together: what the solver packs into capacity_bytes */
        json_object_set_new(host, "used_bytes", json_integer((json_int_t)host_used));
        json_object_set_new(host, "margin_bytes", json_integer((json_int_t)host_margin));
        json_object_set_new(host, "deployments", hostd);
        if (json_array_size(procs))
            json_object_set_new(host, "gpu_processes", procs);
        else
            json_decref(procs);
        if (json_array_size(shared))
            json_object_set_new(host, "shared_weights", shared);
        else
            json_decref(shared);
        json_object_set_new(j, "host", host);
        json_object_set_new(j, "gpus", gpus);
        sol_span sp;
        if (sol_node_span(pb, plan, n, &sp)) { /* part of a replica that spans nodes */
            json_t *x = json_object();
            json_object_set_new(x, "deployment", json_string(pb->deps[sp.dep].name));
            json_object_set_new(x, "replica", json_integer(sp.replica + 1));
            json_object_set_new(x, "node", json_integer(sp.part));
            json_object_set_new(x, "of", json_integer(sp.of));
            json_object_set_new(x, "tp", json_integer(s->deps[sp.dep].vtp[sp.variant]));
            json_object_set_new(x, "pp", json_integer(s->deps[sp.dep].vpp[sp.variant]));
            json_object_set_new(j, "span", x);
        }
        json_array_append_new(nodes, j);
    }
    json_object_set_new(o, "nodes", nodes);
    json_t *un = json_array();
    for (size_t u = 0; u < plan->nunplaced; u++) {
        json_t *x = json_object();
        json_object_set_new(x, "deployment", json_string(pb->deps[plan->unplaced[u].dep].name));
        json_object_set_new(x, "count", json_integer(plan->unplaced[u].count));
        json_object_set_new(x, "reason", json_string(reasons[u]));
        json_array_append_new(un, x);
    }
    json_object_set_new(o, "unplaced", un);
    json_t *deps = json_array();
    for (size_t d = 0; d < pb->ndeps; d++) {
        json_t *x = json_object();
        json_object_set_new(x, "name", json_string(pb->deps[d].name));
        json_object_set_new(x, "replicas", json_integer(pb->deps[d].replicas));
        json_object_set_new(x, "on", json_string(pb->deps[d].variants[0].on_host ? "host" : "gpu"));
        json_t *vs = json_array();
        for (size_t v = 0; v < pb->deps[d].nvariants; v++) {
            json_t *y = json_object();
            json_object_set_new(y, "tp", json_integer(s->deps[d].vtp[v]));
            json_object_set_new(y, "gpus", json_integer(pb->deps[d].variants[v].on_host ? 0
                                                                                      : sol_variant_gpus(&pb->deps[d].variants[v])));
            if (pb->deps[d].variants[v].max_nodes > 1) { /* a replica that may span nodes */
                json_object_set_new(y, "pp", json_integer(s->deps[d].vpp[v]));
                json_object_set_new(y, "max_nodes", json_integer(pb->deps[d].variants[v].max_nodes));
            }
            json_object_set_new(y, "bytes_per_shard", json_integer((json_int_t)s->deps[d].device_bytes[v]));
            json_object_set_new(y, "margin_per_shard", json_integer((json_int_t)s->deps[d].margin_bytes[v]));
            if (pb->deps[d].variants[v].host_bytes)
                json_object_set_new(y, "host_bytes_per_replica", json_integer((json_int_t)pb->deps[d].variants[v].host_bytes));
            json_array_append_new(vs, y);
        }
        json_object_set_new(x, "variants", vs);
        json_array_append_new(deps, x);
    }
    json_object_set_new(o, "deployments", deps);
    return o;
}

/* ---------------------------------------------------------------- CSV */

/* obj's scalars into row (prefix before each key); arrays of scalars as one ';'-joined cell;
 * objects and arrays of objects are the caller's (other records).  0, or -1 out of memory. */
static int csv_scalars(json_t *row, const json_t *obj, const char *prefix)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)obj, k, v)
    {
        char key[128];
        snprintf(key, sizeof key, "%s%s", prefix, k);
        if (json_is_object(v))
            continue;
        if (json_is_array(v)) {
            size_t i, n = 0;
            json_t *x;
            int scalars = 1;
            json_array_foreach(v, i, x) scalars &= json_is_string(x) || json_is_number(x);
            if (!scalars || !json_array_size(v))
                continue;
            char cell[1024] = "";
            json_array_foreach(v, i, x)
            {
                char one[256];
                if (json_is_string(x))
                    snprintf(one, sizeof one, "%s", json_string_value(x));
                else
                    snprintf(one, sizeof one, "%g", json_number_value(x));
                n += (size_t)snprintf(cell + n, n < sizeof cell ? sizeof cell - n : 0, "%s%s", i ? ";" : "", one);
            }
            if (json_object_set_new(row, key, json_string(cell)) != 0)
                return -1;
            continue;
        }
        if (json_object_set(row, key, v) != 0)
            return -1;
    }
    return 0;
}

static json_t *csv_row(json_t *rows, const char *record)
{
    json_t *row = json_object();
    if (!row || json_object_set_new(row, "record", json_string(record)) != 0 || json_array_append_new(rows, row) != 0)
        return NULL;
    return row;
}

json_t *report_plan_csv_rows(const json_t *o)
{
    json_t *rows = json_array(), *row;
    int bad = !rows;
    if (!bad && (!(row = csv_row(rows, "plan")) || csv_scalars(row, o, "") ||
                 csv_scalars(row, json_object_get(o, "objective"), "")))
        bad = 1;
    size_t i, j, k;
    json_t *nd, *g, *x;
    json_array_foreach(json_object_get(o, "nodes"), i, nd)
    {
        const json_t *host = json_object_get(nd, "host");
        json_t *id = json_object_get(nd, "id");
        if (bad || !(row = csv_row(rows, "node")) || json_object_set(row, "node", id) || csv_scalars(row, nd, "") ||
            json_object_del(row, "id") || csv_scalars(row, host, "host_") ||
            csv_scalars(row, json_object_get(nd, "span"), "span_")) {
            bad = 1;
            break;
        }
        json_array_foreach(json_object_get(nd, "gpus"), j, g)
        {
            json_t *index = json_object_get(g, "index");
            if (!(row = csv_row(rows, "gpu")) || json_object_set(row, "node", id) || json_object_set(row, "gpu", index) ||
                csv_scalars(row, g, "") || json_object_del(row, "index")) {
                bad = 1;
                break;
            }
            json_array_foreach(json_object_get(g, "shards"), k, x)
            {
                if (!(row = csv_row(rows, "shard")) || json_object_set(row, "node", id) ||
                    json_object_set(row, "gpu", index) || csv_scalars(row, x, "")) {
                    bad = 1;
                    break;
                }
            }
        }
        const char *lists[3][2] = {{"deployments", "host_deployment"}, {"gpu_processes", "host_process"},
                                   {"shared_weights", "host_shared_weights"}};
        for (int l = 0; l < 3 && !bad; l++)
            json_array_foreach(json_object_get(host, lists[l][0]), j, x)
            {
                if (!(row = csv_row(rows, lists[l][1])) || json_object_set(row, "node", id) ||
                    json_object_set_new(row, "gpu", json_string("host")) || csv_scalars(row, x, "")) {
                    bad = 1;
                    break;
                }
            }
    }
    json_array_foreach(json_object_get(o, "unplaced"), i, x)
    {
        if (bad || !(row = csv_row(rows, "unplaced")) || csv_scalars(row, x, "")) {
            bad = 1;
            break;
        }
    }
    json_array_foreach(json_object_get(o, "deployments"), i, x)
    {
        json_array_foreach(json_object_get(x, "variants"), j, g)
        {
            if (bad || !(row = csv_row(rows, "variant")) ||
                json_object_set(row, "deployment", json_object_get(x, "name")) || csv_scalars(row, x, "") ||
                json_object_del(row, "name") || csv_scalars(row, g, "")) {
                bad = 1;
                break;
            }
        }
    }
    if (bad) {
        json_decref(rows);
        return NULL;
    }
    return rows;
}

void report_plan_table(const scenario *s, const sol_problem *pb, const sol_plan *plan, char (*reasons)[256])
{
    char b[64];
    size_t placed = 0, total = 0;
    for (size_t d = 0; d < pb->ndeps; d++)
        total += pb->deps[d].replicas;
    placed = total;
    for (size_t u = 0; u < plan->nunplaced; u++)
        placed -= plan->unplaced[u].count;
    printf("plan       %s%s%s%s\n", s->file, s->name[0] ? " (" : "", s->name, s->name[0] ? ")" : "");
    printf("status     %s%s: ", status_name(plan->status),
           plan->interrupted ? " (interrupted)" : plan->wall_limited ? " (stopped by the wall-clock guard)" : "");
    if (plan->bound_scope == SOL_BOUND_NONE) {
        uint32_t un = unplaced_replicas(plan);
        printf("bound none (%u replica%s unplaced)\n", un, un == 1 ? "" : "s");
    } else {
        if (bound_in_nodes(pb))
            printf("bound %.0f node%s", plan->bound, plan->bound == 1 ? "" : "s");
        else
            /* to a tenth of a cent, rounded down unless it is the plan's own cost (optimal, or met
             * for the placed replicas): still a bound */
            printf("bound $%.3f/h", plan->status == SOL_OPTIMAL || plan->gap == 0
                                        ? plan->bound
                                        : floor(plan->bound * 1000.0 + 1e-6) / 1000.0);
        printf("%s, gap %.1f %%\n", plan->bound_scope == SOL_BOUND_PLACED ? " for the placed replicas" : "",
               plan->gap * 100.0);
    }
    printf("placed     %zu of %zu replicas on %zu node%s", placed, total, plan->nnodes, plan->nnodes == 1 ? "" : "s");
    /* nodes by type */
    const char *sep = ": ";
    for (size_t t = 0; t < pb->ntypes; t++) {
        size_t k = 0;
        for (size_t n = 0; n < plan->nnodes; n++)
            k += plan->nodes[n].type == t;
        if (k) {
            printf("%s%zu x %s", sep, k, pb->types[t].name);
            sep = ", ";
        }
    }
    /* replicas that span nodes: how many nodes each deployment's take (read off their first nodes) */
    for (size_t n0 = 0; n0 < plan->nnodes; n0++) {
        sol_span first;
        if (!sol_node_span(pb, plan, n0, &first) || first.part != 1)
            continue;
        int seen = 0; /* this deployment printed already */
        for (size_t n = 0; n < n0 && !seen; n++) {
            sol_span sp;
            seen = sol_node_span(pb, plan, n, &sp) && sp.part == 1 && sp.dep == first.dep;
        }
        if (seen)
            continue;
        uint32_t lo = first.of, hi = first.of, nrep = 0;
        for (size_t n = n0; n < plan->nnodes; n++) {
            sol_span sp;
            if (sol_node_span(pb, plan, n, &sp) && sp.dep == first.dep && sp.part == 1) {
                lo = sp.of < lo ? sp.of : lo;
                hi = sp.of > hi ? sp.of : hi;
                nrep++;
            }
        }
        printf("\nspans      %s: %u replica%s on ", pb->deps[first.dep].name, nrep, nrep == 1 ? "" : "s");
        if (lo == hi)
            printf("%u nodes per replica", lo);
        else
            printf("%u to %u nodes per replica", lo, hi);
        printf(", each node its own");
    }
    printf("\ncost       $%.3f per hour, $%.2f per month (730 h)\n", plan->cost, plan->cost * 730.0);
    for (size_t n = 0; n < plan->nnodes; n++) {
        const sol_node *nd = &plan->nodes[n];
        const sol_node_type *t = &pb->types[nd->type];
        const scn_node_choice *nc = &s->nodes[nd->type];
        printf("\nnode %zu: %s", n + 1, t->name);
        if (t->gpus)
            printf(" (%u x %s)", t->gpus, nc->node.gpu);
        printf(", $%.3f/h", t->cost);
        if (nc->priced && (nc->spot || nc->node.nprices)) /* a price chosen among several */
            printf(" %s in %s (%s)", nc->spot ? "spot" : "on demand", nc->node.region,
                   nc->node.price_date[0] ? nc->node.price_date : "undated");
        printf("\n");
        sol_span sp;
        if (sol_node_span(pb, plan, n, &sp)) {
            const scn_deployment *sd = &s->deps[sp.dep];
            printf("  spans: %s#%u, node %u of %u (tp %u x pp %u", pb->deps[sp.dep].name, sp.replica + 1, sp.part,
                   sp.of, sd->vtp[sp.variant], sd->vpp[sp.variant]);
            uint32_t all = sol_variant_gpus(&pb->deps[sp.dep].variants[sp.variant]);
            if (all / sd->vtp[sp.variant] / sd->vpp[sp.variant] > 1)
                printf(" x %u data-parallel", all / sd->vtp[sp.variant] / sd->vpp[sp.variant]);
            printf("; the node is its own)\n");
        }
        char bb[41];
        uint64_t host = 0, hmargin = 0;
        int any_host = 0;
        /* host memory: host deployments (estimate + margin), and GPU replicas' own host memory
         * (once per replica) */
        for (size_t k = 0; k < nd->nshards; k++) {
            const sol_shard *sh = &nd->shards[k];
            const sol_variant *v = &pb->deps[sh->dep].variants[sh->variant];
            if (sh->gpu == -1) {
                host += shard_est(s, sh) + report_shared_first(s, pb, nd, k);
                hmargin += shard_margin(s, sh);
                any_host = 1;
            } else if (v->host_bytes && proc_first_here(nd, k)) {
                host += proc_host_here(pb, nd, k);
                any_host = 1;
            }
        }
        if (any_host || !t->gpus) {
            bar(bb, 30, (double)(host + hmargin), (double)t->host_bytes);
            printf("  host  [%s] %7.2f + %5.2f / %7.2f GiB ", bb, (double)host / FP_GIB, (double)hmargin / FP_GIB,
                   (double)t->host_bytes / FP_GIB);
            for (size_t k = 0; k < nd->nshards; k++) {
                const sol_shard *sh = &nd->shards[k];
                if (sh->gpu == -1)
                    printf(" %s#%u", pb->deps[sh->dep].name, sh->replica + 1);
                else if (proc_first_here(nd, k) && pb->deps[sh->dep].variants[sh->variant].host_bytes)
                {
                    uint32_t np = 0; /* its processes here: one per GPU */
                    for (size_t q = 0; q < nd->nshards; q++)
                        np += nd->shards[q].dep == sh->dep && nd->shards[q].replica == sh->replica;
                    if (np > 1)
                        printf(" %s#%u(%u processes)", pb->deps[sh->dep].name, sh->replica + 1, np);
                    else
                        printf(" %s#%u(process)", pb->deps[sh->dep].name, sh->replica + 1);
                }
            }
            printf("\n");
            for (size_t k = 0; k < nd->nshards; k++) {
                uint64_t file = report_shared_first(s, pb, nd, k);
                if (!file)
                    continue;
                unsigned nrep = shared_count(pb, nd, k);
                if (nrep > 1) /* (a file of one replica is simply part of it) */
                    printf("        weights of %s: %.2f %s, one copy in the page cache for its %u replicas\n",
                           s->deps[nd->shards[k].dep].model,
                           file >= FP_GIB ? (double)file / FP_GIB : (double)file / FP_MIB, file >= FP_GIB ? "GiB" : "MiB",
                           nrep);
            }
        }
        for (uint32_t g = 0; g < t->gpus; g++) {
            uint64_t used = 0, margin = 0;
            for (size_t k = 0; k < nd->nshards; k++)
                if (nd->shards[k].gpu == (int32_t)g) {
                    used += shard_est(s, &nd->shards[k]);
                    margin += shard_margin(s, &nd->shards[k]);
                }
            bar(bb, 30, (double)(used + margin), (double)t->gpu_bytes);
            printf("  gpu%-2u [%s] %7.2f + %5.2f / %7.2f GiB ", g, bb, (double)used / FP_GIB, (double)margin / FP_GIB,
                   (double)t->gpu_bytes / FP_GIB);
            for (size_t k = 0; k < nd->nshards; k++) {
                const sol_shard *sh = &nd->shards[k];
                if (sh->gpu != (int32_t)g)
                    continue;
                const sol_variant *v = &pb->deps[sh->dep].variants[sh->variant];
                printf(" %s#%u", pb->deps[sh->dep].name, sh->replica + 1);
                if (sol_variant_gpus(v) > 1)
                    printf("[%u/%u]", sh->shard + 1, sol_variant_gpus(v));
                double u = vllm_util(s, sh, &nc->node);
                if (u > 0)
                    printf("(util %.4f)", u);
            }
            printf("\n");
        }
    }
    if (plan->nunplaced) {
        printf("\nunplaced\n");
        for (size_t u = 0; u < plan->nunplaced; u++)
            printf("  %s: %u replica%s: %s\n", pb->deps[plan->unplaced[u].dep].name, plan->unplaced[u].count,
                   plan->unplaced[u].count == 1 ? "" : "s", reasons[u]);
    }
    int any_vllm = 0;
    for (size_t d = 0; d < s->ndeps; d++)
        any_vllm |= !s->deps[d].memory && !s->deps[d].on_host && s->deps[d].opts.w.runtime == EST_RT_VLLM;
    if (plan->nnodes)
        printf("\nused + margin / capacity: the estimate (what each process takes, as nvidia-smi shows it) and the\n"
           "headroom kept beside it (docs/methodology.md, \"Margin\")\n");
    if (any_vllm)
        printf("(util x.xxxx): the --gpu-memory-utilization each vLLM process must be started with (its margin included)\n");
    (void)b;
}


/* ---------------------------------------------------------------- summaries */

/* total + n x b, held at the largest JSON integer (a fleet of absurd sizes must not wrap) */
static uint64_t sum_bytes(uint64_t total, uint64_t b, uint64_t n)
{
    const uint64_t max = (uint64_t)INT64_MAX;
    if (n && b > (max - total) / n)
        return max;
    return total + b * n;
}

json_t *report_summary_json(const scenario *s, const scn_result *r, const char *label)
{
    const sol_problem *pb = &r->pb;
    const sol_plan *plan = &r->plan;
    json_t *o = json_object();
    json_object_set_new(o, "scenario", json_string(label));
    json_object_set_new(o, "status", json_string(status_name(plan->status)));
    if (plan->wall_limited) /* the runaway guard, not the work budget, stopped it */
        json_object_set_new(o, "wall_limited", json_true());
    char bytype[512] = "";
    for (size_t t = 0; t < pb->ntypes; t++) {
        size_t k = 0;
        for (size_t n = 0; n < plan->nnodes; n++)
            k += plan->nodes[n].type == t;
        if (k) {
            size_t len = strlen(bytype);
            snprintf(bytype + len, sizeof bytype - len, "%s%zu x %s", len ? ", " : "", k, pb->types[t].name);
        }
    }
    /* replicas that span nodes: their shape beside the node counts */
    for (size_t n0 = 0; n0 < plan->nnodes; n0++) {
        sol_span first, sp;
        if (!sol_node_span(pb, plan, n0, &first) || first.part != 1)
            continue;
        int seen = 0; /* this deployment named already */
        uint32_t hi = 0;
        for (size_t n = 0; n < plan->nnodes; n++)
            if (sol_node_span(pb, plan, n, &sp) && sp.dep == first.dep && sp.part == 1) {
                seen |= n < n0;
                hi = sp.of > hi ? sp.of : hi;
            }
        if (!seen) {
            size_t len = strlen(bytype);
            snprintf(bytype + len, sizeof bytype - len, " (%s: %u nodes per replica)", pb->deps[first.dep].name, hi);
        }
    }
    json_object_set_new(o, "nodes_by_type", json_string(bytype));
    json_object_set_new(o, "nodes", json_integer((json_int_t)plan->nnodes));
    json_object_set_new(o, "cost_per_hour", json_real(round(plan->cost * 1e6) / 1e6));
    json_object_set_new(o, "cost_per_month", json_real(round(plan->cost * 730.0 * 100.0) / 100.0));
    uint64_t cap = 0, used = 0, margin = 0;
    for (size_t n = 0; n < plan->nnodes; n++) {
        const sol_node *nd = &plan->nodes[n];
        const sol_node_type *t = &pb->types[nd->type];
        int gpu_node = t->gpus > 0;
        int host_used = 0;
        for (size_t k = 0; k < nd->nshards; k++) {
            /* the memory deployments are placed in: GPU memory, and host memory for host deployments
             * (GPU processes' own host RAM is checked by the solver but is not what this measures) */
            used = sum_bytes(used, shard_est(s, &nd->shards[k]) + report_shared_first(s, pb, nd, k), 1);
            margin = sum_bytes(margin, shard_margin(s, &nd->shards[k]), 1);
            host_used |= nd->shards[k].gpu < 0;
        }
        if (gpu_node)
            cap = sum_bytes(cap, t->gpu_bytes, t->gpus);
        if (!gpu_node || host_used)
            cap = sum_bytes(cap, t->host_bytes, 1);
    }
    json_object_set_new(o, "memory_used_bytes", json_integer((json_int_t)used));
    json_object_set_new(o, "memory_capacity_bytes", json_integer((json_int_t)cap));
    json_object_set_new(o, "utilization", json_real(cap ? round((double)used / (double)cap * 10000.0) / 10000.0 : 0));
    json_object_set_new(o, "margin_bytes", json_integer((json_int_t)margin));
    /* free beyond the estimates and their margins */
    uint64_t taken = sum_bytes(used, margin, 1);
    json_object_set_new(o, "headroom_bytes", json_integer((json_int_t)(cap > taken ? cap - taken : 0)));
    json_object_set_new(o, "unplaced", json_integer(unplaced_replicas(plan)));
    json_object_set_new(o, "bound_scope", json_string(scope_name(plan->bound_scope)));
    json_object_set_new(o, "gap", json_bound(plan, json_gap(plan->gap)));
    return o;
}
