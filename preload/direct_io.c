// SPDX-License-Identifier: MIT
/*
 * direct_io.c - O_DIRECT reads into the heap pin its pages, as
 * get_user_pages does in the kernel.
 *
 * A read(2) on an O_DIRECT file has the device write straight into the
 * buffer's pages: the kernel pins them for the I/O, and an offline that
 * meets a pinned page retries until the pin is gone (or gives up with
 * the kernel's errno when the caller cancels).  memhp's migration must
 * see the same pin: a page copied and remapped while the device still
 * writes into the old one would lose what the device wrote after the
 * copy.  So every read on an O_DIRECT descriptor pins the heap pages of
 * its buffer (memhp_region_pin: a page under migration is pinned once it
 * has moved) for the length of the call.  Writes need nothing: the
 * device reads the old page, which the host keeps until the I/O is done,
 * and its contents are what was copied.
 *
 * Which descriptors are O_DIRECT is followed from open(2)/openat(2)
 * (and their _FORTIFY_SOURCE forms), fcntl(F_SETFL), dup*(2) and
 * close(2); reads through read/pread/readv/preadv and the fortified
 * __read_chk/__pread_chk are pinned.  Not followed: descriptors made by
 * openat2(2), raw syscall(2), SCM_RIGHTS or inherited across exec, and
 * closes by close_range(2) (a reused number may pin a read that needs no
 * pin: a removal waits for it, nothing is lost); asynchronous I/O
 * (io_submit, io_uring) is not pinned.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/uio.h>
#include <unistd.h>

#include "preload.h"

extern void *__libc_malloc(size_t size);
extern void __libc_free(void *p);

#define DIRECT_FDS 65536
/* 1: the descriptor was opened (or set) O_DIRECT; 0: not, or not known */
static atomic_uchar direct_fd[DIRECT_FDS];

static void fd_set_direct(int fd, int flags)
{
	if (fd >= 0 && fd < DIRECT_FDS)
		atomic_store_explicit(&direct_fd[fd], (flags & O_DIRECT) ? 1 : 0, memory_order_relaxed);
}

static bool fd_is_direct(int fd)
{
	if (fd >= 0 && fd < DIRECT_FDS)
		return atomic_load_explicit(&direct_fd[fd], memory_order_relaxed);
	return fd >= 0 && (fcntl(fd, F_GETFL) & O_DIRECT);
}

/* the next definition of each interposed call: libc's */
#define NEXT(name) ((__typeof__(&name))next_sym(#name))

static void *next_sym(const char *name)
{
	void *p = dlsym(RTLD_NEXT, name);

	if (!p)
		abort();	/* libc without it: nothing sane to do */
	return p;
}

/* ---- following the descriptors ------------------------------------------ */

static mode_t mode_arg(int flags, va_list ap)
{
	return (flags & (O_CREAT | O_TMPFILE)) ? (mode_t)va_arg(ap, int) : 0;
}

int open(const char *path, int flags, ...)
{
	static int (*next)(const char *, int, ...);
	va_list ap;
	mode_t mode;
	int fd;

	if (!next)
		next = NEXT(open);
	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	fd = next(path, flags, mode);
	fd_set_direct(fd, flags);
	return fd;
}

int open64(const char *path, int flags, ...) __attribute__((alias("open")));

int openat(int dirfd, const char *path, int flags, ...)
{
	static int (*next)(int, const char *, int, ...);
	va_list ap;
	mode_t mode;
	int fd;

	if (!next)
		next = NEXT(openat);
	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	fd = next(dirfd, path, flags, mode);
	fd_set_direct(fd, flags);
	return fd;
}

int openat64(int dirfd, const char *path, int flags, ...) __attribute__((alias("openat")));

/* what _FORTIFY_SOURCE compiles open(path, flags) without a mode into */
int __open_2(const char *path, int flags)
{
	return open(path, flags);
}

int __open64_2(const char *path, int flags) __attribute__((alias("__open_2")));

int __openat_2(int dirfd, const char *path, int flags)
{
	return openat(dirfd, path, flags);
}

int __openat64_2(int dirfd, const char *path, int flags) __attribute__((alias("__openat_2")));

int fcntl(int fd, int cmd, ...)
{
	static int (*next)(int, int, ...);
	va_list ap;
	long arg;
	int ret;

	if (!next)
		next = NEXT(fcntl);
	va_start(ap, cmd);
	arg = va_arg(ap, long);	/* every cmd takes one word or none */
	va_end(ap);
	ret = next(fd, cmd, arg);
	if (ret >= 0 && cmd == F_SETFL)
		fd_set_direct(fd, (int)arg);
	else if (ret >= 0 && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC))
		fd_set_direct(ret, fd_is_direct(fd) ? O_DIRECT : 0);
	return ret;
}

int fcntl64(int fd, int cmd, ...) __attribute__((alias("fcntl")));

int dup(int fd)
{
	static int (*next)(int);
	int nfd;

	if (!next)
		next = NEXT(dup);
	nfd = next(fd);
	fd_set_direct(nfd, fd_is_direct(fd) ? O_DIRECT : 0);
	return nfd;
}

int dup2(int fd, int nfd)
{
	static int (*next)(int, int);
	int ret;

	if (!next)
		next = NEXT(dup2);
	ret = next(fd, nfd);
	if (ret >= 0)
		fd_set_direct(ret, fd_is_direct(fd) ? O_DIRECT : 0);
	return ret;
}

int dup3(int fd, int nfd, int flags)
{
	static int (*next)(int, int, int);
	int ret;

	if (!next)
		next = NEXT(dup3);
	ret = next(fd, nfd, flags);
	if (ret >= 0)
		fd_set_direct(ret, fd_is_direct(fd) ? O_DIRECT : 0);
	return ret;
}

int close(int fd)
{
	static int (*next)(int);

	if (!next)
		next = NEXT(close);
	fd_set_direct(fd, 0);
	return next(fd);
}

/* ---- the reads ------------------------------------------------------------ */

/* pins for [a, a + len): on the stack when few, else allocated; NULL on failure */
struct pinned {
	uintptr_t local[64], *pins;
	long n;
};

static int pin_buffer(struct pinned *p, const void *buf, size_t len)
{
	size_t max = len / 4096 + 2;

	p->pins = max <= 64 ? p->local : __libc_malloc(max * sizeof(*p->pins));
	if (!p->pins)
		return -ENOMEM;
	p->n = heap_pin((uintptr_t)buf, len, p->pins, max);
	if (p->n < 0) {
		if (p->pins != p->local)
			__libc_free(p->pins);
		return (int)p->n;
	}
	return 0;
}

static void unpin_buffer(struct pinned *p)
{
	heap_unpin(p->pins, (size_t)p->n);
	if (p->pins != p->local)
		__libc_free(p->pins);
}

/* a direct read into one buffer: pinned around the call */
#define PINNED_READ(fd, buf, len, call)                                   \
	do {                                                              \
		struct pinned pin_;                                       \
		ssize_t ret_;                                             \
		if (!fd_is_direct(fd))                                    \
			return (call);                                    \
		if (pin_buffer(&pin_, (buf), (len))) {                    \
			errno = EFAULT;                                   \
			return -1;                                        \
		}                                                         \
		ret_ = (call);                                            \
		{                                                         \
			int e_ = errno;                                   \
			unpin_buffer(&pin_);                              \
			errno = e_;                                       \
		}                                                         \
		return ret_;                                              \
	} while (0)

ssize_t read(int fd, void *buf, size_t len)
{
	static ssize_t (*next)(int, void *, size_t);

	if (!next)
		next = NEXT(read);
	PINNED_READ(fd, buf, len, next(fd, buf, len));
}

ssize_t pread(int fd, void *buf, size_t len, off_t off)
{
	static ssize_t (*next)(int, void *, size_t, off_t);

	if (!next)
		next = NEXT(pread);
	PINNED_READ(fd, buf, len, next(fd, buf, len, off));
}

ssize_t pread64(int fd, void *buf, size_t len, off_t off) __attribute__((alias("pread")));

/* what _FORTIFY_SOURCE compiles read/pread into when the buffer's size is known */
ssize_t __read_chk(int fd, void *buf, size_t len, size_t buflen)
{
	static ssize_t (*next)(int, void *, size_t, size_t);

	if (!next)
		next = NEXT(__read_chk);
	PINNED_READ(fd, buf, len, next(fd, buf, len, buflen));
}

ssize_t __pread_chk(int fd, void *buf, size_t len, off_t off, size_t buflen)
{
	static ssize_t (*next)(int, void *, size_t, off_t, size_t);

	if (!next)
		next = NEXT(__pread_chk);
	PINNED_READ(fd, buf, len, next(fd, buf, len, off, buflen));
}

ssize_t __pread64_chk(int fd, void *buf, size_t len, off_t off, size_t buflen) __attribute__((alias("__pread_chk")));

/* the vectors' buffers, each pinned; -1 with errno on failure */
static int pin_iov(struct pinned *p, const struct iovec *iov, int cnt)
{
	for (int i = 0; i < cnt; i++)
		if (pin_buffer(&p[i], iov[i].iov_base, iov[i].iov_len)) {
			while (i--)
				unpin_buffer(&p[i]);
			errno = ENOMEM;
			return -1;
		}
	return 0;
}

static ssize_t pinned_vector(int fd, const struct iovec *iov, int cnt, off_t off, int flags, int which)
{
	static ssize_t (*next_readv)(int, const struct iovec *, int);
	static ssize_t (*next_preadv)(int, const struct iovec *, int, off_t);
	static ssize_t (*next_preadv2)(int, const struct iovec *, int, off_t, int);
	struct pinned *p = NULL;
	ssize_t ret;
	int e;

	if (!next_readv) {
		next_preadv = NEXT(preadv);
		next_preadv2 = NEXT(preadv2);
		next_readv = NEXT(readv);
	}
	if (fd_is_direct(fd) && cnt > 0) {
		p = __libc_malloc((size_t)cnt * sizeof(*p));
		if (!p || pin_iov(p, iov, cnt)) {
			__libc_free(p);
			errno = ENOMEM;
			return -1;
		}
	}
	ret = which == 0 ? next_readv(fd, iov, cnt)
	      : which == 1 ? next_preadv(fd, iov, cnt, off)
			   : next_preadv2(fd, iov, cnt, off, flags);
	e = errno;
	if (p) {
		for (int i = 0; i < cnt; i++)
			unpin_buffer(&p[i]);
		__libc_free(p);
	}
	errno = e;
	return ret;
}

ssize_t readv(int fd, const struct iovec *iov, int cnt)
{
	return pinned_vector(fd, iov, cnt, 0, 0, 0);
}

ssize_t preadv(int fd, const struct iovec *iov, int cnt, off_t off)
{
	return pinned_vector(fd, iov, cnt, off, 0, 1);
}

ssize_t preadv64(int fd, const struct iovec *iov, int cnt, off_t off) __attribute__((alias("preadv")));

ssize_t preadv2(int fd, const struct iovec *iov, int cnt, off_t off, int flags)
{
	return pinned_vector(fd, iov, cnt, off, flags, 2);
}

ssize_t preadv64v2(int fd, const struct iovec *iov, int cnt, off_t off, int flags) __attribute__((alias("preadv2")));
