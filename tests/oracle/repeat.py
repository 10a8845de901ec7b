#!/usr/bin/env python3
"""repeat.py BUILD_DIR: memhp against scenarios the real kernel repeated.

Some scenarios get different answers from the same kernel on the same
machine, run after run: whether a slab page is still in a freshly onlined
ZONE_NORMAL block when it is offlined depends on when SLUB, RCU and the
per-CPU lists of the guest last freed - on time, not on the scenario.
tests/oracle/repeat/MATRIX lists such scenarios, each recorded several
times.  For each, memhp runs once per recording (booted with that run's
kernel image address, as random_report.py does) and must equal at least
one of the kernel's runs in every field conform.py compares; the split of
the kernel's own outcomes is printed.  Exit 0 when every row passes.
"""
import collections
import glob
import lzma
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import conform  # noqa: E402
import random_report  # noqa: E402

REPEAT = os.path.join(HERE, "repeat")


def rows():
    for line in open(os.path.join(REPEAT, "MATRIX")):
        words = line.split("#", 1)[0].split()
        if words:
            yield words[0], words[1], words[2:]


def kernel_outcome(run):
    """what the kernel decided: each removal's and write's result, in order"""
    return tuple(f"{s.get('line')}: {res}" for s in run.get("steps") or []
                 for what, res in conform.outcome(s) if isinstance(res, str) and what != "hotadd")


def check_row(build, tmp, name, scn, opts):
    runs = sorted(glob.glob(os.path.join(REPEAT, f"{name}.*.json.xz")))
    if len(runs) < 2:
        return False, f"{name}: fewer than two recorded runs"
    split = collections.Counter()
    best = None
    for path in runs:
        kernel = os.path.join(tmp, os.path.basename(path)[:-3])
        with open(kernel, "wb") as f:
            f.write(lzma.open(path).read())
        run = conform.load(kernel)
        split[kernel_outcome(run)] += 1
        image = random_report.kernel_image_base(kernel)
        mine = kernel + ".memhp"
        cmd = [os.path.join(build, "memhpctl"), "run", os.path.join(REPEAT, scn)]
        cmd += (["--kernel-image", image] if image else []) + opts + ["--json", "-o", mine]
        subprocess.run(cmd, capture_output=True, timeout=600, check=False)
        c = conform.compare(run, conform.load(mine))
        if best is None or len(c.bad) < len(best[1]):
            best = (os.path.basename(path), c.bad, c.n)
    # only the steps whose result the runs disagree on
    differ = [i for i in range(min(map(len, split))) if len({o[i] for o in split}) > 1]
    kinds = "; ".join(f"{n} x [{', '.join(o[i] for i in differ)}]" for o, n in split.items()) \
        if differ else "all agree"
    ok = not best[1]
    what = f"exact against {best[0]} ({best[2]} fields)" if ok else \
        f"no kernel run matched; nearest {best[0]}: {best[1][:3]}"
    return ok, f"{name}: the kernel's {len(runs)} runs: {kinds}; memhp {what}"


def main(argv):
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, scn, opts in rows():
            ok, line = check_row(argv[1], tmp, name, scn, opts)
            print(("PASS " if ok else "FAIL ") + line)
            bad += not ok
    return 1 if bad else 0


if __name__ == "__main__":
    if any(a in ("-h", "--help") for a in sys.argv[1:]):
        sys.stdout.write(__doc__)
        sys.exit(0)
    sys.exit(main(sys.argv))
