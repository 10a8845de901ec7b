/* SPDX-License-Identifier: MIT */
/*
 * lockdep.h - the lock rules as checks, not only comments.
 *
 * In a debug build (-DMEMHP_DEBUG: the sanitizer builds of make check)
 * lockdep_assert_held() aborts, where the rule is broken, unless the
 * calling thread holds the mutex, and lockdep_assert_held_write() unless
 * it holds the rwlock for writing.  glibc records the owner's thread id
 * in both (the mutex's __owner, the rwlock's __cur_writer), so the check
 * costs one load and needs no lock of its own.  Otherwise both are empty.
 */
#ifndef MEMHP_LOCKDEP_H
#define MEMHP_LOCKDEP_H

#ifdef MEMHP_DEBUG
#include <assert.h>
#include <unistd.h>

#define lockdep_assert_held(l) assert((l)->__data.__owner == gettid())
#define lockdep_assert_held_write(l) assert((l)->__data.__cur_writer == gettid())
#else
#define lockdep_assert_held(l) ((void)(l))
#define lockdep_assert_held_write(l) ((void)(l))
#endif

#endif
