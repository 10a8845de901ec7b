// SPDX-License-Identifier: MIT
/*
 * scenario_target.c - where the steps act: the machine in process, or a running memhpd
 * through its control socket (the t_* functions, the only ones that ask).
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

/*
 * The target: the machine in process, or a running memhpd through its
 * control socket.  Everything the runner does to the machine goes through
 * these few functions.
 */
char *remote(struct run *r, const char *fmt, const char *a, const char *b, int *err)
{
	char req[CTL_MAX_LINE], msg[256];
	char *out = NULL;
	int ret;

	snprintf(req, sizeof(req), fmt, a, b);
	ret = ctl_request(r->socket, req, &out, msg, sizeof(msg));
	if (err)
		*err = ret;
	if (ret)
		return NULL;
	return out ? out : xstrdup("");
}

char *t_read(struct run *r, const char *path)
{
	char *buf;

	if (r->socket)
		return remote(r, "read %s%s", path, "", NULL);
	return memhp_file_read_alloc(r->m, path, &buf) < 0 ? NULL : buf;
}

ssize_t t_write(struct run *r, const char *path, const char *buf, size_t len)
{
	int err;
	char value[4200];
	char *out;

	if (!r->socket)
		return memhp_file_write_cancellable(r->m, path, buf, len, NULL,
						    r->write_timeout_ms ? r->write_timeout_ms
									: WRITE_TIMEOUT_MS_DEFAULT);
	/* one line per request: the trailing newline, which every sysfs
	 * parser treats as absent, is not sent */
	snprintf(value, sizeof(value), "%.*s", (int)len, buf);
	value[strcspn(value, "\n")] = '\0';
	out = remote(r, "write %s %s", path, value, &err);
	free(out);
	return err ? err : (ssize_t)len;
}

int t_list(struct run *r, const char *path,
		  int (*fn)(void *arg, const char *name, const struct memhp_stat *st), void *arg)
{
	int err;
	char *out, *save = NULL;

	if (!r->socket)
		return memhp_file_list(r->m, path, fn, arg);
	out = remote(r, "list %s%s", path, "", &err);
	for (char *l = out ? strtok_r(out, "\n", &save) : NULL; l; l = strtok_r(NULL, "\n", &save)) {
		struct memhp_stat st = { .type = l[0] == 'd' ? MEMHP_FT_DIR : l[0] == 'l' ? MEMHP_FT_LINK
											: MEMHP_FT_FILE };

		if (strlen(l) > 2)
			fn(arg, l + 2, &st);
	}
	free(out);
	return err;
}

struct idlist {
	unsigned long *ids;
	size_t n, max;
};

static int collect_block_id(void *arg, const char *name, const struct memhp_stat *st)
{
	struct idlist *l = arg;
	char *end;
	unsigned long id;

	if (st->type != MEMHP_FT_DIR || strncmp(name, "memory", 6))
		return 0;
	id = strtoul(name + 6, &end, 10);
	if (*end || end == name + 6)
		return 0;
	if (l->n < l->max)
		l->ids[l->n] = id;
	l->n++;
	return 0;
}

static int cmp_ulong(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

size_t t_block_ids(struct run *r, unsigned long *ids, size_t max)
{
	struct idlist l = { ids, 0, max };

	if (!r->socket)
		return memhp_block_ids(r->m, ids, max);
	t_list(r, "/sys/devices/system/memory", collect_block_id, &l);
	if (ids)
		qsort(ids, MIN_SZ(l.n, max), sizeof(*ids), cmp_ulong);
	return l.n;
}

int t_dimm_add(struct run *r, const char *name, uint64_t size, int node, uint64_t addr,
		      struct memhp_dimm_info *info)
{
	char args[256], *out;
	int err;

	if (!r->socket)
		return memhp_dimm_add(r->m, name, size, node, addr, -1, info);
	snprintf(args, sizeof(args), "%llu node=%d", (unsigned long long)size, node);
	if (addr != MEMHP_ADDR_AUTO)
		snprintf(args + strlen(args), sizeof(args) - strlen(args), " addr=%#llx", (unsigned long long)addr);
	out = remote(r, "device add %s %s", name, args, &err);
	if (err)
		return err;
	memset(info, 0, sizeof(*info));
	{
		unsigned long long a = 0;
		char e[32] = "";

		sscanf(out, "addr=%llx blocks=%lu-%lu enabled=%d add_error=%31s", &a, &info->first_block,
		       &info->last_block, &info->enabled, e);
		info->addr = a;
		info->size = size;
		info->node = node;
		info->add_error = info->enabled ? 0 : -ENOMEM;
		if (!strcmp(e, "EINVAL"))
			info->add_error = -EINVAL;
	}
	free(out);
	return 0;
}

int t_dimm_remove(struct run *r, const char *name)
{
	int err;

	if (!r->socket)
		return memhp_dimm_remove(r->m, name);
	free(remote(r, "device del %s%s", name, "", &err));
	return err;
}

int t_dimm_info(struct run *r, const char *name, struct memhp_dimm_info *info)
{
	unsigned long long a = 0, size = 0;
	char *out, line[160], n[64];
	FILE *f;
	int err, found = 0;

	if (!r->socket)
		return memhp_dimm_info(r->m, name, info);
	out = remote(r, "device list%s%s", "", "", &err);
	if (!out)
		return err;
	f = fmemopen(out, strlen(out), "r");
	memset(info, 0, sizeof(*info));
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s addr=%llx size=%llu node=%d blocks=%lu-%lu enabled=%d", n, &a, &size,
			   &info->node, &info->first_block, &info->last_block, &info->enabled) == 7 &&
		    !strcmp(n, name)) {
			info->addr = a;
			info->size = size;
			found = 1;
		}
	if (f)
		fclose(f);
	free(out);
	return found ? 0 : -ENOENT;
}

/* the kernel log lines since the last call */
void t_log(struct run *r, char *buf, size_t cap)
{
	char *all;
	size_t n;

	if (!r->socket) {
		memhp_log_read(r->m, &r->log_seq, buf, cap);
		return;
	}
	buf[0] = '\0';
	all = remote(r, "dmesg%s%s", "", "", NULL);
	if (!all)
		return;
	n = strlen(all);
	if (n > r->log_seen)
		snprintf(buf, cap, "%s", all + r->log_seen);
	r->log_seen = n;
	free(all);
}

int t_audit(struct run *r, char *msg, size_t len)
{
	int err;

	if (!r->socket)
		return memhp_audit(r->m, msg, len);
	free(remote(r, "audit%s%s", "", "", &err));
	if (err)
		snprintf(msg, len, "memhpd's audit failed");
	return err;
}
