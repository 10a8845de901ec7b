/* SPDX-License-Identifier: MIT */
/*
 * internal.h - the engine's data structures, shared by every file in lib/.
 *
 * The model follows the kernel's: a machine has NUMA nodes (pglist_data),
 * each with zones (DMA, DMA32, Normal, Movable, Device); physical memory is
 * cut into sparse sections, grouped into memory blocks; every pfn has a
 * struct page in the vmemmap.  Unlike a simulation, the memory is real:
 *
 *   page_address(pfn) = m->direct_map + pfn * page_size   (MAP_SHARED of the
 *                                                           device's fd)
 *   pfn_to_page(pfn)  = m->vmemmap + pfn                   (struct page is
 *                                                           64 bytes)
 *
 * and the vmemmap of a section is itself mapped from the physical pages that
 * hold it: the block's own first pages with memmap_on_memory (altmap), or
 * pages taken from the buddy allocator of existing memory without it.
 *
 * Locks, outermost first (the kernel's order):
 *   device_hotplug_lock (mutex)  serialises online/offline/add/remove
 *   block->dev_lock (mutex)      one block's state transitions
 *   mem_hotplug_lock (rwlock)    write: add/remove/online/offline; read:
 *                                whoever dereferences struct pages of
 *                                sections that could go away
 *   owners_lock (mutex)          region pages vs. migration, pins
 *   blocks_lock (rwlock)         m->blocks[], node links, registered nodes:
 *                                lock-free sysfs readers vs creation/removal
 *   span_lock (mutex)            zone/node spans, present counts, node masks,
 *                                groups, sections' pageblock arrays
 *   zone->lock (mutex)           free lists, free counts, pageblock types
 *   resource_lock, devices_lock, notifier_lock, param_lock, log lock: leaves
 * The kernel's files read counters with span_lock, zone locks and atomics
 * only, never mem_hotplug_lock, so they do not wait for a long offline and
 * a notifier callback may read them.
 */
#ifndef MEMHP_INTERNAL_H
#define MEMHP_INTERNAL_H

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "memhp/memhp.h"
#include "lockdep.h"

/* the parts, lowest layer first */
#include "base.h"
#include "physical.h"
#include "page.h"
#include "zones.h"
#include "hotplug.h"
#include "migration.h"
#include "device.h"
#include "machine.h"
#include "uevent.h"

#endif
