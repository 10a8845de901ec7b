/* SPDX-License-Identifier: MIT */
/*
 * cxl.h - the CXL topology's model, shared by cxl.c (which builds it, the
 * drivers layer) and cxl_sysfs.c (which shows it as /sys/bus/cxl, the
 * files layer).
 *
 * Every directory the kernel's CXL stack makes under /sys/devices is one
 * struct cxl_dev: the platform devices of the mock (cxl_acpi.0,
 * cxl_host_bridge.N, cxl_root_port.N, cxl_switch_uport.N,
 * cxl_switch_dport.N, cxl_mem.N, cxl_rcd.N) and the cxl bus devices on
 * them (rootN, portN, endpointN, memN, decoderP.N).  A device's place is
 * its parent chain; -1 is /sys/devices/platform itself.  The platform
 * devices and memdevs are made once at boot; ports, endpoints and their
 * decoders come and go with driver binding (cxl_mem, cxl_port), as the
 * kernel registers and unregisters them - a device gone is only marked
 * so (below), so readers take no lock.
 */
#ifndef MEMHP_CXL_H
#define MEMHP_CXL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

enum cxl_kind {
	CXL_PLATFORM,		/* a platform device of cxl_test */
	CXL_ROOT,		/* cxl_port: the root, on cxl_acpi.0 */
	CXL_PORT,		/* cxl_port: a host bridge's or a switch's */
	CXL_ENDPOINT,		/* cxl_port: a memdev's */
	CXL_MEMDEV,		/* memN */
	CXL_DECODER,		/* decoderP.N of a root, port or endpoint */
	CXL_REGION,		/* regionN, a root decoder's child */
	CXL_NVDIMM_BRIDGE,	/* nvdimm-bridgeN, the root's: the nd bus of its pmem */
	CXL_NVDIMM,		/* pmemN, a memdev's with pmem capacity: its nmem */
	CXL_PMEM_REGION,	/* pmem_regionN, a bound pmem region's: its nd region */
	CXL_DAX_REGION,		/* dax_regionN, a bound ram region's: its dax region */
};

/* cxl_decoder_mode: an endpoint decoder's partition, a region's */
enum cxl_mode { CXL_MODE_NONE, CXL_MODE_RAM, CXL_MODE_PMEM };

/* cxl_config_state: how far a region is programmed */
enum cxl_config_state {
	CXL_CONFIG_IDLE,		/* nothing, or ways/granularity only */
	CXL_CONFIG_INTERLEAVE_ACTIVE,	/* HPA allocated: targets may attach */
	CXL_CONFIG_ACTIVE,		/* every position has its target */
	CXL_CONFIG_RESET_PENDING,
	CXL_CONFIG_COMMIT,		/* the decoders are committed */
};

/* a platform device's link to itself, as cxl_test makes for ACPI companions */
enum cxl_self_link { CXL_SELF_NONE, CXL_SELF_PHYSICAL_NODE, CXL_SELF_FIRMWARE_NODE };

/* cxld->flags (drivers/cxl/cxl.h) */
#define CXL_DECODER_F_RAM	(1u << 0)
#define CXL_DECODER_F_PMEM	(1u << 1)
#define CXL_DECODER_F_TYPE2	(1u << 2)
#define CXL_DECODER_F_TYPE3	(1u << 3)
#define CXL_DECODER_F_LOCK	(1u << 4)
#define CXL_DECODER_F_ENABLE	(1u << 5)

/* a CXL port's dports: at most a root's host bridges */
#define CXL_MAX_DPORTS 4
#define CXL_MAX_TARGETS 8	/* CXL_DECODER_MAX_INTERLEAVE is 16; cxl_test uses 4 */
#define CXL_DECODERS_PER_PORT 8	/* NR_CXL_PORT_DECODERS */
#define CXL_QOS_CLASS 42	/* cxl_test's FAKE_QTG_ID */
#define CXL_MAX_DEPTH 8		/* ports between an endpoint and the root */

struct cxl_decoder {
	uint64_t start, size;		/* the HPA range; size 0: none */
	unsigned int ways, granularity;
	unsigned int flags;		/* CXL_DECODER_F_* */
	bool xor_arithmetic;		/* a root decoder of an XOR window */
	int nr_targets;			/* dport ids in target[] */
	int target[CXL_MAX_TARGETS];
	int region;			/* the region it decodes for; -1: none */
	/* an endpoint decoder's DPA allocation */
	enum cxl_mode mode;
	uint64_t dpa_start, dpa_size, skip;
	int pos;			/* its position in its region */
};

#define CXL_REGION_MAX_WAYS 16

/* a region's parameters (struct cxl_region_params) */
struct cxl_region {
	enum cxl_mode mode;
	unsigned char uuid[16];
	unsigned int ways, granularity;
	struct resource *res;		/* the HPA range, in its window */
	enum cxl_config_state state;
	int target[CXL_REGION_MAX_WAYS];	/* endpoint decoders; -1: none */
	int nr_targets;
	bool bound;			/* to cxl_region */
	int dax_region;			/* the dax region of a bound ram region; -1 */
	int cxlr_dax;			/* the dax_regionN of a bound ram region; -1 */
	int pmem_region;		/* the pmem_regionN of a bound pmem region; -1 */
};

/*
 * A pmem region's snapshot for libnvdimm (cxl_pmem_region_alloc): each
 * target's memdev and DPA, in position order, taken when the region
 * binds; and, once cxl_pmem_region has probed it, the nd region made of
 * it: "Persistent Memory" over the HPA and the interleave-set cookie.
 */
struct cxl_pmem_mapping {
	int memdev;
	uint64_t start, size;		/* DPA */
};

struct cxl_pmem_region {
	uint64_t start, size;		/* HPA */
	int nr_mappings;
	struct cxl_pmem_mapping mapping[CXL_REGION_MAX_WAYS];
	struct resource *res;		/* "Persistent Memory": bound to cxl_pmem_region */
	uint64_t cookie;		/* nd_set->cookie1 and cookie2 */
	int numa_node, target_node;
};

struct cxl_dev {
	char name[32];
	enum cxl_kind kind;
	int parent;			/* index into cxl_bus.dev[]; -1: platform */
	enum cxl_self_link self_link;	/* CXL_PLATFORM */
	/* ports (CXL_ROOT, CXL_PORT, CXL_ENDPOINT) */
	int id;				/* port id; memN's N; decoder's N */
	int uport;			/* the device the port stands for */
	int parent_dport;		/* the dport device above it; -1: none */
	int nr_dports;
	int dport_dev[CXL_MAX_DPORTS];	/* device index of each dport */
	int dport_id[CXL_MAX_DPORTS];	/* its port_id (a host bridge's uid, a pdev id) */
	int commit_end;			/* highest committed decoder id; -1: none */
	int hdm_end;			/* endpoint: highest decoder with DPA; -1 */
	int region_id;			/* root decoder: the next region's id */
	/*
	 * Bound to its driver: a port or endpoint to cxl_port, a memdev to
	 * cxl_mem (a root has none).  Written under the bus lock, read
	 * without it.
	 */
	bool bound;
	/* CXL_MEMDEV */
	uint64_t ram_size, pmem_size, lsa_size, serial;
	unsigned int payload_max;
	int numa_node;
	/* the switch and host bridge ports it is an endpoint of (cxl_add_ep), endpoint first */
	int ep_port[CXL_MAX_DEPTH];
	int nr_ep_ports;
	/* CXL_DECODER: of the port that is its parent */
	struct cxl_decoder dec;
	struct cxl_region reg;		/* CXL_REGION */
	struct cxl_pmem_region pmem;	/* CXL_PMEM_REGION */
	/*
	 * CXL_NVDIMM_BRIDGE: the id of the nd bus it registered (ndbusN);
	 * CXL_NVDIMM: the id of its nvdimm (nmemN); -1 while unbound
	 */
	int nd_id;
	int nvdimm;			/* CXL_MEMDEV: its pmemN; -1 none */
	int nvb;			/* CXL_NVDIMM, CXL_PMEM_REGION: its bridge (cxl_nvb) */
	bool gone;			/* a deleted region: its slot is never reused */
};

/* slots are not reused (readers hold indices unlocked): room for many rebinds */
#define CXL_MAX_DEVS 4096
#define CXL_MAX_REGION_IDS 256
#define CXL_MAX_PORT_IDS 1024
#define CXL_MAX_BRIDGE_IDS 4
#define CXL_MAX_NVDIMM_IDS 64

/*
 * Devices are only ever appended (nr published with release order, a
 * device filled in before) and a deleted region only marked gone, so the
 * tree is walked without a lock; what may change - decoders' and
 * regions' programming, driver bindings - is under lock (cxl_region_rwsem
 * and cxl_dpa_rwsem in one), a leaf lock but for region binding, which
 * holds device_hotplug_lock and drops lock around the dax region.
 */
struct cxl_bus {
	struct cxl_dev dev[CXL_MAX_DEVS];
	int nr;
	pthread_mutex_t lock;
	bool region_id_used[CXL_MAX_REGION_IDS];	/* the memregion ida */
	bool port_id_used[CXL_MAX_PORT_IDS];		/* cxl_port_ida */
	bool bridge_id_used[CXL_MAX_BRIDGE_IDS];	/* cxl_nvdimm_bridge_ida */
	bool nvdimm_id_used[CXL_MAX_NVDIMM_IDS];	/* libnvdimm's dimm_ida */
	int interleave_arithmetic;	/* cxl_test's module parameter: 0 modulo, 1 XOR */
	struct resource *window_res[16];	/* "CXL Window N" in /proc/iomem */
	int nr_windows;
};

/* sysfs device paths: "/sys/devices/platform/a/b" */
int cxl_dev_path(const struct cxl_bus *b, int d, char *buf, size_t len);
/* a child of d (-1: of /sys/devices/platform) by name, or -1 */
int cxl_dev_child(const struct cxl_bus *b, int d, const char *name);
/* a cxl bus device (root, port, endpoint, memdev, decoder) by name, or -1 */
int cxl_bus_dev(const struct cxl_bus *b, const char *name);
static inline int cxl_nr(const struct cxl_bus *b)
{
	return __atomic_load_n(&b->nr, __ATOMIC_ACQUIRE);
}
static inline bool cxl_gone(const struct cxl_dev *d)
{
	return __atomic_load_n(&d->gone, __ATOMIC_ACQUIRE);
}
static inline bool cxl_bound(const struct cxl_dev *d)
{
	return __atomic_load_n(&d->bound, __ATOMIC_ACQUIRE);
}
bool cxl_on_bus(const struct cxl_dev *d);
/* the port a decoder belongs to */
static inline const struct cxl_dev *cxl_decoder_port(const struct cxl_bus *b, const struct cxl_dev *d)
{
	return &b->dev[d->parent];
}

/* cxl.c: devices appended at run time (regions) */
int cxl_dev_alloc(struct cxl_bus *b, enum cxl_kind kind, int parent, const char *fmt, int a, int c);
void cxl_publish(struct cxl_bus *b);
/* cxl_region.c: each with the kernel's errno; b->lock held but for bind/unbind */
int cxl_region_id_alloc(struct cxl_bus *b);
int cxl_granularity_to_eig(int granularity, unsigned int *eig);
int cxl_ways_to_eiw(unsigned int ways, unsigned int *eiw);
int cxl_decoder_set_mode(struct cxl_bus *b, int dec, enum cxl_mode mode);
int cxl_decoder_set_dpa_size(struct cxl_bus *b, int dec, uint64_t size);
int cxl_region_create(struct cxl_bus *b, int root_dec, const char *buf, enum cxl_mode mode);
int cxl_region_find(const struct cxl_bus *b, int root_dec, const char *buf);
int cxl_region_delete(struct memhp_machine *m, int r);
int cxl_region_set_ways(struct cxl_bus *b, int r, unsigned int val);
int cxl_region_set_granularity(struct cxl_bus *b, int r, int val);
int cxl_region_set_uuid(struct cxl_bus *b, int r, const unsigned char *uuid);
int cxl_region_set_size(struct memhp_machine *m, int r, uint64_t size);
int cxl_region_set_target(struct memhp_machine *m, int r, int pos, const char *buf);
int cxl_region_set_commit(struct memhp_machine *m, int r, bool commit);
int cxl_region_assemble(struct memhp_machine *m, int root_dec, const int *eps, int n);
int cxl_region_bind(struct memhp_machine *m, int r);
int cxl_region_unbind(struct memhp_machine *m, int r);
int cxl_region_release_teardown(struct memhp_machine *m, int r);
void cxl_regions_destroy(struct memhp_machine *m);
int cxl_region_detach_decoder(struct memhp_machine *m, int dec);

/*
 * cxl_pmem.c: the bridge to libnvdimm (drivers/cxl/core/pmem.c,
 * drivers/cxl/pmem.c); b->lock held.
 */
int cxl_nvdimm_bridge_add(struct memhp_machine *m, int root);
void cxl_nvdimm_bridge_remove(struct memhp_machine *m, int root);
int cxl_nvdimm_bridge_of(const struct cxl_bus *b, int port);
int cxl_nvdimm_add(struct memhp_machine *m, int md, int parent_port);
void cxl_nvdimm_remove(struct memhp_machine *m, int md);
int cxl_pmem_region_add(struct memhp_machine *m, int r);
void cxl_pmem_region_remove(struct memhp_machine *m, int r);

/*
 * cxl.c: driver binding, as /sys/bus/cxl/drivers/{cxl_mem,cxl_port}/
 * {bind,unbind} do it; caller holds device_hotplug_lock, not b->lock.
 * Each with the kernel's errno: -ENODEV no such device or not of this
 * driver, -EBUSY already bound, the probe's error.
 */
int cxl_memdev_bind(struct memhp_machine *m, int md);
int cxl_memdev_unbind(struct memhp_machine *m, int md);
int cxl_port_bind(struct memhp_machine *m, int port);
int cxl_port_unbind(struct memhp_machine *m, int port);
/* the platform driver cxl_acpi and cxl_acpi.0 */
int cxl_acpi_bind(struct memhp_machine *m);
int cxl_acpi_unbind(struct memhp_machine *m);

#endif
