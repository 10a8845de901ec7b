// SPDX-License-Identifier: MIT
/*
 * scenario_target.c - where the steps act: the machine in process, or a running memhpd
 * through its control socket (the t_* functions, the only ones that ask).
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "json.h"
#include "memhp/memhp.h"
#include "scenario.h"
#include "scenario_int.h"

/*
 * The target: the machine in process (local_*), or a running memhpd
 * through its control socket (daemon_*).  Everything the runner does to
 * the machine goes through the two method tables at the end of the file;
 * the steps never ask which one they have.
 */
char *remote(struct run *r, const char *fmt, const char *a, const char *b, int *err)
{
	char req[CTL_MAX_LINE], msg[256];
	char *out = NULL;
	int ret;

	snprintf(req, sizeof(req), fmt, a, b);
	ret = ctl_request(r->socket, req, &out, msg, sizeof(msg));
	if (err)
		*err = ret;
	if (ret)
		return NULL;
	return out ? out : xstrdup("");
}

static char *local_read(struct run *r, const char *path)
{
	char *buf;

	return memhp_file_read_alloc(r->m, path, &buf) < 0 ? NULL : buf;
}

static char *daemon_read(struct run *r, const char *path)
{
	return remote(r, "read %s%s", path, "", NULL);
}

/* the oracle's per-write limit: a write still waiting then gets -EINTR */
static ssize_t local_write(struct run *r, const char *path, const char *buf, size_t len)
{
	return memhp_file_write_cancellable(r->m, path, buf, len, NULL,
					    r->write_timeout_ms ? r->write_timeout_ms : WRITE_TIMEOUT_MS_DEFAULT);
}

static ssize_t daemon_write(struct run *r, const char *path, const char *buf, size_t len)
{
	int err;
	char value[4200];
	char *out;

	/* one line per request: the trailing newline, which every sysfs
	 * parser treats as absent, is not sent */
	snprintf(value, sizeof(value), "%.*s", (int)len, buf);
	value[strcspn(value, "\n")] = '\0';
	out = remote(r, "write %s %s", path, value, &err);
	free(out);
	return err ? err : (ssize_t)len;
}

static int local_list(struct run *r, const char *path,
		      int (*fn)(void *arg, const char *name, const struct memhp_stat *st), void *arg)
{
	return memhp_file_list(r->m, path, fn, arg);
}

static int daemon_list(struct run *r, const char *path,
		       int (*fn)(void *arg, const char *name, const struct memhp_stat *st), void *arg)
{
	int err;
	char *out, *save = NULL;

	out = remote(r, "list %s%s", path, "", &err);
	for (char *l = out ? strtok_r(out, "\n", &save) : NULL; l; l = strtok_r(NULL, "\n", &save)) {
		struct memhp_stat st = { .type = l[0] == 'd' ? MEMHP_FT_DIR : l[0] == 'l' ? MEMHP_FT_LINK
											: MEMHP_FT_FILE };

		if (strlen(l) > 2)
			fn(arg, l + 2, &st);
	}
	free(out);
	return err;
}

struct idlist {
	unsigned long *ids;
	size_t n, max;
};

static int collect_block_id(void *arg, const char *name, const struct memhp_stat *st)
{
	struct idlist *l = arg;
	char *end;
	unsigned long id;

	if (st->type != MEMHP_FT_DIR || strncmp(name, "memory", 6))
		return 0;
	id = strtoul(name + 6, &end, 10);
	if (*end || end == name + 6)
		return 0;
	if (l->n < l->max)
		l->ids[l->n] = id;
	l->n++;
	return 0;
}

static int cmp_ulong(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

static size_t local_block_ids(struct run *r, unsigned long *ids, size_t max)
{
	return memhp_block_ids(r->m, ids, max);
}

static size_t daemon_block_ids(struct run *r, unsigned long *ids, size_t max)
{
	struct idlist l = { ids, 0, max };

	daemon_list(r, "/sys/devices/system/memory", collect_block_id, &l);
	if (ids)
		qsort(ids, MIN_SZ(l.n, max), sizeof(*ids), cmp_ulong);
	return l.n;
}

static int local_dimm_add(struct run *r, const char *name, uint64_t size, int node, uint64_t addr,
			  struct memhp_dimm_info *info)
{
	return memhp_dimm_add(r->m, name, size, node, addr, -1, info);
}

static int daemon_dimm_add(struct run *r, const char *name, uint64_t size, int node, uint64_t addr,
			   struct memhp_dimm_info *info)
{
	char args[256], *out;
	int err;

	snprintf(args, sizeof(args), "%llu node=%d", (unsigned long long)size, node);
	if (addr != MEMHP_ADDR_AUTO)
		snprintf(args + strlen(args), sizeof(args) - strlen(args), " addr=%#llx", (unsigned long long)addr);
	out = remote(r, "device add %s %s", name, args, &err);
	if (err)
		return err;
	memset(info, 0, sizeof(*info));
	{
		unsigned long long a = 0;
		char e[32] = "";

		sscanf(out, "addr=%llx blocks=%lu-%lu enabled=%d add_error=%31s", &a, &info->first_block,
		       &info->last_block, &info->enabled, e);
		info->addr = a;
		info->size = size;
		info->node = node;
		info->add_error = info->enabled ? 0 : -ENOMEM;
		if (!strcmp(e, "EINVAL"))
			info->add_error = -EINVAL;
	}
	free(out);
	return 0;
}

/* an eject still offlining after timeout_ms stops there: -EBUSY, rolled back */
static int local_dimm_remove(struct run *r, const char *name, unsigned int timeout_ms)
{
	return memhp_dimm_remove_cancellable(r->m, name, NULL, timeout_ms);
}

/* memhpd's device del has no limit of its own (as its writes) */
static int daemon_dimm_remove(struct run *r, const char *name, unsigned int timeout_ms)
{
	int err;

	free(remote(r, "device del %s%s", name, "", &err));
	return err;
}

static int local_dimm_info(struct run *r, const char *name, struct memhp_dimm_info *info)
{
	return memhp_dimm_info(r->m, name, info);
}

static int daemon_dimm_info(struct run *r, const char *name, struct memhp_dimm_info *info)
{
	unsigned long long a = 0, size = 0;
	char *out, line[160], n[64];
	FILE *f;
	int err, found = 0;

	out = remote(r, "device list%s%s", "", "", &err);
	if (!out)
		return err;
	f = fmemopen(out, strlen(out), "r");
	memset(info, 0, sizeof(*info));
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s addr=%llx size=%llu node=%d blocks=%lu-%lu enabled=%d", n, &a, &size,
			   &info->node, &info->first_block, &info->last_block, &info->enabled) == 7 &&
		    !strcmp(n, name)) {
			info->addr = a;
			info->size = size;
			found = 1;
		}
	if (f)
		fclose(f);
	free(out);
	return found ? 0 : -ENOENT;
}

/* the kernel log lines since the last call */
static void local_log(struct run *r, char *buf, size_t cap)
{
	memhp_log_read(r->m, &r->log_seq, buf, cap);
}

static void daemon_log(struct run *r, char *buf, size_t cap)
{
	char *all;
	size_t n;

	buf[0] = '\0';
	all = remote(r, "dmesg%s%s", "", "", NULL);
	if (!all)
		return;
	n = strlen(all);
	if (n > r->log_seen)
		snprintf(buf, cap, "%s", all + r->log_seen);
	r->log_seen = n;
	free(all);
}

static int local_audit(struct run *r, char *msg, size_t len)
{
	return memhp_audit(r->m, msg, len);
}

static int daemon_audit(struct run *r, char *msg, size_t len)
{
	int err;

	free(remote(r, "audit%s%s", "", "", &err));
	if (err)
		snprintf(msg, len, "memhpd's audit failed");
	return err;
}

static int local_kpf(struct run *r, unsigned long block, unsigned long *start, unsigned long *nr,
		     unsigned long *noflags, unsigned long count[64])
{
	return memhp_block_kpageflags(r->m, block, start, nr, noflags, count);
}

/* memhpd sums them up: "start_pfn S", "nr N", "noflags Z", "BIT COUNT"... */
static int daemon_kpf(struct run *r, unsigned long block, unsigned long *start, unsigned long *nr,
		      unsigned long *noflags, unsigned long count[64])
{
	char id[32], *out;
	unsigned long b, c;
	int err;

	snprintf(id, sizeof(id), "%lu", block);
	out = remote(r, "kpf %s%s", id, "", &err);
	memset(count, 0, 64 * sizeof(count[0]));
	if (!out)
		return err ? err : -EIO;
	if (sscanf(out, "start_pfn %lu nr %lu noflags %lu", start, nr, noflags) != 3)
		err = -EPROTO;
	for (const char *l = out; !err && l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (sscanf(l, "%lu %lu", &b, &c) == 2 && b < 64)
			count[b] = c;
	free(out);
	return err;
}

/* ---- memory users ---------------------------------------------------------- */

/*
 * The page tables a fresh mapping of that many pages needs: a PTE page
 * per page_size / 8 pages and a PMD page per that squared (x86-64 and
 * arm64 alike), allocated as the process faults (__pte_alloc: the
 * kernel's own unmovable pages, GFP_PGTABLE_USER, from the kernel zones
 * of the CPU's node - node 0, where run-scenario puts every CPU) and
 * freed at its exit.  They come before the mapping's pages, as each
 * range's table comes before its first fault: memhp_region_alloc takes
 * the pages at once.
 */
static size_t mapping_page_tables(const struct run *r, size_t pages)
{
	size_t per = r->geo.page_size / 8;

	return (pages + per - 1) / per + (pages + per * per - 1) / (per * per);
}

/*
 * The vmstat periods the runner placed among a hog's pages (hog_periods,
 * on the recorded clock) that end before page i of n: run them now.
 */
static void hog_periods_before(struct run *r, size_t i, size_t n)
{
	while (r->hog_periods_done < r->nr_hog_periods &&
	       (size_t)(r->hog_periods[r->hog_periods_done] * (double)n) <= i) {
		memhp_vmstat_update(r->m);
		r->hog_periods_done++;
	}
}

/*
 * Up to n of the kernel's own order-0 pages, unmovable, into h->pfns:
 * a pipe's buffers, one page each, or a mapping's page tables.  With
 * periods, the vmstat periods the runner placed among them run between
 * the pages they fall between (a pipe's writes take time; page tables
 * come at once, before the mapping's first fault).
 */
static void local_kernel_pages(struct run *r, struct hog *h, size_t n, bool periods)
{
	h->pfns = calloc(n, sizeof(*h->pfns));
	for (size_t i = 0; h->pfns && i < n; i++) {
		long pfn;

		if (periods)
			hog_periods_before(r, i, n);
		pfn = memhp_alloc_pages(r->m, 0, 0);
		if (pfn < 0)
			break;
		h->pfns[h->nr_pfns++] = pfn;
	}
	if (periods)
		hog_periods_before(r, n, n);
}

static void local_kernel_pages_free(struct run *r, struct hog *h)
{
	for (size_t i = 0; i < h->nr_pfns; i++)
		memhp_free_pages(r->m, (unsigned long)h->pfns[i], 0);
	free(h->pfns);
	h->pfns = NULL;
	h->nr_pfns = 0;
}

static void local_hog_free(struct run *r, struct hog *h);

/*
 * The process's mapping, faulted in order: memhp_region_alloc takes a
 * region's pages at once, so a period among them (hog_periods) splits
 * the mapping into parts, each allocated after the periods before it.
 * Every page is then touched.  -ENOMEM when a part could not be had.
 */
static int local_map_pages(struct run *r, struct hog *h, size_t pages, unsigned int flags)
{
	size_t done = 0, upto;

	for (int j = 0; j <= r->nr_hog_periods; j++) {
		upto = j < r->nr_hog_periods ? (size_t)(r->hog_periods[j] * (double)pages) : pages;
		upto = upto > pages ? pages : upto;
		if (upto > done) {
			if (memhp_region_alloc(r->m, upto - done, 0, flags, &h->parts[h->nr_parts]))
				break;
			memset(memhp_region_addr(h->parts[h->nr_parts]), 0x5a, (upto - done) * r->geo.page_size);
			h->part_start[h->nr_parts++] = done;
			done = upto;
		}
		hog_periods_before(r, done, pages);
	}
	h->region = h->nr_parts ? h->parts[0] : NULL;
	/* a failed part ends the process: the periods it spanned still end */
	hog_periods_before(r, pages, pages);
	return done == pages ? 0 : -ENOMEM;
}

static void local_lookup_new(struct run *r, unsigned int nr)
{
	memhp_sysfs_lookup_new(r->m, -1, nr);	/* -ENOMEM: the guest's lookups fail, nothing else */
}

static int local_hog(struct run *r, struct hog *h, enum hog_kind kind, size_t pages)
{
	if (kind == HOG_PIPE) {
		local_kernel_pages(r, h, pages, true);
		h->nr = h->nr_pfns;
		return 0;
	}
	if (h->page_tables)
		local_kernel_pages(r, h, mapping_page_tables(r, pages), false);
	if (local_map_pages(r, h, pages, kind == HOG_MLOCK ? MEMHP_REGION_MLOCK : 0)) {
		/* the process dies of it: its mapping and page tables go with it */
		local_hog_free(r, h);
		return 0;
	}
	h->nr = pages;
	return 0;
}

/* memhpd's users are movable memory, touched; it has no pipe buffers, and
 * its hogs no page tables (the kernel's own pages are the machine's alone) */
static void daemon_seconds(struct run *r, int n);

static int daemon_hog(struct run *r, struct hog *h, enum hog_kind kind, size_t pages)
{
	char size[32];
	int err;

	/* memhpd's hog faults in one piece: the periods in it run first */
	if (r->hog_periods_done < r->nr_hog_periods)
		daemon_seconds(r, r->nr_hog_periods - r->hog_periods_done);
	r->hog_periods_done = r->nr_hog_periods;

	if (kind == HOG_PIPE)
		return -EOPNOTSUPP;
	snprintf(size, sizeof(size), "%zu", pages * (size_t)r->geo.page_size);
	free(remote(r, "hog %s %s", h->name, size, &err));
	if (!err)
		h->nr = pages;
	return 0;
}

/*
 * The process's exit unmaps its mapping in address order (zap_pte_range:
 * part by part, each from its first page), the periods the runner placed
 * among the frees (hog_periods) between them: a part a period falls in
 * is split there (split_vma's way), its head freed first.
 */
static void local_unmap_pages(struct run *r, struct hog *h)
{
	size_t total = h->nr ? h->nr : 1;

	for (int p = 0; p < h->nr_parts; p++) {
		struct memhp_region *part = h->parts[p], *tail;
		size_t at = h->part_start[p], n = memhp_region_pages(part), b;

		hog_periods_before(r, at, total);
		while (r->hog_periods_done < r->nr_hog_periods &&
		       (b = (size_t)(r->hog_periods[r->hog_periods_done] * (double)total)) < at + n &&
		       !memhp_region_split(part, b - at, &tail)) {
			memhp_region_free(part);
			part = tail;
			n -= b - at;
			at = b;
			hog_periods_before(r, at, total);
		}
		memhp_region_free(part);
	}
	hog_periods_before(r, total, total);
	h->nr_parts = 0;
	h->region = NULL;
}

static void local_hog_free(struct run *r, struct hog *h)
{
	local_unmap_pages(r, h);
	/* free_pgtables: after the mapping's pages */
	local_kernel_pages_free(r, h);
}

static void local_seconds(struct run *r, int n)
{
	while (n-- > 0)
		memhp_vmstat_update(r->m);
}

static void daemon_seconds(struct run *r, int n)
{
	char count[16];

	snprintf(count, sizeof(count), "%d", n);
	free(remote(r, "vmstat-update %s%s", count, "", NULL));
}

static void daemon_hog_free(struct run *r, struct hog *h)
{
	int err = 0;

	if (!h->nr)
		return;
	free(remote(r, "kill %s%s", h->name, "", &err));
	/* its pages stay in use: every later figure would be off, so say so */
	if (err)
		fprintf(stderr, "memhpctl run: memhpd did not free %s: %s\n", h->name, strerror(-err));
}

/* the pfn page i of a hog is in now */
static unsigned long hog_pfn(const struct hog *h, size_t i)
{
	int p = h->nr_parts - 1;

	if (!h->region)
		return (unsigned long)h->pfns[i];
	while (p > 0 && h->part_start[p] > i)
		p--;
	return (unsigned long)memhp_region_pfn(h->parts[p], i - h->part_start[p]);
}

/* count[b]: the hog's pages in block b, for b < *nblocks (count: calloc'ed) */
static unsigned long *local_where(struct run *r, struct hog *h, unsigned long *nblocks)
{
	unsigned long pages_per_block = (unsigned long)(r->geo.block_size / r->geo.page_size);
	unsigned long *count;

	*nblocks = 0;
	/*
	 * pagemap sees what the process maps: a pipe's buffers are the
	 * kernel's pages, referenced by the pipe, never mapped, so a pipe
	 * hog shows none of them (the guest's memtool: its own pages only).
	 */
	if (!h->region)
		return calloc(1, sizeof(unsigned long));
	for (size_t i = 0; i < h->nr; i++)
		*nblocks = MAX_UL(*nblocks, hog_pfn(h, i) / pages_per_block + 1);
	count = calloc(*nblocks + 1, sizeof(*count));
	for (size_t i = 0; count && i < h->nr; i++)
		count[hog_pfn(h, i) / pages_per_block]++;
	return count;
}

/* memhpd answers "BLOCK COUNT" runs: sized by a first pass, added up by a second */
static unsigned long *daemon_where(struct run *r, struct hog *h, unsigned long *nblocks)
{
	char *out = remote(r, "where %s%s", h->name, "", NULL);
	unsigned long b, c, *count = NULL;

	*nblocks = 0;
	for (int pass = 0; pass < 2; pass++) {
		for (const char *l = out; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
			if (sscanf(l, "%lu %lu", &b, &c) != 2)
				continue;
			if (!pass)
				*nblocks = MAX_UL(*nblocks, b + 1);
			else if (count)
				count[b] += c;
		}
		if (!pass)
			count = calloc(*nblocks + 1, sizeof(*count));
	}
	free(out);
	return count;
}

static const char *const dax_kinds[] = { "cxl", "hmem", "pmem" };

static int local_dax_region(struct run *r, int kind, uint64_t size, int node, struct memhp_dax_info *info)
{
	return memhp_dax_region_create(r->m, (enum memhp_dax_kind)kind, size, node, 0, MEMHP_ADDR_AUTO, -1, info);
}

static int daemon_dax_region(struct run *r, int kind, uint64_t size, int node, struct memhp_dax_info *info)
{
	char args[96], *reply, *dev;
	int ret;

	snprintf(args, sizeof(args), "%s %llu node=%d", dax_kinds[kind], (unsigned long long)size, node);
	reply = remote(r, "dax create %s%s", args, "", &ret);
	dev = reply ? strstr(reply, "dev=") : NULL;
	snprintf(info->dev, sizeof(info->dev), "%.*s", dev ? (int)strcspn(dev + 4, " \n") : 0, dev ? dev + 4 : "");
	free(reply);
	return ret;
}

static void local_close(struct run *r)
{
	memhp_machine_destroy(r->m);
	r->m = NULL;
}

static void daemon_close(struct run *r)
{
	(void)r;	/* the daemon's machine is its own */
}

const struct target_ops local_target = {
	.engine = "memhp",
	.write_times_out = true,
	.read = local_read,
	.write = local_write,
	.list = local_list,
	.block_ids = local_block_ids,
	.dimm_add = local_dimm_add,
	.dimm_remove = local_dimm_remove,
	.dimm_info = local_dimm_info,
	.log = local_log,
	.audit = local_audit,
	.kpf = local_kpf,
	.lookup_new = local_lookup_new,
	.hog = local_hog,
	.hog_free = local_hog_free,
	.seconds = local_seconds,
	.where = local_where,
	.dax_region = local_dax_region,
	.close = local_close,
};

const struct target_ops daemon_target = {
	.engine = "memhpd",
	.write_times_out = false,
	.read = daemon_read,
	.write = daemon_write,
	.list = daemon_list,
	.block_ids = daemon_block_ids,
	.dimm_add = daemon_dimm_add,
	.dimm_remove = daemon_dimm_remove,
	.dimm_info = daemon_dimm_info,
	.log = daemon_log,
	.audit = daemon_audit,
	.kpf = daemon_kpf,
	.hog = daemon_hog,
	.hog_free = daemon_hog_free,
	.seconds = daemon_seconds,
	.where = daemon_where,
	.dax_region = daemon_dax_region,
	.close = daemon_close,
};
