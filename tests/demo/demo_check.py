#!/usr/bin/env python3
"""Checks the numbers of `memhpctl demo --json` against what they must be.

The demo hot-adds a 256 GiB CXL device (node 1, memory-less) to a machine
with 2 GiB of boot RAM on node 0, with memmap_on_memory off and on.  With
4 KiB pages and 64-byte struct pages the memmap of a GiB is 16 MiB, so:

  off: every GiB added takes exactly 16 MiB (4096 pages) of node 0, sample
       by sample, until the add fails with ENOMEM; the failing block is the
       one after the last one added; after the rollback node 0 has every
       page back and no block is online.
  on:  node 0 does not lose one byte at any sample; the memmap is 4 GiB
       = 1048576 pages, all on the device (2 MiB at the start of each of the
       2048 blocks), and all 2048 blocks are online.

usage: demo_check.py DEMO.json     exit 0 when every check holds
"""
import json
import sys

GiB = 1 << 30
MiB = 1 << 20


def main(path):
    d = json.load(open(path))
    page, block = d["page_size"], d["block_size"]
    off, on = d["modes"]
    bad = []

    def check(what, cond):
        if not cond:
            bad.append(what)

    check("page size 4 KiB, block size 128 MiB", page == 4096 and block == 128 * MiB)
    # ---- memmap_on_memory=0
    check("off: the add fails with ENOMEM", off["result"] == "ENOMEM")
    whole = [s for s in off["samples"] if s[0] % GiB == 0]
    check("off: samples every GiB", len(whole) > 10)
    for added, free0, memmap in whole:
        gib = added // GiB
        if free0 != off["node0_free_boot"] - gib * 16 * MiB:
            bad.append(f"off: at {gib} GiB node 0 has {free0}, expected "
                       f"{off['node0_free_boot'] - gib * 16 * MiB} (16 MiB per GiB)")
            break
        if memmap != gib * 4096:
            bad.append(f"off: at {gib} GiB nr_memmap_pages {memmap}, expected {gib * 4096}")
            break
    last = off["samples"][-1]
    check("off: the last sample is the failure point", last[0] == off["added_at_failure"])
    check("off: the failing block follows the last one added",
          off["fail_block"] == off["first_block"] + off["added_at_failure"] // block)
    check("off: node 0 got every page back", off["node0_change_after"] == 0)
    check("off: nothing online, no memmap left", off["blocks_online"] == 0 and off["memmap_bytes"] == 0)
    # ---- memmap_on_memory=1
    check("on: the add succeeds", on["result"] == "ok")
    check("on: node 0 never moves",
          all(s[1] == on["node0_free_boot"] for s in on["samples"]) and on["node0_change_after"] == 0)
    check("on: memmap of 256 GiB = 4 GiB = 1048576 pages",
          on["memmap_bytes"] == 4 * GiB and on["memmap_bytes"] // page == 1048576)
    check("on: all of it on the device", on["memmap_on_device"] == 4 * GiB)
    check("on: 2048 blocks, all online",
          on["last_block"] - on["first_block"] + 1 == 2048 and on["blocks_online"] == 2048)
    check("on: the memmap grows 4096 pages per GiB",
          all(s[2] == s[0] // GiB * 4096 for s in on["samples"] if s[0] % GiB == 0))
    for b in bad:
        print("FAIL", b)
    print(f"demo check: {'ok' if not bad else f'{len(bad)} failed'}: off fails at "
          f"{off['added_at_failure'] / GiB:.3f} GiB (block {off['fail_block']}), on: "
          f"{on['memmap_bytes'] // page} memmap pages on the device")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
