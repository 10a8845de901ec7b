/* SPDX-License-Identifier: MIT */
/*
 * nd.h - the nd bus's objects, shared by the drivers (nd.c) and their
 * device tree (nd_sysfs.c): the buses (ndbusN: e820's, the NFIT's),
 * their dimms (nmemN, the NFIT's only), regions (regionN) and each
 * region's label-less io namespace (namespaceN.0) and dax devices (daxN.0,
 * then a new seed daxN.K each time the seed binds).
 * The pfnN.0 and bttN.0 seeds have no state beyond their region: they are
 * never configured here.
 */
#ifndef MEMHP_ND_H
#define MEMHP_ND_H

#include "internal.h"

enum nd_pfn_mode { PFN_MODE_NONE, PFN_MODE_RAM, PFN_MODE_PMEM };

struct nd_namespace {
	char name[16];			/* namespaceN.0 */
	uint64_t start, size;
	int nid;			/* numa_node: an online node */
	int target_nid;			/* target_node: the range's own */
	struct physdev *dev;
	enum nd_driver driver;		/* ND_DRV_PMEM or none */
	struct nd_dax *claim;		/* the dax device of its region holding it */
	bool force_raw;			/* written, never consulted: no info block is probed */
	int claim_class;		/* holder_class: into nd_claim_class_names */
	struct resource *res;		/* nd_pmem's or dax_pmem's request */
	bool pagemap;			/* ND_REGION_PAGEMAP: nd_e820's, not the NFIT's */
	bool mapped;			/* nd_pmem's memremap_pages, while bound */
	struct dev_pagemap pgmap;	/* nd_pmem's, then dax_pmem's static one */
};

struct nd_dax {
	char name[16];			/* daxN.K: region N's K-th */
	int region;
	char uuid[40];			/* empty: unset */
	struct nd_namespace *ns;
	unsigned long align;
	enum nd_pfn_mode mode;
	enum nd_driver driver;		/* ND_DRV_DAX_PMEM when bound */
	uint64_t dataoff;
	uint64_t end_trunc;		/* the info block's, while bound */
};

/* which firmware registered a bus: its provider and where its device lives */
enum nd_bus_kind { ND_BUS_E820, ND_BUS_NFIT, ND_BUS_KINDS };

struct nd_bus_dev {
	int id;				/* ndbusN, ndctlN: nd_ida's */
	enum nd_bus_kind kind;
};

/* an NFIT dimm: QEMU's slot gives its handle, serial and SPA index */
struct nd_dimm {
	int bus;			/* into nd_bus.buses */
	unsigned int slot;
	uint64_t size;
};

/* a pmem region: namespace of the same index, dax devices of its own */
struct nd_region {
	int bus;			/* into nd_bus.buses */
	struct nd_dax *dax_seed;	/* NULL: none could be made */
	int next_dax_id;		/* dax_ida's next */
	int dimm;			/* its one mapping, -1: none (e820) */
	bool ro;
	unsigned long align;
};

/* legacy ranges (memmap=nn!ss) and NFIT-described NVDIMMs (QEMU's, 8 slots) */
#define ND_MAX_REGIONS (E820_USER_MAX + 8)
#define ND_MAX_DIMMS 8
/* a region's dax seed and the seeds each bind leaves behind */
#define ND_MAX_DAX (ND_MAX_REGIONS * 4)

/* nd_ida: e820's bus, the NFIT's, CXL's nvdimm bridges' */
#define ND_MAX_BUSES 8

struct nd_bus {
	struct nd_namespace ns[ND_MAX_REGIONS];
	struct nd_region region[ND_MAX_REGIONS];
	struct nd_dax dax[ND_MAX_DAX];
	int nr_dax;
	int nr;
	struct nd_dimm dimm[ND_MAX_DIMMS];
	int nr_dimms;
	struct nd_bus_dev buses[ND_BUS_KINDS];
	int nr_buses;
	bool bus_id_used[ND_MAX_BUSES];
};

/* character devices: LOCAL/EXPERIMENTAL majors (60 is dax's, 61 CXL's) */
#define ND_BUS_MAJOR 62			/* ndctlN */
#define ND_DIMM_MAJOR 63		/* nmemN */

/* the kinds of device on the bus */
enum nd_kind { NDK_BUS, NDK_DIMM, NDK_REGION, NDK_NS, NDK_DAX, NDK_PFN, NDK_BTT, NDK_NR };

/* their names' prefixes: ndbusN, nmemN, regionN, namespaceN.0, daxN.K, pfnN.0, bttN.0 */
extern const char *const nd_kind_prefix[NDK_NR];

/* ko->id: the bus's index, firmware and id; the dimm's or region's index */
#define ND_KO(busi, kind, busid, idx) \
	((unsigned long)(busi) << 20 | (unsigned long)(kind) << 16 | (unsigned long)(busid) << 8 | (idx))
#define KO_BUSI(ko) ((int)((ko)->id >> 20 & 0xf))
#define KO_FW(ko) ((enum nd_bus_kind)((ko)->id >> 16 & 0xf))
#define KO_BUSID(ko) ((int)((ko)->id >> 8 & 0xff))
#define KO_IDX(ko) ((int)((ko)->id & 0xff))

int nd_parse_name(const char *name, int *n);
/* the disk nd_pmem attaches to namespace ns ("pmemN", nvdimm_namespace_disk_name) */
void nd_disk_name(int ns, char *buf, size_t len);
/* where a bus of this firmware hangs, under /sys/devices */
const char *nd_fw_devpath(enum nd_bus_kind kind);
/* an nd dax device's devpath under /sys/devices: FW/ndbusB/regionN/daxN.K */
void nd_dax_devpath(struct memhp_machine *m, const struct nd_dax *dax, char *buf, size_t len);

static inline int ko_kind(const struct kobj *ko)
{
	int n;

	return nd_parse_name(ko->dev, &n);
}

/* the driver a device of the tree is bound to, ND_DRV_NONE for none */
int nd_dev_driver(struct memhp_machine *m, const struct kobj *ko);

/* the attributes every device of the bus has (nd.c, as bus.c's), for the tables */
kattr_show_t nd_devtype_show, nd_modalias_show, nd_uevent_show, nd_numa_node_show, nd_target_node_show,
	nd_supported_alignments_show;
kattr_store_t nd_uevent_store;

#endif
