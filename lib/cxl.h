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
 * its parent chain; -1 is /sys/devices/platform itself.  The topology is
 * built once at boot and not changed afterwards, so readers take no lock.
 */
#ifndef MEMHP_CXL_H
#define MEMHP_CXL_H

#include <stdbool.h>
#include <stdint.h>

enum cxl_kind {
	CXL_PLATFORM,		/* a platform device of cxl_test */
	CXL_ROOT,		/* cxl_port: the root, on cxl_acpi.0 */
	CXL_PORT,		/* cxl_port: a host bridge's or a switch's */
	CXL_ENDPOINT,		/* cxl_port: a memdev's */
	CXL_MEMDEV,		/* memN */
	CXL_DECODER,		/* decoderP.N of a root, port or endpoint */
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

struct cxl_decoder {
	uint64_t start, size;		/* the HPA range; size 0: none */
	unsigned int ways, granularity;
	unsigned int flags;		/* CXL_DECODER_F_* */
	bool xor_arithmetic;		/* a root decoder of an XOR window */
	int nr_targets;			/* dport ids in target[] */
	int target[CXL_MAX_TARGETS];
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
	/* CXL_MEMDEV */
	uint64_t ram_size, pmem_size, lsa_size, serial;
	unsigned int payload_max;
	int numa_node;
	/* CXL_DECODER: of the port that is its parent */
	struct cxl_decoder dec;
};

#define CXL_MAX_DEVS 320

struct cxl_bus {
	struct cxl_dev dev[CXL_MAX_DEVS];
	int nr;
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
bool cxl_on_bus(const struct cxl_dev *d);
/* the port a decoder belongs to */
static inline const struct cxl_dev *cxl_decoder_port(const struct cxl_bus *b, const struct cxl_dev *d)
{
	return &b->dev[d->parent];
}

#endif
