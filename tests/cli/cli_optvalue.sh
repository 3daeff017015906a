#!/usr/bin/env bash
# cli_optvalue.sh - an option's value that the machine cannot take is a
# command-line error (CONTRACT 1, exit 2): the message names the option and
# its value ("pagesim: --ram 8G: ..."), never a line of the trace
# ("FILE:1:1: error"), and nothing goes to stdout. For every command and
# every path through it: replay loading (--log, --strict) or streamed,
# translate (text and --json), standard input, an mtrace log, and the quiz.
# The visualizer's --ram 8G (checked against the trace's paging, once it is
# loaded, after the terminal) is tests/tui/tui_small.sh.
. "$(dirname "$0")/lib.sh"
set -e
E="$WORK/err"
O="$WORK/out"
N="$PAGESIM_SRC/traces/01-first-allocation.trace"
M="$PAGESIM_SRC/traces/mtrace_small.trace"

# names NAME OPTION-AND-VALUE ARGS...: exit 2, "pagesim: OPTION VALUE: " on
# stderr, no "FILE:LINE:COL", nothing on stdout.
names() {
    local name=$1 want=$2
    shift 2
    run_pagesim "$O" "$E" "$@"
    expect_rc "$name" 2
    expect_grep "$name: names '$want'" "^pagesim: $want: " "$E"
    if grep -qE ':[0-9]+:[0-9]+: error' "$E"; then
        not_ok "$name: no FILE:LINE:COL" "$(cat "$E")"
    else
        ok "$name: no FILE:LINE:COL"
    fi
    expect_empty "$name: nothing on stdout" "$O"
}

names "replay --ram 8G" "--ram 8G" replay --ram 8G "$N"
names "replay --json --ram 8G" "--ram 8G" replay --json --ram 8G "$N"
names "replay --log --ram 8G" "--ram 8G" replay --log --ram 8G "$N"
names "replay --strict --ram=8G" "--ram 8G" replay --strict --ram=8G "$N"
names "replay --ram 8G of an mtrace log" "--ram 8G" replay --ram 8G "$M"
set +e
"$PAGESIM" replay --ram 8G - < "$N" > "$O" 2> "$E"
RC=$?
set -e
expect_rc "replay --ram 8G - (stdin)" 2
expect_grep "replay --ram 8G - (stdin): names the option" '^pagesim: --ram 8G: ' "$E"
names "translate --ram 8G" "--ram 8G" translate --ram 8G "$N" 0xd0000000
names "translate --json --ram 8G" "--ram 8G" translate --json --ram 8G "$N" 0xd0000000
names "translate --at 2 --ram 8G" "--ram 8G" translate --at 2 --ram 8G "$N" 0xd0000000
names "replay --ram 5000" "--ram 5000" replay --ram 5000 "$N"
names "translate --tlb 12:4" "--tlb 12:4" translate --tlb 12:4 "$N" 0x1000
names "replay --paging 48" "--paging 48" replay --paging 48 "$N"
names "replay --at x" "--at x" replay --at x "$N"
names "translate --ram lots" "--ram lots" translate --ram lots "$N" 0x1000
# The visualizer parses its options before it looks for a terminal.
names "the visualizer's --ram 5000" "--ram 5000" --ram 5000 "$N"
names "the visualizer's --tlb 12:4" "--tlb 12:4" --tlb 12:4 "$N"
names "the visualizer's --paging 48" "--paging 48" --paging 48 "$N"
run_pagesim "$O" "$E" quiz --ram 5000
expect_rc "quiz --ram 5000" 2
expect_grep "quiz --ram 5000: names the option" '^pagesim: quiz: --ram 5000: ' "$E"
expect_empty "quiz --ram 5000: nothing on stdout" "$O"

# The same values where the machine takes them: no error.
run_pagesim "$O" "$E" replay --ram 8G --paging pae "$N"
expect_rc "replay --ram 8G --paging pae" 0
run_pagesim "$O" "$E" translate --ram 8G --paging long "$N" 0xd0000000
expect_rc "translate --ram 8G --paging long" 0

done_testing
