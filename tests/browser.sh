#!/bin/sh
# browser.sh FEDPLAN: the HTML reports rendered in a real browser (headless Chromium,
# Debian's `chromium`): each page loads without script errors, its SVG pictures exist,
# and a screenshot is taken.  Skipped (and said so) when Chromium is not installed;
# CI installs it (.ci/run).
set -u
fedplan=$1
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
    echo "skip browser/reports: chromium is not installed (apt-get install chromium)"
    echo "browser: 0 passed, 0 failed, 3 skipped"
    exit 0
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
pass=0
fail=0
flags="--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking --disable-component-update --disable-sync"
check() { # name html min_svg
    name=$1 html=$2 want=$3
    dom=$(timeout 60 "$browser" $flags --user-data-dir="$dir/profile-$name" --dump-dom "file://$html" 2>/dev/null)
    status=$(printf '%s' "$dom" | grep -o '<div id="report-status"[^>]*>')
    svg=$(printf '%s' "$status" | sed -n 's/.*data-svg="\([0-9]*\)".*/\1/p')
    timeout 60 "$browser" $flags --user-data-dir="$dir/shot-$name" --window-size=1000,900 \
        --screenshot="$dir/$name.png" "file://$html" >/dev/null 2>&1
    size=$(wc -c < "$dir/$name.png" 2>/dev/null || echo 0)
    if printf '%s' "$status" | grep -q 'data-ok="1"' && printf '%s' "$status" | grep -q 'data-errors="0"' &&
        [ "${svg:-0}" -ge "$want" ] && [ "$size" -gt 5000 ]; then
        echo "ok   browser/$name ($svg SVG elements, screenshot $size bytes)"
        pass=$((pass + 1))
    else
        echo "FAIL browser/$name: status '$status', screenshot $size bytes, want at least $want SVG elements"
        fail=$((fail + 1))
    fi
}
"$fedplan" plan scenarios/aws-mixed-fleet.yaml --html "$dir/plan.html" >/dev/null && check plan "$dir/plan.html" 6
"$fedplan" compare scenarios/node-sizes.yaml --html "$dir/compare.html" >/dev/null && check compare "$dir/compare.html" 2
"$fedplan" sweep scenarios/seven-deepseek-64gb.yaml --vary context=2048,8192,16384 --vary replicas=4,7 \
    --html "$dir/sweep.html" >/dev/null && check sweep "$dir/sweep.html" 1
echo "browser: $pass passed, $fail failed"
[ $fail -eq 0 ]
