#!/bin/bash
# Integration tests: memhpd serving the kernel's files over FUSE, driven by
# the unmodified tools people use - util-linux's lsmem and chmem and the
# kernel's own memory-hotplug selftest - plus every bad input of spec
# section 1, a non-root writer, and a hostile control-socket client.
#
# usage: tests/integration/run.sh BUILD_DIR
# Prints "PASS name" / "FAIL name" lines (scripts/run-tests.sh records
# them).  Needs root and /dev/fuse, as CI has; without them every test
# FAILs rather than silently passing.  Ends by running cxl.sh, dax.sh and
# nd.sh beside it (NDCTL_TEST_DIR: see theirs).
case "${1:-}" in -h|--help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0;; esac
set -u
# an empty build would put the test trees under / : refuse it
[ -d "${1:-}" ] || { echo "usage: $0 BUILD_DIR (the directory make built into)" >&2; exit 2; }
build=$(cd "$1" && pwd)
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$build/integration
mnt=$out/mnt
sock=$out/memhpd.sock
rm -rf "$out"
mkdir -p "$mnt"

pass() { echo "PASS integration: $1"; }
fail() { echo "FAIL integration: $1"; }
check() { if eval "$2"; then pass "$1"; else fail "$1"; fi; }
ctl() { "$build/memhpctl" --socket "$sock" "$@"; }
# one request line sent as is, past memhpctl's own checks: the protocol's
raw_request_to() {
	python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(sys.argv[2].encode()+b"\n"); print(s.makefile().readline().strip())' "$1" "$2"
}
raw_request() { raw_request_to "$sock" "$1"; }

daemon_pid=""
start_daemon() {
	"$build/memhpd" --mount "$mnt" --socket "$sock" --cmdline "$1" "${@:2}" || return 1
	daemon_pid=$(ctl status | sed -n 's/^pid //p')
	[ -n "$daemon_pid" ]
}
stop_daemon() {
	[ -n "$daemon_pid" ] || return 0
	ctl shutdown >/dev/null 2>&1
	for _ in $(seq 50); do
		kill -0 "$daemon_pid" 2>/dev/null || break
		sleep 0.1
	done
	daemon_pid=""
}
cleanup() {
	stop_daemon
	mountpoint -q "$mnt" && fusermount3 -u "$mnt"
}
trap cleanup EXIT

if [ "$(id -u)" != 0 ] || [ ! -c /dev/fuse ]; then
	fail "needs root and /dev/fuse"
	exit 0
fi

# ---- 1. lsmem on memhp prints what it prints on the kernel's tree --------
# The oracle's b1 run: 1 GiB DIMM, blocks onlined one by one so that Normal
# and Movable interleave; the kernel's tree after step 10 is rebuilt from
# the recorded snapshot and both are read by the same lsmem.
kernel_json=$top/tests/oracle/kernel/b1-online-zones-mmom1.json
python3 "$top/tests/integration/oracle_tree.py" "$kernel_json" 10 "$out/kernel-tree"
if start_daemon "memory_hotplug.memmap_on_memory=1"; then
	pass "memhpd starts, daemonizes, mounts and listens"
else
	fail "memhpd starts, daemonizes, mounts and listens"
	exit 0
fi
echo offline > "$mnt/sys/devices/system/memory/auto_online_blocks"
ctl device add d1 1G >/dev/null
for step in "32 online_kernel" "39 online_movable" "34 online_movable" "37 online_kernel" \
	    "33 online" "35 online"; do
	set -- $step
	echo "$2" > "$mnt/sys/devices/system/memory/memory$1/state"
done
echo 1 > "$mnt/sys/devices/system/memory/memory36/online"
echo online_movable > "$mnt/sys/devices/system/memory/memory38/state"
for opts in "" "-o +NODE,ZONES" "--json -o +NODE,ZONES" "-a -o +NODE,ZONES" "-b --summary=only"; do
	# shellcheck disable=SC2086
	lsmem --sysroot "$out/kernel-tree" $opts > "$out/lsmem-kernel.txt" 2>&1
	# shellcheck disable=SC2086
	lsmem --sysroot "$mnt" $opts > "$out/lsmem-memhp.txt" 2>&1
	check "lsmem $opts: same output as on the kernel's tree" \
		"cmp -s '$out/lsmem-kernel.txt' '$out/lsmem-memhp.txt'"
done
grep -q "Normal/Movable\|Movable" "$out/lsmem-memhp.txt" || true

# ---- 2. the same lsmem under memhpctl exec, without --sysroot -----------
lsmem -o +NODE,ZONES --sysroot "$mnt" > "$out/lsmem-sysroot.txt"
"$build/memhpctl" exec --mount "$mnt" -- lsmem -o +NODE,ZONES > "$out/lsmem-exec.txt"
check "memhpctl exec: lsmem sees memhp as the system" "cmp -s '$out/lsmem-sysroot.txt' '$out/lsmem-exec.txt'"
"$build/memhpctl" exec --mount "$mnt" -- lsmem --json -o +NODE,ZONES > "$out/lsmem-exec.json"
check "memhpctl exec: lsmem --json" "python3 -c 'import json,sys; json.load(open(sys.argv[1]))' '$out/lsmem-exec.json'"
check "the host's own sysfs is untouched" \
	"[ \"\$(ls /sys/devices/system/memory | grep -c memory)\" = \"$(ls /sys/devices/system/memory | grep -c memory)\" ]"
code=0; "$build/memhpctl" exec --mount "$mnt" -- sh -c 'exit 7' || code=$?
check "memhpctl exec: exit status of CMD" "[ $code = 7 ]"

# ---- 3. chmem: by size and by block, exit codes 0, 1 and 64 -------------
chm() { "$build/memhpctl" exec --mount "$mnt" -- chmem "$@" >/dev/null 2>&1; echo $?; }
state() { cat "$mnt/sys/devices/system/memory/memory$1/state"; }
check "chmem -d -b 0: nothing done, exit 1" "[ $(chm -d -b 0) = 1 ]"
check "chmem -d -b 0-1: partly done, exit 64" "[ $(chm -d -b 0-1) = 64 ] && [ \$(state 1) = offline ]"
check "chmem -e -b 1: exit 0" "[ $(chm -e -b 1) = 0 ] && [ \$(state 1) = online ]"
check "chmem -d 256M: the two highest blocks, exit 0" \
	"[ $(chm -d 256M) = 0 ] && [ \$(state 39) = offline ] && [ \$(state 38) = offline ] && [ \$(state 37) = online ]"
check "chmem -e 128M: the lowest offline block, exit 0" "[ $(chm -e 128M) = 0 ] && [ \$(state 38) = online ]"
check "chmem -e -z Movable -b 39: online_movable" \
	"[ $(chm -e -z Movable -b 39) = 0 ] && [ \"\$(cat $mnt/sys/devices/system/memory/memory39/valid_zones)\" = Movable ]"

# ---- 4. bad inputs, each with the kernel's errno ------------------------
python3 "$top/tests/integration/errnos.py" "$mnt" | sed 's/^\(PASS\|FAIL\) /\1 integration: /'

# ---- 5. a non-root user may read, never write ---------------------------
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
check "non-root: reads work" "nobody cat '$mnt/sys/devices/system/memory/memory1/state' >/dev/null"
check "non-root: writes get EACCES" \
	"nobody sh -c 'exec 3>\"\$1\"' sh '$mnt/sys/devices/system/memory/memory1/state' 2>&1 | grep -q 'Permission denied'"
check "non-root: the state did not change" "[ \$(state 1) = online ]"

# ---- 6. the kernel's own selftest, unmodified ----------------------------
selftest=$out/mem-on-off-test.sh
tar -xJOf /usr/src/linux-source-6.12.tar.xz \
	linux-source-6.12/tools/testing/selftests/memory-hotplug/mem-on-off-test.sh > "$selftest" 2>/dev/null
chmod +x "$selftest"
if [ -s "$selftest" ]; then
	code=0
	# -r 50 and a seeded $RANDOM: its error-injection phase offlines random
	# blocks first, and must find some to try (with -r 10 it sometimes
	# picks none); bash seeds RANDOM from the environment
	RANDOM=4242 "$build/memhpctl" exec --mount "$mnt" -- "$selftest" -r 50 > "$out/selftest.log" 2>&1 || code=$?
	check "mem-on-off-test.sh exits 0" "[ $code = 0 ]"
	check "mem-on-off-test.sh ran its error injection part" \
		"grep -q 'Test with memory notifier error injection' '$out/selftest.log' && ! grep -q 'skip extra tests' '$out/selftest.log'"
	check "the injected MEM_GOING_ONLINE errors failed onlines" "ctl dmesg | grep -q 'online_pages .* failed'"
else
	fail "mem-on-off-test.sh from /usr/src/linux-source-6.12.tar.xz"
fi

# ---- 7. the control socket against a hostile client ---------------------
raw() { python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(20); s.connect(sys.argv[1])
s.sendall(b"x" * 5000 if sys.argv[2] == "LONG" else sys.argv[2].encode())
if sys.argv[3] == "half": s.close(); sys.exit(0)
print(s.recv(65536).decode().split("\n")[0])' "$sock" "$1" "${2:-full}"; }
check "socket: garbage gets an error line" "[ \"\$(raw \$'frobnicate\\n' | cut -d' ' -f1-2)\" = 'error EINVAL' ]"
check "socket: an over-long line gets E2BIG" "[ \"\$(raw LONG | cut -d' ' -f1-2)\" = 'error E2BIG' ]"
raw "status" half; raw "device add" half
# a client that never ends its line is dropped after 5 s, the others served
python3 -c 'import socket,sys,time; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.send(b"sta"); time.sleep(8)' "$sock" &
silent=$!
sleep 0.3
check "socket: a silent client does not block the daemon" "ctl status >/dev/null"
wait $silent
check "socket: clients vanishing mid-request do not hurt" "ctl status >/dev/null"
check "socket: a malformed device add is refused" "! ctl device add d2 12Q 2>/dev/null"
check "socket: sizes that overflow or lack a unit before iB are refused" \
	"! ctl device add d2 99999999999T 2>/dev/null && ! ctl device add d2 4iB 2>/dev/null"
check "socket: a request of more than 16 words is refused (E2BIG)" \
	"raw_request 'kill a b c d e f g h i j k l m n o p' | grep -q '^error E2BIG'"
check "socket: deleting an unknown device is refused" "! ctl device del nosuch 2>/dev/null"
check "socket: 0600" "[ \"\$(stat -c %a '$sock')\" = 600 ]"
truncate -s 256M "$out/backing.img"
check "device add --backing FILE" "ctl device add d2 256M --backing '$out/backing.img' | grep -q enabled=1"
check "device del of an online Normal DIMM is refused (EBUSY)" "! ctl device del d1 2>/dev/null"
echo offline > "$mnt/sys/devices/system/memory/memory40/state" 2>/dev/null
check "memhpctl online/offline" \
	"ctl online --zone movable 41 && [ \$(state 41) = online ] && ctl offline 41 && [ \$(state 41) = offline ]"
check "memhpctl ls" "ctl ls | grep -q '^0x0000000100000000'"
check "memhpctl stat" "ctl stat | grep -q '^MemTotal'"

# ---- 8. an interrupted writer cancels its offline (EINTR) ---------------
# memory in use in a Movable block, one page of it pinned: the offline
# retries for ever, until the writer is interrupted
ctl online --zone movable 41 >/dev/null 2>&1
ctl hog h1 8M
ctl pin h1 0
hogblock=$(( $(ctl pfn h1 0) / 32768 ))
code=0
timeout -s INT 2 sh -c "echo offline > '$mnt/sys/devices/system/memory/memory$hogblock/state'" 2>/dev/null || code=$?
check "an interrupted offline ends (EINTR), block still online" \
	"[ $code != 0 ] && [ \$(state $hogblock) = online ] && ctl dmesg | grep -q 'failed due to signal backoff'"
ctl unpin h1 0
check "unpinned, the same offline migrates and succeeds" \
	"echo offline > '$mnt/sys/devices/system/memory/memory$hogblock/state' && [ \$(state $hogblock) = offline ]"
ctl kill h1

# ---- 8b. the socket: an offline waiting on a pin holds no one else -------
# the kernel's offline waits for ever on a pinned page; the daemon must
# still serve the unpin (and everything else) meanwhile, cancel the offline
# when its client hangs up, and still stop on SIGTERM
ctl online --zone movable "$hogblock" >/dev/null 2>&1
ctl hog h2 8M
ctl pin h2 0
blk2=$(( $(ctl pfn h2 0) / 32768 ))
check "socket: pfn of an unknown user is ENOENT" "ctl pfn nosuch 0 2>&1 | grep -q ENOENT"
check "socket: a bad page index is refused" "! ctl pin h2 xyz 2>/dev/null && ! ctl pin h2 -1 2>/dev/null"
timeout -s KILL 1 "$build/memhpctl" --socket "$sock" offline "$blk2" >/dev/null 2>&1
sleep 0.3
check "socket: a client killed mid-offline cancels it, block still online" \
	"[ \$(state $blk2) = online ] && timeout 5 $build/memhpctl --socket $sock status >/dev/null"
"$build/memhpctl" --socket "$sock" offline "$blk2" >/dev/null 2>&1 &
offliner=$!
sleep 0.5
# meanwhile the block reads going-offline, as memory_block_change_state sets it
check "socket: served while an offline waits on a pin" \
	"timeout 5 $build/memhpctl --socket $sock status >/dev/null && [ \$(state $blk2) = going-offline ]"
ctl unpin h2 0
code=0
wait "$offliner" || code=$?
check "socket: unpinned through the socket, the waiting offline succeeds" \
	"[ $code = 0 ] && [ \$(state $blk2) = offline ]"
ctl kill h2

# ---- 8b'. a client that dies holding a pin gives it back -----------------
ctl online --zone movable "$blk2" >/dev/null 2>&1
ctl hog h3 8M
blk3=$(( $(ctl pfn h3 0) / 32768 ))
"$build/memhpctl" --socket "$sock" pin h3 0 --hold > "$out/hold.txt" 2>&1 &
holder=$!
for _ in $(seq 50); do grep -q pinned "$out/hold.txt" && break; sleep 0.1; done
timeout -s KILL 1 "$build/memhpctl" --socket "$sock" offline "$blk3" >/dev/null 2>&1
sleep 0.3
check "socket: a held pin stops the offline while its holder lives" "[ \$(state $blk3) = online ]"
kill -9 "$holder"
wait "$holder" 2>/dev/null
sleep 0.3
check "socket: the holder killed (-9), the pin is gone, the offline succeeds" \
	"timeout 10 $build/memhpctl --socket $sock offline $blk3 >/dev/null 2>&1 && [ \$(state $blk3) = offline ]"
ctl kill h3
# the guest's clock, which memhpd does not keep itself: each period
# decays the per-CPU lists' high (an eighth, never below their minimum)
pcp_high() { awk '$1 == "high:" { n += $2 } END { print n + 0 }' "$mnt/proc/zoneinfo"; }
high_before=$(pcp_high)
check "socket: vmstat-update lets the per-CPU lists' high decay, refuses a bad count" \
	"ctl vmstat-update 50 && [ \$(pcp_high) -le $high_before ] && ! ctl vmstat-update 86401 2>/dev/null && ! ctl vmstat-update -1 2>/dev/null && ctl audit >/dev/null"

# ---- 8b''. the daemon under injected faults --------------------------
# every fallible step of a DIMM add through the socket and of an online
# through FUSE fails in turn: each request gets an answer (ok or the
# errno), the daemon stays up and its machine passes the audit after each
fault_sweep() {	# fault_sweep NAME COMMAND...: one sweep, N = 1..40
	bad=""; failed=0
	for nth in $(seq 40); do
		ctl fault "$nth" >/dev/null 2>&1
		if ! eval "$2" > "$out/fault.txt" 2>&1 || grep -q enabled=0 "$out/fault.txt"; then
			failed=$((failed + 1))
		fi
		ctl fault 0 >/dev/null 2>&1
		ctl audit >/dev/null 2>&1 || bad="$bad $nth(audit)"
		timeout 5 cat "$mnt/proc/meminfo" >/dev/null 2>&1 || bad="$bad $nth(fuse)"
		eval "$3" >/dev/null 2>&1	# undo, if it went in
	done
	[ -z "$bad" ] || echo "fault sweep $1: failed at$bad" >&2
	check "daemon fault sweep: $1 ($failed requests failed, audit clean, daemon up)" "[ -z '$bad' ] && [ $failed -gt 0 ]"
}
fault_sweep "device add over the socket" "ctl device add fz 256M" "ctl device del fz"
fzblocks=$(ctl device add fz 256M | sed -n 's/.*blocks=\([0-9]*\)-\([0-9]*\).*/\1 \2/p')
# the DIMM's blocks go online, then it is plugged anew for the next step
fault_sweep "online through FUSE" \
	"for b in \$(seq $fzblocks); do echo online_movable > $mnt/sys/devices/system/memory/memory\$b/state; done" \
	"ctl device del fz && ctl device add fz 256M"
check "daemon fault sweep: a bad fault request is refused" "! ctl fault -1 2>/dev/null && ! ctl fault x 2>/dev/null"
# a short write is a whole write to sysfs: "onl" then "ine" are two bad
# values (EINVAL each), the block does not move, the daemon stays consistent
fzb=${fzblocks%% *}
check "FUSE: a write split in two is two writes, each refused" \
	"python3 -c 'import os,sys,errno
fd = os.open(sys.argv[1], os.O_WRONLY)
for part in (b\"onl\", b\"ine\"):
    try:
        os.write(fd, part); sys.exit(1)
    except OSError as e:
        assert e.errno == errno.EINVAL
' $mnt/sys/devices/system/memory/memory$fzb/state && [ \$(state $fzb) = offline ] && ctl audit >/dev/null"
ctl device del fz >/dev/null 2>&1

# ---- 8c. dax over the socket, its files over FUSE ----------------------
dax=$(ctl dax create cxl 256M 2>/dev/null)
daxdir="$mnt/sys/bus/dax/devices/dax0.0"
check "socket: dax create binds a CXL device to kmem" \
	"echo '$dax' | grep -q 'dev=dax0.0 .*driver=kmem' && [ \$(cat $daxdir/size) = 268435456 ] && [ \$(cat $daxdir/memmap_on_memory) = 1 ]"
# auto_online_blocks is offline here: kmem's blocks stay offline, and
# unbinding removes them
echo dax0.0 > "$mnt/sys/bus/dax/drivers/kmem/unbind"
check "FUSE: kmem unbind, then memmap_on_memory=0 is accepted" \
	"[ ! -e $mnt/sys/bus/dax/drivers/kmem/dax0.0 ] && echo 0 > $daxdir/memmap_on_memory && [ \$(cat $daxdir/memmap_on_memory) = 0 ]"
check "socket: dax destroy, the device is gone" \
	"ctl dax destroy 0 && [ ! -e $daxdir ] && ! ctl dax destroy 0 2>/dev/null"

# ---- 8d. daxctl, unmodified, drives memhp's dax devices -----------------
# memhpctl exec binds memhp's driver-core layout (bus links, the region's
# platform device, /sys/dev/char, the builtin drivers under /sys/module)
# and makes /dev/daxR.I; daxctl then lists, reconfigures and on/offlines.
dx() { "$build/memhpctl" exec --mount "$mnt" -- daxctl "$@"; }
djson() { python3 -c 'import json,sys; d=json.load(sys.stdin); d=d[0] if isinstance(d,list) else d; print(" ".join(f"{k}={d[k]}" for k in sys.argv[1:] if k in d))' "$@"; }
ddev=$(ctl dax create pmem 512M 2>/dev/null | sed -n 's/.*dev=\([^ ]*\) .*/\1/p')
dreg=${ddev#dax}; dreg=${dreg%.0}
check "daxctl list: memhp's region and its devdax device" \
	"dx list -R | djson id size align | grep -qx 'id=$dreg size=536870912 align=2097152' && dx list -D | djson chardev mode | grep -qx 'chardev=$ddev mode=devdax'"
memmap_devdax=$(sed -n 's/^nr_memmap_pages //p' "$mnt/proc/vmstat")
check "daxctl reconfigure-device --mode=system-ram: kmem, every block online movable" \
	"dx reconfigure-device --mode=system-ram $ddev 2>/dev/null | djson mode online_memblocks total_memblocks movable | grep -qx 'mode=system-ram online_memblocks=4 total_memblocks=4 movable=True' && [ \$(readlink $mnt/sys/bus/dax/devices/$ddev/driver) = ../../../../bus/dax/drivers/kmem ] && grep -q 'System RAM (kmem)' $mnt/proc/iomem"
# the device's four blocks, from its resource
dblocks() {
	local res bs first
	res=$(cat "$mnt/sys/bus/dax/devices/$ddev/resource"); bs=$((0x$(cat "$mnt/sys/devices/system/memory/block_size_bytes")))
	first=$((res / bs))
	for b in $(seq $first $((first + 3))); do cat "$mnt/sys/devices/system/memory/memory$b/$1"; done | sort -u | tr '\n' ' '
}
check "daxctl offline-memory: the device's blocks offline" \
	"dx offline-memory $ddev >/dev/null 2>&1 && [ \"\$(dblocks state)\" = 'offline ' ]"
check "daxctl online-memory: back online, movable" \
	"dx online-memory $ddev >/dev/null 2>&1 && [ \"\$(dblocks state)\" = 'online ' ] && [ \"\$(dblocks valid_zones)\" = 'Movable ' ]"
check "daxctl reconfigure-device --mode=devdax: memory removed, device_dax again" \
	"dx offline-memory $ddev >/dev/null 2>&1 && dx reconfigure-device --mode=devdax $ddev 2>/dev/null | djson mode | grep -qx 'mode=devdax' && ! grep -q 'System RAM (kmem)' $mnt/proc/iomem && [ \$(sed -n 's/^nr_memmap_pages //p' $mnt/proc/vmstat) = $memmap_devdax ]"
ctl dax destroy "$dreg" >/dev/null 2>&1

# ---- 9. memhpctl run against a daemon ----------------------------------
# run_on_daemon SCENARIO CHECKER...: SCENARIO on a fresh daemon (with
# $daemon_opts), its JSON handed to CHECKER as the last argument; the
# daemon's log is left in $out/dmesg-SCENARIO.txt
run_on_daemon() {
	scn=$1; shift
	mkdir -p "$out/mnt-$scn"
	# shellcheck disable=SC2086 # options, split on purpose
	"$build/memhpd" --mount "$out/mnt-$scn" --socket "$out/$scn.sock" --cmdline "memory_hotplug.memmap_on_memory=1" \
		${daemon_opts:-}
	"$build/memhpctl" --socket "$out/$scn.sock" run "$top/tests/oracle/scenarios/$scn.scn" --json \
		-o "$out/daemon-$scn.json" >/dev/null 2>&1
	"$@" "$out/daemon-$scn.json" >/dev/null
	rc=$?
	"$build/memhpctl" --socket "$out/$scn.sock" dmesg > "$out/dmesg-$scn.txt" 2>&1
	# shutdown answers before the daemon is gone: wait for it, the next
	# daemon on this mount would be refused while it is still stopping
	dpid=$("$build/memhpctl" --socket "$out/$scn.sock" status 2>/dev/null | sed -n 's/^pid //p')
	"$build/memhpctl" --socket "$out/$scn.sock" shutdown >/dev/null 2>&1
	for _ in $(seq 100); do
		[ -n "$dpid" ] && kill -0 "$dpid" 2>/dev/null || break
		sleep 0.1
	done
	return $rc
}
# the oracle's c1 (memory in use, offlined under it) and b1, compared with
# the kernel's runs like the in-process ones; the dax scenario's snapshot
check "memhpctl run against memhpd: c1-offline-movable-in-use conforms" \
	"run_on_daemon c1-offline-movable-in-use python3 '$top/tests/oracle/conform.py' '$top/tests/oracle/kernel/c1-movable-in-use-mmom1.json'"
# the same on 2 MiB pages: the kernel's numbers do not depend on the backing
check "memhpd --huge-pages: c1-offline-movable-in-use conforms, devices on 2 MiB pages" \
	"daemon_opts=--huge-pages run_on_daemon c1-offline-movable-in-use python3 '$top/tests/oracle/conform.py' '$top/tests/oracle/kernel/c1-movable-in-use-mmom1.json' && [ \$(grep -c 'd1 \[mem .*2 MiB pages where aligned' '$out/dmesg-c1-offline-movable-in-use.txt') -ge 1 ]"
# the runner gives memhpd the oracle guest's own processes too: the boot's
# free pages are the in-process run's (3 MiB fewer than with none)
"$build/memhpctl" run "$top/tests/oracle/scenarios/c1-offline-movable-in-use.scn" memory_hotplug.memmap_on_memory=1 \
	--json -o "$out/local-c1.json" > /dev/null 2>&1
check "memhpctl run against memhpd: the guest's user space as in process (boot free + per-CPU pages equal)" \
	"python3 - '$out/local-c1.json' '$out/daemon-c1-offline-movable-in-use.json' <<'PY'
import json, sys
local, daemon = ([(z['node'], z['zone'], z['free'] + z['pcp_count']) for z in json.load(open(f))['boot']['snapshot']['zones']]
                 for f in sys.argv[1:3])
sys.exit(local != daemon)
PY"
check "memhpctl run against memhpd: b1-online-zones conforms" \
	"run_on_daemon b1-online-zones python3 '$top/tests/oracle/conform.py' '$top/tests/oracle/kernel/b1-online-zones-mmom1.json'"
check "memhpctl run against memhpd: dax-cxl-kmem snapshot" \
	"run_on_daemon dax-cxl-kmem python3 '$top/tests/oracle/dax_snapshot.py'"
# a DIMM present at boot (--coldplug): the kernel's coldplug-normal run
coldplug_on_daemon() {
	mkdir -p "$out/mnt-coldplug"
	"$build/memhpd" --mount "$out/mnt-coldplug" --socket "$out/coldplug.sock" --coldplug d1:512M || return 1
	"$build/memhpctl" --socket "$out/coldplug.sock" run "$top/tests/oracle/scenarios/coldplug-normal.scn" \
		--json -o "$out/daemon-coldplug.json" >/dev/null 2>&1
	python3 "$top/tests/oracle/conform.py" "$top/tests/oracle/kernel/coldplug-normal.json" \
		"$out/daemon-coldplug.json" >/dev/null
	rc=$?
	"$build/memhpctl" --socket "$out/coldplug.sock" shutdown >/dev/null 2>&1
	return $rc
}
check "memhpd --coldplug: the kernel's coldplug-normal run conforms" coldplug_on_daemon

# ---- 10. SIGTERM: unmounted, socket gone --------------------------------
# with an offline waiting on a pin: the stop cancels it
ctl online --zone movable "$blk2" >/dev/null 2>&1
ctl hog h3 8M
ctl pin h3 0
"$build/memhpctl" --socket "$sock" offline $(( $(ctl pfn h3 0) / 32768 )) >/dev/null 2>&1 &
offliner=$!
sleep 0.5
kill -TERM "$daemon_pid"
wait "$offliner" 2>/dev/null
for _ in $(seq 50); do kill -0 "$daemon_pid" 2>/dev/null || break; sleep 0.1; done
daemon_pid=""
check "SIGTERM: clean exit, unmounted, socket removed" "! mountpoint -q '$mnt' && [ ! -e '$sock' ]"
# ---- 11. never the host: memhpctl exec refuses any tree not memhpd's ----
# a marker command must not run: a refused exec runs nothing at all
marker=$out/marker
exec_refused() {	# exec_refused DIR: exit non-zero, the marker absent, a reason said
	rm -f "$marker"
	"$build/memhpctl" exec --mount "$1" -- touch "$marker" 2> "$out/exec.err"
	rc=$?
	[ "$rc" != 0 ] && [ ! -e "$marker" ] && grep -q "refusing to run touch: " "$out/exec.err"
}
check "exec on a missing mount refuses and runs nothing" "exec_refused /nonexistent"
mkdir -p "$out/plain"
check "exec on a plain directory refuses and runs nothing" "exec_refused '$out/plain'"
check "exec on the host's / refuses and runs nothing" "exec_refused /"
mkdir -p "$out/fake/sys/devices/system/memory"
mount -t tmpfs memhp "$out/fake" && mkdir -p "$out/fake/sys/devices/system/memory" "$out/fake/proc"
check "exec on a tmpfs named memhp, shaped like a tree, refuses" \
	"exec_refused '$out/fake' && grep -q 'not a memhpd tree' '$out/exec.err'"
umount "$out/fake"

# ---- 12. memhpd's lifecycle: one daemon per socket and per mount --------
lmnt=$out/life-mnt; lsock=$out/life.sock
mkdir -p "$lmnt" "$out/life-mnt2"
# how many memhpd trees are mounted on $1 (mountinfo's 5th field)
memhpd_mounts() { awk -v p="$1" '$5 == p && / - fuse\.memhpd /' /proc/self/mountinfo | wc -l; }
life_pid() { "$build/memhpctl" --socket "$1" status 2>/dev/null | sed -n 's/^pid //p'; }
wait_gone() { for _ in $(seq 50); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done; return 1; }
"$build/memhpd" --mount "$lmnt" --socket "$lsock"
lpid=$(life_pid "$lsock")
ino=$(stat -c %i "$lsock")
"$build/memhpd" --mount "$out/life-mnt2" --socket "$lsock" 2> "$out/life.err"; rc=$?
check "a second memhpd on a live socket is refused; the first keeps it" \
	"[ $rc != 0 ] && grep -q 'another memhpd is running on' '$out/life.err' && [ \$(stat -c %i '$lsock') = $ino ] && [ \"\$(life_pid '$lsock')\" = '$lpid' ] && ! mountpoint -q '$out/life-mnt2'"
"$build/memhpd" --mount "$lmnt" --socket "$out/life2.sock" 2> "$out/life.err"; rc=$?
check "a second memhpd on a live mount is refused; nothing stacks" \
	"[ $rc != 0 ] && grep -q 'a live memhpd already serves its tree' '$out/life.err' && [ \$(memhpd_mounts '$lmnt') = 1 ] && [ ! -e '$out/life2.sock' ]"
echo keep > "$out/regular"
"$build/memhpd" --mount "$out/life-mnt2" --socket "$out/regular" 2> "$out/life.err"; rc=$?
check "--socket on a regular file is refused, the file kept" \
	"[ $rc != 0 ] && [ \"\$(cat '$out/regular')\" = keep ] && grep -q 'is not a socket' '$out/life.err' && ! mountpoint -q '$out/life-mnt2'"
# kill -9: a dead mount and a stale socket; exec refuses it, a restart cleans both
kill -9 "$lpid"; wait_gone "$lpid"
check "exec on a dead memhpd mount refuses and runs nothing" \
	"exec_refused '$lmnt' && grep -q 'no longer running' '$out/exec.err'"
"$build/memhpd" --mount "$lmnt" --socket "$lsock" 2> "$out/life.err"; rc=$?
lpid=$(life_pid "$lsock")
check "kill -9, then a restart succeeds and says the dead mount was cleaned, once" \
	"[ $rc = 0 ] && [ -n '$lpid' ] && [ \$(grep -c 'unmounted the dead tree a crashed memhpd left on $lmnt' '$out/life.err') = 1 ] && grep -q 'removed the stale socket' '$out/life.err' && [ \$(memhpd_mounts '$lmnt') = 1 ] && [ -r '$lmnt/proc/meminfo' ]"
# a daemon removes only its own socket: B took the path after A's was deleted
rm -f "$lsock"
"$build/memhpd" --mount "$out/life-mnt2" --socket "$lsock"
bpid=$(life_pid "$lsock")
kill -TERM "$lpid"; wait_gone "$lpid"
check "on exit a memhpd removes only the socket it created" \
	"[ -S '$lsock' ] && [ \"\$(life_pid '$lsock')\" = '$bpid' ] && ! mountpoint -q '$lmnt'"
kill -TERM "$bpid"; wait_gone "$bpid"
# systemd: Type=notify - READY=1 with the daemon's pid once mounted and listening
python3 - "$out/notify.sock" > "$out/notify.txt" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1]); s.settimeout(20)
print(s.recv(4096).decode().replace("\n", " "))
PY
listener=$!
for _ in $(seq 50); do [ -S "$out/notify.sock" ] && break; sleep 0.1; done
NOTIFY_SOCKET=$out/notify.sock "$build/memhpd" --foreground --mount "$lmnt" --socket "$lsock" &
fpid=$!
wait "$listener"
check "--foreground under systemd: READY=1 and MAINPID once mounted and listening" \
	"grep -q '^READY=1 MAINPID=$fpid ' '$out/notify.txt' && [ \"\$(life_pid '$lsock')\" = '$fpid' ]"
kill -TERM "$fpid"; wait "$fpid"
check "memhpd --help, --version: exit 0" \
	"'$build/memhpd' --help | grep -q -- '--foreground' && '$build/memhpd' --version | grep -q '^memhpd [0-9]'"
"$build/memhpd" --mount "$lmnt" --slots lots 2>/dev/null; rc1=$?
"$build/memhpd" --mount "$lmnt" --bogus 2>/dev/null; rc2=$?
"$build/memhpd" 2>/dev/null; rc3=$?
check "memhpd: a bad value, an unknown option, no --mount: exit 2, nothing mounted" \
	"[ $rc1 = 2 ] && [ $rc2 = 2 ] && [ $rc3 = 2 ] && ! mountpoint -q '$lmnt'"
# a refusal says the kernel's reason, not only its errno
"$build/memhpd" --mount "$lmnt" --socket "$lsock" --cmdline memory_hotplug.memmap_on_memory=1
echo offline > "$lmnt/sys/devices/system/memory/auto_online_blocks"
"$build/memhpctl" --socket "$lsock" device add r1 1G >/dev/null
echo online_kernel > "$lmnt/sys/devices/system/memory/memory32/state"
"$build/memhpctl" --socket "$lsock" offline 32 2> "$out/refusal.err"; rc=$?
check "an offline refused for the kernel's own allocations says so, with the kernel's line" \
	"[ $rc != 0 ] && grep -q 'EBUSY' '$out/refusal.err' && grep -q 'cannot isolate (unmovable allocations' '$out/refusal.err' && grep -q 'kernel: memory offlining \[mem 0x100200000-0x107ffffff\] failed due to failure to isolate range' '$out/refusal.err' && [ \"\$(cat $lmnt/sys/devices/system/memory/memory32/state)\" = online ]"
"$build/memhpctl" --socket "$lsock" device del r1 2> "$out/refusal.err"; rc=$?
check "an eject refused says which block could not go offline" \
	"[ $rc != 0 ] && grep -q 'so the eject was refused' '$out/refusal.err' && grep -q 'memory memory32: Offline failed' '$out/refusal.err'"
"$build/memhpctl" --socket "$lsock" shutdown >/dev/null
# shutdown answers before the daemon has unmounted: wait for it
for _ in $(seq 50); do [ "$(memhpd_mounts "$lmnt")" = 0 ] && [ ! -e "$lsock" ] && break; sleep 0.1; done

# ---- 13. one command-line grammar; failed adds leave nothing behind ------
"$build/memhpd" --mount "$lmnt" --socket "$lsock" --cmdline memory_hotplug.memmap_on_memory=1
lc() { "$build/memhpctl" --socket "$lsock" "$@"; }
echo offline > "$lmnt/sys/devices/system/memory/auto_online_blocks"
lc device add x 64M > /dev/null 2> "$out/add.err"; rc=$?
check "a DIMM the kernel cannot add: exit 1 with the reason, no slot left" \
	"[ $rc = 1 ] && grep -q 'EINVAL device_add x refused: hot-added memory must start and end on a memory block boundary' '$out/add.err' && [ -z \"\$(lc device list)\" ]"
check "the next DIMM takes the failed one's place, block-aligned" \
	"lc device add y 128M | grep -q '^addr=0x100000000 blocks=32-32 enabled=1' && lc device list | grep -q '^y addr=0x100000000 size=134217728 node=0 blocks=32-32 enabled=1'"
check "device list --json" \
	"lc device list --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[0][\"name\"]==\"y\" and d[0][\"size\"]==134217728'"
for cmd in plan demo run device online offline ls stat status dmesg hog pin unpin pfn where kill dax audit fault shutdown exec help; do
	"$build/memhpctl" "$cmd" --help > "$out/help.txt" 2>&1 || break
	grep -q "^usage: memhpctl \[--socket PATH\] $cmd" "$out/help.txt" || break
	cmd=ok
done
check "--help on every memhpctl command: its usage, exit 0" "[ $cmd = ok ]"
check "memhpctl -h, --help, help, --version" \
	"'$build/memhpctl' -h | grep -q '^  offline' && '$build/memhpctl' help | grep -q '^  device' && '$build/memhpctl' --version | grep -q '^memhpctl [0-9]'"
bad_input() {	# bad_input ARGS...: exit 2, a usage line, block 33 untouched
	before=$(cat "$lmnt/sys/devices/system/memory/memory32/state")
	lc "$@" > /dev/null 2> "$out/bad.err"
	rc=$?
	[ $rc = 2 ] && grep -q '^usage: memhpctl' "$out/bad.err" && [ "$(cat "$lmnt/sys/devices/system/memory/memory32/state")" = "$before" ]
}
check "online --zone bogus: exit 2, nothing onlined" "bad_input online --zone bogus 32"
check "an unknown command or option: exit 2" "bad_input frobnicate || [ \$? = 1 ]; bad_input online --frob 32"
check "a bad block: exit 2" "bad_input offline 32-x && bad_input offline memoryX && bad_input offline 33-32"
check "device names outside [A-Za-z0-9_.-]: exit 2" "bad_input device add ../../etc 128M && bad_input device add %n%n 128M && bad_input device add .hidden 128M"
check "a fractional size is refused by every tool" \
	"bad_input device add z 1.5G && ! '$build/memhpctl' plan --mem 1.5G dimm:1G >/dev/null 2>&1 && ! '$build/memhpd' --mount '$out/life-mnt2' --mem 1.5G 2>/dev/null"
check "the socket refuses a bad name too (EINVAL, with the reason)" \
	"raw_request_to '$lsock' 'device add ../../etc 134217728' | grep -q '^error EINVAL invalid device name'"
lc online --zone movable 32 && echo offline > /dev/null
check "block ranges: online --zone movable 32, offline 32-32" \
	"[ \"\$(cat $lmnt/sys/devices/system/memory/memory32/state)\" = online ] && lc offline 32-32 && [ \"\$(cat $lmnt/sys/devices/system/memory/memory32/state)\" = offline ]"
# a client that sends a byte every 3 s is cut off at the request deadline
python3 - "$lsock" > "$out/slow.txt" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); t = time.time()
try:
    for c in b"status":
        s.sendall(bytes([c])); time.sleep(3)
except OSError:
    pass
print("%.0f %s" % (time.time() - t, s.makefile().readline().strip()))
PY
check "a slow client is cut off within the request deadline (10 s)" \
	"awk '{exit !(\$1 <= 13 && \$2 == \"error\" && \$3 == \"ETIMEDOUT\")}' '$out/slow.txt'"
printf 'mem 1G\nhotadd d1 128M\nfrobnicate 3\n' > "$out/bad.scn"
"$build/memhpctl" run "$out/bad.scn" > /dev/null 2> "$out/scn.err"; rc=$?
check "an unknown scenario verb is an error with its line" \
	"[ $rc = 2 ] && grep -q 'bad.scn:3: unknown verb .frobnicate.' '$out/scn.err'"
# a hog's page tables: its mapping's PTE pages (one per 2 MiB) and PMD
# page (one per GiB) are the kernel's own unmovable pages, taken from the
# kernel zones while its memory fills ZONE_MOVABLE, and given back at exit
printf 'mem 1G\nauto_online online_movable\nhotadd d1 512M\nhog anon 256 as H\nkill H\n' > "$out/pgtables.scn"
"$build/memhpctl" run "$out/pgtables.scn" --no-guest-processes --json -o "$out/pgtables.json" > /dev/null 2>&1
check "memhpctl run: a 256 MiB hog's page tables are 129 pages of the kernel zones, freed at its kill" \
	"python3 - '$out/pgtables.json' <<'PY'
import json, sys
steps = json.load(open(sys.argv[1]))['steps']
def used(step, movable):
    return sum(z['managed'] - z['free'] - z['pcp_count'] for z in step['snapshot']['zones']
               if (z['zone'] == 'Movable') == movable)
added, hog, killed = steps[1], steps[2], steps[3]
sys.exit(not (used(hog, False) - used(added, False) == 128 + 1 and
              used(hog, True) - used(added, True) == 65536 and
              used(killed, False) == used(added, False) and used(killed, True) == used(added, True)))
PY"
# an eject whose offline can never finish: node 0's Movable DIMM holds a
# 200 MiB hog and node 1, the only other node with memory, has less than
# that free, so do_migrate_range finds no target and offline_pages retries
# for ever, as the kernel's ACPI eject does.  The oracle waits timeout=S
# and prints it as Python prints a float; memhp's eject stops there and
# fails as the kernel's failed eject does: its blocks online, as they were
printf 'mem 1G\nnuma 896M 128M\nauto_online online_movable\nhotadd d1 256M node=0\nhog anon 200 as H\nremove d1 timeout=2\n' \
	> "$out/eject-hang.scn"
timeout 60 "$build/memhpctl" run "$out/eject-hang.scn" --no-guest-processes --json -o "$out/eject-hang.json" > /dev/null 2>&1
check "memhpctl run: remove timeout=S reports the oracle's timeout and leaves the DIMM as it was" \
	"python3 - '$out/eject-hang.json' <<'PY'
import json, sys
steps = json.load(open(sys.argv[1]))['steps']
hog, rm = steps[2]['snapshot'], steps[3]
blocks = lambda s: {b: v['state'] for b, v in s['memory']['blocks'].items()}
zones = lambda s: [(z['node'], z['zone'], z['managed'], z.get('present')) for z in s['zones']]
sys.exit(not (rm['action']['result'] == 'timeout (no DEVICE_DELETED / failing _OST within 2.0s)' and
              blocks(rm['snapshot']) == blocks(hog) and blocks(hog)['32'] == blocks(hog)['33'] == 'online' and
              zones(rm['snapshot']) == zones(hog) and
              rm['snapshot']['meminfo']['MemTotal'] == hog['meminfo']['MemTotal']))
PY"
timeout 60 "$build/memhpctl" run "$out/eject-hang.scn" --no-guest-processes > "$out/eject-hang.txt" 2>&1
check "memhpctl run: a timed-out remove's text says what its JSON says" \
	"python3 '$top/tests/integration/text_parity.py' '$out/eject-hang.json' '$out/eject-hang.txt'"
# a refusal that comes at once (a pipe's unmovable buffers in the DIMM's
# Normal block) is the _OST's DEVICE_BUSY, however long timeout=S is
printf 'mem 1G\nauto_online online_kernel\nhotadd d1 256M\nhog pipe 8 as P\nremove d1 timeout=60\n' > "$out/eject-busy.scn"
timeout 60 "$build/memhpctl" run "$out/eject-busy.scn" --no-guest-processes --json -o "$out/eject-busy.json" > /dev/null 2>&1
check "memhpctl run: a remove refused at once is rejected, not a timeout" \
	"python3 -c 'import json,sys; a=json.load(open(sys.argv[1]))[\"steps\"][3][\"action\"]; sys.exit(not (a[\"result\"] == \"rejected\" and a[\"ost_status\"] == 130))' '$out/eject-busy.json'"
# the guest's clock: a `sleep` lets vmstat_update decay the lists a kill
# filled (the machine alone: the guest's processes' copy-on-write pages,
# freed at each step, would drain a batch of their own)
printf 'mem 1G\nauto_online online_movable\nhotadd d1 256M\nhog anon 64 as H\nkill H\nsleep 4\n' > "$out/clock.scn"
"$build/memhpctl" run "$out/clock.scn" --no-guest-processes --json -o "$out/clock.json" > /dev/null 2>&1
check "memhpctl run: sleep 4 is 4 or 5 vmstat periods of decay_pcp_high on the lists a kill filled" \
	"python3 - '$out/clock.json' <<'PY'
import json, sys
steps = json.load(open(sys.argv[1]))['steps']
def movable(step):
    return next(z for z in step['snapshot']['zones'] if z['zone'] == 'Movable' and z['managed'])
k, s = movable(steps[3]), movable(steps[4])
batch, high, count = k['pcp_batch'], k['pcp_high'], k['pcp_count']
high_min = max(k['low'], batch * 4)
seen = []
for period in range(6):
    seen.append((high, count))
    high = max(count - (batch << 5), high - (high >> 3), high_min)
    count = min(count, high)
sys.exit(not (k['pcp_count'] > 1000 and (s['pcp_high'], s['pcp_count']) in seen[4:6]))
PY"
lc shutdown > /dev/null

# ---- uevents: memhpctl monitor, and a distribution's udev rule onlining a DIMM ----
usock=$out/uevent.sock umnt=$out/uevent-mnt
mkdir -p "$umnt"
"$build/memhpd" --mount "$umnt" --socket "$usock" --cmdline "memhp_default_state=offline memory_hotplug.memmap_on_memory=1"
printf '%s\n' '# the rule distributions ship to online hot-added memory' \
	'SUBSYSTEM=="memory", ACTION=="add", ATTR{state}=="offline", ATTR{state}="online"' > "$out/40-memory.rules"
"$build/memhpctl" --socket "$usock" monitor --count 8 --timeout 30 > "$out/monitor.txt" 2> "$out/monitor.err" &
mpid=$!
"$build/memhpctl" --socket "$usock" udev --count 4 --timeout 30 "$out/40-memory.rules" > "$out/udev.txt" 2> "$out/udev.err" &
upid=$!
for _ in $(seq 100); do
	grep -q listening "$out/monitor.err" && grep -q listening "$out/udev.err" && break
	sleep 0.1
done
"$build/memhpctl" --socket "$usock" device add u1 512M > /dev/null
wait $upid; urc=$?
wait $mpid; mrc=$?
seq0=$(sed -n 's/^listening from SEQNUM //p' "$out/monitor.err")
printf 'add@/devices/system/memory/memory32\nACTION=add\nDEVPATH=/devices/system/memory/memory32\nSUBSYSTEM=memory\nSEQNUM=%s\n\n' \
	$((seq0 + 1)) > "$out/monitor-first.txt"
check "memhpctl monitor: the hot-add's uevents in the kernel's format, adds then onlines" \
	"[ $mrc = 0 ] && head -6 '$out/monitor.txt' | cmp -s - '$out/monitor-first.txt' && [ \"\$(grep '@' '$out/monitor.txt' | tr '\n' ' ')\" = 'add@/devices/system/memory/memory32 add@/devices/system/memory/memory33 add@/devices/system/memory/memory34 add@/devices/system/memory/memory35 online@/devices/system/memory/memory32 online@/devices/system/memory/memory33 online@/devices/system/memory/memory34 online@/devices/system/memory/memory35 ' ]"
blocks_online() {
	for b in "$@"; do [ "$(cat "$umnt/sys/devices/system/memory/memory$b/state")" = online ] || return 1; done
}
check "memhpctl udev: the distribution rule onlines every block of a hot-added DIMM" \
	"[ $urc = 0 ] && [ \$(grep -c 'ATTR{state}=\"online\" on /devices/system/memory/memory3[2-5]: ok' '$out/udev.txt') = 4 ] && blocks_online 32 33 34 35"
"$build/memhpctl" --socket "$usock" shutdown > /dev/null

# ---- CXL: the cxl_test topology read by ndctl's cxl (tests/integration/cxl.sh) ----
bash "$top/tests/integration/cxl.sh" "$build"

# ---- dynamic dax: an hmem region partitioned by daxctl (tests/integration/dax.sh) ----
bash "$top/tests/integration/dax.sh" "$build"

# ---- nd: the NFIT's and e820's buses read by ndctl (tests/integration/nd.sh) ----
bash "$top/tests/integration/nd.sh" "$build"
exit 0
