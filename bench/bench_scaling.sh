#!/bin/sh
# bench_scaling.sh FEDPLAN: how fedplan's time and memory grow with one dimension at a time
# (generated fleets, bench/gen_fleet.sh, fixed seed; 10 s limit, accepted gap 1 %):
# deployments, node types, distinct footprints, GPUs per node.  Prints; never fails on a timing.
set -u
f=${1:-./fedplan}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# row LABEL VALUE DEPLOYMENTS TYPES [ENV...]: one generated fleet, planned
row() {
    label=$1 value=$2 n=$3 t=$4
    shift 4
    env "$@" sh bench/gen_fleet.sh "$f" "$n" "$t" 7 > "$tmp/f.yaml"
    reps=$(awk '/replicas:/ { s += $2 } END { print s }' "$tmp/f.yaml")
    types=$(awk '/^  - \{type:/ { k++ } END { print k }' "$tmp/f.yaml")
    s=$(date +%s.%N)
    /usr/bin/time -f "%M" -o "$tmp/rss" "$f" plan "$tmp/f.yaml" --format json --stats > "$tmp/out.json" 2> "$tmp/err"
    e=$(date +%s.%N)
    gap=$(awk -F': ' '/"gap"/ { gsub(",", "", $2); print $2; exit }' "$tmp/out.json")
    awk -v l="$label" -v v="$value" -v n="$n" -v ty="$types" -v r="$reps" -v s="$s" -v e="$e" \
        -v rss="$(tail -1 "$tmp/rss")" -v g="$gap" '
        /solver:/ { pat = $5; rounds = $7 }
        END { printf "%-20s %6s %6d %6d %8d %8.2f %8.1f %9s %7s %7.2f%%\n", l, v, n, ty, r, e - s, rss / 1024, pat, rounds, g * 100 }' "$tmp/err"
}
printf '%-20s %6s %6s %6s %8s %8s %8s %9s %7s %8s\n' "varied" "value" "deps" "types" "replicas" "seconds" \
    "peak MB" "patterns" "rounds" "gap"
for n in 100 300 1000 3000; do row deployments "$n" "$n" 10; done
for t in 5 10 20 40; do row "node types" "$t" 500 "$t"; done
for m in 5 20 60 120; do row "footprints (max)" "$m" 1000 10 FOOTPRINTS="$m"; done
for g in 1 2 4 8; do row "GPUs per node" "$g" 500 10 GPUS="$g"; done
