#!/usr/bin/env bash
# Terminal test: quiz mode, tried as a student would. Q turns it on; t ADDR
# shows the address, its fields and CR3 but not where it goes; a wrong
# answer says "wrong" and reveals the physical address, the right one (hex
# without 0x) says "right"; a faulting address answered pf is right; garbage
# is refused without revealing; Esc leaves the question open and t answers
# it; a step (n) onto an access asks about it; Q turns it off. The expected
# physical address comes from `pagesim translate`, not from the visualizer.
. "$(dirname "$0")/lib.sh"
trace="$PAGESIM_SRC/traces/01-first-allocation.trace"

va=0xd0000010
pa=$("$PAGESIM" translate --at 2 "$trace" $va | sed -n "s/^$va ([^)]*): \(0x[0-9a-f]*\) .*/\1/p")
[ -n "$pa" ]
ok $? "translate gives the expected answer ($pa)"
digits=$(printf '%x' "$pa")            # 107010: however the screen would write it
wrong=$(printf '0x%x' $((pa + 0x1000))) # the next frame, same offset

start_shell 100 30
run_pagesim "$trace"
wait_for "op 0/"
keys g 2 Enter
wait_for "op 2/"

keys '?'
wait_for "^Q +quiz mode on/off"
ok $? "the help screen lists Q"
keys q
wait_for "op 2/"

keys Q
wait_for "PAUSED QUIZ" && wait_for "quiz on"
ok $? "Q turns quiz mode on (status line)"

keys t
wait_for "quiz: translate ADDR"
keys -l "$va"
keys Enter
wait_for "^your answer: physical address in hex, or 'pf' / 'gp'" &&
    wait_for "^quiz: probe of $va at op 2: no A/D, no TLB fill" &&
    wait_for "^read, supervisor; the tables as they are now" && wait_for "PDE 31:22 = 832" &&
    wait_for "^CR3 0x"
ok $? "the question shows the address, the access, the fields and CR3"
! screen | grep -qiE "$digits|=> frame|TLB holds|PTE\[0\]"
ok $? "the physical address, the walk and the TLB are hidden"

keys -l "hello"
keys Enter
wait_for "not understood, try again" && wait_for "^your answer: "
ok $? "garbage: not understood, asked again"
! screen | grep -qiE "$digits|^right|^wrong"
ok $? "garbage reveals nothing"

keys -l "$wrong"
keys Enter
wait_for "^wrong: you said $(printf '0x%08x' "$wrong"), the answer is pa $(printf '0x%08x' "$pa")"
ok $? "a wrong address: wrong, and the right one revealed"
wait_for "^the walk went CR3 -> PDE\[832\] -> PTE\[0\] -> frame" &&
    wait_for "^frame 0x[0-9a-f]+ \+ offset 0x10 .* = pa $(printf '0x%08x' "$pa")" &&
    wait_for "=> frame .* = pa 0x$digits "
ok $? "then the walk: frame + offset, and the whole view"

keys t
wait_for "quiz: translate ADDR"
keys -l "$va"
keys Enter
wait_for "^your answer: "
keys Escape
wait_for "question open; t answers it"
! screen | grep -qiE "$digits"
ok $? "Esc leaves the question open and hidden"
keys t
wait_for "^your answer: "
keys -l "$digits"
keys Enter
wait_for "^right: pa $(printf '0x%08x' "$pa")"
ok $? "the right address, hex without 0x: right"

keys t
wait_for "quiz: translate ADDR"
keys -l "0xd0005000 w"
keys Enter
wait_for "^your answer: " && wait_for "^quiz: probe of 0xd0005000 at op" &&
    wait_for "^write, supervisor"
! screen | grep -qE "#PF|not present"
ok $? "a faulting address: the fault is hidden too"
keys -l "pf"
keys Enter
wait_for "^right: #PF, error code 0x2 \(not present\)" &&
    wait_for "^because PTE\[5\] = 0x00000000 has P=0"
ok $? "answered pf: right, and which entry was not present"

keys n
wait_for "op 3/"
keys n
wait_for "op 4/" && wait_for "^quiz: probe of 0xd0[0-9a-f]+ at op 4" &&
    wait_for "^write, supervisor" && wait_for "^your answer: "
ok $? "n onto an access asks about it"
keys -l "gp"
keys Enter
wait_for "^wrong: you said #GP, the answer is pa 0x"
ok $? "gp for a translation that works: wrong"

keys Q
wait_for "quiz off" && ! screen | head -n 1 | grep -q QUIZ
ok $? "Q turns quiz mode off"
keys t
wait_for "^translate ADDR"
keys -l "$va"
keys Enter
wait_for "=> frame .* = pa 0x$digits "
ok $? "quiz off: t shows the walk at once"
keys q
wait_for "EXIT=0"
ok $? "q quits"
finish
