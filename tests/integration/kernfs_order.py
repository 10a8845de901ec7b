#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""kernfs_order.py NAME... - the names in the order a kernfs (sysfs)
directory lists them: by the 31-bit name hash of fs/kernfs/dir.c
(kernfs_name_hash: partial_name_hash per byte, hash_long to 32 bits on a
64-bit kernel, 0, 1 and INT_MAX reserved), then by name.  Checked against
the host's own /sys by `ls -U` when written; used to check memhpd's
readdir order, which tools such as libdaxctl depend on."""
import sys

M64 = (1 << 64) - 1


def kernfs_hash(name):
    h = 0
    for c in name.encode():
        h = ((h + (c << 4) + (c >> 4)) * 11) & M64
    h = ((h * 0x61C8864680B583EB) & M64) >> 32
    h &= 0x7FFFFFFF
    if h < 2:
        h += 2
    return min(h, 0x7FFFFFFF - 1)


print("\n".join(sorted(sys.argv[1:], key=lambda n: (kernfs_hash(n), n))))
