// SPDX-License-Identifier: MIT
/*
 * kvload.c - the load generator of `make bench-live`: a Redis (RESP) or
 * memcached (text protocol) client that writes keys whose values carry
 * their key, a version and bytes derived from both, and checks every value
 * it reads back.
 *
 *   kvload --proto redis|memcache --port P --keys N --size BYTES
 *          [--conns C] [--depth D] [--load] [--run SECONDS] [--verify]
 *          [--sets PERCENT] [--seed S] [--state FILE]
 *
 * Each key belongs to one connection (key % C), so its operations are
 * ordered by that connection's TCP stream and the value a GET must see is
 * exactly the last one written before it: any other is counted corrupted
 * (wrong bytes) or lost (a miss).  --load writes every key (version 1),
 * --run issues GETs and SETs (--sets percent, 10 by default) on random
 * keys for SECONDS, printing "tick SECONDS OPS" once a second (several
 * --run: phases run1, run2, ... one after the other), --verify reads
 * every key.  Each phase ends with "phase NAME ops N seconds S ops_per_s X".  The last line is a summary:
 *   "kvload ops N seconds S ops_per_s X written W lost L corrupted K errors E"
 * The versions written are this process's knowledge: --state FILE reads
 * them at the start (if the file exists) and writes them back at the end,
 * so that phases run as separate invocations (the bench alternates two
 * servers phase by phase) still check every value exactly.  Without it
 * and without --load, every key is taken to be at version 1.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum proto { REDIS, MEMCACHE };
enum op_kind { OP_SET, OP_GET };

struct op {
	enum op_kind kind;
	uint64_t key;
	uint32_t version;	/* a SET's, or what a GET must find */
};

struct conn {
	int fd;
	struct op *q;		/* in flight, in order */
	size_t q_head, q_len;
	char *in;		/* replies not yet parsed */
	size_t in_len, in_cap;
	char *out;		/* requests not yet sent */
	size_t out_len, out_off, out_cap;
	uint64_t next_key;	/* --load/--verify: the next of this conn's keys */
};

static struct {
	enum proto proto;
	int port, nconns, depth, sets_pct;
	uint64_t keys;
	size_t size;
	uint32_t *version;	/* per key: the last written */
	uint64_t ops, written, lost, corrupted, errors;
	uint64_t rng;
	struct conn *c;
} K = { .nconns = 8, .depth = 16, .sets_pct = 10, .rng = 88172645463325252ULL };

static uint64_t xorshift(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* value of (key, version): a header, then bytes both determine */
static void make_value(char *v, uint64_t key, uint32_t version)
{
	uint64_t x = (key + 1) * 0x9E3779B97F4A7C15ULL ^ version;
	size_t i = 0;

	i += (size_t)snprintf(v, K.size, "k%llu:v%u:", (unsigned long long)key, version);
	for (; i + 8 <= K.size; i += 8) {
		uint64_t r = xorshift(&x);

		memcpy(v + i, &r, 8);
	}
	for (; i < K.size; i++)
		v[i] = (char)xorshift(&x);
}

static void out_reserve(struct conn *c, size_t more)
{
	if (c->out_len + more <= c->out_cap)
		return;
	c->out_cap = 2 * (c->out_len + more);
	c->out = realloc(c->out, c->out_cap);
	if (!c->out)
		abort();
}

static void put_op(struct conn *c, enum op_kind kind, uint64_t key)
{
	char kbuf[32], hdr[128];
	int kl = snprintf(kbuf, sizeof(kbuf), "key:%llu", (unsigned long long)key), hl;
	struct op *o = &c->q[(c->q_head + c->q_len) % (size_t)K.depth];

	o->kind = kind;
	o->key = key;
	if (kind == OP_SET)
		K.version[key]++;
	o->version = K.version[key];
	if (kind == OP_SET) {
		hl = K.proto == REDIS
			? snprintf(hdr, sizeof(hdr), "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%zu\r\n", kl, kbuf, K.size)
			: snprintf(hdr, sizeof(hdr), "set %s 0 0 %zu\r\n", kbuf, K.size);
		out_reserve(c, (size_t)hl + K.size + 2);
		memcpy(c->out + c->out_len, hdr, (size_t)hl);
		make_value(c->out + c->out_len + hl, key, o->version);
		memcpy(c->out + c->out_len + hl + K.size, "\r\n", 2);
		c->out_len += (size_t)hl + K.size + 2;
	} else {
		hl = K.proto == REDIS ? snprintf(hdr, sizeof(hdr), "*2\r\n$3\r\nGET\r\n$%d\r\n%s\r\n", kl, kbuf)
				      : snprintf(hdr, sizeof(hdr), "get %s\r\n", kbuf);
		out_reserve(c, (size_t)hl);
		memcpy(c->out + c->out_len, hdr, (size_t)hl);
		c->out_len += (size_t)hl;
	}
	c->q_len++;
}

/* a GET's value against what it must be */
static void check_value(const struct op *o, const char *v, size_t len)
{
	static char *want;

	if (!want && !(want = malloc(K.size)))
		abort();
	if (o->version == 0) {
		K.corrupted++;	/* a key never written has a value */
		return;
	}
	make_value(want, o->key, o->version);
	if (len != K.size || memcmp(v, want, K.size))
		K.corrupted++;
}

/* one reply parsed off the front of c->in: its length, 0 if incomplete */
static size_t parse_reply(struct conn *c)
{
	const struct op *o = &c->q[c->q_head];
	char *end = memmem(c->in, c->in_len, "\r\n", 2);
	size_t line;

	if (!end)
		return 0;
	line = (size_t)(end - c->in) + 2;
	if (o->kind == OP_SET) {
		if (strncmp(c->in, K.proto == REDIS ? "+OK\r\n" : "STORED\r\n", line))
			K.errors++;
		else
			K.written++;
		return line;
	}
	if (K.proto == REDIS) {
		long n;

		if (c->in[0] != '$') {
			K.errors++;
			return line;
		}
		n = strtol(c->in + 1, NULL, 10);
		if (n < 0) {
			K.lost += o->version > 0;
			return line;
		}
		if (c->in_len < line + (size_t)n + 2)
			return 0;
		check_value(o, c->in + line, (size_t)n);
		return line + (size_t)n + 2;
	}
	if (!strncmp(c->in, "END\r\n", 5)) {
		K.lost += o->version > 0;
		return line;
	}
	if (strncmp(c->in, "VALUE ", 6)) {
		K.errors++;
		return line;
	} else {
		const char *sp = memrchr(c->in, ' ', line - 2);
		size_t n = sp ? strtoul(sp + 1, NULL, 10) : 0;

		if (c->in_len < line + n + 2 + 5)
			return 0;
		check_value(o, c->in + line, n);
		if (strncmp(c->in + line + n, "\r\nEND\r\n", 7))
			K.errors++;
		return line + n + 7;
	}
}

static void read_replies(struct conn *c)
{
	for (;;) {
		ssize_t r;

		if (c->in_cap - c->in_len < 65536) {
			c->in_cap = 2 * c->in_cap + 65536;
			c->in = realloc(c->in, c->in_cap);
			if (!c->in)
				abort();
		}
		r = read(c->fd, c->in + c->in_len, c->in_cap - c->in_len);
		if (r <= 0) {
			if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
				fprintf(stderr, "kvload: connection lost: %s\n", r ? strerror(errno) : "closed");
				K.errors++;
				exit(3);
			}
			break;
		}
		c->in_len += (size_t)r;
	}
	while (c->q_len) {
		size_t n = parse_reply(c);

		if (!n)
			break;
		memmove(c->in, c->in + n, c->in_len - n);
		c->in_len -= n;
		c->q_head = (c->q_head + 1) % (size_t)K.depth;
		c->q_len--;
		K.ops++;
	}
}

static void write_requests(struct conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t w = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);

		if (w <= 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			fprintf(stderr, "kvload: write: %s\n", strerror(errno));
			exit(3);
		}
		c->out_off += (size_t)w;
	}
	c->out_off = c->out_len = 0;
}

static int conn_open(struct conn *c)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)K.port) };
	int one = 1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c->fd = socket(AF_INET, SOCK_STREAM, 0);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&a, sizeof(a)))
		return -1;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	fcntl(c->fd, F_SETFL, O_NONBLOCK);
	c->q = calloc((size_t)K.depth, sizeof(*c->q));
	return c->q ? 0 : -1;
}

enum phase { PH_LOAD, PH_RUN, PH_VERIFY };

/* the next operation of connection i in this phase; false: none left */
static bool next_op(int i, enum phase ph)
{
	struct conn *c = &K.c[i];
	uint64_t key;

	if (ph != PH_RUN) {
		if (c->next_key >= K.keys)
			return false;
		put_op(c, ph == PH_LOAD ? OP_SET : OP_GET, c->next_key);
		c->next_key += (uint64_t)K.nconns;
		return true;
	}
	key = xorshift(&K.rng) % K.keys;
	key = key - key % (uint64_t)K.nconns + (uint64_t)i;
	if (key >= K.keys)
		key = (uint64_t)i;
	put_op(c, xorshift(&K.rng) % 100 < (uint64_t)K.sets_pct ? OP_SET : OP_GET, key);
	return true;
}

static double run_phase(enum phase ph, double seconds, const char *name)
{
	struct pollfd *pfd = calloc((size_t)K.nconns, sizeof(*pfd));
	double t0 = now_s(), tick = t0 + 1;
	uint64_t ops0 = K.ops, tick_ops = K.ops;
	bool more = true;

	for (int i = 0; i < K.nconns; i++)
		K.c[i].next_key = (uint64_t)i;
	for (;;) {
		int inflight = 0;

		more = false;
		for (int i = 0; i < K.nconns; i++) {
			struct conn *c = &K.c[i];

			while (c->q_len < (size_t)K.depth && (ph != PH_RUN || now_s() - t0 < seconds)) {
				if (!next_op(i, ph))
					break;
			}
			if (ph == PH_RUN ? now_s() - t0 < seconds : c->next_key < K.keys)
				more = true;
			inflight += c->q_len > 0;
			pfd[i].fd = c->fd;
			pfd[i].events = POLLIN | (c->out_len > c->out_off ? POLLOUT : 0);
			write_requests(c);
		}
		if (!inflight && !more)
			break;
		poll(pfd, (nfds_t)K.nconns, 100);
		for (int i = 0; i < K.nconns; i++)
			if (pfd[i].revents & (POLLIN | POLLERR | POLLHUP))
				read_replies(&K.c[i]);
		if (ph == PH_RUN && now_s() >= tick) {
			printf("tick %.1f %llu\n", now_s() - t0, (unsigned long long)(K.ops - tick_ops));
			fflush(stdout);
			tick_ops = K.ops;
			tick += 1;
		}
	}
	free(pfd);
	t0 = now_s() - t0;
	printf("phase %s ops %llu seconds %.2f ops_per_s %.0f\n", name, (unsigned long long)(K.ops - ops0), t0,
	       (double)(K.ops - ops0) / t0);
	fflush(stdout);
	return t0;
}

/* the versions of an earlier invocation: true when read */
static bool state_read(const char *path)
{
	FILE *f = path ? fopen(path, "rb") : NULL;
	bool ok;

	if (!f)
		return false;
	ok = fread(K.version, sizeof(*K.version), K.keys, f) == K.keys;
	fclose(f);
	return ok;
}

static int state_write(const char *path)
{
	FILE *f = fopen(path, "wb");
	int ret;

	if (!f)
		return -1;
	ret = fwrite(K.version, sizeof(*K.version), K.keys, f) == K.keys ? 0 : -1;
	return fclose(f) ? -1 : ret;
}

static void usage(void)
{
	fprintf(stderr, "usage: kvload --proto redis|memcache --port P --keys N --size BYTES [--conns C] [--depth D]\n"
			"              [--load] [--run SECONDS] [--verify] [--sets PERCENT] [--seed S] [--state FILE]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	bool load = false, verify = false;
	double run[8], t = 0;
	int nruns = 0;
	const char *state = NULL;
	uint64_t ops0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--load") || !strcmp(a, "--verify")) {
			*(a[2] == 'l' ? &load : &verify) = true;
			continue;
		}
		if (!v)
			usage();
		i++;
		if (!strcmp(a, "--proto"))
			K.proto = !strcmp(v, "redis") ? REDIS : !strcmp(v, "memcache") ? MEMCACHE : (usage(), REDIS);
		else if (!strcmp(a, "--port"))
			K.port = atoi(v);
		else if (!strcmp(a, "--keys"))
			K.keys = strtoull(v, NULL, 0);
		else if (!strcmp(a, "--size"))
			K.size = strtoul(v, NULL, 0);
		else if (!strcmp(a, "--conns"))
			K.nconns = atoi(v);
		else if (!strcmp(a, "--depth"))
			K.depth = atoi(v);
		else if (!strcmp(a, "--run") && nruns < 8)
			run[nruns++] = atof(v);
		else if (!strcmp(a, "--sets"))
			K.sets_pct = atoi(v);
		else if (!strcmp(a, "--state"))
			state = v;
		else if (!strcmp(a, "--seed"))
			K.rng ^= strtoull(v, NULL, 0) * 0x9E3779B97F4A7C15ULL;
		else
			usage();
	}
	if (!K.port || !K.keys || K.size < 32 || K.nconns < 1 || K.depth < 1 || (uint64_t)K.nconns > K.keys)
		usage();
	K.version = calloc(K.keys, sizeof(*K.version));
	K.c = calloc((size_t)K.nconns, sizeof(*K.c));
	if (!K.version || !K.c)
		return 1;
	for (int i = 0; i < K.nconns; i++)
		if (conn_open(&K.c[i])) {
			fprintf(stderr, "kvload: cannot connect to port %d: %s\n", K.port, strerror(errno));
			return 3;
		}
	ops0 = K.ops;
	if (!load && !state_read(state))	/* the keys hold version 1 from an earlier --load */
		for (uint64_t k = 0; k < K.keys; k++)
			K.version[k] = 1;
	if (load)
		t += run_phase(PH_LOAD, 0, "load");
	for (int r = 0; r < nruns; r++) {
		char name[16];

		snprintf(name, sizeof(name), "run%d", r + 1);
		t += run_phase(PH_RUN, run[r], name);
	}
	if (verify)
		t += run_phase(PH_VERIFY, 0, "verify");
	if (state && state_write(state)) {
		fprintf(stderr, "kvload: cannot write %s\n", state);
		return 3;
	}
	printf("kvload ops %llu seconds %.2f ops_per_s %.0f written %llu lost %llu corrupted %llu errors %llu\n",
	       (unsigned long long)(K.ops - ops0), t, (double)(K.ops - ops0) / (t > 0 ? t : 1),
	       (unsigned long long)K.written, (unsigned long long)K.lost, (unsigned long long)K.corrupted,
	       (unsigned long long)K.errors);
	return K.lost || K.corrupted || K.errors ? 1 : 0;
}
