#!/usr/bin/env bash
# cli_basic.sh - CONTRACT 1 at the command line: --help/-h on stdout exit 0,
# --version, bad command lines (short usage on stderr, exit 2, nothing on
# stdout), unreadable files and syntax errors (FILE:LINE:COL: error:, exit
# 1, nothing on stdout).
. "$(dirname "$0")/lib.sh"
set -e
T="$PAGESIM_SRC/traces/mistakes.trace"
E="$WORK/err"
O="$WORK/out"

for h in --help -h; do
    run_pagesim "$O" "$E" $h
    expect_rc "pagesim $h" 0
    expect_grep "pagesim $h prints usage on stdout" '^usage: pagesim' "$O"
    expect_grep "pagesim $h lists --save-ram" 'save-ram' "$O"
    expect_empty "pagesim $h writes nothing to stderr" "$E"
done
run_pagesim "$O" "$E" replay --help
expect_rc "pagesim replay --help" 0
expect_grep "replay --help prints usage" '^usage: pagesim' "$O"

run_pagesim "$O" "$E" --version
expect_rc "pagesim --version" 0
expect_grep "--version prints pagesim X.Y.Z" '^pagesim [0-9]+\.[0-9]+\.[0-9]+$' "$O"

# Bad command lines: exit 2, usage on stderr, nothing on stdout.
bad_lines=(
    ""
    "replay"
    "translate $T"
    "replay --bogus $T"
    "replay --ram $T"
    "replay --ram 5000 $T"
    "replay --ram 0 $T"
    "replay --ram 100G $T"
    "replay --ram lots $T"
    "replay --paging 48 $T"
    "replay --tlb 12:4 $T"
    "replay --tlb 0 $T"
    "replay --tlb 8:16 $T"
    "replay --at -3 $T"
    "replay --at x $T"
    "replay $T $T"
    "replay --write $T"
    "replay --save-ram"
    "translate $T zzz"
    "translate $T 0x1g"
    "translate --write --exec $T 0x1000"
    "translate --log $T 0x1000"
    "translate - -"
    "--bogus $T"
    "$T extra"
)
for line in "${bad_lines[@]}"; do
    # shellcheck disable=SC2086
    run_pagesim "$O" "$E" $line
    expect_rc "bad command line '$line'" 2
    expect_empty "bad command line '$line': nothing on stdout" "$O"
    expect_grep "bad command line '$line': usage on stderr" '^usage: pagesim' "$E"
done

# Unreadable file: exit 1, FILE:LINE:COL: error:, nothing on stdout.
for cmd in replay "replay --json" "translate"; do
    extra=""
    [ "$cmd" = translate ] && extra=0x1000
    # shellcheck disable=SC2086
    run_pagesim "$O" "$E" $cmd "$WORK/missing.trace" $extra
    expect_rc "$cmd of a missing file" 1
    expect_empty "$cmd of a missing file: nothing on stdout" "$O"
    expect_grep "$cmd of a missing file: FILE:LINE:COL: error:" \
        "^$WORK/missing.trace:[0-9]+:[0-9]+: error: .*" "$E"
done

# Syntax errors name the offending token at its line and column.
printf 'ram 16M\nmalloc a 100\nmallok b 10\n' > "$WORK/syn.trace"
run_pagesim "$O" "$E" replay "$WORK/syn.trace"
expect_rc "syntax error" 1
expect_empty "syntax error: nothing on stdout" "$O"
expect_grep "syntax error: at 3:1 naming 'mallok'" "^$WORK/syn.trace:3:1: error: .*mallok" "$E"

printf 'malloc a 100\nwrite a zz 4\n' > "$WORK/syn2.trace"
run_pagesim "$O" "$E" replay --json "$WORK/syn2.trace"
expect_rc "bad number" 1
expect_empty "bad number: nothing on stdout" "$O"
expect_grep "bad number: at 2:9 naming 'zz'" "^$WORK/syn2.trace:2:9: error: .*zz" "$E"

printf 'ram 5000\nmalloc a 1\n' > "$WORK/range.trace"
run_pagesim "$O" "$E" replay "$WORK/range.trace"
expect_rc "RAM size out of range in the trace" 1
expect_grep "RAM size out of range: FILE:LINE:COL: error:" "^$WORK/range.trace:[0-9]+:[0-9]+: error: " "$E"

# Configurations the machine cannot have are named precisely, at their line.
printf 'paging pse\nram 8G\nmalloc a 1\n' > "$WORK/bigram.trace"
run_pagesim "$O" "$E" replay "$WORK/bigram.trace"
expect_rc "8G of RAM in pse mode" 1
expect_grep "8G in pse: at the ram line, says why" \
    "^$WORK/bigram.trace:2:5: error: RAM of 8G is more than PSE paging's 32-bit entries" "$E"
run_pagesim "$O" "$E" replay --paging long "$WORK/bigram.trace"
expect_rc "the same trace in long mode" 0
printf 'ram 8G\npaging pae\nidentity 0x100000000 0x1000 high\n' > "$WORK/highid.trace"
run_pagesim "$O" "$E" replay "$WORK/highid.trace"
expect_rc "identity map above 4 GiB in pae" 1
expect_grep "identity above 4 GiB in pae: at its line, naming the start" \
    "^$WORK/highid.trace:3:10: error: identity range \\[0x100000000, 0x100001000\\) reaches past 0x100000000: in PAE paging the 4 GiB linear" "$E"

# Standard input as TRACE.
set +e
printf 'malloc a 10\nwrite a 0 1\n' | "$PAGESIM" replay --json - > "$O" 2> "$E"
RC=$?
set -e
expect_rc "replay - reads stdin" 0
expect_grep "replay - names the trace -" '"trace": "-"' "$O"
set +e
printf 'malloc a 10\nbad line\n' | "$PAGESIM" replay - > "$O" 2> "$E"
RC=$?
set -e
expect_rc "replay - with an error" 1
expect_grep "stdin error is -:2:1: error:" '^-:2:1: error: ' "$E"

# Interactive mode without a terminal on stdin: exit status from ui_main,
# no crash.
set +e
"$PAGESIM" "$T" < /dev/null > "$O" 2> "$E"
RC=$?
set -e
if [ "$RC" -eq 0 ] || [ "$RC" -eq 1 ] || [ "$RC" -eq 2 ]; then
    ok "interactive mode without a terminal exits cleanly ($RC)"
else
    not_ok "interactive mode without a terminal exits cleanly ($RC)"
fi

done_testing
