// SPDX-License-Identifier: MIT
/*
 * scenario.c - the oracle's scenario language (../shared/oracle/README.md)
 * executed on a memhp machine, with a snapshot after boot and after every
 * step in the oracle's JSON schema, so that `compare` can hold a memhp run
 * against the real kernel's run of the same file.
 *
 * Machine directives build the machine the way run-scenario builds the
 * QEMU guest: `mem`, `numa`, `slots`, `maxmem`, `append` (kernel command
 * line; options given to the runner come after them), and `arch` (memhp's
 * own).  Steps act through the same interfaces the guest uses: `hotadd` and
 * `remove` are QEMU + ACPI (memhp_dimm_add/remove), writes go through the
 * kernel's files with the value followed by a newline in one write(2),
 * exactly as the guest's memtool does.  A verb memhp cannot honour yet is
 * reported as skipped in the step's action, never silently ignored.
 *
 * The snapshot is taken like the guest's snap.sh: by reading the files
 * (/proc/meminfo, /proc/zoneinfo, /proc/vmstat, every memoryN attribute,
 * the module parameters, the node masks, /proc/iomem) and parsing them, so
 * that the text formats are exercised on every step.
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

static char *xstrdup(const char *s)
{
	char *d = strdup(s ? s : "");

	if (!d) {
		perror("strdup");
		exit(1);
	}
	return d;
}

static void append_str(char **dst, const char *sep, const char *s)
{
	size_t a = *dst ? strlen(*dst) : 0, b = strlen(sep), c = strlen(s);
	char *n = realloc(*dst, a + b + c + 1);

	if (!n) {
		perror("realloc");
		exit(1);
	}
	if (a) {
		memcpy(n + a, sep, b);
		a += b;
	}
	memcpy(n + a, s, c + 1);
	*dst = n;
}

/* shlex.split, enough of it: whitespace, '...', "...", backslash */
static int split_words(char *line, char **argv, int max)
{
	int argc = 0;
	char *r = line, *w = line;

	while (*r) {
		char quote = 0;

		while (isspace((unsigned char)*r))
			r++;
		if (!*r)
			break;
		if (argc == max)
			return -1;
		argv[argc++] = w;
		while (*r && (quote || !isspace((unsigned char)*r))) {
			if (!quote && (*r == '\'' || *r == '"')) {
				quote = *r++;
			} else if (quote && *r == quote) {
				quote = 0;
				r++;
			} else if (*r == '\\' && quote != '\'' && r[1]) {
				*w++ = r[1];
				r += 2;
			} else {
				*w++ = *r++;
			}
		}
		if (*r)
			r++;
		*w++ = '\0';
	}
	return argc;
}

/* the one size syntax of memhp: the kernel's memparse (memhp_parse_size) */
int scn_parse_size(const char *s, uint64_t *out)
{
	return memhp_parse_size(s, out) ? -1 : 0;
}

static const char *const machine_directives[] = {
	"description", "mem", "slots", "maxmem", "numa", "coldplug", "nvdimm", "append",
	"modules", "qemu", "smp", "machine", "kernel", "timeout", "arch",
};

static bool is_machine_directive(const char *verb)
{
	for (size_t i = 0; i < sizeof(machine_directives) / sizeof(machine_directives[0]); i++)
		if (!strcmp(verb, machine_directives[i]))
			return true;
	return false;
}

/*
 * coldplug NAME SIZE [node=N]: a pc-dimm on QEMU's command line;
 * nvdimm NAME SIZE [node=N]: an nvdimm (label-less: other k=v are refused)
 */
static int load_boot_device(const char *verb, struct memhp_coldplug *list, unsigned int *nr, char **argv,
			    int argc, char *err, size_t errlen)
{
	struct memhp_coldplug *c = &list[*nr];
	char *end;

	if (argc < 2 || argc > 3 || *nr == SCN_MAX_COLDPLUG) {
		snprintf(err, errlen, "%s: want NAME SIZE [node=N], at most %d", verb, SCN_MAX_COLDPLUG);
		return -1;
	}
	if (scn_parse_size(argv[1], &c->size) || !c->size) {
		snprintf(err, errlen, "%s: bad size %s", verb, argv[1]);
		return -1;
	}
	c->node = 0;
	if (argc == 3) {
		long n = strncmp(argv[2], "node=", 5) ? -1 : strtol(argv[2] + 5, &end, 10);

		if (n < 0 || n >= MEMHP_MAX_NODES || *end) {
			snprintf(err, errlen, "%s: bad %s (want node=N)", verb, argv[2]);
			return -1;
		}
		c->node = (int)n;
	}
	c->name = xstrdup(argv[0]);
	(*nr)++;
	return 0;
}

static int load_directive(struct scenario *s, char *verb, char *rest, char **argv, int argc,
			  char *err, size_t errlen)
{
	if (!strcmp(verb, "description")) {
		append_str(&s->description, "\n", rest);
	} else if (!strcmp(verb, "mem") || !strcmp(verb, "maxmem")) {
		uint64_t v;

		if (argc != 1 || scn_parse_size(argv[0], &v) || !v) {
			snprintf(err, errlen, "%s: bad size", verb);
			return -1;
		}
		*(!strcmp(verb, "mem") ? &s->mem : &s->maxmem) = v;
	} else if (!strcmp(verb, "slots")) {
		if (argc != 1 || atoi(argv[0]) <= 0) {
			snprintf(err, errlen, "slots: bad count");
			return -1;
		}
		s->slots = (unsigned int)atoi(argv[0]);
	} else if (!strcmp(verb, "numa")) {
		if (argc < 1 || argc > 16) {
			snprintf(err, errlen, "numa: 1 to 16 arguments");
			return -1;
		}
		if (argc == 1 && !strpbrk(argv[0], "KMGTkmgt")) {
			s->numa = (unsigned int)atoi(argv[0]);
			if (!s->numa || s->numa > 16) {
				snprintf(err, errlen, "numa: bad node count");
				return -1;
			}
		} else {
			s->numa = (unsigned int)argc;
			s->explicit_node_mem = true;
			for (int i = 0; i < argc; i++) {
				if (!strcmp(argv[i], "0")) {
					s->node_mem[i] = 0;
				} else if (scn_parse_size(argv[i], &s->node_mem[i])) {
					snprintf(err, errlen, "numa: bad size %s", argv[i]);
					return -1;
				}
			}
		}
	} else if (!strcmp(verb, "coldplug")) {
		return load_boot_device(verb, s->coldplug, &s->nr_coldplug, argv, argc, err, errlen);
	} else if (!strcmp(verb, "nvdimm")) {
		return load_boot_device(verb, s->nvdimm, &s->nr_nvdimm, argv, argc, err, errlen);
	} else if (!strcmp(verb, "append")) {
		for (int i = 0; i < argc; i++)
			append_str(&s->append, " ", argv[i]);
	} else if (!strcmp(verb, "arch")) {
		free(s->arch);
		s->arch = xstrdup(argc ? argv[0] : "");
	} else if (!strcmp(verb, "smp") || !strcmp(verb, "machine") || !strcmp(verb, "kernel") ||
		   !strcmp(verb, "timeout") || !strcmp(verb, "qemu")) {
		/* QEMU-only: no effect on memory hotplug */
	} else {
		append_str(&s->skipped_directives, "\n", verb);
		if (rest && *rest) {
			append_str(&s->skipped_directives, " ", rest);
		}
	}
	return 0;
}

static const struct step_verb *find_step_verb(const char *verb);

int scenario_load(const char *path, struct scenario *s, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	int lineno = 0;

	memset(s, 0, sizeof(*s));
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	s->file = xstrdup(path);
	while (fgets(line, sizeof(line), f)) {
		char work[4096], *argv[SCN_MAX_ARGS], *verb, *rest, *p;
		int argc;
		size_t n;

		lineno++;
		append_str(&s->text, "", line);
		n = strlen(line);
		/* the oracle strips each line (Python's str.strip) */
		while (n && isspace((unsigned char)line[n - 1]))
			line[--n] = '\0';
		for (p = line; isspace((unsigned char)*p); p++)
			;
		if (!*p || *p == '#')
			continue;
		snprintf(work, sizeof(work), "%s", p);
		verb = work;
		rest = work + strcspn(work, " \t");
		if (*rest)
			*rest++ = '\0';
		while (isspace((unsigned char)*rest))
			rest++;
		if (is_machine_directive(verb)) {
			char argbuf[4096];

			if (s->nr_steps) {
				snprintf(err, errlen, "line %d: machine directive '%s' after the first step",
					 lineno, verb);
				goto fail;
			}
			snprintf(argbuf, sizeof(argbuf), "%s", rest);
			argc = !strcmp(verb, "description") ? 0 : split_words(argbuf, argv, SCN_MAX_ARGS);
			if (argc < 0 || load_directive(s, verb, rest, argv, argc, err, errlen)) {
				if (argc < 0)
					snprintf(err, errlen, "line %d: too many arguments", lineno);
				goto fail;
			}
			continue;
		}
		if (!find_step_verb(verb)) {
			snprintf(err, errlen, "%s:%d: unknown verb '%s' (see the oracle's README for the language)", path,
				 lineno, verb);
			goto fail;
		}
		{
			struct scn_step *st;
			struct scn_step *ns = realloc(s->steps, (size_t)(s->nr_steps + 1) * sizeof(*ns));

			if (!ns)
				goto fail;
			s->steps = ns;
			st = &s->steps[s->nr_steps];
			memset(st, 0, sizeof(*st));
			st->index = s->nr_steps + 1;
			st->line = xstrdup(p);
			st->verb = xstrdup(verb);
			st->rest = xstrdup(rest);
			{
				char *copy = xstrdup(rest);

				argc = split_words(copy, argv, SCN_MAX_ARGS);
				if (argc < 0) {
					free(copy);
					snprintf(err, errlen, "line %d: too many arguments", lineno);
					s->nr_steps++;
					goto fail;
				}
				for (int i = 0; i < argc; i++)
					st->argv[i] = xstrdup(argv[i]);
				st->argc = argc;
				free(copy);
			}
			s->nr_steps++;
		}
	}
	fclose(f);
	return 0;
fail:
	fclose(f);
	scenario_free(s);
	return -1;
}

void scenario_free(struct scenario *s)
{
	for (int i = 0; i < s->nr_steps; i++) {
		free(s->steps[i].line);
		free(s->steps[i].verb);
		free(s->steps[i].rest);
		for (int a = 0; a < s->steps[i].argc; a++)
			free(s->steps[i].argv[a]);
	}
	free(s->steps);
	free(s->file);
	free(s->text);
	free(s->description);
	free(s->append);
	free(s->arch);
	free(s->skipped_directives);
	for (unsigned int i = 0; i < s->nr_coldplug; i++)
		free((char *)s->coldplug[i].name);
	for (unsigned int i = 0; i < s->nr_nvdimm; i++)
		free((char *)s->nvdimm[i].name);
	memset(s, 0, sizeof(*s));
}

/* ---- the run ------------------------------------------------------------ */

#define MAX_DIMMS 64
#define MIN_SZ(a, b) ((a) < (b) ? (a) : (b))

struct dimm {
	char name[64];
	struct memhp_dimm_info info;
	bool present;
};

#define MAX_HOGS 64

/* a memory user: movable (anon, mlock) or unmovable kernel memory (pipe) */
struct hog {
	char name[64];
	int id;
	struct memhp_region *region;
	long *pfns;		/* pipe: order-0 kernel pages */
	size_t nr;
};

struct run {
	struct memhp_machine *m;	/* in-process, or NULL ... */
	const char *socket;		/* ... a running memhpd */
	size_t log_seen;		/* bytes of the daemon's log already shown */
	struct hog hogs[MAX_HOGS];
	int nr_hogs;
	struct memhp_geometry geo;
	struct json j;
	FILE *out;
	bool json;
	uint64_t log_seq;
	struct dimm dimms[MAX_DIMMS];
	int nr_dimms;
	struct scn_totals *totals;
	/* text mode: the previous mini-snapshot */
	struct memhp_zone_info prev_zones[MEMHP_MAX_NODES * 5];
	size_t nr_prev_zones;
	struct memhp_counters prev_c;
	char *prev_blocks;	/* "id state zones\n" lines */
	unsigned int write_timeout_ms;	/* this step's limit per write */
};

/* the oracle's guest runs every sysfs write under `timeout 120` */
#define WRITE_TIMEOUT_MS_DEFAULT 120000

/*
 * The target: the machine in process, or a running memhpd through its
 * control socket.  Everything the runner does to the machine goes through
 * these few functions.
 */
static char *remote(struct run *r, const char *fmt, const char *a, const char *b, int *err)
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

static char *t_read(struct run *r, const char *path)
{
	char *buf;

	if (r->socket)
		return remote(r, "read %s%s", path, "", NULL);
	return memhp_file_read_alloc(r->m, path, &buf) < 0 ? NULL : buf;
}

static ssize_t t_write(struct run *r, const char *path, const char *buf, size_t len)
{
	int err;
	char value[4200];
	char *out;

	if (!r->socket)
		return memhp_file_write_cancellable(r->m, path, buf, len, NULL,
						    r->write_timeout_ms ? r->write_timeout_ms
									: WRITE_TIMEOUT_MS_DEFAULT);
	/* one line per request: the trailing newline, which every sysfs
	 * parser treats as absent, is not sent */
	snprintf(value, sizeof(value), "%.*s", (int)len, buf);
	value[strcspn(value, "\n")] = '\0';
	out = remote(r, "write %s %s", path, value, &err);
	free(out);
	return err ? err : (ssize_t)len;
}

static int t_list(struct run *r, const char *path,
		  int (*fn)(void *arg, const char *name, const struct memhp_stat *st), void *arg)
{
	int err;
	char *out, *save = NULL;

	if (!r->socket)
		return memhp_file_list(r->m, path, fn, arg);
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

static size_t t_block_ids(struct run *r, unsigned long *ids, size_t max)
{
	struct idlist l = { ids, 0, max };

	if (!r->socket)
		return memhp_block_ids(r->m, ids, max);
	t_list(r, "/sys/devices/system/memory", collect_block_id, &l);
	if (ids)
		qsort(ids, MIN_SZ(l.n, max), sizeof(*ids), cmp_ulong);
	return l.n;
}

static int t_dimm_add(struct run *r, const char *name, uint64_t size, int node, uint64_t addr,
		      struct memhp_dimm_info *info)
{
	char args[256], *out;
	int err;

	if (!r->socket)
		return memhp_dimm_add(r->m, name, size, node, addr, -1, info);
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

static int t_dimm_remove(struct run *r, const char *name)
{
	int err;

	if (!r->socket)
		return memhp_dimm_remove(r->m, name);
	free(remote(r, "device del %s%s", name, "", &err));
	return err;
}

static int t_dimm_info(struct run *r, const char *name, struct memhp_dimm_info *info)
{
	unsigned long long a = 0, size = 0;
	char *out, line[160], n[64];
	FILE *f;
	int err, found = 0;

	if (!r->socket)
		return memhp_dimm_info(r->m, name, info);
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
static void t_log(struct run *r, char *buf, size_t cap)
{
	char *all;
	size_t n;

	if (!r->socket) {
		memhp_log_read(r->m, &r->log_seq, buf, cap);
		return;
	}
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

static int t_audit(struct run *r, char *msg, size_t len)
{
	int err;

	if (!r->socket)
		return memhp_audit(r->m, msg, len);
	free(remote(r, "audit%s%s", "", "", &err));
	if (err)
		snprintf(msg, len, "memhpd's audit failed");
	return err;
}

static char *read_kfile(struct run *r, const char *path)
{
	return t_read(r, path);
}

static void strip_nl(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n'))
		s[--n] = '\0';
}

static void json_file_string(struct run *r, const char *key, const char *path)
{
	char *v = read_kfile(r, path);

	if (v)
		strip_nl(v);
	json_string(&r->j, key, v);
	free(v);
}

static void json_lines(struct json *j, const char *key, const char *text)
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
	bool has_start;
	long long prot[8];
	int nprot;
};

static const char *const zkeys[] = {
	"free", "boost", "min", "low", "high", "promo", "spanned", "present", "managed", "cma",
};

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

static void json_blocks(struct run *r)
{
	static const char *const attrs[] = { "state", "online", "phys_index", "valid_zones",
					     "removable", "phys_device" };
	size_t n = t_block_ids(r, NULL, 0);
	unsigned long *ids = calloc(n + 1, sizeof(*ids));

	n = t_block_ids(r, ids, n);
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

static void snapshot(struct run *r)
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

static char *block_lines(struct run *r)
{
	size_t n = t_block_ids(r, NULL, 0), len = 0;
	unsigned long *ids = calloc(n + 1, sizeof(*ids));
	char *out = calloc(n + 1, 96);

	n = t_block_ids(r, ids, n);
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

static void text_mark(struct run *r)
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

static void text_delta(struct run *r)
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

static struct dimm *find_dimm(struct run *r, const char *name)
{
	for (int i = 0; i < r->nr_dimms; i++)
		if (!strcmp(r->dimms[i].name, name))
			return &r->dimms[i];
	return NULL;
}

/* %{d1.first} and friends */
static void expand(struct run *r, const char *in, char *out, size_t len)
{
	size_t o = 0;

	while (*in && o + 1 < len) {
		const char *e;
		char name[64], attr[32];
		struct dimm *d;

		if (in[0] != '%' || in[1] != '{' || !(e = strchr(in, '}'))) {
			out[o++] = *in++;
			continue;
		}
		if (sscanf(in + 2, "%63[^.}].%31[^}]", name, attr) != 2 || !(d = find_dimm(r, name))) {
			out[o++] = *in++;
			continue;
		}
		{
			const struct memhp_dimm_info *i = &d->info;
			unsigned long long v = 0;
			char tmp[512] = "";

			if (!strcmp(attr, "first"))
				v = i->first_block;
			else if (!strcmp(attr, "last"))
				v = i->last_block;
			else if (!strcmp(attr, "addr"))
				v = i->addr;
			else if (!strcmp(attr, "size"))
				v = i->size;
			else if (!strcmp(attr, "start_pfn"))
				v = i->addr / r->geo.page_size;
			else if (!strcmp(attr, "nr_pages"))
				v = i->size / r->geo.page_size;
			else if (!strcmp(attr, "node"))
				v = (unsigned long long)i->node;
			if (!strcmp(attr, "blocks")) {
				size_t t = 0;

				for (unsigned long b = i->first_block; b <= i->last_block && t < sizeof(tmp) - 24; b++)
					t += (size_t)snprintf(tmp + t, sizeof(tmp) - t, "%s%lu", t ? " " : "", b);
			} else {
				snprintf(tmp, sizeof(tmp), "%llu", v);
			}
			o += (size_t)snprintf(out + o, len - o, "%s", tmp);
			if (o >= len)
				o = len - 1;
		}
		in = e + 1;
	}
	out[o] = '\0';
}

/* BLOCKS: 32, memory32, 9-11, d1:0, d1:-1, d1:2-5, d1:*, d1:*r */
static int parse_blocks(struct run *r, const char *spec, unsigned long *ids, int max)
{
	const char *colon = strchr(spec, ':');
	long first, last;
	int n = 0;
	bool reverse = false;

	if (!strncmp(spec, "memory", 6))
		spec += 6;
	if (colon) {
		char name[64];
		struct dimm *d;
		long nb;

		snprintf(name, sizeof(name), "%.*s", (int)(colon - spec), spec);
		d = find_dimm(r, name);
		if (!d)
			return -1;
		nb = (long)(d->info.last_block - d->info.first_block + 1);
		spec = colon + 1;
		if (!strcmp(spec, "*") || !strcmp(spec, "*r")) {
			first = 0;
			last = nb - 1;
			reverse = spec[1] == 'r';
		} else {
			char *e;

			first = strtol(spec, &e, 10);
			last = first;
			if (*e == '-' && e != spec)
				last = strtol(e + 1, &e, 10);
			if (*e)
				return -1;
			if (first < 0)
				first += nb;
			if (last < 0)
				last += nb;
			if (first < 0 || last >= nb || first > last)
				return -1;
		}
		first += (long)d->info.first_block;
		last += (long)d->info.first_block;
	} else {
		char *e;

		first = strtol(spec, &e, 10);
		last = first;
		if (e == spec)
			return -1;
		if (*e == '-')
			last = strtol(e + 1, &e, 10);
		if (*e || first < 0 || last < first)
			return -1;
	}
	for (long b = first; b <= last && n < max; b++)
		ids[n++] = (unsigned long)(reverse ? last - (b - first) : b);
	return n;
}

static void record_write(struct run *r, const char *path, const char *value, long block)
{
	struct timespec t0, t1;
	bool timed_out;
	char buf[4200];
	ssize_t ret;
	size_t len;

	/* memtool w PATH VALUE: one write(2) of VALUE\n */
	len = (size_t)snprintf(buf, sizeof(buf), "%s\n", value);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = t_write(r, path, buf, len);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	timed_out = ret == -EINTR && !r->socket &&
		    (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 >=
			    (r->write_timeout_ms ? r->write_timeout_ms : WRITE_TIMEOUT_MS_DEFAULT);
	json_begin_object(&r->j, NULL);
	json_string(&r->j, "path", path);
	json_string(&r->j, "value", value);
	json_int(&r->j, "rc", ret < 0 ? -ret : 0);
	if (ret >= 0) {
		json_string(&r->j, "result", "ok");
		r->totals->ok++;
	} else if (timed_out) {
		/* the oracle's `timeout` killed the writer: the kernel said -EINTR */
		json_string(&r->j, "result", "timeout");
		json_string(&r->j, "errno_name", "EINTR");
		json_int(&r->j, "errno", EINTR);
		r->totals->failed++;
	} else {
		json_string(&r->j, "result", "error");
		json_string(&r->j, "errno_name", memhp_strerror((int)ret));
		json_int(&r->j, "errno", -ret);
		json_string(&r->j, "stage", ret == -EACCES || ret == -ENOENT ? "open" : "write");
		json_string(&r->j, "msg", strerror((int)-ret));
		r->totals->failed++;
	}
	if (block >= 0)
		json_int(&r->j, "block", block);
	json_end_object(&r->j);
	if (!r->json) {
		if (ret >= 0)
			fprintf(r->out, "  write %s > %s: ok\n", value, path);
		else
			fprintf(r->out, "  write %s > %s: %s (errno %ld, %s)\n", value, path,
				memhp_strerror((int)ret), -ret, strerror((int)-ret));
	}
}

static void skip_step(struct run *r, const char *why)
{
	json_string(&r->j, "result", "skipped");
	json_string(&r->j, "reason", why);
	r->totals->skipped++;
	if (!r->json)
		fprintf(r->out, "  skipped: %s\n", why);
}

static void step_hotadd(struct run *r, struct scn_step *st)
{
	uint64_t size, addr = MEMHP_ADDR_AUTO;
	int node = 0, ret;
	struct dimm *d;

	if (st->argc < 2 || scn_parse_size(st->argv[1], &size)) {
		skip_step(r, "usage: hotadd NAME SIZE [node=N] [addr=A]");
		return;
	}
	for (int i = 2; i < st->argc; i++) {
		if (!strncmp(st->argv[i], "node=", 5))
			node = atoi(st->argv[i] + 5);
		else if (!strncmp(st->argv[i], "addr=", 5))
			addr = strtoull(st->argv[i] + 5, NULL, 0);
	}
	json_string(&r->j, "dimm", st->argv[0]);
	json_uint(&r->j, "size", size);
	if (r->nr_dimms == MAX_DIMMS || find_dimm(r, st->argv[0])) {
		json_string(&r->j, "result", "device_add failed");
		r->totals->failed++;
		return;
	}
	d = &r->dimms[r->nr_dimms];
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", st->argv[0]);
	ret = t_dimm_add(r, d->name, size, node, addr, &d->info);
	if (ret) {
		/* QEMU refused the device: no _OST */
		json_string(&r->j, "result", "device_add failed");
		json_string(&r->j, "errno_name", memhp_strerror(ret));
		r->totals->failed++;
		if (!r->json)
			fprintf(r->out, "  result: device_add failed (%s)\n", memhp_strerror(ret));
		return;
	}
	r->nr_dimms++;
	d->present = true;
	json_string(&r->j, "result", "ost");
	json_int(&r->j, "ost_status", 0);
	json_string(&r->j, "ost_status_name", "SUCCESS");
	json_uint(&r->j, "addr", d->info.addr);
	json_begin_array(&r->j, "blocks");
	for (unsigned long b = d->info.first_block; b <= d->info.last_block; b++)
		json_uint(&r->j, NULL, b);
	json_end_array(&r->j);
	json_bool(&r->j, "enabled", d->info.enabled);
	if (!d->info.enabled)
		json_string(&r->j, "add_error", memhp_strerror(d->info.add_error));
	r->totals->ok++;
	if (!r->json)
		fprintf(r->out, "  result: ost addr=%#llx blocks=%lu-%lu%s%s\n",
			(unsigned long long)d->info.addr, d->info.first_block, d->info.last_block,
			d->info.enabled ? "" : ", add_memory failed: ",
			d->info.enabled ? "" : memhp_strerror(d->info.add_error));
}

static void step_remove(struct run *r, struct scn_step *st)
{
	struct dimm *d = st->argc ? find_dimm(r, st->argv[0]) : NULL;
	int ret;

	if (!d || !d->present) {
		skip_step(r, "no such dimm");
		return;
	}
	json_string(&r->j, "dimm", d->name);
	ret = t_dimm_remove(r, d->name);
	if (!ret) {
		d->present = false;
		/* QEMU forgets the name: a later hotadd may reuse it */
		d->name[0] = '\0';
		json_string(&r->j, "result", "removed");
		r->totals->ok++;
	} else {
		json_string(&r->j, "result", "rejected");
		json_int(&r->j, "ost_status", 130);
		json_string(&r->j, "ost_status_name", "DEVICE_BUSY");
		json_string(&r->j, "errno_name", memhp_strerror(ret));
		r->totals->failed++;
	}
	if (!r->json)
		fprintf(r->out, "  result: %s\n", ret ? "rejected (DEVICE_BUSY)" : "removed");
}

static void step_block_writes(struct run *r, struct scn_step *st, const char *file)
{
	unsigned long ids[4096];
	unsigned long secs;
	char spec[512], *end;
	int n;

	/* timeout=S: the oracle's limit on each write of this step */
	r->write_timeout_ms = 0;
	if (st->argc == 3 && !strncmp(st->argv[2], "timeout=", 8)) {
		secs = strtoul(st->argv[2] + 8, &end, 10);
		if (*end || end == st->argv[2] + 8 || !secs || secs > 86400) {
			skip_step(r, "bad timeout=S");
			return;
		}
		r->write_timeout_ms = (unsigned int)secs * 1000;
	} else if (st->argc != 2) {
		skip_step(r, "usage: state|online BLOCKS VALUE [timeout=S]");
		return;
	}
	expand(r, st->argv[0], spec, sizeof(spec));
	n = parse_blocks(r, spec, ids, 4096);
	if (n < 0) {
		skip_step(r, "bad BLOCKS");
		return;
	}
	json_begin_array(&r->j, "writes");
	for (int i = 0; i < n; i++) {
		char path[128];

		snprintf(path, sizeof(path), "/sys/devices/system/memory/memory%lu/%s", ids[i], file);
		record_write(r, path, st->argv[1], (long)ids[i]);
	}
	json_end_array(&r->j);
}

static void step_write(struct run *r, const char *path, const char *value)
{
	char p[512], v[512];

	expand(r, path, p, sizeof(p));
	expand(r, value, v, sizeof(v));
	json_begin_array(&r->j, "writes");
	record_write(r, p, v, -1);
	json_end_array(&r->j);
}

/* `sh` runs guest shell commands; memhp has no shell, but `cat FILE...` of
 * the kernel's files is honoured, as most scenarios use it */
static void step_sh(struct run *r, struct scn_step *st)
{
	char cmd[1024], *argv[SCN_MAX_ARGS];
	int argc;

	expand(r, st->rest, cmd, sizeof(cmd));
	json_string(&r->j, "cmd", cmd);
	argc = split_words(cmd, argv, SCN_MAX_ARGS);
	if (argc < 2 || strcmp(argv[0], "cat")) {
		skip_step(r, "sh: only 'cat FILE...' is supported");
		return;
	}
	{
		char *outs = NULL;
		int rc = 0;

		for (int i = 1; i < argc; i++) {
			char *t = read_kfile(r, argv[i]);

			if (!t) {
				rc = 1;
				continue;
			}
			append_str(&outs, "", t);
			free(t);
		}
		json_int(&r->j, "rc", rc);
		json_string(&r->j, "stdout", outs ? outs : "");
		json_string(&r->j, "stderr", "");
		if (!r->json && outs)
			fprintf(r->out, "%s", outs);
		free(outs);
		if (rc)
			r->totals->failed++;
		else
			r->totals->ok++;
	}
}

static void step_kpf(struct run *r, struct scn_step *st)
{
	static const struct { int bit; const char *name; } flags[] = {
		{ MEMHP_KPF_LRU, "LRU" }, { MEMHP_KPF_BUDDY, "BUDDY" },
		{ MEMHP_KPF_COMPOUND_HEAD, "COMPOUND_HEAD" }, { MEMHP_KPF_COMPOUND_TAIL, "COMPOUND_TAIL" },
		{ MEMHP_KPF_HWPOISON, "HWPOISON" }, { MEMHP_KPF_NOPAGE, "NOPAGE" },
		{ MEMHP_KPF_OFFLINE, "OFFLINE" }, { MEMHP_KPF_RESERVED, "RESERVED" },
		{ MEMHP_KPF_OWNER_PRIVATE, "OWNER_PRIVATE" },
	};
	unsigned long ids[4096];
	char spec[512];
	int n;

	if (!r->m) {
		skip_step(r, "kpf needs the machine in process");
		return;
	}
	expand(r, st->argc ? st->argv[0] : "", spec, sizeof(spec));
	n = parse_blocks(r, spec, ids, 4096);
	if (n < 0) {
		skip_step(r, "bad BLOCKS");
		return;
	}
	json_begin_object(&r->j, "kpageflags");
	for (int i = 0; i < n; i++) {
		unsigned long start, nr, count[sizeof(flags) / sizeof(flags[0])] = { 0 }, noflags = 0;
		char key[32];

		if (memhp_block_range(r->m, ids[i], &start, &nr, NULL))
			continue;
		for (unsigned long pfn = start; pfn < start + nr; pfn++) {
			uint64_t u = memhp_kpageflags(r->m, pfn);

			if (!u)
				noflags++;
			for (size_t f = 0; f < sizeof(flags) / sizeof(flags[0]); f++)
				if (u & (1ULL << flags[f].bit))
					count[f]++;
		}
		snprintf(key, sizeof(key), "%lu", ids[i]);
		json_begin_object(&r->j, key);
		json_uint(&r->j, "start_pfn", start);
		json_uint(&r->j, "nr", nr);
		json_uint(&r->j, "noflags", noflags);
		json_int(&r->j, "readerr", 0);
		for (size_t f = 0; f < sizeof(flags) / sizeof(flags[0]); f++)
			if (count[f])
				json_uint(&r->j, flags[f].name, count[f]);
		json_end_object(&r->j);
		if (!r->json) {
			fprintf(r->out, "  block %lu: start_pfn=%lu nr=%lu noflags=%lu", ids[i], start, nr, noflags);
			for (size_t f = 0; f < sizeof(flags) / sizeof(flags[0]); f++)
				if (count[f])
					fprintf(r->out, " %s=%lu", flags[f].name, count[f]);
			fprintf(r->out, "\n");
		}
	}
	json_end_object(&r->j);
	r->totals->ok++;
}

static struct hog *find_hog(struct run *r, const char *name)
{
	for (int i = 0; i < r->nr_hogs; i++)
		if (r->hogs[i].name[0] && !strcmp(r->hogs[i].name, name))
			return &r->hogs[i];
	return NULL;
}

static void hog_free(struct run *r, struct hog *h)
{
	if (r->socket && h->nr)
		free(remote(r, "kill %s%s", h->name, "", NULL));
	if (h->region)
		memhp_region_free(h->region);
	for (size_t i = 0; h->pfns && i < h->nr; i++)
		memhp_free_pages(r->m, (unsigned long)h->pfns[i], 0);
	free(h->pfns);
	memset(h, 0, sizeof(*h));
}

/* hog anon|mlock|pipe MiB [as VAR]: a process holding that much memory */
static void step_hog(struct run *r, struct scn_step *st)
{
	uint64_t mib;
	struct hog *h;
	size_t pages;

	if (st->argc < 2 || scn_parse_size(st->argv[1], &mib) || r->nr_hogs == MAX_HOGS) {
		skip_step(r, "usage: hog anon|mlock|pipe MiB [as VAR]");
		return;
	}
	h = &r->hogs[r->nr_hogs];
	memset(h, 0, sizeof(*h));
	h->id = 1000 + r->nr_hogs;
	if (st->argc >= 4 && !strcmp(st->argv[2], "as"))
		snprintf(h->name, sizeof(h->name), "%s", st->argv[3]);
	else
		snprintf(h->name, sizeof(h->name), "hog%d", h->id);
	pages = (size_t)(mib << 20) / r->geo.page_size;
	if (r->socket && (!strcmp(st->argv[0], "anon") || !strcmp(st->argv[0], "mlock"))) {
		char size[32];
		int err;

		/* memhpd's users are movable memory, touched */
		snprintf(size, sizeof(size), "%zu", pages * (size_t)r->geo.page_size);
		free(remote(r, "hog %s %s", h->name, size, &err));
		if (!err)
			h->nr = pages;
	} else if (r->socket) {
		skip_step(r, "hog pipe needs the machine in process");
		return;
	} else if (!strcmp(st->argv[0], "anon") || !strcmp(st->argv[0], "mlock")) {
		int ret = memhp_region_alloc(r->m, pages, 0,
					     !strcmp(st->argv[0], "mlock") ? MEMHP_REGION_MLOCK : 0, &h->region);

		if (!ret) {
			/* the process touches every page */
			memset(memhp_region_addr(h->region), 0x5a, pages * r->geo.page_size);
			h->nr = pages;
		}
	} else if (!strcmp(st->argv[0], "pipe")) {
		h->pfns = calloc(pages, sizeof(*h->pfns));
		for (size_t i = 0; h->pfns && i < pages; i++) {
			long pfn = memhp_alloc_pages(r->m, 0, 0);

			if (pfn < 0)
				break;
			h->pfns[h->nr++] = pfn;
		}
	} else {
		skip_step(r, "hog: kind is anon, mlock or pipe");
		return;
	}
	r->nr_hogs++;
	json_int(&r->j, "rc", h->nr == pages ? 0 : 1);
	json_int(&r->j, "pid", h->id);
	json_uint(&r->j, "got_kib", h->nr * (r->geo.page_size >> 10));
	if (h->nr == pages)
		r->totals->ok++;
	else
		r->totals->failed++;
	if (!r->json)
		fprintf(r->out, "  hog %s: got %zu KiB\n", st->argv[0], h->nr * (size_t)(r->geo.page_size >> 10));
}

/*
 * dax_region cxl|hmem|pmem SIZE [node=N]: device memory the host side
 * creates, with its static device daxR.0 bound as the kind's driver would
 * (cxl and hmem to kmem, pmem to device_dax).
 */
static void step_dax_region(struct run *r, struct scn_step *st)
{
	static const char *const kinds[] = { "cxl", "hmem", "pmem" };
	struct memhp_dax_info info;
	uint64_t size;
	int kind = -1, node = 0, ret;

	for (int i = 0; i < 3; i++)
		if (st->argc && !strcmp(st->argv[0], kinds[i]))
			kind = i;
	if (kind < 0 || st->argc < 2 || st->argc > 3 || scn_parse_size(st->argv[1], &size) ||
	    (st->argc == 3 && sscanf(st->argv[2], "node=%d", &node) != 1)) {
		skip_step(r, "usage: dax_region cxl|hmem|pmem SIZE [node=N]");
		return;
	}
	if (r->socket) {
		char args[96], *reply, *dev;

		snprintf(args, sizeof(args), "%s %s node=%d", kinds[kind], st->argv[1], node);
		reply = remote(r, "dax create %s%s", args, "", &ret);
		dev = reply ? strstr(reply, "dev=") : NULL;
		snprintf(info.dev, sizeof(info.dev), "%.*s", dev ? (int)strcspn(dev + 4, " \n") : 0,
			 dev ? dev + 4 : "");
		free(reply);
	} else {
		ret = memhp_dax_region_create(r->m, (enum memhp_dax_kind)kind, size, node, 0,
					      MEMHP_ADDR_AUTO, -1, &info);
	}
	json_int(&r->j, "rc", ret < 0 ? -ret : 0);
	json_string(&r->j, "result", ret ? memhp_strerror(ret) : "ok");
	if (ret) {
		r->totals->failed++;
	} else {
		json_string(&r->j, "dev", info.dev);
		r->totals->ok++;
	}
	if (!r->json)
		fprintf(r->out, "  dax_region %s: %s\n", st->argv[0], ret ? memhp_strerror(ret) : info.dev);
}

static void step_kill(struct run *r, struct scn_step *st)
{
	struct hog *h = st->argc ? find_hog(r, st->argv[0]) : NULL;

	if (!h) {
		skip_step(r, "no such hog");
		return;
	}
	json_int(&r->j, "pid", h->id);
	json_int(&r->j, "rc", 0);
	hog_free(r, h);
	r->totals->ok++;
}

/* where VAR: how many of its pages each memory block holds */
static void step_where(struct run *r, struct scn_step *st)
{
	struct hog *h = st->argc ? find_hog(r, st->argv[0]) : NULL;
	unsigned long pages_per_block = (unsigned long)(r->geo.block_size / r->geo.page_size);
	unsigned long *count, nblocks = 0;

	if (!h) {
		skip_step(r, "no such hog");
		return;
	}
	if (r->socket) {
		/* memhpd answers "BLOCK COUNT" runs: add them up */
		char *out = remote(r, "where %s%s", h->name, "", NULL), *save = NULL;
		unsigned long b, c;

		nblocks = 0;
		for (char *l = out ? strtok_r(out, "\n", &save) : NULL; l; l = strtok_r(NULL, "\n", &save))
			if (sscanf(l, "%lu %lu", &b, &c) == 2 && b + 1 > nblocks)
				nblocks = b + 1;
		count = calloc(nblocks + 1, sizeof(*count));
		free(out);
		out = remote(r, "where %s%s", h->name, "", NULL);
		save = NULL;
		for (char *l = out ? strtok_r(out, "\n", &save) : NULL; count && l; l = strtok_r(NULL, "\n", &save))
			if (sscanf(l, "%lu %lu", &b, &c) == 2)
				count[b] += c;
		free(out);
		goto print;
	}
	for (size_t i = 0; i < h->nr; i++) {
		unsigned long pfn = h->region ? (unsigned long)memhp_region_pfn(h->region, i)
					      : (unsigned long)h->pfns[i];

		if (pfn / pages_per_block + 1 > nblocks)
			nblocks = pfn / pages_per_block + 1;
	}
	count = calloc(nblocks + 1, sizeof(*count));
	for (size_t i = 0; count && i < h->nr; i++) {
		unsigned long pfn = h->region ? (unsigned long)memhp_region_pfn(h->region, i)
					      : (unsigned long)h->pfns[i];

		count[pfn / pages_per_block]++;
	}
print:
	json_int(&r->j, "pid", h->id);
	json_int(&r->j, "rc", 0);
	json_begin_object(&r->j, "pages_per_block");
	for (unsigned long b = 0; count && b < nblocks; b++) {
		char key[32];

		if (!count[b])
			continue;
		snprintf(key, sizeof(key), "%lu", b);
		json_uint(&r->j, key, count[b]);
		if (!r->json)
			fprintf(r->out, "  block %lu: %lu pages\n", b, count[b]);
	}
	json_end_object(&r->j);
	free(count);
	r->totals->ok++;
}

static void step_state(struct run *r, struct scn_step *st)
{
	step_block_writes(r, st, st->verb);
}

static void step_auto_online(struct run *r, struct scn_step *st)
{
	step_write(r, "/sys/devices/system/memory/auto_online_blocks", st->argc ? st->argv[0] : "");
}

static void step_param(struct run *r, struct scn_step *st)
{
	char path[256];

	if (st->argc != 2) {
		skip_step(r, "usage: param NAME VALUE");
		return;
	}
	snprintf(path, sizeof(path), "/sys/module/memory_hotplug/parameters/%s", st->argv[0]);
	step_write(r, path, st->argv[1]);
}

static void step_write_any(struct run *r, struct scn_step *st)
{
	if (st->argc != 2) {
		skip_step(r, "usage: write PATH VALUE");
		return;
	}
	step_write(r, st->argv[0], st->argv[1]);
}

/* snapshot, sleep: the snapshot after every step is all there is to do */
static void step_nothing(struct run *r, struct scn_step *st)
{
	(void)st;
	json_string(&r->j, "result", "ok");
	r->totals->ok++;
}

static void step_qmp(struct run *r, struct scn_step *st)
{
	(void)st;
	skip_step(r, "raw QMP has no memhp equivalent");
}

/*
 * Every step verb of the oracle's language (../shared/oracle/README.md).
 * A verb not here is an error at load time, with its line; `qmp` is the
 * one oracle verb memhp documents as skipped (recorded as such).
 */
static const struct step_verb {
	const char *verb;
	void (*run)(struct run *r, struct scn_step *st);
} step_verbs[] = {
	{ "hotadd", step_hotadd }, { "remove", step_remove }, { "state", step_state },
	{ "online", step_state }, { "auto_online", step_auto_online }, { "param", step_param },
	{ "write", step_write_any }, { "kpf", step_kpf }, { "sh", step_sh }, { "snapshot", step_nothing },
	{ "sleep", step_nothing }, { "hog", step_hog }, { "kill", step_kill },
	{ "dax_region", step_dax_region }, { "where", step_where }, { "qmp", step_qmp },
};

static const struct step_verb *find_step_verb(const char *verb)
{
	for (size_t i = 0; i < sizeof(step_verbs) / sizeof(step_verbs[0]); i++)
		if (!strcmp(step_verbs[i].verb, verb))
			return &step_verbs[i];
	return NULL;
}

static void run_step(struct run *r, struct scn_step *st)
{
	r->write_timeout_ms = 0;	/* the default, unless the step says timeout=S */
	/* scenario_load let no unknown verb through */
	find_step_verb(st->verb)->run(r, st);
}

/*
 * The DIMMs the machine booted with, as the oracle lists them; in socket
 * mode the daemon's own (its --coldplug), found by the scenario's names.
 */
static void record_coldplug(struct run *r, struct scenario *s)
{
	for (unsigned int i = 0; i < s->nr_coldplug && r->nr_dimms < MAX_DIMMS; i++) {
		struct dimm *d = &r->dimms[r->nr_dimms];

		memset(d, 0, sizeof(*d));
		snprintf(d->name, sizeof(d->name), "%s", s->coldplug[i].name);
		if (t_dimm_info(r, d->name, &d->info))
			continue;
		d->present = true;
		r->nr_dimms++;
	}
}

static void json_dimms_at_boot(struct run *r)
{
	json_begin_object(&r->j, "dimms_at_boot");
	for (int i = 0; i < r->nr_dimms; i++) {
		const struct memhp_dimm_info *info = &r->dimms[i].info;

		json_begin_object(&r->j, r->dimms[i].name);
		json_uint(&r->j, "addr", info->addr);
		json_uint(&r->j, "size", info->size);
		json_int(&r->j, "node", info->node);
		json_string(&r->j, "type", "dimm");
		json_begin_array(&r->j, "blocks");
		for (unsigned long b = info->first_block; b <= info->last_block; b++)
			json_uint(&r->j, NULL, b);
		json_end_array(&r->j);
		json_uint(&r->j, "start_pfn", info->addr / r->geo.page_size);
		json_uint(&r->j, "nr_pages", info->size / r->geo.page_size);
		json_end_object(&r->j);
	}
	json_end_object(&r->j);
}

static void json_machine(struct run *r, struct scenario *s, const char *cmdline)
{
	json_begin_object(&r->j, "scenario");
	json_string(&r->j, "file", s->file);
	json_string(&r->j, "text", s->text);
	json_begin_object(&r->j, "machine");
	json_uint(&r->j, "mem", s->mem);
	json_uint(&r->j, "maxmem", s->maxmem);
	json_uint(&r->j, "slots", s->slots);
	json_uint(&r->j, "numa", s->numa);
	json_string(&r->j, "arch", r->geo.arch);
	json_string(&r->j, "description", s->description);
	json_lines(&r->j, "skipped_directives", s->skipped_directives);
	json_end_object(&r->j);
	json_end_object(&r->j);
	json_string(&r->j, "engine", r->socket ? "memhpd" : "memhp");
	json_string(&r->j, "kernel_cmdline", cmdline);
}

int scenario_run(struct scenario *s, const struct scn_options *opt, FILE *out,
		 struct scn_totals *totals)
{
	struct memhp_config cfg = { 0 };
	struct run *r = calloc(1, sizeof(*r));
	char *cmdline = NULL;
	int ret;

	if (!r)
		return -ENOMEM;
	memset(totals, 0, sizeof(*totals));
	r->totals = totals;
	r->out = out;
	r->json = opt->json;
	append_str(&cmdline, " ", s->append ? s->append : "");
	if (opt->extra_cmdline && *opt->extra_cmdline)
		append_str(&cmdline, " ", opt->extra_cmdline);
	cfg.arch = s->arch;
	cfg.mem = s->mem ? s->mem : 1ULL << 30;
	cfg.maxmem = s->maxmem ? s->maxmem : 16ULL << 30;
	cfg.slots = s->slots ? s->slots : 8;
	cfg.nr_nodes = s->numa ? s->numa : 1;
	cfg.explicit_node_mem = s->explicit_node_mem;
	memcpy(cfg.node_mem, s->node_mem, sizeof(cfg.node_mem));
	cfg.cmdline = cmdline;
	cfg.backing_dir = opt->backing_dir;
	cfg.kernel_image_base = opt->kernel_image_base;
	cfg.coldplug = s->coldplug;
	cfg.nr_coldplug = s->nr_coldplug;
	cfg.nvdimm = s->nvdimm;
	cfg.nr_nvdimm = s->nr_nvdimm;
	if (opt->socket) {
		/* the daemon's machine is already booted: the directives are its */
		char *status, *bs;

		r->socket = opt->socket;
		status = remote(r, "status%s%s", "", "", &ret);
		if (!status) {
			free(cmdline);
			free(r);
			return ret;
		}
		r->geo.arch = strstr(status, "profile arm64-64k") ? "arm64-64k"
			    : strstr(status, "profile arm64-16k") ? "arm64-16k"
			    : strstr(status, "profile arm64-4k") ? "arm64-4k" : "x86_64";
		r->geo.page_size = strstr(status, "arm64-64k") ? 65536 : strstr(status, "arm64-16k") ? 16384 : 4096;
		bs = t_read(r, "/sys/devices/system/memory/block_size_bytes");
		r->geo.block_size = bs ? strtoull(bs, NULL, 16) : 0;
		free(bs);
		free(status);
		{
			char *log = remote(r, "dmesg%s%s", "", "", NULL);

			r->log_seen = log ? strlen(log) : 0;
			free(log);
		}
	} else {
		ret = memhp_machine_create(&cfg, &r->m);
		if (ret) {
			free(cmdline);
			free(r);
			return ret;
		}
		memhp_get_geometry(r->m, &r->geo);
	}
	record_coldplug(r, s);
	json_init(&r->j, out, opt->pretty);
	if (r->json) {
		json_begin_object(&r->j, NULL);
		json_string(&r->j, "format", "memhotplug-oracle/1");
		json_machine(r, s, cmdline);
		json_begin_object(&r->j, "boot");
		snapshot(r);
		json_end_object(&r->j);
		json_dimms_at_boot(r);
		json_begin_array(&r->j, "steps");
	} else {
		fprintf(out, "scenario: %s\nengine: %s (%s)\ncmdline: %s\n", s->file,
			r->socket ? "memhpd" : "memhp", r->geo.arch, r->socket ? "(the daemon's)" : cmdline);
		if (s->skipped_directives)
			fprintf(out, "skipped directives: %s\n", s->skipped_directives);
		text_mark(r);
		fprintf(out, "boot: MemTotal %lu kB, block_size %#llx\n",
			r->prev_c.totalram_pages * (unsigned long)(r->geo.page_size >> 10),
			(unsigned long long)r->geo.block_size);
	}
	for (int i = 0; i < s->nr_steps; i++) {
		struct scn_step *st = &s->steps[i];
		FILE *sink = NULL;

		totals->steps++;
		if (!r->json) {
			/* the JSON writer still runs; its output goes nowhere */
			sink = fopen("/dev/null", "w");
			json_init(&r->j, sink, false);
			fprintf(out, "\nstep %d: %s\n", st->index, st->line);
		}
		json_begin_object(&r->j, NULL);
		json_int(&r->j, "index", st->index);
		json_string(&r->j, "line", st->line);
		json_string(&r->j, "verb", st->verb);
		json_begin_object(&r->j, "action");
		run_step(r, st);
		json_end_object(&r->j);
		if (r->json)
			snapshot(r);
		json_end_object(&r->j);
		if (sink) {
			fclose(sink);
			text_delta(r);
		}
		{
			char msg[256];

			if (t_audit(r, msg, sizeof(msg))) {
				fprintf(stderr, "memhp: audit failed after step %d: %s\n", st->index, msg);
				totals->failed++;
				ret = -EUCLEAN;
			}
		}
	}
	if (r->json) {
		json_end_array(&r->j);
		json_begin_array(&r->j, "errors");
		json_end_array(&r->j);
		json_end_object(&r->j);
	}
	free(r->prev_blocks);
	for (int i = 0; i < r->nr_hogs; i++)
		hog_free(r, &r->hogs[i]);
	if (r->m)
		memhp_machine_destroy(r->m);
	free(cmdline);
	free(r);
	return ret;
}
