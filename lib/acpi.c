// SPDX-License-Identifier: MIT
/*
 * acpi.c - DIMMs the way QEMU and the ACPI memory driver handle them
 * (hw/mem/memory-device.c placement; drivers/acpi/acpi_memhotplug.c;
 * drivers/acpi/scan.c:acpi_scan_try_to_offline).
 *
 * Hot-add: QEMU places the DIMM in the hot-plug window (first fit at 2 MiB
 * alignment, or at the address asked for), refusing it only for firmware
 * reasons (slots, maxmem, overlap).  The guest's ACPI scan then tries every
 * memory device that is not yet enabled - so a device that failed before is
 * retried, with its errors logged again - and for each one registers a
 * static memory group of PFN_UP(size) pages and calls __add_memory with
 * MHP_NID_IS_MGID | MHP_MEMMAP_ON_MEMORY: the core decides whether the
 * memmap can live on the DIMM.  -EEXIST counts as success.
 *
 * Eject: offline every block bound to the device, in two passes (the
 * second retrying what failed in the first); if a block still fails, every
 * block offlined here is onlined again with device_online() - MMOP_ONLINE,
 * so a Movable block may come back in Normal - and the eject is refused
 * with -EBUSY (_OST 0x82).  Otherwise the memory is removed and the DIMM
 * released.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define DIMM_ALIGN (2ULL << 20)

struct acpi_memdev {
	char name[MEMHP_DIMM_NAME_MAX];
	int index;		/* PNP0C80:%02x */
	uint64_t addr, size;
	int node;
	struct physdev *dev;
	bool enabled;
	int add_error;
	int mgid;
	bool nvdimm;		/* QEMU -device nvdimm: the NFIT's, not ours */
	struct acpi_memdev *next;
};

static struct acpi_memdev *find_dimm(struct memhp_machine *m, const char *name)
{
	for (struct acpi_memdev *d = m->acpi_devs; d; d = d->next)
		if (!strcmp(d->name, name))
			return d;
	return NULL;
}

static bool window_range_free(struct memhp_machine *m, uint64_t addr, uint64_t size)
{
	for (struct acpi_memdev *d = m->acpi_devs; d; d = d->next)
		if (addr < d->addr + d->size && d->addr < addr + size)
			return false;
	return true;
}

/* memory_device_get_free_addr: lowest gap of the window that fits */
static int place_dimm(struct memhp_machine *m, uint64_t size, uint64_t *addr)
{
	uint64_t end = m->hotplug_base + m->hotplug_size;

	if (*addr != MEMHP_ADDR_AUTO) {
		if (*addr < m->hotplug_base || *addr + size > end || *addr + size < *addr)
			return -ERANGE;
		if (*addr % m->page_size)
			return -EINVAL;
		return window_range_free(m, *addr, size) ? 0 : -EBUSY;
	}
	for (uint64_t a = m->hotplug_base; a + size <= end; a += DIMM_ALIGN) {
		bool moved = false;

		for (struct acpi_memdev *d = m->acpi_devs; d; d = d->next) {
			if (a < d->addr + d->size && d->addr < a + size) {
				a = ALIGN_UP(d->addr + d->size, DIMM_ALIGN) - DIMM_ALIGN;
				moved = true;
				break;
			}
		}
		if (!moved) {
			*addr = a;
			return 0;
		}
	}
	return -ENOSPC;
}

static const char *dimm_acpi_name(const struct acpi_memdev *d, char *buf, size_t len)
{
	snprintf(buf, len, "PNP0C80:%02x", d->index);
	return buf;
}

static int bind_block(struct memhp_machine *m, struct memory_block *mem, void *arg)
{
	(void)m;
	snprintf(mem->firmware_node, sizeof(mem->firmware_node), "%s", (const char *)arg);
	return 0;
}

/* acpi_memory_device_add -> acpi_memory_enable_device */
static void acpi_memory_device_add(struct memhp_machine *m, struct acpi_memdev *d)
{
	char acpi_name[16];
	int mgid, ret;

	dimm_acpi_name(d, acpi_name, sizeof(acpi_name));
	mgid = memory_group_register(m, d->node, false, PFN_UP_M(m, d->size));
	if (mgid < 0) {
		d->add_error = mgid;
		mlog(m, "acpi %s: acpi_memory_enable_device() error", acpi_name);
		return;
	}
	ret = add_memory(m, mgid, d->addr, d->size,
			 MEMHP_MHP_NID_IS_MGID | MEMHP_MHP_MEMMAP_ON_MEMORY, "System RAM");
	if (ret && ret != -EEXIST) {
		mlog(m, "acpi %s: add_memory failed", acpi_name);
		mlog(m, "acpi %s: acpi_memory_enable_device() error", acpi_name);
		memory_group_unregister(m, mgid);
		d->add_error = ret;
		return;
	}
	walk_memory_blocks(m, d->addr, d->size, acpi_name, bind_block);
	d->mgid = mgid;
	d->enabled = true;
	d->add_error = 0;
}

/* an ACPI bus rescan: every present, not yet enabled device, in order */
static void acpi_bus_scan(struct memhp_machine *m)
{
	struct acpi_memdev *list[64];
	size_t n = 0;

	if (m->params.acpi_no_memhotplug)
		return;
	for (struct acpi_memdev *d = m->acpi_devs; d && n < ARRAY_SIZE(list); d = d->next)
		list[n++] = d;
	/* m->acpi_devs is newest first; the scan goes in device order */
	while (n--)
		if (!list[n]->enabled && !list[n]->nvdimm)
			acpi_memory_device_add(m, list[n]);
}

static void fill_info(struct memhp_machine *m, const struct acpi_memdev *d,
		      struct memhp_dimm_info *info)
{
	if (!info)
		return;
	info->addr = d->addr;
	info->size = d->size;
	info->node = d->node;
	info->enabled = d->enabled;
	info->add_error = d->add_error;
	info->first_block = phys_to_block_id(m, d->addr);
	info->last_block = phys_to_block_id(m, d->addr + d->size - 1);
}

/*
 * QEMU's part of plugging a memory device (pc_dimm_pre_plug,
 * memory_device_pre_plug): a free slot, room under maxmem, a place in the
 * window, and the backend.  The device is not listed yet.
 */
static int memory_device_plug(struct memhp_machine *m, const char *name, uint64_t size, int node,
			      uint64_t addr, int fd, struct acpi_memdev **out)
{
	struct acpi_memdev *d;
	uint64_t used = 0;
	unsigned int count = 0;
	int ret;

	if (!name || !*name || strlen(name) >= sizeof(d->name))
		return -EINVAL;
	if (!size || size % m->page_size)
		return -EINVAL;
	/* QEMU's node= is a proximity domain: the kernel's node may differ */
	node = pxm_to_dimm_node(m, node);
	if (node < 0)
		return -EINVAL;
	if (find_dimm(m, name))
		return -EEXIST;
	for (d = m->acpi_devs; d; d = d->next) {
		used += d->size;
		count++;
	}
	if (count >= m->slots)
		return -ENOSPC;	/* no free slot */
	if (used + size > m->hotplug_size)
		return -ENOSPC;	/* exceeds maxmem */
	ret = place_dimm(m, size, &addr);
	if (ret)
		return ret;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->addr = addr;
	d->size = size;
	d->node = node;
	d->mgid = -1;
	ret = physdev_create(m, name, addr, size, fd, &d->dev);
	if (ret) {
		free(d);
		return ret;
	}
	*out = d;
	return 0;
}

int acpi_dimm_add(struct memhp_machine *m, const char *name, uint64_t size, int node,
		  uint64_t addr, int fd, struct memhp_dimm_info *info)
{
	struct acpi_memdev *d;
	int ret;

	lockdep_assert_held(&m->device_hotplug_lock);
	ret = memory_device_plug(m, name, size, node, addr, fd, &d);
	if (ret)
		return ret;
	/* ACPI device ids are handed out in plug order, never reused */
	d->index = 0;
	for (struct acpi_memdev *o = m->acpi_devs; o; o = o->next)
		if (!o->nvdimm && o->index >= d->index)
			d->index = o->index + 1;
	d->next = m->acpi_devs;
	m->acpi_devs = d;
	acpi_bus_scan(m);
	fill_info(m, d, info);
	return 0;
}

/*
 * An NVDIMM (QEMU -device nvdimm) is a memory device like a DIMM for QEMU
 * - it takes a slot and its place in the window - but the NFIT describes
 * it, not an ACPI memory device: the memory driver never sees it, the nd
 * bus owns it (nd_init), and QEMU cannot unplug it.
 */
int acpi_nvdimm_plug(struct memhp_machine *m, const char *name, uint64_t size, int node)
{
	struct acpi_memdev *d;
	int ret = memory_device_plug(m, name, size, node, MEMHP_ADDR_AUTO, -1, &d);

	if (ret)
		return ret;
	d->nvdimm = true;
	d->next = m->acpi_devs;
	m->acpi_devs = d;
	return 0;
}

/* the i-th NVDIMM in plug order (NFIT SPA ranges are listed that way) */
int acpi_nvdimm_get(struct memhp_machine *m, unsigned int i, struct physdev **dev, int *nid)
{
	struct acpi_memdev *list[64];
	size_t n = 0;

	for (struct acpi_memdev *d = m->acpi_devs; d && n < ARRAY_SIZE(list); d = d->next)
		if (d->nvdimm)
			list[n++] = d;
	if (i >= n)
		return -ENOENT;
	*dev = list[n - 1 - i]->dev;
	*nid = list[n - 1 - i]->node;
	return 0;
}

struct eject_state {
	const char *acpi_name;
	unsigned long *put_online;	/* block ids offlined by the eject */
	size_t nr_put_online;
	long errdev;
	bool second_pass;
};

static bool was_put_online(const struct eject_state *s, unsigned long id)
{
	for (size_t i = 0; i < s->nr_put_online; i++)
		if (s->put_online[i] == id)
			return true;
	return false;
}

/* acpi_bus_offline over the device's physical nodes (its blocks) */
static int acpi_bus_offline(struct memhp_machine *m, struct memory_block *mem, void *arg)
{
	struct eject_state *s = arg;
	int ret;

	if (strcmp(mem->firmware_node, s->acpi_name))
		return 0;
	if (s->second_pass && was_put_online(s, mem->id))
		return 0;
	ret = device_offline(m, mem);
	if (ret == 0) {
		s->put_online[s->nr_put_online++] = mem->id;
	} else if (ret < 0) {
		s->errdev = (long)mem->id;
		if (s->second_pass)
			return ret;
	}
	return 0;
}

int acpi_dimm_remove(struct memhp_machine *m, const char *name)
{
	struct acpi_memdev *d = find_dimm(m, name), **p;
	struct eject_state s = { 0 };
	char acpi_name[16];
	int ret = 0;

	lockdep_assert_held(&m->device_hotplug_lock);
	if (!d)
		return -ENOENT;
	if (d->nvdimm)
		return -EOPNOTSUPP;	/* "nvdimm does not support hot-unplug" */
	if (d->enabled) {
		s.acpi_name = dimm_acpi_name(d, acpi_name, sizeof(acpi_name));
		s.put_online = calloc(d->size / m->block_size + 1, sizeof(*s.put_online));
		if (!s.put_online)
			return -ENOMEM;
		s.errdev = -1;
		walk_memory_blocks(m, d->addr, d->size, &s, acpi_bus_offline);
		if (s.errdev >= 0) {
			s.errdev = -1;
			s.second_pass = true;
			walk_memory_blocks(m, d->addr, d->size, &s, acpi_bus_offline);
		}
		if (s.errdev >= 0) {
			mlog(m, "memory memory%ld: Offline failed.", s.errdev);
			for (size_t i = 0; i < s.nr_put_online; i++)
				device_online(m, find_memory_block_by_id(m, s.put_online[i]));
			free(s.put_online);
			return -EBUSY;
		}
		free(s.put_online);
		/* acpi_memory_device_remove: __remove_memory must not fail now */
		ret = try_remove_memory(m, d->addr, d->size);
		if (ret) {
			mlog(m, "BUG: __remove_memory failed: %d", ret);
			return ret;
		}
		memory_group_unregister(m, d->mgid);
	}
	for (p = &m->acpi_devs; *p; p = &(*p)->next) {
		if (*p == d) {
			*p = d->next;
			break;
		}
	}
	physdev_destroy(m, d->dev);
	free(d);
	return 0;
}

int acpi_dimm_info(struct memhp_machine *m, const char *name, struct memhp_dimm_info *info)
{
	struct acpi_memdev *d = find_dimm(m, name);

	if (!d || d->nvdimm)
		return -ENOENT;
	fill_info(m, d, info);
	return 0;
}

/* plug order, as QEMU's query-memory-devices lists them */
size_t acpi_dimm_list(struct memhp_machine *m, char (*names)[MEMHP_DIMM_NAME_MAX], size_t max)
{
	size_t n = 0, i = 0;

	for (const struct acpi_memdev *d = m->acpi_devs; d; d = d->next)
		n += !d->nvdimm;
	/* m->acpi_devs is newest first: the i-th DIMM from its head is n-1-i */
	for (const struct acpi_memdev *d = m->acpi_devs; d; d = d->next) {
		if (d->nvdimm)
			continue;
		if (n - 1 - i < max)
			snprintf(names[n - 1 - i], MEMHP_DIMM_NAME_MAX, "%s", d->name);
		i++;
	}
	return n;
}

void acpi_destroy(struct memhp_machine *m)
{
	while (m->acpi_devs) {
		struct acpi_memdev *d = m->acpi_devs;

		m->acpi_devs = d->next;
		free(d);
	}
}

/*
 * The kernel's node ids are not QEMU's: acpi_numa_init hands node ids out
 * in the order proximity domains first appear in SRAT
 * (acpi_map_pxm_to_node), and QEMU's build_srat writes the CPUs' entries
 * (all on PXM 0 here), then a memory entry per node that has boot memory,
 * one per NVDIMM (nvdimm_build_srat, on its node=), then the hot-plug
 * window's entry on the last PXM.  A memory-less PXM that none of them
 * names is never named: it gets no node at all, and a DIMM
 * whose _PXM names it lands, through memory_add_physaddr_to_nid, on the
 * node of the first boot memory block (node 0).  Per-node boot memory is
 * renumbered to the kernel's nodes here.
 */
/*
 * numa_meminfo_cover_memory: when the SRAT leaves a megabyte or more of
 * memblock's memory to no node - the nomap firmware memory EDK2 hands an
 * arm64 virt guest, which QEMU's SRAT does not describe - NUMA init fails
 * and the kernel fakes one node over all of it (dummy_numa_init).
 */
static bool srat_covers_memory(struct memhp_machine *m, const struct memhp_config *cfg)
{
	uint64_t uncovered = m->arch->fw_nomap_size;

	if (cfg->nr_nodes < 2 || uncovered < (1ULL << 20))
		return true;
	m->numa_uncovered = uncovered;	/* said in the log when it exists (boot) */
	return false;
}

void srat_map_pxms(struct memhp_machine *m, struct memhp_config *cfg)
{
	uint64_t mem[MEMHP_MAX_NODES];
	unsigned int nodes = 0;

	m->nr_pxms = cfg->nr_nodes;
	for (unsigned int p = 0; p < m->nr_pxms; p++)
		m->pxm_to_node[p] = NUMA_NO_NODE;
	if (!srat_covers_memory(m, cfg)) {
		/* one node, every proximity domain's memory on it */
		for (unsigned int p = 0; p < m->nr_pxms; p++)
			m->pxm_to_node[p] = 0;
		m->first_memblk_node = 0;
		cfg->nr_nodes = 1;
		cfg->explicit_node_mem = 0;
		return;
	}
	if (cfg->nr_nodes < 2 || !cfg->explicit_node_mem) {
		/* no SRAT, or every node has memory: the order is the PXMs' */
		for (unsigned int p = 0; p < m->nr_pxms; p++)
			m->pxm_to_node[p] = (int)p;
		return;
	}
	m->pxm_to_node[0] = (int)nodes++;			/* the CPU's entry */
	for (unsigned int p = 1; p < m->nr_pxms; p++)		/* boot memory */
		if (cfg->node_mem[p])
			m->pxm_to_node[p] = (int)nodes++;
	for (unsigned int i = 0; i < cfg->nr_nvdimm; i++) {	/* nvdimm_build_srat */
		int p = cfg->nvdimm ? cfg->nvdimm[i].node : -1;

		if (p >= 0 && (unsigned int)p < m->nr_pxms && m->pxm_to_node[p] == NUMA_NO_NODE)
			m->pxm_to_node[p] = (int)nodes++;
	}
	if (m->pxm_to_node[m->nr_pxms - 1] == NUMA_NO_NODE)	/* the window */
		m->pxm_to_node[m->nr_pxms - 1] = (int)nodes++;
	memset(mem, 0, sizeof(mem));
	m->first_memblk_node = NUMA_NO_NODE;
	for (unsigned int p = 0; p < m->nr_pxms; p++) {
		if (m->pxm_to_node[p] != NUMA_NO_NODE)
			mem[m->pxm_to_node[p]] = cfg->node_mem[p];
		if (cfg->node_mem[p] && m->first_memblk_node == NUMA_NO_NODE)
			m->first_memblk_node = m->pxm_to_node[p];
	}
	memcpy(cfg->node_mem, mem, sizeof(mem));
	cfg->nr_nodes = nodes;
}

/* the node a DIMM whose _PXM is PXM lands on (acpi_memory_enable_device) */
int pxm_to_dimm_node(struct memhp_machine *m, int pxm)
{
	if (pxm < 0 || (unsigned int)pxm >= m->nr_pxms)
		return -EINVAL;
	/* an unnamed PXM: memory_add_physaddr_to_nid finds the window in no
	 * boot block and answers numa_meminfo.blk[0]'s node */
	return m->pxm_to_node[pxm] != NUMA_NO_NODE ? m->pxm_to_node[pxm] : m->first_memblk_node;
}
