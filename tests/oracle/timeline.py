#!/usr/bin/env python3
"""The recorded guest's clock, for replaying a recording on it.

memhpctl run times a scenario on a model of the oracle guest's clock
(tools/scenario.c, guest_seconds) and ends vmstat's periods at every whole
second plus half a second.  A recording says when its steps really ran,
and where its guest's jiffies put those periods:

- Steps: run-scenario's host_log stamps every step and every snapshot
  (`step N:`, `AGENT-> [i] sh /oracle/snap.sh`) on the host's clock, which
  QEMU's TCG guest follows (no -icount).  memhp's clock starts where the
  boot's snapshot began.

- Periods: vmstat_update requeues itself with round_jiffies_relative(HZ),
  so on the boot CPU its periods end where jiffies is a multiple of HZ.
  jiffies starts at INITIAL_JIFFIES, (unsigned int)(-300 * HZ), which is
  46 past a multiple of HZ=250: the first multiple comes 204 jiffies
  (0.816 s) after the tick began.  The tick began where timekeeping_init
  read local_clock() as the boot offset (the jiffies clocksource it
  registers prints `clocksource: jiffies:` at that moment; the timer
  interrupt follows in late_time_init, with the jiffies clocksource, so
  ktime still reads the boot offset), and jiffies then follows ktime.
  printk's clock (local_clock once sched_clock is stable) is ktime plus
  the __gtod_offset `sched_clock: Marking stable (A, OFFSET)` prints.
  Checked on tests/oracle/repeat/jiffies-phase.{1,2}: predicted jiffies
  at each /dev/kmsg mark within 2-5 jiffies of what timer_list read just
  after it (phases .20 and .78 of printk's seconds).

  Then each period runs late by the timer wheel's rounding (period_delay):
  checked on tests/oracle/repeat/timeline-calibration.*, where the guest
  traced its vmstat_update runs (tests/oracle/timeline_check.py).

- printk against the host: a hot-add whose online rebuilds the zonelists
  prints `Fallback order for Node` about 20 ms after QMP's device_add
  (12-33 ms in the calibration runs, whose /dev/kmsg marks bound the
  offset from both sides); a refused offline's dump_page follows its
  write some 20 ms later still.  The median of all gives the offset (a
  hot-add after a refused remove printed 56 ms late in seed 2274).
  A recording with neither (its zonelists rebuilt by online writes
  alone: 242 of them) falls back on those writes: a single online write
  that populated a zone prints `Fallback order` some 40 ms after the
  agent's command (the median, 39.5 ms, of the 273 such writes in
  recordings that also have the anchors above, half of them within
  33-47 ms: the agent's fork and exec of memtool come first).  Being
  fitted to the other anchors rather than to /dev/kmsg marks, it never
  moves their median.

A recording with no such anchor, or a boot log without the two lines
(the arm64 guests: no sched_clock marking), has no timeline: None.

usage: tests/oracle/timeline.py RECORDING.json[.xz] [TIMELINE_OUT]
writes the timeline, steps and periods, for memhpctl run --timeline, to
TIMELINE_OUT or to standard output.
"""
import json
import lzma
import re
import statistics
import sys

HZ = 250
INITIAL_JIFFIES_MOD_HZ = (2**32 - 300 * HZ) % HZ
FIRST_WHOLE_SECOND = (HZ - INITIAL_JIFFIES_MOD_HZ) % HZ / HZ
# device_add to the online's zonelist rebuild printing, and a refused
# offline's write to its dump_page: guest seconds after the host's stamp
HOTADD_PRINT_LATENCY = 0.02
REFUSED_PRINT_LATENCY = 0.04
# a single online write to its zonelist rebuild printing (the fallback)
ONLINE_PRINT_LATENCY = 0.04
# vmstat_update after its timer's bucket expired (period_delay)
WORK_START = 0.003

STAMP = re.compile(r"\[\s*([\d.]+)\]")


def printk_seconds(line):
    m = STAMP.match(line)
    return float(m.group(1)) if m else None


def boot_clock(rec):
    """(the ktime at which jiffies began, printk's seconds less ktime's)"""
    boot_offset = gtod_offset = None
    for line in rec.get("boot", {}).get("snapshot", {}).get("dmesg", []):
        if boot_offset is None and "clocksource: jiffies:" in line:
            boot_offset = printk_seconds(line)
        m = re.search(r"sched_clock: Marking stable \((-?\d+), (-?\d+)\)", line)
        if m:
            gtod_offset = int(m.group(2)) / 1e9
    if boot_offset is None or gtod_offset is None:
        return None
    return boot_offset, gtod_offset


def period_delay(k):
    """seconds after the k-th whole second of jiffies (from 0, the first)
    that vmstat_update runs on a busy CPU.  Its delayed work's timer, 250
    jiffies ahead, sits in the timer wheel's level 1, whose buckets are 8
    jiffies wide: calc_index rounds the expiry up to the next multiple of
    8, strictly, so a whole second J runs at J + 8 - J % 8 (multiples of
    HZ=250 cycle through 4, 2, 0 and 6 mod 8 from INITIAL_JIFFIES' first:
    16, 8, 32, 24 ms late), plus the round-up of the tick to TICK_NSEC when
    it went high-resolution and the work's own start, WORK_START.  Checked
    on tests/oracle/repeat/timeline-calibration.*: every vmstat_update a
    busy CPU ran came 1-6 ms after that; on an idle CPU the timer, being
    deferrable, waits for the next wake-up, ahead of whatever woke it."""
    whole = 2**32 - 300 * HZ + round(FIRST_WHOLE_SECOND * HZ) + HZ * k
    return (8 - whole % 8) / HZ + WORK_START


def host_events(rec):
    """(seconds, text) of the host log"""
    out = []
    for line in rec.get("host_log", []):
        parts = line.split(None, 1)
        try:
            out.append((float(parts[0]), parts[1] if len(parts) > 1 else ""))
        except (ValueError, IndexError):
            continue
    return out


def step_times(events):
    """{step: (start, its action's end, snapshot start)} on the host's
    clock, and the boot snapshot's start.  The action ends at the last
    reply before the snapshot (a hog's: memtool's once it has touched all
    its memory)."""
    boot_snap, steps, current = None, {}, None
    for t, text in events:
        m = re.match(r"step (\d+):", text)
        if m:
            current = int(m.group(1))
            steps[current] = [t, t, None]
        elif "sh /oracle/snap.sh" in text and text.startswith("AGENT->"):
            if current is None:
                boot_snap = t if boot_snap is None else boot_snap
            elif steps[current][2] is None:
                steps[current][2] = t
        elif current is not None and steps[current][2] is None and text.startswith(("AGENT<-", "QMP<-")):
            steps[current][1] = t
    return boot_snap, {k: tuple(v) for k, v in steps.items() if v[2] is not None}


def writes_online(w):
    """a successful write that onlines a block"""
    if w.get("rc") != 0:
        return False
    return w["value"].startswith("online") or (w["path"].endswith("/online") and w["value"] == "1")


def agent_write_time(inside, w):
    """the host's stamp of the agent's command for write w, or None"""
    t = [t for t, x in inside if x.startswith("AGENT->") and "memtool w " + w["path"] + " " in x]
    return t[0] if t else None


def host_minus_printk(rec, events, steps):
    """the host's seconds less printk's, from the steps that print at a known moment"""
    hotadd, refused, online = [], [], []
    for st in rec.get("steps", []):
        dmesg = (st.get("snapshot") or {}).get("dmesg", [])
        if not dmesg or st["index"] not in steps:
            continue
        first = printk_seconds(dmesg[0])
        start, _, snap = steps[st["index"]]
        inside = [(t, x) for t, x in events if start <= t < snap]
        action = st.get("action", {})
        if st["verb"] == "hotadd" and "Fallback order" in dmesg[0]:
            dev = [t for t, x in inside if x.startswith("QMP->") and '"device_add"' in x]
            if dev:
                hotadd.append(dev[0] + HOTADD_PRINT_LATENCY - first)
        elif st["verb"] in ("state", "online") and "page: refcount" in dmesg[0]:
            busy = [w for w in action.get("writes", []) if w.get("errno_name") == "EBUSY"]
            if busy:
                w = agent_write_time(inside, busy[0])
                if w is not None:
                    refused.append(w + REFUSED_PRINT_LATENCY - first)
        elif st["verb"] in ("state", "online") and "Fallback order" in dmesg[0]:
            writes = action.get("writes", [])
            # one write only: with several, which one printed is not known
            if len(writes) == 1 and writes_online(writes[0]):
                w = agent_write_time(inside, writes[0])
                if w is not None:
                    online.append(w + ONLINE_PRINT_LATENCY - first)
    # the online writes are fitted to the others: the fallback alone
    anchors = hotadd + refused or online
    return statistics.median(anchors) if anchors else None


def timeline(rec):
    """([(step, start, end, snapshot)], [each period's end]) on memhp's
    clock (seconds since the boot snapshot began), or None"""
    clock = boot_clock(rec)
    events = host_events(rec)
    boot_snap, steps = step_times(events)
    if clock is None or boot_snap is None or not steps:
        return None
    offset = host_minus_printk(rec, events, steps)
    if offset is None:
        return None
    rows = [(k,) + tuple(round(x - boot_snap, 4) for x in v) for k, v in sorted(steps.items())]
    # each whole second of jiffies: printk's clock is ktime + gtod, the
    # host's is printk's + offset, and memhp's starts at the boot snapshot
    boot_offset, gtod = clock
    first = boot_offset + FIRST_WHOLE_SECOND + gtod + offset - boot_snap
    last = max(r[3] for r in rows) + 2
    periods = [round(first + k + period_delay(k), 4) for k in range(int(last - first) + 2)]
    return rows, [t for t in periods if t > -1]


def load(path):
    opener = lzma.open if path.endswith(".xz") else open
    with opener(path, "rt") as f:
        return json.load(f)


def write_timeline(rows, periods, f):
    """memhpctl run --timeline's file: the steps, then the periods"""
    f.write("# step start end snapshot (seconds since the boot snapshot began)\n")
    for k, a, e, b in rows:
        f.write("%d %.4f %.4f %.4f\n" % (k, a, e, b))
    for t in periods:
        f.write("period %.4f\n" % t)


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__)
        return 0 if len(argv) >= 2 else 2
    tl = timeline(load(argv[1]))
    if tl is None:
        print("no timeline: the recording has no anchor or no boot clock lines", file=sys.stderr)
        return 1
    if len(argv) > 2:
        with open(argv[2], "w") as f:
            write_timeline(tl[0], tl[1], f)
    else:
        write_timeline(tl[0], tl[1], sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
