/* SPDX-License-Identifier: MIT */
/*
 * udev.h - memhpd's uevents on the client side: `memhpctl monitor` prints
 * them as the kernel sends them, `memhpctl udev` applies udev rules files
 * to them, as udevd would (udev.c, udev_rules.c).
 */
#ifndef MEMHP_TOOLS_UDEV_H
#define MEMHP_TOOLS_UDEV_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* one event, its environment parsed from the kernel's message */
#define UEVENT_MAX_ENV 16
struct uevent {
	char *env[UEVENT_MAX_ENV];	/* "KEY=value", owned */
	int nr_env;
};

const char *uevent_get(const struct uevent *ev, const char *key);	/* NULL: unset */
int uevent_set(struct uevent *ev, const char *key, const char *value);
void uevent_clear(struct uevent *ev);

/* how long to follow the stream: count events (0: no limit), seconds (0: no limit) */
struct follow {
	const char *socket;
	long count;
	double seconds;
};

/*
 * Call fn for each event after the current one, until count or seconds
 * run out (0), fn returns non-zero (that value) or the daemon fails
 * (-errno).  "listening from SEQNUM N" goes to stderr first, so a caller
 * knows when what it does next will be seen.
 */
int follow_uevents(const struct follow *f, int (*fn)(void *arg, const char *msg, struct uevent *ev),
		   void *arg);

/* ---- udev_rules.c ---- */

struct udev_rules;

/* the rules of these files, in the order given; NULL and a message on error */
struct udev_rules *udev_rules_load(char **files, int nr, char *err, size_t errlen);
void udev_rules_free(struct udev_rules *rules);

/* what the rules do to the device: reads and writes its attributes
 * through memhpd (read_attr/write_attr), prints each action to log */
struct udev_io {
	char *(*read_attr)(void *arg, const char *path);	/* malloc'ed, NULL: none */
	int (*write_attr)(void *arg, const char *path, const char *value);	/* 0 or -errno */
	void *arg;
	FILE *log;
};
int udev_rules_apply(const struct udev_rules *rules, struct uevent *ev, const struct udev_io *io);

#endif
