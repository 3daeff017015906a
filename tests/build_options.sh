#!/usr/bin/env bash
# Build options mean what they say: a build configured with -Dtests=false
# declares no test and builds no test program (benchmarks are not tests and
# stay). Configures a fresh build directory (nothing is compiled) and reads
# it with `meson introspect` and `ninja -t targets`. Prints TAP.
#
# Usage: build_options.sh SOURCE_ROOT
set -u
src=$1
work=$(mktemp -d "${TMPDIR:-/tmp}/pagesim-opts.XXXXXX")
trap 'rm -rf "$work"' EXIT
. "$(dirname "$0")/tap.sh"

b="$work/notests"
out=$(meson setup "$b" "$src" -Dtests=false 2>&1)
result "meson setup -Dtests=false configures" $? "$out"
tests=$(meson introspect "$b" --tests 2>&1)
python3 -c 'import json,sys; sys.exit(0 if json.loads(sys.argv[1]) == [] else 1)' "$tests" 2>/dev/null
result "-Dtests=false: meson introspect --tests is empty" $? \
    "$(printf '%s' "$tests" | python3 -c 'import json,sys; print("\n".join(t["name"] for t in json.load(sys.stdin)))' 2>&1)"
targets=$(ninja -C "$b" -t targets all 2>&1)
found=$(printf '%s\n' "$targets" | grep -E '(^|/)test_[^/:]*:' || true)
[ -z "$found" ]
result "-Dtests=false: no test_* program among the ninja targets" $? "$found"
printf '%s\n' "$targets" | grep -qE '(^|/)pagesim:'
result "-Dtests=false: pagesim itself is still built" $? "$(printf '%s\n' "$targets" | head -20)"

echo "1..$n"
[ "$fails" -eq 0 ]
