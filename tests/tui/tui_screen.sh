#!/usr/bin/env bash
# Terminal test: a screen for a projector and a student's laptop (issue 11,
# item 6). CR2 and the current trace line in the status rows (a native
# lesson's line, an mtrace log's caller); captions wrapped, never cut, at
# 80 and 120 columns; the flag legend on the help screen and in the Tables
# and TLB views; a live lesson's defaults (1 op/s, playback pausing at each
# caption), paced by the test's clock; free frames not blue on black; Home
# and End moving in the view, not in time.
. "$(dirname "$0")/lib.sh"
lesson() { echo "$PAGESIM_SRC/traces/$1"; }
tmp=$(mktemp -d)
trap 'cleanup; rm -rf "$tmp"' EXIT

start_shell 80 24 PAGESIM_TEST_CLOCK=tick

# CR2 and the trace line.
run_pagesim "$(lesson 08-use-after-free.trace)"
wait_for "op 0/" && wait_for "CR2=(0x)?0 " && wait_line 2 " boot"
ok $? "80x24: CR2 in the status row, and 'boot' before the first operation"
keys '>'
wait_for "CR2=(0x)?[1-9a-f][0-9a-f]* " && wait_line 2 " L[0-9]+ read [a-z]+ 0"
ok $? "80x24: after the fault CR2 holds its address; the trace line of the operation"
keys q
wait_for "EXIT=0"
run_pagesim "$(lesson mtrace_small.trace)"
wait_for "op 0/"
keys n
wait_for "op 1/" && wait_line 2 "L[0-9]+ malloc 0x[0-9a-f]+ [0-9]+ @ "
ok $? "an mtrace operation: its line with the caller"
keys q
wait_for "EXIT=0"

# Captions wrap at 80 columns: the end of lesson 1's last caption is there.
run_pagesim "$(lesson 01-first-allocation.trace)"
wait_for "op 0/"
keys g 9 Enter
wait_for "op 9/" && wait_line 3 "say: Freeing both" && wait_for "table are freed\.$"
ok $? "80x24: a long caption wraps onto a second row, its end shown"

# A live lesson's pace: 1 op/s, and playback pauses at each caption.
keys '<'
wait_for "op 0/.*PAUSED 1( op)?/s" && shows "brk:-C-"
ok $? "the first speed is 1 op/s, with pausing at captions on"
keys ' '
wait_for "op 1/.*PAUSED" && wait_for "breakpoint: caption"
ok $? "space: the caption (op 1) runs and playback pauses on it"
keys ' '
wait_for "op 2/.*PLAYING 1( op)?/s"
tick
wait_for "op 3/.*PAUSED" && wait_for "say: Writing the 100 bytes"
ok $? "space plays on; one tick later the next caption (op 3) pauses it again"
keys C ' '
wait_for "op 4/.*PLAYING"
tick
tick
wait_for "op 6/.*PLAYING"
ok $? "C: captions no longer pause playback"
keys ' '

# Home and End move in the view, not in time.
keys 2 a End
wait_for "2 Tables \*" && wait_for "^1023 0{8}" && wait_for "op 6/"
ok $? "End: the last entry of the table, the operation unchanged"
keys Home
wait_for "^   0 0{8}" && wait_for "op 6/"
ok $? "Home: the first entry"
keys 6 Home
wait_for "6 Log \*" && wait_for "^boot +map 0xc0100000" && wait_for "op 6/"
ok $? "Home in the log: the oldest event"
keys End
wait_gone "^boot +map 0xc0100000"
ok $? "End in the log: the newest events"

# The flag legend, from sim/paging.h's table.
keys 2
wait_for "^P:present W:RW U:US T:PWT C:PCD A:accessed D:dirty S:PS G:global X:XD p:PAT"
ok $? "the Tables view ends with the flag legend"
keys 4
wait_for "^flags: W:RW U:US X:XD D:dirty G:global"
ok $? "the TLB view ends with its flags' legend"
keys '?'
wait_for "pagesim help"
keys End
wait_for "^ *X +XD +execute-disable"
ok $? "the help screen explains every flag letter"
keys Escape

# Free frames readable on a projector: not blue (on black, the terminal's
# background); NO_COLOR still means no colour.
keys 1
wait_for "1 Frames \*"
row=$(tmux_ capture-pane -e -p -t main | perl -ne '($t = $_) =~ s/\e\[[0-9;]*m//g; print if $t =~ /^000[0-9a-f]{6} .*\.{16}/' | tail -n 1)
sgr=$(printf '%s' "$row" | grep -aoP '(\e\[[0-9;]*m)+(?=\.{8})' | tail -n 1)
[ -n "$row" ] && ! printf '%s' "$sgr" | grep -qE '\[(([0-9]+;)*)(34|94|38;5;(4|12))(;|m)'
ok $? "free frames are not blue ($(printf '%s' "$sgr" | tr -d '\033'))"
keys q
wait_for "EXIT=0"

# 120 columns: a caption longer than a row wraps too.
printf 'say %s\nmalloc a 100\n' \
    "$(printf 'word%02d ' $(seq 1 15))the end of a long caption." >"$tmp/long.trace"
tmux_ resize-window -t main -x 120 -y 40
run_pagesim "$tmp/long.trace"
wait_for "op 0/"
keys n
wait_for "op 1/" && wait_line 3 "say: word01" && wait_line 4 "of a long caption\.$"
ok $? "120x40: a caption of two rows, its end shown"
keys q
wait_for "EXIT=0"
finish
