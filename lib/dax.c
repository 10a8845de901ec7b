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
/* a device's minor is region * 16 + id: ids 0-15 per region */
#define DAX_DEVS_PER_REGION 16
/* the ranges of one device: its pgmap's */
#define DAX_MAX_RANGES PGMAP_MAX_RANGES

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

/* one piece of a device: dev_dax_range, with its mappingN device's id */
struct dev_dax_range {
	uint64_t start, end;
	unsigned long pgoff;		/* pages of the device before it */
	int mapping;			/* N of mappingN; -1 until registered */
};

struct dev_dax {
	struct dax_region *region;
	int id;
	char name[16];
	int nr_range;
	struct dev_dax_range ranges[DAX_MAX_RANGES];
	unsigned long mapping_ids;	/* the device's ida: bit N is mappingN */
	bool registered;		/* device_add done: mappings get registered */
	uint64_t align;
	bool memmap_on_memory;
	enum dax_driver driver;
	/* device_dax */
	struct resource *dax_res[DAX_MAX_RANGES];
	struct dev_pagemap *pgmap;	/* mapped: the region's static one or dyn_pgmap */
	struct dev_pagemap dyn_pgmap;
	/* kmem: a range's resource while its memory is added */
	int mgid;
	struct resource *kmem_res[DAX_MAX_RANGES];
	int kmem_added;			/* ranges added */
	struct dev_dax *next;		/* the region's devices, by id */
};

struct dax_region {
	int id;
	enum memhp_dax_kind kind;
	uint64_t start, size, align;
	int target_node;		/* where kmem adds the memory */
	int numa_node;			/* the device's own: an online node */
	struct physdev *dev;
	bool dev_borrowed;		/* a pmem namespace's: nd.c owns it */
	bool is_static;			/* IORESOURCE_DAX_STATIC: one device, fixed */
	char parent[DEVPATH_MAX];	/* alloc_dax_region's dev, under /sys/devices */
	struct resource *res;
	struct dev_pagemap *static_pgmap;	/* IORESOURCE_DAX_STATIC regions */
	struct dev_dax *devs;		/* by id */
	struct dev_dax *seed;		/* the first created device not yet bound */
	struct dev_dax *youngest;	/* the last created one */
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

static void free_dev_list(struct dev_dax *dd)
{
	while (dd) {
		struct dev_dax *next = dd->next;

		free(dd);
		dd = next;
	}
}

/* the machine going: its regions' memory goes with it */
static void free_region_list(struct dax_region *r)
{
	while (r) {
		struct dax_region *next = r->next;

		free_dev_list(r->devs);
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
		for (struct dev_dax *dd = r->devs; dd; dd = dd->next)
			if (!strcmp(dd->name, name))
				return dd;
	return NULL;
}

static struct dax_region *dax_region_find(struct memhp_machine *m, int id)
{
	for (struct dax_region *r = m->dax->regions; r; r = r->next)
		if (r->id == id)
			return r;
	return NULL;
}

static uint64_t range_len(const struct dev_dax_range *range)
{
	return range->end - range->start + 1;
}

static uint64_t dev_dax_size(const struct dev_dax *dd)
{
	uint64_t size = 0;

	for (int i = 0; i < dd->nr_range; i++)
		size += range_len(&dd->ranges[i]);
	return size;
}

/* the region's size less every device's ranges */
static uint64_t dax_region_avail_size(const struct dax_region *r)
{
	uint64_t size = r->size;

	for (const struct dev_dax *dd = r->devs; dd; dd = dd->next)
		size -= dev_dax_size(dd);
	return size;
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

/* dax_kmem_range: range i aligned inward to the memory block size */
static int kmem_range(struct memhp_machine *m, struct dev_dax *dd, int i, uint64_t *start, uint64_t *end)
{
	*start = ALIGN_UP(dd->ranges[i].start, m->block_size);
	*end = ALIGN_DOWN(dd->ranges[i].end + 1, m->block_size) - 1;
	return *start >= *end ? -ENOSPC : 0;
}

/* undo kmem_probe's ranges that were added: the probe's error path */
static void kmem_unwind(struct memhp_machine *m, struct dev_dax *dd)
{
	for (int i = dd->nr_range - 1; i >= 0; i--) {
		uint64_t start, end;

		if (!dd->kmem_res[i])
			continue;
		kmem_range(m, dd, i, &start, &end);
		try_remove_memory(m, start, end - start + 1);
		iomem_release(m, &dd->kmem_res[i]);
	}
	dd->kmem_added = 0;
}

/*
 * dev_dax_kmem_probe: each range that holds a whole block after alignment
 * becomes System RAM in one memory group sized for all of them; a range
 * that cannot be reserved or added is skipped once another one is mapped.
 */
static int kmem_probe(struct memhp_machine *m, struct dev_dax *dd)
{
	uint64_t start, end, total = 0;
	unsigned int flags;
	int ret, i;

	if (dd->region->target_node < 0) {
		mlog(m, "kmem %s: rejecting DAX region with invalid node: %d", dd->name,
		     dd->region->target_node);
		return -EINVAL;
	}
	for (i = 0; i < dd->nr_range; i++) {
		if (kmem_range(m, dd, i, &start, &end)) {
			mlog(m, "kmem %s: mapping%d: %#llx-%#llx too small after alignment", dd->name, i,
			     (unsigned long long)dd->ranges[i].start, (unsigned long long)dd->ranges[i].end);
			continue;
		}
		total += end - start + 1;
	}
	if (!total) {
		mlog(m, "kmem %s: rejecting DAX region without any memory after alignment", dd->name);
		return -EINVAL;
	}
	ret = memory_group_register(m, dd->region->target_node, false, PFN_UP_M(m, total));
	if (ret < 0)
		return ret;
	dd->mgid = ret;
	flags = MEMHP_MHP_NID_IS_MGID | (dd->memmap_on_memory ? MEMHP_MHP_MEMMAP_ON_MEMORY : 0);
	for (i = 0; i < dd->nr_range; i++) {
		if (kmem_range(m, dd, i, &start, &end))
			continue;
		dd->kmem_res[i] = iomem_request(m, start, end - start + 1, dd->name, IORESOURCE_SYSTEM_RAM);
		if (!dd->kmem_res[i]) {
			mlog(m, "kmem %s: mapping%d: %#llx-%#llx could not reserve region", dd->name, i,
			     (unsigned long long)start, (unsigned long long)end);
			if (dd->kmem_added)
				continue;
			ret = -EBUSY;
			goto err_remove_ranges;
		}
		ret = add_memory(m, dd->mgid, start, end - start + 1, flags, "System RAM (kmem)");
		if (ret) {
			mlog(m, "kmem %s: mapping%d: %#llx-%#llx memory add failed", dd->name, i,
			     (unsigned long long)start, (unsigned long long)end);
			iomem_release(m, &dd->kmem_res[i]);
			if (dd->kmem_added)
				continue;
			goto err_remove_ranges;
		}
		dd->kmem_added++;
	}
	return 0;
err_remove_ranges:
	kmem_unwind(m, dd);
	memory_group_unregister(m, dd->mgid);
	return ret;
}

/* dev_dax_kmem_remove: the unbind always completes; what stays online stays */
static void kmem_remove(struct memhp_machine *m, struct dev_dax *dd)
{
	if (!dd->kmem_added)
		return;
	for (int i = 0; i < dd->nr_range; i++) {
		uint64_t start, end;

		if (!dd->kmem_res[i])
			continue;
		kmem_range(m, dd, i, &start, &end);
		if (try_remove_memory(m, start, end - start + 1)) {
			/* the kernel leaves the range (and its resource) in place */
			mlog(m, "kmem %s: mapping%d: %#llx-%#llx cannot be hotremoved until the next reboot",
			     dd->name, i, (unsigned long long)start, (unsigned long long)end);
			continue;
		}
		iomem_release(m, &dd->kmem_res[i]);
		dd->kmem_added--;
	}
	if (!dd->kmem_added)
		memory_group_unregister(m, dd->mgid);
}

/* dev_dax_probe: reserve each range, map them as one ZONE_DEVICE pgmap */
static int device_dax_probe(struct memhp_machine *m, struct dev_dax *dd)
{
	struct dax_region *r = dd->region;
	struct dev_pagemap *pgmap = r->static_pgmap ? r->static_pgmap : &dd->dyn_pgmap;
	int ret = 0, i;

	if (!r->static_pgmap) {
		memset(pgmap, 0, sizeof(*pgmap));
		pgmap->nr_range = dd->nr_range;
		for (i = 0; i < dd->nr_range; i++)
			pgmap->ranges[i] = (struct pgmap_range){ dd->ranges[i].start, dd->ranges[i].end };
	}
	for (i = 0; i < dd->nr_range; i++) {
		dd->dax_res[i] = iomem_request(m, dd->ranges[i].start, range_len(&dd->ranges[i]), dd->name,
					       IORESOURCE_MEM | IORESOURCE_BUSY);
		if (!dd->dax_res[i]) {
			mlog(m, "dax %s: mapping%d: %#llx-%#llx could not reserve range", dd->name, i,
			     (unsigned long long)dd->ranges[i].start, (unsigned long long)dd->ranges[i].end);
			ret = -EBUSY;
			goto err_release_ranges;
		}
	}
	pgmap->type = MEMORY_DEVICE_GENERIC;
	pgmap->vmemmap_shift = dd->align > m->page_size ? order_base_2(dd->align >> page_shift(m)) : 0;
	ret = memremap_pages(m, pgmap, r->numa_node);	/* dev_to_node */
	if (ret)
		goto err_release_ranges;
	dd->pgmap = pgmap;
	return 0;
err_release_ranges:
	while (--i >= 0)
		iomem_release(m, &dd->dax_res[i]);
	return ret;
}

static void kill_dev_dax(struct memhp_machine *m, struct dev_dax *dd);

static void device_dax_remove(struct memhp_machine *m, struct dev_dax *dd)
{
	kill_dev_dax(m, dd);
	memunmap_pages(m, dd->pgmap);
	dd->pgmap = NULL;
	for (int i = 0; i < dd->nr_range; i++)
		iomem_release(m, &dd->dax_res[i]);
}

static void set_driver(struct memhp_machine *m, struct dev_dax *dd, enum dax_driver drv)
{
	pthread_mutex_lock(&m->dax_lock);
	dd->driver = drv;
	pthread_mutex_unlock(&m->dax_lock);
}

/* the device a region hangs under, its devpath (dax_region_add sets it) */
static void region_parent_name(const struct dax_region *r, char *buf, size_t len)
{
	snprintf(buf, len, "%s", r->parent);
}

/*
 * The device's uevent (dev_uevent): a character device says its MAJOR,
 * MINOR and DEVNAME; a bound one its DRIVER.  Under the region's platform
 * device, as the tree shows it.
 */
static void dax_uevent(struct memhp_machine *m, struct dev_dax *dd, const char *action)
{
	char env[128], parent[DEVPATH_MAX];
	int n = snprintf(env, sizeof(env), "MAJOR=%d\nMINOR=%d\nDEVNAME=%s\n", DAX_CHAR_MAJOR,
			 dd->region->id * DAX_DEVS_PER_REGION + dd->id, dd->name);

	if (dd->driver != DAX_DRV_NONE)
		snprintf(env + n, sizeof(env) - (size_t)n, "DRIVER=%s\n", driver_names[dd->driver]);
	region_parent_name(dd->region, parent, sizeof(parent));
	kobject_uevent_env(m->uevents, action, "dax", env, "/devices/%s/%s", parent, dd->name);
}

/* dax_bus_probe: an empty device is -ENXIO; a bound seed is no longer the seed */
static int dax_probe(struct memhp_machine *m, struct dev_dax *dd, enum dax_driver drv)
{
	int ret = 0;

	if (!dd->nr_range)
		return -ENXIO;
	if (dd->kmem_added)
		return -EBUSY;	/* a range left behind by a failed remove */
	if (drv == DAX_DRV_KMEM)
		ret = kmem_probe(m, dd);
	else if (drv == DAX_DRV_DEVICE)
		ret = device_dax_probe(m, dd);
	if (ret)
		return ret;
	set_driver(m, dd, drv);
	if (!dd->region->is_static && dd->region->seed == dd) {
		pthread_mutex_lock(&m->dax_lock);
		dd->region->seed = NULL;
		pthread_mutex_unlock(&m->dax_lock);
	}
	dax_uevent(m, dd, "bind");	/* driver_bound: after the probe's own events */
	return 0;
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
		for (struct dev_dax *dd = r->devs; dd; dd = dd->next)
			if (dd->driver == DAX_DRV_NONE && dax_match(m, drv, dd))
				dax_probe(m, dd, drv);
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

/* ---- dynamic regions: devices carved from the region's capacity ---------- */

/*
 * A dynamic region (dax_hmem's, cxl's) is partitioned by the user: each
 * device owns one or more ranges of it (dev_dax_range), allocated lowest
 * address first; page offsets grow with the ranges' order, so a device
 * only ever grows at its last range's end (adjust_ok) or by a new range.
 * A registered device's ranges each have a mappingN device (the ids from
 * the device's ida).  All of it changes under device_hotplug_lock (the
 * kernel's dax_region_rwsem and dax_dev_rwsem, which only sysfs stores
 * take) and dax_lock for the readers.
 */

/* a region's allocations (its resource's children), by address */
struct dax_alloc {
	uint64_t start, end;
	struct dev_dax *dd;
	int range;
};

#define DAX_MAX_ALLOCS (DAX_DEVS_PER_REGION * DAX_MAX_RANGES)

static int region_allocations(const struct dax_region *r, struct dax_alloc *a)
{
	int n = 0;

	for (struct dev_dax *dd = r->devs; dd; dd = dd->next)
		for (int i = 0; i < dd->nr_range; i++) {
			int j = n++;

			/* insertion by start: the children's order */
			for (; j > 0 && a[j - 1].start > dd->ranges[i].start; j--)
				a[j] = a[j - 1];
			a[j] = (struct dax_alloc){ dd->ranges[i].start, dd->ranges[i].end, dd, i };
		}
	return n;
}

/* __request_region in the region: inside it and over no other allocation */
static bool region_range_free(const struct dax_region *r, uint64_t start, uint64_t size)
{
	uint64_t end = start + size - 1;

	if (!size || end < start || start < r->start || end > r->start + r->size - 1)
		return false;
	for (const struct dev_dax *dd = r->devs; dd; dd = dd->next)
		for (int i = 0; i < dd->nr_range; i++)
			if (start <= dd->ranges[i].end && end >= dd->ranges[i].start)
				return false;
	return true;
}

/* devm_register_dax_mapping: range i gets mappingN, N the lowest free id */
static int register_dax_mapping(struct dev_dax *dd, int i)
{
	for (int id = 0; id < (int)(8 * sizeof(dd->mapping_ids)); id++) {
		if (dd->mapping_ids & (1UL << id))
			continue;
		dd->mapping_ids |= 1UL << id;
		dd->ranges[i].mapping = id;
		return 0;
	}
	return -ENOMEM;
}

static void unregister_dax_mapping(struct dev_dax *dd, int i)
{
	if (dd->ranges[i].mapping >= 0)
		dd->mapping_ids &= ~(1UL << dd->ranges[i].mapping);
	dd->ranges[i].mapping = -1;
}

/* trim_dev_dax_range: the last range goes back to the region */
static void trim_dev_dax_range(struct dev_dax *dd)
{
	unregister_dax_mapping(dd, dd->nr_range - 1);
	dd->nr_range--;
}

/*
 * alloc_dev_dax_range: [start, start + size) of the region becomes the
 * device's next range; -ENOMEM where the region cannot give it (outside
 * it, or taken), as __request_region's failure.  Size 0 is the seed's
 * empty allocation.
 */
static int alloc_dev_dax_range(struct memhp_machine *m, struct dev_dax *dd, uint64_t start, uint64_t size)
{
	unsigned long pgoff = 0;
	int ret;

	if (!size)
		return dd->nr_range ? -EBUSY : 0;	/* 0-size allocation must be first */
	if (!region_range_free(dd->region, start, size) || dd->nr_range == DAX_MAX_RANGES)
		return -ENOMEM;
	for (int i = 0; i < dd->nr_range; i++)
		pgoff += (unsigned long)(range_len(&dd->ranges[i]) / m->page_size);
	dd->ranges[dd->nr_range++] = (struct dev_dax_range){ start, start + size - 1, pgoff, -1 };
	/* an unregistered device gets its first mapping when it is added */
	if (!dd->registered)
		return 0;
	ret = register_dax_mapping(dd, dd->nr_range - 1);
	if (ret)
		trim_dev_dax_range(dd);
	return ret;
}

/* adjust_dev_dax_range: the last range's end moves; it never crosses another */
static int adjust_dev_dax_range(struct dev_dax *dd, uint64_t size)
{
	struct dev_dax_range *last = &dd->ranges[dd->nr_range - 1];

	if (!size)
		return -EINVAL;	/* deletion is dev_dax_shrink's */
	if (size > range_len(last) && !region_range_free(dd->region, last->end + 1, size - range_len(last)))
		return -EBUSY;	/* adjust_resource: a sibling or the parent's end in the way */
	last->end = last->start + size - 1;
	return 0;
}

/* dev_dax_shrink: whole ranges from the last one back, then part of one */
static int dev_dax_shrink(struct dev_dax *dd, uint64_t size)
{
	uint64_t to_shrink = dev_dax_size(dd) - size;

	for (int i = dd->nr_range - 1; i >= 0; i--) {
		uint64_t len = range_len(&dd->ranges[i]);

		if (to_shrink >= len) {
			trim_dev_dax_range(dd);
			to_shrink -= len;
			if (!to_shrink)
				break;
			continue;
		}
		return adjust_dev_dax_range(dd, len - to_shrink);
	}
	return 0;
}

/* adjust_ok: res is the device's last range, so growing it keeps the page offsets' order */
static bool adjust_ok(const struct dev_dax *dd, const struct dax_alloc *res)
{
	if (!dd->nr_range || res->dd != dd || res->range != dd->nr_range - 1)
		return false;
	for (int i = 0; i < dd->nr_range - 1; i++)
		if (dd->ranges[i].pgoff > dd->ranges[dd->nr_range - 1].pgoff)
			return false;
	return true;
}

/*
 * alloc_is_aligned: a device's size is a multiple of its alignment and of
 * a subsection (memremap_compat_align's default), the minimum mapping
 * granularity.
 */
static bool alloc_is_aligned(struct memhp_machine *m, const struct dev_dax *dd, uint64_t size)
{
	uint64_t subsection = pages_per_subsection(m) * m->page_size;

	return size % MAX(dd->align, subsection) == 0;
}

/*
 * dev_dax_resize: shrink from the end, or grow into the region's free
 * space lowest address first: the hole before the first allocation, then
 * each gap after an allocation (extending the device's own last range in
 * place where it ends there), then the region's tail - until it has it all.
 */
static int dev_dax_resize(struct memhp_machine *m, struct dev_dax *dd, uint64_t size)
{
	struct dax_region *r = dd->region;
	uint64_t dev_size = dev_dax_size(dd), region_end = r->start + r->size - 1, to_alloc;
	struct dax_alloc *a;
	int n, ret;

	if (dd->driver != DAX_DRV_NONE)
		return -EBUSY;
	if (size == dev_size)
		return 0;
	if (size > dev_size && size - dev_size > dax_region_avail_size(r))
		return -ENOSPC;
	if (size < dev_size)
		return dev_dax_shrink(dd, size);
	to_alloc = size - dev_size;
	if (!alloc_is_aligned(m, dd, to_alloc))
		return -ENXIO;	/* "resize misaligned": an alignment the ranges do not honour */
	a = malloc(sizeof(*a) * DAX_MAX_ALLOCS);
	if (!a)
		return -ENOMEM;
	while (to_alloc) {
		uint64_t alloc = 0;

		n = region_allocations(r, a);
		if (!n) {
			ret = alloc_dev_dax_range(m, dd, r->start, to_alloc);
			alloc = to_alloc;
			goto step;
		}
		ret = -ENOSPC;
		for (int i = 0; i < n; i++) {
			bool last = i == n - 1;

			/* space at the beginning of the region */
			if (i == 0 && a[0].start > r->start) {
				alloc = MIN(a[0].start - r->start, to_alloc);
				ret = alloc_dev_dax_range(m, dd, r->start, alloc);
				break;
			}
			alloc = 0;
			/* space between allocations */
			if (!last && a[i + 1].start > a[i].end + 1)
				alloc = MIN(a[i + 1].start - (a[i].end + 1), to_alloc);
			/* space at the end of the region */
			if (!alloc && last && a[i].end < region_end)
				alloc = MIN(region_end - a[i].end, to_alloc);
			if (!alloc)
				continue;
			if (adjust_ok(dd, &a[i]))
				ret = adjust_dev_dax_range(dd, a[i].end - a[i].start + 1 + alloc);
			else
				ret = alloc_dev_dax_range(m, dd, a[i].end + 1, alloc);
			break;
		}
step:
		if (ret)
			goto err_give_back_growth;
		to_alloc -= alloc;
	}
	free(a);
	return 0;
err_give_back_growth:
	/*
	 * The kernel keeps what a failed resize had already grown; memhp
	 * fails mostly at its own range limit, so it gives the growth back:
	 * trimming to the old size undoes the added ranges and the in-place
	 * extension, leaving the device as it was.
	 */
	dev_dax_shrink(dd, dev_size);
	free(a);
	return ret;
}

/*
 * __devm_create_dev_dax: daxR.I with an initial range of `size` at the
 * region's start (0: a seed), its id the static one or the region's lowest
 * free; added (uevent), with mapping0 for a non-empty range.  Called with
 * device_hotplug_lock held; returns the device or NULL and *err.
 */
static struct dev_dax *dev_dax_create(struct memhp_machine *m, struct dax_region *r, uint64_t size, int *err)
{
	struct dev_dax *dd, **p;
	int id = 0;

	if (!r->is_static)
		for (id = 0; id < DAX_DEVS_PER_REGION; id++) {
			struct dev_dax *o = r->devs;

			while (o && o->id != id)
				o = o->next;
			if (!o)
				break;
		}
	if (id == DAX_DEVS_PER_REGION) {
		*err = -ENOSPC;	/* ida_alloc_max: the minors of the region are spent */
		return NULL;
	}
	dd = should_fail(m) ? NULL : calloc(1, sizeof(*dd));
	if (!dd) {
		*err = -ENOMEM;
		return NULL;
	}
	dd->region = r;
	dd->id = id;
	snprintf(dd->name, sizeof(dd->name), "dax%d.%d", r->id, id);
	dd->align = r->align;
	dd->memmap_on_memory = false;
	*err = alloc_dev_dax_range(m, dd, r->start, size);
	if (*err)
		goto err_free_dev;
	/* device_add: listed by id, then mapping0 for its initial range */
	pthread_mutex_lock(&m->dax_lock);
	for (p = &r->devs; *p && (*p)->id < id; p = &(*p)->next)
		;
	dd->next = *p;
	*p = dd;
	dd->registered = true;
	if (dd->nr_range)
		register_dax_mapping(dd, 0);	/* the first id of an empty ida */
	pthread_mutex_unlock(&m->dax_lock);
	dax_uevent(m, dd, "add");
	return dd;
err_free_dev:
	free(dd);
	return NULL;
}

/* unregister_dev_dax: off the region's list, its ranges back, the remove uevent */
static void dev_dax_unregister(struct memhp_machine *m, struct dev_dax *dd)
{
	struct dax_region *r = dd->region;

	pthread_mutex_lock(&m->dax_lock);
	for (struct dev_dax **p = &r->devs; *p; p = &(*p)->next)
		if (*p == dd) {
			*p = dd->next;
			break;
		}
	if (r->seed == dd)
		r->seed = NULL;
	if (r->youngest == dd)
		r->youngest = NULL;
	while (dd->nr_range)
		trim_dev_dax_range(dd);
	pthread_mutex_unlock(&m->dax_lock);
	dax_uevent(m, dd, "remove");
	free(dd);
}

/* dax_align_valid: a page, a PMD with THP, a PUD where the arch maps them (x86-64) */
static bool dax_align_valid(struct memhp_machine *m, unsigned long align)
{
	unsigned long pmd = 1UL << m->arch->pmd_shift;

	if (align == pmd << (page_shift(m) - 3) && !strcmp(m->arch->name, "x86_64"))
		return true;
	return align == pmd || align == m->page_size;
}

/* ---- the files: a device's, its mappings', its region's dax_region/ ------ */

/*
 * A show method of a device or of its region: the device looked up again
 * under dax_lock, since it may be gone since its path was resolved.  A
 * region's files are reached through its device 0, which never goes
 * while the region is there (delete_store keeps id 0).
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

DAX_SHOW(align, "%llu\n", (unsigned long long)dd->align)
DAX_SHOW(dev, "%d:%d\n", DAX_CHAR_MAJOR, dd->region->id * DAX_DEVS_PER_REGION + dd->id)
DAX_SHOW(memmap_on_memory, "%d\n", dd->memmap_on_memory)
DAX_SHOW(modalias, "%s", "dax:t0*\n")
DAX_SHOW(numa_node, "%d\n", dd->region->numa_node)
/* an empty device says where its region starts */
DAX_SHOW(resource, "%#llx\n", (unsigned long long)(dd->nr_range ? dd->ranges[0].start : dd->region->start))
DAX_SHOW(size, "%llu\n", (unsigned long long)dev_dax_size(dd))
DAX_SHOW(target_node, "%d\n", dd->region->target_node)

DAX_SHOW(available_size, "%llu\n", (unsigned long long)dax_region_avail_size(dd->region))
DAX_SHOW(region_align, "%llu\n", (unsigned long long)dd->region->align)
DAX_SHOW(region_id, "%d\n", dd->region->id)
DAX_SHOW(region_size, "%llu\n", (unsigned long long)dd->region->size)
DAX_SHOW(seed, "%s\n", dd->region->seed ? dd->region->seed->name : "")
/* create reads back the youngest device made by it */
DAX_SHOW(create, "%s\n", dd->region->youngest ? dd->region->youngest->name : "")

/* mappingN/{start,end,page_offset}: -ENXIO once the range is gone (get_dax_range) */
static int mapping_show(struct memhp_machine *m, const struct kobj *ko, struct sbuf *s, int what)
{
	struct dev_dax *dd;
	int ret = -ENXIO;

	pthread_mutex_lock(&m->dax_lock);
	dd = dax_find(m, ko->dev);
	for (int i = 0; dd && i < dd->nr_range; i++) {
		const struct dev_dax_range *range = &dd->ranges[i];

		if (range->mapping != ko->which)
			continue;
		sbuf_printf(s, "%#llx\n", what == 0 ? (unsigned long long)range->start
			    : what == 1 ? (unsigned long long)range->end : (unsigned long long)range->pgoff);
		ret = 0;
	}
	pthread_mutex_unlock(&m->dax_lock);
	return ret;
}

static int start_show(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a, struct sbuf *s)
{
	return mapping_show(m, ko, s, 0);
}

static int end_show(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a, struct sbuf *s)
{
	return mapping_show(m, ko, s, 1);
}

static int page_offset_show(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
			    struct sbuf *s)
{
	return mapping_show(m, ko, s, 2);
}

/*
 * The stores change memory or the region's partitioning:
 * device_hotplug_lock, as the kernel's lock_device_hotplug_sysfs and
 * dax_region_rwsem (everything above expects it held); dax_lock around
 * what readers see.
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

/* size_store: a multiple of the alignment, while unbound (dev_dax_resize) */
static ssize_t size_store(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
			  const char *buf, size_t count)
{
	unsigned long long val;
	struct dev_dax *dd;
	int ret;

	ret = kstrtoull(buf, 0, &val);
	if (ret)
		return ret;
	pthread_mutex_lock(&m->device_hotplug_lock);
	dd = dax_find(m, ko->dev);
	if (!dd) {
		ret = -ENODEV;
	} else if (!alloc_is_aligned(m, dd, val)) {
		mlog(m, "dax %s: size_store: size: %lld misaligned", dd->name, (long long)val);
		ret = -EINVAL;
	} else {
		pthread_mutex_lock(&m->dax_lock);
		ret = dev_dax_resize(m, dd, val);
		pthread_mutex_unlock(&m->dax_lock);
	}
	pthread_mutex_unlock(&m->device_hotplug_lock);
	return ret ? ret : (ssize_t)count;
}

/* range_parse: "start-end", both hexadecimal, 0x or not */
static int range_parse(const char *buf, unsigned long long *start, unsigned long long *end)
{
	char str[256], *dash;
	int ret;

	snprintf(str, sizeof(str), "%s", buf);
	dash = strchr(str, '-');
	if (!dash)
		return -EINVAL;
	*dash = '\0';
	ret = kstrtoull(str, 16, start);
	if (ret)
		return ret;
	return kstrtoull(dash + 1, 16, end);
}

/*
 * mapping_store: claim exactly [start, end] as the device's next range
 * (daxctl create-device --input).  As in the kernel, a misaligned length
 * is silently ignored and the write succeeds; a bound device is not refused.
 */
static ssize_t mapping_store(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
			     const char *buf, size_t count)
{
	unsigned long long start, end;
	struct dev_dax *dd;
	int ret;

	ret = range_parse(buf, &start, &end);
	if (ret)
		return ret;
	pthread_mutex_lock(&m->device_hotplug_lock);
	dd = dax_find(m, ko->dev);
	if (!dd) {
		ret = -ENODEV;
	} else if (alloc_is_aligned(m, dd, end - start + 1)) {
		pthread_mutex_lock(&m->dax_lock);
		ret = alloc_dev_dax_range(m, dd, start, end - start + 1);
		pthread_mutex_unlock(&m->dax_lock);
	}
	pthread_mutex_unlock(&m->device_hotplug_lock);
	return ret ? ret : (ssize_t)count;
}

/* align_store: a valid alignment that every range honours, while unbound */
static ssize_t align_store(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
			   const char *buf, size_t count)
{
	unsigned long long val;
	struct dev_dax *dd;
	int ret = 0;

	if (kstrtoull(buf, 0, &val) || val > ~0UL)
		return -ENXIO;	/* the kernel's answer to an unparsable value */
	if (!dax_align_valid(m, (unsigned long)val))
		return -EINVAL;
	pthread_mutex_lock(&m->device_hotplug_lock);
	dd = dax_find(m, ko->dev);
	if (!dd) {
		ret = -ENODEV;
	} else if (dd->driver != DAX_DRV_NONE) {
		ret = -EBUSY;
	} else {
		uint64_t align_save = dd->align;

		pthread_mutex_lock(&m->dax_lock);
		dd->align = val;
		/* dev_dax_validate_align: the old alignment back if a range breaks it */
		for (int i = 0; i < dd->nr_range && !ret; i++)
			if (!alloc_is_aligned(m, dd, range_len(&dd->ranges[i])))
				ret = -EINVAL;
		if (ret)
			dd->align = align_save;
		pthread_mutex_unlock(&m->dax_lock);
	}
	pthread_mutex_unlock(&m->device_hotplug_lock);
	return ret ? ret : (ssize_t)count;
}

/* the region of ko's device 0 (a region's files), or NULL */
static struct dax_region *ko_region(struct memhp_machine *m, const struct kobj *ko)
{
	struct dev_dax *dd = dax_find(m, ko->dev);

	return dd ? dd->region : NULL;
}

/* create_store: "1" makes an empty seed device; -ENOSPC when nothing is left */
static ssize_t create_store(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
			    const char *buf, size_t count)
{
	struct dax_region *r;
	struct dev_dax *dd;
	int val, ret;

	ret = kstrtoint(buf, 0, &val);
	if (ret)
		return ret;
	if (val != 1)
		return -EINVAL;
	pthread_mutex_lock(&m->device_hotplug_lock);
	r = ko_region(m, ko);
	if (!r) {
		ret = -ENODEV;
	} else if (!dax_region_avail_size(r)) {
		ret = -ENOSPC;
	} else {
		/*
		 * The driver core probes the new device at once; empty, every
		 * driver's probe ends in dax_bus_probe's -ENXIO, so it stays
		 * unbound.  Several seeds may exist: only the first unbound
		 * one is tracked as the region's seed.
		 */
		dd = dev_dax_create(m, r, 0, &ret);
		if (dd) {
			pthread_mutex_lock(&m->dax_lock);
			if (!r->seed)
				r->seed = dd;
			r->youngest = dd;
			pthread_mutex_unlock(&m->dax_lock);
		}
	}
	pthread_mutex_unlock(&m->device_hotplug_lock);
	return ret ? ret : (ssize_t)count;
}

/*
 * delete_store: the named device of this region goes, if unbound and
 * empty; device 0 stays (so /sys/bus/dax is never empty while a region is
 * registered): -EBUSY, as a bound or sized one.
 */
static ssize_t delete_store(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
			    const char *buf, size_t count)
{
	struct dax_region *r;
	struct dev_dax *victim = NULL;
	int ret = 0;

	pthread_mutex_lock(&m->device_hotplug_lock);
	r = ko_region(m, ko);
	for (struct dev_dax *dd = r ? r->devs : NULL; dd; dd = dd->next)
		if (sysfs_streq(buf, dd->name))
			victim = dd;
	if (!r)
		ret = -ENODEV;
	else if (!victim)
		ret = -ENXIO;	/* device_find_child_by_name */
	else if (victim->driver != DAX_DRV_NONE || dev_dax_size(victim) || victim->id == 0)
		ret = -EBUSY;
	else
		dev_dax_unregister(m, victim);
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

/*
 * .../daxR.I/ of a dynamic region (dev_dax_attributes as dev_dax_visible
 * leaves them): size and align writable, mapping there; of a static
 * region: size and align read-only, no mapping.
 */
const struct kattr dax_dev_attrs[] = {
	KATTR_RW(align),
	KATTR_RO(dev),
	KATTR_WO(mapping),
	KATTR_RW(memmap_on_memory),
	KATTR_RO(modalias),
	KATTR_RO(numa_node),
	KATTR(resource, 0400, resource_show, NULL),
	KATTR_RW(size),
	KATTR_RO(target_node),
	{ }
};

const struct kattr dax_static_dev_attrs[] = {
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

/* .../daxR.I/mappingN/ (dax_mapping_attributes) */
const struct kattr dax_mapping_attrs[] = {
	KATTR(end, 0400, end_show, NULL),
	KATTR(page_offset, 0400, page_offset_show, NULL),
	KATTR(start, 0400, start_show, NULL),
	{ }
};

/* .../dax_region/ of a dynamic region; a static one hides the partitioning files */
const struct kattr dax_region_attrs[] = {
	KATTR(align, 0400, region_align_show, NULL),
	KATTR_RO(available_size),
	KATTR_RW(create),
	KATTR_WO(delete),
	KATTR(id, 0444, region_id_show, NULL),
	KATTR_RO(seed),
	KATTR(size, 0444, region_size_show, NULL),
	{ }
};

const struct kattr dax_static_region_attrs[] = {
	KATTR(align, 0400, region_align_show, NULL),
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

/* every device (of `region`, -1: of all), bound to bound_to (DAX_DRV_NR: any), with its parent */
int dax_list(struct memhp_machine *m, int region, enum dax_driver bound_to,
	     int (*fn)(void *arg, const char *name, const char *parent), void *arg)
{
	char parent[DEVPATH_MAX];

	pthread_mutex_lock(&m->dax_lock);
	for (struct dax_region *r = m->dax->regions; r; r = r->next) {
		if (region >= 0 && r->id != region)
			continue;
		region_parent_name(r, parent, sizeof(parent));
		for (struct dev_dax *dd = r->devs; dd; dd = dd->next) {
			if (bound_to != DAX_DRV_NR && dd->driver != bound_to)
				continue;
			if (fn(arg, dd->name, parent))
				goto out;
		}
	}
out:
	pthread_mutex_unlock(&m->dax_lock);
	return 0;
}

/* every region's parent device, as devpath */
int dax_list_regions(struct memhp_machine *m, int (*fn)(void *arg, const char *parent), void *arg)
{
	char parent[DEVPATH_MAX];

	pthread_mutex_lock(&m->dax_lock);
	for (struct dax_region *r = m->dax->regions; r; r = r->next) {
		region_parent_name(r, parent, sizeof(parent));
		if (fn(arg, parent))
			break;
	}
	pthread_mutex_unlock(&m->dax_lock);
	return 0;
}

/*
 * Region `id`'s parent device's devpath into buf and whether the region is
 * static (1) or dynamic (0); -ENOENT without such a region.
 */
int dax_region_parent(struct memhp_machine *m, int id, char *buf, size_t len)
{
	struct dax_region *r;
	int ret = -ENOENT;

	pthread_mutex_lock(&m->dax_lock);
	r = dax_region_find(m, id);
	if (r) {
		region_parent_name(r, buf, len);
		ret = r->is_static;
	}
	pthread_mutex_unlock(&m->dax_lock);
	return ret;
}

/* the ids N of device `name`'s mappingN devices, lowest first */
int dax_list_mappings(struct memhp_machine *m, const char *name, int (*fn)(void *arg, int id), void *arg)
{
	unsigned long ids = 0;
	struct dev_dax *dd;

	pthread_mutex_lock(&m->dax_lock);
	dd = dax_find(m, name);
	if (dd)
		ids = dd->mapping_ids;
	pthread_mutex_unlock(&m->dax_lock);
	for (int id = 0; id < (int)(8 * sizeof(ids)); id++)
		if (ids & (1UL << id) && fn(arg, id))
			break;
	return dd ? 0 : -ENODEV;
}

bool dax_mapping_exists(struct memhp_machine *m, const char *name, int id)
{
	struct dev_dax *dd;
	bool ret;

	if (id < 0 || id >= (int)(8 * sizeof(dd->mapping_ids)))
		return false;
	pthread_mutex_lock(&m->dax_lock);
	dd = dax_find(m, name);
	ret = dd && dd->mapping_ids & (1UL << id);
	pthread_mutex_unlock(&m->dax_lock);
	return ret;
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
 * leaves it unbound, as the driver core does).  Static (pmem) regions
 * keep that one device; dynamic ones (hmem, cxl) can be repartitioned.
 */
static int dax_region_add(struct memhp_machine *m, struct dax_region *r, uint64_t addr,
			  uint64_t size, uint64_t align, struct memhp_dax_info *info)
{
	enum dax_driver drv = kmem_type(r) ? DAX_DRV_KMEM : DAX_DRV_DEVICE;
	struct dev_dax *dd;
	int err;

	r->start = addr;
	r->size = size;
	r->align = align;
	r->is_static = r->kind == MEMHP_DAX_PMEM;
	/* no device of a driver's own to hang under: dax_hmem's hmem.R, else memhp's */
	if (!r->parent[0])
		snprintf(r->parent, sizeof(r->parent), "platform/%s.%d",
			 r->kind == MEMHP_DAX_HMEM ? "hmem" : "dax_region", r->id);
	pthread_mutex_lock(&m->dax_lock);
	r->next = m->dax->regions;
	m->dax->regions = r;
	pthread_mutex_unlock(&m->dax_lock);
	dd = dev_dax_create(m, r, size, &err);
	if (!dd)
		goto err_unlist;
	dd->memmap_on_memory = r->kind == MEMHP_DAX_CXL;	/* cxl_dax_region_probe */
	err = dax_probe(m, dd, drv);

	if (err)	/* driver core: really_probe's message */
		mlog(m, "%s: probe of %s failed with error %d", driver_names[drv], dd->name, err);
	if (info) {
		info->probe_error = err;
		info->region_id = r->id;
		snprintf(info->dev, sizeof(info->dev), "%s", dd->name);
		info->start = addr;
		info->size = size;
		info->driver = dd->driver;
	}
	return 0;
err_unlist:
	pthread_mutex_lock(&m->dax_lock);
	m->dax->regions = r->next;
	pthread_mutex_unlock(&m->dax_lock);
	return err;
}

/*
 * dax_pmem's region: the data part of a pmem namespace, on the namespace's
 * device, with the namespace's static pgmap for device_dax.
 */
int dax_region_create_static(struct memhp_machine *m, int id, uint64_t start, uint64_t size,
			     uint64_t align, int target_node, int numa_node, struct physdev *dev,
			     struct dev_pagemap *pgmap, const char *parent, struct memhp_dax_info *info)
{
	struct dax_region *r;
	int ret;

	if (dax_region_find(m, id))
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
	snprintf(r->parent, sizeof(r->parent), "%s", parent ? parent : "");
	ret = dax_region_add(m, r, start, size, align, info);
	if (ret)
		free(r);
	return ret;
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
				    NULL, info);
}

/*
 * The same, under a resource named res_name in /proc/iomem - or, for NULL,
 * inside what already holds the range (a CXL region's "regionN": the
 * kernel's dax region resource is not in iomem, kmem's dax device is) -
 * with region id `id` (a CXL region's own id, as alloc_dax_region takes
 * it; -EBUSY if taken), or the next free one for -1; under the device
 * whose devpath is parent (NULL: a platform device of its own).
 */
int dax_region_create_in(struct memhp_machine *m, enum memhp_dax_kind kind, uint64_t size, int target_node,
			 uint64_t align, uint64_t addr, int fd, const char *res_name, int id,
			 const char *parent, struct memhp_dax_info *info)
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
	if (id >= 0 && dax_region_find(m, id))
		return -EBUSY;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	ret = physdev_create(m, kind_names[kind], addr, size, fd, &r->dev);
	if (ret)
		goto err_free;
	pthread_mutex_lock(&m->resource_lock);
	if (res_name)
		r->res = resource_request(&m->iomem, addr, size, res_name, IORESOURCE_MEM);
	pthread_mutex_unlock(&m->resource_lock);
	if (res_name && !r->res) {
		ret = -EBUSY;
		goto err_physdev;
	}
	r->id = id >= 0 ? id : m->dax->next_id;
	r->kind = kind;
	snprintf(r->parent, sizeof(r->parent), "%s", parent ? parent : "");
	r->target_node = target_node;
	r->numa_node = target_node;
	ret = dax_region_add(m, r, addr, size, align, info);
	if (ret)
		goto err_resource;
	/* the region id and the address taken only once the region is there */
	m->dax->next_id = MAX(m->dax->next_id, r->id + 1);
	if (addr + size > m->dax->next_addr)
		m->dax->next_addr = ALIGN_UP(addr + size, 1ULL << 30);
	return 0;
err_resource:
	if (r->res)
		iomem_release(m, &r->res);
err_physdev:
	physdev_destroy(m, r->dev);
err_free:
	free(r);
	return ret;
}

/*
 * dax_hmem (drivers/dax/hmem): each soft-reserved range the firmware (here
 * memmap=nn%ss+0xefffffff) left becomes platform device hmem.R with a
 * dynamic dax region of PMD alignment on the range's node, inside the
 * "Soft Reserved" resource, its device R.0 over all of it going to kmem.
 * A range that cannot be registered is logged and skipped, as the
 * kernel's walk does.
 */
int dax_hmem_init(struct memhp_machine *m)
{
	for (unsigned int u = 0; u < m->params.nr_e820_user; u++) {
		const struct e820_user *e = &m->params.e820_user[u];
		int ret;

		if (e->type != E820_USER_SOFT_RESERVED)
			continue;
		/* kmem's probe adds memory: under device_hotplug_lock, as the driver core's */
		pthread_mutex_lock(&m->device_hotplug_lock);
		ret = dax_region_create_in(m, MEMHP_DAX_HMEM, e->size, e->nid, 1ULL << m->arch->pmd_shift, e->start,
					   -1, NULL, -1, NULL, NULL);
		pthread_mutex_unlock(&m->device_hotplug_lock);
		if (ret)
			mlog(m, "hmem: %#llx-%#llx: failed to add platform device: %d", (unsigned long long)e->start,
			     (unsigned long long)(e->start + e->size - 1), ret);
	}
	return 0;
}

/*
 * Unregister region id from /sys/bus/dax: its devices' drivers released
 * first (kmem's remove), then the devices unlinked, youngest first (devm
 * order), and their remove uevents sent.  With kmem's memory still online
 * a user's destroy is refused (-EBUSY, the drivers released) unless
 * leave_online: the kernel's device teardown cannot fail.  Returns the
 * region, off the list, or NULL and *err.  A device that keeps memory
 * online stays on the region's list, which then goes to the leaked list.
 */
static struct dax_region *dax_region_unregister(struct memhp_machine *m, int id, bool leave_online, int *err)
{
	for (struct dax_region **p = &m->dax->regions; *p; p = &(*p)->next) {
		struct dax_region *r = *p;
		bool online = false;

		if (r->id != id)
			continue;
		for (struct dev_dax *dd = r->devs; dd; dd = dd->next) {
			if (dd->driver != DAX_DRV_NONE)
				dax_release(m, dd);
			online |= dd->kmem_added > 0;
		}
		if (online && !leave_online) {
			*err = -EBUSY;	/* memory still online */
			return NULL;
		}
		pthread_mutex_lock(&m->dax_lock);
		*p = r->next;
		pthread_mutex_unlock(&m->dax_lock);
		/* the last device first: devm releases in reverse */
		for (int i = DAX_DEVS_PER_REGION - 1; i >= 0; i--) {
			struct dev_dax *dd = r->devs;

			while (dd && dd->id != i)
				dd = dd->next;
			if (!dd)
				continue;
			if (dd->kmem_added) {
				dax_uevent(m, dd, "remove");	/* kept: its ranges stay in use */
				continue;
			}
			dev_dax_unregister(m, dd);
		}
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
	free_dev_list(r->devs);
	free(r);
}

/*
 * The region's devices unregistered whatever their memory: as the kernel's
 * device_unregister of a dax region whose kmem range could not be removed
 * (dev_dax_kmem_remove logs it and leaks the range), the blocks stay
 * online and their resources stay in /proc/iomem, on the region's backing
 * kept until the machine goes; the devices leave /sys/bus/dax.
 */
int dax_region_abandon(struct memhp_machine *m, int id)
{
	int err;
	struct dax_region *r = dax_region_unregister(m, id, true, &err);

	if (!r)
		return err;
	if (!r->devs) {
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
	uint64_t mask = dd->align - 1;

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

/*
 * The device's pages range by range (dax_pgoff_to_phys: each range at its
 * page offset), then SIGBUS beyond its end.
 */
static int dax_map_range(struct memhp_machine *m, struct dev_dax *dd, uint8_t *va, uint64_t offset,
			 size_t len, int prot)
{
	struct physdev *d = dd->region->dev;
	uint64_t dev_size = dev_dax_size(dd), pos = offset;
	size_t in_dev = offset >= dev_size ? 0 : (size_t)MIN((uint64_t)len, dev_size - offset);

	for (int i = 0; i < dd->nr_range && pos < offset + in_dev; i++) {
		uint64_t base = (uint64_t)dd->ranges[i].pgoff * m->page_size, rlen = range_len(&dd->ranges[i]);
		uint64_t n;

		if (pos >= base + rlen)
			continue;
		n = MIN(base + rlen, offset + in_dev) - pos;
		if (mmap(va + (pos - offset), n, prot, MAP_SHARED | MAP_FIXED, d->fd,
			 (off_t)(d->fd_offset + dd->ranges[i].start + (pos - base) - d->phys_start)) == MAP_FAILED)
			return -ENOMEM;
		pos += n;
	}
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
	va = map ? va_reserve_aligned(len, dd->align) : NULL;
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
