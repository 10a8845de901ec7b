/* SPDX-License-Identifier: MIT */
/*
 * mounts.h - proving that a directory is a live memhpd tree.
 *
 * memhp's tools must never act on the host's real /sys or /proc.  A path
 * that merely exists proves nothing (a typo, a dead FUSE mount or the
 * host's own /sys all exist), so a tree counts as memhp's only when the
 * kernel's mount table says a `fuse.memhpd` file system from source
 * `memhp` is mounted exactly there and its root answers.  Reading the
 * host's /proc/self/mountinfo is the one thing these helpers do to the
 * host, and it only reads.
 */
#ifndef MEMHP_TOOLS_MOUNTS_H
#define MEMHP_TOOLS_MOUNTS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define MEMHPD_FSTYPE "fuse.memhpd"
#define MEMHPD_FSNAME "memhp"

/*
 * The disks memhpd serves under the tree's dev/ reach a command of
 * memhpctl exec as /dev/pmemN: links into this directory of its private
 * /dev, where exec binds the tree's dev/ (FUSE cannot make a block device
 * node).  memhpd keeps the links in line with the disks.
 */
#define MEMHP_BLOCK_DIR ".memhp-block"

enum memhpd_mount {
	MEMHPD_MOUNT_NONE,	/* nothing is mounted on the path itself */
	MEMHPD_MOUNT_LIVE,	/* memhpd's tree, and its daemon answers */
	MEMHPD_MOUNT_DEAD,	/* memhpd's tree, its daemon gone (ENOTCONN) */
	MEMHPD_MOUNT_OTHER,	/* another file system is mounted there */
};

/* a refusal's reason into buf (vsnprintf: a long path is cut, not an error) */
void why_set(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* the absolute, lexically normalised form of PATH (no symlinks followed:
 * a dead FUSE mount cannot be stat'ed, so realpath(3) fails on it) */
int memhpd_abspath(const char *path, char *out, size_t len);

/* what is mounted on ABS (absolute, normalised); *dev gets the topmost
 * mount's device when it is memhpd's (live or dead) */
enum memhpd_mount memhpd_mount_state(const char *abs, dev_t *dev);

/* 0 when DIR is a live memhpd tree (its root device in *dev), else -errno
 * with a sentence for the user in why */
int memhpd_tree_prove(const char *dir, dev_t *dev, char *why, size_t len);

#endif
