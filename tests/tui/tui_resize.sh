#!/usr/bin/env bash
# Terminal test: resizing. 100x30 shows one view, 80x24 still shows the
# status line and a view, 20x10 says 'terminal too small' without crashing,
# growing back restores the views, and 200x50 shows three views side by side.
. "$(dirname "$0")/lib.sh"
trace="$PAGESIM_SRC/traces/01-first-allocation.trace"

start_shell 100 30
run_pagesim "$trace"
wait_for "op 0/"
keys n n
wait_for "op 2/"

tmux_ resize-window -t main -x 80 -y 24
wait_for "op 2/[0-9]+ .*CR0=.*CR3=.*CR4=.*PAUSED" && wait_for "1 Frames"
ok $? "80x24: status line and the frames view"
for v in 2 3 4 5 6; do keys "$v"; done
wait_for "6 Log"
ok $? "80x24: views switch"
tmux_ resize-window -t main -x 20 -y 10
wait_for "terminal too small"
ok $? "20x10: 'terminal too small'"
keys n
sleep 0.3
tmux_ resize-window -t main -x 100 -y 30
wait_for "6 Log" && wait_for "op 3/"
ok $? "back to 100x30: the views return (and keys worked while small)"
tmux_ resize-window -t main -x 200 -y 50
keys 1
wait_for "1 Frames \*" && wait_for "2 Tables" && wait_for "3 Translation"
ok $? "200x50: three views side by side"
tmux_ resize-window -t main -x 140 -y 40
wait_for "2 Tables" && ! screen | grep -q "3 Translation"
ok $? "140x40: two views side by side"
keys q
wait_for "EXIT=0"
ok $? "quit after resizing: status 0"
finish
