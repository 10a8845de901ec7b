// SPDX-License-Identifier: MIT
/*
 * test_fallback.c - the buddy's mobility fallback against mm/page_alloc.c.
 *
 * rmqueue_bulk remembers, for the rest of a pcp refill, that it had to
 * steal (__rmqueue's mode): the next pages of the batch are stolen at
 * once, no claim is tried again.  memhp's pcp_refill takes a batch in
 * chunks of PCP_REFILL_CHUNK, so the mode must carry from chunk to chunk:
 * a claim tried again after some steals would find other chunks at the
 * heads of the fallback lists and claim a pageblock the kernel leaves
 * alone.  (Found in review, with this machine.)
 */
#include "helpers.h"

#include "internal.h"

static struct memhp_machine *boot1(void)
{
	static const struct memhp_coldplug c1 = { "c1", 128 * MiB, 0 };
	struct memhp_config cfg = { 0 };
	struct memhp_machine *m = NULL;

	cfg.cmdline = "memory_hotplug.memmap_on_memory=0 memhp.kernel_alloc_pages=0";
	cfg.mem = 1 * GiB;
	cfg.nr_nodes = 1;
	cfg.max_phys = 256 * GiB;
	cfg.coldplug = &c1;
	cfg.nr_coldplug = 1;
	cfg.nr_cpus = 1;
	assert_int_equal(memhp_machine_create(&cfg, &m), 0);
	return m;
}

static void give_back(struct memhp_machine *m, struct zone *zone, unsigned long pfn, unsigned int order)
{
	pthread_mutex_lock(&zone->lock);
	free_pages_prepare(m, pfn, order);
	pthread_mutex_unlock(&zone->lock);
	free_one_page(m, zone, pfn, order, get_pageblock_migratetype(m, pfn), false);
}

/* Normal emptied by unmovable allocations; returns P, the block that can be claimed */
static unsigned long build(struct memhp_machine *m, struct zone **zp)
{
	struct zone *zone = &m->nodes[0].node_zones[ZONE_NORMAL];
	unsigned long start = zone->zone_start_pfn, end = zone_end_pfn(zone);
	unsigned char *mine = calloc(end - start, 1);
	unsigned long blocks[5];
	int nb = 0;
	long buf[64];
	int k;

	memhp_drain_pcp(m);
	bool stealing = false;

	while ((k = buddy_alloc_batch(m, zone, MIGRATE_UNMOVABLE, 0, buf, 64, 0, &stealing)) > 0)
		for (int i = 0; i < k; i++) {
			prep_new_page(m, (unsigned long)buf[i], 0);
			mine[buf[i] - (long)start] = 1;
		}
	assert_int_equal(atomic_load(&zone->nr_free_pages), 0);
	for (unsigned long b = start; b < end && nb < 5; b += m->pageblock_nr_pages) {
		bool all = true;

		if (get_pageblock_migratetype(m, b) != MIGRATE_UNMOVABLE)
			continue;
		for (unsigned long q = b; q < b + m->pageblock_nr_pages; q++)
			all &= mine[q - start];
		if (all)
			blocks[nb++] = b;
	}
	assert_int_equal(nb, 5);
	/* P: every other order-4 slot free, 256 pages = half the block */
	for (int s = 0; s < 32; s += 2)
		give_back(m, zone, blocks[4] + 16UL * s, 4);
	/* A4..A1: one order-4 chunk each, freed last so A1 heads the list */
	for (int i = 3; i >= 0; i--)
		give_back(m, zone, blocks[i], 4);
	free(mine);
	*zp = zone;
	return blocks[4];
}

static void test_refill_chunks_keep_steal_mode(void **state)
{
	struct memhp_machine *m1 = boot1(), *m2 = boot1();
	struct zone *z1, *z2;
	unsigned long p1 = build(m1, &z1), p2 = build(m2, &z2);
	char *s1 = readf(m1, "/proc/pagetypeinfo"), *s2 = readf(m2, "/proc/pagetypeinfo");
	long buf[128];
	bool one = false, chunks = false;
	int a, b, c;

	(void)state;
	assert_int_equal(p1, p2);
	assert_string_equal(s1, s2);
	free(s1);
	free(s2);
	/* the kernel: one rmqueue_bulk of 128 movable pages */
	a = buddy_alloc_batch(m1, z1, MIGRATE_MOVABLE, 0, buf, 128, 0, &one);
	/* memhp's pcp_refill of 128: two calls of PCP_REFILL_CHUNK, one mode */
	b = buddy_alloc_batch(m2, z2, MIGRATE_MOVABLE, 0, buf, 64, 0, &chunks);
	c = buddy_alloc_batch(m2, z2, MIGRATE_MOVABLE, 0, buf + 64, 64, 0, &chunks);
	assert_int_equal(a, 128);
	assert_int_equal(b + c, 128);
	assert_true(one && chunks);
	/* the half-free block P is never claimed: the batch steals past it */
	assert_int_equal(get_pageblock_migratetype(m1, p1), MIGRATE_UNMOVABLE);
	assert_int_equal(get_pageblock_migratetype(m2, p2), MIGRATE_UNMOVABLE);
	memhp_machine_destroy(m1);
	memhp_machine_destroy(m2);
}

/*
 * __free_one_page's buddy_merge_likely: a freed chunk whose buddy is in
 * use while the buddy of the pair one order up is free goes to the tail
 * of its list, so that allocations take other chunks first and the pair
 * may merge once the buddy is freed.  X..X+7 are allocated; X+2, X+3, X+4
 * and X are freed, in that order: only X finds its pair's buddy (X+2..3)
 * free, so the next page comes from the head - X+4, not X.
 */
static void test_free_to_tail_when_merge_likely(void **state)
{
	struct memhp_machine *m = boot1();
	struct zone *zone = &m->nodes[0].node_zones[ZONE_NORMAL];
	bool stealing = false;
	long x[8], next;

	(void)state;
	memhp_drain_pcp(m);
	assert_int_equal(buddy_alloc_batch(m, zone, MIGRATE_UNMOVABLE, 0, x, 8, 0, &stealing), 8);
	for (int i = 0; i < 8; i++) {
		prep_new_page(m, (unsigned long)x[i], 0);
		assert_int_equal(x[i], x[0] + i);
	}
	give_back(m, zone, (unsigned long)x[2], 0);
	give_back(m, zone, (unsigned long)x[3], 0);	/* X+2..3 merge: order 1 */
	give_back(m, zone, (unsigned long)x[4], 0);
	give_back(m, zone, (unsigned long)x[0], 0);
	assert_int_equal(buddy_alloc_batch(m, zone, MIGRATE_UNMOVABLE, 0, &next, 1, 0, &stealing), 1);
	assert_int_equal(next, x[4]);
	prep_new_page(m, (unsigned long)next, 0);
	memhp_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refill_chunks_keep_steal_mode),
		cmocka_unit_test(test_free_to_tail_when_merge_likely),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
