// SPDX-License-Identifier: MIT
/*
 * memhpctl - the command-line client of memhp.
 *
 *   memhpctl run FILE [--json] [--pretty] [-o OUT] [--backing-dir DIR] [KERNEL_OPTION...]
 *       run a scenario (the oracle's language) on an in-process machine;
 *       KERNEL_OPTIONs are appended to its kernel command line, as
 *       ../shared/oracle/run-scenario does.  Exit 0 when the run completed
 *       and every audit passed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memhp/memhp.h"
#include "scenario.h"

static int usage(FILE *f, int rc)
{
	fprintf(f,
		"usage: memhpctl run FILE [--json] [--pretty] [-o OUT] [--backing-dir DIR] [KERNEL_OPTION...]\n"
		"       memhpctl help\n");
	return rc;
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

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage(stderr, 2);
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 2, argv + 2);
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help"))
		return usage(stdout, 0);
	fprintf(stderr, "memhpctl: unknown command '%s'\n", argv[1]);
	return usage(stderr, 2);
}
