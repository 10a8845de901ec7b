// SPDX-License-Identifier: MIT
/*
 * uevent.c - kernel uevents (lib/kobject_uevent.c), as the kernel sends
 * them to user space: ACTION, DEVPATH, SUBSYSTEM and a SEQNUM that only
 * grows (uevent_seqnum; it is not given back when an operation fails and
 * undoes itself, as the kernel's add then remove events are not).
 *
 * The kernel multicasts each event on a netlink socket; a listener that
 * was not reading loses what overflowed its buffer.  Here the events sit
 * in one ring of the last `capacity`; each listener keeps the SEQNUM it
 * has seen and asks for the next (memhp_uevent_next), waiting for one if
 * it likes.  A listener that fell behind by more than the ring sees the
 * gap in the SEQNUMs, as udevd would.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "uevent.h"

struct uevent_ring {
	pthread_mutex_t lock;
	pthread_cond_t added;		/* a new event: waiting listeners look */
	uint64_t seqnum;		/* the last event's; 0: none yet */
	unsigned int capacity;
	struct memhp_uevent ev[];	/* event n at ev[n % capacity] */
};

struct uevent_ring *uevent_ring_create(unsigned int capacity)
{
	struct uevent_ring *u = calloc(1, sizeof(*u) + capacity * sizeof(u->ev[0]));
	pthread_condattr_t a;

	if (!u)
		return NULL;
	u->capacity = capacity;
	pthread_mutex_init(&u->lock, NULL);
	/* waits are timed on the monotonic clock: a settimeofday cannot stretch them */
	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&u->added, &a);
	pthread_condattr_destroy(&a);
	return u;
}

void uevent_ring_destroy(struct uevent_ring *u)
{
	if (!u)
		return;
	pthread_cond_destroy(&u->added);
	pthread_mutex_destroy(&u->lock);
	free(u);
}

static void uevent_add(struct uevent_ring *u, const char *action, const char *subsystem, const char *env,
		       const char *devpath_fmt, va_list ap)
{
	struct memhp_uevent *ev;

	pthread_mutex_lock(&u->lock);
	u->seqnum++;
	ev = &u->ev[u->seqnum % u->capacity];
	memset(ev, 0, sizeof(*ev));
	ev->seqnum = u->seqnum;
	snprintf(ev->action, sizeof(ev->action), "%s", action);
	snprintf(ev->subsystem, sizeof(ev->subsystem), "%s", subsystem);
	snprintf(ev->env, sizeof(ev->env), "%s", env);
	vsnprintf(ev->devpath, sizeof(ev->devpath), devpath_fmt, ap);
	pthread_cond_broadcast(&u->added);
	pthread_mutex_unlock(&u->lock);
}

void kobject_uevent(struct uevent_ring *u, const char *action, const char *subsystem,
		    const char *devpath_fmt, ...)
{
	va_list ap;

	if (!u)
		return;
	va_start(ap, devpath_fmt);
	uevent_add(u, action, subsystem, "", devpath_fmt, ap);
	va_end(ap);
}

void kobject_uevent_env(struct uevent_ring *u, const char *action, const char *subsystem, const char *env,
			const char *devpath_fmt, ...)
{
	va_list ap;

	if (!u)
		return;
	va_start(ap, devpath_fmt);
	uevent_add(u, action, subsystem, env, devpath_fmt, ap);
	va_end(ap);
}

uint64_t uevent_seqnum(struct uevent_ring *u)
{
	uint64_t s;

	pthread_mutex_lock(&u->lock);
	s = u->seqnum;
	pthread_mutex_unlock(&u->lock);
	return s;
}

/* the deadline timeout_ms from now on the monotonic clock */
static struct timespec deadline_in(int timeout_ms)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += timeout_ms / 1000;
	t.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

/*
 * The first event after SEQNUM `after` still kept (the oldest kept, when
 * the ring overwrote some: its SEQNUM shows the gap).  None yet: wait up
 * to timeout_ms (< 0: until one comes), then -EAGAIN.
 */
int uevent_next(struct uevent_ring *u, uint64_t after, int timeout_ms, struct memhp_uevent *ev)
{
	struct timespec until = deadline_in(timeout_ms > 0 ? timeout_ms : 0);
	int ret = 0;

	pthread_mutex_lock(&u->lock);
	while (u->seqnum <= after && !ret) {
		if (!timeout_ms)
			ret = -EAGAIN;
		else if (timeout_ms < 0)
			pthread_cond_wait(&u->added, &u->lock);
		else if (pthread_cond_timedwait(&u->added, &u->lock, &until) == ETIMEDOUT)
			ret = u->seqnum > after ? 0 : -EAGAIN;
	}
	if (!ret) {
		uint64_t oldest = u->seqnum >= u->capacity ? u->seqnum - u->capacity + 1 : 1;
		uint64_t n = after + 1 > oldest ? after + 1 : oldest;

		*ev = u->ev[n % u->capacity];
	}
	pthread_mutex_unlock(&u->lock);
	return ret;
}
