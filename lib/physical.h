/* SPDX-License-Identifier: MIT */
/*
 * physical.h - physical memory: iomem resources, devices, the direct map.
 * Part of internal.h, which includes the parts in this order (each uses
 * what the ones before it declare); include internal.h, not this.
 */
#ifndef MEMHP_PHYSICAL_H
#define MEMHP_PHYSICAL_H

/* ---- resources: /proc/iomem (resource.c) ---------------------------- */

#define IORESOURCE_MEM			0x00000200UL
#define IORESOURCE_SYSRAM		0x01000000UL
#define IORESOURCE_BUSY			0x80000000UL
#define IORESOURCE_SYSRAM_DRIVER_MANAGED 0x02000000UL
#define IORESOURCE_SYSTEM_RAM		(IORESOURCE_MEM | IORESOURCE_SYSRAM)

struct resource {
	uint64_t start, end;	/* inclusive end, as the kernel's */
	char *name;
	unsigned long flags;
	struct resource *parent, *sibling, *child;
};

struct resource *resource_request(struct resource *root, uint64_t start, uint64_t size,
				  const char *name, unsigned long flags);
void resource_release(struct resource *res);
struct resource *request_free_mem_region(struct memhp_machine *m, uint64_t size, const char *name);
uint64_t iomem_first_fit(struct memhp_machine *m, uint64_t from, uint64_t size, uint64_t align);
struct resource *iomem_request(struct memhp_machine *m, uint64_t start, uint64_t size, const char *name,
			       unsigned long flags);
void iomem_release(struct memhp_machine *m, struct resource **res);
/* insert_resource: a new entry goes above the entries it covers */
struct resource *iomem_insert(struct memhp_machine *m, uint64_t start, uint64_t size, const char *name,
			      unsigned long flags);
void resource_free_tree(struct resource *root);
struct resource *resource_find_exact(struct resource *root, uint64_t start, uint64_t size,
				     unsigned long flags);
/* pages of [start_pfn, start_pfn+nr) inside busy System RAM resources */
unsigned long resource_count_system_ram_pages(struct memhp_machine *m, unsigned long start_pfn,
					      unsigned long nr_pages);
size_t resource_print(const struct resource *root, char *buf, size_t len);

/* ---- physical memory devices and the direct map (physmem.c) ---------- */

struct physdev {
	char name[64];
	int fd;
	bool own_fd;
	uint64_t phys_start, size;	/* [phys_start, phys_start+size) */
	uint64_t fd_offset;		/* file offset of phys_start */
	bool shmem;			/* tmpfs: userfaultfd write-protect works */
	bool huge;			/* on the machine's huge tmpfs: PMD-mapped where aligned */
	struct physdev *next;
};

/* the host's PMD size: what a huge backing maps at once */
#define HOST_PMD_SIZE (2UL << 20)

void physmem_backing_init(struct memhp_machine *m, bool huge);
void physmem_backing_exit(struct memhp_machine *m);
/* address space, PROT_NONE, HOST_PMD_SIZE (or align) aligned; NULL when none is left */
void *va_reserve(size_t size);
void *va_reserve_aligned(size_t size, uint64_t align);
int physmem_reserve(struct memhp_machine *m);
void physmem_unreserve(struct memhp_machine *m);
int physdev_create(struct memhp_machine *m, const char *name, uint64_t phys, uint64_t size,
		   int fd, struct physdev **out);
void physdev_destroy(struct memhp_machine *m, struct physdev *d);
struct physdev *physdev_find(struct memhp_machine *m, uint64_t phys);
int physmem_back(struct memhp_machine *m, uint64_t phys, uint64_t len);
void physmem_unback(struct memhp_machine *m, uint64_t phys, uint64_t len);
int direct_map_add(struct memhp_machine *m, uint64_t start, uint64_t size);
/* refuse, before any change, an add whose mappings would not fit */
int map_budget_check(struct memhp_machine *m, uint64_t size, bool altmap);
int host_memory_check(struct memhp_machine *m, uint64_t size, bool memmap_from_buddy);
void direct_map_remove(struct memhp_machine *m, uint64_t start, uint64_t size);
/* map `bytes` of vmemmap at virtual `va` from the physical pages at pfn */
int vmemmap_map(struct memhp_machine *m, void *va, size_t bytes, unsigned long pfn);
void vmemmap_unmap(struct memhp_machine *m, void *va, size_t bytes);

#endif
