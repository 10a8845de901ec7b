/* SPDX-License-Identifier: MIT */
/*
 * page.h - struct page and its flags.
 * Part of internal.h, which includes the parts in this order (each uses
 * what the ones before it declare); include internal.h, not this.
 */
#ifndef MEMHP_PAGE_H
#define MEMHP_PAGE_H

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
	PG_mlocked = 1u << 13,		/* a page of an mlocked region: PG_mlocked and
					 * PG_unevictable (the unevictable LRU) */
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

#endif
