#!/bin/sh
# run.sh FEDPLAN [--update]: the bad-input corpus.  Every *.yaml here is a broken scenario;
# `fedplan plan` must refuse it with exactly the message in NAME.expected and exit code 2,
# within 10 seconds and (unless sanitized, whose shadow memory needs room) 1 GiB of
# address space.
set -u
fedplan=$1
update=${2:-}
dir=$(dirname "$0")
pass=0
fail=0
for f in "$dir"/*.yaml; do
    name=$(basename "$f" .yaml)
    out=$( (if [ -z "${FEDPLAN_SANITIZED:-}" ]; then ulimit -v 1048576; fi; timeout 10 $fedplan plan "$f") 2>&1)
    rc=$?
    if [ "$update" = --update ]; then
        printf '%s\n' "$out" > "$dir/$name.expected"
    fi
    if [ $rc -eq 2 ] && printf '%s\n' "$out" | cmp -s - "$dir/$name.expected"; then
        pass=$((pass + 1))
        echo "ok   badinput/$name"
    else
        fail=$((fail + 1))
        echo "FAIL badinput/$name (exit $rc, want 2)"
        printf '%s\n' "$out" | diff "$dir/$name.expected" - | head -5 | sed 's/^/    /'
    fi
done
echo "badinput: $pass passed, $fail failed"
[ $fail -eq 0 ]
