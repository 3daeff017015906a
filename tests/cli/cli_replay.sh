#!/usr/bin/env bash
# cli_replay.sh - `pagesim replay`: the text summary, --json (CONTRACT 3:
# every key, valid JSON, addresses as "0x" strings, counts as numbers),
# --log lines, --at, the shared options, --save-ram (exactly RAM-size bytes,
# sparse for 4 GiB), --strict, and determinism (two runs, same bytes).
. "$(dirname "$0")/lib.sh"
set -e
TR="$PAGESIM_SRC/traces"
E="$WORK/err"
O="$WORK/out"

# Text summary.
run_pagesim "$O" "$E" replay "$TR/mistakes.trace"
expect_rc "replay mistakes.trace (diagnostics are not errors)" 0
for word in '^trace ' '^ops ' '^heap ' '^frames ' '^TLB ' '^faults ' '^diagnostics ' '^registers .*CR3=0x'; do
    expect_grep "text summary has '$word'" "$word" "$O"
done

# JSON: keys, types, and values for a trace whose counts we know.
cat > "$WORK/known.trace" <<'T'
# known counts
ram 16M
paging 32
say hello
malloc a 100
write a 0 100
malloc b 200
free a
read b 0 4
free b
free b
T
run_pagesim "$O" "$E" replay --json "$WORK/known.trace"
expect_rc "replay --json" 0
jcheck "replay --json has every CONTRACT 3 key with the right types" summary "$O"
jcheck "replay --json counts: ops, heap, diagnostics, format, paging" summary "$O" '{"format": "native", "paging": "32", "ram_bytes": 16777216,
      "operations": 8, "ops": {"malloc": 2, "calloc": 0, "realloc": 0, "free": 3, "read": 1,
      "write": 1}, "heap": {"live_blocks": 0, "live_bytes": 0, "peak_live_bytes": 300,
      "failed_allocs": 0}, "diagnostics": 1, "page_faults": 0}'
jcheck "replay --json: CR0 has PG and PE" cr0pg "$O"

# --at: counts up to operation N; 0 is before the first.
run_pagesim "$O" "$E" replay --json --at 3 "$WORK/known.trace"
jcheck "--at 3 counts three operations" summary "$O" \
    '{"ops": {"malloc": 1, "write": 1, "free": 0}, "heap": {"live_blocks": 1, "live_bytes": 100}}'
run_pagesim "$O" "$E" replay --json --at 0 "$WORK/known.trace"
jcheck "--at 0 runs nothing" summary "$O" \
    '{"ops": {"malloc": 0, "write": 0}, "heap": {"live_blocks": 0}}'
run_pagesim "$O" "$E" replay --json --at=99 "$WORK/known.trace"
jcheck "--at past the end stops at the end" summary "$O" '{"ops": {"free": 3}}'

# Shared options override the trace.
for mode in 32 pse pae long; do
    run_pagesim "$O" "$E" replay --json --paging $mode --ram 32M --tlb 16:2 "$WORK/known.trace"
    jcheck "--paging $mode --ram 32M --tlb 16:2" summary "$O" \
        "{\"paging\": \"$mode\", \"ram_bytes\": 33554432, \"frames\": {\"total\": 8192}}"
done
run_pagesim "$O" "$E" replay --json --paging long "$WORK/known.trace"
jcheck "long mode: CR4.PAE and EFER.LME/LMA set" longmode "$O"
run_pagesim "$O" "$E" replay --json --paging pae "$TR/mtrace_small.trace"
jcheck "mtrace trace: format mtrace, failed allocation counted" summary "$O" \
    '{"format": "mtrace", "paging": "pae", "heap": {"failed_allocs": 1, "live_blocks": 0}}'

# --log: one line per event, op index and trace line, before the summary.
run_pagesim "$O" "$E" replay --log "$WORK/known.trace"
expect_rc "replay --log" 0
expect_grep "--log: boot lines" '^boot: ' "$O"
expect_grep "--log: caption" '^op 1 line 4: say: hello$' "$O"
expect_grep "--log: PFA frame" '^op 2 line 5: PFA gave frame 0x[0-9a-f]{8} \(' "$O"
expect_grep "--log: entry write" '^op 2 line 5: (PDE|PTE) [0-9]+ at 0x[0-9a-f]{8}: 0x[0-9a-f]{8} -> 0x[0-9a-f]{8}' "$O"
expect_grep "--log: TLB miss" '^op 2 line 5: TLB miss 0x[0-9a-f]{8}' "$O"
expect_grep "--log: double free" '^op 8 line 11: diagnostic: double free' "$O"
expect_grep "--log: summary after the log" '^registers ' "$O"
printf 'paging 32\nwrite 0xd0001000 4\n' > "$WORK/pf.trace"
run_pagesim "$O" "$E" replay --log "$WORK/pf.trace"
expect_grep "--log: page fault line" '^op 1 line 2: #PF err=0x2 \(write, not present\) CR2=0xd0001000$' "$O"
run_pagesim "$O" "$E" replay --log --json "$WORK/known.trace"
jcheck "--log --json: the JSON object comes last" lastjson "$O"

# --save-ram: exactly RAM-size bytes; deterministic.
run_pagesim "$O" "$E" replay --save-ram "$WORK/ram1" "$WORK/known.trace"
expect_rc "--save-ram" 0
size=$(stat -c %s "$WORK/ram1")
if [ "$size" -eq 16777216 ]; then ok "--save-ram writes exactly 16 MiB"; else not_ok "--save-ram writes exactly 16 MiB (got $size)"; fi
run_pagesim "$O" "$E" replay --save-ram="$WORK/ram2" "$WORK/known.trace"
check "--save-ram twice gives the same bytes" cmp "$WORK/ram1" "$WORK/ram2"
run_pagesim "$WORK/j1" "$E" replay --json --paging long "$TR/long_mode.trace"
run_pagesim "$WORK/j2" "$E" replay --json --paging long "$TR/long_mode.trace"
check "--json twice gives the same bytes" cmp "$WORK/j1" "$WORK/j2"
jcheck "the RAM image is not all zeros" anybyte "$WORK/ram1"
run_pagesim "$O" "$E" replay --ram 4G --save-ram "$WORK/ram4g" "$WORK/known.trace"
expect_rc "--ram 4G --save-ram" 0
size=$(stat -c %s "$WORK/ram4g")
if [ "$size" -eq 4294967296 ]; then ok "--save-ram writes exactly 4 GiB"; else not_ok "--save-ram writes exactly 4 GiB (got $size)"; fi
blocks=$(stat -c %b "$WORK/ram4g")
if [ "$blocks" -lt 262144 ]; then ok "the 4 GiB image is sparse ($blocks blocks)"; else not_ok "the 4 GiB image is sparse ($blocks blocks)"; fi
rm -f "$WORK/ram4g"
run_pagesim "$O" "$E" replay --save-ram "$WORK/nodir/x" "$WORK/known.trace"
if [ "$RC" -ne 0 ] && [ -s "$E" ]; then ok "--save-ram to an unwritable path fails with a message"; else not_ok "--save-ram to an unwritable path fails with a message"; fi

# --strict: exit 1 at the first diagnostic, FILE:LINE:COL, nothing on stdout.
run_pagesim "$O" "$E" replay --strict "$WORK/known.trace"
expect_rc "--strict with a double free" 1
expect_empty "--strict: nothing on stdout" "$O"
expect_grep "--strict: FILE:11:1: error: double free" "^$WORK/known.trace:11:1: error: .*double free" "$E"
run_pagesim "$O" "$E" replay --strict --log "$WORK/known.trace"
expect_rc "--strict --log with a double free" 1
expect_empty "--strict --log: nothing on stdout" "$O"
run_pagesim "$O" "$E" replay --strict --at 7 --json "$WORK/known.trace"
expect_rc "--strict stops caring after --at" 0
jcheck "--strict --at 7: a valid summary" summary "$O"
run_pagesim "$O" "$E" replay --strict "$WORK/pf.trace"
expect_rc "--strict with a page fault" 1
expect_grep "--strict: the fault at 2:1" "^$WORK/pf.trace:2:1: error: " "$E"

# Every example trace replays in every mode without error. A lesson's
# `expect` facts are its own mode's: in another mode exit 3, with only
# "expectation failed" lines on stderr, is a replay that ran (CONTRACT 1).
for t in "$TR"/*.trace; do
    for mode in 32 pae long; do
        run_pagesim "$O" "$E" replay --json --paging $mode "$t"
        if [ "$RC" -eq 3 ] && ! grep -qv ': expectation failed: ' "$E"; then
            RC=0
        fi
        expect_rc "$(basename "$t") --paging $mode" 0
        jcheck "$(basename "$t") --paging $mode: a valid summary" summary "$O" "{\"paging\": \"$mode\"}"
    done
done

run_jchecks
done_testing
