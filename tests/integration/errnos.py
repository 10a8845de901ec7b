#!/usr/bin/env python3
"""Every bad input of spec section 1, written through memhpd's FUSE tree
with real open(2)/write(2)/read(2), and the errno each must give.

usage: errnos.py MOUNT

Prints one 'PASS name' or 'FAIL name: ...' line per check; exits 1 if any
check failed.
"""
import errno
import os
import sys

MEM = "sys/devices/system/memory"
PARAMS = "sys/module/memory_hotplug/parameters"
INJECT = "sys/kernel/debug/notifier-error-inject/memory/actions"


def attempt(path, data=None, flags=None):
    """0 on success, else the errno of the first failing syscall"""
    try:
        if data is None:
            fd = os.open(path, flags if flags is not None else os.O_RDONLY)
            try:
                os.read(fd, 65536)
            finally:
                os.close(fd)
        else:
            fd = os.open(path, flags if flags is not None else os.O_WRONLY)
            try:
                n = os.write(fd, data)
                if n != len(data) and len(data) <= 4096:
                    return -n
            finally:
                os.close(fd)
        return 0
    except OSError as e:
        return e.errno


def main(argv):
    mnt = argv[1]
    p = lambda rel: os.path.join(mnt, rel)  # noqa: E731
    failures = 0
    checks = [
        # (name, path, data, expected errno)
        ("state: unknown keyword", f"{MEM}/memory1/state", b"bogus\n", errno.EINVAL),
        ("state: wrong case", f"{MEM}/memory1/state", b"ONLINE", errno.EINVAL),
        ("state: already online", f"{MEM}/memory1/state", b"online\n", errno.EINVAL),
        ("state: two newlines", f"{MEM}/memory1/state", b"offline\n\n", errno.EINVAL),
        ("online: not a bool", f"{MEM}/memory1/online", b"2\n", errno.EINVAL),
        ("online: idempotent", f"{MEM}/memory1/online", b"1\n", 0),
        ("offline: no single zone", f"{MEM}/memory0/state", b"offline\n", errno.EINVAL),
        ("offline: memory hole", f"{MEM}/memory7/state", b"offline\n", errno.EINVAL),
        ("write a 0444 file", f"{MEM}/memory1/valid_zones", b"Normal\n", errno.EACCES),
        ("write block_size_bytes", f"{MEM}/block_size_bytes", b"1\n", errno.EACCES),
        ("write phys_index", f"{MEM}/memory1/phys_index", b"1\n", errno.EACCES),
        ("write memmap_on_memory", f"{PARAMS}/memmap_on_memory", b"N\n", errno.EACCES),
        ("write /proc/meminfo", "proc/meminfo", b"1\n", errno.EACCES),
        ("auto_online_blocks: bogus", f"{MEM}/auto_online_blocks", b"bogus\n", errno.EINVAL),
        ("online_policy: bogus", f"{PARAMS}/online_policy", b"auto_movable\n", errno.EINVAL),
        ("auto_movable_ratio: negative", f"{PARAMS}/auto_movable_ratio", b"-1\n", errno.EINVAL),
        ("auto_movable_ratio: too big", f"{PARAMS}/auto_movable_ratio", b"4294967296\n", errno.ERANGE),
        ("auto_movable_numa_aware: bogus", f"{PARAMS}/auto_movable_numa_aware", b"maybe\n", errno.EINVAL),
        ("error injection: junk", f"{INJECT}/MEM_GOING_ONLINE/error", b"junk\n", errno.EINVAL),
        ("wrong file", f"{MEM}/memory1/nosuch", b"1\n", errno.ENOENT),
        ("wrong block", f"{MEM}/memory999/state", b"online\n", errno.ENOENT),
        ("write a directory", f"{MEM}/memory1", b"1\n", errno.EISDIR),
        # kernfs takes at most PAGE_SIZE: the rest of an over-long write is cut
        ("over-long write", f"{MEM}/memory1/online", b"1" + b"x" * 5000, 0),
    ]
    for name, rel, data, want in checks:
        got = attempt(p(rel), data)
        if got == want:
            print(f"PASS errno: {name}")
        else:
            failures += 1
            print(f"FAIL errno: {name}: got {errno.errorcode.get(got, got)}, want {errno.errorcode.get(want, want)}")
    # an empty write(2) reaches nobody and returns 0
    fd = os.open(p(f"{MEM}/memory1/state"), os.O_WRONLY)
    n = os.write(fd, b"")
    os.close(fd)
    state = open(p(f"{MEM}/memory1/state")).read()
    if n == 0 and state == "online\n":
        print("PASS errno: empty write")
    else:
        failures += 1
        print(f"FAIL errno: empty write returned {n}, state {state!r}")
    # a write-only open of a read-only file fails at open, even for root
    try:
        os.close(os.open(p(f"{MEM}/memory1/removable"), os.O_WRONLY))
        failures += 1
        print("FAIL errno: O_WRONLY open of a 0444 file succeeded")
    except OSError as e:
        ok = e.errno == errno.EACCES
        failures += not ok
        print(("PASS" if ok else "FAIL") + f" errno: open 0444 for writing -> {errno.errorcode[e.errno]}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
