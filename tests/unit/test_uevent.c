// SPDX-License-Identifier: MIT
/*
 * test_uevent.c - the uevents the kernel sends udev for memory hotplug:
 * which, in what order, in what format, and what a listener waiting for
 * them gets.  The order is the kernel's: add_memory_resource registers
 * every block of the range (KOBJ_ADD each), then auto-online onlines them
 * one by one (device_online: KOBJ_ONLINE); removal unregisters them.
 */
#include <pthread.h>
#include <unistd.h>

#include "helpers.h"

#define MEM "/sys/devices/system/memory/"

/* every event after *seq as "action devpath" lines; *seq moves on */
static char *events_since(struct memhp_machine *m, uint64_t *seq)
{
	struct memhp_uevent ev;
	char *out = NULL, line[200];
	size_t len = 0;

	while (!memhp_uevent_next(m, *seq, 0, &ev)) {
		assert_int_equal(ev.seqnum, *seq + 1);	/* none lost, none twice */
		*seq = ev.seqnum;
		snprintf(line, sizeof(line), "%s %s %s\n", ev.action, ev.subsystem, ev.devpath);
		append(&out, &len, line);
	}
	return out ? out : strdup("");
}

static void events_are(struct memhp_machine *m, uint64_t *seq, const char *want)
{
	char *got = events_since(m, seq);

	assert_string_equal(got, want);
	free(got);
}

static void test_hotplug_events_in_order(void **state)
{
	struct memhp_machine *m = boot_machine("memhp_default_state=online_movable", 1 * GiB);
	struct memhp_dimm_info d;
	uint64_t seq = memhp_uevent_seqnum(m);

	(void)state;
	/* boot registered blocks 0-7 before anyone listened */
	assert_true(seq >= 8);
	assert_int_equal(memhp_dimm_add(m, "d1", 256 * MiB, 0, MEMHP_ADDR_AUTO, -1, &d), 0);
	events_are(m, &seq,
		   "add memory /devices/system/memory/memory32\n"
		   "add memory /devices/system/memory/memory33\n"
		   "online memory /devices/system/memory/memory32\n"
		   "online memory /devices/system/memory/memory33\n");
	write_ok(m, MEM "memory33/state", "offline");
	/* a write that changes nothing sends nothing: device_offline returns 1 */
	write_ok(m, MEM "memory33/online", "0");
	events_are(m, &seq, "offline memory /devices/system/memory/memory33\n");
	/* a refused write sends nothing either */
	assert_int_equal(writef(m, MEM "memory33/state", "bogus"), -EINVAL);
	events_are(m, &seq, "");
	assert_int_equal(memhp_dimm_remove(m, "d1"), 0);
	events_are(m, &seq,
		   "offline memory /devices/system/memory/memory32\n"
		   "remove memory /devices/system/memory/memory32\n"
		   "remove memory /devices/system/memory/memory33\n");
	memhp_machine_destroy(m);
}

/* a DIMM that brings a memory-less node online registers the node first */
static void test_node_events(void **state)
{
	struct memhp_config c = { 0 };
	struct memhp_machine *m = NULL;
	struct memhp_dimm_info d;
	uint64_t seq;

	(void)state;
	c.cmdline = "memhp_default_state=offline";
	c.mem = 1 * GiB;
	c.maxmem = 16 * GiB;
	c.max_phys = 256 * GiB;	/* small reservations: fits ThreadSanitizer's address space too */
	c.nr_nodes = 2;
	c.explicit_node_mem = 1;
	c.node_mem[0] = 1 * GiB;
	assert_int_equal(memhp_machine_create(&c, &m), 0);
	seq = memhp_uevent_seqnum(m);
	assert_int_equal(memhp_dimm_add(m, "d1", 128 * MiB, 1, MEMHP_ADDR_AUTO, -1, &d), 0);
	/* add_memory_resource: the blocks, then __register_one_node; offline blocks stay so */
	events_are(m, &seq,
		   "add memory /devices/system/memory/memory32\n"
		   "add node /devices/system/node/node1\n");
	/* try_remove_memory: the blocks go, then try_offline_node unregisters the node */
	assert_int_equal(memhp_dimm_remove(m, "d1"), 0);
	events_are(m, &seq,
		   "remove memory /devices/system/memory/memory32\n"
		   "remove node /devices/system/node/node1\n");
	memhp_machine_destroy(m);
}

/*
 * A hot-add that fails after registering blocks unregisters them: the
 * listener saw them come and go (the kernel's SEQNUM does not go back),
 * and no block is left.
 */
static void test_failed_add_events_balance(void **state)
{
	struct memhp_machine *m = boot_machine("memhp_default_state=offline", 1 * GiB);
	struct memhp_dimm_info d;
	unsigned long failed = 0;

	(void)state;
	for (unsigned long nth = 1; nth < 400; nth++) {
		uint64_t seq = memhp_uevent_seqnum(m);
		int adds = 0, removes = 0, ret;
		char *got, *p;

		memhp_fault_inject(m, nth);
		ret = memhp_dimm_add(m, "d1", 512 * MiB, 0, MEMHP_ADDR_AUTO, -1, &d);
		memhp_fault_inject(m, 0);
		got = events_since(m, &seq);
		for (p = got; (p = strstr(p, "add memory ")); p++)
			adds++;
		for (p = got; (p = strstr(p, "remove memory ")); p++)
			removes++;
		free(got);
		/* all four blocks, or none: never a block left half-added */
		if (adds - removes == 4) {
			assert_int_equal(ret, 0);
			assert_true(d.enabled);
			break;
		}
		failed++;
		assert_int_equal(adds - removes, 0);
		/*
		 * ret 0 with no block: the DIMM stays, its memory not added, or
		 * enabled when request_mem_region's allocation failed (-EEXIST,
		 * which acpi_memory_enable_device takes for memory in use).
		 */
		if (!ret) {
			/* the device stayed, its memory not added: take it away */
			assert_int_equal(memhp_dimm_remove(m, "d1"), 0);
			free(events_since(m, &seq));
		}
	}
	assert_true(failed > 0);
	memhp_machine_destroy(m);
}

struct waiter {
	struct memhp_machine *m;
	uint64_t after;
	int ret;
	struct memhp_uevent ev;
};

static void *wait_one(void *arg)
{
	struct waiter *w = arg;

	w->ret = memhp_uevent_next(w->m, w->after, 10000, &w->ev);
	return NULL;
}

/* a listener blocked in memhp_uevent_next wakes on the next event */
static void test_listener_waits(void **state)
{
	struct memhp_machine *m = boot_machine("memhp_default_state=offline", 1 * GiB);
	struct waiter w = { .m = m };
	struct memhp_uevent ev;
	struct memhp_dimm_info d;
	pthread_t t;

	(void)state;
	w.after = memhp_uevent_seqnum(m);
	assert_int_equal(memhp_uevent_next(m, w.after, 0, &ev), -EAGAIN);
	assert_int_equal(memhp_uevent_next(m, w.after, 20, &ev), -EAGAIN);
	assert_int_equal(pthread_create(&t, NULL, wait_one, &w), 0);
	usleep(20000);
	assert_int_equal(memhp_dimm_add(m, "d1", 128 * MiB, 0, MEMHP_ADDR_AUTO, -1, &d), 0);
	pthread_join(t, NULL);
	assert_int_equal(w.ret, 0);
	assert_int_equal(w.ev.seqnum, w.after + 1);
	assert_string_equal(w.ev.devpath, "/devices/system/memory/memory32");
	assert_int_equal(memhp_uevent_next(m, w.after, 0, NULL), -EINVAL);
	memhp_machine_destroy(m);
}

/* the kernel's message, a field a line; a listener far behind sees the gap */
static void test_format_and_overflow(void **state)
{
	struct memhp_machine *m = boot_machine("memhp_default_state=online_movable", 1 * GiB);
	struct memhp_dimm_info d;
	struct memhp_uevent ev;
	uint64_t seq = memhp_uevent_seqnum(m);
	char buf[512];

	(void)state;
	assert_int_equal(memhp_dimm_add(m, "d1", 128 * MiB, 0, MEMHP_ADDR_AUTO, -1, &d), 0);
	assert_int_equal(memhp_uevent_next(m, seq, 0, &ev), 0);
	memhp_uevent_format(&ev, buf, sizeof(buf));
	snprintf(buf + 256, 256, "add@/devices/system/memory/memory32\nACTION=add\n"
				 "DEVPATH=/devices/system/memory/memory32\nSUBSYSTEM=memory\nSEQNUM=%llu\n",
		 (unsigned long long)seq + 1);
	assert_string_equal(buf, buf + 256);
	/* 600 offline/online cycles: 1200 events, more than the ring keeps */
	for (int i = 0; i < 600; i++) {
		write_ok(m, MEM "memory32/state", "offline");
		write_ok(m, MEM "memory32/state", "online_movable");
	}
	assert_int_equal(memhp_uevent_next(m, 0, 0, &ev), 0);
	assert_true(ev.seqnum > 1);
	assert_int_equal(ev.seqnum, memhp_uevent_seqnum(m) - 1023);
	memhp_machine_destroy(m);
}

/*
 * A CXL region: its dax device is added (a character device: MAJOR, MINOR,
 * DEVNAME), kmem's probe adds and onlines the blocks, then the device is
 * bound (DRIVER=kmem); unbinding and destroying say so.
 */
static void test_dax_device_events(void **state)
{
	struct memhp_machine *m = boot_machine("memhp_default_state=online_movable", 1 * GiB);
	struct memhp_dax_info info;
	struct memhp_uevent ev;
	uint64_t seq = memhp_uevent_seqnum(m);
	char buf[512], *got;

	(void)state;
	assert_int_equal(memhp_dax_region_create(m, MEMHP_DAX_CXL, 256 * MiB, 0, 0, MEMHP_ADDR_AUTO, -1, &info), 0);
	assert_int_equal(memhp_uevent_next(m, seq, 0, &ev), 0);
	memhp_uevent_format(&ev, buf, sizeof(buf));
	snprintf(buf + 256, 256, "add@/devices/platform/dax_region.%d/%s\nACTION=add\n"
				 "DEVPATH=/devices/platform/dax_region.%d/%s\nSUBSYSTEM=dax\n"
				 "MAJOR=60\nMINOR=%d\nDEVNAME=%s\nSEQNUM=%llu\n",
		 info.region_id, info.dev, info.region_id, info.dev, info.region_id * 16, info.dev,
		 (unsigned long long)seq + 1);
	assert_string_equal(buf, buf + 256);
	seq++;
	got = events_since(m, &seq);
	/* kmem's blocks come and go online inside the probe; bind is last */
	assert_non_null(strstr(got, "add memory "));
	assert_non_null(strstr(got, "online memory "));
	snprintf(buf, sizeof(buf), "bind dax /devices/platform/dax_region.%d/%s\n", info.region_id, info.dev);
	assert_non_null(strstr(got, buf));
	assert_true(strlen(got) >= strlen(buf));
	assert_string_equal(got + strlen(got) - strlen(buf), buf);
	/*
	 * Its memory offline, the region goes: kmem's remove takes the blocks
	 * away, then the driver core says unbind (after drv->remove), then the
	 * device is deleted.
	 */
	for (const char *p = got; (p = strstr(p, "add memory /devices/system/memory/memory")); p++) {
		char path[128];

		snprintf(path, sizeof(path), MEM "memory%d/state", atoi(p + strlen("add memory /devices/system/memory/memory")));
		write_ok(m, path, "offline");
	}
	free(got);
	free(events_since(m, &seq));
	assert_int_equal(memhp_dax_region_destroy(m, info.region_id), 0);
	got = events_since(m, &seq);
	snprintf(buf, sizeof(buf), "unbind dax /devices/platform/dax_region.%d/%s\n"
				   "remove dax /devices/platform/dax_region.%d/%s\n",
		 info.region_id, info.dev, info.region_id, info.dev);
	assert_true(!strncmp(got, "remove memory ", 14));
	assert_true(strlen(got) >= strlen(buf));
	assert_string_equal(got + strlen(got) - strlen(buf), buf);
	free(got);
	memhp_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hotplug_events_in_order),
		cmocka_unit_test(test_node_events),
		cmocka_unit_test(test_failed_add_events_balance),
		cmocka_unit_test(test_listener_waits),
		cmocka_unit_test(test_format_and_overflow),
		cmocka_unit_test(test_dax_device_events),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
