#!/bin/sh
# Records Debian's arm64 Linux 6.12 answering random arm64 scenarios: for
# each seed, gen.py SEED --arch writes the scenario and its kernel options,
# run-scenario-arm64 runs it on the PROFILE's kernel (QEMU virt under UEFI,
# 10-30 s a run here), and the result is kept compressed as
# tests/oracle/arm64/random/PROFILE/SEED.json.xz, the seed appended to the
# SEEDS file beside it.  Seeds already recorded are skipped.
# Exits 1 when a seed could not be recorded.
# usage: tests/oracle/arm64/record-random.sh arm64-4k|arm64-16k FIRST LAST
#        (first runs scripts/install-arm64-oracle-deps.sh)
case "${1:-}" in -h|--help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0;; esac
set -eu
# the arguments are checked before anything is installed
case "${1:-}" in arm64-4k|arm64-16k) ;; *) echo "usage: $0 arm64-4k|arm64-16k FIRST_SEED LAST_SEED" >&2; exit 2;; esac
case "${2:-}:${3:-}" in
*[!0-9:]*|:*|*:) echo "usage: $0 arm64-4k|arm64-16k FIRST_SEED LAST_SEED" >&2; exit 2;;
esac
profile=$1 first=$2 last=$3
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
"$top/scripts/install-arm64-oracle-deps.sh"
dir=$here/random/$profile
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$dir"
failed=0
for seed in $(seq "$first" "$last"); do
	[ -f "$dir/$seed.json.xz" ] && continue
	python3 "$top/tests/oracle/gen.py" "$seed" --arch > "$work/$seed.scn"
	# shellcheck disable=SC2046
	if python3 "$here/run-scenario-arm64" --profile "$profile" --no-text -o "$work/$seed.json" "$work/$seed.scn" \
		$(python3 "$top/tests/oracle/gen.py" "$seed" --arch --options) > "$work/$seed.log" 2>&1; then
		xz -9 -c "$work/$seed.json" > "$work/$seed.json.xz"
		# whole or not at all: a file there is a seed recorded
		mv "$work/$seed.json.xz" "$dir/$seed.json.xz"
		echo "$seed" >> "$dir/SEEDS"
		echo "$profile seed $seed: recorded"
	else
		echo "$profile seed $seed: run-scenario-arm64 failed: $(tail -1 "$work/$seed.log")" >&2
		failed=$((failed + 1))
	fi
done
# a seed the kernel could not record (a crash, a boot that failed) fails the batch
[ "$failed" -eq 0 ]
