#!/usr/bin/env bash
# Terminal test: small things a user hits (issue 11 item 7), at 80x24 and
# 120x40. g past the end (g 999 in a 10-operation lesson) goes to the end
# and says on the status lines that it clamped; so does a long move past the
# end (run in chunks with the test clock), once it arrives. An option's value
# the machine cannot take (--ram 8G in 32-bit paging) names the option, not
# a line of the trace, exit 2, with the terminal untouched.
. "$(dirname "$0")/lib.sh"
lesson="$PAGESIM_SRC/traces/01-first-allocation.trace"
nops=$("$PAGESIM" replay --json "$lesson" | sed -nE 's/.*"operations": *([0-9]+).*/\1/p')
tmp=$(mktemp -d)
trap 'cleanup; rm -rf "$tmp"' EXIT
# The top two rows: the status line and the note/caption row.
top_shows() { screen | head -n 2 | tr -d '\n' | grep -qE -- "$1"; }

for size in "80 24" "120 40"; do
    set -- $size
    w=$1 h=$2
    start_shell "$w" "$h"
    run_pagesim "$lesson"
    wait_for "op 0/$nops "
    keys g
    wait_for "go to operation \(0\.\.$nops\)"
    keys -l 999
    keys Enter
    wait_for "op $nops/$nops " && poll top_shows "op 999 is past the end: clamped to the last, op $nops"
    ok $? "${w}x$h: g 999 goes to op $nops/$nops and says it clamped"
    keys b
    wait_for "op $((nops - 1))/$nops " && ! top_shows "clamped"
    ok $? "${w}x$h: the next key clears the note"
    keys g
    wait_for "go to operation"
    keys -l 3
    keys Enter
    wait_for "op 3/$nops " && ! top_shows "clamped|past the end"
    ok $? "${w}x$h: g 3 (in range) says nothing of clamping"
    keys q
    wait_for "EXIT=0"
    ok $? "${w}x$h: q quits"

    run_pagesim --ram 8G "$lesson"
    wait_for "EXIT=2"
    screen | grep -q "^pagesim: --ram 8G: RAM of 8G is more than" &&
        ! screen | grep -qE ':[0-9]+:[0-9]+: error'
    ok $? "${w}x$h: the visualizer's --ram 8G names the option, exit 2"
    pane_is '#{alternate_on}' 0
    ok $? "${w}x$h: and the terminal was never taken over"
    tmux_ kill-server
    SOCK="$SOCK-next" # a fresh server for the next size, never the dying one
done

# A long move past the end, in chunks: the note comes when it arrives.
trace="$tmp/big.trace"
{
    echo "malloc a 64"
    yes "write a 0 1" | head -n 5000
} >"$trace"
start_shell 100 30 PAGESIM_TEST_CLOCK=tick PAGESIM_TEST_CHUNK=1000
run_pagesim "$trace"
wait_for "op 0/5001 "
keys g
wait_for "go to operation"
keys -l 99999
keys Enter
wait_for "going to op 5001"
ok $? "a long g 99999 runs as a move to the end (5001)"
for i in 1 2 3 4 5; do tick; done
wait_for "op 5001/5001 " && poll top_shows "op 99999 is past the end: clamped to the last, op 5001"
ok $? "when the move arrives, the note says it clamped"
keys q
wait_for "EXIT=0"
finish
