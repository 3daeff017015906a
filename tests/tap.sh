# tap.sh - the TAP helper of the lint and build scripts (sourced): result
# WHAT STATUS [DETAILS] prints "ok N - WHAT" when STATUS is 0, else "not ok
# N - WHAT" and the first 40 lines of DETAILS as "# " lines. n counts the
# checks and fails the failures; the caller prints the plan "1..$n".
n=0
fails=0
result() { # WHAT STATUS [DETAILS]
    n=$((n + 1))
    if [ "$2" = 0 ]; then
        echo "ok $n - $1"
    else
        echo "not ok $n - $1"
        [ $# -gt 2 ] && printf '%s\n' "$3" | head -40 | sed 's/^/# /'
        fails=$((fails + 1))
    fi
}
