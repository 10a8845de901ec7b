/* SPDX-License-Identifier: MIT */
/*
 * base.h - helpers, the architecture profile, parameters, the log.
 * Part of internal.h, which includes the parts in this order (each uses
 * what the ones before it declare); include internal.h, not this.
 */
#ifndef MEMHP_BASE_H
#define MEMHP_BASE_H

#ifndef EHWPOISON
#define EHWPOISON 133
#endif
#define NUMA_NO_NODE (-1)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a) ((((x) + (a) - 1) / (a)) * (a))
#define ALIGN_DOWN(x, a) (((x) / (a)) * (a))
#define IS_ALIGNED(x, a) (((x) % (a)) == 0)
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

/* the smallest order with (1 << order) >= x */
static inline unsigned int order_base_2(unsigned long x)
{
	unsigned int order = 0;

	while ((1UL << order) < x)
		order++;
	return order;
}

#define SZ_1M (1ULL << 20)
#define SZ_1G (1ULL << 30)

/* ---- architecture profile (arch.c) ---------------------------------- */

enum block_size_rule {
	BLOCK_SIZE_X86,		/* arch/x86/mm/init_64.c:probe_memory_block_size */
	BLOCK_SIZE_SECTION,	/* generic: MIN_MEMORY_BLOCK_SIZE */
};

struct arch_profile {
	const char *name;
	unsigned int page_shift;
	unsigned int section_size_bits;
	unsigned int struct_page_size;
	unsigned int max_order;		/* MAX_PAGE_ORDER */
	unsigned int pageblock_order;
	unsigned int pmd_shift;
	bool mhp_memmap_on_memory;	/* ARCH_MHP_MEMMAP_ON_MEMORY_ENABLE */
	bool subsection_memmap_altmap;	/* vmemmap_populate below a section: base
					 * pages from the altmap (arm64), not only
					 * from memory (x86) */
	uint64_t zone_dma_end;		/* physical end of ZONE_DMA (0: none) */
	uint64_t zone_dma32_end;	/* physical end of ZONE_DMA32 */
	enum block_size_rule block_rule;
	bool pc_layout;			/* QEMU "pc": 3G low RAM, DIMMs above 4G */
	uint64_t ram_base;		/* first RAM address without pc layout */
	uint64_t fw_nomap_start, fw_nomap_size;	/* firmware memory the kernel
					 * keeps out of its map (nomap) */
	unsigned long kernel_reserved_bytes; /* image + early allocations */
	unsigned long late_freed_image_bytes; /* of those, freed after the
					       * initcalls (initmem, unused
					       * decrypted memory, the
					       * rodata/data gap) */
	unsigned long initrd_default_bytes; /* the reference guest's initramfs */
	unsigned long pglist_data_bytes;	/* a node's pg_data_t; 0: not modelled */
	unsigned long swiotlb_bytes;	/* x86: the default; arm64: by its rule */
	unsigned long cma_bytes;	/* CMA_SIZE_MBYTES: the default area */
	unsigned long fw_nvdimm_bytes;	/* what the firmware keeps more in RAM
					 * with an NVDIMM, */
	unsigned long fw_nvdimm_below;	/* that far below node 0's RAM top (at
					 * most 4 GiB) */
	struct { uint64_t below, size; } fw_top_holes[2];	/* UEFI's nomap
					 * regions below node 0's RAM top */
	uint64_t image_below;		/* the image's start below that top (UEFI) */
	unsigned long image_bytes;	/* the image, its init sections included */
	unsigned long image_init_offset; /* where they start in it */
	uint64_t initrd_end_below;	/* where EFI's copy of the initramfs ends */
	/* Debian's configuration of the architecture's 6.12 kernel: */
	bool mhp_default_online;	/* MEMORY_HOTPLUG_DEFAULT_ONLINE: blocks
					 * added come online (x86), else offline */
	bool optimize_dax_vmemmap;	/* ARCH_WANT_OPTIMIZE_DAX_VMEMMAP: compound
					 * device pages share tail struct pages */
	bool acpi_hotplug_memory;	/* ACPI_HOTPLUG_MEMORY: the ACPI memory
					 * driver adds DIMMs (Debian's arm64: no) */
	bool cma;			/* CMA: MIGRATE_CMA is one more migrate
					 * type (Debian's arm64: yes, amd64: no) */
};

const struct arch_profile *arch_profile_find(const char *name);
uint64_t x86_probe_memory_block_size(uint64_t boot_mem_end, bool bare_metal);

/* ---- parameters (params.c) ------------------------------------------ */

enum memmap_mode { MEMMAP_ON_MEMORY_DISABLE, MEMMAP_ON_MEMORY_ENABLE, MEMMAP_ON_MEMORY_FORCE };
enum online_policy { ONLINE_POLICY_CONTIG_ZONES, ONLINE_POLICY_AUTO_MOVABLE };

/*
 * memmap=nn[!$#]ss and memmap=nn%ss+0xefffffff: e820 entries the command
 * line adds over RAM (the last: E820_TYPE_SOFT_RESERVED, dax_hmem's memory)
 */
enum e820_user_type { E820_USER_PRAM, E820_USER_RESERVED, E820_USER_ACPI, E820_USER_SOFT_RESERVED };
#define E820_TYPE_SOFT_RESERVED 0xefffffffULL
#define E820_USER_MAX 8

struct e820_user {
	uint64_t start, size;
	enum e820_user_type type;
	int nid;		/* node of the RAM it replaced (0 if none) */
};

struct mhp_params {
	enum memmap_mode memmap_mode;
	enum online_policy online_policy;
	unsigned int auto_movable_ratio;
	bool auto_movable_numa_aware;
	bool movable_node;
	int default_online_type;	/* auto_online_blocks */
	uint64_t max_mem_size;		/* mem= */
	bool acpi_no_memhotplug;
	struct e820_user e820_user[E820_USER_MAX];
	unsigned int nr_e820_user;
};

int kstrtobool(const char *s, bool *res);
int kstrtoull(const char *s, unsigned int base, unsigned long long *res);
int kstrtouint(const char *s, unsigned int base, unsigned int *res);
int kstrtoint(const char *s, unsigned int base, int *res);
bool sysfs_streq(const char *a, const char *b);
/* a device name written to bind or unbind, up to its newline (sbuf.c) */
void sysfs_dev_name(const char *buf, char *name, size_t len);
int mhp_online_type_from_str(const char *s);
extern const char *const online_type_to_str[4];
int parse_memsize(const char *s, uint64_t *out);
void params_init_defaults(struct mhp_params *p);
/* kernel command line: applies every option it knows, logs bad values;
 * `early` takes only the early parameters (memmap=), the rest the others */
void params_parse_cmdline(struct memhp_machine *m, const char *cmdline, bool early);
int param_set(struct memhp_machine *m, const char *name, const char *val);
int param_get(struct memhp_machine *m, const char *name, char *buf, size_t len);

/* ---- log (log.c) ---------------------------------------------------- */

struct log_ring;
struct log_ring *log_create(void);
void log_destroy(struct log_ring *l);
void mlog(struct memhp_machine *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
