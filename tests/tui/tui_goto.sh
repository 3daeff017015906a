#!/usr/bin/env bash
# Terminal test: long forward moves (> and g N) run in chunks inside the main
# loop. On a large trace built here, the status line shows the move under way,
# any key stops it where it is, q quits at once (terminal restored), and a
# move left alone reaches its target; backward moves stay immediate.
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
cleanup_goto() {
    cleanup
    rm -rf "$tmp"
}
trap cleanup_goto EXIT

# One malloc, then many writes of one byte: cheap to parse, slow enough to
# replay that a move to the end spans many chunks.
writes=${PAGESIM_GOTO_WRITES:-1000000}
trace="$tmp/big.trace"
{
    echo "ram 16M"
    echo "paging 32"
    echo "malloc a 64"
    yes "write a 0 1" | head -n "$writes"
} >"$trace"
nops=$((writes + 1))
mid=$((nops / 2))

ms() { date +%s%3N; }

start_shell 100 30
run_pagesim "$trace"
wait_for "op 0/$nops " 60
ok $? "the large trace ($nops operations) opens at op 0"

keys '>'
wait_for "going to op $nops\.\.\. [0-9]+%|op $nops/$nops " 10
ok $? "> shows the move to the end under way (or has reached it)"
wait_for "op $nops/$nops " 120
ok $? "> reaches the end when left alone"
screen | grep -q "going to op"
[ $? -ne 0 ]
ok $? "the progress note is gone at the end"

# The Log view's history is what one move to the end records: the boot's
# events, then the last operations' only (not the tail of every chunk).
keys 6
for _ in $(seq 1 80); do keys PPage; done
sleep 0.5
first=
for _ in 1 2 3 4 5 6; do # past the boot's events, a page at a time
    first=$(screen | sed -nE 's/^([0-9]+) L[0-9]+ .*/\1/p' | head -n 1)
    [ -n "$first" ] && break
    keys NPage
    sleep 0.3
done
[ -n "$first" ] && [ "$first" -ge $((nops - 64)) ]
ok $? "after >, the Log view holds the last operations' events only (first: op ${first:-?})"
keys 1

keys '<'
wait_for "op 0/$nops " 5
ok $? "< goes back to the start at once"

keys g
wait_for "go to operation \(0\.\.$nops\)"
keys "$mid" Enter
wait_for "going to op $mid\.\.\.|op $mid/$nops " 10
ok $? "g $mid shows the move under way (or has reached it)"
wait_for "op $mid/$nops " 120
ok $? "g $mid reaches operation $mid exactly"

keys '<'
wait_for "op 0/$nops " 5
keys '>'
if wait_for "going to op $nops\.\.\. [0-9]+%" 10; then
    keys Escape
    wait_for "stopped at op [0-9]+ \(go to op $nops cancelled\)" 2
    st=$?
    # The cursor stays where the move stopped, short of the end.
    k=$(screen | sed -nE "s/.* op ([0-9]+)\/$nops .*/\1/p" | head -n 1)
    [ $st -eq 0 ] && [ -n "$k" ] && [ "$k" -lt "$nops" ] && [ "$k" -gt 0 ]
    ok $? "Esc stops the move where it is (op ${k:-?})"
    sleep 0.3
    k2=$(screen | sed -nE "s/.* op ([0-9]+)\/$nops .*/\1/p" | head -n 1)
    [ "$k" = "$k2" ]
    ok $? "after Esc the cursor stays put"
else
    ok 1 "Esc stops the move where it is (the move was never seen under way)"
    ok 1 "after Esc the cursor stays put"
fi

keys '<'
wait_for "op 0/$nops " 5
keys '>'
if wait_for "going to op $nops\.\.\. [0-9]+%" 10; then
    t0=$(ms)
    keys q
    wait_for "EXIT=0" 5
    st=$?
    t1=$(ms)
    [ $st -eq 0 ] && [ $((t1 - t0)) -lt 1000 ]
    ok $? "q during the move quits within 1 s ($((t1 - t0)) ms)"
else
    ok 1 "q during the move quits within 1 s (the move was never seen under way)"
    keys q
    wait_for "EXIT=0" 5
fi
[ "$(tmux_ display-message -p -t main '#{alternate_on}')" = 0 ]
ok $? "quitting during the move leaves the alternate screen"
keys "clear; stty -a | tr ' ;' '\n\n' | grep -xE 'icanon|echo' | sort | tr '\n' ' '; echo" Enter
wait_for "^echo icanon *$"
ok $? "quitting during the move restores the terminal modes (echo, icanon)"
finish
