// SPDX-License-Identifier: MIT
/*
 * memhpctl - the command-line client of memhp.
 *
 *   memhpctl plan [--mem SIZE | --numa S0,S1,...] [--cmdline 'OPTS'] [--json] DEVICE...
 *       what adding DEVICEs (dimm|cxl|hmem:SIZE[@NODE]) would do (plan.c)
 *   memhpctl demo [--svg FILE] [--json FILE]     the main job (demo.c)
 *
 *   memhpctl run FILE [--json] [--pretty] [-o OUT] [--backing-dir DIR] [KERNEL_OPTION...]
 *       run a scenario (the oracle's language) on an in-process machine;
 *       KERNEL_OPTIONs are appended to its kernel command line, as
 *       ../shared/oracle/run-scenario does.  Exit 0 when the run completed
 *       and every audit passed.  With --socket PATH (before or after `run`)
 *       the steps go to a running memhpd instead, whose machine the
 *       directives then do not change.
 *
 * Against a running memhpd (its control socket, --socket PATH, default
 * /run/memhpd.sock):
 *   memhpctl device add NAME SIZE [--node N] [--addr A] [--backing PATH]
 *   memhpctl device del NAME
 *   memhpctl online [--zone kernel|movable] BLOCK...   memhpctl offline BLOCK...
 *   memhpctl ls [--json]         memory blocks, lsmem-like
 *   memhpctl stat                meminfo and per-zone summary
 *   memhpctl status | dmesg | shutdown
 *   memhpctl hog NAME SIZE | pin|unpin|pfn NAME INDEX | kill NAME
 *   memhpctl dax create cxl|hmem|pmem SIZE [node=N] | dax destroy REGION
 *                                memory in use, as the oracle's hog processes
 *
 *   memhpctl exec --mount DIR -- CMD [ARGS...]
 *       run CMD in a private mount namespace where memhpd's tree at DIR
 *       is bound over /sys/devices/system/{memory,node}, /sys/module,
 *       /sys/bus/{dax,nd}, /sys/devices/platform, /sys/dev/char, the /proc
 *       files and debugfs, and /dev is a tmpfs with the usual nodes plus one
 *       per dax device, so that CMD (lsmem, chmem, daxctl) sees memhp as the
 *       system; exits with CMD's status.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "ctl.h"
#include "memhp/memhp.h"
#include "mounts.h"
#include "plan.h"
#include "scenario.h"

static const char *socket_path = CTL_DEFAULT_SOCKET;
static int socket_given;	/* `run` goes to a daemon only when asked */

static int usage(FILE *f, int rc)
{
	fprintf(f,
		"usage: memhpctl run FILE [--json] [--pretty] [-o OUT] [--backing-dir DIR] [KERNEL_OPTION...]\n"
		"       memhpctl plan [--mem SIZE | --numa S0,S1,...] [--cmdline 'OPTS'] [--profile NAME] [--json]\n"
		"                     dimm|cxl|hmem:SIZE[@NODE]...   (what a hot-add will do, on a throwaway machine)\n"
		"       memhpctl demo [--svg FILE] [--json FILE] [--device SIZE]\n"
		"       memhpctl --socket PATH run FILE [--json] [-o OUT]   (against a running memhpd)\n"
		"       memhpctl [--socket PATH] device add NAME SIZE [--node N] [--addr A] [--backing PATH]\n"
		"       memhpctl [--socket PATH] device del NAME\n"
		"       memhpctl [--socket PATH] online [--zone kernel|movable] BLOCK...\n"
		"       memhpctl [--socket PATH] offline BLOCK...\n"
		"       memhpctl [--socket PATH] ls [--json]\n"
		"       memhpctl [--socket PATH] stat\n"
		"       memhpctl [--socket PATH] status | dmesg | shutdown\n"
		"       memhpctl [--socket PATH] hog NAME SIZE | pin|unpin|pfn NAME INDEX | kill NAME\n"
		"       memhpctl [--socket PATH] pin NAME INDEX --hold   (pinned while memhpctl lives)\n"
		"       memhpctl [--socket PATH] audit | fault N   (recount everything; fail the Nth step)\n"
		"       memhpctl [--socket PATH] dax create cxl|hmem|pmem SIZE [node=N] | dax destroy REGION\n"
		"       memhpctl exec --mount DIR -- CMD [ARGS...]\n"
		"       memhpctl help\n");
	return rc;
}

/* one request; prints the error and returns 1 when memhpd refuses */
static int request(const char *req, char **payload)
{
	char err[512];
	char *p = NULL;
	int ret = ctl_request(socket_path, req, &p, err, sizeof(err));

	if (ret) {
		fprintf(stderr, "memhpctl: %s\n", err);
		return 1;
	}
	if (payload)
		*payload = p;
	else
		free(p);
	return 0;
}

static int cmd_device(int argc, char **argv)
{
	char req[CTL_MAX_LINE];
	size_t n;
	char *out = NULL;
	int ret;

	if (argc == 2 && !strcmp(argv[0], "del")) {
		snprintf(req, sizeof(req), "device del %s", argv[1]);
		return request(req, NULL);
	}
	if (argc < 3 || strcmp(argv[0], "add"))
		return usage(stderr, 2);
	n = (size_t)snprintf(req, sizeof(req), "device add %s %s", argv[1], argv[2]);
	for (int i = 3; i < argc; i++) {
		const char *key = NULL;

		if (!strcmp(argv[i], "--node"))
			key = "node";
		else if (!strcmp(argv[i], "--addr"))
			key = "addr";
		else if (!strcmp(argv[i], "--backing"))
			key = "backing";
		if (!key || i + 1 >= argc)
			return usage(stderr, 2);
		if (!strcmp(key, "backing") && argv[i + 1][0] != '/') {
			char *abs = realpath(argv[i + 1], NULL);

			if (!abs) {
				fprintf(stderr, "memhpctl: %s: %s\n", argv[i + 1], strerror(errno));
				return 1;
			}
			n += (size_t)snprintf(req + n, sizeof(req) - n, " %s=%s", key, abs);
			free(abs);
		} else {
			n += (size_t)snprintf(req + n, sizeof(req) - n, " %s=%s", key, argv[i + 1]);
		}
		i++;
	}
	ret = request(req, &out);
	if (!ret && out)
		printf("%s", out);
	free(out);
	return ret;
}

static int cmd_online(int argc, char **argv, bool online)
{
	const char *keyword = online ? "online" : "offline";
	int rc = 0;

	for (int i = 0; i < argc; i++) {
		char req[256];

		if (online && !strcmp(argv[i], "--zone") && i + 1 < argc) {
			keyword = !strcmp(argv[i + 1], "movable") ? "online_movable" : "online_kernel";
			i++;
			continue;
		}
		snprintf(req, sizeof(req), "write /sys/devices/system/memory/memory%s/state %s", argv[i], keyword);
		rc |= request(req, NULL);
	}
	return rc;
}

static char *get(const char *fmt, const char *arg)
{
	char req[512];
	char *out = NULL;
	char err[256];

	snprintf(req, sizeof(req), fmt, arg);
	if (ctl_request(socket_path, req, &out, err, sizeof(err)))
		return NULL;
	if (out) {
		size_t n = strlen(out);

		while (n && out[n - 1] == '\n')
			out[--n] = '\0';
	}
	return out;
}

struct block_row {
	unsigned long id;
	char state[16], zones[32];
	int node;
};

static int row_cmp(const void *a, const void *b)
{
	unsigned long x = ((const struct block_row *)a)->id, y = ((const struct block_row *)b)->id;

	return x < y ? -1 : x > y;
}

/* lsmem's view: consecutive blocks with the same state, node and zones merge */
static int cmd_ls(int argc, char **argv)
{
	bool json = argc > 0 && !strcmp(argv[0], "--json");
	char *list = get("list %s", "/sys/devices/system/memory"), *bs = get("read %s",
		"/sys/devices/system/memory/block_size_bytes");
	struct block_row *rows = NULL;
	size_t n = 0, cap = 0;
	unsigned long long block_size;

	if (!list || !bs) {
		fprintf(stderr, "memhpctl: cannot reach memhpd at %s\n", socket_path);
		free(list);
		free(bs);
		return 1;
	}
	block_size = strtoull(bs, NULL, 16);
	for (char *line = strtok(list, "\n"); line; line = strtok(NULL, "\n")) {
		unsigned long id;
		char path[128], *v, *links;

		if (sscanf(line, "d memory%lu", &id) != 1)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			rows = realloc(rows, cap * sizeof(*rows));
			if (!rows)
				return 1;
		}
		rows[n].id = id;
		snprintf(path, sizeof(path), "/sys/devices/system/memory/memory%lu/state", id);
		v = get("read %s", path);
		snprintf(rows[n].state, sizeof(rows[n].state), "%s", v ? v : "?");
		free(v);
		snprintf(path, sizeof(path), "/sys/devices/system/memory/memory%lu/valid_zones", id);
		v = get("read %s", path);
		snprintf(rows[n].zones, sizeof(rows[n].zones), "%s", v ? v : "");
		free(v);
		snprintf(path, sizeof(path), "/sys/devices/system/memory/memory%lu", id);
		links = get("list %s", path);
		rows[n].node = -1;
		for (char *l = links ? strstr(links, "l node") : NULL; l; l = NULL)
			rows[n].node = atoi(l + 6);
		free(links);
		n++;
	}
	qsort(rows, n, sizeof(*rows), row_cmp);
	if (json)
		printf("{\n   \"memory\": [\n");
	else
		printf("%-37s %5s %-13s %5s %4s %s\n", "RANGE", "SIZE", "STATE", "BLOCK", "NODE", "ZONES");
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		unsigned long long start, end, size;
		char blocks[48], sz[32];

		while (j < n && rows[j].id == rows[j - 1].id + 1 && !strcmp(rows[j].state, rows[i].state) &&
		       rows[j].node == rows[i].node && !strcmp(rows[j].zones, rows[i].zones))
			j++;
		start = rows[i].id * block_size;
		end = (rows[j - 1].id + 1) * block_size - 1;
		size = end - start + 1;
		if (j - i > 1)
			snprintf(blocks, sizeof(blocks), "%lu-%lu", rows[i].id, rows[j - 1].id);
		else
			snprintf(blocks, sizeof(blocks), "%lu", rows[i].id);
		if (size >= (1ULL << 30) && !(size % (1ULL << 30)))
			snprintf(sz, sizeof(sz), "%lluG", size >> 30);
		else
			snprintf(sz, sizeof(sz), "%lluM", size >> 20);
		if (json)
			printf("      {\"range\": \"0x%016llx-0x%016llx\", \"size\": %llu, \"state\": \"%s\", "
			       "\"block\": \"%s\", \"node\": %d, \"zones\": \"%s\"}%s\n",
			       start, end, size, rows[i].state, blocks, rows[i].node, rows[i].zones,
			       j < n ? "," : "");
		else
			printf("0x%016llx-0x%016llx %5s %-13s %5s %4d %s\n", start, end, sz, rows[i].state,
			       blocks, rows[i].node, rows[i].zones);
		i = j;
	}
	if (json)
		printf("   ]\n}\n");
	free(rows);
	free(list);
	free(bs);
	return 0;
}

static int cmd_stat(void)
{
	char *meminfo = get("read %s", "/proc/meminfo"), *zoneinfo = get("read %s", "/proc/zoneinfo");
	char *vmstat = get("read %s", "/proc/vmstat");
	char zone[32] = "";
	int node = -1;

	if (!meminfo || !zoneinfo || !vmstat) {
		fprintf(stderr, "memhpctl: cannot reach memhpd at %s\n", socket_path);
		return 1;
	}
	for (char *l = strtok(meminfo, "\n"); l; l = strtok(NULL, "\n"))
		if (!strncmp(l, "MemTotal", 8) || !strncmp(l, "MemFree", 7))
			printf("%s\n", l);
	for (char *l = strtok(vmstat, "\n"); l; l = strtok(NULL, "\n"))
		if (strstr(l, "memmap"))
			printf("%s\n", l);
	printf("%-4s %-8s %10s %10s %10s %10s %10s\n", "node", "zone", "start_pfn", "spanned", "present",
	       "managed", "free");
	{
		unsigned long v[5] = { 0 };
		bool have = false;

		for (char *l = strtok(zoneinfo, "\n");; l = strtok(NULL, "\n")) {
			char key[32];
			unsigned long x;

			if (!l || sscanf(l, "Node %d, zone %31s", &node, key) == 2) {
				if (have && v[2])
					printf("%-4d %-8s %10lu %10lu %10lu %10lu %10lu\n", node, zone, v[4], v[1],
					       v[2], v[3], v[0]);
				if (!l)
					break;
				sscanf(l, "Node %d, zone %31s", &node, zone);
				memset(v, 0, sizeof(v));
				have = true;
				continue;
			}
			if (sscanf(l, " pages free %lu", &x) == 1)
				v[0] = x;
			else if (sscanf(l, " spanned %lu", &x) == 1)
				v[1] = x;
			else if (sscanf(l, " present %lu", &x) == 1)
				v[2] = x;
			else if (sscanf(l, " managed %lu", &x) == 1)
				v[3] = x;
			else if (sscanf(l, " start_pfn: %lu", &x) == 1)
				v[4] = x;
		}
	}
	free(meminfo);
	free(zoneinfo);
	free(vmstat);
	return 0;
}

/*
 * What `exec` puts in front of the host's files.  BIND_TREE: memhpd's own
 * file must exist and replaces the host's.  BIND_OR_HIDE: memhpd's when its
 * tree has it, otherwise the host's is hidden under an empty read-only
 * tmpfs - a tool that finds no memhp directory there must find nothing,
 * never the host's CXL bus or ACPI memory devices (whose eject would
 * remove the host's real memory).
 */
enum exec_bind { BIND_TREE, BIND_OR_HIDE };

static const struct exec_path {
	const char *rel;
	enum exec_bind how;
} exec_paths[] = {
	{ "sys/devices/system/memory", BIND_TREE },
	{ "sys/devices/system/node", BIND_TREE },
	{ "sys/module", BIND_TREE },
	{ "sys/bus/dax", BIND_TREE },
	{ "sys/bus/nd", BIND_TREE },
	{ "sys/bus/cxl", BIND_OR_HIDE },
	{ "sys/bus/acpi", BIND_OR_HIDE },
	{ "sys/devices/platform", BIND_TREE },
	{ "sys/devices/LNXSYSTM:00", BIND_OR_HIDE },
	{ "sys/firmware/acpi/hotplug", BIND_OR_HIDE },
	{ "sys/dev/char", BIND_TREE },
	{ "proc/meminfo", BIND_TREE },
	{ "proc/zoneinfo", BIND_TREE },
	{ "proc/vmstat", BIND_TREE },
	{ "proc/iomem", BIND_TREE },
	{ "proc/buddyinfo", BIND_TREE },
	{ "proc/pagetypeinfo", BIND_TREE },
	{ "sys/kernel/debug", BIND_TREE },
};

/* the host's /rel hidden under an empty, read-only tmpfs */
static int hide_host_dir(const char *dst, char *why, size_t len)
{
	if (!mount("memhp-hidden", dst, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=0555"))
		return 0;
	why_set(why, len, "cannot hide the host's %s: %s", dst, strerror(errno));
	return -errno;
}

/*
 * Bind the tree's DIR/rel over /rel, checking both ends against TREE (the
 * memhpd mount's device): the source must be inside the tree (a link out
 * of it would bind a host file), and afterwards /rel must be the tree's.
 * A missing host /rel is fine: there is nothing of the host's to cover.
 */
static int bind_from_tree(const char *mnt, const struct exec_path *p, dev_t tree, char *why, size_t len)
{
	char src[4096], dst[4096];
	struct stat a, b;

	snprintf(src, sizeof(src), "%s/%s", mnt, p->rel);
	snprintf(dst, sizeof(dst), "/%s", p->rel);
	if (stat(dst, &b))
		return 0;
	if (stat(src, &a)) {
		if (errno == ENOENT && p->how == BIND_OR_HIDE && S_ISDIR(b.st_mode))
			return hide_host_dir(dst, why, len);
		why_set(why, len, "the memhpd tree has no %s (%s): the host's would show through", src,
			 strerror(errno));
		return -ENOENT;
	}
	if (a.st_dev != tree) {
		why_set(why, len, "%s is not inside the memhpd tree", src);
		return -EXDEV;
	}
	if (mount(src, dst, NULL, MS_BIND, NULL)) {
		why_set(why, len, "cannot bind %s over %s: %s", src, dst, strerror(errno));
		return -errno;
	}
	if (stat(dst, &b) || b.st_dev != tree) {
		why_set(why, len, "%s is still not memhp's after the bind", dst);
		return -EXDEV;
	}
	return 0;
}

/*
 * A private /dev: a tmpfs holding the host's usual nodes (bound from the
 * original /dev through an O_PATH descriptor, which still reaches it once
 * covered) and a character node per dax device of memhp's, with the
 * device's "dev" numbers - a major no host driver owns, so opening the node
 * can reach nothing of the host.  libdaxctl only looks at the node's
 * numbers, to find /sys/dev/char/M:m/subsystem.
 */
static int private_dev(const char *mnt, char *why, size_t len)
{
	static const char *const keep[] = { "null", "zero", "full", "random", "urandom", "tty", "pts",
					    "shm", "ptmx" };
	char devs[2048], path[4096], buf[64];
	int old = open("/dev", O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	DIR *d;

	/* without it the host's /dev/daxX.Y would be what daxctl opens */
	if (old < 0 || mount("memhp-dev", "/dev", "tmpfs", MS_NOSUID, "mode=0755")) {
		why_set(why, len, "cannot make a private /dev: %s", strerror(errno));
		if (old >= 0)
			close(old);
		return -EPERM;
	}
	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		struct stat st;
		char src[64];

		snprintf(src, sizeof(src), "/proc/self/fd/%d/%s", old, keep[i]);
		snprintf(path, sizeof(path), "/dev/%s", keep[i]);
		if (stat(src, &st))
			continue;
		if (S_ISDIR(st.st_mode) ? mkdir(path, 0755) : close(open(path, O_CREAT | O_WRONLY, 0666)))
			continue;
		mount(src, path, NULL, MS_BIND, NULL);
	}
	close(old);
	(void)symlink("/proc/self/fd", "/dev/fd");
	snprintf(devs, sizeof(devs), "%s/sys/bus/dax/devices", mnt);
	d = opendir(devs);
	while (d && (de = readdir(d))) {
		unsigned int major, minor;
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/dev", devs, de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f) && sscanf(buf, "%u:%u", &major, &minor) == 2) {
			snprintf(path, sizeof(path), "/dev/%s", de->d_name);
			mknod(path, S_IFCHR | 0600, makedev(major, minor));
		}
		fclose(f);
	}
	if (d)
		closedir(d);
	return 0;
}

/* every host path a memory tool looks at replaced by the tree's, or refused */
static int exec_namespace(const char *mnt, dev_t tree, char *why, size_t len)
{
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) {
		why_set(why, len, "cannot make a private mount namespace: %s", strerror(errno));
		return -EPERM;
	}
	/*
	 * debugfs: a real one first, because the kernel's selftest finds
	 * debugfs through `mount -t debugfs`; the tree's is bound on top, so
	 * nothing of the host's debugfs stays reachable.
	 */
	if (mount("none", "/sys/kernel/debug", "debugfs", 0, NULL) && errno != EBUSY) {
		why_set(why, len, "cannot mount debugfs: %s", strerror(errno));
		return -EPERM;
	}
	for (size_t k = 0; k < sizeof(exec_paths) / sizeof(exec_paths[0]); k++) {
		int ret = bind_from_tree(mnt, &exec_paths[k], tree, why, len);

		if (ret)
			return ret;
	}
	return private_dev(mnt, why, len);
}

static int cmd_exec(int argc, char **argv)
{
	const char *mnt = NULL;
	char why[8192];
	dev_t tree;
	int i;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--mount") && i + 1 < argc)
			mnt = argv[++i];
		else if (!strcmp(argv[i], "--"))
			break;
		else
			return usage(stderr, 2);
	}
	if (!mnt || i + 1 >= argc)
		return usage(stderr, 2);
	/*
	 * Nothing runs unless DIR is a live memhpd tree: a missing path, a
	 * dead mount or any other file system would leave the host's /sys and
	 * /proc in place, and chmem or daxctl would act on the host's memory.
	 */
	if (memhpd_tree_prove(mnt, &tree, why, sizeof(why)) ||
	    exec_namespace(mnt, tree, why, sizeof(why))) {
		fprintf(stderr, "memhpctl exec: refusing to run %s: %s\n", argv[i + 1], why);
		return 1;
	}
	execvp(argv[i + 1], argv + i + 1);
	fprintf(stderr, "memhpctl exec: %s: %s\n", argv[i + 1], strerror(errno));
	return 127;
}

static int cmd_run(int argc, char **argv)
{
	struct scn_options opt = { 0 };
	struct scn_totals totals;
	struct scenario s;
	const char *file = NULL, *outpath = NULL;
	char *extra = NULL, err[512];
	size_t extra_len = 0;
	FILE *out = stdout;
	int ret;

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--json")) {
			opt.json = true;
		} else if (!strcmp(a, "--pretty")) {
			opt.pretty = true;
		} else if (!strcmp(a, "-o") && i + 1 < argc) {
			outpath = argv[++i];
		} else if (!strcmp(a, "--backing-dir") && i + 1 < argc) {
			opt.backing_dir = argv[++i];
		} else if (!strcmp(a, "--socket") && i + 1 < argc) {
			socket_path = argv[++i];
			socket_given = 1;
		} else if (a[0] == '-' && a[1] == '-') {
			fprintf(stderr, "memhpctl run: unknown option %s\n", a);
			return usage(stderr, 2);
		} else if (!file) {
			file = a;
		} else {
			size_t n = strlen(a);
			char *e = realloc(extra, extra_len + n + 2);

			if (!e)
				return 1;
			extra = e;
			if (extra_len)
				extra[extra_len++] = ' ';
			memcpy(extra + extra_len, a, n + 1);
			extra_len += n;
		}
	}
	if (!file) {
		free(extra);
		return usage(stderr, 2);
	}
	if (scenario_load(file, &s, err, sizeof(err))) {
		fprintf(stderr, "memhpctl run: %s\n", err);
		free(extra);
		return 2;
	}
	if (outpath) {
		out = fopen(outpath, "w");
		if (!out) {
			fprintf(stderr, "memhpctl run: %s: %s\n", outpath, strerror(errno));
			scenario_free(&s);
			free(extra);
			return 2;
		}
	}
	opt.extra_cmdline = extra;
	if (socket_given)
		opt.socket = socket_path;
	ret = scenario_run(&s, &opt, out, &totals);
	if (out != stdout)
		fclose(out);
	if (ret && ret != -EUCLEAN)
		fprintf(stderr, "memhpctl run: cannot build the machine: %s\n", strerror(-ret));
	fprintf(opt.json && !outpath ? stderr : stdout,
		"scenario %s: %d steps, %d ok, %d refused, %d skipped%s\n", file, totals.steps,
		totals.ok, totals.failed, totals.skipped, ret == -EUCLEAN ? ", AUDIT FAILED" : "");
	scenario_free(&s);
	free(extra);
	return ret ? 1 : 0;
}

/*
 * pin NAME INDEX --hold: the page stays pinned while this process lives;
 * it waits for a signal, and memhpd unpins when the connection goes - on
 * exit, kill -9 or a crash alike.
 */
static int cmd_pin_hold(const char *name, const char *index)
{
	char req[256], err[256], *out = NULL;
	int fd = -1, rc;

	snprintf(req, sizeof(req), "pin %s %s hold", name, index);
	rc = ctl_request_keep(socket_path, req, &out, err, sizeof(err), &fd);
	free(out);
	if (rc) {
		fprintf(stderr, "memhpctl: %s\n", err);
		return 1;
	}
	printf("pinned %s page %s; holding until killed\n", name, index);
	fflush(stdout);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	while (argc > 2 && !strcmp(argv[1], "--socket")) {
		socket_path = argv[2];
		socket_given = 1;
		argv += 2;
		argc -= 2;
	}
	if (argc < 2)
		return usage(stderr, 2);
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 2, argv + 2);
	if (!strcmp(argv[1], "plan"))
		return cmd_plan(argc - 2, argv + 2);
	if (!strcmp(argv[1], "demo"))
		return cmd_demo(argc - 2, argv + 2);
	if (!strcmp(argv[1], "device"))
		return cmd_device(argc - 2, argv + 2);
	if (!strcmp(argv[1], "online") || !strcmp(argv[1], "offline"))
		return cmd_online(argc - 2, argv + 2, !strcmp(argv[1], "online"));
	if (!strcmp(argv[1], "ls"))
		return cmd_ls(argc - 2, argv + 2);
	if (!strcmp(argv[1], "stat"))
		return cmd_stat();
	if (!strcmp(argv[1], "exec"))
		return cmd_exec(argc - 2, argv + 2);
	if (!strcmp(argv[1], "pin") && argc == 5 && !strcmp(argv[4], "--hold"))
		return cmd_pin_hold(argv[2], argv[3]);
	if (!strcmp(argv[1], "hog") || !strcmp(argv[1], "pin") || !strcmp(argv[1], "unpin") ||
	    !strcmp(argv[1], "kill") || !strcmp(argv[1], "pfn") || !strcmp(argv[1], "dax") ||
	    !strcmp(argv[1], "fault") || !strcmp(argv[1], "audit")) {
		char req[CTL_MAX_LINE], *out = NULL;
		size_t n = 0;
		int rc;

		for (int i = 1; i < argc && n < sizeof(req); i++)
			n += (size_t)snprintf(req + n, sizeof(req) - n, "%s%s", i > 1 ? " " : "", argv[i]);
		rc = request(req, &out);
		if (!rc && out)
			printf("%s", out);
		free(out);
		return rc;
	}
	if (!strcmp(argv[1], "status") || !strcmp(argv[1], "shutdown") || !strcmp(argv[1], "dmesg")) {
		char *out = NULL;
		int rc = request(argv[1], &out);

		if (!rc && out)
			printf("%s", out);
		free(out);
		return rc;
	}
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help"))
		return usage(stdout, 0);
	fprintf(stderr, "memhpctl: unknown command '%s'\n", argv[1]);
	return usage(stderr, 2);
}
