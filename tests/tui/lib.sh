# lib.sh - helpers of the terminal tests: a private tmux server (its own
# socket, killed on exit), a shell in a fixed-size window that runs pagesim,
# bounded polling of capture-pane, and TAP output.
#
# Nothing here waits by sleeping: every wait polls for a condition (the
# screen, a tmux flag, a process) until it holds, with a generous bound
# (TUI_TIMEOUT seconds, default 30) that only a broken program reaches. No
# test measures time. The visualizer's background work (playback, the
# chunks of a long move) is driven by the test through the test hooks of
# docs/architecture.md (PAGESIM_TEST_CLOCK=tick, PAGESIM_TEST_CHUNK=N), so
# no test races the machine's speed.
set -u
if ! command -v tmux >/dev/null 2>&1; then
    echo "1..0 # SKIP tmux is not installed"
    exit 77
fi
: "${PAGESIM:?PAGESIM must name the pagesim binary}"
: "${PAGESIM_SRC:?PAGESIM_SRC must name the source tree}"
SOCK="pagesim-test-$$"
TUI_TIMEOUT=${TUI_TIMEOUT:-30}
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

# Polls the command "$@" until it succeeds; gives up after TUI_TIMEOUT
# seconds. The short pause between tries only spares the CPU.
poll() {
    local end=$((SECONDS + TUI_TIMEOUT))
    until "$@"; do
        [ "$SECONDS" -ge "$end" ] && return 1
        sleep 0.02
    done
}

shows() { screen | grep -qE -- "$1"; }
hides() { ! shows "$1"; }
# Line $1 (1-based) of the pane matches $2.
line_shows() { screen | sed -n "$1p" | grep -qE -- "$2"; }

# Waits until the pane shows the extended regular expression $1. On
# timeout, prints the pane as TAP comments.
wait_for() {
    poll shows "$1" && return 0
    echo "# timed out waiting for: $1"
    screen | sed 's/^/# /'
    return 1
}

# Waits until line $1 of the pane matches $2.
wait_line() {
    poll line_shows "$1" "$2" && return 0
    echo "# timed out waiting for line $1 to match: $2"
    screen | sed 's/^/# /'
    return 1
}

# Waits until the pane no longer shows $1.
wait_gone() {
    poll hides "$1" && return 0
    echo "# timed out waiting for this to go: $1"
    screen | sed 's/^/# /'
    return 1
}

# The tmux format $1 of the pane ('#{alternate_on}', ...).
pane() { tmux_ display-message -p -t main "$1"; }
pane_is() { [ "$(pane "$1")" = "$2" ]; }

# The operation number k of the status line's "op k/N".
op_now() { screen | sed -nE '1s/.* op ([0-9]+)\/[0-9]+ .*/\1/p'; }

# Starts a shell in a WIDTHxHEIGHT window (default 100x30); extra
# environment assignments may follow.
start_shell() {
    local w=${1:-100} h=${2:-30}
    shift 2 || true
    tmux_ new-session -d -x "$w" -y "$h" -s main \
        "env -u NO_COLOR TERM=xterm-256color PS1='$ ' $* bash --norc --noprofile"
    tmux_ set-option -t main -g window-size manual >/dev/null 2>&1 || true
    wait_for '^\$' >/dev/null
    # A core dump would only litter the build directory (SIGQUIT tests).
    tmux_ send-keys -t main "ulimit -c 0" Enter
}

# Runs pagesim with arguments in the shell, then prints its exit status.
run_pagesim() {
    tmux_ send-keys -t main "clear; $PAGESIM $*; echo EXIT=\$?" Enter
}

# As run_pagesim, and writes pagesim's pid to the file $1 (a shell writes
# its own pid, then becomes pagesim: no ps needed).
run_pagesim_pid() {
    local pidfile=$1
    shift
    rm -f "$pidfile"
    tmux_ send-keys -t main \
        "clear; sh -c 'echo \$\$ >$pidfile; exec \"\$@\"' sh $PAGESIM $*; echo EXIT=\$?" Enter
}

keys() { tmux_ send-keys -t main "$@"; }

# With PAGESIM_TEST_CLOCK=tick: one tick of pagesim's clock (one second of
# playback, or the next chunk of a long move).
tick() { keys F12; }

# The terminal modes the shell sees now: "echo icanon" when restored.
check_modes() {
    keys "clear; stty -a | tr ' ;' '\n\n' | grep -xE 'icanon|echo' | sort | tr '\n' ' '; echo" Enter
    wait_for "^echo icanon *$"
}

finish() {
    echo "1..$n"
    [ "$fails" -eq 0 ]
}
