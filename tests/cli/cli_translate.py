#!/usr/bin/env python3
"""cli_translate.py - `pagesim translate` at the command line, as TAP.

Checks the text walk, the --json array (CONTRACT 3 keys), --write/--user/
--exec, stdin addresses and their errors, --at, and above all agreement
with an independent walker (walk.py, written from the SDM) that reads the
--save-ram image and the registers from `replay --json`, in all four paging
modes and for four kinds of access: what the acceptance checks do.
One interpreter for everything: Python starts slowly on loaded machines.

Environment: PAGESIM (the binary), PAGESIM_SRC (the source tree).
"""
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import walk  # noqa: E402

PAGESIM = os.environ["PAGESIM"]
SRC = os.environ["PAGESIM_SRC"]
HEX = re.compile(r"^0x[0-9a-f]+$")
n = 0
failed = 0


def tap(good, what, why=""):
    global n, failed
    n += 1
    if good:
        print("ok %d - %s" % (n, what))
    else:
        failed += 1
        print("not ok %d - %s" % (n, what))
        for line in str(why).splitlines()[:15]:
            print("# " + line)
    sys.stdout.flush()


def run(args, stdin=None):
    p = subprocess.run([PAGESIM] + args, input=stdin, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def check(what, fn):
    try:
        fn()
        tap(True, what)
    except Exception as e:  # noqa: BLE001 - every failure is reported
        tap(False, what, "%s: %s" % (type(e).__name__, e))


TRACE = """# allocations of several sizes, then a free: mapped and unmapped pages
ram 32M
malloc a 100
malloc b 5000
malloc big 600K
write a 0 100
write b 4000 100
write big 0 8
write big 614000 8
malloc c 64
free b
"""

work = tempfile.mkdtemp(prefix="pagesim-translate.")
t = os.path.join(work, "t.trace")
with open(t, "w") as f:
    f.write(TRACE)

rc, log, err = run(["replay", "--log", t])
m = re.search(r"block a: \d+ bytes at (0x[0-9a-f]+)", log)
tap(rc == 0 and m is not None, "the log names block a's address", err)
va = m.group(1) if m else "0xd0000000"


def json_keys():
    rc, out, err = run(["translate", "--json", t, va, "0x10", "0"])
    assert rc == 0, err
    d = json.loads(out)
    assert isinstance(d, list) and len(d) == 3
    for o in d:
        for k in ["vaddr", "access", "paddr", "fault", "page_size", "walk", "tlb"]:
            assert k in o, k
        assert HEX.match(o["vaddr"]) and o["access"] == "read"
        for s in o["walk"]:
            assert s["level"] in ("PML4E", "PDPTE", "PDE", "PTE")
            for k in ["table", "entry_addr", "entry"]:
                assert HEX.match(s[k]), k
            assert isinstance(s["index"], int)
    good, bad = d[0], d[1]
    assert HEX.match(good["paddr"]) and good["fault"] is None and good["page_size"] == 4096
    assert [s["level"] for s in good["walk"]] == ["PDE", "PTE"], good["walk"]
    s = good["walk"][0]
    assert int(s["entry_addr"], 16) == int(s["table"], 16) + 4 * s["index"]
    assert s["index"] == int(va, 16) >> 22
    assert int(good["paddr"], 16) & 0xFFF == int(va, 16) & 0xFFF
    assert good["tlb"] is not None and good["tlb"]["paddr"] == good["paddr"]
    assert bad["paddr"] is None and bad["fault"]["vector"] == "#PF"
    assert bad["fault"]["error_code"] == "0x0" and bad["fault"]["reason"] == "not present"
    assert bad["tlb"] is None


check("translate --json: one object per address with every CONTRACT 3 key", json_keys)


def write_user():
    rc, out, err = run(["translate", "--json", "--write", "--user", t, va])
    o = json.loads(out)[0]
    assert o["access"] == "write"
    if o["fault"] is not None:
        assert o["fault"]["vector"] == "#PF"
        assert int(o["fault"]["error_code"], 16) & 6 == 6, o["fault"]


check("translate --write --user: W/R and U/S error-code bits", write_user)


def gp():
    rc, out, err = run(["translate", "--json", "--paging", "long", t, "0x0000800000000000"])
    o = json.loads(out)[0]
    assert o["paddr"] is None and o["fault"]["vector"] == "#GP", o
    assert o["fault"]["error_code"] is None, o


check("long mode: a non-canonical address is #GP", gp)


def exec_access():
    rc, out, err = run(["translate", "--json", "--exec", t, va])
    assert json.loads(out)[0]["access"] == "exec"


check("translate --exec reports access exec", exec_access)


def text():
    rc, out, err = run(["translate", t, va, "16"])
    assert rc == 0, err
    assert re.search(r"^%s \(supervisor read\): 0x[0-9a-f]{8}" % va, out, re.M), out
    assert re.search(r"^  PDE +index +\d+ of table 0x[0-9a-f]{8}, entry at 0x[0-9a-f]{8} = "
                     r"0x[0-9a-f]{8}", out, re.M), out
    assert re.search(r"^  TLB ", out, re.M), out
    assert re.search(r"^0x00000010 \(supervisor read\): #PF error code 0x0", out, re.M), out


check("translate (text): the address, each step, the TLB", text)


def stdin_ok():
    rc, out, err = run(["translate", "--json", t, "-"], "%s\n\n  0x10  \n# comment\n4096\n" % va)
    assert rc == 0, err
    assert len(json.loads(out)) == 3


check("translate - reads addresses from stdin", stdin_ok)


def stdin_bad():
    rc, out, err = run(["translate", "--json", t, "-"], "0x10\n  0xzz\n")
    assert rc == 1, rc
    assert out == "", out
    assert re.match(r"^-:2:3: error: .*0xzz", err), err


check("a bad address on stdin: exit 1, -:2:3: error: naming it, nothing on stdout", stdin_bad)


def at_zero():
    rc, out, err = run(["translate", "--json", "--at", "0", t, va])
    assert json.loads(out)[0]["paddr"] is None


check("--at 0: the block's address is not mapped yet", at_zero)

def facts_only(rc, err):
    """Exit 3 whose stderr holds only failed `expect` facts (CONTRACT 1)."""
    lines = [ln for ln in err.splitlines() if ln]
    return rc == 3 and lines and all(": expectation failed: " in ln for ln in lines)


# Differential: translate against the independent walker over the RAM image.
traces = [t] + sorted(glob.glob(os.path.join(SRC, "traces", "*.trace")))
img = os.path.join(work, "ram.img")
for mode in ["32", "pse", "pae", "long"]:
    for tr in traces:
        name = "%s --paging %s" % (os.path.basename(tr), mode)
        rc, log, err = run(["replay", "--log", "--paging", mode, tr])
        rc2, summ, err2 = run(["replay", "--json", "--paging", mode, "--save-ram", img, tr])
        # A lesson's `expect` facts are its own mode's: in another, exit 3
        # with only "expectation failed" lines is a replay that ran.
        if facts_only(rc, err) and facts_only(rc2, err2):
            rc = rc2 = 0
        if rc != 0 or rc2 != 0:
            tap(False, name + ": replays", err + err2)
            continue
        addrs = set()
        for a in re.findall(r"(?:map|block [^ ]+: \d+ bytes at) (0x[0-9a-f]+)", log):
            v = int(a, 16)
            addrs.update([v, v + 0x7FF, v + 0xFFF])
        addrs.update([0, 0x10, 0xB8000, 0x100000, 0x400000, 0xC0000000, 0xD0000000,
                      0xFFFFF000])
        addrs = sorted(addrs)[:600]
        with open(img, "rb") as f:
            ram = f.read()
        cpu = json.loads(summ)["cpu"]
        for acc, user in [("read", False), ("write", False), ("read", True), ("write", True),
                          ("exec", False)]:
            args = ["translate", "--json", "--paging", mode]
            if acc != "read":
                args.append("--" + acc)
            if user:
                args.append("--user")
            rc, out, err = run(args + [tr] + ["0x%x" % a for a in addrs])
            what = "%s %s%s: translate agrees with the RAM-image walker" % (
                name, acc, " user" if user else "")
            try:
                got = json.loads(out)
                assert len(got) == len(addrs)
                bad = []
                for a, o in zip(addrs, got):
                    pa, _ = walk.translate(ram, cpu, a, acc, user)
                    want = None if pa is None else "0x%08x" % pa
                    if o["paddr"] != want:
                        bad.append((hex(a), o["paddr"], want))
                assert not bad, bad[:5]
                tap(True, what)
            except Exception as e:  # noqa: BLE001
                tap(False, what, "%s: %s %s" % (type(e).__name__, e, err[:300]))



def flags_by_level():
    # Bit 7 is named as the level reads it (sim/paging.h's flag table): PS in
    # the 4 MiB PDE of a PSE trace, not the old catch-all "PS/PAT".
    rc, out, err = run(["translate", os.path.join(SRC, "traces", "09-pse-large-pages.trace"),
                        "0x800123"])
    assert rc == 0, err
    pde = [ln for ln in out.splitlines() if ln.lstrip().startswith("PDE")]
    assert len(pde) == 1 and pde[0].endswith("[P RW A D PS]"), out


check("translate text: bit 7 of a 4 MiB PDE reads PS", flags_by_level)

print("1..%d" % n)
sys.exit(1 if failed else 0)
