/* cmd_catalog.c: fedplan catalog models|gpus */
#include <stdio.h>
#include <string.h>

#include "../estimator/estimator.h"
#include "../inventory/inventory.h"
#include "cli.h"

enum { O_FORMAT };
static const cli_opt opts[] = {{"format", 1, O_FORMAT}};

static void help(FILE *out)
{
    fputs("usage: fedplan catalog models|gpus|nodes|instances [--format table|json|yaml|csv]\n"
          "\n"
          "Lists the built-in catalogs: models with their exact parameter counts and KV-cache\n"
          "bytes per token (16-bit; MLA models: the latent vLLM caches), GPUs with the memory\n"
          "the platform reports, owned node sizes, and cloud instances with on-demand prices.\n",
          out);
}

static json_t *models_json(const inv_catalog *cat)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < cat->nmodels; i++) {
        const inv_model *m = &cat->models[i];
        est_params p;
        if (est_params_count(&m->arch, &p, NULL) != 0)
            continue;
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(m->name));
        json_object_set_new(o, "hf_id", json_string(m->hf_id));
        json_object_set_new(o, "model_type", json_string(m->arch.model_type));
        json_object_set_new(o, "params", json_integer((json_int_t)p.total));
        json_object_set_new(o, "active_params", json_integer((json_int_t)p.active));
        json_object_set_new(o, "layers", json_integer((json_int_t)m->arch.layers));
        json_object_set_new(o, "hidden", json_integer((json_int_t)m->arch.hidden));
        json_object_set_new(o, "kv_bytes_per_token_16bit", json_integer((json_int_t)est_kv_bytes_per_token(&m->arch, 2.0)));
        json_object_set_new(o, "max_positions", json_integer((json_int_t)m->arch.max_positions));
        json_object_set_new(o, "source", json_string(m->source));
        json_array_append_new(arr, o);
    }
    return arr;
}

static json_t *gpus_json(const inv_catalog *cat)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < cat->ngpus; i++) {
        const inv_gpu *g = &cat->gpus[i];
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(g->name));
        json_object_set_new(o, "memory_bytes", json_integer((json_int_t)g->memory));
        json_object_set_new(o, "memory_mib", json_integer((json_int_t)(g->memory >> 20)));
        json_object_set_new(o, "usable_mib", json_integer((json_int_t)(inv_gpu_capacity(g) >> 20)));
        json_object_set_new(o, "nominal_bytes", json_integer((json_int_t)g->nominal));
        json_object_set_new(o, "architecture", json_string(g->architecture));
        json_object_set_new(o, "vendor", json_string(g->caps.vendor));
        json_object_set_new(o, "compute_capability", json_string(g->caps.compute_capability));
        /* hardware features: from the compute capability (inventory/caps.c) or stated */
        for (unsigned f = 1; f < (1u << INV_F_COUNT); f <<= 1)
            json_object_set_new(o, inv_feature_name(f), json_boolean((g->caps.features & f) != 0));
        json_object_set_new(o, "source", json_string(g->source));
        json_array_append_new(arr, o);
    }
    return arr;
}

static json_t *nodes_json(const inv_catalog *cat, int cloud)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < cat->nnodes; i++) {
        const inv_node *n = &cat->nodes[i];
        if ((strcmp(n->provider, "on-prem") != 0) != cloud)
            continue;
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(n->name));
        json_object_set_new(o, "provider", json_string(n->provider));
        json_object_set_new(o, "gpus", json_integer(n->gpus));
        json_object_set_new(o, "gpu", json_string(n->gpu));
        json_object_set_new(o, "gpu_memory_bytes", json_integer((json_int_t)n->gpu_memory));
        json_object_set_new(o, "host_memory_bytes", json_integer((json_int_t)n->host_memory));
        if (n->vcpus)
            json_object_set_new(o, "vcpus", json_integer(n->vcpus));
        json_object_set_new(o, "price_per_hour", n->has_price ? json_real(n->price) : json_null());
        if (n->region[0])
            json_object_set_new(o, "region", json_string(n->region));
        json_object_set_new(o, "source", json_string(n->source));
        json_array_append_new(arr, o);
    }
    return arr;
}

static int run(int argc, char **argv)
{
    fp_error err = {0};
    out_format fmt = FMT_TABLE;
    const char *what = NULL;
    cli_args a = {.argc = argc, .argv = argv, .i = 1};
    int id, r;
    const char *v;
    while ((r = cli_next(&a, opts, 1, &id, &v, &err)) == 1) {
        if (id == -1) {
            if (what)
                return fp_fail(&err, NULL, 0, 0, "catalog takes one of models or gpus"), cli_report(&err);
            what = v;
        } else if (cli_parse_format(v, &fmt, &err) != 0) {
            return cli_report(&err);
        }
    }
    if (r < 0)
        return cli_report(&err);
    int models = what && !strcmp(what, "models"), gpus = what && !strcmp(what, "gpus");
    int nodes = what && !strcmp(what, "nodes"), instances = what && !strcmp(what, "instances");
    if (!models && !gpus && !nodes && !instances) {
        fp_fail(&err, NULL, 0, 0, "catalog: say which one: models, gpus, nodes or instances%s%s%s", what ? " (got '" : "",
                what ? what : "", what ? "')" : "");
        return cli_report(&err);
    }
    inv_catalog cat;
    if (inv_catalog_load(&cat, &err) != 0)
        return cli_report(&err);
    json_t *arr = models ? models_json(&cat) : gpus ? gpus_json(&cat) : nodes_json(&cat, instances);
    if (fmt != FMT_TABLE)
        out_any(stdout, fmt, arr);
    else if (nodes || instances) {
        printf("%-26s %5s %-12s %10s %10s %10s\n", "name", "gpus", "gpu", "GPU GiB", "host GiB", "$/hour");
        size_t i;
        json_t *o;
        json_array_foreach(arr, i, o)
        {
            const json_t *pr = json_object_get(o, "price_per_hour");
            char price[32];
            if (json_is_null(pr))
                snprintf(price, sizeof price, "-");
            else
                snprintf(price, sizeof price, "%.3f", json_real_value(pr));
            printf("%-26s %5lld %-12s %10.2f %10.2f %10s\n", json_string_value(json_object_get(o, "name")),
                   (long long)json_integer_value(json_object_get(o, "gpus")), json_string_value(json_object_get(o, "gpu")),
                   (double)json_integer_value(json_object_get(o, "gpu_memory_bytes")) / 1073741824.0,
                   (double)json_integer_value(json_object_get(o, "host_memory_bytes")) / 1073741824.0, price);
        }
    } else if (models) {
        char b1[32], b2[32];
        printf("%-30s %-12s %18s %18s %10s\n", "model", "type", "params", "active", "KV B/token");
        size_t i;
        json_t *o;
        json_array_foreach(arr, i, o)
        {
            printf("%-30s %-12s %18s %18s %10lld\n", json_string_value(json_object_get(o, "name")),
                   json_string_value(json_object_get(o, "model_type")),
                   fmt_int(b1, sizeof b1, (unsigned long long)json_integer_value(json_object_get(o, "params"))),
                   fmt_int(b2, sizeof b2, (unsigned long long)json_integer_value(json_object_get(o, "active_params"))),
                   (long long)json_integer_value(json_object_get(o, "kv_bytes_per_token_16bit")));
        }
    } else {
        printf("%-16s %12s %10s %10s  %-13s %-8s %s\n", "gpu", "MiB", "usable", "GiB", "architecture", "compute",
               "features");
        size_t i;
        json_t *o;
        json_array_foreach(arr, i, o)
        {
            long long bytes = (long long)json_integer_value(json_object_get(o, "memory_bytes"));
            char feats[96] = "";
            for (unsigned f = 1; f < (1u << INV_F_COUNT); f <<= 1)
                if (json_is_true(json_object_get(o, inv_feature_name(f))))
                    snprintf(feats + strlen(feats), sizeof feats - strlen(feats), "%s%s", feats[0] ? " " : "",
                             inv_feature_name(f));
            long long usable = (long long)json_integer_value(json_object_get(o, "usable_mib"));
            printf("%-16s %12lld %10lld %10.2f  %-13s %-8s %s\n", json_string_value(json_object_get(o, "name")),
                   bytes >> 20, usable, (double)usable / 1024.0, json_string_value(json_object_get(o, "architecture")),
                   json_string_value(json_object_get(o, "compute_capability")), feats[0] ? feats : "-");
        }
    }
    json_decref(arr);
    inv_catalog_free(&cat);
    return EXIT_OK;
}

const cli_command cmd_catalog = {
    .name = "catalog",
    .summary = "list the built-in model and GPU catalogs",
    .run = run,
    .help = help,
};
