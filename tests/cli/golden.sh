#!/usr/bin/env bash
# golden.sh - golden replay tests (STYLE.md 7, tmux regress): the output of
# `pagesim replay --log` for every traces/*.trace must equal
# tests/golden/NAME.log byte for byte. Only scripts/regen-golden.sh
# rewrites the golden files, after a reviewed change of behaviour.
. "$(dirname "$0")/lib.sh"
set -e
cd "$PAGESIM_SRC"
shopt -s nullglob
traces=(traces/*.trace)
if [ ${#traces[@]} -eq 0 ]; then
    not_ok "traces/ holds example traces"
fi
for tr in "${traces[@]}"; do
    name=$(basename "$tr" .trace)
    gold="tests/golden/$name.log"
    run_pagesim "$WORK/out" "$WORK/err" replay --log "$tr"
    if [ "$RC" -ne 0 ]; then
        not_ok "$name: replay --log exits 0 (got $RC)" "$(head -c 1000 "$WORK/err")"
        continue
    fi
    if [ ! -f "$gold" ]; then
        not_ok "$name: golden file $gold exists (run scripts/regen-golden.sh)"
        continue
    fi
    if cmp -s "$WORK/out" "$gold"; then
        ok "$name: replay --log matches $gold"
    else
        not_ok "$name: replay --log matches $gold" "$(diff -u "$gold" "$WORK/out" | head -40)"
    fi
done
done_testing
