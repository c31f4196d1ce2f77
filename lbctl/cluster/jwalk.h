/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A strict walk over a JSON document, with errors that say where:
 *
 *   FILE:LINE:COLUMN: services[0].real_servers[1].weight: reason
 *
 * Each object is walked against a table of its keys (in the manner of
 * nftables' parser_json.c, but strict): a key not in the table is an
 * error, as jansson's "!" in an unpack format would make it, but naming
 * the key, where it is and what was expected, where jansson says "1
 * object item(s) left unpacked". Duplicate keys are jansson's to refuse
 * (JSON_REJECT_DUPLICATES) with its own line and column, to which
 * jw_fail_load() adds the path.
 *
 * No libnl: unit tests link this file with jansson alone.
 */
#ifndef LBCTL_JWALK_H
#define LBCTL_JWALK_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "util.h"

#define JW_PATH_DEPTH	8

/* What is being parsed, and where in the file. */
struct jw_ctx {
	const char *text;
	size_t len;
	const char *file;
	char *err;
	size_t errlen;
	const struct jw_key *key;	/* the key being parsed */
	bool at_key;		/* jw_fail() points at the last key, not
				 * its value */
	int depth;
	struct {
		const char *key;	/* NULL: an array element */
		size_t index;
	} path[JW_PATH_DEPTH];
};

/* The types a key may have; a JW_EACH key's parse reads each element. */
enum jw_type { JW_STRING, JW_INTEGER, JW_BOOLEAN, JW_OBJECT, JW_ARRAY,
	       JW_EACH };

/* A key of an object: its type, and what reads its value into obj. */
struct jw_key {
	const char *name;
	enum jw_type type;
	bool required;
	/* NULL: checked elsewhere, only the type here */
	int (*parse)(struct jw_ctx *p, json_t *v, void *obj);
	const void *data;	/* for parse: p->key->data */
};

void jw_push_key(struct jw_ctx *p, const char *key);
void jw_push_index(struct jw_ctx *p, size_t index);
void jw_pop(struct jw_ctx *p);

/*
 * "FILE:LINE:COL: PATH: reason" for the value at the current path (or the
 * nearest one that is in the text) into p->err. Returns -EINVAL.
 */
int jw_fail(struct jw_ctx *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * jansson's own error (syntax, a duplicate key, bad UTF-8, a number too
 * large), "FILE:LINE:COL: PATH: text", the path being that of the value
 * jansson was reading when it stopped. Returns -EINVAL.
 */
int jw_fail_load(struct jw_ctx *p, const json_error_t *e);
/* jw_fail() with "out of memory"; returns -ENOMEM. */
int jw_oom(struct jw_ctx *p);

/* 0 if v has type t, else an error "expected an integer, not a string". */
int jw_check_type(struct jw_ctx *p, const json_t *v, enum jw_type t);
/* An integer in [min, max]; what names it in the error. */
int jw_int_in(struct jw_ctx *p, const json_t *v, const char *what,
	      long long min, long long max, long long *out);
/* Every key of obj through its entry of keys, in the order of the file;
 * then the required ones that are missing. */
int jw_walk(struct jw_ctx *p, json_t *obj, const struct jw_key *keys,
	    size_t n, void *dst);
/* one(p, element, dst) for each element of the array arr. */
int jw_walk_array(struct jw_ctx *p, json_t *arr,
		  int (*one)(struct jw_ctx *p, json_t *v, void *dst),
		  void *dst);

/* A string through one of parse.c's parsers: the reason is its own. */
#define JW_PARSE_STR(p, v, parser, ...) ({				\
	char why_[LB_REASON_MAX];					\
	parser(json_string_value(v), __VA_ARGS__, why_, sizeof(why_)) ?	\
		jw_fail(p, "%s", why_) : 0; })

#endif /* LBCTL_JWALK_H */
