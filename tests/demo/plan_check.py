#!/usr/bin/env python3
"""`memhpctl plan` agrees with a real run of the same plan.

For every plan below, `memhpctl plan --json` answers, then the same machine
and devices run as a scenario (`memhpctl run --json`: the scenario runner's
DIMM and dax paths and the kernel's files, not the planner's API).  They
must agree on, per device: success or failure, the block ids, the zone of
every block, the memmap (nr_memmap_pages) and where it lives (the memmap on
the device is exactly what MemTotal does not gain), and the boot memory it
took.  For a plan that fails, the failure point is checked by bracketing
it: on the same machine a DIMM of exactly the blocks the plan says were
added before the failure goes in, and one block more does not.

Struct pages are written when first needed (lib/deferred_init.c): every
plan gives the same JSON with `--memmap-init eager`, which writes them all
at online.  Then the sizes only deferral can reach: 8 TiB of CXL memory on
a 2 GiB machine, with memmap_on_memory (every block added and online, the
128 GiB memmap on the device, the window above QEMU's 1 TiB hole) and
without it (the add fails where node 0 runs out of memory for the memmap;
bracketed by plans of exactly that many blocks and one more).

usage: plan_check.py BUILD_DIR     exit 0 when every plan agrees
"""
import json
import os
import subprocess
import sys
import tempfile

MiB = 1 << 20
GiB = 1 << 30

PLANS = [
    # (name, machine options, scenario machine lines, devices)
    ("dimm, memmap on the block, movable",
     ["--mem", "1G", "--cmdline", "memory_hotplug.memmap_on_memory=1 memhp_default_state=online_movable"],
     ["mem 1G", "append memory_hotplug.memmap_on_memory=1 memhp_default_state=online_movable"],
     ["dimm:1G"]),
    ("dimm, memmap in DRAM, contig-zones online",
     ["--mem", "2G", "--cmdline", "memory_hotplug.memmap_on_memory=0 memhp_default_state=online"],
     ["mem 2G", "append memory_hotplug.memmap_on_memory=0 memhp_default_state=online"],
     ["dimm:2G", "dimm:512M"]),
    ("cxl on a memory-less node, auto-movable",
     ["--numa", "2G,0", "--cmdline",
      "memory_hotplug.memmap_on_memory=1 memory_hotplug.online_policy=auto-movable memhp_default_state=online"],
     ["numa 2G 0", "append memory_hotplug.memmap_on_memory=1 memory_hotplug.online_policy=auto-movable "
      "memhp_default_state=online"],
     ["cxl:16G@1", "dimm:1G@0"]),
    ("hmem (memmap in DRAM) and a DIMM, two nodes",
     ["--numa", "1G,1G", "--cmdline", "memory_hotplug.memmap_on_memory=1 memhp_default_state=online_kernel"],
     ["numa 1G 1G", "append memory_hotplug.memmap_on_memory=1 memhp_default_state=online_kernel"],
     ["hmem:2G@1", "dimm:1G@1"]),
    ("a DIMM too big for the boot memory's memmap",
     ["--mem", "1G", "--maxmem", "80G", "--cmdline", "memory_hotplug.memmap_on_memory=0"],
     ["mem 1G", "maxmem 80G", "append memory_hotplug.memmap_on_memory=0"],
     ["dimm:64G"]),
]


def run(cmd):
    return subprocess.run(cmd, capture_output=True, text=True)


def scenario_line(i, dev):
    kind, rest = dev.split(":")
    size, _, node = rest.partition("@")
    node = node or "0"
    if kind == "dimm":
        return f"hotadd d{i} {size} node={node}"
    return f"dax_region {kind} {size} node={node}"


def run_scenario(build, lines, tmp):
    scn = os.path.join(tmp, "plan.scn")
    out = os.path.join(tmp, "plan.json")
    with open(scn, "w") as f:
        f.write("\n".join(lines) + "\n")
    # the planner's machine has no user space: nor has this run's
    r = run([os.path.join(build, "memhpctl"), "run", scn, "--no-guest-processes", "--json", "-o", out])
    if r.returncode:
        raise RuntimeError(f"memhpctl run failed: {r.stderr.strip()}")
    return json.load(open(out))


def blocks_of(snap):
    return (snap.get("memory") or {}).get("blocks") or {}


def zone_of(b):
    return b["valid_zones"] if b["state"] == "online" else "offline"


def compare(name, plan, real, bad):
    boot = real["boot"]["snapshot"]
    prev = boot
    steps = [s for s in real["steps"] if s["line"].startswith(("hotadd", "dax_region"))]
    for i, (dev, step) in enumerate(zip(plan["devices"], steps)):
        where = f"{name}, device {i + 1} ({dev['kind']} {dev['size'] // MiB} MiB)"
        snap = step["snapshot"]
        before, after = blocks_of(prev), blocks_of(snap)
        new = sorted(int(b) for b in after if b not in before)
        ok = bool(new)
        if (dev["result"] == "ok") != ok:
            bad.append(f"{where}: plan says {dev['result']}, the run added blocks {new}")
        if ok:
            want = list(range(dev["first_block"], dev["last_block"] + 1))
            if new != want:
                bad.append(f"{where}: blocks {new[:3]}..{new[-3:]} vs plan {want[0]}-{want[-1]}")
            zones = {}
            for run_ in dev["zones"]:
                for b in range(run_["first"], run_["last"] + 1):
                    zones[b] = run_["zone"]
            for b in new:
                if zones.get(b) != zone_of(after[str(b)]):
                    bad.append(f"{where}: block {b} in {zone_of(after[str(b)])}, plan {zones.get(b)}")
                    break
            memmap = (snap["vmstat"]["nr_memmap_pages"] - prev["vmstat"]["nr_memmap_pages"]) * 4096
            if memmap != dev["memmap_bytes"]:
                bad.append(f"{where}: memmap {memmap} vs plan {dev['memmap_bytes']}")
            online = sum(1 for b in new if after[str(b)]["state"] == "online")
            if online == len(new):
                gained = (snap["meminfo"]["MemTotal"] - prev["meminfo"]["MemTotal"]) * 1024
                on_device = len(new) * plan["machine"]["block_size"] - gained
                if on_device != dev["memmap_on_device"]:
                    bad.append(f"{where}: memmap on the device {on_device} vs plan {dev['memmap_on_device']}")
        prev = snap


def bracket_failure(build, lines, dev, block, tmp, bad, name):
    """blocks added before the failure fit; one block more does not"""
    added = dev["fail_block"] - dev["first_block"]
    fits = run_scenario(build, lines + ["auto_online offline", f"hotadd a {added * block // MiB}M"], tmp)
    more = run_scenario(build, lines + ["auto_online offline", f"hotadd a {(added + 1) * block // MiB}M"], tmp)
    ok_fits = fits["steps"][-1]["action"].get("enabled")
    ok_more = more["steps"][-1]["action"].get("enabled")
    if not ok_fits or ok_more:
        bad.append(f"{name}: failure at block {dev['fail_block']}: {added} blocks fit={ok_fits}, "
                   f"{added + 1} fit={ok_more}")


def plan_json(build, opts, devs, bad, name):
    r = run([os.path.join(build, "memhpctl"), "plan", "--json"] + opts + devs)
    if r.returncode not in (0, 3):
        bad.append(f"{name}: memhpctl plan failed: {r.stderr.strip()}")
        return None, r.returncode
    return json.loads(r.stdout), r.returncode


def check_eager_equal(build, bad):
    """deferral changes nothing a plan reports"""
    cases = [(name, opts, devs) for name, opts, _, devs in PLANS]
    cases.append(("cxl 64G, memmap on the device", ["--numa", "2G,0", "--cmdline",
                  "memory_hotplug.memmap_on_memory=1"], ["cxl:64G@1"]))
    for name, opts, devs in cases:
        deferred, _ = plan_json(build, opts, devs, bad, name)
        eager, _ = plan_json(build, opts + ["--memmap-init", "eager"], devs, bad, name + " (eager)")
        if deferred is not None and deferred != eager:
            bad.append(f"{name}: the plan differs with every struct page written at online")
    print(f"  deferred and eager struct-page init: {len(cases)} plans, "
          f"{'the same' if not bad else 'DIFFERENT'}")


TIB_MACHINE = ["--numa", "2G,0", "--cmdline"]
AMD_HT_HOLE = (0xfd00000000, 1 << 40)


def check_8t(build, bad):
    """8 TiB of CXL memory: with memmap_on_memory, and failing without it"""
    on, rc = plan_json(build, TIB_MACHINE + ["memory_hotplug.memmap_on_memory=1"], ["cxl:8T@1"], bad, "8T on")
    if on is not None:
        d = on["devices"][0]
        blocks = (8 << 40) // on["machine"]["block_size"]
        want = {"result": "ok", "memmap_bytes": 128 << 30, "memmap_on_device": 128 << 30,
                "blocks_online": blocks}
        for k, v in want.items():
            if d[k] != v:
                bad.append(f"8T on: {k} {d[k]}, want {v}")
        if d["last_block"] - d["first_block"] + 1 != blocks or rc != 0:
            bad.append(f"8T on: blocks {d['first_block']}-{d['last_block']}, exit {rc}")
        if d["zones"] != [{"zone": "Normal", "first": d["first_block"], "last": d["last_block"]}]:
            bad.append(f"8T on: zones {d['zones'][:3]}")
        if d["addr"] < AMD_HT_HOLE[1] and d["addr"] + d["size"] > AMD_HT_HOLE[0]:
            bad.append(f"8T on: window at {d['addr']:#x} crosses the 1 TiB hole")
    off_opts = TIB_MACHINE + ["memory_hotplug.memmap_on_memory=0"]
    off, rc = plan_json(build, off_opts, ["cxl:8T@1"], bad, "8T off")
    if off is None:
        return
    d = off["devices"][0]
    if d["result"] != "ENOMEM" or rc != 3 or d["fail_block"] <= d["first_block"]:
        bad.append(f"8T off: result {d['result']} exit {rc} at block {d['fail_block']}")
        return
    added = d["fail_block"] - d["first_block"]
    block = off["machine"]["block_size"]
    fits, _ = plan_json(build, off_opts, [f"cxl:{added * block // MiB}M@1"], bad, "8T off, fits")
    more, _ = plan_json(build, off_opts, [f"cxl:{(added + 1) * block // MiB}M@1"], bad, "8T off, one more")
    if fits and more and (fits["devices"][0]["result"] != "ok" or more["devices"][0]["result"] == "ok"):
        bad.append(f"8T off: {added} blocks -> {fits['devices'][0]['result']}, "
                   f"{added + 1} -> {more['devices'][0]['result']}")
    print(f"  8 TiB cxl: memmap_on_memory=1 {on['devices'][0]['result'] if on else '?'} "
          f"({on['devices'][0]['blocks_online'] if on else 0} blocks online); "
          f"=0 fails at block {d['fail_block']} after {added} blocks, as {added} fit and {added + 1} do not")


def main(build):
    bad = []
    check_eager_equal(build, bad)
    check_8t(build, bad)
    with tempfile.TemporaryDirectory() as tmp:
        for name, opts, lines, devs in PLANS:
            r = run([os.path.join(build, "memhpctl"), "plan", "--json"] + opts + devs)
            if r.returncode not in (0, 3):
                bad.append(f"{name}: memhpctl plan failed: {r.stderr.strip()}")
                continue
            plan = json.loads(r.stdout)
            # exit 3 exactly when a planned add fails
            fails = any(dev["result"] != "ok" for dev in plan["devices"])
            if (r.returncode == 3) != fails:
                bad.append(f"{name}: exit {r.returncode} with a failing add: {fails}")
            real = run_scenario(build, lines + [scenario_line(i, d) for i, d in enumerate(devs)], tmp)
            compare(name, plan, real, bad)
            for dev in plan["devices"]:
                if dev["result"] != "ok":
                    bracket_failure(build, lines, dev, plan["machine"]["block_size"], tmp, bad, name)
            print(f"  plan '{name}': " + ", ".join(
                f"{d['kind']} {d['result']} blocks {d['first_block']}-{d['last_block']}"
                + (f" fails at {d['fail_block']}" if d["result"] != "ok" else "") for d in plan["devices"]))
    for b in bad:
        print("FAIL", b)
    print(f"plan check: {len(PLANS)} plans, {'all agree' if not bad else f'{len(bad)} disagreements'}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
