#!/bin/bash
# CXL integration tests: memhpd --cxl-topology cxl_test read by the
# unmodified cxl(1) of ndctl under memhpctl exec, every expected value
# derived from the kernel's tools/testing/cxl/test/{cxl,mem}.c (Linux 6.12).
#
# usage: tests/integration/cxl.sh BUILD_DIR   (as root, /dev/fuse, cxl and jq)
# NDCTL_TEST_DIR: ndctl v76.1's test/ directory, whose scripts it runs
# (default /work/shared/ndctl-v76.1/test).
# Prints "PASS integration: cxl ..." / "FAIL integration: cxl ..." lines.
case "${1:-}" in -h|--help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0;; esac
set -u
# an empty build would put the test trees under / : refuse it
[ -d "${1:-}" ] || { echo "usage: $0 BUILD_DIR (the directory make built into)" >&2; exit 2; }
build=$(cd "$1" && pwd)
out=$build/integration-cxl
mnt=$out/mnt
sock=$out/memhpd.sock
rm -rf "$out"
mkdir -p "$mnt"

pass() { echo "PASS integration: cxl: $1"; }
fail() { echo "FAIL integration: cxl: $1"; }
check() { if eval "$2"; then pass "$1"; else fail "$1"; fi; }
ctl() { "$build/memhpctl" --socket "$sock" "$@"; }
cxl() { "$build/memhpctl" exec --mount "$mnt" -- cxl "$@"; }

daemon_pid=""
cleanup() {
	if [ -n "$daemon_pid" ]; then
		ctl shutdown >/dev/null 2>&1
		for _ in $(seq 50); do kill -0 "$daemon_pid" 2>/dev/null || break; sleep 0.1; done
	fi
	mountpoint -q "$mnt" && fusermount3 -u "$mnt"
}
trap cleanup EXIT

if [ "$(id -u)" != 0 ] || [ ! -c /dev/fuse ] || ! command -v cxl >/dev/null || ! command -v jq >/dev/null; then
	fail "needs root, /dev/fuse, cxl (ndctl) and jq"
	exit 0
fi

# ---- the numbers of cxl_test ------------------------------------------------
# NR_CXL_HOST_BRIDGES 2 + NR_CXL_SINGLE_HOST 1 CXL 2.0 bridges with ports,
# NR_CXL_ROOT_PORTS 2 per multi bridge, 1 on the single one, a switch per
# root port with NR_CXL_SWITCH_PORTS 2 memdevs; one RCH with one RCD.
G=$((1 << 30)) M=$((1 << 20))
nr_bridges=3
nr_memdevs=$((2 * 2 * 2 + 1 * 2 + 1))
# mem.c: DEV_SIZE 2G split in half (mock_partition_info); the RCD all volatile
half=$((G))
# cxl.c, CFMWS 0-5 (modulo): window_size, targets, restrictions
root_sizes="$((4 * 256 * M)) $((8 * 256 * M)) $((4 * 256 * M)) $((8 * 256 * M)) $((4 * 256 * M)) $((256 * M))"
root_targets="1 2 1 2 1 1"
root_ram="true true false false false true"

if ! "$build/memhpd" --mount "$mnt" --socket "$sock" --cxl-topology cxl_test; then
	fail "memhpd --cxl-topology cxl_test starts"
	exit 0
fi
daemon_pid=$(ctl status | sed -n 's/^pid //p')
pass "memhpd --cxl-topology cxl_test starts"

# ---- the bus, the host bridges, their root ports and switches ---------------
check "cxl list -b cxl_test: one bus, provider cxl_test" \
	"[ \"\$(cxl list -b cxl_test | jq -r 'length, .[0].provider' | tr '\n' ' ')\" = '1 cxl_test ' ]"
json=$(cxl list -b cxl_test -BP)
check "cxl list -BP: $nr_bridges host bridge ports under the root" \
	"[ \"\$(jq '.[0][\"ports:root0\"] | length' <<< '$json')\" = $nr_bridges ]"
check "cxl list -BT: the root's dports are the 4 host bridges, ids their _UID" \
	"[ \"\$(cxl list -BT | jq -c '[.[0].dports[].id] | sort')\" = '[0,1,2,3]' ]"
dports_of() { cxl list -b cxl_test -T -p "$1" | jq '.[0].dports | length'; }
switches_of() { cxl list -b cxl_test -P -p "$1" | jq ".[0][\"ports:$1\"] | length"; }
bridge_by_host() { jq -r ".[0][\"ports:root0\"][] | select(.host == \"$1\") | .port" <<< "$json"; }
b0=$(bridge_by_host cxl_host_bridge.0) b1=$(bridge_by_host cxl_host_bridge.1) b2=$(bridge_by_host cxl_host_bridge.2)
check "root ports per bridge: 2, 2, 1" \
	"[ \"\$(dports_of $b0) \$(dports_of $b1) \$(dports_of $b2)\" = '2 2 1' ]"
check "switches per bridge: 2, 2, 1" \
	"[ \"\$(switches_of $b0) \$(switches_of $b1) \$(switches_of $b2)\" = '2 2 1' ]"

# ---- memdevs -------------------------------------------------------------------
json=$(cxl list -M)
check "cxl list -M: $nr_memdevs memdevs, serials 0-10 (the platform ids)" \
	"[ \"\$(jq -c '[.[].serial] | sort' <<< '$json')\" = '[0,1,2,3,4,5,6,7,8,9,10]' ]"
check "cxl list -M: 10 of 1G pmem + 1G ram, the RCD 2G ram only" \
	"[ \"\$(jq '[.[] | select(.pmem_size == $half and .ram_size == $half)] | length' <<< '$json')\" = 10 ] &&
	 [ \"\$(jq -r '.[] | select(.serial == 10) | [.ram_size, (.pmem_size // 0), .host] | join(\" \")' <<< '$json')\" = '$((2 * G)) 0 cxl_rcd.10' ]"
check "cxl list -M: NUMA node = platform id % 2" \
	"[ \"\$(jq '[.[] | select(.numa_node != .serial % 2)] | length' <<< '$json')\" = 0 ]"
check "mem0 and mem1 share the first switch of host bridge 0 (cxl_mem.0, cxl_mem.4)" \
	"[ \"\$(cxl list -M -m mem0,mem1 | jq -r '[.[].host] | sort | join(\" \")')\" = 'cxl_mem.0 cxl_mem.4' ] &&
	 [ \"\$(cxl list -M -p $b0 | jq length)\" = 4 ]"

# ---- endpoints: one per memdev, the RCD's on the root --------------------------
json=$(cxl list -E)
check "cxl list -E: an endpoint per memdev" \
	"[ \"\$(jq '[.. | objects | select(has(\"endpoint\"))] | length' <<< '$json')\" = $nr_memdevs ]"

# ---- decoders: the root's CFMWS windows, 8 HDM decoders everywhere else -------
json=$(cxl list -D -d root)
check "cxl list -D -d root: sizes of CFMWS 0-5" \
	"[ \"\$(jq -r 'sort_by(.decoder | .[9:] | tonumber) | map(.size) | join(\" \")' <<< '$json')\" = '$root_sizes' ]"
check "cxl list -D -d root: targets of CFMWS 0-5" \
	"[ \"\$(jq -r 'sort_by(.decoder | .[9:] | tonumber) | map(.nr_targets) | join(\" \")' <<< '$json')\" = '$root_targets' ]"
check "cxl list -D -d root: volatile (ram) or pmem capable as restricted" \
	"[ \"\$(jq -r 'sort_by(.decoder | .[9:] | tonumber) | map(.volatile_capable // false) | join(\" \")' <<< '$json')\" = '$root_ram' ] &&
	 [ \"\$(jq '[.[] | select((.volatile_capable // false) == (.pmem_capable // false))] | length' <<< '$json')\" = 0 ]"
# (cxl list prints a granularity only for more than one way)
check "cxl list -D -d root: a way per target, 4096-byte granularity" \
	"[ \"\$(jq '[.[] | select(.interleave_ways != .nr_targets or (.interleave_granularity // 4096) != 4096)] | length' <<< '$json')\" = 0 ] &&
	 [ \"\$(jq '[.[] | select(.interleave_granularity == 4096)] | length' <<< '$json')\" = 2 ]"
nr_ports=$((nr_bridges + 5))
# a decoder without a range is idle: only -i lists it
check "cxl list -D -i: 8 decoders per port ($nr_ports) and per endpoint ($nr_memdevs)" \
	"[ \"\$(cxl list -D -i -d switch | jq length) \$(cxl list -D -i -d endpoint | jq length)\" = '$((8 * nr_ports)) $((8 * nr_memdevs))' ]"
check "cxl list -D -T: a root decoder's targets are host bridges" \
	"[ \"\$(cxl list -D -T -d decoder0.1 | jq -r '[.[0].targets[].target] | sort | join(\" \")')\" = 'cxl_host_bridge.0 cxl_host_bridge.1' ]"
# mock_init_hdm_decoder: decoder 0 of cxl_mem.0 and .4 committed, 512M x2 at window 0's base
json=$(cxl list -R -T)
check "cxl list -R: cxl_test's auto region0, 512M, 2 x 4096, committed, mem0 and mem1" \
	"[ \"\$(jq -r '.[0] | [.region, .size, .interleave_ways, .interleave_granularity, .decode_state] | join(\" \")' <<< '$json')\" = 'region0 $((512 * M)) 2 4096 commit' ] &&
	 [ \"\$(jq -r '[.[0].mappings[].memdev] | sort | join(\" \")' <<< '$json')\" = 'mem0 mem1' ]"
check "cxl list -D: the root decoders and the auto region's committed decoders" \
	"[ \"\$(cxl list -D | jq -r '[.. | objects | select(has(\"decoder\")) | .decoder] | sort | join(\" \")')\" = 'decoder0.0 decoder0.1 decoder0.2 decoder0.3 decoder0.4 decoder0.5 decoder1.0 decoder4.0 decoder5.0 decoder6.0' ]"
check "cxl list -M -D -R -T -vvv: parses" "cxl list -M -D -R -T -vvv | jq -e 'length > 0' > /dev/null"
check "/dev/cxl/memN: a node per memdev with memN's dev numbers" \
	"[ \"\$('$build/memhpctl' exec --mount '$mnt' -- sh -c 'stat -c %t:%T /dev/cxl/mem3')\" = \"\$(printf '%x:%x' \$(cat $mnt/sys/bus/cxl/devices/mem3/dev | tr : ' '))\" ]"
check "the host's /sys/bus is untouched" "[ \"\$(ls /sys/bus | tr '\n' ' ')\" = '$(ls /sys/bus | tr '\n' ' ')' ]"

# ---- a second 2-way ram region of mem0 and mem1 under decoder0.0 ------------------
# ndctl 76.1's create-region makes pmem regions only, as on a real kernel:
out_cr=$(cxl create-region -m -d decoder0.0 -w 2 -g 4096 mem0 mem1 2>&1)
check "cxl 76.1 create-region -d decoder0.0 (a ram window): refused as on the kernel" \
	"grep -q 'decoder0.0 is not pmem capable' <<< '$out_cr' && [ \"\$(cxl list -R | jq length)\" = 1 ]"
# so the ram region is programmed as newer cxl-cli does, through sysfs
restart() {
	ctl shutdown >/dev/null 2>&1
	for _ in $(seq 50); do kill -0 "$daemon_pid" 2>/dev/null || break; sleep 0.1; done
	"$build/memhpd" --mount "$mnt" --socket "$sock" --cxl-topology cxl_test --cmdline "$1" || return 1
	daemon_pid=$(ctl status | sed -n 's/^pid //p')
}
restart "memory_hotplug.memmap_on_memory=1 memhp_default_state=online_movable"
sysw() { echo "$2" > "$mnt/sys/bus/cxl/devices/$1"; }
meminfo() { awk -v k="$1:" '$1 == k { print $2 }' "$mnt/proc/meminfo"; }
total0=$(meminfo MemTotal)
movable() { awk '/^Node 0, zone +Movable/ { z = 1 } z && /present/ { p = $2 } z && /managed/ { print p, $2; exit }' "$mnt/proc/zoneinfo"; }
read -r present0 managed0 <<< "$(movable)"
cp "$mnt/proc/iomem" "$out/iomem.before"
region=$(cat "$mnt/sys/bus/cxl/devices/decoder0.0/create_ram_region")
ok=1
sysw decoder0.0/create_ram_region "$region" && sysw "$region/interleave_granularity" 4096 &&
	sysw "$region/interleave_ways" 2 && sysw "$region/size" $((512 * M)) || ok=0
pos=0
for mem in mem0 mem1; do
	# the memdev's endpoint: the port whose uport is the memdev; its first free decoder
	ep=$(cxl list -E -m "$mem" | jq -r '.. | objects | select(has("endpoint")) | .endpoint')
	dec=$(cxl list -D -i -d endpoint | jq -r "map(select(.decoder | startswith(\"decoder${ep#endpoint}.\")) |
		select((.size // 0) == 0)) | sort_by(.decoder) | .[0].decoder")
	sysw "$dec/mode" ram && sysw "$dec/dpa_size" $((256 * M)) && sysw "$region/target$pos" "$dec" || ok=0
	pos=$((pos + 1))
done
sysw "$region/commit" 1 && echo "$region" > "$mnt/sys/bus/cxl/drivers/cxl_region/bind" || ok=0
check "ram $region: created, 2 targets, committed, bound to cxl_region" "[ $ok = 1 ]"
json=$(cxl list -R -r "$region")
check "cxl list -R: $region, 512M at 2 ways x 4096, committed, mem0 and mem1" \
	"[ \"\$(jq -r '.[0] | [.size, .interleave_ways, .interleave_granularity, .decode_state] | join(\" \")' <<< '$json')\" = '$((512 * M)) 2 4096 commit' ] &&
	 [ \"\$(cxl list -R -r $region -T | jq -r '[.[0].mappings[].memdev] | sort | join(\" \")')\" = 'mem0 mem1' ]"
daxdev=dax${region#region}.0	# dax_cxl names the dax region after the region
dax=$("$build/memhpctl" exec --mount "$mnt" -- daxctl list -M -d "$daxdev")
check "daxctl: $daxdev a system-ram device, 4 of 4 blocks online" \
	"[ \"\$(jq -r '.[0] | [.mode, .online_memblocks, .total_memblocks, .size] | join(\" \")' <<< '$dax')\" = 'system-ram 4 4 $((512 * M))' ]"
# devm_cxl_add_dax_region + cxl_dax_region_probe: alloc_dax_region on dax_regionN, under regionN
id=${region#region}
check "daxctl list -R: dax region $id at .../$region/dax_region$id (cxl_dax_region's device), its driver cxl_dax_region" \
	"\"$build/memhpctl\" exec --mount '$mnt' -- daxctl list -R -r $id | jq -er '.[0].path' | grep -q '^/platform/cxl_acpi.0/root0/decoder0.0/$region/dax_region$id\$' &&
	 [ \"\$(basename \$(readlink $mnt/sys/bus/cxl/devices/dax_region$id/driver))\" = cxl_dax_region ] &&
	 [ \"\$(cat $mnt/sys/bus/cxl/devices/dax_region$id/modalias)\" = cxl:t8 ] &&
	 [ \"\$(readlink $mnt/sys/bus/dax/devices/$daxdev)\" = ../../../devices/platform/cxl_acpi.0/root0/decoder0.0/$region/dax_region$id/$daxdev ] &&
	 [ \"\$(readlink $mnt/sys/bus/dax/devices/$daxdev/subsystem)\" = ../../../../../../../../bus/dax ] &&
	 [ ! -e $mnt/sys/devices/platform/dax_region.$id ]"
check "MemTotal grew by 512M minus the memmap (4 blocks x 2M)" \
	"[ \$((\$(meminfo MemTotal) - $total0)) = $(((512 - 8) * 1024)) ]"
# the region went to the Movable zone: its unmanaged pages there are the memmap on it
read -r present1 managed1 <<< "$(movable)"
check "the memmap sits on the region: 512 pages per block present but not managed" \
	"[ $((present1 - present0)) = 131072 ] && [ $((managed1 - managed0)) = 129024 ]"
check "/proc/iomem: CXL Window 0 > $region > $daxdev > System RAM (kmem)" \
	"sed -n '/CXL Window 0\$/,/CXL Window 1\$/p' '$mnt/proc/iomem' | sed 's/^ *[0-9a-f-]* : //' | tr '\n' '|' | grep -q '|$region|$daxdev|System RAM (kmem)|'"
# destroy, in reverse
"$build/memhpctl" exec --mount "$mnt" -- daxctl offline-memory "$daxdev" >/dev/null 2>&1
ok=1
echo "$region" > "$mnt/sys/bus/cxl/drivers/cxl_region/unbind" && sysw "$region/commit" 0 || ok=0
for pos in 1 0; do
	dec=$(cat "$mnt/sys/bus/cxl/devices/$region/target$pos")
	sysw "$region/target$pos" "" && sysw "$dec/dpa_size" 0 || ok=0
done
sysw decoder0.0/delete_region "$region" || ok=0
check "destroy: offline, unbind, reset, detach, free DPA, delete" "[ $ok = 1 ]"
check "destroy returns everything: MemTotal, /proc/iomem, only region0 and dax0.0 left" \
	"[ \"\$(meminfo MemTotal)\" = $total0 ] && diff '$out/iomem.before' '$mnt/proc/iomem' &&
	 [ \"\$(cxl list -R | jq -r '[.[].region] | join(\" \")')\" = region0 ] && [ \"\$(ls $mnt/sys/bus/dax/devices)\" = dax0.0 ] &&
	 [ ! -e $mnt/sys/bus/cxl/devices/dax_region$id ] && [ \"\$(ls $mnt/sys/bus/cxl/drivers/cxl_dax_region)\" = dax_region0 ]"

# ---- a pmem region, as cxl create-region makes it: libnvdimm's side ----------------
# decoder0.4 (CFMWS 4) is 1G over host bridge 2 alone; mem8 is below it
cp "$mnt/proc/iomem" "$out/iomem.before"
preg=$(cxl create-region -d decoder0.4 -m mem8 2>/dev/null | jq -r .region)
json=$(cxl list -R -r "$preg" -T)
check "cxl create-region -d decoder0.4 -m mem8: $preg, 1G x1 pmem, committed and enabled, mem8's decoder17.0 at DPA 1G" \
	"[ \"\$(jq -r '.[0] | [.size, .interleave_ways, .decode_state, .state // \"enabled\", .mappings[0].memdev, .mappings[0].decoder] | join(\" \")' <<< '$json')\" = '$G 1 commit enabled mem8 decoder17.0' ] &&
	 [ \"\$(cat $mnt/sys/bus/cxl/devices/decoder17.0/dpa_resource)\" = 0x40000000 ]"
check "$preg bound: pmem_${preg} bound to cxl_pmem_region, the bridge and mem8's pmem8 bound" \
	"[ \"\$(basename \$(readlink $mnt/sys/bus/cxl/devices/pmem_$preg/driver))\" = cxl_pmem_region ] &&
	 [ \"\$(cat $mnt/sys/bus/cxl/devices/pmem_$preg/devtype)\" = cxl_pmem_region ] &&
	 [ \"\$(basename \$(readlink $mnt/sys/bus/cxl/devices/nvdimm-bridge0/driver))\" = cxl_nvdimm_bridge ] &&
	 [ \"\$(basename \$(readlink $mnt/sys/devices/platform/cxl_host_bridge.2/cxl_root_port.4/cxl_switch_uport.4/cxl_switch_dport.8/cxl_mem.8/mem8/pmem8/driver))\" = cxl_nvdimm ]"
check "/proc/iomem: Persistent Memory > CXL Window 4 > $preg (insert_resource over a whole window)" \
	"grep -A2 'Persistent Memory\$' '$mnt/proc/iomem' | sed 's/^ *[0-9a-f-]* : //' | tr '\n' '|' | grep -q '^Persistent Memory|CXL Window 4|$preg|\$'"
cxl disable-region "$preg" >/dev/null 2>&1
check "cxl disable-region $preg: pmem_$preg gone, Persistent Memory gone" \
	"[ ! -e $mnt/sys/bus/cxl/devices/pmem_$preg ] && ! grep -q 'Persistent Memory' '$mnt/proc/iomem'"
cxl destroy-region -f "$preg" >/dev/null 2>&1
check "cxl destroy-region $preg: /proc/iomem and the regions as before" \
	"diff '$out/iomem.before' '$mnt/proc/iomem' && [ \"\$(cxl list -R | jq -r '[.[].region] | join(\" \")')\" = region0 ]"

# ---- ndctl v76.1's own tests, unmodified ----------------------------------------
# Each on a freshly booted cxl_test topology.  Inside the namespace only,
# stand-ins: modprobe (cxl_test is the memhpd just started, nothing to
# load or unload) and journalctl (the machine's kernel log, memhpctl dmesg).
ndctl_tests=${NDCTL_TEST_DIR:-/work/shared/ndctl-v76.1/test}
mkdir -p "$out/bin"
printf '#!/bin/sh\n# memhp stand-in: cxl_test is memhpd --cxl-topology cxl_test, booted for this run\nexit 0\n' \
	> "$out/bin/modprobe"
printf '#!/bin/sh\n# memhp stand-in: the kernel log of the memhp machine\nexec %s --socket %s dmesg\n' \
	"$build/memhpctl" "$sock" > "$out/bin/journalctl"
chmod +x "$out/bin/modprobe" "$out/bin/journalctl"
ndctl_test() {
	restart "" || return 1
	(cd "$ndctl_tests" && timeout 600 "$build/memhpctl" exec --mount "$mnt" -- \
		env PATH="$out/bin:$PATH" CXL="$(command -v cxl)" NDCTL="$(command -v ndctl)" \
		DAXCTL="$(command -v daxctl)" "./$1.sh") > "$out/$1.log" 2>&1
}
if [ ! -f "$ndctl_tests/cxl-region-sysfs.sh" ]; then
	fail "ndctl's tests not found in $ndctl_tests (NDCTL_TEST_DIR)"
else
	check "ndctl's cxl-region-sysfs.sh: an 8-way pmem region's decoders, unmodified" \
		"ndctl_test cxl-region-sysfs"
	check "ndctl's cxl-topology.sh: the topology, memdevs and ports disabled and enabled, the bus disabled, unmodified" \
		"ndctl_test cxl-topology"
	check "ndctl's cxl-create-region.sh: x1 pmem regions per memdev (disable, enable, destroy, again), 256M sub-regions destroyed in reverse, no Call Trace, unmodified" \
		"ndctl_test cxl-create-region"
fi
exit 0
