#!/bin/sh
# bench_vpsolver.sh VPSOLVER_SRC [FEDPLAN]: fedplan beside VPSolver (Brandao and Pedroso 2016,
# "Bin packing and related problems: general arc-flow formulation with graph compression"), the
# public implementation of the compressed arc-flow model, on the same realistic fleets
# (bench/gen_vbp.sh).  VPSolver is built from the source folder you name (a checkout of
# https://github.com/fdabrandao/vpsolver; never vendored, never needed by the tests) into
# build/vpsolver; its model (vbp2afg, then afg2mps) is solved by GLPK's branch and cut
# (build/mps_glpk, as VPSolver's vpsolver_glpk.sh does with glpsol) and, when `cbc` is on the
# PATH, by CBC.  Runs are interleaved, instance by instance.  fedplan runs with its default
# 10 s time limit, VPSolver's solvers with LIMIT seconds (default 60).  Prints a row per
# instance and the median time ratio fedplan / VPSolver-with-GLPK over the instances both
# prove; never fails on a timing.  KINDS, SIZES and SEEDS choose the instances (defaults:
# "ram gpu", "30 100 300", "1 2 3"; KINDS mgpu: multi-GPU instances).
set -u
src=${1:?usage: bench_vpsolver.sh VPSOLVER_SRC [FEDPLAN]}
f=${2:-./fedplan}
limit=${LIMIT:-60}
b=build/vpsolver
mkdir -p "$b"
if [ ! -x "$b/afg2mps" ]; then
    (cd "$b" && cmake "$src" -DCMAKE_BUILD_TYPE=Release >/dev/null && make -j2 vbp2afg afg2mps >/dev/null) ||
        { echo "bench_vpsolver: cannot build VPSolver from $src (cmake and a C++ compiler are needed)"; exit 0; }
fi
cc -O2 -o build/mps_glpk bench/mps_glpk.c -lglpk -lm || exit 0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
have_cbc=1
command -v cbc >/dev/null || have_cbc=0
now() { date +%s.%N; }
printf '%-4s %4s %5s %4s | %-8s %7s %9s | %-8s %7s %9s %9s | %-8s %7s | %7s\n' kind reps types seed \
    fedplan s '$/h' vps-glpk s '$/h' 'bound' vps-cbc s ratio
: > "$tmp/ratios"
for kind in ${KINDS:-ram gpu}; do
    cdiv=1000 # the MVP file's costs: milli-dollars, micro-dollars for mgpu (bench/gen_vbp.sh)
    [ "$kind" = mgpu ] && cdiv=1000000
    for reps in ${SIZES:-30 100 300}; do
        for seed in ${SEEDS:-1 2 3}; do
            types=$((3 + seed % 4))
            sh bench/gen_vbp.sh "$kind" "$reps" "$types" "$seed" "$tmp/i"
            s=$(now)
            "$f" plan "$tmp/i.yaml" --format json > "$tmp/f.json" 2>/dev/null
            e=$(now)
            ft=$(echo "$s $e" | awk '{ printf "%.3f", $2 - $1 }')
            fst=$(awk -F'"' '/"status"/ { print $4; exit }' "$tmp/f.json")
            fc=$(awk -F': ' '/"cost_per_hour"/ { gsub(",", "", $2); print $2; exit }' "$tmp/f.json")
            s=$(now)
            # the graph's construction has no limit of its own: LIMIT seconds and 8 GiB at most
            # (on mgpu fleets of 8-GPU types it can fill the machine's memory)
            rm -f "$tmp/g.afg" "$tmp/m.mps"
            (ulimit -v 8388608; timeout "$limit" "$b/vbp2afg" "$tmp/i.mvp" "$tmp/g.afg" >/dev/null 2>&1 &&
                timeout "$limit" "$b/afg2mps" "$tmp/g.afg" "$tmp/m.mps" >/dev/null 2>&1)
            e=$(now)
            gen=$(echo "$s $e" | awk '{ print $2 - $1 }')
            if [ -s "$tmp/m.mps" ]; then
                # GLPK checks its limit between steps: a root LP that runs long is cut by timeout
                r=$(timeout $((limit + 30)) build/mps_glpk "$tmp/m.mps" "$limit")
                set -- ${r:-limit $((limit + 30)) - -}
            else
                set -- no-model 0 - -
            fi
            gst=$1 gt=$(echo "$2 $gen" | awk '{ printf "%.3f", $1 + $2 }') gobj=$3 gb=$4
            cst=- ct=-
            if [ $have_cbc -eq 1 ] && [ -s "$tmp/m.mps" ]; then
                s=$(now)
                timeout $((limit + 30)) cbc "$tmp/m.mps" sec "$limit" solve > "$tmp/cbc.log" 2>&1
                e=$(now)
                ct=$(echo "$s $e $gen" | awk '{ printf "%.2f", $2 - $1 + $3 }')
                cst=$(grep -q '^Optimal - objective value' "$tmp/cbc.log" && echo optimal || echo feasible)
            fi
            ratio=-
            if [ "$fst" = optimal ] && [ "$gst" = optimal ]; then
                ratio=$(echo "$ft $gt" | awk '{ printf "%.3f", ($1 > 0.001 ? $1 : 0.001) / ($2 > 0.001 ? $2 : 0.001) }')
                echo "$ratio" >> "$tmp/ratios"
            fi
            printf '%-4s %4s %5s %4s | %-8s %7s %9s | %-8s %7s %9s %9s | %-8s %7s | %7s\n' "$kind" "$reps" "$types" \
                "$seed" "$fst" "$ft" "$fc" "$gst" "$gt" \
                "$(echo "$gobj $cdiv" | awk '{ if ($1 == "-") print "-"; else printf "%.3f", $1 / $2 }')" \
                "$(echo "$gb $cdiv" | awk '{ if ($1 == "-" || $1 == "nan") print "-"; else printf "%.3f", $1 / $2 }')" \
                "$cst" "$ct" "$ratio"
        done
    done
done
sort -n "$tmp/ratios" | awk '{ r[NR] = $1 } END { if (NR) printf "median fedplan / VPSolver-GLPK time over %d instances both proved: %.3f\n", NR, (NR % 2 ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2); else print "no instance proven by both" }'
