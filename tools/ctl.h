/* SPDX-License-Identifier: MIT */
/*
 * ctl.h - memhpd's control protocol, shared by the daemon and memhpctl.
 *
 * One request per line (at most CTL_MAX_LINE bytes, words separated by
 * spaces), over a unix stream socket that only the daemon's owner may use.
 * Every reply starts with a header line:
 *
 *     ok <n>\n                 followed by exactly n bytes of payload
 *     error <ERRNO> <text>\n   ERRNO as memhp_strerror() names it
 *
 * Requests:
 *     device add NAME SIZE [node=N] [addr=A] [backing=PATH]
 *     device del NAME
 *     dax create cxl|hmem|pmem SIZE [node=N]   a device region (and its dax
 *                          device, bound to kmem or device_dax as the kind
 *                          says): "region= dev= addr= size= driver="
 *     dax destroy REGION   the region, once its memory is offline
 *     read PATH            the file's content
 *     write PATH VALUE     one write(2) of VALUE (no newline added)
 *     list PATH            one "d|f|l NAME" line per directory entry
 *     status               a short summary
 *     dmesg                the machine's kernel log
 *     hog NAME SIZE        a user of SIZE movable memory (touched)
 *     pin|unpin NAME I     hold page I of it where it is, or let it go
 *     pin NAME I hold      the same for as long as this connection lives:
 *                          the pin goes when the client closes or dies
 *     pfn NAME I           the pfn page I of it is in now
 *     where NAME           "BLOCK COUNT" lines: where its pages are (consecutive runs)
 *     audit                the full accounting audit
 *     fault N              fail the Nth fallible step from now (0: disarm)
 *     kill NAME            the user and its memory go away
 *     shutdown             unmount and exit
 */
#ifndef MEMHP_TOOLS_CTL_H
#define MEMHP_TOOLS_CTL_H

#include <stddef.h>
#include <sys/types.h>

#define CTL_MAX_LINE 4096
#define CTL_MAX_REPLY (1UL << 30)	/* no file, listing or log is larger */
#define CTL_DEFAULT_SOCKET "/run/memhpd.sock"

/* client side: send one request, get the header's status and the payload
 * (malloc'ed, NUL-terminated); returns 0, -errno of the reply, or -EIO */
int ctl_request(const char *socket_path, const char *request, char **payload, char *err, size_t errlen);
/* the same, the connection left open on success (*keep_fd): for requests
 * whose effect lasts as long as the connection ("pin NAME I hold") */
int ctl_request_keep(const char *socket_path, const char *request, char **payload, char *err, size_t errlen,
		     int *keep_fd);

/* a device or user name: [A-Za-z0-9_.-], not starting with '.' or '-',
 * shorter than CTL_MAX_NAME (names become file names under --backing-dir) */
#define CTL_MAX_NAME 64
int ctl_name_is_valid(const char *name);

#endif
