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
    r = run([os.path.join(build, "memhpctl"), "run", scn, "--json", "-o", out])
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


def main(build):
    bad = []
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
