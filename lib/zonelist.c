// SPDX-License-Identifier: MIT
/*
 * zonelist.c - each node's fallback order (mm/page_alloc.c:
 * build_all_zonelists, build_zonelists, find_next_best_node).
 *
 * An allocation that prefers node `nid` walks nid's zonelist: the nodes
 * with memory, nid first when it has any, then the others by distance.
 * QEMU's nodes are all 20 apart, so the ties decide, as the kernel breaks
 * them: a node numbered below nid costs one more, a node with CPUs one
 * more again, and among equals the less loaded wins - where each build
 * loads the first node it puts after nid (node_load, zeroed at the start
 * of every build of all the lists).  So on three nodes with the CPU on
 * node 0, node 2 falls back to node 1 before node 0 - except in the
 * boot's first build, which runs before the CPUs are in their nodes'
 * masks: then it is 2 0 1, until a zone is populated or emptied and every
 * list is built again (the kernel's log prints each list it builds: the
 * recorded runs show "Fallback order for Node 2: 2 0 1" at boot and
 * "2 1 0" after).
 *
 * Memhp keeps only the node order: the zones inside each node are walked
 * from the highest allowed down, populated ones only, when allocating.
 * The lists are guarded by span_lock, as the node masks they read.
 */
#include <string.h>

#include "internal.h"

#define LOCAL_DISTANCE	10
#define REMOTE_DISTANCE	20	/* QEMU's default for every pair */

static int node_distance(int a, int b)
{
	return a == b ? LOCAL_DISTANCE : REMOTE_DISTANCE;
}

/* find_next_best_node; span_lock held */
static int find_next_best_node(struct memhp_machine *m, int node, uint32_t *used, const int *node_load,
			       bool cpus_known)
{
	int best = -1, min_val = INT32_MAX;

	/* the local node first - unless it has no memory */
	if (!(*used & (1u << node)) && (m->node_masks[N_MEMORY] & (1u << node))) {
		*used |= 1u << node;
		return node;
	}
	for (int n = 0; n < (int)m->nr_nodes; n++) {
		int val;

		if (!(m->node_masks[N_MEMORY] & (1u << n)) || (*used & (1u << n)))
			continue;
		val = node_distance(node, n);
		val += n < node;	/* "prefer the next node" */
		if (cpus_known && (m->node_masks[N_CPU] & (1u << n)))
			val += 1;	/* PENALTY_FOR_NODE_WITH_CPUS */
		val = val * MEMHP_MAX_NODES + node_load[n];
		if (val < min_val) {
			min_val = val;
			best = n;
		}
	}
	if (best >= 0)
		*used |= 1u << best;
	return best;
}

/*
 * build_zonerefs_node's check_highest_zone: the policy zone is the highest
 * zone below ZONE_MOVABLE any list has held; it never goes down
 */
static void check_highest_zones(struct memhp_machine *m, int nid)
{
	for (int z = ZONE_MOVABLE - 1; z > m->policy_zone; z--)
		if (populated_zone(&m->nodes[nid].node_zones[z])) {
			m->policy_zone = z;
			return;
		}
}

/* build_zonelists: node `local`'s order; span_lock held */
static void build_zonelists(struct memhp_machine *m, int local, int *node_load, bool cpus_known)
{
	uint32_t used = 0;
	int node, prev = local;
	unsigned int nr = 0;

	while ((node = find_next_best_node(m, local, &used, node_load, cpus_known)) >= 0) {
		/* the first node of each distance group gets the load: round-robin */
		if (node_distance(local, node) != node_distance(local, prev))
			node_load[node]++;
		m->zonelist_order[local][nr++] = (uint8_t)node;
		check_highest_zones(m, node);
		prev = node;
	}
	m->zonelist_len[local] = (uint8_t)nr;
}

static void log_fallback_order(struct memhp_machine *m, int nid, const uint8_t *order, unsigned int nr)
{
	char buf[4 * MEMHP_MAX_NODES + 1];
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < nr; i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%d ", order[i]);
	mlog(m, "Fallback order for Node %d: %s", nid, buf);
}

/*
 * build_all_zonelists: every node's list, or only `self`'s (a node
 * being hot-added, not yet online: __build_all_zonelists builds its list
 * alone).  `early`: the boot's first build, before any CPU is in its
 * node's mask.  Logs each list, the count of online nodes and the policy
 * zone, as the kernel does.
 */
void build_all_zonelists(struct memhp_machine *m, int self, bool early)
{
	uint8_t order[MEMHP_MAX_NODES][MEMHP_MAX_NODES];
	uint8_t len[MEMHP_MAX_NODES];
	int node_load[MEMHP_MAX_NODES] = { 0 };
	unsigned int online;
	unsigned long total;
	int policy_zone, cpu_nid;

	pthread_mutex_lock(&m->span_lock);
	for (int nid = 0; nid < (int)m->nr_nodes; nid++)
		if (self < 0 || nid == self)
			build_zonelists(m, nid, node_load, !early);
	memcpy(order, m->zonelist_order, sizeof(order));
	memcpy(len, m->zonelist_len, sizeof(len));
	online = (unsigned int)__builtin_popcount(m->node_masks[N_ONLINE]);
	/* Total pages is counted over the list of the CPU's node (numa_node_id) */
	cpu_nid = m->node_masks[N_CPU] ? __builtin_ctz(m->node_masks[N_CPU]) : 0;
	total = nr_free_zone_pages(m, m->zonelist_order[cpu_nid], m->zonelist_len[cpu_nid], early);
	policy_zone = m->policy_zone;
	pthread_mutex_unlock(&m->span_lock);

	for (int nid = 0; nid < (int)m->nr_nodes; nid++)
		if (self < 0 || nid == self)
			log_fallback_order(m, nid, order[nid], len[nid]);
	/*
	 * Grouping by mobility is off below a pageblock per migrate type
	 * (MIGRATE_CMA one more on arm64): 10 MiB on x86, 3 GiB on arm64
	 * with 64 KiB pages.  Only the line says so: memhp's allocator keeps
	 * grouping regardless, so a machine that small does not allocate as
	 * the kernel's would.
	 */
	mlog(m, "Built %u zonelists, mobility grouping %s.  Total pages: %lu", online,
	     total < m->pageblock_nr_pages * (MIGRATE_TYPES + m->arch->cma) ? "off" : "on", total);
	mlog(m, "Policy zone: %s", zone_names[policy_zone]);
}

/* node nid's fallback order into nodes[] (MEMHP_MAX_NODES long); the count */
unsigned int zonelist_nodes(struct memhp_machine *m, int nid, int *nodes)
{
	unsigned int nr;

	pthread_mutex_lock(&m->span_lock);
	nr = m->zonelist_len[nid];
	for (unsigned int i = 0; i < nr; i++)
		nodes[i] = m->zonelist_order[nid][i];
	pthread_mutex_unlock(&m->span_lock);
	return nr;
}
