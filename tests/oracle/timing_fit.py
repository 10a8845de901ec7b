#!/usr/bin/env python3
"""timing_fit.py - the guest's step durations in the recorded random runs.

Fits what tools/scenario.c's guest clock uses or was measured against, by
least squares over tests/oracle/random/*.json.xz (each step's elapsed_s,
and the kernel's pgmigrate_success between snapshots):

  kpf:     seconds = a + b * pages read             (KPF_START_SECONDS, KPF_PAGE_SECONDS)
  state:   seconds = refused*a + online*b + offline*c + migrated*d
           (guest_clock's write_refused, write_online, write_offline;
           write_other: the `write` steps' mean)
  remove:  seconds = a + migrated*b

and the median seconds per migrated page over the steps that moved more
than 5 000 pages, above their verb's mean without migration
(MIGRATE_PAGE_SECONDS).

and prints each fit with its residual against one mean; then each hog
kind's start and seconds per MiB, the mean of every other verb, and the
snapshot's (snap.sh, from the harness's host log).  Usage:
  python3 tests/oracle/timing_fit.py [--arch arm64-4k|arm64-16k]
(--arch: the arm64 guests' corpus, tests/oracle/arm64/random/PROFILE)
"""
import glob
import json
import lzma
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
RANDOM = os.path.join(HERE, "random")


def lstsq(xs, ys):
    """Least squares by the normal equations (no numpy on a fresh machine)."""
    k = len(xs[0])
    a = [[sum(x[i] * x[j] for x in xs) for j in range(k)] for i in range(k)]
    b = [sum(x[i] * y for x, y in zip(xs, ys)) for i in range(k)]
    for i in range(k):
        p = max(range(i, k), key=lambda r: abs(a[r][i]))
        a[i], a[p], b[i], b[p] = a[p], a[i], b[p], b[i]
        for r in range(k):
            if r != i and a[i][i]:
                f = a[r][i] / a[i][i]
                a[r] = [u - f * v for u, v in zip(a[r], a[i])]
                b[r] -= f * b[i]
    return [b[i] / a[i][i] if a[i][i] else 0.0 for i in range(k)]


def sd(v):
    m = sum(v) / len(v)
    return (sum((x - m) ** 2 for x in v) / len(v)) ** 0.5


def report(name, xs, ys, labels):
    c = lstsq(xs, ys)
    res = [y - sum(u * v for u, v in zip(x, c)) for x, y in zip(xs, ys)]
    print("%s (%d steps): %s; residual %.3f s, one mean's %.3f s" %
          (name, len(ys), ", ".join("%s %.6g" % (l, v) for l, v in zip(labels, c)), sd(res), sd(ys)))


def snapshot_seconds(run):
    """each snap.sh's seconds in the harness's host log"""
    out, start = [], None
    for line in run.get("host_log") or []:
        m = re.match(r"\s*([\d.]+) AGENT-> \[(\d+)\] sh /oracle/snap.sh", line)
        if m:
            start = (float(m.group(1)), m.group(2))
            continue
        m = re.match(r"\s*([\d.]+) AGENT<- \[(\d+)\]", line)
        if m and start and m.group(2) == start[1]:
            out.append(float(m.group(1)) - start[0])
            start = None
    return out


def main(argv):
    corpus = RANDOM
    if "--arch" in argv:
        i = argv.index("--arch")
        if i + 1 >= len(argv) or argv[i + 1] not in ("arm64-4k", "arm64-16k"):
            sys.stderr.write("--arch takes arm64-4k or arm64-16k\n")
            return 2
        corpus = os.path.join(HERE, "arm64", "random", argv[i + 1])
    kpf, state, remove = ([], []), ([], []), ([], [])
    still = {"state": [], "online": [], "remove": []}   # seconds of steps that moved nothing
    moved = []                                          # (verb, pages, seconds)
    hogs, verbs, snaps = {}, {}, []
    for f in sorted(glob.glob(os.path.join(corpus, "*.json.xz"))):
        run = json.load(lzma.open(f))
        snaps += snapshot_seconds(run)
        for st in run["steps"]:
            m = re.match(r"hog (\w+) (\d+)", st.get("line", ""))
            if m and st.get("elapsed_s") is not None:
                hogs.setdefault(m.group(1), ([], []))
                hogs[m.group(1)][0].append([1, int(m.group(2))])
                hogs[m.group(1)][1].append(st["elapsed_s"])
            elif st.get("elapsed_s") is not None:
                verbs.setdefault(st["verb"], []).append(st["elapsed_s"])
        prev = run["boot"]["snapshot"].get("vmstat", {})
        for st in run["steps"]:
            cur = st["snapshot"].get("vmstat", prev)
            migrated = cur.get("pgmigrate_success", 0) - prev.get("pgmigrate_success", 0)
            prev = cur
            act = st["action"] if isinstance(st["action"], dict) else {}
            if st["verb"] in still:
                if migrated > 0:
                    moved.append((st["verb"], migrated, st["elapsed_s"]))
                else:
                    still[st["verb"]].append(st["elapsed_s"])
            if st["verb"] == "kpf" and act.get("kpageflags"):
                kpf[0].append([1, sum(b.get("nr", 0) for b in act["kpageflags"].values())])
                kpf[1].append(st["elapsed_s"])
            elif st["verb"] in ("state", "online") and act.get("writes"):
                ws = act["writes"]
                if any(w.get("result") == "timeout" for w in ws):
                    continue
                ok = [w for w in ws if w.get("result") == "ok"]
                off = sum(1 for w in ok if w.get("value") in ("offline", "0"))
                state[0].append([len(ws) - len(ok), len(ok) - off, off, migrated])
                state[1].append(st["elapsed_s"])
            elif st["verb"] == "remove":
                remove[0].append([1, migrated])
                remove[1].append(st["elapsed_s"])
    for name, xy, labels in (("kpf", kpf, ["start s", "s per page"]),
                             ("state/online", state, ["refused", "online", "offline", "s per migrated page"]),
                             ("remove", remove, ["start s", "s per migrated page"])):
        if len(xy[1]) > len(labels):
            report(name, xy[0], xy[1], labels)
    for kind in sorted(hogs):
        if len(hogs[kind][1]) > 2:
            report("hog " + kind, hogs[kind][0], hogs[kind][1], ["start s", "s per MiB"])
    print("means: " + ", ".join("%s %.3f (%d)" % (v, sum(t) / len(t), len(t)) for v, t in sorted(verbs.items())))
    if snaps:
        print("snapshot (%d): mean %.3f s, median %.3f s" % (len(snaps), sum(snaps) / len(snaps),
                                                            sorted(snaps)[len(snaps) // 2]))
    base = {v: sum(t) / len(t) for v, t in still.items() if t}
    per = sorted((t - base.get(v, 0)) / n for v, n, t in moved if n > 5000)
    if per:
        print("migration (%d steps of more than 5000 pages): median %.3g s per page" %
              (len(per), per[len(per) // 2] if len(per) % 2 else (per[len(per) // 2 - 1] + per[len(per) // 2]) / 2))


if __name__ == "__main__":
    if any(a in ("-h", "--help") for a in sys.argv[1:]):
        sys.stdout.write(__doc__)
        sys.exit(0)
    sys.exit(main(sys.argv))
