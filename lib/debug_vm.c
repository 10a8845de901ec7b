// SPDX-License-Identifier: MIT
/*
 * debug_vm.c - the full accounting audit.
 *
 * Recounts everything from the struct pages and compares with the
 * counters, in the spirit of SQLite's *_is_valid() checks.  Tests call it
 * after every step.  What it proves:
 *
 *   - every pfn of an online section is in exactly one state: free (inside
 *     one buddy chunk on the right list), allocated (head or tail),
 *     reserved (boot reservation or hole) or a self-hosted vmemmap page;
 *   - per zone: free lists match nr_free_pages and free_area counts; the
 *     managed count equals free + allocated; present equals the RAM pfns
 *     of online sections in the zone plus the vmemmap pages; every such
 *     pfn lies inside the zone span; node counts are zone sums;
 *   - MemTotal equals the sum of managed pages; nr_memmap_pages and
 *     nr_memmap_boot_pages equal the memmaps of present sections;
 *   - every memory block's state agrees with its sections, its altmap has
 *     handed out exactly its sections' memmaps, and each group's present
 *     counts equal those of its online blocks;
 *   - node masks: N_MEMORY iff the node has present pages.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct audit {
	char *msg;
	size_t len;
	int failed;
};

static int fail(struct audit *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct audit *a, const char *fmt, ...)
{
	va_list ap;

	if (!a->failed && a->msg && a->len) {
		va_start(ap, fmt);
		vsnprintf(a->msg, a->len, fmt, ap);
		va_end(ap);
	}
	a->failed = 1;
	return -EUCLEAN;
}

struct zone_count {
	unsigned long free, managed, present, pcp;
};

static int audit_free_lists(struct memhp_machine *m, struct zone *zone, struct audit *a)
{
	unsigned long counted = 0;

	for (unsigned int o = 0; o <= m->arch->max_order; o++) {
		unsigned long n = 0;

		for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
			for (struct page *p = zone->free_area[o].list[mt].head; p; p = p->next) {
				unsigned long pfn;

				if (p->flags & PG_deferred) {
					/* a deferred block's chunks; audit_pfns sees their pages */
					if (!deferred_run_is_valid(m, zone, p, o, mt))
						return fail(a, "zone %s order %u: a stale deferred run", zone->name, o);
					n += p->index;
					counted += (unsigned long)p->index << o;
					continue;
				}
				pfn = page_to_pfn(m, p);

				if (!(p->flags & PG_buddy) || p->order != o)
					return fail(a, "pfn %#lx on order-%u list is not a buddy of that order", pfn, o);
				if (pfn & ((1UL << o) - 1))
					return fail(a, "pfn %#lx misaligned for order %u", pfn, o);
				if (p->zone != zone->idx || p->nid != zone->pgdat->node_id)
					return fail(a, "pfn %#lx on the lists of zone %s of another zone", pfn, zone->name);
				if (get_pageblock_migratetype(m, pfn) != mt)
					return fail(a, "pfn %#lx on the %s list in a %s pageblock", pfn,
						    migratetype_names[mt],
						    migratetype_names[get_pageblock_migratetype(m, pfn)]);
				if (!pfn_online(m, pfn))
					return fail(a, "free pfn %#lx in an offline section", pfn);
				n++;
				if (mt != MIGRATE_ISOLATE)
					counted += 1UL << o;
			}
		}
		if (n != zone->free_area[o].nr_free)
			return fail(a, "zone %s order %u: nr_free %lu, lists hold %lu", zone->name, o,
				    zone->free_area[o].nr_free, n);
	}
	if (counted != (unsigned long)atomic_load(&zone->nr_free_pages))
		return fail(a, "zone %s: nr_free_pages %ld, lists hold %lu", zone->name,
			    atomic_load(&zone->nr_free_pages), counted);
	return 0;
}

/* walk the online sections: classify every pfn, count per zone */
/* the tail pages of a chunk that starts at pfn: none in a forbidden state */
static int audit_chunk_tails(struct memhp_machine *m, struct audit *a, const struct page *head, unsigned long pfn,
			     unsigned long n, unsigned long forbidden, bool free_chunk)
{
	for (unsigned long i = 1; i < n; i++) {
		struct page ttmp;
		const struct page *t = page_peek(m, pfn + i, &ttmp);

		if (t->flags & forbidden)
			return fail(a, "pfn %#lx inside a %s chunk is in another state", pfn + i,
				    free_chunk ? "free" : "pcp");
		if (free_chunk && (t->zone != head->zone || t->nid != head->nid))
			return fail(a, "free chunk at %#lx spans zones", pfn);
	}
	return 0;
}

/* a free or pcp chunk: its pages counted, its tails checked */
static int audit_chunk(struct memhp_machine *m, struct audit *a, struct zone_count *c, const struct page *p,
		       unsigned long pfn, unsigned long end, unsigned long *n)
{
	bool free_chunk = p->flags & PG_buddy;
	int ret;

	if (!free_chunk && p->refcount)
		return fail(a, "pcp pfn %#lx has refcount %d", pfn, p->refcount);
	*n = 1UL << p->order;	/* a pageblock-order pcp chunk is one entry too */
	if (pfn + *n > end)
		return fail(a, "%s chunk at %#lx crosses its section", free_chunk ? "free" : "pcp", pfn);
	/* a free page has no owner's flags left: free_pages_prepare cleared them */
	if (p->flags & (PG_lru | PG_mlocked | PG_locked))
		return fail(a, "%s pfn %#lx still has a user's flags %#x", free_chunk ? "free" : "pcp", pfn,
			    p->flags);
	ret = audit_chunk_tails(m, a, p, pfn, *n,
				PG_lru | PG_mlocked | PG_locked | PG_reserved | PG_vmemmap_self_hosted | PG_buddy |
					(free_chunk ? 0 : PG_pcp),
				free_chunk);
	if (ret)
		return ret;
	c->managed += *n;
	c->present += *n;
	if (!free_chunk)
		c->pcp += *n;
	else if (get_pageblock_migratetype(m, pfn) != MIGRATE_ISOLATE)
		c->free += *n;
	return 0;
}

/* one online pfn's struct page: its state counted in its zone; *n pfns covered */
static int audit_page(struct memhp_machine *m, struct zone_count (*zc)[MAX_NR_ZONES], struct audit *a,
		      unsigned long pfn, unsigned long end, unsigned long *n)
{
	struct page tmp;
	const struct page *p = page_peek(m, pfn, &tmp);
	struct zone_count *c;

	*n = 1;
	if (!(p->flags & PG_init))
		return fail(a, "pfn %#lx in an online section has no initialised struct page", pfn);
	if (p->zone == ZONE_DEVICE)
		return fail(a, "online pfn %#lx is a ZONE_DEVICE page", pfn);
	if (p->nid >= m->nr_nodes || p->zone >= MAX_NR_ZONES)
		return fail(a, "pfn %#lx has node %u zone %u", pfn, p->nid, p->zone);
	c = &zc[p->nid][p->zone];
	if (p->flags & (PG_buddy | PG_pcp))
		return audit_chunk(m, a, c, p, pfn, end, n);
	if (p->flags & PG_hole) {
		if (!(p->flags & PG_reserved))
			return fail(a, "hole pfn %#lx not reserved", pfn);
	} else if (p->flags & PG_reserved) {
		c->present++;
	} else if (p->flags & PG_vmemmap_self_hosted) {
		if (p->flags & (PG_buddy | PG_offline))
			return fail(a, "vmemmap pfn %#lx also free/offline", pfn);
		c->present++;
	} else if (p->flags & PG_offline) {
		c->present++;	/* PageOffline of a custom online callback */
	} else if ((p->flags & PG_tail) || p->refcount > 0) {
		c->managed++;
		c->present++;
	} else {
		return fail(a, "pfn %#lx is neither free, allocated, reserved nor vmemmap", pfn);
	}
	return 0;
}

static int audit_section(struct memhp_machine *m, struct zone_count (*zc)[MAX_NR_ZONES], struct audit *a,
			 unsigned long nr)
{
	struct mem_section *ms = &m->sections[nr];
	unsigned long start = section_nr_to_pfn(m, nr), end = start + m->pages_per_section;
	unsigned long vmemmap, free, n;
	int nid, zid, ret;

	if (!(ms->flags & SECTION_IS_ONLINE))
		return 0;
	if (!(ms->flags & SECTION_HAS_MEM_MAP))
		return fail(a, "section %lu online without a memmap", nr);
	/* deferred: its struct pages are a function of the block (page_peek) */
	if (deferred_section_counts(m, nr, &nid, &zid, &vmemmap, &free)) {
		struct zone_count *c = &zc[nid][zid];

		c->present += m->pages_per_section;
		c->managed += free;
		c->free += free;
		return 0;
	}
	for (unsigned long pfn = start; pfn < end; pfn += n) {
		n = 1;
		if (!pfn_online(m, pfn))
			continue;	/* device memory in a boot section: never online (pfn_to_online_page) */
		ret = audit_page(m, zc, a, pfn, end, &n);
		if (ret)
			return ret;
	}
	return 0;
}

static int audit_pfns(struct memhp_machine *m, struct zone_count (*zc)[MAX_NR_ZONES], struct audit *a)
{
	for (unsigned long nr = 0; nr < m->nr_sections; nr++) {
		int ret = audit_section(m, zc, a, nr);

		if (ret)
			return ret;
	}
	return 0;
}

static int audit_zones(struct memhp_machine *m, struct audit *a)
{
	struct zone_count (*zc)[MAX_NR_ZONES] = calloc(MEMHP_MAX_NODES, sizeof(*zc));
	unsigned long total_managed = 0;
	int ret;

	if (!zc)
		return fail(a, "audit: out of memory");
	ret = audit_pfns(m, zc, a);
	for (unsigned int nid = 0; !ret && nid < m->nr_nodes; nid++) {
		struct pglist_data *pgdat = &m->nodes[nid];
		unsigned long node_present = 0;

		for (int z = 0; !ret && z < MAX_NR_ZONES; z++) {
			struct zone *zone = &pgdat->node_zones[z];
			unsigned long managed = (unsigned long)atomic_load(&zone->managed_pages);

			unsigned long cached;
			char pmsg[160];

			ret = audit_free_lists(m, zone, a);
			if (ret)
				break;
			if (pcp_audit(m, zone, &cached, pmsg, sizeof(pmsg))) {
				ret = fail(a, "%s", pmsg);
				break;
			}
			if (cached != zc[nid][z].pcp) {
				ret = fail(a, "node %u zone %s: %lu pages on pcp lists, %lu marked", nid,
					   zone->name, cached, zc[nid][z].pcp);
				break;
			}
			if (zc[nid][z].free != (unsigned long)atomic_load(&zone->nr_free_pages))
				ret = fail(a, "node %u zone %s: %lu free pages found, counter %ld", nid,
					   zone->name, zc[nid][z].free, atomic_load(&zone->nr_free_pages));
			else if (zc[nid][z].managed != managed)
				ret = fail(a, "node %u zone %s: %lu managed pages found, counter %lu", nid,
					   zone->name, zc[nid][z].managed, managed);
			else if (zc[nid][z].present != zone->present_pages)
				ret = fail(a, "node %u zone %s: %lu present pages found, counter %lu", nid,
					   zone->name, zc[nid][z].present, zone->present_pages);
			else if (zone->present_pages && !zone->spanned_pages)
				ret = fail(a, "node %u zone %s: present pages but no span", nid, zone->name);
			else if (zone->present_early_pages > zone->present_pages)
				ret = fail(a, "node %u zone %s: present_early > present", nid, zone->name);
			node_present += zone->present_pages;
			total_managed += managed;
		}
		if (!ret && node_present != pgdat->node_present_pages)
			ret = fail(a, "node %u: node_present_pages %lu, zones sum %lu", nid,
				   pgdat->node_present_pages, node_present);
		if (!ret && !!node_present != !!(m->node_masks[N_MEMORY] & (1u << nid)))
			ret = fail(a, "node %u: N_MEMORY %d with %lu present pages", nid,
				   !!(m->node_masks[N_MEMORY] & (1u << nid)), node_present);
	}
	if (!ret && total_managed != (unsigned long)atomic_load(&m->totalram_pages))
		ret = fail(a, "totalram_pages %ld, zones manage %lu", atomic_load(&m->totalram_pages),
			   total_managed);
	free(zc);
	return ret;
}

/* every page of a zone in an online section lies inside the zone span */
static int audit_spans(struct memhp_machine *m, struct audit *a)
{
	for (unsigned long nr = 0; nr < m->nr_sections; nr++) {
		unsigned long start = section_nr_to_pfn(m, nr);

		if (!(m->sections[nr].flags & SECTION_IS_ONLINE))
			continue;
		for (unsigned long pfn = start; pfn < start + m->pages_per_section; pfn += m->pageblock_nr_pages) {
			struct page tmp;
			const struct page *p = page_peek(m, pfn, &tmp);
			struct zone *zone = &m->nodes[p->nid].node_zones[p->zone];

			if (p->flags & PG_hole)
				continue;
			if (pfn < zone->zone_start_pfn || pfn >= zone_end_pfn(zone))
				return fail(a, "pfn %#lx of zone %s outside its span [%#lx, %#lx)", pfn,
					    zone->name, zone->zone_start_pfn, zone_end_pfn(zone));
		}
	}
	return 0;
}

/* a page of pgmap's memmap area: reserved ZONE_DEVICE, nobody's */
static int audit_altmap_page(struct memhp_machine *m, struct audit *a, unsigned long pfn)
{
	const struct page *p = pfn_to_page(m, pfn);

	if (p->zone != ZONE_DEVICE || p->owner || !(p->flags & PG_reserved))
		return fail(a, "pgmap memmap pfn %#lx: zone %u owner %#llx flags %#x", pfn, p->zone,
			    (unsigned long long)p->owner, p->flags);
	return 0;
}

/*
 * A data page: the pgmap's reserved ZONE_DEVICE page; a folio head counts
 * from 1 (0 only for a free device-private/coherent page), tails from 0.
 * Adds the page's share of the pgmap's references to *held.
 */
static int audit_device_page(struct memhp_machine *m, struct audit *a, struct dev_pagemap *pg,
			     unsigned long pfn, long *held)
{
	const struct page *p = pfn_to_page(m, pfn);
	const struct mem_section *ms = pfn_to_section(m, pfn);
	bool driver_owned = !pgmap_counts_folios(pg);
	int ref = page_ref(p);

	/* online only as the boot section it shares with RAM */
	if ((ms->flags & (SECTION_MARKED_PRESENT | SECTION_HAS_MEM_MAP)) != (SECTION_MARKED_PRESENT | SECTION_HAS_MEM_MAP) ||
	    (ms->flags & (SECTION_IS_ONLINE | SECTION_IS_EARLY)) == SECTION_IS_ONLINE || !pfn_valid(m, pfn))
		return fail(a, "pgmap pfn %#lx: section flags %#x", pfn, ms->flags);
	if (p->zone != ZONE_DEVICE || p->owner != (uint64_t)(uintptr_t)pg || !(page_flags(p) & PG_reserved))
		return fail(a, "pgmap pfn %#lx: zone %u, not the pgmap's reserved page", pfn, p->zone);
	if (ref < 0 || (!driver_owned && ref < 1))
		return fail(a, "pgmap pfn %#lx: refcount %d", pfn, ref);
	*held += driver_owned ? (ref > 0) : 1;
	return 0;
}

/*
 * Every mapped pgmap: its sections present and never online, the memmap
 * area and data pages as memremap_pages left them, and a reference count
 * no lower than what its pages hold (1 while live, one per folio, one per
 * allocated device-private page; get_dev_pagemap holders come on top).
 */
static int audit_pgmaps(struct memhp_machine *m, struct audit *a)
{
	int ret = 0;

	pthread_mutex_lock(&m->resource_lock);
	for (struct dev_pagemap *pg = m->pgmaps; pg && !ret; pg = pg->next) {
		unsigned long per = 1UL << pg->vmemmap_shift;
		long held = pg->ref_dead ? 0 : 1;

		for (int i = 0; i < pg->nr_mapped && !ret; i++) {
			unsigned long s = PHYS_PFN_M(m, pg->ranges[i].start);
			unsigned long e = PHYS_PFN_M(m, pg->ranges[i].end + 1);
			unsigned long first = pgmap_pfn_first(pg, i);

			if (!i && (pg->flags & PGMAP_ALTMAP_VALID))
				s += pg->altmap.reserve;	/* never initialised */
			for (unsigned long pfn = s; pfn < first && !ret; pfn++)
				ret = audit_altmap_page(m, a, pfn);
			for (unsigned long pfn = first; pfn < e && !ret; pfn += per)
				ret = audit_device_page(m, a, pg, pfn, &held);
		}
		if (!ret && pg->nr_mapped && atomic_load(&pg->ref) < held)
			ret = fail(a, "pgmap %#llx: %ld references, its pages hold %ld",
				   (unsigned long long)pg->ranges[0].start, atomic_load(&pg->ref), held);
	}
	pthread_mutex_unlock(&m->resource_lock);
	return ret;
}

/* a partly populated section: its distinct vmemmap pages (runs of one pfn) */
static unsigned long subsection_memmap_pages(const struct mem_section *ms, unsigned long slots)
{
	unsigned long n = 0;

	for (unsigned long k = 0; k < slots; k++)
		n += ms->memmap_pfns[k] && (!k || ms->memmap_pfns[k] != ms->memmap_pfns[k - 1]);
	return n;
}

static int audit_sections(struct memhp_machine *m, struct audit *a)
{
	unsigned long per = PFN_UP_M(m, m->pages_per_section * sizeof(struct page));
	unsigned long hot = 0, boot = 0;

	for (unsigned long nr = 0; nr < m->nr_sections; nr++) {
		struct mem_section *ms = &m->sections[nr];

		if (!(ms->flags & SECTION_MARKED_PRESENT)) {
			if (ms->flags || ms->memmap_src != MEMMAP_NONE)
				return fail(a, "section %lu not present but has state", nr);
			continue;
		}
		if (ms->memmap_src == MEMMAP_BOOT)
			boot += per;
		else if (ms->memmap_src == MEMMAP_SUBSECTIONS)
			hot += subsection_memmap_pages(ms, per);
		else if (ms->memmap_src == MEMMAP_COMPOUND)	/* deduplicated: 2 per folio */
			hot += MAX(m->pages_per_section >> ms->compound_order, 1UL) * VMEMMAP_RESERVE_NR;
		else if (ms->memmap_src != MEMMAP_COMPOUND_REUSE)
			hot += per;
	}
	if (hot != (unsigned long)atomic_load(&m->nr_memmap_pages))
		return fail(a, "nr_memmap_pages %ld, sections need %lu", atomic_load(&m->nr_memmap_pages), hot);
	if (boot != (unsigned long)atomic_load(&m->nr_memmap_boot_pages))
		return fail(a, "nr_memmap_boot_pages %ld, sections need %lu",
			    atomic_load(&m->nr_memmap_boot_pages), boot);
	return 0;
}

static int audit_blocks(struct memhp_machine *m, struct audit *a)
{
	unsigned long per = PFN_UP_M(m, m->pages_per_section * sizeof(struct page));

	for (struct memory_group *g = m->groups; g; g = g->next) {
		unsigned long kernel = 0, movable = 0, blocks = 0;

		for (unsigned long id = 0; id < m->nr_block_ids; id++) {
			struct memory_block *mem = m->blocks[id];

			if (!mem || mem->group != g)
				continue;
			blocks++;
			if (atomic_load(&mem->state) != MEM_ONLINE || !mem->zone)
				continue;
			if (mem->zone->idx == ZONE_MOVABLE)
				movable += m->pages_per_block;
			else
				kernel += m->pages_per_block;
		}
		if (blocks != g->nr_blocks || kernel != g->present_kernel_pages ||
		    movable != g->present_movable_pages)
			return fail(a, "group %d: %lu blocks, kernel %lu, movable %lu; counters %lu, %lu, %lu",
				    g->id, blocks, kernel, movable, g->nr_blocks, g->present_kernel_pages,
				    g->present_movable_pages);
	}
	for (unsigned long id = 0; id < m->nr_block_ids; id++) {
		struct memory_block *mem = m->blocks[id];
		int state;

		if (!mem)
			continue;
		state = atomic_load(&mem->state);
		if (state == MEM_GOING_OFFLINE)
			return fail(a, "memory%lu is going-offline with no offline running", id);
		if ((state == MEM_OFFLINE) != mem->dev_offline)
			return fail(a, "memory%lu: state and dev->offline disagree", id);
		for (unsigned long s = 0; s < m->sections_per_block; s++) {
			struct mem_section *ms = &m->sections[mem->start_section_nr + s];
			bool online = ms->flags & SECTION_IS_ONLINE;

			if (!(ms->flags & SECTION_MARKED_PRESENT))
				continue;
			if (online != (state == MEM_ONLINE))
				return fail(a, "memory%lu is %s but section %lu is %s", id,
					    state == MEM_ONLINE ? "online" : "offline",
					    mem->start_section_nr + s, online ? "online" : "offline");
		}
		if (state == MEM_OFFLINE && mem->zone)
			return fail(a, "memory%lu offline with a zone", id);
		if (mem->altmap && mem->altmap->alloc != per * m->sections_per_block)
			return fail(a, "memory%lu: altmap alloc %lu, sections need %lu", id,
				    mem->altmap->alloc, per * m->sections_per_block);
		if (state == MEM_ONLINE && mem->zone) {
			unsigned long start = section_nr_to_pfn(m, mem->start_section_nr);

			for (unsigned long pfn = start; pfn < start + m->pages_per_block; pfn += m->pageblock_nr_pages) {
				struct page tmp;
				const struct page *p = page_peek(m, pfn, &tmp);

				if ((p->flags & PG_hole) || !pfn_online(m, pfn))
					continue;	/* a hole, or device memory sharing the boot section */
				if (p->zone != mem->zone->idx)
					return fail(a, "memory%lu in zone %s holds pfn %#lx of zone %s", id,
						    mem->zone->name, pfn, zone_names[p->zone]);
			}
		}
	}
	return 0;
}

/*
 * Every region page is a movable page that points back at its owner, or a
 * device-private page whose reverse map does (migrate_device.c).
 */
static int audit_regions(struct memhp_machine *m, struct audit *a)
{
	for (struct memhp_region *r = m->regions; r; r = r->next) {
		for (size_t i = 0; i < r->nr_pages; i++) {
			unsigned long pfn = r->pfns[i];
			struct page *p;

			if (is_device_private_pfn(m, pfn)) {
				p = pfn_to_page(m, pfn);
				if (p->private != (uint64_t)(uintptr_t)r || p->index != i || p->refcount < 1)
					return fail(a, "device pfn %#lx does not point back at its region page %zu",
						    pfn, i);
				continue;
			}
			if (!pfn_online(m, pfn))
				return fail(a, "region page %zu at pfn %#lx is not online memory", i, pfn);
			p = pfn_to_page(m, pfn);
			/* off the LRU only while a migration holds it locked */
			if (!(p->flags & (PG_lru | PG_locked)) || p->owner != (uint64_t)(uintptr_t)r ||
			    p->index != i || p->refcount < 1)
				return fail(a, "pfn %#lx does not point back at its region page %zu", pfn, i);
			/*
			 * An mlocked region's pages are PG_mlocked, no other's are;
			 * a migration's new page becomes so only when it is mapped
			 * (remove_migration_pte's mlock_drain_local), so not while
			 * the migration holds it locked and off the LRU.
			 */
			if ((p->flags & (PG_locked | PG_lru)) != PG_locked &&
			    !!(p->flags & PG_mlocked) != !!(r->flags & MEMHP_REGION_MLOCK))
				return fail(a, "pfn %#lx of region page %zu is %smlocked", pfn, i,
					    p->flags & PG_mlocked ? "" : "not ");
		}
	}
	return 0;
}

int memhp_audit(struct memhp_machine *m, char *msg, size_t len)
{
	machine_check(m);
	struct audit a = { msg, len, 0 };
	int ret;

	if (msg && len)
		msg[0] = '\0';
	pthread_mutex_lock(&m->device_hotplug_lock);
	bool locked = get_online_mems(m);
	pthread_mutex_lock(&m->owners_lock);
	pthread_mutex_lock(&m->span_lock);
	pcp_lock_all(m);
	for (unsigned int nid = 0; nid < m->nr_nodes; nid++)
		for (int z = 0; z < MAX_NR_ZONES; z++)
			pthread_mutex_lock(&m->nodes[nid].node_zones[z].lock);
	ret = audit_sections(m, &a);
	if (!ret)
		ret = audit_zones(m, &a);
	if (!ret)
		ret = audit_spans(m, &a);
	if (!ret)
		ret = audit_blocks(m, &a);
	if (!ret)
		ret = audit_regions(m, &a);
	if (!ret)
		ret = audit_pgmaps(m, &a);
	for (unsigned int nid = m->nr_nodes; nid-- > 0;)
		for (int z = MAX_NR_ZONES; z-- > 0;)
			pthread_mutex_unlock(&m->nodes[nid].node_zones[z].lock);
	pcp_unlock_all(m);
	pthread_mutex_unlock(&m->span_lock);
	pthread_mutex_unlock(&m->owners_lock);
	put_online_mems(m, locked);
	pthread_mutex_unlock(&m->device_hotplug_lock);
	return ret;
}
