// SPDX-License-Identifier: MIT
/*
 * collide.c - a program with functions of its own named like memhp's
 * insides (the kernel's names: free_pages, add_memory, should_fail, ...)
 * links against libmemhp, static and shared, and both work: the library
 * exports its API only (scripts/check-install.sh).
 */
#include <stdio.h>

#include <memhp/memhp.h>

int free_pages(int x);
int add_memory(int x);
int should_fail(int x);
int log_create(int x);
int kstrtobool(int x);
int online_pages(int x);

int free_pages(int x) { return x + 1; }
int add_memory(int x) { return x + 2; }
int should_fail(int x) { return x + 3; }
int log_create(int x) { return x + 4; }
int kstrtobool(int x) { return x + 5; }
int online_pages(int x) { return x + 6; }

int main(void)
{
	struct memhp_config c = { .mem = 1ULL << 30, .cmdline = "memory_hotplug.memmap_on_memory=1" };
	struct memhp_machine *m;
	struct memhp_dimm_info d;
	char audit[256];
	int rc;

	if (memhp_machine_create(&c, &m))
		return 1;
	/* the library's add path runs its own add_memory, not ours */
	rc = memhp_dimm_add(m, "d1", 1ULL << 30, 0, MEMHP_ADDR_AUTO, -1, &d) || !d.enabled ||
	     memhp_audit(m, audit, sizeof(audit));
	rc |= free_pages(0) + add_memory(0) + should_fail(0) + log_create(0) + kstrtobool(0) + online_pages(0) != 21;
	memhp_machine_destroy(m);
	printf("collide: %s\n", rc ? "FAILED" : "ok");
	return rc;
}
