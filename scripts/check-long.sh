#!/bin/sh
# make check-long: the reliability run (see README, Reliability).
#   1. memhp-stress, STRESS_OPS (1,000,000) operations on 2 threads under
#      ASan+UBSan (a new seed each run, printed), and 3,000 under
#      ThreadSanitizer;
#   2. libFuzzer, FUZZ_SECONDS (60) per target, over a copy of the seed
#      corpus; a crash input is kept in build-fuzz/crash-TARGET-* - turn it
#      into a regression by adding it to tests/fuzz/TARGET/, which make
#      check replays.
# Prints a table at the end; exit 0 only when nothing was found.
# usage: scripts/check-long.sh   (no arguments; make check-long builds
#        build-asan, build-tsan and build-fuzz, then runs it)
# ASAN_OPTIONS, UBSAN_OPTIONS and TSAN_OPTIONS, when set, replace its defaults.
case "${1:-}" in -h|--help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0;; esac
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
secs=${FUZZ_SECONDS:-60}
ops=${STRESS_OPS:-1000000}
seed=$(date +%s)
fail=0
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-suppressions=$top/tests/tsan.supp}
field() { sed -n "s/.*[:,] \([0-9]*\) $1.*/\1/p" "$2" | tail -1; }

echo "== stress: $ops operations, seed $seed, ASan+UBSan"
build-asan/memhp-stress --seed "$seed" --ops "$ops" --threads 2 > build-asan/stress-long.log 2>&1 || fail=1
tail -1 build-asan/stress-long.log
echo "== stress: 3000 operations, seed $((seed + 1)), ThreadSanitizer"
build-tsan/memhp-stress --seed "$((seed + 1))" --ops 3000 --threads 3 --max-pages 8 > build-tsan/stress-long.log 2>&1 || fail=1
tail -1 build-tsan/stress-long.log
grep -m5 -h VIOLATION build-asan/stress-long.log build-tsan/stress-long.log

fuzz_rows=""
for t in cmdline sysfs scenario ctl; do
	echo "== fuzz $t: $secs s"
	corpus=build-fuzz/corpus-$t
	mkdir -p "$corpus"
	# -timeout: no input may take 20 s (a hang is a finding too)
	if ! build-fuzz/fuzz-$t -max_total_time="$secs" -timeout=20 -print_final_stats=1 -artifact_prefix="build-fuzz/crash-$t-" \
		"$corpus" "tests/fuzz/$t" > "build-fuzz/fuzz-$t.log" 2>&1; then
		fail=1
		grep -m3 -E "ERROR|SUMMARY" "build-fuzz/fuzz-$t.log"
	fi
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "build-fuzz/fuzz-$t.log")
	crashes=$(ls build-fuzz/crash-$t-* 2>/dev/null | wc -l)
	fuzz_rows="$fuzz_rows$(printf '%-34s %s execs, %s crashes' "  fuzz $t" "${execs:-0}" "$crashes")
"
done

a=build-asan/stress-long.log; b=build-tsan/stress-long.log
sum() { echo $(( $(field "$1" "$a") + $(field "$1" "$b") )); }
echo
echo "check-long summary"
printf '%-34s %s\n' "  stress operations" "$(sed -n 's/.*: \([0-9]*\) ops,.*/\1/p' $a | tail -1) + $(sed -n 's/.*: \([0-9]*\) ops,.*/\1/p' $b | tail -1)"
printf '%-34s %s\n' "  seeds" "$seed (ASan), $((seed + 1)) (TSan)"
printf '%s' "$fuzz_rows"
printf '%-34s %s\n' "  injected faults" "$(sum 'faults armed')"
printf '%-34s %s\n' "  bytes checked" "$(sum 'bytes checked')"
printf '%-34s %s\n' "  audits" "$(sum audits)"
printf '%-34s %s\n' "  violations found" "$(sum violations)"
[ "$fail" = 0 ] && echo "check-long: ok" || echo "check-long: FAILED"
exit "$fail"
