/* SPDX-License-Identifier: MIT */
/*
 * device.h - ZONE_DEVICE, dax, the nd bus, ACPI memory devices.
 * Part of internal.h, which includes the parts in this order (each uses
 * what the ones before it declare); include internal.h, not this.
 */
#ifndef MEMHP_DEVICE_H
#define MEMHP_DEVICE_H

/* ---- ZONE_DEVICE: dev_pagemap (memremap.c) --------------------------- */

enum memory_type {
	MEMORY_DEVICE_PRIVATE = 1,
	MEMORY_DEVICE_COHERENT,
	MEMORY_DEVICE_FS_DAX,
	MEMORY_DEVICE_GENERIC,
	MEMORY_DEVICE_PCI_P2PDMA,
};

#define PGMAP_ALTMAP_VALID	(1u << 0)
#define PGMAP_MAX_RANGES	4

struct pgmap_range {
	uint64_t start, end;	/* inclusive end, as the kernel's struct range */
};

struct dev_pagemap;
struct memhp_region;

/* a CPU access to a device-private page (do_swap_page's struct vm_fault) */
struct vm_fault {
	struct memhp_machine *m;
	struct memhp_region *region;	/* the vma */
	size_t index;			/* window page that faulted */
	unsigned long pfn;		/* vmf->page: the device-private page */
};

#define VM_FAULT_SIGBUS 0x0002

struct dev_pagemap_ops {
	/* the page's refcount reached 0: it goes back to the driver */
	void (*page_free)(struct dev_pagemap *pgmap, unsigned long pfn);
	/* device-private only: bring the page behind vmf back to RAM */
	int (*migrate_to_ram)(struct vm_fault *vmf);
};

struct dev_pagemap {
	struct vmem_altmap altmap;	/* meaningful with PGMAP_ALTMAP_VALID */
	enum memory_type type;
	unsigned int flags;
	unsigned int vmemmap_shift;	/* compound page order of its folios */
	const struct dev_pagemap_ops *ops;
	void *owner;			/* device-private: whose pages these are */
	int nr_range;
	struct pgmap_range ranges[PGMAP_MAX_RANGES];
	/* set by memremap_pages */
	struct memhp_machine *m;
	int nid;
	int nr_mapped;			/* ranges currently mapped */
	int nr_visible;			/* ranges get_dev_pagemap finds (resource_lock) */
	/*
	 * The percpu_ref: 1 while live, + one per folio of every mapped
	 * range (not device-private/coherent), + one per get_dev_pagemap and
	 * per allocated device-private/coherent page.  Taken only while live
	 * (resource_lock); memunmap_pages waits for 0 on m->pgmap_released.
	 */
	atomic_long ref;
	bool ref_dead;
	struct dev_pagemap *next;	/* m->pgmaps, under resource_lock */
};

/* a pgmap that holds one reference per folio (the driver's pages hold them otherwise) */
static inline bool pgmap_counts_folios(const struct dev_pagemap *pgmap)
{
	return pgmap->type != MEMORY_DEVICE_PRIVATE && pgmap->type != MEMORY_DEVICE_COHERENT;
}

int memremap_pages(struct memhp_machine *m, struct dev_pagemap *pgmap, int nid);
void memunmap_pages(struct memhp_machine *m, struct dev_pagemap *pgmap);
struct dev_pagemap *get_dev_pagemap(struct memhp_machine *m, unsigned long pfn,
				    struct dev_pagemap *cached);
void put_dev_pagemap(struct dev_pagemap *pgmap);
bool pgmap_pfn_valid(struct dev_pagemap *pgmap, unsigned long pfn);
unsigned long pgmap_pfn_first(struct dev_pagemap *pgmap, int i);
unsigned long memremap_compat_align(const struct memhp_machine *m);
void zone_device_page_init(struct memhp_machine *m, unsigned long pfn);
struct dev_pagemap *page_pgmap(struct memhp_machine *m, unsigned long pfn);
bool is_device_private_pfn(struct memhp_machine *m, unsigned long pfn);
void get_device_page(struct memhp_machine *m, unsigned long pfn);
void put_device_page(struct memhp_machine *m, unsigned long pfn);
void pgmaps_destroy(struct memhp_machine *m);

/* ---- dax regions, devices and kmem (dax.c) ---------------------------- */

enum dax_driver { DAX_DRV_NONE, DAX_DRV_DEVICE, DAX_DRV_KMEM, DAX_DRV_NR };
/* character devices of dax instances: major 60 (LOCAL/EXPERIMENTAL USE),
 * minor region * 16 + instance */
#define DAX_CHAR_MAJOR 60
struct dax_bus;
struct dev_dax;
int dax_init(struct memhp_machine *m);
void dax_destroy(struct memhp_machine *m);
struct dev_dax *dax_find(struct memhp_machine *m, const char *name);
int dax_mmap(struct memhp_machine *m, const char *name, uint64_t offset, size_t len, int prot, int flags,
	     void **addr);
int dax_munmap(struct memhp_machine *m, void *addr);
int dax_driver_of(struct memhp_machine *m, const char *name);
const char *dax_driver_name(enum dax_driver drv);
/* devices of `region` (-1: all) bound to bound_to (DAX_DRV_NR: any), with their parent */
int dax_list(struct memhp_machine *m, int region, enum dax_driver bound_to,
	     int (*fn)(void *arg, const char *name, const char *parent), void *arg);
int dax_list_regions(struct memhp_machine *m, int (*fn)(void *arg, const char *parent), void *arg);
/* the region's parent's devpath ("platform/hmem.R" ...); 1 static, 0 dynamic, -ENOENT */
int dax_region_parent(struct memhp_machine *m, int id, char *buf, size_t len);
int dax_list_mappings(struct memhp_machine *m, const char *name, int (*fn)(void *arg, int id), void *arg);
bool dax_mapping_exists(struct memhp_machine *m, const char *name, int id);
int dax_region_create(struct memhp_machine *m, enum memhp_dax_kind kind, uint64_t size,
		      int target_node, uint64_t align, uint64_t addr, int fd, struct memhp_dax_info *info);
int dax_region_create_in(struct memhp_machine *m, enum memhp_dax_kind kind, uint64_t size, int target_node,
			 uint64_t align, uint64_t addr, int fd, const char *res_name, int id,
			 const char *parent, struct memhp_dax_info *info);
int dax_region_destroy(struct memhp_machine *m, int id);
int dax_region_abandon(struct memhp_machine *m, int id);
int dax_region_create_static(struct memhp_machine *m, int id, uint64_t start, uint64_t size,
			     uint64_t align, int target_node, int numa_node, struct physdev *dev,
			     struct dev_pagemap *pgmap, const char *parent, struct memhp_dax_info *info);
void dax_reserve_region_ids(struct memhp_machine *m, int n);
int dax_hmem_init(struct memhp_machine *m);

/* ---- the nd bus: legacy persistent memory (nd.c) ---------------------- */

/* the nd bus's drivers: those of namespaces and seeds, then the buses',
 * regions' and dimms' (bound as their devices appear, never unbound here) */
enum nd_driver { ND_DRV_NONE, ND_DRV_PMEM, ND_DRV_DAX_PMEM, ND_DRV_BUS, ND_DRV_REGION, ND_DRV_DIMM,
		 ND_DRV_NR };
struct nd_bus;
/* memmap=nn!ss ranges of the command line, found at boot */
int nd_init(struct memhp_machine *m);
/* nd_ida, shared with the CXL nvdimm bridges' buses */
int nd_bus_id_alloc(struct memhp_machine *m);
void nd_bus_id_free(struct memhp_machine *m, int id);
uint64_t nd_fletcher64(const uint32_t *words, size_t n);
void nd_destroy(struct memhp_machine *m);
int nd_driver_of(struct memhp_machine *m, const char *name);	/* -1: no such device */
const char *nd_driver_name(enum nd_driver drv);

/* ---- CXL: a cxl_test topology (cxl.c; the model in cxl.h) ------------ */

struct cxl_bus;
int cxl_init(struct memhp_machine *m, const char *topology);	/* NULL: no CXL */
void cxl_destroy(struct memhp_machine *m);
int cxl_eiw_to_ways(unsigned int eiw, unsigned int *ways);
int cxl_eig_to_granularity(unsigned int eig, unsigned int *granularity);

/* ---- ACPI memory devices (acpi.c) ------------------------------------ */

struct acpi_memdev;
void acpi_destroy(struct memhp_machine *m);

#endif
