#!/usr/bin/env bash
# Terminal test: resizing. Each check looks for what only the new size
# shows (the key bar on the new last row, the layout the new width gives),
# never for what was on the screen before the resize. 100x30 shows one view,
# 80x24 still shows the status line (its compact form) and a view, 20x10
# says 'terminal too small' without crashing and keeps reading keys,
# growing back restores the views, 200x50 shows four views (two side by side,
# two above each other) and 140x40 two above each other.
. "$(dirname "$0")/lib.sh"
trace="$PAGESIM_SRC/traces/01-first-allocation.trace"

start_shell 100 30
run_pagesim "$trace"
wait_for "op 0/"
keys n n
wait_for "op 2/[0-9]+ \| 32 \| CR0=0x" && wait_line 30 "^q quit" && wait_for "^000160000 "
ok $? "100x30: the full status line, the key bar on row 30, 88 cells a row"

tmux_ resize-window -t main -x 80 -y 24
wait_line 24 "^q quit" &&
    wait_line 1 "op 2/[0-9]+ .*CR0=(0x)?[0-9a-f]+ CR2=(0x)?[0-9a-f]+ CR3=(0x)?[0-9a-f]+ CR4=(0x)?[0-9a-f]+ .*PAUSED" &&
    wait_for "^000[0-9a-f]{6} [#.KDT]{64}$" && shows "1 Frames"
ok $? "80x24: the key bar on row 24, every status field on row 1, the frames view redrawn 64 cells a row"
for v in 2 3 4 5 6; do keys "$v"; done
wait_for "6 Log"
ok $? "80x24: views switch"
tmux_ resize-window -t main -x 20 -y 10
wait_for "terminal too small"
ok $? "20x10: 'terminal too small'"
keys n
tmux_ resize-window -t main -x 100 -y 30
wait_line 30 "^q quit" && wait_for "6 Log" && wait_for "op 3/" && hides "terminal too small"
ok $? "back to 100x30: the views return (and keys worked while small)"
tmux_ resize-window -t main -x 200 -y 50
keys 1
wait_for "3 Translation" && wait_for "4 TLB" && shows "1 Frames \*" && shows "\| 2 Tables"
ok $? "200x50: four views, two side by side, two above each other"
tmux_ resize-window -t main -x 140 -y 40
wait_for "^4 frames per cell" && wait_for "^000200000 \.{128}$" && shows "^ 2 Tables" &&
    hides "3 Translation"
ok $? "140x40: two views above each other, the frames view refitted (128 cells a row)"
keys q
wait_for "EXIT=0"
ok $? "quit after resizing: status 0"
finish
