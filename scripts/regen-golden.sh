#!/usr/bin/env bash
# regen-golden.sh - rewrites tests/golden/NAME.log from `pagesim replay --log`
# of every traces/NAME.trace, and tests/golden/outputs.sha256 (the digests of
# every output in every mode, tests/cli/outputs.sh). The only way golden
# files change: run it after a deliberate change of behaviour, then review
# `git diff tests/golden`.
#
# The logs are of each trace in its own mode, where every `expect` line
# holds: a lesson whose facts fail there (exit 3) stops this script. The
# digests of the other modes record the exit status, 3 included (a lesson's
# facts are its own mode's; tests/cli/outputs.sh).
#
# usage: scripts/regen-golden.sh [PAGESIM]   (default: build/src/pagesim)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
pagesim=${1:-${PAGESIM:-$src/build/src/pagesim}}
if [ ! -x "$pagesim" ]; then
    echo "regen-golden.sh: no pagesim binary at $pagesim (give its path)" >&2
    exit 2
fi
pagesim=$(cd "$(dirname "$pagesim")" && pwd)/$(basename "$pagesim")
cd "$src"
mkdir -p tests/golden
for tr in traces/*.trace; do
    name=$(basename "$tr" .trace)
    "$pagesim" replay --log "$tr" > "tests/golden/$name.log"
    echo "wrote tests/golden/$name.log ($(wc -l < "tests/golden/$name.log") lines)"
done
# The digests of every output in every mode (tests/cli/outputs.sh).
PAGESIM="$pagesim" PAGESIM_SRC="$src" bash tests/cli/outputs.sh --write tests/golden/outputs.sha256
# Golden files of traces that no longer exist.
for gold in tests/golden/*.log; do
    name=$(basename "$gold" .log)
    [ -f "traces/$name.trace" ] || echo "stale: $gold (traces/$name.trace is gone)" >&2
done
