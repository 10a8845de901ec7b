#!/usr/bin/env python3
"""gen.py - random memory-hotplug scenarios in the oracle's language.

usage: gen.py SEED            prints one scenario (its kernel options on
                              the first line, as '# options: ...')
       gen.py SEED --options  prints only the kernel options
       gen.py SEED --arch ... the arm64 guests' scenario (Arm64Gen), with
                              or without --options

Deterministic per seed: the same seed gives the same scenario on every
machine, so a recorded kernel run is reproducible by its seed alone.

The generator draws what the kernel's memory hotplug decides on - machine
size and NUMA layout (memory-less nodes included; from seed 1570 the
guest's CPUs), memmap_on_memory,
online policy and default state, DIMM sizes and nodes, zone choices per
block, memory in use of each kind (anonymous, mlocked, pipe buffers), bad
writes, and from seed 500 on the kpageflags of every DIMM at the end -
and keeps every run bounded: memory in use never exceeds what the
machine has free, and an offline that could retry forever (a movable page
with nowhere to go) gets a step timeout.
"""
import os
import random
import sys

BLOCK_MIB = 128
# seeds from here on also draw DIMMs present at boot (`coldplug`); the
# seeds below it generate exactly what was recorded for them
COLDPLUG_FROM = 300
# and from here on an NVDIMM, turned into memory by dax_pmem and kmem
NVDIMM_FROM = 340
# and from here on /proc/kpageflags of every DIMM still there, at the end
KPF_FROM = 500
# and from here on every device keeps its memory slot, as QEMU may: the
# NVDIMM, and a DIMM whose eject the kernel refused (the generator cannot
# know which are refused, so a removed DIMM's slot stays counted).  Below
# it seed 593 drew a ninth device, which QEMU refused with "no free slots
# available", and then asked for its kpf.
SLOTS_KEPT_FROM = 640
# and from here on the guest's CPUs (`smp`): 1, 2 or 4, drawn from a
# generator of their own so that the rest of the scenario is what the
# seed gave before
SMP_FROM = 1570


def machine(r):
    """mem, numa line, per-node MiB"""
    total = r.choice([1024, 1536, 2048, 3072, 4096])
    nodes = r.choice([1, 1, 2, 2, 3])
    if nodes == 1:
        return total, None, [total]
    # node 0 always has memory (the CPU's node); others may be memory-less
    sizes = [0] * nodes
    sizes[0] = total
    for n in range(1, nodes):
        if r.random() < 0.5:
            share = r.choice([256, 512, 1024])
            if sizes[0] - share >= 768:
                sizes[0] -= share
                sizes[n] = share
    return total, "numa " + " ".join("%dM" % s if s else "0" for s in sizes), sizes


def options(r):
    opts = ["memory_hotplug.memmap_on_memory=" + r.choice(["0", "1", "1", "force"])]
    policy = r.random()
    if policy < 0.25:
        opts.append("memory_hotplug.online_policy=auto-movable")
        opts.append("memory_hotplug.auto_movable_ratio=" + r.choice(["100", "301", "500"]))
    if r.random() < 0.3:
        opts.append("memhp_default_state=" + r.choice(["online", "online_kernel", "online_movable",
                                                         "offline"]))
    if r.random() < 0.1:
        opts.append("movable_node")
    return opts


class Gen:
    def __init__(self, seed):
        self.seed = seed
        self.r = random.Random(seed)
        self.nv = None        # (first block, last block) kmem can add
        self.nv_done = False
        self.lines = []
        self.dimms = {}       # name -> MiB, present
        self.slots = 0        # memory slots taken, from SLOTS_KEPT_FROM on,
        self.plugged = 0      # and the MiB of maxmem they hold
        self.next_dimm = 1
        self.hogs = {}        # var -> (kind, MiB)
        self.next_hog = 1
        self.window = 16 * 1024 - 1024   # maxmem less boot memory, MiB

    def add(self, line):
        self.lines.append(line)

    def hotadd(self, nodes):
        r = self.r
        size = r.choice([128, 128, 256, 512, 1024, 2048])
        used = max(sum(self.dimms.values()), self.plugged)
        if max(len(self.dimms), self.slots) >= 8 or used + size > self.window - 2048:
            return
        name = "d%d" % self.next_dimm
        self.next_dimm += 1
        node = r.randrange(nodes)
        self.add("hotadd %s %dM%s" % (name, size, " node=%d" % node if nodes > 1 else ""))
        self.dimms[name] = size
        self.take_slot(size)

    def take_slot(self, mib):
        if self.seed >= SLOTS_KEPT_FROM:
            self.slots += 1
            self.plugged += mib

    def coldplug(self, nodes):
        """pc-dimms on QEMU's command line: added by the ACPI driver at boot"""
        r = self.r
        if r.random() < 0.5:
            return
        for _ in range(r.choice([1, 1, 2])):
            size = r.choice([128, 256, 512, 1024])
            name = "c%d" % self.next_dimm
            self.next_dimm += 1
            node = r.randrange(nodes)
            self.add("coldplug %s %dM%s" % (name, size, " node=%d" % node if nodes > 1 else ""))
            self.dimms[name] = size
            self.take_slot(size)

    def nvdimm(self, mem, nodes):
        """a label-less nvdimm after the coldplugged DIMMs (QEMU's first fit)"""
        r = self.r
        if r.random() < 0.7:
            return
        size = r.choice([256, 512, 1024])
        node = r.randrange(nodes)
        self.add("nvdimm nv1 %dM%s" % (size, " node=%d" % node if nodes > 1 else ""))
        self.add("modules dax-nfit")
        self.take_slot(size)
        # the window starts at 4G, or 1G-aligned after RAM above 4G
        base = 4096 if mem < 3584 else 4096 + -(-(mem - 3072) // 1024) * 1024
        start = base + sum(self.dimms.values())
        # the dax device starts 2 MiB in (info block, align 2M, mode ram);
        # kmem adds the whole memory blocks inside it
        self.nv = (start // BLOCK_MIB + 1, (start + size) // BLOCK_MIB - 1)

    def dax_kmem(self):
        """the nd bus steps of the oracle's g2, on the NVDIMM's namespace"""
        r = self.r
        first, last = self.nv
        for line in ["write /sys/bus/nd/drivers/nd_pmem/unbind namespace0.0",
                     "write /sys/bus/nd/devices/dax0.0/uuid 0b9d8e1a-3c4d-4e5f-8a9b-0c1d2e3f4a5b",
                     "write /sys/bus/nd/devices/dax0.0/namespace namespace0.0",
                     "write /sys/bus/nd/devices/dax0.0/align 2097152",
                     "write /sys/bus/nd/devices/dax0.0/mode ram",
                     "write /sys/bus/nd/drivers/dax_pmem/bind dax0.0",
                     "write /sys/bus/dax/drivers/device_dax/unbind dax0.0"]:
            self.add(line)
        if r.random() < 0.5:
            self.add("write /sys/bus/dax/devices/dax0.0/memmap_on_memory 1")
        self.add("write /sys/bus/dax/drivers/kmem/new_id dax0.0")
        a = r.randint(first, last)
        b = r.randint(a, last)
        self.add("state %d-%d %s" % (a, b, r.choice(["offline", "online_movable", "online"])))
        if r.random() < 0.5:
            self.add("state %d-%d offline" % (first, last))
            self.add("write /sys/bus/dax/drivers/kmem/unbind dax0.0")
        self.nv_done = True

    def blocks(self, name):
        n = self.dimms[name] // BLOCK_MIB
        r = self.r
        kind = r.random()
        if kind < 0.3:
            return "%s:*" % name if r.random() < 0.5 else "%s:*r" % name
        if kind < 0.6 or n == 1:
            return "%s:%d" % (name, r.choice([0, -1]) if n > 1 else 0)
        a = r.randrange(n)
        b = r.randrange(a, n)
        return "%s:%d-%d" % (name, a, b)

    def state_value(self):
        """a state write's value, and the step's timeout when it needs one"""
        value = self.r.choice(["online", "online_kernel", "online_movable", "offline", "offline",
                               "online_movable"])
        # an offline may retry forever when its pages cannot move: bounded
        return value, " timeout=20" if value == "offline" and self.hogs else ""

    def state(self):
        if not self.dimms:
            return
        name = self.r.choice(sorted(self.dimms))
        value, timeout = self.state_value()
        self.add("state %s %s%s" % (self.blocks(name), value, timeout))

    def hog(self, free_mib):
        r = self.r
        kind = r.choice(["anon", "anon", "mlock", "pipe"])
        # the hogs together stay well inside free memory: no OOM killer
        room = free_mib // 3 - sum(m for _, m in self.hogs.values())
        if room < 16:
            return
        mib = r.choice([16, 32, 64, 128, 256, 512])
        mib = min(mib, room)
        if kind == "pipe":
            mib = min(mib, 64)
        var = "H%d" % self.next_hog
        self.next_hog += 1
        self.hogs[var] = (kind, mib)
        self.add("hog %s %d as %s" % (kind, mib, var))

    def remove(self):
        if not self.dimms:
            return
        name = self.r.choice(sorted(self.dimms))
        timeout = " timeout=60" if self.hogs else ""
        self.add("remove %s%s" % (name, timeout))
        # a refused eject keeps the dimm; the generator cannot know which,
        # so the name is retired either way (it is never reused)
        del self.dimms[name]

    def bad_write(self):
        r = self.r
        if not self.dimms:
            return
        name = r.choice(sorted(self.dimms))
        self.add(r.choice([
            "state %s:0 bogus" % name,
            "online %s:0 2" % name,
            "auto_online sideways",
            "param auto_movable_ratio -1",
            "write /sys/devices/system/memory/memory%%{%s.first}/state online_bogus" % name,
        ]))

    def build(self):
        r = self.r
        mem, numa, sizes = machine(r)
        nodes = len(sizes)
        opts = options(r)
        self.add("# options: " + " ".join(opts))
        self.add("description random scenario (tests/oracle/gen.py)")
        self.add("mem %dM" % mem)
        if self.seed >= SMP_FROM:
            cpus = random.Random("smp %d" % self.seed).choice([1, 1, 2, 2, 4])
            if cpus > 1:
                self.add("smp %d" % cpus)
        if numa:
            self.add(numa)
        if self.seed >= COLDPLUG_FROM:
            self.coldplug(nodes)
        if self.seed >= NVDIMM_FROM:
            self.nvdimm(mem, nodes)
        self.add("auto_online " + r.choice(["offline", "online", "online_movable", "online_kernel"]))
        self.hotadd(nodes)
        free = mem - 300
        for _ in range(r.randrange(4, 13)):
            if self.nv and not self.nv_done and r.random() < 0.3:
                self.dax_kmem()
            x = r.random()
            if x < 0.22:
                self.hotadd(nodes)
            elif x < 0.5:
                self.state()
            elif x < 0.6:
                self.add("online %s %s" % (self.blocks(r.choice(sorted(self.dimms))), r.choice("01"))
                         if self.dimms else "snapshot")
            elif x < 0.72:
                self.hog(free)
            elif x < 0.8 and self.hogs:
                var = r.choice(sorted(self.hogs))
                self.add("kill " + var)
                del self.hogs[var]
            elif x < 0.9:
                self.remove()
            elif x < 0.95:
                self.bad_write()
            else:
                self.add("auto_online " + r.choice(["offline", "online", "online_movable"]))
        for var in sorted(self.hogs):
            self.add("kill " + var)
        if self.seed >= KPF_FROM:
            # no draw: the scenario before it is what the seed gave before
            for name in sorted(self.dimms):
                self.add("kpf %s:*" % name)
        return opts


class Arm64Gen(Gen):
    """The arm64 guests (tests/oracle/arm64: QEMU virt under UEFI, Debian's
    kernels): pc-dimm hot-add adds no memory there (no ACPI memory driver),
    so memory comes and goes through an NVDIMM's dax device and kmem, whose
    blocks the steps then online, offline and unplug under hogs of every
    kind.  The scenario names no profile: run-scenario-arm64 --profile
    records it on the 4K or the 16K kernel, and memhp runs it with that
    profile's `arch` line."""

    def nv_blocks(self, mem, size):
        # virt's device memory starts at the first GiB after RAM (RAM at 1G);
        # the dax device starts 2 MiB in, kmem adds the whole blocks inside
        base = -(-(1024 + mem) // 1024) * 1024
        return (base // BLOCK_MIB + 1, (base + size) // BLOCK_MIB - 1)

    def kmem_state(self):
        r = self.r
        first, last = self.nv
        a = r.randint(first, last)
        b = r.randint(a, last)
        value, timeout = self.state_value()
        self.add("state %d-%d %s%s" % (a, b, value, timeout))

    def kmem_bad_write(self):
        r = self.r
        first, _ = self.nv
        self.add(r.choice([
            "state %d-%d bogus" % (first, first),
            "write /sys/devices/system/memory/memory%d/online 2" % first,
            "auto_online sideways",
            "param auto_movable_ratio -1",
            "write /sys/bus/dax/devices/dax0.0/memmap_on_memory 2",
        ]))

    def build(self):
        r = self.r
        mem = r.choice([1024, 1024, 2048, 3072, 4096])
        opts = ["memory_hotplug.memmap_on_memory=" + r.choice(["0", "1", "1", "force"])]
        if r.random() < 0.25:
            opts.append("memory_hotplug.online_policy=auto-movable")
            opts.append("memory_hotplug.auto_movable_ratio=" + r.choice(["100", "301", "500"]))
        if r.random() < 0.3:
            opts.append("memhp_default_state=" + r.choice(["online", "online_kernel", "online_movable",
                                                             "offline"]))
        size = r.choice([512, 1024, 1024, 2048])
        self.add("# options: " + " ".join(opts))
        self.add("description random arm64 scenario (tests/oracle/gen.py --arch)")
        self.add("mem %dM" % mem)
        self.add("nvdimm nv1 %dM" % size)
        self.add("modules dax-nfit")
        self.nv = self.nv_blocks(mem, size)
        self.add("auto_online " + r.choice(["offline", "online", "online_movable", "online_kernel"]))
        free = mem - 300
        bound = False
        for _ in range(r.randrange(4, 13)):
            if not self.nv_done and r.random() < 0.4:
                self.dax_kmem()
                bound = not self.lines[-1].endswith("kmem/unbind dax0.0")
                continue
            x = r.random()
            if x < 0.35 and bound:
                self.kmem_state()
            elif x < 0.55:
                self.hog(free)
            elif x < 0.7 and self.hogs:
                var = r.choice(sorted(self.hogs))
                self.add("kill " + var)
                del self.hogs[var]
            elif x < 0.8 and self.next_dimm <= 3:
                # acknowledged by the guest's ACPI, added by no driver
                self.add("hotadd d%d %dM" % (self.next_dimm, r.choice([128, 256, 512])))
                self.next_dimm += 1
            elif x < 0.9 and self.nv:
                self.kmem_bad_write()
            else:
                self.add("auto_online " + r.choice(["offline", "online", "online_movable"]))
        if bound and r.random() < 0.5:
            first, last = self.nv
            self.add("state %d-%d offline%s" % (first, last, " timeout=20" if self.hogs else ""))
            self.add("write /sys/bus/dax/drivers/kmem/unbind dax0.0")
        for var in sorted(self.hogs):
            self.add("kill " + var)
        return opts


def main(argv):
    if len(argv) < 2 or not argv[1].isdigit() or any(a not in ("--options", "--arch") for a in argv[2:]):
        sys.stderr.write(__doc__)
        return 2
    if "--arch" in argv[2:]:
        g = Arm64Gen(int(argv[1]))
    else:
        g = Gen(int(argv[1]))
    opts = g.build()
    try:
        if "--options" in argv[2:]:
            print(" ".join(opts))
        else:
            print("\n".join(g.lines))
        sys.stdout.flush()
    except BrokenPipeError:
        # a reader that stops early (gen.py SEED | head) is not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


if __name__ == "__main__":
    if any(a in ("-h", "--help") for a in sys.argv[1:]):
        sys.stdout.write(__doc__)
        sys.exit(0)
    sys.exit(main(sys.argv))
