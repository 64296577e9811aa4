/* test_pricing.c: the pricing problem of one multi-GPU node type against exhaustive search.
 *
 * A white-box test of a private stage (it includes solver/solver_int.h): the whole-solve
 * brute-force tests (test_solver.c) see pricing only through the bound of small fleets,
 * where a pricing that misses the best pattern by a little can still end at the right plan.
 * Here every pattern of one node is listed: each deployment's copies over its variants
 * (per-node limit: its replicas, or anti-affinity), each copy's shards on distinct GPUs, each
 * GPU's and the host's memory, GPU processes' host memory; the best value under random
 * duals must be what mgpu_price (multigpu.c) and price (pricing.c) return when they say
 * they are exact, and never more than what they return. */
#include <math.h>
#include <stdlib.h>

#include "../../solver/solver_int.h"
#include "test.h"

#define GB 1000000000ULL

static uint32_t prnd(uint64_t *s, uint32_t m)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(*s >> 33) % m;
}

/* ---------------------------------------------------------------- exhaustive search */
typedef struct pbf {
    const sol_problem *pb;
    const double *pi;
    uint32_t G;
    uint64_t gfree[8], hfree;
    uint32_t depcount[8];
    double best;
} pbf;

/* copies of deployment d from variant v on (each variant's copies in turn), then d + 1 */
static void pbf_dep(pbf *b, size_t d, size_t v, double val);

/* the shards s.. of one copy of (d, v), on GPUs from g on (a set: distinct, any order once) */
static void pbf_shards(pbf *b, size_t d, size_t v, uint32_t s, uint32_t g, double val)
{
    const sol_variant *va = &b->pb->deps[d].variants[v];
    if (s == va->tp) { /* the copy is placed: another of v, or the next variant */
        b->depcount[d]++;
        pbf_dep(b, d, v, val + b->pi[d]);
        b->depcount[d]--;
        return;
    }
    for (; g < b->G; g++)
        if (b->gfree[g] >= va->shard_bytes) {
            b->gfree[g] -= va->shard_bytes;
            pbf_shards(b, d, v, s + 1, g + 1, val);
            b->gfree[g] += va->shard_bytes;
        }
}

static void pbf_dep(pbf *b, size_t d, size_t v, double val)
{
    if (val > b->best)
        b->best = val;
    if (d == b->pb->ndeps)
        return;
    const sol_deployment *dp = &b->pb->deps[d];
    if (v == dp->nvariants) {
        pbf_dep(b, d + 1, 0, val);
        return;
    }
    /* one more copy of variant v (its copies are placed in order: v, then later variants
     * only, so each multiset of copies is tried; GPU sets repeat, which only costs time) */
    const sol_variant *va = &dp->variants[v];
    uint32_t lim = dp->anti_affinity > 0 && (uint32_t)dp->anti_affinity < dp->replicas ? (uint32_t)dp->anti_affinity
                                                                                         : dp->replicas;
    uint64_t h = va->on_host ? va->shard_bytes : va->host_bytes;
    if (b->depcount[d] < lim && b->pi[d] > 0 && h <= b->hfree) {
        b->hfree -= h;
        if (va->on_host) {
            b->depcount[d]++;
            pbf_dep(b, d, v, val + b->pi[d]);
            b->depcount[d]--;
        } else if (va->tp <= b->G) {
            pbf_shards(b, d, v, 0, 0, val);
        }
        b->hfree += h;
    }
    pbf_dep(b, d, v + 1, val); /* no more of v */
}

/* ---------------------------------------------------------------- instances */
typedef struct pinst {
    sol_deployment deps[6];
    sol_node_type type;
    sol_problem pb;
    double pi[6];
} pinst;

/* A node of 2 to 4 GPUs of 6 to 12 GB; 3 to 6 deployments of 1 to 3 replicas, some with
 * anti-affinity, of one or two GPU variants (1, 2 or 3 shards of 1 to 7 GB), with process host
 * memory when hostmem (the host then holds a few of them); host-only variants when hostitems. */
static void pinst_gen(uint64_t *seed, int hostmem, int hostitems, pinst *in)
{
    memset(in, 0, sizeof *in);
    in->type = (sol_node_type){.gpus = 2 + prnd(seed, 3), .gpu_bytes = (6 + prnd(seed, 7)) * GB,
                               .host_bytes = (8 + prnd(seed, 10)) * GB, .cost = 1.0, .available = -1};
    snprintf(in->type.name, sizeof in->type.name, "node");
    size_t nd = 3 + prnd(seed, 4);
    for (size_t d = 0; d < nd; d++) {
        sol_deployment *dp = &in->deps[d];
        snprintf(dp->name, sizeof dp->name, "d%zu", d);
        dp->replicas = 1 + prnd(seed, 3);
        dp->anti_affinity = prnd(seed, 4) == 0 ? 1 : prnd(seed, 5) == 0 ? 2 : 0;
        dp->nvariants = 1 + prnd(seed, 2);
        for (size_t v = 0; v < dp->nvariants; v++) {
            sol_variant *va = &dp->variants[v];
            va->tp = 1 + (prnd(seed, 3) == 0 ? 1 + prnd(seed, 2) : 0);
            va->shard_bytes = (1 + prnd(seed, 7)) * GB;
            if (hostmem && prnd(seed, 3) != 0)
                va->host_bytes = (2 + prnd(seed, 6)) * GB;
            if (hostitems && v == 1 && prnd(seed, 2) == 0) {
                va->on_host = 1;
                va->tp = 1;
                va->host_bytes = 0;
                va->shard_bytes = (2 + prnd(seed, 6)) * GB;
            }
        }
        /* duals: a few distinct magnitudes, some zero */
        in->pi[d] = prnd(seed, 6) == 0 ? 0 : 1.0 + prnd(seed, 1000) / 97.0;
    }
    in->pb = (sol_problem){.deps = in->deps, .ndeps = nd, .types = &in->type, .ntypes = 1,
                           .goal = SOL_GOAL_COST, .time_limit_s = 10};
}

static double pinst_brute(const pinst *in)
{
    pbf b = {.pb = &in->pb, .pi = in->pi, .G = in->type.gpus, .hfree = in->type.host_bytes};
    for (uint32_t g = 0; g < b.G; g++)
        b.gfree[g] = in->type.gpu_bytes;
    pbf_dep(&b, 0, 0, 0);
    return b.best;
}

/* A pattern of c's node type 0 fits (each GPU, the host, distinct GPUs per copy, the
 * per-node limits), in exact bytes; its value in *val. */
static int pattern_fits(const sol_ctx *c, const pinst *in, const pcopy *cp, uint32_t n, double *val)
{
    uint64_t g[8] = {0}, h = 0;
    uint32_t cnt[6] = {0};
    *val = 0;
    for (uint32_t q = 0; q < n; q++) {
        const vitem *v = &c->vi[cp[q].vi];
        const sol_variant *va = &in->deps[v->dep].variants[v->variant];
        cnt[v->dep]++;
        *val += in->pi[v->dep];
        h += va->on_host ? va->shard_bytes : va->host_bytes;
        for (uint32_t s = 0; s < (va->on_host ? 0 : va->tp); s++) {
            int gi = cp[q].gpu[s];
            if (gi < 0 || (uint32_t)gi >= in->type.gpus)
                return 0;
            for (uint32_t s2 = 0; s2 < s; s2++)
                if (cp[q].gpu[s2] == gi)
                    return 0;
            g[gi] += va->shard_bytes;
        }
    }
    for (uint32_t x = 0; x < in->type.gpus; x++)
        if (g[x] > in->type.gpu_bytes)
            return 0;
    for (size_t d = 0; d < in->pb.ndeps; d++)
        if (cnt[d] > dep_limit(&in->pb, (uint32_t)d))
            return 0;
    return h <= in->type.host_bytes;
}

static void pricing_run(test_ctx *t, uint64_t seed, int hostmem, int hostitems)
{
    int searched = 0, exact_seen = 0;
    for (int inst = 0; inst < 250; inst++) {
        pinst in;
        pinst_gen(&seed, hostmem, hostitems, &in);
        double truth = pinst_brute(&in);
        sol_ctx c;
        fp_error err = {0};
        memset(&c, 0, sizeof c);
        if (ctx_build(&c, &in.pb, &err) != 0) {
            CHECK(t, 0);
            ctx_free(&c);
            continue;
        }
        CHECK(t, c.exact_units);
        /* the search alone, over the GPU candidates (host-only variants are the host knapsack's) */
        uint32_t cand[16], bound[16];
        size_t n = 0, maxc = 0;
        int has_host_item = 0;
        for (size_t k = 0; k < c.nvi; k++) {
            uint32_t b = in.pi[c.vi[k].dep] > 0 ? node_bound(&c, 0, k) : 0;
            has_host_item |= c.vi[k].on_host && b > 0;
            if (b == 0 || c.vi[k].on_host)
                continue;
            cand[n] = (uint32_t)k;
            bound[n++] = b;
            maxc += b;
        }
        if (!has_host_item) {
            pcopy *out = malloc((maxc + 1) * sizeof *out);
            uint32_t nout = 0;
            double v = -1;
            int r = mgpu_price(&c, 0, in.pi, cand, bound, n, 0, 10000000, out, &nout, &v);
            CHECK(t, r == 1);
            if (fabs(v - truth) > 1e-9 * fmax(1, truth)) {
                fprintf(stderr, "  instance %d: search %.6f, exhaustive %.6f\n", inst, v, truth);
                CHECK(t, 0);
            }
            double pv;
            CHECK(t, pattern_fits(&c, &in, out, nout, &pv));
            CHECK(t, nout == 0 || fabs(pv - v) <= 1e-9 * fmax(1, v));
            /* a floor it cannot beat: nothing found, and complete (the proof that none prices out) */
            nout = 7;
            r = mgpu_price(&c, 0, in.pi, cand, bound, n, truth * (1 + 1e-9) + 1e-9, 10000000, out, &nout, &v);
            CHECK(t, r == 1 && nout == 0);
            /* a floor just under the optimum: the optimum is found */
            if (truth > 0) {
                r = mgpu_price(&c, 0, in.pi, cand, bound, n, truth * (1 - 1e-6), 10000000, out, &nout, &v);
                CHECK(t, r == 1 && nout > 0 && fabs(v - truth) <= 1e-9 * truth);
            }
            free(out);
            searched++;
        }
        /* pricing as column generation calls it: never below the best pattern, equal when exact,
         * and its pattern fits */
        pattern p;
        int exact;
        double v = price(&c, 0, in.pi, &p, &exact, 10000000, NULL, -1);
        CHECK(t, exact >= 0);
        CHECK(t, v >= truth - 1e-9 * fmax(1, truth));
        if (exact == 1) {
            exact_seen++;
            if (fabs(v - truth) > 1e-9 * fmax(1, truth)) {
                fprintf(stderr, "  instance %d: price %.6f (exact), exhaustive %.6f\n", inst, v, truth);
                CHECK(t, 0);
            }
        }
        double pv;
        CHECK(t, pattern_fits(&c, &in, p.copies, p.ncopies, &pv));
        CHECK(t, exact != 1 || p.ncopies == 0 || fabs(pv - v) <= 1e-9 * fmax(1, v));
        free(p.copies);
        /* with a need below the best pattern (as column generation asks) and colgen's budget,
         * pricing never answers with nothing unless it proved nothing prices out: an empty,
         * inexact answer loses the column that round (a GPU-by-GPU pattern over the host's
         * memory was once dropped with no joint search after it) */
        for (int k = 0; k < 2; k++) {
            double need = truth * (k ? 0.95 : 0.6);
            v = price(&c, 0, in.pi, &p, &exact, 20000, NULL, need);
            CHECK(t, exact >= 0);
            if (truth > need + 1e-9 && need > 0 && p.ncopies == 0 && exact != 1) {
                fprintf(stderr, "  instance %d: need %.4f, nothing priced (exhaustive %.4f)\n", inst, need, truth);
                CHECK(t, 0);
            }
            if (p.ncopies)
                CHECK(t, pattern_fits(&c, &in, p.copies, p.ncopies, &pv));
            free(p.copies);
        }
        ctx_free(&c);
    }
    /* the instances exercise the search, and pricing is exact on (almost) all of them */
    CHECK(t, hostitems || searched == 250);
    CHECK(t, exact_seen >= (hostitems && hostmem ? 150 : 250));
}

static void test_pricing_multi_gpu(test_ctx *t)
{
    pricing_run(t, 2024, 0, 0);
}

static void test_pricing_multi_gpu_host_memory(test_ctx *t)
{
    pricing_run(t, 77, 1, 0);
}

static void test_pricing_multi_gpu_host_items(test_ctx *t)
{
    pricing_run(t, 4711, 0, 1);
}

static void test_pricing_multi_gpu_host_both(test_ctx *t)
{
    pricing_run(t, 99, 1, 1);
}

/* ---------------------------------------------------------------- compaction (compact.c) */

/* A plan of n nodes of type 0 (cost 1 each) holding the shards given, valid; compacting it
 * (with c, built here and left for the caller to free) empties exactly one node and leaves a
 * valid plan of n - 1. */
static void check_compacts_one(test_ctx *t, const sol_problem *pb, sol_plan *plan, sol_ctx *c, size_t n,
                               sol_shard *const *src, const size_t *cnt)
{
    *plan = (sol_plan){.status = SOL_FEASIBLE, .nnodes = n, .cost = (double)n};
    plan->nodes = calloc(n, sizeof *plan->nodes);
    for (size_t i = 0; i < n; i++) {
        plan->nodes[i].nshards = cnt[i];
        plan->nodes[i].shards = malloc(cnt[i] * sizeof(sol_shard));
        memcpy(plan->nodes[i].shards, src[i], cnt[i] * sizeof(sol_shard));
    }
    fp_error e;
    CHECK(t, plan_verify(pb, plan, &e) == 0);
    memset(c, 0, sizeof *c);
    CHECK(t, ctx_build(c, pb, &e) == 0);
    CHECK(t, plan_compact(c, plan) == 1);
    CHECK(t, plan->nnodes == n - 1 && plan->cost == (double)(n - 1));
    CHECK(t, plan_verify(pb, plan, &e) == 0);
}

/* Worked by hand: nodes of 2 GPUs of 10 GB; "a" (2 replicas of 4 GB, anti-affinity), "b"
 * (3 of 3 GB), "t" (one of 2 shards of 2 GB).  Node 0 holds a#0 and b#0, node 1 a#1, node 2
 * b#1, b#2 and t#0.  Node 1 (4 GB) cannot be emptied (a#1 may not join a#0); node 2 can:
 * b#1 and b#2 on node 0's GPUs (6 and 7 GB free), t#0's shards on two GPUs of node 1. */
static void test_compact_by_hand(test_ctx *t)
{
    sol_node_type type = {.name = "n", .gpus = 2, .gpu_bytes = 10 * GB, .host_bytes = 64 * GB, .cost = 1,
                          .available = -1};
    sol_deployment deps[3];
    memset(deps, 0, sizeof deps);
    snprintf(deps[0].name, sizeof deps[0].name, "a");
    deps[0].replicas = 2;
    deps[0].anti_affinity = 1;
    deps[0].nvariants = 1;
    deps[0].variants[0] = (sol_variant){.tp = 1, .shard_bytes = 4 * GB, .host_bytes = 1 * GB};
    snprintf(deps[1].name, sizeof deps[1].name, "b");
    deps[1].replicas = 3;
    deps[1].nvariants = 1;
    deps[1].variants[0] = (sol_variant){.tp = 1, .shard_bytes = 3 * GB};
    snprintf(deps[2].name, sizeof deps[2].name, "t");
    deps[2].replicas = 1;
    deps[2].nvariants = 1;
    deps[2].variants[0] = (sol_variant){.tp = 2, .shard_bytes = 2 * GB};
    sol_problem pb = {.deps = deps, .ndeps = 3, .types = &type, .ntypes = 1, .goal = SOL_GOAL_COST,
                      .time_limit_s = 10};
    sol_shard n0[2] = {{0, 0, 0, 0, 0}, {1, 0, 0, 0, 1}}, n1[1] = {{0, 1, 0, 0, 0}},
              n2[4] = {{1, 1, 0, 0, 0}, {1, 2, 0, 0, 1}, {2, 0, 0, 0, 0}, {2, 0, 0, 1, 1}};
    sol_shard *src[3] = {n0, n1, n2};
    size_t cnt[3] = {2, 1, 4};
    sol_plan plan;
    sol_ctx c;
    check_compacts_one(t, &pb, &plan, &c, 3, src, cnt);
    /* and nothing more to empty */
    CHECK(t, plan_compact(&c, &plan) == 0);
    CHECK(t, plan.nnodes == 2);
    ctx_free(&c);
    sol_plan_free(&plan);
}

/* A node emptied only by moving one replica of another node first.  Nodes of 2 GPUs of 10 GB;
 * "r" (3 replicas of 5 GB) and "x" (2 of 2 GB), both anti-affinity; "a" and "b" (9 GB).
 * Node 0 holds a#0 and b#0, node 1 r#0 and x#0, node 2 r#1 and x#1, node 3 r#2.  No node
 * empties by moves of its own replicas (an r replica is on every other node, node 0's GPUs
 * have 1 GB free, and a and b need a GPU of 9 GB); but with a#0 moved to node 3's free GPU,
 * r#0 takes its place and x#0 follows: 3 nodes. */
static void test_compact_ejection(test_ctx *t)
{
    sol_node_type type = {.name = "n", .gpus = 2, .gpu_bytes = 10 * GB, .host_bytes = 64 * GB, .cost = 1,
                          .available = -1};
    sol_deployment deps[4];
    memset(deps, 0, sizeof deps);
    const char *names[4] = {"r", "x", "a", "b"};
    const uint32_t reps[4] = {3, 2, 1, 1};
    const uint64_t size[4] = {5, 2, 9, 9};
    for (int k = 0; k < 4; k++) {
        snprintf(deps[k].name, sizeof deps[k].name, "%s", names[k]);
        deps[k].replicas = reps[k];
        deps[k].anti_affinity = k < 2;
        deps[k].nvariants = 1;
        deps[k].variants[0] = (sol_variant){.tp = 1, .shard_bytes = size[k] * GB};
    }
    sol_problem pb = {.deps = deps, .ndeps = 4, .types = &type, .ntypes = 1, .goal = SOL_GOAL_COST,
                      .time_limit_s = 10};
    sol_shard n0[2] = {{2, 0, 0, 0, 0}, {3, 0, 0, 0, 1}}, n1[2] = {{0, 0, 0, 0, 0}, {1, 0, 0, 0, 1}},
              n2[2] = {{0, 1, 0, 0, 0}, {1, 1, 0, 0, 1}}, n3[1] = {{0, 2, 0, 0, 0}};
    sol_shard *src[4] = {n0, n1, n2, n3};
    size_t cnt[4] = {2, 2, 2, 1};
    sol_plan plan;
    sol_ctx c;
    check_compacts_one(t, &pb, &plan, &c, 4, src, cnt);
    size_t shards = 0;
    for (size_t i = 0; i < plan.nnodes; i++)
        shards += plan.nodes[i].nshards;
    CHECK(t, shards == 7); /* every replica once: none lost, none doubled */
    ctx_free(&c);
    sol_plan_free(&plan);
}

/* Random fleets of 2-4-GPU nodes (the instances above, as whole problems): the greedy's plan,
 * compacted, still passes the verifier, never costs more, and some get smaller. */
static void test_compact_random(test_ctx *t)
{
    uint64_t seed = 31;
    int smaller = 0;
    for (int inst = 0; inst < 200; inst++) {
        pinst in;
        pinst_gen(&seed, inst % 2, inst % 3 == 0, &in);
        for (size_t d = 0; d < in.pb.ndeps; d++)
            in.deps[d].replicas += prnd(&seed, 4);
        sol_plan plan;
        fp_error e;
        if (sol_greedy(&in.pb, &plan, &e) != 0) {
            CHECK(t, 0);
            continue;
        }
        sol_ctx c;
        memset(&c, 0, sizeof c);
        CHECK(t, ctx_build(&c, &in.pb, &e) == 0);
        double before = plan.cost;
        size_t nn = plan.nnodes;
        int r = plan_compact(&c, &plan);
        CHECK(t, r >= 0);
        CHECK(t, plan_verify(&in.pb, &plan, &e) == 0);
        CHECK(t, plan.cost <= before + 1e-9 && plan.nnodes + (size_t)(r > 0 ? r : 0) == nn);
        smaller += r > 0;
        ctx_free(&c);
        sol_plan_free(&plan);
    }
    CHECK(t, smaller > 0);
}

const test_case pricing_tests[] = {
    {"pricing/compact_by_hand", test_compact_by_hand},
    {"pricing/compact_ejection", test_compact_ejection},
    {"pricing/compact_random_greedy_plans", test_compact_random},
    {"pricing/multi_gpu_brute_force", test_pricing_multi_gpu},
    {"pricing/multi_gpu_brute_force_host_memory", test_pricing_multi_gpu_host_memory},
    {"pricing/multi_gpu_brute_force_host_items", test_pricing_multi_gpu_host_items},
    {"pricing/multi_gpu_brute_force_host_items_and_memory", test_pricing_multi_gpu_host_both},
    {NULL, NULL},
};
