#!/usr/bin/env bash
# Builds pagesim and opens the visualizer on the first lesson (README's demo
# command). Extra arguments go to pagesim, e.g. scripts/demo.sh --paging long
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
[ -d build ] || meson setup build >/dev/null
ninja -C build >/dev/null
exec build/src/pagesim "$@" traces/01-first-allocation.trace
