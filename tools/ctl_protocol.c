// SPDX-License-Identifier: MIT
/*
 * ctl_protocol.c - memhpd's control protocol, declared once: every
 * request's words and usage, and the parser both ends use.  memhpd
 * (ctl_server.c) binds a handler to each entry; memhpctl checks each
 * request it builds against the same table before it is sent (ctl.c), so
 * the two ends cannot drift apart; the fuzz target drives the server
 * through it.  ctl.h documents what each request does.
 */
#include <errno.h>
#include <string.h>

#include "ctl.h"

/*
 * The first word, the second when it names a sub-request, how many words
 * the request takes (its own included).  `write PATH VALUE` is parsed
 * apart: its value may hold spaces.
 */
const struct ctl_request_spec ctl_protocol[CTL_NR_REQUESTS] = {
	[CTL_DEVICE_ADD] = { "device", "add", 2, 16, "device add NAME SIZE [node=N] [addr=A] [backing=PATH]" },
	[CTL_DEVICE_LIST] = { "device", "list", 2, 2, "device list" },
	[CTL_DEVICE_DEL] = { "device", "del", 3, 3, "device del NAME" },
	[CTL_DAX] = { "dax", NULL, 2, 16, "dax create cxl|hmem|pmem SIZE [node=N] | dax destroy REGION" },
	[CTL_READ] = { "read", NULL, 2, 2, "read PATH" },
	[CTL_WRITE] = { "write", NULL, 3, CTL_MAX_WORDS, "write PATH VALUE" },
	[CTL_LIST] = { "list", NULL, 2, 2, "list PATH" },
	[CTL_STATUS] = { "status", NULL, 1, 1, "status" },
	[CTL_DMESG] = { "dmesg", NULL, 1, 1, "dmesg" },
	[CTL_HOG] = { "hog", NULL, 1, 16, "hog NAME SIZE" },
	[CTL_PIN] = { "pin", NULL, 1, 16, "pin NAME I [hold]" },
	[CTL_UNPIN] = { "unpin", NULL, 1, 16, "unpin NAME I" },
	[CTL_KILL] = { "kill", NULL, 1, 16, "kill NAME" },
	[CTL_PFN] = { "pfn", NULL, 1, 16, "pfn NAME I" },
	[CTL_WHERE] = { "where", NULL, 1, 16, "where NAME" },
	[CTL_FAULT] = { "fault", NULL, 2, 2, "fault N" },
	[CTL_AUDIT] = { "audit", NULL, 1, 1, "audit" },
	[CTL_SHUTDOWN] = { "shutdown", NULL, 1, 1, "shutdown" },
	[CTL_UEVENTS] = { "uevents", NULL, 2, 3, "uevents AFTER|now [WAIT_MS]" },
	[CTL_KPF] = { "kpf", NULL, 2, 2, "kpf BLOCK" },
	[CTL_VMSTAT_UPDATE] = { "vmstat-update", NULL, 2, 2, "vmstat-update N" },
};

/* the request a split line is, or -EINVAL */
static int ctl_request_lookup(char **w, int n)
{
	for (int i = 0; i < CTL_NR_REQUESTS; i++) {
		const struct ctl_request_spec *r = &ctl_protocol[i];

		if (strcmp(w[0], r->word) || n < r->min || n > r->max || (r->sub && strcmp(w[1], r->sub)))
			continue;
		return i;
	}
	return -EINVAL;
}

int ctl_request_parse(char *line, char **w, int *n)
{
	char *save = NULL;

	*n = 0;
	if (!strncmp(line, "write ", 6)) {
		/* PATH, then the rest of the line whole */
		char *path = line + 6, *value = strchr(path, ' ');

		w[0] = line;
		line[5] = '\0';
		if (!value || value == path)
			return -EINVAL;
		*value = '\0';
		w[1] = path;
		w[2] = value + 1;
		*n = 3;
		return CTL_WRITE;
	}
	for (char *t = strtok_r(line, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		if (*n == CTL_MAX_WORDS)
			return -E2BIG;
		w[(*n)++] = t;
	}
	if (!*n)
		return -EINVAL;
	return ctl_request_lookup(w, *n);
}

int ctl_request_check(const char *request)
{
	char line[CTL_MAX_LINE], *w[CTL_MAX_WORDS];
	int n;

	if (strlen(request) >= sizeof(line) || strchr(request, '\n'))
		return -E2BIG;
	strcpy(line, request);
	return ctl_request_parse(line, w, &n) < 0 ? -EINVAL : 0;
}
