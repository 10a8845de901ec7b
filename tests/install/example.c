// SPDX-License-Identifier: MIT
/*
 * example.c - the example of libmemhp(3), built against an installed
 * libmemhp through pkg-config (scripts/check-install.sh): a 2 GiB machine
 * gets a 1 GiB DIMM, its first block goes online movable, and the memmap
 * of the DIMM is found on the DIMM (MemTotal grows by 1 GiB minus 16 MiB).
 */
#include <stdio.h>
#include <string.h>

#include <memhp/memhp.h>

int main(void)
{
	struct memhp_config c = { .mem = 2ULL << 30, .cmdline = "memory_hotplug.memmap_on_memory=1" };
	struct memhp_counters before, after;
	struct memhp_machine *m;
	struct memhp_dimm_info d;
	char audit[256];
	int rc = 1;

	if (memhp_machine_create(&c, &m))
		return 1;
	memhp_counters(m, &before);
	if (!memhp_dimm_add(m, "d1", 1ULL << 30, 0, MEMHP_ADDR_AUTO, -1, &d) && d.enabled) {
		char path[96];

		for (unsigned long b = d.first_block; b <= d.last_block; b++) {
			snprintf(path, sizeof(path), "/sys/devices/system/memory/memory%lu/state", b);
			memhp_file_write(m, path, "online_movable", 14);
		}
		memhp_counters(m, &after);
		/* 8 blocks of 32768 pages, 512 of each hold its memmap */
		rc = after.totalram_pages - before.totalram_pages == 8 * (32768 - 512) &&
		     after.nr_memmap_pages - before.nr_memmap_pages == 8 * 512 &&
		     !memhp_audit(m, audit, sizeof(audit)) ? 0 : 1;
	}
	printf("example: %s\n", rc ? "FAILED" : "ok");
	memhp_machine_destroy(m);
	return rc;
}
