#!/bin/sh
# bench_fleet.sh FEDPLAN: generated realistic fleets (bench/gen_fleet.sh, fixed seeds): how
# time, memory and the proven gap grow with deployments and node types; CBC on the integer
# program fedplan exported, same machine, same run.  Prints; never fails on a timing.
set -u
f=${1:-./fedplan}
limit=${LIMIT:-60}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '%-12s %6s %9s %8s %8s %10s %10s %9s %10s\n' "deployments" "types" "replicas" "seconds" "peak MB" "status" "gap" "cbc s" "cbc obj"
for spec in 50:10 200:20 1000:30 2000:40; do
    n=${spec%:*} t=${spec#*:}
    sh bench/gen_fleet.sh "$f" "$n" "$t" 7 > "$tmp/f.yaml"
    reps=$(awk '/replicas:/ { s += $2 } END { print s }' "$tmp/f.yaml")
    s=$(date +%s.%N)
    /usr/bin/time -f "%M" -o "$tmp/rss" "$f" plan "$tmp/f.yaml" --format json --export-mps "$tmp/m.mps" > "$tmp/out.json" 2>/dev/null
    e=$(date +%s.%N)
    status=$(awk -F'"' '/"status"/ { print $4; exit }' "$tmp/out.json")
    gap=$(awk -F': ' '/"gap"/ { gsub(",", "", $2); print $2; exit }' "$tmp/out.json")
    cs=$(date +%s.%N)
    if command -v cbc >/dev/null; then
        timeout "$limit" cbc "$tmp/m.mps" solve > "$tmp/cbc.log" 2>&1
        cobj=$(awk '/^Objective value/ { print $3 }' "$tmp/cbc.log")
    else
        cobj="-"
    fi
    ce=$(date +%s.%N)
    awk -v n="$n" -v t="$t" -v r="$reps" -v s="$s" -v e="$e" -v rss="$(cat "$tmp/rss")" -v st="$status" -v g="$gap" \
        -v cs="$cs" -v ce="$ce" -v co="${cobj:-none}" 'BEGIN {
        printf "%-12d %6d %9d %8.2f %8.1f %10s %9.2f%% %9.2f %10s\n", n, t, r, e - s, rss / 1024, st, g * 100, ce - cs, co }'
done
