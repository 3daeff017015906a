#!/usr/bin/env python3
"""prelink.py - the replay layer as the program's ui/ and cli/ link it.

Usage: prelink.py OUT VIEW_SYM NM OBJCOPY REPLAY_LIB TRACE_LIB SIM_LIB -- CC...

Links the three static libraries into one relocatable object (CC -r, every
member kept), then makes local every symbol it defines except replay's and
trace's own and, of sim's, the read-only functions VIEW_SYM lists
(objcopy --keep-global-symbols). The program links OUT instead of the
libraries, so a call from ui/ or cli/ to a sim function outside the list
(machine_malloc, say) is an undefined reference: the build fails. Replay's
own calls into sim were resolved inside the object and still work.
"""
import os
import subprocess
import sys


def defined_globals(nm, lib):
    out = subprocess.run([nm, "-g", "--defined-only", lib], check=True, capture_output=True,
                         text=True).stdout
    names = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3:
            names.add(parts[2])
    return names


def read_list(path):
    with open(path, encoding="utf-8") as f:
        return {w.strip() for w in f if w.strip() and not w.startswith("#")}


def main(argv):
    if "--" not in argv or argv.index("--") != 8:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    out, view, nm, objcopy, replay, trace, sim = argv[1:8]
    cc = argv[9:]
    readers = read_list(view)
    sim_defined = defined_globals(nm, sim)
    unknown = sorted(readers - sim_defined)
    if unknown:
        print(f"{view}: not functions of the sim library: {', '.join(unknown)}", file=sys.stderr)
        return 1
    keep = defined_globals(nm, replay) | defined_globals(nm, trace) | readers
    tmp = out + ".all.o"
    keep_file = out + ".keep"
    subprocess.run(cc + ["-r", "-nostdlib", "-o", tmp, "-Wl,--whole-archive", replay, trace, sim,
                         "-Wl,--no-whole-archive"], check=True)
    with open(keep_file, "w", encoding="utf-8") as f:
        f.write("".join(name + "\n" for name in sorted(keep)))
    subprocess.run([objcopy, "--keep-global-symbols=" + keep_file, tmp, out], check=True)
    os.remove(tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
