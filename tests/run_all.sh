#!/bin/sh
# run_all.sh FEDPLAN UNIT_BINARY: every suite, then one line "N passed, M failed".
set -u
fedplan=$1
unit=$2
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
"$unit" > "$log" 2>&1 || status=1
sh tests/run_cli.sh "$fedplan" >> "$log" 2>&1 || status=1
sh tests/badinput/run.sh "$fedplan" >> "$log" 2>&1 || status=1
sh tests/validation/run.sh "$fedplan" >> "$log" 2>&1 || status=1
sh tests/validation/doc_check.sh "$fedplan" >> "$log" 2>&1 || status=1
sh tests/docs/run.sh "$fedplan" >> "$log" 2>&1 || status=1
sh tests/browser.sh "$fedplan" >> "$log" 2>&1 || status=1
sh tests/faults/run.sh "$fedplan" >> "$log" 2>&1 || status=1
sh tests/emit/run.sh "$fedplan" "$(dirname "$unit")/yamlcheck" >> "$log" 2>&1 || status=1
grep -v '^ok ' "$log"
awk '/^[a-z]+: [0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$/ { p += $2; f += $4; s += $6 }
     END { if (s) printf "%d passed, %d failed, %d skipped\n", p, f, s; else printf "%d passed, %d failed\n", p, f; exit f > 0 }' "$log" || status=1
exit $status
