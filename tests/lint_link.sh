#!/usr/bin/env bash
# The program's link enforces the layers (src/meson.build, scripts/prelink.py):
# ui/ and cli/ link replay's view of the machine, one object in which, of
# sim's functions, only the read-only ones of src/replay/view.sym are
# global. Checked here on that object:
#   - every function of view.sym is global in it, and no other function
#     the sim library defines is;
#   - a program calling a reader (machine_config) and replay (timeline_pos)
#     links against it;
#   - the same program calling machine_malloc does not: "undefined
#     reference" naming it, while against the plain libraries it links
#     (so the failure is the view's doing, not a broken test program).
# Prints TAP.
#
# Usage: lint_link.sh SOURCE_ROOT VIEW_OBJECT SIM_LIB TRACE_LIB REPLAY_LIB
#        ($LINT_CC: the C compiler; $LINT_FLAGS: the build's -fsanitize flag, if any)
set -u
src=$1
view=$2
simlib=$3
tracelib=$4
replaylib=$5
cc=${LINT_CC:-cc}
# shellcheck disable=SC2206 # flags are words
flags=(${LINT_FLAGS:-})
work=$(mktemp -d "${TMPDIR:-/tmp}/pagesim-link.XXXXXX")
trap 'rm -rf "$work"' EXIT
. "$(dirname "$0")/tap.sh"

readers=$(grep -v '^#' "$src/src/replay/view.sym" | grep -v '^$' | sort)
globals=$(nm -g --defined-only "$view" | awk 'NF == 3 { print $3 }' | sort)
sim=$(nm -g --defined-only "$simlib" | awk 'NF == 3 { print $3 }' | sort -u)

missing=$(comm -23 <(printf '%s\n' "$readers") <(printf '%s\n' "$globals"))
[ -n "$readers" ] && [ -z "$missing" ]
result "every function of view.sym is global in the view" $? "missing: $missing"

extra=$(comm -12 <(printf '%s\n' "$sim") <(printf '%s\n' "$globals") |
    comm -23 - <(printf '%s\n' "$readers"))
[ -n "$sim" ] && [ -z "$extra" ]
result "no other function of the sim library is global in the view" $? "global: $extra"

# prog WITH_MALLOC: a program as cli/ would write it.
prog() {
    cat > "$work/p.c" <<PROG
#include "replay/timeline.h"
#include "sim/machine.h"
int main(int argc, char **argv)
{
    (void)argv;
    const struct timeline *tl = 0;
    if (argc > 99) {
        timeline_pos(tl);
        machine_config(timeline_machine(tl));
        if ($1)
            machine_malloc((struct machine *)timeline_machine(tl), 0, 1);
    }
    return 0;
}
PROG
    $cc "${flags[@]}" -O0 -std=c11 -D_DEFAULT_SOURCE -I"$src/src" -c "$work/p.c" -o "$work/p.o"
}

out=$(prog 0 2>&1 && $cc "${flags[@]}" -o "$work/p" "$work/p.o" "$view" 2>&1)
result "a program calling a reader and replay links against the view" $? "$out"

out=$(prog 1 2>&1 && $cc "${flags[@]}" -o "$work/p" "$work/p.o" "$replaylib" "$tracelib" "$simlib" 2>&1)
result "calling machine_malloc links against the plain libraries" $? "$out"

out=$(prog 1 2>&1 && $cc "${flags[@]}" -o "$work/p" "$work/p.o" "$view" 2>&1)
rc=$?
[ "$rc" -ne 0 ] && printf '%s\n' "$out" | grep -q "undefined reference to .machine_malloc"
result "calling machine_malloc does not link against the view" $? "exit $rc; $out"

echo "1..$n"
[ "$fails" -eq 0 ]
