// SPDX-License-Identifier: MIT
/*
 * nd_sysfs.c - the nd bus's device tree, laid out as libnvdimm and the
 * driver core make it (drivers/nvdimm/bus.c, core.c, dimm_devs.c,
 * region_devs.c, namespace_devs.c, pfn_devs.c, btt_devs.c, dax_devs.c;
 * drivers/acpi/nfit/core.c), for libndctl to enumerate:
 *
 *   /sys/devices/platform/e820_pmem/ndbusN                 provider "e820"
 *   /sys/devices/LNXSYSTM:00/LNXSYBUS:00/ACPI0012:00/ndbusN provider "ACPI.NFIT"
 *       nd/ndctlN          the bus's character device (class nd)
 *       nmemN              an NFIT dimm, label-less (no DSM: no commands)
 *       regionN            pmem region: namespaceN.0, daxN.0, pfnN.0, bttN.0
 *   /sys/class/nd/ndctlN, /sys/bus/nd/{devices,drivers/DRV}/X, /sys/dev/char: links
 *
 * The values are what Linux 6.12 shows for QEMU's NFIT (hw/acpi/nvdimm.c:
 * handle slot + 1, serial 0x123456 + slot, vendor 0x8086, device and
 * revision 1, format 0x301, all little-endian in the table, which the
 * kernel prints big-endian) and for e820's legacy ranges.
 *
 * The character devices have LOCAL/EXPERIMENTAL majors (devices.txt):
 * 62 for ndctlN, 63 for nmemN; 60 is dax's and 61 CXL's.
 *
 * A directory's kobj carries the device's name in dev and where it lives
 * in id (ND_KO), so that a link's text needs no machine.  Attributes whose
 * value follows a bind read it under device_hotplug_lock, as the kernel's
 * take the device lock; lookups and listings run under blocks_lock, which
 * nests inside device_hotplug_lock, so they read a driver unlocked, as
 * kernfs.c's dax and nd directories always have.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "kernfs.h"
#include "nd.h"


/* ---- where a device lives --------------------------------------------- */

/*
 * A device of the tree by name into ko (dev and id); its kind, or -1.
 * Region-level devices take their region's bus, dimms theirs.
 */
static int nd_dev_take(struct memhp_machine *m, struct kobj *ko, const char *name)
{
	struct nd_bus *nd = m->nd;
	int n, busi = -1, idx = 0, kind;

	if (!nd || strlen(name) >= sizeof(ko->dev))
		return -1;
	kind = nd_parse_name(name, &n);
	switch (kind) {
	case NDK_BUS:
		for (int i = 0; i < nd->nr_buses; i++)
			if (nd->buses[i].id == n)
				busi = i;
		break;
	case NDK_DIMM:
		if (n < nd->nr_dimms)
			busi = nd->dimm[n].bus, idx = n;
		break;
	case -1:
		return -1;
	case NDK_DAX:
		/* one the region made */
		if (n < nd->nr && nd_driver_of(m, name) >= 0)
			busi = nd->region[n].bus, idx = n;
		break;
	default:
		if (n < nd->nr)
			busi = nd->region[n].bus, idx = n;
		break;
	}
	if (busi < 0)
		return -1;
	memcpy(ko->dev, name, strlen(name) + 1);
	ko->id = ND_KO(busi, nd->buses[busi].kind, nd->buses[busi].id, idx);
	return kind;
}

/* the device's directory under /sys, as devpath */
static void nd_dev_path(const struct kobj *ko, char *buf, size_t len)
{
	int n = snprintf(buf, len, "devices/%s/ndbus%d", nd_fw_devpath(KO_FW(ko)), KO_BUSID(ko));

	switch (ko_kind(ko)) {
	case NDK_BUS:
		break;
	case NDK_DIMM:
	case NDK_REGION:
		snprintf(buf + n, len - (size_t)n, "/%s", ko->dev);
		break;
	default:
		snprintf(buf + n, len - (size_t)n, "/region%d/%s", KO_IDX(ko), ko->dev);
		break;
	}
}

#define link_up sysfs_link_up

/* ---- ndbusN (core.c) and the NFIT's nfit/ (acpi/nfit/core.c) ------------ */

/*
 * commands: the bus's cmd_mask by name.  acpi_nfit_init_dsms always sets
 * ND_CMD_CALL; QEMU's root _DSM supports no function, so nothing else.
 * e820's descriptor has none.
 */
static int commands_show(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
			 struct sbuf *s)
{
	sbuf_printf(s, "%s\n", KO_FW(ko) == ND_BUS_NFIT ? "call " : "");
	return 0;
}

static int provider_show(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
			 struct sbuf *s)
{
	sbuf_printf(s, "%s\n", KO_FW(ko) == ND_BUS_NFIT ? "ACPI.NFIT" : "e820");
	return 0;
}

/* probing is synchronous here: nothing to flush */
static int wait_probe_show(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
			   struct sbuf *s)
{
	sbuf_printf(s, "1\n");
	return 0;
}

/* the NFIT's header revision: QEMU builds it as 1 */
static int nfit_revision_show(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
			      struct sbuf *s)
{
	sbuf_printf(s, "1\n");
	return 0;
}

/* bus_dsm_mask: no ARS, no translate, no inject on QEMU's root device */
static int nfit_bus_dsm_mask_show(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
				  struct sbuf *s)
{
	sbuf_printf(s, "0x0\n");
	return 0;
}

/* scrub_mode: HW_ERROR_SCRUB_OFF until written */
static int nfit_hw_error_scrub_show(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
				    struct sbuf *s)
{
	sbuf_printf(s, "0\n");
	return 0;
}

static const struct kattr nd_bus_attrs[] = {
	KATTR_RO(commands),
	KATTR_RO(provider),
	KATTR_RO(wait_probe),
	KATTR(uevent, 0644, nd_uevent_show, nd_uevent_store),
	{ }
};

/* nfit_visible: scrub needs ARS, firmware_activate_noidle Intel's activate */
static const struct kattr nfit_bus_attrs[] = {
	KATTR(revision, 0444, nfit_revision_show, NULL),
	KATTR(hw_error_scrub, 0444, nfit_hw_error_scrub_show, NULL),
	KATTR(dsm_mask, 0444, nfit_bus_dsm_mask_show, NULL),
	{ }
};

/* ---- nmemN (dimm_devs.c) and its nfit/ --------------------------------- */

static const struct nd_dimm *ko_dimm(struct memhp_machine *m, const struct kobj *ko)
{
	return &m->nd->dimm[KO_IDX(ko)];
}

static int dimm_dev_show(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
			 struct sbuf *s)
{
	sbuf_printf(s, "%d:%d\n", ND_DIMM_MAJOR, KO_IDX(ko));
	return 0;
}

/* no DSM family, so no cmd_mask; no label area: no flags, never busy */
static int dimm_commands_show(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
			      struct sbuf *s)
{
	sbuf_printf(s, "\n");
	return 0;
}

static int dimm_flags_show(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
			   struct sbuf *s)
{
	sbuf_printf(s, "\n");
	return 0;
}

static int dimm_state_show(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
			   struct sbuf *s)
{
	sbuf_printf(s, "idle\n");
	return 0;
}

/* nvdimm_probe left no drvdata: nvdimm_check_config_data found no label DSM */
static int dimm_available_slots_show(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
				     struct sbuf *s)
{
	return -ENXIO;
}

static const struct kattr nd_dimm_attrs[] = {
	KATTR(available_slots, 0444, dimm_available_slots_show, NULL),
	KATTR(commands, 0444, dimm_commands_show, NULL),
	KATTR(dev, 0444, dimm_dev_show, NULL),
	KATTR(devtype, 0444, nd_devtype_show, NULL),
	KATTR(flags, 0444, dimm_flags_show, NULL),
	KATTR(modalias, 0444, nd_modalias_show, NULL),
	KATTR(state, 0444, dimm_state_show, NULL),
	KATTR(uevent, 0644, nd_uevent_show, nd_uevent_store),
	{ }
};

/* QEMU's slot numbering (hw/acpi/nvdimm.c) */
static unsigned int qemu_handle(unsigned int slot) { return slot + 1; }
static unsigned int qemu_spa_index(unsigned int slot) { return (slot + 1) << 1; }
static uint32_t qemu_serial(unsigned int slot) { return 0x123456 + slot; }

/* the NFIT's little-endian fields as be16/be32_to_cpu read them */
static unsigned int swab16_(unsigned int v) { return (v >> 8 & 0xff) | (v & 0xff) << 8; }
static uint32_t swab32_(uint32_t v)
{
	return v >> 24 | (v >> 8 & 0xff00) | (v & 0xff00) << 8 | v << 24;
}

#define NFIT_DIMM_SHOW(_name, _fmt, _val)							\
	static int nfit_##_name##_show(struct memhp_machine *m, const struct kobj *ko,		\
				       const struct kattr *a, struct sbuf *s)			\
	{											\
		unsigned int slot = ko_dimm(m, ko)->slot;					\
												\
		(void)slot;									\
		sbuf_printf(s, _fmt, _val);							\
		return 0;									\
	}
NFIT_DIMM_SHOW(handle, "%#x\n", qemu_handle(slot))
NFIT_DIMM_SHOW(phys_id, "%#x\n", qemu_handle(slot))
NFIT_DIMM_SHOW(vendor, "0x%04x\n", swab16_(0x8086))
NFIT_DIMM_SHOW(device, "0x%04x\n", swab16_(1))
NFIT_DIMM_SHOW(rev_id, "0x%04x\n", swab16_(1))
NFIT_DIMM_SHOW(subsystem_vendor, "0x%04x\n", 0)
NFIT_DIMM_SHOW(subsystem_device, "0x%04x\n", 0)
NFIT_DIMM_SHOW(subsystem_rev_id, "0x%04x\n", 0)
NFIT_DIMM_SHOW(format, "0x%04x\n", 0x301)
NFIT_DIMM_SHOW(formats, "%d\n", 1)
NFIT_DIMM_SHOW(serial, "0x%08x\n", swab32_(qemu_serial(slot)))
/* the memdev's flags: QEMU sets ACPI_NFIT_MEM_NOT_ARMED only for unarmed=on */
NFIT_DIMM_SHOW(flags, "%s\n", "")
/* no manufacturing info: "%04x-%08x" of vendor and serial */
NFIT_DIMM_SHOW(id, "%04x-", swab16_(0x8086))

static int nfit_id_full_show(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
			     struct sbuf *s)
{
	nfit_id_show(m, ko, a, s);
	sbuf_printf(s, "%08x\n", swab32_(qemu_serial(ko_dimm(m, ko)->slot)));
	return 0;
}

/* QEMU's dimm _DSM offers no function without a label area: family -1 */
static int nfit_no_family_show(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
			       struct sbuf *s)
{
	return -ENXIO;
}

/* acpi_nfit_dimm_attr_visible: one format, no dirty shutdown count */
static const struct kattr nfit_dimm_attrs[] = {
	KATTR(handle, 0444, nfit_handle_show, NULL),
	KATTR(phys_id, 0444, nfit_phys_id_show, NULL),
	KATTR(vendor, 0444, nfit_vendor_show, NULL),
	KATTR(device, 0444, nfit_device_show, NULL),
	KATTR(rev_id, 0444, nfit_rev_id_show, NULL),
	KATTR(subsystem_vendor, 0444, nfit_subsystem_vendor_show, NULL),
	KATTR(subsystem_device, 0444, nfit_subsystem_device_show, NULL),
	KATTR(subsystem_rev_id, 0444, nfit_subsystem_rev_id_show, NULL),
	KATTR(format, 0444, nfit_format_show, NULL),
	KATTR(formats, 0444, nfit_formats_show, NULL),
	KATTR(serial, 0444, nfit_serial_show, NULL),
	KATTR(flags, 0444, nfit_flags_show, NULL),
	KATTR(id, 0444, nfit_id_full_show, NULL),
	KATTR(family, 0444, nfit_no_family_show, NULL),
	KATTR(dsm_mask, 0444, nfit_no_family_show, NULL),
	{ }
};

/* ---- regionN (region_devs.c) ------------------------------------------ */

static struct nd_region *ko_region(struct memhp_machine *m, const struct kobj *ko)
{
	return &m->nd->region[KO_IDX(ko)];
}

static int region_size_show(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
			    struct sbuf *s)
{
	sbuf_printf(s, "%llu\n", (unsigned long long)m->nd->ns[KO_IDX(ko)].size);
	return 0;
}

static int region_resource_show(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
				struct sbuf *s)
{
	sbuf_printf(s, "%#llx\n", (unsigned long long)m->nd->ns[KO_IDX(ko)].start);
	return 0;
}

static int region_align_show(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
			     struct sbuf *s)
{
	pthread_mutex_lock(&m->device_hotplug_lock);
	sbuf_printf(s, "%#lx\n", ko_region(m, ko)->align);
	pthread_mutex_unlock(&m->device_hotplug_lock);
	return 0;
}

/* align_store: a power of 2 of at least a page per mapping, within the region */
static ssize_t region_align_store(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
				  const char *buf, size_t count)
{
	struct nd_region *region = ko_region(m, ko);
	unsigned long long val;

	if (kstrtoull(buf, 0, &val))
		return -EINVAL;
	if (!val || (val & (val - 1)) || val < m->page_size || val > m->nd->ns[KO_IDX(ko)].size)
		return -EINVAL;
	pthread_mutex_lock(&m->device_hotplug_lock);
	region->align = (unsigned long)val;
	pthread_mutex_unlock(&m->device_hotplug_lock);
	return (ssize_t)count;
}

static int region_nstype_show(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
			      struct sbuf *s)
{
	sbuf_printf(s, "4\n");	/* ND_DEVICE_NAMESPACE_IO: no dimm labels */
	return 0;
}

static int region_mappings_show(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
				struct sbuf *s)
{
	sbuf_printf(s, "%d\n", ko_region(m, ko)->dimm >= 0);
	return 0;
}

/* mappingN: "nmemX,start,size,position" - QEMU's dimm, whole, at DPA 0 */
static int region_mapping0_show(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
				struct sbuf *s)
{
	const struct nd_region *region = ko_region(m, ko);

	sbuf_printf(s, "nmem%d,0,%llu,0\n", region->dimm,
		    (unsigned long long)m->nd->dimm[region->dimm].size);
	return 0;
}

/* the region's seeds; namespace_seed: the io namespace itself */
static int region_seed_show(struct memhp_machine *m, const struct kobj *ko, const char *prefix,
			    struct sbuf *s)
{
	sbuf_printf(s, "%s%d.0\n", prefix, KO_IDX(ko));
	return 0;
}

#define REGION_SEED_SHOW(_name, _prefix)							\
	static int region_##_name##_show(struct memhp_machine *m, const struct kobj *ko,	\
					 const struct kattr *a, struct sbuf *s)			\
	{											\
		return region_seed_show(m, ko, _prefix, s);					\
	}
REGION_SEED_SHOW(namespace_seed, "namespace")
REGION_SEED_SHOW(btt_seed, "btt")
REGION_SEED_SHOW(pfn_seed, "pfn")

/* dax_seed: the one nd_region_advance_seeds left, empty when none could be made */
static int region_dax_seed_show(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
				struct sbuf *s)
{
	const struct nd_dax *seed;

	pthread_mutex_lock(&m->device_hotplug_lock);
	seed = ko_region(m, ko)->dax_seed;
	sbuf_printf(s, "%s\n", seed ? seed->name : "");
	pthread_mutex_unlock(&m->device_hotplug_lock);
	return 0;
}

/* nvdimm_has_flush: a dimm without flush hints - the platform's ADR */
static int region_deep_flush_show(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
				  struct sbuf *s)
{
	sbuf_printf(s, "0\n");
	return 0;
}

static int region_read_only_show(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
				 struct sbuf *s)
{
	pthread_mutex_lock(&m->device_hotplug_lock);
	sbuf_printf(s, "%d\n", ko_region(m, ko)->ro);
	pthread_mutex_unlock(&m->device_hotplug_lock);
	return 0;
}

static ssize_t region_read_only_store(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
				      const char *buf, size_t count)
{
	bool ro;

	if (kstrtobool(buf, &ro))
		return -EINVAL;
	pthread_mutex_lock(&m->device_hotplug_lock);
	ko_region(m, ko)->ro = ro;
	pthread_mutex_unlock(&m->device_hotplug_lock);
	return (ssize_t)count;
}

/*
 * acpi_nfit_init_interleave_set's cookie1: fletcher64 over the sorted
 * {region_offset, serial_number, pad} of each mapping - one here.
 */
static int region_set_cookie_show(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
				  struct sbuf *s)
{
	uint32_t info[4] = { 0, 0, qemu_serial(m->nd->dimm[ko_region(m, ko)->dimm].slot), 0 };

	sbuf_printf(s, "%#llx\n", (unsigned long long)nd_fletcher64(info, 4));
	return 0;
}

/* no dimm drvdata (label-less): nothing available to allocate */
static int region_zero_show(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
			    struct sbuf *s)
{
	sbuf_printf(s, "0\n");
	return 0;
}

/* ns_active/ns_count: the io namespace, registered */
static int region_init_namespaces_show(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
				       struct sbuf *s)
{
	sbuf_printf(s, "1/1\n");
	return 0;
}

/* no bad blocks known: badblocks_show of an empty list */
static int region_badblocks_show(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
				 struct sbuf *s)
{
	return 0;
}

/* NFIT range_index: the SPA's */
static int nfit_range_index_show(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
				 struct sbuf *s)
{
	sbuf_printf(s, "%d\n", qemu_spa_index(m->nd->dimm[ko_region(m, ko)->dimm].slot));
	return 0;
}

#define REGION_COMMON_ATTRS									\
	KATTR(size, 0444, region_size_show, NULL),						\
	KATTR(align, 0644, region_align_show, region_align_store),				\
	KATTR(nstype, 0444, region_nstype_show, NULL),						\
	KATTR(mappings, 0444, region_mappings_show, NULL),					\
	KATTR(btt_seed, 0444, region_btt_seed_show, NULL),					\
	KATTR(pfn_seed, 0444, region_pfn_seed_show, NULL),					\
	KATTR(dax_seed, 0444, region_dax_seed_show, NULL),					\
	KATTR(read_only, 0644, region_read_only_show, region_read_only_store),			\
	KATTR(max_available_extent, 0444, region_zero_show, NULL),				\
	KATTR(namespace_seed, 0444, region_namespace_seed_show, NULL),				\
	KATTR(init_namespaces, 0444, region_init_namespaces_show, NULL),			\
	KATTR(badblocks, 0444, region_badblocks_show, NULL),					\
	KATTR(resource, 0400, region_resource_show, NULL),					\
	KATTR(devtype, 0444, nd_devtype_show, NULL),						\
	KATTR(modalias, 0444, nd_modalias_show, NULL),						\
	KATTR(numa_node, 0444, nd_numa_node_show, NULL),					\
	KATTR(target_node, 0444, nd_target_node_show, NULL),					\
	KATTR(uevent, 0644, nd_uevent_show, nd_uevent_store)

/*
 * region_visible for e820's: no mappings (deep_flush's nvdimm_has_flush
 * fails), no interleave set (no set_cookie, no available_size), no
 * persistence flags.
 */
static const struct kattr nd_region_e820_attrs[] = {
	REGION_COMMON_ATTRS,
	{ }
};

/* the NFIT's: one mapping without flush hints, an interleave set */
static const struct kattr nd_region_nfit_attrs[] = {
	REGION_COMMON_ATTRS,
	KATTR(deep_flush, 0444, region_deep_flush_show, NULL),
	KATTR(set_cookie, 0444, region_set_cookie_show, NULL),
	KATTR(available_size, 0444, region_zero_show, NULL),
	KATTR(mapping0, 0444, region_mapping0_show, NULL),
	{ }
};

static const struct kattr nfit_region_attrs[] = {
	KATTR(range_index, 0444, nfit_range_index_show, NULL),
	{ }
};

/* ---- pfnN.0 and bttN.0: seeds never configured here ------------------- */

static int seed_empty_show(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
			   struct sbuf *s)
{
	sbuf_printf(s, "\n");
	return 0;
}

static int seed_none_show(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
			  struct sbuf *s)
{
	sbuf_printf(s, "none\n");
	return 0;
}

/* disabled: no address or size to convey */
static int seed_disabled_show(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
			      struct sbuf *s)
{
	return -ENXIO;
}

static int pfn_align_show(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
			  struct sbuf *s)
{
	sbuf_printf(s, "%lu\n", 1UL << m->arch->pmd_shift);	/* nd_pfn_default_alignment */
	return 0;
}

/* btt_lbasize_supported, none selected */
static int btt_sector_size_show(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
				struct sbuf *s)
{
	sbuf_printf(s, "512 520 528 4096 4104 4160 4224 \n");
	return 0;
}

static int btt_log_zero_flags_show(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
				   struct sbuf *s)
{
	sbuf_printf(s, "Y\n");
	return 0;
}

#define SEED_COMMON_ATTRS									\
	KATTR(namespace, 0444, seed_empty_show, NULL),						\
	KATTR(uuid, 0444, seed_empty_show, NULL),						\
	KATTR(size, 0444, seed_disabled_show, NULL),						\
	KATTR(devtype, 0444, nd_devtype_show, NULL),						\
	KATTR(modalias, 0444, nd_modalias_show, NULL),						\
	KATTR(numa_node, 0444, nd_numa_node_show, NULL),					\
	KATTR(target_node, 0444, nd_target_node_show, NULL),					\
	KATTR(uevent, 0644, nd_uevent_show, nd_uevent_store)

static const struct kattr nd_pfn_attrs[] = {
	SEED_COMMON_ATTRS,
	KATTR(mode, 0444, seed_none_show, NULL),
	KATTR(align, 0444, pfn_align_show, NULL),
	KATTR(resource, 0400, seed_disabled_show, NULL),
	KATTR(supported_alignments, 0444, nd_supported_alignments_show, NULL),
	{ }
};

static const struct kattr nd_btt_attrs[] = {
	SEED_COMMON_ATTRS,
	KATTR(sector_size, 0444, btt_sector_size_show, NULL),
	KATTR(log_zero_flags, 0444, btt_log_zero_flags_show, NULL),
	{ }
};

/* ---- links ------------------------------------------------------------- */

static void driver_link(const struct kobj *ko, char *buf, size_t len)
{
	char dir[160], to[64];

	nd_dev_path(ko, dir, sizeof(dir));
	snprintf(to, sizeof(to), "bus/nd/drivers/%s", nd_driver_name((enum nd_driver)ko->which));
	link_up(buf, len, dir, to);
}

static void subsystem_link(const struct kobj *ko, char *buf, size_t len)
{
	char dir[160];

	nd_dev_path(ko, dir, sizeof(dir));
	link_up(buf, len, dir, "bus/nd");
}

/* from a directory `depth` below /sys to the device */
static void to_dev_link(const struct kobj *ko, char *buf, size_t len, const char *from)
{
	char dir[160];

	nd_dev_path(ko, dir, sizeof(dir));
	link_up(buf, len, from, dir);
}

static void bus_devices_link(const struct kobj *ko, char *buf, size_t len)
{
	to_dev_link(ko, buf, len, "bus/nd/devices");
}

static void bus_drivers_link(const struct kobj *ko, char *buf, size_t len)
{
	to_dev_link(ko, buf, len, "bus/nd/drivers/DRV");
}

/* ndctlN in class nd: its device, the bus, and its subsystem */
static void ndctl_device_link(const struct kobj *ko, char *buf, size_t len)
{
	snprintf(buf, len, "../../../ndbus%d", KO_BUSID(ko));
}

static void ndctl_path(const struct kobj *ko, char *buf, size_t len)
{
	char dir[160];

	nd_dev_path(ko, dir, sizeof(dir));
	snprintf(buf, len, "%s/nd/ndctl%d", dir, KO_BUSID(ko));
}

static void ndctl_subsystem_link(const struct kobj *ko, char *buf, size_t len)
{
	char dir[192];

	ndctl_path(ko, dir, sizeof(dir));
	link_up(buf, len, dir, "class/nd");
}

static void class_ndctl_link(const struct kobj *ko, char *buf, size_t len)
{
	char dir[192];

	ndctl_path(ko, dir, sizeof(dir));
	link_up(buf, len, "class/nd", dir);
}

static void chardev_ndctl_link(const struct kobj *ko, char *buf, size_t len)
{
	char dir[192];

	ndctl_path(ko, dir, sizeof(dir));
	link_up(buf, len, "dev/char", dir);
}

static void chardev_dimm_link(const struct kobj *ko, char *buf, size_t len)
{
	to_dev_link(ko, buf, len, "dev/char");
}

static const struct ktype driver_link_type = { .link = driver_link };
static const struct ktype subsystem_link_type = { .link = subsystem_link };
static const struct ktype ndctl_subsystem_link_type = { .link = ndctl_subsystem_link };

/* ---- the device directories ------------------------------------------- */

/* the links every device has: driver (when bound) and subsystem */
static const struct ktype *dev_links_lookup(struct memhp_machine *m, struct kobj *ko, const char *name)
{
	if (!strcmp(name, "subsystem"))
		return &subsystem_link_type;
	if (strcmp(name, "driver"))
		return NULL;
	ko->which = nd_dev_driver(m, ko);
	return ko->which > ND_DRV_NONE ? &driver_link_type : NULL;
}

static void dev_links_list(struct memhp_machine *m, const struct kobj *ko, struct lister *l)
{
	struct kobj link = *ko;

	link.which = nd_dev_driver(m, ko);
	if (link.which > ND_DRV_NONE)
		emit_klink(l, "driver", &driver_link_type, &link);
	emit_klink(l, "subsystem", &subsystem_link_type, &link);
}

static const struct ktype empty_dir_type = { 0 };

/* namespaceN.0/block/pmemN while nd_pmem holds it (the disk's directory) */
static const struct ktype *ns_block_lookup(struct memhp_machine *m, struct kobj *ko, const char *name)
{
	char disk[MEMHP_BLOCKDEV_NAME_MAX];

	nd_disk_name(KO_IDX(ko), disk, sizeof(disk));
	return strcmp(name, disk) ? NULL : &empty_dir_type;
}

static void ns_block_list(struct memhp_machine *m, const struct kobj *ko, struct lister *l)
{
	char disk[MEMHP_BLOCKDEV_NAME_MAX];

	nd_disk_name(KO_IDX(ko), disk, sizeof(disk));
	emit_kdir(l, disk);
}

static const struct ktype ns_block_type = { .lookup = ns_block_lookup, .list = ns_block_list };

static const struct ktype *ns_lookup(struct memhp_machine *m, struct kobj *ko, const char *name)
{
	if (!strcmp(name, "block"))
		return nd_driver_of(m, ko->dev) == ND_DRV_PMEM ? &ns_block_type : NULL;
	return dev_links_lookup(m, ko, name);
}

static void ns_list(struct memhp_machine *m, const struct kobj *ko, struct lister *l)
{
	if (nd_driver_of(m, ko->dev) == ND_DRV_PMEM)
		emit_kdir(l, "block");
	dev_links_list(m, ko, l);
}

static const struct ktype ns_type = { .attrs = nd_namespace_attrs, .lookup = ns_lookup, .list = ns_list };
/* daxN.K: bound to dax_pmem, it holds dax region N - dax_region/ and daxN.0 */
static const struct ktype *nd_dax_lookup(struct memhp_machine *m, struct kobj *ko, const char *name)
{
	char path[DEVPATH_MAX + 8];
	const struct ktype *t;
	struct kobj child = *ko;

	nd_dev_path(ko, path, sizeof(path));
	t = dax_holder_lookup(m, &child, KO_IDX(ko), path + strlen("devices/"), name);
	if (t) {
		*ko = child;
		return t;
	}
	return dev_links_lookup(m, ko, name);
}

static void nd_dax_list(struct memhp_machine *m, const struct kobj *ko, struct lister *l)
{
	char path[DEVPATH_MAX + 8];

	nd_dev_path(ko, path, sizeof(path));
	dax_holder_list(m, KO_IDX(ko), path + strlen("devices/"), l);
	dev_links_list(m, ko, l);
}

static const struct ktype dax_type = { .attrs = nd_dax_attrs, .lookup = nd_dax_lookup, .list = nd_dax_list };
static const struct ktype pfn_type = { .attrs = nd_pfn_attrs, .lookup = dev_links_lookup,
				       .list = dev_links_list };
static const struct ktype btt_type = { .attrs = nd_btt_attrs, .lookup = dev_links_lookup,
				       .list = dev_links_list };

/* regionN: its namespace and seeds, of its own index only */
static const struct ktype *region_lookup(struct memhp_machine *m, struct kobj *ko, const char *name)
{
	static const struct ktype *const types[NDK_NR] = {
		[NDK_NS] = &ns_type, [NDK_DAX] = &dax_type, [NDK_PFN] = &pfn_type, [NDK_BTT] = &btt_type,
	};
	struct kobj child = *ko;
	int n, kind = nd_parse_name(name, &n);

	if (kind >= NDK_NS && n == KO_IDX(ko) && nd_dev_take(m, &child, name) == kind) {
		*ko = child;
		return types[kind];
	}
	return dev_links_lookup(m, ko, name);
}

static void region_list(struct memhp_machine *m, const struct kobj *ko, struct lister *l)
{
	char name[24];

	for (int k = NDK_NS; k < NDK_NR; k++) {
		if (k == NDK_DAX)
			continue;
		snprintf(name, sizeof(name), "%s%d.0", nd_kind_prefix[k], KO_IDX(ko));
		emit_kdir(l, name);
	}
	for (int i = 0; i < m->nd->nr_dax; i++)
		if (m->nd->dax[i].region == KO_IDX(ko))
			emit_kdir(l, m->nd->dax[i].name);
	dev_links_list(m, ko, l);
}

static const struct ktype region_e820_type = {
	.attrs = nd_region_e820_attrs, .lookup = region_lookup, .list = region_list,
};

static const struct ktype region_nfit_type = {
	.dirs = (const struct kdirent[]){ KDIR("nfit", (&(const struct ktype){ .attrs = nfit_region_attrs })),
					  { } },
	.attrs = nd_region_nfit_attrs, .lookup = region_lookup, .list = region_list,
};

/* firmware/: the group's directory, every attribute hidden (no fw_ops) */
static const struct ktype dimm_type = {
	.dirs = (const struct kdirent[]){
		KDIR("firmware", &empty_dir_type),
		KDIR("nfit", (&(const struct ktype){ .attrs = nfit_dimm_attrs })), { } },
	.attrs = nd_dimm_attrs, .lookup = dev_links_lookup, .list = dev_links_list,
};

/* nd/ndctlN: the bus's character device */
static int ndctl_dev_show(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
			  struct sbuf *s)
{
	sbuf_printf(s, "%d:%d\n", ND_BUS_MAJOR, KO_BUSID(ko));
	return 0;
}

static int ndctl_uevent_show(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
			     struct sbuf *s)
{
	sbuf_printf(s, "MAJOR=%d\nMINOR=%d\nDEVNAME=ndctl%d\n", ND_BUS_MAJOR, KO_BUSID(ko), KO_BUSID(ko));
	return 0;
}

static const struct kattr ndctl_attrs[] = {
	KATTR(dev, 0444, ndctl_dev_show, NULL),
	KATTR(uevent, 0644, ndctl_uevent_show, nd_uevent_store),
	{ }
};

/* device: the bus, which a path may go on into (libndctl: /sys/dev/char/M:N/device) */
static const struct ktype bus_e820_type, bus_nfit_type;
static const struct ktype ndctl_device_link_types[ND_BUS_KINDS] = {
	{ .link = ndctl_device_link, .follow = &bus_e820_type },
	{ .link = ndctl_device_link, .follow = &bus_nfit_type },
};

static const struct ktype *ndctl_lookup(struct memhp_machine *m, struct kobj *ko, const char *name)
{
	if (!strcmp(name, "device"))
		return &ndctl_device_link_types[KO_FW(ko)];
	if (!strcmp(name, "subsystem"))
		return &ndctl_subsystem_link_type;
	return NULL;
}

static void ndctl_list(struct memhp_machine *m, const struct kobj *ko, struct lister *l)
{
	emit_klink(l, "device", &ndctl_device_link_types[KO_FW(ko)], ko);
	emit_klink(l, "subsystem", &ndctl_subsystem_link_type, ko);
}

static const struct ktype ndctl_type = { .attrs = ndctl_attrs, .lookup = ndctl_lookup, .list = ndctl_list };

static const struct ktype *ndctl_glue_lookup(struct memhp_machine *m, struct kobj *ko, const char *name)
{
	char own[24];

	snprintf(own, sizeof(own), "ndctl%d", KO_BUSID(ko));
	return strcmp(name, own) ? NULL : &ndctl_type;
}

static void ndctl_glue_list(struct memhp_machine *m, const struct kobj *ko, struct lister *l)
{
	char own[24];

	snprintf(own, sizeof(own), "ndctl%d", KO_BUSID(ko));
	emit_kdir(l, own);
}

static const struct ktype ndctl_glue_type = { .lookup = ndctl_glue_lookup, .list = ndctl_glue_list };

/* ndbusN: its dimms and regions, the class device, the links */
static const struct ktype *bus_dev_lookup(struct memhp_machine *m, struct kobj *ko, const char *name)
{
	struct kobj child = *ko;
	int kind;

	if (!strcmp(name, "nd"))
		return &ndctl_glue_type;
	kind = nd_dev_take(m, &child, name);
	if ((kind == NDK_DIMM || kind == NDK_REGION) && KO_BUSI(&child) == KO_BUSI(ko)) {
		*ko = child;
		if (kind == NDK_DIMM)
			return &dimm_type;
		return KO_FW(ko) == ND_BUS_NFIT ? &region_nfit_type : &region_e820_type;
	}
	return dev_links_lookup(m, ko, name);
}

static void bus_dev_list(struct memhp_machine *m, const struct kobj *ko, struct lister *l)
{
	char name[24];

	emit_kdir(l, "nd");
	for (int i = 0; i < m->nd->nr_dimms; i++) {
		if (m->nd->dimm[i].bus != KO_BUSI(ko))
			continue;
		snprintf(name, sizeof(name), "nmem%d", i);
		emit_kdir(l, name);
	}
	for (int i = 0; i < m->nd->nr; i++) {
		if (m->nd->region[i].bus != KO_BUSI(ko))
			continue;
		snprintf(name, sizeof(name), "region%d", i);
		emit_kdir(l, name);
	}
	dev_links_list(m, ko, l);
}

/* firmware/: nvdimm_bus_attribute_groups' group, every attribute hidden (no fw_ops) */
static const struct ktype bus_e820_type = {
	.dirs = (const struct kdirent[]){ KDIR("firmware", &empty_dir_type), { } },
	.attrs = nd_bus_attrs, .lookup = bus_dev_lookup, .list = bus_dev_list,
};

static const struct ktype bus_nfit_type = {
	.dirs = (const struct kdirent[]){
		KDIR("firmware", &empty_dir_type),
		KDIR("nfit", (&(const struct ktype){ .attrs = nfit_bus_attrs })), { } },
	.attrs = nd_bus_attrs, .lookup = bus_dev_lookup, .list = bus_dev_list,
};

static const struct ktype *dev_type_of(const struct kobj *ko, int kind)
{
	bool nfit = KO_FW(ko) == ND_BUS_NFIT;

	switch (kind) {
	case NDK_BUS: return nfit ? &bus_nfit_type : &bus_e820_type;
	case NDK_DIMM: return &dimm_type;
	case NDK_REGION: return nfit ? &region_nfit_type : &region_e820_type;
	case NDK_NS: return &ns_type;
	case NDK_DAX: return &dax_type;
	case NDK_PFN: return &pfn_type;
	case NDK_BTT: return &btt_type;
	}
	return NULL;
}

/* ---- where the buses' devices hang: platform and ACPI ------------------- */

/* the bus of firmware fw, into ko; false when it has none */
static bool bus_take(struct memhp_machine *m, struct kobj *ko, enum nd_bus_kind fw)
{
	char name[24];

	for (int i = 0; m->nd && i < m->nd->nr_buses; i++) {
		if (m->nd->buses[i].kind != fw)
			continue;
		snprintf(name, sizeof(name), "ndbus%d", m->nd->buses[i].id);
		return nd_dev_take(m, ko, name) == NDK_BUS;
	}
	return false;
}

/* a firmware device holding its bus only: e820_pmem, ACPI0012:00 */
static const struct ktype *fw_dev_lookup(struct memhp_machine *m, struct kobj *ko, const char *name, enum nd_bus_kind fw)
{
	struct kobj bus = *ko;

	if (!bus_take(m, &bus, fw) || strcmp(name, bus.dev))
		return NULL;
	*ko = bus;
	return dev_type_of(ko, NDK_BUS);
}

static void fw_dev_list(struct memhp_machine *m, struct lister *l, enum nd_bus_kind fw)
{
	struct kobj bus = { 0 };

	if (bus_take(m, &bus, fw))
		emit_kdir(l, bus.dev);
}

static const struct ktype *e820_pmem_lookup(struct memhp_machine *m, struct kobj *ko, const char *name)
{
	return fw_dev_lookup(m, ko, name, ND_BUS_E820);
}

static void e820_pmem_list(struct memhp_machine *m, const struct kobj *ko, struct lister *l)
{
	fw_dev_list(m, l, ND_BUS_E820);
}

static const struct ktype e820_pmem_type = { .lookup = e820_pmem_lookup, .list = e820_pmem_list };

static const struct ktype *acpi0012_lookup(struct memhp_machine *m, struct kobj *ko, const char *name)
{
	return fw_dev_lookup(m, ko, name, ND_BUS_NFIT);
}

static void acpi0012_list(struct memhp_machine *m, const struct kobj *ko, struct lister *l)
{
	fw_dev_list(m, l, ND_BUS_NFIT);
}

static const struct ktype acpi0012_type = { .lookup = acpi0012_lookup, .list = acpi0012_list };

static const struct ktype *const lnxsystm_type = KDIRS(
	KDIR("LNXSYBUS:00", KDIRS(
		KDIR("ACPI0012:00", &acpi0012_type))));

static bool has_bus(struct memhp_machine *m, enum nd_bus_kind fw)
{
	struct kobj bus = { 0 };

	return bus_take(m, &bus, fw);
}

/* /sys/devices/platform/e820_pmem while e820's bus exists */
const struct ktype *nd_platform_lookup(struct memhp_machine *m, struct kobj *ko, const char *name)
{
	return !strcmp(name, "e820_pmem") && has_bus(m, ND_BUS_E820) ? &e820_pmem_type : NULL;
}

void nd_platform_list(struct memhp_machine *m, struct lister *l)
{
	if (has_bus(m, ND_BUS_E820))
		emit_kdir(l, "e820_pmem");
}

/* /sys/devices/LNXSYSTM:00 while the NFIT's bus exists (the NVDIMM root device) */
const struct ktype *nd_sys_devices_lookup(struct memhp_machine *m, struct kobj *ko, const char *name)
{
	return !strcmp(name, "LNXSYSTM:00") && has_bus(m, ND_BUS_NFIT) ? lnxsystm_type : NULL;
}

void nd_sys_devices_list(struct memhp_machine *m, struct lister *l)
{
	if (has_bus(m, ND_BUS_NFIT))
		emit_kdir(l, "LNXSYSTM:00");
}

/* ---- /sys/bus/nd, /sys/class/nd, /sys/dev/char -------------------------- */

/*
 * A link to a device: a path may go on through it, into the directory of
 * the device's kind, so there is one link type per kind of directory.
 */
#define TO_DEV_LINK(_fn, _target) { .link = _fn, .follow = &(_target) }
static const struct ktype bus_link_types[][NDK_NR + 2] = {
	{ TO_DEV_LINK(bus_devices_link, bus_e820_type), TO_DEV_LINK(bus_devices_link, dimm_type),
	  TO_DEV_LINK(bus_devices_link, region_e820_type), TO_DEV_LINK(bus_devices_link, ns_type),
	  TO_DEV_LINK(bus_devices_link, dax_type), TO_DEV_LINK(bus_devices_link, pfn_type),
	  TO_DEV_LINK(bus_devices_link, btt_type) },
	{ TO_DEV_LINK(bus_devices_link, bus_nfit_type), TO_DEV_LINK(bus_devices_link, dimm_type),
	  TO_DEV_LINK(bus_devices_link, region_nfit_type), TO_DEV_LINK(bus_devices_link, ns_type),
	  TO_DEV_LINK(bus_devices_link, dax_type), TO_DEV_LINK(bus_devices_link, pfn_type),
	  TO_DEV_LINK(bus_devices_link, btt_type) },
};

static const struct ktype *bus_link_type(const struct kobj *ko)
{
	return &bus_link_types[KO_FW(ko) == ND_BUS_NFIT][ko_kind(ko)];
}

static const struct ktype *devices_lookup(struct memhp_machine *m, struct kobj *ko, const char *name)
{
	return nd_dev_take(m, ko, name) < 0 ? NULL : bus_link_type(ko);
}

/* every device of the tree, by name, bound to drv (ND_DRV_NR: any) */
static void for_each_nd_dev(struct memhp_machine *m, int drv, struct lister *l,
			    void (*fn)(struct lister *l, const struct kobj *ko))
{
	struct kobj ko = { 0 };
	char name[24];

	for (int k = 0; m->nd && k < NDK_NR; k++) {
		int n = k == NDK_BUS ? m->nd->nr_buses : k == NDK_DIMM ? m->nd->nr_dimms :
			k == NDK_DAX ? m->nd->nr_dax : m->nd->nr;

		for (int i = 0; i < n; i++) {
			if (k == NDK_BUS)
				snprintf(name, sizeof(name), "ndbus%d", m->nd->buses[i].id);
			else if (k == NDK_DAX)
				snprintf(name, sizeof(name), "%s", m->nd->dax[i].name);
			else
				snprintf(name, sizeof(name), k >= NDK_NS ? "%s%d.0" : "%s%d", nd_kind_prefix[k], i);
			if (nd_dev_take(m, &ko, name) < 0)
				continue;
			if (drv == ND_DRV_NR || nd_dev_driver(m, &ko) == drv)
				fn(l, &ko);
		}
	}
}

static void emit_devices_link(struct lister *l, const struct kobj *ko)
{
	emit_klink(l, ko->dev, bus_link_type(ko), ko);
}

static void devices_list(struct memhp_machine *m, const struct kobj *ko, struct lister *l)
{
	for_each_nd_dev(m, ND_DRV_NR, l, emit_devices_link);
}

static const struct ktype devices_type = { .lookup = devices_lookup, .list = devices_list };

static const struct ktype drv_link_type = { .link = bus_drivers_link };

/* /sys/bus/nd/drivers/DRV: a link per bound device (bind, unbind: nd.c's) */
static const struct ktype *driver_lookup(struct memhp_machine *m, struct kobj *ko, const char *name)
{
	struct kobj dev = *ko;
	int ret;

	if (nd_dev_take(m, &dev, name) < 0)
		return NULL;
	ret = nd_dev_driver(m, &dev);
	if (ret != ko->which)
		return NULL;
	*ko = dev;
	return &drv_link_type;
}

static void emit_drv_link(struct lister *l, const struct kobj *ko)
{
	emit_klink(l, ko->dev, &drv_link_type, ko);
}

static void driver_list(struct memhp_machine *m, const struct kobj *ko, struct lister *l)
{
	for_each_nd_dev(m, ko->which, l, emit_drv_link);
}

static const struct ktype claim_driver_type = { .attrs = nd_drv_attrs, .lookup = driver_lookup,
						.list = driver_list };
/* the buses', regions' and dimms' drivers bind as their devices appear */
static const struct ktype static_driver_type = { .lookup = driver_lookup, .list = driver_list };

const struct ktype nd_subsys_type = {
	.dirs = (const struct kdirent[]){
		KDIR("devices", &devices_type),
		KDIR("drivers", KDIRS(
			KDIR_FOR("nd_pmem", &claim_driver_type, ND_DRV_PMEM),
			KDIR_FOR("dax_pmem", &claim_driver_type, ND_DRV_DAX_PMEM),
			KDIR_FOR("nd_bus", &static_driver_type, ND_DRV_BUS),
			KDIR_FOR("nd_region", &static_driver_type, ND_DRV_REGION),
			KDIR_FOR("nvdimm", &static_driver_type, ND_DRV_DIMM))),
		{ } },
};

/* /sys/class/nd: ndctlN -> the bus's class device */
static const struct ktype class_ndctl_link_type = { .link = class_ndctl_link, .follow = &ndctl_type };

static const struct ktype *class_nd_lookup(struct memhp_machine *m, struct kobj *ko, const char *name)
{
	char bus[24];
	int n;

	if (strncmp(name, "ndctl", 5) || name[5] < '0' || name[5] > '9')
		return NULL;
	n = atoi(name + 5);
	snprintf(bus, sizeof(bus), "ndbus%d", n);
	if (strcmp(name + 5, bus + 5) || nd_dev_take(m, ko, bus) != NDK_BUS)
		return NULL;
	return &class_ndctl_link_type;
}

static void emit_class_link(struct lister *l, const struct kobj *ko)
{
	char name[24];

	snprintf(name, sizeof(name), "ndctl%d", KO_BUSID(ko));
	emit_klink(l, name, &class_ndctl_link_type, ko);
}

static void class_nd_list(struct memhp_machine *m, const struct kobj *ko, struct lister *l)
{
	for_each_nd_dev(m, ND_DRV_BUS, l, emit_class_link);
}

const struct ktype nd_class_type = { .lookup = class_nd_lookup, .list = class_nd_list };

/* /sys/dev/char: 62:N -> ndctlN, 63:N -> nmemN */
static const struct ktype chardev_ndctl_link_type = { .link = chardev_ndctl_link, .follow = &ndctl_type };
static const struct ktype chardev_dimm_link_type = { .link = chardev_dimm_link, .follow = &dimm_type };

const struct ktype *nd_chardev_lookup(struct memhp_machine *m, struct kobj *ko, unsigned int major,
				      unsigned int minor)
{
	char name[24];

	if (major != ND_BUS_MAJOR && major != ND_DIMM_MAJOR)
		return NULL;
	snprintf(name, sizeof(name), "%s%u", major == ND_BUS_MAJOR ? "ndbus" : "nmem", minor);
	if (nd_dev_take(m, ko, name) < 0)
		return NULL;
	return major == ND_BUS_MAJOR ? &chardev_ndctl_link_type : &chardev_dimm_link_type;
}

static void emit_chardev_link(struct lister *l, const struct kobj *ko)
{
	char entry[24];
	bool bus = ko_kind(ko) == NDK_BUS;

	snprintf(entry, sizeof(entry), "%d:%d", bus ? ND_BUS_MAJOR : ND_DIMM_MAJOR,
		 bus ? KO_BUSID(ko) : KO_IDX(ko));
	emit_klink(l, entry, bus ? &chardev_ndctl_link_type : &chardev_dimm_link_type, ko);
}

void nd_chardev_list(struct memhp_machine *m, struct lister *l)
{
	for_each_nd_dev(m, ND_DRV_BUS, l, emit_chardev_link);
	for_each_nd_dev(m, ND_DRV_DIMM, l, emit_chardev_link);
}
