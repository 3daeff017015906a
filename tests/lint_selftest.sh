#!/usr/bin/env bash
# The layer lint (tests/lint_layers.py) tested on a copy: it passes on the
# clean tree and fails, naming the culprit, on each injected fault:
#   - an upward include (`#include "cli/cli.h"` in replay/), a sideways one
#     (`#include "sim/machine.h"` in trace/) and one that names no header;
#   - a writable global in the sim library: `static int *counter;`,
#     `static const char *name;` (the pointer is writable), a `static struct
#     ... *p = &x;` (while a `static const char *const t[]` table passes);
#   - a mutating sim call (machine_malloc) from the cli library, a sim call
#     from the trace library.
# And the size lint (tests/lint_length.py) on the same copy: it passes on
# the clean tree, fails on a function of 101 lines without a "long:" comment
# above it and on a .c file of 901 lines, and passes the same long function
# once the comment is there.
# The libraries are copies of the build's (made into ordinary archives) with
# one extra object compiled from the injected source. Prints TAP.
#
# Usage: lint_selftest.sh SOURCE_ROOT BUILD_ROOT   ($LINT_CC: the C compiler)
set -u
src=$1
build=$2
cc=${LINT_CC:-cc}
here=$(cd "$(dirname "$0")" && pwd)
lint="$here/lint_layers.py"
work=$(mktemp -d "${TMPDIR:-/tmp}/pagesim-lint.XXXXXX")
trap 'rm -rf "$work"' EXIT
. "$(dirname "$0")/tap.sh"

# fresh: a clean copy of src/ in $work/t/src and of the libraries, as
# ordinary archives, in $work/t/build/src.
fresh() {
    rm -rf "$work/t"
    mkdir -p "$work/t/build/src"
    cp -r "$src/src" "$work/t/src"
    local lib name
    for name in sim trace replay cli ui; do
        lib=$(find "$build" -name "libpagesim_$name.a" -print -quit)
        [ -n "$lib" ] || return 1
        mapfile -t objs < <(cd "$(dirname "$lib")/.." && ar t "$lib")
        (cd "$(dirname "$lib")/.." && ar rcs "$work/t/build/src/libpagesim_$name.a" "${objs[@]}") || return 1
    done
}

# lint_fails WHAT PATTERN: the lint on the copy exits non-zero and its
# output matches PATTERN (the culprit is named).
lint_fails() {
    local out rc
    out=$(python3 "$lint" "$work/t" "$work/t/build" 2>&1)
    rc=$?
    if [ "$rc" -ne 0 ] && printf '%s\n' "$out" | grep -qE -- "$2"; then
        result "$1" 0
    else
        result "$1" 1 "exit $rc; $out"
    fi
}

# add_object LIB FILE: compiles the C file FILE (as the copy's source, -O0
# so that an unused static stays) and adds it to the copy's library LIB.
add_object() {
    local obj="$work/t/extra.$RANDOM.o"
    # shellcheck disable=SC2086
    $cc -O0 -fPIC -std=c11 -D_DEFAULT_SOURCE -I"$work/t/src" -I"$build" -c "$2" -o "$obj" &&
        ar rcs "$work/t/build/src/libpagesim_$1.a" "$obj"
}

if ! fresh; then
    result "the build's libraries are found and copied" 1
    echo "1..$n"
    exit 1
fi
out=$(python3 "$lint" "$work/t" "$work/t/build" 2>&1)
result "the lint passes on a clean copy of the tree" $? "$out"

# --- includes ---
sed -i '0,/^#include/s//#include "cli\/cli.h"\n#include/' "$work/t/src/replay/quiz.c"
grep -q '#include "cli/cli.h"' "$work/t/src/replay/quiz.c" || result "injected the upward include" 1
lint_fails "an upward include (cli/cli.h in replay/) fails the lint" \
    'src/replay/quiz.c:[0-9]+: #include "cli/cli.h": replay may not use cli'
fresh
printf '#include "sim/machine.h"\n' >>"$work/t/src/trace/trace.h"
lint_fails "a sideways include (sim/ in trace/) fails the lint" \
    'src/trace/trace.h:[0-9]+: #include "sim/machine.h": trace may not use sim'
fresh
printf '#include "nowhere/nothing.h"\n' >>"$work/t/src/ui/fmt.c"
lint_fails "an include that names no header fails the lint" 'src/ui/fmt.c:[0-9]+: #include "nowhere/nothing.h" names no header'
fresh
printf '/* #include "cli/cli.h" in a comment is no include */\n' >>"$work/t/src/sim/tlb.c"
out=$(python3 "$lint" "$work/t" "$work/t/build" 2>&1)
result "an include inside a comment is not one" $? "$out"

# --- writable globals in sim ---
for decl in 'static int *counter;' 'static const char *name;' \
    'static struct tlb *last = 0;' 'int tlb_lint_count;' 'static long hits[4];'; do
    fresh
    sed -i "\$a $decl" "$work/t/src/sim/tlb.c"
    if add_object sim "$work/t/src/sim/tlb.c"; then
        lint_fails "'$decl' in sim/tlb.c fails the lint" 'is writable'
    else
        result "'$decl' in sim/tlb.c compiles" 1
    fi
done
fresh
cat >"$work/t/ok_table.c" <<'EOC'
static const char *const names[] = {"a", "b"};
static const int sizes[] = {1, 2};
const char *lint_name(int i);
const char *lint_name(int i) { return names[i] + sizes[i]; }
EOC
add_object sim "$work/t/ok_table.c"
out=$(python3 "$lint" "$work/t" "$work/t/build" 2>&1)
result "const tables (static const char *const t[]) pass" $? "$out"

# --- linked symbols ---
fresh
cat >"$work/t/mutate.c" <<'EOC'
#include "sim/machine.h"
void cli_lint_probe(struct machine *m);
void cli_lint_probe(struct machine *m) { machine_malloc(m, 0, 16); }
EOC
add_object cli "$work/t/mutate.c"
lint_fails "a mutating sim call (machine_malloc) from cli fails the lint" \
    'cli calls sim functions outside its read-only list: machine_malloc'
fresh
cat >"$work/t/peek.c" <<'EOC'
#include "sim/machine.h"
struct machine_stats trace_lint_probe(const struct machine *m);
struct machine_stats trace_lint_probe(const struct machine *m) { return machine_stats(m); }
EOC
add_object trace "$work/t/peek.c"
lint_fails "a sim call from the trace library fails the lint" 'trace uses sim: machine_stats'

# --- sizes (lint_length.py) ---
length="$here/lint_length.py"
fresh
out=$(python3 "$length" "$work/t" 2>&1)
result "the size lint passes on a clean copy of the tree" $? "$out"
# long_function FILE: appends a function of 101 lines (signature to brace).
long_function() {
    {
        printf 'int lint_long_probe(int x);\nint lint_long_probe(int x)\n{\n'
        for _ in $(seq 97); do printf '    x++;\n'; done
        printf '    return x;\n}\n'
    } >>"$1"
}
long_function "$work/t/src/sim/tlb.c"
out=$(python3 "$length" "$work/t" 2>&1)
if [ $? -ne 0 ] && printf '%s\n' "$out" | grep -qE 'src/sim/tlb.c:[0-9]+: function lint_long_probe is 101 lines'; then
    result "a 101-line function without a long: comment fails the size lint" 0
else
    result "a 101-line function without a long: comment fails the size lint" 1 "$out"
fi
fresh
printf '/* long: a probe of the size lint, long on purpose. */\n' >>"$work/t/src/sim/tlb.c"
long_function "$work/t/src/sim/tlb.c"
out=$(python3 "$length" "$work/t" 2>&1)
result "the same function under a long: comment passes the size lint" $? "$out"
fresh
for _ in $(seq 901); do echo; done >"$work/t/src/sim/lint_big.c"
out=$(python3 "$length" "$work/t" 2>&1)
if [ $? -ne 0 ] && printf '%s\n' "$out" | grep -qE 'src/sim/lint_big.c: 901 lines'; then
    result "a .c file of 901 lines fails the size lint" 0
else
    result "a .c file of 901 lines fails the size lint" 1 "$out"
fi

echo "1..$n"
[ "$fails" -eq 0 ]
