#!/bin/sh
# bench_cbc.sh FEDPLAN BPP_DIR [SET...]: fedplan against CBC (Debian's coinor-cbc), same
# machine, same run, interleaved, on Falkenauer's instances:
#   fedplan   `fedplan plan` on the instance as a scenario (wall time to its answer)
#   cbc/exp   CBC on the integer program fedplan exported (--export-mps)
#   cbc/af    CBC on a plain reference arc-flow model (Valerio de Carvalho 1999, no reduction)
# and the ratio fedplan / cbc-af per instance, with the median and the worst per set.
# Prints; never fails on a timing.  CBC runs are capped at LIMIT seconds (default 60).
set -u
f=$1
dir=$2
shift 2
limit=${LIMIT:-60}
command -v cbc >/dev/null || { echo "bench_cbc: cbc is not installed (apt-get install coinor-cbc)"; exit 0; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
# instance files as "capacity n sizes..." on one line, one per instance
instances() {
    case $1 in
    u120 | u250 | u500)
        file=binpack1.txt
        [ "$1" = u250 ] && file=binpack2.txt
        [ "$1" = u500 ] && file=binpack3.txt
        awk 'NR == 1 { next } /^ *u[0-9]/ { if (line != "") print line; name = $1; getline; line = name " " $1 " " $2; next }
             { line = line " " $1 } END { print line }' "$dir/$file" ;;
    t120 | t249)
        for i in $(seq -w 0 19); do
            p="$dir/triplets/Falkenauer_$1_$i.txt"
            [ -f "$p" ] && awk -v n="$1_$i" 'NR == 1 { cnt = $1; next } NR == 2 { line = n " " $1 " " cnt; next } { line = line " " $1 } END { print line }' "$p"
        done ;;
    esac
}
for set in "$@"; do
    echo "$set: instance, optimum reached by fedplan, seconds for fedplan / cbc on fedplan's model / cbc on arc-flow"
    instances "$set" | head -n "${PER_SET:-20}" > "$tmp/list"
    : > "$tmp/ratios"
    while read -r name cap n sizes; do
        # the scenario: equal sizes aggregated
        echo $sizes | tr ' ' '\n' | sort -n | uniq -c | awk -v cap="$cap" '
            BEGIN { print "goal: nodes\ntime_limit: 60\nnodes:\n  - {name: bin, memory: " cap " GB}\ndeployments:" }
            { printf "  - {name: s%d, memory: %d GB, replicas: %d}\n", $2, $2, $1 }' > "$tmp/s.yaml"
        t0=$(now)
        nodes=$($f plan "$tmp/s.yaml" --format csv --export-mps "$tmp/m.mps" | awk -F, 'NR > 1 { print $1 }' | sort -n | tail -1)
        t1=$(now)
        tf=$(secs "$t0" "$t1")
        t0=$(now)
        timeout "$limit" cbc "$tmp/m.mps" solve > "$tmp/cbc1.log" 2>&1
        t1=$(now)
        te=$(secs "$t0" "$t1")
        # plain arc-flow: vertices 0..cap, item arcs j -> j+w, loss arcs j -> j+1, flow z from 0 to cap
        echo $sizes | tr ' ' '\n' | sort -n | uniq -c | awk -v cap="$cap" '
            { w[++k] = $2; d[k] = $1 }
            END {
                print "Minimize\n obj: z\nSubject To"
                for (v = 0; v <= cap; v++) {
                    line = ""
                    for (i = 1; i <= k; i++) {
                        if (v + w[i] <= cap) line = line " - x" i "_" v
                        if (v - w[i] >= 0) line = line " + x" i "_" (v - w[i])
                    }
                    if (v < cap) line = line " - l" v
                    if (v > 0) line = line " + l" (v - 1)
                    if (v == 0) line = line " + z"
                    if (v == cap) line = line " - z"
                    print " f" v ":" line " = 0"
                }
                for (i = 1; i <= k; i++) {
                    line = ""
                    for (v = 0; v + w[i] <= cap; v++) line = line " + x" i "_" v
                    print " d" i ":" line " >= " d[i]
                }
                print "General\n z"
                for (i = 1; i <= k; i++) for (v = 0; v + w[i] <= cap; v++) print " x" i "_" v
                print "End"
            }' > "$tmp/af.lp"
        t0=$(now)
        timeout "$limit" cbc "$tmp/af.lp" solve > "$tmp/cbc2.log" 2>&1
        t1=$(now)
        ta=$(secs "$t0" "$t1")
        opt=$(grep -E "^$name[[:space:]]" "$dir/OPTIMA.tsv" 2>/dev/null | awk '{ print $3 }')
        case $set in t120) opt=40 ;; t249) opt=83 ;; esac
        afobj=$(grep -E "^Objective value" "$tmp/cbc2.log" | awk '{ print $3 }')
        printf '  %-10s %4s/%-4s %8.3f %8.3f %8.3f%s\n' "$name" "$nodes" "$opt" "$tf" "$te" "$ta" \
            "$(grep -q 'Optimal solution found' "$tmp/cbc2.log" || echo '  (cbc/af: not optimal within the limit)')"
        awk -v a="$tf" -v b="$ta" 'BEGIN { printf "%.4f\n", a / b }' >> "$tmp/ratios"
    done < "$tmp/list"
    sort -n "$tmp/ratios" | awk -v s="$set" '{ r[NR] = $1 } END { printf "%s: fedplan / cbc-arcflow time ratio: median %.3f, worst %.3f (%d instances)\n\n", s, r[int((NR + 1) / 2)], r[NR], NR }'
done
