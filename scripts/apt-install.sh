#!/bin/sh
# Installs the Debian packages named, which the caller found missing:
#   scripts/apt-install.sh [--no-install-recommends] PACKAGE...
# Nothing named: nothing to do.  Not root: says what to install, exits 1.
# Shared by install-deps.sh and the oracles' install scripts.
case "${1:-}" in -h|--help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0;; esac
set -eu
opt=""
if [ "${1:-}" = --no-install-recommends ]; then
	opt=$1
	shift
fi
[ $# -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "memhp: missing packages: $* (run as root, or: apt-get install $*)" >&2
	exit 1
fi
echo "memhp: installing $*"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
# shellcheck disable=SC2086
apt-get install -y -q $opt "$@" >/dev/null
