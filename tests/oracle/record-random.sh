#!/bin/sh
# Records the real kernel's answer to random scenarios: for each seed,
# gen.py writes the scenario and its kernel options, ../shared/oracle's
# run-scenario runs it on Linux 6.12 in QEMU (about 15 s a run here), and
# the result is kept compressed as tests/oracle/random/SEED.json.xz, with
# the seed appended to tests/oracle/random/SEEDS.  Seeds already recorded
# are skipped.
# With --arch PROFILE (arm64-4k, arm64-16k): gen.py SEED --arch's arm64
# scenarios, run by tests/oracle/arm64/run-scenario-arm64 on that kernel
# (QEMU virt under UEFI, 10-30 s a run) into
# tests/oracle/arm64/random/PROFILE/ (tests/oracle/arm64/record-random.sh
# says the same).
# Exits 1 when a seed could not be recorded.
# usage: tests/oracle/record-random.sh [--arch PROFILE] FIRST LAST
#        (seeds FIRST..LAST; first runs scripts/install-oracle-deps.sh,
#        which installs qemu-system-x86, busybox-static and
#        linux-image-6.12.107+deb12-amd64-unsigned when missing, or with
#        --arch scripts/install-arm64-oracle-deps.sh)
case "${1:-}" in -h|--help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0;; esac
set -eu
usage="usage: $0 [--arch arm64-4k|arm64-16k] FIRST_SEED LAST_SEED"
profile=
if [ "${1:-}" = --arch ]; then
	case "${2:-}" in arm64-4k|arm64-16k) profile=$2 ;; *) echo "$usage" >&2; exit 2;; esac
	shift 2
fi
# the arguments are checked before anything is installed
case "${1:-}:${2:-}" in
*[!0-9:]*|:*|*:) echo "$usage" >&2; exit 2;;
esac
first=$1 last=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
if [ -n "$profile" ]; then
	"$top/scripts/install-arm64-oracle-deps.sh"
	set -- python3 "$top/tests/oracle/arm64/run-scenario-arm64" --profile "$profile"
	arch=--arch label="$profile seed" dir=$top/tests/oracle/arm64/random/$profile
else
	"$top/scripts/install-oracle-deps.sh"
	set -- python3 "$top/../shared/oracle/run-scenario"
	arch='' label=seed dir=$top/tests/oracle/random
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$dir"
failed=0
for seed in $(seq "$first" "$last"); do
	[ -f "$dir/$seed.json.xz" ] && continue
	# shellcheck disable=SC2086
	python3 "$top/tests/oracle/gen.py" "$seed" $arch > "$work/$seed.scn"
	# shellcheck disable=SC2046,SC2086
	if "$@" --no-text -o "$work/$seed.json" "$work/$seed.scn" \
		$(python3 "$top/tests/oracle/gen.py" "$seed" $arch --options) > "$work/$seed.log" 2>&1; then
		xz -9 -c "$work/$seed.json" > "$work/$seed.json.xz"
		# whole or not at all: a file there is a seed recorded
		mv "$work/$seed.json.xz" "$dir/$seed.json.xz"
		echo "$seed" >> "$dir/SEEDS"
		echo "$label $seed: recorded"
	else
		echo "$label $seed: the recording failed: $(tail -1 "$work/$seed.log")" >&2
		failed=$((failed + 1))
	fi
done
# a seed the kernel could not record (a crash, a boot that failed) fails the batch
[ "$failed" -eq 0 ]
