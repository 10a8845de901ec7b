// SPDX-License-Identifier: MIT
/*
 * preload.c - libmemhp-preload.so: an unmodified program's heap on memhp
 * movable memory, which memhpctl can then take away from under it.
 *
 *   LD_PRELOAD=libmemhp-preload.so MEMHP_SOCKET=/run/app.sock PROGRAM
 *
 * Where the memory comes from.  A program's allocator gets its memory
 * from the kernel with anonymous private mmap(2) and gives it back with
 * munmap(2), madvise(2) and mremap(2).  Those four are interposed here:
 * an anonymous, private, writable mapping of at least MEMHP_MIN bytes is
 * served by a memhp region (memhp_region_alloc) of the same size, whose
 * window is the address the program gets.  jemalloc (Debian's Redis),
 * mimalloc and tcmalloc call mmap through the dynamic linker, so their
 * whole heap lands there.  glibc's malloc does not: it calls the system
 * call from inside libc, where no preload reaches, so a glibc-malloc
 * program (memcached, sqlite3) runs with a second preload,
 * libmimalloc.so.2, as its malloc: `memhpctl preload` adds it when the
 * program's malloc would be glibc's.
 *
 * Why the machine runs inside the process.  Migrating a page means
 * write-protecting the program's view of it, copying it and remapping
 * the view to the new page while the program's threads wait - page-table
 * work only the process that owns the mapping can do (it is what
 * migrate.c does to a region's window).  memhpd in another process could
 * not remap this one's pages.  So the machine is built here at load time,
 * its memory is the program's heap, and memhpd's control protocol
 * (tools/ctl_server.c, linked in) serves it on MEMHP_SOCKET:
 * `memhpctl --socket S device del dimm1` migrates the program's live
 * pages off that DIMM and removes it while the program runs.
 *
 * Keeping the two apart.  The library and the protocol server must never
 * allocate from the program's allocator (whose locks the program's thread
 * may hold while it calls our mmap) nor see their own mmap calls
 * interposed: the build renames their malloc family to glibc's
 * __libc_malloc & co. and their mmap family to the system calls below
 * (objcopy --redefine-sym, see the Makefile), and every thread they
 * start is marked so its mappings pass straight through.
 *
 * What the program sees, as the kernel's anonymous memory behaves:
 * munmap of part of a mapping splits its region (memhp_region_split, the
 * kernel's split_vma) and frees exactly those pages; MADV_DONTNEED zeroes
 * (the next read of an anonymous page after it is a zero page);
 * MADV_FREE leaves the contents (allowed: the kernel may or may not
 * discard them); mremap moves a mapping by copying it to a new region;
 * MAP_FIXED over a region unmaps that part first; fork gives the child a
 * copy of the heap as of the fork (memhp_fork).  What differs: a page
 * that migrates is mapped again read-write whatever mprotect said; a
 * fork copies the whole heap at once, the parent's writers waiting; a
 * mapping another thread makes during the fork is not inherited.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "memhp/memhp.h"
#include "preload.h"

/* lib/migrate.c: a region's pages freed, its window left PROT_NONE */
void region_free_keep_va(struct memhp_region *r);

/* glibc's own allocator, whatever malloc the program interposes */
extern void *__libc_malloc(size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void __libc_free(void *p);

/* ---- the system calls, for us and for what is not the heap's ---------- */

void *memhp_sys_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
}

int memhp_sys_munmap(void *addr, size_t len)
{
	return (int)syscall(SYS_munmap, addr, len);
}

int memhp_sys_madvise(void *addr, size_t len, int advice)
{
	return (int)syscall(SYS_madvise, addr, len, advice);
}

int memhp_sys_mprotect(void *addr, size_t len, int prot)
{
	return (int)syscall(SYS_mprotect, addr, len, prot);
}

void *memhp_sys_mremap(void *old, size_t old_len, size_t new_len, int flags, void *new_addr)
{
	return (void *)syscall(SYS_mremap, old, old_len, new_len, flags, new_addr);
}

/* strdup and getline/getdelim for memhp's own code, on glibc's allocator too */
char *memhp_preload_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = __libc_malloc(n);

	return p ? memcpy(p, s, n) : NULL;
}

ssize_t memhp_preload_getdelim(char **line, size_t *cap, int delim, FILE *f)
{
	size_t n = 0;
	int c;

	while ((c = getc(f)) != EOF) {
		if (n + 2 > *cap) {
			size_t grow = *cap ? 2 * *cap : 128;
			char *p = __libc_realloc(*line, grow);

			if (!p)
				return -1;
			*line = p;
			*cap = grow;
		}
		(*line)[n++] = (char)c;
		if (c == delim)
			break;
	}
	if (!n)
		return -1;
	(*line)[n] = 0;
	return (ssize_t)n;
}

ssize_t memhp_preload_getline(char **line, size_t *cap, FILE *f)
{
	return memhp_preload_getdelim(line, cap, '\n', f);
}

/* ---- the heap's mappings ------------------------------------------------ */

/* one region serving [start, end) of the program's address space */
struct heap_map {
	uintptr_t start, end;
	struct memhp_region *r;
};

/*
 * The preload's state, one per process (a preload is process-wide by
 * nature): the machine and the sorted table of the heap's mappings.  A
 * forked child inherits it but not the regions' windows:
 * there owner != getpid() and everything passes through.
 */
static struct preload {
	struct memhp_machine *m;
	pid_t owner;
	size_t page_size, min_bytes;
	pthread_mutex_t lock;		/* maps */
	struct heap_map *maps;
	size_t nr_maps, cap_maps;
	atomic_int ready;
} P = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* set in memhp's own threads and while we run memhp code: pass through */
static __thread int passthrough;

void preload_thread_mark(void)
{
	passthrough = 1;
}

#define PAGE_UP(n) (((n) + P.page_size - 1) & ~(P.page_size - 1))

static bool heap_active(void)
{
	return atomic_load_explicit(&P.ready, memory_order_acquire) && !passthrough && getpid() == P.owner;
}

/* the first mapping whose end is above a */
static size_t maps_lower_bound(uintptr_t a)
{
	size_t lo = 0, hi = P.nr_maps;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (P.maps[mid].end <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool maps_overlap(uintptr_t a, uintptr_t b)
{
	size_t i = maps_lower_bound(a);

	return i < P.nr_maps && P.maps[i].start < b;
}

static int maps_reserve(size_t more);

/* at a sorted place; maps_reserve made room */
static int maps_insert(size_t at, struct heap_map hm)
{
	if (maps_reserve(1))
		return -ENOMEM;
	memmove(P.maps + at + 1, P.maps + at, (P.nr_maps - at) * sizeof(*P.maps));
	P.maps[at] = hm;
	P.nr_maps++;
	return 0;
}

static void maps_remove(size_t at)
{
	memmove(P.maps + at, P.maps + at + 1, (P.nr_maps - at - 1) * sizeof(*P.maps));
	P.nr_maps--;
}

/* a fresh region for a new mapping of len bytes; NULL: use the host's */
static void *heap_map_new(size_t len)
{
	size_t pages = PAGE_UP(len) / P.page_size;
	struct memhp_region *r;
	struct heap_map hm;
	int ret;

	passthrough = 1;
	ret = memhp_region_alloc(P.m, pages, -1, MEMHP_REGION_HUGE, &r);
	passthrough = 0;
	if (ret)
		return NULL;	/* the host's memory serves it (mmap falls through) */
	hm.start = (uintptr_t)memhp_region_addr(r);
	hm.end = hm.start + pages * P.page_size;
	hm.r = r;
	pthread_mutex_lock(&P.lock);
	ret = maps_insert(maps_lower_bound(hm.start), hm);
	pthread_mutex_unlock(&P.lock);
	if (ret) {
		passthrough = 1;
		memhp_region_free(r);
		passthrough = 0;
		return NULL;
	}
	return (void *)hm.start;
}

/*
 * Cut [a, b) out of mapping i (P.lock held, room for two more mappings):
 * split_vma at both ends, free the middle region.  Returns the index of
 * the first mapping after the cut, or -ENOMEM with nothing cut (as the
 * kernel's munmap fails when the split finds no memory).
 */
static long heap_cut(size_t i, uintptr_t a, uintptr_t b)
{
	struct heap_map *hm = &P.maps[i];
	struct memhp_region *mid = hm->r, *tail = NULL;
	uintptr_t s = hm->start, e = hm->end;

	a = a < s ? s : a;
	b = b > e ? e : b;
	if (b < e && memhp_region_split(mid, (b - s) / P.page_size, &tail))
		return -ENOMEM;
	if (tail) {
		/* [b, e) stays: a mapping of its own after this one */
		hm->end = b;
		maps_insert(i + 1, (struct heap_map){ b, e, tail });
		hm = &P.maps[i];
	}
	if (a > s) {
		if (memhp_region_split(hm->r, (a - s) / P.page_size, &mid))
			return -ENOMEM;	/* the tail is split off already: still whole memory */
		hm->end = a;
		i++;
	} else {
		maps_remove(i);
	}
	region_free_keep_va(mid);
	return (long)i;
}

/*
 * P.lock held.  The table grows with the libc's realloc - which may be an
 * allocator preloaded after us (mimalloc defines __libc_realloc too) and
 * map a new segment: that mmap must pass through to the host, since
 * taking it onto the heap would take P.lock again (a self-deadlock seen
 * with sqlite3 on mimalloc).
 */
static int maps_reserve(size_t more)
{
	while (P.nr_maps + more > P.cap_maps) {
		size_t cap = P.cap_maps ? 2 * P.cap_maps : 256;
		int saved = passthrough;
		struct heap_map *n;

		passthrough = 1;
		n = __libc_realloc(P.maps, cap * sizeof(*n));
		passthrough = saved;
		if (!n)
			return -ENOMEM;
		P.maps = n;
		P.cap_maps = cap;
	}
	return 0;
}

/*
 * Give back every heap page in [a, b).  The windows' ranges are left
 * reserved (PROT_NONE): the caller's one munmap or MAP_FIXED mmap over
 * [a, b) then takes them and the host's part at once, as the kernel's
 * munmap is one step - no other thread's mapping can land in between.
 */
static int heap_unmap_range(uintptr_t a, uintptr_t b)
{
	int ret = 0;

	pthread_mutex_lock(&P.lock);
	passthrough = 1;
	for (size_t i = maps_lower_bound(a); i < P.nr_maps && P.maps[i].start < b;) {
		long next = maps_reserve(2) ? -ENOMEM : heap_cut(i, a, b);

		if (next < 0) {
			ret = (int)next;
			break;
		}
		i = (size_t)next;
	}
	passthrough = 0;
	pthread_mutex_unlock(&P.lock);
	return ret;
}

/* MADV_DONTNEED on the heap: the next read finds zeroes, as after a zap */
static void heap_zero_range(uintptr_t a, uintptr_t b)
{
	pthread_mutex_lock(&P.lock);
	for (size_t i = maps_lower_bound(a); i < P.nr_maps && P.maps[i].start < b; i++) {
		uintptr_t s = a > P.maps[i].start ? a : P.maps[i].start;
		uintptr_t e = b < P.maps[i].end ? b : P.maps[i].end;

		memset((void *)s, 0, e - s);
	}
	pthread_mutex_unlock(&P.lock);
}

/* the host's part of [a, b): the gaps between heap mappings, one call each */
static int host_each_gap(uintptr_t a, uintptr_t b, int (*fn)(uintptr_t, size_t, int), int arg)
{
	int ret = 0;

	pthread_mutex_lock(&P.lock);
	for (size_t i = maps_lower_bound(a); a < b; i++) {
		uintptr_t next = i < P.nr_maps && P.maps[i].start < b ? P.maps[i].start : b;

		if (next > a && fn(a, next - a, arg))
			ret = -1;
		if (next >= b)
			break;
		a = P.maps[i].end;
	}
	pthread_mutex_unlock(&P.lock);
	return ret;
}

static int gap_madvise(uintptr_t a, size_t len, int advice)
{
	return memhp_sys_madvise((void *)a, len, advice);
}

static bool heap_candidate(size_t len, int prot, int flags, int fd)
{
	const int refused = MAP_FIXED | MAP_FIXED_NOREPLACE | MAP_GROWSDOWN | MAP_STACK | MAP_HUGETLB;

	return (flags & MAP_ANONYMOUS) && (flags & MAP_TYPE) == MAP_PRIVATE && !(flags & refused) &&
	       prot == (PROT_READ | PROT_WRITE) && len >= P.min_bytes && heap_active();
}

/* ---- pins: a system call's I/O straight into heap pages ----------------- */

/*
 * Pin every heap page of [a, a + len) (get_user_pages for an O_DIRECT
 * read: the device writes into these very pages, so none may move until
 * the I/O is done).  Fills pins[] with the pinned pages' addresses, up to max; returns
 * how many, or -E2BIG when the range holds more heap pages than that (the
 * caller pins in pieces).  A page under migration is pinned once it has
 * moved.  Pages that are not the heap's need nothing.
 */
long heap_pin(uintptr_t a, size_t len, uintptr_t *pins, size_t max)
{
	uintptr_t end = a + len, page;
	size_t n = 0;

	if (!heap_active() || !len)
		return 0;
	pthread_mutex_lock(&P.lock);
	for (page = a & ~(P.page_size - 1); page < end; page += P.page_size) {
		size_t i = maps_lower_bound(page);

		if (i >= P.nr_maps || P.maps[i].start > page)
			continue;
		if (n == max) {
			pthread_mutex_unlock(&P.lock);
			heap_unpin(pins, n);
			return -E2BIG;
		}
		passthrough = 1;
		if (memhp_region_pin(P.maps[i].r, (page - P.maps[i].start) / P.page_size)) {
			passthrough = 0;
			pthread_mutex_unlock(&P.lock);
			heap_unpin(pins, n);
			return -EFAULT;	/* get_user_pages failed: the I/O does not start */
		}
		pins[n++] = page;
		passthrough = 0;
	}
	pthread_mutex_unlock(&P.lock);
	return (long)n;
}

/*
 * By address: another thread may have split the region meanwhile (munmap
 * of another part of the mapping); the page is still the buffer's.
 */
void heap_unpin(const uintptr_t *pins, size_t n)
{
	if (!n)
		return;	/* nothing pinned: P.lock not needed (a forked child may never get it) */
	pthread_mutex_lock(&P.lock);
	passthrough = 1;
	for (size_t k = 0; k < n; k++) {
		size_t i = maps_lower_bound(pins[k]);

		if (i < P.nr_maps && P.maps[i].start <= pins[k])
			memhp_region_unpin(P.maps[i].r, (pins[k] - P.maps[i].start) / P.page_size);
	}
	passthrough = 0;
	pthread_mutex_unlock(&P.lock);
}

/* ---- the interposed calls ----------------------------------------------- */

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	if (heap_candidate(len, prot, flags, fd)) {
		void *p = heap_map_new(len);

		if (p)
			return p;
	}
	/* a fixed mapping replaces what was there: our pages there go first
	 * (an unaligned address is the kernel's EINVAL, nothing cut) */
	if ((flags & MAP_FIXED) && heap_active() && len && !((uintptr_t)addr & (P.page_size - 1))) {
		uintptr_t a = (uintptr_t)addr, b = a + PAGE_UP(len);
		bool ours;

		pthread_mutex_lock(&P.lock);
		ours = maps_overlap(a, b);
		pthread_mutex_unlock(&P.lock);
		if (ours && heap_unmap_range(a, b)) {
			errno = ENOMEM;
			return MAP_FAILED;
		}
	}
	return memhp_sys_mmap(addr, len, prot, flags, fd, off);
}

void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
	__attribute__((alias("mmap")));

int munmap(void *addr, size_t len)
{
	uintptr_t a = (uintptr_t)addr;

	if (heap_active() && len && !(a & (P.page_size - 1)) &&
	    heap_unmap_range(a, a + PAGE_UP(len))) {
		errno = ENOMEM;	/* a split found no memory: as the kernel's */
		return -1;
	}
	return memhp_sys_munmap(addr, len);
}

int madvise(void *addr, size_t len, int advice)
{
	uintptr_t a = (uintptr_t)addr, b;
	bool ours;

	if (!heap_active() || !len || (a & (P.page_size - 1)))
		return memhp_sys_madvise(addr, len, advice);
	b = a + PAGE_UP(len);
	pthread_mutex_lock(&P.lock);
	ours = maps_overlap(a, b);
	pthread_mutex_unlock(&P.lock);
	if (!ours)
		return memhp_sys_madvise(addr, len, advice);
	/*
	 * The heap's pages are the machine's: only what changes the
	 * contents applies to them - DONTNEED zeroes them, FREE may keep
	 * them, REMOVE is EINVAL as on any private memory; the others are
	 * hints about memory the machine manages.  The host's pages in the
	 * range get the advice.
	 */
	if (advice == MADV_REMOVE) {
		errno = EINVAL;	/* private anonymous memory has no backing to remove */
		return -1;
	}
	if (advice == MADV_DONTNEED)
		heap_zero_range(a, b);
	return host_each_gap(a, b, gap_madvise, advice);
}

void *mremap(void *old, size_t old_len, size_t new_len, int flags, ...)
{
	uintptr_t a = (uintptr_t)old;
	void *new_addr = NULL, *p;
	bool ours = false;
	va_list ap;

	if (flags & MREMAP_FIXED) {
		va_start(ap, flags);
		new_addr = va_arg(ap, void *);
		va_end(ap);
	}
	if (heap_active() && !(a & (P.page_size - 1))) {
		/* old_len 0 duplicates a shared mapping: look at its first page */
		pthread_mutex_lock(&P.lock);
		ours = maps_overlap(a, a + (old_len ? old_len : P.page_size));
		pthread_mutex_unlock(&P.lock);
	}
	if (!ours) {
		/* a host mapping moved onto the heap replaces heap pages there */
		if ((flags & MREMAP_FIXED) && heap_active() && !((uintptr_t)new_addr & (P.page_size - 1)) &&
		    new_len && heap_unmap_range((uintptr_t)new_addr, (uintptr_t)new_addr + PAGE_UP(new_len))) {
			errno = ENOMEM;
			return MAP_FAILED;
		}
		return memhp_sys_mremap(old, old_len, new_len, flags, new_addr);
	}
	/* private anonymous memory: no duplicate (old_len 0), no empty mapping */
	if (!old_len || !new_len || (flags & (MREMAP_FIXED | MREMAP_DONTUNMAP))) {
		errno = EINVAL;	/* MREMAP_FIXED/DONTUNMAP: allocators do not ask */
		return MAP_FAILED;
	}
	if (PAGE_UP(new_len) <= PAGE_UP(old_len)) {
		if (PAGE_UP(new_len) < PAGE_UP(old_len) &&
		    munmap((uint8_t *)old + PAGE_UP(new_len), PAGE_UP(old_len) - PAGE_UP(new_len)))
			return MAP_FAILED;
		return old;
	}
	if (!(flags & MREMAP_MAYMOVE)) {
		errno = ENOMEM;	/* as when the kernel cannot grow it in place */
		return MAP_FAILED;
	}
	/* moving: a new mapping, the whole pages copied, the old one gone */
	p = mmap(NULL, new_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return p;
	memcpy(p, old, PAGE_UP(old_len));
	munmap(old, PAGE_UP(old_len));
	return p;
}

/*
 * fork(2): a plain fork's child would get none of the heap (the regions'
 * windows are MADV_DONTFORK: a shared mapping is not copy-on-write);
 * memhp_fork gives it a private copy of every region as of the fork while
 * the parent's writers wait.  The child then runs on that copy, with the
 * machine left behind: everything it maps passes through.
 */
static pid_t (*libc_fork)(void);

pid_t memhp_preload_real_fork(void)
{
	return libc_fork();
}

pid_t fork(void)
{
	pid_t pid;

	if (!heap_active())
		return libc_fork();
	passthrough = 1;
	pid = memhp_fork(P.m);
	passthrough = 0;
	if (pid == 0)
		preload_machine_child();
	return pid;
}

/* ---- the machine's life ------------------------------------------------- */

/*
 * Built before main (a constructor) so the program's first allocations
 * already land in it; the heap goes live only when the machine, its DIMMs
 * and the control socket are all there.  Any failure leaves the program
 * running on the host's memory and says why on stderr.
 */
/*
 * The heap is this program's: the programs it executes do not inherit the
 * preload (each would build a machine of its own and claim the same
 * socket).  Our entry leaves LD_PRELOAD before main runs.
 */
static void leave_ld_preload(void)
{
	char *v = getenv("LD_PRELOAD"), *out, *save = NULL;
	size_t n;

	if (!v)
		return;
	n = strlen(v) + 1;
	out = __libc_malloc(n);
	char *copy = __libc_malloc(n);
	if (!out || !copy)
		goto done;
	memcpy(copy, v, n);
	out[0] = 0;
	for (char *t = strtok_r(copy, " :", &save); t; t = strtok_r(NULL, " :", &save)) {
		const char *base = strrchr(t, '/');

		if (!strcmp(base ? base + 1 : t, "libmemhp-preload.so"))
			continue;
		if (out[0])
			strcat(out, " ");
		strcat(out, t);
	}
	if (out[0])
		setenv("LD_PRELOAD", out, 1);
	else
		unsetenv("LD_PRELOAD");
done:
	__libc_free(out);
	__libc_free(copy);
}

__attribute__((constructor)) static void preload_init(void)
{
	struct memhp_machine *m;
	struct memhp_geometry g;
	char why[512];

	leave_ld_preload();
	libc_fork = (pid_t (*)(void))dlsym(RTLD_NEXT, "fork");
	passthrough = 1;
	if (!libc_fork) {
		fprintf(stderr, "libmemhp-preload: no fork in libc; the program runs on the host's memory\n");
		passthrough = 0;
		return;
	}
	if (preload_machine_start(&m, why, sizeof(why))) {
		fprintf(stderr, "libmemhp-preload: %s; the program runs on the host's memory\n", why);
		passthrough = 0;
		return;
	}
	memhp_get_geometry(m, &g);
	P.m = m;
	P.page_size = g.page_size;
	P.min_bytes = preload_min_bytes();
	P.owner = getpid();
	passthrough = 0;
	atomic_store_explicit(&P.ready, 1, memory_order_release);
}

__attribute__((destructor)) static void preload_fini(void)
{
	if (!atomic_load(&P.ready) || getpid() != P.owner)
		return;
	/* the heap stays: later destructors may still use it; the socket goes */
	passthrough = 1;
	preload_machine_stop();
}
