/* SPDX-License-Identifier: MIT */
/*
 * uevent.h - the machine's kernel uevents (lib/kobject_uevent.c): what a
 * netlink listener such as udevd would receive, kept in a ring that
 * listeners read by sequence number.
 */
#ifndef MEMHP_UEVENT_H
#define MEMHP_UEVENT_H

#include <stdint.h>

#include "memhp/memhp.h"

struct uevent_ring;

struct uevent_ring *uevent_ring_create(unsigned int capacity);
void uevent_ring_destroy(struct uevent_ring *u);

/*
 * kobject_uevent: one event, numbered with the next SEQNUM.  The devpath
 * is formatted; events never fail (the kernel's are lost when no buffer
 * is free, these overwrite the oldest).
 */
void kobject_uevent(struct uevent_ring *u, const char *action, const char *subsystem,
		    const char *devpath_fmt, ...) __attribute__((format(printf, 4, 5)));
/* the same with the device's own variables: env is "KEY=value\n" lines */
void kobject_uevent_env(struct uevent_ring *u, const char *action, const char *subsystem, const char *env,
			const char *devpath_fmt, ...) __attribute__((format(printf, 5, 6)));

uint64_t uevent_seqnum(struct uevent_ring *u);
int uevent_next(struct uevent_ring *u, uint64_t after, int timeout_ms, struct memhp_uevent *ev);

#endif
