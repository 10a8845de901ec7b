// SPDX-License-Identifier: MIT
/*
 * scenario_parse.c - the scenario file: machine directives and steps, parsed strictly
 * (scenario.c has the language; scenario_int.h the runner's state).
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

char *xstrdup(const char *s)
{
	char *d = strdup(s ? s : "");

	if (!d) {
		perror("strdup");
		exit(1);
	}
	return d;
}

void append_str(char **dst, const char *sep, const char *s)
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
int split_words(char *line, char **argv, int max)
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

/*
 * The oracle's guest initramfs (run-scenario's build_initramfs: busybox,
 * its agent, and the `modules` set's .ko files, uncompressed, listed in
 * oracle/modules.list): its size as the recorded guests freed it
 * ("Freeing initrd memory"), and the sizes of the .ko files it unpacks
 * into the rootfs (those of linux-image-6.12.107+deb12-amd64, xz -dc).
 */
static const struct oracle_module_set {
	const char *set;
	uint64_t initrd_bytes;
	uint64_t arm64_initrd_bytes;	/* tests/oracle/arm64's guests (0: nd_e820 is x86's) */
	uint32_t ko_bytes[SCN_MAX_MODULE_FILES];
} oracle_module_sets[] = {
	/* libnvdimm nd_btt nd_pmem nd_e820 device_dax dax_pmem kmem */
	{ "dax", 1564ULL << 10, 0, { 543384, 59294, 48264, 12592, 32399, 14614, 18967 } },
	/* libnvdimm nfit nd_btt nd_pmem device_dax dax_pmem kmem */
	{ "dax-nfit", 1608ULL << 10, 1476ULL << 10, { 543384, 180758, 59294, 48264, 32399, 14614, 18967 } },
};

static const struct oracle_module_set *oracle_module_set(const char *modules)
{
	for (size_t i = 0; i < sizeof(oracle_module_sets) / sizeof(oracle_module_sets[0]); i++)
		if (!strcmp(modules, oracle_module_sets[i].set))
			return &oracle_module_sets[i];
	return NULL;
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
	} else if (!strcmp(verb, "smp")) {
		/* the guest's CPUs: one per-CPU page list each */
		if (argc != 1 || atoi(argv[0]) <= 0 || atoi(argv[0]) > MEMHP_MAX_CPUS) {
			snprintf(err, errlen, "smp: the guest's CPUs, 1 to %d (memhp keeps per-CPU lists for that many)",
				 MEMHP_MAX_CPUS);
			return -1;
		}
		s->smp = (unsigned int)atoi(argv[0]);
	} else if (!strcmp(verb, "modules") && argc == 1 && oracle_module_set(argv[0]) && !s->initrd_size) {
		/* the harness packs them into the guest's initramfs: its size is
		 * what the guest frees after the initcalls, its files stay in
		 * the rootfs (a second line would pack the sets' union, whose
		 * size was never recorded: not honoured, listed as skipped) */
		const struct oracle_module_set *set = oracle_module_set(argv[0]);

		s->initrd_size = set->initrd_bytes;
		s->initrd_size_arm64 = set->arm64_initrd_bytes;
		memcpy(s->module_file_bytes, set->ko_bytes, sizeof(s->module_file_bytes));
	} else if (!strcmp(verb, "machine") || !strcmp(verb, "kernel") || !strcmp(verb, "timeout") ||
		   !strcmp(verb, "qemu")) {
		/* QEMU-only: no effect on memory hotplug */
	} else {
		append_str(&s->skipped_directives, "\n", verb);
		if (rest && *rest) {
			append_str(&s->skipped_directives, " ", rest);
		}
	}
	return 0;
}


/* a machine directive's line (before any step) */
static int load_machine_line(struct scenario *s, char *verb, char *rest, int lineno, char *err, size_t errlen)
{
	char argbuf[4096], *argv[SCN_MAX_ARGS];
	int argc;

	if (s->nr_steps) {
		snprintf(err, errlen, "line %d: machine directive '%s' after the first step", lineno, verb);
		return -1;
	}
	snprintf(argbuf, sizeof(argbuf), "%s", rest);
	argc = !strcmp(verb, "description") ? 0 : split_words(argbuf, argv, SCN_MAX_ARGS);
	if (argc < 0) {
		snprintf(err, errlen, "line %d: too many arguments", lineno);
		return -1;
	}
	return load_directive(s, verb, rest, argv, argc, err, errlen) ? -1 : 0;
}

/* a step's line: kept whole, with its verb and its words */
static int load_step_line(struct scenario *s, const char *line, const char *verb, const char *rest, int lineno,
			  char *err, size_t errlen)
{
	struct scn_step *st, *ns = realloc(s->steps, (size_t)(s->nr_steps + 1) * sizeof(*ns));
	char *copy, *argv[SCN_MAX_ARGS];
	int argc;

	if (!ns)
		return -1;
	s->steps = ns;
	st = &s->steps[s->nr_steps++];
	memset(st, 0, sizeof(*st));
	st->index = s->nr_steps;
	st->line = xstrdup(line);
	st->verb = xstrdup(verb);
	st->rest = xstrdup(rest);
	copy = xstrdup(rest);
	argc = split_words(copy, argv, SCN_MAX_ARGS);
	if (argc < 0) {
		free(copy);
		snprintf(err, errlen, "line %d: too many arguments", lineno);
		return -1;
	}
	for (int i = 0; i < argc; i++)
		st->argv[i] = xstrdup(argv[i]);
	st->argc = argc;
	free(copy);
	return 0;
}

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
		char work[4096], *verb, *rest, *p;
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
			if (load_machine_line(s, verb, rest, lineno, err, errlen))
				goto fail;
			continue;
		}
		if (!find_step_verb(verb)) {
			snprintf(err, errlen, "%s:%d: unknown verb '%s' (see the oracle's README for the language)", path,
				 lineno, verb);
			goto fail;
		}
		if (load_step_line(s, p, verb, rest, lineno, err, errlen))
			goto fail;
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
