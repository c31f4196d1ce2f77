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
 * (JSON_REJECT_DUPLICATES) with its own line and column.
 *
 * No libnl: unit tests link this file with jansson alone.
 */
#ifndef LBCTL_JWALK_H
#define LBCTL_JWALK_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#define PATH_DEPTH	8
#define REASON_MAX	256

/* What is being parsed, and where in the file. */
struct pctx {
	const char *text;
	size_t len;
	const char *file;
	char *err;
	size_t errlen;
	int depth;
	struct {
		const char *key;	/* NULL: an array element */
		size_t index;
	} path[PATH_DEPTH];
};

/* The types a key may have. */
enum vtype { V_STRING, V_INTEGER, V_BOOLEAN, V_OBJECT, V_ARRAY };

/* A key of an object: its type, and what reads its value into obj. */
struct key {
	const char *name;
	enum vtype type;
	bool required;
	int (*parse)(struct pctx *p, json_t *v, void *obj);
};

void push_key(struct pctx *p, const char *key);
void push_index(struct pctx *p, size_t index);
void pop(struct pctx *p);

/*
 * "FILE:LINE:COL: PATH: reason" for the value at the current path (or the
 * nearest one that is in the text) into p->err. Returns -EINVAL.
 */
int fail(struct pctx *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* fail() with "out of memory"; returns -ENOMEM. */
int oom(struct pctx *p);

/* 0 if v has type t, else an error "expected an integer, not a string". */
int check_type(struct pctx *p, const json_t *v, enum vtype t);
/* An integer in [min, max]; what names it in the error. */
int int_in(struct pctx *p, const json_t *v, const char *what,
	   long long min, long long max, long long *out);
/* Every key of obj through its entry of keys, in the order of the file;
 * then the required ones that are missing. */
int walk(struct pctx *p, json_t *obj, const struct key *keys, size_t n,
	 void *dst);
/* one(p, element, dst) for each element of the array arr. */
int walk_array(struct pctx *p, json_t *arr,
	       int (*one)(struct pctx *p, json_t *v, void *dst), void *dst);

/* A string through one of parse.c's parsers: the reason is its own. */
#define PARSE_STR(p, v, parser, ...) ({					\
	char why_[REASON_MAX];						\
	parser(json_string_value(v), __VA_ARGS__, why_, sizeof(why_)) ?	\
		fail(p, "%s", why_) : 0; })

/*
 * A key whose value is an integer in [min, max], stored in the field
 * (of type ftype) of the struct the key's table fills.
 */
#define INT_KEY(fn, stype, field, ftype, what, min, max)		\
static int fn(struct pctx *p, json_t *v, void *obj)			\
{									\
	long long n = 0;						\
	int ret = int_in(p, v, what, min, max, &n);			\
									\
	if (!ret)							\
		((stype *)obj)->field = (ftype)n;			\
	return ret;							\
}

#endif /* LBCTL_JWALK_H */
