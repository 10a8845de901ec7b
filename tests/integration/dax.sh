#!/bin/bash
# Dynamic dax (drivers/dax/bus.c) integration tests: an hmem region booted
# as the kernel boots soft-reserved memory (memmap=nn%ss+0xefffffff),
# partitioned through its sysfs files by the unmodified daxctl of ndctl
# under memhpctl exec, and ndctl v76.1's own daxctl-create.sh, unmodified.
#
# usage: tests/integration/dax.sh BUILD_DIR   (as root, /dev/fuse, daxctl and jq)
# NDCTL_TEST_DIR: ndctl v76.1's test/ directory, whose scripts it runs
# (default /work/shared/ndctl-v76.1/test).
# Prints "PASS integration: dax ..." / "FAIL integration: dax ..." lines.
case "${1:-}" in -h|--help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0;; esac
set -u
# an empty build would put the test trees under / : refuse it
[ -d "${1:-}" ] || { echo "usage: $0 BUILD_DIR (the directory make built into)" >&2; exit 2; }
build=$(cd "$1" && pwd)
out=$build/integration-dax
mnt=$out/mnt
sock=$out/memhpd.sock
rm -rf "$out"
mkdir -p "$mnt"

pass() { echo "PASS integration: dax: $1"; }
fail() { echo "FAIL integration: dax: $1"; }
check() { if eval "$2"; then pass "$1"; else fail "$1"; fi; }
ctl() { "$build/memhpctl" --socket "$sock" "$@"; }
daxctl() { "$build/memhpctl" exec --mount "$mnt" -- daxctl "$@"; }
sysr() { cat "$mnt/sys/devices/platform/hmem.0/$1"; }
sysw() { echo "$2" > "$mnt/sys/devices/platform/hmem.0/$1"; }

daemon_pid=""
stop() {
	[ -n "$daemon_pid" ] || return 0
	ctl shutdown >/dev/null 2>&1
	for _ in $(seq 50); do kill -0 "$daemon_pid" 2>/dev/null || break; sleep 0.1; done
	daemon_pid=""
}
cleanup() {
	stop
	mountpoint -q "$mnt" && fusermount3 -u "$mnt"
}
trap cleanup EXIT

if [ "$(id -u)" != 0 ] || [ ! -c /dev/fuse ] || ! command -v daxctl >/dev/null || ! command -v jq >/dev/null; then
	fail "needs root, /dev/fuse, daxctl (ndctl) and jq"
	exit 0
fi

# 2 GiB of soft-reserved memory at 5 GiB, above the boot RAM: hmem.0 with
# dax0.0 over it.  memhp_default_state=offline leaves kmem's blocks offline,
# so the device can go to devdax as an administrator would put it.
G=$((1 << 30)) M=$((1 << 20))
base=$((5 * G)) size=$((2 * G))
boot() {
	stop
	"$build/memhpd" --mount "$mnt" --socket "$sock" \
		--cmdline "memmap=$((size / M))M%$(printf '%#x' $base)+0xefffffff memhp_default_state=offline" || return 1
	daemon_pid=$(ctl status | sed -n 's/^pid //p')
}
if ! boot; then
	fail "memhpd boots with memmap=2048M%0x140000000+0xefffffff"
	exit 0
fi
pass "memhpd boots with memmap=2048M%0x140000000+0xefffffff"

# ---- the region dax_hmem makes ------------------------------------------------
check "/proc/iomem: Soft Reserved > dax0.0 > System RAM (kmem)" \
	"grep -A2 '^140000000-1bfffffff : Soft Reserved' '$mnt/proc/iomem' | sed 's/^ *[0-9a-f-]* : //' | tr '\n' '|' | grep -qx 'Soft Reserved|dax0.0|System RAM (kmem)|'"
json=$(daxctl list -R -r 0)
check "daxctl list -R: region 0 at /platform/hmem.0, 2G, 2M aligned" \
	"[ \"\$(jq -r '.[0] | [.path, .size, .align] | join(\" \")' <<< '$json')\" = '/platform/hmem.0 $size $((2 * M))' ]"
check "dax_region: available_size 0, seed empty, create reads empty, delete write-only" \
	"[ \"\$(sysr dax_region/available_size)|\$(sysr dax_region/seed)|\$(sysr dax_region/create)\" = '0||' ] &&
	 [ \"\$(stat -c %a $mnt/sys/devices/platform/hmem.0/dax_region/delete)\" = 200 ]"
check "dax0.0: kmem, one mapping of the whole region" \
	"[ \"\$(readlink $mnt/sys/bus/dax/devices/dax0.0/driver)\" = ../../../../bus/dax/drivers/kmem ] &&
	 [ \"\$(cat $mnt/sys/bus/dax/devices/dax0.0/mapping0/start) \$(cat $mnt/sys/bus/dax/devices/dax0.0/mapping0/end)\" = '0x140000000 0x1bfffffff' ]"
check "/sys/module/device_hmem/parameters/disable N, dax_hmem live: what daxctl-create.sh looks for" \
	"[ \"\$(cat $mnt/sys/module/device_hmem/parameters/disable) \$(cat $mnt/sys/module/dax_hmem/initstate)\" = 'N live' ]"
check "daxctl reconfigure-device -m devdax dax0.0" \
	"daxctl reconfigure-device -m devdax dax0.0 2>/dev/null | jq -e '.[0].mode == \"devdax\"' >/dev/null"

# ---- the kernel's rules, through the files --------------------------------------
errno_of() { python3 -c "import os,sys
try:
    fd = os.open(sys.argv[1], os.O_WRONLY); os.write(fd, sys.argv[2].encode()); print(0)
except OSError as e: print(e.errno)" "$@"; }
dev0=$mnt/sys/bus/dax/devices/dax0.0
check "size of a bound device: EBUSY; delete of device 0: EBUSY" \
	"[ \"\$(errno_of $dev0/size 0)\" = 16 ] && [ \"\$(errno_of $mnt/sys/devices/platform/hmem.0/dax_region/delete dax0.0)\" = 16 ]"
daxctl disable-device dax0.0 >/dev/null 2>&1
check "size: misaligned EINVAL, more than the region ENOSPC, create on a full region ENOSPC" \
	"[ \"\$(errno_of $dev0/size 4096)\" = 22 ] && [ \"\$(errno_of $dev0/size $((4 * G)))\" = 28 ] &&
	 [ \"\$(errno_of $mnt/sys/devices/platform/hmem.0/dax_region/create 1)\" = 28 ]"
echo $G > "$dev0/size"
host_had_dax01=$([ -e /dev/dax0.1 ] && echo yes || echo no)
sysw dax_region/create 1
echo $((4 * M)) > "$mnt/sys/bus/dax/devices/dax0.1/size"
check "a dax write from the host's namespace leaves the host's /dev alone (no /dev/dax0.1 made)" \
	"[ $host_had_dax01 = yes ] || [ ! -e /dev/dax0.1 ]"
echo 0 > "$mnt/sys/bus/dax/devices/dax0.1/size"
check "create: seed dax0.1 of size 0, no mapping; delete of an unknown name ENXIO" \
	"[ \"\$(sysr dax_region/seed) \$(sysr dax_region/create) \$(cat $mnt/sys/bus/dax/devices/dax0.1/size)\" = 'dax0.1 dax0.1 0' ] &&
	 [ ! -e $mnt/sys/bus/dax/devices/dax0.1/mapping0 ] && [ \"\$(errno_of $mnt/sys/devices/platform/hmem.0/dax_region/delete dax0.9)\" = 6 ]"
echo $((512 * M)) > "$mnt/sys/bus/dax/devices/dax0.1/size"
check "dax0.1 of 512M: allocated right after dax0.0's 1G" \
	"[ \"\$(cat $mnt/sys/bus/dax/devices/dax0.1/mapping0/start)\" = 0x180000000 ] && [ \"\$(sysr dax_region/available_size)\" = $((512 * M)) ]"
echo $((512 * M)) > "$dev0/size"
echo $((1536 * M)) > "$dev0/size"
check "dax0.0 shrunk to 512M then grown to 1.5G: the hole below dax0.1 in place, the rest a 2nd range at the end" \
	"[ \"\$(cat $dev0/mapping0/end) \$(cat $dev0/mapping1/start) \$(cat $dev0/mapping1/page_offset)\" = '0x17fffffff 0x1a0000000 0x40000' ]"
echo 0 > "$mnt/sys/bus/dax/devices/dax0.1/size"
echo dax0.1 > "$mnt/sys/devices/platform/hmem.0/dax_region/delete"
check "delete dax0.1: gone from the bus and from /dev" \
	"[ ! -e $mnt/sys/bus/dax/devices/dax0.1 ] && ! '$build/memhpctl' exec --mount '$mnt' -- test -e /dev/dax0.1"
echo $size > "$dev0/size" 2>/dev/null
# the freed hole sits between dax0.0's ranges: a third range, not an extension
check "dax0.0 back to the whole region: a 3rd range in dax0.1's hole, nothing available" \
	"[ \"\$(cat $dev0/size) \$(sysr dax_region/available_size) \$(cat $dev0/mapping2/start)\" = '$size 0 0x180000000' ]"

# readdir order: kernfs's (name hash, then name), which libdaxctl's device
# list and so `daxctl destroy-device all`'s result depend on
order_is_kernfs() {
	[ "$(ls -U -A "$1")" = "$(python3 "$(dirname "$0")/kernfs_order.py" $(ls -A "$1"))" ]
}
check "readdir lists /sys as kernfs does: memory blocks, a node, a dax device, its region's directory" \
	"order_is_kernfs $mnt/sys/devices/system/memory && order_is_kernfs $mnt/sys/devices/system/node/node0 &&
	 order_is_kernfs $dev0/ && order_is_kernfs $mnt/sys/devices/platform/hmem.0 &&
	 [ \"\$(ls -U $mnt/sys/devices/system/memory)\" != \"\$(ls $mnt/sys/devices/system/memory)\" ]"

# ---- ndctl v76.1's own test, unmodified ---------------------------------------------
# Inside the namespace only, a stand-in modinfo: dax_hmem is memhpd's,
# booted with the region, nothing to look up.
ndctl_tests=${NDCTL_TEST_DIR:-/work/shared/ndctl-v76.1/test}
mkdir -p "$out/bin"
printf '#!/bin/sh\n# memhp stand-in: dax_hmem is built into memhpd, booted with its hmem region\nexit 0\n' \
	> "$out/bin/modinfo"
printf '#!/bin/sh\n# memhp stand-in: the kernel log of the memhp machine\nexec %s --socket %s dmesg\n' \
	"$build/memhpctl" "$sock" > "$out/bin/journalctl"
chmod +x "$out/bin/modinfo" "$out/bin/journalctl"
# a freshly booted region 0, its device in devdax mode: the victim the test looks for
ndctl_test() {
	boot || return 1
	daxctl reconfigure-device -m devdax dax0.0 >/dev/null 2>&1 || return 1
	(cd "$ndctl_tests" && timeout 600 "$build/memhpctl" exec --mount "$mnt" -- \
		env PATH="$out/bin:$PATH" CXL="$(command -v cxl)" NDCTL="$(command -v ndctl)" \
		DAXCTL="$(command -v daxctl)" "./$1.sh") > "$out/$1.log" 2>&1
}
if [ ! -f "$ndctl_tests/daxctl-create.sh" ]; then
	fail "ndctl's tests not found in $ndctl_tests (NDCTL_TEST_DIR)"
else
	check "ndctl's daxctl-create.sh: devices created, resized, destroyed on hmem region 0, unmodified" \
		"ndctl_test daxctl-create"
fi
exit 0
