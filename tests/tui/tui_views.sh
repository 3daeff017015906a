#!/usr/bin/env bash
# Terminal test: each of the six views (keys 1..6 and Tab) at 100x30, the
# tables view's Enter / Backspace, the frames cursor, and NO_COLOR: colours
# without it, only bold / reverse / underline with it.
. "$(dirname "$0")/lib.sh"
trace="$PAGESIM_SRC/traces/01-first-allocation.trace"

start_shell 100 30
run_pagesim "$trace"
wait_for "op 0/"
keys g 2 Enter
wait_for "op 2/"

keys 1
wait_for "1 Frames \*" && wait_for "frames? per cell" && wait_for "^frame 0x[0-9a-f]+ at 0x"
ok $? "1: the frames view, its legend and the cursor frame"
keys 2
wait_for "2 Tables \*" && wait_for "page directory at 0x" && wait_for " 832 [0-9a-f]{8} P"
ok $? "2: the tables view lists the present PDEs (832 for the heap)"
keys 3
wait_for "3 Translation \*" && wait_for "PDE 31:22 = 832"
ok $? "3: the translation view splits the latest access 10|10|12"
keys 4
wait_for "4 TLB \*" && wait_for "hits [0-9]+ misses [0-9]+ ratio"
ok $? "4: the TLB view shows sets, ways and counters"
keys 5
wait_for "5 Heap \*" && wait_for "^d0000[0-9a-f]+ +128 used +a "
ok $? "5: the heap view shows block a"
keys 6
wait_for "6 Log \*" && wait_for "block a: 100 bytes"
ok $? "6: the log view shows the micro-events"
keys Tab
wait_for "1 Frames \*"
ok $? "Tab cycles to the next view"

keys 2
wait_for "2 Tables \*"
keys j Enter # read in order: Enter opens the entry j moved to
wait_for "page table at 0x" && wait_for "CR3 > \[832\]"
ok $? "Enter opens the page table a PDE points to"
keys BSpace
wait_for "^CR3 page directory at 0x"
ok $? "Backspace returns to the page directory"
keys a
wait_for "all entries"
ok $? "a shows all entries"

keys 1
wait_for "1 Frames \*"
keys l
wait_for "^frame 0x[1-9a-f][0-9a-f]* at"
ok $? "the frames cursor moves"
keys q
wait_for "EXIT=0"
ok $? "q quits"

# Colour and NO_COLOR: the status line's attributes as tmux saw them.
has_colour() { tmux_ capture-pane -e -p -t main | grep -qP '\e\[([0-9]+;)*(3[0-7]|4[0-7]|38|48)(;[0-9]+)*m'; }
run_pagesim "$trace"
wait_for "op 0/"
has_colour
ok $? "colours are used by default"
keys q
wait_for "EXIT=0"
tmux_ send-keys -t main "clear; NO_COLOR=1 $PAGESIM $trace; echo EXIT=\$?" Enter
wait_for "op 0/"
! has_colour
ok $? "NO_COLOR: no colour at all"
tmux_ capture-pane -e -p -t main | head -n 1 | grep -qP '\e\[([0-9]+;)*7(;[0-9]+)*m'
ok $? "NO_COLOR: the status line is in reverse video"
keys 2
wait_for "2 Tables" && wait_for " 768 [0-9a-f]{8} P"
ok $? "NO_COLOR: views still readable"
keys q
wait_for "EXIT=0"
finish
