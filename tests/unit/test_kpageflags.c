// SPDX-License-Identifier: MIT
/*
 * test_kpageflags.c - what /proc/kpageflags says of a process's pages and
 * of a hot-added block's memmap, against the real kernel's record of the
 * same scenario (../shared/oracle/results/c1-movable-in-use-mmom1.json:
 * 1 GiB guest, a 1 GiB DIMM onlined movable with memmap_on_memory, an
 * anonymous hog of 700 MiB).
 */
#include "helpers.h"

#define KPF(f) (1ULL << MEMHP_KPF_##f)

/* the flags 6.12 shows on a private anonymous page a write faulted in */
#define ANON_PAGE (KPF(UPTODATE) | KPF(LRU) | KPF(MMAP) | KPF(ANON) | KPF(SWAPBACKED) | KPF(KSM) | KPF(OWNER_2))

/* how many pages of block b carry every flag of want and none of the others */
static unsigned long block_pages_with(struct memhp_machine *m, unsigned long b, uint64_t want)
{
	unsigned long start, nr, n = 0;

	assert_int_equal(memhp_block_range(m, b, &start, &nr, NULL), 0);
	for (unsigned long pfn = start; pfn < start + nr; pfn++)
		n += memhp_kpageflags(m, pfn) == want;
	return n;
}

/*
 * One CPU, as the oracle's guest (-smp 1): with more, the allocating
 * thread may move between host CPUs and leave a batch on another CPU's
 * per-CPU list, which the kernel's one CPU never does.
 */
static struct memhp_machine *one_cpu_machine(const char *cmdline)
{
	struct memhp_config c = { .cmdline = cmdline, .mem = 1 * GiB, .maxmem = 96 * GiB,
				  .max_phys = 256 * GiB, .nr_cpus = 1 };
	struct memhp_machine *m = NULL;

	assert_int_equal(memhp_machine_create(&c, &m), 0);
	return m;
}

static struct memhp_machine *c1_machine(struct memhp_dimm_info *d)
{
	struct memhp_machine *m = one_cpu_machine("memory_hotplug.memmap_on_memory=1 "
						  "memhp_default_state=online_movable");

	assert_int_equal(memhp_dimm_add(m, "d1", 1 * GiB, 0, MEMHP_ADDR_AUTO, -1, d), 0);
	assert_true(d->enabled);
	assert_int_equal(d->first_block, 32);
	return m;
}

/*
 * hog anon 700: the kernel's kpf d1:* shows blocks 33-36 full of anon
 * pages (32256 each, the 512 memmap pages OWNER_PRIVATE) and 512 in each of
 * 38 and 39 - the order-9 rests of every block go first, as order-0
 * faults take the smallest free chunk.
 */
static void test_anon_hog_pages(void **state)
{
	struct memhp_dimm_info d;
	struct memhp_machine *m = c1_machine(&d);
	struct memhp_region *h1;

	(void)state;
	assert_int_equal(memhp_region_alloc(m, 700 * MiB / 4096, 0, 0, &h1), 0);
	for (unsigned long b = 33; b <= 36; b++) {
		assert_int_equal(block_pages_with(m, b, ANON_PAGE), 32256);
		assert_int_equal(block_pages_with(m, b, KPF(OWNER_PRIVATE)), 512);
	}
	for (unsigned long b = 38; b <= 39; b++) {
		assert_int_equal(block_pages_with(m, b, ANON_PAGE), 512);
		assert_int_equal(block_pages_with(m, b, KPF(BUDDY)), 31744);
	}
	audit_ok(m);
	/* freed, the pages forget they were anon: no ANON left anywhere */
	memhp_region_free(h1);
	for (unsigned long b = 32; b <= 39; b++)
		assert_int_equal(block_pages_with(m, b, ANON_PAGE), 0);
	audit_ok(m);
	memhp_machine_destroy(m);
}

/* hog mlock: the same pages, PG_mlocked and on the unevictable LRU */
static void test_mlock_hog_pages(void **state)
{
	struct memhp_dimm_info d;
	struct memhp_machine *m = c1_machine(&d);
	const size_t pages = 100 * MiB / 4096;
	struct memhp_region *h2;
	unsigned long mlocked = 0;

	(void)state;
	assert_int_equal(memhp_region_alloc(m, pages, 0, MEMHP_REGION_MLOCK, &h2), 0);
	for (size_t i = 0; i < pages; i++)
		mlocked += memhp_kpageflags(m, memhp_region_pfn(h2, i)) ==
			   (ANON_PAGE | KPF(MLOCKED) | KPF(UNEVICTABLE));
	assert_int_equal(mlocked, pages);
	/* migrated by an offline, they stay mlocked where they land */
	assert_int_equal(writef(m, "/sys/devices/system/memory/memory32/state", "offline"), 7);
	mlocked = 0;
	for (size_t i = 0; i < pages; i++)
		mlocked += memhp_kpageflags(m, memhp_region_pfn(h2, i)) ==
			   (ANON_PAGE | KPF(MLOCKED) | KPF(UNEVICTABLE));
	assert_int_equal(mlocked, pages);
	memhp_region_free(h2);
	audit_ok(m);
	memhp_machine_destroy(m);
}

/*
 * memmap_on_memory=0: the DIMM's memmap comes from the buddy, one order-9
 * allocation per section, without __GFP_COMP (vmemmap_alloc_block): the
 * kernel shows those pages without any flag, never COMPOUND_*.
 */
static void test_buddy_memmap_is_not_compound(void **state)
{
	struct memhp_machine *m = one_cpu_machine("memory_hotplug.memmap_on_memory=0 memhp_default_state=online_movable");
	struct memhp_counters before, after;
	struct memhp_dimm_info d;
	unsigned long compound = 0, noflags = 0, noflags_before = 0;

	(void)state;
	for (unsigned long pfn = 0; pfn < 32 * 32768; pfn++)
		noflags_before += !memhp_kpageflags(m, pfn);
	memhp_counters(m, &before);
	assert_int_equal(memhp_dimm_add(m, "d1", 1 * GiB, 0, MEMHP_ADDR_AUTO, -1, &d), 0);
	memhp_counters(m, &after);
	assert_int_equal(after.nr_memmap_pages - before.nr_memmap_pages, 8 * 512);
	for (unsigned long pfn = 0; pfn < 32 * 32768; pfn++) {
		uint64_t u = memhp_kpageflags(m, pfn);

		compound += !!(u & (KPF(COMPOUND_HEAD) | KPF(COMPOUND_TAIL)));
		noflags += !u;
	}
	assert_int_equal(compound, 0);
	/* the 4096 memmap pages left the buddy and show no flag at all */
	assert_true(noflags >= noflags_before + 8 * 512);
	audit_ok(m);
	memhp_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_anon_hog_pages),
		cmocka_unit_test(test_mlock_hog_pages),
		cmocka_unit_test(test_buddy_memmap_is_not_compound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
