// SPDX-License-Identifier: MIT
/*
 * memhpctl - the command-line client of memhp.
 *
 * One grammar for every command: `memhpctl [--socket PATH] COMMAND
 * [OPTIONS] ARGS`, options parsed by getopt_long, `--help` on the tool and
 * on every command, `--version`, sizes in the kernel's memparse syntax
 * (memhp_parse_size), blocks as N, N-M or memoryN wherever blocks are
 * taken.  A bad value exits 2 with a usage line before anything is sent;
 * a refusal by memhpd exits 1 with its reason.  The commands live in one
 * table (commands[] below): name, handler, usage, summary.
 *
 *   plan, demo, run       a throwaway machine in this process (plan.c,
 *                         demo.c, scenario.c); run --socket sends a
 *                         scenario's steps to a running memhpd instead
 *   device, online, ...   requests to a running memhpd (tools/ctl.h)
 *   exec                  a command in a private mount namespace where a
 *                         live memhpd tree replaces the kernel's files
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "ctl.h"
#include "udev.h"
#include "json.h"
#include "memhp/memhp.h"
#include "mounts.h"
#include "plan.h"
#include "preload_cmd.h"
#include "scenario.h"
#include "version.h"

static const char *socket_path = CTL_DEFAULT_SOCKET;
static int socket_given;	/* `run` goes to a daemon only when asked */

struct command {
	const char *name;
	int (*run)(int argc, char **argv);	/* argv[0] is the command's name */
	const char *usage;			/* what follows the name */
	const char *summary;
};

static const struct command *current;	/* the command being run, for its usage */

static const struct command *find_command(const char *name);

static void print_usage(FILE *f, const struct command *c)
{
	fprintf(f, "usage: memhpctl [--socket PATH] %s %s\n", c->name, c->usage);
}

/* bad input: a reason, the usage line, exit 2 - nothing was sent */
static int bad_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int bad_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "memhpctl %s: ", current->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	print_usage(stderr, current);
	return 2;
}

/*
 * getopt_long over a command's arguments with its own long options; -h and
 * --help print the command's usage and exit 0; an unknown option or a
 * missing value is bad usage.  Returns the option, -1 at the end, or '?'
 * after the message.
 */
static int next_option(int argc, char **argv, const char *shortopts, const struct option *longopts)
{
	int c;

	opterr = 0;
	c = getopt_long(argc, argv, shortopts, longopts, NULL);
	if (c == 'h') {
		print_usage(stdout, current);
		exit(0);
	}
	if (c == ':')
		bad_usage("%s needs a value", argv[optind - 1]);
	else if (c == '?')
		bad_usage("unknown option %s", argv[optind - 1]);
	return c == ':' ? '?' : c;
}

#define HELP_OPTION { "help", no_argument, NULL, 'h' }
static const struct option only_help[] = { HELP_OPTION, { NULL, 0, NULL, 0 } };

/* a command whose arguments are positional only: count them */
static int positional(int argc, char **argv, int min, int max)
{
	optind = 0;	/* 0: glibc re-reads the option string (the global "+" must not stick) */
	if (next_option(argc, argv, "+:h", only_help) == '?')
		return -1;
	if (argc - optind < min || argc - optind > max) {
		bad_usage("%s arguments", argc - optind < min ? "missing" : "too many");
		return -1;
	}
	return optind;
}

/* one request; prints memhpd's refusal (its errno and reason), exit 1 */
static int request(const char *req, char **payload)
{
	char err[CTL_MAX_LINE];
	char *p = NULL;
	int ret = ctl_request(socket_path, req, &p, err, sizeof(err));

	if (ret) {
		fprintf(stderr, "memhpctl %s: %s\n", current->name, err);
		return 1;
	}
	if (payload)
		*payload = p;
	else
		free(p);
	return 0;
}

static bool name_is_valid(const char *s)
{
	return ctl_name_is_valid(s);
}

static int parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

/* BLOCKS: N, N-M or memoryN (chmem's and the oracle's forms) */
static int parse_block_range(const char *s, unsigned long *first, unsigned long *last)
{
	char buf[64], *dash;

	if (!strncmp(s, "memory", 6))
		s += 6;
	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	dash = strchr(buf, '-');
	if (dash)
		*dash = '\0';
	if (parse_ulong(buf, LONG_MAX, first))
		return -1;
	if (!dash) {
		*last = *first;
		return 0;
	}
	return parse_ulong(dash + 1, LONG_MAX, last) || *last < *first || *last - *first > 1000000 ? -1 : 0;
}

/* ---- output: text as memhpd sends it, or --json through json.c ------------- */

/* "k=v k=v" words of one line as members of the current object */
static void json_words(struct json *j, char *line)
{
	char *save = NULL;

	for (char *w = strtok_r(line, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(w, '=');
		unsigned long long v;
		char *end;

		if (!eq) {
			json_string(j, "name", w);
			continue;
		}
		*eq = '\0';
		errno = 0;
		v = strtoull(eq + 1, &end, 0);
		if (!errno && end != eq + 1 && !*end && isdigit((unsigned char)eq[1]))
			json_uint(j, w, v);
		else
			json_string(j, w, eq + 1);
	}
}

/* a reply of "k=v ..." lines: an object, or an array of them with many */
static void print_reply(const char *payload, bool json, bool array)
{
	struct json j;
	char *copy, *save = NULL;

	if (!json) {
		fputs(payload ? payload : "", stdout);
		return;
	}
	copy = strdup(payload ? payload : "");
	json_init(&j, stdout, true);
	if (array)
		json_begin_array(&j, NULL);
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		json_begin_object(&j, NULL);
		json_words(&j, l);
		json_end_object(&j);
		if (!array)
			break;
	}
	if (array)
		json_end_array(&j);
	fputc('\n', stdout);
	free(copy);
}

static const struct option json_options[] = { { "json", no_argument, NULL, 'j' }, HELP_OPTION, { NULL, 0, NULL, 0 } };

/* [--json] and exactly nargs positional arguments */
static int json_and_args(int argc, char **argv, int nargs, bool *json)
{
	int c;

	*json = false;
	optind = 0;
	while ((c = next_option(argc, argv, "+:hj", json_options)) != -1) {
		if (c == '?')
			return -1;
		*json = true;
	}
	if (argc - optind != nargs) {
		bad_usage("%s arguments", argc - optind < nargs ? "missing" : "too many");
		return -1;
	}
	return optind;
}

/* ---- device --------------------------------------------------------------- */

static int device_add(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "node", required_argument, NULL, 'n' }, { "addr", required_argument, NULL, 'a' },
		{ "backing", required_argument, NULL, 'b' }, { "json", no_argument, NULL, 'j' },
		HELP_OPTION, { NULL, 0, NULL, 0 },
	};
	char req[CTL_MAX_LINE], *out = NULL, *abs = NULL;
	unsigned long node = 0, addr = 0;
	bool json = false, has_addr = false;
	const char *backing = NULL;
	uint64_t size;
	int c, ret;
	size_t n;

	optind = 0;
	while ((c = next_option(argc, argv, ":h", opts)) != -1) {
		if (c == '?')
			return 2;
		if (c == 'n' && parse_ulong(optarg, MEMHP_MAX_NODES - 1, &node))
			return bad_usage("invalid --node '%s': a node number below %d", optarg, MEMHP_MAX_NODES);
		if (c == 'a' && parse_ulong(optarg, ULONG_MAX, &addr))
			return bad_usage("invalid --addr '%s': a physical address", optarg);
		has_addr |= c == 'a';
		if (c == 'b')
			backing = optarg;
		json |= c == 'j';
	}
	if (argc - optind != 2)
		return bad_usage("want NAME SIZE");
	if (!name_is_valid(argv[optind]))
		return bad_usage("invalid name '%s': letters, digits, '_', '.', '-', not starting with '.' or '-', "
				 "at most %d", argv[optind], CTL_MAX_NAME - 1);
	if (memhp_parse_size(argv[optind + 1], &size) || !size)
		return bad_usage("invalid size '%s' (e.g. 128M, 1G, 0x40000000)", argv[optind + 1]);
	n = (size_t)snprintf(req, sizeof(req), "device add %s %llu node=%lu", argv[optind],
			     (unsigned long long)size, node);
	if (has_addr)
		n += (size_t)snprintf(req + n, sizeof(req) - n, " addr=%#lx", addr);
	if (backing) {
		/* the daemon runs in /: the path must not depend on our cwd */
		abs = realpath(backing, NULL);
		if (!abs) {
			fprintf(stderr, "memhpctl device: --backing %s: %s\n", backing, strerror(errno));
			return 1;
		}
		if (strchr(abs, ' ')) {
			free(abs);
			return bad_usage("--backing path '%s' has a space", backing);
		}
		snprintf(req + n, sizeof(req) - n, " backing=%s", abs);
		free(abs);
	}
	ret = request(req, &out);
	if (!ret)
		print_reply(out, json, false);
	free(out);
	return ret;
}

static int device_del(int argc, char **argv)
{
	char req[CTL_MAX_LINE];
	int i = positional(argc, argv, 1, 1);

	if (i < 0)
		return 2;
	if (!name_is_valid(argv[i]))
		return bad_usage("invalid name '%s'", argv[i]);
	snprintf(req, sizeof(req), "device del %s", argv[i]);
	return request(req, NULL);
}

static int device_list(int argc, char **argv)
{
	char *out = NULL;
	bool json;
	int ret;

	if (json_and_args(argc, argv, 0, &json) < 0)
		return 2;
	ret = request("device list", &out);
	if (!ret)
		print_reply(out, json, true);
	free(out);
	return ret;
}

static const struct command device_commands[] = {
	{ "add", device_add, "NAME SIZE [--node N] [--addr A] [--backing FILE] [--json]",
	  "hot-add a DIMM (QEMU placement, ACPI add, auto-online)" },
	{ "del", device_del, "NAME", "ACPI eject: offline every block and remove the DIMM" },
	{ "list", device_list, "[--json]", "the DIMM slots in use, in plug order" },
};

static int cmd_device(int argc, char **argv)
{
	static struct command sub;

	if (argc < 2 || (argv[1][0] == '-' && strcmp(argv[1], "-h") && strcmp(argv[1], "--help")))
		return bad_usage("want add, del or list");
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		print_usage(stdout, current);
		for (size_t i = 0; i < sizeof(device_commands) / sizeof(device_commands[0]); i++)
			printf("  device %-5s %s\n      %s\n", device_commands[i].name, device_commands[i].usage,
			       device_commands[i].summary);
		return 0;
	}
	for (size_t i = 0; i < sizeof(device_commands) / sizeof(device_commands[0]); i++) {
		if (strcmp(argv[1], device_commands[i].name))
			continue;
		sub = device_commands[i];
		sub.name = strcmp(sub.name, "add") ? (strcmp(sub.name, "del") ? "device list" : "device del")
						   : "device add";
		current = &sub;
		return sub.run(argc - 1, argv + 1);
	}
	return bad_usage("unknown device command '%s'", argv[1]);
}

/* ---- blocks ----------------------------------------------------------------- */

/* each block of each range, in order; a refusal does not stop the others */
static int write_blocks(int argc, char **argv, int first_arg, const char *value)
{
	unsigned long a[64], b[64];
	int n = 0, rc = 0;

	for (int i = first_arg; i < argc; i++, n++) {
		if (n == 64)
			return bad_usage("too many block ranges");
		if (parse_block_range(argv[i], &a[n], &b[n]))
			return bad_usage("invalid block '%s': N, N-M or memoryN", argv[i]);
	}
	if (!n)
		return bad_usage("which blocks?");
	for (int k = 0; k < n; k++) {
		for (unsigned long id = a[k]; id <= b[k]; id++) {
			char req[128];

			snprintf(req, sizeof(req), "write /sys/devices/system/memory/memory%lu/state %s", id, value);
			rc |= request(req, NULL);
		}
	}
	return rc;
}

static int cmd_online(int argc, char **argv)
{
	static const struct option opts[] = { { "zone", required_argument, NULL, 'z' }, HELP_OPTION,
					      { NULL, 0, NULL, 0 } };
	/* the state file's words: online lets the kernel pick the zone */
	static const char *const zones[][2] = {
		{ "kernel", "online_kernel" }, { "movable", "online_movable" }, { "auto", "online" },
	};
	const char *value = "online";
	int c;

	optind = 0;
	while ((c = next_option(argc, argv, ":h", opts)) != -1) {
		size_t i;

		if (c == '?')
			return 2;
		for (i = 0; i < sizeof(zones) / sizeof(zones[0]) && strcmp(optarg, zones[i][0]); i++)
			;
		if (i == sizeof(zones) / sizeof(zones[0]))
			return bad_usage("invalid --zone '%s': kernel, movable or auto", optarg);
		value = zones[i][1];
	}
	return write_blocks(argc, argv, optind, value);
}

static int cmd_offline(int argc, char **argv)
{
	optind = 0;
	if (next_option(argc, argv, ":h", only_help) == '?')
		return 2;
	return write_blocks(argc, argv, optind, "offline");
}

/* ---- daemon requests that print what memhpd answers --------------------- */

/* status: "key value..." lines -> one object */
static void status_line(struct json *j, char *line)
{
	char *sp = strchr(line, ' ');

	if (!sp)
		return;
	*sp = '\0';
	json_string(j, line, sp + 1);
}

/* dmesg: each line a string of one array */
static void dmesg_line(struct json *j, char *line)
{
	json_string(j, NULL, line);
}

/*
 * A request without arguments whose reply is printed as memhpd sends it,
 * or with --json line by line through emit, inside an array or an object.
 */
static int lines_request(int argc, char **argv, const char *req, bool array,
			 void (*emit)(struct json *j, char *line))
{
	char *out = NULL, *save = NULL;
	struct json j;
	bool json;
	int ret;

	if (json_and_args(argc, argv, 0, &json) < 0)
		return 2;
	ret = request(req, &out);
	if (ret || !json) {
		if (!ret)
			fputs(out, stdout);
		free(out);
		return ret;
	}
	json_init(&j, stdout, true);
	if (array)
		json_begin_array(&j, NULL);
	else
		json_begin_object(&j, NULL);
	for (char *l = strtok_r(out, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		emit(&j, l);
	if (array)
		json_end_array(&j);
	else
		json_end_object(&j);
	fputc('\n', stdout);
	free(out);
	return 0;
}

static int cmd_status(int argc, char **argv)
{
	return lines_request(argc, argv, "status", false, status_line);
}

static int cmd_dmesg(int argc, char **argv)
{
	return lines_request(argc, argv, "dmesg", true, dmesg_line);
}

static int simple_request(const char *req, bool json)
{
	char *out = NULL;
	int ret = request(req, &out);

	if (!ret)
		print_reply(out, json, true);
	free(out);
	return ret;
}

static int cmd_shutdown(int argc, char **argv)
{
	return positional(argc, argv, 0, 0) < 0 ? 2 : simple_request("shutdown", false);
}

static int cmd_audit(int argc, char **argv)
{
	return positional(argc, argv, 0, 0) < 0 ? 2 : simple_request("audit", false);
}

/* "WORD N": one number argument, at most max, sent as it is */
static int number_request(int argc, char **argv, const char *word, unsigned long max, const char *what,
			  const char *hint)
{
	unsigned long n;
	char req[64];
	int i = positional(argc, argv, 1, 1);

	if (i < 0)
		return 2;
	if (parse_ulong(argv[i], max, &n))
		return bad_usage("invalid %s '%s': %s", what, argv[i], hint);
	snprintf(req, sizeof(req), "%s %lu", word, n);
	return simple_request(req, false);
}

static int cmd_fault(int argc, char **argv)
{
	return number_request(argc, argv, "fault", ULONG_MAX, "step", "a number, 0 disarms");
}

static int cmd_vmstat_update(int argc, char **argv)
{
	return number_request(argc, argv, "vmstat-update", 86400, "number of seconds", "0 to 86400");
}

/* --count N --timeout S: how long monitor and udev follow the events */
static int follow_options(int argc, char **argv, struct follow *f)
{
	static const struct option opts[] = { { "count", required_argument, NULL, 'c' },
					      { "timeout", required_argument, NULL, 't' }, HELP_OPTION,
					      { NULL, 0, NULL, 0 } };
	unsigned long v;
	char *end;
	int c;

	memset(f, 0, sizeof(*f));
	f->socket = socket_path;
	optind = 0;
	while ((c = next_option(argc, argv, ":h", opts)) != -1) {
		if (c == '?')
			return -1;
		if (c == 'c' && parse_ulong(optarg, LONG_MAX, &v))
			return bad_usage("invalid --count '%s'", optarg), -1;
		if (c == 'c')
			f->count = (long)v;
		/* 0: no limit; NaN and infinities are no number of seconds */
		if (c == 't' && ((f->seconds = strtod(optarg, &end)), *end || end == optarg ||
				 !isfinite(f->seconds) || f->seconds < 0))
			return bad_usage("invalid --timeout '%s': seconds, 0 for no limit", optarg), -1;
	}
	return optind;
}

static int print_uevent(void *arg, const char *msg, struct uevent *ev)
{
	(void)ev;
	fprintf(arg, "%s\n", msg);
	fflush(arg);
	return 0;
}

/* monitor: the kernel's uevents as udevd receives them */
static int cmd_monitor(int argc, char **argv)
{
	struct follow f;
	int i = follow_options(argc, argv, &f);

	if (i < 0)
		return 2;
	if (i != argc)
		return bad_usage("too many arguments");
	return follow_uevents(&f, print_uevent, stdout) ? 1 : 0;
}

static char *udev_read_attr(void *arg, const char *path)
{
	char err[CTL_MAX_LINE], req[CTL_MAX_LINE], *out = NULL;

	snprintf(req, sizeof(req), "read %s", path);
	return ctl_request(arg, req, &out, err, sizeof(err)) ? NULL : out;
}

static int udev_write_attr(void *arg, const char *path, const char *value)
{
	char err[CTL_MAX_LINE], req[CTL_MAX_LINE], *out = NULL;
	int ret;

	snprintf(req, sizeof(req), "write %s %s", path, value);
	ret = ctl_request(arg, req, &out, err, sizeof(err));
	free(out);
	return ret;
}

static int apply_rules(void *arg, const char *msg, struct uevent *ev)
{
	const struct udev_rules *rules = arg;
	struct udev_io io = { udev_read_attr, udev_write_attr, (void *)socket_path, stdout };

	printf("%s@%s\n", uevent_get(ev, "ACTION"), uevent_get(ev, "DEVPATH"));
	(void)msg;
	udev_rules_apply(rules, ev, &io);
	fflush(stdout);
	return 0;
}

/* udev RULES...: the rules files applied to each event, as udevd would */
static int cmd_udev(int argc, char **argv)
{
	struct udev_rules *rules;
	struct follow f;
	char err[512];
	int ret, i = follow_options(argc, argv, &f);

	if (i < 0)
		return 2;
	if (i == argc)
		return bad_usage("no rules file");
	rules = udev_rules_load(argv + i, argc - i, err, sizeof(err));
	if (!rules) {
		fprintf(stderr, "memhpctl udev: %s\n", err);
		return 2;
	}
	ret = follow_uevents(&f, apply_rules, rules);
	udev_rules_free(rules);
	return ret ? 1 : 0;
}

/* hog NAME SIZE */
static int cmd_hog(int argc, char **argv)
{
	uint64_t size;
	char req[256];
	bool json;
	int i = json_and_args(argc, argv, 2, &json);

	if (i < 0)
		return 2;
	if (!name_is_valid(argv[i]))
		return bad_usage("invalid name '%s'", argv[i]);
	if (memhp_parse_size(argv[i + 1], &size) || !size)
		return bad_usage("invalid size '%s'", argv[i + 1]);
	snprintf(req, sizeof(req), "hog %s %llu", argv[i], (unsigned long long)size);
	return simple_request(req, json);
}

static int cmd_pin_hold(const char *name, const char *index);

/* pin|unpin|pfn NAME INDEX, pin NAME INDEX --hold */
static int page_request(int argc, char **argv)
{
	static const struct option opts[] = { { "hold", no_argument, NULL, 'H' }, { "json", no_argument, NULL, 'j' },
					      HELP_OPTION, { NULL, 0, NULL, 0 } };
	unsigned long index;
	bool hold = false, json = false;
	char req[256];
	int c;

	optind = 0;
	while ((c = next_option(argc, argv, ":hHj", opts)) != -1) {
		if (c == '?')
			return 2;
		hold |= c == 'H';
		json |= c == 'j';
	}
	if (argc - optind != 2)
		return bad_usage("want NAME INDEX");
	if (hold && strcmp(argv[0], "pin"))
		return bad_usage("--hold is for pin");
	if (!name_is_valid(argv[optind]))
		return bad_usage("invalid name '%s'", argv[optind]);
	if (parse_ulong(argv[optind + 1], ULONG_MAX, &index))
		return bad_usage("invalid page index '%s'", argv[optind + 1]);
	if (hold)
		return cmd_pin_hold(argv[optind], argv[optind + 1]);
	snprintf(req, sizeof(req), "%s %s %lu", argv[0], argv[optind], index);
	return simple_request(req, json);
}

/* kill NAME, where NAME */
static int name_request(int argc, char **argv)
{
	char req[256];
	bool json;
	int i = json_and_args(argc, argv, 1, &json);

	if (i < 0)
		return 2;
	if (!name_is_valid(argv[i]))
		return bad_usage("invalid name '%s'", argv[i]);
	snprintf(req, sizeof(req), "%s %s", argv[0], argv[i]);
	return simple_request(req, json);
}

/* dax create cxl|hmem|pmem SIZE [--node N], dax destroy REGION */
static int cmd_dax(int argc, char **argv)
{
	static const struct option opts[] = { { "node", required_argument, NULL, 'n' },
					      { "json", no_argument, NULL, 'j' }, HELP_OPTION, { NULL, 0, NULL, 0 } };
	unsigned long node = 0, region;
	bool json = false, has_node = false;
	uint64_t size;
	char req[256];
	int c;

	optind = 0;
	while ((c = next_option(argc, argv, ":hj", opts)) != -1) {
		if (c == '?')
			return 2;
		if (c == 'n' && parse_ulong(optarg, MEMHP_MAX_NODES - 1, &node))
			return bad_usage("invalid --node '%s'", optarg);
		has_node |= c == 'n';
		json |= c == 'j';
	}
	argc -= optind;
	argv += optind;
	if (argc == 2 && !strcmp(argv[0], "destroy")) {
		if (parse_ulong(argv[1], INT_MAX, &region))
			return bad_usage("invalid region '%s'", argv[1]);
		snprintf(req, sizeof(req), "dax destroy %lu", region);
		return simple_request(req, false);
	}
	/* node=N, the older spelling, is still taken */
	if (argc == 4 && !strncmp(argv[3], "node=", 5)) {
		if (parse_ulong(argv[3] + 5, MEMHP_MAX_NODES - 1, &node))
			return bad_usage("invalid %s", argv[3]);
		has_node = true;
		argc--;
	}
	if (argc != 3 || strcmp(argv[0], "create"))
		return bad_usage("want create KIND SIZE or destroy REGION");
	if (strcmp(argv[1], "cxl") && strcmp(argv[1], "hmem") && strcmp(argv[1], "pmem"))
		return bad_usage("invalid kind '%s': cxl, hmem or pmem", argv[1]);
	if (memhp_parse_size(argv[2], &size) || !size)
		return bad_usage("invalid size '%s'", argv[2]);
	c = snprintf(req, sizeof(req), "dax create %s %llu", argv[1], (unsigned long long)size);
	if (has_node)
		snprintf(req + c, sizeof(req) - (size_t)c, " node=%lu", node);
	return simple_request(req, json);
}

/* ---- ls and stat: read the files through the socket ---------------------- */

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

/* lsmem's lines: runs of consecutive blocks alike in state, node and zones */
static void print_block_runs(const struct block_row *rows, size_t n, unsigned long long block_size, bool json)
{
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
}

/* lsmem's view: consecutive blocks with the same state, node and zones merge */
static int cmd_ls(bool json)
{
	char *list = get("list %s", "/sys/devices/system/memory"), *bs = get("read %s",
		"/sys/devices/system/memory/block_size_bytes");
	struct block_row *rows = NULL;
	size_t n = 0, cap = 0;
	unsigned long long block_size;

	if (!list || !bs) {
		fprintf(stderr, "memhpctl ls: cannot reach memhpd at %s\n", socket_path);
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
			void *grown = realloc(rows, (cap ? cap * 2 : 64) * sizeof(*rows));

			if (!grown) {
				fprintf(stderr, "memhpctl: out of memory\n");
				free(rows);
				free(list);
				free(bs);
				return 1;
			}
			rows = grown;
			cap = cap ? cap * 2 : 64;
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
	print_block_runs(rows, n, block_size, json);
	if (json)
		printf("   ]\n}\n");
	free(rows);
	free(list);
	free(bs);
	return 0;
}

/* one zone's line of `stat`: free, spanned, present, managed, start_pfn */
static void stat_zone(struct json *j, int node, const char *zone, const unsigned long *v)
{
	if (!j) {
		printf("%-4d %-8s %10lu %10lu %10lu %10lu %10lu\n", node, zone, v[4], v[1], v[2], v[3], v[0]);
		return;
	}
	json_begin_object(j, NULL);
	json_int(j, "node", node);
	json_string(j, "zone", zone);
	json_uint(j, "start_pfn", v[4]);
	json_uint(j, "spanned", v[1]);
	json_uint(j, "present", v[2]);
	json_uint(j, "managed", v[3]);
	json_uint(j, "free", v[0]);
	json_end_object(j);
}

/* "Key:   123 kB" -> Key, 123 */
static void stat_value(struct json *j, const char *line)
{
	char key[64];
	unsigned long long v;

	if (!j) {
		printf("%s\n", line);
		return;
	}
	if (sscanf(line, "%63[^: ]%*[: ]%llu", key, &v) == 2)
		json_uint(j, key, v);
}

static int cmd_stat(bool json)
{
	struct json jw, *j = json ? &jw : NULL;
	char *meminfo = get("read %s", "/proc/meminfo"), *zoneinfo = get("read %s", "/proc/zoneinfo");
	char *vmstat = get("read %s", "/proc/vmstat");
	char zone[32] = "";
	int node = -1;

	if (!meminfo || !zoneinfo || !vmstat) {
		fprintf(stderr, "memhpctl stat: cannot reach memhpd at %s\n", socket_path);
		free(meminfo);
		free(zoneinfo);
		free(vmstat);
		return 1;
	}
	if (j) {
		json_init(j, stdout, true);
		json_begin_object(j, NULL);
	}
	for (char *l = strtok(meminfo, "\n"); l; l = strtok(NULL, "\n"))
		if (!strncmp(l, "MemTotal", 8) || !strncmp(l, "MemFree", 7))
			stat_value(j, l);
	for (char *l = strtok(vmstat, "\n"); l; l = strtok(NULL, "\n"))
		if (strstr(l, "memmap"))
			stat_value(j, l);
	if (j)
		json_begin_array(j, "zones");
	else
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
					stat_zone(j, node, zone, v);
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
	if (j) {
		json_end_array(j);
		json_end_object(j);
		fputc('\n', stdout);
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
	{ "sys/bus/cxl", BIND_OR_HIDE },	/* first: it may graft /sys/bus */
	{ "sys/bus/dax", BIND_TREE },
	{ "sys/bus/nd", BIND_TREE },
	{ "sys/class/nd", BIND_OR_HIDE },	/* libndctl finds its buses here: never the host's */
	{ "sys/bus/acpi", BIND_OR_HIDE },
	{ "sys/bus/platform", BIND_OR_HIDE },	/* cxl_acpi.0's driver: cxl disable-bus unbinds it */
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
 * The tree has dst, the host has not (/sys/bus/cxl on a host without CXL),
 * and sysfs takes no mkdir: dst's parent becomes a tmpfs holding each of
 * the host's entries bound back from the original directory (reached
 * through a descriptor, as private_dev does) and an empty directory to
 * bind dst on.  Only under sysfs; anywhere else the host's stays as is.
 */
static int graft_mount_point(const char *dst, char *why, size_t len)
{
	char parent[4096], path[4096 + NAME_MAX + 2], src[64 + NAME_MAX];
	struct dirent *de;
	struct statfs sfs;
	DIR *d;
	int old;

	snprintf(parent, sizeof(parent), "%s", dst);
	*strrchr(parent, '/') = '\0';
	if (statfs(parent, &sfs) || sfs.f_type != SYSFS_MAGIC)
		return 0;
	old = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = old < 0 ? NULL : fdopendir(dup(old));
	if (!d || mount("memhp-graft", parent, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0755")) {
		why_set(why, len, "cannot make a place for %s: %s", dst, strerror(errno));
		if (d)
			closedir(d);
		if (old >= 0)
			close(old);
		return -EPERM;
	}
	while ((de = readdir(d))) {
		struct stat st;

		if (de->d_name[0] == '.' || fstatat(old, de->d_name, &st, AT_SYMLINK_NOFOLLOW))
			continue;
		snprintf(src, sizeof(src), "/proc/self/fd/%d/%s", old, de->d_name);
		snprintf(path, sizeof(path), "%s/%s", parent, de->d_name);
		if (S_ISDIR(st.st_mode) ? !mkdir(path, 0755) : !close(open(path, O_CREAT | O_WRONLY, 0444)))
			mount(src, path, NULL, MS_BIND | MS_REC, NULL);
	}
	closedir(d);
	close(old);
	if (mkdir(dst, 0755)) {
		why_set(why, len, "cannot make %s: %s", dst, strerror(errno));
		return -EPERM;
	}
	return 0;
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
	if (stat(dst, &b)) {
		int ret;

		if (stat(src, &a))
			return 0;	/* neither has it */
		ret = graft_mount_point(dst, why, len);
		if (ret || stat(dst, &b))
			return ret;	/* not under sysfs: nothing of the host's to cover */
	}
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
 * numbers, to find /sys/dev/char/M:m/subsystem.  The disks, /dev/pmemN,
 * are memhpd's files (bind_disks): never a host disk either.
 */
/*
 * A character node in devdir for each device of /sys/bus/BUS of the tree
 * whose name starts with prefix, with the numbers its dev file gives;
 * devdir is made when there is one.  -1 (errno) when devdir cannot be.
 */
static int mknod_bus_devices(const char *mnt, const char *bus, const char *prefix, const char *devdir)
{
	char devs[2048], path[4096], buf[64];
	struct dirent *de;
	DIR *d;

	snprintf(devs, sizeof(devs), "%s/sys/bus/%s/devices", mnt, bus);
	d = opendir(devs);
	while (d && (de = readdir(d))) {
		unsigned int major, minor;
		FILE *f;

		if (de->d_name[0] == '.' || strncmp(de->d_name, prefix, strlen(prefix)))
			continue;
		snprintf(path, sizeof(path), "%s/%s/dev", devs, de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f) && sscanf(buf, "%u:%u", &major, &minor) == 2) {
			if (mkdir(devdir, 0755) && errno != EEXIST) {
				fclose(f);
				closedir(d);
				return -1;
			}
			snprintf(path, sizeof(path), "%s/%s", devdir, de->d_name);
			mknod(path, S_IFCHR | 0600, makedev(major, minor));
		}
		fclose(f);
	}
	if (d)
		closedir(d);
	return 0;
}

/*
 * The disks: no block device node can lead to a FUSE file, so the tree's
 * dev/ (memhpd's files of nd_pmem's disks) is bound at /dev/MEMHP_BLOCK_DIR
 * and /dev/pmemN is a link into it for each disk there now; memhpd keeps
 * the links in line as disks come and go (its devtmpfs_sync).  Checked as
 * bind_from_tree checks: inside the tree before the bind and after it.
 */
static int bind_disks(const char *mnt, dev_t tree, char *why, size_t len)
{
	char src[4096], link[NAME_MAX + 32], path[NAME_MAX + 8];
	const char *dst = "/dev/" MEMHP_BLOCK_DIR;
	struct dirent *de;
	struct stat st;
	DIR *d;

	snprintf(src, sizeof(src), "%s/dev", mnt);
	if (stat(src, &st) || !S_ISDIR(st.st_mode) || st.st_dev != tree) {
		why_set(why, len, "%s is not a directory inside the memhpd tree", src);
		return -EXDEV;
	}
	if (mkdir(dst, 0755) || mount(src, dst, NULL, MS_BIND, NULL)) {
		why_set(why, len, "cannot bind %s at %s: %s", src, dst, strerror(errno));
		return -EPERM;
	}
	if (stat(dst, &st) || st.st_dev != tree) {
		why_set(why, len, "%s is still not memhp's after the bind", dst);
		return -EXDEV;
	}
	d = opendir(dst);
	while (d && (de = readdir(d))) {
		if (strncmp(de->d_name, "pmem", 4))
			continue;
		snprintf(link, sizeof(link), MEMHP_BLOCK_DIR "/%s", de->d_name);
		snprintf(path, sizeof(path), "/dev/%s", de->d_name);
		(void)symlink(link, path);
	}
	if (d)
		closedir(d);
	return 0;
}

static int private_dev(const char *mnt, dev_t tree, char *why, size_t len)
{
	static const char *const keep[] = { "null", "zero", "full", "random", "urandom", "tty", "pts",
					    "shm", "ptmx" };
	char path[4096];
	int old = open("/dev", O_PATH | O_DIRECTORY | O_CLOEXEC);

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
	mknod_bus_devices(mnt, "dax", "dax", "/dev");
	/* libcxl takes a memdev's numbers from /dev/cxl/memN */
	if (mknod_bus_devices(mnt, "cxl", "mem", "/dev/cxl")) {
		why_set(why, len, "cannot make /dev/cxl: %s", strerror(errno));
		return -EPERM;
	}
	return bind_disks(mnt, tree, why, len);
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
	return private_dev(mnt, tree, why, len);
}


static int cmd_exec(int argc, char **argv)
{
	static const struct option opts[] = { { "mount", required_argument, NULL, 'm' }, HELP_OPTION,
					      { NULL, 0, NULL, 0 } };
	const char *mnt = NULL;
	char why[8192];
	dev_t tree;
	int c;

	optind = 0;
	/* "+": the command's own options are not ours */
	while ((c = next_option(argc, argv, "+:hm:", opts)) != -1) {
		if (c == '?')
			return 2;
		mnt = optarg;
	}
	if (!mnt)
		return bad_usage("--mount DIR is required");
	if (optind >= argc)
		return bad_usage("which command?");
	/*
	 * Nothing runs unless DIR is a live memhpd tree: a missing path, a
	 * dead mount or any other file system would leave the host's /sys and
	 * /proc in place, and chmem or daxctl would act on the host's memory.
	 */
	if (memhpd_tree_prove(mnt, &tree, why, sizeof(why)) ||
	    exec_namespace(mnt, tree, why, sizeof(why))) {
		fprintf(stderr, "memhpctl exec: refusing to run %s: %s\n", argv[optind], why);
		return 1;
	}
	execvp(argv[optind], argv + optind);
	fprintf(stderr, "memhpctl exec: %s: %s\n", argv[optind], strerror(errno));
	return 127;
}

/* appends one kernel option to the space-separated list in *extra */
static int append_word(char **extra, size_t *len, const char *a)
{
	size_t n = strlen(a);
	char *e = realloc(*extra, *len + n + 2);

	if (!e)
		return -ENOMEM;
	*extra = e;
	if (*len)
		e[(*len)++] = ' ';
	memcpy(e + *len, a, n + 1);
	*len += n;
	return 0;
}

/*
 * --timeline FILE: "STEP START END SNAPSHOT" a line (the step's start, its
 * action's end, its snapshot's start) and "period T" a line (where a vmstat
 * period ended), seconds on the recorded guest's clock since its boot
 * snapshot began ('#' starts a comment); tests/oracle/timeline.py writes it
 * off a recording.
 */
struct timeline {
	struct scn_step_time *steps;
	int nr_steps;
	double *periods;
	long nr_periods;
};

static void timeline_free(struct timeline *tl)
{
	free(tl->steps);
	free(tl->periods);
	memset(tl, 0, sizeof(*tl));
}

/* arr (n items of size bytes) grown by item: the new array, NULL (arr kept) */
static void *append_item(void *arr, long n, size_t size, const void *item)
{
	char *grown = realloc(arr, (size_t)(n + 1) * size);

	if (grown)
		memcpy(grown + (size_t)n * size, item, size);
	return grown;
}

/* one line into tl: 1 when it is neither form or out of order, -ENOMEM */
static int timeline_line(struct timeline *tl, const char *line)
{
	struct scn_step_time st;
	long step, nr_steps = tl->nr_steps;
	double t;
	char tail;
	void *grown;

	if (sscanf(line, " period %lf %c", &t, &tail) == 1) {
		if (!(t > -1e7 && t < 1e7) || (tl->nr_periods && t < tl->periods[tl->nr_periods - 1]))
			return 1;
		grown = append_item(tl->periods, tl->nr_periods, sizeof(t), &t);
		if (!grown)
			return -ENOMEM;
		tl->periods = grown;
		tl->nr_periods++;
		return 0;
	}
	/* steps ascending, each once, as the scenario runs them */
	if (sscanf(line, "%ld %lf %lf %lf %c", &step, &st.start, &st.end, &st.snapshot, &tail) != 4 ||
	    step < 1 || step > 1000000 || (nr_steps && step <= tl->steps[nr_steps - 1].step) ||
	    !(st.start >= 0 && st.start <= st.end && st.end <= st.snapshot && st.snapshot < 1e7) ||
	    (nr_steps && st.start < tl->steps[nr_steps - 1].snapshot))
		return 1;
	st.step = (int)step;
	grown = append_item(tl->steps, nr_steps, sizeof(st), &st);
	if (!grown)
		return -ENOMEM;
	tl->steps = grown;
	tl->nr_steps++;
	return 0;
}

static int read_timeline(const char *path, struct timeline *tl)
{
	char *line = NULL;
	size_t cap = 0;
	int lineno = 0, ret = 0;
	FILE *f = fopen(path, "r");

	if (!f) {
		fprintf(stderr, "memhpctl run: --timeline %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (!ret && getline(&line, &cap, f) >= 0) {
		lineno++;
		line[strcspn(line, "#\n")] = 0;
		if (!line[strspn(line, " \t")])
			continue;
		ret = timeline_line(tl, line);
	}
	if (!ret && ferror(f))
		ret = errno ? -errno : -EIO;
	free(line);
	fclose(f);
	if (ret < 0)
		fprintf(stderr, "memhpctl run: --timeline %s: %s\n", path, strerror(-ret));
	else if (ret)
		fprintf(stderr, "memhpctl run: --timeline %s:%d: want STEP START END SNAPSHOT (steps ascending, "
			"0 <= START <= END <= SNAPSHOT seconds, START not before the last SNAPSHOT) "
			"or period T (ascending)\n", path, lineno);
	if (ret)
		timeline_free(tl);
	return ret ? -1 : 0;
}

static int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' }, { "pretty", no_argument, NULL, 'p' },
		{ "output", required_argument, NULL, 'o' }, { "backing-dir", required_argument, NULL, 'b' },
		{ "socket", required_argument, NULL, 's' }, { "kernel-image", required_argument, NULL, 'k' },
		{ "huge-pages", no_argument, NULL, 'H' }, { "no-guest-processes", no_argument, NULL, 'G' },
		{ "vmstat-phase", required_argument, NULL, 'v' }, { "timeline", required_argument, NULL, 't' },
		HELP_OPTION, { NULL, 0, NULL, 0 },
	};
	struct timeline timeline = { 0 };
	const char *timeline_path = NULL;
	struct scn_options opt = { .vmstat_phase = -1 };
	char *end;
	struct scn_totals totals;
	struct scenario s;
	const char *file = NULL, *outpath = NULL;
	char *extra = NULL, err[512];
	size_t extra_len = 0;
	FILE *out = stdout;
	int c, ret;

	optind = 0;
	while ((c = next_option(argc, argv, ":ho:", opts)) != -1) {
		switch (c) {
		case '?':
			return 2;
		case 'j': opt.json = true; break;
		case 'p': opt.pretty = true; break;
		case 'o': outpath = optarg; break;
		case 'b': opt.backing_dir = optarg; break;
		case 'H': opt.huge_pages = true; break;
		case 'G': opt.no_guest_processes = true; break;
		case 's': socket_path = optarg; socket_given = 1; break;
		case 'k':
			if (scn_parse_size(optarg, &opt.kernel_image_base))
				return bad_usage("--kernel-image takes an address (0x10ee00000, 4G)");
			break;
		case 'v':
			opt.vmstat_phase = strtod(optarg, &end);
			if (end == optarg || *end || !(opt.vmstat_phase >= 0 && opt.vmstat_phase < 1))
				return bad_usage("--vmstat-phase takes the fraction of a second, 0 to below 1 (0.5)");
			break;
		case 't': timeline_path = optarg; break;
		}
	}
	if (optind >= argc)
		return bad_usage("which scenario file?");
	file = argv[optind];
	for (int i = optind + 1; i < argc; i++)
		if (append_word(&extra, &extra_len, argv[i]))
			return 1;
	if (scenario_load(file, &s, err, sizeof(err))) {
		fprintf(stderr, "memhpctl run: %s\n", err);
		free(extra);
		return 2;
	}
	/* before -o opens (and truncates) its file: a bad one leaves it be */
	if (timeline_path && read_timeline(timeline_path, &timeline)) {
		scenario_free(&s);
		free(extra);
		return 2;
	}
	if (outpath) {
		out = fopen(outpath, "w");
		if (!out) {
			fprintf(stderr, "memhpctl run: %s: %s\n", outpath, strerror(errno));
			timeline_free(&timeline);
			scenario_free(&s);
			free(extra);
			return 2;
		}
	}
	opt.extra_cmdline = extra;
	if (socket_given)
		opt.socket = socket_path;
	opt.timeline = timeline.steps;
	opt.nr_timeline = timeline.nr_steps;
	opt.periods = timeline.periods;
	opt.nr_periods = timeline.nr_periods;
	ret = scenario_run(&s, &opt, out, &totals);
	timeline_free(&timeline);
	if (out != stdout)
		fclose(out);
	if (ret && ret != -EUCLEAN)
		fprintf(stderr, "memhpctl run: cannot build the machine: %s (%s)\n", strerror(-ret),
			memhp_strerror(ret));
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
	char req[256], err[CTL_MAX_LINE], *out = NULL;
	int fd = -1, rc;

	snprintf(req, sizeof(req), "pin %s %s hold", name, index);
	rc = ctl_request_keep(socket_path, req, &out, err, sizeof(err), &fd);
	free(out);
	if (rc) {
		fprintf(stderr, "memhpctl pin: %s\n", err);
		return 1;
	}
	printf("pinned %s page %s; holding until killed\n", name, index);
	fflush(stdout);
	for (;;)
		pause();
}

/* plan and demo parse their own arguments (plan.c, demo.c); --help here */
static int has_help(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return 1;
	return 0;
}

static int run_plan(int argc, char **argv)
{
	if (has_help(argc, argv)) {
		print_usage(stdout, current);
		return 0;
	}
	return cmd_plan(argc - 1, argv + 1);
}

static int run_demo(int argc, char **argv)
{
	if (has_help(argc, argv)) {
		print_usage(stdout, current);
		return 0;
	}
	return cmd_demo(argc - 1, argv + 1);
}

static int run_ls(int argc, char **argv)
{
	bool json;

	if (json_and_args(argc, argv, 0, &json) < 0)
		return 2;
	return cmd_ls(json);
}

static int run_stat(int argc, char **argv)
{
	bool json;

	if (json_and_args(argc, argv, 0, &json) < 0)
		return 2;
	return cmd_stat(json);
}

static int cmd_help(int argc, char **argv);

static int run_preload(int argc, char **argv)
{
	return preload_command(argc, argv, socket_given ? socket_path : NULL);
}

static const struct command commands[] = {
	{ "plan", run_plan, "[--mem SIZE | --numa S0,S1,...] [--cmdline 'OPTS'] [--profile NAME] [--maxmem SIZE] "
	  "[--slots N] [--memmap-init eager|deferred] [--json] [--stats] dimm|cxl|hmem:SIZE[@NODE]...",
	  "what hot-adding these devices would do, on a throwaway machine" },
	{ "demo", run_demo, "[--svg FILE] [--json FILE] [--device SIZE]",
	  "the main job: 256 GiB of CXL memory on a 2 GiB machine, memmap_on_memory off and on" },
	{ "run", cmd_run, "FILE [--json] [--pretty] [-o OUT] [--backing-dir DIR] [--huge-pages] [--socket PATH] [--kernel-image ADDR]\n"
	  "         [--no-guest-processes] [--vmstat-phase S] [--timeline FILE]\n"
	  "         [KERNEL_OPTION...]",
	  "run a scenario (the oracle's language); with --socket, on a running memhpd" },
	{ "device", cmd_device, "add NAME SIZE [--node N] [--addr A] [--backing FILE] | del NAME | list [--json]",
	  "DIMMs in and out of a running memhpd" },
	{ "online", cmd_online, "[--zone kernel|movable|auto] BLOCKS...",
	  "online memory blocks (N, N-M or memoryN)" },
	{ "offline", cmd_offline, "BLOCKS...", "offline memory blocks (N, N-M or memoryN)" },
	{ "ls", run_ls, "[--json]", "memory blocks, lsmem-like" },
	{ "stat", run_stat, "[--json]", "MemTotal, MemFree, the memmap and the zones" },
	{ "preload", run_preload, "[--dimms SPEC] [--mem SIZE] [--min SIZE] [--small-pages] [--malloc auto|mimalloc|own] -- PROGRAM [ARGS]",
	  "run a program with its heap on memhp memory; --socket is its control socket" },
	{ "status", cmd_status, "[--json]", "the daemon: pid, mount, profile, memory" },
	{ "dmesg", cmd_dmesg, "[--json]", "the machine's kernel log" },
	{ "hog", cmd_hog, "NAME SIZE [--json]", "a user of SIZE movable memory, as the oracle's hog processes" },
	{ "pin", page_request, "NAME INDEX [--hold]", "hold page INDEX of a user where it is (--hold: while we live)" },
	{ "unpin", page_request, "NAME INDEX", "let a pinned page go" },
	{ "pfn", page_request, "NAME INDEX [--json]", "the pfn page INDEX of a user is in now" },
	{ "where", name_request, "NAME [--json]", "which blocks hold a user's pages" },
	{ "kill", name_request, "NAME", "a user and its memory go away" },
	{ "dax", cmd_dax, "create cxl|hmem|pmem SIZE [--node N] [--json] | destroy REGION",
	  "a dax region and its device daxR.0" },
	{ "monitor", cmd_monitor, "[--count N] [--timeout S]",
	  "the kernel's uevents (add, remove, online, offline), as udevd receives them" },
	{ "udev", cmd_udev, "[--count N] [--timeout S] RULES...",
	  "apply udev rules files to the uevents, as udevd would (ATTR through memhpd)" },
	{ "audit", cmd_audit, "", "recount every pfn, list and counter (EUCLEAN on a mismatch)" },
	{ "fault", cmd_fault, "N", "fail the Nth fallible step from now (0 disarms)" },
	{ "vmstat-update", cmd_vmstat_update, "SECONDS",
	  "let the guest's clock run: the per-CPU lists' high decays once a second" },
	{ "shutdown", cmd_shutdown, "", "unmount the tree and stop memhpd" },
	{ "exec", cmd_exec, "--mount DIR [--] CMD [ARGS...]",
	  "run CMD where a live memhpd tree replaces the kernel's memory files" },
	{ "help", cmd_help, "[COMMAND]", "this list, or a command's usage" },
};

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static void print_commands(FILE *f)
{
	fprintf(f, "usage: memhpctl [--socket PATH] COMMAND [ARGS...]   (memhpctl COMMAND --help)\n"
		   "       memhpctl --help | --version\n\n"
		   "  --socket PATH   memhpd's control socket (default " CTL_DEFAULT_SOCKET ")\n\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nSIZE: the kernel's memparse syntax (128M, 1G, 0x40000000). BLOCKS: N, N-M or memoryN.\n"
		   "Exit status: 0 done, 1 refused (the reason is printed), 2 bad usage (nothing done).\n");
}

static int cmd_help(int argc, char **argv)
{
	const struct command *c;
	int i = positional(argc, argv, 0, 1);

	if (i < 0)
		return 2;
	if (i == argc) {
		print_commands(stdout);
		return 0;
	}
	c = find_command(argv[i]);
	if (!c)
		return bad_usage("no command '%s'", argv[i]);
	printf("%s\n", c->summary);
	print_usage(stdout, c);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' }, { "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' }, { NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	/* "+": the global options end at the command */
	while ((c = getopt_long(argc, argv, "+:s:hV", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			socket_path = optarg;
			socket_given = 1;
			break;
		case 'h':
			print_commands(stdout);
			return 0;
		case 'V':
			printf("memhpctl %s\n", MEMHP_VERSION_STRING);
			return 0;
		default:
			fprintf(stderr, "memhpctl: %s %s\n", argv[optind - 1],
				c == ':' ? "needs a value" : "is not an option");
			print_commands(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		print_commands(stderr);
		return 2;
	}
	current = find_command(argv[optind]);
	if (!current) {
		fprintf(stderr, "memhpctl: unknown command '%s' (memhpctl --help lists them)\n", argv[optind]);
		return 2;
	}
	argv += optind;
	argc -= optind;
	optind = 0;
	return current->run(argc, argv);
}
