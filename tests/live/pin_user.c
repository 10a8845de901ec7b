// SPDX-License-Identifier: MIT
#define _GNU_SOURCE
/*
 * pin_user.c - a heap page held by an I/O for as long as the test wants
 * (tests/integration/preload.sh): an O_DIRECT read into the heap pins
 * the buffer's pages for the length of the call, and a read from an
 * empty pipe lasts until someone writes.  Meanwhile an offline of the
 * DIMM under the buffer must wait, as the kernel's waits on a pinned
 * page, and a removal given up (cancelled) must leave everything as it
 * was.
 *
 * Prints "ready PID WFD" (the pipe's write end, for /proc/PID/fd/WFD),
 * then blocks in the read; once it returns, checks the 4096 bytes read
 * and the rest of the heap, prints "read ok" or "read BAD", then waits
 * for a line on stdin and checks the heap again: "final ok".
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define HEAP (8UL << 20)

static int heap_ok(const uint64_t *h)
{
	for (size_t w = 512; w < HEAP / 8; w++)	/* the first page is the buffer */
		if (h[w] != w * 0x9E3779B97F4A7C15ULL)
			return 0;
	return 1;
}

int main(void)
{
	uint64_t *h = mmap(NULL, HEAP, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned char *buf = (unsigned char *)h;
	int p[2], ok = 1;
	char line[16];

	if (h == MAP_FAILED || pipe(p) || fcntl(p[0], F_SETFL, O_DIRECT))
		return 2;
	for (size_t w = 0; w < HEAP / 8; w++)
		h[w] = w * 0x9E3779B97F4A7C15ULL;
	printf("ready %d %d\n", (int)getpid(), p[1]);
	fflush(stdout);
	if (read(p[0], buf, 4096) != 4096)
		ok = 0;
	for (int i = 0; i < 4096; i++)
		ok &= buf[i] == (unsigned char)(i * 7);
	ok &= heap_ok(h);
	printf("read %s\n", ok ? "ok" : "BAD");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 3;
	ok &= heap_ok(h);
	for (int i = 0; i < 4096; i++)
		ok &= buf[i] == (unsigned char)(i * 7);
	printf("final %s\n", ok ? "ok" : "BAD");
	return ok ? 0 : 1;
}
