/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One print path for text and JSON, in the manner of iproute2's
 * json_print.c: each out_*() call names a JSON key and a text format. A NULL
 * key prints only in text mode, a NULL format only in JSON mode. Text goes
 * to stdout as it comes; JSON is built in memory and written by
 * out_finish().
 */
#ifndef LBCTL_OUTPUT_H
#define LBCTL_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

/* Output goes to stdout; out_init_file() sends it elsewhere (tests). */
void out_init(bool json);
void out_init_file(bool json, FILE *f);
/* fmt takes one %s; in a JSON array, key NULL adds an element */
void out_str(const char *key, const char *fmt, const char *val);
/* fmt takes one %llu */
void out_uint(const char *key, const char *fmt, unsigned long long val);
/* JSON true or false; fmt takes one %s, "on" or "off" */
void out_bool(const char *key, const char *fmt, bool val);
/* fmt takes no argument */
void out_null(const char *key, const char *fmt);
void out_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A NULL key first in a document makes the container the document. */
void out_open_object(const char *key);
void out_open_array(const char *key);
void out_close(void);
/* JSON only: each key of the JSON object obj (a json_t *) joins the
 * innermost object, as "lbctl show FILE" takes a remote director's. */
struct json_t;
void out_json_merge(struct json_t *obj);
/*
 * JSON only, right after out_init(): the document is a list whose elements
 * are written as each closes, not kept (long lists, "lbctl -j conn").
 */
void out_stream(void);
/* While muted, the text formats print nothing: JSON-only parts. */
void out_mute_text(bool mute);
/* Writes the JSON document and flushes stdout; returns an exit code. */
int out_finish(void);

/* "Error: ..." on stderr; returns code, so callers can return it. */
int lbctl_error(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void lbctl_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* LBCTL_OUTPUT_H */
