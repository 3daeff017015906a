#!/usr/bin/env bash
# expect.sh - checked lessons (CONTRACT 1 exit 3, 2.1 `expect`, 3 JSON
# "expect"): a failed expectation is reported on stderr as FILE:LINE:COL,
# the summary still comes out, the exit status is 3 (replay and translate);
# JSON counts what held and what failed; --log prints every check; a bad
# expect line is an input error naming its token. And every numbered lesson
# (traces/NN-*.trace), replayed in its own paging mode, states facts with
# `expect` lines and every one of them holds.
. "$(dirname "$0")/lib.sh"
set -e
cd "$PAGESIM_SRC"

# jnum FILE KEY...: the number at that path of a JSON file ("" when absent).
jnum() {
    python3 - "$@" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for k in sys.argv[2:]:
    d = d.get(k) if isinstance(d, dict) else None
print("" if d is None else d)
PY
}

T=$WORK/t.trace
cat > "$T" <<'TR'
paging 32
expect frames used 7
say one allocation
malloc a 100
expect frames used 9
expect frames used 10
write a 0 4
expect tlb hit
expect tlb miss
TR

# --- a failed expectation: stderr, summary, exit 3 ---
run_pagesim "$WORK/out" "$WORK/err" replay "$T"
expect_rc "replay with a failed expect" 3
expect_grep "stderr names FILE:LINE:COL, the fact and what was found" \
    '^.*t\.trace:6:8: expectation failed: frames used 10 \(found: frames used 9\)$' "$WORK/err"
expect_grep "a failed tlb fact says what the access did" \
    't\.trace:9:8: expectation failed: tlb miss \(found: tlb hit at 0xd0000020\)$' "$WORK/err"
if [ "$(wc -l < "$WORK/err")" -eq 2 ]; then ok "one stderr line per failure"; else
    not_ok "one stderr line per failure" "$(cat "$WORK/err")"; fi
expect_grep "the summary is still printed" '^frames +4096 total' "$WORK/out"
expect_grep "the text summary counts the checks" '^expect +3 held, 2 failed$' "$WORK/out"

run_pagesim "$WORK/out" "$WORK/err" replay --json "$T"
expect_rc "replay --json with a failed expect" 3
if [ "$(jnum "$WORK/out" expect passed)/$(jnum "$WORK/out" expect failed)" = 3/2 ]; then
    ok "JSON expect counts passed 3, failed 2"
else
    not_ok "JSON expect counts passed 3, failed 2" "$(tail -3 "$WORK/out")"
fi

run_pagesim "$WORK/out" "$WORK/err" replay --log "$T"
expect_rc "replay --log with a failed expect" 3
expect_grep "--log prints a held check" \
    '^op 2 line 5: expect frames used 9: holds \(found: frames used 9\)$' "$WORK/out"
expect_grep "--log prints a failed check" \
    '^op 2 line 6: expect frames used 10: FAILED \(found: frames used 9\)$' "$WORK/out"
expect_grep "--log prints the boot's check after the boot's events" \
    '^boot: line 2: expect frames used 7: holds' "$WORK/out"
if [ "$(grep -n '^boot: line 2: expect' "$WORK/out" | cut -d: -f1)" -gt \
    "$(grep -n '^boot: ' "$WORK/out" | grep -v expect | tail -1 | cut -d: -f1)" ]; then
    ok "--log: the boot's check comes after the boot's events"
else
    not_ok "--log: the boot's check comes after the boot's events"
fi

run_pagesim "$WORK/out" "$WORK/err" translate "$T" 0xd0000000
expect_rc "translate with a failed expect" 3
expect_grep "translate reports the failure too" 't\.trace:6:8: expectation failed' "$WORK/err"
expect_grep "translate still prints its walk" '^0xd0000000' "$WORK/out"

# --at: only the operations run are checked.
run_pagesim "$WORK/out" "$WORK/err" replay --json --at 1 "$T"
expect_rc "replay --at before the failing line" 0
if [ "$(jnum "$WORK/out" expect passed)/$(jnum "$WORK/out" expect failed)" = 1/0 ]; then
    ok "--at 1 (the say) checks op 0's fact only"
else
    not_ok "--at 1 (the say) checks op 0's fact only" "$(tail -3 "$WORK/out")"
fi

# --- all facts hold: exit 0; no expect lines: no "expect" key ---
grep -v -e 'used 10' -e 'tlb miss' "$T" > "$WORK/good.trace"
run_pagesim "$WORK/out" "$WORK/err" replay --json "$WORK/good.trace"
expect_rc "replay when every expect holds" 0
expect_empty "nothing on stderr when every expect holds" "$WORK/err"
run_pagesim "$WORK/out" "$WORK/err" replay --json traces/mistakes.trace
if [ "$(jnum "$WORK/out" expect)" = "" ]; then ok "no expect key without expect lines"; else
    not_ok "no expect key without expect lines"; fi

# --- a bad expect line: exit 1, FILE:LINE:COL naming the token ---
bad() { # WHAT LINE WANT
    printf 'malloc a 1\n%s\n' "$2" > "$WORK/bad.trace"
    run_pagesim "$WORK/out" "$WORK/err" replay "$WORK/bad.trace"
    expect_rc "$1 is an input error" 1
    expect_grep "$1: the error names line:col and token" "bad.trace:$3" "$WORK/err"
}
bad "an unknown fact" "expect tlb hot" "2:12: error: expected hit, miss, holds or lacks, got 'hot'"
bad "no fact" "expect" "2:7: error: expected a fact"
bad "a fact word unknown" "expect frames usedd 3" "2:15: error: expected used or free, got 'usedd'"
bad "a bad error code" "expect fault 0xZZ" "2:14: error: expected an error code or #GP, got '0xZZ'"
bad "a bad register value" "expect cr3 banana" "2:12: error: expected a register value, got 'banana'"
bad "trailing words" "expect nofault now" "2:16: error: unexpected 'now'"
bad "a pa without its answer" "expect pa 0x1000" "2:17: error: expected a physical address or fault"

# --- every numbered lesson: its facts hold in its own mode ---
for tr in traces/[0-9][0-9]-*.trace; do
    name=$(basename "$tr" .trace)
    run_pagesim "$WORK/out" "$WORK/err" replay --json "$tr"
    p=$(jnum "$WORK/out" expect passed)
    f=$(jnum "$WORK/out" expect failed)
    if [ "$RC" -eq 0 ] && [ "$f" = 0 ] && [ -n "$p" ] && [ "$p" -gt 0 ]; then
        ok "$name: $p facts, all hold"
    else
        not_ok "$name: every expect holds (exit $RC, passed '${p}', failed '${f}')" \
            "$(head -c 1500 "$WORK/err")"
    fi
done

done_testing
