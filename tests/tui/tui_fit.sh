#!/usr/bin/env bash
# Terminal test: nothing is cut at 80x24 or 120x40 (issue 11, item 6). For
# lessons 01, 09 (pse), 11 (long mode) and 13, at several moments (the start,
# inside an operation, the middle, the end) every view 1..6 is drawn at both
# sizes, with the help screen; the test hook PAGESIM_TEST_CUTLOG makes the
# painter write down every row it had to cut (its whole text), so the check is
# exact: the file stays empty. Known full strings are looked for on screen
# as well, where the old screen cut them.
. "$(dirname "$0")/lib.sh"
cutlog="$(mktemp)"
trap 'cleanup; rm -f "$cutlog"' EXIT
views=("1 Frames" "2 Tables" "3 Translation" "4 TLB" "5 Heap" "6 Log")

# Draws every view at the moment on screen.
all_views() {
    local v
    for v in 1 2 3 4 5 6; do
        keys "$v"
        wait_for "${views[$((v - 1))]} \*" || return 1
    done
}

# Runs lesson $1 (of $2 operations) and visits it.
visit() {
    local trace=$PAGESIM_SRC/traces/$1 last=$2 mid=$(($2 / 2)) st=0
    run_pagesim "$trace"
    wait_for "op 0/" || st=1
    all_views || st=1
    keys s s s
    wait_for " ev [0-9]+/[0-9]+" && all_views || st=1
    keys g "$mid" Enter
    wait_for "op $mid/" && all_views || st=1
    keys g "$last" Enter
    wait_for "op $last/" && all_views || st=1
    keys 2 End Enter Enter Enter
    wait_for "2 Tables \*" && wait_for "CR3 >" || st=1
    keys '?'
    wait_for "pagesim help" || st=1
    keys Escape
    keys q
    wait_for "EXIT=0" || st=1
    return $st
}

start_shell 80 24 "PAGESIM_TEST_CUTLOG=$cutlog"
for size in ${FIT_SIZES:-80x24 120x40}; do
    tmux_ resize-window -t main -x "${size%x*}" -y "${size#*x}"
    for lesson in "01-first-allocation.trace 10" "09-pse-large-pages.trace 6" \
        "11-long.trace 7" "13-stale-tlb.trace 16"; do
        set -- $lesson ${size%x*} ${size#*x}
        : >"$cutlog"
        visit "$1" "$2"
        st=$?
        if [ -s "$cutlog" ]; then
            sed 's/^/# /' "$cutlog" | sort -u | head -n 20
            st=1
        fi
        ok $st "${3}x$4 ${1%.trace}: every view drawn, no row cut"
    done

    # What the old screen cut, whole (lesson 11, long mode, at op 5).
    w=${size%x*} h=${size#*x}
    run_pagesim "$PAGESIM_SRC/traces/11-long.trace"
    wait_for "op 0/"
    keys g 5 Enter
    wait_for "op 5/" && wait_line "$h" "brk:[-F][-C][-D]$"
    ok $? "${size}: the key bar ends whole"
    # The program's write at op 5 hit the TLB (no walk): a probe of its
    # address (t) draws the whole long-mode walk.
    keys 3 t
    wait_for "^translate ADDR"
    tmux_ send-keys -t main -l "0xffffc900000000a0" # -l: tmux reads 0xN as a key code
    keys Enter
    wait_for "3 Translation \*" && wait_for "offset 11:0 ?= ?(160 \(0xa0\)|0xa0)" &&
        wait_for "^PML4E\[402\] .* -> 0x10a000$" && wait_for "PTE\[0\] .* -> 0x109000$"
    ok $? "${size}: the translation's fields and long-mode walk lines whole"
    keys 1
    wait_for "1 Frames \*" && wait_for "RAM 16 MiB: [0-9]+ used [0-9]+ free [0-9]+ rsvd" &&
        wait_for "Hheap Vdev Uused"
    ok $? "${size}: the frames counts and legend whole"
    keys 6 Home
    wait_for "6 Log \*" && wait_for "0xffffffff80[0-9a-f]{6}\)$"
    ok $? "${size}: long-mode log events whole"
    keys q
    wait_for "EXIT=0"
done
finish
