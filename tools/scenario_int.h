/* SPDX-License-Identifier: MIT */
/*
 * scenario_int.h - the scenario runner's state and the functions its
 * files share: scenario_parse.c (the file), scenario_target.c (the machine
 * or memhpd), scenario_snapshot.c (the machine in JSON and text),
 * scenario_result.c (a step's result), scenario_render.c (that result in
 * text), scenario.c (the steps).
 */
#ifndef MEMHP_TOOLS_SCENARIO_INT_H
#define MEMHP_TOOLS_SCENARIO_INT_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "json.h"
#include "memhp/memhp.h"
#include "scenario.h"
#include "scenario_result.h"

#define MAX_DIMMS 64
#define MIN_SZ(a, b) ((a) < (b) ? (a) : (b))
#define MAX_UL(a, b) ((a) > (b) ? (a) : (b))

struct dimm {
	char name[64];
	struct memhp_dimm_info info;
	bool present;
};

#define MAX_HOGS 64

enum hog_kind { HOG_ANON, HOG_MLOCK, HOG_PIPE };

/* a memory user: movable (anon, mlock) or unmovable kernel memory (pipe) */
/* the vmstat periods one hog's faults span that memhp places among them */
#define HOG_PERIODS_MAX 64

struct hog {
	char name[64];
	int id;
	struct memhp_region *region;	/* its mapping: parts[0] */
	/* the mapping faulted in parts, a vmstat period between two (the
	 * recorded clock's hog_periods): part p holds pages part_start[p].. */
	struct memhp_region *parts[HOG_PERIODS_MAX + 1];
	size_t part_start[HOG_PERIODS_MAX + 1];
	int nr_parts;
	long *pfns;		/* the kernel's own order-0 pages it holds: pipe buffers, page tables */
	size_t nr_pfns;
	size_t nr;		/* its pages */
	bool page_tables;	/* a process's own mapping: it needs page tables */
};

struct run;

/* the most pages the guest's processes copy per step (4 KiB pages) */
#define GUEST_COW_MAX_PAGES 48
/* the oracle's `timeout` watchers alive at once that memhp follows */
#define WATCHERS_MAX 64

/*
 * Where the steps act: the machine in process, or a running memhpd (its
 * control socket).  scenario_target.c has the two tables.
 */
struct target_ops {
	const char *engine;		/* "memhp", "memhpd": the JSON's engine */
	bool write_times_out;		/* a write past its limit returns -EINTR */
	char *(*read)(struct run *r, const char *path);
	ssize_t (*write)(struct run *r, const char *path, const char *buf, size_t len);
	int (*list)(struct run *r, const char *path,
		    int (*fn)(void *arg, const char *name, const struct memhp_stat *st), void *arg);
	size_t (*block_ids)(struct run *r, unsigned long *ids, size_t max);
	int (*dimm_add)(struct run *r, const char *name, uint64_t size, int node, uint64_t addr,
			struct memhp_dimm_info *info);
	int (*dimm_remove)(struct run *r, const char *name, unsigned int timeout_ms);
	int (*dimm_info)(struct run *r, const char *name, struct memhp_dimm_info *info);
	void (*log)(struct run *r, char *buf, size_t cap);	/* the lines since the last call */
	int (*audit)(struct run *r, char *msg, size_t len);
	/* h->nr pages got; -EOPNOTSUPP when the target has no such user */
	int (*hog)(struct run *r, struct hog *h, enum hog_kind kind, size_t pages);
	void (*hog_free)(struct run *r, struct hog *h);
	/* n seconds of the guest's time pass (vmstat_update once a second) */
	void (*seconds)(struct run *r, int n);
	/* calloc'ed count per block, *nblocks of them */
	unsigned long *(*where)(struct run *r, struct hog *h, unsigned long *nblocks);
	int (*dax_region)(struct run *r, int kind, uint64_t size, int node, struct memhp_dax_info *info);
	/* /proc/kpageflags of a block: its range, pages with no flag, pages per bit */
	int (*kpf)(struct run *r, unsigned long block, unsigned long *start, unsigned long *nr,
		   unsigned long *noflags, unsigned long count[64]);
	/* nr sysfs entries looked up for the first time (their dentries and
	 * inodes); NULL: not modelled */
	void (*lookup_new)(struct run *r, unsigned int nr);
	void (*close)(struct run *r);
};

extern const struct target_ops local_target, daemon_target;

struct run {
	const struct target_ops *t;
	struct memhp_machine *m;	/* local_target's machine */
	const char *socket;		/* daemon_target's memhpd */
	size_t log_seen;		/* bytes of the daemon's log already shown */
	struct hog hogs[MAX_HOGS];
	int nr_hogs;
	struct memhp_geometry geo;
	struct json j;			/* JSON mode: the document */
	struct step_result act;		/* the running step's result */
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
	unsigned long *looked_up;	/* the blocks the last snapshot read, ascending */
	size_t nr_looked_up;
	unsigned int write_timeout_ms;	/* this step's limit per write */
	double clock;			/* the guest's seconds since boot's snapshot */
	double vmstat_phase;		/* a period ends at every whole second plus this */
	const struct scn_step_time *timeline;	/* --timeline: when each step ran */
	int nr_timeline;
	const double *periods;		/* and when vmstat's periods ended (ascending) */
	long nr_periods;
	/* the vmstat periods that end in the running hog's faults: after
	 * which fraction of its pages each one ends (ascending) */
	double hog_periods[HOG_PERIODS_MAX];
	int nr_hog_periods, hog_periods_done;
	bool counting_migrations;	/* this step's verb may migrate: its writes count them */
	double waited_seconds;		/* this step's writes that timed out: their limits */
	unsigned long waited_migrations;	/* the pages migrated within those waits */
	double step_seconds;		/* this step's, by the work it did (< 0: its verb's) */
	const struct guest_clock *clk;	/* what the recorded guest's steps take */
	unsigned int step_writes;	/* this step's sysfs writes that ended, */
	double write_seconds;		/* and their seconds on the guest's clock */
	struct hog guest_rootfs;	/* the modules' files in its rootfs */
	struct hog guest_user;		/* the oracle guest's own processes */
	bool guest_processes;		/* they run (not --no-guest-processes) */
	struct hog guest_cow[GUEST_COW_MAX_PAGES]; /* ... the pages they write, one each */
	unsigned int guest_cow_gen;	/* steps so far: their copies' names */
	double watcher_exit[WATCHERS_MAX];	/* the writes' `timeout` watchers: when each exits */
	int nr_watchers;
	double step_write_clock;	/* this step's writes so far, on the watchers' clock */
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

/* scenario_target.c: a request on memhpd's socket */
char *remote(struct run *r, const char *fmt, const char *a, const char *b, int *err);

/* the target's methods, by their old names */
static inline char *t_read(struct run *r, const char *path)
{
	return r->t->read(r, path);
}
static inline ssize_t t_write(struct run *r, const char *path, const char *buf, size_t len)
{
	return r->t->write(r, path, buf, len);
}
static inline int t_list(struct run *r, const char *path,
			 int (*fn)(void *arg, const char *name, const struct memhp_stat *st), void *arg)
{
	return r->t->list(r, path, fn, arg);
}
static inline size_t t_block_ids(struct run *r, unsigned long *ids, size_t max)
{
	return r->t->block_ids(r, ids, max);
}
static inline int t_dimm_add(struct run *r, const char *name, uint64_t size, int node, uint64_t addr,
			     struct memhp_dimm_info *info)
{
	return r->t->dimm_add(r, name, size, node, addr, info);
}
static inline int t_dimm_remove(struct run *r, const char *name, unsigned int timeout_ms)
{
	return r->t->dimm_remove(r, name, timeout_ms);
}
static inline int t_dimm_info(struct run *r, const char *name, struct memhp_dimm_info *info)
{
	return r->t->dimm_info(r, name, info);
}
static inline void t_log(struct run *r, char *buf, size_t cap)
{
	r->t->log(r, buf, cap);
}
static inline int t_audit(struct run *r, char *msg, size_t len)
{
	return r->t->audit(r, msg, len);
}

/* scenario_render.c: a step's result in text; text_* are the verbs' */
void render_step_text(FILE *out, const struct scn_step *st, const struct rv *act,
		      void (*text)(FILE *out, const struct scn_step *st, const struct rv *act));
void text_hotadd(FILE *out, const struct scn_step *st, const struct rv *act);
void text_remove(FILE *out, const struct scn_step *st, const struct rv *act);
void text_sh(FILE *out, const struct scn_step *st, const struct rv *act);
void text_kpf(FILE *out, const struct scn_step *st, const struct rv *act);
void text_hog(FILE *out, const struct scn_step *st, const struct rv *act);
void text_dax_region(FILE *out, const struct scn_step *st, const struct rv *act);
void text_where(FILE *out, const struct scn_step *st, const struct rv *act);

/* scenario_snapshot.c */
char *read_kfile(struct run *r, const char *path);
void strip_nl(char *s);
void json_lines(struct json *j, const char *key, const char *text);
void snapshot(struct run *r);
char *block_lines(struct run *r);
void text_mark(struct run *r);
void text_delta(struct run *r);

#endif
