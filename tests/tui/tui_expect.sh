#!/usr/bin/env bash
# Terminal test: the mark next to a caption whose `expect` facts were
# checked (docs/trace-format.md "Checked lessons"): none while the
# caption's facts are still ahead, a check mark once they held, a cross
# when one failed, and the ASCII forms "[ok]" / "[X]" under a locale that
# is not UTF-8. At 80x24 and 120x40.
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
cleanup_expect() {
    cleanup
    rm -rf "$tmp"
}
trap cleanup_expect EXIT
cat >"$tmp/bad.trace" <<'TR'
paging 32
say one allocation
malloc a 100
expect frames used 9
say a fact that does not hold
malloc b 100
expect frames used 99
TR
lesson="$PAGESIM_SRC/traces/01-first-allocation.trace"

# run LOCALE ARGS...: pagesim under that locale.
run() {
    local loc=$1
    shift
    keys "clear; LANG=$loc LC_ALL=$loc $PAGESIM $*; echo EXIT=\$?" Enter
}

start_shell 80 24
for size in "80 24" "120 40"; do
    set -- $size
    w=$1 h=$2
    tmux_ resize-window -t main -x "$w" -y "$h"
    run C.UTF-8 "$lesson"
    wait_for "op 0/" >/dev/null
    keys n
    wait_line 3 "say: One small allocation" >/dev/null
    line_shows 3 "^ say: One small"
    ok $? "${w}x${h}: no mark while the caption's facts are ahead (op 1)"
    keys n
    wait_line 3 "✓ say: One small allocation"
    ok $? "${w}x${h}: a check mark once its facts held (op 2)"
    keys q
    wait_for "EXIT=0" >/dev/null

    run C.UTF-8 "$tmp/bad.trace"
    wait_for "op 0/" >/dev/null
    keys n n n n
    wait_line 3 "✗ say: a fact that does not hold"
    ok $? "${w}x${h}: a cross when a fact failed"
    keys b b
    wait_line 3 "✓ say: one allocation"
    ok $? "${w}x${h}: stepping back shows the earlier caption's mark again"
    keys q
    wait_for "EXIT=0" >/dev/null

    run C "$tmp/bad.trace"
    wait_for "op 0/" >/dev/null
    keys n n
    wait_line 3 "\[ok\] say: one allocation"
    ok $? "${w}x${h}: ASCII [ok] outside UTF-8"
    keys n n
    wait_line 3 "\[X\] say: a fact that does not hold"
    ok $? "${w}x${h}: ASCII [X] outside UTF-8"
    keys q
    wait_for "EXIT=0" >/dev/null
done
finish
