// SPDX-License-Identifier: MIT
/*
 * test_blocks.c - memory block files and the online/offline paths: the
 * kernel's answers for every write (spec 1.0, 1.2, 2.5-2.14, checklist
 * items 4, 7, 12-17, 20-38, 50-57), the memory notifier chain with its
 * order, arguments and error propagation, and the debugfs error
 * injection the kernel's selftest uses.
 */
#include "helpers.h"

#define MEM "/sys/devices/system/memory/"
#define INJ "/sys/kernel/debug/notifier-error-inject/memory/actions/"

struct event {
	enum memhp_mem_action action;
	struct memhp_memory_notify mn;
	char state[32];
};

struct recorder {
	struct memhp_machine *m;
	struct event ev[32];
	int n;
	enum memhp_mem_action fail_on;
	int fail_with;
	unsigned long watch_block;
};

static int record(void *arg, enum memhp_mem_action action, const struct memhp_memory_notify *mn)
{
	struct recorder *r = arg;

	if (r->n < 32) {
		struct event *e = &r->ev[r->n++];
		char path[128];

		e->action = action;
		e->mn = *mn;
		/* what user space sees meanwhile (state_show takes no lock) */
		snprintf(path, sizeof(path), MEM "memory%lu/state", r->watch_block);
		memhp_file_read(r->m, path, e->state, sizeof(e->state));
	}
	return action == r->fail_on ? r->fail_with : 0;
}

static void events_are(struct recorder *r, const enum memhp_mem_action *want, int n)
{
	if (r->n != n)
		fail_msg("%d notifier events, want %d", r->n, n);
	for (int i = 0; i < n; i++)
		if (r->ev[i].action != want[i])
			fail_msg("event %d is %d, want %d", i, r->ev[i].action, want[i]);
}

static struct memhp_machine *with_dimm(const char *cmdline)
{
	struct memhp_machine *m = boot_machine(cmdline, 1 * GiB);
	struct memhp_dimm_info info;

	write_ok(m, MEM "auto_online_blocks", "offline");
	assert_int_equal(memhp_dimm_add(m, "d1", 1 * GiB, 0, MEMHP_ADDR_AUTO, -1, &info), 0);
	assert_int_equal(info.first_block, 32);
	return m;
}

static void test_state_and_online_files(void **state)
{
	struct memhp_machine *m = with_dimm("memory_hotplug.memmap_on_memory=1");
	char big[5000];

	(void)state;
	file_is(m, MEM "memory33/state", "offline\n");
	file_is(m, MEM "memory33/online", "0\n");
	file_is(m, MEM "memory33/valid_zones", "Normal Movable\n");
	/* state: unknown or differently-cased keywords, and the current state */
	assert_int_equal(writef(m, MEM "memory33/state", "ONLINE"), -EINVAL);
	assert_int_equal(writef(m, MEM "memory33/state", "online\n\n"), -EINVAL);
	assert_int_equal(writef(m, MEM "memory33/state", "offline"), -EINVAL);
	/* online: idempotent, kstrtobool */
	write_ok(m, MEM "memory33/online", "0");
	assert_int_equal(writef(m, MEM "memory33/online", "2"), -EINVAL);
	write_ok(m, MEM "memory33/online", "yes\n");
	file_is(m, MEM "memory33/state", "online\n");
	file_is(m, MEM "memory33/valid_zones", "Normal\n");
	write_ok(m, MEM "memory33/online", "1");
	assert_int_equal(writef(m, MEM "memory33/state", "online"), -EINVAL);
	/* an online block does not move to another zone without offlining */
	assert_int_equal(writef(m, MEM "memory33/state", "online_movable"), -EINVAL);
	/* chmem writes bare keywords, echo adds a newline: both are fine */
	write_ok(m, MEM "memory34/state", "online_movable");
	write_ok(m, MEM "memory34/state", "offline\n");
	write_ok(m, MEM "memory34/online", "off");
	/* node links lead to directories */
	assert_int_equal(memhp_file_read(m, MEM "memory34/node0", NULL, 0), -EISDIR);
	assert_int_equal(writef(m, MEM "memory34/node0", "1"), -EISDIR);
	/* read-only attributes */
	assert_int_equal(writef(m, MEM "memory34/valid_zones", "Normal"), -EACCES);
	assert_int_equal(writef(m, MEM "memory34/phys_index", "1"), -EACCES);
	assert_int_equal(writef(m, MEM "memory34/removable", "1"), -EACCES);
	/* kernfs takes at most PAGE_SIZE bytes of one write */
	memset(big, 'x', sizeof(big));
	big[0] = '1';
	assert_int_equal(memhp_file_write(m, MEM "memory34/online", big, sizeof(big)), 4096);
	file_is(m, MEM "memory34/state", "online\n");
	assert_int_equal(memhp_file_write(m, MEM "memory34/state", "", 0), 0);
	/*
	 * A refused state write to an online block leaves its online_type
	 * set (device_online returns 1 before memory_subsys_online could
	 * reset it); the `online` file sets none, so the next online through
	 * it goes to that zone, as the kernel did in random runs 14, 39, 72.
	 */
	write_ok(m, MEM "memory35/online", "1");
	file_is(m, MEM "memory35/valid_zones", "Normal\n");
	assert_int_equal(writef(m, MEM "memory35/state", "online_movable"), -EINVAL);
	write_ok(m, MEM "memory35/online", "0");
	write_ok(m, MEM "memory35/online", "1");
	file_is(m, MEM "memory35/valid_zones", "Movable\n");
	/* that online used the type up: the next goes to the default zone */
	write_ok(m, MEM "memory35/online", "0");
	file_is(m, MEM "memory35/valid_zones", "Normal Movable\n");
	write_ok(m, MEM "memory35/online", "1");
	file_is(m, MEM "memory35/valid_zones", "Normal\n");
	audit_ok(m);
	memhp_machine_destroy(m);
}

static void test_boot_blocks(void **state)
{
	struct memhp_machine *m = boot_machine("memory_hotplug.memmap_on_memory=1", 1 * GiB);

	(void)state;
	/* memory0 spans DMA and DMA32: no zone, cannot be offlined */
	assert_int_equal(writef(m, MEM "memory0/state", "offline"), -EINVAL);
	/* memory7 ends in a firmware hole: "memory holes" */
	assert_int_equal(writef(m, MEM "memory7/state", "offline"), -EINVAL);
	/* a whole boot block: offline, and back into ZONE_MOVABLE inside DMA32 */
	write_ok(m, MEM "memory3/state", "offline");
	file_is(m, MEM "memory3/valid_zones", "DMA32 Movable\n");
	assert_int_equal(zone_field(m, 0, "DMA32", "present"), 258016 - 32768);
	assert_int_equal(zone_field(m, 0, "DMA32", "spanned"), 258016);
	write_ok(m, MEM "memory3/state", "online_movable");
	assert_int_equal(zone_field(m, 0, "Movable", "start_pfn"), 3 * 32768);
	assert_int_equal(zone_field(m, 0, "Movable", "managed"), 32768);
	file_is(m, MEM "memory3/valid_zones", "Movable\n");
	/* back to the kernel zone of its range */
	write_ok(m, MEM "memory3/state", "offline");
	file_is(m, MEM "memory3/valid_zones", "DMA32 Movable\n");
	write_ok(m, MEM "memory3/online", "1");
	file_is(m, MEM "memory3/valid_zones", "DMA32\n");
	assert_int_equal(zone_field(m, 0, "DMA32", "present"), 258016);
	audit_ok(m);
	memhp_machine_destroy(m);
}

/* the events, in the kernel's order, with the vmemmap pages outside
 * start_pfn/nr_pages and described by the altmap fields */
static void test_notifier_order(void **state)
{
	struct memhp_machine *m = with_dimm("memory_hotplug.memmap_on_memory=1");
	struct recorder r = { .m = m, .fail_on = -1, .watch_block = 33 };
	static const enum memhp_mem_action online[] = { MEMHP_MEM_PREPARE_ONLINE, MEMHP_MEM_GOING_ONLINE,
							MEMHP_MEM_ONLINE };
	static const enum memhp_mem_action offline[] = { MEMHP_MEM_GOING_OFFLINE, MEMHP_MEM_OFFLINE,
							 MEMHP_MEM_FINISH_OFFLINE };

	(void)state;
	assert_int_equal(memhp_register_memory_notifier(m, record, &r, 0), 0);
	write_ok(m, MEM "memory33/state", "online_movable");
	events_are(&r, online, 3);
	assert_int_equal(r.ev[0].mn.altmap_start_pfn, 33 * 32768);
	assert_int_equal(r.ev[0].mn.altmap_nr_pages, 512);
	assert_int_equal(r.ev[0].mn.start_pfn, 33 * 32768 + 512);
	assert_int_equal(r.ev[0].mn.nr_pages, 32768 - 512);
	assert_int_equal(r.ev[1].mn.start_pfn, 33 * 32768 + 512);
	assert_int_equal(r.ev[1].mn.nr_pages, 32256);
	/* the first movable memory of node 0: N_MEMORY was set at boot */
	assert_int_equal(r.ev[1].mn.status_change_nid, -1);
	assert_int_equal(r.ev[1].mn.status_change_nid_normal, -1);
	r.n = 0;
	write_ok(m, MEM "memory33/state", "offline");
	events_are(&r, offline, 3);
	/* the whole offline is visible as going-offline */
	assert_string_equal(r.ev[0].state, "going-offline\n");
	assert_string_equal(r.ev[1].state, "going-offline\n");
	assert_int_equal(r.ev[2].mn.altmap_nr_pages, 512);
	audit_ok(m);
	memhp_machine_destroy(m);
}

static void test_notifier_priority(void **state)
{
	struct memhp_machine *m = with_dimm("memory_hotplug.memmap_on_memory=1");
	struct recorder lo = { .m = m, .fail_on = -1, .watch_block = 33 };
	struct recorder hi = lo, hi2 = lo;

	(void)state;
	assert_int_equal(memhp_register_memory_notifier(m, record, &lo, 0), 0);
	assert_int_equal(memhp_register_memory_notifier(m, record, &hi, 100), 0);
	assert_int_equal(memhp_register_memory_notifier(m, record, &hi2, 100), 0);
	/* the high-priority one fails GOING_ONLINE: the chain stops there */
	hi.fail_on = MEMHP_MEM_GOING_ONLINE;
	hi.fail_with = -ENOSPC;
	assert_int_equal(writef(m, MEM "memory33/state", "online"), -ENOSPC);
	assert_int_equal(hi.n, 4);	/* PREPARE, GOING_ONLINE, CANCEL, FINISH */
	assert_int_equal(hi2.n, 3);	/* not called for the failing GOING_ONLINE */
	assert_int_equal(lo.n, 3);
	assert_int_equal(memhp_unregister_memory_notifier(m, record, &hi), 0);
	assert_int_equal(memhp_unregister_memory_notifier(m, record, &hi), -ENOENT);
	memhp_machine_destroy(m);
}

static void test_notifier_errors_roll_back(void **state)
{
	static const struct { enum memhp_mem_action fail; int n; enum memhp_mem_action ev[4]; } cases[] = {
		{ MEMHP_MEM_PREPARE_ONLINE, 1, { MEMHP_MEM_PREPARE_ONLINE } },
		{ MEMHP_MEM_GOING_ONLINE, 4, { MEMHP_MEM_PREPARE_ONLINE, MEMHP_MEM_GOING_ONLINE,
					      MEMHP_MEM_CANCEL_ONLINE, MEMHP_MEM_FINISH_OFFLINE } },
	};
	(void)state;
	for (size_t i = 0; i < 2; i++) {
		struct memhp_machine *m = with_dimm("memory_hotplug.memmap_on_memory=1");
		struct recorder r = { .m = m, .fail_on = cases[i].fail, .fail_with = -ENOMEM, .watch_block = 32 };
		char *before = machine_snapshot(m);

		assert_int_equal(memhp_register_memory_notifier(m, record, &r, 0), 0);
		assert_int_equal(writef(m, MEM "memory32/state", "online_kernel"), -ENOMEM);
		events_are(&r, cases[i].ev, cases[i].n);
		assert_unchanged(m, before);
		free(before);
		memhp_machine_destroy(m);
	}
	{
		/* GOING_OFFLINE: CANCEL_OFFLINE, isolation undone, still online */
		struct memhp_machine *m = with_dimm("memory_hotplug.memmap_on_memory=1");
		struct recorder r = { .m = m, .fail_on = MEMHP_MEM_GOING_OFFLINE, .fail_with = -EAGAIN,
				      .watch_block = 35 };
		static const enum memhp_mem_action ev[] = { MEMHP_MEM_GOING_OFFLINE, MEMHP_MEM_CANCEL_OFFLINE };
		char *before;

		write_ok(m, MEM "memory35/state", "online_movable");
		before = machine_snapshot(m);
		assert_int_equal(memhp_register_memory_notifier(m, record, &r, 0), 0);
		assert_int_equal(writef(m, MEM "memory35/state", "offline"), -EAGAIN);
		events_are(&r, ev, 2);
		assert_unchanged(m, before);
		free(before);
		memhp_machine_destroy(m);
	}
}

/* isolation fails before any notifier: the kernel's own pages sit in the
 * first Normal block */
static void test_unmovable_offline(void **state)
{
	struct memhp_machine *m = with_dimm("memory_hotplug.memmap_on_memory=1");
	struct recorder r = { .m = m, .fail_on = -1, .watch_block = 32 };
	char *before;

	(void)state;
	write_ok(m, MEM "memory32/state", "online");
	write_ok(m, MEM "memory33/state", "online");
	before = machine_snapshot(m);
	assert_int_equal(memhp_register_memory_notifier(m, record, &r, 0), 0);
	assert_int_equal(writef(m, MEM "memory32/state", "offline"), -EBUSY);
	assert_int_equal(r.n, 0);
	assert_unchanged(m, before);
	/* the second Normal block is free of them */
	write_ok(m, MEM "memory33/state", "offline");
	free(before);
	memhp_machine_destroy(m);
}

static void test_error_injection_files(void **state)
{
	struct memhp_machine *m = with_dimm("memory_hotplug.memmap_on_memory=1");

	(void)state;
	file_is(m, INJ "MEM_GOING_ONLINE/error", "0\n");
	write_ok(m, INJ "MEM_GOING_ONLINE/error", "-12\n");
	file_is(m, INJ "MEM_GOING_ONLINE/error", "-12\n");
	assert_int_equal(writef(m, MEM "memory36/state", "online\n"), -ENOMEM);
	file_is(m, MEM "memory36/state", "offline\n");
	write_ok(m, INJ "MEM_GOING_ONLINE/error", "0");
	write_ok(m, MEM "memory36/state", "online_movable\n");
	write_ok(m, INJ "MEM_GOING_OFFLINE/error", "-5000");
	file_is(m, INJ "MEM_GOING_OFFLINE/error", "-4095\n");
	assert_int_equal(writef(m, MEM "memory36/state", "offline"), -4095);
	file_is(m, MEM "memory36/state", "online\n");
	write_ok(m, INJ "MEM_GOING_OFFLINE/error", "7");
	file_is(m, INJ "MEM_GOING_OFFLINE/error", "0\n");
	assert_int_equal(writef(m, INJ "MEM_GOING_OFFLINE/error", "junk"), -EINVAL);
	/* kstrtoll, then clamp_t(int, ...): the int cast comes first */
	write_ok(m, INJ "MEM_GOING_OFFLINE/error", "4294967284");
	file_is(m, INJ "MEM_GOING_OFFLINE/error", "-12\n");
	write_ok(m, INJ "MEM_GOING_OFFLINE/error", "0");
	write_ok(m, MEM "memory36/state", "offline");
	audit_ok(m);
	memhp_machine_destroy(m);
}

/* contig-zones with and without movable_node */
static void test_zone_policy(void **state)
{
	struct memhp_machine *m = with_dimm("memory_hotplug.memmap_on_memory=1 movable_node");

	(void)state;
	file_is(m, MEM "memory34/valid_zones", "Movable Normal\n");
	write_ok(m, MEM "memory34/online", "1");
	file_is(m, MEM "memory34/valid_zones", "Movable\n");
	write_ok(m, MEM "memory32/state", "online_kernel");
	/* 33 lies between a kernel and a movable block: both intersect */
	file_is(m, MEM "memory33/valid_zones", "Movable Normal\n");
	memhp_machine_destroy(m);

	m = with_dimm("memory_hotplug.memmap_on_memory=0");
	write_ok(m, MEM "memory39/state", "online_movable");
	/* inside the Movable span now: Movable first */
	file_is(m, MEM "memory36/valid_zones", "Normal Movable\n");
	write_ok(m, MEM "memory35/state", "online_movable");
	file_is(m, MEM "memory37/valid_zones", "Movable Normal\n");
	/* mmom=0: the block's whole 32768 pages are managed */
	assert_int_equal(zone_field(m, 0, "Movable", "managed"), 2 * 32768);
	assert_int_equal(zone_field(m, 0, "Movable", "spanned"), 5 * 32768);
	/* an interior offline keeps the span, an edge one shrinks it */
	write_ok(m, MEM "memory37/state", "online_movable");
	write_ok(m, MEM "memory37/state", "offline");
	assert_int_equal(zone_field(m, 0, "Movable", "spanned"), 5 * 32768);
	write_ok(m, MEM "memory39/state", "offline");
	assert_int_equal(zone_field(m, 0, "Movable", "spanned"), 32768);
	audit_ok(m);
	memhp_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_and_online_files),
		cmocka_unit_test(test_boot_blocks),
		cmocka_unit_test(test_notifier_order),
		cmocka_unit_test(test_notifier_priority),
		cmocka_unit_test(test_notifier_errors_roll_back),
		cmocka_unit_test(test_unmovable_offline),
		cmocka_unit_test(test_error_injection_files),
		cmocka_unit_test(test_zone_policy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
