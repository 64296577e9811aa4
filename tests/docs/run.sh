#!/bin/sh
# run.sh FEDPLAN: the worked examples in the docs are what fedplan prints today.  Every block
# of docs/*.md and README.md that opens with a line "$ fedplan ARGS" right after its ``` fence
# (and holds no other "$ " line: a list of commands is no worked example) is run (from a scratch folder holding a link to scenarios/, so an --html FILE it names lands
# there) and its output compared with the rest of the block.  A stale block fails with the
# difference; refresh it by pasting what the command prints.
set -u
fedplan=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
root=$(pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
pass=0
fail=0
for doc in README.md docs/*.md; do
    rm -f "$dir"/block.*
    # block.N.cmd: the arguments; block.N.out: the lines up to the closing fence
    # code: inside any fenced block; opened: the line before was an opening fence
    awk -v d="$dir" '
        /^```/ { if (inb) close(d "/block." n ".out"); code = !code; opened = code; inb = 0; next }
        opened && /^\$ fedplan / { inb = 1; n++; sub(/^\$ fedplan /, ""); print > (d "/block." n ".cmd"); close(d "/block." n ".cmd"); printf "" > (d "/block." n ".out"); opened = 0; next }
        { opened = 0 }
        inb { print >> (d "/block." n ".out") }
    ' "$doc"
    for cmd in "$dir"/block.*.cmd; do
        [ -f "$cmd" ] || continue
        n=${cmd%.cmd}
        n=${n##*.}
        grep -q '^\$ ' "$dir/block.$n.out" && continue
        work="$dir/run.$n"
        mkdir -p "$work"
        ln -s "$root/scenarios" "$work/scenarios"
        args=$(cat "$cmd")
        (cd "$work" && eval "\"\$fedplan\" $args") > "$dir/got" 2>/dev/null
        if cmp -s "$dir/got" "$dir/block.$n.out"; then
            pass=$((pass + 1))
            echo "ok   $doc block $n: fedplan $args"
        else
            fail=$((fail + 1))
            echo "FAIL $doc block $n: fedplan $args (the block is stale; what fedplan prints now:)"
            diff "$dir/block.$n.out" "$dir/got" | head -20
        fi
        rm -rf "$work"
    done
done
echo "docs: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
