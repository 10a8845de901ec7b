#!/usr/bin/env python3
"""Build the kernel's /sys/devices/system/memory tree, as the oracle recorded
it after one step of a scenario, in a directory (for lsmem --sysroot).

usage: oracle_tree.py KERNEL.json STEP DIR

STEP 0 is the boot snapshot.  Every memoryN directory gets the recorded
state, online, phys_index, valid_zones, removable and phys_device, and a
nodeX symlink per recorded node link; the root gets block_size_bytes and
auto_online_blocks.  File contents end in a newline, as sysfs's do.
"""
import json
import os
import sys


def main(argv):
    if len(argv) != 4:
        print(__doc__.strip().splitlines()[3], file=sys.stderr)
        return 2
    with open(argv[1]) as f:
        run = json.load(f)
    step = int(argv[2])
    snap = run["boot"]["snapshot"] if step == 0 else run["steps"][step - 1]["snapshot"]
    mem = snap["memory"]
    root = os.path.join(argv[3], "sys/devices/system/memory")
    os.makedirs(root, exist_ok=True)
    for name in ("block_size_bytes", "auto_online_blocks"):
        with open(os.path.join(root, name), "w") as f:
            f.write(mem[name] + "\n")
    for bid, attrs in mem["blocks"].items():
        d = os.path.join(root, "memory" + bid)
        os.makedirs(d, exist_ok=True)
        for key in ("state", "online", "phys_index", "valid_zones", "removable", "phys_device"):
            with open(os.path.join(d, key), "w") as f:
                f.write(attrs[key] + "\n")
        for node in attrs.get("nodes") or []:
            os.symlink("../../node/" + node, os.path.join(d, node))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
