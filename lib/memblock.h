/* SPDX-License-Identifier: MIT */
/*
 * memblock.h - the boot allocator's state while a machine boots (memblock.c,
 * machine.c): the firmware's RAM per node and what early boot reserved.
 * Lives only during boot; nothing here outlasts memhp_machine_create.
 */
#ifndef MEMHP_MEMBLOCK_H
#define MEMHP_MEMBLOCK_H

#include <stdbool.h>
#include <stdint.h>

struct memhp_machine;
struct memhp_config;

struct range {
	uint64_t start, end;	/* [start, end) */
	int nid;
	bool nomap;		/* firmware memory: present, never the kernel's */
};

#define MAX_RANGES 64

struct boot_layout {
	struct range ram[MAX_RANGES];	/* e820 usable, per node, sorted */
	size_t nr_ram;
	struct range *reserved;		/* memblock.reserved: sorted, merged */
	size_t nr_reserved, cap_reserved;
	bool reserve_failed;		/* an insertion ran out of memory */
	bool alloc_failed;		/* an allocation the kernel panics without */
	uint64_t lowmem_ram_end;	/* firmware's RAM top below 4G (pc) */
	uint64_t lowmem;		/* RAM below the PCI hole (pc) */
	struct range initrd;		/* where QEMU (pc) or EFI (arm64) loaded the initramfs */
	uint64_t image_base;		/* where the kernel image lies */
	uint64_t node0_top;		/* the end of node 0's first RAM (UEFI's layout) */
	uint64_t initrd_room;		/* the most QEMU can load there (pc) */
	bool initrd_too_large;		/* so QEMU refuses to start (pc) */
	size_t nr_firmware_e820;	/* e820_table_firmware entries (pc) */
	size_t nr_kernel_e820;		/* e820_table entries after the cmdline */
};

/* memblock.c */
void memblock_reserve(struct boot_layout *l, uint64_t start, uint64_t end);
void memblock_free(struct boot_layout *l, uint64_t start, uint64_t end);
bool memblock_is_reserved(const struct boot_layout *l, uint64_t start, uint64_t end);
int64_t memblock_alloc_range(struct boot_layout *l, uint64_t size, uint64_t align,
			     uint64_t min, uint64_t max, int nid, bool exact_nid);
int64_t memblock_alloc_topdown(struct boot_layout *l, uint64_t size, uint64_t align,
			       uint64_t limit, int nid);
unsigned int boot_memory_nodes(const struct boot_layout *l);
uint64_t large_system_hash_bytes(struct memhp_machine *m, const struct boot_layout *l,
				 unsigned int scale);
int boot_sparse_init(struct memhp_machine *m, struct boot_layout *l);
int x86_early_allocations(struct memhp_machine *m, const struct memhp_config *cfg,
			  struct boot_layout *l, uint64_t image);
int arm64_early_allocations(struct memhp_machine *m, const struct memhp_config *cfg,
			    struct boot_layout *l);
void boot_layout_release(struct boot_layout *l);

#endif
