/* SPDX-License-Identifier: MIT */
/*
 * helpers.h - shared by the cmocka tests: build a machine, read files,
 * take a full snapshot of everything the machine shows (to prove that a
 * failed operation changed nothing), and run the audit after each step.
 */
#ifndef MEMHP_TEST_HELPERS_H
#define MEMHP_TEST_HELPERS_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "memhp/memhp.h"

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

/*
 * ThreadSanitizer makes every access some ten times slower: the longest
 * loops (records through a pipe, bytes written and read back) run an
 * eighth of their length under it.  What they assert is the same; the
 * full length runs in the plain and ASan builds.
 */
#if defined(__SANITIZE_THREAD__)
#define SAN_SCALE 8
#else
#define SAN_SCALE 1
#endif

static inline struct memhp_machine *boot_machine(const char *cmdline, uint64_t mem)
{
	struct memhp_config c = { 0 };
	struct memhp_machine *m = NULL;

	c.cmdline = cmdline;
	c.mem = mem;
	c.maxmem = 96 * GiB;
	c.max_phys = 256 * GiB;	/* small reservations: fits ThreadSanitizer too */
	assert_int_equal(memhp_machine_create(&c, &m), 0);
	return m;
}

/* the oracle's guest: nr_cpus CPUs, so that many pagesets per zone */
static inline struct memhp_machine *boot_machine_cpus(const char *cmdline, uint64_t mem, unsigned int nr_cpus)
{
	struct memhp_config c = { 0 };
	struct memhp_machine *m = NULL;

	c.cmdline = cmdline;
	c.mem = mem;
	c.maxmem = 16 * GiB;
	c.max_phys = 64 * GiB;
	c.nr_cpus = nr_cpus;
	assert_int_equal(memhp_machine_create(&c, &m), 0);
	return m;
}

static inline void audit_ok(struct memhp_machine *m)
{
	char msg[512];
	int ret = memhp_audit(m, msg, sizeof(msg));

	if (ret)
		fail_msg("audit: %s", msg);
}

/* has the machine's log (its dmesg) a line containing `what`? */
static inline bool log_has(struct memhp_machine *m, const char *what)
{
	static char log[1 << 16];
	uint64_t seq = 0;

	memhp_log_read(m, &seq, log, sizeof(log));
	return strstr(log, what) != NULL;
}

/* the whole content of a file (caller frees); NULL with errno-like code */
static inline char *readf(struct memhp_machine *m, const char *fmt, ...)
{
	char path[256];
	va_list ap;
	ssize_t n;
	char *buf;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	n = memhp_file_read_alloc(m, path, &buf);
	if (n < 0)
		return NULL;
	assert_non_null(buf);
	return buf;
}

/* assert the content of a file */
static inline void file_is(struct memhp_machine *m, const char *path, const char *want)
{
	char *got = readf(m, "%s", path);

	if (!got)
		fail_msg("%s: cannot read", path);
	if (strcmp(got, want))
		fail_msg("%s: want '%s', got '%s'", path, want, got);
	free(got);
}

/* one write(2) of a string; returns what the write returned */
static inline ssize_t writef(struct memhp_machine *m, const char *path, const char *val)
{
	return memhp_file_write(m, path, val, strlen(val));
}

/* a write that must succeed: it returns the whole count */
#define write_ok(m, path, val) assert_int_equal(writef((m), (path), (val)), (ssize_t)strlen(val))

/*
 * The boot sets the watermarks and lowmem reserves while the kernel
 * image's init sections and the initrd are still reserved, and they stay
 * so until the next online or offline recomputes them from the managed
 * pages (init_per_zone_wmark_min) - in the kernel as here.  A test that
 * compares the machine before and after a hot-add and remove starts after
 * one such cycle, so that the cycle it checks is the only difference.
 */
static inline void settle_watermarks(struct memhp_machine *m)
{
	const char *path = "/sys/devices/system/memory/auto_online_blocks";
	char *policy = readf(m, "%s", path);
	struct memhp_dimm_info d;

	assert_non_null(policy);
	policy[strcspn(policy, "\n")] = '\0';
	/* movable, so that no kernel allocation keeps it */
	write_ok(m, path, "offline");
	assert_int_equal(memhp_dimm_add(m, "settle", 128 * MiB, 0, MEMHP_ADDR_AUTO, -1, &d), 0);
	assert_true(d.enabled);
	assert_int_equal(memhp_block_online(m, d.first_block, MEMHP_MMOP_ONLINE_MOVABLE), 0);
	assert_int_equal(memhp_dimm_remove(m, "settle"), 0);
	write_ok(m, path, policy);
	free(policy);
}


static inline void append(char **dst, size_t *len, const char *s)
{
	size_t n = strlen(s);

	*dst = realloc(*dst, *len + n + 1);
	assert_non_null(*dst);
	memcpy(*dst + *len, s, n + 1);
	*len += n;
}

/*
 * Everything the machine shows through its files, the audit, the counters
 * and (with freelists) how its free pages are split into buddy chunks: two
 * equal snapshots mean nothing changed.  Without freelists it ignores only
 * where free pages sit - what an offline cancelled after migrating some
 * pages changes in the kernel too.  The vm event counters (pgmigrate_*,
 * the last lines of /proc/vmstat) are left out: they count what happened,
 * rolled back or not, in the kernel as here; so is each per-cpu list's
 * auto-tuned high, which any allocation or free moves.  /proc/pagetypeinfo
 * is left out too: a fallback allocation that is undone leaves the
 * pageblocks it claimed with their new type, in the kernel as here (the
 * freed pages keep it, __free_one_page merges other types into it), so
 * the free pages are the same and in the same chunks (buddyinfo) but may
 * sit on another type's lists.
 */
static inline char *machine_snapshot_opts(struct memhp_machine *m, int freelists)
{
	static const char *const files[] = { "/proc/meminfo", "/proc/zoneinfo", "/proc/vmstat",
					     "/proc/iomem", "/proc/buddyinfo",
					     "/sys/devices/system/node/online",
					     "/sys/devices/system/node/has_memory",
					     "/sys/devices/system/node/has_normal_memory" };
	static const char *const attrs[] = { "state", "online", "valid_zones", "phys_index" };
	unsigned long ids[8192];
	size_t n = memhp_block_ids(m, ids, 8192), len = 0;
	char *s = NULL, line[256];

	/* the per-cpu caches are a cache: compare free memory without them */
	memhp_drain_pcp(m);
	audit_ok(m);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *f;

		if (!freelists && strstr(files[i], "buddyinfo"))
			continue;
		f = readf(m, "%s", files[i]);
		/* vm events count what happened, undone or not: not state */
		for (char *ev = f ? strstr(f, "pgmigrate_") : NULL; ev; ev = strstr(ev, "pgmigrate_"))
			*ev = '\0';
		/* nor is the per-cpu lists' auto-tuned high: it follows the traffic */
		for (char *h = f ? strstr(f, "high:  ") : NULL; h; h = strstr(h, "high:  ")) {
			size_t digits = strspn(h += 7, "0123456789");

			memmove(h, h + digits, strlen(h + digits) + 1);
		}

		append(&s, &len, files[i]);
		append(&s, &len, f ? f : "(unreadable)");
		free(f);
	}
	for (size_t i = 0; i < n; i++) {
		for (size_t a = 0; a < sizeof(attrs) / sizeof(attrs[0]); a++) {
			char *f = readf(m, "/sys/devices/system/memory/memory%lu/%s", ids[i], attrs[a]);

			snprintf(line, sizeof(line), "memory%lu/%s=", ids[i], attrs[a]);
			append(&s, &len, line);
			append(&s, &len, f ? f : "(unreadable)");
			free(f);
		}
	}
	return s;
}

static inline char *machine_snapshot(struct memhp_machine *m)
{
	return machine_snapshot_opts(m, 1);
}

static inline void snapshots_equal(const char *before, const char *after)
{
	if (strcmp(before, after)) {
		size_t i = 0;

		while (before[i] && before[i] == after[i])
			i++;
		fail_msg("machine changed near: ...%.80s... became ...%.80s...",
			 before + (i > 40 ? i - 40 : 0), after + (i > 40 ? i - 40 : 0));
	}
}

/* the machine looks exactly as in `before` */
static inline void assert_unchanged(struct memhp_machine *m, const char *before)
{
	char *now = machine_snapshot_opts(m, strstr(before, "/proc/buddyinfo") != NULL);

	snapshots_equal(before, now);
	free(now);
}

static inline long zone_field(struct memhp_machine *m, int nid, const char *zone, const char *field)
{
	struct memhp_zone_info z[80];
	size_t n = memhp_zones(m, z, 80);

	for (size_t i = 0; i < n; i++) {
		if (z[i].nid != nid || strcmp(z[i].name, zone))
			continue;
		if (!strcmp(field, "present"))
			return (long)z[i].present;
		if (!strcmp(field, "managed"))
			return (long)z[i].managed;
		if (!strcmp(field, "spanned"))
			return (long)z[i].spanned;
		if (!strcmp(field, "start_pfn"))
			return (long)z[i].start_pfn;
		if (!strcmp(field, "free"))
			return (long)z[i].free;
		if (!strcmp(field, "free+pcp"))
			return (long)(z[i].free + z[i].pcp);
	}
	fail_msg("no zone %d:%s", nid, zone);
	return -1;
}

/*
 * A number of zone nid:zone's section in /proc/zoneinfo: a watermark
 * ("min", "low", "high") or a field of the first CPU's pageset ("count:",
 * "high:", "batch:"); -1 if there is none
 */
static inline long zoneinfo_field(struct memhp_machine *m, int nid, const char *zone, const char *key)
{
	char *zi = NULL, *line, *save = NULL, want[64];
	bool in = false;
	long v = -1;

	snprintf(want, sizeof(want), "Node %d, zone %8s", nid, zone);
	assert_true(memhp_file_read_alloc(m, "/proc/zoneinfo", &zi) > 0);
	for (line = strtok_r(zi, "\n", &save); line && v < 0; line = strtok_r(NULL, "\n", &save)) {
		char k[16];
		long n;

		if (!strncmp(line, "Node ", 5))
			in = !strcmp(line, want);
		else if (in && sscanf(line, " %15s %ld", k, &n) == 2 && !strcmp(k, key))
			v = n;
	}
	free(zi);
	return v;
}

/* free pages everywhere, in the buddy or in the per-cpu caches */
static inline unsigned long free_all(struct memhp_machine *m)
{
	struct memhp_zone_info z[80];
	size_t n = memhp_zones(m, z, 80);
	unsigned long f = 0;

	for (size_t i = 0; i < n; i++)
		f += z[i].free + z[i].pcp;
	return f;
}

#endif
