#!/bin/sh
# What `make bench-live` and the live tests run: Debian's memcached and
# Redis (unmodified binaries), sqlite3, mimalloc (the malloc of programs
# on glibc's), and the libraries they need.
#
#   scripts/install-live-deps.sh DIR    the servers' binaries end up in DIR/usr/bin
#
# memcached and redis-server are not installed with apt-get install: their
# maintainer scripts would start system services (a memcached on 11211, a
# redis on 6379) on this machine, and the project starts only the processes
# it runs itself.  Their packages are downloaded and unpacked into DIR
# instead; their shared libraries are installed as usual (no services).
case "${1:-}" in -h|--help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0;; esac
set -eu
dir=$1
top=$(cd "$(dirname "$0")/.." && pwd)
missing=""
for lib in libjemalloc.so.2 liblzf.so.1 libevent-2.1.so.7 libsasl2.so.2 libmimalloc.so.2; do
	ls /usr/lib/*/"$lib" >/dev/null 2>&1 && continue
	case $lib in
	libjemalloc*) missing="$missing libjemalloc2" ;;
	liblzf*) missing="$missing liblzf1" ;;
	libevent*) missing="$missing libevent-2.1-7" ;;
	libsasl2*) missing="$missing libsasl2-2" ;;
	libmimalloc*) missing="$missing libmimalloc2.0" ;;
	esac
done
command -v sqlite3 >/dev/null 2>&1 || missing="$missing sqlite3"
# shellcheck disable=SC2086
"$top/scripts/apt-install.sh" $missing
if [ -x "$dir/usr/bin/memcached" ] && [ -x "$dir/usr/bin/redis-server" ]; then
	exit 0
fi
mkdir -p "$dir/debs"
(cd "$dir/debs" && apt-get download -q memcached redis-server redis-tools >/dev/null 2>&1) || {
	apt-get update -q >/dev/null && (cd "$dir/debs" && apt-get download -q memcached redis-server redis-tools >/dev/null)
}
for deb in "$dir"/debs/*.deb; do
	dpkg-deb -x "$deb" "$dir"
done
rm -rf "$dir/debs"
"$dir/usr/bin/memcached" -V
"$dir/usr/bin/redis-server" --version
