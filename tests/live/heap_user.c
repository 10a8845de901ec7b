// SPDX-License-Identifier: MIT
#define _GNU_SOURCE
/*
 * heap_user.c - a program that uses memory the way allocators do, for
 * libmemhp-preload.so to put on memhp memory while DIMMs are removed
 * under it (tests/integration/preload.sh).
 *
 * It maps anonymous chunks of several sizes with mmap(2), fills every
 * page with a pattern, and then, until "stop" arrives on stdin:
 *   - mutator threads write word 0 of random pages, half the time with a
 *     store and half with read(2) from a pipe (the kernel's copy into the
 *     heap: a system call that must wait, not fail, during a migration);
 *   - the main thread reshapes the chunks as allocators do: munmap of a
 *     page range inside a chunk, MADV_DONTNEED (the pages must read back
 *     zero), mremap to grow a chunk (the contents must move with it) and
 *     MAP_FIXED over part of one (zero pages again).
 *   - with a directory as third argument, a reader thread reads a file
 *     there with O_DIRECT (the device writes straight into heap pages,
 *     which must stay pinned for it) and checks every block it reads.
 * Then every page still mapped is checked word for word.  It prints
 * "ready" once the heap is filled and, at the end, "checked N pages, M
 * bad words, K syscalls" - M must be 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <unistd.h>

#define PAGE 4096UL
#define WORDS (PAGE / 8)
#define NR_CHUNKS 24

struct chunk {
	pthread_rwlock_t lock;	/* readers: mutators; writer: a reshape */
	uint64_t *base;
	size_t pages;
	uint8_t *alive;		/* per page: still mapped */
	uint64_t *version;	/* per page: word 0 */
	unsigned int id;	/* changes when the chunk moves (mremap) */
};

static struct chunk chunks[NR_CHUNKS];
static atomic_int stop;
static int nthreads = 2;
static atomic_long syscalls, stores;

static uint64_t pattern(unsigned int id, size_t page, size_t w)
{
	uint64_t x = ((uint64_t)id << 40) ^ ((uint64_t)page << 12) ^ w;

	x *= 0x9E3779B97F4A7C15ULL;
	return x ^ (x >> 29);
}

static void fill_page(struct chunk *c, size_t p)
{
	uint64_t *pg = c->base + p * WORDS;

	for (size_t w = 1; w < WORDS; w++)
		pg[w] = pattern(c->id, p, w);
	pg[0] = c->version[p] = 1;
	c->alive[p] = 1;
}

static long check_page(const struct chunk *c, size_t p)
{
	const uint64_t *pg = c->base + p * WORDS;
	long bad = pg[0] != c->version[p];

	for (size_t w = 1; w < WORDS; w++)
		bad += pg[w] != pattern(c->id, p, w);
	return bad;
}

static long check_zero(const struct chunk *c, size_t p)
{
	const uint64_t *pg = c->base + p * WORDS;
	long bad = 0;

	for (size_t w = 0; w < WORDS; w++)
		bad += pg[w] != 0;
	return bad;
}

static uint64_t xorshift(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static int map_chunk(struct chunk *c, size_t pages, unsigned int id)
{
	c->base = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (c->base == MAP_FAILED)
		return -1;
	c->pages = pages;
	c->id = id;
	c->alive = calloc(pages, 1);
	c->version = calloc(pages, sizeof(*c->version));
	if (!c->alive || !c->version)
		return -1;
	for (size_t p = 0; p < pages; p++)
		fill_page(c, p);
	return 0;
}

static void *mutate(void *arg)
{
	size_t k = (uintptr_t)arg;
	uint64_t x = 88172645463325252ULL ^ (k * 0x9E3779B97F4A7C15ULL);
	int pfd[2];

	if (pipe(pfd))
		return NULL;
	while (!atomic_load(&stop)) {
		struct chunk *c = &chunks[xorshift(&x) % NR_CHUNKS];
		size_t p;

		pthread_rwlock_rdlock(&c->lock);
		/* mutator k owns the pages p % nthreads == k: one writer per page */
		p = xorshift(&x) % c->pages;
		p = p - p % (size_t)nthreads + k;
		if (p < c->pages && c->alive[p]) {
			uint64_t v = ++c->version[p];

			if (x & 1) {
				if (write(pfd[1], &v, 8) != 8 || read(pfd[0], c->base + p * WORDS, 8) != 8)
					abort();	/* EFAULT here is the bug this looks for */
				atomic_fetch_add(&syscalls, 1);
			} else {
				__atomic_store_n(&c->base[p * WORDS], v, __ATOMIC_RELAXED);
				atomic_fetch_add(&stores, 1);
			}
		}
		pthread_rwlock_unlock(&c->lock);
	}
	close(pfd[0]);
	close(pfd[1]);
	return NULL;
}

static long bad_words;
static atomic_long direct_reads, direct_bad;

#define DIRECT_FILE (8UL << 20)
#define DIRECT_IO (256UL << 10)

static uint64_t file_word(size_t i)
{
	return i * 0x9E3779B97F4A7C15ULL + 17;
}

/* O_DIRECT reads into a heap buffer, every word checked */
static void *direct_reader(void *arg)
{
	const char *path = arg;
	uint64_t *buf = mmap(NULL, DIRECT_IO, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t x = 99;
	int fd = open(path, O_RDONLY | O_DIRECT);

	if (fd < 0 || buf == MAP_FAILED) {
		perror("heap_user: O_DIRECT");
		atomic_fetch_add(&direct_bad, 1);
		return NULL;
	}
	while (!atomic_load(&stop)) {
		size_t off = (xorshift(&x) % (DIRECT_FILE / DIRECT_IO)) * DIRECT_IO;

		memset(buf, 0, DIRECT_IO);
		if (pread(fd, buf, DIRECT_IO, (off_t)off) != (ssize_t)DIRECT_IO) {
			atomic_fetch_add(&direct_bad, 1);
			continue;
		}
		for (size_t w = 0; w < DIRECT_IO / 8; w++)
			if (buf[w] != file_word(off / 8 + w)) {
				atomic_fetch_add(&direct_bad, 1);
				break;
			}
		atomic_fetch_add(&direct_reads, 1);
	}
	close(fd);
	return NULL;
}

static char *make_direct_file(const char *dir)
{
	static char path[4096];
	uint64_t *b = malloc(DIRECT_FILE);
	int fd;

	snprintf(path, sizeof(path), "%s/heap_user.direct", dir);
	fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
	if (!b || fd < 0)
		return NULL;
	for (size_t w = 0; w < DIRECT_FILE / 8; w++)
		b[w] = file_word(w);
	if (write(fd, b, DIRECT_FILE) != (ssize_t)DIRECT_FILE || fsync(fd))
		return NULL;
	close(fd);
	free(b);
	return path;
}

/* one reshape of a random chunk, as an allocator does it; checked at once */
static void reshape(uint64_t *x)
{
	struct chunk *c = &chunks[xorshift(x) % NR_CHUNKS];
	size_t a, n;

	pthread_rwlock_wrlock(&c->lock);
	a = xorshift(x) % c->pages;
	n = 1 + xorshift(x) % (c->pages - a < 64 ? c->pages - a : 64);
	switch (xorshift(x) % 4) {
	case 0:	/* free the middle of a chunk */
		if (munmap(c->base + a * WORDS, n * PAGE) == 0)
			memset(c->alive + a, 0, n);
		break;
	case 1:	/* purge: zero pages, then in use again */
		/* ENOMEM over a hole, but the mapped pages are purged anyway */
		(void)madvise(c->base + a * WORDS, n * PAGE, MADV_DONTNEED);
		for (size_t p = a; p < a + n; p++)
			if (c->alive[p]) {
				bad_words += check_zero(c, p);
				fill_page(c, p);
			}
		break;
	case 2:	/* a fresh mapping over part of it */
		if (mmap(c->base + a * WORDS, n * PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != MAP_FAILED)
			for (size_t p = a; p < a + n; p++) {
				bad_words += check_zero(c, p);
				fill_page(c, p);
			}
		break;
	default: {	/* grow the whole chunk: it moves, contents and all */
		size_t grow = 1 + xorshift(x) % 256;
		uint8_t *alive = realloc(c->alive, c->pages + grow);
		uint64_t *version = realloc(c->version, (c->pages + grow) * sizeof(*version));
		uint64_t *nb;

		if (alive)
			c->alive = alive;
		if (version)
			c->version = version;
		/* only a chunk still whole: mremap needs one mapping */
		if (!alive || !version || memchr(c->alive, 0, c->pages))
			break;
		nb = mremap(c->base, c->pages * PAGE, (c->pages + grow) * PAGE, MREMAP_MAYMOVE);
		if (nb == MAP_FAILED)
			break;
		c->base = nb;
		for (size_t p = 0; p < c->pages; p++)
			bad_words += check_page(c, p);
		c->pages += grow;
		/* the new pages get the moved chunk's pattern; old ones kept theirs */
		for (size_t p = c->pages - grow; p < c->pages; p++)
			fill_page(c, p);
	}
	}
	pthread_rwlock_unlock(&c->lock);
}

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 0) : 256;
	pthread_t t[16], dt;
	char *direct = NULL;
	uint64_t x = 1234567;
	long checked = 0, reshapes = 0;
	char line[64];

	if (argc > 2)
		nthreads = atoi(argv[2]);
	if (nthreads < 1 || nthreads > 16)
		nthreads = 2;
	/* sizes as allocators ask: 2 MiB steps, odd page counts, 1 MiB + a bit */
	for (int i = 0; i < NR_CHUNKS; i++) {
		size_t pages = (mib << 20) / PAGE / NR_CHUNKS + (i % 3 ? 0 : 3);

		pthread_rwlock_init(&chunks[i].lock, NULL);
		if (map_chunk(&chunks[i], pages, (unsigned int)i)) {
			perror("heap_user: mmap");
			return 1;
		}
	}
	for (int i = 0; i < nthreads; i++)
		pthread_create(&t[i], NULL, mutate, (void *)(uintptr_t)i);
	if (argc > 3 && !(direct = make_direct_file(argv[3]))) {
		perror("heap_user: the O_DIRECT file");
		return 1;
	}
	if (direct)
		pthread_create(&dt, NULL, direct_reader, direct);
	printf("ready\n");
	fflush(stdout);
	/* reshape now and then until told to stop */
	for (;;) {
		fd_set rd;
		struct timeval tv = { 0, 20000 };

		FD_ZERO(&rd);
		FD_SET(0, &rd);
		if (select(1, &rd, NULL, NULL, &tv) > 0) {
			if (!fgets(line, sizeof(line), stdin) || !strncmp(line, "stop", 4))
				break;
		}
		reshape(&x);
		reshapes++;
	}
	atomic_store(&stop, 1);
	for (int i = 0; i < nthreads; i++)
		pthread_join(t[i], NULL);
	if (direct) {
		pthread_join(dt, NULL);
		unlink(direct);
	}
	for (int i = 0; i < NR_CHUNKS; i++)
		for (size_t p = 0; p < chunks[i].pages; p++)
			if (chunks[i].alive[p]) {
				bad_words += check_page(&chunks[i], p);
				checked++;
			}
	printf("checked %ld pages, %ld bad words, %ld syscalls, %ld stores, %ld reshapes, "
	       "%ld O_DIRECT reads, %ld bad\n", checked, bad_words, atomic_load(&syscalls), atomic_load(&stores),
	       reshapes, atomic_load(&direct_reads), atomic_load(&direct_bad));
	return bad_words || atomic_load(&direct_bad) ? 1 : 0;
}
