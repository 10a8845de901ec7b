#!/bin/sh
# Records Debian's arm64 Linux 6.12 answering random arm64 scenarios: for
# each seed, gen.py SEED --arch writes the scenario and its kernel options,
# run-scenario-arm64 runs it on the PROFILE's kernel (QEMU virt under UEFI,
# 10-30 s a run here), and the result is kept compressed as
# tests/oracle/arm64/random/PROFILE/SEED.json.xz, the seed appended to the
# SEEDS file beside it.  Seeds already recorded are skipped.  The work is
# tests/oracle/record-random.sh --arch PROFILE's.
# Exits 1 when a seed could not be recorded.
# usage: tests/oracle/arm64/record-random.sh arm64-4k|arm64-16k FIRST LAST
#        (first runs scripts/install-arm64-oracle-deps.sh)
case "${1:-}" in -h|--help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0;; esac
case "${1:-}" in arm64-4k|arm64-16k) ;; *) echo "usage: $0 arm64-4k|arm64-16k FIRST_SEED LAST_SEED" >&2; exit 2;; esac
exec "$(dirname "$0")/../record-random.sh" --arch "$@"
