#!/bin/sh
# bench_proof.sh FEDPLAN [SEEDS] [TIME_LIMIT]: fedplan on generated priced fleets
# (bench/gen_priced_fleet.sh, seeds 1..SEEDS, default 10; time limit default 10 s): per
# instance its node types, replicas, seconds, status, gap, and whether the arc-flow proof step
# (docs/solver.md, step 4b) ran and proved the bound; then how many were proven.  Prints;
# never fails on a timing (not part of make test).
set -u
f=${1:-./fedplan}
seeds=${2:-10}
tl=${3:-10}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '%-5s %5s %8s %8s %-9s %8s  %s\n' seed types replicas seconds status gap arc-flow
proven=0
s=1
while [ "$s" -le "$seeds" ]; do
    sh "$(dirname "$0")/gen_priced_fleet.sh" "$s" > "$tmp/f.yaml"
    types=$(awk '/^nodes:/ { on = 1; next } /^deployments:/ { on = 0 } on && /^  - / { n++ } END { print n }' "$tmp/f.yaml")
    reps=$(awk -F'replicas: ' '/replicas:/ { split($2, a, ","); n += a[1] } END { print n }' "$tmp/f.yaml")
    t0=$(date +%s%N)
    "$f" plan "$tmp/f.yaml" --time-limit "$tl" --stats > "$tmp/out" 2> "$tmp/err"
    t1=$(date +%s%N)
    st=$(awk 'NR == 2 { sub(/:.*/, "", $2); print $2 }' "$tmp/out")
    gap=$(awk 'NR == 2 { for (i = 1; i <= NF; i++) if ($i == "gap") print $(i + 1) }' "$tmp/out")
    af=$(sed -n 's/.*arc-flow proof step: //p' "$tmp/err")
    [ "$st" = optimal ] && proven=$((proven + 1))
    printf '%-5s %5s %8s %8.2f %-9s %7s%%  %s\n' "$s" "$types" "$reps" "$(echo "$t0 $t1" | awk '{ print ($2 - $1) / 1e9 }')" \
        "${st:-error}" "${gap:--}" "${af:-not run}"
    s=$((s + 1))
done
echo "proven: $proven of $seeds"
