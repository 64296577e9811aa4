#!/bin/sh
# bench_fleet.sh FEDPLAN [FLEET_ASSIGN]: generated realistic fleets (bench/gen_fleet.sh, fixed
# seeds): how time, memory and the proven gap grow with deployments and node types, and CBC
# in the same run on (a) the integer program fedplan exported and (b) a plain assignment
# model of the same scenario (bench/fleet_assign.c), when FLEET_ASSIGN is given and the model
# stays under 3 M columns.  Costs in $/h; CBC runs are capped at LIMIT seconds (default 60).
# Prints; never fails on a timing.
set -u
f=${1:-./fedplan}
assign=${2:-}
limit=${LIMIT:-60}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
have_cbc=1
command -v cbc >/dev/null || have_cbc=0
# cbc_run MODEL: "seconds objective bound" ("-" where CBC found none)
cbc_run() {
    s=$(date +%s.%N)
    timeout $((limit + 30)) cbc "$1" sec "$limit" solve > "$tmp/cbc.log" 2>&1
    e=$(date +%s.%N)
    awk -v s="$s" -v e="$e" '
        /^Objective value:/ { obj = $3 } /^Lower bound:/ { lb = $3 }
        /^Optimal - objective value/ { obj = $5; lb = $5 }
        /^Result - (Infeasible|Problem proven infeasible)/ { obj = "infeasible" }
        END { printf "%.2f %s %s\n", e - s, obj == "" ? "-" : obj, lb == "" ? "-" : lb }' "$tmp/cbc.log"
}
printf '%-6s %5s %8s | %7s %7s %9s %9s %7s | %7s %9s | %8s %7s %9s %9s\n' \
    "deps" "types" "replicas" "fedplan" "peak MB" '$/h' 'bound $/h' "gap" "cbc-exp" '$/h' \
    "assign" "cbc s" '$/h' 'bound $/h'
for spec in 50:10 200:20 1000:30 2000:40; do
    n=${spec%:*} t=${spec#*:}
    sh bench/gen_fleet.sh "$f" "$n" "$t" 7 > "$tmp/f.yaml"
    reps=$(awk '/replicas:/ { s += $2 } END { print s }' "$tmp/f.yaml")
    s=$(date +%s.%N)
    /usr/bin/time -f "%M" -o "$tmp/rss" "$f" plan "$tmp/f.yaml" --format json --export-mps "$tmp/m.mps" > "$tmp/out.json" 2>/dev/null
    e=$(date +%s.%N)
    cost=$(awk -F': ' '/"cost_per_hour"/ { gsub(",", "", $2); print $2; exit }' "$tmp/out.json")
    bound=$(awk -F': ' '/"bound"/ { gsub(",", "", $2); print $2; exit }' "$tmp/out.json")
    gap=$(awk -F': ' '/"gap"/ { gsub(",", "", $2); print $2; exit }' "$tmp/out.json")
    exp="- -" asg="- - - -"
    if [ "$have_cbc" = 1 ]; then
        # fedplan's objective: cost units x (32 x replicas + 1) + nodes, S cost units a dollar
        # (the model's name, fedplan_cost_units_per_dollar_S)
        S=$(awk '/^NAME/ { n = split($2, a, "_"); print a[n]; exit }' "$tmp/m.mps")
        exp=$(cbc_run "$tmp/m.mps" | awk -v r="$reps" -v S="${S:-1000}" '{ o = $2; if (o ~ /^[0-9.]+$/) o = sprintf("%.6f", int(o / (32 * r + 1)) / S); print $1, o }')
        if [ -n "$assign" ]; then
            cols=$("$assign" "$tmp/f.yaml" "$tmp/a.lp")
            if [ $? -eq 0 ]; then
                asg=$(cbc_run "$tmp/a.lp" | awk -v c="$cols" '{ o = $2; b = $3
                    if (o ~ /^[0-9.]+$/) o = sprintf("%.3f", o / 1000); if (b ~ /^[0-9.]+$/) b = sprintf("%.3f", b / 1000)
                    print c, $1, o, b }')
            else
                asg="$cols(too-big) - - -"
            fi
        fi
    fi
    awk -v n="$n" -v t="$t" -v r="$reps" -v s="$s" -v e="$e" -v rss="$(cat "$tmp/rss")" -v c="$cost" -v b="$bound" \
        -v g="$gap" -v x="$exp" -v a="$asg" 'BEGIN {
        split(x, X, " "); split(a, A, " ")
        printf "%-6d %5d %8d | %7.2f %7.1f %9.3f %9.3f %6.2f%% | %7s %9s | %8s %7s %9s %9s\n",
            n, t, r, e - s, rss / 1024, c, b, g * 100, X[1], X[2], A[1], A[2], A[3], A[4] }'
done
echo
echo "fedplan: seconds for the whole plan command (10 s limit, accepted gap 1 %), its peak memory,"
echo "its plan and proven bound; cbc-exp: CBC on fedplan's exported program; assign: columns of the"
echo "plain assignment model, CBC's seconds, plan and bound on it ('-': none within ${limit} s)."
