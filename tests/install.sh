#!/usr/bin/env bash
# meson install --destdir: the binary, the man page, the recording helper and
# the lessons land where the man page and `pagesim record` expect them, and
# the man page renders. Prints TAP.
set -u
build=$1
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
n=0
fails=0
ok() {
    n=$((n + 1))
    if "${@:2}" >/dev/null 2>&1; then
        echo "ok $n - $1"
    else
        echo "not ok $n - $1"
        fails=$((fails + 1))
    fi
}

prefix=$(meson introspect "$build" --buildoptions |
    python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"]=="prefix"))')
libdir=$(meson introspect "$build" --buildoptions |
    python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"]=="libdir"))')
case "$libdir" in /*) ;; *) libdir="$prefix/$libdir" ;; esac
root="$dest$prefix"

ok "meson install --destdir succeeds" meson install -C "$build" --destdir "$dest" --no-rebuild --quiet
ok "bin/pagesim installed and executable" test -x "$root/bin/pagesim"
ok "installed pagesim runs" "$root/bin/pagesim" --version
ok "man page installed" test -f "$root/share/man/man1/pagesim.1"
ok "man page renders" sh -c "man -l '$root/share/man/man1/pagesim.1' | grep -q 'pagesim replay'"
ok "recording helper installed" test -f "$dest$libdir/pagesim/libpagesim-mtrace.so"
ok "lesson 1 installed" test -f "$root/share/pagesim/traces/01-first-allocation.trace"
count=$(ls "$root/share/pagesim/traces/"*.trace 2>/dev/null | wc -l)
ok "at least 12 lessons installed ($count)" test "$count" -ge 12
ok "an installed lesson replays" "$root/bin/pagesim" replay "$root/share/pagesim/traces/01-first-allocation.trace"

echo "1..$n"
[ "$fails" -eq 0 ]
