// SPDX-License-Identifier: MIT
/*
 * sbuf.c - the growing text buffer every file is rendered into (the
 * kernel's seq_file in miniature).  Output that cannot be stored is never
 * dropped in silence: the buffer is marked and the read fails -ENOMEM.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void sbuf_printf(struct sbuf *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		size_t room = s->cap - s->len;

		va_start(ap, fmt);
		n = vsnprintf(s->buf ? s->buf + s->len : NULL, s->buf ? room : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			s->nomem = true;	/* an encoding error: the output is not whole */
			return;
		}
		if (s->buf && (size_t)n < room) {
			s->len += (size_t)n;
			return;
		}
		{
			size_t cap = MAX(s->cap * 2, s->len + (size_t)n + 256);
			char *b = realloc(s->buf, cap);

			if (!b) {
				s->nomem = true;	/* never a file cut short in silence */
				return;
			}
			s->buf = b;
			s->cap = cap;
		}
	}
}

/* bus_find_device_by_name: sysfs_streq, so a newline is fine */
void sysfs_dev_name(const char *buf, char *name, size_t len)
{
	snprintf(name, len, "%s", buf);
	name[strcspn(name, "\n")] = '\0';
}
