// SPDX-License-Identifier: MIT
/*
 * test_huge.c - devices on 2 MiB pages (memhp_config.huge_pages).
 *
 * A huge backing changes how memhp maps memory, never what the machine
 * does: the same steps on a 4 KiB-backed and a 2 MiB-backed machine give
 * the same files, counters and free lists, and the same bytes survive a
 * migration.  What it does change is checked too: the memmap, the direct
 * map and a region window really are mapped by PMDs (the process's own
 * /proc/self/smaps says so), and hugetlbfs, whose pages cannot be mapped
 * 4 KiB at a time, is refused with -EINVAL and a reason in the log.
 * Where the host offers no huge tmpfs (no CAP_SYS_ADMIN, no THP) the
 * tests that need one are skipped, and the fallback to memfds is checked.
 */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

#define DIMM_SIZE (512 * MiB)
#define REGION_PAGES (64 * MiB / 4096)

static struct memhp_machine *boot_backed(int huge, int eager)
{
	struct memhp_config c = { 0 };
	struct memhp_machine *m = NULL;

	c.cmdline = "memory_hotplug.memmap_on_memory=1 memhp_default_state=online_movable";
	c.mem = 1 * GiB;
	c.maxmem = 16 * GiB;
	c.max_phys = 64 * GiB;
	c.nr_cpus = 1;
	c.huge_pages = huge;
	c.memmap_init_eager = eager;
	assert_int_equal(memhp_machine_create(&c, &m), 0);
	return m;
}

static bool huge_backed(struct memhp_machine *m)
{
	return log_has(m, "2 MiB pages where aligned");
}

/*
 * kB of the smaps field `key` in the mapping that holds `addr` (-1: none),
 * or summed over every mapping when addr is NULL
 */
static long smaps_field(const void *addr, const char *key)
{
	FILE *f = fopen("/proc/self/smaps", "re");
	char line[512];
	bool in = !addr;
	long val = addr ? -1 : 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		char k[64];
		long v;

		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' ')) {
			in = !addr || ((uintptr_t)addr >= lo && (uintptr_t)addr < hi);
			continue;
		}
		if (in && sscanf(line, "%63[^:]: %ld kB", k, &v) == 2 && !strcmp(k, key)) {
			if (addr) {
				val = v;
				break;
			}
			val += v;
		}
	}
	fclose(f);
	return val;
}

/* kB of `key` summed over the mappings inside [addr, addr + len) */
static long smaps_range(const void *addr, size_t len, const char *key)
{
	uintptr_t a = (uintptr_t)addr;
	long sum = 0;

	for (uintptr_t va = a; va < a + len;) {
		FILE *f = fopen("/proc/self/maps", "re");
		unsigned long lo = 0, hi = 0;
		char line[512];

		assert_non_null(f);
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && va >= lo && va < hi)
				break;
		fclose(f);
		assert_true(va >= lo && va < hi);
		sum += smaps_field((const void *)va, key);
		va = hi;
	}
	return sum;
}

static void fill(uint8_t *p, size_t bytes, unsigned int seed)
{
	for (size_t i = 0; i < bytes; i += 8)
		*(uint64_t *)(p + i) = (i * 0x9e3779b97f4a7c15ULL) ^ seed;
}

static void check(const uint8_t *p, size_t bytes, unsigned int seed)
{
	for (size_t i = 0; i < bytes; i += 8)
		if (*(const uint64_t *)(p + i) != ((i * 0x9e3779b97f4a7c15ULL) ^ seed))
			fail_msg("byte %zu of the region changed", i);
}

/*
 * The steps both machines take: a DIMM added and onlined movable, a
 * region filling part of it, every block that holds a region page
 * offlined (its pages migrate), the DIMM's other blocks left online.
 * Returns the machine's snapshot; the region's bytes are checked.
 */
static char *run_steps(struct memhp_machine *m)
{
	struct memhp_dimm_info d;
	struct memhp_region *r;
	char *snap;
	uint8_t *p;

	assert_int_equal(memhp_dimm_add(m, "dimm0", DIMM_SIZE, 0, MEMHP_ADDR_AUTO, -1, &d), 0);
	assert_true(d.enabled);
	assert_int_equal(memhp_region_alloc(m, REGION_PAGES, 0, 0, &r), 0);
	p = memhp_region_addr(r);
	fill(p, REGION_PAGES * 4096, 7);
	for (unsigned long b = d.first_block; b <= d.first_block + 1; b++)
		assert_int_equal(memhp_block_offline(m, b), 0);
	check(p, REGION_PAGES * 4096, 7);
	audit_ok(m);
	snap = machine_snapshot(m);
	memhp_region_free(r);
	return snap;
}

static void test_same_machine_on_both_backings(void **state)
{
	struct memhp_machine *small = boot_backed(0, 0), *huge = boot_backed(1, 0);
	char *a, *b;

	(void)state;
	assert_true(log_has(small, "4 KiB pages (memfd)"));
	if (!huge_backed(huge)) {
		assert_true(log_has(huge, "no 2 MiB backing"));
		memhp_machine_destroy(small);
		memhp_machine_destroy(huge);
		skip();
	}
	a = run_steps(small);
	b = run_steps(huge);
	snapshots_equal(a, b);
	free(a);
	free(b);
	memhp_machine_destroy(small);
	memhp_machine_destroy(huge);
}

static void test_pmd_mappings(void **state)
{
	/* eager: every block's memmap is written when onlined, so mapped */
	struct memhp_machine *m = boot_backed(1, 1);
	struct memhp_dimm_info d;
	struct memhp_region *r;
	unsigned long pfn;
	long before;
	uint8_t *p;

	(void)state;
	if (!huge_backed(m)) {
		memhp_machine_destroy(m);
		skip();
	}
	before = smaps_field(NULL, "ShmemPmdMapped");
	assert_int_equal(memhp_dimm_add(m, "dimm0", DIMM_SIZE, 0, MEMHP_ADDR_AUTO, -1, &d), 0);
	assert_true(log_has(m, "dimm0 [mem"));
	/* each block's memmap, 2 MiB on the block itself, mapped by one PMD */
	assert_int_equal(smaps_field(NULL, "ShmemPmdMapped") - before, (long)(DIMM_SIZE / (128 * MiB)) * 2048);
	/* a region filling 2 MiB-aligned chunks: its window maps them by PMDs */
	assert_int_equal(memhp_region_alloc(m, REGION_PAGES, 0, 0, &r), 0);
	p = memhp_region_addr(r);
	fill(p, REGION_PAGES * 4096, 3);
	assert_true(smaps_field(p, "ShmemPmdMapped") >= 2048);
	/* and the direct map, where the same bytes are */
	pfn = (unsigned long)memhp_region_pfn(r, 0);
	check(memhp_pfn_to_virt(m, pfn), 4096, 3);
	assert_true(smaps_field(memhp_pfn_to_virt(m, pfn), "ShmemPmdMapped") >= 2048);
	memhp_region_free(r);
	memhp_machine_destroy(m);
}

/* pages [i, i + 512) of r: one 2 MiB-aligned run of pfns, inside [lo, hi) */
static void assert_huge_chunk(struct memhp_region *r, size_t i, unsigned long lo, unsigned long hi)
{
	long first = memhp_region_pfn(r, i);

	assert_true(first >= 0);
	assert_int_equal((unsigned long)first % 512, 0);
	assert_true((unsigned long)first >= lo && (unsigned long)first + 512 <= hi);
	for (size_t k = 1; k < 512; k++)
		assert_int_equal(memhp_region_pfn(r, i + k), first + (long)k);
}

/*
 * MEMHP_REGION_HUGE (a VM_HUGEPAGE vma): every 2 MiB-aligned stretch of
 * the window it covers whole is one huge folio - 512 contiguous, aligned
 * pfns, even where order-0 pages would not be (a page taken just before
 * it); the tail that is not a whole stretch is base pages.  Removing the
 * DIMM moves each folio whole onto a folio of the other DIMM, so the
 * window is still mapped by PMDs afterwards, every byte the same.
 */
static void test_huge_region_migrates_whole(void **state)
{
	const size_t chunks = 32, pages = chunks * 512 + 100;
	struct memhp_machine *m = boot_backed(1, 0);
	struct memhp_dimm_info d0, d1;
	struct memhp_region *r0, *r;
	uint8_t *p;

	(void)state;
	if (!huge_backed(m)) {
		memhp_machine_destroy(m);
		skip();
	}
	assert_int_equal(memhp_region_alloc(m, 1, 0, ~0u, &r0), -EINVAL);
	assert_int_equal(memhp_dimm_add(m, "dimm0", DIMM_SIZE, 0, MEMHP_ADDR_AUTO, -1, &d0), 0);
	assert_int_equal(memhp_region_alloc(m, 1, 0, 0, &r0), 0);	/* order-0 pages start unaligned */
	assert_int_equal(memhp_region_alloc(m, pages, 0, MEMHP_REGION_HUGE, &r), 0);
	for (size_t c = 0; c < chunks; c++)
		assert_huge_chunk(r, c * 512, d0.addr / 4096, (d0.addr + d0.size) / 4096);
	p = memhp_region_addr(r);
	fill(p, pages * 4096, 11);
	assert_int_equal(smaps_range(p, pages * 4096, "ShmemPmdMapped"), (long)chunks * 2048);

	assert_int_equal(memhp_dimm_add(m, "dimm1", DIMM_SIZE, 0, MEMHP_ADDR_AUTO, -1, &d1), 0);
	assert_int_equal(memhp_dimm_remove(m, "dimm0"), 0);
	check(p, pages * 4096, 11);
	for (size_t c = 0; c < chunks; c++)
		assert_huge_chunk(r, c * 512, d1.addr / 4096, (d1.addr + d1.size) / 4096);
	assert_int_equal(smaps_range(p, pages * 4096, "ShmemPmdMapped"), (long)chunks * 2048);
	audit_ok(m);
	memhp_region_free(r);
	memhp_region_free(r0);
	memhp_machine_destroy(m);
}

/* how many of r's folio stretches from window page `first` on, each `folio` pages, are whole */
static size_t whole_folios(struct memhp_region *r, size_t first, size_t n, size_t folio)
{
	size_t whole = 0;

	for (size_t c = 0; c < n; c++) {
		long pfn = memhp_region_pfn(r, first + c * folio);
		size_t k = 1;

		while (k < folio && memhp_region_pfn(r, first + c * folio + k) == pfn + (long)k)
			k++;
		whole += pfn >= 0 && (unsigned long)pfn % folio == 0 && k == folio;
	}
	return whole;
}

static struct memhp_machine *boot_plain(const char *arch)
{
	struct memhp_config c = { 0 };
	struct memhp_machine *m = NULL;

	c.arch = arch;
	c.cmdline = "memhp_default_state=online_movable";
	c.mem = 1 * GiB;
	c.maxmem = 16 * GiB;
	c.max_phys = 64 * GiB;
	c.nr_cpus = 1;
	assert_int_equal(memhp_machine_create(&c, &m), 0);
	return m;
}

/*
 * A folio begins a migration batch of its own: a page before it that
 * cannot move (pinned) or a head cut off by a split must not shift every
 * later batch off the folios, which would then all move as base pages.
 */
static void test_folios_move_whole_past_a_pin_and_a_split(void **state)
{
	const size_t chunks = 8, pages = chunks * 512;
	struct memhp_machine *m = boot_plain(NULL);
	struct memhp_region *r0, *r1, *r, *tail;
	struct memhp_dimm_info d0;
	uint8_t *p;
	long at;

	(void)state;
	assert_int_equal(memhp_dimm_add(m, "dimm0", DIMM_SIZE, 0, MEMHP_ADDR_AUTO, -1, &d0), 0);
	/* a few base pages before and after: base-page targets would not fall on folios by luck */
	assert_int_equal(memhp_region_alloc(m, 3, 0, 0, &r0), 0);
	assert_int_equal(memhp_region_alloc(m, pages, 0, MEMHP_REGION_HUGE, &r), 0);
	assert_int_equal(whole_folios(r, 0, chunks, 512), chunks);
	p = memhp_region_addr(r);
	fill(p, pages * 4096, 5);
	assert_int_equal(memhp_dimm_add(m, "dimm1", DIMM_SIZE, 0, MEMHP_ADDR_AUTO, -1, NULL), 0);
	assert_int_equal(memhp_region_alloc(m, 3, 0, 0, &r1), 0);

	/* page 5 pinned: the removal gives up, every other folio has moved whole */
	assert_int_equal(memhp_region_pin(r, 5), 0);
	assert_int_equal(memhp_dimm_remove_cancellable(m, "dimm0", NULL, 300), -EBUSY);
	assert_int_equal(whole_folios(r, 512, chunks - 1, 512), chunks - 1);
	check(p, pages * 4096, 5);
	assert_int_equal(memhp_region_unpin(r, 5), 0);

	/* the first 100 pages split off and freed: the rest's folios still move whole */
	assert_int_equal(memhp_region_split(r, 100, &tail), 0);
	memhp_region_free(r);
	at = memhp_region_pfn(tail, 512 - 100);
	assert_true(at >= 0);
	assert_int_equal(memhp_dimm_remove(m, (unsigned long)at * 4096 - d0.addr < d0.size ? "dimm0" : "dimm1"), 0);
	assert_int_equal(whole_folios(tail, 512 - 100, chunks - 1, 512), chunks - 1);
	for (size_t i = 100 * 4096; i < pages * 4096; i += 8)	/* the tail's part of fill's pattern */
		if (*(const uint64_t *)(p + i) != ((i * 0x9e3779b97f4a7c15ULL) ^ 5))
			fail_msg("byte %zu of the tail changed", i);
	audit_ok(m);
	memhp_region_free(tail);
	memhp_region_free(r1);
	memhp_region_free(r0);
	memhp_machine_destroy(m);
}

/*
 * alloc_migration_target asks a large folio's target with GFP_TRANSHUGE,
 * whose __GFP_HIGHMEM lets it land in ZONE_MOVABLE even when it leaves a
 * Normal block (a base page's target may not).  A THP in a Normal DIMM of
 * node 0, whose only other memory is node 1's ZONE_MOVABLE (and the
 * nodemask leaves the source node out): the removal moves the folio
 * whole into node 1's Movable DIMM, its bytes unchanged.  (Each DIMM's
 * memmap is on itself: node 1's would otherwise come from node 0's
 * Normal DIMM and pin it.)
 */
static void test_thp_target_may_be_movable(void **state)
{
	struct memhp_config c = { 0 };
	struct memhp_machine *m = NULL;
	struct memhp_dimm_info d0, d1;
	struct memhp_region *r;
	uint8_t *p;
	long pfn;

	(void)state;
	c.cmdline = "memhp_default_state=online_kernel memhp.kernel_alloc_pages=0 memory_hotplug.memmap_on_memory=1";
	c.mem = 1 * GiB;
	c.maxmem = 16 * GiB;
	c.max_phys = 64 * GiB;
	c.nr_cpus = 1;
	c.nr_nodes = 2;
	c.node_mem[0] = 1 * GiB;
	c.explicit_node_mem = 1;
	assert_int_equal(memhp_machine_create(&c, &m), 0);
	assert_int_equal(memhp_dimm_add(m, "dimm0", DIMM_SIZE, 0, MEMHP_ADDR_AUTO, -1, &d0), 0);
	assert_int_equal(memhp_region_alloc(m, 512, 0, MEMHP_REGION_HUGE, &r), 0);
	assert_int_equal(whole_folios(r, 0, 1, 512), 1);
	pfn = memhp_region_pfn(r, 0);
	assert_true((uint64_t)pfn * 4096 - d0.addr < d0.size);
	p = memhp_region_addr(r);
	fill(p, 512 * 4096, 9);
	write_ok(m, "/sys/devices/system/memory/auto_online_blocks", "online_movable");
	assert_int_equal(memhp_dimm_add(m, "dimm1", DIMM_SIZE, 1, MEMHP_ADDR_AUTO, -1, &d1), 0);
	assert_int_equal(memhp_dimm_remove_cancellable(m, "dimm0", NULL, 5000), 0);
	assert_int_equal(whole_folios(r, 0, 1, 512), 1);
	pfn = memhp_region_pfn(r, 0);
	assert_true((uint64_t)pfn * 4096 - d1.addr < d1.size);
	check(p, 512 * 4096, 9);
	audit_ok(m);
	memhp_region_free(r);
	memhp_machine_destroy(m);
}

/*
 * With 16 KiB pages a folio is 2048 pages (32 MiB), more than a migration
 * batch: the window is aligned to it and the folio still moves whole.
 */
static void test_folios_of_16k_pages(void **state)
{
	const size_t folio = 2048, chunks = 2, pages = chunks * folio, block = 8192;
	struct memhp_machine *m = boot_plain("arm64-16k");
	struct memhp_region *fill_r, *r0, *r;
	unsigned long b0, b1;
	uint8_t *p;

	(void)state;
	/*
	 * QEMU's arm64 virt has no DIMM hotplug, so boot memory it is: a
	 * filler pushes the region off the first blocks (the kernel's own),
	 * then the region's blocks are offlined and it migrates.
	 */
	assert_int_equal(memhp_region_alloc(m, 3 * block, 0, 0, &fill_r), 0);
	assert_int_equal(memhp_region_alloc(m, 3, 0, 0, &r0), 0);
	assert_int_equal(memhp_region_alloc(m, pages, 0, MEMHP_REGION_HUGE, &r), 0);
	assert_int_equal((uintptr_t)memhp_region_addr(r) % (folio * 16384), 0);
	assert_int_equal(whole_folios(r, 0, chunks, folio), chunks);
	p = memhp_region_addr(r);
	fill(p, pages * 16384, 9);
	b0 = (unsigned long)memhp_region_pfn(r, 0) / block;
	b1 = (unsigned long)memhp_region_pfn(r, pages - 1) / block;
	memhp_region_free(fill_r);	/* room to move into, before the region */
	for (unsigned long b = b0; b <= b1; b++)
		assert_int_equal(memhp_block_offline(m, b), 0);
	for (size_t c = 0; c < chunks; c++) {	/* moved off the offline blocks */
		unsigned long b = (unsigned long)memhp_region_pfn(r, c * folio) / block;

		assert_true(b < b0 || b > b1);
	}
	assert_int_equal(whole_folios(r, 0, chunks, folio), chunks);
	check(p, pages * 16384, 9);
	audit_ok(m);
	memhp_region_free(r);
	memhp_region_free(r0);
	memhp_machine_destroy(m);
}

static void test_hugetlbfs_refused(void **state)
{
	struct memhp_machine *m = boot_backed(0, 0);
	struct memhp_dimm_info d;
	char *before;
	int fd = memfd_create("memhp-test-hugetlb", MFD_CLOEXEC | MFD_HUGETLB);

	(void)state;
	if (fd < 0) {
		memhp_machine_destroy(m);
		skip();
	}
	before = machine_snapshot(m);
	assert_int_equal(ftruncate(fd, (off_t)DIMM_SIZE), 0);
	assert_int_equal(memhp_dimm_add(m, "dimm0", DIMM_SIZE, 0, MEMHP_ADDR_AUTO, fd, &d), -EINVAL);
	assert_true(log_has(m, "hugetlbfs cannot back a device"));
	assert_unchanged(m, before);
	free(before);
	close(fd);
	memhp_machine_destroy(m);
}

/* this thread and its children: fsopen(2) fails with EPERM, as unprivileged */
static int deny_fsopen(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_fsopen, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

/* a host that offers no huge tmpfs: memfds, the reason logged, all works */
static void test_falls_back_to_memfds(void **state)
{
	pid_t pid = fork();
	int status;

	(void)state;
	assert_true(pid >= 0);
	if (!pid) {
		struct memhp_machine *m;
		struct memhp_dimm_info d;
		int ok;

		if (deny_fsopen())
			_exit(2);
		m = boot_backed(1, 0);
		ok = log_has(m, "no 2 MiB backing (a private huge tmpfs: EPERM)") &&
		     log_has(m, "dimm0") == false &&
		     !memhp_dimm_add(m, "dimm0", DIMM_SIZE, 0, MEMHP_ADDR_AUTO, -1, &d) && d.enabled &&
		     log_has(m, "4 KiB pages (memfd)") && !log_has(m, "huge=always");
		memhp_machine_destroy(m);
		_exit(ok ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_machine_on_both_backings),
		cmocka_unit_test(test_pmd_mappings),
		cmocka_unit_test(test_huge_region_migrates_whole),
		cmocka_unit_test(test_folios_move_whole_past_a_pin_and_a_split),
		cmocka_unit_test(test_folios_of_16k_pages),
		cmocka_unit_test(test_thp_target_may_be_movable),
		cmocka_unit_test(test_hugetlbfs_refused),
		cmocka_unit_test(test_falls_back_to_memfds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
