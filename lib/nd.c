// SPDX-License-Identifier: MIT
/*
 * nd.c - legacy persistent memory on the nd bus (drivers/nvdimm: e820.c,
 * pmem.c, pfn_devs.c, dax_devs.c; drivers/dax/pmem.c).
 *
 * `memmap=nn!ss` on the command line turns RAM into e820 type 12
 * ("Persistent Memory (legacy)"); nd_e820 makes each such range region N
 * with one io namespace, namespaceN.0, and a dax seed device daxN.0.
 * memhp backs the range with a device of its own (a sparse memfd).
 *
 *   nd_pmem   claims a raw namespace: requests "namespaceN.0" over all of
 *             it and maps it as MEMORY_DEVICE_FS_DAX memory, the memmap in
 *             DRAM (memremap_pages without altmap) - what the machine
 *             shows at boot, since the namespace binds as it appears -
 *             and attaches the disk pmemN, whose reads and writes copy
 *             the namespace's bytes (memhp_blockdev_*).
 *   daxN.0    the seed: uuid, namespace, align (4K, 2M, 1G) and mode
 *             (ram: the memmap of the device-dax pages in DRAM; pmem: on
 *             the namespace itself, an altmap) are set while it is
 *             unbound; namespace claims the namespace (which must not be
 *             bound to nd_pmem then).  Once the seed binds, the region
 *             makes the next, daxN.1 and so on (nd_region_advance_seeds);
 *             the bound one keeps its claim until its namespace is
 *             cleared.
 *   dax_pmem  binds the seed: writes the info block at 4K of the namespace
 *             (struct nd_pfn_sb, "DAXSIGNATURE", fletcher64 checksum),
 *             data starting at dataoff = ALIGN(8K [+ memmap], align),
 *             requests "namespaceN.0" over the metadata only, and creates
 *             dax region N with device daxN.0 over the data; its static
 *             pgmap covers the whole namespace.  device_dax then maps it
 *             (dax.c).  This is the same region memhp_dax_region_create
 *             makes for a pmem device, on the namespace's memory.
 *
 * Errnos are the driver core's and libnvdimm's: -ENODEV for an unknown or
 * unmatched device or an unset namespace, -EBUSY for a bound device or a
 * claimed namespace, -EINVAL for a bad attribute value, -ENXIO for mode
 * none.  Caller holds device_hotplug_lock (the public memhp_blockdev_*
 * take it themselves).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "nd.h"

static const char *const nd_driver_names[ND_DRV_NR] = {
	"-", "nd_pmem", "dax_pmem", "nd_bus", "nd_region", "nvdimm"
};
static const char *const mode_names[] = { "none", "ram", "pmem" };

#define ND_INFO_BLOCK_RESERVE 8192	/* nd_info_block_reserve */
#define PFN_SB_OFFSET 4096		/* nvdimm_write_bytes(ndns, SZ_4K, ...) */

const char *nd_driver_name(enum nd_driver drv)
{
	return nd_driver_names[drv];
}

static struct nd_namespace *find_ns(struct memhp_machine *m, const char *name)
{
	for (int i = 0; m->nd && i < m->nd->nr; i++)
		if (!strcmp(m->nd->ns[i].name, name))
			return &m->nd->ns[i];
	return NULL;
}

static struct nd_dax *find_dax(struct memhp_machine *m, const char *name)
{
	for (int i = 0; m->nd && i < m->nd->nr_dax; i++)
		if (!strcmp(m->nd->dax[i].name, name))
			return &m->nd->dax[i];
	return NULL;
}

int nd_driver_of(struct memhp_machine *m, const char *name)
{
	struct nd_namespace *ns = find_ns(m, name);
	struct nd_dax *dax = find_dax(m, name);

	return ns ? (int)ns->driver : dax ? (int)dax->driver : -1;
}

const char *nd_fw_devpath(enum nd_bus_kind kind)
{
	return kind == ND_BUS_E820 ? "platform/e820_pmem" : "LNXSYSTM:00/LNXSYBUS:00/ACPI0012:00";
}

void nd_dax_devpath(struct memhp_machine *m, const struct nd_dax *dax, char *buf, size_t len)
{
	const struct nd_bus_dev *bus = &m->nd->buses[m->nd->region[dax->region].bus];

	snprintf(buf, len, "%s/ndbus%d/region%d/%s", nd_fw_devpath(bus->kind), bus->id, dax->region, dax->name);
}

/* a pgmap over the whole namespace: nd_pmem's, or dax_pmem's static one */
static struct dev_pagemap *ns_pgmap_init(struct nd_namespace *ns, enum memory_type type)
{
	memset(&ns->pgmap, 0, sizeof(ns->pgmap));
	ns->pgmap.type = type;
	ns->pgmap.nr_range = 1;
	ns->pgmap.ranges[0] = (struct pgmap_range){ ns->start, ns->start + ns->size - 1 };
	return &ns->pgmap;
}

/* pmem_attach_disk of a raw namespace: the whole range, fsdax pages */
static int nd_pmem_probe(struct memhp_machine *m, struct nd_namespace *ns)
{
	int ret;

	if (ns->claim)
		return -ENODEV;	/* nvdimm_namespace_common_probe: claimed */
	/* ... and a range memremap_pages could not map in every mode */
	if (!IS_ALIGNED(ns->start | (ns->start + ns->size), memremap_compat_align(m))) {
		mlog(m, "nd_pmem %s: [mem %#llx-%#llx flags 0x200] misaligned, unable to map", ns->name,
		     (unsigned long long)ns->start, (unsigned long long)(ns->start + ns->size - 1));
		return -EOPNOTSUPP;
	}
	ns->res = iomem_request(m, ns->start, ns->size, ns->name, IORESOURCE_MEM | IORESOURCE_BUSY);
	if (!ns->res) {
		mlog(m, "nd_pmem %s: could not reserve region [%#llx-%#llx]", ns->name,
		     (unsigned long long)ns->start, (unsigned long long)(ns->start + ns->size - 1));
		return -EBUSY;
	}
	/* pmem_should_map_pages: only a region that asked for struct pages, unless forced raw */
	ns->mapped = ns->pagemap && !ns->force_raw;
	if (ns->mapped) {
		ret = memremap_pages(m, ns_pgmap_init(ns, MEMORY_DEVICE_FS_DAX), ns->nid);
		if (ret) {
			iomem_release(m, &ns->res);
			return ret;
		}
	}
	ns->driver = ND_DRV_PMEM;
	return 0;
}

static void nd_pmem_remove(struct memhp_machine *m, struct nd_namespace *ns)
{
	if (ns->mapped)
		memunmap_pages(m, &ns->pgmap);
	iomem_release(m, &ns->res);
	ns->driver = ND_DRV_NONE;
}

/* nd_fletcher64: a 32-bit running sum and the 64-bit sum of those sums */
uint64_t nd_fletcher64(const uint32_t *words, size_t n)
{
	uint32_t lo = 0;
	uint64_t hi = 0;

	for (size_t i = 0; i < n; i++) {
		lo += words[i];
		hi += lo;
	}
	return hi << 32 | lo;
}

/* nd_sb_checksum: fletcher64 over the block with its checksum zeroed */
static uint64_t nd_sb_checksum(const uint32_t *words, size_t n)
{
	return nd_fletcher64(words, n);
}

/*
 * nvdimm_bus_register's id (nd_ida, the lowest free): "ndbusN", "ndctlN".
 * -ENOMEM when none is left, as the register then fails.
 */
int nd_bus_id_alloc(struct memhp_machine *m)
{
	for (int i = 0; m->nd && i < ND_MAX_BUSES; i++) {
		if (!m->nd->bus_id_used[i]) {
			m->nd->bus_id_used[i] = true;
			return i;
		}
	}
	return -ENOMEM;
}

void nd_bus_id_free(struct memhp_machine *m, int id)
{
	if (m->nd && id >= 0 && id < ND_MAX_BUSES)
		m->nd->bus_id_used[id] = false;
}

/* nvdimm_write_bytes' target: the file offset of the namespace's byte off */
static off_t ns_media_off(const struct nd_namespace *ns, uint64_t off)
{
	return (off_t)(ns->dev->fd_offset + (ns->start - ns->dev->phys_start) + off);
}

static void put_le(uint8_t *p, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* nd_pfn_init: the info block, laid out as struct nd_pfn_sb (4096 bytes) */
static int write_info_block(struct memhp_machine *m, struct nd_dax *dax, uint64_t npfns)
{
	struct nd_namespace *ns = dax->ns;
	uint8_t sb[4096] = { 0 };
	uint64_t sum;

	memcpy(sb, "DAXSIGNATURE\0\0\0\0", 16);
	for (int i = 0, j = 0; dax->uuid[j] && i < 16; j++) {
		unsigned int byte;

		if (dax->uuid[j] == '-')
			continue;
		sscanf(&dax->uuid[j], "%2x", &byte);
		sb[16 + i++] = (uint8_t)byte;
		j++;
	}
	put_le(sb + 52, 1, 2);				/* version_major */
	put_le(sb + 54, 4, 2);				/* version_minor */
	put_le(sb + 56, dax->dataoff, 8);
	put_le(sb + 64, npfns, 8);
	put_le(sb + 72, dax->mode, 4);
	put_le(sb + 84, dax->align, 4);
	put_le(sb + 88, m->page_size, 4);
	put_le(sb + 92, 64, 2);				/* MAX_STRUCT_PAGE_SIZE */
	sum = nd_sb_checksum((const uint32_t *)(const void *)sb, sizeof(sb) / 4);
	put_le(sb + 4088, sum, 8);
	if (pwrite(ns->dev->fd, sb, sizeof(sb), ns_media_off(ns, PFN_SB_OFFSET)) != (ssize_t)sizeof(sb))
		return -EIO;
	return 0;
}

/* the static pgmap of __nvdimm_setup_pfn: the whole namespace */
static void setup_pfn_pgmap(struct memhp_machine *m, struct nd_dax *dax)
{
	struct nd_namespace *ns = dax->ns;
	struct dev_pagemap *pgmap = ns_pgmap_init(ns, MEMORY_DEVICE_GENERIC);	/* device_dax sets it */

	if (dax->mode == PFN_MODE_PMEM) {
		unsigned long reserve = PHYS_PFN_M(m, ND_INFO_BLOCK_RESERVE);

		pgmap->altmap.base_pfn = PHYS_PFN_M(m, ns->start);
		pgmap->altmap.end_pfn = PHYS_PFN_M(m, ns->start + ns->size - 1);
		pgmap->altmap.reserve = reserve;
		pgmap->altmap.free = PHYS_PFN_M(m, dax->dataoff) - reserve;
		pgmap->flags |= PGMAP_ALTMAP_VALID;
	}
}

/* __dax_pmem_probe */
static int dax_pmem_probe(struct memhp_machine *m, struct nd_dax *dax)
{
	struct nd_namespace *ns = dax->ns;
	uint64_t align = MAX(dax->align, 2ULL << 20), npfns, end_trunc;
	char parent[DEVPATH_MAX];
	int region, ret;

	if (!ns)
		return -ENODEV;
	if (!dax->uuid[0]) {
		mlog(m, "dax_pmem %s: uuid not set", dax->name);
		return -ENODEV;
	}
	/* nd_pfn_init: the info block cannot pad a misaligned start */
	if (!IS_ALIGNED(ns->start, memremap_compat_align(m))) {
		mlog(m, "dax_pmem %s: %s: start %#llx misaligned to %#lx", dax->name, ns->name,
		     (unsigned long long)ns->start, memremap_compat_align(m));
		return -EINVAL;
	}
	/* nd_pfn_init: ALIGN(8K [+ 64 bytes per pfn], align) */
	npfns = PHYS_PFN_M(m, ns->size - ND_INFO_BLOCK_RESERVE);
	end_trunc = ns->start + ns->size - ALIGN_DOWN(ns->start + ns->size, align);
	if (dax->mode == PFN_MODE_RAM)
		dax->dataoff = ALIGN_UP(ns->start + ND_INFO_BLOCK_RESERVE, align) - ns->start;
	else if (dax->mode == PFN_MODE_PMEM)
		dax->dataoff = ALIGN_UP(ns->start + ND_INFO_BLOCK_RESERVE + 64 * npfns, align) - ns->start;
	else
		return -ENXIO;
	if (dax->dataoff >= ns->size - end_trunc) {
		mlog(m, "dax_pmem %s: %s unable to satisfy requested alignment", dax->name, ns->name);
		return -ENXIO;
	}
	npfns = PHYS_PFN_M(m, ns->size - dax->dataoff - end_trunc);
	dax->end_trunc = end_trunc;
	ret = write_info_block(m, dax, npfns);
	if (ret)
		return ret;
	ns->res = iomem_request(m, ns->start, dax->dataoff, ns->name, IORESOURCE_MEM | IORESOURCE_BUSY);
	if (!ns->res) {
		mlog(m, "dax_pmem %s: could not reserve metadata", dax->name);
		return -EBUSY;
	}
	setup_pfn_pgmap(m, dax);
	sscanf(ns->name, "namespace%d", &region);
	/* alloc_dax_region(&nd_dax->nd_pfn.dev, ...): the region hangs under the nd dax device */
	nd_dax_devpath(m, dax, parent, sizeof(parent));
	ret = dax_region_create_static(m, region, ns->start + dax->dataoff, PFN_PHYS_M(m, npfns),
				       dax->align, ns->target_nid, ns->nid, ns->dev, &ns->pgmap, parent, NULL);
	if (ret) {
		iomem_release(m, &ns->res);
		return ret;
	}
	dax->driver = ND_DRV_DAX_PMEM;
	return 0;
}

static int dax_pmem_remove(struct memhp_machine *m, struct nd_dax *dax)
{
	int region, ret;

	sscanf(dax->name, "dax%d", &region);
	ret = dax_region_destroy(m, region);
	if (ret)
		return ret;	/* its memory is still online System RAM */
	iomem_release(m, &dax->ns->res);
	dax->driver = ND_DRV_NONE;
	return 0;
}

/*
 * nd_dax_create: region's next dax device, its seed; none when the ids
 * run out (the kernel's ida_alloc failing: dax_seed then reads empty).
 */
static struct nd_dax *nd_dax_create(struct memhp_machine *m, int region)
{
	struct nd_bus *nd = m->nd;
	struct nd_dax *dax;

	if (nd->nr_dax == ND_MAX_DAX)
		return NULL;
	dax = &nd->dax[nd->nr_dax++];
	memset(dax, 0, sizeof(*dax));
	snprintf(dax->name, sizeof(dax->name), "dax%d.%d", region, nd->region[region].next_dax_id++);
	dax->region = region;
	dax->align = 1UL << m->arch->pmd_shift;	/* nd_pfn_default_alignment */
	return dax;
}

static int nd_bind(struct memhp_machine *m, enum nd_driver drv, const char *name)
{
	struct nd_namespace *ns = find_ns(m, name);
	struct nd_dax *dax = find_dax(m, name);
	int ret;

	/* bind_store: driver_match_device, then -EBUSY for a bound device */
	if ((drv == ND_DRV_PMEM && !ns) || (drv == ND_DRV_DAX_PMEM && !dax))
		return -ENODEV;
	if (nd_driver_of(m, name) != ND_DRV_NONE)
		return -EBUSY;
	if (drv == ND_DRV_PMEM)
		return nd_pmem_probe(m, ns);	/* an io region makes no new namespace seed */
	ret = dax_pmem_probe(m, dax);
	/* nd_region_advance_seeds: the seed is taken, the region gets the next */
	if (!ret && m->nd->region[dax->region].dax_seed == dax)
		m->nd->region[dax->region].dax_seed = nd_dax_create(m, dax->region);
	return ret;
}

static int nd_unbind(struct memhp_machine *m, enum nd_driver drv, const char *name)
{
	if (nd_driver_of(m, name) != (int)drv || drv == ND_DRV_NONE)
		return -ENODEV;
	if (drv == ND_DRV_PMEM) {
		nd_pmem_remove(m, find_ns(m, name));
		return 0;
	}
	return dax_pmem_remove(m, find_dax(m, name));
}

/* ---- the disk nd_pmem attaches (pmem.c) --------------------------------- */

/*
 * nvdimm_namespace_disk_name: an io namespace's disk is "pmem" and its
 * region's id, and region N holds namespaceN.0
 */
void nd_disk_name(int ns, char *buf, size_t len)
{
	snprintf(buf, len, "pmem%d", ns);
}

/*
 * The disk named name: it lives from pmem_attach_disk to the driver's
 * remove (del_gendisk): -ENXIO once its namespace is unbound, as a block
 * device whose disk is gone; -ENODEV for a name no namespace could have.
 */
static int disk_get(struct memhp_machine *m, const char *name, struct nd_namespace **nsp)
{
	char disk[MEMHP_BLOCKDEV_NAME_MAX];

	for (int i = 0; m->nd && i < m->nd->nr; i++) {
		nd_disk_name(i, disk, sizeof(disk));
		if (strcmp(disk, name))
			continue;
		*nsp = &m->nd->ns[i];
		return (*nsp)->driver == ND_DRV_PMEM ? 0 : -ENXIO;
	}
	return -ENODEV;
}

size_t memhp_blockdev_list(struct memhp_machine *m, char (*names)[MEMHP_BLOCKDEV_NAME_MAX], size_t max)
{
	machine_check(m);
	size_t n = 0;

	pthread_mutex_lock(&m->device_hotplug_lock);
	for (int i = 0; m->nd && i < m->nd->nr; i++) {
		if (m->nd->ns[i].driver != ND_DRV_PMEM)
			continue;
		if (n < max)
			nd_disk_name(i, names[n], sizeof(names[n]));
		n++;
	}
	pthread_mutex_unlock(&m->device_hotplug_lock);
	return n;
}

/* set_capacity of a raw namespace: all of it (no pfn_pad, no data_offset) */
int memhp_blockdev_size(struct memhp_machine *m, const char *name, uint64_t *size)
{
	machine_check(m);
	struct nd_namespace *ns;
	int ret;

	pthread_mutex_lock(&m->device_hotplug_lock);
	ret = disk_get(m, name, &ns);
	if (!ret)
		*size = ns->size;
	pthread_mutex_unlock(&m->device_hotplug_lock);
	return ret;
}

/*
 * pmem_do_read/pmem_do_write: a memcpy to or from the media, here the
 * namespace's backing file.  device_hotplug_lock is held across the copy
 * so the disk cannot go (nd_pmem unbinding) in the middle of it, as
 * del_gendisk waits for the I/O in flight.
 */
static ssize_t disk_rw(struct memhp_machine *m, const char *name, void *buf, size_t len, uint64_t off,
		       bool write)
{
	struct nd_namespace *ns;
	ssize_t ret;

	pthread_mutex_lock(&m->device_hotplug_lock);
	ret = disk_get(m, name, &ns);
	if (ret)
		goto out;
	/* blkdev_write_iter: a read-only disk (its region's, nvdimm_check_and_set_ro) */
	if (write && m->nd->region[ns - m->nd->ns].ro) {
		ret = -EPERM;
		goto out;
	}
	/* blkdev_{read,write}_iter: nothing at or past the end; the I/O truncated to it */
	if (!len || off >= ns->size) {
		ret = write && len ? -ENOSPC : 0;
		goto out;
	}
	len = MIN(len, ns->size - off);
	ret = write ? pwrite(ns->dev->fd, buf, len, ns_media_off(ns, off))
		    : pread(ns->dev->fd, buf, len, ns_media_off(ns, off));
	if (ret < 0)
		ret = -errno;
out:
	pthread_mutex_unlock(&m->device_hotplug_lock);
	return ret;
}

ssize_t memhp_blockdev_pread(struct memhp_machine *m, const char *name, void *buf, size_t len, uint64_t off)
{
	machine_check(m);
	return disk_rw(m, name, buf, len, off, false);
}

ssize_t memhp_blockdev_pwrite(struct memhp_machine *m, const char *name, const void *buf, size_t len,
			      uint64_t off)
{
	machine_check(m);
	return disk_rw(m, name, (void *)buf, len, off, true);
}

/* uuid_parse: 8-4-4-4-12 hex digits */
static bool uuid_valid(const char *s)
{
	for (int i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? s[i] != '-' : !((s[i] >= '0' && s[i] <= '9') || ((s[i] | 0x20) >= 'a' &&
								       (s[i] | 0x20) <= 'f')))
			return false;
	}
	return true;
}

/* mode_store: strncmp over len - 1 bytes, so "ra" matches "ram\n" too */
static int parse_mode(const char *buf)
{
	size_t n = strlen(buf) - 1;
	char with_nl[8];

	for (int i = 0; i < (int)ARRAY_SIZE(mode_names); i++) {
		snprintf(with_nl, sizeof(with_nl), "%s\n", mode_names[i]);
		if (!strncmp(buf, with_nl, n) || !strncmp(buf, mode_names[i], n))
			return i;
	}
	return -EINVAL;
}

/* ---- what every device of the bus has (bus.c) --------------------------- */

const char *const nd_kind_prefix[NDK_NR] = {
	"ndbus", "nmem", "region", "namespace", "dax", "pfn", "btt"
};

/*
 * "ndbus0" -> NDK_BUS, 0; "dax3.1" -> NDK_DAX, 3; -1 for no such name.
 * A region's devices are "N.0", but for its dax devices, "N.K".
 */
int nd_parse_name(const char *name, int *n)
{
	for (int k = 0; k < NDK_NR; k++) {
		size_t l = strlen(nd_kind_prefix[k]);
		char *end;

		if (strncmp(name, nd_kind_prefix[k], l) || name[l] < '0' || name[l] > '9')
			continue;
		*n = (int)strtol(name + l, &end, 10);
		if (k < NDK_NS)
			return *end ? -1 : k;
		if (k == NDK_DAX && end[0] == '.' && end[1] >= '0' && end[1] <= '9') {
			strtol(end + 1, &end, 10);
			return *end ? -1 : k;
		}
		return strcmp(end, ".0") ? -1 : k;
	}
	return -1;
}

int nd_dev_driver(struct memhp_machine *m, const struct kobj *ko)
{
	switch (ko_kind(ko)) {
	case NDK_BUS: return ND_DRV_BUS;
	case NDK_DIMM: return ND_DRV_DIMM;
	case NDK_REGION: return ND_DRV_REGION;
	case NDK_NS:
	case NDK_DAX: return nd_driver_of(m, ko->dev);
	default: return ND_DRV_NONE;
	}
}

/* to_nd_device_type */
static int nd_device_type(struct memhp_machine *m, const struct kobj *ko)
{
	switch (ko_kind(ko)) {
	case NDK_DIMM: return 1;	/* ND_DEVICE_DIMM */
	case NDK_REGION: return 2;	/* ND_DEVICE_REGION_PMEM */
	case NDK_DAX: return 7;		/* ND_DEVICE_DAX_PMEM */
	case NDK_BUS: return 0;
	default: return 4;		/* nd_region_to_nstype: label-less, ND_DEVICE_NAMESPACE_IO */
	}
}

static const char *nd_devtype_name(const struct kobj *ko)
{
	static const char *const names[NDK_NR] = {
		NULL, "nvdimm", "nd_pmem", "nd_namespace_io", "nd_dax", "nd_pfn", "nd_btt"
	};
	int k = ko_kind(ko);

	return k < 0 ? NULL : names[k];
}

int nd_devtype_show(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a, struct sbuf *s)
{
	sbuf_printf(s, "%s\n", nd_devtype_name(ko));
	return 0;
}

int nd_modalias_show(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a, struct sbuf *s)
{
	sbuf_printf(s, "nd:t%d\n", nd_device_type(m, ko));
	return 0;
}

/* dev_uevent: the char device's numbers, DEVTYPE, DRIVER; nvdimm_bus_uevent: MODALIAS */
int nd_uevent_show(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a, struct sbuf *s)
{
	int drv;

	if (ko_kind(ko) == NDK_DIMM)
		sbuf_printf(s, "MAJOR=%d\nMINOR=%d\nDEVNAME=%s\n", ND_DIMM_MAJOR, KO_IDX(ko), ko->dev);
	if (nd_devtype_name(ko))
		sbuf_printf(s, "DEVTYPE=%s\n", nd_devtype_name(ko));
	pthread_mutex_lock(&m->device_hotplug_lock);
	drv = nd_dev_driver(m, ko);
	pthread_mutex_unlock(&m->device_hotplug_lock);
	if (drv > ND_DRV_NONE)
		sbuf_printf(s, "DRIVER=%s\n", nd_driver_name((enum nd_driver)drv));
	sbuf_printf(s, "MODALIAS=nd:t%d\n", nd_device_type(m, ko));
	return 0;
}

/*
 * uevent_store: kobject_synth_uevent's action names, anything else
 * -EINVAL.  memhp's uevent stream (uevent.c) carries memory blocks only,
 * so the synthetic event reaches no listener.
 */
ssize_t nd_uevent_store(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
			const char *buf, size_t count)
{
	static const char *const actions[] = { "add", "remove", "change", "move", "online", "offline",
					       "bind", "unbind" };
	size_t n = strcspn(buf, " \n");

	for (size_t i = 0; i < ARRAY_SIZE(actions); i++)
		if (n == strlen(actions[i]) && !strncmp(buf, actions[i], n))
			return (ssize_t)count;
	return -EINVAL;
}

/* nd_numa_attribute_group's target_node: the region's */
int nd_target_node_show(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a, struct sbuf *s)
{
	sbuf_printf(s, "%d\n", m->nd->ns[KO_IDX(ko)].target_nid);
	return 0;
}

int nd_numa_node_show(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a, struct sbuf *s)
{
	sbuf_printf(s, "%d\n", m->nd->ns[KO_IDX(ko)].nid);
	return 0;
}

/* nd_pfn_supported_alignments: the page, PMD and PUD sizes */
int nd_supported_alignments_show(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
				 struct sbuf *s)
{
	sbuf_printf(s, "%lu %lu %lu \n", (unsigned long)m->page_size, 1UL << m->arch->pmd_shift, 1UL << 30);
	return 0;
}

/* ---- the dax seed's attributes (pfn_devs.c) ------------------------------- */

/* nd_namespace_store */
static int namespace_set(struct memhp_machine *m, struct nd_dax *dax, const char *buf)
{
	char name[32];
	struct nd_namespace *ns;

	snprintf(name, sizeof(name), "%s", buf);
	name[strcspn(name, "\n")] = '\0';
	if (name[0] && strncmp(name, "namespace", 9))
		return -EINVAL;
	if (!name[0]) {
		if (dax->ns)
			dax->ns->claim = NULL;
		dax->ns = NULL;
		return 0;
	}
	if (dax->ns)
		return -EBUSY;	/* namespace already set */
	ns = find_ns(m, name);
	/* device_find_child_by_name under the seed's own region */
	if (!ns || ns - m->nd->ns != dax->region)
		return -ENODEV;
	if (ns->driver != ND_DRV_NONE || ns->claim)
		return -EBUSY;	/* too busy to claim */
	ns->claim = dax;
	dax->ns = ns;
	return 0;
}

static int uuid_set(struct memhp_machine *m, struct nd_dax *dax, const char *buf)
{
	if (strlen(buf) < 36 || !uuid_valid(buf))
		return -EINVAL;
	memcpy(dax->uuid, buf, 36);
	dax->uuid[36] = '\0';
	return 0;
}

/* nd_size_select_store: PAGE_SIZE, the PMD and the PUD size */
static int align_set(struct memhp_machine *m, struct nd_dax *dax, const char *buf)
{
	unsigned long long v;

	if (kstrtoull(buf, 0, &v))
		return -EINVAL;
	if (v != m->page_size && v != 1ULL << m->arch->pmd_shift && v != 1ULL << 30)
		return -EINVAL;
	dax->align = (unsigned long)v;
	return 0;
}

static int mode_set(struct memhp_machine *m, struct nd_dax *dax, const char *buf)
{
	int mode = parse_mode(buf);

	if (mode < 0)
		return mode;
	dax->mode = (enum nd_pfn_mode)mode;
	return 0;
}

/*
 * A seed is configured while it is unbound, under device_hotplug_lock as
 * the kernel's stores take the device lock and nvdimm_bus_lock.
 */
static ssize_t seed_store(struct memhp_machine *m, const struct kobj *ko, const char *buf, size_t count,
			  int (*set)(struct memhp_machine *m, struct nd_dax *dax, const char *buf))
{
	struct nd_dax *dax;
	int ret;

	pthread_mutex_lock(&m->device_hotplug_lock);
	dax = find_dax(m, ko->dev);
	if (!dax)
		ret = -ENODEV;
	else if (dax->driver != ND_DRV_NONE)
		ret = -EBUSY;
	else
		ret = set(m, dax, buf);
	pthread_mutex_unlock(&m->device_hotplug_lock);
	return ret ? ret : (ssize_t)count;
}

#define SEED_STORE(_name)									\
	static ssize_t _name##_store(struct memhp_machine *m, const struct kobj *ko,		\
				     const struct kattr *a, const char *buf, size_t count)	\
	{											\
		return seed_store(m, ko, buf, count, _name##_set);				\
	}
SEED_STORE(align)
SEED_STORE(mode)
SEED_STORE(namespace)
SEED_STORE(uuid)

/* the show methods of a namespace (ns) and of a dax seed (dax) */
#define ND_SHOW(_fn, _type, _find, _var, _fmt, ...)						\
	static int _fn(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,	\
		       struct sbuf *s)								\
	{											\
		_type *_var = _find(m, ko->dev);						\
												\
		if (!_var)									\
			return -ENODEV;								\
		sbuf_printf(s, _fmt, __VA_ARGS__);						\
		return 0;									\
	}
#define NS_SHOW(_name, _fmt, ...) \
	ND_SHOW(ns_##_name##_show, struct nd_namespace, find_ns, ns, _fmt, __VA_ARGS__)
#define SEED_SHOW(_name, _fmt, ...) \
	ND_SHOW(_name##_show, struct nd_dax, find_dax, dax, _fmt, __VA_ARGS__)

NS_SHOW(numa_node, "%d\n", ns->nid)
NS_SHOW(resource, "%#llx\n", (unsigned long long)ns->start)
NS_SHOW(size, "%llu\n", (unsigned long long)ns->size)
NS_SHOW(nstype, "%d\n", 4)	/* ND_DEVICE_NAMESPACE_IO: label-less */

SEED_SHOW(align, "%lu\n", dax->align)
SEED_SHOW(mode, "%s\n", mode_names[dax->mode])
SEED_SHOW(namespace, "%s\n", dax->ns ? dax->ns->name : "")
SEED_SHOW(uuid, "%s\n", dax->uuid)

/* NVDIMM_CCLASS_*: as holder_class_show names them (BTT2 is "btt" too) */
static const char *const nd_claim_class_names[] = { "", "btt", "pfn", "dax" };

/* what the kernel's show methods read under the device lock */
#define ND_LOCKED_SHOW(_fn, _type, _find, _var, _body)						\
	static int _fn(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,	\
		       struct sbuf *s)								\
	{											\
		_type *_var;									\
		int ret = 0;									\
												\
		pthread_mutex_lock(&m->device_hotplug_lock);					\
		_var = _find(m, ko->dev);							\
		if (!_var)									\
			ret = -ENODEV;								\
		else										\
			_body;									\
		pthread_mutex_unlock(&m->device_hotplug_lock);					\
		return ret;									\
	}

/* holder: the claiming seed; holder_class: what ndctl declared it for */
ND_LOCKED_SHOW(ns_holder_show, struct nd_namespace, find_ns, ns,
	       sbuf_printf(s, "%s\n", ns->claim ? ns->claim->name : ""))
ND_LOCKED_SHOW(ns_holder_class_show, struct nd_namespace, find_ns, ns,
	       sbuf_printf(s, "%s\n", nd_claim_class_names[ns->claim_class]))
/* mode_show: a dax seed's claim, else struct pages or not (pmem_should_map_pages) */
ND_LOCKED_SHOW(ns_mode_show, struct nd_namespace, find_ns, ns,
	       sbuf_printf(s, "%s\n", ns->claim ? "dax" : ns->pagemap && !ns->force_raw ? "memory" : "raw"))
ND_LOCKED_SHOW(ns_force_raw_show, struct nd_namespace, find_ns, ns,
	       sbuf_printf(s, "%d\n", ns->force_raw))

/* pfn_devs.c resource_show, size_show: the data's extent while bound, else -ENXIO */
ND_LOCKED_SHOW(resource_show, struct nd_dax, find_dax, dax,
	       if (dax->driver != ND_DRV_DAX_PMEM) ret = -ENXIO;
	       else sbuf_printf(s, "%#llx\n", (unsigned long long)(dax->ns->start + dax->dataoff)))
ND_LOCKED_SHOW(size_show, struct nd_dax, find_dax, dax,
	       if (dax->driver != ND_DRV_DAX_PMEM) ret = -ENXIO;
	       else sbuf_printf(s, "%llu\n",
				(unsigned long long)(dax->ns->size - dax->end_trunc - dax->dataoff)))

/* force_raw_store: any boolean, whatever the namespace's state */
static ssize_t ns_force_raw_store(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
				  const char *buf, size_t count)
{
	struct nd_namespace *ns;
	bool raw;

	if (kstrtobool(buf, &raw))
		return -EINVAL;
	pthread_mutex_lock(&m->device_hotplug_lock);
	ns = find_ns(m, ko->dev);
	if (ns)
		ns->force_raw = raw;
	pthread_mutex_unlock(&m->device_hotplug_lock);
	return ns ? (ssize_t)count : -ENODEV;
}

/* __holder_class_store: only an unbound, unclaimed namespace; a known class */
static ssize_t ns_holder_class_store(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
				     const char *buf, size_t count)
{
	struct nd_namespace *ns;
	char class[8];
	int ret = -EINVAL;

	snprintf(class, sizeof(class), "%s", buf);
	class[strcspn(class, "\n")] = '\0';
	pthread_mutex_lock(&m->device_hotplug_lock);
	ns = find_ns(m, ko->dev);
	if (!ns)
		ret = -ENODEV;
	else if (ns->driver != ND_DRV_NONE || ns->claim)
		ret = -EBUSY;
	else
		for (int i = 0; i < (int)ARRAY_SIZE(nd_claim_class_names); i++)
			if (!strcmp(class, nd_claim_class_names[i]) && strlen(buf) < sizeof(class)) {
				ns->claim_class = i;
				ret = 0;
			}
	pthread_mutex_unlock(&m->device_hotplug_lock);
	return ret ? ret : (ssize_t)count;
}

/* a driver's bind or unbind file: the device named, under device_hotplug_lock */
static ssize_t driver_store(struct memhp_machine *m, const struct kobj *ko, const char *buf, size_t count,
			    bool bind)
{
	enum nd_driver drv = (enum nd_driver)ko->which;
	char name[32];
	int ret;

	sysfs_dev_name(buf, name, sizeof(name));
	pthread_mutex_lock(&m->device_hotplug_lock);
	ret = bind ? nd_bind(m, drv, name) : nd_unbind(m, drv, name);
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

/* regionN/namespaceN.0/ (namespace_devs.c: an io namespace's) */
const struct kattr nd_namespace_attrs[] = {
	KATTR(mode, 0444, ns_mode_show, NULL),
	KATTR(numa_node, 0444, ns_numa_node_show, NULL),
	KATTR(resource, 0400, ns_resource_show, NULL),
	KATTR(size, 0444, ns_size_show, NULL),
	KATTR(nstype, 0444, ns_nstype_show, NULL),
	KATTR(holder, 0444, ns_holder_show, NULL),
	KATTR(holder_class, 0644, ns_holder_class_show, ns_holder_class_store),
	KATTR(force_raw, 0644, ns_force_raw_show, ns_force_raw_store),
	KATTR(devtype, 0444, nd_devtype_show, NULL),
	KATTR(modalias, 0444, nd_modalias_show, NULL),
	KATTR(target_node, 0444, nd_target_node_show, NULL),
	KATTR(uevent, 0644, nd_uevent_show, nd_uevent_store),
	{ }
};

/* regionN/daxN.0/ (pfn_devs.c's attributes, dax_devs.c's type) */
const struct kattr nd_dax_attrs[] = {
	KATTR_RW(align),
	KATTR_RW(mode),
	KATTR_RW(namespace),
	KATTR_RW(uuid),
	KATTR(resource, 0400, resource_show, NULL),
	KATTR(size, 0444, size_show, NULL),
	KATTR(supported_alignments, 0444, nd_supported_alignments_show, NULL),
	KATTR(devtype, 0444, nd_devtype_show, NULL),
	KATTR(modalias, 0444, nd_modalias_show, NULL),
	KATTR(numa_node, 0444, nd_numa_node_show, NULL),
	KATTR(target_node, 0444, nd_target_node_show, NULL),
	KATTR(uevent, 0644, nd_uevent_show, nd_uevent_store),
	{ }
};

/* /sys/bus/nd/drivers/{nd_pmem,dax_pmem}/ */
const struct kattr nd_drv_attrs[] = {
	KATTR_WO(bind),
	KATTR_WO(unbind),
	{ }
};

/*
 * numa_map_to_online_node: a region's device lives on an online node - its
 * range's own if online, else the nearest (QEMU's distances are all equal
 * beyond the local one: the first online node).  The range keeps its own
 * node as target_node, where kmem adds it.
 */
static int numa_map_to_online_node(struct memhp_machine *m, int nid)
{
	if (nid < 0 || node_state(m, nid, N_ONLINE))
		return nid;
	for (int n = 0; n < (int)m->nr_nodes; n++)
		if (node_state(m, n, N_ONLINE))
			return n;
	return nid;
}

/*
 * default_align: MEMREMAP_COMPAT_ALIGN_MAX (16M) unless the region is
 * smaller, times the mappings when they do not divide it (one at most here).
 */
static unsigned long region_default_align(const struct memhp_machine *m, uint64_t size)
{
	return size < (16ULL << 20) ? m->page_size : 16UL << 20;
}

/* a region with its raw namespace and dax seed; nd_pmem binds as it appears */
static int nd_region_create(struct memhp_machine *m, struct nd_bus *bus, int bus_idx, int dimm,
			    uint64_t start, uint64_t size, int nid, struct physdev *dev)
{
	struct nd_namespace *ns = &bus->ns[bus->nr];
	struct nd_region *region = &bus->region[bus->nr];
	int ret;

	snprintf(ns->name, sizeof(ns->name), "namespace%d.0", bus->nr);
	region->dax_seed = nd_dax_create(m, bus->nr);
	ns->start = start;
	ns->size = size;
	ns->target_nid = nid;
	ns->nid = numa_map_to_online_node(m, nid);
	ns->pagemap = !dev;	/* nd_e820 sets ND_REGION_PAGEMAP, the NFIT does not */
	region->bus = bus_idx;
	region->dimm = dimm;
	region->align = region_default_align(m, size);
	if (!dev) {
		ret = physdev_create(m, ns->name, start, size, -1, &dev);
		if (ret)
			return ret;
	}
	ns->dev = dev;
	bus->nr++;
	ret = nd_pmem_probe(m, ns);
	if (ret && ret != -ENODEV && ret != -ENXIO)
		mlog(m, "nd_pmem %s: probe with driver nd_pmem failed with error %d", ns->name, ret);
	return 0;
}

/*
 * nvdimm_bus_register: the bus takes nd_ida's lowest free id.  Called once
 * the firmware has found something for it, as e820_pmem and the NFIT only
 * register a bus when they have ranges.
 */
static int nd_bus_register(struct memhp_machine *m, struct nd_bus *bus, enum nd_bus_kind kind)
{
	int id = nd_bus_id_alloc(m);

	if (id < 0)
		return id;
	bus->buses[bus->nr_buses] = (struct nd_bus_dev){ .id = id, .kind = kind };
	return bus->nr_buses++;
}

/*
 * The NFIT's SPA ranges: acpi_nfit_insert_resource puts each into iomem as
 * "Persistent Memory", then the region's label-less namespace covers it
 * all (a raw namespace, as nd_e820's).  Each is one QEMU NVDIMM: one
 * dimm (nmemN) mapped whole into one region.
 */
static int nd_nfit_probe(struct memhp_machine *m, struct nd_bus *bus)
{
	struct physdev *dev;
	int nid, ret, bus_idx = bus->nr_buses;	/* registered below, if any */

	for (unsigned int i = 0; !acpi_nvdimm_get(m, i, &dev, &nid); i++) {
		if (bus->nr == ND_MAX_REGIONS || bus->nr_dimms == ND_MAX_DIMMS)
			return -ENOSPC;
		if (!iomem_request(m, dev->phys_start, dev->size, "Persistent Memory", IORESOURCE_MEM))
			return -EBUSY;
		bus->dimm[bus->nr_dimms] = (struct nd_dimm){ .bus = bus_idx, .slot = i, .size = dev->size };
		ret = nd_region_create(m, bus, bus_idx, bus->nr_dimms++, dev->phys_start, dev->size, nid, dev);
		if (ret)
			return ret;
	}
	return 0;
}

/* nd_e820_probe: one region per PRAM range, then the NFIT's */
int nd_init(struct memhp_machine *m)
{
	struct nd_bus *bus;
	int ret, first_nfit;

	bus = calloc(1, sizeof(*bus));
	if (!bus)
		return -ENOMEM;
	m->nd = bus;
	for (unsigned int u = 0; u < m->params.nr_e820_user; u++) {
		const struct e820_user *e = &m->params.e820_user[u];

		if (e->type != E820_USER_PRAM)
			continue;
		ret = nd_region_create(m, bus, bus->nr_buses, -1, e->start, e->size, e->nid, NULL);
		if (ret)
			return ret;
	}
	/* the e820 bus registers when PRAM exists (the e820_pmem device) */
	if (bus->nr) {
		ret = nd_bus_register(m, bus, ND_BUS_E820);
		if (ret < 0)
			return ret;
	}
	first_nfit = bus->nr;
	ret = nd_nfit_probe(m, bus);
	if (ret)
		return ret;
	/* and ACPI.NFIT's when the NFIT describes NVDIMMs */
	if (bus->nr > first_nfit) {
		ret = nd_bus_register(m, bus, ND_BUS_NFIT);
		if (ret < 0)
			return ret;
	}
	dax_reserve_region_ids(m, bus->nr);
	return 0;
}

void nd_destroy(struct memhp_machine *m)
{
	free(m->nd);
	m->nd = NULL;
}
