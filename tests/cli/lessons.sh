#!/usr/bin/env bash
# lessons.sh - the lesson traces that need the lesson directives (protect,
# invlpg, cr3 reload, cr0 wp, cr4 pge, user, exec; docs/trace-format.md)
# show what they mean to show. For each, the key events of `replay --log`
# are pinned at the trace line that causes them (found by searching the
# trace, so editing captions does not break the test): the fault is there
# with its error code and CR2, the stale entry is stale, the global entry
# survives. The JSON summary's counts agree. And every traces/*.trace
# replays in all four paging modes: exit 0, or 3 (a lesson's facts of its
# own mode failing) in another mode.
. "$(dirname "$0")/lib.sh"
set -e
cd "$PAGESIM_SRC"

# line_of TRACE REGEX [N]: the line number of the Nth line of TRACE matching
# REGEX (1 = first, -1 = last; default 1). Empty when there is none.
line_of() {
    local n=${3:-1}
    if [ "$n" -eq -1 ]; then
        grep -nE -- "$2" "$1" | tail -1 | cut -d: -f1
    else
        grep -nE -- "$2" "$1" | sed -n "${n}p" | cut -d: -f1
    fi
}

# events LOG LINE: the log lines caused by trace line LINE.
events() {
    grep -E "^op [0-9]+ line $2: " "$1" || true
}

# has WHAT LOG LINE REGEX: the events of LINE include one matching REGEX.
has() {
    local ev
    ev=$(events "$2" "$3")
    if [ -n "$3" ] && printf '%s\n' "$ev" | grep -Eq -- "$4"; then
        ok "$1"
    else
        not_ok "$1" "line ${3:-?}: want /$4/ in: $(printf '%s' "$ev" | head -c 800)"
    fi
}

# lacks WHAT LOG LINE REGEX: none of the events of LINE matches REGEX.
lacks() {
    local ev
    ev=$(events "$2" "$3")
    if [ -n "$3" ] && [ -n "$ev" ] && ! printf '%s\n' "$ev" | grep -Eq -- "$4"; then
        ok "$1"
    else
        not_ok "$1" "line ${3:-?}: do not want /$4/ in: $(printf '%s' "$ev" | head -c 800)"
    fi
}

# replay_log NAME [OPTIONS...]: replay --log of traces/NAME.trace into $WORK/NAME.log.
replay_log() {
    local name=$1
    shift
    run_pagesim "$WORK/$name.log" "$WORK/err" replay --log "$@" "traces/$name.trace"
    expect_rc "$name: replay --log $*" 0
}

# --- lesson 12: a CR3 reload keeps the global kernel entry only with PGE ---
T=traces/12-cr3-reload.trace
L=$WORK/12-cr3-reload.log
replay_log 12-cr3-reload
r1=$(line_of $T '^cr3 reload' 1)
r2=$(line_of $T '^cr3 reload' -1)
k1=$(line_of $T '^read 0xC0100000' 2)
k2=$(line_of $T '^read 0xC0100000' -1)
h2=$(line_of $T '^read a 0' -1)
has "12: cr3 reload with PGE off flushes both entries" "$L" "$r1" \
    'TLB flush \(global entries kept\): 2 entries dropped'
has "12: with PGE off the kernel page misses after the reload" "$L" "$k1" 'TLB miss 0xc0100000'
has "12: cr4 pge on writes CR4.PGE" "$L" "$(line_of $T '^cr4 pge on')" 'CR4 0x00000000 -> 0x00000080'
has "12: toggling PGE flushes global entries too" "$L" "$(line_of $T '^cr4 pge on')" \
    'TLB flush: [0-9]+ entr'
has "12: cr3 reload is MOV CR3, CR3" "$L" "$r2" 'CR3 0x00105000 -> 0x00105000'
has "12: with PGE on the reload drops only the heap entry" "$L" "$r2" \
    'TLB flush \(global entries kept\): 1 entry dropped'
has "12: the global kernel page hits after the reload" "$L" "$k2" 'TLB hit 0xc0100000'
lacks "12: the global kernel page is not walked after the reload" "$L" "$k2" 'TLB miss|walk'
has "12: the heap page misses after the reload" "$L" "$h2" 'TLB miss 0xd0000020'
has "12: the heap page is walked again" "$L" "$h2" 'walk PTE 0 '
run_pagesim "$WORK/12.json" "$WORK/err" replay --json $T
jcheck "12: JSON counts the directives and shows CR4.PGE" summary "$WORK/12.json" \
    '{"ops": {"cr3": 2, "cr4": 1, "cr0": 0, "read": 6}, "page_faults": 0,
      "cpu": {"cr4": "0x00000080"}}'

# --- lesson 13: a stale TLB entry when INVLPG is forgotten ---
T=traces/13-stale-tlb.trace
L=$WORK/13-stale-tlb.log
replay_log 13-stale-tlb
p=$(line_of $T '^protect a ro noinvlpg')
w1=$(line_of $T '^write a 0' 2)
iv=$(line_of $T '^invlpg a')
w2=$(line_of $T '^write a 0' 3)
has "13: protect clears R/W in the PTE" "$L" "$p" 'PTE 0 at 0x[0-9a-f]+: 0x00107063 -> 0x00107061'
lacks "13: protect noinvlpg issues no INVLPG" "$L" "$p" 'INVLPG'
has "13: the write after protect hits the stale TLB entry" "$L" "$w1" 'TLB hit 0xd0000020'
lacks "13: the write after protect does not fault" "$L" "$w1" '#PF|walk'
has "13: invlpg drops the stale entry" "$L" "$iv" 'INVLPG 0xd0000020: 1 entry dropped'
has "13: after invlpg the write walks the tables" "$L" "$w2" 'walk PTE 0 .*= 0x00107061'
has "13: after invlpg the write faults with err=0x3 and CR2" "$L" "$w2" \
    '#PF err=0x3 .*CR2=0xd0000020'
run_pagesim "$WORK/13.json" "$WORK/err" replay --json $T
jcheck "13: JSON counts one fault, the protects and the invlpg" summary "$WORK/13.json" \
    '{"ops": {"protect": 2, "invlpg": 1, "cr0": 1}, "page_faults": 1,
      "cpu": {"cr0": "0x80010011", "cr2": "0xd0000020"}}'
at=$(grep -nE '^[a-z]' $T | grep -vE '^[0-9]+:(ram|paging|tlb|reserve|identity|expect) ' |
    grep -nE ':protect a ro noinvlpg' | cut -d: -f1)
run_pagesim "$WORK/13.tr" "$WORK/err" translate --at "$at" --write $T 0xd0000020
expect_grep "13: translate after the forgotten INVLPG calls the TLB entry stale" \
    'stale' "$WORK/13.tr"

# --- lesson 14: a write to a read-only page under CR0.WP ---
T=traces/14-write-protect.trace
L=$WORK/14-write-protect.log
replay_log 14-write-protect
w1=$(line_of $T '^write a 0' 2)
on=$(line_of $T '^cr0 wp on')
w2=$(line_of $T '^write a 0' 3)
off=$(line_of $T '^cr0 wp off')
w3=$(line_of $T '^write a 0' 4)
has "14: protect a ro writes the PTE and issues INVLPG" "$L" "$(line_of $T '^protect a ro')" \
    'INVLPG 0xd0000020'
has "14: with WP off the supervisor write succeeds" "$L" "$w1" 'write 1 byte at 0xd0000020'
lacks "14: with WP off there is no fault" "$L" "$w1" '#PF'
has "14: cr0 wp on sets bit 16" "$L" "$on" 'CR0 0x80000011 -> 0x80010011'
has "14: with WP on the write faults err=0x3, CR2 = the address" "$L" "$w2" \
    '#PF err=0x3 \(write, write to read-only page\) CR2=0xd0000020'
has "14: cr0 wp off clears it" "$L" "$off" 'CR0 0x80010011 -> 0x80000011'
lacks "14: with WP off again the write succeeds" "$L" "$w3" '#PF'
run_pagesim "$WORK/14.json" "$WORK/err" replay --json $T
jcheck "14: JSON: one fault, CR2 the written address" summary "$WORK/14.json" \
    '{"ops": {"protect": 2, "cr0": 2}, "page_faults": 1, "cpu": {"cr2": "0xd0000020"}}'

# --- lesson 15: user-mode accesses ---
T=traces/15-user-access.trace
L=$WORK/15-user-access.log
replay_log 15-user-access
has "15: user read of the supervisor heap: err=0x5" "$L" "$(line_of $T '^read a 0 user')" \
    '#PF err=0x5 \(read, user, user access to supervisor page\) CR2=0xd0000020'
has "15: user write: err=0x7" "$L" "$(line_of $T '^write a 0 user')" '#PF err=0x7 '
has "15: the kernel's read succeeds" "$L" "$(line_of $T '^read a 0$')" 'read 1 byte at 0xd0000020'
has "15: user read of nothing: err=0x4" "$L" "$(line_of $T '^read 0x40000000 user')" \
    '#PF err=0x4 .*CR2=0x40000000'
has "15: supervisor read of nothing: err=0x0" "$L" "$(line_of $T '^read 0x40000000$')" \
    '#PF err=0x0 '

# --- lesson 16: execute-disable ---
T=traces/16-execute-disable.trace
L=$WORK/16-execute-disable.log
replay_log 16-execute-disable
has "16: a fetch from the XD heap faults err=0x11" "$L" "$(line_of $T '^exec code 0')" \
    '#PF err=0x11 \(fetch, fetch from execute-disabled page\) CR2=0xd0000020'
has "16: a fetch from the kernel text works" "$L" "$(line_of $T '^exec 0xC0100000')" \
    'exec 1 byte at 0xc0100000'
# Its `expect fault 0x11` does not hold without XD: exit 3 (CONTRACT 1).
run_pagesim "$WORK/16-execute-disable.log" "$WORK/err" replay --log --paging 32 \
    traces/16-execute-disable.trace
expect_rc "16-execute-disable: replay --log --paging 32 (its fault fact fails)" 3
L=$WORK/16-execute-disable.log
lacks "16: without NX (32-bit paging) the heap fetch works" "$L" "$(line_of $T '^exec code 0')" \
    '#PF'

# --- a bad lesson directive is an input error with line:col ---
printf 'malloc a 1\nprotect a rx\n' > "$WORK/bad.trace"
run_pagesim "$WORK/out" "$WORK/err" replay "$WORK/bad.trace"
expect_rc "protect a rx is an input error" 1
expect_grep "the error names line:col and the token" \
    "bad.trace:2:11: error: expected ro or rw, got 'rx'" "$WORK/err"
expect_empty "nothing on stdout after an input error" "$WORK/out"

# --- every trace replays in every paging mode ---
# A lesson's `expect` lines state facts of its own mode (addresses, error
# codes, frame counts): in another mode some may not hold, which is exit 3
# with only "expectation failed" lines on stderr (docs/teaching.md).
for tr in traces/*.trace; do
    own=$(sed -n 's/^paging \([a-z0-9]*\).*/\1/p' "$tr" | head -1)
    for mode in 32 pse pae long; do
        run_pagesim "$WORK/out" "$WORK/err" replay --paging "$mode" "$tr"
        if [ "$RC" -eq 3 ] && [ "$mode" != "${own:-32}" ] &&
            ! grep -qv ': expectation failed: ' "$WORK/err"; then
            ok "$(basename "$tr") replays with --paging $mode (some facts of ${own:-32} fail)"
        elif [ "$RC" -eq 0 ]; then
            ok "$(basename "$tr") replays with --paging $mode"
        else
            not_ok "$(basename "$tr") replays with --paging $mode (exit $RC)" \
                "$(head -c 600 "$WORK/err")"
        fi
    done
done

run_jchecks
done_testing
