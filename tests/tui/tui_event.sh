#!/usr/bin/env bash
# Terminal test: event-level time (issue 11, item 1). Lesson 1, `n` then `s`
# repeatedly: at a sample of micro-events of the first malloc (the heap
# growing, a frame given, the page table, the PDE written, its A bit, the
# TLB fill, the end), every view shows the machine right after that event,
# the state `replay --json --at 2.E` and `--save-ram` report: the Frames
# view's used count, the TLB view's counters and its entry for the heap
# page, and the Tables view's PDE 832 (decoded from the RAM image at CR3 +
# 832*4). S steps back one event, across the operation boundary too. At
# 80x24 and 120x40.
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
cleanup_event() {
    cleanup
    rm -rf "$tmp"
}
trap cleanup_event EXIT
trace="$PAGESIM_SRC/traces/01-first-allocation.trace"

# The number of the JSON summary's member $2 inside object $1 ("frames"...).
json_num() { sed -nE "s/.*\"$1\": \{[^}]*\"$2\": ([0-9]+).*/\1/p" "$tmp/at.json"; }

# The headless state at 2.$1: JSON and the RAM image.
headless() {
    "$PAGESIM" replay --json --at "2.$1" --save-ram "$tmp/ram.bin" "$trace" >"$tmp/at.json"
    used=$(json_num frames used)
    hits=$(json_num tlb hits)
    misses=$(json_num tlb misses)
    fills=$(json_num tlb fills)
    local cr3
    cr3=$(sed -nE 's/.*"cr3": "0x([0-9a-fA-F]+)".*/\1/p' "$tmp/at.json")
    pde=$(od -An -tx4 -j $((0x$cr3 + 832 * 4)) -N4 "$tmp/ram.bin" | tr -d ' ')
}

check_size() {
    local w=$1 h=$2
    SOCK="pagesim-test-$$-${w}x$h" # a server of its own per size
    start_shell "$w" "$h"
    run_pagesim "$trace"
    wait_for "op 0/10 " >/dev/null
    keys n
    wait_for "op 1/10 " >/dev/null
    local e=0
    for want in 1 3 5 10 12 13 35; do
        while [ "$e" -lt "$want" ]; do
            keys s
            e=$((e + 1))
        done
        headless "$want"
        wait_for "op 2/10 ev $want/35 " >/dev/null
        ok $? "${w}x$h: s reaches op 2 ev $want/35"
        keys 1
        wait_for "RAM 16 MiB: $used used" >/dev/null
        ok $? "${w}x$h 2.$want: the Frames view says $used used, as --at 2.$want --json"
        keys 4
        wait_for "hits $hits misses $misses " >/dev/null && wait_for "fills $fills " >/dev/null
        ok $? "${w}x$h 2.$want: the TLB view's counters are --json's ($hits hits, $misses misses, $fills fills)"
        if [ "$fills" -gt 0 ]; then
            shows "d0000000 -> 107000"
        else
            hides "d0000000 -> "
        fi
        ok $? "${w}x$h 2.$want: the TLB view holds the heap page iff it was filled ($fills)"
        keys 2
        wait_for "CR3 page directory" >/dev/null
        if [ "$pde" = 00000000 ]; then
            hides "^ *832 [0-9a-f]{8} "
        else
            shows "832 $pde "
        fi
        ok $? "${w}x$h 2.$want: the Tables view's PDE 832 is the RAM image's ($pde)"
    done
    # S back to the start of the operation, and across into op 1.
    for ((i = 35; i > 1; i--)); do keys S; done
    wait_for "op 2/10 ev 1/35 " >/dev/null
    ok $? "${w}x$h: S steps back one event at a time, to op 2 ev 1/35"
    keys S 1
    wait_for "op 1/10 ev 1/1 " >/dev/null && wait_for "RAM 16 MiB: 7 used" >/dev/null
    ok $? "${w}x$h: S from 2.1 reaches the end of op 1 (2.0), 7 frames used"
    keys e
    wait_for "op 2/10 ev 1/35 " >/dev/null && wait_for "\| VMM" >/dev/null
    ok $? "${w}x$h: e jumps to the next change, and the status line names its step"
    keys n 6
    wait_for "op 2/10 " >/dev/null && wait_for "TLB hit 0xd0000" >/dev/null
    ok $? "${w}x$h: n finishes op 2; the Log view lists its TLB hits"
    keys H
    wait_gone "TLB hit 0xd0000" >/dev/null && shows "block a: 100 bytes"
    ok $? "${w}x$h: H hides the TLB hits, the other events stay"
    keys H
    wait_for "TLB hit 0xd0000" >/dev/null
    ok $? "${w}x$h: H again shows them"
    keys q
    wait_for "EXIT=0" >/dev/null
    ok $? "${w}x$h: q quits"
    # Started inside an operation: the status says where, and the Heap view
    # names the half-written metadata as the operation under way.
    run_pagesim --at 2.13 "$trace"
    wait_for "op 2/10 ev 13/35 " >/dev/null && wait_for "\| carve" >/dev/null
    ok $? "${w}x$h: --at 2.13 opens at op 2 ev 13/35, the carve step"
    keys 5
    wait_for "^! half-written: the operation is under way" >/dev/null
    ok $? "${w}x$h: the Heap view at 2.13 says its metadata is half-written"
    keys q
    wait_for "EXIT=0" >/dev/null
    cleanup
}

check_size 80 24
check_size 120 40
finish
