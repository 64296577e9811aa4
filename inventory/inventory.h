/* inventory.h: the built-in catalogs (models, GPUs) and the readers of model
 * descriptions (catalog entries and Hugging Face config.json files).
 *
 * The catalogs are YAML files under inventory/, compiled into the binary (so the
 * tool works from any directory) and installed to $(PREFIX)/share/fedplan for
 * reading.  FEDPLAN_DATA_DIR, when set, names a folder whose models.yaml and
 * gpus.yaml replace the compiled-in ones.
 */
#ifndef FEDPLAN_INVENTORY_H
#define FEDPLAN_INVENTORY_H

#include <stddef.h>
#include <stdint.h>

#include "../common/fperror.h"
#include "../estimator/estimator.h"

#define INV_NAME 64

typedef struct inv_model {
    char name[INV_NAME];
    char hf_id[128];
    char source[512];
    uint64_t expected_params; /* 0 when no exact published total is known */
    est_arch arch;
} inv_model;

/* ---------------------------------------------------------------- capabilities
 * What a GPU can compute.  A GPU's compute capability is catalog data (gpus.yaml); its
 * hardware features follow from it through one table (inventory/caps.c, documented with
 * sources in docs/formats.md), and a catalog entry may override a feature where the
 * table cannot say (AMD GPUs, whose "gfx942" is no CUDA compute capability). */

enum {
    INV_F_BF16 = 1u << 0,  /* bfloat16 arithmetic */
    INV_F_FP8 = 1u << 1,   /* fp8 (e4m3/e5m2) tensor-core arithmetic */
    INV_F_INT8 = 1u << 2,  /* int8 tensor cores */
    INV_F_FA2 = 1u << 3,   /* FlashAttention-2 kernels exist for it */
    INV_F_COUNT = 4
};

typedef struct inv_caps {
    int known;               /* 0: nothing is known (a GPU given only by its memory): treated as able */
    char vendor[16];         /* "nvidia", "amd"; "" when not given */
    char compute_capability[16]; /* as written: "8.9", "gfx942" */
    int cc;                  /* NVIDIA compute capability x 10 (89); 0 when not an NVIDIA one */
    unsigned features;       /* INV_F_* */
} inv_caps;

/* Name of feature bit f ("bf16", "fp8", "int8_tensor_cores", "flash_attention_2"). */
const char *inv_feature_name(unsigned f);
/* Features the table gives a compute capability (x 10); 0 for cc 0. */
unsigned inv_cc_features(int cc);
/* Parse "8.9" into 89; -1 when s is not MAJOR.MINOR with a one-digit minor. */
int inv_cc_parse(const char *s);

typedef struct inv_gpu {
    char name[INV_NAME];
    char aliases[8][INV_NAME];
    size_t naliases;
    uint64_t memory;  /* bytes, as the platform reports the total */
    uint64_t nominal; /* marketing figure, bytes; 0 if not given */
    uint64_t usable;  /* what CUDA reports as total (cudaMemGetInfo), where it differs from memory and a
                         source gives it; 0: not known, memory is used.  inv_gpu_capacity() picks. */
    int bf16, fp8;    /* the INV_F_BF16 and INV_F_FP8 bits of caps.features */
    inv_caps caps;
    char architecture[32];
    char source[512];
} inv_gpu;

/* One region's hourly prices of a cloud instance (an instances file's 'prices:' list, as
 * 'fedplan catalog import skypilot' writes it).  The catalog holds them in one array. */
typedef struct inv_price {
    char region[32];
    double on_demand, spot;
    int has_on_demand, has_spot;
} inv_price;

/* A machine a deployment can be placed on: an owned server (nodes.yaml) or a cloud
 * instance (instances.yaml). */
typedef struct inv_node {
    char name[INV_NAME];
    char provider[16];    /* "on-prem", "aws", "gcp", "azure", "sagemaker", "kaggle" */
    char gpu[INV_NAME];   /* GPU catalog name, "" when gpus == 0 */
    uint32_t gpus;
    uint64_t gpu_memory;  /* per GPU, bytes, from the GPU catalog */
    inv_caps gpu_caps;    /* the GPU's capabilities, from the GPU catalog */
    uint64_t host_memory; /* bytes */
    uint32_t vcpus;
    double price;         /* per hour, on demand: the entry's price_per_hour, else its cheapest region's */
    int has_price;
    double spot;          /* per hour, spot (spot_price_per_hour, else the cheapest region's) */
    int has_spot;
    char region[32];      /* the region price is for */
    char spot_region[32]; /* the region spot is for (the cheapest spot region may be another) */
    char price_date[16];  /* "YYYY-MM", "YYYY-MM-DD" or "undated"; "" when not given */
    size_t price0, nprices; /* its per-region rows: cat->prices[price0 .. price0 + nprices) */
    char source[512];
} inv_node;

typedef struct inv_catalog {
    inv_model *models;
    size_t nmodels;
    inv_gpu *gpus;
    size_t ngpus;
    inv_node *nodes;
    size_t nnodes;
    inv_price *prices;    /* every node's per-region rows (inv_node.price0) */
    size_t nprices;
} inv_catalog;

/* Load the built-in catalogs (or those under $FEDPLAN_DATA_DIR).  On success the
 * catalog owns its arrays; free with inv_catalog_free. */
int inv_catalog_load(inv_catalog *cat, fp_error *err);
void inv_catalog_free(inv_catalog *cat);

/* Parse one model catalog / GPU catalog from a YAML buffer (name is used in errors).
 * Appends to cat. */
int inv_models_parse(inv_catalog *cat, const char *name, const char *buf, size_t len, fp_error *err);
int inv_gpus_parse(inv_catalog *cat, const char *name, const char *buf, size_t len, fp_error *err);

/* Parse a node catalog ("nodes:" for owned servers, "instances:" for cloud instances)
 * from YAML; GPU names are resolved against the GPUs already in cat. Appends to cat. */
int inv_nodes_parse(inv_catalog *cat, const char *name, const char *buf, size_t len, fp_error *err);
const inv_node *inv_node_find(const inv_catalog *cat, const char *name);
/* The hourly price of node n (from cat) in region (NULL: the cheapest region that has the
 * price wanted, ties to the first region by name), spot or on demand.  Returns 0 with *price
 * and region_out (size rn: the region the price is for, "" when the entry names none), or -1
 * with why (size wn) saying what is missing and which regions there are. */
int inv_node_price(const inv_catalog *cat, const inv_node *n, const char *region, int spot, double *price,
                   char *region_out, size_t rn, char *why, size_t wn);
/* After a GPU catalog overrides entries: give every node its GPU's (new) memory. */
void inv_catalog_relink(inv_catalog *cat);
const char *inv_node_suggest(const inv_catalog *cat, const char *name);

/* The memory plans and fit decisions use for one GPU: usable where the catalog gives it, else
 * the reported total. */
uint64_t inv_gpu_capacity(const inv_gpu *g);

/* Find by catalog name or hub id (case-insensitive); NULL when absent. */
const inv_model *inv_model_find(const inv_catalog *cat, const char *name);
const inv_gpu *inv_gpu_find(const inv_catalog *cat, const char *name);
/* Closest model / GPU name for "did you mean"; NULL if none is close. */
const char *inv_model_suggest(const inv_catalog *cat, const char *name);
const char *inv_gpu_suggest(const inv_catalog *cat, const char *name);

/* Can a GPU with caps (named gpu in the reason) run workload w?  Checks the runtimes'
 * requirements table (inventory/caps.c: minimum compute capability and hardware features
 * per runtime and dtype, each row with its source).  Returns 1, or 0 with why (size n)
 * saying what is missing, e.g. "fp8 weights need compute capability 8.9 (transformers
 * FineGrainedFP8); t4 is 7.5".  Unknown capabilities (caps->known == 0) can run anything.
 * w is taken as written: a bf16 the user did not ask for should be turned into fp16 first
 * (est_options_fp16_fallback), as runtimes do on GPUs without bf16. */
int inv_caps_can_run(const inv_caps *caps, const char *gpu, const est_workload *w, char *why, size_t n);
int inv_gpu_can_run(const inv_gpu *g, const est_workload *w, char *why, size_t n);

/* Read a Hugging Face config.json into an architecture.  name_out (size INV_NAME)
 * receives a display name (the file's "_name_or_path" or its base name). */
int inv_config_load(const char *path, est_arch *arch, char *name_out, fp_error *err);
/* Same, from a buffer already in memory. */
int inv_config_parse(const char *file, const char *text, size_t len, est_arch *arch, fp_error *err);

/* ====================================================================== model files
 * Readers of the files users already hold, one file per format (inventory/safetensors.c,
 * gguf.c, quantcfg.c, hfcache.c, modelfile.c).  The binary readers read headers only, never
 * the tensors; they check every length against the file's size before allocating or
 * reading, and fail naming the file and the byte offset (docs/formats.md). */

#define INV_KINDS 48

/* Tensors of one stored type: a safetensors dtype ("BF16", "F8_E4M3") or a ggml type ("Q4_K"). */
typedef struct inv_kind {
    char name[16];
    uint64_t tensors;
    uint64_t elements;
    uint64_t bytes;
} inv_kind;

/* What a checkpoint stores, summed over its files. */
typedef struct inv_stored {
    char format[16];   /* "safetensors" or "gguf"; "" when nothing was read */
    uint64_t files;
    uint64_t tensors;
    uint64_t elements; /* every tensor's element count (a packed int4 tensor counts its int32 words) */
    uint64_t bytes;    /* every tensor's stored bytes: what a runtime loads */
    int quantized;     /* some tensor is not F32/F16/BF16/F64 (safetensors): elements are no parameter count */
    /* in the files but not loaded by the runtime, so in none of the figures above: the
     * NextN/MTP layers a GGUF keeps as its last nextn_predict_layers blocks (llama.cpp
     * creates them TENSOR_SKIP: GLM-4.5), and the safetensors layers past num_hidden_layers
     * (model.layers.N, N >= it: GLM-4.5's and DeepSeek-V3's MTP layers) */
    uint64_t unloaded_tensors, unloaded_elements, unloaded_bytes;
    size_t nkinds;
    inv_kind kinds[INV_KINDS]; /* in first-seen order */
} inv_stored;

/* safetensors: one file's header (8-byte little-endian length, then that much JSON).  Adds
 * its tensors to st (which the caller zeroes before the first file); those of layers past
 * the architecture's `layers` (num_hidden_layers; 0: none set apart) as unloaded.  _parse
 * reads the first len bytes of a file of file_size bytes held in buf (buf is not kept). */
int inv_safetensors_read(const char *path, uint64_t layers, inv_stored *st, fp_error *err);
int inv_safetensors_parse(const char *file, const unsigned char *buf, size_t len, uint64_t file_size,
                          uint64_t layers, inv_stored *st, fp_error *err);

/* GGUF (version 2 or 3): header, metadata and tensor infos into an architecture (through
 * the same config readers as config.json: docs/formats.md has the key mapping), the stored
 * tensors and a display name (size INV_NAME: general.name, else the file's base name).
 * _load follows split files (NAME-00001-of-00003.gguf) and reads them as one model; _parse
 * reads one whole file held in memory (for fuzzing). */
int inv_gguf_load(const char *path, est_arch *arch, inv_stored *st, char *name_out, fp_error *err);
int inv_gguf_parse(const char *file, const unsigned char *buf, size_t len, est_arch *arch, inv_stored *st,
                   char *name_out, fp_error *err);

/* quantization_config of a config.json, as the weights are stored. */
typedef struct inv_quant {
    int present;           /* 1: the config has a quantization_config */
    char method[32];       /* its quant_method as written ("fp8", "mxfp4", "gptq", "awq", "bitsandbytes") */
    est_dtype dtype;       /* the weight dtype that sizes it; EST_DT_COUNT: a method fedplan cannot size
                              (what says which): refused unless --dtype is given */
    uint32_t group_size;   /* gptq/awq: est_workload.group_size */
    int g_idx;             /* gptq: g_idx stored */
    uint32_t fp8_block;    /* fp8: the weight_block_size edge */
    char what[96];         /* for people: "fp8 e4m3, fp32 scale per 128x128 block" */
} inv_quant;

/* Read the quantization_config of a config.json text (none: q->present 0).  A malformed one
 * (no quant_method, a bad weight_block_size or group_size) is an error naming the key's position. */
int inv_quant_parse(const char *file, const char *text, size_t len, inv_quant *q, fp_error *err);

/* A model read from files: a config.json, a checkpoint directory (config.json, *.safetensors,
 * model.safetensors.index.json) or a .gguf file. */
typedef struct inv_modelfile {
    est_arch arch;
    char name[INV_NAME];  /* display name: a directory's base name, general.name, the file's name */
    char kind[16];        /* "config", "checkpoint" (a directory), "gguf" */
    inv_stored stored;    /* stored.format "" when no tensor file was read */
    inv_quant quant;
} inv_modelfile;

/* Read MODEL at path.  Returns 0, or -1 with err naming the file (and byte offset). */
int inv_modelfile_load(const char *path, inv_modelfile *m, fp_error *err);

/* ====================================================================== MODEL resolved
 * How estimate, fit and scenarios name a model (inventory/resolve.c, docs/formats.md): a
 * catalog name or hf_id, else a path (config.json, checkpoint directory, .safetensors, .gguf),
 * else a Hub id in the local Hugging Face cache. */
typedef struct inv_resolved {
    const inv_model *entry;   /* the catalog entry (points into the catalog), or NULL */
    inv_modelfile files;      /* what the files hold; files.kind "" when not read from files */
    est_arch arch;
    char name[INV_NAME];      /* display name: the entry's, the files', or the Hub id */
    char hf_id[128];          /* the entry's hf_id or the Hub id read from the cache; "" otherwise */
    char where[FP_ERR_FILE];  /* the model as errors name it: the path read, or as written */
    char path[4096];          /* the file or folder read (a Hub id's snapshot folder); "" for a catalog
                                 entry.  Outputs are checked against it: an input is never overwritten */
} inv_resolved;

/* Resolve model into r (caller-owned, nothing to free).  A relative path is taken from
 * base_dir when it is not NULL (a scenario's folder); revision (NULL: main) is for a Hub id
 * read from the cache only.  Returns 0, or -1 with err naming the file (and offset) or
 * saying what model is unknown, with the nearest catalog name. */
int inv_model_resolve(const inv_catalog *cat, const char *model, const char *base_dir, const char *revision,
                      inv_resolved *r, fp_error *err);

/* The runtime a model's file implies when the workload names none ("llama.cpp" for a
 * .gguf), else NULL.  Apply it before est_options_finish. */
const char *inv_model_runtime(const char *model);

/* What r's files say about the weights, into o (after est_options_finish): the dtype of its
 * quantization_config, and for inference the bytes as stored (est_workload.stored_weights).
 * A dtype given in o wins over both.  A method fedplan has no formula for is sized by the
 * stored bytes when a checkpoint's safetensors were read and the workload is inference on a
 * runtime that loads them.  Returns 0, or -1 with err naming r->where (a method fedplan cannot
 * size otherwise; a .gguf given another runtime than llama.cpp). */
int inv_resolved_apply(const inv_resolved *r, est_options *o, fp_error *err);

/* Find a Hub id ("org/name") in the local Hugging Face cache, offline: HF_HUB_CACHE, else
 * HF_HOME/hub, else XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub;
 * models--org--name/snapshots/<rev>/ with rev from refs/<revision> (NULL: "main") or a
 * commit hash.  Writes the snapshot directory into dir (size n).  Returns 0, or -1 with err
 * saying where it looked and what to download. */
int inv_hfcache_find(const char *repo_id, const char *revision, char *dir, size_t n, fp_error *err);
/* 1 when s has the shape of a Hub id: one '/', names of letters, digits, '-', '_', '.'. */
int inv_hub_id_like(const char *s);

/* ====================================================================== SkyPilot catalogs
 * inventory/skypilot.c: SkyPilot's published price tables (skypilot-catalog catalogs/vN/
 * CLOUD/vms.csv: InstanceType, AcceleratorName, AcceleratorCount, vCPUs, MemoryGiB, Price,
 * SpotPrice, Region, AvailabilityZone; other columns are read past) into an instances file. */

typedef struct inv_import_opts {
    const char *provider; /* "aws", "gcp", "azure", ...: the names' prefix ("aws/g5.xlarge") */
    const char *date;     /* price_date written: YYYY-MM-DD */
    const char *source;   /* price_source written */
    int skip_unknown;     /* 1: leave out instances whose accelerator the GPU catalog lacks */
} inv_import_opts;

#define INV_IMPORT_UNKNOWN 16
typedef struct inv_import {
    char *yaml;            /* the instances file (malloc'ed; inv_import_free frees it) */
    size_t len;
    size_t rows, instances, gpu_instances, regions;
    size_t skipped_rows;   /* rows left out: unknown accelerators, partial GPUs, no InstanceType */
    size_t nunknown;       /* distinct unknown accelerator names (the first INV_IMPORT_UNKNOWN kept) */
    char unknown[INV_IMPORT_UNKNOWN][INV_NAME];
    size_t partial_rows;   /* rows with a fractional AcceleratorCount (a share of one GPU) */
    size_t untyped_rows;   /* rows without an InstanceType that priced no machine type (TPUs, ...) */
    size_t gpu_price_rows; /* GCP: GPU rows added to the machine types that carry them */
    size_t attached_instances; /* GCP machine types priced as VM + GPUs */
    size_t unpriced_regions;   /* of those, regions left without a price (no GPU row there) */
    size_t nmachines;          /* GCP accelerator machine types left out: not in fedplan's table of their
                                  GPUs, or no GPU price row in any region (the first INV_IMPORT_UNKNOWN kept) */
    char machines[INV_IMPORT_UNKNOWN][INV_NAME];
} inv_import;

/* Read the CSV text buf (len bytes; file names it in errors) into out->yaml.  Accelerator
 * names are looked up in cat's GPU catalog (names, aliases, and SkyPilot's own names listed
 * in skypilot.c); an unknown one is an error naming its first row (file:line:col) unless
 * o->skip_unknown.  Returns 0, or -1 with err; out is to be freed with inv_import_free either way. */
int inv_skypilot_import(const inv_catalog *cat, const char *file, const char *buf, size_t len,
                        const inv_import_opts *o, inv_import *out, fp_error *err);
void inv_import_free(inv_import *imp);

/* The compiled-in catalog texts (generated at build time from the inventory YAML files). */
extern const char inv_builtin_models_yaml[];
extern const size_t inv_builtin_models_yaml_len;
extern const char inv_builtin_gpus_yaml[];
extern const size_t inv_builtin_gpus_yaml_len;
extern const char inv_builtin_nodes_yaml[];
extern const size_t inv_builtin_nodes_yaml_len;
extern const char inv_builtin_instances_yaml[];
extern const size_t inv_builtin_instances_yaml_len;

#endif
