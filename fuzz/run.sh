#!/usr/bin/env bash
# fuzz/run.sh [SECONDS] - builds the libFuzzer targets with clang and runs each
# (the two parser fuzzers, then the machine fuzzer) for SECONDS (default 60)
# on its seed corpus. Exits non-zero when a target crashes, leaks, trips a
# sanitizer or finds a broken machine invariant (the reproducer is left in
# fuzz/artifacts/). Extra libFuzzer flags can come in FUZZ_FLAGS.
set -euo pipefail
secs=${1:-60}
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
# One build directory per checkout, so two clones never share one.
build=${FUZZ_BUILD:-/tmp/pagesim-fuzz-$(printf '%s' "$root" | cksum | cut -d' ' -f1)}

if ! command -v clang >/dev/null; then
    echo "fuzz: clang not found" >&2
    exit 1
fi
if [ ! -f "$build/build.ninja" ]; then
    rm -rf "$build"
    if ! CC=clang meson setup "$build" "$root" -Dfuzz=true -Dtests=false \
        --buildtype=debugoptimized >"$build.setup.log" 2>&1; then
        cat "$build.setup.log" >&2
        exit 1
    fi
fi
if ! ninja -C "$build" fuzz/fuzz_native fuzz/fuzz_mtrace fuzz/fuzz_machine >"$build.ninja.log" 2>&1; then
    cat "$build.ninja.log" >&2
    exit 1
fi

mkdir -p "$here/artifacts"
rc=0
for name in native mtrace machine; do
    work=$(mktemp -d)
    echo "fuzz: $name for ${secs}s"
    # The seed corpus is read-only input; new finds go to a scratch directory.
    if ! "$build/fuzz/fuzz_$name" -max_total_time="$secs" -max_len=4096 -timeout=10 \
        -rss_limit_mb=2048 -artifact_prefix="$here/artifacts/$name-" -print_final_stats=1 \
        ${FUZZ_FLAGS:-} "$work" "$here/corpus-$name" 2>"$work.log"; then
        tail -n 40 "$work.log" >&2
        rc=1
    fi
    grep -E '^stat::(number_of_executed_units|peak_rss_mb)|cov:' "$work.log" | tail -n 3 || true
    rm -rf "$work" "$work.log"
done
exit $rc
