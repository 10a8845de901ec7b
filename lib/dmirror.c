// SPDX-License-Identifier: MIT
/*
 * dmirror.c - a device with private memory, in the manner of the kernel's
 * lib/test_hmm.c ("hmm_dmirror"): the reference user of device-private
 * ZONE_DEVICE memory (memremap.c, migrate_device.c), public so that
 * programs and tests can put a process's pages out of the CPU's reach and
 * watch them come back.
 *
 * The device's memory is an anonymous mapping of this process that only
 * the driver touches - its "DMA engine" is memcpy.  Its struct pages are a
 * MEMORY_DEVICE_PRIVATE pgmap over a range at the top of the physical
 * address space (request_free_mem_region: the CPU never addresses it, so
 * any free range will do), memmap in DRAM, no direct map.  Free device
 * pages are on the driver's free list; zone_device_page_init hands one out
 * (refcount 1, a pgmap reference), page_free takes it back.
 *
 *   memhp_dmirror_migrate   region pages -> device (migrate_vma with
 *                           MIGRATE_VMA_SELECT_SYSTEM), the data copied
 *                           from the direct map;
 *   migrate_to_ram          a CPU access to one of them: the page comes
 *                           back into a fresh RAM page of the region's node;
 *   memhp_dmirror_evict     every page back (migrate_device_range), as
 *                           dmirror_device_evict_chunk does before teardown;
 *   memhp_dmirror_destroy   evict, then memunmap_pages - which would wait
 *                           for any page still out.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"

#define DMIRROR_CHUNK 64

struct memhp_dmirror {
	struct dev_pagemap pgmap;	/* first: the pgmap's callbacks get it */
	struct memhp_machine *m;
	struct resource *res;
	unsigned long base, nr_pages;
	uint8_t *mem;			/* the device's memory */
	unsigned long *free;		/* free device pfns, under lock */
	unsigned long nr_free;
	pthread_mutex_t lock;
	atomic_ulong faults, to_device, to_ram;
};

static struct memhp_dmirror *pgmap_dmirror(struct dev_pagemap *pgmap)
{
	return (struct memhp_dmirror *)pgmap;
}

static uint8_t *devmem(struct memhp_dmirror *d, unsigned long pfn)
{
	return d->mem + ((pfn - d->base) << page_shift(d->m));
}

static void dmirror_page_free(struct dev_pagemap *pgmap, unsigned long pfn)
{
	struct memhp_dmirror *d = pgmap_dmirror(pgmap);

	pthread_mutex_lock(&d->lock);
	d->free[d->nr_free++] = pfn;
	pthread_mutex_unlock(&d->lock);
}

static long dmirror_page_alloc(struct memhp_dmirror *d)
{
	long pfn = -ENOMEM;

	pthread_mutex_lock(&d->lock);
	if (d->nr_free)
		pfn = (long)d->free[--d->nr_free];
	pthread_mutex_unlock(&d->lock);
	if (pfn >= 0)
		zone_device_page_init(d->m, (unsigned long)pfn);
	return pfn;
}

/* where a page of r comes back to: its node, or node 0 for "any" */
static int region_node(const struct memhp_region *r)
{
	return r->nid < 0 ? 0 : r->nid;
}

/* the device copies each collected page into a fresh RAM page of node nid */
static void copy_to_ram(struct memhp_dmirror *d, int nid, const unsigned long *src, unsigned long *dst,
			unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		long pfn;

		if (!(src[i] & MIGRATE_PFN_MIGRATE))
			continue;
		pfn = alloc_pages_node(d->m, nid, ALLOC_MOVABLE, 0);
		if (pfn < 0)
			continue;	/* the page stays on the device */
		memcpy(page_address(d->m, (unsigned long)pfn), devmem(d, migrate_pfn_to_pfn(src[i])),
		       d->m->page_size);
		dst[i] = migrate_pfn((unsigned long)pfn);
	}
}

static unsigned long count_migrated(const unsigned long *src, unsigned long n)
{
	unsigned long moved = 0;

	for (unsigned long i = 0; i < n; i++)
		moved += !!(src[i] & MIGRATE_PFN_MIGRATE);
	return moved;
}

/* dmirror_devmem_fault: the one page the CPU touched comes back */
static int dmirror_migrate_to_ram(struct vm_fault *vmf)
{
	struct memhp_dmirror *d = pgmap_dmirror(page_pgmap(vmf->m, vmf->pfn));
	unsigned long src, dst;
	struct migrate_vma a = {
		.vma = vmf->region, .start = vmf->index, .end = vmf->index + 1, .src = &src, .dst = &dst,
		.pgmap_owner = d, .flags = MIGRATE_VMA_SELECT_DEVICE_PRIVATE,
		.fault_page = pfn_to_page(vmf->m, vmf->pfn),
	};

	if (migrate_vma_setup(vmf->m, &a))
		return VM_FAULT_SIGBUS;
	copy_to_ram(d, region_node(vmf->region), &src, &dst, 1);
	migrate_vma_pages(vmf->m, &a);
	atomic_fetch_add(&d->to_ram, count_migrated(&src, 1));
	/* counted before finalize wakes the access: it may look at once */
	atomic_fetch_add(&d->faults, 1);
	migrate_vma_finalize(vmf->m, &a);
	return 0;	/* not migrated (no RAM): the access faults again */
}

static const struct dev_pagemap_ops dmirror_ops = {
	.page_free = dmirror_page_free,
	.migrate_to_ram = dmirror_migrate_to_ram,
};

int memhp_dmirror_create(struct memhp_machine *m, size_t nr_pages, struct memhp_dmirror **out)
{
	machine_check(m);
	uint64_t size = ALIGN_UP((uint64_t)nr_pages << page_shift(m), PFN_PHYS_M(m, m->pages_per_section));
	struct memhp_dmirror *d;
	int ret = -ENOMEM;

	if (!nr_pages || !out || nr_pages > m->max_pfn_limit)
		return -EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->m = m;
	d->nr_pages = nr_pages;
	d->free = calloc(nr_pages, sizeof(*d->free));
	d->mem = mmap(NULL, nr_pages << page_shift(m), PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (!d->free || d->mem == MAP_FAILED)
		goto fail;
	pthread_mutex_init(&d->lock, NULL);
	pthread_mutex_lock(&m->device_hotplug_lock);
	d->res = request_free_mem_region(m, size, "hmm_dmirror");
	if (!d->res) {
		pthread_mutex_unlock(&m->device_hotplug_lock);
		goto fail_lock;
	}
	d->pgmap.type = MEMORY_DEVICE_PRIVATE;
	d->pgmap.nr_range = 1;
	d->pgmap.ranges[0] = (struct pgmap_range){ d->res->start, d->res->end };
	d->pgmap.ops = &dmirror_ops;
	d->pgmap.owner = d;
	ret = memremap_pages(m, &d->pgmap, 0);
	if (ret)
		iomem_release(m, &d->res);
	pthread_mutex_unlock(&m->device_hotplug_lock);
	if (ret)
		goto fail_lock;
	d->base = PHYS_PFN_M(m, d->res->start);
	for (unsigned long i = 0; i < nr_pages; i++)
		d->free[i] = d->base + nr_pages - 1 - i;	/* handed out ascending */
	d->nr_free = nr_pages;
	*out = d;
	return 0;
fail_lock:
	pthread_mutex_destroy(&d->lock);
fail:
	if (d->mem != MAP_FAILED && d->mem)
		munmap(d->mem, nr_pages << page_shift(m));
	free(d->free);
	free(d);
	return ret;
}

/* up to DMIRROR_CHUNK window pages from start to the device */
static long migrate_chunk(struct memhp_dmirror *d, struct memhp_region *r, size_t start, size_t n)
{
	unsigned long src[DMIRROR_CHUNK], dst[DMIRROR_CHUNK], moved;
	struct migrate_vma a = { .vma = r, .start = start, .end = start + n, .src = src, .dst = dst,
				 .pgmap_owner = d, .flags = MIGRATE_VMA_SELECT_SYSTEM };
	int ret = migrate_vma_setup(d->m, &a);

	if (ret)
		return ret;
	for (unsigned long i = 0; i < a.npages; i++) {
		long dpfn;

		if (!(src[i] & MIGRATE_PFN_MIGRATE))
			continue;
		dpfn = dmirror_page_alloc(d);
		if (dpfn < 0)
			break;	/* the device is full */
		/* the device's DMA reads the page through the direct map */
		memcpy(devmem(d, (unsigned long)dpfn), page_address(d->m, migrate_pfn_to_pfn(src[i])),
		       d->m->page_size);
		dst[i] = migrate_pfn((unsigned long)dpfn);
	}
	migrate_vma_pages(d->m, &a);
	moved = count_migrated(src, a.npages);
	migrate_vma_finalize(d->m, &a);
	atomic_fetch_add(&d->to_device, moved);
	return (long)moved;
}

long memhp_dmirror_migrate(struct memhp_dmirror *d, struct memhp_region *r, size_t start, size_t n)
{
	long moved = 0;

	if (!d || !r || !n || start >= r->nr_pages || n > r->nr_pages - start)
		return -EINVAL;
	for (size_t done = 0; done < n; done += DMIRROR_CHUNK) {
		long ret = migrate_chunk(d, r, start + done, MIN((size_t)DMIRROR_CHUNK, n - done));

		if (ret < 0)
			return moved ? moved : ret;
		moved += ret;
	}
	return moved;
}

/* migrate_device_range over the device: every page still out comes back */
int memhp_dmirror_evict(struct memhp_dmirror *d)
{
	unsigned long src[DMIRROR_CHUNK], dst[DMIRROR_CHUNK];

	for (unsigned long pfn = d->base; pfn < d->base + d->nr_pages; pfn += DMIRROR_CHUNK) {
		unsigned long n = MIN((unsigned long)DMIRROR_CHUNK, d->base + d->nr_pages - pfn);
		int ret = migrate_device_range(d->m, src, pfn, n);

		if (ret)
			return ret;
		memset(dst, 0, sizeof(dst));
		for (unsigned long i = 0; i < n; i++) {
			/* collected, so its reverse map holds still */
			const struct memhp_region *r =
				(const struct memhp_region *)(uintptr_t)pfn_to_page(d->m, pfn + i)->private;

			if (src[i] & MIGRATE_PFN_MIGRATE)
				copy_to_ram(d, region_node(r), &src[i], &dst[i], 1);
		}
		migrate_device_pages(d->m, src, dst, n);
		atomic_fetch_add(&d->to_ram, count_migrated(src, n));
		migrate_device_finalize(d->m, src, dst, n);
	}
	return memhp_dmirror_pages_out(d) ? -EBUSY : 0;
}

size_t memhp_dmirror_pages_out(struct memhp_dmirror *d)
{
	size_t out;

	pthread_mutex_lock(&d->lock);
	out = d->nr_pages - d->nr_free;
	pthread_mutex_unlock(&d->lock);
	return out;
}

void memhp_dmirror_stats(struct memhp_dmirror *d, struct memhp_dmirror_stats *st)
{
	st->faults = atomic_load(&d->faults);
	st->to_device = atomic_load(&d->to_device);
	st->to_ram = atomic_load(&d->to_ram);
	st->pages_out = memhp_dmirror_pages_out(d);
	st->first_pfn = d->base;
}

void memhp_dmirror_destroy(struct memhp_dmirror *d)
{
	struct memhp_machine *m;

	if (!d)
		return;
	m = d->m;
	memhp_dmirror_evict(d);
	pthread_mutex_lock(&m->device_hotplug_lock);
	memunmap_pages(m, &d->pgmap);	/* waits for any page still out */
	iomem_release(m, &d->res);
	pthread_mutex_unlock(&m->device_hotplug_lock);
	pthread_mutex_destroy(&d->lock);
	munmap(d->mem, d->nr_pages << page_shift(m));
	free(d->free);
	free(d);
}
