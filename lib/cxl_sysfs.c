// SPDX-License-Identifier: MIT
/*
 * cxl_sysfs.c - the CXL topology (cxl.c) as the driver core lays it out,
 * the way libcxl reads it (ndctl v76.1 cxl/lib/libcxl.c):
 *
 *   /sys/devices/platform/cxl_acpi.0/root0/{port1/{port4/{endpoint5,...},
 *       decoder1.N, dportN ->, uport ->, parent_dport ->}, decoder0.N,
 *       decoder0.N/regionM/{pmem_regionM,dax_regionM/{dax_region,daxM.0}},
 *       nvdimm-bridge0}
 *   /sys/devices/platform/cxl_host_bridge.0/cxl_root_port.0/
 *       cxl_switch_uport.0/cxl_switch_dport.0/cxl_mem.0/mem0/pmem0
 *   /sys/bus/cxl/{flush, devices/NAME ->,
 *       drivers/{cxl_port,cxl_mem,cxl_region}/{NAME ->, bind, unbind},
 *       drivers/{cxl_nvdimm_bridge,cxl_nvdimm,cxl_pmem_region,
 *                cxl_dax_region}/NAME ->}
 *   /sys/bus/platform/{devices/NAME ->, drivers/cxl_acpi/{cxl_acpi.0 ->,
 *       bind, unbind}}
 *
 * libcxl finds a port's children by reading its directory, a memdev's
 * host and a dport's device by realpath(), and matches a memdev to a
 * dport by path prefix - so every device is a directory at its one place
 * under /sys/devices, and every other name for it is a relative link, with
 * the text kernfs_get_target_path gives.  Files, modes and formats are
 * drivers/cxl/core/{port,memdev,pmem}.c's.  memN's dev is of major
 * CXL_CHAR_MAJOR, a LOCAL/EXPERIMENTAL major, as dax's: a node made for
 * it can never open a device of the host.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "kernfs.h"
#include "cxl.h"
#include "nd.h"		/* nd_uevent_store: kobject_synth_uevent's actions */

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

/*
 * In /sys/bus/cxl/devices, or (which 1) in a driver's directory, to device
 * id; every driver's directory is at the same depth, which is all the
 * relative text depends on.
 */
static void bus_to_dev_link(const struct kobj *ko, char *buf, size_t len)
{
	char to[256];

	dev_path(ko, (int)ko->id, to, sizeof(to));
	rel_link(ko->which ? "/sys/bus/cxl/drivers/any_driver" : "/sys/bus/cxl/devices", to, buf, len);
}

static const char *driver_of(const struct cxl_dev *d)
{
	switch (d->kind) {
	case CXL_PORT:
	case CXL_ENDPOINT:
		return cxl_bound(d) ? "cxl_port" : NULL;
	case CXL_MEMDEV:
		return cxl_bound(d) ? "cxl_mem" : NULL;
	case CXL_REGION:
		return __atomic_load_n(&d->reg.bound, __ATOMIC_ACQUIRE) ? "cxl_region" : NULL;
	case CXL_NVDIMM_BRIDGE:
		return cxl_bound(d) ? "cxl_nvdimm_bridge" : NULL;
	case CXL_NVDIMM:
		return cxl_bound(d) ? "cxl_nvdimm" : NULL;
	case CXL_PMEM_REGION:
		return cxl_bound(d) ? "cxl_pmem_region" : NULL;
	case CXL_DAX_REGION:
		return cxl_bound(d) ? "cxl_dax_region" : NULL;
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

/* a platform device's driver: cxl_acpi.0's, the platform driver cxl_acpi */
static void dev_to_platform_driver_link(const struct kobj *ko, char *buf, size_t len)
{
	char from[256];

	dev_path(ko, (int)ko->id, from, sizeof(from));
	rel_link(from, "/sys/bus/platform/drivers/cxl_acpi", buf, len);
}

static bool is_cxl_acpi(const struct cxl_dev *d)
{
	return d->kind == CXL_PLATFORM && !strcmp(d->name, "cxl_acpi.0");
}

static const struct ktype dev_link_type = { .link = dev_to_dev_link };
static const struct ktype platform_driver_link_type = { .link = dev_to_platform_driver_link };
static const struct ktype driver_link_type = { .link = dev_to_driver_link };
static const struct ktype subsystem_link_type = { .link = dev_to_subsystem_link };

/* ---- attributes ------------------------------------------------------------ */

/*
 * A show renders under the bus lock (decoders and regions change under
 * it); a region deleted since the path was resolved is gone (-ENODEV).
 */
#define CXL_SHOW(_name) \
	static int _name##_render(const struct kobj *ko, const struct kattr *a, struct sbuf *s); \
	static int _name##_show(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a, \
				struct sbuf *s) \
	{ \
		int ret = -ENODEV; \
		pthread_mutex_lock(&m->cxl->lock); \
		if (!cxl_gone(ko_dev(ko))) \
			ret = _name##_render(ko, a, s); \
		pthread_mutex_unlock(&m->cxl->lock); \
		return ret; \
	} \
	static int _name##_render(const struct kobj *ko, const struct kattr *a, struct sbuf *s)

/*
 * cxl_device_id: CXL_DEVICE_NVDIMM_BRIDGE 1, NVDIMM 2, PORT 3, ROOT 4,
 * MEMORY_EXPANDER 5, REGION 6, PMEM_REGION 7, DAX_REGION 8; decoders 0
 */
static const int cxl_device_ids[] = { [CXL_ROOT] = 4, [CXL_PORT] = 3, [CXL_ENDPOINT] = 3, [CXL_MEMDEV] = 5,
				      [CXL_DECODER] = 0, [CXL_REGION] = 6, [CXL_NVDIMM_BRIDGE] = 1,
				      [CXL_NVDIMM] = 2, [CXL_PMEM_REGION] = 7, [CXL_DAX_REGION] = 8 };

CXL_SHOW(modalias)
{
	sbuf_printf(s, "cxl:t%d\n", cxl_device_ids[ko_dev(ko)->kind]);
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

/* the device_type's name (memN has no devtype file, but its uevent says it) */
static const char *const devtypes[] = {
	[CXL_ROOT] = "cxl_port", [CXL_PORT] = "cxl_port", [CXL_ENDPOINT] = "cxl_port",
	[CXL_MEMDEV] = "cxl_memdev",
	[CXL_REGION] = "cxl_region", [CXL_NVDIMM_BRIDGE] = "cxl_nvdimm_bridge",
	[CXL_NVDIMM] = "cxl_nvdimm", [CXL_PMEM_REGION] = "cxl_pmem_region",
	[CXL_DAX_REGION] = "cxl_dax_region",
};

static const char *devtype_of(const struct cxl_bus *b, const struct cxl_dev *d)
{
	return d->kind == CXL_DECODER ? decoder_devtype(b, d) : devtypes[d->kind];
}

CXL_SHOW(devtype)
{
	sbuf_printf(s, "%s\n", devtype_of(ko->cxl, ko_dev(ko)));
	return 0;
}

/*
 * dev_uevent: memN's char device (cxl_memdev_devnode: cxl/memN), DEVTYPE,
 * DRIVER while bound; cxl_bus_uevent: MODALIAS
 */
CXL_SHOW(uevent)
{
	const struct cxl_dev *d = ko_dev(ko);
	const char *drv = driver_of(d);

	if (d->kind == CXL_MEMDEV)
		sbuf_printf(s, "MAJOR=%d\nMINOR=%d\nDEVNAME=cxl/%s\n", CXL_CHAR_MAJOR, d->id, d->name);
	sbuf_printf(s, "DEVTYPE=%s\n", devtype_of(ko->cxl, d));
	if (drv)
		sbuf_printf(s, "DRIVER=%s\n", drv);
	sbuf_printf(s, "MODALIAS=cxl:t%d\n", cxl_device_ids[d->kind]);
	return 0;
}

/* every device on the cxl bus has its uevent file (device_add's dev_attr_uevent) */
#define UEVENT_ATTR KATTR(uevent, 0644, uevent_show, nd_uevent_store)

/* cxl_num_decoders_committed: commit_end + 1 */
CXL_SHOW(decoders_committed)
{
	sbuf_printf(s, "%d\n", ko_dev(ko)->commit_end + 1);
	return 0;
}

/* cxl_base_attribute_group: all nvdimm-bridgeN, pmemN, pmem_regionN and dax_regionN have */
static const struct kattr base_attrs[] = {
	UEVENT_ATTR,
	KATTR_RO(devtype),
	KATTR_RO(modalias),
	{ NULL },
};

static const struct kattr port_attrs[] = {
	UEVENT_ATTR,
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
	UEVENT_ATTR,
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

/* the region a decoder is attached to, or an empty line */
CXL_SHOW(region)
{
	int r = ko_dec(ko)->region;

	sbuf_printf(s, "%s\n", r >= 0 ? ko->cxl->dev[r].name : "");
	return 0;
}

static const char *const mode_names[] = { [CXL_MODE_NONE] = "none", [CXL_MODE_RAM] = "ram",
					   [CXL_MODE_PMEM] = "pmem" };

CXL_SHOW(mode)
{
	const struct cxl_dev *d = ko_dev(ko);

	sbuf_printf(s, "%s\n", mode_names[d->kind == CXL_REGION ? d->reg.mode : d->dec.mode]);
	return 0;
}

/* cxl_dpa_resource_start: (resource_size_t)-1 without an allocation */
CXL_SHOW(dpa_resource)
{
	const struct cxl_decoder *d = ko_dec(ko);

	sbuf_printf(s, "0x%llx\n", d->dpa_size ? (unsigned long long)d->dpa_start : ~0ULL);
	return 0;
}

/* %pa: a resource_size_t, 16 hex digits */
CXL_SHOW(dpa_size)
{
	sbuf_printf(s, "0x%016llx\n", (unsigned long long)ko_dec(ko)->dpa_size);
	return 0;
}

/* a store's answer: count, or the error */
#define CXL_STORE_RET(_ret, _count) ((_ret) ? (ssize_t)(_ret) : (ssize_t)(_count))

static ssize_t mode_store(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
			  const char *buf, size_t count)
{
	enum cxl_mode mode;
	int ret;

	if (sysfs_streq(buf, "pmem"))
		mode = CXL_MODE_PMEM;
	else if (sysfs_streq(buf, "ram"))
		mode = CXL_MODE_RAM;
	else
		return -EINVAL;
	pthread_mutex_lock(&m->cxl->lock);
	ret = cxl_decoder_set_mode(m->cxl, (int)ko->id, mode);
	pthread_mutex_unlock(&m->cxl->lock);
	return CXL_STORE_RET(ret, count);
}

static ssize_t dpa_size_store(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
			      const char *buf, size_t count)
{
	unsigned long long size;
	int ret = kstrtoull(buf, 0, &size);

	if (ret)
		return ret;
	pthread_mutex_lock(&m->cxl->lock);
	ret = cxl_decoder_set_dpa_size(m->cxl, (int)ko->id, size);
	pthread_mutex_unlock(&m->cxl->lock);
	return CXL_STORE_RET(ret, count);
}

/* root decoders: create_{ram,pmem}_region show the name the next region must take */
CXL_SHOW(create_region)
{
	sbuf_printf(s, "region%d\n", ko_dev(ko)->region_id);
	return 0;
}

static ssize_t create_region_store(struct memhp_machine *m, const struct kobj *ko, const char *buf,
				   size_t count, enum cxl_mode mode)
{
	int ret;

	pthread_mutex_lock(&m->cxl->lock);
	ret = cxl_region_create(m->cxl, (int)ko->id, buf, mode);
	pthread_mutex_unlock(&m->cxl->lock);
	return CXL_STORE_RET(ret, count);
}

static ssize_t create_ram_region_store(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
				       const char *buf, size_t count)
{
	return create_region_store(m, ko, buf, count, CXL_MODE_RAM);
}

static ssize_t create_pmem_region_store(struct memhp_machine *m, const struct kobj *ko,
					const struct kattr *a, const char *buf, size_t count)
{
	return create_region_store(m, ko, buf, count, CXL_MODE_PMEM);
}

/*
 * The region's driver released, as device_del does: under
 * device_hotplug_lock, since a bound ram region's memory goes with it.
 */
static int region_release_driver(struct memhp_machine *m, int r)
{
	int ret = 0;

	if (__atomic_load_n(&m->cxl->dev[r].reg.bound, __ATOMIC_ACQUIRE)) {
		pthread_mutex_lock(&m->device_hotplug_lock);
		ret = cxl_region_unbind(m, r);
		pthread_mutex_unlock(&m->device_hotplug_lock);
	}
	return ret;
}

static ssize_t delete_region_store(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
				   const char *buf, size_t count)
{
	int id, r, ret;

	if (sscanf(buf, "region%d", &id) != 1)
		return -EINVAL;
	r = cxl_region_find(m->cxl, (int)ko->id, buf);
	if (r < 0)
		return -ENODEV;
	ret = region_release_driver(m, r);
	if (ret)
		return ret;
	pthread_mutex_lock(&m->cxl->lock);
	ret = cxl_gone(&m->cxl->dev[r]) ? -ENODEV : cxl_region_delete(m, r);
	pthread_mutex_unlock(&m->cxl->lock);
	return CXL_STORE_RET(ret, count);
}

/* ---- regions ------------------------------------------------------------------ */

static const struct cxl_region *ko_reg(const struct kobj *ko)
{
	return &ko_dev(ko)->reg;
}

CXL_SHOW(uuid)
{
	const unsigned char *u = ko_reg(ko)->uuid;

	if (ko_reg(ko)->mode != CXL_MODE_PMEM) {
		sbuf_printf(s, "\n");
		return 0;
	}
	sbuf_printf(s, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x\n", u[0], u[1], u[2],
		    u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
	return 0;
}

/* uuid_parse: 36 characters, dashes at 8, 13, 18, 23 */
static int parse_uuid(const char *buf, unsigned char *u)
{
	for (int i = 0, k = 0; i < 36; i++) {
		unsigned int v;

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (buf[i] != '-')
				return -EINVAL;
			continue;
		}
		if (sscanf(buf + i, "%1x", &v) != 1)
			return -EINVAL;
		u[k / 2] = (unsigned char)(k % 2 ? u[k / 2] | v : v << 4);
		k++;
	}
	return 0;
}

static ssize_t uuid_store(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
			  const char *buf, size_t count)
{
	unsigned char u[16];
	int ret;

	if (count != 36 + 1 || parse_uuid(buf, u))
		return -EINVAL;	/* UUID_STRING_LEN + 1, the newline */
	pthread_mutex_lock(&m->cxl->lock);
	ret = cxl_gone(ko_dev(ko)) ? -ENODEV : cxl_region_set_uuid(m->cxl, (int)ko->id, u);
	pthread_mutex_unlock(&m->cxl->lock);
	return CXL_STORE_RET(ret, count);
}

CXL_SHOW(commit)
{
	sbuf_printf(s, "%d\n", ko_reg(ko)->state >= CXL_CONFIG_COMMIT);
	return 0;
}

static ssize_t commit_store(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
			    const char *buf, size_t count)
{
	bool commit;
	int ret = kstrtobool(buf, &commit);

	if (ret)
		return ret;
	/* a reset releases the region's driver first (device_release_driver) */
	pthread_mutex_lock(&m->cxl->lock);
	ret = ko_reg(ko)->state >= CXL_CONFIG_COMMIT;
	pthread_mutex_unlock(&m->cxl->lock);
	if (!commit && ret) {
		ret = region_release_driver(m, (int)ko->id);
		if (ret)
			return ret;
	}
	pthread_mutex_lock(&m->cxl->lock);
	ret = cxl_gone(ko_dev(ko)) ? -ENODEV : cxl_region_set_commit(m, (int)ko->id, commit);
	pthread_mutex_unlock(&m->cxl->lock);
	return CXL_STORE_RET(ret, count);
}

CXL_SHOW(region_ways)
{
	sbuf_printf(s, "%u\n", ko_reg(ko)->ways);
	return 0;
}

static ssize_t region_ways_store(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
				 const char *buf, size_t count)
{
	unsigned int v;
	int ret = kstrtouint(buf, 0, &v);

	if (ret)
		return ret;
	pthread_mutex_lock(&m->cxl->lock);
	ret = cxl_gone(ko_dev(ko)) ? -ENODEV : cxl_region_set_ways(m->cxl, (int)ko->id, v);
	pthread_mutex_unlock(&m->cxl->lock);
	return CXL_STORE_RET(ret, count);
}

CXL_SHOW(region_granularity)
{
	sbuf_printf(s, "%u\n", ko_reg(ko)->granularity);
	return 0;
}

static ssize_t region_granularity_store(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
					const char *buf, size_t count)
{
	int v, ret = kstrtoint(buf, 0, &v);

	if (ret)
		return ret;
	pthread_mutex_lock(&m->cxl->lock);
	ret = cxl_gone(ko_dev(ko)) ? -ENODEV : cxl_region_set_granularity(m->cxl, (int)ko->id, v);
	pthread_mutex_unlock(&m->cxl->lock);
	return CXL_STORE_RET(ret, count);
}

CXL_SHOW(resource)
{
	const struct resource *res = ko_reg(ko)->res;

	sbuf_printf(s, "0x%llx\n", res ? (unsigned long long)res->start : ~0ULL);
	return 0;
}

CXL_SHOW(region_size)
{
	const struct resource *res = ko_reg(ko)->res;

	sbuf_printf(s, "0x%llx\n", res ? (unsigned long long)(res->end - res->start + 1) : 0ULL);
	return 0;
}

static ssize_t region_size_store(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
				 const char *buf, size_t count)
{
	unsigned long long v;
	int ret = kstrtoull(buf, 0, &v);

	if (ret)
		return ret;
	pthread_mutex_lock(&m->cxl->lock);
	ret = cxl_gone(ko_dev(ko)) ? -ENODEV : cxl_region_set_size(m, (int)ko->id, v);
	pthread_mutex_unlock(&m->cxl->lock);
	return CXL_STORE_RET(ret, count);
}

/* targetN: the endpoint decoder at position N */
CXL_SHOW(target)
{
	int pos = atoi(a->name + 6), t = ko_reg(ko)->target[pos];

	sbuf_printf(s, "%s\n", t >= 0 ? ko->cxl->dev[t].name : "");
	return 0;
}

static ssize_t target_store(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
			    const char *buf, size_t count)
{
	int ret;

	/* a departing target releases the region's driver (cxl_region_detach) */
	pthread_mutex_lock(&m->cxl->lock);
	ret = ko_reg(ko)->target[atoi(a->name + 6)] >= 0;
	pthread_mutex_unlock(&m->cxl->lock);
	if (sysfs_streq(buf, "") && ret) {
		ret = region_release_driver(m, (int)ko->id);
		if (ret)
			return ret;
	}
	pthread_mutex_lock(&m->cxl->lock);
	ret = cxl_gone(ko_dev(ko)) ? -ENODEV : cxl_region_set_target(m, (int)ko->id, atoi(a->name + 6), buf);
	pthread_mutex_unlock(&m->cxl->lock);
	return CXL_STORE_RET(ret, count);
}

#define REGION_BASE_ATTRS(_uuid_mode) \
	UEVENT_ATTR, \
	KATTR(uuid, _uuid_mode, uuid_show, uuid_store), \
	KATTR_RW(commit), \
	KATTR(interleave_ways, 0644, region_ways_show, region_ways_store), \
	KATTR(interleave_granularity, 0644, region_granularity_show, region_granularity_store), \
	KATTR_RO(resource), \
	KATTR(size, 0644, region_size_show, region_size_store), \
	KATTR_RO(mode), \
	KATTR_RO(devtype), \
	KATTR_RO(modalias)

#define DECODER_BASE_ATTRS \
	UEVENT_ATTR, \
	KATTR(start, 0400, start_show, NULL), \
	KATTR_RO(size), \
	KATTR_RO(locked), \
	KATTR_RO(interleave_granularity), \
	KATTR_RO(interleave_ways), \
	KATTR_RO(devtype), \
	KATTR_RO(modalias)

#define ROOT_DECODER_ATTRS \
	KATTR_RO(cap_pmem), \
	KATTR_RO(cap_ram), \
	KATTR_RO(cap_type2), \
	KATTR_RO(cap_type3), \
	KATTR_RO(target_list), \
	KATTR_RO(qos_class), \
	KATTR(delete_region, 0200, NULL, delete_region_store), \
	DECODER_BASE_ATTRS

/* cxl_root_decoder_visible: create_{ram,pmem}_region where the window allows */
static const struct kattr root_decoder_ram_attrs[] = {
	KATTR(create_ram_region, 0644, create_region_show, create_ram_region_store),
	ROOT_DECODER_ATTRS,
	{ NULL },
};

static const struct kattr root_decoder_pmem_attrs[] = {
	KATTR(create_pmem_region, 0644, create_region_show, create_pmem_region_store),
	ROOT_DECODER_ATTRS,
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
	KATTR_RW(mode),
	KATTR_RW(dpa_size),
	KATTR_RO(dpa_resource),
	KATTR_RO(region),
	DECODER_BASE_ATTRS,
	{ NULL },
};

/* ---- directories ------------------------------------------------------------- */

static const struct ktype *dev_lookup(struct memhp_machine *m, struct kobj *ko, const char *name);
static void dev_list(struct memhp_machine *m, const struct kobj *ko, struct lister *l);

/*
 * A region's files: target0..N-1 exist for N ways (cxl_region_target_visible),
 * uuid is writable for pmem only (cxl_region_visible): a table per mode and
 * number of ways.
 */
#define TARGET(_n) KATTR(target##_n, 0644, target_show, target_store),
#define TARGETS_0
#define TARGETS_1 TARGETS_0 TARGET(0)
#define TARGETS_2 TARGETS_1 TARGET(1)
#define TARGETS_3 TARGETS_2 TARGET(2)
#define TARGETS_4 TARGETS_3 TARGET(3)
#define TARGETS_5 TARGETS_4 TARGET(4)
#define TARGETS_6 TARGETS_5 TARGET(5)
#define TARGETS_7 TARGETS_6 TARGET(6)
#define TARGETS_8 TARGETS_7 TARGET(7)
#define TARGETS_9 TARGETS_8 TARGET(8)
#define TARGETS_10 TARGETS_9 TARGET(9)
#define TARGETS_11 TARGETS_10 TARGET(10)
#define TARGETS_12 TARGETS_11 TARGET(11)
#define TARGETS_13 TARGETS_12 TARGET(12)
#define TARGETS_14 TARGETS_13 TARGET(13)
#define TARGETS_15 TARGETS_14 TARGET(14)
#define TARGETS_16 TARGETS_15 TARGET(15)
#define REGION_ATTRS(_w) \
	static const struct kattr region_ram_attrs_##_w[] = { REGION_BASE_ATTRS(0444), TARGETS_##_w { NULL } }; \
	static const struct kattr region_pmem_attrs_##_w[] = { REGION_BASE_ATTRS(0644), TARGETS_##_w { NULL } };
REGION_ATTRS(0)
REGION_ATTRS(1)
REGION_ATTRS(2)
REGION_ATTRS(3)
REGION_ATTRS(4)
REGION_ATTRS(5)
REGION_ATTRS(6)
REGION_ATTRS(7)
REGION_ATTRS(8)
REGION_ATTRS(9)
REGION_ATTRS(10)
REGION_ATTRS(11)
REGION_ATTRS(12)
REGION_ATTRS(13)
REGION_ATTRS(14)
REGION_ATTRS(15)
REGION_ATTRS(16)

#define REGION_TYPE(_mode, _w) { .attrs = region_##_mode##_attrs_##_w, .lookup = dev_lookup, .list = dev_list }
#define REGION_TYPES(_mode) { \
	REGION_TYPE(_mode, 0), REGION_TYPE(_mode, 1), REGION_TYPE(_mode, 2), REGION_TYPE(_mode, 3), \
	REGION_TYPE(_mode, 4), REGION_TYPE(_mode, 5), REGION_TYPE(_mode, 6), REGION_TYPE(_mode, 7), \
	REGION_TYPE(_mode, 8), REGION_TYPE(_mode, 9), REGION_TYPE(_mode, 10), REGION_TYPE(_mode, 11), \
	REGION_TYPE(_mode, 12), REGION_TYPE(_mode, 13), REGION_TYPE(_mode, 14), REGION_TYPE(_mode, 15), \
	REGION_TYPE(_mode, 16) }

/* [pmem][interleave_ways] */
static const struct ktype region_types[2][CXL_REGION_MAX_WAYS + 1] = { REGION_TYPES(ram), REGION_TYPES(pmem) };


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
		if (is_cxl_acpi(dev) && cxl_bound(dev))
			ADD_LINK(&platform_driver_link_type, d, "driver");
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
		/* a port's dports come and go with its driver: the count first */
		for (int i = 0, nd = __atomic_load_n(&dev->nr_dports, __ATOMIC_ACQUIRE); i < nd; i++)
			ADD_LINK(&dev_link_type, __atomic_load_n(&dev->dport_dev[i], __ATOMIC_RELAXED), "dport%d",
				 __atomic_load_n(&dev->dport_id[i], __ATOMIC_RELAXED));
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
	for (int i = 0, nr = cxl_nr(ko->cxl); i < nr; i++)
		if (ko->cxl->dev[i].parent == (int)ko->id && !cxl_gone(&ko->cxl->dev[i]))
			emit_kdir(l, ko->cxl->dev[i].name);
}

static const struct ktype platform_dev_type = { .lookup = dev_lookup, .list = dev_list };
static const struct ktype port_type = { .attrs = port_attrs, .lookup = dev_lookup, .list = dev_list };
static const struct ktype root_decoder_ram_type = {
	.attrs = root_decoder_ram_attrs, .lookup = dev_lookup, .list = dev_list };
static const struct ktype root_decoder_pmem_type = {
	.attrs = root_decoder_pmem_attrs, .lookup = dev_lookup, .list = dev_list };
static const struct ktype switch_decoder_type = {
	.attrs = switch_decoder_attrs, .lookup = dev_lookup, .list = dev_list };
static const struct ktype endpoint_decoder_type = {
	.attrs = endpoint_decoder_attrs, .lookup = dev_lookup, .list = dev_list };
/* nvdimm-bridgeN, pmemN, pmem_regionN */
static const struct ktype pmem_dev_type = { .attrs = base_attrs, .lookup = dev_lookup, .list = dev_list };

/*
 * dax_regionN: bound to cxl_dax_region, it holds dax region N (alloc_dax_region
 * on the cxl_dax_region device) - dax_region/ and daxN.0 - after its links
 */
static const char *dax_holder_path(const struct kobj *ko, char *buf, size_t len)
{
	dev_path(ko, (int)ko->id, buf, len);
	return buf + strlen("/sys/devices/");
}

static const struct ktype *dax_region_dev_lookup(struct memhp_machine *m, struct kobj *ko, const char *name)
{
	char path[DEVPATH_MAX + 16];
	const struct ktype *t = dev_lookup(m, ko, name);

	if (t)
		return t;
	return dax_holder_lookup(m, ko, ko_dev(ko)->id, dax_holder_path(ko, path, sizeof(path)), name);
}

static void dax_region_dev_list(struct memhp_machine *m, const struct kobj *ko, struct lister *l)
{
	char path[DEVPATH_MAX + 16];

	dev_list(m, ko, l);
	dax_holder_list(m, ko_dev(ko)->id, dax_holder_path(ko, path, sizeof(path)), l);
}

static const struct ktype dax_region_dev_type = { .attrs = base_attrs, .lookup = dax_region_dev_lookup,
						  .list = dax_region_dev_list };

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
	case CXL_REGION:
		return &region_types[dev->reg.mode == CXL_MODE_PMEM][__atomic_load_n(&dev->reg.ways, __ATOMIC_ACQUIRE)];
	case CXL_NVDIMM_BRIDGE:
	case CXL_NVDIMM:
	case CXL_PMEM_REGION:
		return &pmem_dev_type;
	case CXL_DAX_REGION:
		return &dax_region_dev_type;
	case CXL_DECODER:
		switch (cxl_decoder_port(b, dev)->kind) {
		case CXL_ROOT:
			return dev->dec.flags & CXL_DECODER_F_PMEM ? &root_decoder_pmem_type : &root_decoder_ram_type;
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
	for (int i = 0, n = cxl_nr(m->cxl); i < n; i++)
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
#define REGION_BUS_LINKS(_pmem) \
	BUS_LINK(region_types[_pmem][0]), BUS_LINK(region_types[_pmem][1]), BUS_LINK(region_types[_pmem][2]), \
	BUS_LINK(region_types[_pmem][3]), BUS_LINK(region_types[_pmem][4]), BUS_LINK(region_types[_pmem][5]), \
	BUS_LINK(region_types[_pmem][6]), BUS_LINK(region_types[_pmem][7]), BUS_LINK(region_types[_pmem][8]), \
	BUS_LINK(region_types[_pmem][9]), BUS_LINK(region_types[_pmem][10]), BUS_LINK(region_types[_pmem][11]), \
	BUS_LINK(region_types[_pmem][12]), BUS_LINK(region_types[_pmem][13]), BUS_LINK(region_types[_pmem][14]), \
	BUS_LINK(region_types[_pmem][15]), BUS_LINK(region_types[_pmem][16])
static const struct ktype bus_link_types[] = {
	REGION_BUS_LINKS(0),
	REGION_BUS_LINKS(1),
	BUS_LINK(port_type), BUS_LINK(root_decoder_ram_type), BUS_LINK(root_decoder_pmem_type),
	BUS_LINK(switch_decoder_type),
	BUS_LINK(endpoint_decoder_type), BUS_LINK(memdev_type), BUS_LINK(memdev_no_pmem_type),
	BUS_LINK(memdev_no_ram_type), BUS_LINK(pmem_dev_type), BUS_LINK(dax_region_dev_type),
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

	for (int i = 0, n = cxl_nr(m->cxl); i < n; i++) {
		if (!cxl_on_bus(&m->cxl->dev[i]) || cxl_gone(&m->cxl->dev[i]))
			continue;
		link.id = (unsigned long)i;
		emit_klink(l, m->cxl->dev[i].name, bus_link_type(m->cxl, i), &link);
	}
}

static const struct ktype bus_devices_type = { .lookup = bus_devices_lookup, .list = bus_devices_list };

/* drivers/DRV: a link per bound device; ko->which is 1 there (the link's place) */
static const char *const cxl_drivers[] = { "cxl_mem", "cxl_port", "cxl_region", "cxl_nvdimm_bridge",
					   "cxl_nvdimm", "cxl_pmem_region", "cxl_dax_region" };

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

	for (int i = 0, n = cxl_nr(m->cxl); i < n; i++) {
		if (cxl_gone(&m->cxl->dev[i]) || !bound_to(&m->cxl->dev[i], ko->which))
			continue;
		link.id = (unsigned long)i;
		emit_klink(l, m->cxl->dev[i].name, bus_link_type(m->cxl, i), &link);
	}
}


/* the region named buf, on the bus */
static int bus_region(struct memhp_machine *m, const char *buf)
{
	char name[32];
	int d;

	snprintf(name, sizeof(name), "%.*s", (int)strcspn(buf, "\n"), buf);
	d = cxl_bus_dev(m->cxl, name);
	return d >= 0 && m->cxl->dev[d].kind == CXL_REGION ? d : -1;
}

/* bind_store: -ENODEV for no such device, the probe's error, -EBUSY if bound */
static ssize_t region_bind_store(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
				 const char *buf, size_t count)
{
	int r = bus_region(m, buf), ret;

	if (r < 0)
		return -ENODEV;
	pthread_mutex_lock(&m->device_hotplug_lock);
	ret = cxl_region_bind(m, r);
	pthread_mutex_unlock(&m->device_hotplug_lock);
	return CXL_STORE_RET(ret, count);
}

/* unbind_store: -ENODEV unless bound to this driver */
static ssize_t region_unbind_store(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
				   const char *buf, size_t count)
{
	int r = bus_region(m, buf), ret;

	if (r < 0 || !__atomic_load_n(&m->cxl->dev[r].reg.bound, __ATOMIC_ACQUIRE))
		return -ENODEV;
	ret = region_release_driver(m, r);
	return CXL_STORE_RET(ret, count);
}

/* the device named buf on the bus, or -1 */
static int bus_dev_named(struct memhp_machine *m, const char *buf)
{
	char name[32];

	snprintf(name, sizeof(name), "%.*s", (int)strcspn(buf, "\n"), buf);
	return cxl_bus_dev(m->cxl, name);
}

/*
 * cxl_mem and cxl_port: bind_store (-ENODEV for no device or one the
 * driver does not match, -EBUSY if bound, else the probe's error) and
 * unbind_store (-ENODEV unless bound to this driver), under
 * device_hotplug_lock since a region's memory may go with an unbind.
 */
static ssize_t driver_bind(struct memhp_machine *m, const char *buf, size_t count, bool port, bool bind)
{
	int d = bus_dev_named(m, buf), ret;
	enum cxl_kind k = d >= 0 ? m->cxl->dev[d].kind : CXL_PLATFORM;

	if (d < 0 || (port ? k != CXL_PORT && k != CXL_ENDPOINT : k != CXL_MEMDEV))
		return -ENODEV;
	if (!bind && !cxl_bound(&m->cxl->dev[d]))
		return -ENODEV;
	pthread_mutex_lock(&m->device_hotplug_lock);
	if (port)
		ret = bind ? cxl_port_bind(m, d) : cxl_port_unbind(m, d);
	else
		ret = bind ? cxl_memdev_bind(m, d) : cxl_memdev_unbind(m, d);
	pthread_mutex_unlock(&m->device_hotplug_lock);
	return CXL_STORE_RET(ret, count);
}

static ssize_t mem_bind_store(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
			      const char *buf, size_t count)
{
	return driver_bind(m, buf, count, false, true);
}

static ssize_t mem_unbind_store(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
				const char *buf, size_t count)
{
	return driver_bind(m, buf, count, false, false);
}

static ssize_t port_bind_store(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
			       const char *buf, size_t count)
{
	return driver_bind(m, buf, count, true, true);
}

static ssize_t port_unbind_store(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
				 const char *buf, size_t count)
{
	return driver_bind(m, buf, count, true, false);
}

static const struct kattr mem_driver_attrs[] = {
	KATTR(bind, 0200, NULL, mem_bind_store),
	KATTR(unbind, 0200, NULL, mem_unbind_store),
	{ NULL },
};

static const struct kattr port_driver_attrs[] = {
	KATTR(bind, 0200, NULL, port_bind_store),
	KATTR(unbind, 0200, NULL, port_unbind_store),
	{ NULL },
};

static const struct ktype mem_driver_type = {
	.attrs = mem_driver_attrs, .lookup = bus_driver_lookup, .list = bus_driver_list };
static const struct ktype port_driver_type = {
	.attrs = port_driver_attrs, .lookup = bus_driver_lookup, .list = bus_driver_list };

static const struct kattr region_driver_attrs[] = {
	KATTR(bind, 0200, NULL, region_bind_store),
	KATTR(unbind, 0200, NULL, region_unbind_store),
	{ NULL },
};

static const struct ktype region_driver_type = {
	.attrs = region_driver_attrs, .lookup = bus_driver_lookup, .list = bus_driver_list };

/* cxl_pmem's drivers and dax_cxl's: suppress_bind_attrs, so no bind or unbind file */
static const struct ktype nobind_driver_type = { .lookup = bus_driver_lookup, .list = bus_driver_list };

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
			KDIR_FOR("cxl_mem", &mem_driver_type, 0),
			KDIR_FOR("cxl_port", &port_driver_type, 1),
			KDIR_FOR("cxl_region", &region_driver_type, 2),
			KDIR_FOR("cxl_nvdimm_bridge", &nobind_driver_type, 3),
			KDIR_FOR("cxl_nvdimm", &nobind_driver_type, 4),
			KDIR_FOR("cxl_pmem_region", &nobind_driver_type, 5),
			KDIR_FOR("cxl_dax_region", &nobind_driver_type, 6))),
		{ } },
	.attrs = bus_attrs,
};

/* ---- /sys/bus/platform: the mock's platform devices, the driver cxl_acpi ---- */

/* in /sys/bus/platform/devices, or (which 1) in drivers/cxl_acpi, to device id */
static void platform_bus_to_dev_link(const struct kobj *ko, char *buf, size_t len)
{
	char to[256];

	dev_path(ko, (int)ko->id, to, sizeof(to));
	rel_link(ko->which ? "/sys/bus/platform/drivers/cxl_acpi" : "/sys/bus/platform/devices", to, buf, len);
}

static const struct ktype platform_bus_link_type = { .link = platform_bus_to_dev_link,
						     .follow = &platform_dev_type };

static int platform_dev_named(struct memhp_machine *m, const char *name)
{
	for (int i = 0, n = cxl_nr(m->cxl); i < n; i++)
		if (m->cxl->dev[i].kind == CXL_PLATFORM && sysfs_streq(name, m->cxl->dev[i].name))
			return i;
	return -1;
}

static const struct ktype *platform_devices_lookup(struct memhp_machine *m, struct kobj *ko, const char *name)
{
	int d = platform_dev_named(m, name);

	if (d < 0)
		return NULL;
	ko->cxl = m->cxl;
	ko->id = (unsigned long)d;
	ko->which = 0;
	return &platform_bus_link_type;
}

static void platform_devices_list(struct memhp_machine *m, const struct kobj *ko, struct lister *l)
{
	struct kobj link = { .cxl = m->cxl };

	for (int i = 0, n = cxl_nr(m->cxl); i < n; i++) {
		if (m->cxl->dev[i].kind != CXL_PLATFORM)
			continue;
		link.id = (unsigned long)i;
		emit_klink(l, m->cxl->dev[i].name, &platform_bus_link_type, &link);
	}
}

static const struct ktype *acpi_driver_lookup(struct memhp_machine *m, struct kobj *ko, const char *name)
{
	int d = platform_dev_named(m, name);

	if (d < 0 || !is_cxl_acpi(&m->cxl->dev[d]) || !cxl_bound(&m->cxl->dev[d]))
		return NULL;
	ko->cxl = m->cxl;
	ko->id = (unsigned long)d;
	ko->which = 1;
	return &platform_bus_link_type;
}

static void acpi_driver_list(struct memhp_machine *m, const struct kobj *ko, struct lister *l)
{
	int d = platform_dev_named(m, "cxl_acpi.0");
	struct kobj link = { .cxl = m->cxl, .id = (unsigned long)d, .which = 1 };

	if (d >= 0 && cxl_bound(&m->cxl->dev[d]))
		emit_klink(l, "cxl_acpi.0", &platform_bus_link_type, &link);
}

/* bind_store/unbind_store of the platform driver cxl_acpi: it matches cxl_acpi.0 only */
static ssize_t acpi_bind_store(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
			       const char *buf, size_t count)
{
	int d = platform_dev_named(m, buf), ret;

	if (d < 0 || !is_cxl_acpi(&m->cxl->dev[d]))
		return -ENODEV;
	pthread_mutex_lock(&m->device_hotplug_lock);
	ret = cxl_acpi_bind(m);
	pthread_mutex_unlock(&m->device_hotplug_lock);
	return CXL_STORE_RET(ret, count);
}

static ssize_t acpi_unbind_store(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
				 const char *buf, size_t count)
{
	int d = platform_dev_named(m, buf), ret;

	if (d < 0 || !is_cxl_acpi(&m->cxl->dev[d]))
		return -ENODEV;
	pthread_mutex_lock(&m->device_hotplug_lock);
	ret = cxl_acpi_unbind(m);
	pthread_mutex_unlock(&m->device_hotplug_lock);
	return CXL_STORE_RET(ret, count);
}

static const struct kattr acpi_driver_attrs[] = {
	KATTR(bind, 0200, NULL, acpi_bind_store),
	KATTR(unbind, 0200, NULL, acpi_unbind_store),
	{ NULL },
};

static const struct ktype platform_bus_type = {
	.dirs = (const struct kdirent[]){
		KDIR("devices", (&(const struct ktype){ .lookup = platform_devices_lookup,
							.list = platform_devices_list })),
		KDIR("drivers", KDIRS(
			KDIR("cxl_acpi", (&(const struct ktype){ .attrs = acpi_driver_attrs,
								 .lookup = acpi_driver_lookup,
								 .list = acpi_driver_list })))),
		{ } },
};

/* /sys/bus/cxl and /sys/bus/platform exist while a topology does */
const struct ktype *cxl_bus_lookup(struct memhp_machine *m, struct kobj *ko, const char *name)
{
	if (!m->cxl)
		return NULL;
	ko->cxl = m->cxl;
	if (!strcmp(name, "cxl"))
		return &cxl_bus_type;
	if (!strcmp(name, "platform"))
		return &platform_bus_type;
	return NULL;
}

void cxl_bus_list(struct memhp_machine *m, struct lister *l)
{
	if (m->cxl) {
		emit_kdir(l, "cxl");
		emit_kdir(l, "platform");
	}
}
