#!/usr/bin/env python3
"""random_report.py - memhp against the recorded random kernel runs.

usage: random_report.py BUILD_DIR [SEED...]

For every seed recorded in tests/oracle/random (or the ones named): the
scenario is generated again from its seed (gen.py), run on memhp
(BUILD_DIR/memhpctl run --json) and compared with the kernel's run by
conform.py.  Prints one line per run and a table of the mismatching
fields by kind (the attribute or counter that differs), biggest first:
the list of causes still to model.  Exit 0 when every run is at 100%.
"""
import collections
import json
import lzma
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
RANDOM = os.path.join(HERE, "random")


def seeds(argv):
    if argv:
        return [int(s) for s in argv]
    path = os.path.join(RANDOM, "SEEDS")
    if not os.path.exists(path):
        return []
    return sorted({int(line) for line in open(path) if line.strip()})


def kind_of(line):
    """'MISMATCH step 3 ...: memory33/nodes: ...' -> 'memory*/nodes'"""
    m = re.search(r"': ([^:]+):", line)
    if not m:
        return line[:60]
    return re.sub(r"\d+", "*", m.group(1))


def kernel_image_base(kernel_json):
    """Where KASLR put the recorded kernel's image: its /proc/iomem
    "Kernel code" start.  memhp boots with the image there, as the same
    kernel with the same random choice would (memhpctl run --kernel-image)."""
    with open(kernel_json) as f:
        run = json.load(f)
    for step in run.get("steps", []):
        for line in (step.get("snapshot") or {}).get("iomem") or []:
            if line.strip().endswith(": Kernel code"):
                return "0x" + line.strip().split("-")[0]
    return None


def run_one(build, seed, tmp):
    scn = os.path.join(tmp, "%d.scn" % seed)
    with open(scn, "w") as f:
        subprocess.run([sys.executable, os.path.join(HERE, "gen.py"), str(seed)], stdout=f, check=True)
    opts = subprocess.run([sys.executable, os.path.join(HERE, "gen.py"), str(seed), "--options"],
                          capture_output=True, text=True, check=True).stdout.split()
    kernel = os.path.join(tmp, "%d.kernel.json" % seed)
    with open(kernel, "wb") as f:
        f.write(lzma.open(os.path.join(RANDOM, "%d.json.xz" % seed)).read())
    mine = os.path.join(tmp, "%d.memhp.json" % seed)
    image = kernel_image_base(kernel)
    if image:
        opts = ["--kernel-image", image] + opts
    try:
        subprocess.run([os.path.join(build, "memhpctl"), "run", scn] + opts + ["--json", "-o", mine],
                       capture_output=True, timeout=600)
    except subprocess.TimeoutExpired:
        return None, ["MISMATCH step ? 'run': memhp/timeout: the run did not end"]
    out = subprocess.run([sys.executable, os.path.join(HERE, "conform.py"), kernel, mine, "--verbose"],
                         capture_output=True, text=True).stdout.splitlines()
    summary = out[-1] if out else "no output"
    return summary, [line for line in out if line.startswith("MISMATCH")]


def main(argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    build = argv[1]
    kinds = collections.Counter()
    exact = 0
    todo = seeds(argv[2:])
    with tempfile.TemporaryDirectory() as tmp:
        for seed in todo:
            summary, mismatches = run_one(build, seed, tmp)
            exact += not mismatches
            for line in mismatches:
                kinds[kind_of(line)] += 1
            print("seed %d: %s" % (seed, summary))
    print("\n%d of %d runs exact" % (exact, len(todo)))
    for kind, n in kinds.most_common(30):
        print("%6d  %s" % (n, kind))
    return 0 if exact == len(todo) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
