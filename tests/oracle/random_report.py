#!/usr/bin/env python3
"""random_report.py - memhp against the recorded random kernel runs.

usage: random_report.py [--check] [--huge-pages] [--vmstat-phase P] [--recorded-clock]
                        [--arch PROFILE] [-j N]
                        BUILD_DIR [SEED...]

For every seed recorded in tests/oracle/random (or the ones named): the
scenario is generated again from its seed (gen.py), run on memhp
(BUILD_DIR/memhpctl run --json) and compared with the kernel's run by
conform.py.  Prints one line per run and a table of the mismatching
fields by kind (the attribute or counter that differs), biggest first:
the list of causes still to model.  Exit 0 when every run is at 100%.

--huge-pages: memhp's devices on 2 MiB pages (memhpctl run --huge-pages).
The machine's numbers do not depend on the backing (test_huge.c compares
every file of the two; the integration tests run the kernel's c1 on a
--huge-pages memhpd); what does is the time: a hog's memory written
through fresh 4 KiB mappings costs some 6 us a page on this project's VMs,
most of a run.  make check passes it.

--vmstat-phase P: the guest's vmstat periods end at every whole second
plus P (memhpctl run --vmstat-phase; 0.5 by default).  The real guest's
phase is set at its boot (timeline.py works it out from the boot log); a
scenario alone does not say it, so a run that diverges at 0.5 only by
where its periods fell is exact at another phase.

--recorded-clock: each run on its recording's own clock instead of the
model's (timeline.py: the steps at the times the oracle's host log
stamped, vmstat's periods where that guest's jiffies put them; memhpctl
run --timeline).  A recording with no anchor for the host clock (no
hot-add or single online write that rebuilt the zonelists, no refused
offline), or an arm64 one, runs on the model's clock.

--arch arm64-4k|arm64-16k: the arm64 guests' corpus instead,
tests/oracle/arm64/random/PROFILE (recorded by
tests/oracle/arm64/record-random.sh): gen.py SEED --arch's scenarios, run
with the profile.

--check (make check): exit 0 when every run is exact except those listed
in tests/oracle/random/KNOWN ("SEED cause..."), each still diverging - a
listed run that became exact must leave the list, so it stays true.  A
listed cause that ends "[exact at phase P]" says the divergence is the
guest's clock alone: the run is made again at --vmstat-phase P and must
be exact there; one that ends "[exact on the recorded clock]" is made
again with --recorded-clock and must be exact so.
"""
import collections
import concurrent.futures
import json
import lzma
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
RANDOM = os.path.join(HERE, "random")
ARCHES = ("arm64-4k", "arm64-16k")


def corpus(arch):
    """where a profile's recorded runs are: tests/oracle/random (x86_64),
    tests/oracle/arm64/random/PROFILE"""
    return os.path.join(HERE, "arm64", "random", arch) if arch else RANDOM


def seeds(argv, arch=None):
    if argv:
        return [int(s) for s in argv]
    path = os.path.join(corpus(arch), "SEEDS")
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


def run_one(build, seed, tmp, extra, arch=None):
    """One seed, in a worker process: the scenario generated (gen.py) and
    the comparison made (conform.py) in the worker itself, so that the
    only process started per run is memhpctl.  An arm64 profile's runs:
    Arm64Gen's scenario, memhp told the profile (`arch`)."""
    sys.path.insert(0, HERE)
    import conform
    import gen

    g = gen.Arm64Gen(seed) if arch else gen.Gen(seed)
    opts = g.build()
    scn = os.path.join(tmp, "%d.scn" % seed)
    with open(scn, "w") as f:
        f.write("".join("arch %s\n" % arch if arch else "") + "\n".join(g.lines) + "\n")
    kernel = os.path.join(tmp, "%d.kernel.json" % seed)
    recording = os.path.join(corpus(arch), "%d.json.xz" % seed)
    if not os.path.exists(recording):
        return None, ["MISMATCH step ? 'run': recording/missing: %s is in SEEDS but not there" % recording]
    with open(kernel, "wb") as f:
        f.write(lzma.open(recording).read())
    mine = os.path.join(tmp, "%d.memhp.json" % seed)
    image = kernel_image_base(kernel)
    if image:
        opts = ["--kernel-image", image] + opts
    timeline_file = None
    if "--recorded-clock" in extra:
        extra = recorded_clock(extra, kernel, os.path.join(tmp, "%d.timeline" % seed))
        timeline_file = extra[-1] if "--timeline" in extra else None
    opts = extra + opts
    try:
        done = subprocess.run([os.path.join(build, "memhpctl"), "run", scn] + opts + ["--json", "-o", mine],
                              capture_output=True, timeout=600)
    except subprocess.TimeoutExpired:
        return None, ["MISMATCH step ? 'run': memhp/timeout: the run did not end"]
    if not os.path.exists(mine) or not os.path.getsize(mine):
        why = done.stderr.decode(errors="replace").strip().splitlines()
        return None, ["MISMATCH step ? 'run': memhp/run: no output (%s)" % (why[0] if why else "rc %d" % done.returncode)]
    c = conform.compare(conform.load(kernel), conform.load(mine))
    ok = c.n - len(c.bad)
    summary = f"conformance: {ok}/{c.n} fields match ({100.0 * ok / c.n if c.n else 0:.1f}%)"
    mismatches = ["MISMATCH " + m for m in c.bad]
    if not c.n:
        mismatches.append("MISMATCH step ? 'run': memhp/empty: nothing to compare")
    for path in (scn, kernel, mine, timeline_file):
        if path:
            os.unlink(path)
    return summary, mismatches


def recorded_clock(extra, kernel, path):
    """memhpctl run's options for the recording's own clock (timeline.py):
    its steps' times and its periods, written to path, replace any
    --vmstat-phase; the model's clock where the recording has no timeline"""
    import timeline

    out = [x for x in extra if x != "--recorded-clock"]
    tl = timeline.timeline(timeline.load(kernel))
    if not tl:
        return out
    if "--vmstat-phase" in out:
        i = out.index("--vmstat-phase")
        del out[i:i + 2]
    with open(path, "w") as f:
        timeline.write_timeline(tl[0], tl[1], f)
    return out + ["--timeline", path]


PHASE_CLAIM = re.compile(r"\[exact at phase (0?\.\d+|0)\]\s*$")
RECORDED_CLAIM = re.compile(r"\[exact on the recorded clock\]\s*$")
RECORDED = "the recorded clock"


def phase_claims(known):
    """{seed: phase} for the KNOWN causes ending in "[exact at phase P]",
    {seed: RECORDED} for those ending in "[exact on the recorded clock]";
    a cause that names a phase in any other form is {seed: None}"""
    claims = {}
    for seed, cause in known.items():
        m = PHASE_CLAIM.search(cause)
        if m:
            claims[seed] = m.group(1)
        elif RECORDED_CLAIM.search(cause):
            claims[seed] = RECORDED
        elif "at phase" in cause.lower() or "recorded clock]" in cause:
            claims[seed] = None
    return claims


def claim_options(claim):
    """memhpctl run's options for a KNOWN claim"""
    return ["--recorded-clock"] if claim == RECORDED else ["--vmstat-phase", claim]


def run_all(build, todo, extra, jobs, arch=None):
    """{seed: (summary, mismatches)} of the seeds, jobs at a time"""
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        with concurrent.futures.ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = {seed: pool.submit(run_one, build, seed, tmp, extra, arch) for seed in todo}
            for seed in todo:
                results[seed] = futures[seed].result()
    return results


def known_divergences(arch=None):
    """{seed: cause} from the corpus's KNOWN (tests/oracle/random/KNOWN)"""
    path = os.path.join(corpus(arch), "KNOWN")
    known = {}
    if os.path.exists(path):
        for line in open(path):
            line = line.split("#", 1)[0].strip()
            if line:
                seed, _, cause = line.partition(" ")
                known[int(seed)] = cause.strip()
    return known


def main(argv):
    args = argv[1:]
    check = "--check" in args
    extra = ["--huge-pages"] if "--huge-pages" in args else []
    jobs = 1
    if check:
        args.remove("--check")
    if extra:
        args.remove("--huge-pages")
    if "--recorded-clock" in args:
        if check:
            sys.stderr.write("--check compares with KNOWN, the model clock's divergences; "
                             "it replays the \"[exact on the recorded clock]\" ones itself\n")
            return 2
        args.remove("--recorded-clock")
        extra = extra + ["--recorded-clock"]
    if "-j" in args:
        i = args.index("-j")
        jobs = int(args[i + 1])
        del args[i:i + 2]
    if "--vmstat-phase" in args:
        i = args.index("--vmstat-phase")
        if i + 1 >= len(args):
            sys.stderr.write("--vmstat-phase takes a fraction of a second (0.5)\n")
            return 2
        extra = extra + ["--vmstat-phase", args[i + 1]]
        del args[i:i + 2]
    arch = None
    if "--arch" in args:
        i = args.index("--arch")
        if i + 1 >= len(args) or args[i + 1] not in ARCHES:
            sys.stderr.write("--arch takes one of %s\n" % ", ".join(ARCHES))
            return 2
        arch = args[i + 1]
        del args[i:i + 2]
    if not args:
        sys.stderr.write(__doc__)
        return 2
    build = args[0]
    kinds = collections.Counter()
    todo = seeds(args[1:], arch)
    results = run_all(build, todo, extra, jobs, arch)
    exact = 0
    for seed in todo:
        summary, mismatches = results[seed]
        exact += not mismatches
        for line in mismatches:
            kinds[kind_of(line)] += 1
        print("seed %d: %s" % (seed, summary or mismatches[0]))
    print("\n%d of %d runs exact" % (exact, len(todo)))
    for kind, n in kinds.most_common(30):
        print("%6d  %s" % (n, kind))
    if not check:
        return 0 if exact == len(todo) else 1
    known = known_divergences(arch)
    bad = 0
    for seed in todo:
        diverges = bool(results[seed][1])
        if diverges and seed not in known:
            print("FAIL seed %d diverges (not in KNOWN):" % seed)
            for line in results[seed][1][:10]:
                print("    " + line)
            bad += 1
        elif not diverges and seed in known:
            print("FAIL seed %d is exact now: take it out of KNOWN (%s)" % (seed, known[seed]))
            bad += 1
    claims = {seed: phase for seed, phase in phase_claims(known).items()
              if seed in todo and results[seed][1]}
    for seed in sorted(s for s in claims if claims[s] is None):
        print("FAIL seed %d: KNOWN names a clock but not as \"[exact at phase P]\" (0 <= P < 1) "
              "or \"[exact on the recorded clock]\"" % seed)
        bad += 1
        del claims[seed]
    exact_elsewhere = 0
    for claim in sorted(set(claims.values())):
        again = sorted(seed for seed in claims if claims[seed] == claim)
        where = claim if claim == RECORDED else "phase " + claim
        for seed, (summary, mismatches) in run_all(build, again, extra + claim_options(claim),
                                                   jobs, arch).items():
            print("seed %d on %s: %s" % (seed, where, summary))
            exact_elsewhere += not mismatches
            if mismatches:
                print("FAIL seed %d is not exact on %s, as KNOWN says:" % (seed, where))
                for line in mismatches[:10]:
                    print("    " + line)
                bad += 1
    print("%d runs exact, %d known divergences (%d of them exact on another clock), %d failures"
          % (exact, len(todo) - exact, exact_elsewhere, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    if any(a in ("-h", "--help") for a in sys.argv[1:]):
        sys.stdout.write(__doc__)
        sys.exit(0)
    sys.exit(main(sys.argv))
