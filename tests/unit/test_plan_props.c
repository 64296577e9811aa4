/* test_plan_props.c: properties every printed plan must have, over random scenarios.
 *
 * Each scenario is written as YAML text (catalog models and instances, random workloads:
 * vLLM and transformers inference in several dtypes, LoRA/QLoRA/full training over 1-4 GPUs,
 * tensor-parallel choices, replicas, margins), planned through scn_plan exactly as the CLI
 * plans it, and the plan is checked against figures recomputed here from the estimator,
 * not read back from what the scenario module stored:
 *   - every placed replica has exactly its job's GPU count (tp x data-parallel ranks) of
 *     shards, on distinct GPUs of one node;
 *   - every GPU's estimates plus margins fit its capacity, and the GPU can run the job;
 *   - every node's host memory holds its host deployments and its GPU jobs' processes;
 *   - the bound never exceeds the plan's own objective.
 * A fixed seed keeps the run repeatable. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../estimator/estimator.h"
#include "../../inventory/inventory.h"
#include "../../scenarios/scenario.h"
#include "test.h"

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}
static unsigned pick(uint64_t *s, unsigned n)
{
    return (unsigned)(rng_next(s) % n);
}

static const char *const NODES[] = {"aws/g4dn.xlarge", "aws/g5.xlarge",  "aws/g5.12xlarge", "aws/g6.xlarge",
                                    "aws/g6.12xlarge", "aws/p3.2xlarge", "aws/g6e.xlarge",  "kaggle/p100",
                                    "aws/p3.8xlarge",  "gcp/g2-standard-24"};
static const char *const MODELS[] = {"gpt2", "qwen2.5-0.5b", "llama-3.2-1b", "tinyllama-1.1b", "llama-3.2-3b",
                                     "deepseek-coder-1.3b", "llama-2-7b", "qwen2.5-7b"};

/* one random deployment, appended to buf */
static void gen_deployment(uint64_t *s, size_t i, char *buf, size_t n)
{
    size_t len = strlen(buf);
    const char *model = MODELS[pick(s, sizeof MODELS / sizeof MODELS[0])];
    unsigned replicas = 1 + pick(s, 3);
    char wl[256];
    const char *tp = "";
    switch (pick(s, 5)) {
    case 0: { /* vLLM serving */
        static const char *const dt[] = {"bf16", "fp16", "int4", "fp8"};
        snprintf(wl, sizeof wl, "{runtime: vllm, dtype: %s, compute_dtype: fp16, context: %u, max_num_seqs: %u}",
                 dt[pick(s, 4)], 512u << pick(s, 3), 8u << pick(s, 4));
        tp = pick(s, 2) ? "\n    tp: [1, 2]" : "";
        break;
    }
    case 1: /* transformers */
        snprintf(wl, sizeof wl, "{dtype: %s, compute_dtype: fp16, context: %u, batch: %u}", pick(s, 2) ? "fp16" : "int8",
                 256u << pick(s, 3), 1u + pick(s, 4));
        break;
    case 2: /* LoRA */
        snprintf(wl, sizeof wl, "{method: lora, compute_dtype: fp16, lora_rank: %u, context: %u, grad_checkpointing: %s}",
                 8u << pick(s, 3), 256u << pick(s, 3), pick(s, 2) ? "true" : "false");
        break;
    case 3: /* QLoRA */
        snprintf(wl, sizeof wl, "{method: qlora, dtype: nf4, compute_dtype: fp16, context: %u, batch: %u}",
                 256u << pick(s, 3), 1u + pick(s, 2));
        break;
    default: { /* data-parallel full fine-tune */
        unsigned g = 2u << pick(s, 2);
        snprintf(wl, sizeof wl,
                 "{method: full, compute_dtype: fp16, precision: mixed, zero: %u, gpus: %u, grad_checkpointing: true, "
                 "context: %u}",
                 1u + pick(s, 3), g, 256u << pick(s, 2));
        tp = pick(s, 2) ? "\n    tp: [1, 2]" : "";
        break;
    }
    }
    snprintf(buf + len, n - len, "  - name: d%zu\n    model: %s\n    replicas: %u%s\n    workload: %s\n", i, model,
             replicas, tp, wl);
}

static void gen_scenario(uint64_t *s, char *buf, size_t n)
{
    snprintf(buf, n, "name: random\ntime_limit: 0.5\nallow_partial: true\ngoal: %s\n%snodes:\n",
             pick(s, 3) ? "cost" : "nodes", pick(s, 4) == 0 ? "margin: 0\n" : "");
    unsigned nn = 1 + pick(s, 3);
    unsigned used = 0;
    for (unsigned k = 0; k < nn; k++) {
        unsigned j = pick(s, sizeof NODES / sizeof NODES[0]);
        if (used & (1u << j))
            continue;
        used |= 1u << j;
        size_t len = strlen(buf);
        snprintf(buf + len, n - len, "  - type: %s\n", NODES[j]);
    }
    size_t len = strlen(buf);
    snprintf(buf + len, n - len, "deployments:\n");
    unsigned nd = 1 + pick(s, 4);
    for (unsigned i = 0; i < nd; i++)
        gen_deployment(s, i, buf, n);
}

/* the per-GPU need and host side of deployment d's variant v, recomputed from the estimator */
static int recompute(const scenario *sc, const inv_catalog *cat, size_t d, size_t v, uint64_t *gpu_need,
                     uint64_t *host, uint64_t *gpus)
{
    const scn_deployment *dp = &sc->deps[d];
    const inv_model *m = inv_model_find(cat, dp->model);
    if (!m)
        return -1;
    est_params p;
    if (est_params_count(&m->arch, &p, NULL) != 0)
        return -1;
    est_workload w = dp->opts.w;
    w.tp = dp->vtp[v];
    if (sc->margin.set && !w.margin.set)
        w.margin = sc->margin;
    if (est_workload_shape(&w, NULL) != 0)
        return -1;
    est_footprint fp;
    if (est_footprint_compute(&m->arch, &p, &w, &fp, NULL, NULL) != 0)
        return -1;
    *gpu_need = fp.device + fp.margin;
    *host = fp.host;
    *gpus = w.tp * w.dp;
    return 0;
}

static void random_plans_are_deployable(test_ctx *t)
{
    inv_catalog cat;
    fp_error err;
    if (inv_catalog_load(&cat, &err) != 0) {
        CHECK(t, 0);
        return;
    }
    uint64_t seed = 0x9e3779b97f4a7c15ULL;
    static char text[8192];
    int planned = 0, placed_multi = 0, capable_checks = 0, placed_span = 0;
    for (int iter = 0; iter < 200; iter++) {
        gen_scenario(&seed, text, sizeof text);
        scenario sc;
        if (scn_parse(&sc, "random.yaml", text, strlen(text), &cat, &err) != 0)
            continue; /* a contradiction the loader refuses (a tp no node has, ...) */
        scn_result r;
        if (scn_plan(&sc, &cat, NULL, &r, &err) != 0) {
            scn_free(&sc);
            continue;
        }
        planned++;
        const sol_plan *pl = &r.plan;
        for (size_t nidx = 0; nidx < pl->nnodes; nidx++) {
            const sol_node *nd = &pl->nodes[nidx];
            const sol_node_type *ty = &r.pb.types[nd->type];
            uint64_t gpu_used[64] = {0}, host_used = 0;
            /* part of a replica that spans nodes: the node holds that replica alone, on distinct
             * GPUs, and its share of the replica's host memory (the GPUs it holds of the job's) */
            sol_span sp;
            int spans = sol_node_span(&r.pb, pl, nidx, &sp);
            if (spans) {
                uint64_t need = 0, host = 0, gpus = 0, seen = 0, count = 0;
                CHECK(t, recompute(&sc, &cat, sp.dep, sp.variant, &need, &host, &gpus) == 0);
                for (size_t q = 0; q < nd->nshards; q++) {
                    const sol_shard *o = &nd->shards[q];
                    CHECK(t, o->dep == sp.dep && o->replica == sp.replica);
                    CHECK(t, o->gpu >= 0 && o->gpu < 64 && !(seen & (1ULL << o->gpu)));
                    seen |= 1ULL << (o->gpu & 63);
                    count++;
                }
                CHECK(t, count < gpus && count <= ty->gpus);
                host_used += gpus ? (host * count + gpus - 1) / gpus : 0;
                placed_span++;
            }
            /* replicas on this node: shards per (dep, replica) */
            for (size_t k = 0; k < nd->nshards; k++) {
                const sol_shard *sh = &nd->shards[k];
                uint64_t need = 0, host = 0, gpus = 0;
                if (sc.deps[sh->dep].on_host) {
                    host_used += r.pb.deps[sh->dep].variants[sh->variant].shard_bytes;
                    continue;
                }
                if (recompute(&sc, &cat, sh->dep, sh->variant, &need, &host, &gpus) != 0) {
                    CHECK(t, 0);
                    continue;
                }
                CHECK(t, sh->gpu >= 0 && (uint32_t)sh->gpu < ty->gpus);
                {
                    /* the node's GPU can run the job (its dtype and runtime), as the runtime would
                     * run it there (a default bf16 falls back to fp16 on GPUs without bf16) */
                    const scn_node_choice *nc = &sc.nodes[nd->type];
                    est_workload cw = sc.deps[sh->dep].opts.w;
                    est_options_fp16_fallback(&sc.deps[sh->dep].opts, &cw);
                    char why[256];
                    int runs = inv_caps_can_run(&nc->node.gpu_caps, nc->node.gpu, &cw, why, sizeof why);
                    CHECK(t, runs);
                    if (!runs)
                        fprintf(stderr, "  placed where it cannot run: %s\n", why);
                    capable_checks++;
                }
                if (sh->gpu >= 0 && sh->gpu < 64)
                    gpu_used[sh->gpu] += need;
                if (!spans && sh->shard == 0) {
                    /* count this replica's shards on this node: exactly the job's GPU count, distinct GPUs */
                    uint64_t seen = 0, count = 0;
                    for (size_t q = 0; q < nd->nshards; q++) {
                        const sol_shard *o = &nd->shards[q];
                        if (o->dep == sh->dep && o->replica == sh->replica) {
                            count++;
                            CHECK(t, !(seen & (1ULL << o->gpu)));
                            seen |= 1ULL << o->gpu;
                        }
                    }
                    CHECK_U64(t, count, gpus);
                    placed_multi += gpus > 1;
                    host_used += host;
                }
            }
            for (uint32_t g = 0; g < ty->gpus && g < 64; g++)
                CHECK(t, gpu_used[g] <= ty->gpu_bytes);
            CHECK(t, host_used <= ty->host_bytes);
        }
        int all_free = 1; /* then the bound counts nodes, whatever the goal */
        for (size_t k = 0; k < r.pb.ntypes; k++)
            all_free &= r.pb.types[k].cost == 0;
        double obj = r.pb.goal == SOL_GOAL_NODES || all_free ? (double)pl->nnodes : pl->cost;
        if (pl->bound_scope != SOL_BOUND_NONE)
            CHECK(t, pl->bound <= obj + 1e-6);
        if (getenv("FEDPLAN_TEST_VERBOSE") && pl->bound_scope != SOL_BOUND_NONE && pl->bound > obj + 1e-6)
            fprintf(stderr, "bound %g > %g (scope %d, status %d)\n%s\n", pl->bound, obj, pl->bound_scope, pl->status, text);
        CHECK(t, (pl->bound_scope == SOL_BOUND_ALL) == (pl->nunplaced == 0));
        scn_result_free(&r);
        scn_free(&sc);
    }
    if (getenv("FEDPLAN_TEST_VERBOSE"))
        fprintf(stderr, "  %d scenarios planned, %d multi-GPU replicas placed, %d nodes of replicas that span nodes\n", planned, placed_multi, placed_span);
    CHECK(t, planned >= 100);  /* the generator makes mostly valid scenarios */
    CHECK(t, placed_multi > 0); /* and multi-GPU jobs are exercised */
    CHECK(t, capable_checks > 0);
    inv_catalog_free(&cat);
}

/* A signal before the greedy placed anything (the stop flag already set): the plan comes back
 * interrupted with every replica unplaced, and each says so, not "the nodes available are full"
 * nor "no room left within the solver's time limit" (issue 14). */
static void interrupted_plan_says_why(test_ctx *t)
{
    inv_catalog cat;
    fp_error err;
    if (inv_catalog_load(&cat, &err) != 0) {
        CHECK(t, 0);
        return;
    }
    static const char text[] = "nodes:\n  - {type: aws/g5.xlarge, count: 4}\ndeployments:\n"
                               "  - {name: a, memory: 10 GB, replicas: 3}\n  - {name: b, memory: 5 GB}\n";
    scenario sc;
    CHECK(t, scn_parse(&sc, "stop.yaml", text, strlen(text), &cat, &err) == 0);
    static volatile sig_atomic_t stop = 1;
    scn_plan_opts po = {.stop = &stop};
    scn_result r;
    CHECK(t, scn_plan(&sc, &cat, &po, &r, &err) == 0);
    CHECK(t, r.plan.interrupted && r.plan.nnodes == 0 && r.plan.nunplaced == 2);
    for (size_t u = 0; u < r.plan.nunplaced; u++)
        CHECK(t, strcmp(r.reasons[u], "not placed yet when the solve was interrupted") == 0);
    scn_result_free(&r);
    scn_free(&sc);
    inv_catalog_free(&cat);
}

/* The solver shape of each deployment (docs/formats.md, "Replicas that span nodes"): a replica
 * that fits a node stays one block of GPUs (max_nodes 0), as before; one that lists pp, or
 * whose job is larger than any node it may use, may span 8 nodes by default, in groups of tp;
 * max_nodes says otherwise; a host deployment never spans. */
static void span_shapes_and_defaults(test_ctx *t)
{
    inv_catalog cat;
    fp_error err;
    if (inv_catalog_load(&cat, &err) != 0) {
        CHECK(t, 0);
        return;
    }
    static const char text[] =
        "nodes:\n"
        "  - {name: box, memory: 512 GB, gpus: 8, gpu_memory: 80 GB, cost: 1}\n"
        "deployments:\n"
        "  - {name: fits, memory: 100 GB, tp: 8}\n"
        "  - {name: listed, memory: 100 GB, tp: 8, pp: [1, 2]}\n"
        "  - {name: train16, model: llama-3.2-3b, workload: {method: full, zero: 3, gpus: 16}}\n"
        "  - {name: train16-one, model: llama-3.2-3b, max_nodes: 1, tp: 4,\n"
        "     workload: {method: full, zero: 3, gpus: 8}}\n"
        "  - {name: three, memory: 100 GB, tp: 2, pp: [4], max_nodes: 3}\n";
    scenario sc;
    if (scn_parse(&sc, "shapes.yaml", text, strlen(text), &cat, &err) != 0) {
        fprintf(stderr, "  %s\n", err.msg);
        CHECK(t, 0);
        inv_catalog_free(&cat);
        return;
    }
    sol_problem pb;
    if (scn_build(&sc, &cat, &pb, &err) != 0) {
        fprintf(stderr, "  %s\n", err.msg);
        CHECK(t, 0);
    } else {
        const sol_deployment *d = pb.deps;
        /* fits: one block of 8, no spanning */
        CHECK(t, d[0].nvariants == 1 && d[0].variants[0].tp == 8 && d[0].variants[0].groups == 0 &&
                     d[0].variants[0].max_nodes == 0);
        /* listed: pp 1 is one block of 8; pp 2 is 2 groups of 8 that may span 8 nodes */
        CHECK(t, d[1].nvariants == 2 && d[1].variants[0].tp == 8 && d[1].variants[0].groups == 0);
        CHECK(t, d[1].variants[1].tp == 8 && d[1].variants[1].groups == 2 && d[1].variants[1].max_nodes == 8);
        CHECK(t, sol_variant_gpus(&d[1].variants[1]) == 16 && sc.deps[1].vpp[1] == 2);
        CHECK_U64(t, d[1].variants[1].shard_bytes, 100000000000ULL / 16); /* the fixed size over 16 GPUs */
        /* a ZeRO-3 job of 16 GPUs on 8-GPU nodes: 16 ranks of one GPU, up to 8 nodes */
        CHECK(t, d[2].variants[0].tp == 1 && d[2].variants[0].groups == 16 && d[2].variants[0].max_nodes == 8);
        /* max_nodes: 1 keeps the job whole: one block of its 8 GPUs */
        CHECK(t, d[3].variants[0].tp == 8 && d[3].variants[0].groups == 0 && d[3].variants[0].max_nodes == 0);
        /* max_nodes: 3 as written; 4 stages of tp 2 */
        CHECK(t, d[4].variants[0].tp == 2 && d[4].variants[0].groups == 4 && d[4].variants[0].max_nodes == 3);
        /* on one 8-GPU node the 4 stages of tp 2 fit: no spanning there */
        CHECK(t, sol_span_nodes(&d[4].variants[0], &pb.types[0]) == 1);
        CHECK(t, sol_span_nodes(&d[1].variants[1], &pb.types[0]) == 2);
        CHECK(t, sol_span_nodes(&d[2].variants[0], &pb.types[0]) == 2);
        scn_problem_free(&pb);
    }
    scn_free(&sc);
    inv_catalog_free(&cat);
}

const test_case plan_props_tests[] = {
    {"plan/random_plans_are_deployable", random_plans_are_deployable},
    {"plan/interrupted_plan_says_why", interrupted_plan_says_why},
    {"plan/span_shapes_and_defaults", span_shapes_and_defaults},
    {NULL, NULL},
};
