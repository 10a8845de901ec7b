// SPDX-License-Identifier: MIT
/*
 * memhpd - a memhp machine, served as the kernel's files over FUSE.
 *
 *   memhpd --mount DIR [--socket PATH] [--mem SIZE] [--numa SIZES]
 *          [--cmdline 'OPTS'] [--profile NAME] [--maxmem SIZE] [--slots N]
 *          [--backing-dir DIR] [--huge-pages] [--config FILE] [--foreground]
 *
 * DIR gets sys/devices/system/{memory,node}, sys/module/memory_hotplug,
 * sys/kernel/debug/notifier-error-inject/memory and proc/{meminfo,...}:
 * every path is the kernel's path below DIR, and every read and write is
 * the library's memhp_file_read/write of that path, so modes, formats and
 * errno are the kernel's (kernfs rules: EACCES at open for a file without
 * the needed mode bit, even for root; writes at most a page; a zero-length
 * write does nothing).  A write blocks until the operation is done; if the
 * writer is interrupted, FUSE interrupts the request, libfuse signals the
 * thread serving it, and a running offline returns -EINTR.
 *
 * DIR/dev has the block devices, nd_pmem's disks: dev/pmemN is a regular
 * file (0660) of the disk's size whose bytes are the namespace's
 * (memhp_blockdev_pread/pwrite at the file offset); memhpctl exec shows it
 * as /dev/pmemN.
 *
 * The control socket (0600) takes the host side's requests (tools/ctl.h):
 * DIMMs in and out, reads and writes, status, shutdown.  Requests are
 * parsed strictly and answered with an error line when malformed; a client
 * that vanishes mid-request only loses its reply.
 *
 * Without --foreground memhpd daemonizes once the tree is mounted and the
 * socket listens, so a script can use both as soon as memhpd returns.
 * SIGTERM unmounts, closes the socket and releases the machine.
 */
#define FUSE_USE_VERSION 31

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <fuse_lowlevel.h>
#include <getopt.h>
#include <limits.h>
#include <linux/magic.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "daemon.h"
#include "explain.h"
#include "lifecycle.h"
#include "memhp/memhp.h"
#include "mounts.h"
#include "version.h"

/* volatile itself: read by the interrupt handler of the same thread */
static __thread volatile int *volatile fuse_op_cancel;

static void on_interrupt(int sig)
{
	(void)sig;
	if (fuse_op_cancel)
		*fuse_op_cancel = 1;
}

/* libfuse's exit handler, plus: no offline may keep the daemon from leaving */
static void on_stop(int sig)
{
	(void)sig;
	struct fuse_session *se = atomic_load(&d.session);

	atomic_store(&d.stopping, 1);
	cancel_all();
	if (se)
		fuse_session_exit(se);
}

/* ---- dev: the disks ------------------------------------------------------- */

/*
 * dev/pmemN: nd_pmem's disk as a regular file - FUSE cannot serve a block
 * device - of the disk's size, read and written at the file offset through
 * memhp_blockdev_pread/pwrite, so ndctl's reads and writes of /dev/pmemN
 * reach the namespace's media.  What a block device has and this file has
 * not: an exclusive open.  libndctl opens the disk O_EXCL to make sure no
 * one has it mounted, but the VFS drops O_EXCL from the file's flags
 * (do_dentry_open) before the FUSE open request is built, so memhpd never
 * sees it and two openers are not kept apart; nothing here mounts a disk.
 */

/* the name below /dev: "" for /dev itself, NULL for a path not under it */
static const char *dev_entry(const char *path)
{
	if (strncmp(path, "/dev", 4) || (path[4] && path[4] != '/'))
		return NULL;
	return path[4] ? path + 5 : "";
}

static int dev_getattr(const char *name, struct stat *st)
{
	uint64_t size;

	memset(st, 0, sizeof(*st));
	if (!*name) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
		return 0;
	}
	if (memhp_blockdev_size(d.m, name, &size))
		return -ENOENT;
	st->st_mode = S_IFREG | 0660;	/* a disk node's mode, root:disk there; root:root here */
	st->st_nlink = 1;
	st->st_size = (off_t)size;
	return 0;
}

/* up to 64 disks: more than the nd bus has regions */
#define MAX_DISKS 64

static int dev_readdir(const char *name, void *buf, fuse_fill_dir_t filler)
{
	char names[MAX_DISKS][MEMHP_BLOCKDEV_NAME_MAX];
	size_t n;

	if (*name)
		return -ENOTDIR;
	n = memhp_blockdev_list(d.m, names, MAX_DISKS);
	filler(buf, ".", NULL, 0, 0);
	filler(buf, "..", NULL, 0, 0);
	for (size_t i = 0; i < n && i < MAX_DISKS; i++)
		filler(buf, names[i], NULL, 0, 0);
	return 0;
}

/* a disk opens for reading and writing alike (the mode bits decide, in the kernel) */
static int dev_open(const char *name, struct fuse_file_info *fi)
{
	uint64_t size;

	if (!*name)
		return -EISDIR;
	if (memhp_blockdev_size(d.m, name, &size))
		return -ENXIO;	/* gone since the lookup: blkdev_open's answer */
	fi->direct_io = 1;	/* every read and write reaches the media */
	fi->nonseekable = 0;
	return 0;
}

/* ---- the file system ----------------------------------------------------- */

static int fs_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	struct memhp_stat ms;
	int ret;

	(void)fi;
	if (dev_entry(path))
		return dev_getattr(dev_entry(path), st);
	ret = memhp_file_stat(d.m, path, &ms);
	if (ret)
		return ret;
	memset(st, 0, sizeof(*st));
	st->st_uid = 0;
	st->st_gid = 0;
	st->st_nlink = 1;
	switch (ms.type) {
	case MEMHP_FT_DIR:
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
		break;
	case MEMHP_FT_LINK:
		st->st_mode = S_IFLNK | 0777;
		st->st_size = (off_t)strlen(ms.link);
		break;
	default:
		st->st_mode = S_IFREG | ms.mode;
		/* sysfs says 4096, procfs 0: readers must not trust it */
		st->st_size = strncmp(path, "/proc/", 6) ? 4096 : 0;
	}
	return 0;
}

/*
 * The order sysfs lists a directory in.  kernfs keeps a directory's
 * entries in an rbtree ordered by a 31-bit hash of the name, then the
 * name (kernfs_name_compare), and readdir walks that tree: the order
 * is neither creation nor alphabetical.  Tools depend on it without
 * knowing - libdaxctl builds its device list from the readdir of a
 * region (head-inserted, so reversed), and `daxctl destroy-device all`
 * reports the last device's result - so memhpd lists /sys the same way.
 * The hash is the dcache's string hash (partial_name_hash per byte,
 * hash_long to 32 bits on a 64-bit kernel), with 0, 1 and INT_MAX kept
 * for the dot entries and the end of the directory.
 */
static unsigned int kernfs_order_hash(const char *name)
{
	const uint64_t golden_ratio_64 = 0x61C8864680B583EBull;
	uint64_t h = 0;
	unsigned int hash;

	for (const unsigned char *c = (const unsigned char *)name; *c; c++)
		h = (h + ((uint64_t)*c << 4) + (*c >> 4)) * 11;
	hash = (unsigned int)((h * golden_ratio_64) >> 32) & 0x7fffffffU;
	if (hash < 2)
		hash += 2;
	if (hash >= INT_MAX)
		hash = INT_MAX - 1;
	return hash;
}

struct dir_entry {
	unsigned int hash;
	char *name;
};

static int kernfs_order_cmp(const void *a, const void *b)
{
	const struct dir_entry *x = a, *y = b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return strcmp(x->name, y->name);
}

struct fill_ctx {
	void *buf;
	fuse_fill_dir_t filler;
	struct dir_entry *ents;	/* NULL: straight to filler, in the library's order */
	size_t n, cap;
	bool nomem;
};

static int fill_one(void *arg, const char *name, const struct memhp_stat *st)
{
	struct fill_ctx *c = arg;

	(void)st;
	if (!c->ents) {
		c->filler(c->buf, name, NULL, 0, 0);
		return 0;
	}
	if (c->n == c->cap) {
		struct dir_entry *e = realloc(c->ents, 2 * c->cap * sizeof(*e));

		if (!e)
			goto nomem;
		c->ents = e;
		c->cap *= 2;
	}
	c->ents[c->n].name = strdup(name);
	if (!c->ents[c->n].name)
		goto nomem;
	c->ents[c->n].hash = kernfs_order_hash(name);
	c->n++;
	return 0;
nomem:
	c->nomem = true;
	return 1;
}

/* a /sys directory's entries, collected, then given in kernfs's order */
static int readdir_kernfs_order(const char *path, struct fill_ctx *c)
{
	int ret;

	c->cap = 64;
	c->ents = malloc(c->cap * sizeof(*c->ents));
	if (!c->ents)
		return -ENOMEM;
	ret = memhp_file_list(d.m, path, fill_one, c);
	/* fill_one's 1 stops the listing; what it means is ours to say */
	if (c->nomem)
		ret = -ENOMEM;
	else if (ret > 0)
		ret = 0;
	if (!ret) {
		qsort(c->ents, c->n, sizeof(*c->ents), kernfs_order_cmp);
		for (size_t i = 0; i < c->n; i++)
			c->filler(c->buf, c->ents[i].name, NULL, 0, 0);
	}
	for (size_t i = 0; i < c->n; i++)
		free(c->ents[i].name);
	free(c->ents);
	return ret;
}

static int fs_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t off,
		      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	struct fill_ctx c = { buf, filler, NULL, 0, 0, false };
	int ret;

	(void)off;
	(void)fi;
	(void)flags;
	if (dev_entry(path))
		return dev_readdir(dev_entry(path), buf, filler);
	filler(buf, ".", NULL, 0, 0);
	filler(buf, "..", NULL, 0, 0);
	if (!strcmp(path, "/sys") || !strncmp(path, "/sys/", 5))
		ret = readdir_kernfs_order(path, &c);
	else
		ret = memhp_file_list(d.m, path, fill_one, &c);
	/* the root: the library's sys and proc, and our dev */
	if (!ret && !strcmp(path, "/"))
		filler(buf, "dev", NULL, 0, 0);
	return ret;
}

static int fs_readlink(const char *path, char *buf, size_t len)
{
	struct memhp_stat ms;
	int ret = memhp_file_stat(d.m, path, &ms);

	if (ret)
		return ret;
	if (ms.type != MEMHP_FT_LINK)
		return -EINVAL;
	snprintf(buf, len, "%s", ms.link);
	return 0;
}

/* kernfs_fop_open: the mode bits decide, even for root */
static int fs_open(const char *path, struct fuse_file_info *fi)
{
	struct memhp_stat ms;
	int acc = fi->flags & O_ACCMODE;
	int ret;

	if (dev_entry(path))
		return dev_open(dev_entry(path), fi);
	ret = memhp_file_stat(d.m, path, &ms);
	if (ret)
		return ret;
	if (ms.type == MEMHP_FT_DIR)
		return -EISDIR;
	if ((acc == O_WRONLY || acc == O_RDWR) && !(ms.mode & 0222))
		return -EACCES;
	if ((acc == O_RDONLY || acc == O_RDWR) && !(ms.mode & 0444))
		return -EACCES;
	fi->direct_io = 1;	/* every read and write reaches us */
	fi->nonseekable = 0;
	return 0;
}

static int fs_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	char *all;
	ssize_t n;

	(void)fi;
	if (dev_entry(path))
		return (int)memhp_blockdev_pread(d.m, dev_entry(path), buf, size, (uint64_t)off);
	n = memhp_file_read_alloc(d.m, path, &all);
	if (n < 0)
		return (int)n;
	if (off >= n) {
		free(all);
		return 0;
	}
	if ((size_t)(n - off) < size)
		size = (size_t)(n - off);
	memcpy(buf, all + off, size);
	free(all);
	return (int)size;
}

/*
 * devtmpfs for a writer under `memhpctl exec`: the kernel makes
 * /dev/daxR.I when the device is added and removes it with the device,
 * before the write that caused it returns - libdaxctl stats the node right
 * after writing dax_region/create.  So after a write to a dax file, the
 * writer's /dev is brought in line with /sys/bus/dax/devices, and after a
 * write to an nd file its /dev/pmemN links with the disks: only a /dev
 * that memhpctl exec made (a tmpfs named memhp-dev, the topmost /dev of a
 * mount namespace other than ours), never the host's.
 */
static bool mnt_ns_of(int procfd, char *ns, size_t size)
{
	ssize_t n = readlinkat(procfd, "ns/mnt", ns, size - 1);

	if (n < 0)
		return false;
	ns[n] = '\0';
	return true;
}

/* the device number of the topmost /dev mount if it is exec's tmpfs, else 0 */
static dev_t private_dev_mount(int procfd)
{
	char line[4096];
	dev_t top = 0;
	FILE *f;
	int fd;

	fd = openat(procfd, "mountinfo", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	f = fdopen(fd, "re");
	if (!f) {
		close(fd);
		return 0;
	}
	while (fgets(line, sizeof(line), f)) {
		char mnt[256], fstype[64], source[256];
		const char *sep = strstr(line, " - ");
		unsigned int major, minor;

		if (!sep || sscanf(line, "%*s %*s %u:%u %*s %255s", &major, &minor, mnt) != 3 ||
		    strcmp(mnt, "/dev"))
			continue;
		/* the last /dev mount is the one on top */
		top = sscanf(sep, " - %63s %255s", fstype, source) == 2 && !strcmp(fstype, "tmpfs") &&
		      !strcmp(source, "memhp-dev") ? makedev(major, minor) : 0;
	}
	fclose(f);
	return top;
}

/*
 * The writer's /dev, opened, if it is one memhpctl exec made; NULL otherwise.
 * Why every step goes through one /proc/PID descriptor and is checked
 * again after the open: the writer may exit and its pid be reused, or it
 * may change namespace, between the check and the open.  The descriptor
 * pins that process (lookups under it fail once it is gone), and the
 * opened directory must be the very tmpfs mountinfo named, in the same
 * mount namespace as before.
 */
static DIR *private_dev_open(pid_t pid)
{
	char path[32], ours[64], before[64], after[64];
	int selffd, procfd, devfd = -1;
	struct statfs sfs;
	struct stat st;
	DIR *dir = NULL;
	dev_t devt;

	selffd = open("/proc/self", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (selffd < 0)
		return NULL;
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	procfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (procfd < 0)
		goto out_close_self;
	/* our own namespace's /dev is the host's: never */
	if (!mnt_ns_of(selffd, ours, sizeof(ours)) || !mnt_ns_of(procfd, before, sizeof(before)) ||
	    !strcmp(ours, before))
		goto out_close_proc;
	devt = private_dev_mount(procfd);
	if (!devt)
		goto out_close_proc;
	devfd = openat(procfd, "root/dev", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (devfd < 0)
		goto out_close_proc;
	if (fstat(devfd, &st) || st.st_dev != devt || fstatfs(devfd, &sfs) || sfs.f_type != TMPFS_MAGIC ||
	    !mnt_ns_of(procfd, after, sizeof(after)) || strcmp(before, after))
		goto out_close_dev;
	dir = fdopendir(devfd);
	if (dir)
		devfd = -1;	/* the DIR owns it now */
out_close_dev:
	if (devfd >= 0)
		close(devfd);
out_close_proc:
	close(procfd);
out_close_self:
	close(selffd);
	return dir;
}

struct dax_nodes {
	char names[256][32];
	dev_t devt[256];
	int n;
	bool truncated;		/* more devices than fit: remove nothing */
};

/* the listing's names only: reading a file from inside the listing would take its lock again */
static int collect_dax_node(void *arg, const char *name, const struct memhp_stat *st)
{
	struct dax_nodes *nodes = arg;

	(void)st;
	if (nodes->n == 256) {
		nodes->truncated = true;
		return 1;
	}
	snprintf(nodes->names[nodes->n++], sizeof(nodes->names[0]), "%s", name);
	return 0;
}

/* each listed device's numbers from its dev file; 0 for one gone meanwhile */
static void read_dax_numbers(struct dax_nodes *nodes)
{
	for (int i = 0; i < nodes->n; i++) {
		char path[96], buf[32];
		unsigned int major, minor;
		ssize_t n;

		snprintf(path, sizeof(path), "/sys/bus/dax/devices/%s/dev", nodes->names[i]);
		n = memhp_file_read(d.m, path, buf, sizeof(buf) - 1);
		if (n > 0)
			buf[n] = '\0';
		nodes->devt[i] = n > 0 && sscanf(buf, "%u:%u", &major, &minor) == 2 ? makedev(major, minor) : 0;
	}
}

static void sync_dax_nodes(DIR *dir)
{
	struct dax_nodes *nodes;
	struct dirent *de;

	nodes = calloc(1, sizeof(*nodes));
	if (!nodes)
		return;
	memhp_file_list(d.m, "/sys/bus/dax/devices", collect_dax_node, nodes);
	read_dax_numbers(nodes);
	/* nodes of devices gone, or of other numbers, go - unless the list is not whole */
	while (!nodes->truncated && (de = readdir(dir))) {
		struct stat st;
		int i;

		if (strncmp(de->d_name, "dax", 3) || fstatat(dirfd(dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) ||
		    !S_ISCHR(st.st_mode))
			continue;
		for (i = 0; i < nodes->n && strcmp(nodes->names[i], de->d_name); i++)
			;
		if (i == nodes->n || nodes->devt[i] != st.st_rdev)
			unlinkat(dirfd(dir), de->d_name, 0);
	}
	for (int i = 0; i < nodes->n; i++)
		if (nodes->devt[i])
			mknodat(dirfd(dir), nodes->names[i], S_IFCHR | 0600, nodes->devt[i]);
	free(nodes);
}

/* is the link `name` in dir one to our disk of that name? */
static bool disk_link_ok(DIR *dir, const char *name, char (*disks)[MEMHP_BLOCKDEV_NAME_MAX], size_t n)
{
	char target[NAME_MAX + 32], want[NAME_MAX + 32];
	ssize_t len = readlinkat(dirfd(dir), name, target, sizeof(target));

	if (len < 0 || len == (ssize_t)sizeof(target))
		return false;
	target[len] = '\0';
	snprintf(want, sizeof(want), MEMHP_BLOCK_DIR "/%s", name);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(disks[i], name))
			return !strcmp(target, want);
	return false;
}

/*
 * /dev/pmemN, as devtmpfs makes a disk's node in add_disk and removes it in
 * del_gendisk: a link to MEMHP_BLOCK_DIR/pmemN, where memhpctl exec bound
 * our dev/ (no block device node can lead to a FUSE file).  Only links
 * named pmem* are ever removed or made: any other entry is not ours.
 */
static void sync_disk_links(DIR *dir)
{
	char disks[MAX_DISKS][MEMHP_BLOCKDEV_NAME_MAX], target[64];
	size_t n = memhp_blockdev_list(d.m, disks, MAX_DISKS);
	struct dirent *de;

	n = n < MAX_DISKS ? n : MAX_DISKS;
	rewinddir(dir);
	while ((de = readdir(dir))) {
		struct stat st;

		if (strncmp(de->d_name, "pmem", 4) || fstatat(dirfd(dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) ||
		    !S_ISLNK(st.st_mode))
			continue;
		if (!disk_link_ok(dir, de->d_name, disks, n))
			unlinkat(dirfd(dir), de->d_name, 0);
	}
	/* an existing entry of the name stays as it is (EEXIST) */
	for (size_t i = 0; i < n; i++) {
		snprintf(target, sizeof(target), MEMHP_BLOCK_DIR "/%s", disks[i]);
		symlinkat(target, dirfd(dir), disks[i]);
	}
}

/*
 * After a write that may have added or removed a device: dax files for
 * the dax nodes, the nd bus's files (its drivers' bind and unbind, a
 * namespace's) for the disks.
 */
static pthread_mutex_t devtmpfs_lock = PTHREAD_MUTEX_INITIALIZER;

static void devtmpfs_sync(pid_t pid, const char *path)
{
	bool dax = strstr(path, "dax");
	DIR *dir;

	if (!dax && !strstr(path, "/nd/") && !strstr(path, "namespace"))
		return;
	if (pid <= 0 || !(dir = private_dev_open(pid)))
		return;
	/* devtmpfs's own lock: two writers' syncs never interleave (a stale link left) */
	pthread_mutex_lock(&devtmpfs_lock);
	if (dax)
		sync_dax_nodes(dir);
	sync_disk_links(dir);
	pthread_mutex_unlock(&devtmpfs_lock);
	closedir(dir);
}

static int fs_write(const char *path, const char *buf, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	volatile int *cancel;
	ssize_t ret;

	(void)fi;
	if (dev_entry(path))
		return (int)memhp_blockdev_pwrite(d.m, dev_entry(path), buf, size, (uint64_t)off);
	cancel = cancel_get();
	if (!cancel)
		return -EBUSY;
	fuse_op_cancel = cancel;
	ret = memhp_file_write_cancellable(d.m, path, buf, size, cancel, 0);
	fuse_op_cancel = NULL;
	cancel_put(cancel);
	/* a dax device or a disk may have come or gone: its node, as devtmpfs does */
	if (ret >= 0)
		devtmpfs_sync(fuse_get_context()->pid, path);
	return (int)ret;
}

/*
 * `echo x > file` opens with O_TRUNC: sysfs ignores the truncation, and so
 * does a block device (its size is the disk's: dd's ftruncate of its
 * output changes nothing either).
 */
static int fs_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	struct memhp_stat ms;
	struct stat st;
	int ret;

	(void)size;
	(void)fi;
	if (dev_entry(path))
		return dev_getattr(dev_entry(path), &st) ? -ENOENT : S_ISDIR(st.st_mode) ? -EISDIR : 0;
	ret = memhp_file_stat(d.m, path, &ms);
	if (ret)
		return ret;
	return ms.mode & 0222 ? 0 : -EACCES;
}

static void *fs_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	(void)conn;
	/* the tree changes under the kernel's feet: never cache */
	cfg->entry_timeout = 0;
	cfg->attr_timeout = 0;
	cfg->negative_timeout = 0;
	cfg->direct_io = 1;
	cfg->intr = 1;
	cfg->intr_signal = SIGUSR1;
	return NULL;
}

static const struct fuse_operations fs_ops = {
	.init = fs_init,
	.getattr = fs_getattr,
	.readdir = fs_readdir,
	.readlink = fs_readlink,
	.open = fs_open,
	.read = fs_read,
	.write = fs_write,
	.truncate = fs_truncate,
};

/* ---- configuration ------------------------------------------------------------ */

struct options {
	const char *mount, *socket, *cmdline, *profile, *numa, *backing_dir, *config, *cxl_topology;
	uint64_t mem, maxmem;
	unsigned int slots;
	unsigned int foreground;
	unsigned int huge_pages;		/* --huge-pages */
	struct memhp_coldplug coldplug[16];	/* --coldplug, in order */
	unsigned int nr_coldplug;
	struct memhp_coldplug nvdimm[8];	/* --nvdimm, in order */
	unsigned int nr_nvdimm;
};

static int usage(FILE *f, int rc)
{
	fprintf(f, "usage: memhpd --mount DIR [--socket PATH] [--mem SIZE] [--numa SIZES|N]\n"
		   "              [--cmdline 'OPTS'] [--profile x86_64|arm64-4k|arm64-16k|arm64-64k]\n"
		   "              [--maxmem SIZE] [--slots N] [--coldplug NAME:SIZE[:NODE]]...\n"
		   "              [--nvdimm NAME:SIZE[:NODE]]... [--cxl-topology cxl_test]\n"
		   "              [--backing-dir DIR] [--huge-pages] [--config FILE]\n"
		   "              [--foreground] [--help] [--version]\n");
	if (f == stdout)
		fprintf(f, "\n"
			"Boots a memhp machine and serves its /sys and /proc files under DIR over FUSE;\n"
			"memhpctl talks to it on the control socket (default " CTL_DEFAULT_SOCKET ").\n\n"
			"  -m, --mount DIR        where the tree is mounted (required)\n"
			"  -s, --socket PATH      the control socket (0600)\n"
			"      --mem SIZE         boot RAM of node 0 (memparse: 2G, 0x80000000)\n"
			"      --numa SIZES|N     boot RAM per node (2G,0) or a node count\n"
			"      --cmdline 'OPTS'   the kernel command line (memory_hotplug.memmap_on_memory=1 ...)\n"
			"      --profile NAME     x86_64, arm64-4k, arm64-16k or arm64-64k\n"
			"      --maxmem SIZE      the hot-plug window, as QEMU's -m ...,maxmem=\n"
			"      --slots N          DIMM slots, as QEMU's -m ...,slots=\n"
			"      --coldplug NAME:SIZE[:NODE]\n"
			"                         a DIMM present at boot (QEMU -device pc-dimm), added and\n"
			"                         onlined by the ACPI driver while booting; repeatable\n"
			"      --nvdimm NAME:SIZE[:NODE]\n"
			"                         an NVDIMM (QEMU -device nvdimm, label-less): the NFIT's\n"
			"                         region and raw namespace on the nd bus; repeatable\n"
			"      --cxl-topology cxl_test\n"
			"                         the kernel's cxl_test CXL topology on /sys/bus/cxl\n"
			"                         (cxl_test:interleave_arithmetic=1: its XOR windows)\n"
			"      --backing-dir DIR  back devices with files in DIR instead of memfds\n"
			"      --huge-pages       back devices with 2 MiB pages (a private huge tmpfs) where\n"
			"                         the host offers them; the log says what each device got\n"
			"      --config FILE      'key = value' lines with these long options' names\n"
			"  -f, --foreground       stay in the foreground (systemd Type=notify)\n"
			"  -h, --help             this help\n"
			"  -V, --version          the version\n\n"
			"A live memhpd's socket or tree is never taken over; what a crashed memhpd left\n"
			"(a dead mount, a stale socket) is cleaned up, and said so, on the next start.\n");
	return rc;
}

static char *dup_value(const char *v)
{
	char *s = strdup(v);

	if (!s)
		exit(1);
	return s;
}

/* a decimal number up to MAX, nothing after it */
static int parse_uint(const char *s, unsigned int max, unsigned int *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v > max)
		return -1;
	*out = (unsigned int)v;
	return 0;
}

/* NAME:SIZE[:NODE], as the scenario's `coldplug NAME SIZE [node=N]` */
static int parse_boot_device(struct memhp_coldplug *list, unsigned int *nr, unsigned int max, const char *val)
{
	char *copy = dup_value(val), *size = strchr(copy, ':'), *node;
	struct memhp_coldplug *c = &list[*nr];
	unsigned int n = 0;

	if (*nr == max || !size || size == copy)
		goto bad;
	*size++ = '\0';
	node = strchr(size, ':');
	if (node)
		*node++ = '\0';
	if (parse_size(size, &c->size) || !c->size || (node && parse_uint(node, MEMHP_MAX_NODES - 1, &n)))
		goto bad;
	c->name = copy;
	c->node = (int)n;
	(*nr)++;
	return 0;
bad:
	free(copy);
	return -1;
}

/* --config FILE: "key = value" lines with the long options' names */
static int apply_option(struct options *o, const char *key, const char *val)
{
	if (!strcmp(key, "mount"))
		o->mount = dup_value(val);
	else if (!strcmp(key, "socket"))
		o->socket = dup_value(val);
	else if (!strcmp(key, "cmdline"))
		o->cmdline = dup_value(val);
	else if (!strcmp(key, "profile"))
		o->profile = dup_value(val);
	else if (!strcmp(key, "numa"))
		o->numa = dup_value(val);
	else if (!strcmp(key, "cxl-topology"))
		o->cxl_topology = dup_value(val);
	else if (!strcmp(key, "backing-dir"))
		o->backing_dir = dup_value(val);
	else if (!strcmp(key, "mem"))
		return parse_size(val, &o->mem);
	else if (!strcmp(key, "maxmem"))
		return parse_size(val, &o->maxmem);
	else if (!strcmp(key, "slots"))
		return parse_uint(val, 256, &o->slots);
	else if (!strcmp(key, "coldplug"))
		return parse_boot_device(o->coldplug, &o->nr_coldplug, 16, val);
	else if (!strcmp(key, "nvdimm"))
		return parse_boot_device(o->nvdimm, &o->nr_nvdimm, 8, val);
	else if (!strcmp(key, "foreground"))
		return parse_uint(val, 1, &o->foreground);
	else if (!strcmp(key, "huge-pages"))	/* a flag on the command line */
		return val ? parse_uint(val, 1, &o->huge_pages) : (o->huge_pages = 1, 0);
	else
		return -1;
	return 0;
}

static int read_config(struct options *o, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[1024];

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char key[64], val[900];

		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (sscanf(line, " %63[^= ] = %899[^\n]", key, val) != 2 || apply_option(o, key, val)) {
			fprintf(stderr, "memhpd: %s: bad line: %s", path, line);
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	return 0;
}

static int parse_numa(const char *s, struct memhp_config *c)
{
	char *copy = dup_value(s), *save = NULL;
	unsigned int n = 0;

	if (!strchr(s, ',') && !strpbrk(s, "KMGTkmgt")) {
		c->nr_nodes = (unsigned int)atoi(s);
		free(copy);
		return c->nr_nodes ? 0 : -1;
	}
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (n == MEMHP_MAX_NODES || parse_size(t, &c->node_mem[n])) {
			free(copy);
			return -1;
		}
		n++;
	}
	free(copy);
	c->nr_nodes = n;
	c->explicit_node_mem = 1;
	return 0;
}

static const struct option long_options[] = {
	{ "mount", required_argument, NULL, 'm' },
	{ "socket", required_argument, NULL, 's' },
	{ "mem", required_argument, NULL, 0 },
	{ "numa", required_argument, NULL, 0 },
	{ "cmdline", required_argument, NULL, 0 },
	{ "profile", required_argument, NULL, 0 },
	{ "maxmem", required_argument, NULL, 0 },
	{ "slots", required_argument, NULL, 0 },
	{ "coldplug", required_argument, NULL, 0 },
	{ "nvdimm", required_argument, NULL, 0 },
	{ "backing-dir", required_argument, NULL, 0 },
	{ "cxl-topology", required_argument, NULL, 0 },
	{ "huge-pages", no_argument, NULL, 0 },
	{ "config", required_argument, NULL, 'c' },
	{ "foreground", no_argument, NULL, 'f' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* 0: go on; otherwise the exit code (help, version, bad usage) */
static int parse_args(int argc, char **argv, struct options *o)
{
	int c, idx;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":m:s:c:fhV", long_options, &idx)) != -1) {
		switch (c) {
		case 'm':
			o->mount = optarg;
			break;
		case 's':
			o->socket = optarg;
			break;
		case 'c':
			if (read_config(o, optarg)) {
				fprintf(stderr, "memhpd: cannot use --config %s\n", optarg);
				return usage(stderr, 2);
			}
			break;
		case 'f':
			o->foreground = 1;
			break;
		case 'h':
			exit(usage(stdout, 0));
		case 'V':
			printf("memhpd %s\n", MEMHP_VERSION_STRING);
			exit(0);
		case 0:
			if (apply_option(o, long_options[idx].name, optarg)) {
				fprintf(stderr, "memhpd: invalid value for --%s: '%s'\n", long_options[idx].name,
					optarg);
				return usage(stderr, 2);
			}
			break;
		case ':':
			fprintf(stderr, "memhpd: %s needs a value\n", argv[optind - 1]);
			return usage(stderr, 2);
		default:
			fprintf(stderr, "memhpd: unknown option %s\n", argv[optind - 1]);
			return usage(stderr, 2);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "memhpd: unexpected argument %s\n", argv[optind]);
		return usage(stderr, 2);
	}
	if (!o->mount) {
		fprintf(stderr, "memhpd: --mount DIR is required\n");
		return usage(stderr, 2);
	}
	return 0;
}

/*
 * The mount point: absolute, free of any live memhpd (a dead one left by
 * a crash is unmounted and reported), and an existing directory.
 */
static int claim_mount_point(const char *dir)
{
	char abs[PATH_MAX], note[PATH_MAX + 128], why[2 * PATH_MAX];
	int ret = memhpd_abspath(dir, abs, sizeof(abs));

	if (ret) {
		fprintf(stderr, "memhpd: --mount %s: %s\n", dir, strerror(-ret));
		return ret;
	}
	/*
	 * Two memhpds started at once could both find the point free: the
	 * first to lock the directory under it goes on, for as long as it
	 * lives (the lock dies with it, crash or not).
	 */
	d.mount_lock = open(abs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d.mount_lock >= 0 && flock(d.mount_lock, LOCK_EX | LOCK_NB)) {
		fprintf(stderr, "memhpd: refusing to mount: another memhpd is starting or stopping on %s\n", abs);
		return -EBUSY;
	}
	ret = mount_point_claim(abs, note, sizeof(note), why, sizeof(why));
	if (ret) {
		fprintf(stderr, "memhpd: refusing to mount: %s\n", why);
		return ret;
	}
	if (note[0])
		fprintf(stderr, "memhpd: %s\n", note);
	if (!realpath(abs, d.mount)) {
		fprintf(stderr, "memhpd: --mount %s: %s\n", abs, strerror(errno));
		return -errno;
	}
	return 0;
}

static int claim_socket(const char *path)
{
	char abs[PATH_MAX], note[PATH_MAX + 128], why[2 * PATH_MAX];
	/* daemonizing moves to /: make it absolute now */
	int ret = memhpd_abspath(path, abs, sizeof(abs));

	if (ret) {
		fprintf(stderr, "memhpd: --socket %s: %s\n", path, strerror(-ret));
		return ret;
	}
	ret = socket_claim(abs, &d.sock, note, sizeof(note), why, sizeof(why));
	if (ret) {
		fprintf(stderr, "memhpd: refusing to start: %s\n", why);
		return ret;
	}
	if (note[0])
		fprintf(stderr, "memhpd: %s\n", note);
	return 0;
}

static int configure_machine(const struct options *o, struct memhp_config *cfg)
{
	cfg->arch = o->profile;
	cfg->mem = o->mem;
	cfg->maxmem = o->maxmem;
	cfg->slots = o->slots;
	cfg->cmdline = o->cmdline;
	cfg->backing_dir = o->backing_dir;
	cfg->huge_pages = (int)o->huge_pages;
	cfg->coldplug = o->coldplug;
	cfg->nr_coldplug = o->nr_coldplug;
	cfg->nvdimm = o->nvdimm;
	cfg->nr_nvdimm = o->nr_nvdimm;
	cfg->cxl_topology = o->cxl_topology;
	if (o->numa && parse_numa(o->numa, cfg)) {
		fprintf(stderr, "memhpd: invalid --numa '%s': want sizes per node (2G,0) or a node count\n",
			o->numa);
		return 2;
	}
	return 0;
}

static void install_signal_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_interrupt;
	sigaction(SIGUSR1, &sa, NULL);
	atomic_store(&d.session, fuse_get_session(d.fuse));
	/* over libfuse's exit handlers: also cancel the offlines in progress */
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int main(int argc, char **argv)
{
	static struct options o;	/* static: what it points to lives as long as the daemon */
	struct memhp_config cfg = { 0 };
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	char ready[PATH_MAX + 64];
	pthread_t st;
	int ret;

	ret = parse_args(argc, argv, &o);
	if (ret)
		return ret;
	ret = configure_machine(&o, &cfg);
	if (ret)
		return ret;
	d.sock.fd = -1;
	if (claim_mount_point(o.mount))
		return 1;
	ret = memhp_machine_create(&cfg, &d.m);
	if (ret) {
		fprintf(stderr, "memhpd: cannot build the machine: %s (%s); see the options in memhpd --help\n",
			strerror(-ret), memhp_strerror(ret));
		return 1;
	}
	pthread_mutex_init(&d.lock, NULL);
	pthread_cond_init(&d.clients_gone, NULL);

	fuse_opt_add_arg(&args, "memhpd");
	fuse_opt_add_arg(&args, "-o");
	fuse_opt_add_arg(&args, "allow_other,default_permissions,fsname=" MEMHPD_FSNAME ",subtype=memhpd");
	d.fuse = fuse_new(&args, &fs_ops, sizeof(fs_ops), NULL);
	ret = 1;
	if (!d.fuse) {
		fprintf(stderr, "memhpd: cannot start FUSE (is /dev/fuse there, and libfuse3?)\n");
		goto out_machine;
	}
	if (claim_socket(o.socket ? o.socket : CTL_DEFAULT_SOCKET))
		goto out_fuse;
	if (fuse_mount(d.fuse, d.mount)) {
		fprintf(stderr, "memhpd: cannot mount on %s (is /dev/fuse usable, and fusermount3 installed?)\n",
			d.mount);
		goto out_socket;
	}
	/* the tree is mounted and the socket listens: now the caller may go on */
	if (fuse_daemonize(o.foreground))
		goto out_unmount;
	if (fuse_set_signal_handlers(fuse_get_session(d.fuse)))
		goto out_unmount;
	install_signal_handlers();
	if (pthread_create(&st, NULL, socket_thread, NULL))
		goto out_signals;
	snprintf(ready, sizeof(ready), "READY=1\nMAINPID=%d\nSTATUS=serving %s", (int)getpid(), d.mount);
	notify_systemd(ready);
	ret = fuse_loop_mt(d.fuse, 0) ? 1 : 0;
	notify_systemd("STOPPING=1");
	on_stop(0);	/* the loop may also end by an unmount */
	shutdown(d.sock.fd, SHUT_RDWR);
	pthread_join(st, NULL);
	clients_stop();
out_signals:
	fuse_remove_signal_handlers(fuse_get_session(d.fuse));
out_unmount:
	fuse_unmount(d.fuse);
	/* unmounted: the point is free for the next memhpd already */
	close(d.mount_lock);
	d.mount_lock = -1;
out_socket:
	socket_release(&d.sock);
out_fuse:
	atomic_store(&d.session, NULL);	/* a late SIGTERM must not reach it */
	fuse_destroy(d.fuse);
out_machine:
	fuse_opt_free_args(&args);
	for (int i = 0; i < DAEMON_MAX_BACKINGS; i++)
		if (d.backings[i].name[0])
			close(d.backings[i].fd);
	for (int i = 0; i < DAEMON_MAX_USERS; i++)
		if (d.users[i].name[0])
			memhp_region_free(d.users[i].region);
	memhp_machine_destroy(d.m);
	return ret;
}
