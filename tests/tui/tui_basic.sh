#!/usr/bin/env bash
# Terminal test: the status line of CONTRACT 4, step, back, step into, help,
# the go-to and translate prompts, playback to the end, quit restoring the
# terminal, and the exit status 2 without a terminal or with `-`.
. "$(dirname "$0")/lib.sh"
trace="$PAGESIM_SRC/traces/01-first-allocation.trace"
nops=$(grep -cvE '^[[:space:]]*(#|$)|^(ram|paging|tlb|reserve|identity) ' "$trace")

"$PAGESIM" - </dev/null >/dev/null 2>/tmp/pagesim-tui-$$.err
st=$?
[ $st -eq 2 ] && grep -q 'standard input' /tmp/pagesim-tui-$$.err
ok $? "'-' as the trace: a message and exit 2"
"$PAGESIM" "$trace" </dev/null >/dev/null 2>/tmp/pagesim-tui-$$.err
st=$?
[ $st -eq 2 ] && grep -q 'terminal' /tmp/pagesim-tui-$$.err
ok $? "no terminal: a message and exit 2"
rm -f /tmp/pagesim-tui-$$.err

start_shell 100 30
run_pagesim "$trace"
wait_for "01-first-allocation.trace +op 0/$nops \| 32 \| CR0=0x[0-9a-f]+ CR3=0x[0-9a-f]+ CR4=0x[0-9a-f]+ \| PAUSED"
ok $? "status line: trace, op 0/$nops, mode, CR0, CR3, CR4, paused"

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
wait_for "play / pause the replay" && screen | grep -q "step one micro-event" &&
    screen | grep -q "translate an address"
ok $? "? shows the help listing the keys"
keys x
wait_for "1 Frames"
ok $? "any key closes the help"

keys t
wait_for "translate ADDR"
ok $? "t opens the translate prompt"
keys "0xd0000010 w" Enter
wait_for "typed \(t\): write 0xd0000010" && wait_for "= pa 0x107010"
ok $? "the translation view shows the typed address and its walk"

keys '>'
wait_for "op $nops/$nops "
ok $? "> goes to the end"
keys '<' + + + ' '
wait_for "PLAYING" 5
ok $? "space plays"
wait_for "op $nops/$nops .*PAUSED" 20 && wait_for "end of trace"
ok $? "playback runs to the end and pauses"

keys q
wait_for "EXIT=0"
ok $? "q quits with status 0"
[ "$(tmux_ display-message -p -t main '#{alternate_on}')" = 0 ]
ok $? "quit leaves the alternate screen"
keys "clear; stty -a | tr ' ;' '\n\n' | grep -xE 'icanon|echo' | sort | tr '\n' ' '; echo" Enter
wait_for "^echo icanon *$"
ok $? "quit restores the terminal modes (echo, icanon)"

# Signals go to pagesim itself (its pid, a child of the pane's shell).
for sig in INT TERM; do
    run_pagesim "$trace"
    wait_for "op 0/$nops "
    pid=$(ps -o pid= --ppid "$(tmux_ display-message -p -t main '#{pane_pid}')" | head -n 1)
    [ -n "$pid" ] && kill -s "$sig" "$pid"
    gone=1
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || { gone=0; break; }
        sleep 0.05
    done
    # (An interactive bash drops the rest of a command list whose command
    # died of SIGINT, so only SIGTERM's status can be read on the screen.)
    [ $gone -eq 0 ] && { [ "$sig" = INT ] || wait_for "EXIT=143"; }
    ok $? "SIG$sig ends the program"
    [ "$(tmux_ display-message -p -t main '#{alternate_on}')" = 0 ]
    ok $? "SIG$sig leaves the alternate screen"
    keys "clear; stty -a | tr ' ;' '\n\n' | grep -xE 'icanon|echo' | sort | tr '\n' ' '; echo" Enter
    wait_for "^echo icanon *$"
    ok $? "SIG$sig restores the terminal modes"
done
finish
