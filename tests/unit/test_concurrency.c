// SPDX-License-Identifier: MIT
/*
 * test_concurrency.c - every public function is thread-safe: readers of
 * the kernel's files and of the counters run while writers online,
 * offline, add and remove memory.  Readers must only ever see the
 * kernel's states; afterwards the audit must hold.  Run under
 * ThreadSanitizer by make check.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "helpers.h"

#define MEM "/sys/devices/system/memory/"

struct shared {
	struct memhp_machine *m;
	atomic_int stop;
	atomic_long reads, writes, bad;
};

static void *reader(void *arg)
{
	struct shared *s = arg;
	char buf[8192];

	while (!atomic_load(&s->stop)) {
		for (int b = 32; b < 36; b++) {
			char path[96];
			ssize_t n;

			snprintf(path, sizeof(path), MEM "memory%d/state", b);
			n = memhp_file_read(s->m, path, buf, sizeof(buf));
			if (n > 0 && strcmp(buf, "online\n") && strcmp(buf, "offline\n") &&
			    strcmp(buf, "going-offline\n"))
				atomic_fetch_add(&s->bad, 1);
			snprintf(path, sizeof(path), MEM "memory%d/valid_zones", b);
			memhp_file_read(s->m, path, buf, sizeof(buf));
		}
		memhp_file_read(s->m, "/proc/meminfo", buf, sizeof(buf));
		memhp_file_read(s->m, "/proc/zoneinfo", buf, sizeof(buf));
		{
			struct memhp_counters c;

			memhp_counters(s->m, &c);
		}
		atomic_fetch_add(&s->reads, 1);
	}
	return NULL;
}

static void *block_writer(void *arg)
{
	struct shared *s = arg;
	static const char *const types[] = { "online_movable", "online", "online_kernel" };

	for (int i = 0; i < 60; i++) {
		char path[96];
		int b = 33 + (i % 3);

		snprintf(path, sizeof(path), MEM "memory%d/state", b);
		writef(s->m, path, types[i % 3]);
		writef(s->m, path, "offline");
		atomic_fetch_add(&s->writes, 2);
	}
	return NULL;
}

static void *dimm_writer(void *arg)
{
	struct shared *s = arg;

	for (int i = 0; i < 10; i++) {
		struct memhp_dimm_info info;

		if (!memhp_dimm_add(s->m, "d2", 256 * MiB, 0, 8 * GiB, -1, &info))
			memhp_dimm_remove(s->m, "d2");
		atomic_fetch_add(&s->writes, 2);
	}
	return NULL;
}

static void test_readers_and_writers(void **state)
{
	struct shared s = { 0 };
	pthread_t r[2], w[2];
	struct memhp_dimm_info info;

	(void)state;
	s.m = boot_machine("memory_hotplug.memmap_on_memory=1 memhp_default_state=offline", 512 * MiB);
	assert_int_equal(memhp_dimm_add(s.m, "d1", 512 * MiB, 0, MEMHP_ADDR_AUTO, -1, &info), 0);
	write_ok(s.m, MEM "memory32/state", "online_kernel");
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&r[i], NULL, reader, &s), 0);
	assert_int_equal(pthread_create(&w[0], NULL, block_writer, &s), 0);
	assert_int_equal(pthread_create(&w[1], NULL, dimm_writer, &s), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(w[i], NULL);
	atomic_store(&s.stop, 1);
	for (int i = 0; i < 2; i++)
		pthread_join(r[i], NULL);
	assert_int_equal(atomic_load(&s.bad), 0);
	assert_true(atomic_load(&s.reads) > 0);
	assert_int_equal(atomic_load(&s.writes), 140);
	audit_ok(s.m);
	memhp_machine_destroy(s.m);
}

/* valid_zones readers while DIMMs come and go under auto-movable: the
 * readers hold blocks whose memory group is being unregistered */
struct churn {
	struct memhp_machine *m;
	atomic_int stop;
};

static void *zones_reader(void *arg)
{
	struct churn *c = arg;
	char buf[64];

	while (!atomic_load(&c->stop))
		for (int b = 64; b < 66; b++) {
			char path[96];

			snprintf(path, sizeof(path), MEM "memory%d/valid_zones", b);
			memhp_file_read(c->m, path, buf, sizeof(buf));
		}
	return NULL;
}

static void test_valid_zones_during_eject(void **state)
{
	struct churn c = { 0 };
	pthread_t t[2];

	(void)state;
	c.m = boot_machine("memory_hotplug.memmap_on_memory=1 memhp_default_state=offline "
			   "memory_hotplug.online_policy=auto-movable", 512 * MiB);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, zones_reader, &c), 0);
	for (int i = 0; i < 30; i++) {
		struct memhp_dimm_info info;

		assert_int_equal(memhp_dimm_add(c.m, "d", 256 * MiB, 0, 8 * GiB, -1, &info), 0);
		assert_int_equal(memhp_dimm_remove(c.m, "d"), 0);
	}
	atomic_store(&c.stop, 1);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	audit_ok(c.m);
	memhp_machine_destroy(c.m);
}

/* a notifier callback may read the kernel's files and counters */
static int reading_notifier(void *arg, enum memhp_mem_action action, const struct memhp_memory_notify *mn)
{
	struct memhp_machine *m = arg;
	struct memhp_zone_info z[16];
	char buf[8192];

	(void)mn;
	(void)action;
	memhp_file_read(m, "/proc/meminfo", buf, sizeof(buf));
	memhp_file_read(m, "/proc/zoneinfo", buf, sizeof(buf));
	memhp_zones(m, z, 16);
	(void)memhp_kpageflags(m, 32 * 32768 + 600);
	return 0;
}

static void test_notifier_reads(void **state)
{
	struct memhp_machine *m = boot_machine("memory_hotplug.memmap_on_memory=1 memhp_default_state=offline",
					       512 * MiB);
	struct memhp_dimm_info info;

	(void)state;
	assert_int_equal(memhp_dimm_add(m, "d1", 256 * MiB, 0, MEMHP_ADDR_AUTO, -1, &info), 0);
	assert_int_equal(memhp_register_memory_notifier(m, reading_notifier, m, 0), 0);
	write_ok(m, MEM "memory32/state", "online_movable");
	write_ok(m, MEM "memory32/state", "offline");
	write_ok(m, MEM "memory33/state", "online_movable");
	write_ok(m, MEM "memory33/state", "offline");
	audit_ok(m);
	memhp_machine_destroy(m);
}

/* a bad write is refused at once, even while an offline is running */
struct blocker {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int entered, released, done;
	struct memhp_machine *m;
};

static int blocking_notifier(void *arg, enum memhp_mem_action action, const struct memhp_memory_notify *mn)
{
	struct blocker *b = arg;

	(void)mn;
	if (action != MEMHP_MEM_GOING_OFFLINE)
		return 0;
	pthread_mutex_lock(&b->lock);
	b->entered = 1;
	pthread_cond_broadcast(&b->cond);
	while (!b->released)
		pthread_cond_wait(&b->cond, &b->lock);
	pthread_mutex_unlock(&b->lock);
	return 0;
}

static void *offliner(void *arg)
{
	struct blocker *b = arg;

	writef(b->m, MEM "memory32/state", "offline");
	return NULL;
}

static void *bad_writer(void *arg)
{
	struct blocker *b = arg;
	ssize_t r1 = writef(b->m, MEM "memory33/state", "garbage");
	ssize_t r2 = writef(b->m, MEM "auto_online_blocks", "online_movable");
	ssize_t r3 = writef(b->m, "/sys/module/memory_hotplug/parameters/auto_movable_ratio", "200");

	pthread_mutex_lock(&b->lock);
	b->done = (r1 == -EINVAL && r2 == 14 && r3 == 3) ? 1 : -1;
	pthread_cond_broadcast(&b->cond);
	pthread_mutex_unlock(&b->lock);
	return NULL;
}

static void test_bad_write_does_not_wait(void **state)
{
	struct blocker b = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };
	struct memhp_dimm_info info;
	struct timespec deadline;
	pthread_t t1, t2;
	int done;

	(void)state;
	b.m = boot_machine("memory_hotplug.memmap_on_memory=1 memhp_default_state=online_movable", 512 * MiB);
	assert_int_equal(memhp_dimm_add(b.m, "d1", 256 * MiB, 0, MEMHP_ADDR_AUTO, -1, &info), 0);
	assert_int_equal(memhp_register_memory_notifier(b.m, blocking_notifier, &b, 0), 0);
	assert_int_equal(pthread_create(&t1, NULL, offliner, &b), 0);
	pthread_mutex_lock(&b.lock);
	while (!b.entered)
		pthread_cond_wait(&b.cond, &b.lock);
	pthread_mutex_unlock(&b.lock);
	/* the offline now holds device_hotplug_lock and mem_hotplug_lock */
	file_is(b.m, MEM "memory32/state", "going-offline\n");
	assert_int_equal(pthread_create(&t2, NULL, bad_writer, &b), 0);
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 20;
	pthread_mutex_lock(&b.lock);
	while (!b.done && pthread_cond_timedwait(&b.cond, &b.lock, &deadline) == 0)
		;
	done = b.done;
	b.released = 1;
	pthread_cond_broadcast(&b.cond);
	pthread_mutex_unlock(&b.lock);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	assert_int_equal(done, 1);
	file_is(b.m, MEM "memory32/state", "offline\n");
	audit_ok(b.m);
	memhp_machine_destroy(b.m);
}

/* per-cpu caches under two allocating threads and an offline/online loop */
struct allocs {
	struct memhp_machine *m;
	atomic_int stop;
	atomic_long done;
};

static void *alloc_free_loop(void *arg)
{
	struct allocs *a = arg;
	long pfns[200];

	while (!atomic_load(&a->stop)) {
		int n = 0;

		for (; n < 200; n++) {
			pfns[n] = memhp_alloc_pages(a->m, 0, 0);
			if (pfns[n] < 0)
				break;
			*(volatile uint64_t *)memhp_pfn_to_virt(a->m, (unsigned long)pfns[n]) = (uint64_t)pfns[n];
		}
		while (n--) {
			if (*(volatile uint64_t *)memhp_pfn_to_virt(a->m, (unsigned long)pfns[n]) != (uint64_t)pfns[n])
				atomic_fetch_add(&a->done, -1000000);
			memhp_free_pages(a->m, (unsigned long)pfns[n], 0);
		}
		atomic_fetch_add(&a->done, 1);
	}
	return NULL;
}

static void test_pcp_threads(void **state)
{
	struct allocs a = { 0 };
	unsigned long before;
	pthread_t t[2];

	(void)state;
	a.m = boot_machine("memory_hotplug.memmap_on_memory=1 memhp_default_state=online_movable", 512 * MiB);
	{
		struct memhp_dimm_info info;

		assert_int_equal(memhp_dimm_add(a.m, "d1", 256 * MiB, 0, MEMHP_ADDR_AUTO, -1, &info), 0);
	}
	memhp_drain_pcp(a.m);
	before = free_all(a.m);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, alloc_free_loop, &a), 0);
	for (int i = 0; i < 20; i++) {
		write_ok(a.m, MEM "memory33/state", "offline");
		write_ok(a.m, MEM "memory33/state", "online_movable");
	}
	atomic_store(&a.stop, 1);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	assert_true(atomic_load(&a.done) > 0);
	audit_ok(a.m);
	assert_int_equal(free_all(a.m), before);
	memhp_machine_destroy(a.m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_readers_and_writers),
		cmocka_unit_test(test_valid_zones_during_eject),
		cmocka_unit_test(test_notifier_reads),
		cmocka_unit_test(test_bad_write_does_not_wait),
		cmocka_unit_test(test_pcp_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
