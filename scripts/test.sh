#!/usr/bin/env bash
# Builds pagesim and runs the whole test suite (README's test command).
#   scripts/test.sh              warnings as errors, debug-optimized build in build/
#   scripts/test.sh --sanitize   the same under AddressSanitizer and UBSan, in build-san/
# Prints a closing line "N passed, N failed" (tests counted by meson).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh

dir=build
opts=(-Dwerror=true)
if [ "${1:-}" = "--sanitize" ]; then
    dir=build-san
    opts+=(-Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug)
fi

if [ -d "$dir" ]; then
    meson setup --reconfigure "$dir" "${opts[@]}" >/dev/null
else
    meson setup "$dir" "${opts[@]}" >/dev/null
fi
ninja -C "$dir"

export UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1
set +e
meson test -C "$dir" --print-errorlogs --num-processes 2
status=$?
set -e

log="$dir/meson-logs/testlog.json"
if [ -f "$log" ]; then
    python3 - "$log" <<'PY'
import json, sys
ok = bad = skip = 0
for line in open(sys.argv[1]):
    r = json.loads(line).get("result")
    if r in ("OK", "EXPECTEDFAIL"):
        ok += 1
    elif r == "SKIP":
        skip += 1
    else:
        bad += 1
print(f"{ok} passed, {bad} failed" + (f", {skip} skipped" if skip else ""))
PY
fi
exit $status
