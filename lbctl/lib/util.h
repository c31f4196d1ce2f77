/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small things every layer of lbctl uses: array sizes, the room of a
 * reason, "a, b or c" lists, director names, and reading a file whole.
 */
#ifndef LBCTL_UTIL_H
#define LBCTL_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Room for the reason of a parser and the words around it. */
#define LB_REASON_MAX	256

/*
 * "a, b or c" (last is " or "; ", " gives "a, b, c") into buf, from the
 * names of n structs of stride bytes from first, each starting with its
 * name (const char *); NULL names are passed over.
 */
void lb_join_names(char *buf, size_t len, const void *first, size_t n,
		   size_t stride, const char *last);

/*
 * Appends fmt to buf at *off, snprintf-like: once *off passes len, nothing
 * more is written, and *off says how much was wanted.
 */
void lb_appendf(char *buf, size_t len, size_t *off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * len bytes of s, from another program (a peer's output), made one line of
 * a log: printable ASCII kept, "\\" for a backslash, "\xNN" for any other
 * byte (a newline, an escape sequence, a NUL); "..." ends it when it does
 * not fit in buf (size > 4). Returns buf.
 */
char *lb_escape(char *buf, size_t size, const char *s, size_t len);

/* The characters of a director's name: A-Z, a-z, 0-9, ".", "_", "-". */
bool lb_name_char(char c);

/*
 * Reads fd to its end into *out (NUL terminated, the caller frees it) and
 * *len. 0, -EFBIG when there is more than max bytes, or -errno.
 */
int lb_read_all(int fd, size_t max, char **out, size_t *len);

#endif /* LBCTL_UTIL_H */
