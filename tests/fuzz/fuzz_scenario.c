// SPDX-License-Identifier: MIT
/*
 * fuzz_scenario.c - the scenario language (the oracle's, as memhpctl run
 * reads it): any file loads or is refused with a message, never crashes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "scenario.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct scenario s;
	char path[64], err[256];
	int fd = memfd_create("scn", MFD_CLOEXEC);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		memset(&s, 0, sizeof(s));
		if (!scenario_load(path, &s, err, sizeof(err)))
			scenario_free(&s);
	}
	close(fd);
	return 0;
}
