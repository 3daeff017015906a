#!/usr/bin/env bash
# cli_errors.sh - what is bad input and what is not (docs/trace-format.md,
# "Bad input or a refused request"): a request a real allocator refuses is a
# failed allocation (exit 0), not a syntax error; mtrace callers are bytes;
# control bytes from a trace never reach the terminal raw; a machine that
# cannot boot blames the line (exit 1) or the option (exit 2) at fault.
. "$(dirname "$0")/lib.sh"
set -e
E="$WORK/err"
O="$WORK/out"
ESC=$(printf '\033')
BEL=$(printf '\007')
CR=$(printf '\r')

# expect_no_raw WHAT FILE: FILE holds no ESC, BEL, CR or C1 CSI byte.
expect_no_raw() {
    if LC_ALL=C grep -q "[$ESC$BEL$CR]" "$2" || LC_ALL=C grep -q "$(printf '\302\233')" "$2"; then
        not_ok "$1" "$(od -c "$2" | head -10)"
    else
        ok "$1"
    fi
}

# --- 1. requests a real allocator refuses: failed allocations, exit 0 ---
refused=(
    'malloc a 0xffffffffffffffff'
    'calloc a 0x100000000 0x100000000'
    'calloc a 0xffffffffffffffff 2'
    'malloc a 16\nrealloc a 0xffffffffffffffff'
    'malloc a 0x2000000000000'
)
for body in "${refused[@]}"; do
    printf "$body\\n" > "$WORK/refused.trace"
    run_pagesim "$O" "$E" replay --json "$WORK/refused.trace"
    expect_rc "'$body' is a request, not bad input" 0
    expect_grep "'$body' counts a failed allocation" '"failed_allocs": 1' "$O"
    expect_empty "'$body': nothing on stderr" "$E"
done
printf 'malloc a 10\nread a 0xffffffffffffffff 8\n' > "$WORK/offset.trace"
run_pagesim "$O" "$E" replay --json "$WORK/offset.trace"
expect_rc "an offset anywhere in 64 bits is the program's (a diagnostic)" 0
printf '= Start\n@ ./p:[0x1] + 0x4052a0 0xffffffffffffffff\n= End\n' > "$WORK/huge.mtrace"
run_pagesim "$O" "$E" replay --json "$WORK/huge.mtrace"
expect_rc "mtrace + ADDR 0xffffffffffffffff replays" 0
expect_grep "mtrace + ADDR 0xffffffffffffffff: a failed allocation" '"failed_allocs": 1' "$O"
# What no program can write stays bad input.
printf 'malloc a 0x10000000000000000\n' > "$WORK/bad.trace"
run_pagesim "$O" "$E" replay "$WORK/bad.trace"
expect_rc "a number past 64 bits is bad input" 1
expect_grep "a number past 64 bits: line, column, token" \
    "^$WORK/bad.trace:1:10: error: number too large: '0x10000000000000000'" "$E"

# --- 2. mtrace callers are bytes ---
printf '= Start\n@ /tmp/caf\351/prog:[0x401156] + 0x4052a0 0x64\n@ /tmp/caf\351/prog:[0x401170] - 0x4052a0\n= End\n' \
    > "$WORK/latin1.mtrace"
for mode in "" --log --json; do
    # shellcheck disable=SC2086
    run_pagesim "$O" "$E" replay $mode "$WORK/latin1.mtrace"
    expect_rc "a Latin-1 caller path is accepted (replay $mode)" 0
done
run_pagesim "$O" "$E" translate "$WORK/latin1.mtrace" 0x1000
expect_rc "a Latin-1 caller path is accepted (translate)" 0

# --- 3. control bytes never reach the terminal raw ---
printf 'malloc a 1\nfree \033]0;pwned\007\n' > "$WORK/esc.trace"
run_pagesim "$O" "$E" replay "$WORK/esc.trace"
expect_rc "a bad token with ESC...BEL" 1
expect_grep "the bad token is shown escaped" "got '\\\\x1b\\]0;pwned\\\\x07'" "$E"
expect_no_raw "no raw control byte in the error" "$E"
printf 'malloc a 1\nfree a\302\233\n' > "$WORK/c1.trace"
run_pagesim "$O" "$E" replay "$WORK/c1.trace"
expect_rc "a bad token with a C1 CSI" 1
expect_no_raw "no raw C1 control in the error" "$E"
printf 'say \033]0;pwned\007 hidden\rshown\nmalloc a 1\n' > "$WORK/say.trace"
run_pagesim "$O" "$E" replay --log "$WORK/say.trace"
expect_rc "a caption with control bytes replays" 0
expect_grep "--log prints the caption escaped" \
    'say: \\x1b\]0;pwned\\x07 hidden\\rshown$' "$O"
expect_no_raw "--log prints no raw control byte" "$O"
weird="$WORK/$(printf 'tr\033[31mace')"
printf 'bogus\n' > "$weird"
run_pagesim "$O" "$E" replay "$weird"
expect_rc "a file name with ESC, bad trace" 1
expect_no_raw "the file name in the error is escaped" "$E"
expect_grep "the file name in the error reads as escaped" 'tr\\x1b\[31mace:1:1: error' "$E"
printf 'malloc a 1\n' > "$weird"
run_pagesim "$O" "$E" replay "$weird"
expect_rc "a file name with ESC, good trace" 0
expect_no_raw "the summary shows the file name escaped" "$O"
run_pagesim "$O" "$E" replay "$(printf -- '--x\033]0;t\007')" "$weird"
expect_rc "an unknown option with control bytes" 2
expect_no_raw "the usage error shows the word escaped" "$E"
run_pagesim "$O" "$E" replay "$WORK/no/such/$(printf 'f\033[2J')"
expect_rc "an unopenable file with ESC in its name" 1
expect_no_raw "cannot open: the file name is escaped" "$E"
run_pagesim "$O" "$E" replay --save-ram "$WORK/no/such/$(printf 'r\033]0;t\007')" "$weird"
expect_rc "--save-ram into a missing folder, ESC in the name" 1
expect_no_raw "--save-ram cannot write: the file name is escaped" "$E"
expect_grep "--save-ram cannot write: the reason is given" 'cannot write: No such file' "$E"
run_pagesim "$O" "$E" record -o "$WORK/no/such/$(printf 'l\033]0;t\007')" -- true
expect_rc "record -o into a missing folder, ESC in the name" 1
expect_no_raw "record: the log's file name is escaped" "$E"
run_pagesim "$O" "$E" record -o "$WORK/rec.mtrace" -- "$WORK/no/such/$(printf 'p\033[2J')"
expect_no_raw "record: a command that cannot run is named escaped" "$E"

# --- 4. boot failures blame the right line, with the real reason ---
# expect_boot NAME TRACE-TEXT LINE:COL REGEX
expect_boot() {
    printf "$2" > "$WORK/boot.trace"
    run_pagesim "$O" "$E" replay "$WORK/boot.trace"
    expect_rc "$1" 1
    expect_grep "$1: blames $3, says why" "^$WORK/boot.trace:$3: error: $4" "$E"
    expect_empty "$1: nothing on stdout" "$O"
}
expect_boot "ram 1M on line 3" '# tiny\n\nram 1M\nmalloc a 1\n' 3:5 \
    'RAM of 1M is too small to boot.*1052K'
expect_boot "reserve over the kernel image" 'ram 16M\nreserve 0x0 0x1000000\nmalloc a 1\n' 2:9 \
    'reserved range \[0x0, 0x1000000\) covers the kernel image'
expect_boot "reserve of every free frame" 'ram 16M\nreserve 0x106000 0x1000000\nmalloc a 1\n' 2:9 \
    'reserved range \[0x106000, 0x1000000\) takes the free frames'
expect_boot "identity 0 16M" 'ram 16M\nidentity 0 16M\nmalloc a 1\n' 2:10 \
    'identity range \[0x0, 0x1000000\) takes the free frames'
expect_boot "identity above MAXPHYADDR" 'paging long\nidentity 0x20000000000 0x1000\nmalloc a 1\n' 2:10 \
    'identity range \[0x20000000000, 0x20000001000\) reaches past 0x10000000000: .*MAXPHYADDR'

# --- 5. command-line values are command-line errors ---
printf 'malloc a 1\n' > "$WORK/t"
printf 'paging pae\nram 8G\nmalloc a 1\n' > "$WORK/big.trace"
# expect_opt NAME WANT-REGEX ARGS...
expect_opt() {
    local name=$1 want=$2
    shift 2
    run_pagesim "$O" "$E" "$@"
    expect_rc "$name" 2
    expect_grep "$name: names the option" "^pagesim: $want" "$E"
    expect_grep "$name: usage line" '^usage: pagesim' "$E"
    expect_empty "$name: nothing on stdout" "$O"
}
expect_opt "replay --ram 8G (32-bit paging)" '--ram 8G: RAM of 8G is more than' replay --ram 8G "$WORK/t"
expect_opt "replay --ram 1M" '--ram 1M: RAM of 1M is too small' replay --ram 1M "$WORK/t"
expect_opt "replay --ram 4K" '--ram 4K: ' replay --ram 4K "$WORK/t"
expect_opt "translate --ram 1M" '--ram 1M: ' translate --ram 1M "$WORK/t" 0x1000
expect_opt "replay --log --ram 1M" '--ram 1M: ' replay --log --ram 1M "$WORK/t"
expect_opt "--paging 32 against the trace's ram 8G" '--paging 32: RAM of 8G' \
    replay --paging 32 "$WORK/big.trace"
printf 'paging long\nidentity 0x100000000 0x1000\nmalloc a 1\n' > "$WORK/high.trace"
expect_opt "--paging pae against an identity range above 4G" '--paging pae: identity range' \
    replay --paging pae "$WORK/high.trace"
run_pagesim "$O" "$E" replay --paging long --ram 8G "$WORK/t"
expect_rc "--ram 8G with --paging long boots" 0

# --- 6. failed mtrace allocations are named as what they were ---
printf '= Start\n@ ./p:[0x1] + 0x4052a0 0x10\n@ ./p:[0x2] + (nil) 0xffffffffff\n@ ./p:[0x3] ! 0x4052a0 0xffffffffff\n= End\n' \
    > "$WORK/nil.mtrace"
run_pagesim "$O" "$E" replay --log "$WORK/nil.mtrace"
expect_rc "failed mtrace allocations replay" 0
expect_grep "--log: '+ (nil)' names no block" \
    '^op 2 line 3: allocation of 1099511627775 bytes failed \(returned \(nil\)\)$' "$O"
expect_grep "--log: '! ADDR' names the block it was asked to resize" \
    '^op 3 line 4: allocation of 1099511627775 bytes failed \(block 0x4052a0\)$' "$O"
run_pagesim "$O" "$E" replay --strict "$WORK/nil.mtrace"
expect_rc "--strict stops at the failed allocation" 1
expect_grep "--strict: '+ (nil)' names no block" \
    "^$WORK/nil.mtrace:3:13: error: allocation of 1099511627775 bytes failed \(returned \(nil\)\) in 'malloc'" "$E"
{
    printf 'malloc a 1\nfree a\n'
    head -c 70000 /dev/zero | tr '\0' ' '
    printf 'free a\n'
} > "$WORK/wide.trace"
run_pagesim "$O" "$E" replay --strict "$WORK/wide.trace"
expect_rc "--strict: a double free past column 65535" 1
expect_grep "--strict: the column is exact past 65535" "^$WORK/wide.trace:3:70001: error: " "$E"

done_testing
