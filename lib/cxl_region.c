// SPDX-License-Identifier: MIT
/*
 * cxl_region.c - CXL region programming (drivers/cxl/core/region.c and
 * hdm.c, Linux 6.12, with cxl_test's mock decoder commit and reset):
 *
 *   endpoint decoder  mode (ram|pmem), then dpa_size: DPA allocated in
 *                     decoder order (hdm_end), ram from 0, pmem after the
 *                     ram partition (the free ram before it skipped);
 *   root decoder      create_{ram,pmem}_region takes the name
 *                     create_*_region shows (its preallocated memregion
 *                     id; any other: -EBUSY), delete_region;
 *   region            interleave_granularity, interleave_ways, uuid
 *                     (pmem), size (HPA from the window, lowest first,
 *                     256 MiB aligned), target<i> (an endpoint decoder:
 *                     attach, with the port decoders on its way), commit
 *                     (the decoders committed in id order per port, as
 *                     mock_decoder_commit demands), then binding to
 *                     cxl_region: a ram region gets dax_regionN
 *                     (cxl_dax_region), under which a dax region and
 *                     device on its HPA hang, which kmem adds block by
 *                     block with the memmap on the region's own memory.
 *
 * Each step checks what the kernel checks, in its order, with its errno.
 * The region's memory is a device of its own (a memfd over its HPA);
 * memhp does not split it into the memdevs' DPA (see the README).
 * Caller holds b->lock, except for bind and unbind (device_hotplug_lock,
 * the lock dropped around the dax region).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "cxl.h"

#define SZ_256M (256ULL << 20)
#define CXL_DECODER_MIN_GRANULARITY 256
#define SZ_16K 16384

static bool is_power_of_2(unsigned long long v)
{
	return v && !(v & (v - 1));
}

static int ilog2u(unsigned long long v)
{
	return 63 - __builtin_clzll(v);
}

/* granularity_to_eig, ways_to_eiw (drivers/cxl/cxl.h) */
int cxl_granularity_to_eig(int granularity, unsigned int *eig)
{
	if (granularity > SZ_16K || granularity < CXL_DECODER_MIN_GRANULARITY || !is_power_of_2(granularity))
		return -EINVAL;
	*eig = (unsigned int)ilog2u(granularity) - 8;
	return 0;
}

int cxl_ways_to_eiw(unsigned int ways, unsigned int *eiw)
{
	if (ways > 16)
		return -EINVAL;
	if (is_power_of_2(ways)) {
		*eiw = (unsigned int)ilog2u(ways);
		return 0;
	}
	if (!ways || ways % 3 || !is_power_of_2(ways / 3))
		return -EINVAL;
	*eiw = (unsigned int)ilog2u(ways / 3) + 8;
	return 0;
}

/* ---- memregion ids ----------------------------------------------------- */

int cxl_region_id_alloc(struct cxl_bus *b)
{
	for (int i = 0; i < CXL_MAX_REGION_IDS; i++) {
		if (!b->region_id_used[i]) {
			b->region_id_used[i] = true;
			return i;
		}
	}
	return -ENOSPC;
}

static void region_id_free(struct cxl_bus *b, int id)
{
	if (id >= 0 && id < CXL_MAX_REGION_IDS)
		b->region_id_used[id] = false;
}

/* ---- the topology around a decoder ---------------------------------------- */

static struct cxl_dev *dev_at(struct cxl_bus *b, int i)
{
	return &b->dev[i];
}

static bool is_root(const struct cxl_bus *b, int port)
{
	return b->dev[port].kind == CXL_ROOT;
}

static int decoder_port(const struct cxl_bus *b, int dec)
{
	return b->dev[dec].parent;
}

/* the endpoint's memdev: the endpoint port's uport */
static int decoder_memdev(const struct cxl_bus *b, int dec)
{
	return b->dev[decoder_port(b, dec)].uport;
}

/* the dport device of port's parent that port hangs from */
static int dport_above(const struct cxl_bus *b, int port)
{
	return b->dev[port].parent_dport;
}

/* the dport id of dport device dev on port, -1 if it is none of port's */
static int dport_id_of(const struct cxl_bus *b, int port, int dev)
{
	const struct cxl_dev *p = &b->dev[port];

	for (int i = 0; i < p->nr_dports; i++)
		if (p->dport_dev[i] == dev)
			return p->dport_id[i];
	return -1;
}

/* the decoder of port serving region r, -1 if none */
static int port_region_decoder(const struct cxl_bus *b, int port, int r)
{
	for (int i = 0, n = cxl_nr(b); i < n; i++)
		if (b->dev[i].kind == CXL_DECODER && b->dev[i].parent == port && b->dev[i].dec.region == r)
			return i;
	return -1;
}

/* decoder id of port, -1 if none */
static int port_decoder(const struct cxl_bus *b, int port, int id)
{
	for (int i = 0, n = cxl_nr(b); i < n; i++)
		if (b->dev[i].kind == CXL_DECODER && b->dev[i].parent == port && b->dev[i].id == id)
			return i;
	return -1;
}

/* the region's root decoder, and the window it allocates from */
static int region_root_decoder(const struct cxl_bus *b, int r)
{
	return b->dev[r].parent;
}

/* the default state of a switch decoder the mock leaves (default_mock_decoder) */
static void switch_decoder_reset_params(struct cxl_bus *b, int dec)
{
	struct cxl_decoder *d = &dev_at(b, dec)->dec;
	const struct cxl_dev *port = dev_at(b, decoder_port(b, dec));

	d->start = d->size = 0;
	d->ways = 1;
	d->granularity = 256;
	d->region = -1;
	d->nr_targets = 0;
	for (int k = 0; k < port->nr_dports && k < CXL_MAX_TARGETS; k++)
		d->target[d->nr_targets++] = port->dport_id[k];
}

/* ---- endpoint decoders: mode and DPA (hdm.c) ---------------------------- */

int cxl_decoder_set_mode(struct cxl_bus *b, int dec, enum cxl_mode mode)
{
	struct cxl_decoder *d = &dev_at(b, dec)->dec;
	const struct cxl_dev *md = dev_at(b, decoder_memdev(b, dec));

	if (mode != CXL_MODE_RAM && mode != CXL_MODE_PMEM)
		return -EINVAL;
	if (d->flags & CXL_DECODER_F_ENABLE)
		return -EBUSY;
	if ((mode == CXL_MODE_PMEM && !md->pmem_size) || (mode == CXL_MODE_RAM && !md->ram_size))
		return -ENXIO;	/* no capacity of that kind */
	d->mode = mode;
	return 0;
}

/* the end of the memdev's allocations below limit (their skips included), from base */
static uint64_t free_start(const struct cxl_bus *b, int port, uint64_t base, uint64_t limit)
{
	uint64_t start = base;

	for (int i = 0, n = cxl_nr(b); i < n; i++) {
		const struct cxl_decoder *d = &b->dev[i].dec;

		if (b->dev[i].kind != CXL_DECODER || b->dev[i].parent != port || !d->dpa_size)
			continue;
		if (d->dpa_start - d->skip < limit && d->dpa_start + d->dpa_size > start)
			start = MIN(d->dpa_start + d->dpa_size, limit);
		if (d->skip && d->dpa_start > start && d->dpa_start - d->skip < limit)
			start = MIN(d->dpa_start, limit);
	}
	return start;
}

static bool pmem_allocated(const struct cxl_bus *b, int port, uint64_t ram_size)
{
	for (int i = 0, n = cxl_nr(b); i < n; i++)
		if (b->dev[i].kind == CXL_DECODER && b->dev[i].parent == port && b->dev[i].dec.dpa_size &&
		    b->dev[i].dec.dpa_start >= ram_size)
			return true;
	return false;
}

/* cxl_dpa_free */
static int dpa_free(struct cxl_bus *b, int dec)
{
	struct cxl_decoder *d = &dev_at(b, dec)->dec;
	struct cxl_dev *port = dev_at(b, decoder_port(b, dec));

	if (!d->dpa_size)
		return 0;
	if (d->region >= 0 || (d->flags & CXL_DECODER_F_ENABLE))
		return -EBUSY;
	if (dev_at(b, dec)->id != port->hdm_end)
		return -EBUSY;	/* only the last allocation may go */
	d->dpa_start = d->dpa_size = d->skip = 0;
	port->hdm_end--;
	return 0;
}

/* cxl_dpa_alloc: the next free DPA of the decoder's mode */
static int dpa_alloc(struct cxl_bus *b, int dec, uint64_t size)
{
	struct cxl_decoder *d = &dev_at(b, dec)->dec;
	int pi = decoder_port(b, dec);
	struct cxl_dev *port = dev_at(b, pi);
	const struct cxl_dev *md = dev_at(b, port->uport);
	uint64_t ram_free = free_start(b, pi, 0, md->ram_size), start, avail, skip = 0;

	if (d->region >= 0 || (d->flags & CXL_DECODER_F_ENABLE))
		return -EBUSY;
	if (d->mode == CXL_MODE_RAM) {
		start = ram_free;
		avail = md->ram_size - start;
	} else if (d->mode == CXL_MODE_PMEM) {
		start = free_start(b, pi, md->ram_size, md->ram_size + md->pmem_size);
		avail = md->ram_size + md->pmem_size - start;
		/* the first pmem allocation skips the free ram below it */
		if (!pmem_allocated(b, pi, md->ram_size))
			skip = start - ram_free;
	} else {
		return -EINVAL;	/* mode not set */
	}
	if (size > avail)
		return -ENOSPC;
	/* __cxl_dpa_reserve */
	if (d->dpa_size)
		return -EBUSY;
	if (port->hdm_end + 1 != dev_at(b, dec)->id)
		return -EBUSY;	/* allocations go in decoder order */
	d->dpa_start = start;
	d->dpa_size = size;
	d->skip = skip;
	port->hdm_end++;
	return 0;
}

int cxl_decoder_set_dpa_size(struct cxl_bus *b, int dec, uint64_t size)
{
	int ret;

	if (size % SZ_256M)
		return -EINVAL;
	ret = dpa_free(b, dec);
	if (ret || !size)
		return ret;
	return dpa_alloc(b, dec, size);
}

/* ---- regions: create and delete (region.c) ------------------------------- */

/* sscanf(buf, "region%d\n", &id) == 1, as create_*_region_store parses it */
static int parse_region_name(const char *buf, int *id)
{
	return sscanf(buf, "region%d", id) == 1 ? 0 : -EINVAL;
}

int cxl_region_create(struct cxl_bus *b, int root_dec, const char *buf, enum cxl_mode mode)
{
	struct cxl_dev *rd = dev_at(b, root_dec);
	int id, next, r;

	if (parse_region_name(buf, &id))
		return -EINVAL;
	next = cxl_region_id_alloc(b);
	if (next < 0)
		return next;
	if (rd->region_id != id) {
		region_id_free(b, next);
		return -EBUSY;	/* not the name create_*_region shows */
	}
	r = cxl_dev_alloc(b, CXL_REGION, root_dec, "region%d", id, 0);
	if (r < 0) {
		region_id_free(b, next);
		return r;
	}
	rd->region_id = next;
	dev_at(b, r)->id = id;
	dev_at(b, r)->reg.mode = mode;
	dev_at(b, r)->reg.dax_region = -1;
	for (int i = 0; i < CXL_REGION_MAX_WAYS; i++)
		dev_at(b, r)->reg.target[i] = -1;
	cxl_publish(b);
	return 0;
}

/* the region named buf under root decoder root_dec, or -1 */
int cxl_region_find(const struct cxl_bus *b, int root_dec, const char *buf)
{
	for (int i = 0, n = cxl_nr(b); i < n; i++)
		if (b->dev[i].kind == CXL_REGION && b->dev[i].parent == root_dec && !cxl_gone(&b->dev[i]) &&
		    sysfs_streq(buf, b->dev[i].name))
			return i;
	return -1;
}

static int detach_target(struct memhp_machine *m, int r, int pos);
static int free_hpa(struct memhp_machine *m, int r);

/* unregister_region: targets detached, HPA freed, the device gone */
int cxl_region_delete(struct memhp_machine *m, int r)
{
	struct cxl_bus *b = m->cxl;
	struct cxl_region *reg = &dev_at(b, r)->reg;

	if (reg->bound)
		return -EBUSY;	/* caller unbinds first */
	for (int pos = 0; pos < (int)reg->ways; pos++)
		detach_target(m, r, pos);
	if (reg->state >= CXL_CONFIG_ACTIVE)
		reg->state = CXL_CONFIG_INTERLEAVE_ACTIVE;
	free_hpa(m, r);
	region_id_free(b, dev_at(b, r)->id);
	__atomic_store_n(&dev_at(b, r)->gone, true, __ATOMIC_RELEASE);
	return 0;
}

/* ---- region parameters ---------------------------------------------------- */

int cxl_region_set_ways(struct cxl_bus *b, int r, unsigned int val)
{
	const struct cxl_decoder *root = &dev_at(b, region_root_decoder(b, r))->dec;
	struct cxl_region *reg = &dev_at(b, r)->reg;
	unsigned int eiw;

	if (cxl_ways_to_eiw(val, &eiw))
		return -EINVAL;
	/* a power of 2 multiple of the host bridge interleave, even for x3 */
	if (!is_power_of_2(val / root->ways) || val % root->ways)
		return -EINVAL;
	if (reg->state >= CXL_CONFIG_INTERLEAVE_ACTIVE)
		return -EBUSY;
	__atomic_store_n(&reg->ways, val, __ATOMIC_RELEASE);	/* lookups read it unlocked */
	return 0;
}

int cxl_region_set_granularity(struct cxl_bus *b, int r, int val)
{
	const struct cxl_decoder *root = &dev_at(b, region_root_decoder(b, r))->dec;
	struct cxl_region *reg = &dev_at(b, r)->reg;
	unsigned int eig;

	if (cxl_granularity_to_eig(val, &eig))
		return -EINVAL;
	/* interleaved host bridges: only the root's granularity */
	if (root->ways > 1 && (unsigned int)val != root->granularity)
		return -EINVAL;
	if (reg->state >= CXL_CONFIG_INTERLEAVE_ACTIVE)
		return -EBUSY;
	reg->granularity = (unsigned int)val;
	return 0;
}

static bool uuid_null(const unsigned char *u)
{
	for (int i = 0; i < 16; i++)
		if (u[i])
			return false;
	return true;
}

int cxl_region_set_uuid(struct cxl_bus *b, int r, const unsigned char *uuid)
{
	struct cxl_region *reg = &dev_at(b, r)->reg;

	if (uuid_null(uuid))
		return -EINVAL;
	if (!memcmp(reg->uuid, uuid, 16))
		return 0;
	for (int i = 0, n = cxl_nr(b); i < n; i++)
		if (i != r && b->dev[i].kind == CXL_REGION && !cxl_gone(&b->dev[i]) &&
		    !memcmp(b->dev[i].reg.uuid, uuid, 16))
			return -EBUSY;	/* is_dup */
	if (reg->state >= CXL_CONFIG_INTERLEAVE_ACTIVE)
		return -EBUSY;
	memcpy(reg->uuid, uuid, 16);
	return 0;
}

/* the window of root decoder rd: "CXL Window N", N its id */
static struct resource *window_of(struct cxl_bus *b, int rd)
{
	return b->window_res[dev_at(b, rd)->id];
}

/* alloc_free_mem_region: the lowest 256 MiB aligned free range of the window */
static uint64_t window_first_fit(const struct resource *win, uint64_t size)
{
	uint64_t start = win->start;

	for (const struct resource *c = win->child; c; c = c->sibling) {
		if (start + size <= c->start)
			break;
		if (c->end + 1 > start)
			start = ALIGN_UP(c->end + 1, SZ_256M);
	}
	return start + size - 1 <= win->end && start + size > start ? start : 0;
}

static int alloc_hpa(struct memhp_machine *m, int r, uint64_t size)
{
	struct cxl_bus *b = m->cxl;
	struct cxl_region *reg = &dev_at(b, r)->reg;
	struct resource *win = window_of(b, region_root_decoder(b, r));
	uint64_t start;

	if (reg->res && reg->res->end - reg->res->start + 1 == size)
		return 0;
	if (reg->res || reg->state >= CXL_CONFIG_INTERLEAVE_ACTIVE)
		return -EBUSY;
	/* ways, granularity and uuid (if pmem) go before the HPA */
	if (!reg->ways || !reg->granularity || (reg->mode == CXL_MODE_PMEM && uuid_null(reg->uuid)))
		return -ENXIO;
	if (size % (SZ_256M * reg->ways))
		return -EINVAL;
	pthread_mutex_lock(&m->resource_lock);
	start = window_first_fit(win, size);
	if (start)
		reg->res = resource_request(win, start, size, dev_at(b, r)->name, IORESOURCE_MEM);
	pthread_mutex_unlock(&m->resource_lock);
	if (!start)
		return -ERANGE;	/* get_free_mem_region found no room */
	if (!reg->res)
		return -ENOMEM;
	reg->state = CXL_CONFIG_INTERLEAVE_ACTIVE;
	return 0;
}

static int free_hpa(struct memhp_machine *m, int r)
{
	struct cxl_region *reg = &dev_at(m->cxl, r)->reg;

	if (!reg->res)
		return 0;
	if (reg->state >= CXL_CONFIG_ACTIVE)
		return -EBUSY;
	iomem_release(m, &reg->res);
	reg->state = CXL_CONFIG_IDLE;
	return 0;
}

int cxl_region_set_size(struct memhp_machine *m, int r, uint64_t size)
{
	return size ? alloc_hpa(m, r, size) : free_hpa(m, r);
}

/* ---- targets: attach and detach ----------------------------------------- */

/* the host bridge (root dport device) above an endpoint port */
static int host_bridge_of(const struct cxl_bus *b, int port)
{
	while (!is_root(b, b->dev[port].parent))
		port = b->dev[port].parent;
	return dport_above(b, port);
}

/* is port an ancestor of endpoint port ep? */
static bool port_above(const struct cxl_bus *b, int port, int ep)
{
	for (int p = b->dev[ep].parent; p >= 0 && b->dev[p].kind != CXL_PLATFORM; p = b->dev[p].parent)
		if (p == port)
			return true;
	return false;
}

/* the dport of `port` on the way down to endpoint port ep, which is below it */
static int dport_towards(const struct cxl_bus *b, int port, int ep)
{
	while (b->dev[ep].parent != port)
		ep = b->dev[ep].parent;
	return dport_above(b, ep);
}

/*
 * check_commit_order: every decoder of the port below id still enabled;
 * one an out of order reset disabled (commit_end not reaped past it)
 * blocks further allocations until the reset reaches down to it.
 */
static bool commit_order_intact(const struct cxl_bus *b, int port, int id)
{
	for (int k = 0; k < id; k++) {
		int dec = port_decoder(b, port, k);

		if (dec >= 0 && !(b->dev[dec].dec.flags & CXL_DECODER_F_ENABLE))
			return false;
	}
	return true;
}

/*
 * cxl_port_attach_region for every port between the endpoint and the
 * root: the port's decoder for the region, or its next free one
 * (match_free_decoder: the one after the last committed, not reserved
 * by another region, after no out of order shutdown).
 */
static int attach_ports(struct cxl_bus *b, int r, int ep)
{
	for (int port = b->dev[ep].parent; !is_root(b, port); port = b->dev[port].parent) {
		int dec;

		if (port_region_decoder(b, port, r) >= 0)
			continue;
		dec = port_decoder(b, port, b->dev[port].commit_end + 1);
		if (dec < 0 || dev_at(b, dec)->dec.region >= 0 ||
		    !commit_order_intact(b, port, dev_at(b, dec)->id))
			return -EBUSY;	/* no free decoder */
		dev_at(b, dec)->dec.region = r;
	}
	return 0;
}

/* undo attach_ports for the ports no other target of r goes through */
static void detach_ports(struct cxl_bus *b, int r, int ep)
{
	const struct cxl_region *reg = &b->dev[r].reg;

	for (int port = b->dev[ep].parent; !is_root(b, port); port = b->dev[port].parent) {
		int dec = port_region_decoder(b, port, r), others = 0;

		for (int i = 0; i < (int)reg->ways; i++) {
			int t = reg->target[i];

			if (t >= 0 && decoder_port(b, t) != ep) {
				for (int p = decoder_port(b, t); !is_root(b, p); p = b->dev[p].parent)
					others += p == port;
			}
		}
		if (dec >= 0 && !others)
			switch_decoder_reset_params(b, dec);
	}
}

/*
 * cxl_port_setup_targets, top down: a port decoder interleaves over the
 * distinct dports the region's targets use below it, in position order,
 * at its parent's granularity times its parent's ways.
 */
static int setup_port(struct cxl_bus *b, int r, int port)
{
	const struct cxl_region *reg = &b->dev[r].reg;
	const struct cxl_decoder *root = &b->dev[region_root_decoder(b, r)].dec;
	struct cxl_decoder *d = &dev_at(b, port_region_decoder(b, port, r))->dec;
	unsigned int parent_ig, parent_iw, eig, peig, eiw;
	int targets[CXL_MAX_TARGETS], iw = 0;

	if (is_root(b, b->dev[port].parent)) {
		parent_ig = reg->granularity;
		parent_iw = is_power_of_2(root->ways) ? root->ways : root->ways / 3;
	} else {
		const struct cxl_decoder *pd = &b->dev[port_region_decoder(b, b->dev[port].parent, r)].dec;

		parent_ig = pd->granularity;
		parent_iw = pd->ways;
	}
	if (cxl_granularity_to_eig((int)parent_ig, &peig) || cxl_ways_to_eiw(parent_iw, &eiw))
		return -EINVAL;
	/* the targets below this port, in position order (cxl_rr's endpoints) */
	for (int pos = 0; pos < (int)reg->ways; pos++) {
		int ep = decoder_port(b, reg->target[pos]), id, k;

		if (!port_above(b, port, ep))
			continue;
		id = dport_id_of(b, port, dport_towards(b, port, ep));
		for (k = 0; k < iw && targets[k] != id; k++)
			;
		if (k == iw) {
			if (iw == CXL_MAX_TARGETS)
				return -ENXIO;
			targets[iw++] = id;
		}
	}
	if (cxl_ways_to_eiw((unsigned int)iw, &eiw) || cxl_granularity_to_eig((int)(parent_ig * parent_iw), &eig))
		return -EINVAL;
	if (iw > 8 || iw > b->dev[port].nr_dports)
		return -ENXIO;
	d->ways = (unsigned int)iw;
	d->granularity = parent_ig * parent_iw;
	d->start = reg->res->start;
	d->size = reg->res->end - reg->res->start + 1;
	d->nr_targets = iw;
	memcpy(d->target, targets, sizeof(int) * (size_t)iw);
	return 0;
}

/* every port decoder of the region, parents before children */
static int setup_targets(struct cxl_bus *b, int r)
{
	for (int depth = 1; depth <= 3; depth++) {
		for (int i = 0, n = cxl_nr(b); i < n; i++) {
			int port = b->dev[i].parent, dp = 0;

			if (b->dev[i].kind != CXL_DECODER || b->dev[i].dec.region != r ||
			    b->dev[port].kind != CXL_PORT)
				continue;
			for (int p = port; !is_root(b, p); p = b->dev[p].parent)
				dp++;
			if (dp == depth) {
				int ret = setup_port(b, r, port);

				if (ret)
					return ret;
			}
		}
	}
	return 0;
}

/* cxl_region_validate_position: a free position, a memdev not already in */
static int validate_position(const struct cxl_bus *b, int r, int dec, int pos)
{
	const struct cxl_region *reg = &b->dev[r].reg;

	if (pos < 0 || pos >= (int)reg->ways)
		return -ENXIO;
	if (reg->target[pos] == dec)
		return 0;
	if (reg->target[pos] >= 0)
		return -EBUSY;
	for (int i = 0; i < (int)reg->ways; i++)
		if (reg->target[i] >= 0 && decoder_memdev(b, reg->target[i]) == decoder_memdev(b, dec))
			return -EBUSY;
	return 0;
}

/* cxl_region_attach */
static int attach_target(struct memhp_machine *m, int r, int dec, int pos)
{
	struct cxl_bus *b = m->cxl;
	struct cxl_region *reg = &dev_at(b, r)->reg;
	struct cxl_decoder *d = &dev_at(b, dec)->dec;
	int rd = region_root_decoder(b, r), root = decoder_port(b, rd), ep = decoder_port(b, dec), hb, ret;
	const struct cxl_decoder *rdec = &b->dev[rd].dec;

	if (d->mode != reg->mode)
		return -EINVAL;
	if (reg->state > CXL_CONFIG_INTERLEAVE_ACTIVE)
		return -EBUSY;	/* all full of members */
	if (reg->state < CXL_CONFIG_INTERLEAVE_ACTIVE)
		return -ENXIO;	/* no interleave config yet */
	if (reg->nr_targets >= (int)reg->ways)
		return -EINVAL;
	hb = host_bridge_of(b, ep);
	if (dport_id_of(b, root, hb) < 0)
		return -ENXIO;
	if (!d->dpa_size)
		return -ENXIO;
	if (d->dpa_size * reg->ways != reg->res->end - reg->res->start + 1)
		return -EINVAL;
	ret = validate_position(b, r, dec, pos);
	if (ret || reg->target[pos] == dec)
		return ret;
	if (d->region >= 0)
		return -EBUSY;
	/* cxl_region_attach_position: the root routes position pos to its host bridge */
	if (rdec->target[pos % rdec->ways] != dport_id_of(b, root, hb))
		return -ENXIO;
	ret = attach_ports(b, r, ep);
	if (ret) {
		detach_ports(b, r, ep);
		return ret;
	}
	reg->target[pos] = dec;
	d->region = r;
	d->pos = pos;
	reg->nr_targets++;
	if (reg->nr_targets == (int)reg->ways) {
		ret = setup_targets(b, r);
		if (ret) {
			reg->target[pos] = -1;
			d->region = d->pos = -1;
			reg->nr_targets--;
			detach_ports(b, r, ep);
			return ret;
		}
		reg->state = CXL_CONFIG_ACTIVE;
	}
	d->ways = reg->ways;
	d->granularity = reg->granularity;
	d->start = reg->res->start;
	d->size = reg->res->end - reg->res->start + 1;
	return 0;
}

static void decode_reset(struct cxl_bus *b, int r);

/* cxl_region_detach */
static int detach_target(struct memhp_machine *m, int r, int pos)
{
	struct cxl_bus *b = m->cxl;
	struct cxl_region *reg = &dev_at(b, r)->reg;
	struct cxl_decoder *d;
	int dec;

	if (pos < 0 || pos >= (int)reg->ways)
		return -ENXIO;
	dec = reg->target[pos];
	if (dec < 0)
		return 0;
	if (reg->state > CXL_CONFIG_ACTIVE) {
		decode_reset(b, r);
		reg->state = CXL_CONFIG_ACTIVE;
	}
	detach_ports(b, r, decoder_port(b, dec));
	d = &dev_at(b, dec)->dec;
	reg->target[pos] = -1;
	reg->nr_targets--;
	d->region = d->pos = -1;
	d->start = d->size = 0;
	d->ways = 1;
	d->granularity = 256;
	if (reg->state == CXL_CONFIG_ACTIVE)
		reg->state = CXL_CONFIG_INTERLEAVE_ACTIVE;
	return 0;
}

/*
 * cxl_decoder_kill_region: an endpoint decoder going away (its port
 * unregistered) leaves its region - the region's decoders reset if
 * committed, the ports on its way released - and its DPA goes with it.
 * The region's driver was released first (caller).  b->lock held.
 */
int cxl_region_detach_decoder(struct memhp_machine *m, int dec)
{
	struct cxl_decoder *d = &dev_at(m->cxl, dec)->dec;
	int ret = 0;

	if (d->region >= 0)
		ret = detach_target(m, d->region, d->pos);
	if (!ret) {
		d->flags &= ~CXL_DECODER_F_ENABLE;
		d->dpa_start = d->dpa_size = d->skip = 0;
	}
	return ret;
}

int cxl_region_set_target(struct memhp_machine *m, int r, int pos, const char *buf)
{
	struct cxl_bus *b = m->cxl;
	int dec;

	if (sysfs_streq(buf, ""))
		return detach_target(m, r, pos);
	dec = cxl_bus_dev(b, buf[strlen(buf) - 1] == '\n' ? strndupa(buf, strlen(buf) - 1) : buf);
	if (dec < 0)
		return -ENODEV;
	if (dev_at(b, dec)->kind != CXL_DECODER || dev_at(b, decoder_port(b, dec))->kind != CXL_ENDPOINT)
		return -EINVAL;
	return attach_target(m, r, dec, pos);
}

/* ---- commit and reset ------------------------------------------------------ */

/* mock_decoder_commit: in id order per port */
static int decoder_commit(struct cxl_bus *b, int dec)
{
	struct cxl_decoder *d = &dev_at(b, dec)->dec;
	struct cxl_dev *port = dev_at(b, decoder_port(b, dec));

	if (d->flags & CXL_DECODER_F_ENABLE)
		return 0;
	if (port->commit_end + 1 != dev_at(b, dec)->id)
		return -EBUSY;	/* out of order commit */
	port->commit_end++;
	d->flags |= CXL_DECODER_F_ENABLE;
	return 0;
}

/*
 * mock_decoder_reset: commit_end steps back only from the last committed
 * (an out of order reset leaves it), and then, cxl_port_commit_reap, past
 * every decoder below it that such a reset disabled before.
 */
static void decoder_reset(struct cxl_bus *b, int dec)
{
	struct cxl_decoder *d = &dev_at(b, dec)->dec;
	int pi = decoder_port(b, dec);
	struct cxl_dev *port = dev_at(b, pi);

	if (!(d->flags & CXL_DECODER_F_ENABLE))
		return;
	if (port->commit_end == dev_at(b, dec)->id) {
		port->commit_end--;
		for (int id = port->commit_end; id >= 0; id--) {
			int below = port_decoder(b, pi, id);

			if (below >= 0 && port->commit_end == id && !(dev_at(b, below)->dec.flags & CXL_DECODER_F_ENABLE))
				port->commit_end--;
		}
	}
	d->flags &= ~CXL_DECODER_F_ENABLE;
}

/* each target's decoders, endpoint up to the host bridge's port */
static void decode_reset(struct cxl_bus *b, int r)
{
	const struct cxl_region *reg = &b->dev[r].reg;

	for (int i = (int)reg->ways - 1; i >= 0; i--) {
		int t = reg->target[i];

		if (t < 0)
			continue;
		decoder_reset(b, t);
		for (int p = b->dev[decoder_port(b, t)].parent; !is_root(b, p); p = b->dev[p].parent)
			decoder_reset(b, port_region_decoder(b, p, r));
	}
}

static int decode_commit(struct cxl_bus *b, int r)
{
	const struct cxl_region *reg = &b->dev[r].reg;

	for (int i = 0; i < (int)reg->ways; i++) {
		int t = reg->target[i], ret = decoder_commit(b, t);

		for (int p = b->dev[decoder_port(b, t)].parent; !ret && !is_root(b, p); p = b->dev[p].parent)
			ret = decoder_commit(b, port_region_decoder(b, p, r));
		if (ret) {
			decode_reset(b, r);	/* what this commit enabled goes back */
			return ret;
		}
	}
	return 0;
}

int cxl_region_set_commit(struct memhp_machine *m, int r, bool commit)
{
	struct cxl_bus *b = m->cxl;
	struct cxl_region *reg = &dev_at(b, r)->reg;
	int ret;

	if (commit && reg->state >= CXL_CONFIG_COMMIT)
		return 0;
	if (!commit && reg->state < CXL_CONFIG_COMMIT)
		return 0;
	if (commit && reg->state < CXL_CONFIG_ACTIVE)
		return -ENXIO;
	if (!commit) {
		if (reg->bound)
			return -EBUSY;	/* caller releases the driver first */
		decode_reset(b, r);
		reg->state = CXL_CONFIG_ACTIVE;
		return 0;
	}
	ret = decode_commit(b, r);
	if (!ret)
		reg->state = CXL_CONFIG_COMMIT;
	return ret;
}

/* ---- regions the platform committed (cxl_test's auto region) -------------- */

/* the enabled decoder of port that decodes [start, ...): what the firmware set up */
static int port_enabled_decoder(const struct cxl_bus *b, int port, uint64_t start)
{
	for (int i = 0, n = cxl_nr(b); i < n; i++) {
		const struct cxl_dev *d = &b->dev[i];

		if (d->kind == CXL_DECODER && d->parent == port && (d->dec.flags & CXL_DECODER_F_ENABLE) &&
		    d->dec.start == start && d->dec.size)
			return i;
	}
	return -1;
}

/*
 * construct_region + cxl_region_attach_auto: a region over endpoint
 * decoders found committed (eps[], in decode position order), named with
 * the root decoder's preallocated id, its HPA the decoders' range, left
 * in the state the region driver then probes: committed.  Its index, or
 * -errno.  Boot only (the bus lock is taken for form's sake).
 */
int cxl_region_assemble(struct memhp_machine *m, int root_dec, const int *eps, int n)
{
	struct cxl_bus *b = m->cxl;
	const struct cxl_decoder *first = &dev_at(b, eps[0])->dec;
	struct resource *win = window_of(b, root_dec);
	struct cxl_region *reg;
	char name[32];
	int r, ret;

	pthread_mutex_lock(&b->lock);
	snprintf(name, sizeof(name), "region%d", dev_at(b, root_dec)->region_id);
	ret = cxl_region_create(b, root_dec, name, first->mode);
	r = ret ? ret : cxl_nr(b) - 1;
	if (ret)
		goto out;
	reg = &dev_at(b, r)->reg;
	reg->ways = first->ways;
	reg->granularity = first->granularity;
	pthread_mutex_lock(&m->resource_lock);
	reg->res = resource_request(win, first->start, first->size, dev_at(b, r)->name, IORESOURCE_MEM);
	pthread_mutex_unlock(&m->resource_lock);
	if (!reg->res) {
		cxl_region_delete(m, r);
		r = -EBUSY;
		goto out;
	}
	for (int pos = 0; pos < n; pos++) {
		struct cxl_decoder *d = &dev_at(b, eps[pos])->dec;

		reg->target[pos] = eps[pos];
		d->region = r;
		d->pos = pos;
		for (int p = b->dev[decoder_port(b, eps[pos])].parent; !is_root(b, p); p = b->dev[p].parent)
			dev_at(b, port_enabled_decoder(b, p, first->start))->dec.region = r;
	}
	reg->nr_targets = n;
	reg->state = CXL_CONFIG_COMMIT;
out:
	pthread_mutex_unlock(&b->lock);
	return r;
}

/* ---- the cxl_region driver: a ram region becomes dax and kmem memory ---- */

/*
 * devm_cxl_add_dax_region: cxl_dax_region_alloc (the region committed,
 * else -ENXIO) and dax_regionN (N the region's id) added under regionN on
 * the cxl bus, not yet bound to its driver.  b->lock held.
 */
static int dax_region_dev_add(struct cxl_bus *b, int r)
{
	int d;

	if (dev_at(b, r)->reg.state != CXL_CONFIG_COMMIT)
		return -ENXIO;
	d = cxl_dev_alloc(b, CXL_DAX_REGION, r, "dax_region%d", dev_at(b, r)->id, 0);
	if (d < 0)
		return d;
	dev_at(b, d)->id = dev_at(b, r)->id;
	cxl_publish(b);
	dev_at(b, r)->reg.cxlr_dax = d;
	return 0;
}

/*
 * cxlr_dax_unregister: dax_regionN unregistered - its driver released
 * (the dax region gone already, by the caller), then the device.
 * b->lock held.
 */
static void dax_region_dev_remove(struct cxl_bus *b, int r)
{
	struct cxl_region *reg = &dev_at(b, r)->reg;

	if (reg->cxlr_dax < 0)
		return;
	__atomic_store_n(&dev_at(b, reg->cxlr_dax)->bound, false, __ATOMIC_RELEASE);
	__atomic_store_n(&dev_at(b, reg->cxlr_dax)->gone, true, __ATOMIC_RELEASE);
	reg->cxlr_dax = -1;
}

/*
 * cxl_region_probe: a committed ram region gets dax_regionN
 * (devm_cxl_add_dax_region), which cxl_dax_region binds as it appears
 * (cxl_dax_region_probe): a dax region over the HPA under dax_regionN
 * (alloc_dax_region(&cxlr_dax->dev, cxlr->id, ...), on node 0, as
 * memory_add_physaddr_to_nid answers for a window no SRAT describes),
 * whose device kmem adds with memmap_on_memory.  That probe failing
 * leaves dax_regionN registered and unbound and the region bound, as the
 * driver core does.  A pmem region gets its pmem_region for libnvdimm
 * (cxl_pmem.c).  Caller holds device_hotplug_lock, not b->lock.
 */
int cxl_region_bind(struct memhp_machine *m, int r)
{
	struct cxl_bus *b = m->cxl;
	struct cxl_region *reg = &dev_at(b, r)->reg;
	struct memhp_dax_info info;
	char path[DEVPATH_MAX + 16];
	uint64_t start, size;
	int ret, cxlr_dax;

	pthread_mutex_lock(&b->lock);
	ret = reg->bound ? -EBUSY : reg->state != CXL_CONFIG_COMMIT ? -ENXIO : 0;
	if (!ret && reg->mode == CXL_MODE_PMEM) {
		/* devm_cxl_add_pmem_region: libnvdimm takes it from here, no memory added */
		ret = cxl_pmem_region_add(m, r);
		if (!ret)
			__atomic_store_n(&reg->bound, true, __ATOMIC_RELEASE);
		pthread_mutex_unlock(&b->lock);
		return ret;
	}
	if (!ret)
		ret = dax_region_dev_add(b, r);
	if (!ret)
		__atomic_store_n(&reg->bound, true, __ATOMIC_RELEASE);	/* held while the lock is dropped */
	start = reg->res ? reg->res->start : 0;
	size = reg->res ? reg->res->end - reg->res->start + 1 : 0;
	cxlr_dax = reg->cxlr_dax;
	pthread_mutex_unlock(&b->lock);
	if (ret)
		return ret;
	/* the dax region hangs under dax_regionN: its devpath, below /sys/devices/ */
	ret = cxl_dev_path(b, cxlr_dax, path, sizeof(path));
	if (!ret)
		ret = dax_region_create_in(m, MEMHP_DAX_CXL, size, 0, 0, start, -1, NULL, dev_at(b, r)->id,
					   path + strlen("/sys/devices/"), &info);
	pthread_mutex_lock(&b->lock);
	if (ret) {
		mlog(m, "cxl_dax_region %s: probe with driver cxl_dax_region failed with error %d",
		     dev_at(b, cxlr_dax)->name, ret);
	} else {
		reg->dax_region = info.region_id;
		__atomic_store_n(&dev_at(b, cxlr_dax)->bound, true, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&b->lock);
	return 0;
}

static int block_online(struct memhp_machine *m, struct memory_block *mem, void *arg)
{
	return atomic_load(&mem->state) != MEM_OFFLINE ? -EBUSY : 0;
}

/*
 * The driver released: the dax region goes, and with it kmem's memory.
 * Asked for by the user (unbind, commit 0, a target detached, delete) the
 * memory must be offline: where the kernel's kmem would leave online
 * memory behind a region whose decoders are then torn down ("Hotplug
 * regression"), memhp refuses with -EBUSY before anything changes.  As
 * part of a teardown that cannot fail (teardown: an endpoint or port
 * unregistered, cxl_decoder_kill_region) the dax region goes regardless
 * and online memory is left behind, leaked, as the kernel leaves it.
 */
static int region_release(struct memhp_machine *m, int r, bool teardown)
{
	struct cxl_bus *b = m->cxl;
	struct cxl_region *reg = &dev_at(b, r)->reg;
	uint64_t start = 0, size = 0;
	int ret = 0, dax;

	pthread_mutex_lock(&b->lock);
	if (reg->bound && reg->mode == CXL_MODE_PMEM) {
		/* cxlr_release_nvdimm: nothing of it is online memory, nothing refuses */
		cxl_pmem_region_remove(m, r);
		__atomic_store_n(&reg->bound, false, __ATOMIC_RELEASE);
		pthread_mutex_unlock(&b->lock);
		return 0;
	}
	dax = reg->bound ? reg->dax_region : -1;
	if (reg->res) {
		start = reg->res->start;
		size = reg->res->end - reg->res->start + 1;
	}
	pthread_mutex_unlock(&b->lock);
	if (!teardown && dax >= 0 && walk_memory_blocks(m, start, size, NULL, block_online)) {
		mlog(m, "cxl_region %s: dax%d.0 has memory online: offline it before the region goes",
		     dev_at(b, r)->name, dax);
		return -EBUSY;
	}
	if (dax >= 0)
		ret = teardown ? dax_region_abandon(m, dax) : dax_region_destroy(m, dax);
	if (ret)
		return ret;
	pthread_mutex_lock(&b->lock);
	dax_region_dev_remove(b, r);	/* the dax region went first, as its driver's devm */
	__atomic_store_n(&reg->bound, false, __ATOMIC_RELEASE);
	reg->dax_region = -1;
	pthread_mutex_unlock(&b->lock);
	return 0;
}

int cxl_region_unbind(struct memhp_machine *m, int r)
{
	return region_release(m, r, false);
}

int cxl_region_release_teardown(struct memhp_machine *m, int r)
{
	return region_release(m, r, true);
}

/* at machine teardown (the dax regions are gone already): HPA back to the windows */
void cxl_regions_destroy(struct memhp_machine *m)
{
	struct cxl_bus *b = m->cxl;

	for (int i = cxl_nr(b) - 1; i >= 0; i--)
		if (b->dev[i].kind == CXL_REGION && b->dev[i].reg.res)
			iomem_release(m, &b->dev[i].reg.res);
}
