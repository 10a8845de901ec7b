#!/usr/bin/env python3
"""Check the runner's dax snapshot (snap.sh's "dax" section) on
dax-cxl-kmem.scn against what the kernel's g2 run shows for the same
transitions: every attribute a string as sysfs prints it, the driver the
device is bound to ('-' unbound), memmap_on_memory following the writes,
the device's memory blocks appearing on bind and going on unbind, and
offline memory never counted in MemTotal.

usage: dax_snapshot.py RUN.json   (exit 1 with the first mismatch)
"""
import json
import sys

MiB = 1 << 20


def fail(msg):
    print("dax snapshot: " + msg)
    sys.exit(1)


def expect(what, got, want):
    if got != want:
        fail("%s: got %r, want %r" % (what, got, want))


def main():
    run = json.load(open(sys.argv[1]))
    boot = run["boot"]["snapshot"]
    steps = run["steps"][1:]   # after auto_online offline
    boot_blocks = set(boot["memory"]["blocks"])
    expect("boot dax devices", boot["dax"], {})
    # the attributes snap.sh reads, in the kernel's formats
    keys = ["size", "target_node", "align", "memmap_on_memory", "resource", "numa_node", "driver"]
    # step: (driver, memmap_on_memory, blocks of the device present)
    want = [("kmem", "1", True), ("-", "1", False), ("-", "0", False),
            ("kmem", "0", True), ("-", "0", False)]
    expect("steps", len(steps), len(want))
    resource = None
    for i, (drv, mmom, present) in enumerate(want):
        snap = steps[i]["snapshot"]
        dax = snap["dax"]
        expect("step %d devices" % (i + 1), sorted(dax), ["dax0.0"])
        d = dax["dax0.0"]
        expect("step %d keys" % (i + 1), sorted(d), sorted(keys))
        expect("step %d driver" % (i + 1), d["driver"], drv)
        expect("step %d memmap_on_memory" % (i + 1), d["memmap_on_memory"], mmom)
        expect("step %d size" % (i + 1), d["size"], str(512 * MiB))
        expect("step %d align" % (i + 1), d["align"], "2097152")
        expect("step %d target_node" % (i + 1), d["target_node"], "0")
        expect("step %d numa_node" % (i + 1), d["numa_node"], "0")
        if not d["resource"].startswith("0x"):
            fail("step %d resource %r is not hex" % (i + 1, d["resource"]))
        resource = resource or d["resource"]
        expect("step %d resource" % (i + 1), d["resource"], resource)
        start = int(resource, 16)
        block = int(snap["memory"]["block_size_bytes"], 16)
        dev_blocks = {str(b) for b in range(start // block, (start + 512 * MiB) // block)}
        blocks = set(snap["memory"]["blocks"])
        if present:
            expect("step %d blocks" % (i + 1), blocks, boot_blocks | dev_blocks)
            for b in dev_blocks:
                expect("block %s state" % b, snap["memory"]["blocks"][b]["state"], "offline")
            # iomem: the device's range, System RAM (kmem) under it
            line = [l for l in snap["iomem"] if l.strip().startswith("%x-" % start)]
            if not any("System RAM (kmem)" in l for l in line):
                fail("step %d: no System RAM (kmem) at %s in iomem" % (i + 1, resource))
        else:
            expect("step %d blocks" % (i + 1), blocks, boot_blocks)
        expect("step %d MemTotal" % (i + 1), snap["meminfo"]["MemTotal"], boot["meminfo"]["MemTotal"])
    print("dax snapshot: %d steps match" % len(want))


if __name__ == "__main__":
    if any(a in ("-h", "--help") for a in sys.argv[1:]):
        sys.stdout.write(__doc__)
        sys.exit(0)
    main()
