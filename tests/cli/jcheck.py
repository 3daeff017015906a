#!/usr/bin/env python3
"""jcheck.py - the JSON checks of the CLI tests, run in one interpreter.

Reads a manifest of lines NAME<TAB>KIND<TAB>FILE<TAB>EXPECT and prints
PASS<TAB>NAME or FAIL<TAB>NAME<TAB>WHY for each. KIND:
  valid     FILE is one JSON value
  summary   FILE is a `replay --json` object with every CONTRACT 3 key
  lastjson  the JSON object that ends FILE (after --log lines) is a summary
  cr0pg     summary with CR0.PG and CR0.PE set
  longmode  summary with CR4.PAE, EFER.LME and EFER.LMA set
  anybyte   FILE (a RAM image) holds a non-zero byte
EXPECT is a JSON object whose leaves must equal the summary's.
"""
import json
import re
import sys

HEX = re.compile(r"^0x[0-9a-f]+$")


def summary(d):
    need = {"trace": str, "format": str, "paging": str, "ram_bytes": int, "operations": int,
            "ops": dict, "heap": dict, "frames": dict, "tlb": dict, "page_faults": int,
            "diagnostics": int, "cpu": dict}
    for k, t in need.items():
        assert k in d, "missing key " + k
        assert isinstance(d[k], t) and not isinstance(d[k], bool), k + " has the wrong type"
    for k in ["malloc", "calloc", "realloc", "free", "read", "write"]:
        assert isinstance(d["ops"][k], int), "ops." + k
    assert "say" not in d["ops"], "say is not in ops"
    for k in ["live_blocks", "live_bytes", "peak_live_bytes", "failed_allocs"]:
        assert isinstance(d["heap"][k], int), "heap." + k
    for k in ["total", "free", "used", "reserved"]:
        assert isinstance(d["frames"][k], int), "frames." + k
    for k in ["hits", "misses", "flushes", "invlpg"]:
        assert isinstance(d["tlb"][k], int), "tlb." + k
    for k in ["cr0", "cr2", "cr3", "cr4", "efer"]:
        assert HEX.match(d["cpu"][k]), "cpu.%s = %r" % (k, d["cpu"][k])
    assert d["cpu"]["maxphyaddr"] == 40
    f = d["frames"]
    assert f["free"] + f["used"] + f["reserved"] == f["total"], "frames add up"
    assert f["total"] * 4096 == d["ram_bytes"], "frames.total is RAM / 4 KiB"
    return d


def match(exp, got, path=""):
    if isinstance(exp, dict):
        for k in exp:
            assert isinstance(got, dict) and k in got, "missing " + path + "." + k
            match(exp[k], got[k], path + "." + k)
    else:
        assert got == exp, "%s = %r, want %r" % (path, got, exp)


def run(kind, path, exp):
    if kind == "anybyte":
        with open(path, "rb") as f:
            assert any(f.read()), "all zeros"
        return
    text = open(path, encoding="utf-8").read()
    if kind == "lastjson":
        lines = text.splitlines()
        starts = [i for i, l in enumerate(lines) if l.startswith("{")]
        assert starts, "no JSON object"
        d = summary(json.loads("\n".join(lines[starts[-1]:])))
    elif kind == "valid":
        d = json.loads(text)
    else:
        d = summary(json.loads(text))
        if kind == "cr0pg":
            c = int(d["cpu"]["cr0"], 16)
            assert c >> 31 & 1 and c & 1, "CR0 = %#x" % c
        elif kind == "longmode":
            assert int(d["cpu"]["cr4"], 16) & 0x20, "CR4.PAE"
            assert int(d["cpu"]["efer"], 16) & 0x500 == 0x500, "EFER.LME/LMA"
    match(exp, d)


def main():
    for line in open(sys.argv[1], encoding="utf-8"):
        line = line.rstrip("\n")
        if not line:
            continue
        name, kind, path, exp = line.split("\t", 3)
        try:
            run(kind, path, json.loads(exp))
            print("PASS\t" + name)
        except Exception as e:  # noqa: BLE001 - every failure is reported
            print("FAIL\t%s\t%s: %s" % (name, type(e).__name__, str(e)[:300]))


if __name__ == "__main__":
    main()
