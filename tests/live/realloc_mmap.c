// SPDX-License-Identifier: MIT
/*
 * realloc_mmap - an allocator that maps its memory with mmap, as mimalloc
 * does, under libmemhp-preload.so.
 *
 * The program defines __libc_realloc (exported: linked -rdynamic), so the
 * preload's own table of heap mappings grows through it, as it does when
 * mimalloc is preloaded after memhp; each growth maps a new segment with
 * mmap, which the preload takes onto the heap.  It then makes N heap
 * mappings, more than the table's first 256 slots, and checks each.
 * Before maps_reserve let that nested mmap pass through, the growth took
 * the preload's lock twice and the program hung (sqlite3 on mimalloc).
 *
 * usage: realloc_mmap N     (exit 0: every mapping made and intact)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define MAP_BYTES (1UL << 20)

static unsigned long grown;

/*
 * As an allocator that keeps its memory in mmap'ed segments does when it
 * runs out: map a new segment (large enough for the preload to take, as
 * mimalloc's are), then serve the request - here from glibc, so that
 * whoever frees the buffer with free() frees a glibc pointer.
 */
void *__libc_realloc(void *old, size_t size)
{
	void *segment = mmap(NULL, MAP_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (segment == MAP_FAILED)
		return NULL;
	memset(segment, 0x5a, 4096);
	grown++;
	return realloc(old, size);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 600;
	unsigned char **maps = calloc((size_t)n, sizeof(*maps));

	if (!maps || n <= 0)
		return 2;
	for (long i = 0; i < n; i++) {
		maps[i] = mmap(NULL, MAP_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (maps[i] == MAP_FAILED) {
			fprintf(stderr, "mapping %ld: %m\n", i);
			return 1;
		}
		memset(maps[i], (int)(i & 0xff), MAP_BYTES);
	}
	for (long i = 0; i < n; i++)
		for (size_t k = 0; k < MAP_BYTES; k += 4096)
			if (maps[i][k] != (unsigned char)(i & 0xff)) {
				fprintf(stderr, "mapping %ld: byte %zu changed\n", i, k);
				return 1;
			}
	printf("%ld mappings intact, the preload's table grown %lu times through __libc_realloc\n", n, grown);
	return 0;
}
