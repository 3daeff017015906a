#!/usr/bin/env python3
"""walk.py - an independent x86 page walker over a saved RAM image.

Reads the image written by `pagesim replay --save-ram` and the control
registers from `pagesim replay --json`, then translates linear addresses the
way the Intel SDM Vol. 3A chapter 4 says (32-bit with PSE, PAE, 4-level),
with the access rights of section 4.6. Written from the manual, not from
pagesim's code: the CLI tests compare it with `pagesim translate --json`.

usage: walk.py IMAGE SUMMARY.json ACCESS USER VADDR...   (prints JSON list)
"""
import json
import struct
import sys

M = 40
ADDR = ((1 << M) - 1) & ~0xFFF


def load(img, pa, size):
    if pa + size > len(img):
        return (1 << (8 * size)) - 1
    return struct.unpack_from("<I" if size == 4 else "<Q", img, pa)[0]


def translate(img, cpu, va, access, user):
    cr0, cr3, cr4, efer = (int(cpu[k], 16) for k in ("cr0", "cr3", "cr4", "efer"))
    wp = cr0 >> 16 & 1
    nxe = efer >> 11 & 1
    entries = []
    if not (cr0 >> 31 & 1):
        return va, entries
    if cr4 >> 5 & 1 == 0:                                   # 32-bit paging, SDM 4.3
        va &= 0xFFFFFFFF
        pde = load(img, (cr3 & 0xFFFFF000) | (va >> 22) << 2, 4)
        entries.append(pde)
        if not pde & 1:
            return None, entries
        if pde >> 7 & 1 and cr4 >> 4 & 1:
            pa = (pde & 0xFFC00000) | ((pde >> 13) & 0xFF) << 32 | (va & 0x3FFFFF)
        else:
            pte = load(img, (pde & 0xFFFFF000) | ((va >> 12) & 0x3FF) << 2, 4)
            entries.append(pte)
            if not pte & 1:
                return None, entries
            pa = (pte & 0xFFFFF000) | (va & 0xFFF)
    else:
        if efer >> 10 & 1:                                  # 4-level paging, SDM 4.5
            top = va >> 47
            if top not in (0, 0x1FFFF):
                return None, entries
            e = load(img, (cr3 & ADDR) + ((va >> 39) & 0x1FF) * 8, 8)
            entries.append(e)
            if not e & 1:
                return None, entries
            table = e & ADDR
            e = load(img, table + ((va >> 30) & 0x1FF) * 8, 8)
            entries.append(e)
            if not e & 1:
                return None, entries
            if e >> 7 & 1:
                pa = (e & ADDR & ~((1 << 30) - 1)) | (va & ((1 << 30) - 1))
                return check(entries, pa, access, user, wp, nxe)
        else:                                               # PAE paging, SDM 4.4
            va &= 0xFFFFFFFF
            e = load(img, (cr3 & 0xFFFFFFE0) + ((va >> 30) & 3) * 8, 8)
            if not e & 1:
                return None, [e]
            # PDPTEs carry no rights (SDM 4.4.1): not part of the AND.
        table = e & ADDR
        e = load(img, table + ((va >> 21) & 0x1FF) * 8, 8)
        entries.append(e)
        if not e & 1:
            return None, entries
        if e >> 7 & 1:
            pa = (e & ADDR & ~((1 << 21) - 1)) | (va & ((1 << 21) - 1))
            return check(entries, pa, access, user, wp, nxe)
        e = load(img, (e & ADDR) + ((va >> 12) & 0x1FF) * 8, 8)
        entries.append(e)
        if not e & 1:
            return None, entries
        pa = (e & ADDR) | (va & 0xFFF)
    return check(entries, pa, access, user, wp, nxe)


def check(entries, pa, access, user, wp, nxe):
    rw = all(e >> 1 & 1 for e in entries)
    us = all(e >> 2 & 1 for e in entries)
    xd = nxe and any(e >> 63 & 1 for e in entries)
    if user and not us:
        return None, entries
    if access == "write" and not rw and (user or wp):
        return None, entries
    if access == "exec" and xd:
        return None, entries
    return pa, entries


def main():
    img = open(sys.argv[1], "rb").read()
    cpu = json.load(open(sys.argv[2]))["cpu"]
    access, user = sys.argv[3], sys.argv[4] == "1"
    out = []
    for a in sys.argv[5:]:
        va = int(a, 0)
        pa, _ = translate(img, cpu, va, access, user)
        out.append(None if pa is None else "0x%08x" % pa)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
