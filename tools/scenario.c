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
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "json.h"
#include "memhp/memhp.h"
#include "scenario.h"
#include "scenario_int.h"

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

/* pgmigrate_success into *n: the pages the machine has migrated so far */
static bool pages_migrated(struct run *r, unsigned long *n)
{
	char *text = read_kfile(r, "/proc/vmstat"), *at, *end;
	bool ok = false;

	if (text && (at = strstr(text, "\npgmigrate_success "))) {
		*n = strtoul(at + strlen("\npgmigrate_success "), &end, 10);
		ok = end != at + strlen("\npgmigrate_success ");
	}
	free(text);
	return ok;
}

/*
 * What the recorded guest's steps take, per guest: the x86 one's above,
 * and the arm64 guests' (tests/oracle/arm64: QEMU TCG emulating aarch64
 * under UEFI, four to five times slower at faulting memory in, and whose
 * writes and snapshots take 0.2-0.3 and 0.69 s; python3
 * tests/oracle/timing_fit.py --arch arm64-4k fits them).  The 16K guest
 * takes as long over the rest but faults a hog in 2.4-2.8 times faster:
 * each fault maps a 16 KiB page, four 4 KiB ones' worth (timing_fit.py
 * --arch arm64-16k over its 342 hogs; a 225 MiB hog took 1.63 s there,
 * where the 4K guest's rate gives 5.2 s and a period more).  A verb
 * never measured there (remove, kpf) keeps the x86 guest's.  A verb not in
 * `verbs` takes its step_verbs seconds; a state, online or write step
 * takes its writes' (write_seconds) instead.
 */
struct guest_clock {
	double snapshot;			/* snap.sh */
	double migrate_page;			/* a page a step migrates */
	double hog_start[3], hog_per_mib[3];	/* anon, mlock, pipe */
	double write_online, write_offline, write_refused, write_other;
	struct { const char *verb; double seconds; } verbs[6];
};

static const struct guest_clock x86_clock = {
	.snapshot = 0.13,
	.migrate_page = 30e-6,
	.hog_start = { 0.032, 0.062, 0.015 },
	.hog_per_mib = { 0.00495, 0.00507, 0.00686 },
	/*
	 * a block's writes by outcome, the migration apart (timing_fit.py's
	 * state/online fit over 8 507 steps), and another file's (its
	 * `write` steps' mean): a step of sixteen offlines takes 0.95 s in
	 * the guest, not one verb's 0.14 s
	 */
	.write_online = 0.064,
	.write_offline = 0.083,
	.write_refused = 0.051,
	.write_other = 0.074,
};

/* what both arm64 guests take for all but a hog */
#define ARM64_GUEST_STEPS								\
	.snapshot = 0.69,								\
	.migrate_page = 151e-6,								\
	.write_online = 0.32,								\
	.write_offline = 0.24,								\
	.write_refused = 0.18,								\
	.write_other = 0.25,								\
	.verbs = { { "hotadd", 1.17 }, { "kill", 1.23 }, { "auto_online", 0.23 }, { "param", 0.18 } }

static const struct guest_clock arm64_clock = {
	ARM64_GUEST_STEPS,
	.hog_start = { 0.39, 0.42, 0.40 },
	.hog_per_mib = { 0.0215, 0.0309, 0.0060 },
};

/* the 16K guest's: the 4K one's, with its own hogs */
static const struct guest_clock arm64_16k_clock = {
	ARM64_GUEST_STEPS,
	.hog_start = { 0.16, 0.0, 0.14 },	/* mlock's fit: -0.08 */
	.hog_per_mib = { 0.0089, 0.0135, 0.0057 },
};

/* a scenario of the arm64 guests (its `arch` line) */
static bool arm64_guest(const char *arch)
{
	return arch && !strncmp(arch, "arm64", 5);
}

static const struct guest_clock *guest_clock_of(const char *arch)
{
	if (arch && !strcmp(arch, "arm64-16k"))
		return &arm64_16k_clock;
	return arm64_guest(arch) ? &arm64_clock : &x86_clock;
}

/*
 * A write's seconds on the guest's clock (guest_clock): a block's online,
 * offline or refused write, or another file's
 */
static double write_seconds(const struct run *r, const char *value, long block, bool ok)
{
	if (block < 0)
		return r->clk->write_other;
	if (!ok)
		return r->clk->write_refused;
	return !strcmp(value, "offline") || !strcmp(value, "0") ? r->clk->write_offline : r->clk->write_online;
}

static void watcher_start(struct run *r, double start, double seconds);

/* the running write's seconds on the watchers' clock */
static double watched_write_seconds(const struct run *r, const char *value, long block, bool ok,
				    unsigned long migrated)
{
	return write_seconds(r, value, block, ok) + r->clk->migrate_page * (double)migrated;
}

/* milliseconds from t0 to t1 (CLOCK_MONOTONIC): how long a bounded step ran */
static double elapsed_ms(const struct timespec *t0, const struct timespec *t1)
{
	return (double)(t1->tv_sec - t0->tv_sec) * 1000.0 + (double)(t1->tv_nsec - t0->tv_nsec) / 1e6;
}

static void record_write(struct run *r, const char *path, const char *value, long block)
{
	double start = r->clock + r->step_write_clock;
	unsigned int limit_ms = r->write_timeout_ms ? r->write_timeout_ms : WRITE_TIMEOUT_MS_DEFAULT;
	unsigned long before, after, moved = 0;
	/* the pages it migrates: for the step's clock, and for its watcher's */
	bool counted = (r->counting_migrations || r->guest_processes) && pages_migrated(r, &before);
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
	timed_out = ret == -EINTR && r->t->write_times_out && elapsed_ms(&t0, &t1) >= (double)limit_ms;
	if (counted && pages_migrated(r, &after) && after >= before)
		moved = after - before;
	/*
	 * The oracle's guest waited the whole limit before it killed the
	 * writer: that is the write's time on its clock, the pages it
	 * migrated meanwhile included (seed 1466: four 120 s timeouts in one
	 * step, every pcp->high decayed to its floor by the end).
	 */
	if (timed_out) {
		r->waited_seconds += limit_ms / 1000.0;
		if (r->counting_migrations)
			r->waited_migrations += moved;
	} else {
		r->step_writes++;
		r->write_seconds += write_seconds(r, value, block, ret >= 0);
	}
	if (r->guest_processes) {
		double d = timed_out ? limit_ms / 1000.0 : watched_write_seconds(r, value, block, ret >= 0, moved);

		r->step_write_clock += d;
		watcher_start(r, start, d);
	}
	res_begin_object(&r->act, NULL);
	res_string(&r->act, "path", path);
	res_string(&r->act, "value", value);
	/* the oracle's `timeout` SIGTERMs the writer: its shell sees 128 + 15 */
	res_int(&r->act, "rc", timed_out ? 128 + SIGTERM : ret < 0 ? -ret : 0);
	if (ret >= 0) {
		res_string(&r->act, "result", "ok");
		r->totals->ok++;
	} else if (timed_out) {
		/* recorded as the oracle records it: no errno, the writer was killed */
		res_string(&r->act, "result", "timeout");
		res_string(&r->act, "note", "write did not finish within its limit; the writer was killed "
					    "(the kernel saw a fatal signal: -EINTR)");
		r->totals->failed++;
	} else {
		res_string(&r->act, "result", "error");
		res_string(&r->act, "errno_name", memhp_strerror((int)ret));
		res_int(&r->act, "errno", -ret);
		res_string(&r->act, "stage", ret == -EACCES || ret == -ENOENT ? "open" : "write");
		res_string(&r->act, "msg", strerror((int)-ret));
		r->totals->failed++;
	}
	if (block >= 0)
		res_int(&r->act, "block", block);
	res_end(&r->act);
}

static void skip_step(struct run *r, const char *why)
{
	res_string(&r->act, "result", "skipped");
	res_string(&r->act, "reason", why);
	r->totals->skipped++;
}

static void skip_usage(struct run *r, const struct scn_step *st);

static void step_hotadd(struct run *r, struct scn_step *st)
{
	uint64_t size, addr = MEMHP_ADDR_AUTO;
	int node = 0, ret;
	struct dimm *d;

	if (scn_parse_size(st->argv[1], &size)) {
		skip_usage(r, st);
		return;
	}
	for (int i = 2; i < st->argc; i++) {
		if (!strncmp(st->argv[i], "node=", 5))
			node = atoi(st->argv[i] + 5);
		else if (!strncmp(st->argv[i], "addr=", 5))
			addr = strtoull(st->argv[i] + 5, NULL, 0);
	}
	res_string(&r->act, "dimm", st->argv[0]);
	res_uint(&r->act, "size", size);
	if (r->nr_dimms == MAX_DIMMS || find_dimm(r, st->argv[0])) {
		res_string(&r->act, "result", "device_add failed");
		r->totals->failed++;
		return;
	}
	d = &r->dimms[r->nr_dimms];
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", st->argv[0]);
	ret = t_dimm_add(r, d->name, size, node, addr, &d->info);
	if (ret) {
		/* QEMU refused the device: no _OST */
		res_string(&r->act, "result", "device_add failed");
		res_string(&r->act, "errno_name", memhp_strerror(ret));
		r->totals->failed++;
		return;
	}
	r->nr_dimms++;
	d->present = true;
	res_string(&r->act, "result", "ost");
	res_int(&r->act, "ost_status", 0);
	res_string(&r->act, "ost_status_name", "SUCCESS");
	res_uint(&r->act, "addr", d->info.addr);
	res_begin_array(&r->act, "blocks");
	for (unsigned long b = d->info.first_block; b <= d->info.last_block; b++)
		res_uint(&r->act, NULL, b);
	res_end(&r->act);
	res_bool(&r->act, "enabled", d->info.enabled);
	if (!d->info.enabled)
		res_string(&r->act, "add_error", memhp_strerror(d->info.add_error));
	r->totals->ok++;
}

/*
 * The oracle waits timeout=S seconds (180 by default) for the DIMM to go
 * or for a failing _OST, then settles as after any remove.  The kernel's
 * ACPI eject may wait for ever on a block whose offline keeps failing to
 * migrate (the hotplug work has no signal to stop it).  memhp's eject
 * stops at S instead and fails as the kernel's failed eject does
 * (acpi_bus_online: blocks its first pass offlined come back online, in
 * their default zone), so that the run goes on.  S is the host's time:
 * an eject that ends in time here but migrates more than the guest could
 * in S (30 us a page) is still "removed".
 */
#define REMOVE_TIMEOUT_SECONDS_DEFAULT 180.0
#define REMOVE_STILL_SECONDS 1.587

/* timeout=S as run-scenario takes it (a float); other k=v it ignores */
static int remove_timeout(const struct scn_step *st, double *secs)
{
	char *end;

	*secs = REMOVE_TIMEOUT_SECONDS_DEFAULT;
	if (st->argc < 2)
		return 0;
	if (!strchr(st->argv[1], '='))
		return -EINVAL;
	if (strncmp(st->argv[1], "timeout=", 8))
		return 0;
	*secs = strtod(st->argv[1] + 8, &end);
	return end == st->argv[1] + 8 || *end || !(*secs > 0 && *secs <= 86400) ? -EINVAL : 0;
}

/* Python's str(float), which run-scenario prints: the shortest repr, ".0" if whole */
static void python_float(char *buf, size_t len, double x)
{
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, len, "%.*g", prec, x);
		if (strtod(buf, NULL) == x)
			break;
	}
	if (!strpbrk(buf, ".e") && strlen(buf) + 2 < len)
		strcat(buf, ".0");
}

static void remove_timed_out(struct run *r, double secs)
{
	char what[96], num[32];

	python_float(num, sizeof(num), secs);
	snprintf(what, sizeof(what), "timeout (no DEVICE_DELETED / failing _OST within %ss)", num);
	res_string(&r->act, "result", what);
	r->step_seconds = secs + REMOVE_STILL_SECONDS;
	r->totals->failed++;
}

static void step_remove(struct run *r, struct scn_step *st)
{
	struct dimm *d = st->argc ? find_dimm(r, st->argv[0]) : NULL;
	unsigned int limit_ms;
	struct timespec t0, t1;
	double secs;
	int ret;

	if (remove_timeout(st, &secs)) {
		skip_step(r, "bad option: remove NAME [timeout=S], S seconds above 0 up to 86400");
		return;
	}
	if (!d || !d->present) {
		skip_step(r, "no such dimm");
		return;
	}
	res_string(&r->act, "dimm", d->name);
	limit_ms = (unsigned int)(secs * 1000.0 + 0.999);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = t_dimm_remove(r, d->name, limit_ms);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (!ret) {
		d->present = false;
		/* QEMU forgets the name: a later hotadd may reuse it */
		d->name[0] = '\0';
		res_string(&r->act, "result", "removed");
		r->totals->ok++;
	} else if (ret == -EBUSY && elapsed_ms(&t0, &t1) >= (double)limit_ms) {
		/* the offlines ran to the limit: the oracle saw no answer in S */
		remove_timed_out(r, secs);
	} else {
		res_string(&r->act, "result", "rejected");
		res_int(&r->act, "ost_status", 130);
		res_string(&r->act, "ost_status_name", "DEVICE_BUSY");
		res_string(&r->act, "errno_name", memhp_strerror(ret));
		r->totals->failed++;
	}
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
	} else if (st->argc == 3) {
		skip_usage(r, st);
		return;
	}
	expand(r, st->argv[0], spec, sizeof(spec));
	n = parse_blocks(r, spec, ids, 4096);
	if (n < 0) {
		skip_step(r, "bad BLOCKS");
		return;
	}
	res_begin_array(&r->act, "writes");
	for (int i = 0; i < n; i++) {
		char path[128];

		snprintf(path, sizeof(path), "/sys/devices/system/memory/memory%lu/%s", ids[i], file);
		record_write(r, path, st->argv[1], (long)ids[i]);
	}
	res_end(&r->act);
}

static void step_write(struct run *r, const char *path, const char *value)
{
	char p[512], v[512];

	expand(r, path, p, sizeof(p));
	expand(r, value, v, sizeof(v));
	res_begin_array(&r->act, "writes");
	record_write(r, p, v, -1);
	res_end(&r->act);
}

/* `sh` runs guest shell commands; memhp has no shell, but `cat FILE...` of
 * the kernel's files is honoured, as most scenarios use it */
static void step_sh(struct run *r, struct scn_step *st)
{
	char cmd[1024], *argv[SCN_MAX_ARGS];
	int argc;

	expand(r, st->rest, cmd, sizeof(cmd));
	res_string(&r->act, "cmd", cmd);
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
		res_int(&r->act, "rc", rc);
		res_string(&r->act, "stdout", outs ? outs : "");
		res_string(&r->act, "stderr", "");
		free(outs);
		if (rc)
			r->totals->failed++;
		else
			r->totals->ok++;
	}
}

/*
 * The guest's seconds for a kpf step: memtool reads /proc/kpageflags a
 * page at a time under TCG.  Over the 953 kpf steps of the random corpus
 * they are 0.0117 s plus 1.68 us a page read (a 128 MiB block 0.06 s,
 * 2 GiB 0.88 s; residual 0.10 s against 0.29 s for one mean;
 * tests/oracle/timing_fit.py refits them on the corpus as it stands).
 */
#define KPF_START_SECONDS 0.0117
#define KPF_PAGE_SECONDS 1.68e-6

static void step_kpf(struct run *r, struct scn_step *st)
{
	static const struct { int bit; const char *name; } flags[] = {
		/* in bit order, as the guest's memtool prints them */
		{ MEMHP_KPF_LOCKED, "LOCKED" }, { MEMHP_KPF_UPTODATE, "UPTODATE" }, { MEMHP_KPF_LRU, "LRU" }, { MEMHP_KPF_BUDDY, "BUDDY" },
		{ MEMHP_KPF_MMAP, "MMAP" }, { MEMHP_KPF_ANON, "ANON" }, { MEMHP_KPF_SWAPBACKED, "SWAPBACKED" },
		{ MEMHP_KPF_COMPOUND_HEAD, "COMPOUND_HEAD" }, { MEMHP_KPF_COMPOUND_TAIL, "COMPOUND_TAIL" },
		{ MEMHP_KPF_UNEVICTABLE, "UNEVICTABLE" }, { MEMHP_KPF_HWPOISON, "HWPOISON" },
		{ MEMHP_KPF_NOPAGE, "NOPAGE" }, { MEMHP_KPF_KSM, "KSM" }, { MEMHP_KPF_OFFLINE, "OFFLINE" },
		{ MEMHP_KPF_RESERVED, "RESERVED" }, { MEMHP_KPF_MLOCKED, "MLOCKED" },
		{ MEMHP_KPF_OWNER_2, "OWNER_2" }, { MEMHP_KPF_OWNER_PRIVATE, "OWNER_PRIVATE" },
	};
	unsigned long ids[4096];
	char spec[512];
	int n;

	expand(r, st->argc ? st->argv[0] : "", spec, sizeof(spec));
	n = parse_blocks(r, spec, ids, 4096);
	if (n < 0) {
		skip_step(r, "bad BLOCKS");
		return;
	}
	res_begin_object(&r->act, "kpageflags");
	r->step_seconds = KPF_START_SECONDS;
	for (int i = 0; i < n; i++) {
		unsigned long start, nr, noflags, count[64];
		char key[32];

		int ret = r->t->kpf(r, ids[i], &start, &nr, &noflags, count);

		if (!ret)
			r->step_seconds += KPF_PAGE_SECONDS * (double)nr;

		if (ret == -ENOENT)
			continue;	/* no such block: memtool's kpf reads nothing either */
		if (ret) {
			res_end(&r->act);
			res_string(&r->act, "result", "error");
			res_string(&r->act, "errno_name", memhp_strerror(ret));
			r->totals->failed++;
			return;
		}
		snprintf(key, sizeof(key), "%lu", ids[i]);
		res_begin_object(&r->act, key);
		res_uint(&r->act, "start_pfn", start);
		res_uint(&r->act, "nr", nr);
		res_uint(&r->act, "noflags", noflags);
		res_int(&r->act, "readerr", 0);
		for (size_t f = 0; f < sizeof(flags) / sizeof(flags[0]); f++)
			if (count[flags[f].bit])
				res_uint(&r->act, flags[f].name, count[flags[f].bit]);
		res_end(&r->act);
	}
	res_end(&r->act);
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
	r->t->hog_free(r, h);
	memset(h, 0, sizeof(*h));
}

/* enum hog_kind's words, as memtool takes them */
static const char *const hog_kind_names[] = { "anon", "mlock", "pipe" };

/* a hog step's kind, -1 when its first word names none */
static int hog_step_kind(const struct scn_step *st)
{
	for (int k = 0; st->argc && k < (int)(sizeof(hog_kind_names) / sizeof(*hog_kind_names)); k++)
		if (!strcmp(st->argv[0], hog_kind_names[k]))
			return k;
	return -1;
}

/* hog anon|mlock|pipe MiB [as VAR]: a process holding that much memory */
static void step_hog(struct run *r, struct scn_step *st)
{
	uint64_t mib;
	struct hog *h;
	size_t pages;
	int kind;

	if (scn_parse_size(st->argv[1], &mib) || r->nr_hogs == MAX_HOGS) {
		skip_usage(r, st);
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
	kind = hog_step_kind(st);
	if (kind < 0) {
		skip_step(r, "hog: kind is anon, mlock or pipe");
		return;
	}
	h->page_tables = kind != HOG_PIPE;
	if (r->t->hog(r, h, (enum hog_kind)kind, pages) == -EOPNOTSUPP) {
		skip_step(r, "hog pipe needs the machine in process");
		return;
	}
	r->nr_hogs++;
	res_int(&r->act, "rc", h->nr == pages ? 0 : 1);
	res_int(&r->act, "pid", h->id);
	res_uint(&r->act, "got_kib", h->nr * (r->geo.page_size >> 10));
	if (h->nr == pages)
		r->totals->ok++;
	else
		r->totals->failed++;
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
	if (kind < 0 || scn_parse_size(st->argv[1], &size) ||
	    (st->argc == 3 && sscanf(st->argv[2], "node=%d", &node) != 1)) {
		skip_usage(r, st);
		return;
	}
	ret = r->t->dax_region(r, kind, size, node, &info);
	res_int(&r->act, "rc", ret < 0 ? -ret : 0);
	res_string(&r->act, "result", ret ? memhp_strerror(ret) : "ok");
	if (ret) {
		r->totals->failed++;
	} else {
		res_string(&r->act, "dev", info.dev);
		r->totals->ok++;
	}
}

static void step_kill(struct run *r, struct scn_step *st)
{
	struct hog *h = st->argc ? find_hog(r, st->argv[0]) : NULL;

	if (!h) {
		skip_step(r, "no such hog");
		return;
	}
	res_int(&r->act, "pid", h->id);
	res_int(&r->act, "rc", 0);
	hog_free(r, h);
	r->totals->ok++;
}

/* where VAR: how many of its pages each memory block holds */
static void step_where(struct run *r, struct scn_step *st)
{
	struct hog *h = st->argc ? find_hog(r, st->argv[0]) : NULL;
	unsigned long *count, nblocks = 0;

	if (!h) {
		skip_step(r, "no such hog");
		return;
	}
	count = r->t->where(r, h, &nblocks);
	res_int(&r->act, "pid", h->id);
	res_int(&r->act, "rc", 0);
	res_begin_object(&r->act, "pages_per_block");
	for (unsigned long b = 0; count && b < nblocks; b++) {
		char key[32];

		if (!count[b])
			continue;
		snprintf(key, sizeof(key), "%lu", b);
		res_uint(&r->act, key, count[b]);
	}
	res_end(&r->act);
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

	snprintf(path, sizeof(path), "/sys/module/memory_hotplug/parameters/%s", st->argv[0]);
	step_write(r, path, st->argv[1]);
}

static void step_write_any(struct run *r, struct scn_step *st)
{
	step_write(r, st->argv[0], st->argv[1]);
}

/* snapshot, sleep: the snapshot after every step is all there is to do */
static void step_nothing(struct run *r, struct scn_step *st)
{
	(void)st;
	res_string(&r->act, "result", "ok");
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
	int min_args, max_args;	/* checked before run, which checks what they say */
	const char *usage;
	/* the result in text, after any writes (scenario_render.c); NULL: no more */
	void (*text)(FILE *out, const struct scn_step *st, const struct rv *act);
	/*
	 * the guest's seconds the oracle's step takes (see guest_seconds); 0
	 * for a verb timed by what it does instead: its writes
	 * (timed_by_writes), a hog's size, a sleep's argument, nothing
	 */
	double seconds;
	/*
	 * its work may migrate (a block's state, a remove): the pages it
	 * moved are counted, and add to its seconds (run_counting_migrations)
	 */
	bool migrates;
	/*
	 * a verb that migrates and is not timed by its writes: its seconds
	 * when it moved nothing, to which a step that did adds the pages'
	 */
	double still_seconds;
} step_verbs[] = {
	/* QMP, the _OST event, 0.3 s, then `sleep 0.5` in the guest */
	{ "hotadd", step_hotadd, 2, 5, "hotadd NAME SIZE [node=N] [addr=A] [timeout=S]", text_hotadd, 0.91, false, 0 },
	/* device_del, DEVICE_DELETED or _OST, 1 s, then `sleep 0.5` in the guest */
	{ "remove", step_remove, 1, 2, "remove NAME [timeout=S]", text_remove, 1.66, true, REMOVE_STILL_SECONDS },
	{ "state", step_state, 2, 3, "state BLOCKS VALUE [timeout=S]", NULL, 0, true, 0 },
	{ "online", step_state, 2, 3, "online BLOCKS VALUE [timeout=S]", NULL, 0, true, 0 },
	{ "auto_online", step_auto_online, 0, 1, "auto_online VALUE", NULL, 0.05, false, 0 },
	{ "param", step_param, 2, 2, "param NAME VALUE", NULL, 0.04, false, 0 },
	{ "write", step_write_any, 2, 2, "write PATH VALUE", NULL, 0, true, 0 },
	{ "kpf", step_kpf, 0, 1, "kpf BLOCKS", text_kpf, 0.23, false, 0 },	/* by the pages it reads */
	{ "sh", step_sh, 1, SCN_MAX_ARGS, "sh cat FILE...", text_sh, 0.05, false, 0 },
	{ "snapshot", step_nothing, 0, SCN_MAX_ARGS, "snapshot", NULL, 0, false, 0 },
	{ "sleep", step_nothing, 0, 1, "sleep SECONDS", NULL, 0, false, 0 },	/* its SECONDS */
	{ "hog", step_hog, 2, 4, "hog anon|mlock|pipe MiB [as VAR]", text_hog, 0, false, 0 },	/* by its size */
	/* `kill PID; sleep 1` in the guest */
	{ "kill", step_kill, 1, 1, "kill VAR", NULL, 1.05, false, 0 },
	{ "dax_region", step_dax_region, 2, 3, "dax_region cxl|hmem|pmem SIZE [node=N]", text_dax_region, 0, false, 0 },
	{ "where", step_where, 1, 1, "where VAR", text_where, 0.29, false, 0 },
	{ "qmp", step_qmp, 0, SCN_MAX_ARGS, "qmp ...", NULL, 1.0, false, 0 },
};

/*
 * The guest's clock.  Once a second vmstat_update decays each per-CPU
 * list's auto-tuned high and drains what is above it (decay_pcp_high), so
 * how many pages an exit leaves on the lists depends on how many seconds
 * pass before the next snapshot reads them.  memhp has no clock of its
 * own: the scenario's clock is the oracle's guest's, each step taking
 * what it takes there - its waits (hotadd, remove, kill, sleep, a write
 * the oracle killed at its limit) and its work under QEMU TCG (a hog
 * faults its memory in at about 5 ms a MiB, each block's write takes
 * 0.05-0.08 s, an offline migrates a page in 30 us), the means of the
 * recorded random runs (tests/oracle/timing_fit.py) - plus the snapshot
 * after it (snap.sh, 0.13 s).  A period ends at every whole second of
 * that clock plus half a second, or plus --vmstat-phase (where the
 * guest's jiffies stand is set by its boot, which a scenario does not
 * know, tests/oracle/repeat/jiffies-phase.*: half a period is its
 * expected place; --timeline gives a recording's own); the
 * periods that end within a step run after its action, before its
 * snapshot.  Measured over the corpus: 563 of 587 runs exact with this
 * clock, 551 with two periods per kill and none elsewhere; with each
 * block's write timed (a state step counted 0.14 s whatever it wrote
 * before), 2624 of 2708 against 2619.
 */
#define PERIOD_PHASE_DEFAULT 0.5

/*
 * A step that migrates takes longer by its pages: under TCG the oracle's
 * guest moves a page in 30 us (tests/oracle/timing_fit.py, by the
 * kernel's pgmigrate_success: 29.4 us over the state and online steps,
 * 38 us over the removes, whose fit the longest removes pull up; 30 us is
 * the median over the 85 steps that moved more than 5 000).  A remove
 * that moved 69 677 pages took 4.28 s instead of its 1.58 s, and the two
 * vmstat periods in the difference decayed pcp->high before the kills
 * that followed (seed 1299).
 */

/*
 * a step timed by its writes: state, online, write (one that wrote
 * nothing takes another file's write)
 */
static bool timed_by_writes(const struct step_verb *v)
{
	return v->run == step_state || v->run == step_write_any;
}

/* a step's seconds when it moved nothing: its verb's, or its writes' */
static double still_seconds(const struct run *r, const struct step_verb *v)
{
	if (timed_by_writes(v))
		return r->step_writes ? r->write_seconds : r->clk->write_other;
	return v->still_seconds;
}

static double verb_seconds(const struct run *r, const struct step_verb *v)
{
	for (size_t i = 0; i < sizeof(r->clk->verbs) / sizeof(r->clk->verbs[0]) && r->clk->verbs[i].verb; i++)
		if (!strcmp(r->clk->verbs[i].verb, v->verb))
			return r->clk->verbs[i].seconds;
	return timed_by_writes(v) ? still_seconds(r, v) : v->seconds;
}

static double guest_seconds(const struct run *r, const struct step_verb *v, const struct scn_step *st)
{
	uint64_t mib;
	int kind;

	if (r->step_seconds >= 0)
		return r->step_seconds;	/* by the work the step did */
	if (!strcmp(v->verb, "sleep") && st->argc == 1) {
		double t = atof(st->argv[0]);

		return t > 0 && t < 86400 ? t : 0;
	}
	/* a hog: its start, then per MiB faulted in */
	if (!strcmp(v->verb, "hog") && (kind = hog_step_kind(st)) >= 0 && st->argc >= 2 &&
	    !scn_parse_size(st->argv[1], &mib))
		return r->clk->hog_start[kind] + r->clk->hog_per_mib[kind] * (double)mib;
	return verb_seconds(r, v);
}

/*
 * memtool's mlocked hog touches its pages first, at the anonymous hog's
 * pace, then mlock()s them: that pass (mlock_fixup marking each folio,
 * moving it to the unevictable list) takes the rest of its seconds and
 * allocates nothing - 0.1 ms a MiB on the x86 guest, 9.4 on the arm64
 * 4K one, where a 512 MiB hog's list decays five times in it, 4.6 on the
 * 16K one.
 */
static double hog_mlock_seconds(const struct run *r, const struct scn_step *st)
{
	uint64_t mib;
	double pass;

	if (r->step_seconds >= 0 || hog_step_kind(st) != HOG_MLOCK || st->argc < 2 ||
	    scn_parse_size(st->argv[1], &mib))
		return 0;
	pass = (r->clk->hog_per_mib[HOG_MLOCK] - r->clk->hog_per_mib[HOG_ANON]) * (double)mib;
	return pass > 0 ? pass : 0;
}

/*
 * how many periods have ended by second t of the clock (t >= 0): at every
 * whole second plus the phase, or where the recording's timeline puts
 * them (its `period` lines, ascending)
 */
static long periods_ended(const struct run *r, double t)
{
	long lo = 0, hi = r->nr_periods;

	if (!r->nr_periods)
		return t < r->vmstat_phase ? 0 : (long)(t - r->vmstat_phase) + 1;
	/* past the last, once a second (period_end) */
	if (t >= r->periods[hi - 1] + 1)
		return hi + (long)(t - r->periods[hi - 1]);
	while (lo < hi) {
		long mid = (lo + hi) / 2;

		if (r->periods[mid] <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* when period j (from 0) ends; past the timeline's last, once a second */
static double period_end(const struct run *r, long j)
{
	if (!r->nr_periods)
		return r->vmstat_phase + (double)j;
	if (j < r->nr_periods)
		return r->periods[j];
	return r->periods[r->nr_periods - 1] + (double)(j - r->nr_periods + 1);
}

/* the step's seconds pass: a vmstat period for each one that ends in them */
static void guest_clock_run(struct run *r, double seconds)
{
	double end = r->clock + seconds;
	long periods = periods_ended(r, end) - periods_ended(r, r->clock);

	r->clock = end;
	if (periods > 0)
		r->t->seconds(r, periods < 86400 ? (int)periods : 86400);
}

/* the clock on to second t, when that is still ahead */
static void guest_clock_run_to(struct run *r, double t)
{
	if (t > r->clock)
		guest_clock_run(r, t - r->clock);
}

/*
 * A recording's clock (--timeline): when the step began and when its
 * snapshot did, on the recorded guest's own clock - the whole of what the
 * model estimates (waits, migrations, a hog's faults, the snapshots), so
 * that a replay differs from the kernel's run only by the rules.  NULL
 * for a step the timeline does not give.
 */
static const struct scn_step_time *recorded_step_time(const struct run *r, int step)
{
	for (int i = 0; i < r->nr_timeline; i++)
		if (r->timeline[i].step == step)
			return &r->timeline[i];
	return NULL;
}

/*
 * The snapshot reads /proc/zoneinfo after /proc/meminfo (snap.sh): a
 * period that ends in the first two cats' time is in what it reads.
 */
#define SNAPSHOT_ZONEINFO_SECONDS 0.02

const struct step_verb *find_step_verb(const char *verb)
{
	for (size_t i = 0; i < sizeof(step_verbs) / sizeof(step_verbs[0]); i++)
		if (!strcmp(step_verbs[i].verb, verb))
			return &step_verbs[i];
	return NULL;
}

/* the step skipped for its words: the table's usage line says why */
static void skip_usage(struct run *r, const struct scn_step *st)
{
	char usage[128];

	snprintf(usage, sizeof(usage), "usage: %s", find_step_verb(st->verb)->usage);
	skip_step(r, usage);
}

static void run_step(struct run *r, struct scn_step *st)
{
	/* scenario_load let no unknown verb through */
	const struct step_verb *v = find_step_verb(st->verb);

	r->write_timeout_ms = 0;	/* the default, unless the step says timeout=S */
	if (st->argc < v->min_args || st->argc > v->max_args) {
		skip_usage(r, st);
		return;
	}
	v->run(r, st);
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
	json_string(&r->j, "engine", r->t->engine);
	json_string(&r->j, "kernel_cmdline", cmdline);
}

/* the machine the directives describe, with the runner's kernel options */
static void machine_config(const struct scenario *s, const struct scn_options *opt, const char *cmdline,
			   struct memhp_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->arch = s->arch;
	cfg->mem = s->mem ? s->mem : 1ULL << 30;
	cfg->maxmem = s->maxmem ? s->maxmem : 16ULL << 30;
	cfg->slots = s->slots ? s->slots : 8;
	cfg->nr_nodes = s->numa ? s->numa : 1;
	cfg->explicit_node_mem = s->explicit_node_mem;
	memcpy(cfg->node_mem, s->node_mem, sizeof(cfg->node_mem));
	cfg->cmdline = cmdline;
	cfg->backing_dir = opt->backing_dir;
	cfg->huge_pages = opt->huge_pages;
	/* 0: the guest's without modules */
	cfg->initrd_size = arm64_guest(s->arch) ? s->initrd_size_arm64 : s->initrd_size;
	cfg->kernel_image_base = opt->kernel_image_base;
	cfg->coldplug = s->coldplug;
	cfg->nr_coldplug = s->nr_coldplug;
	cfg->nvdimm = s->nvdimm;
	cfg->nr_nvdimm = s->nr_nvdimm;
	cfg->nr_cpus = s->smp ? s->smp : 1;	/* run-scenario's -smp 1 */
}

/* a running memhpd: its machine is booted, the directives are its own */
static int connect_daemon(struct run *r, const char *socket)
{
	char *status, *bs, *log;
	int ret;

	r->t = &daemon_target;
	r->socket = socket;
	status = remote(r, "status%s%s", "", "", &ret);
	if (!status)
		return ret;
	r->geo.arch = strstr(status, "profile arm64-64k") ? "arm64-64k"
		    : strstr(status, "profile arm64-16k") ? "arm64-16k"
		    : strstr(status, "profile arm64-4k") ? "arm64-4k" : "x86_64";
	r->geo.page_size = strstr(status, "arm64-64k") ? 65536 : strstr(status, "arm64-16k") ? 16384 : 4096;
	bs = t_read(r, "/sys/devices/system/memory/block_size_bytes");
	r->geo.block_size = bs ? strtoull(bs, NULL, 16) : 0;
	free(bs);
	free(status);
	log = remote(r, "dmesg%s%s", "", "", NULL);
	r->log_seen = log ? strlen(log) : 0;
	free(log);
	return 0;
}

/* the run's header: the JSON document's opening and boot snapshot, or text */
static void begin_output(struct run *r, struct scenario *s, const char *cmdline)
{
	if (r->json) {
		json_begin_object(&r->j, NULL);
		json_string(&r->j, "format", "memhotplug-oracle/1");
		json_machine(r, s, cmdline);
		json_begin_object(&r->j, "boot");
		snapshot(r);
		json_end_object(&r->j);
		json_dimms_at_boot(r);
		json_begin_array(&r->j, "steps");
		return;
	}
	fprintf(r->out, "scenario: %s\nengine: %s (%s)\ncmdline: %s\n", s->file,
		r->t->engine, r->geo.arch, r->t == &daemon_target ? "(the daemon's)" : cmdline);
	if (s->skipped_directives)
		fprintf(r->out, "skipped directives: %s\n", s->skipped_directives);
	text_mark(r);
	fprintf(r->out, "boot: MemTotal %lu kB, block_size %#llx\n",
		r->prev_c.totalram_pages * (unsigned long)(r->geo.page_size >> 10),
		(unsigned long long)r->geo.block_size);
}

static void guest_processes_fork(struct run *r);

/*
 * A step that migrated: its verb's seconds without migration (the
 * remove's 1.66 s mean counts the removes that did; those that did not
 * took 1.587 s, timing_fit.py's intercept), then the pages'.  The count
 * is read before and after only for a verb that may migrate, and both
 * reads must succeed (a failed one charges nothing rather than a wrapped
 * or whole-run count).
 */
static void run_counting_migrations(struct run *r, struct scn_step *st, const struct step_verb *v)
{
	unsigned long before, after;
	bool counted = v->migrates && pages_migrated(r, &before);

	r->counting_migrations = counted;
	run_step(r, st);
	r->counting_migrations = false;
	if (counted && r->step_seconds < 0 && pages_migrated(r, &after) && after > before &&
	    after - before > r->waited_migrations)
		r->step_seconds = still_seconds(r, v) +
				  r->clk->migrate_page * (double)(after - before - r->waited_migrations);
	if (r->waited_seconds > 0)
		r->step_seconds = (r->step_seconds < 0 ? verb_seconds(r, v) : r->step_seconds) + r->waited_seconds;
}

/* a hog's faults alone, at the model's pace (an mlocked one's at the anonymous one's) */
static double hog_fault_seconds(const struct run *r, const struct scn_step *st)
{
	int kind = hog_step_kind(st);
	uint64_t mib;

	if (kind < 0 || st->argc < 2 || scn_parse_size(st->argv[1], &mib))
		return 0;
	return r->clk->hog_per_mib[kind == HOG_MLOCK ? HOG_ANON : kind] * (double)mib;
}

/*
 * The periods that end between start and end on the recorded clock run
 * among a hog's pages (hog_periods: after which fraction of them each
 * one ends), which the target's hog or exit follows; those before start
 * run now.  periods_among_done runs what the target did not.
 */
static void periods_among(struct run *r, double start, double end)
{
	long first, n;

	guest_clock_run_to(r, start);
	if (start < r->clock)
		start = r->clock;
	first = periods_ended(r, r->clock);
	/* none when the window ended before the clock stood (a step's
	 * times the model's clock has overtaken) */
	n = end > r->clock ? periods_ended(r, end) - first : 0;
	r->nr_hog_periods = n < HOG_PERIODS_MAX ? (int)n : HOG_PERIODS_MAX;
	for (int i = 0; i < r->nr_hog_periods; i++) {
		double t = period_end(r, first + i);

		r->hog_periods[i] = end > start ? (t - start) / (end - start) : 1;
	}
	/*
	 * The clock passes the periods placed; those it has no room for run
	 * after it: the clock then stands between the last placed and the
	 * next, whatever the rounding of either.
	 */
	if (r->nr_hog_periods == n && n > 0)
		r->clock = end;
	else if (n > 0)
		r->clock = (period_end(r, first + r->nr_hog_periods - 1) +
			    period_end(r, first + r->nr_hog_periods)) / 2;
	r->hog_periods_done = 0;
}

static void periods_among_done(struct run *r)
{
	/* a hog that never started (its words refused) still let them end */
	if (r->hog_periods_done < r->nr_hog_periods)
		r->t->seconds(r, r->nr_hog_periods - r->hog_periods_done);
	r->nr_hog_periods = r->hog_periods_done = 0;
}

/*
 * A hog on the recorded clock.  Its faults end where its reply came, less
 * its mlock() pass, and take what the model's pace gives them; a period
 * that ends in them decays pcp->high between two of its refills, and the
 * refills after it raise the list again.
 */
static void hog_on_recorded_clock(struct run *r, struct scn_step *st, const struct scn_step_time *when)
{
	double end = when->end - hog_mlock_seconds(r, st);

	periods_among(r, end - hog_fault_seconds(r, st), end);
	run_step(r, st);
	periods_among_done(r);
}

/*
 * A kill on the recorded clock: the agent's shell signals the hog
 * KILL_SIGNAL_SECONDS into the step, and its exit frees its mapping in
 * address order (exit_mmap) over EXIT_SECONDS plus EXIT_SECONDS_PER_MIB
 * a MiB - a pipe's buffers at once - so a period in that window falls
 * among the frees.  Measured on the oracle's guest (tests/oracle/repeat/
 * exit-free-calibration.*, signal_generate to sched_process_exit): a
 * 512 MiB anonymous hog's exit took 0.30 s with a vmstat_update 0.20 s
 * into it, a 256 MiB mlocked one's 0.15 s, a 64 MiB one's 0.06 s.
 */
#define KILL_SIGNAL_SECONDS 0.025
#define KILL_SLEEP_SECONDS 1.0

static size_t guest_cow_pages(const struct run *r);
static struct hog guest_cow_copy(struct run *r, size_t i);
#define EXIT_SECONDS 0.02
#define EXIT_SECONDS_PER_MIB 0.00055

static void kill_on_recorded_clock(struct run *r, struct scn_step *st, const struct scn_step_time *when,
				   double read)
{
	struct hog *h = st->argc ? find_hog(r, st->argv[0]) : NULL;
	double start = when->start + KILL_SIGNAL_SECONDS, end = start;

	/* a mapping's (page_tables: not a pipe's), to the snapshot at most */
	if (h && h->nr && h->page_tables)
		end += EXIT_SECONDS + EXIT_SECONDS_PER_MIB * (double)(h->nr * r->geo.page_size) / (double)(1 << 20);
	if (end > read)
		end = read;
	periods_among(r, start < end ? start : end, end);
	run_step(r, st);
	periods_among_done(r);
}

/*
 * The kill's step is the shell `kill PID; sleep 1`: its pages are copied
 * as it starts, before the hog's exit frees its mapping, and the old ones
 * freed as it exits a second later, with no allocation between to halve
 * the list's free_count (so a free past pcp->high then drains a whole
 * batch of its scale, nr_pcp_free) - the periods between run between.
 */
static void kill_with_its_shell(struct run *r, struct scn_step *st, const struct scn_step_time *when,
				double read)
{
	struct hog old[GUEST_COW_MAX_PAGES];
	size_t n = r->guest_processes ? guest_cow_pages(r) : 0;

	r->guest_cow_gen++;
	for (size_t i = 0; i < n; i++)
		old[i] = guest_cow_copy(r, i);
	kill_on_recorded_clock(r, st, when, read);
	guest_clock_run_to(r, when->start + KILL_SIGNAL_SECONDS + KILL_SLEEP_SECONDS);
	for (size_t i = 0; i < n; i++)
		hog_free(r, &old[i]);
}

/*
 * A step at the times its recording gives: the periods that ended before
 * it began (in the last snapshot, or between the steps) run first; a
 * hog's faults then take the time up to its snapshot, less its mlock()
 * pass, with their periods run before it as guest_seconds' model does;
 * the others' work comes first, then the rest of their periods.
 */
static void run_step_on_recorded_clock(struct run *r, struct scn_step *st, const struct scn_step_time *when)
{
	double read = when->snapshot + SNAPSHOT_ZONEINFO_SECONDS;

	guest_clock_run_to(r, when->start);
	if (!strcmp(st->verb, "hog")) {
		hog_on_recorded_clock(r, st, when);
	} else if (!strcmp(st->verb, "kill")) {
		kill_with_its_shell(r, st, when, read);
		guest_clock_run_to(r, read);
		return;
	} else {
		run_counting_migrations(r, st, find_step_verb(st->verb));
	}
	guest_processes_fork(r);
	guest_clock_run_to(r, read);
}

/*
 * One step: run, its result rendered (in the JSON document with the
 * snapshot after it, or as text with what changed), then the audit;
 * -EUCLEAN if that fails.
 */
static int run_one_step(struct run *r, struct scn_step *st)
{
	const struct scn_step_time *when;
	char msg[256];
	int ret = 0;

	r->totals->steps++;
	r->step_seconds = -1;
	r->step_writes = 0;
	r->write_seconds = 0;
	r->waited_seconds = 0;
	r->waited_migrations = 0;
	r->step_write_clock = 0;
	res_init(&r->act);
	if ((when = recorded_step_time(r, st->index))) {
		run_step_on_recorded_clock(r, st, when);
	} else if (!strcmp(st->verb, "hog")) {
		/*
		 * A hog's seconds are its faults: the periods ending in them
		 * decay pcp->high while its refills raise it again, which
		 * they outrun (the kernel's runs end a large hog at high_max):
		 * run before the hog, not after it.  An mlocked hog's mlock()
		 * comes after its faults and allocates nothing: the periods
		 * in it run after.
		 */
		double mlock_pass = hog_mlock_seconds(r, st);

		guest_clock_run(r, guest_seconds(r, find_step_verb(st->verb), st) - mlock_pass);
		run_step(r, st);
		guest_clock_run(r, mlock_pass);
		guest_processes_fork(r);
		guest_clock_run(r, r->clk->snapshot);
	} else {
		/* the others' work comes first, then their waits */
		run_counting_migrations(r, st, find_step_verb(st->verb));
		guest_processes_fork(r);
		guest_clock_run(r, guest_seconds(r, find_step_verb(st->verb), st) + r->clk->snapshot);
	}
	if (r->act.nomem) {
		fprintf(stderr, "memhp: step %d: out of memory, its recorded result is incomplete\n", st->index);
		r->totals->failed++;
	}
	if (r->json) {
		json_begin_object(&r->j, NULL);
		json_int(&r->j, "index", st->index);
		json_string(&r->j, "line", st->line);
		json_string(&r->j, "verb", st->verb);
		json_begin_object(&r->j, "action");
		rv_to_json(&r->act.root, &r->j);
		json_end_object(&r->j);
		snapshot(r);
		json_end_object(&r->j);
	} else {
		fprintf(r->out, "\nstep %d: %s\n", st->index, st->line);
		render_step_text(r->out, st, &r->act.root, find_step_verb(st->verb)->text);
		text_delta(r);
	}
	res_free(&r->act);
	if (t_audit(r, msg, sizeof(msg))) {
		fprintf(stderr, "memhp: audit failed after step %d: %s\n", st->index, msg);
		r->totals->failed++;
		ret = -EUCLEAN;
	}
	return ret;
}

/*
 * The oracle guest's user space: its init (busybox), the harness's agent
 * and the shell that runs its commands hold 3 MiB of anonymous memory
 * once the guest has booted, faulted like any process's - into
 * ZONE_MOVABLE when one exists at boot (the kernel's runs with a
 * coldplugged DIMM onlined movable: managed - free - per-CPU pages of
 * that zone are 767-770 at the boot snapshot), else into Normal or
 * DMA32.  memhp's machine is the kernel; the runner gives it the guest's
 * processes, before the boot's snapshot, for the life of the run.
 */
#define GUEST_USER_BYTES (3UL << 20)

/*
 * Of those, the pages the agent's long-lived shell writes: it forks for
 * every command a step runs, so each write after the fork breaks
 * copy-on-write and the copy comes from the zone user memory prefers now
 * (GFP_HIGHUSER_MOVABLE: the node's Movable zone first), the old page
 * going back when the child exits.  So these pages follow the newest
 * Movable memory: a zone populated by a step holds 41-50 pages of them
 * at its snapshot in the kernel's runs (managed - free - pcp), and an
 * offline of its last block must migrate them - the allocation of their
 * targets, finding the isolated zone under its high watermark, sets
 * ZONE_BELOW_HIGH, which then keeps pcp->high at high_min when the zone
 * is populated again.
 */
#define GUEST_COW_BYTES (192UL << 10)

static size_t guest_cow_pages(const struct run *r)
{
	size_t n = GUEST_COW_BYTES / r->geo.page_size;

	return n < GUEST_COW_MAX_PAGES ? n : GUEST_COW_MAX_PAGES;
}

/* page i's copy: a hog of one page, under a name memhpd's hog request takes */
static void guest_cow_fault(struct run *r, size_t i)
{
	struct hog *h = &r->guest_cow[i];

	/* a name of its own each time: a copy memhpd failed to free never clashes */
	snprintf(h->name, sizeof(h->name), "guest_cow_%zu_%u", i, r->guest_cow_gen);
	r->t->hog(r, h, HOG_ANON, 1);
}

/* page i copied on a write after the fork: the new copy faulted, the old page returned to be freed */
static struct hog guest_cow_copy(struct run *r, size_t i)
{
	struct hog old = r->guest_cow[i];

	memset(&r->guest_cow[i], 0, sizeof(r->guest_cow[i]));
	guest_cow_fault(r, i);
	return old;
}

/*
 * The `modules` set's .ko files and their list: the initramfs unpacks them
 * into the rootfs (tmpfs: page cache that GFP_HIGHUSER_MOVABLE places like
 * the processes' pages), where they stay after insmod has read them - each
 * file rounded up to whole pages.  The kernel's runs with nfit and a
 * coldplugged Movable DIMM hold 986-994 pages there at the boot snapshot
 * (managed - free - per-CPU), the 768 of the runs without modules plus the
 * dax-nfit set's 222 pages of .ko files and 1 of modules.list.
 */
static size_t guest_rootfs_module_pages(const struct run *r, const struct scenario *s)
{
	size_t page = r->geo.page_size, n = 0;

	for (size_t i = 0; i < SCN_MAX_MODULE_FILES; i++)
		n += (s->module_file_bytes[i] + page - 1) / page;
	return n ? n + 1 : 0;	/* + oracle/modules.list */
}

/*
 * The files are unpacked before init runs; then pid 1 (busybox sh running
 * /init, later exec'ing the agent) faults its own pages and forks its
 * first child, which faults as many of its own and exits.  A busybox
 * process holds 56 KiB of anonymous memory by its first command (RssAnon
 * of busybox-static's sh).  Of the 3 MiB, 709 pages are the initramfs's
 * files (busybox 484, memtool 222, the scripts 3), so 59 are anonymous and
 * 45 of them come after that first fork.  The child's frees reset the
 * per-CPU lists' alloc_factor: in the kernel's runs with the nfit modules
 * and a coldplugged Movable zone, the zones of batch 15 and 63 refilled
 * their scaled batch at the 946th page (932 files + 14), the zones of
 * batch 31 a plain 31 at the 962nd (1 page left on the lists).
 */
#define GUEST_PROCESS_ANON_BYTES (56UL << 10)
#define GUEST_AFTER_FIRST_FORK_BYTES (180UL << 10)

static void guest_first_child(struct run *r)
{
	struct hog child = { .name = "guest_first_child" };
	size_t pages = GUEST_PROCESS_ANON_BYTES / r->geo.page_size;

	if (!pages)
		return;		/* 64 KiB pages: less than one */
	r->t->hog(r, &child, HOG_ANON, pages);
	hog_free(r, &child);
}

static void start_guest_user_space(struct run *r, const struct scenario *s)
{
	size_t rootfs = guest_rootfs_module_pages(r, s);
	size_t cow = guest_cow_pages(r);
	size_t after_fork = MIN_SZ(cow, GUEST_AFTER_FIRST_FORK_BYTES / r->geo.page_size);

	r->guest_processes = true;
	if (rootfs) {
		snprintf(r->guest_rootfs.name, sizeof(r->guest_rootfs.name), "%s", "guest_rootfs_modules");
		r->t->hog(r, &r->guest_rootfs, HOG_ANON, rootfs);
	}
	snprintf(r->guest_user.name, sizeof(r->guest_user.name), "%s", "guest_user_space");
	r->t->hog(r, &r->guest_user, HOG_ANON, (GUEST_USER_BYTES - GUEST_COW_BYTES) / r->geo.page_size);
	for (size_t i = 0; i < cow; i++) {
		if (i == cow - after_fork)
			guest_first_child(r);
		guest_cow_fault(r, i);
	}
}

/*
 * A step's fork: each written page copied, the old one freed as the child
 * exits - interleaved, as the guest's processes allocate and free in
 * small runs (a burst of allocations would grow the per-CPU lists' refill
 * batch, alloc_factor, which every free halves).
 */
static void guest_processes_fork(struct run *r)
{
	if (!r->guest_processes)
		return;		/* --no-guest-processes */
	r->guest_cow_gen++;	/* the copies' names differ from the pages' */
	for (size_t i = 0; i < guest_cow_pages(r); i++) {
		struct hog old = guest_cow_copy(r, i);

		hog_free(r, &old);
	}
}

/*
 * The oracle runs each sysfs write as `timeout T memtool w PATH VALUE`,
 * and busybox's timeout forks a watcher: a grandchild of the step's shell
 * that sleeps a second at a time and exits at the first wake-up that finds
 * the writer gone - max(1, ceil(d)) seconds after a write of d seconds
 * began.  Its exit frees the pages it was left with (11-13 each in the
 * kernel's trace of seed 1897, tests/oracle/random/trace/1897-watchers.*),
 * on the guest's CPU, through that CPU's list of their zone.  If an
 * offline of that zone is running then, zone_pcp_disable has that list's
 * limits at 0: the pages pass straight to the buddy and pcp->high is left
 * at 0, which the list's next use after zone_pcp_enable clamps up to
 * high_min - not back to what the traffic had tuned (887, 1897).  Outside
 * an offline the watchers' pages are part of the steps' fork traffic
 * (guest_processes_fork); here they are taken from it.
 */
#define WATCHER_PAGES 12

/* the write that began at start and took seconds leaves its watcher */
static void watcher_start(struct run *r, double start, double seconds)
{
	double whole = (double)(long)seconds;	/* the wake-ups are whole seconds apart */
	double exit_at = start + (seconds > 1 ? whole + (whole < seconds) : 1);

	if (r->nr_watchers == WATCHERS_MAX) {
		/* the oldest exits first: it is the one memhp forgets */
		memmove(r->watcher_exit, r->watcher_exit + 1, (WATCHERS_MAX - 1) * sizeof(double));
		r->nr_watchers--;
	}
	r->watcher_exit[r->nr_watchers++] = exit_at;
}

/*
 * A watcher exits: its pages, taken from the step's copies not yet freed,
 * go - those outside the range being offlined, [lo, hi).  A page inside
 * it is isolated: its free would pass the list by, and the kernel's
 * offline migrates every page of that range (1897: 32768 of 32768), so the
 * watchers' pages were elsewhere.
 */
static void watcher_exit_frees(struct run *r, unsigned long lo, unsigned long hi)
{
	int freed = 0;

	for (size_t i = 0; i < guest_cow_pages(r) && freed < WATCHER_PAGES; i++) {
		struct hog *h = &r->guest_cow[i];
		unsigned long pfn;

		if (!h->region)
			continue;	/* another watcher's, freed already */
		pfn = (unsigned long)memhp_region_pfn(h->region, 0);
		if (pfn >= lo && pfn < hi)
			continue;
		hog_free(r, h);
		freed++;
	}
}

/*
 * How long the offline that begins now keeps its zone's lists disabled:
 * its migration, a page for each page on the LRU of its range; counted
 * only as far as `need` seconds, the latest exit that could fall in it.
 */
static double offline_window_seconds(struct run *r, const struct memhp_memory_notify *mn, double need)
{
	unsigned long lru = 0;

	for (unsigned long pfn = mn->start_pfn; pfn < mn->start_pfn + mn->nr_pages; pfn++) {
		if (r->clk->migrate_page * (double)lru >= need)
			break;
		lru += (memhp_kpageflags(r->m, pfn) >> MEMHP_KPF_LRU) & 1;
	}
	return r->clk->migrate_page * (double)lru;
}

/* MEM_GOING_OFFLINE: the watchers that exit while this offline runs */
static int watchers_exit_in_offline(void *arg, enum memhp_mem_action action, const struct memhp_memory_notify *mn)
{
	struct run *r = arg;
	double now = r->clock + r->step_write_clock, latest = now, window;
	int kept = 0;

	if (action != MEMHP_MEM_GOING_OFFLINE)
		return 0;
	for (int i = 0; i < r->nr_watchers; i++)
		if (r->watcher_exit[i] > latest)
			latest = r->watcher_exit[i];
	if (latest <= now)
		return 0;
	window = offline_window_seconds(r, mn, latest - now);
	for (int i = 0; i < r->nr_watchers; i++) {
		double exit_at = r->watcher_exit[i];

		if (exit_at >= now && exit_at <= now + window)
			watcher_exit_frees(r, mn->start_pfn, mn->start_pfn + mn->nr_pages);
		else if (exit_at > now)
			r->watcher_exit[kept++] = exit_at;
	}
	r->nr_watchers = kept;
	return 0;
}

/* this thread on the host CPU it runs on now (best effort) */
static void pin_to_one_cpu(void)
{
	int cpu = sched_getcpu();
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

int scenario_run(struct scenario *s, const struct scn_options *opt, FILE *out,
		 struct scn_totals *totals)
{
	struct memhp_config cfg;
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
	if (opt->socket) {
		ret = connect_daemon(r, opt->socket);
	} else {
		/*
		 * a thread uses the lists of the host CPU it runs on, modulo
		 * the guest's CPUs: with smp 2 or more a run the host moved
		 * between CPUs would switch lists mid-scenario.  Stay on one.
		 */
		pin_to_one_cpu();
		machine_config(s, opt, cmdline, &cfg);
		r->t = &local_target;
		ret = memhp_machine_create(&cfg, &r->m);
		if (!ret)
			memhp_get_geometry(r->m, &r->geo);
	}
	if (ret)
		goto out;
	record_coldplug(r, s);
	if (!opt->no_guest_processes)
		start_guest_user_space(r, s);
	/* the watchers' exits during offlines: only where the machine is ours */
	if (r->guest_processes && r->m)
		memhp_register_memory_notifier(r->m, watchers_exit_in_offline, r, 0);
	json_init(&r->j, out, opt->pretty);
	begin_output(r, s, cmdline);
	r->clk = guest_clock_of(s->arch);
	/* the boot's snapshot: the model's whole of it, or, on a recording's
	 * clock, up to where it read zoneinfo (the steps' times say the rest) */
	r->clock = opt->nr_timeline ? SNAPSHOT_ZONEINFO_SECONDS : r->clk->snapshot;
	r->vmstat_phase = opt->vmstat_phase >= 0 && opt->vmstat_phase < 1 ? opt->vmstat_phase : PERIOD_PHASE_DEFAULT;
	r->timeline = opt->timeline;
	r->nr_timeline = opt->nr_timeline;
	r->periods = opt->periods;
	r->nr_periods = opt->nr_periods;
	for (int i = 0; i < s->nr_steps; i++)
		if (run_one_step(r, &s->steps[i]))
			ret = -EUCLEAN;
	if (r->json) {
		json_end_array(&r->j);
		json_begin_array(&r->j, "errors");
		json_end_array(&r->j);
		json_end_object(&r->j);
	}
	free(r->prev_blocks);
	free(r->looked_up);
	for (int i = 0; i < r->nr_hogs; i++)
		hog_free(r, &r->hogs[i]);
	hog_free(r, &r->guest_user);
	hog_free(r, &r->guest_rootfs);
	for (size_t i = 0; i < GUEST_COW_MAX_PAGES; i++)
		hog_free(r, &r->guest_cow[i]);
	if (r->guest_processes && r->m)
		memhp_unregister_memory_notifier(r->m, watchers_exit_in_offline, r);
	r->t->close(r);
out:
	free(cmdline);
	free(r);
	return ret;
}
