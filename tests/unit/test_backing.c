// SPDX-License-Identifier: MIT
/*
 * test_backing.c - a backing store that runs out is -ENOMEM, never SIGBUS.
 *
 * The memory of a machine is files: with a backing directory on a small
 * tmpfs (a full disk is the same), a store into a page the file system
 * cannot give used to kill the process with SIGBUS - in the memmap's
 * initialisation of an add, or in the owner's first store to a region.
 * Every page is now given its backing before it is first written, so the
 * request fails with -ENOMEM and the machine is exactly as before; the
 * backing of pages freed goes back.  An add whose memmap the host itself
 * cannot hold is refused up front.
 *
 * The test runs in a mount namespace of its own (unshare, root), with a
 * 64 MiB tmpfs mounted only there: nothing of the host changes.
 */
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "helpers.h"

#define MEM "/sys/devices/system/memory/"

static char tmpfs_dir[] = "/tmp/memhp-backing-XXXXXX";
static int have_tmpfs;

static struct memhp_machine *boot_on_tmpfs(const char *cmdline)
{
	struct memhp_config c = { 0 };
	struct memhp_machine *m = NULL;

	c.cmdline = cmdline;
	c.mem = 1 * GiB;
	c.maxmem = 96 * GiB;
	c.max_phys = 256 * GiB;
	c.backing_dir = tmpfs_dir;
	assert_int_equal(memhp_machine_create(&c, &m), 0);
	return m;
}

static void add_bigger_than_the_store(const char *cmdline)
{
	struct memhp_machine *m;
	struct memhp_dimm_info info;
	char *snap;

	if (!have_tmpfs)
		skip();
	m = boot_on_tmpfs(cmdline);
	snap = machine_snapshot(m);
	/*
	 * 8 GiB: a 128 MiB memmap, on the DIMM itself or in boot memory.  As
	 * on QEMU, the DIMM is plugged; the guest's add_memory fails.
	 */
	assert_int_equal(memhp_dimm_add(m, "big", 8 * GiB, 0, MEMHP_ADDR_AUTO, -1, &info), 0);
	assert_int_equal(info.enabled, 0);
	assert_int_equal(info.add_error, -ENOMEM);
	assert_unchanged(m, snap);
	assert_true(log_has(m, "memhp: no backing for"));
	/* unplugged, its files go; memory that fits is added and used */
	assert_int_equal(memhp_dimm_remove(m, "big"), 0);
	assert_unchanged(m, snap);
	assert_int_equal(memhp_dimm_add(m, "d1", 1 * GiB, 0, MEMHP_ADDR_AUTO, -1, &info), 0);
	assert_int_equal(info.enabled, 1);
	{
		char path[96];

		snprintf(path, sizeof(path), MEM "memory%lu/state", info.first_block);
		file_is(m, path, "online\n");	/* auto_online_blocks: online */
	}
	audit_ok(m);
	free(snap);
	memhp_machine_destroy(m);
}

/*
 * With memmap_on_memory the memmap is backed block by block when first
 * written (deferred_init.c): the add of a DIMM bigger than the store
 * succeeds, as the kernel's does; when the store runs out, the allocation
 * that needed one more block's memmap - or an offline that needed it -
 * fails with -ENOMEM and changes nothing, and what was given stays usable.
 */
static void test_memmap_on_memory_backed_when_used(void **state)
{
	struct memhp_machine *m;
	struct memhp_dimm_info info;
	unsigned long got = 0;
	long pfn;
	char *snap;

	(void)state;
	if (!have_tmpfs)
		skip();
	m = boot_on_tmpfs("memory_hotplug.memmap_on_memory=1 memhp_default_state=online_kernel");
	/* 32 blocks: 64 MiB of memmap, with the boot memory's more than the store */
	assert_int_equal(memhp_dimm_add(m, "big", 4 * GiB, 0, MEMHP_ADDR_AUTO, -1, &info), 0);
	assert_int_equal(info.enabled, 1);
	/* each 4 MiB chunk of the DIMM's Normal zone, until a block's memmap finds no room */
	while ((pfn = memhp_alloc_pages(m, 0, 10)) >= 0)
		got++;
	assert_int_equal(pfn, -ENOMEM);
	assert_true(log_has(m, "cannot map the memmap"));
	assert_true(got > 31 && got < 32 * 31);	/* some blocks, not all */
	/* the failure is the host's, and changes nothing: the same again */
	snap = machine_snapshot(m);
	assert_int_equal(memhp_alloc_pages(m, 0, 10), -ENOMEM);
	assert_unchanged(m, snap);
	/*
	 * Allocations took the lowest blocks first (onlining leaves every
	 * chunk at its list's tail, in pfn order); memory63, the DIMM's last,
	 * is still deferred, and its memmap has no room.
	 */
	assert_int_equal(writef(m, MEM "memory63/state", "offline"), -ENOMEM);
	assert_unchanged(m, snap);
	free(snap);
	audit_ok(m);
	memhp_machine_destroy(m);
}

static void test_add_fails_memmap_in_boot_memory(void **state)
{
	(void)state;
	add_bigger_than_the_store("memory_hotplug.memmap_on_memory=0");
}

static void test_region_fails_then_fits(void **state)
{
	struct memhp_machine *m;
	struct memhp_dimm_info info;
	struct memhp_region *r;
	char *snap;

	(void)state;
	if (!have_tmpfs)
		skip();
	m = boot_on_tmpfs("memory_hotplug.memmap_on_memory=1 memhp_default_state=online_movable");
	assert_int_equal(memhp_dimm_add(m, "d1", 1 * GiB, 0, MEMHP_ADDR_AUTO, -1, &info), 0);
	snap = machine_snapshot(m);
	/* 100 MiB of memory the owner would write: the store has less */
	assert_int_equal(memhp_region_alloc(m, 100 * MiB / 4096, 0, 0, &r), -ENOMEM);
	assert_unchanged(m, snap);
	free(snap);
	/* what fits is given, and every page of it can be written */
	assert_int_equal(memhp_region_alloc(m, 4 * MiB / 4096, 0, 0, &r), 0);
	memset(memhp_region_addr(r), 0xa5, 4 * MiB);
	assert_int_equal(((uint8_t *)memhp_region_addr(r))[4 * MiB - 1], 0xa5);
	memhp_region_free(r);
	audit_ok(m);
	memhp_machine_destroy(m);
}

/*
 * The host pays size/64 for a hot-add's struct pages when they are all
 * written at add and online (memmap on the memory, written eagerly): an
 * add whose memmap the host cannot hold is refused before anything is
 * touched, instead of ending with the host's OOM killer.  The size comes
 * from this host's own free memory, so the test means the same on any
 * machine.  (A memmap from the machine's boot memory costs at most what
 * the machine has free; a deferred one is paid block by block.)
 */
static void test_add_bigger_than_the_host(void **state)
{
	struct memhp_config c = { 0 };
	struct memhp_machine *m = NULL;
	struct memhp_dimm_info info;
	struct sysinfo si;
	uint64_t size;
	char *snap;

	(void)state;
	assert_int_equal(sysinfo(&si), 0);
	/* a memmap one and a half times what is free now */
	size = ((uint64_t)si.freeram * si.mem_unit * 64 * 3 / 2 + GiB - 1) & ~(GiB - 1);
	c.mem = 1 * GiB;
	c.cmdline = "memory_hotplug.memmap_on_memory=1";
	c.memmap_init_eager = 1;
	c.maxmem = size + 2 * GiB;
	c.max_phys = c.maxmem + 64 * GiB;
	/* the virtual reservations of a machine this size: not under every sanitizer */
	if (memhp_machine_create(&c, &m) == -ENOMEM)
		skip();
	assert_non_null(m);
	snap = machine_snapshot(m);
	assert_int_equal(memhp_dimm_add(m, "huge", size, 0, MEMHP_ADDR_AUTO, -1, &info), 0);
	assert_int_equal(info.enabled, 0);
	assert_int_equal(info.add_error, -ENOMEM);
	assert_true(log_has(m, "of host memory for its memmap"));
	assert_unchanged(m, snap);
	free(snap);
	memhp_machine_destroy(m);
}

/* a namespace of our own, and a 64 MiB tmpfs in it only */
static int mount_small_tmpfs(void)
{
	if (geteuid() != 0 || unshare(CLONE_NEWNS))
		return 0;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return 0;
	if (!mkdtemp(tmpfs_dir))
		return 0;
	if (mount("memhp-test", tmpfs_dir, "tmpfs", MS_NOSUID | MS_NODEV, "size=64m")) {
		rmdir(tmpfs_dir);
		return 0;
	}
	return 1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memmap_on_memory_backed_when_used),
		cmocka_unit_test(test_add_fails_memmap_in_boot_memory),
		cmocka_unit_test(test_region_fails_then_fits),
		cmocka_unit_test(test_add_bigger_than_the_host),
	};
	int ret;

	have_tmpfs = mount_small_tmpfs();
	if (!have_tmpfs)
		fprintf(stderr, "test_backing: no mount namespace (needs root): skipped\n");
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	if (have_tmpfs) {
		umount(tmpfs_dir);
		rmdir(tmpfs_dir);
	}
	return ret;
}
