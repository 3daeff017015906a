# lib.sh - TAP helpers for the command-line tests (sourced). Each check
# prints "ok N - what" or "not ok N - what"; diagnostics go to stderr and as
# "# " lines. The plan is printed at the end (done_testing).
#
# Environment: PAGESIM (the binary), PAGESIM_SRC (the source tree).

set -u
: "${PAGESIM:?PAGESIM must name the pagesim binary}"
: "${PAGESIM_SRC:?PAGESIM_SRC must name the source tree}"
TAP_N=0
TAP_FAILED=0
WORK=$(mktemp -d "${TMPDIR:-/tmp}/pagesim-cli.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

ok() {
    TAP_N=$((TAP_N + 1))
    echo "ok $TAP_N - $1"
}

not_ok() {
    TAP_N=$((TAP_N + 1))
    TAP_FAILED=$((TAP_FAILED + 1))
    echo "not ok $TAP_N - $1"
    if [ $# -gt 1 ]; then
        printf '%s\n' "$2" | sed 's/^/# /'
    fi
}

# check WHAT CMD...: ok when CMD succeeds.
check() {
    local what=$1
    shift
    if "$@" >"$WORK/check.out" 2>&1; then
        ok "$what"
    else
        not_ok "$what" "$(head -c 2000 "$WORK/check.out")"
    fi
}

# run_pagesim OUT ERR ARGS...: runs pagesim, stdout to OUT, stderr to ERR;
# sets RC.
run_pagesim() {
    local out=$1 err=$2
    shift 2
    set +e
    "$PAGESIM" "$@" >"$out" 2>"$err"
    RC=$?
    set -e
}

# expect_rc WHAT WANT: compares the last RC.
expect_rc() {
    if [ "$RC" -eq "$2" ]; then
        ok "$1 (exit $2)"
    else
        not_ok "$1 (exit $RC, want $2)" "$(head -c 1000 "$WORK/err" 2>/dev/null)"
    fi
}

# Empty-file and grep checks.
expect_empty() {
    if [ ! -s "$2" ]; then ok "$1"; else not_ok "$1" "$(head -c 500 "$2")"; fi
}

expect_grep() {
    if grep -Eq -- "$2" "$3"; then ok "$1"; else not_ok "$1" "$(head -c 800 "$3")"; fi
}

done_testing() {
    echo "1..$TAP_N"
    [ "$TAP_FAILED" -eq 0 ]
}

# Python starts slowly on loaded machines: JSON checks are queued and run in
# one interpreter at the end. jcheck NAME KIND FILE [EXPECT]: KIND is one of
# the predicates of jcheck.py (valid, summary, lastjson, cr0pg, longmode,
# anybyte); EXPECT a JSON object whose leaves must match.
JCHECK_N=0
jcheck() {
    JCHECK_N=$((JCHECK_N + 1))
    local copy="$WORK/jcheck.$JCHECK_N"
    cp "$3" "$copy" 2>/dev/null || : > "$copy"
    local exp=${4:-'{}'}
    printf '%s\t%s\t%s\t%s' "$1" "$2" "$copy" "$exp" | tr -d '\n' >> "$WORK/jchecks"
    printf '\n' >> "$WORK/jchecks"
}

run_jchecks() {
    [ -s "$WORK/jchecks" ] || return 0
    python3 "$(dirname "${BASH_SOURCE[0]}")/jcheck.py" "$WORK/jchecks" > "$WORK/jcheck.out" 2>&1 || true
    local name status why
    while IFS=$'\t' read -r status name why; do
        if [ "$status" = PASS ]; then ok "$name"; else not_ok "$name" "$why"; fi
    done < "$WORK/jcheck.out"
    local want got
    want=$(wc -l < "$WORK/jchecks")
    got=$(grep -c -E '^(PASS|FAIL)' "$WORK/jcheck.out" || true)
    [ "$want" -eq "$got" ] || not_ok "jcheck.py ran every JSON check ($got of $want)" "$(tail -5 "$WORK/jcheck.out")"
}
