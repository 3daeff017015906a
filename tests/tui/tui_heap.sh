#!/usr/bin/env bash
# Terminal test: the Heap view is the heap (issue 11, item 4), at 80x24 and
# 120x40. Lesson 5 at op 8 shows b and c merged into one free chunk of 544
# bytes; at op 11 no two rows overlap (e reuses the hole: one used chunk,
# the 48-byte rest free after it); an mtrace shows its 48-bit ids in full
# (two ids that differ only in the last digits stay apart) and the caller
# of the selected block; `/` finds a block by id and by address; metadata
# the program overwrote is shown as found, marked.
. "$(dirname "$0")/lib.sh"
lesson="$PAGESIM_SRC/traces/05-fragmentation.trace"
mtrace="$PAGESIM_SRC/tests/data/realloc-demo.mtrace"

# The heap rows of the pane: "ADDR SIZE STATE ..." (hex address first).
heap_rows() { screen | sed -nE 's/^ *([0-9a-f]{8,16}) +([0-9]+) (used|free|large|bad)[ !].*/\1 \2 \3/p'; }

# No two rows of the heap overlap, and each starts where the one before ends.
no_overlap() {
    local addr size state end="" rows=0
    while read -r addr size state; do
        [ -n "$end" ] && [ $((16#$addr)) -ne "$end" ] && return 1
        end=$((16#$addr + size))
        rows=$((rows + 1))
    done < <(heap_rows)
    [ "$rows" -gt 0 ]
}

start_shell 80 24
for size in 80x24 120x40; do
    tmux_ resize-window -t main -x "${size%x*}" -y "${size#*x}"
    run_pagesim "$lesson"
    wait_for "op 0/"
    keys 5 g 8 Enter
    wait_for "op 8/" && wait_for "^d0000120 +544 free"
    ok $? "$size: lesson 5 op 8: b and c are one free chunk of 544 bytes"
    ! shows "^d0000130 " && [ "$(heap_rows | grep -c ' free$')" -eq 2 ]
    ok $? "$size: lesson 5 op 8: no free row for b or c alone (the hole, the top)"
    keys g 1 1 Enter
    wait_for "op 11/" && wait_for "^d0000120 +496 used +e" && wait_for "^d0000310 +48 free"
    ok $? "$size: lesson 5 op 11: e's chunk, then the 48 bytes left free"
    no_overlap && [ "$(heap_rows | cut -d' ' -f1 | sort | uniq -d | wc -l)" -eq 0 ]
    ok $? "$size: lesson 5 op 11: no two chunks overlap or share an address"
    keys / d Enter
    wait_for "block d: 256 B asked at d0000350"
    ok $? "$size: / finds block d by its id"
    keys / 0xd0000318 Enter
    wait_for "free chunk 48 B at d0000310"
    ok $? "$size: / finds the chunk holding an address"
    keys q
    wait_for "EXIT=0"

    run_pagesim "$mtrace"
    wait_for "op 0/"
    keys 5 g 9 Enter
    wait_for "op 9/" && wait_for " 0x55bf866776e0( |$)" && wait_for " 0x55bf86678a70( |$)"
    ok $? "$size: mtrace ids are shown in full (14 characters)"
    keys / 76e0 Enter
    wait_for "block 0x55bf866776e0: 5000 B" && wait_for "caller /tmp/realloc-demo:\(main\+73\)\[0x11fc\]"
    ok $? "$size: the selected block's mtrace caller"
    keys q
    wait_for "EXIT=0"
done

# A write past b's end (mistakes.trace, op 9) overwrote the header of the
# free chunk after it: the view shows the bytes it cannot read as a chunk,
# marked, instead of trusting them or the id table.
run_pagesim "$PAGESIM_SRC/traces/mistakes.trace"
wait_for "op 0/"
keys 5 g 9 Enter
wait_for "op 9/" && wait_for "^! inconsistent" && wait_for "^d0000030 +[0-9]+ bad +!"
ok $? "overwritten metadata is shown as found, marked !"
keys q
wait_for "EXIT=0"

# The help screen lists /.
run_pagesim "$lesson"
wait_for "op 0/"
keys '?'
wait_for "^/ +heap view: search block ids and addresses"
ok $? "the help screen lists /"
keys q q
wait_for "EXIT=0"
finish
