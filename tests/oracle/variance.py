#!/usr/bin/env python3
"""variance.py RUN.json[.xz] RUN.json[.xz]...: what the real kernel did not
repeat.

The runs are recordings of one scenario on the same kernel and machine
(../shared/oracle/run-scenario, one boot each).  For every step it prints
the `where` histograms and `kpf` counts the runs disagree on, and each
Movable/Normal zone's free pages and per-CPU list count where they differ:
a value that changes between the kernel's own runs is decided by timing
(the guest's processes, RCU, SLUB, the per-CPU lists' decay), not by the
scenario, so no model of the kernel's rules can equal every run.  The last
line counts the compared fields and those that differ.

Exit 0 after printing, 2 on bad input.
"""
import json
import lzma
import sys


def load(path):
    try:
        with (lzma.open(path) if path.endswith(".xz") else open(path, "rb")) as f:
            return json.load(f)
    except (OSError, ValueError, lzma.LZMAError) as e:
        print(f"variance: cannot read {path}: {e}", file=sys.stderr)
        sys.exit(2)


def where_fields(action):
    return {f"where block {b}": n for b, n in (action.get("pages_per_block") or {}).items()}


def kpf_fields(action):
    return {f"kpf block {b} {flag}": n
            for b, flags in (action.get("kpageflags") or {}).items() for flag, n in flags.items()}


def zone_fields(snapshot):
    out = {}
    for z in snapshot.get("zones") or []:
        if z.get("zone") in ("Normal", "Movable") and z.get("managed"):
            for f in ("free", "pcp_count"):
                out[f"zone {z['node']}:{z['zone']} {f}"] = z.get(f)
    return out


FIELDS = {"where": where_fields, "kpf": kpf_fields}


def step_fields(step):
    fields = zone_fields(step.get("snapshot") or {})
    fields.update(FIELDS.get(step.get("verb"), lambda a: {})(step.get("action") or {}))
    return fields


def main(paths):
    if len(paths) < 2:
        sys.stderr.write(__doc__)
        return 2
    runs = [load(p) for p in paths]
    compared = differ = 0
    for i, step in enumerate(runs[0].get("steps") or []):
        per_run = [step_fields(r["steps"][i]) if i < len(r.get("steps") or []) else {} for r in runs]
        for key in sorted(set().union(*per_run)):
            values = [f.get(key, 0) for f in per_run]
            compared += 1
            if len(set(values)) > 1:
                differ += 1
                print(f"step {step.get('index')} '{step.get('line')}': {key}: {values}")
    print(f"variance: {differ} of {compared} fields differ between {len(runs)} runs")
    return 0


if __name__ == "__main__":
    if any(a in ("-h", "--help") for a in sys.argv[1:]):
        sys.stdout.write(__doc__)
        sys.exit(0)
    sys.exit(main(sys.argv[1:]))
