/* SPDX-License-Identifier: MIT */
/*
 * machine.h - boot, progress, fault injection and the machine itself.
 * Part of internal.h, which includes the parts in this order (each uses
 * what the ones before it declare); include internal.h, not this.
 */
#ifndef MEMHP_MACHINE_H
#define MEMHP_MACHINE_H

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

#define MEMHP_MACHINE_MAGIC 0x6d656d6870u	/* "memhp" */

struct memhp_machine {
	unsigned long magic;		/* MEMHP_MACHINE_MAGIC while it is booted */
	uint64_t numa_uncovered;	/* memory no SRAT node covers: NUMA faked */
	unsigned int nr_cpus;		/* per-CPU list slots in use (<= PCP_SLOTS) */
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
	uint64_t fw_node0_bytes;	/* QEMU's first memory node: where UEFI lays itself out */
	unsigned long max_pfn;		/* highest pfn + 1 ever added */

	/* real mappings */
	uint8_t *direct_map;
	size_t direct_map_size;
	struct page *vmemmap;
	size_t vmemmap_size;
	char *backing_dir;
	int backing_mnt;		/* a detached huge tmpfs (fsmount), or -1 */

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
	/* each node's zonelist, as nodes (zonelist.c); span_lock */
	uint8_t zonelist_order[MEMHP_MAX_NODES][MEMHP_MAX_NODES];
	uint8_t zonelist_len[MEMHP_MAX_NODES];
	int policy_zone;		/* check_highest_zone's; span_lock */

	struct resource iomem;
	struct physdev *devices;	/* under devices_lock: migration walks it */
	pthread_rwlock_t devices_lock;
	struct acpi_memdev *acpi_devs;
	struct dax_bus *dax;
	pthread_mutex_t dax_lock;	/* leaf: dax regions list and device fields */
	struct nd_bus *nd;		/* legacy pmem (nd.c) */
	struct cxl_bus *cxl;		/* the CXL topology (cxl.c); NULL: none */
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
	/* vm events (mm/vmstat.c): pages migrate_pages moved, and those it could not */
	_Atomic unsigned long pgmigrate_success, pgmigrate_fail;
	unsigned long reserved_boot_pages;

	pthread_mutex_t device_hotplug_lock;
	pthread_rwlock_t mem_hotplug_lock;
	pthread_mutex_t span_lock;
	pthread_rwlock_t blocks_lock;	/* m->blocks[] for lock-free sysfs readers */
	pthread_mutex_t resource_lock;	/* the iomem tree */

	struct log_ring *log;
	struct uevent_ring *uevents;	/* kobject_uevent's (uevent.c) */
	bool force_waste_logged;

	atomic_ulong fault_count, fault_nth;
	/* tests only: called on the failing thread the moment the Nth step fails */
	void (*fault_hook)(void *arg);
	void *fault_hook_arg;

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
	bool initcalls;			/* before free_initmem: zones' late_freed still held */
	unsigned long *kernel_pfns;	/* and the slab's: device_hotplug_lock */
	size_t nr_kernel_pfns, cap_kernel_pfns;
	/* the reclaimable caches sysfs lookups fill (kernel_alloc.c): device_hotplug_lock */
	struct slab_cache_model {
		unsigned int order, objects;	/* a slab's pages (2^order) and objects */
		unsigned int free;		/* objects left in the current slab */
	} dentry_cache, inode_cache;
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
/* a device's path under /sys/devices, as the longest tree here needs */
#define DEVPATH_MAX 128

struct kobj {
	unsigned long id;		/* memory block */
	int nid;
	int which;			/* of a family of fixed directories: the
					 * driver (dax or nd) or notifier action */
	char dev[16];			/* daxR.I, namespaceN.0 */
	char parent[DEVPATH_MAX];	/* a dax device's parent, its devpath under
					 * /sys/devices: platform/hmem.R, an nd dax
					 * device, a CXL region's dax_regionN */
	const struct cxl_bus *cxl;	/* CXL devices (cxl_sysfs.c): id is the
					 * device, which a link's target */
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
extern const struct kattr dax_dev_attrs[], dax_static_dev_attrs[], dax_mapping_attrs[];
extern const struct kattr dax_region_attrs[], dax_static_region_attrs[], dax_drv_attrs[];
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

/*
 * What every public function may assume of its handle, checked at entry
 * in the debug build (machine_check): a machine memhp_machine_create
 * finished and memhp_machine_destroy has not begun to take apart.
 */
static inline bool machine_is_valid(const struct memhp_machine *m)
{
	return m && m->magic == MEMHP_MACHINE_MAGIC && m->arch && m->nr_nodes >= 1 &&
	       m->nr_nodes <= MEMHP_MAX_NODES && m->block_size && m->page_size &&
	       m->pages_per_block == m->pages_per_section * m->sections_per_block &&
	       m->nr_block_ids * m->block_size == m->max_phys;
}

#ifdef MEMHP_DEBUG
#define machine_check(m) assert(machine_is_valid(m))
#else
#define machine_check(m) ((void)(m))
#endif

#endif
