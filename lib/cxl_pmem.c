// SPDX-License-Identifier: MIT
/*
 * cxl_pmem.c - CXL persistent memory handed to libnvdimm, as
 * drivers/cxl/core/pmem.c, drivers/cxl/pmem.c and core/region.c's
 * devm_cxl_add_pmem_region do it (Linux 6.12), under cxl_test (whose
 * mock names the nd bus's provider "cxl_test", __wrap_nvdimm_bus_register):
 *
 *   nvdimm-bridgeN    a child of the root port when some root decoder
 *                     can decode pmem (add_root_nvdimm_bridge), bound to
 *                     cxl_nvdimm_bridge: it registers an nd bus, ndbusM
 *                     (nd_ida, shared with e820's and the NFIT's buses);
 *   pmemN             a child of memN when the memdev has pmem capacity,
 *                     made by cxl_mem's probe before the endpoint
 *                     (devm_cxl_add_nvdimm; no bridge: -ENODEV, the probe
 *                     fails), bound to cxl_nvdimm: an nvdimm, nmemK
 *                     (dimm_ida), on the bridge's bus;
 *   pmem_regionN      a child of pmem regionN when cxl_region binds it
 *                     (devm_cxl_add_pmem_region: not committed -ENXIO, no
 *                     bridge -ENODEV), bound to cxl_pmem_region: its HPA
 *                     inserted in iomem as "Persistent Memory" (above
 *                     regionN's own entry), and an nd region, regionN (the
 *                     CXL region's memregion id), on the bridge's bus with
 *                     a mapping per target: the memdev's nvdimm, its DPA.
 *
 * Teardown is the reverse, in the devm order of each owner: a region's
 * driver released takes its pmem_region (nd region, then the iomem
 * entry); cxl_mem's remove takes pmemN after the endpoint; cxl_acpi's
 * takes the bridge first, whose own remove releases what hangs on it.
 * None of the three drivers can be bound or unbound by hand
 * (suppress_bind_attrs).  A probe that fails leaves its device
 * registered and unbound, as the driver core does.  b->lock held.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "cxl.h"

/* a device of kind under parent, not gone, or -1 */
static int child_of_kind(const struct cxl_bus *b, int parent, enum cxl_kind kind)
{
	for (int i = 0, n = cxl_nr(b); i < n; i++)
		if (b->dev[i].parent == parent && b->dev[i].kind == kind && !cxl_gone(&b->dev[i]))
			return i;
	return -1;
}

static void set_bound(struct cxl_dev *d, bool bound)
{
	__atomic_store_n(&d->bound, bound, __ATOMIC_RELEASE);
}

static void unregister(struct cxl_dev *d)
{
	__atomic_store_n(&d->gone, true, __ATOMIC_RELEASE);
}

/* ---- the bridge: nvdimm-bridgeN and its nd bus --------------------------- */

/* cxl_find_nvdimm_bridge: the bridge under the root above port, or -1 */
int cxl_nvdimm_bridge_of(const struct cxl_bus *b, int port)
{
	while (port >= 0 && b->dev[port].kind != CXL_ROOT)
		port = b->dev[port].parent;
	return port < 0 ? -1 : child_of_kind(b, port, CXL_NVDIMM_BRIDGE);
}

/* cxl_nvdimm_bridge_probe: nvdimm_bus_register, which fails only for want of memory */
static int bridge_probe(struct memhp_machine *m, int nvb)
{
	int id = nd_bus_id_alloc(m);

	if (id < 0)
		return -ENOMEM;
	m->cxl->dev[nvb].nd_id = id;
	set_bound(&m->cxl->dev[nvb], true);
	return 0;
}

static bool root_decodes_pmem(const struct cxl_bus *b, int root)
{
	for (int i = 0, n = cxl_nr(b); i < n; i++)
		if (b->dev[i].kind == CXL_DECODER && b->dev[i].parent == root && !cxl_gone(&b->dev[i]) &&
		    (b->dev[i].dec.flags & CXL_DECODER_F_PMEM))
			return true;
	return false;
}

/*
 * add_root_nvdimm_bridge: the first pmem capable root decoder adds the
 * bridge (cxl_nvdimm_bridge_ida), which cxl_nvdimm_bridge probes at
 * once.  Without one there is no bridge, and no error.
 */
int cxl_nvdimm_bridge_add(struct memhp_machine *m, int root)
{
	struct cxl_bus *b = m->cxl;
	int id, nvb, ret;

	if (!root_decodes_pmem(b, root))
		return 0;
	for (id = 0; id < CXL_MAX_BRIDGE_IDS && b->bridge_id_used[id]; id++)
		;
	if (id == CXL_MAX_BRIDGE_IDS)
		return -ENOMEM;
	nvb = cxl_dev_alloc(b, CXL_NVDIMM_BRIDGE, root, "nvdimm-bridge%d", id, 0);
	if (nvb < 0)
		return nvb;
	b->bridge_id_used[id] = true;
	b->dev[nvb].id = id;
	b->dev[nvb].nd_id = -1;
	cxl_publish(b);
	/* a failed probe leaves the bridge registered without a bus */
	ret = bridge_probe(m, nvb);
	if (ret)
		mlog(m, "cxl_nvdimm_bridge %s: probe with driver cxl_nvdimm_bridge failed with error %d",
		     b->dev[nvb].name, ret);
	return 0;
}

static void nvdimm_release_driver(struct memhp_machine *m, int nvd);
static void pmem_region_unregister(struct memhp_machine *m, int pr);

/*
 * unregister_nvb: the bridge's driver goes first - the pmem regions on
 * its bus (cxlr_pmem_unregister, registered on the bridge after its
 * probe), then unregister_nvdimm_bus (detach_nvdimm: every pmemN on it
 * loses cxl_nvdimm, then the bus) - and then the bridge.
 */
void cxl_nvdimm_bridge_remove(struct memhp_machine *m, int root)
{
	struct cxl_bus *b = m->cxl;
	int nvb = child_of_kind(b, root, CXL_NVDIMM_BRIDGE);

	if (nvb < 0)
		return;
	if (cxl_bound(&b->dev[nvb])) {
		for (int i = 0, n = cxl_nr(b); i < n; i++) {
			struct cxl_dev *r = &b->dev[i];

			if (r->kind == CXL_REGION && !cxl_gone(r) && r->reg.pmem_region >= 0) {
				pmem_region_unregister(m, r->reg.pmem_region);
				r->reg.pmem_region = -1;
			}
		}
		for (int i = 0, n = cxl_nr(b); i < n; i++)
			if (b->dev[i].kind == CXL_NVDIMM && !cxl_gone(&b->dev[i]) && b->dev[i].nvb == nvb)
				nvdimm_release_driver(m, i);
		nd_bus_id_free(m, b->dev[nvb].nd_id);
		b->dev[nvb].nd_id = -1;
		set_bound(&b->dev[nvb], false);
	}
	b->bridge_id_used[b->dev[nvb].id] = false;
	unregister(&b->dev[nvb]);
}

/* ---- pmemN: a memdev's nvdimm ------------------------------------------------ */

/* cxl_nvdimm_probe: __nvdimm_create on the bridge's bus (dimm_ida) */
static int nvdimm_probe(struct memhp_machine *m, int nvd, int nvb)
{
	struct cxl_bus *b = m->cxl;
	int id;

	/* the bridge's bus: a bridge whose probe failed has none to offer */
	if (!cxl_bound(&b->dev[nvb]))
		return -ENXIO;
	for (id = 0; id < CXL_MAX_NVDIMM_IDS && b->nvdimm_id_used[id]; id++)
		;
	if (id == CXL_MAX_NVDIMM_IDS)
		return -ENOMEM;
	b->nvdimm_id_used[id] = true;
	b->dev[nvd].nd_id = id;
	set_bound(&b->dev[nvd], true);
	return 0;
}

/* cxl_nvdimm's remove: nvdimm_delete, the nmem and its id gone */
static void nvdimm_release_driver(struct memhp_machine *m, int nvd)
{
	struct cxl_bus *b = m->cxl;

	if (!cxl_bound(&b->dev[nvd]))
		return;
	b->nvdimm_id_used[b->dev[nvd].nd_id] = false;
	b->dev[nvd].nd_id = -1;
	set_bound(&b->dev[nvd], false);
}

/*
 * devm_cxl_add_nvdimm: pmemN (N the memdev's id) under memN, found the
 * bridge of parent_port's root; cxl_nvdimm binds it as it appears.
 */
int cxl_nvdimm_add(struct memhp_machine *m, int md, int parent_port)
{
	struct cxl_bus *b = m->cxl;
	int nvb = cxl_nvdimm_bridge_of(b, parent_port), nvd, ret;

	if (nvb < 0)
		return -ENODEV;
	nvd = cxl_dev_alloc(b, CXL_NVDIMM, md, "pmem%d", b->dev[md].id, 0);
	if (nvd < 0)
		return nvd;
	b->dev[nvd].nd_id = -1;
	b->dev[nvd].nvb = nvb;
	cxl_publish(b);
	b->dev[md].nvdimm = nvd;
	ret = nvdimm_probe(m, nvd, nvb);
	if (ret && ret != -ENXIO && ret != -ENODEV)
		mlog(m, "cxl_nvdimm %s: probe with driver cxl_nvdimm failed with error %d", b->dev[nvd].name,
		     ret);
	return 0;
}

/* cxlmd_release_nvdimm: pmemN unregistered, its driver released first */
void cxl_nvdimm_remove(struct memhp_machine *m, int md)
{
	struct cxl_bus *b = m->cxl;
	int nvd = b->dev[md].nvdimm;

	if (nvd < 0)
		return;
	nvdimm_release_driver(m, nvd);
	unregister(&b->dev[nvd]);
	b->dev[md].nvdimm = -1;
}

/* ---- pmem_regionN: a pmem region's nd region --------------------------------- */

/* cxl_pmem_region_info, the bytes nd_fletcher64 sums for the cookie */
struct pmem_region_info {
	uint64_t offset;
	uint64_t serial;
};

/*
 * The interleave-set cookie (cookie1 = cookie2): fletcher64 over each
 * mapping's DPA offset and memdev serial, in position order.
 */
static uint64_t interleave_set_cookie(const struct cxl_bus *b, const struct cxl_pmem_region *p)
{
	struct pmem_region_info info[CXL_REGION_MAX_WAYS];

	for (int i = 0; i < p->nr_mappings; i++) {
		info[i].offset = p->mapping[i].start;
		info[i].serial = b->dev[p->mapping[i].memdev].serial;
	}
	return nd_fletcher64((const uint32_t *)(const void *)info, sizeof(info[0]) * (size_t)p->nr_mappings / 4);
}

/*
 * cxl_pmem_region_probe: "Persistent Memory" over the HPA (insert_resource:
 * -EBUSY on a conflict), then every mapping's memdev must have its nvdimm
 * (pmemN bound; -ENODEV), then the nd region on the bridge's bus, on the
 * node memory_add_physaddr_to_nid gives a window no SRAT describes (0),
 * its target node the same (phys_to_target_node has none).
 */
static int pmem_region_probe(struct memhp_machine *m, int pr)
{
	struct cxl_bus *b = m->cxl;
	struct cxl_pmem_region *p = &b->dev[pr].pmem;
	int ret;

	p->res = iomem_insert(m, p->start, p->size, "Persistent Memory", IORESOURCE_MEM);
	if (!p->res)
		return -EBUSY;
	for (int i = 0; i < p->nr_mappings; i++) {
		int nvd = b->dev[p->mapping[i].memdev].nvdimm;

		if (nvd < 0 || !cxl_bound(&b->dev[nvd])) {
			ret = -ENODEV;	/* "no nvdimm found" */
			goto remove_resource;
		}
	}
	p->numa_node = p->target_node = 0;
	p->cookie = interleave_set_cookie(b, p);
	set_bound(&b->dev[pr], true);
	return 0;
remove_resource:
	iomem_release(m, &p->res);
	return ret;
}

/* cxl_pmem_region's remove: the nd region deleted, then the iomem entry */
static void pmem_region_release_driver(struct memhp_machine *m, int pr)
{
	struct cxl_dev *d = &m->cxl->dev[pr];

	if (!cxl_bound(d))
		return;
	set_bound(d, false);
	iomem_release(m, &d->pmem.res);
}

static void pmem_region_unregister(struct memhp_machine *m, int pr)
{
	pmem_region_release_driver(m, pr);
	unregister(&m->cxl->dev[pr]);
}

/*
 * devm_cxl_add_pmem_region: cxl_pmem_region_alloc snapshots the committed
 * region (its HPA, each target's memdev and DPA) and finds the bridge of
 * its first target's root; pmem_regionN (N the region's id) is added
 * under regionN, and cxl_pmem_region binds it.  memhp's bridge is bound
 * whenever it exists but for a failed bus registration: -ENXIO then, the
 * device not left behind.
 */
int cxl_pmem_region_add(struct memhp_machine *m, int r)
{
	struct cxl_bus *b = m->cxl;
	const struct cxl_region *reg = &b->dev[r].reg;
	struct cxl_pmem_region *p;
	int nvb, pr, ret;

	if (reg->state != CXL_CONFIG_COMMIT)
		return -ENXIO;
	/* regions never span roots: the first target's bridge is every target's */
	nvb = cxl_nvdimm_bridge_of(b, b->dev[reg->target[0]].parent);
	if (nvb < 0)
		return -ENODEV;
	pr = cxl_dev_alloc(b, CXL_PMEM_REGION, r, "pmem_region%d", b->dev[r].id, 0);
	if (pr < 0)
		return pr;
	b->dev[pr].nvb = nvb;
	p = &b->dev[pr].pmem;
	p->start = reg->res->start;
	p->size = reg->res->end - reg->res->start + 1;
	p->nr_mappings = reg->nr_targets;
	for (int i = 0; i < reg->nr_targets; i++) {
		const struct cxl_decoder *d = &b->dev[reg->target[i]].dec;

		p->mapping[i].memdev = b->dev[b->dev[reg->target[i]].parent].uport;
		p->mapping[i].start = d->dpa_start;
		p->mapping[i].size = d->dpa_size;
	}
	if (!cxl_bound(&b->dev[nvb])) {
		/* the slot is unpublished: the next device takes it */
		return -ENXIO;
	}
	cxl_publish(b);
	b->dev[r].reg.pmem_region = pr;
	ret = pmem_region_probe(m, pr);
	if (ret == -EBUSY || ret == -ENOMEM)
		mlog(m, "cxl_pmem_region %s: probe with driver cxl_pmem_region failed with error %d",
		     b->dev[pr].name, ret);
	return 0;
}

/* cxlr_release_nvdimm: the region's pmem_region unregistered, if it has one */
void cxl_pmem_region_remove(struct memhp_machine *m, int r)
{
	struct cxl_region *reg = &m->cxl->dev[r].reg;

	if (reg->pmem_region < 0)
		return;
	pmem_region_unregister(m, reg->pmem_region);
	reg->pmem_region = -1;
}
