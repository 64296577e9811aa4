#!/bin/sh
# gen_priced_fleet.sh SEED [REPLICAS]: a realistic priced fleet for the arc-flow proof step
# (docs/solver.md, step 4b) on standard output, deterministic from SEED: deployments of fixed
# footprints until about REPLICAS replicas (default 30 + SEED*37 % 271, so 30 to 300), on
# 3 to 6 node types drawn among RAM servers and single-GPU cloud instances, a third of them
# with a count limit.
#
# Footprints are real model sizes: the weights of common open models (Qwen2.5-0.5B, Llama 3.2
# 1B and 3B, Phi-3-mini, Mistral 7B, Llama 3.1 8B, Qwen2.5 14B, as the catalog estimates them
# in fp16), halved for fp8 or about a third for 4-bit, plus 1 to 6 GiB of KV cache and
# runtime, rounded up to 0.25 GiB.  GPU deployments run on one GPU (they must fit its memory);
# host deployments (llama.cpp on CPU, 4-bit) take host memory.  Single-GPU instances are the
# catalog's (fedplan catalog instances): their price, host memory and GPU memory rounded down
# to whole GiB (so that every size is a multiple of 0.25 GiB: the model's units are exact).
# RAM servers have no catalog price; they are priced at $0.0079 per GiB-hour, about AWS's
# r6i on-demand price in us-east-1 ($2.016/h for 256 GiB), an approximation.
set -u
seed=$1
reps=${2:-$((30 + seed * 37 % 271))}
awk -v seed="$seed" -v seed0="$seed" -v reps="$reps" '
function rnd(m) { seed = (seed * 1103515245 + 12345) % 2147483648; return int(seed / 65536) % m }
function q(x) { return int(x * 4 + 0.999) / 4 } # up to 0.25 GiB
BEGIN {
    # single-GPU instances: name, host GiB, GPU GiB, $/h (catalog)
    n = 0
    t[++n] = "g4dn.xlarge 16 15 0.526";   t[++n] = "g5.xlarge 16 22 1.006"
    t[++n] = "g6.xlarge 16 22 0.8048";    t[++n] = "g6e.xlarge 32 44 1.861"
    t[++n] = "a2-highgpu-1g 79 39 3.67339"; t[++n] = "NC24ads_A100_v4 220 80 3.673"
    t[++n] = "NC40ads_H100_v5 320 93 6.98"
    # RAM servers: name, host GiB
    t[++n] = "ram-128 128 0 0"; t[++n] = "ram-256 256 0 0"; t[++n] = "ram-512 512 0 0"
    k = 3 + rnd(4)
    for (i = 1; i <= n; i++) used[i] = 0
    print "name: priced fleet (seed " seed0 ", about " reps " replicas)"
    print "goal: cost\nnodes:"
    for (j = 1; j <= k; j++) {
        do i = 1 + rnd(n); while (used[i])
        used[i] = 1
        pick[j] = i
        split(t[i], f, " ")
        if (f[3] > gpu) gpu = f[3]
        if (f[2] > host) host = f[2]
    }
    # count limits on a third of the types, never on the largest GPU or host type (so that
    # every replica can be placed)
    for (j = 1; j <= k; j++) {
        split(t[pick[j]], f, " ")
        cost = f[4] > 0 ? f[4] : f[2] * 0.0079
        cnt = rnd(3) == 0 && f[3] != gpu && f[2] != host ? ", count: " (1 + rnd(4)) : ""
        if (f[3] > 0)
            printf "  - {name: %s, memory: %d GiB, gpus: 1, gpu_memory: %d GiB, cost: %.4f%s}\n", f[1], f[2], f[3], cost, cnt
        else
            printf "  - {name: %s, memory: %d GiB, cost: %.4f%s}\n", f[1], f[2], cost, cnt
    }
    # fp16 weights in GiB of common models
    m[1] = 0.93; m[2] = 2.30; m[3] = 5.98; m[4] = 7.12; m[5] = 13.49; m[6] = 14.96; m[7] = 27.51
    dt[1] = 1.0; dt[2] = 0.5; dt[3] = 0.3
    print "deployments:"
    for (d = 1; placed < reps; d++) {
        w = m[1 + rnd(7)] * dt[1 + rnd(3)]
        size = q(w + 1 + rnd(21) / 4)
        on = gpu > 0 && (host == 0 || rnd(3) > 0) ? "gpu" : "host"
        if (on == "gpu" && size > gpu) size = q(gpu * (0.3 + rnd(6) / 10))
        if (on == "host" && size > host) size = q(host * 0.5)
        r = 1 + rnd(8)
        if (placed + r > reps) r = reps - placed
        placed += r
        printf "  - {name: d%d, memory: %.2f GiB, replicas: %d, on: %s%s}\n", d, size, r, on, rnd(5) == 0 ? ", anti_affinity: true" : ""
    }
}'
