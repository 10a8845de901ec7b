/* SPDX-License-Identifier: MIT */
/*
 * scenario_int.h - the scenario runner's state and the functions its
 * files share: scenario_parse.c (the file), scenario_target.c (the machine
 * or memhpd), scenario_snapshot.c (JSON and text), scenario.c (the steps).
 */
#ifndef MEMHP_TOOLS_SCENARIO_INT_H
#define MEMHP_TOOLS_SCENARIO_INT_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "json.h"
#include "memhp/memhp.h"
#include "scenario.h"

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

/* scenario_parse.c */
char *xstrdup(const char *s);
void append_str(char **dst, const char *sep, const char *s);
int split_words(char *line, char **argv, int max);	/* shell-style words */

/* scenario.c: the step table */
struct step_verb;
const struct step_verb *find_step_verb(const char *verb);

/* scenario_target.c */
char *remote(struct run *r, const char *fmt, const char *a, const char *b, int *err);
char *t_read(struct run *r, const char *path);
ssize_t t_write(struct run *r, const char *path, const char *buf, size_t len);
int t_list(struct run *r, const char *path, int (*fn)(void *arg, const char *name, const struct memhp_stat *st),
	   void *arg);
size_t t_block_ids(struct run *r, unsigned long *ids, size_t max);
int t_dimm_add(struct run *r, const char *name, uint64_t size, int node, uint64_t addr,
	       struct memhp_dimm_info *info);
int t_dimm_remove(struct run *r, const char *name);
int t_dimm_info(struct run *r, const char *name, struct memhp_dimm_info *info);
void t_log(struct run *r, char *buf, size_t cap);
int t_audit(struct run *r, char *msg, size_t len);

/* scenario_snapshot.c */
char *read_kfile(struct run *r, const char *path);
void strip_nl(char *s);
void json_lines(struct json *j, const char *key, const char *text);
void snapshot(struct run *r);
char *block_lines(struct run *r);
void text_mark(struct run *r);
void text_delta(struct run *r);

#endif
