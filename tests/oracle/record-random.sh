#!/bin/sh
# Records the real kernel's answer to random scenarios: for each seed,
# gen.py writes the scenario and its kernel options, ../shared/oracle's
# run-scenario runs it on Linux 6.12 in QEMU (about 15 s a run here), and
# the result is kept compressed as tests/oracle/random/SEED.json.xz, with
# the seed appended to tests/oracle/random/SEEDS.
# Exits 1 when a seed could not be recorded.
# usage: tests/oracle/record-random.sh FIRST LAST    (seeds FIRST..LAST;
#        first runs scripts/install-oracle-deps.sh, which installs
#        qemu-system-x86, busybox-static and
#        linux-image-6.12.107+deb12-amd64-unsigned when missing)
case "${1:-}" in -h|--help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0;; esac
set -eu
# the arguments are checked before anything is installed
case "${1:-}:${2:-}" in
*[!0-9:]*|:*|*:) echo "usage: $0 FIRST_SEED LAST_SEED" >&2; exit 2;;
esac
top=$(cd "$(dirname "$0")/../.." && pwd)
"$top/scripts/install-oracle-deps.sh"
oracle=$top/../shared/oracle
dir=$top/tests/oracle/random
first=$1 last=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$dir"
failed=0
for seed in $(seq "$first" "$last"); do
	[ -f "$dir/$seed.json.xz" ] && continue
	python3 "$top/tests/oracle/gen.py" "$seed" > "$work/$seed.scn"
	# shellcheck disable=SC2046
	if python3 "$oracle/run-scenario" --no-text -o "$work/$seed.json" "$work/$seed.scn" \
		$(python3 "$top/tests/oracle/gen.py" "$seed" --options) > "$work/$seed.log" 2>&1; then
		xz -9 -c "$work/$seed.json" > "$work/$seed.json.xz"
		# whole or not at all: a file there is a seed recorded
		mv "$work/$seed.json.xz" "$dir/$seed.json.xz"
		echo "$seed" >> "$dir/SEEDS"
		echo "seed $seed: recorded"
	else
		echo "seed $seed: run-scenario failed: $(tail -1 "$work/$seed.log")" >&2
		failed=$((failed + 1))
	fi
done
# a seed the kernel could not record (a crash, a boot that failed) fails the batch
[ "$failed" -eq 0 ]
