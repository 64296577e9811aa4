#!/bin/sh
# gen_fleet.sh FEDPLAN DEPLOYMENTS TYPES SEED: a realistic fleet scenario on standard output:
# DEPLOYMENTS deployments drawn (deterministically, from SEED) from common models and
# workloads, with replicas, anti-affinity and tensor-parallel choices, over the first TYPES
# priced GPU instance types of the catalog.  For scaling runs: GPUS=k keeps only instance
# types with k GPUs; FOOTPRINTS=m draws every deployment from the first m of the 120
# (model, context, dtype) combinations, so that at most m footprints are distinct.
set -u
f=$1 n=$2 types=$3 seed=$4
"$f" catalog instances --format csv | awk -F, -v types="$types" -v n="$n" -v seed="$seed" \
    -v gpus="${GPUS:-0}" -v fp="${FOOTPRINTS:-0}" '
    NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
    $col["price_per_hour"] != "" && $col["gpus"] > 0 && (gpus == 0 || $col["gpus"] == gpus) && k < types {
        t[++k] = $col["name"] }
    function rnd(m) { seed = (seed * 1103515245 + 12345) % 2147483648; return int(seed / 65536) % m }
    END {
        print "name: generated fleet (" n " deployments, " k " node types, seed " seed ")"
        print "goal: cost\ntime_limit: 10\ngap: 0.01\nnodes:"
        for (i = 1; i <= k; i++) print "  - {type: \"" t[i] "\"}"
        m[1] = "llama-3.1-8b"; m[2] = "mistral-7b"; m[3] = "qwen2.5-7b"; m[4] = "qwen2.5-0.5b"; m[5] = "gpt2"
        m[6] = "deepseek-coder-6.7b"; m[7] = "llama-3.2-1b"; m[8] = "llama-3.2-3b"; m[9] = "qwen2.5-14b"; m[10] = "phi-3-mini-4k"
        # the context limit of each model (fedplan catalog models: max_positions); a drawn context past it is capped
        lim[1] = 131072; lim[2] = 32768; lim[3] = 131072; lim[4] = 32768; lim[5] = 1024
        lim[6] = 16384; lim[7] = 131072; lim[8] = 131072; lim[9] = 131072; lim[10] = 4096
        c[1] = 2048; c[2] = 4096; c[3] = 8192; c[4] = 16384
        d[1] = "fp16"; d[2] = "int4"; d[3] = "fp8"  # fp16, not bf16: runs on pre-Ampere GPUs too (same bytes)
        print "deployments:"
        for (i = 1; i <= n; i++) {
            if (fp > 0) { # combination q: model, context and dtype from its digits
                q = rnd(fp); mi = 1 + q % 10; ci = 1 + int(q / 10) % 4; di = 1 + int(q / 40) % 3
            } else
                mi = 1 + rnd(10)
            printf "  - name: d%d\n    model: %s\n    replicas: %d\n", i, m[mi], 1 + rnd(3)
            if (rnd(4) == 0) print "    anti_affinity: true"
            if (mi == 9) print "    tp: [1, 2]"
            if (fp == 0) { ci = 1 + rnd(4); di = 1 + rnd(3) }
            printf "    workload: {runtime: vllm, context: %d, dtype: %s, max_num_seqs: 64}\n", c[ci] < lim[mi] ? c[ci] : lim[mi], d[di]
        }
    }'
