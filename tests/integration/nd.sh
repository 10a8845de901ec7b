#!/bin/bash
# SPDX-License-Identifier: MIT
#
# nd.sh - Debian's ndctl (v76.1), unmodified, reads memhpd's nd buses under
# `memhpctl exec`: QEMU's NFIT NVDIMM (memhpd --nvdimm) and a legacy e820
# range (memmap=nn!ss), as `ndctl list` shows them on Linux 6.12; and
# nd_pmem's disk /dev/pmem0 (memhpd's dev/pmem0 linked into exec's /dev),
# read and written with dd and by ndctl destroy-namespace.
#
# usage: bash tests/integration/nd.sh BUILD_DIR   (as root, /dev/fuse)
# NDCTL_TEST_DIR: ndctl v76.1's test/ directory, whose daxctl-devices.sh it
# runs (default /work/shared/ndctl-v76.1/test).
case "${1:-}" in -h|--help) sed -n '4,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0;; esac
set -u
# an empty build would put the test trees under / : refuse it
[ -d "${1:-}" ] || { echo "usage: $0 BUILD_DIR (the directory make built into)" >&2; exit 2; }
build=$(cd "$1" && pwd)
out=$build/integration-nd
mnt=$out/mnt
sock=$out/memhpd.sock
rm -rf "$out"
mkdir -p "$mnt"

pass() { echo "PASS integration: nd: $1"; }
fail() { echo "FAIL integration: nd: $1"; }
check() { if eval "$2"; then pass "$1"; else fail "$1"; return 1; fi; }
ctl() { "$build/memhpctl" --socket "$sock" "$@"; }
x() { timeout 60 "$build/memhpctl" exec --mount "$mnt" -- "$@"; }

daemon_pid=""
stop() {
	if [ -n "$daemon_pid" ]; then
		ctl shutdown >/dev/null 2>&1
		for _ in $(seq 50); do kill -0 "$daemon_pid" 2>/dev/null || break; sleep 0.1; done
		daemon_pid=""
	fi
	mountpoint -q "$mnt" && fusermount3 -u "$mnt"
}
trap stop EXIT

start() {
	if ! "$build/memhpd" --mount "$mnt" --socket "$sock" "$@"; then
		fail "memhpd $* starts"
		return 1
	fi
	daemon_pid=$(ctl status | sed -n 's/^pid //p')
	pass "memhpd $* starts"
}

if [ "$(id -u)" != 0 ] || [ ! -c /dev/fuse ] || ! command -v ndctl >/dev/null || ! command -v jq >/dev/null; then
	fail "needs root, /dev/fuse, ndctl and jq"
	exit 0
fi

# ---- QEMU's NFIT: one label-less 1G NVDIMM ----------------------------------
if start --nvdimm nv1:1G; then
	json=$(x ndctl list -BDRNi)
	check "ndctl list -BDRNi: bus ACPI.NFIT ndbus0, dimm nmem0 (id 8680-56341200, handle 1, phys_id 1)" \
		"[ \"\$(jq -c '[.[0].provider, .[0].dev, .[0].dimms[0].dev, .[0].dimms[0].id, .[0].dimms[0].handle, .[0].dimms[0].phys_id]' <<< '$json')\" = '[\"ACPI.NFIT\",\"ndbus0\",\"nmem0\",\"8680-56341200\",1,1]' ]"
	check "ndctl list -BDRNi: region0, 1G pmem, align 16M, mapping nmem0 0+1G at position 0" \
		"[ \"\$(jq -c '.[0].regions[0] | [.dev, .size, .type, .align, .mappings[0].dimm, .mappings[0].offset, .mappings[0].length, .mappings[0].position]' <<< '$json')\" = '[\"region0\",1073741824,\"pmem\",16777216,\"nmem0\",0,1073741824,0]' ]"
	check "ndctl list -BDRNi: namespace0.0 raw, 1G, block device pmem0" \
		"[ \"\$(jq -c '.[0].regions[0].namespaces[0] | [.dev, .mode, .size, .blockdev]' <<< '$json')\" = '[\"namespace0.0\",\"raw\",1073741824,\"pmem0\"]' ]"
	check "ndctl list -b ACPI.NFIT -Ni: namespace0.0 (daxctl-devices.sh's victim lookup)" \
		"[ \"\$(x ndctl list -b ACPI.NFIT -Ni | jq -r '.[0].dev')\" = namespace0.0 ]"
	check "the kernel's listing of every /sys/bus/nd device (tests/oracle/kernel/nvdimm-kmem.json)" \
		"x sh -c 'for f in /sys/bus/nd/devices/*/; do echo \"== \$f\"; ls \$f; done' > '$out/ls' &&
		 python3 -c 'import json,sys; k=json.load(open(sys.argv[1])); print(k[\"steps\"][1][\"action\"][\"stdout\"], end=\"\")' \
			'$(dirname "$0")/../oracle/kernel/nvdimm-kmem.json' | diff - '$out/ls'"
	# the dax seed configured through sysfs, as the oracle's nvdimm-kmem does
	x sh -c 'echo namespace0.0 > /sys/bus/nd/drivers/nd_pmem/unbind &&
		echo 0b9d8e1a-3c4d-4e5f-8a9b-0c1d2e3f4a5b > /sys/bus/nd/devices/dax0.0/uuid &&
		echo namespace0.0 > /sys/bus/nd/devices/dax0.0/namespace &&
		echo ram > /sys/bus/nd/devices/dax0.0/mode &&
		echo dax0.0 > /sys/bus/nd/drivers/dax_pmem/bind' > "$out/bind.log" 2>&1
	check "dax_pmem binds dax0.0: ndctl shows namespace0.0 devdax, the region's dax_seed is dax0.1" \
		"[ \"\$(x ndctl list -NXi | jq -c '.[0] | [.dev, .mode, .size, .uuid]')\" = '[\"namespace0.0\",\"devdax\",1071644672,\"0b9d8e1a-3c4d-4e5f-8a9b-0c1d2e3f4a5b\"]' ] &&
		 [ \"\$(cat '$mnt/sys/bus/nd/devices/region0/dax_seed')\" = dax0.1 ]"
	# drivers/dax/pmem.c: alloc_dax_region(&nd_dax->nd_pfn.dev, ...)
	check "dax region 0 hangs under the nd dax device: bus/dax/devices/dax0.0 is .../ndbus0/region0/dax0.0/dax0.0, nothing under platform" \
		"[ \"\$(x readlink -f /sys/bus/dax/devices/dax0.0)\" = /sys/devices/LNXSYSTM:00/LNXSYBUS:00/ACPI0012:00/ndbus0/region0/dax0.0/dax0.0 ] &&
		 [ -d '$mnt/sys/bus/nd/devices/dax0.0/dax_region' ] && [ ! -e '$mnt/sys/bus/nd/devices/dax0.1/dax_region' ] &&
		 [ \"\$(readlink '$mnt/sys/bus/nd/devices/dax0.0/dax0.0/subsystem')\" = ../../../../../../../../bus/dax ] &&
		 ! ls '$mnt/sys/devices/platform' | grep -q dax_region"
	check "ndctl list -n namespace0.0 -X: its dax region's device dax0.0 (daxctl-devices.sh's daxctl_get_dev)" \
		"[ \"\$(x ndctl list -n namespace0.0 -X | jq -er '.[].daxregion.devices[0].chardev')\" = dax0.0 ]"
	stop
fi

# ---- nd_pmem's disk on a 256M NVDIMM: /dev/pmem0, what ndctl destroy-namespace opens
if start --nvdimm nv1:256M; then
	check "the tree's root is dev, proc, sys; dev/pmem0 is the 256M disk, mode 0660" \
		"[ \"\$(ls '$mnt' | tr '\n' ' ')\" = 'dev proc sys ' ] &&
		 [ \"\$(stat -c '%s %a %F' '$mnt/dev/pmem0')\" = '268435456 660 regular file' ]"
	check "memhpctl exec: /dev/pmem0 links to the tree's disk while nd_pmem holds namespace0.0" \
		"[ \"\$(x readlink /dev/pmem0)\" = .memhp-block/pmem0 ] && [ \"\$(x stat -L -c %s /dev/pmem0)\" = 268435456 ]"
	check "/dev/pmem0 goes with nd_pmem's unbind and comes back with its bind, before the write returns" \
		"x sh -c 'echo namespace0.0 > /sys/bus/nd/drivers/nd_pmem/unbind && ! [ -e /dev/pmem0 ] && ! [ -L /dev/pmem0 ] &&
			  echo namespace0.0 > /sys/bus/nd/drivers/nd_pmem/bind && [ -f /dev/pmem0 ]'"
	head -c 65536 /dev/urandom > "$out/pattern"
	check "dd oflag=direct of 64K at 1M through /dev/pmem0: read back equal (iflag=direct, and a fresh open of dev/pmem0)" \
		"x dd if='$out/pattern' of=/dev/pmem0 bs=4096 seek=256 oflag=direct conv=notrunc status=none &&
		 x dd if=/dev/pmem0 bs=4096 skip=256 count=16 iflag=direct status=none | cmp -s - '$out/pattern' &&
		 dd if='$mnt/dev/pmem0' bs=4096 skip=256 count=16 status=none | cmp -s - '$out/pattern'"
	check "writes past the end of /dev/pmem0: ENOSPC" \
		"x dd if=/dev/zero of=/dev/pmem0 bs=4096 seek=65536 count=1 conv=notrunc 2>&1 | grep -q 'No space left on device'"
	# dax_pmem writes its info block at 4K of the namespace, then the namespace goes back to nd_pmem raw
	x sh -c 'echo namespace0.0 > /sys/bus/nd/drivers/nd_pmem/unbind &&
		echo 0b9d8e1a-3c4d-4e5f-8a9b-0c1d2e3f4a5b > /sys/bus/nd/devices/dax0.0/uuid &&
		echo namespace0.0 > /sys/bus/nd/devices/dax0.0/namespace &&
		echo ram > /sys/bus/nd/devices/dax0.0/mode &&
		echo dax0.0 > /sys/bus/nd/drivers/dax_pmem/bind &&
		echo dax0.0 > /sys/bus/nd/drivers/dax_pmem/unbind &&
		echo > /sys/bus/nd/devices/dax0.0/namespace &&
		echo namespace0.0 > /sys/bus/nd/drivers/nd_pmem/bind' > "$out/infoblock.log" 2>&1
	check "dax_pmem's info block is on the disk: DAXSIGNATURE at 4K of /dev/pmem0" \
		"[ \"\$(x dd if=/dev/pmem0 bs=4096 skip=1 count=1 iflag=direct status=none | head -c 12)\" = DAXSIGNATURE ]"
	# zero_info_block counts a namespace whose disk it could not open as destroyed: its log says "failed"
	check "ndctl destroy-namespace -f -b ACPI.NFIT namespace0.0: exit 0, 'destroyed 1 namespace', /dev/pmem0 gone" \
		"x sh -c 'ndctl destroy-namespace -f -b ACPI.NFIT namespace0.0 && ! [ -e /dev/pmem0 ]' > '$out/destroy.log' 2>&1 &&
		 grep -qx 'destroyed 1 namespace' '$out/destroy.log' && ! grep -q failed '$out/destroy.log'"
	echo namespace0.0 > "$mnt/sys/bus/nd/drivers/nd_pmem/bind"
	check "... which zeroed the first 8K of the namespace (zero_info_block), nothing after" \
		"cmp -s -n 8192 '$mnt/dev/pmem0' /dev/zero &&
		 dd if='$mnt/dev/pmem0' bs=4096 skip=256 count=16 status=none | cmp -s - '$out/pattern'"
	stop
fi

# ---- ndctl v76.1's own daxctl-devices.sh, unmodified, on QEMU's 256M NVDIMM ----
# Its victim is the ACPI.NFIT bus's first namespace: destroyed through
# /dev/pmem0, re-created devdax of the region's whole 256M (a label-less
# region cannot be sub-divided), its dax device switched between devdax
# and system-ram (memory offline, then onlined by daxctl), disable-namespace
# refused while the memory is System RAM.  Run by its own #!/bin/bash -Ex,
# so a failing command inside a function ends it.  Inside the namespace
# only, a stand-in modinfo: kmem is memhpd's, nothing to look up.
ndctl_tests=${NDCTL_TEST_DIR:-/work/shared/ndctl-v76.1/test}
mkdir -p "$out/bin"
printf '#!/bin/sh\n# memhp stand-in: kmem is built into memhpd\nexit 0\n' > "$out/bin/modinfo"
chmod +x "$out/bin/modinfo"
if [ ! -x "$ndctl_tests/daxctl-devices.sh" ]; then
	fail "ndctl's tests not found in $ndctl_tests (NDCTL_TEST_DIR)"
elif start --nvdimm nv1:256M; then
	blocks0=$(ls "$mnt/sys/devices/system/memory" | grep -c '^memory[0-9]')
	(cd "$ndctl_tests" && timeout 600 "$build/memhpctl" exec --mount "$mnt" -- \
		env PATH="$out/bin:$PATH" CXL="$(command -v cxl)" NDCTL="$(command -v ndctl)" \
		DAXCTL="$(command -v daxctl)" ./daxctl-devices.sh) > "$out/daxctl-devices.log" 2>&1
	rc=$?
	check "ndctl's daxctl-devices.sh passes unmodified (exit 0; system-ram onlined, disable-namespace and -N refused)" \
		"[ $rc = 0 ] && grep -q '^onlined memory for 1 device' '$out/daxctl-devices.log' &&
		 grep -q '^disable-namespace failed as expected' '$out/daxctl-devices.log' &&
		 grep -q '^reconfigure failed as expected' '$out/daxctl-devices.log' &&
		 grep -qx 'destroyed 1 namespace' '$out/daxctl-devices.log'" ||
		tail -20 "$out/daxctl-devices.log" | sed 's/^/    /'
	check "after it: the memory blocks as at boot, auto_online_blocks restored, memhp's audit clean" \
		"[ \"\$(ls '$mnt/sys/devices/system/memory' | grep -c '^memory[0-9]')\" = $blocks0 ] &&
		 [ \"\$(cat '$mnt/sys/devices/system/memory/auto_online_blocks')\" = online ] && ctl audit > /dev/null"
	stop
fi

# ---- e820: memmap=512M!4608M --------------------------------------------------
if start --cmdline 'memmap=512M!4608M' --mem 4G; then
	json=$(x ndctl list -BDRNi)
	check "ndctl list -BDRNi: bus e820 ndbus0, no dimms, region0 512M pmem, no mappings" \
		"[ \"\$(jq -c '.[0] | [.provider, .dev, (.dimms // [] | length), .regions[0].dev, .regions[0].size, .regions[0].type, (.regions[0].mappings // [] | length)]' <<< '$json')\" = '[\"e820\",\"ndbus0\",0,\"region0\",536870912,\"pmem\",0]' ]"
	check "ndctl list -BDRNi: namespace0.0 fsdax, map mem, 512M, block device pmem0" \
		"[ \"\$(jq -c '.[0].regions[0].namespaces[0] | [.dev, .mode, .map, .size, .blockdev]' <<< '$json')\" = '[\"namespace0.0\",\"fsdax\",\"mem\",536870912,\"pmem0\"]' ]"
	check "/sys/class/nd/ndctl0 -> devices/platform/e820_pmem/ndbus0/nd/ndctl0" \
		"[ \"\$(x readlink /sys/class/nd/ndctl0)\" = ../../devices/platform/e820_pmem/ndbus0/nd/ndctl0 ]"
	stop
fi
exit 0
