// SPDX-License-Identifier: MIT
/*
 * resource.c - the physical address space as a resource tree (/proc/iomem).
 *
 * Like kernel/resource.c: children are sorted by start and never overlap;
 * a request that overlaps a sibling fails (add_memory maps that to
 * -EEXIST), a request that fits entirely inside an existing entry becomes
 * its child (so "System RAM (kmem)" nests under "dax0.0").  Busy "System
 * RAM" resources are what offline_pages' hole check counts
 * (walk_system_ram_range), so a block with a firmware hole cannot be
 * offlined, exactly as memory7 of the reference guest.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static struct resource *resource_alloc(uint64_t start, uint64_t end, const char *name,
				       unsigned long flags)
{
	struct resource *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->name = strdup(name);
	if (!r->name) {
		free(r);
		return NULL;
	}
	r->start = start;
	r->end = end;
	r->flags = flags;
	return r;
}

/* __request_resource: insert under parent, descending into a container */
static int insert_resource_under(struct resource *parent, struct resource *new)
{
	struct resource **p;

	for (;;) {
		struct resource *c, *container = NULL;

		for (c = parent->child; c; c = c->sibling) {
			if (c->start <= new->start && c->end >= new->end &&
			    !(c->start == new->start && c->end == new->end && (c->flags & IORESOURCE_BUSY))) {
				container = c;
				break;
			}
			if (!(new->end < c->start || new->start > c->end))
				return -EBUSY;	/* partial overlap */
		}
		if (!container)
			break;
		if (container->flags & IORESOURCE_BUSY)
			return -EBUSY;	/* busy resources cannot hold children */
		parent = container;
	}
	p = &parent->child;
	while (*p && (*p)->start < new->start)
		p = &(*p)->sibling;
	new->sibling = *p;
	new->parent = parent;
	*p = new;
	return 0;
}

struct resource *resource_request(struct resource *root, uint64_t start, uint64_t size,
				  const char *name, unsigned long flags)
{
	struct resource *r;

	if (!size || start + size - 1 < start)
		return NULL;
	r = resource_alloc(start, start + size - 1, name, flags);
	if (!r)
		return NULL;
	if (insert_resource_under(root, r)) {
		free(r->name);
		free(r);
		return NULL;
	}
	return r;
}

/*
 * __insert_resource: like a request, but a new entry that covers existing
 * ones - exactly or more - goes above them and adopts them, where a
 * request would nest it inside (cxl_pmem_region's "Persistent Memory"
 * wraps its region's own entry).  -EBUSY on a partial overlap.
 */
static int insert_resource_above(struct resource *parent, struct resource *new)
{
	struct resource *first, *last, **link;

	for (;;) {
		for (first = parent->child; first; first = first->sibling)
			if (!(new->end < first->start || new->start > first->end))
				break;
		if (!first)
			return insert_resource_under(parent, new);
		if (first->start > new->start || first->end < new->end)
			break;		/* new reaches beyond it: new goes above */
		if (first->start == new->start && first->end == new->end)
			break;		/* the same range: new goes above too */
		parent = first;
	}
	/* every sibling it meets must lie wholly inside it */
	for (last = first;; last = last->sibling) {
		if (last->start < new->start || last->end > new->end)
			return -EBUSY;
		if (!last->sibling || last->sibling->start > new->end)
			break;
	}
	for (link = &parent->child; *link != first; link = &(*link)->sibling)
		;
	new->parent = parent;
	new->child = first;
	new->sibling = last->sibling;
	last->sibling = NULL;
	*link = new;
	for (struct resource *c = first; c; c = c->sibling)
		c->parent = new;
	return 0;
}

/* insert_resource into iomem, under resource_lock; NULL for a conflict or no memory */
struct resource *iomem_insert(struct memhp_machine *m, uint64_t start, uint64_t size, const char *name,
			      unsigned long flags)
{
	struct resource *r;

	if (!size || start + size - 1 < start)
		return NULL;
	r = resource_alloc(start, start + size - 1, name, flags);
	if (!r)
		return NULL;
	pthread_mutex_lock(&m->resource_lock);
	if (should_fail(m) || insert_resource_above(&m->iomem, r)) {
		free(r->name);
		free(r);
		r = NULL;
	}
	pthread_mutex_unlock(&m->resource_lock);
	return r;
}

/* request_mem_region: under resource_lock, and a fallible step (fault injection) */
struct resource *iomem_request(struct memhp_machine *m, uint64_t start, uint64_t size, const char *name,
			       unsigned long flags)
{
	struct resource *res;

	pthread_mutex_lock(&m->resource_lock);
	res = should_fail(m) ? NULL : resource_request(&m->iomem, start, size, name, flags);
	pthread_mutex_unlock(&m->resource_lock);
	return res;
}

/* a top-level entry that overlaps [start, end], or NULL */
static struct resource *first_overlap(struct resource *root, uint64_t start, uint64_t end)
{
	for (struct resource *c = root->child; c; c = c->sibling)
		if (!(end < c->start || start > c->end))
			return c;
	return NULL;
}

/*
 * The lowest `align`-aligned start at or above `from` where `size` bytes
 * overlap nothing at the top level (firmware holes included: QEMU's AMD
 * HyperTransport hole below 1 TiB), or 0 when none fits below max_phys.
 * Caller holds resource_lock.
 */
uint64_t iomem_first_fit(struct memhp_machine *m, uint64_t from, uint64_t size, uint64_t align)
{
	lockdep_assert_held(&m->resource_lock);
	uint64_t start = ALIGN_UP(from, align);
	struct resource *c;

	while (start + size > start && start + size <= m->max_phys &&
	       (c = first_overlap(&m->iomem, start, start + size - 1)))
		start = ALIGN_UP(c->end + 1, align);
	return start + size > start && start + size <= m->max_phys ? start : 0;
}

/*
 * request_free_mem_region: the highest section-aligned free range of the
 * physical address space (get_free_mem_region, GFR_DESCENDING), requested
 * busy - where device-private memory goes, as the CPU never reaches it.
 */
struct resource *request_free_mem_region(struct memhp_machine *m, uint64_t size, const char *name)
{
	uint64_t align = PFN_PHYS_M(m, m->pages_per_section), start;
	struct resource *res = NULL, *c;

	if (!size || size > m->max_phys)
		return NULL;
	size = ALIGN_UP(size, align);
	pthread_mutex_lock(&m->resource_lock);
	start = ALIGN_DOWN(m->max_phys - size, align);
	while ((c = first_overlap(&m->iomem, start, start + size - 1)) && c->start >= size)
		start = ALIGN_DOWN(c->start - size, align);
	if (!c && !should_fail(m))
		res = resource_request(&m->iomem, start, size, name, IORESOURCE_MEM | IORESOURCE_BUSY);
	pthread_mutex_unlock(&m->resource_lock);
	return res;
}

/* release_mem_region under resource_lock; the caller's pointer is cleared */
void iomem_release(struct memhp_machine *m, struct resource **res)
{
	pthread_mutex_lock(&m->resource_lock);
	resource_release(*res);
	pthread_mutex_unlock(&m->resource_lock);
	*res = NULL;
}

static void resource_free_children(struct resource *r)
{
	struct resource *c = r->child, *n;

	for (; c; c = n) {
		n = c->sibling;
		resource_free_children(c);
		free(c->name);
		free(c);
	}
	r->child = NULL;
}

/* release_resource: children move up to the parent, as the kernel does */
void resource_release(struct resource *res)
{
	struct resource **p, *c;

	if (!res || !res->parent)
		return;
	for (p = &res->parent->child; *p; p = &(*p)->sibling) {
		if (*p == res) {
			*p = res->sibling;
			break;
		}
	}
	for (c = res->child; c;) {
		struct resource *n = c->sibling;

		c->sibling = NULL;
		c->parent = NULL;
		insert_resource_under(res->parent, c);
		c = n;
	}
	free(res->name);
	free(res);
}

void resource_free_tree(struct resource *root)
{
	resource_free_children(root);
}

static struct resource *find_exact(struct resource *r, uint64_t start, uint64_t end,
				   unsigned long flags)
{
	for (struct resource *c = r->child; c; c = c->sibling) {
		struct resource *f;

		if (c->start == start && c->end == end && (c->flags & flags) == flags)
			return c;
		f = find_exact(c, start, end, flags);
		if (f)
			return f;
	}
	return NULL;
}

struct resource *resource_find_exact(struct resource *root, uint64_t start, uint64_t size,
				     unsigned long flags)
{
	return find_exact(root, start, start + size - 1, flags);
}

static unsigned long count_ram(const struct memhp_machine *m, const struct resource *r,
			       uint64_t start, uint64_t end)
{
	unsigned long pages = 0;

	for (const struct resource *c = r->child; c; c = c->sibling) {
		if (c->end < start || c->start > end)
			continue;
		if ((c->flags & (IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY)) ==
		    (IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY)) {
			/* walk_system_ram_range counts whole pages only */
			uint64_t s = MAX(c->start, start), e = MIN(c->end, end);
			unsigned long sp = PFN_UP_M(m, s), ep = PHYS_PFN_M(m, e + 1);

			if (ep > sp)
				pages += ep - sp;
		} else {
			pages += count_ram(m, c, start, end);
		}
	}
	return pages;
}

unsigned long resource_count_system_ram_pages(struct memhp_machine *m, unsigned long start_pfn,
					      unsigned long nr_pages)
{
	return count_ram(m, &m->iomem, PFN_PHYS_M(m, start_pfn),
			 PFN_PHYS_M(m, start_pfn + nr_pages) - 1);
}

static void print_level(const struct resource *r, int depth, struct sbuf *s)
{
	for (const struct resource *c = r->child; c; c = c->sibling) {
		sbuf_printf(s, "%*s%08llx-%08llx : %s\n", depth * 2, "",
			    (unsigned long long)c->start, (unsigned long long)c->end, c->name);
		print_level(c, depth + 1, s);
	}
}

size_t resource_print(const struct resource *root, char *buf, size_t len)
{
	struct sbuf s = { .buf = NULL, .len = 0, .cap = 0 };
	size_t n;

	print_level(root, 0, &s);
	n = s.len;
	if (buf && len) {
		size_t c = MIN(n, len - 1);

		memcpy(buf, s.buf ? s.buf : "", c);
		buf[c] = '\0';
	}
	free(s.buf);
	return n;
}
