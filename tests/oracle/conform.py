#!/usr/bin/env python3
"""memhp's own conformance check: a memhp scenario run against the real
kernel's run of the same scenario (tests/oracle/kernel/*.json, recorded by
../shared/oracle/run-scenario on Linux 6.12).

usage: conform.py KERNEL.json MEMHP.json [--verbose] [--boot-approx] [--firmware-holes]

--firmware-holes: the boot System RAM lines are printed as NOTE lines, not
counted: under UEFI (the arm64 runs) the firmware keeps runtime regions
out of the kernel's map, and where they lie depends on its own allocations
in that boot.  The memory blocks, zones and present pages they belong to
are still compared, and so are the hot-plugged System RAM lines, those
above the boot's RAM.

--boot-approx: memhp's boot reservations (memblock's kernel image, page
tables, hash tables, per-cpu areas) are calibrated on the 1 GiB reference
machine only; for other machines the boot MemTotal and managed pages are
printed as NOTE lines, not counted.  Everything that changes after boot is
still compared exactly.

It checks every field that the oracle's `compare` checks, and more, with no
allowance for "noise": memhp models the kernel's own unmovable allocations,
so every write result, every refused removal and every counter must match.

  boot     block_size_bytes, module parameters, node masks, block ids and
           every block attribute, MemTotal, nr_memmap_boot_pages, every
           boot zone's start_pfn/spanned/present/managed (managed and MemTotal
           within one page: the kernel's own boot varied that much), System RAM,
           the boot's zonelist rebuilds
  steps    the outcome of each step (hot-add accepted and its blocks,
           removal accepted or refused, result and errno of every write);
           auto_online_blocks, parameters, node masks; block ids and every
           block's state, online, phys_index, valid_zones, removable,
           phys_device and node links; hot-plugged System RAM in iomem;
           change since boot of MemTotal, nr_memmap_pages and
           nr_memmap_boot_pages; per zone change since boot of spanned,
           present and managed, start_pfn of populated zones, their
           watermarks and per-CPU lists' batch; free pages of
           Movable zones within 1% of managed (the kernel's per-cpu lists);
           the kernel log lines that carry a decision (unaligned ranges,
           failed adds, failed offlines during eject); each zonelist
           rebuild's "Built N zonelists" line, its Total pages exact but
           for the boot's managed pages' difference (compare_built); kpf: each block's
           start_pfn, nr and structural flags (KPF_STRUCTURAL below);
           where: printed as NOTE lines, not counted (below).

Exit status 0 when every field matches, 1 otherwise, 2 on bad input.
The last line is 'conformance: M/N fields match (P%)'.
"""
import json
import re
import sys

HOTPLUG_BASE = 1 << 32
KEY_LOG = re.compile(r"(unaligned hotplug range.*|add_memory failed|Offline failed\.|"
                     r"acpi_memory_enable_device\(\) error)")


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        print(f"conform: cannot read {path}: {e}", file=sys.stderr)
        sys.exit(2)


class Check:
    def __init__(self):
        self.n = 0
        self.bad = []
        self.notes = []     # shown, not counted

    def eq(self, where, want, got):
        self.n += 1
        if want != got:
            self.bad.append(f"{where}: kernel {want!r}, memhp {got!r}")

    def close(self, where, want, got, tol):
        self.n += 1
        if abs(want - got) > tol:
            self.bad.append(f"{where}: kernel {want!r}, memhp {got!r} (tolerance {tol})")


def outcome(step):
    a = step.get("action") or {}
    verb = step.get("verb")
    out = []
    if verb == "hotadd":
        ok = a.get("result") in ("ost", "ok") and a.get("ost_status", 0) == 0
        out.append(("hotadd", "ok" if ok else "fail"))
        if ok:
            out.append(("hotadd.blocks", list(a.get("blocks") or [])))
    elif verb == "remove":
        r = a.get("result")
        out.append(("remove", "ok" if r in ("removed", "ok") else
                    "busy" if r == "rejected" else "fail"))
    for i, w in enumerate(a.get("writes") or []):
        # a write its timeout ended is recorded without an errno (the writer was killed)
        res = ("ok" if w.get("result") == "ok" else "timeout" if w.get("result") == "timeout"
               else w.get("errno_name", "error"))
        out.append((f"write[{i}] {w.get('path')}={w.get('value')}", res))
    return out


def zones(snap):
    return {f"{z['node']}:{z['zone']}": z for z in snap.get("zones") or []}


def ram_lines(snap, base=0):
    res = []
    for line in snap.get("iomem") or []:
        s = line.strip()
        if ": System RAM" in s and int(s.split("-")[0], 16) >= base:
            res.append(s)
    return res


def key_log(snap):
    lines = []
    for line in snap.get("dmesg") or []:
        m = KEY_LOG.search(line)
        if m:
            # drop the device prefix ("acpi PNP0C80:00: ") and the timestamp
            lines.append(m.group(1))
    return sorted(lines)


BUILT = re.compile(r"Built (\d+) zonelists, mobility grouping (\w+)\.  Total pages: (\d+)")


def built_lines(snap):
    """build_all_zonelists' lines: (online nodes, grouping, Total pages)"""
    return [(int(m.group(1)), m.group(2), int(m.group(3)))
            for m in map(BUILT.search, snap.get("dmesg") or []) if m]


def compare_built(c, where, ks, ms, dmanaged, approx=False):
    """Each zonelist rebuild's count of online nodes and grouping, and its
    Total pages (nr_free_zone_pages: managed pages above the high
    watermark over the CPU's node's list).  Exact when the boot's managed
    pages are the kernel's; when they differ by `dmanaged` pages (the
    kernel's own boot varies by a page), within those pages and the three
    pages per populated zone a high watermark may then move (the
    tolerance compare() gives a high watermark).  `approx` (--boot-approx):
    the totals are printed, not counted."""
    kb, mb = built_lines(ks), built_lines(ms)
    c.eq(f"{where}: zonelist rebuilds (online nodes, grouping)",
         [b[:2] for b in kb], [b[:2] for b in mb])
    if approx:
        if kb or mb:
            c.notes.append(f"{where}: zonelist rebuilds' Total pages: kernel {[b[2] for b in kb]}, "
                           f"memhp {[b[2] for b in mb]} (boot reservations not calibrated)")
        return
    tol = dmanaged + 3 * sum(1 for z in ks.get("zones") or [] if z.get("managed")) if dmanaged else 0
    for i, (k, m) in enumerate(zip(kb, mb)):
        c.close(f"{where}: zonelist rebuild {i} Total pages", k[2], m[2], tol)


def compare_blocks(c, where, ks, ms):
    km, mm = ks.get("memory") or {}, ms.get("memory") or {}
    kb, mb = km.get("blocks") or {}, mm.get("blocks") or {}
    c.eq(f"{where}: block ids", sorted(map(int, kb)), sorted(map(int, mb)))
    for b in sorted(kb, key=int):
        if b not in mb:
            continue
        for f in ("state", "online", "phys_index", "valid_zones", "removable", "phys_device", "nodes"):
            c.eq(f"{where}: memory{b}/{f}", kb[b].get(f), mb[b].get(f))


def compare_protection(c, where, want, got):
    """lowmem_reserve (zoneinfo's protection): the managed pages of the
    zones above over the zone's ratio - within one page, as the boot's
    managed pages are"""
    if not isinstance(got, list) or len(got) != len(want):
        c.eq(f"{where} protection", want, got)
        return
    for j, (k, m) in enumerate(zip(want, got)):
        c.close(f"{where} protection[{j}]", k, m, 1)


# kpf: the flags of pages the guest's own processes and slab never make
# (kernel_alloc's unmovable pages aside): offline memory (NOPAGE), the
# vmemmap pages memmap_on_memory puts on a block (OWNER_PRIVATE), reserved,
# PageOffline and poisoned pages.  A process's pages (ANON, LRU, ...) and
# free pages (BUDDY) also count the guest's init, shell and memtool, which
# memhp does not run: those are not compared, nor `where`, whose histogram
# holds the memtool process's own ~130-200 pages.  The kernel does not
# repeat them either: four runs of c1 differ in 101 of 198 such fields
# (tests/oracle/variance.py, README.md).  `where` is shown as a NOTE.
KPF_STRUCTURAL = ("NOPAGE", "OWNER_PRIVATE", "RESERVED", "OFFLINE", "HWPOISON")


def compare_kpf(c, where, ka, ma):
    kk, mk = ka.get("kpageflags") or {}, ma.get("kpageflags") or {}
    for block in sorted(set(kk) | set(mk), key=int):
        kb, mb = kk.get(block) or {}, mk.get(block) or {}
        for f in ("start_pfn", "nr") + KPF_STRUCTURAL:
            c.eq(f"{where}: kpf block {block} {f}", kb.get(f, 0), mb.get(f, 0))


def compare(kern, mine, boot_approx=False, firmware_holes=False):
    c = Check()
    kboot = (kern.get("boot") or {}).get("snapshot") or {}
    mboot = (mine.get("boot") or {}).get("snapshot") or {}
    c.eq("boot: block_size_bytes", (kboot.get("memory") or {}).get("block_size_bytes"),
         (mboot.get("memory") or {}).get("block_size_bytes"))
    c.eq("boot: params", kboot.get("params"), mboot.get("params"))
    for k in ("possible", "online", "has_memory", "has_normal_memory", "has_cpu"):
        c.eq(f"boot: node mask {k}", (kboot.get("nodes") or {}).get(k), (mboot.get("nodes") or {}).get(k))
    compare_blocks(c, "boot", kboot, mboot)
    # the reference kernel's own boot MemTotal varied by one page between
    # runs (oracle README, caveats): one page of tolerance at boot only
    if boot_approx:
        print(f"NOTE boot MemTotal: kernel {(kboot.get('meminfo') or {}).get('MemTotal')} kB, "
              f"memhp {(mboot.get('meminfo') or {}).get('MemTotal')} kB (reservations not calibrated)")
    else:
        c.close("boot: MemTotal", (kboot.get("meminfo") or {}).get("MemTotal", 0),
                (mboot.get("meminfo") or {}).get("MemTotal", 0), 4)
    c.eq("boot: nr_memmap_boot_pages", (kboot.get("vmstat") or {}).get("nr_memmap_boot_pages"),
         (mboot.get("vmstat") or {}).get("nr_memmap_boot_pages"))
    if firmware_holes:
        c.notes.append(f"boot System RAM: kernel {ram_lines(kboot)}, memhp {ram_lines(mboot)} (firmware holes)")
    else:
        c.eq("boot: System RAM", ram_lines(kboot), ram_lines(mboot))
    kz0, mz0 = zones(kboot), zones(mboot)
    dmanaged = sum(abs(kz0[key].get("managed", 0) - (mz0.get(key) or {}).get("managed", 0)) for key in kz0)
    if mboot.get("dmesg"):
        compare_built(c, "boot", kboot, mboot, dmanaged, boot_approx)
    else:
        # a run against a memhpd that was already running starts its log
        # after the daemon's boot: the boot's rebuilds are not in it
        c.notes.append(f"boot: zonelist rebuilds: kernel {built_lines(kboot)}, memhp's boot log not in the run")
    for key in sorted(kz0):
        for f in ("start_pfn", "spanned", "present"):
            c.eq(f"boot: zone {key} {f}", kz0[key].get(f), (mz0.get(key) or {}).get(f))
        if boot_approx:
            print(f"NOTE boot zone {key} managed: kernel {kz0[key].get('managed')}, "
                  f"memhp {(mz0.get(key) or {}).get('managed')}")
        else:
            c.close(f"boot: zone {key} managed", kz0[key].get("managed", 0),
                    (mz0.get(key) or {}).get("managed", 0), 1)

    # hot-plugged RAM lies above the boot's (x86: at 4 GiB and up); under
    # UEFI boot RAM above 4 GiB has the firmware's holes, printed above
    hotplug_base = HOTPLUG_BASE
    if firmware_holes:
        ends = [int(line.split(":")[0].split("-")[1], 16) + 1 for line in ram_lines(kboot)]
        hotplug_base = max([hotplug_base] + ends)
    msteps = {s.get("index"): s for s in mine.get("steps") or []}
    for ks in kern.get("steps") or []:
        where = f"step {ks.get('index')} '{ks.get('line')}'"
        ms = msteps.get(ks.get("index"))
        if ms is None or ms.get("line") != ks.get("line"):
            c.eq(f"{where}: step present", True, False)
            continue
        ko, mo = outcome(ks), dict(outcome(ms))
        for what, kres in ko:
            c.eq(f"{where}: result of {what}", kres, mo.get(what))
        if ks.get("verb") == "kpf":
            compare_kpf(c, where, ks.get("action") or {}, ms.get("action") or {})
        if ks.get("verb") == "where":
            c.notes.append(f"{where}: pages per block: kernel {(ks.get('action') or {}).get('pages_per_block')}, "
                           f"memhp {(ms.get('action') or {}).get('pages_per_block')} (not counted)")
        ksn, msn = ks.get("snapshot") or {}, ms.get("snapshot") or {}
        c.eq(f"{where}: auto_online_blocks", (ksn.get("memory") or {}).get("auto_online_blocks"),
             (msn.get("memory") or {}).get("auto_online_blocks"))
        compare_blocks(c, where, ksn, msn)
        c.eq(f"{where}: params", ksn.get("params"), msn.get("params"))
        for k in ("online", "has_memory", "has_normal_memory"):
            c.eq(f"{where}: node mask {k}", (ksn.get("nodes") or {}).get(k), (msn.get("nodes") or {}).get(k))
        c.eq(f"{where}: hot-plugged System RAM", ram_lines(ksn, hotplug_base), ram_lines(msn, hotplug_base))
        c.eq(f"{where}: decisive log lines", key_log(ksn), key_log(msn))
        compare_built(c, where, ksn, msn, dmanaged, boot_approx)
        km, mm = ksn.get("meminfo") or {}, msn.get("meminfo") or {}
        c.eq(f"{where}: MemTotal change since boot (kB)",
             km.get("MemTotal", 0) - (kboot.get("meminfo") or {}).get("MemTotal", 0),
             mm.get("MemTotal", 0) - (mboot.get("meminfo") or {}).get("MemTotal", 0))
        kv, mv = ksn.get("vmstat") or {}, msn.get("vmstat") or {}
        for k in ("nr_memmap_pages", "nr_memmap_boot_pages"):
            c.eq(f"{where}: {k} change since boot",
                 kv.get(k, 0) - (kboot.get("vmstat") or {}).get(k, 0),
                 mv.get(k, 0) - (mboot.get("vmstat") or {}).get(k, 0))
        kz, mz = zones(ksn), zones(msn)
        for key in sorted(set(kz) | set(mz)):
            kzz, mzz = kz.get(key, {}), mz.get(key, {})
            kb0, mb0 = kz0.get(key, {}), mz0.get(key, {})
            for f in ("spanned", "present", "managed"):
                c.eq(f"{where}: zone {key} {f} change since boot",
                     kzz.get(f, 0) - kb0.get(f, 0), mzz.get(f, 0) - mb0.get(f, 0))
            if kzz.get("present"):
                c.eq(f"{where}: zone {key} start_pfn", kzz.get("start_pfn"), mzz.get("start_pfn"))
            if not boot_approx and kzz.get("protection") is not None:
                compare_protection(c, f"{where}: zone {key}", kzz.get("protection"), mzz.get("protection"))
            if not boot_approx and kzz.get("present"):
                # min within one page, as the managed pages it derives from;
                # low = min + d and high = min + 2d add d's rounding
                for f, tol in (("min", 1), ("low", 2), ("high", 3)):
                    c.close(f"{where}: zone {key} watermark {f}", kzz.get(f, 0), mzz.get(f, 0), tol)
                # zone_batchsize, from the managed pages zone_pcp_update saw
                if "pcp_batch" in kzz:
                    c.eq(f"{where}: zone {key} pcp batch", kzz.get("pcp_batch"), mzz.get("pcp_batch"))
            if key.endswith(":Movable") and kzz.get("managed"):
                c.close(f"{where}: zone {key} free change since boot",
                        kzz.get("free", 0) - kb0.get("free", 0), mzz.get("free", 0) - mb0.get("free", 0),
                        max(1, kzz.get("managed", 0) // 100))
    return c


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    if len(args) != 2:
        print("usage: conform.py KERNEL.json MEMHP.json [--verbose] [--boot-approx] [--firmware-holes]",
              file=sys.stderr)
        return 2
    c = compare(load(args[0]), load(args[1]), boot_approx="--boot-approx" in argv,
                firmware_holes="--firmware-holes" in argv)
    for m in c.notes:
        print("NOTE", m)
    for m in c.bad[: None if "--verbose" in argv else 25]:
        print("MISMATCH", m)
    ok = c.n - len(c.bad)
    print(f"conformance: {ok}/{c.n} fields match ({100.0 * ok / c.n if c.n else 0:.1f}%)")
    return 0 if not c.bad and c.n else 1


if __name__ == "__main__":
    if any(a in ("-h", "--help") for a in sys.argv[1:]):
        sys.stdout.write(__doc__)
        sys.exit(0)
    sys.exit(main(sys.argv))
