#!/usr/bin/env python3
"""lint_length.py - the size limits of issue 10 (STYLE.md: files that each do
one job, functions that fit a screenful or two), on every src/**/*.c:

- no file over 900 lines;
- no function over 100 lines, counted from the first line of its signature
  to its closing brace, unless a comment in the 12 lines before it holds the
  marker "long:" followed by why (a switch that is a table, a hot path that
  shares its locals).

The sources are clang-formatted (tests/lint.sh checks it), so a function
body is a "{" alone at column 0 up to the next "}" alone at column 0, and
its signature the lines above the "{" back to the one starting at column 0.

Usage: lint_length.py SOURCE_ROOT. Prints the offenders, one a line, and
exits 1 when there is any; exits 0 silently otherwise.
"""
import os
import re
import sys

MAX_FILE_LINES = 900
MAX_FUNCTION_LINES = 100
MARKER_WINDOW = 12
MARKER = re.compile(r"(/\*|//|^\s*\*).*\blong:", re.IGNORECASE)
NAME = re.compile(r"([A-Za-z_][A-Za-z_0-9]*)\s*\(")


def functions(lines):
    """(first line index, last line index, name) of each function body."""
    i = 0
    while i < len(lines):
        if lines[i] != "{":
            i += 1
            continue
        start = i - 1
        while start > 0 and lines[start][:1] in (" ", "\t"):
            start -= 1
        end = i + 1
        while end < len(lines) and lines[end] != "}":
            end += 1
        m = NAME.search(" ".join(lines[start:i]))
        yield start, end, m.group(1) if m else "?"
        i = end + 1


def marked(lines, start):
    return any(MARKER.search(l) for l in lines[max(0, start - MARKER_WINDOW):start])


def check_file(root, rel):
    with open(os.path.join(root, rel), encoding="utf-8") as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    bad = []
    if len(lines) > MAX_FILE_LINES:
        bad.append(f"{rel}: {len(lines)} lines (over {MAX_FILE_LINES}): split it by job")
    for start, end, name in functions(lines):
        n = end - start + 1
        if n > MAX_FUNCTION_LINES and not marked(lines, start):
            bad.append(f"{rel}:{start + 1}: function {name} is {n} lines (over "
                       f"{MAX_FUNCTION_LINES}, and no 'long:' comment in the "
                       f"{MARKER_WINDOW} lines before it says why)")
    return bad


def main(argv):
    if len(argv) != 2:
        print("usage: lint_length.py SOURCE_ROOT", file=sys.stderr)
        return 2
    root = argv[1]
    bad = []
    for d, _, names in sorted(os.walk(os.path.join(root, "src"))):
        for name in sorted(names):
            if name.endswith(".c"):
                bad += check_file(root, os.path.relpath(os.path.join(d, name), root))
    for b in bad:
        print(b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
