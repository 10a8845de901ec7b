#!/usr/bin/env python3
"""outcomes.py KERNEL.json MEMHP.json: every step's result, memhp's and the kernel's.

The result of each step as conform.py reads it (a hot-add accepted and its
blocks, a removal accepted or refused, each write's ok, errno or timeout)
and every memory block's state after it.  For runs whose counters hold
something memhp does not model (a KNOWN cause), this is what must still
be equal.  Exit 0 when all are; prints what differs otherwise.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import conform  # noqa: E402


def states(step):
    blocks = ((step.get("snapshot") or {}).get("memory") or {}).get("blocks") or {}
    return {b: (v or {}).get("state") for b, v in blocks.items()}


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    kern, mine = conform.load(argv[1]), conform.load(argv[2])
    msteps = {s.get("index"): s for s in mine.get("steps") or []}
    bad = n = 0
    for ks in kern.get("steps") or []:
        ms = msteps.get(ks.get("index")) or {}
        got = dict(conform.outcome(ms))
        for what, want in conform.outcome(ks) + [("block states", states(ks))]:
            have = states(ms) if what == "block states" else got.get(what)
            n += 1
            if want != have:
                bad += 1
                print(f"MISMATCH step {ks.get('index')} '{ks.get('line')}': {what}: kernel {want!r}, memhp {have!r}")
    print(f"outcomes: {n - bad}/{n} equal")
    return 1 if bad or not n else 0


if __name__ == "__main__":
    if any(a in ("-h", "--help") for a in sys.argv[1:]):
        sys.stdout.write(__doc__)
        sys.exit(0)
    sys.exit(main(sys.argv))
