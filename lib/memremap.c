// SPDX-License-Identifier: MIT
/*
 * memremap.c - ZONE_DEVICE memory: memremap_pages / memunmap_pages, the
 * dev_pagemap's reference count and the life of a ZONE_DEVICE page
 * (mm/memremap.c, memmap_init_zone_device of mm/mm_init.c).
 *
 * Device memory that is not onlined as System RAM (a pmem namespace, a
 * device-dax instance, a GPU's private memory) still gets struct pages, so
 * that its pages can be mapped, pinned and migrated like any other.  A
 * dev_pagemap describes such memory: one or more physical ranges, a type,
 * optionally an altmap (the memmap is then carved from the device itself,
 * as with memmap_on_memory), a compound page order (vmemmap_shift: the
 * memmap of every compound page is deduplicated to 2 pages, see sparse.c)
 * and, for the types that need them, the driver's ops and owner.
 *
 * Mapping range i, in the kernel's order (pagemap_range):
 *   1. refuse: an altmap with a second range (-EINVAL), a pfn at either end
 *      already in another pgmap (-ENOMEM, "Conflicting mapping in same
 *      section"), any System RAM in it (-ENXIO), beyond the physical
 *      address space (-EINVAL), not 2 MiB aligned for __add_pages
 *      (-EINVAL); a subsection already in use (-EEXIST, from sparse.c);
 *   2. make the range visible to get_dev_pagemap (the kernel's xarray);
 *   3. the memmap of every section (from the altmap, else the node's DRAM;
 *      nr_memmap_pages counts it) and, except for device-private memory
 *      that the CPU cannot address, the direct map;
 *   4. move_pfn_range_to_zone: ZONE_DEVICE's span grows; the altmap's own
 *      memmap pages become reserved ZONE_DEVICE pages, its `reserve` pfns
 *      are not touched at all;
 *   5. memmap_init_zone_device: every data page (from pfn_first: base +
 *      vmem_altmap_offset) a reserved ZONE_DEVICE page pointing at the
 *      pgmap, compound heads and tails, refcount 1 - or 0 for
 *      device-private/coherent pages, which belong to the driver's
 *      allocator until zone_device_page_init hands them out;
 *   6. the pgmap's reference count gains one per folio of the range
 *      (not for device-private/coherent: their allocated pages hold it).
 *
 * The reference count (the kernel's percpu_ref) starts at 1 and is taken
 * only while live: by get_dev_pagemap, by every device-private page handed
 * out.  memunmap_pages kills it (no new reference), drops the initial and
 * per-folio ones, and waits until the last holder lets go before it undoes
 * 3 and 2 range by range - so a pfn walker holding a reference never sees
 * its struct pages vanish.  A failure in memremap_pages unwinds through the
 * same memunmap_pages, as the kernel's does.  A ZONE_DEVICE span never
 * shrinks (remove_pfn_range_from_zone returns early for it) and the
 * sections are never online, so the buddy and the memory blocks never see
 * these pages.
 *
 * Page refcounts (put_device_page): FS_DAX pages count from 1 - idle at 1,
 * never freed; the others reach 0 and go back through ops->page_free
 * (free_zone_device_folio), after which GENERIC/P2PDMA pages are reset to
 * 1 and device-private/coherent ones drop their pgmap reference.
 *
 * Ranges are 2 MiB subsections (memremap_compat_align): a section can hold
 * several pgmaps and RAM, its memmap populated subsection by subsection
 * (sparse.c).  Caller holds device_hotplug_lock for memremap_pages/memunmap_pages.
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

/* pfn in [start, end] of range r */
static bool range_holds(struct memhp_machine *m, const struct pgmap_range *r, unsigned long pfn)
{
	return pfn >= range_pfn(m, r->start) && pfn <= range_pfn(m, r->end);
}

static struct vmem_altmap *pgmap_altmap(struct dev_pagemap *pgmap)
{
	return (pgmap->flags & PGMAP_ALTMAP_VALID) ? &pgmap->altmap : NULL;
}

/* first pfn with an initialised struct page: range 0 skips the altmap */
unsigned long pgmap_pfn_first(struct dev_pagemap *pgmap, int i)
{
	unsigned long pfn = range_pfn(pgmap->m, pgmap->ranges[i].start);

	return i ? pfn : pfn + vmem_altmap_offset(pgmap_altmap(pgmap));
}

static unsigned long pfn_end(struct dev_pagemap *pgmap, int i)
{
	return range_pfn(pgmap->m, pgmap->ranges[i].end + 1);
}

/* folios of range i: its share of the reference count */
static unsigned long pfn_len(struct dev_pagemap *pgmap, int i)
{
	return (pfn_end(pgmap, i) - pgmap_pfn_first(pgmap, i)) >> pgmap->vmemmap_shift;
}

bool pgmap_pfn_valid(struct dev_pagemap *pgmap, unsigned long pfn)
{
	for (int i = 0; i < pgmap->nr_mapped; i++)
		if (range_holds(pgmap->m, &pgmap->ranges[i], pfn))
			return pfn >= pgmap_pfn_first(pgmap, i);
	return false;
}

/* SUBSECTION_SIZE: the smallest unit memremap_pages can map on x86 */
unsigned long memremap_compat_align(const struct memhp_machine *m)
{
	(void)m;
	return 2UL << 20;
}

/* ---- the reference count ----------------------------------------------- */

/* percpu_ref_tryget_live: resource_lock held, so kill cannot interleave */
static bool pgmap_tryget_live(struct dev_pagemap *pgmap)
{
	if (pgmap->ref_dead)
		return false;
	atomic_fetch_add(&pgmap->ref, 1);
	return true;
}

static void pgmap_put_many(struct dev_pagemap *pgmap, long n)
{
	struct memhp_machine *m = pgmap->m;	/* pgmap may be gone after the last put */

	if (atomic_fetch_sub(&pgmap->ref, n) != n)
		return;
	/* dev_pagemap_percpu_release: complete(&pgmap->done) */
	pthread_mutex_lock(&m->resource_lock);
	pthread_cond_broadcast(&m->pgmap_released);
	pthread_mutex_unlock(&m->resource_lock);
}

void put_dev_pagemap(struct dev_pagemap *pgmap)
{
	if (pgmap)
		pgmap_put_many(pgmap, 1);
}

/* percpu_ref_kill, then wait_for_completion(&pgmap->done) */
static void pgmap_kill_and_wait(struct memhp_machine *m, struct dev_pagemap *pgmap)
{
	pthread_mutex_lock(&m->resource_lock);
	pgmap->ref_dead = true;
	pthread_mutex_unlock(&m->resource_lock);
	pgmap_put_many(pgmap, 1);
	if (pgmap_counts_folios(pgmap))
		for (int i = 0; i < pgmap->nr_mapped; i++)
			pgmap_put_many(pgmap, (long)pfn_len(pgmap, i));
	pthread_mutex_lock(&m->resource_lock);
	if (atomic_load(&pgmap->ref))
		mlog(m, "memunmap_pages: waiting for %ld references to the pgmap of %#llx",
		     atomic_load(&pgmap->ref), (unsigned long long)pgmap->ranges[0].start);
	while (atomic_load(&pgmap->ref))
		pthread_cond_wait(&m->pgmap_released, &m->resource_lock);
	pthread_mutex_unlock(&m->resource_lock);
}

/* the pgmap that range i of which holds pfn, resource_lock held */
static struct dev_pagemap *pgmap_lookup(struct memhp_machine *m, unsigned long pfn)
{
	for (struct dev_pagemap *p = m->pgmaps; p; p = p->next)
		for (int i = 0; i < p->nr_visible; i++)
			if (range_holds(m, &p->ranges[i], pfn))
				return p;
	return NULL;
}

/*
 * A new live reference on the pgmap of pfn, or NULL.  A cached pgmap the
 * caller already holds is returned as is when its first range covers pfn
 * (the kernel looks at pgmap->range only), else released.
 */
struct dev_pagemap *get_dev_pagemap(struct memhp_machine *m, unsigned long pfn,
				    struct dev_pagemap *cached)
{
	struct dev_pagemap *pgmap;

	if (cached) {
		if (range_holds(m, &cached->ranges[0], pfn))
			return cached;
		put_dev_pagemap(cached);
	}
	pthread_mutex_lock(&m->resource_lock);
	pgmap = pgmap_lookup(m, pfn);
	if (pgmap && !pgmap_tryget_live(pgmap))
		pgmap = NULL;
	pthread_mutex_unlock(&m->resource_lock);
	return pgmap;
}

/* ---- ZONE_DEVICE pages ----------------------------------------------------- */

struct dev_pagemap *page_pgmap(struct memhp_machine *m, unsigned long pfn)
{
	struct page tmp;
	const struct page *p = page_peek(m, pfn, &tmp);	/* a deferred one is RAM */

	return p->zone == ZONE_DEVICE ? (struct dev_pagemap *)(uintptr_t)p->owner : NULL;
}

bool is_device_private_pfn(struct memhp_machine *m, unsigned long pfn)
{
	struct dev_pagemap *pgmap;

	if (!pfn_valid(m, pfn))
		return false;
	pgmap = page_pgmap(m, pfn);
	return pgmap && pgmap->type == MEMORY_DEVICE_PRIVATE;
}

/*
 * The driver's allocator hands out a device-private/coherent page: it
 * holds a reference on the pgmap until it is freed again.
 */
void zone_device_page_init(struct memhp_machine *m, unsigned long pfn)
{
	struct dev_pagemap *pgmap = page_pgmap(m, pfn);
	bool live;

	pthread_mutex_lock(&m->resource_lock);
	live = pgmap_tryget_live(pgmap);
	pthread_mutex_unlock(&m->resource_lock);
	if (!live)
		mlog(m, "WARNING: zone_device_page_init: pfn %#lx allocated after memunmap_pages", pfn);
	set_page_count(pfn_to_page(m, pfn), 1);
	page_flags_set(pfn_to_page(m, pfn), PG_locked);	/* lock_page */
}

void get_device_page(struct memhp_machine *m, unsigned long pfn)
{
	__atomic_fetch_add(&pfn_to_page(m, pfn)->refcount, 1, __ATOMIC_RELAXED);
}

/* free_zone_device_folio */
static void free_device_page(struct memhp_machine *m, struct dev_pagemap *pgmap, unsigned long pfn)
{
	struct page *p = pfn_to_page(m, pfn);

	if (!pgmap->ops || !pgmap->ops->page_free) {
		mlog(m, "WARNING: free_zone_device_folio: pfn %#lx: no page_free method", pfn);
		return;
	}
	p->private = 0;	/* folio->mapping: a stale reverse map must not survive */
	p->index = 0;
	page_flags_clear(p, PG_locked);
	pgmap->ops->page_free(pgmap, pfn);
	if (pgmap_counts_folios(pgmap))
		set_page_count(p, 1);	/* ready to be handed out again */
	else
		put_dev_pagemap(pgmap);
}

/* put_page of a ZONE_DEVICE page */
void put_device_page(struct memhp_machine *m, unsigned long pfn)
{
	struct dev_pagemap *pgmap = page_pgmap(m, pfn);
	/* read before the put: once it is dropped the pgmap may be torn down */
	bool fsdax = pgmap->type == MEMORY_DEVICE_FS_DAX;
	int left = __atomic_sub_fetch(&pfn_to_page(m, pfn)->refcount, 1, __ATOMIC_ACQ_REL);

	/* fsdax counts from 1: at 1 the page is idle (dax_layout_busy_page) */
	if (fsdax || left)
		return;
	free_device_page(m, pgmap, pfn);
}

/* memmap_init_range for ZONE_DEVICE: the altmap's memmap pages, not `reserve` */
static void memmap_init_altmap_pages(struct memhp_machine *m, struct vmem_altmap *altmap, int nid)
{
	unsigned long end = altmap->base_pfn + vmem_altmap_offset(altmap);

	for (unsigned long pfn = altmap->base_pfn + altmap->reserve; pfn < end; pfn++) {
		init_single_page(m, pfn, ZONE_DEVICE, nid);
		page_flags_set(pfn_to_page(m, pfn), PG_reserved);
	}
}

static void init_zone_device_page(struct memhp_machine *m, struct dev_pagemap *pgmap,
				  unsigned long pfn, int nid)
{
	struct page *p = pfn_to_page(m, pfn);

	init_single_page(m, pfn, ZONE_DEVICE, nid);
	page_flags_set(p, PG_reserved);
	p->owner = (uint64_t)(uintptr_t)pgmap;
	if (!pgmap_counts_folios(pgmap))
		set_page_count(p, 0);	/* the driver's allocator sets 1 */
}

/*
 * Struct pages to write per compound page: with the memmap deduplicated
 * every tail beyond the first vmemmap page shares it, so 2 vmemmap pages'
 * worth (compound_nr_pages) - but a boot section's memmap is not
 * deduplicated, so there every tail is written.
 */
static unsigned long compound_nr_pages(struct memhp_machine *m, unsigned long head, struct dev_pagemap *pgmap)
{
	if ((pfn_to_section(m, head)->flags & SECTION_IS_EARLY) ||
	    !vmemmap_can_optimize(m, pgmap_altmap(pgmap), pgmap))
		return 1UL << pgmap->vmemmap_shift;
	return VMEMMAP_RESERVE_NR * (m->page_size / sizeof(struct page));
}

/* memmap_init_zone_device: the data pages, compound heads and tails */
static void memmap_init_zone_device(struct memhp_machine *m, struct dev_pagemap *pgmap,
				    int nid, unsigned long start, unsigned long nr)
{
	unsigned long per = 1UL << pgmap->vmemmap_shift, end = start + nr;
	struct vmem_altmap *altmap = pgmap_altmap(pgmap);

	if (altmap)
		start = altmap->base_pfn + vmem_altmap_offset(altmap);
	for (unsigned long head = start; head < end; head += per) {
		unsigned long tails = per == 1 ? 0 : compound_nr_pages(m, head, pgmap);
		struct page *h = pfn_to_page(m, head);

		init_zone_device_page(m, pgmap, head, nid);
		if (!tails)
			continue;
		page_flags_set(h, PG_head);
		h->order = (uint8_t)pgmap->vmemmap_shift;
		for (unsigned long pfn = head + 1; pfn < head + tails; pfn++) {
			struct page *t = pfn_to_page(m, pfn);

			init_zone_device_page(m, pgmap, pfn, nid);
			page_flags_set(t, PG_tail);
			t->private = head;	/* compound_head */
			set_page_count(t, 0);
		}
	}
	/* pageblock_migratetype_init_range: the pageblocks starting in the range */
	for (unsigned long pfn = ALIGN_UP(start, m->pageblock_nr_pages); pfn < end; pfn += m->pageblock_nr_pages)
		set_pageblock_migratetype(m, pfn, MIGRATE_MOVABLE);
}

/* ---- mapping ----------------------------------------------------------------- */

/* step 1 of the header for range i */
static int check_range(struct memhp_machine *m, struct dev_pagemap *pgmap, int i)
{
	const struct pgmap_range *r = &pgmap->ranges[i];
	uint64_t size = r->end - r->start + 1;
	unsigned long ram;
	bool conflict;

	if (pgmap_altmap(pgmap) && i > 0) {
		mlog(m, "WARNING: altmap not supported for multiple ranges");
		return -EINVAL;
	}
	if (r->end < r->start) {
		mlog(m, "memremap_pages: empty range %#llx-%#llx", (unsigned long long)r->start,
		     (unsigned long long)r->end);
		return -EINVAL;
	}
	pthread_mutex_lock(&m->resource_lock);
	conflict = pgmap_lookup(m, range_pfn(m, r->start)) || pgmap_lookup(m, range_pfn(m, r->end));
	ram = conflict ? 0 : resource_count_system_ram_pages(m, range_pfn(m, r->start), PHYS_PFN_M(m, size));
	pthread_mutex_unlock(&m->resource_lock);
	if (conflict) {
		mlog(m, "WARNING: Conflicting mapping in same section");
		return -ENOMEM;
	}
	if (ram) {
		mlog(m, "WARNING: attempted on %s region %#llx-%#llx", ram < PHYS_PFN_M(m, size) ? "mixed" : "ram",
		     (unsigned long long)r->start, (unsigned long long)r->end);
		return -ENXIO;
	}
	if (r->end >= m->max_phys) {
		mlog(m, "Hotplug memory [%#llx-%#llx] exceeds maximum addressable range",
		     (unsigned long long)r->start, (unsigned long long)r->end);
		return -EINVAL;
	}
	if (!IS_ALIGNED(r->start | size, PFN_PHYS_M(m, 1UL << pgmap->vmemmap_shift))) {
		/* the kernel would write folios past the range; its drivers align them */
		mlog(m, "memremap_pages: %#llx-%#llx not aligned to its %#llx-byte folios",
		     (unsigned long long)r->start, (unsigned long long)r->end,
		     (unsigned long long)PFN_PHYS_M(m, 1UL << pgmap->vmemmap_shift));
		return -EINVAL;
	}
	if (!IS_ALIGNED(r->start | size, memremap_compat_align(m))) {
		mlog(m, "WARNING: Misaligned __add_pages start: %#lx end: %#lx", range_pfn(m, r->start),
		     range_pfn(m, r->end));
		return -EINVAL;
	}
	return 0;
}

static void set_visible(struct memhp_machine *m, struct dev_pagemap *pgmap, int n)
{
	pthread_mutex_lock(&m->resource_lock);
	pgmap->nr_visible = n;	/* xa_store_range / pgmap_array_delete */
	pthread_mutex_unlock(&m->resource_lock);
}

/* pagemap_range: steps 2 to 6 of the header for range i */
static int pagemap_range(struct memhp_machine *m, struct dev_pagemap *pgmap, int i, int nid)
{
	const struct pgmap_range *r = &pgmap->ranges[i];
	unsigned long start = range_pfn(m, r->start), nr = range_nr_pages(m, r);
	bool direct = pgmap->type != MEMORY_DEVICE_PRIVATE;
	struct vmem_altmap *altmap = pgmap_altmap(pgmap);
	int ret;

	ret = check_range(m, pgmap, i);
	if (ret)
		return ret;
	set_visible(m, pgmap, i + 1);
	mem_hotplug_begin(m);
	ret = should_fail(m) ? -ENOMEM : direct ? direct_map_add(m, r->start, r->end - r->start + 1) : 0;
	if (ret)
		goto out;
	ret = sparse_add_sections(m, nid, start, nr, altmap, pgmap);
	if (ret) {
		if (direct)
			direct_map_remove(m, r->start, r->end - r->start + 1);
		goto out;
	}
	zone_span_grow(m, &m->nodes[nid].node_zones[ZONE_DEVICE], start, nr);
	if (altmap)
		memmap_init_altmap_pages(m, altmap, nid);
out:
	mem_hotplug_done(m);
	if (ret) {
		set_visible(m, pgmap, i);
		return ret;
	}
	memmap_init_zone_device(m, pgmap, nid, start, nr);
	if (pgmap_counts_folios(pgmap))
		atomic_fetch_add(&pgmap->ref, (long)pfn_len(pgmap, i));
	return 0;
}

static void pageunmap_range(struct memhp_machine *m, struct dev_pagemap *pgmap, int i)
{
	const struct pgmap_range *r = &pgmap->ranges[i];

	mem_hotplug_begin(m);
	sparse_remove_sections(m, range_pfn(m, r->start), range_nr_pages(m, r), pgmap_altmap(pgmap), pgmap);
	if (pgmap->type != MEMORY_DEVICE_PRIVATE)
		direct_map_remove(m, r->start, r->end - r->start + 1);
	mem_hotplug_done(m);
	set_visible(m, pgmap, i);
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
}

/* the per-type requirements of memremap_pages */
static int check_type(struct memhp_machine *m, const struct dev_pagemap *pgmap)
{
	const char *missing = NULL;

	switch (pgmap->type) {
	case MEMORY_DEVICE_PRIVATE:
		if (!pgmap->ops || !pgmap->ops->migrate_to_ram)
			missing = "migrate_to_ram method";
		else if (!pgmap->ops->page_free)
			missing = "page_free method";
		else if (!pgmap->owner)
			missing = "owner";
		break;
	case MEMORY_DEVICE_COHERENT:
		if (!pgmap->ops || !pgmap->ops->page_free)
			missing = "page_free method";
		else if (!pgmap->owner)
			missing = "owner";
		break;
	case MEMORY_DEVICE_FS_DAX:
	case MEMORY_DEVICE_GENERIC:
	case MEMORY_DEVICE_PCI_P2PDMA:	/* mapped uncached by the kernel */
		break;
	default:
		/* the kernel warns and goes on */
		mlog(m, "WARNING: Invalid pgmap type %d", pgmap->type);
		break;
	}
	if (missing) {
		mlog(m, "WARNING: Missing %s", missing);
		return -EINVAL;
	}
	return 0;
}

int memremap_pages(struct memhp_machine *m, struct dev_pagemap *pgmap, int nid)
{
	int ret = 0;

	if (pgmap->nr_range < 1 || pgmap->nr_range > PGMAP_MAX_RANGES) {
		mlog(m, "WARNING: nr_range must be specified");
		return -EINVAL;
	}
	ret = check_type(m, pgmap);
	if (ret)
		return ret;
	if (nid < 0 || (unsigned int)nid >= m->nr_nodes)
		nid = 0;	/* numa_mem_id() of the one CPU */
	pgmap->m = m;
	pgmap->nid = nid;
	pgmap->nr_mapped = 0;
	pgmap->nr_visible = 0;
	pgmap->ref_dead = false;
	atomic_store(&pgmap->ref, 1);	/* percpu_ref_init */
	pthread_mutex_lock(&m->resource_lock);
	pgmap->next = m->pgmaps;
	m->pgmaps = pgmap;
	pthread_mutex_unlock(&m->resource_lock);
	for (int i = 0; i < pgmap->nr_range; i++) {
		ret = pagemap_range(m, pgmap, i, nid);
		if (ret)
			break;
		pgmap->nr_mapped = i + 1;
	}
	if (ret)
		memunmap_pages(m, pgmap);
	return ret;
}

void memunmap_pages(struct memhp_machine *m, struct dev_pagemap *pgmap)
{
	pgmap_kill_and_wait(m, pgmap);
	for (int i = pgmap->nr_mapped; i-- > 0;)
		pageunmap_range(m, pgmap, i);
	pgmap->nr_mapped = 0;
	if (pgmap->altmap.alloc)
		mlog(m, "WARNING: failed to free all reserved pages");
	pgmap_list_del(m, pgmap);
}

/* machine teardown: the owners free the pgmaps, only the list goes */
void pgmaps_destroy(struct memhp_machine *m)
{
	m->pgmaps = NULL;
}
