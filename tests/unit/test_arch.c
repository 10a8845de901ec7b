// SPDX-License-Identifier: MIT
/*
 * test_arch.c - geometry decides memmap_on_memory (spec 2.1, 2.2): the x86
 * memory block size rule, the vmemmap size per block, and the support
 * checks that fence the feature off on arm64 with 64K pages, where a
 * block's 8 memmap pages are neither pageblock- nor PMD-aligned and force
 * would pad them to the whole block.
 */
#include <unistd.h>

#include "helpers.h"
#include "../../lib/internal.h"

static void test_x86_block_size_rule(void **state)
{
	(void)state;
	assert_int_equal(x86_probe_memory_block_size(0x3ffe0000ULL, false), 128 * MiB);
	assert_int_equal(x86_probe_memory_block_size(63 * GiB, false), 128 * MiB);
	assert_int_equal(x86_probe_memory_block_size(64 * GiB, false), 2 * GiB);
	assert_int_equal(x86_probe_memory_block_size(65 * GiB, false), 1 * GiB);
	assert_int_equal(x86_probe_memory_block_size(66 * GiB + 512 * MiB, false), 512 * MiB);
	assert_int_equal(x86_probe_memory_block_size(64 * GiB + 128 * MiB, false), 128 * MiB);
	assert_int_equal(x86_probe_memory_block_size(65 * GiB, true), 2 * GiB);
}

static struct memhp_machine *boot_arch(const char *arch, const char *cmdline, uint64_t mem)
{
	struct memhp_config c = { 0 };
	struct memhp_machine *m = NULL;

	c.arch = arch;
	c.cmdline = cmdline;
	c.mem = mem;
	c.max_phys = 256 * GiB;
	assert_int_equal(memhp_machine_create(&c, &m), 0);
	return m;
}

/*
 * A kernel image where KASLR could not have put it - over the initramfs
 * QEMU loads at the top of the RAM under 4 GiB - is refused, not booted
 * with the initramfs's free undoing the image's reservation.
 */
static void test_kernel_image_over_initrd(void **state)
{
	struct memhp_config c = { .arch = "x86_64", .mem = 512 * MiB, .max_phys = 256 * GiB };
	struct memhp_machine *m = NULL;

	(void)state;
	/* its 37 MiB end just under the RAM's, over the initramfs's last MiB */
	c.kernel_image_base = 474 * MiB;
	assert_int_equal(memhp_machine_create(&c, &m), -EINVAL);
	assert_null(m);
	c.initrd_size = MEMHP_NO_INITRD;	/* no initramfs: nothing to avoid */
	assert_int_equal(memhp_machine_create(&c, &m), 0);
	audit_ok(m);
	memhp_machine_destroy(m);
}

/*
 * QEMU loads the initramfs page-aligned under the top of the RAM below
 * 4G and stops with "initrd is too large" when it does not fit above the
 * first MiB (x86_load_linux): no machine, and the log says why.
 */
static void test_initrd_too_large(void **state)
{
	struct memhp_config c = { .arch = "x86_64", .mem = 512 * MiB, .max_phys = 256 * GiB };
	struct memhp_machine *m = NULL;

	(void)state;
	/* 512 MiB less SeaBIOS's 128K of tables and the first MiB */
	c.initrd_size = 512 * MiB - 128 * 1024 - MiB + 1;
	assert_int_equal(memhp_machine_create(&c, &m), -EINVAL);
	assert_null(m);
	c.initrd_size = 400 * MiB;
	assert_int_equal(memhp_machine_create(&c, &m), 0);
	audit_ok(m);
	memhp_machine_destroy(m);
}

static void test_profiles(void **state)
{
	static const struct {
		const char *arch, *cmdline;
		uint64_t page, block;
		unsigned long vmemmap;
		int supported;
	} cases[] = {
		{ "x86_64", "memory_hotplug.memmap_on_memory=1", 4096, 128 * MiB, 512, 1 },
		{ "x86_64", "memory_hotplug.memmap_on_memory=force", 4096, 128 * MiB, 512, 1 },
		{ "x86_64", "memory_hotplug.memmap_on_memory=0", 4096, 128 * MiB, 512, 0 },
		{ "arm64-4k", "memory_hotplug.memmap_on_memory=1", 4096, 128 * MiB, 512, 1 },
		/* 8192 pages x 64 B = 512 KiB = 32 pages of 16 KiB: not a pageblock (2048) */
		{ "arm64-16k", "memory_hotplug.memmap_on_memory=1", 16384, 128 * MiB, 32, 0 },
		/* force pads it to a pageblock, but 512 KiB is still no 32 MiB PMD */
		{ "arm64-16k", "memory_hotplug.memmap_on_memory=force", 16384, 128 * MiB, 2048, 0 },
		/* 8192 pages x 64 B = 512 KiB = 8 pages of 64 KiB */
		{ "arm64-64k", "memory_hotplug.memmap_on_memory=1", 65536, 512 * MiB, 8, 0 },
		/* force pads to a whole pageblock = the whole block: still refused */
		{ "arm64-64k", "memory_hotplug.memmap_on_memory=force", 65536, 512 * MiB, 8192, 0 },
	};
	struct memhp_config bad = { .arch = "sparc" };
	struct memhp_machine *m;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct memhp_geometry g;

		m = boot_arch(cases[i].arch, cases[i].cmdline, 1 * GiB);
		memhp_get_geometry(m, &g);
		assert_string_equal(g.arch, cases[i].arch);
		assert_int_equal(g.page_size, cases[i].page);
		assert_int_equal(g.block_size, cases[i].block);
		assert_int_equal(g.struct_page_size, 64);
		assert_int_equal(g.vmemmap_pages_per_block, cases[i].vmemmap);
		assert_int_equal(g.memmap_on_memory_supported, cases[i].supported);
		audit_ok(m);
		memhp_machine_destroy(m);
	}
	assert_int_equal(memhp_machine_create(&bad, &m), -EINVAL);
}

/*
 * build_all_zonelists turns grouping by mobility off when the pages above
 * the watermarks are fewer than a pageblock per migrate type: with 64 KiB
 * pages a pageblock is 8192 pages and Debian's arm64 kernel has six types
 * (MIGRATE_CMA), so a 2 GiB guest (33 792 pages present at the boot's
 * first build, counted as the arm64 profiles count them: memhp's boot
 * lines for 1 GiB, 69 632 and 278 528, are the 16K and 4K kernels') is
 * below 49 152 and a 4 GiB one above; x86's 512-page pageblocks and five
 * types need 2 560.
 */
static void test_mobility_grouping(void **state)
{
	static const struct {
		const char *arch;
		uint64_t mem;
		const char *line;
	} cases[] = {
		{ "arm64-64k", 2 * GiB, "Built 1 zonelists, mobility grouping off.  Total pages: 33792\n" },
		{ "arm64-64k", 4 * GiB, "Built 1 zonelists, mobility grouping on.  Total pages: 66560\n" },
		{ "x86_64", 1 * GiB, "Built 1 zonelists, mobility grouping on.  Total pages: 262014\n" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct memhp_machine *m = boot_arch(cases[i].arch, NULL, cases[i].mem);

		if (!log_has(m, cases[i].line))
			fail_msg("%s %llu MiB: no \"%s\"", cases[i].arch,
				 (unsigned long long)(cases[i].mem / MiB), cases[i].line);
		memhp_machine_destroy(m);
	}
}

/* where memmap_on_memory is fenced off the flag is only a hint: the add
 * falls back to a memmap from existing memory */
static void test_arm64_64k_fallback(void **state)
{
	struct memhp_machine *m = boot_arch("arm64-64k", "memory_hotplug.memmap_on_memory=force "
					    "memhp_default_state=offline", 2 * GiB);
	struct memhp_counters before, after;
	struct memhp_dimm_info info;
	struct memhp_geometry g;
	unsigned long free_before;

	(void)state;

	memhp_get_geometry(m, &g);
	memhp_counters(m, &before);
	free_before = free_all(m);
	/* a driver's add_memory (Debian's arm64 has no ACPI memory driver) */
	assert_int_equal(memhp_add_memory(m, 0, g.hotplug_base, 1 * GiB, MEMHP_MHP_MEMMAP_ON_MEMORY), 0);
	info.first_block = (unsigned long)(g.hotplug_base / g.block_size);
	info.last_block = (unsigned long)((g.hotplug_base + 1 * GiB - 1) / g.block_size);
	memhp_counters(m, &after);
	/* two 512 MiB blocks, 8 memmap pages each (base pages), from boot memory */
	assert_int_equal(info.last_block - info.first_block + 1, 2);
	assert_int_equal(free_before - free_all(m), 16);
	assert_int_equal(after.nr_memmap_pages - before.nr_memmap_pages, 16);
	{
		char path[96];

		snprintf(path, sizeof(path), "/sys/devices/system/memory/memory%lu/state", info.first_block);
		write_ok(m, path, "online_movable");
	}
	memhp_counters(m, &after);
	/* no vmemmap pages in the block: all 8192 pages are managed */
	assert_int_equal(after.totalram_pages - before.totalram_pages, 8192);
	audit_ok(m);
	{
		char path[96];

		snprintf(path, sizeof(path), "/sys/devices/system/memory/memory%lu/state", info.first_block);
		write_ok(m, path, "offline");
	}
	assert_int_equal(memhp_remove_memory(m, g.hotplug_base, 1 * GiB), 0);
	assert_int_equal(free_all(m), free_before);
	audit_ok(m);
	memhp_machine_destroy(m);
}

/* arm64 with 4K pages behaves like x86_64, on its own layout; a DIMM is
 * acknowledged by ACPI but never added: Debian's arm64 kernel has no
 * ACPI memory hotplug driver (the kernel's arm64-4k-hotadd run) */
static void test_arm64_4k(void **state)
{
	struct memhp_machine *m = boot_arch("arm64-4k", "memory_hotplug.memmap_on_memory=1", 1 * GiB);
	struct memhp_dimm_info info;
	struct memhp_counters before, after;
	struct memhp_geometry g;

	(void)state;
	memhp_get_geometry(m, &g);
	file_is(m, "/sys/devices/system/memory/block_size_bytes", "8000000\n");
	file_is(m, "/sys/devices/system/memory/auto_online_blocks", "offline\n");
	memhp_counters(m, &before);
	assert_int_equal(memhp_dimm_add(m, "d1", 256 * MiB, 0, MEMHP_ADDR_AUTO, -1, &info), 0);
	assert_false(info.enabled);
	memhp_counters(m, &after);
	assert_int_equal(after.totalram_pages, before.totalram_pages);
	assert_int_equal(memhp_dimm_remove(m, "d1"), 0);
	write_ok(m, "/sys/devices/system/memory/auto_online_blocks", "online_movable");
	assert_int_equal(memhp_add_memory(m, 0, g.hotplug_base, 256 * MiB, MEMHP_MHP_MEMMAP_ON_MEMORY), 0);
	memhp_counters(m, &after);
	assert_int_equal(after.totalram_pages - before.totalram_pages, 2 * 32256);
	assert_int_equal(after.nr_free_pages - before.nr_free_pages, 2 * 32256);
	audit_ok(m);
	assert_int_equal(memhp_offline_and_remove_memory(m, g.hotplug_base, 256 * MiB), 0);
	memhp_machine_destroy(m);
}

/* NUMA: boot memory split over nodes, a memory-less node brought online by
 * a hot-add and offlined again when its memory goes */
static void test_numa_nodes(void **state)
{
	struct memhp_config c = { 0 };
	struct memhp_machine *m;
	struct memhp_dimm_info info;

	(void)state;
	c.mem = 2 * GiB;
	c.max_phys = 256 * GiB;
	c.nr_nodes = 3;
	c.explicit_node_mem = 1;
	c.node_mem[0] = 1 * GiB;
	c.node_mem[1] = 1 * GiB;
	c.node_mem[2] = 0;
	c.cmdline = "memory_hotplug.memmap_on_memory=1 memhp_default_state=offline";
	assert_int_equal(memhp_machine_create(&c, &m), 0);
	file_is(m, "/sys/devices/system/node/possible", "0-2\n");
	file_is(m, "/sys/devices/system/node/online", "0-1\n");
	file_is(m, "/sys/devices/system/node/has_memory", "0-1\n");
	file_is(m, "/sys/devices/system/memory/memory8/valid_zones", "DMA32\n");
	{
		struct memhp_stat st;

		assert_int_equal(memhp_file_stat(m, "/sys/devices/system/memory/memory8/node1", &st), 0);
		assert_int_equal(st.type, MEMHP_FT_LINK);
		assert_string_equal(st.link, "../../node/node1");
	}
	assert_int_equal(memhp_dimm_add(m, "d1", 256 * MiB, 2, MEMHP_ADDR_AUTO, -1, &info), 0);
	file_is(m, "/sys/devices/system/node/online", "0-2\n");
	file_is(m, "/sys/devices/system/node/has_memory", "0-1\n");
	write_ok(m, "/sys/devices/system/memory/memory32/state", "online_movable");
	file_is(m, "/sys/devices/system/node/has_memory", "0-2\n");
	file_is(m, "/sys/devices/system/node/has_normal_memory", "0-1\n");
	write_ok(m, "/sys/devices/system/memory/memory33/state", "online_kernel");
	file_is(m, "/sys/devices/system/node/has_normal_memory", "0-2\n");
	audit_ok(m);
	write_ok(m, "/sys/devices/system/memory/memory33/state", "offline");
	write_ok(m, "/sys/devices/system/memory/memory32/state", "offline");
	file_is(m, "/sys/devices/system/node/has_memory", "0-1\n");
	assert_int_equal(memhp_dimm_remove(m, "d1"), 0);
	file_is(m, "/sys/devices/system/node/online", "0-1\n");
	audit_ok(m);
	memhp_machine_destroy(m);
}

static bool block_on_node(struct memhp_machine *m, int block, int node)
{
	struct memhp_stat st;
	char path[96];

	snprintf(path, sizeof(path), "/sys/devices/system/memory/memory%d/node%d", block, node);
	return !memhp_file_stat(m, path, &st) && st.type == MEMHP_FT_LINK;
}

static struct memhp_machine *boot_pxms(uint64_t n0, uint64_t n1, uint64_t n2)
{
	struct memhp_config c = { 0 };
	struct memhp_machine *m;

	c.max_phys = 256 * GiB;
	c.nr_nodes = 3;
	c.explicit_node_mem = 1;
	c.node_mem[0] = n0;
	c.node_mem[1] = n1;
	c.node_mem[2] = n2;
	c.cmdline = "memory_hotplug.memmap_on_memory=1";
	assert_int_equal(memhp_machine_create(&c, &m), 0);
	return m;
}

/*
 * QEMU's -numa nodes are proximity domains; the kernel numbers nodes in the
 * order SRAT first names them (CPU, boot memory, the hot-plug window on the
 * last PXM).  The expected values are the kernel's, recorded by the oracle
 * (tests/oracle/random seeds 3, 51 and 75).
 */
static void test_srat_pxm_nodes(void **state)
{
	struct memhp_dimm_info info;
	struct memhp_machine *m;

	(void)state;
	/* seed 3: numa 1536M 0 0 - PXM 1 is never named, PXM 2 is node 1 */
	m = boot_pxms(1536 * MiB, 0, 0);
	file_is(m, "/sys/devices/system/node/possible", "0-1\n");
	file_is(m, "/sys/devices/system/node/online", "0\n");
	assert_int_equal(memhp_dimm_add(m, "d1", 256 * MiB, 2, MEMHP_ADDR_AUTO, -1, &info), 0);
	assert_true(block_on_node(m, 32, 1) && block_on_node(m, 33, 1));
	/* _PXM 1: memory_add_physaddr_to_nid falls back to numa_meminfo.blk[0] */
	assert_int_equal(memhp_dimm_add(m, "d2", 256 * MiB, 1, MEMHP_ADDR_AUTO, -1, &info), 0);
	assert_true(block_on_node(m, 34, 0) && block_on_node(m, 35, 0));
	assert_int_equal(memhp_dimm_add(m, "d3", 128 * MiB, 3, MEMHP_ADDR_AUTO, -1, &info), -EINVAL);
	audit_ok(m);
	memhp_machine_destroy(m);
	/* seed 51: numa 1280M 0 256M - PXM 2 has memory: node 1 */
	m = boot_pxms(1280 * MiB, 0, 256 * MiB);
	file_is(m, "/sys/devices/system/node/possible", "0-1\n");
	file_is(m, "/sys/devices/system/node/has_memory", "0-1\n");
	assert_int_equal(memhp_dimm_add(m, "d1", 128 * MiB, 2, MEMHP_ADDR_AUTO, -1, &info), 0);
	assert_true(block_on_node(m, 32, 1));
	memhp_machine_destroy(m);
	/* seed 75: numa 2816M 256M 0 - every PXM named, nodes as PXMs */
	m = boot_pxms(2816 * MiB, 256 * MiB, 0);
	file_is(m, "/sys/devices/system/node/possible", "0-2\n");
	file_is(m, "/sys/devices/system/node/online", "0-1\n");
	assert_int_equal(memhp_dimm_add(m, "d1", 128 * MiB, 2, MEMHP_ADDR_AUTO, -1, &info), 0);
	assert_true(block_on_node(m, 32, 2));
	memhp_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_x86_block_size_rule),
		cmocka_unit_test(test_profiles),
		cmocka_unit_test(test_kernel_image_over_initrd),
		cmocka_unit_test(test_initrd_too_large),
		cmocka_unit_test(test_arm64_64k_fallback),
		cmocka_unit_test(test_mobility_grouping),
		cmocka_unit_test(test_arm64_4k),
		cmocka_unit_test(test_numa_nodes),
		cmocka_unit_test(test_srat_pxm_nodes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
