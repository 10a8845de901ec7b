// SPDX-License-Identifier: MIT
/*
 * test_migrate_wait.c - writers wait for a migrating page, system calls too.
 *
 * The kernel never fails a system call because the page it writes into is
 * migrating: the copy sleeps on the migration entry and lands in the new
 * page.  Here read(2) from a pipe and recv(2) on a datagram socket write
 * into a region's pages while the blocks holding them are offlined and
 * onlined again in a loop: no call may fail, every byte and every datagram
 * must arrive, in order.  Then every step of a migration is failed in turn
 * by the fault injector: the pages that did not move stay where they were,
 * intact and writable, and nothing leaks.
 */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "helpers.h"
#include "internal.h"

#define MEM "/sys/devices/system/memory/"
#define PAGE 4096UL
#define BLOCK_PAGES 32768UL	/* 128 MiB blocks of 4 KiB pages */

static struct memhp_machine *movable_dimm_on(int force_mprotect, const char *backing_dir)
{
	struct memhp_config c = { 0 };
	struct memhp_machine *m = NULL;
	struct memhp_dimm_info info;

	c.cmdline = "memory_hotplug.memmap_on_memory=1 memhp_default_state=online_movable";
	c.mem = 1 * GiB;
	c.maxmem = 96 * GiB;
	c.max_phys = 256 * GiB;
	c.migration_mprotect = force_mprotect;
	c.backing_dir = backing_dir;
	/*
	 * One CPU, one set of per-CPU lists: a test thread the host moves
	 * between CPUs would leave part of each refill batch on another CPU's
	 * list, and a region's pages would then spill into the next block
	 * (the fault sweep needs a whole batch of them in one block).
	 */
	c.nr_cpus = 1;
	assert_int_equal(memhp_machine_create(&c, &m), 0);
	assert_int_equal(memhp_dimm_add(m, "d1", 1 * GiB, 0, MEMHP_ADDR_AUTO, -1, &info), 0);
	assert_int_equal(info.first_block, 32);
	return m;
}

static struct memhp_machine *movable_dimm(int force_mprotect)
{
	return movable_dimm_on(force_mprotect, NULL);
}

static void block_path(char *path, size_t len, struct memhp_region *r, size_t index)
{
	unsigned long block = (unsigned long)memhp_region_pfn(r, index) / BLOCK_PAGES;

	assert_true(block >= 32 && block < 40);	/* on the Movable DIMM */
	snprintf(path, len, MEM "memory%lu/state", block);
}

/*
 * Move a region page: offline the block that holds it (its pages migrate
 * to the other blocks of the DIMM) and online it again.
 */
static void cycle_block_of(struct memhp_machine *m, struct memhp_region *r, size_t index)
{
	char path[96];

	block_path(path, sizeof(path), r, index);
	write_ok(m, path, "offline");
	write_ok(m, path, "online_movable");
}

/* ---- read(2) from a pipe ---------------------------------------------------- */

struct pipe_run {
	struct memhp_region *r;
	int fd[2];
	size_t records, pages;
	atomic_long efault, bad, done;
};

static void record(uint8_t *buf, size_t seq)
{
	for (size_t i = 0; i < PAGE; i++)
		buf[i] = (uint8_t)(seq * 131 + i * 7 + (i >> 8));
}

static void *pipe_writer(void *arg)
{
	struct pipe_run *p = arg;
	uint8_t buf[PAGE];

	for (size_t seq = 0; seq < p->records; seq++) {
		size_t off = 0;

		record(buf, seq);
		while (off < PAGE) {
			ssize_t n = write(p->fd[1], buf + off, PAGE - off);

			assert_true(n > 0);
			off += (size_t)n;
		}
	}
	return NULL;
}

/* each record lands in a region page, read straight from the pipe */
static void *pipe_reader(void *arg)
{
	struct pipe_run *p = arg;
	uint8_t want[PAGE];

	for (size_t seq = 0; seq < p->records; seq++) {
		uint8_t *dst = (uint8_t *)memhp_region_addr(p->r) + (seq % p->pages) * PAGE;
		size_t off = 0;

		while (off < PAGE) {
			ssize_t n = read(p->fd[0], dst + off, PAGE - off);

			if (n < 0 && errno == EFAULT) {
				atomic_fetch_add(&p->efault, 1);
				continue;	/* the bytes of a failed copy stay in the pipe */
			}
			assert_true(n > 0);
			off += (size_t)n;
		}
		record(want, seq);
		if (memcmp(dst, want, PAGE))
			atomic_fetch_add(&p->bad, 1);
		atomic_fetch_add(&p->done, 1);
	}
	return NULL;
}

static void test_pipe_read_into_migrating_pages(void **state)
{
	struct memhp_machine *m = movable_dimm(0);
	struct pipe_run p = { .records = 30000 / SAN_SCALE, .pages = 1024 };
	pthread_t w, rd;
	int cycles = 0;

	(void)state;
	assert_true(log_has(m, "writers wait on userfaultfd write-protect"));
	assert_int_equal(memhp_region_alloc(m, p.pages, 0, 0, &p.r), 0);
	assert_int_equal(pipe(p.fd), 0);
	assert_int_equal(pthread_create(&w, NULL, pipe_writer, &p), 0);
	assert_int_equal(pthread_create(&rd, NULL, pipe_reader, &p), 0);
	while ((size_t)atomic_load(&p.done) < p.records) {
		cycle_block_of(m, p.r, (size_t)cycles * 97 % p.pages);
		cycles++;
		usleep(200);	/* two cores: leave the two ends time to run */
	}
	pthread_join(w, NULL);
	pthread_join(rd, NULL);
	print_message("pipe: %zu records of 4 KiB read into region pages during %d offline/online cycles: %ld EFAULT, %ld bad\n",
		      p.records, cycles, atomic_load(&p.efault), atomic_load(&p.bad));
	assert_true(cycles >= 10);
	assert_int_equal(atomic_load(&p.efault), 0);
	assert_int_equal(atomic_load(&p.bad), 0);
	close(p.fd[0]);
	close(p.fd[1]);
	memhp_region_free(p.r);
	audit_ok(m);
	memhp_machine_destroy(m);
}

/* ---- recv(2) on a datagram socket -------------------------------------------- */

#define DGRAM 1500

struct dgram_run {
	struct memhp_region *r;
	int sv[2];
	size_t count, pages;
	atomic_long efault, lost, bad, done;
	atomic_int finished;
};

static void *dgram_sender(void *arg)
{
	struct dgram_run *d = arg;
	uint8_t buf[DGRAM];

	for (size_t seq = 0; seq < d->count; seq++) {
		memcpy(buf, &seq, sizeof(seq));
		for (size_t i = sizeof(seq); i < DGRAM; i++)
			buf[i] = (uint8_t)(seq ^ (i * 13));
		assert_int_equal(send(d->sv[0], buf, DGRAM, 0), DGRAM);
	}
	return NULL;
}

static void *dgram_receiver(void *arg)
{
	struct dgram_run *d = arg;
	size_t expect = 0;

	while (expect < d->count) {
		/* a datagram that straddles two region pages */
		uint8_t *dst = (uint8_t *)memhp_region_addr(d->r) + (expect % (d->pages - 1)) * PAGE + PAGE - 700;
		ssize_t n = recv(d->sv[1], dst, DGRAM, 0);
		size_t seq;

		if (n < 0 && errno == EFAULT) {
			atomic_fetch_add(&d->efault, 1);
			continue;	/* the kernel dequeued it: it is gone */
		}
		if (n < 0 && errno == EAGAIN) {	/* the rest was lost */
			atomic_fetch_add(&d->lost, (long)(d->count - expect));
			break;
		}
		assert_int_equal(n, DGRAM);
		memcpy(&seq, dst, sizeof(seq));
		if (seq != expect)
			atomic_fetch_add(&d->lost, (long)(seq - expect));
		for (size_t i = sizeof(seq); i < DGRAM; i++)
			if (dst[i] != (uint8_t)(seq ^ (i * 13))) {
				atomic_fetch_add(&d->bad, 1);
				break;
			}
		expect = seq + 1;
		atomic_store(&d->done, (long)expect);
	}
	atomic_store(&d->finished, 1);
	return NULL;
}

static void test_datagrams_into_migrating_pages(void **state)
{
	struct memhp_machine *m = movable_dimm(0);
	struct dgram_run d = { .count = 20000, .pages = 512 };
	pthread_t s, rv;
	int cycles = 0;

	(void)state;
	assert_int_equal(memhp_region_alloc(m, d.pages, 0, 0, &d.r), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, d.sv), 0);
	assert_int_equal(setsockopt(d.sv[1], SOL_SOCKET, SO_RCVTIMEO, &(struct timeval){ .tv_sec = 5 },
				    sizeof(struct timeval)), 0);
	assert_int_equal(pthread_create(&s, NULL, dgram_sender, &d), 0);
	assert_int_equal(pthread_create(&rv, NULL, dgram_receiver, &d), 0);
	while (!atomic_load(&d.finished)) {
		cycle_block_of(m, d.r, (size_t)cycles * 31 % d.pages);
		cycles++;
		usleep(200);	/* two cores: leave the two ends time to run */
	}
	pthread_join(s, NULL);
	pthread_join(rv, NULL);
	print_message("datagrams: %zu received into region pages during %d offline/online cycles: %ld EFAULT, %ld lost, %ld bad\n",
		      d.count, cycles, atomic_load(&d.efault), atomic_load(&d.lost), atomic_load(&d.bad));
	assert_true(cycles >= 10);
	assert_int_equal(atomic_load(&d.efault), 0);
	assert_int_equal(atomic_load(&d.lost), 0);
	assert_int_equal(atomic_load(&d.bad), 0);
	close(d.sv[0]);
	close(d.sv[1]);
	memhp_region_free(d.r);
	audit_ok(m);
	memhp_machine_destroy(m);
}

/* ---- a page out in device-private memory ---------------------------------------- */

/*
 * read(2) and recv(2) into pages that are out on a device (HMM's
 * device-private memory): the kernel's copy faults, the page comes back
 * through migrate_to_ram, and the call completes - as do_swap_page does
 * for a device-private entry.  Without userfaultfd it got EFAULT.
 */
static void test_syscall_into_device_private_page(void **state)
{
	struct memhp_machine *m = movable_dimm(0);
	struct memhp_dmirror_stats st;
	struct memhp_dmirror *dev;
	struct memhp_region *r;
	uint8_t want[PAGE], *base;
	int fd[2], sv[2];

	(void)state;
	assert_int_equal(memhp_dmirror_create(m, 64, &dev), 0);
	assert_int_equal(memhp_region_alloc(m, 16, 0, 0, &r), 0);
	base = memhp_region_addr(r);
	memset(base, 0x11, 16 * PAGE);
	assert_int_equal(memhp_dmirror_migrate(dev, r, 0, 16), 16);
	assert_int_equal(pipe(fd), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	record(want, 7);
	for (size_t pg = 0; pg < 16; pg += 2) {
		/* a pipe read into page pg, a datagram into page pg + 1 */
		assert_int_equal(write(fd[1], want, PAGE), (ssize_t)PAGE);
		assert_int_equal(read(fd[0], base + pg * PAGE, PAGE), (ssize_t)PAGE);
		assert_int_equal(send(sv[0], want, 1000, 0), 1000);
		assert_int_equal(recv(sv[1], base + (pg + 1) * PAGE + 100, 1000, 0), 1000);
		assert_memory_equal(base + pg * PAGE, want, PAGE);
		assert_memory_equal(base + (pg + 1) * PAGE + 100, want, 1000);
		assert_int_equal(base[(pg + 1) * PAGE], 0x11);	/* the rest came back intact */
	}
	memhp_dmirror_stats(dev, &st);
	assert_int_equal(st.pages_out, 0);
	assert_true(st.to_ram >= 16);
	close(fd[0]);
	close(fd[1]);
	close(sv[0]);
	close(sv[1]);
	memhp_region_free(r);
	memhp_dmirror_destroy(dev);
	audit_ok(m);
	memhp_machine_destroy(m);
}

/* ---- the fallback: user-space writers still wait ----------------------------- */

struct store_run {
	uint64_t *base;
	size_t pages;
	atomic_int stop;
	atomic_long writes;
};

static void *storer(void *arg)
{
	struct store_run *s = arg;
	uint64_t x = 0x2545F4914F6CDD1DULL;

	while (!atomic_load(&s->stop)) {
		size_t pg;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		pg = x % s->pages;
		s->base[pg * (PAGE / 8)]++;	/* only this thread writes word 0 */
		atomic_fetch_add(&s->writes, 1);
	}
	return NULL;
}

static void stores_survive_cycles(struct memhp_machine *m)
{
	struct store_run s = { .pages = 2048 };
	struct memhp_region *r;
	uint64_t sum = 0;
	pthread_t t;

	assert_int_equal(memhp_region_alloc(m, s.pages, 0, 0, &r), 0);
	s.base = memhp_region_addr(r);
	assert_int_equal(pthread_create(&t, NULL, storer, &s), 0);
	for (int i = 0; i < 20; i++)
		cycle_block_of(m, r, (size_t)i * 101 % s.pages);
	atomic_store(&s.stop, 1);
	pthread_join(t, NULL);
	/* every increment is there: none landed in a page left behind */
	for (size_t pg = 0; pg < s.pages; pg++)
		sum += s.base[pg * (PAGE / 8)];
	assert_int_equal(sum, (uint64_t)atomic_load(&s.writes));
	memhp_region_free(r);
	audit_ok(m);
}

static void test_mprotect_fallback_keeps_stores(void **state)
{
	struct memhp_machine *m = movable_dimm(1);

	(void)state;
	assert_true(log_has(m, "writers wait in the SIGSEGV handler (userfaultfd: not asked for)"));
	stores_survive_cycles(m);
	memhp_machine_destroy(m);
}

/*
 * Memory backed by files on a disk file system: userfaultfd cannot
 * write-protect them (only shmem and hugetlbfs), so their pages fall back
 * to mprotect while the machine's memfd pages keep userfaultfd.
 */
static void test_disk_backing_falls_back_per_page(void **state)
{
	char dir[] = "/var/tmp/memhp-test-XXXXXX";
	struct memhp_machine *m;

	(void)state;
	assert_non_null(mkdtemp(dir));
	m = movable_dimm_on(0, dir);
	assert_true(log_has(m, "writers wait on userfaultfd write-protect"));
	stores_survive_cycles(m);
	assert_false(log_has(m, "cannot register a window"));
	memhp_machine_destroy(m);
	assert_int_equal(rmdir(dir), 0);	/* the backing files were unlinked at creation */
}

/* ---- every migration step failed in turn -------------------------------------- */

static uint8_t pattern(size_t page, size_t i, unsigned int gen)
{
	return (uint8_t)(page * 17 + i * 3 + gen * 101);
}

static void fill_gen(uint8_t *base, size_t pages, unsigned int gen)
{
	for (size_t pg = 0; pg < pages; pg++)
		for (size_t i = 0; i < PAGE; i++)
			base[pg * PAGE + i] = pattern(pg, i, gen);
}

static size_t bad_pages(const uint8_t *base, size_t pages, unsigned int gen)
{
	size_t bad = 0;

	for (size_t pg = 0; pg < pages; pg++)
		for (size_t i = 0; i < PAGE; i++)
			if (base[pg * PAGE + i] != pattern(pg, i, gen)) {
				bad++;
				break;
			}
	return bad;
}

static void on_alarm(int sig)
{
	(void)sig;
	/* a page left write-protected: the write below would wait for ever */
	static const char msg[] = "a region page stayed write-protected after a failed migration\n";

	(void)!write(2, msg, sizeof(msg) - 1);
	_exit(99);
}

/* how many fallible steps an offline of r's first block takes when nothing fails */
static unsigned long offline_steps(struct memhp_machine *m, struct memhp_region *r)
{
	unsigned long steps;
	char path[96];

	block_path(path, sizeof(path), r, 0);
	memhp_fault_inject(m, 1000000);
	write_ok(m, path, "offline");
	steps = memhp_fault_inject(m, 0);
	write_ok(m, path, "online_movable");
	return steps;
}

static void sweep_migration_steps(int force_mprotect)
{
	struct memhp_machine *m = movable_dimm(force_mprotect);
	const size_t pages = 600;	/* two batches of the offline's migration */
	unsigned long nth, steps = 0, failed = 0;
	unsigned int prev = 0;	/* the generation the pages hold */
	struct memhp_region *r;
	unsigned long free_before;
	char path[96];
	size_t bad;

	assert_int_equal(memhp_region_alloc(m, pages, 0, 0, &r), 0);
	fill_gen(memhp_region_addr(r), pages, 0);
	steps = offline_steps(m, r);
	assert_true(steps > 512);	/* a whole batch at least */
	signal(SIGALRM, on_alarm);
	/* every step; under ThreadSanitizer, whose pass is for races, every
	 * SAN_SCALE-th (the plain and ASan passes sweep them all) */
	for (nth = 1; nth <= steps; nth += SAN_SCALE) {
		unsigned int gen = (unsigned int)nth;
		ssize_t ret;

		memhp_drain_pcp(m);
		free_before = free_all(m);
		block_path(path, sizeof(path), r, 0);
		memhp_fault_inject(m, nth);
		/* a failed migration step is retried; another fails the offline */
		ret = writef(m, path, "offline");
		memhp_fault_inject(m, 0);
		failed += ret < 0;
		if (ret >= 0)
			write_ok(m, path, "online_movable");
		memhp_drain_pcp(m);
		if (free_all(m) != free_before)
			fail_msg("step %lu: %ld pages more free", nth, (long)(free_all(m) - free_before));
		bad = bad_pages(memhp_region_addr(r), pages, prev);
		if (bad)
			fail_msg("step %lu: %zu pages lost their data", nth, bad);
		alarm(20);
		fill_gen(memhp_region_addr(r), pages, gen);	/* every page writable */
		alarm(0);
		prev = gen;
		if (nth % 64 < SAN_SCALE || nth + SAN_SCALE > steps)
			audit_ok(m);
	}
	signal(SIGALRM, SIG_DFL);
	print_message("migration (%s): each of %lu steps of an offline failed in turn: %lu failed the offline, the rest were retried\n",
		      force_mprotect ? "mprotect" : "userfaultfd", steps, failed);
	memhp_region_free(r);
	audit_ok(m);
	memhp_machine_destroy(m);
}

/*
 * A store made once the window maps the new pages must stay there,
 * whatever step of the migration fails after.  The step after a run's
 * mmap (its userfaultfd registration) once failed the run, and the window
 * went back to the old pages: a store made in between was lost.  Here, at
 * the moment the Nth step fails (the injector's hook, on the migrating
 * thread), a second thread stores into the first and last page of the
 * batch, for every N of an offline; the migrating thread goes on once the
 * stores are made, or after 2000 sleeps of 10 us if they wait on a
 * write-protected page (they land when the migration wakes them).  Every
 * page must hold the last value stored.
 */
struct store_at_fault {
	uint64_t *first, *last;
	uint64_t value;
	atomic_int go;		/* 0 idle, 1 store now, 2 stored */
	atomic_int done;
};

static void *store_when_told(void *arg)
{
	struct store_at_fault *w = arg;

	while (!atomic_load(&w->done)) {
		if (atomic_load(&w->go) != 1) {
			sched_yield();
			continue;
		}
		atomic_store_explicit((_Atomic uint64_t *)w->first, w->value, memory_order_relaxed);
		atomic_store_explicit((_Atomic uint64_t *)w->last, w->value, memory_order_relaxed);
		atomic_store(&w->go, 2);
	}
	return NULL;
}

static void store_now(void *arg)
{
	struct store_at_fault *w = arg;

	atomic_store(&w->go, 1);
	for (int i = 0; i < 2000 && atomic_load(&w->go) != 2; i++)
		usleep(10);
}

static void test_failed_step_keeps_stores_made_after_the_remap(void **state)
{
	struct memhp_machine *m = movable_dimm(0);
	const size_t pages = 512;	/* one batch */
	struct store_at_fault w = { 0 };
	unsigned long steps, lost = 0, stored = 0;
	struct memhp_region *r;
	pthread_t tid;
	char path[96];

	(void)state;
	assert_int_equal(memhp_region_alloc(m, pages, 0, 0, &r), 0);
	w.first = memhp_region_addr(r);
	w.last = (uint64_t *)(void *)((uint8_t *)memhp_region_addr(r) + (pages - 1) * PAGE);
	steps = offline_steps(m, r);
	assert_int_equal(pthread_create(&tid, NULL, store_when_told, &w), 0);
	m->fault_hook = store_now;
	m->fault_hook_arg = &w;
	for (unsigned long nth = 1; nth <= steps; nth += SAN_SCALE) {
		block_path(path, sizeof(path), r, 0);
		w.value = 0x5eed0000 + nth;
		memhp_fault_inject(m, nth);
		if (writef(m, path, "offline") >= 0) {
			memhp_fault_inject(m, 0);
			write_ok(m, path, "online_movable");
		}
		memhp_fault_inject(m, 0);
		if (!atomic_load(&w.go))
			continue;	/* the step was not this offline's: nothing stored */
		while (atomic_load(&w.go) != 2)	/* a store that waited is made now */
			sched_yield();
		atomic_store(&w.go, 0);
		stored++;
		lost += (*w.first != w.value) + (*w.last != w.value);
	}
	m->fault_hook = NULL;
	atomic_store(&w.done, 1);
	pthread_join(tid, NULL);
	print_message("%lu steps of an offline failed in turn, two stores made the moment each failed: "
		      "%lu steps stored, %lu stores lost\n", steps, stored, lost);
	assert_true(stored > 0);
	assert_int_equal(lost, 0);
	memhp_region_free(r);
	audit_ok(m);
	memhp_machine_destroy(m);
}

static void test_fault_sweep_migration_uffd(void **state)
{
	(void)state;
	sweep_migration_steps(0);
}

static void test_fault_sweep_migration_mprotect(void **state)
{
	(void)state;
	sweep_migration_steps(1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pipe_read_into_migrating_pages),
		cmocka_unit_test(test_datagrams_into_migrating_pages),
		cmocka_unit_test(test_syscall_into_device_private_page),
		cmocka_unit_test(test_mprotect_fallback_keeps_stores),
		cmocka_unit_test(test_disk_backing_falls_back_per_page),
		cmocka_unit_test(test_fault_sweep_migration_uffd),
		cmocka_unit_test(test_failed_step_keeps_stores_made_after_the_remap),
		cmocka_unit_test(test_fault_sweep_migration_mprotect),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
