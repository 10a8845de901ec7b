// SPDX-License-Identifier: MIT
/*
 * test_params.c - the kernel's string parsers and the memory_hotplug
 * parameters, at boot (command line) and at run time (module files).
 * Expected values are the kernel's (lib/kstrtox.c, kernel/params.c,
 * mm/memory_hotplug.c; spec sections 1.0, 1.5, 1.6).
 */
#include "helpers.h"
#include "../../lib/internal.h"

static void test_kstrtobool(void **state)
{
	static const struct { const char *s; int ret; bool v; } cases[] = {
		{ "y", 0, true }, { "Y", 0, true }, { "t", 0, true }, { "T", 0, true }, { "1", 0, true },
		{ "yes", 0, true }, { "1xyz", 0, true }, { "true", 0, true }, { "on", 0, true },
		{ "ON", 0, true }, { "n", 0, false }, { "N", 0, false }, { "f", 0, false },
		{ "0", 0, false }, { "off", 0, false }, { "oF", 0, false }, { "no", 0, false },
		{ "o", -EINVAL, false }, { "2", -EINVAL, false }, { "", -EINVAL, false },
		{ "x", -EINVAL, false }, { " 1", -EINVAL, false },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool v = !cases[i].v;
		int ret = kstrtobool(cases[i].s, &v);

		assert_int_equal(ret, cases[i].ret);
		if (!ret)
			assert_int_equal(v, cases[i].v);
	}
}

static void test_kstrtoull(void **state)
{
	static const struct { const char *s; unsigned base; int ret; unsigned long long v; } cases[] = {
		{ "0", 0, 0, 0 }, { "10", 0, 0, 10 }, { "0x10", 0, 0, 16 }, { "010", 0, 0, 8 },
		{ "+5", 0, 0, 5 }, { "5\n", 0, 0, 5 }, { "5\n\n", 0, -EINVAL, 0 }, { "-1", 0, -EINVAL, 0 },
		{ "", 0, -EINVAL, 0 }, { "12abc", 0, -EINVAL, 0 }, { "0x", 0, -EINVAL, 0 }, { "08", 0, -EINVAL, 0 },
		{ "18446744073709551615", 0, 0, 18446744073709551615ULL },
		{ "18446744073709551616", 0, -ERANGE, 0 }, { "99999999999999999999x", 0, -ERANGE, 0 },
		{ "ff", 16, 0, 255 }, { "0xff", 16, 0, 255 },
	};
	unsigned int u;
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned long long v = 12345;
		int ret = kstrtoull(cases[i].s, cases[i].base, &v);

		if (ret != cases[i].ret)
			fail_msg("kstrtoull('%s') = %d, want %d", cases[i].s, ret, cases[i].ret);
		if (!ret && v != cases[i].v)
			fail_msg("kstrtoull('%s') -> %llu, want %llu", cases[i].s, v, cases[i].v);
	}
	assert_int_equal(kstrtouint("4294967295", 0, &u), 0);
	assert_int_equal(u, 4294967295u);
	assert_int_equal(kstrtouint("4294967296", 0, &u), -ERANGE);
}

static void test_sysfs_streq(void **state)
{
	(void)state;
	assert_true(sysfs_streq("online", "online"));
	assert_true(sysfs_streq("online\n", "online"));
	assert_true(sysfs_streq("online", "online\n"));
	assert_false(sysfs_streq("online\n\n", "online"));
	assert_false(sysfs_streq("ONLINE", "online"));
	assert_false(sysfs_streq("online ", "online"));
	assert_int_equal(mhp_online_type_from_str("online_movable\n"), MEMHP_MMOP_ONLINE_MOVABLE);
	assert_int_equal(mhp_online_type_from_str("online_kernel"), MEMHP_MMOP_ONLINE_KERNEL);
	assert_int_equal(mhp_online_type_from_str("Online"), -EINVAL);
}

#define PARAM(x) "/sys/module/memory_hotplug/parameters/" x

/* memory_hotplug.memmap_on_memory= at boot: force/FORCE or kstrtobool */
static void test_cmdline_memmap_on_memory(void **state)
{
	static const struct { const char *cmdline; const char *want; } cases[] = {
		{ "", "N\n" },
		{ "memory_hotplug.memmap_on_memory=1", "Y\n" },
		{ "memory_hotplug.memmap_on_memory=y", "Y\n" },
		{ "memory_hotplug.memmap_on_memory=on", "Y\n" },
		{ "memory_hotplug.memmap_on_memory=true", "Y\n" },
		{ "memory_hotplug.memmap_on_memory=force", "force\n" },
		{ "memory_hotplug.memmap_on_memory=FORCE", "force\n" },
		{ "memory_hotplug.memmap_on_memory=Force", "N\n" },	/* invalid: unchanged */
		{ "memory_hotplug.memmap_on_memory=xyz", "N\n" },
		{ "memory_hotplug.memmap_on_memory", "N\n" },		/* no NOARG flag */
		{ "memory_hotplug.memmap-on-memory=1", "Y\n" },		/* parameq: - == _ */
		{ "memory-hotplug.memmap_on_memory=1", "Y\n" },
		{ "memory_hotplug.memmap_on_memory=1 memory_hotplug.memmap_on_memory=off", "N\n" },
		{ "\"memory_hotplug.memmap_on_memory=1\"", "Y\n" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct memhp_machine *m = boot_machine(cases[i].cmdline, 512 * MiB);

		file_is(m, PARAM("memmap_on_memory"), cases[i].want);
		memhp_machine_destroy(m);
	}
}

static void test_cmdline_errors_logged(void **state)
{
	struct memhp_machine *m;

	(void)state;
	m = boot_machine("memory_hotplug.memmap_on_memory=xyz memory_hotplug.online_policy "
			 "memory_hotplug.nosuch=1", 512 * MiB);
	assert_true(log_has(m, "Booting kernel: `xyz' invalid for parameter `memory_hotplug.memmap_on_memory'"));
	assert_true(log_has(m, "Booting kernel: `' invalid for parameter `memory_hotplug.online_policy'"));
	assert_true(log_has(m, "Booting kernel: Unknown parameter `memory_hotplug.nosuch'"));
	file_is(m, PARAM("online_policy"), "contig-zones\n");
	memhp_machine_destroy(m);

	m = boot_machine("memory_hotplug.memmap_on_memory=force", 512 * MiB);
	/* x86_64: 512 memmap pages are one pageblock, nothing to waste */
	assert_true(log_has(m, "Memory hotplug will waste 0 pages in each memory block"));
	memhp_machine_destroy(m);
}

static void test_cmdline_other_params(void **state)
{
	struct memhp_machine *m;

	(void)state;
	m = boot_machine("memory_hotplug.online_policy=auto-movable memory_hotplug.auto_movable_ratio=0x10 "
			 "memory_hotplug.auto_movable_numa_aware=n memhp_default_state=online_movable", 512 * MiB);
	file_is(m, PARAM("online_policy"), "auto-movable\n");
	file_is(m, PARAM("auto_movable_ratio"), "16\n");
	file_is(m, PARAM("auto_movable_numa_aware"), "N\n");
	file_is(m, "/sys/devices/system/memory/auto_online_blocks", "online_movable\n");
	memhp_machine_destroy(m);

	/* a bad memhp_default_state= is silently ignored; a bare bool means Y */
	m = boot_machine("memhp_default_state=bogus memory_hotplug.auto_movable_numa_aware", 512 * MiB);
	file_is(m, "/sys/devices/system/memory/auto_online_blocks", "online\n");
	file_is(m, PARAM("auto_movable_numa_aware"), "Y\n");
	file_is(m, PARAM("auto_movable_ratio"), "301\n");
	memhp_machine_destroy(m);
}

static void test_param_files(void **state)
{
	struct memhp_machine *m = boot_machine("memory_hotplug.memmap_on_memory=1", 512 * MiB);

	(void)state;
	/* memmap_on_memory is 0444: EACCES at open, even for root */
	assert_int_equal(writef(m, PARAM("memmap_on_memory"), "0\n"), -EACCES);
	file_is(m, PARAM("memmap_on_memory"), "Y\n");
	write_ok(m, PARAM("online_policy"), "auto-movable\n");
	file_is(m, PARAM("online_policy"), "auto-movable\n");
	assert_int_equal(writef(m, PARAM("online_policy"), "auto_movable"), -EINVAL);
	write_ok(m, PARAM("online_policy"), "contig-zones");
	assert_int_equal(writef(m, PARAM("auto_movable_ratio"), "-1\n"), -EINVAL);
	assert_int_equal(writef(m, PARAM("auto_movable_ratio"), "4294967296"), -ERANGE);
	write_ok(m, PARAM("auto_movable_ratio"), "0\n");
	file_is(m, PARAM("auto_movable_ratio"), "0\n");
	write_ok(m, PARAM("auto_movable_numa_aware"), "off");
	file_is(m, PARAM("auto_movable_numa_aware"), "N\n");
	assert_int_equal(writef(m, PARAM("auto_movable_numa_aware"), "maybe"), -EINVAL);
	write_ok(m, "/sys/devices/system/memory/auto_online_blocks", "online_kernel");
	file_is(m, "/sys/devices/system/memory/auto_online_blocks", "online_kernel\n");
	assert_int_equal(writef(m, "/sys/devices/system/memory/auto_online_blocks", "bogus\n"), -EINVAL);
	assert_int_equal(writef(m, "/sys/devices/system/memory/auto_online_blocks", "Online"), -EINVAL);
	file_is(m, "/sys/devices/system/memory/auto_online_blocks", "online_kernel\n");
	/* read-only files, unknown files */
	assert_int_equal(writef(m, "/sys/devices/system/memory/block_size_bytes", "1"), -EACCES);
	assert_int_equal(writef(m, "/proc/meminfo", "1"), -EACCES);
	assert_int_equal(writef(m, "/sys/devices/system/memory/nosuch", "1"), -ENOENT);
	assert_int_equal(memhp_file_read(m, "/sys/devices/system/memory/nosuch", NULL, 0), -ENOENT);
	/* sysfs_kf_write: a zero-length write is a no-op that returns 0 */
	assert_int_equal(memhp_file_write(m, PARAM("online_policy"), "", 0), 0);
	memhp_machine_destroy(m);
}

static void test_root_files(void **state)
{
	struct memhp_machine *m = boot_machine(NULL, 1 * GiB);

	(void)state;
	file_is(m, "/sys/devices/system/memory/block_size_bytes", "8000000\n");
	file_is(m, "/sys/devices/system/memory/memory0/phys_index", "00000000\n");
	file_is(m, "/sys/devices/system/memory/memory7/phys_index", "00000007\n");
	file_is(m, "/sys/devices/system/memory/memory0/valid_zones", "none\n");
	file_is(m, "/sys/devices/system/memory/memory1/valid_zones", "DMA32\n");
	file_is(m, "/sys/devices/system/memory/memory3/removable", "1\n");
	file_is(m, "/sys/devices/system/memory/memory3/phys_device", "0\n");
	file_is(m, "/sys/devices/system/node/possible", "0\n");
	file_is(m, "/sys/devices/system/node/has_memory", "0\n");
	assert_null(readf(m, "/sys/devices/system/memory/memory8/state"));
	memhp_machine_destroy(m);
}

/* memhp_parse_size: the kernel's memparse, the one size syntax of the tools */
static void test_parse_size(void **state)
{
	static const struct {
		const char *in;
		uint64_t want;
	} good[] = {
		{ "4096", 4096 }, { "0x1000", 4096 }, { "010", 8 }, { "1k", 1024 }, { "128M", 128 << 20 },
		{ "128MiB", 128 << 20 }, { "1GB", 1ULL << 30 }, { "2g", 2ULL << 30 }, { "8T", 8ULL << 40 },
		{ "1P", 1ULL << 50 }, { "15E", 15ULL << 60 }, { "0", 0 }, { "7B", 7 },
	};
	static const char *const bad[] = {
		"", "1.5G", "-1G", "+1G", " 1G", "1G ", "1GG", "4iB", "16E", "0x", "G", "1Q", "99999999999999999999",
	};
	uint64_t v;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		v = 0;
		assert_int_equal(memhp_parse_size(good[i].in, &v), 0);
		assert_true(v == good[i].want);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 42;
		if (memhp_parse_size(bad[i], &v) != -EINVAL)
			fail_msg("'%s' was taken as a size", bad[i]);
		assert_true(v == 42);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_kstrtobool),
		cmocka_unit_test(test_kstrtoull),
		cmocka_unit_test(test_sysfs_streq),
		cmocka_unit_test(test_cmdline_memmap_on_memory),
		cmocka_unit_test(test_cmdline_errors_logged),
		cmocka_unit_test(test_cmdline_other_params),
		cmocka_unit_test(test_param_files),
		cmocka_unit_test(test_root_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
