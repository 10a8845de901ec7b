// SPDX-License-Identifier: MIT
/*
 * cxl_sysfs.c - the CXL topology (cxl.c) as the driver core lays it out,
 * the way libcxl reads it (ndctl v76.1 cxl/lib/libcxl.c):
 *
 *   /sys/devices/platform/cxl_acpi.0/root0/{port1/{port4/{endpoint5,...},
 *       decoder1.N, dportN ->, uport ->, parent_dport ->}, decoder0.N}
 *   /sys/devices/platform/cxl_host_bridge.0/cxl_root_port.0/
 *       cxl_switch_uport.0/cxl_switch_dport.0/cxl_mem.0/mem0
 *   /sys/bus/cxl/{flush, devices/NAME ->, drivers/{cxl_port,cxl_mem}/NAME ->}
 *
 * libcxl finds a port's children by reading its directory, a memdev's
 * host and a dport's device by realpath(), and matches a memdev to a
 * dport by path prefix - so every device is a directory at its one place
 * under /sys/devices, and every other name for it is a relative link, with
 * the text kernfs_get_target_path gives.  Files, modes and formats are
 * drivers/cxl/core/{port,memdev}.c's.  memN's dev is of major
 * CXL_CHAR_MAJOR, a LOCAL/EXPERIMENTAL major, as dax's: a node made for
 * it can never open a device of the host.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "kernfs.h"
#include "cxl.h"

#define CXL_CHAR_MAJOR 61

static const struct cxl_dev *ko_dev(const struct kobj *ko)
{
	return &ko->cxl->dev[ko->id];
}

/* ---- links: the text kernfs_get_target_path makes ------------------------ */

/* is dir a proper ancestor of (or the same as) path? */
static bool path_under(const char *dir, size_t dlen, const char *path)
{
	return !strncmp(dir, path, dlen) && (path[dlen] == '/' || !path[dlen]);
}

/*
 * From directory `from` to `to`: "../" for every level up to the lowest
 * ancestor of `from` that also holds `to`'s parent, then the way down.
 */
static void rel_link(const char *from, const char *to, char *buf, size_t len)
{
	char base[256], parent[256];
	size_t off = 0;
	char *slash;

	snprintf(base, sizeof(base), "%s", from);
	snprintf(parent, sizeof(parent), "%s", to);
	slash = strrchr(parent, '/');
	if (slash)
		*slash = '\0';
	buf[0] = '\0';
	while (!path_under(base, strlen(base), parent) && (slash = strrchr(base, '/'))) {
		*slash = '\0';
		off += (size_t)snprintf(buf + off, off < len ? len - off : 0, "../");
	}
	if (off < len)
		snprintf(buf + off, len - off, "%s", to + strlen(base) + 1);
}

static void dev_path(const struct kobj *ko, int d, char *buf, size_t len)
{
	cxl_dev_path(ko->cxl, d, buf, len);
}

/* in device id's directory, to device which */
static void dev_to_dev_link(const struct kobj *ko, char *buf, size_t len)
{
	char from[256], to[256];

	dev_path(ko, (int)ko->id, from, sizeof(from));
	dev_path(ko, ko->which, to, sizeof(to));
	rel_link(from, to, buf, len);
}

/* in /sys/bus/cxl/devices (or drivers/DRV: which 1), to device id */
static void bus_to_dev_link(const struct kobj *ko, char *buf, size_t len)
{
	char to[256];

	dev_path(ko, (int)ko->id, to, sizeof(to));
	rel_link(ko->which ? "/sys/bus/cxl/drivers/drv" : "/sys/bus/cxl/devices", to, buf, len);
}

static const char *driver_of(const struct cxl_dev *d)
{
	switch (d->kind) {
	case CXL_PORT:
	case CXL_ENDPOINT:
		return "cxl_port";
	case CXL_MEMDEV:
		return "cxl_mem";
	default:
		return NULL;
	}
}

static void dev_to_driver_link(const struct kobj *ko, char *buf, size_t len)
{
	char from[256], to[64];

	dev_path(ko, (int)ko->id, from, sizeof(from));
	snprintf(to, sizeof(to), "/sys/bus/cxl/drivers/%s", driver_of(ko_dev(ko)));
	rel_link(from, to, buf, len);
}

static void dev_to_subsystem_link(const struct kobj *ko, char *buf, size_t len)
{
	char from[256];

	dev_path(ko, (int)ko->id, from, sizeof(from));
	rel_link(from, "/sys/bus/cxl", buf, len);
}

static const struct ktype dev_link_type = { .link = dev_to_dev_link };
static const struct ktype driver_link_type = { .link = dev_to_driver_link };
static const struct ktype subsystem_link_type = { .link = dev_to_subsystem_link };

/* ---- attributes ------------------------------------------------------------ */

#define CXL_SHOW(_name) \
	static int _name##_show(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a, \
				struct sbuf *s)

/* cxl_device_id: CXL_DEVICE_PORT 3, ROOT 4, MEMORY_EXPANDER 5; decoders 0 */
CXL_SHOW(modalias)
{
	static const int ids[] = { [CXL_ROOT] = 4, [CXL_PORT] = 3, [CXL_ENDPOINT] = 3, [CXL_MEMDEV] = 5,
				   [CXL_DECODER] = 0 };

	sbuf_printf(s, "cxl:t%d\n", ids[ko_dev(ko)->kind]);
	return 0;
}

static const char *decoder_devtype(const struct cxl_bus *b, const struct cxl_dev *d)
{
	switch (cxl_decoder_port(b, d)->kind) {
	case CXL_ROOT: return "cxl_decoder_root";
	case CXL_ENDPOINT: return "cxl_decoder_endpoint";
	default: return "cxl_decoder_switch";
	}
}

CXL_SHOW(devtype)
{
	const struct cxl_dev *d = ko_dev(ko);

	sbuf_printf(s, "%s\n", d->kind == CXL_DECODER ? decoder_devtype(ko->cxl, d) : "cxl_port");
	return 0;
}

/* cxl_num_decoders_committed: commit_end + 1 */
CXL_SHOW(decoders_committed)
{
	sbuf_printf(s, "%d\n", ko_dev(ko)->commit_end + 1);
	return 0;
}

static const struct kattr port_attrs[] = {
	KATTR_RO(devtype),
	KATTR_RO(modalias),
	KATTR_RO(decoders_committed),
	{ NULL },
};

/* memN */
CXL_SHOW(serial)
{
	sbuf_printf(s, "0x%llx\n", (unsigned long long)ko_dev(ko)->serial);
	return 0;
}

CXL_SHOW(firmware_version)
{
	sbuf_printf(s, "%.16s\n", "mock fw v1 ");	/* mock_id's fw_revision */
	return 0;
}

CXL_SHOW(payload_max)
{
	sbuf_printf(s, "%u\n", ko_dev(ko)->payload_max);
	return 0;
}

CXL_SHOW(label_storage_size)
{
	sbuf_printf(s, "%llu\n", (unsigned long long)ko_dev(ko)->lsa_size);
	return 0;
}

CXL_SHOW(numa_node)
{
	sbuf_printf(s, "%d\n", ko_dev(ko)->numa_node);
	return 0;
}

CXL_SHOW(dev)
{
	sbuf_printf(s, "%d:%d\n", CXL_CHAR_MAJOR, ko_dev(ko)->id);
	return 0;
}

CXL_SHOW(ram_size)
{
	sbuf_printf(s, "0x%llx\n", (unsigned long long)ko_dev(ko)->ram_size);
	return 0;
}

CXL_SHOW(pmem_size)
{
	sbuf_printf(s, "0x%llx\n", (unsigned long long)ko_dev(ko)->pmem_size);
	return 0;
}

/* {ram,pmem}/qos_class: the mock's CDAT gives every partition FAKE_QTG_ID */
CXL_SHOW(qos_class)
{
	sbuf_printf(s, "%d\n", CXL_QOS_CLASS);
	return 0;
}

static const struct kattr memdev_attrs[] = {
	KATTR_RO(dev),
	KATTR_RO(firmware_version),
	KATTR_RO(label_storage_size),
	KATTR_RO(numa_node),
	KATTR_RO(payload_max),
	KATTR_RO(serial),
	{ NULL },
};

static const struct kattr memdev_ram_attrs[] = {
	KATTR(size, 0444, ram_size_show, NULL),
	KATTR_RO(qos_class),
	{ NULL },
};

static const struct kattr memdev_pmem_attrs[] = {
	KATTR(size, 0444, pmem_size_show, NULL),
	KATTR_RO(qos_class),
	{ NULL },
};

/* a partition without capacity has no performance data, so no qos_class */
static const struct kattr memdev_partition_size_only[][2] = {
	{ KATTR(size, 0444, ram_size_show, NULL), { NULL } },
	{ KATTR(size, 0444, pmem_size_show, NULL), { NULL } },
};

/* decoders */
static const struct cxl_decoder *ko_dec(const struct kobj *ko)
{
	return &ko_dev(ko)->dec;
}

CXL_SHOW(start)
{
	sbuf_printf(s, "0x%llx\n", (unsigned long long)ko_dec(ko)->start);
	return 0;
}

CXL_SHOW(size)
{
	sbuf_printf(s, "0x%llx\n", (unsigned long long)ko_dec(ko)->size);
	return 0;
}

#define DECODER_FLAG_SHOW(_name, _flag) \
	CXL_SHOW(_name) \
	{ \
		sbuf_printf(s, "%s\n", ko_dec(ko)->flags & (_flag) ? "1" : "0"); \
		return 0; \
	}
DECODER_FLAG_SHOW(cap_pmem, CXL_DECODER_F_PMEM)
DECODER_FLAG_SHOW(cap_ram, CXL_DECODER_F_RAM)
DECODER_FLAG_SHOW(cap_type2, CXL_DECODER_F_TYPE2)
DECODER_FLAG_SHOW(cap_type3, CXL_DECODER_F_TYPE3)
DECODER_FLAG_SHOW(locked, CXL_DECODER_F_LOCK)

CXL_SHOW(interleave_ways)
{
	sbuf_printf(s, "%u\n", ko_dec(ko)->ways);
	return 0;
}

CXL_SHOW(interleave_granularity)
{
	sbuf_printf(s, "%u\n", ko_dec(ko)->granularity);
	return 0;
}

/* the first interleave_ways targets, comma-separated (emit_target_list) */
CXL_SHOW(target_list)
{
	const struct cxl_decoder *dec = ko_dec(ko);

	for (int i = 0; i < (int)dec->ways && i < dec->nr_targets; i++)
		sbuf_printf(s, "%s%d", i ? "," : "", dec->target[i]);
	sbuf_printf(s, "\n");
	return 0;
}

/* every cxl_test decoder decodes to host-only memory (CXL_DECODER_HOSTONLYMEM) */
CXL_SHOW(target_type)
{
	sbuf_printf(s, "expander\n");
	return 0;
}

/* no region is assembled: cxld->region is NULL */
CXL_SHOW(region)
{
	sbuf_printf(s, "\n");
	return 0;
}

CXL_SHOW(mode)
{
	sbuf_printf(s, "none\n");	/* CXL_DECODER_NONE: no DPA allocated */
	return 0;
}

/* cxl_dpa_resource_start without dpa_res: (resource_size_t)-1 */
CXL_SHOW(dpa_resource)
{
	sbuf_printf(s, "0x%llx\n", ~0ULL);
	return 0;
}

/* %pa of a zero resource_size_t */
CXL_SHOW(dpa_size)
{
	sbuf_printf(s, "0x%016llx\n", 0ULL);
	return 0;
}

#define DECODER_BASE_ATTRS \
	KATTR(start, 0400, start_show, NULL), \
	KATTR_RO(size), \
	KATTR_RO(locked), \
	KATTR_RO(interleave_granularity), \
	KATTR_RO(interleave_ways), \
	KATTR_RO(devtype), \
	KATTR_RO(modalias)

static const struct kattr root_decoder_attrs[] = {
	KATTR_RO(cap_pmem),
	KATTR_RO(cap_ram),
	KATTR_RO(cap_type2),
	KATTR_RO(cap_type3),
	KATTR_RO(target_list),
	KATTR_RO(qos_class),
	DECODER_BASE_ATTRS,
	{ NULL },
};

static const struct kattr switch_decoder_attrs[] = {
	KATTR_RO(target_type),
	KATTR_RO(target_list),
	KATTR_RO(region),
	DECODER_BASE_ATTRS,
	{ NULL },
};

static const struct kattr endpoint_decoder_attrs[] = {
	KATTR_RO(target_type),
	KATTR_RO(mode),
	KATTR_RO(dpa_size),
	KATTR_RO(dpa_resource),
	KATTR_RO(region),
	DECODER_BASE_ATTRS,
	{ NULL },
};

/* ---- directories ------------------------------------------------------------- */

static const struct ktype *dev_dir_type(const struct cxl_bus *b, int d);

/* one named link of a device's directory: its name, type and target */
struct dev_link {
	char name[32];
	const struct ktype *type;
	int target;
};

/* the links in device d's directory, in the kernel's listing order */
static int dev_links(const struct cxl_bus *b, int d, struct dev_link *out, int max)
{
	const struct cxl_dev *dev = &b->dev[d];
	int n = 0;

#define ADD_LINK(_type, _target, ...) do { \
		if (n < max) { \
			snprintf(out[n].name, sizeof(out[n].name), __VA_ARGS__); \
			out[n].type = _type; \
			out[n++].target = _target; \
		} \
	} while (0)
	if (dev->kind == CXL_PLATFORM) {
		if (dev->self_link != CXL_SELF_NONE)
			ADD_LINK(&dev_link_type, d, "%s", dev->self_link == CXL_SELF_PHYSICAL_NODE ?
				 "physical_node" : "firmware_node");
		return n;
	}
	if (driver_of(dev))
		ADD_LINK(&driver_link_type, d, "driver");
	ADD_LINK(&subsystem_link_type, d, "subsystem");
	if (dev->kind == CXL_ROOT || dev->kind == CXL_PORT || dev->kind == CXL_ENDPOINT) {
		ADD_LINK(&dev_link_type, dev->uport, "uport");
		if (dev->parent_dport >= 0)
			ADD_LINK(&dev_link_type, dev->parent_dport, "parent_dport");
		for (int i = 0; i < dev->nr_dports; i++)
			ADD_LINK(&dev_link_type, dev->dport_dev[i], "dport%d", dev->dport_id[i]);
	}
#undef ADD_LINK
	return n;
}

#define MAX_DEV_LINKS (4 + CXL_MAX_DPORTS)

/* a device's directory: its links, then its child devices */
static const struct ktype *dev_lookup(struct memhp_machine *m, struct kobj *ko, const char *name)
{
	struct dev_link links[MAX_DEV_LINKS];
	int n = dev_links(ko->cxl, (int)ko->id, links, MAX_DEV_LINKS), c;

	for (int i = 0; i < n; i++) {
		if (!strcmp(links[i].name, name)) {
			ko->which = links[i].target;
			return links[i].type;
		}
	}
	c = cxl_dev_child(ko->cxl, (int)ko->id, name);
	if (c < 0)
		return NULL;
	ko->id = (unsigned long)c;
	return dev_dir_type(ko->cxl, c);
}

static void dev_list(struct memhp_machine *m, const struct kobj *ko, struct lister *l)
{
	struct dev_link links[MAX_DEV_LINKS];
	int n = dev_links(ko->cxl, (int)ko->id, links, MAX_DEV_LINKS);
	struct kobj link = *ko;

	for (int i = 0; i < n; i++) {
		link.which = links[i].target;
		emit_klink(l, links[i].name, links[i].type, &link);
	}
	for (int i = 0; i < ko->cxl->nr; i++)
		if (ko->cxl->dev[i].parent == (int)ko->id)
			emit_kdir(l, ko->cxl->dev[i].name);
}

static const struct ktype platform_dev_type = { .lookup = dev_lookup, .list = dev_list };
static const struct ktype port_type = { .attrs = port_attrs, .lookup = dev_lookup, .list = dev_list };
static const struct ktype root_decoder_type = {
	.attrs = root_decoder_attrs, .lookup = dev_lookup, .list = dev_list };
static const struct ktype switch_decoder_type = {
	.attrs = switch_decoder_attrs, .lookup = dev_lookup, .list = dev_list };
static const struct ktype endpoint_decoder_type = {
	.attrs = endpoint_decoder_attrs, .lookup = dev_lookup, .list = dev_list };

/* memN: ram/ and pmem/, the qos_class of a partition with capacity only */
static const struct ktype memdev_ram_type = { .attrs = memdev_ram_attrs };
static const struct ktype memdev_pmem_type = { .attrs = memdev_pmem_attrs };
static const struct ktype memdev_ram_size_type = { .attrs = memdev_partition_size_only[0] };
static const struct ktype memdev_pmem_size_type = { .attrs = memdev_partition_size_only[1] };

static const struct ktype memdev_type = {
	.dirs = (const struct kdirent[]){ KDIR("pmem", &memdev_pmem_type), KDIR("ram", &memdev_ram_type), { } },
	.attrs = memdev_attrs, .lookup = dev_lookup, .list = dev_list,
};
static const struct ktype memdev_no_pmem_type = {
	.dirs = (const struct kdirent[]){ KDIR("pmem", &memdev_pmem_size_type), KDIR("ram", &memdev_ram_type),
					 { } },
	.attrs = memdev_attrs, .lookup = dev_lookup, .list = dev_list,
};
static const struct ktype memdev_no_ram_type = {
	.dirs = (const struct kdirent[]){ KDIR("pmem", &memdev_pmem_type), KDIR("ram", &memdev_ram_size_type),
					 { } },
	.attrs = memdev_attrs, .lookup = dev_lookup, .list = dev_list,
};

static const struct ktype *memdev_dir_type(const struct cxl_dev *d)
{
	if (!d->pmem_size)
		return &memdev_no_pmem_type;
	return d->ram_size ? &memdev_type : &memdev_no_ram_type;
}

static const struct ktype *dev_dir_type(const struct cxl_bus *b, int d)
{
	const struct cxl_dev *dev = &b->dev[d];

	switch (dev->kind) {
	case CXL_PLATFORM:
		return &platform_dev_type;
	case CXL_ROOT:
	case CXL_PORT:
	case CXL_ENDPOINT:
		return &port_type;
	case CXL_MEMDEV:
		return memdev_dir_type(dev);
	case CXL_DECODER:
		switch (cxl_decoder_port(b, dev)->kind) {
		case CXL_ROOT: return &root_decoder_type;
		case CXL_ENDPOINT: return &endpoint_decoder_type;
		default: return &switch_decoder_type;
		}
	}
	return NULL;
}

/* ---- /sys/devices/platform: the mock's top-level devices ------------------- */

const struct ktype *cxl_platform_lookup(struct memhp_machine *m, struct kobj *ko, const char *name)
{
	int d;

	if (!m->cxl)
		return NULL;
	d = cxl_dev_child(m->cxl, -1, name);
	if (d < 0)
		return NULL;
	ko->cxl = m->cxl;
	ko->id = (unsigned long)d;
	return &platform_dev_type;
}

void cxl_platform_list(struct memhp_machine *m, struct lister *l)
{
	if (!m->cxl)
		return;
	for (int i = 0; i < m->cxl->nr; i++)
		if (m->cxl->dev[i].parent < 0)
			emit_kdir(l, m->cxl->dev[i].name);
}

/* ---- /sys/bus/cxl --------------------------------------------------------- */

/*
 * A link of the bus to a device: a path may go on through it, into the
 * directory of the device's kind (libcxl reads /sys/bus/cxl/devices/memN/
 * serial), so there is one link type per kind of directory.
 */
#define BUS_LINK(_target) { .link = bus_to_dev_link, .follow = &(_target) }
static const struct ktype bus_link_types[] = {
	BUS_LINK(port_type), BUS_LINK(root_decoder_type), BUS_LINK(switch_decoder_type),
	BUS_LINK(endpoint_decoder_type), BUS_LINK(memdev_type), BUS_LINK(memdev_no_pmem_type),
	BUS_LINK(memdev_no_ram_type),
};

static const struct ktype *bus_link_type(const struct cxl_bus *b, int d)
{
	const struct ktype *dir = dev_dir_type(b, d);

	for (size_t i = 0; i < sizeof(bus_link_types) / sizeof(bus_link_types[0]); i++)
		if (bus_link_types[i].follow == dir)
			return &bus_link_types[i];
	return NULL;
}

static const struct ktype *bus_devices_lookup(struct memhp_machine *m, struct kobj *ko, const char *name)
{
	int d = cxl_bus_dev(m->cxl, name);

	if (d < 0)
		return NULL;
	ko->cxl = m->cxl;
	ko->id = (unsigned long)d;
	ko->which = 0;
	return bus_link_type(m->cxl, d);
}

static void bus_devices_list(struct memhp_machine *m, const struct kobj *ko, struct lister *l)
{
	struct kobj link = { .cxl = m->cxl };

	for (int i = 0; i < m->cxl->nr; i++) {
		if (!cxl_on_bus(&m->cxl->dev[i]))
			continue;
		link.id = (unsigned long)i;
		emit_klink(l, m->cxl->dev[i].name, bus_link_type(m->cxl, i), &link);
	}
}

static const struct ktype bus_devices_type = { .lookup = bus_devices_lookup, .list = bus_devices_list };

/* drivers/DRV: a link per bound device; ko->which is 1 there (the link's place) */
static const char *const cxl_drivers[] = { "cxl_mem", "cxl_port" };

static bool bound_to(const struct cxl_dev *d, int drv)
{
	const char *name = driver_of(d);

	return name && !strcmp(name, cxl_drivers[drv]);
}

static const struct ktype *bus_driver_lookup(struct memhp_machine *m, struct kobj *ko, const char *name)
{
	int drv = ko->which, d = cxl_bus_dev(m->cxl, name);

	if (d < 0 || !bound_to(&m->cxl->dev[d], drv))
		return NULL;
	ko->cxl = m->cxl;
	ko->id = (unsigned long)d;
	ko->which = 1;
	return bus_link_type(m->cxl, d);
}

static void bus_driver_list(struct memhp_machine *m, const struct kobj *ko, struct lister *l)
{
	struct kobj link = { .cxl = m->cxl, .which = 1 };

	for (int i = 0; i < m->cxl->nr; i++) {
		if (!bound_to(&m->cxl->dev[i], ko->which))
			continue;
		link.id = (unsigned long)i;
		emit_klink(l, m->cxl->dev[i].name, bus_link_type(m->cxl, i), &link);
	}
}

static const struct ktype bus_driver_type = { .lookup = bus_driver_lookup, .list = bus_driver_list };

/* flush: cxl_bus_wq has nothing queued here, so a flush is done at once */
static ssize_t flush_store(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
			   const char *buf, size_t count)
{
	return sysfs_streq(buf, "1") ? (ssize_t)count : -EINVAL;
}

static const struct kattr bus_attrs[] = {
	KATTR_WO(flush),
	{ NULL },
};

static const struct ktype cxl_bus_type = {
	.dirs = (const struct kdirent[]){
		KDIR("devices", &bus_devices_type),
		KDIR("drivers", KDIRS(
			KDIR_FOR("cxl_mem", &bus_driver_type, 0),
			KDIR_FOR("cxl_port", &bus_driver_type, 1))),
		{ } },
	.attrs = bus_attrs,
};

/* /sys/bus/cxl exists while a topology does */
const struct ktype *cxl_bus_lookup(struct memhp_machine *m, struct kobj *ko, const char *name)
{
	if (!m->cxl || strcmp(name, "cxl"))
		return NULL;
	ko->cxl = m->cxl;
	return &cxl_bus_type;
}

void cxl_bus_list(struct memhp_machine *m, struct lister *l)
{
	if (m->cxl)
		emit_kdir(l, "cxl");
}
