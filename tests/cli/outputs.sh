#!/usr/bin/env bash
# outputs.sh - every output a user or a script can see stays byte-identical
# unless a change of behaviour is meant: for each bundled trace (traces/,
# tests/data/*.mtrace) in each paging mode, the sha256 of `replay --log`,
# `replay --json`, the `--save-ram` image, `translate --json` of a fixed set
# of addresses (read and write), and `quiz --json` per mode, must equal the
# line in tests/golden/outputs.sha256. A refactoring proves it changed no
# behaviour by leaving this file alone; scripts/regen-golden.sh rewrites it
# after a deliberate change (review the diff: it names what moved).
# Each line records the exit status too: a numbered lesson replayed with
# --paging overriding its own mode may exit 3 (its `expect` facts are its
# own mode's, docs/teaching.md), which is pinned like any other output.
#
# usage: outputs.sh            compare (TAP, one check per trace and mode)
#        outputs.sh --write F  write the manifest to F instead
. "$(dirname "$0")/lib.sh"
set -e
cd "$PAGESIM_SRC"
manifest=tests/golden/outputs.sha256
write_to=
if [ "${1:-}" = "--write" ]; then
    write_to=$2
fi

modes=(32 pse pae long)
# Addresses that land in the lessons' kernel heap, identity maps, the first
# page, an unmapped page, and (long mode) a non-canonical one.
addrs=(0xd0000000 0xd0001010 0xd0400ffc 0xb8000 0x0 0x1000 0xc0000000 0x7fffff000
    0x800000000000 0xffff800000000000)

# digest KIND: one line "KIND exit=RC sha256" of stdin-less command output.
digest() { # label, command...
    local label=$1
    shift
    local rc=0
    "$@" > "$WORK/o" 2> "$WORK/e" || rc=$?
    printf '%s rc=%s out=%s err=%s\n' "$label" "$rc" \
        "$(sha256sum < "$WORK/o" | cut -c1-16)" "$(sha256sum < "$WORK/e" | cut -c1-16)"
}

lines() { # trace mode
    local tr=$1 mode=$2
    digest log "$PAGESIM" replay --log --paging "$mode" "$tr"
    digest json "$PAGESIM" replay --json --paging "$mode" "$tr"
    rm -f "$WORK/ram"
    local rc=0
    "$PAGESIM" replay --paging "$mode" --save-ram "$WORK/ram" "$tr" > /dev/null 2>&1 || rc=$?
    if [ -f "$WORK/ram" ]; then
        printf 'ram rc=%s %s\n' "$rc" "$(sha256sum < "$WORK/ram" | cut -c1-16)"
    else
        printf 'ram rc=%s none\n' "$rc"
    fi
    digest tr-read "$PAGESIM" translate --json --paging "$mode" "$tr" "${addrs[@]}"
    digest tr-write "$PAGESIM" translate --json --write --user --paging "$mode" "$tr" "${addrs[@]}"
}

shopt -s nullglob
out="$WORK/manifest"
: > "$out"
for tr in traces/*.trace tests/data/*.mtrace; do
    for mode in "${modes[@]}"; do
        lines "$tr" "$mode" | sed "s|^|$tr $mode |" >> "$out"
    done
done
for mode in "${modes[@]}"; do
    digest "quiz $mode" "$PAGESIM" quiz --seed 7 --count 12 --paging "$mode" --json --answers |
        sed 's|^|- |' >> "$out"
done

if [ -n "$write_to" ]; then
    cp "$out" "$write_to"
    echo "wrote $write_to ($(wc -l < "$out") lines)" >&2
    exit 0
fi
if [ ! -f "$manifest" ]; then
    not_ok "$manifest exists (run scripts/regen-golden.sh)"
    done_testing
fi
# One check per trace and mode (and the quiz), naming what differs.
keys=$(cut -d' ' -f1-2 "$out" | uniq)
while read -r tr mode; do
    want=$(grep -F -- "$tr $mode " "$manifest" || true)
    got=$(grep -F -- "$tr $mode " "$out")
    if [ "$want" = "$got" ]; then
        ok "$tr --paging $mode: every output as recorded"
    else
        not_ok "$tr --paging $mode: every output as recorded" \
            "$(diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") | head -20)"
    fi
done <<< "$keys"
done_testing
