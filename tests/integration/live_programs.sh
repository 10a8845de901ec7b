#!/bin/bash
# Debian's own programs, unmodified, with their heap on memhp memory
# (`memhpctl preload`), DIMMs removed under them while they work:
#   - sqlite3's shell on a write-heavy in-memory database
#     (tests/live/sqlite_workload.py): PRAGMA integrity_check ok and the
#     SHA3 of every table equal to the same script's on the normal heap;
#   - memcached and redis-server under bench/kvload.c's checksummed load
#     (a small working set; `make bench-live` is the full-size run):
#     0 keys lost, 0 corrupted, 0 client errors, the server still up.
#
# usage: tests/integration/live_programs.sh BUILD_DIR LIVE_DIR
# (LIVE_DIR: where scripts/install-live-deps.sh unpacked the servers)
case "${1:-}" in -h|--help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0;; esac
set -u
# an empty build would put the test trees under / : refuse it
[ -d "${1:-}" ] || { echo "usage: $0 BUILD_DIR (the directory make built into)" >&2; exit 2; }
build=$(cd "$1" && pwd)
live=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$build/live-test
rm -rf "$out"
mkdir -p "$out"
pass() { echo "PASS live: $1"; }
fail() { echo "FAIL live: $1"; }
check() { if eval "$2"; then pass "$1"; else fail "$1"; return 1; fi; }
memhpctl=$build/memhpctl

# the machine's pgmigrate_success: pages its migrations moved
migrated() {
	python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"read /proc/vmstat\n"); f=s.makefile(); n=int(f.readline().split()[1]); print([l.split()[1] for l in f.read(n).splitlines() if l.startswith("pgmigrate_success ")][0])' "$1"
}
# replace DIMMs dimm0..dimm$(($1 - 1)) in turn, a new one in before each
# goes out, while process $2 lives; one line per removal, with the pages
# it moved
replace_dimms() {
	local n=$1 pid=$2 sock=$3 i rc m0
	for i in $(seq 0 $((n - 1))); do
		kill -0 "$pid" 2>/dev/null || { echo "dimm$i: the program ended first"; return; }
		"$memhpctl" --socket "$sock" device add "new$i" 512M > /dev/null 2>&1
		m0=$(migrated "$sock")
		"$memhpctl" --socket "$sock" device del "dimm$i" > "$out/del.err" 2>&1; rc=$?
		echo "dimm$i: rc=$rc moved=$(( $(migrated "$sock") - m0 )) $(cat "$out/del.err")"
		sleep 0.5
	done
}

# ---- sqlite3 -----------------------------------------------------------
python3 "$top/tests/live/sqlite_workload.py" 120000 40 > "$out/workload.sql"
sqlite3 :memory: < "$out/workload.sql" > "$out/sqlite-normal.out" 2>&1
sock=$out/sqlite.sock
"$memhpctl" --socket "$sock" preload --dimms 4x256M --mem 512M -- sqlite3 :memory: \
	< "$out/workload.sql" > "$out/sqlite-memhp.out" 2> "$out/sqlite-memhp.err" &
pid=$!
for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
sleep 1
replace_dimms 2 "$pid" "$sock" > "$out/sqlite-removals.txt"
wait "$pid"; rc=$?
sed 's/^/  sqlite3: /' "$out/sqlite-removals.txt"
check "sqlite3: two DIMMs removed under the shell while it wrote" \
	"[ \$(grep -c 'rc=0 moved=[1-9]' '$out/sqlite-removals.txt') = 2 ]"
check "sqlite3: PRAGMA integrity_check ok, every table's SHA3 as on the normal heap" \
	"[ $rc = 0 ] && head -1 '$out/sqlite-memhp.out' | grep -qx ok && cmp -s '$out/sqlite-normal.out' '$out/sqlite-memhp.out' && grep -q '^sha3|' '$out/sqlite-memhp.out' && ! [ -s '$out/sqlite-memhp.err' ]"

# ---- memcached and redis ------------------------------------------------
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
for prog in memcached redis; do
	if ! [ -x "$live/usr/bin/memcached" ] || ! [ -x "$live/usr/bin/redis-server" ]; then
		fail "$prog: not unpacked in $live (scripts/install-live-deps.sh)"
		continue
	fi
	port=$(free_port)
	sock=$out/$prog.sock
	if [ $prog = memcached ]; then
		cmd=("$live/usr/bin/memcached" -l 127.0.0.1 -p "$port" -U 0 -m 1024 -M -t 2 -u root)
		proto=memcache
	else
		cmd=("$live/usr/bin/redis-server" --bind 127.0.0.1 --port "$port" --save "" --appendonly no)
		proto=redis
	fi
	"$memhpctl" --socket "$sock" preload --dimms 4x256M --mem 512M -- "${cmd[@]}" > /dev/null 2>&1 &
	spid=$!
	for _ in $(seq 100); do
		python3 -c "import socket; socket.create_connection(('127.0.0.1', $port))" 2>/dev/null && break
		sleep 0.1
	done
	"$build/kvload" --proto $proto --port "$port" --keys 40000 --size 4000 --load --run 12 --verify \
		> "$out/$prog-kvload.out" 2> "$out/$prog-kvload.err" &
	kpid=$!
	for _ in $(seq 200); do grep -q '^phase load' "$out/$prog-kvload.out" && break; sleep 0.1; done
	replace_dimms 3 "$kpid" "$sock" > "$out/$prog-removals.txt"
	wait "$kpid"; krc=$?
	sed 's/^/  '$prog': /' "$out/$prog-removals.txt"
	tail -1 "$out/$prog-kvload.out" | sed 's/^/  '$prog': /'
	check "$prog: three DIMMs holding its heap removed under load" \
		"[ \$(grep -c 'rc=0 moved=[1-9]' '$out/$prog-removals.txt') = 3 ]"
	check "$prog: every key read back: 0 lost, 0 corrupted, 0 client errors, the server never restarted" \
		"[ $krc = 0 ] && grep -q ' lost 0 corrupted 0 errors 0\$' '$out/$prog-kvload.out' && kill -0 $spid"
	check "$prog: the machine's audit" "'$memhpctl' --socket '$sock' audit"
	kill "$spid" 2>/dev/null
	wait "$spid" 2>/dev/null
done

# ---- fork: Redis BGSAVE of a heap on memhp --------------------------------
# The saved file is what the child saw at the fork: every key at version 1,
# although the parent goes on writing new versions (and loses a DIMM)
# while the child saves.  A normal redis-server loads the file and every
# key is read back as version 1.
if [ -x "$live/usr/bin/redis-server" ]; then
	port=$(free_port)
	sock=$out/bgsave.sock
	cli() { "$live/usr/bin/redis-cli" -p "$1" "${@:2}"; }
	"$memhpctl" --socket "$sock" preload --dimms 4x256M --mem 512M -- "$live/usr/bin/redis-server" \
		--bind 127.0.0.1 --port "$port" --save "" --appendonly no --dir "$out" --dbfilename bgsave.rdb \
		> "$out/bgsave-server.log" 2>&1 &
	spid=$!
	# a loaded CI machine can take seconds to give the preload its DIMMs:
	# wait for the server itself (up to 60 s), or for it to end
	up=no
	for _ in $(seq 600); do
		cli "$port" ping > /dev/null 2>&1 && { up=yes; break; }
		kill -0 "$spid" 2>/dev/null || break
		sleep 0.1
	done
	# a server that never answered: how it ended (a signal is 128+N)
	[ $up = yes ] || { wait "$spid"; up="no, the preloaded server ended with status $?"; }
	"$build/kvload" --proto redis --port "$port" --keys 40000 --size 4000 --load > "$out/bgsave-load.out" 2>&1
	cli "$port" bgsave > /dev/null
	"$build/kvload" --proto redis --port "$port" --keys 40000 --size 4000 --run 4 --sets 50 \
		> "$out/bgsave-writes.out" 2>&1 &
	wpid=$!
	"$memhpctl" --socket "$sock" device del dimm0 > /dev/null 2>&1; delrc=$?
	wait $wpid; wrc=$?
	for _ in $(seq 300); do
		cli "$port" info persistence | grep -q '^rdb_bgsave_in_progress:0' && break
		sleep 0.1
	done
	status=$(cli "$port" info persistence | sed -n 's/^rdb_last_bgsave_status:\([a-z]*\).*/\1/p')
	kill "$spid"; wait "$spid" 2>/dev/null
	port2=$(free_port)
	"$live/usr/bin/redis-server" --bind 127.0.0.1 --port "$port2" --save "" --appendonly no --dir "$out" \
		--dbfilename bgsave.rdb > /dev/null 2>&1 &
	npid=$!
	for _ in $(seq 100); do cli "$port2" info persistence 2>/dev/null | grep -q '^loading:0' && break; sleep 0.1; done
	"$build/kvload" --proto redis --port "$port2" --keys 40000 --size 4000 --verify > "$out/bgsave-verify.out" 2>&1
	vrc=$?
	kill "$npid"; wait "$npid" 2>/dev/null
	echo "  redis BGSAVE: $status; writes meanwhile: $(tail -1 "$out/bgsave-writes.out")"
	echo "  redis BGSAVE: the saved file read back: $(tail -1 "$out/bgsave-verify.out")"
	check "redis: BGSAVE's forked child saved the heap as it was at the fork, while the parent wrote and lost a DIMM" \
		"[ '$status' = ok ] && [ $delrc = 0 ] && [ $wrc = 0 ] && [ $vrc = 0 ] && grep -q ' lost 0 corrupted 0 errors 0\$' '$out/bgsave-verify.out'" ||
		{ echo "  redis BGSAVE: server up: $up; the load: $(tail -1 "$out/bgsave-load.out"); the server's last lines:"
		  tail -15 "$out/bgsave-server.log" | sed 's/^/    /'; }
fi
exit 0
