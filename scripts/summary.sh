#!/bin/sh
# Totals over the result files of every pass given as arguments; the last
# line is the plain "N passed, N failed" that CI reads.  Exit 1 on failure.
# usage: scripts/summary.sh BUILD_DIR...   (reads each BUILD_DIR/results.txt)
case "${1:-}" in -h|--help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0;; esac
set -u
p=0; f=0
for b in "$@"; do
	[ -f "$b/results.txt" ] || { echo "summary: no results in $b" >&2; f=$((f + 1)); continue; }
	bp=$(grep -c '^PASS' "$b/results.txt"); bf=$(grep -c '^FAIL' "$b/results.txt")
	echo "$b: $bp passed, $bf failed"
	grep '^FAIL' "$b/results.txt" | sed 's/^/  /'
	p=$((p + bp)); f=$((f + bf))
done
echo "$p passed, $f failed"
[ "$f" = 0 ]
