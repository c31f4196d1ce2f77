// SPDX-License-Identifier: GPL-2.0
/*
 * A strict walk over a JSON document that jansson has read, with errors
 * that say where. See jwalk.h.
 *
 * jansson keeps no positions in its values, so an error finds its line
 * and column by following its JSON path through the text again
 * (locate()): the text was accepted whole by jansson, so the small scanner
 * here needs no error handling beyond staying inside the buffer.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "jwalk.h"
#include "parse.h"
#include "util.h"

/* --- where: the path and its line and column ------------------------------ */

void jw_push_key(struct jw_ctx *p, const char *key)
{
	if (p->depth < JW_PATH_DEPTH)
		p->path[p->depth] = (typeof(p->path[0])){ key, 0 };
	p->depth++;
}

void jw_push_index(struct jw_ctx *p, size_t index)
{
	if (p->depth < JW_PATH_DEPTH)
		p->path[p->depth] = (typeof(p->path[0])){ NULL, index };
	p->depth++;
}

void jw_pop(struct jw_ctx *p)
{
	p->depth--;
}

/* What a key of a path is spelt with, unquoted. */
#define PLAIN_KEY	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" \
			"0123456789_"

/* FILE:LINE:COL: services[0].real_servers[1].weight: why; an odd key as
 * ["a b"] */
static int report(const struct jw_ctx *p, int line, int col, const char *why)
{
	char path[LB_REASON_MAX];
	size_t off = 0, len = sizeof(path);
	int i;

	path[0] = '\0';
	for (i = 0; i < p->depth && i < JW_PATH_DEPTH; i++) {
		const char *key = p->path[i].key;

		if (!key)
			lb_appendf(path, len, &off, "[%zu]", p->path[i].index);
		else if (*key && !key[strspn(key, PLAIN_KEY)])
			lb_appendf(path, len, &off, "%s%s", i ? "." : "", key);
		else
			lb_appendf(path, len, &off, "[\"%.40s\"]", key);
	}
	return parse_fail(p->err, p->errlen, "%s:%d:%d: %s%s%s", p->file,
			  line, col, path, *path ? ": " : "", why);
}

static const char *skip_ws(const char *s, const char *end)
{
	while (s < end && (*s == ' ' || *s == '\t' || *s == '\n' ||
			   *s == '\r'))
		s++;
	return s;
}

/* s at the opening quote; returns past the closing one. */
static const char *skip_string(const char *s, const char *end)
{
	for (s++; s < end && *s != '"'; s++)
		if (*s == '\\')
			s++;
	return s < end ? s + 1 : end;
}

static const char *skip_value(const char *s, const char *end)
{
	int nest = 0;

	do {
		s = skip_ws(s, end);
		if (s >= end)
			return end;
		if (*s == '"') {
			s = skip_string(s, end);
			continue;
		}
		if (*s == '{' || *s == '[')
			nest++;
		else if (*s == '}' || *s == ']')
			nest--;
		else if (*s != ',' && *s != ':') {
			/* a number, true, false or null */
			while (s < end && !strchr(" \t\r\n,:]}", *s))
				s++;
			continue;
		}
		s++;
	} while (nest > 0);
	return s;
}

/* Whether the string token [s, e) (quotes included) spells key. */
static bool key_is(const char *s, const char *e, const char *key)
{
	json_t *j;
	bool same;

	if (!memchr(s, '\\', (size_t)(e - s)))
		return (size_t)(e - s - 2) == strlen(key) &&
		       !memcmp(s + 1, key, (size_t)(e - s - 2));
	j = json_loadb(s, (size_t)(e - s), JSON_DECODE_ANY, NULL);
	same = j && json_is_string(j) && !strcmp(json_string_value(j), key);
	json_decref(j);
	return same;
}

/* The value that the first depth steps of p's path lead to, or NULL. */
static const char *locate(const struct jw_ctx *p, int depth)
{
	const char *s = p->text, *end = p->text + p->len, *k;
	size_t i;
	int d;

	s = skip_ws(s, end);
	for (d = 0; d < depth && d < JW_PATH_DEPTH && s < end; d++) {
		const char *key = p->path[d].key;

		if (*s != (key ? '{' : '['))
			return NULL;
		s = skip_ws(s + 1, end);
		for (i = 0; s < end && *s != '}' && *s != ']'; i++) {
			if (key) {
				k = s;
				s = skip_string(s, end);
				if (key_is(k, s, key)) {
					if (p->at_key && d == depth - 1)
						return k;
					s = skip_ws(skip_ws(s, end) + 1, end);
					break;
				}
				s = skip_ws(s, end) + 1;	/* the ':' */
			} else if (i == p->path[d].index) {
				break;
			}
			s = skip_ws(skip_value(s, end), end);
			if (s < end && *s == ',')
				s = skip_ws(s + 1, end);
		}
		if (s >= end || *s == '}' || *s == ']')
			return NULL;
	}
	return s < end ? s : NULL;
}

int jw_fail(struct jw_ctx *p, const char *fmt, ...)
{
	char why[LB_REASON_MAX];
	const char *at = NULL, *s;
	int line = 1, col = 1, d;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	for (d = p->depth; !at && d >= 0; d--)
		at = locate(p, d);
	/* 1-based, in characters, as jansson counts */
	for (s = p->text; at && s < at; s++) {
		if (*s == '\n') {
			line++;
			col = 1;
		} else if (((unsigned char)*s & 0xc0) != 0x80) {
			col++;
		}
	}
	return report(p, line, col, why);
}

/*
 * The path of what jansson was reading at byte pos when it stopped: the
 * text before pos is JSON cut short, so each container open there, and the
 * key or index being read in it, is the path. Keys are copied into keys.
 */
static void path_at(struct jw_ctx *p, size_t pos,
		    char keys[JW_PATH_DEPTH][64])
{
	const char *s = p->text, *end = p->text + (pos < p->len ? pos : p->len);
	const char *k;
	bool want_key = false;	/* in an object, before a key */
	bool in;		/* the container at d has a slot in path */
	int d;

	p->depth = 0;
	while ((s = skip_ws(s, end)) < end) {
		d = p->depth - 1;
		in = d >= 0 && d < JW_PATH_DEPTH;
		switch (*s) {
		case '{':
			/* "": an object before its key */
			jw_push_key(p, "");
			want_key = true;
			s++;
			continue;
		case '[':
			jw_push_index(p, 0);
			want_key = false;
			s++;
			continue;
		case '}':
		case ']':
			if (p->depth)
				jw_pop(p);
			want_key = false;
			s++;
			continue;
		case ',':
			if (in && !p->path[d].key)
				p->path[d].index++;
			else if (in)
				p->path[d].key = "";
			want_key = in && p->path[d].key;
			s++;
			continue;
		case ':':
			s++;
			continue;
		case '"':
			k = s;
			s = skip_string(s, end);
			if (want_key && in) {
				snprintf(keys[d], sizeof(keys[d]), "%.*s",
					 (int)(s - k - 2 > 0 ? s - k - 2 : 0),
					 k + 1);
				p->path[d].key = keys[d];
			}
			want_key = false;
			continue;
		default:
			s = skip_value(s, end);
			continue;
		}
	}
	/* An object before its first key adds nothing to the path. */
	while (p->depth > 0 && p->depth <= JW_PATH_DEPTH &&
	       p->path[p->depth - 1].key && !*p->path[p->depth - 1].key)
		p->depth--;
}

int jw_fail_load(struct jw_ctx *p, const json_error_t *e)
{
	char keys[JW_PATH_DEPTH][64];

	path_at(p, (size_t)e->position, keys);
	/* jansson's column is 0 at the start of a line: nothing read. */
	return report(p, e->line, e->column > 0 ? e->column : 1, e->text);
}

/* --- values ------------------------------------------------------------------ */

static const char *const vtype_names[] = {
	[JW_STRING]	= "a string",
	[JW_INTEGER]	= "an integer",
	[JW_BOOLEAN]	= "true or false",
	[JW_OBJECT]	= "an object",
	[JW_ARRAY]	= "an array",
	[JW_EACH]	= "an array",
};

/* What a value of the file is, for "expected X, not Y". */
static const char *const json_type_names[] = {
	[JSON_OBJECT] = "an object", [JSON_ARRAY] = "an array",
	[JSON_STRING] = "a string", [JSON_INTEGER] = "an integer",
	[JSON_REAL] = "a number with a fraction or exponent",
	[JSON_TRUE] = "a boolean", [JSON_FALSE] = "a boolean",
	[JSON_NULL] = "null",
};

int jw_check_type(struct jw_ctx *p, const json_t *v, enum jw_type t)
{
	static const json_type types[] = {
		[JW_STRING] = JSON_STRING, [JW_INTEGER] = JSON_INTEGER,
		[JW_BOOLEAN] = JSON_TRUE, [JW_OBJECT] = JSON_OBJECT,
		[JW_ARRAY] = JSON_ARRAY, [JW_EACH] = JSON_ARRAY,
	};

	if (json_typeof(v) == types[t] ||
	    (t == JW_BOOLEAN && json_is_false(v)))
		return 0;
	return jw_fail(p, "expected %s, not %s", vtype_names[t],
		       json_type_names[json_typeof(v)]);
}

int jw_int_in(struct jw_ctx *p, const json_t *v, const char *what,
	      long long min, long long max, long long *out)
{
	json_int_t n = json_integer_value(v);

	if (n < min || n > max)
		return jw_fail(p, "%s %lld is out of range %lld-%lld", what,
			       (long long)n, min, max);
	*out = n;
	return 0;
}

/* --- objects: a table of keys each --------------------------------------- */

int jw_walk(struct jw_ctx *p, json_t *obj, const struct jw_key *keys,
	    size_t n, void *dst)
{
	char list[LB_REASON_MAX];
	const char *name;
	json_t *v;
	size_t i;
	int ret;

	json_object_foreach(obj, name, v) {
		for (i = 0; i < n && strcmp(name, keys[i].name); i++)
			;
		jw_push_key(p, name);
		if (i == n) {
			lb_join_names(list, sizeof(list), keys, n,
				      sizeof(*keys), " or ");
			p->at_key = true;
			ret = jw_fail(p, "unknown key; expected %s", list);
			p->at_key = false;
			return ret;
		}
		p->key = &keys[i];
		ret = jw_check_type(p, v, keys[i].type) ?:
		      keys[i].type == JW_EACH ?
		      jw_walk_array(p, v, keys[i].parse, dst) :
		      keys[i].parse ? keys[i].parse(p, v, dst) : 0;
		if (ret)
			return ret;
		jw_pop(p);
	}
	for (i = 0; i < n; i++)
		if (keys[i].required && !json_object_get(obj, keys[i].name))
			return jw_fail(p, "\"%s\" is missing", keys[i].name);
	return 0;
}

int jw_walk_array(struct jw_ctx *p, json_t *arr,
		  int (*one)(struct jw_ctx *p, json_t *v, void *dst),
		  void *dst)
{
	size_t i;
	json_t *v;
	int ret;

	json_array_foreach(arr, i, v) {
		jw_push_index(p, i);
		ret = one(p, v, dst);
		if (ret)
			return ret;
		jw_pop(p);
	}
	return 0;
}

int jw_oom(struct jw_ctx *p)
{
	jw_fail(p, "out of memory");
	return -ENOMEM;
}

