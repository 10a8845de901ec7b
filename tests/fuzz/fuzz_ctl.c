// SPDX-License-Identifier: MIT
/*
 * fuzz_ctl.c - memhpd's control-socket protocol: one request line, handled
 * by the daemon's own handle_request (tools/ctl_server.c, linked as an
 * object) against a live machine, the reply read back over a
 * socketpair.  Every line gets exactly one well-formed reply, and the
 * machine stays consistent (audited every 32 inputs).  Requests naming a
 * backing file are skipped: they open files of the host, which a fuzzer
 * running as root must not write.  Some requests wait as long as their
 * client lives, as the kernel's do (an offline on a pinned page, "pin ...
 * hold"): the client hangs up after 300 ms, which must cancel them.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctl.h"
#include "daemon.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static void daemon_init(void)
{
	struct memhp_config c = { .mem = 1ULL << 30, .nr_nodes = 2,
				  .cmdline = "memory_hotplug.memmap_on_memory=1" };

	signal(SIGTERM, SIG_IGN);	/* "shutdown" signals the daemon's own pid */
	pthread_mutex_init(&d.lock, NULL);
	pthread_cond_init(&d.clients_gone, NULL);
	if (memhp_machine_create(&c, &d.m))
		abort();
}

struct hangup {
	int fd;
	atomic_int done, hung;
};

static void *hang_up_later(void *arg)
{
	struct hangup *h = arg;

	for (int i = 0; i < 30 && !atomic_load(&h->done); i++)
		usleep(10000);
	if (!atomic_load(&h->done)) {
		atomic_store(&h->hung, 1);
		shutdown(h->fd, SHUT_RDWR);	/* the client goes away */
	}
	return NULL;
}

/* the reply: a header "ok N" + N bytes, or "error NAME text" */
static void check_reply(int fd)
{
	char buf[65536];
	size_t n = 0;
	ssize_t r;

	while ((r = recv(fd, buf + n, sizeof(buf) - 1 - n, MSG_DONTWAIT)) > 0 && n < sizeof(buf) - 1)
		n += (size_t)r;
	buf[n] = '\0';
	if (strncmp(buf, "ok ", 3) && strncmp(buf, "error ", 6))
		abort();	/* no reply, or a malformed one */
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static unsigned long runs;
	char line[CTL_MAX_LINE + 1], msg[256];
	int sv[2], big = 4 << 20;

	if (!d.m)
		daemon_init();
	if (size > CTL_MAX_LINE || memmem(data, size, "backing", 7))
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	line[strcspn(line, "\n")] = '\0';
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return 0;
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	{
		struct hangup h = { .fd = sv[1] };
		pthread_t t;
		bool timer = !pthread_create(&t, NULL, hang_up_later, &h);

		handle_request(sv[0], line);
		atomic_store(&h.done, 1);
		if (timer)
			pthread_join(t, NULL);
		if (!atomic_load(&h.hung))
			check_reply(sv[1]);
	}
	close(sv[0]);
	close(sv[1]);
	if (++runs % 32 == 0 && memhp_audit(d.m, msg, sizeof(msg)))
		abort();
	return 0;
}
