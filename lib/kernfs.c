// SPDX-License-Identifier: MIT
/*
 * kernfs.c - the kernel's files: sysfs, the memory_hotplug module
 * parameters, the debugfs error injection and procfs, by path.
 *
 * The rules every file obeys are kernfs's (fs/kernfs/file.c,
 * fs/sysfs/file.c): a write to a file without a write bit or store method
 * fails with -EACCES, a read of a write-only file likewise; at most
 * PAGE_SIZE bytes of a write are taken and NUL-terminated; a zero-length
 * write returns 0 without calling the store method; a successful store
 * returns the whole count.  The paths and modes are the kernel's:
 *
 *   /sys/devices/system/memory/{block_size_bytes,auto_online_blocks}
 *   /sys/devices/system/memory/memoryN/{state,online,phys_index,phys_device,
 *       removable,valid_zones,nodeX ->}
 *   /sys/devices/system/node/{possible,online,has_*}, nodeN/{meminfo,memoryM ->}
 *   /sys/module/memory_hotplug/parameters/ (all four)
 *   /sys/kernel/debug/notifier-error-inject/memory/actions/MEM_GOING_{ONLINE,OFFLINE}/error
 *   /proc/{meminfo,zoneinfo,vmstat,iomem,buddyinfo,pagetypeinfo}
 *   /sys/bus/dax, /sys/devices/platform/{hmem,dax_region}.R, /sys/dev/char (dax.c)
 *   /sys/bus/nd, /sys/class/nd and the nd buses' devices (nd_sysfs.c)
 *
 * As in the driver core, the tree is declared, not spelt out: each kind of
 * directory is a struct ktype with its fixed subdirectories, its files (a
 * struct kattr table: name, mode, show, store, declared once next to the
 * code that owns the object) and, for devices and links that come and go,
 * a lookup and a list method.  One walker resolves, stats, lists, reads
 * and writes every path from those.
 *
 * Writers that change memory take device_hotplug_lock, as the kernel's
 * lock_device_hotplug_sysfs does; readers of `state` take no lock, so
 * going-offline is visible while an offline runs.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "kernfs.h"

size_t nodemask_print(uint32_t mask, char *buf, size_t len)
{
	size_t n = 0;
	int i = 0;

	buf[0] = '\0';
	while (i < 32) {
		int j;

		if (!(mask & (1u << i))) {
			i++;
			continue;
		}
		for (j = i; j + 1 < 32 && (mask & (1u << (j + 1))); j++)
			;
		if (j == i)
			n += (size_t)snprintf(buf + n, len - n, "%s%d", n ? "," : "", i);
		else
			n += (size_t)snprintf(buf + n, len - n, "%s%d-%d", n ? "," : "", i, j);
		if (n >= len)
			return len - 1;
		i = j + 1;
	}
	return n;
}

/* ---- the tree's description (kernfs.h) ---------------------------------- */

void emit(struct lister *l, const char *name, enum memhp_file_type t, unsigned int mode,
		 const char *link)
{
	struct memhp_stat st = { .type = t, .mode = mode };

	if (l->ret)
		return;
	if (link)
		snprintf(st.link, sizeof(st.link), "%s", link);
	l->ret = l->fn(l->arg, name, &st);
}

/* a device's directory in a listing (sysfs: 0755) */
void emit_kdir(struct lister *l, const char *name)
{
	emit(l, name, MEMHP_FT_DIR, 0755, NULL);
}

/* a link of type t in a listing, its text made from ko */
void emit_klink(struct lister *l, const char *name, const struct ktype *t, const struct kobj *ko)
{
	char link[128];

	t->link(ko, link, sizeof(link));
	emit(l, name, MEMHP_FT_LINK, 0777, link);
}


static bool parse_ulong(const char *s, const char **end, unsigned long *v)
{
	char *e;

	if (*s < '0' || *s > '9')
		return false;
	*v = strtoul(s, &e, 10);
	*end = e;
	return true;
}

/* "<prefix><decimal>" and nothing more; leading zeros are taken, as ever */
static bool parse_numbered(const char *name, const char *prefix, unsigned long *v)
{
	size_t n = strlen(prefix);
	const char *end;

	return !strncmp(name, prefix, n) && parse_ulong(name + n, &end, v) && !*end;
}

/* a device name into ko->dev: false if it cannot be one */
static bool take_dev_name(struct kobj *ko, const char *name)
{
	size_t n = strlen(name);

	if (n >= sizeof(ko->dev))
		return false;
	memcpy(ko->dev, name, n + 1);
	return true;
}

/* ---- memory blocks: /sys/devices/system/memory ---------------------------- */

static const char *state_name(int state)
{
	switch (state) {
	case MEM_ONLINE: return "online";
	case MEM_OFFLINE: return "offline";
	case MEM_GOING_OFFLINE: return "going-offline";
	}
	return NULL;
}

static int block_size_bytes_show(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
				 struct sbuf *s)
{
	sbuf_printf(s, "%llx\n", (unsigned long long)m->block_size);
	return 0;
}

static int auto_online_blocks_show(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
				   struct sbuf *s)
{
	pthread_mutex_lock(&m->param_lock);
	sbuf_printf(s, "%s\n", online_type_to_str[m->params.default_online_type]);
	pthread_mutex_unlock(&m->param_lock);
	return 0;
}

static ssize_t auto_online_blocks_store(struct memhp_machine *m, const struct kobj *ko,
					const struct kattr *a, const char *buf, size_t count)
{
	int online_type = mhp_online_type_from_str(buf);

	if (online_type < 0)
		return -EINVAL;
	pthread_mutex_lock(&m->param_lock);
	m->params.default_online_type = online_type;
	pthread_mutex_unlock(&m->param_lock);
	return (ssize_t)count;
}

/*
 * A block's show methods hold a reference to it: the block may be removed
 * between the path's lookup and the show (-ENODEV then).
 */
#define BLOCK_SHOW(_name, _fmt, ...)								\
	static int _name##_show(struct memhp_machine *m, const struct kobj *ko,			\
				const struct kattr *a, struct sbuf *s)				\
	{											\
		struct memory_block *mem = get_memory_block(m, ko->id);				\
												\
		if (!mem)									\
			return -ENODEV;								\
		sbuf_printf(s, _fmt, __VA_ARGS__);						\
		put_memory_block(mem);								\
		return 0;									\
	}
BLOCK_SHOW(phys_index, "%08lx\n", mem->id)
BLOCK_SHOW(phys_device, "%s", "0\n")
BLOCK_SHOW(removable, "%s", "1\n")

static int state_show(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
		      struct sbuf *s)
{
	struct memory_block *mem = get_memory_block(m, ko->id);
	const char *name;
	int st;

	if (!mem)
		return -ENODEV;
	st = atomic_load(&mem->state);
	name = state_name(st);
	if (name)
		sbuf_printf(s, "%s\n", name);
	else
		sbuf_printf(s, "ERROR-UNKNOWN-%d\n", st);
	put_memory_block(mem);
	return 0;
}

static int online_show(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
		       struct sbuf *s)
{
	struct memory_block *mem = get_memory_block(m, ko->id);

	if (!mem)
		return -ENODEV;
	/* online_show takes the device lock: it waits for a transition */
	pthread_mutex_lock(&mem->dev_lock);
	sbuf_printf(s, "%u\n", !mem->dev_offline);
	pthread_mutex_unlock(&mem->dev_lock);
	put_memory_block(mem);
	return 0;
}

static int valid_zones_attr_show(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
				 struct sbuf *s)
{
	struct memory_block *mem = get_memory_block(m, ko->id);
	char buf[64];

	if (!mem)
		return -ENODEV;
	valid_zones_show(m, mem, buf, sizeof(buf));
	sbuf_printf(s, "%s", buf);
	put_memory_block(mem);
	return 0;
}

#define ONLINE_UNCHANGED (-1)	/* online with whatever mem->online_type holds */

/* a sysfs writer that changes a block: device_hotplug_lock, after parsing */
static int block_change(struct memhp_machine *m, const struct kobj *ko, int online_type)
{
	struct memory_block *mem;
	int ret;

	pthread_mutex_lock(&m->device_hotplug_lock);
	mem = find_memory_block_by_id(m, ko->id);
	if (!mem) {
		ret = -ENODEV;	/* removed since the path was resolved */
	} else if (online_type == MEMHP_MMOP_OFFLINE) {
		offline_cancel_arm(m, ko->cancel, ko->timeout_ms);
		ret = device_offline(m, mem);
		offline_cancel_disarm(m);
	} else {
		/*
		 * state_store hands its type to memory_subsys_online under
		 * device_hotplug_lock - and leaves it there when the block is
		 * already online (device_online returns 1 without calling it).
		 * The `online` file (ONLINE_UNCHANGED) sets nothing, so such a
		 * stale type is what a later online through it uses.
		 */
		if (online_type != ONLINE_UNCHANGED)
			mem->online_type = online_type;
		ret = device_online(m, mem);
	}
	pthread_mutex_unlock(&m->device_hotplug_lock);
	return ret;
}

static ssize_t state_store(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
			   const char *buf, size_t count)
{
	int online_type = mhp_online_type_from_str(buf);
	int ret;

	if (online_type < 0)
		return -EINVAL;	/* before any lock */
	ret = block_change(m, ko, online_type);
	if (ret < 0)
		return ret;
	if (ret > 0)
		return -EINVAL;	/* already in that state */
	return (ssize_t)count;
}

static ssize_t online_store(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
			    const char *buf, size_t count)
{
	bool val;
	int ret;

	if (kstrtobool(buf, &val))
		return -EINVAL;
	/* drivers/base/core.c online_store: device_online, no online_type */
	ret = block_change(m, ko, val ? ONLINE_UNCHANGED : MEMHP_MMOP_OFFLINE);
	return ret < 0 ? ret : (ssize_t)count;
}

static const struct kattr memory_root_attrs[] = {
	KATTR_RW(auto_online_blocks),
	KATTR_RO(block_size_bytes),
	{ }
};

static const struct kattr memory_block_attrs[] = {
	KATTR_RO(phys_index),
	KATTR_RW(state),
	KATTR_RW(online),
	KATTR_RO(phys_device),
	KATTR_RO(removable),
	KATTR(valid_zones, 0444, valid_zones_attr_show, NULL),
	{ }
};

static void block_node_link(const struct kobj *ko, char *buf, size_t len)
{
	snprintf(buf, len, "../../node/node%d", ko->nid);
}

static void node_block_link(const struct kobj *ko, char *buf, size_t len)
{
	snprintf(buf, len, "../../memory/memory%lu", ko->id);
}

static const struct ktype block_node_link_type = { .link = block_node_link };
static const struct ktype node_block_link_type = { .link = node_block_link };

/* memoryN/nodeX: a link per node the block's memory is on */
static const struct ktype *memory_block_lookup(struct memhp_machine *m, struct kobj *ko, const char *name)
{
	unsigned long nid;

	if (!parse_numbered(name, "node", &nid) || nid >= 32 ||
	    !(find_memory_block_by_id(m, ko->id)->node_links & (1u << nid)))
		return NULL;
	ko->nid = (int)nid;
	return &block_node_link_type;
}

static void memory_block_list(struct memhp_machine *m, const struct kobj *ko, struct lister *l)
{
	struct memory_block *mem = find_memory_block_by_id(m, ko->id);
	struct kobj link = *ko;
	char name[32];

	for (link.nid = 0; link.nid < 32; link.nid++) {
		if (!(mem->node_links & (1u << link.nid)))
			continue;
		snprintf(name, sizeof(name), "node%d", link.nid);
		emit_klink(l, name, &block_node_link_type, &link);
	}
}

static const struct ktype memory_block_type = {
	.attrs = memory_block_attrs,
	.lookup = memory_block_lookup,
	.list = memory_block_list,
};

static const struct ktype *memory_root_lookup(struct memhp_machine *m, struct kobj *ko, const char *name)
{
	unsigned long id;

	if (!parse_numbered(name, "memory", &id) || !find_memory_block_by_id(m, id))
		return NULL;
	ko->id = id;
	return &memory_block_type;
}

static void memory_root_list(struct memhp_machine *m, const struct kobj *ko, struct lister *l)
{
	char name[32];

	for (unsigned long id = 0; id < m->nr_block_ids; id++) {
		if (!m->blocks[id])
			continue;
		snprintf(name, sizeof(name), "memory%lu", id);
		emit_kdir(l, name);
	}
}

static const struct ktype memory_root_type = {
	.attrs = memory_root_attrs,
	.lookup = memory_root_lookup,
	.list = memory_root_list,
};

/* ---- nodes: /sys/devices/system/node ------------------------------------ */

static bool node_exists(struct memhp_machine *m, unsigned long nid)
{
	return nid < m->nr_nodes && m->nodes[nid].registered;
}

static int node_state_show(struct memhp_machine *m, int state, struct sbuf *s)
{
	char buf[128];
	uint32_t mask = 0;

	if (state >= 0) {
		pthread_mutex_lock(&m->span_lock);
		mask = m->node_masks[state];
		pthread_mutex_unlock(&m->span_lock);
	}
	nodemask_print(mask, buf, sizeof(buf));
	sbuf_printf(s, "%s\n", buf);
	return 0;
}

/* drivers/base/node.c _NODE_ATTR: one file per node state */
#define NODE_STATE_SHOW(_name, _state)								\
	static int node_##_name##_show(struct memhp_machine *m, const struct kobj *ko,		\
				       const struct kattr *a, struct sbuf *s)			\
	{											\
		return node_state_show(m, _state, s);						\
	}
NODE_STATE_SHOW(possible, N_POSSIBLE)
NODE_STATE_SHOW(online, N_ONLINE)
NODE_STATE_SHOW(has_normal_memory, N_NORMAL_MEMORY)
NODE_STATE_SHOW(has_memory, N_MEMORY)
NODE_STATE_SHOW(has_cpu, N_CPU)
NODE_STATE_SHOW(has_generic_initiator, -1)	/* never set: an empty mask */

static const struct kattr node_root_attrs[] = {
	KATTR(possible, 0444, node_possible_show, NULL),
	KATTR(online, 0444, node_online_show, NULL),
	KATTR(has_normal_memory, 0444, node_has_normal_memory_show, NULL),
	KATTR(has_memory, 0444, node_has_memory_show, NULL),
	KATTR(has_cpu, 0444, node_has_cpu_show, NULL),
	KATTR(has_generic_initiator, 0444, node_has_generic_initiator_show, NULL),
	{ }
};

static int node_meminfo_show(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
			     struct sbuf *s)
{
	node_meminfo(m, ko->nid, s);
	return 0;
}

static const struct kattr node_attrs[] = {
	KATTR(meminfo, 0444, node_meminfo_show, NULL),
	{ }
};

/* nodeN/memoryM: a link per block with memory on the node */
static const struct ktype *node_lookup(struct memhp_machine *m, struct kobj *ko, const char *name)
{
	struct memory_block *mem;
	unsigned long id;

	if (!parse_numbered(name, "memory", &id))
		return NULL;
	mem = find_memory_block_by_id(m, id);
	if (!mem || !(mem->node_links & (1u << ko->nid)))
		return NULL;
	ko->id = id;
	return &node_block_link_type;
}

static void node_list(struct memhp_machine *m, const struct kobj *ko, struct lister *l)
{
	struct kobj link = *ko;
	char name[32];

	for (link.id = 0; link.id < m->nr_block_ids; link.id++) {
		if (!m->blocks[link.id] || !(m->blocks[link.id]->node_links & (1u << ko->nid)))
			continue;
		snprintf(name, sizeof(name), "memory%lu", link.id);
		emit_klink(l, name, &node_block_link_type, &link);
	}
}

static const struct ktype node_type = {
	.attrs = node_attrs,
	.lookup = node_lookup,
	.list = node_list,
};

static const struct ktype *node_root_lookup(struct memhp_machine *m, struct kobj *ko, const char *name)
{
	unsigned long nid;

	if (!parse_numbered(name, "node", &nid) || !node_exists(m, nid))
		return NULL;
	ko->nid = (int)nid;
	return &node_type;
}

static void node_root_list(struct memhp_machine *m, const struct kobj *ko, struct lister *l)
{
	char name[32];

	for (unsigned int nid = 0; nid < m->nr_nodes; nid++) {
		if (!node_exists(m, nid))
			continue;
		snprintf(name, sizeof(name), "node%u", nid);
		emit_kdir(l, name);
	}
}

static const struct ktype node_root_type = {
	.attrs = node_root_attrs,
	.lookup = node_root_lookup,
	.list = node_root_list,
};

/* ---- modules: /sys/module ------------------------------------------------ */

static int param_show(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
		      struct sbuf *s)
{
	char buf[64];

	param_get(m, a->name, buf, sizeof(buf));
	sbuf_printf(s, "%s", buf);
	return 0;
}

static ssize_t param_store(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
			   const char *buf, size_t count)
{
	int ret = param_set(m, a->name, buf);

	return ret ? ret : (ssize_t)count;
}

static const struct kattr memory_hotplug_params[] = {
	KATTR(auto_movable_numa_aware, 0644, param_show, param_store),
	KATTR(auto_movable_ratio, 0644, param_show, param_store),
	KATTR(memmap_on_memory, 0444, param_show, NULL),	/* fixed at boot */
	KATTR(online_policy, 0644, param_show, param_store),
	{ }
};

static const struct ktype params_type = { .attrs = memory_hotplug_params };

/* the drivers memhp has built in are "live" for libkmod */
static int initstate_show(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
			  struct sbuf *s)
{
	sbuf_printf(s, "live\n");
	return 0;
}

static const struct kattr module_attrs[] = {
	KATTR_RO(initstate),
	{ }
};

static const struct ktype builtin_module_type = { .attrs = module_attrs };

/*
 * device_hmem (drivers/dax/hmem/device.c, built in whenever dax_hmem can
 * be): a built-in module shows only its parameters; memhp never sets
 * hmem.disable, so soft-reserved memory always gets its hmem.R devices.
 */
static int hmem_disable_show(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
			     struct sbuf *s)
{
	sbuf_printf(s, "N\n");
	return 0;
}

static const struct ktype device_hmem_params_type = {
	.attrs = (const struct kattr[]){ KATTR(disable, 0444, hmem_disable_show, NULL), { } },
};

/* ---- debugfs: notifier-error-inject/memory ------------------------------- */

static int error_show(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
		      struct sbuf *s)
{
	sbuf_printf(s, "%d\n", err_inject_get(m, (enum memhp_mem_action)ko->which));
	return 0;
}

/* simple_attr_write + debugfs_errno_set: kstrtoll, then clamp_t(int, ...) */
static ssize_t error_store(struct memhp_machine *m, const struct kobj *ko, const struct kattr *a,
			   const char *buf, size_t count)
{
	unsigned long long u;
	long long v;
	int ret;

	if (buf[0] == '-') {
		ret = kstrtoull(buf + 1, 0, &u);
		if (!ret && u > (unsigned long long)INT64_MAX + 1)
			ret = -ERANGE;
		v = (long long)(0 - u);
	} else {
		ret = kstrtoull(buf, 0, &u);
		if (!ret && u > INT64_MAX)
			ret = -ERANGE;
		v = (long long)u;
	}
	if (ret)
		return ret;
	err_inject_set(m, (enum memhp_mem_action)ko->which, (int)v);	/* the int cast truncates */
	return (ssize_t)count;
}

static const struct ktype inject_action_type = {
	.attrs = (const struct kattr[]){ KATTR(error, 0600, error_show, error_store), { } },
};

/* procfs directories are dr-xr-xr-x */
static const struct ktype proc_type = { .attrs = proc_attrs, .mode = 0555 };

/* ---- dax: /sys/bus/dax, /sys/devices/platform, /sys/dev/char -------------- */

/*
 * The driver-core layout of dax devices, as libdaxctl expects it: a device
 * lives under its region's parent device - the device alloc_dax_region
 * was given: dax_hmem's platform/hmem.R, dax_pmem's nd dax device
 * (.../ndbusB/regionN/daxN.K), memhp's own platform/dax_region.R for the
 * others - which has the dax_region/ attributes; a
 * device has a mappingN/ directory per range (dax_mapping devices);
 * /sys/bus/dax/devices/daxR.I, the drivers' entries and
 * /sys/dev/char/MAJOR:MINOR are links to it.  The character device
 * numbers are of major DAX_CHAR_MAJOR, a LOCAL/EXPERIMENTAL major
 * (Documentation/admin-guide/devices.txt) that no kernel allocates, so a
 * node made for it can never open a real device of the host.  A static
 * region's (pmem's) files are those bus.c's is_visible methods leave it.
 */

/* daxR.I under ko->parent -> "devices/PARENT/daxR.I", its place under /sys */
static void dax_dev_dir(const struct kobj *ko, char *buf, size_t len)
{
	snprintf(buf, len, "devices/%s/%s", ko->parent, ko->dev);
}

void sysfs_link_up(char *buf, size_t len, const char *dir, const char *to)
{
	size_t n = 0;

	buf[0] = '\0';
	for (const char *p = dir; *p && n < len; p++)
		if (p == dir || p[-1] == '/')
			n += (size_t)snprintf(buf + n, len - n, "../");
	if (n < len)
		snprintf(buf + n, len - n, "%s", to);
}

/* daxR.I -> its minor: R * 16 + I */
static int dax_minor(const char *dax)
{
	int region = 0, id = 0;

	sscanf(dax, "dax%d.%d", &region, &id);
	return region * 16 + id;
}

/* links, relative to the directory holding them */
static void dax_driver_link(const struct kobj *ko, char *buf, size_t len)
{
	char dir[DEVPATH_MAX + 32], to[64];

	dax_dev_dir(ko, dir, sizeof(dir));
	snprintf(to, sizeof(to), "bus/dax/drivers/%s", dax_driver_name((enum dax_driver)ko->which));
	sysfs_link_up(buf, len, dir, to);
}

static void dax_subsystem_link(const struct kobj *ko, char *buf, size_t len)
{
	char dir[DEVPATH_MAX + 32];

	dax_dev_dir(ko, dir, sizeof(dir));
	sysfs_link_up(buf, len, dir, "bus/dax");
}

static void dax_bus_link(const struct kobj *ko, char *buf, size_t len)
{
	char dev[DEVPATH_MAX + 32];

	dax_dev_dir(ko, dev, sizeof(dev));
	snprintf(buf, len, "../../../%s", dev);	/* from bus/dax/devices */
}

static void dax_drv_link(const struct kobj *ko, char *buf, size_t len)
{
	char dev[DEVPATH_MAX + 32];

	dax_dev_dir(ko, dev, sizeof(dev));
	snprintf(buf, len, "../../../../%s", dev);	/* from bus/dax/drivers/DRV */
}

static void dax_chardev_link(const struct kobj *ko, char *buf, size_t len)
{
	char dev[DEVPATH_MAX + 32];

	dax_dev_dir(ko, dev, sizeof(dev));
	snprintf(buf, len, "../../%s", dev);	/* from dev/char */
}

static const struct ktype dax_driver_link_type = { .link = dax_driver_link };
static const struct ktype dax_subsystem_link_type = { .link = dax_subsystem_link };
static const struct ktype dax_drv_link_type = { .link = dax_drv_link };
static const struct ktype dax_chardev_link_type = { .link = dax_chardev_link };

/* .../daxR.I/mappingN */
static const struct ktype dax_mapping_type = { .attrs = dax_mapping_attrs };

/* a dax device's directory, wherever it is reached from */
static const struct ktype *dax_dev_lookup(struct memhp_machine *m, struct kobj *ko, const char *name)
{
	int drv = dax_driver_of(m, ko->dev);
	unsigned long id;

	if (!strcmp(name, "driver") && drv > DAX_DRV_NONE) {
		ko->which = drv;
		return &dax_driver_link_type;
	}
	if (!strcmp(name, "subsystem"))
		return &dax_subsystem_link_type;
	if (parse_numbered(name, "mapping", &id) && id < 64 && dax_mapping_exists(m, ko->dev, (int)id)) {
		ko->which = (int)id;
		return &dax_mapping_type;
	}
	return NULL;
}

static int emit_dax_mapping_dir(void *arg, int id)
{
	char entry[32];

	snprintf(entry, sizeof(entry), "mapping%d", id);
	emit_kdir(arg, entry);
	return 0;
}

static void dax_dev_list(struct memhp_machine *m, const struct kobj *ko, struct lister *l)
{
	struct kobj link = *ko;

	link.which = dax_driver_of(m, ko->dev);
	if (link.which > DAX_DRV_NONE)
		emit_klink(l, "driver", &dax_driver_link_type, &link);
	emit_klink(l, "subsystem", &dax_subsystem_link_type, &link);
	dax_list_mappings(m, ko->dev, emit_dax_mapping_dir, l);
}

static const struct ktype dax_dev_type = {
	.attrs = dax_dev_attrs,
	.lookup = dax_dev_lookup,
	.list = dax_dev_list,
};

static const struct ktype dax_static_dev_type = {
	.attrs = dax_static_dev_attrs,
	.lookup = dax_dev_lookup,
	.list = dax_dev_list,
};

/* the bus entry is a link; a path through it resolves as followed */
static const struct ktype dax_bus_link_type = { .link = dax_bus_link, .follow = &dax_dev_type };
static const struct ktype dax_static_bus_link_type = { .link = dax_bus_link, .follow = &dax_static_dev_type };

/*
 * A device of the dax bus by name into ko->dev, its parent into
 * ko->parent: 1 of a static region, 0 of a dynamic one, -1 no device.
 */
static int dax_dev_take(struct memhp_machine *m, struct kobj *ko, const char *name)
{
	int region = -1, n = 0, kind;

	if (!take_dev_name(ko, name) || dax_driver_of(m, ko->dev) < 0)
		return -1;
	sscanf(name, "dax%d.%*d%n", &region, &n);
	kind = dax_region_parent(m, region, ko->parent, sizeof(ko->parent));
	return kind < 0 ? -1 : kind;
}

/* the listings of devices: one entry per device, from dax_list */
struct dev_emit {
	struct lister *l;
	struct kobj ko;
};

static void dev_emit_take(struct dev_emit *e, const char *name, const char *parent)
{
	snprintf(e->ko.dev, sizeof(e->ko.dev), "%s", name);
	snprintf(e->ko.parent, sizeof(e->ko.parent), "%s", parent);
}

static int emit_dax_bus_link(void *arg, const char *name, const char *parent)
{
	struct dev_emit *e = arg;

	dev_emit_take(e, name, parent);
	emit_klink(e->l, name, &dax_bus_link_type, &e->ko);
	return 0;
}

static int emit_dax_drv_link(void *arg, const char *name, const char *parent)
{
	struct dev_emit *e = arg;

	dev_emit_take(e, name, parent);
	emit_klink(e->l, name, &dax_drv_link_type, &e->ko);
	return 0;
}

static int emit_dax_chardev_link(void *arg, const char *name, const char *parent)
{
	struct dev_emit *e = arg;
	char entry[32];

	dev_emit_take(e, name, parent);
	snprintf(entry, sizeof(entry), "%d:%d", DAX_CHAR_MAJOR, dax_minor(name));
	emit_klink(e->l, entry, &dax_chardev_link_type, &e->ko);
	return 0;
}

static int emit_dax_dev_dir(void *arg, const char *name, const char *parent)
{
	emit_kdir(arg, name);
	return 0;
}

/* a region's platform device, by its name under platform/; others are listed by their bus */
static int emit_dax_region_dir(void *arg, const char *parent)
{
	if (!strncmp(parent, "platform/", 9) && !strchr(parent + 9, '/'))
		emit_kdir(arg, parent + 9);
	return 0;
}

/* /sys/bus/dax/devices */
static const struct ktype *dax_devices_lookup(struct memhp_machine *m, struct kobj *ko, const char *name)
{
	int kind = dax_dev_take(m, ko, name);

	return kind < 0 ? NULL : kind ? &dax_static_bus_link_type : &dax_bus_link_type;
}

static void dax_devices_list(struct memhp_machine *m, const struct kobj *ko, struct lister *l)
{
	struct dev_emit e = { l, *ko };

	dax_list(m, -1, DAX_DRV_NR, emit_dax_bus_link, &e);
}

static const struct ktype dax_devices_type = {
	.lookup = dax_devices_lookup,
	.list = dax_devices_list,
};

/* /sys/bus/dax/drivers/DRV: the driver files, a link per bound device */
static const struct ktype *dax_driver_lookup(struct memhp_machine *m, struct kobj *ko, const char *name)
{
	int which = ko->which;

	if (dax_dev_take(m, ko, name) < 0 || dax_driver_of(m, name) != which)
		return NULL;
	return &dax_drv_link_type;
}

static void dax_driver_list(struct memhp_machine *m, const struct kobj *ko, struct lister *l)
{
	struct dev_emit e = { l, *ko };

	dax_list(m, -1, (enum dax_driver)ko->which, emit_dax_drv_link, &e);
}

static const struct ktype dax_driver_type = {
	.attrs = dax_drv_attrs,
	.lookup = dax_driver_lookup,
	.list = dax_driver_list,
};

static const struct ktype dax_region_attrs_type = { .attrs = dax_region_attrs };
static const struct ktype dax_static_region_attrs_type = { .attrs = dax_static_region_attrs };

/*
 * devices/platform/PARENT (ko->dev its device 0): the dax_region/
 * attributes and the region's devices
 */
static const struct ktype *dax_region_lookup(struct memhp_machine *m, struct kobj *ko, const char *name)
{
	char parent[sizeof(ko->parent)];
	int kind;

	memcpy(parent, ko->parent, sizeof(parent));
	kind = dax_dev_take(m, ko, ko->dev);
	if (kind < 0)
		return NULL;
	if (!strcmp(name, "dax_region"))
		return kind ? &dax_static_region_attrs_type : &dax_region_attrs_type;
	/* only the region's own devices live under it: "daxR." */
	if (strncmp(name, ko->dev, strlen(ko->dev) - 1))
		return NULL;
	kind = dax_dev_take(m, ko, name);
	if (kind < 0 || strcmp(parent, ko->parent))
		return NULL;
	return kind ? &dax_static_dev_type : &dax_dev_type;
}

static void dax_region_list(struct memhp_machine *m, const struct kobj *ko, struct lister *l)
{
	int region = -1;

	emit_kdir(l, "dax_region");
	if (sscanf(ko->dev, "dax%d", &region) == 1)
		dax_list(m, region, DAX_DRV_NR, emit_dax_dev_dir, l);
}

static const struct ktype dax_region_type = {
	.lookup = dax_region_lookup,
	.list = dax_region_list,
};

/* whether region's parent is the device at devpath holder; its device 0 into ko */
static bool dax_region_holder_is(struct memhp_machine *m, struct kobj *ko, int region, const char *holder)
{
	snprintf(ko->dev, sizeof(ko->dev), "dax%d.0", region);
	return dax_region_parent(m, region, ko->parent, sizeof(ko->parent)) >= 0 && !strcmp(ko->parent, holder);
}

const struct ktype *dax_holder_lookup(struct memhp_machine *m, struct kobj *ko, int region, const char *holder,
				      const char *name)
{
	struct kobj dev = *ko;

	if (!dax_region_holder_is(m, &dev, region, holder))
		return NULL;
	*ko = dev;
	return dax_region_lookup(m, ko, name);
}

void dax_holder_list(struct memhp_machine *m, int region, const char *holder, struct lister *l)
{
	struct kobj dev = { 0 };

	if (dax_region_holder_is(m, &dev, region, holder))
		dax_region_list(m, &dev, l);
}

/* "hmem.R" or "dax_region.R", and only the one region R really has */
static const struct ktype *platform_lookup(struct memhp_machine *m, struct kobj *ko, const char *name)
{
	const char *rest;
	unsigned long region;
	size_t prefix;

	if (!strcmp(name, "e820_pmem"))
		return nd_platform_lookup(m, ko, name);
	if (!strncmp(name, "dax_region.", 11))
		prefix = 11;
	else if (!strncmp(name, "hmem.", 5))
		prefix = 5;
	else
		return cxl_platform_lookup(m, ko, name);
	if (!parse_ulong(name + prefix, &rest, &region) || region > 999)
		return NULL;
	/* only a region whose parent is this very platform device */
	if (dax_region_parent(m, (int)region, ko->parent, sizeof(ko->parent)) < 0 ||
	    strncmp(ko->parent, "platform/", 9) || strncmp(name, ko->parent + 9, (size_t)(rest - name)) ||
	    ko->parent[9 + (rest - name)])
		return NULL;
	snprintf(ko->dev, sizeof(ko->dev), "dax%lu.0", region);
	if (!*rest)
		return &dax_region_type;
	/*
	 * memhp has always taken the character after the number as the
	 * separator, whatever it is ("dax_region.0Xdax0.0" is the device):
	 * kept, so that no path changes meaning here.
	 */
	return dax_region_lookup(m, ko, rest + 1);
}

static void platform_list(struct memhp_machine *m, const struct kobj *ko, struct lister *l)
{
	dax_list_regions(m, emit_dax_region_dir, l);
	cxl_platform_list(m, l);
	nd_platform_list(m, l);
}

static const struct ktype platform_type = {
	.lookup = platform_lookup,
	.list = platform_list,
};

/* /sys/dev/char/MAJOR:MINOR of a dax device */
static const struct ktype *chardev_lookup(struct memhp_machine *m, struct kobj *ko, const char *name)
{
	unsigned int major, minor;
	char dev[32];
	int n = 0;

	if (sscanf(name, "%u:%u%n", &major, &minor, &n) != 2 || name[n])
		return NULL;
	if (major != DAX_CHAR_MAJOR)
		return nd_chardev_lookup(m, ko, major, minor);
	snprintf(dev, sizeof(dev), "dax%u.%u", minor / 16, minor % 16);
	if (dax_dev_take(m, ko, dev) < 0)
		return NULL;
	return &dax_chardev_link_type;
}

static void chardev_list(struct memhp_machine *m, const struct kobj *ko, struct lister *l)
{
	struct dev_emit e = { l, *ko };

	dax_list(m, -1, DAX_DRV_NR, emit_dax_chardev_link, &e);
	nd_chardev_list(m, l);
}

static const struct ktype chardev_type = {
	.lookup = chardev_lookup,
	.list = chardev_list,
};

/* ---- the tree ------------------------------------------------------------- */

/* /sys/devices: system and platform always, the NFIT's ACPI devices while it has a bus */
static const struct ktype *sys_devices_lookup(struct memhp_machine *m, struct kobj *ko, const char *name)
{
	return nd_sys_devices_lookup(m, ko, name);
}

static void sys_devices_list(struct memhp_machine *m, const struct kobj *ko, struct lister *l)
{
	nd_sys_devices_list(m, l);
}

/* /sys/bus: dax and nd always, cxl while a CXL topology exists */
static const struct ktype *bus_lookup(struct memhp_machine *m, struct kobj *ko, const char *name)
{
	return cxl_bus_lookup(m, ko, name);
}

static void bus_list(struct memhp_machine *m, const struct kobj *ko, struct lister *l)
{
	cxl_bus_list(m, l);
}

static const struct ktype *const root_type = KDIRS(
	KDIR("sys", KDIRS(
		KDIR("devices", (&(const struct ktype){
			.lookup = sys_devices_lookup, .list = sys_devices_list, .dirs = (const struct kdirent[]){
			KDIR("system", KDIRS(
				KDIR("memory", &memory_root_type),
				KDIR("node", &node_root_type))),
			KDIR("platform", &platform_type), { } } })),
		KDIR("module", KDIRS(
			KDIR("memory_hotplug", KDIRS(
				KDIR("parameters", &params_type))),
			KDIR("dax_pmem", &builtin_module_type),
			KDIR("dax_hmem", &builtin_module_type),
			KDIR("device_hmem", KDIRS(
				KDIR("parameters", &device_hmem_params_type))),
			KDIR("device_dax", &builtin_module_type),
			KDIR("kmem", &builtin_module_type),
			KDIR("nd_pmem", &builtin_module_type),
			/* libcxl's bind asks libkmod for the modalias's module first */
			KDIR("cxl_acpi", &builtin_module_type),
			KDIR("cxl_core", &builtin_module_type),
			KDIR("cxl_mem", &builtin_module_type),
			KDIR("cxl_port", &builtin_module_type))),
		KDIR("kernel", KDIRS(
			KDIR("debug", KDIRS(
				KDIR("notifier-error-inject", KDIRS(
					KDIR("memory", KDIRS(
						KDIR("actions", KDIRS(
							KDIR_FOR("MEM_GOING_ONLINE", &inject_action_type,
								 MEMHP_MEM_GOING_ONLINE),
							KDIR_FOR("MEM_GOING_OFFLINE", &inject_action_type,
								 MEMHP_MEM_GOING_OFFLINE))))))))))),
		KDIR("bus", (&(const struct ktype){
			.lookup = bus_lookup, .list = bus_list, .dirs = (const struct kdirent[]){
			KDIR("dax", KDIRS(
				KDIR("devices", &dax_devices_type),
				KDIR("drivers", KDIRS(
					KDIR_FOR("device_dax", &dax_driver_type, DAX_DRV_DEVICE),
					KDIR_FOR("kmem", &dax_driver_type, DAX_DRV_KMEM))))),
			KDIR("nd", &nd_subsys_type), { } } })),
		KDIR("class", KDIRS(
			KDIR("nd", &nd_class_type))),
		KDIR("dev", KDIRS(
			KDIR("char", &chardev_type))))),
	KDIR("proc", &proc_type));

/* ---- the walker ------------------------------------------------------------ */

/* the child `name` of what k names, into k */
static int lookup_child(struct memhp_machine *m, struct kpath *k, const char *name)
{
	const struct ktype *t = k->type;

	if (k->attr || !*name)
		return -ENOENT;		/* files have no children; no name is empty */
	if (t->link) {
		if (!t->follow)
			return -ENOENT;
		t = t->follow;
	}
	for (const struct kdirent *d = t->dirs; d && d->name; d++) {
		if (!strcmp(d->name, name)) {
			k->type = d->type;
			k->ko.which = d->which;
			return 0;
		}
	}
	for (const struct kattr *a = t->attrs; a && a->name; a++) {
		if (!strcmp(a->name, name)) {
			k->type = t;
			k->attr = a;
			return 0;
		}
	}
	k->type = t->lookup ? t->lookup(m, &k->ko, name) : NULL;
	return k->type ? 0 : -ENOENT;
}

/* Resolve a path; caller holds blocks_lock (blocks come and go). */
static int resolve(struct memhp_machine *m, const char *path, struct kpath *k)
{
	char clean[512], *name, *next;
	size_t plen = strlen(path);
	int ret;

	if (plen >= sizeof(clean) || path[0] != '/')
		return -ENOENT;
	memcpy(clean, path, plen + 1);
	while (plen > 1 && clean[plen - 1] == '/')
		clean[--plen] = '\0';
	memset(k, 0, sizeof(*k));
	k->type = root_type;
	for (name = clean + 1; *name; name = next) {
		next = name + strcspn(name, "/");
		if (*next)
			*next++ = '\0';
		ret = lookup_child(m, k, name);
		if (ret)
			return ret;
	}
	return 0;
}

static bool is_link(const struct kpath *k)
{
	return !k->attr && k->type->link;
}

static bool is_dir(const struct kpath *k)
{
	return !k->attr && !k->type->link;
}

/* a file's mode, a directory's (0755, /proc's 0555), a link's 0777 */
static unsigned int kpath_mode(const struct kpath *k)
{
	if (k->attr)
		return k->attr->mode;
	return is_link(k) ? 0777 : KDIR_MODE(k->type);
}

/* render a file into s (the caller frees s->buf); 0 or -errno */
static int file_render(struct memhp_machine *m, const char *path, struct sbuf *s)
{
	struct kpath k;
	int ret;

	/* like kernfs's active references: blocks cannot vanish meanwhile, and
	 * no device_hotplug_lock, so `state` reads never wait for an offline */
	pthread_rwlock_rdlock(&m->blocks_lock);
	ret = resolve(m, path, &k);
	if (!ret && !k.attr)
		ret = -EISDIR;	/* every link here points at a directory */
	else if (!ret && (!(k.attr->mode & 0444) || !k.attr->show))
		ret = -EACCES;
	/*
	 * Shown after blocks_lock is dropped: procfs takes mem_hotplug_lock and
	 * `online` a block's device lock, which add/online hold while they
	 * create blocks; a block attribute holds a reference to its block.
	 */
	pthread_rwlock_unlock(&m->blocks_lock);
	if (!ret)
		ret = k.attr->show(m, &k.ko, k.attr, s);
	if (!ret && s->nomem)
		ret = -ENOMEM;
	return ret;
}

ssize_t memhp_file_read(struct memhp_machine *m, const char *path, char *buf, size_t len)
{
	machine_check(m);
	struct sbuf s = { 0 };
	int ret = file_render(m, path, &s);

	if (ret) {
		free(s.buf);
		return ret;
	}
	if (buf && len) {
		size_t c = MIN(s.len, len - 1);

		memcpy(buf, s.buf ? s.buf : "", c);
		buf[c] = '\0';
	}
	free(s.buf);
	return (ssize_t)s.len;
}

ssize_t memhp_file_read_alloc(struct memhp_machine *m, const char *path, char **out)
{
	machine_check(m);
	struct sbuf s = { 0 };
	int ret = file_render(m, path, &s);

	*out = NULL;
	if (!ret && !s.buf)
		s.buf = calloc(1, 1);	/* an empty file is still a string */
	if (!ret && !s.buf)
		ret = -ENOMEM;
	if (ret) {
		free(s.buf);
		return ret;
	}
	*out = s.buf;
	return (ssize_t)s.len;
}

ssize_t memhp_file_write_cancellable(struct memhp_machine *m, const char *path, const char *buf,
				     size_t len, const volatile int *cancel, unsigned int timeout_ms)
{
	machine_check(m);
	struct kpath k;
	char *copy;
	ssize_t ret;

	pthread_rwlock_rdlock(&m->blocks_lock);
	ret = resolve(m, path, &k);
	pthread_rwlock_unlock(&m->blocks_lock);
	if (ret)
		return ret;
	if (!k.attr)
		return -EISDIR;
	if (!(k.attr->mode & 0222) || !k.attr->store)
		return -EACCES;	/* kernfs_fop_open: no write bit, no store */
	if (!len)
		return 0;	/* sysfs_kf_write: zero-length writes are no-ops */
	len = MIN(len, (size_t)m->page_size);
	copy = malloc(len + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, buf, len);
	copy[len] = '\0';
	k.ko.cancel = cancel;
	k.ko.timeout_ms = timeout_ms;
	ret = k.attr->store(m, &k.ko, k.attr, copy, len);
	free(copy);
	return ret;
}

ssize_t memhp_file_write(struct memhp_machine *m, const char *path, const char *buf, size_t len)
{
	machine_check(m);
	return memhp_file_write_cancellable(m, path, buf, len, NULL, 0);
}

int memhp_file_stat(struct memhp_machine *m, const char *path, struct memhp_stat *st)
{
	machine_check(m);
	struct kpath k;
	int ret;

	memset(st, 0, sizeof(*st));
	pthread_rwlock_rdlock(&m->blocks_lock);
	ret = resolve(m, path, &k);
	if (!ret) {
		st->mode = kpath_mode(&k);
		st->type = is_dir(&k) ? MEMHP_FT_DIR : is_link(&k) ? MEMHP_FT_LINK : MEMHP_FT_FILE;
		if (is_link(&k))
			k.type->link(&k.ko, st->link, sizeof(st->link));
	}
	pthread_rwlock_unlock(&m->blocks_lock);
	return ret;
}

int memhp_file_list(struct memhp_machine *m, const char *path,
		    int (*fn)(void *arg, const char *name, const struct memhp_stat *st), void *arg)
{
	machine_check(m);
	struct lister l = { fn, arg, 0 };
	struct kpath k;
	int ret;

	pthread_rwlock_rdlock(&m->blocks_lock);
	ret = resolve(m, path, &k);
	if (!ret && !is_dir(&k))
		ret = -ENOTDIR;
	if (!ret) {
		/* the fixed subdirectories, the files, then what comes and goes */
		for (const struct kdirent *d = k.type->dirs; d && d->name; d++)
			emit(&l, d->name, MEMHP_FT_DIR, KDIR_MODE(d->type), NULL);
		for (const struct kattr *a = k.type->attrs; a && a->name; a++)
			emit(&l, a->name, MEMHP_FT_FILE, a->mode, NULL);
		if (k.type->list)
			k.type->list(m, &k.ko, &l);
		ret = l.ret;
	}
	pthread_rwlock_unlock(&m->blocks_lock);
	return ret;
}
