// SPDX-License-Identifier: MIT
/*
 * test_deferred_init.c - a block whose struct pages are written when first
 * needed (lib/deferred_init.c) is indistinguishable from one written at
 * online: the same machine built twice, eager and deferred, shows the same
 * struct pages (as page_peek() reads them, and once materialized), the same
 * free lists chunk for chunk, the same files, and hands out the same pfns.
 * A materialization that fails (its memmap cannot be mapped) changes
 * nothing.
 */
#include "helpers.h"

#include "../../lib/internal.h"

struct pair {
	struct memhp_machine *eager, *deferred;
};

struct shape {
	const char *arch, *cmdline;
	uint64_t dimm;
	int dimms;
};

static struct memhp_machine *boot(const struct shape *s, int eager)
{
	struct memhp_config c = { 0 };
	struct memhp_machine *m = NULL;

	c.arch = s->arch;
	c.cmdline = s->cmdline;
	c.mem = 2 * GiB;
	c.maxmem = 64 * GiB;
	c.max_phys = 256 * GiB;
	c.memmap_init_eager = eager;
	/*
	 * One guest CPU: the two machines compared page for page must use the
	 * same per-CPU lists, whichever host CPUs the test thread ran on (a
	 * move between them mid-run would put a page on another CPU's list
	 * in one machine only).
	 */
	c.nr_cpus = 1;
	assert_int_equal(memhp_machine_create(&c, &m), 0);
	return m;
}

static void add_dimms(struct memhp_machine *m, const struct shape *s)
{
	struct memhp_geometry g;

	memhp_get_geometry(m, &g);
	for (int i = 0; i < s->dimms; i++) {
		char name[16];
		struct memhp_dimm_info info;

		/* Debian's arm64 has no ACPI memory driver: a driver's add_memory */
		if (!strncmp(g.arch, "arm64", 5)) {
			assert_int_equal(memhp_add_memory(m, 0, g.hotplug_base + (uint64_t)i * s->dimm, s->dimm,
							  MEMHP_MHP_MEMMAP_ON_MEMORY), 0);
			continue;
		}
		snprintf(name, sizeof(name), "d%d", i);
		assert_int_equal(memhp_dimm_add(m, name, s->dimm, 0, MEMHP_ADDR_AUTO, -1, &info), 0);
		assert_true(info.enabled);
	}
}

/* the struct page as written, pointers left out (they differ per machine) */
static void pages_equal(struct memhp_machine *a, const struct page *pa, struct memhp_machine *b,
			const struct page *pb, unsigned long pfn)
{
	if (pa->flags != pb->flags || pa->zone != pb->zone || pa->order != pb->order || pa->nid != pb->nid ||
	    pa->refcount != pb->refcount || pa->mapcount != pb->mapcount || pa->private != pb->private ||
	    pa->index != pb->index || pa->owner != pb->owner)
		fail_msg("pfn %#lx: eager flags %#x zone %u order %u ref %d private %llu, deferred flags %#x zone %u "
			 "order %u ref %d private %llu", pfn, pa->flags, pa->zone, pa->order, pa->refcount,
			 (unsigned long long)pa->private, pb->flags, pb->zone, pb->order, pb->refcount,
			 (unsigned long long)pb->private);
	(void)a;
	(void)b;
}

/* every online pfn of the hot-added range: eager's struct page == deferred's view */
static unsigned long compare_pages(struct pair *p, unsigned long *deferred_seen)
{
	struct memhp_machine *a = p->eager, *b = p->deferred;
	unsigned long n = 0;

	*deferred_seen = 0;
	for (unsigned long pfn = 0; pfn < a->max_pfn; pfn++) {
		struct page tmp;
		const struct page *pb;

		if (!pfn_online(a, pfn))
			continue;
		assert_true(pfn_online(b, pfn));
		*deferred_seen += pfn_memmap_deferred(b, pfn);
		pb = page_peek(b, pfn, &tmp);
		if (!(pfn_to_page(a, pfn)->flags & PG_pcp))
			pages_equal(a, pfn_to_page(a, pfn), b, pb, pfn);
		n++;
	}
	return n;
}

/* the free lists chunk by chunk, in order: only after materialization */
static void compare_lists(struct pair *p)
{
	for (unsigned int nid = 0; nid < p->eager->nr_nodes; nid++) {
		for (int z = 0; z < MAX_NR_ZONES; z++) {
			struct zone *za = &p->eager->nodes[nid].node_zones[z];
			struct zone *zb = &p->deferred->nodes[nid].node_zones[z];

			for (unsigned int o = 0; o <= p->eager->arch->max_order; o++) {
				for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
					struct page *x = za->free_area[o].list[mt].head;
					struct page *y = zb->free_area[o].list[mt].head;

					for (; x && y; x = x->next, y = y->next) {
						assert_false(y->flags & PG_deferred);
						assert_int_equal(page_to_pfn(p->eager, x),
								 page_to_pfn(p->deferred, y));
					}
					assert_null(x);
					assert_null(y);
				}
			}
		}
	}
}

static void materialize_all(struct memhp_machine *m)
{
	unsigned long ids[4096];
	size_t n = memhp_block_ids(m, ids, 4096);

	for (size_t i = 0; i < n; i++) {
		struct memory_block *mem = find_memory_block_by_id(m, ids[i]);

		assert_int_equal(deferred_init_block(m, mem), 0);
	}
}

static void snapshots_same(struct pair *p)
{
	char *x = machine_snapshot(p->eager), *y = machine_snapshot(p->deferred);

	snapshots_equal(x, y);
	free(x);
	free(y);
}

/* the same allocations on both: the same pfns, in the same order */
static void allocate_alike(struct pair *p, long *pfns, unsigned int *orders, size_t n)
{
	static const unsigned int pattern[] = { 0, 0, 0, 3, 0, 9, 0, 10, 1, 0, 2 };

	for (size_t i = 0; i < n; i++) {
		unsigned int o = pattern[i % (sizeof(pattern) / sizeof(pattern[0]))];
		long x = memhp_alloc_pages(p->eager, 0, o), y = memhp_alloc_pages(p->deferred, 0, o);

		if (x != y)
			fail_msg("allocation %zu (order %u): eager pfn %ld, deferred %ld", i, o, x, y);
		pfns[i] = x;
		orders[i] = o;
	}
}

static void check_shape(const struct shape *s)
{
	struct pair p = { boot(s, 1), boot(s, 0) };
	unsigned long deferred, pages;
	long pfns[600];
	unsigned int orders[600];
	unsigned long ids[64];
	size_t nb;

	add_dimms(p.eager, s);
	add_dimms(p.deferred, s);
	pages = compare_pages(&p, &deferred);
	assert_true(pages > 0);
	assert_true(deferred > 0);	/* the shapes here are ones that defer */
	snapshots_same(&p);

	/* allocations reach the placeholders and materialize block after block */
	allocate_alike(&p, pfns, orders, 600);
	compare_pages(&p, &deferred);
	snapshots_same(&p);
	for (size_t i = 0; i < 600; i += 2)
		if (pfns[i] >= 0) {
			assert_int_equal(memhp_free_pages(p.eager, (unsigned long)pfns[i], orders[i]), 0);
			assert_int_equal(memhp_free_pages(p.deferred, (unsigned long)pfns[i], orders[i]), 0);
		}
	snapshots_same(&p);

	/* offline the last block - still deferred - and the first, then online again */
	nb = memhp_block_ids(p.eager, ids, 64);
	for (size_t k = 0; k < 2; k++) {
		unsigned long id = k ? ids[nb - 1] : ids[nb - (size_t)s->dimms * (size_t)(s->dimm / p.eager->block_size)];

		assert_int_equal(memhp_block_offline(p.eager, id), memhp_block_offline(p.deferred, id));
		snapshots_same(&p);
		assert_int_equal(memhp_block_online(p.eager, id, MEMHP_MMOP_ONLINE),
				 memhp_block_online(p.deferred, id, MEMHP_MMOP_ONLINE));
		snapshots_same(&p);
	}
	compare_pages(&p, &deferred);

	materialize_all(p.deferred);
	compare_pages(&p, &deferred);
	assert_int_equal(deferred, 0);
	compare_lists(&p);
	snapshots_same(&p);
	memhp_machine_destroy(p.eager);
	memhp_machine_destroy(p.deferred);
}

static void test_movable_dimms(void **state)
{
	static const struct shape s = { NULL, "memory_hotplug.memmap_on_memory=1 memhp_default_state=online_movable",
					1 * GiB, 2 };
	(void)state;
	check_shape(&s);
}

static void test_kernel_zone_dimms(void **state)
{
	/* the first online into an empty Normal zone allocates from it at once */
	static const struct shape s = { NULL, "memory_hotplug.memmap_on_memory=1 memhp_default_state=online_kernel",
					512 * MiB, 3 };
	(void)state;
	check_shape(&s);
}

static void test_force_and_arm64(void **state)
{
	static const struct shape shapes[] = {
		{ NULL, "memory_hotplug.memmap_on_memory=force memhp_default_state=online", 512 * MiB, 2 },
		{ "arm64-4k", "memory_hotplug.memmap_on_memory=1 memhp_default_state=online", 1 * GiB, 1 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++)
		check_shape(&shapes[i]);
}

/* a materialization that cannot map the memmap fails the allocation, changes nothing */
static void test_materialize_failure_rolls_back(void **state)
{
	static const struct shape s = { NULL, "memory_hotplug.memmap_on_memory=1 memhp_default_state=online_kernel",
					1 * GiB, 1 };
	struct memhp_machine *m = boot(&s, 0);
	unsigned long nth, failed = 0, most_failed = 0;
	char *before;

	(void)state;
	add_dimms(m, &s);
	/*
	 * ZONE_NORMAL is the DIMM's; its first block is materialized (the
	 * kernel's own allocations took pages of it), the others stand as
	 * runs behind it.  Allocate 4 MiB chunks, each with the Nth step
	 * failing for N = 1, 2, ... until one succeeds: the allocation that
	 * reaches the second block's run fails at every step of mapping its
	 * memmap (more than the one check at entry), each time unchanged.
	 */
	for (int chunk = 0; chunk < 64 && most_failed <= 1; chunk++) {
		failed = 0;
		for (nth = 1; nth < 50; nth++) {
			long pfn;

			before = machine_snapshot(m);
			memhp_fault_inject(m, nth);
			pfn = memhp_alloc_pages(m, 0, 10);
			memhp_fault_inject(m, 0);
			if (pfn < 0) {
				assert_unchanged(m, before);
				failed++;
				free(before);
				continue;
			}
			free(before);
			break;
		}
		assert_true(nth < 50);
		most_failed = MAX(most_failed, failed);
	}
	assert_true(most_failed > 1);	/* the mapping's steps were reached and failed */
	audit_ok(m);
	memhp_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_movable_dimms),
		cmocka_unit_test(test_kernel_zone_dimms),
		cmocka_unit_test(test_force_and_arm64),
		cmocka_unit_test(test_materialize_failure_rolls_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
