// SPDX-License-Identifier: MIT
/*
 * test_cxl.c - the cxl_test topology on /sys/bus/cxl, checked against the
 * numbers of the kernel's tools/testing/cxl/test/{cxl,mem}.c (Linux 6.12):
 * the CEDT's windows (sizes, interleave, restrictions, where populate_cedt
 * carves them), the mock's platform devices and the ports, dports,
 * endpoints, memdevs and decoders the CXL drivers make of them, with the
 * links libcxl resolves.
 */
#include <pthread.h>
#include <sched.h>

#include "helpers.h"
#include "internal.h"
#include "cxl.h"

#define CXL "/sys/bus/cxl"
#define MAX_PHYS (256 * GiB)
/* cxl_test's gen_pool: the top 64 GiB of the physical address space */
#define POOL (MAX_PHYS - 64 * GiB)

static struct memhp_machine *boot_cxl(const char *topology)
{
	struct memhp_config c = { 0 };
	struct memhp_machine *m = NULL;

	c.mem = 1 * GiB;
	c.maxmem = 96 * GiB;
	c.max_phys = MAX_PHYS;
	c.cxl_topology = topology;
	assert_int_equal(memhp_machine_create(&c, &m), 0);
	return m;
}

struct count {
	const char *prefix;
	int n;
};

static int count_prefix(void *arg, const char *name, const struct memhp_stat *st)
{
	struct count *c = arg;

	if (!strncmp(name, c->prefix, strlen(c->prefix)))
		c->n++;
	return 0;
}

static int count_in(struct memhp_machine *m, const char *dir, const char *prefix)
{
	struct count c = { prefix, 0 };

	assert_int_equal(memhp_file_list(m, dir, count_prefix, &c), 0);
	return c.n;
}

static void link_is(struct memhp_machine *m, const char *path, const char *want)
{
	struct memhp_stat st;

	assert_int_equal(memhp_file_stat(m, path, &st), 0);
	assert_int_equal(st.type, MEMHP_FT_LINK);
	assert_string_equal(st.link, want);
}

/*
 * Devices: root0; a port per CXL 2.0 host bridge (3) and per switch (4 on
 * the two multi-root bridges, 1 on the single one); an endpoint and a
 * memdev per cxl_mem (8 + 2) and for the RCD (1); eight decoders per port
 * and endpoint (NR_CXL_PORT_DECODERS) and one root decoder per modulo
 * window (CFMWS 0-5).
 */
static void test_device_counts(void **state)
{
	struct memhp_machine *m = boot_cxl("cxl_test");
	int ports = 3 + 4 + 1, endpoints = 8 + 2 + 1;

	(void)state;
	assert_int_equal(count_in(m, CXL "/devices", "root"), 1);
	assert_int_equal(count_in(m, CXL "/devices", "port"), ports);
	assert_int_equal(count_in(m, CXL "/devices", "endpoint"), endpoints);
	assert_int_equal(count_in(m, CXL "/devices", "mem"), endpoints);
	assert_int_equal(count_in(m, CXL "/devices", "decoder"), 6 + 8 * (ports + endpoints));
	assert_int_equal(count_in(m, CXL "/devices", "decoder0."), 6);
	assert_int_equal(count_in(m, CXL "/drivers/cxl_mem", "mem"), endpoints);
	assert_int_equal(count_in(m, CXL "/drivers/cxl_port", "port") + count_in(m, CXL "/drivers/cxl_port", "endpoint"),
			 ports + endpoints);
	assert_int_equal(count_in(m, CXL "/drivers/cxl_port", "root"), 0);	/* a root has no driver */
	assert_int_equal(count_in(m, CXL "/devices", "region"), 1);	/* the mock's auto region */
	audit_ok(m);
	memhp_machine_destroy(m);
}

struct window {
	uint64_t size;
	const char *ways, *granularity, *cap_ram, *cap_pmem, *targets;
};

/* the root decoders' windows: placed 256 MiB aligned after the 4 CHBS blocks */
static void windows_are(struct memhp_machine *m, const struct window *w, int n)
{
	uint64_t base = POOL + 256 * MiB;

	for (int i = 0; i < n; i++) {
		char path[128], want[64];

		snprintf(path, sizeof(path), CXL "/devices/decoder0.%d/start", i);
		snprintf(want, sizeof(want), "0x%llx\n", (unsigned long long)base);
		file_is(m, path, want);
		snprintf(path, sizeof(path), CXL "/devices/decoder0.%d/size", i);
		snprintf(want, sizeof(want), "0x%llx\n", (unsigned long long)w[i].size);
		file_is(m, path, want);
#define ATTR_IS(_attr, _val) do { \
		snprintf(path, sizeof(path), CXL "/devices/decoder0.%d/" _attr, i); \
		file_is(m, path, _val); \
	} while (0)
		ATTR_IS("interleave_ways", w[i].ways);
		ATTR_IS("interleave_granularity", w[i].granularity);
		ATTR_IS("cap_ram", w[i].cap_ram);
		ATTR_IS("cap_pmem", w[i].cap_pmem);
		ATTR_IS("cap_type3", "1\n");
		ATTR_IS("cap_type2", "0\n");
		ATTR_IS("locked", "0\n");
		ATTR_IS("target_list", w[i].targets);
		ATTR_IS("qos_class", "42\n");
		ATTR_IS("devtype", "cxl_decoder_root\n");
#undef ATTR_IS
		base += w[i].size;
		base = (base + 256 * MiB - 1) / (256 * MiB) * (256 * MiB);
	}
}

/* cfmws0-5: eniw 0 -> 1 way, 1 -> 2; eig 4 -> 4096 bytes, but x1 windows show 256 (cxl_parse_cfmws) */
static void test_modulo_windows(void **state)
{
	static const struct window w[] = {
		{ 1 * GiB, "1\n", "256\n", "1\n", "0\n", "0\n" },
		{ 2 * GiB, "2\n", "4096\n", "1\n", "0\n", "0,1\n" },
		{ 1 * GiB, "1\n", "256\n", "0\n", "1\n", "0\n" },
		{ 2 * GiB, "2\n", "4096\n", "0\n", "1\n", "0,1\n" },
		{ 1 * GiB, "1\n", "256\n", "0\n", "1\n", "2\n" },
		{ 256 * MiB, "1\n", "256\n", "1\n", "0\n", "3\n" },
	};
	struct memhp_machine *m = boot_cxl("cxl_test");
	char *iomem, want[80];

	(void)state;
	windows_are(m, w, 6);
	iomem = readf(m, "/proc/iomem");
	snprintf(want, sizeof(want), "%llx-%llx : CXL Window 0\n", (unsigned long long)(POOL + 256 * MiB),
		 (unsigned long long)(POOL + 256 * MiB + GiB - 1));
	assert_non_null(strstr(iomem, want));
	assert_non_null(strstr(iomem, "CXL Window 5\n"));
	assert_null(strstr(iomem, "CXL Window 6"));
	free(iomem);
	memhp_machine_destroy(m);
}

/* cfmws6-8 (interleave_arithmetic=1): eniw 2 -> 4 ways, eig 0 -> 256 bytes */
static void test_xor_windows(void **state)
{
	static const struct window w[] = {
		{ 2 * GiB, "1\n", "256\n", "0\n", "1\n", "0\n" },
		{ 2 * GiB, "2\n", "256\n", "0\n", "1\n", "0,1\n" },
		{ 4 * GiB, "4\n", "256\n", "0\n", "1\n", "0,1,0,1\n" },
	};
	struct memhp_machine *m = boot_cxl("cxl_test:interleave_arithmetic=1");

	(void)state;
	windows_are(m, w, 3);
	assert_int_equal(count_in(m, CXL "/devices", "decoder0."), 3);
	memhp_machine_destroy(m);
}

/*
 * The memdevs (mem.c): 2 GiB, half ram and half pmem, a 128 KiB label
 * area, a 4 KiB payload, serial = the platform id; the RCD all ram.  mem0
 * is cxl_mem.0 under the first switch of host bridge 0, mem1 cxl_mem.4
 * beside it.
 */
static void test_memdevs(void **state)
{
	struct memhp_machine *m = boot_cxl("cxl_test");
	struct memhp_stat st;

	(void)state;
	link_is(m, CXL "/devices/mem0", "../../../devices/platform/cxl_host_bridge.0/cxl_root_port.0/"
		"cxl_switch_uport.0/cxl_switch_dport.0/cxl_mem.0/mem0");
	link_is(m, CXL "/devices/mem1", "../../../devices/platform/cxl_host_bridge.0/cxl_root_port.0/"
		"cxl_switch_uport.0/cxl_switch_dport.4/cxl_mem.4/mem1");
	file_is(m, CXL "/devices/mem0/ram/size", "0x40000000\n");
	file_is(m, CXL "/devices/mem0/pmem/size", "0x40000000\n");
	file_is(m, CXL "/devices/mem0/ram/qos_class", "42\n");
	file_is(m, CXL "/devices/mem0/serial", "0x0\n");
	file_is(m, CXL "/devices/mem1/serial", "0x4\n");
	file_is(m, CXL "/devices/mem1/numa_node", "0\n");
	file_is(m, CXL "/devices/mem4/serial", "0x1\n");
	file_is(m, CXL "/devices/mem4/numa_node", "1\n");
	file_is(m, CXL "/devices/mem0/label_storage_size", "131072\n");
	file_is(m, CXL "/devices/mem0/payload_max", "4096\n");
	file_is(m, CXL "/devices/mem0/firmware_version", "mock fw v1 \n");
	file_is(m, CXL "/devices/mem3/dev", "61:3\n");
	link_is(m, CXL "/devices/mem0/driver", "../../../../../../../../bus/cxl/drivers/cxl_mem");
	link_is(m, CXL "/drivers/cxl_mem/mem0", "../../../../devices/platform/cxl_host_bridge.0/cxl_root_port.0/"
		"cxl_switch_uport.0/cxl_switch_dport.0/cxl_mem.0/mem0");
	/* the RCD: all volatile, no label area, no pmem performance class */
	link_is(m, CXL "/devices/mem10", "../../../devices/platform/cxl_host_bridge.3/cxl_rcd.10/mem10");
	file_is(m, CXL "/devices/mem10/ram/size", "0x80000000\n");
	file_is(m, CXL "/devices/mem10/pmem/size", "0x0\n");
	file_is(m, CXL "/devices/mem10/label_storage_size", "0\n");
	assert_int_equal(memhp_file_stat(m, CXL "/devices/mem10/pmem/qos_class", &st), -ENOENT);
	memhp_machine_destroy(m);
}

/*
 * Ports: root0's dports are the host bridges by _UID; port1 (bridge 0)
 * has root ports 0 and 2; the first switch port hangs from it with
 * downstream ports 0 and 4, and mem0's endpoint from that switch.  The
 * RCH has no port: its memdev's endpoint is root0's own, below the RCH.
 */
static void test_ports(void **state)
{
	struct memhp_machine *m = boot_cxl("cxl_test");
	char buf[64];

	(void)state;
	link_is(m, CXL "/devices/root0", "../../../devices/platform/cxl_acpi.0/root0");
	link_is(m, CXL "/devices/root0/uport", "../../cxl_acpi.0");
	for (int uid = 0; uid < 4; uid++) {
		char path[64], want[64];

		snprintf(path, sizeof(path), CXL "/devices/root0/dport%d", uid);
		snprintf(want, sizeof(want), "../../cxl_host_bridge.%d", uid);
		link_is(m, path, want);
	}
	link_is(m, CXL "/devices/port1", "../../../devices/platform/cxl_acpi.0/root0/port1");
	link_is(m, CXL "/devices/port1/uport", "../../../cxl_host_bridge.0");
	link_is(m, CXL "/devices/port1/dport0", "../../../cxl_host_bridge.0/cxl_root_port.0");
	link_is(m, CXL "/devices/port1/dport2", "../../../cxl_host_bridge.0/cxl_root_port.2");
	link_is(m, CXL "/devices/port4", "../../../devices/platform/cxl_acpi.0/root0/port1/port4");
	link_is(m, CXL "/devices/port4/dport4",
		"../../../../cxl_host_bridge.0/cxl_root_port.0/cxl_switch_uport.0/cxl_switch_dport.4");
	link_is(m, CXL "/devices/endpoint5", "../../../devices/platform/cxl_acpi.0/root0/port1/port4/endpoint5");
	link_is(m, CXL "/devices/endpoint5/uport", "../../../../../cxl_host_bridge.0/cxl_root_port.0/"
		"cxl_switch_uport.0/cxl_switch_dport.0/cxl_mem.0/mem0");
	link_is(m, CXL "/devices/endpoint19", "../../../devices/platform/cxl_acpi.0/root0/endpoint19");
	link_is(m, CXL "/devices/endpoint19/parent_dport", "../../../cxl_host_bridge.3");
	link_is(m, "/sys/devices/platform/cxl_host_bridge.0/physical_node", "../cxl_host_bridge.0");
	link_is(m, "/sys/devices/platform/cxl_host_bridge.3/firmware_node", "../cxl_host_bridge.3");
	file_is(m, CXL "/devices/port1/devtype", "cxl_port\n");
	file_is(m, CXL "/devices/port1/modalias", "cxl:t3\n");
	file_is(m, CXL "/devices/root0/modalias", "cxl:t4\n");
	file_is(m, CXL "/devices/port7/decoders_committed", "0\n");
	/* a switch decoder targets the first of its dports until programmed */
	file_is(m, CXL "/devices/decoder1.0/target_list", "0\n");
	file_is(m, CXL "/devices/decoder4.7/interleave_ways", "1\n");
	file_is(m, CXL "/devices/decoder4.7/interleave_granularity", "256\n");
	file_is(m, CXL "/devices/decoder4.7/target_type", "expander\n");
	file_is(m, CXL "/devices/decoder5.1/mode", "none\n");
	file_is(m, CXL "/devices/decoder5.1/dpa_resource", "0xffffffffffffffff\n");
	file_is(m, CXL "/devices/decoder5.1/dpa_size", "0x0000000000000000\n");
	file_is(m, CXL "/devices/decoder5.1/size", "0x0\n");
	assert_true(memhp_file_read(m, CXL "/devices/decoder5.1/region", buf, sizeof(buf)) == 1);
	memhp_machine_destroy(m);
}

/*
 * mock_init_hdm_decoder: decoder 0 of cxl_mem.0 and cxl_mem.4 (mem0, mem1)
 * and of their switch and host bridge come up committed, 512 MiB at the
 * base of window 0, 2 ways; the region driver assembles region0 (decoder0.0's
 * first id) and hands it to dax and kmem.  No region with XOR windows.
 */
static void test_auto_region(void **state)
{
	struct memhp_machine *m = boot_cxl("cxl_test");
	char want[96], *iomem;

	(void)state;
	file_is(m, CXL "/devices/region0/mode", "ram\n");
	file_is(m, CXL "/devices/region0/size", "0x20000000\n");
	snprintf(want, sizeof(want), "0x%llx\n", (unsigned long long)(POOL + 256 * MiB));
	file_is(m, CXL "/devices/region0/resource", want);
	file_is(m, CXL "/devices/decoder5.0/start", want);
	file_is(m, CXL "/devices/region0/interleave_ways", "2\n");
	file_is(m, CXL "/devices/region0/interleave_granularity", "4096\n");
	file_is(m, CXL "/devices/region0/commit", "1\n");
	file_is(m, CXL "/devices/region0/target0", "decoder5.0\n");
	file_is(m, CXL "/devices/region0/target1", "decoder6.0\n");
	link_is(m, CXL "/devices/region0", "../../../devices/platform/cxl_acpi.0/root0/decoder0.0/region0");
	link_is(m, CXL "/devices/region0/driver", "../../../../../../bus/cxl/drivers/cxl_region");
	file_is(m, CXL "/devices/decoder5.0/mode", "ram\n");
	file_is(m, CXL "/devices/decoder5.0/dpa_resource", "0x0\n");
	file_is(m, CXL "/devices/decoder5.0/dpa_size", "0x0000000010000000\n");
	file_is(m, CXL "/devices/decoder5.0/region", "region0\n");
	file_is(m, CXL "/devices/decoder4.0/target_list", "0,4\n");
	file_is(m, CXL "/devices/decoder4.0/interleave_ways", "2\n");
	file_is(m, CXL "/devices/decoder1.0/target_list", "0\n");
	file_is(m, CXL "/devices/decoder1.0/interleave_granularity", "4096\n");
	file_is(m, CXL "/devices/port1/decoders_committed", "1\n");
	file_is(m, CXL "/devices/endpoint6/decoders_committed", "1\n");
	file_is(m, CXL "/devices/decoder0.0/create_ram_region", "region6\n");
	file_is(m, "/sys/bus/dax/devices/dax0.0/size", "536870912\n");
	/* cxl_dax_region_probe: alloc_dax_region on dax_region0, under region0 */
	link_is(m, "/sys/bus/dax/devices/dax0.0",
		"../../../devices/platform/cxl_acpi.0/root0/decoder0.0/region0/dax_region0/dax0.0");
	link_is(m, "/sys/bus/dax/devices/dax0.0/driver", "../../../../../../../../bus/dax/drivers/kmem");
	link_is(m, CXL "/devices/dax_region0/driver", "../../../../../../../bus/cxl/drivers/cxl_dax_region");
	iomem = readf(m, "/proc/iomem");
	snprintf(want, sizeof(want), "  %llx-%llx : region0\n    %llx-%llx : dax0.0\n",
		 (unsigned long long)(POOL + 256 * MiB), (unsigned long long)(POOL + 768 * MiB - 1),
		 (unsigned long long)(POOL + 256 * MiB), (unsigned long long)(POOL + 768 * MiB - 1));
	assert_non_null(strstr(iomem, want));
	free(iomem);
	memhp_machine_destroy(m);
	m = boot_cxl("cxl_test:interleave_arithmetic=1");
	assert_int_equal(count_in(m, CXL "/devices", "region"), 0);
	file_is(m, CXL "/devices/port1/decoders_committed", "0\n");
	memhp_machine_destroy(m);
}

/*
 * Every cxl bus device's uevent (dev_uevent, cxl_bus_uevent): memN's char
 * device as cxl_memdev_devnode names it, DEVTYPE, DRIVER while bound,
 * MODALIAS; writing it takes kobject_synth_uevent's actions only.
 */
static void test_uevent_files(void **state)
{
	struct memhp_machine *m = boot_cxl("cxl_test");

	(void)state;
	file_is(m, CXL "/devices/mem0/uevent",
		"MAJOR=61\nMINOR=0\nDEVNAME=cxl/mem0\nDEVTYPE=cxl_memdev\nDRIVER=cxl_mem\nMODALIAS=cxl:t5\n");
	file_is(m, CXL "/devices/root0/uevent", "DEVTYPE=cxl_port\nMODALIAS=cxl:t4\n");	/* no driver */
	file_is(m, CXL "/devices/port1/uevent", "DEVTYPE=cxl_port\nDRIVER=cxl_port\nMODALIAS=cxl:t3\n");
	file_is(m, CXL "/devices/decoder0.0/uevent", "DEVTYPE=cxl_decoder_root\nMODALIAS=cxl:t0\n");
	file_is(m, CXL "/devices/decoder5.0/uevent", "DEVTYPE=cxl_decoder_endpoint\nMODALIAS=cxl:t0\n");
	file_is(m, CXL "/devices/region0/uevent", "DEVTYPE=cxl_region\nDRIVER=cxl_region\nMODALIAS=cxl:t6\n");
	file_is(m, CXL "/devices/nvdimm-bridge0/uevent",
		"DEVTYPE=cxl_nvdimm_bridge\nDRIVER=cxl_nvdimm_bridge\nMODALIAS=cxl:t1\n");
	file_is(m, CXL "/devices/dax_region0/uevent",
		"DEVTYPE=cxl_dax_region\nDRIVER=cxl_dax_region\nMODALIAS=cxl:t8\n");
	assert_int_equal(memhp_file_write(m, CXL "/devices/region0/uevent", "change\n", 7), 7);
	assert_int_equal(memhp_file_write(m, CXL "/devices/region0/uevent", "bogus\n", 6), -EINVAL);
	memhp_machine_destroy(m);
}

/* the bus: flush takes "1" only; nothing of it without a topology */
static void test_bus(void **state)
{
	struct memhp_machine *m = boot_cxl("cxl_test");
	struct memhp_stat st;

	(void)state;
	assert_int_equal(memhp_file_write(m, CXL "/flush", "1\n", 2), 2);
	assert_int_equal(memhp_file_write(m, CXL "/flush", "2\n", 2), -EINVAL);
	memhp_machine_destroy(m);
	m = boot_cxl(NULL);
	assert_int_equal(memhp_file_stat(m, CXL, &st), -ENOENT);
	assert_int_equal(memhp_file_stat(m, "/sys/devices/platform/cxl_acpi.0", &st), -ENOENT);
	assert_int_equal(count_in(m, "/sys/bus", "cxl"), 0);
	assert_int_equal(count_in(m, "/sys/bus", "dax"), 1);
	memhp_machine_destroy(m);
}

static void test_unknown_topology(void **state)
{
	struct memhp_config c = { 0 };
	struct memhp_machine *m = NULL;

	(void)state;
	c.mem = 1 * GiB;
	c.max_phys = MAX_PHYS;
	c.cxl_topology = "qemu";
	assert_int_equal(memhp_machine_create(&c, &m), -EINVAL);
	assert_null(m);
	c.cxl_topology = "cxl_test:interleave_arithmetic=2";
	assert_int_equal(memhp_machine_create(&c, &m), -EINVAL);
}

/* ---- region programming ------------------------------------------------------ */

#define DEV CXL "/devices/"

static struct memhp_machine *boot_cxl_cmdline(const char *cmdline)
{
	struct memhp_config c = { 0 };
	struct memhp_machine *m = NULL;

	c.mem = 1 * GiB;
	c.maxmem = 96 * GiB;
	c.max_phys = MAX_PHYS;
	c.cmdline = cmdline;
	c.cxl_topology = "cxl_test";
	assert_int_equal(memhp_machine_create(&c, &m), 0);
	return m;
}

static void write_err(struct memhp_machine *m, const char *path, const char *val, int err)
{
	ssize_t ret = writef(m, path, val);

	if (ret != err)
		fail_msg("%s <- '%s': want %d, got %zd", path, val, err, ret);
}

static long long meminfo_kb(struct memhp_machine *m, const char *key)
{
	char *text = readf(m, "/proc/meminfo"), *at = strstr(text, key);
	long long v = at ? atoll(at + strlen(key)) : -1;

	free(text);
	return v;
}

/*
 * Endpoint DPA (hdm.c): a mode first, 256 MiB multiples, within the
 * partition, in decoder order; the first pmem allocation skips the free
 * ram; only the last allocation may be freed.
 */
static void test_endpoint_dpa(void **state)
{
	struct memhp_machine *m = boot_cxl("cxl_test");

	(void)state;
	write_err(m, DEV "decoder8.0/dpa_size", "0x10000000", -EINVAL);	/* mode not set */
	write_err(m, DEV "decoder8.0/mode", "mixed", -EINVAL);
	write_err(m, DEV "decoder19.0/mode", "pmem", -ENXIO);		/* the RCD has no pmem */
	write_ok(m, DEV "decoder8.0/mode", "ram");
	write_err(m, DEV "decoder8.0/dpa_size", "0x1000000", -EINVAL);	/* not 256 MiB aligned */
	write_err(m, DEV "decoder8.0/dpa_size", "0x80000000", -ENOSPC);	/* 2 GiB > 1 GiB of ram */
	write_ok(m, DEV "decoder8.1/mode", "pmem");
	write_err(m, DEV "decoder8.1/dpa_size", "0x10000000", -EBUSY);	/* decoder8.0 goes first */
	write_ok(m, DEV "decoder8.0/dpa_size", "0x10000000");
	file_is(m, DEV "decoder8.0/dpa_resource", "0x0\n");
	file_is(m, DEV "decoder8.0/dpa_size", "0x0000000010000000\n");
	write_ok(m, DEV "decoder8.1/dpa_size", "0x10000000");
	file_is(m, DEV "decoder8.1/dpa_resource", "0x40000000\n");	/* after the ram partition */
	/* the skip took the rest of the ram */
	write_ok(m, DEV "decoder8.2/mode", "ram");
	write_err(m, DEV "decoder8.2/dpa_size", "0x10000000", -ENOSPC);
	write_err(m, DEV "decoder8.0/dpa_size", "0", -EBUSY);	/* not the last allocation */
	write_ok(m, DEV "decoder8.1/dpa_size", "0");
	write_ok(m, DEV "decoder8.0/dpa_size", "0");
	file_is(m, DEV "decoder8.0/dpa_resource", "0xffffffffffffffff\n");
	write_ok(m, DEV "decoder8.0/dpa_size", "0x40000000");		/* the whole ram partition */
	memhp_machine_destroy(m);
}

/* a 2-way ram region of mem2 and mem3 (cxl_mem.2 and .6, the second switch) under decoder0.0, committed */
static void program_region(struct memhp_machine *m)
{
	write_ok(m, DEV "decoder0.0/create_ram_region", "region6");
	write_ok(m, DEV "region6/interleave_granularity", "4096");
	write_ok(m, DEV "region6/interleave_ways", "2");
	write_ok(m, DEV "region6/size", "0x20000000");
	for (int e = 8; e <= 9; e++) {
		char path[64];

		snprintf(path, sizeof(path), DEV "decoder%d.0/mode", e);
		write_ok(m, path, "ram");
		snprintf(path, sizeof(path), DEV "decoder%d.0/dpa_size", e);
		write_ok(m, path, "0x10000000");
	}
	write_ok(m, DEV "region6/target0", "decoder8.0");
	write_ok(m, DEV "region6/target1", "decoder9.0");
	write_ok(m, DEV "region6/commit", "1");
}

/* region.c's ordering: each parameter in its turn, each refusal with its errno */
static void test_region_rules(void **state)
{
	struct memhp_machine *m = boot_cxl("cxl_test");
	struct memhp_stat st;
	char want[64];

	(void)state;
	file_is(m, DEV "decoder0.0/create_ram_region", "region6\n");
	file_is(m, DEV "decoder0.1/create_ram_region", "region1\n");	/* one id per root decoder */
	assert_int_equal(memhp_file_stat(m, DEV "decoder0.2/create_ram_region", &st), -ENOENT);	/* pmem */
	write_err(m, DEV "decoder0.0/create_ram_region", "region1", -EBUSY);
	write_err(m, DEV "decoder0.0/create_ram_region", "bogus", -EINVAL);
	write_ok(m, DEV "decoder0.0/create_ram_region", "region6");
	file_is(m, DEV "decoder0.0/create_ram_region", "region7\n");	/* the next free memregion id */
	file_is(m, DEV "region6/mode", "ram\n");
	file_is(m, DEV "region6/uuid", "\n");
	assert_int_equal(memhp_file_stat(m, DEV "region6/uuid", &st), 0);
	assert_int_equal(st.mode, 0444);
	write_err(m, DEV "region6/size", "0x20000000", -ENXIO);	/* ways and granularity first */
	write_err(m, DEV "region6/interleave_ways", "0", -EINVAL);
	write_err(m, DEV "region6/interleave_ways", "5", -EINVAL);
	write_err(m, DEV "region6/interleave_granularity", "100", -EINVAL);
	write_ok(m, DEV "region6/interleave_granularity", "4096");
	write_ok(m, DEV "region6/interleave_ways", "2");
	assert_int_equal(memhp_file_stat(m, DEV "region6/target1", &st), 0);
	assert_int_equal(memhp_file_stat(m, DEV "region6/target2", &st), -ENOENT);
	write_err(m, DEV "region6/size", "0x10000000", -EINVAL);	/* not 256 MiB per way */
	write_ok(m, DEV "region6/size", "0x20000000");
	snprintf(want, sizeof(want), "0x%llx\n", (unsigned long long)(POOL + 768 * MiB));	/* window 0's start */
	file_is(m, DEV "region6/resource", want);
	write_err(m, DEV "region6/interleave_ways", "1", -EBUSY);
	write_err(m, DEV "region6/target0", "decoder8.0", -EINVAL);	/* mode none != ram */
	write_ok(m, DEV "decoder8.0/mode", "ram");
	write_err(m, DEV "region6/target0", "decoder8.0", -ENXIO);	/* no DPA */
	write_ok(m, DEV "decoder8.0/dpa_size", "0x20000000");
	write_err(m, DEV "region6/target0", "decoder8.0", -EINVAL);	/* 512M * 2 ways != 512M */
	write_ok(m, DEV "decoder8.0/dpa_size", "0");
	write_ok(m, DEV "decoder8.0/dpa_size", "0x10000000");
	write_err(m, DEV "region6/target0", "decoder9", -ENODEV);
	write_err(m, DEV "region6/target0", "decoder7.0", -EINVAL);	/* a switch decoder */
	/* mem4 (cxl_mem.1) is below host bridge 1, which decoder0.0 does not decode to */
	write_ok(m, DEV "decoder11.0/mode", "ram");
	write_ok(m, DEV "decoder11.0/dpa_size", "0x10000000");
	write_err(m, DEV "region6/target1", "decoder11.0", -ENXIO);
	write_ok(m, DEV "region6/target0", "decoder8.0");
	/* one memdev in two positions */
	write_ok(m, DEV "decoder8.1/mode", "ram");
	write_ok(m, DEV "decoder8.1/dpa_size", "0x10000000");
	write_err(m, DEV "region6/target1", "decoder8.1", -EBUSY);
	write_err(m, DEV "region6/commit", "1", -ENXIO);		/* a position is empty */
	write_ok(m, DEV "decoder9.0/mode", "ram");
	write_ok(m, DEV "decoder9.0/dpa_size", "0x10000000");
	write_ok(m, DEV "region6/target1", "decoder9.0");
	file_is(m, DEV "decoder8.0/region", "region6\n");
	file_is(m, DEV "decoder9.0/interleave_ways", "2\n");
	/* the port decoders on the way: host bridge 1 way to root port 2, the switch 2 ways */
	file_is(m, DEV "decoder1.1/interleave_ways", "1\n");
	file_is(m, DEV "decoder1.1/interleave_granularity", "4096\n");
	file_is(m, DEV "decoder1.1/target_list", "2\n");
	file_is(m, DEV "decoder7.0/interleave_ways", "2\n");
	file_is(m, DEV "decoder7.0/target_list", "2,6\n");
	write_err(m, DEV "region6/size", "0", -EBUSY);		/* targets attached */
	file_is(m, DEV "region6/commit", "0\n");
	write_ok(m, DEV "region6/commit", "1");
	file_is(m, DEV "region6/commit", "1\n");
	file_is(m, DEV "port1/decoders_committed", "2\n");
	file_is(m, DEV "port7/decoders_committed", "1\n");
	file_is(m, DEV "endpoint8/decoders_committed", "1\n");
	write_err(m, DEV "decoder9.0/mode", "pmem", -EBUSY);		/* enabled */
	write_err(m, DEV "decoder9.0/dpa_size", "0", -EBUSY);
	write_ok(m, DEV "region6/commit", "0");
	file_is(m, DEV "port7/decoders_committed", "0\n");
	write_ok(m, DEV "region6/target1", "\n");
	file_is(m, DEV "decoder7.0/region", "region6\n");		/* still decoding for target0 */
	write_ok(m, DEV "region6/target0", "\n");
	file_is(m, DEV "decoder7.0/region", "\n");
	write_err(m, DEV "decoder0.0/delete_region", "region1", -ENODEV);
	write_ok(m, DEV "decoder0.0/delete_region", "region6");
	assert_int_equal(memhp_file_stat(m, DEV "region6", &st), -ENOENT);
	assert_int_equal(count_in(m, CXL "/devices", "region"), 1);	/* region0 stays */
	audit_ok(m);
	memhp_machine_destroy(m);
}

/* mock_decoder_commit: a port's decoders commit in id order; a failure leaves none enabled */
static void test_commit_order(void **state)
{
	struct memhp_machine *m = boot_cxl("cxl_test");

	(void)state;
	/* region6 takes the next free decoder of each port; region7 the one after */
	write_ok(m, DEV "decoder0.0/create_ram_region", "region6");
	write_ok(m, DEV "region6/interleave_granularity", "4096");
	write_ok(m, DEV "region6/interleave_ways", "1");
	write_ok(m, DEV "region6/size", "0x10000000");
	write_ok(m, DEV "decoder8.0/mode", "ram");
	write_ok(m, DEV "decoder8.0/dpa_size", "0x10000000");
	write_ok(m, DEV "region6/target0", "decoder8.0");
	write_ok(m, DEV "decoder0.0/create_ram_region", "region7");
	write_ok(m, DEV "region7/interleave_granularity", "4096");
	write_ok(m, DEV "region7/interleave_ways", "1");
	write_ok(m, DEV "region7/size", "0x10000000");
	write_ok(m, DEV "decoder8.1/mode", "ram");
	write_ok(m, DEV "decoder8.1/dpa_size", "0x10000000");
	/* the port decoders after the last committed one serve region6 already */
	write_err(m, DEV "region7/target0", "decoder8.1", -EBUSY);
	write_ok(m, DEV "region6/commit", "1");
	write_ok(m, DEV "region7/target0", "decoder8.1");
	file_is(m, DEV "decoder7.1/region", "region7\n");
	write_ok(m, DEV "region6/commit", "0");
	write_err(m, DEV "region7/commit", "1", -EBUSY);	/* decoder8.1 before 8.0 */
	file_is(m, DEV "endpoint8/decoders_committed", "0\n");
	file_is(m, DEV "port7/decoders_committed", "0\n");
	write_ok(m, DEV "region6/commit", "1");
	write_ok(m, DEV "region7/commit", "1");
	file_is(m, DEV "endpoint8/decoders_committed", "2\n");
	memhp_machine_destroy(m);
}

/*
 * A committed ram region bound to cxl_region: dax region, device and kmem
 * over its HPA; MemTotal grows by the region minus one 2 MiB memmap per
 * 128 MiB block (memmap_on_memory); destroyed in reverse, all comes back.
 */
static void test_ram_region_kmem(void **state)
{
	struct memhp_machine *m = boot_cxl_cmdline("memory_hotplug.memmap_on_memory=1 "
						   "memhp_default_state=online_movable");
	long long total = meminfo_kb(m, "MemTotal:");
	char *iomem = readf(m, "/proc/iomem"), *after, want[128];
	uint64_t start = POOL + 768 * MiB;

	(void)state;
	program_region(m);
	write_err(m, CXL "/drivers/cxl_region/bind", "region9", -ENODEV);
	write_ok(m, CXL "/drivers/cxl_region/bind", "region6");
	write_err(m, CXL "/drivers/cxl_region/bind", "region6", -EBUSY);
	file_is(m, "/sys/bus/dax/devices/dax6.0/memmap_on_memory", "1\n");
	file_is(m, "/sys/bus/dax/devices/dax6.0/size", "536870912\n");
	assert_int_equal(meminfo_kb(m, "MemTotal:") - total, (512 - 4 * 2) * 1024);
	after = readf(m, "/proc/iomem");
	snprintf(want, sizeof(want), "  %llx-%llx : region6\n    %llx-%llx : dax6.0\n      %llx-%llx : System RAM (kmem)\n",
		 (unsigned long long)start, (unsigned long long)(start + 512 * MiB - 1), (unsigned long long)start,
		 (unsigned long long)(start + 512 * MiB - 1), (unsigned long long)start,
		 (unsigned long long)(start + 512 * MiB - 1));
	assert_non_null(strstr(after, want));
	free(after);
	/* every block online, its memmap on its own first 512 pages (the altmap) */
	for (uint64_t b = start / (128 * MiB); b < (start + 512 * MiB) / (128 * MiB); b++) {
		unsigned long pfn, nr, nr_vmemmap;

		snprintf(want, sizeof(want), "/sys/devices/system/memory/memory%llu/state", (unsigned long long)b);
		file_is(m, want, "online\n");
		assert_int_equal(memhp_block_range(m, b, &pfn, &nr, &nr_vmemmap), 0);
		assert_int_equal(pfn, b * (128 * MiB) / 4096);
		assert_int_equal(nr_vmemmap, 512);
	}
	/* online memory: the region stays bound, nothing changed */
	write_err(m, CXL "/drivers/cxl_region/unbind", "region6", -EBUSY);
	write_err(m, DEV "decoder0.0/delete_region", "region6", -EBUSY);
	for (uint64_t b = start / (128 * MiB); b < (start + 512 * MiB) / (128 * MiB); b++) {
		snprintf(want, sizeof(want), "/sys/devices/system/memory/memory%llu/state", (unsigned long long)b);
		write_ok(m, want, "offline");
	}
	write_ok(m, CXL "/drivers/cxl_region/unbind", "region6");
	assert_int_equal(meminfo_kb(m, "MemTotal:"), total);
	write_ok(m, DEV "region6/commit", "0");
	write_ok(m, DEV "region6/target0", "\n");
	write_ok(m, DEV "region6/target1", "\n");
	write_ok(m, DEV "decoder8.0/dpa_size", "0");
	write_ok(m, DEV "decoder9.0/dpa_size", "0");
	write_ok(m, DEV "decoder0.0/delete_region", "region6");
	after = readf(m, "/proc/iomem");
	assert_string_equal(after, iomem);
	free(after);
	free(iomem);
	audit_ok(m);
	memhp_machine_destroy(m);
}

/*
 * Every fallible step of binding a ram region, failed in turn: the bind
 * fails and nothing changed, or a driver core probe below it failed -
 * cxl_dax_region's (dax_region6 stands without a driver or dax region) or
 * kmem's (the dax device stands unbound) - and the unbind takes it all
 * away again - until the bind goes through whole.
 */
static void test_bind_fault_sweep(void **state)
{
	struct memhp_machine *m = boot_cxl_cmdline("memory_hotplug.memmap_on_memory=1 "
						   "memhp_default_state=online_movable");
	unsigned long nth, failed = 0;
	struct memhp_stat st;
	char *snap;

	(void)state;
	program_region(m);
	snap = machine_snapshot(m);
	for (nth = 1; nth < 400; nth++) {
		ssize_t ret;

		memhp_fault_inject(m, nth);
		ret = writef(m, CXL "/drivers/cxl_region/bind", "region6");
		memhp_fault_inject(m, 0);
		if (ret > 0 && !memhp_file_stat(m, "/sys/bus/dax/devices/dax6.0/driver", &st))
			break;
		failed++;
		if (ret > 0)
			write_ok(m, CXL "/drivers/cxl_region/unbind", "region6");
		assert_int_equal(memhp_file_stat(m, DEV "region6/driver", &st), -ENOENT);
		assert_unchanged(m, snap);
	}
	assert_true(failed >= 4);	/* the region's device, then each block's add */
	assert_int_equal(memhp_file_stat(m, DEV "region6/driver", &st), 0);
	print_message("cxl_region bind: %lu failing steps rolled back\n", failed);
	free(snap);
	audit_ok(m);
	memhp_machine_destroy(m);
}

/* ---- concurrency: lookups without a lock against programming ------------------ */

struct churn {
	struct memhp_machine *m;
	int stop;	/* atomic */
	long reads;	/* atomic */
};

static int note_entry(void *arg, const char *name, const struct memhp_stat *st)
{
	(*(long *)arg)++;
	return 0;
}

/* list the bus and read every region's files while regions come and go */
/* the reader stopped after a whole pass while the writer churned, at least */
static void churn_stop(struct churn *c, pthread_t t)
{
	while (__atomic_load_n(&c->reads, __ATOMIC_ACQUIRE) < 2)
		sched_yield();
	__atomic_store_n(&c->stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
}

static void *cxl_reader(void *arg)
{
	struct churn *c = arg;
	char buf[64];

	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) {
		long n = 0;

		assert_int_equal(memhp_file_list(c->m, CXL "/devices", note_entry, &n), 0);
		for (int id = 6; id <= 8; id++) {
			char path[64];

			snprintf(path, sizeof(path), DEV "region%d/interleave_ways", id);
			memhp_file_read(c->m, path, buf, sizeof(buf));
			snprintf(path, sizeof(path), DEV "region%d/target1", id);
			memhp_file_read(c->m, path, buf, sizeof(buf));
		}
		memhp_file_read(c->m, DEV "decoder0.0/create_ram_region", buf, sizeof(buf));
		__atomic_add_fetch(&c->reads, 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void test_concurrent_regions(void **state)
{
	struct memhp_machine *m = boot_cxl("cxl_test");
	struct churn c = { .m = m };
	pthread_t t;

	(void)state;
	assert_int_equal(pthread_create(&t, NULL, cxl_reader, &c), 0);
	for (int i = 0; i < 100 / SAN_SCALE + 10; i++) {
		char name[32], path[128];

		assert_true(memhp_file_read(m, DEV "decoder0.0/create_ram_region", name, sizeof(name)) > 0);
		name[strcspn(name, "\n")] = '\0';
		write_ok(m, DEV "decoder0.0/create_ram_region", name);
		snprintf(path, sizeof(path), DEV "%s/interleave_ways", name);
		write_ok(m, path, "2");
		snprintf(path, sizeof(path), DEV "%s/interleave_granularity", name);
		write_ok(m, path, "4096");
		write_ok(m, DEV "decoder0.0/delete_region", name);
	}
	churn_stop(&c, t);
	assert_int_equal(count_in(m, CXL "/devices", "region"), 1);
	memhp_machine_destroy(m);
}


/* ---- driver binding: cxl_mem and cxl_port ------------------------------------ */

static void absent(struct memhp_machine *m, const char *path)
{
	struct memhp_stat st;

	assert_int_equal(memhp_file_stat(m, path, &st), -ENOENT);
}

static void present(struct memhp_machine *m, const char *path)
{
	struct memhp_stat st;

	assert_int_equal(memhp_file_stat(m, path, &st), 0);
}

/*
 * The platform driver cxl_acpi (cxl disable-bus unbinds cxl_acpi.0): its
 * teardown takes root0 and everything on it - ports, endpoints, the root
 * decoders, the regions, the windows in /proc/iomem - and every memdev
 * detaches from cxl_mem; bind probes again and rescans the bus, so each
 * memdev probes and the topology is back.
 */
static void test_acpi_binding(void **state)
{
	struct memhp_machine *m = boot_cxl_cmdline("memhp_default_state=offline");
	int decoders = count_in(m, CXL "/devices", "decoder");
	char *iomem;

	(void)state;
	link_is(m, "/sys/devices/platform/cxl_acpi.0/driver", "../../../bus/platform/drivers/cxl_acpi");
	link_is(m, "/sys/bus/platform/drivers/cxl_acpi/cxl_acpi.0", "../../../../devices/platform/cxl_acpi.0");
	present(m, "/sys/bus/platform/devices/cxl_mem.4/mem1");
	write_err(m, "/sys/bus/platform/drivers/cxl_acpi/unbind", "cxl_mem.0", -ENODEV);
	write_ok(m, "/sys/bus/platform/drivers/cxl_acpi/unbind", "cxl_acpi.0");
	write_err(m, "/sys/bus/platform/drivers/cxl_acpi/unbind", "cxl_acpi.0", -ENODEV);
	absent(m, "/sys/devices/platform/cxl_acpi.0/driver");
	absent(m, "/sys/devices/platform/cxl_acpi.0/root0");
	assert_int_equal(count_in(m, CXL "/devices", "root"), 0);
	assert_int_equal(count_in(m, CXL "/devices", "port"), 0);
	assert_int_equal(count_in(m, CXL "/devices", "endpoint"), 0);
	assert_int_equal(count_in(m, CXL "/devices", "decoder"), 0);
	assert_int_equal(count_in(m, CXL "/devices", "region"), 0);
	assert_int_equal(count_in(m, CXL "/devices", "mem"), 11);	/* the mock's memdevs stay */
	assert_int_equal(count_in(m, CXL "/drivers/cxl_mem", "mem"), 0);
	iomem = readf(m, "/proc/iomem");
	assert_null(strstr(iomem, "CXL Window"));
	free(iomem);
	write_err(m, CXL "/drivers/cxl_mem/bind", "mem0", -ENXIO);	/* no topology */

	write_ok(m, "/sys/bus/platform/drivers/cxl_acpi/bind", "cxl_acpi.0");
	write_err(m, "/sys/bus/platform/drivers/cxl_acpi/bind", "cxl_acpi.0", -EBUSY);
	present(m, "/sys/devices/platform/cxl_acpi.0/root0/port1/port4/endpoint5");
	assert_int_equal(count_in(m, CXL "/devices", "port"), 3 + 4 + 1);
	assert_int_equal(count_in(m, CXL "/devices", "endpoint"), 11);
	assert_int_equal(count_in(m, CXL "/drivers/cxl_mem", "mem"), 11);
	/* every decoder back (the auto region's are the mock's default again), the windows too */
	assert_int_equal(count_in(m, CXL "/devices", "decoder"), decoders);
	file_is(m, DEV "decoder0.0/create_ram_region", "region0\n");
	iomem = readf(m, "/proc/iomem");
	assert_non_null(strstr(iomem, "CXL Window 5"));
	free(iomem);
	audit_ok(m);
	memhp_machine_destroy(m);
}

/*
 * region0's memory online (the default state) when cxl_acpi.0 goes: kmem
 * leaves it behind, still System RAM in /proc/iomem; the window cannot be
 * requested over it again, so a new probe fails with EBUSY and undoes
 * itself (the kernel's insert_resource would adopt it).
 */
static void test_acpi_leaked_memory(void **state)
{
	struct memhp_machine *m = boot_cxl("cxl_test");
	long long total = meminfo_kb(m, "MemTotal:");
	char *iomem;

	(void)state;
	write_ok(m, "/sys/bus/platform/drivers/cxl_acpi/unbind", "cxl_acpi.0");
	assert_int_equal(meminfo_kb(m, "MemTotal:"), total);	/* leaked, online */
	iomem = readf(m, "/proc/iomem");
	assert_non_null(strstr(iomem, "System RAM (kmem)"));
	assert_null(strstr(iomem, "CXL Window"));
	free(iomem);
	absent(m, "/sys/bus/dax/devices/dax0.0");
	write_err(m, "/sys/bus/platform/drivers/cxl_acpi/bind", "cxl_acpi.0", -EBUSY);
	absent(m, "/sys/devices/platform/cxl_acpi.0/driver");
	assert_int_equal(count_in(m, CXL "/devices", "root"), 0);
	assert_int_equal(count_in(m, CXL "/devices", "decoder"), 0);
	iomem = readf(m, "/proc/iomem");
	assert_null(strstr(iomem, "CXL Window"));
	free(iomem);
	audit_ok(m);
	memhp_machine_destroy(m);
}

/*
 * cxl_mem unbind: the memdev's endpoint port is unregistered with it, and
 * the switch port whose last endpoint it was (mem2 and mem3 share port7,
 * on cxl_switch_uport.2); bind probes again: the switch port and the
 * endpoint come back, with the ids cxl_port_ida hands out again.
 */
static void test_memdev_binding(void **state)
{
	struct memhp_machine *m = boot_cxl("cxl_test");
	int decoders = count_in(m, CXL "/devices", "decoder");

	(void)state;
	link_is(m, DEV "endpoint8/uport", "../../../../../cxl_host_bridge.0/cxl_root_port.2/"
		"cxl_switch_uport.2/cxl_switch_dport.2/cxl_mem.2/mem2");
	write_ok(m, CXL "/drivers/cxl_mem/unbind", "mem2");
	absent(m, DEV "endpoint8");
	absent(m, DEV "decoder8.0");
	absent(m, DEV "mem2/driver");
	absent(m, CXL "/drivers/cxl_mem/mem2");
	present(m, DEV "port7");		/* mem3 is still below it */
	write_err(m, CXL "/drivers/cxl_mem/unbind", "mem2", -ENODEV);	/* not bound */
	write_ok(m, CXL "/drivers/cxl_mem/unbind", "mem3");
	absent(m, DEV "port7");
	absent(m, DEV "endpoint9");
	assert_int_equal(count_in(m, CXL "/devices", "port"), 3 + 4 + 1 - 1);
	assert_int_equal(count_in(m, CXL "/devices", "decoder"), decoders - 3 * 8);
	present(m, DEV "port1/dport2");		/* the host bridge's port stays */

	write_err(m, CXL "/drivers/cxl_port/bind", "mem2", -ENODEV);	/* no match */
	write_err(m, CXL "/drivers/cxl_mem/bind", "mem99", -ENODEV);
	write_ok(m, CXL "/drivers/cxl_mem/bind", "mem2");
	write_err(m, CXL "/drivers/cxl_mem/bind", "mem2", -EBUSY);
	link_is(m, DEV "port7/uport", "../../../../cxl_host_bridge.0/cxl_root_port.2/cxl_switch_uport.2");
	link_is(m, DEV "endpoint8/uport", "../../../../../cxl_host_bridge.0/cxl_root_port.2/"
		"cxl_switch_uport.2/cxl_switch_dport.2/cxl_mem.2/mem2");
	present(m, DEV "mem2/driver");
	present(m, DEV "port7/driver");
	present(m, DEV "port7/dport6");
	file_is(m, DEV "decoder8.0/dpa_size", "0x0000000000000000\n");	/* the mock's default */
	write_ok(m, CXL "/drivers/cxl_mem/bind", "mem3");
	present(m, DEV "port7/endpoint9");
	assert_int_equal(count_in(m, CXL "/devices", "decoder"), decoders);
	assert_int_equal(count_in(m, CXL "/drivers/cxl_mem", "mem"), 11);
	audit_ok(m);
	memhp_machine_destroy(m);
}

/*
 * cxl_port unbind: the port's devm teardown - its child ports, its
 * decoders, its dports; the memdevs of endpoints below detach from
 * cxl_mem, and a switch port below a bound port then goes too.  A memdev
 * under an unbound host bridge port cannot probe; bind the port, then it
 * can.  region0 (mem0, mem1) loses its targets, its decoders reset.
 */
static void test_port_binding(void **state)
{
	struct memhp_machine *m = boot_cxl("cxl_test");

	(void)state;
	write_ok(m, CXL "/drivers/cxl_port/unbind", "port7");
	absent(m, DEV "port7");			/* its last endpoints went */
	absent(m, DEV "mem2/driver");
	absent(m, DEV "mem3/driver");
	write_err(m, CXL "/drivers/cxl_port/unbind", "port7", -ENODEV);
	write_ok(m, CXL "/drivers/cxl_mem/bind", "mem2");
	present(m, DEV "port7/endpoint8");

	file_is(m, DEV "region0/commit", "1\n");
	write_ok(m, CXL "/drivers/cxl_port/unbind", "port1");
	present(m, DEV "port1");		/* a host bridge's port stays, unbound */
	absent(m, DEV "port1/driver");
	absent(m, DEV "port1/dport0");
	absent(m, DEV "decoder1.0");
	absent(m, DEV "port4");
	absent(m, DEV "port7");
	for (int i = 0; i < 4; i++) {
		char path[64];

		snprintf(path, sizeof(path), DEV "mem%d/driver", i);
		absent(m, path);
	}
	present(m, DEV "mem4/driver");		/* host bridge 1's */
	file_is(m, DEV "region0/commit", "0\n");
	file_is(m, DEV "region0/target0", "\n");
	file_is(m, DEV "region0/target1", "\n");
	write_err(m, CXL "/drivers/cxl_mem/bind", "mem0", -ENXIO);	/* port1 disabled */
	absent(m, DEV "port4");

	write_ok(m, CXL "/drivers/cxl_port/bind", "port1");
	write_err(m, CXL "/drivers/cxl_port/bind", "port1", -EBUSY);
	present(m, DEV "port1/dport0");
	file_is(m, DEV "decoder1.0/size", "0x0\n");
	absent(m, DEV "mem0/driver");		/* a port's probe probes no memdev */
	for (int i = 0; i < 4; i++) {
		char name[16];

		snprintf(name, sizeof(name), "mem%d", i);
		write_ok(m, CXL "/drivers/cxl_mem/bind", name);
	}
	assert_int_equal(count_in(m, CXL "/devices", "port"), 3 + 4 + 1);
	assert_int_equal(count_in(m, CXL "/devices", "endpoint"), 11);
	audit_ok(m);
	memhp_machine_destroy(m);
}

static void *binding_reader(void *arg)
{
	struct churn *c = arg;
	char buf[64];

	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) {
		long n = 0;
		struct memhp_stat st;

		assert_int_equal(memhp_file_list(c->m, CXL "/devices", note_entry, &n), 0);
		assert_int_equal(memhp_file_list(c->m, CXL "/drivers/cxl_port", note_entry, &n), 0);
		memhp_file_list(c->m, DEV "port4", note_entry, &n);
		memhp_file_list(c->m, DEV "port7", note_entry, &n);
		memhp_file_list(c->m, DEV "port1", note_entry, &n);
		memhp_file_read(c->m, DEV "port7/decoders_committed", buf, sizeof(buf));
		memhp_file_read(c->m, DEV "decoder7.0/target_list", buf, sizeof(buf));
		memhp_file_read(c->m, DEV "decoder8.0/dpa_size", buf, sizeof(buf));
		memhp_file_stat(c->m, DEV "mem2/driver", &st);
		memhp_file_stat(c->m, DEV "port1/dport2", &st);
		__atomic_add_fetch(&c->reads, 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

/* readers walk the tree while memdevs and ports are unbound and bound again */
static void test_concurrent_binding(void **state)
{
	struct memhp_machine *m = boot_cxl("cxl_test");
	struct churn c = { .m = m };
	pthread_t t;

	(void)state;
	assert_int_equal(pthread_create(&t, NULL, binding_reader, &c), 0);
	for (int i = 0; i < 20 / SAN_SCALE + 5; i++) {
		write_ok(m, CXL "/drivers/cxl_mem/unbind", "mem2");
		write_ok(m, CXL "/drivers/cxl_mem/unbind", "mem3");
		write_ok(m, CXL "/drivers/cxl_mem/bind", "mem2");
		write_ok(m, CXL "/drivers/cxl_mem/bind", "mem3");
		write_ok(m, CXL "/drivers/cxl_port/unbind", "port1");
		write_ok(m, CXL "/drivers/cxl_port/bind", "port1");
		write_ok(m, CXL "/drivers/cxl_mem/bind", "mem2");
		write_ok(m, CXL "/drivers/cxl_mem/bind", "mem3");
	}
	churn_stop(&c, t);
	/* after port1's teardown freed 4-9, mem2 and mem3 took the lowest ids */
	present(m, DEV "port4/endpoint6");
	link_is(m, DEV "port4/uport", "../../../../cxl_host_bridge.0/cxl_root_port.2/cxl_switch_uport.2");
	assert_int_equal(count_in(m, CXL "/drivers/cxl_mem", "mem"), 11 - 2);	/* mem0, mem1 stay unbound */
	audit_ok(m);
	memhp_machine_destroy(m);
}

/*
 * A pmem region over both host bridges (decoder0.3, 2 ways of 4096): each
 * host bridge's decoder sees only the targets below it, 1 way at 8192
 * (the root's granularity times its ways), and so does each switch's.
 */
static void test_region_two_host_bridges(void **state)
{
	struct memhp_machine *m = boot_cxl("cxl_test");

	(void)state;
	file_is(m, DEV "decoder0.3/create_pmem_region", "region3\n");
	write_ok(m, DEV "decoder0.3/create_pmem_region", "region3");
	file_is(m, DEV "region3/mode", "pmem\n");
	write_ok(m, DEV "region3/interleave_granularity", "4096");
	write_err(m, DEV "region3/interleave_granularity", "8192", -EINVAL);	/* != the root's */
	write_ok(m, DEV "region3/interleave_ways", "2");
	write_err(m, DEV "region3/size", "0x20000000", -ENXIO);	/* a pmem region needs its uuid */
	write_err(m, DEV "region3/uuid", "not-a-uuid\n", -EINVAL);
	write_ok(m, DEV "region3/uuid", "6a2c1c4e-3b0b-4f0e-9d1a-2b3c4d5e6f70\n");
	file_is(m, DEV "region3/uuid", "6a2c1c4e-3b0b-4f0e-9d1a-2b3c4d5e6f70\n");
	write_ok(m, DEV "region3/size", "0x20000000");
	/* mem2 is below host bridge 0 (the root's target 0), mem4 below host bridge 1 */
	for (int e = 8; e <= 11; e += 3) {
		char path[64];

		snprintf(path, sizeof(path), DEV "decoder%d.0/mode", e);
		write_ok(m, path, "pmem");
		snprintf(path, sizeof(path), DEV "decoder%d.0/dpa_size", e);
		write_ok(m, path, "0x10000000");
	}
	file_is(m, DEV "decoder8.0/dpa_resource", "0x40000000\n");
	write_err(m, DEV "region3/target0", "decoder11.0", -ENXIO);	/* position 0 routes to host bridge 0 */
	write_ok(m, DEV "region3/target0", "decoder8.0");
	write_ok(m, DEV "region3/target1", "decoder11.0");
	file_is(m, DEV "decoder1.1/interleave_ways", "1\n");
	file_is(m, DEV "decoder1.1/interleave_granularity", "8192\n");
	file_is(m, DEV "decoder1.1/target_list", "2\n");
	file_is(m, DEV "decoder2.0/interleave_granularity", "8192\n");
	file_is(m, DEV "decoder7.0/interleave_ways", "1\n");
	file_is(m, DEV "decoder10.0/region", "region3\n");
	write_ok(m, DEV "region3/commit", "1");
	/* a pmem region binds to libnvdimm through the root's nvdimm bridge */
	write_ok(m, CXL "/drivers/cxl_region/bind", "region3");
	file_is(m, DEV "region3/pmem_region3/devtype", "cxl_pmem_region\n");
	write_ok(m, CXL "/drivers/cxl_region/unbind", "region3");
	write_ok(m, DEV "region3/commit", "0");
	write_ok(m, DEV "region3/target1", "\n");
	write_ok(m, DEV "region3/target0", "\n");
	write_ok(m, DEV "decoder0.3/delete_region", "region3");
	audit_ok(m);
	memhp_machine_destroy(m);
}


/* ---- pmem: the nvdimm bridge, pmemN, pmem_regionN (cxl_pmem) ------------------ */

/* root0's bridge, registered after the host bridges when a window decodes pmem */
#define BRIDGE_PATH "/sys/devices/platform/cxl_acpi.0/root0/nvdimm-bridge0"
/* CFMWS 4: 1 GiB over host bridge 2 alone, after windows of 1, 2, 1 and 2 GiB */
#define WINDOW4 (POOL + 256 * MiB + 6 * GiB)

/*
 * devm_cxl_add_nvdimm_bridge, bound to cxl_nvdimm_bridge; a pmemN per
 * memdev with pmem capacity (all but the RCD's mem10), bound to
 * cxl_nvdimm; none of the three drivers has bind or unbind files.
 */
static void test_nvdimm_bridge(void **state)
{
	/* the auto region's memory offline, so that cxl_acpi can bind again */
	struct memhp_machine *m = boot_cxl_cmdline("memhp_default_state=offline");
	struct memhp_stat st;

	(void)state;
	link_is(m, DEV "nvdimm-bridge0", "../../../devices/platform/cxl_acpi.0/root0/nvdimm-bridge0");
	file_is(m, BRIDGE_PATH "/devtype", "cxl_nvdimm_bridge\n");
	file_is(m, BRIDGE_PATH "/modalias", "cxl:t1\n");
	link_is(m, BRIDGE_PATH "/driver", "../../../../../bus/cxl/drivers/cxl_nvdimm_bridge");
	link_is(m, BRIDGE_PATH "/subsystem", "../../../../../bus/cxl");
	assert_int_equal(count_in(m, CXL "/drivers/cxl_nvdimm_bridge", "nvdimm-bridge"), 1);
	assert_int_equal(count_in(m, CXL "/drivers/cxl_nvdimm", "pmem"), 10);
	assert_int_equal(count_in(m, CXL "/devices", "pmem"), 10);
	file_is(m, DEV "mem8/pmem8/devtype", "cxl_nvdimm\n");
	file_is(m, DEV "pmem8/modalias", "cxl:t2\n");
	link_is(m, DEV "pmem8/driver", "../../../../../../../../../bus/cxl/drivers/cxl_nvdimm");
	assert_int_equal(memhp_file_stat(m, DEV "mem10/pmem10", &st), -ENOENT);
	for (const char *const *d = (const char *const[]){ "cxl_nvdimm_bridge", "cxl_nvdimm", "cxl_pmem_region",
							    NULL }; *d; d++) {
		char path[96];

		snprintf(path, sizeof(path), CXL "/drivers/%s/bind", *d);
		assert_int_equal(memhp_file_stat(m, path, &st), -ENOENT);	/* suppress_bind_attrs */
	}
	/* cxl_mem's remove takes pmemN with it; its probe adds it again, before the endpoint */
	write_ok(m, CXL "/drivers/cxl_mem/unbind", "mem8");
	assert_int_equal(memhp_file_stat(m, DEV "pmem8", &st), -ENOENT);
	assert_int_equal(count_in(m, CXL "/drivers/cxl_nvdimm", "pmem"), 9);
	write_ok(m, CXL "/drivers/cxl_mem/bind", "mem8");
	file_is(m, DEV "pmem8/devtype", "cxl_nvdimm\n");
	assert_int_equal(count_in(m, CXL "/drivers/cxl_nvdimm", "pmem"), 10);
	/* cxl_acpi's remove takes the bridge, then every pmemN with its memdev */
	write_ok(m, "/sys/bus/platform/drivers/cxl_acpi/unbind", "cxl_acpi.0");
	assert_int_equal(count_in(m, CXL "/devices", "nvdimm-bridge"), 0);
	assert_int_equal(count_in(m, CXL "/devices", "pmem"), 0);
	write_ok(m, "/sys/bus/platform/drivers/cxl_acpi/bind", "cxl_acpi.0");
	file_is(m, BRIDGE_PATH "/devtype", "cxl_nvdimm_bridge\n");	/* its id free again: 0 */
	assert_int_equal(count_in(m, CXL "/drivers/cxl_nvdimm", "pmem"), 10);
	audit_ok(m);
	memhp_machine_destroy(m);
	/* with XOR arithmetic every window is pmem: a bridge all the same */
	m = boot_cxl("cxl_test:interleave_arithmetic=1");
	file_is(m, BRIDGE_PATH "/devtype", "cxl_nvdimm_bridge\n");
	memhp_machine_destroy(m);
}

/*
 * What cxl create-region -d decoder0.4 -m mem8 -s SIZE writes: a x1 pmem
 * region at the root's granularity, a uuid, mem8's endpoint decoder
 * decoder17.<dec> (endpoint17: mem8 is the ninth memdev probed) given
 * pmem DPA, then (attach) the target.  The region's name is the root
 * decoder's next.
 */
static void pmem_region_configure(struct memhp_machine *m, const char *region, int dec, const char *size, int n)
{
	char path[96], uuid[40];

	write_ok(m, DEV "decoder0.4/create_pmem_region", region);
	snprintf(path, sizeof(path), DEV "%s/interleave_granularity", region);
	write_ok(m, path, "256");
	snprintf(path, sizeof(path), DEV "%s/interleave_ways", region);
	write_ok(m, path, "1");
	snprintf(uuid, sizeof(uuid), "6a2c1c4e-3b0b-4f0e-9d1a-2b3c4d5e6f%02x\n", n);
	snprintf(path, sizeof(path), DEV "%s/uuid", region);
	write_ok(m, path, uuid);
	snprintf(path, sizeof(path), DEV "%s/size", region);
	write_ok(m, path, size);
	snprintf(path, sizeof(path), DEV "decoder17.%d/mode", dec);
	write_ok(m, path, "pmem");
	snprintf(path, sizeof(path), DEV "decoder17.%d/dpa_size", dec);
	write_ok(m, path, size);
}

static void pmem_region_attach(struct memhp_machine *m, const char *region, int dec)
{
	char path[96], name[32];

	snprintf(path, sizeof(path), DEV "%s/target0", region);
	snprintf(name, sizeof(name), "decoder17.%d", dec);
	write_ok(m, path, name);
}

static void pmem_region_program(struct memhp_machine *m, const char *region, int dec, const char *size, int n)
{
	pmem_region_configure(m, region, dec, size, n);
	pmem_region_attach(m, region, dec);
}

/* cxl destroy-region -f: unbind, reset, detach, free the DPA, delete */
static void pmem_region_destroy(struct memhp_machine *m, const char *region, int dec)
{
	char path[96];

	write_ok(m, CXL "/drivers/cxl_region/unbind", region);
	snprintf(path, sizeof(path), DEV "%s/commit", region);
	write_ok(m, path, "0");
	snprintf(path, sizeof(path), DEV "%s/target0", region);
	write_ok(m, path, "\n");
	snprintf(path, sizeof(path), DEV "decoder17.%d/dpa_size", dec);
	write_ok(m, path, "0");
	write_ok(m, DEV "decoder0.4/delete_region", region);
}

/* the device names under /sys/bus/cxl/devices, one string */
static int note_name(void *arg, const char *name, const struct memhp_stat *st)
{
	char **s = arg;
	size_t len = strlen(*s);

	*s = realloc(*s, len + strlen(name) + 2);
	sprintf(*s + len, "%s ", name);
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* the names in dir sorted: a device registered again comes last in the listing */
static char *dir_names(struct memhp_machine *m, const char *dir)
{
	char *s = calloc(1, 1), *names[4096], *sorted;
	size_t n = 0, len;

	assert_int_equal(memhp_file_list(m, dir, note_name, &s), 0);
	len = strlen(s);
	for (char *t = strtok(s, " "); t && n < 4096; t = strtok(NULL, " "))
		names[n++] = t;
	qsort(names, n, sizeof(names[0]), name_cmp);
	sorted = calloc(1, len + 1);
	for (size_t i = 0; i < n; i++)
		sprintf(sorted + strlen(sorted), "%s ", names[i]);
	free(s);
	return sorted;
}

static char *bus_devices(struct memhp_machine *m)
{
	return dir_names(m, CXL "/devices");
}

/*
 * The nd region cxl_pmem_region_probe made of region4, as libnvdimm gets
 * it: the HPA, one mapping - mem8's nvdimm at DPA 1 GiB, 1 GiB - and the
 * interleave-set cookie, nd_fletcher64 over { DPA offset, serial } (here
 * summed by hand: lo32 is the running sum of the four 32-bit words
 * 0x40000000, 0, 8, 0; hi the sum of lo32's); on the bridge's nd bus,
 * ndbus0 (no e820 or NFIT bus before it), mem8's nvdimm nmem8 (the
 * memdevs' nvdimms were made in mem order).
 */
static void nd_region_is_mem8s(struct memhp_machine *m)
{
	const struct cxl_bus *b = m->cxl;
	int pr = cxl_bus_dev(b, "pmem_region4"), md = cxl_bus_dev(b, "mem8");
	const struct cxl_pmem_region *p = &b->dev[pr].pmem;
	uint64_t hi = 0x40000000ULL + 0x40000000ULL + 0x40000008ULL + 0x40000008ULL;

	assert_true(pr >= 0 && md >= 0);
	assert_int_equal(p->start, WINDOW4);
	assert_int_equal(p->size, GiB);
	assert_int_equal(p->nr_mappings, 1);
	assert_int_equal(p->mapping[0].memdev, md);
	assert_int_equal(p->mapping[0].start, GiB);
	assert_int_equal(p->mapping[0].size, GiB);
	assert_int_equal(p->cookie, hi << 32 | 0x40000008ULL);
	assert_int_equal(p->numa_node, 0);
	assert_int_equal(p->target_node, 0);
	assert_int_equal(b->dev[cxl_bus_dev(b, "nvdimm-bridge0")].nd_id, 0);
	assert_int_equal(b->dev[cxl_bus_dev(b, "pmem8")].nd_id, 8);
}

/*
 * A x1 pmem region bound to cxl_region: pmem_region4 under region4,
 * bound to cxl_pmem_region, its HPA "Persistent Memory" in iomem above
 * region4's own entry (insert_resource); disabled and enabled again;
 * destroyed, the machine as before.  The errnos of cxl_region_probe and
 * devm_cxl_add_pmem_region: -ENXIO uncommitted, -EBUSY bound, -ENODEV
 * without a bridge (and nothing left behind).
 */
static void test_pmem_region(void **state)
{
	struct memhp_machine *m = boot_cxl("cxl_test");
	char *iomem = readf(m, "/proc/iomem"), *devs = bus_devices(m), *now, want[160];
	struct memhp_stat st;
	int root;

	(void)state;
	pmem_region_program(m, "region4", 0, "0x40000000", 0);
	file_is(m, DEV "decoder17.0/dpa_resource", "0x40000000\n");	/* past the 1 GiB of ram */
	write_err(m, CXL "/drivers/cxl_region/bind", "region4", -ENXIO);	/* not committed */
	write_ok(m, DEV "region4/commit", "1");
	write_ok(m, CXL "/drivers/cxl_region/bind", "region4");
	write_err(m, CXL "/drivers/cxl_region/bind", "region4", -EBUSY);
	link_is(m, DEV "region4/driver", "../../../../../../bus/cxl/drivers/cxl_region");
	nd_region_is_mem8s(m);
	file_is(m, DEV "region4/pmem_region4/devtype", "cxl_pmem_region\n");
	file_is(m, DEV "pmem_region4/modalias", "cxl:t7\n");
	link_is(m, DEV "pmem_region4", "../../../devices/platform/cxl_acpi.0/root0/decoder0.4/region4/pmem_region4");
	link_is(m, DEV "pmem_region4/driver", "../../../../../../../bus/cxl/drivers/cxl_pmem_region");
	now = readf(m, "/proc/iomem");
	/* the region is the whole window: insert_resource puts it above the window too */
	snprintf(want, sizeof(want), "%llx-%llx : Persistent Memory\n  %llx-%llx : CXL Window 4\n"
		 "    %llx-%llx : region4\n", (unsigned long long)WINDOW4,
		 (unsigned long long)(WINDOW4 + GiB - 1), (unsigned long long)WINDOW4,
		 (unsigned long long)(WINDOW4 + GiB - 1), (unsigned long long)WINDOW4,
		 (unsigned long long)(WINDOW4 + GiB - 1));
	assert_non_null(strstr(now, want));
	free(now);
	/* cxl disable-region / enable-region */
	write_ok(m, CXL "/drivers/cxl_region/unbind", "region4");
	write_err(m, CXL "/drivers/cxl_region/unbind", "region4", -ENODEV);
	assert_int_equal(memhp_file_stat(m, DEV "pmem_region4", &st), -ENOENT);
	assert_null(strstr(now = readf(m, "/proc/iomem"), "Persistent Memory"));
	free(now);
	write_ok(m, CXL "/drivers/cxl_region/bind", "region4");
	assert_int_equal(count_in(m, CXL "/drivers/cxl_pmem_region", "pmem_region4"), 1);
	/* no bridge (its unregister_nvb ran): -ENODEV, the region unbound, nothing added */
	write_ok(m, CXL "/drivers/cxl_region/unbind", "region4");
	pthread_mutex_lock(&m->cxl->lock);
	root = cxl_bus_dev(m->cxl, "root0");
	cxl_nvdimm_bridge_remove(m, root);
	pthread_mutex_unlock(&m->cxl->lock);
	assert_int_equal(count_in(m, CXL "/drivers/cxl_nvdimm", "pmem"), 0);	/* detach_nvdimm */
	assert_int_equal(count_in(m, CXL "/devices", "pmem"), 10);		/* still registered */
	write_err(m, CXL "/drivers/cxl_region/bind", "region4", -ENODEV);
	assert_int_equal(memhp_file_stat(m, DEV "region4/driver", &st), -ENOENT);
	assert_int_equal(memhp_file_stat(m, DEV "pmem_region4", &st), -ENOENT);
	pthread_mutex_lock(&m->cxl->lock);
	assert_int_equal(cxl_nvdimm_bridge_add(m, root), 0);
	pthread_mutex_unlock(&m->cxl->lock);
	/* destroy: the machine is as it was */
	write_ok(m, DEV "region4/commit", "0");
	write_ok(m, DEV "region4/target0", "\n");
	write_ok(m, DEV "decoder17.0/dpa_size", "0");
	write_ok(m, DEV "decoder0.4/delete_region", "region4");
	now = readf(m, "/proc/iomem");
	assert_string_equal(now, iomem);
	free(now);
	now = bus_devices(m);
	assert_string_equal(now, devs);
	free(now);
	free(iomem);
	free(devs);
	audit_ok(m);
	memhp_machine_destroy(m);
}

/* a 256 MiB region of mem9 under decoder0.4 attaches, and goes again */
static void pmem_subregion_attach_mem9(struct memhp_machine *m)
{
	char name[32], *shown = readf(m, DEV "decoder0.4/create_pmem_region");

	snprintf(name, sizeof(name), "%.*s", (int)strcspn(shown, "\n"), shown);
	free(shown);
	write_ok(m, DEV "decoder0.4/create_pmem_region", name);
	write_ok(m, "/sys/bus/cxl/devices/decoder18.0/mode", "pmem");
	write_ok(m, DEV "decoder18.0/dpa_size", "0x10000000");
	{
		char path[96];

		snprintf(path, sizeof(path), DEV "%s/uuid", name);
		write_ok(m, path, "6a2c1c4e-3b0b-4f0e-9d1a-2b3c4d5e6f11\n");
		snprintf(path, sizeof(path), DEV "%s/interleave_ways", name);
		write_ok(m, path, "1");
		snprintf(path, sizeof(path), DEV "%s/interleave_granularity", name);
		write_ok(m, path, "256");
		snprintf(path, sizeof(path), DEV "%s/size", name);
		write_ok(m, path, "0x10000000");
		snprintf(path, sizeof(path), DEV "%s/target0", name);
		write_ok(m, path, "decoder18.0");
		write_ok(m, path, "\n");
		snprintf(path, sizeof(path), DEV "%s/size", name);
		write_ok(m, path, "0");
	}
	write_ok(m, DEV "decoder18.0/dpa_size", "0");
	write_ok(m, DEV "decoder0.4/delete_region", name);
}

/*
 * cxl-create-region.sh's sub-regions: mem8's 1 GiB of pmem as four 256
 * MiB regions under decoder0.4 - region4, then the lowest free memregion
 * ids 7, 8, 9 (0-5 preallocated by the root decoders, 6 by decoder0.0
 * after the auto region).  DPA goes back to back in decoder order from
 * the pmem partition (only the first skips the ram), HPA from the
 * window's base.  A port's next decoder is the one after its last
 * committed, so a second region cannot attach while the first one's is
 * uncommitted (match_free_decoder: -EBUSY); DPA frees last first (-EBUSY
 * otherwise): destroyed in reverse order, all goes back.
 */
static void test_pmem_subregions(void **state)
{
	static const char *const names[] = { "region4", "region7", "region8", "region9" };
	struct memhp_machine *m = boot_cxl("cxl_test");
	char *iomem = readf(m, "/proc/iomem"), *devs = bus_devices(m), *now, path[96], want[64];

	(void)state;
	for (int i = 0; i < 4; i++) {
		file_is(m, DEV "decoder0.4/create_pmem_region", (snprintf(want, sizeof(want), "%s\n", names[i]), want));
		pmem_region_configure(m, names[i], i, "0x10000000", i);
		if (i == 1) {
			/* the switch's decoder 0, next to commit, is region4's */
			write_err(m, DEV "region7/target0", "decoder17.1", -EBUSY);
			write_ok(m, DEV "region4/commit", "1");
			write_ok(m, CXL "/drivers/cxl_region/bind", "region4");
		}
		pmem_region_attach(m, names[i], i);
		snprintf(path, sizeof(path), DEV "decoder17.%d/dpa_resource", i);
		snprintf(want, sizeof(want), "0x%llx\n", (unsigned long long)(GiB + (uint64_t)i * 256 * MiB));
		file_is(m, path, want);
		snprintf(path, sizeof(path), DEV "%s/resource", names[i]);
		snprintf(want, sizeof(want), "0x%llx\n", (unsigned long long)(WINDOW4 + (uint64_t)i * 256 * MiB));
		file_is(m, path, want);
		if (i >= 1) {
			snprintf(path, sizeof(path), DEV "%s/commit", names[i]);
			write_ok(m, path, "1");
			write_ok(m, CXL "/drivers/cxl_region/bind", names[i]);
		}
	}
	file_is(m, DEV "port16/decoders_committed", "4\n");
	file_is(m, DEV "endpoint17/decoders_committed", "4\n");
	assert_int_equal(count_in(m, CXL "/drivers/cxl_pmem_region", "pmem_region"), 4);
	file_is(m, DEV "decoder17.3/dpa_size", "0x0000000010000000\n");
	file_is(m, DEV "decoder0.4/create_pmem_region", "region10\n");
	write_err(m, DEV "decoder0.4/create_pmem_region", "region11", -EBUSY);	/* not the name shown */
	/* the first region's DPA is not the last allocation */
	write_ok(m, CXL "/drivers/cxl_region/unbind", "region4");
	write_ok(m, DEV "region4/commit", "0");
	write_ok(m, DEV "region4/target0", "\n");
	write_err(m, DEV "decoder17.0/dpa_size", "0", -EBUSY);
	file_is(m, DEV "endpoint17/decoders_committed", "4\n");	/* an out of order reset */
	/*
	 * ... which leaves the switch's decoder 0 disabled below its last
	 * committed: no region attaches through it (check_commit_order), here
	 * mem9's, until the resets reach down to it
	 */
	write_ok(m, DEV "region4/size", "0");
	write_ok(m, DEV "decoder0.4/create_pmem_region", "region10");
	write_ok(m, DEV "region10/interleave_granularity", "256");
	write_ok(m, DEV "region10/interleave_ways", "1");
	write_ok(m, DEV "region10/uuid", "6a2c1c4e-3b0b-4f0e-9d1a-2b3c4d5e6f10\n");
	write_ok(m, DEV "region10/size", "0x10000000");
	write_ok(m, DEV "decoder18.0/mode", "pmem");
	write_ok(m, DEV "decoder18.0/dpa_size", "0x10000000");
	write_err(m, DEV "region10/target0", "decoder18.0", -EBUSY);
	write_ok(m, DEV "decoder18.0/dpa_size", "0");
	write_ok(m, DEV "region10/size", "0");
	write_ok(m, DEV "decoder0.4/delete_region", "region10");
	for (int i = 3; i >= 1; i--)
		pmem_region_destroy(m, names[i], i);
	write_ok(m, DEV "decoder17.0/dpa_size", "0");
	write_ok(m, DEV "decoder0.4/delete_region", "region4");
	/* decoder 1's reset reaped decoder 0, reset out of order before */
	file_is(m, DEV "endpoint17/decoders_committed", "0\n");
	file_is(m, DEV "port16/decoders_committed", "0\n");
	/* and the way is free again: mem9 attaches where it could not */
	pmem_subregion_attach_mem9(m);
	now = readf(m, "/proc/iomem");
	assert_string_equal(now, iomem);
	free(now);
	now = bus_devices(m);
	assert_string_equal(now, devs);
	free(now);
	free(iomem);
	free(devs);
	audit_ok(m);
	memhp_machine_destroy(m);
}

static void *pmem_reader(void *arg)
{
	struct churn *c = arg;
	char buf[64];

	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) {
		long n = 0;
		struct memhp_stat st;
		char *iomem;

		assert_int_equal(memhp_file_list(c->m, CXL "/devices", note_entry, &n), 0);
		assert_int_equal(memhp_file_list(c->m, CXL "/drivers/cxl_pmem_region", note_entry, &n), 0);
		assert_int_equal(memhp_file_list(c->m, CXL "/drivers/cxl_nvdimm", note_entry, &n), 0);
		memhp_file_list(c->m, DEV "region4", note_entry, &n);
		memhp_file_read(c->m, DEV "region4/pmem_region4/devtype", buf, sizeof(buf));
		memhp_file_read(c->m, DEV "pmem9/modalias", buf, sizeof(buf));
		memhp_file_stat(c->m, DEV "pmem_region4/driver", &st);
		memhp_file_stat(c->m, DEV "mem9/pmem9/driver", &st);
		iomem = readf(c->m, "/proc/iomem");
		free(iomem);
		__atomic_add_fetch(&c->reads, 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

/*
 * Readers walk the bus while a pmem region binds and unbinds (pmem_region4
 * and its iomem entry coming and going) and mem9 leaves and rejoins
 * cxl_mem (pmem9 coming and going); at the end all is as at the start.
 */
static void test_concurrent_pmem(void **state)
{
	struct memhp_machine *m = boot_cxl("cxl_test");
	struct churn c = { .m = m };
	char *iomem;
	pthread_t t;

	(void)state;
	pmem_region_program(m, "region4", 0, "0x40000000", 0);
	write_ok(m, DEV "region4/commit", "1");
	iomem = readf(m, "/proc/iomem");
	assert_int_equal(pthread_create(&t, NULL, pmem_reader, &c), 0);
	for (int i = 0; i < 20 / SAN_SCALE + 5; i++) {
		write_ok(m, CXL "/drivers/cxl_region/bind", "region4");
		write_ok(m, CXL "/drivers/cxl_mem/unbind", "mem9");
		write_ok(m, CXL "/drivers/cxl_region/unbind", "region4");
		write_ok(m, CXL "/drivers/cxl_mem/bind", "mem9");
	}
	churn_stop(&c, t);
	assert_int_equal(count_in(m, CXL "/drivers/cxl_nvdimm", "pmem"), 10);
	assert_int_equal(count_in(m, CXL "/drivers/cxl_pmem_region", "pmem_region"), 0);
	file_is(m, "/proc/iomem", iomem);
	free(iomem);
	audit_ok(m);
	memhp_machine_destroy(m);
}

/* ---- ram: dax_regionN, the dax region's device (cxl_dax_region) --------------- */

#define DAX_REGION6_PATH "devices/platform/cxl_acpi.0/root0/decoder0.0/region6/dax_region6"
#define DAX_REGION6 "/sys/" DAX_REGION6_PATH

/* program_region's 512 MiB at window 0's start, its 4 blocks offline */
static void region6_offline(struct memhp_machine *m)
{
	uint64_t start = POOL + 768 * MiB;

	for (uint64_t b = start / (128 * MiB); b < (start + 512 * MiB) / (128 * MiB); b++) {
		char path[80];

		snprintf(path, sizeof(path), "/sys/devices/system/memory/memory%llu/state", (unsigned long long)b);
		write_ok(m, path, "offline");
	}
}

static void names_are(struct memhp_machine *m, const char *dir, const char *want)
{
	char *got = dir_names(m, dir);

	assert_string_equal(got, want);
	free(got);
}

/*
 * devm_cxl_add_dax_region: a ram region bound to cxl_region gets
 * dax_region6 under region6 on the cxl bus, bound to cxl_dax_region, whose
 * probe hangs dax region 6 and its device dax6.0 under it (alloc_dax_region
 * on &cxlr_dax->dev); every link to them is relative at their depth.  The
 * region's driver released (unbind, commit 0) takes the dax region, then
 * dax_regionN.  A probe of cxl_dax_region that fails (region id 6 taken by
 * another dax region) leaves dax_region6 registered without a driver and
 * region6 bound, as the driver core does.
 */
static void test_dax_region_device(void **state)
{
	struct memhp_machine *m = boot_cxl("cxl_test");
	char *devs = bus_devices(m), *now, path[80];
	struct memhp_dax_info info;
	struct memhp_stat st;

	(void)state;
	program_region(m);
	write_ok(m, CXL "/drivers/cxl_region/bind", "region6");
	names_are(m, DEV "region6/dax_region6", "dax6.0 dax_region devtype driver modalias subsystem uevent ");
	file_is(m, DEV "dax_region6/uevent", "DEVTYPE=cxl_dax_region\nDRIVER=cxl_dax_region\nMODALIAS=cxl:t8\n");
	file_is(m, DEV "region6/dax_region6/devtype", "cxl_dax_region\n");
	file_is(m, DEV "dax_region6/modalias", "cxl:t8\n");
	link_is(m, DEV "dax_region6", "../../../devices/platform/cxl_acpi.0/root0/decoder0.0/region6/dax_region6");
	link_is(m, DEV "dax_region6/driver", "../../../../../../../bus/cxl/drivers/cxl_dax_region");
	link_is(m, DEV "dax_region6/subsystem", "../../../../../../../bus/cxl");
	names_are(m, CXL "/drivers/cxl_dax_region", "dax_region0 dax_region6 ");	/* suppress_bind_attrs */
	link_is(m, CXL "/drivers/cxl_dax_region/dax_region6",
		"../../../../devices/platform/cxl_acpi.0/root0/decoder0.0/region6/dax_region6");
	/* the dax region and its device, in dax_region6 */
	file_is(m, DAX_REGION6 "/dax_region/id", "6\n");
	file_is(m, DAX_REGION6 "/dax_region/size", "536870912\n");
	file_is(m, DAX_REGION6 "/dax6.0/size", "536870912\n");
	link_is(m, "/sys/bus/dax/devices/dax6.0", "../../../" DAX_REGION6_PATH "/dax6.0");
	link_is(m, "/sys/bus/dax/devices/dax6.0/subsystem", "../../../../../../../../bus/dax");
	link_is(m, DAX_REGION6 "/dax6.0/driver", "../../../../../../../../bus/dax/drivers/kmem");
	link_is(m, "/sys/dev/char/60:96", "../../" DAX_REGION6_PATH "/dax6.0");
	file_is(m, "/sys/bus/dax/devices/dax6.0/dev", "60:96\n");
	assert_int_equal(memhp_file_stat(m, "/sys/devices/platform/dax_region.6", &st), -ENOENT);
	assert_int_equal(memhp_file_stat(m, DEV "region6/dax6.0", &st), -ENOENT);	/* not the region's */
	/* online memory: the region stays bound, dax_region6 and dax6.0 with it */
	write_err(m, CXL "/drivers/cxl_region/unbind", "region6", -EBUSY);
	link_is(m, DEV "dax_region6/driver", "../../../../../../../bus/cxl/drivers/cxl_dax_region");
	file_is(m, DAX_REGION6 "/dax6.0/size", "536870912\n");
	/* unbind: the dax region, then dax_region6 */
	region6_offline(m);
	write_ok(m, CXL "/drivers/cxl_region/unbind", "region6");
	assert_int_equal(memhp_file_stat(m, DEV "dax_region6", &st), -ENOENT);
	assert_int_equal(memhp_file_stat(m, DEV "region6/dax_region6", &st), -ENOENT);
	assert_int_equal(memhp_file_stat(m, "/sys/bus/dax/devices/dax6.0", &st), -ENOENT);
	names_are(m, CXL "/drivers/cxl_dax_region", "dax_region0 ");
	/* bound again, then commit 0 releases the driver */
	write_ok(m, CXL "/drivers/cxl_region/bind", "region6");
	file_is(m, DAX_REGION6 "/dax_region/id", "6\n");
	region6_offline(m);
	write_ok(m, DEV "region6/commit", "0");
	assert_int_equal(memhp_file_stat(m, DEV "dax_region6", &st), -ENOENT);
	assert_int_equal(memhp_file_stat(m, "/sys/bus/dax/devices/dax6.0", &st), -ENOENT);
	/* dax region id 6 taken: cxl_dax_region's probe fails, region6 stays bound */
	pthread_mutex_lock(&m->device_hotplug_lock);
	assert_int_equal(dax_region_create_in(m, MEMHP_DAX_CXL, 128 * MiB, 0, 0, MEMHP_ADDR_AUTO, -1, NULL, 6,
					      NULL, &info), 0);
	pthread_mutex_unlock(&m->device_hotplug_lock);
	write_ok(m, DEV "region6/commit", "1");
	write_ok(m, CXL "/drivers/cxl_region/bind", "region6");
	assert_true(log_has(m, "cxl_dax_region dax_region6: probe with driver cxl_dax_region failed with error -16"));
	assert_int_equal(memhp_file_stat(m, DEV "region6/driver", &st), 0);
	names_are(m, DEV "region6/dax_region6", "devtype modalias subsystem uevent ");	/* no driver, no dax */
	file_is(m, DEV "dax_region6/uevent", "DEVTYPE=cxl_dax_region\nMODALIAS=cxl:t8\n");
	names_are(m, CXL "/drivers/cxl_dax_region", "dax_region0 ");
	link_is(m, "/sys/bus/dax/devices/dax6.0", "../../../devices/platform/dax_region.6/dax6.0");
	write_ok(m, CXL "/drivers/cxl_region/unbind", "region6");
	assert_int_equal(memhp_file_stat(m, DEV "dax_region6", &st), -ENOENT);
	file_is(m, "/sys/bus/dax/devices/dax6.0/size", "134217728\n");	/* the other region's, untouched */
	snprintf(path, sizeof(path), "/sys/devices/system/memory/memory%llu/state",
		 (unsigned long long)(info.start / (128 * MiB)));
	write_ok(m, path, "offline");
	pthread_mutex_lock(&m->device_hotplug_lock);
	assert_int_equal(dax_region_destroy(m, 6), 0);
	pthread_mutex_unlock(&m->device_hotplug_lock);
	/* delete: nothing of it on the bus */
	write_ok(m, DEV "region6/target0", "\n");
	write_ok(m, DEV "region6/target1", "\n");
	write_ok(m, DEV "decoder0.0/delete_region", "region6");
	now = bus_devices(m);
	assert_string_equal(now, devs);
	free(now);
	free(devs);
	/* a teardown (mem0 leaves cxl_mem, region0 loses a target) takes dax_region0 and dax0.0 */
	write_ok(m, CXL "/drivers/cxl_mem/unbind", "mem0");
	assert_int_equal(memhp_file_stat(m, DEV "dax_region0", &st), -ENOENT);
	assert_int_equal(memhp_file_stat(m, "/sys/bus/dax/devices/dax0.0", &st), -ENOENT);
	names_are(m, CXL "/drivers/cxl_dax_region", "");
	audit_ok(m);
	memhp_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_device_counts),
		cmocka_unit_test(test_modulo_windows),
		cmocka_unit_test(test_xor_windows),
		cmocka_unit_test(test_memdevs),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_auto_region),
		cmocka_unit_test(test_bus),
		cmocka_unit_test(test_uevent_files),
		cmocka_unit_test(test_unknown_topology),
		cmocka_unit_test(test_endpoint_dpa),
		cmocka_unit_test(test_region_rules),
		cmocka_unit_test(test_commit_order),
		cmocka_unit_test(test_region_two_host_bridges),
		cmocka_unit_test(test_ram_region_kmem),
		cmocka_unit_test(test_bind_fault_sweep),
		cmocka_unit_test(test_concurrent_regions),
		cmocka_unit_test(test_memdev_binding),
		cmocka_unit_test(test_port_binding),
		cmocka_unit_test(test_acpi_binding),
		cmocka_unit_test(test_acpi_leaked_memory),
		cmocka_unit_test(test_concurrent_binding),
		cmocka_unit_test(test_nvdimm_bridge),
		cmocka_unit_test(test_pmem_region),
		cmocka_unit_test(test_pmem_subregions),
		cmocka_unit_test(test_concurrent_pmem),
		cmocka_unit_test(test_dax_region_device),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
