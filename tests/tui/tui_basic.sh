#!/usr/bin/env bash
# Terminal test: the status line of CONTRACT 4, step, back, step into, help,
# the go-to and translate prompts, playback (paced by the test's clock, so
# its every step is seen), quit restoring the terminal, the exit status 2
# without a terminal or with `-`, and the signals: SIGINT, SIGTERM and
# SIGQUIT (Ctrl-\) restore the terminal and end the program; Ctrl-Z and `fg`
# leave and re-enter the visualizer with keypad and mouse modes back on.
. "$(dirname "$0")/lib.sh"
trace="$PAGESIM_SRC/traces/01-first-allocation.trace"
nops=$(grep -cvE '^[[:space:]]*(#|$)|^(ram|paging|tlb|reserve|identity|expect) ' "$trace")
tmp=$(mktemp -d)
cleanup_basic() {
    cleanup
    rm -rf "$tmp"
}
trap cleanup_basic EXIT

"$PAGESIM" - </dev/null >/dev/null 2>"$tmp/err"
st=$?
[ $st -eq 2 ] && grep -q 'standard input' "$tmp/err"
ok $? "'-' as the trace: a message and exit 2"
"$PAGESIM" "$trace" </dev/null >/dev/null 2>"$tmp/err"
st=$?
[ $st -eq 2 ] && grep -q 'terminal' "$tmp/err"
ok $? "no terminal: a message and exit 2"

# The test's clock: playback moves only when the test ticks (F12).
start_shell 100 30 PAGESIM_TEST_CLOCK=tick
run_pagesim "$trace"
wait_for "op 0/$nops \| 32 \| CR0=0x[0-9a-f]+ CR2=0x[0-9a-f]+ CR3=0x[0-9a-f]+ CR4=0x[0-9a-f]+ \| PAUSED" &&
    wait_for "01-first-allocation.trace +boot"
ok $? "status rows: trace, op 0/$nops, mode, CR0, CR2, CR3, CR4, paused, the trace line"

keys n
wait_for "op 1/$nops "
ok $? "n steps one operation"
keys Right
wait_for "op 2/$nops "
ok $? "right steps one operation"
keys b
wait_for "op 1/$nops "
ok $? "b steps back"
keys Left
wait_for "op 0/$nops "
ok $? "left steps back"

keys g
wait_for "go to operation \(0\.\.$nops\)"
ok $? "g opens the go-to prompt"
keys 3 Enter
wait_for "op 3/$nops "
ok $? "the go-to prompt moves to operation 3"

# Operation 2 (the first malloc) has many micro-events.
keys g 1 Enter
wait_for "op 1/$nops "
keys s
wait_for "op 2/$nops ev 1/[0-9]+ "
ok $? "s steps into the next operation, one micro-event"
keys s
wait_for "op 2/$nops ev 2/[0-9]+ "
ok $? "s reveals the next micro-event"
keys n
wait_for "op 2/$nops \|"
ok $? "n finishes the operation being stepped into"

keys '?'
wait_for "play / pause the replay" && shows "step one micro-event" && shows "translate an address"
ok $? "? shows the help listing the keys"
keys x
wait_for "1 Frames"
ok $? "any key closes the help"

keys t
wait_for "translate ADDR"
ok $? "t opens the translate prompt"
keys "0xd0000010 w" Enter
wait_for "probe of 0xd0000010 at op [0-9]+: no A/D, no TLB fill" && wait_for "^write, supervisor" &&
    wait_for "= pa 0x107010"
ok $? "the translation view shows the typed address and its walk"

keys '>'
wait_for "op $nops/$nops "
ok $? "> goes to the end"

# Playback, one second of the clock at a time (no pause at captions: C).
keys '<'
wait_for "op 0/$nops "
keys C
wait_for "brk:---"
keys - - - -
wait_for "op 0/$nops .*PAUSED 1 op/s"
ok $? "- slows down to 1 op/s"
keys ' '
wait_for "op 1/$nops .*PLAYING 1 op/s"
ok $? "space plays: PLAYING, and the first operation runs at once"
tick
wait_for "op 2/$nops .*PLAYING"
ok $? "one second at 1 op/s runs one operation"
keys +
wait_for "PLAYING 2 op/s"
tick
wait_for "op 4/$nops .*PLAYING"
ok $? "one second at 2 op/s runs two operations"
keys ' '
wait_for "op 4/$nops .*PAUSED"
ok $? "space pauses"
tick
keys 4 # orders after the tick: when the TLB view shows, the tick was read
wait_for "4 TLB \*" && [ "$(op_now)" = 4 ]
ok $? "paused, the clock runs and the cursor stays"
keys 1 ' ' + + +
wait_for "PLAYING 20 op/s"
tick
wait_for "op $nops/$nops .*PAUSED" && wait_for "end of trace"
ok $? "playback runs to the end and pauses"

keys q
wait_for "EXIT=0"
ok $? "q quits with status 0"
[ "$(pane '#{alternate_on}')" = 0 ]
ok $? "quit leaves the alternate screen"
check_modes
ok $? "quit restores the terminal modes (echo, icanon)"

# SIGINT and SIGTERM, sent to pagesim itself (its pid from a file).
for sig in INT TERM; do
    run_pagesim_pid "$tmp/pid" "$trace"
    wait_for "op 0/$nops "
    pid=$(cat "$tmp/pid")
    kill -s "$sig" "$pid"
    # (An interactive bash drops the rest of a command list whose command
    # died of SIGINT, so only SIGTERM's status can be read on the screen.)
    if [ "$sig" = INT ]; then wait_for '^\$ *$'; else wait_for "EXIT=143"; fi &&
        ! kill -0 "$pid" 2>/dev/null
    ok $? "SIG$sig ends the program"
    [ "$(pane '#{alternate_on} #{keypad_cursor_flag} #{mouse_any_flag}')" = "0 0 0" ]
    ok $? "SIG$sig leaves the alternate screen, keypad and mouse modes"
    check_modes
    ok $? "SIG$sig restores the terminal modes"
done

# Ctrl-\ (SIGQUIT): the terminal restored, then the default action.
run_pagesim "$trace"
wait_for "op 0/$nops "
keys 'C-\'
wait_for "EXIT=131"
ok $? "Ctrl-\\ (SIGQUIT) ends the program by SIGQUIT (status 131)"
[ "$(pane '#{alternate_on} #{keypad_cursor_flag} #{keypad_flag} #{cursor_flag}')" = "0 0 0 1" ]
ok $? "SIGQUIT leaves the alternate screen and keypad mode, shows the cursor"
[ "$(pane '#{mouse_any_flag} #{mouse_standard_flag} #{mouse_button_flag} #{mouse_all_flag}')" = "0 0 0 0" ]
ok $? "SIGQUIT turns mouse reporting off"
check_modes
ok $? "SIGQUIT restores the terminal modes"

# Ctrl-Z (SIGTSTP), then fg. (No "; echo" after pagesim: bash would run it
# at the stop.)
keys "clear; $PAGESIM $trace" Enter
wait_for "op 0/$nops "
keys C-z
wait_for "Stopped"
ok $? "Ctrl-Z stops the program"
[ "$(pane '#{alternate_on} #{keypad_cursor_flag} #{mouse_any_flag} #{cursor_flag}')" = "0 0 0 1" ]
ok $? "stopped: the shell's screen, keypad and mouse modes off, the cursor shown"
check_modes
ok $? "stopped: the shell's terminal modes (echo, icanon)"
keys "clear; fg" Enter
wait_for "op 0/$nops .*PAUSED" && wait_for "brk:-C-"
ok $? "fg: the visualizer is back, redrawn"
poll pane_is '#{alternate_on} #{keypad_cursor_flag} #{mouse_any_flag}' "1 1 1"
ok $? "fg: alternate screen, keypad and mouse modes on again"
keys Right
wait_for "op 1/$nops "
ok $? "after fg, right steps one operation"
shows "brk:-C-"
ok $? "after fg, right toggles no breakpoint"
keys q
poll pane_is '#{alternate_on}' 0
ok $? "q after fg leaves the alternate screen"
keys "clear; echo DONE=\$?" Enter
wait_for "DONE=0"
ok $? "q after fg: status 0"
check_modes
ok $? "q after fg restores the terminal modes"
finish
