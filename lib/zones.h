/* SPDX-License-Identifier: MIT */
/*
 * zones.h - zones and nodes, sections and the vmemmap, deferred struct pages, the buddy allocator and its per-CPU lists.
 * Part of internal.h, which includes the parts in this order (each uses
 * what the ones before it declare); include internal.h, not this.
 */
#ifndef MEMHP_ZONES_H
#define MEMHP_ZONES_H

/* ---- zones and nodes (mmzone.c) ------------------------------------- */

enum zone_type { ZONE_DMA, ZONE_DMA32, ZONE_NORMAL, ZONE_MOVABLE, ZONE_DEVICE, MAX_NR_ZONES };
extern const char *const zone_names[MAX_NR_ZONES];

enum migratetype {
	MIGRATE_UNMOVABLE, MIGRATE_MOVABLE, MIGRATE_RECLAIMABLE, MIGRATE_HIGHATOMIC,
	MIGRATE_ISOLATE, MIGRATE_TYPES
};
/* the types the per-CPU lists keep apart (the kernel's MIGRATE_PCPTYPES) */
#define MIGRATE_PCPTYPES MIGRATE_HIGHATOMIC
extern const char *const migratetype_names[MIGRATE_TYPES];

#define MAX_ORDER_LIMIT 13

struct free_list {
	struct page *head, *tail;
};

struct free_area {
	struct free_list list[MIGRATE_TYPES];
	unsigned long nr_free;
};

struct pglist_data;
struct sbuf;
struct memory_group;

struct zone {
	struct pglist_data *pgdat;
	enum zone_type idx;
	const char *name;
	/* spans and present counts: span_lock */
	unsigned long zone_start_pfn, spanned_pages;
	unsigned long present_pages, present_early_pages, cma_pages;
	atomic_long managed_pages;
	/* buddy: lock */
	pthread_mutex_t lock;
	struct free_area free_area[MAX_ORDER_LIMIT + 1];
	atomic_long nr_free_pages;
	unsigned long nr_isolate_pageblock;
	atomic_int pcp_disabled;	/* zone_pcp_disable nesting */
	atomic_bool below_high;	/* ZONE_BELOW_HIGH: an allocation found it under its high mark */
	unsigned long wmark_min, wmark_low, wmark_high, wmark_promo;
	/* pages an allocation that may use zone j must leave here: lock */
	unsigned long lowmem_reserve[MAX_NR_ZONES];
	/* managed pages still reserved while the boot's initcalls run (the
	 * image's init sections, the initrd): span_lock */
	unsigned long late_freed;
	bool contiguous;
};

struct pglist_data {
	int node_id;
	unsigned long node_start_pfn, node_present_pages, node_spanned_pages;
	struct zone node_zones[MAX_NR_ZONES];
	bool registered;	/* /sys/devices/system/node/nodeN exists */
};

enum node_states { N_POSSIBLE, N_ONLINE, N_NORMAL_MEMORY, N_MEMORY, N_CPU, NR_NODE_STATES };

static inline unsigned long zone_end_pfn(const struct zone *z)
{
	return z->zone_start_pfn + z->spanned_pages;
}
static inline bool zone_is_empty(const struct zone *z) { return z->spanned_pages == 0; }
/* read without span_lock by the allocator (the kernel's is racy by design) */
static inline bool populated_zone(const struct zone *z)
{
	return __atomic_load_n(&z->present_pages, __ATOMIC_RELAXED) != 0;
}
static inline bool zone_intersects(const struct zone *z, unsigned long pfn, unsigned long n)
{
	if (zone_is_empty(z))
		return false;
	if (pfn >= zone_end_pfn(z) || pfn + n <= z->zone_start_pfn)
		return false;
	return true;
}

void zones_init(struct memhp_machine *m);
void zones_destroy(struct memhp_machine *m);
void zone_span_grow(struct memhp_machine *m, struct zone *zone, unsigned long start_pfn,
		    unsigned long nr_pages);
void move_pfn_range_to_zone(struct memhp_machine *m, struct zone *zone, unsigned long start_pfn,
			    unsigned long nr_pages, int migratetype);
void remove_pfn_range_from_zone(struct memhp_machine *m, struct zone *zone,
				unsigned long start_pfn, unsigned long nr_pages);
void adjust_present_page_count(struct memhp_machine *m, unsigned long pfn,
			       struct memory_group *group, long nr_pages);
void adjust_managed_page_count(struct zone *zone, long nr_pages, struct memhp_machine *m);
void node_set_state(struct memhp_machine *m, int nid, enum node_states s);
void node_clear_state(struct memhp_machine *m, int nid, enum node_states s);
bool node_state(struct memhp_machine *m, int nid, enum node_states s);
/* zonelist.c: each node's fallback order */
void build_all_zonelists(struct memhp_machine *m, int self, bool early);
unsigned int zonelist_nodes(struct memhp_machine *m, int nid, int *nodes);
void setup_per_zone_wmarks(struct memhp_machine *m);
/* the Total pages of a zonelist rebuild (span_lock held) */
unsigned long nr_free_zone_pages(struct memhp_machine *m, const uint8_t *nodes, unsigned int nr, bool early);
/* mm/page_alloc.c:calculate_totalreserve_pages (span_lock held) */
unsigned long totalreserve_pages(struct memhp_machine *m);

struct zone *page_zone(struct memhp_machine *m, unsigned long pfn);

/* ---- sparse sections and the vmemmap (sparse.c) ---------------------- */

#define SECTION_MARKED_PRESENT	(1u << 0)
#define SECTION_HAS_MEM_MAP	(1u << 1)
#define SECTION_IS_ONLINE	(1u << 2)
#define SECTION_IS_EARLY	(1u << 3)
#define SECTION_MEMMAP_UNMAPPED	(1u << 4)	/* altmap memmap reserved, not yet mapped */

enum memmap_source {
	MEMMAP_NONE, MEMMAP_BOOT, MEMMAP_ALTMAP, MEMMAP_BUDDY, MEMMAP_BUDDY_PAGES,
	MEMMAP_COMPOUND, MEMMAP_COMPOUND_REUSE, MEMMAP_SUBSECTIONS,
};

/* vmemmap pages kept per compound page when the rest is deduplicated */
#define VMEMMAP_RESERVE_NR 2

struct mem_section {
	uint32_t flags;
	int nid;
	uint8_t *pageblock_mt;		/* migratetype per pageblock */
	enum memmap_source memmap_src;
	unsigned long memmap_pfn;	/* first pfn holding this section's memmap */
	unsigned long *memmap_pfns;	/* MEMMAP_BUDDY_PAGES: one pfn per page;
					 * MEMMAP_COMPOUND: head, tail per compound;
					 * MEMMAP_SUBSECTIONS: the pfn mapped at each
					 * vmemmap page, 0 where none is */
	unsigned int compound_order;	/* MEMMAP_COMPOUND */
	/*
	 * 2 MiB subsections added (fill_subsection_map): all of them for a
	 * whole section; for an early section only those hot-added into it
	 */
	uint64_t subsection_map;
	unsigned long subsection_vmemmap;	/* MEMMAP_SUBSECTIONS: pages per subsection */
	/* online, struct pages not written yet: what they are (deferred_init.c) */
	struct deferred_block *deferred;
};


struct vmem_altmap {
	unsigned long base_pfn, end_pfn, reserve, free, align, alloc;
	bool inaccessible;
};

int sparse_init(struct memhp_machine *m);
void sparse_destroy(struct memhp_machine *m);
struct dev_pagemap;
int sparse_add_section(struct memhp_machine *m, int nid, unsigned long pfn, unsigned long nr,
		       struct vmem_altmap *altmap, const struct dev_pagemap *pgmap);
void sparse_remove_section(struct memhp_machine *m, unsigned long pfn, unsigned long nr,
			   struct vmem_altmap *altmap, const struct dev_pagemap *pgmap);
int sparse_add_sections(struct memhp_machine *m, int nid, unsigned long start, unsigned long nr,
			struct vmem_altmap *altmap, const struct dev_pagemap *pgmap);
void sparse_remove_sections(struct memhp_machine *m, unsigned long start, unsigned long nr,
			    struct vmem_altmap *altmap, const struct dev_pagemap *pgmap);
int sparse_add_boot_section(struct memhp_machine *m, int nid, unsigned long section_nr,
			    unsigned long memmap_pfn);
struct mem_section *pfn_to_section(struct memhp_machine *m, unsigned long pfn);
bool pfn_valid(struct memhp_machine *m, unsigned long pfn);
bool pfn_online(struct memhp_machine *m, unsigned long pfn);
void online_mem_sections(struct memhp_machine *m, unsigned long start, unsigned long end);
void offline_mem_sections(struct memhp_machine *m, unsigned long start, unsigned long end);
int get_pageblock_migratetype(struct memhp_machine *m, unsigned long pfn);
void set_pageblock_migratetype(struct memhp_machine *m, unsigned long pfn, int mt);
unsigned long vmem_altmap_offset(const struct vmem_altmap *a);
bool vmemmap_can_optimize(const struct memhp_machine *m, const struct vmem_altmap *altmap,
			  const struct dev_pagemap *pgmap);

/* ---- deferred struct page init (deferred_init.c) -------------------- */

struct deferred_block;
struct memory_block;
const struct page *page_peek(struct memhp_machine *m, unsigned long pfn, struct page *tmp);
bool pfn_memmap_deferred(struct memhp_machine *m, unsigned long pfn);
struct zone *deferred_page_zone(struct memhp_machine *m, unsigned long pfn);
int deferred_online_prepare(struct memhp_machine *m, struct memory_block *mem, struct zone *zone,
			    unsigned long nv);
void deferred_online_cancel(struct memhp_machine *m, struct memory_block *mem);
void deferred_online_free(struct memhp_machine *m, struct zone *zone, unsigned long start_pfn,
			  unsigned long end_pfn);
int memmap_map_unmapped(struct memhp_machine *m, struct memory_block *mem);
int deferred_init_run(struct memhp_machine *m, struct page *run);
int deferred_init_block(struct memhp_machine *m, struct memory_block *mem);
void deferred_block_free(struct memory_block *mem);
unsigned long free_list_node_chunks(const struct page *p);
bool deferred_section_counts(struct memhp_machine *m, unsigned long section_nr, int *nid, int *zid,
			     unsigned long *vmemmap, unsigned long *free);
bool deferred_run_is_valid(struct memhp_machine *m, const struct zone *zone, const struct page *run,
			   unsigned int order, int mt);

/* ---- buddy allocator (page_alloc.c) ---------------------------------- */

/*
 * What an allocation may use, as its gfp mask says (gfp_zone and
 * gfp_migratetype): GFP_KERNEL an unmovable page up to ZONE_NORMAL,
 * GFP_HIGHUSER_MOVABLE a movable page up to ZONE_MOVABLE, and
 * GFP_USER | __GFP_MOVABLE - a migration target for a page that is not in
 * ZONE_MOVABLE, which alloc_migration_target gives no __GFP_HIGHMEM - a
 * movable page up to ZONE_NORMAL.  GFP_KERNEL | __GFP_RECLAIMABLE - a slab
 * page of a cache whose objects the shrinkers can free (dentries, inodes,
 * xarray nodes) - a reclaimable page up to ZONE_NORMAL.
 */
enum alloc_zones { ALLOC_KERNEL, ALLOC_MOVABLE, ALLOC_USER_MOVABLE, ALLOC_RECLAIMABLE };

static inline int alloc_zones_highest(enum alloc_zones zones)
{
	return zones == ALLOC_MOVABLE ? ZONE_MOVABLE : ZONE_NORMAL;
}

static inline int alloc_zones_migratetype(enum alloc_zones zones)
{
	switch (zones) {
	case ALLOC_KERNEL:
		return MIGRATE_UNMOVABLE;
	case ALLOC_RECLAIMABLE:
		return MIGRATE_RECLAIMABLE;
	default:
		return MIGRATE_MOVABLE;
	}
}
void free_list_add(struct free_list *l, struct page *p, bool to_tail);
void free_list_del(struct free_list *l, struct page *p);
void free_list_insert_before(struct free_list *l, struct page *pos, struct page *p);
void free_list_insert_after(struct free_list *l, struct page *pos, struct page *p);
void free_one_page(struct memhp_machine *m, struct zone *zone, unsigned long pfn,
		   unsigned int order, int migratetype, bool to_tail);
void generic_online_page(struct memhp_machine *m, unsigned long pfn, unsigned int order);
long alloc_pages_node(struct memhp_machine *m, int nid, enum alloc_zones zones,
		      unsigned int order); /* pfn or -ENOMEM */
void free_pages(struct memhp_machine *m, unsigned long pfn, unsigned int order);
void free_pages_prepare(struct memhp_machine *m, unsigned long pfn, unsigned int order);
/* alloc_flags (mm/internal.h's): fallbacks take whole pageblocks only */
#define ALLOC_NOFRAGMENT 0x1u
long alloc_pages_zone(struct memhp_machine *m, struct zone *zone, unsigned int order, enum alloc_zones zones,
		      unsigned int alloc_flags);
long __alloc_pages(struct memhp_machine *m, int nid, int skip, enum alloc_zones zones, unsigned int order);
struct zone *fast_path_zone(struct memhp_machine *m, int nid, enum alloc_zones zones);
bool zone_watermark_ok(const struct zone *zone, unsigned int order, unsigned long mark, int highest);
long alloc_node_wmark(struct memhp_machine *m, int nid, enum alloc_zones zones, unsigned int order, bool slow,
		      unsigned int alloc_flags);
long alloc_page_fault(struct memhp_machine *m, int nid, enum alloc_zones zones);	/* a user page */
long alloc_folio_fault(struct memhp_machine *m, int nid, enum alloc_zones zones, unsigned int order);
int move_freepages_block_isolate(struct memhp_machine *m, struct zone *zone, unsigned long pfn,
				 int to_mt);
unsigned long offline_isolated_pages(struct memhp_machine *m, unsigned long start,
				     unsigned long end);
bool page_is_buddy_head(struct page *p);
void set_range_migratetype(struct memhp_machine *m, struct zone *zone, unsigned long start,
			   unsigned long end, int to_mt);
void set_range_migratetype_locked(struct memhp_machine *m, struct zone *zone, unsigned long start,
				  unsigned long end, int to_mt);
void init_single_page(struct memhp_machine *m, unsigned long pfn, int zid, int nid);
void init_single_page_flags(struct memhp_machine *m, unsigned long pfn, int zid, int nid, uint32_t flags);

/* ---- per-cpu page caches (pcp.c) -------------------------------------- */

#define PCP_SLOTS MEMHP_MAX_CPUS
struct per_cpu_pages;
int pcp_init(struct memhp_machine *m);
void pcp_destroy(struct memhp_machine *m);
#define PCP_BYPASS (-2L)	/* the zone's caches are disabled: use the buddy */
bool pcp_allowed_order(const struct memhp_machine *m, unsigned int order);
long pcp_alloc(struct memhp_machine *m, struct zone *zone, int mt, unsigned int order, unsigned int alloc_flags);
bool pcp_free(struct memhp_machine *m, struct zone *zone, unsigned long pfn, unsigned int order);
void pcp_drain_zone(struct memhp_machine *m, struct zone *zone);
void zone_pcp_disable(struct memhp_machine *m, struct zone *zone);
void pcp_lock_all(struct memhp_machine *m);
void pcp_unlock_all(struct memhp_machine *m);
void zone_pcp_enable(struct memhp_machine *m, struct zone *zone);
unsigned long pcp_count(struct memhp_machine *m, struct zone *zone);
void zone_pcp_update(struct memhp_machine *m, struct zone *zone, unsigned long managed);
void pcp_pageset(struct memhp_machine *m, struct zone *zone, unsigned int cpu, int *count, int *high, int *batch);
int pcp_audit(struct memhp_machine *m, struct zone *zone, unsigned long *pages, char *msg, size_t len);
int buddy_alloc_batch(struct memhp_machine *m, struct zone *zone, int mt, unsigned int order, long *pfns,
		      int n, unsigned int alloc_flags, bool *stealing);
void prep_new_page(struct memhp_machine *m, unsigned long pfn, unsigned int order);
void split_page(struct memhp_machine *m, unsigned long pfn, unsigned int order);

#endif
