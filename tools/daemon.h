/* SPDX-License-Identifier: MIT */
/*
 * daemon.h - memhpd's state, shared by its two halves: the control
 * protocol (ctl_server.c, also linked by the ctl fuzz target) and the FUSE
 * file system with main (memhpd.c).
 */
#ifndef MEMHP_TOOLS_DAEMON_H
#define MEMHP_TOOLS_DAEMON_H

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "lifecycle.h"
#include "memhp/memhp.h"

struct fuse;
struct fuse_session;

struct backing {
	char name[64];
	int fd;
};

/* memory users the host side creates, as the oracle's `hog` processes */
struct user {
	char name[64];
	struct memhp_region *region;
};

#define MAX_CLIENTS 32
#define CANCEL_SLOTS 256

/*
 * Named memory users (hog): a scenario run against the daemon keeps the
 * oracle guest's own 50 (its processes, its rootfs, the pages its shell
 * copies) beside the scenario's, which the in-process runner caps at 64.
 */
#define DAEMON_MAX_USERS 256
/* named backing stores (backing NAME ...) */
#define DAEMON_MAX_BACKINGS 64

struct daemon {
	struct memhp_machine *m;
	struct fuse *fuse;
	/* what on_stop may touch: NULL once the session is being torn down */
	_Atomic(struct fuse_session *) session;
	char mount[PATH_MAX];
	struct owned_socket sock;	/* the control socket we bound */
	int mount_lock;		/* flock on the mount point's directory */
	pthread_mutex_t lock;	/* backings, users, clients */
	struct backing backings[DAEMON_MAX_BACKINGS];
	struct user users[DAEMON_MAX_USERS];
	atomic_int stopping;	/* SIGTERM/SIGINT/shutdown: cancel, then leave */
	int client_fds[MAX_CLIENTS];
	int nr_clients;
	pthread_cond_t clients_gone;
	int embedded;		/* the machine is a preloaded program's heap
				 * (preload/): it ends with that program */
};

/* the daemon's one instance: the program's state, not the library's */
extern struct daemon d;

/* cancel flags of long operations (ctl_server.c): a signal handler may set
 * any of them at any time; cancel_all is async-signal-safe */
volatile int *cancel_get(void);
void cancel_put(volatile int *flag);
void cancel_all(void);

/* the control protocol (ctl_server.c) */
void handle_request(int fd, char *line);	/* one request line, one reply */
void *socket_thread(void *arg);		/* accepts and serves clients */
void clients_stop(void);		/* wakes and waits for every client */
int parse_size(const char *s, uint64_t *out);	/* memparse */

#endif
