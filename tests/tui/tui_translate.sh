#!/usr/bin/env bash
# Terminal test: the Translation view (3) shows what happened at the
# cursor, at 80x24 (one pane) and at 120x40 (two panes, the view 59
# columns wide), against the defects issue 11 found:
# - lesson 13 op 9: the write hit a stale TLB entry: the view says STALE
#   and what the tables say now, and shows no fault (none was raised);
# - the end of lesson 1 (a clean free): no fault is invented;
# - op 2 of lesson 1: one access, not "TLB hit TLB miss" summed;
# - a faulting user write to a 4 MiB PSE page: split PDE + 22-bit offset;
# - a long-mode walk: every row ends with the address it leads to and
#   the A/D bits set, not cut at 120 columns;
# - an address typed after t is labelled a probe.
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
cleanup_translate() {
    cleanup
    rm -rf "$tmp"
}
trap cleanup_translate EXIT
lessons="$PAGESIM_SRC/traces"
printf 'ram 16M\npaging pse\nidentity 0x800000 0x400000 big\nwrite 0x800000 4\nwrite 0x800010 4 user\n' \
    >"$tmp/pse.trace"
printf 'ram 16M\npaging long\nmalloc a 100000\nwrite a 50000 8\n' >"$tmp/long.trace"

# Opens trace $1 at operation $2 with the Translation view focused.
open_at() {
    run_pagesim "$1"
    wait_for "op 0/" || return 1
    keys g "$2" Enter
    wait_for "op $2/" || return 1
    keys 3
    wait_for "3 Translation \*"
}

quit() {
    keys q
    wait_for "EXIT=0" >/dev/null
    keys clear Enter
}

for size in 80x24 120x40; do
    start_shell "${size%x*}" "${size#*x}"

    open_at "$lessons/13-stale-tlb.trace" 9
    wait_for "^op 9: write 0xd0000020, 1 byte \(supervisor\)" &&
        wait_for "TLB hit -> 0x[0-9a-f]+ \(4 KiB page\), no walk: STALE" &&
        wait_for "the tables in RAM now say: #PF, write to read-only page" &&
        hides "#PF error code" && hides "  CR2=" # the status row has " CR2="
    ok $? "$size: lesson 13 op 9 says stale, beside what the tables say; no fault"
    keys t
    wait_for "^translate ADDR"
    keys "0xd0000020 w" Enter
    wait_for "^probe of 0xd0000020 at op 9: no A/D, no TLB fill" &&
        wait_for "^write, supervisor; the tables as they are now" &&
        wait_for "#PF error code 0x3: write to read-only page"
    ok $? "$size: an address typed after t is labelled a probe"
    quit

    open_at "$lessons/01-first-allocation.trace" 10
    wait_for "^op 10: heap metadata " && wait_for "=> frame 0x[0-9a-f]+ \+ offset" &&
        hides "#PF" && hides "not present"
    ok $? "$size: the end of lesson 1 shows the last access, no invented fault"
    keys g 2 Enter
    wait_for "op 2/" && wait_for "^op 2: heap metadata " && hides "TLB hit.*TLB miss" &&
        hides "TLB miss.*TLB hit" && wait_for "the last of [0-9]+ TLB lookups in op 2"
    ok $? "$size: op 2 of lesson 1 shows one access, not 'TLB hit TLB miss'"
    keys g 1 Enter
    wait_for "op 1/" && wait_for "^op 1: no access yet"
    keys g 5 Enter
    wait_for "op 5/" && wait_for "^op 5 \(say\) made no memory access" &&
        wait_for "^last access, op 4: write 0xd0000020, 100 bytes"
    ok $? "$size: an operation without an access says so and shows the last one"
    quit

    open_at "$tmp/pse.trace" 2
    wait_for "^op 2: write 0x800010 \(user\)" &&
        wait_for "PDE 31:22 = 2 \(0x2\) \| offset 21:0 = 16 \(0x10\)" && hides "PTE 21:12" &&
        wait_for "#PF error code 0x7: user access to supervisor page"
    ok $? "$size: a faulting write to a 4 MiB page is split PDE + 22-bit offset"
    [ "$(screen | grep -c '^bit 0 ')" -eq 1 ]
    ok $? "$size: the error code's bits are printed once"
    quit

    open_at "$tmp/long.trace" 2
    wait_for "^op 2: write 0xffffc9000000c370, 8 bytes" &&
        wait_for "^ *PML4E\[402\].* -> 0x[0-9a-f]{6,}([ |]|$)" &&
        wait_for "^ *PDPTE\[0\].* -> 0x[0-9a-f]{6,}([ |]|$)" &&
        wait_for "^ *PDE\[0\].* -> 0x[0-9a-f]{6,}([ |]|$)" &&
        wait_for "^ *PTE\[12\].* -> 0x[0-9a-f]{6,} set A,D([ |]|$)" &&
        wait_for "offset 11:0 ?= ?(880 \(0x370\)|0x370)" && wait_for "= pa 0x[0-9a-f]{6,} \(4 KiB page\)"
    ok $? "$size: long-mode walk rows are whole, with the A/D bits the walk set"
    quit

    tmux_ kill-session -t main >/dev/null 2>&1
done
finish
