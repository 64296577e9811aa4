#!/bin/sh
# deps.sh check|install PKG...: make sure the Debian build dependencies are present.
# check: when something is missing, install it if we are root (apt-get), else print
# the exact command to run and fail.  install: the same, explicitly.
set -u
mode=$1
shift
missing=""
for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "fedplan: installing missing build dependencies:$missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null && apt-get install -y -qq $missing >/dev/null && exit 0
    echo "fedplan: apt-get failed; run: apt-get install -y$missing" >&2
    exit 1
fi
echo "fedplan: missing build dependencies:$missing" >&2
echo "fedplan: run: sudo apt-get install -y$missing" >&2
exit 1
