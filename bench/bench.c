// SPDX-License-Identifier: MIT
/*
 * bench.c - memhp-bench: how fast memhp is, as ratios against baselines
 * measured in the same run on the same machine (`make bench`).
 *
 *   memhp-bench [--json FILE] [--smoke]
 *
 * The limits first (issue 16), measured in this run: a warm memset and
 * memcpy (pages already mapped and written once), and the first write
 * through a freshly established mapping of a memfd - 4 KiB pages, and 2 MiB
 * pages of a hugetlbfs memfd (huge pages reserved for the measurement when
 * run as root, the old vm.nr_hugepages restored; skipped with the reason
 * otherwise).  On this project's VMs the first write through each fresh
 * 4 KiB mapping costs ~6 us: that, not memset, bounds anything that writes
 * memory memhp maps for the first time.  Then every memhp figure against
 * the limit that physically bounds it:
 *   1. online throughput, struct pages per second, 1 and 64 GiB, memmap on
 *      the memory and in boot memory: written at online ("eager", against
 *      the fresh-4 KiB-mapping limit for the memmap's bytes, goal <= 1.5x)
 *      and deferred (the default: written when first needed).
 *   2. hot-add + online of N GiB (N = 1, 16, 64, 256, sparse backing): ms
 *      per GiB (goal < 5 ms/GiB), against the time the fresh-mapping limit
 *      needs to write a GiB's memmap; growth with N.
 *   3. the page allocator: order-0 and order-9 allocate+free pairs per
 *      second, one and two threads, against mi_malloc/mi_free (mimalloc)
 *      and glibc malloc/free of the same sizes (goals: order-0 on one
 *      thread >= mimalloc's 4 KiB rate; two threads >= 1.6x one).
 *   4. offline with migration: GiB/s of in-use movable memory migrated out
 *      of a DIMM while its blocks go offline, against the copy limit of
 *      its target pages - 4 KiB pwrites into allocated memfd pages, as
 *      migrate.c copies (goal: within 2x) - and, reported, warm memcpy.
 *   5. memory overhead: boot memory taken per GiB hot-added (0 with
 *      memmap_on_memory, 16 MiB without), struct page bytes per page (64),
 *      and what memhp itself keeps outside the machine's memory per GiB
 *      added (host heap, mappings), reported.
 *   6. `memhpctl plan` of 8 TiB of CXL memory on a 2 GiB machine, with
 *      memmap_on_memory and without: seconds and peak host memory (goals:
 *      < 60 s, < 2 GiB).
 *
 * Every timed figure is the best of three runs, as is its baseline.
 * mimalloc is loaded with dlopen(RTLD_LOCAL): linked in, Debian's build
 * replaces malloc for the whole process, and glibc's baseline and memhp's
 * own heap would silently be mimalloc's.
 * --smoke runs every figure once at a tiny size, so that `make check` keeps
 * the code building and running; it asserts nothing about speed.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <spawn.h>
#include <linux/memfd.h>
#include <linux/mount.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <malloc.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "memhp/memhp.h"

#define GiB (1ULL << 30)
#define MiB (1ULL << 20)

struct row {
	char figure[96];
	double memhp, baseline, ratio;
	char unit[24], goal[48];
	bool met;
};

static struct row rows[96];
static size_t nr_rows;
static bool smoke;
static char tools_dir[4096];	/* where memhpctl is: beside memhp-bench */

/* the limits, bytes per second, measured first */
static struct {
	double memset, memcpy, fresh_4k, fresh_4k_write, fresh_2m, copy_backed;
	char no_2m[128];	/* why there is no 2 MiB figure */
} limit;

/*
 * A device backing and the limits that bound memhp on it: 4 KiB memfds,
 * and 2 MiB pages - the private huge tmpfs memhp_config.huge_pages gives
 * (transparent huge pages; skipped, with the reason, where the host has
 * none).  Each figure of sections 1, 2 and 4 is measured on both.
 */
struct backing {
	const char *tag;	/* "" or " [2 MiB]", appended to the figure */
	int huge;
	double fresh, fresh_write, copy;	/* bytes/s, as the 4 KiB limits */
	bool available;
};
static struct backing backings[2] = { { .tag = "" }, { .tag = " [2 MiB]", .huge = 1 } };
static const struct backing *backing;	/* the one machines are booted on */

/* the 4 KiB backing's time of each figure, for the 2 MiB one's speed-up */
static struct {
	char figure[96];
	double t;
} times_4k[32];
static size_t nr_times_4k, next_compare;

/*
 * The same figure on the other backing: on 4 KiB its time is kept; on
 * 2 MiB a row says how much faster it ran (what the huge backing buys).
 */
#define MIN_INT(a, b) ((a) < (b) ? (a) : (b))

static void add_row(const char *figure, double memhp, double baseline, double ratio, const char *unit,
		    const char *goal, bool met);

/* timed figures are the best of three; --smoke, which times nothing, runs once */
static int best_of(void)
{
	return smoke ? 1 : 3;
}

static void backing_compare(const char *figure, double t)
{
	size_t len = strlen(figure), tag = strlen(backing->tag);
	char fig[96];

	if (len >= tag && !strcmp(figure + len - tag, backing->tag))
		len -= tag;	/* the figure's name, not its backing's */
	if (!backing->huge) {
		if (nr_times_4k < sizeof(times_4k) / sizeof(times_4k[0])) {
			snprintf(times_4k[nr_times_4k].figure, sizeof(times_4k[0].figure), "%.*s", (int)len, figure);
			times_4k[nr_times_4k++].t = t;
		}
		return;
	}
	/* the figures come in the same order on both backings */
	for (size_t i = next_compare; i < nr_times_4k; i++) {
		if (strlen(times_4k[i].figure) != len || strncmp(times_4k[i].figure, figure, len))
			continue;
		next_compare = i + 1;
		snprintf(fig, sizeof(fig), "  [2 MiB] speed-up over 4 KiB: %.*s", (int)MIN_INT(len, 60), figure);
		add_row(fig, times_4k[i].t / t, 1, times_4k[i].t / t, "x", "reported", true);
		return;
	}
}
static int huge_mnt = -1;		/* the bench's own huge tmpfs */
static volatile char sink;
static void *(*mi_malloc)(size_t);
static void (*mi_free)(void *);

static void load_mimalloc(void)
{
	void *h = dlopen("libmimalloc.so.2", RTLD_NOW | RTLD_LOCAL);

	if (h) {
		mi_malloc = (void *(*)(size_t))dlsym(h, "mi_malloc");
		mi_free = (void (*)(void *))dlsym(h, "mi_free");
	}
	if (!mi_malloc || !mi_free) {
		fprintf(stderr, "memhp-bench: libmimalloc.so.2 not found (apt-get install libmimalloc-dev)\n");
		exit(1);
	}
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void add_row(const char *figure, double memhp, double baseline, double ratio, const char *unit,
		    const char *goal, bool met)
{
	struct row *r = &rows[nr_rows++];

	snprintf(r->figure, sizeof(r->figure), "%s", figure);
	snprintf(r->unit, sizeof(r->unit), "%s", unit);
	snprintf(r->goal, sizeof(r->goal), "%s", goal);
	r->memhp = memhp;
	r->baseline = baseline;
	r->ratio = ratio;
	r->met = met;
}

/* a machine; eager: every struct page written at online (memmap_init_eager) */
static struct memhp_machine *boot_init(uint64_t mem, uint64_t maxmem, const char *cmdline, int eager)
{
	struct memhp_config c = { .mem = mem, .maxmem = maxmem, .cmdline = cmdline, .max_phys = 2ULL << 40,
				  .memmap_init_eager = eager, .huge_pages = backing ? backing->huge : 0 };
	struct memhp_machine *m = NULL;
	int ret = memhp_machine_create(&c, &m);

	if (ret) {
		fprintf(stderr, "memhp-bench: machine: %s\n", memhp_strerror(ret));
		exit(1);
	}
	return m;
}

static struct memhp_machine *boot(uint64_t mem, uint64_t maxmem, const char *cmdline)
{
	return boot_init(mem, maxmem, cmdline, 0);
}

/* the best of three timings of fn(dst, src, bytes), buffers faulted in first */
static double best_of_three(void (*fn)(char *dst, const char *src, size_t bytes), size_t bytes)
{
	char *a = malloc(bytes), *b = malloc(bytes);
	double best = 1e9;

	if (!a || !b)
		exit(1);
	memset(a, 1, bytes);
	memset(b, 2, bytes);
	for (int i = 0; i < best_of(); i++) {
		double t = now();

		fn(b, a, bytes);
		t = now() - t;
		best = t < best ? t : best;
	}
	sink = b[bytes / 3];
	free(a);
	free(b);
	return best;
}

static void do_memset(char *dst, const char *src, size_t bytes)
{
	memset(dst, src[0] ^ dst[0], bytes);
}

static void do_memcpy(char *dst, const char *src, size_t bytes)
{
	memcpy(dst, src, bytes);
}

static double memset_time(size_t bytes)
{
	return best_of_three(do_memset, bytes);
}

/* ---- 0. the limits ------------------------------------------------------ */

/*
 * Fresh memory written once, the way memhp gets it: a new memfd's pages
 * allocated (fallocate), mapped MAP_SHARED with MAP_POPULATE, then
 * written - the cost memhp pays for every page it maps and writes for the
 * first time: all of it timed (what an add + online pays), or only the
 * write (what an online pays: add mapped the memmap).  Best of three, a
 * new memfd each time; bytes per second, 0 when the memfd cannot be made.
 */
static int new_fd(unsigned int flags)
{
	if (flags == ~0u)	/* a file on the huge tmpfs */
		return huge_mnt < 0 ? -1 : openat(huge_mnt, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	return memfd_create("memhp-bench", MFD_CLOEXEC | flags);
}

static double fresh_mapping_rate(size_t bytes, unsigned int flags, bool time_setup)
{
	double best = 1e9;

	for (int run = 0; run < best_of(); run++) {
		int fd = new_fd(flags);
		char *p;
		double t;

		if (fd < 0)
			return 0;
		t = now();
		if (ftruncate(fd, (off_t)bytes) || fallocate(fd, 0, 0, (off_t)bytes) ||
		    (p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0)) == MAP_FAILED) {
			close(fd);
			return 0;
		}
		if (!time_setup)
			t = now();
		memset(p, 0x5a, bytes);
		t = now() - t;
		sink = p[bytes / 2];
		munmap(p, bytes);
		close(fd);
		best = t < best ? t : best;
	}
	return (double)bytes / best;
}

/*
 * The copy limit of a migration's target: 4 KiB at a time into pages of a
 * memfd that are allocated (fallocate) but mapped nowhere - pwrite, the
 * way migrate.c copies, since a store through a fresh mapping would pay
 * its page fault on top.  Best of three; bytes per second.
 */
static double copy_backed_rate(size_t bytes, unsigned int flags)
{
	char *src = malloc(bytes);
	double best = 1e9;

	if (!src)
		exit(1);
	memset(src, 3, bytes);
	for (int run = 0; run < best_of(); run++) {
		int fd = new_fd(flags);
		double t;

		if (fd < 0 || ftruncate(fd, (off_t)bytes) || fallocate(fd, 0, 0, (off_t)bytes))
			exit(1);
		t = now();
		for (size_t off = 0; off < bytes; off += 4096)
			if (pwrite(fd, src + off, 4096, (off_t)off) != 4096)
				exit(1);
		t = now() - t;
		close(fd);
		best = t < best ? t : best;
	}
	free(src);
	return (double)bytes / best;
}

static long read_long(const char *path)
{
	FILE *f = fopen(path, "re");
	long v = -1;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static int write_long(const char *path, long v)
{
	FILE *f = fopen(path, "we");

	if (!f)
		return -1;
	fprintf(f, "%ld\n", v);
	return fclose(f);
}

/*
 * 2 MiB pages: a hugetlbfs memfd.  Where the host has none free and we are
 * root, the pages are reserved for the measurement and vm.nr_hugepages is
 * put back right after, as it was.
 */
static double fresh_2m_rate(size_t bytes)
{
	const char *nr_path = "/proc/sys/vm/nr_hugepages";
	long old = read_long(nr_path), want = (long)(bytes >> 21);
	double rate;

	if (old < 0) {
		snprintf(limit.no_2m, sizeof(limit.no_2m), "no hugetlbfs on this host");
		return 0;
	}
	rate = fresh_mapping_rate(bytes, MFD_HUGETLB | MFD_HUGE_2MB, true);
	if (rate > 0)
		return rate;
	if (geteuid() != 0 || write_long(nr_path, old + want)) {
		snprintf(limit.no_2m, sizeof(limit.no_2m), "no free 2 MiB huge pages and not root to reserve them");
		return 0;
	}
	rate = fresh_mapping_rate(bytes, MFD_HUGETLB | MFD_HUGE_2MB, true);
	if (write_long(nr_path, old))
		fprintf(stderr, "memhp-bench: could not restore vm.nr_hugepages to %ld\n", old);
	if (rate <= 0)
		snprintf(limit.no_2m, sizeof(limit.no_2m), "the host could not reserve %ld huge pages", want);
	return rate;
}

/*
 * The bench's own huge tmpfs, made as libmemhp makes its own (fsopen,
 * huge=always, never attached to a mount tree): the 2 MiB limits are
 * measured on the same kind of pages the machines then get.
 */
static int huge_tmpfs(void)
{
	int fs = (int)syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC), mnt = -1;

	if (fs < 0)
		return -1;
	if (!syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "huge", "always", NULL, 0) &&
	    !syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0))
		mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, 0);
	close(fs);
	return mnt;
}

static void limit_rows(const struct backing *b)
{
	char fig[96];

	snprintf(fig, sizeof(fig), "limit: fresh %s pages allocated, mapped, written (GB/s)",
		 b->huge ? "2 MiB huge tmpfs" : "4 KiB memfd");
	add_row(fig, b->fresh / 1e9, limit.memset / 1e9, b->fresh / limit.memset, "GB/s", "reported (vs warm memset)",
		true);
	snprintf(fig, sizeof(fig), "limit: first write through a populated %s mapping (GB/s)",
		 b->huge ? "2 MiB" : "4 KiB");
	add_row(fig, b->fresh_write / 1e9, limit.memset / 1e9, b->fresh_write / limit.memset, "GB/s",
		"reported (vs warm memset)", true);
	snprintf(fig, sizeof(fig), "limit: pwrite 4 KiB into allocated %s pages (GB/s)",
		 b->huge ? "2 MiB huge tmpfs" : "memfd");
	add_row(fig, b->copy / 1e9, limit.memset / 1e9, b->copy / limit.memset, "GB/s", "reported (vs warm memset)",
		true);
}

static void bench_limits(void)
{
	size_t bytes = smoke ? 16 * MiB : 256 * MiB;

	limit.memset = (double)bytes / memset_time(bytes);
	limit.memcpy = (double)bytes / best_of_three(do_memcpy, bytes);
	limit.fresh_4k = fresh_mapping_rate(bytes, 0, true);
	limit.fresh_4k_write = fresh_mapping_rate(bytes, 0, false);
	limit.fresh_2m = fresh_2m_rate(bytes);
	limit.copy_backed = copy_backed_rate(bytes, 0);
	if (limit.fresh_4k <= 0) {
		fprintf(stderr, "memhp-bench: memfd_create failed\n");
		exit(1);
	}
	backings[0] = (struct backing){ .tag = "", .fresh = limit.fresh_4k, .fresh_write = limit.fresh_4k_write,
					.copy = limit.copy_backed, .available = true };
	huge_mnt = huge_tmpfs();
	if (huge_mnt >= 0) {
		backings[1].fresh = fresh_mapping_rate(bytes, ~0u, true);
		backings[1].fresh_write = fresh_mapping_rate(bytes, ~0u, false);
		backings[1].copy = copy_backed_rate(bytes, ~0u);
		backings[1].available = backings[1].fresh > 0;
	}
	if (!backings[1].available)
		fprintf(stderr, "memhp-bench: no [2 MiB] figures: no private huge tmpfs (%s)\n",
			huge_mnt < 0 ? "fsopen/fsmount refused: not root, or no THP" : "its files cannot be made");
	add_row("limit: warm memset (GB/s)", limit.memset / 1e9, limit.memset / 1e9, 1, "GB/s", "the baseline", true);
	add_row("limit: warm memcpy (GB/s)", limit.memcpy / 1e9, limit.memset / 1e9, limit.memcpy / limit.memset,
		"GB/s", "reported", true);
	limit_rows(&backings[0]);
	if (backings[1].available)
		limit_rows(&backings[1]);
	if (limit.fresh_2m > 0)
		add_row("limit: fresh 2 MiB hugetlbfs pages allocated, mapped, written (GB/s)", limit.fresh_2m / 1e9,
			limit.memset / 1e9, limit.fresh_2m / limit.memset, "GB/s", "reported (vs warm memset)", true);
	else
		fprintf(stderr, "memhp-bench: no 2 MiB figure: %s\n", limit.no_2m);
}

/* ---- 1. online throughput ------------------------------------------------- */

static double online_time(uint64_t size, int mmom, int eager)
{
	char cmdline[96];
	double best = 1e9;

	snprintf(cmdline, sizeof(cmdline), "memory_hotplug.memmap_on_memory=%d memhp_default_state=offline", mmom);
	for (int run = 0; run < best_of(); run++) {
		struct memhp_machine *m = boot_init(2 * GiB, size + 4 * GiB, cmdline, eager);
		struct memhp_dimm_info d;
		double t;

		if (memhp_dimm_add(m, "d", size, 0, MEMHP_ADDR_AUTO, -1, &d) || !d.enabled) {
			fprintf(stderr, "memhp-bench: cannot add %llu MiB\n", (unsigned long long)(size / MiB));
			exit(1);
		}
		t = now();
		for (unsigned long b = d.first_block; b <= d.last_block; b++)
			if (memhp_block_online(m, b, MEMHP_MMOP_ONLINE_MOVABLE))
				exit(1);
		t = now() - t;
		best = t < best ? t : best;
		memhp_machine_destroy(m);
	}
	return best;
}

static void bench_online(void)
{
	static const uint64_t sizes[] = { 1 * GiB, 64 * GiB };

	for (size_t i = 0; i < 2; i++) {
		uint64_t size = smoke ? 256 * MiB : sizes[i];
		uint64_t pages = size / 4096;
		/* the memmap's bytes written for the first time (add mapped them) */
		double base = (double)(pages * 64) / backing->fresh_write;

		for (int mmom = 1; mmom >= 0; mmom--) {
			for (int eager = 1; eager >= 0; eager--) {
				double t = online_time(size, mmom, eager);
				char fig[96];

				if (!eager && !mmom)
					continue;	/* only a memmap on the memory is deferred */
				snprintf(fig, sizeof(fig), "online %llu MiB, memmap_on_memory=%d, %s: struct pages/s%s",
					 (unsigned long long)(size / MiB), mmom, eager ? "eager" : "deferred",
					 backing->tag);
				/*
				 * On 2 MiB pages writing the memmap is no longer what
				 * bounds an online: initialising each struct page and
				 * freeing it to the buddy is (reported, with the speed-up).
				 */
				add_row(fig, (double)pages / t, (double)pages / base, t / base, "pages/s",
					!eager ? "reported (nothing written)" : backing->huge ? "reported (CPU-bound)"
					: "<= 1.5x first write of the memmap",
					eager && !backing->huge ? t / base <= 1.5 : true);
				if (eager)
					backing_compare(fig, t);
			}
		}
	}
}

/* ---- 2. hot-add + online of N GiB ----------------------------------------- */

static double add_online_time(uint64_t size, int mmom, int eager)
{
	char cmdline[96];
	double best = 1e9;

	snprintf(cmdline, sizeof(cmdline), "memory_hotplug.memmap_on_memory=%d memhp_default_state=online_movable",
		 mmom);
	for (int run = 0; run < (size >= 64 * GiB ? 2 : best_of()); run++) {
		/* enough boot memory for the memmap of 256 GiB without memmap_on_memory */
		struct memhp_machine *m = boot_init(smoke ? 1 * GiB : 6 * GiB, size + 8 * GiB, cmdline, eager);
		struct memhp_dimm_info d;
		double t = now();

		if (memhp_dimm_add(m, "d", size, 0, MEMHP_ADDR_AUTO, -1, &d) || !d.enabled) {
			fprintf(stderr, "memhp-bench: cannot add %llu GiB\n", (unsigned long long)(size / GiB));
			exit(1);
		}
		t = now() - t;
		best = t < best ? t : best;
		memhp_machine_destroy(m);
	}
	return best;
}

static void bench_add_online(void)
{
	static const uint64_t ns[] = { 1, 16, 64, 256 };
	double base = (double)(16 * MiB) / backing->fresh;	/* writing one GiB's memmap, fresh */

	for (int mode = 0; mode < 3; mode++) {
		/* memmap on the memory, deferred (the default) and eager; in boot memory */
		int mmom = mode < 2, eager = mode == 1;
		double per16 = 0;

		for (size_t i = 0; i < (smoke ? 1 : eager ? 2 : 4); i++) {
			double t = add_online_time(ns[i] * GiB, mmom, eager) / (double)ns[i];
			char fig[96];

			if (ns[i] == 16)
				per16 = t;
			snprintf(fig, sizeof(fig), "hot-add + online %llu GiB, memmap_on_memory=%d%s: ms/GiB%s",
				 (unsigned long long)ns[i], mmom, eager ? ", eager" : "", backing->tag);
			/* what writes the memmap is bound by the fresh-page limit; deferred writes none */
			add_row(fig, t * 1e3, base * 1e3, t / base, "ms/GiB",
				/* on 2 MiB pages: the issue's own goal for a written memmap */
				backing->huge || (!eager && mmom) ? "< 5 ms/GiB" : "<= 1.5x fresh-page limit",
				backing->huge || (!eager && mmom) ? t * 1e3 < 5.0 : t / base <= 1.5);
			backing_compare(fig, t);
			if (ns[i] > 16 && per16 > 0) {
				snprintf(fig, sizeof(fig), "  growth %llu vs 16 GiB, memmap_on_memory=%d: per-GiB time%s",
					 (unsigned long long)ns[i], mmom, backing->tag);
				add_row(fig, t * 1e3, per16 * 1e3, t / per16, "ms/GiB", "linear or better (<= 1.2)",
					t / per16 <= 1.2);
			}
		}
	}
}

/* ---- 3. the page allocator ------------------------------------------------- */

enum who { WHO_MEMHP, WHO_MIMALLOC, WHO_GLIBC };

struct alloc_arg {
	struct memhp_machine *m;
	enum who who;
	unsigned int order;
	double seconds;
	unsigned long pairs;
};

static void *alloc_loop(void *p)
{
	struct alloc_arg *a = p;
	size_t bytes = 4096UL << a->order;
	double end = now() + a->seconds;
	unsigned long n = 0;

	while (now() < end) {
		for (int i = 0; i < 256; i++, n++) {
			if (a->who == WHO_MEMHP) {
				long pfn = memhp_alloc_pages(a->m, 0, a->order);

				if (pfn < 0)
					exit(1);
				*(volatile char *)memhp_pfn_to_virt(a->m, (unsigned long)pfn) = 1;
				memhp_free_pages(a->m, (unsigned long)pfn, a->order);
			} else {
				char *q = a->who == WHO_MIMALLOC ? mi_malloc(bytes) : malloc(bytes);

				if (!q)
					exit(1);
				*(volatile char *)q = 1;
				if (a->who == WHO_MIMALLOC)
					mi_free(q);
				else
					free(q);
			}
		}
	}
	a->pairs = n;
	return NULL;
}

/* pairs per second with `threads` threads: the best of three */
static double alloc_rate(struct memhp_machine *m, enum who who, unsigned int order, int threads)
{
	double best = 0;

	for (int run = 0; run < best_of(); run++) {
		struct alloc_arg a[2];
		pthread_t t[2];
		unsigned long total = 0;
		double secs = smoke ? 0.02 : 0.3;

		for (int i = 0; i < threads; i++) {
			a[i] = (struct alloc_arg){ m, who, order, secs, 0 };
			pthread_create(&t[i], NULL, alloc_loop, &a[i]);
		}
		for (int i = 0; i < threads; i++) {
			pthread_join(t[i], NULL);
			total += a[i].pairs;
		}
		best = (double)total / secs > best ? (double)total / secs : best;
	}
	return best;
}

static void bench_alloc(void)
{
	struct memhp_machine *m = boot(4 * GiB, 16 * GiB, "");

	for (unsigned int order = 0; order <= 9; order += 9) {
		double one = alloc_rate(m, WHO_MEMHP, order, 1), two = alloc_rate(m, WHO_MEMHP, order, 2);
		double mi1 = alloc_rate(m, WHO_MIMALLOC, order, 1), gl1 = alloc_rate(m, WHO_GLIBC, order, 1);
		char fig[96];
		const char *size = order ? "2 MiB" : "4 KiB";

		snprintf(fig, sizeof(fig), "order-%u alloc+free, 1 thread vs mi_malloc(%s)", order, size);
		add_row(fig, one, mi1, one / mi1, "pairs/s", order ? "reported" : ">= mimalloc (ratio >= 1)",
			order ? true : one >= mi1);
		snprintf(fig, sizeof(fig), "order-%u alloc+free, 1 thread vs glibc malloc(%s)", order, size);
		add_row(fig, one, gl1, one / gl1, "pairs/s", "reported", true);
		snprintf(fig, sizeof(fig), "order-%u alloc+free, 2 threads vs 1 thread", order);
		add_row(fig, two, one, two / one, "pairs/s", ">= 1.6x one thread", two / one >= 1.6);
		snprintf(fig, sizeof(fig), "order-%u, 2 threads: mimalloc 2 threads vs 1", order);
		{
			double mi2 = alloc_rate(m, WHO_MIMALLOC, order, 2);

			add_row(fig, mi2, mi1, mi2 / mi1, "pairs/s", "reported (the peer's scaling)", true);
		}
	}
	memhp_machine_destroy(m);
}

/* ---- 4. offline with migration ------------------------------------------- */

static double memcpy_time(size_t bytes)
{
	return best_of_three(do_memcpy, bytes);
}

static void bench_migration(void)
{
	double best = 1e9;
	size_t bytes = 0;

	for (int run = 0; run < best_of(); run++) {
		/*
		 * Boot memory full while the DIMM is added and filled, then
		 * freed: every block offlined sends its pages there.  A region
		 * smaller than the DIMM would migrate into the DIMM's own
		 * blocks still online (ZONE_MOVABLE comes first, as in the
		 * kernel) and then again, counting its bytes several times.
		 */
		struct memhp_machine *m = boot(smoke ? 256 * MiB : 2 * GiB, 8 * GiB,
					       "memory_hotplug.memmap_on_memory=1 memhp_default_state=online_movable");
		struct memhp_region *fill, *r;
		struct memhp_dimm_info d;
		struct memhp_counters c, c2;
		size_t pages, on_dimm = 0;
		double t;

		memhp_counters(m, &c);
		if (memhp_region_alloc(m, c.nr_free_pages - 16384, 0, 0, &fill))
			exit(1);
		memhp_counters(m, &c);
		if (memhp_dimm_add(m, "d", smoke ? 128 * MiB : 1 * GiB, 0, MEMHP_ADDR_AUTO, -1, &d) || !d.enabled)
			exit(1);
		memhp_counters(m, &c2);
		/* the DIMM's free pages, less a margin for its watermarks */
		pages = c2.nr_free_pages - c.nr_free_pages - 2048;
		if (memhp_region_alloc(m, pages, 0, 0, &r))
			exit(1);
		memset(memhp_region_addr(r), 7, pages * 4096UL);
		for (size_t i = 0; i < pages; i++)
			on_dimm += (uint64_t)memhp_region_pfn(r, i) * 4096 >= d.addr;
		/* boot RAM that exists, as a booted machine's does, then free */
		memset(memhp_region_addr(fill), 1, memhp_region_pages(fill) * 4096UL);
		memhp_region_free(fill);	/* room to migrate to */
		t = now();
		for (unsigned long b = d.first_block; b <= d.last_block; b++)
			if (memhp_block_offline(m, b))
				exit(1);
		t = now() - t;
		best = t < best ? t : best;
		bytes = on_dimm * 4096;
		for (size_t i = 0; i < pages * 4096UL; i += 4096)
			if (((char *)memhp_region_addr(r))[i] != 7)
				exit(1);
		memhp_region_free(r);
		memhp_machine_destroy(m);
	}
	{
		double base = memcpy_time(bytes);
		double gbs = (double)bytes / GiB / best, base_gbs = (double)bytes / GiB / base;
		double copy_gbs = backing->copy / GiB;
		char fig[96];

		snprintf(fig, sizeof(fig), "offline with migration: GiB/s migrated vs warm memcpy%s", backing->tag);
		add_row(fig, gbs, base_gbs, gbs / base_gbs, "GiB/s", "reported", true);
		snprintf(fig, sizeof(fig), "offline with migration: GiB/s vs copy into backed pages%s", backing->tag);
		add_row(fig, gbs, copy_gbs, gbs / copy_gbs, "GiB/s", "within 2x (ratio >= 0.5)", gbs / copy_gbs >= 0.5);
		backing_compare(fig, 1 / gbs);
	}
}

/* ---- 5. memory overhead ---------------------------------------------------- */

static size_t maps_count(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	size_t n = 0;
	int ch;

	if (!f)
		return 0;
	while ((ch = fgetc(f)) != EOF)
		n += ch == '\n';
	fclose(f);
	return n;
}

static void bench_overhead(void)
{
	uint64_t size = smoke ? 1 * GiB : 16 * GiB;
	struct memhp_geometry g;

	for (int mmom = 1; mmom >= 0; mmom--) {
		char cmdline[96], fig[96];
		struct memhp_machine *m;
		struct memhp_counters a, b;
		struct memhp_dimm_info d;
		struct mallinfo2 h0, h1;
		size_t maps0, maps1;

		snprintf(cmdline, sizeof(cmdline), "memory_hotplug.memmap_on_memory=%d memhp_default_state=offline",
			 mmom);
		m = boot(2 * GiB, size + 4 * GiB, cmdline);
		memhp_get_geometry(m, &g);
		memhp_drain_pcp(m);
		memhp_counters(m, &a);
		h0 = mallinfo2();
		maps0 = maps_count();
		if (memhp_dimm_add(m, "d", size, 0, MEMHP_ADDR_AUTO, -1, &d) || !d.enabled)
			exit(1);
		memhp_drain_pcp(m);
		memhp_counters(m, &b);
		h1 = mallinfo2();
		maps1 = maps_count();
		snprintf(fig, sizeof(fig), "boot memory taken per GiB added, memmap_on_memory=%d", mmom);
		{
			double per = (double)(a.nr_free_pages - b.nr_free_pages) * (double)g.page_size /
				     ((double)size / GiB);

			add_row(fig, per, mmom ? 0 : 16.0 * MiB, 0, "bytes/GiB", mmom ? "0" : "16 MiB (the memmap)",
				mmom ? per == 0 : per == 16.0 * MiB);
		}
		if (mmom) {
			add_row("struct page bytes per page", g.struct_page_size, 64, g.struct_page_size / 64.0,
				"bytes", "64 (the kernel's on x86_64)", g.struct_page_size == 64);
			add_row("host heap memhp keeps per GiB added (outside the machine)",
				(double)(h1.uordblks + h1.hblkhd - h0.uordblks - h0.hblkhd) / ((double)size / GiB), 0, 0,
				"bytes/GiB",
				"reported", true);
			add_row("host mappings per GiB added (direct map + vmemmap VMAs)",
				(double)(maps1 - maps0) / ((double)size / GiB), 0, 0, "VMAs/GiB", "reported", true);
		}
		memhp_machine_destroy(m);
	}
}

/* ---- 6. plan of 8 TiB ------------------------------------------------------- */

/*
 * run memhpctl plan --stats: its wall time, and the peak resident memory
 * it reports itself (a child's getrusage maxrss would include ours)
 */
static int run_plan(const char *size, int mmom, double *secs, double *peak_bytes)
{
	char cmdline[64], dev[32], tool[4200], errpath[] = "/tmp/memhp-bench-plan-XXXXXX", line[256];
	char *argv[] = { "memhpctl", "plan", "--stats", "--numa", "2G,0", "--cmdline", cmdline, dev, NULL };
	posix_spawn_file_actions_t fa;
	unsigned long long kb = 0;
	pid_t pid;
	int status, errfd = mkstemp(errpath);
	FILE *f;

	if (errfd < 0)
		return -1;
	unlink(errpath);
	snprintf(cmdline, sizeof(cmdline), "memory_hotplug.memmap_on_memory=%d", mmom);
	snprintf(dev, sizeof(dev), "cxl:%s@1", size);
	snprintf(tool, sizeof(tool), "%s/memhpctl", tools_dir);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, errfd, 2);
	if (posix_spawn(&pid, tool, &fa, NULL, argv, NULL)) {
		posix_spawn_file_actions_destroy(&fa);
		close(errfd);
		return -1;
	}
	posix_spawn_file_actions_destroy(&fa);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) {
		close(errfd);
		return -1;
	}
	lseek(errfd, 0, SEEK_SET);
	f = fdopen(errfd, "r");
	*secs = -1;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "memhpctl plan: %lf s, peak %llu KiB resident", secs, &kb) == 2)
			break;
	if (f)
		fclose(f);
	*peak_bytes = (double)kb * 1024;
	return *secs < 0 ? -1 : WEXITSTATUS(status);
}

static void bench_plan(void)
{
	const char *size = smoke ? "256G" : "8T";

	for (int mmom = 1; mmom >= 0; mmom--) {
		double secs, peak;
		int rc = run_plan(size, mmom, &secs, &peak);
		char fig[96];

		/* the add succeeds with the memmap on the device, fails (exit 3) without */
		if (rc != (mmom ? 0 : 3)) {
			fprintf(stderr, "memhp-bench: memhpctl plan cxl:%s, memmap_on_memory=%d: exit %d\n", size, mmom,
				rc);
			exit(1);
		}
		snprintf(fig, sizeof(fig), "plan cxl:%s on 2 GiB, memmap_on_memory=%d: seconds", size, mmom);
		add_row(fig, secs, 60, secs / 60, "s", "< 60 s", secs < 60);
		snprintf(fig, sizeof(fig), "plan cxl:%s on 2 GiB, memmap_on_memory=%d: peak host MiB", size, mmom);
		add_row(fig, peak / MiB, 2048, peak / (2048.0 * MiB), "MiB", "< 2 GiB", peak < 2048.0 * MiB);
	}
}

/* ---- output ------------------------------------------------------------------ */

static void print_table(void)
{
	printf("%-62s %14s %14s %8s  %-34s %s\n", "figure", "memhp", "baseline", "ratio", "goal", "met?");
	for (size_t i = 0; i < nr_rows; i++) {
		const struct row *r = &rows[i];

		printf("%-62s %14.4g %14.4g %8.3f  %-34s %s\n", r->figure, r->memhp, r->baseline, r->ratio, r->goal,
		       r->met ? "yes" : "NO");
	}
}

static int write_json(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fprintf(f, "[\n");
	for (size_t i = 0; i < nr_rows; i++) {
		const struct row *r = &rows[i];

		fprintf(f, "  {\"figure\": \"%s\", \"unit\": \"%s\", \"memhp\": %.6g, \"baseline\": %.6g, "
			   "\"ratio\": %.6g, \"goal\": \"%s\", \"met\": %s}%s\n",
			r->figure, r->unit, r->memhp, r->baseline, r->ratio, r->goal, r->met ? "true" : "false",
			i + 1 < nr_rows ? "," : "");
	}
	fprintf(f, "]\n");
	return fclose(f);
}

int main(int argc, char **argv)
{
	const char *json = NULL;
	double t0 = now();

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--smoke"))
			smoke = true;
		else if (!strcmp(argv[i], "--json") && i + 1 < argc)
			json = argv[++i];
		else {
			fprintf(stderr, "usage: memhp-bench [--json FILE] [--smoke]\n");
			return 2;
		}
	}
	{
		char self[4096];

		snprintf(self, sizeof(self), "%s", argv[0]);
		snprintf(tools_dir, sizeof(tools_dir), "%s", dirname(self));
	}
	load_mimalloc();
	fprintf(stderr, "memhp-bench: limits...\n");
	bench_limits();
	for (int b = 0; b < 2; b++) {
		if (!backings[b].available)
			continue;
		backing = &backings[b];
		fprintf(stderr, "memhp-bench: online%s...\n", backing->tag);
		bench_online();
		fprintf(stderr, "memhp-bench: hot-add + online%s...\n", backing->tag);
		bench_add_online();
		fprintf(stderr, "memhp-bench: offline with migration%s...\n", backing->tag);
		bench_migration();
	}
	backing = &backings[0];
	fprintf(stderr, "memhp-bench: page allocator...\n");
	bench_alloc();
	fprintf(stderr, "memhp-bench: overhead...\n");
	bench_overhead();
	fprintf(stderr, "memhp-bench: plan of 8 TiB...\n");
	bench_plan();
	print_table();
	printf("(%zu figures in %.1f s; %ld CPUs)\n", nr_rows, now() - t0, sysconf(_SC_NPROCESSORS_ONLN));
	if (json && write_json(json)) {
		fprintf(stderr, "memhp-bench: cannot write %s\n", json);
		return 1;
	}
	return 0;
}
