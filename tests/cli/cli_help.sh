#!/usr/bin/env bash
# cli_help.sh - CONTRACT 1's help: `pagesim COMMAND --help` and `pagesim
# help [COMMAND]` print that command's usage and options on stdout, exit 0,
# the same text both ways; `pagesim help nonsense` is a bad command line
# (exit 2, nothing on stdout). And the man page cannot drift: the options
# docs/pagesim.1 lists for each command are exactly those its help lists
# (src/cli/help.c is the one source).
. "$(dirname "$0")/lib.sh"
set -e
T="$PAGESIM_SRC/traces/01-first-allocation.trace"
E="$WORK/err"
O="$WORK/out"
MAN="$PAGESIM_SRC/docs/pagesim.1"

# The option names of a help text: the first column of its "  -x" rows.
help_opts() {
    sed -nE 's/^  (-[^ ]*( [^ ]+)?(, -[^ ]*( [^ ]+)?)?)  .*/\1/p' "$1" |
        grep -oE -- '--?[a-z][a-z-]*' | grep -vxE -- '-h|--help' | sort -u
}

# The option names docs/pagesim.1 lists under .SS "$1" of OPTIONS: the
# words of each .TP's tag line.
man_opts() {
    awk -v want="$1" '
        /^\.SH/ { inopt = ($2 == "OPTIONS") }
        /^\.SS/ { sec = $0; sub(/^\.SS +"?/, "", sec); sub(/"$/, "", sec) }
        tag { print; tag = 0; next }
        inopt && sec == want && /^\.TP/ { tag = 1 }
    ' "$MAN" | sed 's/\\-/-/g' | grep -oE -- '(^|[ "])--?[a-z][a-z-]*' |
        grep -oE -- '--?[a-z][a-z-]*' | sort -u
}

for cmd in replay translate quiz record visualizer; do
    case $cmd in
    visualizer) args=("$T" --help) ;;
    *) args=("$cmd" --help) ;;
    esac
    run_pagesim "$O" "$E" "${args[@]}"
    expect_rc "pagesim ${args[*]##*/}" 0
    syn=$cmd
    [ "$cmd" = visualizer ] && syn='\[OPTIONS\] TRACE'
    expect_grep "$cmd --help: its own usage line" "^usage: pagesim $syn" "$O"
    expect_empty "$cmd --help: nothing on stderr" "$E"
    cp "$O" "$WORK/dashdash"
    run_pagesim "$O" "$E" help "$cmd"
    expect_rc "pagesim help $cmd" 0
    check "pagesim help $cmd prints what $cmd --help prints" cmp "$O" "$WORK/dashdash"
    check "pagesim help $cmd: only $cmd's usage" test "$(grep -c '^usage:' "$O")" -eq 1

    help_opts "$O" > "$WORK/h.opts"
    case $cmd in
    visualizer) man_opts "Shared options" > "$WORK/m.opts" ;;
    replay | translate) { man_opts "Shared options"; man_opts "$cmd options"; } |
        sort -u > "$WORK/m.opts" ;;
    *) man_opts "$cmd options" > "$WORK/m.opts" ;;
    esac
    check "$cmd: the help lists options" test -s "$WORK/h.opts"
    if diff "$WORK/h.opts" "$WORK/m.opts" > "$WORK/diff"; then
        ok "$cmd: docs/pagesim.1 lists the options the help lists"
    else
        not_ok "$cmd: docs/pagesim.1 lists the options the help lists" "$(cat "$WORK/diff")"
    fi
done

# Specific options land where they belong.
run_pagesim "$O" "$E" help replay
expect_grep "help replay lists --save-ram" '^  --save-ram FILE' "$O"
check "help replay does not list translate's --write" bash -c "! grep -q -- '--write' '$O'"
run_pagesim "$O" "$E" help translate
expect_grep "help translate lists --write" '^  --write' "$O"

run_pagesim "$O" "$E" help
expect_rc "pagesim help" 0
cp "$O" "$WORK/help"
run_pagesim "$O" "$E" --help
check "pagesim help prints what pagesim --help prints" cmp "$O" "$WORK/help"

for bad in nonsense "replay extra"; do
    run_pagesim "$O" "$E" help $bad
    expect_rc "pagesim help $bad" 2
    expect_empty "pagesim help $bad: nothing on stdout" "$O"
    expect_grep "pagesim help $bad: says why on stderr" '^pagesim: help: ' "$E"
done
run_pagesim "$O" "$E" help nonsense
expect_grep "pagesim help nonsense names the word" "'nonsense'" "$E"

done_testing
