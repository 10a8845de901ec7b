// SPDX-License-Identifier: MIT
/*
 * DIMMs present at boot (QEMU -device pc-dimm, the oracle's `coldplug`):
 * every expected value below is what Linux 6.12 showed for the same
 * machine (tests/oracle/kernel/coldplug-*.json).
 */
#include "helpers.h"

/* node_mem: each node's boot RAM (NULL: QEMU's even split; 0: memory-less) */
static struct memhp_machine *boot_numa(const char *cmdline, uint64_t mem, unsigned int nodes,
				       const uint64_t *node_mem, const struct memhp_coldplug *c, unsigned int n)
{
	struct memhp_config cfg = { 0 };
	struct memhp_machine *m = NULL;

	cfg.cmdline = cmdline;
	cfg.mem = mem;
	cfg.nr_nodes = nodes;
	if (node_mem) {
		memcpy(cfg.node_mem, node_mem, nodes * sizeof(*node_mem));
		cfg.explicit_node_mem = 1;
	}
	cfg.max_phys = 256 * GiB;
	cfg.coldplug = c;
	cfg.nr_coldplug = n;
	assert_int_equal(memhp_machine_create(&cfg, &m), 0);
	return m;
}

static struct memhp_machine *boot_with(const char *cmdline, uint64_t mem, unsigned int nodes,
				       const struct memhp_coldplug *c, unsigned int n)
{
	return boot_numa(cmdline, mem, nodes, NULL, c, n);
}

/* "KEY value" of a /proc file (meminfo's "MemTotal:", vmstat's keys) */
static long proc_value(struct memhp_machine *m, const char *file, const char *key)
{
	char *s = readf(m, "%s", file), *p;
	long v;

	assert_non_null(s);
	p = strstr(s, key);
	assert_non_null(p);
	v = strtol(p + strlen(key) + 1, NULL, 10);
	free(s);
	return v;
}

#define meminfo(m, key) proc_value((m), "/proc/meminfo", (key))
#define vmstat(m, key) proc_value((m), "/proc/vmstat", (key))

/* 1 GiB, a 512 MiB DIMM: added at boot into the empty ZONE_NORMAL, where
 * the rest of the boot's kernel allocations go: its last block offlines,
 * the DIMM cannot be ejected (coldplug-normal) */
static void test_coldplug_normal(void **state)
{
	const struct memhp_coldplug d1 = { "d1", 512 * MiB, 0 };
	struct memhp_machine *m = boot_with("", 1 * GiB, 1, &d1, 1);
	struct memhp_dimm_info info;

	(void)state;
	assert_int_equal(memhp_dimm_info(m, "d1", &info), 0);
	assert_int_equal(info.addr, 4 * GiB);
	for (int b = 32; b <= 35; b++) {
		char path[80];

		snprintf(path, sizeof(path), "/sys/devices/system/memory/memory%d/valid_zones", b);
		file_is(m, path, "Normal\n");
	}
	assert_int_equal(meminfo(m, "MemTotal:"), 1446752);	/* 922464 + 512 MiB */
	assert_int_equal(vmstat(m, "nr_memmap_pages"), 2048);	/* from the buddy */
	assert_int_equal(vmstat(m, "nr_memmap_boot_pages"), 4096);
	write_ok(m, "/sys/devices/system/memory/memory35/state", "offline");
	assert_int_equal(memhp_dimm_remove(m, "d1"), -EBUSY);
	file_is(m, "/sys/devices/system/memory/memory32/state", "online\n");
	file_is(m, "/sys/devices/system/memory/memory35/valid_zones", "Normal Movable\n");
	audit_ok(m);
	memhp_machine_destroy(m);
}

/* movable_node: the default zone of the DIMM is ZONE_MOVABLE, and it goes
 * (coldplug-movable-node) */
static void test_coldplug_movable_node(void **state)
{
	const struct memhp_coldplug d1 = { "d1", 512 * MiB, 0 };
	struct memhp_machine *m = boot_with("movable_node", 1 * GiB, 1, &d1, 1);

	(void)state;
	file_is(m, "/sys/devices/system/memory/memory32/valid_zones", "Movable\n");
	assert_int_equal(zone_field(m, 0, "Movable", "present"), 131072);
	assert_int_equal(zone_field(m, 0, "Normal", "present"), 0);
	assert_int_equal(memhp_dimm_remove(m, "d1"), 0);
	assert_int_equal(meminfo(m, "MemTotal:"), 922464);
	audit_ok(m);
	memhp_machine_destroy(m);
}

/* two nodes, memmap_on_memory: a DIMM on the CPU-less node 1 still gets the
 * boot's per-node slab pages (init_kmem_cache_nodes) and cannot be ejected;
 * QEMU places the DIMMs in order (coldplug-numa-mmom) */
static void test_coldplug_numa_memmap_on_memory(void **state)
{
	const struct memhp_coldplug c[] = { { "d1", 1 * GiB, 1 }, { "d2", 256 * MiB, 0 } };
	struct memhp_machine *m = boot_with("memory_hotplug.memmap_on_memory=1", 2 * GiB, 2, c, 2);
	struct memhp_dimm_info info;

	(void)state;
	assert_int_equal(memhp_dimm_info(m, "d2", &info), 0);
	assert_int_equal(info.addr, 5 * GiB);
	assert_int_equal(memhp_dimm_info(m, "d1", &info), 0);
	assert_int_equal(info.addr, 4 * GiB);
	assert_int_equal(info.node, 1);
	file_is(m, "/sys/devices/system/memory/memory40/valid_zones", "Normal\n");
	assert_int_equal(zone_field(m, 1, "Normal", "managed"), 258048);
	assert_int_equal(zone_field(m, 0, "Normal", "managed"), 64512);
	assert_int_equal(vmstat(m, "nr_memmap_pages"), 5120);	/* on the DIMMs */
	write_ok(m, "/sys/devices/system/memory/memory41/state", "offline");
	assert_int_equal(memhp_dimm_remove(m, "d1"), -EBUSY);
	audit_ok(m);
	memhp_machine_destroy(m);
}

/* an NVDIMM: placed like a DIMM, owned by the nd bus (nvdimm-kmem,
 * nvdimm-numa-coldplug) */
static void test_nvdimm(void **state)
{
	const struct memhp_coldplug nv = { "nv1", 1 * GiB, 0 };
	struct memhp_config cfg = { 0 };
	struct memhp_machine *m = NULL;
	struct memhp_dimm_info info;
	char names[8][MEMHP_DIMM_NAME_MAX];
	char *iomem;

	(void)state;
	cfg.max_phys = 256 * GiB;
	cfg.nvdimm = &nv;
	cfg.nr_nvdimm = 1;
	assert_int_equal(memhp_machine_create(&cfg, &m), 0);
	iomem = readf(m, "/proc/iomem");
	assert_non_null(iomem);
	/* the _DSM page SeaBIOS reserves with an NVDIMM, the NFIT's range, and
	 * nd_pmem's raw namespace over it (no struct pages: no ND_REGION_PAGEMAP) */
	assert_non_null(strstr(iomem, "00100000-3ffdefff : System RAM\n"));
	assert_non_null(strstr(iomem, "100000000-13fffffff : Persistent Memory\n"
				      "  100000000-13fffffff : namespace0.0\n"));
	free(iomem);
	assert_int_equal(meminfo(m, "MemTotal:"), 922464 - 4);
	assert_int_equal(vmstat(m, "nr_memmap_pages"), 0);
	assert_int_equal(memhp_dimm_list(m, names, 8), 0);
	assert_int_equal(memhp_dimm_remove(m, "nv1"), -EOPNOTSUPP);
	assert_int_equal(memhp_dimm_add(m, "nv1", 128 * MiB, 0, MEMHP_ADDR_AUTO, -1, &info), -EEXIST);
	assert_int_equal(memhp_dimm_add(m, "d1", 128 * MiB, 0, MEMHP_ADDR_AUTO, -1, &info), 0);
	assert_int_equal(info.addr, 5 * GiB);	/* after the NVDIMM */
	audit_ok(m);
	memhp_machine_destroy(m);
}


/* the columns of pagetypeinfo's "Number of blocks type" table */
enum { PT_UNMOVABLE, PT_MOVABLE, PT_RECLAIMABLE, PT_HIGHATOMIC, PT_ISOLATE };

/* "Number of blocks type" of /proc/pagetypeinfo: node 0's `zone`, column `mt` */
static long pageblocks_of_type(struct memhp_machine *m, const char *zone, int mt)
{
	char *s = readf(m, "/proc/pagetypeinfo"), *p, key[64];
	long v[5] = { 0 };

	assert_non_null(s);
	p = strstr(s, "Number of blocks type");
	assert_non_null(p);
	snprintf(key, sizeof(key), "zone %8s ", zone);
	p = strstr(p, key);
	assert_non_null(p);
	assert_int_equal(sscanf(p + strlen(key), "%ld %ld %ld %ld %ld", &v[0], &v[1], &v[2], &v[3], &v[4]), 5);
	free(s);
	return v[mt];
}

/*
 * A pageblock an unmovable allocation stole keeps its type when the pages
 * come back: the kernel frees them onto that type's lists and merges a
 * buddy pageblock of another type into it (__free_one_page), it never
 * turns a free pageblock back to movable.  Seed 976 with its pagetypeinfo
 * (tests/oracle/scenarios/pageblock-types.scn, recorded in
 * kernel/pageblock-types-mmom0.json.xz): a 2 GiB DIMM added without
 * memmap_on_memory takes its 32 MiB memmap from the coldplugged Normal
 * DIMM - the kernel's Normal zone went from 6 to 22 unmovable pageblocks -
 * and after the DIMM's removal it still had 22.  The next unmovable
 * allocations fill those blocks first, which decides the DIMMs they land
 * in (976: a pipe stays out of a later hot-added DIMM).
 */
static void test_freed_memmap_pageblocks_stay_unmovable(void **state)
{
	const struct memhp_coldplug c1 = { "c1", 128 * MiB, 0 };
	struct memhp_machine *m = boot_with("memory_hotplug.memmap_on_memory=0 memhp_default_state=online_kernel",
					    2 * GiB, 1, &c1, 1);
	struct memhp_dimm_info info;
	long before = pageblocks_of_type(m, "Normal", PT_UNMOVABLE);
	long memmap = vmstat(m, "nr_memmap_pages");	/* c1's own, from DMA32 */

	(void)state;
	assert_int_equal(memhp_dimm_add(m, "d2", 2 * GiB, 0, MEMHP_ADDR_AUTO, -1, &info), 0);
	assert_int_equal(info.enabled, 1);
	assert_int_equal(vmstat(m, "nr_memmap_pages"), memmap + 8192);
	assert_int_equal(pageblocks_of_type(m, "Normal", PT_UNMOVABLE), before + 16);
	assert_int_equal(memhp_dimm_remove(m, "d2"), 0);
	assert_int_equal(vmstat(m, "nr_memmap_pages"), memmap);
	assert_int_equal(pageblocks_of_type(m, "Normal", PT_UNMOVABLE), before + 16);
	assert_int_equal(pageblocks_of_type(m, "Normal", PT_MOVABLE), 64 - before - 16);
	audit_ok(m);
	memhp_machine_destroy(m);
}


/* free pages of node 0's `zone` on the lists of pagetypeinfo column `mt` */
static long free_pages_of_type(struct memhp_machine *m, const char *zone, int mt)
{
	static const char *const names[] = { "Unmovable", "Movable", "Reclaimable", "HighAtomic", "Isolate" };
	char *s = readf(m, "/proc/pagetypeinfo"), *p, key[96];
	long total = 0, count;
	int used;

	assert_non_null(s);
	snprintf(key, sizeof(key), "zone %8s, type %12s ", zone, names[mt]);
	p = strstr(s, key);
	assert_non_null(p);
	p += strlen(key);
	for (int order = 0; sscanf(p, "%ld%n", &count, &used) == 1 && order < 16; order++, p += used)
		total += count << order;
	free(s);
	return total;
}

/*
 * ALLOC_NOFRAGMENT: on a machine whose ZONE_NORMAL has a ZONE_DMA32 below
 * it, an allocation that finds no free page of its own type in Normal may
 * claim only a whole free pageblock of another type there; sooner than
 * mix kinds of pages in a pageblock it goes on to DMA32
 * (get_page_from_freelist's no_fallback, __rmqueue_claim).  Normal is
 * filled with kernel pages and every other one freed: half of it is free,
 * all order-0 holes in unmovable pageblocks.  A user page of node `nid`
 * then comes from DMA32, and Normal (node mem_nid's) keeps no movable
 * pageblock.
 */
static void check_user_page_skips_fragmented_normal(struct memhp_machine *m, int nid, int mem_nid)
{
	const unsigned long normal = (4 * GiB) >> 12;
	size_t cap = 40000, n = 0;
	long *pfn = calloc(cap, sizeof(*pfn)), movable_blocks;
	struct memhp_region *r, *fill[8];
	int nr_fill;

	assert_non_null(pfn);
	/* kernel pages fill Normal, down to its low watermark */
	for (;;) {
		assert_true(n < cap);
		pfn[n] = memhp_alloc_pages(m, 0, 0);
		assert_true(pfn[n] >= 0);
		if ((unsigned long)pfn[n] < normal)
			break;
		n++;
	}
	assert_int_equal(memhp_free_pages(m, (unsigned long)pfn[n], 0), 0);
	assert_true(n > 30000);
	for (size_t i = 0; i < n; i += 2)
		assert_int_equal(memhp_free_pages(m, (unsigned long)pfn[i], 0), 0);
	memhp_drain_pcp(m);
	assert_true(zone_field(m, mem_nid, "Normal", "free") > 15000);
	/* user pages take what movable pageblocks Normal has left first */
	for (nr_fill = 0; nr_fill < 8 && free_pages_of_type(m, "Normal", PT_MOVABLE); nr_fill++) {
		size_t want = (size_t)free_pages_of_type(m, "Normal", PT_MOVABLE);

		assert_int_equal(memhp_region_alloc(m, want, nid, 0, &fill[nr_fill]), 0);
		memhp_drain_pcp(m);
	}
	assert_int_equal(free_pages_of_type(m, "Normal", PT_MOVABLE), 0);
	movable_blocks = pageblocks_of_type(m, "Normal", PT_MOVABLE);
	assert_int_equal(memhp_region_alloc(m, 1, nid, 0, &r), 0);
	assert_true((unsigned long)memhp_region_pfn(r, 0) < normal);
	assert_int_equal(pageblocks_of_type(m, "Normal", PT_MOVABLE), movable_blocks);
	memhp_region_free(r);
	while (nr_fill--)
		memhp_region_free(fill[nr_fill]);
	for (size_t i = 1; i < n; i += 2)
		assert_int_equal(memhp_free_pages(m, (unsigned long)pfn[i], 0), 0);
	free(pfn);
	audit_ok(m);
	memhp_machine_destroy(m);
}


static void test_user_page_skips_fragmented_normal(void **state)
{
	const struct memhp_coldplug c1 = { "c1", 128 * MiB, 0 };

	(void)state;
	check_user_page_skips_fragmented_normal(
		boot_with("memory_hotplug.memmap_on_memory=0 memhp.kernel_alloc_pages=0", 1 * GiB, 1, &c1, 1), 0, 0);
}

/*
 * The same from a node without memory: node 0 has the CPU and no memory,
 * node 1 all of it, so node 0's zonelist starts at node 1's Normal and the
 * ALLOC_NOFRAGMENT pass runs over node 1's zones (get_page_from_freelist
 * starts at the preferred zone, and drops the flag only at a zone of
 * another node than that zone's).
 */
static void test_memoryless_node_skips_fragmented_normal(void **state)
{
	const struct memhp_coldplug c1 = { "c1", 128 * MiB, 1 };
	const uint64_t node_mem[] = { 0, 1 * GiB };
	struct memhp_machine *m = boot_numa("memory_hotplug.memmap_on_memory=0 memhp.kernel_alloc_pages=0",
					    1 * GiB, 2, node_mem, &c1, 1);

	(void)state;
	file_is(m, "/sys/devices/system/node/online", "0-1\n");
	file_is(m, "/sys/devices/system/node/has_memory", "1\n");
	check_user_page_skips_fragmented_normal(m, 0, 1);
}

/*
 * memhp's own kernel allocations - a hot-added DIMM's memmap and the page
 * tables that map it - go through __alloc_pages as the kernel's do: the
 * fast path against the low watermarks first, the slow path against min
 * only when no zone is above low.  A hog leaves Normal between its min
 * and low watermarks; the memmap of a 1 GiB DIMM (memmap_on_memory=0)
 * then comes from DMA32, and Normal's free count does not move - as in
 * the kernel's run of the same steps (tests/oracle/scenarios/
 * kalloc-low-wmark.scn, recorded in tests/oracle/kernel/
 * kalloc-low-wmark-mmom0.json.xz: Normal 4049 pages free before and after).
 */
static void test_memmap_skips_normal_under_low(void **state)
{
	const struct memhp_coldplug c1 = { "c1", 512 * MiB, 0 };
	struct memhp_machine *m = boot_with("memory_hotplug.memmap_on_memory=0", 2 * GiB, 1, &c1, 1);
	struct memhp_dimm_info info;
	struct memhp_region *hog;
	long normal, dma32;

	(void)state;
	write_ok(m, "/sys/devices/system/memory/auto_online_blocks", "offline");
	assert_int_equal(memhp_region_alloc(m, (600 * MiB) >> 12, 0, 0, &hog), 0);
	normal = zone_field(m, 0, "Normal", "free");
	dma32 = zone_field(m, 0, "DMA32", "free");
	assert_true(normal < zoneinfo_field(m, 0, "Normal", "low"));
	assert_true(normal > zoneinfo_field(m, 0, "Normal", "min"));
	assert_int_equal(memhp_dimm_add(m, "d2", 1 * GiB, 0, MEMHP_ADDR_AUTO, -1, &info), 0);
	assert_int_equal(zone_field(m, 0, "Normal", "free"), normal);
	/* 262144 struct pages of 64 bytes: 4096 pages */
	assert_true(zone_field(m, 0, "DMA32", "free") <= dma32 - 4096);
	memhp_region_free(hog);
	audit_ok(m);
	memhp_machine_destroy(m);
}

/*
 * build_zonelists on three nodes of 1 GiB, the CPU on node 0: node 2
 * falls back to node 1 before node 0 (node 0 has the CPU and a lower
 * number), except in the boot's first build, which runs before the CPU
 * is in its node's mask - the kernel's log of every three-node run
 * recorded says "Fallback order for Node 2: 2 0 1" at boot and "2 1 0"
 * once a hot-added block populates a zone.  Then user memory that
 * prefers node 2 and finds it full goes to node 1.
 */
static void test_zonelist_order_three_nodes(void **state)
{
	const uint64_t node_mem[] = { 1 * GiB, 1 * GiB, 1 * GiB };
	struct memhp_machine *m = boot_numa(NULL, 3 * GiB, 3, node_mem, NULL, 0);
	struct memhp_dimm_info info;
	struct memhp_region *r;
	long node0, node0_movable, node1, node2;

	(void)state;
	assert_true(log_has(m, "Fallback order for Node 2: 2 0 1 "));
	assert_false(log_has(m, "Fallback order for Node 2: 2 1 0 "));
	/* node 0's ZONE_MOVABLE, populated: every list built again */
	write_ok(m, "/sys/devices/system/memory/auto_online_blocks", "online_movable");
	assert_int_equal(memhp_dimm_add(m, "d1", 256 * MiB, 0, MEMHP_ADDR_AUTO, -1, &info), 0);
	assert_true(log_has(m, "Fallback order for Node 2: 2 1 0 "));
	assert_true(log_has(m, "Fallback order for Node 1: 1 2 0 "));
	node0 = zone_field(m, 0, "DMA32", "free");
	node0_movable = zone_field(m, 0, "Movable", "free");
	node1 = zone_field(m, 1, "DMA32", "free");
	node2 = zone_field(m, 2, "DMA32", "free");
	/* more than node 2 has: the rest from node 1 */
	assert_int_equal(memhp_region_alloc(m, (size_t)node2 + 4096, 2, 0, &r), 0);
	memhp_drain_pcp(m);
	assert_true(zone_field(m, 1, "DMA32", "free") <= node1 - 4096);
	assert_int_equal(zone_field(m, 0, "DMA32", "free"), node0);
	assert_int_equal(zone_field(m, 0, "Movable", "free"), node0_movable);
	memhp_region_free(r);
	audit_ok(m);
	memhp_machine_destroy(m);
}

/* how many lines of the machine's log contain `what` */
static int log_count(struct memhp_machine *m, const char *what)
{
	static char log[1 << 17];
	uint64_t seq = 0;
	int n = 0;

	memhp_log_read(m, &seq, log, sizeof(log));
	for (const char *p = strstr(log, what); p; p = strstr(p + 1, what))
		n++;
	return n;
}

/*
 * The other rebuilds: a node without memory at boot lists the others
 * (0 1: no CPU known yet); memory hot-added to it builds its list alone,
 * before it is online (hotadd_init_pgdat: the loads zeroed, node 0 has
 * the CPU, so 1 0); onlining populates a zone and builds every list
 * (2 1 0); offlining empties it and the node, memory-less again, lists
 * the others (1 0) - each line as the kernel's log has it.
 */
static void test_zonelist_rebuilds(void **state)
{
	const uint64_t node_mem[] = { 1 * GiB, 1 * GiB, 0 };
	struct memhp_machine *m = boot_numa("memory_hotplug.memmap_on_memory=1", 2 * GiB, 3, node_mem, NULL, 0);
	struct memhp_dimm_info info;

	(void)state;
	file_is(m, "/sys/devices/system/node/online", "0-1\n");
	assert_int_equal(log_count(m, "Fallback order for Node 2: 0 1 \n"), 1);
	assert_int_equal(log_count(m, "Built 2 zonelists"), 1);
	write_ok(m, "/sys/devices/system/memory/auto_online_blocks", "offline");
	assert_int_equal(memhp_dimm_add(m, "d1", 128 * MiB, 2, MEMHP_ADDR_AUTO, -1, &info), 0);
	assert_int_equal(log_count(m, "Fallback order for Node 2: 1 0 \n"), 1);
	assert_int_equal(log_count(m, "Fallback order for Node 0: "), 1);	/* node 2's alone */
	write_ok(m, "/sys/devices/system/memory/memory32/state", "online_movable");
	assert_int_equal(log_count(m, "Fallback order for Node 2: 2 1 0 \n"), 1);
	assert_int_equal(log_count(m, "Fallback order for Node 1: 1 2 0 \n"), 1);
	assert_int_equal(log_count(m, "Built 3 zonelists"), 1);
	write_ok(m, "/sys/devices/system/memory/memory32/state", "offline");
	assert_int_equal(log_count(m, "Fallback order for Node 2: 1 0 \n"), 2);
	assert_int_equal(log_count(m, "Fallback order for Node 1: 1 0 \n"), 2);	/* boot, and now */
	audit_ok(m);
	memhp_machine_destroy(m);
}

/*
 * The Total pages of each "Built" line, as the kernel's a1 run logged them
 * (tests/oracle/kernel/a1-128M-mmom1.json, 1 GiB, memmap_on_memory=1).
 * Boot: every zone's present pages (managed and watermarks are not set
 * yet).  Later: nr_free_zone_pages, each zone's managed pages above its
 * high watermark - a zone being populated with the watermark it had
 * while empty (online_pages rebuilds before init_per_zone_wmark_min):
 * 0 for Normal, which gains its 32 256 pages whole, 32 for Movable.
 */
static void test_zonelist_total_pages(void **state)
{
	struct memhp_machine *m = boot_numa("memory_hotplug.memmap_on_memory=1", 1 * GiB, 1, NULL, NULL, 0);
	struct memhp_dimm_info info;

	(void)state;
	assert_int_equal(log_count(m, "Total pages: 262014\n"), 1);
	assert_int_equal(memhp_dimm_add(m, "d1", 128 * MiB, 0, MEMHP_ADDR_AUTO, -1, &info), 0);
	assert_int_equal(log_count(m, "Total pages: 245979\n"), 1);
	write_ok(m, "/sys/devices/system/memory/auto_online_blocks", "online_movable");
	assert_int_equal(memhp_dimm_add(m, "d2", 128 * MiB, 0, MEMHP_ADDR_AUTO, -1, &info), 0);
	assert_int_equal(log_count(m, "Total pages: 275500\n"), 1);
	assert_int_equal(memhp_dimm_remove(m, "d2"), 0);
	assert_int_equal(log_count(m, "Total pages: 243276\n"), 1);
	audit_ok(m);
	memhp_machine_destroy(m);
}

/* the Total pages of the log's "Built" lines, in order; their count */
static int built_totals(struct memhp_machine *m, unsigned long *totals, int max)
{
	static char log[1 << 17];
	uint64_t seq = 0;
	int n = 0;

	memhp_log_read(m, &seq, log, sizeof(log));
	for (const char *p = strstr(log, "Built "); p && n < max; p = strstr(p + 1, "Built ")) {
		const char *t = strstr(p, "Total pages: ");

		assert_non_null(t);
		totals[n++] = strtoul(t + strlen("Total pages: "), NULL, 10);
	}
	return n;
}

/*
 * A node hot-added for the first time has no watermarks: __setup_per_zone_wmarks
 * walks the online nodes only.  Its first block, onlined, counts whole in
 * the rebuild's Total pages (the kernel's seed 1299: a 2 GiB DIMM on a new
 * node 1, "Built 1 zonelists" at the add, then 32 256 pages more -
 * 128 MiB less its 512 vmemmap pages - at the first block's online).
 */
static void test_new_node_has_no_watermarks(void **state)
{
	const uint64_t node_mem[] = { 1 * GiB, 0 };
	struct memhp_machine *m = boot_numa("memory_hotplug.memmap_on_memory=1", 1 * GiB, 2, node_mem, NULL, 0);
	struct memhp_dimm_info info;
	unsigned long t[8];
	int n;

	(void)state;
	write_ok(m, "/sys/devices/system/memory/auto_online_blocks", "online_movable");
	assert_int_equal(memhp_dimm_add(m, "d1", 128 * MiB, 1, MEMHP_ADDR_AUTO, -1, &info), 0);
	n = built_totals(m, t, 8);
	assert_int_equal(n, 3);	/* boot, the new node's own list, the online */
	assert_int_equal(t[2] - t[1], 32256);
	assert_int_equal(log_count(m, "Built 1 zonelists"), 2);
	assert_int_equal(log_count(m, "Built 2 zonelists"), 1);
	audit_ok(m);
	memhp_machine_destroy(m);
}

/* a slot or size QEMU cannot give keeps the machine from starting */
static void test_coldplug_errors(void **state)
{
	const struct memhp_coldplug two[] = { { "d1", 128 * MiB, 0 }, { "d1", 128 * MiB, 0 } };
	const struct memhp_coldplug odd = { "d1", 4096 * 3 + 1, 0 };
	struct memhp_config cfg = { 0 };
	struct memhp_machine *m = NULL;

	(void)state;
	cfg.max_phys = 256 * GiB;
	cfg.coldplug = two;
	cfg.nr_coldplug = 2;
	assert_int_equal(memhp_machine_create(&cfg, &m), -EEXIST);
	assert_null(m);
	cfg.coldplug = &odd;
	cfg.nr_coldplug = 1;
	assert_int_equal(memhp_machine_create(&cfg, &m), -EINVAL);
	cfg.coldplug = NULL;
	assert_int_equal(memhp_machine_create(&cfg, &m), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_coldplug_normal),
		cmocka_unit_test(test_coldplug_movable_node),
		cmocka_unit_test(test_coldplug_numa_memmap_on_memory),
		cmocka_unit_test(test_nvdimm),
		cmocka_unit_test(test_freed_memmap_pageblocks_stay_unmovable),
		cmocka_unit_test(test_user_page_skips_fragmented_normal),
		cmocka_unit_test(test_memoryless_node_skips_fragmented_normal),
		cmocka_unit_test(test_memmap_skips_normal_under_low),
		cmocka_unit_test(test_zonelist_order_three_nodes),
		cmocka_unit_test(test_zonelist_rebuilds),
		cmocka_unit_test(test_zonelist_total_pages),
		cmocka_unit_test(test_new_node_has_no_watermarks),
		cmocka_unit_test(test_coldplug_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
