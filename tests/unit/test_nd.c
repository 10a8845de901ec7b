// SPDX-License-Identifier: MIT
/*
 * test_nd.c - legacy persistent memory (memmap=nn!ss) on the nd bus, and
 * the ZONE_DEVICE maps under it: nd_pmem's fsdax map with its memmap in
 * DRAM, dax_pmem's conversion into a dax region in mode ram (memmap in
 * DRAM, 2 vmemmap pages per 2 MiB folio) and mode pmem (memmap on the
 * namespace, an altmap), the seed's errno cases, memremap_pages' refusals
 * next to a namespace (the rest are in test_memremap.c) and a fault sweep
 * of the conversion; the device tree libndctl enumerates (nd_sysfs.c) for
 * e820's bus and for QEMU's NFIT, its values the kernel's.
 */
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include "helpers.h"
#include "../../lib/internal.h"

#define ND "/sys/bus/nd"
#define NS_START (768 * MiB)
#define NS_SIZE (128 * MiB)
#define NS_PFN (NS_START >> 12)

/* 1 GiB of RAM, 768M-896M turned into legacy pmem */
static struct memhp_machine *boot_pmem(void)
{
	return boot_machine("memmap=128M!768M", 1 * GiB);
}

static long memmap_pages(struct memhp_machine *m)
{
	return atomic_load(&m->nr_memmap_pages);
}

static void configure_seed(struct memhp_machine *m, const char *mode)
{
	write_ok(m, ND "/drivers/nd_pmem/unbind", "namespace0.0");
	write_ok(m, ND "/devices/dax0.0/uuid", "0b9d8e1a-3c4d-4e5f-8a9b-0c1d2e3f4a5b\n");
	write_ok(m, ND "/devices/dax0.0/namespace", "namespace0.0\n");
	write_ok(m, ND "/devices/dax0.0/align", "2097152\n");
	write_ok(m, ND "/devices/dax0.0/mode", mode);
}

/* boot: the range is not RAM, nd_pmem holds it with a section of memmap */
static void test_boot_namespace(void **state)
{
	struct memhp_machine *m = boot_pmem();
	struct memhp_stat st;
	char *iomem;

	(void)state;
	file_is(m, ND "/devices/namespace0.0/size", "134217728\n");
	file_is(m, ND "/devices/namespace0.0/resource", "0x30000000\n");
	assert_int_equal(memhp_file_stat(m, ND "/devices/namespace0.0/driver", &st), 0);
	/* from devices/platform/e820_pmem/ndbus0/region0/namespace0.0 */
	assert_string_equal(st.link, "../../../../../../bus/nd/drivers/nd_pmem");
	assert_int_equal(memmap_pages(m), 512);
	assert_int_equal(zone_field(m, 0, "Device", "spanned"), 32768);
	assert_int_equal(zone_field(m, 0, "Device", "present"), 0);
	assert_int_equal(pfn_to_page(m, NS_PFN)->zone, ZONE_DEVICE);
	iomem = readf(m, "/proc/iomem");
	assert_non_null(strstr(iomem, "00100000-2fffffff : System RAM\n"));
	assert_non_null(strstr(iomem, "30000000-37ffffff : Persistent Memory (legacy)\n"
				      "  30000000-37ffffff : namespace0.0\n"
				      "38000000-3ffdffff : System RAM\n"));
	free(iomem);
	/* memory block 6 is pmem, not RAM */
	assert_int_equal(memhp_file_stat(m, "/sys/devices/system/memory/memory6", &st), -ENOENT);
	audit_ok(m);
	memhp_machine_destroy(m);
}

/* the seed's attribute and driver errnos (libnvdimm, driver core) */
static void test_seed_errnos(void **state)
{
	struct memhp_machine *m = boot_pmem();
	unsigned long dram = free_all(m);

	(void)state;
	assert_int_equal(writef(m, ND "/devices/dax0.0/namespace", "namespace0.0"), -EBUSY);
	assert_int_equal(writef(m, ND "/devices/dax0.0/align", "12345"), -EINVAL);
	assert_int_equal(writef(m, ND "/devices/dax0.0/align", "2M"), -EINVAL);
	assert_int_equal(writef(m, ND "/devices/dax0.0/mode", "fsdax"), -EINVAL);
	assert_int_equal(writef(m, ND "/devices/dax0.0/uuid", "not-a-uuid"), -EINVAL);
	assert_int_equal(writef(m, ND "/drivers/dax_pmem/bind", "dax0.0"), -ENODEV);	/* no namespace */
	assert_int_equal(writef(m, ND "/drivers/nd_pmem/unbind", "dax0.0"), -ENODEV);
	assert_int_equal(writef(m, ND "/drivers/nd_pmem/bind", "namespace0.0"), -EBUSY);
	assert_int_equal(writef(m, ND "/drivers/dax_pmem/bind", "dax7.0"), -ENODEV);
	write_ok(m, ND "/drivers/nd_pmem/unbind", "namespace0.0");
	/* the fsdax memmap went back to DRAM */
	assert_int_equal(memmap_pages(m), 0);
	assert_int_equal(free_all(m), dram + 512);
	assert_int_equal(writef(m, ND "/devices/dax0.0/namespace", "namespace9.0"), -ENODEV);
	assert_int_equal(writef(m, ND "/devices/dax0.0/namespace", "region0"), -EINVAL);
	write_ok(m, ND "/devices/dax0.0/namespace", "namespace0.0");
	assert_int_equal(writef(m, ND "/devices/dax0.0/namespace", "namespace0.0"), -EBUSY);
	assert_int_equal(writef(m, ND "/drivers/nd_pmem/bind", "namespace0.0"), -ENODEV); /* claimed */
	write_ok(m, ND "/devices/dax0.0/mode", "ra");	/* strncmp over len - 1 */
	file_is(m, ND "/devices/dax0.0/mode", "ram\n");
	write_ok(m, ND "/devices/dax0.0/mode", "none");
	assert_int_equal(writef(m, ND "/drivers/dax_pmem/bind", "dax0.0"), -ENODEV);	/* no uuid */
	write_ok(m, ND "/devices/dax0.0/uuid", "0b9d8e1a-3c4d-4e5f-8a9b-0c1d2e3f4a5b");
	assert_int_equal(writef(m, ND "/drivers/dax_pmem/bind", "dax0.0"), -ENXIO);	/* mode none */
	write_ok(m, ND "/devices/dax0.0/namespace", "\n");	/* echo "" */
	write_ok(m, ND "/drivers/nd_pmem/bind", "namespace0.0");
	assert_int_equal(memmap_pages(m), 512);
	audit_ok(m);
	memhp_machine_destroy(m);
}

/* nd_sb_checksum: fletcher64 with the checksum field zeroed */
static uint64_t fletcher64(const uint8_t *sb)
{
	uint32_t lo = 0, w;
	uint64_t hi = 0;

	for (size_t i = 0; i < 4096; i += 4) {
		memcpy(&w, sb + i, 4);
		if (i == 4088 || i == 4092)
			w = 0;
		lo += w;
		hi += lo;
	}
	return hi << 32 | lo;
}

/* mode ram: data after a 2 MiB info block, memmap in DRAM, deduplicated */
static void test_dax_pmem_ram(void **state)
{
	struct memhp_machine *m = boot_pmem();
	struct physdev *dev = physdev_find(m, NS_START);
	uint8_t sb[4096];
	uint64_t dataoff, sum;
	unsigned long dram;
	struct page *head, *tail;

	(void)state;
	configure_seed(m, "ram");
	dram = free_all(m);
	write_ok(m, ND "/drivers/dax_pmem/bind", "dax0.0");
	/* 64 folios of 2 MiB x 2 vmemmap pages, all from DRAM */
	assert_int_equal(memmap_pages(m), 64 * 2);
	assert_int_equal(free_all(m), dram - 128);
	file_is(m, "/sys/bus/dax/devices/dax0.0/resource", "0x30200000\n");
	file_is(m, "/sys/bus/dax/devices/dax0.0/size", "132120576\n");
	assert_int_equal(writef(m, ND "/devices/dax0.0/mode", "pmem"), -EBUSY);
	/* the info block, on the namespace's own backing */
	assert_int_equal(pread(dev->fd, sb, sizeof(sb), (off_t)(dev->fd_offset + NS_START - dev->phys_start + 4096)),
			 (ssize_t)sizeof(sb));
	assert_memory_equal(sb, "DAXSIGNATURE", 12);
	memcpy(&dataoff, sb + 56, 8);
	assert_int_equal(dataoff, 2 * MiB);
	memcpy(&sum, sb + 4088, 8);
	assert_int_equal(sum, fletcher64(sb));
	/* compound pages: a head per 2 MiB, tails sharing one vmemmap page */
	head = pfn_to_page(m, NS_PFN + 512);
	tail = pfn_to_page(m, NS_PFN + 512 + 300);
	assert_int_equal(head->zone, ZONE_DEVICE);
	assert_true(head->flags & PG_head);
	assert_true(tail->flags & PG_tail);
	assert_int_equal(tail->private, NS_PFN + 512);
	assert_memory_equal(pfn_to_page(m, NS_PFN + 512 + 64), tail, 64 * sizeof(struct page));
	tail->index = 0xabcd;	/* one physical copy: visible through every alias */
	assert_int_equal(pfn_to_page(m, NS_PFN + 512 + 64 + 300 % 64)->index, 0xabcd);
	tail->index = 0;
	audit_ok(m);
	/* device_dax off and on again */
	write_ok(m, "/sys/bus/dax/drivers/device_dax/unbind", "dax0.0");
	assert_int_equal(memmap_pages(m), 0);
	assert_int_equal(free_all(m), dram);
	write_ok(m, "/sys/bus/dax/drivers/device_dax/bind", "dax0.0");
	assert_int_equal(memmap_pages(m), 128);
	write_ok(m, ND "/drivers/dax_pmem/unbind", "dax0.0");
	assert_int_equal(memmap_pages(m), 0);
	assert_int_equal(memhp_file_stat(m, "/sys/bus/dax/devices/dax0.0", &(struct memhp_stat){ 0 }), -ENOENT);
	audit_ok(m);
	memhp_machine_destroy(m);
}

/* mode pmem: the memmap is carved from the namespace (an altmap) */
static void test_dax_pmem_pmem(void **state)
{
	struct memhp_machine *m = boot_pmem();
	struct physdev *dev = physdev_find(m, NS_START);
	size_t bytes = 32768 * sizeof(struct page);
	uint8_t *buf = malloc(bytes);
	unsigned long dram;

	(void)state;
	assert_non_null(buf);
	configure_seed(m, "pmem");
	dram = free_all(m);
	write_ok(m, ND "/drivers/dax_pmem/bind", "dax0.0");
	/* dataoff = ALIGN(8K + 64 * 32766, 2M) = 4 MiB */
	file_is(m, "/sys/bus/dax/devices/dax0.0/resource", "0x30400000\n");
	file_is(m, "/sys/bus/dax/devices/dax0.0/size", "130023424\n");
	assert_int_equal(memmap_pages(m), 512);	/* counted, but ... */
	assert_int_equal(free_all(m), dram);		/* ... nothing from DRAM */
	/* the section's struct pages at 2 MiB of the namespace (reserve 2 pfns,
	 * then aligned to the 2 MiB allocation) */
	for (int k = 0; k < 1; k++) {
		assert_int_equal(pread(dev->fd, buf, bytes,
				       (off_t)(dev->fd_offset + NS_START - dev->phys_start + (2 + 2 * k) * MiB)),
				 (ssize_t)bytes);
		assert_memory_equal(buf, pfn_to_page(m, NS_PFN + 32768UL * k), bytes);
		assert_int_equal(((struct page *)(void *)buf)[1000].zone, ZONE_DEVICE);
	}
	audit_ok(m);
	write_ok(m, ND "/drivers/dax_pmem/unbind", "dax0.0");
	assert_int_equal(memmap_pages(m), 0);
	free(buf);
	memhp_machine_destroy(m);
}

static sigjmp_buf bus_jmp;

static void on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(bus_jmp, 1);
}

/* does reading *p raise SIGBUS? */
static bool raises_sigbus(const volatile uint8_t *p)
{
	struct sigaction sa, old;
	volatile bool bus = false;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigbus;
	sigaction(SIGBUS, &sa, &old);
	if (sigsetjmp(bus_jmp, 1))
		bus = true;
	else
		(void)*p;
	sigaction(SIGBUS, &old, NULL);
	return bus;
}

/*
 * device-dax in mode pmem mapped by a user: at a 2 MiB-aligned address,
 * the device's own memory (what is written is on the namespace after the
 * info block and the memmap), the kernel's refusals, SIGBUS beyond the
 * device and once device_dax is unbound.
 */
static void test_devdax_mmap(void **state)
{
	struct memhp_machine *m = boot_pmem();
	struct physdev *dev = physdev_find(m, NS_START);
	const uint64_t data = NS_START + 4 * MiB, size = 124 * MiB;
	uint8_t *p, *q, byte;

	(void)state;
	configure_seed(m, "pmem");
	write_ok(m, ND "/drivers/dax_pmem/bind", "dax0.0");
	assert_int_equal(memhp_dax_mmap(m, "dax0.0", 0, 4 * MiB, PROT_READ | PROT_WRITE, MAP_SHARED, (void **)&p), 0);
	assert_int_equal((uintptr_t)p % (2 * MiB), 0);
	memset(p + 2 * MiB + 5, 0x5a, 100);
	assert_int_equal(pread(dev->fd, &byte, 1, (off_t)(dev->fd_offset + data + 2 * MiB + 5 + 99 - dev->phys_start)), 1);
	assert_int_equal(byte, 0x5a);
	assert_int_equal(((uint8_t *)memhp_pfn_to_virt(m, (data + 2 * MiB) >> 12))[5], 0x5a);	/* the direct map */

	/* check_vma's refusals */
	assert_int_equal(memhp_dax_mmap(m, "dax0.0", 0, 2 * MiB, PROT_READ, MAP_PRIVATE, (void **)&q), -EINVAL);
	assert_true(log_has(m, "fail, attempted private mapping"));
	assert_int_equal(memhp_dax_mmap(m, "dax0.0", 4096, 2 * MiB, PROT_READ, MAP_SHARED, (void **)&q), -EINVAL);
	assert_int_equal(memhp_dax_mmap(m, "dax0.0", 0, 4096, PROT_READ, MAP_SHARED, (void **)&q), -EINVAL);
	assert_true(log_has(m, "fail, unaligned vma"));
	assert_int_equal(memhp_dax_mmap(m, "dax7.0", 0, 2 * MiB, PROT_READ, MAP_SHARED, (void **)&q), -ENODEV);
	assert_int_equal(memhp_dax_munmap(m, p + 4096), -EINVAL);
	for (unsigned long n = 1; n <= 2; n++) {
		memhp_fault_inject(m, n);
		assert_int_equal(memhp_dax_mmap(m, "dax0.0", 0, 2 * MiB, PROT_READ, MAP_SHARED, (void **)&q), -ENOMEM);
		memhp_fault_inject(m, 0);
	}

	/* the last 2 MiB of the device, then SIGBUS: dax_pgoff_to_phys fails */
	assert_int_equal(memhp_dax_mmap(m, "dax0.0", size - 2 * MiB, 4 * MiB, PROT_READ, MAP_SHARED, (void **)&q), 0);
	assert_false(raises_sigbus(q + 2 * MiB - 1));
	assert_true(raises_sigbus(q + 2 * MiB));
	assert_int_equal(memhp_dax_munmap(m, q), 0);

	/* unbind zaps the mapping: no access from then on */
	assert_false(raises_sigbus(p));
	write_ok(m, "/sys/bus/dax/drivers/device_dax/unbind", "dax0.0");
	assert_true(raises_sigbus(p + 2 * MiB + 5));
	assert_int_equal(memhp_dax_mmap(m, "dax0.0", 0, 2 * MiB, PROT_READ, MAP_SHARED, (void **)&q), -ENXIO);
	assert_int_equal(memhp_dax_munmap(m, p), 0);
	/* the data stays on the device */
	assert_int_equal(pread(dev->fd, &byte, 1, (off_t)(dev->fd_offset + data + 2 * MiB + 5 - dev->phys_start)), 1);
	assert_int_equal(byte, 0x5a);
	audit_ok(m);
	memhp_machine_destroy(m);
}

/*
 * A namespace that is not 2 MiB aligned (memremap_compat_align): nd_pmem's
 * probe refuses it (-EOPNOTSUPP, the namespace stays without a driver),
 * and so does dax_pmem's nd_pfn_init (-EINVAL), before writing anything.
 */
static void test_misaligned_namespace(void **state)
{
	struct memhp_machine *m = boot_machine("memmap=127M!769M", 1 * GiB);
	struct memhp_stat st;

	(void)state;
	assert_int_equal(memhp_file_stat(m, ND "/devices/namespace0.0/driver", &st), -ENOENT);
	assert_true(log_has(m, "nd_pmem namespace0.0: [mem 0x30100000-0x37ffffff flags 0x200] misaligned, unable to map"));
	assert_true(log_has(m, "probe with driver nd_pmem failed with error -95"));
	assert_int_equal(memmap_pages(m), 0);
	assert_int_equal(writef(m, ND "/drivers/nd_pmem/bind", "namespace0.0"), -EOPNOTSUPP);
	write_ok(m, ND "/devices/dax0.0/uuid", "0b9d8e1a-3c4d-4e5f-8a9b-0c1d2e3f4a5b\n");
	write_ok(m, ND "/devices/dax0.0/namespace", "namespace0.0\n");
	write_ok(m, ND "/devices/dax0.0/mode", "ram\n");
	assert_int_equal(writef(m, ND "/drivers/dax_pmem/bind", "dax0.0"), -EINVAL);
	assert_true(log_has(m, "namespace0.0: start 0x30100000 misaligned to 0x200000"));
	{
		struct physdev *dev = physdev_find(m, 769 * MiB);
		char sig[12] = { 0 }, none[12] = { 0 };

		assert_int_equal(pread(dev->fd, sig, sizeof(sig), (off_t)(dev->fd_offset + 4096)), (ssize_t)sizeof(sig));
		assert_memory_equal(sig, none, sizeof(sig));	/* no info block */
	}
	assert_int_equal(memhp_file_stat(m, "/sys/bus/dax/devices/dax0.0", &st), -ENOENT);
	audit_ok(m);
	memhp_machine_destroy(m);
}

/*
 * A namespace sharing its boot section with RAM (768M-770M stays RAM):
 * its subsections reuse the boot memmap (section_activate on an early
 * section), so no memmap page is added, in nd_pmem's map and in
 * device_dax's after the conversion; the RAM next to it stays online.
 */
static void test_namespace_in_boot_section(void **state)
{
	struct memhp_machine *m = boot_machine("memmap=126M!770M", 1 * GiB);
	struct memhp_stat st;
	unsigned long ns_pfn = (770 * MiB) >> 12;

	(void)state;
	assert_int_equal(memhp_file_stat(m, ND "/devices/namespace0.0/driver", &st), 0);
	assert_int_equal(memmap_pages(m), 0);
	assert_int_equal(zone_field(m, 0, "Device", "spanned"), 32256);
	assert_int_equal(pfn_to_page(m, ns_pfn)->zone, ZONE_DEVICE);
	assert_int_not_equal(pfn_to_page(m, ns_pfn - 1)->zone, ZONE_DEVICE);
	assert_true(pfn_online(m, ns_pfn - 1));
	assert_int_equal(pfn_to_section(m, ns_pfn)->subsection_map, ~0ULL << 1);
	assert_false(pfn_online(m, ns_pfn));	/* pfn_to_online_page: NULL */
	assert_true(memhp_kpageflags(m, ns_pfn) & (1ULL << MEMHP_KPF_NOPAGE));
	audit_ok(m);
	configure_seed(m, "ram");
	write_ok(m, ND "/drivers/dax_pmem/bind", "dax0.0");
	file_is(m, "/sys/bus/dax/devices/dax0.0/resource", "0x30400000\n");
	assert_int_equal(memmap_pages(m), 0);
	assert_int_equal(pfn_to_page(m, (0x30400000 >> 12) + 512)->flags & PG_head, PG_head);
	/* the boot memmap is not deduplicated: every tail is written */
	assert_true(pfn_to_page(m, (0x30400000 >> 12) + 512 + 300)->flags & PG_tail);
	assert_int_equal(pfn_to_page(m, (0x30400000 >> 12) + 512 + 300)->private, (0x30400000 >> 12) + 512);
	audit_ok(m);
	write_ok(m, ND "/drivers/dax_pmem/unbind", "dax0.0");
	assert_int_equal(pfn_to_section(m, ns_pfn)->subsection_map, 0);
	assert_true(pfn_valid(m, ns_pfn));	/* an early section keeps its memmap, */
	assert_true(pfn_to_page(m, ns_pfn)->flags & PG_hole);	/* its pages a hole again */
	assert_int_not_equal(pfn_to_page(m, ns_pfn)->zone, ZONE_DEVICE);
	assert_true(pfn_online(m, ns_pfn));
	audit_ok(m);
	memhp_machine_destroy(m);
}

/* memremap_pages' refusals, with the kernel's errnos */
static void test_memremap_refusals(void **state)
{
	struct memhp_machine *m = boot_pmem();
	struct dev_pagemap pg = { .type = MEMORY_DEVICE_GENERIC, .nr_range = 1 };

	(void)state;
	pg.ranges[0] = (struct pgmap_range){ 128 * MiB, 256 * MiB - 1 };	/* System RAM */
	assert_int_equal(memremap_pages(m, &pg, 0), -ENXIO);
	/* a pfn in nd_pmem's map: the conflict is found before the alignment */
	pg.ranges[0] = (struct pgmap_range){ NS_START + 2 * MiB, NS_START + 130 * MiB - 1 };
	assert_int_equal(memremap_pages(m, &pg, 0), -ENOMEM);
	pg.ranges[0] = (struct pgmap_range){ NS_START, NS_START + 128 * MiB - 1 };
	assert_int_equal(memremap_pages(m, &pg, 0), -ENOMEM);	/* nd_pmem's section */
	audit_ok(m);
	memhp_machine_destroy(m);
}

/* every failing step of the conversion rolls back exactly */
static void test_dax_pmem_fault_sweep(void **state)
{
	struct memhp_machine *m = boot_pmem();
	unsigned long n, failures = 0;

	(void)state;
	configure_seed(m, "ram");
	for (n = 1;; n++) {
		char *before = machine_snapshot(m);
		long memmap = memmap_pages(m);
		ssize_t r;

		memhp_fault_inject(m, n);
		r = writef(m, ND "/drivers/dax_pmem/bind", "dax0.0");
		memhp_fault_inject(m, 0);
		if (r > 0 && memhp_file_stat(m, "/sys/bus/dax/devices/dax0.0/driver",
					     &(struct memhp_stat){ 0 }) == 0) {
			free(before);
			break;
		}
		/* a failed dax_pmem, or a device_dax that did not probe */
		if (r > 0)
			write_ok(m, ND "/drivers/dax_pmem/unbind", "dax0.0");
		assert_int_equal(memmap_pages(m), memmap);
		assert_unchanged(m, before);
		audit_ok(m);
		failures++;
		free(before);
	}
	assert_true(failures >= 3);
	assert_int_equal(memmap_pages(m), 128);
	memhp_machine_destroy(m);
}

/* ---- the device tree (nd_sysfs.c) ---------------------------------------- */

static int collect_name(void *arg, const char *name, const struct memhp_stat *st)
{
	char *names = arg;

	snprintf(names + strlen(names), 2048 - strlen(names), "%s ", name);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* a directory's entries, sorted as ls sorts them, space-separated */
static void ls_is(struct memhp_machine *m, const char *path, const char *want)
{
	char names[2048] = "", sorted[2048] = "", *v[128], *save = NULL;
	int n = 0;

	assert_int_equal(memhp_file_list(m, path, collect_name, names), 0);
	for (char *t = strtok_r(names, " ", &save); t && n < 128; t = strtok_r(NULL, " ", &save))
		v[n++] = t;
	qsort(v, (size_t)n, sizeof(v[0]), cmp_str);
	for (int i = 0; i < n; i++)
		snprintf(sorted + strlen(sorted), sizeof(sorted) - strlen(sorted), "%s%s", i ? " " : "", v[i]);
	if (strcmp(sorted, want))
		fail_msg("%s: want %s, got %s", path, want, sorted);
}

static void link_is(struct memhp_machine *m, const char *path, const char *want)
{
	struct memhp_stat st;

	assert_int_equal(memhp_file_stat(m, path, &st), 0);
	assert_int_equal(st.type, MEMHP_FT_LINK);
	assert_string_equal(st.link, want);
}

static struct memhp_machine *boot_nvdimm(void)
{
	const struct memhp_coldplug nv = { "nv1", 1 * GiB, 0 };
	struct memhp_config cfg = { 0 };
	struct memhp_machine *m = NULL;

	cfg.max_phys = 256 * GiB;
	cfg.nvdimm = &nv;
	cfg.nr_nvdimm = 1;
	assert_int_equal(memhp_machine_create(&cfg, &m), 0);
	return m;
}

#define NFIT_BUS "/sys/devices/LNXSYSTM:00/LNXSYBUS:00/ACPI0012:00/ndbus0"
#define E820_BUS "/sys/devices/platform/e820_pmem/ndbus0"

/*
 * QEMU's NFIT NVDIMM, label-less: the listings of Linux 6.12's own run
 * (tests/oracle/kernel/nvdimm-kmem.json: ls of every /sys/bus/nd device
 * and the values its scenario reads), and what libndctl reads besides.
 */
static void test_nfit_tree(void **state)
{
	struct memhp_machine *m = boot_nvdimm();
	char buf[64];

	(void)state;
	ls_is(m, ND "/devices", "btt0.0 dax0.0 namespace0.0 ndbus0 nmem0 pfn0.0 region0");
	ls_is(m, ND "/drivers", "dax_pmem nd_bus nd_pmem nd_region nvdimm");
	ls_is(m, NFIT_BUS,
	      "commands driver firmware nd nfit nmem0 provider region0 subsystem uevent wait_probe");
	ls_is(m, NFIT_BUS "/nmem0",
	      "available_slots commands dev devtype driver firmware flags modalias nfit state subsystem uevent");
	ls_is(m, NFIT_BUS "/region0",
	      "align available_size badblocks btt0.0 btt_seed dax0.0 dax_seed deep_flush devtype driver "
	      "init_namespaces mapping0 mappings max_available_extent modalias namespace0.0 namespace_seed "
	      "nfit nstype numa_node pfn0.0 pfn_seed read_only resource set_cookie size subsystem "
	      "target_node uevent");
	ls_is(m, NFIT_BUS "/region0/namespace0.0",
	      "block devtype driver force_raw holder holder_class modalias mode nstype numa_node resource "
	      "size subsystem target_node uevent");
	ls_is(m, NFIT_BUS "/region0/dax0.0",
	      "align devtype modalias mode namespace numa_node resource size subsystem "
	      "supported_alignments target_node uevent uuid");
	ls_is(m, NFIT_BUS "/region0/pfn0.0",
	      "align devtype modalias mode namespace numa_node resource size subsystem "
	      "supported_alignments target_node uevent uuid");
	ls_is(m, NFIT_BUS "/region0/btt0.0",
	      "devtype log_zero_flags modalias namespace numa_node sector_size size subsystem "
	      "target_node uevent uuid");
	file_is(m, ND "/devices/region0/size", "1073741824\n");
	file_is(m, ND "/devices/region0/resource", "0x100000000\n");
	file_is(m, ND "/devices/namespace0.0/mode", "raw\n");
	file_is(m, ND "/devices/namespace0.0/size", "1073741824\n");
	file_is(m, ND "/devices/namespace0.0/resource", "0x100000000\n");
	file_is(m, ND "/devices/region0/nstype", "4\n");
	file_is(m, ND "/devices/region0/numa_node", "0\n");
	file_is(m, ND "/devices/region0/align", "0x1000000\n");
	file_is(m, ND "/devices/region0/mappings", "1\n");
	file_is(m, ND "/devices/region0/mapping0", "nmem0,0,1073741824,0\n");
	file_is(m, ND "/devices/nmem0/devtype", "nvdimm\n");
	file_is(m, ND "/devices/ndbus0/provider", "ACPI.NFIT\n");

	/* the bus: ND_CMD_CALL only; its class device and character device */
	link_is(m, ND "/devices/ndbus0", "../../../devices/LNXSYSTM:00/LNXSYBUS:00/ACPI0012:00/ndbus0");
	file_is(m, NFIT_BUS "/commands", "call \n");
	file_is(m, NFIT_BUS "/wait_probe", "1\n");
	file_is(m, NFIT_BUS "/nfit/revision", "1\n");
	file_is(m, NFIT_BUS "/nfit/dsm_mask", "0x0\n");
	ls_is(m, "/sys/class/nd", "ndctl0");
	link_is(m, "/sys/class/nd/ndctl0", "../../devices/LNXSYSTM:00/LNXSYBUS:00/ACPI0012:00/ndbus0/nd/ndctl0");
	file_is(m, "/sys/class/nd/ndctl0/dev", "62:0\n");
	link_is(m, "/sys/class/nd/ndctl0/device", "../../../ndbus0");
	link_is(m, "/sys/dev/char/62:0", "../../devices/LNXSYSTM:00/LNXSYBUS:00/ACPI0012:00/ndbus0/nd/ndctl0");
	file_is(m, "/sys/dev/char/62:0/device/provider", "ACPI.NFIT\n");
	link_is(m, NFIT_BUS "/driver", "../../../../../bus/nd/drivers/nd_bus");
	link_is(m, ND "/drivers/nd_region/region0",
		"../../../../devices/LNXSYSTM:00/LNXSYBUS:00/ACPI0012:00/ndbus0/region0");

	/* the dimm as QEMU's NFIT describes slot 0, printed big-endian */
	file_is(m, NFIT_BUS "/nmem0/nfit/handle", "0x1\n");
	file_is(m, NFIT_BUS "/nmem0/nfit/phys_id", "0x1\n");
	file_is(m, NFIT_BUS "/nmem0/nfit/vendor", "0x8680\n");
	file_is(m, NFIT_BUS "/nmem0/nfit/device", "0x0100\n");
	file_is(m, NFIT_BUS "/nmem0/nfit/format", "0x0301\n");
	file_is(m, NFIT_BUS "/nmem0/nfit/serial", "0x56341200\n");
	file_is(m, NFIT_BUS "/nmem0/nfit/id", "8680-56341200\n");
	assert_int_equal(memhp_file_read(m, NFIT_BUS "/nmem0/nfit/family", buf, sizeof(buf)), -ENXIO);
	assert_int_equal(memhp_file_read(m, NFIT_BUS "/nmem0/available_slots", buf, sizeof(buf)), -ENXIO);
	file_is(m, NFIT_BUS "/nmem0/dev", "63:0\n");
	file_is(m, NFIT_BUS "/nmem0/state", "idle\n");

	/* the region: cookie1 of {0, 0x123456, 0}, range_index the SPA's */
	file_is(m, NFIT_BUS "/region0/set_cookie", "0x2468ac00123456\n");
	file_is(m, NFIT_BUS "/region0/nfit/range_index", "2\n");
	file_is(m, NFIT_BUS "/region0/deep_flush", "0\n");
	file_is(m, NFIT_BUS "/region0/available_size", "0\n");
	file_is(m, NFIT_BUS "/region0/init_namespaces", "1/1\n");
	file_is(m, NFIT_BUS "/region0/dax_seed", "dax0.0\n");
	file_is(m, NFIT_BUS "/region0/namespace0.0/nstype", "4\n");
	file_is(m, NFIT_BUS "/region0/namespace0.0/devtype", "nd_namespace_io\n");
	file_is(m, NFIT_BUS "/region0/namespace0.0/modalias", "nd:t4\n");
	file_is(m, NFIT_BUS "/region0/namespace0.0/uevent",
		"DEVTYPE=nd_namespace_io\nDRIVER=nd_pmem\nMODALIAS=nd:t4\n");
	ls_is(m, NFIT_BUS "/region0/namespace0.0/block", "pmem0");
	link_is(m, NFIT_BUS "/region0/namespace0.0/driver", "../../../../../../../bus/nd/drivers/nd_pmem");
	file_is(m, NFIT_BUS "/region0/dax0.0/supported_alignments", "4096 2097152 1073741824 \n");
	file_is(m, NFIT_BUS "/region0/btt0.0/sector_size", "512 520 528 4096 4104 4160 4224 \n");
	/* nothing of e820's */
	assert_int_equal(memhp_file_stat(m, "/sys/devices/platform/e820_pmem", &(struct memhp_stat){ 0 }),
			 -ENOENT);
	memhp_machine_destroy(m);
}

/* e820's bus: no dimms, no interleave set; its namespace maps struct pages */
static void test_e820_tree(void **state)
{
	struct memhp_machine *m = boot_pmem();
	char buf[64];

	(void)state;
	ls_is(m, ND "/devices", "btt0.0 dax0.0 namespace0.0 ndbus0 pfn0.0 region0");
	ls_is(m, E820_BUS, "commands driver firmware nd provider region0 subsystem uevent wait_probe");
	ls_is(m, E820_BUS "/region0",
	      "align badblocks btt0.0 btt_seed dax0.0 dax_seed devtype driver init_namespaces mappings "
	      "max_available_extent modalias namespace0.0 namespace_seed nstype numa_node pfn0.0 pfn_seed "
	      "read_only resource size subsystem target_node uevent");
	link_is(m, ND "/devices/region0", "../../../devices/platform/e820_pmem/ndbus0/region0");
	link_is(m, "/sys/class/nd/ndctl0", "../../devices/platform/e820_pmem/ndbus0/nd/ndctl0");
	file_is(m, ND "/devices/ndbus0/provider", "e820\n");
	file_is(m, ND "/devices/ndbus0/commands", "\n");
	file_is(m, ND "/devices/region0/mappings", "0\n");
	file_is(m, ND "/devices/region0/align", "0x1000000\n");
	file_is(m, ND "/devices/namespace0.0/mode", "memory\n");
	file_is(m, ND "/devices/namespace0.0/holder", "\n");
	assert_int_equal(memhp_file_stat(m, "/sys/devices/LNXSYSTM:00", &(struct memhp_stat){ 0 }), -ENOENT);

	/* region attributes: align_store's and read_only's checks */
	assert_int_equal(writef(m, ND "/devices/region0/align", "3"), -EINVAL);
	assert_int_equal(writef(m, ND "/devices/region0/align", "0x800"), -EINVAL);
	assert_int_equal(writef(m, ND "/devices/region0/align", "0x10000000"), -EINVAL);	/* > size */
	write_ok(m, ND "/devices/region0/align", "0x200000");
	file_is(m, ND "/devices/region0/align", "0x200000\n");
	assert_int_equal(writef(m, ND "/devices/region0/read_only", "x"), -EINVAL);
	write_ok(m, ND "/devices/region0/read_only", "1");
	file_is(m, ND "/devices/region0/read_only", "1\n");

	/* holder_class: only while unbound and unclaimed; known classes only */
	assert_int_equal(writef(m, ND "/devices/namespace0.0/holder_class", "dax"), -EBUSY);
	write_ok(m, ND "/drivers/nd_pmem/unbind", "namespace0.0");
	assert_int_equal(writef(m, ND "/devices/namespace0.0/holder_class", "foo"), -EINVAL);
	write_ok(m, ND "/devices/namespace0.0/holder_class", "dax\n");
	file_is(m, ND "/devices/namespace0.0/holder_class", "dax\n");
	ls_is(m, E820_BUS "/region0/namespace0.0", "devtype force_raw holder holder_class modalias mode nstype "
	      "numa_node resource size subsystem target_node uevent");
	ls_is(m, ND "/drivers/nd_pmem", "bind unbind");

	/* a failed bind leaves the seed where it was */
	assert_int_equal(writef(m, ND "/drivers/dax_pmem/bind", "dax0.0"), -ENODEV);
	file_is(m, ND "/devices/region0/dax_seed", "dax0.0\n");

	/* the claim: mode dax, the holder; bound, the data's extent */
	write_ok(m, ND "/devices/dax0.0/uuid", "0b9d8e1a-3c4d-4e5f-8a9b-0c1d2e3f4a5b\n");
	write_ok(m, ND "/devices/dax0.0/namespace", "namespace0.0\n");
	write_ok(m, ND "/devices/dax0.0/mode", "pmem");
	file_is(m, ND "/devices/namespace0.0/mode", "dax\n");
	file_is(m, ND "/devices/namespace0.0/holder", "dax0.0\n");
	assert_int_equal(writef(m, ND "/devices/namespace0.0/holder_class", "\n"), -EBUSY);
	assert_int_equal(memhp_file_read(m, ND "/devices/dax0.0/resource", buf, sizeof(buf)), -ENXIO);
	assert_int_equal(memhp_file_read(m, ND "/devices/dax0.0/size", buf, sizeof(buf)), -ENXIO);
	write_ok(m, ND "/drivers/dax_pmem/bind", "dax0.0");
	/* dataoff: ALIGN(8K + 64 * 32766 pfns, 2M) = 4M */
	file_is(m, ND "/devices/dax0.0/resource", "0x30400000\n");
	file_is(m, ND "/devices/dax0.0/size", "130023424\n");
	link_is(m, ND "/drivers/dax_pmem/dax0.0", "../../../../devices/platform/e820_pmem/ndbus0/region0/dax0.0");
	file_is(m, ND "/devices/dax0.0/uevent", "DEVTYPE=nd_dax\nDRIVER=dax_pmem\nMODALIAS=nd:t7\n");

	/* nd_region_advance_seeds: the bound seed's region has a new one, dax0.1 */
	file_is(m, ND "/devices/region0/dax_seed", "dax0.1\n");
	ls_is(m, ND "/devices", "btt0.0 dax0.0 dax0.1 namespace0.0 ndbus0 pfn0.0 region0");
	link_is(m, ND "/devices/dax0.1", "../../../devices/platform/e820_pmem/ndbus0/region0/dax0.1");
	file_is(m, ND "/devices/dax0.1/namespace", "\n");
	file_is(m, ND "/devices/dax0.1/mode", "none\n");
	/* the namespace is dax0.0's until cleared */
	write_ok(m, ND "/devices/dax0.1/uuid", "1b9d8e1a-3c4d-4e5f-8a9b-0c1d2e3f4a5b\n");
	assert_int_equal(writef(m, ND "/devices/dax0.1/namespace", "namespace0.0"), -EBUSY);
	write_ok(m, ND "/drivers/dax_pmem/unbind", "dax0.0");
	write_ok(m, ND "/drivers/dax_pmem/bind", "dax0.0");	/* not the seed: no dax0.2 */
	write_ok(m, ND "/drivers/dax_pmem/unbind", "dax0.0");
	file_is(m, ND "/devices/region0/dax_seed", "dax0.1\n");
	assert_int_equal(memhp_file_stat(m, ND "/devices/dax0.2", &(struct memhp_stat){ 0 }), -ENOENT);
	write_ok(m, ND "/devices/dax0.0/namespace", "\n");
	file_is(m, ND "/devices/namespace0.0/holder", "\n");
	write_ok(m, ND "/devices/dax0.1/namespace", "namespace0.0");
	write_ok(m, ND "/devices/dax0.1/mode", "ram");
	write_ok(m, ND "/drivers/dax_pmem/bind", "dax0.1");
	file_is(m, ND "/devices/namespace0.0/holder", "dax0.1\n");
	file_is(m, ND "/devices/region0/dax_seed", "dax0.2\n");
	file_is(m, "/sys/bus/dax/devices/dax0.0/size", "132120576\n");	/* mode ram: dataoff 2M */
	write_ok(m, ND "/drivers/dax_pmem/unbind", "dax0.1");
	audit_ok(m);
	memhp_machine_destroy(m);
}

/* force_raw: nd_pmem then maps no struct pages (pmem_should_map_pages) */
static void test_force_raw(void **state)
{
	struct memhp_machine *m = boot_pmem();

	(void)state;
	assert_int_equal(memmap_pages(m), 512);
	write_ok(m, ND "/drivers/nd_pmem/unbind", "namespace0.0");
	assert_int_equal(memmap_pages(m), 0);
	write_ok(m, ND "/devices/namespace0.0/force_raw", "1");
	file_is(m, ND "/devices/namespace0.0/mode", "raw\n");
	write_ok(m, ND "/drivers/nd_pmem/bind", "namespace0.0");
	assert_int_equal(memmap_pages(m), 0);
	write_ok(m, ND "/devices/namespace0.0/force_raw", "0");	/* bound: nothing remapped */
	write_ok(m, ND "/drivers/nd_pmem/unbind", "namespace0.0");
	write_ok(m, ND "/drivers/nd_pmem/bind", "namespace0.0");
	assert_int_equal(memmap_pages(m), 512);
	audit_ok(m);
	memhp_machine_destroy(m);
}

/* ---- the disks nd_pmem attaches: pmemN over the namespace's media ------------ */

static struct memhp_machine *boot_nvdimms(unsigned int n, uint64_t size)
{
	const struct memhp_coldplug nv[2] = { { "nv1", size, 0 }, { "nv2", size, 0 } };
	struct memhp_config cfg = { 0 };
	struct memhp_machine *m = NULL;

	cfg.max_phys = 256 * GiB;
	cfg.nvdimm = nv;
	cfg.nr_nvdimm = n;
	assert_int_equal(memhp_machine_create(&cfg, &m), 0);
	return m;
}

/* the bytes of namespaceN.0 at off, read from its backing behind the disk's back */
static void media_read(struct memhp_machine *m, int ns, void *buf, size_t len, uint64_t off)
{
	unsigned long long start;
	struct physdev *dev;
	char *res = readf(m, ND "/devices/namespace%d.0/resource", ns);

	assert_non_null(res);
	assert_int_equal(sscanf(res, "%llx", &start), 1);
	free(res);
	dev = physdev_find(m, start);
	assert_non_null(dev);
	assert_int_equal(pread(dev->fd, buf, len, (off_t)(dev->fd_offset + start - dev->phys_start + off)),
			 (ssize_t)len);
}

/* the disks listed, space-separated */
static void disks_are(struct memhp_machine *m, const char *want)
{
	char names[4][MEMHP_BLOCKDEV_NAME_MAX], got[64] = "";
	size_t n = memhp_blockdev_list(m, names, 4);

	for (size_t i = 0; i < n && i < 4; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s", i ? " " : "", names[i]);
	if (strcmp(got, want))
		fail_msg("disks: want '%s', got '%s'", want, got);
}

/* pmemN is there while nd_pmem holds namespaceN.0, and is region N's */
static void test_blockdev_list(void **state)
{
	struct memhp_machine *m = boot_nvdimms(2, 256 * MiB);
	char one[1][MEMHP_BLOCKDEV_NAME_MAX];
	uint64_t size;

	(void)state;
	disks_are(m, "pmem0 pmem1");
	assert_int_equal(memhp_blockdev_list(m, one, 1), 2);	/* the count, past max too */
	assert_string_equal(one[0], "pmem0");
	assert_int_equal(memhp_blockdev_size(m, "pmem1", &size), 0);
	assert_int_equal(size, 256 * MiB);
	write_ok(m, ND "/drivers/nd_pmem/unbind", "namespace0.0");
	disks_are(m, "pmem1");
	/* the disk is gone: its namespace is still there */
	assert_int_equal(memhp_blockdev_size(m, "pmem0", &size), -ENXIO);
	assert_int_equal(memhp_blockdev_pread(m, "pmem0", one, 1, 0), -ENXIO);
	assert_int_equal(memhp_blockdev_pwrite(m, "pmem0", "x", 1, 0), -ENXIO);
	write_ok(m, ND "/drivers/nd_pmem/unbind", "namespace1.0");
	disks_are(m, "");
	write_ok(m, ND "/drivers/nd_pmem/bind", "namespace1.0");
	disks_are(m, "pmem1");
	/* names no namespace has */
	assert_int_equal(memhp_blockdev_size(m, "pmem2", &size), -ENODEV);
	assert_int_equal(memhp_blockdev_size(m, "pmem01", &size), -ENODEV);
	assert_int_equal(memhp_blockdev_size(m, "pmem", &size), -ENODEV);
	assert_int_equal(memhp_blockdev_size(m, "namespace1.0", &size), -ENODEV);
	assert_int_equal(memhp_blockdev_pread(m, "dax0.0", one, 1, 0), -ENODEV);
	memhp_machine_destroy(m);
}

/* reads and writes are the namespace's own bytes, each disk its own namespace's */
static void test_blockdev_rw(void **state)
{
	struct memhp_machine *m = boot_nvdimms(2, 256 * MiB);
	size_t len = 3 * 65536 + 123;
	uint8_t *pat = malloc(len), *got = malloc(len);

	(void)state;
	assert_non_null(pat);
	assert_non_null(got);
	for (size_t i = 0; i < len; i++)
		pat[i] = (uint8_t)(i * 7 + i / 251);
	assert_int_equal(memhp_blockdev_pwrite(m, "pmem1", pat, len, 12345), (ssize_t)len);
	memset(got, 0, len);
	assert_int_equal(memhp_blockdev_pread(m, "pmem1", got, len, 12345), (ssize_t)len);
	assert_memory_equal(got, pat, len);
	memset(got, 0, len);
	media_read(m, 1, got, len, 12345);
	assert_memory_equal(got, pat, len);
	/* pmem0 is another namespace: untouched, still zero */
	assert_int_equal(memhp_blockdev_pread(m, "pmem0", got, len, 12345), (ssize_t)len);
	for (size_t i = 0; i < len; i++)
		assert_int_equal(got[i], 0);
	/* written on the media behind the disk: read through it */
	assert_int_equal(memhp_blockdev_pwrite(m, "pmem0", "memhp", 5, 256 * MiB - 5), 5);
	media_read(m, 0, got, 5, 256 * MiB - 5);
	assert_memory_equal(got, "memhp", 5);
	free(pat);
	free(got);
	audit_ok(m);
	memhp_machine_destroy(m);
}

/* blkdev_read_iter, blkdev_write_iter: truncated at the end, nothing past it */
static void test_blockdev_end(void **state)
{
	struct memhp_machine *m = boot_nvdimms(1, 256 * MiB);
	const uint64_t end = 256 * MiB;
	uint8_t buf[4096];

	(void)state;
	memset(buf, 0xa5, sizeof(buf));
	assert_int_equal(memhp_blockdev_pwrite(m, "pmem0", buf, sizeof(buf), end - 100), 100);
	assert_int_equal(memhp_blockdev_pwrite(m, "pmem0", buf, sizeof(buf), end), -ENOSPC);
	assert_int_equal(memhp_blockdev_pwrite(m, "pmem0", buf, 1, end + 4096), -ENOSPC);
	assert_int_equal(memhp_blockdev_pwrite(m, "pmem0", buf, 0, end), 0);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(memhp_blockdev_pread(m, "pmem0", buf, sizeof(buf), end - 100), 100);
	for (int i = 0; i < 100; i++)
		assert_int_equal(buf[i], 0xa5);
	assert_int_equal(buf[100], 0);
	assert_int_equal(memhp_blockdev_pread(m, "pmem0", buf, sizeof(buf), end), 0);
	assert_int_equal(memhp_blockdev_pread(m, "pmem0", buf, sizeof(buf), end + 1), 0);
	assert_int_equal(memhp_blockdev_pread(m, "pmem0", buf, sizeof(buf), UINT64_MAX), 0);
	/* a read-only region's disk: reads only (nvdimm_check_and_set_ro) */
	write_ok(m, ND "/devices/region0/read_only", "1");
	assert_int_equal(memhp_blockdev_pwrite(m, "pmem0", buf, 1, 0), -EPERM);
	assert_int_equal(memhp_blockdev_pread(m, "pmem0", buf, 1, 0), 1);
	write_ok(m, ND "/devices/region0/read_only", "0");
	assert_int_equal(memhp_blockdev_pwrite(m, "pmem0", buf, 1, 0), 1);
	memhp_machine_destroy(m);
}

/*
 * What ndctl destroy-namespace does to a namespace dax_pmem had: force_raw,
 * nd_pmem binds, the info block dax_pmem wrote at 4K is read through the
 * disk and zeroed (zero_info_block: 8K at 0).
 */
static void test_blockdev_info_block(void **state)
{
	struct memhp_machine *m = boot_nvdimms(1, 256 * MiB);
	uint8_t sb[8192], zero[8192] = { 0 };

	(void)state;
	configure_seed(m, "ram");
	write_ok(m, ND "/drivers/dax_pmem/bind", "dax0.0");
	disks_are(m, "");	/* dax_pmem's, not nd_pmem's: no disk */
	write_ok(m, ND "/drivers/dax_pmem/unbind", "dax0.0");
	write_ok(m, ND "/devices/dax0.0/namespace", "\n");
	write_ok(m, ND "/devices/namespace0.0/force_raw", "1");
	write_ok(m, ND "/drivers/nd_pmem/bind", "namespace0.0");
	disks_are(m, "pmem0");
	assert_int_equal(memhp_blockdev_pread(m, "pmem0", sb, sizeof(sb), 0), (ssize_t)sizeof(sb));
	assert_memory_equal(sb, zero, 4096);
	assert_memory_equal(sb + 4096, "DAXSIGNATURE", 12);
	assert_memory_equal(sb + 4096 + 16, "\x0b\x9d\x8e\x1a", 4);	/* the uuid */
	assert_int_equal(memhp_blockdev_pwrite(m, "pmem0", zero, sizeof(zero), 0), (ssize_t)sizeof(zero));
	media_read(m, 0, sb, sizeof(sb), 0);
	assert_memory_equal(sb, zero, sizeof(zero));
	audit_ok(m);
	memhp_machine_destroy(m);
}

/* e820's namespace: nd_pmem maps struct pages over it, the disk is all of it still */
static void test_blockdev_e820(void **state)
{
	struct memhp_machine *m = boot_pmem();
	uint64_t size;
	char got[8];

	(void)state;
	disks_are(m, "pmem0");
	assert_int_equal(memhp_blockdev_size(m, "pmem0", &size), 0);
	assert_int_equal(size, NS_SIZE);
	assert_int_equal(memhp_blockdev_pwrite(m, "pmem0", "e820pmem", 8, NS_SIZE / 2), 8);
	media_read(m, 0, got, 8, NS_SIZE / 2);
	assert_memory_equal(got, "e820pmem", 8);
	audit_ok(m);
	memhp_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_boot_namespace),
		cmocka_unit_test(test_seed_errnos),
		cmocka_unit_test(test_dax_pmem_ram),
		cmocka_unit_test(test_dax_pmem_pmem),
		cmocka_unit_test(test_devdax_mmap),
		cmocka_unit_test(test_misaligned_namespace),
		cmocka_unit_test(test_namespace_in_boot_section),
		cmocka_unit_test(test_memremap_refusals),
		cmocka_unit_test(test_dax_pmem_fault_sweep),
		cmocka_unit_test(test_nfit_tree),
		cmocka_unit_test(test_e820_tree),
		cmocka_unit_test(test_force_raw),
		cmocka_unit_test(test_blockdev_list),
		cmocka_unit_test(test_blockdev_rw),
		cmocka_unit_test(test_blockdev_end),
		cmocka_unit_test(test_blockdev_info_block),
		cmocka_unit_test(test_blockdev_e820),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
