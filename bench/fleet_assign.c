/* fleet_assign.c: the plain reference model of bench/bench_fleet.sh.  A scenario's placement
 * written as an assignment integer program (CPLEX LP format) for CBC: a binary per node
 * slot, per (replica, variant, slot) and per (shard, GPU), capacities in exact bytes,
 * anti-affinity, pinning and availability, costs in milli-dollars per hour (rounded: fedplan
 * counts them exactly, docs/solver.md "Costs in whole units", so with prices past the
 * tenth of a cent the two optima may differ by that rounding).
 * Slots per node type: as many as the greedy plan's cost allows (an optimal plan costs no
 * more), and no more than the replicas or the availability.
 * Usage: fleet_assign SCENARIO.yaml OUT.lp   (exit 3: the model would pass 3 M columns) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../inventory/inventory.h"
#include "../scenarios/scenario.h"
#include "../solver/solver.h"

#define MAX_COLUMNS 3000000.0

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: fleet_assign SCENARIO.yaml OUT.lp\n");
        return 2;
    }
    fp_error err;
    inv_catalog cat;
    scenario s;
    sol_problem pb;
    sol_plan g;
    memset(&s, 0, sizeof s);
    if (inv_catalog_load(&cat, &err) != 0 || scn_load(&s, argv[1], &cat, &err) != 0 ||
        scn_build(&s, &cat, &pb, &err) != 0 || sol_greedy(&pb, &g, &err) != 0) {
        fprintf(stderr, "fleet_assign: %s\n", err.msg);
        return 2;
    }
    /* slots per type, and the size of the model */
    size_t nreps = 0;
    for (size_t d = 0; d < pb.ndeps; d++)
        nreps += pb.deps[d].replicas;
    size_t *slots = calloc(pb.ntypes + 1, sizeof *slots);
    if (!slots) {
        fprintf(stderr, "fleet_assign: out of memory\n");
        return 2;
    }
    double cols = 0;
    for (size_t t = 0; t < pb.ntypes; t++) {
        double m = round(pb.types[t].cost * 1000.0), gm = round(g.cost * 1000.0);
        size_t n = m > 0 ? (size_t)floor(gm / m) : g.nnodes;
        if (n > nreps)
            n = nreps;
        if (pb.types[t].available >= 0 && n > (size_t)pb.types[t].available)
            n = (size_t)pb.types[t].available;
        slots[t] = n;
        for (size_t d = 0; d < pb.ndeps; d++)
            for (size_t v = 0; v < pb.deps[d].nvariants; v++)
                cols += (double)pb.deps[d].replicas * (double)n * (1.0 + (pb.deps[d].variants[v].on_host ? 0 : pb.types[t].gpus));
    }
    if (cols > MAX_COLUMNS) {
        printf("%.0f\n", cols);
        return 3;
    }
    FILE *f = fopen(argv[2], "w");
    if (!f) {
        perror(argv[2]);
        return 2;
    }
    double penalty = 1;
    for (size_t t = 0; t < pb.ntypes; t++)
        penalty += round(pb.types[t].cost * 1000.0) * (double)slots[t];
    fprintf(f, "\\ assignment model of %s: %zu replicas, %.0f columns\nMinimize\n obj:", argv[1], nreps, cols);
    for (size_t t = 0; t < pb.ntypes; t++)
        for (size_t i = 0; i < slots[t]; i++)
            fprintf(f, " + %.0f y_%zu_%zu", round(pb.types[t].cost * 1000.0), t, i);
    for (size_t d = 0; d < pb.ndeps; d++)
        for (uint32_t r = 0; r < pb.deps[d].replicas; r++)
            fprintf(f, " + %.0f u_%zu_%u", penalty, d, r);
    fprintf(f, "\nSubject To\n");
    for (size_t d = 0; d < pb.ndeps; d++) {
        const sol_deployment *dp = &pb.deps[d];
        for (uint32_t r = 0; r < dp->replicas; r++) {
            fprintf(f, " cover_%zu_%u: u_%zu_%u", d, r, d, r);
            for (size_t t = 0; t < pb.ntypes; t++)
                if (!dp->allowed || dp->allowed[t])
                    for (size_t i = 0; i < slots[t]; i++)
                        for (size_t v = 0; v < dp->nvariants; v++)
                            if (sol_variant_allowed(dp, &dp->variants[v], t))
                                fprintf(f, " + z_%zu_%u_%zu_%zu_%zu", d, r, v, t, i);
            fprintf(f, " = 1\n");
            /* shards on distinct GPUs: tp of them when the replica is there */
            for (size_t t = 0; t < pb.ntypes; t++)
                if (!dp->allowed || dp->allowed[t])
                    for (size_t i = 0; i < slots[t]; i++)
                        for (size_t v = 0; v < dp->nvariants; v++) {
                            if (dp->variants[v].on_host || !sol_variant_allowed(dp, &dp->variants[v], t))
                                continue;
                            fprintf(f, " shards_%zu_%u_%zu_%zu_%zu: %u z_%zu_%u_%zu_%zu_%zu", d, r, v, t, i,
                                    dp->variants[v].tp, d, r, v, t, i);
                            for (uint32_t gi = 0; gi < pb.types[t].gpus; gi++)
                                fprintf(f, " - s_%zu_%u_%zu_%zu_%zu_%u", d, r, v, t, i, gi);
                            fprintf(f, " = 0\n");
                        }
        }
    }
    for (size_t t = 0; t < pb.ntypes; t++)
        for (size_t i = 0; i < slots[t]; i++) {
            const sol_node_type *nt = &pb.types[t];
            for (uint32_t gi = 0; gi < nt->gpus; gi++) {
                fprintf(f, " gpu_%zu_%zu_%u: - %llu y_%zu_%zu", t, i, gi, (unsigned long long)nt->gpu_bytes, t, i);
                for (size_t d = 0; d < pb.ndeps; d++)
                    if (!pb.deps[d].allowed || pb.deps[d].allowed[t])
                        for (uint32_t r = 0; r < pb.deps[d].replicas; r++)
                            for (size_t v = 0; v < pb.deps[d].nvariants; v++)
                                if (!pb.deps[d].variants[v].on_host && sol_variant_allowed(&pb.deps[d], &pb.deps[d].variants[v], t))
                                    fprintf(f, " + %llu s_%zu_%u_%zu_%zu_%zu_%u",
                                            (unsigned long long)pb.deps[d].variants[v].shard_bytes, d, r, v, t, i, gi);
                fprintf(f, " <= 0\n");
            }
            fprintf(f, " host_%zu_%zu: - %llu y_%zu_%zu", t, i, (unsigned long long)nt->host_bytes, t, i);
            for (size_t d = 0; d < pb.ndeps; d++)
                if (!pb.deps[d].allowed || pb.deps[d].allowed[t])
                    for (uint32_t r = 0; r < pb.deps[d].replicas; r++)
                        for (size_t v = 0; v < pb.deps[d].nvariants; v++) {
                            const sol_variant *va = &pb.deps[d].variants[v];
                            /* host deployments, and GPU replicas' own processes */
                            uint64_t hb = va->on_host ? va->shard_bytes : va->host_bytes;
                            if (hb && sol_variant_allowed(&pb.deps[d], va, t))
                                fprintf(f, " + %llu z_%zu_%u_%zu_%zu_%zu", (unsigned long long)hb, d, r, v, t, i);
                        }
            fprintf(f, " <= 0\n");
            for (size_t d = 0; d < pb.ndeps; d++) /* anti-affinity, and no replica on an unused slot */
                if (!pb.deps[d].allowed || pb.deps[d].allowed[t]) {
                    fprintf(f, " one_%zu_%zu_%zu: - %u y_%zu_%zu", d, t, i, pb.deps[d].anti_affinity ? 1 : pb.deps[d].replicas, t, i);
                    for (uint32_t r = 0; r < pb.deps[d].replicas; r++)
                        for (size_t v = 0; v < pb.deps[d].nvariants; v++)
                            if (sol_variant_allowed(&pb.deps[d], &pb.deps[d].variants[v], t))
                                fprintf(f, " + z_%zu_%u_%zu_%zu_%zu", d, r, v, t, i);
                    fprintf(f, " <= 0\n");
                }
            if (i + 1 < slots[t]) /* slots used in order */
                fprintf(f, " order_%zu_%zu: y_%zu_%zu - y_%zu_%zu >= 0\n", t, i, t, i, t, i + 1);
        }
    fprintf(f, "Binaries\n");
    for (size_t t = 0; t < pb.ntypes; t++)
        for (size_t i = 0; i < slots[t]; i++)
            fprintf(f, " y_%zu_%zu\n", t, i);
    for (size_t d = 0; d < pb.ndeps; d++)
        for (uint32_t r = 0; r < pb.deps[d].replicas; r++) {
            fprintf(f, " u_%zu_%u\n", d, r);
            for (size_t t = 0; t < pb.ntypes; t++)
                if (!pb.deps[d].allowed || pb.deps[d].allowed[t])
                    for (size_t i = 0; i < slots[t]; i++)
                        for (size_t v = 0; v < pb.deps[d].nvariants; v++) {
                            if (!sol_variant_allowed(&pb.deps[d], &pb.deps[d].variants[v], t))
                                continue;
                            fprintf(f, " z_%zu_%u_%zu_%zu_%zu\n", d, r, v, t, i);
                            if (!pb.deps[d].variants[v].on_host)
                                for (uint32_t gi = 0; gi < pb.types[t].gpus; gi++)
                                    fprintf(f, " s_%zu_%u_%zu_%zu_%zu_%u\n", d, r, v, t, i, gi);
                        }
        }
    fprintf(f, "End\n");
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        perror(argv[2]);
        return 2;
    }
    printf("%.0f\n", cols);
    sol_plan_free(&g);
    scn_problem_free(&pb);
    scn_free(&s);
    inv_catalog_free(&cat);
    free(slots);
    return 0;
}
