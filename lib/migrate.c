// SPDX-License-Identifier: MIT
/*
 * migrate.c - users of memory, and moving their pages (mm/migrate.c,
 * mm/memory_hotplug.c:do_migrate_range).
 *
 * A region is movable memory with an owner, like a process's anonymous
 * memory: its pages are order-0 allocations marked PG_lru, each struct page
 * pointing back to the region and its index in it (the reverse map), and
 * the owner reaches them through a virtual window in which window page i
 * is a MAP_SHARED mapping of the device page that holds it.  Migrating a
 * page is what the kernel does with page tables:
 *
 *   1. take the page away from writers: the window page is write-protected
 *      (wprotect.c: userfaultfd, or mprotect where it is unavailable) and
 *      entered in the migration table (a migration entry);
 *   2. allocate a target outside the isolated range (other nodes first, as
 *      do_migrate_range asks) and copy the contents through the direct map;
 *   3. remap the window page to the target, read-write, wake the writers
 *      and leave the table; the old page goes back to the buddy.
 *
 * With userfaultfd a write to the protected page - a thread's store or
 * the kernel's copy for read(2), recv(2) and the like - sleeps in the
 * kernel until step 3 wakes it, then lands in the new page: no system call
 * fails and nothing is lost, as with the kernel's migration entries.
 * Without it the write faults into the SIGSEGV handler below, which finds
 * the address in a region window, waits until the page has left the
 * migration table and returns, so the store is retried on the new page; a
 * system call writing there fails with EFAULT (the log says which
 * mechanism a machine has).  Readers are never stopped.  A step that fails
 * puts the pages it did not move back, mapped and writable, before the
 * writers are woken.  Every non-contiguous target costs the owner process
 * a mapping, so a heavily fragmented target can approach
 * vm.max_map_count - the remap then fails, the page stays where it was and
 * the offline retries until cancelled, as it does for a pinned page.  A
 * window is MADV_DONTFORK (again after every remap): a forked child has no
 * mapping of it, and its faults there are passed on, never waited on.  The handler and
 * its two tables (windows and pages in flight) are the one piece of
 * process-wide state in libmemhp: a signal handler is process-wide by
 * nature.  Faults that are not ours go to the handler installed before.
 *
 * The same handler serves device-private memory (migrate_device.c): a
 * window page whose page lives in such memory is PROT_NONE, and any access
 * to it faults into region_device_fault, which has the pgmap's
 * migrate_to_ram bring it back before the access is retried.  The handler
 * is installed again at each region allocation when another took SIGSEGV
 * in between (a test framework does, per test), and chains to that one;
 * should that one chain back, the signal then goes to the handler from
 * before memhp's first installation, never round in a loop.
 *
 * A pinned page (refcount above 1) is transiently busy: it is skipped and
 * the offline loop retries, as the kernel's does, until the pin goes or
 * the caller cancels.
 */
#include <signal.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define WINDOW_SLOTS 4096
#define MIGRATION_SLOTS 64

static struct {
	_Atomic uintptr_t start, end, page_size;
	struct memhp_region *_Atomic region;
	_Atomic pid_t pid;	/* the process whose window it is (fork: not the child's) */
} windows[WINDOW_SLOTS];
/* pages under migration: [start, end) of a window, start 1 while claimed */
static struct {
	_Atomic uintptr_t start, end;
} in_flight[MIGRATION_SLOTS];
static struct sigaction old_segv, first_old_segv;
static bool handler_installed;
/* our frame and the signal's info while this thread runs the handler we chained to */
static __thread uintptr_t chaining_frame;
static __thread const siginfo_t *chaining_si;
static pthread_mutex_t handler_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * The window holding @a: its page size (0: none), region and start.  A
 * forked child inherits the table but not the windows (MADV_DONTFORK): its
 * faults there are ordinary SIGSEGVs, never waits for a migration.
 * getpid(2) is async-signal-safe.
 */
static uintptr_t window_lookup(uintptr_t a, struct memhp_region **r, uintptr_t *start)
{
	pid_t self = getpid();

	for (int i = 0; i < WINDOW_SLOTS; i++) {
		uintptr_t s = atomic_load(&windows[i].start);

		if (s > 1 && a >= s && a < atomic_load(&windows[i].end) && atomic_load(&windows[i].pid) == self) {
			*r = atomic_load(&windows[i].region);
			*start = s;
			return atomic_load(&windows[i].page_size);
		}
	}
	return 0;
}

static bool page_in_flight(uintptr_t page)
{
	for (int i = 0; i < MIGRATION_SLOTS; i++) {
		uintptr_t s = atomic_load(&in_flight[i].start);

		/* a slot reused meanwhile only makes the writer wait once more */
		if (s > 1 && page >= s && page < atomic_load(&in_flight[i].end))
			return true;
	}
	return false;
}

static void call_old_handler(const struct sigaction *old, int sig, siginfo_t *si, void *uctx)
{
	/* sa_handler and sa_sigaction share storage: SIG_IGN/SIG_DFL first */
	if (old->sa_handler == SIG_IGN) {
		if (si->si_code <= 0)
			return;	/* a sent SIGSEGV that the process ignores */
	} else if (old->sa_handler != SIG_DFL) {
		if (old->sa_flags & SA_SIGINFO)
			old->sa_sigaction(sig, si, uctx);
		else
			old->sa_handler(sig);
		return;
	}
	/*
	 * Default action: die as without us.  A real fault re-faults on
	 * return; a sent signal does not, so it is raised again.
	 */
	signal(sig, SIG_DFL);
	if (si->si_code <= 0)
		raise(sig);
}

/*
 * Hand a signal that is not a migration fault to whoever had it before.
 * When memhp installed itself again over a handler that chains back to
 * memhp, the signal comes back here while chaining: it then goes to the
 * handler from before memhp's first installation, so the two never call
 * each other for ever.
 */
static __attribute__((noinline)) void chain_old_handler(int sig, siginfo_t *si, void *uctx)
{
	uintptr_t here = (uintptr_t)__builtin_frame_address(0);
	/*
	 * Called back from inside that handler: the same signal, deeper on
	 * the same stack.  A handler that left by siglongjmp leaves stale
	 * values behind; a new signal has its own info, and one delivered at
	 * the very same place gives the same frame, not a deeper one.
	 */
	bool nested = chaining_frame && si == chaining_si && here < chaining_frame;
	struct sigaction old = nested ? first_old_segv : old_segv;

	if (nested) {
		call_old_handler(&old, sig, si, uctx);
		return;
	}
	chaining_frame = here;
	chaining_si = si;
	call_old_handler(&old, sig, si, uctx);
	chaining_frame = 0;
	chaining_si = NULL;
}

static bool fork_snap_fault(uintptr_t a);

static void migration_fault(int sig, siginfo_t *si, void *uctx)
{
	uintptr_t a = (uintptr_t)si->si_addr, start = 0;
	struct memhp_region *r = NULL;
	uintptr_t page_size;

	/* si_code <= 0: sent by kill/raise/sigqueue, si_addr is no address */
	page_size = si->si_code > 0 ? window_lookup(a, &r, &start) : 0;
	/* a forked child's first touch of a window: its snapshot goes there */
	if (!page_size && si->si_code > 0 && fork_snap_fault(a))
		return;
	if (page_size) {
		/* a write to a page being migrated: wait, then retry it */
		while (page_in_flight(a & ~(page_size - 1)))
			sched_yield();
		/* an access to a page in device-private memory: bring it back */
		if (r && region_device_fault(r, (a - start) / page_size) == VM_FAULT_SIGBUS)
			raise(SIGBUS);
		return;
	}
	chain_old_handler(sig, si, uctx);
}

/*
 * A missing fault on a window page (wprotect.c's fault thread): the page
 * is in device-private memory; bring it back as the SIGSEGV handler
 * would.  The message may be stale - the region freed since - so the
 * window is looked up under owners_lock, which region_release holds.
 * Returns the page's address to wake, 0 when the migration holding the
 * page will.
 */
uintptr_t region_missing_fault(struct memhp_machine *m, uintptr_t addr)
{
	struct memhp_region *r = NULL;
	uintptr_t start = 0, page_size;

	pthread_mutex_lock(&m->owners_lock);
	page_size = window_lookup(addr, &r, &start);
	if (!page_size || !r || r->m != m) {
		pthread_mutex_unlock(&m->owners_lock);
		return addr & ~((uintptr_t)m->page_size - 1);
	}
	if (region_device_fault_locked(r, (addr - start) / page_size, false) == -EBUSY)
		return 0;	/* migrating: its migration wakes it */
	return addr & ~((uintptr_t)m->page_size - 1);
}

/*
 * Install the handler unless it is the one in place: at every region
 * allocation, as a program (or a test framework) may have installed its
 * own SIGSEGV handler since the last one - it is then chained to.
 */
static void install_handler(void)
{
	struct sigaction sa, cur;

	pthread_mutex_lock(&handler_lock);
	if (sigaction(SIGSEGV, NULL, &cur) == 0 && (cur.sa_flags & SA_SIGINFO) &&
	    cur.sa_sigaction == migration_fault) {
		pthread_mutex_unlock(&handler_lock);
		return;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = migration_fault;
	/* SA_ONSTACK: a stack-overflow handler on an alternate stack still runs */
	sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_RESTART | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &old_segv);
	if (!handler_installed)
		first_old_segv = old_segv;
	handler_installed = true;
	pthread_mutex_unlock(&handler_lock);
}

static int window_slot_get(struct memhp_region *r, uintptr_t start, uintptr_t end, uintptr_t page_size)
{
	for (int i = 0; i < WINDOW_SLOTS; i++) {
		uintptr_t zero = 0;

		if (atomic_compare_exchange_strong(&windows[i].start, &zero, (uintptr_t)1)) {
			atomic_store(&windows[i].end, end);
			atomic_store(&windows[i].page_size, page_size);
			atomic_store(&windows[i].region, r);
			atomic_store(&windows[i].pid, getpid());
			atomic_store(&windows[i].start, start);
			return i;
		}
	}
	return -ENOSPC;
}

static void window_slot_put(int i)
{
	atomic_store(&windows[i].region, NULL);
	atomic_store(&windows[i].end, 0);
	atomic_store(&windows[i].start, 0);
}

static int in_flight_enter(uintptr_t start, uintptr_t end)
{
	for (;;) {
		for (int i = 0; i < MIGRATION_SLOTS; i++) {
			uintptr_t zero = 0;

			if (atomic_compare_exchange_strong(&in_flight[i].start, &zero, (uintptr_t)1)) {
				atomic_store(&in_flight[i].end, end);
				atomic_store(&in_flight[i].start, start);
				return i;
			}
		}
		sched_yield();	/* every slot busy: other machines are migrating */
	}
}

static void in_flight_leave(int i)
{
	atomic_store(&in_flight[i].start, 0);
	atomic_store(&in_flight[i].end, 0);
}

int migration_entry_set(void *start, size_t len)
{
	return in_flight_enter((uintptr_t)start, (uintptr_t)start + len);
}

void migration_entry_clear(int slot)
{
	in_flight_leave(slot);
}

/* ---- mapping the owner's view ---------------------------------------------- */

/*
 * The new page-table entries are made at once, writable, as
 * remove_migration_ptes installs the new page's with the old entry's
 * write and dirty bits: the owner's next access - a store too - does not
 * fault on a page that moved.  MADV_POPULATE_WRITE (Linux 5.14) does
 * that; MAP_POPULATE alone would map a shared page read-only and leave a
 * write fault per page.  Checked once per process.
 */
static _Atomic int populate_write = -1;	/* -1 unknown, 0 no, 1 yes */

static bool populate_write_works(void)
{
	return atomic_load(&populate_write) != 0;
}

static void populate_writable(void *p, size_t len)
{
	if (!populate_write_works())
		return;	/* MAP_POPULATE did what it could */
	if (madvise(p, len, MADV_POPULATE_WRITE) && errno == EINVAL)
		atomic_store(&populate_write, 0);
	else
		atomic_store(&populate_write, 1);
}

/*
 * map window pages [first, first + n) onto their pfns, runs at a time;
 * *mapped (if given) says how many pages from `first` were remapped before
 * a failure.
 *
 * A run is mapped - for good - the moment its mmap succeeds: from then on
 * the owner's threads (and the kernel, for their system calls) write into
 * the new pages, and a caller that went back to the old ones would lose
 * those writes.  So nothing after the mmap can fail the run: its
 * registration with userfaultfd, which only a later migration needs, is
 * made again by that migration's write-protect if it fails here
 * (wp_protect), as remove_migration_ptes cannot fail either.
 */
static int map_window_counted(struct memhp_region *r, size_t first, size_t n, size_t *mapped)
{
	struct memhp_machine *m = r->m;
	size_t i = first;

	if (mapped)
		*mapped = 0;

	while (i < first + n) {
		unsigned long pfn = r->pfns[i];
		uint64_t phys = PFN_PHYS_M(m, pfn);
		struct physdev *d = physdev_find(m, phys);
		size_t run = 1;
		void *p;

		if (!d || should_fail(m))
			return -ENOMEM;
		/* contiguous pfns of one device: one mapping, one VMA */
		while (i + run < first + n && r->pfns[i + run] == pfn + run &&
		       PFN_PHYS_M(m, pfn + run) < d->phys_start + d->size)
			run++;
		p = mmap(r->window + i * m->page_size, run * m->page_size, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_FIXED | (populate_write_works() ? 0 : MAP_POPULATE), d->fd,
			 (off_t)(d->fd_offset + phys - d->phys_start));
		if (p == MAP_FAILED)
			return -ENOMEM;
		populate_writable(p, run * m->page_size);
		/* a new mapping drops the window's VM_DONTCOPY: set it again */
		madvise(p, run * m->page_size, MADV_DONTFORK);
		i += run;
		if (mapped)
			*mapped = i - first;
		/* and is not yet known to the write-protect: a later migration needs it */
		if (should_fail(m)) {
			if (m->uffd >= 0 && d->shmem)
				mlog(m, "memhp: migration: a window run is not registered yet (fault injected)");
		} else {
			(void)wp_register(m, d, p, run * m->page_size);	/* says why it could not */
		}
	}
	return 0;
}

int map_window(struct memhp_region *r, size_t first, size_t n)
{
	return map_window_counted(r, first, n, NULL);
}

void set_owner(struct memhp_machine *m, struct memhp_region *r, size_t i, unsigned long pfn)
{
	struct page *p = pfn_to_page(m, pfn);

	/* a fresh page: ours alone; mlock_folio keeps an mlocked VMA's pages off the evictable LRUs */
	page_flags_store(p, page_flags(p) | PG_lru | (r->flags & MEMHP_REGION_MLOCK ? PG_mlocked : 0));
	p->owner = (uint64_t)(uintptr_t)r;
	p->index = i;
	r->pfns[i] = pfn;
}

/* how many of pfn[0..n) follow pfn[0] contiguously */
static size_t pfn_run(const unsigned long *pfn, size_t n)
{
	size_t run = 1;

	while (run < n && pfn[run] == pfn[0] + run)
		run++;
	return run;
}

/* pages leave their owner: their backing goes back to the host, run by run */
static void unback_pages(struct memhp_machine *m, const unsigned long *pfn, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t run = pfn_run(pfn + i, n - i);

		if (!is_device_private_pfn(m, pfn[i]))
			physmem_unback(m, PFN_PHYS_M(m, pfn[i]), run * m->page_size);
		i += run;
	}
}

/* the region's pages go: RAM back to the buddy, device-private pages put */
static void free_region_pages(struct memhp_machine *m, struct memhp_region *r, size_t n)
{
	unback_pages(m, r->pfns, n);
	for (size_t i = 0; i < n; i++) {
		if (is_device_private_pfn(m, r->pfns[i]))
			put_device_page(m, r->pfns[i]);
		else
			free_pages(m, r->pfns[i], 0);
	}
}

/* the region's pages get real backing before the owner's first store */
static int region_back(struct memhp_machine *m, struct memhp_region *r)
{
	for (size_t i = 0; i < r->nr_pages;) {
		size_t run = pfn_run(r->pfns + i, r->nr_pages - i);

		if (physmem_back(m, PFN_PHYS_M(m, r->pfns[i]), run * m->page_size))
			return -ENOMEM;
		i += run;
	}
	return 0;
}

/* r joins the machine's regions (owners_lock held) */
static void region_link(struct memhp_machine *m, struct memhp_region *r)
{
	r->next = m->regions;
	if (m->regions)
		m->regions->prev = r;
	m->regions = r;
}

/*
 * A MEMHP_REGION_HUGE region (a VM_HUGEPAGE vma) takes a PMD-sized folio
 * for every PMD-aligned stretch of its window that it covers whole
 * (thp_vma_suitable_order): pageblock_order pages, the PMD's order on the
 * architectures memhp models.  0: a base page.
 */
static size_t thp_bytes(const struct memhp_machine *m)
{
	return m->pageblock_nr_pages * m->page_size;
}

static unsigned int thp_order_at(const struct memhp_region *r, size_t i)
{
	const struct memhp_machine *m = r->m;
	uintptr_t va = (uintptr_t)r->window + i * m->page_size;

	if (!(r->flags & MEMHP_REGION_HUGE) || va % thp_bytes(m) || i + m->pageblock_nr_pages > r->nr_pages)
		return 0;
	return m->arch->pageblock_order;
}

/*
 * The window: on a host PMD boundary, so that a run of 2 MiB-aligned pages
 * of a huge backing maps as one; a huge region at least a folio long on
 * the machine's own PMD boundary too (thp_get_unmapped_area), which is
 * bigger with 16K and 64K pages, so that its first pages are a folio.
 */
static void *window_reserve(const struct memhp_region *r)
{
	const struct memhp_machine *m = r->m;
	size_t bytes = r->nr_pages * m->page_size;

	if ((r->flags & MEMHP_REGION_HUGE) && r->nr_pages >= m->pageblock_nr_pages && thp_bytes(m) > HOST_PMD_SIZE)
		return va_reserve_aligned(bytes, thp_bytes(m));
	return va_reserve(bytes);
}

/*
 * The pages for one fault of the owner: a huge folio where *order asks
 * for one, split at once into base pages (split_huge_page: memhp tracks
 * base pages; what stays is their contiguity, which lets the host map the
 * stretch with one PMD); a base page when none is free, as
 * do_huge_pmd_anonymous_page falls back (*order becomes 0).
 */
static long alloc_region_pages(struct memhp_machine *m, int nid, unsigned int *order)
{
	if (*order) {
		long pfn = alloc_folio_fault(m, nid, ALLOC_MOVABLE, *order);

		if (pfn >= 0) {
			split_page(m, (unsigned long)pfn, *order);
			return pfn;
		}
		*order = 0;	/* THP_FAULT_FALLBACK */
	}
	return alloc_page_fault(m, nid, ALLOC_MOVABLE);
}

int memhp_region_alloc(struct memhp_machine *m, size_t nr_pages, int nid, unsigned int flags,
		       struct memhp_region **out)
{
	machine_check(m);
	struct memhp_region *r;
	size_t done = 0;
	int ret = -ENOMEM;

	if (!nr_pages || nr_pages > m->max_pfn_limit || !out || (flags & ~(MEMHP_REGION_MLOCK | MEMHP_REGION_HUGE)))
		return -EINVAL;
	if (nid >= (int)m->nr_nodes)
		return -EINVAL;
	install_handler();
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->m = m;
	r->nr_pages = nr_pages;
	r->nid = nid;
	r->flags = flags;
	r->pfns = calloc(nr_pages, sizeof(*r->pfns));
	r->window = window_reserve(r);
	if (!r->pfns || !r->window)
		goto fail;
	/*
	 * fork: the child gets no mapping of the window at all.  Sharing it
	 * would let the child read a page the parent's migration left behind
	 * and write into one already freed; a private copy would not be the
	 * region's memory.  So, as for MADV_DONTFORK memory, a child touching
	 * it gets SIGSEGV; the parent's use and migration are unaffected.
	 */
	madvise(r->window, nr_pages * m->page_size, MADV_DONTFORK);
	r->window_slot = window_slot_get(r, (uintptr_t)r->window,
					 (uintptr_t)r->window + nr_pages * m->page_size,
					 m->page_size);
	if (r->window_slot < 0) {
		ret = r->window_slot;
		goto fail;
	}
	pthread_mutex_lock(&m->owners_lock);
	wp_ensure_own(m);
	/*
	 * The owner's first touch of each page faults it in: order 0, one by
	 * one.  A fallible step per max-order worth of pages, as when the
	 * region came in chunks: a fault armed for another operation is not
	 * used up here a page at a time.
	 */
	while (done < nr_pages) {
		bool fail = !(done & ((1UL << m->arch->max_order) - 1)) && should_fail(m);
		unsigned int order = thp_order_at(r, done);
		long pfn = fail ? -ENOMEM : alloc_region_pages(m, nid, &order);

		if (pfn < 0)
			break;
		for (unsigned long i = 0; i < (1UL << order); i++)
			set_owner(m, r, done++, (unsigned long)pfn + i);
	}
	if (done < nr_pages || region_back(m, r) || map_window(r, 0, nr_pages)) {
		free_region_pages(m, r, done);
		pthread_mutex_unlock(&m->owners_lock);
		window_slot_put(r->window_slot);
		goto fail;
	}
	region_link(m, r);
	pthread_mutex_unlock(&m->owners_lock);
	*out = r;
	return 0;
fail:
	if (r->window)
		munmap(r->window, nr_pages * m->page_size);
	free(r->pfns);
	free(r);
	return ret;
}

static void region_release(struct memhp_machine *m, struct memhp_region *r, bool keep_va)
{
	if (r->prev)
		r->prev->next = r->next;
	else
		m->regions = r->next;
	if (r->next)
		r->next->prev = r->prev;
	free_region_pages(m, r, r->nr_pages);
	/*
	 * Slot first: once unmapped, the address range may be reused by a
	 * mapping whose real faults must not be mistaken for ours.
	 */
	window_slot_put(r->window_slot);
	if (keep_va)	/* atomically: no moment where another mapping could land there */
		mmap(r->window, r->nr_pages * m->page_size, PROT_NONE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
	else
		munmap(r->window, r->nr_pages * m->page_size);
	free(r->pfns);
	free(r);
}

/* a page of r that a migration has collected (locked), owners_lock held */
static bool region_migrating(struct memhp_machine *m, const struct memhp_region *r)
{
	for (size_t i = 0; i < r->nr_pages; i++)
		if (page_flags(pfn_to_page(m, r->pfns[i])) & PG_locked)
			return true;
	return false;
}

/*
 * owners_lock taken with no page of r under migration: munmap and
 * split_vma wait for migration entries, a collected page staying the
 * region's until the migration finalizes
 */
static void lock_region_settled(struct memhp_machine *m, const struct memhp_region *r)
{
	pthread_mutex_lock(&m->owners_lock);
	while (region_migrating(m, r)) {
		pthread_mutex_unlock(&m->owners_lock);
		sched_yield();
		pthread_mutex_lock(&m->owners_lock);
	}
}

static void region_free(struct memhp_region *r, bool keep_va)
{
	struct memhp_machine *m;

	if (!r)
		return;
	m = r->m;
	lock_region_settled(m, r);
	region_release(m, r, keep_va);
	pthread_mutex_unlock(&m->owners_lock);
}

void memhp_region_free(struct memhp_region *r)
{
	region_free(r, false);
}

/*
 * The preload's munmap: the pages go, the window's range stays reserved
 * (PROT_NONE) for the caller's own munmap or MAP_FIXED mmap to take over
 * in one system call - between two calls another thread's mmap could be
 * placed in the hole and then be unmapped by the second.
 */
void region_free_keep_va(struct memhp_region *r)
{
	region_free(r, true);
}

/*
 * split_vma for a region: pages [at, nr_pages) become a region of their
 * own, with the window's tail as its window, so an owner that unmaps part
 * of its mapping (munmap, MAP_FIXED over it, a shrinking mremap) frees
 * exactly those pages and the rest stays where it is.  The reverse map of
 * each tail page is rewritten under owners_lock once no page of the region
 * is under migration, as the kernel splits a VMA under the mmap lock with
 * no migration entry of its range outstanding.
 */
int memhp_region_split(struct memhp_region *r, size_t at, struct memhp_region **tail)
{
	struct memhp_machine *m;
	struct memhp_region *t;
	size_t n;

	if (!r || !tail || !at || at >= r->nr_pages)
		return -EINVAL;
	m = r->m;
	n = r->nr_pages - at;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->pfns = malloc(n * sizeof(*t->pfns));
	if (!t->pfns || should_fail(m))
		goto fail_free;
	t->m = m;
	t->nr_pages = n;
	t->nid = r->nid;
	t->flags = r->flags;
	t->window = r->window + at * m->page_size;
	lock_region_settled(m, r);
	t->window_slot = window_slot_get(t, (uintptr_t)t->window, (uintptr_t)t->window + n * m->page_size,
					 m->page_size);
	if (t->window_slot < 0) {
		pthread_mutex_unlock(&m->owners_lock);
		goto fail_free;
	}
	/* the head's slot shrinks only once the tail's covers the rest */
	atomic_store(&windows[r->window_slot].end, (uintptr_t)t->window);
	for (size_t i = 0; i < n; i++) {
		struct page *p = pfn_to_page(m, r->pfns[at + i]);

		t->pfns[i] = r->pfns[at + i];
		p->owner = (uint64_t)(uintptr_t)t;
		p->index = i;
	}
	r->nr_pages = at;
	region_link(m, t);
	pthread_mutex_unlock(&m->owners_lock);
	*tail = t;
	return 0;
fail_free:
	free(t->pfns);
	free(t);
	return -ENOMEM;
}

/* ---- fork(2) ---------------------------------------------------------------- */

/*
 * The snapshot memhp_fork gives a child: per window, a private anonymous
 * copy that the child puts in the window's place.  Process-wide, as the
 * fault handler that reads it in the child is; one fork at a time
 * (fork_snap_lock).  In the parent it is empty but during memhp_fork.
 */
static struct {
	_Atomic uintptr_t window, len, copy;
} fork_snap[WINDOW_SLOTS];
static _Atomic int fork_snap_n;
static _Atomic pid_t fork_snap_parent;
static pthread_mutex_t fork_snap_lock = PTHREAD_MUTEX_INITIALIZER;

/* in a forked child: put window k's copy in place, once; true if it was there */
static bool fork_snap_place(int k)
{
	uintptr_t copy = atomic_exchange(&fork_snap[k].copy, 0);

	if (!copy)
		return false;
	return mremap((void *)copy, atomic_load(&fork_snap[k].len), atomic_load(&fork_snap[k].len),
		      MREMAP_MAYMOVE | MREMAP_FIXED, (void *)atomic_load(&fork_snap[k].window)) != MAP_FAILED;
}

/*
 * The SIGSEGV handler's part in a forked child: an access to a window
 * (which a plain fork does not copy: MADV_DONTFORK) before memhp_fork has
 * put the snapshot there - from the atfork child handlers glibc runs
 * first - puts it there now; the access is retried on the child's own
 * copy.  mremap(2) is a system call, safe in a handler.
 */
static bool fork_snap_fault(uintptr_t a)
{
	int n = atomic_load(&fork_snap_n);

	if (!n || getpid() == atomic_load(&fork_snap_parent))
		return false;
	for (int k = 0; k < n; k++) {
		uintptr_t w = atomic_load(&fork_snap[k].window);

		if (a >= w && a < w + atomic_load(&fork_snap[k].len))
			return fork_snap_place(k) || !atomic_load(&fork_snap[k].copy);
	}
	return false;
}

static void fork_snap_drop(int n)
{
	for (int k = 0; k < n; k++) {
		uintptr_t copy = atomic_exchange(&fork_snap[k].copy, 0);

		if (copy)
			munmap((void *)copy, atomic_load(&fork_snap[k].len));
	}
	atomic_store(&fork_snap_n, 0);
}

/* a region page in device-private memory (owners_lock held), or NULL */
static struct memhp_region *device_page_of_regions(struct memhp_machine *m, size_t *idx)
{
	for (struct memhp_region *r = m->regions; r; r = r->next) {
		for (size_t i = 0; i < r->nr_pages; i++) {
			if (is_device_private_pfn(m, r->pfns[i])) {
				*idx = i;
				return r;
			}
		}
	}
	return NULL;
}

/*
 * owners_lock taken with every region page in RAM.  A page in
 * device-private memory has no CPU mapping to copy (its window page is a
 * placeholder that faults, and the fault needs owners_lock): it comes back
 * first, as the CPU access the copy is would bring it (migrate_to_ram).
 * -ENOMEM, without the lock, when one cannot come back (no RAM for it).
 */
static int lock_regions_in_ram(struct memhp_machine *m)
{
	struct memhp_region *last = NULL;
	unsigned long last_pfn = 0;

	for (;;) {
		struct memhp_region *r;
		size_t idx = 0;

		pthread_mutex_lock(&m->owners_lock);
		r = device_page_of_regions(m, &idx);
		if (!r)
			return 0;
		if (r == last && r->pfns[idx] == last_pfn) {
			pthread_mutex_unlock(&m->owners_lock);
			return -ENOMEM;	/* it stayed out: the driver had no RAM for it */
		}
		last = r;
		last_pfn = r->pfns[idx];
		region_device_fault_locked(r, idx, true);	/* returns without the lock */
	}
}

/*
 * Copy every window into private memory, the writers held off while it is
 * copied (owners_lock held: no migration moves a page meanwhile).  Returns
 * how many windows, or -ENOMEM (nothing kept).
 */
static int fork_snap_take(struct memhp_machine *m)
{
	int n = 0;

	if (lock_regions_in_ram(m))
		return -ENOMEM;
	for (struct memhp_region *r = m->regions; r; r = r->next)
		wp_protect(m, r->window, r->pfns, r->nr_pages);
	for (struct memhp_region *r = m->regions; r && n >= 0; r = r->next) {
		size_t len = r->nr_pages * m->page_size;
		void *copy = n < WINDOW_SLOTS ? mmap(NULL, len, PROT_READ | PROT_WRITE,
						     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) : MAP_FAILED;

		if (copy == MAP_FAILED || should_fail(m)) {
			if (copy != MAP_FAILED)
				munmap(copy, len);
			fork_snap_drop(n);
			n = -ENOMEM;
			break;
		}
		memcpy(copy, r->window, len);
		atomic_store(&fork_snap[n].window, (uintptr_t)r->window);
		atomic_store(&fork_snap[n].len, len);
		atomic_store(&fork_snap[n].copy, (uintptr_t)copy);
		atomic_store(&fork_snap_n, ++n);
	}
	for (struct memhp_region *r = m->regions; r; r = r->next) {
		wp_unprotect(m, r->window, r->pfns, r->nr_pages);
		wp_wake(m, r->window, r->nr_pages * m->page_size);
	}
	pthread_mutex_unlock(&m->owners_lock);
	return n;
}

/*
 * fork(2) for a process whose memory is regions (libmemhp-preload.so's
 * fork): the child gets every region's contents as they were at the fork,
 * as private memory; the parent keeps its regions.  A window is a shared
 * mapping of the device, never copy-on-write, so the parent first copies
 * each one into private anonymous memory while its writers wait on the
 * write-protected windows (userfaultfd: stores and system calls sleep),
 * lets them go, and forks: the copies are what the child inherits,
 * copy-on-write, and it puts them in the windows' places - before glibc's
 * atfork child handlers run if they touch one (the fault handler), so
 * they write the child's memory, never the parent's.  No lock is held
 * across fork() itself: an atfork prepare handler may need a lock that a
 * thread waiting on a window holds.  A store another thread makes between
 * the copy and fork() is the parent's only; a region mapped meanwhile is
 * not inherited.  Returns fork's value (-1 and ENOMEM when the copies do
 * not fit, or a device-private page cannot come back); the child's machine
 * is not usable (its threads are gone).
 */
pid_t memhp_fork(struct memhp_machine *m)
{
	pid_t pid;
	int n;

	pthread_mutex_lock(&fork_snap_lock);
	n = fork_snap_take(m);
	if (n < 0) {
		pthread_mutex_unlock(&fork_snap_lock);
		errno = ENOMEM;
		return -1;
	}
	atomic_store(&fork_snap_parent, getpid());
	pid = fork();
	if (pid == 0) {
		for (int k = 0; k < n; k++)
			if (atomic_load(&fork_snap[k].copy) && !fork_snap_place(k))
				_exit(127);	/* the child cannot have its memory */
		atomic_store(&fork_snap_n, 0);
		return 0;
	}
	fork_snap_drop(n);
	pthread_mutex_unlock(&fork_snap_lock);
	return pid;
}

void regions_destroy(struct memhp_machine *m)
{
	while (m->regions)
		region_release(m, m->regions, false);
}

void *memhp_region_addr(const struct memhp_region *r)
{
	return r->window;
}

size_t memhp_region_pages(const struct memhp_region *r)
{
	return r->nr_pages;
}

long memhp_region_pfn(struct memhp_region *r, size_t index)
{
	long pfn;

	if (index >= r->nr_pages)
		return -EINVAL;
	pthread_mutex_lock(&r->m->owners_lock);
	pfn = (long)r->pfns[index];
	pthread_mutex_unlock(&r->m->owners_lock);
	return pfn;
}

/*
 * owners_lock taken with window page index not under migration: a locked
 * page is a migration entry, which get_user_pages waits on
 */
static struct page *lock_settled_page(struct memhp_region *r, size_t index)
{
	struct memhp_machine *m = r->m;

	for (;;) {
		struct page *p;

		pthread_mutex_lock(&m->owners_lock);
		p = pfn_to_page(m, r->pfns[index]);
		if (!(page_flags(p) & PG_locked))
			return p;
		pthread_mutex_unlock(&m->owners_lock);
		sched_yield();
	}
}

/*
 * get_user_pages: a page out in device-private memory is faulted back
 * first (handle_mm_fault -> migrate_to_ram); one that cannot come back
 * (no RAM) fails the pin with -ENOMEM, as VM_FAULT_OOM fails GUP.
 */
int memhp_region_pin(struct memhp_region *r, size_t index)
{
	struct memhp_machine *m = r->m;

	if (index >= r->nr_pages)
		return -EINVAL;
	for (int tries = 0;; tries++) {
		struct page *p = lock_settled_page(r, index);

		if (!is_device_private_pfn(m, r->pfns[index])) {
			__atomic_fetch_add(&p->refcount, 1, __ATOMIC_RELAXED);
			pthread_mutex_unlock(&m->owners_lock);
			return 0;
		}
		pthread_mutex_unlock(&m->owners_lock);
		if (tries == 2)
			return -ENOMEM;
		if (region_device_fault(r, index) == VM_FAULT_SIGBUS)
			return -EFAULT;
	}
}

int memhp_region_unpin(struct memhp_region *r, size_t index)
{
	struct page *p;
	int ret = 0;

	if (index >= r->nr_pages)
		return -EINVAL;
	p = lock_settled_page(r, index);
	if (page_ref(p) > 1)
		__atomic_fetch_sub(&p->refcount, 1, __ATOMIC_RELAXED);
	else
		ret = -EINVAL;	/* not pinned */
	pthread_mutex_unlock(&r->m->owners_lock);
	return ret;
}

/* ---- unmovable allocations ---------------------------------------------------- */

long memhp_alloc_pages(struct memhp_machine *m, int nid, unsigned int order)
{
	machine_check(m);
	if (order > m->arch->max_order || nid >= (int)m->nr_nodes)
		return -EINVAL;
	if (should_fail(m))
		return -ENOMEM;
	return alloc_pages_node(m, nid, ALLOC_KERNEL, order);
}

int memhp_free_pages(struct memhp_machine *m, unsigned long pfn, unsigned int order)
{
	machine_check(m);
	struct page tmp;
	const struct page *p;

	if (order > m->arch->max_order || !pfn_online(m, pfn))
		return -EINVAL;
	p = page_peek(m, pfn, &tmp);	/* a deferred page is free: refused below */
	if (p->refcount != 1 ||
	    (p->flags & (PG_lru | PG_tail | PG_buddy | PG_reserved | PG_vmemmap_self_hosted | PG_offline | PG_pcp)) ||
	    p->order != order)
		return -EINVAL;
	free_pages(m, pfn, order);
	return 0;
}

/* ---- migration ------------------------------------------------------------------ */

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}

bool offline_cancelled(struct memhp_machine *m)
{
	if (m->offline_cancel && *m->offline_cancel)
		return true;
	return m->offline_deadline_ns && now_ns() >= m->offline_deadline_ns;
}

void offline_cancel_arm(struct memhp_machine *m, const volatile int *cancel, unsigned int timeout_ms)
{
	m->offline_cancel = cancel;
	m->offline_deadline_ns = timeout_ms ? now_ns() + (uint64_t)timeout_ms * 1000000ULL : 0;
}

void offline_cancel_disarm(struct memhp_machine *m)
{
	m->offline_cancel = NULL;
	m->offline_deadline_ns = 0;
}

/*
 * do_migrate_range's nodemask is every node with memory but the source -
 * the source only when it is the only one: the node the zonelist walk
 * leaves out, or -1.
 */
static int migration_skip_node(struct memhp_machine *m, int src_nid)
{
	for (unsigned int n = 0; n < m->nr_nodes; n++)
		if ((int)n != src_nid && node_state(m, (int)n, N_MEMORY))
			return src_nid;
	return -1;
}

/*
 * alloc_migration_target with do_migrate_range's nodemask: every node with
 * memory except the source, or the source when it is the only one.  The
 * walk is __alloc_pages': the fast path tries every allowed zone against
 * its low watermark before the slow path tries them against min, so a
 * zone below low gives no target while another zone is above it (the
 * kernel's offline of a full ZONE_MOVABLE leaves it at low, the rest
 * going to DMA32).  Only a page of ZONE_MOVABLE may land in ZONE_MOVABLE:
 * do_migrate_range asks for GFP_USER | __GFP_MOVABLE, and
 * alloc_migration_target adds __GFP_HIGHMEM for a source in ZONE_MOVABLE
 * alone, so a page leaving a Normal block stays below ZONE_MOVABLE - but
 * a large folio's target is asked with GFP_TRANSHUGE, which carries
 * __GFP_HIGHMEM itself: a THP may move from Normal into ZONE_MOVABLE.
 */
static long alloc_target(struct memhp_machine *m, unsigned long src_pfn, unsigned int order)
{
	int src_nid = pfn_to_page(m, src_pfn)->nid;
	enum alloc_zones zones = order || page_zone(m, src_pfn)->idx == ZONE_MOVABLE ? ALLOC_MOVABLE
										      : ALLOC_USER_MOVABLE;

	return __alloc_pages(m, src_nid, migration_skip_node(m, src_nid), zones, order);
}

#define MIGRATE_BATCH 512

/*
 * Step 2 for a run: the contents go from the source pages into the
 * targets' device pages, one pwrite per run of contiguous targets - the
 * device's page cache is the memory itself, and no page-table entry has
 * to be built for the copy.  The source is the owner's window, mapped and
 * read-only now - except on a huge backing, read through the direct map
 * as the kernel's copy_highpage reads through its own: the write-protect
 * has split the window's PMD, and reading it 4 KiB at a time would fault
 * on every page, while the direct map keeps its PMDs.  Both views are the
 * same pages: a run that starts in the window stays there.
 */
static int copy_to_targets(struct memhp_machine *m, const uint8_t *va, const unsigned long *src, const long *target,
			   size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned long pfn = (unsigned long)target[i];
		uint64_t phys = PFN_PHYS_M(m, pfn);
		struct physdev *d = physdev_find(m, phys), *sd = physdev_find(m, PFN_PHYS_M(m, src[i]));
		bool direct = sd && sd->huge;
		const uint8_t *from = direct ? (const uint8_t *)page_address(m, src[i]) : va + i * m->page_size;
		size_t run = 1, bytes;

		if (!d)
			return -ENOMEM;
		while (i + run < n && (unsigned long)target[i + run] == pfn + run &&
		       PFN_PHYS_M(m, pfn + run) < d->phys_start + d->size &&
		       (!direct || (src[i + run] == src[i] + run &&
				    PFN_PHYS_M(m, src[i] + run) < sd->phys_start + sd->size)))
			run++;
		bytes = run * m->page_size;
		if (pwrite(d->fd, from, bytes, (off_t)(d->fd_offset + phys - d->phys_start)) != (ssize_t)bytes)
			return -EIO;
		i += run;
	}
	return 0;
}

/*
 * The pages of a batch that did not move, [from, n): back on their old
 * pages and writable.  Before the remap step their mapping still stands
 * and only the protection goes; once it began, the window may map a
 * target (a run mapped but not registered) or nothing (MAP_FIXED may
 * unmap before it fails), so the old pages are mapped afresh.  This cannot
 * be left undone - the writers waiting on these pages would wait for
 * ever, or fault for ever - so it is retried until the host gives the
 * mapping back, as remove_migration_ptes cannot fail.
 */
static void restore_unmoved(struct memhp_machine *m, struct memhp_region *r, size_t idx,
			    const unsigned long *src, size_t from, size_t n, bool mapping_intact)
{
	uint8_t *va = r->window + (idx + from) * m->page_size;
	bool logged = false;

	for (size_t i = from; i < n; i++)
		r->pfns[idx + i] = src[i];
	if (mapping_intact && !wp_unprotect(m, va, src + from, n - from))
		return;
	while (map_window(r, idx + from, n - from)) {
		if (!logged)
			mlog(m, "memhp: migration: cannot map a window page back; retrying");
		logged = true;
		sched_yield();
	}
}

/*
 * Whether src[0..k) - window pages [idx, idx + k) of r - are one huge
 * folio: the PMD-aligned stretch a huge region took whole (thp_order_at),
 * still on contiguous, aligned pfns (no part of it moved alone).
 */
static bool is_huge_folio(const struct memhp_region *r, size_t idx, const unsigned long *src, size_t k)
{
	unsigned int order = thp_order_at(r, idx);

	return order && k == 1UL << order && IS_ALIGNED(src[0], k) && src[k - 1] == src[0] + k - 1;
}

/*
 * The targets of a batch: a huge folio gets a huge folio, so that it stays
 * PMD-mappable where it lands (alloc_migration_target keeps the order);
 * when none is free it moves as base pages, as migrate_pages splits a THP
 * it cannot place.  Returns how many targets (a failure is retried by the
 * offline loop, never fatal).
 */
static size_t alloc_targets(struct memhp_machine *m, const struct memhp_region *r, size_t idx,
			    const unsigned long *src, size_t k, long *target)
{
	size_t n = 0;

	if (is_huge_folio(r, idx, src, k) && !should_fail(m)) {
		unsigned int order = m->arch->pageblock_order;
		long pfn = alloc_target(m, src[0], order);

		if (pfn >= 0) {
			split_page(m, (unsigned long)pfn, order);
			for (; n < k; n++)
				target[n] = pfn + (long)n;
			return n;
		}
	}
	while (n < k && !should_fail(m)) {
		target[n] = alloc_target(m, src[n], 0);
		if (target[n] < 0)
			break;
		n++;
	}
	return n;
}

/*
 * Migrate window pages [idx, idx + k) of region r, whose pages are src[]:
 * the three steps of the header for the whole run at once - one
 * write-protect, the copies, one mmap per run of contiguous targets - so
 * that a block of a process's memory moves at memcpy-like speed.  A step
 * that fails leaves the pages it had not moved where they were, writable
 * again (retried by the offline loop).  Returns the number of pages
 * migrated; *failed counts the pages that had a target and still did not
 * move, and *no_target is set when a page found no target (-ENOMEM).
 */
static size_t migrate_batch(struct memhp_machine *m, struct memhp_region *r, size_t idx,
			    const unsigned long *src, size_t k, long *target, size_t *failed,
			    bool *no_target)
{
	uint8_t *va = r->window + idx * m->page_size;
	size_t n = alloc_targets(m, r, idx, src, k, target), mapped = 0;
	int slot;

	*no_target = n < k;
	*failed = 0;
	if (!n)
		return 0;
	/* 1: migration entries - writers now wait */
	slot = in_flight_enter((uintptr_t)va, (uintptr_t)(va + n * m->page_size));
	if (should_fail(m) || wp_protect(m, va, src, n)) {
		restore_unmoved(m, r, idx, src, 0, n, true);	/* a part may be protected */
		goto free_targets;
	}
	/* 2: copy */
	if (should_fail(m) || copy_to_targets(m, va, src, target, n)) {
		restore_unmoved(m, r, idx, src, 0, n, true);
		goto free_targets;
	}
	/* 3: the owner's view follows the pages */
	for (size_t i = 0; i < n; i++)
		set_owner(m, r, idx + i, (unsigned long)target[i]);
	if (map_window_counted(r, idx, n, &mapped))
		restore_unmoved(m, r, idx, src, mapped, n, false);
free_targets:
	/* writers that slept on the batch retry, on the new pages or the old */
	wp_wake(m, va, n * m->page_size);
	in_flight_leave(slot);
	/* a page remapped leaves its old page behind, one not its copy */
	unback_pages(m, src, mapped);
	for (size_t i = 0; i < n; i++)
		free_pages(m, i < mapped ? src[i] : (unsigned long)target[i], 0);
	*failed = n - mapped;
	return mapped;
}

/* a page that can move now: a region's, not pinned */
static bool movable_now(const struct page *p)
{
	return (page_flags(p) & PG_lru) && page_ref(p) == 1;
}

/*
 * How many pages a batch starting at window page idx of r may take: a
 * huge folio whole (pageblock_nr_pages, more than MIGRATE_BATCH with 16K
 * and 64K pages) when one starts there and the buffers hold it, else
 * MIGRATE_BATCH.
 */
static size_t batch_limit(const struct memhp_region *r, size_t idx, size_t cap)
{
	size_t folio = r->m->pageblock_nr_pages;

	return thp_order_at(r, idx) && folio <= cap ? (folio > MIGRATE_BATCH ? folio : MIGRATE_BATCH)
						    : MIGRATE_BATCH;
}

/*
 * The next pages of a batch: the pfns after pfn that hold the next pages
 * of the same region, movable now - and never the start of the region's
 * next huge folio, so that each folio begins a batch of its own and can
 * move whole even after a page before it could not (pinned, on a device,
 * or cut off by a split).
 */
static size_t batch_extend(struct memhp_machine *m, const struct memhp_region *r, unsigned long pfn,
			   unsigned long end, unsigned long *src, size_t limit)
{
	const struct page *p = pfn_to_page(m, pfn);
	size_t k = 1;

	src[0] = pfn;
	while (k < limit && pfn + k < end) {
		const struct page *q = pfn_to_page(m, pfn + k);

		if (!movable_now(q) || q->owner != p->owner || q->index != p->index + k ||
		    thp_order_at(r, p->index + k))
			break;
		src[k] = pfn + k;
		k++;
	}
	return k;
}

unsigned long do_migrate_range(struct memhp_machine *m, unsigned long start, unsigned long end)
{
	unsigned long migrated = 0, src_stack[MIGRATE_BATCH], *src = src_stack;
	long target_stack[MIGRATE_BATCH], *target = target_stack;
	size_t cap = MIGRATE_BATCH;

	/* room for a folio bigger than a batch; without it, such folios move as base pages */
	if (m->pageblock_nr_pages > MIGRATE_BATCH) {
		src = malloc(m->pageblock_nr_pages * sizeof(*src));
		target = malloc(m->pageblock_nr_pages * sizeof(*target));
		cap = m->pageblock_nr_pages;
		if (!src || !target) {
			free(src);
			free(target);
			src = src_stack;
			target = target_stack;
			cap = MIGRATE_BATCH;
		}
	}
	pthread_mutex_lock(&m->owners_lock);
	for (unsigned long pfn = start; pfn < end; pfn++) {
		struct page *p = pfn_to_page(m, pfn);
		struct memhp_region *r;
		size_t idx, k, moved, failed;
		bool no_target, huge;

		if (page_flags(p) & PG_buddy) {
			pfn += (1UL << page_order(p)) - 1;
			continue;
		}
		if (!movable_now(p))
			continue;	/* not a user's page, or pinned: the offline retries */
		r = (struct memhp_region *)(uintptr_t)p->owner;
		idx = p->index;
		k = batch_extend(m, r, pfn, end, src, batch_limit(r, idx, cap));
		huge = is_huge_folio(r, idx, src, k);
		moved = migrate_batch(m, r, idx, src, k, target, &failed, &no_target);
		/*
		 * count_vm_events(PGMIGRATE_SUCCESS/FAIL) of migrate_pages.  A
		 * page without a target is -ENOMEM to migrate_pages_batch: that
		 * page fails, the ones after it are not tried ("when memory is
		 * low, don't bother to try to migrate other folios") and go
		 * back uncounted; the offline loop scans again.  A huge folio
		 * is split first and its base pages tried on their own
		 * (split_folios): their -ENOMEM ends only them, and the pass
		 * goes on with the next folio.
		 */
		atomic_fetch_add(&m->pgmigrate_success, moved);
		atomic_fetch_add(&m->pgmigrate_fail, failed + no_target);
		migrated += moved;
		if ((no_target && !huge) || offline_cancelled(m))
			break;
		pfn += k - 1;
	}
	pthread_mutex_unlock(&m->owners_lock);
	if (src != src_stack) {
		free(src);
		free(target);
	}
	return migrated;
}
