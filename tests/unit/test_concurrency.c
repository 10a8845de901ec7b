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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_readers_and_writers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
