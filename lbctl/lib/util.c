// SPDX-License-Identifier: GPL-2.0
/*
 * Small things every layer of lbctl uses. See util.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

void lb_appendf(char *buf, size_t len, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*off >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *off, len - *off, fmt, ap);
	va_end(ap);
	if (n > 0)
		*off += (size_t)n;
}

void lb_join_names(char *buf, size_t len, const void *first, size_t n,
		   size_t stride, const char *last)
{
#define NAME(i) (*(const char *const *)((const char *)first + (i) * stride))
	size_t i, k, left, off = 0;

	buf[0] = '\0';
	for (left = 0, i = 0; i < n; i++)
		left += NAME(i) != NULL;
	for (k = 0, i = 0; i < n; i++)
		if (NAME(i))
			lb_appendf(buf, len, &off, "%s%s", !k++ ? "" :
				   k < left ? ", " : last, NAME(i));
#undef NAME
}

/* s[i] as lb_escape() writes it, into one; its length. */
static size_t escape_one(char one[5], unsigned char c)
{
	if (c == '\\')
		return (size_t)snprintf(one, 5, "\\\\");
	if (c >= 0x20 && c < 0x7f)
		return (size_t)snprintf(one, 5, "%c", c);
	return (size_t)snprintf(one, 5, "\\x%02x", c);
}

char *lb_escape(char *buf, size_t size, const char *s, size_t len)
{
	size_t off = 0, all = 0, i, n;
	char one[5];

	for (i = 0; i < len; i++)
		all += escape_one(one, (unsigned char)s[i]);
	for (i = 0; i < len; i++) {
		n = escape_one(one, (unsigned char)s[i]);
		/* Cut: as much as leaves room for "..." and the NUL. */
		if (all >= size && off + n + 3 >= size)
			break;
		memcpy(buf + off, one, n);
		off += n;
	}
	snprintf(buf + off, size - off, "%s", i < len ? "..." : "");
	return buf;
}

bool lb_name_char(char c)
{
	return c && strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			   "0123456789._-", c);
}

int lb_read_all(int fd, size_t max, char **out, size_t *len)
{
	size_t n = 0, cap = 0;
	char *buf = NULL, *b;
	ssize_t r;

	for (;;) {
		if (cap - n < 4096) {
			cap = cap ? 2 * cap : 65536;
			/* One read past max tells a file of max bytes from
			 * a larger one. */
			b = cap <= max + 65536 ? realloc(buf, cap + 1) : NULL;
			if (!b) {
				free(buf);
				return cap <= max + 65536 ? -ENOMEM : -EFBIG;
			}
			buf = b;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			r = -errno;
			free(buf);
			return (int)r;
		}
		if (!r)
			break;
		n += (size_t)r;
	}
	if (n > max) {
		free(buf);
		return -EFBIG;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}
