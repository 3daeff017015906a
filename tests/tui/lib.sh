# lib.sh - helpers of the terminal tests: a private tmux server (its own
# socket, killed on exit), a shell in a fixed-size window that runs pagesim,
# bounded polling of capture-pane, and TAP output.
set -u
if ! command -v tmux >/dev/null 2>&1; then
    echo "1..0 # SKIP tmux is not installed"
    exit 77
fi
: "${PAGESIM:?PAGESIM must name the pagesim binary}"
: "${PAGESIM_SRC:?PAGESIM_SRC must name the source tree}"
SOCK="pagesim-test-$$"
n=0
fails=0
tmux_() { tmux -L "$SOCK" -f /dev/null "$@"; }
cleanup() { tmux_ kill-server >/dev/null 2>&1; }
trap cleanup EXIT

ok() { # status description
    n=$((n + 1))
    if [ "$1" -eq 0 ]; then
        echo "ok $n - $2"
    else
        echo "not ok $n - $2"
        fails=$((fails + 1))
    fi
}

screen() { tmux_ capture-pane -p -t main; }

# Waits (at most $2 seconds, default 10) until the pane shows the
# extended regular expression $1. On timeout, prints the pane as comments.
wait_for() {
    local pat=$1 secs=${2:-10} i
    for ((i = 0; i < secs * 20; i++)); do
        if screen | grep -qE -- "$pat"; then
            return 0
        fi
        sleep 0.05
    done
    echo "# timed out waiting for: $pat"
    screen | sed 's/^/# /'
    return 1
}

# Starts a shell in a WIDTHxHEIGHT window (default 100x30); extra
# environment assignments may follow.
start_shell() {
    local w=${1:-100} h=${2:-30}
    shift 2 || true
    tmux_ new-session -d -x "$w" -y "$h" -s main \
        "env -u NO_COLOR TERM=xterm-256color PS1='$ ' $* bash --norc --noprofile"
    tmux_ set-option -t main -g window-size manual >/dev/null 2>&1 || true
    wait_for '\$ ' 5 >/dev/null
}

# Runs pagesim with arguments in the shell, then prints its exit status.
run_pagesim() {
    tmux_ send-keys -t main "clear; $PAGESIM $*; echo EXIT=\$?" Enter
}

keys() { tmux_ send-keys -t main "$@"; }

finish() {
    echo "1..$n"
    [ "$fails" -eq 0 ]
}
