#!/bin/sh
# gen_vbp.sh KIND REPLICAS TYPES SEED OUT: one realistic fleet, written twice: OUT.yaml (a
# fedplan scenario of fixed footprints on inline node types) and OUT.mvp (the same problem in
# VPSolver's multiple-choice vector packing format: bin types with capacity, cost and count,
# items with demand), so that both solvers see exactly the same instance.
#   KIND ram: llama.cpp deployments on RAM servers (AWS m6i/r6i on-demand, us-east-1)
#   KIND gpu: inference deployments on single-GPU instances (fedplan's catalog prices)
#   KIND mgpu: the same deployments (one GPU each) on instances of 1, 2, 4 and 8 GPUs; in the
#     MVP file a node of G GPUs is a vector of one dimension per GPU (the most GPUs drawn; a
#     type's other dimensions have no room), and a replica has a choice per GPU (its size in
#     that GPU's dimension): the same problem, as VPSolver's multiple-choice vector packing
# Footprints are fedplan 0.1 estimates of common models (llama.cpp: fp16/q8_0/q4_k at 4k and
# 16k context; vLLM: bf16/int4/fp8, 8 sequences of 4k or 16k), rounded up to 0.25 GiB: every
# size and capacity is a whole number of quarter GiB, so both models are exact.  Deployments
# of 1-8 replicas are drawn until REPLICAS replicas; TYPES node types are drawn from the pool,
# a third of them limited to 1-4 nodes (the largest drawn type always unlimited).  Costs are
# milli-dollars per hour in the MVP file (micro-dollars for mgpu), dollars in the scenario.  Deterministic in SEED.
set -u
kind=$1 reps=$2 types=$3 seed=$4 out=$5
awk -v kind="$kind" -v reps="$reps" -v types="$types" -v seed="$seed" -v seed0="$seed" -v yaml="$out.yaml" -v mvp="$out.mvp" '
function rnd(m) { seed = (seed * 1103515245 + 12345) % 2147483648; return int(seed / 65536) % m }
BEGIN {
    if (kind == "ram") {
        # name, GiB, $/h: m6i.xlarge/2xlarge 0.192/0.384, r6i.xlarge..8xlarge 0.252 x 1/2/4/8 (AWS
        # on-demand Linux, us-east-1; the figures third-party price tables repeat)
        np = split("m6i.xlarge 16 0.192|m6i.2xlarge 32 0.384|r6i.xlarge 32 0.252|r6i.2xlarge 64 0.504|r6i.4xlarge 128 1.008|r6i.8xlarge 256 2.016", pool, "|")
        nf = split("1.25 2.0 2.5 2.75 3.0 3.25 4.25 4.5 5.0 5.25 5.5 5.75 6.0 6.25 6.75 7.0 7.75 8.25 8.5 8.75 9.0 9.25 9.5 10.0 11.25 11.5 12.0 12.75 13.25 15.0 15.5 15.75 16.5 16.75 18.75 19.25 19.5 19.75 22.5 23.75 29.75 33.0 35.25 39.25 64.5 68.75", fp, " ")
    } else if (kind == "mgpu") {
        # name, GPUs, usable GiB per GPU (the catalog GPU memory rounded down to 0.25 GiB), $/h:
        # fedplan catalog instances (aws/g6.xlarge, g5.xlarge, g6e.xlarge, gcp/g2-standard-24,
        # aws/g6.12xlarge, g5.12xlarge, gcp/a2-highgpu-2g, aws/g6e.12xlarge,
        # azure/Standard_NC96ads_A100_v4, aws/g6.48xlarge, p4d.24xlarge, p4de.24xlarge)
        np = split("g6.xlarge 1 22.25 0.8048|g5.xlarge 1 22.25 1.006|g6e.xlarge 1 44.75 1.861|g2-standard-24 2 22.25 2.00083|g6.12xlarge 4 22.25 4.6016|g5.12xlarge 4 22.25 5.672|a2-highgpu-2g 2 39.25 7.34677|g6e.12xlarge 4 44.75 10.49264|NC96ads_A100_v4 4 80.0 14.692|g6.48xlarge 8 22.25 13.3504|p4d.24xlarge 8 39.25 21.957642|p4de.24xlarge 8 80.0 27.44705", pool, "|")
        nf = split("3.5 3.75 4.75 6.5 7.0 7.25 8.0 8.5 8.75 9.25 9.75 10.25 11.25 11.5 12.25 13.0 13.75 14.5 15.25 16.0 17.5 17.75 18.0 18.5 19.25 19.75 21.0 21.25 21.75 22.0 22.25 22.5 23.75 24.25 24.75 26.0 27.0 27.75 29.25 30.25 31.0 33.75 36.0 36.25 42.25 54.75 71.25 74.25 80.5", fp, " ")
    } else {
        # name, usable GiB (the catalog GPU memory rounded down to 0.25 GiB), $/h: fedplan catalog
        # instances (aws/g4dn.xlarge, g6.xlarge, g5.xlarge, g6e.xlarge, gcp/a2-highgpu-1g,
        # azure/Standard_NC24ads_A100_v4, azure/Standard_NC40ads_H100_v5)
        np = split("g4dn.xlarge 15.0 0.526|g6.xlarge 22.25 0.8048|g5.xlarge 22.25 1.006|g6e.xlarge 44.75 1.861|a2-highgpu-1g 39.25 3.67339|NC24ads_A100_v4 80.0 3.673|NC40ads_H100_v5 93.5 6.98", pool, "|")
        nf = split("3.5 3.75 4.75 6.5 7.0 7.25 8.0 8.5 8.75 9.25 9.75 10.25 11.25 11.5 12.25 13.0 13.75 14.5 15.25 16.0 17.5 17.75 18.0 18.5 19.25 19.75 21.0 21.25 21.75 22.0 22.25 22.5 23.75 24.25 24.75 26.0 27.0 27.75 29.25 30.25 31.0 33.75 36.0 36.25 42.25 54.75 71.25 74.25 80.5", fp, " ")
    }
    if (types > np) types = np
    dims = 1
    for (k = 1; k <= types; k++) {
        do { i = 1 + rnd(np) } while (i in used)
        used[i] = 1; split(pool[i], f, " ")
        if (kind == "mgpu") { tg[k] = f[2]; f[2] = f[3]; f[3] = f[4] } else tg[k] = 1
        if (tg[k] > dims) dims = tg[k]
        # milli-dollars (VPSolver costs are integers), or micro-dollars where the catalog has more digits
        tn[k] = f[1]; tcap[k] = f[2] * 4; tcost[k] = sprintf(kind == "mgpu" ? "%.6f" : "%.3f", f[3])
        tcount[k] = rnd(3) == 0 ? 1 + rnd(4) : -1
    }
    cscale = kind == "mgpu" ? 1000000 : 1000
    big = 1
    for (k = 2; k <= types; k++) if (tcap[k] > tcap[big]) big = k
    tcount[big] = -1
    n = 0; left = reps
    while (left > 0) {
        do { s = fp[1 + rnd(nf)] * 4 } while (s > tcap[big])
        r = 1 + rnd(8); if (r > left) r = left
        n++; size[n] = s; rep[n] = r; left -= r
    }
    printf "name: %s fleet, %d replicas, %d node types, seed %d\ngoal: cost\ngap: 0\nnodes:\n", kind, reps, types, seed0 > yaml
    for (k = 1; k <= types; k++) {
        if (kind == "ram")
            printf "  - {name: %s, memory: %.2f GiB, cost: %s", tn[k], tcap[k] / 4, tcost[k] > yaml
        else
            printf "  - {name: %s, gpus: %d, gpu_memory: %.2f GiB, memory: 4096 GiB, cost: %s", tn[k], tg[k], tcap[k] / 4, tcost[k] > yaml
        printf "%s}\n", (tcount[k] >= 0 ? ", count: " tcount[k] : "") > yaml
    }
    print "deployments:" > yaml
    for (i = 1; i <= n; i++)
        printf "  - {name: d%d, memory: %.2f GiB, replicas: %d%s}\n", i, size[i] / 4, rep[i], (kind == "ram" ? ", on: host" : "") > yaml
    # MVP: dimensions; bin types (capacity cost count); item types (choices demand, then a size each)
    printf "%d\n\n%d\n", dims, types > mvp
    for (k = 1; k <= types; k++) {
        for (g = 1; g <= dims; g++) printf "%d ", (g <= tg[k] ? tcap[k] : 0) > mvp
        printf "%d %d\n", int(tcost[k] * cscale + 0.5), tcount[k] > mvp
    }
    printf "\n%d\n", n > mvp
    for (i = 1; i <= n; i++) {
        printf "\n%d %d\n", dims, rep[i] > mvp
        for (c = 1; c <= dims; c++) {
            for (g = 1; g <= dims; g++) printf "%s%d", (g > 1 ? " " : ""), (g == c ? size[i] : 0) > mvp
            printf "\n" > mvp
        }
    }
}'
