// SPDX-License-Identifier: MIT
/*
 * demo.c - `memhpctl demo`: why memmap_on_memory exists, in one command.
 *
 *   memhpctl demo [--svg FILE] [--json FILE] [--device SIZE]
 *
 * The embedded default machine: x86_64, 2 GiB of boot RAM on node 0, a
 * memory-less node 1, and a 256 GiB CXL memory expander on node 1 (sparse
 * backing), added through dax/kmem and onlined movable - twice:
 *
 *   memmap_on_memory=0  the struct pages of every hot-added section come
 *                       from existing memory, and node 1 has none: node 0
 *                       pays 16 MiB per GiB added, runs out part way, the
 *                       add fails with -ENOMEM and is rolled back, and
 *                       node 0 gets every page back;
 *   memmap_on_memory=1  each 128 MiB block carries its own 2 MiB memmap at
 *                       its start: node 0 does not move, and the 4 GiB of
 *                       struct pages (1048576 pages) sit on the device.
 *
 * It prints a table per mode (node 0 free, blocks online, memmap and where,
 * sampled every 32 GiB from the library's progress reports) and writes an
 * SVG: node 0's free memory against the amount hot-added for both modes,
 * and the device's block map with the vmemmap part of each block.  --json
 * writes the samples (one per GiB) for the test that checks the numbers.
 * The run itself is plan_run (plan.c): the demo is a plan with a picture.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "plan.h"
#include "scenario.h"

#define GiB (1ULL << 30)
#define MiB (1ULL << 20)
#define MAX_SAMPLES 4096

struct sample {
	uint64_t added;		/* bytes of the device added so far */
	uint64_t free0;		/* node 0 free bytes */
	unsigned long memmap;	/* nr_memmap_pages */
};

struct demo_mode {
	int mmom;
	struct plan_machine pm;
	struct plan_device dev;
	struct plan_result res;
	struct plan_geometry geo;
	size_t nr;
	struct sample s[MAX_SAMPLES];	/* one per GiB added, and the last */
	struct sample last;		/* the latest report of the add */
	uint64_t last_online;
	int tty;
};

static void on_sample(void *arg, size_t device, const char *op, uint64_t done, uint64_t total,
		      const uint64_t *node_free, unsigned int nr_nodes, unsigned long memmap)
{
	struct demo_mode *d = arg;

	(void)device;
	(void)nr_nodes;
	if (!strcmp(op, "add")) {
		d->last = (struct sample){ done, node_free[0], memmap };
		if ((done % GiB == 0 || done == total) && d->nr < MAX_SAMPLES)
			d->s[d->nr++] = d->last;
	}
	if (!strcmp(op, "online"))
		d->last_online = done;
	/* progress, every 8 GiB (a line each when not on a terminal) */
	if (done % (8 * GiB) == 0 || done == total) {
		fprintf(stderr, "%s  memmap_on_memory=%d: %-6s %4llu/%llu GiB%s", d->tty ? "\r" : "", d->mmom, op,
			(unsigned long long)(done / GiB), (unsigned long long)(total / GiB), d->tty ? "" : "\n");
		fflush(stderr);
	}
}

static int run_mode(struct demo_mode *d, uint64_t device_size)
{
	static char cmdline[2][96];
	char err[256];
	int ret;

	snprintf(cmdline[d->mmom], sizeof(cmdline[0]),
		 "memory_hotplug.memmap_on_memory=%d memhp_default_state=online_movable", d->mmom);
	d->pm = (struct plan_machine){ .nr_nodes = 2, .node_mem = { 2 * GiB, 0 }, .cmdline = cmdline[d->mmom] };
	d->dev = (struct plan_device){ .kind = PLAN_CXL, .size = device_size, .node = 1 };
	d->tty = isatty(2);
	ret = plan_run(&d->pm, &d->dev, 1, &d->res, &d->geo, on_sample, d, err, sizeof(err));
	/* a failing add stops between two GiB: its last report is a sample too */
	if (d->nr && d->last.added != d->s[d->nr - 1].added && d->nr < MAX_SAMPLES)
		d->s[d->nr++] = d->last;
	if (d->tty)
		fputc('\n', stderr);
	if (ret)
		fprintf(stderr, "memhpctl demo: %s\n", err);
	return ret;
}

static double mib(uint64_t b)
{
	return (double)b / (double)MiB;
}

static void print_row(const char *step, uint64_t free0, unsigned long online, unsigned long blocks,
		      uint64_t memmap, const char *where)
{
	char mm[32];

	if (memmap >= GiB && !(memmap % GiB))
		snprintf(mm, sizeof(mm), "%llu GiB", (unsigned long long)(memmap / GiB));
	else
		snprintf(mm, sizeof(mm), "%.0f MiB", mib(memmap));
	printf("  %-30s %9.1f MiB %6lu/%-6lu %10s  %s\n", step, mib(free0), online, blocks, mm, where);
}

static void print_table(const struct demo_mode *d)
{
	unsigned long blocks = d->res.last_block - d->res.first_block + 1;
	const char *where = d->mmom ? "on the device" : "node 0 DRAM";
	char step[96];

	printf("\nmemory_hotplug.memmap_on_memory=%d: %llu GiB CXL on node 1 (dax0.0, blocks %lu-%lu)\n",
	       d->mmom, (unsigned long long)(d->dev.size / GiB), d->res.first_block, d->res.last_block);
	printf("  %-30s %13s %13s %10s  %s\n", "step", "node 0 free", "online", "memmap", "where");
	print_row("boot", d->geo.node_free0[0], 0, blocks, 0, "-");
	for (size_t i = 0; i < d->nr; i++) {
		const struct sample *s = &d->s[i];
		bool last = i + 1 == d->nr;

		if (s->added % (32 * GiB) && !last)
			continue;
		snprintf(step, sizeof(step), "%s %.*f GiB", last && d->res.error ? "failed after" : "added",
			 s->added % GiB ? 3 : 0, (double)s->added / (double)GiB);
		print_row(step, s->free0, 0, blocks, s->memmap * d->geo.page_size, where);
	}
	if (d->res.error) {
		snprintf(step, sizeof(step), "-%s, rolled back", memhp_strerror(d->res.error));
		print_row(step, (uint64_t)((int64_t)d->geo.node_free0[0] + d->res.dram_after[0]), 0, blocks, 0,
			  "-");
		printf("  node 0 paid %.0f MiB for %.3f GiB (%.1f MiB per GiB) before running out\n",
		       mib((uint64_t)d->res.dram_used[0]), (double)d->res.added_at_failure / (double)GiB,
		       mib((uint64_t)d->res.dram_used[0]) / ((double)d->res.added_at_failure / (double)GiB));
	} else {
		snprintf(step, sizeof(step), "onlined (%s, node 1)", d->res.nr_runs ? d->res.runs[0].zone : "-");
		print_row(step, (uint64_t)((int64_t)d->geo.node_free0[0] + d->res.dram_after[0]),
			  d->res.blocks_online, blocks, d->res.memmap_bytes, where);
		printf("  memmap: %llu pages of struct page, %llu MiB at the start of each %llu MiB block;"
		       " node 0 paid %lld bytes\n",
		       (unsigned long long)(d->res.memmap_bytes / d->geo.page_size),
		       (unsigned long long)(d->res.memmap_on_device / blocks / MiB),
		       (unsigned long long)(d->geo.block_size / MiB), (long long)d->res.dram_used[0]);
	}
}

/* ---- the picture ------------------------------------------------------------ */

static void svg_curve(FILE *f, const struct demo_mode *d, double x0, double y0, double w, double h,
		      double max_gib, double max_mib, const char *color)
{
	fprintf(f, "<polyline fill='none' stroke='%s' stroke-width='2.5' points='", color);
	fprintf(f, "%.1f,%.1f ", x0, y0 + h - mib(d->geo.node_free0[0]) / max_mib * h);
	for (size_t i = 0; i < d->nr; i++)
		fprintf(f, "%.1f,%.1f ", x0 + (double)d->s[i].added / (double)GiB / max_gib * w,
			y0 + h - mib(d->s[i].free0) / max_mib * h);
	fprintf(f, "'/>\n");
	if (d->res.error && d->nr) {
		double x = x0 + (double)d->s[d->nr - 1].added / (double)GiB / max_gib * w;
		double ya = y0 + h - mib(d->s[d->nr - 1].free0) / max_mib * h;
		double yb = y0 + h - mib((uint64_t)((int64_t)d->geo.node_free0[0] + d->res.dram_after[0])) / max_mib * h;

		fprintf(f, "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke='%s' stroke-width='2' "
			   "stroke-dasharray='5,4'/>\n", x, ya, x, yb, color);
		fprintf(f, "<text x='%.1f' y='%.1f' font-size='12' fill='%s'>-%s at %.1f GiB: rolled back, "
			   "every page returned</text>\n", x + 6, (ya + yb) / 2, color,
			memhp_strerror(d->res.error), (double)d->s[d->nr - 1].added / (double)GiB);
	}
}

static void svg_block_map(FILE *f, const struct demo_mode *d, double x0, double y0)
{
	unsigned long blocks = d->res.last_block - d->res.first_block + 1, cols = 64;
	double cw = 11, ch = 7, vm = (double)d->res.memmap_on_device / (double)blocks / (double)d->geo.block_size;

	fprintf(f, "<text x='%.0f' y='%.0f' font-size='14'>The device's %lu blocks (memmap_on_memory=1): "
		   "each starts with its own memmap, %.0f MiB of %.0f MiB (dark)</text>\n",
		x0, y0 - 8, blocks, vm * mib(d->geo.block_size), mib(d->geo.block_size));
	for (unsigned long b = 0; b < blocks; b++) {
		double x = x0 + (double)(b % cols) * (cw + 1), y = y0 + (double)(b / cols) * (ch + 1);

		fprintf(f, "<rect x='%.0f' y='%.0f' width='%.0f' height='%.0f' fill='#9ecae1'/>"
			   "<rect x='%.0f' y='%.0f' width='%.2f' height='%.0f' fill='#08306b'/>\n",
			x, y, cw, ch, x, y, vm > 0 ? (vm * cw < 1 ? 1 : vm * cw) : 0, ch);
	}
	/* one block to scale */
	y0 += (double)((blocks + cols - 1) / cols) * (ch + 1) + 24;
	fprintf(f, "<text x='%.0f' y='%.0f' font-size='13'>One block to scale: %.0f MiB of struct pages "
		   "(vmemmap, %lu pages) then %.0f MiB of memory for the buddy allocator</text>\n",
		x0, y0 - 6, vm * mib(d->geo.block_size), (unsigned long)(vm * (double)d->geo.block_size /
									 (double)d->geo.page_size),
		(1 - vm) * mib(d->geo.block_size));
	fprintf(f, "<rect x='%.0f' y='%.0f' width='%.0f' height='18' fill='#9ecae1'/>"
		   "<rect x='%.0f' y='%.0f' width='%.1f' height='18' fill='#08306b'/>\n",
		x0, y0, (double)cols * (cw + 1) - 1, x0, y0, vm * ((double)cols * (cw + 1) - 1));
}

static int write_svg(const char *path, const struct demo_mode *off, const struct demo_mode *on)
{
	FILE *f = fopen(path, "w");
	double x0 = 70, y0 = 50, w = 780, h = 280, max_gib = (double)on->dev.size / (double)GiB;
	double max_mib = mib(off->pm.node_mem[0]);

	if (!f)
		return -errno;
	fprintf(f, "<svg xmlns='http://www.w3.org/2000/svg' width='900' height='720' "
		   "font-family='sans-serif'>\n<rect width='900' height='720' fill='white'/>\n");
	fprintf(f, "<text x='%.0f' y='28' font-size='16'>Node 0 free memory while %.0f GiB of CXL memory "
		   "is hot-added on node 1 (2 GiB of boot RAM)</text>\n", x0, max_gib);
	fprintf(f, "<rect x='%.0f' y='%.0f' width='%.0f' height='%.0f' fill='none' stroke='#888'/>\n",
		x0, y0, w, h);
	for (int g = 0; g <= 8; g++) {
		double x = x0 + w * g / 8;

		fprintf(f, "<text x='%.0f' y='%.0f' font-size='11' text-anchor='middle'>%.0f</text>\n", x,
			y0 + h + 16, max_gib * g / 8);
	}
	for (int g = 0; g <= 4; g++) {
		double y = y0 + h - h * g / 4;

		fprintf(f, "<text x='%.0f' y='%.0f' font-size='11' text-anchor='end'>%.0f</text>"
			   "<line x1='%.0f' y1='%.0f' x2='%.0f' y2='%.0f' stroke='#eee'/>\n",
			x0 - 6, y + 4, max_mib * g / 4, x0, y, x0 + w, y);
	}
	fprintf(f, "<text x='%.0f' y='%.0f' font-size='12' text-anchor='middle'>GiB hot-added</text>\n",
		x0 + w / 2, y0 + h + 34);
	fprintf(f, "<text x='18' y='%.0f' font-size='12' transform='rotate(-90 18 %.0f)' "
		   "text-anchor='middle'>node 0 free (MiB)</text>\n", y0 + h / 2, y0 + h / 2);
	svg_curve(f, off, x0, y0, w, h, max_gib, max_mib, "#d62728");
	svg_curve(f, on, x0, y0, w, h, max_gib, max_mib, "#2ca02c");
	fprintf(f, "<text x='%.0f' y='%.0f' font-size='12' fill='#2ca02c'>memmap_on_memory=1: "
		   "node 0 unchanged (memmap on the device)</text>\n", x0 + w / 2 - 10, y0 + h - 44);
	fprintf(f, "<text x='%.0f' y='%.0f' font-size='12' fill='#d62728'>memmap_on_memory=0: "
		   "16 MiB of node 0 per GiB added</text>\n", x0 + w / 2 - 10, y0 + h - 24);
	svg_block_map(f, on, x0, y0 + h + 80);
	fprintf(f, "</svg>\n");
	return fclose(f) ? -errno : 0;
}

static int write_json(const char *path, const struct demo_mode *modes)
{
	FILE *f = fopen(path, "w");
	struct json j;

	if (!f)
		return -errno;
	json_init(&j, f, false);
	json_begin_object(&j, NULL);
	json_uint(&j, "page_size", modes[0].geo.page_size);
	json_uint(&j, "block_size", modes[0].geo.block_size);
	json_begin_array(&j, "modes");
	for (int k = 0; k < 2; k++) {
		const struct demo_mode *d = &modes[k];

		json_begin_object(&j, NULL);
		json_int(&j, "memmap_on_memory", d->mmom);
		json_uint(&j, "device_size", d->dev.size);
		json_string(&j, "result", d->res.error ? memhp_strerror(d->res.error) : "ok");
		json_int(&j, "fail_block", d->res.fail_block);
		json_uint(&j, "added_at_failure", d->res.added_at_failure);
		json_uint(&j, "first_block", d->res.first_block);
		json_uint(&j, "last_block", d->res.last_block);
		json_uint(&j, "blocks_online", d->res.blocks_online);
		json_uint(&j, "memmap_bytes", d->res.error ? 0 : d->res.memmap_bytes);
		json_uint(&j, "memmap_on_device", d->res.error ? 0 : d->res.memmap_on_device);
		json_uint(&j, "node0_free_boot", d->geo.node_free0[0]);
		json_int(&j, "node0_change_after", d->res.dram_after[0]);
		json_uint(&j, "nr_memmap_pages_boot", d->geo.nr_memmap_pages_boot);
		json_begin_array(&j, "samples");
		for (size_t i = 0; i < d->nr; i++) {
			json_begin_array(&j, NULL);
			json_uint(&j, NULL, d->s[i].added);
			json_uint(&j, NULL, d->s[i].free0);
			json_uint(&j, NULL, d->s[i].memmap);
			json_end_array(&j);
		}
		json_end_array(&j);
		json_end_object(&j);
	}
	json_end_array(&j);
	json_end_object(&j);
	fputc('\n', f);
	return fclose(f) ? -errno : 0;
}

int cmd_demo(int argc, char **argv)
{
	const char *svg = NULL, *json = NULL;
	uint64_t size = 256 * GiB;
	struct demo_mode *modes = calloc(2, sizeof(*modes));
	int ret = 0;

	if (!modes)
		return 1;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--svg") && i + 1 < argc) {
			svg = argv[++i];
		} else if (!strcmp(argv[i], "--json") && i + 1 < argc) {
			json = argv[++i];
		} else if (!strcmp(argv[i], "--device") && i + 1 < argc && !scn_parse_size(argv[i + 1], &size) &&
			   size >= GiB && !(size % GiB)) {
			i++;
		} else {
			fprintf(stderr, "usage: memhpctl demo [--svg FILE] [--json FILE] [--device SIZE]\n");
			free(modes);
			return 2;
		}
	}
	printf("memhp demo: x86_64, node 0 with 2 GiB of boot RAM, node 1 memory-less;\n"
	       "a %llu GiB CXL memory expander on node 1 through dax/kmem, onlined movable.\n",
	       (unsigned long long)(size / GiB));
	for (int k = 0; k < 2 && !ret; k++) {
		modes[k].mmom = k;
		ret = run_mode(&modes[k], size);
	}
	if (!ret) {
		print_table(&modes[0]);
		print_table(&modes[1]);
	}
	if (!ret && svg) {
		ret = write_svg(svg, &modes[0], &modes[1]);
		if (!ret)
			printf("\npicture: %s\n", svg);
	}
	if (!ret && json)
		ret = write_json(json, modes);
	if (ret)
		fprintf(stderr, "memhpctl demo: %s\n", strerror(ret < 0 ? -ret : ret));
	free(modes);
	return ret ? 1 : 0;
}
