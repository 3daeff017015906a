#!/usr/bin/env bash
# Checks the README's promise on a fresh minimal Debian 12: in a chroot built by
# `debootstrap --variant=minbase bookworm`, a clean clone of this checkout's
# HEAD runs the README's two commands as root, exactly as a newcomer would:
#   scripts/demo.sh   under a terminal (a tmux pane on the host): the
#                     visualizer shows lesson 1, `q` quits with status 0 and
#                     leaves the terminal as it found it;
#   scripts/test.sh   ends with "N passed, 0 failed" and status 0.
# Everything the two commands need must come from scripts/install-deps.sh.
#
# Usage (as root; it mounts and chroots):
#   scripts/fresh-debian.sh [--rebuild] [--keep]
#     --rebuild   debootstrap the base again even when the cached one is recent
#     --keep      leave the chroot (unmounted) in /tmp for a look afterwards
# Environment: PAGESIM_FRESH_CACHE (default /var/cache/pagesim),
#   PAGESIM_FRESH_MIRROR (default http://deb.debian.org/debian).
#
# The base system is debootstrapped once and kept as a tarball in the cache
# (rebuilt when older than 7 days); every run unpacks a new copy of it in /tmp,
# so runs never see each other's packages or builds. The .deb files apt
# downloads are kept in the cache too, only to save the download next time.
# /proc, /sys, /dev and /dev/pts are mounted for the run and unmounted on
# every way out. Prints TAP, each check with its time, then
# "N passed, N failed"; exits 1 when any check fails (a mirror that cannot be
# reached is a failure, not a skip).
set -uo pipefail

rebuild=0
keep=0
for a in "$@"; do
    case "$a" in
    --rebuild) rebuild=1 ;;
    --keep) keep=1 ;;
    -h | --help)
        sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'
        exit 0
        ;;
    *)
        echo "fresh-debian.sh: unknown option '$a' (try --help)" >&2
        exit 2
        ;;
    esac
done
if [ "$(id -u)" -ne 0 ]; then
    echo "fresh-debian.sh: must run as root (debootstrap, mount, chroot): sudo $0" >&2
    exit 2
fi

src=$(cd "$(dirname "$0")/.." && pwd)
cache=${PAGESIM_FRESH_CACHE:-/var/cache/pagesim}
mirror=${PAGESIM_FRESH_MIRROR:-http://deb.debian.org/debian}
base="$cache/bookworm-minbase-$(dpkg --print-architecture).tar"
debs="$cache/apt-archives"
max_age_days=7
export DEBIAN_FRONTEND=noninteractive LC_ALL=C

n=0
fails=0
t0=$SECONDS
phase_start=$SECONDS
begin() { phase_start=$SECONDS; }
ok() { # status description
    n=$((n + 1))
    local took=$((SECONDS - phase_start))
    if [ "$1" -eq 0 ]; then
        echo "ok $n - $2 (${took} s)"
    else
        echo "not ok $n - $2 (${took} s)"
        fails=$((fails + 1))
    fi
}
note() { sed 's/^/# /'; }
t_end=0
finish() {
    t_end=$SECONDS
    echo "1..$n"
    echo "# total $((SECONDS - t0)) s"
    echo "$((n - fails)) passed, $fails failed"
    [ "$fails" -eq 0 ] && exit 0
    exit 1
}

# --- the run's own copy, its mounts, and leaving nothing behind ---
run=$(mktemp -d /tmp/pagesim-fresh.XXXXXX)
root="$run/root"
sock="pagesim-fresh-$$"
boot="$cache/bootstrap.$$"
boot_pid=
mounted=()
tmux_() { tmux -L "$sock" -f /dev/null "$@"; }

mount_in() { # mount arguments..., target last
    local target=${*: -1}
    mount "$@" && mounted+=("$target")
}
# Processes whose root directory is the chroot: only ones this run started.
# shellcheck disable=SC2317 # called from the EXIT trap
chroot_pids() {
    local p r
    for p in /proc/[0-9]*; do
        r=$(readlink "$p/root" 2>/dev/null) || continue
        [ "$r" = "$root" ] && echo "${p#/proc/}"
    done
}
# shellcheck disable=SC2317
cleanup() {
    local i pids
    trap - EXIT INT TERM HUP
    [ "$t_end" -gt 0 ] || t_end=$SECONDS
    tmux_ kill-server >/dev/null 2>&1
    if [ -n "$boot_pid" ]; then # interrupted debootstrap: it unmounts what it mounted
        kill -s TERM "$boot_pid" 2>/dev/null
        wait "$boot_pid" 2>/dev/null
        awk -v r="$boot/" 'index($2 "/", r) == 1 { found = 1 } END { exit !found }' /proc/mounts ||
            rm -rf --one-file-system "$boot"
    fi
    for sig in TERM KILL; do
        pids=$(chroot_pids)
        [ -z "$pids" ] && break
        echo "# SIG$sig to what still runs in the chroot: $(echo "$pids" | tr '\n' ' ')"
        # shellcheck disable=SC2086
        kill -s "$sig" $pids 2>/dev/null
        for ((i = 0; i < 100; i++)); do
            [ -z "$(chroot_pids)" ] && break
            sleep 0.1
        done
    done
    for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
        umount "${mounted[i]}" 2>/dev/null || umount -l "${mounted[i]}" ||
            echo "# could not unmount ${mounted[i]}"
    done
    if awk -v r="$run/" 'index($2 "/", r) == 1 { found = 1 } END { exit !found }' /proc/mounts; then
        echo "# mounts remain under $run: not deleting it"
        exit 1
    fi
    if [ "$keep" -eq 1 ]; then
        echo "# chroot kept in $root"
    else
        rm -rf --one-file-system "$run"
    fi
    echo "# cleaned up in $((SECONDS - t_end)) s"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

in_chroot() { # command... : as root in the chroot, with a newcomer's environment
    chroot "$root" /usr/bin/env -i HOME=/root USER=root LOGNAME=root SHELL=/bin/bash \
        TERM=xterm-256color PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        "$@"
}

echo "# pagesim on a fresh Debian 12 (minbase): $src"

# --- 1. the base system: debootstrap once, then reuse ---
begin
mkdir -p "$cache" "$debs"
exec 9>"$cache/lock" # held only while the cache changes
flock 9
how="cached $(date -u -r "$base" +%F 2>/dev/null)"
if [ "$rebuild" -eq 1 ] || [ -z "$(find "$base" -mtime -"$max_age_days" 2>/dev/null)" ]; then
    how="debootstrapped now"
    st=0
    if ! command -v debootstrap >/dev/null 2>&1; then
        { apt-get update -qq && apt-get install -y -qq --no-install-recommends debootstrap; } 2>&1 |
            tail -n 20 | note
        st=${PIPESTATUS[0]}
    fi
    rm -rf --one-file-system "$boot"
    if [ "$st" -eq 0 ]; then
        debootstrap --variant=minbase bookworm "$boot" "$mirror" >"$cache/debootstrap.log" 2>&1 &
        boot_pid=$!
        wait $boot_pid
        st=$?
        boot_pid=
        [ "$st" -eq 0 ] || tail -n 30 "$cache/debootstrap.log" | note
    fi
    if [ "$st" -eq 0 ]; then
        # A Debian 12 install also gets its point-release and security updates.
        cat >"$boot/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
EOF
        rm -rf "$boot"/var/cache/apt/archives/*.deb
        tar -C "$boot" --numeric-owner -cf "$base.new" . && mv "$base.new" "$base"
        st=$?
    fi
    rm -rf --one-file-system "$boot"
    [ "$st" -eq 0 ] || rm -f "$base"
fi
exec 9>&-
[ -f "$base" ]
ok $? "minimal Debian 12 base ($how)"
[ -f "$base" ] || finish

# --- 2. a new copy of it and a clean clone of HEAD ---
begin
mkdir -p "$root"
commit=$(git -C "$src" rev-parse HEAD)
tar -C "$root" --numeric-owner -xpf "$base" &&
    cp /etc/resolv.conf "$root/etc/resolv.conf" &&
    { cp -l "$debs"/*.deb "$root/var/cache/apt/archives/" 2>/dev/null || true; } &&
    git clone --quiet --no-local --no-checkout "$src" "$root/root/pagesim" 2>&1 | note &&
    git -C "$root/root/pagesim" checkout --quiet --detach "$commit" 2>&1 | note &&
    mount_in -t proc proc "$root/proc" &&
    mount_in -t sysfs sysfs "$root/sys" &&
    mount_in --bind /dev "$root/dev" &&
    mount_in --bind /dev/pts "$root/dev/pts"
ok $? "a fresh copy with a clean clone of $(git -C "$src" rev-parse --short HEAD) in /root/pagesim"
[ "${#mounted[@]}" -eq 4 ] || finish

# --- 3. scripts/demo.sh in a terminal, as the README's first command ---
# A tmux pane on the host is the newcomer's terminal (the chroot has no tmux
# yet: demo.sh installs it with the rest). The runner reports what demo.sh
# returned and whether the terminal modes came back, then waits for Enter so
# that the pane can be read before it closes.
command -v tmux >/dev/null 2>&1 || apt-get install -y -qq --no-install-recommends tmux >/dev/null
cat >"$root/root/run-demo.sh" <<'EOF'
cd /root/pagesim || exit 1
before=$(stty -g)
scripts/demo.sh
rc=$?
tty=changed
[ "$(stty -g)" = "$before" ] && tty=restored
echo "DEMO-DONE exit=$rc tty=$tty"
read -r _
EOF
begin
screen() { tmux_ capture-pane -p -t demo; }
pane() { tmux_ display-message -p -t demo "$1"; }
show_pane() { tmux_ capture-pane -p -S -2000 -t demo | grep -v '^$' | tail -n 60 | note; }
status_re='01-first-allocation\.trace +op 0/[0-9]+ \| 32 \|.*PAUSED'
tmux_ start-server \; set-option -g remain-on-exit on \; \
    new-session -d -s demo -x 120 -y 40 "chroot '$root' /usr/bin/env -i HOME=/root USER=root \
LOGNAME=root SHELL=/bin/bash TERM=xterm-256color \
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin bash /root/run-demo.sh"
# Installing the packages and building takes minutes: poll, up to 40 minutes.
shown=1
for ((i = 0; i < 12000; i++)); do
    if screen | grep -qE "$status_re" && [ "$(pane '#{alternate_on}')" = 1 ]; then
        shown=0
        break
    fi
    [ "$(pane '#{pane_dead}')" = 1 ] && break
    screen | grep -q 'DEMO-DONE' && break
    sleep 0.2
done
ok $shown "scripts/demo.sh: the visualizer shows lesson 1 (status line, op 0, paused)"
[ $shown -eq 0 ] || show_pane

begin
quit=1
if [ $shown -eq 0 ]; then
    tmux_ send-keys -t demo q
    for ((i = 0; i < 600; i++)); do
        screen | grep -q 'DEMO-DONE' && break
        [ "$(pane '#{pane_dead}')" = 1 ] && break
        sleep 0.2
    done
    done_line=$(screen | grep -o 'DEMO-DONE.*')
    state="$(pane '#{alternate_on} #{cursor_flag}')"
    [ "$done_line" = "DEMO-DONE exit=0 tty=restored" ] && [ "$state" = "0 1" ]
    quit=$?
    ok $quit "q quits with status 0 and restores the terminal (modes, main screen, cursor)"
    echo "# $done_line; alternate screen, cursor visible: $state"
    [ $quit -eq 0 ] || show_pane
    tmux_ send-keys -t demo Enter
else
    ok 1 "q quits with status 0 and restores the terminal (not tried: no visualizer)"
fi
tmux_ kill-server >/dev/null 2>&1

# --- 4. scripts/test.sh, as the README's second command ---
begin
log="$run/test.log"
# (In the background, waited for: a signal stops this script at once, and
# the cleanup ends what still runs in the chroot.)
in_chroot bash -c 'cd /root/pagesim && scripts/test.sh' </dev/null >"$log" 2>&1 &
wait $!
st=$?
note <"$log"
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
# Which tests failed, with their "not ok" lines and TAP comments (meson prints
# only their stderr).
testlog="$root/root/pagesim/build/meson-logs/testlog.json"
report="$run/failures"
: >"$report"
[ -f "$testlog" ] && command -v python3 >/dev/null && python3 - "$testlog" >"$report" <<'PY'
import json, sys
names, lines = [], []
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r.get("result") not in ("OK", "SKIP", "EXPECTEDFAIL"):
        name = r["name"].split(" / ")[-1]
        names.append(name)
        tap = [out for out in (r.get("stdout") or "").splitlines()
               if out.startswith("not ok") or (out.startswith("#") and out[1:].strip())]
        lines += ["#   %s: %s" % (name, out) for out in tap[:60]]
        if len(tap) > 60:
            lines.append("#   %s: (%d more lines)" % (name, len(tap) - 60))
print(" ".join(names))
print("\n".join(lines))
PY
failed=$(head -n 1 "$report")
[ $st -eq 0 ] && [[ "$summary" =~ ^[0-9]+\ passed,\ 0\ failed ]]
ok $? "scripts/test.sh: status $st, '${summary:-no summary line}'${failed:+; failed: $failed}"
tail -n +2 "$report" | grep -v '^$'

# Keep the downloaded packages for the next run (only this run's, so the
# cache does not grow with old versions).
exec 9>"$cache/lock"
flock 9
rm -rf "$debs.new" && mkdir "$debs.new" &&
    { cp -l "$root"/var/cache/apt/archives/*.deb "$debs.new/" 2>/dev/null || true; } &&
    rm -rf "$debs" && mv "$debs.new" "$debs"
exec 9>&-

finish
