#!/bin/bash
# libmemhp-preload.so: a running program's heap on memhp memory, and the
# DIMMs under it removed while it runs (tests/live/heap_user.c: writer
# threads, system calls writing into the heap, munmap/madvise/mremap/
# MAP_FIXED reshaping, every word checked at the end).
#
# usage: tests/integration/preload.sh BUILD_DIR
# Prints "PASS name" / "FAIL name" lines.
case "${1:-}" in -h|--help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0;; esac
set -u
# an empty build would put the test trees under / : refuse it
[ -d "${1:-}" ] || { echo "usage: $0 BUILD_DIR (the directory make built into)" >&2; exit 2; }
build=$(cd "$1" && pwd)
out=$build/preload-test
rm -rf "$out"
mkdir -p "$out"
pass() { echo "PASS preload: $1"; }
fail() { echo "FAIL preload: $1"; }
check() { if eval "$2"; then pass "$1"; else fail "$1"; fi; }
sock=$out/heap.sock
ctl() { "$build/memhpctl" --socket "$sock" "$@"; }
raw() { python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(sys.argv[2].encode()+b"\n"); f=s.makefile(); h=f.readline().split(); n=int(h[1]) if h[0]=="ok" else 0; sys.stdout.write(f.read(n) if n else " ".join(h)+"\n")' "$sock" "$1"; }
kb() { ctl status | sed -n "s/^$1 \([0-9]*\) kB/\1/p"; }
# the pages a block's regions hold (kpageflags bit 5, LRU)
lru_pages() { local n=0 b; for b in "$@"; do n=$((n + $(raw "kpf $b" | awk '$1 == 5 {print $2}' | grep . || echo 0))); done; echo $n; }

mkfifo "$out/in"
MEMHP_SOCKET=$sock MEMHP_MEM=512M MEMHP_DIMMS=4x256M MEMHP_MIN=4096 \
	LD_PRELOAD=$build/libmemhp-preload.so "$build/tests/live/heap_user" 400 2 "$out" \
	< "$out/in" > "$out/heap_user.out" 2> "$out/heap_user.err" &
pid=$!
exec 3> "$out/in"
for _ in $(seq 100); do grep -q ready "$out/heap_user.out" && break; sleep 0.1; done
total0=$(kb MemTotal)
free0=$(kb MemFree)
check "the heap is on memhp: 400 MiB taken from the machine's memory" \
	"[ -n '$free0' ] && [ \$(( $total0 - $free0 )) -ge $((400 * 1024)) ]"
moved0=$(lru_pages 32 33)
log=""
for d in dimm0 dimm1; do
	s=$(date +%s%N)
	ctl device del "$d" > "$out/del-$d.txt" 2>&1; rc=$?
	log="$log $d:rc=$rc:$(( ($(date +%s%N) - s) / 1000000 ))ms"
done
ctl device add dimm4 512M > /dev/null 2>&1; addrc=$?
ctl device del dimm2 > "$out/del-dimm2.txt" 2>&1; rc2=$?
echo "  removals:$log dimm2:rc=$rc2 (heap pages on dimm0's first blocks: $moved0)"
check "three DIMMs holding the heap removed while it runs, one added" \
	"[ \"\$(ctl device list | cut -d' ' -f1 | tr '\n' ' ')\" = 'dimm3 dimm4 ' ] && [ $addrc = 0 ] && [ $rc2 = 0 ] && [ $moved0 -gt 0 ]"
check "the machine's audit after the removals" "ctl audit"
check "shutdown is refused: the machine is the program's heap" \
	"ctl shutdown 2>&1 | grep -q 'EPERM.*heap of process $pid' && kill -0 $pid"
echo stop >&3
exec 3>&-
wait $pid; rc=$?
cat "$out/heap_user.out" | tail -1
check "every word of the heap intact, no system call failed (heap_user exit 0)" \
	"[ $rc = 0 ] && grep -q ', 0 bad words,' '$out/heap_user.out' && ! [ -s '$out/heap_user.err' ]"
check "O_DIRECT reads into heap pages (pinned while the device writes) all read right" \
	"grep -Eq ', [1-9][0-9]* O_DIRECT reads, 0 bad\$' '$out/heap_user.out'"
check "the socket is gone with the program" "! [ -e '$sock' ]"

# ---- munmap is one step: no other thread's mapping lands in a hole
race=$(MEMHP_SOCKET=$out/race.sock MEMHP_MEM=256M MEMHP_DIMMS=2x256M \
	LD_PRELOAD=$build/libmemhp-preload.so "$build/tests/live/unmap_race" 800 2>&1)
check "munmap and mmap of heap memory racing in two threads: every mapping stays its owner's ($race)" \
	"[ '$race' = 'ok 800' ]"

# ---- the preload's threads and a main that rebuilds its environment (as
# redis-server's setproctitle does) while they start: 200 starts, none
# dies (a thread's getenv(3) then killed about one in twenty, silently)
died=0
for i in $(seq 200); do
	MEMHP_SOCKET=$out/env.sock MEMHP_MEM=256M MEMHP_DIMMS=2x128M \
		LD_PRELOAD=$build/libmemhp-preload.so "$build/tests/live/env_rebuild" 300 > "$out/env.out" 2>&1 ||
		{ died=$((died + 1)); echo "  env_rebuild start $i: $(tail -1 "$out/env.out")"; }
done
check "200 starts of a program whose main rebuilds its environment while memhp's threads start: none died ($died)" \
	"[ $died = 0 ]"

# ---- memhpctl preload: what it refuses, and what the program inherits
mp() { "$build/memhpctl" preload "$@"; }
mp --malloc nonsense -- /bin/true > /dev/null 2>&1; rc_usage=$?
mp --mem 1.5G -- /bin/true > /dev/null 2>&1; rc_size=$?
mp -- /no/such/program > /dev/null 2>&1; rc_missing=$?
printf '#!/bin/sh\ntrue\n' > "$out/script.sh"; chmod +x "$out/script.sh"
why=$(mp -- "$out/script.sh" 2>&1); rc_script=$?
check "memhpctl preload refuses bad usage (2), a missing program and a script (1), with the reason" \
	"[ $rc_usage = 2 ] && [ $rc_size = 2 ] && [ $rc_missing = 1 ] && [ $rc_script = 1 ] && echo '$why' | grep -q 'not a dynamically linked program'"
# sh (glibc's malloc) gets mimalloc; what it runs inherits neither preload's machine nor its LD_PRELOAD entry
# ---- an allocator that maps with mmap (mimalloc) grows the preload's table:
# its nested mmap must not take the preload's lock again (a hang before)
realloc_out=$(timeout 120 env MEMHP_SOCKET="$out/realloc.sock" MEMHP_MEM=512M MEMHP_DIMMS=2x512M \
	LD_PRELOAD="$build/libmemhp-preload.so" "$build/tests/live/realloc_mmap" 600 2>&1)
realloc_rc=$?
echo "  $realloc_out"
check "the preload's mapping table grown through an allocator that itself maps (mimalloc's way): 600 mappings intact, no hang" \
	"[ $realloc_rc = 0 ] && echo \"\$realloc_out\" | grep -q '^600 mappings intact, .* grown [1-9]'"

env_seen=$("$build/memhpctl" --socket "$out/env.sock" preload --dimms 1x128M --mem 256M -- \
	/bin/sh -c 'echo "$LD_PRELOAD"; env | grep -c "^MIMALLOC_"' 2>&1)
check "a glibc-malloc program runs with mimalloc after the preload, and its children without the preload" \
	"echo '$env_seen' | head -1 | grep -q 'libmimalloc.so.2' && ! echo '$env_seen' | grep -q libmemhp-preload && [ \"\$(echo '$env_seen' | tail -1)\" -ge 2 ]"

# ---- a pinned heap page: the removal waits, a cancelled one changes nothing
psock=$out/pin.sock
rm -f "$out/in"
mkfifo "$out/in"
MEMHP_SOCKET=$psock MEMHP_MEM=512M MEMHP_DIMMS=2x256M MEMHP_MIN=4096 \
	LD_PRELOAD=$build/libmemhp-preload.so "$build/tests/live/pin_user" \
	< "$out/in" > "$out/pin_user.out" 2> "$out/pin_user.err" &
ppid=$!
exec 3> "$out/in"
for _ in $(seq 100); do grep -q ready "$out/pin_user.out" && break; sleep 0.1; done
wfd=$(awk '/^ready/ {print $3}' "$out/pin_user.out")
sleep 0.3	# into its read(2)
pc() { "$build/memhpctl" --socket "$psock" "$@"; }
s=$(date +%s%N)
timeout 3 "$build/memhpctl" --socket "$psock" device del dimm0 > /dev/null 2>&1; cancelled=$?
waited=$(( ($(date +%s%N) - s) / 1000000 ))
echo "  pinned: device del dimm0 cancelled after ${waited} ms (exit $cancelled)"
check "a removal under a page pinned by an O_DIRECT read waits, and cancelled leaves the DIMM online" \
	"[ $cancelled = 124 ] && [ $waited -ge 2900 ] && pc device list | grep -q '^dimm0 ' && [ \"\$(pc ls | grep -c online)\" -ge 1 ] && kill -0 $ppid && pc audit"
# the I/O completes: the pin goes, the same removal now succeeds
python3 -c 'import sys; open(sys.argv[1], "wb").write(bytes((i * 7) & 255 for i in range(4096)))' "/proc/$ppid/fd/$wfd"
for _ in $(seq 100); do grep -q '^read' "$out/pin_user.out" && break; sleep 0.1; done
pc device del dimm0 > /dev/null 2>&1; delrc=$?
echo go >&3
exec 3>&-
wait $ppid; prc=$?
check "the I/O's data and the heap intact; once unpinned the removal succeeds" \
	"[ $delrc = 0 ] && [ $prc = 0 ] && grep -qx 'read ok' '$out/pin_user.out' && grep -qx 'final ok' '$out/pin_user.out' && ! pc device list 2>/dev/null | grep -q '^dimm0 '"
exit 0
