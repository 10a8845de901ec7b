// SPDX-License-Identifier: MIT
/*
 * udev.c - following memhpd's uevents: the `uevents` request in a loop,
 * each reply's events parsed into their environment.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "udev.h"

const char *uevent_get(const struct uevent *ev, const char *key)
{
	size_t k = strlen(key);

	for (int i = 0; i < ev->nr_env; i++)
		if (!strncmp(ev->env[i], key, k) && ev->env[i][k] == '=')
			return ev->env[i] + k + 1;
	return NULL;
}

int uevent_set(struct uevent *ev, const char *key, const char *value)
{
	size_t k = strlen(key);
	char *kv = malloc(k + strlen(value) + 2);
	int i;

	if (!kv)
		return -ENOMEM;
	sprintf(kv, "%s=%s", key, value);
	for (i = 0; i < ev->nr_env; i++)
		if (!strncmp(ev->env[i], key, k) && ev->env[i][k] == '=')
			break;
	if (i == UEVENT_MAX_ENV) {
		free(kv);
		return -E2BIG;
	}
	if (i == ev->nr_env)
		ev->nr_env++;
	else
		free(ev->env[i]);
	ev->env[i] = kv;
	return 0;
}

void uevent_clear(struct uevent *ev)
{
	for (int i = 0; i < ev->nr_env; i++)
		free(ev->env[i]);
	ev->nr_env = 0;
}

/* one event's message: "ACTION@DEVPATH", then KEY=value lines */
static int parse_event(const char *msg, size_t len, struct uevent *ev)
{
	const char *l = msg, *end = msg + len;

	ev->nr_env = 0;
	l = memchr(l, '\n', (size_t)(end - l));		/* the header says it again below */
	while (l && ++l < end) {
		const char *nl = memchr(l, '\n', (size_t)(end - l));
		const char *eq = memchr(l, '=', (size_t)((nl ? nl : end) - l));
		char key[64], *val;
		int ret;

		if (!eq || eq - l >= (long)sizeof(key))
			break;
		snprintf(key, sizeof(key), "%.*s", (int)(eq - l), l);
		val = strndup(eq + 1, (size_t)((nl ? nl : end) - eq - 1));
		ret = val ? uevent_set(ev, key, val) : -ENOMEM;
		free(val);
		if (ret)
			return ret;
		l = nl;
	}
	return uevent_get(ev, "ACTION") && uevent_get(ev, "DEVPATH") ? 0 : -EPROTO;
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* "seqnum N\n" first: where the next request starts */
static int reply_seqnum(const char *p, unsigned long long *seq)
{
	return sscanf(p, "seqnum %llu", seq) == 1 ? 0 : -EPROTO;
}

/* each event of a reply, a blank line after each; fn's non-zero ends the walk */
static int each_event(char *p, long *left, int (*fn)(void *arg, const char *msg, struct uevent *ev), void *arg)
{
	struct uevent ev = { 0 };
	int ret = 0;

	p = strchr(p, '\n');
	while (!ret && p && *++p) {
		char *e = strstr(p, "\n\n");
		size_t len = e ? (size_t)(e - p) + 1 : strlen(p);

		ret = parse_event(p, len, &ev);
		if (!ret) {
			char save = p[len];

			p[len] = '\0';
			ret = fn(arg, p, &ev);
			p[len] = save;
		}
		uevent_clear(&ev);
		if (!ret && *left > 0 && !--*left)
			return 1;	/* count reached */
		p = e ? e + 1 : NULL;
	}
	return ret;
}

int follow_uevents(const struct follow *f, int (*fn)(void *arg, const char *msg, struct uevent *ev),
		   void *arg)
{
	double until = f->seconds > 0 ? now_s() + f->seconds : 0;
	unsigned long long seq;
	long left = f->count > 0 ? f->count : -1;
	char err[256], req[64], *out = NULL;
	int ret = ctl_request(f->socket, "uevents now", &out, err, sizeof(err));

	if (!ret)
		ret = reply_seqnum(out, &seq);
	free(out);
	if (ret) {
		fprintf(stderr, "memhpctl: uevents: %s\n", ret == -EPROTO ? "bad reply" : err);
		return ret;
	}
	fprintf(stderr, "listening from SEQNUM %llu\n", seq);
	for (;;) {
		double wait = until ? until - now_s() : 1.0;

		if (wait <= 0)
			return 0;
		snprintf(req, sizeof(req), "uevents %llu %d", seq, wait > 1.0 ? 1000 : (int)(wait * 1000) + 1);
		out = NULL;
		ret = ctl_request(f->socket, req, &out, err, sizeof(err));
		if (!ret)
			ret = reply_seqnum(out, &seq);
		if (!ret)
			ret = each_event(out, &left, fn, arg);
		free(out);
		if (ret)
			break;
	}
	if (ret < 0)
		fprintf(stderr, "memhpctl: uevents: %s\n", ret == -EPROTO ? "bad reply" : err);
	return ret == 1 ? 0 : ret;
}
