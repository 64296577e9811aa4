/* GPU capabilities (inventory/caps.c): the compute capability -> features table for every
 * catalog GPU, and the runtimes' requirements table, one case per row and per side of it.
 * Sources for each row are in caps.c and docs/formats.md. */
#include <stdlib.h>

#include "../../inventory/inventory.h"
#include "test.h"

#define BF INV_F_BF16
#define F8 INV_F_FP8
#define I8 INV_F_INT8
#define FA INV_F_FA2

/* Every GPU of the built-in catalog: its compute capability and what follows from it. */
static void test_catalog_gpus(test_ctx *t)
{
    static const struct {
        const char *name, *vendor, *cc;
        unsigned features;
    } want[] = {
        {"t4", "nvidia", "7.5", I8},
        {"p100", "nvidia", "6.0", 0},
        {"p4", "nvidia", "6.1", 0},
        {"k80", "nvidia", "3.7", 0},
        {"v100-16gb", "nvidia", "7.0", 0},
        {"v100-32gb", "nvidia", "7.0", 0},
        {"a10g", "nvidia", "8.6", BF | I8 | FA},
        {"a10", "nvidia", "8.6", BF | I8 | FA},
        {"a100-40gb", "nvidia", "8.0", BF | I8 | FA},
        {"a100-80gb", "nvidia", "8.0", BF | I8 | FA},
        {"rtx3060", "nvidia", "8.6", BF | I8 | FA},
        {"rtx3090", "nvidia", "8.6", BF | I8 | FA},
        {"rtx3070", "nvidia", "8.6", BF | I8 | FA},
        {"rtx3080", "nvidia", "8.6", BF | I8 | FA},
        {"rtx-a6000", "nvidia", "8.6", BF | I8 | FA},
        {"l4", "nvidia", "8.9", BF | F8 | I8 | FA},
        {"l40s", "nvidia", "8.9", BF | F8 | I8 | FA},
        {"rtx4060", "nvidia", "8.9", BF | F8 | I8 | FA},
        {"rtx4060ti-8gb", "nvidia", "8.9", BF | F8 | I8 | FA},
        {"rtx4060ti-16gb", "nvidia", "8.9", BF | F8 | I8 | FA},
        {"rtx4070", "nvidia", "8.9", BF | F8 | I8 | FA},
        {"rtx4080", "nvidia", "8.9", BF | F8 | I8 | FA},
        {"l40", "nvidia", "8.9", BF | F8 | I8 | FA},
        {"rtx4090", "nvidia", "8.9", BF | F8 | I8 | FA},
        {"rtx6000-ada", "nvidia", "8.9", BF | F8 | I8 | FA},
        {"h100", "nvidia", "9.0", BF | F8 | I8 | FA},
        {"h100-nvl", "nvidia", "9.0", BF | F8 | I8 | FA},
        {"h200", "nvidia", "9.0", BF | F8 | I8 | FA},
        /* NVIDIA's CUDA GPUs list: B200 10.0, GeForce RTX 5090 12.0 */
        {"b200", "nvidia", "10.0", BF | F8 | I8 | FA},
        {"rtx5090", "nvidia", "12.0", BF | F8 | I8 | FA},
        {"mi300x", "amd", "gfx942", BF | F8 | I8 | FA}, /* stated in the entry: no CUDA compute capability */
    };
    inv_catalog cat;
    fp_error e;
    CHECK(t, inv_catalog_load(&cat, &e) == 0);
    CHECK_U64(t, cat.ngpus, sizeof want / sizeof want[0]); /* a new GPU gets a row here */
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const inv_gpu *g = inv_gpu_find(&cat, want[i].name);
        CHECK(t, g != NULL);
        if (!g)
            continue;
        CHECK(t, g->caps.known);
        CHECK_STR(t, g->caps.vendor, want[i].vendor);
        CHECK_STR(t, g->caps.compute_capability, want[i].cc);
        if (g->caps.features != want[i].features) {
            fprintf(stderr, "  %s: features %#x, want %#x\n", g->name, g->caps.features, want[i].features);
            t->failures++;
        }
        CHECK(t, g->bf16 == ((want[i].features & BF) != 0));
        CHECK(t, g->fp8 == ((want[i].features & F8) != 0));
        /* an NVIDIA entry's stated bf16/fp8 agree with the table (they would override it) */
        if (!strcmp(want[i].vendor, "nvidia"))
            CHECK_U64(t, g->caps.features, inv_cc_features(g->caps.cc));
    }
    /* nodes carry their GPU's capabilities */
    const inv_node *n = inv_node_find(&cat, "aws/g4dn.xlarge");
    CHECK(t, n && n->gpu_caps.cc == 75);
    inv_catalog_free(&cat);
}

static void test_cc_table(test_ctx *t)
{
    CHECK(t, inv_cc_parse("8.9") == 89);
    CHECK(t, inv_cc_parse("10.0") == 100);
    CHECK(t, inv_cc_parse("12.1") == 121);
    CHECK(t, inv_cc_parse("gfx942") == -1);
    CHECK(t, inv_cc_parse("8") == -1);
    CHECK(t, inv_cc_parse("8.10") == -1);
    CHECK(t, inv_cc_parse("0.5") == -1);
    CHECK_U64(t, inv_cc_features(0), 0);
    CHECK_U64(t, inv_cc_features(70), 0);
    CHECK_U64(t, inv_cc_features(75), I8);
    CHECK_U64(t, inv_cc_features(80), BF | I8 | FA);
    CHECK_U64(t, inv_cc_features(86), BF | I8 | FA);
    CHECK_U64(t, inv_cc_features(89), BF | F8 | I8 | FA);
    CHECK_U64(t, inv_cc_features(120), BF | F8 | I8 | FA);
    CHECK_STR(t, inv_feature_name(FA), "flash_attention_2");
}

/* One case per requirement row, on each side of its minimum. */
static void test_runtime_rows(test_ctx *t)
{
    static const struct {
        const char *gpu;
        est_runtime rt;
        est_dtype weights, compute, kv;
        const char *why; /* NULL: can run */
    } cases[] = {
        /* bf16 compute, any runtime: 8.0 */
        {"v100-16gb", EST_RT_TRANSFORMERS, EST_DT_BF16, EST_DT_BF16, EST_DT_BF16,
         "bf16 compute needs compute capability 8.0 (bfloat16 arithmetic); v100-16gb is 7.0"},
        {"t4", EST_RT_VLLM, EST_DT_FP16, EST_DT_BF16, EST_DT_FP16, "bf16 compute needs compute capability 8.0"},
        {"a100-40gb", EST_RT_TRANSFORMERS, EST_DT_BF16, EST_DT_BF16, EST_DT_BF16, NULL},
        {"v100-16gb", EST_RT_TRANSFORMERS, EST_DT_FP16, EST_DT_FP16, EST_DT_FP16, NULL},
        /* transformers fp8 weights: 8.9 */
        {"t4", EST_RT_TRANSFORMERS, EST_DT_FP8, EST_DT_FP16, EST_DT_FP16,
         "fp8 weights need compute capability 8.9 (transformers FineGrainedFP8); t4 is 7.5"},
        {"a100-80gb", EST_RT_NONE, EST_DT_FP8, EST_DT_BF16, EST_DT_BF16, "a100-80gb is 8.0"},
        {"l4", EST_RT_TRANSFORMERS, EST_DT_FP8, EST_DT_BF16, EST_DT_BF16, NULL},
        /* transformers int4 (AWQ) 7.5, int8 (LLM.int8) 7.5, nf4 6.0 */
        {"v100-32gb", EST_RT_TRANSFORMERS, EST_DT_INT4, EST_DT_FP16, EST_DT_FP16, "int4 weights need compute capability 7.5"},
        {"t4", EST_RT_TRANSFORMERS, EST_DT_INT4, EST_DT_FP16, EST_DT_FP16, NULL},
        {"p100", EST_RT_TRANSFORMERS, EST_DT_INT8, EST_DT_FP16, EST_DT_FP16, "(bitsandbytes LLM.int8()); p100 is 6.0"},
        {"t4", EST_RT_TRANSFORMERS, EST_DT_INT8, EST_DT_FP16, EST_DT_FP16, NULL},
        {"k80", EST_RT_TRANSFORMERS, EST_DT_NF4_DQ, EST_DT_FP16, EST_DT_FP16, "nf4 weights need compute capability 6.0"},
        {"p100", EST_RT_TRANSFORMERS, EST_DT_NF4, EST_DT_FP16, EST_DT_FP16, NULL},
        /* vLLM itself: 7.0 */
        {"p100", EST_RT_VLLM, EST_DT_FP16, EST_DT_FP16, EST_DT_FP16,
         "vLLM needs compute capability 7.0 (its CUDA build); p100 is 6.0"},
        {"v100-16gb", EST_RT_VLLM, EST_DT_FP16, EST_DT_FP16, EST_DT_FP16, NULL},
        /* vLLM fp8 weights: weight-only Marlin from 8.0 in every release since 2024, W8A8 from 8.9 */
        {"v100-16gb", EST_RT_VLLM, EST_DT_FP8, EST_DT_FP16, EST_DT_FP16, "fp8 weights need compute capability 8.0"},
        {"t4", EST_RT_VLLM, EST_DT_FP8, EST_DT_FP16, EST_DT_FP16, "fp8 weights need compute capability 8.0"},
        {"a10g", EST_RT_VLLM, EST_DT_FP8, EST_DT_FP16, EST_DT_FP16, NULL},
        {"mi300x", EST_RT_VLLM, EST_DT_FP8, EST_DT_BF16, EST_DT_BF16, NULL},
        /* vLLM int4 7.5, int8 7.5, nf4 7.0; none of them on ROCm */
        {"v100-16gb", EST_RT_VLLM, EST_DT_INT4, EST_DT_FP16, EST_DT_FP16, "int4 weights need compute capability 7.5"},
        {"t4", EST_RT_VLLM, EST_DT_INT4, EST_DT_FP16, EST_DT_FP16, NULL},
        {"mi300x", EST_RT_VLLM, EST_DT_INT4, EST_DT_BF16, EST_DT_BF16,
         "int4 weights need a CUDA GPU (vLLM AWQ has no ROCm kernel); mi300x is AMD gfx942"},
        {"v100-16gb", EST_RT_VLLM, EST_DT_INT8, EST_DT_FP16, EST_DT_FP16, "int8 weights need compute capability 7.5"},
        {"v100-16gb", EST_RT_VLLM, EST_DT_NF4, EST_DT_FP16, EST_DT_FP16, NULL},
        {"mi300x", EST_RT_VLLM, EST_DT_NF4, EST_DT_BF16, EST_DT_BF16, "no ROCm kernel"},
        /* vLLM fp8 KV cache: what vLLM runs on */
        {"v100-16gb", EST_RT_VLLM, EST_DT_FP16, EST_DT_FP16, EST_DT_FP8, NULL},
        /* llama.cpp's CUDA backend: 5.0 */
        {"k80", EST_RT_LLAMACPP, EST_DT_Q4_K, EST_DT_FP16, EST_DT_FP16,
         "llama.cpp's CUDA backend needs compute capability 5.0 (CUDA 12 builds); k80 is 3.7"},
        {"p100", EST_RT_LLAMACPP, EST_DT_Q4_K, EST_DT_FP16, EST_DT_FP16, NULL},
        {"mi300x", EST_RT_LLAMACPP, EST_DT_Q8_0, EST_DT_FP16, EST_DT_FP16, NULL},
    };
    inv_catalog cat;
    fp_error e;
    CHECK(t, inv_catalog_load(&cat, &e) == 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const inv_gpu *g = inv_gpu_find(&cat, cases[i].gpu);
        CHECK(t, g != NULL);
        if (!g)
            continue;
        est_workload w;
        est_workload_default(&w);
        w.runtime = cases[i].rt;
        w.weight_dtype = cases[i].weights;
        w.compute_dtype = cases[i].compute;
        w.kv_dtype = cases[i].kv;
        char why[256];
        int ok = inv_gpu_can_run(g, &w, why, sizeof why);
        if (ok != (cases[i].why == NULL)) {
            fprintf(stderr, "  case %zu (%s): can_run %d, want %d (%s)\n", i, cases[i].gpu, ok, cases[i].why == NULL,
                    why);
            t->failures++;
        } else if (cases[i].why) {
            CHECK_HAS(t, why, cases[i].why);
        } else {
            CHECK_STR(t, why, "");
        }
    }
    /* a GPU known only by its memory can run anything */
    inv_caps unknown = {0};
    est_workload w;
    est_workload_default(&w);
    w.weight_dtype = EST_DT_FP8;
    char why[64];
    CHECK(t, inv_caps_can_run(&unknown, "custom", &w, why, sizeof why) == 1);
    inv_catalog_free(&cat);
}

/* A bf16 left at the default runs as fp16 where there is no bf16; one asked for stays. */
static void test_fp16_fallback(test_ctx *t)
{
    static const struct {
        const char *opt, *value;
        est_dtype weights, compute, kv;
    } cases[] = {
        {NULL, NULL, EST_DT_FP16, EST_DT_FP16, EST_DT_FP16},
        {"dtype", "bf16", EST_DT_BF16, EST_DT_BF16, EST_DT_BF16},
        {"compute-dtype", "bf16", EST_DT_FP16, EST_DT_BF16, EST_DT_BF16},
        {"precision", "bf16", EST_DT_FP16, EST_DT_BF16, EST_DT_BF16},
        {"dtype", "fp8", EST_DT_FP8, EST_DT_FP16, EST_DT_FP16},
        {"kv-dtype", "bf16", EST_DT_FP16, EST_DT_FP16, EST_DT_BF16},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        est_options o;
        fp_error e;
        est_options_init(&o);
        if (cases[i].opt)
            CHECK(t, est_option_apply(&o, cases[i].opt, cases[i].value, &e) == 1);
        CHECK(t, est_options_finish(&o, &e) == 0);
        est_workload w = o.w;
        est_options_fp16_fallback(&o, &w);
        if (w.weight_dtype != cases[i].weights || w.compute_dtype != cases[i].compute || w.kv_dtype != cases[i].kv) {
            fprintf(stderr, "  case %zu (%s): %s/%s/%s\n", i, cases[i].opt ? cases[i].opt : "default",
                    est_dtype_name(w.weight_dtype), est_dtype_name(w.compute_dtype), est_dtype_name(w.kv_dtype));
            t->failures++;
        }
    }
}

static int parse_gpus(const char *text, inv_catalog *cat, fp_error *e)
{
    memset(cat, 0, sizeof *cat);
    return inv_gpus_parse(cat, "g.yaml", text, strlen(text), e);
}

/* The catalog: a stated feature overrides the table; bad values name the key. */
static void test_catalog_entries(test_ctx *t)
{
    inv_catalog cat;
    fp_error e;
    CHECK(t, parse_gpus("gpus:\n  - {name: x, memory: 16 GiB, source: s, compute_capability: \"7.5\", bf16: true}\n",
                        &cat, &e) == 0);
    CHECK(t, cat.ngpus == 1 && cat.gpus[0].caps.features == (BF | I8) && cat.gpus[0].bf16 && cat.gpus[0].caps.cc == 75);
    CHECK_STR(t, cat.gpus[0].caps.vendor, "nvidia");
    inv_catalog_free(&cat);

    CHECK(t, parse_gpus("gpus:\n  - {name: m, memory: 64 GiB, source: s, vendor: amd, compute_capability: gfx90a, "
                        "bf16: true}\n",
                        &cat, &e) == 0);
    CHECK(t, cat.ngpus == 1 && cat.gpus[0].caps.features == BF && cat.gpus[0].caps.cc == 0);
    inv_catalog_free(&cat);

    /* a feature taken away from a GPU whose compute capability has it: the runtime rows that
     * need the feature follow the entry */
    CHECK(t, parse_gpus("gpus:\n  - {name: z, memory: 80 GiB, source: s, compute_capability: \"9.0\", fp8: false}\n",
                        &cat, &e) == 0);
    {
        est_workload w;
        est_workload_default(&w);
        w.weight_dtype = EST_DT_FP8;
        char why[256];
        CHECK(t, cat.ngpus == 1 && inv_gpu_can_run(&cat.gpus[0], &w, why, sizeof why) == 0);
        CHECK_STR(t, why, "fp8 weights need fp8 hardware (transformers FineGrainedFP8); z has none (its catalog entry)");
        w.runtime = EST_RT_VLLM; /* weight-only FP8 Marlin needs no fp8 hardware */
        CHECK(t, inv_gpu_can_run(&cat.gpus[0], &w, why, sizeof why) == 1);
    }
    inv_catalog_free(&cat);

    /* no compute capability: nothing known, treated as able */
    CHECK(t, parse_gpus("gpus:\n  - {name: y, memory: 16 GiB, source: s}\n", &cat, &e) == 0);
    CHECK(t, cat.ngpus == 1 && !cat.gpus[0].caps.known);
    inv_catalog_free(&cat);

    CHECK(t, parse_gpus("gpus:\n  - {name: x, memory: 16 GiB, source: s, compute_capability: gfx942}\n", &cat, &e) ==
                 -1);
    CHECK_HAS(t, e.msg, "'compute_capability' of an NVIDIA GPU is MAJOR.MINOR such as '8.9', got 'gfx942'");
    CHECK(t, e.line == 2);
    inv_catalog_free(&cat);
    CHECK(t, parse_gpus("gpus:\n  - {name: x, memory: 16 GiB, source: s, vendor: intel}\n", &cat, &e) == -1);
    CHECK_HAS(t, e.msg, "'vendor' must be 'nvidia' or 'amd', got 'intel'");
    inv_catalog_free(&cat);
    CHECK(t, parse_gpus("gpus:\n  - {name: x, memory: 16 GiB, source: s, fp8: maybe}\n", &cat, &e) == -1);
    CHECK_HAS(t, e.msg, "fp8");
    inv_catalog_free(&cat);
}


/* Per-region prices (docs/formats.md, "Prices"): the default is the cheapest region's on-demand
 * price (ties: the first region by name), spot the cheapest spot of any region; a named region
 * gets its own price or an error naming the regions that have one. */
static void test_region_prices(test_ctx *t)
{
    static const char gpus[] = "gpus:\n  - {name: a10g, memory: 22888 MiB, source: x}\n";
    static const char inst[] = "instances:\n"
                               "  - name: aws/x\n"
                               "    gpu: a10g\n"
                               "    gpus: 1\n"
                               "    host_memory: 16 GiB\n"
                               "    prices:\n"
                               "      - {region: us-west-2, on_demand: 1.5, spot: 0.30}\n"
                               "      - {region: eu-west-1, on_demand: 1.2}\n"
                               "      - {region: ap-south-1, on_demand: 1.2, spot: 0.45}\n";
    inv_catalog cat;
    memset(&cat, 0, sizeof cat);
    fp_error e;
    CHECK(t, inv_gpus_parse(&cat, "g.yaml", gpus, sizeof gpus - 1, &e) == 0);
    CHECK(t, inv_nodes_parse(&cat, "i.yaml", inst, sizeof inst - 1, &e) == 0);
    const inv_node *n = inv_node_find(&cat, "aws/x");
    CHECK(t, n != NULL);
    if (n) {
        CHECK(t, n->has_price && n->price == 1.2);
        CHECK_STR(t, n->region, "ap-south-1"); /* 1.2 twice: the first by name */
        CHECK(t, n->has_spot && n->spot == 0.30);
        CHECK_STR(t, n->spot_region, "us-west-2");
        double p = 0;
        char region[32], why[256];
        CHECK(t, inv_node_price(&cat, n, "us-west-2", 0, &p, region, sizeof region, why, sizeof why) == 0);
        CHECK(t, p == 1.5);
        CHECK(t, inv_node_price(&cat, n, "ap-south-1", 1, &p, region, sizeof region, why, sizeof why) == 0);
        CHECK(t, p == 0.45);
        CHECK(t, inv_node_price(&cat, n, "eu-west-1", 1, &p, region, sizeof region, why, sizeof why) == -1);
        CHECK_HAS(t, why, "regions with one: us-west-2 ap-south-1");
        CHECK(t, inv_node_price(&cat, n, "mars-1", 0, &p, region, sizeof region, why, sizeof why) == -1);
    }
    inv_catalog_free(&cat);
}

const test_case caps_tests[] = {
    {"caps/catalog_gpus", test_catalog_gpus},
    {"caps/cc_table", test_cc_table},
    {"caps/runtime_rows", test_runtime_rows},
    {"caps/fp16_fallback", test_fp16_fallback},
    {"caps/catalog_entries", test_catalog_entries},
    {"caps/region_prices", test_region_prices},
    {NULL, NULL},
};
