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
	TRY(platform_add(b, "cxl_acpi", 0, -1));
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
	p->dport_dev[p->nr_dports] = dport_dev;
	p->dport_id[p->nr_dports++] = dport_id;
	return 0;
}

/* decoderP.N, N the next id of port P */
static int decoder_add(struct cxl_bus *b, int port, int id)
{
	int d;

	TRY(d = dev_add(b, CXL_DECODER, port, "decoder%d.%d", b->dev[port].id, id));
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

		TRY(d = decoder_add(b, port, i));
		dec = &b->dev[d].dec;
		dec->ways = 1;
		dec->granularity = 256;
		for (int k = 0; k < b->dev[port].nr_dports && k < CXL_MAX_TARGETS; k++)
			dec->target[dec->nr_targets++] = b->dev[port].dport_id[k];
	}
	return 0;
}

/* a cxl_port device: portN or endpointN under parent, standing for uport */
static int port_add(struct cxl_bus *b, enum cxl_kind kind, int parent, int uport, int parent_dport, int *next_id)
{
	static const char *const fmt[] = { [CXL_ROOT] = "root%d", [CXL_PORT] = "port%d",
					   [CXL_ENDPOINT] = "endpoint%d" };
	int p;

	TRY(p = dev_add(b, kind, parent, fmt[kind], *next_id, 0));
	b->dev[p].id = (*next_id)++;
	b->dev[p].uport = uport;
	b->dev[p].parent_dport = parent_dport;
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

		TRY(d = decoder_add(b, root, w - first));
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
	}
	return 0;
}

/* the memdev's ports, from its dport up: the switch port once, then the endpoint */
static int memdev_probe(struct cxl_bus *b, int pdev, int mem_id, int *next_id, int root)
{
	const struct cxl_dev *host = &b->dev[pdev];
	bool rcd = !strncmp(host->name, "cxl_rcd.", 8);
	int md, ep_parent, dport, port;

	TRY(md = dev_add(b, CXL_MEMDEV, pdev, "mem%d", mem_id, 0));
	b->dev[md].id = mem_id;
	b->dev[md].serial = (uint64_t)platform_id(host);
	b->dev[md].numa_node = platform_id(host) % 2;
	b->dev[md].ram_size = rcd ? MOCK_DEV_SIZE : MOCK_DEV_SIZE / 2;
	b->dev[md].pmem_size = rcd ? 0 : MOCK_DEV_SIZE / 2;
	b->dev[md].lsa_size = rcd ? 0 : MOCK_LSA_SIZE;
	b->dev[md].payload_max = MOCK_PAYLOAD_MAX;
	if (rcd) {
		/* an RCD's endpoint is the root's child: its parent dport is the RCH */
		dport = host->parent;
		ep_parent = root;
	} else {
		int uport_dev = b->dev[host->parent].parent;	/* dport -> switch uport */
		int hb_port = -1, sw;

		for (int i = 0; i < b->nr; i++)
			if (b->dev[i].kind == CXL_PORT && b->dev[i].uport == b->dev[b->dev[uport_dev].parent].parent)
				hb_port = i;
		if (hb_port < 0)
			return -ENODEV;
		sw = -1;
		for (int i = 0; i < b->nr; i++)
			if (b->dev[i].kind == CXL_PORT && b->dev[i].uport == uport_dev)
				sw = i;
		if (sw < 0) {
			TRY(sw = port_add(b, CXL_PORT, hb_port, uport_dev, b->dev[uport_dev].parent, next_id));
			TRY(port_dports_from_children(b, sw));
			TRY(port_decoders(b, sw));
		}
		dport = host->parent;
		ep_parent = sw;
	}
	TRY(port = port_add(b, CXL_ENDPOINT, ep_parent, md, dport, next_id));
	return port_decoders(b, port);
}

/* the depth-first order in which memhp probes the mock's memdevs */
static const int memdev_probe_order[] = { 0, 4, 2, 6, 1, 5, 3, 7, 8, 9 };

static int cxl_test_enumerate(struct memhp_machine *m, struct cxl_bus *b)
{
	int root, next_id = 0, mem_id = 0;

	TRY(root = port_add(b, CXL_ROOT, platform_dev(b, "cxl_acpi", 0), platform_dev(b, "cxl_acpi", 0), -1,
			    &next_id));
	for (int uid = 0; uid < NR_BRIDGES; uid++)
		TRY(port_add_dport(b, root, platform_dev(b, "cxl_host_bridge", uid), uid));
	TRY(root_decoders(m, b, root));
	for (int uid = 0; uid < NR_BRIDGES; uid++) {
		int hb = platform_dev(b, "cxl_host_bridge", uid), p;

		if (uid == RCH_UID)
			continue;	/* add_host_bridge_uport: an RCH has no port */
		TRY(p = port_add(b, CXL_PORT, root, hb, hb, &next_id));
		TRY(port_dports_from_children(b, p));
		TRY(port_decoders(b, p));
	}
	for (size_t i = 0; i < sizeof(memdev_probe_order) / sizeof(memdev_probe_order[0]); i++)
		TRY(memdev_probe(b, platform_dev(b, "cxl_mem", memdev_probe_order[i]), mem_id++, &next_id, root));
	return memdev_probe(b, platform_dev(b, "cxl_rcd", NR_MEM_MULTI + NR_SINGLE_DPORTS), mem_id, &next_id, root);
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
	if (!ret)
		ret = windows_insert(m, b);
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
