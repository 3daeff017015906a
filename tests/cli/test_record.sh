#!/usr/bin/env bash
# test_record.sh - `pagesim record` on real programs (ls, a Python one-liner,
# shells that fork): the log is an mtrace log, it replays, and the replay
# counts exactly the operations the log holds; only the recorded process
# writes it; exit statuses and errors are those of record.h. Prints TAP.
#
# Environment: PAGESIM (the binary). Needs glibc's tracer; without it the
# whole test is skipped ("1..0 # SKIP", which Meson's TAP runner reports as
# a skip; exit 77 would count as an error under protocol 'tap').
set -u
: "${PAGESIM:?PAGESIM must name the pagesim binary}"
TRACER=/usr/lib/x86_64-linux-gnu/libc_malloc_debug.so.0
if [ ! -r "$TRACER" ]; then
    echo "1..0 # SKIP glibc's malloc tracer $TRACER is missing"
    exit 0
fi

N=0
FAILED=0
WORK=$(mktemp -d "${TMPDIR:-/tmp}/pagesim-record.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cd "$WORK" || exit 1

ok() {
    N=$((N + 1))
    echo "ok $N - $1"
}
not_ok() { # WHAT [DETAILS]
    N=$((N + 1))
    FAILED=$((FAILED + 1))
    echo "not ok $N - $1"
    if [ $# -gt 1 ]; then
        printf '%s\n' "$2" | head -c 2000 | sed 's/^/# /'
    fi
}
skip() {
    N=$((N + 1))
    echo "ok $N # SKIP $1"
}
expect_eq() { # WHAT GOT WANT
    if [ "$2" = "$3" ]; then ok "$1 ($2)"; else not_ok "$1" "got '$2', want '$3'"; fi
}

# rec NAME ARGS...: runs `pagesim ARGS...`, stdout to NAME.out, stderr to
# NAME.err, status in RC.
rec() {
    local name=$1
    shift
    "$PAGESIM" "$@" >"$name.out" 2>"$name.err"
    RC=$?
}

# count_op LOG OP: the lines of LOG whose operation is OP ('+', '-', '<',
# '>', '!'), with or without the "@ CALLER" part (whose last token ends in
# ']').
count_op() {
    grep -cE "^(@ .*\] )?[$2] " "$1"
}

# ops_count JSON KEY: the value of KEY inside the "ops" object.
ops_count() {
    tr -d '\n' <"$1" | grep -oE '"ops": *\{[^}]*\}' | grep -oE "\"$2\": *[0-9]+" |
        grep -oE '[0-9]+$'
}
json_count() { # JSON KEY: a top-level count such as "diagnostics"
    tr -d '\n' <"$1" | grep -oE "\"$2\": *[0-9]+" | head -1 | grep -oE '[0-9]+$'
}

# check_log WHAT LOG: the log is an mtrace log that replays, and the replay
# counted exactly its allocations, frees and reallocs.
check_log() {
    local what=$1 log=$2
    if [ "$(head -n 1 "$log")" = "= Start" ]; then
        ok "$what: the log opens with '= Start'"
    else
        not_ok "$what: the log opens with '= Start'" "$(head -n 3 "$log")"
    fi
    expect_eq "$what: the log starts once" "$(grep -c '^= Start' "$log")" 1
    rec replay replay --json "$log"
    if [ "$RC" -ne 0 ]; then
        not_ok "$what: pagesim replay --json reads the log" "$(cat replay.err)"
        return
    fi
    ok "$what: pagesim replay --json reads the log"
    expect_eq "$what: the replay sees an mtrace log" \
        "$(tr -d '\n' <replay.out | grep -oE '"format": *"[a-z]+"' | grep -oE '[a-z]+"$')" 'mtrace"'
    local plus minus lt bang malloc calloc
    plus=$(count_op "$log" '+')
    minus=$(count_op "$log" '-')
    lt=$(count_op "$log" '<')
    bang=$(count_op "$log" '!')
    malloc=$(ops_count replay.out malloc)
    calloc=$(ops_count replay.out calloc)
    expect_eq "$what: allocations replayed = '+' lines" "$((malloc + calloc))" "$plus"
    expect_eq "$what: frees replayed = '-' lines" "$(ops_count replay.out free)" "$minus"
    expect_eq "$what: reallocs replayed = '<' and '!' lines" \
        "$(ops_count replay.out realloc)" "$((lt + bang))"
    expect_eq "$what: '<' and '>' lines pair up" "$(count_op "$log" '>')" "$lt"
    expect_eq "$what: the replay counts no diagnostic" "$(json_count replay.out diagnostics)" 0
}

# --- ls -la /usr ---
ls -la /usr >ls.plain 2>/dev/null
rec ls record -o ls.mtrace -- ls -la /usr
expect_eq "record ls -la /usr exits with ls's status" "$RC" 0
if cmp -s ls.out ls.plain; then
    ok "stdout is exactly what ls prints"
else
    not_ok "stdout is exactly what ls prints" "$(diff ls.plain ls.out | head -20)"
fi
if [ "$(count_op ls.mtrace '+')" -ge 10 ]; then
    ok "the ls log holds its allocations ($(count_op ls.mtrace '+'))"
else
    not_ok "the ls log holds its allocations" "$(head -20 ls.mtrace)"
fi
check_log "ls" ls.mtrace

# --- a Python one-liner, through whatever python3 is on PATH (a wrapper
# script such as a pyenv shim execs the interpreter: tracing follows exec) ---
if command -v python3 >/dev/null 2>&1; then
    rec py record -o py.mtrace -- python3 -c "x=[str(i)*i for i in range(2000)]; del x"
    expect_eq "record python3 -c ... exits 0" "$RC" 0
    if grep -q python py.mtrace; then
        ok "the log is the interpreter's (its callers are python's code)"
    else
        not_ok "the log is the interpreter's (its callers are python's code)" "$(head -5 py.mtrace)"
    fi
    # Strings of more than 512 bytes bypass pymalloc: about 1800 of them.
    big=$(grep -cE '^(@ .*\] )?[+] 0x[0-9a-f]+ 0x([3-9a-f][0-9a-f]{2}|[0-9a-f]{4,})$' py.mtrace)
    if [ "$big" -ge 1500 ]; then
        ok "the log holds the one-liner's large strings ($big blocks over 767 bytes)"
    else
        not_ok "the log holds the one-liner's large strings" "only $big blocks over 767 bytes"
    fi
    check_log "python3" py.mtrace

    # A child forked without exec shares the log's descriptor and a copy of
    # the unwritten lines: neither may reach the log.
    cat >fork.py <<'EOF'
import os, sys
pid = os.fork()
if pid == 0:
    y = [str(i) * 600 for i in range(5000)]
    sys.exit(0)
os.waitpid(pid, 0)
EOF
    rec fork record -o fork.mtrace -- python3 fork.py
    expect_eq "record of a forking python3 exits 0" "$RC" 0
    check_log "forking python3" fork.mtrace
    n=$(count_op fork.mtrace '+')
    if [ "$n" -lt 5000 ]; then
        ok "the forked child's 5000 strings are not in the log ($n allocations)"
    else
        not_ok "the forked child's 5000 strings are not in the log" "$n allocations"
    fi

    # A shell's children that exec are not traced, and cannot restart the log.
    rec sh record -o sh.mtrace -- sh -c 'python3 -c "import sys"; ls / >/dev/null; true'
    expect_eq "record sh -c with children exits 0" "$RC" 0
    if grep -q python sh.mtrace; then
        not_ok "the shell's python3 child is not traced" "$(grep -m 3 python sh.mtrace)"
    else
        ok "the shell's python3 child is not traced"
    fi
    check_log "sh with children" sh.mtrace
else
    skip "python3 is not installed"
fi

# --- the environment the command and its children see ---
# shellcheck disable=SC2016 # expanded by the inner shells
LD_PRELOAD=/nonexistent/keep.so "$PAGESIM" record -o env.mtrace -- \
    sh -c 'echo "$LD_PRELOAD"; sh -c "echo \"[\$LD_PRELOAD][\${MALLOC_TRACE-unset}]\""; true' \
    >env.out 2>env.err
first=$(sed -n 1p env.out)
case $first in
*/libc_malloc_debug.so.0:*/libpagesim-mtrace.so:/nonexistent/keep.so)
    ok "LD_PRELOAD is tracer:helper, then the old value" ;;
*) not_ok "LD_PRELOAD is tracer:helper, then the old value" "$first" ;;
esac
expect_eq "a child's environment loses the tracing, keeps the rest" \
    "$(sed -n 2p env.out)" "[/nonexistent/keep.so][unset]"

# --- exit statuses ---
rec false record -o f.mtrace -- false
expect_eq "record -- false exits 1" "$RC" 1
rec exit42 record -o f.mtrace -- sh -c 'exit 42'
expect_eq "the command's status passes through" "$RC" 42
rec killed record -o f.mtrace -- sh -c 'kill -TERM $$'
expect_eq "a command killed by SIGTERM gives 128+15" "$RC" 143
if command -v python3 >/dev/null 2>&1; then
    # Killed before its tracer wrote the last lines out: the log is cut back
    # to its last whole operation and still replays.
    rec sigkill record -o kill.mtrace -- python3 -c 'import os, signal
x = [str(i) * i for i in range(300)]
os.kill(os.getpid(), signal.SIGKILL)'
    expect_eq "a command killed by SIGKILL gives 128+9" "$RC" 137
    if [ "$(tail -c 1 kill.mtrace | od -An -c | tr -d ' ')" = '\n' ]; then
        ok "the killed command's log ends with a whole line"
    else
        not_ok "the killed command's log ends with a whole line" "$(tail -c 200 kill.mtrace)"
    fi
    check_log "killed python3" kill.mtrace
fi
rec nocmd record -o f.mtrace -- pagesim-no-such-command-here
expect_eq "a command that does not exist gives 127" "$RC" 127
if grep -q "cannot run 'pagesim-no-such-command-here'" nocmd.err && [ ! -s nocmd.out ]; then
    ok "and says it cannot run it, on stderr only"
else
    not_ok "and says it cannot run it, on stderr only" "$(cat nocmd.out nocmd.err)"
fi
rec oflag record --output=f2.mtrace -- true
expect_eq "--output=FILE works" "$RC:$(head -c 7 f2.mtrace)" "0:= Start"

# --- no tracer ---
rm -f none.mtrace ran
PAGESIM_MALLOC_DEBUG=/nonexistent rec none record -o none.mtrace -- touch ran
expect_eq "without glibc's tracer: exit 1" "$RC" 1
if grep -qF "pagesim: glibc's malloc tracer (libc_malloc_debug.so.0) was not found; recording needs glibc 2.34 or later" none.err; then
    ok "without glibc's tracer: the message says so"
else
    not_ok "without glibc's tracer: the message says so" "$(cat none.err)"
fi
if [ ! -e ran ] && [ ! -e none.mtrace ] && [ ! -s none.out ]; then
    ok "without glibc's tracer: nothing is run or written"
else
    not_ok "without glibc's tracer: nothing is run or written"
fi
PAGESIM_MTRACE_HELPER=/nonexistent rec nohelper record -o nh.mtrace -- touch ran
expect_eq "without the helper: exit 1" "$RC" 1
if [ ! -e ran ]; then
    ok "without the helper: nothing is run"
else
    not_ok "without the helper: nothing is run"
fi

# --- the log cannot be created ---
rec nofile record -o "$WORK/no/such/dir/x.mtrace" -- touch ran
expect_eq "an uncreatable log: exit 1" "$RC" 1
if grep -q "cannot create" nofile.err && [ ! -e ran ]; then
    ok "an uncreatable log: said before running anything"
else
    not_ok "an uncreatable log: said before running anything" "$(cat nofile.err)"
fi

# --- the log cannot be written (glibc's tracer ignores write errors) ---
rec full record -o /dev/full -- true
expect_eq "a log that cannot be written (/dev/full): exit 1" "$RC" 1
if grep -q "cannot write the log to /dev/full: No space left on device" full.err; then
    ok "a log that cannot be written: the message says so"
else
    not_ok "a log that cannot be written: the message says so" "$(cat full.err)"
fi
mkdir -p "$WORK/tmp"
TMPDIR=$WORK/tmp rec full2 record -o /dev/full -- sh -c 'exit 3'
expect_eq "a lost log fails the recording whatever the command's status" "$RC" 1
TMPDIR=$WORK/tmp rec tmpok record -o tmpok.mtrace -- sh -c 'exit 3'
expect_eq "a log written: the command's status and the log" "$RC:$(head -c 7 tmpok.mtrace)" "3:= Start"
expect_eq "no temporary log is left behind" "$(ls -A "$WORK/tmp")" ""

# --- usage errors ---
usage_case() { # WHAT ARGS...
    local what=$1
    shift
    rec usage "$@"
    if [ "$RC" -eq 2 ] && grep -q '^usage: pagesim record' usage.err && [ ! -s usage.out ] &&
        [ ! -e ran ]; then
        ok "usage error: $what (exit 2)"
    else
        not_ok "usage error: $what (exit 2)" "exit $RC; $(cat usage.out usage.err)"
    fi
}
usage_case "no -o" record -- touch ran
usage_case "no --" record -o u.mtrace touch ran
usage_case "no COMMAND" record -o u.mtrace --
usage_case "-o without FILE" record -o
usage_case "unknown option" record --frobnicate -o u.mtrace -- touch ran
usage_case "nothing at all" record

echo "1..$N"
[ "$FAILED" -eq 0 ]
