#!/usr/bin/env python3
"""layer-check.py BUILD - libmemhp's layers, checked on the objects.

Every file of lib/ sits in one layer; a file may call its own layer and
the layers below it.  The calls are read from the objects themselves
(`nm`: each undefined symbol of a file resolved to the file defining it),
so the check sees what the code does, not what its headers say.  A call
up is an error unless it is listed in ALLOWED with the reason the
kernel's own design gives for it.  Prints the layers, the calls up that
remain (allowed) and the cycles inside each layer; exits 1 on any other
call up.
"""
import collections
import glob
import os
import subprocess
import sys

# lowest first; a file calls its own layer and those before it
LAYERS = [
    ("base", ["log", "sbuf", "fault_inject", "progress", "arch", "uevent"]),
    ("physical memory", ["resource", "physmem", "sparse", "memblock"]),
    ("zones and the buddy", ["mmzone", "zonelist", "page_alloc", "pcp", "deferred_init", "kernel_alloc"]),
    ("ZONE_DEVICE core", ["memremap"]),
    ("migration", ["wprotect", "migrate", "migrate_device"]),
    ("memory blocks and hotplug", ["notifier", "params", "memory_block", "memory_hotplug", "acpi"]),
    ("drivers", ["dax", "nd", "dmirror", "cxl", "cxl_region", "cxl_pmem"]),
    ("machine, files, API", ["machine", "kernfs", "cxl_sysfs", "nd_sysfs", "procfs", "debug_vm", "api"]),
]

# (caller, callee): why the call goes up
ALLOWED = {
    ("sparse", "page_alloc"):
        "vmemmap_populate takes the memmap's pages from the buddy allocator once it runs "
        "(vmemmap_alloc_block -> alloc_pages_node), and section removal frees them there",
    ("sparse", "machine"):
        "a boot section's memmap is written as memmap_init leaves it, holes included "
        "(init_unavailable_range): boot_hole_pages_init knows the boot zones",
}


def symbols(obj):
    out = subprocess.run(["nm", obj], capture_output=True, text=True, check=True).stdout
    defined, undefined = set(), set()
    for line in out.splitlines():
        p = line.split()
        if len(p) == 3 and p[1] in "TDBRCGSV":
            defined.add(p[2])
        elif len(p) == 2 and p[0] == "U":
            undefined.add(p[1])
    return defined, undefined


def main(argv):
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    layer_of = {}
    for i, (_, files) in enumerate(LAYERS):
        for f in files:
            layer_of[f] = i
    objs = sorted(glob.glob(os.path.join(argv[1], "lib", "*.o")))
    if not objs:
        print("layer-check: no objects in %s/lib" % argv[1], file=sys.stderr)
        return 2
    defs, undefs = {}, {}
    for o in objs:
        f = os.path.basename(o)[:-2]
        d, u = symbols(o)
        undefs[f] = u
        for s in d:
            defs[s] = f
    bad = [f for f in undefs if f not in layer_of]
    if bad:
        print("layer-check: files in no layer: %s" % " ".join(sorted(bad)))
        return 1
    calls = collections.defaultdict(set)
    for f, us in undefs.items():
        for s in us:
            g = defs.get(s)
            if g and g != f:
                calls[(f, g)].add(s)
    errors, allowed = [], []
    for (f, g), syms in sorted(calls.items()):
        if layer_of[g] <= layer_of[f]:
            continue
        line = "%s -> %s (%s)" % (f, g, ", ".join(sorted(syms)))
        (allowed if (f, g) in ALLOWED else errors).append((f, g, line))
    for i, (name, files) in enumerate(LAYERS):
        print("layer %d, %s: %s" % (i, name, " ".join(files)))
    for f, g, line in allowed:
        print("allowed up: %s: %s" % (line, ALLOWED[(f, g)]))
    for name, files in LAYERS:
        inside = sorted("%s <-> %s" % (f, g) for (f, g) in calls
                        if f < g and f in files and g in files and (g, f) in calls)
        if inside:
            print("cycles in %s: %s" % (name, "; ".join(inside)))
    for _, _, line in errors:
        print("LAYER VIOLATION: %s calls up" % line)
    unused = [k for k in ALLOWED if k not in calls or layer_of[k[1]] <= layer_of[k[0]]]
    for f, g in unused:
        print("LAYER CHECK: allowed %s -> %s no longer happens: take it off the list" % (f, g))
    return 1 if errors or unused else 0


if __name__ == "__main__":
    if any(a in ("-h", "--help") for a in sys.argv[1:]):
        sys.stdout.write(__doc__)
        sys.exit(0)
    sys.exit(main(sys.argv))
