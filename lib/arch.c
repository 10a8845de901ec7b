// SPDX-License-Identifier: MIT
/*
 * arch.c - architecture profiles: the geometry that decides everything else.
 *
 * Page size, section size, struct page size, MAX_PAGE_ORDER, pageblock order
 * and PMD size decide how big a block's memmap is and whether it can live on
 * the block itself (mm/memory_hotplug.c:mhp_supports_memmap_on_memory):
 *
 *   x86_64     4K pages, 128M sections, 64B struct page: a 128M block needs
 *              512 memmap pages = one pageblock = one PMD.  Supported.
 *   arm64-4k   the same numbers (arm64 selects the feature too).
 *   arm64-16k  16K pages, 128M sections, 32M pageblocks (order 11) and PMDs:
 *              a block's memmap is 32 pages (512K), not pageblock aligned,
 *              and force's padding to 2048 pages does not make 512K a PMD.
 *              Fenced off.
 *   arm64-64k  64K pages, 512M sections and pageblocks (order 13): a block's
 *              memmap is 8 pages, not pageblock aligned, and not a PMD
 *              (512M); force would pad it to a whole block.  Fenced off.
 *
 * The x86_64 profile also reproduces the reference guest's firmware: QEMU's
 * "pc" machine layout (RAM below 3G or below the PCI hole, the rest at 4G,
 * DIMMs in a window above), the kernel's early reservations and the x86
 * memory block size rule.
 */
#include <string.h>

#include "internal.h"

/*
 * QEMU's virt machine under UEFI (what ACPI and DIMMs need), as Debian's
 * arm64 kernels see it: RAM from 1 GiB, ZONE_DMA up to 4 GiB, a block a
 * section, CMA configured, memmap pieces below a section from the altmap.
 * EDK2 hands the kernel its variable store, the second flash bank, as
 * runtime memory it maps nomap - present pages in ZONE_DMA and a memory
 * block of their own, reserved, "reserved" in /proc/iomem.
 */
#define QEMU_VIRT_UEFI \
	.subsection_memmap_altmap = true, \
	.mhp_memmap_on_memory = true, \
	.zone_dma_end = 4ULL << 30, \
	.zone_dma32_end = 4ULL << 30, \
	.block_rule = BLOCK_SIZE_SECTION, \
	.ram_base = 1ULL << 30, \
	.fw_nomap_start = 0x04000000, \
	.fw_nomap_size = 64ULL << 20, \
	.cma = true

/*
 * What the recorded guests (4K and 16K pages alike) showed of EDK2's
 * layout: two runtime regions, nomap, at fixed distances below the top of
 * the first memory node's RAM (every guest, 1-4 GiB and 3200M); with an
 * NVDIMM 64 KiB of ACPI memory for it; Debian's 64 MiB CMA area; the
 * harness's initramfs without modules
 */
#define EDK2_RECORDED_LAYOUT \
	.fw_top_holes = { { 0x3bc0000, 0x2f0000 }, { 0x400000, 0x3e0000 } }, \
	.fw_nvdimm_bytes = 64UL << 10, \
	.cma_bytes = 64UL << 20, \
	.initrd_default_bytes = 1296UL << 10

static const struct arch_profile profiles[] = {
	{
		.name = "x86_64",
		.page_shift = 12,
		.section_size_bits = 27,
		.struct_page_size = 64,
		.max_order = 10,
		.pageblock_order = 9,
		.pmd_shift = 21,
		.mhp_memmap_on_memory = true,
		.zone_dma_end = 16ULL << 20,
		.zone_dma32_end = 4ULL << 30,
		.block_rule = BLOCK_SIZE_X86,
		.pc_layout = true,
		/*
		 * The kernel image as it stays reserved at 16 MiB after
		 * free_initmem (text, data, bss, brk and the early reservations
		 * before memblock=debug can log them).  Every other early
		 * allocation is replayed by memblock.c.  With these, a 1 GiB
		 * guest has DMA32 managed 226776 of 258016 present pages, as
		 * the oracle recorded.
		 */
		.kernel_reserved_bytes = 9554UL << 12,
		/* "Freeing unused kernel image (initmem) memory: 4260K",
		 * "unused decrypted memory: 2028K", "(rodata/data gap)
		 * memory: 580K": after init_per_zone_wmark_min ran */
		.late_freed_image_bytes = (4260UL + 2028 + 580) << 10,
		.initrd_default_bytes = 1388UL << 10,
		.pglist_data_bytes = 174464,	/* sizeof(pg_data_t), 6.12 x86-64 */
		.swiotlb_bytes = 64UL << 20,
		.mhp_default_online = true,
		.optimize_dax_vmemmap = true,
		.acpi_hotplug_memory = true,
	},
	{
		.name = "arm64-4k",
		.page_shift = 12,
		.section_size_bits = 27,
		.struct_page_size = 64,
		.max_order = 10,
		.pageblock_order = 9,
		.pmd_shift = 21,
		QEMU_VIRT_UEFI,
		/*
		 * What the boot keeps whatever the RAM and memblock.c's
		 * arm64_early_allocations does not replay: the image less its
		 * init sections, the firmware's regions in RAM, its memory map
		 * and tables; fitted on the 1 GiB guest, exact at 2, 3 and 4 GiB
		 */
		.kernel_reserved_bytes = 7UL << 12,
		EDK2_RECORDED_LAYOUT,
		/* where EFI put the NVDIMM's ACPI memory, the image, the initramfs */
		.fw_nvdimm_below = 0x6620000,
		.image_below = 0xe800000,
		.image_bytes = 0x2b30000,
		.image_init_offset = 0x1d00000,
		.initrd_end_below = 0x660b000,
		.late_freed_image_bytes = 9664UL << 10,
		.pglist_data_bytes = 14144,	/* sizeof(pg_data_t): the 4K guest's NODE_DATA(0) */
	},
	{
		/*
		 * CONFIG_ARM64_16K_PAGES (Debian's -arm64-16k kernel): 128M
		 * sections "as for 4K" (sparsemem.h), MAX_PAGE_ORDER 11
		 * (ARCH_FORCE_MAX_ORDER), PMD 32M, pageblock order 11.
		 */
		.name = "arm64-16k",
		.page_shift = 14,
		.section_size_bits = 27,
		.struct_page_size = 64,
		.max_order = 11,
		.pageblock_order = 11,
		.pmd_shift = 25,
		QEMU_VIRT_UEFI,
		/* as arm64-4k's, measured on the 16K guest */
		.kernel_reserved_bytes = 8UL << 14,
		EDK2_RECORDED_LAYOUT,
		/* where EFI put the NVDIMM's ACPI memory, the image, the initramfs */
		.fw_nvdimm_below = 0x6690000,
		.image_below = 0xea00000,
		.image_bytes = 0x2bd0000,
		.image_init_offset = 0x1d20000,
		.initrd_end_below = 0x6688000,
		.late_freed_image_bytes = 9984UL << 10,
		.pglist_data_bytes = 14464,	/* the 16K guest's (a free_area more per zone) */
	},
	{
		.name = "arm64-64k",
		.page_shift = 16,
		.section_size_bits = 29,
		.struct_page_size = 64,
		.max_order = 13,
		.pageblock_order = 13,
		.pmd_shift = 29,
		QEMU_VIRT_UEFI,
		/* no 64K kernel was recorded (Debian ships none): the 4K value's order */
		.kernel_reserved_bytes = 48UL << 20,
	},
};

const struct arch_profile *arch_profile_find(const char *name)
{
	if (!name || !*name)
		return &profiles[0];
	for (size_t i = 0; i < ARRAY_SIZE(profiles); i++)
		if (!strcmp(profiles[i].name, name))
			return &profiles[i];
	return NULL;
}

/*
 * arch/x86/mm/init_64.c:probe_memory_block_size: 128 MiB below 64 GiB of
 * boot memory; above, 2 GiB on bare metal, and in a VM the largest power of
 * two up to 2 GiB that divides the end of boot memory (so that the last
 * boot block is whole), else 128 MiB.
 */
uint64_t x86_probe_memory_block_size(uint64_t boot_mem_end, bool bare_metal)
{
	if (boot_mem_end < (64ULL << 30))
		return 1ULL << 27;
	if (bare_metal)
		return 2ULL << 30;
	for (uint64_t bz = 2ULL << 30; bz > (128ULL << 20); bz >>= 1)
		if (!(boot_mem_end & (bz - 1)))
			return bz;
	return 1ULL << 27;
}
