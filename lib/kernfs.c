// SPDX-License-Identifier: MIT
/*
 * kernfs.c - the kernel's files: sysfs, the memory_hotplug module
 * parameters and the debugfs error injection, by path.
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
 *
 * Writers that change memory take device_hotplug_lock, as the kernel's
 * lock_device_hotplug_sysfs does; readers of `state` take no lock, so
 * going-offline is visible while an offline runs.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

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

/* ---- path parsing ----------------------------------------------------- */

enum node_kind {
	K_DIR, K_BLOCK_SIZE, K_AUTO_ONLINE, K_BLOCK_ATTR, K_BLOCK_NODE_LINK, K_NODE_STATE,
	K_NODE_MEMINFO, K_NODE_BLOCK_LINK, K_PARAM, K_INJECT_ERROR, K_PROC,
	K_DAX_DEV, K_DAX_ATTR, K_DAX_DRIVER_LINK, K_DAX_DRV_FILE, K_DAX_DRV_LINK,
	K_ND_DEV, K_ND_ATTR, K_ND_DRIVER_LINK, K_ND_DRV_FILE, K_ND_DRV_LINK,
	K_DAX_BUS_LINK, K_DAX_SUBSYS_LINK, K_DAX_REGION_DIR, K_DAX_REGION_ATTR, K_CHARDEV_LINK,
	K_MODULE_INITSTATE,
};

struct kpath {
	enum node_kind kind;
	unsigned int mode;
	const char *name;	/* attribute, state file or proc file */
	unsigned long id;	/* block id */
	int nid;
	int action;
	char dax[16];		/* daxR.I */
	int drv;		/* enum dax_driver */
};

static const char *const block_attrs[] = {
	"phys_index", "state", "online", "phys_device", "removable", "valid_zones",
};
static const unsigned int block_attr_modes[] = { 0444, 0644, 0644, 0444, 0444, 0444 };
static const char *const node_state_files[] = {
	"possible", "online", "has_normal_memory", "has_memory", "has_cpu", "has_generic_initiator",
};
static const char *const param_names[] = {
	"auto_movable_numa_aware", "auto_movable_ratio", "memmap_on_memory", "online_policy",
};
static const char *const proc_files[] = {
	"buddyinfo", "iomem", "meminfo", "pagetypeinfo", "vmstat", "zoneinfo",
};

#define MEMDIR "/sys/devices/system/memory"
#define NODEDIR "/sys/devices/system/node"
#define PARAMDIR "/sys/module/memory_hotplug/parameters"
#define INJDIR "/sys/kernel/debug/notifier-error-inject/memory"
#define DAXDIR "/sys/bus/dax"

static const char *const dax_attrs[] = {
	"align", "dev", "memmap_on_memory", "modalias", "numa_node", "resource", "size", "target_node",
};
static const unsigned int dax_attr_modes[] = { 0444, 0444, 0644, 0444, 0444, 0400, 0444, 0444 };

/*
 * The driver-core layout of dax devices, as libdaxctl expects it: a device
 * lives under its region's platform device, which has the dax_region/
 * attributes; /sys/bus/dax/devices/daxR.I, the drivers' entries and
 * /sys/dev/char/MAJOR:MINOR are links to it.  The character device
 * numbers are of major DAX_CHAR_MAJOR, a LOCAL/EXPERIMENTAL major
 * (Documentation/admin-guide/devices.txt) that no kernel allocates, so a
 * node made for it can never open a real device of the host.
 */
#define PLATDIR "/sys/devices/platform"
#define CHARDIR "/sys/dev/char"
static const char *const dax_region_attrs[] = { "align", "available_size", "id", "size" };
/* the drivers memhp has built in, "live" for libkmod */
static const char *const builtin_modules[] = { "dax_pmem", "device_dax", "kmem", "nd_pmem" };
static const char *const dax_drv_files[] = { "bind", "new_id", "remove_id", "unbind" };

#define NDDIR "/sys/bus/nd"

/* a namespace's attributes, then a dax seed's */
static const char *const nd_ns_attrs[] = { "mode", "numa_node", "resource", "size" };
static const unsigned int nd_ns_attr_modes[] = { 0444, 0444, 0400, 0444 };
static const char *const nd_dax_attrs[] = { "align", "mode", "namespace", "uuid" };
static const unsigned int nd_dax_attr_modes[] = { 0644, 0644, 0644, 0644 };
static const char *const nd_drv_files[] = { "bind", "unbind" };

static bool parse_ulong(const char *s, const char **end, unsigned long *v)
{
	char *e;

	if (*s < '0' || *s > '9')
		return false;
	*v = strtoul(s, &e, 10);
	*end = e;
	return true;
}

static int find_name(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(names[i], s))
			return (int)i;
	return -1;
}

static bool node_exists(struct memhp_machine *m, unsigned long nid)
{
	return nid < m->nr_nodes && m->nodes[nid].registered;
}

static const char *const dirs[] = {
	"/", "/sys", "/sys/devices", "/sys/devices/system", MEMDIR, NODEDIR, "/sys/module",
	"/sys/module/memory_hotplug", PARAMDIR, "/sys/kernel", "/sys/kernel/debug",
	"/sys/kernel/debug/notifier-error-inject", INJDIR, INJDIR "/actions",
	INJDIR "/actions/MEM_GOING_ONLINE", INJDIR "/actions/MEM_GOING_OFFLINE", "/proc",
	"/sys/bus", DAXDIR, DAXDIR "/devices", DAXDIR "/drivers", DAXDIR "/drivers/device_dax",
	DAXDIR "/drivers/kmem", NDDIR, NDDIR "/devices", NDDIR "/drivers", NDDIR "/drivers/nd_pmem",
	NDDIR "/drivers/dax_pmem", PLATDIR, "/sys/dev", CHARDIR, "/sys/module/dax_pmem",
	"/sys/module/device_dax", "/sys/module/kmem", "/sys/module/nd_pmem",
};

/* daxR.I -> "devices/platform/dax_region.R/daxR.I", the device's place under /sys */
static void dax_dev_dir(const char *dax, char *buf, size_t len)
{
	int region = 0;

	sscanf(dax, "dax%d", &region);
	snprintf(buf, len, "devices/platform/dax_region.%d/%s", region, dax);
}

/* daxR.I -> its minor: R * 16 + I */
static int dax_minor(const char *dax)
{
	int region = 0, id = 0;

	sscanf(dax, "dax%d.%d", &region, &id);
	return region * 16 + id;
}

/* the first component of name into k->dax; its length, or -ENOENT */
static long take_dev_name(const char *name, struct kpath *k)
{
	size_t n = strcspn(name, "/");

	if (n >= sizeof(k->dax))
		return -ENOENT;
	memcpy(k->dax, name, n);
	k->dax[n] = '\0';
	return (long)n;
}

/* a dax device's directory: its attributes, driver and subsystem links */
static int resolve_dax_dev(struct memhp_machine *m, const char *name, struct kpath *k)
{
	long n = take_dev_name(name, k);
	int i, drv;

	if (n < 0)
		return -ENOENT;
	drv = dax_driver_of(m, k->dax);
	if (drv < 0)
		return -ENOENT;
	if (!name[n]) {
		k->kind = K_DAX_DEV;
		return 0;
	}
	name += n + 1;
	k->mode = 0777;
	if (!strcmp(name, "driver") && drv != DAX_DRV_NONE) {
		k->kind = K_DAX_DRIVER_LINK;
		k->drv = drv;
		return 0;
	}
	if (!strcmp(name, "subsystem")) {
		k->kind = K_DAX_SUBSYS_LINK;
		return 0;
	}
	i = find_name(dax_attrs, ARRAY_SIZE(dax_attrs), name);
	if (i < 0)
		return -ENOENT;
	k->kind = K_DAX_ATTR;
	k->name = dax_attrs[i];
	k->mode = dax_attr_modes[i];
	return 0;
}

/* /sys/devices/platform/dax_region.R[/dax_region[/attr]|/daxR.I[/...]] */
static int resolve_dax_platform(struct memhp_machine *m, const char *path, struct kpath *k)
{
	const char *rest;
	char dev[16];
	unsigned long region;
	int i;

	if (strncmp(path, PLATDIR "/dax_region.", sizeof(PLATDIR "/dax_region.") - 1) ||
	    !parse_ulong(path + sizeof(PLATDIR "/dax_region.") - 1, &rest, &region) || region > 999)
		return -ENOENT;
	snprintf(dev, sizeof(dev), "dax%lu.0", region);
	if (dax_driver_of(m, dev) < 0)
		return -ENOENT;
	snprintf(k->dax, sizeof(k->dax), "%s", dev);
	if (!*rest) {
		k->kind = K_DAX_REGION_DIR;
		return 0;
	}
	rest++;
	if (!strcmp(rest, "dax_region")) {
		k->kind = K_DAX_REGION_DIR;
		k->name = "dax_region";
		return 0;
	}
	if (!strncmp(rest, "dax_region/", 11)) {
		i = find_name(dax_region_attrs, ARRAY_SIZE(dax_region_attrs), rest + 11);
		if (i < 0)
			return -ENOENT;
		k->kind = K_DAX_REGION_ATTR;
		k->name = dax_region_attrs[i];
		k->mode = 0444;
		return 0;
	}
	/* only the region's own devices live under it */
	if (strncmp(rest, dev, strlen(dev) - 1))
		return -ENOENT;
	return resolve_dax_dev(m, rest, k);
}

/* /sys/dev/char/MAJOR:MINOR of a dax device */
static int resolve_chardev(struct memhp_machine *m, const char *name, struct kpath *k)
{
	unsigned int major, minor;
	char dev[16];
	int n = 0;

	if (sscanf(name, "%u:%u%n", &major, &minor, &n) != 2 || name[n] || major != DAX_CHAR_MAJOR)
		return -ENOENT;
	snprintf(dev, sizeof(dev), "dax%u.%u", minor / 16, minor % 16);
	if (dax_driver_of(m, dev) < 0)
		return -ENOENT;
	snprintf(k->dax, sizeof(k->dax), "%s", dev);
	k->kind = K_CHARDEV_LINK;
	k->mode = 0777;
	return 0;
}

static int nd_driver_index(const char *name, size_t len)
{
	for (int d = ND_DRV_PMEM; d < ND_DRV_NR; d++)
		if (strlen(nd_driver_name((enum nd_driver)d)) == len &&
		    !strncmp(name, nd_driver_name((enum nd_driver)d), len))
			return d;
	return -1;
}

/* /sys/bus/nd/devices/<dev>[/attr|/driver] and /sys/bus/nd/drivers/<drv>/... */
static int resolve_nd(struct memhp_machine *m, const char *path, struct kpath *k)
{
	const char *name;
	size_t n;
	int i, drv;

	if (!strncmp(path, NDDIR "/devices/", sizeof(NDDIR "/devices/") - 1)) {
		name = path + sizeof(NDDIR "/devices/") - 1;
		if (take_dev_name(name, k) < 0)
			return -ENOENT;
		n = strlen(k->dax);
		drv = nd_driver_of(m, k->dax);
		if (drv < 0)
			return -ENOENT;
		if (!name[n]) {
			k->kind = K_ND_DEV;
			return 0;
		}
		name += n + 1;
		if (!strcmp(name, "driver") && drv != ND_DRV_NONE) {
			k->kind = K_ND_DRIVER_LINK;
			k->drv = drv;
			k->mode = 0777;
			return 0;
		}
		if (nd_is_namespace(k->dax)) {
			i = find_name(nd_ns_attrs, ARRAY_SIZE(nd_ns_attrs), name);
			if (i < 0)
				return -ENOENT;
			k->name = nd_ns_attrs[i];
			k->mode = nd_ns_attr_modes[i];
		} else {
			i = find_name(nd_dax_attrs, ARRAY_SIZE(nd_dax_attrs), name);
			if (i < 0)
				return -ENOENT;
			k->name = nd_dax_attrs[i];
			k->mode = nd_dax_attr_modes[i];
		}
		k->kind = K_ND_ATTR;
		return 0;
	}
	name = path + sizeof(NDDIR "/drivers/") - 1;
	n = strcspn(name, "/");
	drv = nd_driver_index(name, n);
	if (drv < 0 || !name[n])
		return -ENOENT;
	k->drv = drv;
	name += n + 1;
	i = find_name(nd_drv_files, ARRAY_SIZE(nd_drv_files), name);
	if (i >= 0) {
		k->kind = K_ND_DRV_FILE;
		k->name = nd_drv_files[i];
		k->mode = 0200;
		return 0;
	}
	if (strlen(name) < sizeof(k->dax) && nd_driver_of(m, name) == drv) {
		snprintf(k->dax, sizeof(k->dax), "%s", name);
		k->kind = K_ND_DRV_LINK;
		k->mode = 0777;
		return 0;
	}
	return -ENOENT;
}

/* Resolve a path; caller holds device_hotplug_lock (blocks come and go). */
static int resolve(struct memhp_machine *m, const char *path, struct kpath *k)
{
	const char *rest;
	unsigned long v;
	size_t plen = strlen(path);
	char clean[512];

	if (plen >= sizeof(clean) || path[0] != '/')
		return -ENOENT;
	memcpy(clean, path, plen + 1);
	while (plen > 1 && clean[plen - 1] == '/')
		clean[--plen] = '\0';
	path = clean;
	memset(k, 0, sizeof(*k));
	k->mode = 0555;
	if (find_name(dirs, ARRAY_SIZE(dirs), path) >= 0)
		return 0;
	if (!strncmp(path, MEMDIR "/", sizeof(MEMDIR))) {
		rest = path + sizeof(MEMDIR);
		if (!strcmp(rest, "block_size_bytes")) {
			k->kind = K_BLOCK_SIZE;
			k->mode = 0444;
			return 0;
		}
		if (!strcmp(rest, "auto_online_blocks")) {
			k->kind = K_AUTO_ONLINE;
			k->mode = 0644;
			return 0;
		}
		if (strncmp(rest, "memory", 6) || !parse_ulong(rest + 6, &rest, &v))
			return -ENOENT;
		if (!find_memory_block_by_id(m, v))
			return -ENOENT;
		k->id = v;
		if (!*rest)
			return 0;
		if (*rest++ != '/')
			return -ENOENT;
		if (!strncmp(rest, "node", 4) && parse_ulong(rest + 4, &path, &v) && !*path) {
			if (v >= 32 || !(find_memory_block_by_id(m, k->id)->node_links & (1u << v)))
				return -ENOENT;
			k->kind = K_BLOCK_NODE_LINK;
			k->nid = (int)v;
			k->mode = 0777;
			return 0;
		}
		int i = find_name(block_attrs, ARRAY_SIZE(block_attrs), rest);

		if (i < 0)
			return -ENOENT;
		k->kind = K_BLOCK_ATTR;
		k->name = block_attrs[i];
		k->mode = block_attr_modes[i];
		return 0;
	}
	if (!strncmp(path, NODEDIR "/", sizeof(NODEDIR))) {
		int i;

		rest = path + sizeof(NODEDIR);
		i = find_name(node_state_files, ARRAY_SIZE(node_state_files), rest);
		if (i >= 0) {
			k->kind = K_NODE_STATE;
			k->name = node_state_files[i];
			k->mode = 0444;
			return 0;
		}
		if (strncmp(rest, "node", 4) || !parse_ulong(rest + 4, &rest, &v) || !node_exists(m, v))
			return -ENOENT;
		k->nid = (int)v;
		if (!*rest)
			return 0;
		if (!strcmp(rest, "/meminfo")) {
			k->kind = K_NODE_MEMINFO;
			k->mode = 0444;
			return 0;
		}
		if (!strncmp(rest, "/memory", 7) && parse_ulong(rest + 7, &path, &v) && !*path) {
			struct memory_block *mem = find_memory_block_by_id(m, v);

			if (!mem || !(mem->node_links & (1u << k->nid)))
				return -ENOENT;
			k->kind = K_NODE_BLOCK_LINK;
			k->id = v;
			k->mode = 0777;
			return 0;
		}
		return -ENOENT;
	}
	if (!strncmp(path, PARAMDIR "/", sizeof(PARAMDIR))) {
		int i = find_name(param_names, ARRAY_SIZE(param_names), path + sizeof(PARAMDIR));

		if (i < 0)
			return -ENOENT;
		k->kind = K_PARAM;
		k->name = param_names[i];
		k->mode = !strcmp(k->name, "memmap_on_memory") ? 0444 : 0644;
		return 0;
	}
	if (!strcmp(path, INJDIR "/actions/MEM_GOING_ONLINE/error") ||
	    !strcmp(path, INJDIR "/actions/MEM_GOING_OFFLINE/error")) {
		k->kind = K_INJECT_ERROR;
		k->mode = 0600;
		k->action = strstr(path, "GOING_ONLINE") ? MEMHP_MEM_GOING_ONLINE : MEMHP_MEM_GOING_OFFLINE;
		return 0;
	}
	if (!strncmp(path, DAXDIR "/devices/", sizeof(DAXDIR "/devices/") - 1)) {
		const char *name = path + sizeof(DAXDIR "/devices/") - 1;
		int ret = resolve_dax_dev(m, name, k);

		/* the bus entry is a link; a path through it resolves as followed */
		if (!ret && k->kind == K_DAX_DEV) {
			k->kind = K_DAX_BUS_LINK;
			k->mode = 0777;
		}
		return ret;
	}
	if (!strncmp(path, PLATDIR "/", sizeof(PLATDIR)))
		return resolve_dax_platform(m, path, k);
	if (!strncmp(path, CHARDIR "/", sizeof(CHARDIR)))
		return resolve_chardev(m, path + sizeof(CHARDIR), k);
	if (!strncmp(path, "/sys/module/", 12) && strstr(path, "/initstate") &&
	    !strcmp(strstr(path, "/initstate"), "/initstate")) {
		char mod[32];
		size_t n = (size_t)(strstr(path, "/initstate") - (path + 12));

		if (n >= sizeof(mod))
			return -ENOENT;
		memcpy(mod, path + 12, n);
		mod[n] = '\0';
		if (find_name(builtin_modules, ARRAY_SIZE(builtin_modules), mod) < 0)
			return -ENOENT;
		k->kind = K_MODULE_INITSTATE;
		k->mode = 0444;
		return 0;
	}
	if (!strncmp(path, DAXDIR "/drivers/", sizeof(DAXDIR "/drivers/") - 1)) {
		const char *name = path + sizeof(DAXDIR "/drivers/") - 1, *file;
		int i;

		if (!strncmp(name, "device_dax/", 11)) {
			k->drv = DAX_DRV_DEVICE;
			file = name + 11;
		} else if (!strncmp(name, "kmem/", 5)) {
			k->drv = DAX_DRV_KMEM;
			file = name + 5;
		} else {
			return -ENOENT;
		}
		i = find_name(dax_drv_files, ARRAY_SIZE(dax_drv_files), file);
		if (i >= 0) {
			k->kind = K_DAX_DRV_FILE;
			k->name = dax_drv_files[i];
			k->mode = 0200;
			return 0;
		}
		size_t len = strlen(file);

		if (len < sizeof(k->dax) && dax_driver_of(m, file) == k->drv) {
			/* Length checked above: copy with its terminator. */
			memcpy(k->dax, file, len + 1);
			k->kind = K_DAX_DRV_LINK;
			k->mode = 0777;
			return 0;
		}
		return -ENOENT;
	}
	if (!strncmp(path, NDDIR "/devices/", sizeof(NDDIR "/devices/") - 1) ||
	    !strncmp(path, NDDIR "/drivers/", sizeof(NDDIR "/drivers/") - 1))
		return resolve_nd(m, path, k);
	if (!strncmp(path, "/proc/", 6)) {
		int i = find_name(proc_files, ARRAY_SIZE(proc_files), path + 6);

		if (i < 0)
			return -ENOENT;
		k->kind = K_PROC;
		k->name = proc_files[i];
		k->mode = !strcmp(k->name, "pagetypeinfo") ? 0400 : 0444;
		return 0;
	}
	return -ENOENT;
}

/* ---- show -------------------------------------------------------------- */

static const char *state_name(int state)
{
	switch (state) {
	case MEM_ONLINE: return "online";
	case MEM_OFFLINE: return "offline";
	case MEM_GOING_OFFLINE: return "going-offline";
	}
	return NULL;
}

static int block_attr_show(struct memhp_machine *m, const struct kpath *k, struct sbuf *s)
{
	struct memory_block *mem = get_memory_block(m, k->id);
	char buf[64];

	if (!mem)
		return -ENODEV;	/* removed meanwhile */

	if (!strcmp(k->name, "phys_index")) {
		sbuf_printf(s, "%08lx\n", mem->id);
	} else if (!strcmp(k->name, "state")) {
		int st = atomic_load(&mem->state);
		const char *n = state_name(st);

		if (n)
			sbuf_printf(s, "%s\n", n);
		else
			sbuf_printf(s, "ERROR-UNKNOWN-%d\n", st);
	} else if (!strcmp(k->name, "online")) {
		/* online_show takes the device lock: it waits for a transition */
		pthread_mutex_lock(&mem->dev_lock);
		sbuf_printf(s, "%u\n", !mem->dev_offline);
		pthread_mutex_unlock(&mem->dev_lock);
	} else if (!strcmp(k->name, "phys_device")) {
		sbuf_printf(s, "0\n");
	} else if (!strcmp(k->name, "removable")) {
		sbuf_printf(s, "1\n");
	} else if (!strcmp(k->name, "valid_zones")) {
		valid_zones_show(m, mem, buf, sizeof(buf));
		sbuf_printf(s, "%s", buf);
	}
	put_memory_block(mem);
	return 0;
}

static void node_state_show(struct memhp_machine *m, const char *name, struct sbuf *s)
{
	static const int states[] = { N_POSSIBLE, N_ONLINE, N_NORMAL_MEMORY, N_MEMORY, N_CPU, -1 };
	int i = find_name(node_state_files, ARRAY_SIZE(node_state_files), name);
	char buf[128];
	uint32_t mask = 0;

	if (states[i] >= 0) {
		pthread_mutex_lock(&m->span_lock);
		mask = m->node_masks[states[i]];
		pthread_mutex_unlock(&m->span_lock);
	}
	nodemask_print(mask, buf, sizeof(buf));
	sbuf_printf(s, "%s\n", buf);
}

static int show(struct memhp_machine *m, const struct kpath *k, struct sbuf *s)
{
	char buf[64];

	switch (k->kind) {
	case K_BLOCK_SIZE:
		sbuf_printf(s, "%llx\n", (unsigned long long)m->block_size);
		break;
	case K_AUTO_ONLINE:
		pthread_mutex_lock(&m->param_lock);
		sbuf_printf(s, "%s\n", online_type_to_str[m->params.default_online_type]);
		pthread_mutex_unlock(&m->param_lock);
		break;
	case K_BLOCK_ATTR:
		return block_attr_show(m, k, s);
	case K_NODE_STATE:
		node_state_show(m, k->name, s);
		break;
	case K_NODE_MEMINFO:
		node_meminfo(m, k->nid, s);
		break;
	case K_PARAM:
		param_get(m, k->name, buf, sizeof(buf));
		sbuf_printf(s, "%s", buf);
		break;
	case K_INJECT_ERROR:
		sbuf_printf(s, "%d\n", err_inject_get(m, (enum memhp_mem_action)k->action));
		break;
	case K_DAX_ATTR:
		return dax_attr_show(m, k->dax, k->name, s);
	case K_ND_ATTR:
		return nd_attr_show(m, k->dax, k->name, s);
	case K_DAX_REGION_ATTR:
		return dax_region_attr_show(m, k->dax, k->name, s);
	case K_MODULE_INITSTATE:
		sbuf_printf(s, "live\n");
		break;
	case K_PROC:
		if (!strcmp(k->name, "meminfo"))
			proc_meminfo(m, s);
		else if (!strcmp(k->name, "zoneinfo"))
			proc_zoneinfo(m, s);
		else if (!strcmp(k->name, "vmstat"))
			proc_vmstat(m, s);
		else if (!strcmp(k->name, "buddyinfo"))
			proc_buddyinfo(m, s);
		else if (!strcmp(k->name, "pagetypeinfo"))
			proc_pagetypeinfo(m, s);
		else if (!strcmp(k->name, "iomem")) {
			size_t n;

			pthread_mutex_lock(&m->resource_lock);
			n = resource_print(&m->iomem, NULL, 0);
			{
				char *b = realloc(s->buf, n + 1);	/* s->buf stays ours on failure */

				if (b) {
					s->buf = b;
					resource_print(&m->iomem, s->buf, n + 1);
					s->len = n;
					s->cap = n + 1;
				} else {
					s->nomem = true;
				}
			}
			pthread_mutex_unlock(&m->resource_lock);
		}
		break;
	default:
		break;
	}
	return 0;
}

/* ---- store ------------------------------------------------------------- */

/* a sysfs writer that changes a block: device_hotplug_lock, after parsing */
struct block_write {
	const volatile int *cancel;
	unsigned int timeout_ms;
};

#define ONLINE_UNCHANGED (-1)	/* online with whatever mem->online_type holds */

static int block_change(struct memhp_machine *m, unsigned long id, int online_type,
			const struct block_write *w)
{
	struct memory_block *mem;
	int ret;

	pthread_mutex_lock(&m->device_hotplug_lock);
	mem = find_memory_block_by_id(m, id);
	if (!mem) {
		ret = -ENODEV;	/* removed since the path was resolved */
	} else if (online_type == MEMHP_MMOP_OFFLINE) {
		offline_cancel_arm(m, w->cancel, w->timeout_ms);
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

static ssize_t state_store(struct memhp_machine *m, unsigned long id, const char *buf, size_t count,
			   const struct block_write *w)
{
	int online_type = mhp_online_type_from_str(buf);
	int ret;

	if (online_type < 0)
		return -EINVAL;	/* before any lock */
	ret = block_change(m, id, online_type, w);
	if (ret < 0)
		return ret;
	if (ret > 0)
		return -EINVAL;	/* already in that state */
	return (ssize_t)count;
}

static ssize_t online_store(struct memhp_machine *m, unsigned long id, const char *buf, size_t count,
			    const struct block_write *w)
{
	bool val;
	int ret;

	if (kstrtobool(buf, &val))
		return -EINVAL;
	/* drivers/base/core.c online_store: device_online, no online_type */
	ret = block_change(m, id, val ? ONLINE_UNCHANGED : MEMHP_MMOP_OFFLINE, w);
	return ret < 0 ? ret : (ssize_t)count;
}

/* simple_attr_write + debugfs_errno_set: kstrtoll, then clamp_t(int, ...) */
static ssize_t errno_store(struct memhp_machine *m, int action, const char *buf, size_t count)
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
	err_inject_set(m, (enum memhp_mem_action)action, (int)v);	/* the int cast truncates */
	return (ssize_t)count;
}

/* dax attributes and driver files change memory: device_hotplug_lock */
static ssize_t dax_store(struct memhp_machine *m, const struct kpath *k, const char *buf, size_t count)
{
	char name[32];
	int ret;

	pthread_mutex_lock(&m->device_hotplug_lock);
	if (k->kind == K_DAX_ATTR) {
		ret = dax_memmap_store(m, k->dax, buf);
	} else if (!strcmp(k->name, "new_id") || !strcmp(k->name, "remove_id")) {
		ret = dax_id_store(m, (enum dax_driver)k->drv, buf, k->name[0] == 'n');
	} else {
		/* bus_find_device_by_name: sysfs_streq, so a newline is fine */
		snprintf(name, sizeof(name), "%s", buf);
		name[strcspn(name, "\n")] = '\0';
		ret = !strcmp(k->name, "bind") ? dax_bind(m, (enum dax_driver)k->drv, name)
					       : dax_unbind(m, (enum dax_driver)k->drv, name);
	}
	pthread_mutex_unlock(&m->device_hotplug_lock);
	return ret ? ret : (ssize_t)count;
}

/* the nd bus's attributes and driver files: device_hotplug_lock too */
static ssize_t nd_store(struct memhp_machine *m, const struct kpath *k, const char *buf, size_t count)
{
	char name[32];
	int ret;

	pthread_mutex_lock(&m->device_hotplug_lock);
	if (k->kind == K_ND_ATTR) {
		ret = nd_attr_store(m, k->dax, k->name, buf);
	} else {
		snprintf(name, sizeof(name), "%s", buf);
		name[strcspn(name, "\n")] = '\0';
		ret = !strcmp(k->name, "bind") ? nd_bind(m, (enum nd_driver)k->drv, name)
					       : nd_unbind(m, (enum nd_driver)k->drv, name);
	}
	pthread_mutex_unlock(&m->device_hotplug_lock);
	return ret ? ret : (ssize_t)count;
}

static ssize_t store(struct memhp_machine *m, const struct kpath *k, const char *buf, size_t count,
		     const struct block_write *w)
{
	int ret;

	switch (k->kind) {
	case K_AUTO_ONLINE:
		ret = mhp_online_type_from_str(buf);
		if (ret < 0)
			return -EINVAL;
		pthread_mutex_lock(&m->param_lock);
		m->params.default_online_type = ret;
		pthread_mutex_unlock(&m->param_lock);
		return (ssize_t)count;
	case K_BLOCK_ATTR:
		if (!strcmp(k->name, "state"))
			return state_store(m, k->id, buf, count, w);
		return online_store(m, k->id, buf, count, w);
	case K_PARAM:
		ret = param_set(m, k->name, buf);
		return ret ? ret : (ssize_t)count;
	case K_INJECT_ERROR:
		return errno_store(m, k->action, buf, count);
	case K_DAX_ATTR:
	case K_DAX_DRV_FILE:
		return dax_store(m, k, buf, count);
	case K_ND_ATTR:
	case K_ND_DRV_FILE:
		return nd_store(m, k, buf, count);
	default:
		return -EACCES;
	}
}

static bool is_dir(const struct kpath *k)
{
	return k->kind == K_DIR || k->kind == K_DAX_DEV || k->kind == K_ND_DEV ||
	       k->kind == K_DAX_REGION_DIR;
}

static bool is_link(const struct kpath *k)
{
	return k->kind == K_BLOCK_NODE_LINK || k->kind == K_NODE_BLOCK_LINK ||
	       k->kind == K_DAX_DRIVER_LINK || k->kind == K_DAX_DRV_LINK ||
	       k->kind == K_ND_DRIVER_LINK || k->kind == K_ND_DRV_LINK ||
	       k->kind == K_DAX_BUS_LINK || k->kind == K_DAX_SUBSYS_LINK || k->kind == K_CHARDEV_LINK;
}

/* the text of a link, relative to the directory holding it */
static void link_text(const struct kpath *k, char *buf, size_t len)
{
	char dev[64];

	dax_dev_dir(k->dax, dev, sizeof(dev));
	switch (k->kind) {
	case K_BLOCK_NODE_LINK:
		snprintf(buf, len, "../../node/node%d", k->nid);
		break;
	case K_NODE_BLOCK_LINK:
		snprintf(buf, len, "../../memory/memory%lu", k->id);
		break;
	case K_DAX_DRIVER_LINK:	/* from devices/platform/dax_region.R/daxR.I */
		snprintf(buf, len, "../../../../bus/dax/drivers/%s", dax_driver_name((enum dax_driver)k->drv));
		break;
	case K_DAX_SUBSYS_LINK:
		snprintf(buf, len, "../../../../bus/dax");
		break;
	case K_DAX_BUS_LINK:	/* from bus/dax/devices */
		snprintf(buf, len, "../../../%s", dev);
		break;
	case K_DAX_DRV_LINK:	/* from bus/dax/drivers/DRV */
		snprintf(buf, len, "../../../../%s", dev);
		break;
	case K_CHARDEV_LINK:	/* from dev/char */
		snprintf(buf, len, "../../%s", dev);
		break;
	case K_ND_DRV_LINK:
		snprintf(buf, len, "../../devices/%s", k->dax);
		break;
	case K_ND_DRIVER_LINK:
		snprintf(buf, len, "../../drivers/%s", nd_driver_name((enum nd_driver)k->drv));
		break;
	default:
		buf[0] = '\0';
	}
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
	if (!ret && (is_dir(&k) || is_link(&k)))
		ret = -EISDIR;	/* every link here points at a directory */
	else if (!ret && !(k.mode & 0444))
		ret = -EACCES;
	/*
	 * Shown after blocks_lock is dropped: procfs takes mem_hotplug_lock and
	 * `online` a block's device lock, which add/online hold while they
	 * create blocks; a block attribute holds a reference to its block.
	 */
	pthread_rwlock_unlock(&m->blocks_lock);
	if (!ret)
		ret = show(m, &k, s);
	if (!ret && s->nomem)
		ret = -ENOMEM;
	return ret;
}

ssize_t memhp_file_read(struct memhp_machine *m, const char *path, char *buf, size_t len)
{
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
	struct block_write w = { cancel, timeout_ms };
	struct kpath k;
	char *copy;
	ssize_t ret;

	pthread_rwlock_rdlock(&m->blocks_lock);
	ret = resolve(m, path, &k);
	pthread_rwlock_unlock(&m->blocks_lock);
	if (ret)
		return ret;
	if (is_dir(&k) || is_link(&k))
		return -EISDIR;
	if (!(k.mode & 0222) || k.kind == K_PROC)
		return -EACCES;	/* kernfs_fop_open: no write bit, no store */
	if (!len)
		return 0;	/* sysfs_kf_write: zero-length writes are no-ops */
	len = MIN(len, (size_t)m->page_size);
	copy = malloc(len + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, buf, len);
	copy[len] = '\0';
	ret = store(m, &k, copy, len, &w);
	free(copy);
	return ret;
}

ssize_t memhp_file_write(struct memhp_machine *m, const char *path, const char *buf, size_t len)
{
	return memhp_file_write_cancellable(m, path, buf, len, NULL, 0);
}

int memhp_file_stat(struct memhp_machine *m, const char *path, struct memhp_stat *st)
{
	struct kpath k;
	int ret;

	memset(st, 0, sizeof(*st));
	pthread_rwlock_rdlock(&m->blocks_lock);
	ret = resolve(m, path, &k);
	if (!ret) {
		st->mode = k.mode;
		st->type = is_dir(&k) ? MEMHP_FT_DIR : is_link(&k) ? MEMHP_FT_LINK : MEMHP_FT_FILE;
		link_text(&k, st->link, sizeof(st->link));
	}
	pthread_rwlock_unlock(&m->blocks_lock);
	return ret;
}

struct lister {
	int (*fn)(void *arg, const char *name, const struct memhp_stat *st);
	void *arg;
	int ret;
};

static void emit(struct lister *l, const char *name, enum memhp_file_type t, unsigned int mode,
		 const char *link)
{
	struct memhp_stat st = { .type = t, .mode = mode };

	if (l->ret)
		return;
	if (link)
		snprintf(st.link, sizeof(st.link), "%s", link);
	l->ret = l->fn(l->arg, name, &st);
}

static int emit_dax_dir(void *arg, const char *name)
{
	emit(arg, name, MEMHP_FT_DIR, 0755, NULL);
	return 0;
}

/* one link per device name, its text from link_text() */
struct link_emit {
	struct lister *l;
	enum node_kind kind;
	int drv;	/* the driver whose devices are listed, if any */
};

static int emit_device_link(void *arg, const char *name)
{
	struct link_emit *e = arg;
	struct kpath k = { .kind = e->kind, .drv = e->drv };
	char link[128], entry[32];

	snprintf(k.dax, sizeof(k.dax), "%s", name);
	link_text(&k, link, sizeof(link));
	if (e->kind == K_CHARDEV_LINK)
		snprintf(entry, sizeof(entry), "%d:%d", DAX_CHAR_MAJOR, dax_minor(name));
	else if (e->kind == K_DAX_REGION_DIR)	/* platform: the regions */
		snprintf(entry, sizeof(entry), "dax_region.%d", dax_minor(name) / 16);
	else
		snprintf(entry, sizeof(entry), "%s", name);
	if (e->kind == K_DAX_REGION_DIR)
		emit(e->l, entry, MEMHP_FT_DIR, 0755, NULL);
	else
		emit(e->l, entry, MEMHP_FT_LINK, 0777, link);
	return 0;
}

/* a dax device's directory, wherever it is reached from */
static void list_dax_dev(struct memhp_machine *m, const char *dax, struct lister *l)
{
	struct kpath k = { .kind = K_DAX_SUBSYS_LINK };
	int drv = dax_driver_of(m, dax);
	char link[128];

	for (size_t i = 0; i < ARRAY_SIZE(dax_attrs); i++)
		emit(l, dax_attrs[i], MEMHP_FT_FILE, dax_attr_modes[i], NULL);
	if (drv > DAX_DRV_NONE) {
		k.kind = K_DAX_DRIVER_LINK;
		k.drv = drv;
		link_text(&k, link, sizeof(link));
		emit(l, "driver", MEMHP_FT_LINK, 0777, link);
	}
	k.kind = K_DAX_SUBSYS_LINK;
	link_text(&k, link, sizeof(link));
	emit(l, "subsystem", MEMHP_FT_LINK, 0777, link);
}

static void list_children(struct memhp_machine *m, const char *path, const struct kpath *k,
			  struct lister *l)
{
	char name[64], link[64];
	size_t plen = strlen(path);

	/* fixed directories: their direct children among dirs[] */
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		const char *d = dirs[i];
		size_t base = strcmp(path, "/") ? plen : 0;

		if (strncmp(d, path, plen) || d[base] != '/' || !d[base + 1] || strchr(d + base + 1, '/'))
			continue;
		emit(l, d + base + 1, MEMHP_FT_DIR, 0555, NULL);
	}
	if (!strcmp(path, MEMDIR)) {
		emit(l, "auto_online_blocks", MEMHP_FT_FILE, 0644, NULL);
		emit(l, "block_size_bytes", MEMHP_FT_FILE, 0444, NULL);
		for (unsigned long id = 0; id < m->nr_block_ids; id++) {
			if (!m->blocks[id])
				continue;
			snprintf(name, sizeof(name), "memory%lu", id);
			emit(l, name, MEMHP_FT_DIR, 0755, NULL);
		}
	} else if (!strncmp(path, MEMDIR "/memory", sizeof(MEMDIR) + 6)) {
		struct memory_block *mem = find_memory_block_by_id(m, k->id);

		for (size_t i = 0; i < ARRAY_SIZE(block_attrs); i++)
			emit(l, block_attrs[i], MEMHP_FT_FILE, block_attr_modes[i], NULL);
		for (int nid = 0; nid < 32; nid++) {
			if (!(mem->node_links & (1u << nid)))
				continue;
			snprintf(name, sizeof(name), "node%d", nid);
			snprintf(link, sizeof(link), "../../node/node%d", nid);
			emit(l, name, MEMHP_FT_LINK, 0777, link);
		}
	} else if (!strcmp(path, NODEDIR)) {
		for (size_t i = 0; i < ARRAY_SIZE(node_state_files); i++)
			emit(l, node_state_files[i], MEMHP_FT_FILE, 0444, NULL);
		for (unsigned int nid = 0; nid < m->nr_nodes; nid++) {
			if (!node_exists(m, nid))
				continue;
			snprintf(name, sizeof(name), "node%u", nid);
			emit(l, name, MEMHP_FT_DIR, 0755, NULL);
		}
	} else if (!strncmp(path, NODEDIR "/node", sizeof(NODEDIR) + 4)) {
		emit(l, "meminfo", MEMHP_FT_FILE, 0444, NULL);
		for (unsigned long id = 0; id < m->nr_block_ids; id++) {
			if (!m->blocks[id] || !(m->blocks[id]->node_links & (1u << k->nid)))
				continue;
			snprintf(name, sizeof(name), "memory%lu", id);
			snprintf(link, sizeof(link), "../../memory/memory%lu", id);
			emit(l, name, MEMHP_FT_LINK, 0777, link);
		}
	} else if (!strcmp(path, PARAMDIR)) {
		for (size_t i = 0; i < ARRAY_SIZE(param_names); i++)
			emit(l, param_names[i], MEMHP_FT_FILE,
			     !strcmp(param_names[i], "memmap_on_memory") ? 0444 : 0644, NULL);
	} else if (!strcmp(path, INJDIR "/actions/MEM_GOING_ONLINE") ||
		   !strcmp(path, INJDIR "/actions/MEM_GOING_OFFLINE")) {
		emit(l, "error", MEMHP_FT_FILE, 0600, NULL);
	} else if (!strcmp(path, DAXDIR "/devices")) {
		struct link_emit e = { l, K_DAX_BUS_LINK, 0 };

		dax_list(m, DAX_DRV_NR, emit_device_link, &e);
	} else if (k->kind == K_DAX_DEV) {
		list_dax_dev(m, k->dax, l);
	} else if (!strcmp(path, DAXDIR "/drivers/device_dax") || !strcmp(path, DAXDIR "/drivers/kmem")) {
		struct link_emit e = { l, K_DAX_DRV_LINK, strstr(path, "kmem") ? DAX_DRV_KMEM : DAX_DRV_DEVICE };

		for (size_t i = 0; i < ARRAY_SIZE(dax_drv_files); i++)
			emit(l, dax_drv_files[i], MEMHP_FT_FILE, 0200, NULL);
		dax_list(m, (enum dax_driver)e.drv, emit_device_link, &e);
	} else if (!strcmp(path, PLATDIR)) {
		struct link_emit e = { l, K_DAX_REGION_DIR, 0 };

		dax_list(m, DAX_DRV_NR, emit_device_link, &e);
	} else if (k->kind == K_DAX_REGION_DIR && !k->name) {
		emit(l, "dax_region", MEMHP_FT_DIR, 0755, NULL);
		emit(l, k->dax, MEMHP_FT_DIR, 0755, NULL);
	} else if (k->kind == K_DAX_REGION_DIR) {
		for (size_t i = 0; i < ARRAY_SIZE(dax_region_attrs); i++)
			emit(l, dax_region_attrs[i], MEMHP_FT_FILE, 0444, NULL);
	} else if (!strcmp(path, CHARDIR)) {
		struct link_emit e = { l, K_CHARDEV_LINK, 0 };

		dax_list(m, DAX_DRV_NR, emit_device_link, &e);
	} else if (!strncmp(path, "/sys/module/", 12) && strcmp(path, PARAMDIR) &&
		   find_name(builtin_modules, ARRAY_SIZE(builtin_modules), path + 12) >= 0) {
		emit(l, "initstate", MEMHP_FT_FILE, 0444, NULL);
	} else if (!strcmp(path, NDDIR "/devices")) {
		nd_list(m, ND_DRV_NR, emit_dax_dir, l);
	} else if (!strncmp(path, NDDIR "/devices/", sizeof(NDDIR "/devices/") - 1)) {
		bool ns = nd_is_namespace(k->dax);
		int drv = nd_driver_of(m, k->dax);

		for (size_t i = 0; i < 4; i++)
			emit(l, ns ? nd_ns_attrs[i] : nd_dax_attrs[i], MEMHP_FT_FILE,
			     ns ? nd_ns_attr_modes[i] : nd_dax_attr_modes[i], NULL);
		if (drv > ND_DRV_NONE) {
			snprintf(link, sizeof(link), "../../drivers/%s", nd_driver_name((enum nd_driver)drv));
			emit(l, "driver", MEMHP_FT_LINK, 0777, link);
		}
	} else if (!strcmp(path, NDDIR "/drivers/nd_pmem") || !strcmp(path, NDDIR "/drivers/dax_pmem")) {
		struct link_emit e = { l, K_ND_DRV_LINK, strstr(path, "dax_pmem") ? ND_DRV_DAX_PMEM : ND_DRV_PMEM };

		for (size_t i = 0; i < ARRAY_SIZE(nd_drv_files); i++)
			emit(l, nd_drv_files[i], MEMHP_FT_FILE, 0200, NULL);
		nd_list(m, (enum nd_driver)e.drv, emit_device_link, &e);
	} else if (!strcmp(path, "/proc")) {
		for (size_t i = 0; i < ARRAY_SIZE(proc_files); i++)
			emit(l, proc_files[i], MEMHP_FT_FILE,
			     !strcmp(proc_files[i], "pagetypeinfo") ? 0400 : 0444, NULL);
	}
}

int memhp_file_list(struct memhp_machine *m, const char *path,
		    int (*fn)(void *arg, const char *name, const struct memhp_stat *st), void *arg)
{
	struct lister l = { fn, arg, 0 };
	struct kpath k;
	char clean[512];
	size_t n = strlen(path);
	int ret;

	if (n >= sizeof(clean))
		return -ENOENT;
	memcpy(clean, path, n + 1);
	while (n > 1 && clean[n - 1] == '/')
		clean[--n] = '\0';
	pthread_rwlock_rdlock(&m->blocks_lock);
	ret = resolve(m, clean, &k);
	if (!ret && !is_dir(&k))
		ret = -ENOTDIR;
	if (!ret) {
		list_children(m, clean, &k, &l);
		ret = l.ret;
	}
	pthread_rwlock_unlock(&m->blocks_lock);
	return ret;
}
