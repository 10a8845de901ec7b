// SPDX-License-Identifier: MIT
/*
 * migrate_device.c - moving a region's pages into device-private memory
 * and back (mm/migrate_device.c), and the CPU access that brings a page
 * back (do_swap_page calling the pgmap's migrate_to_ram).
 *
 * Device-private memory (a GPU's, HMM's) has struct pages in ZONE_DEVICE
 * but no direct map: the CPU cannot reach it.  A page of a process that
 * lives there is not mapped at all; its page-table entry is a
 * device-private swap entry.  Here the owner's window page becomes
 * PROT_NONE, and the region's pfns[] names the device page, whose struct
 * page keeps the reverse map (region in ->private, index in ->index).
 *
 * The driver moves pages with the kernel's three calls:
 *   migrate_vma_setup     collect the window pages [start, end): RAM pages
 *                         (MIGRATE_VMA_SELECT_SYSTEM) isolated from the
 *                         LRU, device pages of the driver's owner
 *                         (SELECT_DEVICE_PRIVATE); each locked and held
 *                         by one more reference; a page with a reference
 *                         beyond its mapping (pinned) is left out (src
 *                         0).  RAM pages become read-only: a writer
 *                         faults and waits while the page is locked.
 *   (the driver allocates destinations - zone_device_page_init for device
 *   pages, the buddy for RAM - and copies the data: from RAM through the
 *   direct map, from device memory with its own engine)
 *   migrate_vma_pages     the reverse map moves to every destination;
 *                         an entry without one, or whose page gained a
 *                         reference meanwhile, stays where it is;
 *   migrate_vma_finalize  the window follows: RAM destinations mapped
 *                         read-write and put back on the LRU, device ones
 *                         PROT_NONE; old pages freed (device pages through
 *                         page_free), unmigrated ones restored, unused
 *                         destinations released.
 * migrate_device_range/pages/finalize do the same by pfn of device memory,
 * without a window range: how a driver evicts everything before
 * memunmap_pages, which waits for its pages' references.
 *
 * A CPU access to a device-private page faults in migrate.c's handler,
 * which calls region_device_fault: with the page locked and a reference
 * held (do_swap_page's get_page) the pgmap's migrate_to_ram runs, and the
 * access is retried on the RAM page it leaves behind.  A second thread
 * faulting on the same page waits for the lock, then finds RAM.  A pin
 * (memhp_region_pin) and a region's free wait for a locked page too, as
 * get_user_pages and munmap wait on a migration entry, so a collected page
 * and its region stay put until finalize.
 * Lock order: owners_lock, then the pgmap's (resource_lock) in page_free.
 */
#include <sched.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"

/* where pfn is mapped: RAM pages keep it in owner, device pages in private */
static struct memhp_region *page_rmap(struct memhp_machine *m, unsigned long pfn, size_t *idx)
{
	const struct page *p = pfn_to_page(m, pfn);

	*idx = p->index;
	return (struct memhp_region *)(uintptr_t)(p->zone == ZONE_DEVICE ? p->private : p->owner);
}

/* the region that maps pfn, if its reverse map is live (owners_lock held) */
static struct memhp_region *mapped_at(struct memhp_machine *m, unsigned long pfn, size_t *idx)
{
	struct memhp_region *r = page_rmap(m, pfn, idx);

	return r && *idx < r->nr_pages && r->pfns[*idx] == pfn ? r : NULL;
}

static void *window_page(struct memhp_region *r, size_t idx)
{
	return r->window + idx * r->m->page_size;
}

/*
 * A device-private swap entry: the CPU has no access.  With userfaultfd an
 * empty page registered for missing faults, so that system calls wait for
 * it too (wprotect.c); without, PROT_NONE and the SIGSEGV handler.  The
 * page is registered while still PROT_NONE - an access in between must
 * not find an open anonymous page - and a thread faulting then waits in
 * the handler until it is ready.
 */
static int window_unmap_page(struct memhp_region *r, size_t idx)
{
	struct memhp_machine *m = r->m;
	bool uffd = wp_waits_in_kernel(m) && !wp_fault_thread_start(m);
	void *va = window_page(r, idx);
	int slot = migration_entry_set(va, m->page_size), ret = 0;
	void *p = mmap(va, m->page_size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE,
		       -1, 0);

	if (p == MAP_FAILED) {
		ret = -ENOMEM;
		goto out;
	}
	madvise(p, m->page_size, MADV_DONTFORK);	/* as the rest of the window */
	/* no missing faults: it stays PROT_NONE, the handler's way */
	if (uffd && !wp_register_missing(m, p, m->page_size))
		mprotect(p, m->page_size, PROT_READ | PROT_WRITE);
out:
	migration_entry_clear(slot);
	return ret;
}

/* ---- collecting -------------------------------------------------------------- */

static bool selected(struct memhp_machine *m, const struct migrate_vma *a, unsigned long pfn)
{
	struct page *p = pfn_to_page(m, pfn);
	struct dev_pagemap *pgmap;

	if (p->zone != ZONE_DEVICE)
		return (a->flags & MIGRATE_VMA_SELECT_SYSTEM) && (page_flags(p) & PG_lru);
	pgmap = page_pgmap(m, pfn);
	return (a->flags & MIGRATE_VMA_SELECT_DEVICE_PRIVATE) && pgmap->type == MEMORY_DEVICE_PRIVATE &&
	       pgmap->owner == a->pgmap_owner;
}

/* the references a collected page has: its mapping, ours, the fault path's */
static int collected_refs(const struct page *p, const struct page *fault_page)
{
	return 2 + (p == fault_page);
}

/*
 * Lock and isolate one page, owners_lock held.  Only its mapping may hold
 * it (and the fault path, for the fault page): migrate_vma_check_page;
 * then it is held by one reference more until finalize.
 */
static unsigned long collect_page(struct memhp_machine *m, struct page *fault_page, unsigned long pfn)
{
	struct page *p = pfn_to_page(m, pfn);

	if (p != fault_page && (page_flags(p) & PG_locked))
		return 0;	/* trylock_page failed: another migration has it */
	if (page_ref(p) != collected_refs(p, fault_page) - 1)
		return 0;	/* pinned: restored at once, src 0 */
	if (p != fault_page)
		page_flags_set(p, PG_locked);
	if (p->zone != ZONE_DEVICE)
		page_flags_clear(p, PG_lru);	/* isolated from the LRU */
	__atomic_fetch_add(&p->refcount, 1, __ATOMIC_RELAXED);
	return migrate_pfn(pfn) | MIGRATE_PFN_MIGRATE | MIGRATE_PFN_WRITE;
}

/* undo collect_page for a page that stays */
static void restore_page(struct memhp_machine *m, struct page *fault_page, unsigned long pfn)
{
	struct page *p = pfn_to_page(m, pfn);

	if (p->zone != ZONE_DEVICE) {
		page_flags_set(p, PG_lru);
		__atomic_fetch_sub(&p->refcount, 1, __ATOMIC_RELAXED);
	}
	if (p != fault_page)
		page_flags_clear(p, PG_locked);
	if (p->zone == ZONE_DEVICE)
		put_device_page(m, pfn);
}

/* the collected RAM pages become read-only: writers fault and wait */
static void protect_collected(struct memhp_machine *m, struct migrate_vma *a)
{
	struct memhp_region *r = a->vma;

	for (unsigned long i = 0; i < a->npages; i++) {
		unsigned long pfn = migrate_pfn_to_pfn(a->src[i]);

		if (!(a->src[i] & MIGRATE_PFN_MIGRATE) || pfn_to_page(m, pfn)->zone == ZONE_DEVICE)
			continue;
		if (should_fail(m) || wp_protect(m, window_page(r, a->start + i), &pfn, 1)) {
			wp_unprotect(m, window_page(r, a->start + i), &pfn, 1);
			restore_page(m, a->fault_page, pfn);	/* out of mappings: not migrated */
			a->src[i] = 0;
			a->cpages--;
		}
	}
}

int migrate_vma_setup(struct memhp_machine *m, struct migrate_vma *a)
{
	struct memhp_region *r = a->vma;

	if (!r || r->m != m || a->start >= a->end || a->end > r->nr_pages || !a->src || !a->dst)
		return -EINVAL;
	if (a->fault_page && !is_device_private_pfn(m, (unsigned long)(a->fault_page - m->vmemmap)))
		return -EINVAL;
	a->npages = a->end - a->start;
	a->cpages = 0;
	memset(a->src, 0, a->npages * sizeof(*a->src));
	memset(a->dst, 0, a->npages * sizeof(*a->dst));
	pthread_mutex_lock(&m->owners_lock);
	for (unsigned long i = 0; i < a->npages; i++) {
		unsigned long pfn = r->pfns[a->start + i];

		if (!selected(m, a, pfn))
			continue;
		a->src[i] = collect_page(m, a->fault_page, pfn);
		a->cpages += !!a->src[i];
	}
	protect_collected(m, a);
	pthread_mutex_unlock(&m->owners_lock);
	return 0;
}

int migrate_device_range(struct memhp_machine *m, unsigned long *src, unsigned long start,
			 unsigned long npages)
{
	if (!src || !npages || !pfn_valid(m, start) || !pfn_valid(m, start + npages - 1))
		return -EINVAL;
	pthread_mutex_lock(&m->owners_lock);
	for (unsigned long i = 0; i < npages; i++) {
		unsigned long pfn = start + i;
		size_t idx;

		src[i] = 0;
		/* a device-private page that a region maps (free ones have refcount 0) */
		if (is_device_private_pfn(m, pfn) && page_ref(pfn_to_page(m, pfn)) && mapped_at(m, pfn, &idx))
			src[i] = collect_page(m, NULL, pfn);
	}
	pthread_mutex_unlock(&m->owners_lock);
	return 0;
}

/* ---- moving the reverse map ---------------------------------------------- */

static void move_entries(struct memhp_machine *m, struct page *fault_page, unsigned long *src,
			 unsigned long *dst, unsigned long npages)
{
	pthread_mutex_lock(&m->owners_lock);
	for (unsigned long i = 0; i < npages; i++) {
		unsigned long old = migrate_pfn_to_pfn(src[i]), new = migrate_pfn_to_pfn(dst[i]);
		struct memhp_region *r;
		struct page *np;
		size_t idx;

		if (!(src[i] & MIGRATE_PFN_MIGRATE))
			continue;
		np = pfn_to_page(m, new);
		r = mapped_at(m, old, &idx);
		/*
		 * No destination, ZONE_DEVICE memory that is not device-private,
		 * or a reference gained since setup (folio_migrate_mapping's
		 * expected count): the page stays.
		 */
		if (!(dst[i] & MIGRATE_PFN_VALID) || (np->zone == ZONE_DEVICE && !is_device_private_pfn(m, new)) ||
		    !r || page_ref(pfn_to_page(m, old)) != collected_refs(pfn_to_page(m, old), fault_page)) {
			src[i] &= ~MIGRATE_PFN_MIGRATE;
			continue;
		}
		page_flags_set(np, PG_locked);
		if (np->zone == ZONE_DEVICE)
			np->private = (uint64_t)(uintptr_t)r;
		else
			np->owner = (uint64_t)(uintptr_t)r;	/* PG_lru when it is mapped */
		np->index = idx;
		r->pfns[idx] = new;
	}
	pthread_mutex_unlock(&m->owners_lock);
}

void migrate_device_pages(struct memhp_machine *m, unsigned long *src, unsigned long *dst,
			  unsigned long npages)
{
	move_entries(m, NULL, src, dst, npages);
}

void migrate_vma_pages(struct memhp_machine *m, struct migrate_vma *a)
{
	move_entries(m, a->fault_page, a->src, a->dst, a->npages);
}

/* ---- finishing ------------------------------------------------------------------ */

/*
 * A page migrated away: its mapping and our reference go, and with them
 * its reverse map (an eviction must not find it mapped); RAM goes back
 * to the buddy, a device page to its driver - the fault page when the
 * fault path lets go of it.
 */
static void release_old(struct memhp_machine *m, struct page *fault_page, unsigned long pfn)
{
	struct page *p = pfn_to_page(m, pfn);

	if (p != fault_page)
		page_flags_clear(p, PG_locked);
	if (p->zone != ZONE_DEVICE) {
		free_pages(m, pfn, 0);
		return;
	}
	p->private = 0;
	p->index = 0;
	put_device_page(m, pfn);
	put_device_page(m, pfn);
}

/* a destination that was not used: back to the buddy or the driver */
static void release_unused(struct memhp_machine *m, unsigned long pfn)
{
	struct page *p = pfn_to_page(m, pfn);

	page_flags_clear(p, PG_locked);
	if (p->zone != ZONE_DEVICE)
		free_pages(m, pfn, 0);
	else
		put_device_page(m, pfn);
}

/* point the window at the new page: RAM read-write on the LRU, device none */
static int map_new_page(struct memhp_machine *m, struct memhp_region *r, size_t idx, unsigned long new)
{
	struct page *np = pfn_to_page(m, new);
	int ret;

	ret = np->zone == ZONE_DEVICE ? window_unmap_page(r, idx) : map_window(r, idx, 1);
	if (ret)
		return ret;
	if (np->zone != ZONE_DEVICE)
		set_owner(m, r, idx, new);	/* folio_putback_lru */
	return 0;
}

/* a collected page that stays: mapped as before, writable again if RAM */
static void unmigrate(struct memhp_machine *m, struct page *fault_page, unsigned long old, bool mapping_intact)
{
	size_t idx;
	struct memhp_region *r = page_rmap(m, old, &idx);
	bool ram = pfn_to_page(m, old)->zone != ZONE_DEVICE;

	r->pfns[idx] = old;
	/*
	 * As restore_unmoved in migrate.c: a RAM page must be writable again.
	 * After a remap that failed part way the window may map the new page
	 * or nothing: the old page's mapping is made afresh, RAM or device.
	 */
	if (ram && mapping_intact && !wp_unprotect(m, window_page(r, idx), &old, 1))
		goto restore;
	while (ram ? map_window(r, idx, 1) : window_unmap_page(r, idx))
		sched_yield();
restore:
	restore_page(m, fault_page, old);
}

/* src valid: collected (locked, referenced); migrate set: moved by pages() */
static void finalize_entry(struct memhp_machine *m, struct page *fault_page, unsigned long src,
			   unsigned long dst)
{
	unsigned long old = migrate_pfn_to_pfn(src), new = migrate_pfn_to_pfn(dst);
	struct memhp_region *r;
	bool remapped;
	size_t idx;

	if (!(src & MIGRATE_PFN_VALID)) {
		if (dst & MIGRATE_PFN_VALID)
			release_unused(m, new);
		return;
	}
	r = page_rmap(m, old, &idx);
	remapped = (src & MIGRATE_PFN_MIGRATE) && (dst & MIGRATE_PFN_VALID);
	if (remapped && !map_new_page(m, r, idx, new)) {
		page_flags_clear(pfn_to_page(m, new), PG_locked);
		release_old(m, fault_page, old);
	} else {
		unmigrate(m, fault_page, old, !remapped);
		if (dst & MIGRATE_PFN_VALID)
			release_unused(m, new);
	}
	/*
	 * Accesses that waited on the page go on, on the new page or the old,
	 * once the entry is wholly finished: what they see next is final.  The
	 * page a CPU fault brings back is woken by the fault thread, after
	 * the fault's own reference is gone (region_missing_fault).
	 */
	if (pfn_to_page(m, old) != fault_page)
		wp_wake(m, window_page(r, idx), m->page_size);
}

static void finalize_entries(struct memhp_machine *m, struct page *fault_page, unsigned long *src,
			     unsigned long *dst, unsigned long npages)
{
	pthread_mutex_lock(&m->owners_lock);
	for (unsigned long i = 0; i < npages; i++)
		finalize_entry(m, fault_page, src[i], dst[i]);
	pthread_mutex_unlock(&m->owners_lock);
}

void migrate_device_finalize(struct memhp_machine *m, unsigned long *src, unsigned long *dst,
			     unsigned long npages)
{
	finalize_entries(m, NULL, src, dst, npages);
}

void migrate_vma_finalize(struct memhp_machine *m, struct migrate_vma *a)
{
	finalize_entries(m, a->fault_page, a->src, a->dst, a->npages);
}

/* ---- the CPU fault ---------------------------------------------------------------- */

/*
 * Window page idx of r faulted.  If it is in device-private memory, lock
 * it (waiting for whoever migrates it now, if @wait), hold a reference and
 * let the pgmap's migrate_to_ram bring it back.  Returns the driver's
 * VM_FAULT_* bits, 0 when the page is not (or no longer) device-private,
 * -EBUSY when, without @wait, it is locked by a migration: that one wakes
 * the access when it has remapped or restored the page.
 * Called with owners_lock held, which keeps r alive; returns without it.
 * A page locked here keeps r alive after (memhp_region_free waits).
 */
int region_device_fault_locked(struct memhp_region *r, size_t idx, bool wait)
{
	struct memhp_machine *m = r->m;
	struct vm_fault vmf = { .m = m, .region = r, .index = idx };
	struct page *p;
	int ret;

	for (;;) {
		bool locked;

		vmf.pfn = idx < r->nr_pages ? r->pfns[idx] : 0;
		p = idx < r->nr_pages ? pfn_to_page(m, vmf.pfn) : NULL;
		locked = p && (page_flags(p) & PG_locked);
		if (p && is_device_private_pfn(m, vmf.pfn) && !locked)
			break;
		/* the page's state is read under the lock: once let go it may be reused */
		pthread_mutex_unlock(&m->owners_lock);
		if (!locked)
			return 0;	/* RAM: the access is retried */
		if (!wait)
			return -EBUSY;	/* the migration that holds it wakes the access */
		sched_yield();	/* being migrated: wait on the lock, then retry */
		if (!is_device_private_pfn(m, vmf.pfn))
			return 0;	/* a RAM page: its write faults again until finalize */
		pthread_mutex_lock(&m->owners_lock);
	}
	page_flags_set(p, PG_locked);
	get_device_page(m, vmf.pfn);
	pthread_mutex_unlock(&m->owners_lock);
	ret = page_pgmap(m, vmf.pfn)->ops->migrate_to_ram(&vmf);
	/* under owners_lock, as every put of a mapped page: the audit sees a
	 * page and its pgmap reference go together */
	pthread_mutex_lock(&m->owners_lock);
	/*
	 * No RAM to come back to: for the fault thread the page becomes
	 * PROT_NONE while r is surely alive, so that the program's access gets
	 * SIGBUS through the handler and a system call EFAULT (VM_FAULT_SIGBUS)
	 */
	if (ret == VM_FAULT_SIGBUS && !wait)
		mmap(window_page(r, idx), m->page_size, PROT_NONE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
	page_flags_clear(p, PG_locked);
	put_device_page(m, vmf.pfn);
	pthread_mutex_unlock(&m->owners_lock);
	return ret;
}

/*
 * In the SIGSEGV handler of the faulting thread, which holds no memhp
 * lock and owns r: r cannot go while it waits.
 */
int region_device_fault(struct memhp_region *r, size_t idx)
{
	pthread_mutex_lock(&r->m->owners_lock);
	return region_device_fault_locked(r, idx, true);
}
