// SPDX-License-Identifier: MIT
/*
 * kernel_alloc.c - the kernel's own allocations: unmovable ones in a fresh
 * ZONE_NORMAL, and the reclaimable slab of sysfs lookups (below).
 *
 * A real kernel keeps allocating: slab, page tables, per-cpu pages.  Those
 * allocations take the highest kernel zone of the CPU's node first
 * (GFP_KERNEL zonelist: Normal, then DMA32, then DMA), so the moment
 * online_pages() populates a node's empty ZONE_NORMAL - the kernel logs
 * "Built 1 zonelists" then - its next allocations land in the first free
 * pages of that memory, and stay.  That is why, in every reference run of
 * the oracle, the first block onlined into an empty ZONE_NORMAL could not
 * be offlined again (EBUSY, "unmovable page") and its DIMM could not be
 * removed, while later Normal blocks and all Movable blocks could
 * (README "noteworthy behaviour" 1; a1, a2, b1, c1, e1, f1, f2, x1).
 *
 * memhp models exactly that: when a Normal zone of a node with a CPU goes
 * from unpopulated to populated, kernel_alloc_pages order-0 unmovable pages
 * are allocated from it and kept for the life of the machine.  The amount
 * (default 32, about the slab and page-table pages the reference guest's
 * kpageflags showed in such a block) is the boot option
 * memhp.kernel_alloc_pages=; 0 turns the model off.
 *
 * The kernel itself does not always refuse: whether such a slab page is
 * still in the block when the offline looks depends on when SLUB and RCU
 * last freed, and the same scenario recorded again gives either answer
 * (tests/oracle/repeat: 3 of 4 runs of one removed the block, 1 of 4 of
 * another).  memhp gives the refusal, which most runs show.
 */
#include <stdlib.h>

#include "internal.h"

/* room in kernel_pfns for n more; false when the host has none */
static bool reserve(struct memhp_machine *m, size_t n)
{
	size_t cap = m->cap_kernel_pfns ? m->cap_kernel_pfns : 64;
	unsigned long *p;

	while (cap < m->nr_kernel_pfns + n)
		cap *= 2;
	if (cap == m->cap_kernel_pfns)
		return true;
	p = realloc(m->kernel_pfns, cap * sizeof(*p));
	if (!p)
		return false;
	m->kernel_pfns = p;
	m->cap_kernel_pfns = cap;
	return true;
}

static void remember(struct memhp_machine *m, unsigned long pfn)
{
	if (!reserve(m, 1)) {
		free_pages(m, pfn, 0);
		return;
	}
	m->kernel_pfns[m->nr_kernel_pfns++] = pfn;
}

/*
 * A node without a CPU gets none of this once the machine runs: nothing
 * allocates locally there.  During boot it does: every slab cache created
 * after the node has normal memory puts its kmem_cache_node and first slabs
 * on that node (init_kmem_cache_nodes), so a DIMM the ACPI driver added to
 * a CPU-less node during boot holds unmovable pages too (the kernel's
 * coldplug runs: "unmovable page" at the first free pfn of the DIMM).
 */
void kernel_alloc_settle(struct memhp_machine *m, struct zone *zone)
{
	int nid = zone->pgdat->node_id;

	if (zone->idx != ZONE_NORMAL || (!node_state(m, nid, N_CPU) && !m->booting))
		return;
	for (unsigned long i = 0; i < m->kernel_alloc_pages; i++) {
		/* from this zone only: it is now the head of the zonelist */
		long pfn = alloc_pages_zone(m, zone, 0, ALLOC_KERNEL, 0);

		if (pfn < 0)
			break;
		remember(m, (unsigned long)pfn);
	}
}

/*
 * The kernel's reclaimable caches.  A lookup of a sysfs entry nobody has
 * looked up yet allocates a dentry and an inode (kernfs_iop_lookup,
 * iget_locked): objects of the dentry and inode_cache slab caches, both
 * SLAB_RECLAIM_ACCOUNT.  SLUB serves them from its current slab, and takes
 * a new slab - 2^order GFP_KERNEL | __GFP_RECLAIMABLE pages from the
 * zonelist of the CPU's node - when that slab is full.  The slabs stay:
 * sysfs dentries are cached, and they pin their inodes.
 *
 * Such a page comes from the zone's Reclaimable pageblocks; a zone that
 * has none with a free page - a hot-added zone, never used for slab -
 * gets one by __rmqueue_fallback: the largest free chunk of the other
 * types, a max-order chunk at the head of its list, claimed whole as
 * Reclaimable, the slab taken from its low end.  That chunk's memory
 * block holds a slab page from then on, and its offline is refused.
 *
 * The boot zones already hold Reclaimable pageblocks with room: the
 * boot's own slab claimed them (the kernel's pagetypeinfo after boot),
 * while memhp's boot stands for its allocations by memblock's
 * reservations, not by pageblocks.  A slab the fast path would take from
 * a zone with boot memory is taken as coming from there: no page of
 * memhp's moves.
 *
 * The geometry is SLUB's calculate_order for the objects' sizes (struct
 * dentry 192 bytes, struct inode 608 on the reference builds: the x86
 * guest's SReclaimable grows by 1.6 pages per memory block its snapshot
 * first looks up, 8 entries each): the smallest order holding
 * 4 * (fls(nr_cpu_ids) + 1) objects that wastes at most a sixteenth of
 * the slab.  How much room the boot left in each cache's slabs no record
 * says, and the kernel's own runs differ: after a snapshot's first
 * lookups of one new x86 block (8 dentries, 8 inodes), a new slab came
 * in 19 of 33 recordings - as often as a uniformly random room in a slab
 * of 13 inodes would make it (8/13).  The model counts none of the boot's
 * room: each cache's first object takes a new slab.
 */
#define DENTRY_BYTES 192u
#define INODE_BYTES 608u
#define SLUB_MAX_ORDER 3u

static void slab_geometry(struct memhp_machine *m, struct slab_cache_model *c, unsigned int size)
{
	unsigned int min_objects = 4 * ((unsigned int)(32 - __builtin_clz(m->nr_cpus ? m->nr_cpus : 1)) + 1);
	uint64_t page = m->page_size;
	unsigned int order = 0;

	while (order < SLUB_MAX_ORDER && (page << order) < (uint64_t)min_objects * size)
		order++;
	while (order < SLUB_MAX_ORDER && (page << order) % size > (page << order) / 16)
		order++;
	c->order = order;
	c->objects = (unsigned int)((page << order) / size);
	c->free = 0;
}

void slab_model_init(struct memhp_machine *m)
{
	slab_geometry(m, &m->dentry_cache, DENTRY_BYTES);
	slab_geometry(m, &m->inode_cache, INODE_BYTES);
}

/* allocate_slab for one cache: 0, or -ENOMEM when no zone has the pages */
static int slab_new(struct memhp_machine *m, struct slab_cache_model *c, int nid)
{
	struct zone *zone = fast_path_zone(m, nid, ALLOC_RECLAIMABLE);
	long pfn;

	if (!zone || !zone->present_early_pages) {
		if (!reserve(m, 1UL << c->order))
			return -ENOMEM;
		pfn = __alloc_pages(m, nid, -1, ALLOC_RECLAIMABLE, c->order);
		if (pfn < 0)
			return -ENOMEM;
		if (c->order)
			split_page(m, (unsigned long)pfn, c->order);
		for (unsigned long i = 0; i < (1UL << c->order); i++)
			m->kernel_pfns[m->nr_kernel_pfns++] = (unsigned long)pfn + i;
	}
	c->free = c->objects;
	return 0;
}

static int slab_alloc_object(struct memhp_machine *m, struct slab_cache_model *c, int nid)
{
	if (!c->free) {
		int err = slab_new(m, c, nid);

		if (err)
			return err;
	}
	c->free--;
	return 0;
}

/* nr new sysfs entries looked up by a task on node nid: a dentry, then an inode, each */
int slab_lookup_entries(struct memhp_machine *m, int nid, unsigned int nr)
{
	for (unsigned int i = 0; i < nr; i++) {
		int err = slab_alloc_object(m, &m->dentry_cache, nid);

		if (!err)
			err = slab_alloc_object(m, &m->inode_cache, nid);
		if (err)
			return err;
	}
	return 0;
}

void kernel_alloc_destroy(struct memhp_machine *m)
{
	free(m->kernel_pfns);
	m->kernel_pfns = NULL;
	m->nr_kernel_pfns = m->cap_kernel_pfns = 0;
}
