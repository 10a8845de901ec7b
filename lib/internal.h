/* SPDX-License-Identifier: MIT */
/*
 * internal.h - the engine's data structures, shared by every file in lib/.
 *
 * The model follows the kernel's: a machine has NUMA nodes (pglist_data),
 * each with zones (DMA, DMA32, Normal, Movable, Device); physical memory is
 * cut into sparse sections, grouped into memory blocks; every pfn has a
 * struct page in the vmemmap.  Unlike a simulation, the memory is real:
 *
 *   page_address(pfn) = m->direct_map + pfn * page_size   (MAP_SHARED of the
 *                                                           device's fd)
 *   pfn_to_page(pfn)  = m->vmemmap + pfn                   (struct page is
 *                                                           64 bytes)
 *
 * and the vmemmap of a section is itself mapped from the physical pages that
 * hold it: the block's own first pages with memmap_on_memory (altmap), or
 * pages taken from the buddy allocator of existing memory without it.
 *
 * Locks, outermost first (the kernel's order):
 *   device_hotplug_lock (mutex)  serialises online/offline/add/remove
 *   block->dev_lock (mutex)      one block's state transitions
 *   mem_hotplug_lock (rwlock)    write: add/remove/online/offline; read:
 *                                whoever dereferences struct pages of
 *                                sections that could go away
 *   owners_lock (mutex)          region pages vs. migration, pins
 *   blocks_lock (rwlock)         m->blocks[], node links, registered nodes:
 *                                lock-free sysfs readers vs creation/removal
 *   span_lock (mutex)            zone/node spans, present counts, node masks,
 *                                groups, sections' pageblock arrays
 *   zone->lock (mutex)           free lists, free counts, pageblock types
 *   resource_lock, devices_lock, notifier_lock, param_lock, log lock: leaves
 * The kernel's files read counters with span_lock, zone locks and atomics
 * only, never mem_hotplug_lock, so they do not wait for a long offline and
 * a notifier callback may read them.
 */
#ifndef MEMHP_INTERNAL_H
#define MEMHP_INTERNAL_H

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "memhp/memhp.h"
#include "lockdep.h"

#ifndef EHWPOISON
#define EHWPOISON 133
#endif
#define NUMA_NO_NODE (-1)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a) ((((x) + (a) - 1) / (a)) * (a))
#define ALIGN_DOWN(x, a) (((x) / (a)) * (a))
#define IS_ALIGNED(x, a) (((x) % (a)) == 0)
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

/* the smallest order with (1 << order) >= x */
static inline unsigned int order_base_2(unsigned long x)
{
	unsigned int order = 0;

	while ((1UL << order) < x)
		order++;
	return order;
}

#define SZ_1M (1ULL << 20)
#define SZ_1G (1ULL << 30)

/* ---- architecture profile (arch.c) ---------------------------------- */

enum block_size_rule {
	BLOCK_SIZE_X86,		/* arch/x86/mm/init_64.c:probe_memory_block_size */
	BLOCK_SIZE_SECTION,	/* generic: MIN_MEMORY_BLOCK_SIZE */
};

struct arch_profile {
	const char *name;
	unsigned int page_shift;
	unsigned int section_size_bits;
	unsigned int struct_page_size;
	unsigned int max_order;		/* MAX_PAGE_ORDER */
	unsigned int pageblock_order;
	unsigned int pmd_shift;
	bool mhp_memmap_on_memory;	/* ARCH_MHP_MEMMAP_ON_MEMORY_ENABLE */
	bool subsection_memmap_altmap;	/* vmemmap_populate below a section: base
					 * pages from the altmap (arm64), not only
					 * from memory (x86) */
	uint64_t zone_dma_end;		/* physical end of ZONE_DMA (0: none) */
	uint64_t zone_dma32_end;	/* physical end of ZONE_DMA32 */
	enum block_size_rule block_rule;
	bool pc_layout;			/* QEMU "pc": 3G low RAM, DIMMs above 4G */
	uint64_t ram_base;		/* first RAM address without pc layout */
	unsigned long kernel_reserved_bytes; /* image + early allocations */
	unsigned long pglist_data_bytes;	/* a node's pg_data_t; 0: not modelled */
	unsigned long swiotlb_bytes;
};

const struct arch_profile *arch_profile_find(const char *name);
uint64_t x86_probe_memory_block_size(uint64_t boot_mem_end, bool bare_metal);

/* ---- parameters (params.c) ------------------------------------------ */

enum memmap_mode { MEMMAP_ON_MEMORY_DISABLE, MEMMAP_ON_MEMORY_ENABLE, MEMMAP_ON_MEMORY_FORCE };
enum online_policy { ONLINE_POLICY_CONTIG_ZONES, ONLINE_POLICY_AUTO_MOVABLE };

/* memmap=nn[!$#]ss: e820 entries the command line adds over RAM */
enum e820_user_type { E820_USER_PRAM, E820_USER_RESERVED, E820_USER_ACPI };
#define E820_USER_MAX 8

struct e820_user {
	uint64_t start, size;
	enum e820_user_type type;
	int nid;		/* node of the RAM it replaced (0 if none) */
};

struct mhp_params {
	enum memmap_mode memmap_mode;
	enum online_policy online_policy;
	unsigned int auto_movable_ratio;
	bool auto_movable_numa_aware;
	bool movable_node;
	int default_online_type;	/* auto_online_blocks */
	uint64_t max_mem_size;		/* mem= */
	bool acpi_no_memhotplug;
	struct e820_user e820_user[E820_USER_MAX];
	unsigned int nr_e820_user;
};

int kstrtobool(const char *s, bool *res);
int kstrtoull(const char *s, unsigned int base, unsigned long long *res);
int kstrtouint(const char *s, unsigned int base, unsigned int *res);
int kstrtoint(const char *s, unsigned int base, int *res);
bool sysfs_streq(const char *a, const char *b);
/* a device name written to bind or unbind, up to its newline (sbuf.c) */
void sysfs_dev_name(const char *buf, char *name, size_t len);
int mhp_online_type_from_str(const char *s);
extern const char *const online_type_to_str[4];
int parse_memsize(const char *s, uint64_t *out);
void params_init_defaults(struct mhp_params *p);
/* kernel command line: applies every option it knows, logs bad values;
 * `early` takes only the early parameters (memmap=), the rest the others */
void params_parse_cmdline(struct memhp_machine *m, const char *cmdline, bool early);
int param_set(struct memhp_machine *m, const char *name, const char *val);
int param_get(struct memhp_machine *m, const char *name, char *buf, size_t len);

/* ---- log (log.c) ---------------------------------------------------- */

struct log_ring;
struct log_ring *log_create(void);
void log_destroy(struct log_ring *l);
void mlog(struct memhp_machine *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- resources: /proc/iomem (resource.c) ---------------------------- */

#define IORESOURCE_MEM			0x00000200UL
#define IORESOURCE_SYSRAM		0x01000000UL
#define IORESOURCE_BUSY			0x80000000UL
#define IORESOURCE_SYSRAM_DRIVER_MANAGED 0x02000000UL
#define IORESOURCE_SYSTEM_RAM		(IORESOURCE_MEM | IORESOURCE_SYSRAM)

struct resource {
	uint64_t start, end;	/* inclusive end, as the kernel's */
	char *name;
	unsigned long flags;
	struct resource *parent, *sibling, *child;
};

struct resource *resource_request(struct resource *root, uint64_t start, uint64_t size,
				  const char *name, unsigned long flags);
void resource_release(struct resource *res);
struct resource *request_free_mem_region(struct memhp_machine *m, uint64_t size, const char *name);
uint64_t iomem_first_fit(struct memhp_machine *m, uint64_t from, uint64_t size, uint64_t align);
struct resource *iomem_request(struct memhp_machine *m, uint64_t start, uint64_t size, const char *name,
			       unsigned long flags);
void iomem_release(struct memhp_machine *m, struct resource **res);
void resource_free_tree(struct resource *root);
struct resource *resource_find_exact(struct resource *root, uint64_t start, uint64_t size,
				     unsigned long flags);
/* pages of [start_pfn, start_pfn+nr) inside busy System RAM resources */
unsigned long resource_count_system_ram_pages(struct memhp_machine *m, unsigned long start_pfn,
					      unsigned long nr_pages);
size_t resource_print(const struct resource *root, char *buf, size_t len);

/* ---- physical memory devices and the direct map (physmem.c) ---------- */

struct physdev {
	char name[64];
	int fd;
	bool own_fd;
	uint64_t phys_start, size;	/* [phys_start, phys_start+size) */
	uint64_t fd_offset;		/* file offset of phys_start */
	bool shmem;			/* tmpfs or hugetlbfs: userfaultfd write-protect works */
	struct physdev *next;
};

int physmem_reserve(struct memhp_machine *m);
void physmem_unreserve(struct memhp_machine *m);
int physdev_create(struct memhp_machine *m, const char *name, uint64_t phys, uint64_t size,
		   int fd, struct physdev **out);
void physdev_destroy(struct memhp_machine *m, struct physdev *d);
struct physdev *physdev_find(struct memhp_machine *m, uint64_t phys);
int physmem_back(struct memhp_machine *m, uint64_t phys, uint64_t len);
void physmem_unback(struct memhp_machine *m, uint64_t phys, uint64_t len);
int direct_map_add(struct memhp_machine *m, uint64_t start, uint64_t size);
/* refuse, before any change, an add whose mappings would not fit */
int map_budget_check(struct memhp_machine *m, uint64_t size, bool altmap);
int host_memory_check(struct memhp_machine *m, uint64_t size, bool memmap_from_buddy);
void direct_map_remove(struct memhp_machine *m, uint64_t start, uint64_t size);
/* map `bytes` of vmemmap at virtual `va` from the physical pages at pfn */
int vmemmap_map(struct memhp_machine *m, void *va, size_t bytes, unsigned long pfn);
void vmemmap_unmap(struct memhp_machine *m, void *va, size_t bytes);

/* ---- struct page ---------------------------------------------------- */

enum pageflags {
	PG_reserved = 1u << 0,
	PG_buddy = 1u << 1,		/* page_type: free in the buddy */
	PG_offline = 1u << 2,		/* page_type: PageOffline */
	PG_vmemmap_self_hosted = 1u << 3, /* PG_owner_priv_1 alias */
	PG_lru = 1u << 4,		/* a movable user page */
	PG_hwpoison = 1u << 5,
	PG_head = 1u << 6,
	PG_tail = 1u << 7,
	PG_init = 1u << 8,		/* struct page was initialised */
	PG_hole = 1u << 9,		/* not RAM (boot hole), PageReserved too */
	PG_pcp = 1u << 10,		/* free, in a per-cpu page cache */
	PG_locked = 1u << 11,		/* collected by migrate_vma (folio lock) */
	PG_deferred = 1u << 12,		/* not a page: a deferred block's run of
					 * free chunks on a free list (deferred_init.c) */
};

/* 64 bytes, like the kernel's on x86_64: the vmemmap is an array of these. */
struct page {
	uint32_t flags;
	uint8_t zone;		/* enum zone_type */
	uint8_t order;		/* buddy order (PG_buddy) or allocation order */
	uint16_t nid;
	int32_t refcount;
	int32_t mapcount;
	struct page *next, *prev; /* free list links */
	uint64_t private;
	uint64_t index;
	uint64_t owner;
	uint64_t reserved_for_users;
};
_Static_assert(sizeof(struct page) == 64, "struct page must be 64 bytes");

/*
 * Flags change with atomic operations: the buddy allocator looks at a
 * neighbour's PG_buddy under its zone lock while the neighbour's owner may
 * be freeing it under no lock at all (page_is_buddy), as in the kernel.
 */
static inline void page_flags_set(struct page *p, uint32_t f)
{
	__atomic_fetch_or(&p->flags, f, __ATOMIC_RELAXED);
}
static inline void page_flags_clear(struct page *p, uint32_t f)
{
	__atomic_fetch_and(&p->flags, ~f, __ATOMIC_RELAXED);
}
static inline uint32_t page_flags(const struct page *p)
{
	return __atomic_load_n(&p->flags, __ATOMIC_RELAXED);
}
/*
 * order and refcount, for the scanners that look at pages they do not own
 * (isolation, migration, offline) as the kernel's buddy_order_unsafe and
 * page_count do: atomic, relaxed, never torn.
 */
static inline unsigned int page_order(const struct page *p)
{
	return __atomic_load_n(&p->order, __ATOMIC_RELAXED);
}
static inline void set_page_order(struct page *p, unsigned int order)
{
	__atomic_store_n(&p->order, (uint8_t)order, __ATOMIC_RELAXED);
}
static inline int page_ref(const struct page *p)
{
	return __atomic_load_n(&p->refcount, __ATOMIC_RELAXED);
}
static inline void set_page_count(struct page *p, int v)
{
	__atomic_store_n(&p->refcount, v, __ATOMIC_RELAXED);
}

/*
 * For a page nobody else may change (being initialised, isolated, not in
 * the buddy): a plain store, still an atomic one for the readers that look
 * at a neighbour's flags - no locked instruction per page.
 */
static inline void page_flags_store(struct page *p, uint32_t f)
{
	__atomic_store_n(&p->flags, f, __ATOMIC_RELAXED);
}

/* ---- zones and nodes (mmzone.c) ------------------------------------- */

enum zone_type { ZONE_DMA, ZONE_DMA32, ZONE_NORMAL, ZONE_MOVABLE, ZONE_DEVICE, MAX_NR_ZONES };
extern const char *const zone_names[MAX_NR_ZONES];

enum migratetype {
	MIGRATE_UNMOVABLE, MIGRATE_MOVABLE, MIGRATE_RECLAIMABLE, MIGRATE_HIGHATOMIC,
	MIGRATE_ISOLATE, MIGRATE_TYPES
};
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
	unsigned long wmark_min, wmark_low, wmark_high, wmark_promo;
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
void setup_per_zone_wmarks(struct memhp_machine *m);
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

enum alloc_zones { ALLOC_KERNEL, ALLOC_MOVABLE };
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
long alloc_pages_node_only(struct memhp_machine *m, int nid, enum alloc_zones zones, unsigned int order);
long alloc_pages_zone(struct memhp_machine *m, struct zone *zone, unsigned int order, int mt);
long alloc_pages_node_chunk(struct memhp_machine *m, int nid, enum alloc_zones zones,
			    unsigned int max_order, unsigned int *order);
int move_freepages_block_isolate(struct memhp_machine *m, struct zone *zone, unsigned long pfn,
				 int to_mt);
unsigned long offline_isolated_pages(struct memhp_machine *m, unsigned long start,
				     unsigned long end);
bool page_is_buddy_head(struct page *p);
void split_page(struct memhp_machine *m, unsigned long pfn, unsigned int order);
void set_range_migratetype(struct memhp_machine *m, struct zone *zone, unsigned long start,
			   unsigned long end, int to_mt);
void set_range_migratetype_locked(struct memhp_machine *m, struct zone *zone, unsigned long start,
				  unsigned long end, int to_mt);
void init_single_page(struct memhp_machine *m, unsigned long pfn, int zid, int nid);
void init_single_page_flags(struct memhp_machine *m, unsigned long pfn, int zid, int nid, uint32_t flags);

/* ---- per-cpu page caches (pcp.c) -------------------------------------- */

#define PCP_SLOTS 8
struct per_cpu_pages;
int pcp_init(struct memhp_machine *m);
void pcp_destroy(struct memhp_machine *m);
#define PCP_BYPASS (-2L)	/* the zone's caches are disabled: use the buddy */
bool pcp_allowed_order(const struct memhp_machine *m, unsigned int order);
long pcp_alloc(struct memhp_machine *m, struct zone *zone, int mt, unsigned int order);
bool pcp_free(struct memhp_machine *m, struct zone *zone, unsigned long pfn, unsigned int order);
void pcp_drain_zone(struct memhp_machine *m, struct zone *zone);
void zone_pcp_disable(struct memhp_machine *m, struct zone *zone);
void pcp_lock_all(struct memhp_machine *m);
void pcp_unlock_all(struct memhp_machine *m);
void zone_pcp_enable(struct memhp_machine *m, struct zone *zone);
unsigned long pcp_count(struct memhp_machine *m, struct zone *zone);
int pcp_audit(struct memhp_machine *m, struct zone *zone, unsigned long *pages, char *msg, size_t len);
int buddy_alloc_batch(struct memhp_machine *m, struct zone *zone, int mt, unsigned int order, long *pfns,
		      int n);
void prep_new_page(struct memhp_machine *m, unsigned long pfn, unsigned int order);

/* ---- memory blocks and groups (memory_block.c) ---------------------- */

enum mem_state { MEM_ONLINE = 0, MEM_GOING_OFFLINE = 1, MEM_OFFLINE = 2 };

struct memory_group {
	int id;
	int nid;
	bool is_dynamic;
	atomic_int refs;		/* the group list holds one, each block one */
	unsigned long max_pages;	/* static */
	unsigned long unit_pages;	/* dynamic */
	unsigned long present_kernel_pages, present_movable_pages;
	unsigned long nr_blocks;
	struct memory_group *next;
};

struct memory_block {
	unsigned long id;
	unsigned long start_section_nr;
	_Atomic int state;		/* read lock-free, like state_show */
	int online_type;		/* device_hotplug_lock */
	int nid;
	uint32_t node_links;		/* nodeX symlinks (boot blocks may have two) */
	struct zone *zone;		/* NULL: spans several zones */
	struct vmem_altmap *altmap;
	struct memory_group *group;
	bool dev_offline;		/* the driver core's dev->offline */
	unsigned long nr_hwpoison;
	char firmware_node[32];		/* ACPI device bound to the block */
	struct deferred_block *deferred; /* its deferred memmap's record, if any */
	pthread_mutex_t dev_lock;
	atomic_int refs;		/* m->blocks[] holds one; readers take one */
};

int memory_blocks_init(struct memhp_machine *m);
void memory_blocks_destroy(struct memhp_machine *m);
struct memory_block *find_memory_block_by_id(struct memhp_machine *m, unsigned long id);
struct memory_block *get_memory_block(struct memhp_machine *m, unsigned long id);
void put_memory_block(struct memory_block *mem);
unsigned long phys_to_block_id(struct memhp_machine *m, uint64_t phys);
int create_memory_block_devices(struct memhp_machine *m, uint64_t start, uint64_t size,
				struct vmem_altmap *altmap, struct memory_group *group);
void remove_memory_block_devices(struct memhp_machine *m, uint64_t start, uint64_t size);
int add_boot_memory_block(struct memhp_machine *m, unsigned long id);
void memory_block_set_nid(struct memhp_machine *m, struct memory_block *mem, int nid, bool early);
int memory_block_online(struct memhp_machine *m, struct memory_block *mem);
int memory_block_offline(struct memhp_machine *m, struct memory_block *mem);
int device_online(struct memhp_machine *m, struct memory_block *mem);
int device_offline(struct memhp_machine *m, struct memory_block *mem);
int memory_group_register(struct memhp_machine *m, int nid, bool dynamic, unsigned long pages);
int memory_group_unregister(struct memhp_machine *m, int id);
struct memory_group *memory_group_find_by_id(struct memhp_machine *m, int id);
void put_memory_group(struct memory_group *g);
typedef int (*walk_memory_blocks_fn)(struct memhp_machine *m, struct memory_block *mem, void *arg);
int walk_memory_blocks(struct memhp_machine *m, uint64_t start, uint64_t size, void *arg,
		       walk_memory_blocks_fn fn);
size_t valid_zones_show(struct memhp_machine *m, struct memory_block *mem, char *buf, size_t len);

/* ---- hot(un)plug core (memory_hotplug.c) ----------------------------- */

int add_memory_resource(struct memhp_machine *m, int nid, struct resource *res, unsigned int flags);
int add_memory(struct memhp_machine *m, int nid, uint64_t start, uint64_t size,
	       unsigned int flags, const char *name);
int try_remove_memory(struct memhp_machine *m, uint64_t start, uint64_t size);
int online_pages(struct memhp_machine *m, unsigned long pfn, unsigned long nr_pages,
		 struct zone *zone, struct memory_group *group);
int offline_pages(struct memhp_machine *m, unsigned long start_pfn, unsigned long nr_pages,
		  struct zone *zone, struct memory_group *group);
int mhp_init_memmap_on_memory(struct memhp_machine *m, unsigned long pfn, unsigned long nr_pages,
			      struct zone *zone, bool inaccessible);
void mhp_deinit_memmap_on_memory(struct memhp_machine *m, unsigned long pfn, unsigned long nr_pages);
struct zone *zone_for_pfn_range(struct memhp_machine *m, int online_type, int nid,
				struct memory_group *group, unsigned long pfn, unsigned long nr);
bool mhp_supports_memmap_on_memory(struct memhp_machine *m);
unsigned long memory_block_memmap_on_memory_pages(struct memhp_machine *m);
unsigned long memory_block_memmap_size(struct memhp_machine *m);
void try_offline_node(struct memhp_machine *m, int nid);

/* ---- notifiers (notifier.c) ----------------------------------------- */

#define NOTIFY_DONE 0x0000
#define NOTIFY_OK 0x0001
#define NOTIFY_STOP_MASK 0x8000
static inline int notifier_from_errno(int err)
{
	return err ? (NOTIFY_STOP_MASK | (NOTIFY_OK - err)) : NOTIFY_OK;
}
static inline int notifier_to_errno(int ret)
{
	ret &= ~NOTIFY_STOP_MASK;
	return ret > NOTIFY_OK ? NOTIFY_OK - ret : 0;
}
struct notifier_block;
int memory_notify(struct memhp_machine *m, enum memhp_mem_action action,
		  struct memhp_memory_notify *arg);
void notifiers_destroy(struct memhp_machine *m);
int err_inject_get(struct memhp_machine *m, enum memhp_mem_action a);
int err_inject_set(struct memhp_machine *m, enum memhp_mem_action a, long long v);

/* ---- users of memory and migration (migrate.c) ----------------------- */

struct memhp_region {
	struct memhp_machine *m;
	size_t nr_pages;
	uint8_t *window;		/* the owner's view: one page per pfns[i] */
	unsigned long *pfns;		/* owners_lock */
	int nid;
	unsigned int flags;
	int window_slot;		/* in the fault handler's table */
	struct memhp_region *next, *prev;
};

/* migrate every movable page of [start, end); returns pages migrated */
unsigned long do_migrate_range(struct memhp_machine *m, unsigned long start, unsigned long end);
void regions_destroy(struct memhp_machine *m);
/* migrate.c's pieces that migrate_device.c uses */
int map_window(struct memhp_region *r, size_t first, size_t n);
bool offline_cancelled(struct memhp_machine *m);
/* caller holds device_hotplug_lock: the offline it runs may be cancelled */
void offline_cancel_arm(struct memhp_machine *m, const volatile int *cancel, unsigned int timeout_ms);
void offline_cancel_disarm(struct memhp_machine *m);

/* ---- writers kept off a migrating page (wprotect.c) ------------------- */

void wp_init(struct memhp_machine *m, bool force_mprotect);
void wp_exit(struct memhp_machine *m);
void wp_ensure_own(struct memhp_machine *m);
bool wp_waits_in_kernel(const struct memhp_machine *m);
/* every window mapping of shmem is registered: it can be protected later */
int wp_register(struct memhp_machine *m, const struct physdev *d, void *va, size_t len);
/* window pages [va, va + n pages) map pfn[0..n): each run by its backing's way */
int wp_protect(struct memhp_machine *m, uint8_t *va, const unsigned long *pfn, size_t n);
int wp_unprotect(struct memhp_machine *m, uint8_t *va, const unsigned long *pfn, size_t n);
/* writers waiting on a range that has been remapped retry on the new pages */
void wp_wake(struct memhp_machine *m, void *va, size_t len);
/* device-private window pages: accesses wait for the fault thread */
int wp_fault_thread_start(struct memhp_machine *m);
int wp_register_missing(struct memhp_machine *m, void *va, size_t len);
/* the fault thread's half (migrate.c): bring addr's page back; its page */
uintptr_t region_missing_fault(struct memhp_machine *m, uintptr_t addr);
/* a window range the SIGSEGV handler makes faulting threads wait on */
int migration_entry_set(void *start, size_t len);
void migration_entry_clear(int slot);
void set_owner(struct memhp_machine *m, struct memhp_region *r, size_t i, unsigned long pfn);

/* ---- device migration (migrate_device.c) ------------------------------ */

#define MIGRATE_PFN_VALID	(1UL << 0)
#define MIGRATE_PFN_MIGRATE	(1UL << 1)
#define MIGRATE_PFN_WRITE	(1UL << 3)
#define MIGRATE_PFN_SHIFT	6

static inline unsigned long migrate_pfn(unsigned long pfn)
{
	return (pfn << MIGRATE_PFN_SHIFT) | MIGRATE_PFN_VALID;
}

static inline unsigned long migrate_pfn_to_pfn(unsigned long mpfn)
{
	return mpfn >> MIGRATE_PFN_SHIFT;
}

enum migrate_vma_direction {
	MIGRATE_VMA_SELECT_SYSTEM = 1 << 0,
	MIGRATE_VMA_SELECT_DEVICE_PRIVATE = 1 << 1,
};

struct migrate_vma {
	struct memhp_region *vma;
	unsigned long *src, *dst;	/* npages entries each, MIGRATE_PFN_* */
	unsigned long cpages, npages;	/* collected, in the range */
	size_t start, end;		/* window pages [start, end) */
	void *pgmap_owner;		/* device pages of this owner only */
	unsigned long flags;		/* MIGRATE_VMA_SELECT_* */
	struct page *fault_page;	/* locked by the fault path, or NULL */
};

int migrate_vma_setup(struct memhp_machine *m, struct migrate_vma *args);
void migrate_vma_pages(struct memhp_machine *m, struct migrate_vma *args);
void migrate_vma_finalize(struct memhp_machine *m, struct migrate_vma *args);
int migrate_device_range(struct memhp_machine *m, unsigned long *src, unsigned long start,
			 unsigned long npages);
void migrate_device_pages(struct memhp_machine *m, unsigned long *src, unsigned long *dst,
			  unsigned long npages);
void migrate_device_finalize(struct memhp_machine *m, unsigned long *src, unsigned long *dst,
			     unsigned long npages);
int region_device_fault(struct memhp_region *r, size_t index);
/* the same with owners_lock held (released on return); no wait: -EBUSY */
int region_device_fault_locked(struct memhp_region *r, size_t index, bool wait);

/* ---- the kernel's own allocations (kernel_alloc.c) ------------------ */

void kernel_alloc_settle(struct memhp_machine *m, struct zone *zone);
void kernel_alloc_destroy(struct memhp_machine *m);

/* ---- ZONE_DEVICE: dev_pagemap (memremap.c) --------------------------- */

enum memory_type {
	MEMORY_DEVICE_PRIVATE = 1,
	MEMORY_DEVICE_COHERENT,
	MEMORY_DEVICE_FS_DAX,
	MEMORY_DEVICE_GENERIC,
	MEMORY_DEVICE_PCI_P2PDMA,
};

#define PGMAP_ALTMAP_VALID	(1u << 0)
#define PGMAP_MAX_RANGES	4

struct pgmap_range {
	uint64_t start, end;	/* inclusive end, as the kernel's struct range */
};

struct dev_pagemap;
struct memhp_region;

/* a CPU access to a device-private page (do_swap_page's struct vm_fault) */
struct vm_fault {
	struct memhp_machine *m;
	struct memhp_region *region;	/* the vma */
	size_t index;			/* window page that faulted */
	unsigned long pfn;		/* vmf->page: the device-private page */
};

#define VM_FAULT_SIGBUS 0x0002

struct dev_pagemap_ops {
	/* the page's refcount reached 0: it goes back to the driver */
	void (*page_free)(struct dev_pagemap *pgmap, unsigned long pfn);
	/* device-private only: bring the page behind vmf back to RAM */
	int (*migrate_to_ram)(struct vm_fault *vmf);
};

struct dev_pagemap {
	struct vmem_altmap altmap;	/* meaningful with PGMAP_ALTMAP_VALID */
	enum memory_type type;
	unsigned int flags;
	unsigned int vmemmap_shift;	/* compound page order of its folios */
	const struct dev_pagemap_ops *ops;
	void *owner;			/* device-private: whose pages these are */
	int nr_range;
	struct pgmap_range ranges[PGMAP_MAX_RANGES];
	/* set by memremap_pages */
	struct memhp_machine *m;
	int nid;
	int nr_mapped;			/* ranges currently mapped */
	int nr_visible;			/* ranges get_dev_pagemap finds (resource_lock) */
	/*
	 * The percpu_ref: 1 while live, + one per folio of every mapped
	 * range (not device-private/coherent), + one per get_dev_pagemap and
	 * per allocated device-private/coherent page.  Taken only while live
	 * (resource_lock); memunmap_pages waits for 0 on m->pgmap_released.
	 */
	atomic_long ref;
	bool ref_dead;
	struct dev_pagemap *next;	/* m->pgmaps, under resource_lock */
};

/* a pgmap that holds one reference per folio (the driver's pages hold them otherwise) */
static inline bool pgmap_counts_folios(const struct dev_pagemap *pgmap)
{
	return pgmap->type != MEMORY_DEVICE_PRIVATE && pgmap->type != MEMORY_DEVICE_COHERENT;
}

int memremap_pages(struct memhp_machine *m, struct dev_pagemap *pgmap, int nid);
void memunmap_pages(struct memhp_machine *m, struct dev_pagemap *pgmap);
struct dev_pagemap *get_dev_pagemap(struct memhp_machine *m, unsigned long pfn,
				    struct dev_pagemap *cached);
void put_dev_pagemap(struct dev_pagemap *pgmap);
bool pgmap_pfn_valid(struct dev_pagemap *pgmap, unsigned long pfn);
unsigned long pgmap_pfn_first(struct dev_pagemap *pgmap, int i);
unsigned long memremap_compat_align(const struct memhp_machine *m);
void zone_device_page_init(struct memhp_machine *m, unsigned long pfn);
struct dev_pagemap *page_pgmap(struct memhp_machine *m, unsigned long pfn);
bool is_device_private_pfn(struct memhp_machine *m, unsigned long pfn);
void get_device_page(struct memhp_machine *m, unsigned long pfn);
void put_device_page(struct memhp_machine *m, unsigned long pfn);
void pgmaps_destroy(struct memhp_machine *m);

/* ---- dax regions, devices and kmem (dax.c) ---------------------------- */

enum dax_driver { DAX_DRV_NONE, DAX_DRV_DEVICE, DAX_DRV_KMEM, DAX_DRV_NR };
/* character devices of dax instances: major 60 (LOCAL/EXPERIMENTAL USE),
 * minor region * 16 + instance */
#define DAX_CHAR_MAJOR 60
struct dax_bus;
struct dev_dax;
int dax_init(struct memhp_machine *m);
void dax_destroy(struct memhp_machine *m);
struct dev_dax *dax_find(struct memhp_machine *m, const char *name);
int dax_mmap(struct memhp_machine *m, const char *name, uint64_t offset, size_t len, int prot, int flags,
	     void **addr);
int dax_munmap(struct memhp_machine *m, void *addr);
int dax_driver_of(struct memhp_machine *m, const char *name);
const char *dax_driver_name(enum dax_driver drv);
int dax_list(struct memhp_machine *m, enum dax_driver bound_to,
	     int (*fn)(void *arg, const char *name), void *arg);
int dax_region_create(struct memhp_machine *m, enum memhp_dax_kind kind, uint64_t size,
		      int target_node, uint64_t align, uint64_t addr, int fd, struct memhp_dax_info *info);
int dax_region_destroy(struct memhp_machine *m, int id);
int dax_region_create_static(struct memhp_machine *m, int id, uint64_t start, uint64_t size,
			     uint64_t align, int target_node, int numa_node, struct physdev *dev,
			     struct dev_pagemap *pgmap, struct memhp_dax_info *info);
void dax_reserve_region_ids(struct memhp_machine *m, int n);

/* ---- the nd bus: legacy persistent memory (nd.c) ---------------------- */

enum nd_driver { ND_DRV_NONE, ND_DRV_PMEM, ND_DRV_DAX_PMEM, ND_DRV_NR };
struct nd_bus;
/* memmap=nn!ss ranges of the command line, found at boot */
int nd_init(struct memhp_machine *m);
void nd_destroy(struct memhp_machine *m);
int nd_driver_of(struct memhp_machine *m, const char *name);	/* -1: no such device */
const char *nd_driver_name(enum nd_driver drv);
bool nd_is_namespace(const char *name);
int nd_list(struct memhp_machine *m, enum nd_driver bound_to,
	    int (*fn)(void *arg, const char *name), void *arg);

/* ---- ACPI memory devices (acpi.c) ------------------------------------ */

struct acpi_memdev;
void acpi_destroy(struct memhp_machine *m);

/* ---- boot (machine.c) ------------------------------------------------ */

/* struct pages of boot holes: reserved, in the node's zone */
void boot_hole_pages_init(struct memhp_machine *m, unsigned long pfn, unsigned long nr, int nid);

/* ---- progress reports (progress.c) ----------------------------------- */

/* begin an operation, add to it, end */
void progress_begin(struct memhp_machine *m, const char *op, uint64_t total);
void progress_step(struct memhp_machine *m, uint64_t bytes);
void progress_end(struct memhp_machine *m);

/* ---- fault injection (fault_inject.c) -------------------------------- */

/* true when this fallible step must fail (memhp_fault_inject) */
bool should_fail(struct memhp_machine *m);

/* ---- the machine ---------------------------------------------------- */

struct notifier_block {
	memhp_notifier_fn fn;
	void *arg;
	int priority;
	struct notifier_block *next;
};

struct memhp_machine {
	const struct arch_profile *arch;
	struct mhp_params params;
	pthread_mutex_t param_lock;

	/* geometry */
	uint64_t page_size;
	unsigned long pages_per_section, sections_per_block, pages_per_block;
	unsigned long pageblock_nr_pages;
	uint64_t block_size;
	uint64_t max_phys;
	long max_map_count;		/* 0: the sysctl's, read when needed */
	bool memmap_defer;		/* struct pages of altmap blocks written when first needed */
	unsigned long max_pfn_limit;	/* max_phys >> page_shift */
	unsigned long nr_sections, nr_block_ids;
	uint64_t boot_mem_end;
	unsigned long max_pfn;		/* highest pfn + 1 ever added */

	/* real mappings */
	uint8_t *direct_map;
	size_t direct_map_size;
	struct page *vmemmap;
	size_t vmemmap_size;
	char *backing_dir;

	struct mem_section *sections;
	struct memory_block **blocks;
	struct memory_group *groups;
	int next_group_id;

	unsigned int nr_nodes;
	/* firmware proximity domains (QEMU's -numa nodes) and the node the
	 * kernel gave each, NUMA_NO_NODE when SRAT never names it (srat.c) */
	uint64_t above_4g_start;	/* 4 GiB, or 1 TiB past QEMU's AMD HT hole */
	unsigned int nr_pxms;
	int pxm_to_node[MEMHP_MAX_NODES];
	int first_memblk_node;	/* numa_meminfo.blk[0].nid */
	struct pglist_data nodes[MEMHP_MAX_NODES];
	uint32_t node_masks[NR_NODE_STATES];

	struct resource iomem;
	struct physdev *devices;	/* under devices_lock: migration walks it */
	pthread_rwlock_t devices_lock;
	struct acpi_memdev *acpi_devs;
	struct dax_bus *dax;
	pthread_mutex_t dax_lock;	/* leaf: dax regions list and device fields */
	struct nd_bus *nd;		/* legacy pmem (nd.c) */
	struct dev_pagemap *pgmaps;	/* ZONE_DEVICE maps, under resource_lock */
	pthread_cond_t pgmap_released;	/* a pgmap's ref reached 0 (resource_lock) */
	unsigned int slots;
	uint64_t hotplug_base, hotplug_size;

	struct notifier_block *notifiers;
	pthread_mutex_t notifier_lock;
	int inject_err[8];		/* per action: debugfs error value */
	int inject_priority;

	atomic_long totalram_pages;
	atomic_long nr_memmap_pages, nr_memmap_boot_pages;
	unsigned long reserved_boot_pages;

	pthread_mutex_t device_hotplug_lock;
	pthread_rwlock_t mem_hotplug_lock;
	pthread_mutex_t span_lock;
	pthread_rwlock_t blocks_lock;	/* m->blocks[] for lock-free sysfs readers */
	pthread_mutex_t resource_lock;	/* the iomem tree */

	struct log_ring *log;
	bool force_waste_logged;

	atomic_ulong fault_count, fault_nth;

	/* users of memory (migrate.c) */
	struct per_cpu_pages *pcp;	/* PCP_SLOTS of them */
	pthread_mutex_t owners_lock;	/* region pages vs. migration */
	int uffd;			/* write-protect of migrating pages, -1: mprotect */
	pid_t uffd_pid;			/* the process whose address space uffd is */
	bool uffd_forced_off;		/* config: mprotect even where uffd works */
	bool uffd_thread_running;	/* owners_lock: the missing-fault thread */
	pthread_t uffd_thread;
	pid_t uffd_thread_pid;
	int uffd_stop[2];		/* a byte here ends the thread */
	struct memhp_region *regions;
	const volatile int *offline_cancel;	/* the running offline's caller */
	uint64_t offline_deadline_ns;		/* 0: none */

	/* progress of the running add/online, under device_hotplug_lock */
	struct {
		memhp_progress_fn fn;
		void *arg;
		const char *op;		/* NULL: nothing reported */
		uint64_t done, total;
	} progress;

	/* the kernel's own unmovable allocations (kernel_alloc.c) */
	unsigned long kernel_alloc_pages;	/* per newly populated Normal zone */
	bool booting;			/* system_state == SYSTEM_BOOTING */
	unsigned long *kernel_pfns;
	size_t nr_kernel_pfns, cap_kernel_pfns;
};

static inline unsigned int page_shift(const struct memhp_machine *m)
{
	return m->arch->page_shift;
}
static inline struct page *pfn_to_page(struct memhp_machine *m, unsigned long pfn)
{
	return m->vmemmap + pfn;
}
static inline unsigned long page_to_pfn(struct memhp_machine *m, const struct page *p)
{
	return (unsigned long)(p - m->vmemmap);
}
static inline void *page_address(struct memhp_machine *m, unsigned long pfn)
{
	return m->direct_map + ((uint64_t)pfn << page_shift(m));
}
static inline unsigned long PFN_UP_M(const struct memhp_machine *m, uint64_t x)
{
	return (unsigned long)((x + m->page_size - 1) >> page_shift(m));
}
static inline unsigned long PHYS_PFN_M(const struct memhp_machine *m, uint64_t x)
{
	return (unsigned long)(x >> page_shift(m));
}
static inline uint64_t PFN_PHYS_M(const struct memhp_machine *m, unsigned long pfn)
{
	return (uint64_t)pfn << page_shift(m);
}
static inline unsigned long pfn_to_section_nr(const struct memhp_machine *m, unsigned long pfn)
{
	return pfn / m->pages_per_section;
}

static inline unsigned long pages_per_subsection(const struct memhp_machine *m)
{
	/* PAGES_PER_SUBSECTION: 2 MiB, but never more than a section */
	unsigned long n = (2UL << 20) >> m->arch->page_shift;

	return n ? (n < m->pages_per_section ? n : m->pages_per_section) : 1;
}
static inline unsigned long section_nr_to_pfn(const struct memhp_machine *m, unsigned long nr)
{
	return nr * m->pages_per_section;
}
static inline bool pageblock_aligned(const struct memhp_machine *m, unsigned long pfn)
{
	return IS_ALIGNED(pfn, m->pageblock_nr_pages);
}

static inline void mem_hotplug_begin(struct memhp_machine *m)
{
	pthread_rwlock_wrlock(&m->mem_hotplug_lock);
}
static inline void mem_hotplug_done(struct memhp_machine *m)
{
	pthread_rwlock_unlock(&m->mem_hotplug_lock);
}
/*
 * Returns whether it took the lock: a caller that already holds it for
 * writing (a notifier callback reading counters) gets EDEADLK from the
 * rwlock and is already safe.
 */
static inline bool get_online_mems(struct memhp_machine *m)
{
	return pthread_rwlock_rdlock(&m->mem_hotplug_lock) == 0;
}
static inline void put_online_mems(struct memhp_machine *m, bool locked)
{
	if (locked)
		pthread_rwlock_unlock(&m->mem_hotplug_lock);
}

/* files served (kernfs.c, procfs.c) */
struct sbuf {
	char *buf;
	size_t len, cap;
	bool nomem;	/* some output was lost: the read fails with -ENOMEM */
};
void sbuf_printf(struct sbuf *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void node_meminfo(struct memhp_machine *m, int nid, struct sbuf *s);
size_t nodemask_print(uint32_t mask, char *buf, size_t len);

/*
 * The object a sysfs directory stands for (kernfs.c), as far as its files
 * need to know: the memory block, node, device or driver.  Filled in as a
 * path is walked, handed to every show and store method.
 */
struct kobj {
	unsigned long id;		/* memory block */
	int nid;
	int which;			/* of a family of fixed directories: the
					 * driver (dax or nd) or notifier action */
	char dev[16];			/* daxR.I, namespaceN.0 */
	const volatile int *cancel;	/* a write's (memhp_file_write_cancellable) */
	unsigned int timeout_ms;
};

/*
 * One file of a directory, declared once, as the kernel's struct
 * device_attribute: name, mode, show and store.  show renders into s, 0 or
 * -errno; store gets the NUL-terminated buffer, returns count or -errno.
 * The tables end with an entry whose name is NULL.
 */
struct kattr;
typedef int kattr_show_t(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
			 struct sbuf *s);
typedef ssize_t kattr_store_t(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
			      const char *buf, size_t count);
struct kattr {
	const char *name;
	unsigned int mode;
	kattr_show_t *show;
	kattr_store_t *store;
};
#define KATTR(_name, _mode, _show, _store) { #_name, _mode, _show, _store }
#define KATTR_RO(_name) KATTR(_name, 0444, _name##_show, NULL)
#define KATTR_RW(_name) KATTR(_name, 0644, _name##_show, _name##_store)
#define KATTR_WO(_name) KATTR(_name, 0200, NULL, _name##_store)

/* the files their owners declare: procfs.c, dax.c, nd.c */
extern const struct kattr proc_attrs[];
extern const struct kattr dax_dev_attrs[], dax_region_attrs[], dax_drv_attrs[];
extern const struct kattr nd_namespace_attrs[], nd_dax_attrs[], nd_drv_attrs[];

/* acpi.c internal API used by the public wrappers; SRAT proximity domains */
int pxm_to_dimm_node(struct memhp_machine *m, int pxm);
size_t acpi_dimm_list(struct memhp_machine *m, char (*names)[MEMHP_DIMM_NAME_MAX], size_t max);
int acpi_dimm_add(struct memhp_machine *m, const char *name, uint64_t size, int node,
		  uint64_t addr, int fd, struct memhp_dimm_info *info);
int acpi_dimm_remove(struct memhp_machine *m, const char *name);
void srat_map_pxms(struct memhp_machine *m, struct memhp_config *cfg);
int acpi_nvdimm_plug(struct memhp_machine *m, const char *name, uint64_t size, int node);
int acpi_nvdimm_get(struct memhp_machine *m, unsigned int i, struct physdev **dev, int *nid);
int acpi_dimm_info(struct memhp_machine *m, const char *name, struct memhp_dimm_info *info);

#endif
