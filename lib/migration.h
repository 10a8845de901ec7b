/* SPDX-License-Identifier: MIT */
/*
 * migration.h - users of memory, migration, write protection, device migration, the kernel's own allocations.
 * Part of internal.h, which includes the parts in this order (each uses
 * what the ones before it declare); include internal.h, not this.
 */
#ifndef MEMHP_MIGRATION_H
#define MEMHP_MIGRATION_H

/* ---- users of memory and migration (migrate.c) ----------------------- */

struct memhp_region {
	struct memhp_machine *m;
	size_t nr_pages;
	uint8_t *window;		/* the owner's view: one page per pfns[i] */
	unsigned long *pfns;		/* owners_lock */
	int nid;
	unsigned int flags;
	int window_slot;		/* in the fault handler's table */
	struct memhp_region *next, *prev;
};

/* migrate every movable page of [start, end); returns pages migrated */
unsigned long do_migrate_range(struct memhp_machine *m, unsigned long start, unsigned long end);
void regions_destroy(struct memhp_machine *m);
/* memhp_region_free, the window's range left reserved PROT_NONE (the preload) */
void region_free_keep_va(struct memhp_region *r);
/* migrate.c's pieces that migrate_device.c uses */
int map_window(struct memhp_region *r, size_t first, size_t n);
bool offline_cancelled(struct memhp_machine *m);
/* caller holds device_hotplug_lock: the offline it runs may be cancelled */
void offline_cancel_arm(struct memhp_machine *m, const volatile int *cancel, unsigned int timeout_ms);
void offline_cancel_disarm(struct memhp_machine *m);

/* ---- writers kept off a migrating page (wprotect.c) ------------------- */

void wp_init(struct memhp_machine *m, bool force_mprotect);
void wp_exit(struct memhp_machine *m);
void wp_ensure_own(struct memhp_machine *m);
bool wp_waits_in_kernel(const struct memhp_machine *m);
/* every window mapping of shmem is registered: it can be protected later */
int wp_register(struct memhp_machine *m, const struct physdev *d, void *va, size_t len);
/* window pages [va, va + n pages) map pfn[0..n): each run by its backing's way */
int wp_protect(struct memhp_machine *m, uint8_t *va, const unsigned long *pfn, size_t n);
int wp_unprotect(struct memhp_machine *m, uint8_t *va, const unsigned long *pfn, size_t n);
/* writers waiting on a range that has been remapped retry on the new pages */
void wp_wake(struct memhp_machine *m, void *va, size_t len);
/* device-private window pages: accesses wait for the fault thread */
int wp_fault_thread_start(struct memhp_machine *m);
int wp_register_missing(struct memhp_machine *m, void *va, size_t len);
/* the fault thread's half (migrate.c): bring addr's page back; its page */
uintptr_t region_missing_fault(struct memhp_machine *m, uintptr_t addr);
/* a window range the SIGSEGV handler makes faulting threads wait on */
int migration_entry_set(void *start, size_t len);
void migration_entry_clear(int slot);
void set_owner(struct memhp_machine *m, struct memhp_region *r, size_t i, unsigned long pfn);

/* ---- device migration (migrate_device.c) ------------------------------ */

#define MIGRATE_PFN_VALID	(1UL << 0)
#define MIGRATE_PFN_MIGRATE	(1UL << 1)
#define MIGRATE_PFN_WRITE	(1UL << 3)
#define MIGRATE_PFN_SHIFT	6

static inline unsigned long migrate_pfn(unsigned long pfn)
{
	return (pfn << MIGRATE_PFN_SHIFT) | MIGRATE_PFN_VALID;
}

static inline unsigned long migrate_pfn_to_pfn(unsigned long mpfn)
{
	return mpfn >> MIGRATE_PFN_SHIFT;
}

enum migrate_vma_direction {
	MIGRATE_VMA_SELECT_SYSTEM = 1 << 0,
	MIGRATE_VMA_SELECT_DEVICE_PRIVATE = 1 << 1,
};

struct migrate_vma {
	struct memhp_region *vma;
	unsigned long *src, *dst;	/* npages entries each, MIGRATE_PFN_* */
	unsigned long cpages, npages;	/* collected, in the range */
	size_t start, end;		/* window pages [start, end) */
	void *pgmap_owner;		/* device pages of this owner only */
	unsigned long flags;		/* MIGRATE_VMA_SELECT_* */
	struct page *fault_page;	/* locked by the fault path, or NULL */
};

int migrate_vma_setup(struct memhp_machine *m, struct migrate_vma *args);
void migrate_vma_pages(struct memhp_machine *m, struct migrate_vma *args);
void migrate_vma_finalize(struct memhp_machine *m, struct migrate_vma *args);
int migrate_device_range(struct memhp_machine *m, unsigned long *src, unsigned long start,
			 unsigned long npages);
void migrate_device_pages(struct memhp_machine *m, unsigned long *src, unsigned long *dst,
			  unsigned long npages);
void migrate_device_finalize(struct memhp_machine *m, unsigned long *src, unsigned long *dst,
			     unsigned long npages);
int region_device_fault(struct memhp_region *r, size_t index);
/* the same with owners_lock held (released on return); no wait: -EBUSY */
int region_device_fault_locked(struct memhp_region *r, size_t index, bool wait);

/* ---- the kernel's own allocations (kernel_alloc.c) ------------------ */

void kernel_alloc_settle(struct memhp_machine *m, struct zone *zone);
void slab_model_init(struct memhp_machine *m);
int slab_lookup_entries(struct memhp_machine *m, int nid, unsigned int nr);
void kernel_alloc_destroy(struct memhp_machine *m);

#endif
