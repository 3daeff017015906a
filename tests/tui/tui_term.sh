#!/usr/bin/env bash
# Terminal test: the visualizer refuses a terminal it cannot drive (CONTRACT
# 1, exit 2) with a one-line reason on stderr and the terminal untouched: no
# alternate screen, nothing drawn, the modes as the shell had them. TERM=dumb
# (no cursor addressing), a terminfo entry without cup (compiled with tic),
# an unknown TERM, no TERM; and no terminal at all (stdin or stdout not a
# tty). Before this, TERM=dumb gave a blank screen that still took keys.
. "$(dirname "$0")/lib.sh"
lesson="$PAGESIM_SRC/traces/01-first-allocation.trace"
tmp=$(mktemp -d)
trap 'cleanup; rm -rf "$tmp"' EXIT

start_shell 100 30
# refused NAME ENV-PREFIX REGEX [REDIRECTIONS]: runs pagesim under the
# environment given, stderr to a file; it must end at once with exit 2 and
# leave the screen as the shell had it.
# Each run ends its line with a serial number of its own, so that the wait
# cannot take the previous run's line (still on screen until clear runs).
serial=0
refused() {
    local name=$1 envs=$2 want=$3 redir=${4:-}
    serial=$((serial + 1))
    rm -f "$tmp/err"
    keys "clear; env $envs $PAGESIM $lesson 2>$tmp/err $redir; echo EXIT=\$?/$serial" Enter
    if ! wait_for "^EXIT=[0-9]+/$serial$"; then
        keys q # the old code sat in its full-screen loop
        wait_for "^EXIT=[0-9]+/$serial$" >/dev/null
    fi
    local rows
    rows=$(screen | grep -cv '^$')
    line_shows 1 "^EXIT=2/$serial$" && [ "$rows" -le 2 ]
    ok $? "$name: exit 2 at once, nothing drawn"
    [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -qE -- "^pagesim: $want" "$tmp/err"
    ok $? "$name: one line on stderr: $(head -c 120 "$tmp/err")"
    pane_is '#{alternate_on}' 0
    ok $? "$name: the terminal was never taken over"
}

refused "TERM=dumb" "TERM=dumb" "TERM=dumb has no cursor addressing"
refused "unknown TERM" "TERM=no-such-terminal-xyz" "unknown terminal type \(TERM=no-such-terminal-xyz\)"
refused "no TERM" "-u TERM" "TERM is not set"
refused "empty TERM" "TERM=" "TERM is not set"
if command -v tic >/dev/null 2>&1; then
    # A terminal that can clear the screen and move down, but not address
    # the cursor.
    printf 'nocup|a terminal without cursor addressing,\n\tam, cols#80, lines#24,\n\tbel=^G, clear=\\E[H\\E[2J, cr=\\r, cud1=\\n, ind=\\n,\n' \
        >"$tmp/nocup.src"
    tic -o "$tmp/ti" "$tmp/nocup.src" 2>/dev/null
    refused "a TERM without cup (tic)" "TERMINFO=$tmp/ti TERM=nocup" "TERM=nocup has no cursor addressing"
else
    ok 0 "# SKIP tic is not installed"
fi
refused "stdin not a terminal" "" "the visualizer needs a terminal on stdin and stdout" "</dev/null"
# stdout into a pipe: EXIT is cat's... so ask the pipe for pagesim's status.
rm -f "$tmp/err"
keys "clear; $PAGESIM $lesson 2>$tmp/err | cat; echo EXIT=\${PIPESTATUS[0]}/piped" Enter
wait_for "^EXIT=[0-9]+/piped$" || { keys q; wait_for "^EXIT=[0-9]+/piped$" >/dev/null; }
line_shows 1 "^EXIT=2/piped$" && [ "$(wc -l <"$tmp/err")" -eq 1 ] &&
    grep -q "^pagesim: the visualizer needs a terminal on stdin and stdout" "$tmp/err"
ok $? "stdout not a terminal: exit 2, one line on stderr"

check_modes
ok $? "the shell's terminal modes are as before"
keys "clear; $PAGESIM $lesson; echo EXIT=\$?" Enter
wait_for "op 0/"
ok $? "with TERM=xterm-256color the visualizer still starts"
keys q
wait_for "^EXIT=0"
finish
