// SPDX-License-Identifier: MIT
/*
 * procfs.c - /proc/meminfo, /proc/zoneinfo, /proc/vmstat, /proc/buddyinfo,
 * /proc/pagetypeinfo, /proc/iomem and nodeN/meminfo, in the kernel's formats
 * (fs/proc/meminfo.c, mm/vmstat.c, drivers/base/node.c).
 *
 * Only what memhp models carries a value (totals, free pages, zone counts,
 * watermarks, memmap pages); the other fields are printed as 0 so that
 * parsers of the real files work unchanged.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static void kb_line(struct sbuf *s, const char *name, unsigned long kb)
{
	char label[32];

	snprintf(label, sizeof(label), "%s:", name);
	sbuf_printf(s, "%-16s%8lu kB\n", label, kb);
}

static void proc_meminfo(struct memhp_machine *m, struct sbuf *s)
{
	static const char *const zero_fields[] = {
		"Buffers", "Cached", "SwapCached", "Active", "Inactive", "Active(anon)",
		"Inactive(anon)", "Active(file)", "Inactive(file)", "Unevictable", "Mlocked",
		"SwapTotal", "SwapFree", "Zswap", "Zswapped", "Dirty", "Writeback", "AnonPages",
		"Mapped", "Shmem", "KReclaimable", "Slab", "SReclaimable", "SUnreclaim",
		"KernelStack", "PageTables", "SecPageTables", "NFS_Unstable", "Bounce",
		"WritebackTmp",
	};
	unsigned long kb = m->page_size >> 10;
	unsigned long total = (unsigned long)atomic_load(&m->totalram_pages);
	unsigned long free = 0, reserve;

	for (unsigned int nid = 0; nid < m->nr_nodes; nid++)
		for (int z = 0; z < MAX_NR_ZONES; z++)
			free += (unsigned long)atomic_load(&m->nodes[nid].node_zones[z].nr_free_pages);
	pthread_mutex_lock(&m->span_lock);
	reserve = totalreserve_pages(m);
	pthread_mutex_unlock(&m->span_lock);
	kb_line(s, "MemTotal", total * kb);
	kb_line(s, "MemFree", free * kb);
	kb_line(s, "MemAvailable", (free > reserve ? free - reserve : 0) * kb);
	for (size_t i = 0; i < ARRAY_SIZE(zero_fields); i++)
		kb_line(s, zero_fields[i], 0);
	kb_line(s, "CommitLimit", total * kb / 2);
	kb_line(s, "Committed_AS", 0);
	kb_line(s, "VmallocTotal", 34359738367UL);
	kb_line(s, "VmallocUsed", 0);
	kb_line(s, "VmallocChunk", 0);
	kb_line(s, "Percpu", 0);
	kb_line(s, "HardwareCorrupted", 0);
	kb_line(s, "AnonHugePages", 0);
	kb_line(s, "ShmemHugePages", 0);
	kb_line(s, "ShmemPmdMapped", 0);
	kb_line(s, "FileHugePages", 0);
	kb_line(s, "FilePmdMapped", 0);
	kb_line(s, "Unaccepted", 0);
	sbuf_printf(s, "HugePages_Total:   %5d\nHugePages_Free:    %5d\n", 0, 0);
	sbuf_printf(s, "HugePages_Rsvd:    %5d\nHugePages_Surp:    %5d\n", 0, 0);
	kb_line(s, "Hugepagesize", (1UL << m->arch->pmd_shift) >> 10);
	kb_line(s, "Hugetlb", 0);
	kb_line(s, "DirectMap4k", 0);
	kb_line(s, "DirectMap2M", 0);
	kb_line(s, "DirectMap1G", 0);
}

void node_meminfo(struct memhp_machine *m, int nid, struct sbuf *s)
{
	unsigned long kb = m->page_size >> 10, total = 0, free = 0;

	for (int z = 0; z < MAX_NR_ZONES; z++) {
		total += (unsigned long)atomic_load(&m->nodes[nid].node_zones[z].managed_pages);
		free += (unsigned long)atomic_load(&m->nodes[nid].node_zones[z].nr_free_pages);
	}
	sbuf_printf(s, "Node %d MemTotal:       %8lu kB\n", nid, total * kb);
	sbuf_printf(s, "Node %d MemFree:        %8lu kB\n", nid, free * kb);
	sbuf_printf(s, "Node %d MemUsed:        %8lu kB\n", nid, (total - free) * kb);
}

static void proc_zoneinfo(struct memhp_machine *m, struct sbuf *s)
{
	pthread_mutex_lock(&m->span_lock);
	for (unsigned int nid = 0; nid < m->nr_nodes; nid++) {
		if (!(m->node_masks[N_ONLINE] & (1u << nid)))
			continue;
		for (int z = 0; z < MAX_NR_ZONES; z++) {
			struct zone *zone = &m->nodes[nid].node_zones[z];
			unsigned long free = (unsigned long)atomic_load(&zone->nr_free_pages);

			sbuf_printf(s, "Node %u, zone %8s", nid, zone->name);
			sbuf_printf(s, "\n  pages free     %lu\n        boost    0\n        min      %lu"
				    "\n        low      %lu\n        high     %lu\n        promo    %lu"
				    "\n        spanned  %lu\n        present  %lu\n        managed  %lu"
				    "\n        cma      %lu\n        protection: (",
				    free, zone->wmark_min, zone->wmark_low, zone->wmark_high,
				    zone->wmark_promo, zone->spanned_pages, zone->present_pages,
				    (unsigned long)atomic_load(&zone->managed_pages), zone->cma_pages);
			for (int j = 0; j < MAX_NR_ZONES; j++)
				sbuf_printf(s, "%s%lu", j ? ", " : "", zone->lowmem_reserve[j]);
			sbuf_printf(s, ")");
			if (!populated_zone(zone)) {
				sbuf_printf(s, "\n");
				continue;
			}
			sbuf_printf(s, "\n      nr_free_pages %lu\n  pagesets", free);
			for (unsigned int cpu = 0; cpu < m->nr_cpus; cpu++) {
				int count, high, batch;

				pcp_pageset(m, zone, cpu, &count, &high, &batch);
				sbuf_printf(s, "\n    cpu: %u\n              count: %d\n              high:  %d"
					    "\n              batch: %d\n  vm stats threshold: 0", cpu, count, high, batch);
			}
			sbuf_printf(s, "\n  node_unreclaimable:  0\n  start_pfn:           %lu\n",
				    zone->zone_start_pfn);
		}
	}
	pthread_mutex_unlock(&m->span_lock);
}

static void proc_vmstat(struct memhp_machine *m, struct sbuf *s)
{
	unsigned long free = 0;

	for (unsigned int nid = 0; nid < m->nr_nodes; nid++)
		for (int z = 0; z < MAX_NR_ZONES; z++)
			free += (unsigned long)atomic_load(&m->nodes[nid].node_zones[z].nr_free_pages);
	sbuf_printf(s, "nr_free_pages %lu\n", free);
	sbuf_printf(s, "nr_memmap_pages %ld\n", atomic_load(&m->nr_memmap_pages));
	sbuf_printf(s, "nr_memmap_boot_pages %ld\n", atomic_load(&m->nr_memmap_boot_pages));
	sbuf_printf(s, "pgmigrate_success %lu\n", atomic_load(&m->pgmigrate_success));
	sbuf_printf(s, "pgmigrate_fail %lu\n", atomic_load(&m->pgmigrate_fail));
}

static void proc_buddyinfo(struct memhp_machine *m, struct sbuf *s)
{
	pthread_mutex_lock(&m->span_lock);
	for (unsigned int nid = 0; nid < m->nr_nodes; nid++) {
		for (int z = 0; z < MAX_NR_ZONES; z++) {
			struct zone *zone = &m->nodes[nid].node_zones[z];

			if (!populated_zone(zone))
				continue;
			pthread_mutex_lock(&zone->lock);
			sbuf_printf(s, "Node %u, zone %8s ", nid, zone->name);
			for (unsigned int o = 0; o <= m->arch->max_order; o++)
				sbuf_printf(s, "%6lu ", zone->free_area[o].nr_free);
			sbuf_printf(s, "\n");
			pthread_mutex_unlock(&zone->lock);
		}
	}
	pthread_mutex_unlock(&m->span_lock);
}

static void proc_pagetypeinfo(struct memhp_machine *m, struct sbuf *s)
{
	sbuf_printf(s, "Page block order: %u\nPages per block:  %lu\n\n", m->arch->pageblock_order,
		    m->pageblock_nr_pages);
	sbuf_printf(s, "Free pages count per migrate type at order ");
	for (unsigned int o = 0; o <= m->arch->max_order; o++)
		sbuf_printf(s, "%6u ", o);
	sbuf_printf(s, "\n");
	pthread_mutex_lock(&m->span_lock);
	for (unsigned int nid = 0; nid < m->nr_nodes; nid++) {
		for (int z = 0; z < MAX_NR_ZONES; z++) {
			struct zone *zone = &m->nodes[nid].node_zones[z];

			if (!populated_zone(zone))
				continue;
			pthread_mutex_lock(&zone->lock);
			for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
				sbuf_printf(s, "Node %4u, zone %8s, type %12s ", nid, zone->name,
					    migratetype_names[mt]);
				for (unsigned int o = 0; o <= m->arch->max_order; o++) {
					unsigned long n = 0;

					for (struct page *p = zone->free_area[o].list[mt].head; p; p = p->next)
						n += free_list_node_chunks(p);
					sbuf_printf(s, "%6lu ", n);
				}
				sbuf_printf(s, "\n");
			}
			pthread_mutex_unlock(&zone->lock);
		}
	}
	pthread_mutex_unlock(&m->span_lock);
	sbuf_printf(s, "\nNumber of blocks type     Unmovable      Movable  Reclaimable   HighAtomic      Isolate \n");
	/* span_lock: sections keep their pageblock arrays meanwhile */
	pthread_mutex_lock(&m->span_lock);
	for (unsigned int nid = 0; nid < m->nr_nodes; nid++) {
		for (int z = 0; z < MAX_NR_ZONES; z++) {
			struct zone *zone = &m->nodes[nid].node_zones[z];
			unsigned long count[MIGRATE_TYPES] = { 0 };

			if (!populated_zone(zone))
				continue;
			for (unsigned long pfn = zone->zone_start_pfn; pfn < zone_end_pfn(zone);
			     pfn += m->pageblock_nr_pages) {
				if (!pfn_online(m, pfn) || page_zone(m, pfn) != zone)
					continue;
				count[get_pageblock_migratetype(m, pfn)]++;
			}
			sbuf_printf(s, "Node %d, zone %8s ", nid, zone->name);
			for (int mt = 0; mt < MIGRATE_TYPES; mt++)
				sbuf_printf(s, "%12lu ", count[mt]);
			sbuf_printf(s, "\n");
		}
	}
	pthread_mutex_unlock(&m->span_lock);
}

/* ---- the files -------------------------------------------------------- */

#define PROC_SHOW(_name)									\
	static int _name##_show(struct memhp_machine *m, const struct kobj *ko,			\
				const struct kattr *a, struct sbuf *s)				\
	{											\
		proc_##_name(m, s);								\
		return 0;									\
	}
PROC_SHOW(buddyinfo)
PROC_SHOW(meminfo)
PROC_SHOW(pagetypeinfo)
PROC_SHOW(vmstat)
PROC_SHOW(zoneinfo)

/* /proc/iomem: the resource tree, sized first, printed under one lock */
static int iomem_show(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
		      struct sbuf *s)
{
	size_t n;
	char *b;

	pthread_mutex_lock(&m->resource_lock);
	n = resource_print(&m->iomem, NULL, 0);
	b = realloc(s->buf, n + 1);	/* s->buf stays ours on failure */
	if (b) {
		s->buf = b;
		resource_print(&m->iomem, s->buf, n + 1);
		s->len = n;
		s->cap = n + 1;
	} else {
		s->nomem = true;
	}
	pthread_mutex_unlock(&m->resource_lock);
	return 0;
}

/* /proc/ */
const struct kattr proc_attrs[] = {
	KATTR_RO(buddyinfo),
	KATTR_RO(iomem),
	KATTR_RO(meminfo),
	KATTR(pagetypeinfo, 0400, pagetypeinfo_show, NULL),
	KATTR_RO(vmstat),
	KATTR_RO(zoneinfo),
	{ }
};
