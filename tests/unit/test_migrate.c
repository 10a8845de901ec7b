// SPDX-License-Identifier: MIT
/*
 * test_migrate.c - offline that migrates memory in use (spec 2.10).
 *
 * 700 MiB of movable memory fill a 1 GiB Movable DIMM; the blocks are
 * offlined one by one while another thread keeps reading and writing that
 * memory through its owner's window; at the end every byte is checked.
 * Unmovable pages make the offline fail with -EBUSY before any notifier;
 * pinned pages keep it retrying until the caller cancels (-EINTR), with
 * the block still online and the data intact; every fallible step of
 * add, online, offline and remove is failed in turn and rolled back.
 */
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdatomic.h>

#include <setjmp.h>
#include <sys/mman.h>

#include "helpers.h"

#define MEM "/sys/devices/system/memory/"
#define PAGE 4096UL

static uint64_t word(size_t page, size_t w)
{
	return ((uint64_t)page << 20) ^ (w * 0x9E3779B97F4A7C15ULL) ^ 0x5A5A5A5A5A5A5A5AULL;
}

static void fill(uint64_t *base, size_t pages)
{
	for (size_t p = 0; p < pages; p++)
		for (size_t w = 0; w < PAGE / 8; w++)
			base[p * (PAGE / 8) + w] = word(p, w);
}

/* word 0 of each page is the mutator's; the rest must be the pattern */
static size_t check(const uint64_t *base, size_t pages, const uint64_t *versions)
{
	size_t bad = 0;

	for (size_t p = 0; p < pages; p++) {
		const uint64_t *pg = base + p * (PAGE / 8);

		if (pg[0] != (versions ? versions[p] : word(p, 0)))
			bad++;
		for (size_t w = 1; w < PAGE / 8; w++)
			if (pg[w] != word(p, w)) {
				bad++;
				break;
			}
	}
	return bad;
}

struct mutator {
	uint64_t *base;
	size_t pages;
	uint64_t *versions;
	atomic_int stop;
	atomic_long writes, reads, bad;
};

static void *mutate(void *arg)
{
	struct mutator *mu = arg;
	uint64_t x = 88172645463325252ULL;

	while (!atomic_load(&mu->stop)) {
		size_t p;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p = x % mu->pages;
		/* read a word that must never change, then write ours */
		if (mu->base[p * (PAGE / 8) + 1 + (x >> 40) % 511] != word(p, 1 + (x >> 40) % 511))
			atomic_fetch_add(&mu->bad, 1);
		mu->versions[p]++;
		mu->base[p * (PAGE / 8)] = mu->versions[p];
		atomic_fetch_add(&mu->writes, 1);
		atomic_fetch_add(&mu->reads, 1);
	}
	return NULL;
}

static struct memhp_machine *movable_gib(void)
{
	struct memhp_machine *m = boot_machine("memory_hotplug.memmap_on_memory=1 "
					       "memhp_default_state=online_movable", 1 * GiB);
	struct memhp_dimm_info info;

	assert_int_equal(memhp_dimm_add(m, "d1", 1 * GiB, 0, MEMHP_ADDR_AUTO, -1, &info), 0);
	assert_int_equal(info.first_block, 32);
	return m;
}

static void test_offline_700m_under_load(void **state)
{
	struct memhp_machine *m = movable_gib();
	/* 700 MiB; an eighth of it under ThreadSanitizer (SAN_SCALE) */
	const size_t pages = 700 * MiB / PAGE / SAN_SCALE;
	struct mutator mu = { 0 };
	struct memhp_region *r;
	pthread_t t;
	long before_dma32;

	(void)state;
	assert_int_equal(memhp_region_alloc(m, pages, 0, 0, &r), 0);
	/* movable memory goes to ZONE_MOVABLE first */
	assert_true(memhp_region_pfn(r, 0) >= 32 * 32768);
	assert_true(memhp_region_pfn(r, pages - 1) >= 32 * 32768);
	mu.base = memhp_region_addr(r);
	mu.pages = pages;
	mu.versions = calloc(pages, sizeof(*mu.versions));
	assert_non_null(mu.versions);
	fill(mu.base, pages);
	for (size_t p = 0; p < pages; p++)
		mu.versions[p] = word(p, 0);
	before_dma32 = zone_field(m, 0, "DMA32", "free+pcp");
	assert_int_equal(pthread_create(&t, NULL, mutate, &mu), 0);
	for (int b = 32; b < 40; b++) {
		char path[96];

		snprintf(path, sizeof(path), MEM "memory%d/state", b);
		write_ok(m, path, "offline");
	}
	atomic_store(&mu.stop, 1);
	pthread_join(t, NULL);
	assert_int_equal(atomic_load(&mu.bad), 0);
	assert_true(atomic_load(&mu.writes) > 1000);
	/* every byte, where the owner sees it */
	assert_int_equal(check(mu.base, pages, mu.versions), 0);
	/* all of it now lives in boot memory: the whole DIMM is offline */
	for (size_t p = 0; p < pages; p += 4099)
		assert_true(memhp_region_pfn(r, p) < 32 * 32768);
	assert_int_equal(before_dma32 - zone_field(m, 0, "DMA32", "free+pcp"), (long)pages);
	assert_int_equal(zone_field(m, 0, "Movable", "present"), 0);
	audit_ok(m);
	/* and the DIMM can go */
	assert_int_equal(memhp_dimm_remove(m, "d1"), 0);
	assert_int_equal(check(mu.base, pages, mu.versions), 0);
	memhp_region_free(r);
	audit_ok(m);
	free(mu.versions);
	memhp_machine_destroy(m);
}

static void exit_42_on_segv(int sig)
{
	(void)sig;
	_exit(42);
}

/* free pages of the machine: the buddy's and the per-CPU lists' */
static long free_pages_of(struct memhp_machine *m)
{
	char *zi = NULL, *line, *save = NULL;
	long n = 0;

	assert_true(memhp_file_read_alloc(m, "/proc/zoneinfo", &zi) > 0);
	for (line = strtok_r(zi, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		long v;

		if (sscanf(line, " nr_free_pages %ld", &v) == 1 || sscanf(line, " count: %ld", &v) == 1)
			n += v;
	}
	free(zi);
	return n;
}

static long vmstat_of(struct memhp_machine *m, const char *key)
{
	char *vs = NULL, *line, *save = NULL;
	long v = -1;

	assert_true(memhp_file_read_alloc(m, "/proc/vmstat", &vs) > 0);
	for (line = strtok_r(vs, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (!strncmp(line, key, strlen(key)) && line[strlen(key)] == ' ')
			v = strtol(line + strlen(key) + 1, NULL, 10);
	free(vs);
	return v;
}

/*
 * memhp_region_split is split_vma: the tail is a region of its own over
 * the window's rest, with the same pages; freeing the middle of a region
 * gives exactly its pages back, and an offline still migrates the pages
 * of both ends, each through its own window, every byte intact.  A
 * failed split (the Nth step failed) leaves the region as it was.
 */
static void test_region_split(void **state)
{
	struct memhp_machine *m = movable_gib();
	const size_t pages = 3 * 32768 / 2;	/* spans blocks 32-33 */
	struct memhp_region *r, *mid, *tail;
	uint64_t *base;
	long pfn_a, pfn_b, free_before, free_after;

	(void)state;
	assert_int_equal(memhp_region_alloc(m, pages, 0, 0, &r), 0);
	base = memhp_region_addr(r);
	fill(base, pages);
	pfn_a = memhp_region_pfn(r, 1000);
	pfn_b = memhp_region_pfn(r, 30000);
	assert_int_equal(memhp_region_split(r, 0, &mid), -EINVAL);
	assert_int_equal(memhp_region_split(r, pages, &mid), -EINVAL);
	memhp_fault_inject(m, 1);
	assert_int_equal(memhp_region_split(r, 1000, &mid), -ENOMEM);
	memhp_fault_inject(m, 0);
	assert_int_equal(memhp_region_pages(r), pages);
	audit_ok(m);

	assert_int_equal(memhp_region_split(r, 1000, &mid), 0);
	assert_int_equal(memhp_region_split(mid, 29000, &tail), 0);
	assert_int_equal(memhp_region_pages(r), 1000);
	assert_int_equal(memhp_region_pages(mid), 29000);
	assert_int_equal(memhp_region_pages(tail), pages - 30000);
	assert_ptr_equal(memhp_region_addr(mid), (uint8_t *)base + 1000 * PAGE);
	assert_ptr_equal(memhp_region_addr(tail), (uint8_t *)base + 30000 * PAGE);
	assert_int_equal(memhp_region_pfn(mid, 0), pfn_a);
	assert_int_equal(memhp_region_pfn(tail, 0), pfn_b);
	audit_ok(m);

	/* the middle goes: its 29000 pages, no more, back to the buddy */
	free_before = free_pages_of(m);
	memhp_region_free(mid);
	free_after = free_pages_of(m);
	assert_int_equal(free_after - free_before, 29000);
	audit_ok(m);

	/* both ends still migrate: offline every block they touch */
	assert_int_equal(vmstat_of(m, "pgmigrate_success"), 0);
	for (unsigned long b = 32; b < 40; b++)
		assert_true(memhp_block_offline(m, b) >= 0);
	/* each page of both ends moved once at least: counted as the kernel does */
	assert_true(vmstat_of(m, "pgmigrate_success") >= (long)(1000 + pages - 30000));
	assert_int_equal(vmstat_of(m, "pgmigrate_fail"), 0);
	assert_true(memhp_region_pfn(r, 0) < 32 * 32768);
	assert_true(memhp_region_pfn(tail, 0) < 32 * 32768);
	assert_int_equal(check(base, 1000, NULL), 0);
	for (size_t pg = 30000; pg < pages; pg++)
		for (size_t w = 0; w < PAGE / 8; w++)
			if (base[pg * (PAGE / 8) + w] != word(pg, w))
				fail_msg("tail page %zu word %zu changed", pg, w);
	audit_ok(m);
	memhp_region_free(r);
	memhp_region_free(tail);
	audit_ok(m);
	memhp_machine_destroy(m);
}

/*
 * fork: the child has no mapping of a region's window (MADV_DONTFORK), so
 * it can neither read a page the parent's migration left behind nor write
 * into one already freed; its fault there is an ordinary SIGSEGV (memhp's
 * handler passes it on instead of waiting for a migration), and the
 * parent's pages migrate as before, every byte intact.
 */
static void test_fork_child_has_no_window(void **state)
{
	struct memhp_machine *m = movable_gib();
	const size_t pages = 4096;
	struct sigaction mine = { .sa_handler = exit_42_on_segv }, before;
	uint64_t *versions = calloc(pages, sizeof(*versions));
	struct memhp_region *r;
	unsigned char vec[1];
	uint64_t *base;
	pid_t pid;
	int status;

	(void)state;
	assert_non_null(versions);
	/* ours first: memhp's handler, installed by the allocation, chains to it */
	sigaction(SIGSEGV, &mine, &before);
	assert_int_equal(memhp_region_alloc(m, pages, 0, 0, &r), 0);
	base = memhp_region_addr(r);
	fill(base, pages);
	for (size_t p = 0; p < pages; p++)
		versions[p] = word(p, 0);
	pid = fork();
	if (!pid) {
		/* no mapping at all: mincore says ENOMEM */
		_exit(mincore(base, PAGE, vec) == -1 && errno == ENOMEM ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	pid = fork();
	if (!pid) {
		alarm(10);	/* a handler that waited for ever would end here */
		*(volatile uint64_t *)base = 1;
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 42);
	/* the parent's pages migrate off the DIMM as before */
	for (int b = 32; b < 40; b++) {
		char path[96];

		snprintf(path, sizeof(path), MEM "memory%d/state", b);
		write_ok(m, path, "offline");
	}
	assert_int_equal(check(base, pages, versions), 0);
	audit_ok(m);
	memhp_region_free(r);
	sigaction(SIGSEGV, &before, NULL);
	free(versions);
	memhp_machine_destroy(m);
}

/*
 * memhp_fork: the child gets the regions as they were at the fork, as
 * its own memory - its writes stay its own, the parent's after the fork
 * do not reach it - while a writer thread of the parent keeps storing
 * (it waits while the child copies).  The parent's pages still migrate.
 */
struct fork_writer {
	uint64_t *base;
	size_t pages;
	atomic_int stop;
	atomic_long writes;
};

static void *fork_writer(void *arg)
{
	struct fork_writer *fw = arg;
	uint64_t x = 1;

	/* word 1 of page p mirrors word 0 */
	while (!atomic_load(&fw->stop)) {
		size_t p = (size_t)(x * 2654435761u) % fw->pages;

		fw->base[p * (PAGE / 8)] = x;
		fw->base[p * (PAGE / 8) + 1] = x;
		x++;
		atomic_fetch_add(&fw->writes, 1);
	}
	return NULL;
}

/* an atfork child handler that writes the heap, as jemalloc's re-inits its mutexes */
static uint64_t *volatile atfork_target;

static void atfork_child_writes(void)
{
	if (atfork_target)
		atfork_target[5] = 0xdeadbeef;
}

static void test_memhp_fork_snapshot(void **state)
{
	struct memhp_machine *m = movable_gib();
	const size_t pages = 8192;
	struct fork_writer fw = { 0 };
	struct memhp_region *r;
	uint64_t *base;
	pthread_t t;
	pid_t pid;
	int status;

	(void)state;
	assert_int_equal(memhp_region_alloc(m, pages, 0, 0, &r), 0);
	base = memhp_region_addr(r);
	fill(base, pages);
	for (size_t p = 0; p < pages; p++)
		base[p * (PAGE / 8) + 1] = base[p * (PAGE / 8)];
	fw.base = base;
	fw.pages = pages;
	assert_int_equal(pthread_create(&t, NULL, fork_writer, &fw), 0);
	while (atomic_load(&fw.writes) < 1000)
		sched_yield();
	atfork_target = base;
	assert_int_equal(pthread_atfork(NULL, NULL, atfork_child_writes), 0);
	pid = memhp_fork(m);
	atfork_target = NULL;
	assert_true(pid >= 0);
	if (!pid) {
		size_t bad = 0;

		/*
		 * Every page there and whole (words 2.. are never written
		 * again).  Words 0 and 1 may differ by the writer's last
		 * store: the parent is held only once fork() has returned.
		 */
		for (size_t p = 0; p < pages; p++) {
			uint64_t *pg = base + p * (PAGE / 8);

			for (size_t w = 2; w < PAGE / 8; w++)
				bad += pg[w] != (p == 0 && w == 5 ? 0xdeadbeef : word(p, w));
		}
		/* its own now: these stores must not reach the parent */
		memset(base, 0xee, pages * PAGE);
		_exit(bad ? 1 : 0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	atomic_store(&fw.stop, 1);
	pthread_join(t, NULL);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	for (size_t p = 0; p < pages; p++) {
		uint64_t *pg = base + p * (PAGE / 8);

		assert_int_equal(pg[0], pg[1]);
		for (size_t w = 2; w < PAGE / 8; w++)
			if (pg[w] != word(p, w))
				fail_msg("parent page %zu word %zu: the child's store came through", p, w);
	/* the child's atfork handler wrote its own copy: word 5 of page 0 above */
	}
	/* and the regions are the parent's as before: they migrate */
	for (unsigned long b = 32; b < 40; b++)
		assert_true(memhp_block_offline(m, b) >= 0);
	assert_true(memhp_region_pfn(r, 0) < 32 * 32768);
	audit_ok(m);
	memhp_region_free(r);
	memhp_machine_destroy(m);
}

/*
 * An offline's migration targets come as __alloc_pages gives them: the
 * fast path takes a page from the first allowed zone above its low
 * watermark, so a ZONE_MOVABLE filled down to low sends the offlined
 * block's pages to DMA32, and only when no zone is above low does the
 * slow path go down to min.  The kernel's run of random seed 608 (a
 * Movable zone at 7428 free, low 852, offlining a block of it) ended with
 * 807 free in Movable; taking targets against min alone ended at min (94).
 * The offline disables the zone's per-CPU lists (zone_pcp_disable), so
 * each target is taken from the buddy and checked: Movable stops exactly
 * at its low watermark.
 */
static void test_offline_targets_spare_a_zone_below_low(void **state)
{
	struct memhp_machine *m = movable_gib();
	long low, min, dma32, room;
	struct memhp_region *r;
	size_t pages, in_block = 0;

	(void)state;
	low = zoneinfo_field(m, 0, "Movable", "low");
	min = zoneinfo_field(m, 0, "Movable", "min");
	assert_true(low > min + 64);
	/*
	 * A process faults in Movable down to a little above low: less than
	 * two of the largest pcp refills (63 << 5 pages), which the per-CPU
	 * list keeps out of the zone's free count.
	 */
	pages = (size_t)(zone_field(m, 0, "Movable", "free") - low - 2 * (63 << 5));
	assert_int_equal(memhp_region_alloc(m, pages, 0, 0, &r), 0);
	assert_true(memhp_region_pfn(r, pages - 1) >= 32 * 32768);
	for (size_t i = 0; i < pages; i++)
		in_block += memhp_region_pfn(r, i) / 32768 == 32;
	dma32 = zone_field(m, 0, "DMA32", "free+pcp");
	/* what Movable can give above low, outside the block: less than the block holds */
	room = zone_field(m, 0, "Movable", "free+pcp") - low - (32768 - 512 - (long)in_block);
	assert_true(room > 0 && room < (long)in_block);
	write_ok(m, MEM "memory32/state", "offline");
	/* Movable gave targets while it was above low, DMA32 the rest */
	assert_int_equal(zone_field(m, 0, "Movable", "free"), low);
	assert_int_equal(dma32 - zone_field(m, 0, "DMA32", "free+pcp"), (long)in_block - room);
	audit_ok(m);
	memhp_region_free(r);
	memhp_machine_destroy(m);
}

/* every zone's free pages, those on the per-CPU lists included */
static long free_and_pcp_pages(struct memhp_machine *m)
{
	struct memhp_zone_info z[80];
	size_t n = memhp_zones(m, z, 80);
	long sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += (long)(z[i].free + z[i].pcp);
	return sum;
}

/*
 * No target anywhere: a process holds every page the watermarks let it
 * have, so offlining a block of its memory finds no page to move to.
 * migrate_pages_batch takes that -ENOMEM as "memory is low": the page
 * without a target counts as one failure, the pages after it are not
 * tried (and not counted), and offline_pages scans again until the caller
 * gives up.  pgmigrate_fail grows by one per attempt, never by the
 * block's pages (the kernel's random seed 1466, four 120 s timeouts:
 * 28 399), and the process's data stays where it was.
 */
static void test_offline_without_targets_counts_one_failure_a_pass(void **state)
{
	struct memhp_machine *m = boot_machine("memory_hotplug.memmap_on_memory=1 "
					       "memhp_default_state=online_movable", 512 * MiB);
	struct memhp_region *regions[512];
	struct memhp_dimm_info info;
	size_t nr = 0, chunk = 4096, in_block = 0;
	long fails = 0, free_before, waited_ms = 0, calls = 0;

	(void)state;
	assert_int_equal(memhp_dimm_add(m, "d1", 256 * MiB, 0, MEMHP_ADDR_AUTO, -1, &info), 0);
	/* the process takes pages until the allocator says no, in ever smaller runs */
	while (chunk && nr < 512) {
		if (memhp_region_alloc(m, chunk, 0, 0, &regions[nr]))
			chunk /= 2;
		else
			nr++;
	}
	assert_true(nr > 1 && nr < 512);
	for (size_t i = 0; i < nr; i++)
		for (size_t p = 0; p < memhp_region_pages(regions[i]); p++)
			in_block += (unsigned long)memhp_region_pfn(regions[i], p) / 32768 == info.first_block;
	assert_true(in_block > 1000);
	fill(memhp_region_addr(regions[nr - 1]), memhp_region_pages(regions[nr - 1]));
	free_before = free_and_pcp_pages(m);
	/*
	 * A 20 ms limit, longer ones only while no pass has ended yet: under
	 * ThreadSanitizer, beside make check's ASan run, isolating and
	 * scanning the block alone can take longer than 20 ms.
	 */
	for (unsigned int limit_ms = 20; !fails && limit_ms <= 20000; limit_ms *= 10) {
		assert_int_equal(memhp_block_offline_cancellable(m, info.first_block, NULL, limit_ms), -EINTR);
		waited_ms += limit_ms;
		calls++;
		fails = vmstat_of(m, "pgmigrate_fail");
	}
	/* at least one pass; at most one failure per 200 us nap of the waits */
	assert_true(fails >= 1);
	assert_true(fails <= waited_ms * 1000 / 200 + calls);
	/*
	 * only the free pages there were could take a page each (a list of
	 * another host CPU's included: the allocating thread may have moved);
	 * the block stays
	 */
	assert_true(vmstat_of(m, "pgmigrate_success") <= free_before);
	assert_true(vmstat_of(m, "pgmigrate_success") < (long)in_block / 4);
	assert_int_equal(check(memhp_region_addr(regions[nr - 1]), memhp_region_pages(regions[nr - 1]), NULL), 0);
	audit_ok(m);
	for (size_t i = 0; i < nr; i++)
		memhp_region_free(regions[i]);
	audit_ok(m);
	memhp_machine_destroy(m);
}

/*
 * A page leaving a ZONE_NORMAL block is migrated within the kernel zones:
 * do_migrate_range asks for GFP_USER | __GFP_MOVABLE and only a source in
 * ZONE_MOVABLE gets __GFP_HIGHMEM (alloc_migration_target), so a free
 * ZONE_MOVABLE, the first zone a process's faults would use, gives no
 * target.
 */
static void test_offline_of_normal_keeps_targets_out_of_movable(void **state)
{
	struct memhp_machine *m = boot_machine("memory_hotplug.memmap_on_memory=1 memhp.kernel_alloc_pages=0 "
					       "memhp_default_state=offline", 1 * GiB);
	struct memhp_dimm_info normal, movable;
	struct memhp_region *r;
	size_t pages = 8192, in_block = 0;
	long movable_free;

	(void)state;
	assert_int_equal(memhp_dimm_add(m, "n", 256 * MiB, 0, MEMHP_ADDR_AUTO, -1, &normal), 0);
	assert_int_equal(normal.first_block, 32);
	write_ok(m, MEM "memory32/state", "online_kernel");
	write_ok(m, MEM "memory33/state", "online_kernel");
	/* no ZONE_MOVABLE yet: the process's pages come from Normal, block 32 first */
	assert_int_equal(memhp_region_alloc(m, pages, 0, 0, &r), 0);
	fill(memhp_region_addr(r), pages);
	for (size_t i = 0; i < pages; i++)
		in_block += memhp_region_pfn(r, i) / 32768 == 32;
	assert_true(in_block > pages / 2);
	assert_int_equal(memhp_dimm_add(m, "m", 256 * MiB, 0, MEMHP_ADDR_AUTO, -1, &movable), 0);
	write_ok(m, MEM "memory34/state", "online_movable");
	write_ok(m, MEM "memory35/state", "online_movable");
	movable_free = zone_field(m, 0, "Movable", "free+pcp");
	assert_true(movable_free > (long)pages);

	write_ok(m, MEM "memory32/state", "offline");
	assert_int_equal(zone_field(m, 0, "Movable", "free+pcp"), movable_free);
	for (size_t i = 0; i < pages; i++) {
		long pfn = memhp_region_pfn(r, i);

		assert_true(pfn >= 0 && pfn / 32768 != 32 && pfn / 32768 < 34);
	}
	assert_int_equal(check(memhp_region_addr(r), pages, NULL), 0);
	audit_ok(m);
	memhp_region_free(r);
	memhp_machine_destroy(m);
}

/* an unmovable page in a kernel zone: -EBUSY, still online, data intact */
static void test_unmovable_page(void **state)
{
	struct memhp_machine *m = boot_machine("memory_hotplug.memmap_on_memory=1 memhp.kernel_alloc_pages=0 "
					       "memhp_default_state=online_kernel", 1 * GiB);
	struct memhp_dimm_info info;
	uint64_t *p;
	long pfn;
	char *snap;

	(void)state;
	assert_int_equal(memhp_dimm_add(m, "d1", 128 * MiB, 0, MEMHP_ADDR_AUTO, -1, &info), 0);
	pfn = memhp_alloc_pages(m, 0, 2);
	assert_true(pfn >= 32 * 32768);	/* the kernel zones prefer Normal */
	p = memhp_pfn_to_virt(m, (unsigned long)pfn);
	for (size_t w = 0; w < 4 * PAGE / 8; w++)
		p[w] = word(7, w);
	snap = machine_snapshot(m);
	assert_int_equal(writef(m, MEM "memory32/state", "offline"), -EBUSY);
	assert_unchanged(m, snap);
	for (size_t w = 0; w < 4 * PAGE / 8; w++)
		assert_true(p[w] == word(7, w));
	assert_int_equal(memhp_free_pages(m, (unsigned long)pfn, 2), 0);
	assert_int_equal(memhp_free_pages(m, (unsigned long)pfn, 2), -EINVAL);
	write_ok(m, MEM "memory32/state", "offline");
	free(snap);
	memhp_machine_destroy(m);
}

/* a pinned page is transiently busy: retried until the caller gives up */
static void test_pinned_page_and_cancel(void **state)
{
	struct memhp_machine *m = movable_gib();
	struct memhp_region *r;
	volatile int cancel = 0;
	uint64_t *base;
	char *snap;
	long pfn;

	(void)state;
	assert_int_equal(memhp_region_alloc(m, 1000, 0, MEMHP_REGION_MLOCK, &r), 0);
	base = memhp_region_addr(r);
	fill(base, 1000);
	pfn = memhp_region_pfn(r, 10);
	assert_int_equal(memhp_region_pin(r, 10), 0);
	/* the other 999 pages may have moved before the cancel, as in the kernel */
	snap = machine_snapshot_opts(m, 0);
	/* timeout */
	assert_int_equal(memhp_block_offline_cancellable(m, (unsigned long)pfn / 32768, NULL, 100), -EINTR);
	assert_unchanged(m, snap);
	file_is(m, MEM "memory32/state", "online\n");
	/* an interrupted writer */
	cancel = 1;
	assert_int_equal(memhp_file_write_cancellable(m, MEM "memory32/state", "offline", 7, &cancel, 0),
			 -EINTR);
	assert_unchanged(m, snap);
	assert_int_equal(memhp_region_pfn(r, 10), pfn);
	assert_int_equal(check(base, 1000, NULL), 0);
	/* unpinned, it moves */
	assert_int_equal(memhp_region_unpin(r, 10), 0);
	assert_int_equal(memhp_region_unpin(r, 10), -EINVAL);
	assert_int_equal(memhp_block_offline_cancellable(m, 32, NULL, 10000), 0);
	assert_true(memhp_region_pfn(r, 10) != pfn);
	assert_int_equal(check(base, 1000, NULL), 0);
	memhp_region_free(r);
	audit_ok(m);
	free(snap);
	memhp_machine_destroy(m);
}

/*
 * Fail every fallible step of the four operations in turn: each time the
 * machine (files, counters, audit) and the data must be exactly as before.
 * Returns the number of steps that failed the operation.
 */
typedef int (*op_fn)(struct memhp_machine *m);

static int op_add(struct memhp_machine *m)
{
	return memhp_add_memory(m, 0, 8 * GiB, 512 * MiB, MEMHP_MHP_MEMMAP_ON_MEMORY);
}

static int op_online(struct memhp_machine *m)
{
	ssize_t r = writef(m, MEM "memory64/state", "online_movable");

	return r < 0 ? (int)r : 0;
}

static int op_offline(struct memhp_machine *m)
{
	ssize_t r = writef(m, MEM "memory33/state", "offline");

	return r < 0 ? (int)r : 0;
}

static int op_remove(struct memhp_machine *m)
{
	return memhp_offline_and_remove_memory(m, 8 * GiB, 512 * MiB);
}

static unsigned long sweep(struct memhp_machine *m, op_fn op, struct memhp_region *r, size_t pages)
{
	char *snap = machine_snapshot(m);
	unsigned long nth, failed = 0;

	for (nth = 1; nth < 100000; nth++) {
		int ret;

		memhp_fault_inject(m, nth);
		ret = op(m);
		memhp_fault_inject(m, 0);
		if (!ret)
			break;
		failed++;
		assert_unchanged(m, snap);
		if (r)
			assert_int_equal(check(memhp_region_addr(r), pages, NULL), 0);
	}
	assert_true(nth < 100000);
	free(snap);
	audit_ok(m);
	return failed;
}

static atomic_int prior_handler_calls, later_handler_calls, probes_caught;

static void child_exits_0(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}
static sigjmp_buf probe_jmp;
static volatile int *probe_addr;	/* a PROT_NONE page */

/* a fault prober: leaves the handler by siglongjmp */
static void probe_handler(int sig, siginfo_t *si, void *uctx)
{
	(void)sig, (void)si, (void)uctx;
	siglongjmp(probe_jmp, 1);
}

static void probe_at_depth(int depth)
{
	if (depth) {
		probe_at_depth(depth - 1);
		__asm__ volatile("" ::: "memory");	/* not a tail call: deeper for real */
		return;
	}
	if (sigsetjmp(probe_jmp, 1))
		atomic_fetch_add(&probes_caught, 1);
	else
		(void)*probe_addr;
}
static struct sigaction later_handler_prev;

static void prior_handler(int sig, siginfo_t *si, void *uctx)
{
	(void)sig, (void)si, (void)uctx;
	atomic_fetch_add(&prior_handler_calls, 1);
}

/* a handler installed after memhp's that hands on what is not its own */
static void later_handler(int sig, siginfo_t *si, void *uctx)
{
	if (atomic_fetch_add(&later_handler_calls, 1) > 4)
		_exit(4);	/* called in a loop */
	later_handler_prev.sa_sigaction(sig, si, uctx);
}

/*
 * The migration fault handler is process-wide: a SIGSEGV that is not a
 * write into a window under migration must reach the handler installed
 * before it, and a sent SIGSEGV under the default action must still kill -
 * even one sent while a region exists.
 */
static void test_foreign_sigsegv(void **state)
{
	struct memhp_machine *m;
	struct memhp_region *r;
	struct sigaction sa, old;
	int status;
	pid_t pid;

	(void)state;
	/*
	 * Each check runs in a child that installs the migration handler
	 * itself (the test runs before any other in this process creates a
	 * region): the handler is installed once per process, over whatever
	 * was there.  Default action: a child that sends itself SIGSEGV dies.
	 */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		signal(SIGSEGV, SIG_DFL);	/* not cmocka's: the default action */
		m = movable_gib();
		if (memhp_region_alloc(m, 16, 0, 0, &r))
			_exit(2);
		kill(getpid(), SIGSEGV);
		_exit(0);	/* reached only if the signal was swallowed */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGSEGV);

	/* a handler installed first sees sent signals, every one of them */
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = prior_handler;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		sigaction(SIGSEGV, &sa, &old);
		m = movable_gib();
		if (memhp_region_alloc(m, 16, 0, 0, &r))
			_exit(2);
		raise(SIGSEGV);
		raise(SIGSEGV);
		memhp_region_free(r);
		memhp_machine_destroy(m);
		_exit(atomic_load(&prior_handler_calls) == 2 ? 0 : 3);
	}
	child_exits_0(pid);

	/* ignored with SA_SIGINFO set: SIG_IGN is no function to call */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_IGN;
		sa.sa_flags = SA_SIGINFO;
		sigaction(SIGSEGV, &sa, NULL);
		m = movable_gib();
		if (memhp_region_alloc(m, 16, 0, 0, &r))
			_exit(2);
		raise(SIGSEGV);
		_exit(0);
	}
	child_exits_0(pid);

	/*
	 * A handler installed after memhp's that chains back to it, then memhp
	 * installed again over it: a foreign signal goes memhp -> it -> memhp
	 * -> the handler from before memhp, once each, never round and round.
	 */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct memhp_region *r2;

		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = prior_handler;
		sa.sa_flags = SA_SIGINFO;
		sigaction(SIGSEGV, &sa, NULL);
		m = movable_gib();
		if (memhp_region_alloc(m, 16, 0, 0, &r))
			_exit(2);
		sa.sa_sigaction = later_handler;
		sigaction(SIGSEGV, &sa, &later_handler_prev);
		if (memhp_region_alloc(m, 16, 0, 0, &r2))
			_exit(2);
		raise(SIGSEGV);
		_exit(atomic_load(&later_handler_calls) == 1 && atomic_load(&prior_handler_calls) == 1 ? 0 : 3);
	}
	child_exits_0(pid);

	/*
	 * A prober installed after memhp that leaves by siglongjmp, memhp
	 * installed again over it: every probe, at any depth, reaches it.
	 */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct memhp_region *r2;

		signal(SIGSEGV, SIG_DFL);
		probe_addr = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		m = movable_gib();
		if (probe_addr == MAP_FAILED || memhp_region_alloc(m, 16, 0, 0, &r))
			_exit(2);
		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = probe_handler;
		sa.sa_flags = SA_SIGINFO | SA_NODEFER;
		sigaction(SIGSEGV, &sa, NULL);
		if (memhp_region_alloc(m, 16, 0, 0, &r2))
			_exit(2);
		probe_at_depth(0);
		probe_at_depth(8);
		probe_at_depth(0);
		_exit(atomic_load(&probes_caught) == 3 ? 0 : 3);
	}
	child_exits_0(pid);
}

static void test_fault_sweep_all(void **state)
{
	struct memhp_machine *m = movable_gib();
	struct memhp_region *r;
	unsigned long add, online, offline, remove;
	const size_t pages = 40000;	/* more than one block: offline must migrate */

	(void)state;
	assert_int_equal(memhp_region_alloc(m, pages, 0, 0, &r), 0);
	fill(memhp_region_addr(r), pages);
	write_ok(m, MEM "auto_online_blocks", "offline");
	add = sweep(m, op_add, r, pages);
	online = sweep(m, op_online, r, pages);
	offline = sweep(m, op_offline, r, pages);
	/* 64-67: one online (64), the others offline */
	remove = sweep(m, op_remove, r, pages);
	print_message("fault sweep: %lu add, %lu online, %lu offline, %lu remove steps failed and rolled back\n",
		      add, online, offline, remove);
	assert_true(add >= 5 && online >= 3 && offline >= 2 && remove >= 2);
	assert_int_equal(check(memhp_region_addr(r), pages, NULL), 0);
	memhp_region_free(r);
	audit_ok(m);
	memhp_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		/* first: its children must install the handler themselves */
		cmocka_unit_test(test_foreign_sigsegv),
		cmocka_unit_test(test_offline_700m_under_load),
		cmocka_unit_test(test_unmovable_page),
		cmocka_unit_test(test_region_split),
		cmocka_unit_test(test_offline_targets_spare_a_zone_below_low),
		cmocka_unit_test(test_offline_of_normal_keeps_targets_out_of_movable),
		cmocka_unit_test(test_offline_without_targets_counts_one_failure_a_pass),
		cmocka_unit_test(test_fork_child_has_no_window),
		cmocka_unit_test(test_memhp_fork_snapshot),
		cmocka_unit_test(test_pinned_page_and_cancel),
		cmocka_unit_test(test_fault_sweep_all),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
