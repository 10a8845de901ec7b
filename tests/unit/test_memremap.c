// SPDX-License-Identifier: MIT
/*
 * test_memremap.c - ZONE_DEVICE maps as drivers use them: a pgmap with and
 * without an altmap (the memmap found byte for byte on the device or in
 * DRAM), reserve and align to the pfn, every refusal with the kernel's
 * errno and an exact rollback, the reference count (teardown waits for
 * the last holder), page refcounts per type (page_free at 0, fsdax idle
 * at 1), and device-private memory: a test driver in the manner of the
 * kernel's lib/test_hmm.c moves a region's pages to its memory and a CPU
 * access brings them back through migrate_to_ram.
 */
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include "helpers.h"
#include "../../lib/internal.h"

#define DEV_START (8 * GiB)
#define DEV_PFN (DEV_START >> 12)
#define SECTION_PAGES 32768UL

static struct memhp_machine *boot(void)
{
	return boot_machine("", 1 * GiB);
}

/* nr_memmap_pages as /proc/vmstat shows it */
static long memmap_pages(struct memhp_machine *m)
{
	char *vmstat = readf(m, "/proc/vmstat"), *line = strstr(vmstat, "\nnr_memmap_pages ");
	long n;

	assert_non_null(line);
	n = strtol(line + strlen("\nnr_memmap_pages "), NULL, 10);
	free(vmstat);
	assert_int_equal(n, atomic_load(&m->nr_memmap_pages));
	return n;
}

/* device memory with a backing the test can read: sections at DEV_START */
static struct physdev *device(struct memhp_machine *m, unsigned long sections)
{
	struct physdev *d;

	assert_int_equal(physdev_create(m, "testdev", DEV_START, sections * 128 * MiB, -1, &d), 0);
	return d;
}

static void pgmap_over(struct dev_pagemap *pg, enum memory_type type, uint64_t start, uint64_t size)
{
	memset(pg, 0, sizeof(*pg));
	pg->type = type;
	pg->nr_range = 1;
	pg->ranges[0] = (struct pgmap_range){ start, start + size - 1 };
}

static void read_device(struct physdev *d, uint64_t off, void *buf, size_t len)
{
	assert_int_equal(pread(d->fd, buf, len, (off_t)off), (ssize_t)len);
}

/*
 * With an altmap of reserve 2: the first memmap block (512 pages for a
 * section) is aligned to its size, so it starts at base+512 (align 510);
 * the second follows at base+1024.  free = 1534 makes the data start at
 * base+1536.  reserve pfns stay untouched, the rest up to the data are
 * reserved ZONE_DEVICE pages of nobody.
 */
static void test_altmap_memmap_on_device(void **state)
{
	struct memhp_machine *m = boot();
	struct physdev *d = device(m, 2);
	unsigned long free_before = free_all(m), data = DEV_PFN + 1536;
	long memmap_before = memmap_pages(m);
	struct dev_pagemap pg;
	struct page onpage, zero = { 0 };

	(void)state;
	pgmap_over(&pg, MEMORY_DEVICE_GENERIC, DEV_START, 256 * MiB);
	pg.altmap = (struct vmem_altmap){ .base_pfn = DEV_PFN, .end_pfn = DEV_PFN + 2 * SECTION_PAGES - 1,
					  .reserve = 2, .free = 1534 };
	pg.flags = PGMAP_ALTMAP_VALID;
	assert_int_equal(memremap_pages(m, &pg, 0), 0);
	assert_int_equal(pg.altmap.alloc, 1024);
	assert_int_equal(pg.altmap.align, 510);
	assert_int_equal(memmap_pages(m) - memmap_before, 1024);
	assert_int_equal(free_all(m), free_before);	/* not one page of DRAM */
	/* section 0's memmap is device page 512: struct page of pfn p at (p - base) * 64 */
	read_device(d, 512 * 4096 + (data - DEV_PFN) * 64, &onpage, sizeof(onpage));
	assert_memory_equal(&onpage, pfn_to_page(m, data), sizeof(onpage));
	assert_int_equal(onpage.zone, ZONE_DEVICE);
	assert_int_equal(onpage.owner, (uint64_t)(uintptr_t)&pg);
	assert_int_equal(onpage.refcount, 1);
	/* reserve: never written */
	read_device(d, 512 * 4096, &onpage, sizeof(onpage));
	assert_memory_equal(&onpage, &zero, sizeof(zero));
	read_device(d, 512 * 4096 + 64, &onpage, sizeof(onpage));
	assert_memory_equal(&onpage, &zero, sizeof(zero));
	/* from base + reserve: the memmap area, reserved, owned by no pgmap */
	for (unsigned long pfn = DEV_PFN + 2; pfn < data; pfn += 511) {
		assert_int_equal(pfn_to_page(m, pfn)->zone, ZONE_DEVICE);
		assert_true(pfn_to_page(m, pfn)->flags & PG_reserved);
		assert_int_equal(pfn_to_page(m, pfn)->owner, 0);
	}
	assert_false(pgmap_pfn_valid(&pg, data - 1));
	assert_true(pgmap_pfn_valid(&pg, data));
	assert_true(pgmap_pfn_valid(&pg, DEV_PFN + 2 * SECTION_PAGES - 1));
	assert_false(pgmap_pfn_valid(&pg, DEV_PFN + 2 * SECTION_PAGES));
	assert_int_equal(zone_field(m, 0, "Device", "spanned"), 2 * SECTION_PAGES);
	assert_int_equal(zone_field(m, 0, "Device", "present"), 0);
	audit_ok(m);
	memunmap_pages(m, &pg);
	assert_int_equal(pg.altmap.alloc, 0);	/* vmem_altmap_free; align is kept */
	assert_int_equal(pg.altmap.align, 510);
	assert_false(log_has(m, "failed to free all reserved pages"));
	assert_int_equal(memmap_pages(m), memmap_before);
	assert_int_equal(zone_field(m, 0, "Device", "spanned"), 2 * SECTION_PAGES);	/* never shrinks */
	audit_ok(m);
	physdev_destroy(m, d);
	memhp_machine_destroy(m);
}

/* without an altmap the memmap is a 2 MiB block of DRAM per section */
static void test_memmap_in_dram(void **state)
{
	struct memhp_machine *m = boot();
	struct physdev *d = device(m, 1);
	unsigned long free_before = free_all(m);
	static uint8_t buf[4 << 20];
	struct dev_pagemap pg;
	struct mem_section *ms;

	(void)state;
	pgmap_over(&pg, MEMORY_DEVICE_GENERIC, DEV_START, 128 * MiB);
	assert_int_equal(memremap_pages(m, &pg, 0), 0);
	assert_int_equal(free_before - free_all(m), 512);
	ms = pfn_to_section(m, DEV_PFN);
	assert_int_equal(ms->memmap_src, MEMMAP_BUDDY);
	/* the struct pages are in that DRAM, read through the direct map */
	assert_memory_equal(page_address(m, ms->memmap_pfn), pfn_to_page(m, DEV_PFN), 64 * 512);
	assert_int_equal(pfn_to_page(m, DEV_PFN)->owner, (uint64_t)(uintptr_t)&pg);
	assert_true(pgmap_pfn_valid(&pg, DEV_PFN));	/* no altmap: from the first pfn */
	/* and none on the device */
	read_device(d, 0, buf, sizeof(buf));
	for (size_t i = 0; i < sizeof(buf); i++)
		if (buf[i])
			fail_msg("device byte %zu written", i);
	audit_ok(m);
	memunmap_pages(m, &pg);
	assert_int_equal(free_all(m), free_before);
	audit_ok(m);
	physdev_destroy(m, d);
	memhp_machine_destroy(m);
}

static void no_page_free(struct dev_pagemap *pgmap, unsigned long pfn)
{
	(void)pgmap;
	(void)pfn;
}

static int no_migrate(struct vm_fault *vmf)
{
	(void)vmf;
	return VM_FAULT_SIGBUS;
}

/*
 * A refusal: nothing changed.  After a partial map (log NULL) the memmap
 * went back to the buddy, maybe into another free list than it came from
 * (an allocation that fell back steals a pageblock, as in the kernel):
 * then free memory is compared, not where it sits.
 */
static void refused(struct memhp_machine *m, struct dev_pagemap *pg, int err, const char *log)
{
	char *before = machine_snapshot_opts(m, log != NULL);

	assert_int_equal(memremap_pages(m, pg, 0), err);
	assert_unchanged(m, before);
	if (log && !log_has(m, log))
		fail_msg("no log line \"%s\"", log);
	free(before);
}

/* every refusal: the kernel's errno, its warning, nothing changed */
static void test_refusals(void **state)
{
	struct memhp_machine *m = boot();
	struct physdev *d = device(m, 2);
	const struct dev_pagemap_ops migrate_only = { .migrate_to_ram = no_migrate };
	const struct dev_pagemap_ops both = { .page_free = no_page_free, .migrate_to_ram = no_migrate };
	struct dev_pagemap pg, other;
	unsigned long n;
	char *before;

	(void)state;
	/* map and unmap once: ZONE_DEVICE's span then covers the range for good */
	pgmap_over(&pg, MEMORY_DEVICE_GENERIC, DEV_START, 256 * MiB);
	assert_int_equal(memremap_pages(m, &pg, 0), 0);
	memunmap_pages(m, &pg);

	pg.nr_range = 0;
	refused(m, &pg, -EINVAL, "nr_range must be specified");
	pgmap_over(&pg, MEMORY_DEVICE_PRIVATE, DEV_START, 128 * MiB);
	refused(m, &pg, -EINVAL, "Missing migrate_to_ram method");
	pg.ops = &migrate_only;
	refused(m, &pg, -EINVAL, "Missing page_free method");
	pg.ops = &both;
	refused(m, &pg, -EINVAL, "Missing owner");
	pgmap_over(&pg, MEMORY_DEVICE_COHERENT, DEV_START, 128 * MiB);
	pg.ops = &migrate_only;
	refused(m, &pg, -EINVAL, "Missing page_free method");

	pgmap_over(&pg, MEMORY_DEVICE_GENERIC, 512 * MiB, 128 * MiB);
	refused(m, &pg, -ENXIO, "attempted on ram region 0x20000000-0x27ffffff");
	pgmap_over(&pg, MEMORY_DEVICE_GENERIC, 896 * MiB, 256 * MiB);	/* RAM ends at 1 GiB */
	refused(m, &pg, -ENXIO, "attempted on mixed region");
	pgmap_over(&pg, MEMORY_DEVICE_GENERIC, 256 * GiB, 128 * MiB);
	refused(m, &pg, -EINVAL, "exceeds maximum addressable range");
	pgmap_over(&pg, MEMORY_DEVICE_GENERIC, DEV_START + 4096, 128 * MiB);
	refused(m, &pg, -EINVAL, "Misaligned __add_pages start: 0x200001");
	pgmap_over(&pg, MEMORY_DEVICE_GENERIC, DEV_START + 2 * MiB, 2 * MiB);
	pg.vmemmap_shift = 10;	/* 4 MiB folios in 2 MiB */
	refused(m, &pg, -EINVAL, "not aligned to its 0x400000-byte folios");
	pgmap_over(&pg, MEMORY_DEVICE_GENERIC, DEV_START + 2 * MiB, 2 * MiB + 4096);
	refused(m, &pg, -EINVAL, "Misaligned __add_pages start: 0x200200 end: 0x200400");

	/* conflicts: the start or the end pfn in another pgmap */
	pgmap_over(&other, MEMORY_DEVICE_GENERIC, DEV_START + 128 * MiB, 128 * MiB);
	assert_int_equal(memremap_pages(m, &other, 0), 0);
	pgmap_over(&pg, MEMORY_DEVICE_GENERIC, DEV_START, 256 * MiB);
	refused(m, &pg, -ENOMEM, "Conflicting mapping in same section");
	pgmap_over(&pg, MEMORY_DEVICE_GENERIC, DEV_START + 128 * MiB, 128 * MiB);
	refused(m, &pg, -ENOMEM, "Conflicting mapping in same section");

	/* range 0 maps, range 1 fails: memunmap_pages undoes range 0 */
	pgmap_over(&pg, MEMORY_DEVICE_GENERIC, DEV_START, 128 * MiB);
	pg.nr_range = 2;
	pg.ranges[1] = (struct pgmap_range){ DEV_START + 128 * MiB, DEV_START + 256 * MiB - 1 };
	refused(m, &pg, -ENOMEM, NULL);
	assert_null(get_dev_pagemap(m, DEV_PFN, NULL));
	memunmap_pages(m, &other);
	pg.flags = PGMAP_ALTMAP_VALID;
	pg.altmap = (struct vmem_altmap){ .base_pfn = DEV_PFN, .end_pfn = DEV_PFN + SECTION_PAGES - 1,
					  .free = 512 };
	refused(m, &pg, -EINVAL, "altmap not supported for multiple ranges");
	assert_int_equal(pg.altmap.alloc, 0);

	/* an altmap too small for the memmap: no fallback to DRAM */
	pgmap_over(&pg, MEMORY_DEVICE_GENERIC, DEV_START, 256 * MiB);
	pg.flags = PGMAP_ALTMAP_VALID;
	pg.altmap = (struct vmem_altmap){ .base_pfn = DEV_PFN, .end_pfn = DEV_PFN + 2 * SECTION_PAGES - 1,
					  .reserve = 2, .free = 1000 };
	refused(m, &pg, -ENOMEM, NULL);
	assert_int_equal(pg.altmap.alloc, 0);

	/* and every fallible step of a good map, failed in turn */
	pg.altmap.free = 1534;
	before = machine_snapshot(m);
	for (n = 1;; n++) {
		int ret;

		memhp_fault_inject(m, n);
		ret = memremap_pages(m, &pg, 0);
		memhp_fault_inject(m, 0);
		if (!ret)
			break;
		assert_int_equal(ret, -ENOMEM);
		assert_int_equal(pg.altmap.alloc, 0);
		assert_unchanged(m, before);
	}
	/* direct map, then per section: the step and its memmap (altmap) */
	assert_int_equal(n, 4);
	memunmap_pages(m, &pg);
	assert_unchanged(m, before);
	free(before);
	physdev_destroy(m, d);
	memhp_machine_destroy(m);
}

/*
 * 2 MiB subsections: two pgmaps and unmapped holes in one section, each
 * subsection with its own memmap - 8 base pages of DRAM (x86 populates
 * less than a section with base pages, the altmap unused), 2 with 2 MiB
 * compound pages - and pfn_valid true exactly where one is mapped.
 */
static void test_subsections(void **state)
{
	struct memhp_machine *m = boot();
	struct physdev *d = device(m, 1);
	unsigned long free_before = free_all(m);
	long memmap_before = memmap_pages(m);
	struct dev_pagemap a, b, c;
	struct mem_section *ms;

	(void)state;
	pgmap_over(&a, MEMORY_DEVICE_GENERIC, DEV_START + 2 * MiB, 4 * MiB);	/* subsections 1, 2 */
	assert_int_equal(memremap_pages(m, &a, 0), 0);
	assert_int_equal(memmap_pages(m) - memmap_before, 16);
	assert_int_equal(free_before - free_all(m), 16);
	ms = pfn_to_section(m, DEV_PFN);
	assert_int_equal(ms->memmap_src, MEMMAP_SUBSECTIONS);
	assert_int_equal(ms->subsection_map, 0x6);
	assert_false(pfn_valid(m, DEV_PFN + 511));
	assert_true(pfn_valid(m, DEV_PFN + 512));
	assert_true(pfn_valid(m, DEV_PFN + 1535));
	assert_false(pfn_valid(m, DEV_PFN + 1536));
	/* pfn DEV+512's struct page is in vmemmap page 8 of the section, a DRAM page */
	assert_memory_equal(page_address(m, ms->memmap_pfns[8]), pfn_to_page(m, DEV_PFN + 512), 4096);
	assert_int_equal(ms->memmap_pfns[7], 0);
	assert_int_equal(ms->memmap_pfns[24], 0);
	assert_int_equal(pfn_to_page(m, DEV_PFN + 512)->owner, (uint64_t)(uintptr_t)&a);

	/* another pgmap in the section, 2 MiB folios: head and tail page each */
	pgmap_over(&b, MEMORY_DEVICE_GENERIC, DEV_START + 8 * MiB, 4 * MiB);
	b.vmemmap_shift = 9;
	assert_int_equal(memremap_pages(m, &b, 0), 0);
	assert_int_equal(memmap_pages(m) - memmap_before, 16 + 4);
	assert_int_equal(ms->subsection_map, 0x36);
	assert_int_not_equal(ms->memmap_pfns[32], ms->memmap_pfns[33]);
	assert_int_equal(ms->memmap_pfns[33], ms->memmap_pfns[39]);
	assert_int_not_equal(ms->memmap_pfns[39], ms->memmap_pfns[40]);	/* the next folio's head */
	assert_true(pfn_to_page(m, DEV_PFN + 2048)->flags & PG_head);
	assert_int_equal(pfn_to_page(m, DEV_PFN + 2048 + 300)->private, DEV_PFN + 2048);
	audit_ok(m);

	/* over a mapped subsection with both ends free: fill_subsection_map's -EEXIST */
	pgmap_over(&c, MEMORY_DEVICE_GENERIC, DEV_START, 8 * MiB);
	refused(m, &c, -EEXIST, NULL);
	/* every fallible step of a subsection map, failed in turn */
	pgmap_over(&c, MEMORY_DEVICE_GENERIC, DEV_START + 16 * MiB, 2 * MiB);
	assert_int_equal(memremap_pages(m, &c, 0), 0);	/* the Device span grows once for good */
	memunmap_pages(m, &c);
	{
		char *before = machine_snapshot_opts(m, 0);
		unsigned long n;

		for (n = 1;; n++) {
			int ret;

			memhp_fault_inject(m, n);
			ret = memremap_pages(m, &c, 0);
			memhp_fault_inject(m, 0);
			if (!ret)
				break;
			assert_int_equal(ret, -ENOMEM);
			assert_unchanged(m, before);
			assert_int_equal(ms->subsection_map, 0x36);
		}
		assert_true(n > 8);	/* direct map, section, 8 vmemmap pages */
		memunmap_pages(m, &c);
		assert_unchanged(m, before);
		free(before);
	}

	memunmap_pages(m, &a);
	assert_int_equal(ms->subsection_map, 0x30);
	assert_false(pfn_valid(m, DEV_PFN + 512));
	assert_int_equal(ms->memmap_pfns[8], 0);
	assert_int_equal(memmap_pages(m) - memmap_before, 4);
	memunmap_pages(m, &b);
	assert_int_equal(ms->flags, 0);
	assert_int_equal(ms->memmap_src, MEMMAP_NONE);
	assert_false(pfn_valid(m, DEV_PFN + 2048));
	assert_int_equal(memmap_pages(m), memmap_before);
	assert_int_equal(free_all(m), free_before);
	audit_ok(m);
	physdev_destroy(m, d);
	memhp_machine_destroy(m);
}

/*
 * arm64 populates less than a section with base pages from the altmap
 * (vmemmap_populate_basepages with it), where x86 takes them from memory:
 * a 4 MiB pmem-like map with an altmap, on each profile.
 */
static void test_subsection_memmap_source(void **state)
{
	(void)state;
	for (int arm = 0; arm < 2; arm++) {
		struct memhp_config c = { .arch = arm ? "arm64-4k" : "x86_64", .mem = 1 * GiB, .max_phys = 256 * GiB };
		struct memhp_machine *m = NULL;
		struct physdev *d;
		struct dev_pagemap pg;
		unsigned long free_before, base = DEV_PFN + 512;

		assert_int_equal(memhp_machine_create(&c, &m), 0);
		assert_int_equal(physdev_create(m, "testdev", DEV_START, 128 * MiB, -1, &d), 0);
		free_before = free_all(m);
		pgmap_over(&pg, MEMORY_DEVICE_GENERIC, DEV_START + 2 * MiB, 4 * MiB);
		pg.flags = PGMAP_ALTMAP_VALID;
		pg.altmap = (struct vmem_altmap){ .base_pfn = base, .end_pfn = base + 1023, .free = 16 };
		assert_int_equal(memremap_pages(m, &pg, 0), 0);
		assert_int_equal(memmap_pages(m), 16);	/* counted either way */
		assert_int_equal(pg.altmap.alloc, arm ? 16 : 0);
		assert_int_equal(free_before - free_all(m), arm ? 0 : 16);
		if (arm)	/* the struct pages on the device's own first pages */
			assert_int_equal(pfn_to_section(m, base)->memmap_pfns[8], base);
		audit_ok(m);
		memunmap_pages(m, &pg);
		assert_int_equal(pg.altmap.alloc, 0);
		assert_int_equal(free_all(m), free_before);
		assert_int_equal(memmap_pages(m), 0);
		audit_ok(m);
		physdev_destroy(m, d);
		memhp_machine_destroy(m);
	}
}

/* ---- references -------------------------------------------------------------- */

struct unmapper {
	struct memhp_machine *m;
	struct dev_pagemap *pg;
	atomic_int done;
};

static void *unmap_thread(void *arg)
{
	struct unmapper *u = arg;

	memunmap_pages(u->m, u->pg);
	atomic_store(&u->done, 1);
	return NULL;
}

static bool still_waiting(struct unmapper *u)
{
	usleep(100 * 1000);	/* it has had the time to finish, were it not waiting */
	return !atomic_load(&u->done);
}

/* memunmap_pages waits for a get_dev_pagemap holder, and refuses new ones */
static void test_teardown_waits_for_references(void **state)
{
	struct memhp_machine *m = boot();
	struct physdev *d = device(m, 1);
	struct dev_pagemap pg, *ref, *again;
	struct unmapper u = { .m = m, .pg = &pg };
	long memmap_before = memmap_pages(m);
	pthread_t t;

	(void)state;
	pgmap_over(&pg, MEMORY_DEVICE_GENERIC, DEV_START, 128 * MiB);
	assert_int_equal(memremap_pages(m, &pg, 0), 0);
	assert_int_equal(atomic_load(&pg.ref), 1 + (long)SECTION_PAGES);	/* live + one per folio */
	assert_null(get_dev_pagemap(m, DEV_PFN - 1, NULL));
	ref = get_dev_pagemap(m, DEV_PFN + 5, NULL);
	assert_ptr_equal(ref, &pg);
	assert_int_equal(atomic_load(&pg.ref), 2 + (long)SECTION_PAGES);
	/* a cached pgmap that covers the pfn comes back without a new reference */
	again = get_dev_pagemap(m, DEV_PFN + 9, ref);
	assert_ptr_equal(again, ref);
	assert_int_equal(atomic_load(&pg.ref), 2 + (long)SECTION_PAGES);

	assert_int_equal(pthread_create(&t, NULL, unmap_thread, &u), 0);
	assert_true(still_waiting(&u));
	assert_null(get_dev_pagemap(m, DEV_PFN, NULL));	/* killed: no new reference */
	assert_true(pfn_valid(m, DEV_PFN + 5));		/* the holder's pages are still there */
	assert_true(log_has(m, "memunmap_pages: waiting for 1 references"));
	put_dev_pagemap(ref);
	pthread_join(t, NULL);
	assert_true(atomic_load(&u.done));
	assert_false(pfn_valid(m, DEV_PFN));
	assert_int_equal(memmap_pages(m), memmap_before);
	audit_ok(m);
	physdev_destroy(m, d);
	memhp_machine_destroy(m);
}

/* ---- page refcounts by type ----------------------------------------------------- */

struct freed {
	struct dev_pagemap pg;	/* first: the callbacks get it */
	unsigned long last_pfn;
	int count;
};

static void count_page_free(struct dev_pagemap *pgmap, unsigned long pfn)
{
	struct freed *f = (struct freed *)pgmap;

	f->last_pfn = pfn;
	f->count++;
}

static const struct dev_pagemap_ops counting_ops = { .page_free = count_page_free,
						     .migrate_to_ram = no_migrate };

/* a pgmap of `type` over the device's first section, counting page_free */
static void map_counting(struct memhp_machine *m, struct freed *f, enum memory_type type)
{
	memset(f, 0, sizeof(*f));
	pgmap_over(&f->pg, type, DEV_START, 128 * MiB);
	f->pg.ops = &counting_ops;
	f->pg.owner = f;
	assert_int_equal(memremap_pages(m, &f->pg, 0), 0);
}

static void test_page_refcounts(void **state)
{
	struct memhp_machine *m = boot();
	struct physdev *d = device(m, 1);
	struct freed f;
	unsigned long pfn = DEV_PFN + 77;
	long live;

	(void)state;
	/* GENERIC and P2PDMA: 1 when mapped, page_free at 0, then 1 again */
	for (int type = MEMORY_DEVICE_GENERIC; type <= MEMORY_DEVICE_PCI_P2PDMA; type++) {
		map_counting(m, &f, (enum memory_type)type);
		assert_non_null(memhp_pfn_to_virt(m, pfn));	/* the CPU reaches it */
		assert_int_equal(page_ref(pfn_to_page(m, pfn)), 1);
		get_device_page(m, pfn);
		put_device_page(m, pfn);
		assert_int_equal(f.count, 0);
		put_device_page(m, pfn);
		assert_int_equal(f.count, 1);
		assert_int_equal(f.last_pfn, pfn);
		assert_int_equal(page_ref(pfn_to_page(m, pfn)), 1);
		audit_ok(m);
		memunmap_pages(m, &f.pg);
	}

	/* COHERENT: the driver's pages like device-private ones, but mapped */
	map_counting(m, &f, MEMORY_DEVICE_COHERENT);
	assert_non_null(memhp_pfn_to_virt(m, pfn));
	assert_int_equal(page_ref(pfn_to_page(m, pfn)), 0);
	zone_device_page_init(m, pfn);
	assert_int_equal(atomic_load(&f.pg.ref), 2);
	put_device_page(m, pfn);
	assert_int_equal(f.count, 1);
	assert_int_equal(atomic_load(&f.pg.ref), 1);
	memunmap_pages(m, &f.pg);

	/* FS_DAX counts from 1: idle at 1, never freed */
	map_counting(m, &f, MEMORY_DEVICE_FS_DAX);
	get_device_page(m, pfn);
	get_device_page(m, pfn);
	put_device_page(m, pfn);
	put_device_page(m, pfn);
	assert_int_equal(page_ref(pfn_to_page(m, pfn)), 1);
	assert_int_equal(f.count, 0);
	memunmap_pages(m, &f.pg);

	/* PRIVATE: free (0) until handed out; each page out holds the pgmap */
	map_counting(m, &f, MEMORY_DEVICE_PRIVATE);
	assert_int_equal(atomic_load(&f.pg.ref), 1);	/* no per-folio share */
	assert_int_equal(page_ref(pfn_to_page(m, pfn)), 0);
	assert_true(is_device_private_pfn(m, pfn));
	assert_null(memhp_pfn_to_virt(m, pfn));	/* no direct map */
	zone_device_page_init(m, pfn);
	assert_int_equal(page_ref(pfn_to_page(m, pfn)), 1);
	live = atomic_load(&f.pg.ref);
	assert_int_equal(live, 2);
	audit_ok(m);
	put_device_page(m, pfn);
	assert_int_equal(f.count, 1);
	assert_int_equal(page_ref(pfn_to_page(m, pfn)), 0);
	assert_int_equal(atomic_load(&f.pg.ref), 1);
	/* the audit sees a page that holds no reference to its pgmap */
	zone_device_page_init(m, pfn);
	atomic_fetch_sub(&f.pg.ref, 1);
	{
		char msg[256];

		assert_int_not_equal(memhp_audit(m, msg, sizeof(msg)), 0);
		assert_non_null(strstr(msg, "references, its pages hold 2"));
	}
	atomic_fetch_add(&f.pg.ref, 1);
	put_device_page(m, pfn);
	memunmap_pages(m, &f.pg);
	audit_ok(m);
	physdev_destroy(m, d);
	memhp_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_altmap_memmap_on_device),
		cmocka_unit_test(test_memmap_in_dram),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_subsections),
		cmocka_unit_test(test_subsection_memmap_source),
		cmocka_unit_test(test_teardown_waits_for_references),
		cmocka_unit_test(test_page_refcounts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
