// SPDX-License-Identifier: MIT
/*
 * plan.c - `memhpctl plan`: what a planned hot-add will do, before doing it.
 *
 *   memhpctl plan [--mem SIZE | --numa S0,S1,...] [--cmdline 'OPTS']
 *                 [--maxmem SIZE] [--slots N] [--profile NAME]
 *                 [--memmap-init eager|deferred] [--json] [--stats] DEVICE...
 *   DEVICE: dimm:SIZE[@NODE] | cxl:SIZE[@NODE] | hmem:SIZE[@NODE]
 *
 * The answer comes from the engine itself: a throwaway machine of the same
 * shape, every device on a sparse memfd, the devices added in order as the
 * host would add them (see plan.h).  The progress reports of each add give
 * the boot memory the memmap takes, sample by sample, and the exact point
 * where an add runs out of memory; the blocks' files give their zones
 * under the configured policy; the blocks' vmemmap reserve gives the
 * memmap placed on the device and, with memmap_on_memory=force, the pages
 * lost to the pageblock alignment.
 *
 * Struct pages are written when first needed (lib/deferred_init.c), as the
 * machine always does: a plan of 8 TiB of CXL memory costs no 128 GiB of
 * memmap on the host.  --memmap-init eager writes them all at online, the
 * way to check that nothing a plan reports depends on it.  --stats says on
 * stderr what the plan cost: seconds and the peak host memory.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "plan.h"
#include "scenario.h"

const char *plan_kind_name(enum plan_kind k)
{
	return k == PLAN_DIMM ? "dimm" : k == PLAN_CXL ? "cxl" : "hmem";
}

int plan_parse_device(const char *word, struct plan_device *d)
{
	char size[32];
	const char *colon = strchr(word, ':'), *at;
	size_t n;

	if (!colon)
		return -1;
	if (!strncmp(word, "dimm:", 5))
		d->kind = PLAN_DIMM;
	else if (!strncmp(word, "cxl:", 4))
		d->kind = PLAN_CXL;
	else if (!strncmp(word, "hmem:", 5))
		d->kind = PLAN_HMEM;
	else
		return -1;
	at = strchr(colon, '@');
	n = at ? (size_t)(at - colon - 1) : strlen(colon + 1);
	if (n >= sizeof(size))
		return -1;
	memcpy(size, colon + 1, n);
	size[n] = '\0';
	d->node = 0;
	if (at) {
		char *end;
		long v = strtol(at + 1, &end, 10);

		if (end == at + 1 || *end || v < 0 || v >= MEMHP_MAX_NODES)
			return -1;
		d->node = (int)v;
	}
	return scn_parse_size(size, &d->size) || !d->size ? -1 : 0;
}

int plan_parse_nodes(const char *list, struct plan_machine *pm)
{
	char *copy = strdup(list), *save = NULL;
	unsigned int n = 0;
	int ret = 0;

	if (!copy)
		return -1;
	for (char *t = strtok_r(copy, ",", &save); t && !ret; t = strtok_r(NULL, ",", &save)) {
		if (n == MEMHP_MAX_NODES || scn_parse_size(t, &pm->node_mem[n]))
			ret = -1;
		n++;
	}
	free(copy);
	pm->nr_nodes = n;
	return ret || !n ? -1 : 0;
}

/* ---- the run --------------------------------------------------------------- */

struct watch {
	struct memhp_machine *m;
	unsigned int nr_nodes;
	uint64_t page_size;
	size_t device;
	uint64_t add_done;			/* bytes of the current add so far */
	uint64_t free_at_add[MEMHP_MAX_NODES];	/* node free when the add last reported */
	plan_sample_fn sample;
	void *arg;
	uint64_t start_ns, next_report_ns;	/* progress on stderr after a second */
	const struct plan_device *devs;
};

static uint64_t mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}

/* a plan that runs for more than a second says how far it is, once a second */
static void report_progress(struct watch *w, const char *op, uint64_t done, uint64_t total)
{
	uint64_t now = mono_ns();

	if (!w->devs || now < w->next_report_ns)
		return;
	w->next_report_ns = now + 1000000000ULL;
	fprintf(stderr, "memhpctl plan: device %zu (%s): %s %llu of %llu MiB, %.1f s\n", w->device + 1,
		plan_kind_name(w->devs[w->device].kind), op, (unsigned long long)(done >> 20),
		(unsigned long long)(total >> 20), (double)(now - w->start_ns) / 1e9);
}

/* free bytes per node: the buddy's and the per-cpu caches' free pages */
static void node_free(const struct watch *w, uint64_t *out)
{
	struct memhp_zone_info z[MEMHP_MAX_NODES * 5];
	size_t n = memhp_zones(w->m, z, sizeof(z) / sizeof(z[0]));

	memset(out, 0, w->nr_nodes * sizeof(*out));
	for (size_t i = 0; i < n && i < sizeof(z) / sizeof(z[0]); i++)
		if ((unsigned int)z[i].nid < w->nr_nodes)
			out[z[i].nid] += (z[i].free + z[i].pcp) * w->page_size;
}

static void on_progress(void *arg, const char *op, uint64_t done, uint64_t total)
{
	struct watch *w = arg;
	uint64_t free[MEMHP_MAX_NODES];
	struct memhp_counters c;

	node_free(w, free);
	memhp_counters(w->m, &c);
	if (!strcmp(op, "add")) {
		w->add_done = done;
		memcpy(w->free_at_add, free, sizeof(free));
	}
	if (w->sample)
		w->sample(w->arg, w->device, op, done, total, free, w->nr_nodes, c.nr_memmap_pages);
	report_progress(w, op, done, total);
}

static int read_file(struct memhp_machine *m, const char *fmt, unsigned long id, char *buf, size_t len)
{
	char path[128];
	ssize_t n;

	snprintf(path, sizeof(path), fmt, id);
	n = memhp_file_read(m, path, buf, len - 1);
	if (n < 0)
		return (int)n;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* the zone of every block, as runs; what is on the device, and the waste */
static void collect_blocks(struct memhp_machine *m, const struct memhp_geometry *g, struct plan_result *r)
{
	unsigned long memmap_pages = (unsigned long)((g->block_size / g->page_size) * g->struct_page_size /
						     g->page_size);

	for (unsigned long id = r->first_block; id <= r->last_block; id++) {
		unsigned long start, nr, vmemmap;
		char state[32], zone[64];
		struct plan_zone_run *run = r->nr_runs ? &r->runs[r->nr_runs - 1] : NULL;

		if (memhp_block_range(m, id, &start, &nr, &vmemmap))
			continue;
		if (vmemmap) {
			r->memmap_on_device += (uint64_t)memmap_pages * g->page_size;
			r->waste_bytes += (uint64_t)(vmemmap - memmap_pages) * g->page_size;
		}
		read_file(m, "/sys/devices/system/memory/memory%lu/state", id, state, sizeof(state));
		if (!strcmp(state, "online")) {
			read_file(m, "/sys/devices/system/memory/memory%lu/valid_zones", id, zone, sizeof(zone));
			r->blocks_online++;
		} else {
			snprintf(zone, sizeof(zone), "offline");
		}
		if (run && !strcmp(run->zone, zone) && run->last + 1 == id) {
			run->last = id;
		} else if (r->nr_runs < sizeof(r->runs) / sizeof(r->runs[0])) {
			run = &r->runs[r->nr_runs++];
			snprintf(run->zone, sizeof(run->zone), "%s", zone);
			run->first = run->last = id;
		}
	}
}

static int add_device(struct memhp_machine *m, size_t i, const struct plan_device *d,
		      const struct memhp_geometry *g, struct plan_result *r)
{
	int ret;

	if (d->kind == PLAN_DIMM) {
		struct memhp_dimm_info info;

		snprintf(r->name, sizeof(r->name), "dimm%zu", i);
		ret = memhp_dimm_add(m, r->name, d->size, d->node, MEMHP_ADDR_AUTO, -1, &info);
		if (ret)
			return ret;
		r->addr = info.addr;
		r->error = info.enabled ? 0 : info.add_error;
		r->first_block = info.addr / g->block_size;
		r->last_block = (info.addr + info.size) / g->block_size - 1;
		return 0;
	}
	{
		struct memhp_dax_info info;
		enum memhp_dax_kind kind = d->kind == PLAN_CXL ? MEMHP_DAX_CXL : MEMHP_DAX_HMEM;

		ret = memhp_dax_region_create(m, kind, d->size, d->node, 0, MEMHP_ADDR_AUTO, -1, &info);
		if (ret)
			return ret;
		snprintf(r->name, sizeof(r->name), "%s", info.dev);
		r->addr = info.start;
		r->error = info.probe_error;
		/* dax_kmem_range: aligned inward to the block size */
		r->first_block = (info.start + g->block_size - 1) / g->block_size;
		r->last_block = (info.start + info.size) / g->block_size - 1;
		return 0;
	}
}

/*
 * The physical space modelled: the DIMM window and every device after it,
 * with room to spare, up to x86-64's MAX_PHYSMEM_BITS (46 with 4-level
 * paging: 64 TiB).  Only virtual space is reserved for it.
 */
#define PLAN_MAX_PHYS (1ULL << 46)

static uint64_t plan_max_phys(const struct plan_machine *pm, const struct plan_device *devs, size_t n)
{
	uint64_t need = 4ULL << 40;	/* the default: room above the DIMM window */
	uint64_t sum = pm->maxmem ? pm->maxmem : 16ULL << 30;

	for (size_t i = 0; i < n; i++)
		sum += devs[i].size + (1ULL << 30);	/* each placed on its own alignment */
	sum += 1ULL << 40;	/* the window's slots, the 64-bit PCI hole, the 1 TiB hole */
	if (sum > need)
		need = sum;
	return need > PLAN_MAX_PHYS ? 0 : need;
}

static int boot_plan_machine(const struct plan_machine *pm, uint64_t max_phys, struct memhp_machine **m)
{
	struct memhp_config c = { 0 };

	c.arch = pm->profile;
	c.nr_nodes = pm->nr_nodes;
	c.explicit_node_mem = 1;
	memcpy(c.node_mem, pm->node_mem, sizeof(c.node_mem));
	c.cmdline = pm->cmdline;
	c.maxmem = pm->maxmem;
	c.slots = pm->slots;
	c.max_phys = max_phys;
	c.memmap_init_eager = pm->memmap_init_eager;
	/* one CPU's per-CPU lists: where the memmap runs out is then the
	 * add's answer, not the host scheduler's */
	c.nr_cpus = 1;
	return memhp_machine_create(&c, m);
}

int plan_run(const struct plan_machine *pm, const struct plan_device *devs, size_t n,
	     struct plan_result *out, struct plan_geometry *geo, plan_sample_fn sample, void *arg,
	     char *err, size_t errlen)
{
	struct memhp_machine *m = NULL;
	struct memhp_geometry g;
	struct memhp_counters c;
	struct watch w = { .sample = sample, .arg = arg, .devs = devs };
	uint64_t max_phys = plan_max_phys(pm, devs, n);
	int ret;

	if (!max_phys) {
		snprintf(err, errlen, "the devices need more physical address space than MAX_PHYSMEM_BITS (46: 64 TiB)");
		return -E2BIG;
	}
	w.start_ns = mono_ns();
	w.next_report_ns = w.start_ns + 1000000000ULL;
	ret = boot_plan_machine(pm, max_phys, &m);
	if (ret) {
		snprintf(err, errlen, "cannot build the machine: %s", memhp_strerror(ret));
		return ret;
	}
	memhp_get_geometry(m, &g);
	w.m = m;
	w.nr_nodes = g.nr_nodes;
	w.page_size = g.page_size;
	memhp_drain_pcp(m);
	memhp_counters(m, &c);
	geo->block_size = g.block_size;
	geo->page_size = g.page_size;
	geo->nr_memmap_pages_boot = c.nr_memmap_boot_pages;
	node_free(&w, geo->node_free0);
	memhp_set_progress(m, on_progress, &w);
	for (size_t i = 0; i < n && !ret; i++) {
		struct plan_result *r = &out[i];
		uint64_t before[MEMHP_MAX_NODES], after[MEMHP_MAX_NODES];
		unsigned long memmap0;

		memset(r, 0, sizeof(*r));
		r->fail_block = -1;
		w.device = i;
		w.add_done = 0;
		node_free(&w, before);
		memcpy(w.free_at_add, before, sizeof(before));
		memhp_counters(m, &c);
		memmap0 = c.nr_memmap_pages;
		ret = add_device(m, i, &devs[i], &g, r);
		if (ret) {
			snprintf(err, errlen, "device %zu (%s %llu): %s", i + 1, plan_kind_name(devs[i].kind),
				 (unsigned long long)devs[i].size, memhp_strerror(ret));
			break;
		}
		memhp_counters(m, &c);
		r->memmap_bytes = (c.nr_memmap_pages - memmap0) * g.page_size;
		node_free(&w, after);
		for (unsigned int nid = 0; nid < w.nr_nodes; nid++) {
			r->dram_used[nid] = (int64_t)before[nid] - (int64_t)w.free_at_add[nid];
			r->dram_after[nid] = (int64_t)after[nid] - (int64_t)before[nid];
		}
		if (r->error) {
			r->added_at_failure = w.add_done;
			r->fail_block = (long)((r->addr + w.add_done) / g.block_size);
		}
		collect_blocks(m, &g, r);
	}
	memhp_set_progress(m, NULL, NULL);
	memhp_machine_destroy(m);
	return ret;
}

/* ---- output ---------------------------------------------------------------- */

static void print_size(FILE *f, uint64_t b)
{
	if (b && !(b % (1ULL << 30)))
		fprintf(f, "%llu GiB", (unsigned long long)(b >> 30));
	else if (b && !(b % (1ULL << 20)))
		fprintf(f, "%llu MiB", (unsigned long long)(b >> 20));
	else if (b && !(b % 1024))
		fprintf(f, "%llu KiB", (unsigned long long)(b >> 10));
	else
		fprintf(f, "%llu B", (unsigned long long)b);
}

static void print_text(FILE *f, const struct plan_machine *pm, const struct plan_device *devs,
		       const struct plan_result *res, size_t n, const struct plan_geometry *geo)
{
	fprintf(f, "machine: %s,", pm->profile ? pm->profile : "x86_64");
	for (unsigned int i = 0; i < pm->nr_nodes; i++) {
		fprintf(f, " node%u ", i);
		if (pm->node_mem[i])
			print_size(f, pm->node_mem[i]);
		else
			fprintf(f, "memory-less");
	}
	fprintf(f, "; block size ");
	print_size(f, geo->block_size);
	fprintf(f, "\ncommand line: %s\n", pm->cmdline ? pm->cmdline : "");
	for (size_t i = 0; i < n; i++) {
		const struct plan_result *r = &res[i];
		uint64_t in_dram = r->memmap_bytes - (r->memmap_bytes ? r->memmap_on_device : 0);

		fprintf(f, "\ndevice %zu: %s ", i + 1, plan_kind_name(devs[i].kind));
		print_size(f, devs[i].size);
		fprintf(f, " on node %d -> %s at %#llx\n", devs[i].node, r->name, (unsigned long long)r->addr);
		fprintf(f, "  blocks     %lu-%lu (%lu)\n", r->first_block, r->last_block,
			r->last_block - r->first_block + 1);
		if (r->error) {
			fprintf(f, "  result     add fails with -%s at block %ld, after ", memhp_strerror(r->error),
				r->fail_block);
			print_size(f, r->added_at_failure);
			fprintf(f, "; rolled back, nothing added\n");
		} else {
			fprintf(f, "  result     added, %lu blocks online\n", r->blocks_online);
		}
		fprintf(f, "  memmap     ");
		print_size(f, r->error ? 0 : r->memmap_bytes);
		if (!r->error && r->memmap_on_device)
			fprintf(f, " on the device (the first pages of each block)");
		if (!r->error && in_dram)
			fprintf(f, " in DRAM");
		fprintf(f, "\n  DRAM taken");
		for (unsigned int nid = 0; nid < pm->nr_nodes; nid++) {
			fprintf(f, " node%u ", nid);
			print_size(f, r->dram_used[nid] > 0 ? (uint64_t)r->dram_used[nid] : 0);
		}
		fprintf(f, "%s\n", r->error ? " (at the failure; all of it given back)" : "");
		if (r->waste_bytes) {
			fprintf(f, "  force      ");
			print_size(f, r->waste_bytes);
			fprintf(f, " (%llu pages) of vmemmap reserve wasted to pageblock alignment\n",
				(unsigned long long)(r->waste_bytes / geo->page_size));
		}
		for (size_t k = 0; k < r->nr_runs; k++)
			fprintf(f, "  zone       %-8s blocks %lu-%lu\n", r->runs[k].zone, r->runs[k].first,
				r->runs[k].last);
	}
}

static void print_json(FILE *f, const struct plan_machine *pm, const struct plan_device *devs,
		       const struct plan_result *res, size_t n, const struct plan_geometry *geo)
{
	struct json j;

	json_init(&j, f, true);
	json_begin_object(&j, NULL);
	json_begin_object(&j, "machine");
	json_string(&j, "profile", pm->profile ? pm->profile : "x86_64");
	json_begin_array(&j, "node_mem");
	for (unsigned int i = 0; i < pm->nr_nodes; i++)
		json_uint(&j, NULL, pm->node_mem[i]);
	json_end_array(&j);
	json_string(&j, "cmdline", pm->cmdline ? pm->cmdline : "");
	json_uint(&j, "block_size", geo->block_size);
	json_end_object(&j);
	json_begin_array(&j, "devices");
	for (size_t i = 0; i < n; i++) {
		const struct plan_result *r = &res[i];

		json_begin_object(&j, NULL);
		json_string(&j, "kind", plan_kind_name(devs[i].kind));
		json_uint(&j, "size", devs[i].size);
		json_int(&j, "node", devs[i].node);
		json_string(&j, "name", r->name);
		json_uint(&j, "addr", r->addr);
		json_string(&j, "result", r->error ? memhp_strerror(r->error) : "ok");
		json_uint(&j, "first_block", r->first_block);
		json_uint(&j, "last_block", r->last_block);
		json_int(&j, "fail_block", r->fail_block);
		json_uint(&j, "added_at_failure", r->added_at_failure);
		json_uint(&j, "memmap_bytes", r->error ? 0 : r->memmap_bytes);
		json_uint(&j, "memmap_on_device", r->error ? 0 : r->memmap_on_device);
		json_uint(&j, "waste_bytes", r->waste_bytes);
		json_uint(&j, "blocks_online", r->blocks_online);
		json_begin_array(&j, "dram_used");
		for (unsigned int nid = 0; nid < pm->nr_nodes; nid++)
			json_int(&j, NULL, r->dram_used[nid]);
		json_end_array(&j);
		json_begin_array(&j, "zones");
		for (size_t k = 0; k < r->nr_runs; k++) {
			json_begin_object(&j, NULL);
			json_string(&j, "zone", r->runs[k].zone);
			json_uint(&j, "first", r->runs[k].first);
			json_uint(&j, "last", r->runs[k].last);
			json_end_object(&j);
		}
		json_end_array(&j);
		json_end_object(&j);
	}
	json_end_array(&j);
	json_end_object(&j);
	fputc('\n', f);
}

/*
 * What the plan cost this host: the peak resident memory of this process
 * (VmHWM of its own address space: not carried over from whoever ran it,
 * as getrusage's maxrss is).
 */
static void print_stats(uint64_t start_ns)
{
	FILE *f = fopen("/proc/self/status", "re");
	unsigned long long hwm_kb = 0;
	char line[128];

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %llu kB", &hwm_kb) == 1)
			break;
	if (f)
		fclose(f);
	fprintf(stderr, "memhpctl plan: %.3f s, peak %llu KiB resident\n", (double)(mono_ns() - start_ns) / 1e9,
		hwm_kb);
}

void plan_print(FILE *f, const struct plan_machine *pm, const struct plan_device *devs,
		const struct plan_result *res, size_t n, const struct plan_geometry *geo, int json)
{
	if (json)
		print_json(f, pm, devs, res, n, geo);
	else
		print_text(f, pm, devs, res, n, geo);
}

struct plan_args {
	struct plan_machine pm;
	struct plan_device devs[16];
	size_t n;
	int json, stats;
};

/* one option (and its value, *used set when it took it); -1 when bad */
static int plan_option(struct plan_args *pa, const char *a, const char *v, int *used)
{
	struct plan_machine *pm = &pa->pm;

	*used = v != NULL;
	if (!strcmp(a, "--json"))
		return (*used = 0, pa->json = 1, 0);
	if (!strcmp(a, "--stats"))
		return (*used = 0, pa->stats = 1, 0);
	if (!v)
		return -1;
	if (!strcmp(a, "--mem")) {
		pm->nr_nodes = 1;
		return scn_parse_size(v, &pm->node_mem[0]) || !pm->node_mem[0] ? -1 : 0;
	}
	if (!strcmp(a, "--numa"))
		return plan_parse_nodes(v, pm) ? -1 : 0;
	if (!strcmp(a, "--cmdline"))
		return (pm->cmdline = v, 0);
	if (!strcmp(a, "--profile"))
		return (pm->profile = v, 0);
	if (!strcmp(a, "--maxmem"))
		return scn_parse_size(v, &pm->maxmem) ? -1 : 0;
	if (!strcmp(a, "--slots"))
		return (pm->slots = (unsigned int)atoi(v), 0);
	if (!strcmp(a, "--memmap-init")) {
		if (strcmp(v, "eager") && strcmp(v, "deferred"))
			return -1;
		return (pm->memmap_init_eager = !strcmp(v, "eager"), 0);
	}
	return -1;
}

/* the options and devices; -1 (said why) when the usage line is due */
static int plan_parse_args(int argc, char **argv, struct plan_args *pa)
{
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int used;

		if (!strncmp(a, "--", 2)) {
			if (plan_option(pa, a, v, &used)) {
				fprintf(stderr, "memhpctl plan: bad argument '%s%s%s'\n", a, v ? " " : "", v ? v : "");
				return -1;
			}
			i += used;
		} else if (pa->n < sizeof(pa->devs) / sizeof(pa->devs[0]) && !plan_parse_device(a, &pa->devs[pa->n])) {
			pa->n++;	/* its node is checked once every option is known */
		} else {
			fprintf(stderr, "memhpctl plan: bad argument '%s'\n", a);
			return -1;
		}
	}
	return pa->n ? 0 : -1;
}

/* a device whose add fails is a failed plan (exit 3); the plan is printed either way */
static int plan_failures(const struct plan_args *pa, const struct plan_result *res)
{
	int ret = 0;

	for (size_t i = 0; i < pa->n; i++) {
		if (res[i].error) {
			fprintf(stderr, "memhpctl plan: device %zu (%s) would fail to add: %s\n", i + 1,
				plan_kind_name(pa->devs[i].kind), memhp_strerror(res[i].error));
			ret = 3;
		}
	}
	return ret;
}

int cmd_plan(int argc, char **argv)
{
	struct plan_args pa = { .pm = { .nr_nodes = 1, .node_mem = { 1ULL << 30 } } };
	struct plan_result *res;
	struct plan_geometry geo;
	uint64_t start_ns = mono_ns();
	char err[256];
	int ret;

	if (plan_parse_args(argc, argv, &pa)) {
		fprintf(stderr, "usage: memhpctl plan [--mem SIZE | --numa S0,S1,...] [--cmdline 'OPTS'] "
				"[--maxmem SIZE] [--slots N] [--profile NAME] [--memmap-init eager|deferred] [--json] "
				"[--stats] dimm|cxl|hmem:SIZE[@NODE]...\n");
		return 2;
	}
	for (size_t i = 0; i < pa.n; i++) {
		if ((unsigned int)pa.devs[i].node >= pa.pm.nr_nodes) {
			fprintf(stderr, "memhpctl plan: device %zu is on node %d, the machine has %u\n", i + 1,
				pa.devs[i].node, pa.pm.nr_nodes);
			return 2;
		}
	}
	res = calloc(pa.n, sizeof(*res));
	if (!res)
		return 1;
	ret = plan_run(&pa.pm, pa.devs, pa.n, res, &geo, NULL, NULL, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "memhpctl plan: %s\n", err);
		free(res);
		return 1;
	}
	plan_print(stdout, &pa.pm, pa.devs, res, pa.n, &geo, pa.json);
	ret = plan_failures(&pa, res);
	free(res);
	if (pa.stats)
		print_stats(start_ns);
	return ret;
}
