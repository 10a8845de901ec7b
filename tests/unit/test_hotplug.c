// SPDX-License-Identifier: MIT
/*
 * test_hotplug.c - hot-add and remove over real memory.
 *
 * The memory is real: pages written through the direct map are read back
 * from the device's file descriptor, the struct pages of a
 * memmap_on_memory block are found in the device's first pages, and
 * without memmap_on_memory the boot memory's free pages drop by exactly
 * the memmap size.  Every failure (ENOMEM part way, EINVAL, EEXIST, E2BIG,
 * EBUSY, injected faults at every step) leaves the machine exactly as it
 * was: same files, same counters, a clean audit.
 */
#include <sys/mman.h>
#include <unistd.h>

#include "helpers.h"
#include "../../lib/internal.h"

static int make_memfd(uint64_t size)
{
	int fd = memfd_create("test-dimm", MFD_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	return fd;
}

static uint64_t pattern(unsigned long pfn, size_t word)
{
	return (pfn * 0x9E3779B97F4A7C15ULL) ^ (word * 0xD1B54A32D192ED03ULL);
}

/* fill every free page of an onlined 1 GiB DIMM, read it back directly and
 * through the device's fd */
static void test_fill_free_pages(void **state)
{
	struct memhp_machine *m = boot_machine("memory_hotplug.memmap_on_memory=1", 1 * GiB);
	struct memhp_dimm_info info;
	int fd = make_memfd(1 * GiB);
	unsigned long filled = 0, free_before;
	struct memhp_counters c;

	(void)state;
	write_ok(m, "/sys/devices/system/memory/auto_online_blocks", "online_movable");
	assert_int_equal(memhp_dimm_add(m, "d1", 1 * GiB, 0, MEMHP_ADDR_AUTO, fd, &info), 0);
	assert_true(info.enabled);
	memhp_counters(m, &c);
	free_before = c.nr_free_pages;
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned long b = info.first_block; b <= info.last_block; b++) {
			unsigned long start, nr, nv;

			assert_int_equal(memhp_block_range(m, b, &start, &nr, &nv), 0);
			assert_int_equal(nv, 512);
			for (unsigned long pfn = start + nv; pfn < start + nr; pfn++) {
				uint64_t *p = memhp_pfn_to_virt(m, pfn);

				assert_non_null(p);
				if (!memhp_pfn_is_free(m, pfn))
					continue;
				if (pass == 0)
					filled++;
				if (pfn % SAN_SCALE)
					continue;	/* every page, except under TSan */
				for (size_t w = 0; w < 4096 / 8; w++) {
					if (!pass)
						p[w] = pattern(pfn, w);
					else if (p[w] != pattern(pfn, w))
						fail_msg("pfn %#lx word %zu lost its pattern", pfn, w);
				}
			}
		}
	}
	/* every free page of the Movable DIMM: 8 blocks x 32256 */
	assert_int_equal(filled, 8 * 32256);
	assert_int_equal(filled, free_before - (c.nr_free_pages - 8 * 32256) - 0);
	/* the same bytes, read from the device itself */
	for (unsigned long pfn = (info.addr >> 12) + 512; pfn < (info.addr >> 12) + 32768; pfn += 997 * SAN_SCALE) {
		uint64_t buf[512];

		assert_int_equal(pread(fd, buf, sizeof(buf), (off_t)((pfn << 12) - info.addr)), sizeof(buf));
		for (size_t w = 0; w < 512; w++)
			assert_true(buf[w] == pattern(pfn, w));
	}
	audit_ok(m);
	assert_int_equal(memhp_dimm_remove(m, "d1"), 0);
	audit_ok(m);
	memhp_machine_destroy(m);
	close(fd);
}

/* with memmap_on_memory, block k's struct pages are the device's first
 * 512 pages of that block: read them from the fd.  Until something needs
 * them they are not written at all (deferred_init.c): the device holds
 * zeros there, and the engine sees them through page_peek(). */
static void test_struct_pages_on_device(void **state)
{
	struct memhp_machine *m = boot_machine("memory_hotplug.memmap_on_memory=1", 1 * GiB);
	struct memhp_dimm_info info;
	int fd = make_memfd(256 * MiB);
	struct page *dev = malloc(32768 * sizeof(struct page));

	(void)state;
	assert_non_null(dev);
	assert_int_equal(memhp_dimm_add(m, "d1", 256 * MiB, 0, MEMHP_ADDR_AUTO, fd, &info), 0);
	for (unsigned long b = 0; b < 2; b++) {
		unsigned long base = (info.addr >> 12) + b * 32768;
		unsigned long vmemmap = 0, buddy = 0;

		if (pfn_memmap_deferred(m, base)) {
			assert_int_equal(pread(fd, dev, 32768 * sizeof(struct page), (off_t)(b * 128 * MiB)),
					 32768 * sizeof(struct page));
			for (unsigned long i = 0; i < 32768; i++)
				assert_int_equal(dev[i].flags, 0);	/* nothing written */
			assert_int_equal(deferred_init_block(m, find_memory_block_by_id(m, base / 32768)), 0);
		}
		assert_false(pfn_memmap_deferred(m, base));
		assert_int_equal(pread(fd, dev, 32768 * sizeof(struct page), (off_t)(b * 128 * MiB)),
				 32768 * sizeof(struct page));
		/* byte for byte what the engine sees at pfn_to_page() */
		assert_memory_equal(dev, pfn_to_page(m, base), 32768 * sizeof(struct page));
		for (unsigned long i = 0; i < 32768; i++) {
			assert_true(dev[i].flags & PG_init);
			assert_int_equal(dev[i].zone, ZONE_NORMAL);
			if (dev[i].flags & PG_vmemmap_self_hosted) {
				assert_true(i < 512);
				vmemmap++;
			}
			if (dev[i].flags & PG_buddy)
				buddy += 1UL << dev[i].order;
			if (dev[i].flags & PG_pcp)
				buddy++;	/* free too, in a per-cpu cache */
		}
		assert_int_equal(vmemmap, 512);
		/* the first Normal block also holds the kernel's own pages */
		assert_int_equal(buddy, b == 0 ? 32256 - 32 : 32256);
	}
	free(dev);
	memhp_machine_destroy(m);
	close(fd);
}

/* without memmap_on_memory the memmap is taken from existing memory */
static void test_memmap_from_boot_memory(void **state)
{
	static const struct { const char *cmdline; unsigned long drop; } cases[] = {
		{ "memory_hotplug.memmap_on_memory=0", 8 * 512 },
		{ "memory_hotplug.memmap_on_memory=1", 0 },
	};
	(void)state;
	for (size_t i = 0; i < 2; i++) {
		struct memhp_machine *m = boot_machine(cases[i].cmdline, 1 * GiB);
		struct memhp_counters before, after;
		struct memhp_dimm_info info;
		long dma32 = zone_field(m, 0, "DMA32", "free");

		write_ok(m, "/sys/devices/system/memory/auto_online_blocks", "offline");
		memhp_counters(m, &before);
		assert_int_equal(memhp_dimm_add(m, "d1", 1 * GiB, 0, MEMHP_ADDR_AUTO, -1, &info), 0);
		memhp_counters(m, &after);
		assert_int_equal(before.nr_free_pages - after.nr_free_pages, cases[i].drop);
		assert_int_equal(dma32 - zone_field(m, 0, "DMA32", "free"), (long)cases[i].drop);
		assert_int_equal(after.totalram_pages, before.totalram_pages);
		assert_int_equal(after.nr_memmap_pages - before.nr_memmap_pages, 4096);
		audit_ok(m);
		assert_int_equal(memhp_dimm_remove(m, "d1"), 0);
		/* the memmap's 2 MiB chunks were freed to the pageblock-order pcp lists */
		memhp_drain_pcp(m);
		memhp_counters(m, &after);
		assert_int_equal(after.nr_free_pages, before.nr_free_pages);
		assert_int_equal(after.nr_memmap_pages, before.nr_memmap_pages);
		audit_ok(m);
		memhp_machine_destroy(m);
	}
}

/* 64 GiB on a 1 GiB machine: fits with memmap_on_memory, and the whole
 * thing comes back out leaving the machine as it was */
static void test_64g_with_memmap_on_memory(void **state)
{
	struct memhp_machine *m = boot_machine("memory_hotplug.memmap_on_memory=1", 1 * GiB);
	struct memhp_counters before, after;
	struct memhp_dimm_info info;
	/* 64 GiB; an eighth of it under ThreadSanitizer (SAN_SCALE) */
	const unsigned long blocks = 512 / SAN_SCALE;
	char *snap;

	(void)state;
	write_ok(m, "/sys/devices/system/memory/auto_online_blocks", "online_movable");
	settle_watermarks(m);
	snap = machine_snapshot(m);
	memhp_counters(m, &before);
	assert_int_equal(memhp_dimm_add(m, "big", blocks * 128 * MiB, 0, MEMHP_ADDR_AUTO, -1, &info), 0);
	assert_true(info.enabled);
	assert_int_equal(info.last_block - info.first_block + 1, blocks);
	memhp_counters(m, &after);
	assert_int_equal(after.totalram_pages - before.totalram_pages, blocks * 32256);
	assert_int_equal(after.nr_memmap_pages - before.nr_memmap_pages, blocks * 512);
	/* not one page of existing memory went to the 1 GiB of struct pages */
	assert_int_equal(after.nr_free_pages - before.nr_free_pages, blocks * 32256);
	assert_int_equal(zone_field(m, 0, "Movable", "present"), (long)blocks * 32768);
	audit_ok(m);
	assert_int_equal(memhp_dimm_remove(m, "big"), 0);
	assert_unchanged(m, snap);
	free(snap);
	memhp_machine_destroy(m);
}

/* without it the same add needs 1 GiB of struct pages that a 1 GiB machine
 * does not have: -ENOMEM part way, everything rolled back */
static void test_64g_without_memmap_on_memory(void **state)
{
	struct memhp_machine *m = boot_machine("memory_hotplug.memmap_on_memory=0", 1 * GiB);
	struct memhp_dimm_info info;
	char *snap = machine_snapshot(m);
	static char log[1 << 16];
	uint64_t seq = 0;

	(void)state;
	assert_int_equal(memhp_dimm_add(m, "big", 64 * GiB, 0, MEMHP_ADDR_AUTO, -1, &info), 0);
	assert_false(info.enabled);
	assert_int_equal(info.add_error, -ENOMEM);
	assert_unchanged(m, snap);
	memhp_log_read(m, &seq, log, sizeof(log));
	assert_non_null(strstr(log, "acpi PNP0C80:00: add_memory failed"));
	/* the direct call says it too */
	assert_int_equal(memhp_add_memory(m, 0, 32 * GiB, 64 * GiB, MEMHP_MHP_MEMMAP_ON_MEMORY), -ENOMEM);
	assert_unchanged(m, snap);
	assert_int_equal(memhp_dimm_remove(m, "big"), 0);
	free(snap);
	memhp_machine_destroy(m);
}

/*
 * An add whose mappings cannot fit vm.max_map_count is refused up front:
 * one per section for a memmap in boot memory.  A memmap on the memory
 * itself is mapped block by block when first needed, so its add is not.
 */
static void test_map_budget(void **state)
{
	struct memhp_config c = { .mem = 1 * GiB, .maxmem = 80 * GiB, .max_map_count = 100, .max_phys = 128 * GiB,
				  .cmdline = "memory_hotplug.memmap_on_memory=0" };
	struct memhp_machine *m = NULL;
	struct memhp_dimm_info info;
	static char log[1 << 16];
	uint64_t seq = 0;
	char *snap;

	(void)state;
	assert_int_equal(memhp_machine_create(&c, &m), 0);
	snap = machine_snapshot(m);
	/* 512 blocks: 512 memmap mappings, more than the budget of 100 */
	assert_int_equal(memhp_dimm_add(m, "big", 64 * GiB, 0, MEMHP_ADDR_AUTO, -1, &info), 0);
	assert_false(info.enabled);
	assert_int_equal(info.add_error, -ENOMEM);
	assert_unchanged(m, snap);
	memhp_log_read(m, &seq, log, sizeof(log));
	{
		/* one per section, as far as the machine's free memory holds memmaps */
		struct memhp_counters cnt;
		char want[64];

		memhp_counters(m, &cnt);
		snprintf(want, sizeof(want), "needs about %lu mappings", MIN(514UL, cnt.nr_free_pages / 512 + 2));
		assert_non_null(strstr(log, want));
	}
	assert_non_null(strstr(log, "vm.max_map_count 100"));
	/* a small add is not counted (reading /proc/self/maps costs more) */
	assert_int_equal(map_budget_check(m, 1 * GiB, true), 0);
	assert_int_equal(map_budget_check(m, 64 * GiB, true), -ENOMEM);
	audit_ok(m);
	free(snap);
	memhp_machine_destroy(m);

	c.cmdline = "memory_hotplug.memmap_on_memory=1";
	assert_int_equal(memhp_machine_create(&c, &m), 0);
	assert_int_equal(memhp_dimm_add(m, "big", 16 * GiB, 0, MEMHP_ADDR_AUTO, -1, &info), 0);
	assert_true(info.enabled);	/* 128 blocks, none mapped yet */
	audit_ok(m);
	memhp_machine_destroy(m);
}

static void test_add_remove_errors(void **state)
{
	struct memhp_machine *m = boot_machine("memory_hotplug.memmap_on_memory=1", 1 * GiB);
	const uint64_t base = 8 * GiB;
	char *snap;

	(void)state;
	settle_watermarks(m);
	snap = machine_snapshot(m);
	/* check_hotplug_memory_range */
	assert_int_equal(memhp_add_memory(m, 0, base + 64 * MiB, 128 * MiB, 0), -EINVAL);
	assert_int_equal(memhp_add_memory(m, 0, base, 64 * MiB, 0), -EINVAL);
	/* mhp_range_allowed comes first: an empty range is out of range */
	assert_int_equal(memhp_add_memory(m, 0, base, 0, 0), -E2BIG);
	/* !node_possible */
	assert_int_equal(memhp_add_memory(m, 3, base, 128 * MiB, 0), -EINVAL);
	/* beyond the pluggable range */
	assert_int_equal(memhp_add_memory(m, 0, 1ULL << 50, 128 * MiB, 0), -E2BIG);
	/* overlap with boot memory: the region is busy */
	assert_int_equal(memhp_add_memory(m, 0, 0, 128 * MiB, 0), -EEXIST);
	assert_unchanged(m, snap);

	write_ok(m, "/sys/devices/system/memory/auto_online_blocks", "offline");
	assert_int_equal(memhp_add_memory(m, 0, base, 256 * MiB, MEMHP_MHP_MEMMAP_ON_MEMORY), 0);
	assert_int_equal(memhp_add_memory(m, 0, base, 256 * MiB, 0), -EEXIST);
	/* a second range right behind it, without altmaps */
	assert_int_equal(memhp_add_memory(m, 0, base + 256 * MiB, 128 * MiB, 0), 0);
	/* memory_blocks_have_altmaps: a mix is refused */
	assert_int_equal(memhp_remove_memory(m, base, 384 * MiB), -EINVAL);
	/* an online block makes removal EBUSY */
	assert_int_equal(memhp_block_online(m, 65, MEMHP_MMOP_ONLINE_MOVABLE), 0);
	assert_int_equal(memhp_remove_memory(m, base, 256 * MiB), -EBUSY);
	assert_int_equal(memhp_block_offline(m, 65), 0);
	/* block-aligned pieces of one add can go one by one */
	assert_int_equal(memhp_remove_memory(m, base + 128 * MiB, 128 * MiB), 0);
	assert_int_equal(memhp_remove_memory(m, base, 128 * MiB), 0);
	assert_int_equal(memhp_remove_memory(m, base + 256 * MiB, 128 * MiB), 0);
	/* removing nothing is not an error, and counts nothing twice */
	assert_int_equal(memhp_remove_memory(m, base, 1 * GiB), 0);
	write_ok(m, "/sys/devices/system/memory/auto_online_blocks", "online");
	assert_unchanged(m, snap);
	free(snap);
	memhp_machine_destroy(m);
}

/* offline_and_remove_memory: on failure every block it offlined comes back
 * in its previous zone type */
static void test_offline_and_remove(void **state)
{
	struct memhp_machine *m = boot_machine("memory_hotplug.memmap_on_memory=1", 1 * GiB);
	const uint64_t base = 4 * GiB;
	char *snap;

	(void)state;
	write_ok(m, "/sys/devices/system/memory/auto_online_blocks", "offline");
	assert_int_equal(memhp_add_memory(m, 0, base, 512 * MiB, MEMHP_MHP_MEMMAP_ON_MEMORY), 0);
	/* 33 in Normal first: it receives the kernel's own pages */
	assert_int_equal(memhp_block_online(m, 33, MEMHP_MMOP_ONLINE_KERNEL), 0);
	assert_int_equal(memhp_block_online(m, 32, MEMHP_MMOP_ONLINE_MOVABLE), 0);
	assert_int_equal(memhp_block_online(m, 34, MEMHP_MMOP_ONLINE_MOVABLE), 0);
	snap = machine_snapshot(m);
	assert_int_equal(memhp_offline_and_remove_memory(m, base, 512 * MiB), -EBUSY);
	assert_unchanged(m, snap);
	file_is(m, "/sys/devices/system/memory/memory32/valid_zones", "Movable\n");
	free(snap);
	memhp_machine_destroy(m);
}

/* fail the n-th fallible step of an add, for every n: nothing may change */
static void fault_sweep_add(const char *cmdline)
{
	struct memhp_machine *m = boot_machine(cmdline, 1 * GiB);
	char *snap = machine_snapshot(m);
	unsigned long nth, failures = 0;

	for (nth = 1; nth < 200; nth++) {
		int ret;

		memhp_fault_inject(m, nth);
		ret = memhp_add_memory(m, 0, 4 * GiB, 512 * MiB, MEMHP_MHP_MEMMAP_ON_MEMORY);
		memhp_fault_inject(m, 0);
		if (!ret)
			break;
		/* -ENOMEM, or -EEXIST when the resource request is the step */
		assert_true(ret == -ENOMEM || ret == -EEXIST);
		failures++;
		assert_unchanged(m, snap);
	}
	assert_true(failures >= 5);
	assert_true(nth < 200);
	audit_ok(m);
	free(snap);
	memhp_machine_destroy(m);
}

static void test_fault_sweep_add(void **state)
{
	(void)state;
	fault_sweep_add("memory_hotplug.memmap_on_memory=1 memhp_default_state=offline");
	fault_sweep_add("memory_hotplug.memmap_on_memory=0 memhp_default_state=offline");
}

/* and of an online: the block stays offline, the machine unchanged */
static void test_fault_sweep_online(void **state)
{
	struct memhp_machine *m = boot_machine("memory_hotplug.memmap_on_memory=1 memhp_default_state=offline",
					       1 * GiB);
	unsigned long nth, failures = 0;
	char *snap;

	(void)state;
	assert_int_equal(memhp_add_memory(m, 0, 4 * GiB, 128 * MiB, MEMHP_MHP_MEMMAP_ON_MEMORY), 0);
	snap = machine_snapshot(m);
	for (nth = 1; nth < 50; nth++) {
		ssize_t ret;

		memhp_fault_inject(m, nth);
		ret = writef(m, "/sys/devices/system/memory/memory32/state", "online_movable");
		memhp_fault_inject(m, 0);
		if (ret > 0)
			break;
		assert_int_equal(ret, -ENOMEM);
		failures++;
		assert_unchanged(m, snap);
	}
	assert_true(failures >= 1);
	file_is(m, "/sys/devices/system/memory/memory32/state", "online\n");
	free(snap);
	memhp_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fill_free_pages),
		cmocka_unit_test(test_struct_pages_on_device),
		cmocka_unit_test(test_memmap_from_boot_memory),
		cmocka_unit_test(test_64g_with_memmap_on_memory),
		cmocka_unit_test(test_64g_without_memmap_on_memory),
		cmocka_unit_test(test_map_budget),
		cmocka_unit_test(test_add_remove_errors),
		cmocka_unit_test(test_offline_and_remove),
		cmocka_unit_test(test_fault_sweep_add),
		cmocka_unit_test(test_fault_sweep_online),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
