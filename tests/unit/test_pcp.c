// SPDX-License-Identifier: MIT
/*
 * test_pcp.c - the per-CPU lists' auto-tuned high (6.12's pcp->high):
 * batch and limits from the zone's size, raised by refills, kept by a
 * run of frees, decayed by vmstat_update, reset by zone_pcp_disable, held
 * down in a zone under its high watermark.  The expected numbers are the
 * real kernel's, from the recorded random runs in tests/oracle/random
 * (one guest CPU, as here): a 128 MiB Movable zone (32256 managed pages)
 * has batch 7 and reaches high 4032 after a 64 MiB process (seeds 604,
 * 609); one vmstat period with a short list takes it to 3528 (seed 591).
 */
#include <sched.h>

#include "helpers.h"

#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define MIN(a, b) ((a) < (b) ? (a) : (b))

#define MEM "/sys/devices/system/memory/"

/* one CPU, as the oracle's guest: one pageset per zone */
static struct memhp_machine *one_cpu_movable(uint64_t dimm)
{
	struct memhp_machine *m = boot_machine_cpus("memory_hotplug.memmap_on_memory=1 "
						    "memhp_default_state=online_movable", 1 * GiB, 1);
	struct memhp_dimm_info info;

	assert_int_equal(memhp_dimm_add(m, "d1", dimm, 0, MEMHP_ADDR_AUTO, -1, &info), 0);
	return m;
}

static long movable(struct memhp_machine *m, const char *key)
{
	return zoneinfo_field(m, 0, "Movable", key);
}

/*
 * zone_batchsize and zone_highsize: batch ~ managed / 4096 as 2^n - 1,
 * high_max an eighth of the managed pages (reached by a process bigger
 * than it), as the kernel's runs show for these zone sizes
 */
static void test_batch_and_high_max_follow_zone_size(void **state)
{
	static const struct { uint64_t dimm; long managed, batch; } cases[] = {
		{ 128 * MiB, 32256, 7 }, { 256 * MiB, 64512, 15 },
		{ 512 * MiB, 129024, 31 }, { 1 * GiB, 258048, 63 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct memhp_machine *m = one_cpu_movable(cases[i].dimm);
		struct memhp_region *r;

		assert_int_equal(zone_field(m, 0, "Movable", "managed"), cases[i].managed);
		assert_int_equal(movable(m, "batch:"), cases[i].batch);
		/* a fresh pageset: high 0 until the first use clamps it */
		assert_int_equal(movable(m, "high:"), 0);
		assert_int_equal(memhp_region_alloc(m, (size_t)cases[i].managed / 2, 0, 0, &r), 0);
		assert_int_equal(movable(m, "high:"), cases[i].managed / 8);
		/* a refill is at most the batch scaled by 2^5 */
		assert_true(movable(m, "count:") <= cases[i].batch << 5);
		audit_ok(m);
		memhp_region_free(r);
		memhp_machine_destroy(m);
	}
}

/*
 * decay_pcp_high: a short list's high loses an eighth a period (4032 ->
 * 3528 in the kernel's seed 591), never below high_min, the low watermark
 */
static void test_vmstat_update_decays_high(void **state)
{
	struct memhp_machine *m = one_cpu_movable(128 * MiB);
	struct memhp_region *r;
	long high = 4032;

	(void)state;
	assert_int_equal(memhp_region_alloc(m, 16384, 0, 0, &r), 0);
	assert_int_equal(movable(m, "high:"), high);
	memhp_vmstat_update(m);
	assert_int_equal(movable(m, "high:"), 3528);
	for (int i = 0; i < 64; i++) {
		memhp_vmstat_update(m);
		high = movable(m, "high:");
		assert_true(movable(m, "count:") <= high);
	}
	assert_int_equal(high, movable(m, "low"));
	audit_ok(m);
	memhp_region_free(r);
	memhp_machine_destroy(m);
}

/*
 * A process's exit frees its pages through the list: the list holds up
 * to pcp->high and gives a run's worth (free_count, at most 7 << 5) back
 * each time it gets there, so what stays is between high less that run
 * and high.  The free pages and the lists account for every page.
 */
static void test_exit_fills_list_to_high(void **state)
{
	struct memhp_machine *m = one_cpu_movable(128 * MiB);
	struct memhp_region *r;
	long before = zone_field(m, 0, "Movable", "free+pcp"), count;

	(void)state;
	assert_int_equal(memhp_region_alloc(m, 16384, 0, 0, &r), 0);
	memhp_region_free(r);
	count = movable(m, "count:");
	assert_int_equal(movable(m, "high:"), 4032);
	assert_true(count >= 4032 - (7 << 5) && count < 4032);
	assert_int_equal(zone_field(m, 0, "Movable", "free+pcp"), before);
	/*
	 * each period: high to the largest of count - 7 << 5 (the cap on
	 * what one period frees), high less an eighth, and high_min; the
	 * list drained down to it
	 */
	for (int period = 0; period < 2; period++) {
		long high = movable(m, "high:");

		count = movable(m, "count:");
		high = MAX(MAX(count - (7 << 5), high - (high >> 3)), movable(m, "low"));
		memhp_vmstat_update(m);
		assert_int_equal(movable(m, "high:"), high);
		assert_int_equal(movable(m, "count:"), MIN(count, high));
	}
	assert_int_equal(zone_field(m, 0, "Movable", "free+pcp"), before);
	audit_ok(m);
	memhp_machine_destroy(m);
}

/*
 * zone_pcp_disable sets the limits to 0 while an offline runs: the
 * targets it takes in the same zone pass through the list and leave its
 * high 0, so after zone_pcp_enable the next use clamps it to high_min
 * (the kernel's runs: pcp_high = low after offlines in the zone, seed 143)
 */
static void test_offline_resets_high_to_min(void **state)
{
	struct memhp_machine *m = one_cpu_movable(512 * MiB);
	struct memhp_region *r, *one;

	(void)state;
	assert_int_equal(memhp_region_alloc(m, 16384, 0, 0, &r), 0);
	assert_int_equal(memhp_region_alloc(m, 1, 0, 0, &one), 0);
	assert_int_equal(movable(m, "high:"), 129024 / 8);
	/* the process's pages in block 32 move to the zone's other blocks */
	assert_true(memhp_region_pfn(r, 0) / 32768 == 32 || memhp_region_pfn(r, 16383) / 32768 == 32);
	write_ok(m, MEM "memory32/state", "offline");
	/* a free clamps it and leaves it there (a refill would raise it by a batch) */
	memhp_region_free(one);
	assert_int_equal(movable(m, "high:"), movable(m, "low"));
	audit_ok(m);
	memhp_region_free(r);
	memhp_machine_destroy(m);
}

/*
 * A zone an allocation found under its high watermark (ZONE_BELOW_HIGH)
 * stops raising pcp->high on refills, and a run of frees takes it down to
 * high_min, until a drain finds the zone above the mark again: the
 * kernel's runs with the flag set show pcp_high = low after the process
 * and after its exit (seeds 28, 82, 87, 123).
 */
static void test_zone_below_high_keeps_high_down(void **state)
{
	struct memhp_machine *m = one_cpu_movable(128 * MiB);
	long wmark_high = movable(m, "high"), low = movable(m, "low");
	struct memhp_region *fill, *r;

	(void)state;
	/* down to a little above low: under the high watermark */
	assert_int_equal(memhp_region_alloc(m, (size_t)(zone_field(m, 0, "Movable", "free") - low - 64), 0, 0,
					    &fill), 0);
	assert_true(zone_field(m, 0, "Movable", "free") < wmark_high);
	memhp_region_free(fill);
	/* the exit's frees found the zone under the mark: high back to its minimum */
	assert_int_equal(movable(m, "high:"), low);
	assert_true(movable(m, "count:") < low);
	memhp_drain_pcp(m);
	assert_int_equal(memhp_region_alloc(m, 8192, 0, 0, &r), 0);
	/* a drain in the free run found the zone above the mark: refills raise it again */
	assert_int_equal(movable(m, "high:"), 32256 / 8);
	audit_ok(m);
	memhp_region_free(r);
	memhp_machine_destroy(m);
}

/*
 * zone_highsize splits the limits over the CPUs (every one is on node 0):
 * with two, each pageset's high_max is a sixteenth of the zone's managed
 * pages and high_min half the low watermark (at least 4 batches); the
 * batch does not depend on them.  The test runs on host CPU 0, which is
 * guest CPU 0's pageset.
 */
static void test_limits_split_over_cpus(void **state)
{
	struct memhp_machine *m = boot_machine_cpus("memory_hotplug.memmap_on_memory=1 "
						    "memhp_default_state=online_movable", 1 * GiB, 2);
	struct memhp_dimm_info info;
	struct memhp_region *r, *one;
	cpu_set_t cpu0, old;

	(void)state;
	assert_int_equal(sched_getaffinity(0, sizeof(old), &old), 0);
	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	assert_int_equal(sched_setaffinity(0, sizeof(cpu0), &cpu0), 0);
	assert_int_equal(memhp_dimm_add(m, "d1", 512 * MiB, 0, MEMHP_ADDR_AUTO, -1, &info), 0);
	assert_int_equal(movable(m, "batch:"), 31);
	assert_int_equal(memhp_region_alloc(m, 32768, 0, 0, &r), 0);
	assert_int_equal(memhp_region_alloc(m, 1, 0, 0, &one), 0);
	assert_int_equal(movable(m, "high:"), 129024 / 8 / 2);
	/* after an offline in the zone a free clamps high to high_min */
	write_ok(m, MEM "memory32/state", "offline");
	memhp_region_free(one);
	assert_int_equal(movable(m, "high:"), MAX(movable(m, "low") / 2, 31 << 2));
	audit_ok(m);
	memhp_region_free(r);
	memhp_machine_destroy(m);
	assert_int_equal(sched_setaffinity(0, sizeof(old), &old), 0);
}

struct free_on_going_offline {
	struct memhp_region *r;
	int calls;
};

/* frees the region while the offline has the zone's lists disabled, then vetoes it */
static int free_then_veto(void *arg, enum memhp_mem_action action, const struct memhp_memory_notify *mn)
{
	struct free_on_going_offline *f = arg;

	(void)mn;
	if (action != MEMHP_MEM_GOING_OFFLINE)
		return 0;
	f->calls++;
	memhp_region_free(f->r);
	return -EBUSY;
}

/*
 * A free through a disabled list is free_unref_page_commit with limits 0:
 * the page goes straight on to the buddy, and once the zone is above its
 * high watermark again ZONE_BELOW_HIGH is cleared - so after the offline
 * is over, refills raise pcp->high again (to high_max, an eighth of the
 * zone's 64512 pages); with the flag left set they would keep it at
 * high_min.
 */
static void test_free_while_disabled_clears_below_high(void **state)
{
	struct memhp_machine *m = one_cpu_movable(256 * MiB);
	long low = movable(m, "low");
	struct free_on_going_offline f = { 0 };
	struct memhp_region *r;

	(void)state;
	assert_int_equal(memhp_region_alloc(m, (size_t)(zone_field(m, 0, "Movable", "free") - low - 64), 0, 0,
					    &f.r), 0);
	assert_true(zone_field(m, 0, "Movable", "free") < movable(m, "high"));
	assert_int_equal(memhp_register_memory_notifier(m, free_then_veto, &f, 0), 0);
	assert_int_equal(writef(m, MEM "memory33/state", "offline"), -EBUSY);
	assert_int_equal(f.calls, 1);
	assert_int_equal(memhp_unregister_memory_notifier(m, free_then_veto, &f), 0);
	/* every page went to the buddy: nothing is left on the lists */
	assert_int_equal(movable(m, "count:"), 0);
	assert_int_equal(memhp_region_alloc(m, 16384, 0, 0, &r), 0);
	assert_int_equal(movable(m, "high:"), 64512 / 8);
	audit_ok(m);
	memhp_region_free(r);
	memhp_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_batch_and_high_max_follow_zone_size),
		cmocka_unit_test(test_vmstat_update_decays_high),
		cmocka_unit_test(test_exit_fills_list_to_high),
		cmocka_unit_test(test_offline_resets_high_to_min),
		cmocka_unit_test(test_zone_below_high_keeps_high_down),
		cmocka_unit_test(test_limits_split_over_cpus),
		cmocka_unit_test(test_free_while_disabled_clears_below_high),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
