/* SPDX-License-Identifier: MIT */
/*
 * lifecycle.h - memhpd's claim on its mount point and control socket, and
 * its word to systemd.
 *
 * A daemon may take a path only when no live memhpd holds it, and may
 * remove on exit only what it created itself: another daemon's live
 * socket, a user's regular file or a second daemon's tree stay untouched.
 * What a crashed memhpd left behind (a dead FUSE mount, a socket nobody
 * answers on) is recognised, cleaned, and reported in one line each.
 */
#ifndef MEMHP_TOOLS_LIFECYCLE_H
#define MEMHP_TOOLS_LIFECYCLE_H

#include <stddef.h>
#include <sys/types.h>

/* the socket file this daemon bound: removed on exit only if still it */
struct owned_socket {
	char path[4096];
	dev_t dev;
	ino_t ino;
	int fd;
};

/*
 * Make ABS (absolute) free for a new memhpd mount: nothing mounted there,
 * or a dead memhpd tree, which is unmounted (note says so).  A live
 * memhpd tree or another file system there is refused (-EBUSY) with the
 * reason in why.
 */
int mount_point_claim(const char *abs, char *note, size_t nlen, char *why, size_t wlen);

/*
 * Bind and listen on PATH (0600 from the start).  A socket another live
 * daemon answers on, or a path that is not a socket, is refused (-EBUSY,
 * -EEXIST) with the reason in why; a socket nobody answers on is the
 * leftover of a crash: removed (note says so) and taken.
 */
int socket_claim(const char *path, struct owned_socket *s, char *note, size_t nlen, char *why, size_t wlen);

/* close the socket; unlink its path only when it is still our inode */
void socket_release(struct owned_socket *s);

/* sd_notify(3) without libsystemd: one datagram to $NOTIFY_SOCKET, if set */
int notify_systemd(const char *state);

#endif
