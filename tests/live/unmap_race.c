// SPDX-License-Identifier: MIT
/*
 * unmap_race.c - munmap of heap memory must be one step, as the kernel's:
 * one thread maps and unmaps 1 MiB over and over while another maps,
 * fills and checks 1 MiB of its own.  Were the heap's munmap to leave the
 * range unmapped for a moment before its final system call, the second
 * thread's new mapping would be placed in that hole and then unmapped
 * under it (SIGSEGV) or replaced (a wrong word).  Prints "ok N".
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define SZ (1UL << 20)

static atomic_int stop;

static void *churn(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop)) {
		char *p = mmap(NULL, SZ, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			abort();
		p[0] = 1;
		munmap(p, SZ);
	}
	return NULL;
}

static void on_segv(int sig)
{
	static const char msg[] = "unmap_race: SIGSEGV: a live mapping was unmapped under its owner\n";

	(void)sig;
	write(2, msg, sizeof(msg) - 1);
	_exit(1);
}

int main(int argc, char **argv)
{
	long iters = argc > 1 ? atol(argv[1]) : 1000;
	pthread_t t;

	signal(SIGSEGV, on_segv);
	pthread_create(&t, NULL, churn, NULL);
	for (long it = 0; it < iters; it++) {
		unsigned *p = mmap(NULL, SZ, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			return 2;
		for (unsigned i = 0; i < SZ / 4; i += 1024)
			p[i] = (unsigned)it + i;
		for (unsigned i = 0; i < SZ / 4; i += 1024)
			if (p[i] != (unsigned)it + i) {
				printf("unmap_race: iteration %ld: a word changed\n", it);
				return 1;
			}
		munmap(p, SZ);
	}
	atomic_store(&stop, 1);
	pthread_join(t, NULL);
	printf("ok %ld\n", iters);
	return 0;
}
