#!/bin/sh
# make demo: the main job - why memmap_on_memory exists, in one command.
# 2 GiB of boot RAM on node 0, a 256 GiB CXL expander on memory-less node 1
# through dax/kmem, with memory_hotplug.memmap_on_memory=0 and =1; a table
# per mode and a picture (BUILD_DIR/demo.svg, and BUILD_DIR/demo.json).
# usage: scripts/demo.sh [BUILD_DIR]   (default build; after make all)
case "${1:-}" in -h|--help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0;; esac
set -eu
build=${1:-build}
"$build/memhpctl" demo --svg "$build/demo.svg" --json "$build/demo.json"
