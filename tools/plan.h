/* SPDX-License-Identifier: MIT */
/*
 * plan.h - what a planned hot-add does: `memhpctl plan` and the demo.
 *
 * A plan is a machine (boot RAM per node, command line, profile) and a list
 * of devices to add in order.  plan_run builds that machine in process,
 * every device on a sparse memfd, adds the devices one after the other the
 * way the host would (a DIMM through ACPI, a CXL or hmem range through
 * dax/kmem), watches each add through the library's progress reports and
 * returns, per device, what happened: its blocks and their zones, the
 * memmap and where it went, the boot memory it took, the failure point.
 * Nothing of a running memhpd is touched; the machine is torn down after.
 */
#ifndef MEMHP_TOOLS_PLAN_H
#define MEMHP_TOOLS_PLAN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "memhp/memhp.h"

enum plan_kind { PLAN_DIMM, PLAN_CXL, PLAN_HMEM };

struct plan_device {
	enum plan_kind kind;
	uint64_t size;
	int node;
};

struct plan_machine {
	const char *profile;			/* NULL: x86_64 */
	unsigned int nr_nodes;
	uint64_t node_mem[MEMHP_MAX_NODES];	/* boot RAM per node, 0: memory-less */
	const char *cmdline;
	uint64_t maxmem;			/* QEMU maxmem, 0: default (16 GiB) */
	unsigned int slots;			/* DIMM slots, 0: default (8) */
	int memmap_init_eager;			/* every struct page written at online */
};

/* one run of blocks in the same state and zone */
struct plan_zone_run {
	char zone[64];				/* "Normal", "Movable", ..., "offline" */
	unsigned long first, last;
};

struct plan_result {
	char name[32];				/* DIMM name or dax device */
	uint64_t addr;
	int error;				/* 0, or -errno of the add */
	unsigned long first_block, last_block;	/* the blocks the device spans */
	long fail_block;			/* the block whose add failed, else -1 */
	uint64_t added_at_failure;		/* bytes added when the add failed */
	uint64_t memmap_bytes;			/* the device's memmap (nr_memmap_pages) */
	uint64_t memmap_on_device;		/* of it, on the device's own blocks */
	uint64_t waste_bytes;			/* vmemmap reserve beyond the memmap (force) */
	int64_t dram_used[MEMHP_MAX_NODES];	/* boot memory the add took, per node */
	int64_t dram_after[MEMHP_MAX_NODES];	/* free change once done (rollbacks: 0) */
	unsigned long blocks_online;
	size_t nr_runs;
	struct plan_zone_run runs[64];
};

struct plan_geometry {
	uint64_t block_size, page_size;
	unsigned long nr_memmap_pages_boot;
	uint64_t node_free0[MEMHP_MAX_NODES];	/* free bytes per node at boot */
};

/* called for every progress report, with the free bytes of each node and
 * the machine's nr_memmap_pages */
typedef void (*plan_sample_fn)(void *arg, size_t device, const char *op, uint64_t done,
			       uint64_t total, const uint64_t *node_free, unsigned int nr_nodes,
			       unsigned long nr_memmap_pages);

int plan_run(const struct plan_machine *pm, const struct plan_device *devs, size_t n,
	     struct plan_result *out, struct plan_geometry *geo, plan_sample_fn sample, void *arg,
	     char *err, size_t errlen);

/* "dimm:4G@1" style device words, "2G,0" style node lists */
int plan_parse_device(const char *word, struct plan_device *d);
int plan_parse_nodes(const char *list, struct plan_machine *pm);
const char *plan_kind_name(enum plan_kind k);
void plan_print(FILE *f, const struct plan_machine *pm, const struct plan_device *devs,
		const struct plan_result *res, size_t n, const struct plan_geometry *geo, int json);

int cmd_plan(int argc, char **argv);
int cmd_demo(int argc, char **argv);

#endif
