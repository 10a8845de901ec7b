// SPDX-License-Identifier: MIT
/*
 * pcp.c - per-CPU page caches (mm/page_alloc.c: per_cpu_pages, rmqueue_pcplist,
 * free_unref_page, drain_all_pages, zone_pcp_disable).
 *
 * Order-0 allocations and frees go through a small cache per CPU slot, so
 * that the zone lock is taken once per batch of pages instead of once per
 * page.  A thread uses the slot of the CPU it runs on (sched_getcpu,
 * folded onto the guest's memhp_config.nr_cpus), as the kernel's per-cpu
 * lists do, under that slot's lock (the kernel's
 * pcp spinlock).  Each slot keeps one list per node, zone and mobility
 * (unmovable/movable), used as the kernel uses its lists: a freed page goes
 * to the head and an allocation takes the head (the page most likely still
 * in cache), a refill of `batch` pages from the buddy goes to the tail, and
 * a drain of `batch` pages, when the list holds more than `high`, takes the
 * oldest from the tail.
 *
 * Besides order 0, a list per zone and mobility holds pageblock-order
 * chunks (the kernel's NR_PCP_THP list): refilled two at a time (the
 * batch shifted by the order, at least 2), drained past four.  Orders 1-3,
 * which the kernel also caches, are not kept here.
 *
 * Pages in a cache are free but not in the buddy: as in the kernel they do
 * not count in NR_FREE_PAGES / MemFree, and zoneinfo shows them as the
 * pagesets' count.  They carry PG_pcp.  Offlining disables the caches of
 * its zone and drains them (zone_pcp_disable), so that isolation sees
 * every free page in the buddy; a free or a refill that races with the
 * disable either lands before the drain (and is drained) or sees the zone
 * disabled under the slot lock and goes to the buddy.
 */
#include <sched.h>
#include <stdlib.h>

#include "internal.h"

#define PCP_BATCH 63
#define PCP_HIGH (4 * PCP_BATCH)
#define PCP_BATCH_PAGEBLOCK 2	/* max(batch >> pageblock_order, 2) */
#define PCP_HIGH_PAGEBLOCK (2 * PCP_BATCH_PAGEBLOCK)

enum { PCP_ORDER0, PCP_PAGEBLOCK, NR_PCP_ORDERS };

struct pcp_list {
	struct page *head, *tail;
	unsigned long count;	/* chunks */
};

struct per_cpu_pages {
	pthread_mutex_t lock;
	struct pcp_list lists[MEMHP_MAX_NODES][MAX_NR_ZONES][2][NR_PCP_ORDERS];
};

/* pcp_allowed_order: order 0 and pageblock-order chunks */
bool pcp_allowed_order(const struct memhp_machine *m, unsigned int order)
{
	return !order || order == m->arch->pageblock_order;
}

static unsigned int list_order(const struct memhp_machine *m, int k)
{
	return k == PCP_PAGEBLOCK ? m->arch->pageblock_order : 0;
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

static struct pcp_list *list_of(struct per_cpu_pages *pcp, struct zone *zone, int mt, unsigned int order)
{
	return &pcp->lists[zone->pgdat->node_id][zone->idx][mt == MIGRATE_MOVABLE][order ? PCP_PAGEBLOCK : PCP_ORDER0];
}

/* every list of a zone in a slot, as one array of 2 * NR_PCP_ORDERS */
static struct pcp_list *zone_lists(struct per_cpu_pages *pcp, struct zone *zone)
{
	return &pcp->lists[zone->pgdat->node_id][zone->idx][0][0];
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

/* give up to n chunks of a list back to the buddy; slot lock held */
static void drain_list(struct memhp_machine *m, struct zone *zone, struct pcp_list *l, unsigned long n,
		       unsigned int order)
{
	while (n-- && l->tail) {
		struct page *p = pop_tail(l);
		unsigned long pfn = page_to_pfn(m, p);

		page_flags_clear(p, PG_pcp);
		free_one_page(m, zone, pfn, order, get_pageblock_migratetype(m, pfn), false);
	}
}

long pcp_alloc(struct memhp_machine *m, struct zone *zone, int mt, unsigned int order)
{
	int batch = order ? PCP_BATCH_PAGEBLOCK : PCP_BATCH;
	struct per_cpu_pages *pcp = this_cpu(m);
	struct pcp_list *l;
	struct page *p;
	long pfn = -1;

	pthread_mutex_lock(&pcp->lock);
	/*
	 * Checked again under the slot lock: an allocation that saw the zone
	 * enabled may get here after zone_pcp_disable drained this slot, and
	 * must not refill it with pages of a range about to be isolated.
	 */
	if (atomic_load(&zone->pcp_disabled)) {
		pthread_mutex_unlock(&pcp->lock);
		return PCP_BYPASS;
	}
	l = list_of(pcp, zone, mt, order);
	if (!l->count) {
		long got[PCP_BATCH];
		int n = buddy_alloc_batch(m, zone, mt, order, got, batch);

		if (n < 0)
			pfn = n;	/* the host failed a deferred block's memmap */
		for (int i = 0; i < n; i++) {
			p = pfn_to_page(m, (unsigned long)got[i]);
			page_flags_store(p, page_flags(p) | PG_pcp);	/* the slot's alone */
			set_page_order(p, order);
			push_tail(l, p);
		}
	}
	p = pop_head(l);
	if (p) {
		pfn = (long)page_to_pfn(m, p);
		page_flags_store(p, page_flags(p) & ~PG_pcp);
		prep_new_page(m, (unsigned long)pfn, order);
	}
	pthread_mutex_unlock(&pcp->lock);
	return pfn;
}

/* false: the zone's caches are disabled, free to the buddy instead */
bool pcp_free(struct memhp_machine *m, struct zone *zone, unsigned long pfn, unsigned int order)
{
	struct per_cpu_pages *pcp = this_cpu(m);
	int mt = get_pageblock_migratetype(m, pfn);
	struct pcp_list *l;

	if (mt == MIGRATE_ISOLATE)
		return false;
	pthread_mutex_lock(&pcp->lock);
	if (atomic_load(&zone->pcp_disabled)) {
		pthread_mutex_unlock(&pcp->lock);
		return false;
	}
	l = list_of(pcp, zone, mt, order);
	free_pages_prepare(m, pfn, order);
	/* the freeing owner hands the page to the slot: nobody else writes it */
	page_flags_store(pfn_to_page(m, pfn), page_flags(pfn_to_page(m, pfn)) | PG_pcp);
	set_page_order(pfn_to_page(m, pfn), order);
	push_head(l, pfn_to_page(m, pfn));
	if (l->count > (order ? PCP_HIGH_PAGEBLOCK : PCP_HIGH))
		drain_list(m, zone, l, order ? PCP_BATCH_PAGEBLOCK : PCP_BATCH, order);
	pthread_mutex_unlock(&pcp->lock);
	return true;
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
		for (int k = 0; k < 2 * NR_PCP_ORDERS; k++) {
			struct pcp_list *l = &zone_lists(pcp, zone)[k];

			drain_list(m, zone, l, l->count, list_order(m, k % NR_PCP_ORDERS));
		}
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
		for (int k = 0; k < 2 * NR_PCP_ORDERS; k++)
			n += zone_lists(pcp, zone)[k].count << list_order(m, k % NR_PCP_ORDERS);
		pthread_mutex_unlock(&pcp->lock);
	}
	return n;
}

/* the audit: every cached page is a PG_pcp page of its list's zone */
int pcp_audit(struct memhp_machine *m, struct zone *zone, unsigned long *pages, char *msg, size_t len)
{
	*pages = 0;
	for (int i = 0; i < PCP_SLOTS; i++) {
		for (int k = 0; k < 2 * NR_PCP_ORDERS; k++) {
			struct pcp_list *l = &zone_lists(&m->pcp[i], zone)[k];
			unsigned int order = list_order(m, k % NR_PCP_ORDERS);
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
		}
	}
	return 0;
}
