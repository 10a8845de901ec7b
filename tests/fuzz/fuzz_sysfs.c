// SPDX-License-Identifier: MIT
/*
 * fuzz_sysfs.c - every write handler of the kernel's files: the first byte
 * picks a writable file, the rest is what is written to it.  One machine
 * lives across inputs (2 nodes, a DIMM, a CXL dax device, legacy pmem), so
 * that sequences of writes reach every state; it is audited every 32
 * inputs and any inconsistency aborts.
 */
#include <stdlib.h>
#include <string.h>

#include "memhp/memhp.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static const char *const files[] = {
	"/sys/devices/system/memory/memory0/state",
	"/sys/devices/system/memory/memory3/state",
	"/sys/devices/system/memory/memory3/online",
	"/sys/devices/system/memory/memory32/state",
	"/sys/devices/system/memory/memory33/online",
	"/sys/devices/system/memory/memory35/state",
	"/sys/devices/system/memory/auto_online_blocks",
	"/sys/module/memory_hotplug/parameters/auto_movable_ratio",
	"/sys/module/memory_hotplug/parameters/auto_movable_numa_aware",
	"/sys/module/memory_hotplug/parameters/online_policy",
	"/sys/module/memory_hotplug/parameters/memmap_on_memory",
	"/sys/kernel/debug/notifier-error-inject/memory/actions/MEM_GOING_ONLINE/error",
	"/sys/kernel/debug/notifier-error-inject/memory/actions/MEM_GOING_OFFLINE/error",
	"/sys/bus/dax/devices/dax1.0/memmap_on_memory",
	"/sys/bus/dax/drivers/kmem/bind",
	"/sys/bus/dax/drivers/kmem/unbind",
	"/sys/bus/dax/drivers/kmem/new_id",
	"/sys/bus/dax/drivers/kmem/remove_id",
	"/sys/bus/dax/drivers/device_dax/bind",
	"/sys/bus/dax/drivers/device_dax/unbind",
	"/sys/bus/nd/devices/dax0.0/uuid",
	"/sys/bus/nd/devices/dax0.0/namespace",
	"/sys/bus/nd/devices/dax0.0/align",
	"/sys/bus/nd/devices/dax0.0/mode",
	"/sys/bus/nd/drivers/nd_pmem/bind",
	"/sys/bus/nd/drivers/nd_pmem/unbind",
	"/sys/bus/nd/drivers/dax_pmem/bind",
	"/sys/bus/nd/drivers/dax_pmem/unbind",
	"/sys/devices/system/node/node1/meminfo",
	"/proc/meminfo",
	/* the cxl region is dynamic: its partitioning (drivers/dax/bus.c) */
	"/sys/bus/dax/devices/dax1.0/size",
	"/sys/bus/dax/devices/dax1.0/align",
	"/sys/bus/dax/devices/dax1.0/mapping",
	"/sys/devices/platform/dax_region.1/dax_region/create",
	"/sys/devices/platform/dax_region.1/dax_region/delete",
	"/sys/bus/dax/devices/dax1.1/size",
	"/sys/bus/dax/devices/dax1.1/mapping",
	"/sys/bus/dax/drivers/device_dax/new_id",
};

static struct memhp_machine *machine(void)
{
	static struct memhp_machine *m;

	if (!m) {
		struct memhp_config c = { .mem = 1ULL << 30, .nr_nodes = 2,
					  .cmdline = "memory_hotplug.memmap_on_memory=1 memmap=128M!768M" };
		struct memhp_dimm_info d;
		struct memhp_dax_info x;

		if (memhp_machine_create(&c, &m) ||
		    memhp_dimm_add(m, "d1", 512ULL << 20, 1, MEMHP_ADDR_AUTO, -1, &d) ||
		    memhp_dax_region_create(m, MEMHP_DAX_CXL, 256ULL << 20, 1, 0, MEMHP_ADDR_AUTO, -1, &x))
			abort();
	}
	return m;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static unsigned long runs;
	struct memhp_machine *m = machine();
	char msg[256];

	if (!size || size > 4200)
		return 0;
	memhp_file_write(m, files[data[0] % (sizeof(files) / sizeof(files[0]))], (const char *)data + 1,
			 size - 1);
	if (++runs % 32 == 0 && memhp_audit(m, msg, sizeof(msg)))
		abort();
	return 0;
}
