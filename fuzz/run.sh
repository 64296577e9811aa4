#!/bin/sh
# run.sh SECONDS TARGET...: run each libFuzzer target for SECONDS, its corpus seeded from the
# tests' own inputs.  A crash, a leak, a timeout (10 s) or more than 2 GiB fails the run and
# leaves the input in build-fuzz/crash-*: turn it into a regression test.  FUZZ_SEED (default 1)
# makes a run repeatable; set it to 0 for a random seed.
set -u
secs=$1
shift
status=0
for t in "$@"; do
    corpus=build-fuzz/corpus/$t
    mkdir -p "$corpus"
    case $t in
    scenario) cp scenarios/*.yaml tests/data/scenarios/*.yaml "$corpus"/ 2>/dev/null ;;
    config) cp tests/data/configs/*.json tests/data/bad/*.json "$corpus"/ 2>/dev/null ;;
    inventory)
        i=0
        for f in inventory/models.yaml inventory/gpus.yaml inventory/nodes.yaml inventory/instances.yaml; do
            printf "\\00$i" > "$corpus/seed-$i"
            cat "$f" >> "$corpus/seed-$i"
            i=$((i + 1))
        done
        printf '\002' > "$corpus/seed-9"; cat inventory/instances.yaml >> "$corpus/seed-9" ;;
    units)
        for s in "16 GB" "14.5GiB" "22888 MiB" "16 Gb" "1e9" "-3 GB" "0.000000000000000000001 TB"; do
            printf '%s' "$s" > "$corpus/$(printf '%s' "$s" | tr -c 'a-zA-Z0-9' _)"
        done ;;
    safetensors)
        cp tests/data/models/tiny-llama/*.safetensors tests/data/models/tiny-llama-fp8/*.safetensors \
            tests/data/models/tiny-glm4moe-mtp/*.safetensors \
            tests/data/bad/st-*.safetensors "$corpus"/ 2>/dev/null ;;
    gguf) cp tests/data/models/*.gguf tests/data/bad/gguf-*.gguf "$corpus"/ 2>/dev/null ;;
    cli)
        printf -- '--context\n8192\n--runtime\nvllm\n--dtype\nint4\n--tp\n2\n' > "$corpus/infer"
        printf -- '--method\nqlora\n--lora-targets\nall-linear\n--zero\n3\n--gpus\n8\n--grad-checkpointing\n' > "$corpus/train"
        printf -- '--runtime\nllama.cpp\n--dtype\nq4_0\n--kv-dtype\nq8_0\n--batch\n4\n' > "$corpus/ggml" ;;
    esac
    echo "fuzz: $t for $secs s"
    if ! ./build-fuzz/fuzz_$t -max_total_time="$secs" -seed="${FUZZ_SEED:-1}" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -artifact_prefix=build-fuzz/crash-$t- -print_final_stats=1 "$corpus" > "build-fuzz/$t.log" 2>&1; then
        echo "FAIL fuzz/$t: see build-fuzz/$t.log and build-fuzz/crash-$t-*"
        tail -30 "build-fuzz/$t.log"
        status=1
    else
        grep -E "stat::number_of_executed_units|cov:" "build-fuzz/$t.log" | tail -2 | sed 's/^/  /'
    fi
done
exit $status
