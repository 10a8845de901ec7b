// SPDX-License-Identifier: MIT
/*
 * test_slab.c - the reclaimable slab that sysfs lookups allocate
 * (memhp_sysfs_lookup_new, kernel_alloc.c) against mm/slub.c and
 * mm/page_alloc.c.
 *
 * A hot-added Normal zone has no Reclaimable pageblock, so the first new
 * slab there claims a max-order chunk - the head of the Movable list - as
 * Reclaimable (__rmqueue_claim), and the memory block holding it can no
 * longer be offlined.  A zone with boot memory serves the slab from what
 * the boot left: nothing of memhp's moves.  The geometry is SLUB's
 * calculate_order, worked out by hand below for 4 KiB pages.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "helpers.h"

#include "internal.h"

/* 1 GiB, one CPU, no model of the onlining's own allocations */
static struct memhp_machine *boot(unsigned int nr_cpus)
{
	return boot_machine_cpus("memory_hotplug.memmap_on_memory=0 memhp.kernel_alloc_pages=0", 1 * GiB, nr_cpus);
}

static unsigned long reclaimable_pageblocks(struct memhp_machine *m, struct zone *zone, unsigned long *first)
{
	unsigned long n = 0;

	*first = 0;
	for (unsigned long pfn = zone->zone_start_pfn; pfn < zone_end_pfn(zone); pfn += m->pageblock_nr_pages)
		if (get_pageblock_migratetype(m, pfn) == MIGRATE_RECLAIMABLE && !n++)
			*first = pfn;
	return n;
}

/*
 * calculate_order: min_objects 4 * (fls(nr_cpus) + 1), the smallest order
 * holding them that wastes at most 1/16.  dentry (192 bytes): 8 or 12
 * objects fit an order-0 page (21 of them, 64 bytes left).  inode (608):
 * 8 * 608 and 12 * 608 need order 1 (13 objects, 288 left, under 512);
 * four CPUs want 16 (9728 bytes): order 2, 26 objects, 576 left.
 */
static void test_geometry_is_slubs(void **state)
{
	struct memhp_machine *m = boot(1);

	(void)state;
	assert_int_equal(m->dentry_cache.order, 0);
	assert_int_equal(m->dentry_cache.objects, 21);
	assert_int_equal(m->inode_cache.order, 1);
	assert_int_equal(m->inode_cache.objects, 13);
	memhp_machine_destroy(m);

	m = boot(4);
	assert_int_equal(m->dentry_cache.objects, 21);
	assert_int_equal(m->inode_cache.order, 2);
	assert_int_equal(m->inode_cache.objects, 26);
	memhp_machine_destroy(m);
}

/* DMA32 has boot memory: its slab pageblocks are the boot's, memhp's pages stay */
static void test_boot_zone_serves_without_a_page(void **state)
{
	struct memhp_machine *m = boot(1);
	struct zone *dma32 = &m->nodes[0].node_zones[ZONE_DMA32];
	size_t kept = m->nr_kernel_pfns;
	unsigned long first;
	char *before = machine_snapshot(m);

	(void)state;
	assert_int_equal(memhp_sysfs_lookup_new(m, -1, 100), 0);
	assert_int_equal(m->nr_kernel_pfns, kept);
	assert_int_equal(reclaimable_pageblocks(m, dma32, &first), 0);
	assert_unchanged(m, before);
	free(before);
	/* the caches did fill: 100 dentries are 5 slabs of 21, 5 objects left */
	assert_int_equal(m->dentry_cache.free, 5);
	assert_int_equal(m->inode_cache.free, 4);	/* 8 slabs of 13 */
	memhp_machine_destroy(m);
}

static void test_hot_added_normal_zone_gives_a_max_order_chunk(void **state)
{
	struct memhp_machine *m = boot(1);
	struct zone *normal = &m->nodes[0].node_zones[ZONE_NORMAL];
	unsigned long per_chunk = 1UL << (m->arch->max_order - m->arch->pageblock_order), first, head, pb;
	unsigned long block_pages = m->pages_per_block;
	struct memhp_dimm_info d;
	size_t kept = m->nr_kernel_pfns;

	(void)state;
	write_ok(m, "/sys/devices/system/memory/auto_online_blocks", "online_kernel");
	assert_int_equal(memhp_dimm_add(m, "d1", 256 * MiB, 0, MEMHP_ADDR_AUTO, -1, &d), 0);
	assert_true(populated_zone(normal));
	assert_int_equal(reclaimable_pageblocks(m, normal, &first), 0);
	/* the head of the order-max Movable list: the chunk a claim takes */
	assert_non_null(normal->free_area[m->arch->max_order].list[MIGRATE_MOVABLE].head);
	head = page_to_pfn(m, normal->free_area[m->arch->max_order].list[MIGRATE_MOVABLE].head);

	/* the first objects: a new slab each, from the zone at the head of the zonelist */
	assert_int_equal(memhp_sysfs_lookup_new(m, -1, 11), 0);
	pb = reclaimable_pageblocks(m, normal, &first);
	assert_int_equal(pb, per_chunk);
	assert_int_equal(first, head);
	/* 1 dentry page and one order-1 inode slab, all of it from the claimed chunk */
	assert_int_equal(m->nr_kernel_pfns - kept, 1 + 2);
	for (size_t i = kept; i < m->nr_kernel_pfns; i++)
		assert_true(m->kernel_pfns[i] >= head && m->kernel_pfns[i] < head + (1UL << m->arch->max_order));
	audit_ok(m);

	/* the block with the slab stays; the other one goes */
	unsigned long slab_block = d.first_block + (head - normal->zone_start_pfn) / block_pages;
	unsigned long other = slab_block == d.first_block ? d.first_block + 1 : d.first_block;
	assert_int_equal(memhp_block_offline(m, slab_block), -EBUSY);
	assert_int_equal(memhp_block_offline(m, other), 0);

	/* a second batch of lookups stays in the claimed chunk: no new claim */
	assert_int_equal(memhp_sysfs_lookup_new(m, -1, 64), 0);
	assert_int_equal(reclaimable_pageblocks(m, normal, &first), per_chunk);
	audit_ok(m);
	memhp_machine_destroy(m);
}

static void test_bad_node_and_injected_failure(void **state)
{
	struct memhp_machine *m = boot(1);
	unsigned int free_before = m->dentry_cache.free;

	(void)state;
	assert_int_equal(memhp_sysfs_lookup_new(m, 7, 1), -EINVAL);
	memhp_fault_inject(m, 1);
	assert_int_equal(memhp_sysfs_lookup_new(m, -1, 1), -ENOMEM);
	memhp_fault_inject(m, 0);
	assert_int_equal(m->dentry_cache.free, free_before);
	memhp_machine_destroy(m);
}

/* lookups from another thread while blocks go offline and online: no race, no lost page */
struct lookups {
	struct memhp_machine *m;
	atomic_int stop;
	atomic_int failed;
	int calls;
};

static void *lookup_loop(void *arg)
{
	struct lookups *l = arg;

	while (!atomic_load(&l->stop) || l->calls < 50) {
		if (memhp_sysfs_lookup_new(l->m, -1, 8))
			atomic_fetch_add(&l->failed, 1);
		l->calls++;
	}
	return NULL;
}

static void test_lookups_race_onlines(void **state)
{
	struct lookups l = { .m = boot(2) };
	struct memhp_dimm_info d;
	pthread_t t;

	(void)state;
	write_ok(l.m, "/sys/devices/system/memory/auto_online_blocks", "online_kernel");
	assert_int_equal(memhp_dimm_add(l.m, "d1", 512 * MiB, 0, MEMHP_ADDR_AUTO, -1, &d), 0);
	assert_int_equal(pthread_create(&t, NULL, lookup_loop, &l), 0);
	for (int i = 0; i < 20; i++) {
		unsigned long b = d.first_block + (unsigned long)i % 4;
		int err = memhp_block_offline(l.m, b);

		/* a block with a slab page stays: the kernel's EBUSY */
		assert_true(err == 0 || err == -EBUSY);
		if (!err)
			assert_int_equal(memhp_block_online(l.m, b, MEMHP_MMOP_ONLINE_KERNEL), 0);
	}
	atomic_store(&l.stop, 1);
	pthread_join(t, NULL);
	assert_int_equal(atomic_load(&l.failed), 0);
	assert_true(l.calls >= 50);
	/* every slab page kept is an allocated page of an online block */
	for (size_t i = 0; i < l.m->nr_kernel_pfns; i++)
		assert_int_equal(page_ref(pfn_to_page(l.m, l.m->kernel_pfns[i])), 1);
	audit_ok(l.m);
	memhp_machine_destroy(l.m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_geometry_is_slubs),
		cmocka_unit_test(test_boot_zone_serves_without_a_page),
		cmocka_unit_test(test_hot_added_normal_zone_gives_a_max_order_chunk),
		cmocka_unit_test(test_bad_node_and_injected_failure),
		cmocka_unit_test(test_lookups_race_onlines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
