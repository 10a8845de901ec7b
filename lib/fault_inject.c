// SPDX-License-Identifier: MIT
/*
 * fault_inject.c - fail the Nth fallible step (lib/fault-inject.c in
 * spirit, SQLite's test hooks in practice).
 *
 * Every step of the engine that can fail in the kernel (an allocation, a
 * mapping, a resource request, a notifier) asks should_fail() first;
 * memhp_fault_inject(m, N) arms the machine so that the Nth such step
 * from now fails, once.  The tests sweep N over every step of an
 * operation and check that each failure rolls the machine back exactly.
 * The state is the machine's own (two atomics): machines do not share it.
 */
#include "internal.h"

/*
 * Steps are counted only while a fault is armed: an unarmed check is one
 * shared read, so the hot paths (every allocation) do not all write the
 * same cache line.
 */
bool should_fail(struct memhp_machine *m)
{
	unsigned long nth = atomic_load_explicit(&m->fault_nth, memory_order_relaxed);

	if (!nth || atomic_fetch_add(&m->fault_count, 1) + 1 != nth)
		return false;
	/* a test's hook: what another thread does right when a step fails */
	if (m->fault_hook)
		m->fault_hook(m->fault_hook_arg);
	return true;
}

unsigned long memhp_fault_inject(struct memhp_machine *m, unsigned long nth)
{
	machine_check(m);
	unsigned long seen = atomic_exchange(&m->fault_count, 0);

	atomic_store(&m->fault_nth, nth);
	return seen;
}
