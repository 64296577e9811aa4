#!/bin/sh
# install.sh: the schema validators tests/emit/run.sh uses (package.json here, pinned by
# package-lock.json), from the npm registry with `npm ci`, into tests/validate/node_modules.
# Needs node and npm (Debian: nodejs, npm; installed through tests/deps.sh when missing).
# Run by `make deps`; the tests themselves never reach the network.
set -u
cd "$(dirname "$0")" || exit 1
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    sh ../deps.sh install nodejs npm || exit 1
fi
stamp=node_modules/.fedplan-package-lock.json
if [ -f "$stamp" ] && cmp -s package-lock.json "$stamp"; then
    exit 0 # already what the lock file says
fi
echo "fedplan: installing the emit schema validators (npm ci in tests/validate)" >&2
npm ci --no-audit --no-fund --loglevel=error >/dev/null || exit 1
cp package-lock.json "$stamp"
