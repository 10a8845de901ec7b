/* SPDX-License-Identifier: MIT */
/* preload_cmd.h - `memhpctl preload` (preload_cmd.c) */
#ifndef MEMHP_TOOLS_PRELOAD_CMD_H
#define MEMHP_TOOLS_PRELOAD_CMD_H

/* argv[0] is "preload"; socket: the --socket given, or NULL.  Returns only
 * on an error (its exit status), else the program replaces memhpctl. */
int preload_command(int argc, char **argv, const char *socket);

#endif
