// SPDX-License-Identifier: MIT
/*
 * physmem.c - physical memory devices, the direct map and vmemmap mappings.
 *
 * Physical memory is real: every device (boot RAM, a DIMM, a dax range) is a
 * file descriptor covering a physical address range - a sparse memfd by
 * default, or a file the caller names.  Two virtual ranges are reserved at
 * boot with PROT_NONE and MAP_NORESERVE, so they cost nothing until used:
 *
 *   direct map: max_phys bytes; [phys, phys+size) is mapped MAP_SHARED|
 *               MAP_FIXED from the device's fd when the range is added
 *               (arch_add_memory -> init_memory_mapping) and returned to
 *               PROT_NONE when it is removed;
 *   vmemmap:    (max_phys / page_size) struct pages; a section's slice is
 *               mapped from the physical pages that hold its memmap, so
 *               the struct pages really live where the kernel puts them.
 *
 * Backings.  A 4 KiB memfd works everywhere, but on a VM every first write
 * through a freshly established 4 KiB mapping pays a fault (and there, a
 * costly one).  With memhp_config.huge_pages the devices' files live on a
 * private tmpfs mounted huge=always: transparent huge pages, so a mapping
 * of a 2 MiB-aligned file range at a 2 MiB-aligned address is one PMD,
 * while the same file can still be mapped 4 KiB at a time where memhp
 * needs that (a region's order-0 pages, vmemmap base pages, a migration
 * target).  The tmpfs is made with fsopen/fsmount and never attached to
 * any mount tree - nothing of the host's changes - and, without the
 * privilege for that, devices fall back to memfds, the log saying why.
 * hugetlbfs is refused: its pages can only be mapped 2 MiB whole, and the
 * kernel's model needs 4 KiB views of any page.  Every reservation below
 * is 2 MiB aligned, so that the PMDs can be used.
 *
 * Invariant: a direct-map page is accessible iff its range belongs to a
 * device that has been added; the same physical page seen through the
 * direct map and through the vmemmap is the same file page.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/magic.h>
#include <linux/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>

#include "internal.h"

/*
 * size bytes of address space, PROT_NONE and unbacked, starting on an
 * `align` boundary (a power of two): over-reserved by align, the slack
 * around the aligned part given back.
 */
void *va_reserve_aligned(size_t size, uint64_t align)
{
	uint8_t *p = mmap(NULL, size + align, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	uint8_t *start;

	if (p == MAP_FAILED)
		return NULL;
	start = (uint8_t *)ALIGN_UP((uintptr_t)p, align);
	if (start > p)
		munmap(p, (size_t)(start - p));
	if (p + size + align > start + size)
		munmap(start + size, (size_t)(p + size + align - (start + size)));
	return start;
}

/*
 * On a host PMD boundary: what is later mapped there 2 MiB-aligned from a
 * huge backing can then be mapped by PMDs.
 */
void *va_reserve(size_t size)
{
	return va_reserve_aligned(size, HOST_PMD_SIZE);
}

/* Give a range back to the reservation (PROT_NONE, no backing). */
static void unreserve_range(void *va, size_t size)
{
	mmap(va, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
}

int physmem_reserve(struct memhp_machine *m)
{
	m->direct_map_size = m->max_phys;
	m->vmemmap_size = (size_t)m->max_pfn_limit * sizeof(struct page);
	m->direct_map = va_reserve(m->direct_map_size);
	if (!m->direct_map)
		return -ENOMEM;
	m->vmemmap = va_reserve(m->vmemmap_size);
	if (!m->vmemmap) {
		munmap(m->direct_map, m->direct_map_size);
		m->direct_map = NULL;
		return -ENOMEM;
	}
	return 0;
}

void physmem_unreserve(struct memhp_machine *m)
{
	while (m->devices)
		physdev_destroy(m, m->devices);
	if (m->vmemmap)
		munmap(m->vmemmap, m->vmemmap_size);
	if (m->direct_map)
		munmap(m->direct_map, m->direct_map_size);
	m->vmemmap = NULL;
	m->direct_map = NULL;
}

static long sys_fsconfig(int fs, unsigned int cmd, const char *key, const char *value)
{
	return syscall(SYS_fsconfig, fs, cmd, key, value, 0);
}

/*
 * A private tmpfs with transparent huge pages: created and mounted with
 * the new mount API, and never attached - only the returned fd reaches it,
 * and files are made in it with O_TMPFILE.  -errno when the host will not
 * (no CAP_SYS_ADMIN, a kernel without fsopen or THP).
 */
static int huge_tmpfs_open(void)
{
	int fs = (int)syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC), mnt, err;

	if (fs < 0)
		return -errno;
	if (sys_fsconfig(fs, FSCONFIG_SET_STRING, "huge", "always") ||
	    sys_fsconfig(fs, FSCONFIG_SET_STRING, "mode", "0700") ||
	    sys_fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL))
		goto fail;
	mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC,
			   MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	if (mnt < 0)
		goto fail;
	close(fs);
	return mnt;
fail:
	err = -errno;
	close(fs);
	return err;
}

/*
 * Chooses where devices' memory comes from (memhp_config.huge_pages):
 * a huge tmpfs where the host offers one, memfds otherwise.  Never fails:
 * 4 KiB pages always work, and the log says which the machine got.
 */
void physmem_backing_init(struct memhp_machine *m, bool huge)
{
	if (!huge)
		return;
	if (m->backing_dir) {
		mlog(m, "memhp: huge pages not used: devices are files in %s", m->backing_dir);
		return;
	}
	m->backing_mnt = huge_tmpfs_open();
	if (m->backing_mnt < 0) {
		mlog(m, "memhp: no 2 MiB backing (a private huge tmpfs: %s): devices use 4 KiB memfds",
		     memhp_strerror(m->backing_mnt));
		m->backing_mnt = -1;
	}
}

void physmem_backing_exit(struct memhp_machine *m)
{
	if (m->backing_mnt >= 0)
		close(m->backing_mnt);
	m->backing_mnt = -1;
}

static int open_backing(struct memhp_machine *m, const char *name, uint64_t size)
{
	int fd;

	if (m->backing_mnt >= 0) {
		fd = openat(m->backing_mnt, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	} else if (m->backing_dir) {
		char path[512];

		snprintf(path, sizeof(path), "%s/memhp-%s-XXXXXX", m->backing_dir, name);
		fd = mkstemp(path);
		if (fd >= 0)
			unlink(path);
	} else {
		fd = memfd_create(name, MFD_CLOEXEC);
	}
	if (fd < 0)
		return -errno;
	/* sparse: no memory is used until a page is written */
	if (ftruncate(fd, (off_t)size)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* the file system an fd's file is on (TMPFS_MAGIC ...), 0 if unknown */
static long fd_fs_type(int fd)
{
	struct statfs st;

	return fstatfs(fd, &st) ? 0 : (long)st.f_type;
}

/* the log's line on what a device's memory is */
static void physdev_log_backing(struct memhp_machine *m, const struct physdev *d)
{
	struct stat st;
	const char *what;

	if (d->huge)
		what = "2 MiB pages where aligned (private tmpfs, huge=always)";
	else if (d->own_fd && m->backing_dir)
		what = d->shmem ? "a tmpfs file in the backing directory" : "a file in the backing directory";
	else if (d->own_fd)
		what = "4 KiB pages (memfd)";
	else if (!fstat(d->fd, &st) && S_ISCHR(st.st_mode))
		what = "the caller's device node";
	else
		what = d->shmem ? "the caller's tmpfs file" : "the caller's file";
	mlog(m, "memhp: %s [mem %#018llx-%#018llx]: %s", d->name, (unsigned long long)d->phys_start,
	     (unsigned long long)(d->phys_start + d->size - 1), what);
}

int physdev_create(struct memhp_machine *m, const char *name, uint64_t phys, uint64_t size,
		   int fd, struct physdev **out)
{
	struct physdev *d;
	long fs_type;

	if (!size || phys + size > m->max_phys || phys + size < phys)
		return -E2BIG;
	if (should_fail(m))
		return -ENOMEM;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	snprintf(d->name, sizeof(d->name), "%s", name);
	if (fd < 0) {
		d->fd = open_backing(m, name, size);
		if (d->fd < 0) {
			int err = d->fd;

			free(d);
			return err;
		}
		d->own_fd = true;
	} else {
		off_t end = lseek(fd, 0, SEEK_END);

		if (end >= 0 && (uint64_t)end < size) {
			free(d);
			return -EINVAL;	/* the file must cover the device */
		}
		d->fd = fd;
	}
	d->phys_start = phys;
	d->size = size;
	fs_type = fd_fs_type(d->fd);
	if (fs_type == HUGETLBFS_MAGIC) {
		/* only whole 2 MiB pages can be mapped there; memhp maps 4 KiB views */
		mlog(m, "memhp: %s: hugetlbfs cannot back a device (its pages map only 2 MiB whole); use huge_pages",
		     name);
		if (d->own_fd)
			close(d->fd);
		free(d);
		return -EINVAL;
	}
	d->shmem = fs_type == TMPFS_MAGIC;	/* what userfaultfd can write-protect */
	d->huge = d->own_fd && m->backing_mnt >= 0;
	physdev_log_backing(m, d);
	pthread_rwlock_wrlock(&m->devices_lock);
	d->next = m->devices;
	m->devices = d;
	pthread_rwlock_unlock(&m->devices_lock);
	*out = d;
	return 0;
}

void physdev_destroy(struct memhp_machine *m, struct physdev *d)
{
	pthread_rwlock_wrlock(&m->devices_lock);
	for (struct physdev **p = &m->devices; *p; p = &(*p)->next) {
		if (*p == d) {
			*p = d->next;
			break;
		}
	}
	pthread_rwlock_unlock(&m->devices_lock);
	if (d->own_fd)
		close(d->fd);
	free(d);
}

/*
 * The device holding @phys.  The walk is locked, the result is not: a
 * caller keeps it valid by what it holds (device_hotplug_lock, or a page
 * in use there, which keeps its device from being removed).
 */
struct physdev *physdev_find(struct memhp_machine *m, uint64_t phys)
{
	struct physdev *found = NULL;

	pthread_rwlock_rdlock(&m->devices_lock);
	for (struct physdev *d = m->devices; d; d = d->next) {
		if (phys >= d->phys_start && phys < d->phys_start + d->size) {
			found = d;
			break;
		}
	}
	pthread_rwlock_unlock(&m->devices_lock);
	return found;
}

static long count_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "re");
	long n = 0;
	int c;

	if (!f)
		return 0;
	while ((c = getc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

static long sysctl_max_map_count(void)
{
	FILE *f = fopen("/proc/sys/vm/max_map_count", "re");
	long v = 65530;	/* DEFAULT_MAX_MAP_COUNT */

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = 65530;
		fclose(f);
	}
	return v;
}

/*
 * Every block added costs the process mappings: its memmap's (one per
 * block with memmap_on_memory, one per section without, as the buddy
 * hands out scattered pages) - the direct map of a device merges into one.
 * Running out of vm.max_map_count part way would only fail and roll back;
 * a request that cannot fit is refused up front, with the numbers.  Small
 * requests are not counted (reading /proc/self/maps costs more than they).
 * Memmaps from the machine's own memory stop where it runs out (the add
 * then fails as the kernel's does): no more mappings than that are made.
 */
int map_budget_check(struct memhp_machine *m, uint64_t size, bool altmap)
{
	unsigned long per = altmap ? 1 : (unsigned long)m->sections_per_block;
	long need = (long)((size / m->block_size) * per) + 2, max, cur;

	if (!altmap) {
		unsigned long section_memmap = m->pages_per_section * sizeof(struct page) / m->page_size;
		unsigned long machine_free = 0;

		for (unsigned int nid = 0; nid < m->nr_nodes; nid++)
			for (int z = 0; z < MAX_NR_ZONES; z++)
				machine_free += (unsigned long)atomic_load(&m->nodes[nid].node_zones[z].nr_free_pages);
		need = MIN(need, (long)(machine_free / MAX(section_memmap, 1UL)) + 2);
	}

	if (need < 256)
		return 0;
	max = m->max_map_count ? m->max_map_count : sysctl_max_map_count();
	cur = count_maps();
	if (cur + need + 256 <= max)
		return 0;
	mlog(m, "memhp: adding %#llx bytes needs about %ld mappings, %ld in use, vm.max_map_count %ld",
	     (unsigned long long)size, need, cur, max);
	return -ENOMEM;
}

/*
 * The host pays for a hot-add in real memory: every struct page of the
 * range is written, sizeof(struct page) bytes per page, wherever the
 * memmap lives (on the device's memfd, or in boot RAM that is itself a
 * memfd).  A range whose memmap does not fit in what the host has free is
 * refused up front (-ENOMEM, the numbers logged), before anything is
 * touched: otherwise the host's OOM killer would end the process part way.
 * A memmap taken from the machine's own memory can cost no more than the
 * machine has free: beyond that the add fails as the kernel's does, and
 * that failure, not the host's, is the one to show.
 * sysinfo(2), not /proc: memhp reads nothing of the host's trees.
 */
#define HOST_RESERVE (512ULL << 20)	/* left to the host and to memhp itself */

int host_memory_check(struct memhp_machine *m, uint64_t size, bool memmap_from_buddy)
{
	uint64_t need = size / m->page_size * sizeof(struct page), avail;
	struct sysinfo si;

	if (memmap_from_buddy) {
		uint64_t machine_free = 0;

		for (unsigned int nid = 0; nid < m->nr_nodes; nid++)
			for (int z = 0; z < MAX_NR_ZONES; z++)
				machine_free += (uint64_t)atomic_load(&m->nodes[nid].node_zones[z].nr_free_pages);
		need = MIN(need, machine_free * m->page_size);
	}

	if (sysinfo(&si))
		return 0;	/* cannot know: the kernel's own limits still apply */
	avail = ((uint64_t)si.freeram + si.bufferram) * si.mem_unit;
	if (need + HOST_RESERVE <= avail)
		return 0;
	mlog(m, "memhp: adding %#llx bytes needs %llu MiB of host memory for its memmap; the host has %llu MiB free",
	     (unsigned long long)size, (unsigned long long)(need >> 20), (unsigned long long)(avail >> 20));
	return -ENOMEM;
}

/*
 * Real backing for [phys, phys + len) before anything is written there: a
 * file system that is full - a backing directory on a small tmpfs, a full
 * disk - then fails the request here with -ENOMEM instead of killing the
 * process with SIGBUS at its first store.  Backings that cannot be
 * allocated ahead (a device node) are taken as they are.
 */
int physmem_back(struct memhp_machine *m, uint64_t phys, uint64_t len)
{
	while (len) {
		struct physdev *d = physdev_find(m, phys);
		uint64_t off, n;

		if (!d)
			return -ENOMEM;
		off = phys - d->phys_start;
		n = MIN(len, d->size - off);
		if (fallocate(d->fd, 0, (off_t)(d->fd_offset + off), (off_t)n) && errno != EOPNOTSUPP &&
		    errno != ENODEV) {
			mlog(m, "memhp: no backing for %#llx-%#llx on %s: %s", (unsigned long long)phys,
			     (unsigned long long)(phys + n - 1), d->name, memhp_strerror(-errno));
			return -ENOMEM;
		}
		phys += n;
		len -= n;
	}
	return 0;
}

/*
 * The backing of free pages goes back to the host: what a region freed
 * (or left behind when it migrated) costs the host nothing until it is
 * given out again, and a request that failed part way leaves the store as
 * it found it.  Only free pages are passed here: their contents are dead.
 */
void physmem_unback(struct memhp_machine *m, uint64_t phys, uint64_t len)
{
	while (len) {
		struct physdev *d = physdev_find(m, phys);
		uint64_t off, n;

		if (!d)
			return;
		off = phys - d->phys_start;
		n = MIN(len, d->size - off);
		/* a backing that cannot punch holes keeps the pages: no harm */
		(void)fallocate(d->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)(d->fd_offset + off),
				(off_t)n);
		phys += n;
		len -= n;
	}
}

int direct_map_add(struct memhp_machine *m, uint64_t start, uint64_t size)
{
	uint64_t done = 0;

	while (done < size) {
		struct physdev *d = physdev_find(m, start + done);
		uint64_t off, len;
		void *p;

		if (!d)
			goto fail;
		off = start + done - d->phys_start;
		len = MIN(size - done, d->size - off);
		p = mmap(m->direct_map + start + done, len, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_FIXED, d->fd, (off_t)(d->fd_offset + off));
		if (p == MAP_FAILED)
			goto fail;
		done += len;
	}
	return 0;
fail:
	if (done)
		unreserve_range(m->direct_map + start, done);
	return -ENOMEM;
}

void direct_map_remove(struct memhp_machine *m, uint64_t start, uint64_t size)
{
	unreserve_range(m->direct_map + start, size);
}

int vmemmap_map(struct memhp_machine *m, void *va, size_t bytes, unsigned long pfn)
{
	uint64_t phys = PFN_PHYS_M(m, pfn);
	struct physdev *d = physdev_find(m, phys);
	void *p;

	if (!d || phys + bytes > d->phys_start + d->size)
		return -ENOMEM;
	if (physmem_back(m, phys, bytes))
		return -ENOMEM;
	/*
	 * Populated now, as vmemmap_populate maps real pages at add time: the
	 * online that initialises the struct pages then takes no page faults.
	 */
	p = mmap(va, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED | MAP_POPULATE, d->fd,
		 (off_t)(d->fd_offset + phys - d->phys_start));
	return p == MAP_FAILED ? -ENOMEM : 0;
}

void vmemmap_unmap(struct memhp_machine *m, void *va, size_t bytes)
{
	(void)m;
	unreserve_range(va, bytes);
}
