#!/bin/sh
# Installs what recording the real kernel's answers needs (../shared/oracle's
# run-scenario, tests/oracle/record-random.sh): QEMU, a static busybox for
# the guest's initramfs and Debian's Linux 6.12 image.  Not needed to build
# or test memhp: the recorded runs are committed.  Runs as root.
# usage: scripts/install-oracle-deps.sh   (no arguments)
case "${1:-}" in -h|--help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0;; esac
set -eu
missing=""
command -v qemu-system-x86_64 >/dev/null 2>&1 || missing="$missing qemu-system-x86"
[ -x /bin/busybox ] || missing="$missing busybox-static"
ls /boot/vmlinuz-6.12.*+deb12-amd64 >/dev/null 2>&1 ||
	missing="$missing linux-image-6.12.107+deb12-amd64-unsigned"
command -v xz >/dev/null 2>&1 || missing="$missing xz-utils"
# shellcheck disable=SC2086
exec "$(dirname "$0")/apt-install.sh" --no-install-recommends $missing
