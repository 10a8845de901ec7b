#!/bin/sh
# One pass of every test against the build in BUILD_DIR (build/,
# build-asan/ or build-tsan/): the cmocka unit tests, memhp-stress, the
# fuzz regressions, the oracle conformance runs (every row of
# tests/oracle/MATRIX: memhpctl run --json, then our conform.py and, when
# ../shared is beside the checkout, the oracle's own compare), the demo,
# make install, the layer check, and the integration and live tests.
# Each test appends "PASS name" or "FAIL name" to BUILD_DIR/results.txt.
# usage: scripts/run-tests.sh BUILD_DIR [unit]
#   unit            only the unit tests and a short stress run (the
#                   ThreadSanitizer pass)
#   CORPUS=random   also the recorded random corpus (make check sets it)
# ASAN_OPTIONS, UBSAN_OPTIONS and TSAN_OPTIONS, when set, replace its defaults.
case "${1:-}" in -h|--help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0;; esac
set -u
build=$1
only=${2:-all}
top=$(cd "$(dirname "$0")/.." && pwd)
results=$build/results.txt
: > "$results"
# sanitizers: report leaks, stop at the first undefined behaviour
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# history_size: the older access of a race keeps its stack, so that the
# suppressions (matched on either stack) can recognise it
export TSAN_OPTIONS=${TSAN_OPTIONS:-suppressions=$top/tests/tsan.supp history_size=7}
pass() { echo "PASS $1" >> "$results"; }
fail() { echo "FAIL $1" >> "$results"; echo "FAIL: $1" >&2; }
# a section's header, with the seconds the pass has run so far
started=$(date +%s)
section() { echo "== $* [$(( $(date +%s) - started ))s]"; }

section "unit tests ($build)"
for t in "$build"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	out=$("$t" 2>&1); rc=$?
	echo "$out" | grep -E '^\[ *(PASSED|FAILED|  ERROR) *\]|^\[  FAILED  \] [a-z]' || true
	npass=$(echo "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	nfail=$(echo "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	i=0; while [ "$i" -lt "${npass:-0}" ]; do pass "$name#$i"; i=$((i + 1)); done
	i=0; while [ "$i" -lt "${nfail:-0}" ]; do fail "$name#$i"; i=$((i + 1)); done
	if [ "$rc" != 0 ]; then
		# the failing test's own messages (fail_msg), for the log
		echo "$out" | grep -v '^\[ *\(RUN\|OK\) *\]' | tail -20 >&2
		[ "${nfail:-0}" = 0 ] && fail "$name (exit $rc)"
	fi
done

section "stress ($build)"
# randomized operations, every byte and the audit checked per batch: a
# fixed seed, and a new one each run (printed: a failure reproduces with it)
stress() {
	if "$build/memhp-stress" "$@" > "$build/stress.log" 2>&1; then
		pass "memhp-stress $*"
	else
		grep -m5 VIOLATION "$build/stress.log" >&2
		fail "memhp-stress $*"
	fi
	tail -1 "$build/stress.log"
}
if [ "$only" = unit ]; then
	stress --seed 1 --ops 300 --threads 2 --max-pages 8	# the concurrent part, under TSan
	exit 0
fi
stress --seed 1 --ops 3000 --threads 2
stress --seed "$(date +%s)" --ops 2000 --threads 3
# every fuzz target over its seed corpus and the regression inputs its
# crashes became (libFuzzer itself runs in make check-long)
for t in cmdline sysfs scenario ctl; do
	if "$build/fuzz-replay-$t" "$top/tests/fuzz/$t" > "$build/fuzz-replay-$t.log" 2>&1; then
		pass "fuzz regressions: $t ($(cat "$build/fuzz-replay-$t.log"))"
	else
		tail -5 "$build/fuzz-replay-$t.log" >&2
		fail "fuzz regressions: $t"
	fi
done

# split a MATRIX row's options: conform:FLAG tokens into $cflags (for
# conform.py), the rest into $kopts (the kernel command line)
split_opts() {
	cflags=""; kopts=""
	for o in "$@"; do
		case "$o" in conform:*) cflags="$cflags --${o#conform:}" ;; *) kopts="$kopts $o" ;; esac
	done
}

section "oracle conformance ($build)"
mkdir -p "$build/oracle"
compare="$top/../shared/oracle/compare"
while read -r name scn opts; do
	case "$name" in ''|'#'*) continue ;; esac
	out="$build/oracle/$name.json"
	# shellcheck disable=SC2086
	split_opts $opts
	# shellcheck disable=SC2086
	if ! "$build/memhpctl" run "$top/tests/oracle/scenarios/$scn" $kopts --json -o "$out" >/dev/null 2>"$out.err"; then
		cat "$out.err" >&2
		fail "oracle $name (run)"
		continue
	fi
	# shellcheck disable=SC2086
	line=$(python3 "$top/tests/oracle/conform.py" "$top/tests/oracle/kernel/$name.json" "$out" $cflags | tail -1)
	# shellcheck disable=SC2086
	if python3 "$top/tests/oracle/conform.py" "$top/tests/oracle/kernel/$name.json" "$out" $cflags >/dev/null; then
		pass "oracle $name"
		echo "  $name: $line"
	else
		# shellcheck disable=SC2086
		python3 "$top/tests/oracle/conform.py" "$top/tests/oracle/kernel/$name.json" "$out" $cflags >&2
		fail "oracle $name"
	fi
	# the oracle's own reference runs, else ours (tests/oracle/kernel)
	kernel="$top/../shared/oracle/results/$name.json"
	[ -f "$kernel" ] || kernel="$top/tests/oracle/kernel/$name.json"
	if [ -x "$compare" ]; then
		if "$compare" "$kernel" "$out" >/dev/null; then
			pass "oracle-compare $name"
		else
			"$compare" "$kernel" "$out" >&2
			fail "oracle-compare $name"
		fi
	fi
done < "$top/tests/oracle/MATRIX"

# h1: offlines the kernel retried until the write's timeout killed the
# writer (result "timeout"), then one that succeeds.  Every step's result
# and block state must be the kernel's (outcomes.py); the full comparison
# is printed: the kernel's Movable free after the timed-out offlines is
# lower by what its per-CPU lists and page tables held after the hog (the
# pcp->high cause of tests/oracle/random/KNOWN).
out="$build/oracle/h1-offline-timeout.json"
kernel="$top/tests/oracle/kernel/h1-offline-timeout-mmom1.json"
if "$build/memhpctl" run "$top/tests/oracle/scenarios/h1-offline-timeout.scn" memory_hotplug.memmap_on_memory=1 \
	--json -o "$out" >/dev/null 2>"$out.err" &&
   python3 "$top/tests/oracle/outcomes.py" "$kernel" "$out"; then
	pass "oracle h1-offline-timeout: the kernel's timeouts and results"
else
	fail "oracle h1-offline-timeout: the kernel's timeouts and results"
fi
echo "  h1-offline-timeout (all fields): $(python3 "$top/tests/oracle/conform.py" "$kernel" "$out" | tail -1)"

# scenarios the real kernel answered differently run after run
# (tests/oracle/repeat): memhp must equal one of the kernel's own runs
if python3 "$top/tests/oracle/repeat.py" "$build" > "$build/oracle/repeat.txt" 2>&1; then
	pass "oracle repeat: memhp equals one of the kernel's runs of each repeated scenario"
else
	fail "oracle repeat: memhp equals one of the kernel's runs of each repeated scenario"
fi
sed 's/^/  /' "$build/oracle/repeat.txt"

# the recorded clock (tests/oracle/timeline.py) against the guest's own
# traced vmstat_update runs and /dev/kmsg marks
if python3 "$top/tests/oracle/timeline_check.py" > "$build/oracle/timeline.txt" 2>&1; then
	pass "oracle timeline: vmstat's periods and the host clock as the guest traced them"
else
	fail "oracle timeline: vmstat's periods and the host clock as the guest traced them"
fi
sed 's/^/  /' "$build/oracle/timeline.txt"

# the dax snapshot (no kernel run of this scenario: checked against the
# formats and transitions of the kernel's g2 run by dax_snapshot.py)
out="$build/oracle/dax-cxl-kmem.json"
if "$build/memhpctl" run "$top/tests/oracle/scenarios/dax-cxl-kmem.scn" --json -o "$out" >/dev/null 2>"$out.err" &&
   python3 "$top/tests/oracle/dax_snapshot.py" "$out" >&2; then
	pass "runner dax snapshot"
else
	cat "$out.err" >&2
	fail "runner dax snapshot"
fi

# the recorded arm64 runs (tests/oracle/arm64: Debian's 4K and 16K-page
# kernels on QEMU virt); the scenario runs with the row's profile
while read -r name profile scn opts; do
	case "$name" in ''|'#'*) continue ;; esac
	out="$build/oracle/$name.json"
	# shellcheck disable=SC2086
	split_opts $opts
	{ echo "arch $profile"; cat "$top/tests/oracle/arm64/scenarios/$scn"; } > "$build/oracle/$name.scn"
	python3 -c 'import lzma, sys; sys.stdout.buffer.write(lzma.open(sys.argv[1]).read())' \
		"$top/tests/oracle/arm64/kernel/$name.json.xz" > "$build/oracle/$name.kernel.json"
	# shellcheck disable=SC2086
	if "$build/memhpctl" run "$build/oracle/$name.scn" $kopts --json -o "$out" >/dev/null 2>"$out.err" &&
	   python3 "$top/tests/oracle/conform.py" "$build/oracle/$name.kernel.json" "$out" $cflags > "$out.conform"; then
		pass "oracle $name"
		echo "  $name: $(tail -1 "$out.conform")"
	else
		cat "$out.err" "$out.conform" >&2
		fail "oracle $name"
	fi
done < "$top/tests/oracle/arm64/MATRIX"

# the recorded random runs of the real kernel (tests/oracle/random): every
# one exact but the listed known divergences; in the plain pass only
# (CORPUS=random, set by make check), two runs at a time
if [ "${CORPUS:-}" = random ]; then
	section "random corpus against the real kernel ($build)"
	# on 2 MiB pages: the same numbers, a fraction of the time (random_report.py);
	# then the arm64 guests' (tests/oracle/arm64/random: gen.py --arch scenarios)
	for profile in x86_64 arm64-4k arm64-16k; do
		arch="--arch $profile" out="$build/random-$profile.txt" name="random corpus $profile"
		if [ "$profile" = x86_64 ]; then
			arch='' out="$build/random.txt" name="random corpus"
		elif [ ! -f "$top/tests/oracle/arm64/random/$profile/SEEDS" ]; then
			continue
		fi
		# shellcheck disable=SC2086
		if python3 "$top/tests/oracle/random_report.py" --check --huge-pages $arch -j 2 "$build" > "$out" 2>&1; then
			pass "$name: $(tail -1 "$out")"
			tail -1 "$out"
		else
			grep -A10 '^FAIL' "$out" >&2
			fail "$name: $(tail -1 "$out")"
		fi
	done
fi

section "the main job: demo, plan, scenarios/ ($build)"
# the demo's numbers (demo_check.py) and the planner against real runs
if "$build/memhpctl" demo --svg "$build/demo.svg" --json "$build/demo.json" > "$build/demo.txt" 2>&1 &&
   python3 "$top/tests/demo/demo_check.py" "$build/demo.json"; then
	pass "demo: 256 GiB CXL, memmap_on_memory off and on"
else
	tail -20 "$build/demo.txt" >&2
	fail "demo: 256 GiB CXL, memmap_on_memory off and on"
fi
if python3 "$top/tests/demo/plan_check.py" "$build"; then
	pass "plan agrees with real runs"
else
	fail "plan agrees with real runs"
fi
# the benchmark code runs (make bench-smoke: tiny sizes, no speed asserted)
if "$build/memhp-bench" --smoke --json "$build/bench-smoke.json" > "$build/bench-smoke.txt" 2>"$build/bench-smoke.err" &&
   python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(not r or any(set(x)!={"figure","unit","memhp","baseline","ratio","goal","met"} or not isinstance(x["met"],bool) for x in r))' "$build/bench-smoke.json"; then
	pass "bench-smoke: every figure runs, bench.json well formed"
else
	cat "$build/bench-smoke.err" >&2
	fail "bench-smoke: every figure runs, bench.json well formed"
fi
for scn in "$top"/scenarios/*.scn; do
	name=$(basename "$scn" .scn)
	if "$build/memhpctl" run "$scn" > "$build/oracle/scenario-$name.txt" 2>&1; then
		pass "scenarios/$name.scn"
	else
		tail -5 "$build/oracle/scenario-$name.txt" >&2
		fail "scenarios/$name.scn"
	fi
done

# make install + pkg-config + the man pages, once (the plain build: the
# sanitizer builds' library needs their runtime to link)
if ! nm "$build/libmemhp.a" 2>/dev/null | grep -q __asan_ && [ "$only" = all ] &&
   ! nm "$build/libmemhp.a" 2>/dev/null | grep -q __tsan_; then
	if sh "$top/scripts/check-install.sh" "$build" >/dev/null 2>"$build/install.err"; then
		pass "make install: PREFIX, DESTDIR, pkg-config, man pages"
	else
		cat "$build/install.err" >&2
		fail "make install: PREFIX, DESTDIR, pkg-config, man pages"
	fi
fi

# the library's layers point one way (scripts/layer-check.py: calls read
# from the objects; a call up fails unless the kernel's design has it)
if python3 "$top/scripts/layer-check.py" "$build" > "$build/layers.txt" 2>&1; then
	pass "layer check: $(grep -c '^layer ' "$build/layers.txt") layers, $(grep -c '^allowed up' "$build/layers.txt") allowed calls up"
else
	grep -E 'VIOLATION|LAYER CHECK|no layer' "$build/layers.txt" >&2
	fail "layer check"
fi

section "integration: memhpd, lsmem, chmem, daxctl, the kernel's selftest ($build)"
rm -f "$build"/sanitizer.*
ASAN_OPTIONS="$ASAN_OPTIONS:log_path=$build/sanitizer" UBSAN_OPTIONS="$UBSAN_OPTIONS:log_path=$build/sanitizer" \
	bash "$top/tests/integration/run.sh" "$build" > "$build/integration.log" 2>&1
grep -E '^(PASS|FAIL) ' "$build/integration.log" | while read -r verdict name; do
	if [ "$verdict" = PASS ]; then pass "$name"; else fail "$name"; fi
done
echo "  $(grep -c '^PASS' "$build/integration.log") passed, $(grep -c '^FAIL' "$build/integration.log") failed"
# memhpd runs daemonized: its sanitizer reports go to files
if ls "$build"/sanitizer.* >/dev/null 2>&1; then
	cat "$build"/sanitizer.* >&2
	fail "integration: memhpd sanitizer reports"
else
	pass "integration: memhpd sanitizer-clean"
fi

# the preload puts a program's heap on memhp memory: the plain build only
# (a sanitizer's runtime owns the allocator's mmap calls it interposes)
if [ -x "$build/tests/live/heap_user" ] && [ -f "$build/libmemhp-preload.so" ]; then
	section "live: a running program's heap on memhp, its DIMMs removed ($build)"
	bash "$top/tests/integration/preload.sh" "$build" > "$build/preload.log" 2>&1
	section "live: sqlite3, memcached and redis-server with DIMMs removed under them ($build)"
	bash "$top/tests/integration/live_programs.sh" "$build" "$top/build/live" >> "$build/preload.log" 2>&1
	grep -E '^  ' "$build/preload.log" || true
	grep -E '^(PASS|FAIL) ' "$build/preload.log" | while read -r verdict name; do
		if [ "$verdict" = PASS ]; then pass "$name"; else fail "$name"; fi
	done
fi

section "scenario runner, text mode ($build)"
if "$build/memhpctl" run "$top/tests/oracle/scenarios/b1-online-zones.scn" memory_hotplug.memmap_on_memory=1 > "$build/oracle/b1.txt"; then
	tail -1 "$build/oracle/b1.txt"
	pass "memhpctl run text"
else
	fail "memhpctl run text"
fi
# one result per step, two renderings: the text says what the JSON says
for scn in c1-offline-movable-in-use x1-edge-cases; do
	f="$top/tests/oracle/scenarios/$scn.scn"
	if "$build/memhpctl" run "$f" --json -o "$build/oracle/$scn-parity.json" >/dev/null 2>&1 &&
	   "$build/memhpctl" run "$f" > "$build/oracle/$scn-parity.txt" 2>&1 &&
	   python3 "$top/tests/integration/text_parity.py" "$build/oracle/$scn-parity.json" \
		"$build/oracle/$scn-parity.txt"; then
		pass "memhpctl run: text and JSON agree on $scn"
	else
		fail "memhpctl run: text and JSON agree on $scn"
	fi
done
section "done ($build)"
exit 0
