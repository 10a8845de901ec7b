// SPDX-License-Identifier: MIT
/*
 * memory_block.c - memory blocks and memory groups (drivers/base/memory.c,
 * the memory parts of drivers/base/core.c).
 *
 * A memory block is the unit user space onlines and offlines: block id N
 * covers [N * block_size, (N+1) * block_size).  Its state machine is the
 * kernel's: memory_block_change_state() moves MEM_OFFLINE <-> MEM_ONLINE,
 * showing MEM_GOING_OFFLINE for the whole duration of an offline; the
 * driver core's dev->offline makes device_online()/device_offline() return 1
 * for "already there", which `state` turns into -EINVAL and `online` into
 * success.
 *
 * memory_block_online()/memory_block_offline() are the only places that
 * handle a block's vmemmap pages (nr_vmemmap_pages = altmap->free): they
 * bracket online_pages()/offline_pages(), which only ever see the rest.
 *
 * Memory groups (static for ACPI DIMMs and dax/kmem, dynamic for
 * virtio-mem-like drivers) tie blocks together for the auto-movable policy.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int memory_blocks_init(struct memhp_machine *m)
{
	m->blocks = calloc(m->nr_block_ids, sizeof(*m->blocks));
	return m->blocks ? 0 : -ENOMEM;
}

void put_memory_group(struct memory_group *g)
{
	if (g && atomic_fetch_sub(&g->refs, 1) == 1)
		free(g);
}

static void free_memory_block(struct memory_block *mem)
{
	/* a reader may still look at the group through this block */
	put_memory_group(mem->group);
	deferred_block_free(mem);
	pthread_mutex_destroy(&mem->dev_lock);
	free(mem);
}

/* a reference that keeps a block's memory alive after its removal */
struct memory_block *get_memory_block(struct memhp_machine *m, unsigned long id)
{
	struct memory_block *mem;

	pthread_rwlock_rdlock(&m->blocks_lock);
	mem = find_memory_block_by_id(m, id);
	if (mem)
		atomic_fetch_add(&mem->refs, 1);
	pthread_rwlock_unlock(&m->blocks_lock);
	return mem;
}

void put_memory_block(struct memory_block *mem)
{
	if (mem && atomic_fetch_sub(&mem->refs, 1) == 1)
		free_memory_block(mem);
}

void memory_blocks_destroy(struct memhp_machine *m)
{
	struct memory_group *g, *n;

	if (m->blocks) {
		for (unsigned long i = 0; i < m->nr_block_ids; i++) {
			if (m->blocks[i]) {
				free(m->blocks[i]->altmap);
				free_memory_block(m->blocks[i]);
			}
		}
		free(m->blocks);
		m->blocks = NULL;
	}
	for (g = m->groups; g; g = n) {
		n = g->next;
		put_memory_group(g);
	}
	m->groups = NULL;
}

struct memory_block *find_memory_block_by_id(struct memhp_machine *m, unsigned long id)
{
	return id < m->nr_block_ids ? m->blocks[id] : NULL;
}

unsigned long phys_to_block_id(struct memhp_machine *m, uint64_t phys)
{
	return (unsigned long)(phys / m->block_size);
}

static unsigned long block_start_pfn(struct memhp_machine *m, const struct memory_block *mem)
{
	return section_nr_to_pfn(m, mem->start_section_nr);
}

static int add_memory_block(struct memhp_machine *m, unsigned long id, int state,
			    struct vmem_altmap *altmap, struct memory_group *group)
{
	struct memory_block *mem;

	if (id >= m->nr_block_ids)
		return -E2BIG;
	if (m->blocks[id])
		return -EEXIST;
	if (should_fail(m))
		return -ENOMEM;
	mem = calloc(1, sizeof(*mem));
	if (!mem)
		return -ENOMEM;
	mem->id = id;
	mem->start_section_nr = id * m->sections_per_block;
	atomic_store(&mem->state, state);
	mem->online_type = MEMHP_MMOP_OFFLINE;
	mem->nid = NUMA_NO_NODE;
	mem->dev_offline = state == MEM_OFFLINE;
	mem->altmap = altmap;
	mem->group = group;
	atomic_store(&mem->refs, 1);
	pthread_mutex_init(&mem->dev_lock, NULL);
	if (group) {
		group->nr_blocks++;
		atomic_fetch_add(&group->refs, 1);
	}
	pthread_rwlock_wrlock(&m->blocks_lock);
	m->blocks[id] = mem;
	pthread_rwlock_unlock(&m->blocks_lock);
	/* device_register -> device_add: its files exist, the block is offline or boot-online */
	kobject_uevent(m->uevents, "add", "memory", "/devices/system/memory/memory%lu", id);
	return 0;
}

static void remove_memory_block(struct memhp_machine *m, struct memory_block *mem)
{
	/* device_unregister -> device_del */
	kobject_uevent(m->uevents, "remove", "memory", "/devices/system/memory/memory%lu", mem->id);
	pthread_rwlock_wrlock(&m->blocks_lock);
	m->blocks[mem->id] = NULL;
	pthread_rwlock_unlock(&m->blocks_lock);
	if (mem->group)
		mem->group->nr_blocks--;
	put_memory_block(mem);
}

int add_boot_memory_block(struct memhp_machine *m, unsigned long id)
{
	return add_memory_block(m, id, MEM_ONLINE, NULL, NULL);
}

int create_memory_block_devices(struct memhp_machine *m, uint64_t start, uint64_t size,
				struct vmem_altmap *altmap, struct memory_group *group)
{
	unsigned long first = phys_to_block_id(m, start), end = phys_to_block_id(m, start + size);
	unsigned long id;
	int ret = 0;

	if (!IS_ALIGNED(start, m->block_size) || !IS_ALIGNED(size, m->block_size))
		return -EINVAL;
	for (id = first; id < end; id++) {
		ret = add_memory_block(m, id, MEM_OFFLINE, altmap, group);
		if (ret)
			break;
	}
	if (ret) {
		while (id-- > first)
			remove_memory_block(m, m->blocks[id]);
	}
	return ret;
}

void remove_memory_block_devices(struct memhp_machine *m, uint64_t start, uint64_t size)
{
	for (unsigned long id = phys_to_block_id(m, start); id < phys_to_block_id(m, start + size); id++) {
		struct memory_block *mem = find_memory_block_by_id(m, id);

		if (!mem)
			continue;
		/* unregister_memory_block_under_nodes: the links go with it */
		mem->node_links = 0;
		remove_memory_block(m, mem);
	}
}

/* early_node_zone_for_memory_block: the single populated zone, or NULL */
static struct zone *early_node_zone(struct memhp_machine *m, struct memory_block *mem, int nid)
{
	unsigned long start = block_start_pfn(m, mem);
	struct zone *match = NULL;

	for (int z = 0; z < MAX_NR_ZONES; z++) {
		struct zone *zone = &m->nodes[nid].node_zones[z];

		if (!populated_zone(zone) || !zone_intersects(zone, start, m->pages_per_block))
			continue;
		if (match)
			return NULL;	/* spans several zones */
		match = zone;
	}
	return match;
}

/* memory_block_add_nid */
void memory_block_set_nid(struct memhp_machine *m, struct memory_block *mem, int nid, bool early)
{
	if (early && mem->nid != nid) {
		if (mem->nid == NUMA_NO_NODE)
			mem->zone = early_node_zone(m, mem, nid);
		else
			mem->zone = NULL;	/* spans several nodes */
	}
	pthread_rwlock_wrlock(&m->blocks_lock);
	mem->nid = nid;
	mem->node_links |= 1u << nid;
	pthread_rwlock_unlock(&m->blocks_lock);
}

int walk_memory_blocks(struct memhp_machine *m, uint64_t start, uint64_t size, void *arg,
		       walk_memory_blocks_fn fn)
{
	unsigned long first = phys_to_block_id(m, start);
	unsigned long last = phys_to_block_id(m, start + size - 1);

	if (!size)
		return 0;
	for (unsigned long id = first; id <= last; id++) {
		struct memory_block *mem = find_memory_block_by_id(m, id);
		int ret;

		if (!mem)
			continue;
		ret = fn(m, mem, arg);
		if (ret)
			return ret;
	}
	return 0;
}

/* ---- online / offline of one block ----------------------------------- */

static void fill_notify(struct memhp_machine *m, struct memory_block *mem, unsigned long nv,
			struct memhp_memory_notify *arg)
{
	unsigned long start = block_start_pfn(m, mem);

	memset(arg, 0, sizeof(*arg));
	arg->altmap_start_pfn = start;
	arg->altmap_nr_pages = nv;
	arg->start_pfn = start + nv;
	arg->nr_pages = m->pages_per_block - nv;
	arg->status_change_nid = NUMA_NO_NODE;
	arg->status_change_nid_normal = NUMA_NO_NODE;
}

int memory_block_online(struct memhp_machine *m, struct memory_block *mem)
{
	unsigned long start_pfn = block_start_pfn(m, mem), nr_pages = m->pages_per_block;
	unsigned long nv = mem->altmap ? mem->altmap->free : 0;
	struct memhp_memory_notify arg;
	struct zone *zone;
	int ret;

	if (mem->nr_hwpoison)
		return -EHWPOISON;
	zone = zone_for_pfn_range(m, mem->online_type, mem->nid, mem->group, start_pfn, nr_pages);
	fill_notify(m, mem, nv, &arg);

	mem_hotplug_begin(m);
	ret = memory_notify(m, MEMHP_MEM_PREPARE_ONLINE, &arg);
	if (ret)
		goto out;	/* no FINISH_OFFLINE for a failed PREPARE */
	/* struct pages written now, or when first needed (deferred_init.c) */
	ret = deferred_online_prepare(m, mem, zone, nv);
	if (ret)
		goto out_notifier;
	if (nv) {
		ret = mhp_init_memmap_on_memory(m, start_pfn, nv, zone, mem->altmap->inaccessible);
		if (ret)
			goto out_deferred;
	}
	ret = online_pages(m, start_pfn + nv, nr_pages - nv, zone, mem->group);
	if (ret) {
		if (nv)
			mhp_deinit_memmap_on_memory(m, start_pfn, nv);
		goto out_deferred;
	}
	/* only now: an unpopulated zone must be populated by online_pages first */
	if (nv)
		adjust_present_page_count(m, start_pfn, mem->group, (long)nv);
	/* WRITE_ONCE: valid_zones reads it without the hotplug lock */
	__atomic_store_n(&mem->zone, zone, __ATOMIC_RELEASE);
	mem_hotplug_done(m);
	return 0;
out_deferred:
	deferred_online_cancel(m, mem);
out_notifier:
	memory_notify(m, MEMHP_MEM_FINISH_OFFLINE, &arg);
out:
	mem_hotplug_done(m);
	return ret;
}

int memory_block_offline(struct memhp_machine *m, struct memory_block *mem)
{
	unsigned long start_pfn = block_start_pfn(m, mem), nr_pages = m->pages_per_block;
	unsigned long nv = mem->altmap ? mem->altmap->free : 0;
	struct memhp_memory_notify arg;
	int ret;

	if (!mem->zone)
		return -EINVAL;	/* spans several zones or nodes */
	mem_hotplug_begin(m);
	/* offline reads and moves every page: they must exist first */
	ret = deferred_init_block(m, mem);
	if (ret)
		goto out;
	/* un-account first, so that offline_pages sees the zone emptying */
	if (nv)
		adjust_present_page_count(m, start_pfn, mem->group, -(long)nv);
	ret = offline_pages(m, start_pfn + nv, nr_pages - nv, mem->zone, mem->group);
	if (ret) {
		if (nv)
			adjust_present_page_count(m, start_pfn, mem->group, (long)nv);
		goto out;
	}
	if (nv)
		mhp_deinit_memmap_on_memory(m, start_pfn, nv);
	__atomic_store_n(&mem->zone, NULL, __ATOMIC_RELEASE);	/* WRITE_ONCE, as above */
	fill_notify(m, mem, nv, &arg);
	memory_notify(m, MEMHP_MEM_FINISH_OFFLINE, &arg);
out:
	mem_hotplug_done(m);
	return ret;
}

static int memory_block_change_state(struct memhp_machine *m, struct memory_block *mem,
				     int to, int from)
{
	int ret;

	if (atomic_load(&mem->state) != from)
		return -EINVAL;
	if (to == MEM_OFFLINE)
		atomic_store(&mem->state, MEM_GOING_OFFLINE);
	ret = to == MEM_ONLINE ? memory_block_online(m, mem) : memory_block_offline(m, mem);
	atomic_store(&mem->state, ret ? from : to);
	return ret;
}

static int memory_subsys_online(struct memhp_machine *m, struct memory_block *mem)
{
	int ret;

	if (atomic_load(&mem->state) == MEM_ONLINE)
		return 0;
	/* not set by `state`: the `online` file, ACPI and drivers mean MMOP_ONLINE */
	if (mem->online_type == MEMHP_MMOP_OFFLINE)
		mem->online_type = MEMHP_MMOP_ONLINE;
	ret = memory_block_change_state(m, mem, MEM_ONLINE, MEM_OFFLINE);
	mem->online_type = MEMHP_MMOP_OFFLINE;
	return ret;
}

static int memory_subsys_offline(struct memhp_machine *m, struct memory_block *mem)
{
	if (atomic_load(&mem->state) == MEM_OFFLINE)
		return 0;
	return memory_block_change_state(m, mem, MEM_OFFLINE, MEM_ONLINE);
}

/* drivers/base/core.c:device_online: 1 when already online */
int device_online(struct memhp_machine *m, struct memory_block *mem)
{
	int ret = 1;

	pthread_mutex_lock(&mem->dev_lock);
	if (mem->dev_offline) {
		ret = memory_subsys_online(m, mem);
		if (!ret) {
			mem->dev_offline = false;
			kobject_uevent(m->uevents, "online", "memory", "/devices/system/memory/memory%lu", mem->id);
		}
	}
	pthread_mutex_unlock(&mem->dev_lock);
	return ret;
}

int device_offline(struct memhp_machine *m, struct memory_block *mem)
{
	int ret = 1;

	pthread_mutex_lock(&mem->dev_lock);
	if (!mem->dev_offline) {
		ret = memory_subsys_offline(m, mem);
		if (!ret) {
			mem->dev_offline = true;
			kobject_uevent(m->uevents, "offline", "memory", "/devices/system/memory/memory%lu", mem->id);
		}
	}
	pthread_mutex_unlock(&mem->dev_lock);
	return ret;
}

/* ---- valid_zones ---------------------------------------------------- */

size_t valid_zones_show(struct memhp_machine *m, struct memory_block *mem, char *buf, size_t len)
{
	unsigned long start = block_start_pfn(m, mem), nr = m->pages_per_block;
	struct zone *def, *z;
	size_t n;
	int nid;

	if (atomic_load(&mem->state) == MEM_ONLINE) {
		/* READ_ONCE: an offline may clear it right after the state check */
		struct zone *zone = __atomic_load_n(&mem->zone, __ATOMIC_ACQUIRE);

		return (size_t)snprintf(buf, len, "%s\n", zone ? zone->name : "none");
	}
	/* the node is set just after the block appears: read it like the link */
	pthread_rwlock_rdlock(&m->blocks_lock);
	nid = mem->nid;
	pthread_rwlock_unlock(&m->blocks_lock);
	def = zone_for_pfn_range(m, MEMHP_MMOP_ONLINE, nid, mem->group, start, nr);
	n = (size_t)snprintf(buf, len, "%s", def->name);
	z = zone_for_pfn_range(m, MEMHP_MMOP_ONLINE_KERNEL, nid, mem->group, start, nr);
	if (z != def && n < len)
		n += (size_t)snprintf(buf + n, len - n, " %s", z->name);
	z = zone_for_pfn_range(m, MEMHP_MMOP_ONLINE_MOVABLE, nid, mem->group, start, nr);
	if (z != def && n < len)
		n += (size_t)snprintf(buf + n, len - n, " %s", z->name);
	if (n < len)
		n += (size_t)snprintf(buf + n, len - n, "\n");
	return n;
}

/* ---- memory groups -------------------------------------------------- */

int memory_group_register(struct memhp_machine *m, int nid, bool dynamic, unsigned long pages)
{
	struct memory_group *g;

	if (nid < 0 || (unsigned int)nid >= m->nr_nodes)
		return -EINVAL;	/* !node_possible */
	if (!pages)
		return -EINVAL;
	if (dynamic && ((pages & (pages - 1)) || pages < m->pages_per_block))
		return -EINVAL;
	if (should_fail(m))
		return -ENOMEM;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	atomic_store(&g->refs, 1);
	g->id = m->next_group_id++;
	g->nid = nid;
	g->is_dynamic = dynamic;
	if (dynamic)
		g->unit_pages = pages;
	else
		g->max_pages = pages;
	pthread_mutex_lock(&m->span_lock);
	g->next = m->groups;
	m->groups = g;
	pthread_mutex_unlock(&m->span_lock);
	return g->id;
}

struct memory_group *memory_group_find_by_id(struct memhp_machine *m, int id)
{
	for (struct memory_group *g = m->groups; g; g = g->next)
		if (g->id == id)
			return g;
	return NULL;
}

int memory_group_unregister(struct memhp_machine *m, int id)
{
	for (struct memory_group **p = &m->groups; *p; p = &(*p)->next) {
		struct memory_group *g = *p;

		if (g->id != id)
			continue;
		if (g->nr_blocks)
			return -EBUSY;
		pthread_mutex_lock(&m->span_lock);
		*p = g->next;
		pthread_mutex_unlock(&m->span_lock);
		put_memory_group(g);
		return 0;
	}
	return -EINVAL;
}
