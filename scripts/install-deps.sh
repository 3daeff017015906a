#!/usr/bin/env bash
# Installs the Debian packages pagesim needs to build, test and run, when any
# is missing. Runs apt-get as root directly, through sudo otherwise.
set -euo pipefail

# clang-format: tests/lint.sh checks every source's format with it, and skips
# that check without it. valgrind: meson test --setup valgrind.
packages=(meson ninja-build pkg-config gcc clang clang-format libclang-rt-14-dev libncurses-dev
          libcmocka-dev tmux python3 man-db groff-base valgrind)

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "pagesim: installing ${missing[*]}" >&2
sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
