#!/bin/sh
# What recording arm64 runs needs (tests/oracle/arm64/run-scenario-arm64):
# qemu-system-aarch64 and the UEFI firmware of its virt machine, a cross
# compiler for the harness's memtool, and - unpacked, not installed - the
# arm64 packages of Debian's Linux 6.12 (4 KiB and 16 KiB pages) and of
# busybox-static, in ARM64_ROOT (default /var/cache/memhp-arm64/root).
# Not needed to build or test memhp: the recorded runs are committed.
# Runs as root.
# usage: scripts/install-arm64-oracle-deps.sh   (no arguments)
case "${1:-}" in -h|--help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0;; esac
set -eu
root=${ARM64_ROOT:-/var/cache/memhp-arm64/root}
rel=6.12.107+deb12-arm64
missing=""
command -v qemu-system-aarch64 >/dev/null 2>&1 || missing="$missing qemu-system-arm"
[ -f /usr/share/qemu-efi-aarch64/QEMU_EFI.fd ] || missing="$missing qemu-efi-aarch64"
command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 || missing="$missing gcc-aarch64-linux-gnu libc6-dev-arm64-cross"
# shellcheck disable=SC2086
"$(dirname "$0")/apt-install.sh" --no-install-recommends $missing
if [ ! -f "$root/boot/vmlinuz-$rel" ] || [ ! -f "$root/boot/vmlinuz-$rel-16k" ] || [ ! -x "$root/bin/busybox" ]; then
	dpkg --print-foreign-architectures | grep -qx arm64 || { dpkg --add-architecture arm64; apt-get update -q >/dev/null; }
	dl=$(mktemp -d)
	chmod 755 "$dl"
	(cd "$dl" && apt-get download -q "linux-image-$rel-unsigned:arm64" "linux-image-$rel-16k-unsigned:arm64" \
		busybox-static:arm64 >/dev/null)
	mkdir -p "$root"
	for d in "$dl"/*.deb; do dpkg -x "$d" "$root"; done
	rm -rf "$dl"
fi
