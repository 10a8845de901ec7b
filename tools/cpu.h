/* SPDX-License-Identifier: MIT */
/*
 * cpu.h - one host CPU for a machine run in process.
 *
 * A thread uses the per-CPU page lists of the CPU it runs on, as in the
 * kernel.  The guests memhp's tools model have one CPU (the oracle's runs
 * with smp 1), so a run that the host moved between CPUs would use two
 * CPUs' lists, and where an allocation lands - or when memory runs out -
 * would depend on the host's scheduler.  Runs in process pin themselves.
 */
#ifndef MEMHP_TOOLS_CPU_H
#define MEMHP_TOOLS_CPU_H

#include <sched.h>
#include <stdbool.h>

/* pin the calling thread (and the threads it starts) to the CPU it is on;
 * *old gets the mask to restore.  False when it cannot. */
static inline bool pin_one_cpu(cpu_set_t *old)
{
	cpu_set_t one;
	int cpu = sched_getcpu();

	if (cpu < 0 || sched_getaffinity(0, sizeof(*old), old))
		return false;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	return !sched_setaffinity(0, sizeof(one), &one);
}

#endif
