// SPDX-License-Identifier: MIT
/*
 * wprotect.c - taking a window page away from writers while it migrates
 * (the migration entry of mm/migrate.c:try_to_migrate_one).
 *
 * The kernel replaces the page-table entry of a page under migration with
 * a migration entry; every writer - a thread's store, and the kernel
 * itself copying into the page on behalf of read(2), recvmsg(2) or any
 * other system call - then sleeps in migration_entry_wait() until the
 * page has moved, and retries on the new one.  No system call fails, no
 * datagram is lost.
 *
 * userfaultfd write-protect gives memhp the same thing: a window page
 * write-protected through the machine's userfaultfd makes every write to
 * it, from user space or from the kernel, sleep in handle_userfault()
 * until memhp lifts the protection or remaps the page and wakes the
 * range; the fault is then retried on the new mapping.  Nobody needs to
 * read the fault messages: the wake alone releases the writers.
 *
 * Where userfaultfd is unavailable (no CAP_SYS_PTRACE with
 * vm.unprivileged_userfaultfd=0, a seccomp filter, a kernel without
 * write-protect on shmem), and for pages whose backing it cannot
 * write-protect (a file on a disk file system, /dev/dax: only shmem and
 * hugetlbfs can be), the fallback is mprotect(PROT_READ) and the
 * SIGSEGV handler of migrate.c: user-space writers wait the same, but a
 * system call writing into the page fails with EFAULT - the log says
 * which of the two a machine runs.
 *
 * A window page whose page is out in device-private memory is, with
 * userfaultfd, an empty anonymous page registered for missing faults: any
 * access - a load, a store, a system call's copy - sleeps in the kernel
 * while the machine's fault thread has migrate_to_ram bring the page back
 * (do_swap_page on a device-private entry), then is retried on it.
 * Without userfaultfd the page is PROT_NONE and the SIGSEGV handler does
 * the same for the program's own accesses.
 */
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

static void fault_thread_stop(struct memhp_machine *m);

static int uffd_open(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return -errno;
	if (ioctl(fd, UFFDIO_API, &api)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static int uffd_register(int fd, void *va, size_t len)
{
	struct uffdio_register reg = {
		.range = { .start = (uintptr_t)va, .len = len },
		.mode = UFFDIO_REGISTER_MODE_WP,
	};

	return ioctl(fd, UFFDIO_REGISTER, &reg) ? -errno : 0;
}

static int uffd_writeprotect(int fd, void *va, size_t len, bool protect)
{
	struct uffdio_writeprotect wp = {
		.range = { .start = (uintptr_t)va, .len = len },
		.mode = protect ? UFFDIO_WRITEPROTECT_MODE_WP : 0,	/* clearing wakes */
	};

	return ioctl(fd, UFFDIO_WRITEPROTECT, &wp) ? -errno : 0;
}

/*
 * Whether write-protect works on a MAP_SHARED memfd here: registering
 * one needs the kernel's shmem pte markers (CONFIG_PTE_MARKER_UFFD_WP).
 */
static int uffd_probe_shmem_wp(int fd, size_t page_size)
{
	int mfd = memfd_create("memhp-wp-probe", MFD_CLOEXEC);
	void *p = MAP_FAILED;
	int ret = -errno;

	if (mfd < 0)
		return ret;
	ret = ftruncate(mfd, (off_t)page_size) ? -errno : 0;
	if (!ret) {
		p = mmap(NULL, page_size, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
		ret = p == MAP_FAILED ? -errno : 0;
	}
	if (!ret)
		ret = uffd_register(fd, p, page_size);
	if (!ret)
		ret = uffd_writeprotect(fd, p, page_size, true);
	if (!ret)
		ret = uffd_writeprotect(fd, p, page_size, false);
	if (p != MAP_FAILED)
		munmap(p, page_size);
	close(mfd);
	return ret;
}

static int wp_open(struct memhp_machine *m)
{
	int fd = m->uffd_forced_off ? -EPERM : uffd_open();
	int ret = fd;

	m->uffd = -1;
	m->uffd_pid = getpid();
	if (fd >= 0) {
		ret = uffd_probe_shmem_wp(fd, m->page_size);
		if (ret)
			close(fd);
		else
			m->uffd = fd;
	}
	return ret;
}

void wp_init(struct memhp_machine *m, bool force_mprotect)
{
	int ret;

	m->uffd_forced_off = force_mprotect;
	ret = wp_open(m);
	if (m->uffd >= 0)
		mlog(m, "memhp: migration: writers wait on userfaultfd write-protect");
	else
		mlog(m, "memhp: migration: writers wait in the SIGSEGV handler (userfaultfd: %s); a system call writing into a migrating page fails with EFAULT",
		     force_mprotect ? "not asked for" : memhp_strerror(ret));
}

/*
 * A userfaultfd acts on the address space of the process that opened it:
 * a machine created before fork(2) (a daemon that detaches) needs its own
 * in the process that maps its regions.  Called with owners_lock held
 * before a window is first mapped; the old one had no window of ours.
 */
void wp_ensure_own(struct memhp_machine *m)
{
	bool had = m->uffd >= 0;

	if (m->uffd_pid == getpid())
		return;
	fault_thread_stop(m);	/* the thread stayed with the parent */
	if (had)
		close(m->uffd);
	wp_open(m);
	if (had && m->uffd < 0)
		mlog(m, "memhp: migration: after fork, writers wait in the SIGSEGV handler");
}

/* missing faults: a device-private page comes back, then its waiters go on */
static void *fault_thread(void *arg)
{
	struct memhp_machine *m = arg;
	struct pollfd pfd[2] = { { .fd = m->uffd, .events = POLLIN }, { .fd = m->uffd_stop[0], .events = POLLIN } };

	for (;;) {
		struct uffd_msg msg;

		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			break;
		if (pfd[1].revents)
			break;
		while (read(m->uffd, &msg, sizeof(msg)) == (ssize_t)sizeof(msg)) {
			uintptr_t page;

			/* a write-protect fault: the migration that set it wakes it */
			if (msg.event != UFFD_EVENT_PAGEFAULT || (msg.arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WP))
				continue;
			page = region_missing_fault(m, (uintptr_t)msg.arg.pagefault.address);
			if (page)
				wp_wake(m, (void *)page, m->page_size);
		}
	}
	return NULL;
}

int wp_fault_thread_start(struct memhp_machine *m)
{
	if (m->uffd < 0 || m->uffd_thread_running)
		return 0;
	if (pipe2(m->uffd_stop, O_CLOEXEC))
		return -ENOMEM;
	if (pthread_create(&m->uffd_thread, NULL, fault_thread, m)) {
		close(m->uffd_stop[0]);
		close(m->uffd_stop[1]);
		return -ENOMEM;
	}
	m->uffd_thread_running = true;
	m->uffd_thread_pid = getpid();
	return 0;
}

static void fault_thread_stop(struct memhp_machine *m)
{
	if (!m->uffd_thread_running)
		return;
	if (m->uffd_thread_pid == getpid()) {
		(void)!write(m->uffd_stop[1], "", 1);
		pthread_join(m->uffd_thread, NULL);
	}
	close(m->uffd_stop[0]);
	close(m->uffd_stop[1]);
	m->uffd_thread_running = false;
}

int wp_register_missing(struct memhp_machine *m, void *va, size_t len)
{
	struct uffdio_register reg = {
		.range = { .start = (uintptr_t)va, .len = len },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};

	if (m->uffd < 0)
		return 0;
	return ioctl(m->uffd, UFFDIO_REGISTER, &reg) ? -ENOMEM : 0;
}

void wp_exit(struct memhp_machine *m)
{
	fault_thread_stop(m);
	if (m->uffd >= 0)
		close(m->uffd);	/* wakes any writer still waiting: there is none */
	m->uffd = -1;
}

bool wp_waits_in_kernel(const struct memhp_machine *m)
{
	return m->uffd >= 0;
}

int wp_register(struct memhp_machine *m, const struct physdev *d, void *va, size_t len)
{
	int ret;

	if (m->uffd < 0 || !d->shmem)
		return 0;
	ret = uffd_register(m->uffd, va, len);
	if (ret)
		mlog(m, "memhp: migration: cannot register a window with userfaultfd: %s", memhp_strerror(ret));
	return ret ? -ENOMEM : 0;
}

/* pages from pfn[0] on that share pfn[0]'s way of protection: the run's length */
static size_t wp_run(struct memhp_machine *m, const unsigned long *pfn, size_t n, bool *uffd)
{
	struct physdev *d = physdev_find(m, PFN_PHYS_M(m, pfn[0]));
	size_t run = 1;

	*uffd = m->uffd >= 0 && d && d->shmem;
	while (run < n) {
		uint64_t phys = PFN_PHYS_M(m, pfn[run]);

		/* the same device as the last page: no lookup */
		if (!d || phys < d->phys_start || phys >= d->phys_start + d->size) {
			d = physdev_find(m, phys);
			if ((m->uffd >= 0 && d && d->shmem) != *uffd)
				break;
		}
		run++;
	}
	return run;
}

static int wp_set(struct memhp_machine *m, uint8_t *va, const unsigned long *pfn, size_t n, bool protect)
{
	int ret = 0;

	for (size_t i = 0; i < n;) {
		bool uffd;
		size_t run = wp_run(m, pfn + i, n - i, &uffd);
		uint8_t *p = va + i * m->page_size;
		size_t len = run * m->page_size;
		int err;

		if (uffd) {
			err = uffd_writeprotect(m->uffd, p, len, protect);
			/*
			 * A window mapped while its registration failed
			 * (map_window_counted keeps such a mapping): registered
			 * now, when a migration first needs it
			 */
			if (err == -ENOENT && protect && !uffd_register(m->uffd, p, len))
				err = uffd_writeprotect(m->uffd, p, len, protect);
		} else {
			err = mprotect(p, len, protect ? PROT_READ : PROT_READ | PROT_WRITE) ? -errno : 0;
		}
		/* unprotecting goes on past an error: as much as can be is writable */
		if (err && !ret)
			ret = -ENOMEM;
		if (err && protect)
			break;
		i += run;
	}
	return ret;
}

int wp_protect(struct memhp_machine *m, uint8_t *va, const unsigned long *pfn, size_t n)
{
	return wp_set(m, va, pfn, n, true);
}

int wp_unprotect(struct memhp_machine *m, uint8_t *va, const unsigned long *pfn, size_t n)
{
	return wp_set(m, va, pfn, n, false);
}

void wp_wake(struct memhp_machine *m, void *va, size_t len)
{
	struct uffdio_range range = { .start = (uintptr_t)va, .len = len };

	if (m->uffd >= 0 && len)
		ioctl(m->uffd, UFFDIO_WAKE, &range);	/* cannot fail on a valid range */
}
