/* SPDX-License-Identifier: MIT */
/*
 * scenario.h - the oracle's scenario language, run against a memhp machine.
 */
#ifndef MEMHP_TOOLS_SCENARIO_H
#define MEMHP_TOOLS_SCENARIO_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "memhp/memhp.h"

#define SCN_MAX_ARGS 32

struct scn_step {
	int index;		/* 1-based, as the oracle numbers steps */
	char *line;		/* the line as written */
	char *verb;
	int argc;
	char *argv[SCN_MAX_ARGS];
	char *rest;		/* everything after the verb (sh, qmp, description) */
};

#define SCN_MAX_COLDPLUG 16
#define SCN_MAX_MODULE_FILES 8

struct scenario {
	char *file;
	char *text;
	/* machine directives */
	char *description;
	uint64_t mem, maxmem;
	unsigned int slots;
	unsigned int smp;		/* the guest's CPUs (the oracle's default: 1) */
	unsigned int numa;
	uint64_t node_mem[16];
	bool explicit_node_mem;
	char *append;
	char *arch;
	char *skipped_directives;	/* directives memhp does not honour */
	uint64_t initrd_size;		/* the oracle's initramfs with these modules (0: without) */
	uint64_t initrd_size_arm64;	/* the arm64 harness's (0: without, or not built there) */
	uint32_t module_file_bytes[SCN_MAX_MODULE_FILES];	/* its .ko files' sizes (0: none) */
	struct memhp_coldplug coldplug[SCN_MAX_COLDPLUG];	/* names owned */
	unsigned int nr_coldplug;
	struct memhp_coldplug nvdimm[SCN_MAX_COLDPLUG];		/* names owned */
	unsigned int nr_nvdimm;
	struct scn_step *steps;
	int nr_steps;
};

/* Parses a scenario file; on error returns -1 with a message in err. */
int scenario_load(const char *path, struct scenario *s, char *err, size_t errlen);
/* "128M", "1.5G", "64GiB": bytes; -1 on anything else */
int scn_parse_size(const char *s, uint64_t *out);
void scenario_free(struct scenario *s);

/*
 * When a recorded step ran on its guest's clock (seconds since the boot's
 * snapshot began): its start, its action's end and its snapshot's start.  memhpctl run --timeline
 * reads them from a file tests/oracle/timeline.py writes off a recording.
 */
struct scn_step_time {
	int step;			/* the scenario's step index, from 1 */
	double start, end, snapshot;	/* end: its action's (a hog's reply) */
};

struct scn_options {
	const char *extra_cmdline;	/* appended to the kernel command line */
	bool json;			/* oracle JSON on out; text otherwise */
	bool pretty;
	const char *backing_dir;
	bool huge_pages;		/* devices on 2 MiB pages where the host offers them */
	const char *socket;		/* run against this memhpd, not in process */
	uint64_t kernel_image_base;	/* where KASLR put the image; 0: 16 MiB */
	bool no_guest_processes;	/* the machine alone: no oracle guest user space */
	double vmstat_phase;		/* where in a second vmstat's periods end; < 0: half a second */
	const struct scn_step_time *timeline;	/* a recording's clock, by step; NULL: the model's */
	int nr_timeline;
	const double *periods;		/* its vmstat periods' ends, ascending; NULL: by the phase */
	long nr_periods;
};

struct scn_totals {
	int steps, ok, failed, skipped;
};

/* Runs it; returns 0 when the run completed (failed writes are results,
 * not errors), -errno when the machine could not be built. */
int scenario_run(struct scenario *s, const struct scn_options *opt, FILE *out,
		 struct scn_totals *totals);

#endif
