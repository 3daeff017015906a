#!/usr/bin/env bash
# Terminal test: under a locale that is not UTF-8 (LC_ALL=C; LANG=C with no
# LC_ALL; a Latin-1 locale when one is installed) every text the visualizer
# draws degrades to ASCII: the captions of tests/data/utf8-captions.trace
# show "->", "--", "ok", '"' and plain letters, in the caption row and in the
# Log view, never raw bytes or ncurses's "M-" / "~" escapes (the mojibake of
# before). Under C.UTF-8 the same captions show as written. 80x24 and
# 120x40.
. "$(dirname "$0")/lib.sh"
trace="$PAGESIM_SRC/tests/data/utf8-captions.trace"
ascii1='say: malloc -> VMM -> frame -- done ok "cafe" \.\.\.'
ascii2='x x naive <= 4 KiB'

# No byte outside printable ASCII anywhere on the screen.
all_ascii() { ! screen | LC_ALL=C grep -q '[^ -~]'; }

# run_in LOCALE-ENV W H: the lesson's two captions in the caption row and
# in the Log view.
run_in() {
    local envs=$1 w=$2 h=$3 name="$1 ${2}x$3"
    start_shell "$w" "$h" $envs
    run_pagesim "$trace"
    wait_for "op 0/"
    keys n
    wait_for "op 1/" && wait_line 2 "$ascii1"
    ok $? "$name: the caption in ASCII"
    all_ascii && ! screen | grep -qE 'M-|~[@A-Z\\^]'
    ok $? "$name: nothing but ASCII on screen, no escapes"
    keys n n n 6
    wait_for "op 4/" && wait_line 2 "say: $ascii2" && wait_for "^>> $ascii2"
    ok $? "$name: the next caption, and the Log view, in ASCII"
    all_ascii
    ok $? "$name: still nothing but ASCII"
    keys q
    wait_for "EXIT=0"
    tmux_ kill-server
    SOCK="$SOCK-next"
}

for size in "80 24" "120 40"; do
    set -- $size
    run_in "LC_ALL=C" "$1" "$2"
    run_in "LC_ALL= LC_CTYPE= LANG=C" "$1" "$2"
done
latin1=$(locale -a 2>/dev/null | grep -iE 'iso8859-?1$|latin-?1$' | head -n 1)
if [ -n "$latin1" ]; then
    run_in "LC_ALL=$latin1" 120 40
else
    ok 0 "# SKIP no Latin-1 locale is installed (locale -a)"
fi

# UTF-8: as written.
start_shell 120 40 LC_ALL=C.UTF-8
run_pagesim "$trace"
wait_for "op 0/"
keys n
wait_for "op 1/" && wait_line 2 'say: malloc → VMM → frame — done ✓ “café” …'
ok $? "C.UTF-8: the caption as written"
keys q
wait_for "EXIT=0"
finish
