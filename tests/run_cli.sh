#!/bin/sh
# run_cli.sh FEDPLAN [--update]: golden CLI tests.  Each tests/cli/NAME/ holds
#   cmd           one shell line; $FEDPLAN is the binary under test
#   expected.out  its standard output and standard error, together
#   expected.rc   its exit code
# --update rewrites expected.* from the current binary (then read them before committing).
set -u
FEDPLAN=$1
export FEDPLAN
update=${2:-}
# FEDPLAN_SKIP_TIMED=1 (make valgrind): skip the tests that measure time or send signals;
# FEDPLAN_SANITIZED=1 (make check): skip those that measure time
pass=0
fail=0
skipped=0
for d in tests/cli/*/; do
    name=$(basename "$d")
    [ -f "$d/cmd" ] || continue
    case "$name" in signal-* | time-limit-*)
        if [ -n "${FEDPLAN_SKIP_TIMED:-}" ]; then echo "skip cli/$name (timed)"; skipped=$((skipped + 1)); continue; fi ;;
    esac
    # the time limits' 10 % tolerance is for the real binary (make test); the sanitizer build runs
    # every step several times slower, the parts after the solve too, so make check leaves them out
    case "$name" in time-limit-*)
        if [ -n "${FEDPLAN_SANITIZED:-}" ]; then echo "skip cli/$name (timed, sanitizer build)"; skipped=$((skipped + 1)); continue; fi ;;
    esac
    out=$(sh -c "$(cat "$d/cmd")" 2>&1)
    rc=$?
    if [ "$update" = --update ]; then
        printf '%s\n' "$out" > "$d/expected.out"
        echo "$rc" > "$d/expected.rc"
    fi
    want_rc=$(cat "$d/expected.rc" 2>/dev/null || echo missing)
    if [ "$rc" = "$want_rc" ] && printf '%s\n' "$out" | cmp -s - "$d/expected.out"; then
        pass=$((pass + 1))
        echo "ok   cli/$name"
    else
        fail=$((fail + 1))
        echo "FAIL cli/$name (exit $rc, want $want_rc)"
        printf '%s\n' "$out" | diff "$d/expected.out" - | head -20 | sed 's/^/    /'
    fi
done
if [ $skipped -gt 0 ]; then echo "cli: $pass passed, $fail failed, $skipped skipped"; else echo "cli: $pass passed, $fail failed"; fi
[ $fail -eq 0 ]
