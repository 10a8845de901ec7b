// SPDX-License-Identifier: MIT
/*
 * cxl.c - a CXL topology as the kernel's cxl_test mocks it
 * (tools/testing/cxl/test/cxl.c and mem.c, Linux 6.12), enumerated the way
 * cxl_acpi, cxl_port and cxl_mem enumerate it (drivers/cxl/acpi.c,
 * core/port.c, mem.c), built at boot when memhp_config.cxl_topology says
 * "cxl_test".
 *
 * The mock, as platform devices:
 *   cxl_host_bridge.0,1  two host bridges, each with two root ports
 *                        (cxl_root_port.N under bridge N % 2), a switch
 *                        on each root port (cxl_switch_uport.N under root
 *                        port N) with two downstream ports
 *                        (cxl_switch_dport.N under uport N % 4) and a
 *                        memdev on each (cxl_mem.N under dport N);
 *   cxl_host_bridge.2    one root port (4), one switch (4), dports 8, 9,
 *                        memdevs cxl_mem.8, 9;
 *   cxl_host_bridge.3    a CXL 1.1 host bridge (RCH) with one restricted
 *                        device, cxl_rcd.10;
 *   cxl_acpi.0           the ACPI0017 device the root port hangs from.
 * The CEDT's fixed memory windows (CFMWS) are carved from the top 64 GiB
 * of the physical address space after the four CHBS register blocks, 256
 * MiB aligned, as populate_cedt does; with interleave_arithmetic=0 (the
 * module's default) windows 0-5 (modulo), with 1 windows 6-8 (XOR).
 *
 * The CXL devices on top, numbered as the kernel numbers them in probe
 * order: root0 on cxl_acpi.0 with a dport per host bridge (id: its _UID)
 * and a root decoder decoder0.N per window; port1-3 for the CXL 2.0 host
 * bridges, then for each memdev in the order they are probed (depth
 * first: cxl_mem.0, 4, 2, 6, 1, 5, 3, 7, 8, 9, 10 -> mem0..mem10) its
 * switch port when first seen and its endpoint.  The RCH has no port: its
 * memdev's endpoint is root0's child (cxl_port_alloc puts a port under
 * its parent dport's port, and the RCH is a dport of the root).
 * Every port and endpoint has eight HDM decoders (NR_CXL_PORT_DECODERS)
 * in the mock's default state: no range, 1 way, 256 bytes granularity.
 * After the host bridges' ports, root0 gets nvdimm-bridge0 (pmem windows
 * exist), and each memdev with pmem capacity gets pmemN as cxl_mem
 * probes it (cxl_pmem.c).
 * Memdevs: 2 GiB, half volatile and half persistent (an RCD: all
 * volatile), a 128 KiB label area, a 4 KiB mailbox payload, serial = the
 * platform device id, firmware "mock fw v1 ", NUMA node id % 2.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "cxl.h"

#define SZ_256M (256ULL << 20)
#define SZ_64G (64ULL << 30)

/* ---- the CEDT of cxl_test ------------------------------------------------ */

/* ACPI_CEDT_CFMWS_RESTRICT_* */
#define CFMWS_TYPE2	(1u << 0)
#define CFMWS_TYPE3	(1u << 1)
#define CFMWS_VOLATILE	(1u << 2)
#define CFMWS_PMEM	(1u << 3)
#define CFMWS_FIXED	(1u << 4)

struct cfmws {
	uint64_t window_size;
	unsigned int eniw;		/* encoded interleave ways */
	unsigned int eig;		/* encoded granularity */
	unsigned int restrictions;
	bool xor_arithmetic;
	int nr_targets;
	int target[4];			/* host bridge uids */
};

static const struct cfmws cxl_test_cfmws[] = {
	/* modulo arithmetic: interleave_arithmetic=0 */
	{ SZ_256M * 4, 0, 4, CFMWS_TYPE3 | CFMWS_VOLATILE, false, 1, { 0 } },
	{ SZ_256M * 8, 1, 4, CFMWS_TYPE3 | CFMWS_VOLATILE, false, 2, { 0, 1 } },
	{ SZ_256M * 4, 0, 4, CFMWS_TYPE3 | CFMWS_PMEM, false, 1, { 0 } },
	{ SZ_256M * 8, 1, 4, CFMWS_TYPE3 | CFMWS_PMEM, false, 2, { 0, 1 } },
	{ SZ_256M * 4, 0, 4, CFMWS_TYPE3 | CFMWS_PMEM, false, 1, { 2 } },
	{ SZ_256M, 0, 4, CFMWS_TYPE3 | CFMWS_VOLATILE, false, 1, { 3 } },
	/* XOR arithmetic: interleave_arithmetic=1 */
	{ SZ_256M * 8, 0, 4, CFMWS_TYPE3 | CFMWS_PMEM, true, 1, { 0 } },
	{ SZ_256M * 8, 1, 0, CFMWS_TYPE3 | CFMWS_PMEM, true, 2, { 0, 1 } },
	{ SZ_256M * 16, 2, 0, CFMWS_TYPE3 | CFMWS_PMEM, true, 4, { 0, 1, 0, 1 } },
};
#define CFMWS_MOD_FIRST 0
#define CFMWS_MOD_LAST 5
#define CFMWS_XOR_FIRST 6
#define CFMWS_XOR_LAST 8

/* CHBS register blocks: CXL 2.0 host bridges 0-2, a CXL 1.1 RCH 3 */
#define NR_BRIDGES 4
#define CHBS_LENGTH_CXL20 0x10000
#define CHBS_LENGTH_CXL11 0x2000
#define RCH_UID 3

/* the mock's memdevs (mem.c): DEV_SIZE, LSA_SIZE, payload_size */
#define MOCK_DEV_SIZE (2ULL << 30)
#define MOCK_LSA_SIZE (128ULL << 10)
#define MOCK_PAYLOAD_MAX 4096

/* eiw_to_ways: 0-4 are 1, 2, 4, 8, 16 ways; 8-10 are 3, 6, 12 */
int cxl_eiw_to_ways(unsigned int eiw, unsigned int *ways)
{
	if (eiw <= 4)
		*ways = 1u << eiw;
	else if (eiw >= 8 && eiw <= 10)
		*ways = 3u << (eiw - 8);
	else
		return -EINVAL;
	return 0;
}

/* eig_to_granularity: 256 << eig, for eig 0-6 */
int cxl_eig_to_granularity(unsigned int eig, unsigned int *granularity)
{
	if (eig > 6)
		return -EINVAL;
	*granularity = 256u << eig;
	return 0;
}

/* cfmws_to_decoder_flags (drivers/cxl/acpi.c) */
static unsigned int cfmws_to_decoder_flags(unsigned int restrictions)
{
	unsigned int flags = 0;

	if (restrictions & CFMWS_TYPE2)
		flags |= CXL_DECODER_F_TYPE2;
	if (restrictions & CFMWS_TYPE3)
		flags |= CXL_DECODER_F_TYPE3;
	if (restrictions & CFMWS_VOLATILE)
		flags |= CXL_DECODER_F_RAM;
	if (restrictions & CFMWS_PMEM)
		flags |= CXL_DECODER_F_PMEM;
	if (restrictions & CFMWS_FIXED)
		flags |= CXL_DECODER_F_LOCK;
	return flags;
}

/* ---- the device tree ---------------------------------------------------- */

bool cxl_on_bus(const struct cxl_dev *d)
{
	return d->kind != CXL_PLATFORM;
}

int cxl_dev_path(const struct cxl_bus *b, int d, char *buf, size_t len)
{
	int chain[16], n = 0;
	size_t off;

	for (int i = d; i >= 0 && n < 16; i = b->dev[i].parent)
		chain[n++] = i;
	off = (size_t)snprintf(buf, len, "/sys/devices/platform");
	while (n-- > 0 && off < len)
		off += (size_t)snprintf(buf + off, len - off, "/%s", b->dev[chain[n]].name);
	return off < len ? 0 : -ENAMETOOLONG;
}

int cxl_dev_child(const struct cxl_bus *b, int d, const char *name)
{
	for (int i = 0, n = cxl_nr(b); i < n; i++)
		if (b->dev[i].parent == d && !cxl_gone(&b->dev[i]) && !strcmp(b->dev[i].name, name))
			return i;
	return -1;
}

int cxl_bus_dev(const struct cxl_bus *b, const char *name)
{
	for (int i = 0, n = cxl_nr(b); i < n; i++)
		if (cxl_on_bus(&b->dev[i]) && !cxl_gone(&b->dev[i]) && !strcmp(b->dev[i].name, name))
			return i;
	return -1;
}

/*
 * A new device under parent, its index or -ENOSPC; initialize, then
 * cxl_publish.  Callers are serialized (boot, or lock held).
 */
int cxl_dev_alloc(struct cxl_bus *b, enum cxl_kind kind, int parent, const char *fmt, int a, int c)
{
	struct cxl_dev *d;

	if (b->nr >= CXL_MAX_DEVS)
		return -ENOSPC;
	d = &b->dev[b->nr];
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), fmt, a, c);
	d->kind = kind;
	d->parent = parent;
	d->uport = d->parent_dport = -1;
	d->commit_end = d->hdm_end = -1;
	d->numa_node = -1;
	d->dec.region = -1;
	d->dec.pos = -1;
	d->reg.pmem_region = -1;
	d->reg.cxlr_dax = -1;
	d->nvdimm = -1;
	d->nd_id = -1;
	return b->nr;
}

void cxl_publish(struct cxl_bus *b)
{
	__atomic_store_n(&b->nr, b->nr + 1, __ATOMIC_RELEASE);
}

static int dev_add(struct cxl_bus *b, enum cxl_kind kind, int parent, const char *fmt, int a, int c)
{
	int d = cxl_dev_alloc(b, kind, parent, fmt, a, c);

	if (d >= 0)
		cxl_publish(b);
	return d;
}

static int platform_add(struct cxl_bus *b, const char *name, int id, int parent)
{
	char fmt[40];

	snprintf(fmt, sizeof(fmt), "%s.%%d", name);
	return dev_add(b, CXL_PLATFORM, parent, fmt, id, 0);
}

/* the platform device "name.id", which exists by construction */
static int platform_dev(const struct cxl_bus *b, const char *name, int id)
{
	char want[32];

	snprintf(want, sizeof(want), "%s.%d", name, id);
	for (int i = 0; i < b->nr; i++)
		if (b->dev[i].kind == CXL_PLATFORM && !strcmp(b->dev[i].name, want))
			return i;
	return -1;
}

/* the pdev id of a platform device: the number after its last '.' */
static int platform_id(const struct cxl_dev *d)
{
	const char *dot = strrchr(d->name, '.');

	return dot ? atoi(dot + 1) : -1;
}

/* ---- the mock's platform devices (cxl_test_init) ------------------------ */

#define NR_MULTI_BRIDGES 2
#define NR_MULTI_ROOT 4		/* root ports, and switches, of bridges 0-1 */
#define NR_MEM_MULTI 8
#define NR_SINGLE_DPORTS 2

#define TRY(expr) do { int _r = (expr); if (_r < 0) return _r; } while (0)

static int mock_multi_bridges(struct cxl_bus *b)
{
	int i, d;

	for (i = 0; i < NR_MULTI_BRIDGES; i++) {
		TRY(d = platform_add(b, "cxl_host_bridge", i, -1));
		b->dev[d].self_link = CXL_SELF_PHYSICAL_NODE;
	}
	for (i = 0; i < NR_MULTI_ROOT; i++)
		TRY(platform_add(b, "cxl_root_port", i, platform_dev(b, "cxl_host_bridge", i % NR_MULTI_BRIDGES)));
	for (i = 0; i < NR_MULTI_ROOT; i++)
		TRY(platform_add(b, "cxl_switch_uport", i, platform_dev(b, "cxl_root_port", i)));
	for (i = 0; i < NR_MEM_MULTI; i++)
		TRY(platform_add(b, "cxl_switch_dport", i, platform_dev(b, "cxl_switch_uport", i % NR_MULTI_ROOT)));
	return 0;
}

static int mock_single_bridge(struct cxl_bus *b)
{
	int d, i;

	TRY(d = platform_add(b, "cxl_host_bridge", NR_MULTI_BRIDGES, -1));
	b->dev[d].self_link = CXL_SELF_PHYSICAL_NODE;
	TRY(platform_add(b, "cxl_root_port", NR_MULTI_ROOT, d));
	TRY(platform_add(b, "cxl_switch_uport", NR_MULTI_ROOT, platform_dev(b, "cxl_root_port", NR_MULTI_ROOT)));
	for (i = 0; i < NR_SINGLE_DPORTS; i++)
		TRY(platform_add(b, "cxl_switch_dport", NR_MEM_MULTI + i,
				 platform_dev(b, "cxl_switch_uport", NR_MULTI_ROOT)));
	return 0;
}

static int mock_platform_devices(struct cxl_bus *b)
{
	int d, i;

	TRY(mock_multi_bridges(b));
	TRY(mock_single_bridge(b));
	TRY(d = platform_add(b, "cxl_host_bridge", RCH_UID, -1));
	b->dev[d].self_link = CXL_SELF_FIRMWARE_NODE;
	TRY(d = platform_add(b, "cxl_acpi", 0, -1));
	b->dev[d].bound = true;		/* to the platform driver cxl_acpi */
	for (i = 0; i < NR_MEM_MULTI + NR_SINGLE_DPORTS; i++)
		TRY(platform_add(b, "cxl_mem", i, platform_dev(b, "cxl_switch_dport", i)));
	TRY(platform_add(b, "cxl_rcd", NR_MEM_MULTI + NR_SINGLE_DPORTS, platform_dev(b, "cxl_host_bridge", RCH_UID)));
	return 0;
}

/* ---- the CXL ports (cxl_acpi, cxl_port, cxl_mem probes) ----------------- */

static int port_add_dport(struct cxl_bus *b, int port, int dport_dev, int dport_id)
{
	struct cxl_dev *p = &b->dev[port];

	if (p->nr_dports >= CXL_MAX_DPORTS)
		return -ENOSPC;
	/* the port may be listed already: the dport first, then the count */
	__atomic_store_n(&p->dport_dev[p->nr_dports], dport_dev, __ATOMIC_RELAXED);
	__atomic_store_n(&p->dport_id[p->nr_dports], dport_id, __ATOMIC_RELAXED);
	__atomic_store_n(&p->nr_dports, p->nr_dports + 1, __ATOMIC_RELEASE);
	return 0;
}

/* decoderP.N, N the next id of port P: filled in by the caller, then cxl_publish */
static int decoder_alloc(struct cxl_bus *b, int port, int id)
{
	int d;

	TRY(d = cxl_dev_alloc(b, CXL_DECODER, port, "decoder%d.%d", b->dev[port].id, id));
	b->dev[d].id = id;
	return d;
}

/*
 * The mock's HDM decoders of a port (mock_cxl_enumerate_decoders): eight,
 * in default_mock_decoder's state; a switch decoder's targets are the
 * uport's children in device order, as map_targets collects them.
 */
static int port_decoders(struct cxl_bus *b, int port)
{
	for (int i = 0; i < CXL_DECODERS_PER_PORT; i++) {
		int d;
		struct cxl_decoder *dec;

		TRY(d = decoder_alloc(b, port, i));
		dec = &b->dev[d].dec;
		dec->ways = 1;
		dec->granularity = 256;
		for (int k = 0; k < b->dev[port].nr_dports && k < CXL_MAX_TARGETS; k++)
			dec->target[dec->nr_targets++] = b->dev[port].dport_id[k];
		cxl_publish(b);
	}
	return 0;
}

/* cxl_port_ida: the lowest free id */
static int port_id_alloc(struct cxl_bus *b)
{
	for (int i = 0; i < CXL_MAX_PORT_IDS; i++) {
		if (!b->port_id_used[i]) {
			b->port_id_used[i] = true;
			return i;
		}
	}
	return -ENOSPC;
}

/* a cxl_port device: portN or endpointN under parent, standing for uport */
static int port_add(struct cxl_bus *b, enum cxl_kind kind, int parent, int uport, int parent_dport)
{
	static const char *const fmt[] = { [CXL_ROOT] = "root%d", [CXL_PORT] = "port%d",
					   [CXL_ENDPOINT] = "endpoint%d" };
	int id = port_id_alloc(b), p;

	if (id < 0)
		return id;
	p = cxl_dev_alloc(b, kind, parent, fmt[kind], id, 0);
	if (p < 0) {
		b->port_id_used[id] = false;
		return p;
	}
	b->dev[p].id = id;
	b->dev[p].uport = uport;
	b->dev[p].parent_dport = parent_dport;
	cxl_publish(b);
	return p;
}

/* a port's dports: the uport's platform children, by pdev id */
static int port_dports_from_children(struct cxl_bus *b, int port)
{
	int uport = b->dev[port].uport;

	for (int i = 0; i < b->nr; i++)
		if (b->dev[i].kind == CXL_PLATFORM && b->dev[i].parent == uport)
			TRY(port_add_dport(b, port, i, platform_id(&b->dev[i])));
	return 0;
}

static void port_unregister(struct memhp_machine *m, int port);

/*
 * cxl_port_probe: a switch or host bridge port enumerates its dports
 * (the uport's children) and its HDM decoders, an endpoint its decoders;
 * all in the mock's default state.  On failure what it made goes again.
 */
static int port_probe(struct cxl_bus *b, int port)
{
	int first = b->nr, ret = 0;

	if (b->dev[port].kind == CXL_PORT)
		ret = port_dports_from_children(b, port);
	if (!ret)
		ret = port_decoders(b, port);
	if (ret) {
		for (int i = first; i < cxl_nr(b); i++)
			if (b->dev[i].parent == port)
				__atomic_store_n(&b->dev[i].gone, true, __ATOMIC_RELEASE);
		__atomic_store_n(&b->dev[port].nr_dports, 0, __ATOMIC_RELEASE);
		return ret;
	}
	__atomic_store_n(&b->dev[port].bound, true, __ATOMIC_RELEASE);
	return 0;
}

/* root decoders, one per window of the CEDT, based where populate_cedt put them */
static int root_decoders(struct memhp_machine *m, struct cxl_bus *b, int root)
{
	int first = b->interleave_arithmetic ? CFMWS_XOR_FIRST : CFMWS_MOD_FIRST;
	int last = b->interleave_arithmetic ? CFMWS_XOR_LAST : CFMWS_MOD_LAST;
	uint64_t cursor = m->max_phys - SZ_64G;

	/* the CHBS register blocks come first, each aligned to its length */
	for (int i = 0; i < NR_BRIDGES; i++) {
		uint64_t len = i == RCH_UID ? CHBS_LENGTH_CXL11 : CHBS_LENGTH_CXL20;

		cursor = ALIGN_UP(cursor, len) + len;
	}
	for (int w = first; w <= last; w++) {
		const struct cfmws *c = &cxl_test_cfmws[w];
		struct cxl_decoder *dec;
		int d;

		TRY(d = decoder_alloc(b, root, w - first));
		dec = &b->dev[d].dec;
		cursor = ALIGN_UP(cursor, SZ_256M);
		dec->start = cursor;
		dec->size = c->window_size;
		cursor += c->window_size;
		TRY(cxl_eiw_to_ways(c->eniw, &dec->ways));
		TRY(cxl_eig_to_granularity(c->eig, &dec->granularity));
		/* cxl_parse_cfmws: a x1 window advertises the minimum, for any region's */
		if (dec->ways == 1)
			dec->granularity = 256;
		dec->flags = cfmws_to_decoder_flags(c->restrictions);
		dec->xor_arithmetic = c->xor_arithmetic;
		dec->nr_targets = c->nr_targets;
		memcpy(dec->target, c->target, sizeof(c->target));
		/* cxl_root_decoder_alloc: each takes its first region id */
		b->dev[d].region_id = cxl_region_id_alloc(b);
		cxl_publish(b);
	}
	return 0;
}

/* find_cxl_port: the live port one of whose dports is dport_dev, or -1 */
static int port_of_dport(const struct cxl_bus *b, int dport_dev)
{
	for (int i = 0, n = cxl_nr(b); i < n; i++) {
		const struct cxl_dev *p = &b->dev[i];

		if ((p->kind != CXL_PORT && p->kind != CXL_ROOT) || cxl_gone(p))
			continue;
		for (int k = 0; k < p->nr_dports; k++)
			if (p->dport_dev[k] == dport_dev)
				return i;
	}
	return -1;
}

/* the memdev's live endpoint, or -1 */
static int memdev_endpoint(const struct cxl_bus *b, int md)
{
	for (int i = 0, n = cxl_nr(b); i < n; i++)
		if (b->dev[i].kind == CXL_ENDPOINT && b->dev[i].uport == md && !cxl_gone(&b->dev[i]))
			return i;
	return -1;
}

static bool is_rcd(const struct cxl_bus *b, int md)
{
	return !strncmp(b->dev[b->dev[md].parent].name, "cxl_rcd.", 8);
}

/* is port still a port of some memdev's endpoint (its cxl_ep list not empty)? */
static bool port_has_endpoints(const struct cxl_bus *b, int port)
{
	for (int i = 0, n = cxl_nr(b); i < n; i++)
		for (int k = 0; b->dev[i].kind == CXL_MEMDEV && k < b->dev[i].nr_ep_ports; k++)
			if (b->dev[i].ep_port[k] == port)
				return true;
	return false;
}

/*
 * cxl_detach_ep: the memdev leaves every port it was an endpoint of,
 * nearest first; a switch port whose last endpoint that was, below a
 * bound port that is not the root, is deleted (delete_switch_port).
 */
static void memdev_detach_ep(struct memhp_machine *m, int md)
{
	struct cxl_bus *b = m->cxl;
	struct cxl_dev *d = &b->dev[md];

	while (d->nr_ep_ports > 0) {
		int port = d->ep_port[0], parent = b->dev[port].parent;

		memmove(d->ep_port, d->ep_port + 1, sizeof(int) * (size_t)--d->nr_ep_ports);
		if (cxl_gone(&b->dev[port]) || port_has_endpoints(b, port) || b->dev[parent].kind == CXL_ROOT ||
		    !cxl_bound(&b->dev[parent]))
			continue;
		port_unregister(m, port);
	}
}

/*
 * cxl_mem_probe: devm_cxl_enumerate_ports (the memdev's switch port,
 * added under its host bridge's port when not there yet, and the memdev
 * recorded as an endpoint of each port on its way), then the endpoint
 * port under the switch port (an RCD's under the root), probed by
 * cxl_port.  What it did is undone on failure, as devm unwinds a probe.
 */
static int memdev_attach(struct memhp_machine *m, int md)
{
	struct cxl_bus *b = m->cxl;
	const struct cxl_dev *host = &b->dev[b->dev[md].parent];
	int dport = host->parent, parent, ep, ret;

	if (is_rcd(b, md)) {
		parent = port_of_dport(b, dport);	/* the RCH is a dport of the root */
		if (parent < 0) {
			mlog(m, "cxl_mem %s: CXL port topology not found", b->dev[md].name);
			return -ENXIO;
		}
	} else {
		int uport_dev = b->dev[dport].parent, root_port = b->dev[uport_dev].parent;
		int hb = port_of_dport(b, root_port);

		if (hb < 0) {
			mlog(m, "cxl_mem %s: CXL port topology not found", b->dev[md].name);
			return -ENXIO;
		}
		if (!cxl_bound(&b->dev[hb])) {
			mlog(m, "cxl_mem %s: port %s:%s disabled, failed to enumerate CXL.mem", b->dev[md].name,
			     b->dev[hb].name, b->dev[uport_dev].name);
			return -ENXIO;
		}
		parent = port_of_dport(b, dport);
		if (parent < 0) {
			parent = port_add(b, CXL_PORT, hb, uport_dev, root_port);
			if (parent < 0)
				return parent;
			ret = port_probe(b, parent);
			if (ret) {
				port_unregister(m, parent);
				return ret;
			}
		}
		b->dev[md].ep_port[0] = parent;
		b->dev[md].ep_port[1] = hb;
		b->dev[md].nr_ep_ports = 2;
	}
	/* pmem capacity: its nvdimm, before the endpoint; no bridge fails the probe */
	if (b->dev[md].pmem_size) {
		ret = cxl_nvdimm_add(m, md, parent);
		if (ret == -ENODEV)
			mlog(m, "cxl_mem %s: PMEM disabled by platform", b->dev[md].name);
		if (ret)
			goto undo_ep;
	}
	if (!is_rcd(b, md) && !cxl_bound(&b->dev[parent])) {
		mlog(m, "cxl_mem %s: CXL port topology %s not enabled", b->dev[md].name, b->dev[parent].name);
		ret = -ENXIO;
		goto undo_nvdimm;
	}
	ep = port_add(b, CXL_ENDPOINT, parent, md, dport);
	if (ep < 0) {
		ret = ep;
		goto undo_nvdimm;
	}
	ret = port_probe(b, ep);
	if (ret) {
		mlog(m, "cxl_mem %s: %s failed probe", b->dev[md].name, b->dev[ep].name);
		port_unregister(m, ep);
		ret = -ENXIO;
		goto undo_nvdimm;
	}
	__atomic_store_n(&b->dev[md].bound, true, __ATOMIC_RELEASE);
	return 0;
undo_nvdimm:
	cxl_nvdimm_remove(m, md);
undo_ep:
	memdev_detach_ep(m, md);
	return ret;
}

/* a mock memdev (cxl_mock_mem_probe's devm_cxl_add_memdev), then cxl_mem's probe */
static int memdev_probe(struct memhp_machine *m, struct cxl_bus *b, int pdev, int mem_id)
{
	const struct cxl_dev *host = &b->dev[pdev];
	bool rcd = !strncmp(host->name, "cxl_rcd.", 8);
	int md;

	TRY(md = dev_add(b, CXL_MEMDEV, pdev, "mem%d", mem_id, 0));
	b->dev[md].id = mem_id;
	b->dev[md].serial = (uint64_t)platform_id(host);
	b->dev[md].numa_node = platform_id(host) % 2;
	b->dev[md].ram_size = rcd ? MOCK_DEV_SIZE : MOCK_DEV_SIZE / 2;
	b->dev[md].pmem_size = rcd ? 0 : MOCK_DEV_SIZE / 2;
	b->dev[md].lsa_size = rcd ? 0 : MOCK_LSA_SIZE;
	b->dev[md].payload_max = MOCK_PAYLOAD_MAX;
	return memdev_attach(m, md);
}

/* ---- driver binding: unbind and bind, as device_release_driver and probe -- */

static void port_release_driver(struct memhp_machine *m, int port);

/*
 * unregister_port: the port's driver released, then the device and its
 * decoders gone, its id free again.  A memdev whose endpoint goes this
 * way is left to memdevs_detach_orphans (schedule_cxl_memdev_detach).
 */
static void port_unregister(struct memhp_machine *m, int port)
{
	struct cxl_bus *b = m->cxl;

	port_release_driver(m, port);
	for (int i = 0, n = cxl_nr(b); i < n; i++)
		if (b->dev[i].parent == port && b->dev[i].kind == CXL_DECODER)
			__atomic_store_n(&b->dev[i].gone, true, __ATOMIC_RELEASE);
	__atomic_store_n(&b->dev[port].gone, true, __ATOMIC_RELEASE);
	b->port_id_used[b->dev[port].id] = false;
}

/*
 * cxl_port's remove, its devm teardown: the child ports it added (each
 * unregistered in turn; an endpoint's memdev then detaches from cxl_mem),
 * its decoders (an endpoint decoder leaving its region), its dports.
 */
static void port_release_driver(struct memhp_machine *m, int port)
{
	struct cxl_bus *b = m->cxl;
	struct cxl_dev *p = &b->dev[port];

	if (!cxl_bound(p))
		return;
	for (int i = 0, n = cxl_nr(b); i < n; i++) {
		const struct cxl_dev *c = &b->dev[i];

		if (c->parent == port && (c->kind == CXL_PORT || c->kind == CXL_ENDPOINT) && !cxl_gone(c))
			port_unregister(m, i);
	}
	for (int i = 0, n = cxl_nr(b); i < n; i++) {
		struct cxl_dev *c = &b->dev[i];

		if (c->parent != port || c->kind != CXL_DECODER || cxl_gone(c))
			continue;
		if (p->kind == CXL_ENDPOINT)
			cxl_region_detach_decoder(m, i);
		c->dec.region = -1;
		__atomic_store_n(&c->gone, true, __ATOMIC_RELEASE);
	}
	p->commit_end = p->hdm_end = -1;
	__atomic_store_n(&p->nr_dports, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&p->bound, false, __ATOMIC_RELEASE);
}

/*
 * cxl_mem's remove, its devm teardown in reverse: delete_endpoint (the
 * endpoint port unregistered, unless a port above already did),
 * cxlmd_release_nvdimm (pmemN), then cxl_detach_ep.
 */
static void memdev_release_driver(struct memhp_machine *m, int md)
{
	struct cxl_bus *b = m->cxl;
	int ep = memdev_endpoint(b, md);

	if (ep >= 0)
		port_unregister(m, ep);
	cxl_nvdimm_remove(m, md);
	memdev_detach_ep(m, md);
	__atomic_store_n(&b->dev[md].bound, false, __ATOMIC_RELEASE);
}

/*
 * The detach work (detach_memdev): every memdev bound to cxl_mem whose
 * endpoint was unregistered or unbound by a port's teardown is released
 * from cxl_mem, after that teardown.
 */
static void memdevs_detach_orphans(struct memhp_machine *m)
{
	struct cxl_bus *b = m->cxl;

	for (int i = 0, n = cxl_nr(b); i < n; i++) {
		int ep;

		if (b->dev[i].kind != CXL_MEMDEV || !cxl_bound(&b->dev[i]))
			continue;
		ep = memdev_endpoint(b, i);
		if (ep < 0 || !cxl_bound(&b->dev[ep]))
			memdev_release_driver(m, i);
	}
}

static bool is_below(const struct cxl_bus *b, int dev, int top)
{
	for (int d = dev; d >= 0; d = b->dev[d].parent)
		if (d == top)
			return true;
	return false;
}

/* the regions decoders at or below top decode for, at most max */
static int regions_below(const struct cxl_bus *b, int top, int *out, int max)
{
	int n = 0;

	for (int i = 0, nr = cxl_nr(b); i < nr; i++) {
		const struct cxl_dev *d = &b->dev[i];
		int k;

		if (d->kind != CXL_DECODER || cxl_gone(d) || d->dec.region < 0 || !is_below(b, i, top))
			continue;
		for (k = 0; k < n && out[k] != d->dec.region; k++)
			;
		if (k == n && n < max)
			out[n++] = d->dec.region;
	}
	return n;
}

/*
 * cxl_decoder_kill_region's device_release_driver of a region losing a
 * target: it cannot fail, so online memory of the region is left behind
 * (cxl_region.c, dax.c), as the kernel's kmem leaves it.
 */
static int region_release_for_teardown(struct memhp_machine *m, int r)
{
	if (!__atomic_load_n(&m->cxl->dev[r].reg.bound, __ATOMIC_ACQUIRE))
		return 0;
	return cxl_region_release_teardown(m, r);
}

/* release the drivers of the regions decoding at or below top */
static int release_regions_below(struct memhp_machine *m, int top)
{
	int regions[16], n, ret = 0;

	pthread_mutex_lock(&m->cxl->lock);
	n = regions_below(m->cxl, top, regions, 16);
	pthread_mutex_unlock(&m->cxl->lock);
	for (int i = 0; i < n && !ret; i++)
		ret = region_release_for_teardown(m, regions[i]);
	return ret;
}

int cxl_memdev_unbind(struct memhp_machine *m, int md)
{
	struct cxl_bus *b = m->cxl;
	int ep, ret;

	if (b->dev[md].kind != CXL_MEMDEV || !cxl_bound(&b->dev[md]))
		return -ENODEV;
	ep = memdev_endpoint(b, md);
	ret = ep >= 0 ? release_regions_below(m, ep) : 0;
	if (ret)
		return ret;
	pthread_mutex_lock(&b->lock);
	memdev_release_driver(m, md);
	pthread_mutex_unlock(&b->lock);
	return 0;
}

int cxl_memdev_bind(struct memhp_machine *m, int md)
{
	struct cxl_bus *b = m->cxl;
	int ret;

	if (b->dev[md].kind != CXL_MEMDEV)
		return -ENODEV;
	pthread_mutex_lock(&b->lock);
	ret = cxl_bound(&b->dev[md]) ? -EBUSY : memdev_attach(m, md);
	pthread_mutex_unlock(&b->lock);
	return ret;
}

static bool is_cxl_port(const struct cxl_dev *d)
{
	return d->kind == CXL_PORT || d->kind == CXL_ENDPOINT;
}

int cxl_port_unbind(struct memhp_machine *m, int port)
{
	struct cxl_bus *b = m->cxl;
	int ret;

	if (!is_cxl_port(&b->dev[port]) || cxl_gone(&b->dev[port]) || !cxl_bound(&b->dev[port]))
		return -ENODEV;
	ret = release_regions_below(m, port);
	if (ret)
		return ret;
	pthread_mutex_lock(&b->lock);
	port_release_driver(m, port);
	memdevs_detach_orphans(m);
	pthread_mutex_unlock(&b->lock);
	return 0;
}

int cxl_port_bind(struct memhp_machine *m, int port)
{
	struct cxl_bus *b = m->cxl;
	int ret;

	if (!is_cxl_port(&b->dev[port]) || cxl_gone(&b->dev[port]))
		return -ENODEV;
	pthread_mutex_lock(&b->lock);
	ret = cxl_bound(&b->dev[port]) ? -EBUSY : port_probe(b, port);
	pthread_mutex_unlock(&b->lock);
	return ret;
}

static int windows_insert(struct memhp_machine *m, struct cxl_bus *b);

/* the depth-first order in which memhp probes the mock's memdevs */
static const int memdev_probe_order[] = { 0, 4, 2, 6, 1, 5, 3, 7, 8, 9 };

/*
 * cxl_acpi_probe: root0 on cxl_acpi.0 with a dport per host bridge and a
 * root decoder per window, a port per CXL 2.0 host bridge (probed by
 * cxl_port), the nvdimm bridge, the windows in /proc/iomem.
 */
static int acpi_probe(struct memhp_machine *m, struct cxl_bus *b)
{
	int acpi = platform_dev(b, "cxl_acpi", 0), root;

	TRY(root = port_add(b, CXL_ROOT, acpi, acpi, -1));
	for (int uid = 0; uid < NR_BRIDGES; uid++)
		TRY(port_add_dport(b, root, platform_dev(b, "cxl_host_bridge", uid), uid));
	TRY(root_decoders(m, b, root));
	for (int uid = 0; uid < NR_BRIDGES; uid++) {
		int hb = platform_dev(b, "cxl_host_bridge", uid), p;

		if (uid == RCH_UID)
			continue;	/* add_host_bridge_uport: an RCH has no port */
		TRY(p = port_add(b, CXL_PORT, root, hb, hb));
		TRY(port_probe(b, p));
	}
	/* add_root_nvdimm_bridge: after the host bridges, for the pmem windows */
	TRY(cxl_nvdimm_bridge_add(m, root));
	return windows_insert(m, b);
}

static int cxl_test_enumerate(struct memhp_machine *m, struct cxl_bus *b)
{
	int mem_id = 0;

	TRY(acpi_probe(m, b));
	for (size_t i = 0; i < sizeof(memdev_probe_order) / sizeof(memdev_probe_order[0]); i++)
		TRY(memdev_probe(m, b, platform_dev(b, "cxl_mem", memdev_probe_order[i]), mem_id++));
	return memdev_probe(m, b, platform_dev(b, "cxl_rcd", NR_MEM_MULTI + NR_SINGLE_DPORTS), mem_id);
}

/* the live root port, or -1 */
static int cxl_root(const struct cxl_bus *b)
{
	for (int i = 0, n = cxl_nr(b); i < n; i++)
		if (b->dev[i].kind == CXL_ROOT && !cxl_gone(&b->dev[i]))
			return i;
	return -1;
}

/*
 * cxl_acpi's remove, its devm teardown: every region released (online
 * memory left behind, as a teardown does) and unregistered, the nvdimm
 * bridge unregistered, the root's ports unregistered (their memdevs detach from cxl_mem), the root
 * decoders, the windows and the root port itself gone.
 */
static int acpi_unbind(struct memhp_machine *m)
{
	struct cxl_bus *b = m->cxl;
	int root = cxl_root(b), ret;

	for (int i = 0, n = cxl_nr(b); i < n; i++) {
		if (b->dev[i].kind != CXL_REGION || cxl_gone(&b->dev[i]))
			continue;
		ret = region_release_for_teardown(m, i);
		if (ret)
			return ret;
	}
	pthread_mutex_lock(&b->lock);
	/* the bridge was added last: its unregister_nvb action runs first */
	cxl_nvdimm_bridge_remove(m, root);
	for (int i = 0, n = cxl_nr(b); i < n; i++) {
		const struct cxl_dev *c = &b->dev[i];

		if (c->parent == root && (c->kind == CXL_PORT || c->kind == CXL_ENDPOINT) && !cxl_gone(c))
			port_unregister(m, i);
	}
	memdevs_detach_orphans(m);
	for (int i = 0, n = cxl_nr(b); i < n; i++) {
		struct cxl_dev *c = &b->dev[i];

		if (c->kind == CXL_REGION && !cxl_gone(c))
			cxl_region_delete(m, i);
	}
	for (int i = 0, n = cxl_nr(b); i < n; i++) {
		struct cxl_dev *c = &b->dev[i];

		if (c->kind != CXL_DECODER || c->parent != root || cxl_gone(c))
			continue;
		if (c->region_id >= 0 && c->region_id < CXL_MAX_REGION_IDS)
			b->region_id_used[c->region_id] = false;	/* its preallocated memregion id */
		__atomic_store_n(&c->gone, true, __ATOMIC_RELEASE);
	}
	for (int i = b->nr_windows - 1; i >= 0; i--)
		iomem_release(m, &b->window_res[i]);
	b->nr_windows = 0;
	__atomic_store_n(&b->dev[root].gone, true, __ATOMIC_RELEASE);
	b->port_id_used[b->dev[root].id] = false;
	__atomic_store_n(&b->dev[b->dev[root].uport].bound, false, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&b->lock);
	return 0;
}

/*
 * cxl_acpi_probe again, then cxl_bus_rescan: each memdev without a
 * driver probes (in device order), as the bus rescan attaches them.
 * A probe failing is logged and the memdev left unbound, as a rescan does.
 */
static int acpi_bind(struct memhp_machine *m)
{
	struct cxl_bus *b = m->cxl;
	int first = b->nr, ret;

	pthread_mutex_lock(&b->lock);
	ret = acpi_probe(m, b);
	if (ret) {
		mlog(m, "cxl_acpi cxl_acpi.0: probe failed with error %d", ret);
		for (int i = cxl_nr(b) - 1; i >= first; i--) {
			struct cxl_dev *c = &b->dev[i];

			if (c->kind == CXL_NVDIMM_BRIDGE && !cxl_gone(c))
				cxl_nvdimm_bridge_remove(m, c->parent);	/* its ids back */
			if (c->kind == CXL_ROOT || c->kind == CXL_PORT)
				b->port_id_used[c->id] = false;
			if (c->kind == CXL_DECODER && b->dev[c->parent].kind == CXL_ROOT && c->region_id >= 0)
				b->region_id_used[c->region_id] = false;
			__atomic_store_n(&c->gone, true, __ATOMIC_RELEASE);
		}
		for (int i = b->nr_windows - 1; i >= 0; i--)
			iomem_release(m, &b->window_res[i]);
		b->nr_windows = 0;
		pthread_mutex_unlock(&b->lock);
		return ret;
	}
	__atomic_store_n(&b->dev[platform_dev(b, "cxl_acpi", 0)].bound, true, __ATOMIC_RELEASE);
	for (int i = 0, n = cxl_nr(b); i < n; i++) {
		if (b->dev[i].kind != CXL_MEMDEV || cxl_bound(&b->dev[i]))
			continue;
		ret = memdev_attach(m, i);
		if (ret)
			mlog(m, "cxl_mem %s: probe failed with error %d", b->dev[i].name, ret);
	}
	pthread_mutex_unlock(&b->lock);
	return 0;
}

int cxl_acpi_unbind(struct memhp_machine *m)
{
	if (!cxl_bound(&m->cxl->dev[platform_dev(m->cxl, "cxl_acpi", 0)]))
		return -ENODEV;
	return acpi_unbind(m);
}

int cxl_acpi_bind(struct memhp_machine *m)
{
	if (cxl_bound(&m->cxl->dev[platform_dev(m->cxl, "cxl_acpi", 0)]))
		return -EBUSY;
	return acpi_bind(m);
}

/* ---- the mock's auto region (mock_init_hdm_decoder) ------------------------- */

#define AUTO_REGION_SIZE (512ULL << 20)	/* SZ_512M */
#define AUTO_REGION_WAYS 2
#define AUTO_REGION_SWITCH_GRANULARITY 4096

static int decoder_of(const struct cxl_bus *b, int port, int id)
{
	for (int i = 0; i < b->nr; i++)
		if (b->dev[i].kind == CXL_DECODER && b->dev[i].parent == port && b->dev[i].id == id)
			return i;
	return -1;
}

static void decoder_commit_range(struct cxl_bus *b, int dec, uint64_t start, unsigned int ways,
				 unsigned int granularity)
{
	struct cxl_decoder *d = &b->dev[dec].dec;

	d->start = start;
	d->size = AUTO_REGION_SIZE;
	d->ways = ways;
	d->granularity = granularity;
	d->flags |= CXL_DECODER_F_ENABLE;
	b->dev[b->dev[dec].parent].commit_end = b->dev[dec].id;
}

/*
 * Decoder 0 of the endpoints of cxl_mem.0 and cxl_mem.4 (the first switch
 * of host bridge 0) comes up committed as a 512 MiB 2-way ram region at
 * the base of window 0, with the switch's and the host bridge's decoder 0
 * set up to match (cxl_mem.4 second in the switch's order); the region
 * driver assembles it as region0 and, a ram region, hands it to dax and
 * kmem.  mock_cfmws[0] is a modulo window: with XOR windows the mock's
 * range lies in no window and no region forms.
 */
static int mock_auto_region(struct memhp_machine *m, struct cxl_bus *b)
{
	static const int pdev_ids[AUTO_REGION_WAYS] = { 0, 4 };
	int root_dec = cxl_bus_dev(b, "decoder0.0"), eps[AUTO_REGION_WAYS], r;
	uint64_t base = b->dev[root_dec].dec.start;
	unsigned int gran;

	TRY(cxl_eig_to_granularity(cxl_test_cfmws[0].eig, &gran));
	for (int i = 0; i < AUTO_REGION_WAYS; i++) {
		int ep = -1, sw, hb, dec;

		/* the endpoint whose memdev hangs from cxl_mem.N */
		for (int k = 0; k < b->nr; k++)
			if (b->dev[k].kind == CXL_ENDPOINT && b->dev[b->dev[k].uport].parent ==
			    platform_dev(b, "cxl_mem", pdev_ids[i]))
				ep = k;
		if (ep < 0)
			return -ENODEV;
		dec = decoder_of(b, ep, 0);
		decoder_commit_range(b, dec, base, AUTO_REGION_WAYS, gran);
		b->dev[dec].dec.mode = CXL_MODE_RAM;
		b->dev[dec].dec.dpa_start = 0;
		b->dev[dec].dec.dpa_size = AUTO_REGION_SIZE / AUTO_REGION_WAYS;
		b->dev[ep].hdm_end = 0;
		eps[i] = dec;
		/* the switch interleaves its two dports, the host bridge routes to one root port */
		sw = b->dev[ep].parent;
		decoder_commit_range(b, decoder_of(b, sw, 0), base, AUTO_REGION_WAYS, AUTO_REGION_SWITCH_GRANULARITY);
		b->dev[decoder_of(b, sw, 0)].dec.target[i] = platform_id(&b->dev[b->dev[ep].parent_dport]);
		hb = b->dev[sw].parent;
		decoder_commit_range(b, decoder_of(b, hb, 0), base, 1, AUTO_REGION_SWITCH_GRANULARITY);
		b->dev[decoder_of(b, hb, 0)].dec.target[0] = platform_id(&b->dev[b->dev[sw].parent_dport]);
	}
	r = cxl_region_assemble(m, root_dec, eps, AUTO_REGION_WAYS);
	if (r < 0)
		return r;
	/* the region driver probes it: a ram region becomes dax and kmem memory */
	pthread_mutex_lock(&m->device_hotplug_lock);
	r = cxl_region_bind(m, r);
	pthread_mutex_unlock(&m->device_hotplug_lock);
	if (r)
		mlog(m, "cxl_region region0: probe failed with error %d", r);
	return 0;
}

/* "CXL Window N" in /proc/iomem for each root decoder, as cxl_acpi inserts them */
static int windows_insert(struct memhp_machine *m, struct cxl_bus *b)
{
	for (int i = 0; i < b->nr; i++) {
		const struct cxl_dev *d = &b->dev[i];
		char name[32];

		if (d->kind != CXL_DECODER || b->dev[d->parent].kind != CXL_ROOT)
			continue;
		snprintf(name, sizeof(name), "CXL Window %d", b->nr_windows);
		b->window_res[b->nr_windows] = iomem_request(m, d->dec.start, d->dec.size, name, IORESOURCE_MEM);
		if (!b->window_res[b->nr_windows]) {
			mlog(m, "cxl: %s [mem %#llx-%#llx] overlaps the physical address space in use",
				  name, (unsigned long long)d->dec.start,
				  (unsigned long long)(d->dec.start + d->dec.size - 1));
			return -EBUSY;
		}
		b->nr_windows++;
	}
	return 0;
}

/* "cxl_test" or "cxl_test:interleave_arithmetic=N" */
static int parse_topology(const char *spec, int *arith)
{
	const char *opt = "cxl_test:interleave_arithmetic=";

	*arith = 0;
	if (!strcmp(spec, "cxl_test"))
		return 0;
	if (!strncmp(spec, opt, strlen(opt)) && (spec[strlen(opt)] == '0' || spec[strlen(opt)] == '1') &&
	    !spec[strlen(opt) + 1]) {
		*arith = spec[strlen(opt)] - '0';
		return 0;
	}
	return -EINVAL;
}

int cxl_init(struct memhp_machine *m, const char *topology)
{
	struct cxl_bus *b;
	int ret, arith;

	if (!topology)
		return 0;
	ret = parse_topology(topology, &arith);
	if (ret) {
		mlog(m, "cxl: unknown topology \"%s\" (cxl_test, cxl_test:interleave_arithmetic=0|1)",
			  topology);
		return ret;
	}
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->interleave_arithmetic = arith;
	pthread_mutex_init(&b->lock, NULL);
	m->cxl = b;
	ret = mock_platform_devices(b);
	if (!ret)
		ret = cxl_test_enumerate(m, b);
	if (!ret && !arith)
		ret = mock_auto_region(m, b);
	if (ret) {
		cxl_destroy(m);
		return ret;
	}
	mlog(m, "cxl: cxl_test topology, %d devices, %d windows (%s arithmetic)", b->nr, b->nr_windows,
		  arith ? "XOR" : "modulo");
	return 0;
}

void cxl_destroy(struct memhp_machine *m)
{
	struct cxl_bus *b = m->cxl;

	if (!b)
		return;
	cxl_regions_destroy(m);
	for (int i = b->nr_windows - 1; i >= 0; i--)
		iomem_release(m, &b->window_res[i]);
	pthread_mutex_destroy(&b->lock);
	free(b);
	m->cxl = NULL;
}
