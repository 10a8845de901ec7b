/* SPDX-License-Identifier: MIT */
/*
 * preload.h - the two halves of libmemhp-preload.so: the interposed calls
 * and the heap's mappings (preload.c), the machine, its DIMMs and its
 * control socket (machine.c).
 */
#ifndef MEMHP_PRELOAD_H
#define MEMHP_PRELOAD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct memhp_machine;

/* the system calls themselves: what memhp's own code is linked to */
void *memhp_sys_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
int memhp_sys_munmap(void *addr, size_t len);
int memhp_sys_madvise(void *addr, size_t len, int advice);
int memhp_sys_mprotect(void *addr, size_t len, int prot);
void *memhp_sys_mremap(void *old, size_t old_len, size_t new_len, int flags, void *new_addr);

/* this thread is memhp's: its mappings are never the heap's */
void preload_thread_mark(void);

/* build the machine from MEMHP_* and serve MEMHP_SOCKET; why says what failed */
int preload_machine_start(struct memhp_machine **m, char *why, size_t len);
void preload_machine_stop(void);
/* in a forked child: the machine stays the parent's (its socket closed here) */
void preload_machine_child(void);
/* MEMHP_MIN: the smallest mapping the heap serves */
size_t preload_min_bytes(void);

/* heap pages held where they are for the length of an I/O (direct_io.c) */
long heap_pin(uintptr_t a, size_t len, uintptr_t *pins, size_t max);
void heap_unpin(const uintptr_t *pins, size_t n);


#endif
