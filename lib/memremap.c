// SPDX-License-Identifier: MIT
/*
 * memremap.c - ZONE_DEVICE memory: memremap_pages / memunmap_pages
 * (mm/memremap.c), the other user of the vmem_altmap.
 *
 * Device memory that is not onlined as System RAM (a pmem namespace, a
 * device-dax instance) still gets struct pages, so that the pages can be
 * mapped and pinned like any other.  A dev_pagemap describes such memory:
 * one or more physical ranges, a type, optionally an altmap (then the
 * memmap is carved from the device itself, as with memmap_on_memory) and a
 * compound page order (vmemmap_shift; the memmap of every compound page is
 * then deduplicated to 2 pages, see sparse.c).
 *
 * Mapping a range, in the kernel's order (pagemap_range):
 *   1. refuse a range that shares a section with another pgmap (-ENOMEM,
 *      "Conflicting mapping in same section") or intersects System RAM
 *      (-ENXIO), or lies beyond the modelled physical space (-EINVAL);
 *   2. record the pgmap (get_dev_pagemap finds it by pfn from now on);
 *   3. arch_add_memory: the direct map and every section's memmap (from the
 *      altmap, else the buddy of the node's DRAM); nr_memmap_pages counts it;
 *   4. grow the span of the node's ZONE_DEVICE and initialise every struct
 *      page as a reserved ZONE_DEVICE page of the pgmap (memmap_init_zone_device):
 *      a head for every compound page, tails pointing back at it.
 * Unmapping undoes 3 and 2; a ZONE_DEVICE span never shrinks (the kernel's
 * remove_pfn_range_from_zone returns early for it) and its sections are
 * never online, so the buddy, the audit and the memory blocks never see them.
 *
 * Whole sections only: the kernel also maps 2 MiB subsections, memhp's
 * sections are all-or-nothing, so an unaligned range gets -EINVAL.  Page
 * references (get_dev_pagemap/put_dev_pagemap waits, page_free) are not
 * modelled: the owner of a pgmap unmaps it only when its users are gone.
 * Caller holds device_hotplug_lock.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static unsigned long range_pfn(struct memhp_machine *m, uint64_t phys)
{
	return PHYS_PFN_M(m, phys);
}

static unsigned long range_nr_pages(struct memhp_machine *m, const struct pgmap_range *r)
{
	return PHYS_PFN_M(m, r->end - r->start + 1);
}

static struct vmem_altmap *pgmap_altmap(struct dev_pagemap *pgmap)
{
	return (pgmap->flags & PGMAP_ALTMAP_VALID) ? &pgmap->altmap : NULL;
}

static bool pgmap_covers(struct memhp_machine *m, const struct dev_pagemap *pgmap, unsigned long pfn)
{
	for (int i = 0; i < pgmap->nr_mapped; i++) {
		unsigned long s = range_pfn(m, pgmap->ranges[i].start);

		if (pfn >= s && pfn < s + range_nr_pages(m, &pgmap->ranges[i]))
			return true;
	}
	return false;
}

struct dev_pagemap *get_dev_pagemap(struct memhp_machine *m, unsigned long pfn)
{
	struct dev_pagemap *found = NULL;

	pthread_mutex_lock(&m->resource_lock);
	for (struct dev_pagemap *p = m->pgmaps; p && !found; p = p->next)
		if (pgmap_covers(m, p, pfn))
			found = p;
	pthread_mutex_unlock(&m->resource_lock);
	return found;
}

/* another pgmap in the section of pfn (the kernel's xarray is per pfn,
 * but its sections are shared: memhp's are not, so compare sections) */
static bool section_conflict(struct memhp_machine *m, unsigned long pfn)
{
	unsigned long first = ALIGN_DOWN(pfn, m->pages_per_section);

	for (unsigned long p = first; p < first + m->pages_per_section; p += m->pageblock_nr_pages)
		if (get_dev_pagemap(m, p))
			return true;
	return false;
}

/* memmap_init_zone_device: reserved ZONE_DEVICE pages, compound heads/tails */
static void memmap_init_zone_device(struct memhp_machine *m, struct dev_pagemap *pgmap,
				    int nid, unsigned long start, unsigned long nr)
{
	unsigned long per = 1UL << pgmap->vmemmap_shift;

	for (unsigned long pfn = start; pfn < start + nr; pfn++) {
		unsigned long head = ALIGN_DOWN(pfn - start, per) + start;
		struct page *p = pfn_to_page(m, pfn);

		/*
		 * Tails of a deduplicated compound share their struct pages:
		 * write only what is the same for all of them.
		 */
		init_single_page(m, pfn, ZONE_DEVICE, nid);
		page_flags_set(p, PG_reserved);
		p->owner = (uint64_t)(uintptr_t)pgmap;
		if (per == 1)
			continue;
		if (pfn == head) {
			page_flags_set(p, PG_head);
			p->order = (uint8_t)pgmap->vmemmap_shift;
		} else {
			page_flags_set(p, PG_tail);
			p->private = head;	/* compound_head */
		}
	}
}

static int check_range(struct memhp_machine *m, const struct pgmap_range *r)
{
	uint64_t size = r->end - r->start + 1;
	uint64_t section = PFN_PHYS_M(m, m->pages_per_section);

	if (r->end < r->start || !IS_ALIGNED(r->start, section) || !IS_ALIGNED(size, section)) {
		mlog(m, "memremap_pages: %#llx-%#llx is not section aligned",
		     (unsigned long long)r->start, (unsigned long long)r->end);
		return -EINVAL;
	}
	if (section_conflict(m, range_pfn(m, r->start)) || section_conflict(m, range_pfn(m, r->end))) {
		mlog(m, "WARNING: Conflicting mapping in same section");
		return -ENOMEM;
	}
	pthread_mutex_lock(&m->resource_lock);
	size = resource_count_system_ram_pages(m, range_pfn(m, r->start), PHYS_PFN_M(m, size));
	pthread_mutex_unlock(&m->resource_lock);
	if (size) {
		mlog(m, "WARNING: attempted on ram region %#llx-%#llx", (unsigned long long)r->start,
		     (unsigned long long)r->end);
		return -ENXIO;
	}
	if (r->end >= m->max_phys) {
		mlog(m, "Hotplug memory [%#llx-%#llx] exceeds maximum addressable address",
		     (unsigned long long)r->start, (unsigned long long)r->end);
		return -EINVAL;
	}
	return 0;
}

/* pagemap_range: steps 3 and 4 of the header for range i */
static int pagemap_range(struct memhp_machine *m, struct dev_pagemap *pgmap, int i, int nid)
{
	const struct pgmap_range *r = &pgmap->ranges[i];
	unsigned long start = range_pfn(m, r->start), nr = range_nr_pages(m, r);
	bool direct = pgmap->type != MEMORY_DEVICE_PRIVATE;
	int ret;

	mem_hotplug_begin(m);
	ret = direct ? direct_map_add(m, r->start, r->end - r->start + 1) : 0;
	if (ret)
		goto out;
	ret = sparse_add_sections(m, nid, start, nr, pgmap_altmap(pgmap), pgmap);
	if (ret) {
		if (direct)
			direct_map_remove(m, r->start, r->end - r->start + 1);
		goto out;
	}
	zone_span_grow(m, &m->nodes[nid].node_zones[ZONE_DEVICE], start, nr);
	memmap_init_zone_device(m, pgmap, nid, start, nr);
out:
	mem_hotplug_done(m);
	return ret;
}

static void pageunmap_range(struct memhp_machine *m, struct dev_pagemap *pgmap, int i)
{
	const struct pgmap_range *r = &pgmap->ranges[i];
	unsigned long start = range_pfn(m, r->start);

	mem_hotplug_begin(m);
	sparse_remove_sections(m, start, range_nr_pages(m, r), pgmap_altmap(pgmap), pgmap);
	if (pgmap->type != MEMORY_DEVICE_PRIVATE)
		direct_map_remove(m, r->start, r->end - r->start + 1);
	mem_hotplug_done(m);
}

static void pgmap_list_del(struct memhp_machine *m, struct dev_pagemap *pgmap)
{
	pthread_mutex_lock(&m->resource_lock);
	for (struct dev_pagemap **p = &m->pgmaps; *p; p = &(*p)->next) {
		if (*p == pgmap) {
			*p = pgmap->next;
			break;
		}
	}
	pthread_mutex_unlock(&m->resource_lock);
	pgmap->nr_mapped = 0;
}

int memremap_pages(struct memhp_machine *m, struct dev_pagemap *pgmap, int nid)
{
	int ret = 0, i;

	if (pgmap->nr_range < 1 || pgmap->nr_range > PGMAP_MAX_RANGES)
		return -EINVAL;
	if (pgmap_altmap(pgmap) && pgmap->nr_range > 1) {
		mlog(m, "WARNING: altmap not supported for multiple ranges");
		return -EINVAL;
	}
	if (nid < 0 || (unsigned int)nid >= m->nr_nodes)
		nid = 0;	/* numa_mem_id() of the one CPU */
	for (i = 0; i < pgmap->nr_range; i++) {
		ret = check_range(m, &pgmap->ranges[i]);
		if (ret)
			return ret;
	}
	pgmap->nid = nid;
	pgmap->nr_mapped = 0;
	/* xa_store_range: visible to get_dev_pagemap range by range */
	pthread_mutex_lock(&m->resource_lock);
	pgmap->next = m->pgmaps;
	m->pgmaps = pgmap;
	pthread_mutex_unlock(&m->resource_lock);
	for (i = 0; i < pgmap->nr_range; i++) {
		ret = should_fail(m) ? -ENOMEM : pagemap_range(m, pgmap, i, nid);
		if (ret)
			break;
		pthread_mutex_lock(&m->resource_lock);
		pgmap->nr_mapped = i + 1;
		pthread_mutex_unlock(&m->resource_lock);
	}
	if (ret) {
		while (i--)
			pageunmap_range(m, pgmap, i);
		pgmap_list_del(m, pgmap);
	}
	return ret;
}

void memunmap_pages(struct memhp_machine *m, struct dev_pagemap *pgmap)
{
	for (int i = pgmap->nr_mapped; i-- > 0;)
		pageunmap_range(m, pgmap, i);
	if (pgmap->altmap.alloc)
		mlog(m, "WARNING: failed to free all reserved pages");
	pgmap_list_del(m, pgmap);
}

/* machine teardown: the owners free the pgmaps, only the list goes */
void pgmaps_destroy(struct memhp_machine *m)
{
	m->pgmaps = NULL;
}
