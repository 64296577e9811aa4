/* cmd_catalog.c: fedplan catalog models|gpus|nodes|instances, and catalog import skypilot */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../common/atomic.h"
#include "../common/text.h"

#include "../estimator/estimator.h"
#include "../inventory/inventory.h"
#include "cli.h"

enum { O_FORMAT, O_GPU, O_INVENTORY, O_OUTPUT, O_PROVIDER, O_DATE, O_SOURCE, O_SKIP };
static const cli_opt opts[] = {
    {"format", 1, O_FORMAT},     {"gpu", 1, O_GPU},   {"inventory", 1, O_INVENTORY},    {"output", 1, O_OUTPUT},
    {"o", 1, O_OUTPUT},          {"provider", 1, O_PROVIDER}, {"date", 1, O_DATE}, {"source", 1, O_SOURCE},
    {"skip-unknown", 0, O_SKIP},
};

static void help(FILE *out)
{
    fputs("usage: fedplan catalog models|gpus|nodes [--format table|json|yaml|csv] [--inventory FILE]\n"
          "       fedplan catalog instances [--gpu NAME] [--inventory FILE] [--format ...]\n"
          "       fedplan catalog import skypilot VMS.csv [-o FILE] [--provider NAME] [--date YYYY-MM-DD]\n"
          "                                 [--source TEXT] [--skip-unknown]\n"
          "\n"
          "Lists the built-in catalogs: models with their exact parameter counts and KV-cache\n"
          "bytes per token (16-bit; MLA models: the latent vLLM caches), GPUs with the memory\n"
          "the platform reports, owned node sizes, and cloud instances with their prices, the\n"
          "cheapest first (--gpu keeps one GPU's instances).  --inventory adds a catalog file.\n"
          "\n"
          "import skypilot reads SkyPilot's price table (skypilot-catalog catalogs/vN/CLOUD/vms.csv)\n"
          "into an instances file for --inventory (standard output, or -o FILE):\n"
          "  --provider NAME   the names' prefix (aws/g5.xlarge); default: the CSV's folder name\n"
          "  --date DATE       the prices' date; default: the CSV's modification day (UTC)\n"
          "  --source TEXT     where the prices come from; default: the CSV's path and its date's basis\n"
          "  --skip-unknown    leave out instances whose accelerator the GPU catalog lacks (listed on\n"
          "                    standard error); without it they are an error (exit 2)\n",
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

/* instances: the cheapest on-demand price first, unpriced ones last, then by name */
static int by_price(const void *a, const void *b)
{
    const inv_node *x = *(const inv_node *const *)a, *y = *(const inv_node *const *)b;
    if (x->has_price != y->has_price)
        return x->has_price ? -1 : 1;
    if (x->has_price && x->price != y->price)
        return x->price < y->price ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* owned nodes (cloud 0) in catalog order, or cloud instances by price; gpu: keep only that GPU's */
static json_t *nodes_json(const inv_catalog *cat, int cloud, const char *gpu)
{
    const inv_node **order = malloc((cat->nnodes + 1) * sizeof *order);
    if (!order)
        return NULL;
    json_t *arr = json_array();
    size_t m = 0;
    for (size_t i = 0; i < cat->nnodes; i++)
        order[m++] = &cat->nodes[i];
    if (cloud)
        qsort(order, m, sizeof *order, by_price);
    for (size_t i = 0; i < m; i++) {
        const inv_node *n = order[i];
        if ((strcmp(n->provider, "on-prem") != 0) != cloud)
            continue;
        if (gpu && strcmp(n->gpu, gpu) != 0)
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
        if (cloud)
            json_object_set_new(o, "spot_price_per_hour", n->has_spot ? json_real(n->spot) : json_null());
        if (n->region[0])
            json_object_set_new(o, "region", json_string(n->region));
        if (cloud)
            json_object_set_new(o, "spot_region", !n->has_spot ? json_null()
                                                  : json_string(n->spot_region[0] ? n->spot_region : n->region));
        if (cloud) {
            json_object_set_new(o, "regions", json_integer((json_int_t)(n->nprices ? n->nprices : n->region[0] ? 1 : 0)));
            json_object_set_new(o, "price_date", json_string(n->price_date[0] ? n->price_date : "undated"));
        }
        json_object_set_new(o, "source", json_string(n->source));
        json_array_append_new(arr, o);
    }
    free(order);
    return arr;
}

/* ---------------------------------------------------------------- import */

/* The whole file at path (at most 256 MiB) into *buf (malloc'ed, NUL-terminated). */
static int read_file(const char *path, char **buf, size_t *len, struct stat *st, fp_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return fp_fail(err, path, 0, 0, "cannot open: %s", strerror(errno));
    if (fstat(fileno(f), st) != 0 || !S_ISREG(st->st_mode)) {
        fclose(f);
        return fp_fail(err, path, 0, 0, "not a regular file");
    }
    if (st->st_size > (off_t)256 << 20) {
        fclose(f);
        return fp_fail(err, path, 0, 0, "larger than 256 MiB: not a price table");
    }
    size_t n = (size_t)st->st_size;
    *buf = malloc(n + 1);
    if (!*buf) {
        fclose(f);
        return fp_fail(err, path, 0, 0, "out of memory");
    }
    size_t got = fread(*buf, 1, n, f);
    int bad = ferror(f) || got != n;
    fclose(f);
    if (bad) {
        free(*buf);
        *buf = NULL;
        return fp_fail(err, path, 0, 0, "read failed (%zu of %zu bytes)", got, n);
    }
    (*buf)[n] = '\0';
    *len = n;
    return 0;
}

/* The folder holding path ("catalogs/v7/aws/vms.csv" -> "aws") into out, when it is a plain name. */
static int provider_of(const char *path, char *out, size_t n)
{
    const char *end = strrchr(path, '/');
    if (!end)
        return -1;
    const char *start = end;
    while (start > path && start[-1] != '/')
        start--;
    size_t len = (size_t)(end - start);
    if (len == 0 || len >= n || len >= 16)
        return -1;
    for (const char *c = start; c < end; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-'))
            return -1;
    memcpy(out, start, len);
    out[len] = '\0';
    return 0;
}

static int date_ok(const char *s)
{
    if (strlen(s) != 10)
        return 0;
    for (int i = 0; i < 10; i++)
        if ((i == 4 || i == 7) ? s[i] != '-' : (s[i] < '0' || s[i] > '9'))
            return 0;
    int month = (s[5] - '0') * 10 + (s[6] - '0'), day = (s[8] - '0') * 10 + (s[9] - '0');
    return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

static int run_import(const char *const *pos, size_t npos, const char *output, const char *provider,
                      const char *date, const char *source, int skip, const char *const *inv, size_t ninv)
{
    fp_error err = {0};
    if (npos != 3 || strcmp(pos[1], "skypilot") != 0) {
        fp_fail(&err, NULL, 0, 0, "usage: fedplan catalog import skypilot VMS.csv [-o FILE]%s%s%s",
                npos >= 2 && strcmp(pos[1], "skypilot") != 0 ? " (the one format is 'skypilot', got '" : "",
                npos >= 2 && strcmp(pos[1], "skypilot") != 0 ? pos[1] : "",
                npos >= 2 && strcmp(pos[1], "skypilot") != 0 ? "')" : "");
        return cli_report(&err);
    }
    const char *path = pos[2];
    char prov[16];
    if (provider) {
        if (!*provider || strlen(provider) >= sizeof prov || strpbrk(provider, "/ \t\"'\\")) {
            fp_fail(&err, NULL, 0, 0, "--provider: a short name without '/', spaces or quotes, got '%s'", provider);
            return cli_report(&err);
        }
        snprintf(prov, sizeof prov, "%s", provider);
    } else if (provider_of(path, prov, sizeof prov) != 0) {
        fp_fail(&err, path, 0, 0, "say which cloud the prices are for with --provider (aws, gcp, azure, ...): the "
                                   "CSV's folder does not name it");
        return cli_report(&err);
    }
    if (date && !date_ok(date)) {
        fp_fail(&err, NULL, 0, 0, "--date: YYYY-MM-DD, got '%s'", date);
        return cli_report(&err);
    }
    if (source && (strlen(source) >= 480 || strchr(source, '\n'))) {
        fp_fail(&err, NULL, 0, 0, "--source: one line of at most 479 characters");
        return cli_report(&err);
    }
    const char *inputs[1] = {path};
    if (output && cli_output_check(output, inputs, 1, inv, ninv, &err) != 0)
        return cli_report(&err);
    inv_catalog cat;
    if (inv_catalog_load(&cat, &err) != 0)
        return cli_report(&err);
    if (cli_load_inventories(&cat, inv, ninv, &err) != 0) {
        inv_catalog_free(&cat);
        return cli_report(&err);
    }
    char *buf = NULL;
    size_t len = 0;
    struct stat st;
    if (read_file(path, &buf, &len, &st, &err) != 0) {
        inv_catalog_free(&cat);
        return cli_report(&err);
    }
    char day[16], src[512];
    if (!date) { /* the day the file was written: when it was downloaded, as near as fedplan can know */
        struct tm tm;
        time_t t = st.st_mtime;
        if (!gmtime_r(&t, &tm) || strftime(day, sizeof day, "%Y-%m-%d", &tm) == 0)
            snprintf(day, sizeof day, "undated");
        date = day;
    }
    if (!source)
        snprintf(src, sizeof src, "SkyPilot catalog %.300s (skypilot-org/skypilot-catalog)%s", path,
                 date == day ? "; price_date is the file's modification day" : "");
    else
        snprintf(src, sizeof src, "%s", source);
    inv_import_opts o = {.provider = prov, .date = date, .source = src, .skip_unknown = skip};
    inv_import imp;
    int rc = inv_skypilot_import(&cat, path, buf, len, &o, &imp, &err);
    free(buf);
    inv_catalog_free(&cat);
    if (rc == 0 && output)
        rc = fp_write_atomic(output, imp.yaml, imp.len, &err);
    else if (rc == 0 && (fwrite(imp.yaml, 1, imp.len, stdout) != imp.len || fflush(stdout) != 0))
        rc = fp_fail(&err, NULL, 0, 0, "cannot write to standard output");
    if (rc != 0) {
        inv_import_free(&imp);
        return cli_report(&err);
    }
    fprintf(stderr, "fedplan: imported %zu instance types (%zu with GPUs), %zu region prices, from %zu rows\n",
            imp.instances, imp.gpu_instances, imp.regions, imp.rows);
    if (imp.attached_instances)
        fprintf(stderr,
                "fedplan: %zu GCP machine types priced as the VM plus its GPUs (%zu GPU price rows); regions "
                "left unpriced for want of a GPU row there: %zu\n",
                imp.attached_instances, imp.gpu_price_rows, imp.unpriced_regions);
    if (imp.skipped_rows) {
        fprintf(stderr, "fedplan: rows left out: %zu:", imp.skipped_rows);
        if (imp.nunknown) {
            fprintf(stderr, " unknown accelerators (");
            for (size_t i = 0; i < imp.nunknown && i < INV_IMPORT_UNKNOWN; i++)
                fprintf(stderr, "%s%s", i ? ", " : "", imp.unknown[i]);
            fprintf(stderr, "%s);", imp.nunknown > INV_IMPORT_UNKNOWN ? ", ..." : "");
        }
        if (imp.partial_rows)
            fprintf(stderr, " %zu with a share of one GPU;", imp.partial_rows);
        if (imp.untyped_rows)
            fprintf(stderr, " %zu without an InstanceType;", imp.untyped_rows);
        fprintf(stderr, "\n");
    }
    if (imp.nmachines) {
        fprintf(stderr, "fedplan: GCP machine types left out, whose GPUs fedplan does not know or have no price: ");
        for (size_t i = 0; i < imp.nmachines && i < INV_IMPORT_UNKNOWN; i++)
            fprintf(stderr, "%s%s", i ? ", " : "", imp.machines[i]);
        fprintf(stderr, "%s\n", imp.nmachines > INV_IMPORT_UNKNOWN ? ", ..." : "");
    }
    inv_import_free(&imp);
    return EXIT_OK;
}

/* ---------------------------------------------------------------- run */

static int run(int argc, char **argv)
{
    fp_error err = {0};
    out_format fmt = FMT_TABLE;
    const char *pos[4] = {0}, *gpu = NULL, *inv[8], *output = NULL, *provider = NULL, *date = NULL, *source = NULL;
    size_t npos = 0, ninv = 0;
    int skip = 0;
    cli_args a = {.argc = argc, .argv = argv, .i = 1};
    int id, r;
    const char *v;
    while ((r = cli_next(&a, opts, sizeof opts / sizeof opts[0], &id, &v, &err)) == 1) {
        switch (id) {
        case -1:
            if (npos == 4)
                return fp_fail(&err, NULL, 0, 0, "catalog: too many operands ('%s')", v), cli_report(&err);
            pos[npos++] = v;
            break;
        case O_FORMAT:
            if (cli_parse_format(v, &fmt, &err) != 0)
                return cli_report(&err);
            break;
        case O_GPU:
            gpu = v;
            break;
        case O_INVENTORY:
            if (ninv == 8)
                return fp_fail(&err, NULL, 0, 0, "--inventory: at most 8 files"), cli_report(&err);
            inv[ninv++] = v;
            break;
        case O_OUTPUT:
            output = v;
            break;
        case O_PROVIDER:
            provider = v;
            break;
        case O_DATE:
            date = v;
            break;
        case O_SOURCE:
            source = v;
            break;
        case O_SKIP:
            skip = 1;
            break;
        }
    }
    if (r < 0)
        return cli_report(&err);
    const char *what = pos[0];
    if (what && !strcmp(what, "import"))
        return run_import(pos, npos, output, provider, date, source, skip, inv, ninv);
    int models = what && !strcmp(what, "models"), gpus = what && !strcmp(what, "gpus");
    int nodes = what && !strcmp(what, "nodes"), instances = what && !strcmp(what, "instances");
    if (!models && !gpus && !nodes && !instances) {
        fp_fail(&err, NULL, 0, 0, "catalog: say which one: models, gpus, nodes, instances or import%s%s%s",
                what ? " (got '" : "", what ? what : "", what ? "')" : "");
        return cli_report(&err);
    }
    if (npos > 1)
        return fp_fail(&err, NULL, 0, 0, "catalog %s: unexpected operand '%s'", what, pos[1]), cli_report(&err);
    if (output || provider || date || source || skip)
        return fp_fail(&err, NULL, 0, 0, "catalog %s: -o, --provider, --date, --source and --skip-unknown are "
                                         "options of 'catalog import'", what),
               cli_report(&err);
    if (gpu && !instances && !nodes)
        return fp_fail(&err, NULL, 0, 0, "--gpu: an option of 'catalog instances' and 'catalog nodes'"), cli_report(&err);
    inv_catalog cat;
    if (inv_catalog_load(&cat, &err) != 0)
        return cli_report(&err);
    if (cli_load_inventories(&cat, inv, ninv, &err) != 0) {
        inv_catalog_free(&cat);
        return cli_report(&err);
    }
    const inv_gpu *want = NULL;
    if (gpu && !(want = inv_gpu_find(&cat, gpu))) {
        char dym[96];
        fp_fail(&err, NULL, 0, 0, "--gpu: unknown GPU '%s'%s", gpu, fp_did_you_mean(dym, sizeof dym, inv_gpu_suggest(&cat, gpu)));
        inv_catalog_free(&cat);
        return cli_report(&err);
    }
    json_t *arr = models ? models_json(&cat) : gpus ? gpus_json(&cat) : nodes_json(&cat, instances, want ? want->name : NULL);
    if (!arr) {
        inv_catalog_free(&cat);
        return fp_fail(&err, NULL, 0, 0, "out of memory"), cli_report(&err);
    }
    if (fmt != FMT_TABLE)
        out_any(stdout, fmt, arr);
    else if (nodes) {
        printf("%-26s %5s %-12s %10s %10s\n", "name", "gpus", "gpu", "GPU GiB", "host GiB");
        size_t i;
        json_t *o;
        json_array_foreach(arr, i, o)
        {
            printf("%-26s %5lld %-12s %10.2f %10.2f\n", json_string_value(json_object_get(o, "name")),
                   (long long)json_integer_value(json_object_get(o, "gpus")), json_string_value(json_object_get(o, "gpu")),
                   (double)json_integer_value(json_object_get(o, "gpu_memory_bytes")) / 1073741824.0,
                   (double)json_integer_value(json_object_get(o, "host_memory_bytes")) / 1073741824.0);
        }
    } else if (instances) {
        printf("%-34s %5s %-10s %8s %9s %9s %9s  %-14s %s\n", "name", "gpus", "gpu", "GPU GiB", "host GiB", "$/hour",
               "spot $/h", "region", "price date");
        size_t i;
        json_t *o;
        json_array_foreach(arr, i, o)
        {
            char price[32], spot[32];
            const json_t *pr = json_object_get(o, "price_per_hour"), *sp = json_object_get(o, "spot_price_per_hour");
            snprintf(price, sizeof price, json_is_null(pr) ? "-" : "%.3f", json_real_value(pr));
            const char *region = json_string_value(json_object_get(o, "region"));
            const char *sregion = json_string_value(json_object_get(o, "spot_region"));
            int elsewhere = sregion && (!region || strcmp(sregion, region) != 0);
            snprintf(spot, sizeof spot, json_is_null(sp) ? "-" : elsewhere ? "%.3f*" : "%.3f", json_real_value(sp));
            long long nreg = (long long)json_integer_value(json_object_get(o, "regions"));
            char rs[48];
            snprintf(rs, sizeof rs, nreg > 1 ? "%s (+%lld)" : "%s", region ? region : "-", nreg - 1);
            printf("%-34s %5lld %-10s %8.2f %9.2f %9s %9s  %-14s %s\n", json_string_value(json_object_get(o, "name")),
                   (long long)json_integer_value(json_object_get(o, "gpus")), json_string_value(json_object_get(o, "gpu")),
                   (double)json_integer_value(json_object_get(o, "gpu_memory_bytes")) / 1073741824.0,
                   (double)json_integer_value(json_object_get(o, "host_memory_bytes")) / 1073741824.0, price, spot, rs,
                   json_string_value(json_object_get(o, "price_date")));
        }
        if (json_array_size(arr))
            printf("\nthe cheapest on-demand price first; a price is its region's (+N: N more regions priced,\n"
                   "a scenario's node choice picks one with 'region:', else gets the cheapest); spot: the cheapest\n"
                   "region's, * where that is another region (--format json: spot_region)\n");
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
    .summary = "list the catalogs; import SkyPilot's price tables",
    .run = run,
    .help = help,
};
