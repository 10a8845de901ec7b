// SPDX-License-Identifier: MIT
/*
 * sparse.c - sparse memory sections and their memmap (mm/sparse.c,
 * mm/sparse-vmemmap.c).
 *
 * A section (128 MiB on x86_64) is the unit of the memmap: adding a section
 * maps pages_per_section struct pages into the vmemmap.  Where those struct
 * pages physically live is the point of memmap_on_memory:
 *
 *   MEMMAP_ALTMAP  carved from the start of the hot-added block itself
 *                  (altmap_alloc_block_buf: base_pfn + reserve + alloc +
 *                  align, aligned to the allocation's own size); nothing
 *                  of existing memory is used.
 *   MEMMAP_BUDDY   one PMD-sized (order-9 on x86) allocation from the buddy
 *                  allocator of existing memory, preferring the node of the
 *                  new memory (vmemmap_alloc_block); when no such block is
 *                  free, base pages one by one (MEMMAP_BUDDY_PAGES), and
 *                  -ENOMEM when even those run out.
 *   MEMMAP_BOOT    boot sections: reserved at boot, top-down per node, as
 *                  memblock does.
 *   MEMMAP_COMPOUND  a ZONE_DEVICE section whose pgmap has compound pages
 *                  (vmemmap_shift) and no altmap: per compound page only
 *                  VMEMMAP_RESERVE_NR (2) vmemmap pages are allocated, the
 *                  head's and the first tails', and every further vmemmap
 *                  page of the compound maps the tails' page again
 *                  (vmemmap_populate_compound_pages; tail struct pages are
 *                  identical, so one physical copy serves them all).  A
 *                  compound larger than a section (1 GiB) is populated in
 *                  its first section; the following ones
 *                  (MEMMAP_COMPOUND_REUSE) map that section's tail page.
 *
 *   MEMMAP_SUBSECTIONS  a section only partly added (ZONE_DEVICE ranges are
 *                  2 MiB subsections): each subsection's slice of the
 *                  vmemmap populated on its own (see add_subsections).
 *
 * nr_memmap_pages counts the memmap of hot-added sections in every mode
 * (memmap_pages_add, section_nr_vmemmap_pages: pages actually allocated,
 * so 2 per compound page when deduplicated), nr_memmap_boot_pages that of
 * boot sections.
 * Invariant: SECTION_HAS_MEM_MAP <=> the section's vmemmap slice is mapped
 * from memmap_pfn (or memmap_pfns[]).
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int sparse_init(struct memhp_machine *m)
{
	m->sections = calloc(m->nr_sections, sizeof(*m->sections));
	return m->sections ? 0 : -ENOMEM;
}

void sparse_destroy(struct memhp_machine *m)
{
	if (!m->sections)
		return;
	for (unsigned long i = 0; i < m->nr_sections; i++) {
		free(m->sections[i].pageblock_mt);
		free(m->sections[i].memmap_pfns);
	}
	free(m->sections);
	m->sections = NULL;
}

struct mem_section *pfn_to_section(struct memhp_machine *m, unsigned long pfn)
{
	unsigned long nr = pfn_to_section_nr(m, pfn);

	return nr < m->nr_sections ? &m->sections[nr] : NULL;
}

/* the bits of [pfn, pfn + nr) in its section's subsection_map */
static uint64_t subsection_mask(const struct memhp_machine *m, unsigned long pfn, unsigned long nr)
{
	unsigned long per = pages_per_subsection(m), first = (pfn % m->pages_per_section) / per;
	unsigned long n = (nr + per - 1) / per;

	return n >= 64 ? ~0ULL : ((1ULL << n) - 1) << first;
}

/*
 * Subsections are tracked where a section has at most 64 and each one's
 * memmap is whole vmemmap pages (x86_64, arm64 with 4K pages).  With 64K
 * pages one vmemmap page would serve many subsections: only whole
 * sections there.
 */
static bool subsections_tracked(const struct memhp_machine *m)
{
	unsigned long per = pages_per_subsection(m);

	return m->pages_per_section / per <= 64 && (per * sizeof(struct page)) % m->page_size == 0;
}

/*
 * Early sections have their whole memmap, whole hot sections all their
 * subsections; a partial section (only where subsections are tracked)
 * its own ones.
 */
bool pfn_valid(struct memhp_machine *m, unsigned long pfn)
{
	struct mem_section *ms = pfn_to_section(m, pfn);
	uint32_t flags = ms ? __atomic_load_n(&ms->flags, __ATOMIC_RELAXED) : 0;

	if (!(flags & SECTION_HAS_MEM_MAP))
		return false;
	return (flags & SECTION_IS_EARLY) || ms->subsection_map == ~0ULL ||
	       (ms->subsection_map & subsection_mask(m, pfn, 1));
}

/*
 * pfn_to_online_page: device memory added into a boot section is in an
 * online section but never online itself
 */
bool pfn_online(struct memhp_machine *m, unsigned long pfn)
{
	struct mem_section *ms = pfn_to_section(m, pfn);
	uint32_t flags = ms ? __atomic_load_n(&ms->flags, __ATOMIC_RELAXED) : 0;

	if (!(flags & SECTION_IS_ONLINE))
		return false;
	/* an early section has hot-added subsections only where they are tracked */
	return !(flags & SECTION_IS_EARLY) || !ms->subsection_map ||
	       !(ms->subsection_map & subsection_mask(m, pfn, 1));
}

void online_mem_sections(struct memhp_machine *m, unsigned long start, unsigned long end)
{
	pthread_mutex_lock(&m->span_lock);
	for (unsigned long pfn = start; pfn < end; pfn = ALIGN_DOWN(pfn, m->pages_per_section) + m->pages_per_section)
		__atomic_fetch_or(&pfn_to_section(m, pfn)->flags, SECTION_IS_ONLINE, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&m->span_lock);
}

void offline_mem_sections(struct memhp_machine *m, unsigned long start, unsigned long end)
{
	pthread_mutex_lock(&m->span_lock);
	for (unsigned long pfn = start; pfn < end; pfn = ALIGN_DOWN(pfn, m->pages_per_section) + m->pages_per_section)
		__atomic_fetch_and(&pfn_to_section(m, pfn)->flags, ~SECTION_IS_ONLINE, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&m->span_lock);
}

int get_pageblock_migratetype(struct memhp_machine *m, unsigned long pfn)
{
	struct mem_section *ms = pfn_to_section(m, pfn);

	/* read without the zone lock by the pcp free path, as the kernel's get_pfnblock_flags_mask */
	return __atomic_load_n(&ms->pageblock_mt[(pfn % m->pages_per_section) / m->pageblock_nr_pages],
			       __ATOMIC_RELAXED);
}

void set_pageblock_migratetype(struct memhp_machine *m, unsigned long pfn, int mt)
{
	struct mem_section *ms = pfn_to_section(m, pfn);

	__atomic_store_n(&ms->pageblock_mt[(pfn % m->pages_per_section) / m->pageblock_nr_pages], (uint8_t)mt,
			 __ATOMIC_RELAXED);
}

/* a section's migratetype per pageblock, all MIGRATE_UNMOVABLE (0) */
static uint8_t *pageblock_mt_alloc(const struct memhp_machine *m)
{
	return calloc(m->pages_per_section / m->pageblock_nr_pages, 1);
}

unsigned long vmem_altmap_offset(const struct vmem_altmap *a)
{
	/* number of pfns from base where pfn_to_page() is valid */
	return a ? a->reserve + a->free : 0;
}

static unsigned long section_memmap_bytes(const struct memhp_machine *m)
{
	return m->pages_per_section * sizeof(struct page);
}

/* mm/sparse-vmemmap.c:altmap_alloc_block_buf; returns the first pfn or -1 */
static long altmap_alloc_block_buf(struct memhp_machine *m, unsigned long size,
				   struct vmem_altmap *a)
{
	unsigned long pfn = a->base_pfn + a->reserve + a->alloc + a->align;
	unsigned long nr_pfns = size >> page_shift(m);
	unsigned long nr_align = 1UL << __builtin_ctzl(nr_pfns);
	unsigned long allocated = a->alloc + a->align;
	unsigned long nr_free = a->free > allocated ? a->free - allocated : 0;

	nr_align = ALIGN_UP(pfn, nr_align) - pfn;
	if (nr_pfns + nr_align > nr_free)
		return -1;
	a->alloc += nr_pfns;
	a->align += nr_align;
	return (long)(pfn + nr_align);
}

/*
 * Populate one section's memmap from the buddy: one contiguous allocation
 * of the whole slice (a PMD on x86), else page by page.
 */
static int populate_from_buddy(struct memhp_machine *m, int nid, struct mem_section *ms,
			       void *va, unsigned long bytes)
{
	unsigned long nr = bytes >> page_shift(m);
	unsigned int order = order_base_2(nr);
	long pfn = -ENOMEM;
	unsigned long i;

	if ((1UL << order) == nr && order <= m->arch->max_order && bytes >= (1UL << m->arch->pmd_shift))
		pfn = alloc_pages_node(m, nid, ALLOC_KERNEL, order);
	if (pfn >= 0) {
		if (vmemmap_map(m, va, bytes, (unsigned long)pfn)) {
			free_pages(m, (unsigned long)pfn, order);
			return -ENOMEM;
		}
		ms->memmap_src = MEMMAP_BUDDY;
		ms->memmap_pfn = (unsigned long)pfn;
		return 0;
	}
	/* vmemmap_populate_basepages: the fallback when no PMD is free */
	ms->memmap_pfns = calloc(nr, sizeof(*ms->memmap_pfns));
	if (!ms->memmap_pfns)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		pfn = alloc_pages_node(m, nid, ALLOC_KERNEL, 0);
		if (pfn < 0 || vmemmap_map(m, (char *)va + (i << page_shift(m)), m->page_size,
					   (unsigned long)pfn)) {
			if (pfn >= 0)
				free_pages(m, (unsigned long)pfn, 0);
			goto fail;
		}
		ms->memmap_pfns[i] = (unsigned long)pfn;
	}
	ms->memmap_src = MEMMAP_BUDDY_PAGES;
	return 0;
fail:
	while (i--)
		free_pages(m, ms->memmap_pfns[i], 0);
	vmemmap_unmap(m, va, bytes);
	free(ms->memmap_pfns);
	ms->memmap_pfns = NULL;
	return -ENOMEM;
}

/* vmemmap pages of one compound page of `order` */
static unsigned long compound_vmemmap_pages(const struct memhp_machine *m, unsigned int order)
{
	return ((1UL << order) * sizeof(struct page)) >> page_shift(m);
}

/* vmemmap_can_optimize: compound pages, no altmap, more than 2 vmemmap pages */
bool vmemmap_can_optimize(const struct memhp_machine *m, const struct vmem_altmap *altmap,
				 const struct dev_pagemap *pgmap)
{
	return m->arch->optimize_dax_vmemmap && pgmap && !altmap &&
	       compound_vmemmap_pages(m, pgmap->vmemmap_shift) > VMEMMAP_RESERVE_NR;
}

/* mm/sparse-vmemmap.c:section_nr_vmemmap_pages, the memmap accounting */
static unsigned long section_nr_vmemmap_pages(const struct memhp_machine *m, unsigned long pfn,
					      unsigned long nr, const struct vmem_altmap *altmap,
					      const struct dev_pagemap *pgmap)
{
	unsigned int order = pgmap ? pgmap->vmemmap_shift : 0;

	if (!vmemmap_can_optimize(m, altmap, pgmap))
		return PFN_UP_M(m, nr * sizeof(struct page));
	if ((1UL << order) < m->pages_per_section)
		return VMEMMAP_RESERVE_NR * nr >> order;
	return IS_ALIGNED(pfn, 1UL << order) ? VMEMMAP_RESERVE_NR : 0;
}

/* map one vmemmap page at va from pfn, n times over consecutive pages */
static int vmemmap_map_repeat(struct memhp_machine *m, char *va, unsigned long n, unsigned long pfn)
{
	for (unsigned long i = 0; i < n; i++)
		if (vmemmap_map(m, va + (i << page_shift(m)), m->page_size, pfn))
			return -ENOMEM;
	return 0;
}

/*
 * vmemmap_populate_compound_pages: per compound page a head and a tail
 * vmemmap page from the buddy (order 0, as vmemmap_populate_address takes
 * them), the rest of the compound's vmemmap mapped onto the tail page.
 */
static int populate_compound(struct memhp_machine *m, int nid, unsigned long pfn,
			     struct mem_section *ms, char *va, unsigned int order)
{
	unsigned long per = compound_vmemmap_pages(m, order);
	unsigned long nr_compounds = MAX(m->pages_per_section >> order, 1UL);
	unsigned long i = 0;

	if (!IS_ALIGNED(pfn, 1UL << order)) {
		/* a later section of a compound larger than a section */
		struct mem_section *head = pfn_to_section(m, pfn - m->pages_per_section);
		unsigned long tail = head->memmap_src == MEMMAP_COMPOUND ? head->memmap_pfns[1]
									 : head->memmap_pfn;

		if (vmemmap_map_repeat(m, va, PFN_UP_M(m, section_memmap_bytes(m)), tail))
			goto fail_map;
		ms->memmap_src = MEMMAP_COMPOUND_REUSE;
		ms->memmap_pfn = tail;
		return 0;
	}
	per = MIN(per, PFN_UP_M(m, section_memmap_bytes(m)));
	ms->memmap_pfns = calloc(nr_compounds * VMEMMAP_RESERVE_NR, sizeof(*ms->memmap_pfns));
	if (!ms->memmap_pfns)
		return -ENOMEM;
	for (i = 0; i < nr_compounds * VMEMMAP_RESERVE_NR; i++) {
		long p = alloc_pages_node(m, nid, ALLOC_KERNEL, 0);

		if (p < 0)
			goto fail;
		ms->memmap_pfns[i] = (unsigned long)p;
	}
	for (unsigned long c = 0; c < nr_compounds; c++) {
		char *cva = va + ((c * per) << page_shift(m));
		unsigned long head = ms->memmap_pfns[2 * c], tail = ms->memmap_pfns[2 * c + 1];

		if (vmemmap_map(m, cva, m->page_size, head) ||
		    vmemmap_map_repeat(m, cva + m->page_size, per - 1, tail))
			goto fail;
	}
	ms->memmap_src = MEMMAP_COMPOUND;
	return 0;
fail:
	while (i--)
		free_pages(m, ms->memmap_pfns[i], 0);
	free(ms->memmap_pfns);
	ms->memmap_pfns = NULL;
fail_map:
	vmemmap_unmap(m, va, section_memmap_bytes(m));
	return -ENOMEM;
}

static void depopulate(struct memhp_machine *m, struct mem_section *ms, void *va,
		       unsigned long bytes, struct vmem_altmap *altmap)
{
	unsigned long nr = bytes >> page_shift(m);

	vmemmap_unmap(m, va, bytes);
	switch (ms->memmap_src) {
	case MEMMAP_ALTMAP:
		altmap->alloc -= nr;	/* vmem_altmap_free */
		break;
	case MEMMAP_BUDDY:
		free_pages(m, ms->memmap_pfn, order_base_2(nr));
		break;
	case MEMMAP_COMPOUND:
		nr = MAX(m->pages_per_section >> ms->compound_order, 1UL) * VMEMMAP_RESERVE_NR;
		/* the pages are base pages, one by one */
		__attribute__((fallthrough));
	case MEMMAP_BUDDY_PAGES:
		for (unsigned long i = 0; i < nr; i++)
			free_pages(m, ms->memmap_pfns[i], 0);
		free(ms->memmap_pfns);
		ms->memmap_pfns = NULL;
		break;
	default:
		break;
	}
	ms->memmap_src = MEMMAP_NONE;
}

/* ---- subsections ------------------------------------------------------------ */

/*
 * A range smaller than a section (ZONE_DEVICE maps 2 MiB subsections)
 * populates only its own part of the section's vmemmap, as
 * vmemmap_populate does for less than a section: base pages from the
 * node's memory on x86 (vmemmap_populate_basepages with no altmap), from
 * the altmap on arm64, or per compound page a head and a tail page with
 * the tail mapped again (vmemmap_populate_compound_pages).  memmap_pfns[] records the page
 * mapped at each vmemmap page of the section, 0 where none; a page is
 * freed once, where its run of equal entries starts.  An early section
 * has its whole memmap from boot: adding into it only fills the map, and
 * removing gives the struct pages back their boot state (a hole), where
 * the kernel leaves stale ZONE_DEVICE pages that pfn_to_online_page hides.
 */

/* vmemmap pages [first, end) of the section that hold pfn's .. pfn+nr's struct pages */
static void subsection_slots(const struct memhp_machine *m, unsigned long pfn, unsigned long nr,
			     unsigned long *first, unsigned long *end)
{
	*first = (pfn % m->pages_per_section) * sizeof(struct page) / m->page_size;
	*end = *first + nr * sizeof(struct page) / m->page_size;
}

static bool in_altmap(const struct vmem_altmap *altmap, unsigned long pfn)
{
	return altmap && pfn >= altmap->base_pfn && pfn <= altmap->end_pfn;
}

static void depopulate_slots(struct memhp_machine *m, struct mem_section *ms, char *va, unsigned long first,
			     unsigned long end, struct vmem_altmap *altmap)
{
	for (unsigned long k = first; k < end; k++) {
		unsigned long pfn = ms->memmap_pfns[k];

		if (!pfn)
			continue;
		if (in_altmap(altmap, pfn))
			altmap->alloc--;	/* vmem_altmap_free */
		else if (k == first || pfn != ms->memmap_pfns[k - 1])
			free_pages(m, pfn, 0);
		vmemmap_unmap(m, va + (k << page_shift(m)), m->page_size);
	}
	for (unsigned long k = first; k < end; k++)
		ms->memmap_pfns[k] = 0;
}

/* one base page of vmemmap: from the altmap where the arch takes it (arm64) */
static long vmemmap_base_page(struct memhp_machine *m, int nid, struct vmem_altmap *altmap)
{
	if (should_fail(m))
		return -ENOMEM;
	if (altmap && m->arch->subsection_memmap_altmap)
		return altmap_alloc_block_buf(m, m->page_size, altmap);
	return alloc_pages_node(m, nid, ALLOC_KERNEL, 0);
}

static int populate_slots(struct memhp_machine *m, int nid, struct mem_section *ms, char *va,
			  unsigned long first, unsigned long end, unsigned long per_compound,
			  struct vmem_altmap *altmap)
{
	for (unsigned long k = first; k < end; k += per_compound) {
		for (unsigned long j = 0; j < MIN(per_compound, 2UL); j++) {
			long p = vmemmap_base_page(m, nid, altmap);

			if (p < 0)
				goto fail;
			/* the head's page, then the tails' page for every other slot */
			for (unsigned long t = j; t < (j ? per_compound : 1); t++) {
				ms->memmap_pfns[k + t] = (unsigned long)p;
				if (vmemmap_map(m, va + ((k + t) << page_shift(m)), m->page_size, (unsigned long)p))
					goto fail;
			}
		}
	}
	return 0;
fail:
	depopulate_slots(m, ms, va, first, end, altmap);
	return -ENOMEM;
}

static void subsections_section_free(struct mem_section *ms)
{
	free(ms->pageblock_mt);
	free(ms->memmap_pfns);
	ms->pageblock_mt = NULL;
	ms->memmap_pfns = NULL;
	ms->memmap_src = MEMMAP_NONE;
}

static int add_subsections(struct memhp_machine *m, int nid, unsigned long pfn, unsigned long nr,
			   struct vmem_altmap *altmap, const struct dev_pagemap *pgmap)
{
	struct mem_section *ms = pfn_to_section(m, pfn);
	char *va = (char *)pfn_to_page(m, section_nr_to_pfn(m, pfn_to_section_nr(m, pfn)));
	uint64_t mask = subsection_mask(m, pfn, nr);
	unsigned long first, end, per = 1;
	bool fresh = !(ms->flags & SECTION_MARKED_PRESENT);
	int ret;

	if (!subsections_tracked(m) || !IS_ALIGNED(pfn | nr, pages_per_subsection(m))) {
		mlog(m, "WARNING: Misaligned __add_pages start: %#lx end: %#lx", pfn, pfn + nr - 1);
		return -EINVAL;
	}
	if ((ms->subsection_map & mask) || (!fresh && ms->memmap_src != MEMMAP_SUBSECTIONS &&
					    !(ms->flags & SECTION_IS_EARLY)))
		return -EEXIST;	/* fill_subsection_map */
	if (should_fail(m))
		return -ENOMEM;
	if (!(ms->flags & SECTION_IS_EARLY)) {
		if (fresh) {
			ms->pageblock_mt = pageblock_mt_alloc(m);
			ms->memmap_pfns = calloc(section_memmap_bytes(m) >> page_shift(m), sizeof(*ms->memmap_pfns));
			ms->memmap_src = MEMMAP_SUBSECTIONS;
			if (!ms->pageblock_mt || !ms->memmap_pfns) {
				subsections_section_free(ms);
				return -ENOMEM;
			}
		}
		if (vmemmap_can_optimize(m, altmap, pgmap))
			per = compound_vmemmap_pages(m, pgmap->vmemmap_shift);
		subsection_slots(m, pfn, nr, &first, &end);
		ret = populate_slots(m, nid, ms, va, first, end, per, altmap);
		if (ret) {
			if (fresh)
				subsections_section_free(ms);
			return ret;
		}
		atomic_fetch_add(&m->nr_memmap_pages, (long)section_nr_vmemmap_pages(m, pfn, nr, altmap, pgmap));
	}
	pthread_mutex_lock(&m->span_lock);
	ms->subsection_map |= mask;
	if (fresh) {
		__atomic_store_n(&ms->flags, SECTION_MARKED_PRESENT | SECTION_HAS_MEM_MAP, __ATOMIC_RELAXED);
		ms->nid = nid;
	}
	pthread_mutex_unlock(&m->span_lock);
	if (pfn + nr > m->max_pfn)
		m->max_pfn = pfn + nr;
	progress_step(m, PFN_PHYS_M(m, nr));
	return 0;
}

static void remove_subsections(struct memhp_machine *m, unsigned long pfn, unsigned long nr,
			       struct vmem_altmap *altmap, const struct dev_pagemap *pgmap)
{
	struct mem_section *ms = pfn_to_section(m, pfn);
	char *va = (char *)pfn_to_page(m, section_nr_to_pfn(m, pfn_to_section_nr(m, pfn)));
	uint64_t mask = subsection_mask(m, pfn, nr);
	unsigned long first, end;

	if (!subsections_tracked(m) || (ms->subsection_map & mask) != mask) {
		mlog(m, "WARNING: section already deactivated (%#lx + %ld)", pfn, (long)nr);
		return;
	}
	pthread_mutex_lock(&m->span_lock);
	ms->subsection_map &= ~mask;
	pthread_mutex_unlock(&m->span_lock);
	if (ms->flags & SECTION_IS_EARLY) {
		/* the boot memmap stays, its pages back as the boot left them */
		boot_hole_pages_init(m, pfn, nr, ms->nid);
		return;
	}
	atomic_fetch_sub(&m->nr_memmap_pages, (long)section_nr_vmemmap_pages(m, pfn, nr, altmap, pgmap));
	subsection_slots(m, pfn, nr, &first, &end);
	depopulate_slots(m, ms, va, first, end, altmap);
	if (ms->subsection_map)
		return;
	pthread_mutex_lock(&m->span_lock);
	subsections_section_free(ms);
	__atomic_store_n(&ms->flags, 0, __ATOMIC_RELAXED);
	ms->nid = 0;
	pthread_mutex_unlock(&m->span_lock);
}

/*
 * sparse_add_section: activate one whole section and populate its memmap.
 * Called with mem_hotplug_lock held for write.
 */
int sparse_add_section(struct memhp_machine *m, int nid, unsigned long pfn, unsigned long nr,
		       struct vmem_altmap *altmap, const struct dev_pagemap *pgmap)
{
	struct mem_section *ms = pfn_to_section(m, pfn);
	unsigned long bytes = section_memmap_bytes(m);
	void *va = pfn_to_page(m, section_nr_to_pfn(m, pfn_to_section_nr(m, pfn)));
	int ret;

	if (!ms || !nr || pfn_to_section_nr(m, pfn) != pfn_to_section_nr(m, pfn + nr - 1))
		return -EINVAL;
	if (nr < m->pages_per_section)
		return add_subsections(m, nid, pfn, nr, altmap, pgmap);
	if (ms->flags & SECTION_MARKED_PRESENT)
		return -EEXIST;	/* fill_subsection_map: already present */
	if (should_fail(m))
		return -ENOMEM;
	ms->pageblock_mt = pageblock_mt_alloc(m);
	if (!ms->pageblock_mt)
		return -ENOMEM;
	if (altmap) {
		long apfn = altmap_alloc_block_buf(m, bytes, altmap);

		/*
		 * No fallback with an altmap (vmemmap_populate_hugepages).  A
		 * memory block's memmap is mapped when its struct pages are
		 * first written (deferred_init.c); a ZONE_DEVICE one at once.
		 */
		if (apfn >= 0 && !pgmap && m->memmap_defer)
			ret = 0;
		else
			ret = apfn < 0 ? -ENOMEM : vmemmap_map(m, va, bytes, (unsigned long)apfn);
		if (!ret) {
			ms->memmap_src = MEMMAP_ALTMAP;
			ms->memmap_pfn = (unsigned long)apfn;
		} else if (apfn >= 0) {
			altmap->alloc -= bytes >> page_shift(m);
		}
	} else if (vmemmap_can_optimize(m, altmap, pgmap)) {
		ms->compound_order = pgmap->vmemmap_shift;
		ret = should_fail(m) ? -ENOMEM : populate_compound(m, nid, pfn, ms, va, pgmap->vmemmap_shift);
	} else {
		ret = should_fail(m) ? -ENOMEM : populate_from_buddy(m, nid, ms, va, bytes);
	}
	if (ret) {
		free(ms->pageblock_mt);
		ms->pageblock_mt = NULL;
		return ret;
	}
	pthread_mutex_lock(&m->span_lock);
	/* lock-free readers (pfn_valid): one store */
	__atomic_store_n(&ms->flags, SECTION_MARKED_PRESENT | SECTION_HAS_MEM_MAP |
				     (altmap && !pgmap && m->memmap_defer ? SECTION_MEMMAP_UNMAPPED : 0),
			 __ATOMIC_RELAXED);
	ms->subsection_map = ~0ULL;
	ms->nid = nid;
	pthread_mutex_unlock(&m->span_lock);
	atomic_fetch_add(&m->nr_memmap_pages, (long)section_nr_vmemmap_pages(m, pfn, nr, altmap, pgmap));
	if (pfn + nr > m->max_pfn)
		m->max_pfn = pfn + nr;	/* update_end_of_memory_vars */
	progress_step(m, PFN_PHYS_M(m, nr));
	return 0;
}

void sparse_remove_section(struct memhp_machine *m, unsigned long pfn, unsigned long nr,
			   struct vmem_altmap *altmap, const struct dev_pagemap *pgmap)
{
	struct mem_section *ms = pfn_to_section(m, pfn);
	unsigned long bytes = section_memmap_bytes(m);
	void *va = pfn_to_page(m, pfn);

	if (!(ms->flags & SECTION_MARKED_PRESENT))
		return;	/* WARN_ON_ONCE(!valid_section(ms)) */
	if (nr < m->pages_per_section) {
		remove_subsections(m, pfn, nr, altmap, pgmap);
		return;
	}
	if (ms->memmap_src == MEMMAP_BOOT)
		atomic_fetch_sub(&m->nr_memmap_boot_pages, (long)PFN_UP_M(m, bytes));
	else
		atomic_fetch_sub(&m->nr_memmap_pages,
				 (long)section_nr_vmemmap_pages(m, pfn, nr, altmap, pgmap));
	depopulate(m, ms, va, bytes, altmap);
	pthread_mutex_lock(&m->span_lock);
	free(ms->pageblock_mt);
	ms->pageblock_mt = NULL;
	__atomic_store_n(&ms->flags, 0, __ATOMIC_RELAXED);
	ms->subsection_map = 0;
	ms->nid = 0;
	pthread_mutex_unlock(&m->span_lock);
}

/*
 * __add_pages / __remove_pages: section by section, the first and last
 * maybe partial (subsections), undone in reverse on failure
 */
int sparse_add_sections(struct memhp_machine *m, int nid, unsigned long start, unsigned long nr,
			struct vmem_altmap *altmap, const struct dev_pagemap *pgmap)
{
	unsigned long pfn, next;
	int ret = 0;

	for (pfn = start; pfn < start + nr; pfn = next) {
		next = MIN(ALIGN_DOWN(pfn, m->pages_per_section) + m->pages_per_section, start + nr);
		ret = sparse_add_section(m, nid, pfn, next - pfn, altmap, pgmap);
		if (ret)
			break;
	}
	if (ret)
		sparse_remove_sections(m, start, pfn - start, altmap, pgmap);
	return ret;
}

void sparse_remove_sections(struct memhp_machine *m, unsigned long start, unsigned long nr,
			    struct vmem_altmap *altmap, const struct dev_pagemap *pgmap)
{
	for (unsigned long end = start + nr, pfn; end > start; end = pfn) {
		pfn = MAX(ALIGN_DOWN(end - 1, m->pages_per_section), start);
		sparse_remove_section(m, pfn, end - pfn, altmap, pgmap);
	}
}

int sparse_add_boot_section(struct memhp_machine *m, int nid, unsigned long section_nr,
			    unsigned long memmap_pfn)
{
	struct mem_section *ms = &m->sections[section_nr];
	unsigned long bytes = section_memmap_bytes(m);
	int ret;

	ms->pageblock_mt = pageblock_mt_alloc(m);
	if (!ms->pageblock_mt)
		return -ENOMEM;
	ret = vmemmap_map(m, pfn_to_page(m, section_nr_to_pfn(m, section_nr)), bytes, memmap_pfn);
	if (ret) {
		free(ms->pageblock_mt);
		ms->pageblock_mt = NULL;
		return ret;
	}
	ms->memmap_src = MEMMAP_BOOT;
	ms->memmap_pfn = memmap_pfn;
	__atomic_store_n(&ms->flags, SECTION_MARKED_PRESENT | SECTION_HAS_MEM_MAP | SECTION_IS_EARLY, __ATOMIC_RELAXED);
	ms->nid = nid;
	atomic_fetch_add(&m->nr_memmap_boot_pages, (long)PFN_UP_M(m, bytes));
	return 0;
}
