// SPDX-License-Identifier: MIT
/*
 * memblock.c - the boot allocator, and what x86 and arm64 early boot take
 * from it.
 *
 * How many pages of each zone the buddy gets at boot (managed) is RAM minus
 * what memblock has reserved when memblock_free_all runs.  Which zone and
 * node a reservation lands in is decided by memblock's top-down search
 * (__memblock_find_range_top_down): the highest free, aligned range below
 * the limit, on the requested node or, failing that, anywhere.  A page
 * counts as reserved when any byte of it is, so small allocations matter
 * where they pack.  So the early allocations are replayed here, in
 * start_kernel's order and with the 6.12 x86-64 reference kernel's sizes
 * (memblock=debug of that guest lists every one):
 *
 *   setup_arch      the first 1 MiB; the kernel image (at 16 MiB, where an
 *                   unrandomized kernel loads); direct-map page tables past
 *                   the brk buffer; alloc_node_data per node with memory;
 *   sparse_init     the mem_section root array; a root per 128 sections on
 *                   the node that first needs it; per node its usemaps, its
 *                   memmap and the vmemmap's page tables;
 *   free_area_init  a pg_data_t for every possible node without memory;
 *   setup_arch      HPET and IOAPIC, e820 resources and the firmware map,
 *                   the hibernation nosave regions;
 *   start_kernel    the saved and static command lines, the first percpu
 *                   chunk (node 0, its unused tail freed), cpumasks, the
 *                   early hash tables (hashdist off), fixmap page tables;
 *   mem_init        the swiotlb below 4G, its slot and area arrays.
 *
 * The initramfs is reserved first (early_reserve_initrd) and freed only
 * after the initcalls, so the allocations pack below it.  KASLR: the image
 * lands where memhp_config.kernel_image_base says (16 MiB without it).
 * arm64's boot (arm64_early_allocations, at the end) is replayed the same
 * way from its guests' memblock=debug.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "memblock.h"

/* sizes of the reference build's (6.12 x86-64, 5-level paging) structures */
#define MAX_PHYSMEM_BITS	52		/* x86 5-level, arm64 52-bit PA */
#define MEM_SECTION_BYTES	32UL		/* sizeof(struct mem_section) */
#define PCPU_UNIT_BYTES		0x42000UL	/* size_sum: static 228K + reserved 8K + dynamic 28K */
#define PCPU_ATOM_BYTES		(2UL << 20)	/* PMD_SIZE: pcpu_fc_alloc's atom */
#define NR_SPP_PAGES		3		/* spp_getpage: CPU 0's entry area's PUD, PMD, PTE */
#define NR_SPP_PAGES_PER_CPU	2		/* and each further CPU's PMD and PTE */
#define RESOURCE_BYTES		64UL		/* sizeof(struct resource) */
#define E820_RESOURCE_BYTES	RESOURCE_BYTES
#define FIRMWARE_MAP_BYTES	104UL		/* sizeof(struct firmware_map_entry) */
#define NOSAVE_REGION_BYTES	32UL		/* sizeof(struct nosave_region) */
#define SWIOTLB_SLOT_BYTES	24UL		/* sizeof(struct io_tlb_slot) */
#define SWIOTLB_AREA_BYTES	16UL		/* sizeof(struct io_tlb_area) */
#define IO_TLB_SHIFT		11
#define SMP_CACHE_BYTES		64UL
#define CPUMASK_BYTES		8UL		/* one CPU: cpumask_size() */
/* what the reference guest's QEMU -append starts with (oracle/run-scenario) */
#define BOOT_CMDLINE_PREFIX	"console=ttyS0 quiet panic=-1"

/* ---- memblock.reserved: a sorted array of disjoint, merged ranges ---- */

/* index of the first range that ends after `a` */
static size_t reserved_first_after(const struct boot_layout *l, uint64_t a)
{
	size_t lo = 0, hi = l->nr_reserved;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (l->reserved[mid].end <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool memblock_is_reserved(const struct boot_layout *l, uint64_t start, uint64_t end)
{
	size_t i = reserved_first_after(l, start);

	return i < l->nr_reserved && l->reserved[i].start < end;
}

static bool reserved_grow(struct boot_layout *l)
{
	size_t cap = l->cap_reserved ? 2 * l->cap_reserved : 64;
	struct range *r = realloc(l->reserved, cap * sizeof(*r));

	if (!r) {
		l->reserve_failed = true;
		return false;
	}
	l->reserved = r;
	l->cap_reserved = cap;
	return true;
}

void memblock_reserve(struct boot_layout *l, uint64_t start, uint64_t end)
{
	size_t i, j;

	if (start >= end)
		return;
	/* merge with every range it touches, as memblock_merge_regions does */
	i = reserved_first_after(l, start ? start - 1 : 0);
	for (j = i; j < l->nr_reserved && l->reserved[j].start <= end; j++) {
		start = MIN(start, l->reserved[j].start);
		end = MAX(end, l->reserved[j].end);
	}
	if (j == i) {
		if (l->nr_reserved == l->cap_reserved && !reserved_grow(l))
			return;
		memmove(&l->reserved[i + 1], &l->reserved[i], (l->nr_reserved - i) * sizeof(l->reserved[0]));
		l->nr_reserved++;
		j = i + 1;
	}
	l->reserved[i] = (struct range){ .start = start, .end = end, .nid = -1 };
	memmove(&l->reserved[i + 1], &l->reserved[j], (l->nr_reserved - j) * sizeof(l->reserved[0]));
	l->nr_reserved -= j - i - 1;
}

void memblock_free(struct boot_layout *l, uint64_t start, uint64_t end)
{
	size_t i = reserved_first_after(l, start);

	while (i < l->nr_reserved && l->reserved[i].start < end) {
		struct range *r = &l->reserved[i];

		if (r->start < start && r->end > end) {
			/* a hole in the middle: the range splits in two */
			if (l->nr_reserved == l->cap_reserved && !reserved_grow(l))
				return;
			r = &l->reserved[i];
			memmove(r + 1, r, (l->nr_reserved - i) * sizeof(*r));
			l->nr_reserved++;
			r[0].end = start;
			r[1].start = end;
			return;
		}
		if (r->start < start) {
			r->end = start;
			i++;
		} else if (r->end > end) {
			r->start = end;
			return;
		} else {
			memmove(r, r + 1, (l->nr_reserved - i - 1) * sizeof(*r));
			l->nr_reserved--;
		}
	}
}

/* how many ranges start below `a` */
static size_t reserved_count_below(const struct boot_layout *l, uint64_t a)
{
	size_t lo = 0, hi = l->nr_reserved;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (l->reserved[mid].start < a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* the highest aligned free [cand, cand + size) inside [lo, hi), or -1 */
static int64_t find_in_ram_range(const struct boot_layout *l, uint64_t size, uint64_t align,
				 uint64_t lo, uint64_t hi)
{
	size_t i = reserved_count_below(l, hi);
	uint64_t top = hi;

	/* walk the free gaps down from hi: [end of range i-1, top) */
	for (;;) {
		uint64_t bottom = i ? MAX(lo, l->reserved[i - 1].end) : lo;

		if (bottom < top && top - bottom >= size) {
			uint64_t cand = ALIGN_DOWN(top - size, align);

			if (cand >= bottom)
				return (int64_t)cand;
		}
		if (!i || l->reserved[i - 1].end <= lo)
			return -1;
		top = MIN(top, l->reserved[i - 1].start);
		i--;
		if (top <= lo)
			return -1;
	}
}

/* __memblock_find_range_bottom_up: the lowest aligned free range above min */
static int64_t find_bottomup(const struct boot_layout *l, uint64_t size, uint64_t align,
			     uint64_t min, uint64_t max)
{
	for (size_t r = 0; r < l->nr_ram; r++) {
		uint64_t lo = MAX(l->ram[r].start, min), hi = MIN(l->ram[r].end, max);
		size_t i = reserved_first_after(l, lo);
		uint64_t cand = ALIGN_UP(lo, align);

		while (cand + size <= hi) {
			if (i >= l->nr_reserved || cand + size <= l->reserved[i].start)
				return (int64_t)cand;
			cand = MAX(cand, ALIGN_UP(l->reserved[i].end, align));
			i++;
		}
	}
	return -1;
}

/* __memblock_find_range_top_down over the node's (or all) RAM */
static int64_t find_topdown(const struct boot_layout *l, uint64_t size, uint64_t align,
			    uint64_t min, uint64_t max, int nid)
{
	for (size_t r = l->nr_ram; r-- > 0;) {
		uint64_t lo = MAX(l->ram[r].start, min), hi = MIN(l->ram[r].end, max);
		int64_t at;

		if (nid >= 0 && l->ram[r].nid != nid)
			continue;
		if (hi <= lo || hi - lo < size)
			continue;
		at = find_in_ram_range(l, size, align, lo, hi);
		if (at >= 0)
			return at;
	}
	return -1;
}

/*
 * memblock_alloc_internal: the node first, then (unless exact) any node;
 * then all of that again without the lower limit.
 */
int64_t memblock_alloc_range(struct boot_layout *l, uint64_t size, uint64_t align,
			     uint64_t min, uint64_t max, int nid, bool exact_nid)
{
	for (;;) {
		int64_t at = find_topdown(l, size, align, min, max, nid);

		if (at < 0 && nid >= 0 && !exact_nid)
			at = find_topdown(l, size, align, min, max, -1);
		if (at >= 0) {
			memblock_reserve(l, (uint64_t)at, (uint64_t)at + size);
			return at;
		}
		if (!min)
			return -1;
		min = 0;
	}
}

int64_t memblock_alloc_topdown(struct boot_layout *l, uint64_t size, uint64_t align,
			       uint64_t limit, int nid)
{
	return memblock_alloc_range(l, size, align, 0, limit, nid, nid >= 0);
}

void boot_layout_release(struct boot_layout *l)
{
	free(l->reserved);
	l->reserved = NULL;
	l->nr_reserved = l->cap_reserved = 0;
}

/*
 * An allocation the kernel panics without (memblock_alloc_or_panic, or a
 * panic at its caller): the boot fails with -ENOMEM at the end
 */
static int64_t must_alloc(struct boot_layout *l, uint64_t size, uint64_t align, uint64_t min,
			  uint64_t max, int nid, bool exact_nid)
{
	int64_t at = memblock_alloc_range(l, size, align, min, max, nid, exact_nid);

	if (at < 0)
		l->alloc_failed = true;
	return at;
}

/* memblock_alloc(size, SMP_CACHE_BYTES): anywhere, top-down */
static void alloc_small(struct boot_layout *l, uint64_t size)
{
	must_alloc(l, size, SMP_CACHE_BYTES, 0, UINT64_MAX, -1, false);
}

/* ---- what x86 early boot allocates, in start_kernel's order ---- */

/* nodes that have boot memory: fixup_hashdist turns hashdist off for one */
unsigned int boot_memory_nodes(const struct boot_layout *l)
{
	uint32_t mask = 0;

	for (size_t i = 0; i < l->nr_ram; i++)
		if (l->ram[i].end > l->ram[i].start)
			mask |= 1u << l->ram[i].nid;
	return (unsigned int)__builtin_popcount(mask);
}

static bool node_has_ram(const struct boot_layout *l, unsigned int nid)
{
	for (size_t i = 0; i < l->nr_ram; i++)
		if (l->ram[i].nid == (int)nid && l->ram[i].end > l->ram[i].start)
			return true;
	return false;
}

/* pages of [s, e) wholly inside it */
static uint64_t whole_pages(uint64_t s, uint64_t e, uint64_t page_size)
{
	s = ALIGN_UP(s, page_size);
	e = ALIGN_DOWN(e, page_size);
	return e > s ? (e - s) / page_size : 0;
}

/*
 * alloc_large_system_hash's size for a table of 8-byte buckets, one per
 * 2^scale bytes of memory: nr_kernel_pages (every memblock memory page,
 * calc_nr_kernel_pages) rounded up to 1 MiB; the scale one more for each
 * fourfold of memory past 64 GiB (ADAPT_SCALE_BASE, ADAPT_SCALE_SHIFT: no
 * high limit on the dentry and inode hashes); then a power of two.
 */
static uint64_t hash_bytes_for_pages(const struct memhp_machine *m, uint64_t pages, unsigned int scale)
{
	uint64_t per_mib = (1ULL << 20) / m->page_size, entries;
	unsigned int shift = page_shift(m);

	entries = ALIGN_UP(pages, per_mib);
	for (uint64_t adapt = (64ULL << 30) >> shift; adapt < entries; adapt <<= 2)
		scale++;
	entries = scale > shift ? entries >> (scale - shift) : entries << (shift - scale);
	entries = entries < 2 ? 1 : 1ULL << (64 - __builtin_clzll(entries - 1));
	return ALIGN_UP(entries * 8, m->page_size);
}

uint64_t large_system_hash_bytes(struct memhp_machine *m, const struct boot_layout *l,
				 unsigned int scale)
{
	uint64_t pages = 0;

	for (size_t i = 0; i < l->nr_ram; i++)
		pages += whole_pages(l->ram[i].start, l->ram[i].end, m->page_size);
	return hash_bytes_for_pages(m, pages, scale);
}

static uint64_t ram_top(const struct boot_layout *l)
{
	return l->nr_ram ? l->ram[l->nr_ram - 1].end : 0;
}

/* ---- init_mem_mapping: the direct map's page tables ---- */

enum { PTE_TABLE = 1, PMD_LEAF = 2, PMD_TABLE = 4, PUD_LEAF = 8 };

#define INIT_PGT_BUF_PAGES	16	/* 5-level, RANDOMIZE_MEMORY: 4 * 4 */

/* which 2 MiB / 1 GiB slots have a table or a leaf so far */
struct direct_map {
	uint8_t *slot2m, *slot1g;
	size_t n2m, n1g;
	uint64_t brk_start, brk_end;	/* the image: page tables come from its brk */
	unsigned int brk_used;		/* of INIT_PGT_BUF_PAGES */
	uint64_t min_mapped, max_mapped;
	bool use_memblock;		/* the range being mapped overlaps the brk */
	bool bottom_up;			/* movable_node: memblock allocates bottom-up */
};

/* memblock_is_region_memory: [s, e) is all e820 RAM */
static bool region_is_ram(const struct boot_layout *l, uint64_t s, uint64_t e)
{
	for (size_t i = 0; i < l->nr_ram; i++) {
		uint64_t end = l->ram[i].end;

		for (size_t j = i + 1; j < l->nr_ram && l->ram[j].start == end; j++)
			end = l->ram[j].end;
		if (s >= l->ram[i].start && e <= end)
			return true;
	}
	return false;
}

/* alloc_low_pages: from the brk, or memblock under what is mapped already */
static void new_table(struct boot_layout *l, struct direct_map *d)
{
	int64_t at;

	if (!d->use_memblock && d->brk_used < INIT_PGT_BUF_PAGES) {
		d->brk_used++;
		return;
	}
	if (!d->bottom_up) {
		memblock_alloc_range(l, 4096, 4096, d->min_mapped, d->max_mapped, -1, false);
		return;
	}
	/* bottom-up allocations stay above the kernel image */
	at = find_bottomup(l, 4096, 4096, MAX(d->min_mapped, d->brk_end), d->max_mapped);
	if (at >= 0)
		memblock_reserve(l, (uint64_t)at, (uint64_t)at + 4096);
}

/* kernel_physical_mapping_init for one piece of one page size */
static void map_piece(struct boot_layout *l, struct direct_map *d, uint64_t s, uint64_t e,
		      uint64_t page)
{
	for (uint64_t a = s; a < e; a += page) {
		size_t g = a >> 30, m = a >> 21;

		if (g >= d->n1g || (d->slot1g[g] & PUD_LEAF))
			continue;	/* a 1 GiB leaf stays as it is */
		if (page == (1ULL << 30)) {
			d->slot1g[g] |= PUD_LEAF;
			continue;
		}
		if (!(d->slot1g[g] & PMD_TABLE)) {
			d->slot1g[g] |= PMD_TABLE;
			new_table(l, d);
		}
		if (page == (2ULL << 20)) {
			if (!(d->slot2m[m] & PTE_TABLE))
				d->slot2m[m] |= PMD_LEAF;
			continue;
		}
		if (!(d->slot2m[m] & (PTE_TABLE | PMD_LEAF))) {
			d->slot2m[m] |= PTE_TABLE;
			new_table(l, d);
		}
	}
}

/*
 * split_mem_range + adjust_range_page_size_mask: a 4K head to 2M, 2M pages
 * to 1G, 1G pages, then 2M and a 4K tail; a piece whose whole aligned
 * 2M (1G) is RAM is mapped with the bigger page.
 */
static void init_memory_mapping(struct boot_layout *l, struct direct_map *d, uint64_t s, uint64_t e)
{
	const uint64_t M2 = 2ULL << 20, G1 = 1ULL << 30;
	uint64_t cut[5] = { MIN(ALIGN_UP(s, M2), e), 0, 0, 0, e };
	uint64_t page[5] = { 4096, M2, G1, M2, 4096 };

	cut[1] = MAX(cut[0], MIN(ALIGN_UP(cut[0], G1), ALIGN_DOWN(e, M2)));
	cut[2] = MAX(cut[1], ALIGN_DOWN(e, G1));
	cut[3] = MAX(cut[2], ALIGN_DOWN(e, M2));
	for (int i = 0; i < 5; i++) {
		uint64_t from = i ? cut[i - 1] : s, to = cut[i], p = page[i];

		if (from >= to)
			continue;
		if (p == 4096 && region_is_ram(l, ALIGN_DOWN(from, M2), ALIGN_UP(to, M2)))
			p = M2;
		if (p == M2 && region_is_ram(l, ALIGN_DOWN(from, G1), ALIGN_UP(to, G1)))
			p = G1;
		map_piece(l, d, ALIGN_DOWN(from, p), to, p);
	}
}

/* init_range_memory_mapping: each RAM range inside [s, e); the RAM mapped */
static uint64_t init_range_memory_mapping(struct boot_layout *l, struct direct_map *d, uint64_t s, uint64_t e)
{
	uint64_t mapped = 0;

	for (size_t i = 0; i < l->nr_ram; i++) {
		uint64_t rs = l->ram[i].start, re = l->ram[i].end;

		while (i + 1 < l->nr_ram && l->ram[i + 1].start == re)
			re = l->ram[++i].end;
		rs = MAX(ALIGN_UP(rs, 4096), s);
		re = MIN(ALIGN_DOWN(re, 4096), e);
		if (rs >= re)
			continue;
		/* the brk's own pages cannot hold tables while they get mapped */
		d->use_memblock = rs < d->brk_end && d->brk_start < re;
		init_memory_mapping(l, d, rs, re);
		d->max_mapped = MAX(d->max_mapped, re);
		mapped += re - rs;
	}
	return mapped;
}

/* memory_map_top_down: the top 2 MiB, then steps growing by 2^8 downwards */
static void memory_map_top_down(struct boot_layout *l, struct direct_map *d, uint64_t start,
				uint64_t end)
{
	uint64_t real_end = ALIGN_DOWN(end, 2ULL << 20), last, step = 2ULL << 20, mapped = 0;

	d->min_mapped = real_end;
	for (last = real_end; last > start;) {
		uint64_t s = last > step ? MAX(ALIGN_DOWN(last - 1, step), start) : start;

		mapped += init_range_memory_mapping(l, d, s, last);
		last = s;
		d->min_mapped = last;
		if (mapped >= step)
			step <<= 8;
	}
	if (real_end < end)
		init_range_memory_mapping(l, d, real_end, end);
}

/* memory_map_bottom_up: steps growing by 2^8 upwards */
static void memory_map_bottom_up(struct boot_layout *l, struct direct_map *d, uint64_t start,
				 uint64_t end)
{
	uint64_t step = 2ULL << 20, mapped = 0;

	d->min_mapped = start;
	while (start < end) {
		uint64_t next = end - start > step ? MIN(ALIGN_UP(start + 1, step), end) : end;

		mapped += init_range_memory_mapping(l, d, start, next);
		start = next;
		if (mapped >= step)
			step <<= 8;
	}
}

/*
 * init_mem_mapping: the ISA range, then RAM top-down (or, with movable_node,
 * whose memblock is bottom-up until SRAT is parsed, bottom-up from the
 * image's end, then below it).  Page tables come from the brk's
 * INIT_PGT_BUF_SIZE except while the range holding the brk itself is
 * mapped, or once it is used up: those come from memblock, from what is
 * mapped so far (alloc_low_pages).
 */
static int alloc_direct_map_tables(struct boot_layout *l, uint64_t image, uint64_t image_size,
				   bool bottom_up)
{
	uint64_t top = ram_top(l);
	struct direct_map d = { .brk_start = image, .brk_end = image + image_size, .bottom_up = bottom_up };

	d.n1g = (size_t)(ALIGN_UP(top, 1ULL << 30) >> 30);
	d.n2m = (size_t)(ALIGN_UP(top, 1ULL << 30) >> 21);
	d.slot1g = calloc(d.n1g, 1);
	d.slot2m = calloc(d.n2m, 1);
	if (!d.slot1g || !d.slot2m) {
		free(d.slot1g);
		free(d.slot2m);
		return -ENOMEM;
	}
	/* the ISA range, always, holes or not: the P4D, PUD, PMD, PTE tables */
	d.brk_used = 2;
	init_memory_mapping(l, &d, 0, 1ULL << 20);
	if (d.bottom_up) {
		memory_map_bottom_up(l, &d, d.brk_end, top);
		memory_map_bottom_up(l, &d, 1ULL << 20, d.brk_end);
	} else {
		memory_map_top_down(l, &d, 1ULL << 20, top);
	}
	free(d.slot1g);
	free(d.slot2m);
	return 0;
}

/* numa_register_memblks -> alloc_node_data: on the node itself */
static void alloc_node_data(struct memhp_machine *m, struct boot_layout *l)
{
	for (unsigned int nid = 0; nid < m->nr_nodes; nid++)
		if (node_has_ram(l, nid))
			must_alloc(l, m->arch->pglist_data_bytes, SMP_CACHE_BYTES, 0, UINT64_MAX,
					     (int)nid, false);
}

/* free_area_init -> alloc_offline_node_data: possible nodes without memory */
static void alloc_offline_node_data(struct memhp_machine *m, struct boot_layout *l)
{
	for (unsigned int nid = 0; nid < m->nr_nodes; nid++)
		if (!node_has_ram(l, nid))
			alloc_small(l, m->arch->pglist_data_bytes);
}

/* SECTIONS_PER_ROOT: a root is a page of struct mem_section */
static unsigned long sections_per_root(const struct memhp_machine *m)
{
	return m->page_size / MEM_SECTION_BYTES;
}

/* NR_SECTION_ROOTS pointers: 2 MiB with 4K pages, 512K with 16K */
static uint64_t section_roots_bytes(const struct memhp_machine *m)
{
	return ((1ULL << (MAX_PHYSMEM_BITS - m->arch->section_size_bits)) / sections_per_root(m)) * 8;
}

/*
 * mem_section_usage_size() + usemap_size(): the subsection bitmap and an
 * rcu_head (24 bytes), then 4 bits per pageblock in longs - 56 bytes with
 * 4K pages (64 pageblocks a section), 32 with 16K (4)
 */
static uint64_t section_usage_bytes(const struct memhp_machine *m)
{
	uint64_t bits = (m->pages_per_section / m->pageblock_nr_pages) * 4;

	return 24 + ALIGN_UP(bits, 64) / 8;
}

/* the node whose RAM the section starts in (its first RAM page), or -1 */
static int section_nid(struct memhp_machine *m, const struct boot_layout *l, unsigned long nr)
{
	uint64_t s = PFN_PHYS_M(m, section_nr_to_pfn(m, nr));
	uint64_t e = s + ((uint64_t)m->pages_per_section << page_shift(m));

	for (size_t i = 0; i < l->nr_ram; i++) {
		uint64_t rs = ALIGN_UP(l->ram[i].start, m->page_size);
		uint64_t re = ALIGN_DOWN(l->ram[i].end, m->page_size);

		if (rs < e && re > s && re > rs)
			return l->ram[i].nid;
	}
	return -1;
}

/*
 * vmemmap_populate_hugepages: a PMD table for each 1 GiB of vmemmap the
 * memmap reaches first, with its PUD and P4D tables, on the node being
 * populated.  The table a pfn's struct page needs: one per 2^24 pfns
 * (PMD), 2^33 (PUD), 2^42 (P4D).
 */
static void alloc_vmemmap_tables(struct memhp_machine *m, struct boot_layout *l, unsigned long first_pfn,
				 unsigned long nr_pfns, int nid, unsigned long seen[3])
{
	static const unsigned int x86_shift[3] = { 42, 33, 24 };	/* P4D, PUD, PMD */
	/*
	 * arm64: 4K pages map the memmap with PMD blocks (a PUD and a PMD
	 * table, vmemmap_populate_hugepages), 16K with base pages (a PMD and
	 * a PTE table): a table per 2^(page_shift + n * (page_shift - 3))
	 * bytes of vmemmap, 64 bytes a pfn
	 */
	unsigned int shift[3], ps = page_shift(m), bits = ps - 3, levels = 3;

	if (m->arch->pc_layout) {
		memcpy(shift, x86_shift, sizeof(shift));
	} else {
		unsigned int lowest = ps == 12 ? 2 : 1;	/* PMD tables (4K) or PTE tables */

		levels = 2;
		for (unsigned int i = 0; i < levels; i++)
			shift[i] = ps + (lowest + levels - 1 - i) * bits - 6;	/* in pfns */
	}
	/*
	 * arm64's vmemmap ends 1 GiB below the top of the address space
	 * (VMEMMAP_END): its tables' boundaries are 1 GiB of struct pages,
	 * 2^24 pfns, off pfn 0's (x86's vmemmap starts on a P4D boundary)
	 */
	unsigned long skew = m->arch->pc_layout ? 0 : 1UL << 24;

	for (unsigned long pfn = first_pfn; pfn < first_pfn + nr_pfns;) {
		for (unsigned int lvl = 0; lvl < levels; lvl++) {
			unsigned long idx = ((pfn - skew) >> shift[lvl]) + 1;	/* wraps by whole tables */

			if (seen[lvl] != idx) {
				seen[lvl] = idx;
				memblock_alloc_range(l, m->page_size, m->page_size,
						     m->arch->pc_layout ? 16ULL << 20 : 0, UINT64_MAX, nid, false);
			}
		}
		pfn = ALIGN_DOWN(pfn, 1UL << shift[levels - 1]) + (1UL << shift[levels - 1]);
	}
}

/* sparse_init_nid: usemaps near the pg_data_t, then the node's memmap */
static int sparse_init_nid(struct memhp_machine *m, struct boot_layout *l, int nid,
			   unsigned long first, unsigned long end, unsigned long count,
			   unsigned long seen[3])
{
	uint64_t bytes = (uint64_t)m->pages_per_section * sizeof(struct page);
	uint64_t map_size = ALIGN_UP(bytes, 1ULL << m->arch->pmd_shift);
	uint64_t section = (uint64_t)m->pages_per_section << page_shift(m);
	int64_t at = -1;
	unsigned long k = 0;

	if (m->arch->pglist_data_bytes) {
		/* the usemaps near the pg_data_t: in the node's top section */
		uint64_t goal = 0;

		for (size_t i = 0; i < l->nr_ram; i++)
			if (l->ram[i].nid == nid)
				goal = ALIGN_DOWN(l->ram[i].end - 1, section);
		memblock_alloc_range(l, section_usage_bytes(m) * count, SMP_CACHE_BYTES, goal, goal + section,
				     nid, false);
		/*
		 * sparse_buffer_init: room for the whole memmap at once, on the
		 * node only, a section_map_size() (the memmap rounded up to a
		 * PMD) per section; the memmaps are taken from its start
		 */
		at = memblock_alloc_range(l, map_size * count, map_size,
					  m->arch->pc_layout ? 16ULL << 20 : 0, UINT64_MAX, nid, true);
	}
	for (unsigned long nr = first; nr < end; nr++) {
		int64_t map = at;
		int ret;

		if (section_nid(m, l, nr) != nid)
			continue;
		if (at >= 0)
			map = at + (int64_t)(k++ * bytes);
		else	/* no buffer: each section's memmap on its own */
			map = memblock_alloc_range(l, bytes, bytes, 0, UINT64_MAX, nid, false);
		if (map < 0)
			return -ENOMEM;
		if (m->arch->pglist_data_bytes)
			alloc_vmemmap_tables(m, l, section_nr_to_pfn(m, nr), m->pages_per_section, nid, seen);
		ret = sparse_add_boot_section(m, nid, nr, PHYS_PFN_M(m, (uint64_t)map));
		if (ret)
			return ret;
	}
	/* sparse_buffer_fini: what the memmaps left of the buffer (16K pages: most of it) */
	if (at >= 0 && map_size > bytes)
		memblock_free(l, (uint64_t)at + bytes * count, (uint64_t)at + map_size * count);
	return 0;
}

/*
 * sparse_init: memblocks_present (the root array, then a root wherever a
 * present section first needs one), then sparse_init_nid for each run of
 * sections of one node.
 */
int boot_sparse_init(struct memhp_machine *m, struct boot_layout *l)
{
	unsigned long nr_sections = pfn_to_section_nr(m, PHYS_PFN_M(m, m->boot_mem_end) - 1) + 1;
	unsigned long seen[3] = { 0, 0, 0 }, root = ~0UL, begin = 0, count = 0;
	int begin_nid = -1, ret;

	if (m->arch->pglist_data_bytes) {
		alloc_small(l, section_roots_bytes(m));
		for (unsigned long nr = 0; nr < nr_sections; nr++) {
			int nid = section_nid(m, l, nr);

			if (nid >= 0 && nr / sections_per_root(m) != root) {
				root = nr / sections_per_root(m);
				must_alloc(l, m->page_size, SMP_CACHE_BYTES, 0, UINT64_MAX, nid, false);
			}
		}
	}
	for (unsigned long nr = 0; nr <= nr_sections; nr++) {
		int nid = nr < nr_sections ? section_nid(m, l, nr) : -2;

		if (nid == -1)
			continue;
		if (nid != begin_nid && count) {
			ret = sparse_init_nid(m, l, begin_nid, begin, nr, count, seen);
			if (ret)
				return ret;
			count = 0;
		}
		if (!count) {
			begin = nr;
			begin_nid = nid;
		}
		count++;
	}
	return 0;
}

/* e820__register_nosave_regions: the gaps between RAM entries, merged */
static size_t nr_nosave_regions(struct memhp_machine *m, const struct boot_layout *l)
{
	uint64_t last = 0, region_end = ~0ULL, max_pfn = PHYS_PFN_M(m, ram_top(l));
	size_t n = 0;

	for (size_t i = 0; i <= l->nr_ram; i++) {
		uint64_t s, e;

		if (i < l->nr_ram) {
			/* the kernel's table has page 0 reserved (trim_bios_range) */
			uint64_t start = MAX(l->ram[i].start, 4096ULL);

			if (last >= start) {
				last = MAX(last, l->ram[i].end);
				continue;
			}
			s = PHYS_PFN_M(m, last);
			e = PFN_UP_M(m, start);
			last = l->ram[i].end;
		} else {
			s = PHYS_PFN_M(m, last);
			e = max_pfn;
		}
		if (s >= e)
			continue;
		if (region_end != s)
			n++;
		region_end = e;
	}
	return n;
}

/* setup_arch's small tables: HPET, IOAPIC, e820 resources, nosave regions */
static void alloc_firmware_tables(struct memhp_machine *m, struct boot_layout *l)
{
	alloc_small(l, 73);	/* acpi_parse_hpet: the HPET resource and its name */
	alloc_small(l, 75);	/* io_apic_init_mappings: the IOAPIC resource */
	alloc_small(l, E820_RESOURCE_BYTES * l->nr_kernel_e820);
	for (size_t i = 0; i < l->nr_firmware_e820; i++)
		alloc_small(l, FIRMWARE_MAP_BYTES);
	for (size_t i = nr_nosave_regions(m, l); i > 0; i--)
		alloc_small(l, NOSAVE_REGION_BYTES);
}

/* setup_command_line: saved_command_line and static_command_line */
static void alloc_command_lines(const struct memhp_config *cfg, struct boot_layout *l, const char *prefix)
{
	size_t len = strlen(prefix);
	const char *p = cfg->cmdline ? cfg->cmdline : "";

	/* the guest's command line is the prefix and each option, one space apart */
	while (*p) {
		size_t n;

		p += strspn(p, " \t\n");
		n = strcspn(p, " \t\n");
		if (n)
			len += 1 + n;
		p += n;
	}
	alloc_small(l, len + 1);
	alloc_small(l, len + 1);
}

/*
 * pcpu_build_alloc_info: how many units of the first chunk one atom holds.
 * The most that fit, on page boundaries, dividing the atom; then the
 * largest count that wastes at most a third of the CPUs' units without
 * taking more atoms (all the guest's CPUs are on node 0: one group).
 * One CPU: 1 (a 2 MiB unit); two: 2 (1 MiB, "u1048576"); three or four: 4.
 */
static bool pcpu_units_split_atom(unsigned int upa)
{
	return PCPU_ATOM_BYTES % upa == 0 && (PCPU_ATOM_BYTES / upa) % 4096 == 0;
}

static unsigned int pcpu_units_per_atom(unsigned int nr_cpus)
{
	unsigned int upa = PCPU_ATOM_BYTES / PCPU_UNIT_BYTES, best = 1, last_allocs = ~0u;

	while (!pcpu_units_split_atom(upa))
		upa--;
	for (; upa; upa--) {
		unsigned int allocs = (nr_cpus + upa - 1) / upa;

		if (!pcpu_units_split_atom(upa))
			continue;
		if (allocs * upa - nr_cpus > nr_cpus / 3)
			continue;
		if (allocs > last_allocs)
			break;
		last_allocs = allocs;
		best = upa;
	}
	return best;
}

/*
 * setup_per_cpu_areas -> pcpu_embed_first_chunk: the chunk's alloc info and
 * group table, the units of every CPU in PMD-aligned atoms on CPU 0's node
 * (node 0), each unit's unused tail and each unused unit freed,
 * pcpu_setup_first_chunk's maps (four of them sized by the CPUs), then the
 * two tables freed.  A second CPU keeps 66 pages more (the kernel's smp 2
 * runs: 68 pages less MemTotal, the rest where the small maps then pack).
 */
static void alloc_percpu(struct boot_layout *l, unsigned int nr_cpus)
{
	unsigned int upa = pcpu_units_per_atom(nr_cpus);
	unsigned int nr_units = (nr_cpus + upa - 1) / upa * upa;
	uint64_t unit = PCPU_ATOM_BYTES / upa;
	/* pcpu_chunk_lists: a list_head per slot, __pcpu_size_to_slot(unit) + 4 slots */
	uint64_t chunk_lists = 16 * (uint64_t)(64 - __builtin_clzll(unit) + 1);
	const uint64_t setup[] = { 8, 8, 4 * nr_cpus, 8 * nr_cpus, chunk_lists, 200, 256, 264, 64, 200, 896, 904, 224 };
	int64_t info, groups, atoms;

	info = must_alloc(l, 4096, 4096, 0, UINT64_MAX, -1, false);
	groups = must_alloc(l, 4096, SMP_CACHE_BYTES, 0, UINT64_MAX, -1, false);
	atoms = must_alloc(l, nr_units * unit, PCPU_ATOM_BYTES, 16ULL << 20, UINT64_MAX, 0, false);
	for (unsigned int u = 0; atoms >= 0 && u < nr_units; u++) {
		uint64_t start = (uint64_t)atoms + u * unit;

		memblock_free(l, u < nr_cpus ? start + PCPU_UNIT_BYTES : start, start + unit);
	}
	for (size_t i = 0; i < sizeof(setup) / sizeof(setup[0]); i++)
		alloc_small(l, setup[i]);
	if (info >= 0)
		memblock_free(l, (uint64_t)info, (uint64_t)info + 4096);
	if (groups >= 0)
		memblock_free(l, (uint64_t)groups, (uint64_t)groups + 4096);
}

/* swiotlb_adjust_nareas: an area per CPU, rounded up to a power of two */
static uint64_t swiotlb_nareas(unsigned int nr_cpus)
{
	uint64_t nareas = 1;

	while (nareas < nr_cpus)
		nareas <<= 1;
	return nareas;
}

/*
 * mem_init -> swiotlb_init: the bounce buffer below 4G, then its slots and
 * its areas
 */
static void alloc_swiotlb(struct memhp_machine *m, struct boot_layout *l, uint64_t bytes,
			  unsigned int nr_cpus)
{
	if (!bytes)
		return;
	memblock_alloc_range(l, bytes, m->page_size, 0, 4ULL << 30, -1, false);
	memblock_alloc_range(l, ALIGN_UP((bytes >> IO_TLB_SHIFT) * SWIOTLB_SLOT_BYTES, m->page_size),
			     m->page_size, 0, UINT64_MAX, -1, false);
	alloc_small(l, SWIOTLB_AREA_BYTES * swiotlb_nareas(nr_cpus));
}

int x86_early_allocations(struct memhp_machine *m, const struct memhp_config *cfg,
			  struct boot_layout *l, uint64_t image)
{
	/*
	 * the guest's CPUs, as many as the machine keeps lists for (configure
	 * clamps them); 0 (lists per host CPU) boots as the reference guest's one
	 */
	unsigned int nr_cpus = cfg->nr_cpus ? m->nr_cpus : 1;
	int ret;

	/* early_reserve_initrd: the early allocations pack below it */
	if (l->initrd.end > l->initrd.start)
		memblock_reserve(l, l->initrd.start, l->initrd.end);
	ret = alloc_direct_map_tables(l, image, m->arch->kernel_reserved_bytes, m->params.movable_node);
	if (ret)
		return ret;
	alloc_node_data(m, l);
	ret = boot_sparse_init(m, l);
	if (ret)
		return ret;
	alloc_offline_node_data(m, l);
	alloc_firmware_tables(m, l);
	alloc_command_lines(cfg, l, BOOT_CMDLINE_PREFIX);
	alloc_percpu(l, nr_cpus);
	for (unsigned int i = 0; i < 1 + m->nr_nodes; i++)	/* setup_node_to_cpumask_map et al. */
		alloc_small(l, CPUMASK_BYTES);
	if (boot_memory_nodes(l) == 1) {
		/* vfs_caches_init_early: hashdist is off with one memory node */
		alloc_small(l, large_system_hash_bytes(m, l, 13));	/* Dentry cache */
		alloc_small(l, large_system_hash_bytes(m, l, 14));	/* Inode-cache */
	}
	/*
	 * setup_cpu_entry_areas: each CPU's area at a random slot of its P4D
	 * (init_cea_offsets), so a further CPU's almost never shares a PMD
	 * with another's: a PMD and a PTE page of its own (the kernel's smp 2
	 * runs, memblock=debug: spp_getpage 3 pages, 5 with two CPUs)
	 */
	for (unsigned int i = 0; i < NR_SPP_PAGES + NR_SPP_PAGES_PER_CPU * (nr_cpus - 1); i++)
		must_alloc(l, 4096, 4096, 0, UINT64_MAX, -1, false);
	alloc_swiotlb(m, l, m->arch->swiotlb_bytes, nr_cpus);
	/*
	 * free_initrd_mem gives the initramfs back after the initcalls, past
	 * the watermarks (boot_late_frees counts it): in the end it is free
	 */
	if (l->initrd.end > l->initrd.start)
		memblock_free(l, l->initrd.start, l->initrd.end);
	return l->reserve_failed || l->alloc_failed ? -ENOMEM : 0;
}

/* ---- what arm64 early boot allocates (Debian's 6.12 on QEMU virt, UEFI) ---- */

/*
 * calc_nr_kernel_pages: the pages of memblock's free ranges (nomap memory
 * is reserved here, so it is not among them)
 */
static uint64_t memblock_free_pages(const struct boot_layout *l, uint64_t page_size)
{
	uint64_t pages = 0;

	for (size_t i = 0; i < l->nr_ram; i++) {
		uint64_t cur = l->ram[i].start, end = l->ram[i].end;

		for (size_t j = reserved_first_after(l, cur); j < l->nr_reserved && l->reserved[j].start < end; j++) {
			pages += whole_pages(cur, MIN(l->reserved[j].start, end), page_size);
			cur = MAX(cur, l->reserved[j].end);
		}
		pages += whole_pages(cur, end, page_size);
	}
	return pages;
}

/*
 * map_mem under rodata=full (CONFIG_RODATA_FULL_DEFAULT_ENABLED): the
 * linear map of every range the kernel maps (not nomap) at page
 * granularity, NO_BLOCK_MAPPINGS - a PTE table for each slot of 512
 * (4K) or 2048 (16K) pages that holds RAM, a PMD table for each slot of
 * as many PTE tables, a PUD table above that (early_pgtable_alloc, a page
 * each, top-down).  The top level is the image's swapper_pg_dir.
 */
static void alloc_linear_map_tables(struct memhp_machine *m, struct boot_layout *l)
{
	unsigned int shift = page_shift(m), bits = shift - 3;	/* 8-byte entries */
	unsigned int levels = shift >= 16 ? 2 : 3;	/* 64K: PTE and PMD tables under the PGD */

	for (unsigned int level = 1; level <= levels; level++) {
		unsigned int span = shift + level * bits;
		uint64_t last = UINT64_MAX;

		for (size_t i = 0; i < l->nr_ram; i++) {
			if (l->ram[i].nomap || l->ram[i].end <= l->ram[i].start)
				continue;
			for (uint64_t slot = l->ram[i].start >> span; slot <= (l->ram[i].end - 1) >> span; slot++)
				if (slot != last) {
					last = slot;
					must_alloc(l, m->page_size, m->page_size, 0, UINT64_MAX, -1, false);
				}
		}
	}
}

/*
 * mem_init's swiotlb: with RAM beyond ZONE_DMA the default 64 MiB; else
 * only kmalloc's bounce buffers need it (DMA_BOUNCE_UNALIGNED_KMALLOC):
 * 1 MiB per GiB of memblock memory (nomap included), in slots of 2 KiB
 * aligned to a segment of 128 (swiotlb_adjust_size), then rounded up to
 * a power of two when the areas are set (round_up_default_nslabs).
 */
static uint64_t arm64_swiotlb_bytes(const struct memhp_machine *m, const struct boot_layout *l,
				    unsigned int nr_cpus)
{
	uint64_t mem = 0, nslabs, nareas = swiotlb_nareas(nr_cpus);

	for (size_t i = 0; i < l->nr_ram; i++)
		mem += l->ram[i].end - l->ram[i].start;
	if (ram_top(l) > m->arch->zone_dma_end)
		nslabs = (64ULL << 20) >> IO_TLB_SHIFT;
	else
		nslabs = ALIGN_UP(MIN((mem + 1023) / 1024, 64ULL << 20), 1ULL << IO_TLB_SHIFT) >> IO_TLB_SHIFT;
	nslabs = ALIGN_UP(nslabs, 128);
	/* round_up_default_nslabs: a segment per area at least, a power of two */
	if (nslabs < 128 * nareas)
		nslabs = 128 * nareas;
	nslabs = 1ULL << (64 - __builtin_clzll(nslabs - 1));
	return nslabs << IO_TLB_SHIFT;
}

/* the arm64 guests' command line before the scenario's options (EFI adds initrd=) */
#define ARM64_BOOT_CMDLINE "console=ttyAMA0 quiet panic=-1 initrd=initrd"

/*
 * setup_per_cpu_areas: pcpu_build_alloc_info's and
 * pcpu_embed_first_chunk's pages (freed at the end), the units on node 0,
 * then pcpu_setup_first_chunk's maps and the two first chunks' bitmaps -
 * sizes from the guests' memblock=debug with one and two CPUs (the unit:
 * static, reserved and dynamic areas, "Embedded 34 pages/cpu" with 4K
 * pages, 15 with 16K)
 */
static void arm64_alloc_percpu(struct memhp_machine *m, struct boot_layout *l, unsigned int nr_cpus)
{
	/* pcpu_setup_first_chunk's group offsets and sizes, unit map and offsets, then the rest */
	static const uint64_t small_4k[] = { 304, 200, 384, 392, 96, 200, 1024, 1032, 256 };
	static const uint64_t small_16k[] = { 304, 200, 512, 520, 32, 200, 1536, 1544, 96 };
	const uint64_t *small = page_shift(m) == 12 ? small_4k : small_16k;
	uint64_t unit = page_shift(m) == 12 ? 34 * 4096 : 15 * 16384;
	int64_t info, areas;

	info = must_alloc(l, m->page_size, m->page_size, 0, UINT64_MAX, -1, false);
	areas = must_alloc(l, m->page_size, SMP_CACHE_BYTES, 0, UINT64_MAX, -1, false);
	/* one group of page-sized atoms: a unit per CPU, in one allocation */
	must_alloc(l, unit * nr_cpus, m->page_size, 0, UINT64_MAX, 0, false);
	alloc_small(l, 8);
	alloc_small(l, 8);
	alloc_small(l, 4 * nr_cpus);
	alloc_small(l, 8 * nr_cpus);
	for (size_t i = 0; i < ARRAY_SIZE(small_4k); i++)
		alloc_small(l, small[i]);
	if (info >= 0)
		memblock_free(l, (uint64_t)info, (uint64_t)info + m->page_size);
	if (areas >= 0)
		memblock_free(l, (uint64_t)areas, (uint64_t)areas + m->page_size);
}

/* memblock.memory's regions: adjacent RAM of one kind merges */
static size_t memblock_memory_regions(const struct boot_layout *l)
{
	size_t n = 0;

	for (size_t i = 0; i < l->nr_ram; i++)
		if (l->ram[i].end > l->ram[i].start &&
		    (!n || l->ram[i].nomap || l->ram[i - 1].nomap || l->ram[i - 1].end != l->ram[i].start))
			n++;
	return n;
}

/*
 * Where EFI's copy of the initramfs lies, -1 where that is not known: its
 * end at a fixed distance below node 0's RAM top, or under the NVDIMM's
 * ACPI memory that EFI allocated before it (a boot's memory-map holes
 * keep its early allocations out of that range, so the memmap buffer of
 * a guest whose RAM ends just past 4 GiB reaches below it, into ZONE_DMA)
 */
static int64_t arm64_initrd_start(const struct memhp_machine *m, const struct memhp_config *cfg,
				  const struct boot_layout *l, uint64_t bytes)
{
	uint64_t end;

	if (!m->arch->initrd_end_below || l->node0_top < m->arch->ram_base + m->arch->initrd_end_below + bytes)
		return -1;
	end = ALIGN_DOWN(l->node0_top - m->arch->initrd_end_below, m->page_size);
	/* from the highest range down: each move may meet one below it */
	for (size_t i = l->nr_ram; cfg->nr_nvdimm && i-- > 0;)
		if (l->ram[i].nomap && l->ram[i].start < end && l->ram[i].end > end - bytes)
			end = ALIGN_DOWN(l->ram[i].start, m->page_size);
	if (end < m->arch->ram_base + bytes)
		return -1;
	return memblock_is_reserved(l, end - bytes, end) ? -1 : (int64_t)(end - bytes);
}

/*
 * The arm64 guest's boot, in start_kernel's order (the guests'
 * memblock=debug, 16K pages whole, 4K after its early page tables):
 *
 *   efi_init,       the image where EFI loaded it (the firmware's nomap
 *   arm64_memblock_ regions are already out of the way: machine.c's
 *   init            carve_firmware_holes), EFI's tables that stay reserved
 *                   (kernel_reserved_bytes), and the initramfs;
 *   paging_init     the linear map's page tables;
 *   bootmem_init    NODE_DATA, a cpumask, sparse_init (roots, usemaps, the
 *                   memmap buffer, the vmemmap's tables), then
 *                   calc_nr_kernel_pages and CMA's area below ZONE_DMA's
 *                   end (reserved until cma_init_reserved_areas gives it to
 *                   the buddy: managed); the standard resources;
 *   start_kernel    the command lines, the first percpu chunk, the dentry
 *                   and inode hashes sized from those free pages (one
 *                   memory node: hashdist off);
 *   mem_init        the swiotlb, its slots and areas.
 */
int arm64_early_allocations(struct memhp_machine *m, const struct memhp_config *cfg,
			    struct boot_layout *l)
{
	uint64_t initrd = cfg->initrd_size ? cfg->initrd_size : m->arch->initrd_default_bytes;
	uint64_t fixed = m->arch->kernel_reserved_bytes;
	uint64_t cma_align = m->page_size << m->arch->pageblock_order;	/* CMA_MIN_ALIGNMENT_BYTES */
	unsigned int nr_cpus = cfg->nr_cpus ? m->nr_cpus : 1;	/* as x86_early_allocations */
	int64_t image, at, cma = -1;
	uint64_t pages;
	int ret;

	/*
	 * the image where EFI put it (its init sections are freed after the
	 * initcalls), then the rest of what the firmware and the early boot
	 * keep, high; a profile without a recorded layout (64K) keeps all of
	 * it as one block at the top
	 */
	image = -1;
	if (m->arch->image_bytes && l->node0_top >= m->arch->ram_base + m->arch->image_below &&
	    !memblock_is_reserved(l, l->node0_top - m->arch->image_below,
				  l->node0_top - m->arch->image_below + m->arch->image_bytes)) {
		image = (int64_t)(l->node0_top - m->arch->image_below);
		memblock_reserve(l, (uint64_t)image, (uint64_t)image + m->arch->image_bytes);
		memblock_free(l, (uint64_t)image + m->arch->image_init_offset,
			      (uint64_t)image + m->arch->image_init_offset + m->arch->late_freed_image_bytes);
	} else {
		fixed += m->arch->image_bytes ? m->arch->image_bytes - m->arch->late_freed_image_bytes : 0;
	}
	if (fixed) {
		at = memblock_alloc_range(l, ALIGN_UP(fixed, m->page_size), m->page_size, 0, UINT64_MAX, -1, false);
		if (at < 0)
			return -ENOMEM;
		if (image < 0)
			image = at;
	}
	if (image < 0)
		return -ENOMEM;
	l->image_base = (uint64_t)image;
	if (cfg->initrd_size != MEMHP_NO_INITRD && initrd) {
		uint64_t bytes = ALIGN_UP(initrd, m->page_size);

		at = arm64_initrd_start(m, cfg, l, bytes);
		if (at < 0)
			at = memblock_alloc_range(l, bytes, m->page_size, 0, UINT64_MAX, -1, false);
		else
			memblock_reserve(l, (uint64_t)at, (uint64_t)at + bytes);
		if (at < 0)
			return -ENOMEM;
		l->initrd = (struct range){ .start = (uint64_t)at, .end = (uint64_t)at + bytes };
	}
	alloc_linear_map_tables(m, l);
	alloc_node_data(m, l);
	alloc_small(l, CPUMASK_BYTES * 8);	/* alloc_bootmem_cpumask_var: 64 bytes */
	ret = boot_sparse_init(m, l);
	if (ret)
		return ret;
	pages = memblock_free_pages(l, m->page_size);
	if (m->arch->cma_bytes)
		cma = memblock_alloc_range(l, m->arch->cma_bytes, cma_align, 0, m->arch->zone_dma_end, -1, false);
	/*
	 * request_standard_resources: a struct resource per memblock.memory
	 * region - each nomap range, and each run of RAM between them (the
	 * firmware's map gives six, an NVDIMM's ACPI memory two more)
	 */
	alloc_small(l, RESOURCE_BYTES * memblock_memory_regions(l));
	alloc_command_lines(cfg, l, ARM64_BOOT_CMDLINE);
	arm64_alloc_percpu(m, l, nr_cpus);
	if (boot_memory_nodes(l) == 1) {
		alloc_small(l, hash_bytes_for_pages(m, pages, 13));	/* Dentry cache */
		alloc_small(l, hash_bytes_for_pages(m, pages, 14));	/* Inode-cache */
	}
	alloc_swiotlb(m, l, arm64_swiotlb_bytes(m, l, nr_cpus), nr_cpus);
	if (cma >= 0)
		memblock_free(l, (uint64_t)cma, (uint64_t)cma + m->arch->cma_bytes);
	/* free_initrd_mem gives it back after the initcalls (boot_late_frees) */
	if (l->initrd.end > l->initrd.start)
		memblock_free(l, l->initrd.start, l->initrd.end);
	return l->reserve_failed || l->alloc_failed ? -ENOMEM : 0;
}
