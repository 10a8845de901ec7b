// SPDX-License-Identifier: MIT
/*
 * test_dax.c - dax regions, the kmem driver and the auto-movable policy
 * (spec 1.7, 2.11, 2.16, checklist 24-25 and 61-65).
 */
#include <pthread.h>
#include <stdatomic.h>
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


/* ---- dynamic dax: an hmem region partitioned through its files (bus.c) ---- */

#define HMEM "/sys/devices/platform/hmem.0"
#define HBASE 0x140000000ULL

/* 1 GiB of soft-reserved memory at 5 GiB: dax_hmem's hmem.0, dax0.0 unbound from kmem */
static struct memhp_machine *boot_hmem(void)
{
	struct memhp_machine *m = boot_cfg("memmap=1G%0x140000000+0xefffffff memhp_default_state=offline", 1, NULL);

	write_ok(m, DAX "/drivers/kmem/unbind", "dax0.0");
	return m;
}

static void mapping_is(struct memhp_machine *m, const char *dev, int n, uint64_t start, uint64_t end,
		       uint64_t pgoff)
{
	char path[128], want[64];

	snprintf(path, sizeof(path), DAX "/devices/%s/mapping%d/start", dev, n);
	snprintf(want, sizeof(want), "%#llx\n", (unsigned long long)start);
	file_is(m, path, want);
	snprintf(path, sizeof(path), DAX "/devices/%s/mapping%d/end", dev, n);
	snprintf(want, sizeof(want), "%#llx\n", (unsigned long long)end);
	file_is(m, path, want);
	snprintf(path, sizeof(path), DAX "/devices/%s/mapping%d/page_offset", dev, n);
	snprintf(want, sizeof(want), "%#llx\n", (unsigned long long)pgoff);
	file_is(m, path, want);
}

static bool exists(struct memhp_machine *m, const char *path)
{
	struct memhp_stat st;

	return memhp_file_stat(m, path, &st) == 0;
}

struct names {
	char buf[1024];
};

/* appends the file's text, without its newline, to out */
static void cat_file(struct memhp_machine *m, char *out, size_t len, const char *path)
{
	char *text = readf(m, "%s", path);

	snprintf(out + strlen(out), len - strlen(out), "%.*s ", text ? (int)strcspn(text, "\n") : 1,
		 text ? text : "?");
	free(text);
}

static bool file_has(struct memhp_machine *m, const char *path, const char *what)
{
	char *text = readf(m, "%s", path);
	bool ret = text && strstr(text, what);

	free(text);
	return ret;
}

static int add_name(void *arg, const char *name, const struct memhp_stat *st)
{
	struct names *n = arg;

	(void)st;
	snprintf(n->buf + strlen(n->buf), sizeof(n->buf) - strlen(n->buf), "%s,", name);
	return 0;
}

/* everything the region's partitioning shows: devices, sizes, ranges, seed */
static char *dax_state(struct memhp_machine *m)
{
	struct names devs = { "" };
	char *out = calloc(1, 8192), *save = NULL;

	memhp_file_list(m, DAX "/devices", add_name, &devs);
	snprintf(out, 8192, "devs %s ", devs.buf);
	cat_file(m, out, 8192, HMEM "/dax_region/available_size");
	cat_file(m, out, 8192, HMEM "/dax_region/seed");
	cat_file(m, out, 8192, HMEM "/dax_region/create");
	for (char *d = strtok_r(devs.buf, ",", &save); d; d = strtok_r(NULL, ",", &save)) {
		struct names maps = { "" };
		char path[128], file[160];

		snprintf(path, sizeof(path), DAX "/devices/%s", d);
		memhp_file_list(m, path, add_name, &maps);
		snprintf(out + strlen(out), 8192 - strlen(out), "%s: %s ", d, maps.buf);
		snprintf(file, sizeof(file), "%s/size", path);
		cat_file(m, out, 8192, file);
		snprintf(file, sizeof(file), "%s/align", path);
		cat_file(m, out, 8192, file);
		for (int i = 0; i < 8; i++) {
			static const char *const attrs[] = { "start", "end", "page_offset" };

			for (int j = 0; j < 3; j++) {
				snprintf(file, sizeof(file), "%s/mapping%d/%s", path, i, attrs[j]);
				if (exists(m, file))
					cat_file(m, out, 8192, file);
			}
		}
	}
	return out;
}

/* the region dax_hmem makes of memmap=nn%ss+0xefffffff, where the kernel has it */
static void test_hmem_boot(void **state)
{
	struct memhp_machine *m = boot_cfg("memmap=1G%0x140000000+0xefffffff memhp_default_state=offline", 1, NULL);
	struct memhp_stat st;

	(void)state;
	assert_int_equal(memhp_file_stat(m, DAX "/devices/dax0.0", &st), 0);
	assert_string_equal(st.link, "../../../devices/platform/hmem.0/dax0.0");
	assert_int_equal(memhp_file_stat(m, "/sys/dev/char/60:0", &st), 0);
	assert_string_equal(st.link, "../../devices/platform/hmem.0/dax0.0");
	assert_int_equal(memhp_file_stat(m, "/sys/devices/platform/dax_region.0", &st), -ENOENT);
	file_is(m, HMEM "/dax_region/size", "1073741824\n");
	file_is(m, HMEM "/dax_region/align", "2097152\n");
	file_is(m, HMEM "/dax_region/id", "0\n");
	/* all of it is dax0.0's, and dax0.0 is nobody's seed */
	file_is(m, HMEM "/dax_region/available_size", "0\n");
	file_is(m, HMEM "/dax_region/seed", "\n");
	file_is(m, HMEM "/dax_region/create", "\n");
	assert_int_equal(memhp_file_stat(m, HMEM "/dax_region/delete", &st), 0);
	assert_int_equal(st.mode, 0200);
	assert_int_equal(memhp_file_stat(m, HMEM "/dax_region/align", &st), 0);
	assert_int_equal(st.mode, 0400);
	assert_int_equal(dax_driver_of(m, "dax0.0"), DAX_DRV_KMEM);
	mapping_is(m, "dax0.0", 0, HBASE, HBASE + GiB - 1, 0);
	assert_true(file_has(m, "/proc/iomem", "140000000-17fffffff : Soft Reserved\n"
						   "  140000000-17fffffff : dax0.0\n"
						   "    140000000-17fffffff : System RAM (kmem)\n"));
	memhp_machine_destroy(m);
}

/* size_store's, create_store's and delete_store's errno, each leaving the state as it was */
static void test_dynamic_errors(void **state)
{
	struct memhp_machine *m = boot_cfg("memmap=1G%0x140000000+0xefffffff memhp_default_state=offline", 1, NULL);
	char *before, *after;

	(void)state;
	/* a bound device cannot be resized, nor device 0 deleted */
	assert_int_equal(writef(m, DAX "/devices/dax0.0/size", "0"), -EBUSY);
	write_ok(m, DAX "/drivers/kmem/unbind", "dax0.0");
	before = dax_state(m);
	assert_int_equal(writef(m, DAX "/devices/dax0.0/size", "4096"), -EINVAL);	/* below 2M */
	assert_int_equal(writef(m, DAX "/devices/dax0.0/size", "x"), -EINVAL);
	assert_int_equal(writef(m, DAX "/devices/dax0.0/size", "2147483648"), -ENOSPC);
	assert_int_equal(writef(m, HMEM "/dax_region/create", "1"), -ENOSPC);	/* nothing available */
	assert_int_equal(writef(m, HMEM "/dax_region/delete", "dax0.0"), -EBUSY);
	assert_int_equal(writef(m, HMEM "/dax_region/delete", "dax0.7"), -ENXIO);
	/* align: unparsable ENXIO, not a page, PMD or PUD EINVAL, bound EBUSY */
	assert_int_equal(writef(m, DAX "/devices/dax0.0/align", "z"), -ENXIO);
	assert_int_equal(writef(m, DAX "/devices/dax0.0/align", "8192"), -EINVAL);
	after = dax_state(m);
	assert_string_equal(before, after);
	free(before);
	free(after);
	write_ok(m, DAX "/devices/dax0.0/size", "536870912");
	/* growing past what is available: ENOSPC, and nothing of it taken */
	before = dax_state(m);
	assert_int_equal(writef(m, DAX "/devices/dax0.0/size", "1610612736"), -ENOSPC);
	after = dax_state(m);
	assert_string_equal(before, after);
	free(before);
	free(after);
	write_ok(m, HMEM "/dax_region/create", "1");
	assert_int_equal(writef(m, HMEM "/dax_region/create", "2"), -EINVAL);
	/* a 1G alignment the 512M range does not honour: refused, 2M kept */
	assert_int_equal(writef(m, DAX "/devices/dax0.0/align", "1073741824"), -EINVAL);
	file_is(m, DAX "/devices/dax0.0/align", "2097152\n");
	/* a sized device cannot be deleted; the empty seed can */
	assert_int_equal(writef(m, HMEM "/dax_region/delete", "dax0.0"), -EBUSY);
	write_ok(m, DAX "/devices/dax0.1/size", "2097152");
	assert_int_equal(writef(m, HMEM "/dax_region/delete", "dax0.1"), -EBUSY);
	write_ok(m, DAX "/devices/dax0.1/size", "0");
	write_ok(m, HMEM "/dax_region/delete", "dax0.1\n");
	assert_false(exists(m, DAX "/devices/dax0.1"));
	/* device 0 stays even empty and unbound, so the bus is never empty */
	write_ok(m, DAX "/devices/dax0.0/size", "0");
	assert_int_equal(writef(m, HMEM "/dax_region/delete", "dax0.0"), -EBUSY);
	assert_true(exists(m, DAX "/devices/dax0.0"));
	memhp_machine_destroy(m);
}

/*
 * dev_dax_resize's placement: lowest address first, the device's last
 * range extended in place, a hole before another device's range taken as
 * a new range; shrinking trims from the last range back.
 */
static void test_dynamic_placement(void **state)
{
	struct memhp_machine *m = boot_hmem();

	(void)state;
	write_ok(m, DAX "/devices/dax0.0/size", "268435456");	/* 256M */
	mapping_is(m, "dax0.0", 0, HBASE, HBASE + 256 * MiB - 1, 0);
	assert_false(exists(m, DAX "/devices/dax0.0/mapping1"));
	write_ok(m, HMEM "/dax_region/create", "1");
	file_is(m, HMEM "/dax_region/seed", "dax0.1\n");
	file_is(m, HMEM "/dax_region/create", "dax0.1\n");
	file_is(m, DAX "/devices/dax0.1/size", "0\n");
	/* an empty device says its region's start */
	file_is(m, DAX "/devices/dax0.1/resource", "0x140000000\n");
	assert_false(exists(m, DAX "/devices/dax0.1/mapping0"));
	write_ok(m, DAX "/devices/dax0.1/size", "268435456");
	mapping_is(m, "dax0.1", 0, HBASE + 256 * MiB, HBASE + 512 * MiB - 1, 0);
	file_is(m, DAX "/devices/dax0.1/resource", "0x150000000\n");
	/* dax0.0 grows: no room after its range, so a second range at the free tail */
	write_ok(m, DAX "/devices/dax0.0/size", "805306368");	/* 768M */
	mapping_is(m, "dax0.0", 1, HBASE + 512 * MiB, HBASE + GiB - 1, 256 * MiB / 4096);
	file_is(m, HMEM "/dax_region/available_size", "0\n");
	/* shrink to 128M: mapping1 goes whole, mapping0 is cut */
	write_ok(m, DAX "/devices/dax0.0/size", "134217728");
	assert_false(exists(m, DAX "/devices/dax0.0/mapping1"));
	mapping_is(m, "dax0.0", 0, HBASE, HBASE + 128 * MiB - 1, 0);
	/* dax0.1 grows by 128M: the hole below it first, a range of its own (page offsets keep order) */
	write_ok(m, DAX "/devices/dax0.1/size", "402653184");
	mapping_is(m, "dax0.1", 1, HBASE + 128 * MiB, HBASE + 256 * MiB - 1, 256 * MiB / 4096);
	/* and by 256M more: past its last range, which ends at the hole's end; then the tail */
	write_ok(m, DAX "/devices/dax0.1/size", "671088640");
	mapping_is(m, "dax0.1", 2, HBASE + 512 * MiB, HBASE + 768 * MiB - 1, 384 * MiB / 4096);
	write_ok(m, DAX "/devices/dax0.1/size", "939524096");	/* +256M: extends mapping2 in place */
	mapping_is(m, "dax0.1", 2, HBASE + 512 * MiB, HBASE + GiB - 1, 384 * MiB / 4096);
	assert_false(exists(m, DAX "/devices/dax0.1/mapping3"));
	file_is(m, DAX "/devices/dax0.1/size", "939524096\n");
	/* claiming a range: taken ENOMEM; a misaligned length is ignored, as the kernel does */
	write_ok(m, DAX "/devices/dax0.0/size", "0");
	write_ok(m, HMEM "/dax_region/create", "1");
	assert_int_equal(writef(m, DAX "/devices/dax0.2/mapping", "0x150000000-0x151ffffff"), -ENOMEM);
	write_ok(m, DAX "/devices/dax0.2/mapping", "0x140000000-0x140000fff");
	file_is(m, DAX "/devices/dax0.2/size", "0\n");
	write_ok(m, DAX "/devices/dax0.2/mapping", "0x140200000-0x1403fffff");
	mapping_is(m, "dax0.2", 0, HBASE + 2 * MiB, HBASE + 4 * MiB - 1, 0);
	assert_int_equal(writef(m, DAX "/devices/dax0.2/mapping", "0x140000000"), -EINVAL);
	/* the region's start is free again: the first place a device grows into */
	write_ok(m, DAX "/devices/dax0.0/size", "2097152");
	mapping_is(m, "dax0.0", 0, HBASE, HBASE + 2 * MiB - 1, 0);
	memhp_machine_destroy(m);
}

/* a created device binds, maps and unbinds; its uevents are the kernel's */
static void test_dynamic_bind_uevents(void **state)
{
	struct memhp_machine *m = boot_hmem();
	struct memhp_uevent ev;
	uint64_t seq;
	void *addr;

	(void)state;
	write_ok(m, DAX "/devices/dax0.0/size", "536870912");
	seq = memhp_uevent_seqnum(m);
	write_ok(m, HMEM "/dax_region/create", "1");
	assert_int_equal(memhp_uevent_next(m, seq, 0, &ev), 0);
	assert_string_equal(ev.action, "add");
	assert_string_equal(ev.devpath, "/devices/platform/hmem.0/dax0.1");
	assert_string_equal(ev.env, "MAJOR=60\nMINOR=1\nDEVNAME=dax0.1\n");
	seq = ev.seqnum;
	/* an empty device does not bind: dax_bus_probe's -ENXIO (device_dax does not match an hmem device) */
	assert_int_equal(writef(m, DAX "/drivers/device_dax/bind", "dax0.1"), -ENODEV);
	assert_int_equal(writef(m, DAX "/drivers/kmem/bind", "dax0.1"), -ENXIO);
	assert_int_equal(writef(m, DAX "/drivers/device_dax/new_id", "dax0.1"), 6);
	assert_int_equal(dax_driver_of(m, "dax0.1"), DAX_DRV_NONE);
	write_ok(m, DAX "/devices/dax0.1/size", "268435456");
	write_ok(m, DAX "/drivers/device_dax/bind", "dax0.1");
	assert_int_equal(dax_driver_of(m, "dax0.1"), DAX_DRV_DEVICE);
	/* bound, the seed is no longer the seed */
	file_is(m, HMEM "/dax_region/seed", "\n");
	file_is(m, HMEM "/dax_region/create", "dax0.1\n");
	assert_int_equal(writef(m, DAX "/devices/dax0.1/size", "0"), -EBUSY);
	assert_int_equal(writef(m, DAX "/devices/dax0.1/align", "2097152"), -EBUSY);
	assert_int_equal(writef(m, HMEM "/dax_region/delete", "dax0.1"), -EBUSY);
	assert_true(file_has(m, "/proc/iomem", "  160000000-16fffffff : dax0.1\n"));
	assert_int_equal(memhp_dax_mmap(m, "dax0.1", 0, 4 * MiB, PROT_READ | PROT_WRITE, MAP_SHARED, &addr), 0);
	memset(addr, 0x5a, 4 * MiB);
	assert_int_equal(memhp_dax_munmap(m, addr), 0);
	write_ok(m, DAX "/drivers/device_dax/unbind", "dax0.1");
	write_ok(m, DAX "/devices/dax0.1/size", "0");
	seq = memhp_uevent_seqnum(m);
	write_ok(m, HMEM "/dax_region/delete", "dax0.1");
	assert_int_equal(memhp_uevent_next(m, seq, 0, &ev), 0);
	assert_string_equal(ev.action, "remove");
	assert_string_equal(ev.devpath, "/devices/platform/hmem.0/dax0.1");
	/* the id is free again: the next seed is dax0.1 */
	write_ok(m, HMEM "/dax_region/create", "1");
	file_is(m, HMEM "/dax_region/seed", "dax0.1\n");
	memhp_machine_destroy(m);
}

/* past memhp's 4 ranges per device a resize fails whole: what it had grown is given back */
static void test_dynamic_range_limit(void **state)
{
	static const char *const claims[] = { "0x140200000-0x1403fffff", "0x140600000-0x1407fffff",
					      "0x140a00000-0x140bfffff", "0x140e00000-0x140ffffff" };
	struct memhp_machine *m = boot_hmem();
	char *before, *after;

	(void)state;
	write_ok(m, DAX "/devices/dax0.0/size", "0");
	write_ok(m, HMEM "/dax_region/create", "1");
	/* dax0.1 takes every other 2M from 2M on: the holes 0, 4M, 8M, 12M, then 16M on */
	for (int i = 0; i < 4; i++)
		write_ok(m, DAX "/devices/dax0.1/mapping", claims[i]);
	mapping_is(m, "dax0.1", 3, HBASE + 14 * MiB, HBASE + 16 * MiB - 1, 6 * MiB / 4096);
	before = dax_state(m);
	assert_int_equal(writef(m, DAX "/devices/dax0.0/size", "10485760"), -ENOMEM);	/* a 5th range */
	after = dax_state(m);
	assert_string_equal(before, after);
	write_ok(m, DAX "/devices/dax0.0/size", "8388608");
	mapping_is(m, "dax0.0", 3, HBASE + 12 * MiB, HBASE + 14 * MiB - 1, 6 * MiB / 4096);
	free(before);
	free(after);
	memhp_machine_destroy(m);
}

struct churn {
	struct memhp_machine *m;
	atomic_int stop;
	unsigned long reads;
};

/* a reader walks the devices and their ranges while they come and go */
static void *churn_reader(void *arg)
{
	struct churn *c = arg;

	while (!atomic_load(&c->stop)) {
		struct names devs = { "" };
		char *save = NULL, buf[64];

		memhp_file_list(c->m, DAX "/devices", add_name, &devs);
		for (char *d = strtok_r(devs.buf, ",", &save); d; d = strtok_r(NULL, ",", &save)) {
			char path[128];

			snprintf(path, sizeof(path), DAX "/devices/%s/size", d);
			memhp_file_read(c->m, path, buf, sizeof(buf));
			snprintf(path, sizeof(path), DAX "/devices/%s/mapping0/start", d);
			memhp_file_read(c->m, path, buf, sizeof(buf));
			snprintf(path, sizeof(path), "/sys/devices/platform/hmem.0/%s", d);
			memhp_file_list(c->m, path, add_name, &(struct names){ "" });
		}
		memhp_file_read(c->m, HMEM "/dax_region/available_size", buf, sizeof(buf));
		c->reads++;
	}
	return NULL;
}

/* create, size, shrink, delete against concurrent readers: the files stay consistent */
static void test_dynamic_concurrent(void **state)
{
	struct memhp_machine *m = boot_hmem();
	struct churn c = { .m = m };
	pthread_t reader;

	(void)state;
	write_ok(m, DAX "/devices/dax0.0/size", "0");
	assert_int_equal(pthread_create(&reader, NULL, churn_reader, &c), 0);
	for (int i = 0; i < 200; i++) {
		write_ok(m, HMEM "/dax_region/create", "1");
		write_ok(m, DAX "/devices/dax0.1/size", "4194304");
		write_ok(m, DAX "/devices/dax0.0/size", "2097152");
		write_ok(m, DAX "/devices/dax0.1/size", "0");
		write_ok(m, DAX "/devices/dax0.0/size", "0");
		write_ok(m, HMEM "/dax_region/delete", "dax0.1");
	}
	atomic_store(&c.stop, 1);
	pthread_join(reader, NULL);
	file_is(m, HMEM "/dax_region/available_size", "1073741824\n");
	assert_false(exists(m, DAX "/devices/dax0.1"));
	print_message("dynamic dax: 200 rounds against %lu concurrent walks\n", c.reads);
	memhp_machine_destroy(m);
}

/* every failing allocation of create and resize leaves the partitioning as it was */
static void test_dynamic_fault_sweep(void **state)
{
	struct memhp_machine *m = boot_hmem();
	unsigned long nth, failed = 0;
	char *before;

	(void)state;
	write_ok(m, DAX "/devices/dax0.0/size", "268435456");
	before = dax_state(m);
	for (nth = 1; nth < 50; nth++) {
		char *now;
		ssize_t ret;

		memhp_fault_inject(m, nth);
		ret = writef(m, HMEM "/dax_region/create", "1");
		memhp_fault_inject(m, 0);
		if (ret > 0)
			break;
		assert_int_equal(ret, -ENOMEM);
		failed++;
		now = dax_state(m);
		assert_string_equal(before, now);
		free(now);
	}
	assert_true(failed >= 1);
	file_is(m, HMEM "/dax_region/seed", "dax0.1\n");
	free(before);
	memhp_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cxl_memmap_placement),
		cmocka_unit_test(test_memmap_attribute),
		cmocka_unit_test(test_kmem_fault_sweep),
		cmocka_unit_test(test_unbind_online),
		cmocka_unit_test(test_auto_movable),
		cmocka_unit_test(test_hmem_boot),
		cmocka_unit_test(test_dynamic_errors),
		cmocka_unit_test(test_dynamic_placement),
		cmocka_unit_test(test_dynamic_bind_uevents),
		cmocka_unit_test(test_dynamic_range_limit),
		cmocka_unit_test(test_dynamic_concurrent),
		cmocka_unit_test(test_dynamic_fault_sweep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
