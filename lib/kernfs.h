/* SPDX-License-Identifier: MIT */
/*
 * kernfs.h - how the tree of files is declared (kernfs.c walks it): the
 * kinds of directories and links, and the listing helpers, for the files
 * layer's other tables (cxl_sysfs.c).
 */
#ifndef MEMHP_KERNFS_H
#define MEMHP_KERNFS_H

#include "internal.h"

struct lister;
struct ktype;

/* a subdirectory that is always there */
struct kdirent {
	const char *name;
	const struct ktype *type;
	int which;		/* into kobj.which: the driver or action it is for */
};

/*
 * A kind of directory, or of symlink.  A directory has fixed
 * subdirectories (dirs) and files (attrs), both ending in an empty entry,
 * and children that come and go (found by lookup, which fills in ko and
 * returns the child's type or NULL; listed by list).  A link has
 * link, its text; follow is the type of its target when a path may go on
 * through it.  Listings give the fixed subdirectories, the files, then
 * list's children, in that order.
 */
struct ktype {
	const struct kdirent *dirs;
	const struct kattr *attrs;
	const struct ktype *(*lookup)(struct memhp_machine *m, struct kobj *ko, const char *name);
	void (*list)(struct memhp_machine *m, const struct kobj *ko, struct lister *l);
	void (*link)(const struct kobj *ko, char *buf, size_t len);
	const struct ktype *follow;
	unsigned int mode;	/* a directory's; 0: 0755, as kernfs and debugfs make them */
};

#define KDIR_MODE(t) ((t)->mode ? (t)->mode : 0755)

/* a fixed subdirectory; one of a family, for the driver or action `which` */
#define KDIR(_name, _type) { .name = _name, .type = _type }
#define KDIR_FOR(_name, _type, _which) { .name = _name, .type = _type, .which = _which }
/* a directory of fixed subdirectories only */
#define KDIRS(...) (&(const struct ktype){ .dirs = (const struct kdirent[]){ __VA_ARGS__, { } } })

/* what a path names: a directory or link of type, or attr in directory type */
struct kpath {
	const struct ktype *type;
	const struct kattr *attr;
	struct kobj ko;
};

struct lister {
	int (*fn)(void *arg, const char *name, const struct memhp_stat *st);
	void *arg;
	int ret;
};

/* an entry of a listing: a file or directory of mode, or a link with its text */
void emit(struct lister *l, const char *name, enum memhp_file_type t, unsigned int mode, const char *link);
/* a device's directory in a listing (sysfs: 0755) */
void emit_kdir(struct lister *l, const char *name);
/* a link of type t in a listing, its text made from ko */
void emit_klink(struct lister *l, const char *name, const struct ktype *t, const struct kobj *ko);

/* "../" once per component of dir (relative to /sys), then to: a link's text from dir */
void sysfs_link_up(char *buf, size_t len, const char *dir, const char *to);

/*
 * A dax region hanging under another bus's device (dax_pmem's nd dax
 * device, cxl_dax_region's dax_regionN), whose devpath under /sys/devices
 * is holder: its dax_region/ and devices, in that device's directory.
 * NULL, nothing listed, when region's parent is not holder.
 */
const struct ktype *dax_holder_lookup(struct memhp_machine *m, struct kobj *ko, int region, const char *holder,
				      const char *name);
void dax_holder_list(struct memhp_machine *m, int region, const char *holder, struct lister *l);

/* cxl_sysfs.c: /sys/bus/cxl and the mock's platform devices, while a CXL topology exists */
const struct ktype *cxl_bus_lookup(struct memhp_machine *m, struct kobj *ko, const char *name);
void cxl_bus_list(struct memhp_machine *m, struct lister *l);
const struct ktype *cxl_platform_lookup(struct memhp_machine *m, struct kobj *ko, const char *name);
void cxl_platform_list(struct memhp_machine *m, struct lister *l);

/* nd_sysfs.c: /sys/bus/nd, /sys/class/nd and where the nd buses' devices hang */
extern const struct ktype nd_subsys_type;
extern const struct ktype nd_class_type;
const struct ktype *nd_platform_lookup(struct memhp_machine *m, struct kobj *ko, const char *name);
void nd_platform_list(struct memhp_machine *m, struct lister *l);
const struct ktype *nd_sys_devices_lookup(struct memhp_machine *m, struct kobj *ko, const char *name);
void nd_sys_devices_list(struct memhp_machine *m, struct lister *l);
const struct ktype *nd_chardev_lookup(struct memhp_machine *m, struct kobj *ko, unsigned int major,
				      unsigned int minor);
void nd_chardev_list(struct memhp_machine *m, struct lister *l);

#endif
