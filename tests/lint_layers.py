#!/usr/bin/env python3
"""lint_layers.py - the layering rule of STYLE.md 1 and DESIGN.md, checked
against a table rather than by greps. Prints TAP.

Usage: lint_layers.py SOURCE_ROOT BUILD_ROOT

Three checks:

1. Includes. Every file under src/ belongs to a layer (LAYER_OF_PATH), and
   every `#include "..."` in it must name a header of a layer its row of
   USES allows (its own layer always). A quoted include that resolves to no
   file of src/ (nor the generated config.h) is an error too: a check with
   holes is no check.
2. No mutable globals in sim/ ("two machines can coexist"), read from the
   compiled library, not the source: no object of the sim library may live
   in a writable data section (.data, .bss, common, thread-local; nm's
   D/d/B/b/C). Read-only objects are fine: .rodata (nm's R/r) and
   .data.rel.ro, where a position-independent build puts tables of
   pointers that are themselves const (nm shows those as 'd', so the
   section decides, from `objdump -t`).
3. Linked symbols. Each layer's static library may use symbols defined by
   another layer's library only when USES allows that layer; ui and cli may
   use the sim library only through the read-only accessors of
   src/replay/view.sym (STYLE.md 1.1: they change machine state only by
   asking replay/).
"""
import os
import re
import subprocess
import sys

# --- the table ------------------------------------------------------------

# Which layer a file of src/ belongs to: the first matching prefix.
LAYER_OF_PATH = [
    ("src/sim/", "sim"),
    ("src/trace/", "trace"),
    ("src/replay/", "replay"),
    ("src/cli/", "cli"),
    ("src/ui/", "ui"),
    ("src/record/", "record"),
    ("src/limits/", "limits"),
    ("src/main.c", "main"),
    ("src/arch/", "arch"),
]

# What each layer may include and link against, besides itself. "config" is
# the generated config.h (version and install paths).
USES = {
    # The machine's configuration limits and rules: one header of static
    # inline functions below sim and trace, which may not know each other
    # but both check a RAM size and a TLB geometry (docs/architecture.md).
    "limits": [],  # the C library only; no library, no state
    # arch: header-only names both sim and trace need (the paging-mode enum
    # and its keywords): sim builds the mode's tables, trace parses its
    # keyword, and neither may see the other.
    "arch": [],  # the C library only
    "sim": ["limits", "arch"],  # and the C library
    "trace": ["limits", "arch"],  # and the C library
    "replay": ["sim", "trace", "limits", "arch"],
    # cli and ui read sim through const pointers and trace's plain data
    # (operation records); they change the machine only through replay.
    "cli": ["replay", "sim", "trace", "limits", "arch", "config"],
    "ui": ["replay", "sim", "trace", "limits", "arch", "config"],
    "record": [],  # preloaded into arbitrary programs: libc only
    "main": ["cli", "ui", "replay", "config"],  # dispatch only
}

# The static library of each layer (src/meson.build), found under BUILD_ROOT.
LIBRARY = {
    "sim": "libpagesim_sim.a",
    "trace": "libpagesim_trace.a",
    "replay": "libpagesim_replay.a",
    "cli": "libpagesim_cli.a",
    "ui": "libpagesim_ui.a",
}

# The sim functions ui/ and cli/ may call: each takes the machine or its
# parts through a const pointer, or only names an enum value. The list is
# src/replay/view.sym, which the program's link enforces too
# (scripts/prelink.py): one list for both.
VIEW_SYM = "src/replay/view.sym"


def sim_readers(root):
    with open(os.path.join(root, VIEW_SYM), encoding="utf-8") as f:
        return {w.strip() for w in f if w.strip() and not w.startswith("#")}


RESTRICTED_LAYERS = (("ui", "sim"), ("cli", "sim"))

# Sections where a read-only object may live.
READ_ONLY_SECTION = re.compile(r"^\.(rodata|data\.rel\.ro)(\.|$)")
# Objects the compiler adds for instrumentation (coverage, sanitizers).
INSTRUMENTATION = re.compile(r"^_*(gcov|asan|ubsan|tsan|sancov|llvm|prof[cdn]?)")

# --- the checks -----------------------------------------------------------

INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')


def layer_of(rel):
    for prefix, layer in LAYER_OF_PATH:
        if rel == prefix or (prefix.endswith("/") and rel.startswith(prefix)):
            return layer
    return None


def strip_comments(text):
    """Block and line comments out, newlines kept (so line numbers hold)."""
    out = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    return re.sub(r"//[^\n]*", "", out)


def check_includes(root):
    errors = []
    src = os.path.join(root, "src")
    for dirpath, _, names in os.walk(src):
        for name in sorted(names):
            if not name.endswith((".c", ".h")):
                continue
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            layer = layer_of(rel)
            if layer is None:
                errors.append(f"{rel}: in no layer of the table (LAYER_OF_PATH)")
                continue
            allowed = {layer, *USES[layer]}
            with open(path, encoding="utf-8", errors="replace") as f:
                text = strip_comments(f.read())
            for n, line in enumerate(text.split("\n"), 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                inc = m.group(1)
                if inc == "config.h":
                    target = "config"
                else:
                    target = None
                    for base in (dirpath, src):
                        cand = os.path.normpath(os.path.join(base, inc))
                        if os.path.isfile(cand):
                            target = layer_of(os.path.relpath(cand, root))
                            break
                    if target is None:
                        errors.append(f'{rel}:{n}: #include "{inc}" names no header of src/')
                        continue
                if target not in allowed:
                    errors.append(
                        f'{rel}:{n}: #include "{inc}": {layer} may not use {target} '
                        f"(allowed: {', '.join(sorted(allowed))})"
                    )
    return errors


def run(cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def find_libraries(build):
    found = {}
    for dirpath, _, names in os.walk(build):
        for layer, lib in LIBRARY.items():
            if lib in names and layer not in found:
                found[layer] = os.path.join(dirpath, lib)
    return found


# objdump -t: "ADDRESS FLAGS SECTION\tSIZE NAME", FLAGS 7 characters.
SYMBOL = re.compile(r"^[0-9a-fA-F]+ (.{7}) (\S+)\s+[0-9a-fA-F]+\s+(.*)$")


def check_globals(libs):
    lib = libs.get("sim")
    if lib is None:
        return ["no sim library under the build directory"]
    errors = []
    member = "?"
    for line in run(["objdump", "-t", lib]).splitlines():
        if line.startswith("In archive") or not line.strip():
            continue
        m = re.match(r"^(\S+):\s+file format", line)
        if m:
            member = m.group(1)
            continue
        m = SYMBOL.match(line)
        if not m:
            continue
        flags, section, name = m.groups()
        if INSTRUMENTATION.match(name):
            continue
        if section == "*COM*" or ("O" in flags and not READ_ONLY_SECTION.match(section)):
            errors.append(f"{os.path.basename(member)}: {name} is writable ({section})")
    return errors


def check_links(root, libs):
    errors = []
    readers = sim_readers(root)
    restricted = {pair: readers for pair in RESTRICTED_LAYERS}
    missing = sorted(set(LIBRARY) - set(libs))
    if missing:
        return [f"no library for {', '.join(missing)} under the build directory"]
    defined = {}
    for layer, lib in libs.items():
        names = set()
        for line in run(["nm", "-g", "--defined-only", lib]).splitlines():
            parts = line.split()
            if len(parts) == 3:
                names.add(parts[2])
        defined[layer] = names
    for layer, lib in sorted(libs.items()):
        undefined = set()
        for line in run(["nm", "-u", lib]).splitlines():
            parts = line.split()
            if parts and parts[0] == "U" and len(parts) == 2:
                undefined.add(parts[1])
        for other in sorted(libs):
            if other == layer:
                continue
            used = undefined & defined[other]
            if not used:
                continue
            if other not in USES[layer]:
                errors.append(f"{layer} uses {other}: {', '.join(sorted(used))}")
                continue
            allowed = restricted.get((layer, other))
            if allowed is not None and used - allowed:
                errors.append(
                    f"{layer} calls {other} functions outside its read-only list: "
                    f"{', '.join(sorted(used - allowed))}"
                )
    return errors


def main():
    if len(sys.argv) != 3:
        print("usage: lint_layers.py SOURCE_ROOT BUILD_ROOT", file=sys.stderr)
        return 2
    root, build = sys.argv[1], sys.argv[2]
    libs = find_libraries(build)
    checks = [
        ("every #include follows the layer table", lambda: check_includes(root)),
        ("sim library has no writable globals (objdump -t)", lambda: check_globals(libs)),
        ("libraries use only the layers the table allows (nm)", lambda: check_links(root, libs)),
    ]
    failed = 0
    for n, (name, fn) in enumerate(checks, 1):
        try:
            errors = fn()
        except (OSError, subprocess.CalledProcessError) as e:
            errors = [f"cannot run the check: {e}"]
        if errors:
            failed += 1
            print(f"not ok {n} - {name}")
            for e in errors:
                print(f"# {e}")
        else:
            print(f"ok {n} - {name}")
    print(f"1..{len(checks)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
