/* SPDX-License-Identifier: MIT */
/* version.h - the one place memhp's version is written (--version). */
#ifndef MEMHP_TOOLS_VERSION_H
#define MEMHP_TOOLS_VERSION_H

#define MEMHP_VERSION_STRING "0.13.0"

#endif
