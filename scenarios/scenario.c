/* scenario.c: scenario files -> a solver problem. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../common/text.h"
#include "../common/units.h"
#include "../inventory/ydoc.h"
#include "scenario.h"

/* ====================================================================== helpers */

static int copy_str(const ydoc *d, const ynode *v, const char *key, char *dst, size_t size, fp_error *err)
{
    const char *s;
    if (ynode_str(d, v, key, &s, err))
        return -1;
    if (!*s)
        return ydoc_fail(d, v, err, "'%s' must not be empty", key);
    if (strlen(s) >= size)
        return ydoc_fail(d, v, err, "'%s' is longer than %zu characters", key, size - 1);
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        if (*c < 0x20 || *c == 0x7f) /* names reach terminals, reports and launch files */
            return ydoc_fail(d, v, err, "'%s' holds a control character (\\x%02x)", key, *c);
    memcpy(dst, s, strlen(s) + 1);
    return 0;
}

/* "unlimited" or a whole number */
static int count_or_unlimited(const ydoc *d, const ynode *v, const char *key, int64_t *out, fp_error *err)
{
    if (v->type == YN_SCALAR && !strcmp(v->str, "unlimited")) {
        *out = -1;
        return 0;
    }
    uint64_t u;
    if (v->type == YN_SCALAR && v->str[0] == '-')
        return ydoc_fail(d, v, err, "'%s' must not be negative, got '%s'", key, v->str);
    if (ynode_u64(d, v, key, &u, err))
        return ydoc_fail(d, v, err, "'%s' must be a whole number or 'unlimited', got '%s'", key,
                         v->type == YN_SCALAR ? v->str : "a collection");
    if (u > 1000000)
        return ydoc_fail(d, v, err, "'%s' is implausibly large (%llu)", key, (unsigned long long)u);
    *out = (int64_t)u;
    return 0;
}

static int cost_value(const ydoc *d, const ynode *v, const char *key, double *out, fp_error *err)
{
    if (ynode_double(d, v, key, out, err))
        return -1;
    if (*out < 0 || *out > 1e5)
        return ydoc_fail(d, v, err, "'%s' must be between 0 and 100000 (dollars per hour), got '%s'", key, v->str);
    return 0;
}

/* ====================================================================== top level */

typedef struct load_ctx {
    scenario *s;
    const inv_catalog *cat;
    scn_node_choice *nc;
    scn_deployment *dp;
} load_ctx;

static int t_name(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    return copy_str(d, v, k, ((load_ctx *)o)->s->name, sizeof ((load_ctx *)o)->s->name, e);
}
static int t_ignore(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    (void)o;
    const char *s;
    return ynode_str(d, v, k, &s, e);
}
static int t_goal(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    scenario *s = ((load_ctx *)o)->s;
    const char *g;
    if (ynode_str(d, v, k, &g, e))
        return -1;
    if (!strcmp(g, "cost"))
        s->goal = SOL_GOAL_COST;
    else if (!strcmp(g, "nodes"))
        s->goal = SOL_GOAL_NODES;
    else
        return ydoc_fail(d, v, e, "'%s' must be 'cost' (cheapest, then fewest nodes) or 'nodes' (fewest, then "
                                  "cheapest), got '%s'", k, g);
    return 0;
}
static int t_time(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    scenario *s = ((load_ctx *)o)->s;
    if (ynode_double(d, v, k, &s->time_limit, e))
        return -1;
    if (!(s->time_limit > 0) || s->time_limit > 86400)
        return ydoc_fail(d, v, e, "'%s' must be between 0 and 86400 seconds, got '%s'", k, v->str);
    return 0;
}
static int t_work(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    scenario *s = ((load_ctx *)o)->s;
    if (ynode_double(d, v, k, &s->work_limit, e))
        return -1;
    if (!(s->work_limit >= 1) || s->work_limit > 1e15)
        return ydoc_fail(d, v, e, "'%s' must be between 1 and 1e15 work units, got '%s'", k, v->str);
    return 0;
}
static int t_gap(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    scenario *s = ((load_ctx *)o)->s;
    if (ynode_double(d, v, k, &s->gap, e))
        return -1;
    if (s->gap < 0 || s->gap >= 1)
        return ydoc_fail(d, v, e, "'%s' must be a fraction in [0, 1), got '%s'", k, v->str);
    return 0;
}
static int t_partial(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    return ynode_bool(d, v, k, &((load_ctx *)o)->s->allow_partial, e);
}
static int t_margin(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    const char *str;
    fp_error me;
    if (ynode_str(d, v, k, &str, e))
        return -1;
    if (est_margin_parse("margin", str, &((load_ctx *)o)->s->margin, &me) != 0)
        return ydoc_fail(d, v, e, "'%s': %s", k, strchr(me.msg, ':') ? strchr(me.msg, ':') + 2 : me.msg);
    return 0;
}

/* ---------------------------------------------------------------- node choices */

static int c_type(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    load_ctx *c = o;
    char name[INV_NAME];
    if (copy_str(d, v, k, name, sizeof name, e))
        return -1;
    const inv_node *n = inv_node_find(c->cat, name);
    if (!n) {
        char dym[96];
        const char *near = inv_node_suggest(c->cat, name);
        return ydoc_fail(d, v, e, "'%s': unknown node type '%s'%s ('fedplan catalog nodes' and 'fedplan catalog "
                                  "instances' list them)",
                         k, name, fp_did_you_mean(dym, sizeof dym, near));
    }
    c->nc->node = *n;
    snprintf(c->nc->name, sizeof c->nc->name, "%s", n->name);
    return 0; /* its price is settled after the whole choice is read (node_price) */
}
static int c_region(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    (void)o; /* read by node_price, with the type */
    const char *s;
    if (ynode_str(d, v, k, &s, e))
        return -1;
    if (!*s || strlen(s) >= sizeof ((inv_node *)0)->region)
        return ydoc_fail(d, v, e, "'%s' must be a region name of at most 31 characters", k);
    return 0;
}
static int c_spot(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    return ynode_bool(d, v, k, &((load_ctx *)o)->nc->spot, e);
}

/* A deployment whose replica runs on one machine, whatever its GPUs: llama-server (its RPC
 * backend is nothing fedplan launches) and transformers inference (device_map splits the
 * layers in one process).  Their 'pp' splits the layers over one node's GPUs, never nodes. */
static int one_machine(const scn_deployment *dp)
{
    if (dp->memory) /* a fixed size: no runtime named, it may span where the scenario says */
        return 0;
    return dp->opts.w.runtime == EST_RT_LLAMACPP ||
           (dp->opts.w.runtime == EST_RT_TRANSFORMERS && dp->opts.w.mode != EST_MODE_TRAIN);
}

/* A catalog node choice's hourly price: the scenario's 'cost' when given, else the catalog's
 * price (spot or on demand) for the choice's 'region', or the cheapest region when it names
 * none (docs/formats.md). */
static int node_price(const ydoc *d, const ynode *m, load_ctx *c, fp_error *e)
{
    scn_node_choice *nc = c->nc;
    const ynode *region = ynode_get(m, "region"), *spot = ynode_get(m, "spot"), *cost = ynode_get(m, "cost");
    if (!ynode_get(m, "type")) {
        if (region || spot)
            return ydoc_fail(d, region ? region : spot, e, "'%s' picks a catalog price: it needs a catalog 'type'",
                             region ? "region" : "spot");
        return 0;
    }
    if (cost && (region || nc->spot))
        return ydoc_fail(d, cost, e, "'cost' is the price itself: give it or 'region'/'spot: true', not both");
    if (cost)
        return 0;
    const inv_node *n = inv_node_find(c->cat, ynode_get(m, "type")->str);
    double price;
    char why[FP_ERR_MSG / 2];
    if (!n || inv_node_price(c->cat, n, region ? region->str : NULL, nc->spot, &price, nc->node.region,
                             sizeof nc->node.region, why, sizeof why) != 0) {
        if (!region && !nc->spot && n && !strcmp(n->provider, "on-prem")) { /* an owned server: free */
            nc->cost = 0;
            return 0;
        }
        if (!region && !nc->spot && n) /* a cloud instance bills by the hour: never plan it as free */
            return ydoc_fail(d, ynode_get(m, "type"), e,
                             "'%s' is a %s instance with no on-demand price in the catalog: give the node choice "
                             "its 'cost' (USD per hour), or load a priced instances file with --inventory",
                             n->name, n->provider);
        return ydoc_fail(d, region ? region : spot, e, "%s", n ? why : "no such node");
    }
    nc->cost = price;
    nc->priced = 1;
    return 0;
}
static int c_name(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    load_ctx *c = o;
    if (copy_str(d, v, k, c->nc->name, sizeof c->nc->name, e))
        return -1;
    snprintf(c->nc->node.name, sizeof c->nc->node.name, "%s", c->nc->name);
    snprintf(c->nc->node.provider, sizeof c->nc->node.provider, "inline");
    return 0;
}
static int c_memory(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    return ynode_size(d, v, k, &((load_ctx *)o)->nc->node.host_memory, e);
}
static int c_gpus(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    uint64_t u;
    if (ynode_u64(d, v, k, &u, e))
        return -1;
    if (u > 64)
        return ydoc_fail(d, v, e, "'%s' must be at most 64, got %llu", k, (unsigned long long)u);
    ((load_ctx *)o)->nc->node.gpus = (uint32_t)u;
    return 0;
}
static int c_gpu(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    load_ctx *c = o;
    char name[INV_NAME];
    if (copy_str(d, v, k, name, sizeof name, e))
        return -1;
    const inv_gpu *g = inv_gpu_find(c->cat, name);
    if (!g) {
        char dym[96];
        const char *near = inv_gpu_suggest(c->cat, name);
        return ydoc_fail(d, v, e, "'%s': unknown GPU '%s'%s", k, name, fp_did_you_mean(dym, sizeof dym, near));
    }
    snprintf(c->nc->node.gpu, sizeof c->nc->node.gpu, "%s", g->name);
    c->nc->node.gpu_memory = inv_gpu_capacity(g);
    c->nc->node.gpu_caps = g->caps; /* what it can run, as for a catalog node */
    return 0;
}
static int c_gpu_memory(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    load_ctx *c = o;
    if (ynode_size(d, v, k, &c->nc->node.gpu_memory, e))
        return -1;
    if (!c->nc->node.gpu[0])
        snprintf(c->nc->node.gpu, sizeof c->nc->node.gpu, "custom");
    return 0;
}
static int c_count(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    return count_or_unlimited(d, v, k, &((load_ctx *)o)->nc->count, e);
}
static int c_cost(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    return cost_value(d, v, k, &((load_ctx *)o)->nc->cost, e);
}
static int c_reserve(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    return ynode_size(d, v, k, &((load_ctx *)o)->nc->reserve_host, e);
}
static int c_reserve_gpu(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    return ynode_size(d, v, k, &((load_ctx *)o)->nc->reserve_gpu, e);
}

static int c_span(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    int b;
    if (ynode_bool(d, v, k, &b, e))
        return -1;
    ((load_ctx *)o)->nc->no_span = !b;
    return 0;
}

static const yfield node_fields[] = {
    {"type", 0, c_type},           {"name", 0, c_name},       {"memory", 0, c_memory},
    {"gpus", 0, c_gpus},           {"gpu", 0, c_gpu},         {"gpu_memory", 0, c_gpu_memory},
    {"count", 0, c_count},         {"cost", 0, c_cost},       {"reserve", 0, c_reserve},
    {"reserve_per_gpu", 0, c_reserve_gpu}, {"span", 0, c_span},
    {"region", 0, c_region},       {"spot", 0, c_spot},
};

/* ---------------------------------------------------------------- deployments */

static int d_name(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    return copy_str(d, v, k, ((load_ctx *)o)->dp->name, sizeof ((load_ctx *)o)->dp->name, e);
}
static int d_model(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    load_ctx *c = o;
    c->dp->model_line = v->line;
    c->dp->model_col = v->col;
    return copy_str(d, v, k, c->dp->model, sizeof c->dp->model, e);
}
/* revision: a Hub id's branch, tag or commit in the local cache (as estimate --revision) */
static int d_revision(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    load_ctx *c = o;
    c->dp->revision_line = v->line;
    c->dp->revision_col = v->col;
    return copy_str(d, v, k, c->dp->revision, sizeof c->dp->revision, e);
}
static int d_memory(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    load_ctx *c = o;
    if (ynode_size(d, v, k, &c->dp->memory, e))
        return -1;
    if (c->dp->memory == 0)
        return ydoc_fail(d, v, e, "'%s' must be positive", k);
    return 0;
}
static int d_replicas(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    uint64_t u;
    if (ynode_u64(d, v, k, &u, e))
        return -1;
    if (u == 0 || u > 100000)
        return ydoc_fail(d, v, e, "'%s' must be between 1 and 100000, got %llu", k, (unsigned long long)u);
    ((load_ctx *)o)->dp->replicas = (uint32_t)u;
    return 0;
}
static int d_anti(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    scn_deployment *dp = ((load_ctx *)o)->dp;
    dp->anti_line = v->line;
    dp->anti_col = v->col;
    return ynode_bool(d, v, k, &dp->anti_affinity, e);
}
/* share_weights: llama.cpp processes of one model file on one node share its weights through
 * the page cache (docs/methodology.md, "Weights shared through the page cache") */
static int d_share(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    scn_deployment *dp = ((load_ctx *)o)->dp;
    int b;
    if (ynode_bool(d, v, k, &b, e))
        return -1;
    dp->share_weights = b;
    dp->share_line = v->line;
    dp->share_col = v->col;
    return 0;
}
static int d_priority(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    double p;
    if (ynode_double(d, v, k, &p, e))
        return -1;
    if (p != floor(p) || p < -1000 || p > 1000)
        return ydoc_fail(d, v, e, "'%s' must be a whole number between -1000 and 1000, got '%s'", k, v->str);
    ((load_ctx *)o)->dp->priority = (int)p;
    return 0;
}
static int tp_one(const ydoc *d, const ynode *v, const char *k, scn_deployment *dp, fp_error *e)
{
    uint64_t u;
    if (ynode_u64(d, v, k, &u, e))
        return -1;
    if (u == 0 || u > 32 || (u & (u - 1)))
        return ydoc_fail(d, v, e, "'%s': a tensor-parallel degree is 1, 2, 4, 8, 16 or 32, got %llu", k,
                         (unsigned long long)u);
    for (size_t i = 0; i < dp->ntp; i++)
        if (dp->tp[i] == u)
            return ydoc_fail(d, v, e, "'%s': degree %llu is listed twice", k, (unsigned long long)u);
    if (dp->ntp >= SCN_MAX_TP)
        return ydoc_fail(d, v, e, "'%s': at most %d degrees", k, SCN_MAX_TP);
    dp->tp[dp->ntp++] = (uint32_t)u;
    return 0;
}
static int d_tp(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    scn_deployment *dp = ((load_ctx *)o)->dp;
    dp->tp_line = v->line;
    dp->tp_col = v->col;
    dp->ntp = 0;
    if (v->type == YN_SEQ) {
        if (v->n == 0)
            return ydoc_fail(d, v, e, "'%s' must list at least one degree", k);
        for (size_t i = 0; i < v->n; i++)
            if (tp_one(d, v->vals[i], k, dp, e))
                return -1;
        return 0;
    }
    return tp_one(d, v, k, dp, e);
}
static int pp_one(const ydoc *d, const ynode *v, const char *k, scn_deployment *dp, fp_error *e)
{
    uint64_t u;
    if (ynode_u64(d, v, k, &u, e))
        return -1;
    if (u == 0 || u > EST_MAX_STAGES)
        return ydoc_fail(d, v, e, "'%s': a pipeline-parallel degree is 1 to %d, got %llu", k, EST_MAX_STAGES,
                         (unsigned long long)u);
    for (size_t i = 0; i < dp->npp; i++)
        if (dp->pp[i] == u)
            return ydoc_fail(d, v, e, "'%s': degree %llu is listed twice", k, (unsigned long long)u);
    if (dp->npp >= SCN_MAX_PP)
        return ydoc_fail(d, v, e, "'%s': at most %d degrees", k, SCN_MAX_PP);
    dp->pp[dp->npp++] = (uint32_t)u;
    return 0;
}
/* pp: pipeline-parallel degrees, one solver variant per (tp, pp) pair; a replica of several
 * stages may span nodes (docs/formats.md) */
static int d_pp(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    scn_deployment *dp = ((load_ctx *)o)->dp;
    dp->pp_line = v->line;
    dp->pp_col = v->col;
    dp->npp = 0;
    if (v->type == YN_SEQ) {
        if (v->n == 0)
            return ydoc_fail(d, v, e, "'%s' must list at least one degree", k);
        for (size_t i = 0; i < v->n; i++)
            if (pp_one(d, v->vals[i], k, dp, e))
                return -1;
        return 0;
    }
    return pp_one(d, v, k, dp, e);
}
static int d_max_nodes(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    scn_deployment *dp = ((load_ctx *)o)->dp;
    uint64_t u;
    if (ynode_u64(d, v, k, &u, e))
        return -1;
    if (u == 0 || u > SOL_MAX_SPAN)
        return ydoc_fail(d, v, e, "'%s' must be between 1 and %d, got %llu", k, SOL_MAX_SPAN, (unsigned long long)u);
    dp->max_nodes = (uint32_t)u;
    dp->max_nodes_line = v->line;
    dp->max_nodes_col = v->col;
    return 0;
}
static int d_on(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    scn_deployment *dp = ((load_ctx *)o)->dp;
    const char *s;
    if (ynode_str(d, v, k, &s, e))
        return -1;
    if (!strcmp(s, "gpu"))
        dp->on_host = 0;
    else if (!strcmp(s, "host"))
        dp->on_host = 1;
    else
        return ydoc_fail(d, v, e, "'%s' must be 'gpu' or 'host', got '%s'", k, s);
    dp->on_set = 1;
    return 0;
}
static int d_pin(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    scn_deployment *dp = ((load_ctx *)o)->dp;
    dp->pin_line = v->line;
    dp->pin_col = v->col;
    if (v->type == YN_SCALAR) {
        if (!dp->pin && !(dp->pin = calloc(SCN_MAX_PIN, sizeof *dp->pin)))
            return fp_fail(e, d->file, 0, 0, "out of memory");
        return copy_str(d, v, k, dp->pin[dp->npin++], INV_NAME, e);
    }
    if (v->type != YN_SEQ || v->n == 0 || v->n > SCN_MAX_PIN)
        return ydoc_fail(d, v, e, "'%s' must be a node type or a list of up to %d", k, SCN_MAX_PIN);
    if (!dp->pin && !(dp->pin = calloc(SCN_MAX_PIN, sizeof *dp->pin)))
        return fp_fail(e, d->file, 0, 0, "out of memory");
    for (size_t i = 0; i < v->n; i++)
        if (copy_str(d, v->vals[i], k, dp->pin[dp->npin++], INV_NAME, e))
            return -1;
    return 0;
}
/* The model a deployment names, resolved at load (NULL for a fixed footprint). */
static const inv_resolved *dep_model(const scenario *s, const scn_deployment *dp)
{
    return dp->model_ix >= 0 && (size_t)dp->model_ix < s->nmodels ? &s->models[dp->model_ix].r : NULL;
}

/* Rebuild a deployment's options from its written workload, plus one override, then what its
 * model's files imply, as estimate does (inventory/resolve.c): a .gguf runs on llama.cpp unless
 * the workload names a runtime; quantization_config and the stored bytes size the weights
 * unless it names a dtype. */
static int rebuild_opts(const scenario *s, scn_deployment *dp, const char *oname, const char *ovalue, fp_error *err)
{
    est_options_init(&dp->opts);
    for (size_t i = 0; i <= dp->nwl; i++) {
        const char *name = i < dp->nwl ? dp->wl[i].name : oname;
        const char *value = i < dp->nwl ? dp->wl[i].value : ovalue;
        if (!name)
            break;
        if (est_option_apply(&dp->opts, name, value[0] ? value : NULL, err) < 0)
            return -1;
    }
    const inv_resolved *res = dep_model(s, dp);
    const char *rt = res ? inv_model_runtime(res->where) : NULL;
    if (rt && !dp->opts.runtime_set && est_option_apply(&dp->opts, "runtime", rt, err) < 0)
        return -1;
    if (est_options_finish(&dp->opts, err) != 0)
        return -1;
    return res ? inv_resolved_apply(res, &dp->opts, err) : 0;
}

/* err = "'model': " + what went wrong, at the position of the model's value; the inner error
 * (a file's own position or byte offset) is quoted in the message */
static int model_fail(const scenario *s, const scn_deployment *dp, const fp_error *in, fp_error *err)
{
    char where[FP_ERR_FILE + 48] = "";
    if (in->file[0] && in->line)
        snprintf(where, sizeof where, "%s:%lu:%lu: ", in->file, in->line, in->col);
    else if (in->file[0])
        snprintf(where, sizeof where, "%s: ", in->file);
    return fp_fail(err, s->file, dp->model_line, dp->model_col, "'model': %s%s", where, in->msg);
}

/* Resolve the model dp names (once per distinct name in the scenario) relative to the
 * scenario file's folder; dp->model_ix receives its entry. */
static int resolve_dep_model(scenario *s, const inv_catalog *cat, scn_deployment *dp, fp_error *err)
{
    dp->model_ix = -1;
    if (!dp->model[0])
        return 0;
    for (size_t i = 0; i < s->nmodels; i++)
        if (!strcmp(s->models[i].written, dp->model) && !strcmp(s->models[i].revision, dp->revision)) {
            dp->model_ix = (long)i;
            return 0;
        }
    scn_model *m = realloc(s->models, (s->nmodels + 1) * sizeof *m);
    if (!m)
        return fp_fail(err, s->file, 0, 0, "out of memory");
    s->models = m;
    char base[FP_ERR_FILE];
    const char *slash = strrchr(s->file, '/');
    snprintf(base, sizeof base, "%.*s", slash ? (int)(slash - s->file) : 0, s->file);
    if (slash && slash == s->file)
        snprintf(base, sizeof base, "/");
    fp_error fe = {0};
    snprintf(m[s->nmodels].written, sizeof m[0].written, "%s", dp->model);
    snprintf(m[s->nmodels].revision, sizeof m[0].revision, "%s", dp->revision);
    if (inv_model_resolve(cat, dp->model, base[0] ? base : NULL, dp->revision[0] ? dp->revision : NULL,
                          &m[s->nmodels].r, &fe) != 0) {
        if (dp->revision[0] && !strncmp(fe.msg, "--revision", 10)) /* the key, where it is written */
            return fp_fail(err, s->file, dp->revision_line, dp->revision_col, "'revision'%s", fe.msg + 10);
        return model_fail(s, dp, &fe, err);
    }
    dp->model_ix = (long)s->nmodels++;
    return 0;
}

static int d_workload(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    scn_deployment *dp = ((load_ctx *)o)->dp;
    if (v->type != YN_MAP)
        return ydoc_fail(d, v, e, "'%s' must be a mapping of estimator options (context: 4096, dtype: int4, ...)", k);
    if (v->n > SCN_MAX_WL)
        return ydoc_fail(d, v, e, "'%s' has more than %d options", k, SCN_MAX_WL);
    for (size_t i = 0; i < v->n; i++) {
        const ynode *key = v->keys[i], *val = v->vals[i];
        char name[64];
        snprintf(name, sizeof name, "%s", key->str);
        for (char *p = name; *p; p++)
            if (*p == '_')
                *p = '-';
        size_t nrows;
        const est_option_row *rows = est_option_rows(&nrows);
        size_t r = 0;
        while (r < nrows && strcmp(rows[r].name, name) != 0)
            r++;
        if (r == nrows) {
            const char *names[64];
            for (size_t j = 0; j < nrows && j < 64; j++)
                names[j] = rows[j].name;
            char dym[96];
            const char *near = fp_closest(name, names, nrows < 64 ? nrows : 64);
            return ydoc_fail(d, key, e, "unknown workload option '%s'%s", key->str,
                             fp_did_you_mean(dym, sizeof dym, near));
        }
        if (!strcmp(name, "tp"))
            return ydoc_fail(d, key, e, "give tensor-parallel degrees as the deployment's 'tp', not in its workload");
        if (val->type != YN_SCALAR)
            return ydoc_fail(d, val, e, "workload option '%s' must be a single value", key->str);
        const char *value = val->str;
        fp_error oe;
        if (!rows[r].takes_value) {
            int b;
            if (ynode_bool(d, val, key->str, &b, e))
                return -1;
            if (!b)
                continue;
            value = "";
        }
        if (!dp->wl && !(dp->wl = calloc(SCN_MAX_WL, sizeof *dp->wl)))
            return fp_fail(e, d->file, 0, 0, "out of memory");
        if (strlen(value) >= sizeof dp->wl[0].value)
            return ydoc_fail(d, val, e, "workload option '%s' is too long", key->str);
        if (est_option_apply(&dp->opts, name, value[0] ? value : NULL, &oe) < 0) {
            const char *msg = oe.msg;
            if (!strncmp(msg, "--", 2)) { /* "--context: ..." -> "'context': ..." */
                const char *colon = strchr(msg, ':');
                if (colon)
                    msg = colon + 2;
            }
            return ydoc_fail(d, val, e, "workload '%s': %s", key->str, msg);
        }
        snprintf(dp->wl[dp->nwl].name, sizeof dp->wl[0].name, "%s", name);
        snprintf(dp->wl[dp->nwl].value, sizeof dp->wl[0].value, "%s", value);
        dp->nwl++;
    }
    fp_error fe;
    if (est_options_finish(&dp->opts, &fe) != 0)
        return ydoc_fail(d, v, e, "%s", fe.msg);
    return 0;
}

static const yfield dep_fields[] = {
    {"name", 1, d_name},       {"model", 0, d_model},       {"memory", 0, d_memory},
    {"replicas", 0, d_replicas}, {"anti_affinity", 0, d_anti}, {"priority", 0, d_priority},
    {"tp", 0, d_tp},           {"on", 0, d_on},             {"node_type", 0, d_pin},
    {"workload", 0, d_workload}, {"share_weights", 0, d_share}, {"revision", 0, d_revision},
    {"pp", 0, d_pp},           {"max_nodes", 0, d_max_nodes},
};

/* ---------------------------------------------------------------- lists */

static int node_name_cmp(const void *a, const void *b);

/* Parse a list of node choices into *out. */
static int parse_node_set(const ydoc *d, const ynode *v, const char *k, load_ctx *c, scn_node_choice **out,
                          size_t *nout, fp_error *e)
{
    if (v->type != YN_SEQ || v->n == 0)
        return ydoc_fail(d, v, e, "'%s' must be a non-empty list of node choices", k);
    if (v->n > 10000)
        return ydoc_fail(d, v, e, "'%s' has more than 10000 node choices", k);
    scn_node_choice *set = calloc(v->n, sizeof *set);
    if (!set)
        return fp_fail(e, d->file, 0, 0, "out of memory");
    *out = set;
    *nout = 0;
    for (size_t i = 0; i < v->n; i++) {
        scn_node_choice *nc = &set[i];
        nc->count = -1;
        nc->line = v->vals[i]->line;
        nc->col = v->vals[i]->col;
        c->nc = nc;
        const ynode *m = v->vals[i];
        if (ymap_apply(d, m, "a node choice", node_fields, sizeof node_fields / sizeof node_fields[0], c, e) ||
            node_price(d, m, c, e))
            return -1;
        int has_type = ynode_get(m, "type") != NULL, has_name = ynode_get(m, "name") != NULL;
        if (!has_type && !has_name)
            return ydoc_fail(d, m, e, "a node choice needs 'type' (from the catalogs) or 'name' (defined inline)");
        if (has_type && !has_name &&
            (ynode_get(m, "memory") || ynode_get(m, "gpus") || ynode_get(m, "gpu") || ynode_get(m, "gpu_memory")))
            return ydoc_fail(d, m, e, "a catalog node type keeps its hardware: give a 'name' to define a node inline");
        if (!has_type) {
            if (nc->node.gpus && !nc->node.gpu_memory)
                return ydoc_fail(d, m, e, "node '%s' has GPUs: say which ('gpu: a10g') or how large ('gpu_memory: 24 GB')",
                                 nc->name);
            if (!nc->node.gpus && !nc->node.host_memory)
                return ydoc_fail(d, m, e, "node '%s' needs 'memory' (host RAM) or GPUs", nc->name);
            if (nc->node.gpus && !nc->node.host_memory)
                return ydoc_fail(d, m, e,
                                 "node '%s' has GPUs but no 'memory': give its host RAM ('memory: 64 GB'); every GPU "
                                 "process takes host memory too",
                                 nc->name);
        }
        if (nc->node.gpus && nc->reserve_gpu >= nc->node.gpu_memory)
            return ydoc_fail(d, ynode_get(m, "reserve_per_gpu"), e, "'reserve_per_gpu' leaves nothing of the GPU's memory");
        if (nc->reserve_host && nc->reserve_host >= nc->node.host_memory)
            return ydoc_fail(d, ynode_get(m, "reserve"), e, "'reserve' leaves nothing of the node's memory");
        (*nout)++;
    }
    scn_node_choice **by = malloc(*nout * sizeof *by);
    if (!by)
        return fp_fail(e, d->file, 0, 0, "out of memory");
    for (size_t i = 0; i < *nout; i++)
        by[i] = &set[i];
    qsort(by, *nout, sizeof *by, node_name_cmp);
    for (size_t i = 1; i < *nout; i++)
        if (!strcasecmp(by[i - 1]->name, by[i]->name)) {
            const scn_node_choice *later = by[i - 1] > by[i] ? by[i - 1] : by[i];
            int rc = fp_fail(e, d->file, later->line, later->col, "node choice '%s' is listed twice", later->name);
            free(by);
            return rc;
        }
    free(by);
    return 0;
}

static int add_variant(scenario *s, const char *name, fp_error *e)
{
    scn_variant *v = realloc(s->variants, (s->nvariants + 1) * sizeof *v);
    if (!v)
        return fp_fail(e, s->file, 0, 0, "out of memory");
    s->variants = v;
    memset(&v[s->nvariants], 0, sizeof v[0]);
    snprintf(v[s->nvariants].name, sizeof v[0].name, "%s", name);
    s->nvariants++;
    return 0;
}

static int t_nodes(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    load_ctx *c = o;
    scenario *s = c->s;
    /* the base set goes first, whatever the order of the keys */
    if (add_variant(s, "base", e))
        return -1;
    scn_variant tmp = s->variants[s->nvariants - 1];
    memmove(&s->variants[1], &s->variants[0], (s->nvariants - 1) * sizeof s->variants[0]);
    s->variants[0] = tmp;
    return parse_node_set(d, v, k, c, &s->variants[0].nodes, &s->variants[0].nnodes, e);
}

static int v_name(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    scenario *s = ((load_ctx *)o)->s;
    return copy_str(d, v, k, s->variants[s->nvariants - 1].name, sizeof s->variants[0].name, e);
}
static int v_nodes(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    load_ctx *c = o;
    scn_variant *var = &c->s->variants[c->s->nvariants - 1];
    return parse_node_set(d, v, k, c, &var->nodes, &var->nnodes, e);
}
static const yfield variant_fields[] = {{"name", 1, v_name}, {"nodes", 1, v_nodes}};

static int t_variants(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    load_ctx *c = o;
    if (v->type != YN_SEQ || v->n == 0 || v->n > 256)
        return ydoc_fail(d, v, e, "'%s' must be a list of 1 to 256 named node sets", k);
    for (size_t i = 0; i < v->n; i++) {
        if (add_variant(c->s, "", e))
            return -1;
        if (ymap_apply(d, v->vals[i], "a variant", variant_fields, 2, c, e))
            return -1;
        for (size_t j = 0; j + 1 < c->s->nvariants; j++)
            if (!strcmp(c->s->variants[j].name, c->s->variants[c->s->nvariants - 1].name))
                return ydoc_fail(d, ynode_get(v->vals[i], "name"), e, "variant name '%s' is used twice",
                                 c->s->variants[j].name);
    }
    return 0;
}

static int dep_name_cmp(const void *a, const void *b)
{
    const scn_deployment *x = *(const scn_deployment *const *)a, *y = *(const scn_deployment *const *)b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x < y ? -1 : x > y);
}

static int node_name_cmp(const void *a, const void *b)
{
    const scn_node_choice *x = *(const scn_node_choice *const *)a, *y = *(const scn_node_choice *const *)b;
    int c = strcasecmp(x->name, y->name);
    return c ? c : (x < y ? -1 : x > y);
}

static int t_deployments(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    load_ctx *c = o;
    scenario *s = c->s;
    if (v->type != YN_SEQ || v->n == 0)
        return ydoc_fail(d, v, e, "'%s' must be a non-empty list", k);
    if (v->n > 100000)
        return ydoc_fail(d, v, e, "'%s' has more than 100000 deployments", k);
    s->deps = calloc(v->n, sizeof *s->deps);
    if (!s->deps)
        return fp_fail(e, d->file, 0, 0, "out of memory");
    s->deps_cap = v->n;
    for (size_t i = 0; i < v->n; i++) {
        scn_deployment *dp = &s->deps[i];
        dp->replicas = 1;
        dp->model_ix = -1;
        dp->share_weights = -1;
        dp->line = v->vals[i]->line;
        dp->col = v->vals[i]->col;
        est_options_init(&dp->opts);
        c->dp = dp;
        const ynode *m = v->vals[i];
        if (ymap_apply(d, m, "a deployment", dep_fields, sizeof dep_fields / sizeof dep_fields[0], c, e))
            return -1;
        if (!ynode_get(m, "workload")) {
            fp_error fe;
            est_options_finish(&dp->opts, &fe);
        }
        if (!dp->model[0] && !dp->memory)
            return ydoc_fail(d, m, e, "deployment '%s' needs 'model' (to estimate) or 'memory' (a fixed footprint)",
                             dp->name);
        if (dp->model[0] && dp->memory)
            return ydoc_fail(d, ynode_get(m, "memory"), e, "deployment '%s' has both 'model' and 'memory': keep one",
                             dp->name);
        if (dp->memory && ynode_get(m, "workload"))
            return ydoc_fail(d, ynode_get(m, "workload"), e,
                             "deployment '%s' has a fixed 'memory': a workload would not change it", dp->name);
        /* the model, resolved as estimate resolves it; its files may say how to run it */
        if (resolve_dep_model(s, c->cat, dp, e) != 0)
            return -1;
        if (dp->model_ix >= 0) {
            fp_error fe = {0};
            if (rebuild_opts(s, dp, NULL, NULL, &fe) != 0)
                return model_fail(s, dp, &fe, e);
        }
        if (dp->ntp == 0)
            dp->tp[dp->ntp++] = 1;
        if (!dp->on_set && est_on_host(&dp->opts.w))
            dp->on_host = 1;
        if (dp->on_host && (dp->ntp > 1 || dp->tp[0] != 1))
            return ydoc_fail(d, ynode_get(m, "tp"), e, "deployment '%s' runs on host memory: 'tp' does not apply",
                             dp->name);
        if (dp->on_host && (dp->npp || dp->max_nodes > 1))
            return ydoc_fail(d, ynode_get(m, dp->npp ? "pp" : "max_nodes"), e,
                             "deployment '%s' runs on host memory: it does not span nodes", dp->name);
        if (one_machine(dp) && dp->max_nodes > 1)
            return ydoc_fail(d, ynode_get(m, "max_nodes"), e,
                             "deployment '%s' runs %s, which serves from one machine: 'max_nodes' above 1 does not "
                             "apply ('pp' splits its layers over one node's GPUs)",
                             dp->name, dp->opts.w.runtime == EST_RT_LLAMACPP ? "llama.cpp" : "transformers inference");
        const ynode *wl = ynode_get(m, "workload");
        if (dp->npp && wl && wl->type == YN_MAP && ynode_get(wl, "pp"))
            return ydoc_fail(d, ynode_get(m, "pp"), e,
                             "deployment '%s' gives 'pp' twice (in its workload too): keep the deployment's list",
                             dp->name);
        const ynode *nm = ynode_get(m, "name");
        dp->name_line = nm->line;
        dp->name_col = nm->col;
        s->ndeps++;
    }
    /* names are unique: sorted, so that 100,000 deployments check in n log n */
    scn_deployment **by = malloc(s->ndeps * sizeof *by);
    if (!by)
        return fp_fail(e, d->file, 0, 0, "out of memory");
    for (size_t i = 0; i < s->ndeps; i++)
        by[i] = &s->deps[i];
    qsort(by, s->ndeps, sizeof *by, dep_name_cmp);
    for (size_t i = 1; i < s->ndeps; i++)
        if (!strcmp(by[i - 1]->name, by[i]->name)) {
            const scn_deployment *later = by[i - 1] > by[i] ? by[i - 1] : by[i];
            int rc = fp_fail(e, d->file, later->name_line, later->name_col, "deployment name '%s' is used twice",
                             later->name);
            free(by);
            return rc;
        }
    free(by);
    return 0;
}

static const yfield top_fields[] = {
    {"name", 0, t_name},           {"description", 0, t_ignore}, {"goal", 0, t_goal},
    {"time_limit", 0, t_time},     {"gap", 0, t_gap},            {"allow_partial", 0, t_partial},
    {"nodes", 0, t_nodes},         {"variants", 0, t_variants},  {"deployments", 1, t_deployments},
    {"margin", 0, t_margin},       {"work_limit", 0, t_work},
};

/* ====================================================================== load */

static int load_doc(scenario *s, ydoc *doc, const inv_catalog *cat, fp_error *err)
{
    memset(s, 0, sizeof *s);
    s->goal = SOL_GOAL_COST;
    s->time_limit = 10;
    snprintf(s->file, sizeof s->file, "%s", doc->file);
    if (!doc->root)
        return fp_fail(err, doc->file, 1, 1, "the scenario is empty: it needs 'nodes' and 'deployments'");
    load_ctx c = {.s = s, .cat = cat};
    if (ymap_apply(doc, doc->root, "the scenario", top_fields, sizeof top_fields / sizeof top_fields[0], &c, err))
        return -1;
    if (s->nvariants == 0)
        return ydoc_fail(doc, doc->root, err, "the scenario needs 'nodes' (or 'variants' of node choices)");
    return scn_use_variant(s, 0, err);
}

int scn_parse(scenario *s, const char *name, const char *buf, size_t len, const inv_catalog *cat, fp_error *err)
{
    ydoc doc;
    memset(s, 0, sizeof *s);
    if (ydoc_parse(&doc, name, buf, len, err) != 0)
        return -1;
    int rc = load_doc(s, &doc, cat, err);
    ydoc_free(&doc);
    if (rc != 0)
        scn_free(s);
    return rc;
}

int scn_load(scenario *s, const char *path, const inv_catalog *cat, fp_error *err)
{
    ydoc doc;
    memset(s, 0, sizeof *s);
    if (ydoc_load_file(&doc, path, err) != 0)
        return -1;
    int rc = load_doc(s, &doc, cat, err);
    ydoc_free(&doc);
    if (rc != 0)
        scn_free(s);
    return rc;
}

/* Can the GPU of node choice nc run deployment dp?  1, or 0 with why.  Host-memory
 * placements and fixed footprints (no workload) ask nothing of a GPU; a GPU written inline
 * by its memory alone has unknown capabilities and is taken as able (docs/formats.md).
 * A bf16 the deployment did not ask for runs as fp16 where there is no bf16. */
static int node_can_run(const scn_node_choice *nc, const scn_deployment *dp, char *why, size_t n)
{
    if (n)
        why[0] = 0;
    if (dp->on_host || dp->memory || nc->node.gpus == 0)
        return 1;
    est_workload w = dp->opts.w;
    est_options_fp16_fallback(&dp->opts, &w);
    return inv_caps_can_run(&nc->node.gpu_caps, nc->node.gpu, &w, why, n);
}

int scn_use_variant(scenario *s, size_t vi, fp_error *err)
{
    if (vi >= s->nvariants)
        return fp_fail(err, s->file, 0, 0, "no node set %zu", vi);
    s->current = vi;
    s->nodes = s->variants[vi].nodes;
    s->nnodes = s->variants[vi].nnodes;
    /* default placement: host memory when no node choice has a GPU */
    int any_gpu = 0;
    for (size_t i = 0; i < s->nnodes; i++)
        any_gpu |= s->nodes[i].node.gpus > 0;
    for (size_t i = 0; i < s->ndeps; i++) {
        scn_deployment *dp = &s->deps[i];
        if (!dp->on_set)
            dp->on_host = !any_gpu || est_on_host(&dp->opts.w);
        free(dp->allowed);
        dp->allowed = calloc(s->nnodes + 1, 1);
        if (!dp->allowed)
            return fp_fail(err, s->file, 0, 0, "out of memory");
        for (size_t n = 0; n < s->nnodes; n++)
            dp->allowed[n] = dp->npin == 0;
        for (size_t p = 0; p < dp->npin; p++) {
            size_t n = 0;
            while (n < s->nnodes && !fp_streq_ci(s->nodes[n].name, dp->pin[p]))
                n++;
            if (n == s->nnodes)
                return fp_fail(err, s->file, dp->pin_line, dp->pin_col,
                               "'node_type': '%s' is not one of the node choices%s%s%s", dp->pin[p],
                               s->nvariants > 1 ? " of variant '" : "", s->nvariants > 1 ? s->variants[vi].name : "",
                               s->nvariants > 1 ? "'" : "");
            dp->allowed[n] = 1;
        }
        /* contradictions */
        uint32_t maxtp = 0;
        for (size_t n = 0; n < s->nnodes; n++)
            if (dp->allowed[n] && s->nodes[n].node.gpus > maxtp)
                maxtp = s->nodes[n].node.gpus;
        int tp_ok = 0;
        for (size_t t = 0; t < dp->ntp; t++)
            tp_ok |= dp->tp[t] <= maxtp || dp->on_host;
        if (!tp_ok)
            return fp_fail(err, s->file, dp->tp_line ? dp->tp_line : dp->line, dp->tp_line ? dp->tp_col : dp->col,
                           "deployment '%s': tensor-parallel degree %u needs %u GPUs in one node; its node choices "
                           "have at most %u",
                           dp->name, dp->tp[0], dp->tp[0], maxtp);
        if (dp->anti_affinity && dp->replicas > 1) {
            int64_t nodes = 0;
            int unlimited = 0;
            for (size_t n = 0; n < s->nnodes; n++)
                if (dp->allowed[n]) {
                    if (s->nodes[n].count < 0)
                        unlimited = 1;
                    else
                        nodes += s->nodes[n].count;
                }
            if (!unlimited && nodes < (int64_t)dp->replicas)
                return fp_fail(err, s->file, dp->anti_line, dp->anti_col,
                               "deployment '%s': %u replicas on distinct nodes, but only %lld nodes may be used",
                               dp->name, dp->replicas, (long long)nodes);
        }
        /* a node type whose GPU cannot run the deployment is not allowed either; that is no
         * contradiction in the file (the deployment is left unplaced, scn_why_unplaceable
         * says why).  The answer depends on the GPU's capabilities and the workload alone, so
         * it is asked once per distinct capabilities (the last 8 kept), not once per node
         * type: 20,000 deployments x 10,000 node types took seconds, past any time limit */
        if (dp->on_host || dp->memory)
            continue;
        est_workload w = dp->opts.w;
        est_options_fp16_fallback(&dp->opts, &w);
        inv_caps seen[8];
        int ok[8];
        size_t nseen = 0, next = 0;
        for (size_t n = 0; n < s->nnodes; n++) {
            const inv_node *nd = &s->nodes[n].node;
            if (!dp->allowed[n] || nd->gpus == 0)
                continue;
            size_t k = 0;
            while (k < nseen && memcmp(&seen[k], &nd->gpu_caps, sizeof seen[k]) != 0)
                k++;
            if (k == nseen) {
                k = nseen < 8 ? nseen++ : next++ % 8;
                seen[k] = nd->gpu_caps;
                ok[k] = inv_caps_can_run(&nd->gpu_caps, nd->gpu, &w, NULL, 0);
            }
            if (!ok[k])
                dp->allowed[n] = 0;
        }
    }
    return 0;
}

int scn_override(scenario *s, const char *key, const char *value, fp_error *err)
{
    const char *dot = strrchr(key, '.'); /* deployment names may hold dots (coder-6.7b) */
    char depname[64] = "", name[64];
    if (dot) {
        snprintf(depname, sizeof depname, "%.*s", (int)(dot - key), key);
        snprintf(name, sizeof name, "%s", dot + 1);
    } else {
        snprintf(name, sizeof name, "%s", key);
    }
    for (char *p = name; *p; p++)
        if (*p == '_')
            *p = '-';
    if (!depname[0] && !strcmp(name, "margin")) /* every deployment's, fixed sizes included */
        return scn_set_margin(s, value, 1, err);
    int matched = 0;
    for (size_t i = 0; i < s->ndeps; i++) {
        scn_deployment *dp = &s->deps[i];
        if (depname[0] && strcmp(dp->name, depname) != 0)
            continue;
        matched = 1;
        if (!strcmp(name, "replicas")) {
            uint64_t u;
            if (fp_uint_parse(value, &u) != 0 || u == 0 || u > 100000)
                return fp_fail(err, NULL, 0, 0, "'%s': replicas must be between 1 and 100000, got '%s'", key, value);
            dp->replicas = (uint32_t)u;
            continue;
        }
        if (dp->memory)
            continue; /* a fixed footprint has no workload */
        /* overrides accumulate: kept with the written workload, applied after it */
        if (!dp->wl && !(dp->wl = calloc(SCN_MAX_WL, sizeof *dp->wl)))
            return fp_fail(err, NULL, 0, 0, "out of memory");
        if (dp->nwl == SCN_MAX_WL || strlen(value) >= sizeof dp->wl[0].value)
            return fp_fail(err, NULL, 0, 0, "'%s': too many or too long overrides", key);
        snprintf(dp->wl[dp->nwl].name, sizeof dp->wl[0].name, "%s", name);
        snprintf(dp->wl[dp->nwl].value, sizeof dp->wl[0].value, "%s", value);
        dp->nwl++;
        fp_error oe;
        if (rebuild_opts(s, dp, NULL, NULL, &oe) != 0)
            return fp_fail(err, NULL, 0, 0, "'%s' = '%s': %s", key, value, oe.msg);
    }
    if (depname[0] && !matched)
        return fp_fail(err, NULL, 0, 0, "'%s': no deployment named '%s'", key, depname);
    size_t nrows;
    const est_option_row *rows = est_option_rows(&nrows);
    size_t r = 0;
    while (r < nrows && strcmp(rows[r].name, name) != 0)
        r++;
    if (r == nrows && strcmp(name, "replicas") != 0)
        return fp_fail(err, NULL, 0, 0, "'%s': not a workload option nor 'replicas'", key);
    return scn_use_variant(s, s->current, err);
}

void scn_free(scenario *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->deps_cap; i++) {
        free(s->deps[i].allowed);
        free(s->deps[i].wl);
        free(s->deps[i].pin);
    }
    free(s->deps);
    free(s->models);
    for (size_t v = 0; v < s->nvariants; v++)
        free(s->variants[v].nodes);
    free(s->variants);
    memset(s, 0, sizeof *s);
}

int scn_set_margin(scenario *s, const char *value, int force, fp_error *err)
{
    if (est_margin_parse("margin", value, &s->margin, err) != 0)
        return -1;
    s->margin_forced |= force;
    return 0;
}

/* ====================================================================== build */

/* vLLM started with the user's --gpu-memory-utilization takes that share of the GPU's total
 * (plus its CUDA context and graphs, outside the budget) on whatever GPU it runs, and what it
 * profiles (allocated + margin) must fit the share.  So its size depends on the node type:
 * one solver variant per distinct GPU size among the node choices, each allowed only on the
 * types of its size.  The variant sd->variants[sd->nvariants] holds the tp shape already. */
static int vllm_fixed_share(scenario *s, scn_deployment *dp, sol_deployment *sd, unsigned char *rows,
                            const est_workload *w, const est_footprint *fp, fp_error *err)
{
    const size_t first = sd->nvariants;
    const sol_variant proto = sd->variants[first];
    const uint32_t tpdeg = dp->vtp[first];
    for (size_t n = 0; n < s->nnodes; n++) {
        const scn_node_choice *nc = &s->nodes[n];
        uint64_t total = nc->node.gpu_memory;
        if (!nc->node.gpus || !total || (dp->allowed && !dp->allowed[n]))
            continue;
        uint64_t takes = (uint64_t)ceil(w->gpu_memory_utilization * (double)total) + fp->outside_allocator;
        uint64_t room = total > nc->reserve_gpu ? total - nc->reserve_gpu : 0;
        if (!est_fits(fp, w, total) || takes > room)
            continue; /* its budget on this GPU is too small for it, or the GPU for the budget */
        size_t k = first;
        while (k < sd->nvariants && dp->device_bytes[k] != takes)
            k++;
        if (k == sd->nvariants) { /* a GPU size not seen yet: a variant of its own */
            if (k == SOL_MAX_VARIANTS)
                return fp_fail(err, s->file, dp->line, dp->col,
                               "deployment '%s': its tp degrees times the GPU sizes offered make more than %d ways "
                               "to run it; offer fewer GPU sizes or degrees",
                               dp->name, SOL_MAX_VARIANTS);
            sd->nvariants++;
            sd->variants[k] = proto;
            sd->variants[k].shard_bytes = takes;
            memset(rows + k * s->nnodes, 0, s->nnodes);
            sd->variants[k].allowed = rows + k * s->nnodes;
            dp->vtp[k] = tpdeg;
            dp->device_bytes[k] = takes;
            dp->margin_bytes[k] = 0; /* the margin lives inside the budget: vLLM turns it into KV cache */
            dp->outside_bytes[k] = fp->outside_allocator;
            dp->gpus[k] = sol_variant_gpus(&proto);
            dp->vpp[k] = dp->vpp[first];
            dp->shard_bytes[k] = takes;
        }
        rows[k * s->nnodes + n] = 1;
    }
    if (sd->nvariants == first) { /* no GPU offered gives it room: a variant no node may take */
        if (first == SOL_MAX_VARIANTS)
            return fp_fail(err, s->file, dp->line, dp->col, "deployment '%s': more than %d ways to run it", dp->name,
                           SOL_MAX_VARIANTS);
        sd->nvariants++;
        memset(rows + first * s->nnodes, 0, s->nnodes);
        sd->variants[first].allowed = rows + first * s->nnodes;
        dp->gpus[first] = sol_variant_gpus(&proto);
        dp->shard_bytes[first] = proto.shard_bytes;
        dp->outside_bytes[first] = fp->outside_allocator;
    }
    dp->nv = sd->nvariants;
    return 0;
}

/* The shape of a GPU variant of g GPUs in groups of tp (a pipeline stage's, a training
 * rank's): on one node, g GPUs as one block (tp = g) as always; where the replica may span
 * nodes, groups of tp that the solver lays on up to max_nodes nodes of one type.  It may span
 * when the deployment says (max_nodes), or lists 'pp', or when its job is larger than any node
 * it may use (then up to SCN_DEFAULT_SPAN nodes: docs/formats.md).  -1 with err. */
static int span_shape(const scn_deployment *dp, sol_variant *v, uint32_t tp, uint64_t g, uint32_t node_gpus,
                      const scenario *s, fp_error *err)
{
    uint32_t span = one_machine(dp) ? 1
                    : dp->max_nodes                       ? dp->max_nodes
                    : dp->npp || g > node_gpus            ? SCN_DEFAULT_SPAN
                                                          : 1;
    if (span <= 1 || g <= tp) {
        if (g > SCN_MAX_JOB_GPUS)
            return fp_fail(err, s->file, dp->line, dp->col,
                           "deployment '%s': a job of %llu GPUs is more than one node holds (at most %d GPUs); let "
                           "it span nodes with 'max_nodes'",
                           dp->name, (unsigned long long)g, SCN_MAX_JOB_GPUS);
        v->tp = (uint32_t)g;
        v->groups = 0;
        v->max_nodes = 0;
        return 0;
    }
    if (g / tp > 32 * SOL_MAX_SPAN || g % tp)
        return fp_fail(err, s->file, dp->line, dp->col, "deployment '%s': a job of %llu GPUs is more than fedplan "
                       "places (%d nodes of at most 32 GPUs)", dp->name, (unsigned long long)g, SOL_MAX_SPAN);
    v->tp = tp;
    v->groups = (uint32_t)(g / tp);
    v->max_nodes = span;
    return 0;
}

/* the margin a fixed-size deployment gets on dev bytes (the estimator's rule) */
static uint64_t margin_of(const est_margin *mg, uint64_t dev)
{
    return mg->fixed + (mg->frac > 0 ? (uint64_t)ceil((double)dev * mg->frac) : 0);
}

/* The ids of the model files whose weights replicas share on a node: one per (model as
 * written, weight bytes), the bytes telling quantizations of one catalog model apart. */
typedef struct share_tab {
    size_t n, cap;
    long *model;
    uint64_t *bytes;
} share_tab;

static int share_id(share_tab *t, long model, uint64_t bytes, uint32_t *id)
{
    for (size_t i = t->n; i-- > 0;) /* few distinct files: a scan */
        if (t->model[i] == model && t->bytes[i] == bytes) {
            *id = (uint32_t)i + 1;
            return 0;
        }
    if (t->n == t->cap) {
        size_t ncap = t->cap ? 2 * t->cap : 16;
        long *m = realloc(t->model, ncap * sizeof *m);
        if (m)
            t->model = m;
        uint64_t *b = m ? realloc(t->bytes, ncap * sizeof *b) : NULL;
        if (!b)
            return -1;
        t->bytes = b;
        t->cap = ncap;
    }
    t->model[t->n] = model;
    t->bytes[t->n] = bytes;
    *id = (uint32_t)++t->n;
    return 0;
}

int scn_build(scenario *s, const inv_catalog *cat, sol_problem *pb, fp_error *err)
{
    share_tab shares = {0};
    (void)cat; /* the models were resolved against it at load (resolve_dep_model) */
    memset(pb, 0, sizeof *pb);
    /* the per-variant node flags of vLLM deployments with a fixed utilization live after the
     * deployments, in the same block: the problem owns them (scn_problem_free), and a later
     * build never rewrites a problem still in use */
    size_t nfixed = 0;
    for (size_t i = 0; i < s->ndeps; i++)
        nfixed += !s->deps[i].memory && !s->deps[i].on_host && s->deps[i].opts.w.runtime == EST_RT_VLLM &&
                  s->deps[i].opts.w.gmu_set;
    size_t dep_bytes = (s->ndeps + 1) * sizeof(sol_deployment);
    size_t flag_bytes = nfixed * SOL_MAX_VARIANTS * s->nnodes, fixed_seen = 0;
    if (s->nnodes && flag_bytes / SOL_MAX_VARIANTS / s->nnodes != nfixed)
        return fp_fail(err, s->file, 0, 0, "out of memory");
    sol_deployment *deps = calloc(1, dep_bytes + flag_bytes);
    unsigned char *flags = (unsigned char *)deps + dep_bytes;
    sol_node_type *types = calloc(s->nnodes + 1, sizeof *types);
    if (!deps || !types) {
        free(deps);
        free(types);
        return fp_fail(err, s->file, 0, 0, "out of memory");
    }
    pb->deps = deps;
    pb->types = types;
    pb->ndeps = s->ndeps;
    pb->ntypes = s->nnodes;
    pb->goal = s->goal;
    pb->time_limit_s = s->time_limit;
    if (s->work_limit > 0) { /* the budget governs; the clock only guards against runaway */
        pb->work_limit = s->work_limit;
        pb->time_limit_s = s->time_limit * SCN_WALL_GUARD;
    }
    pb->gap_limit = s->gap;
    pb->allow_partial = s->allow_partial;
    for (size_t n = 0; n < s->nnodes; n++) {
        const scn_node_choice *nc = &s->nodes[n];
        sol_node_type *t = &types[n];
        snprintf(t->name, sizeof t->name, "%s", nc->name);
        t->gpus = nc->node.gpus;
        t->gpu_bytes = nc->node.gpus ? nc->node.gpu_memory - nc->reserve_gpu : 0;
        t->host_bytes = nc->node.host_memory > nc->reserve_host ? nc->node.host_memory - nc->reserve_host : 0;
        t->cost = nc->cost;
        t->available = nc->count;
        t->no_span = nc->no_span;
    }
    for (size_t i = 0; i < s->ndeps; i++) {
        scn_deployment *dp = &s->deps[i];
        sol_deployment *sd = &deps[i];
        snprintf(sd->name, sizeof sd->name, "%s", dp->name);
        sd->replicas = dp->replicas;
        sd->anti_affinity = dp->anti_affinity;
        sd->priority = dp->priority;
        sd->allowed = dp->allowed;
        est_arch arch;
        est_params params;
        const inv_resolved *res = dep_model(s, dp);
        if (res) {
            arch = res->arch;
            fp_error pe = {0};
            if (est_params_count(&arch, &params, &pe) != 0) {
                model_fail(s, dp, &pe, err);
                goto fail;
            }
            fp_error fe;
            if (est_workload_settle(&arch, dp->model, &dp->opts.w, &fe) != 0) {
                fp_fail(err, s->file, dp->line, dp->col, "deployment '%s': %s", dp->name, fe.msg);
                goto fail;
            }
        }
        dp->nv = 0;
        memset(dp->shared_bytes, 0, sizeof dp->shared_bytes);
        unsigned char *rows = NULL; /* this deployment's per-variant node flags, when it needs them */
        if (!dp->memory && !dp->on_host && dp->opts.w.runtime == EST_RT_VLLM && dp->opts.w.gmu_set)
            rows = flags + (fixed_seen++) * SOL_MAX_VARIANTS * s->nnodes;
        /* the most GPUs one node it may use has: a job larger than that spans nodes by default */
        uint32_t node_gpus = 0;
        for (size_t n = 0; n < s->nnodes; n++)
            if ((!dp->allowed || dp->allowed[n]) && s->nodes[n].node.gpus > node_gpus)
                node_gpus = s->nodes[n].node.gpus;
        const size_t npp = dp->npp ? dp->npp : 1;
        for (size_t q = 0; q < dp->ntp * npp; q++) {
            const size_t t = q / npp;
            const uint32_t ppd = dp->npp ? dp->pp[q % npp] : 0; /* 0: the workload's */
            if (sd->nvariants == SOL_MAX_VARIANTS) {
                fp_fail(err, s->file, dp->line, dp->col, "deployment '%s': more than %d ways to run it (tp degrees "
                        "times GPU sizes)", dp->name, SOL_MAX_VARIANTS);
                goto fail;
            }
            sol_variant *v = &sd->variants[sd->nvariants];
            size_t vi = sd->nvariants;
            /* the solver's tp is the number of GPUs a replica occupies, each holding shard_bytes;
             * a replica that may span nodes is groups of tp GPUs instead (span_shape) */
            v->tp = dp->on_host ? 1 : dp->tp[t];
            v->on_host = dp->on_host;
            dp->vtp[vi] = dp->tp[t];
            dp->vpp[vi] = ppd ? ppd : 1;
            if (dp->memory) {
                uint64_t dev = (dp->memory + (uint64_t)v->tp * dp->vpp[vi] - 1) / ((uint64_t)v->tp * dp->vpp[vi]);
                if (!dp->on_host && span_shape(dp, v, dp->tp[t], (uint64_t)dp->tp[t] * dp->vpp[vi], node_gpus, s, err))
                    goto fail;
                /* a fixed size is the user's own figure: no margin unless the scenario sets one */
                uint64_t margin = s->margin.set ? margin_of(&s->margin, dev) : 0;
                dp->device_bytes[vi] = dev;
                dp->margin_bytes[vi] = margin;
                v->shard_bytes = dev + margin;
            } else {
                est_workload w = dp->opts.w;
                w.tp = dp->tp[t];
                if (ppd)
                    w.pp = ppd;
                if (s->margin.set && (s->margin_forced || !w.margin.set))
                    w.margin = s->margin;
                est_footprint fp;
                fp_error fe;
                if (est_workload_shape(&w, &fe) != 0 || est_zero_check(&w, dp->opts.fsdp_set, &fe) != 0 ||
                    est_footprint_compute(&arch, &params, &w, &fp, NULL, &fe) != 0) {
                    char tpn[32] = "";
                    if (dp->ntp > 1)
                        snprintf(tpn, sizeof tpn, " (tp %u)", dp->tp[t]);
                    fp_fail(err, s->file, dp->line, dp->col, "deployment '%s'%s: %s", dp->name, tpn, fe.msg);
                    goto fail;
                }
                if (!dp->on_host) {
                    uint64_t g = est_job_gpus(&w);
                    dp->vpp[vi] = (uint32_t)(w.pp ? w.pp : 1);
                    if (span_shape(dp, v, dp->tp[t], g, node_gpus, s, err))
                        goto fail;
                }
                v->shard_bytes = fp.need;
                if (dp->on_host && w.runtime == EST_RT_LLAMACPP && dp->share_weights != 0 &&
                    fp.bytes[EST_C_WEIGHTS] < fp.need) {
                    /* the weights, mmapped read-only, are one copy in the page cache for every
                     * process of this file on the node */
                    v->shared_bytes = fp.bytes[EST_C_WEIGHTS];
                    v->shard_bytes -= v->shared_bytes;
                    dp->shared_bytes[vi] = v->shared_bytes;
                    if (share_id(&shares, dp->model_ix, v->shared_bytes, &v->share) != 0) {
                        fp_fail(err, s->file, 0, 0, "out of memory");
                        goto fail;
                    }
                } else if (dp->share_weights == 1) {
                    fp_fail(err, s->file, dp->share_line, dp->share_col,
                            "deployment '%s': 'share_weights' applies to llama.cpp processes on host memory "
                            "(this one %s)", dp->name,
                            !dp->on_host ? "runs on a GPU" : w.runtime != EST_RT_LLAMACPP ? "is no llama.cpp process"
                                                                                          : "has no weights to share");
                    goto fail;
                }
                /* the host RAM of the job's processes, packed in the node's host memory (llama.cpp's
                 * whole footprint is host memory already: fp.host is 0 there) */
                if (!dp->on_host)
                    v->host_bytes = fp.host;
                dp->device_bytes[vi] = fp.device;
                dp->margin_bytes[vi] = fp.margin;
                dp->outside_bytes[vi] = fp.outside_allocator;
                dp->round_bytes[vi] = 0;
                if (!dp->on_host && w.runtime == EST_RT_VLLM && !w.gmu_set) {
                    /* the utilization printed is rounded up to 4 decimals: the process then takes up to
                     * 1e-4 of the GPU more than its need, so that much is packed too */
                    uint64_t biggest = 0;
                    for (size_t n = 0; n < s->nnodes; n++)
                        if (s->nodes[n].node.gpu_memory > biggest)
                            biggest = s->nodes[n].node.gpu_memory;
                    dp->round_bytes[vi] = (uint64_t)ceil((double)biggest * 1e-4);
                    v->shard_bytes += dp->round_bytes[vi];
                    dp->margin_bytes[vi] += dp->round_bytes[vi];
                }
                if (!dp->on_host && w.runtime == EST_RT_VLLM && w.gmu_set) {
                    /* the user's utilization: the process takes that share of whichever GPU */
                    if (vllm_fixed_share(s, dp, sd, rows, &w, &fp, err) != 0)
                        goto fail;
                    continue; /* it added its own variants */
                }
            }
            dp->gpus[vi] = v->on_host ? 0 : sol_variant_gpus(v);
            dp->shard_bytes[vi] = v->shard_bytes;
            sd->nvariants++;
            dp->nv = sd->nvariants;
        }
    }
    free(shares.model);
    free(shares.bytes);
    return 0;
fail:
    free(shares.model);
    free(shares.bytes);
    scn_problem_free(pb);
    return -1;
}

void scn_problem_free(sol_problem *pb)
{
    if (!pb)
        return;
    free((void *)pb->deps);
    free((void *)pb->types);
    memset(pb, 0, sizeof *pb);
}

void scn_why_unplaceable(const scenario *s, const sol_problem *pb, size_t d, char *buf, size_t n)
{
    const sol_deployment *dp = &pb->deps[d];
    buf[0] = 0;
    uint64_t best_gpu = 0, best_host = 0;
    uint32_t most_gpus = 0;
    const sol_variant *host_short = NULL, *span_off = NULL;
    for (size_t t = 0; t < pb->ntypes; t++) {
        if (dp->allowed && !dp->allowed[t])
            continue;
        const sol_node_type *nt = &pb->types[t];
        if (nt->gpus && nt->gpu_bytes > best_gpu)
            best_gpu = nt->gpu_bytes;
        if (nt->gpus > most_gpus)
            most_gpus = nt->gpus;
        if (nt->host_bytes > best_host)
            best_host = nt->host_bytes;
        for (size_t v = 0; v < dp->nvariants; v++) {
            const sol_variant *va = &dp->variants[v];
            if (!sol_variant_allowed(dp, va, t))
                continue;
            uint32_t span = sol_span_nodes(va, nt);
            /* on the nodes a replica spans, each holds its share of the host memory */
            uint64_t all = va->on_host ? 1 : sol_variant_gpus(va), on = span > 1 ? nt->gpus / va->tp * va->tp : all;
            uint64_t hb = va->host_bytes / all * on + ((va->host_bytes % all) * on + all - 1) / all;
            if (va->on_host ? va->shard_bytes <= nt->host_bytes
                            : (span && va->shard_bytes <= nt->gpu_bytes && hb <= nt->host_bytes))
                return; /* placeable somewhere */
            if (!va->on_host && span && va->shard_bytes <= nt->gpu_bytes)
                host_short = va; /* its GPUs would do: host memory is what is missing */
            if (!va->on_host && !span && va->tp <= nt->gpus && sol_variant_gpus(va) > nt->gpus)
                span_off = va; /* enough GPUs over several nodes, were it allowed to span them */
        }
    }
    /* node types refused because their GPU cannot run it: the first one's reason */
    char cannot[200] = "";
    size_t allowed = 0;
    for (size_t t = 0; t < pb->ntypes && t < s->nnodes; t++) {
        if (!dp->allowed || dp->allowed[t])
            allowed++;
        else if (!cannot[0])
            node_can_run(&s->nodes[t], &s->deps[d], cannot, sizeof cannot);
    }
    if (!allowed && cannot[0]) {
        snprintf(buf, n, "no GPU offered can run it: %s", cannot);
        return;
    }
    const scn_deployment *sdp = &s->deps[d];
    if (!sdp->memory && !sdp->on_host && sdp->opts.w.runtime == EST_RT_VLLM && sdp->opts.w.gmu_set) {
        /* its budget is the user's share of each GPU: say what that share lacks on the largest */
        uint64_t total = 0;
        for (size_t t = 0; t < s->nnodes; t++)
            if ((!dp->allowed || dp->allowed[t]) && s->nodes[t].node.gpu_memory > total)
                total = s->nodes[t].node.gpu_memory;
        const size_t last = dp->nvariants - 1;
        uint64_t need = sdp->shard_bytes[last] - sdp->outside_bytes[last];
        double g = sdp->opts.w.gpu_memory_utilization;
        if (total && (double)need > g * (double)total) {
            snprintf(buf, n,
                     "started with --gpu-memory-utilization %.2f, vLLM's budget on the largest GPU offered is %.2f GiB "
                     "of %.2f GiB and it needs %.2f GiB in it (allocated + margin): give it at least %.3f, or leave "
                     "gpu_memory_utilization out and let the plan choose",
                     g, g * (double)total / FP_GIB, (double)total / FP_GIB, (double)need / FP_GIB,
                     ceil((double)need / (double)total * 1000.0) / 1000.0);
            return;
        }
        if (total) { /* the budget holds it, but the share and what vLLM keeps outside it do not fit */
            snprintf(buf, n,
                     "started with --gpu-memory-utilization %.2f, vLLM takes %.2f GiB of a %.2f GiB GPU plus %.2f GiB "
                     "outside its budget (CUDA context and graphs): more than the GPU holds after its reserve; "
                     "lower it, or leave it out and let the plan choose",
                     g, g * (double)total / FP_GIB, (double)total / FP_GIB,
                     (double)sdp->outside_bytes[last] / FP_GIB);
            return;
        }
    }
    /* the variant closest to fitting: among those whose GPUs one node has, the smallest; else
     * the one with the fewest GPUs */
    const sol_variant *va = NULL;
    for (size_t v = 0; v < dp->nvariants; v++) {
        const sol_variant *x = &dp->variants[v];
        /* GPUs one node must have: the whole replica's, or a group's where it may span nodes */
        uint32_t xg = x->max_nodes > 1 ? x->tp : sol_variant_gpus(x), vg = va ? (va->max_nodes > 1 ? va->tp : sol_variant_gpus(va)) : 0;
        int ok = x->on_host || xg <= most_gpus, va_ok = va && (va->on_host || vg <= most_gpus);
        if (!va || (ok && !va_ok) || (ok == va_ok && (ok ? x->shard_bytes < va->shard_bytes : xg < vg)))
            va = x;
    }
    uint32_t va_all = va->on_host ? 0 : sol_variant_gpus(va); /* the replica's GPUs */
    if (span_off && !host_short)
        snprintf(buf, n, "needs %u GPUs (tp %u x %u stages or ranks), more than one node offered has, and may not span nodes there "
                 "(its max_nodes is %u; a node choice with 'span: false' refuses it)",
                 sol_variant_gpus(span_off), s->deps[d].vtp[span_off - dp->variants],
                 sol_variant_gpus(span_off) / s->deps[d].vtp[span_off - dp->variants],
                 span_off->max_nodes ? span_off->max_nodes : 1);
    else if (host_short)
        snprintf(buf, n, "its %u process%s need %.2f GiB of host memory beside the GPUs, and the largest host memory "
                 "on a node whose GPUs would hold it is smaller (%.2f GiB on the largest node offered)",
                 sol_variant_gpus(host_short), sol_variant_gpus(host_short) == 1 ? "" : "es",
                 (double)host_short->host_bytes / FP_GIB, (double)best_host / FP_GIB);
    else if (va->on_host)
        snprintf(buf, n, "needs %.2f GiB of host memory and the largest node offered has %.2f GiB",
                 (double)va->shard_bytes / FP_GIB, (double)best_host / FP_GIB);
    else if (!most_gpus)
        snprintf(buf, n, "needs a GPU and none of its node choices has one");
    else if ((va->max_nodes > 1 ? va->tp : va_all) > most_gpus) {
        uint32_t need = va->max_nodes > 1 ? va->tp : va_all, tp = s->deps[d].vtp[va - dp->variants];
        uint32_t pp = va->max_nodes > 1 ? 1 : s->deps[d].vpp[va - dp->variants];
        if (pp > 1)
            snprintf(buf, n, "needs %u GPUs on one node (tp %u x pp %u x %u data-parallel) and its node choices have "
                     "at most %u", need, tp, pp, need / tp / pp, most_gpus);
        else
            snprintf(buf, n, "needs %u GPUs on one node (tp %u x %u data-parallel) and its node choices have at most %u",
                     need, tp, need / tp, most_gpus);
    }
    else {
        size_t vi = (size_t)(va - dp->variants);
        const scn_deployment *sd = &s->deps[d];
        /* the largest GPU on a node that has this many GPUs and may take this variant */
        uint64_t best = 0;
        for (size_t t = 0; t < pb->ntypes; t++)
            if (sol_variant_allowed(dp, va, t) && sol_span_nodes(va, &pb->types[t]) && pb->types[t].gpu_bytes > best)
                best = pb->types[t].gpu_bytes;
        char job[64];
        if (va_all > 1)
            snprintf(job, sizeof job, ", on each of %u GPUs", va_all);
        else
            job[0] = 0;
        char where[64] = "";
        if (va_all > 1 && va->max_nodes <= 1)
            snprintf(where, sizeof where, " on a node with %u GPUs", va_all);
        if (va->shard_bytes > best)
            snprintf(buf, n,
                     "needs %.2f GiB per GPU (%.2f estimate + %.2f margin%s) and the largest GPU%s offered has %.2f GiB "
                     "(short by %.0f MiB)",
                     (double)va->shard_bytes / FP_GIB, (double)sd->device_bytes[vi] / FP_GIB,
                     (double)sd->margin_bytes[vi] / FP_GIB, job, where, (double)best / FP_GIB,
                     ceil((double)(va->shard_bytes - best) / 1048576.0));
        else /* each part fits somewhere, never together */
            snprintf(buf, n,
                     "needs %u GPUs of %.2f GiB (%.2f estimate + %.2f margin each) and %.2f GiB of host memory on one "
                     "node, and no node offered has all of it",
                     va_all, (double)va->shard_bytes / FP_GIB, (double)sd->device_bytes[vi] / FP_GIB,
                     (double)sd->margin_bytes[vi] / FP_GIB, (double)va->host_bytes / FP_GIB);
    }
    size_t used = strlen(buf);
    if (cannot[0] && used + 16 < n)
        snprintf(buf + used, n - used, "; others cannot run it: %s", cannot);
}
