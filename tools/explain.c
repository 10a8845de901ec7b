// SPDX-License-Identifier: MIT
/*
 * explain.c - the kernel's log lines of a refusal, read for the user
 * (explain.h).  Each reading names the kernel's cause, as the function
 * that logs it (offline_pages, add_memory_resource, ...) decides it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "explain.h"

static const struct reading {
	const char *logged;	/* a substring of the kernel's line */
	const char *reason;
} readings[] = {
	{ "failed due to unmovable page",
	  "a page in the block cannot be migrated (the kernel's own allocations - slab, page tables - or a "
	  "pinned page); the kernel places its first allocations in the first block onlined to ZONE_NORMAL, "
	  "so that block may never go offline: online blocks as movable to keep them removable" },
	{ "failed due to failure to isolate range",
	  "the block holds pages the kernel cannot isolate (unmovable allocations, such as those the kernel "
	  "made in ZONE_NORMAL); movable blocks can always be isolated" },
	{ "failed due to memory holes", "the block is not fully backed by memory (a hole in its range)" },
	{ "failed due to multizone range", "the block's pages span more than one zone" },
	{ "failed due to notifier failure", "a memory notifier refused (see notifier-error-inject)" },
	{ "failed due to signal backoff", "the offline was interrupted by a signal or a timeout" },
	{ "unaligned hotplug range",
	  "hot-added memory must start and end on a memory block boundary (block_size_bytes)" },
	{ "because memory [", "the memory is still online: offline every block before removing it" },
	{ "invalid for parameter", "a kernel command line value is invalid" },
	/* last: read first, before the cause its block logged */
	{ "Offline failed.", "a block of the device could not be offlined, so the eject was refused" },
};

/* "[    1.234567] text" -> "text" */
static const char *strip_timestamp(const char *line)
{
	const char *close = line[0] == '[' ? strstr(line, "] ") : NULL;

	return close ? close + 2 : line;
}

static void append(char *out, size_t len, size_t *used, const char *s, size_t n)
{
	if (*used >= len - 1)
		return;
	if (n > len - 1 - *used)
		n = len - 1 - *used;
	memcpy(out + *used, s, n);
	*used += n;
	out[*used] = '\0';
}

/* the known readings of LOG, the eject's own first: at most two */
static void append_readings(const char *log, char *out, size_t len, size_t *used)
{
	const size_t n = sizeof(readings) / sizeof(readings[0]);
	int found = 0;

	for (size_t k = 0; k < n && found < 2; k++) {
		/* the last entry first: a device's refusal, then its block's cause */
		const struct reading *r = &readings[k ? k - 1 : n - 1];

		if (!strstr(log, r->logged))
			continue;
		if (found++)
			append(out, len, used, "; ", 2);
		append(out, len, used, r->reason, strlen(r->reason));
	}
}

/* each distinct line once, without its timestamp */
static void append_lines(const char *log, char *out, size_t len, size_t *used)
{
	const char *prev = NULL;
	size_t prev_n = 0;

	for (const char *l = log; *l;) {
		const char *nl = strchr(l, '\n'), *text = strip_timestamp(l);
		size_t n = nl ? (size_t)(nl - text) : strlen(text);

		if (!prev || n != prev_n || memcmp(prev, text, n)) {
			append(out, len, used, prev ? "; " : "", prev ? 2 : 0);
			append(out, len, used, text, n);
		}
		prev = text;
		prev_n = n;
		l = nl ? nl + 1 : l + strlen(l);
	}
}

void explain_failure(const char *log, int err, char *out, size_t len)
{
	size_t used = 0;

	(void)err;
	if (!len)
		return;
	out[0] = '\0';
	if (!log || !*log)
		return;
	append_readings(log, out, len, &used);
	append(out, len, &used, used ? "; kernel: " : "kernel: ", used ? 10 : 8);
	append_lines(log, out, len, &used);
}
