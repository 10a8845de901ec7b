#!/bin/sh
# make install into a DESTDIR, then use what it installed as a user would:
# the files at PREFIX, the man pages formatted without a warning, and the
# example of libmemhp(3) built through pkg-config and run.
# usage: scripts/check-install.sh BUILD_DIR     exit 0 when all holds
case "${1:-}" in -h|--help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0;; esac
set -eu
build=$1
top=$(cd "$(dirname "$0")/.." && pwd)
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
make -s -C "$top" install BUILD="$build" DESTDIR="$dest" PREFIX=/opt/memhp >/dev/null
for f in bin/memhpctl bin/memhpd lib/libmemhp.a lib/libmemhp.so.0 lib/libmemhp-preload.so include/memhp/memhp.h lib/pkgconfig/memhp.pc \
	 share/man/man3/libmemhp.3 share/man/man8/memhpd.8 share/man/man8/memhpctl.8 \
	 lib/systemd/system/memhpd.service; do
	[ -f "$dest/opt/memhp/$f" ] || { echo "install: $f missing under PREFIX" >&2; exit 1; }
done
grep -qx 'prefix=/opt/memhp' "$dest/opt/memhp/lib/pkgconfig/memhp.pc"
# the unit: Type=notify, and it starts the memhpd installed at PREFIX
unit=$dest/opt/memhp/lib/systemd/system/memhpd.service
grep -qx 'Type=notify' "$unit" && grep -q "exec /opt/memhp/bin/memhpd --foreground" "$unit" &&
	! grep -q @PREFIX@ "$unit" || { echo "install: memhpd.service is wrong" >&2; exit 1; }
for p in "$dest"/opt/memhp/share/man/man*/*; do
	warn=$(groff -man -Tutf8 -ww -z "$p" 2>&1)
	[ -z "$warn" ] || { echo "$p: $warn" >&2; exit 1; }
done
# pkg-config answers for the DESTDIR tree with the sysroot prefixed
flags=$(PKG_CONFIG_LIBDIR="$dest/opt/memhp/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$dest" \
	pkg-config --cflags --libs memhp)
lib=$dest/opt/memhp/lib
# shellcheck disable=SC2086
cc -std=gnu11 -Wall -Werror "$top/tests/install/example.c" $flags -o "$dest/example"
LD_LIBRARY_PATH=$lib "$dest/example"
# the library exports its API only: a program's own free_pages, add_memory
# ... link beside it, static and shared
for how in static shared; do
	if [ $how = static ]; then link="$lib/libmemhp.a -pthread"; else link="-L$lib -lmemhp -pthread"; fi
	# shellcheck disable=SC2086
	cc -std=gnu11 -Wall -Werror -I"$dest/opt/memhp/include" "$top/tests/install/collide.c" $link \
		-o "$dest/collide-$how"
	LD_LIBRARY_PATH=$lib "$dest/collide-$how"
done
# and nothing but memhp_* is global in either
! nm -g --defined-only "$lib/libmemhp.a" | awk 'NF == 3 { print $3 }' | grep -v '^memhp_' | grep -q . || {
	echo "install: libmemhp.a exports more than memhp_*" >&2; exit 1; }
! nm -D --defined-only "$lib/libmemhp.so.0" | awk '{ print $3 }' | grep -v -e '^memhp_' -e '^MEMHP_' | grep -q . || {
	echo "install: libmemhp.so exports more than memhp_*" >&2; exit 1; }
