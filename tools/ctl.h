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
 *     vmstat-update N      N seconds of the guest's clock: N periods of
 *                          vmstat_update (the per-CPU lists' high decays)
 *     fault N              fail the Nth fallible step from now (0: disarm)
 *     kill NAME            the user and its memory go away
 *     kpf BLOCK            /proc/kpageflags of the block summed up: "start_pfn S",
 *                          "nr N", "noflags Z", then "BIT COUNT" per flag set
 *     uevents AFTER [MS]   the kernel's uevents after SEQNUM AFTER ("now": none,
 *                          only where the stream stands), waiting up to MS
 *                          (at most 10000) for the first: a "seqnum LAST" line,
 *                          then each event as memhp_uevent_format writes it,
 *                          a blank line after each
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

/* ---- the requests, declared once (ctl_protocol.c) ---------------------- */

enum ctl_request_id {
	CTL_DEVICE_ADD, CTL_DEVICE_LIST, CTL_DEVICE_DEL, CTL_DAX, CTL_READ, CTL_WRITE, CTL_LIST,
	CTL_STATUS, CTL_DMESG, CTL_HOG, CTL_PIN, CTL_UNPIN, CTL_KILL, CTL_PFN, CTL_WHERE, CTL_FAULT,
	CTL_AUDIT, CTL_SHUTDOWN, CTL_UEVENTS, CTL_KPF, CTL_VMSTAT_UPDATE, CTL_NR_REQUESTS
};

#define CTL_MAX_WORDS 16

struct ctl_request_spec {
	const char *word, *sub;	/* the first word; the second, for sub-requests */
	int min, max;		/* words, the request's own included */
	const char *usage;
};

extern const struct ctl_request_spec ctl_protocol[CTL_NR_REQUESTS];

/* split a request line in place (w[] points into it; write keeps its value
 * whole): its id, or -EINVAL (unknown, or the wrong number of words),
 * -E2BIG (more than CTL_MAX_WORDS words) */
int ctl_request_parse(char *line, char **w, int *n);
/* 0 when `request` is one of the protocol's, -EINVAL or -E2BIG otherwise */
int ctl_request_check(const char *request);

#endif
