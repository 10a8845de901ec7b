// SPDX-License-Identifier: MIT
/*
 * test_kernfs.c - the file tree as a whole (kernfs.c): every entry a
 * listing gives stats, reads and writes as its type and mode say; listings
 * come in the order tools compare; bad paths fail with the errnos they
 * always have.  The per-file contents are the other tests' business.
 */
#include "helpers.h"

/* legacy pmem (nd bus) and dax regions of two kinds: every kind of directory */
static struct memhp_machine *boot_full(void)
{
	struct memhp_machine *m = boot_machine("memmap=128M!768M memhp_default_state=online", 2 * GiB);
	struct memhp_dax_info info;

	assert_int_equal(memhp_dax_region_create(m, MEMHP_DAX_CXL, 256 * MiB, 0, 0, MEMHP_ADDR_AUTO, -1,
						 &info), 0);
	assert_int_equal(memhp_dax_region_create(m, MEMHP_DAX_PMEM, 256 * MiB, 0, 0, MEMHP_ADDR_AUTO, -1,
						 &info), 0);
	return m;
}

struct entries {
	char names[256][64];
	struct memhp_stat st[256];
	int n;
};

static struct entries scratch;	/* for listings that must fail */

static int collect(void *arg, const char *name, const struct memhp_stat *st)
{
	struct entries *e = arg;

	assert_true(e->n < 256);
	snprintf(e->names[e->n], sizeof(e->names[0]), "%s", name);
	e->st[e->n++] = *st;
	return 0;
}

static void list(struct memhp_machine *m, const char *path, struct entries *e)
{
	e->n = 0;
	assert_int_equal(memhp_file_list(m, path, collect, e), 0);
}

/* the names of a listing, comma-separated */
static void listing_is(struct memhp_machine *m, const char *path, const char *want)
{
	struct entries *e = calloc(1, sizeof(*e));
	char got[2048] = "";

	list(m, path, e);
	for (int i = 0; i < e->n; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s", i ? "," : "", e->names[i]);
	if (strcmp(got, want))
		fail_msg("%s: want %s, got %s", path, want, got);
	free(e);
}

/* one entry: its stat agrees with the listing, reads and writes obey the mode */
static void check_entry(struct memhp_machine *m, const char *path, const struct memhp_stat *listed)
{
	struct memhp_stat st;
	char buf[16];

	assert_int_equal(memhp_file_stat(m, path, &st), 0);
	assert_int_equal(st.type, listed->type);
	assert_string_equal(st.link, listed->link);
	switch (st.type) {
	case MEMHP_FT_DIR:
		/* as the listing says: sysfs and debugfs 0755, procfs 0555 */
		assert_int_equal(st.mode, listed->mode);
		assert_int_equal(st.mode, strncmp(path, "/proc", 5) ? 0755 : 0555);
		assert_int_equal(memhp_file_read(m, path, buf, sizeof(buf)), -EISDIR);
		assert_int_equal(memhp_file_write(m, path, "1", 1), -EISDIR);
		break;
	case MEMHP_FT_LINK:
		assert_int_equal(st.mode, 0777);
		assert_true(st.link[0] == '.');
		assert_int_equal(memhp_file_read(m, path, buf, sizeof(buf)), -EISDIR);
		assert_int_equal(memhp_file_list(m, path, collect, &scratch), -ENOTDIR);
		break;
	case MEMHP_FT_FILE:
		assert_int_equal(st.mode, listed->mode);
		/* readable; -ENXIO where the kernel has nothing to show (an
		 * unbound seed's resource, a label-less dimm's available_slots) */
		if (st.mode & 0444)
			assert_true(memhp_file_read(m, path, buf, sizeof(buf)) >= 0 ||
				    memhp_file_read(m, path, buf, sizeof(buf)) == -ENXIO);
		else
			assert_int_equal(memhp_file_read(m, path, buf, sizeof(buf)), -EACCES);
		/* a zero-length write calls no store: 0 where one may write */
		assert_int_equal(memhp_file_write(m, path, "", 0), (st.mode & 0222) ? 0 : -EACCES);
		assert_int_equal(memhp_file_list(m, path, collect, &scratch), -ENOTDIR);
		break;
	}
}

static int walk(struct memhp_machine *m, const char *dir)
{
	struct entries *e = calloc(1, sizeof(*e));
	char path[512];
	int count;

	list(m, dir, e);
	count = e->n;
	for (int i = 0; i < e->n; i++) {
		for (int j = 0; j < i; j++)
			assert_string_not_equal(e->names[i], e->names[j]);
		snprintf(path, sizeof(path), "%s/%s", strcmp(dir, "/") ? dir : "", e->names[i]);
		check_entry(m, path, &e->st[i]);
		if (e->st[i].type == MEMHP_FT_DIR)
			count += walk(m, path);
	}
	free(e);
	return count;
}

static void test_tree_consistent(void **state)
{
	struct memhp_machine *m = boot_full();

	(void)state;
	assert_true(walk(m, "/") > 200);
	memhp_machine_destroy(m);
}

/* listings in the order tools and the oracle compare */
static void test_listing_order(void **state)
{
	struct memhp_machine *m = boot_full();

	(void)state;
	listing_is(m, "/", "sys,proc");
	listing_is(m, "/sys", "devices,module,kernel,bus,class,dev");
	listing_is(m, "/sys/module",
		   "memory_hotplug,dax_pmem,dax_hmem,device_hmem,device_dax,kmem,nd_pmem,cxl_acpi,cxl_core,cxl_mem,"
		   "cxl_port");
	file_is(m, "/sys/module/device_hmem/parameters/disable", "N\n");
	listing_is(m, "/sys/module/memory_hotplug/parameters",
		   "auto_movable_numa_aware,auto_movable_ratio,memmap_on_memory,online_policy");
	listing_is(m, "/sys/devices/system/node",
		   "possible,online,has_normal_memory,has_memory,has_cpu,has_generic_initiator,node0");
	listing_is(m, "/sys/devices/system/memory/memory0",
		   "phys_index,state,online,phys_device,removable,valid_zones,node0");
	listing_is(m, "/sys/bus/dax/drivers/kmem", "bind,new_id,remove_id,unbind,dax1.0");
	/* a dynamic (cxl) region's device: mapping writable, mapping0 its range */
	listing_is(m, "/sys/devices/platform/dax_region.1/dax1.0",
		   "align,dev,mapping,memmap_on_memory,modalias,numa_node,resource,size,target_node,driver,subsystem,"
		   "mapping0");
	listing_is(m, "/sys/devices/platform/dax_region.1/dax1.0/mapping0", "end,page_offset,start");
	listing_is(m, "/sys/devices/platform/dax_region.1", "dax_region,dax1.0");
	listing_is(m, "/sys/bus/nd/devices", "ndbus0,region0,namespace0.0,dax0.0,pfn0.0,btt0.0");
	listing_is(m, "/sys/devices/platform/e820_pmem/ndbus0/region0/namespace0.0",
		   "mode,numa_node,resource,size,nstype,holder,holder_class,force_raw,devtype,modalias,"
		   "target_node,uevent,block,driver,subsystem");
	listing_is(m, "/sys/devices/platform/e820_pmem/ndbus0/region0/dax0.0",
		   "align,mode,namespace,uuid,resource,size,supported_alignments,devtype,modalias,numa_node,"
		   "target_node,uevent,subsystem");
	listing_is(m, "/proc", "buddyinfo,iomem,meminfo,pagetypeinfo,vmstat,zoneinfo");
	memhp_machine_destroy(m);
}

/* what a stat of each path returns: 0 or -errno */
static void test_bad_paths(void **state)
{
	static const struct {
		const char *path;
		int ret;
	} cases[] = {
		{ "", -ENOENT },
		{ "sys", -ENOENT },
		{ "/", 0 },
		{ "//", 0 },			/* trailing slashes go */
		{ "/sys/devices/", 0 },
		{ "//sys", -ENOENT },		/* empty components do not */
		{ "/sys//devices", -ENOENT },
		{ "/sys/devices/system/memory/memory0x", -ENOENT },
		{ "/sys/devices/system/memory/memory01", 0 },	/* strtoul: leading zeros */
		{ "/sys/devices/system/memory/memory0/node0/meminfo", -ENOENT },
		{ "/sys/devices/system/memory/memory0/state/x", -ENOENT },
		{ "/sys/devices/system/node/node9", -ENOENT },
		{ "/sys/module/memory_hotplug/initstate", -ENOENT },
		{ "/sys/module/kmem/initstate", 0 },
		{ "/proc/meminfo/x", -ENOENT },
		{ "/sys/bus/dax/devices/dax1.0/size", 0 },	/* through the bus link */
		{ "/sys/bus/dax/drivers/kmem/dax1.0/size", -ENOENT },
		{ "/sys/bus/dax/drivers/device_dax/dax1.0", -ENOENT },
		{ "/sys/devices/platform/dax_region.1/dax2.0", -ENOENT },
		{ "/sys/devices/platform/dax_region.1000", -ENOENT },
		{ "/sys/dev/char/60:16", 0 },
		{ "/sys/dev/char/60:16/size", -ENOENT },
		{ "/sys/bus/nd/devices/namespace0.0/uuid", -ENOENT },
		{ "/sys/bus/nd/devices/dax0.0/driver", -ENOENT },
		{ "/sys/bus/nd/drivers/nd_pmem/namespace0.0", 0 },
	};
	struct memhp_machine *m = boot_full();
	char big[600];
	struct memhp_stat st;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (memhp_file_stat(m, cases[i].path, &st) != cases[i].ret)
			fail_msg("%s: want %d, got %d", cases[i].path, cases[i].ret,
				 memhp_file_stat(m, cases[i].path, &st));
	memset(big, 'a', sizeof(big) - 1);
	big[0] = '/';
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(memhp_file_stat(m, big, &st), -ENOENT);
	assert_int_equal(writef(m, "/proc/pagetypeinfo", "1"), -EACCES);
	assert_int_equal(writef(m, "/sys/devices/system/memory/block_size_bytes", "1"), -EACCES);
	assert_int_equal(writef(m, "/sys/module/memory_hotplug/parameters/memmap_on_memory", "1"), -EACCES);
	assert_int_equal(memhp_file_read(m, "/sys/bus/dax/drivers/kmem/bind", NULL, 0), -EACCES);
	assert_int_equal(memhp_file_list(m, "/proc/meminfo", collect, &scratch), -ENOTDIR);
	memhp_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tree_consistent),
		cmocka_unit_test(test_listing_order),
		cmocka_unit_test(test_bad_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
