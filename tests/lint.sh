#!/usr/bin/env bash
# Layering and style lint (STYLE.md 1.3): curses only in src/ui/ (and the ui
# tests and render benchmark), sim/ does no I/O, files and functions stay
# within issue 10's size limits, every source is clang-formatted. The layer table itself is tests/lint_layers.py.
# Prints TAP.
set -u
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root" || exit 1
n=0
fails=0
check() { # name, command...
    local name=$1
    shift
    n=$((n + 1))
    local out
    if out=$("$@" 2>&1); then
        echo "ok $n - $name"
    else
        echo "not ok $n - $name"
        printf '%s\n' "$out" | sed 's/^/# /'
        fails=$((fails + 1))
    fi
}
none() { # fails when the grep finds anything
    ! grep -nE "$@"
}

check "nothing outside src/ui/ includes curses" \
    none -r --include='*.c' --include='*.h' '#[[:space:]]*include[[:space:]]*[<"](n?curses|ncursesw|term\.h|panel\.h)' \
    src/sim src/trace src/replay src/cli src/main.c
check "sim/ includes no standard I/O header" \
    none -r --include='*.c' --include='*.h' '#[[:space:]]*include[[:space:]]*<(stdio|fcntl|unistd|time|sys/stat|sys/time|dirent|termios|signal)\.h>' src/sim
# Code only: comments are stripped first (they may well say "a write (#GP)").
code_of() {
    for f in "$@"; do
        sed -e 's://.*$::' -e 's:/\*.*\*/::g' "$f" | grep -vE '^[[:space:]]*(/\*|\*)' |
            sed "s|^|$f: |"
    done
}
no_io_calls() {
    ! code_of src/sim/*.c src/sim/*.h |
        grep -wE '(printf|fprintf|puts|fopen|fwrite|fread|open|read|write|exit|abort|time|clock|clock_gettime|rand|srand|getenv)[[:space:]]*\('
}
check "sim/ calls no I/O, clock or exit function" no_io_calls

# Issue 10: the per-mode shifts (21, 22, 30, 39, 47, 48) are the paging
# description's (src/sim/paging.h, src/sim/x86.h, src/arch/): the MMU, VMM,
# TLB, views, quiz, --log and cli read a mode's row or a named constant,
# never a literal next to << or >>. Comments do not count; a shift that is
# no paging fact (a hash's mixing) carries /* not paging */ on its line.
paging_shift_literals() {
    local f files
    mapfile -t files < <(
        ls src/sim/mmu.[ch] src/sim/vmm.[ch] src/sim/tlb.[ch] src/replay/quiz.c src/replay/eventfmt.c
        find src/ui src/cli -name '*.[ch]' | sort
    )
    for f in "${files[@]}"; do
        grep -nE '(<<|>>)[[:space:]]*(21|22|30|39|47|48)([^0-9]|$)' "$f" |
            grep -v 'not paging' |
            grep -vE '^[0-9]+:[[:space:]]*(/\*|\*)' |
            sed -e 's://.*$::' -e 's:/\*.*\*/::g' |
            grep -E '(<<|>>)[[:space:]]*(21|22|30|39|47|48)([^0-9]|$)' |
            sed "s|^|$f:|"
    done | { ! grep .; }
}
check "no per-mode shift literal outside the paging description" paging_shift_literals
# Issue 10's size limits: no src/ .c file over 900 lines, no function over
# 100 unless a "long:" comment above it says why (tests/lint_length.py).
check "no .c file over 900 lines, no unmarked function over 100" \
    python3 tests/lint_length.py "$root"
# Which layer may include and link which, and sim's lack of writable
# globals, are checked from a table and the compiled libraries by
# tests/lint_layers.py (test lint_layer_table), not here.

if command -v clang-format >/dev/null 2>&1; then
    mapfile -t files < <(git ls-files '*.c' '*.h' 2>/dev/null || find src tests bench fuzz -name '*.[ch]')
    check "sources are clang-formatted" clang-format --dry-run --Werror "${files[@]}"
fi

echo "1..$n"
[ "$fails" -eq 0 ]
