#!/bin/bash
# Give back a CXL device without stopping the program: Debian's
# redis-server, unmodified, with its heap on four memhp DIMMs; each DIMM is
# replaced in turn while a client keeps reading and writing, then every key
# is read back and checked.
#
# usage: scripts/demo-live.sh [BUILD_DIR]   (make all, and build/live from
#        scripts/install-live-deps.sh; run as root)
case "${1:-}" in -h|--help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0;; esac
set -eu
build=$(cd "${1:-build}" && pwd)
top=$(cd "$(dirname "$0")/.." && pwd)
live=$top/build/live
[ -x "$live/usr/bin/redis-server" ] || "$top/scripts/install-live-deps.sh" "$live" > /dev/null
make -s -C "$top" BUILD="$build" all "$build/kvload"
dir=$(mktemp -d)
sock=$dir/redis.sock
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
ctl() { "$build/memhpctl" --socket "$sock" "$@"; }
migrated() {
	python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"read /proc/vmstat\n"); f=s.makefile(); n=int(f.readline().split()[1]); print([l.split()[1] for l in f.read(n).splitlines() if l.startswith("pgmigrate_success ")][0])' "$sock"
}
heap_mib() { ctl status | awk '/^MemTotal/ {t=$2} /^MemFree/ {f=$2} END {print int((t - f) / 1024)}'; }

echo "== redis-server on memhp: 1 GiB of boot RAM, four 1 GiB DIMMs (dimm0-3) onlined movable"
# memhpctl itself in the background (not a function's subshell): it
# becomes redis-server, so $! is the server's pid
"$build/memhpctl" --socket "$sock" preload --dimms 4x1G --mem 1G -- "$live/usr/bin/redis-server" \
	--bind 127.0.0.1 --port "$port" --save "" --appendonly no > "$dir/redis.log" 2>&1 &
rpid=$!
trap 'kill $rpid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
sleep 0.5
echo "== a client writes 262144 keys of 4000 bytes (each value carries its key, version and a checksum)"
"$build/kvload" --proto redis --port "$port" --keys 262144 --size 4000 --load --run 40 --verify \
	> "$dir/kvload.out" 2>&1 &
kpid=$!
for _ in $(seq 600); do grep -q '^phase load' "$dir/kvload.out" && break; sleep 0.1; done
echo "   the heap on memhp: $(heap_mib) MiB; the client keeps reading and writing (10% writes)"
for i in 0 1 2 3; do
	ctl device add "new$i" 1G > /dev/null
	m0=$(migrated)
	s=$(date +%s%N)
	ctl device del "dimm$i"
	echo "== dimm$i given back: $(( ($(date +%s%N) - s) / 1000000 )) ms, $(( $(migrated) - m0 )) pages moved while redis served"
	sleep 3
done
wait $kpid || true
echo "== every key read back:"
grep -E '^phase|^kvload' "$dir/kvload.out" | sed 's/^/   /'
echo "== DIMMs now: $(ctl device list | cut -d' ' -f1 | tr '\n' ' ')(dimm0-3 gone); redis pid $rpid $(kill -0 $rpid && echo 'still serving')"
ctl audit && echo "== the machine's audit: ok"
grep -q ' lost 0 corrupted 0 errors 0$' "$dir/kvload.out"
