/* SPDX-License-Identifier: MIT */
/*
 * hotplug.h - memory blocks and groups, the hot(un)plug core, notifiers.
 * Part of internal.h, which includes the parts in this order (each uses
 * what the ones before it declare); include internal.h, not this.
 */
#ifndef MEMHP_HOTPLUG_H
#define MEMHP_HOTPLUG_H

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

#endif
