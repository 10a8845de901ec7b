// SPDX-License-Identifier: MIT
/*
 * mounts.c - is this directory a live memhpd tree?  (mounts.h)
 *
 * The answer comes from the kernel's mount table, /proc/self/mountinfo,
 * never from the tree itself: anything can create a file named like one
 * of memhpd's, but only a FUSE mount made by memhpd carries its fstype
 * and source.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "mounts.h"

void why_set(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

int memhpd_abspath(const char *path, char *out, size_t len)
{
	char buf[4096];
	size_t n = 0;

	if (!*path)
		return -ENOENT;
	if (path[0] == '/') {
		snprintf(buf, sizeof(buf), "%s", path);
	} else {
		char *cwd = getcwd(NULL, 0);
		int w;

		if (!cwd)
			return -errno;
		w = snprintf(buf, sizeof(buf), "%s/%s", cwd, path);
		free(cwd);
		if (w < 0 || (size_t)w >= sizeof(buf))
			return -ENAMETOOLONG;
	}
	/* component by component: "." dropped, ".." pops, "//" collapses */
	for (char *save = NULL, *c = strtok_r(buf, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (!strcmp(c, "."))
			continue;
		if (!strcmp(c, "..")) {
			while (n && out[--n] != '/')
				;
			continue;
		}
		if (n + 1 + strlen(c) + 1 > len)
			return -ENAMETOOLONG;
		out[n++] = '/';
		memcpy(out + n, c, strlen(c));
		n += strlen(c);
	}
	if (!n) {
		if (len < 2)
			return -ENAMETOOLONG;
		out[n++] = '/';
	}
	out[n] = '\0';
	return 0;
}

/* mountinfo escapes space, tab, newline and backslash as \ooo */
static void unescape(char *s)
{
	char *d = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)(((s[1] - '0') << 6) | ((s[2] - '0') << 3) | (s[3] - '0'));
			s += 3;
		} else {
			*d++ = *s;
		}
	}
	*d = '\0';
}

struct mount_entry {
	unsigned int major, minor;
	char fstype[64], source[64];
};

/* one mountinfo line: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [TAGS] - TYPE SOURCE SUPEROPTS" */
static int parse_mountinfo_line(char *line, char *point, size_t len, struct mount_entry *e)
{
	char *dash = strstr(line, " - ");
	char mp[4096];

	if (!dash || sscanf(line, "%*u %*u %u:%u %*s %4095s", &e->major, &e->minor, mp) != 3)
		return -EINVAL;
	if (sscanf(dash + 3, "%63s %63s", e->fstype, e->source) != 2)
		return -EINVAL;
	unescape(mp);
	snprintf(point, len, "%s", mp);
	return 0;
}

/* the topmost mount on ABS: mountinfo lists a stack bottom first */
static bool topmost_mount(const char *abs, struct mount_entry *top)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL, point[4096];
	size_t cap = 0;
	bool found = false;

	if (!f)
		return false;
	while (getline(&line, &cap, f) > 0) {
		struct mount_entry e;

		if (!parse_mountinfo_line(line, point, sizeof(point), &e) && !strcmp(point, abs)) {
			*top = e;
			found = true;
		}
	}
	free(line);
	fclose(f);
	return found;
}

enum memhpd_mount memhpd_mount_state(const char *abs, dev_t *dev)
{
	struct mount_entry e;
	struct stat st;

	if (!topmost_mount(abs, &e))
		return MEMHPD_MOUNT_NONE;
	if (strcmp(e.fstype, MEMHPD_FSTYPE) || strcmp(e.source, MEMHPD_FSNAME))
		return MEMHPD_MOUNT_OTHER;
	if (dev)
		*dev = makedev(e.major, e.minor);
	/* a FUSE mount whose daemon died answers every call with ENOTCONN */
	if (stat(abs, &st))
		return errno == ENOTCONN ? MEMHPD_MOUNT_DEAD : MEMHPD_MOUNT_OTHER;
	return st.st_dev == makedev(e.major, e.minor) ? MEMHPD_MOUNT_LIVE : MEMHPD_MOUNT_OTHER;
}

int memhpd_tree_prove(const char *dir, dev_t *dev, char *why, size_t len)
{
	char abs[4096];
	int ret = memhpd_abspath(dir, abs, sizeof(abs));

	if (ret) {
		snprintf(why, len, "%s: %s", dir, strerror(-ret));
		return ret;
	}
	switch (memhpd_mount_state(abs, dev)) {
	case MEMHPD_MOUNT_LIVE:
		return 0;
	case MEMHPD_MOUNT_DEAD:
		snprintf(why, len, "%s is the tree of a memhpd that is no longer running "
			 "(restart memhpd on it, or unmount it: fusermount3 -u %s)", abs, abs);
		return -ENOTCONN;
	case MEMHPD_MOUNT_OTHER:
		snprintf(why, len, "%s is not a memhpd tree (another file system is mounted there)", abs);
		return -EPERM;
	case MEMHPD_MOUNT_NONE:
	default:
		snprintf(why, len, "no memhpd tree is mounted on %s (start one: memhpd --mount %s)", abs, abs);
		return -ENOENT;
	}
}
