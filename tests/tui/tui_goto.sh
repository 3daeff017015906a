#!/usr/bin/env bash
# Terminal test: long forward moves (> and g N) run in chunks inside the main
# loop. With the test's clock (PAGESIM_TEST_CLOCK=tick) and chunks of 1000
# operations (PAGESIM_TEST_CHUNK=1000), a move runs its first chunk and then
# one chunk per tick, so the test sees it under way at exactly known
# operations however fast the machine is: the status line shows the
# progress, any key stops the move where it is, q quits at once (terminal
# restored), a move reaches its target exactly, and backward moves stay
# immediate. Then, with the real clock and no hook, a move left alone
# reaches the end.
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
cleanup_goto() {
    cleanup
    rm -rf "$tmp"
}
trap cleanup_goto EXIT

# One malloc, then many writes of one byte.
writes=20000
trace="$tmp/big.trace"
{
    echo "ram 16M"
    echo "paging 32"
    echo "malloc a 64"
    yes "write a 0 1" | head -n "$writes"
} >"$trace"
nops=$((writes + 1))
mid=10000
chunk=1000

# Waits until the keys sent before were read: the help screen opens and
# closes (it changes neither the cursor nor a view's scrolling).
sync_keys() {
    keys '?'
    wait_for "play / pause the replay" >/dev/null || return 1
    keys x
    wait_gone "play / pause the replay" >/dev/null
}

start_shell 100 30 PAGESIM_TEST_CLOCK=tick PAGESIM_TEST_CHUNK=$chunk
run_pagesim "$trace"
wait_for "op 0/$nops "
ok $? "the large trace ($nops operations) opens at op 0"

keys '>'
wait_for "op $chunk/$nops .*PAUSED" && wait_for "going to op $nops\.\.\. 4% \(any key stops, q quits\)"
ok $? "> starts the move: its first chunk is run, the progress is shown"
tick
wait_for "op $((2 * chunk))/$nops " && wait_for "going to op $nops\.\.\. 9% "
ok $? "each tick runs one more chunk"
for ((i = 2; i < nops / chunk; i++)); do tick; done
wait_for "op $((nops / chunk * chunk))/$nops " && wait_for "going to op $nops\.\.\. 99% "
ok $? "the last chunk before the end: op $((nops / chunk * chunk)), 99%"
tick
wait_for "op $nops/$nops " && wait_gone "going to op"
ok $? "the next tick reaches the end, and the progress note goes"

# The Log view's history is what one move to the end records: the boot's
# events, then the last operations' only (not the tail of every chunk).
keys 6
wait_for "6 Log \*"
for _ in $(seq 1 80); do keys PPage; done
sync_keys
first=
for _ in $(seq 1 20); do # past the boot's events, a page at a time
    first=$(screen | sed -nE 's/^([0-9]+) L[0-9]+ .*/\1/p' | head -n 1)
    [ -n "$first" ] && break
    keys NPage
    sync_keys
done
[ -n "$first" ] && [ "$first" -ge $((nops - 64)) ]
ok $? "after >, the Log view holds the last operations' events only (first: op ${first:-?})"
keys 1
wait_for "1 Frames \*"

keys '<'
wait_for "op 0/$nops "
keys '>'
wait_for "going to op $nops\.\.\. 4% "
tick
wait_for "op $((2 * chunk))/$nops "
keys Escape
wait_for "stopped at op $((2 * chunk)) \(go to op $nops cancelled\)" &&
    wait_for "op $((2 * chunk))/$nops "
ok $? "Esc stops the move where it is"
tick
sync_keys
[ "$(op_now)" = $((2 * chunk)) ] && hides "going to op"
ok $? "after Esc the cursor stays put (a tick runs nothing)"

keys '<'
wait_for "op 0/$nops "
ok $? "< goes back to the start at once"

keys g
wait_for "go to operation \(0\.\.$nops\)"
keys "$mid" Enter
wait_for "op $chunk/$nops " && wait_for "going to op $mid\.\.\. 10% "
ok $? "g $mid starts the move under way"
for ((i = 1; i < mid / chunk; i++)); do tick; done
wait_for "op $mid/$nops " && wait_gone "going to op"
ok $? "g $mid reaches operation $mid exactly, and the progress note goes"

keys '<'
wait_for "op 0/$nops "
keys '>'
wait_for "going to op $nops\.\.\. 4% "
keys q
wait_for "EXIT=0"
ok $? "q during the move quits"
[ "$(pane '#{alternate_on}')" = 0 ]
ok $? "quitting during the move leaves the alternate screen"
check_modes
ok $? "quitting during the move restores the terminal modes (echo, icanon)"

# The real clock, chunks of about 20 ms: a move left alone gets there.
tmux_ send-keys -t main "clear; env -u PAGESIM_TEST_CLOCK -u PAGESIM_TEST_CHUNK $PAGESIM $trace; echo EXIT=\$?" Enter
wait_for "op 0/$nops "
keys '>'
wait_for "op $nops/$nops " && wait_gone "going to op"
ok $? "without test hooks, > left alone reaches the end"
keys q
wait_for "EXIT=0"
ok $? "q quits"
finish
