// SPDX-License-Identifier: MIT
/*
 * env_rebuild.c - a program that rebuilds its environment as its main
 * begins, as redis-server's setproctitle (spt_init) does: clearenv(3),
 * then setenv(3) of every variable again, over and over.  The preload's
 * threads start in its constructor and run while main does this; one
 * that called getenv(3) then read a freed array (SIGSEGV, before the
 * program printed a word).  Exit 0 and "ok N" when every round found its
 * variables back.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

/* one round: copy the environment, clear it, set it back */
static int rebuild(void)
{
	size_t n = 0;
	char **copy;

	while (environ && environ[n])
		n++;
	copy = malloc((n + 1) * sizeof(*copy));
	if (!copy)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!(copy[i] = strdup(environ[i])))
			return -1;
	clearenv();
	for (size_t i = 0; i < n; i++) {
		char *eq = strchr(copy[i], '=');

		if (eq) {
			*eq = 0;
			if (setenv(copy[i], eq + 1, 1))
				return -1;
		}
		free(copy[i]);
	}
	free(copy);
	return 0;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 300;

	setenv("ENV_REBUILD_MARK", "1", 1);
	for (int i = 0; i < rounds; i++) {
		if (rebuild() || !getenv("ENV_REBUILD_MARK")) {
			printf("round %d: the environment was not rebuilt\n", i);
			return 1;
		}
	}
	printf("ok %d\n", rounds);
	return 0;
}
