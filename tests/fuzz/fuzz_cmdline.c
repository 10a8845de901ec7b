// SPDX-License-Identifier: MIT
/*
 * fuzz_cmdline.c - the kernel command line: memhp_machine_create parses it
 * (memory_hotplug.*, memhp_default_state, movable_node, mem=, memmap=...).
 * Any input must boot a consistent machine or be refused with an errno.
 */
#include <stdlib.h>
#include <string.h>

#include "memhp/memhp.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct memhp_config c = { .mem = 128ULL << 20 };
	struct memhp_machine *m = NULL;
	char *cmdline, msg[256];

	if (size > 4096)
		return 0;
	cmdline = malloc(size + 1);
	if (!cmdline)
		return 0;
	memcpy(cmdline, data, size);
	cmdline[size] = '\0';
	c.cmdline = cmdline;
	if (!memhp_machine_create(&c, &m)) {
		if (memhp_audit(m, msg, sizeof(msg)))
			abort();	/* a command line left the machine inconsistent */
		memhp_machine_destroy(m);
	}
	free(cmdline);
	return 0;
}
