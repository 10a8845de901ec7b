// SPDX-License-Identifier: MIT
/*
 * page_alloc.c - the buddy allocator (mm/page_alloc.c, mm/page_isolation.c).
 *
 * Each zone has free lists per order (0..MAX_PAGE_ORDER) and per migratetype
 * (the type of the pageblock a chunk starts in).  A free chunk's head page
 * has PG_buddy and its order; merging stops at MAX_PAGE_ORDER, at a buddy in
 * another zone, and between pageblocks of different migratetypes.
 *
 * Accounting matches the kernel's 6.12 rules: free pages in MIGRATE_ISOLATE
 * pageblocks are not counted in NR_FREE_PAGES (account_freepages), so while
 * a range is isolated for online or offline its free pages are invisible.
 *
 * Onlining hands pages to the buddy in max-order-aligned chunks
 * (online_pages_range -> generic_online_page -> __free_pages_core), which is
 * also where managed pages and MemTotal grow.  Offlining takes the isolated
 * chunks off the lists again (__offline_isolated_pages).
 *
 * Invariant (checked by debug_vm): a page is on a free list iff it is the
 * head of a PG_buddy chunk, and the chunk lies in one zone, in online
 * sections, in pageblocks of one migratetype.
 */
#include <string.h>

#include "internal.h"

const char *const migratetype_names[MIGRATE_TYPES] = {
	"Unmovable", "Movable", "Reclaimable", "HighAtomic", "Isolate"
};

void free_list_add(struct free_list *l, struct page *p, bool to_tail)
{
	p->next = p->prev = NULL;
	if (!l->head) {
		l->head = l->tail = p;
	} else if (to_tail) {
		p->prev = l->tail;
		l->tail->next = p;
		l->tail = p;
	} else {
		p->next = l->head;
		l->head->prev = p;
		l->head = p;
	}
}

void free_list_del(struct free_list *l, struct page *p)
{
	if (p->prev)
		p->prev->next = p->next;
	else
		l->head = p->next;
	if (p->next)
		p->next->prev = p->prev;
	else
		l->tail = p->prev;
	p->next = p->prev = NULL;
}

/* p goes right before pos, which is on l */
void free_list_insert_before(struct free_list *l, struct page *pos, struct page *p)
{
	p->next = pos;
	p->prev = pos->prev;
	if (pos->prev)
		pos->prev->next = p;
	else
		l->head = p;
	pos->prev = p;
}

/* p goes right after pos, which is on l */
void free_list_insert_after(struct free_list *l, struct page *pos, struct page *p)
{
	p->prev = pos;
	p->next = pos->next;
	if (pos->next)
		pos->next->prev = p;
	else
		l->tail = p;
	pos->next = p;
}

/*
 * The first chunk of a list.  A deferred block's placeholder there is
 * materialized first (deferred_grow_zone).  NULL if the list is empty, or
 * with *err = -ENOMEM if the block's memmap cannot be mapped: the host is
 * out of memory, and the allocation fails rather than go elsewhere.
 */
static struct page *free_list_first(struct memhp_machine *m, struct free_list *l, int *err)
{
	struct page *p;

	while ((p = l->head) && (p->flags & PG_deferred)) {
		*err = deferred_init_run(m, p);
		if (*err)
			return NULL;
	}
	return p;
}

static void account_freepages(struct zone *zone, long nr, int mt)
{
	if (mt == MIGRATE_ISOLATE)
		return;
	atomic_fetch_add(&zone->nr_free_pages, nr);
}

static void add_to_free_list(struct memhp_machine *m, struct zone *zone, unsigned long pfn,
			     unsigned int order, int mt, bool to_tail)
{
	struct page *p = pfn_to_page(m, pfn);

	page_flags_set(p, PG_buddy);
	set_page_order(p, order);
	p->refcount = 0;
	p->private = (uint64_t)mt;	/* the list it is on */
	free_list_add(&zone->free_area[order].list[mt], p, to_tail);
	zone->free_area[order].nr_free++;
	account_freepages(zone, 1L << order, mt);
}

/* off its free list; the list is the one recorded when it was added */
static void del_from_free_list(struct memhp_machine *m, struct zone *zone, unsigned long pfn,
			       unsigned int order)
{
	struct page *p = pfn_to_page(m, pfn);
	int mt = (int)p->private;

	free_list_del(&zone->free_area[order].list[mt], p);
	page_flags_clear(p, PG_buddy);
	p->private = 0;
	zone->free_area[order].nr_free--;
	account_freepages(zone, -(1L << order), mt);
}

bool page_is_buddy_head(struct page *p)
{
	return page_flags(p) & PG_buddy;
}

/* the unmovable, movable and reclaimable types may share a max-order chunk */
static bool migratetype_is_mergeable(int mt)
{
	return mt < MIGRATE_HIGHATOMIC;
}

/*
 * page_is_buddy: pfn heads a free chunk of `order` in `zone`.  Not ours
 * unless PG_buddy: only then does the zone lock cover it.
 */
static bool page_is_buddy(struct memhp_machine *m, const struct zone *zone, unsigned long pfn, unsigned int order)
{
	struct page *b;

	if (!pfn_valid(m, pfn))
		return false;
	b = pfn_to_page(m, pfn);
	return (page_flags(b) & PG_buddy) && b->order == order && b->zone == zone->idx &&
	       b->nid == zone->pgdat->node_id;
}

/* change_pageblock_range: every pageblock of the chunk at pfn gets `mt` */
static void change_pageblock_range(struct memhp_machine *m, unsigned long pfn, unsigned int order, int mt)
{
	for (unsigned long q = pfn; q < pfn + (1UL << order); q += m->pageblock_nr_pages)
		set_pageblock_migratetype(m, q, mt);
}

/*
 * A free buddy of the same order `mt` may merge with: below pageblock_order
 * both halves lie in one pageblock and share its type; from it up they lie
 * in two pageblocks, which merge when both types are mergeable.
 */
static bool buddy_mergeable(struct memhp_machine *m, struct zone *zone, unsigned long buddy_pfn,
			    unsigned int order, int mt)
{
	int buddy_mt;

	if (!page_is_buddy(m, zone, buddy_pfn, order))
		return false;
	buddy_mt = (int)pfn_to_page(m, buddy_pfn)->private;
	if (buddy_mt == mt)
		return true;
	return order >= m->arch->pageblock_order && migratetype_is_mergeable(mt) &&
	       migratetype_is_mergeable(buddy_mt);
}

/*
 * Merge with free buddies up to MAX_PAGE_ORDER.  A buddy pageblock of
 * another type takes the type of the pages being freed, so that expand()
 * later puts every part on the right list (__free_one_page's "match buddy
 * type"): a stolen pageblock stays stolen when its pages come back, and
 * a whole free max-order chunk has the type of the half freed last.
 */
static void merge_buddies(struct memhp_machine *m, struct zone *zone, unsigned long *pfn,
			  unsigned int *order, int mt)
{
	while (*order < m->arch->max_order) {
		unsigned long buddy_pfn = *pfn ^ (1UL << *order);

		if (!buddy_mergeable(m, zone, buddy_pfn, *order, mt))
			break;
		if ((int)pfn_to_page(m, buddy_pfn)->private != mt)
			change_pageblock_range(m, buddy_pfn, *order, mt);
		del_from_free_list(m, zone, buddy_pfn, *order);
		*pfn &= buddy_pfn;
		(*order)++;
	}
}

/*
 * buddy_merge_likely: the chunk's buddy is in use, but the buddy of the
 * pair one order up is free - once the buddy comes back the two merge
 * further, so the chunk waits at the tail of its list, where allocations
 * reach it last.
 */
static bool buddy_merge_likely(struct memhp_machine *m, struct zone *zone, unsigned long pfn, unsigned int order)
{
	unsigned long higher = pfn & ~((2UL << order) - 1);

	return order + 1 < m->arch->max_order && page_is_buddy(m, zone, higher ^ (2UL << order), order + 1);
}

/* __free_one_page; caller holds zone->lock */
static void __free_one_page(struct memhp_machine *m, struct zone *zone, unsigned long pfn,
			    unsigned int order, int mt, bool to_tail)
{
	lockdep_assert_held(&zone->lock);
	merge_buddies(m, zone, &pfn, &order, mt);
	/* FPI_TO_TAIL (onlining), else where the kernel expects a merge */
	if (!to_tail)
		to_tail = buddy_merge_likely(m, zone, pfn, order);
	add_to_free_list(m, zone, pfn, order, mt, to_tail);
}

void free_one_page(struct memhp_machine *m, struct zone *zone, unsigned long pfn,
		   unsigned int order, int migratetype, bool to_tail)
{
	pthread_mutex_lock(&zone->lock);
	__free_one_page(m, zone, pfn, order, migratetype, to_tail);
	pthread_mutex_unlock(&zone->lock);
}

/* __free_pages_core(MEMINIT_HOTPLUG): the pages become managed, then free */
void generic_online_page(struct memhp_machine *m, unsigned long pfn, unsigned int order)
{
	struct zone *zone = page_zone(m, pfn);
	unsigned long nr = 1UL << order;

	for (unsigned long i = 0; i < nr; i++) {
		struct page *p = pfn_to_page(m, pfn + i);

		/* still isolated, out of the buddy: ours alone */
		page_flags_store(p, page_flags(p) & ~PG_offline);
		set_page_count(p, 0);
	}
	adjust_managed_page_count(zone, (long)nr, m);
	free_one_page(m, zone, pfn, order, get_pageblock_migratetype(m, pfn), true);
}

/* expand(): split a chunk down to `low`, the halves going back to `mt` */
static void expand(struct memhp_machine *m, struct zone *zone, unsigned long pfn,
		   unsigned int low, unsigned int high, int mt)
{
	while (high > low) {
		high--;
		add_to_free_list(m, zone, pfn + (1UL << high), high, mt, false);
	}
}

/* a pfn, -1 when there is none, -ENOMEM when the host failed us */
static long rmqueue_smallest(struct memhp_machine *m, struct zone *zone, unsigned int order, int mt)
{
	for (unsigned int o = order; o <= m->arch->max_order; o++) {
		int err = 0;
		struct page *p = free_list_first(m, &zone->free_area[o].list[mt], &err);
		unsigned long pfn;

		if (err)
			return err;
		if (!p)
			continue;
		pfn = page_to_pfn(m, p);
		del_from_free_list(m, zone, pfn, o);
		expand(m, zone, pfn, order, o, mt);
		return (long)pfn;
	}
	return -1;
}

static void move_freepages_range(struct memhp_machine *m, struct zone *zone, unsigned long start,
				 unsigned long end, int to_mt);

/* the types a fallback may take from, in the order it tries them */
static const int fallbacks[3][2] = {
	[MIGRATE_UNMOVABLE] = { MIGRATE_RECLAIMABLE, MIGRATE_MOVABLE },
	[MIGRATE_MOVABLE] = { MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE },
	[MIGRATE_RECLAIMABLE] = { MIGRATE_UNMOVABLE, MIGRATE_MOVABLE },
};

/*
 * can_steal_fallback: a chunk of half a pageblock or more, or any chunk
 * for an unmovable or reclaimable allocation - whose pollution of a
 * movable pageblock costs more - may take its whole pageblock.
 */
static bool can_steal_fallback(const struct memhp_machine *m, unsigned int order, int start_mt)
{
	return order >= m->arch->pageblock_order / 2 || start_mt != MIGRATE_MOVABLE;
}

/* find_suitable_fallback: the first fallback type with a chunk of `order` */
static int find_suitable_fallback(struct memhp_machine *m, struct zone *zone, unsigned int order, int mt,
				  bool *can_steal)
{
	if (!zone->free_area[order].nr_free)
		return -1;
	for (int i = 0; i < 2; i++) {
		int fmt = fallbacks[mt][i];

		if (!zone->free_area[order].list[fmt].head)
			continue;
		*can_steal = can_steal_fallback(m, order, mt);
		return fmt;
	}
	return -1;
}

/*
 * prep_move_freepages_block's count: the free pages of pfn's pageblock and
 * its pages a migration could move; false when the block leaves the zone
 */
static bool count_pageblock(struct memhp_machine *m, struct zone *zone, unsigned long pfn, unsigned long *start,
			    unsigned long *nr_free, unsigned long *nr_movable)
{
	unsigned long end;

	*start = ALIGN_DOWN(pfn, m->pageblock_nr_pages);
	end = *start + m->pageblock_nr_pages;
	if (*start < zone->zone_start_pfn || end > zone_end_pfn(zone))
		return false;
	*nr_free = *nr_movable = 0;
	for (unsigned long q = *start; q < end; q++) {
		struct page *p = pfn_to_page(m, q);

		if (page_flags(p) & PG_buddy) {
			*nr_free += 1UL << p->order;
			q += (1UL << p->order) - 1;
		} else if (page_flags(p) & PG_lru) {
			(*nr_movable)++;
		}
	}
	return true;
}

/*
 * try_to_steal_block: a chunk of a pageblock or more is claimed whole -
 * its pageblocks take the allocation's type.  A smaller chunk claims its
 * pageblock only when at least half of that block is free or already in
 * use by the allocation's kind (for an unmovable or reclaimable allocation
 * in a movable block: every page in use that is not movable); its free
 * chunks then move to the allocation's lists.  -1 when it may not.
 */
static long try_to_steal_block(struct memhp_machine *m, struct zone *zone, unsigned long pfn,
			       unsigned int current_order, unsigned int order, int start_mt)
{
	int block_mt = get_pageblock_migratetype(m, pfn);
	unsigned long start, nr_free, nr_movable, alike;

	if (block_mt == MIGRATE_HIGHATOMIC)
		return -1;
	if (current_order >= m->arch->pageblock_order) {
		del_from_free_list(m, zone, pfn, current_order);
		change_pageblock_range(m, pfn, current_order, start_mt);
		expand(m, zone, pfn, order, current_order, start_mt);
		return (long)pfn;
	}
	if (!count_pageblock(m, zone, pfn, &start, &nr_free, &nr_movable))
		return -1;
	if (start_mt == MIGRATE_MOVABLE)
		alike = nr_movable;
	else if (block_mt == MIGRATE_MOVABLE)
		alike = m->pageblock_nr_pages - (nr_free + nr_movable);
	else
		alike = 0;
	if (nr_free + alike < m->pageblock_nr_pages / 2)
		return -1;
	move_freepages_range(m, zone, start, start + m->pageblock_nr_pages, start_mt);
	return rmqueue_smallest(m, zone, order, start_mt);
}

/*
 * __rmqueue_claim: from the largest chunk of a fallback type down, the
 * first that may claim its pageblock does.  With ALLOC_NOFRAGMENT only
 * chunks of a whole pageblock or more are looked at: no pageblock is
 * shared by two kinds of allocation, the zone is passed over instead.
 */
static long rmqueue_claim(struct memhp_machine *m, struct zone *zone, unsigned int order, int mt,
			  unsigned int alloc_flags)
{
	unsigned int min_order = order;

	if (order < m->arch->pageblock_order && (alloc_flags & ALLOC_NOFRAGMENT))
		min_order = m->arch->pageblock_order;
	for (int o = (int)m->arch->max_order; o >= (int)min_order; o--) {
		bool can_steal = false;
		int fmt = find_suitable_fallback(m, zone, (unsigned int)o, mt, &can_steal), err = 0;
		struct page *p;
		long pfn;

		if (fmt < 0)
			continue;
		if (!can_steal)
			break;
		p = free_list_first(m, &zone->free_area[o].list[fmt], &err);
		if (err)
			return err;
		pfn = try_to_steal_block(m, zone, page_to_pfn(m, p), (unsigned int)o, order, mt);
		if (pfn != -1)
			return pfn;
	}
	return -1;
}

/*
 * __rmqueue_steal: the smallest chunk of a fallback type, its pageblock
 * left as it is (a movable page in an unmovable block, or the reverse)
 */
static long rmqueue_steal(struct memhp_machine *m, struct zone *zone, unsigned int order, int mt)
{
	for (unsigned int o = order; o <= m->arch->max_order; o++) {
		bool can_steal = false;
		int fmt = find_suitable_fallback(m, zone, o, mt, &can_steal), err = 0;
		struct page *p;
		unsigned long pfn;

		if (fmt < 0)
			continue;
		p = free_list_first(m, &zone->free_area[o].list[fmt], &err);
		if (err)
			return err;
		pfn = page_to_pfn(m, p);
		del_from_free_list(m, zone, pfn, o);
		expand(m, zone, pfn, order, o, fmt);
		return (long)pfn;
	}
	return -1;
}

/*
 * __rmqueue: the allocation's own type first, then a claim, then (not
 * under ALLOC_NOFRAGMENT) a single steal.  A batch that had to steal goes
 * on stealing (rmqueue_bulk's remembered mode): the claim search would
 * fail again.  -1 when the zone has nothing for it.  This is the fallback
 * of Debian's linux-source-6.12 (6.12.118), split into claim and steal;
 * the oracle's guest runs 6.12.107, and on the 1014 recorded runs memhp
 * is exact on the same ones with this and with the older single fallback.
 */
static long rmqueue(struct memhp_machine *m, struct zone *zone, unsigned int order, int mt,
		    unsigned int alloc_flags, bool *stealing)
{
	long pfn;

	if (!*stealing) {
		pfn = rmqueue_smallest(m, zone, order, mt);
		if (pfn != -1)
			return pfn;
		pfn = rmqueue_claim(m, zone, order, mt, alloc_flags);
		if (pfn != -1)
			return pfn;
	}
	if (alloc_flags & ALLOC_NOFRAGMENT)
		return -1;
	pfn = rmqueue_steal(m, zone, order, mt);
	*stealing = pfn >= 0;
	return pfn;
}

void prep_new_page(struct memhp_machine *m, unsigned long pfn, unsigned int order)
{
	struct page *head = pfn_to_page(m, pfn);

	/* the new owner's alone: plain (relaxed) stores, no locked updates */
	page_flags_store(head, (page_flags(head) & ~(PG_buddy | PG_tail)) | (order ? PG_head : 0));
	set_page_count(head, 1);
	set_page_order(head, order);
	for (unsigned long i = 1; i < (1UL << order); i++) {
		struct page *t = pfn_to_page(m, pfn + i);

		page_flags_store(t, (page_flags(t) & ~(PG_buddy | PG_head)) | PG_tail);
		set_page_count(t, 0);
		t->private = pfn;
	}
}

/*
 * zone_watermark_ok (zone->lock held): 2^order pages can go and leave the
 * zone above `mark` plus what it keeps back from allocations that could
 * use zones up to `highest` (lowmem_reserve) - and, for order > 0, a free
 * chunk of at least that order is on a list such an allocation may take
 * from (__zone_watermark_ok's free_area walk: unmovable, movable or
 * reclaimable, not the highatomic reserve nor an isolated block).
 */
bool zone_watermark_ok(const struct zone *zone, unsigned int order, unsigned long mark, int highest)
{
	if ((unsigned long)atomic_load(&zone->nr_free_pages) < mark + zone->lowmem_reserve[highest] + (1UL << order))
		return false;
	if (!order)
		return true;
	for (unsigned int o = order; o <= MAX_ORDER_LIMIT; o++)
		for (int mt = MIGRATE_UNMOVABLE; mt <= MIGRATE_RECLAIMABLE; mt++)
			if (zone->free_area[o].list[mt].head)
				return true;
	return false;
}

/*
 * rmqueue_bulk: __rmqueue up to n chunks of one order for a pcp refill.
 * The allocator checked the zone's watermark once before (as
 * get_page_from_freelist does): the whole batch is taken even if it goes
 * below it.  -ENOMEM if none because the host failed a deferred block's
 * memmap.
 */
int buddy_alloc_batch(struct memhp_machine *m, struct zone *zone, int mt, unsigned int order, long *pfns,
		      int n, unsigned int alloc_flags, bool *stealing)
{
	int got = 0;
	long pfn = -1;

	pthread_mutex_lock(&zone->lock);
	while (got < n) {
		pfn = rmqueue(m, zone, order, mt, alloc_flags, stealing);
		if (pfn < 0)
			break;
		pfns[got++] = pfn;
	}
	pthread_mutex_unlock(&zone->lock);
	return !got && pfn == -ENOMEM ? -ENOMEM : got;
}

long alloc_pages_zone(struct memhp_machine *m, struct zone *zone, unsigned int order, enum alloc_zones zones,
		      unsigned int alloc_flags)
{
	int mt = alloc_zones_migratetype(zones);
	bool stealing = false;
	long pfn = -1;

	if (pcp_allowed_order(m, order)) {
		pfn = pcp_alloc(m, zone, mt, order, alloc_flags);	/* rmqueue_pcplist */
		if (pfn != PCP_BYPASS)
			return pfn;
	}
	pthread_mutex_lock(&zone->lock);
	if (zone_watermark_ok(zone, order, zone->wmark_min, alloc_zones_highest(zones)))
		pfn = rmqueue(m, zone, order, mt, alloc_flags, &stealing);
	if (pfn >= 0)
		prep_new_page(m, (unsigned long)pfn, order);
	pthread_mutex_unlock(&zone->lock);
	return pfn;
}

/*
 * get_page_from_freelist notes a zone it finds under its high watermark
 * (ZONE_BELOW_HIGH): until a free finds it above again, its per-CPU lists
 * shrink instead of growing (nr_pcp_high); zone lock held
 */
static void note_below_high(struct zone *zone, unsigned int order, int highest)
{
	if (!atomic_load(&zone->below_high) && !zone_watermark_ok(zone, order, zone->wmark_high, highest))
		atomic_store(&zone->below_high, true);
}

/*
 * get_page_from_freelist on one node's zones, from the highest allowed
 * down: the first zone whose free pages stay above its low watermark (the
 * fast path) - or its min watermark (`slow`, the slow path after kswapd is
 * woken) - plus what it keeps back from allocations that could use higher
 * zones (lowmem_reserve) gives the page.  -EAGAIN: no zone of the node
 * could; -ENOMEM: the host failed a deferred block's memmap.
 */
long alloc_node_wmark(struct memhp_machine *m, int nid, enum alloc_zones zones, unsigned int order, bool slow,
		      unsigned int alloc_flags)
{
	int highest = alloc_zones_highest(zones);
	struct pglist_data *pgdat = &m->nodes[nid];

	for (int z = highest; z >= 0; z--) {
		struct zone *zone = &pgdat->node_zones[z];
		bool ok;
		long pfn;

		if (!populated_zone(zone))
			continue;
		/* setup_per_zone_wmarks writes the marks under the zone lock */
		pthread_mutex_lock(&zone->lock);
		note_below_high(zone, order, highest);
		ok = zone_watermark_ok(zone, order, slow ? zone->wmark_min : zone->wmark_low, highest);
		pthread_mutex_unlock(&zone->lock);
		if (!ok)
			continue;
		pfn = alloc_pages_zone(m, zone, order, zones, alloc_flags);
		if (pfn >= 0 || pfn == -ENOMEM)
			return pfn;
	}
	return -EAGAIN;
}

/*
 * The node of an allocation's preferred zone (first_zones_zonelist): the
 * first node in nid's zonelist, `skip` left out of it (a nodemask without
 * that node; -1 for none), with a zone the allocation may use - another
 * node when nid has none (a node without memory, or with ZONE_MOVABLE only
 * for a kernel allocation).  -1 when no node has one: the kernel's
 * allocation then fails at once.
 */
static int first_usable_node(struct memhp_machine *m, const int *nodes, unsigned int nr,
			     enum alloc_zones zones, int skip)
{
	for (unsigned int i = 0; i < nr; i++) {
		if (nodes[i] == skip)
			continue;
		for (int z = alloc_zones_highest(zones); z >= 0; z--)
			if (populated_zone(&m->nodes[nodes[i]].node_zones[z]))
				return nodes[i];
	}
	return -1;
}

/*
 * alloc_flags_nofragment: when the preferred zone (on node `pref`) is
 * ZONE_NORMAL and a ZONE_DMA32 lies below it (on a machine of one node,
 * always), a fallback may take only whole pageblocks of another type.
 * Sooner than mix kinds in a pageblock of ZONE_NORMAL the allocation moves
 * on to DMA32 (get_page_from_freelist's no_fallback).
 */
static unsigned int alloc_flags_nofragment(struct memhp_machine *m, int pref, enum alloc_zones zones)
{
	struct pglist_data *pgdat = &m->nodes[pref];
	unsigned int online = 0;
	int z = alloc_zones_highest(zones);

	while (z >= 0 && !populated_zone(&pgdat->node_zones[z]))
		z--;
	if (z != ZONE_NORMAL)
		return 0;
	for (unsigned int n = 0; n < m->nr_nodes; n++)
		online += node_state(m, (int)n, N_ONLINE);
	if (online > 1 && !populated_zone(&pgdat->node_zones[ZONE_DMA32]))
		return 0;
	return ALLOC_NOFRAGMENT;
}

/*
 * get_page_from_freelist over nid's zonelist, node `skip` left out.  Its
 * ALLOC_NOFRAGMENT pass covers the preferred zone's node only: at the
 * first zone of another node it starts again, fragmenting fallbacks
 * allowed.  The fast path sets the flag; the slow path does not.
 */
static long alloc_zonelist(struct memhp_machine *m, int nid, int skip, enum alloc_zones zones,
			   unsigned int order, bool slow, bool may_nofragment)
{
	int nodes[MEMHP_MAX_NODES];
	unsigned int nr = zonelist_nodes(m, nid, nodes);
	int pref = first_usable_node(m, nodes, nr, zones, skip);

	if (pref < 0)
		return -EAGAIN;
	if (may_nofragment && alloc_flags_nofragment(m, pref, zones)) {
		long pfn = alloc_node_wmark(m, pref, zones, order, slow, ALLOC_NOFRAGMENT);

		if (pfn >= 0 || pfn == -ENOMEM)
			return pfn;
	}
	for (unsigned int i = 0; i < nr; i++) {
		long pfn;

		if (nodes[i] == skip)
			continue;
		pfn = alloc_node_wmark(m, nodes[i], zones, order, slow, 0);
		if (pfn >= 0 || pfn == -ENOMEM)
			return pfn;
	}
	return -EAGAIN;
}

/*
 * The zone the fast path would take an order-0 page of `zones` from, at
 * the first try: the first zone of nid's zonelist above its low
 * watermark; NULL when none is (the allocation then goes the slow way).
 */
struct zone *fast_path_zone(struct memhp_machine *m, int nid, enum alloc_zones zones)
{
	int nodes[MEMHP_MAX_NODES], highest = alloc_zones_highest(zones);
	unsigned int nr = zonelist_nodes(m, nid, nodes);

	for (unsigned int i = 0; i < nr; i++)
		for (int z = highest; z >= 0; z--) {
			struct zone *zone = &m->nodes[nodes[i]].node_zones[z];
			bool ok;

			if (!populated_zone(zone))
				continue;
			pthread_mutex_lock(&zone->lock);
			ok = zone_watermark_ok(zone, 0, zone->wmark_low, highest);
			pthread_mutex_unlock(&zone->lock);
			if (ok)
				return zone;
		}
	return NULL;
}

/*
 * __alloc_pages: the fast path (every zone of the zonelist against its low
 * watermark, ALLOC_NOFRAGMENT first where it applies), then the slow path
 * (against min, the flag dropped) - what GFP_KERNEL and GFP_HIGHUSER
 * allocations alike go through, with no reclaim to retry after.  `skip`:
 * the one node a nodemask leaves out (-1: none).  With no usable zone in
 * the mask it fails before any watermark, as the kernel's does.
 */
long __alloc_pages(struct memhp_machine *m, int nid, int skip, enum alloc_zones zones, unsigned int order)
{
	if (nid < 0 || (unsigned int)nid >= m->nr_nodes)
		nid = 0;
	for (int slow = 0; slow < 2; slow++) {
		long pfn = alloc_zonelist(m, nid, skip, zones, order, slow, !slow);

		if (pfn >= 0 || pfn == -ENOMEM)
			return pfn;
	}
	return -ENOMEM;
}

/*
 * A process faults its memory in a page at a time (do_anonymous_page
 * allocates order 0), each page from the first zone of the zonelist that
 * is above its low watermark (get_page_from_freelist's fast path), and
 * from one above its min watermark only when none is (the slow path).
 * The page comes through the CPU's pcp list, which rmqueue_bulk refills
 * from __rmqueue_smallest: the smallest free chunk first, split from its
 * low end up.  So a process fills a fresh memmap_on_memory block's order-9
 * rest before any order-10 chunk, every block's, as the kernel's
 * `where` shows.
 */
long alloc_page_fault(struct memhp_machine *m, int nid, enum alloc_zones zones)
{
	return alloc_folio_fault(m, nid, zones, 0);
}

/*
 * The same walk for a folio of 1 << order pages (a THP fault): the
 * watermarks are checked for that order, so a huge folio is taken only
 * where one is free above them - else the caller falls back to order 0.
 */
long alloc_folio_fault(struct memhp_machine *m, int nid, enum alloc_zones zones, unsigned int order)
{
	return __alloc_pages(m, nid, -1, zones, order);
}

/*
 * alloc_pages_node: memhp's own kernel allocations (memmaps, page tables)
 * walk the zonelist - the preferred node first, then the others - from
 * the highest allowed zone down, as a process's faults do: a Normal zone
 * under its low watermark is passed over while DMA32 is above its own.
 * Kernel allocations may use Normal, DMA32 and DMA; movable ones
 * ZONE_MOVABLE first.
 */
long alloc_pages_node(struct memhp_machine *m, int nid, enum alloc_zones zones, unsigned int order)
{
	if (order > m->arch->max_order)
		return -ENOMEM;
	return __alloc_pages(m, nid, -1, zones, order);
}

/*
 * split_page: a high-order allocation becomes 1 << order independent
 * order-0 pages, each with its own reference, freed one by one - what a
 * THP is once split_huge_page has run, and what memhp's regions hold.
 */
void split_page(struct memhp_machine *m, unsigned long pfn, unsigned int order)
{
	for (unsigned long i = 0; i < (1UL << order); i++) {
		struct page *p = pfn_to_page(m, pfn + i);

		page_flags_store(p, page_flags(p) & ~(PG_head | PG_tail));
		set_page_count(p, 1);
		set_page_order(p, 0);
		p->private = 0;
	}
}

/*
 * free_pages_prepare: the pages forget their owner.  Called under the lock
 * of the list they go to (a pcp slot's or the zone's), so that the audit,
 * which holds them all, never sees a page that is neither allocated nor
 * free.  Still the freeing owner's: no locked update.
 */
void free_pages_prepare(struct memhp_machine *m, unsigned long pfn, unsigned int order)
{
	for (unsigned long i = 0; i < (1UL << order); i++) {
		struct page *p = pfn_to_page(m, pfn + i);

		page_flags_store(p, page_flags(p) & ~(PG_head | PG_tail | PG_lru | PG_mlocked));
		set_page_count(p, 0);
		p->private = 0;
		p->owner = 0;
	}
}

void free_pages(struct memhp_machine *m, unsigned long pfn, unsigned int order)
{
	struct zone *zone = page_zone(m, pfn);

	if (pcp_allowed_order(m, order) && pcp_free(m, zone, pfn, order))
		return;	/* free_unref_page */
	pthread_mutex_lock(&zone->lock);
	free_pages_prepare(m, pfn, order);
	__free_one_page(m, zone, pfn, order, get_pageblock_migratetype(m, pfn), false);
	pthread_mutex_unlock(&zone->lock);
}

/*
 * Give every pageblock of [start, end) the type `to_mt` and move the free
 * chunks that start in it to the matching lists.  Ranges handled here are
 * whole blocks (minus the vmemmap pageblocks), so no free chunk crosses the
 * range's edges.  Caller holds zone->lock.
 */
static void move_freepages_range(struct memhp_machine *m, struct zone *zone, unsigned long start,
				 unsigned long end, int to_mt)
{
	lockdep_assert_held(&zone->lock);
	for (unsigned long pfn = start; pfn < end;) {
		struct page *p = pfn_to_page(m, pfn);

		/* PG_buddy is stable under the zone lock; other pages change under us */
		if (page_flags(p) & PG_buddy) {
			unsigned int order = p->order;

			del_from_free_list(m, zone, pfn, order);
			change_pageblock_range(m, pfn, order, to_mt);
			/* move_to_free_list: list_move_tail, as the kernel moves them */
			add_to_free_list(m, zone, pfn, order, to_mt, true);
			pfn += 1UL << order;
			continue;
		}
		if (pageblock_aligned(m, pfn))
			set_pageblock_migratetype(m, pfn, to_mt);
		pfn++;
	}
}

int move_freepages_block_isolate(struct memhp_machine *m, struct zone *zone, unsigned long pfn,
				 int to_mt)
{
	unsigned long start = ALIGN_DOWN(pfn, m->pageblock_nr_pages);

	pthread_mutex_lock(&zone->lock);
	move_freepages_range(m, zone, start, start + m->pageblock_nr_pages, to_mt);
	pthread_mutex_unlock(&zone->lock);
	return 0;
}

/* Isolate or un-isolate a range whose pageblocks all belong to `zone`. */
void set_range_migratetype(struct memhp_machine *m, struct zone *zone, unsigned long start,
			   unsigned long end, int to_mt)
{
	pthread_mutex_lock(&zone->lock);
	set_range_migratetype_locked(m, zone, start, end, to_mt);
	pthread_mutex_unlock(&zone->lock);
}

void set_range_migratetype_locked(struct memhp_machine *m, struct zone *zone, unsigned long start,
				  unsigned long end, int to_mt)
{
	move_freepages_range(m, zone, start, end, to_mt);
	if (to_mt != MIGRATE_ISOLATE) {
		/* let pageblock-sized chunks merge again (unset_migratetype_isolate) */
		for (unsigned long pfn = start; pfn < end; pfn += m->pageblock_nr_pages) {
			struct page *p = pfn_to_page(m, pfn);

			/* PG_buddy is stable under the zone lock; an owner's page changes under us */
			if ((page_flags(p) & PG_buddy) && p->order == m->arch->pageblock_order &&
			    p->order < m->arch->max_order) {
				del_from_free_list(m, zone, pfn, p->order);
				__free_one_page(m, zone, pfn, m->arch->pageblock_order, to_mt, true);
			}
		}
	}
}

/*
 * __offline_isolated_pages: take every free chunk of the isolated range
 * off the lists.  Returns the pages that stop being managed:
 * nr_pages minus those that were PageOffline already.
 */
unsigned long offline_isolated_pages(struct memhp_machine *m, unsigned long start,
				     unsigned long end)
{
	struct zone *zone = page_zone(m, start);
	unsigned long already_offline = 0;

	offline_mem_sections(m, start, end);
	pthread_mutex_lock(&zone->lock);
	for (unsigned long pfn = start; pfn < end;) {
		struct page *p = pfn_to_page(m, pfn);

		/* PG_buddy is stable under the zone lock; other pages change under us */
		if (page_flags(p) & PG_buddy) {
			unsigned int order = p->order;

			del_from_free_list(m, zone, pfn, order);
			for (unsigned long i = 0; i < (1UL << order); i++)
				page_flags_set(pfn_to_page(m, pfn + i), PG_offline);
			pfn += 1UL << order;
			continue;
		}
		if (p->flags & PG_hwpoison) {
			pfn++;
			continue;
		}
		if ((p->flags & PG_offline) && !p->refcount)
			already_offline++;
		pfn++;
	}
	pthread_mutex_unlock(&zone->lock);
	return (end - start) - already_offline;
}

