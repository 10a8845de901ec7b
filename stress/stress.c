// SPDX-License-Identifier: MIT
/*
 * stress.c - memhp-stress: randomized operations on one machine, checking
 * that nothing is ever lost.
 *
 *   memhp-stress [--seed N] [--ops N] [--threads N] [--max-pages N]
 *
 * --max-pages bounds a movable allocation (512 pages by default); the
 * ThreadSanitizer runs use small ones, where every byte costs tenfold.
 *
 * Thread 0 is the "host and administrator": it plugs and ejects DIMMs,
 * onlines blocks into random zones, offlines them (which migrates the other
 * threads' memory under their feet), changes the memory_hotplug parameters
 * and auto_online_blocks, and now and then arms a fault that fails the Nth
 * fallible step of the next operation.  Every thread (thread 0 too) is a
 * "user": it allocates movable regions and unmovable pages of random
 * orders, fills each with a pattern derived from its own key, pins and
 * unpins region pages, sends region pages to a device-private memory
 * (memhp_dmirror: they come back when the owner next reads them, through
 * the fault), has the kernel write into region pages (read(2) from a
 * pipe, recv(2) of a datagram: never EFAULT, never a datagram lost),
 * forks (the child must not map any region window), frees, and re-reads
 * what it holds.  Thread 0 also evicts the
 * device now and then.
 *
 * After every batch of operations the whole machine is audited
 * (memhp_audit: every pfn, free list and counter recounted) and every byte
 * of every live allocation is compared with its pattern.  A violation is a
 * failed audit, a wrong byte, or an errno that the operation can never
 * return; refusals the kernel makes (EBUSY, ENOMEM, EINVAL for a block in
 * the wrong state, ...) are expected and counted.
 *
 * The seed fixes every thread's choices.  With --threads 1 a run is
 * exactly reproducible; with more, each thread's sequence is the same but
 * their interleaving is the scheduler's.  Exit status 0 only when no
 * violation was found; the last line is the totals.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "memhp/memhp.h"

#define MiB (1ULL << 20)
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX_THREADS 8
#define MAX_ALLOCS 48
#define BATCH 128
#define DIMMS 6

struct alloc {
	bool live, movable;
	uint64_t key;
	struct memhp_region *r;		/* movable */
	size_t pages;
	long pfn;			/* unmovable */
	unsigned int order;
	long pinned;			/* index of a pinned page, -1: none */
};

struct user {
	int id;
	uint64_t rng;
	unsigned long ops, batches;
	int pipe[2], dgram[2];		/* the kernel writing into region pages */
	struct alloc a[MAX_ALLOCS];
};

struct stress {
	struct memhp_machine *m;
	unsigned long ops_per_thread;
	int threads;
	unsigned long max_pages;
	pthread_mutex_t audit_lock;	/* one audit at a time, and the report */
	atomic_ulong violations, expected_refusals, faults_armed, audits, bytes_checked, ops_done;
	atomic_ulong syscall_writes, datagrams, forks;
	bool dimm_live[DIMMS];
	struct memhp_dmirror *dev;	/* device-private memory */
};

static uint64_t next(uint64_t *s)
{
	/* splitmix64 */
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned long pick(uint64_t *s, unsigned long n)
{
	return n ? (unsigned long)(next(s) % n) : 0;
}

static void violation(struct stress *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void violation(struct stress *st, const char *fmt, ...)
{
	va_list ap;

	atomic_fetch_add(&st->violations, 1);
	pthread_mutex_lock(&st->audit_lock);
	fprintf(stderr, "VIOLATION: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	pthread_mutex_unlock(&st->audit_lock);
}

/* an errno an operation may legitimately return, or a violation */
static void refusal(struct stress *st, const char *op, long ret, const int *allowed)
{
	if (ret >= 0)
		return;
	for (; *allowed; allowed++) {
		if (-ret == *allowed) {
			atomic_fetch_add(&st->expected_refusals, 1);
			return;
		}
	}
	violation(st, "%s returned %s", op, memhp_strerror((int)ret));
}

/* ---- patterns ----------------------------------------------------------------- */

static uint8_t *alloc_bytes(struct stress *st, struct alloc *a, size_t *len)
{
	struct memhp_geometry g;

	memhp_get_geometry(st->m, &g);
	if (a->movable) {
		*len = a->pages * g.page_size;
		return memhp_region_addr(a->r);
	}
	*len = g.page_size << a->order;
	return memhp_pfn_to_virt(st->m, (unsigned long)a->pfn);
}

static void fill(struct stress *st, struct alloc *a)
{
	size_t len;
	uint64_t *p = (uint64_t *)(void *)alloc_bytes(st, a, &len);

	for (size_t i = 0; i < len / 8; i++)
		p[i] = a->key ^ (i * 0x9e3779b97f4a7c15ULL);
}

/*
 * What the host maps at va, from /proc/self/maps (this process's own):
 * a device's file at some offset, or an anonymous page (a device-private
 * placeholder) - a window that maps the wrong thing and data that is gone
 * are different bugs
 */
static void host_mapping(const void *va, char *out, size_t len)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];

	snprintf(out, len, "not mapped");
	while (f && fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;

		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && (uintptr_t)va >= lo && (uintptr_t)va < hi) {
			line[strcspn(line, "\n")] = 0;
			snprintf(out, len, "%s", line);
			break;
		}
	}
	if (f)
		fclose(f);
}

/*
 * A wrong word: where it is (page, and the pfn the page is on now), how
 * many wrong words follow it up to the end of the allocation and the page
 * of the last - a whole page of zeros and a few bytes overwritten are
 * different bugs - and what the direct map and the window show there.
 */
static void report_wrong_word(struct stress *st, struct user *u, struct alloc *a, const uint64_t *p,
			      size_t len, size_t i)
{
	struct memhp_geometry g;
	size_t words_per_page, page, wrong = 0, last = i;
	long pfn;
	const uint64_t *direct;
	char where[600];

	memhp_get_geometry(st->m, &g);
	words_per_page = g.page_size / 8;
	page = i / words_per_page;
	for (size_t j = i; j < len / 8; j++) {
		if (p[j] != (a->key ^ (j * 0x9e3779b97f4a7c15ULL))) {
			wrong++;
			last = j;
		}
	}
	pfn = a->movable ? memhp_region_pfn(a->r, page) : a->pfn + (long)page;
	direct = pfn >= 0 ? memhp_pfn_to_virt(st->m, (unsigned long)pfn) : NULL;
	host_mapping(p + i, where, sizeof(where));
	violation(st, "thread %d: %s allocation, word %zu: %#" PRIx64 ", expected %#" PRIx64
		  " (page %zu of %zu, pfn %ld%s; %zu wrong words from there on, the last in page %zu;"
		  " the direct map's word: %#" PRIx64 "; the window maps: %s)",
		  u->id, a->movable ? "movable" : "unmovable", i, (uint64_t)p[i],
		  (uint64_t)(a->key ^ (i * 0x9e3779b97f4a7c15ULL)), page,
		  a->movable ? a->pages : (size_t)1 << a->order, pfn,
		  a->pinned == (long)page ? ", pinned" : "", wrong, last / words_per_page,
		  direct ? direct[i % words_per_page] : 0, where);
}

static void verify(struct stress *st, struct user *u, struct alloc *a)
{
	size_t len;
	const uint64_t *p = (const uint64_t *)(void *)alloc_bytes(st, a, &len);

	if (!p) {
		violation(st, "thread %d: pfn %ld of a live allocation is not mapped", u->id, a->pfn);
		return;
	}
	for (size_t i = 0; i < len / 8; i++) {
		if (p[i] != (a->key ^ (i * 0x9e3779b97f4a7c15ULL))) {
			report_wrong_word(st, u, a, p, len, i);
			return;
		}
	}
	atomic_fetch_add(&st->bytes_checked, len);
}

/* ---- what users do ------------------------------------------------------------ */

/* the pattern of bytes [off, off + len) of a region, into buf */
static void pattern_bytes(const struct alloc *a, size_t off, size_t len, uint8_t *buf)
{
	for (size_t i = 0; i < len; i++) {
		size_t w = (off + i) / 8;
		uint64_t v = a->key ^ (w * 0x9e3779b97f4a7c15ULL);

		memcpy(buf + i, (const uint8_t *)&v + (off + i) % 8, 1);
	}
}

/*
 * The kernel writes into region pages on the owner's behalf: read(2)
 * from a pipe, or recv(2) of a datagram, puts the bytes the pages already
 * hold back into them while the administrator migrates them.  A system
 * call must never fail (EFAULT) nor come up short, and a datagram must
 * never be lost: the pages' contents are checked as every other byte.
 */
static void user_syscall_write(struct stress *st, struct user *u, struct alloc *a, bool datagram)
{
	uint8_t buf[4096];
	size_t len, total, off, n;
	uint8_t *base = alloc_bytes(st, a, &total);
	ssize_t got = 0;

	off = (size_t)pick(&u->rng, total);
	n = 1 + (size_t)pick(&u->rng, sizeof(buf));	/* once: MIN evaluates twice */
	n = MIN(n, total - off);
	pattern_bytes(a, off, n, buf);
	if (datagram) {
		if (send(u->dgram[0], buf, n, 0) != (ssize_t)n) {
			violation(st, "thread %d: send: %s", u->id, strerror(errno));
			return;
		}
		got = recv(u->dgram[1], base + off, n, 0);
		atomic_fetch_add(&st->datagrams, 1);
	} else {
		if (write(u->pipe[1], buf, n) != (ssize_t)n) {
			violation(st, "thread %d: pipe write: %s", u->id, strerror(errno));
			return;
		}
		for (len = 0; len < n; len += (size_t)got) {
			got = read(u->pipe[0], base + off + len, n - len);
			if (got <= 0)
				break;
		}
		got = got <= 0 ? got : (ssize_t)len;
		atomic_fetch_add(&st->syscall_writes, 1);
	}
	if (got != (ssize_t)n)
		violation(st, "thread %d: %s of %zu bytes into a region page: %zd (%s)", u->id,
			  datagram ? "recv" : "read", n, got, got < 0 ? strerror(errno) : "short");
}

/*
 * fork(2) while pages migrate: the child has no mapping of any region
 * window (MADV_DONTFORK) - it can neither read a page the parent's
 * migration left behind nor write into a freed one.  msync(2) of an
 * unmapped range fails with ENOMEM; the child says so in its exit status
 * and touches nothing else (async-signal-safe calls only).
 */
static void user_fork(struct stress *st, struct user *u, struct alloc *a)
{
	size_t len;
	uint8_t *base = alloc_bytes(st, a, &len);
	int status;
	pid_t pid = fork();

	if (pid < 0) {
		violation(st, "thread %d: fork: %s", u->id, strerror(errno));
		return;
	}
	if (!pid)
		_exit(msync(base, len, MS_ASYNC) == -1 && errno == ENOMEM ? 0 : 3);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		violation(st, "thread %d: a forked child %s the region window", u->id,
			  WIFEXITED(status) && WEXITSTATUS(status) == 3 ? "still maps" : "died on");
	atomic_fetch_add(&st->forks, 1);
}


static void user_alloc(struct stress *st, struct user *u, struct alloc *a)
{
	static const int refused[] = { ENOMEM, 0 };

	memset(a, 0, sizeof(*a));
	a->key = next(&u->rng);
	a->pinned = -1;
	a->movable = pick(&u->rng, 3) != 0;
	if (a->movable) {
		int ret;

		unsigned int flags = pick(&u->rng, 4) ? 0 : MEMHP_REGION_MLOCK;

		/*
		 * a third huge (MADV_HUGEPAGE) where regions may be a folio
		 * long: one or two whole 2 MiB folios and a tail
		 */
		if (st->max_pages >= 512 && !pick(&u->rng, 3))
			flags |= MEMHP_REGION_HUGE;
		a->pages = flags & MEMHP_REGION_HUGE ? 512 + pick(&u->rng, 2 * st->max_pages)
						     : 1 + pick(&u->rng, st->max_pages);
		ret = memhp_region_alloc(st->m, a->pages, 0, flags, &a->r);
		refusal(st, "region_alloc", ret, refused);
		if (ret)
			return;
	} else {
		a->order = pick(&u->rng, 4) ? 0 : (unsigned int)pick(&u->rng, st->max_pages >= 512 ? 10 : 4);
		a->pfn = memhp_alloc_pages(st->m, 0, a->order);
		refusal(st, "alloc_pages", a->pfn, refused);
		if (a->pfn < 0)
			return;
	}
	a->live = true;
	fill(st, a);
}

static void user_free(struct stress *st, struct alloc *a)
{
	if (a->movable) {
		if (a->pinned >= 0)
			memhp_region_unpin(a->r, (size_t)a->pinned);
		memhp_region_free(a->r);
	} else if (memhp_free_pages(st->m, (unsigned long)a->pfn, a->order)) {
		violation(st, "free_pages of pfn %ld order %u refused", a->pfn, a->order);
	}
	a->live = false;
}

static void user_op(struct stress *st, struct user *u)
{
	struct alloc *a = &u->a[pick(&u->rng, MAX_ALLOCS)];

	switch (pick(&u->rng, 9)) {
	case 0:
	case 1:
		if (a->live) {
			verify(st, u, a);
			user_free(st, a);
		} else {
			user_alloc(st, u, a);
		}
		break;
	case 2:	/* a pin holds a page where it is, as get_user_pages does */
		if (a->live && a->movable) {
			if (a->pinned >= 0) {
				memhp_region_unpin(a->r, (size_t)a->pinned);
				a->pinned = -1;
			} else {
				size_t i = (size_t)pick(&u->rng, a->pages);

				if (!memhp_region_pin(a->r, i))
					a->pinned = (long)i;
			}
		}
		break;
	case 3:	/* some pages out to the device; reading them brings them back */
		if (a->live && a->movable) {
			size_t start = (size_t)pick(&u->rng, a->pages);
			long moved = memhp_dmirror_migrate(st->dev, a->r, start,
							   1 + (size_t)pick(&u->rng, a->pages - start));

			if (moved < 0)
				violation(st, "thread %d: dmirror_migrate: %s", u->id, memhp_strerror((int)moved));
		}
		break;
	case 4:
	case 5:
		if (a->live && a->movable)
			user_syscall_write(st, u, a, pick(&u->rng, 2));
		break;
	case 6:
		if (a->live && a->movable && !pick(&u->rng, 8))
			user_fork(st, u, a);
		break;
	default:
		if (a->live)
			verify(st, u, a);
		break;
	}
}

/* ---- what the host and the administrator do -------------------------------- */

static void admin_dimm(struct stress *st, struct user *u)
{
	static const int add_refused[] = { ENOMEM, ENOSPC, E2BIG, EEXIST, 0 };
	static const int del_refused[] = { EBUSY, ENOMEM, EINTR, ENOENT, 0 };
	int i = (int)pick(&u->rng, DIMMS);
	char name[8];

	snprintf(name, sizeof(name), "d%d", i);
	if (!st->dimm_live[i]) {
		struct memhp_dimm_info info;
		int ret = memhp_dimm_add(st->m, name, (1 + pick(&u->rng, 4)) * 128 * MiB,
					 (int)pick(&u->rng, 2), MEMHP_ADDR_AUTO, -1, &info);

		refusal(st, "dimm_add", ret, add_refused);
		st->dimm_live[i] = !ret;
	} else {
		int ret = memhp_dimm_remove_cancellable(st->m, name, NULL, 20);

		refusal(st, "dimm_remove", ret, del_refused);
		if (!ret)
			st->dimm_live[i] = false;
	}
}

static void admin_block(struct stress *st, struct user *u)
{
	static const char *const states[] = { "online", "online_kernel", "online_movable" };
	static const int refused[] = { EINVAL, EBUSY, EINTR, ENOMEM, EPERM, ENOENT, 0 };
	int i = (int)pick(&u->rng, DIMMS);
	struct memhp_dimm_info info;
	char name[8], path[96];
	unsigned long b;
	long ret;

	snprintf(name, sizeof(name), "d%d", i);
	if (!st->dimm_live[i] || memhp_dimm_info(st->m, name, &info) || !info.enabled)
		return;
	b = info.first_block + pick(&u->rng, info.last_block - info.first_block + 1);
	if (pick(&u->rng, 2)) {
		ret = memhp_block_offline_cancellable(st->m, b, NULL, 20);
		refusal(st, "offline", ret, refused);
	} else {
		const char *s = states[pick(&u->rng, 3)];

		snprintf(path, sizeof(path), "/sys/devices/system/memory/memory%lu/state", b);
		ret = memhp_file_write(st->m, path, s, strlen(s));
		refusal(st, "online", ret, refused);
	}
}

static void admin_param(struct stress *st, struct user *u)
{
	static const char *const files[] = {
		"/sys/module/memory_hotplug/parameters/auto_movable_ratio",
		"/sys/module/memory_hotplug/parameters/online_policy",
		"/sys/devices/system/memory/auto_online_blocks",
	};
	static const char *const values[3][3] = {
		{ "0", "100", "301" }, { "contig-zones", "auto-movable", "contig-zones" },
		{ "offline", "online", "online_movable" },
	};
	unsigned long f = pick(&u->rng, 3);
	const char *v = values[f][pick(&u->rng, 3)];
	static const int refused[] = { 0 };

	refusal(st, "param", memhp_file_write(st->m, files[f], v, strlen(v)), refused);
}

/* every page back from the device; a pinned or migrating page may stay */
static void admin_evict(struct stress *st)
{
	static const int refused[] = { EBUSY, 0 };

	refusal(st, "dmirror_evict", memhp_dmirror_evict(st->dev), refused);
}

static void admin_op(struct stress *st, struct user *u)
{
	unsigned long what = pick(&u->rng, 16);

	/* now and then the next operation's Nth fallible step fails */
	if (!pick(&u->rng, 12)) {
		memhp_fault_inject(st->m, 1 + pick(&u->rng, 24));
		atomic_fetch_add(&st->faults_armed, 1);
	}
	if (what < 3)
		admin_dimm(st, u);
	else if (what < 12)
		admin_block(st, u);
	else if (what < 13)
		admin_param(st, u);
	else if (what < 14)
		admin_evict(st);
	else
		user_op(st, u);
	memhp_fault_inject(st->m, 0);
}

/* ---- the checks ------------------------------------------------------------------ */

static void check_all(struct stress *st, struct user *u)
{
	char msg[256];

	for (int i = 0; i < MAX_ALLOCS; i++)
		if (u->a[i].live)
			verify(st, u, &u->a[i]);
	pthread_mutex_lock(&st->audit_lock);
	if (memhp_audit(st->m, msg, sizeof(msg))) {
		pthread_mutex_unlock(&st->audit_lock);
		violation(st, "audit after thread %d's batch %lu: %s", u->id, u->batches, msg);
		return;
	}
	pthread_mutex_unlock(&st->audit_lock);
	atomic_fetch_add(&st->audits, 1);
}

struct thread_arg {
	struct stress *st;
	struct user u;
};

static void *run_thread(void *p)
{
	struct thread_arg *t = p;
	struct stress *st = t->st;
	struct user *u = &t->u;

	if (pipe(u->pipe) || socketpair(AF_UNIX, SOCK_DGRAM, 0, u->dgram)) {
		violation(st, "thread %d: pipe/socketpair: %s", u->id, strerror(errno));
		return NULL;
	}
	for (u->ops = 0; u->ops < st->ops_per_thread; u->ops++) {
		if (u->id == 0)
			admin_op(st, u);
		else
			user_op(st, u);
		atomic_fetch_add(&st->ops_done, 1);
		if ((u->ops + 1) % BATCH == 0) {
			u->batches++;
			check_all(st, u);
		}
	}
	check_all(st, u);
	for (int i = 0; i < MAX_ALLOCS; i++) {
		if (u->a[i].live) {
			verify(st, u, &u->a[i]);
			user_free(st, &u->a[i]);
		}
	}
	close(u->pipe[0]);
	close(u->pipe[1]);
	close(u->dgram[0]);
	close(u->dgram[1]);
	return NULL;
}

int main(int argc, char **argv)
{
	struct stress st = { .ops_per_thread = 2000, .threads = 2, .max_pages = 512 };
	uint64_t seed = (uint64_t)time(NULL), rng;
	/*
	 * max_phys bounds the virtual reservations (direct map, vmemmap): kept
	 * small, so that ThreadSanitizer's fixed memory layout always has room
	 */
	struct memhp_config c = { .mem = 1ULL << 30, .nr_nodes = 2, .maxmem = 16ULL << 30, .slots = 8,
				  .max_phys = 64ULL << 30 };
	struct thread_arg *t;
	pthread_t tid[MAX_THREADS];
	char cmdline[128], msg[256];
	struct memhp_dmirror_stats dev;
	unsigned long long ops = 0;
	int ret;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--ops") && i + 1 < argc)
			ops = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
			st.threads = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--max-pages") && i + 1 < argc)
			st.max_pages = strtoul(argv[++i], NULL, 0);
		else {
			fprintf(stderr, "usage: memhp-stress [--seed N] [--ops N] [--threads N] [--max-pages N]\n");
			return 2;
		}
	}
	if (st.threads < 1 || st.threads > MAX_THREADS || st.max_pages < 1 || st.max_pages > 65536)
		return 2;
	if (ops)
		st.ops_per_thread = (unsigned long)((ops + (unsigned long long)st.threads - 1) / (unsigned long long)st.threads);
	rng = seed;
	snprintf(cmdline, sizeof(cmdline), "memory_hotplug.memmap_on_memory=%d memhp_default_state=%s",
		 (int)pick(&rng, 2), pick(&rng, 2) ? "online_movable" : "online");
	c.cmdline = cmdline;
	printf("memhp-stress: seed %" PRIu64 ", %d threads x %lu ops, %s\n", seed, st.threads, st.ops_per_thread,
	       cmdline);
	ret = memhp_machine_create(&c, &st.m);
	if (ret) {
		fprintf(stderr, "memhp-stress: machine: %s\n", memhp_strerror(ret));
		return 1;
	}
	ret = memhp_dmirror_create(st.m, 1024, &st.dev);
	if (ret) {
		fprintf(stderr, "memhp-stress: dmirror: %s\n", memhp_strerror(ret));
		return 1;
	}
	pthread_mutex_init(&st.audit_lock, NULL);
	t = calloc((size_t)st.threads, sizeof(*t));
	if (!t)
		return 1;
	for (int i = 0; i < st.threads; i++) {
		t[i].st = &st;
		t[i].u.id = i;
		t[i].u.rng = seed ^ (0xa0761d6478bd642fULL * (uint64_t)(i + 1));
		pthread_create(&tid[i], NULL, run_thread, &t[i]);
	}
	for (int i = 0; i < st.threads; i++)
		pthread_join(tid[i], NULL);
	memhp_dmirror_stats(st.dev, &dev);
	if (dev.pages_out)
		violation(&st, "%" PRIu64 " device pages still out with every region freed", dev.pages_out);
	memhp_dmirror_destroy(st.dev);
	/* everything freed: the machine must be consistent still */
	if (memhp_audit(st.m, msg, sizeof(msg)))
		violation(&st, "final audit: %s", msg);
	memhp_machine_destroy(st.m);
	free(t);
	pthread_mutex_destroy(&st.audit_lock);
	printf("memhp-stress: seed %" PRIu64 ": %lu ops, %lu audits, %lu bytes checked, %lu faults armed, "
	       "%lu expected refusals, %" PRIu64 " pages to the device and %" PRIu64 " back (%" PRIu64
	       " on a CPU access), %lu pipe reads and %lu datagrams into region pages, %lu forks, %lu violations\n",
	       seed, atomic_load(&st.ops_done), atomic_load(&st.audits), atomic_load(&st.bytes_checked),
	       atomic_load(&st.faults_armed), atomic_load(&st.expected_refusals), dev.to_device, dev.to_ram,
	       dev.faults, atomic_load(&st.syscall_writes), atomic_load(&st.datagrams), atomic_load(&st.forks),
	       atomic_load(&st.violations));
	return atomic_load(&st.violations) ? 1 : 0;
}
