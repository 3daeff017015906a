#!/usr/bin/env bash
# cli_inputs.sh - inputs are read once and never written over:
#   - replay --strict with --log or --save-ram reads a trace on standard
#     input once, so `- < FILE` gives exactly what FILE gives;
#   - --save-ram refuses (exit 2, naming --save-ram, before anything is
#     written) a FILE that is the trace itself, by name, through a symbolic
#     link, a hard link, or as the file standard input is redirected from;
#   - --save-ram writes through a temporary file: no leftovers, a symbolic
#     link's target is replaced and the link kept.
. "$(dirname "$0")/lib.sh"
set -e
E="$WORK/err"
O="$WORK/out"
TR="$PAGESIM_SRC/traces"

# same WHAT A B: ok when files A and B are byte-identical.
same() {
    if cmp -s "$2" "$3"; then ok "$1"; else not_ok "$1" "$(diff "$2" "$3" | head -20)"; fi
}

# --- 1. --strict reads standard input once ---
for t in 01-first-allocation.trace 05-fragmentation.trace 10-pae.trace; do
    f="$TR/$t"
    for mode in "--log" "--log --json" "--save-ram $WORK/img"; do
        # shellcheck disable=SC2086
        run_pagesim "$WORK/file.out" "$WORK/file.err" replay --strict $mode "$f"
        file_rc=$RC
        [ -e "$WORK/img" ] && mv "$WORK/img" "$WORK/img.file"
        # shellcheck disable=SC2086
        run_pagesim "$WORK/stdin.out" "$WORK/stdin.err" replay --strict $mode - <"$f"
        expect_rc "$t: replay --strict $mode - < FILE" "$file_rc"
        # The summary names the trace: '-' for standard input.
        sed -e "s|$f|-|g" "$WORK/file.out" >"$WORK/file.norm"
        same "$t: replay --strict $mode - < FILE prints what the file-path run prints" \
            "$WORK/file.norm" "$WORK/stdin.out"
        expect_empty "$t: replay --strict $mode - < FILE: nothing on stderr" "$WORK/stdin.err"
        if [ -e "$WORK/img.file" ]; then
            same "$t: --strict --save-ram from stdin: the RAM image of the file-path run" \
                "$WORK/img.file" "$WORK/img"
            rm -f "$WORK/img" "$WORK/img.file"
        fi
    done
done
# A diagnostic still fails --strict from standard input, before any --log line.
run_pagesim "$O" "$E" replay --strict --log - <"$TR/08-use-after-free.trace"
expect_rc "--strict --log - < a trace with a diagnostic" 1
expect_empty "--strict --log from stdin with a diagnostic: nothing on stdout" "$O"
expect_grep "--strict --log from stdin with a diagnostic: the message names -" '^-:[0-9]+:[0-9]+: error: .*\(--strict\)' "$E"

# --- 2. --save-ram never writes over the trace ---
cp "$TR/01-first-allocation.trace" "$WORK/t.trace"
cp "$WORK/t.trace" "$WORK/t.orig"
ln -s t.trace "$WORK/sym.trace"
ln "$WORK/t.trace" "$WORK/hard.trace"
refuse() { # WHAT ARGS... (stdin is the caller's)
    local what=$1
    shift
    run_pagesim "$O" "$E" "$@"
    expect_rc "refused: $what" 2
    expect_grep "refused: $what: the message names --save-ram" '^pagesim: --save-ram .*trace being replayed' "$E"
    expect_empty "refused: $what: nothing on stdout" "$O"
    same "refused: $what: the trace is unchanged" "$WORK/t.orig" "$WORK/t.trace"
}
refuse "--save-ram onto the trace" replay --save-ram "$WORK/t.trace" "$WORK/t.trace"
refuse "--save-ram=FILE onto the trace" replay --save-ram="$WORK/t.trace" "$WORK/t.trace"
refuse "--save-ram through a symbolic link to the trace" replay --save-ram "$WORK/sym.trace" "$WORK/t.trace"
refuse "--save-ram onto a hard link of the trace" replay --save-ram "$WORK/hard.trace" "$WORK/t.trace"
refuse "--save-ram onto the trace given through its link" replay --save-ram "$WORK/t.trace" "$WORK/sym.trace"
refuse "--strict --log --save-ram onto the trace" replay --strict --log --save-ram "$WORK/t.trace" "$WORK/t.trace"
refuse "--save-ram onto the file standard input comes from" replay --save-ram "$WORK/t.trace" - <"$WORK/t.trace"
refuse "--save-ram onto a link to the file standard input comes from" replay --strict --save-ram "$WORK/sym.trace" - <"$WORK/t.trace"

# --- the RAM image is written through a temporary file ---
mkdir "$WORK/d"
run_pagesim "$O" "$E" replay --save-ram "$WORK/d/ram.bin" "$WORK/t.trace"
expect_rc "--save-ram into a fresh directory" 0
if [ "$(ls -A "$WORK/d")" = "ram.bin" ] && [ "$(stat -c %s "$WORK/d/ram.bin")" = 16777216 ]; then
    ok "--save-ram leaves the image (RAM-size bytes) and no temporary file"
else
    not_ok "--save-ram leaves the image (RAM-size bytes) and no temporary file" "$(ls -la "$WORK/d")"
fi
cp "$WORK/d/ram.bin" "$WORK/ram.want"
printf 'old\n' >"$WORK/d/target.bin"
ln -s target.bin "$WORK/d/link.bin"
run_pagesim "$O" "$E" replay --save-ram "$WORK/d/link.bin" "$WORK/t.trace"
expect_rc "--save-ram through a symbolic link" 0
if [ -L "$WORK/d/link.bin" ]; then ok "--save-ram keeps the symbolic link"; else not_ok "--save-ram keeps the symbolic link"; fi
same "--save-ram through a link writes the image into the link's target" "$WORK/ram.want" "$WORK/d/target.bin"
run_pagesim "$O" "$E" replay --save-ram /dev/null "$WORK/t.trace"
expect_rc "--save-ram /dev/null (not a regular file: written in place)" 0
run_pagesim "$O" "$E" replay --save-ram /dev/full "$WORK/t.trace"
expect_rc "--save-ram /dev/full" 1
expect_grep "--save-ram /dev/full: the message says why" '^pagesim: /dev/full: cannot write: No space left on device' "$E"
chmod 555 "$WORK/d"
if [ ! -w "$WORK/d" ]; then
    run_pagesim "$O" "$E" replay --save-ram "$WORK/d/ram.bin" "$WORK/t.trace"
    expect_rc "--save-ram into a directory that cannot be written" 1
    same "an image that cannot be written leaves the old one whole" "$WORK/ram.want" "$WORK/d/ram.bin"
else
    ok "# SKIP running as root: directory permissions do not apply"
fi
chmod 755 "$WORK/d"

done_testing
