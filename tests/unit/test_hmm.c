// SPDX-License-Identifier: MIT
/*
 * test_hmm.c - device-private memory, with a driver in the manner of the
 * kernel's lib/test_hmm.c (dmirror): its memory is a buffer the CPU can
 * only reach through the driver, its pages are ZONE_DEVICE pages at the
 * top of the physical address space (request_free_mem_region).  A
 * region's pages move there with migrate_vma_*, a CPU access to one of
 * them faults and migrate_to_ram brings it back, byte for byte; teardown
 * waits for the pages still out; eviction (migrate_device_range) empties
 * the device; pinned pages stay; concurrent faults on one page migrate it
 * once.
 */
#include <pthread.h>
#include <unistd.h>

#include "helpers.h"
#include "../../lib/internal.h"

#define DPAGES 64

struct dmirror {
	struct dev_pagemap pg;	/* first: the callbacks get it */
	struct memhp_machine *m;
	struct resource *res;
	unsigned long base;
	uint8_t *mem;		/* the device's memory, DPAGES pages */
	unsigned long free[DPAGES];
	int nfree;
	pthread_mutex_t lock;
	atomic_int faults, frees;
};

static uint8_t *devmem(struct dmirror *dm, unsigned long pfn)
{
	return dm->mem + (pfn - dm->base) * 4096;
}

static void dmirror_page_free(struct dev_pagemap *pg, unsigned long pfn)
{
	struct dmirror *dm = (struct dmirror *)pg;

	pthread_mutex_lock(&dm->lock);
	dm->free[dm->nfree++] = pfn;
	pthread_mutex_unlock(&dm->lock);
	atomic_fetch_add(&dm->frees, 1);
}

static long dmirror_alloc(struct dmirror *dm)
{
	long pfn = -1;

	pthread_mutex_lock(&dm->lock);
	if (dm->nfree)
		pfn = (long)dm->free[--dm->nfree];
	pthread_mutex_unlock(&dm->lock);
	if (pfn >= 0)
		zone_device_page_init(dm->m, (unsigned long)pfn);
	return pfn;
}

/* the device copies collected pages into fresh RAM pages */
static void copy_to_ram(struct dmirror *dm, const unsigned long *src, unsigned long *dst, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		long pfn;

		if (!(src[i] & MIGRATE_PFN_MIGRATE))
			continue;
		pfn = alloc_pages_node(dm->m, 0, ALLOC_MOVABLE, 0);
		if (pfn < 0)
			continue;
		memcpy(page_address(dm->m, (unsigned long)pfn), devmem(dm, migrate_pfn_to_pfn(src[i])), 4096);
		dst[i] = migrate_pfn((unsigned long)pfn);
	}
}

static int dmirror_migrate_to_ram(struct vm_fault *vmf)
{
	struct dmirror *dm = (struct dmirror *)page_pgmap(vmf->m, vmf->pfn);
	unsigned long src, dst;
	struct migrate_vma a = { .vma = vmf->region, .start = vmf->index, .end = vmf->index + 1,
				 .src = &src, .dst = &dst, .pgmap_owner = dm,
				 .flags = MIGRATE_VMA_SELECT_DEVICE_PRIVATE,
				 .fault_page = pfn_to_page(vmf->m, vmf->pfn) };

	if (migrate_vma_setup(vmf->m, &a))
		return VM_FAULT_SIGBUS;
	copy_to_ram(dm, &src, &dst, 1);
	migrate_vma_pages(vmf->m, &a);
	migrate_vma_finalize(vmf->m, &a);
	atomic_fetch_add(&dm->faults, 1);
	return 0;
}

static const struct dev_pagemap_ops dmirror_ops = { .page_free = dmirror_page_free,
						    .migrate_to_ram = dmirror_migrate_to_ram };

static struct dmirror *dmirror_create(struct memhp_machine *m)
{
	struct dmirror *dm = calloc(1, sizeof(*dm));

	assert_non_null(dm);
	dm->m = m;
	dm->res = request_free_mem_region(m, 128 * MiB, "hmm_dmirror");
	assert_non_null(dm->res);
	dm->pg.type = MEMORY_DEVICE_PRIVATE;
	dm->pg.nr_range = 1;
	dm->pg.ranges[0] = (struct pgmap_range){ dm->res->start, dm->res->end };
	dm->pg.ops = &dmirror_ops;
	dm->pg.owner = dm;
	assert_int_equal(memremap_pages(m, &dm->pg, 0), 0);
	dm->base = dm->res->start >> 12;
	for (int i = 0; i < DPAGES; i++)
		dm->free[i] = dm->base + DPAGES - 1 - (unsigned long)i;	/* handed out ascending */
	dm->nfree = DPAGES;
	dm->mem = calloc(DPAGES, 4096);
	assert_non_null(dm->mem);
	pthread_mutex_init(&dm->lock, NULL);
	return dm;
}

static void dmirror_destroy(struct dmirror *dm)
{
	memunmap_pages(dm->m, &dm->pg);
	iomem_release(dm->m, &dm->res);
	pthread_mutex_destroy(&dm->lock);
	free(dm->mem);
	free(dm);
}

/* window pages [start, start+n) of r to the device; returns how many moved */
static unsigned long dmirror_migrate_to_dev(struct dmirror *dm, struct memhp_region *r, size_t start,
					    size_t n)
{
	unsigned long src[DPAGES], dst[DPAGES], moved = 0;
	struct migrate_vma a = { .vma = r, .start = start, .end = start + n, .src = src, .dst = dst,
				 .pgmap_owner = dm, .flags = MIGRATE_VMA_SELECT_SYSTEM };

	assert_int_equal(migrate_vma_setup(dm->m, &a), 0);
	for (unsigned long i = 0; i < a.npages; i++) {
		long dpfn;

		if (!(src[i] & MIGRATE_PFN_MIGRATE))
			continue;
		dpfn = dmirror_alloc(dm);
		if (dpfn < 0)
			continue;
		/* the device's DMA reads the page through the direct map */
		memcpy(devmem(dm, (unsigned long)dpfn), page_address(dm->m, migrate_pfn_to_pfn(src[i])), 4096);
		dst[i] = migrate_pfn((unsigned long)dpfn);
	}
	migrate_vma_pages(dm->m, &a);
	for (unsigned long i = 0; i < a.npages; i++)
		moved += !!(src[i] & MIGRATE_PFN_MIGRATE);
	migrate_vma_finalize(dm->m, &a);
	return moved;
}

/* everything back to RAM before teardown (dmirror_device_evict_chunk) */
static void dmirror_evict(struct dmirror *dm)
{
	unsigned long src[DPAGES], dst[DPAGES] = { 0 };

	assert_int_equal(migrate_device_range(dm->m, src, dm->base, DPAGES), 0);
	copy_to_ram(dm, src, dst, DPAGES);
	migrate_device_pages(dm->m, src, dst, DPAGES);
	migrate_device_finalize(dm->m, src, dst, DPAGES);
}

static uint8_t pattern(size_t page)
{
	return (uint8_t)(page * 7 + 1);
}

static struct memhp_region *filled_region(struct memhp_machine *m, size_t n)
{
	struct memhp_region *r;

	assert_int_equal(memhp_region_alloc(m, n, 0, 0, &r), 0);
	for (size_t i = 0; i < n; i++)
		memset((uint8_t *)memhp_region_addr(r) + i * 4096, pattern(i), 4096);
	return r;
}

static void page_is(struct memhp_region *r, size_t i, uint8_t first, uint8_t rest)
{
	const volatile uint8_t *p = (const volatile uint8_t *)memhp_region_addr(r) + i * 4096;

	if (p[0] != first)
		fail_msg("page %zu byte 0: %#x, not %#x", i, p[0], first);
	for (size_t b = 1; b < 4096; b++)
		if (p[b] != rest)
			fail_msg("page %zu byte %zu: %#x, not %#x", i, b, p[b], rest);
}

static bool on_device(struct memhp_machine *m, struct memhp_region *r, size_t i)
{
	return is_device_private_pfn(m, (unsigned long)memhp_region_pfn(r, i));
}

static void test_migrate_and_fault_back(void **state)
{
	struct memhp_machine *m = boot_machine("", 1 * GiB);
	unsigned long free0 = free_all(m), free1;
	struct dmirror *dm = dmirror_create(m);
	struct memhp_region *r = filled_region(m, 16);
	volatile uint8_t *w = memhp_region_addr(r);
	char *iomem;

	(void)state;
	/* the top section-aligned free range of the 256 GiB physical space */
	iomem = readf(m, "/proc/iomem");
	assert_non_null(strstr(iomem, "3ff8000000-3fffffffff : hmm_dmirror\n"));
	free(iomem);
	assert_false(pfn_online(m, dm->base));

	free1 = free_all(m);
	assert_int_equal(dmirror_migrate_to_dev(dm, r, 0, 8), 8);
	for (size_t i = 0; i < 8; i++) {
		assert_true(on_device(m, r, i));
		assert_int_equal(memhp_region_pfn(r, i), (long)(dm->base + i));
		assert_int_equal(devmem(dm, dm->base + i)[4095], pattern(i));
		assert_int_equal(page_ref(pfn_to_page(m, dm->base + i)), 1);	/* the mapping's */
	}
	assert_false(on_device(m, r, 8));
	assert_int_equal(free_all(m) - free1, 8);	/* the RAM pages went back */
	assert_int_equal(atomic_load(&dm->pg.ref), 1 + 8);
	audit_ok(m);

	/* a read faults, the driver brings the page back */
	assert_int_equal(w[3 * 4096 + 100], pattern(3));
	assert_int_equal(atomic_load(&dm->faults), 1);
	assert_int_equal(atomic_load(&dm->frees), 1);
	assert_false(on_device(m, r, 3));
	assert_true(pfn_to_page(m, (unsigned long)memhp_region_pfn(r, 3))->flags & PG_lru);
	page_is(r, 3, pattern(3), pattern(3));
	/* so does a write, and it lands on the RAM page */
	w[5 * 4096] = 0xab;
	assert_int_equal(atomic_load(&dm->faults), 2);
	page_is(r, 5, 0xab, pattern(5));
	assert_int_equal(atomic_load(&dm->pg.ref), 1 + 6);
	audit_ok(m);

	/* a pinned page stays; unpinned it goes */
	assert_int_equal(memhp_region_pin(r, 9), 0);
	assert_int_equal(dmirror_migrate_to_dev(dm, r, 9, 1), 0);
	assert_false(on_device(m, r, 9));
	assert_int_equal(memhp_region_unpin(r, 9), 0);
	assert_int_equal(dmirror_migrate_to_dev(dm, r, 8, 8), 8);
	/* pages already on the device are not collected for SELECT_SYSTEM */
	assert_int_equal(dmirror_migrate_to_dev(dm, r, 0, 16), 2);	/* 3 and 5 */
	audit_ok(m);

	/* eviction: all 16 back, every byte as written */
	dmirror_evict(dm);
	for (size_t i = 0; i < 16; i++) {
		assert_false(on_device(m, r, i));
		page_is(r, i, i == 5 ? 0xab : pattern(i), pattern(i));
	}
	assert_int_equal(atomic_load(&dm->faults), 2);	/* eviction is no fault */
	assert_int_equal(atomic_load(&dm->pg.ref), 1);
	audit_ok(m);
	memhp_region_free(r);
	dmirror_destroy(dm);
	assert_int_equal(free_all(m), free0);
	audit_ok(m);
	memhp_machine_destroy(m);
}

/* a region freed with pages on the device gives them back through page_free */
static void test_region_free_with_device_pages(void **state)
{
	struct memhp_machine *m = boot_machine("", 1 * GiB);
	unsigned long free0 = free_all(m);
	struct dmirror *dm = dmirror_create(m);
	struct memhp_region *r = filled_region(m, 8);

	(void)state;
	assert_int_equal(dmirror_migrate_to_dev(dm, r, 2, 4), 4);
	memhp_region_free(r);
	assert_int_equal(atomic_load(&dm->frees), 4);
	assert_int_equal(dm->nfree, DPAGES);
	assert_int_equal(atomic_load(&dm->pg.ref), 1);
	audit_ok(m);
	dmirror_destroy(dm);
	assert_int_equal(free_all(m), free0);
	memhp_machine_destroy(m);
}

struct unmapper {
	struct dmirror *dm;
	atomic_int done;
};

static void *unmap_thread(void *arg)
{
	struct unmapper *u = arg;

	memunmap_pages(u->dm->m, &u->dm->pg);
	atomic_store(&u->done, 1);
	return NULL;
}

/* memunmap_pages waits for the pages out on the device; a fault frees them */
static void test_teardown_waits_for_device_pages(void **state)
{
	struct memhp_machine *m = boot_machine("", 1 * GiB);
	struct dmirror *dm = dmirror_create(m);
	struct memhp_region *r = filled_region(m, 4);
	struct unmapper u = { .dm = dm };
	pthread_t t;

	(void)state;
	assert_int_equal(dmirror_migrate_to_dev(dm, r, 1, 2), 2);
	assert_int_equal(pthread_create(&t, NULL, unmap_thread, &u), 0);
	usleep(100 * 1000);	/* time enough to finish, were it not waiting */
	assert_false(atomic_load(&u.done));
	assert_null(get_dev_pagemap(m, dm->base, NULL));	/* killed: no new reference */
	page_is(r, 1, pattern(1), pattern(1));		/* faults back: one page still out */
	usleep(100 * 1000);
	assert_false(atomic_load(&u.done));
	page_is(r, 2, pattern(2), pattern(2));		/* the last one */
	pthread_join(t, NULL);
	assert_true(atomic_load(&u.done));
	assert_false(pfn_valid(m, dm->base));
	memhp_region_free(r);
	iomem_release(m, &dm->res);
	pthread_mutex_destroy(&dm->lock);
	free(dm->mem);
	free(dm);
	audit_ok(m);
	memhp_machine_destroy(m);
}

struct reader {
	struct memhp_region *r;
	size_t n;
	atomic_int *go;
	int bad;
};

static void *read_all(void *arg)
{
	struct reader *rd = arg;
	const volatile uint8_t *w = memhp_region_addr(rd->r);

	while (!atomic_load(rd->go))
		;
	for (size_t i = 0; i < rd->n; i++)
		rd->bad += w[i * 4096 + 17] != pattern(i);
	return NULL;
}

/* threads touching the same device pages at once: each page comes back once */
static void test_concurrent_faults(void **state)
{
	struct memhp_machine *m = boot_machine("", 1 * GiB);
	struct dmirror *dm = dmirror_create(m);
	struct memhp_region *r = filled_region(m, 32);
	struct reader rd[3];
	pthread_t t[3];
	atomic_int go = 0;

	(void)state;
	assert_int_equal(dmirror_migrate_to_dev(dm, r, 0, 32), 32);
	for (int i = 0; i < 3; i++) {
		rd[i] = (struct reader){ .r = r, .n = 32, .go = &go };
		assert_int_equal(pthread_create(&t[i], NULL, read_all, &rd[i]), 0);
	}
	atomic_store(&go, 1);
	for (int i = 0; i < 3; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(rd[i].bad, 0);
	}
	assert_int_equal(atomic_load(&dm->faults), 32);
	assert_int_equal(atomic_load(&dm->frees), 32);
	for (size_t i = 0; i < 32; i++)
		page_is(r, i, pattern(i), pattern(i));
	audit_ok(m);
	memhp_region_free(r);
	dmirror_destroy(dm);
	audit_ok(m);
	memhp_machine_destroy(m);
}

/* migrate_vma_setup's refusals */
static void test_setup_refusals(void **state)
{
	struct memhp_machine *m = boot_machine("", 1 * GiB);
	struct dmirror *dm = dmirror_create(m);
	struct memhp_region *r = filled_region(m, 4);
	unsigned long src[4], dst[4];
	struct migrate_vma a = { .vma = r, .start = 0, .end = 4, .src = src, .dst = dst,
				 .flags = MIGRATE_VMA_SELECT_SYSTEM };

	(void)state;
	a.end = 5;
	assert_int_equal(migrate_vma_setup(m, &a), -EINVAL);	/* beyond the vma */
	a.end = 0;
	assert_int_equal(migrate_vma_setup(m, &a), -EINVAL);	/* empty */
	a.end = 4;
	a.src = NULL;
	assert_int_equal(migrate_vma_setup(m, &a), -EINVAL);
	a.src = src;
	a.fault_page = pfn_to_page(m, (unsigned long)memhp_region_pfn(r, 0));
	assert_int_equal(migrate_vma_setup(m, &a), -EINVAL);	/* a fault page in RAM */
	assert_int_equal(migrate_device_range(m, src, 1UL << 40, 4), -EINVAL);
	audit_ok(m);
	memhp_region_free(r);
	dmirror_destroy(dm);
	memhp_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_migrate_and_fault_back),
		cmocka_unit_test(test_region_free_with_device_pages),
		cmocka_unit_test(test_teardown_waits_for_device_pages),
		cmocka_unit_test(test_concurrent_faults),
		cmocka_unit_test(test_setup_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
