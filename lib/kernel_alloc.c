// SPDX-License-Identifier: MIT
/*
 * kernel_alloc.c - the kernel's own unmovable allocations.
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

static void remember(struct memhp_machine *m, unsigned long pfn)
{
	if (m->nr_kernel_pfns == m->cap_kernel_pfns) {
		size_t cap = m->cap_kernel_pfns ? m->cap_kernel_pfns * 2 : 64;
		unsigned long *n = realloc(m->kernel_pfns, cap * sizeof(*n));

		if (!n) {
			free_pages(m, pfn, 0);
			return;
		}
		m->kernel_pfns = n;
		m->cap_kernel_pfns = cap;
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

void kernel_alloc_destroy(struct memhp_machine *m)
{
	free(m->kernel_pfns);
	m->kernel_pfns = NULL;
	m->nr_kernel_pfns = m->cap_kernel_pfns = 0;
}
