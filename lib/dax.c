// SPDX-License-Identifier: MIT
/*
 * dax.c - dax regions and devices, and the kmem driver (drivers/dax/bus.c,
 * drivers/dax/kmem.c).
 *
 * A region is device memory the host side creates: a CXL window, "soft
 * reserved" (hmem) memory or a pmem namespace, over a backing fd, with a
 * target node and an alignment.  Each region gets one static device daxR.0
 * covering it.  Two drivers can own a device:
 *
 *   device_dax  the memory stays device memory (mapped by applications);
 *   kmem        the memory becomes System RAM: every range, aligned inward
 *               to the memory block size (too-small ranges are skipped,
 *               with the kernel's message), is requested as a "daxR.I"
 *               resource and added with add_memory_driver_managed as
 *               "System RAM (kmem)" in one static memory group on the target
 *               node, with MHP_MEMMAP_ON_MEMORY only when the device's
 *               memmap_on_memory attribute is 1 - so each block carries its
 *               own memmap (the per-block split of the seed series).
 *
 * device_dax requests the device's range ("daxR.I") and maps it as
 * ZONE_DEVICE memory (memremap.c): a MEMORY_DEVICE_GENERIC pgmap over the
 * device's range, or the region's static pgmap (a pmem namespace's, from
 * nd.c) whose range is the whole namespace; compound pages of the
 * device's alignment, so the memmap is deduplicated to 2 pages per folio.
 *
 * Unbinding kmem removes each range; a range with an online block cannot be
 * removed and stays, logged "cannot be hotremoved until the next reboot",
 * while the unbind itself completes - as the kernel does.  Devices of
 * KMEM-type regions (cxl, hmem) bind to kmem when they appear, the others
 * to device_dax; new_id adds a device name to a driver's id list and
 * attaches it.  memmap_on_memory defaults to 1 for cxl, 0 otherwise.
 * Caller holds device_hotplug_lock for everything here.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

#define DAX_IDS 16

/* a user's mmap of /dev/daxR.I (memhp_dax_mmap) */
struct dax_mapping {
	struct dev_dax *dd;
	uint8_t *addr;
	size_t len;
	struct dax_mapping *next;
};

struct dax_ids {
	char names[DAX_IDS][16];
};

struct dev_dax {
	struct dax_region *region;
	char name[16];
	uint64_t start, size;
	bool memmap_on_memory;
	enum dax_driver driver;
	/* device_dax */
	struct resource *dax_res;
	struct dev_pagemap *pgmap;	/* mapped: the region's static one or dyn_pgmap */
	struct dev_pagemap dyn_pgmap;
	/* kmem */
	int mgid;
	struct resource *kmem_res;
	bool kmem_added;
};

struct dax_region {
	int id;
	enum memhp_dax_kind kind;
	uint64_t start, size, align;
	int target_node;		/* where kmem adds the memory */
	int numa_node;			/* the device's own: an online node */
	struct physdev *dev;
	bool dev_borrowed;		/* a pmem namespace's: nd.c owns it */
	struct resource *res;
	struct dev_pagemap *static_pgmap;	/* IORESOURCE_DAX_STATIC regions */
	struct dev_dax dax;
	struct dax_region *next;
};

struct dax_bus {
	struct dax_region *regions;
	int next_id;
	uint64_t next_addr;
	struct dax_ids ids[DAX_DRV_NR];
	struct dax_mapping *mappings;	/* dax_lock */
	int zapped_fd;			/* empty memfd: what a zapped mapping maps */
	struct dax_region *leaked;	/* gone with kmem memory left online (dax_region_abandon) */
};

static const char *const kind_names[] = { "cxl", "hmem", "pmem" };
static const char *const driver_names[DAX_DRV_NR] = { "-", "device_dax", "kmem" };

int dax_init(struct memhp_machine *m)
{
	m->dax = calloc(1, sizeof(*m->dax));
	if (!m->dax)
		return -ENOMEM;
	/* device windows: above the DIMMs and the 64-bit PCI window, 1G aligned */
	m->dax->next_addr = ALIGN_UP(m->hotplug_base + m->hotplug_size + (2ULL << 30), 1ULL << 30);
	m->dax->zapped_fd = -1;
	return 0;
}

/* the machine going: its regions' memory goes with it */
static void free_region_list(struct dax_region *r)
{
	while (r) {
		struct dax_region *next = r->next;

		free(r);
		r = next;
	}
}

void dax_destroy(struct memhp_machine *m)
{
	if (!m->dax)
		return;
	while (m->dax->mappings) {
		struct dax_mapping *map = m->dax->mappings;

		m->dax->mappings = map->next;
		munmap(map->addr, map->len);
		free(map);
	}
	if (m->dax->zapped_fd >= 0)
		close(m->dax->zapped_fd);
	free_region_list(m->dax->regions);
	free_region_list(m->dax->leaked);
	free(m->dax);
	m->dax = NULL;
}

static bool kmem_type(const struct dax_region *r)
{
	/* IORESOURCE_DAX_KMEM: CXL and soft-reserved memory */
	return r->kind != MEMHP_DAX_PMEM;
}

struct dev_dax *dax_find(struct memhp_machine *m, const char *name)
{
	for (struct dax_region *r = m->dax->regions; r; r = r->next)
		if (!strcmp(r->dax.name, name))
			return &r->dax;
	return NULL;
}

static bool id_listed(struct memhp_machine *m, enum dax_driver drv, const char *name)
{
	for (int i = 0; i < DAX_IDS; i++)
		if (!strcmp(m->dax->ids[drv].names[i], name))
			return true;
	return false;
}

/* dax_bus_match: the device's name in the id list, or the driver's type */
static bool dax_match(struct memhp_machine *m, enum dax_driver drv, struct dev_dax *dd)
{
	if (id_listed(m, drv, dd->name))
		return true;
	return drv == (kmem_type(dd->region) ? DAX_DRV_KMEM : DAX_DRV_DEVICE);
}

/* dax_kmem_range: align inward to the memory block size */
static int kmem_range(struct memhp_machine *m, struct dev_dax *dd, uint64_t *start, uint64_t *end)
{
	*start = ALIGN_UP(dd->start, m->block_size);
	*end = ALIGN_DOWN(dd->start + dd->size, m->block_size) - 1;
	return *start >= *end ? -ENOSPC : 0;
}

static int kmem_probe(struct memhp_machine *m, struct dev_dax *dd)
{
	uint64_t start, end;
	unsigned int flags;
	int ret;

	if (dd->region->target_node < 0) {
		mlog(m, "kmem %s: rejecting DAX region with invalid node: %d", dd->name,
		     dd->region->target_node);
		return -EINVAL;
	}
	if (kmem_range(m, dd, &start, &end)) {
		mlog(m, "kmem %s: mapping0: %#llx-%#llx too small after alignment", dd->name,
		     (unsigned long long)start, (unsigned long long)end);
		mlog(m, "kmem %s: rejecting DAX region without any memory after alignment", dd->name);
		return -EINVAL;
	}
	ret = memory_group_register(m, dd->region->target_node, false, PFN_UP_M(m, end - start + 1));
	if (ret < 0)
		return ret;
	dd->mgid = ret;
	dd->kmem_res = iomem_request(m, start, end - start + 1, dd->name, IORESOURCE_SYSTEM_RAM);
	if (!dd->kmem_res) {
		mlog(m, "kmem %s: mapping0: %#llx-%#llx could not reserve region", dd->name,
		     (unsigned long long)start, (unsigned long long)end);
		memory_group_unregister(m, dd->mgid);
		return -EBUSY;
	}
	flags = MEMHP_MHP_NID_IS_MGID | (dd->memmap_on_memory ? MEMHP_MHP_MEMMAP_ON_MEMORY : 0);
	ret = add_memory(m, dd->mgid, start, end - start + 1, flags, "System RAM (kmem)");
	if (ret) {
		mlog(m, "kmem %s: mapping0: %#llx-%#llx memory add failed", dd->name,
		     (unsigned long long)start, (unsigned long long)end);
		iomem_release(m, &dd->kmem_res);
		memory_group_unregister(m, dd->mgid);
		return ret;
	}
	dd->kmem_added = true;
	return 0;
}

/* dev_dax_kmem_remove: the unbind always completes */
static void kmem_remove(struct memhp_machine *m, struct dev_dax *dd)
{
	uint64_t start, end;
	int ret;

	if (!dd->kmem_added)
		return;
	kmem_range(m, dd, &start, &end);
	ret = try_remove_memory(m, start, end - start + 1);
	if (ret) {
		/* the kernel leaves the range (and its resource) in place */
		mlog(m, "kmem %s: mapping0: %#llx-%#llx cannot be hotremoved until the next reboot",
		     dd->name, (unsigned long long)start, (unsigned long long)end);
		return;
	}
	iomem_release(m, &dd->kmem_res);
	dd->kmem_added = false;
	memory_group_unregister(m, dd->mgid);
}

/* dev_dax_probe: reserve the range, map it as ZONE_DEVICE memory */
static int device_dax_probe(struct memhp_machine *m, struct dev_dax *dd)
{
	struct dax_region *r = dd->region;
	struct dev_pagemap *pgmap = r->static_pgmap ? r->static_pgmap : &dd->dyn_pgmap;
	int ret;

	if (!r->static_pgmap) {
		memset(pgmap, 0, sizeof(*pgmap));
		pgmap->nr_range = 1;
		pgmap->ranges[0] = (struct pgmap_range){ dd->start, dd->start + dd->size - 1 };
	}
	dd->dax_res = iomem_request(m, dd->start, dd->size, dd->name, IORESOURCE_MEM | IORESOURCE_BUSY);
	if (!dd->dax_res) {
		mlog(m, "dax %s: mapping0: %#llx-%#llx could not reserve range", dd->name,
		     (unsigned long long)dd->start, (unsigned long long)(dd->start + dd->size - 1));
		return -EBUSY;
	}
	pgmap->type = MEMORY_DEVICE_GENERIC;
	pgmap->vmemmap_shift = r->align > m->page_size ? order_base_2(r->align >> page_shift(m)) : 0;
	ret = memremap_pages(m, pgmap, r->numa_node);	/* dev_to_node */
	if (ret) {
		iomem_release(m, &dd->dax_res);
		return ret;
	}
	dd->pgmap = pgmap;
	return 0;
}

static void kill_dev_dax(struct memhp_machine *m, struct dev_dax *dd);

static void device_dax_remove(struct memhp_machine *m, struct dev_dax *dd)
{
	kill_dev_dax(m, dd);
	memunmap_pages(m, dd->pgmap);
	dd->pgmap = NULL;
	iomem_release(m, &dd->dax_res);
}

static void set_driver(struct memhp_machine *m, struct dev_dax *dd, enum dax_driver drv)
{
	pthread_mutex_lock(&m->dax_lock);
	dd->driver = drv;
	pthread_mutex_unlock(&m->dax_lock);
}

/*
 * The device's uevent (dev_uevent): a character device says its MAJOR,
 * MINOR and DEVNAME; a bound one its DRIVER.  Under the region's platform
 * device, as the tree shows it.
 */
static void dax_uevent(struct memhp_machine *m, struct dev_dax *dd, const char *action)
{
	char env[128];
	int n = snprintf(env, sizeof(env), "MAJOR=%d\nMINOR=%d\nDEVNAME=%s\n", DAX_CHAR_MAJOR,
			 dd->region->id * 16, dd->name);

	if (dd->driver != DAX_DRV_NONE)
		snprintf(env + n, sizeof(env) - (size_t)n, "DRIVER=%s\n", driver_names[dd->driver]);
	kobject_uevent_env(m->uevents, action, "dax", env, "/devices/platform/dax_region.%d/%s", dd->region->id,
			   dd->name);
}

static int dax_probe(struct memhp_machine *m, struct dev_dax *dd, enum dax_driver drv)
{
	int ret = 0;

	if (!dd->size)
		return -ENXIO;
	if (dd->kmem_added)
		return -EBUSY;	/* a range left behind by a failed remove */
	if (drv == DAX_DRV_KMEM)
		ret = kmem_probe(m, dd);
	else if (drv == DAX_DRV_DEVICE)
		ret = device_dax_probe(m, dd);
	if (!ret) {
		set_driver(m, dd, drv);
		dax_uevent(m, dd, "bind");	/* driver_bound: after the probe's own events */
	}
	return ret;
}

static void dax_release(struct memhp_machine *m, struct dev_dax *dd)
{
	if (dd->driver == DAX_DRV_KMEM)
		kmem_remove(m, dd);
	else if (dd->driver == DAX_DRV_DEVICE)
		device_dax_remove(m, dd);
	set_driver(m, dd, DAX_DRV_NONE);
	dax_uevent(m, dd, "unbind");	/* device_release_driver */
}

/* driver_attach: every unbound device the driver matches */
static int dax_driver_attach(struct memhp_machine *m, enum dax_driver drv)
{
	for (struct dax_region *r = m->dax->regions; r; r = r->next)
		if (r->dax.driver == DAX_DRV_NONE && dax_match(m, drv, &r->dax))
			dax_probe(m, &r->dax, drv);
	return 0;
}

static int dax_bind(struct memhp_machine *m, enum dax_driver drv, const char *name)
{
	struct dev_dax *dd = dax_find(m, name);

	/* bind_store: an unknown, bound or unmatched device is -ENODEV */
	if (!dd || dd->driver != DAX_DRV_NONE || !dax_match(m, drv, dd))
		return -ENODEV;
	return dax_probe(m, dd, drv);
}

static int dax_unbind(struct memhp_machine *m, enum dax_driver drv, const char *name)
{
	struct dev_dax *dd = dax_find(m, name);

	if (!dd || dd->driver != drv)
		return -ENODEV;
	dax_release(m, dd);
	return 0;
}

/* do_id_store: exactly "daxR.I" */
static int dax_id_store(struct memhp_machine *m, enum dax_driver drv, const char *buf, bool add)
{
	char name[16];
	int region, id, free_slot = -1;

	if (sscanf(buf, "dax%d.%d", &region, &id) != 2)
		return -EINVAL;
	snprintf(name, sizeof(name), "dax%d.%d", region, id);
	if (!sysfs_streq(buf, name))
		return -EINVAL;
	for (int i = 0; i < DAX_IDS; i++) {
		char *n = m->dax->ids[drv].names[i];

		if (!strcmp(n, name)) {
			if (!add)
				n[0] = '\0';
			free_slot = -2;
			break;
		}
		if (!n[0] && free_slot == -1)
			free_slot = i;
	}
	if (add && free_slot == -1)
		return -ENOMEM;
	if (add && free_slot >= 0)
		snprintf(m->dax->ids[drv].names[free_slot], sizeof(name), "%s", name);
	return add ? dax_driver_attach(m, drv) : 0;
}

/* ---- the files: a device's, its region's dax_region/ and the drivers' ---- */

/*
 * A show method of a device or of its region: the device looked up again
 * under dax_lock, since it may be gone since its path was resolved.
 */
#define DAX_SHOW(_name, _fmt, ...)								\
	static int _name##_show(struct memhp_machine *m, const struct kobj *ko,			\
				const struct kattr *a, struct sbuf *s)				\
	{											\
		struct dev_dax *dd;								\
												\
		pthread_mutex_lock(&m->dax_lock);						\
		dd = dax_find(m, ko->dev);							\
		if (dd)										\
			sbuf_printf(s, _fmt, __VA_ARGS__);					\
		pthread_mutex_unlock(&m->dax_lock);						\
		return dd ? 0 : -ENODEV;							\
	}

DAX_SHOW(align, "%llu\n", (unsigned long long)dd->region->align)
DAX_SHOW(dev, "%d:%d\n", DAX_CHAR_MAJOR, dd->region->id * 16)
DAX_SHOW(memmap_on_memory, "%d\n", dd->memmap_on_memory)
DAX_SHOW(modalias, "%s", "dax:t0*\n")
DAX_SHOW(numa_node, "%d\n", dd->region->numa_node)
DAX_SHOW(resource, "%#llx\n", (unsigned long long)dd->start)
DAX_SHOW(size, "%llu\n", (unsigned long long)dd->size)
DAX_SHOW(target_node, "%d\n", dd->region->target_node)

/* a static region hands all its capacity to its one device */
DAX_SHOW(available_size, "%s", "0\n")
DAX_SHOW(region_id, "%d\n", dd->region->id)
DAX_SHOW(region_size, "%llu\n", (unsigned long long)dd->region->size)

/*
 * The stores change memory: device_hotplug_lock, as the kernel's
 * lock_device_hotplug_sysfs (everything above expects it held).
 */
static ssize_t memmap_on_memory_store(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
				      const char *buf, size_t count)
{
	struct dev_dax *dd;
	bool val;
	int ret = 0;

	pthread_mutex_lock(&m->device_hotplug_lock);
	dd = dax_find(m, ko->dev);
	if (!dd)
		ret = -ENODEV;
	else if (kstrtobool(buf, &val))
		ret = -EINVAL;
	else if (val && !mhp_supports_memmap_on_memory(m))
		ret = -EOPNOTSUPP;
	else if (dd->memmap_on_memory != val && dd->driver == DAX_DRV_KMEM)
		ret = -EBUSY;
	if (!ret) {
		pthread_mutex_lock(&m->dax_lock);
		dd->memmap_on_memory = val;
		pthread_mutex_unlock(&m->dax_lock);
	}
	pthread_mutex_unlock(&m->device_hotplug_lock);
	return ret ? ret : (ssize_t)count;
}

/* a driver's bind or unbind file: the device named, under device_hotplug_lock */
static ssize_t driver_store(struct memhp_machine *m, const struct kobj *ko, const char *buf, size_t count,
			    bool bind)
{
	enum dax_driver drv = (enum dax_driver)ko->which;
	char name[32];
	int ret;

	sysfs_dev_name(buf, name, sizeof(name));
	pthread_mutex_lock(&m->device_hotplug_lock);
	ret = bind ? dax_bind(m, drv, name) : dax_unbind(m, drv, name);
	pthread_mutex_unlock(&m->device_hotplug_lock);
	return ret ? ret : (ssize_t)count;
}

static ssize_t bind_store(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
			  const char *buf, size_t count)
{
	return driver_store(m, ko, buf, count, true);
}

static ssize_t unbind_store(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
			    const char *buf, size_t count)
{
	return driver_store(m, ko, buf, count, false);
}

static ssize_t new_id_store(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
			    const char *buf, size_t count)
{
	int ret;

	pthread_mutex_lock(&m->device_hotplug_lock);
	ret = dax_id_store(m, (enum dax_driver)ko->which, buf, true);
	pthread_mutex_unlock(&m->device_hotplug_lock);
	return ret ? ret : (ssize_t)count;
}

static ssize_t remove_id_store(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
			       const char *buf, size_t count)
{
	int ret;

	pthread_mutex_lock(&m->device_hotplug_lock);
	ret = dax_id_store(m, (enum dax_driver)ko->which, buf, false);
	pthread_mutex_unlock(&m->device_hotplug_lock);
	return ret ? ret : (ssize_t)count;
}

/* /sys/devices/platform/dax_region.R/daxR.I/ */
const struct kattr dax_dev_attrs[] = {
	KATTR_RO(align),
	KATTR_RO(dev),
	KATTR_RW(memmap_on_memory),
	KATTR_RO(modalias),
	KATTR_RO(numa_node),
	KATTR(resource, 0400, resource_show, NULL),
	KATTR_RO(size),
	KATTR_RO(target_node),
	{ }
};

/* /sys/devices/platform/dax_region.R/dax_region/ */
const struct kattr dax_region_attrs[] = {
	KATTR(align, 0444, align_show, NULL),	/* the region's, as the device's */
	KATTR_RO(available_size),
	KATTR(id, 0444, region_id_show, NULL),
	KATTR(size, 0444, region_size_show, NULL),
	{ }
};

/* /sys/bus/dax/drivers/{device_dax,kmem}/ */
const struct kattr dax_drv_attrs[] = {
	KATTR_WO(bind),
	KATTR_WO(new_id),
	KATTR_WO(remove_id),
	KATTR_WO(unbind),
	{ }
};

/* -1: no such device */
int dax_driver_of(struct memhp_machine *m, const char *name)
{
	struct dev_dax *dd;
	int drv;

	pthread_mutex_lock(&m->dax_lock);
	dd = dax_find(m, name);
	drv = dd ? (int)dd->driver : -1;
	pthread_mutex_unlock(&m->dax_lock);
	return drv;
}

const char *dax_driver_name(enum dax_driver drv)
{
	return driver_names[drv];
}

int dax_list(struct memhp_machine *m, enum dax_driver bound_to,
	     int (*fn)(void *arg, const char *name), void *arg)
{
	pthread_mutex_lock(&m->dax_lock);
	for (struct dax_region *r = m->dax->regions; r; r = r->next) {
		if (bound_to != DAX_DRV_NR && r->dax.driver != bound_to)
			continue;
		if (fn(arg, r->dax.name))
			break;
	}
	pthread_mutex_unlock(&m->dax_lock);
	return 0;
}

static const char *region_resource_name(enum memhp_dax_kind kind)
{
	switch (kind) {
	case MEMHP_DAX_CXL: return "CXL Window";
	case MEMHP_DAX_HMEM: return "Soft Reserved";
	default: return "Persistent Memory";
	}
}

/*
 * alloc_dax_region + devm_create_dev_dax: device daxR.0 over the whole
 * region, listed, then probed by its matching driver (a probe failure
 * leaves it unbound, as the driver core does).
 */
static void dax_region_add(struct memhp_machine *m, struct dax_region *r, uint64_t addr,
			   uint64_t size, uint64_t align, struct memhp_dax_info *info)
{
	enum dax_driver drv = kmem_type(r) ? DAX_DRV_KMEM : DAX_DRV_DEVICE;
	int err;

	r->start = addr;
	r->size = size;
	r->align = align;
	r->dax.region = r;
	snprintf(r->dax.name, sizeof(r->dax.name), "dax%d.0", r->id);
	r->dax.start = addr;
	r->dax.size = size;
	r->dax.memmap_on_memory = r->kind == MEMHP_DAX_CXL;	/* cxl_dax_region_probe */
	pthread_mutex_lock(&m->dax_lock);
	r->next = m->dax->regions;
	m->dax->regions = r;
	pthread_mutex_unlock(&m->dax_lock);
	dax_uevent(m, &r->dax, "add");	/* devm_create_dev_dax: device_add, then the probe */
	err = dax_probe(m, &r->dax, drv);

	if (err)	/* driver core: really_probe's message */
		mlog(m, "%s: probe of %s failed with error %d", driver_names[drv], r->dax.name, err);
	if (info) {
		info->probe_error = err;
		info->region_id = r->id;
		snprintf(info->dev, sizeof(info->dev), "%s", r->dax.name);
		info->start = addr;
		info->size = size;
		info->driver = r->dax.driver;
	}
}

/*
 * dax_pmem's region: the data part of a pmem namespace, on the namespace's
 * device, with the namespace's static pgmap for device_dax.
 */
int dax_region_create_static(struct memhp_machine *m, int id, uint64_t start, uint64_t size,
			     uint64_t align, int target_node, int numa_node, struct physdev *dev,
			     struct dev_pagemap *pgmap, struct memhp_dax_info *info)
{
	struct dax_region *r;
	char name[16];

	snprintf(name, sizeof(name), "dax%d.0", id);
	if (dax_find(m, name))
		return -EBUSY;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->id = id;
	r->kind = MEMHP_DAX_PMEM;
	r->target_node = target_node;
	r->numa_node = numa_node;
	r->dev = dev;
	r->dev_borrowed = true;
	r->static_pgmap = pgmap;
	dax_region_add(m, r, start, size, align, info);
	return 0;
}

/* region ids below `n` belong to the nd bus's regions */
void dax_reserve_region_ids(struct memhp_machine *m, int n)
{
	m->dax->next_id = MAX(m->dax->next_id, n);
}

int dax_region_create(struct memhp_machine *m, enum memhp_dax_kind kind, uint64_t size,
		      int target_node, uint64_t align, uint64_t addr, int fd, struct memhp_dax_info *info)
{
	return dax_region_create_in(m, kind, size, target_node, align, addr, fd, region_resource_name(kind), -1,
				    info);
}

static bool dax_region_id_used(struct memhp_machine *m, int id)
{
	for (struct dax_region *r = m->dax->regions; r; r = r->next)
		if (r->id == id)
			return true;
	return false;
}

/*
 * The same, under a resource named res_name in /proc/iomem - or, for NULL,
 * inside what already holds the range (a CXL region's "regionN": the
 * kernel's dax region resource is not in iomem, kmem's dax device is) -
 * with region id `id` (a CXL region's own id, as alloc_dax_region takes
 * it; -EBUSY if taken), or the next free one for -1.
 */
int dax_region_create_in(struct memhp_machine *m, enum memhp_dax_kind kind, uint64_t size, int target_node,
			 uint64_t align, uint64_t addr, int fd, const char *res_name, int id,
			 struct memhp_dax_info *info)
{
	struct dax_region *r;
	int ret;

	if ((unsigned int)kind > MEMHP_DAX_PMEM || !size || target_node >= (int)m->nr_nodes)
		return -EINVAL;
	if (!align)
		align = 2ULL << 20;
	if (align & (align - 1) || align % m->page_size || size % align)
		return -EINVAL;
	if (addr == MEMHP_ADDR_AUTO) {
		/* after the last region, around what firmware keeps (the 1 TiB hole) */
		pthread_mutex_lock(&m->resource_lock);
		addr = iomem_first_fit(m, m->dax->next_addr, size, MAX(align, 1ULL << 30));
		pthread_mutex_unlock(&m->resource_lock);
		if (!addr)
			return -E2BIG;	/* beyond the physical address space */
	}
	if (addr % align)
		return -EINVAL;
	if (id >= 0 && dax_region_id_used(m, id))
		return -EBUSY;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	ret = physdev_create(m, kind_names[kind], addr, size, fd, &r->dev);
	if (ret)
		goto fail;
	pthread_mutex_lock(&m->resource_lock);
	if (res_name)
		r->res = resource_request(&m->iomem, addr, size, res_name, IORESOURCE_MEM);
	pthread_mutex_unlock(&m->resource_lock);
	if (res_name && !r->res) {
		ret = -EBUSY;
		goto fail_dev;
	}
	r->id = id >= 0 ? id : m->dax->next_id++;
	if (id >= 0)
		m->dax->next_id = MAX(m->dax->next_id, id + 1);
	r->kind = kind;
	r->target_node = target_node;
	r->numa_node = target_node;
	if (addr + size > m->dax->next_addr)
		m->dax->next_addr = ALIGN_UP(addr + size, 1ULL << 30);
	dax_region_add(m, r, addr, size, align, info);
	return 0;
fail_dev:
	physdev_destroy(m, r->dev);
fail:
	free(r);
	return ret;
}

/*
 * Unregister region id from /sys/bus/dax: its driver released first
 * (kmem's remove), then the device unlinked and its remove uevent sent.
 * With kmem's memory still online a user's destroy is refused (-EBUSY,
 * nothing changed) unless leave_online: the kernel's device teardown
 * cannot fail.  Returns the region, off the list, or NULL and *err.
 */
static struct dax_region *dax_region_unregister(struct memhp_machine *m, int id, bool leave_online, int *err)
{
	for (struct dax_region **p = &m->dax->regions; *p; p = &(*p)->next) {
		struct dax_region *r = *p;

		if (r->id != id)
			continue;
		if (r->dax.driver != DAX_DRV_NONE)
			dax_release(m, &r->dax);
		if (r->dax.kmem_added && !leave_online) {
			*err = -EBUSY;	/* memory still online */
			return NULL;
		}
		pthread_mutex_lock(&m->dax_lock);
		*p = r->next;
		pthread_mutex_unlock(&m->dax_lock);
		dax_uevent(m, &r->dax, "remove");
		return r;
	}
	*err = -ENOENT;
	return NULL;
}

/* an unregistered region with no memory online: its range and backing go */
static void dax_region_free(struct memhp_machine *m, struct dax_region *r)
{
	if (r->res)
		iomem_release(m, &r->res);
	if (!r->dev_borrowed)
		physdev_destroy(m, r->dev);
	free(r);
}

/*
 * The region's device unregistered whatever its memory: as the kernel's
 * device_unregister of a dax region whose kmem range could not be removed
 * (dev_dax_kmem_remove logs it and leaks the range), the blocks stay
 * online and their resources stay in /proc/iomem, on the region's backing
 * kept until the machine goes; the device leaves /sys/bus/dax.
 */
int dax_region_abandon(struct memhp_machine *m, int id)
{
	int err;
	struct dax_region *r = dax_region_unregister(m, id, true, &err);

	if (!r)
		return err;
	if (!r->dax.kmem_added) {
		dax_region_free(m, r);
		return 0;
	}
	r->next = m->dax->leaked;
	m->dax->leaked = r;
	return 0;
}

int dax_region_destroy(struct memhp_machine *m, int id)
{
	int err;
	struct dax_region *r = dax_region_unregister(m, id, false, &err);

	if (!r)
		return err;
	dax_region_free(m, r);
	return 0;
}

/* ---- /dev/daxR.I: mmap (drivers/dax/device.c) --------------------------- */

/*
 * A user maps a device_dax device as with mmap(2) of its character
 * device: shared only, at an address the kernel aligns to the device's
 * alignment (dax_get_unmapped_area makes the address congruent to the
 * offset, so check_vma's "unaligned vma" is an offset or a length that
 * is not a multiple of it).  The mapping is the device's own memory (its
 * backing fd at the range's offset), so what the user writes is on the
 * device byte for byte; pages beyond the device fault with SIGBUS, as
 * dax_pgoff_to_phys fails there.  The kernel maps lazily, one fault per
 * align; memhp maps at once.  Unbinding device_dax zaps every mapping
 * (kill_dev_dax: unmap_mapping_range): from then on an access raises
 * SIGBUS until the user unmaps.  An empty memfd mapped shared gives
 * exactly that signal.
 */

static int zapped_fd(struct memhp_machine *m)
{
	if (m->dax->zapped_fd < 0)
		m->dax->zapped_fd = memfd_create("memhp-dax-zapped", MFD_CLOEXEC);
	return m->dax->zapped_fd;
}

static void kill_dev_dax(struct memhp_machine *m, struct dev_dax *dd)
{
	pthread_mutex_lock(&m->dax_lock);
	for (struct dax_mapping *map = m->dax->mappings; map; map = map->next) {
		if (map->dd != dd)
			continue;
		if (mmap(map->addr, map->len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, zapped_fd(m), 0) ==
		    MAP_FAILED)
			mprotect(map->addr, map->len, PROT_NONE);	/* still no access */
		map->dd = NULL;
	}
	pthread_mutex_unlock(&m->dax_lock);
}

static int dax_check_vma(struct memhp_machine *m, struct dev_dax *dd, uint64_t offset, size_t len, int flags)
{
	uint64_t mask = dd->region->align - 1;

	if (dd->driver != DAX_DRV_DEVICE)
		return -ENXIO;	/* !dax_alive: no device_dax behind the node */
	if ((flags & MAP_TYPE) != MAP_SHARED && (flags & MAP_TYPE) != MAP_SHARED_VALIDATE) {
		mlog(m, "dax %s: dax_mmap: fail, attempted private mapping", dd->name);
		return -EINVAL;
	}
	if (!len || (offset | len) & mask) {
		mlog(m, "dax %s: dax_mmap: fail, unaligned vma (offset %#llx, length %#zx, %#llx)", dd->name,
		     (unsigned long long)offset, len, (unsigned long long)mask);
		return -EINVAL;
	}
	return 0;
}

/* the device's pages, then SIGBUS beyond its end */
static int dax_map_range(struct memhp_machine *m, struct dev_dax *dd, uint8_t *va, uint64_t offset,
			 size_t len, int prot)
{
	struct physdev *d = dd->region->dev;
	size_t in_dev = offset >= dd->size ? 0 : (size_t)MIN((uint64_t)len, dd->size - offset);

	if (in_dev && mmap(va, in_dev, prot, MAP_SHARED | MAP_FIXED, d->fd,
			   (off_t)(d->fd_offset + dd->start + offset - d->phys_start)) == MAP_FAILED)
		return -ENOMEM;
	if (in_dev < len && (zapped_fd(m) < 0 || mmap(va + in_dev, len - in_dev, prot, MAP_SHARED | MAP_FIXED,
						     zapped_fd(m), 0) == MAP_FAILED))
		return -ENOMEM;
	return 0;
}

int dax_mmap(struct memhp_machine *m, const char *name, uint64_t offset, size_t len, int prot, int flags,
	     void **addr)
{
	struct dev_dax *dd = dax_find(m, name);
	struct dax_mapping *map;
	uint8_t *va;
	int ret;

	if (!dd)
		return -ENODEV;
	ret = dax_check_vma(m, dd, offset, len, flags);
	if (ret)
		return ret;
	map = should_fail(m) ? NULL : calloc(1, sizeof(*map));
	va = map ? va_reserve_aligned(len, dd->region->align) : NULL;
	if (!va) {
		free(map);
		return -ENOMEM;
	}
	ret = should_fail(m) ? -ENOMEM : dax_map_range(m, dd, va, offset, len, prot);
	if (ret) {
		munmap(va, len);
		free(map);
		return ret;
	}
	*map = (struct dax_mapping){ .dd = dd, .addr = va, .len = len };
	pthread_mutex_lock(&m->dax_lock);
	map->next = m->dax->mappings;
	m->dax->mappings = map;
	pthread_mutex_unlock(&m->dax_lock);
	*addr = va;
	return 0;
}

int dax_munmap(struct memhp_machine *m, void *addr)
{
	struct dax_mapping *map = NULL;

	pthread_mutex_lock(&m->dax_lock);
	for (struct dax_mapping **p = &m->dax->mappings; *p; p = &(*p)->next) {
		if ((*p)->addr == addr) {
			map = *p;
			*p = map->next;
			break;
		}
	}
	pthread_mutex_unlock(&m->dax_lock);
	if (!map)
		return -EINVAL;
	munmap(map->addr, map->len);
	free(map);
	return 0;
}
