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

tests/oracle/repeat/vmstat-idle.N.json.xz are runs of
tests/oracle/scenarios/vmstat-idle.scn: the guest idles through a
kill's `sleep 1`, a host sleep and a hot-add's and a remove's waits,
tracing vmstat_update and every timer and interrupt.  vmstat_update's
timer is deferrable, so on the idle CPU it runs at the next wake-up (the
clocksource watchdog's timer, every half second, kcompactd's timeout, an
interrupt), and it requeues itself with round_jiffies_relative(HZ),
which rounds to the nearest whole second with a quarter second (HZ/4
jiffies) as the cut-off.  Checked:

- each vmstat_update timer that expired more than 5 ms past its whole
  second's level-1 bucket (8 jiffies) did so at most 1 ms after another
  timer or an interrupt woke the CPU;
- a run at least HZ/4 late is not followed by one at the next whole
  second (that period never comes), and one less than that (by 5 ms) is.

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


def first_whole_second(rec):
    """ktime of the jiffies' first whole second (timeline.py's boot clock)"""
    boot_offset, _ = timeline.boot_clock(rec)
    return boot_offset + timeline.FIRST_WHOLE_SECOND


def vmstat_runs(rec):
    out = rec["steps"][-1]["action"].get("stdout", "")
    return [float(t) for t in re.findall(r"\s([\d.]+): workqueue_execute_start: .*vmstat_update", out)]


def check_periods(rec):
    first = first_whole_second(rec)
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


WAKE_BEFORE = 0.001
QUARTER = (timeline.HZ // 4) / timeline.HZ
QUARTER_SLACK = 0.005
LEVEL1_BUCKET = 8 / timeline.HZ


def traced_events(rec):
    """[(t, event)] the last step's trace printed (the tick's own left out)"""
    out = rec["steps"][-1]["action"].get("stdout", "")
    return [(float(m.group(1)), m.group(2)) for m in re.finditer(r"\s([\d.]+): (\w+: .*)", out)]


def is_wake(event):
    """a timer that may wake an idle CPU, or an interrupt (deferrable
    delayed works expire only with the CPU already awake)"""
    return ("irq_handler_entry" in event or "hrtimer_expire_entry" in event or
            ("timer_expire_entry" in event and "delayed_work_timer_fn" not in event))


def check_deferral(rec):
    first = first_whole_second(rec)
    events = traced_events(rec)
    runs = vmstat_runs(rec)
    errors, deferred, skipped = [], 0, 0
    for i, t in enumerate(runs):
        # the timer that let it run: its own, or vmstat_shepherd's, which
        # expires with it and queues the work at once when it had stopped
        # requeueing itself (nothing to fold) - due at most a level-1
        # bucket (8 jiffies) after its whole second either way
        expiry = max((u for u, x in events if u <= t and "delayed_work_timer_fn" in x), default=None)
        if expiry is None:
            errors.append("vmstat_update at %.4f with no timer expiry traced before it" % t)
            continue
        if expiry - (first + int(expiry - first) + LEVEL1_BUCKET) > ON_TIME:
            deferred += 1
            if not any(expiry - WAKE_BEFORE <= u <= expiry and is_wake(x) for u, x in events):
                errors.append("vmstat_update's timer at %.4f expired late with nothing waking the CPU" % expiry)
        if i + 1 == len(runs):
            break
        k = int(t - first)
        late, nxt = t - (first + k), int(runs[i + 1] - first)
        if late >= QUARTER + QUARTER_SLACK and nxt == k + 1:
            errors.append("vmstat_update at %.4f ran %.0f ms late, yet the next period came" % (t, late * 1000))
        if late < QUARTER - QUARTER_SLACK and nxt != k + 1:
            errors.append("vmstat_update at %.4f ran %.0f ms late, yet the next period did not come"
                          % (t, late * 1000))
        skipped += late >= QUARTER + QUARTER_SLACK
    if not deferred:
        errors.append("no vmstat_update waited for a wake-up: the recording shows nothing")
    if not skipped:
        errors.append("no run a quarter second late skipped a period: the recording shows nothing")
    return errors, deferred, skipped


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


def report(path, errors, passed):
    """print the recording's verdict; 1 if it failed"""
    name = os.path.basename(path)
    print("FAIL %s: %s" % (name, "; ".join(errors)) if errors else "%s: %s" % (name, passed))
    return 1 if errors else 0


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
        bad += report(path, errors + more, "%d vmstat_update runs on time, none early; host - printk %.4f s"
                      % (on_time, offset or 0))
    idle = sorted(glob.glob(os.path.join(HERE, "repeat", "vmstat-idle.*.json.xz")))
    if not idle:
        print("no vmstat-idle recordings")
        return 1
    for path in idle:
        errors, late_runs, skipped = check_deferral(json.load(lzma.open(path)))
        bad += report(path, errors, "vmstat_update deferred to a wake-up %d times; skipped periods after a run "
                      "a quarter second late: %d" % (late_runs, skipped))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
