#!/bin/sh
# make demo: the same 64 GiB hot-add on a 1 GiB machine, with
# memory_hotplug.memmap_on_memory=0 and =1, side by side.
set -eu
build=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
for mode in 0 1; do
	echo "=== memory_hotplug.memmap_on_memory=$mode"
	"$build/memhpctl" run "$top/scenarios/demo-64g.scn" "memory_hotplug.memmap_on_memory=$mode"
	echo
done
