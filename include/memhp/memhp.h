/* SPDX-License-Identifier: MIT */
/*
 * libmemhp: Linux memory hotplug with memmap_on_memory, in user space, over
 * real memory.
 *
 * A struct memhp_machine is one booted "kernel": an architecture profile, a
 * parsed kernel command line, NUMA nodes, zones, sparse sections, memory
 * blocks, a direct map and a vmemmap that are real mappings of real file
 * descriptors.  Every function here is thread-safe; errors are negative errno
 * values exactly as the kernel returns them, and a failed call leaves the
 * machine as it was.
 *
 * The kernel ABI (sysfs, procfs, debugfs files) is served by
 * memhp_file_read()/memhp_file_write() under the kernel's own paths, e.g.
 * "/sys/devices/system/memory/memory32/state" or "/proc/meminfo".
 */
#ifndef MEMHP_MEMHP_H
#define MEMHP_MEMHP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MEMHP_MAX_NODES 16
#define MEMHP_ADDR_AUTO UINT64_MAX
#define MEMHP_NO_INITRD UINT64_MAX	/* memhp_config.initrd_size: no initramfs */

struct memhp_machine;

/*
 * A DIMM present when the machine starts (QEMU -device pc-dimm on its
 * command line): QEMU places it in the hot-plug window in this order, and
 * the guest's ACPI memory driver adds and onlines it during boot, exactly
 * as it would a hot-added one.  node is QEMU's node= (a proximity domain).
 */
struct memhp_coldplug {
	const char *name;
	uint64_t size;
	int node;
};

/* How a machine is built; zero-initialise and fill what you need. */
struct memhp_config {
	const char *arch;	/* "x86_64" (default), "arm64-4k", "arm64-16k",
				 * "arm64-64k" */
	uint64_t mem;		/* boot RAM in bytes (default 1 GiB) */
	unsigned int nr_nodes;	/* NUMA nodes (default 1) */
	uint64_t node_mem[MEMHP_MAX_NODES]; /* explicit per-node boot RAM; all
					     * zero = split `mem` evenly */
	int explicit_node_mem;	/* node_mem[] is meaningful (0 = memory-less) */
	unsigned int slots;	/* DIMM slots (default 8) */
	uint64_t maxmem;	/* QEMU maxmem (default 16 GiB) */
	const char *cmdline;	/* kernel command line */
	const char *backing_dir; /* NULL: memfd; else files are created here */
	uint64_t max_phys;	/* highest physical address modelled (default
				 * 1 TiB; bounds the virtual reservations) */
	int bare_metal;		/* x86 block-size rule: 0 = VM (as QEMU) */
	long max_map_count;	/* the process's mapping budget; 0: read
				 * /proc/sys/vm/max_map_count */
	int migration_mprotect;	/* 1: writers to a migrating region page
				 * wait in a SIGSEGV handler even where
				 * userfaultfd write-protect works (system
				 * calls then get EFAULT); for tests */
	int memmap_init_eager;	/* 1: every struct page of a block written
				 * when it is onlined; 0: those of a block
				 * with its memmap on itself when first
				 * needed (same results, far less host
				 * memory and time); for tests */
	uint64_t kernel_image_base; /* x86: where the kernel image sits in
				 * boot RAM (what KASLR chose: /proc/iomem's
				 * "Kernel code" start, 2 MiB aligned); 0:
				 * 16 MiB, as with nokaslr */
	const struct memhp_coldplug *coldplug; /* DIMMs present at boot */
	unsigned int nr_coldplug;
	const struct memhp_coldplug *nvdimm; /* QEMU -device nvdimm, after
				 * the DIMMs: NFIT-described persistent
				 * memory on the nd bus (region, raw
				 * namespace, dax seed) */
	unsigned int nr_nvdimm;
#define MEMHP_MAX_CPUS 8	/* the per-CPU lists a machine keeps */
	unsigned int nr_cpus;	/* the guest's CPUs (QEMU -smp), up to
				 * MEMHP_MAX_CPUS (more count as that): a thread uses
				 * the per-CPU page lists of CPU (host CPU %
				 * nr_cpus); 0: one per host CPU, up to 8.  1
				 * makes a single-threaded run independent of
				 * the host's scheduler, as a 1-CPU guest is.
				 * The boot reserves each CPU's percpu unit,
				 * entry-area page tables and swiotlb area
				 * (0 reserves one CPU's) */
	uint64_t initrd_size;	/* x86: the initramfs QEMU loads (-initrd), in
				 * bytes the guest frees once it has unpacked
				 * it ("Freeing initrd memory"); it is still
				 * reserved when the boot computes the
				 * watermarks.  0: the reference guest's
				 * (the oracle's busybox initramfs, 1388 KiB);
				 * MEMHP_NO_INITRD: none */
	int huge_pages;		/* 1: back every device with 2 MiB pages where
				 * the host offers them - a private tmpfs
				 * mounted huge=always (fsmount: attached to
				 * no mount tree), so the direct map, the
				 * vmemmap and region windows map 2 MiB at a
				 * time where aligned and 4 KiB elsewhere;
				 * the log says which backing each device
				 * got.  0: 4 KiB memfds, which work
				 * everywhere */
	const char *cxl_topology; /* NULL: no CXL; "cxl_test": the kernel's
				 * cxl_test topology (host bridges, switches,
				 * 11 memdevs, the CFMWS windows) on
				 * /sys/bus/cxl; "cxl_test:interleave_arithmetic=1"
				 * its XOR windows instead of the modulo ones */
};

int memhp_machine_create(const struct memhp_config *cfg, struct memhp_machine **out);
void memhp_machine_destroy(struct memhp_machine *m);

/* Geometry of the booted machine. */
struct memhp_geometry {
	const char *arch;
	uint64_t page_size;
	uint64_t section_size;
	uint64_t block_size;
	unsigned int struct_page_size;
	unsigned int pageblock_order;
	unsigned int max_order;
	unsigned long vmemmap_pages_per_block;	/* memmap_on_memory reserve */
	int memmap_on_memory_supported;		/* mhp_supports_memmap_on_memory() */
	uint64_t hotplug_base, hotplug_size;	/* the DIMM window */
	unsigned int nr_nodes;
};
void memhp_get_geometry(struct memhp_machine *m, struct memhp_geometry *g);

/* mhp_t flags of add_memory() */
#define MEMHP_MHP_NONE			0u
#define MEMHP_MHP_MERGE_RESOURCE	(1u << 0)
#define MEMHP_MHP_MEMMAP_ON_MEMORY	(1u << 1)
#define MEMHP_MHP_NID_IS_MGID		(1u << 2)

/* online types (enum mmop) */
enum memhp_online_type {
	MEMHP_MMOP_OFFLINE = 0,
	MEMHP_MMOP_ONLINE,
	MEMHP_MMOP_ONLINE_KERNEL,
	MEMHP_MMOP_ONLINE_MOVABLE,
};

/* ---- Physical memory devices --------------------------------------- */

/*
 * A DIMM, hot-added the way QEMU + ACPI do it: QEMU places it in the
 * hot-plug window (first fit, or at `addr`), the guest's ACPI memory driver
 * adds it with MHP_MEMMAP_ON_MEMORY requested in one static memory group and
 * onlines it per auto_online_blocks.  As in the kernel, a DIMM that the
 * driver cannot add (unaligned, out of memory) still "succeeds" at the
 * firmware level: info->enabled tells whether its memory was added.
 * fd < 0: a sparse memfd is created; otherwise fd is used (not closed).
 */
struct memhp_dimm_info {
	uint64_t addr, size;
	int node;
	int enabled;		/* add_memory() succeeded */
	int add_error;		/* its errno when not enabled */
	unsigned long first_block, last_block;
};
int memhp_dimm_add(struct memhp_machine *m, const char *name, uint64_t size,
		   int node, uint64_t addr, int fd, struct memhp_dimm_info *info);
/* ACPI eject: offline every block (two passes), remove; -EBUSY + rollback */
int memhp_dimm_remove(struct memhp_machine *m, const char *name);
/* ... whose offlines stop (-EBUSY, rolled back) once *cancel is set or
 * after timeout_ms (0: none): an offline may otherwise wait forever on a
 * pinned page, as the kernel's ACPI eject can. */
int memhp_dimm_remove_cancellable(struct memhp_machine *m, const char *name,
				  const volatile int *cancel, unsigned int timeout_ms);
int memhp_dimm_info(struct memhp_machine *m, const char *name, struct memhp_dimm_info *info);
/* The DIMM slots in use, in plug order: up to max names (each
 * MEMHP_DIMM_NAME_MAX bytes) copied to names; returns how many there are. */
#define MEMHP_DIMM_NAME_MAX 64
size_t memhp_dimm_list(struct memhp_machine *m, char (*names)[MEMHP_DIMM_NAME_MAX], size_t max);

/*
 * dax: device memory the host side creates (a CXL window, soft-reserved
 * memory, a pmem namespace) with one static device daxR.0 over it, served
 * under /sys/bus/dax.  CXL and hmem devices bind to kmem at once (their
 * memory becomes System RAM, memmap_on_memory default 1 for cxl, 0 for
 * hmem); pmem devices to device_dax.  addr MEMHP_ADDR_AUTO places it above
 * the DIMM window; fd < 0 makes a sparse memfd.
 */
enum memhp_dax_kind { MEMHP_DAX_CXL, MEMHP_DAX_HMEM, MEMHP_DAX_PMEM };
struct memhp_dax_info {
	int region_id;
	char dev[16];		/* "daxR.0" */
	uint64_t start, size;
	int driver;		/* 0 none, 1 device_dax, 2 kmem */
	int probe_error;	/* its driver's probe failed with this errno
				 * (the device stays unbound), else 0 */
};
int memhp_dax_region_create(struct memhp_machine *m, enum memhp_dax_kind kind, uint64_t size,
			    int target_node, uint64_t align, uint64_t addr, int fd,
			    struct memhp_dax_info *info);
/* unbinds its device first; -EBUSY while its memory cannot be removed */
int memhp_dax_region_destroy(struct memhp_machine *m, int region_id);

/*
 * mmap(2) of /dev/daxR.I, into this process: `len` bytes of device `dev`
 * from byte `offset`, at an address aligned to the device's align (as
 * dax_get_unmapped_area places it).  The mapping is the device's memory
 * itself.  Errors as the kernel's: -ENODEV no such device, -ENXIO not
 * bound to device_dax, -EINVAL a private mapping (flags must be
 * MAP_SHARED or MAP_SHARED_VALIDATE) or an offset or length that is not a
 * multiple of the align.  Pages beyond the device raise SIGBUS when
 * touched, and so does every page once device_dax is unbound (the
 * mapping is zapped); memhp_dax_munmap ends it either way.
 */
int memhp_dax_mmap(struct memhp_machine *m, const char *dev, uint64_t offset, size_t len, int prot,
		   int flags, void **addr);
int memhp_dax_munmap(struct memhp_machine *m, void *addr);

/*
 * Device-private memory (the kernel's lib/test_hmm.c "hmm_dmirror"): a
 * device of nr_pages whose memory the CPU cannot address, with
 * MEMORY_DEVICE_PRIVATE struct pages at the top of the physical space.
 * memhp_dmirror_migrate moves region pages [start, start+n) there (pinned
 * pages and pages already out stay; returns how many moved, or -EINVAL);
 * a CPU access to such a page faults and the device's migrate_to_ram
 * brings it back, so the owner never sees the difference but in time.
 * memhp_dmirror_evict brings every page back (-EBUSY if one could not
 * come, e.g. out of RAM); destroy evicts, then unmaps, waiting for pages
 * still out.
 */
struct memhp_dmirror;
struct memhp_region;
struct memhp_dmirror_stats {
	uint64_t faults;		/* CPU accesses served by migrate_to_ram */
	uint64_t to_device, to_ram;	/* pages migrated each way */
	uint64_t pages_out;		/* device pages in use now */
	uint64_t first_pfn;		/* the device's first pfn */
};
int memhp_dmirror_create(struct memhp_machine *m, size_t nr_pages, struct memhp_dmirror **out);
long memhp_dmirror_migrate(struct memhp_dmirror *d, struct memhp_region *r, size_t start, size_t n);
int memhp_dmirror_evict(struct memhp_dmirror *d);
size_t memhp_dmirror_pages_out(struct memhp_dmirror *d);
void memhp_dmirror_stats(struct memhp_dmirror *d, struct memhp_dmirror_stats *st);
void memhp_dmirror_destroy(struct memhp_dmirror *d);

/* The kernel's own entry points, on a range already backed by a device. */
int memhp_add_memory(struct memhp_machine *m, int nid, uint64_t start, uint64_t size,
		     unsigned int mhp_flags);
int memhp_remove_memory(struct memhp_machine *m, uint64_t start, uint64_t size);
int memhp_offline_and_remove_memory(struct memhp_machine *m, uint64_t start, uint64_t size);

/* ---- Block devices ---------------------------------------------------- */

/*
 * The disks of the nd bus: nd_pmem's "pmemN" for each namespace it holds
 * (N is the region's id, as nvdimm_namespace_disk_name names it), there
 * from the bind to the unbind.  Its bytes are the namespace's media, all
 * of it (a raw namespace: no info block is skipped), as /dev/pmemN reads
 * and writes them; ndctl opens it to zero a namespace's info block.
 *
 * memhp_blockdev_list copies up to max names and returns how many disks
 * there are.  pread returns fewer bytes than len at the end of the disk
 * and 0 from the end on; pwrite writes what fits before the end (a short
 * write) and fails with -ENOSPC from the end on, -EPERM on a read-only
 * region's disk (as blkdev_read_iter and blkdev_write_iter).  -ENODEV: no
 * namespace has that disk name; -ENXIO: its namespace is not (or no
 * longer) held by nd_pmem, so the disk is gone.
 */
#define MEMHP_BLOCKDEV_NAME_MAX 16
size_t memhp_blockdev_list(struct memhp_machine *m, char (*names)[MEMHP_BLOCKDEV_NAME_MAX], size_t max);
int memhp_blockdev_size(struct memhp_machine *m, const char *name, uint64_t *size);
ssize_t memhp_blockdev_pread(struct memhp_machine *m, const char *name, void *buf, size_t len, uint64_t off);
ssize_t memhp_blockdev_pwrite(struct memhp_machine *m, const char *name, const void *buf, size_t len,
			      uint64_t off);

/* ---- Memory blocks -------------------------------------------------- */

/* device_online()/device_offline() semantics: 1 = already in that state. */
int memhp_block_online(struct memhp_machine *m, unsigned long block_id,
		       enum memhp_online_type type);
int memhp_block_offline(struct memhp_machine *m, unsigned long block_id);
/* Ids of existing blocks in ascending order; returns the count. */
size_t memhp_block_ids(struct memhp_machine *m, unsigned long *ids, size_t max);

/*
 * Offline that can be cancelled, as a signal cancels the kernel's: the
 * migration loop returns -EINTR when *cancel becomes non-zero or when
 * timeout_ms (0: none) has passed.  memhp_block_offline never gives up
 * while pages are only transiently busy (pinned), like the kernel.
 */
int memhp_block_offline_cancellable(struct memhp_machine *m, unsigned long block_id,
				    const volatile int *cancel, unsigned int timeout_ms);

/* ---- Users of memory ------------------------------------------------- */

/*
 * A movable allocation: nr_pages pages reached through a virtual window
 * (memhp_region_addr) that stays valid when the pages migrate - the window
 * is remapped to the new physical page, the way page tables are, and a
 * write racing with the migration waits for it (a write fault while the
 * page is being copied).  Like a process's anonymous memory.
 */
struct memhp_region;
#define MEMHP_REGION_MLOCK	(1u << 0)	/* mlocked: still migratable */
#define MEMHP_REGION_HUGE	(1u << 1)	/* MADV_HUGEPAGE: PMD-sized chunks where aligned */
int memhp_region_alloc(struct memhp_machine *m, size_t nr_pages, int nid, unsigned int flags,
		       struct memhp_region **out);
void *memhp_region_addr(const struct memhp_region *r);
size_t memhp_region_pages(const struct memhp_region *r);
/* the pfn page `index` lives in now, or -EINVAL */
long memhp_region_pfn(struct memhp_region *r, size_t index);
/* a pin holds a page where it is (as a DMA pin does): migration waits */
int memhp_region_pin(struct memhp_region *r, size_t index);
int memhp_region_unpin(struct memhp_region *r, size_t index);
void memhp_region_free(struct memhp_region *r);
/*
 * split_vma: pages [at, n) leave r for a region of their own (*tail), whose
 * window is the rest of r's; r keeps [0, at).  Freeing either frees only
 * its pages: how an owner unmaps part of a region.  -EINVAL unless
 * 0 < at < n; -ENOMEM, r unchanged.
 */
int memhp_region_split(struct memhp_region *r, size_t at, struct memhp_region **tail);
/*
 * fork(2) for a process whose memory is regions: regions are shared
 * mappings of the devices, never copy-on-write, so a plain fork's child
 * gets none of them (MADV_DONTFORK).  memhp_fork copies each region into
 * private memory while the regions' writers wait, then forks: the child
 * has the copies in the regions' places (from its first instruction, its
 * atfork handlers included), as its own memory.  Pages in device-private
 * memory (memhp_dmirror) come back to RAM first, as a CPU access would
 * bring them.  Returns what fork returns (-1 with ENOMEM when the copies
 * do not fit, or a device page has no RAM to come back to).  The child
 * cannot use the machine (its threads stayed behind).
 */
pid_t memhp_fork(struct memhp_machine *m);

/* Unmovable allocations, like the kernel's own (never migrated): 2^order
 * pages from the kernel zones of nid (-1: any), returned as a pfn whose
 * contents memhp_pfn_to_virt() reaches; -ENOMEM when none is free. */
long memhp_alloc_pages(struct memhp_machine *m, int nid, unsigned int order);
int memhp_free_pages(struct memhp_machine *m, unsigned long pfn, unsigned int order);

/* nr sysfs entries looked up for the first time by a task on node nid
 * (-1: node 0, the first CPU's): each costs a dentry and an inode of the
 * kernel's reclaimable slab caches, and a full slab a new one - pages from
 * nid's zonelist, kept for the machine's life.  A zone without
 * Reclaimable pageblocks gives such a page by claiming a max-order chunk
 * of its free memory as Reclaimable, so the memory block that chunk is in
 * can no longer be offlined.  A zone with boot memory serves it from the
 * pageblocks the boot's own slab left there, which memhp does not place.
 * Returns 0, -ENOMEM when no zone had a slab's pages (the entries looked up
 * before stay cached), -EINVAL for a node that does not exist. */
int memhp_sysfs_lookup_new(struct memhp_machine *m, int nid, unsigned int nr);

/* ---- The kernel's files --------------------------------------------- */

/* Read a whole file; returns its length (may exceed len: then truncated)
 * or -errno (-ENOENT, -EACCES for write-only files, ...). */
ssize_t memhp_file_read(struct memhp_machine *m, const char *path, char *buf, size_t len);
/* ... rendered once into *out (NUL-terminated, the caller frees it), so
 * length and bytes always agree even when the file changes meanwhile. */
ssize_t memhp_file_read_alloc(struct memhp_machine *m, const char *path, char **out);
/* One write(2): returns len on success or -errno (-EACCES for read-only). */
ssize_t memhp_file_write(struct memhp_machine *m, const char *path, const char *buf, size_t len);

/* The same, for a writer that can be interrupted: an offline started by
 * this write returns -EINTR once *cancel is non-zero or timeout_ms passed. */
ssize_t memhp_file_write_cancellable(struct memhp_machine *m, const char *path, const char *buf,
				     size_t len, const volatile int *cancel, unsigned int timeout_ms);

/* Directory listing: calls fn for each entry; returns 0 or -ENOENT/-ENOTDIR. */
enum memhp_file_type { MEMHP_FT_DIR, MEMHP_FT_FILE, MEMHP_FT_LINK };
struct memhp_stat {
	enum memhp_file_type type;
	unsigned int mode;	/* permission bits: 0444, 0644, 0200, 0600 ... */
	char link[256];		/* target of a symlink */
};
int memhp_file_stat(struct memhp_machine *m, const char *path, struct memhp_stat *st);
int memhp_file_list(struct memhp_machine *m, const char *path,
		    int (*fn)(void *arg, const char *name, const struct memhp_stat *st),
		    void *arg);

/* ---- Memory notifiers ----------------------------------------------- */

enum memhp_mem_action {	/* enum memory_block_state / notifier actions */
	MEMHP_MEM_ONLINE = 0,
	MEMHP_MEM_GOING_OFFLINE = 1,
	MEMHP_MEM_OFFLINE = 2,
	MEMHP_MEM_GOING_ONLINE = 3,
	MEMHP_MEM_CANCEL_ONLINE = 4,
	MEMHP_MEM_CANCEL_OFFLINE = 5,
	MEMHP_MEM_PREPARE_ONLINE = 6,
	MEMHP_MEM_FINISH_OFFLINE = 7,
};
struct memhp_memory_notify {
	unsigned long altmap_start_pfn, altmap_nr_pages;
	unsigned long start_pfn, nr_pages;
	int status_change_nid_normal, status_change_nid;
};
/* Returns 0 for NOTIFY_OK or a negative errno (encoded as the kernel's
 * notifier_from_errno); the chain stops at the first error. */
typedef int (*memhp_notifier_fn)(void *arg, enum memhp_mem_action action,
				 const struct memhp_memory_notify *mn);
int memhp_register_memory_notifier(struct memhp_machine *m, memhp_notifier_fn fn,
				   void *arg, int priority);
int memhp_unregister_memory_notifier(struct memhp_machine *m, memhp_notifier_fn fn, void *arg);

/* ---- Uevents --------------------------------------------------------- */

/*
 * What the kernel sends udev (lib/kobject_uevent.c) when a device comes,
 * goes, or a memory block changes state: memory blocks (add, remove,
 * online, offline; SUBSYSTEM=memory), nodes (add, remove; SUBSYSTEM=node)
 * and dax devices (add, remove, bind, unbind; SUBSYSTEM=dax, with their
 * MAJOR, MINOR, DEVNAME and, bound, DRIVER).  SEQNUM only grows.
 */
struct memhp_uevent {
	uint64_t seqnum;
	char action[16];	/* add, remove, online, offline, bind, unbind */
	char devpath[128];	/* /devices/system/memory/memory32 */
	char subsystem[32];	/* memory, node, dax */
	char env[128];		/* the device's own variables, "KEY=value\n" each */
};
/* The SEQNUM of the last event (0: none): a listener starts after it. */
uint64_t memhp_uevent_seqnum(struct memhp_machine *m);
/* The first event after SEQNUM `after` (the oldest still kept when the
 * listener fell behind: the SEQNUMs show the gap).  When none has come,
 * wait up to timeout_ms (0: not at all, < 0: until one does); -EAGAIN if
 * none came.  Nobody may be waiting when the machine is destroyed. */
int memhp_uevent_next(struct memhp_machine *m, uint64_t after, int timeout_ms, struct memhp_uevent *ev);
/* The event as the kernel's netlink message shows it, one field a line:
 * "ACTION@DEVPATH", then ACTION=, DEVPATH=, SUBSYSTEM=, the device's own
 * (env), SEQNUM=.  Returns the length snprintf would. */
int memhp_uevent_format(const struct memhp_uevent *ev, char *buf, size_t len);

/* ---- Accounting, audit, log ----------------------------------------- */

struct memhp_zone_info {
	int nid;
	const char *name;
	unsigned long start_pfn, spanned, present, present_early, managed, free;
	unsigned long pcp;	/* free pages in the per-cpu caches, not in `free` */
};
/* Fills up to max zones (every node x every zone type); returns the count. */
size_t memhp_zones(struct memhp_machine *m, struct memhp_zone_info *z, size_t max);

struct memhp_counters {
	unsigned long totalram_pages;	/* MemTotal / page size */
	unsigned long nr_free_pages;
	unsigned long nr_memmap_pages, nr_memmap_boot_pages;
};
void memhp_counters(struct memhp_machine *m, struct memhp_counters *c);

/*
 * Progress of long operations: `fn` is called from the thread doing the
 * work after each section added ("add", also when kmem or a DIMM adds) and
 * each block onlined by auto-online ("online"), with the bytes done and
 * the total of the operation.  It runs with the hotplug locks held: it may
 * call memhp_counters() and memhp_zones(), nothing that changes the
 * machine.  NULL turns it off.
 */
typedef void (*memhp_progress_fn)(void *arg, const char *op, uint64_t done, uint64_t total);
void memhp_set_progress(struct memhp_machine *m, memhp_progress_fn fn, void *arg);

/* Give every page of the per-cpu caches back to the buddy (drain_all_pages). */
void memhp_drain_pcp(struct memhp_machine *m);
/*
 * One period (1 s) of the kernel's vmstat_update: each per-cpu cache's
 * auto-tuned high decays by an eighth toward its minimum, and the pages
 * above it go back to the buddy (decay_pcp_high).  memhp has no clock of
 * its own: whoever stands for the guest's time calls it.
 */
void memhp_vmstat_update(struct memhp_machine *m);

/* Direct-map address of a pfn (NULL if the pfn is not mapped). */
void *memhp_pfn_to_virt(struct memhp_machine *m, unsigned long pfn);
/* Start pfn of block `id` and its vmemmap (altmap) size, -ENOENT if none. */
int memhp_block_range(struct memhp_machine *m, unsigned long id, unsigned long *start_pfn,
		      unsigned long *nr_pages, unsigned long *nr_vmemmap_pages);
/* Is pfn a free page in the buddy allocator? */
int memhp_pfn_is_free(struct memhp_machine *m, unsigned long pfn);

/* /proc/kpageflags bits (include/uapi/linux/kernel-page-flags.h) */
#define MEMHP_KPF_LOCKED	0
#define MEMHP_KPF_UPTODATE	3
#define MEMHP_KPF_LRU		5
#define MEMHP_KPF_BUDDY		10
#define MEMHP_KPF_MMAP		11
#define MEMHP_KPF_ANON		12
#define MEMHP_KPF_SWAPBACKED	14
#define MEMHP_KPF_COMPOUND_HEAD	15
#define MEMHP_KPF_COMPOUND_TAIL	16
#define MEMHP_KPF_UNEVICTABLE	18
#define MEMHP_KPF_HWPOISON	19
#define MEMHP_KPF_NOPAGE	20
#define MEMHP_KPF_KSM		21	/* 6.12: every anon page (mapping & PAGE_MAPPING_KSM) */
#define MEMHP_KPF_OFFLINE	23
#define MEMHP_KPF_RESERVED	32
#define MEMHP_KPF_MLOCKED	33
#define MEMHP_KPF_OWNER_2	34	/* PG_owner_2 = PG_anon_exclusive on anon pages */
#define MEMHP_KPF_OWNER_PRIVATE	37	/* PG_owner_priv_1 = VmemmapSelfHosted */
/* The kpageflags word of one pfn, as /proc/kpageflags reads it. */
uint64_t memhp_kpageflags(struct memhp_machine *m, unsigned long pfn);
/* /proc/kpageflags over memory block `id`, summed: its range, the pages
 * with no flag, and per bit the pages that have it (what the oracle's
 * `kpf BLOCKS` records).  -ENOENT if there is no such block. */
int memhp_block_kpageflags(struct memhp_machine *m, unsigned long id, unsigned long *start_pfn,
			   unsigned long *nr_pages, unsigned long *noflags, unsigned long count[64]);

/* Full accounting audit (debug_vm): 0 when consistent, else -EUCLEAN with
 * the first violation in msg. */
int memhp_audit(struct memhp_machine *m, char *msg, size_t len);

/*
 * A size as the kernel's command line takes it (memparse): a number in C's
 * base syntax (4096, 0x1000, 010) with an optional K/M/G/T/P/E suffix, and
 * "B"/"iB" allowed after it ("128MiB", "1GB").  Fractions ("1.5G"),
 * signs, trailing text and sizes past 2^64 are -EINVAL.  The one size
 * syntax of every memhp tool, file and socket request.
 */
int memhp_parse_size(const char *s, uint64_t *out);

/* dmesg-like log: copies lines after *seq into buf, advances *seq. */
size_t memhp_log_read(struct memhp_machine *m, uint64_t *seq, char *buf, size_t len);
/* The sequence number the next log line will get: memhp_log_read from it
 * returns only what is logged after this call. */
uint64_t memhp_log_seq(struct memhp_machine *m);

/* Fault injection: fail the nth (1-based) fallible internal step with
 * -ENOMEM (0 disables).  Returns the number of steps counted since the
 * previous call (steps are counted while armed only). */
unsigned long memhp_fault_inject(struct memhp_machine *m, unsigned long nth);

const char *memhp_strerror(int err); /* "EBUSY" style name of -err */

#ifdef __cplusplus
}
#endif
#endif
