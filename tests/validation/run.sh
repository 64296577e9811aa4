#!/bin/sh
# run.sh FEDPLAN [--markdown]: run every published measurement in cases.txt through
# `fedplan estimate`, print estimate vs measured with the error, and fail any point
# outside its tolerance.  Ends with "validation: N passed, M failed".
set -u
fedplan=$1
md=${2:-}
dir=$(dirname "$0")
pass=0
fail=0
[ "$md" = --markdown ] && {
    echo "| id | measured | estimate | error | tolerance | result |"
    echo "|---|---|---|---|---|---|"
}
while IFS='|' read -r id measured unit metric tol args; do
    case "$id" in '#'* | '') continue ;; esac
    id=$(echo $id); measured=$(echo $measured); unit=$(echo $unit); metric=$(echo $metric); tol=$(echo $tol)
    # shellcheck disable=SC2086
    out=$("$fedplan" estimate $args --format csv 2>&1)
    rc=$?
    if [ $rc -ne 0 ]; then
        echo "FAIL validation/$id: fedplan exited $rc: $out"
        fail=$((fail + 1))
        continue
    fi
    line=$(printf '%s\n' "$out" | awk -F, -v metric="$metric" -v unit="$unit" -v meas="$measured" -v tol="$tol" '
        NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
        NR == 2 {
            if (metric == "allocated") est = $col["allocated_bytes"]
            else if (metric == "reserved") est = $col["reserved_bytes"]
            else if (metric == "vllm_kv") est = $col["vllm_kv_capacity_tokens"] * $col["kv_bytes_per_token"]
            else if (metric == "vllm_blocks") est = $col["vllm_kv_capacity_tokens"] / 16
            if (unit == "GB") { m = meas * 1e9; e = est / 1e9 }
            else if (unit == "GiB") { m = meas * 1073741824; e = est / 1073741824 }
            else { m = meas; e = est }
            err = (m > 0) ? 100 * (est - m) / m : 0
            ok = (err <= tol && err >= -tol) ? "ok" : "FAIL"
            printf "%s %.2f %+.1f %s\n", ok, e, err, unit
        }')
    set -- $line
    if [ "$md" = --markdown ]; then
        echo "| $id | $measured $unit | $2 $4 | $3 % | ±$tol % | $1 |"
    else
        printf '%-4s validation/%-32s measured %8s %-6s estimate %8s  error %6s %%  (±%s %%)\n' "$1" "$id" "$measured" "$unit" "$2" "$3" "$tol"
    fi
    if [ "$1" = ok ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
done < "$dir/cases.txt"
echo "validation: $pass passed, $fail failed"
[ $fail -eq 0 ]
