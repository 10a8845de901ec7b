#!/bin/sh
# Installs what building and testing memhp needs, from Debian packages,
# when it is missing: cmocka (unit tests), libfuse3 + fuse3 (the ABI file
# system), pkg-config, python3 (the oracle conformance check), clang,
# libmimalloc-dev (the benchmarks' peer allocator),
# util-linux, bc, daxctl, ndctl, jq and linux-source-6.12 (the integration
# tests run lsmem, chmem, daxctl, cxl and the kernel's own memory-hotplug
# selftest).  Runs as root in CI; elsewhere it says
# what to install.
# usage: scripts/install-deps.sh   (no arguments)
case "${1:-}" in -h|--help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0;; esac
set -eu
missing=""
pkg-config --exists cmocka 2>/dev/null || missing="$missing libcmocka-dev"
pkg-config --exists fuse3 2>/dev/null || missing="$missing libfuse3-dev fuse3"
command -v pkg-config >/dev/null 2>&1 || missing="$missing pkg-config"
command -v python3 >/dev/null 2>&1 || missing="$missing python3"
command -v clang >/dev/null 2>&1 || missing="$missing clang"
# the integration tests: util-linux's lsmem/chmem/setpriv, the kernel's
# memory-hotplug selftest (from the kernel source package) and its bc
command -v lsmem >/dev/null 2>&1 || missing="$missing util-linux"
command -v chmem >/dev/null 2>&1 || missing="$missing util-linux"
command -v bc >/dev/null 2>&1 || missing="$missing bc"
command -v fusermount3 >/dev/null 2>&1 || missing="$missing fuse3"
# mimalloc: the peer allocator of the benchmarks
ls /usr/lib/*/libmimalloc.so.2 >/dev/null 2>&1 || missing="$missing libmimalloc-dev"
# groff: the man pages are checked for warnings
command -v groff >/dev/null 2>&1 || missing="$missing groff-base"
# daxctl (ndctl): the dax tool the integration tests drive memhp with
command -v daxctl >/dev/null 2>&1 || missing="$missing daxctl"
# cxl and ndctl (ndctl): the CXL integration tests and ndctl's own cxl tests
command -v cxl >/dev/null 2>&1 || missing="$missing ndctl"
command -v jq >/dev/null 2>&1 || missing="$missing jq"
command -v uuidgen >/dev/null 2>&1 || missing="$missing uuid-runtime"
[ -f /usr/src/linux-source-6.12.tar.xz ] || missing="$missing linux-source-6.12"
# shellcheck disable=SC2086
exec "$(dirname "$0")/apt-install.sh" $missing
