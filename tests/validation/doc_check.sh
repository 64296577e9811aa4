#!/bin/sh
# doc_check.sh FEDPLAN: docs/validation.md carries the current validation table.
set -u
want=$(sh tests/validation/run.sh "$1" --markdown | grep '^|')
have=$(sed -n '/validation-table:begin/,/validation-table:end/p' docs/validation.md | grep '^|')
if [ "$want" = "$have" ]; then
    echo "ok   docs/validation-table"
    echo "docs: 1 passed, 0 failed"
else
    echo "FAIL docs/validation-table: regenerate with: sh tests/validation/run.sh ./fedplan --markdown"
    echo "docs: 0 passed, 1 failed"
    exit 1
fi
