// SPDX-License-Identifier: MIT
/*
 * test_hmm.c - device-private memory through memhp_dmirror (lib/dmirror.c,
 * the kernel's lib/test_hmm.c): its memory is a buffer the CPU can only
 * reach through the driver, its pages are ZONE_DEVICE pages at the top of
 * the physical address space (request_free_mem_region).  A region's pages
 * move there with migrate_vma_*, a CPU access to one of them faults and
 * migrate_to_ram brings it back, byte for byte (the RAM it left having
 * been reused meanwhile); teardown waits for the pages still out;
 * eviction (migrate_device_range) empties the device; pinned pages stay;
 * concurrent faults on one page migrate it once.
 */
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "../../lib/internal.h"

#define DPAGES 64

static struct memhp_dmirror *dmirror(struct memhp_machine *m)
{
	struct memhp_dmirror *d;

	assert_int_equal(memhp_dmirror_create(m, DPAGES, &d), 0);
	return d;
}

static struct memhp_dmirror_stats stats(struct memhp_dmirror *d)
{
	struct memhp_dmirror_stats st;

	memhp_dmirror_stats(d, &st);
	return st;
}

/* the device's pgmap, through its first page */
static struct dev_pagemap *pgmap_of(struct memhp_machine *m, struct memhp_dmirror *d)
{
	return page_pgmap(m, stats(d).first_pfn);
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

/* every page of r back in RAM, whole; then r, the device and m go */
static void all_back_then_teardown(struct memhp_machine *m, struct memhp_dmirror *d, struct memhp_region *r,
				   size_t pages)
{
	assert_int_equal(stats(d).pages_out, 0);
	for (size_t i = 0; i < pages; i++) {
		assert_false(on_device(m, r, i));
		page_is(r, i, pattern(i), pattern(i));
	}
	audit_ok(m);
	memhp_region_free(r);
	memhp_dmirror_destroy(d);
	audit_ok(m);
	memhp_machine_destroy(m);
}

/* free RAM is reused meanwhile: what comes back must come from the device */
static void scribble_free_ram(struct memhp_machine *m)
{
	struct memhp_region *junk;

	assert_int_equal(memhp_region_alloc(m, 4096, 0, 0, &junk), 0);
	memset(memhp_region_addr(junk), 0xee, 4096 * 4096);
	memhp_region_free(junk);
}

static void test_migrate_and_fault_back(void **state)
{
	struct memhp_machine *m = boot_machine("", 1 * GiB);
	unsigned long free0 = free_all(m), free1;
	struct memhp_dmirror *d = dmirror(m);
	struct memhp_region *r = filled_region(m, 16);
	volatile uint8_t *w = memhp_region_addr(r);
	unsigned long base = stats(d).first_pfn;
	struct dev_pagemap *pg = pgmap_of(m, d);
	char *iomem;

	(void)state;
	/* the top section-aligned free range of the 256 GiB physical space */
	iomem = readf(m, "/proc/iomem");
	assert_non_null(strstr(iomem, "3ff8000000-3fffffffff : hmm_dmirror\n"));
	free(iomem);
	assert_int_equal(base, 0x3ff8000);
	assert_false(pfn_online(m, base));
	assert_null(memhp_pfn_to_virt(m, base));

	free1 = free_all(m);
	assert_int_equal(memhp_dmirror_migrate(d, r, 0, 8), 8);
	for (size_t i = 0; i < 8; i++) {
		assert_true(on_device(m, r, i));
		assert_int_equal(memhp_region_pfn(r, i), (long)(base + i));
		assert_int_equal(page_ref(pfn_to_page(m, base + i)), 1);	/* the mapping's */
	}
	assert_false(on_device(m, r, 8));
	assert_int_equal(free_all(m) - free1, 8);	/* the RAM pages went back */
	assert_int_equal(atomic_load(&pg->ref), 1 + 8);
	assert_int_equal(stats(d).pages_out, 8);
	audit_ok(m);
	scribble_free_ram(m);

	/* a read faults, the driver brings the page back */
	assert_int_equal(w[3 * 4096 + 100], pattern(3));
	assert_int_equal(stats(d).faults, 1);
	assert_int_equal(stats(d).pages_out, 7);
	assert_false(on_device(m, r, 3));
	assert_true(pfn_to_page(m, (unsigned long)memhp_region_pfn(r, 3))->flags & PG_lru);
	page_is(r, 3, pattern(3), pattern(3));
	/* so does a write, and it lands on the RAM page */
	w[5 * 4096] = 0xab;
	assert_int_equal(stats(d).faults, 2);
	page_is(r, 5, 0xab, pattern(5));
	assert_int_equal(atomic_load(&pg->ref), 1 + 6);
	audit_ok(m);

	/* pinning a page out on the device brings it back first, as GUP does */
	assert_int_equal(memhp_dmirror_migrate(d, r, 12, 1), 1);
	assert_int_equal(memhp_region_pin(r, 12), 0);
	assert_false(on_device(m, r, 12));
	assert_int_equal(stats(d).faults, 3);
	assert_int_equal(page_ref(pfn_to_page(m, (unsigned long)memhp_region_pfn(r, 12))), 2);
	assert_int_equal(memhp_region_unpin(r, 12), 0);
	page_is(r, 12, pattern(12), pattern(12));
	/* a pinned page stays; unpinned it goes */
	assert_int_equal(memhp_region_pin(r, 9), 0);
	assert_int_equal(memhp_dmirror_migrate(d, r, 9, 1), 0);
	assert_false(on_device(m, r, 9));
	assert_int_equal(memhp_region_unpin(r, 9), 0);
	assert_int_equal(memhp_dmirror_migrate(d, r, 8, 8), 8);
	/* pages already on the device are not collected for SELECT_SYSTEM */
	assert_int_equal(memhp_dmirror_migrate(d, r, 0, 16), 2);	/* 3 and 5 */
	assert_int_equal(memhp_dmirror_migrate(d, r, 10, 7), -EINVAL);
	audit_ok(m);
	scribble_free_ram(m);

	/* eviction: all 16 back, every byte as written */
	assert_int_equal(memhp_dmirror_evict(d), 0);
	for (size_t i = 0; i < 16; i++) {
		assert_false(on_device(m, r, i));
		page_is(r, i, i == 5 ? 0xab : pattern(i), pattern(i));
	}
	assert_int_equal(stats(d).faults, 3);	/* eviction is no fault */
	assert_int_equal(stats(d).to_device, 19);
	assert_int_equal(stats(d).to_ram, 19);
	assert_int_equal(atomic_load(&pg->ref), 1);
	audit_ok(m);
	memhp_region_free(r);
	memhp_dmirror_destroy(d);
	assert_int_equal(free_all(m), free0);
	audit_ok(m);
	memhp_machine_destroy(m);
}

/* a region freed with pages on the device gives them back through page_free */
static void test_region_free_with_device_pages(void **state)
{
	struct memhp_machine *m = boot_machine("", 1 * GiB);
	unsigned long free0 = free_all(m);
	struct memhp_dmirror *d = dmirror(m);
	struct memhp_region *r = filled_region(m, 8);

	(void)state;
	assert_int_equal(memhp_dmirror_migrate(d, r, 2, 4), 4);
	memhp_region_free(r);
	assert_int_equal(stats(d).pages_out, 0);
	assert_int_equal(atomic_load(&pgmap_of(m, d)->ref), 1);
	audit_ok(m);
	memhp_dmirror_destroy(d);
	assert_int_equal(free_all(m), free0);
	memhp_machine_destroy(m);
}

struct destroyer {
	struct memhp_dmirror *d;
	atomic_int done;
};

static void *destroy_thread(void *arg)
{
	struct destroyer *x = arg;

	memhp_dmirror_destroy(x->d);
	atomic_store(&x->done, 1);
	return NULL;
}

/*
 * A page that cannot be evicted (the device holds a reference) keeps the
 * device: destroy's memunmap_pages waits until the page is gone, here by
 * a CPU access once the device lets go.
 */
static void test_teardown_waits_for_device_pages(void **state)
{
	struct memhp_machine *m = boot_machine("", 1 * GiB);
	struct memhp_dmirror *d = dmirror(m);
	struct memhp_region *r = filled_region(m, 4);
	struct destroyer x = { .d = d };
	unsigned long base = stats(d).first_pfn;
	pthread_t t;

	(void)state;
	assert_int_equal(memhp_dmirror_migrate(d, r, 1, 2), 2);
	get_device_page(m, base + 1);	/* the device holds page 2 (a DMA in flight) */
	assert_int_equal(memhp_dmirror_evict(d), -EBUSY);	/* page 1 came back, 2 did not */
	assert_false(on_device(m, r, 1));
	assert_true(on_device(m, r, 2));
	assert_int_equal(pthread_create(&t, NULL, destroy_thread, &x), 0);
	usleep(100 * 1000);	/* time enough to finish, were it not waiting */
	assert_false(atomic_load(&x.done));
	assert_null(get_dev_pagemap(m, base, NULL));	/* killed: no new reference */
	put_device_page(m, base + 1);
	usleep(100 * 1000);
	assert_false(atomic_load(&x.done));		/* still out, still waiting */
	page_is(r, 2, pattern(2), pattern(2));		/* the access brings it back */
	pthread_join(t, NULL);
	assert_true(atomic_load(&x.done));
	assert_false(pfn_valid(m, base));
	page_is(r, 1, pattern(1), pattern(1));
	memhp_region_free(r);
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
	struct memhp_dmirror *d = dmirror(m);
	struct memhp_region *r = filled_region(m, 32);
	struct reader rd[3];
	pthread_t t[3];
	atomic_int go = 0;

	(void)state;
	assert_int_equal(memhp_dmirror_migrate(d, r, 0, 32), 32);
	for (int i = 0; i < 3; i++) {
		rd[i] = (struct reader){ .r = r, .n = 32, .go = &go };
		assert_int_equal(pthread_create(&t[i], NULL, read_all, &rd[i]), 0);
	}
	atomic_store(&go, 1);
	for (int i = 0; i < 3; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(rd[i].bad, 0);
	}
	assert_int_equal(stats(d).faults, 32);
	assert_int_equal(stats(d).to_ram, 32);
	all_back_then_teardown(m, d, r, 32);
}

/* ---- interleavings, step by step (found in review) ---------------------------- */

struct freer {
	struct memhp_region *r;
	atomic_int done;
};

static void *free_thread(void *arg)
{
	struct freer *f = arg;

	memhp_region_free(f->r);
	atomic_store(&f->done, 1);
	return NULL;
}

/* a region freed while an eviction holds its pages waits for the eviction */
static void test_free_during_eviction(void **state)
{
	struct memhp_machine *m = boot_machine("", 1 * GiB);
	unsigned long free0 = free_all(m);
	struct memhp_dmirror *d = dmirror(m);
	unsigned long base = stats(d).first_pfn, src[4], dst[4] = { 0 };
	struct freer f = { .r = filled_region(m, 4) };
	pthread_t t;

	(void)state;
	assert_int_equal(memhp_dmirror_migrate(d, f.r, 0, 4), 4);
	assert_int_equal(migrate_device_range(m, src, base, 4), 0);	/* the eviction collects */
	assert_int_equal(page_ref(pfn_to_page(m, base)), 2);		/* mapping + ours */
	assert_int_equal(pthread_create(&t, NULL, free_thread, &f), 0);
	usleep(50 * 1000);
	assert_false(atomic_load(&f.done));	/* munmap waits on the migration entries */
	for (int i = 0; i < 4; i++) {
		long ram = alloc_pages_node(m, 0, ALLOC_MOVABLE, 0);

		assert_true(ram >= 0);
		dst[i] = migrate_pfn((unsigned long)ram);
	}
	migrate_device_pages(m, src, dst, 4);
	migrate_device_finalize(m, src, dst, 4);
	pthread_join(t, NULL);
	assert_int_equal(stats(d).pages_out, 0);
	audit_ok(m);
	memhp_dmirror_destroy(d);
	assert_int_equal(free_all(m), free0);
	memhp_machine_destroy(m);
}

/*
 * The fault path between its migrate_to_ram and its last put: the old
 * device page has no reverse map any more, so an eviction cannot take it
 * (and overwrite the RAM page the fault just put in place).
 */
static void test_evict_after_fault(void **state)
{
	struct memhp_machine *m = boot_machine("", 1 * GiB);
	struct memhp_dmirror *d = dmirror(m);
	struct memhp_region *r = filled_region(m, 1);
	unsigned long base = stats(d).first_pfn, src[1];
	struct page *p = pfn_to_page(m, base);
	struct vm_fault vmf = { .m = m, .region = r, .index = 0, .pfn = base };
	long ram;

	(void)state;
	assert_int_equal(memhp_dmirror_migrate(d, r, 0, 1), 1);
	/* region_device_fault, step by step */
	page_flags_set(p, PG_locked);
	get_device_page(m, base);
	assert_int_equal(page_pgmap(m, base)->ops->migrate_to_ram(&vmf), 0);
	ram = memhp_region_pfn(r, 0);
	assert_false(is_device_private_pfn(m, (unsigned long)ram));
	page_flags_clear(p, PG_locked);
	assert_int_equal(p->private, 0);
	assert_int_equal(migrate_device_range(m, src, base, 1), 0);
	assert_int_equal(src[0], 0);	/* not mapped any more: not collected */
	put_device_page(m, base);	/* the fault path's last reference */
	assert_int_equal(page_ref(p), 0);
	assert_int_equal(stats(d).pages_out, 0);
	assert_int_equal(memhp_region_pfn(r, 0), ram);
	page_is(r, 0, pattern(0), pattern(0));
	audit_ok(m);
	memhp_region_free(r);
	memhp_dmirror_destroy(d);
	memhp_machine_destroy(m);
}

struct pinner {
	struct memhp_region *r;
	atomic_int done;
	int ret;
};

static void *pin_thread(void *arg)
{
	struct pinner *x = arg;

	x->ret = memhp_region_pin(x->r, 0);
	atomic_store(&x->done, 1);
	return NULL;
}

/* a pin during migrate_vma waits for it (GUP on a migration entry), then pins the new page */
static void test_pin_during_migration(void **state)
{
	struct memhp_machine *m = boot_machine("", 1 * GiB);
	struct pinner x = { .r = filled_region(m, 1) };
	unsigned long src[1], dst[1];
	struct migrate_vma a = { .vma = x.r, .start = 0, .end = 1, .src = src, .dst = dst,
				 .flags = MIGRATE_VMA_SELECT_SYSTEM };
	long old = memhp_region_pfn(x.r, 0), new;
	pthread_t t;

	(void)state;
	assert_int_equal(migrate_vma_setup(m, &a), 0);
	assert_int_equal(a.cpages, 1);
	assert_int_equal(pthread_create(&t, NULL, pin_thread, &x), 0);
	usleep(50 * 1000);
	assert_false(atomic_load(&x.done));
	new = alloc_pages_node(m, 0, ALLOC_MOVABLE, 0);
	assert_true(new >= 0);
	memcpy(page_address(m, (unsigned long)new), page_address(m, (unsigned long)old), 4096);
	dst[0] = migrate_pfn((unsigned long)new);
	migrate_vma_pages(m, &a);
	migrate_vma_finalize(m, &a);
	pthread_join(t, NULL);
	assert_int_equal(x.ret, 0);
	assert_int_equal(memhp_region_pfn(x.r, 0), new);
	assert_int_equal(page_ref(pfn_to_page(m, (unsigned long)new)), 2);	/* mapped and pinned */
	assert_true(pfn_to_page(m, (unsigned long)old)->flags & (PG_buddy | PG_pcp));
	page_is(x.r, 0, pattern(0), pattern(0));
	assert_int_equal(memhp_region_unpin(x.r, 0), 0);
	audit_ok(m);
	memhp_region_free(x.r);
	memhp_machine_destroy(m);
}

static void *unpin_thread(void *arg)
{
	struct pinner *x = arg;

	x->ret = memhp_region_unpin(x->r, 0);
	atomic_store(&x->done, 1);
	return NULL;
}

/* an unpin without a pin, during migrate_vma: it waits, then finds nothing pinned */
static void test_unpin_during_migration(void **state)
{
	struct memhp_machine *m = boot_machine("", 1 * GiB);
	struct pinner x = { .r = filled_region(m, 1) };
	unsigned long src[1], dst[1];
	struct migrate_vma a = { .vma = x.r, .start = 0, .end = 1, .src = src, .dst = dst,
				 .flags = MIGRATE_VMA_SELECT_SYSTEM };
	long old = memhp_region_pfn(x.r, 0);
	pthread_t t;

	(void)state;
	assert_int_equal(migrate_vma_setup(m, &a), 0);
	assert_int_equal(pthread_create(&t, NULL, unpin_thread, &x), 0);
	usleep(50 * 1000);
	assert_false(atomic_load(&x.done));	/* it does not take the migration's reference */
	assert_int_equal(page_ref(pfn_to_page(m, (unsigned long)old)), 2);
	migrate_vma_finalize(m, &a);	/* no destination: the page stays */
	pthread_join(t, NULL);
	assert_int_equal(x.ret, -EINVAL);
	assert_int_equal(memhp_region_pfn(x.r, 0), old);
	assert_int_equal(page_ref(pfn_to_page(m, (unsigned long)old)), 1);
	page_is(x.r, 0, pattern(0), pattern(0));
	audit_ok(m);
	memhp_region_free(x.r);
	memhp_machine_destroy(m);
}

/* every fallible step of creating the device, failed in turn: nothing left */
static void test_create_fault_sweep(void **state)
{
	struct memhp_machine *m = boot_machine("", 1 * GiB);
	char *before = machine_snapshot(m);
	struct memhp_dmirror *d = NULL;
	unsigned long n;

	(void)state;
	for (n = 1;; n++) {
		int ret;

		memhp_fault_inject(m, n);
		ret = memhp_dmirror_create(m, DPAGES, &d);
		memhp_fault_inject(m, 0);
		if (!ret)
			break;
		assert_int_equal(ret, -ENOMEM);
		assert_unchanged(m, before);
	}
	assert_true(n > 3);
	memhp_dmirror_destroy(d);
	free(before);
	memhp_machine_destroy(m);
}

/* migrate_vma_setup's refusals */
/*
 * memhp_fork with pages in device-private memory: the snapshot is a copy
 * of the window, and a device page's window page is a placeholder the
 * copy cannot read (it faulted into the fork's own lock, or, without
 * userfaultfd, read as zeros and stayed writable).  The pages come back
 * first: the child sees every page, the parent keeps its data, the device
 * is empty.
 */
static void test_fork_with_device_pages(void **state)
{
	struct memhp_machine *m = boot_machine("", 1 * GiB);
	struct memhp_dmirror *d = dmirror(m);
	struct memhp_region *r = filled_region(m, 32);
	int status;
	pid_t pid;

	(void)state;
	assert_int_equal(memhp_dmirror_migrate(d, r, 4, 16), 16);
	assert_true(on_device(m, r, 4));
	scribble_free_ram(m);
	pid = memhp_fork(m);
	assert_true(pid >= 0);
	if (!pid) {
		const uint8_t *p = memhp_region_addr(r);
		size_t bad = 0;

		for (size_t i = 0; i < 32; i++)
			for (size_t b = 0; b < 4096; b++)
				bad += p[i * 4096 + b] != pattern(i);
		_exit(bad ? 1 : 0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	all_back_then_teardown(m, d, r, 32);
}

static void test_setup_refusals(void **state)
{
	struct memhp_machine *m = boot_machine("", 1 * GiB);
	struct memhp_dmirror *d = dmirror(m);
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
	assert_int_equal(memhp_dmirror_create(m, 0, &d), -EINVAL);
	audit_ok(m);
	memhp_region_free(r);
	memhp_dmirror_destroy(d);
	memhp_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_migrate_and_fault_back),
		cmocka_unit_test(test_region_free_with_device_pages),
		cmocka_unit_test(test_teardown_waits_for_device_pages),
		cmocka_unit_test(test_concurrent_faults),
		cmocka_unit_test(test_free_during_eviction),
		cmocka_unit_test(test_evict_after_fault),
		cmocka_unit_test(test_pin_during_migration),
		cmocka_unit_test(test_unpin_during_migration),
		cmocka_unit_test(test_create_fault_sweep),
		cmocka_unit_test(test_fork_with_device_pages),
		cmocka_unit_test(test_setup_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
