// SPDX-License-Identifier: MIT
/*
 * mmzone.c - zones, nodes, spans and page counts (mm/memory_hotplug.c,
 * mm/page_alloc.c, mm/mm_init.c).
 *
 * The counters follow the kernel to the page:
 *   spanned/zone_start_pfn  grow on online for the vmemmap part and the rest
 *                           (move_pfn_range_to_zone) and shrink only when an
 *                           edge is removed (shrink_zone_span), so a hole in
 *                           the middle stays spanned;
 *   present                 +-nr at online/offline, +-nv for the vmemmap in
 *                           memory_block_online/offline
 *                           (adjust_present_page_count);
 *   managed                 only pages handed to the buddy: vmemmap pages
 *                           are present but never managed.
 * Spans, present counts and node masks are guarded by span_lock; managed
 * counts are atomics, like the kernel's atomic_long_t.
 */
#include <string.h>

#include "internal.h"

const char *const zone_names[MAX_NR_ZONES] = { "DMA", "DMA32", "Normal", "Movable", "Device" };

void zones_init(struct memhp_machine *m)
{
	pthread_mutexattr_t spin;

	/*
	 * The kernel's zone->lock is a spinlock: held for a few list
	 * operations, so a waiter spins a while before it sleeps rather than
	 * paying a futex sleep and wake per contended allocation.
	 */
	pthread_mutexattr_init(&spin);
	pthread_mutexattr_settype(&spin, PTHREAD_MUTEX_ADAPTIVE_NP);
	for (unsigned int nid = 0; nid < MEMHP_MAX_NODES; nid++) {
		struct pglist_data *pgdat = &m->nodes[nid];

		pgdat->node_id = (int)nid;
		for (int z = 0; z < MAX_NR_ZONES; z++) {
			struct zone *zone = &pgdat->node_zones[z];

			zone->pgdat = pgdat;
			zone->idx = (enum zone_type)z;
			zone->name = zone_names[z];
			pthread_mutex_init(&zone->lock, &spin);
		}
	}
	pthread_mutexattr_destroy(&spin);
}

void zones_destroy(struct memhp_machine *m)
{
	for (unsigned int nid = 0; nid < MEMHP_MAX_NODES; nid++)
		for (int z = 0; z < MAX_NR_ZONES; z++)
			pthread_mutex_destroy(&m->nodes[nid].node_zones[z].lock);
}

struct zone *page_zone(struct memhp_machine *m, unsigned long pfn)
{
	struct zone *deferred = deferred_page_zone(m, pfn);
	struct page *p;

	if (deferred)
		return deferred;	/* its struct pages are not written yet */
	p = pfn_to_page(m, pfn);

	return &m->nodes[p->nid].node_zones[p->zone];
}

void init_single_page(struct memhp_machine *m, unsigned long pfn, int zid, int nid)
{
	init_single_page_flags(m, pfn, zid, nid, PG_init);
}

/* __init_single_page: the whole struct page written once, no read first */
void init_single_page_flags(struct memhp_machine *m, unsigned long pfn, int zid, int nid, uint32_t flags)
{
	*pfn_to_page(m, pfn) = (struct page){
		.flags = flags,
		.zone = (uint8_t)zid,
		.nid = (uint16_t)nid,
		.refcount = 1,
		.mapcount = -1,
	};
}

static void resize_zone_range(struct zone *zone, unsigned long start, unsigned long nr)
{
	unsigned long old_end = zone_end_pfn(zone);

	if (zone_is_empty(zone) || start < zone->zone_start_pfn)
		zone->zone_start_pfn = start;
	zone->spanned_pages = MAX(start + nr, old_end) - zone->zone_start_pfn;
}

static void resize_pgdat_range(struct pglist_data *pgdat, unsigned long start, unsigned long nr)
{
	unsigned long old_end = pgdat->node_start_pfn + pgdat->node_spanned_pages;

	if (!pgdat->node_spanned_pages || start < pgdat->node_start_pfn)
		pgdat->node_start_pfn = start;
	pgdat->node_spanned_pages = MAX(start + nr, old_end) - pgdat->node_start_pfn;
}

/*
 * move_pfn_range_to_zone: grow the spans, initialise every struct page of
 * the range into the zone as PageOffline (MEMINIT_HOTPLUG), and give every
 * pageblock `migratetype` (ISOLATE for online_pages, UNMOVABLE for the
 * vmemmap pages).
 */
/* the span half of move_pfn_range_to_zone; ZONE_DEVICE uses it alone */
void zone_span_grow(struct memhp_machine *m, struct zone *zone, unsigned long start_pfn,
		    unsigned long nr_pages)
{
	pthread_mutex_lock(&m->span_lock);
	zone->contiguous = false;
	resize_zone_range(zone, start_pfn, nr_pages);
	resize_pgdat_range(zone->pgdat, start_pfn, nr_pages);
	pthread_mutex_unlock(&m->span_lock);
}

void move_pfn_range_to_zone(struct memhp_machine *m, struct zone *zone, unsigned long start_pfn,
			    unsigned long nr_pages, int migratetype)
{
	int nid = zone->pgdat->node_id;

	zone_span_grow(m, zone, start_pfn, nr_pages);

	/* a deferred block's struct pages are written when first needed */
	if (pfn_memmap_deferred(m, start_pfn)) {
		for (unsigned long pfn = start_pfn; pfn < start_pfn + nr_pages; pfn += m->pageblock_nr_pages)
			set_pageblock_migratetype(m, pfn, migratetype);
		return;
	}
	for (unsigned long pfn = start_pfn; pfn < start_pfn + nr_pages; pfn++) {
		init_single_page_flags(m, pfn, zone->idx, nid, PG_init | PG_offline);
		if (pageblock_aligned(m, pfn))
			set_pageblock_migratetype(m, pfn, migratetype);
	}
}

/* find_smallest_section_pfn / find_biggest_section_pfn */
static bool pfn_in_zone_online(struct memhp_machine *m, struct zone *zone, unsigned long pfn)
{
	if (!pfn_online(m, pfn))
		return false;
	return page_zone(m, pfn) == zone;
}

static void shrink_zone_span(struct memhp_machine *m, struct zone *zone, unsigned long start_pfn,
			     unsigned long end_pfn)
{
	unsigned long step = pages_per_subsection(m), pfn;

	if (zone->zone_start_pfn == start_pfn) {
		for (pfn = end_pfn; pfn < zone_end_pfn(zone); pfn += step)
			if (pfn_in_zone_online(m, zone, pfn))
				break;
		if (pfn < zone_end_pfn(zone)) {
			zone->spanned_pages = zone_end_pfn(zone) - pfn;
			zone->zone_start_pfn = pfn;
		} else {
			zone->zone_start_pfn = 0;
			zone->spanned_pages = 0;
		}
	} else if (zone_end_pfn(zone) == end_pfn) {
		long p;

		for (p = (long)start_pfn - 1; p >= (long)zone->zone_start_pfn; p -= (long)step)
			if (pfn_in_zone_online(m, zone, (unsigned long)p))
				break;
		if (p >= (long)zone->zone_start_pfn) {
			zone->spanned_pages = (unsigned long)p - zone->zone_start_pfn + 1;
		} else {
			zone->zone_start_pfn = 0;
			zone->spanned_pages = 0;
		}
	}
}

static void update_pgdat_span(struct pglist_data *pgdat)
{
	unsigned long start = 0, end = 0;

	for (int z = 0; z < MAX_NR_ZONES; z++) {
		struct zone *zone = &pgdat->node_zones[z];

		if (!zone->spanned_pages)
			continue;
		if (!end) {
			start = zone->zone_start_pfn;
			end = zone_end_pfn(zone);
			continue;
		}
		start = MIN(start, zone->zone_start_pfn);
		end = MAX(end, zone_end_pfn(zone));
	}
	pgdat->node_start_pfn = start;
	pgdat->node_spanned_pages = end - start;
}

void remove_pfn_range_from_zone(struct memhp_machine *m, struct zone *zone,
				unsigned long start_pfn, unsigned long nr_pages)
{
	if (zone->idx == ZONE_DEVICE)
		return;	/* ZONE_DEVICE spans are never shrunk */
	pthread_mutex_lock(&m->span_lock);
	zone->contiguous = false;
	shrink_zone_span(m, zone, start_pfn, start_pfn + nr_pages);
	update_pgdat_span(zone->pgdat);
	pthread_mutex_unlock(&m->span_lock);
}

void adjust_present_page_count(struct memhp_machine *m, unsigned long pfn,
			       struct memory_group *group, long nr_pages)
{
	struct zone *zone = page_zone(m, pfn);
	struct mem_section *ms = pfn_to_section(m, pfn);
	bool movable = zone->idx == ZONE_MOVABLE;

	pthread_mutex_lock(&m->span_lock);
	if (ms->flags & SECTION_IS_EARLY)
		zone->present_early_pages += (unsigned long)nr_pages;
	/* span_lock orders the writers; populated_zone() reads it lock-free */
	__atomic_store_n(&zone->present_pages, zone->present_pages + (unsigned long)nr_pages, __ATOMIC_RELAXED);
	zone->pgdat->node_present_pages += (unsigned long)nr_pages;
	if (group && movable)
		group->present_movable_pages += (unsigned long)nr_pages;
	else if (group)
		group->present_kernel_pages += (unsigned long)nr_pages;
	pthread_mutex_unlock(&m->span_lock);
}

void adjust_managed_page_count(struct zone *zone, long nr_pages, struct memhp_machine *m)
{
	atomic_fetch_add(&zone->managed_pages, nr_pages);
	atomic_fetch_add(&m->totalram_pages, nr_pages);
}

void node_set_state(struct memhp_machine *m, int nid, enum node_states s)
{
	pthread_mutex_lock(&m->span_lock);
	m->node_masks[s] |= 1u << nid;
	pthread_mutex_unlock(&m->span_lock);
}

void node_clear_state(struct memhp_machine *m, int nid, enum node_states s)
{
	pthread_mutex_lock(&m->span_lock);
	m->node_masks[s] &= ~(1u << nid);
	pthread_mutex_unlock(&m->span_lock);
}

bool node_state(struct memhp_machine *m, int nid, enum node_states s)
{
	bool r;

	pthread_mutex_lock(&m->span_lock);
	r = m->node_masks[s] & (1u << nid);
	pthread_mutex_unlock(&m->span_lock);
	return r;
}

/* int_sqrt: the largest r with r * r <= x, one bit at a time (lib/math/int_sqrt.c) */
static unsigned long int_sqrt(unsigned long x)
{
	unsigned long r = 0, bit = 1UL << (sizeof(x) * 8 - 2);

	while (bit > x)
		bit >>= 2;
	while (bit) {
		if (x >= r + bit) {
			x -= r + bit;
			r = (r >> 1) + bit;
		} else {
			r >>= 1;
		}
		bit >>= 2;
	}
	return r;
}

/*
 * init_per_zone_wmark_min + khugepaged's recommended minimum +
 * __setup_per_zone_wmarks: the watermarks /proc/zoneinfo prints and the
 * allocator honours (an allocation may not take a zone below its min).
 */
static void setup_per_zone_lowmem_reserve(struct memhp_machine *m);

/* a zone's managed pages as the boot's initcalls see them (zone->late_freed) */
static unsigned long managed_at_initcalls(const struct memhp_machine *m, struct zone *zone)
{
	unsigned long managed = (unsigned long)atomic_load(&zone->managed_pages);

	return m->initcalls ? managed - MIN(managed, zone->late_freed) : managed;
}

/*
 * nr_free_buffer_pages: what GFP_USER may use - over every zone up to
 * Normal, the managed pages above the zone's high watermark as it stands
 */
static unsigned long nr_free_buffer_pages(struct memhp_machine *m)
{
	unsigned long sum = 0;

	for (unsigned int nid = 0; nid < m->nr_nodes; nid++)
		for (int z = 0; z <= ZONE_NORMAL; z++) {
			struct zone *zone = &m->nodes[nid].node_zones[z];
			unsigned long managed = managed_at_initcalls(m, zone);

			sum += managed > zone->wmark_high ? managed - zone->wmark_high : 0;
		}
	return sum;
}

/*
 * nr_free_zone_pages(gfp_zone(GFP_HIGHUSER_MOVABLE)): over the populated
 * zones of the nodes in one fallback list (the CPU's node's), the managed
 * pages above each zone's high watermark as it stands - the "Total pages"
 * build_all_zonelists logs.  A block onlined into an empty zone counts
 * against the zone's old high watermark (online_pages rebuilds the lists
 * before init_per_zone_wmark_min): 32 for a Movable zone whose watermarks
 * were set while it was empty, 0 for a zone of a newly added node.
 * `early`: the boot's first build, before memblock_free_all, where a
 * zone's managed count is its present one (zone_init_internals) and no
 * watermark is set.  span_lock held (the zones' late_freed).
 */
unsigned long nr_free_zone_pages(struct memhp_machine *m, const uint8_t *nodes, unsigned int nr, bool early)
{
	unsigned long sum = 0;

	lockdep_assert_held(&m->span_lock);
	for (unsigned int i = 0; i < nr; i++)
		for (int z = 0; z <= ZONE_MOVABLE; z++) {
			struct zone *zone = &m->nodes[nodes[i]].node_zones[z];
			unsigned long managed, high;

			if (!populated_zone(zone))
				continue;
			if (early) {
				sum += zone->present_pages;
				continue;
			}
			/* the watermarks are written under the zone lock */
			pthread_mutex_lock(&zone->lock);
			high = zone->wmark_high;
			pthread_mutex_unlock(&zone->lock);
			managed = managed_at_initcalls(m, zone);
			sum += managed > high ? managed - high : 0;
		}
	return sum;
}

/* __setup_per_zone_wmarks for min_free_kbytes */
static void __setup_per_zone_wmarks(struct memhp_machine *m, unsigned long min_free_kbytes)
{
	unsigned long pages_min = min_free_kbytes / (m->page_size >> 10), lowmem_pages = 0;

	for (unsigned int nid = 0; nid < m->nr_nodes; nid++)
		for (int z = 0; z <= ZONE_NORMAL; z++)
			lowmem_pages += managed_at_initcalls(m, &m->nodes[nid].node_zones[z]);
	lockdep_assert_held(&m->span_lock);
	for (unsigned int nid = 0; nid < m->nr_nodes; nid++) {
		/*
		 * for_each_zone walks the online nodes: a node hot-added for
		 * the first time has no watermarks until the next setup, and
		 * one taken offline keeps its last ones (hotadd_init_pgdat
		 * does not reset them)
		 */
		if (!(m->node_masks[N_ONLINE] & (1u << nid)))
			continue;
		for (int z = 0; z < MAX_NR_ZONES; z++) {
			struct zone *zone = &m->nodes[nid].node_zones[z];
			unsigned long managed = managed_at_initcalls(m, zone);
			unsigned long tmp = lowmem_pages ? pages_min * managed / lowmem_pages : 0;

			if (z == ZONE_DEVICE)
				continue;
			/* the allocator checks them under the zone lock */
			pthread_mutex_lock(&zone->lock);
			if (z == ZONE_MOVABLE)
				zone->wmark_min = MIN(MAX(managed / 1024, 32UL), 128UL);
			else
				zone->wmark_min = z < ZONE_MOVABLE ? tmp : 0;
			tmp = MAX(tmp >> 2, managed * 10 / 10000);
			zone->wmark_low = zone->wmark_min + tmp;
			zone->wmark_high = zone->wmark_low + tmp;
			zone->wmark_promo = zone->wmark_high + tmp;
			pthread_mutex_unlock(&zone->lock);
		}
	}
}

/*
 * init_per_zone_wmark_min: min_free_kbytes from what GFP_USER may use
 * (calculate_min_free_kbytes - its high watermarks those still standing),
 * the watermarks, the lowmem reserves, then khugepaged's recommended
 * minimum (set_recommended_min_free_kbytes: at most a twentieth of what
 * GFP_USER may use under the watermarks just set), which raises
 * min_free_kbytes and the watermarks again when it is larger.
 */
void setup_per_zone_wmarks(struct memhp_machine *m)
{
	unsigned long kb_per_page = m->page_size >> 10, min_free_kbytes, recommended;
	unsigned long managed[MEMHP_MAX_NODES][MAX_NR_ZONES];
	unsigned int nr_zones = 0;

	pthread_mutex_lock(&m->span_lock);
	min_free_kbytes = int_sqrt(nr_free_buffer_pages(m) * kb_per_page * 16);
	min_free_kbytes = MIN(MAX(min_free_kbytes, 128UL), 262144UL);
	__setup_per_zone_wmarks(m, min_free_kbytes);
	setup_per_zone_lowmem_reserve(m);
	for (unsigned int nid = 0; nid < m->nr_nodes; nid++)
		for (int z = 0; z <= ZONE_NORMAL; z++)
			nr_zones += m->nodes[nid].node_zones[z].present_pages != 0;
	recommended = m->pageblock_nr_pages * nr_zones * 2 + m->pageblock_nr_pages * nr_zones * 9;
	recommended = MIN(recommended, nr_free_buffer_pages(m) / 20) * kb_per_page;
	if (recommended > min_free_kbytes)
		__setup_per_zone_wmarks(m, recommended);
	for (unsigned int nid = 0; nid < m->nr_nodes; nid++)
		for (int z = 0; z < MAX_NR_ZONES; z++)
			managed[nid][z] = managed_at_initcalls(m, &m->nodes[nid].node_zones[z]);
	pthread_mutex_unlock(&m->span_lock);
	/*
	 * The per-CPU lists' limits follow the watermarks, from the same
	 * managed count: at boot the initcalls' (init_per_zone_wmark_min's
	 * zone_pcp_update runs before the initrd and the image's init
	 * sections are freed, and nothing sets the limits again until the
	 * watermarks next change).
	 */
	for (unsigned int nid = 0; nid < m->nr_nodes; nid++)
		for (int z = 0; z < MAX_NR_ZONES; z++)
			zone_pcp_update(m, &m->nodes[nid].node_zones[z], managed[nid][z]);
}

/* sysctl_lowmem_reserve_ratio: 256 for DMA and DMA32, 32 for Normal */
static const unsigned int lowmem_reserve_ratio[MAX_NR_ZONES] = {
	[ZONE_DMA] = 256, [ZONE_DMA32] = 256, [ZONE_NORMAL] = 32,
};

/*
 * setup_per_zone_lowmem_reserve, which init_per_zone_wmark_min runs after
 * the watermarks: zone i keeps back, from an allocation that could have
 * used zones up to j, the managed pages of the zones above it up to j over
 * i's ratio - a movable allocation falling back to Normal must leave
 * Normal (Movable's managed / 32) pages above the watermark for the kernel.
 * A zone without managed pages, or without a ratio, keeps nothing back.
 */
static void setup_per_zone_lowmem_reserve(struct memhp_machine *m)
{
	lockdep_assert_held(&m->span_lock);
	for (unsigned int nid = 0; nid < m->nr_nodes; nid++) {
		struct pglist_data *pgdat = &m->nodes[nid];

		for (int i = 0; i < MAX_NR_ZONES - 1; i++) {
			struct zone *zone = &pgdat->node_zones[i];
			unsigned int ratio = lowmem_reserve_ratio[i];
			bool clear = !ratio || !managed_at_initcalls(m, zone);
			unsigned long managed = 0;

			pthread_mutex_lock(&zone->lock);
			for (int j = i + 1; j < MAX_NR_ZONES; j++) {
				managed += managed_at_initcalls(m, &pgdat->node_zones[j]);
				zone->lowmem_reserve[j] = clear ? 0 : managed / ratio;
			}
			pthread_mutex_unlock(&zone->lock);
		}
	}
}

/*
 * calculate_totalreserve_pages: per zone the largest of its reserves
 * against the zones it serves plus its high watermark, at most its managed
 * pages - what MemAvailable leaves out
 */
unsigned long totalreserve_pages(struct memhp_machine *m)
{
	unsigned long total = 0;

	lockdep_assert_held(&m->span_lock);
	for (unsigned int nid = 0; nid < m->nr_nodes; nid++) {
		for (int i = 0; i < MAX_NR_ZONES; i++) {
			struct zone *zone = &m->nodes[nid].node_zones[i];
			unsigned long max = 0;

			for (int j = i; j < MAX_NR_ZONES; j++)
				max = MAX(max, zone->lowmem_reserve[j]);
			max += zone->wmark_high;
			total += MIN(max, (unsigned long)atomic_load(&zone->managed_pages));
		}
	}
	return total;
}
