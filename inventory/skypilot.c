/* skypilot.c: SkyPilot's published price tables into an instances file.
 *
 * SkyPilot (skypilot-org/skypilot-catalog) publishes one CSV per cloud, catalogs/vN/CLOUD/vms.csv,
 * regenerated from the clouds' own APIs (AWS Price List and DescribeInstanceTypes, the Azure
 * Retail Prices API, GCP's billing catalog).  Its README documents the columns: InstanceType,
 * vCPUs, MemoryGiB, AcceleratorName, AcceleratorCount, GPUInfo, Region, AvailabilityZone, Price,
 * SpotPrice.  The v7 AWS file orders them InstanceType, AcceleratorName, AcceleratorCount, vCPUs,
 * MemoryGiB, GpuInfo, Price, SpotPrice, Region, AvailabilityZone, so columns are found by their
 * header name, never by position; columns fedplan does not use (GpuInfo, a quoted text holding
 * commas) are read past.
 *
 * What the rows mean, and what this reader makes of them (docs/formats.md, "SkyPilot's price tables"):
 *   - one row per instance type, region and availability zone; the hardware columns repeat.
 *     An instance type whose hardware differs between two rows is an error naming both lines.
 *   - Price (on demand) and SpotPrice may be empty: that region has no such price.
 *   - on-demand prices are per region; spot prices differ by zone.  A region's price is the
 *     lowest of its rows, which is SkyPilot's own rule for spot ("the cheapest cost among all
 *     zones", the docstring of get_hourly_cost in SkyPilot's sky/clouds/service_catalog/aws_catalog.py,
 *     implemented by common.get_hourly_cost_impl).
 *   - an entry's default price (a scenario that names no region) is its cheapest region's.
 *   - AcceleratorName is looked up in the GPU catalog (names and aliases) after the few names
 *     SkyPilot spells its own way (below).  Names it lacks are reported, never guessed.
 *   - a fractional AcceleratorCount is a share of one GPU (Azure's NVadsA10 v5 sizes): left
 *     out and counted.
 *   - GCP bills a machine type and the GPUs attached to it apart, and SkyPilot's GCP table says
 *     so: an accelerator-optimized machine type (a2, a3, a4, g2) has a row without an
 *     AcceleratorName holding the VM's price, and the GPUs have rows of their own without an
 *     InstanceType (AcceleratorName, AcceleratorCount, Region, Price, SpotPrice).  SkyPilot's
 *     own cost is the sum of the two (sky/clouds/gcp.py: instance_type_to_hourly_cost plus
 *     accelerators_to_hourly_cost).  This reader does the same: those machine types get the
 *     GPUs Google documents for them (gcp_machines below) and, per region, the VM's price plus
 *     the price of that many GPUs there; a region without such a GPU row has no price.  Other
 *     rows without an InstanceType (TPUs, GPUs no machine type here carries) are left out and
 *     counted.
 *
 * CSV syntax is RFC 4180: fields separated by commas, double-quoted where they hold commas,
 * quotes ("" inside quotes) or line breaks; records end with LF or CRLF.  Every error names
 * file:line:col of the field it is about. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/text.h"
#include "../common/textbuf.h"
#include "inventory.h"

/* ---------------------------------------------------------------- SkyPilot's own names
 * Where SkyPilot's AcceleratorName differs from the GPU catalog's names.  "A100" is the 40 GB
 * A100 in SkyPilot's catalogs (AWS p4d.24xlarge rows: AcceleratorName A100, GpuInfo SizeInMiB
 * 40960; p4de.24xlarge: A100-80GB), where a bare "A100" is not a name fedplan resolves. */
static const struct {
    const char *skypilot, *gpu;
} sky_names[] = {
    {"A100", "a100-40gb"},
    {"H100-MEGA", "h100"}, /* GCP a3-megagpu-8g: H100 80GB with more network bandwidth */
};

/* GCP's accelerator-optimized machine types and the GPUs that come with them, in SkyPilot's
 * accelerator names (https://cloud.google.com/compute/docs/accelerator-optimized-machines and
 * https://cloud.google.com/compute/docs/gpus; g2-standard-24 has 2 L4, 48 has 4, 96 has 8, the
 * other sizes 1). */
static const struct {
    const char *type, *acc;
    int count;
} gcp_machines[] = {
    {"a2-highgpu-1g", "A100", 1},       {"a2-highgpu-2g", "A100", 2},       {"a2-highgpu-4g", "A100", 4},
    {"a2-highgpu-8g", "A100", 8},       {"a2-megagpu-16g", "A100", 16},     {"a2-ultragpu-1g", "A100-80GB", 1},
    {"a2-ultragpu-2g", "A100-80GB", 2}, {"a2-ultragpu-4g", "A100-80GB", 4}, {"a2-ultragpu-8g", "A100-80GB", 8},
    {"a3-highgpu-1g", "H100", 1},       {"a3-highgpu-2g", "H100", 2},       {"a3-highgpu-4g", "H100", 4},
    {"a3-highgpu-8g", "H100", 8},       {"a3-highgpu-1g-nolssd", "H100", 1}, {"a3-highgpu-2g-nolssd", "H100", 2},
    {"a3-highgpu-4g-nolssd", "H100", 4}, {"a3-highgpu-8g-nolssd", "H100", 8}, {"a3-edgegpu-8g", "H100", 8},
    {"a3-edgegpu-8g-nolssd", "H100", 8},
    {"a3-megagpu-8g", "H100-MEGA", 8},  {"a3-ultragpu-8g", "H200", 8},      {"a4-highgpu-8g", "B200", 8},
    {"g2-standard-4", "L4", 1},         {"g2-standard-8", "L4", 1},         {"g2-standard-12", "L4", 1},
    {"g2-standard-16", "L4", 1},        {"g2-standard-24", "L4", 2},        {"g2-standard-32", "L4", 1},
    {"g2-standard-48", "L4", 4},        {"g2-standard-96", "L4", 8},
};

static int gcp_machine(const char *type)
{
    for (size_t i = 0; i < sizeof gcp_machines / sizeof gcp_machines[0]; i++)
        if (fp_streq_ci(type, gcp_machines[i].type))
            return (int)i;
    return -1;
}

/* a GCP accelerator-optimized series (its GPUs come with the machine type): one not in
 * gcp_machines would otherwise be read as a machine without GPUs, at the VM's price alone */
static int gcp_accelerator_series(const char *type)
{
    static const char *const series[] = {"a2-", "a3-", "a4-", "a4x-", "g2-", "g4-"};
    for (size_t i = 0; i < sizeof series / sizeof series[0]; i++)
        if (!strncmp(type, series[i], strlen(series[i])))
            return 1;
    return 0;
}

static const inv_gpu *sky_gpu(const inv_catalog *cat, const char *name)
{
    for (size_t i = 0; i < sizeof sky_names / sizeof sky_names[0]; i++)
        if (!strcmp(name, sky_names[i].skypilot))
            return inv_gpu_find(cat, sky_names[i].gpu);
    return inv_gpu_find(cat, name);
}

/* ---------------------------------------------------------------- text out (common/textbuf.h) */

/* s as a YAML double-quoted scalar */
static void tb_quoted(fp_tbuf *b, const char *s)
{
    fp_tb_printf(b, "\"");
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fp_tb_printf(b, "\\%c", c);
        else if (c < 0x20 || c >= 0x7f) /* \\xNN: YAML's escape for a code point, keeps the file UTF-8 */
            fp_tb_printf(b, "\\x%02x", c);
        else
            fp_tb_printf(b, "%c", c);
    }
    fp_tb_printf(b, "\"");
}

/* s in a comment: printable ASCII only (a line break would end it; YAML wants UTF-8) */
static void tb_comment(fp_tbuf *b, const char *s)
{
    for (; *s; s++)
        fp_tb_printf(b, "%c", (unsigned char)*s >= 0x20 && (unsigned char)*s < 0x7f ? *s : '?');
}

/* ---------------------------------------------------------------- CSV in */

#define CSV_MAXF 64

typedef struct csv {
    const char *file;
    const char *p, *end;
    unsigned long line, col;
    /* the current record */
    size_t n;
    char *f[CSV_MAXF];
    unsigned long fline[CSV_MAXF], fcol[CSV_MAXF];
    char *store;
    size_t cap;
} csv;

/* Read one record into c->f.  Returns 1 with a record, 0 at the end, -1 with err. */
static int csv_record(csv *c, fp_error *err)
{
    if (c->p >= c->end)
        return 0;
    /* room for the record: its characters (up to the first line feed outside quotes) and a NUL per field */
    const char *q = c->p;
    int quoted = 0;
    while (q < c->end && (quoted || *q != '\n')) {
        if (*q == '"')
            quoted = !quoted;
        q++;
    }
    size_t need = (size_t)(q - c->p) + CSV_MAXF + 1;
    if (need > c->cap) {
        char *s = realloc(c->store, need);
        if (!s)
            return fp_fail(err, c->file, c->line, 1, "out of memory");
        c->store = s;
        c->cap = need;
    }
    size_t w = 0;
    c->n = 0;
    for (;;) {
        if (c->n == CSV_MAXF)
            return fp_fail(err, c->file, c->line, c->col, "more than %d fields in a record", CSV_MAXF);
        c->f[c->n] = c->store + w;
        c->fline[c->n] = c->line;
        c->fcol[c->n] = c->col;
        c->n++;
        if (c->p < c->end && *c->p == '"') {
            unsigned long ql = c->line, qc = c->col;
            c->p++, c->col++;
            for (;;) {
                if (c->p >= c->end)
                    return fp_fail(err, c->file, ql, qc, "a quoted field is not closed");
                char ch = *c->p++;
                c->col++;
                if (ch == '"') {
                    if (c->p < c->end && *c->p == '"') {
                        c->store[w++] = '"';
                        c->p++, c->col++;
                        continue;
                    }
                    break;
                }
                if (ch == '\0')
                    return fp_fail(err, c->file, c->line, c->col - 1, "a NUL byte in the text");
                if (ch == '\n')
                    c->line++, c->col = 1;
                c->store[w++] = ch;
            }
            if (c->p < c->end && *c->p != ',' && *c->p != '\n' && *c->p != '\r')
                return fp_fail(err, c->file, c->line, c->col, "text after a closing quote (a quote inside a field is written \"\")");
        } else {
            while (c->p < c->end && *c->p != ',' && *c->p != '\n' && *c->p != '\r') {
                if (*c->p == '"')
                    return fp_fail(err, c->file, c->line, c->col,
                                   "a quote inside an unquoted field (quote the whole field)");
                if (*c->p == '\0')
                    return fp_fail(err, c->file, c->line, c->col, "a NUL byte in the text");
                c->store[w++] = *c->p++;
                c->col++;
            }
        }
        c->store[w++] = '\0';
        if (c->p < c->end && *c->p == ',') {
            c->p++, c->col++;
            continue;
        }
        if (c->p < c->end && *c->p == '\r') {
            c->p++;
            if (c->p < c->end && *c->p != '\n')
                return fp_fail(err, c->file, c->line, c->col, "a carriage return not followed by a line feed");
        }
        if (c->p < c->end)
            c->p++; /* the line feed */
        c->line++;
        c->col = 1;
        return 1;
    }
}

/* ---------------------------------------------------------------- instances */

typedef struct sky_region {
    char name[32];
    double on_demand, spot;
    int has_on_demand, has_spot;
} sky_region;

typedef struct sky_inst {
    char type[INV_NAME];
    char acc[INV_NAME];  /* AcceleratorName as written; "" for none */
    const inv_gpu *gpu;  /* NULL when acc is "" */
    double count, vcpus, mem_gib;
    unsigned long line;  /* its first row */
    int attach;          /* GCP: the GPUs are priced on rows of their own (gcp_machines) */
    sky_region *regions;
    size_t nregions, capregions;
} sky_inst;

/* GCP: the price of COUNT accelerators ACC in REGION, from rows without an InstanceType */
typedef struct sky_acc {
    char acc[INV_NAME];
    double count;
    sky_region r;
    size_t rows;
    int used;
} sky_acc;

enum { C_TYPE, C_ACC, C_COUNT, C_VCPUS, C_MEM, C_PRICE, C_SPOT, C_REGION, C_NCOLS };
static const char *const col_names[C_NCOLS] = {"InstanceType", "AcceleratorName", "AcceleratorCount", "vCPUs",
                                               "MemoryGiB",    "Price",           "SpotPrice",        "Region"};

/* A number field: "" is absent (*has 0) where empty_ok, else an error. */
static int num_field(const csv *c, size_t i, const char *what, double max, int empty_ok, double *out, int *has,
                     fp_error *err)
{
    const char *s = c->f[i];
    if (!*s) {
        if (empty_ok) {
            *has = 0;
            return 0;
        }
        return fp_fail(err, c->file, c->fline[i], c->fcol[i], "'%s' is empty", what);
    }
    char *e;
    errno = 0;
    double v = strtod(s, &e);
    if (e == s || *e || errno == ERANGE || !isfinite(v))
        return fp_fail(err, c->file, c->fline[i], c->fcol[i], "'%s' must be a number, got '%s'", what, s);
    if (v < 0 || v > max)
        return fp_fail(err, c->file, c->fline[i], c->fcol[i], "'%s' must be between 0 and %g, got '%s'", what, max, s);
    *out = v;
    *has = 1;
    return 0;
}

/* names are printable ASCII without quotes (the clouds' names are; YAML needs valid UTF-8) */
static int name_ok(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f || *s == '"' || *s == '\'' || *s == '\\')
            return 0;
    return 1;
}

static void insts_free(sky_inst *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i].regions);
    free(v);
}

static int by_type(const void *a, const void *b)
{
    return strcmp(((const sky_inst *)a)->type, ((const sky_inst *)b)->type);
}
static int by_region(const void *a, const void *b)
{
    return strcmp(((const sky_region *)a)->name, ((const sky_region *)b)->name);
}

static void note_machine(inv_import *out, const char *type)
{
    for (size_t i = 0; i < out->nmachines && i < INV_IMPORT_UNKNOWN; i++)
        if (!strcmp(out->machines[i], type))
            return;
    if (out->nmachines < INV_IMPORT_UNKNOWN)
        snprintf(out->machines[out->nmachines], INV_NAME, "%s", type);
    out->nmachines++;
}

static void note_unknown(inv_import *out, const char *name)
{
    for (size_t i = 0; i < out->nunknown && i < INV_IMPORT_UNKNOWN; i++)
        if (!strcmp(out->unknown[i], name))
            return;
    if (out->nunknown < INV_IMPORT_UNKNOWN)
        snprintf(out->unknown[out->nunknown], INV_NAME, "%s", name);
    out->nunknown++;
}

/* Write the instances file. */
static void write_yaml(fp_tbuf *b, const char *file, const inv_import_opts *o, const sky_inst *v, size_t n)
{
    fp_tb_printf(b, "# Cloud instances imported by 'fedplan catalog import skypilot' from \"");
    tb_comment(b, file);
    fp_tb_printf(b, "\".\n# Prices: USD per hour, per region; a region's spot price is the lowest of its zones'.\n"
                 "# price_per_hour and region (the default a scenario gets when it names no region) are the\n"
                 "# cheapest region's on-demand price.\ninstances:\n");
    for (size_t i = 0; i < n; i++) {
        const sky_inst *s = &v[i];
        char name[INV_NAME + 32];
        snprintf(name, sizeof name, "%s/%s", o->provider, s->type);
        fp_tb_printf(b, "  - name: ");
        tb_quoted(b, name);
        fp_tb_printf(b, "\n    provider: ");
        tb_quoted(b, o->provider);
        fp_tb_printf(b, "\n");
        if (s->gpu) {
            fp_tb_printf(b, "    gpu: ");
            tb_quoted(b, s->gpu->name);
            fp_tb_printf(b, "   # ");
            tb_comment(b, s->acc);
            fp_tb_printf(b, "\n    gpus: %.0f\n", s->count);
        } else {
            fp_tb_printf(b, "    gpus: 0\n");
        }
        /* MemoryGiB as MiB when it is no whole number of GiB (AWS c1.medium: 1.69921875) */
        double mib = s->mem_gib * 1024.0;
        if (s->mem_gib == floor(s->mem_gib))
            fp_tb_printf(b, "    host_memory: %.0f GiB\n", s->mem_gib);
        else
            fp_tb_printf(b, "    host_memory: %.0f MiB\n", floor(mib + 0.5));
        if (s->vcpus == floor(s->vcpus) && s->vcpus >= 1)
            fp_tb_printf(b, "    vcpus: %.0f\n", s->vcpus);
        fp_tb_printf(b, "    price_source: ");
        tb_quoted(b, o->source);
        fp_tb_printf(b, "\n    price_date: %s\n    prices:\n", o->date);
        for (size_t r = 0; r < s->nregions; r++) {
            const sky_region *g = &s->regions[r];
            fp_tb_printf(b, "      - {region: ");
            tb_quoted(b, g->name);
            if (g->has_on_demand)
                fp_tb_printf(b, ", on_demand: %.6g", g->on_demand);
            if (g->has_spot)
                fp_tb_printf(b, ", spot: %.6g", g->spot);
            fp_tb_printf(b, "}\n");
        }
    }
}

int inv_skypilot_import(const inv_catalog *cat, const char *file, const char *buf, size_t len,
                        const inv_import_opts *o, inv_import *out, fp_error *err)
{
    memset(out, 0, sizeof *out);
    csv c = {.file = file, .p = buf, .end = buf + len, .line = 1, .col = 1};
    if (len >= 3 && (unsigned char)buf[0] == 0xef && (unsigned char)buf[1] == 0xbb && (unsigned char)buf[2] == 0xbf)
        c.p += 3; /* a UTF-8 byte order mark */
    sky_inst *v = NULL;
    size_t n = 0, cap = 0;
    sky_acc *acc_v = NULL;
    size_t nacc = 0, capacc = 0;
    fp_tbuf b = {0};
    int rc = -1;
    size_t col[C_NCOLS];
    int r = csv_record(&c, err);
    if (r <= 0) {
        if (r == 0)
            fp_fail(err, file, 1, 1, "the file is empty: a SkyPilot vms.csv starts with a header line");
        goto out;
    }
    size_t ncols = c.n;
    for (size_t k = 0; k < C_NCOLS; k++) {
        col[k] = ncols;
        for (size_t i = 0; i < ncols; i++)
            if (!strcmp(c.f[i], col_names[k])) {
                if (col[k] != ncols) {
                    fp_fail(err, file, c.fline[i], c.fcol[i], "column '%s' is named twice", col_names[k]);
                    goto out;
                }
                col[k] = i;
            }
        if (col[k] == ncols) {
            fp_fail(err, file, 1, 1,
                    "no column '%s' in the header (a SkyPilot vms.csv has InstanceType, AcceleratorName, "
                    "AcceleratorCount, vCPUs, MemoryGiB, Price, SpotPrice, Region)",
                    col_names[k]);
            goto out;
        }
    }
    sky_inst *last = NULL;
    unsigned long first_unknown_line = 0, first_unknown_col = 0;
    char first_unknown[INV_NAME] = "";
    while ((r = csv_record(&c, err)) == 1) {
        if (c.n == 1 && !c.f[0][0])
            continue; /* a blank line */
        if (c.n != ncols) {
            fp_fail(err, file, c.fline[c.n - 1], c.fcol[c.n - 1], "%zu fields, but the header has %zu", c.n, ncols);
            goto out;
        }
        out->rows++;
        const char *type = c.f[col[C_TYPE]], *acc = c.f[col[C_ACC]], *region = c.f[col[C_REGION]];
        double count = 0, vcpus = 0, mem = 0, price = 0, spot = 0;
        int has_count, has_vcpus, has_mem, has_price, has_spot;
        if (num_field(&c, col[C_COUNT], "AcceleratorCount", 1024, 1, &count, &has_count, err) ||
            num_field(&c, col[C_VCPUS], "vCPUs", 100000, 1, &vcpus, &has_vcpus, err) ||
            num_field(&c, col[C_MEM], "MemoryGiB", 1e6, 1, &mem, &has_mem, err) ||
            num_field(&c, col[C_PRICE], "Price", 1e5, 1, &price, &has_price, err) ||
            num_field(&c, col[C_SPOT], "SpotPrice", 1e5, 1, &spot, &has_spot, err))
            goto out;
        if (!*type) {
            if (*acc && has_count && count > 0 && *region && strlen(region) < sizeof v->regions->name &&
                strlen(acc) < INV_NAME) {
                sky_acc *e = NULL;
                for (size_t i = 0; i < nacc && !e; i++)
                    if (acc_v[i].count == count && !strcmp(acc_v[i].acc, acc) && !strcmp(acc_v[i].r.name, region))
                        e = &acc_v[i];
                if (!e) {
                    if (nacc == capacc) {
                        size_t nc = capacc ? capacc * 2 : 64;
                        sky_acc *na = realloc(acc_v, nc * sizeof *na);
                        if (!na) {
                            fp_fail(err, file, 0, 0, "out of memory");
                            goto out;
                        }
                        acc_v = na;
                        capacc = nc;
                    }
                    e = &acc_v[nacc++];
                    memset(e, 0, sizeof *e);
                    snprintf(e->acc, sizeof e->acc, "%s", acc);
                    e->count = count;
                    snprintf(e->r.name, sizeof e->r.name, "%s", region);
                }
                e->rows++;
                if (has_price && (!e->r.has_on_demand || price < e->r.on_demand)) {
                    e->r.on_demand = price;
                    e->r.has_on_demand = 1;
                }
                if (has_spot && (!e->r.has_spot || spot < e->r.spot)) {
                    e->r.spot = spot;
                    e->r.has_spot = 1;
                }
            } else {
                out->untyped_rows++;
                out->skipped_rows++;
            }
            continue;
        }
        int attach = 0;
        if (!*acc) {
            int m = gcp_machine(type);
            if (m >= 0) {
                acc = gcp_machines[m].acc;
                count = gcp_machines[m].count;
                has_count = 1;
                attach = 1;
            } else if (gcp_accelerator_series(type)) { /* reported by name, not as a row count */
                note_machine(out, type);
                continue;
            }
        }
        if (strlen(type) + strlen(o->provider) + 2 > INV_NAME || !name_ok(type)) {
            fp_fail(err, file, c.fline[col[C_TYPE]], c.fcol[col[C_TYPE]],
                    "'InstanceType' must be a name without spaces or quotes, at most %zu characters, got '%s'",
                    INV_NAME - strlen(o->provider) - 2, type);
            goto out;
        }
        if (!*region || strlen(region) >= sizeof v->regions->name || !name_ok(region)) {
            fp_fail(err, file, c.fline[col[C_REGION]], c.fcol[col[C_REGION]],
                    "'Region' must be a name without spaces or quotes, at most 31 characters, got '%s'", region);
            goto out;
        }
        if (!has_mem || mem <= 0) {
            fp_fail(err, file, c.fline[col[C_MEM]], c.fcol[col[C_MEM]], "'MemoryGiB' must be a positive number, got '%s'",
                    c.f[col[C_MEM]]);
            goto out;
        }
        if (*acc && (!has_count || count <= 0)) {
            fp_fail(err, file, c.fline[col[C_COUNT]], c.fcol[col[C_COUNT]],
                    "'AcceleratorCount' must be positive where 'AcceleratorName' is given, got '%s'", c.f[col[C_COUNT]]);
            goto out;
        }
        if (*acc && count != floor(count)) {
            out->partial_rows++;
            out->skipped_rows++;
            continue;
        }
        if (*acc && count > 64) {
            fp_fail(err, file, c.fline[col[C_COUNT]], c.fcol[col[C_COUNT]], "'AcceleratorCount' must be at most 64, got '%s'",
                    c.f[col[C_COUNT]]);
            goto out;
        }
        const inv_gpu *g = NULL;
        if (*acc) {
            g = strlen(acc) < INV_NAME ? sky_gpu(cat, acc) : NULL;
            if (!g) {
                char nm[INV_NAME];
                snprintf(nm, sizeof nm, "%s", acc);
                if (!first_unknown_line) {
                    first_unknown_line = c.fline[col[C_ACC]];
                    first_unknown_col = c.fcol[col[C_ACC]];
                    snprintf(first_unknown, sizeof first_unknown, "%s", nm);
                }
                note_unknown(out, nm);
                out->skipped_rows++;
                continue;
            }
        }
        /* one entry per type, the case ignored, as the catalogs find names (inv_node_find) */
        sky_inst *s = last && fp_streq_ci(last->type, type) ? last : NULL;
        for (size_t i = 0; !s && i < n; i++)
            if (fp_streq_ci(v[i].type, type))
                s = &v[i];
        if (!s) {
            if (n == cap) {
                size_t nc = cap ? cap * 2 : 256;
                sky_inst *nv = realloc(v, nc * sizeof *nv);
                if (!nv) {
                    fp_fail(err, file, 0, 0, "out of memory");
                    goto out;
                }
                v = nv;
                cap = nc;
            }
            s = &v[n++];
            memset(s, 0, sizeof *s);
            snprintf(s->type, sizeof s->type, "%s", type);
            snprintf(s->acc, sizeof s->acc, "%s", acc);
            s->gpu = g;
            s->count = *acc ? count : 0;
            s->vcpus = has_vcpus ? vcpus : 0;
            s->mem_gib = mem;
            s->line = c.fline[0];
            s->attach = attach;
        } else if (strcmp(s->acc, acc) != 0 || s->count != (*acc ? count : 0) || s->mem_gib != mem ||
                   s->vcpus != (has_vcpus ? vcpus : 0)) {
            fp_fail(err, file, c.fline[0], c.fcol[0],
                    "'%s' has other hardware here (accelerator, count, vCPUs or memory) than at line %lu", type, s->line);
            goto out;
        }
        last = s;
        sky_region *g2 = NULL;
        for (size_t i = 0; i < s->nregions && !g2; i++)
            if (!strcmp(s->regions[i].name, region))
                g2 = &s->regions[i];
        if (!g2) {
            if (s->nregions == s->capregions) {
                size_t nc = s->capregions ? s->capregions * 2 : 8;
                sky_region *nr = realloc(s->regions, nc * sizeof *nr);
                if (!nr) {
                    fp_fail(err, file, 0, 0, "out of memory");
                    goto out;
                }
                s->regions = nr;
                s->capregions = nc;
            }
            g2 = &s->regions[s->nregions++];
            memset(g2, 0, sizeof *g2);
            snprintf(g2->name, sizeof g2->name, "%s", region);
        }
        if (has_price && (!g2->has_on_demand || price < g2->on_demand)) {
            g2->on_demand = price;
            g2->has_on_demand = 1;
        }
        if (has_spot && (!g2->has_spot || spot < g2->spot)) {
            g2->spot = spot;
            g2->has_spot = 1;
        }
    }
    if (r < 0)
        goto out;
    /* GCP: each region's price is the VM's plus its GPUs' there (none where either is missing).
     * A GPU row is the machine's when it names the same catalog GPU (SkyPilot's spellings vary:
     * H100, H100-80GB) in the same count.  A machine type left with no price in any region is
     * left out: an instance without a price would otherwise replace a priced built-in one. */
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i].attach) {
            int priced = 0;
            size_t unpriced = 0;
            for (size_t k = 0; k < v[i].nregions; k++) {
                sky_region *g = &v[i].regions[k];
                const sky_acc *e = NULL;
                for (size_t j = 0; j < nacc && !e; j++)
                    if (acc_v[j].count == v[i].count && !strcmp(acc_v[j].r.name, g->name) && v[i].gpu &&
                        sky_gpu(cat, acc_v[j].acc) == v[i].gpu) {
                        e = &acc_v[j];
                        acc_v[j].used = 1;
                    }
                g->has_on_demand = g->has_on_demand && e && e->r.has_on_demand;
                g->has_spot = g->has_spot && e && e->r.has_spot;
                if (g->has_on_demand)
                    g->on_demand += e->r.on_demand;
                if (g->has_spot)
                    g->spot += e->r.spot;
                unpriced += !g->has_on_demand && !g->has_spot;
                priced |= g->has_on_demand || g->has_spot;
            }
            if (!priced) {
                note_machine(out, v[i].type);
                free(v[i].regions);
                continue;
            }
            out->attached_instances++;
            out->unpriced_regions += unpriced;
        }
        v[kept++] = v[i];
    }
    n = kept;
    for (size_t j = 0; j < nacc; j++) {
        if (acc_v[j].used)
            out->gpu_price_rows += acc_v[j].rows;
        else {
            out->untyped_rows += acc_v[j].rows;
            out->skipped_rows += acc_v[j].rows;
        }
    }
    if (out->nunknown && !o->skip_unknown) {
        char list[512] = "";
        size_t used = 0;
        for (size_t i = 0; i < out->nunknown && i < INV_IMPORT_UNKNOWN && used < sizeof list; i++)
            used += (size_t)snprintf(list + used, sizeof list - used, "%s'%s'", i ? ", " : "", out->unknown[i]);
        fp_fail(err, file, first_unknown_line, first_unknown_col,
                "accelerator '%s' is not in the GPU catalog (unknown: %s%s); add the GPUs with --inventory "
                "GPUS.yaml, or leave their instances out with --skip-unknown",
                first_unknown, list, out->nunknown > INV_IMPORT_UNKNOWN ? ", ..." : "");
        goto out;
    }
    if (!n) {
        fp_fail(err, file, c.line, 1, "no instance left to write (%zu rows read, %zu left out)", out->rows,
                out->skipped_rows);
        goto out;
    }
    qsort(v, n, sizeof *v, by_type);
    for (size_t i = 0; i < n; i++) {
        qsort(v[i].regions, v[i].nregions, sizeof *v[i].regions, by_region);
        for (size_t k = 0; k < v[i].nregions; k++)
            out->regions += v[i].regions[k].has_on_demand || v[i].regions[k].has_spot;
        out->gpu_instances += v[i].gpu != NULL;
    }
    out->instances = n;
    write_yaml(&b, file, o, v, n);
    if (b.oom) {
        fp_fail(err, file, 0, 0, "out of memory");
        goto out;
    }
    out->yaml = b.p;
    out->len = b.len;
    b.p = NULL;
    rc = 0;
out:
    free(b.p);
    free(c.store);
    free(acc_v);
    insts_free(v, n);
    return rc;
}

void inv_import_free(inv_import *imp)
{
    if (!imp)
        return;
    free(imp->yaml);
    imp->yaml = NULL;
    imp->len = 0;
}
