// SPDX-License-Identifier: MIT
/*
 * memory_hotplug.c - adding, onlining, offlining and removing memory
 * (mm/memory_hotplug.c).
 *
 * add_memory_resource() creates the sections (direct map + memmap) and the
 * memory blocks of a range.  With MHP_MEMMAP_ON_MEMORY requested and
 * supported, the range is added block by block, each block with its own
 * vmem_altmap whose `free` pages - the first nr_vmemmap_pages of the block -
 * hold the block's memmap (create_altmaps_and_memory_blocks); a failure at
 * block k removes blocks 0..k-1.  Otherwise the memmap comes from existing
 * memory and the add can fail with -ENOMEM.
 *
 * online_pages()/offline_pages() see only the part of a block after its
 * vmemmap pages; the zone they use is chosen by zone_for_pfn_range() under
 * the contig-zones or auto-movable policy, always for the whole block.
 *
 * Every failure path unwinds in reverse order, so that counters, spans,
 * sections, blocks and resources are exactly as before the call.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

/* ---- memmap_on_memory geometry ---------------------------------------- */

unsigned long memory_block_memmap_size(struct memhp_machine *m)
{
	return PHYS_PFN_M(m, m->block_size) * m->arch->struct_page_size;
}

unsigned long memory_block_memmap_on_memory_pages(struct memhp_machine *m)
{
	unsigned long nr = PFN_UP_M(m, memory_block_memmap_size(m));

	/* force: pad to whole pageblocks, wasting the difference */
	if (m->params.memmap_mode == MEMMAP_ON_MEMORY_FORCE)
		return ALIGN_UP(nr, m->pageblock_nr_pages);
	return nr;
}

bool mhp_supports_memmap_on_memory(struct memhp_machine *m)
{
	unsigned long vmemmap_size = memory_block_memmap_size(m);
	unsigned long memmap_pages = memory_block_memmap_on_memory_pages(m);

	if (!m->arch->mhp_memmap_on_memory || m->params.memmap_mode == MEMMAP_ON_MEMORY_DISABLE)
		return false;
	if (!IS_ALIGNED(vmemmap_size, m->page_size))
		return false;
	if (!pageblock_aligned(m, memmap_pages))
		return false;
	/* a block must never be all memmap */
	if (memmap_pages == PHYS_PFN_M(m, m->block_size))
		return false;
	/* generic arch_supports_memmap_on_memory: whole PMDs only */
	return IS_ALIGNED(vmemmap_size, 1UL << m->arch->pmd_shift);
}

/* ---- zone selection ------------------------------------------------------ */

static struct zone *default_kernel_zone_for_pfn(struct memhp_machine *m, int nid,
						unsigned long pfn, unsigned long nr)
{
	struct pglist_data *pgdat = &m->nodes[nid];

	for (int zid = 0; zid < ZONE_NORMAL; zid++) {
		struct zone *zone = &pgdat->node_zones[zid];

		if (zone_intersects(zone, pfn, nr))
			return zone;
	}
	return &pgdat->node_zones[ZONE_NORMAL];
}

struct auto_movable_stats {
	unsigned long kernel_early_pages;
	unsigned long movable_pages;
};

static void auto_movable_stats_account_zone(struct auto_movable_stats *s, struct zone *zone)
{
	if (zone->idx == ZONE_MOVABLE) {
		s->movable_pages += zone->present_pages;
	} else {
		s->kernel_early_pages += zone->present_early_pages;
		s->movable_pages += zone->cma_pages;
		s->kernel_early_pages -= zone->cma_pages;
	}
}

/* auto_movable_can_online_movable; caller holds span_lock */
static bool auto_movable_can_online_movable(struct memhp_machine *m, const struct mhp_params *p,
					    int nid, struct memory_group *group, unsigned long nr_pages)
{
	lockdep_assert_held(&m->span_lock);
	unsigned long kernel_early = 0, movable = 0, req_kernel_early = 0, g_movable = 0;
	unsigned int ratio = p->auto_movable_ratio;
	struct auto_movable_stats stats = { 0, 0 };

	for (unsigned int n = 0; n < m->nr_nodes; n++) {
		if (nid != NUMA_NO_NODE && (int)n != nid)
			continue;
		for (int z = 0; z < MAX_NR_ZONES; z++) {
			struct zone *zone = &m->nodes[n].node_zones[z];

			if (populated_zone(zone))
				auto_movable_stats_account_zone(&stats, zone);
		}
	}
	kernel_early = stats.kernel_early_pages;
	movable = stats.movable_pages;

	/* dynamic groups other than ours need their own kernel budget */
	for (struct memory_group *g = m->groups; g; g = g->next) {
		long pages;

		if (!g->is_dynamic || g == group || (nid != NUMA_NO_NODE && g->nid != nid))
			continue;
		if (!ratio)
			continue;
		pages = (long)(g->present_movable_pages * 100 / ratio) - (long)g->present_kernel_pages;
		if (pages > 0)
			req_kernel_early += (unsigned long)pages;
		g_movable += g->present_movable_pages;
	}
	if (kernel_early <= req_kernel_early)
		return false;
	kernel_early -= req_kernel_early;
	movable -= g_movable;
	if (group && group->is_dynamic)
		kernel_early += group->present_kernel_pages;
	movable += nr_pages;
	return movable <= (unsigned long)ratio * kernel_early / 100;
}

static struct zone *auto_movable_zone_for_pfn(struct memhp_machine *m, const struct mhp_params *p,
					      int nid, struct memory_group *group, unsigned long pfn,
					      unsigned long nr_pages)
{
	unsigned long online_pages = 0, max_pages, end_pfn;
	struct zone *movable = &m->nodes[nid].node_zones[ZONE_MOVABLE];
	bool ok = true;

	if (!p->auto_movable_ratio)
		goto kernel_zone;
	pthread_mutex_lock(&m->span_lock);
	if (group && !group->is_dynamic) {
		max_pages = group->max_pages;
		online_pages = group->present_movable_pages;
		/* if anything is !MOVABLE online the rest !MOVABLE */
		if (group->present_kernel_pages)
			ok = false;
	} else if (!group || group->unit_pages == nr_pages) {
		max_pages = nr_pages;
	} else {
		max_pages = group->unit_pages;
		pfn = ALIGN_DOWN(pfn, group->unit_pages);
		end_pfn = pfn + group->unit_pages;
		for (; ok && pfn < end_pfn; pfn += m->pages_per_section) {
			if (!pfn_online(m, pfn))
				continue;
			if (page_zone(m, pfn)->idx != ZONE_MOVABLE)
				ok = false;
			else
				online_pages += m->pages_per_section;
		}
	}
	if (ok && !auto_movable_can_online_movable(m, p, NUMA_NO_NODE, group, max_pages - online_pages))
		ok = false;
	if (ok && p->auto_movable_numa_aware &&
	    !auto_movable_can_online_movable(m, p, nid, group, max_pages - online_pages))
		ok = false;
	pthread_mutex_unlock(&m->span_lock);
	if (ok)
		return movable;
kernel_zone:
	return default_kernel_zone_for_pfn(m, nid, pfn, nr_pages);
}

static struct zone *default_zone_for_pfn(struct memhp_machine *m, const struct mhp_params *p, int nid,
					 unsigned long pfn, unsigned long nr_pages)
{
	struct zone *kernel_zone, *movable_zone = &m->nodes[nid].node_zones[ZONE_MOVABLE];
	bool in_kernel, in_movable;

	pthread_mutex_lock(&m->span_lock);
	kernel_zone = default_kernel_zone_for_pfn(m, nid, pfn, nr_pages);
	in_kernel = zone_intersects(kernel_zone, pfn, nr_pages);
	in_movable = zone_intersects(movable_zone, pfn, nr_pages);
	pthread_mutex_unlock(&m->span_lock);
	/* keep zones contiguous */
	if (in_kernel ^ in_movable)
		return in_kernel ? kernel_zone : movable_zone;
	return p->movable_node ? movable_zone : kernel_zone;
}

struct zone *zone_for_pfn_range(struct memhp_machine *m, int online_type, int nid,
				struct memory_group *group, unsigned long pfn, unsigned long nr)
{
	struct mhp_params params;
	struct zone *z;

	if (nid < 0)
		nid = 0;
	if (online_type == MEMHP_MMOP_ONLINE_KERNEL) {
		pthread_mutex_lock(&m->span_lock);
		z = default_kernel_zone_for_pfn(m, nid, pfn, nr);
		pthread_mutex_unlock(&m->span_lock);
		return z;
	}
	if (online_type == MEMHP_MMOP_ONLINE_MOVABLE)
		return &m->nodes[nid].node_zones[ZONE_MOVABLE];
	/* the policy parameters as they are now (they change at run time) */
	pthread_mutex_lock(&m->param_lock);
	params = m->params;
	pthread_mutex_unlock(&m->param_lock);
	if (params.online_policy == ONLINE_POLICY_AUTO_MOVABLE)
		return auto_movable_zone_for_pfn(m, &params, nid, group, pfn, nr);
	return default_zone_for_pfn(m, &params, nid, pfn, nr);
}

/* ---- node states ---------------------------------------------------------- */

static void node_states_check_changes_online(struct memhp_machine *m, struct zone *zone,
					     struct memhp_memory_notify *arg)
{
	int nid = zone->pgdat->node_id;

	arg->status_change_nid = NUMA_NO_NODE;
	arg->status_change_nid_normal = NUMA_NO_NODE;
	if (!node_state(m, nid, N_MEMORY))
		arg->status_change_nid = nid;
	if (zone->idx <= ZONE_NORMAL && !node_state(m, nid, N_NORMAL_MEMORY))
		arg->status_change_nid_normal = nid;
}

static void node_states_set_node(struct memhp_machine *m, int nid, struct memhp_memory_notify *arg)
{
	if (arg->status_change_nid_normal >= 0)
		node_set_state(m, nid, N_NORMAL_MEMORY);
	if (arg->status_change_nid >= 0)
		node_set_state(m, nid, N_MEMORY);
}

static void node_states_check_changes_offline(struct memhp_machine *m, unsigned long nr_pages,
					      struct zone *zone, struct memhp_memory_notify *arg)
{
	struct pglist_data *pgdat = zone->pgdat;
	unsigned long present = 0;

	arg->status_change_nid = NUMA_NO_NODE;
	arg->status_change_nid_normal = NUMA_NO_NODE;
	pthread_mutex_lock(&m->span_lock);
	for (int zt = 0; zt <= ZONE_NORMAL; zt++)
		present += pgdat->node_zones[zt].present_pages;
	if (zone->idx <= ZONE_NORMAL && nr_pages >= present)
		arg->status_change_nid_normal = pgdat->node_id;
	present += pgdat->node_zones[ZONE_MOVABLE].present_pages;
	if (nr_pages >= present)
		arg->status_change_nid = pgdat->node_id;
	pthread_mutex_unlock(&m->span_lock);
}

static void node_states_clear_node(struct memhp_machine *m, int nid, struct memhp_memory_notify *arg)
{
	if (arg->status_change_nid_normal >= 0)
		node_clear_state(m, nid, N_NORMAL_MEMORY);
	if (arg->status_change_nid >= 0)
		node_clear_state(m, nid, N_MEMORY);
}

/* ---- vmemmap pages of a block -------------------------------------------- */

int mhp_init_memmap_on_memory(struct memhp_machine *m, unsigned long pfn, unsigned long nr_pages,
			      struct zone *zone, bool inaccessible)
{
	(void)inaccessible;
	if (should_fail(m))
		return -ENOMEM;	/* kasan_add_zero_shadow can fail */
	move_pfn_range_to_zone(m, zone, pfn, nr_pages, MIGRATE_UNMOVABLE);
	for (unsigned long i = 0; i < nr_pages && !pfn_memmap_deferred(m, pfn); i++) {
		struct page *p = pfn_to_page(m, pfn + i);

		page_flags_clear(p, PG_offline);
		page_flags_set(p, PG_vmemmap_self_hosted);
	}
	/* sections made only of vmemmap count as online (never on x86) */
	if (nr_pages >= m->pages_per_section)
		online_mem_sections(m, pfn, ALIGN_DOWN(pfn + nr_pages, m->pages_per_section));
	return 0;
}

void mhp_deinit_memmap_on_memory(struct memhp_machine *m, unsigned long pfn, unsigned long nr_pages)
{
	struct zone *zone = page_zone(m, pfn);

	if (nr_pages >= m->pages_per_section)
		offline_mem_sections(m, pfn, ALIGN_DOWN(pfn + nr_pages, m->pages_per_section));
	remove_pfn_range_from_zone(m, zone, pfn, nr_pages);
	for (unsigned long i = 0; i < nr_pages && !pfn_memmap_deferred(m, pfn); i++)
		page_flags_clear(pfn_to_page(m, pfn + i), PG_vmemmap_self_hosted);
}

/* ---- online_pages --------------------------------------------------------- */

static void online_pages_range(struct memhp_machine *m, unsigned long start_pfn,
			       unsigned long nr_pages)
{
	unsigned long end = start_pfn + nr_pages, pfn = start_pfn;

	if (pfn_memmap_deferred(m, start_pfn)) {
		/* managed now; the chunks reach the lists at undo-isolation */
		adjust_managed_page_count(page_zone(m, start_pfn), (long)nr_pages, m);
		online_mem_sections(m, start_pfn, end);
		return;
	}
	/* max-order-aligned chunks: 512 + 31 * 1024 pages after a vmemmap */
	while (pfn < end) {
		unsigned int order = pfn ? MIN(m->arch->max_order, (unsigned int)__builtin_ctzl(pfn))
					 : m->arch->max_order;

		generic_online_page(m, pfn, order);
		pfn += 1UL << order;
	}
	online_mem_sections(m, start_pfn, end);
}

int online_pages(struct memhp_machine *m, unsigned long pfn, unsigned long nr_pages,
		 struct zone *zone, struct memory_group *group)
{
	struct memhp_memory_notify arg;
	int nid = zone->pgdat->node_id;
	bool was_populated = populated_zone(zone);
	int ret;

	if (!nr_pages || !pageblock_aligned(m, pfn) || !IS_ALIGNED(pfn + nr_pages, m->pages_per_section)) {
		mlog(m, "WARNING: Misaligned online_pages start: %#lx end: %#lx", pfn, pfn + nr_pages - 1);
		return -EINVAL;
	}
	move_pfn_range_to_zone(m, zone, pfn, nr_pages, MIGRATE_ISOLATE);
	memset(&arg, 0, sizeof(arg));
	arg.start_pfn = pfn;
	arg.nr_pages = nr_pages;
	node_states_check_changes_online(m, zone, &arg);

	ret = memory_notify(m, MEMHP_MEM_GOING_ONLINE, &arg);
	if (ret)
		goto failed_addition;

	pthread_mutex_lock(&zone->lock);
	zone->nr_isolate_pageblock += nr_pages / m->pageblock_nr_pages;
	pthread_mutex_unlock(&zone->lock);
	online_pages_range(m, pfn, nr_pages);
	adjust_present_page_count(m, pfn, group, (long)nr_pages);
	node_states_set_node(m, nid, &arg);
	/* a zone populated for the first time joins the zonelists */
	if (!was_populated)
		build_all_zonelists(m, -1, false);
	/* undo_isolate_page_range: the pages become allocatable */
	pthread_mutex_lock(&zone->lock);
	if (pfn_memmap_deferred(m, pfn))
		deferred_online_free(m, zone, pfn, pfn + nr_pages);
	else
		set_range_migratetype_locked(m, zone, pfn, pfn + nr_pages, MIGRATE_MOVABLE);
	zone->nr_isolate_pageblock -= nr_pages / m->pageblock_nr_pages;
	pthread_mutex_unlock(&zone->lock);
	setup_per_zone_wmarks(m);
	memory_notify(m, MEMHP_MEM_ONLINE, &arg);
	if (!was_populated)
		kernel_alloc_settle(m, zone);
	return 0;

failed_addition:
	mlog(m, "online_pages [mem %#010llx-%#010llx] failed",
	     (unsigned long long)PFN_PHYS_M(m, pfn),
	     (unsigned long long)PFN_PHYS_M(m, pfn + nr_pages) - 1);
	memory_notify(m, MEMHP_MEM_CANCEL_ONLINE, &arg);
	remove_pfn_range_from_zone(m, zone, pfn, nr_pages);
	return ret;
}

/* ---- offline_pages -------------------------------------------------------- */

/*
 * has_unmovable_pages + the isolation of start_isolate_page_range: reserved
 * pages block isolation in any zone; in kernel zones so does any page in
 * use that is not a movable user page.
 */
static bool range_has_unmovable_pages(struct memhp_machine *m, struct zone *zone,
				      unsigned long start, unsigned long end)
{
	for (unsigned long pfn = start; pfn < end; pfn++) {
		struct page *p = pfn_to_page(m, pfn);

		if (get_pageblock_migratetype(m, pfn) == MIGRATE_ISOLATE)
			return true;
		if (page_flags(p) & PG_reserved)
			return true;
		if (page_flags(p) & PG_buddy) {
			pfn += (1UL << page_order(p)) - 1;
			continue;
		}
		if (zone->idx == ZONE_MOVABLE)
			continue;
		if (page_flags(p) & (PG_lru | PG_hwpoison | PG_offline))
			continue;
		if (page_flags(p) & PG_tail)
			continue;	/* judged with its head */
		if (page_ref(p) > 0)
			return true;
	}
	return false;
}

static int start_isolate_page_range(struct memhp_machine *m, struct zone *zone,
				    unsigned long start, unsigned long end)
{
	int ret = 0;

	if (should_fail(m))
		return -EBUSY;	/* move_freepages_block_isolate failed */
	/*
	 * Judge and isolate under one zone->lock, as set_migratetype_isolate
	 * does: no buddy allocation may slip an unmovable page in between.
	 */
	pthread_mutex_lock(&zone->lock);
	if (range_has_unmovable_pages(m, zone, start, end))
		ret = -EBUSY;
	else
		set_range_migratetype_locked(m, zone, start, end, MIGRATE_ISOLATE);
	pthread_mutex_unlock(&zone->lock);
	return ret;
}

/*
 * scan_movable_pages: 0 with *movable set when a movable page is found,
 * -ENOENT when none is left, -EBUSY for a PageOffline page still in use.
 */
static int scan_movable_pages(struct memhp_machine *m, unsigned long start, unsigned long end,
			      unsigned long *movable)
{
	for (unsigned long pfn = start; pfn < end; pfn++) {
		struct page *p = pfn_to_page(m, pfn);

		if (page_flags(p) & PG_buddy) {
			pfn += (1UL << page_order(p)) - 1;
			continue;
		}
		if (page_flags(p) & PG_lru) {
			*movable = pfn;
			return 0;
		}
		if ((page_flags(p) & PG_offline) && page_ref(p) > 0)
			return -EBUSY;
	}
	return -ENOENT;
}

/* cond_resched for a loop that waits on other threads */
static void nap(void)
{
	struct timespec t = { 0, 200000 };

	nanosleep(&t, NULL);
}

/* test_pages_isolated(MEMORY_OFFLINE) */
static int test_pages_isolated(struct memhp_machine *m, unsigned long start, unsigned long end)
{
	for (unsigned long pfn = start; pfn < end; pfn++) {
		struct page *p = pfn_to_page(m, pfn);

		if (get_pageblock_migratetype(m, pfn) != MIGRATE_ISOLATE)
			return -EBUSY;
		if (page_flags(p) & PG_buddy) {
			pfn += (1UL << page_order(p)) - 1;
			continue;
		}
		if (page_flags(p) & PG_hwpoison)
			continue;
		if ((page_flags(p) & PG_offline) && !page_ref(p))
			continue;
		return -EBUSY;
	}
	return 0;
}

int offline_pages(struct memhp_machine *m, unsigned long start_pfn, unsigned long nr_pages,
		  struct zone *zone, struct memory_group *group)
{
	unsigned long end_pfn = start_pfn + nr_pages, pfn, managed;
	struct memhp_memory_notify arg;
	const char *reason;
	int nid = zone->pgdat->node_id;
	int ret;

	if (!nr_pages || !pageblock_aligned(m, start_pfn) ||
	    !IS_ALIGNED(start_pfn + nr_pages, m->pages_per_section)) {
		mlog(m, "WARNING: Misaligned offline_pages start: %#lx end: %#lx", start_pfn, end_pfn - 1);
		return -EINVAL;
	}
	pthread_mutex_lock(&m->resource_lock);
	ret = resource_count_system_ram_pages(m, start_pfn, nr_pages) != nr_pages;
	pthread_mutex_unlock(&m->resource_lock);
	if (ret) {
		ret = -EINVAL;
		reason = "memory holes";
		goto failed_removal;
	}
	if (page_zone(m, start_pfn) != zone || page_zone(m, end_pfn - 1) != zone) {
		mlog(m, "WARNING: offline_pages: multizone range");
		ret = -EINVAL;
		reason = "multizone range";
		goto failed_removal;
	}
	/* every free page of the zone back in the buddy, none cached */
	zone_pcp_disable(m, zone);
	ret = start_isolate_page_range(m, zone, start_pfn, end_pfn);
	if (ret) {
		reason = "failure to isolate range";
		goto failed_removal_pcp_disabled;
	}
	memset(&arg, 0, sizeof(arg));
	arg.start_pfn = start_pfn;
	arg.nr_pages = nr_pages;
	node_states_check_changes_offline(m, nr_pages, zone, &arg);
	ret = memory_notify(m, MEMHP_MEM_GOING_OFFLINE, &arg);
	if (ret) {
		reason = "notifier failure";
		goto failed_removal_isolated;
	}
	pthread_mutex_lock(&zone->lock);
	zone->nr_isolate_pageblock += nr_pages / m->pageblock_nr_pages;
	pthread_mutex_unlock(&zone->lock);

	/*
	 * The migration loop: no timeout, no retry limit; it ends when the
	 * range is free, on an unmovable page, or when the caller cancels
	 * (a signal in the kernel).  Busy (pinned) pages are retried.
	 */
	do {
		pfn = start_pfn;
		do {
			if (offline_cancelled(m)) {
				ret = -EINTR;
				reason = "signal backoff";
				goto failed_removal_isolated_counted;
			}
			ret = scan_movable_pages(m, pfn, end_pfn, &pfn);
			if (!ret && !do_migrate_range(m, pfn, end_pfn))
				nap();	/* all busy: let the pins go */
		} while (!ret);
		if (ret != -ENOENT) {
			reason = "unmovable page";
			goto failed_removal_isolated_counted;
		}
		ret = test_pages_isolated(m, start_pfn, end_pfn);
		if (ret) {
			pcp_drain_zone(m, zone);	/* a free that raced the disable */
			nap();
		}
	} while (ret);

	managed = offline_isolated_pages(m, start_pfn, end_pfn);
	pthread_mutex_lock(&zone->lock);
	zone->nr_isolate_pageblock -= nr_pages / m->pageblock_nr_pages;
	pthread_mutex_unlock(&zone->lock);
	zone_pcp_enable(m, zone);
	adjust_managed_page_count(zone, -(long)managed, m);
	adjust_present_page_count(m, start_pfn, group, -(long)nr_pages);
	setup_per_zone_wmarks(m);
	node_states_clear_node(m, nid, &arg);
	/* after the node masks: a node left without memory leaves the lists */
	if (!populated_zone(zone))
		build_all_zonelists(m, -1, false);
	memory_notify(m, MEMHP_MEM_OFFLINE, &arg);
	remove_pfn_range_from_zone(m, zone, start_pfn, nr_pages);
	return 0;

failed_removal_isolated_counted:
	pthread_mutex_lock(&zone->lock);
	zone->nr_isolate_pageblock -= nr_pages / m->pageblock_nr_pages;
	pthread_mutex_unlock(&zone->lock);
failed_removal_isolated:
	set_range_migratetype(m, zone, start_pfn, end_pfn, MIGRATE_MOVABLE);
	memory_notify(m, MEMHP_MEM_CANCEL_OFFLINE, &arg);
failed_removal_pcp_disabled:
	zone_pcp_enable(m, zone);
failed_removal:
	mlog(m, "memory offlining [mem %#010llx-%#010llx] failed due to %s",
	     (unsigned long long)PFN_PHYS_M(m, start_pfn),
	     (unsigned long long)PFN_PHYS_M(m, end_pfn) - 1, reason);
	return ret;
}

/* ---- adding memory -------------------------------------------------------- */

static void arch_remove_memory(struct memhp_machine *m, uint64_t start, uint64_t size,
			       struct vmem_altmap *altmap)
{
	sparse_remove_sections(m, PHYS_PFN_M(m, start), PHYS_PFN_M(m, size), altmap, NULL);
	direct_map_remove(m, start, size);
}

/* x86 arch_add_memory: direct map, then __add_pages section by section */
static int arch_add_memory(struct memhp_machine *m, int nid, uint64_t start, uint64_t size,
			   struct vmem_altmap *altmap)
{
	unsigned long pfn = PHYS_PFN_M(m, start), nr = PHYS_PFN_M(m, size);
	int ret;

	if (altmap) {
		if (altmap->base_pfn != pfn || vmem_altmap_offset(altmap) > nr) {
			mlog(m, "memory add fail, invalid altmap");
			return -EINVAL;
		}
		altmap->alloc = 0;
	}
	ret = direct_map_add(m, start, size);
	if (ret)
		return ret;
	ret = sparse_add_sections(m, nid, pfn, nr, altmap, NULL);
	if (ret)
		direct_map_remove(m, start, size);
	return ret;
}

static void remove_memory_blocks_and_altmaps(struct memhp_machine *m, uint64_t start, uint64_t size)
{
	for (uint64_t cur = start; cur < start + size; cur += m->block_size) {
		struct memory_block *mem = find_memory_block_by_id(m, phys_to_block_id(m, cur));
		struct vmem_altmap *altmap = mem->altmap;

		mem->altmap = NULL;
		remove_memory_block_devices(m, cur, m->block_size);
		arch_remove_memory(m, cur, m->block_size, altmap);
		if (altmap->alloc)
			mlog(m, "WARNING: Altmap not fully unmapped");
		free(altmap);
	}
}

static int create_altmaps_and_memory_blocks(struct memhp_machine *m, int nid,
					    struct memory_group *group, uint64_t start,
					    uint64_t size, unsigned int flags)
{
	uint64_t cur;
	int ret = 0;

	(void)flags;
	for (cur = start; cur < start + size; cur += m->block_size) {
		struct vmem_altmap *altmap;

		altmap = should_fail(m) ? NULL : calloc(1, sizeof(*altmap));
		if (!altmap) {
			ret = -ENOMEM;
			break;
		}
		altmap->base_pfn = PHYS_PFN_M(m, cur);
		altmap->end_pfn = PHYS_PFN_M(m, cur + m->block_size - 1);
		altmap->free = memory_block_memmap_on_memory_pages(m);
		ret = arch_add_memory(m, nid, cur, m->block_size, altmap);
		if (ret) {
			free(altmap);
			break;
		}
		ret = create_memory_block_devices(m, cur, m->block_size, altmap, group);
		if (ret) {
			arch_remove_memory(m, cur, m->block_size, altmap);
			free(altmap);
			break;
		}
	}
	if (ret && cur != start)
		remove_memory_blocks_and_altmaps(m, start, cur - start);
	return ret;
}

static int check_hotplug_memory_range(struct memhp_machine *m, uint64_t start, uint64_t size)
{
	if (!size || !IS_ALIGNED(start, m->block_size) || !IS_ALIGNED(size, m->block_size)) {
		mlog(m, "Block size [%#lx] unaligned hotplug range: start %#llx, size %#llx",
		     (unsigned long)m->block_size, (unsigned long long)start, (unsigned long long)size);
		return -EINVAL;
	}
	return 0;
}

static int online_memory_block(struct memhp_machine *m, struct memory_block *mem, void *arg)
{
	int ret;

	mem->online_type = *(int *)arg;
	ret = device_online(m, mem);
	progress_step(m, m->block_size);
	return ret;
}

int add_memory_resource(struct memhp_machine *m, int nid, struct resource *res, unsigned int flags)
{
	uint64_t start = res->start, size = res->end - res->start + 1;
	struct memory_group *group = NULL;
	bool new_node = false, on_memory;
	int ret, online_type;

	ret = check_hotplug_memory_range(m, start, size);
	if (ret)
		return ret;
	/*
	 * A memmap on the memory itself is mapped and written block by block
	 * when first needed (deferred_init.c), and checked then; any other
	 * is mapped and paid for by the add.
	 */
	on_memory = (flags & MEMHP_MHP_MEMMAP_ON_MEMORY) && mhp_supports_memmap_on_memory(m);
	if (!on_memory || !m->memmap_defer) {
		ret = map_budget_check(m, size, on_memory);
		if (!ret)
			ret = host_memory_check(m, size, !on_memory);
		if (ret)
			return ret;
	}
	if (flags & MEMHP_MHP_NID_IS_MGID) {
		group = memory_group_find_by_id(m, nid);
		if (!group)
			return -EINVAL;
		nid = group->nid;
	}
	if (nid < 0 || (unsigned int)nid >= m->nr_nodes) {
		mlog(m, "WARNING: node %d was absent from the node_possible_map", nid);
		return -EINVAL;
	}
	mem_hotplug_begin(m);
	progress_begin(m, "add", size);
	/* __try_online_node */
	if (!node_state(m, nid, N_ONLINE)) {
		/* hotadd_init_pgdat: the new node's own list, before it is online */
		build_all_zonelists(m, nid, false);
		node_set_state(m, nid, N_ONLINE);
		new_node = true;
	}
	if ((flags & MEMHP_MHP_MEMMAP_ON_MEMORY) && mhp_supports_memmap_on_memory(m)) {
		ret = create_altmaps_and_memory_blocks(m, nid, group, start, size, flags);
		if (ret)
			goto error;
	} else {
		ret = arch_add_memory(m, nid, start, size, NULL);
		if (ret)
			goto error;
		ret = create_memory_block_devices(m, start, size, NULL, group);
		if (ret) {
			arch_remove_memory(m, start, size, NULL);
			goto error;
		}
	}
	if (new_node) {
		pthread_rwlock_wrlock(&m->blocks_lock);
		m->nodes[nid].registered = true;	/* __register_one_node */
		pthread_rwlock_unlock(&m->blocks_lock);
		kobject_uevent(m->uevents, "add", "node", "/devices/system/node/node%d", nid);
	}
	/* register_memory_blocks_under_node(MEMINIT_HOTPLUG) */
	for (unsigned long id = phys_to_block_id(m, start); id < phys_to_block_id(m, start + size); id++)
		memory_block_set_nid(m, find_memory_block_by_id(m, id), nid, false);
	progress_end(m);
	mem_hotplug_done(m);

	/* auto-online; a failure stops the walk but the add still succeeds */
	pthread_mutex_lock(&m->param_lock);
	online_type = m->params.default_online_type;
	pthread_mutex_unlock(&m->param_lock);
	if (online_type != MEMHP_MMOP_OFFLINE) {
		progress_begin(m, "online", size);
		walk_memory_blocks(m, start, size, &online_type, online_memory_block);
		progress_end(m);
	}
	return 0;
error:
	if (new_node)
		node_clear_state(m, nid, N_ONLINE);
	progress_end(m);
	mem_hotplug_done(m);
	return ret;
}

/* register_memory_resource */
static struct resource *register_memory_resource(struct memhp_machine *m, uint64_t start,
						 uint64_t size, const char *name, int *err)
{
	unsigned long flags = IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY;
	uint64_t limit = m->max_phys;
	struct resource *res;

	if (strcmp(name, "System RAM"))
		flags |= IORESOURCE_SYSRAM_DRIVER_MANAGED;
	if (!size || start + size <= start || start + size > limit) {
		mlog(m, "Hotplug memory [%#llx-%#llx] exceeds maximum addressable range [%#llx-%#llx]",
		     (unsigned long long)start, (unsigned long long)(start + size),
		     0ULL, (unsigned long long)limit - 1);
		*err = -E2BIG;
		return NULL;
	}
	res = iomem_request(m, start, size, name, flags);
	if (!res) {
		*err = -EEXIST;
		return NULL;
	}
	return res;
}

int add_memory(struct memhp_machine *m, int nid, uint64_t start, uint64_t size,
	       unsigned int flags, const char *name)
{
	struct resource *res;
	int ret;

	/* __add_memory: the caller holds device_hotplug_lock */
	lockdep_assert_held(&m->device_hotplug_lock);
	res = register_memory_resource(m, start, size, name, &ret);
	if (!res)
		return ret;
	ret = add_memory_resource(m, nid, res, flags);
	if (ret)
		iomem_release(m, &res);
	return ret;
}

/* ---- removing memory ------------------------------------------------------ */

void try_offline_node(struct memhp_machine *m, int nid)
{
	struct pglist_data *pgdat = &m->nodes[nid];

	if (pgdat->node_spanned_pages)
		return;
	for (unsigned long id = 0; id < m->nr_block_ids; id++)
		if (m->blocks[id] && m->blocks[id]->nid == nid)
			return;
	if (node_state(m, nid, N_CPU))
		return;
	node_clear_state(m, nid, N_ONLINE);
	if (!pgdat->registered)
		return;	/* unregister_one_node: no device, nothing to say */
	pthread_rwlock_wrlock(&m->blocks_lock);
	pgdat->registered = false;
	pthread_rwlock_unlock(&m->blocks_lock);
	kobject_uevent(m->uevents, "remove", "node", "/devices/system/node/node%d", nid);
}

static int check_memblock_offlined_cb(struct memhp_machine *m, struct memory_block *mem, void *arg)
{
	*(int *)arg = mem->nid;
	if (atomic_load(&mem->state) != MEM_OFFLINE) {
		uint64_t begin = PFN_PHYS_M(m, section_nr_to_pfn(m, mem->start_section_nr));

		mlog(m, "removing memory fails, because memory [0x%016llx-0x%016llx] is onlined",
		     (unsigned long long)begin, (unsigned long long)(begin + m->block_size - 1));
		return -EBUSY;
	}
	return 0;
}

static int count_altmaps_cb(struct memhp_machine *m, struct memory_block *mem, void *arg)
{
	(void)m;
	if (mem->altmap)
		(*(unsigned long *)arg)++;
	return 0;
}

/* release_mem_region_adjustable: drop [start, start+size) from its resource */
static void release_mem_region_adjustable(struct memhp_machine *m, uint64_t start, uint64_t size)
{
	/* the busy System RAM entry, below non-busy containers such as daxR.I */
	struct resource *res = resource_find_exact(&m->iomem, start, size,
						   IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY);

	if (res) {
		resource_release(res);
		return;
	}
	/* part of a larger range: shrink or split it, keeping its name */
	for (struct resource *p = m->iomem.child; p; p = p->sibling) {
		struct resource *r = p;
		uint64_t end = start + size - 1;

		if (!(r->start <= start && r->end >= end) || !(r->flags & IORESOURCE_SYSRAM)) {
			for (r = p->child; r; r = r->sibling)
				if (r->start <= start && r->end >= end && (r->flags & IORESOURCE_SYSRAM))
					break;
			if (!r)
				continue;
		}
		if (r->start == start) {
			r->start = end + 1;
		} else if (r->end == end) {
			r->end = start - 1;
		} else {
			uint64_t old_end = r->end;

			r->end = start - 1;
			resource_request(r->parent, end + 1, old_end - end, r->name, r->flags);
		}
		return;
	}
}

int try_remove_memory(struct memhp_machine *m, uint64_t start, uint64_t size)
{
	unsigned long altmaps = 0, nr_blocks = (unsigned long)(size / m->block_size);
	int nid = NUMA_NO_NODE, ret;

	if (check_hotplug_memory_range(m, start, size))
		return -EINVAL;
	ret = walk_memory_blocks(m, start, size, &nid, check_memblock_offlined_cb);
	if (ret)
		return ret;
	mem_hotplug_begin(m);
	if (m->params.memmap_mode != MEMMAP_ON_MEMORY_DISABLE)
		walk_memory_blocks(m, start, size, &altmaps, count_altmaps_cb);
	if (altmaps && altmaps != nr_blocks) {
		mlog(m, "WARNING: memory_blocks_have_altmaps: not all memory blocks have an altmap");
		mem_hotplug_done(m);
		return -EINVAL;
	}
	if (!altmaps) {
		remove_memory_block_devices(m, start, size);
		arch_remove_memory(m, start, size, NULL);
	} else {
		remove_memory_blocks_and_altmaps(m, start, size);
	}
	pthread_mutex_lock(&m->resource_lock);
	release_mem_region_adjustable(m, start, size);
	pthread_mutex_unlock(&m->resource_lock);
	if (nid != NUMA_NO_NODE)
		try_offline_node(m, nid);
	mem_hotplug_done(m);
	return 0;
}
