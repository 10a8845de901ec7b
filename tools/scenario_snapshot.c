// SPDX-License-Identifier: MIT
/*
 * scenario_snapshot.c - the snapshot after boot and after every step, in the oracle's
 * JSON schema (read from the kernel's files as snap.sh reads them), and
 * the text mode's account of what changed.
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

char *read_kfile(struct run *r, const char *path)
{
	return t_read(r, path);
}

void strip_nl(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n'))
		s[--n] = '\0';
}

void json_file_string(struct run *r, const char *key, const char *path)
{
	char *v = read_kfile(r, path);

	if (v)
		strip_nl(v);
	json_string(&r->j, key, v);
	free(v);
}

void json_lines(struct json *j, const char *key, const char *text)
{
	const char *p = text ? text : "";

	json_begin_array(j, key);
	while (*p) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char line[512];

		snprintf(line, sizeof(line), "%.*s", (int)n, p);
		json_string(j, NULL, line);
		p += n + (e ? 1 : 0);
	}
	json_end_array(j);
}

/* "Key:   123 kB" lines; also "Node N Key: 123 kB" with a prefix to skip */
static void json_kb_file(struct json *j, const char *key, const char *text, int skip_words)
{
	const char *p = text ? text : "";

	json_begin_object(j, key);
	while (*p) {
		char line[256], name[64];
		long long v;
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char *q = line;

		snprintf(line, sizeof(line), "%.*s", (int)n, p);
		p += n + (e ? 1 : 0);
		for (int w = 0; w < skip_words; w++) {
			q += strspn(q, " ");
			q += strcspn(q, " ");
		}
		if (sscanf(q, " %63[^:]: %lld", name, &v) == 2)
			json_int(j, name, v);
	}
	json_end_object(j);
}

struct zrec {
	int node;
	char zone[16];
	long long v[11];	/* free boost min low high promo spanned present managed cma start */
	long long pcp[3];	/* the pagesets' count and high summed over the CPUs, the last one's batch */
	bool has_start;
	long long prot[8];
	int nprot;
};

static const char *const zkeys[] = {
	"free", "boost", "min", "low", "high", "promo", "spanned", "present", "managed", "cma",
};
static const char *const pcp_keys[] = { "count:", "high:", "batch:" };
static const char *const pcp_json[] = { "pcp_count", "pcp_high", "pcp_batch" };

static void json_zones(struct run *r)
{
	char *text = read_kfile(r, "/proc/zoneinfo");
	char *save = NULL, *line;
	struct zrec z;
	bool open = false;

	json_begin_array(&r->j, "zones");
	for (line = strtok_r(text ? text : (char[]){ 0 }, "\n", &save); ; line = strtok_r(NULL, "\n", &save)) {
		int node;
		char zone[16], *p;
		long long v;

		if (!line || sscanf(line, "Node %d, zone %15s", &node, zone) == 2) {
			if (open) {
				json_begin_object(&r->j, NULL);
				json_int(&r->j, "node", z.node);
				json_string(&r->j, "zone", z.zone);
				for (int i = 0; i < 10; i++)
					json_int(&r->j, zkeys[i], z.v[i]);
				json_begin_array(&r->j, "protection");
				for (int i = 0; i < z.nprot; i++)
					json_int(&r->j, NULL, z.prot[i]);
				json_end_array(&r->j);
				if (z.has_start)
					json_int(&r->j, "start_pfn", z.v[10]);
				for (int i = 0; i < 3; i++)
					json_int(&r->j, pcp_json[i], z.pcp[i]);
				json_end_object(&r->j);
			}
			if (!line)
				break;
			memset(&z, 0, sizeof(z));
			z.node = node;
			snprintf(z.zone, sizeof(z.zone), "%s", zone);
			open = true;
			continue;
		}
		p = line + strspn(line, " ");
		if (!strncmp(p, "pages free", 10) && sscanf(p + 10, "%lld", &v) == 1) {
			z.v[0] = v;
		} else if (!strncmp(p, "protection: (", 13)) {
			char *q = p + 13;

			while (z.nprot < 8 && sscanf(q, "%lld", &v) == 1) {
				z.prot[z.nprot++] = v;
				q = strchr(q, ',');
				if (!q)
					break;
				q++;
			}
		} else if (!strncmp(p, "start_pfn:", 10) && sscanf(p + 10, "%lld", &v) == 1) {
			z.v[10] = v;
			z.has_start = true;
		} else {
			char key[32];

			if (sscanf(p, "%31s %lld", key, &v) == 2) {
				for (int i = 1; i < 10; i++)
					if (!strcmp(key, zkeys[i]))
						z.v[i] = v;
				/*
				 * as the oracle's recordings do: every CPU's
				 * batch is the zone's one, not a sum
				 */
				for (int i = 0; i < 3; i++)
					if (!strcmp(key, pcp_keys[i]))
						z.pcp[i] = i == 2 ? v : z.pcp[i] + v;
			}
		}
	}
	json_end_array(&r->j);
	free(text);
}

static void json_vmstat(struct run *r)
{
	char *text = read_kfile(r, "/proc/vmstat");
	char *save = NULL;

	json_begin_object(&r->j, "vmstat");
	for (char *line = strtok_r(text ? text : (char[]){ 0 }, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char key[64];
		long long v;

		if (sscanf(line, "%63s %lld", key, &v) == 2)
			json_int(&r->j, key, v);
	}
	json_end_object(&r->j);
	free(text);
}

/* up to 8 entries of a directory whose names start with a prefix */
struct names {
	char list[8][32];
	int n;
	const char *prefix;
	int type;		/* an enum memhp_file_type, or -1 for any */
};

static int collect_names(void *arg, const char *name, const struct memhp_stat *st)
{
	struct names *nm = arg;

	if ((nm->type < 0 || (int)st->type == nm->type) &&
	    !strncmp(name, nm->prefix, strlen(nm->prefix)) && nm->n < 8)
		snprintf(nm->list[nm->n++], sizeof(nm->list[0]), "%s", name);
	return 0;
}

static void list_names(struct run *r, const char *dir, const char *prefix, int type, struct names *nm)
{
	nm->n = 0;
	nm->prefix = prefix;
	nm->type = type;
	t_list(r, dir, collect_names, nm);
}

/*
 * snap.sh's loop looks each block up: `[ -d memoryN ]`, its six files and
 * its node link - 8 sysfs entries, whose dentries and inodes the guest's
 * kernel allocates at a block's first lookup (reclaimable slab: where a
 * hot-added zone gets its first Reclaimable pageblock, right after the
 * pagetypeinfo this snapshot has printed).  A block the last snapshot did
 * not read is new; ids come ascending.
 */
#define SNAP_ENTRIES_PER_BLOCK 8

static void look_up_new_blocks(struct run *r, const unsigned long *ids, size_t n)
{
	unsigned long *copy = malloc((n + 1) * sizeof(*copy));
	size_t fresh = 0, j = 0;

	for (size_t i = 0; i < n; i++) {
		while (j < r->nr_looked_up && r->looked_up[j] < ids[i])
			j++;
		fresh += j == r->nr_looked_up || r->looked_up[j] != ids[i];
	}
	if (fresh && r->t->lookup_new)
		r->t->lookup_new(r, (unsigned int)(fresh * SNAP_ENTRIES_PER_BLOCK));
	if (!copy)
		return;		/* the next snapshot counts them again */
	memcpy(copy, ids, n * sizeof(*copy));
	free(r->looked_up);
	r->looked_up = copy;
	r->nr_looked_up = n;
}

static void json_blocks(struct run *r)
{
	static const char *const attrs[] = { "state", "online", "phys_index", "valid_zones",
					     "removable", "phys_device" };
	size_t n = t_block_ids(r, NULL, 0);
	unsigned long *ids = calloc(n + 1, sizeof(*ids));

	n = t_block_ids(r, ids, n);
	look_up_new_blocks(r, ids, n);
	json_begin_object(&r->j, "memory");
	json_file_string(r, "block_size_bytes", "/sys/devices/system/memory/block_size_bytes");
	json_file_string(r, "auto_online_blocks", "/sys/devices/system/memory/auto_online_blocks");
	json_begin_object(&r->j, "blocks");
	for (size_t i = 0; i < n; i++) {
		char key[32], path[128];
		struct names nm;

		snprintf(key, sizeof(key), "%lu", ids[i]);
		json_begin_object(&r->j, key);
		for (size_t a = 0; a < sizeof(attrs) / sizeof(attrs[0]); a++) {
			snprintf(path, sizeof(path), "/sys/devices/system/memory/memory%lu/%s", ids[i], attrs[a]);
			json_file_string(r, attrs[a], path);
		}
		snprintf(path, sizeof(path), "/sys/devices/system/memory/memory%lu", ids[i]);
		list_names(r, path, "node", MEMHP_FT_LINK, &nm);
		json_begin_array(&r->j, "nodes");
		for (int k = 0; k < nm.n; k++)
			json_string(&r->j, NULL, nm.list[k]);
		json_end_array(&r->j);
		json_end_object(&r->j);
	}
	json_end_object(&r->j);
	json_end_object(&r->j);
	free(ids);
}

/* the driver a dax device is bound to: the driver directory linking it */
static const char *dax_driver(struct run *r, const char *dev)
{
	static const char *const drivers[] = { "device_dax", "kmem" };

	for (size_t i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++) {
		struct names nm;
		char path[96];

		snprintf(path, sizeof(path), "/sys/bus/dax/drivers/%s", drivers[i]);
		list_names(r, path, "dax", -1, &nm);
		for (int k = 0; k < nm.n; k++)
			if (!strcmp(nm.list[k], dev))
				return drivers[i];
	}
	return "-";
}

/* like snap.sh: each dax device's attributes, '-' for what it lacks */
static void json_dax(struct run *r)
{
	static const char *const attrs[] = { "size", "target_node", "align", "memmap_on_memory",
					     "resource", "numa_node" };
	struct names nm;

	list_names(r, "/sys/bus/dax/devices", "dax", -1, &nm);
	json_begin_object(&r->j, "dax");
	for (int k = 0; k < nm.n; k++) {
		json_begin_object(&r->j, nm.list[k]);
		for (size_t a = 0; a < sizeof(attrs) / sizeof(attrs[0]); a++) {
			char path[128], *v;

			snprintf(path, sizeof(path), "/sys/bus/dax/devices/%s/%s", nm.list[k], attrs[a]);
			v = read_kfile(r, path);
			if (v) {
				*strchrnul(v, '\n') = '\0';	/* read -r v: the first line */
				json_string(&r->j, attrs[a], v);
				free(v);
			} else {
				json_string(&r->j, attrs[a], "-");
			}
		}
		json_string(&r->j, "driver", dax_driver(r, nm.list[k]));
		json_end_object(&r->j);
	}
	json_end_object(&r->j);
}

void snapshot(struct run *r)
{
	static const char *const params[] = { "auto_movable_numa_aware", "auto_movable_ratio",
					      "memmap_on_memory", "online_policy" };
	static const char *const masks[] = { "possible", "online", "has_cpu", "has_memory",
					     "has_normal_memory", "has_generic_initiator" };
	struct names nodes;
	char path[256], *text;
	size_t cap = 1 << 20;
	char *log = malloc(cap);

	json_begin_object(&r->j, "snapshot");
	text = read_kfile(r, "/proc/meminfo");
	json_kb_file(&r->j, "meminfo", text, 0);
	free(text);
	json_zones(r);
	json_vmstat(r);
	text = read_kfile(r, "/proc/buddyinfo");
	json_lines(&r->j, "buddyinfo", text);
	free(text);
	text = read_kfile(r, "/proc/pagetypeinfo");
	json_lines(&r->j, "pagetypeinfo", text);
	free(text);
	json_blocks(r);
	json_begin_object(&r->j, "params");
	for (size_t i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "/sys/module/memory_hotplug/parameters/%s", params[i]);
		json_file_string(r, params[i], path);
	}
	json_end_object(&r->j);
	json_begin_object(&r->j, "nodes");
	for (size_t i = 0; i < 6; i++) {
		snprintf(path, sizeof(path), "/sys/devices/system/node/%s", masks[i]);
		json_file_string(r, masks[i], path);
	}
	json_end_object(&r->j);
	list_names(r, "/sys/devices/system/node", "node", MEMHP_FT_DIR, &nodes);
	json_begin_object(&r->j, "node_meminfo");
	for (int i = 0; i < nodes.n; i++) {
		snprintf(path, sizeof(path), "/sys/devices/system/node/%s/meminfo", nodes.list[i]);
		text = read_kfile(r, path);
		json_kb_file(&r->j, nodes.list[i] + 4, text, 2);
		free(text);
	}
	json_end_object(&r->j);
	text = read_kfile(r, "/proc/iomem");
	json_lines(&r->j, "iomem", text);
	free(text);
	json_dax(r);
	if (log) {
		t_log(r, log, cap);
		json_lines(&r->j, "dmesg", log);
		free(log);
	}
	json_end_object(&r->j);
}

/* ---- text mode: what changed, step by step --------------------------- */

char *block_lines(struct run *r)
{
	size_t n = t_block_ids(r, NULL, 0), len = 0;
	unsigned long *ids = calloc(n + 1, sizeof(*ids));
	char *out = calloc(n + 1, 96);

	n = t_block_ids(r, ids, n);
	look_up_new_blocks(r, ids, n);	/* the text runs' machine is the JSON runs' */
	for (size_t i = 0; i < n && out; i++) {
		char p[128], st[32] = "", vz[64] = "";

		char *v;

		snprintf(p, sizeof(p), "/sys/devices/system/memory/memory%lu/state", ids[i]);
		v = t_read(r, p);
		snprintf(st, sizeof(st), "%s", v ? v : "?");
		free(v);
		snprintf(p, sizeof(p), "/sys/devices/system/memory/memory%lu/valid_zones", ids[i]);
		v = t_read(r, p);
		snprintf(vz, sizeof(vz), "%s", v ? v : "?");
		free(v);
		strip_nl(st);
		strip_nl(vz);
		len += (size_t)sprintf(out + len, "%lu %s %s\n", ids[i], st, vz);
	}
	free(ids);
	return out;
}

void text_mark(struct run *r)
{
	if (r->m) {
		r->nr_prev_zones = memhp_zones(r->m, r->prev_zones, MEMHP_MAX_NODES * 5);
		memhp_counters(r->m, &r->prev_c);
	}
	free(r->prev_blocks);
	r->prev_blocks = block_lines(r);
}

static void print_block_range(FILE *out, unsigned long first, unsigned long last, const char *what)
{
	if (first == last)
		fprintf(out, "    memory%lu: %s\n", first, what);
	else
		fprintf(out, "    memory%lu-%lu: %s\n", first, last, what);
}

void text_delta(struct run *r)
{
	struct memhp_zone_info z[MEMHP_MAX_NODES * 5];
	size_t n = r->m ? memhp_zones(r->m, z, MEMHP_MAX_NODES * 5) : 0;
	struct memhp_counters c = r->prev_c;
	char *blocks = block_lines(r);
	unsigned long kb = (unsigned long)(r->geo.page_size >> 10);

	if (r->m)
		memhp_counters(r->m, &c);
	if (c.totalram_pages != r->prev_c.totalram_pages)
		fprintf(r->out, "  MemTotal %+ld kB\n",
			((long)c.totalram_pages - (long)r->prev_c.totalram_pages) * (long)kb);
	if (c.nr_memmap_pages != r->prev_c.nr_memmap_pages)
		fprintf(r->out, "  nr_memmap_pages %lu -> %lu\n", r->prev_c.nr_memmap_pages, c.nr_memmap_pages);
	for (size_t i = 0; i < n && i < r->nr_prev_zones; i++) {
		const struct memhp_zone_info *a = &r->prev_zones[i], *b = &z[i];

		if (a->spanned == b->spanned && a->present == b->present && a->managed == b->managed &&
		    a->start_pfn == b->start_pfn)
			continue;
		fprintf(r->out, "  zone %d:%s: spanned %+ld present %+ld managed %+ld start_pfn %lu\n",
			b->nid, b->name, (long)b->spanned - (long)a->spanned,
			(long)b->present - (long)a->present, (long)b->managed - (long)a->managed,
			b->start_pfn);
	}
	/* block lines that differ, consecutive ids with the same text merged */
	{
		unsigned long first = 0, last = 0;
		char what[128] = "";
		bool open = false;

		for (char *line = blocks; line && *line;) {
			char *e = strchr(line, '\n');
			size_t len = e ? (size_t)(e - line) + 1 : strlen(line);
			char one[128], rest[128] = "";
			unsigned long id;

			snprintf(one, sizeof(one), "%.*s", (int)len, line);
			line += len;
			if (r->prev_blocks && strstr(r->prev_blocks, one))
				continue;
			if (sscanf(one, "%lu %127[^\n]", &id, rest) < 1)
				continue;
			if (open && id == last + 1 && !strcmp(rest, what)) {
				last = id;
				continue;
			}
			if (open)
				print_block_range(r->out, first, last, what);
			first = last = id;
			snprintf(what, sizeof(what), "%s", rest);
			open = true;
		}
		if (open)
			print_block_range(r->out, first, last, what);
	}
	free(blocks);
	text_mark(r);
}

/* ---- steps ---------------------------------------------------------------- */
