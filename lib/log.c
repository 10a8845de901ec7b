// SPDX-License-Identifier: MIT
/*
 * log.c - the machine's kernel log, like dmesg.
 *
 * A bounded ring of lines, each prefixed with the time since the machine
 * booted in the kernel's "[%5lu.%06lu] " form.  Lines carry a sequence
 * number so that readers (the scenario runner, the daemon's /dev/kmsg-like
 * view) can ask for "everything since seq N" without a lock held across
 * calls.  When the ring is full the oldest line is dropped, as printk does.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

#define LOG_LINES 4096
#define LOG_LINE_MAX 256

struct log_ring {
	pthread_mutex_t lock;
	struct timespec boot;
	uint64_t next_seq;	/* seq of the next line written */
	char lines[LOG_LINES][LOG_LINE_MAX];
};

struct log_ring *log_create(void)
{
	struct log_ring *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	pthread_mutex_init(&l->lock, NULL);
	clock_gettime(CLOCK_MONOTONIC, &l->boot);
	return l;
}

void log_destroy(struct log_ring *l)
{
	if (!l)
		return;
	pthread_mutex_destroy(&l->lock);
	free(l);
}

void mlog(struct memhp_machine *m, const char *fmt, ...)
{
	struct log_ring *l = m->log;
	struct timespec now;
	char msg[LOG_LINE_MAX - 32];
	va_list ap;
	long sec, usec;

	if (!l)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	clock_gettime(CLOCK_MONOTONIC, &now);
	sec = now.tv_sec - l->boot.tv_sec;
	usec = (now.tv_nsec - l->boot.tv_nsec) / 1000;
	if (usec < 0) {
		usec += 1000000;
		sec--;
	}
	pthread_mutex_lock(&l->lock);
	snprintf(l->lines[l->next_seq % LOG_LINES], LOG_LINE_MAX, "[%5ld.%06ld] %s", sec, usec, msg);
	l->next_seq++;
	pthread_mutex_unlock(&l->lock);
}

size_t memhp_log_read(struct memhp_machine *m, uint64_t *seq, char *buf, size_t len)
{
	machine_check(m);
	struct log_ring *l = m->log;
	size_t used = 0;
	uint64_t s;

	if (len)
		buf[0] = '\0';
	pthread_mutex_lock(&l->lock);
	s = *seq;
	if (l->next_seq > LOG_LINES && s < l->next_seq - LOG_LINES)
		s = l->next_seq - LOG_LINES;	/* lines lost to wrap-around */
	for (; s < l->next_seq; s++) {
		const char *line = l->lines[s % LOG_LINES];
		size_t n = strlen(line);

		if (used + n + 2 > len)
			break;
		memcpy(buf + used, line, n);
		buf[used + n] = '\n';
		used += n + 1;
		buf[used] = '\0';
	}
	*seq = s;
	pthread_mutex_unlock(&l->lock);
	return used;
}

uint64_t memhp_log_seq(struct memhp_machine *m)
{
	machine_check(m);
	struct log_ring *l = m->log;
	uint64_t s;

	pthread_mutex_lock(&l->lock);
	s = l->next_seq;
	pthread_mutex_unlock(&l->lock);
	return s;
}

/* an errno's name, as the tools and the log print it */
const char *memhp_strerror(int err)
{
	static const struct { int e; const char *n; } names[] = {
		{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { EINTR, "EINTR" }, { ENXIO, "ENXIO" },
		{ E2BIG, "E2BIG" }, { ENOMEM, "ENOMEM" }, { EACCES, "EACCES" }, { EBUSY, "EBUSY" },
		{ EEXIST, "EEXIST" }, { ENODEV, "ENODEV" }, { ENOTDIR, "ENOTDIR" }, { EISDIR, "EISDIR" },
		{ EINVAL, "EINVAL" }, { ENOSPC, "ENOSPC" }, { ERANGE, "ERANGE" },
		{ EOPNOTSUPP, "ENOTSUP" }, { EHWPOISON, "EHWPOISON" }, { EUCLEAN, "EUCLEAN" },
		{ EIO, "EIO" }, { EAGAIN, "EAGAIN" }, { EFAULT, "EFAULT" }, { EPIPE, "EPIPE" },
		{ ETIMEDOUT, "ETIMEDOUT" }, { ENAMETOOLONG, "ENAMETOOLONG" }, { EXDEV, "EXDEV" },
		{ ENOTCONN, "ENOTCONN" }, { ECONNREFUSED, "ECONNREFUSED" },
	};

	if (err < 0)
		err = -err;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i].e == err)
			return names[i].n;
	return "EUNKNOWN";
}
