#!/usr/bin/env bash
# Terminal test: text from a trace never reaches the terminal raw. A
# caption with ESC ] ... BEL (which would retitle the terminal), a CR (which
# would hide what precedes it) and a tab is drawn escaped, as replay --log
# prints it; and a --ram that cannot boot is a command-line error (exit 2).
. "$(dirname "$0")/lib.sh"
tr="$(mktemp -d "${TMPDIR:-/tmp}/pagesim-tui-esc.XXXXXX")"
trap 'cleanup; rm -rf "$tr"' EXIT
printf 'say \033]0;pwned\007 hidden\rshown\tend\nmalloc a 1\n' > "$tr/esc.trace"

start_shell 120 30
run_pagesim "$tr/esc.trace"
wait_for "esc.trace +op 0/2 "
ok $? "the visualizer starts on a trace with control bytes in a caption"
keys n
wait_for 'say: \\x1b\]0;pwned\\x07 hidden\\rshown\\tend'
ok $? "the caption is drawn escaped, nothing hidden"
keys 6
wait_for '>> \\x1b\]0;pwned\\x07 hidden\\rshown\\tend'
ok $? "the log view draws the caption escaped too"
keys q
wait_for "EXIT=0"
ok $? "q quits (exit 0)"
tmux_ display-message -p -t main '#{pane_title}' | grep -q pwned
[ $? -ne 0 ]
ok $? "the pane's title was not changed by the caption"

run_pagesim --ram 1M "$tr/esc.trace"
wait_for "EXIT=2"
ok $? "--ram 1M: a command-line error (exit 2)"
screen | grep -qE -- '^pagesim: --ram 1M: RAM of 1M is too small'
ok $? "--ram 1M: the message names the option"
screen | grep -qE -- '^usage: pagesim'
ok $? "--ram 1M: a usage line"
finish
