// SPDX-License-Identifier: MIT
/*
 * ctl_server.c - memhpd's control protocol (tools/ctl.h): the request
 * table, each request's handler, the replies, and the socket's clients.
 * memhpd links it beside its FUSE file system; the ctl fuzz target links
 * it alone and calls handle_request on a machine of its own.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "daemon.h"
#include "explain.h"
#include "mounts.h"
#include "version.h"

struct daemon d;

/*
 * Cancel flags of the long operations in progress (an offline can wait
 * forever on a pinned page, as in the kernel).  They live in this static
 * table, never on a stack, so a signal handler may set any of them at any
 * time: a FUSE interrupt sets its request's flag, a stop sets them all.
 */
static struct cancel_slot {
	atomic_int used;
	volatile int flag;
} cancels[CANCEL_SLOTS];

volatile int *cancel_get(void)
{
	for (int i = 0; i < CANCEL_SLOTS; i++) {
		int zero = 0;

		if (atomic_compare_exchange_strong(&cancels[i].used, &zero, 1)) {
			/*
			 * The flag is 0 (cancel_put cleared it).  A stop that came
			 * before the claim still counts; one that comes during it
			 * set the flag itself - never store 0 here.
			 */
			if (atomic_load(&d.stopping))
				cancels[i].flag = 1;
			return &cancels[i].flag;
		}
	}
	return NULL;
}

void cancel_put(volatile int *flag)
{
	struct cancel_slot *slot = (struct cancel_slot *)((char *)flag - offsetof(struct cancel_slot, flag));

	slot->flag = 0;
	atomic_store(&slot->used, 0);
}

/* async-signal-safe: stores only */
void cancel_all(void)
{
	for (int i = 0; i < CANCEL_SLOTS; i++)
		if (atomic_load(&cancels[i].used))
			cancels[i].flag = 1;
}

/* ---- the control socket ---------------------------------------------------- */

static void reply_ok(int fd, const char *payload, size_t len)
{
	char header[64];
	int n = snprintf(header, sizeof(header), "ok %zu\n", len);

	send(fd, header, (size_t)n, MSG_NOSIGNAL);
	if (len)
		send(fd, payload, len, MSG_NOSIGNAL);
}

static void reply_err(int fd, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void reply_err(int fd, int err, const char *fmt, ...)
{
	char line[2560], msg[2400];
	va_list ap;
	int n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	n = snprintf(line, sizeof(line), "error %s %s\n", memhp_strerror(err), msg);
	send(fd, line, (size_t)n, MSG_NOSIGNAL);
}

/*
 * A refusal with the kernel's reason: the log lines logged since SEQ, read
 * by explain_failure, follow WHAT in the error line.
 */
static void reply_refused(int fd, int err, uint64_t seq, const char *what)
{
	char log[1536] = "", why[1800];

	memhp_log_read(d.m, &seq, log, sizeof(log));
	explain_failure(log, err, why, sizeof(why));
	reply_err(fd, err, "%s%s%s", what, why[0] ? ": " : "", why);
}

/* "node=N": a node number, nothing after it */
static int parse_node_word(const char *word, int *node)
{
	char *end;
	long v;

	if (strncmp(word, "node=", 5))
		return -EINVAL;
	errno = 0;
	v = strtol(word + 5, &end, 10);
	if (errno || end == word + 5 || *end || v < INT_MIN || v > INT_MAX)
		return -EINVAL;
	*node = (int)v;
	return 0;
}

/* the one size syntax of memhp: the kernel's memparse */
int parse_size(const char *s, uint64_t *out)
{
	return memhp_parse_size(s, out) ? -1 : 0;
}

static void ctl_device_add(int fd, char **w, int n)
{
	uint64_t size, addr = MEMHP_ADDR_AUTO, seq;
	struct memhp_dimm_info info;
	const char *backing = NULL;
	int node = 0, bfd = -1, ret, slot = -1;
	char out[256];

	if (n < 4 || parse_size(w[3], &size)) {
		reply_err(fd, -EINVAL, "usage: device add NAME SIZE [node=N] [addr=A] [backing=PATH]");
		return;
	}
	if (!ctl_name_is_valid(w[2])) {
		reply_err(fd, -EINVAL, "invalid device name '%.64s': letters, digits, '_', '.', '-' only", w[2]);
		return;
	}
	for (int i = 4; i < n; i++) {
		char *end;

		if (!strncmp(w[i], "node=", 5)) {
			if (parse_node_word(w[i], &node))
				goto bad;
		} else if (!strncmp(w[i], "addr=", 5)) {
			addr = strtoull(w[i] + 5, &end, 0);
			if (*end || end == w[i] + 5)
				goto bad;
		} else if (!strncmp(w[i], "backing=", 8)) {
			backing = w[i] + 8;
		} else {
			goto bad;
		}
	}
	pthread_mutex_lock(&d.lock);
	for (int i = 0; i < DAEMON_MAX_BACKINGS; i++)
		if (!d.backings[i].name[0]) {
			slot = i;
			break;
		}
	if (backing) {
		bfd = slot < 0 ? -1 : open(backing, O_RDWR | O_CLOEXEC);
		if (bfd < 0) {
			pthread_mutex_unlock(&d.lock);
			reply_err(fd, slot < 0 ? -ENOSPC : -errno, "cannot open backing %s", backing);
			return;
		}
	}
	seq = memhp_log_seq(d.m);
	ret = memhp_dimm_add(d.m, w[2], size, node, addr, bfd, &info);
	if (!ret && !info.enabled) {
		/*
		 * QEMU plugged it but the guest's driver could not add it: a
		 * user would device_del it, so the slot and its range are free
		 * for the next DIMM, and the failure is the guest's errno.
		 */
		ret = info.add_error ? info.add_error : -EIO;
		memhp_dimm_remove(d.m, w[2]);
	}
	if (ret) {
		char what[128];

		if (bfd >= 0)
			close(bfd);
		pthread_mutex_unlock(&d.lock);
		snprintf(what, sizeof(what), "device_add %s refused", w[2]);
		reply_refused(fd, ret, seq, what);
		return;
	}
	if (bfd >= 0) {
		snprintf(d.backings[slot].name, sizeof(d.backings[slot].name), "%s", w[2]);
		d.backings[slot].fd = bfd;
	}
	pthread_mutex_unlock(&d.lock);
	n = snprintf(out, sizeof(out), "addr=%#llx blocks=%lu-%lu enabled=%d\n",
		     (unsigned long long)info.addr, info.first_block, info.last_block, info.enabled);
	reply_ok(fd, out, (size_t)n);
	return;
bad:
	reply_err(fd, -EINVAL, "bad option");
}

/*
 * A long operation for a control client: it is cancelled when the client
 * hangs up (the memhpctl was killed, as a signal interrupts `echo offline`)
 * or the daemon stops.  The watcher polls for the hang-up meanwhile.
 */
struct watch {
	int fd;
	volatile int *cancel;
	atomic_int done;
	pthread_t thread;
	bool watching;
};

static void *watch_client(void *arg)
{
	struct watch *w = arg;

	while (!atomic_load(&w->done)) {
		/* POLLHUP: the client closed; a half-close (SHUT_WR) still waits */
		struct pollfd p = { .fd = w->fd, .events = POLLIN };
		int r = poll(&p, 1, 100);

		if (r > 0 && (p.revents & (POLLHUP | POLLERR))) {
			*w->cancel = 1;
			break;
		}
		if (r > 0)	/* unexpected bytes: they wait for no one */
			nanosleep(&(struct timespec){ .tv_nsec = 100000000 }, NULL);
	}
	return NULL;
}

static int watch_begin(int fd, struct watch *w)
{
	w->fd = fd;
	w->cancel = cancel_get();
	if (!w->cancel)
		return -EBUSY;
	atomic_init(&w->done, 0);
	/* without a watcher, a stop still cancels through the flag */
	w->watching = !pthread_create(&w->thread, NULL, watch_client, w);
	return 0;
}

static void watch_end(struct watch *w)
{
	atomic_store(&w->done, 1);
	if (w->watching)
		pthread_join(w->thread, NULL);
	cancel_put(w->cancel);
}

/* device list: one line per DIMM slot in use, in plug order */
static void ctl_device_list(int fd)
{
	char (*names)[MEMHP_DIMM_NAME_MAX] = calloc(256, sizeof(*names));
	size_t n = names ? memhp_dimm_list(d.m, names, 256) : 0, len = 0;
	char *out = malloc(256 * 160 + 1);

	if (!names || !out) {
		free(names);
		free(out);
		reply_err(fd, -ENOMEM, "device list");
		return;
	}
	out[0] = '\0';
	for (size_t i = 0; i < n && i < 256; i++) {
		struct memhp_dimm_info info;

		int w;

		if (memhp_dimm_info(d.m, names[i], &info))
			continue;	/* removed meanwhile */
		w = snprintf(out + len, 160, "%s addr=%#llx size=%llu node=%d blocks=%lu-%lu enabled=%d\n",
			     names[i], (unsigned long long)info.addr, (unsigned long long)info.size, info.node,
			     info.first_block, info.last_block, info.enabled);
		if (w > 0)
			len += (size_t)w < 160 ? (size_t)w : 159;
	}
	reply_ok(fd, out, len);
	free(out);
	free(names);
}

static void ctl_device_del(int fd, const char *name)
{
	uint64_t seq = memhp_log_seq(d.m);
	struct watch w;
	int ret = watch_begin(fd, &w);

	if (!ret) {
		ret = memhp_dimm_remove_cancellable(d.m, name, w.cancel, 0);
		watch_end(&w);
	}
	if (ret) {
		char what[128];

		snprintf(what, sizeof(what), "device_del %s refused", name);
		reply_refused(fd, ret, seq, what);
		return;
	}
	pthread_mutex_lock(&d.lock);
	for (int i = 0; i < DAEMON_MAX_BACKINGS; i++) {
		if (d.backings[i].name[0] && !strcmp(d.backings[i].name, name)) {
			close(d.backings[i].fd);
			d.backings[i].name[0] = '\0';
		}
	}
	pthread_mutex_unlock(&d.lock);
	reply_ok(fd, NULL, 0);
}

struct listing {
	char *buf;
	size_t len, cap;
};

static int list_one(void *arg, const char *name, const struct memhp_stat *st)
{
	struct listing *l = arg;
	size_t need = strlen(name) + 4;

	if (l->len + need >= l->cap) {
		char *nb = realloc(l->buf, (l->cap + need) * 2);

		if (!nb)
			return -ENOMEM;
		l->buf = nb;
		l->cap = (l->cap + need) * 2;
	}
	l->len += (size_t)sprintf(l->buf + l->len, "%c %s\n",
				  st->type == MEMHP_FT_DIR ? 'd' : st->type == MEMHP_FT_LINK ? 'l' : 'f', name);
	return 0;
}

/* write PATH VALUE: the value is the rest of the line, spaces included */
static void ctl_write(int fd, const char *args, const char *value)
{
	struct watch w;
	uint64_t seq;
	ssize_t ret;

	seq = memhp_log_seq(d.m);
	ret = watch_begin(fd, &w);
	if (!ret) {
		ret = memhp_file_write_cancellable(d.m, args, value, strlen(value), w.cancel, 0);
		watch_end(&w);
	}
	if (ret < 0) {
		char what[CTL_MAX_LINE + 16];

		snprintf(what, sizeof(what), "write %s", args);
		reply_refused(fd, (int)ret, seq, what);
	}
	else
		reply_ok(fd, NULL, 0);
}

static void ctl_read(int fd, const char *path)
{
	char *buf;
	ssize_t len = memhp_file_read_alloc(d.m, path, &buf);

	if (len < 0) {
		reply_err(fd, (int)len, "read %s", path);
		return;
	}
	reply_ok(fd, buf, (size_t)len);
	free(buf);
}

static void ctl_list(int fd, const char *path)
{
	struct listing l = { 0 };
	int ret = memhp_file_list(d.m, path, list_one, &l);

	if (ret)
		reply_err(fd, ret, "list %s", path);
	else
		reply_ok(fd, l.buf, l.len);
	free(l.buf);
}

static void ctl_status(int fd)
{
	struct memhp_counters c;
	struct memhp_geometry g;
	char out[512];
	int len;

	memhp_counters(d.m, &c);
	memhp_get_geometry(d.m, &g);
	len = snprintf(out, sizeof(out), "pid %d\nmount %s\nprofile %s\nblocks %zu\nMemTotal %llu kB\n"
		       "MemFree %llu kB\nnr_memmap_pages %lu\n", (int)getpid(), d.mount, g.arch,
		       memhp_block_ids(d.m, NULL, 0),
		       (unsigned long long)c.totalram_pages * (g.page_size >> 10),
		       (unsigned long long)c.nr_free_pages * (g.page_size >> 10), c.nr_memmap_pages);
	reply_ok(fd, out, (size_t)len);
}

/* a page index: decimal or 0x-hex, nothing after it */
static int parse_index(const char *s, size_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-')
		return -EINVAL;
	*out = (size_t)v;
	return 0;
}

/* hog NAME SIZE: movable memory in use; pin/unpin/pfn NAME INDEX; kill NAME */
/*
 * pin NAME I hold: the pin lasts as long as the client's connection - a
 * client that dies, however it dies, gives it back.  The user's region may
 * be killed meanwhile: then there is nothing left to unpin.
 */
static void hold_pin(int fd, const char *name, struct memhp_region *region, size_t index)
{
	reply_ok(fd, NULL, 0);
	while (!atomic_load(&d.stopping)) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		char c;

		if (poll(&p, 1, 100) > 0 &&
		    ((p.revents & (POLLHUP | POLLERR)) || recv(fd, &c, 1, MSG_DONTWAIT) == 0))
			break;
	}
	pthread_mutex_lock(&d.lock);
	for (int i = 0; i < DAEMON_MAX_USERS; i++)
		if (d.users[i].region == region && !strcmp(d.users[i].name, name))
			memhp_region_unpin(region, index);
	pthread_mutex_unlock(&d.lock);
}

/* hog NAME SIZE: a new user with SIZE of anonymous memory, written */
static int user_hog(struct user *u, struct user *free_slot, char **w, const struct memhp_geometry *g)
{
	uint64_t size;
	size_t pages;
	int ret;

	if (u)
		return -EEXIST;
	if (!free_slot)
		return -ENOSPC;		/* DAEMON_MAX_USERS alive */
	if (parse_size(w[2], &size) || !size || !ctl_name_is_valid(w[1]))
		return -EINVAL;
	pages = (size_t)((size + g->page_size - 1) / g->page_size);
	ret = memhp_region_alloc(d.m, pages, 0, 0, &free_slot->region);
	if (!ret) {
		memset(memhp_region_addr(free_slot->region), 0x5a, pages * g->page_size);
		snprintf(free_slot->name, sizeof(free_slot->name), "%s", w[1]);
	}
	return ret;
}

/* pfn NAME INDEX; called with d.lock held, which it drops */
static void reply_pfn(int fd, struct user *u, size_t index)
{
	long pfn = memhp_region_pfn(u->region, index);
	char out[32];
	int len = snprintf(out, sizeof(out), "%ld\n", pfn);

	pthread_mutex_unlock(&d.lock);
	if (pfn < 0)
		reply_err(fd, (int)pfn, "pfn");
	else
		reply_ok(fd, out, (size_t)len);
}

/* where NAME: how many of its pages each memory block holds, "BLOCK COUNT"
 * lines; called with d.lock held, which it drops */
static void reply_where(int fd, struct user *u, const struct memhp_geometry *g)
{
	size_t pages = memhp_region_pages(u->region), len = 0;
	unsigned long last = ULONG_MAX, count = 0, per_block = (unsigned long)(g->block_size / g->page_size);
	char *out = malloc(pages * 24 + 32);

	for (size_t i = 0; out && i <= pages; i++) {
		unsigned long b = i < pages ? (unsigned long)memhp_region_pfn(u->region, i) / per_block : ULONG_MAX;

		if (b != last && count) {
			len += (size_t)sprintf(out + len, "%lu %lu\n", last, count);
			count = 0;
		}
		last = b;
		count++;
	}
	pthread_mutex_unlock(&d.lock);
	if (!out)
		reply_err(fd, -ENOMEM, "where");
	else
		reply_ok(fd, out, len);
	free(out);
}

static void ctl_users(int fd, char **w, int n)
{
	struct memhp_geometry g;
	size_t index = 0;
	struct user *u = NULL, *free_slot = NULL;
	int ret = 0;

	memhp_get_geometry(d.m, &g);
	bool hold = n == 4 && !strcmp(w[0], "pin") && !strcmp(w[3], "hold");

	if ((n == 3 || hold) && strcmp(w[0], "hog") && parse_index(w[2], &index)) {
		reply_err(fd, -EINVAL, "%s: bad page index '%s'", w[0], w[2]);
		return;
	}
	pthread_mutex_lock(&d.lock);
	for (int i = 0; i < DAEMON_MAX_USERS; i++) {
		if (d.users[i].name[0] && n >= 2 && !strcmp(d.users[i].name, w[1]))
			u = &d.users[i];
		else if (!d.users[i].name[0] && !free_slot)
			free_slot = &d.users[i];
	}
	if (!strcmp(w[0], "hog") && n == 3) {
		ret = user_hog(u, free_slot, w, &g);
	} else if (hold) {
		struct memhp_region *region = u ? u->region : NULL;
		char name[64];

		ret = u ? memhp_region_pin(region, index) : -ENOENT;
		if (!ret) {
			snprintf(name, sizeof(name), "%s", u->name);
			pthread_mutex_unlock(&d.lock);
			hold_pin(fd, name, region, index);
			return;
		}
	} else if ((!strcmp(w[0], "pin") || !strcmp(w[0], "unpin")) && n == 3) {
		ret = !u ? -ENOENT
			 : !strcmp(w[0], "pin") ? memhp_region_pin(u->region, index)
						: memhp_region_unpin(u->region, index);
	} else if (((!strcmp(w[0], "pfn") && n == 3) || (!strcmp(w[0], "where") && n == 2)) && !u) {
		ret = -ENOENT;	/* no such user */
	} else if (!strcmp(w[0], "pfn") && n == 3) {
		reply_pfn(fd, u, index);
		return;
	} else if (!strcmp(w[0], "where") && n == 2) {
		reply_where(fd, u, &g);
		return;
	} else if (!strcmp(w[0], "kill") && n == 2) {
		if (!u) {
			ret = -ENOENT;
		} else {
			memhp_region_free(u->region);
			u->name[0] = '\0';
		}
	} else {
		ret = -EINVAL;
	}
	pthread_mutex_unlock(&d.lock);
	if (ret)
		reply_err(fd, ret, "%s", w[0]);
	else
		reply_ok(fd, NULL, 0);
}

/* dax create cxl|hmem|pmem SIZE [node=N]: a device region; dax destroy REGION */
static void ctl_dax(int fd, char **w, int n)
{
	static const char *const kinds[] = { "cxl", "hmem", "pmem" };
	static const char *const drivers[] = { "-", "device_dax", "kmem" };
	struct memhp_dax_info info;
	uint64_t size;
	size_t id;
	char out[192];
	int kind = -1, node = 0, ret, len;

	if (n == 3 && !strcmp(w[1], "destroy")) {
		if (parse_index(w[2], &id) || id > INT_MAX)
			goto usage;
		ret = memhp_dax_region_destroy(d.m, (int)id);
		if (ret)
			reply_err(fd, ret, "dax destroy %s refused", w[2]);
		else
			reply_ok(fd, NULL, 0);
		return;
	}
	if (n < 4 || n > 5 || strcmp(w[1], "create"))
		goto usage;
	for (int i = 0; i < 3; i++)
		if (!strcmp(w[2], kinds[i]))
			kind = i;
	if (kind < 0 || parse_size(w[3], &size))
		goto usage;
	if (n == 5 && parse_node_word(w[4], &node))
		goto usage;
	ret = memhp_dax_region_create(d.m, (enum memhp_dax_kind)kind, size, node, 0, MEMHP_ADDR_AUTO,
				      -1, &info);
	if (ret) {
		reply_err(fd, ret, "dax create %s refused", w[2]);
		return;
	}
	len = snprintf(out, sizeof(out), "region=%d dev=%s addr=%#llx size=%llu driver=%s\n",
		       info.region_id, info.dev, (unsigned long long)info.start,
		       (unsigned long long)info.size, drivers[info.driver]);
	reply_ok(fd, out, (size_t)len);
	return;
usage:
	reply_err(fd, -EINVAL, "usage: dax create cxl|hmem|pmem SIZE [node=N] | dax destroy REGION");
}

/* the kernel log, like dmesg */
static void ctl_dmesg(int fd)
{
	size_t cap = 1 << 20;
	char *buf = malloc(cap);
	uint64_t seq = 0;

	if (!buf) {
		reply_err(fd, -ENOMEM, "dmesg");
		return;
	}
	reply_ok(fd, buf, memhp_log_read(d.m, &seq, buf, cap));
	free(buf);
}

/*
 * uevents AFTER [MS]: the events after SEQNUM AFTER, as many as have come
 * (at most UEVENTS_PER_REPLY), waiting up to MS for the first.  Each
 * client thread waits on its own; the machine's ring is shared.
 */
#define UEVENTS_PER_REPLY 256
#define UEVENTS_MAX_WAIT_MS 10000

static bool client_hung_up(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLERR));
}

static void req_uevents(int fd, char **w, int n)
{
	const size_t per_event = 512;	/* memhp_uevent_format's longest, rounded up */
	unsigned long long after;
	unsigned long wait_ms = 0;
	struct memhp_uevent ev;
	char *body, *out, *end;
	size_t len = 0, cap = UEVENTS_PER_REPLY * per_event;
	int hlen;

	if (!strcmp(w[1], "now") && n == 2) {
		char line[64];

		hlen = snprintf(line, sizeof(line), "seqnum %llu\n", (unsigned long long)memhp_uevent_seqnum(d.m));
		reply_ok(fd, line, (size_t)hlen);
		return;
	}
	errno = 0;
	after = strtoull(w[1], &end, 10);
	if (*end || end == w[1] || errno || w[1][0] == '-' || (n == 3 && ((wait_ms = strtoul(w[2], &end, 10)) > UEVENTS_MAX_WAIT_MS ||
						  *end || w[2][0] == '-'))) {
		reply_err(fd, -EINVAL, "usage: %s", ctl_protocol[CTL_UEVENTS].usage);
		return;
	}
	body = malloc(cap);
	out = malloc(cap + 64);
	if (!body || !out) {
		free(body);
		free(out);
		reply_err(fd, -ENOMEM, "uevents");
		return;
	}
	/* the wait, in slices: a client that hung up is not waited for */
	while (wait_ms && memhp_uevent_next(d.m, after, 0, &ev) && !client_hung_up(fd)) {
		unsigned long slice = wait_ms < 100 ? wait_ms : 100;

		if (!memhp_uevent_next(d.m, after, (int)slice, &ev))
			break;
		wait_ms -= slice;
	}
	while (cap - len >= per_event && !memhp_uevent_next(d.m, after, 0, &ev)) {
		len += (size_t)memhp_uevent_format(&ev, body + len, per_event - 1);
		body[len++] = '\n';
		after = ev.seqnum;
	}
	hlen = snprintf(out, 64, "seqnum %llu\n", after);
	memcpy(out + hlen, body, len);
	reply_ok(fd, out, (size_t)hlen + len);
	free(body);
	free(out);
}

/* kpf BLOCK: what /proc/kpageflags says of the block's pages, counted per flag */
static void req_kpf(int fd, char **w, int n)
{
	unsigned long block, start, nr, noflags, count[64];
	char out[64 * 32 + 128], *end;
	size_t len;

	(void)n;
	block = strtoul(w[1], &end, 10);
	if (*end || w[1][0] == '-' || !w[1][0]) {
		reply_err(fd, -EINVAL, "usage: %s", ctl_protocol[CTL_KPF].usage);
		return;
	}
	if (memhp_block_kpageflags(d.m, block, &start, &nr, &noflags, count)) {
		reply_err(fd, -ENOENT, "no memory block %lu", block);
		return;
	}
	len = (size_t)snprintf(out, sizeof(out), "start_pfn %lu\nnr %lu\nnoflags %lu\n", start, nr, noflags);
	for (int b = 0; b < 64; b++)
		if (count[b])
			len += (size_t)snprintf(out + len, sizeof(out) - len, "%d %lu\n", b, count[b]);
	reply_ok(fd, out, len);
}

/* ---- the request table ------------------------------------------------------ */

static void req_device_list(int fd, char **w, int n)
{
	(void)w;
	(void)n;
	ctl_device_list(fd);
}

static void req_device_del(int fd, char **w, int n)
{
	(void)n;
	ctl_device_del(fd, w[2]);
}

static void req_read(int fd, char **w, int n)
{
	(void)n;
	ctl_read(fd, w[1]);
}

static void req_list(int fd, char **w, int n)
{
	(void)n;
	ctl_list(fd, w[1]);
}

static void req_status(int fd, char **w, int n)
{
	(void)w;
	(void)n;
	ctl_status(fd);
}

static void req_dmesg(int fd, char **w, int n)
{
	(void)w;
	(void)n;
	ctl_dmesg(fd);
}

/* fail the Nth fallible step from now (0: disarm): the daemon's fault sweep */
static void req_fault(int fd, char **w, int n)
{
	char *end;
	unsigned long nth = strtoul(w[1], &end, 10);

	(void)n;
	if (*end || w[1][0] == '-') {
		reply_err(fd, -EINVAL, "fault: bad step '%s'", w[1]);
		return;
	}
	memhp_fault_inject(d.m, nth);
	reply_ok(fd, NULL, 0);
}

static void req_audit(int fd, char **w, int n)
{
	char msg[512];

	(void)w;
	(void)n;
	if (memhp_audit(d.m, msg, sizeof(msg)))
		reply_err(fd, -EUCLEAN, "%s", msg);
	else
		reply_ok(fd, NULL, 0);
}

/* N periods of vmstat_update: at most a day of them */
static void req_vmstat_update(int fd, char **w, int n)
{
	char *end;
	unsigned long seconds = strtoul(w[1], &end, 10);

	(void)n;
	if (*end || w[1][0] == '-' || seconds > 86400) {
		reply_err(fd, -EINVAL, "vmstat-update: bad number of seconds '%s' (0-86400)", w[1]);
		return;
	}
	while (seconds--)
		memhp_vmstat_update(d.m);
	reply_ok(fd, NULL, 0);
}

static void req_shutdown(int fd, char **w, int n)
{
	(void)w;
	(void)n;
	if (d.embedded) {
		reply_err(fd, -EPERM, "this machine is the heap of process %d (libmemhp-preload): it ends with the program",
			  (int)getpid());
		return;
	}
	reply_ok(fd, NULL, 0);
	kill(getpid(), SIGTERM);	/* fuse's handler ends the loop */
}

static void ctl_write_request(int fd, char **w, int n)
{
	(void)n;
	ctl_write(fd, w[1], w[2]);
}

/* a handler for each request of the protocol (ctl_protocol.c) */
static void (*const ctl_handlers[CTL_NR_REQUESTS])(int fd, char **w, int n) = {
	[CTL_DEVICE_ADD] = ctl_device_add,
	[CTL_DEVICE_LIST] = req_device_list,
	[CTL_DEVICE_DEL] = req_device_del,
	[CTL_DAX] = ctl_dax,
	[CTL_READ] = req_read,
	[CTL_WRITE] = ctl_write_request,
	[CTL_LIST] = req_list,
	[CTL_STATUS] = req_status,
	[CTL_DMESG] = req_dmesg,
	[CTL_HOG] = ctl_users,
	[CTL_PIN] = ctl_users,
	[CTL_UNPIN] = ctl_users,
	[CTL_KILL] = ctl_users,
	[CTL_PFN] = ctl_users,
	[CTL_WHERE] = ctl_users,
	[CTL_FAULT] = req_fault,
	[CTL_AUDIT] = req_audit,
	[CTL_SHUTDOWN] = req_shutdown,
	[CTL_UEVENTS] = req_uevents,
	[CTL_KPF] = req_kpf,
	[CTL_VMSTAT_UPDATE] = req_vmstat_update,
};

void handle_request(int fd, char *line)
{
	char *w[CTL_MAX_WORDS];
	int n, req = ctl_request_parse(line, w, &n);

	if (req == -E2BIG) {
		reply_err(fd, -E2BIG, "too many words");
		return;
	}
	if (!n) {
		reply_err(fd, -EINVAL, "empty request");
		return;
	}
	if (req < 0) {
		for (int i = 0; i < CTL_NR_REQUESTS; i++)
			if (!strcmp(w[0], ctl_protocol[i].word)) {
				reply_err(fd, -EINVAL, "usage: %s", ctl_protocol[i].usage);
				return;
			}
		reply_err(fd, -EINVAL, "unknown request '%s'", w[0]);
		return;
	}
	ctl_handlers[req](fd, w, n);
}

#define REQUEST_DEADLINE_MS 10000

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * The request line, whole, within REQUEST_DEADLINE_MS of the connection:
 * a deadline per recv would let a client that sends one byte every few
 * seconds hold a slot for hours.  0, or -ETIMEDOUT, -E2BIG, -EPIPE.
 */
static int read_request(int fd, char *line)
{
	long long deadline = now_ms() + REQUEST_DEADLINE_MS;
	size_t n = 0;

	while (n < CTL_MAX_LINE) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long long left = deadline - now_ms();
		ssize_t r;

		if (left <= 0 || poll(&p, 1, (int)left) == 0)
			return -ETIMEDOUT;
		r = recv(fd, line + n, CTL_MAX_LINE - n, MSG_DONTWAIT);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (r <= 0)
			return -EPIPE;	/* the client went away: nothing to do */
		/* one request per connection: what follows its newline is ignored */
		for (size_t i = n; i < n + (size_t)r; i++) {
			if (line[i] == '\n') {
				line[i] = '\0';
				return 0;
			}
		}
		n += (size_t)r;
	}
	return -E2BIG;
}

/* one request per connection; a line longer than CTL_MAX_LINE is refused */
static void serve_client(int fd)
{
	char line[CTL_MAX_LINE + 1];
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	struct timeval tv = { .tv_sec = 5 };
	int ret;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) || cred.uid != geteuid()) {
		reply_err(fd, -EPERM, "only the daemon's owner may talk to it");
		return;
	}
	/* a client that never reads its reply must not hold the daemon */
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	ret = read_request(fd, line);
	if (ret == -E2BIG)
		reply_err(fd, -E2BIG, "request too long");
	else if (ret == -ETIMEDOUT)
		reply_err(fd, -ETIMEDOUT, "the request line did not arrive within %d s", REQUEST_DEADLINE_MS / 1000);
	if (ret)
		return;
	handle_request(fd, line);
}

static void client_done(int fd)
{
	pthread_mutex_lock(&d.lock);
	for (int i = 0; i < d.nr_clients; i++) {
		if (d.client_fds[i] == fd) {
			d.client_fds[i] = d.client_fds[--d.nr_clients];
			break;
		}
	}
	close(fd);
	pthread_cond_broadcast(&d.clients_gone);
	pthread_mutex_unlock(&d.lock);
}

/* each client on its own thread: an offline waiting on a pin must not
 * keep the unpin from being served */
static void *client_thread(void *arg)
{
	int fd = (int)(intptr_t)arg;

	serve_client(fd);
	client_done(fd);
	return NULL;
}

void *socket_thread(void *arg)
{
	pthread_attr_t attr;
	sigset_t all;

	(void)arg;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);	/* signals are the FUSE loop's */
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (;;) {
		int fd = accept4(d.sock.fd, NULL, NULL, SOCK_CLOEXEC);
		pthread_t t;
		bool room;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			break;
		}
		pthread_mutex_lock(&d.lock);
		room = d.nr_clients < MAX_CLIENTS && !atomic_load(&d.stopping);
		if (room)
			d.client_fds[d.nr_clients++] = fd;
		pthread_mutex_unlock(&d.lock);
		if (!room) {
			reply_err(fd, -EBUSY, "too many clients");
			close(fd);
			continue;
		}
		/* the threads inherit the mask: signals stay the FUSE loop's */
		if (pthread_create(&t, &attr, client_thread, (void *)(intptr_t)fd)) {
			reply_err(fd, -EAGAIN, "cannot serve");
			client_done(fd);
		}
	}
	pthread_attr_destroy(&attr);
	return NULL;
}

/* stop serving: wake clients blocked on a request line, wait for all */
void clients_stop(void)
{
	pthread_mutex_lock(&d.lock);
	for (int i = 0; i < d.nr_clients; i++)
		shutdown(d.client_fds[i], SHUT_RDWR);	/* wakes recv and send */
	while (d.nr_clients)
		pthread_cond_wait(&d.clients_gone, &d.lock);
	pthread_mutex_unlock(&d.lock);
}
