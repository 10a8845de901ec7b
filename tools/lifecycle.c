// SPDX-License-Identifier: MIT
/*
 * lifecycle.c - memhpd's mount point, control socket and systemd
 * notification (lifecycle.h).
 */
#include <errno.h>
#include <spawn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lifecycle.h"
#include "mounts.h"

extern char **environ;

/* fusermount3 -u -z: how a user who may not umount(2) leaves a FUSE mount */
static int fusermount_lazy(const char *abs)
{
	char *argv[] = { "fusermount3", "-u", "-z", (char *)abs, NULL };
	pid_t pid;
	int status;

	if (posix_spawnp(&pid, "fusermount3", NULL, NULL, argv, environ))
		return -ENOENT;
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		return -EPERM;
	return 0;
}

int mount_point_claim(const char *abs, char *note, size_t nlen, char *why, size_t wlen)
{
	note[0] = '\0';
	switch (memhpd_mount_state(abs, NULL)) {
	case MEMHPD_MOUNT_NONE:
		return 0;
	case MEMHPD_MOUNT_LIVE:
		why_set(why, wlen, "a live memhpd already serves its tree on %s (stop that memhpd first: "
			"memhpctl --socket SOCKET shutdown, with the socket it was started with)", abs);
		return -EBUSY;
	case MEMHPD_MOUNT_OTHER:
		why_set(why, wlen, "another file system is mounted on %s; memhpd would hide it", abs);
		return -EBUSY;
	case MEMHPD_MOUNT_DEAD:
		break;
	}
	/* the daemon behind it is gone: nothing can be lost by detaching it */
	if (umount2(abs, MNT_DETACH) && fusermount_lazy(abs)) {
		why_set(why, wlen, "%s holds the dead tree of a crashed memhpd and it cannot be unmounted "
			"(try: fusermount3 -u -z %s)", abs, abs);
		return -EBUSY;
	}
	why_set(note, nlen, "unmounted the dead tree a crashed memhpd left on %s", abs);
	return 0;
}

/* does a daemon answer on PATH?  0 yes, -ECONNREFUSED nobody, else -errno */
static int socket_probe(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), ret = 0;

	if (fd < 0)
		return -errno;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		ret = -errno;
	close(fd);
	return ret;
}

/* a leftover socket is removed; anything else at PATH is refused */
static int socket_path_clear(const char *path, char *note, size_t nlen, char *why, size_t wlen)
{
	struct stat st;
	int ret;

	if (lstat(path, &st))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		why_set(why, wlen, "%s exists and is not a socket; memhpd will not replace it", path);
		return -EEXIST;
	}
	ret = socket_probe(path);
	if (!ret) {
		why_set(why, wlen, "another memhpd is running on %s (stop it first: memhpctl --socket %s shutdown)",
		    path, path);
		return -EBUSY;
	}
	if (ret != -ECONNREFUSED) {
		why_set(why, wlen, "cannot tell whether a memhpd listens on %s: %s", path, strerror(-ret));
		return ret;
	}
	if (unlink(path) && errno != ENOENT) {
		why_set(why, wlen, "cannot remove the stale socket %s: %s", path, strerror(errno));
		return -errno;
	}
	why_set(note, nlen, "removed the stale socket a crashed memhpd left at %s", path);
	return 0;
}

int socket_claim(const char *path, struct owned_socket *s, char *note, size_t nlen, char *why, size_t wlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old;
	int ret;

	note[0] = '\0';
	s->fd = -1;
	if (strlen(path) >= sizeof(sa.sun_path) || strlen(path) >= sizeof(s->path)) {
		why_set(why, wlen, "socket path %s is too long", path);
		return -ENAMETOOLONG;
	}
	ret = socket_path_clear(path, note, nlen, why, wlen);
	if (ret)
		return ret;
	strcpy(sa.sun_path, path);
	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		goto err;
	old = umask(0177);	/* 0600 from the start, not after a chmod */
	/* bind never replaces a file: a daemon that won a race keeps its socket */
	ret = bind(s->fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (ret)
		goto err_close;
	if (lstat(path, &st) || listen(s->fd, 16))
		goto err_unlink;
	snprintf(s->path, sizeof(s->path), "%s", path);
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	return 0;

err_unlink:
	ret = -errno;
	unlink(path);
	errno = -ret;
err_close:
	ret = -errno;
	close(s->fd);
	s->fd = -1;
	errno = -ret;
err:
	ret = -errno;
	why_set(why, wlen, "cannot listen on %s: %s", path, strerror(-ret));
	return ret;
}

void socket_release(struct owned_socket *s)
{
	struct stat st;

	if (s->fd < 0)
		return;
	close(s->fd);
	s->fd = -1;
	/* someone may have replaced it meanwhile: that file is not ours */
	if (!lstat(s->path, &st) && S_ISSOCK(st.st_mode) && st.st_dev == s->dev && st.st_ino == s->ino)
		unlink(s->path);
}

int notify_systemd(const char *state)
{
	const char *env = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t salen;
	size_t n;
	int fd;
	ssize_t sent;

	if (!env || (env[0] != '/' && env[0] != '@'))
		return 0;
	n = strlen(env);
	if (n >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, env, n);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';	/* an abstract socket */
	salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	sent = sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa, salen);
	close(fd);
	return sent < 0 ? -errno : 0;
}
