#!/usr/bin/env python3
"""timeline_check.py: the recorded clock (timeline.py) against what the
oracle's guest itself traced.

tests/oracle/repeat/timeline-calibration.N.json.xz are runs of
tests/oracle/scenarios/timeline-calibration.scn: the guest traced every
vmstat_update it ran (workqueue_execute_start, trace clock mono = ktime)
and marked /dev/kmsg from the agent's shell between hot-adds.  Checked:

- vmstat_update never runs before the time timeline.py gives the period
  (the jiffies' whole second plus the timer wheel's rounding), and where
  the CPU was busy it runs within 5 ms of it - at least three a run
  (the others waited for the idle CPU to wake: the timer is deferrable);
- the host clock's lead over printk's that timeline.py finds from the
  run's hot-adds lies within what the marks bound it to (each mark's
  printk time between the agent's command and its reply), 20 ms either
  side.

Exit 0 when every recording passes.  usage: timeline_check.py
"""
import glob
import json
import lzma
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import timeline  # noqa: E402

EARLY = 0.005
ON_TIME = 0.005
MIN_ON_TIME = 3
OFFSET_SLACK = 0.020


def vmstat_runs(rec):
    out = rec["steps"][-1]["action"].get("stdout", "")
    return [float(t) for t in re.findall(r"\s([\d.]+): workqueue_execute_start: .*vmstat_update", out)]


def check_periods(rec):
    boot_offset, _ = timeline.boot_clock(rec)
    first = boot_offset + timeline.FIRST_WHOLE_SECOND
    early, on_time = [], 0
    for t in vmstat_runs(rec):
        k = int(t - first)
        late = t - (first + k + timeline.period_delay(k))
        if late < -EARLY:
            early.append("%.4f (%.1f ms early)" % (t, -late * 1000))
        on_time += late <= ON_TIME
    errors = ["vmstat_update ran before its period: " + e for e in early]
    if on_time < MIN_ON_TIME:
        errors.append("only %d vmstat_update runs within %d ms of their periods" % (on_time, ON_TIME * 1000))
    return errors, on_time


def check_offset(rec):
    events = timeline.host_events(rec)
    _, steps = timeline.step_times(events)
    offset = timeline.host_minus_printk(rec, events, steps)
    lo, hi = -1e9, 1e9
    for st in rec["steps"]:
        marks = [timeline.printk_seconds(line) for line in (st.get("snapshot") or {}).get("dmesg", [])
                 if "mark-" in line]
        if st["verb"] != "sh" or not marks or st["index"] not in steps:
            continue
        start, _, snap = steps[st["index"]]
        inside = [(t, x) for t, x in events if start <= t <= snap]
        sent = [t for t, x in inside if x.startswith("AGENT->")][0]
        reply = [t for t, x in inside if x.startswith("AGENT<-")][0]
        lo, hi = max(lo, sent - marks[0]), min(hi, reply - marks[0])
    if offset is None:
        return ["no hot-add anchored the host clock"], None
    if not lo - OFFSET_SLACK <= offset <= hi + OFFSET_SLACK:
        return ["host less printk %.4f s, the marks bound it to [%.4f, %.4f]" % (offset, lo, hi)], offset
    return [], offset


def main(argv):
    if len(argv) > 1:
        sys.stdout.write(__doc__)
        return 0 if argv[1] in ("-h", "--help") else 2
    runs = sorted(glob.glob(os.path.join(HERE, "repeat", "timeline-calibration.*.json.xz")))
    if not runs:
        print("no timeline-calibration recordings")
        return 1
    bad = 0
    for path in runs:
        rec = json.load(lzma.open(path))
        errors, on_time = check_periods(rec)
        more, offset = check_offset(rec)
        errors += more
        name = os.path.basename(path)
        if errors:
            bad += 1
            print("FAIL %s: %s" % (name, "; ".join(errors)))
        else:
            print("%s: %d vmstat_update runs on time, none early; host - printk %.4f s"
                  % (name, on_time, offset))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
