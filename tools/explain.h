/* SPDX-License-Identifier: MIT */
/*
 * explain.h - why the kernel refused, in words a user understands.
 *
 * The kernel says why it refuses in its log, not in the errno: EBUSY from
 * an offline may mean a pinned page, the kernel's own allocations in the
 * first Normal block, or a signal.  memhpd keeps the log lines an operation
 * produced and hands them, with a plain-words reading of the ones it
 * knows, back with the error.
 */
#ifndef MEMHP_TOOLS_EXPLAIN_H
#define MEMHP_TOOLS_EXPLAIN_H

#include <stddef.h>

/*
 * LOG: the lines logged while the operation ran (dmesg format); ERR its
 * -errno.  Writes "<plain reason>; kernel: <line>; <line>" into OUT (or
 * only what there is); empty when neither is known.
 */
void explain_failure(const char *log, int err, char *out, size_t len);

#endif
