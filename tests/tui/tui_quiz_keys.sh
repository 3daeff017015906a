#!/usr/bin/env bash
# Terminal test: the quiz (Q) as a student really types, at 80x24 and
# 120x40. Navigation keys are never read as the answer: "nn0x107000" steps
# twice (the second n leaves the first question's prompt and steps on) and
# answers the second question with 0x107000 (before, the answer read
# "n0x107000", not understood). The quiz keeps a score, right/asked, in the
# status line and in the Translation view; giving up (Q) counts as asked.
# While a question is open, nothing gives its answer away: the caption is
# hidden, and so are the Log, TLB, Heap and Frames views (each can show the
# frame); the Tables view stays, to walk by hand. Answered, all comes back.
# The expected physical address comes from `pagesim translate`.
. "$(dirname "$0")/lib.sh"
trace="$PAGESIM_SRC/traces/01-first-allocation.trace"
va=0xd0000010
pa=$("$PAGESIM" translate --at 2 "$trace" $va | sed -n "s/^$va ([^)]*): \(0x[0-9a-f]*\) .*/\1/p")
[ -n "$pa" ]
ok $? "translate gives the expected answer ($pa)"
digits=$(printf '%x' "$pa")
cap2="One small allocation"

# ask ADDR: t, the address, Enter; waits for the answer prompt.
ask() {
    keys t
    wait_for "quiz: translate ADDR" >/dev/null
    keys -l "$1"
    keys Enter
    wait_for "^your answer: "
}

for size in "80 24" "120 40"; do
    set -- $size
    w=$1 h=$2 at="${1}x$2"
    start_shell "$w" "$h"
    run_pagesim "$trace"
    wait_for "op 0/"
    keys g 7 Enter
    wait_for "op 7/"
    keys Q
    wait_for "PAUSED QUIZ 0/0"
    ok $? "$at: Q turns the quiz on, the score 0/0 on the status line"

    # Two steps onto accesses, then an address: the second n is a step.
    keys -l "nn0x107000"
    keys Enter
    wait_for "op 9/" && wait_for "^(right: pa 0x00107000|wrong: you said 0x00107000)" &&
        wait_for "QUIZ [01]/1"
    ok $? "$at: 'nn0x107000' stepped twice and answered op 9's question with 0x107000"
    ! screen | grep -qE "you said .*n0x|not understood"
    ok $? "$at: no n in the answer"
    keys Q
    wait_for "quiz off" && wait_gone "QUIZ"

    keys g 2 Enter
    wait_for "op 2/"
    keys Q
    wait_for "PAUSED QUIZ 0/0"
    ask "$va"
    keys -l "$digits"
    keys Enter
    wait_for "^right: pa " && wait_for "PAUSED QUIZ 1/1" && wait_for "score 1/1 \(right/asked\)"
    ok $? "$at: a right answer: score 1/1 in the status line and the view"

    ask "$va"
    keys Escape
    wait_for "question open; t answers it"
    wait_for "say: \(hidden until you answer\)" && ! screen | grep -q "$cap2"
    ok $? "$at: a question open: the caption is hidden"
    ! screen | grep -qiE "$digits"
    ok $? "$at: nothing on screen shows the answer"
    hidden=0
    for v in 6 4 5 1; do
        keys "$v"
        wait_for "^ ?$v [A-Za-z]+ \*" >/dev/null && wait_for "hidden while the quiz question is open" >/dev/null &&
            ! screen | grep -qiE "$digits|0x0*107" || hidden=1
    done
    [ "$hidden" -eq 0 ]
    ok $? "$at: the Log, TLB, Heap and Frames views are hidden (they show the frame)"
    keys 2
    wait_for "^ ?2 Tables \*" && wait_for "CR3 " && ! screen | grep -q "hidden while the quiz"
    ok $? "$at: the Tables view stays, to walk by hand"
    keys t
    wait_for "^your answer: "
    keys -l "0x123000"
    keys Enter
    wait_for "^wrong: you said 0x00123000" && wait_for "PAUSED QUIZ 1/2"
    ok $? "$at: a wrong answer: score 1/2"
    wait_for "say: $cap2"
    ok $? "$at: answered: the caption is back"
    keys 6
    wait_for "^ ?6 Log \*" && wait_gone "hidden while the quiz"
    ok $? "$at: answered: the Log view is back"

    ask "$va"
    keys Escape
    wait_for "question open"
    keys Q
    wait_for "quiz off: the answer is shown; score 1/3"
    ok $? "$at: Q with a question open gives up: counted as asked, 1/3"
    keys q
    wait_for "EXIT=0"
    tmux_ kill-server
    SOCK="$SOCK-next"
done
finish
