// SPDX-License-Identifier: MIT
/*
 * ctl.c - the client half of memhpd's control protocol (see ctl.h): check
 * the request against the protocol's table, connect, send one line, read
 * the header and exactly the announced payload.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl.h"
#include "memhp/memhp.h"

/* the reply names the errno as memhp_strerror does: map it back */
static int errno_from_name(const char *n)
{
	for (int e = 1; e < 256; e++)
		if (!strcmp(memhp_strerror(e), n))
			return e;
	return EIO;
}

static int read_line(int fd, char *buf, size_t len)
{
	size_t n = 0;

	while (n + 1 < len) {
		ssize_t r = read(fd, buf + n, 1);

		if (r <= 0)
			return -EIO;
		if (buf[n] == '\n')
			break;
		n++;
	}
	buf[n] = '\0';
	return 0;
}

int ctl_request(const char *socket_path, const char *request, char **payload, char *err, size_t errlen)
{
	return ctl_request_keep(socket_path, request, payload, err, errlen, NULL);
}

int ctl_request_keep(const char *socket_path, const char *request, char **payload, char *err, size_t errlen,
		     int *keep_fd)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char header[CTL_MAX_LINE];
	size_t len = strlen(request);
	int fd, ret = 0;

	*payload = NULL;
	err[0] = '\0';
	if (strlen(socket_path) >= sizeof(sa.sun_path) || len >= CTL_MAX_LINE || strchr(request, '\n')) {
		snprintf(err, errlen, "request or socket path too long");
		return -EINVAL;
	}
	/* only what the protocol declares goes out (ctl_protocol.c) */
	if (ctl_request_check(request)) {
		snprintf(err, errlen, "not a request memhpd knows: %.64s", request);
		return -EINVAL;
	}
	strcpy(sa.sun_path, socket_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		snprintf(err, errlen, "cannot connect to %s: %s", socket_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -ECONNREFUSED;
	}
	if (write(fd, request, len) != (ssize_t)len || write(fd, "\n", 1) != 1 ||
	    read_line(fd, header, sizeof(header))) {
		snprintf(err, errlen, "connection to memhpd lost");
		close(fd);
		return -EIO;
	}
	if (!strncmp(header, "ok ", 3)) {
		size_t n = strtoul(header + 3, NULL, 10), got = 0;
		/* a length no reply can have: refuse it rather than trust it */
		char *p = n < CTL_MAX_REPLY ? malloc(n + 1) : NULL;

		while (p && got < n) {
			ssize_t r = read(fd, p + got, n - got);

			if (r <= 0)
				break;
			got += (size_t)r;
		}
		if (!p || got < n) {
			free(p);
			snprintf(err, errlen, "short reply from memhpd");
			ret = -EIO;
		} else {
			p[n] = '\0';
			*payload = p;
		}
	} else if (!strncmp(header, "error ", 6)) {
		char name[32] = "";

		sscanf(header + 6, "%31s", name);
		ret = -errno_from_name(name);
		snprintf(err, errlen, "%s", header + 6);
	} else {
		snprintf(err, errlen, "bad reply from memhpd");
		ret = -EIO;
	}
	if (keep_fd && !ret)
		*keep_fd = fd;	/* the caller holds what the request took */
	else
		close(fd);
	return ret;
}

int ctl_name_is_valid(const char *s)
{
	size_t n = strlen(s);

	if (!n || n >= CTL_MAX_NAME || s[0] == '.' || s[0] == '-')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_.-", s[i]))
			return 0;
	return 1;
}
