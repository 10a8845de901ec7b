// SPDX-License-Identifier: MIT
/*
 * machine.c - booting and tearing down a machine.
 *
 * Boot reproduces what the reference guest's firmware and early kernel do:
 *   1. firmware layout: QEMU "pc" RAM below the 3G/PCI hole and above 4G
 *      (or one RAM range at ram_base on arm64), the e820 holes (page 0, the
 *      legacy 640K-1M area, the top 128K below the hole), NUMA nodes taking
 *      consecutive slices of RAM, the DIMM window after RAM;
 *   2. the memory block size rule (probe_memory_block_size on x86);
 *   3. the command line;
 *   4. memblock-style reservations: the boot memmap top-down on each node
 *      (nr_memmap_boot_pages), swiotlb, the kernel image, the first 1 MiB;
 *   5. zones from the DMA/DMA32/Normal limits, struct pages for every pfn of
 *      a present section (holes and reservations PageReserved), every free
 *      pfn handed to the buddy in max-order chunks;
 *   6. boot memory blocks (online) with their nodes and zones.
 *
 * A machine owns every resource it created: destroy releases them all.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "memblock.h"

static void add_ram(struct boot_layout *l, uint64_t start, uint64_t end, int nid)
{
	if (end > start && l->nr_ram < MAX_RANGES)
		l->ram[l->nr_ram++] = (struct range){ .start = start, .end = end, .nid = nid };
}

/*
 * QEMU RAM offsets [off, off+len) -> physical ranges of node nid.  The pc
 * machine puts offsets below `lowmem` at the same address, the rest at 4G.
 */
static void add_ram_offsets(struct memhp_machine *m, struct boot_layout *l, uint64_t off,
			    uint64_t len, uint64_t lowmem, int nid)
{
	uint64_t end = off + len;

	if (!m->arch->pc_layout) {
		if (!off && m->arch->fw_nomap_size) {
			add_ram(l, m->arch->fw_nomap_start, m->arch->fw_nomap_start + m->arch->fw_nomap_size, nid);
			l->ram[l->nr_ram - 1].nomap = true;
		}
		add_ram(l, m->arch->ram_base + off, m->arch->ram_base + end, nid);
		return;
	}
	if (off < lowmem) {
		uint64_t e = MIN(end, lowmem);

		/* e820: page 0, 0x9fc00-0xfffff and the top 128K are not RAM */
		if (off < 0x9fc00)
			add_ram(l, MAX(off, 0x1000ULL), MIN(e, 0x9fc00ULL), nid);
		if (e > 0x100000)
			add_ram(l, MAX(off, 0x100000ULL), e == lowmem ? l->lowmem_ram_end : e, nid);
	}
	if (end > lowmem)
		add_ram(l, m->above_4g_start + MAX(off, lowmem) - lowmem, m->above_4g_start + end - lowmem, nid);
}

static uint64_t pc_lowmem(uint64_t mem)
{
	/* hw/i386/pc_piix.c: with >= 3.5G of RAM only 3G stay below 4G */
	return mem >= 0xe0000000ULL ? 0xc0000000ULL : mem;
}

/*
 * Where the initramfs lies when the kernel reserves it (early_reserve_initrd,
 * before any memblock allocation): QEMU's linuxboot loads it page-aligned
 * just below the top of the RAM under 4 GiB - the e820 RAM's end, or with
 * NVDIMMs 64 KiB under the 128K of firmware tables (the recorded guests'
 * "RAMDISK:" lines: ...85000-...dffff for the 1388K set, ...3e000-...cffff
 * for the nfit one), and refuses to start when it does not fit above the
 * first MiB ("initrd is too large").  The kernel keeps it reserved until free_initrd_mem
 * after the initcalls, so the early allocations pack below it.  memhp
 * reserves it for those (x86_early_allocations) and frees it at their
 * end, uncounted by the watermarks (boot_late_frees): the coldplugged
 * DIMMs' allocations, which the kernel makes while it is still reserved,
 * may take its pages here.
 */
static void layout_initrd(struct memhp_machine *m, const struct memhp_config *cfg, struct boot_layout *l)
{
	uint64_t bytes = cfg->initrd_size ? cfg->initrd_size : m->arch->initrd_default_bytes;
	uint64_t end = !cfg->nr_nvdimm ? l->lowmem_ram_end : l->lowmem > 0x30000 ? l->lowmem - 0x30000 : 0;

	l->initrd.start = l->initrd.end = 0;
	l->initrd_room = end > 0x100000 ? end - 0x100000 : 0;
	l->initrd_too_large = false;
	if (cfg->initrd_size == MEMHP_NO_INITRD || !m->arch->pc_layout)
		return;
	bytes = ALIGN_UP(bytes, m->page_size);
	/* x86_load_linux: "initrd is too large" stops QEMU before the guest runs */
	if (bytes > l->initrd_room) {
		l->initrd_too_large = true;
		return;
	}
	l->initrd.start = ALIGN_DOWN(end - bytes, m->page_size);
	l->initrd.end = end;
}

static void layout_ram(struct memhp_machine *m, const struct memhp_config *cfg, struct boot_layout *l)
{
	uint64_t lowmem = pc_lowmem(cfg->mem), off = 0;

	/*
	 * e820: SeaBIOS reserves the top 128K below the hole for its tables,
	 * and with NVDIMMs one page more: the buffer QEMU's NVDIMM _DSM
	 * methods exchange data through ("etc/acpi/nvdimm-mem", allocated in
	 * the BIOS's high zone by the table loader)
	 */
	l->lowmem = lowmem;
	l->lowmem_ram_end = lowmem > 0x21000 ? lowmem - 0x20000 - (cfg->nr_nvdimm ? 0x1000 : 0) : 0;
	layout_initrd(m, cfg, l);

	for (unsigned int nid = 0; nid < m->nr_nodes; nid++) {
		uint64_t len;

		if (cfg->explicit_node_mem)
			len = cfg->node_mem[nid];
		else
			len = nid + 1 < m->nr_nodes ? ALIGN_DOWN(cfg->mem / m->nr_nodes, 1ULL << 23)
						    : cfg->mem - off;
		add_ram_offsets(m, l, off, len, lowmem, (int)nid);
		off += len;
	}
}

/*
 * e820__range_add + e820__update_table for memmap=nn!ss and friends: the
 * user's entry has the higher type, so it wins where it overlaps RAM.
 */
static void carve_e820_user(struct memhp_machine *m, struct boot_layout *l)
{
	for (unsigned int u = 0; u < m->params.nr_e820_user; u++) {
		uint64_t us = m->params.e820_user[u].start;
		uint64_t ue = us + m->params.e820_user[u].size;

		for (size_t i = 0; i < l->nr_ram; i++) {
			struct range *r = &l->ram[i];

			if (ue <= r->start || us >= r->end)
				continue;
			m->params.e820_user[u].nid = r->nid;
			if (us > r->start && ue < r->end) {
				/* split: the tail becomes a range of its own */
				add_ram(l, ue, r->end, r->nid);
				r->end = us;
			} else if (us > r->start) {
				r->end = us;
			} else {
				r->start = MIN(ue, r->end);
			}
		}
	}
	/* drop emptied ranges, keep the rest sorted by address */
	for (size_t i = 0; i < l->nr_ram;) {
		if (l->ram[i].start >= l->ram[i].end) {
			memmove(&l->ram[i], &l->ram[i + 1], (l->nr_ram - i - 1) * sizeof(l->ram[0]));
			l->nr_ram--;
			continue;
		}
		for (size_t j = i; j > 0 && l->ram[j].start < l->ram[j - 1].start; j--) {
			struct range t = l->ram[j];

			l->ram[j] = l->ram[j - 1];
			l->ram[j - 1] = t;
		}
		i++;
	}
}

/* [s, e) of a RAM range made nomap: the range split around it, kept sorted */
static void carve_nomap(struct boot_layout *l, uint64_t s, uint64_t e)
{
	for (size_t i = 0; i < l->nr_ram; i++) {
		struct range r = l->ram[i];

		const struct range pieces[3] = {
			{ .start = r.start, .end = s, .nid = r.nid },
			{ .start = s, .end = e, .nid = r.nid, .nomap = true },
			{ .start = e, .end = r.end, .nid = r.nid },
		};
		size_t n = 0;

		if (r.nomap || s < r.start || e > r.end || s >= e)
			continue;
		/* the range becomes its non-empty pieces, in place */
		for (size_t k = 0; k < 3; k++)
			n += pieces[k].end > pieces[k].start;
		if (l->nr_ram - 1 + n > MAX_RANGES)
			return;
		memmove(&l->ram[i + n], &l->ram[i + 1], (l->nr_ram - i - 1) * sizeof(l->ram[0]));
		l->nr_ram += n - 1;
		for (size_t k = 0; k < 3; k++)
			if (pieces[k].end > pieces[k].start)
				l->ram[i++] = pieces[k];
		return;
	}
}

/*
 * UEFI (the arm64 guests): EDK2 keeps its runtime regions in the first
 * memory node's RAM, at the same distance below its top whatever the
 * RAM, and the kernel maps them nomap - present pages, "reserved" in
 * /proc/iomem between the System RAM lines.  With an NVDIMM its ACPI
 * memory for QEMU's _DSM buffer is one more, as high below 4 GiB as it
 * goes: just under 4 GiB when RAM reaches past it.
 */
static void carve_firmware_holes(struct memhp_machine *m, const struct memhp_config *cfg, struct boot_layout *l)
{
	const struct arch_profile *a = m->arch;
	uint64_t top = a->ram_base + m->fw_node0_bytes;

	if (a->pc_layout || !m->fw_node0_bytes)
		return;
	l->node0_top = top;
	for (size_t h = 0; h < ARRAY_SIZE(a->fw_top_holes) && a->fw_top_holes[h].size; h++)
		if (top >= a->ram_base + a->fw_top_holes[h].below)
			carve_nomap(l, top - a->fw_top_holes[h].below,
				    top - a->fw_top_holes[h].below + a->fw_top_holes[h].size);
	if (cfg->nr_nvdimm && a->fw_nvdimm_bytes) {
		uint64_t end = top > (4ULL << 30) ? 4ULL << 30 : top - a->fw_nvdimm_below + a->fw_nvdimm_bytes;

		if (end - a->fw_nvdimm_bytes >= a->ram_base)
			carve_nomap(l, end - a->fw_nvdimm_bytes, end);
	}
}

/* the firmware's e820 RAM as the command line leaves it */
static void layout_boot_ram(struct memhp_machine *m, const struct memhp_config *cfg, struct boot_layout *l)
{
	layout_ram(m, cfg, l);
	carve_e820_user(m, l);
	carve_firmware_holes(m, cfg, l);
}

static bool pfn_is_ram(struct memhp_machine *m, const struct boot_layout *l, unsigned long pfn,
		       int *nid)
{
	uint64_t a = PFN_PHYS_M(m, pfn);

	for (size_t i = 0; i < l->nr_ram; i++) {
		/* whole pages only, as memblock counts them */
		if (a >= ALIGN_UP(l->ram[i].start, m->page_size) &&
		    a + m->page_size <= ALIGN_DOWN(l->ram[i].end, m->page_size)) {
			if (nid)
				*nid = l->ram[i].nid;
			return true;
		}
	}
	return false;
}

static bool pfn_is_reserved(struct memhp_machine *m, const struct boot_layout *l, unsigned long pfn)
{
	uint64_t a = PFN_PHYS_M(m, pfn);

	return memblock_is_reserved(l, a, a + m->page_size);
}

static int zone_of_phys(struct memhp_machine *m, uint64_t a)
{
	if (a < m->arch->zone_dma_end)
		return ZONE_DMA;
	if (a < m->arch->zone_dma32_end)
		return ZONE_DMA32;
	return ZONE_NORMAL;
}

static void build_iomem(struct memhp_machine *m, const struct boot_layout *l)
{
	struct resource *root = &m->iomem;
	unsigned long ram = IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY;

	if (m->arch->pc_layout) {
		uint64_t lowmem_end = l->lowmem_ram_end;

		resource_request(root, 0, 0x1000, "Reserved", IORESOURCE_MEM | IORESOURCE_BUSY);
		resource_request(root, 0x9fc00, 0x400, "Reserved", IORESOURCE_MEM | IORESOURCE_BUSY);
		resource_request(root, 0xa0000, 0x20000, "PCI Bus 0000:00", IORESOURCE_MEM);
		resource_request(root, 0xc0000, 0x600, "Video ROM", IORESOURCE_MEM);
		resource_request(root, 0xf0000, 0x10000, "Reserved", IORESOURCE_MEM);
		resource_request(root, 0xf0000, 0x10000, "System ROM", IORESOURCE_MEM | IORESOURCE_BUSY);
		resource_request(root, lowmem_end, l->lowmem - lowmem_end, "Reserved", IORESOURCE_MEM | IORESOURCE_BUSY);
		resource_request(root, l->lowmem, 0xfec00000ULL - l->lowmem,
				 "PCI Bus 0000:00", IORESOURCE_MEM);
		resource_request(root, 0xfec00000ULL, 0x400, "IOAPIC 0", IORESOURCE_MEM | IORESOURCE_BUSY);
		resource_request(root, 0xfed00000ULL, 0x400, "HPET 0", IORESOURCE_MEM | IORESOURCE_BUSY);
		resource_request(root, 0xfffc0000ULL, 0x40000, "Reserved", IORESOURCE_MEM | IORESOURCE_BUSY);
		resource_request(root, m->hotplug_base + m->hotplug_size, 2ULL << 30,
				 "PCI Bus 0000:00", IORESOURCE_MEM);
		if (m->max_phys >= (1ULL << 40))
			resource_request(root, 0xfd00000000ULL, 0x300000000ULL, "Reserved",
					 IORESOURCE_MEM | IORESOURCE_BUSY);
	}
	/* adjacent e820 RAM ranges of different nodes are one resource */
	for (size_t i = 0; i < l->nr_ram;) {
		uint64_t s = l->ram[i].start, e = l->ram[i].end;

		if (l->ram[i++].nomap) {
			resource_request(root, s, e - s, "reserved", IORESOURCE_MEM | IORESOURCE_BUSY);
			continue;
		}
		for (; i < l->nr_ram && l->ram[i].start == e && !l->ram[i].nomap; i++)
			e = l->ram[i].end;
		resource_request(root, s, e - s, "System RAM", ram);
	}
	/* e820_type_to_string; only ACPI data is marked busy (do_mark_busy) */
	for (unsigned int u = 0; u < m->params.nr_e820_user; u++) {
		const struct e820_user *e = &m->params.e820_user[u];

		resource_request(root, e->start, e->size,
				 e->type == E820_USER_PRAM ? "Persistent Memory (legacy)"
				 : e->type == E820_USER_ACPI ? "ACPI Tables"
				 : e->type == E820_USER_SOFT_RESERVED ? "Soft Reserved" : "Reserved",
				 IORESOURCE_MEM | (e->type == E820_USER_ACPI ? IORESOURCE_BUSY : 0));
	}
}

/* the pfn bounds [low, high) of a boot zone */
static void zone_bounds(struct memhp_machine *m, int z, unsigned long *low, unsigned long *high)
{
	*low = z == ZONE_DMA ? 0 : z == ZONE_DMA32 ? PHYS_PFN_M(m, m->arch->zone_dma_end)
					       : PHYS_PFN_M(m, m->arch->zone_dma32_end);
	*high = z == ZONE_DMA ? PHYS_PFN_M(m, m->arch->zone_dma_end)
		: z == ZONE_DMA32 ? PHYS_PFN_M(m, m->arch->zone_dma32_end) : ~0UL;
}

/*
 * calculate_node_totalpages: a node spans from its first to its last RAM
 * pfn, holes included, and each zone spans the node's span clamped to the
 * zone's bounds (so DMA32 reaches 4G when the node goes beyond it, even
 * with the PCI hole below); present pages are the RAM inside the zone.
 */
static void boot_zone_spans(struct memhp_machine *m, const struct boot_layout *l)
{
	for (unsigned int nid = 0; nid < m->nr_nodes; nid++) {
		struct pglist_data *pgdat = &m->nodes[nid];
		unsigned long start = ~0UL, end = 0;

		for (size_t i = 0; i < l->nr_ram; i++) {
			if (l->ram[i].nid != (int)nid)
				continue;
			start = MIN(start, PFN_UP_M(m, l->ram[i].start));
			end = MAX(end, PHYS_PFN_M(m, l->ram[i].end));
		}
		if (!end)
			continue;
		for (int z = ZONE_DMA; z <= ZONE_NORMAL; z++) {
			struct zone *zone = &pgdat->node_zones[z];
			unsigned long low, high;

			zone_bounds(m, z, &low, &high);
			if (end <= low || start >= high)
				continue;
			zone->zone_start_pfn = MAX(start, low);
			zone->spanned_pages = MIN(end, high) - zone->zone_start_pfn;
			for (size_t i = 0; i < l->nr_ram; i++) {
				unsigned long s = MAX(PFN_UP_M(m, l->ram[i].start), low);
				unsigned long e = MIN(PHYS_PFN_M(m, l->ram[i].end), high);

				if (l->ram[i].nid == (int)nid && e > s)
					zone->present_pages += e - s;
			}
			zone->present_early_pages = zone->present_pages;
			pgdat->node_present_pages += zone->present_pages;
		}
		pgdat->node_start_pfn = start;
		pgdat->node_spanned_pages = end - start;
	}
}

/* struct pages of a boot section's non-RAM range, as boot_init_pages leaves them */
void boot_hole_pages_init(struct memhp_machine *m, unsigned long pfn, unsigned long nr, int nid)
{
	for (unsigned long p = pfn; p < pfn + nr; p++) {
		init_single_page(m, p, zone_of_phys(m, PFN_PHYS_M(m, p)), nid);
		page_flags_set(pfn_to_page(m, p), PG_reserved | PG_hole);
		if (pageblock_aligned(m, p))
			set_pageblock_migratetype(m, p, MIGRATE_MOVABLE);
	}
}

/* memmap_init + memblock_free_all */
static void boot_init_pages(struct memhp_machine *m, const struct boot_layout *l)
{
	for (unsigned long nr = 0; nr < m->nr_sections; nr++) {
		struct mem_section *ms = &m->sections[nr];
		unsigned long start = section_nr_to_pfn(m, nr), pfn;

		if (!(ms->flags & SECTION_MARKED_PRESENT))
			continue;
		for (pfn = start; pfn < start + m->pages_per_section; pfn++) {
			int nid = ms->nid;
			bool ram = pfn_is_ram(m, l, pfn, &nid);

			init_single_page(m, pfn, zone_of_phys(m, PFN_PHYS_M(m, pfn)), nid);
			if (pageblock_aligned(m, pfn))
				set_pageblock_migratetype(m, pfn, MIGRATE_MOVABLE);
			if (!ram)
				page_flags_set(pfn_to_page(m, pfn), PG_reserved | PG_hole);
			else if (pfn_is_reserved(m, l, pfn))
				page_flags_set(pfn_to_page(m, pfn), PG_reserved);
		}
		ms->flags |= SECTION_IS_ONLINE;
	}
	/* free every run of unreserved RAM in max-order-aligned chunks */
	for (unsigned long nr = 0; nr < m->nr_sections; nr++) {
		unsigned long start = section_nr_to_pfn(m, nr), pfn = start;

		if (!(m->sections[nr].flags & SECTION_MARKED_PRESENT))
			continue;
		while (pfn < start + m->pages_per_section) {
			unsigned int order = m->arch->max_order;

			if (pfn_to_page(m, pfn)->flags & PG_reserved) {
				pfn++;
				continue;
			}
			while (order && (pfn & ((1UL << order) - 1)))
				order--;
			for (;;) {
				bool ok = true;

				for (unsigned long q = pfn; q < pfn + (1UL << order); q++) {
					if (pfn_to_page(m, q)->flags & PG_reserved) {
						ok = false;
						break;
					}
				}
				if (ok || !order)
					break;
				order--;
			}
			generic_online_page(m, pfn, order);
			pfn += 1UL << order;
		}
	}
}

static void boot_memory_blocks(struct memhp_machine *m, const struct boot_layout *l)
{
	for (unsigned long id = 0; id < m->nr_block_ids; id++) {
		unsigned long first = id * m->sections_per_block;
		bool present = false;

		for (unsigned long s = first; s < first + m->sections_per_block && s < m->nr_sections; s++)
			present |= !!(m->sections[s].flags & SECTION_MARKED_PRESENT);
		if (!present)
			continue;
		if (add_boot_memory_block(m, id))
			continue;
		/* register_mem_block_under_node_early: every node with a pfn in it */
		for (unsigned int nid = 0; nid < m->nr_nodes; nid++) {
			unsigned long s = section_nr_to_pfn(m, first);

			for (unsigned long pfn = s; pfn < s + m->pages_per_block; pfn += 1) {
				int pnid;

				if (pfn_is_ram(m, l, pfn, &pnid) && pnid == (int)nid) {
					memory_block_set_nid(m, m->blocks[id], (int)nid, true);
					break;
				}
			}
		}
	}
}

static void boot_node_states(struct memhp_machine *m)
{
	for (unsigned int nid = 0; nid < m->nr_nodes; nid++) {
		struct pglist_data *pgdat = &m->nodes[nid];

		m->node_masks[N_POSSIBLE] |= 1u << nid;
		for (int z = 0; z < ZONE_MOVABLE; z++)
			if (populated_zone(&pgdat->node_zones[z]))
				m->node_masks[N_NORMAL_MEMORY] |= 1u << nid;
		if (pgdat->node_present_pages)
			m->node_masks[N_MEMORY] |= 1u << nid;
		if (pgdat->node_present_pages || nid == 0) {
			m->node_masks[N_ONLINE] |= 1u << nid;
			pgdat->registered = true;
			/* node_dev_init runs after memory_dev_init: the blocks' adds came first */
			kobject_uevent(m->uevents, "add", "node", "/devices/system/node/node%d", nid);
		}
	}
	m->node_masks[N_CPU] = 1u;	/* the one CPU is on node 0 */
}

/*
 * How many entries e820_table_firmware (what the firmware passed) and the
 * kernel's e820_table (page 0 split off by trim_bios_range, memmap=
 * entries carved out of RAM) have: e820__reserve_resources and
 * firmware_map_add_early allocate one entry each.
 */
static void count_e820_entries(struct memhp_machine *m, const struct memhp_config *cfg,
			       struct boot_layout *l)
{
	/* 640K-1M's two, the top 128K below the hole, the BIOS at 4G-256K */
	size_t reserved = 4 + (m->max_phys >= (1ULL << 40));	/* + AMD's HyperTransport hole */
	size_t runs = 0;

	if (!m->arch->pc_layout)
		return;
	for (size_t i = 0; i < l->nr_ram; i++)
		if (!i || l->ram[i].start != l->ram[i - 1].end)
			runs++;
	l->nr_firmware_e820 = 2 + (cfg->mem > pc_lowmem(cfg->mem)) + reserved;
	l->nr_kernel_e820 = runs + reserved + 1 + m->params.nr_e820_user;
}

/*
 * The decompressor puts the image in RAM at a CONFIG_PHYSICAL_ALIGN (2 MiB)
 * boundary: 16 MiB unless KASLR chose another (find_random_phys_addr).
 */
static bool kernel_image_fits(const struct boot_layout *l, uint64_t base, uint64_t size)
{
	if (base & ((2ULL << 20) - 1))
		return false;
	for (size_t i = 0; i < l->nr_ram; i++) {
		uint64_t end = l->ram[i].end;

		/* adjacent ranges of other nodes are one e820 entry */
		for (size_t j = i + 1; j < l->nr_ram && l->ram[j].start == end; j++)
			end = l->ram[j].end;
		if (base >= l->ram[i].start && base + size <= end)
			return true;
	}
	return false;
}

/*
 * What memblock holds when memblock_free_all hands the rest to the buddy:
 * on x86 the first 1 MiB, the kernel image and every early allocation; on
 * arm64 the firmware's nomap memory and the early allocations
 * (memblock.c).
 */
static int boot_reservations(struct memhp_machine *m, const struct memhp_config *cfg,
			     struct boot_layout *l)
{
	if (m->arch->pc_layout) {
		uint64_t image = cfg->kernel_image_base ? cfg->kernel_image_base : 16ULL << 20;

		if (l->initrd_too_large) {
			mlog(m, "initramfs of %llu bytes: the RAM below 4G holds %llu above its first MiB "
				"(QEMU: initrd is too large)",
				(unsigned long long)(cfg->initrd_size ? cfg->initrd_size : m->arch->initrd_default_bytes),
				(unsigned long long)l->initrd_room);
			return -EINVAL;
		}
		if (!kernel_image_fits(l, image, m->arch->kernel_reserved_bytes)) {
			mlog(m, "kernel image at %#llx: not 2 MiB aligned inside boot RAM",
				(unsigned long long)image);
			return -EINVAL;
		}
		/*
		 * KASLR never places it over the initramfs (mem_avoid); an
		 * image there would lose its reservation when the initramfs's
		 * is freed.
		 */
		if (image < l->initrd.end && l->initrd.start < image + m->arch->kernel_reserved_bytes) {
			mlog(m, "kernel image at %#llx: overlaps the initramfs [%#llx-%#llx]",
				(unsigned long long)image, (unsigned long long)l->initrd.start,
				(unsigned long long)l->initrd.end - 1);
			return -EINVAL;
		}
		memblock_reserve(l, 0, 1ULL << 20);
		memblock_reserve(l, image, image + m->arch->kernel_reserved_bytes);
		l->image_base = image;
		return x86_early_allocations(m, cfg, l, image);
	}
	/* nomap firmware memory: in memblock.memory, never allocated or freed */
	for (size_t i = 0; i < l->nr_ram; i++)
		if (l->ram[i].nomap)
			memblock_reserve(l, l->ram[i].start, l->ram[i].end);
	return arm64_early_allocations(m, cfg, l);
}

/*
 * Pages the boot frees only after the initcalls - after
 * init_per_zone_wmark_min has set the watermarks and lowmem reserves from
 * the zones' managed pages: the kernel image's init sections, and the
 * initramfs, which QEMU loads at the top of RAM below 4 GiB less its ACPI
 * tables (x86_load_linux) and populate_rootfs frees once unpacked.  The
 * counts the boot derives from managed pages leave them out; the pages
 * themselves are free in the final state memhp builds.
 */
static void boot_late_frees(struct memhp_machine *m, const struct memhp_config *cfg, const struct boot_layout *l)
{
	uint64_t initrd = cfg->initrd_size ? cfg->initrd_size : m->arch->initrd_default_bytes;

	/* credited where free_reserved_area credits them: the pages' zone */
	page_zone(m, PHYS_PFN_M(m, l->image_base))->late_freed += m->arch->late_freed_image_bytes / m->page_size;
	/* free_reserved_area: each whole page to its own zone (a node may end inside) */
	if (l->initrd.end > l->initrd.start)
		for (unsigned long pfn = PHYS_PFN_M(m, l->initrd.start), i = 0; i < initrd / m->page_size; i++)
			page_zone(m, pfn + i)->late_freed++;
}

static int boot(struct memhp_machine *m, const struct memhp_config *cfg)
{
	struct boot_layout *l = calloc(1, sizeof(*l));
	int ret;

	if (!l)
		return -ENOMEM;
	layout_boot_ram(m, cfg, l);
	for (size_t i = 0; i < l->nr_ram; i++)
		m->boot_mem_end = MAX(m->boot_mem_end, ALIGN_DOWN(l->ram[i].end, m->page_size));
	ret = -ENOMEM;
	if (!l->nr_ram)
		goto out;
	ret = physmem_reserve(m);
	if (ret)
		goto out;
	{
		struct physdev *d;
		uint64_t base = m->arch->pc_layout ? 0 : m->arch->ram_base;

		ret = physdev_create(m, "boot-ram", base, m->boot_mem_end - base, -1, &d);
		if (ret)
			goto out;
	}
	for (size_t i = 0; i < l->nr_ram; i++) {
		uint64_t s = ALIGN_DOWN(l->ram[i].start, m->page_size);
		uint64_t e = ALIGN_UP(l->ram[i].end, m->page_size);

		if (l->ram[i].nomap)
			continue;	/* not in the linear map */
		ret = direct_map_add(m, s, e - s);
		if (ret)
			goto out;
	}
	build_iomem(m, l);
	count_e820_entries(m, cfg, l);
	ret = boot_reservations(m, cfg, l);
	if (ret)
		goto out;
	boot_zone_spans(m, l);
	boot_init_pages(m, l);
	m->max_pfn = PHYS_PFN_M(m, m->boot_mem_end);
	boot_memory_blocks(m, l);
	boot_node_states(m);
	/* mm_core_init's build, before the CPUs are in their nodes' masks */
	build_all_zonelists(m, -1, true);
	boot_late_frees(m, cfg, l);
	m->initcalls = true;	/* until memhp_machine_create returns */
	setup_per_zone_wmarks(m);
	ret = 0;
out:
	boot_layout_release(l);
	free(l);
	return ret;
}

/*
 * The RAM of QEMU's first memory node, where the UEFI firmware lays
 * itself out - taken before srat_map_pxms may fold the nodes into one
 */
static uint64_t firmware_node0_bytes(const struct memhp_config *cfg)
{
	if (cfg->explicit_node_mem) {
		for (unsigned int i = 0; i < cfg->nr_nodes; i++)
			if (cfg->node_mem[i])
				return cfg->node_mem[i];
		return 0;
	}
	return cfg->nr_nodes > 1 ? ALIGN_DOWN(cfg->mem / cfg->nr_nodes, 1ULL << 23) : cfg->mem;
}

static int configure(struct memhp_machine *m, const struct memhp_config *in, struct memhp_config *cfg)
{
	*cfg = *in;
	m->arch = arch_profile_find(cfg->arch);
	if (!m->arch)
		return -EINVAL;
	if (!cfg->mem)
		cfg->mem = 1ULL << 30;
	if (!cfg->slots)
		cfg->slots = 8;
	if (!cfg->maxmem)
		cfg->maxmem = 16ULL << 30;
	if (!cfg->nr_nodes)
		cfg->nr_nodes = 1;
	if (cfg->nr_nodes > MEMHP_MAX_NODES || cfg->maxmem < cfg->mem)
		return -EINVAL;
	if (cfg->explicit_node_mem) {
		uint64_t sum = 0;

		for (unsigned int i = 0; i < cfg->nr_nodes; i++)
			sum += cfg->node_mem[i];
		cfg->mem = sum;
		if (!sum)
			return -EINVAL;
	}
	m->fw_node0_bytes = firmware_node0_bytes(cfg);
	srat_map_pxms(m, cfg);
	m->nr_cpus = cfg->nr_cpus && cfg->nr_cpus < PCP_SLOTS ? cfg->nr_cpus : PCP_SLOTS;
	m->nr_nodes = cfg->nr_nodes;
	m->slots = cfg->slots;
	m->page_size = 1ULL << m->arch->page_shift;
	m->pages_per_section = 1UL << (m->arch->section_size_bits - m->arch->page_shift);
	m->pageblock_nr_pages = 1UL << m->arch->pageblock_order;
	return 0;
}

#define AMD_HT_START		0xfd00000000ULL	/* QEMU's HyperTransport hole, 1012 GiB */
#define AMD_ABOVE_1TB_START	(1ULL << 40)
#define PCI_HOLE64_SIZE		(2ULL << 30)	/* i440fx's default 64-bit PCI window */

/* the device-memory region after RAM above start (pc_get_device_memory_range) */
static void place_window(struct memhp_machine *m, const struct memhp_config *cfg, uint64_t above_4g_start)
{
	uint64_t ram_top = m->arch->pc_layout
		? above_4g_start + cfg->mem - pc_lowmem(cfg->mem)
		: m->arch->ram_base + cfg->mem;

	m->hotplug_base = ALIGN_UP(ram_top, 1ULL << 30);
	m->hotplug_size = cfg->maxmem - cfg->mem + (uint64_t)cfg->slots * (1ULL << 30);
}

/*
 * QEMU's pc machine with an AMD CPU (TCG's "max" is one) never lets guest
 * memory cross the HyperTransport hole below 1 TiB: when the highest
 * address in use - the end of the 64-bit PCI window after the device
 * memory region - would reach it, RAM above 4G and thus the whole region
 * move to 1 TiB (pc_memory_init, enforce_amd_1tb_hole).  A large DIMM is
 * then placed above the hole instead of across it.
 */
static void layout_window(struct memhp_machine *m, const struct memhp_config *cfg)
{
	m->above_4g_start = 4ULL << 30;
	place_window(m, cfg, m->above_4g_start);
	if (!m->arch->pc_layout)
		return;
	if (ALIGN_UP(m->hotplug_base + m->hotplug_size, 1ULL << 30) + PCI_HOLE64_SIZE - 1 >= AMD_HT_START) {
		m->above_4g_start = AMD_ABOVE_1TB_START;
		place_window(m, cfg, m->above_4g_start);
	}
}

/*
 * DIMMs on QEMU's command line: QEMU places them in order before the guest
 * runs; the kernel meets them in its ACPI namespace scan (acpi_init, a
 * subsys_initcall: the buddy allocator is up, deferred struct pages are
 * initialised) and acpi_memory_device_add() adds and onlines each one as
 * it would a hot-added DIMM - so their memmap comes from the buddy
 * allocator (NR_MEMMAP, not boot memmap) unless memmap_on_memory puts it
 * on the DIMM.  A DIMM QEMU cannot place keeps the machine from starting.
 */
static int coldplug_dimms(struct memhp_machine *m, const struct memhp_config *cfg)
{
	int ret = 0;

	if (cfg->nr_coldplug && !cfg->coldplug)
		return -EINVAL;
	pthread_mutex_lock(&m->device_hotplug_lock);
	m->booting = true;
	for (unsigned int i = 0; i < cfg->nr_coldplug && !ret; i++) {
		const struct memhp_coldplug *c = &cfg->coldplug[i];

		ret = acpi_dimm_add(m, c->name, c->size, c->node, MEMHP_ADDR_AUTO, -1, NULL);
		if (ret)
			mlog(m, "coldplug %s: cannot place a DIMM of %llu bytes: %d",
			     c->name ? c->name : "(null)", (unsigned long long)c->size, ret);
	}
	m->booting = false;
	pthread_mutex_unlock(&m->device_hotplug_lock);
	return ret;
}

/* NVDIMMs on QEMU's command line, placed after the DIMMs (nd_init binds them) */
static int plug_nvdimms(struct memhp_machine *m, const struct memhp_config *cfg)
{
	if (cfg->nr_nvdimm && !cfg->nvdimm)
		return -EINVAL;
	for (unsigned int i = 0; i < cfg->nr_nvdimm; i++) {
		const struct memhp_coldplug *c = &cfg->nvdimm[i];
		int ret = acpi_nvdimm_plug(m, c->name, c->size, c->node);

		if (ret) {
			mlog(m, "nvdimm %s: cannot place a device of %llu bytes: %d",
			     c->name ? c->name : "(null)", (unsigned long long)c->size, ret);
			return ret;
		}
	}
	return 0;
}

/* every lock of the machine, as the kernel's static initialisers make them */
static void machine_locks_init(struct memhp_machine *m)
{
	pthread_mutex_init(&m->param_lock, NULL);
	pthread_mutex_init(&m->notifier_lock, NULL);
	pthread_mutex_init(&m->device_hotplug_lock, NULL);
	pthread_mutex_init(&m->span_lock, NULL);
	{
		/* like percpu_rwsem: a waiting writer stops new readers */
		pthread_rwlockattr_t a;

		pthread_rwlockattr_init(&a);
		pthread_rwlockattr_setkind_np(&a, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
		pthread_rwlock_init(&m->mem_hotplug_lock, &a);
		pthread_rwlockattr_destroy(&a);
	}
	pthread_rwlock_init(&m->blocks_lock, NULL);
	pthread_mutex_init(&m->resource_lock, NULL);
	pthread_cond_init(&m->pgmap_released, NULL);
	pthread_rwlock_init(&m->devices_lock, NULL);
	pthread_mutex_init(&m->dax_lock, NULL);
	pthread_mutex_init(&m->owners_lock, NULL);
}

/*
 * The geometry the command line and the boot RAM decide: the memory block
 * size (the x86 rule needs the end of boot RAM, so RAM is laid out first),
 * sections per block, the modelled physical space.
 */
static int machine_geometry(struct memhp_machine *m, const struct memhp_config *cfg)
{
	struct boot_layout *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	layout_boot_ram(m, cfg, l);
	for (size_t i = 0; i < l->nr_ram; i++)
		m->boot_mem_end = MAX(m->boot_mem_end, ALIGN_DOWN(l->ram[i].end, m->page_size));
	free(l);
	m->block_size = m->arch->block_rule == BLOCK_SIZE_X86 ? x86_probe_memory_block_size(m->boot_mem_end, cfg->bare_metal)
							      : 1ULL << m->arch->section_size_bits;
	if (m->arch->block_rule == BLOCK_SIZE_X86)
		mlog(m, "x86/mm: Memory block size: %lluMB", (unsigned long long)(m->block_size >> 20));
	m->sections_per_block = (unsigned long)(m->block_size >> m->arch->section_size_bits);
	m->pages_per_block = m->pages_per_section * m->sections_per_block;
	m->max_phys = cfg->max_phys ? cfg->max_phys : 1ULL << 40;
	m->max_phys = MAX(m->max_phys, ALIGN_UP(m->hotplug_base + m->hotplug_size + (4ULL << 30),
						 m->block_size));
	m->max_phys = ALIGN_UP(m->max_phys, m->block_size);
	m->max_pfn_limit = PHYS_PFN_M(m, m->max_phys);
	m->max_map_count = cfg->max_map_count;
	m->memmap_defer = !cfg->memmap_init_eager;
	m->nr_sections = (unsigned long)(m->max_phys >> m->arch->section_size_bits);
	m->nr_block_ids = (unsigned long)(m->max_phys / m->block_size);
	return 0;
}

/*
 * What the machine tells the world through, before it does anything to
 * tell: the kernel log (its first lines, as the kernel's), the uevents
 * (the last 1024: a listener further behind sees the gap) and the
 * backing directory's name.
 */
static int machine_channels_init(struct memhp_machine *m, const struct memhp_config *cfg)
{
	m->log = log_create();
	m->uevents = uevent_ring_create(1024);
	if (!m->log || !m->uevents)
		return -ENOMEM;
	if (cfg->backing_dir && !(m->backing_dir = strdup(cfg->backing_dir)))
		return -ENOMEM;
	mlog(m, "Linux version 6.12.0-memhp (libmemhp) #1 SMP");
	mlog(m, "Command line: %s", cfg->cmdline ? cfg->cmdline : "");
	return 0;
}

int memhp_machine_create(const struct memhp_config *in, struct memhp_machine **out)
{
	struct memhp_machine *m;
	struct memhp_config cfg;
	int ret;

	if (!in || !out)
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	machine_locks_init(m);
	m->uffd = -1;
	m->backing_mnt = -1;
	zones_init(m);
	ret = configure(m, in, &cfg);
	if (ret)
		goto fail;
	ret = machine_channels_init(m, &cfg);
	if (ret)
		goto fail;
	physmem_backing_init(m, in->huge_pages);
	if (m->numa_uncovered) {
		mlog(m, "NUMA: no nodes coverage for %lluMB of %lluMB RAM",
		     (unsigned long long)(m->numa_uncovered >> 20),
		     (unsigned long long)((cfg.mem + m->numa_uncovered) >> 20));
		mlog(m, "NUMA: Faking a node at [mem %#018llx-%#018llx]",
		     (unsigned long long)m->arch->fw_nomap_start,
		     (unsigned long long)(m->arch->ram_base + cfg.mem - 1));
	}
	wp_init(m, in->migration_mprotect);
	layout_window(m, &cfg);
	params_init_defaults(&m->params);
	/* mhp_default_online_type: CONFIG_MEMORY_HOTPLUG_DEFAULT_ONLINE or not */
	if (!m->arch->mhp_default_online)
		m->params.default_online_type = MEMHP_MMOP_OFFLINE;
	/* no ACPI memory driver: a DIMM is acknowledged (_OST), never added */
	if (!m->arch->acpi_hotplug_memory)
		m->params.acpi_no_memhotplug = true;
	m->kernel_alloc_pages = 32;
	slab_model_init(m);
	params_parse_cmdline(m, cfg.cmdline, true);
	ret = machine_geometry(m, &cfg);
	if (ret)
		goto fail;
	params_parse_cmdline(m, cfg.cmdline, false);

	ret = sparse_init(m);
	if (ret)
		goto fail;
	ret = pcp_init(m);
	if (ret)
		goto fail;
	ret = dax_init(m);
	if (ret)
		goto fail;
	ret = memory_blocks_init(m);
	if (ret)
		goto fail;
	m->boot_mem_end = 0;
	ret = boot(m, &cfg);
	if (ret)
		goto fail;
	ret = coldplug_dimms(m, &cfg);
	if (ret)
		goto fail;
	ret = plug_nvdimms(m, &cfg);
	if (ret)
		goto fail;
	/* nd_e820 + nd_pmem, as the modules load: legacy pmem namespaces */
	ret = nd_init(m);
	if (ret)
		goto fail;
	/* dax_hmem: a region per soft-reserved range, its device to kmem */
	ret = dax_hmem_init(m);
	if (ret)
		goto fail;
	/* cxl_acpi, cxl_port, cxl_mem over the configured topology */
	ret = cxl_init(m, cfg.cxl_topology);
	if (ret)
		goto fail;
	/* free_initmem, the initrd freed: the watermarks stay as they were */
	m->initcalls = false;
	m->magic = MEMHP_MACHINE_MAGIC;
	*out = m;
	return 0;
fail:
	memhp_machine_destroy(m);
	return ret;
}

void memhp_machine_destroy(struct memhp_machine *m)
{
	if (!m)
		return;
	m->magic = 0;	/* from here on no public function may be given it */
	regions_destroy(m);
	wp_exit(m);
	dax_destroy(m);
	cxl_destroy(m);
	nd_destroy(m);
	pgmaps_destroy(m);
	acpi_destroy(m);
	kernel_alloc_destroy(m);
	memory_blocks_destroy(m);
	sparse_destroy(m);
	pcp_destroy(m);
	physmem_unreserve(m);
	physmem_backing_exit(m);
	resource_free_tree(&m->iomem);
	notifiers_destroy(m);
	zones_destroy(m);
	log_destroy(m->log);
	uevent_ring_destroy(m->uevents);
	free(m->backing_dir);
	pthread_rwlock_destroy(&m->mem_hotplug_lock);
	pthread_rwlock_destroy(&m->blocks_lock);
	pthread_cond_destroy(&m->pgmap_released);
	pthread_mutex_destroy(&m->resource_lock);
	pthread_rwlock_destroy(&m->devices_lock);
	pthread_mutex_destroy(&m->dax_lock);
	pthread_mutex_destroy(&m->owners_lock);
	pthread_mutex_destroy(&m->span_lock);
	pthread_mutex_destroy(&m->device_hotplug_lock);
	pthread_mutex_destroy(&m->notifier_lock);
	pthread_mutex_destroy(&m->param_lock);
	free(m);
}
