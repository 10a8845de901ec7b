// SPDX-License-Identifier: MIT
/*
 * test_dax.c - dax regions, the kmem driver and the auto-movable policy
 * (spec 1.7, 2.11, 2.16, checklist 24-25 and 61-65).
 */
#include <sys/mman.h>
#include <unistd.h>

#include "helpers.h"
#include "../../lib/internal.h"

#define DAX "/sys/bus/dax"

static struct memhp_machine *boot_cfg(const char *cmdline, unsigned int nodes, const uint64_t *mem)
{
	struct memhp_config c = { 0 };
	struct memhp_machine *m = NULL;

	c.cmdline = cmdline;
	c.max_phys = 256 * GiB;
	c.nr_nodes = nodes;
	if (mem) {
		c.explicit_node_mem = 1;
		for (unsigned int i = 0; i < nodes; i++)
			c.node_mem[i] = mem[i];
	} else {
		c.mem = 1 * GiB;
	}
	assert_int_equal(memhp_machine_create(&c, &m), 0);
	return m;
}

/* a 3-block cxl device: with memmap_on_memory its struct pages are on the
 * device, without it in DRAM */
static void test_cxl_memmap_placement(void **state)
{
	(void)state;
	for (int mmom = 0; mmom < 2; mmom++) {
		struct memhp_machine *m = boot_cfg(mmom ? "memory_hotplug.memmap_on_memory=1 memhp_default_state=online_movable"
						       : "memory_hotplug.memmap_on_memory=0 memhp_default_state=online_movable",
						   1, NULL);
		struct memhp_dax_info info;
		int fd = memfd_create("cxl", MFD_CLOEXEC);
		unsigned long dram_before = free_all(m);
		struct page first;
		char path[128];

		assert_int_equal(ftruncate(fd, 384 * MiB), 0);
		assert_int_equal(memhp_dax_region_create(m, MEMHP_DAX_CXL, 384 * MiB, 0, 0, MEMHP_ADDR_AUTO, fd,
							 &info), 0);
		assert_string_equal(info.dev, "dax0.0");
		assert_int_equal(info.driver, 2);	/* kmem, at once */
		snprintf(path, sizeof(path), DAX "/devices/dax0.0/memmap_on_memory");
		/* cxl defaults to 1; the flag is a hint the core may not take */
		file_is(m, path, "1\n");
		file_is(m, DAX "/devices/dax0.0/size", "402653184\n");
		{
			struct memhp_stat st;

			/* the driver-core layout: the bus entry links to the
			 * region's platform device, whose driver link goes back */
			assert_int_equal(memhp_file_stat(m, DAX "/devices/dax0.0", &st), 0);
			assert_int_equal(st.type, MEMHP_FT_LINK);
			assert_string_equal(st.link, "../../../devices/platform/dax_region.0/dax0.0");
			assert_int_equal(memhp_file_stat(m, DAX "/devices/dax0.0/driver", &st), 0);
			assert_string_equal(st.link, "../../../../bus/dax/drivers/kmem");
			assert_int_equal(memhp_file_stat(m, "/sys/dev/char/60:0", &st), 0);
			assert_string_equal(st.link, "../../devices/platform/dax_region.0/dax0.0");
			file_is(m, "/sys/devices/platform/dax_region.0/dax_region/size", "402653184\n");
			file_is(m, "/sys/devices/platform/dax_region.0/dax0.0/dev", "60:0\n");
			file_is(m, "/sys/module/kmem/initstate", "live\n");
			assert_int_equal(memhp_file_stat(m, "/sys/devices/platform/dax_region.1", &st), -ENOENT);
			assert_int_equal(memhp_file_stat(m, "/sys/dev/char/60:16", &st), -ENOENT);
		}
		/* the first struct page of the device's first block, once written */
		if (mmom)
			assert_int_equal(deferred_init_block(m, find_memory_block_by_id(m, info.start / (128 * MiB))), 0);
		assert_int_equal(pread(fd, &first, sizeof(first), 0), sizeof(first));
		if (mmom) {
			assert_true(first.flags & PG_vmemmap_self_hosted);
			assert_int_equal(free_all(m) - dram_before, 3UL * 32256);
		} else {
			assert_int_equal(first.flags, 0);	/* untouched: data page */
			assert_int_equal(dram_before + 3UL * 32768 - free_all(m), 3 * 512);
		}
		audit_ok(m);
		/* unbind with everything offline: memory and resources go */
		for (unsigned long b = info.start / (128 * MiB); b < info.start / (128 * MiB) + 3; b++) {
			snprintf(path, sizeof(path), "/sys/devices/system/memory/memory%lu/state", b);
			write_ok(m, path, "offline");
		}
		write_ok(m, DAX "/drivers/kmem/unbind", "dax0.0\n");
		assert_int_equal(memhp_block_ids(m, NULL, 0), 8);
		assert_int_equal(free_all(m), dram_before);
		assert_int_equal(memhp_dax_region_destroy(m, info.region_id), 0);
		audit_ok(m);
		memhp_machine_destroy(m);
		close(fd);
	}
}

static void test_memmap_attribute(void **state)
{
	struct memhp_machine *m = boot_cfg("memory_hotplug.memmap_on_memory=1 memhp_default_state=offline", 1, NULL);
	struct memhp_machine *off = boot_cfg("memory_hotplug.memmap_on_memory=0", 1, NULL);
	struct memhp_dax_info info;

	(void)state;
	assert_int_equal(memhp_dax_region_create(m, MEMHP_DAX_PMEM, 256 * MiB, 0, 0, MEMHP_ADDR_AUTO, -1, &info), 0);
	file_is(m, DAX "/devices/dax0.0/memmap_on_memory", "0\n");	/* pmem default */
	assert_int_equal(writef(m, DAX "/devices/dax0.0/memmap_on_memory", "maybe"), -EINVAL);
	write_ok(m, DAX "/devices/dax0.0/memmap_on_memory", "yes\n");	/* bound to device_dax: fine */
	file_is(m, DAX "/devices/dax0.0/memmap_on_memory", "1\n");
	assert_int_equal(writef(m, DAX "/devices/dax0.0/size", "1"), -EACCES);
	assert_int_equal(writef(m, DAX "/drivers/kmem/bind", "dax0.0"), -ENODEV);	/* bound */
	write_ok(m, DAX "/drivers/device_dax/unbind", "dax0.0");
	assert_int_equal(writef(m, DAX "/drivers/device_dax/unbind", "dax0.0"), -ENODEV);
	/* pmem is not KMEM type: kmem binds it only by id */
	assert_int_equal(writef(m, DAX "/drivers/kmem/bind", "dax0.0"), -ENODEV);
	assert_int_equal(writef(m, DAX "/drivers/kmem/new_id", "dax0.0x"), -EINVAL);
	assert_int_equal(writef(m, DAX "/drivers/kmem/new_id", "foo"), -EINVAL);
	write_ok(m, DAX "/drivers/kmem/new_id", "dax0.0\n");
	{
		struct memhp_stat st;

		assert_int_equal(memhp_file_stat(m, DAX "/drivers/kmem/dax0.0", &st), 0);
		assert_int_equal(st.type, MEMHP_FT_LINK);
	}
	/* while kmem owns it: the same value is fine, a change is EBUSY */
	write_ok(m, DAX "/devices/dax0.0/memmap_on_memory", "1");
	assert_int_equal(writef(m, DAX "/devices/dax0.0/memmap_on_memory", "0"), -EBUSY);
	write_ok(m, DAX "/drivers/kmem/unbind", "dax0.0");
	write_ok(m, DAX "/devices/dax0.0/memmap_on_memory", "0");
	audit_ok(m);

	/* =1 where the core cannot do it: EOPNOTSUPP, =0 always fine */
	assert_int_equal(memhp_dax_region_create(off, MEMHP_DAX_HMEM, 256 * MiB, 0, 0, MEMHP_ADDR_AUTO, -1, &info), 0);
	assert_int_equal(writef(off, DAX "/devices/dax0.0/memmap_on_memory", "1"), -EOPNOTSUPP);
	write_ok(off, DAX "/devices/dax0.0/memmap_on_memory", "0");
	memhp_machine_destroy(m);
	memhp_machine_destroy(off);
}

/* every fallible step of a 3-block kmem bind, failed in turn */
static void test_kmem_fault_sweep(void **state)
{
	struct memhp_machine *m = boot_cfg("memory_hotplug.memmap_on_memory=1 memhp_default_state=offline", 1, NULL);
	struct memhp_dax_info info;
	unsigned long nth, failed = 0;
	char *snap;

	(void)state;
	assert_int_equal(memhp_dax_region_create(m, MEMHP_DAX_PMEM, 384 * MiB, 0, 0, MEMHP_ADDR_AUTO, -1, &info), 0);
	write_ok(m, DAX "/drivers/device_dax/unbind", "dax0.0");
	write_ok(m, DAX "/devices/dax0.0/memmap_on_memory", "1");
	snap = machine_snapshot(m);
	for (nth = 1; nth < 200; nth++) {
		ssize_t ret;

		memhp_fault_inject(m, nth);
		ret = writef(m, DAX "/drivers/kmem/new_id", "dax0.0");
		memhp_fault_inject(m, 0);
		if (dax_driver_of(m, "dax0.0") == DAX_DRV_KMEM)
			break;
		(void)ret;
		failed++;
		assert_unchanged(m, snap);
		write_ok(m, DAX "/drivers/kmem/remove_id", "dax0.0");
	}
	/* with blocks 1 and 2 of 3 among the failures, rolled back each time */
	assert_true(failed >= 3 * 3);
	assert_int_equal(memhp_block_ids(m, NULL, 0), 8 + 3);
	print_message("kmem bind: %lu failing steps rolled back\n", failed);
	free(snap);
	memhp_machine_destroy(m);
}

/* unbind with an online block: the unbind completes, the range stays */
static void test_unbind_online(void **state)
{
	struct memhp_machine *m = boot_cfg("memory_hotplug.memmap_on_memory=1 memhp_default_state=online_movable", 1, NULL);
	struct memhp_dax_info info;
	static char log[1 << 16];
	uint64_t seq = 0;

	(void)state;
	assert_int_equal(memhp_dax_region_create(m, MEMHP_DAX_CXL, 384 * MiB, 0, 0, MEMHP_ADDR_AUTO, -1, &info), 0);
	write_ok(m, DAX "/drivers/kmem/unbind", "dax0.0");
	assert_int_equal(memhp_block_ids(m, NULL, 0), 8 + 3);
	memhp_log_read(m, &seq, log, sizeof(log));
	assert_non_null(strstr(log, "cannot be hotremoved until the next reboot"));
	assert_null(readf(m, DAX "/devices/dax0.0/driver"));
	/* the resources stay: a rebind fails */
	assert_int_equal(writef(m, DAX "/drivers/kmem/bind", "dax0.0"), -EBUSY);
	assert_int_equal(memhp_dax_region_destroy(m, info.region_id), -EBUSY);
	audit_ok(m);
	memhp_machine_destroy(m);
}

/* auto-movable: ratio 0, 100, 301, with and without NUMA awareness, for a
 * 768 MiB device on node 1 whose boot memory is 512 MiB (131040 pages of
 * early kernel memory there, 393k in all) */
static void test_auto_movable(void **state)
{
	static const struct { const char *ratio, *aware, *zone; } cases[] = {
		{ "0", "Y", "Normal" },
		{ "100", "Y", "Normal" },	/* node 1: 196608 > 131040 */
		{ "100", "N", "Movable" },	/* all nodes: 196608 <= 393k */
		{ "301", "Y", "Movable" },	/* node 1: 196608 <= 394430 */
	};
	static const uint64_t mem[2] = { 1536 * MiB, 512 * MiB };

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char cmdline[256];
		struct memhp_machine *m;
		struct memhp_dax_info info;
		char path[128];

		snprintf(cmdline, sizeof(cmdline), "memory_hotplug.memmap_on_memory=1 memhp_default_state=online "
			 "memory_hotplug.online_policy=auto-movable memory_hotplug.auto_movable_ratio=%s "
			 "memory_hotplug.auto_movable_numa_aware=%s", cases[i].ratio, cases[i].aware);
		m = boot_cfg(cmdline, 2, mem);
		assert_int_equal(zone_field(m, 1, "DMA32", "present"), 131040);
		assert_int_equal(memhp_dax_region_create(m, MEMHP_DAX_CXL, 768 * MiB, 1, 0, MEMHP_ADDR_AUTO, -1,
							 &info), 0);
		for (unsigned long b = info.start / (128 * MiB); b < info.start / (128 * MiB) + 6; b++) {
			char want[32];

			snprintf(path, sizeof(path), "/sys/devices/system/memory/memory%lu/valid_zones", b);
			snprintf(want, sizeof(want), "%s\n", cases[i].zone);
			file_is(m, path, want);
			snprintf(path, sizeof(path), "/sys/devices/system/memory/memory%lu/node1", b);
			assert_int_equal(memhp_file_stat(m, path, &(struct memhp_stat){ 0 }), 0);
		}
		audit_ok(m);
		memhp_machine_destroy(m);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cxl_memmap_placement),
		cmocka_unit_test(test_memmap_attribute),
		cmocka_unit_test(test_kmem_fault_sweep),
		cmocka_unit_test(test_unbind_online),
		cmocka_unit_test(test_auto_movable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
