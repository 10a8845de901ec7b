// SPDX-License-Identifier: MIT
/*
 * notifier.c - the memory notifier chain and its error injection
 * (kernel/notifier.c, drivers/base/memory.c:memory_notify,
 * lib/memory-notifier-error-inject.c).
 *
 * Callbacks run in descending priority, FIFO among equals; the chain stops
 * at the first callback whose result carries NOTIFY_STOP_MASK, and
 * memory_notify() turns that result back into an errno
 * (notifier_to_errno).  Callers ignore the result of MEM_ONLINE,
 * MEM_OFFLINE, the CANCEL and FINISH events, as the kernel does.
 *
 * The debugfs error-injection module is modelled as one more callback with
 * its module priority: a non-zero value in
 * actions/MEM_GOING_{ONLINE,OFFLINE}/error (clamped to [-4095, 0]) makes
 * that event fail with that errno.
 */
#include <stdlib.h>

#include "internal.h"

static int call_chain(struct memhp_machine *m, enum memhp_mem_action action,
		      struct memhp_memory_notify *arg)
{
	int ret = NOTIFY_DONE;
	bool inject_done = false;

	pthread_mutex_lock(&m->notifier_lock);
	for (struct notifier_block *nb = m->notifiers;; nb = nb->next) {
		/* the injection module sits in the chain at its priority */
		if (!inject_done && (!nb || m->inject_priority > nb->priority)) {
			int err = m->inject_err[action];

			inject_done = true;
			ret = notifier_from_errno(err);
			if (ret & NOTIFY_STOP_MASK)
				break;
		}
		if (!nb)
			break;
		ret = notifier_from_errno(nb->fn(nb->arg, action, arg));
		if (ret & NOTIFY_STOP_MASK)
			break;
	}
	pthread_mutex_unlock(&m->notifier_lock);
	return ret;
}

int memory_notify(struct memhp_machine *m, enum memhp_mem_action action,
		  struct memhp_memory_notify *arg)
{
	int ret = notifier_to_errno(call_chain(m, action, arg));

	/* a fault injected into the events whose result counts */
	if (!ret && (action == MEMHP_MEM_PREPARE_ONLINE || action == MEMHP_MEM_GOING_ONLINE ||
		     action == MEMHP_MEM_GOING_OFFLINE) && should_fail(m))
		ret = -ENOMEM;
	return ret;
}

int memhp_register_memory_notifier(struct memhp_machine *m, memhp_notifier_fn fn, void *arg,
				   int priority)
{
	machine_check(m);
	struct notifier_block *nb, **p;

	if (!fn)
		return -EINVAL;
	nb = calloc(1, sizeof(*nb));
	if (!nb)
		return -ENOMEM;
	nb->fn = fn;
	nb->arg = arg;
	nb->priority = priority;
	pthread_mutex_lock(&m->notifier_lock);
	/* after every entry of higher or equal priority: FIFO among equals */
	for (p = &m->notifiers; *p && (*p)->priority >= priority; p = &(*p)->next)
		;
	nb->next = *p;
	*p = nb;
	pthread_mutex_unlock(&m->notifier_lock);
	return 0;
}

int memhp_unregister_memory_notifier(struct memhp_machine *m, memhp_notifier_fn fn, void *arg)
{
	machine_check(m);
	int ret = -ENOENT;

	pthread_mutex_lock(&m->notifier_lock);
	for (struct notifier_block **p = &m->notifiers; *p; p = &(*p)->next) {
		if ((*p)->fn == fn && (*p)->arg == arg) {
			struct notifier_block *nb = *p;

			*p = nb->next;
			free(nb);
			ret = 0;
			break;
		}
	}
	pthread_mutex_unlock(&m->notifier_lock);
	return ret;
}

void notifiers_destroy(struct memhp_machine *m)
{
	while (m->notifiers) {
		struct notifier_block *nb = m->notifiers;

		m->notifiers = nb->next;
		free(nb);
	}
}

int err_inject_get(struct memhp_machine *m, enum memhp_mem_action a)
{
	int v;

	pthread_mutex_lock(&m->notifier_lock);
	v = m->inject_err[a];
	pthread_mutex_unlock(&m->notifier_lock);
	return v;
}

/* lib/notifier-error-inject.c:debugfs_errno_set: clamp to [-MAX_ERRNO, 0] */
int err_inject_set(struct memhp_machine *m, enum memhp_mem_action a, long long v)
{
	if (v < -4095)
		v = -4095;
	if (v > 0)
		v = 0;
	pthread_mutex_lock(&m->notifier_lock);
	m->inject_err[a] = (int)v;
	pthread_mutex_unlock(&m->notifier_lock);
	return 0;
}
