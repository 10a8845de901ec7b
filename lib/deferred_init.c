// SPDX-License-Identifier: MIT
/*
 * deferred_init.c - struct pages written when they are first needed
 * (mm/mm_init.c's deferred_init_memmap and deferred_grow_zone, applied to
 * hot-added memory whose memmap sits on the memory itself).
 *
 * Onlining a block writes every one of its struct pages: 2 MiB of memmap
 * per 128 MiB block, through mappings that are new - on this project's
 * machines the first write through each fresh 4 KiB mapping costs about
 * 6 us, and every byte of it is host memory.  8 TiB of CXL memory has
 * 128 GiB of memmap: no host plans that by writing it.  The kernel defers
 * the boot memmap for the same reason: nobody reads the struct pages of
 * memory nobody has allocated from, so they can be written later.
 *
 * A block with its memmap on itself (an altmap) is onlined "deferred":
 *  - its memmap stays unmapped (reserved from the altmap and counted as at
 *    any add; SECTION_MEMMAP_UNMAPPED), so a stray pfn_to_page() of it
 *    faults at once instead of reading garbage;
 *  - what its struct pages hold is a function of the block, computed by
 *    deferred_page(): the vmemmap pages (self-hosted, UNMOVABLE
 *    pageblocks), then the free chunks online_pages_range() makes
 *    (max-order aligned after the vmemmap), all MOVABLE;
 *  - on each free list the block's chunks would have joined, a placeholder
 *    node (PG_deferred) stands exactly where they would stand, holding
 *    their number: nr_free, NR_FREE_PAGES, managed and present are those of
 *    an eagerly onlined block, so every file, counter and allocation order
 *    is unchanged.
 * The block is materialized - memmap mapped and backed, every struct page
 * written, each placeholder replaced by its chunks in place - by the first
 * allocation that reaches one of its placeholders (under the zone lock,
 * like deferred_grow_zone) or by an offline of the block.  page_peek() is
 * how a reader of arbitrary pfns sees a deferred page.
 *
 * Where online puts the chunks (online_pages): each is freed to the tail
 * of its MIGRATE_ISOLATE list, then undo-isolation moves them, in pfn
 * order, to the head of the MOVABLE list of their order, and frees
 * pageblock-order chunks below MAX_PAGE_ORDER once more, to the tail.  So
 * per order the block's chunks form one run: at the head, highest pfn
 * first, or for the pageblock order at the tail, lowest first.  A block
 * whose layout could be anything else (a chunk that could merge with a
 * neighbour, a vmemmap not in whole pageblocks) is onlined eagerly.
 * test_deferred_init checks every struct page and every list against an
 * eager online of the same machine.
 *
 * Locks: a record is created and published under mem_hotplug_lock (write);
 * placeholders are linked and replaced under the zone lock; sections lose
 * their record pointer (release) only after the pages are written, and a
 * record lives as long as its memory block, so a reader holding
 * get_online_mems() may use one it loaded.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct deferred_block {
	unsigned long start_pfn;	/* the block's first pfn: its vmemmap */
	unsigned long nr_pages;		/* the whole block */
	unsigned long nr_vmemmap;	/* altmap pages at its start */
	int nid, zid;
	bool materialized;
	unsigned int nr_runs;
	struct page run[];		/* placeholders, one per chunk order */
};

/* online_pages_range's chunk at pfn: as large as pfn's alignment allows */
static unsigned int chunk_order(const struct memhp_machine *m, unsigned long pfn)
{
	return pfn ? MIN(m->arch->max_order, (unsigned int)__builtin_ctzl(pfn)) : m->arch->max_order;
}

/* set_range_migratetype_locked frees these once more (they could merge) */
static bool run_refreed(const struct memhp_machine *m, unsigned int order)
{
	return order == m->arch->pageblock_order && order < m->arch->max_order;
}

static struct zone *db_zone(struct memhp_machine *m, const struct deferred_block *db)
{
	return &m->nodes[db->nid].node_zones[db->zid];
}

static struct free_list *run_list(struct memhp_machine *m, struct deferred_block *db, const struct page *run)
{
	return &db_zone(m, db)->free_area[run->order].list[MIGRATE_MOVABLE];
}

/*
 * Can the block's online be described by runs?  Counts the distinct chunk
 * orders into *nr_runs.  Its memmap must be unmapped (never written), the
 * vmemmap whole pageblocks, the block's end max-order aligned, and no
 * chunk freed to a tail may find a free buddy (it would merge).
 */
static bool deferrable(struct memhp_machine *m, struct memory_block *mem, unsigned long nv,
		       unsigned int *nr_runs)
{
	unsigned long start = section_nr_to_pfn(m, mem->start_section_nr);
	unsigned long end = start + m->pages_per_block;
	bool seen[MAX_ORDER_LIMIT + 1] = { false };

	if (!m->memmap_defer || !nv || nv >= m->pages_per_block || nv % m->pageblock_nr_pages ||
	    end % (1UL << m->arch->max_order))
		return false;
	for (unsigned long s = 0; s < m->sections_per_block; s++)
		if (!(m->sections[mem->start_section_nr + s].flags & SECTION_MEMMAP_UNMAPPED))
			return false;
	*nr_runs = 0;
	for (unsigned long pfn = start + nv; pfn < end; pfn += 1UL << chunk_order(m, pfn)) {
		unsigned int o = chunk_order(m, pfn);
		unsigned long buddy = pfn ^ (1UL << o);

		if (run_refreed(m, o) && (buddy < start || buddy + (1UL << o) > start + nv))
			return false;
		if (!seen[o])
			(*nr_runs)++;
		seen[o] = true;
	}
	return true;
}

/* the struct page an eager online would have written at pfn */
static void deferred_page(struct memhp_machine *m, const struct deferred_block *db, unsigned long pfn,
			  struct page *out)
{
	unsigned long head = db->start_pfn + db->nr_vmemmap;

	*out = (struct page){ .flags = PG_init, .zone = (uint8_t)db->zid, .nid = (uint16_t)db->nid,
			      .mapcount = -1 };
	if (pfn < head) {
		/* mhp_init_memmap_on_memory: in use, by the memmap itself */
		out->flags |= PG_vmemmap_self_hosted;
		out->refcount = 1;
		return;
	}
	/* past the first max-order boundary, every chunk is max-order */
	if (ALIGN_DOWN(pfn, 1UL << m->arch->max_order) >= head)
		head = ALIGN_DOWN(pfn, 1UL << m->arch->max_order);
	while (head + (1UL << chunk_order(m, head)) <= pfn)
		head += 1UL << chunk_order(m, head);
	if (pfn == head) {
		out->flags |= PG_buddy;
		out->order = (uint8_t)chunk_order(m, head);
		out->private = MIGRATE_MOVABLE;
	}
}

const struct page *page_peek(struct memhp_machine *m, unsigned long pfn, struct page *tmp)
{
	struct mem_section *ms = pfn_to_section(m, pfn);
	struct deferred_block *db = ms ? __atomic_load_n(&ms->deferred, __ATOMIC_ACQUIRE) : NULL;

	if (!db)
		return pfn_to_page(m, pfn);
	deferred_page(m, db, pfn, tmp);
	return tmp;
}

bool pfn_memmap_deferred(struct memhp_machine *m, unsigned long pfn)
{
	struct mem_section *ms = pfn_to_section(m, pfn);

	return ms && __atomic_load_n(&ms->deferred, __ATOMIC_ACQUIRE);
}

struct zone *deferred_page_zone(struct memhp_machine *m, unsigned long pfn)
{
	struct mem_section *ms = pfn_to_section(m, pfn);
	struct deferred_block *db = ms ? __atomic_load_n(&ms->deferred, __ATOMIC_ACQUIRE) : NULL;

	return db ? db_zone(m, db) : NULL;
}

static void publish(struct memhp_machine *m, struct memory_block *mem, struct deferred_block *db)
{
	for (unsigned long s = 0; s < m->sections_per_block; s++)
		__atomic_store_n(&m->sections[mem->start_section_nr + s].deferred, db, __ATOMIC_RELEASE);
}

/*
 * Called by memory_block_online before the block's struct pages would be
 * written: either the block is deferred (its record published, nothing
 * mapped), or a memmap left unmapped at add is mapped now, to be written
 * eagerly.  -ENOMEM when that mapping fails; nothing changed then.
 */
int deferred_online_prepare(struct memhp_machine *m, struct memory_block *mem, struct zone *zone,
			    unsigned long nv)
{
	unsigned int nr_runs = 0;
	struct deferred_block *db;

	if (deferrable(m, mem, nv, &nr_runs)) {
		db = calloc(1, sizeof(*db) + nr_runs * sizeof(db->run[0]));
		if (db) {
			db->start_pfn = section_nr_to_pfn(m, mem->start_section_nr);
			db->nr_pages = m->pages_per_block;
			db->nr_vmemmap = nv;
			db->nid = zone->pgdat->node_id;
			db->zid = zone->idx;
			db->nr_runs = nr_runs;
			free(mem->deferred);	/* a materialized one from an earlier online */
			mem->deferred = db;
			publish(m, mem, db);
			return 0;
		}
		/* no record: an eager online does the same, only slower */
	}
	return memmap_map_unmapped(m, mem);
}

/* an online that failed before its chunks were freed: forget the record */
void deferred_online_cancel(struct memhp_machine *m, struct memory_block *mem)
{
	struct deferred_block *db = mem->deferred;

	if (!db || db->materialized)
		return;
	publish(m, mem, NULL);
	mem->deferred = NULL;
	free(db);
}

/*
 * The effect of online_pages_range + undo-isolation on the free lists, for
 * a deferred block: its chunks, as placeholders, where they would stand.
 * Caller holds zone->lock.
 */
void deferred_online_free(struct memhp_machine *m, struct zone *zone, unsigned long start_pfn,
			  unsigned long end_pfn)
{
	lockdep_assert_held(&zone->lock);
	struct mem_section *ms = pfn_to_section(m, start_pfn);
	struct deferred_block *db = ms->deferred;
	unsigned long count[MAX_ORDER_LIMIT + 1] = { 0 };
	unsigned int n = 0;

	assert(db && db_zone(m, db) == zone && start_pfn == db->start_pfn + db->nr_vmemmap);
	for (unsigned long pfn = start_pfn; pfn < end_pfn; pfn += 1UL << chunk_order(m, pfn))
		count[chunk_order(m, pfn)]++;
	for (unsigned int o = 0; o <= m->arch->max_order; o++) {
		struct page *run;

		if (!count[o])
			continue;
		assert(n < db->nr_runs);
		run = &db->run[n++];
		*run = (struct page){ .flags = PG_deferred, .order = (uint8_t)o, .private = MIGRATE_MOVABLE,
				      .index = count[o], .owner = (uint64_t)(uintptr_t)db };
		/* un-isolation moves every chunk to its list's tail, in pfn order */
		free_list_add(&zone->free_area[o].list[MIGRATE_MOVABLE], run, true);
		zone->free_area[o].nr_free += count[o];
		atomic_fetch_add(&zone->nr_free_pages, (long)(count[o] << o));
	}
	for (unsigned long pfn = start_pfn; pfn < end_pfn; pfn += m->pageblock_nr_pages)
		set_pageblock_migratetype(m, pfn, MIGRATE_MOVABLE);
}

/* map (and back) the block's memmap; on failure unmap what was mapped */
static int map_block_memmap(struct memhp_machine *m, unsigned long first_section)
{
	unsigned long bytes = (unsigned long)(m->pages_per_section * sizeof(struct page));
	unsigned long s;

	if (host_memory_check(m, m->block_size, false) || should_fail(m))
		return -ENOMEM;
	for (s = 0; s < m->sections_per_block; s++) {
		struct mem_section *ms = &m->sections[first_section + s];
		void *va = pfn_to_page(m, section_nr_to_pfn(m, first_section + s));

		if (!(ms->flags & SECTION_MEMMAP_UNMAPPED))
			continue;
		if (vmemmap_map(m, va, bytes, ms->memmap_pfn))
			goto unmap;
	}
	/* pfn_valid() readers hold no lock: one atomic update of the flags */
	for (s = 0; s < m->sections_per_block; s++)
		__atomic_fetch_and(&m->sections[first_section + s].flags, ~SECTION_MEMMAP_UNMAPPED, __ATOMIC_RELAXED);
	return 0;
unmap:
	while (s--)
		if (m->sections[first_section + s].flags & SECTION_MEMMAP_UNMAPPED)
			vmemmap_unmap(m, pfn_to_page(m, section_nr_to_pfn(m, first_section + s)), bytes);
	mlog(m, "memhp: cannot map the memmap of memory%lu (host memory or vm.max_map_count)",
	     first_section / m->sections_per_block);
	return -ENOMEM;
}

int memmap_map_unmapped(struct memhp_machine *m, struct memory_block *mem)
{
	for (unsigned long s = 0; s < m->sections_per_block; s++)
		if (m->sections[mem->start_section_nr + s].flags & SECTION_MEMMAP_UNMAPPED)
			return map_block_memmap(m, mem->start_section_nr);
	return 0;
}

/* the chunks of one run, in the order they stand on the list */
static void splice_run(struct memhp_machine *m, struct deferred_block *db, struct page *run)
{
	unsigned long start = db->start_pfn + db->nr_vmemmap, end = db->start_pfn + db->nr_pages;
	struct free_list *l = run_list(m, db, run);
	unsigned long pfn;

	for (pfn = start; pfn < end; pfn += 1UL << chunk_order(m, pfn)) {
		struct page *p = pfn_to_page(m, pfn);

		if (chunk_order(m, pfn) != run->order)
			continue;
		/* a run stood at the tail: its chunks keep pfn order */
		free_list_insert_before(l, run, p);
	}
	free_list_del(l, run);
}

/*
 * Write the block's struct pages and put its chunks where their
 * placeholders stand.  Caller holds the zone lock.  -ENOMEM when the
 * memmap cannot be mapped: the block stays deferred, nothing changed.
 */
static int materialize(struct memhp_machine *m, struct deferred_block *db)
{
	unsigned long first_section = pfn_to_section_nr(m, db->start_pfn);
	int ret;

	if (db->materialized)
		return 0;
	ret = map_block_memmap(m, first_section);
	if (ret)
		return ret;
	for (unsigned long pfn = db->start_pfn; pfn < db->start_pfn + db->nr_pages; pfn++)
		deferred_page(m, db, pfn, pfn_to_page(m, pfn));
	for (unsigned int i = 0; i < db->nr_runs; i++)
		if (db->run[i].flags & PG_deferred)
			splice_run(m, db, &db->run[i]);
	db->materialized = true;
	/* the pages are written: readers may now see them as they are */
	for (unsigned long s = 0; s < m->sections_per_block; s++)
		__atomic_store_n(&m->sections[first_section + s].deferred, NULL, __ATOMIC_RELEASE);
	return 0;
}

/* deferred_grow_zone: an allocation reached a placeholder (zone lock held) */
int deferred_init_run(struct memhp_machine *m, struct page *run)
{
	struct deferred_block *db = (struct deferred_block *)(uintptr_t)run->owner;

	assert(run->flags & PG_deferred);
	return materialize(m, db);
}

/* before an offline: the block's pages as they are (mem_hotplug_lock held) */
int deferred_init_block(struct memhp_machine *m, struct memory_block *mem)
{
	struct deferred_block *db = mem->deferred;
	struct zone *zone;
	int ret;

	if (!db)
		return 0;
	/* an allocation may be materializing it: db->materialized is the zone lock's */
	zone = db_zone(m, db);
	pthread_mutex_lock(&zone->lock);
	ret = materialize(m, db);
	pthread_mutex_unlock(&zone->lock);
	return ret;
}

/* the block is going away: its record with it */
void deferred_block_free(struct memory_block *mem)
{
	free(mem->deferred);
	mem->deferred = NULL;
}

/*
 * debug_vm: what a deferred section holds, without a walk of its pfns
 * (their struct pages are a function of the block): its vmemmap pages,
 * and the free ones.  false if the section is not deferred.
 */
bool deferred_section_counts(struct memhp_machine *m, unsigned long section_nr, int *nid, int *zid,
			     unsigned long *vmemmap, unsigned long *free)
{
	const struct deferred_block *db = __atomic_load_n(&m->sections[section_nr].deferred, __ATOMIC_ACQUIRE);
	unsigned long start = section_nr_to_pfn(m, section_nr), end = start + m->pages_per_section;
	unsigned long vend;

	if (!db)
		return false;
	vend = db->start_pfn + db->nr_vmemmap;
	*nid = db->nid;
	*zid = db->zid;
	*vmemmap = vend > start ? MIN(vend, end) - start : 0;
	*free = m->pages_per_section - *vmemmap;
	return true;
}

/* the number of free chunks a free-list node stands for */
unsigned long free_list_node_chunks(const struct page *p)
{
	return (p->flags & PG_deferred) ? (unsigned long)p->index : 1;
}

/* debug_vm: a placeholder's block is deferred, on this list, with these chunks */
bool deferred_run_is_valid(struct memhp_machine *m, const struct zone *zone, const struct page *run,
			   unsigned int order, int mt)
{
	const struct deferred_block *db = (const struct deferred_block *)(uintptr_t)run->owner;
	unsigned long start, end, n = 0;

	if (!db || db->materialized || db_zone(m, (struct deferred_block *)db) != zone ||
	    run->order != order || mt != MIGRATE_MOVABLE)
		return false;
	start = db->start_pfn + db->nr_vmemmap;
	end = db->start_pfn + db->nr_pages;
	for (unsigned long pfn = start; pfn < end; pfn += 1UL << chunk_order(m, pfn))
		n += chunk_order(m, pfn) == order;
	return n == run->index && pfn_to_section(m, start)->deferred == db;
}
