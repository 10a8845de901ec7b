// SPDX-License-Identifier: MIT
/*
 * progress.c - how far a long add or online is (memhp_set_progress).
 *
 * An add or online of many blocks reports the bytes done so far to the
 * callback the user set: `memhpctl plan` prints them once a second, the
 * demo draws node 0's free memory from them.  The operation in progress
 * is the one holding device_hotplug_lock, which orders the callback's
 * setting against the reports; an operation not begun reports nothing.
 */
#include "internal.h"

void memhp_set_progress(struct memhp_machine *m, memhp_progress_fn fn, void *arg)
{
	machine_check(m);
	pthread_mutex_lock(&m->device_hotplug_lock);
	m->progress.fn = fn;
	m->progress.arg = arg;
	pthread_mutex_unlock(&m->device_hotplug_lock);
}

void progress_begin(struct memhp_machine *m, const char *op, uint64_t total)
{
	m->progress.op = op;
	m->progress.done = 0;
	m->progress.total = total;
}

void progress_step(struct memhp_machine *m, uint64_t bytes)
{
	if (!m->progress.op)
		return;
	m->progress.done += bytes;
	if (m->progress.fn)
		m->progress.fn(m->progress.arg, m->progress.op, m->progress.done, m->progress.total);
}

void progress_end(struct memhp_machine *m)
{
	m->progress.op = NULL;
}
