/* catalog.c: the model and GPU catalogs, read from YAML with a schema table each. */
#include <jansson.h>
#include <limits.h>
#include <errno.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/text.h"
#include "../common/units.h"
#include "hfconfig_int.h"
#include "inventory.h"
#include "ydoc.h"

/* ====================================================================== YAML -> JSON */

static json_t *scalar_to_json(const ynode *n)
{
    if (!n->plain)
        return json_string(n->str);
    if (ynode_is_null(n))
        return json_null();
    if (!strcmp(n->str, "true") || !strcmp(n->str, "True"))
        return json_true();
    if (!strcmp(n->str, "false") || !strcmp(n->str, "False"))
        return json_false();
    uint64_t u;
    if (fp_uint_parse(n->str, &u) == 0 && u <= (uint64_t)LLONG_MAX)
        return json_integer((json_int_t)u);
    double d;
    if (fp_number_parse(n->str, &d) == 0)
        return json_real(d);
    return json_string(n->str);
}

/* NULL when an allocation failed anywhere inside: a document missing a key would read as a
 * config without it */
static json_t *ynode_to_json(const ynode *n)
{
    if (n->type == YN_SCALAR)
        return scalar_to_json(n);
    json_t *c = n->type == YN_SEQ ? json_array() : json_object();
    for (size_t i = 0; c && i < n->n; i++) {
        json_t *v = ynode_to_json(n->vals[i]);
        int rc = !v ? -1 : n->type == YN_SEQ ? json_array_append_new(c, v) : json_object_set_new(c, n->keys[i]->str, v);
        if (rc != 0) {
            json_decref(c);
            c = NULL;
        }
    }
    return c;
}

/* ====================================================================== models */

typedef struct model_ctx {
    inv_model *m;
    const ynode *config;
} model_ctx;

static int copy_str(const ydoc *d, const ynode *v, const char *key, char *dst, size_t size, fp_error *err)
{
    const char *s;
    if (ynode_str(d, v, key, &s, err))
        return -1;
    if (strlen(s) >= size)
        return ydoc_fail(d, v, err, "'%s' is longer than %zu characters", key, size - 1);
    memcpy(dst, s, strlen(s) + 1);
    return 0;
}

static int m_name(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    model_ctx *c = o;
    return copy_str(d, v, k, c->m->name, sizeof c->m->name, e);
}
static int m_hf(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    model_ctx *c = o;
    return copy_str(d, v, k, c->m->hf_id, sizeof c->m->hf_id, e);
}
static int m_source(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    model_ctx *c = o;
    return copy_str(d, v, k, c->m->source, sizeof c->m->source, e);
}
static int m_expected(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    model_ctx *c = o;
    return ynode_u64(d, v, k, &c->m->expected_params, e);
}
static int m_config(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    model_ctx *c = o;
    if (v->type != YN_MAP)
        return ydoc_fail(d, v, e, "'%s' must be a mapping of config.json keys", k);
    c->config = v;
    return 0;
}

static const yfield model_fields[] = {
    {"name", 1, m_name},
    {"hf_id", 0, m_hf},
    {"source", 1, m_source},
    {"expected_params", 0, m_expected},
    {"config", 1, m_config},
};

int inv_models_parse(inv_catalog *cat, const char *name, const char *buf, size_t len, fp_error *err)
{
    ydoc doc;
    if (ydoc_parse(&doc, name, buf, len, err) != 0)
        return -1;
    int rc = -1;
    const ynode *list = ynode_get(doc.root, "models");
    if (!doc.root || doc.root->type != YN_MAP || doc.root->n != 1 || !list || list->type != YN_SEQ) {
        ydoc_fail(&doc, doc.root, err, "a model catalog is a mapping with one key 'models' holding a list");
        goto out;
    }
    inv_model *grown = realloc(cat->models, (cat->nmodels + list->n + 1) * sizeof *grown);
    if (!grown) {
        fp_fail(err, name, 0, 0, "out of memory");
        goto out;
    }
    cat->models = grown;
    size_t first = cat->nmodels; /* entries of this file start here */
    for (size_t i = 0; i < list->n; i++) {
        inv_model *m = &cat->models[cat->nmodels];
        memset(m, 0, sizeof *m);
        model_ctx c = {.m = m};
        if (ymap_apply(&doc, list->vals[i], "a model entry", model_fields,
                       sizeof model_fields / sizeof model_fields[0], &c, err) != 0)
            goto out;
        size_t same = cat->nmodels;
        for (size_t j = 0; j < cat->nmodels; j++)
            if (fp_streq_ci(cat->models[j].name, m->name)) {
                if (j >= first) {
                    ydoc_fail(&doc, ynode_get(list->vals[i], "name"), err, "duplicate model name '%s'", m->name);
                    goto out;
                }
                same = j; /* a later catalog overrides an earlier one */
            }
        json_t *obj = ynode_to_json(c.config);
        cfg_src src = {.file = name, .obj = obj, .ymap = c.config};
        int arc = inv_arch_from_src(&src, &m->arch, err);
        json_decref(obj);
        if (arc != 0)
            goto out;
        if (same < cat->nmodels)
            cat->models[same] = *m;
        else
            cat->nmodels++;
    }
    rc = 0;
out:
    ydoc_free(&doc);
    return rc;
}

/* ====================================================================== GPUs */

static int g_name(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    inv_gpu *g = o;
    return copy_str(d, v, k, g->name, sizeof g->name, e);
}
static int g_aliases(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    inv_gpu *g = o;
    if (v->type != YN_SEQ)
        return ydoc_fail(d, v, e, "'%s' must be a list of names", k);
    if (v->n > sizeof g->aliases / sizeof g->aliases[0])
        return ydoc_fail(d, v, e, "'%s' has more than %zu names", k, sizeof g->aliases / sizeof g->aliases[0]);
    for (size_t i = 0; i < v->n; i++)
        if (copy_str(d, v->vals[i], k, g->aliases[i], sizeof g->aliases[i], e))
            return -1;
    g->naliases = v->n;
    return 0;
}
static int g_memory(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    inv_gpu *g = o;
    if (ynode_size(d, v, k, &g->memory, e))
        return -1;
    if (g->memory == 0)
        return ydoc_fail(d, v, e, "'%s' must be positive", k);
    return 0;
}
static int g_usable(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    inv_gpu *g = o;
    if (ynode_size(d, v, k, &g->usable, e))
        return -1;
    if (g->usable == 0)
        return ydoc_fail(d, v, e, "'%s' must be positive", k);
    return 0;
}
static int g_nominal(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    inv_gpu *g = o;
    return ynode_size(d, v, k, &g->nominal, e);
}
static int g_arch(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    inv_gpu *g = o;
    return copy_str(d, v, k, g->architecture, sizeof g->architecture, e);
}
/* A feature stated in the entry overrides what the compute capability gives (caps.c). */
static int g_feature(const ydoc *d, const ynode *v, const char *k, inv_gpu *g, unsigned f, fp_error *e)
{
    int on;
    if (ynode_bool(d, v, k, &on, e))
        return -1;
    g->caps.features = on ? g->caps.features | f : g->caps.features & ~f;
    g->caps.known = 1;
    return 0;
}
static int g_bf16(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    return g_feature(d, v, k, o, INV_F_BF16, e);
}
static int g_fp8(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    return g_feature(d, v, k, o, INV_F_FP8, e);
}
static int g_int8(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    return g_feature(d, v, k, o, INV_F_INT8, e);
}
static int g_fa2(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    return g_feature(d, v, k, o, INV_F_FA2, e);
}
static int g_cc(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    inv_gpu *g = o;
    if (copy_str(d, v, k, g->caps.compute_capability, sizeof g->caps.compute_capability, e))
        return -1;
    g->caps.known = 1;
    return 0;
}
static int g_vendor(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    inv_gpu *g = o;
    if (copy_str(d, v, k, g->caps.vendor, sizeof g->caps.vendor, e))
        return -1;
    if (strcmp(g->caps.vendor, "nvidia") != 0 && strcmp(g->caps.vendor, "amd") != 0)
        return ydoc_fail(d, v, e, "'%s' must be 'nvidia' or 'amd', got '%s'", k, g->caps.vendor);
    return 0;
}
static int g_source(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    inv_gpu *g = o;
    return copy_str(d, v, k, g->source, sizeof g->source, e);
}
static const yfield gpu_fields[] = {
    {"name", 1, g_name},
    {"aliases", 0, g_aliases},
    {"memory", 1, g_memory},
    {"nominal", 0, g_nominal},
    {"usable", 0, g_usable},
    {"architecture", 0, g_arch},
    {"compute_capability", 0, g_cc},
    {"vendor", 0, g_vendor},
    {"bf16", 0, g_bf16},
    {"fp8", 0, g_fp8},
    {"int8_tensor_cores", 0, g_int8},
    {"flash_attention_2", 0, g_fa2},
    {"source", 1, g_source},
};

/* After an entry is read: an NVIDIA compute capability gives the features (caps.c), and
 * the features the entry stated override them. */
static int gpu_caps_settle(const ydoc *d, const ynode *entry, inv_gpu *g, fp_error *e)
{
    inv_caps *c = &g->caps;
    unsigned stated_mask = 0;
    static const struct { const char *key; unsigned f; } keys[] = {
        {"bf16", INV_F_BF16}, {"fp8", INV_F_FP8}, {"int8_tensor_cores", INV_F_INT8}, {"flash_attention_2", INV_F_FA2}};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (ynode_get(entry, keys[i].key))
            stated_mask |= keys[i].f;
    if (c->compute_capability[0] && strcmp(c->vendor, "amd") != 0) {
        c->cc = inv_cc_parse(c->compute_capability);
        if (c->cc < 0)
            return ydoc_fail(d, ynode_get(entry, "compute_capability"), e,
                             "'compute_capability' of an NVIDIA GPU is MAJOR.MINOR such as '8.9', got '%s'",
                             c->compute_capability);
        if (!c->vendor[0])
            snprintf(c->vendor, sizeof c->vendor, "nvidia");
        c->features = (inv_cc_features(c->cc) & ~stated_mask) | (c->features & stated_mask);
    }
    g->bf16 = (c->features & INV_F_BF16) != 0;
    g->fp8 = (c->features & INV_F_FP8) != 0;
    return 0;
}

int inv_gpus_parse(inv_catalog *cat, const char *name, const char *buf, size_t len, fp_error *err)
{
    ydoc doc;
    if (ydoc_parse(&doc, name, buf, len, err) != 0)
        return -1;
    int rc = -1;
    const ynode *list = ynode_get(doc.root, "gpus");
    if (!doc.root || doc.root->type != YN_MAP || doc.root->n != 1 || !list || list->type != YN_SEQ) {
        ydoc_fail(&doc, doc.root, err, "a GPU catalog is a mapping with one key 'gpus' holding a list");
        goto out;
    }
    inv_gpu *grown = realloc(cat->gpus, (cat->ngpus + list->n + 1) * sizeof *grown);
    if (!grown) {
        fp_fail(err, name, 0, 0, "out of memory");
        goto out;
    }
    cat->gpus = grown;
    size_t first = cat->ngpus;
    for (size_t i = 0; i < list->n; i++) {
        inv_gpu *g = &cat->gpus[cat->ngpus];
        memset(g, 0, sizeof *g);
        if (ymap_apply(&doc, list->vals[i], "a GPU entry", gpu_fields, sizeof gpu_fields / sizeof gpu_fields[0], g,
                       err) != 0)
            goto out;
        if (gpu_caps_settle(&doc, list->vals[i], g, err) != 0)
            goto out;
        size_t same = cat->ngpus;
        for (size_t j = 0; j < cat->ngpus; j++)
            if (fp_streq_ci(cat->gpus[j].name, g->name)) {
                if (j >= first) {
                    ydoc_fail(&doc, ynode_get(list->vals[i], "name"), err, "duplicate GPU name '%s'", g->name);
                    goto out;
                }
                same = j;
            }
        if (same < cat->ngpus)
            cat->gpus[same] = *g;
        else
            cat->ngpus++;
    }
    rc = 0;
out:
    ydoc_free(&doc);
    return rc;
}

/* ====================================================================== nodes */

typedef struct node_ctx {
    inv_node *n;
    inv_catalog *cat; /* GPUs to resolve against; per-region prices are appended to it */
} node_ctx;

static int n_name(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    return copy_str(d, v, k, ((node_ctx *)o)->n->name, INV_NAME, e);
}
static int n_provider(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    return copy_str(d, v, k, ((node_ctx *)o)->n->provider, sizeof ((node_ctx *)o)->n->provider, e);
}
static int n_region(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    return copy_str(d, v, k, ((node_ctx *)o)->n->region, sizeof ((node_ctx *)o)->n->region, e);
}
static int n_source(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    return copy_str(d, v, k, ((node_ctx *)o)->n->source, sizeof ((node_ctx *)o)->n->source, e);
}
static int n_gpu(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    node_ctx *c = o;
    if (copy_str(d, v, k, c->n->gpu, INV_NAME, e))
        return -1;
    const inv_gpu *g = inv_gpu_find(c->cat, c->n->gpu);
    if (!g) {
        char dym[96];
        const char *near = inv_gpu_suggest(c->cat, c->n->gpu);
        return ydoc_fail(d, v, e, "'%s': unknown GPU '%s'%s", k, c->n->gpu,
                         fp_did_you_mean(dym, sizeof dym, near));
    }
    snprintf(c->n->gpu, INV_NAME, "%s", g->name);
    c->n->gpu_memory = inv_gpu_capacity(g);
    c->n->gpu_caps = g->caps;
    return 0;
}
static int n_gpus(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    uint64_t u;
    if (ynode_u64(d, v, k, &u, e))
        return -1;
    if (u > 64)
        return ydoc_fail(d, v, e, "'%s' must be at most 64, got %llu", k, (unsigned long long)u);
    ((node_ctx *)o)->n->gpus = (uint32_t)u;
    return 0;
}
static int n_vcpus(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    uint64_t u;
    if (ynode_u64(d, v, k, &u, e))
        return -1;
    ((node_ctx *)o)->n->vcpus = (uint32_t)(u > 100000 ? 100000 : u);
    return 0;
}
static int n_memory(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    return ynode_size(d, v, k, &((node_ctx *)o)->n->host_memory, e);
}
static int n_price(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    node_ctx *c = o;
    if (ynode_double(d, v, k, &c->n->price, e))
        return -1;
    if (c->n->price < 0 || c->n->price > 1e5)
        return ydoc_fail(d, v, e, "'%s' must be between 0 and 100000 per hour, got %s", k, v->str);
    c->n->has_price = 1;
    return 0;
}

static int price_value(const ydoc *d, const ynode *v, const char *k, double *out, fp_error *e)
{
    if (ynode_double(d, v, k, out, e))
        return -1;
    if (!(*out >= 0) || *out > 1e5)
        return ydoc_fail(d, v, e, "'%s' must be between 0 and 100000 per hour, got %s", k, v->str);
    return 0;
}
static int n_spot(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    node_ctx *c = o;
    if (price_value(d, v, k, &c->n->spot, e))
        return -1;
    c->n->has_spot = 1;
    return 0;
}
/* price_date: "YYYY-MM", "YYYY-MM-DD" (the day or month the source published the price) or "undated" */
static int n_date(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    node_ctx *c = o;
    if (copy_str(d, v, k, c->n->price_date, sizeof c->n->price_date, e))
        return -1;
    const char *s = c->n->price_date;
    size_t n = strlen(s);
    int ok = !strcmp(s, "undated") || n == 7 || n == 10;
    for (size_t i = 0; ok && i < n && strcmp(s, "undated") != 0; i++)
        ok = (i == 4 || i == 7) ? s[i] == '-' : (s[i] >= '0' && s[i] <= '9');
    if (ok && n >= 7 && strcmp(s, "undated") != 0) {
        int month = (s[5] - '0') * 10 + (s[6] - '0'), day = n == 10 ? (s[8] - '0') * 10 + (s[9] - '0') : 1;
        ok = month >= 1 && month <= 12 && day >= 1 && day <= 31;
    }
    if (!ok)
        return ydoc_fail(d, v, e, "'%s' must be YYYY-MM, YYYY-MM-DD or 'undated', got '%s'", k, s);
    return 0;
}

/* prices: one row per region, {region, on_demand, spot} (either price may be absent) */
static int p_region(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    inv_price *p = o;
    return copy_str(d, v, k, p->region, sizeof p->region, e);
}
static int p_on_demand(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    inv_price *p = o;
    if (price_value(d, v, k, &p->on_demand, e))
        return -1;
    p->has_on_demand = 1;
    return 0;
}
static int p_spot(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    inv_price *p = o;
    if (price_value(d, v, k, &p->spot, e))
        return -1;
    p->has_spot = 1;
    return 0;
}
static const yfield price_fields[] = {
    {"region", 1, p_region},
    {"on_demand", 0, p_on_demand},
    {"spot", 0, p_spot},
};
static int n_prices(const ydoc *d, const ynode *v, const char *k, void *o, fp_error *e)
{
    node_ctx *c = o;
    if (v->type != YN_SEQ || v->n == 0)
        return ydoc_fail(d, v, e, "'%s' must be a non-empty list of {region, on_demand, spot}", k);
    if (v->n > 1000)
        return ydoc_fail(d, v, e, "'%s' has more than 1000 regions", k);
    inv_catalog *cat = c->cat;
    inv_price *grown = realloc(cat->prices, (cat->nprices + v->n) * sizeof *grown);
    if (!grown)
        return fp_fail(e, d->file, 0, 0, "out of memory");
    cat->prices = grown;
    c->n->price0 = cat->nprices;
    c->n->nprices = 0;
    for (size_t i = 0; i < v->n; i++) {
        inv_price *p = &cat->prices[cat->nprices + i];
        memset(p, 0, sizeof *p);
        if (ymap_apply(d, v->vals[i], "a price row", price_fields, sizeof price_fields / sizeof price_fields[0], p, e))
            return -1;
        for (size_t j = 0; j < i; j++)
            if (!strcmp(cat->prices[cat->nprices + j].region, p->region))
                return ydoc_fail(d, ynode_get(v->vals[i], "region"), e, "region '%s' is listed twice", p->region);
    }
    c->n->nprices = v->n;
    cat->nprices += v->n;
    return 0;
}

static const yfield node_fields[] = {
    {"name", 1, n_name},
    {"provider", 0, n_provider},
    {"gpu", 0, n_gpu},
    {"gpus", 1, n_gpus},
    {"memory", 0, n_memory},
    {"host_memory", 0, n_memory},
    {"vcpus", 0, n_vcpus},
    {"price_per_hour", 0, n_price},
    {"region", 0, n_region},
    {"source", 0, n_source},
    {"price_source", 0, n_source},
    {"spot_price_per_hour", 0, n_spot},
    {"prices", 0, n_prices},
    {"price_date", 0, n_date},
};

int inv_nodes_parse(inv_catalog *cat, const char *name, const char *buf, size_t len, fp_error *err)
{
    ydoc doc;
    if (ydoc_parse(&doc, name, buf, len, err) != 0)
        return -1;
    int rc = -1;
    const ynode *list = ynode_get(doc.root, "nodes");
    int cloud = 0;
    if (!list) {
        list = ynode_get(doc.root, "instances");
        cloud = 1;
    }
    if (!doc.root || doc.root->type != YN_MAP || doc.root->n != 1 || !list || list->type != YN_SEQ) {
        ydoc_fail(&doc, doc.root, err, "a node catalog is a mapping with one key, 'nodes' or 'instances', holding a list");
        goto out;
    }
    inv_node *grown = realloc(cat->nodes, (cat->nnodes + list->n + 1) * sizeof *grown);
    if (!grown) {
        fp_fail(err, name, 0, 0, "out of memory");
        goto out;
    }
    cat->nodes = grown;
    size_t first = cat->nnodes;
    for (size_t i = 0; i < list->n; i++) {
        inv_node *n = &cat->nodes[cat->nnodes];
        memset(n, 0, sizeof *n);
        snprintf(n->provider, sizeof n->provider, "%s", cloud ? "cloud" : "on-prem");
        node_ctx c = {n, cat};
        if (ymap_apply(&doc, list->vals[i], cloud ? "an instance entry" : "a node entry", node_fields,
                       sizeof node_fields / sizeof node_fields[0], &c, err) != 0)
            goto out;
        const ynode *at = ynode_get(list->vals[i], "name");
        if (n->gpus && !n->gpu[0]) {
            ydoc_fail(&doc, at, err, "'%s' has %u GPUs but no 'gpu' model", n->name, n->gpus);
            goto out;
        }
        if (!n->gpus && !n->host_memory) {
            ydoc_fail(&doc, at, err, "'%s' has neither GPUs nor 'memory'", n->name);
            goto out;
        }
        if (n->nprices) { /* prices per region: the defaults are the cheapest region's */
            char why[160];
            if (!n->has_price && inv_node_price(cat, n, NULL, 0, &n->price, n->region, sizeof n->region, why,
                                                sizeof why) == 0)
                n->has_price = 1;
            if (!n->has_spot && inv_node_price(cat, n, NULL, 1, &n->spot, n->spot_region, sizeof n->spot_region, why,
                                                sizeof why) == 0)
                n->has_spot = 1;
        }
        const inv_node *prev = inv_node_find(cat, n->name);
        if (prev && (size_t)(prev - cat->nodes) >= first) {
            ydoc_fail(&doc, at, err, "duplicate node name '%s'", n->name);
            goto out;
        }
        if (prev)
            cat->nodes[prev - cat->nodes] = *n; /* a later catalog overrides an earlier one */
        else
            cat->nnodes++;
    }
    rc = 0;
out:
    ydoc_free(&doc);
    return rc;
}

int inv_node_price(const inv_catalog *cat, const inv_node *n, const char *region, int spot, double *price,
                   char *region_out, size_t rn, char *why, size_t wn)
{
    const char *kind = spot ? "spot" : "on-demand";
    if (!n->nprices) { /* one price, for the entry's own region */
        if (region && (!n->region[0] || strcmp(region, n->region) != 0)) {
            snprintf(why, wn, "'%s' is priced for %s%s only", n->name, n->region[0] ? "region " : "one unnamed region",
                     n->region);
            return -1;
        }
        if (spot ? !n->has_spot : !n->has_price) {
            snprintf(why, wn, "'%s' has no %s price in the catalog (an instances file from 'fedplan catalog import "
                              "skypilot' has spot prices)", n->name, kind);
            return -1;
        }
        *price = spot ? n->spot : n->price;
        if (region_out)
            snprintf(region_out, rn, "%s", n->region);
        return 0;
    }
    const inv_price *best = NULL;
    for (size_t i = n->price0; i < n->price0 + n->nprices && i < cat->nprices; i++) {
        const inv_price *p = &cat->prices[i];
        if (region && strcmp(region, p->region) != 0)
            continue;
        if (!(spot ? p->has_spot : p->has_on_demand))
            continue;
        double v = spot ? p->spot : p->on_demand, bv = best ? (spot ? best->spot : best->on_demand) : 0;
        if (!best || v < bv || (v == bv && strcmp(p->region, best->region) < 0))
            best = p;
    }
    if (!best) {
        size_t used = 0;
        if (region)
            used = (size_t)snprintf(why, wn, "'%s' has no %s price for region '%s'; regions with one:", n->name, kind, region);
        else
            used = (size_t)snprintf(why, wn, "'%s' has no %s price in any region", n->name, kind);
        size_t listed = 0;
        for (size_t i = n->price0; region && i < n->price0 + n->nprices && i < cat->nprices && used < wn; i++) {
            const inv_price *p = &cat->prices[i];
            if (!(spot ? p->has_spot : p->has_on_demand))
                continue;
            if (listed == 8) {
                used += (size_t)snprintf(why + used, wn - used, " ...");
                break;
            }
            used += (size_t)snprintf(why + used, wn - used, " %s", p->region);
            listed++;
        }
        if (region && !listed && used < wn)
            snprintf(why + used, wn - used, " none");
        return -1;
    }
    *price = spot ? best->spot : best->on_demand;
    if (region_out)
        snprintf(region_out, rn, "%s", best->region);
    return 0;
}

uint64_t inv_gpu_capacity(const inv_gpu *g)
{
    return g->usable && g->usable < g->memory ? g->usable : g->memory;
}

void inv_catalog_relink(inv_catalog *cat)
{
    for (size_t i = 0; i < cat->nnodes; i++) {
        inv_node *n = &cat->nodes[i];
        const inv_gpu *g = n->gpu[0] ? inv_gpu_find(cat, n->gpu) : NULL;
        if (g) {
            n->gpu_memory = inv_gpu_capacity(g);
            n->gpu_caps = g->caps;
        }
    }
}

const inv_node *inv_node_find(const inv_catalog *cat, const char *name)
{
    for (size_t i = 0; i < cat->nnodes; i++)
        if (fp_streq_ci(cat->nodes[i].name, name))
            return &cat->nodes[i];
    return NULL;
}

const char *inv_node_suggest(const inv_catalog *cat, const char *name)
{
    const char **names = malloc((cat->nnodes + 1) * sizeof *names);
    if (!names)
        return NULL;
    for (size_t i = 0; i < cat->nnodes; i++)
        names[i] = cat->nodes[i].name;
    const char *r = fp_closest(name, names, cat->nnodes);
    free(names);
    return r;
}

/* ====================================================================== catalog */

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap)
            break;
        if (cap >= (64u << 20)) {
            free(buf);
            buf = NULL;
            break;
        }
        char *nb = realloc(buf, cap * 2);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    fclose(f);
    *len = n;
    return buf;
}

static int load_one(inv_catalog *cat, const char *dir, const char *file, const char *builtin, size_t builtin_len,
                    int (*parse)(inv_catalog *, const char *, const char *, size_t, fp_error *), fp_error *err)
{
    if (!dir || !*dir) {
        char name[64];
        snprintf(name, sizeof name, "inventory/%s", file);
        return parse(cat, name, builtin, builtin_len, err);
    }
    char path[FP_ERR_FILE];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    struct stat st;
    if (stat(path, &st) != 0) {
        if (errno == ENOENT) /* a file the folder lacks: the built-in one */
            return load_one(cat, NULL, file, builtin, builtin_len, parse, err);
        return fp_fail(err, path, 0, 0, "cannot read the catalog (FEDPLAN_DATA_DIR is set): %s", strerror(errno));
    }
    if (!S_ISREG(st.st_mode))
        return fp_fail(err, path, 0, 0, "cannot read the catalog (FEDPLAN_DATA_DIR is set): not a regular file");
    size_t len;
    errno = 0;
    char *buf = read_all(path, &len);
    if (!buf)
        return fp_fail(err, path, 0, 0, "cannot read the catalog (FEDPLAN_DATA_DIR is set): %s",
                       errno ? strerror(errno) : "out of memory");
    int rc = parse(cat, path, buf, len, err);
    free(buf);
    return rc;
}

int inv_catalog_load(inv_catalog *cat, fp_error *err)
{
    memset(cat, 0, sizeof *cat);
    const char *dir = getenv("FEDPLAN_DATA_DIR");
    if (load_one(cat, dir, "models.yaml", inv_builtin_models_yaml, inv_builtin_models_yaml_len, inv_models_parse,
                 err) != 0 ||
        load_one(cat, dir, "gpus.yaml", inv_builtin_gpus_yaml, inv_builtin_gpus_yaml_len, inv_gpus_parse, err) != 0 ||
        load_one(cat, dir, "nodes.yaml", inv_builtin_nodes_yaml, inv_builtin_nodes_yaml_len, inv_nodes_parse, err) != 0 ||
        load_one(cat, dir, "instances.yaml", inv_builtin_instances_yaml, inv_builtin_instances_yaml_len,
                 inv_nodes_parse, err) != 0) {
        inv_catalog_free(cat);
        return -1;
    }
    return 0;
}

void inv_catalog_free(inv_catalog *cat)
{
    if (!cat)
        return;
    free(cat->models);
    free(cat->gpus);
    free(cat->nodes);
    free(cat->prices);
    memset(cat, 0, sizeof *cat);
}

const inv_model *inv_model_find(const inv_catalog *cat, const char *name)
{
    for (size_t i = 0; i < cat->nmodels; i++)
        if (fp_streq_ci(cat->models[i].name, name) || (cat->models[i].hf_id[0] && fp_streq_ci(cat->models[i].hf_id, name)))
            return &cat->models[i];
    return NULL;
}

const inv_gpu *inv_gpu_find(const inv_catalog *cat, const char *name)
{
    for (size_t i = 0; i < cat->ngpus; i++) {
        if (fp_streq_ci(cat->gpus[i].name, name))
            return &cat->gpus[i];
        for (size_t k = 0; k < cat->gpus[i].naliases; k++)
            if (fp_streq_ci(cat->gpus[i].aliases[k], name))
                return &cat->gpus[i];
    }
    return NULL;
}

const char *inv_model_suggest(const inv_catalog *cat, const char *name)
{
    const char *names[512];
    size_t n = cat->nmodels < 512 ? cat->nmodels : 512;
    for (size_t i = 0; i < n; i++)
        names[i] = cat->models[i].name;
    return fp_closest(name, names, n);
}

const char *inv_gpu_suggest(const inv_catalog *cat, const char *name)
{
    const char *names[512];
    size_t n = cat->ngpus < 512 ? cat->ngpus : 512;
    for (size_t i = 0; i < n; i++)
        names[i] = cat->gpus[i].name;
    return fp_closest(name, names, n);
}
