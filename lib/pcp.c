// SPDX-License-Identifier: MIT
/*
 * pcp.c - per-CPU page caches (mm/page_alloc.c: per_cpu_pages, rmqueue_pcplist,
 * free_unref_page, decay_pcp_high, drain_all_pages, zone_pcp_disable).
 *
 * Order-0 allocations and frees go through a small cache per CPU slot, so
 * that the zone lock is taken once per batch of pages instead of once per
 * page.  A thread uses the slot of the CPU it runs on (sched_getcpu,
 * folded onto the guest's memhp_config.nr_cpus), as the kernel's per-cpu
 * lists do, under that slot's lock (the kernel's pcp spinlock).  Each slot
 * keeps one list per node, zone and mobility (unmovable, movable,
 * reclaimable), used as
 * the kernel uses its lists: a freed page goes to the head and an
 * allocation takes the head (the page most likely still in cache), a
 * refill from the buddy goes to the tail, and a drain takes the oldest
 * from the tail.
 *
 * How many pages a slot keeps for a zone is 6.12's auto-tuned pcp->high:
 * between high_min (the zone's low watermark over the CPUs that share it)
 * and high_max (an eighth of its managed pages over them), set again
 * whenever the watermarks are (zone_pcp_update).  Each refill raises it by
 * a batch and doubles the next refill while no page is freed
 * (alloc_factor); a run of frees raises it to what the run needs
 * (free_count) and drains the excess; a zone below its high watermark
 * (ZONE_BELOW_HIGH, set by the allocator) shrinks it back; and every
 * second vmstat_update decays it by an eighth, draining what is above it
 * (memhp_vmstat_update).  The batch is the zone's zone_batchsize: about
 * a thousandth of it, at most 1 MiB, 2^n - 1 pages.
 *
 * Besides order 0, a list per zone and mobility holds pageblock-order
 * chunks (the kernel's NR_PCP_THP list): refilled two at a time (the
 * batch shifted by the order, at least 2); their pages count in the
 * slot's count as the kernel's do.  Orders 1-3, which the kernel also
 * caches, are not kept here, so no free is a high-order free (free_high).
 *
 * Pages in a cache are free but not in the buddy: as in the kernel they do
 * not count in NR_FREE_PAGES / MemFree, and zoneinfo shows them as the
 * pagesets' count.  They carry PG_pcp.  Offlining disables the caches of
 * its zone and drains them (zone_pcp_disable), so that isolation sees
 * every free page in the buddy; a free or a refill that races with the
 * disable either lands before the drain (and is drained) or sees the zone
 * disabled under the slot lock and goes to the buddy.
 */
#include <assert.h>
#include <sched.h>
#include <stdlib.h>

#include "internal.h"

#define PCP_BATCH_SCALE_MAX 5	/* CONFIG_PCP_BATCH_SCALE_MAX */
#define MIN_PERCPU_PAGELIST_HIGH_FRACTION 8
#define PCP_REFILL_CHUNK 64	/* pages taken from the buddy per call */

/*
 * The kernel's pindex: order 0 has a list per pcp migratetype (unmovable,
 * movable, reclaimable: order_to_pindex's MIGRATE_PCPTYPES * order +
 * migratetype), the pageblock order two (NR_LOWORDER_PCP_LISTS, + 1 for
 * movable).  free_pcppages_bulk goes round them in this order.
 */
enum { PCP_PINDEX_PAGEBLOCK = MIGRATE_PCPTYPES, NR_PCP_LISTS = MIGRATE_PCPTYPES + 2 };

struct pcp_list {
	struct page *head, *tail;
	unsigned long count;	/* chunks */
};

/* a slot's state for one zone: the kernel's struct per_cpu_pages, less its lists */
struct pcp_zone {
	int count;		/* pages on the zone's lists, every order */
	int high, high_min, high_max, batch;
	int free_count;		/* pages freed since the last allocations halved it */
	int alloc_factor;	/* refills in a row without a free: the batch's shift */
};

struct per_cpu_pages {
	pthread_mutex_t lock;
	struct pcp_list lists[MEMHP_MAX_NODES][MAX_NR_ZONES][NR_PCP_LISTS];
	struct pcp_zone zones[MEMHP_MAX_NODES][MAX_NR_ZONES];
};

/* pcp_allowed_order: order 0 and pageblock-order chunks */
bool pcp_allowed_order(const struct memhp_machine *m, unsigned int order)
{
	return !order || order == m->arch->pageblock_order;
}

static unsigned int list_order(const struct memhp_machine *m, int pindex)
{
	return pindex >= PCP_PINDEX_PAGEBLOCK ? m->arch->pageblock_order : 0;
}

int pcp_init(struct memhp_machine *m)
{
	pthread_mutexattr_t spin;

	m->pcp = calloc(PCP_SLOTS, sizeof(*m->pcp));
	if (!m->pcp)
		return -ENOMEM;
	/* the kernel's pcp lock is a spinlock too (see zones_init) */
	pthread_mutexattr_init(&spin);
	pthread_mutexattr_settype(&spin, PTHREAD_MUTEX_ADAPTIVE_NP);
	for (int i = 0; i < PCP_SLOTS; i++)
		pthread_mutex_init(&m->pcp[i].lock, &spin);
	pthread_mutexattr_destroy(&spin);
	return 0;
}

void pcp_destroy(struct memhp_machine *m)
{
	if (!m->pcp)
		return;
	for (int i = 0; i < PCP_SLOTS; i++)
		pthread_mutex_destroy(&m->pcp[i].lock);
	free(m->pcp);
	m->pcp = NULL;
}

/* the guest CPU the calling thread stands for: its host CPU's, folded */
static struct per_cpu_pages *this_cpu(struct memhp_machine *m)
{
	int cpu = sched_getcpu();

	return &m->pcp[(unsigned int)(cpu < 0 ? 0 : cpu) % m->nr_cpus];
}

/*
 * order_to_pindex; a highatomic page goes to the movable list as
 * free_unref_page sends it (an isolated one never gets here)
 */
static int list_pindex(int mt, unsigned int order)
{
	if (mt >= MIGRATE_PCPTYPES)
		mt = MIGRATE_MOVABLE;
	if (order)
		return PCP_PINDEX_PAGEBLOCK + (mt == MIGRATE_MOVABLE);
	return mt;
}

/* every list of a zone in a slot, as one array of NR_PCP_LISTS, by pindex */
static struct pcp_list *zone_lists(struct per_cpu_pages *pcp, const struct zone *zone)
{
	return pcp->lists[zone->pgdat->node_id][zone->idx];
}

static struct pcp_list *list_of(struct per_cpu_pages *pcp, struct zone *zone, int mt, unsigned int order)
{
	return &zone_lists(pcp, zone)[list_pindex(mt, order)];
}

/* list_add_tail: refills keep the buddy's order */
static void push_tail(struct pcp_list *l, struct page *p)
{
	p->next = NULL;
	p->prev = l->tail;
	if (l->tail)
		l->tail->next = p;
	else
		l->head = p;
	l->tail = p;
	l->count++;
}

/* list_add: a freed page is the hottest */
static void push_head(struct pcp_list *l, struct page *p)
{
	p->prev = NULL;
	p->next = l->head;
	if (l->head)
		l->head->prev = p;
	else
		l->tail = p;
	l->head = p;
	l->count++;
}

static struct page *pop_head(struct pcp_list *l)
{
	struct page *p = l->head;

	if (!p)
		return NULL;
	l->head = p->next;
	if (l->head)
		l->head->prev = NULL;
	else
		l->tail = NULL;
	p->next = p->prev = NULL;
	l->count--;
	return p;
}

/* list_last_entry: drains give back the oldest */
static struct page *pop_tail(struct pcp_list *l)
{
	struct page *p = l->tail;

	if (!p)
		return NULL;
	l->tail = p->prev;
	if (l->tail)
		l->tail->next = NULL;
	else
		l->head = NULL;
	p->next = p->prev = NULL;
	l->count--;
	return p;
}

static struct pcp_zone *pcp_zone_of(struct per_cpu_pages *pcp, const struct zone *zone)
{
	return &pcp->zones[zone->pgdat->node_id][zone->idx];
}

/*
 * free_pcppages_bulk: `pages` pages back to the buddy, each list's oldest
 * first, starting with list `pindex` and going round the others while
 * that one is empty; slot lock held
 */
static void free_pcppages_bulk(struct memhp_machine *m, struct zone *zone, struct per_cpu_pages *pcp, int pages,
			       int pindex)
{
	struct pcp_zone *pz = pcp_zone_of(pcp, zone);

	pages = MIN(pages, pz->count);
	pindex--;
	while (pages > 0) {
		struct pcp_list *l;
		unsigned int order;

		do {
			if (++pindex >= NR_PCP_LISTS)
				pindex = 0;
			l = &zone_lists(pcp, zone)[pindex];
		} while (!l->count);
		order = list_order(m, pindex);
		do {
			struct page *p = pop_tail(l);
			unsigned long pfn = page_to_pfn(m, p);

			page_flags_clear(p, PG_pcp);
			pz->count -= 1 << order;
			pages -= 1 << order;
			free_one_page(m, zone, pfn, order, get_pageblock_migratetype(m, pfn), false);
		} while (pages > 0 && l->count);
	}
	assert(pz->count >= 0);
}

/* ---- pcp->high and the batches (nr_pcp_alloc, nr_pcp_high, nr_pcp_free) ---- */

/* the kernel's clamp() (__clamp): hi if v reaches it, else at least lo */
static int clamp_int(int v, int lo, int hi)
{
	return v >= hi ? hi : MAX(v, lo);
}

static int clamp_high(struct pcp_zone *pz)
{
	pz->high = clamp_int(pz->high, pz->high_min, pz->high_max);
	return pz->high;
}

/*
 * How many pages a refill takes: the batch, doubled for each refill since
 * the last free (alloc_factor), and never more than room below pcp->high
 * - which each refill raises by that batch unless the zone is below its
 * high watermark.
 */
static int nr_pcp_alloc(struct pcp_zone *pz, const struct zone *zone, unsigned int order)
{
	int base_batch = pz->batch, high = clamp_high(pz), batch;

	if (high < base_batch)
		return 1;	/* a boot pageset: nothing kept */
	batch = order ? base_batch : base_batch << pz->alloc_factor;
	if (pz->high_min != pz->high_max && !atomic_load(&zone->below_high))
		high = pz->high = MIN(high + batch, pz->high_max);
	if (!order) {
		int max_nr_alloc = MAX(high - pz->count - base_batch, base_batch);

		if (batch <= max_nr_alloc && pz->alloc_factor < PCP_BATCH_SCALE_MAX)
			pz->alloc_factor++;
		batch = MIN(batch, max_nr_alloc);
	}
	if (batch > 1)
		batch = MAX(batch >> order, 2);
	return batch;
}

/*
 * The count at which a free drains: pcp->high, raised to hold the run of
 * frees going on (free_count) plus a batch, or - in a zone below its high
 * watermark - lowered by that run, so that frees reach the buddy.
 */
static int nr_pcp_high(struct pcp_zone *pz, const struct zone *zone)
{
	int high = clamp_high(pz);

	if (!high)
		return 0;
	if (pz->high_min == pz->high_max)
		return high;
	if (atomic_load(&zone->below_high)) {
		pz->high = MAX(high - MAX(pz->free_count, pz->batch), pz->high_min);
		high = MAX(pz->count, pz->high_min);
	} else if (pz->count >= high) {
		int need_high = pz->free_count + pz->batch;

		if (pz->high < need_high)
			pz->high = clamp_int(need_high, pz->high_min, pz->high_max);
	}
	return high;
}

/* how many a drain gives back: the run of frees, leaving a batch */
static int nr_pcp_free(const struct pcp_zone *pz, int high)
{
	if (high < pz->batch)
		return 1;
	return clamp_int(pz->free_count, pz->batch, high - pz->batch);
}

/*
 * A page that went through a disabled slot: zone_pcp_disable sets the
 * limits to 0 and a batch of 1, so the page passes straight through and
 * pcp->high, clamped to them, is left 0 - after zone_pcp_enable the next
 * use clamps it up to high_min, not back to what the traffic had tuned.
 */
static void pcp_passed_disabled(struct pcp_zone *pz)
{
	pz->high = 0;
}

/* rmqueue_bulk: up to n chunks from the buddy onto the list's tail; slot lock held */
static int pcp_refill(struct memhp_machine *m, struct zone *zone, struct pcp_zone *pz, struct pcp_list *l,
		      int mt, unsigned int order, int n, unsigned int alloc_flags)
{
	long got[PCP_REFILL_CHUNK];
	bool stealing = false;	/* rmqueue_bulk's mode, for the whole batch */
	int total = 0;

	while (total < n) {
		int want = MIN(n - total, PCP_REFILL_CHUNK);
		int k = buddy_alloc_batch(m, zone, mt, order, got, want, alloc_flags, &stealing);

		if (k < 0)
			return total ? total : k;	/* the host failed a deferred block's memmap */
		for (int i = 0; i < k; i++) {
			struct page *p = pfn_to_page(m, (unsigned long)got[i]);

			page_flags_store(p, page_flags(p) | PG_pcp);	/* the slot's alone */
			set_page_order(p, order);
			push_tail(l, p);
		}
		pz->count += k << order;
		total += k;
		if (k < want)
			break;	/* the buddy has no more */
	}
	return total;
}

long pcp_alloc(struct memhp_machine *m, struct zone *zone, int mt, unsigned int order, unsigned int alloc_flags)
{
	struct per_cpu_pages *pcp = this_cpu(m);
	struct pcp_zone *pz;
	struct pcp_list *l;
	struct page *p;
	long pfn = -1;

	pthread_mutex_lock(&pcp->lock);
	pz = pcp_zone_of(pcp, zone);
	/* an allocation ends a run of frees: the next drain is smaller */
	pz->free_count >>= 1;
	/*
	 * Checked again under the slot lock: an allocation that saw the zone
	 * enabled may get here after zone_pcp_disable drained this slot, and
	 * must not refill it with pages of a range about to be isolated.
	 */
	if (atomic_load(&zone->pcp_disabled)) {
		pcp_passed_disabled(pz);
		pthread_mutex_unlock(&pcp->lock);
		return PCP_BYPASS;
	}
	l = list_of(pcp, zone, mt, order);
	if (!l->count) {
		int n = pcp_refill(m, zone, pz, l, mt, order, nr_pcp_alloc(pz, zone, order), alloc_flags);

		if (n < 0)
			pfn = n;
	}
	p = pop_head(l);
	if (p) {
		pz->count -= 1 << order;
		pfn = (long)page_to_pfn(m, p);
		page_flags_store(p, page_flags(p) & ~PG_pcp);
		prep_new_page(m, (unsigned long)pfn, order);
	}
	pthread_mutex_unlock(&pcp->lock);
	return pfn;
}

/*
 * free_unref_page_commit's last step: once the zone is back above its
 * high watermark, its pcp->high may grow again; zone lock taken here
 */
static void clear_below_high(struct zone *zone)
{
	if (!atomic_load(&zone->below_high))
		return;
	pthread_mutex_lock(&zone->lock);
	if (zone_watermark_ok(zone, 0, zone->wmark_high, ZONE_MOVABLE))
		atomic_store(&zone->below_high, false);
	pthread_mutex_unlock(&zone->lock);
}

/*
 * free_unref_page_commit on a disabled list (limits 0, batch 1): the page
 * passes straight on to the buddy, but is counted as the run of frees it
 * is part of (free_count, capped at the batch of 1's scale), and the zone,
 * above its high watermark again, may leave ZONE_BELOW_HIGH; slot lock
 * held
 */
static void pcp_free_disabled(struct memhp_machine *m, struct zone *zone, struct pcp_zone *pz, unsigned long pfn,
			      unsigned int order)
{
	pz->alloc_factor >>= 1;
	if (pz->free_count < (1 << PCP_BATCH_SCALE_MAX))
		pz->free_count += 1 << order;
	pcp_passed_disabled(pz);
	free_pages_prepare(m, pfn, order);
	free_one_page(m, zone, pfn, order, get_pageblock_migratetype(m, pfn), false);
	clear_below_high(zone);
}

/* false: the page is not the pcp's to take (isolated), free it to the buddy */
bool pcp_free(struct memhp_machine *m, struct zone *zone, unsigned long pfn, unsigned int order)
{
	struct per_cpu_pages *pcp = this_cpu(m);
	int mt = get_pageblock_migratetype(m, pfn), high;
	struct pcp_zone *pz;

	if (mt == MIGRATE_ISOLATE)
		return false;
	pthread_mutex_lock(&pcp->lock);
	pz = pcp_zone_of(pcp, zone);
	if (atomic_load(&zone->pcp_disabled)) {
		pcp_free_disabled(m, zone, pz, pfn, order);
		pthread_mutex_unlock(&pcp->lock);
		return true;
	}
	free_pages_prepare(m, pfn, order);
	/* the freeing owner hands the page to the slot: nobody else writes it */
	page_flags_store(pfn_to_page(m, pfn), page_flags(pfn_to_page(m, pfn)) | PG_pcp);
	set_page_order(pfn_to_page(m, pfn), order);
	push_head(list_of(pcp, zone, mt, order), pfn_to_page(m, pfn));
	/* a free ends a run of refills: the next refill is smaller */
	pz->alloc_factor >>= 1;
	pz->count += 1 << order;
	if (pz->free_count < (pz->batch << PCP_BATCH_SCALE_MAX))
		pz->free_count += 1 << order;
	high = nr_pcp_high(pz, zone);
	if (pz->count >= high) {
		free_pcppages_bulk(m, zone, pcp, nr_pcp_free(pz, high), list_pindex(mt, order));
		clear_below_high(zone);
	}
	pthread_mutex_unlock(&pcp->lock);
	return true;
}

/*
 * decay_pcp_high, from vmstat_update once a second: pcp->high loses an
 * eighth (at most the pages above a full scaled batch), never below
 * high_min, and what the lists hold above it goes back to the buddy a
 * batch at a time; slot lock held
 */
static void decay_pcp_high(struct memhp_machine *m, struct zone *zone, struct per_cpu_pages *pcp)
{
	struct pcp_zone *pz = pcp_zone_of(pcp, zone);
	/* a disabled zone's limits are zone_pcp_disable's: 0, and a batch of 1 */
	bool disabled = atomic_load(&zone->pcp_disabled);
	int high_min = disabled ? 0 : pz->high_min, batch = disabled ? 1 : pz->batch;

	if (pz->high > high_min)
		pz->high = MAX(MAX(pz->count - (batch << PCP_BATCH_SCALE_MAX), pz->high - (pz->high >> 3)), high_min);
	for (int to_drain = pz->count - pz->high; to_drain > 0; to_drain -= batch)
		free_pcppages_bulk(m, zone, pcp, MIN(to_drain, batch), 0);
}

void memhp_vmstat_update(struct memhp_machine *m)
{
	machine_check(m);
	for (unsigned int cpu = 0; cpu < m->nr_cpus; cpu++) {
		struct per_cpu_pages *pcp = &m->pcp[cpu];

		pthread_mutex_lock(&pcp->lock);
		for (unsigned int nid = 0; nid < m->nr_nodes; nid++)
			for (int z = 0; z < MAX_NR_ZONES; z++) {
				struct zone *zone = &m->nodes[nid].node_zones[z];

				if (populated_zone(zone))
					decay_pcp_high(m, zone, pcp);
			}
		pthread_mutex_unlock(&pcp->lock);
	}
}

/* ---- batch and high limits from the zone's size (zone_pcp_update) ---- */

/* about a thousandth of the zone, at most 1 MiB, as 2^n - 1 pages */
static int zone_batchsize(const struct memhp_machine *m, unsigned long managed)
{
	unsigned long batch = MIN(managed >> 10, (1UL << 20) / m->page_size) / 4;
	unsigned long pow = 1;

	batch = MAX(batch, 1UL);
	while (pow * 2 <= batch + batch / 2)
		pow *= 2;	/* rounddown_pow_of_two */
	return MAX((int)pow - 1, 1);
}

/*
 * zone_highsize: `total` pages split over the CPUs local to the zone -
 * every CPU of the guest is on node 0, and a node without CPUs splits
 * over all online CPUs: nr_cpus either way - but at least 4 batches
 */
static int zone_highsize(const struct memhp_machine *m, unsigned long total, int batch)
{
	return MAX((int)(total / m->nr_cpus), batch << 2);
}

/*
 * zone_pcp_update, after every setup_per_zone_wmarks: each slot's batch,
 * high_min (the low watermark's share) and high_max (an eighth of the
 * share of `managed`, the zone's managed pages as the watermarks counted
 * them).  A zone left without pages gets the boot pageset's nothing-kept
 * limits and a fresh state (zone_pcp_reset), as the pageset the kernel
 * gives it back when it is populated again.
 */
void zone_pcp_update(struct memhp_machine *m, struct zone *zone, unsigned long managed)
{
	unsigned long low;
	int batch, high_min, high_max;
	bool empty = !populated_zone(zone);

	pthread_mutex_lock(&zone->lock);
	low = zone->wmark_low;
	pthread_mutex_unlock(&zone->lock);
	batch = zone_batchsize(m, managed);
	high_min = zone_highsize(m, low, batch);
	high_max = zone_highsize(m, managed / MIN_PERCPU_PAGELIST_HIGH_FRACTION, batch);
	for (int i = 0; i < PCP_SLOTS; i++) {
		struct pcp_zone *pz = pcp_zone_of(&m->pcp[i], zone);

		pthread_mutex_lock(&m->pcp[i].lock);
		if (empty) {
			assert(!pz->count);
			*pz = (struct pcp_zone){ .batch = 1 };
		} else {
			pz->batch = batch;
			pz->high_min = high_min;
			pz->high_max = high_max;
		}
		pthread_mutex_unlock(&m->pcp[i].lock);
	}
}

/* zoneinfo's pageset of one CPU: its count, pcp->high and batch */
void pcp_pageset(struct memhp_machine *m, struct zone *zone, unsigned int cpu, int *count, int *high, int *batch)
{
	struct per_cpu_pages *pcp = &m->pcp[cpu];
	const struct pcp_zone *pz = pcp_zone_of(pcp, zone);

	pthread_mutex_lock(&pcp->lock);
	*count = pz->count;
	*high = pz->high;
	*batch = pz->batch;
	pthread_mutex_unlock(&pcp->lock);
}

/* the audit holds every slot: order span_lock -> slots -> zone locks */
void pcp_lock_all(struct memhp_machine *m)
{
	for (int i = 0; i < PCP_SLOTS; i++)
		pthread_mutex_lock(&m->pcp[i].lock);
}

void pcp_unlock_all(struct memhp_machine *m)
{
	for (int i = PCP_SLOTS; i-- > 0;)
		pthread_mutex_unlock(&m->pcp[i].lock);
}

/* drain_all_pages(zone) */
void pcp_drain_zone(struct memhp_machine *m, struct zone *zone)
{
	for (int i = 0; i < PCP_SLOTS; i++) {
		struct per_cpu_pages *pcp = &m->pcp[i];

		pthread_mutex_lock(&pcp->lock);
		free_pcppages_bulk(m, zone, pcp, pcp_zone_of(pcp, zone)->count, 0);
		pthread_mutex_unlock(&pcp->lock);
	}
}

void memhp_drain_pcp(struct memhp_machine *m)
{
	machine_check(m);
	for (unsigned int nid = 0; nid < m->nr_nodes; nid++)
		for (int z = 0; z < MAX_NR_ZONES; z++)
			pcp_drain_zone(m, &m->nodes[nid].node_zones[z]);
}

void zone_pcp_disable(struct memhp_machine *m, struct zone *zone)
{
	atomic_fetch_add(&zone->pcp_disabled, 1);
	pcp_drain_zone(m, zone);
}

void zone_pcp_enable(struct memhp_machine *m, struct zone *zone)
{
	(void)m;
	atomic_fetch_sub(&zone->pcp_disabled, 1);
}

unsigned long pcp_count(struct memhp_machine *m, struct zone *zone)
{
	unsigned long n = 0;

	for (int i = 0; i < PCP_SLOTS; i++) {
		struct per_cpu_pages *pcp = &m->pcp[i];

		pthread_mutex_lock(&pcp->lock);
		for (int k = 0; k < NR_PCP_LISTS; k++)
			n += zone_lists(pcp, zone)[k].count << list_order(m, k);
		pthread_mutex_unlock(&pcp->lock);
	}
	return n;
}

/* the audit: every cached page is a PG_pcp page of its list's zone */
int pcp_audit(struct memhp_machine *m, struct zone *zone, unsigned long *pages, char *msg, size_t len)
{
	*pages = 0;
	for (int i = 0; i < PCP_SLOTS; i++) {
		unsigned long counted = 0;

		for (int k = 0; k < NR_PCP_LISTS; k++) {
			struct pcp_list *l = &zone_lists(&m->pcp[i], zone)[k];
			unsigned int order = list_order(m, k);
			unsigned long n = 0;

			for (struct page *p = l->head; p; p = p->next) {
				if (!(p->flags & PG_pcp) || p->zone != zone->idx || p->order != order ||
				    p->nid != zone->pgdat->node_id || (p->flags & PG_buddy)) {
					snprintf(msg, len, "pfn %#lx on a pcp list of zone %s is not a pcp page",
						 page_to_pfn(m, p), zone->name);
					return -EUCLEAN;
				}
				n++;
			}
			if (n != l->count) {
				snprintf(msg, len, "pcp list of zone %s counts %lu, holds %lu", zone->name,
					 l->count, n);
				return -EUCLEAN;
			}
			*pages += n << order;
			counted += n << order;
		}
		if (counted != (unsigned long)pcp_zone_of(&m->pcp[i], zone)->count) {
			snprintf(msg, len, "pcp of zone %s in slot %d counts %d pages, its lists hold %lu", zone->name,
				 i, pcp_zone_of(&m->pcp[i], zone)->count, counted);
			return -EUCLEAN;
		}
	}
	return 0;
}
