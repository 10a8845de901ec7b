// SPDX-License-Identifier: MIT
/*
 * machine.c - the machine inside a preloaded program: built from the
 * environment, with its DIMMs hot-added and onlined movable (the heap's
 * memory), and memhpd's control protocol on MEMHP_SOCKET.
 *
 *   MEMHP_SOCKET   the control socket (default /tmp/memhp-preload.PID.sock)
 *   MEMHP_MEM      boot RAM, the memory left when every DIMM is gone (1G)
 *   MEMHP_DIMMS    the DIMMs at start: "4x1G" or "1G,2G,512M" (4x1G),
 *                  named dimm0, dimm1, ...
 *   MEMHP_CMDLINE  the kernel command line (memmap_on_memory=1, DIMMs
 *                  onlined movable: memhp_default_state=online_movable)
 *   MEMHP_MIN      the smallest mapping the heap serves (256K)
 *   MEMHP_HUGE     2 MiB pages behind the devices where the host has them (the default);
 *                  0, no, off or false: 4 KiB memfd pages
 *   MEMHP_MAXMEM   QEMU's maxmem: room for DIMMs added later (64G)
 *   MEMHP_NICE     the niceness of memhp's threads, which migrate (10)
 *
 * The protocol server (tools/ctl_server.c) is memhpd's own, with its
 * state in a struct daemon as in memhpd; `shutdown` is refused, as the
 * machine is the program's memory and ends with it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctl.h"
#include "daemon.h"
#include "lifecycle.h"
#include "preload.h"

extern void *__libc_malloc(size_t size);
extern void __libc_free(void *p);

static pthread_t socket_tid;
static char sock_path[256];

/* ---- memhp's threads pass their mappings through ------------------------ */

struct trampoline {
	void *(*fn)(void *);
	void *arg;
};

/*
 * MEMHP_NICE (default 10): the niceness of memhp's threads - the control
 * socket's, which run the offlines and their migrations.  The kernel runs
 * an offline in the context of whoever wrote "offline", at that
 * process's priority; here the program is what matters, so the copying
 * yields the CPU to it when both want it, and a removal takes longer
 * instead of the program serving less.
 */
static int memhp_nice = 10;

/*
 * Read once, in the constructor, before memhp starts a thread: a thread
 * calling getenv(3) at its start would race with the program's main -
 * redis-server's setproctitle (spt_init) clears and rebuilds the
 * environment as it begins, and getenv is not safe against that.
 */
static void thread_nice_init(void)
{
	const char *v = getenv("MEMHP_NICE");

	memhp_nice = v && *v ? atoi(v) : 10;
}

static void *marked_thread(void *p)
{
	struct trampoline t = *(struct trampoline *)p;

	__libc_free(p);
	preload_thread_mark();
	setpriority(PRIO_PROCESS, (id_t)gettid(), memhp_nice);	/* this thread only */
	return t.fn(t.arg);
}

/* what memhp's own code calls for pthread_create (the Makefile renames it) */
int memhp_preload_pthread_create(pthread_t *tid, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
	struct trampoline *t = __libc_malloc(sizeof(*t));
	int ret;

	if (!t)
		return EAGAIN;
	t->fn = fn;
	t->arg = arg;
	ret = pthread_create(tid, attr, marked_thread, t);
	if (ret)
		__libc_free(t);
	return ret;
}

/* ---- the environment -------------------------------------------------- */

static int env_size(const char *name, uint64_t dflt, uint64_t *out, char *why, size_t len)
{
	const char *v = getenv(name);

	*out = dflt;
	if (!v || !*v)
		return 0;
	if (memhp_parse_size(v, out) || !*out) {
		snprintf(why, len, "%s=%s: not a size", name, v);
		return -EINVAL;
	}
	return 0;
}

size_t preload_min_bytes(void)
{
	uint64_t v;
	char why[128];

	if (env_size("MEMHP_MIN", 256 << 10, &v, why, sizeof(why)))
		v = 256 << 10;
	return (size_t)v;
}

/* "4x1G" or "1G,2G": sizes[] filled, their count returned, or -EINVAL */
static int parse_dimms(const char *spec, uint64_t *sizes, int max, char *why, size_t len)
{
	char buf[256], *save = NULL;
	unsigned long times;
	int n = 0;

	snprintf(buf, sizeof(buf), "%s", spec);
	if (sscanf(buf, "%lux", &times) == 1 && strchr(buf, 'x')) {
		const char *sz = strchr(buf, 'x') + 1;

		if (!times || times > (unsigned long)max || memhp_parse_size(sz, &sizes[0]))
			goto bad;
		for (unsigned long i = 1; i < times; i++)
			sizes[i] = sizes[0];
		return (int)times;
	}
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (n == max || memhp_parse_size(t, &sizes[n]))
			goto bad;
		n++;
	}
	return n;
bad:
	snprintf(why, len, "MEMHP_DIMMS=%s: want N x SIZE (4x1G) or SIZE,SIZE,... (at most %d)", spec, max);
	return -EINVAL;
}

static int add_dimms(struct memhp_machine *m, char *why, size_t len)
{
	const char *spec = getenv("MEMHP_DIMMS");
	uint64_t sizes[16];
	int n = parse_dimms(spec && *spec ? spec : "4x1G", sizes, 16, why, len);

	for (int i = 0; i < n; i++) {
		struct memhp_dimm_info info;
		char name[16];
		int ret;

		snprintf(name, sizeof(name), "dimm%d", i);
		ret = memhp_dimm_add(m, name, sizes[i], 0, MEMHP_ADDR_AUTO, -1, &info);
		if (!ret && !info.enabled)
			ret = info.add_error ? info.add_error : -EIO;
		if (ret) {
			snprintf(why, len, "DIMM %s (%s): %s", name, spec ? spec : "4x1G", strerror(-ret));
			return ret;
		}
	}
	return n < 0 ? n : 0;
}

/* ---- the machine ------------------------------------------------------ */

static int build_machine(struct memhp_machine **m, char *why, size_t len)
{
	struct memhp_config c = { 0 };
	const char *huge = getenv("MEMHP_HUGE");
	const char *cmdline = getenv("MEMHP_CMDLINE");
	int ret;

	if (env_size("MEMHP_MEM", 1ULL << 30, &c.mem, why, len) ||
	    env_size("MEMHP_MAXMEM", 64ULL << 30, &c.maxmem, why, len))
		return -EINVAL;
	c.slots = 16;
	c.max_phys = 4 * c.maxmem > (1ULL << 40) ? 4 * c.maxmem : 1ULL << 40;
	c.cmdline = cmdline && *cmdline ? cmdline
			: "memory_hotplug.memmap_on_memory=1 memhp_default_state=online_movable";
	/* 2 MiB host pages unless MEMHP_HUGE=0: a heap mapped by PMDs, as the host's own is */
	c.huge_pages = !huge || !(!strcmp(huge, "0") || !strcasecmp(huge, "no") || !strcasecmp(huge, "off") ||
				   !strcasecmp(huge, "false"));
	c.backing_dir = getenv("MEMHP_BACKING_DIR");
	ret = memhp_machine_create(&c, m);
	if (ret) {
		snprintf(why, len, "cannot build the machine: %s", strerror(-ret));
		return ret;
	}
	ret = add_dimms(*m, why, len);
	if (ret) {
		memhp_machine_destroy(*m);
		*m = NULL;
	}
	return ret;
}

static int serve_socket(char *why, size_t len)
{
	const char *path = getenv("MEMHP_SOCKET");
	char note[512], reason[1024];
	int ret;

	if (path && *path)
		snprintf(sock_path, sizeof(sock_path), "%s", path);
	else
		snprintf(sock_path, sizeof(sock_path), "/tmp/memhp-preload.%d.sock", (int)getpid());
	ret = socket_claim(sock_path, &d.sock, note, sizeof(note), reason, sizeof(reason));
	if (ret) {
		snprintf(why, len, "MEMHP_SOCKET %s: %s", sock_path, reason);
		return ret;
	}
	ret = memhp_preload_pthread_create(&socket_tid, NULL, socket_thread, NULL);
	if (ret) {
		socket_release(&d.sock);
		snprintf(why, len, "cannot start the control thread: %s", strerror(ret));
		return -ret;
	}
	return 0;
}

int preload_machine_start(struct memhp_machine **m, char *why, size_t len)
{
	int ret;

	thread_nice_init();
	d.sock.fd = -1;
	d.embedded = 1;
	pthread_mutex_init(&d.lock, NULL);
	pthread_cond_init(&d.clients_gone, NULL);
	ret = build_machine(m, why, len);
	if (ret)
		return ret;
	d.m = *m;
	ret = serve_socket(why, len);
	if (ret) {
		memhp_machine_destroy(*m);
		d.m = *m = NULL;
	}
	return ret;
}

void preload_machine_stop(void)
{
	/* a client mid-request is cut off: the process is going anyway */
	atomic_store(&d.stopping, 1);
	if (d.sock.fd >= 0) {
		shutdown(d.sock.fd, SHUT_RDWR);	/* accept(2) returns */
		socket_release(&d.sock);
	}
}

void preload_machine_child(void)
{
	/* the listening socket is the parent's: closed, never unlinked */
	if (d.sock.fd >= 0)
		close(d.sock.fd);
	d.sock.fd = -1;
}
