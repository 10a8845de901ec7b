// SPDX-License-Identifier: MIT
/*
 * api.c - the public entry points that are not a kernel file: each takes
 * the locks the kernel's callers hold (device_hotplug_lock for anything
 * that adds, removes, onlines or offlines; mem_hotplug_lock for reading a
 * consistent picture) and delegates to the engine.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int memhp_dimm_add(struct memhp_machine *m, const char *name, uint64_t size, int node,
		   uint64_t addr, int fd, struct memhp_dimm_info *info)
{
	machine_check(m);
	int ret;

	pthread_mutex_lock(&m->device_hotplug_lock);
	ret = acpi_dimm_add(m, name, size, node, addr, fd, info);
	pthread_mutex_unlock(&m->device_hotplug_lock);
	return ret;
}

int memhp_dimm_remove(struct memhp_machine *m, const char *name)
{
	machine_check(m);
	return memhp_dimm_remove_cancellable(m, name, NULL, 0);
}

int memhp_dimm_remove_cancellable(struct memhp_machine *m, const char *name,
				  const volatile int *cancel, unsigned int timeout_ms)
{
	machine_check(m);
	int ret;

	pthread_mutex_lock(&m->device_hotplug_lock);
	offline_cancel_arm(m, cancel, timeout_ms);
	ret = acpi_dimm_remove(m, name);
	offline_cancel_disarm(m);
	pthread_mutex_unlock(&m->device_hotplug_lock);
	return ret;
}

int memhp_sysfs_lookup_new(struct memhp_machine *m, int nid, unsigned int nr)
{
	machine_check(m);
	int ret;

	if (nid >= (int)m->nr_nodes)
		return -EINVAL;
	if (should_fail(m))
		return -ENOMEM;
	/* the caches' state and kernel_pfns, which onlining fills too */
	pthread_mutex_lock(&m->device_hotplug_lock);
	ret = slab_lookup_entries(m, nid < 0 ? 0 : nid, nr);
	pthread_mutex_unlock(&m->device_hotplug_lock);
	return ret;
}

int memhp_dax_region_create(struct memhp_machine *m, enum memhp_dax_kind kind, uint64_t size,
			    int target_node, uint64_t align, uint64_t addr, int fd,
			    struct memhp_dax_info *info)
{
	machine_check(m);
	int ret;

	pthread_mutex_lock(&m->device_hotplug_lock);
	ret = dax_region_create(m, kind, size, target_node, align, addr, fd, info);
	pthread_mutex_unlock(&m->device_hotplug_lock);
	return ret;
}

int memhp_dax_region_destroy(struct memhp_machine *m, int region_id)
{
	machine_check(m);
	int ret;

	pthread_mutex_lock(&m->device_hotplug_lock);
	ret = dax_region_destroy(m, region_id);
	pthread_mutex_unlock(&m->device_hotplug_lock);
	return ret;
}

int memhp_dax_mmap(struct memhp_machine *m, const char *dev, uint64_t offset, size_t len, int prot,
		   int flags, void **addr)
{
	machine_check(m);
	int ret;

	if (!dev || !addr)
		return -EINVAL;
	pthread_mutex_lock(&m->device_hotplug_lock);
	ret = dax_mmap(m, dev, offset, len, prot, flags, addr);
	pthread_mutex_unlock(&m->device_hotplug_lock);
	return ret;
}

int memhp_dax_munmap(struct memhp_machine *m, void *addr)
{
	machine_check(m);
	return dax_munmap(m, addr);
}

int memhp_dimm_info(struct memhp_machine *m, const char *name, struct memhp_dimm_info *info)
{
	machine_check(m);
	int ret;

	pthread_mutex_lock(&m->device_hotplug_lock);
	ret = acpi_dimm_info(m, name, info);
	pthread_mutex_unlock(&m->device_hotplug_lock);
	return ret;
}

size_t memhp_dimm_list(struct memhp_machine *m, char (*names)[MEMHP_DIMM_NAME_MAX], size_t max)
{
	machine_check(m);
	size_t n;

	pthread_mutex_lock(&m->device_hotplug_lock);
	n = acpi_dimm_list(m, names, max);
	pthread_mutex_unlock(&m->device_hotplug_lock);
	return n;
}

/*
 * add_memory() on a raw range: memory that "appears" without firmware, as
 * the probe file does.  A sparse memfd backs it unless a device already
 * covers the range; that backing goes away with a failed add or a remove.
 */
int memhp_add_memory(struct memhp_machine *m, int nid, uint64_t start, uint64_t size,
		     unsigned int mhp_flags)
{
	machine_check(m);
	struct physdev *d = NULL;
	char name[64];
	int ret;

	pthread_mutex_lock(&m->device_hotplug_lock);
	if (!physdev_find(m, start)) {
		snprintf(name, sizeof(name), "mem@%llx", (unsigned long long)start);
		ret = physdev_create(m, name, start, size, -1, &d);
		if (ret)
			goto out;
	}
	ret = add_memory(m, nid, start, size, mhp_flags, "System RAM");
	if (ret && d)
		physdev_destroy(m, d);
out:
	pthread_mutex_unlock(&m->device_hotplug_lock);
	return ret;
}

static void drop_raw_backing(struct memhp_machine *m, uint64_t start, uint64_t size)
{
	struct physdev *d = physdev_find(m, start);

	if (d && !strncmp(d->name, "mem@", 4) && d->phys_start == start && d->size == size)
		physdev_destroy(m, d);
}

int memhp_remove_memory(struct memhp_machine *m, uint64_t start, uint64_t size)
{
	machine_check(m);
	int ret;

	pthread_mutex_lock(&m->device_hotplug_lock);
	ret = try_remove_memory(m, start, size);
	if (!ret)
		drop_raw_backing(m, start, size);
	pthread_mutex_unlock(&m->device_hotplug_lock);
	return ret;
}

/* mm/memory_hotplug.c:offline_and_remove_memory */
int memhp_offline_and_remove_memory(struct memhp_machine *m, uint64_t start, uint64_t size)
{
	machine_check(m);
	unsigned long nr = (unsigned long)(size / m->block_size), i;
	unsigned long first = phys_to_block_id(m, start);
	uint8_t *types;
	int ret = 0;

	if (!size || !IS_ALIGNED(start, m->block_size) || !IS_ALIGNED(size, m->block_size))
		return -EINVAL;
	types = calloc(nr, 1);
	if (!types)
		return -ENOMEM;
	pthread_mutex_lock(&m->device_hotplug_lock);
	for (i = 0; i < nr && !ret; i++) {
		struct memory_block *mem = find_memory_block_by_id(m, first + i);
		int type;

		if (!mem)
			continue;
		type = mem->zone && mem->zone->idx == ZONE_MOVABLE ? MEMHP_MMOP_ONLINE_MOVABLE
								   : MEMHP_MMOP_ONLINE_KERNEL;
		ret = device_offline(m, mem);
		if (ret == 0)
			types[i] = (uint8_t)type;
		else if (ret > 0)
			ret = 0;	/* already offline */
	}
	if (!ret)
		ret = try_remove_memory(m, start, size);
	if (ret) {
		for (i = 0; i < nr; i++) {
			struct memory_block *mem = find_memory_block_by_id(m, first + i);

			if (!types[i] || !mem)
				continue;
			mem->online_type = types[i];
			if (device_online(m, mem) < 0)
				mlog(m, "offline_and_remove_memory: Failed to re-online memory: %d", ret);
		}
	} else {
		drop_raw_backing(m, start, size);
	}
	pthread_mutex_unlock(&m->device_hotplug_lock);
	free(types);
	return ret;
}

int memhp_block_online(struct memhp_machine *m, unsigned long block_id, enum memhp_online_type type)
{
	machine_check(m);
	struct memory_block *mem;
	int ret = -ENOENT;

	if (type > MEMHP_MMOP_ONLINE_MOVABLE)
		return -EINVAL;
	pthread_mutex_lock(&m->device_hotplug_lock);
	mem = find_memory_block_by_id(m, block_id);
	if (mem) {
		mem->online_type = (int)type;
		ret = device_online(m, mem);
		mem->online_type = MEMHP_MMOP_OFFLINE;
	}
	pthread_mutex_unlock(&m->device_hotplug_lock);
	return ret;
}

int memhp_block_offline(struct memhp_machine *m, unsigned long block_id)
{
	machine_check(m);
	struct memory_block *mem;
	int ret = -ENOENT;

	pthread_mutex_lock(&m->device_hotplug_lock);
	mem = find_memory_block_by_id(m, block_id);
	if (mem)
		ret = device_offline(m, mem);
	pthread_mutex_unlock(&m->device_hotplug_lock);
	return ret;
}

int memhp_block_offline_cancellable(struct memhp_machine *m, unsigned long block_id,
				    const volatile int *cancel, unsigned int timeout_ms)
{
	machine_check(m);
	struct memory_block *mem;
	int ret = -ENOENT;

	pthread_mutex_lock(&m->device_hotplug_lock);
	mem = find_memory_block_by_id(m, block_id);
	if (mem) {
		offline_cancel_arm(m, cancel, timeout_ms);
		ret = device_offline(m, mem);
		offline_cancel_disarm(m);
	}
	pthread_mutex_unlock(&m->device_hotplug_lock);
	return ret;
}

size_t memhp_block_ids(struct memhp_machine *m, unsigned long *ids, size_t max)
{
	machine_check(m);
	size_t n = 0;

	pthread_rwlock_rdlock(&m->blocks_lock);
	for (unsigned long id = 0; id < m->nr_block_ids; id++) {
		if (!m->blocks[id])
			continue;
		if (n < max)
			ids[n] = id;
		n++;
	}
	pthread_rwlock_unlock(&m->blocks_lock);
	return n;
}

int memhp_block_range(struct memhp_machine *m, unsigned long id, unsigned long *start_pfn,
		      unsigned long *nr_pages, unsigned long *nr_vmemmap_pages)
{
	machine_check(m);
	struct memory_block *mem;
	int ret = -ENOENT;

	pthread_rwlock_rdlock(&m->blocks_lock);
	mem = find_memory_block_by_id(m, id);
	if (mem) {
		if (start_pfn)
			*start_pfn = section_nr_to_pfn(m, mem->start_section_nr);
		if (nr_pages)
			*nr_pages = m->pages_per_block;
		if (nr_vmemmap_pages)
			*nr_vmemmap_pages = mem->altmap ? mem->altmap->free : 0;
		ret = 0;
	}
	pthread_rwlock_unlock(&m->blocks_lock);
	return ret;
}

int memhp_pfn_is_free(struct memhp_machine *m, unsigned long pfn)
{
	machine_check(m);
	int ret = 0;

	bool locked = get_online_mems(m);
	if (pfn < m->max_pfn_limit && pfn_online(m, pfn)) {
		struct zone *zone = page_zone(m, pfn);

		pthread_mutex_lock(&zone->lock);
		/* free iff inside a buddy chunk: look for a covering head */
		for (unsigned int o = 0; o <= m->arch->max_order; o++) {
			unsigned long head = pfn & ~((1UL << o) - 1);
			struct page tmp;
			const struct page *p;

			if (!pfn_valid(m, head))
				continue;
			p = page_peek(m, head, &tmp);
			if ((p->flags & PG_buddy) && p->order >= o) {
				ret = 1;
				break;
			}
		}
		pthread_mutex_unlock(&zone->lock);
	}
	put_online_mems(m, locked);
	return ret;
}

void memhp_get_geometry(struct memhp_machine *m, struct memhp_geometry *g)
{
	machine_check(m);
	memset(g, 0, sizeof(*g));
	g->arch = m->arch->name;
	g->page_size = m->page_size;
	g->section_size = 1ULL << m->arch->section_size_bits;
	g->block_size = m->block_size;
	g->struct_page_size = m->arch->struct_page_size;
	g->pageblock_order = m->arch->pageblock_order;
	g->max_order = m->arch->max_order;
	pthread_mutex_lock(&m->param_lock);
	g->vmemmap_pages_per_block = memory_block_memmap_on_memory_pages(m);
	g->memmap_on_memory_supported = mhp_supports_memmap_on_memory(m);
	pthread_mutex_unlock(&m->param_lock);
	g->hotplug_base = m->hotplug_base;
	g->hotplug_size = m->hotplug_size;
	g->nr_nodes = m->nr_nodes;
}

size_t memhp_zones(struct memhp_machine *m, struct memhp_zone_info *out, size_t max)
{
	machine_check(m);
	size_t n = 0;

	pthread_mutex_lock(&m->span_lock);
	for (unsigned int nid = 0; nid < m->nr_nodes; nid++) {
		for (int z = 0; z < MAX_NR_ZONES; z++) {
			struct zone *zone = &m->nodes[nid].node_zones[z];

			if (n < max) {
				out[n] = (struct memhp_zone_info){
					.nid = (int)nid,
					.name = zone->name,
					.start_pfn = zone->zone_start_pfn,
					.spanned = zone->spanned_pages,
					.present = zone->present_pages,
					.present_early = zone->present_early_pages,
					.managed = (unsigned long)atomic_load(&zone->managed_pages),
					.free = (unsigned long)atomic_load(&zone->nr_free_pages),
					.pcp = pcp_count(m, zone),
				};
			}
			n++;
		}
	}
	pthread_mutex_unlock(&m->span_lock);
	return n;
}

void memhp_counters(struct memhp_machine *m, struct memhp_counters *c)
{
	machine_check(m);
	unsigned long free = 0;

	for (unsigned int nid = 0; nid < m->nr_nodes; nid++)
		for (int z = 0; z < MAX_NR_ZONES; z++)
			free += (unsigned long)atomic_load(&m->nodes[nid].node_zones[z].nr_free_pages);
	c->totalram_pages = (unsigned long)atomic_load(&m->totalram_pages);
	c->nr_free_pages = free;
	c->nr_memmap_pages = (unsigned long)atomic_load(&m->nr_memmap_pages);
	c->nr_memmap_boot_pages = (unsigned long)atomic_load(&m->nr_memmap_boot_pages);
}

/*
 * A region's page is a process's private anonymous page, faulted in by a
 * write: uptodate, mapped, anon and swap-backed, exclusive to its mm
 * (PG_anon_exclusive is PG_owner_2), and in 6.12 KSM too (stable_page_flags
 * tests mapping & PAGE_MAPPING_KSM, which PAGE_MAPPING_ANON shares).  On an
 * LRU unless isolated; an mlocked VMA's page is PG_mlocked and on the
 * unevictable LRU.
 */
static uint64_t region_page_kpf(const struct page *p)
{
	uint64_t u = 1ULL << MEMHP_KPF_UPTODATE | 1ULL << MEMHP_KPF_ANON | 1ULL << MEMHP_KPF_SWAPBACKED |
		     1ULL << MEMHP_KPF_KSM;

	/*
	 * Collected by migrate_vma: locked, its PTEs migration entries (not
	 * mapped), shared (folio_try_share_anon_rmap_pte cleared
	 * PG_anon_exclusive) and munlocked by the rmap removal.
	 */
	if (p->flags & PG_locked)
		return u | 1ULL << MEMHP_KPF_LOCKED;
	u |= 1ULL << MEMHP_KPF_MMAP | 1ULL << MEMHP_KPF_OWNER_2;
	if (p->flags & PG_lru)
		u |= 1ULL << MEMHP_KPF_LRU;
	if (p->flags & PG_mlocked)
		u |= 1ULL << MEMHP_KPF_MLOCKED | 1ULL << MEMHP_KPF_UNEVICTABLE;
	return u;
}

/* fs/proc/page.c:stable_page_flags, for the flags memhp models */
uint64_t memhp_kpageflags(struct memhp_machine *m, unsigned long pfn)
{
	machine_check(m);
	uint64_t u = 0;
	struct page tmp;
	const struct page *p;

	bool locked = get_online_mems(m);
	if (pfn >= m->max_pfn_limit || !pfn_online(m, pfn)) {
		put_online_mems(m, locked);
		return 1ULL << MEMHP_KPF_NOPAGE;
	}
	p = page_peek(m, pfn, &tmp);
	if (p->flags & PG_reserved)
		u |= 1ULL << MEMHP_KPF_RESERVED;
	if (p->flags & PG_vmemmap_self_hosted)
		u |= 1ULL << MEMHP_KPF_OWNER_PRIVATE;
	if (p->owner && (p->flags & (PG_lru | PG_locked)))
		u |= region_page_kpf(p);
	/*
	 * No COMPOUND_HEAD/TAIL: memhp's buddy allocations above order 0 are
	 * the kernel's without __GFP_COMP (vmemmap_alloc_block, alloc_pages),
	 * which stable_page_flags shows without flags; its compound pages are
	 * ZONE_DEVICE's, never online, so NOPAGE.
	 */
	if (p->flags & PG_offline)
		u |= 1ULL << MEMHP_KPF_OFFLINE;
	if (p->flags & PG_hwpoison)
		u |= 1ULL << MEMHP_KPF_HWPOISON;
	put_online_mems(m, locked);
	/* is_free_buddy_page: any page inside a free chunk (its own lock) */
	if (memhp_pfn_is_free(m, pfn))
		u |= 1ULL << MEMHP_KPF_BUDDY;
	return u;
}

int memhp_block_kpageflags(struct memhp_machine *m, unsigned long id, unsigned long *start_pfn,
			   unsigned long *nr_pages, unsigned long *noflags, unsigned long count[64])
{
	int ret = memhp_block_range(m, id, start_pfn, nr_pages, NULL);

	*noflags = 0;
	memset(count, 0, 64 * sizeof(count[0]));
	if (ret)
		return ret;
	for (unsigned long pfn = *start_pfn; pfn < *start_pfn + *nr_pages; pfn++) {
		uint64_t u = memhp_kpageflags(m, pfn);

		*noflags += !u;
		for (int b = 0; b < 64; b++)
			count[b] += (u >> b) & 1;
	}
	return 0;
}

int memhp_parse_size(const char *s, uint64_t *out)
{
	return parse_memsize(s, out);
}

void *memhp_pfn_to_virt(struct memhp_machine *m, unsigned long pfn)
{
	/* device-private memory has no direct map: the CPU cannot reach it */
	if (pfn >= m->max_pfn_limit || !pfn_valid(m, pfn) || is_device_private_pfn(m, pfn))
		return NULL;
	return page_address(m, pfn);
}

/* ---- uevents -------------------------------------------------------------- */

uint64_t memhp_uevent_seqnum(struct memhp_machine *m)
{
	machine_check(m);
	return uevent_seqnum(m->uevents);
}

int memhp_uevent_next(struct memhp_machine *m, uint64_t after, int timeout_ms, struct memhp_uevent *ev)
{
	machine_check(m);
	if (!ev)
		return -EINVAL;
	return uevent_next(m->uevents, after, timeout_ms, ev);
}

/* the netlink message's header and its NUL-separated fields, a line each */
int memhp_uevent_format(const struct memhp_uevent *ev, char *buf, size_t len)
{
	if (!ev || (!buf && len))
		return -EINVAL;
	return snprintf(buf, len, "%s@%s\nACTION=%s\nDEVPATH=%s\nSUBSYSTEM=%s\n%sSEQNUM=%llu\n", ev->action,
			ev->devpath, ev->action, ev->devpath, ev->subsystem, ev->env,
			(unsigned long long)ev->seqnum);
}
