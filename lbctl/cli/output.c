// SPDX-License-Identifier: GPL-2.0
/*
 * Text and JSON output through one set of calls. See output.h.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "lbctl.h"
#include "output.h"

#define OUT_DEPTH 8

static struct {
	FILE *f;			/* stdout, unless a test says */
	bool json;
	bool muted;			/* text is not printed */
	bool failed;			/* a jansson allocation failed */
	bool stream;			/* out_stream(): a list, written as it comes */
	unsigned long streamed;		/* its elements written so far */
	int depth;
	json_t *stack[OUT_DEPTH];	/* stack[0] is the document */
} out;

/* Before out_init(), as for "lbctl help", output is stdout. */
static FILE *file(void)
{
	return out.f ? out.f : stdout;
}

void out_init(bool json)
{
	out_init_file(json, stdout);
}

void out_init_file(bool json, FILE *f)
{
	out.f = f;
	out.json = json;
	out.muted = false;
	out.failed = false;
	out.stream = false;
	out.streamed = 0;
	out.depth = 0;
	if (json) {
		out.stack[0] = json_object();
		out.failed = !out.stack[0];
		out.depth = 1;
	}
}

/* Adds v (a new reference, maybe NULL) to the innermost container. */
static void add(const char *key, json_t *v)
{
	json_t *top = out.stack[out.depth - 1];
	int ret;

	if (!top || !v) {
		json_decref(v);
		out.failed = true;
		return;
	}
	if (json_is_array(top))
		ret = json_array_append_new(top, v);
	else
		ret = json_object_set_new(top, key, v);
	if (ret)
		out.failed = true;
}

/*
 * The text formats come from callers, paired with a value of a fixed type by
 * the function they call (see output.h), so the compiler cannot check them.
 */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

/* Whether a text format is printed. */
static bool text(const char *fmt)
{
	return !out.json && !out.muted && fmt;
}

/* Inside a JSON array, a value has no key: NULL names an element. */
static bool in_array(void)
{
	return out.json && out.depth && json_is_array(out.stack[out.depth - 1]);
}

void out_str(const char *key, const char *fmt, const char *val)
{
	if (out.json && (key || in_array()))
		add(key, json_string(val));
	else if (text(fmt))
		fprintf(file(), fmt, val);
}

void out_uint(const char *key, const char *fmt, unsigned long long val)
{
	/*
	 * jansson's integers are signed 64 bits. A counter past 2^63 is
	 * centuries away at line rate; saturate rather than turn negative.
	 */
	if (out.json && key)
		add(key, json_integer(val > LLONG_MAX ?
				      LLONG_MAX : (json_int_t)val));
	else if (text(fmt))
		fprintf(file(), fmt, val);
}

void out_bool(const char *key, const char *fmt, bool val)
{
	if (out.json && key)
		add(key, json_boolean(val));
	else if (text(fmt))
		fprintf(file(), fmt, val ? "on" : "off");
}

void out_null(const char *key, const char *fmt)
{
	if (out.json && key)
		add(key, json_null());
	else if (text(fmt))
		fputs(fmt, file());
}

void out_text(const char *fmt, ...)
{
	va_list ap;

	if (!text(fmt))
		return;
	va_start(ap, fmt);
	vfprintf(file(), fmt, ap);
	va_end(ap);
}

void out_json_merge(json_t *obj)
{
	const char *key;
	json_t *v;

	if (!out.json)
		return;
	json_object_foreach(obj, key, v)
		add(key, json_incref(v));
}

void out_mute_text(bool mute)
{
	out.muted = mute;
}

static void open_container(const char *key, json_t *c)
{
	if (!out.json || out.depth == OUT_DEPTH || !c) {
		json_decref(c);
		out.failed |= out.json;
		return;
	}
	/*
	 * Without a key, first in the document: the container is the
	 * document, so "lbctl -j laddr" prints a list, as "ip -j" does. Its
	 * out_close() is then a no-op, like the document's.
	 */
	if (!key && out.depth == 1 && json_is_object(out.stack[0]) &&
	    !json_object_size(out.stack[0])) {
		json_decref(out.stack[0]);
		out.stack[0] = c;
		return;
	}
	add(key, json_incref(c));
	out.stack[out.depth++] = c;
}

void out_open_object(const char *key)
{
	open_container(key, out.json ? json_object() : NULL);
}

void out_open_array(const char *key)
{
	open_container(key, out.json ? json_array() : NULL);
}

void out_stream(void)
{
	out.stream = out.json;
}

/*
 * Each element of a streamed list, when it closes: written as jansson
 * would write it inside the whole list (one level deeper), then dropped,
 * so that a list of any length takes the memory of one element.
 */
static void write_element(void)
{
	static char *buf;
	static size_t cap;
	json_t *el = json_array_get(out.stack[0], 0);
	size_t n, i, start;
	char *grown;

	/* In a buffer of ours: json_dumps()'s string comes from jansson's
	 * allocator, which a program may have replaced. */
	while ((n = json_dumpb(el, buf, cap,
			       JSON_INDENT(2) | JSON_PRESERVE_ORDER)) > cap) {
		grown = realloc(buf, n);
		if (!grown)
			break;
		buf = grown;
		cap = n;
	}
	if (!n || n > cap) {
		out.failed = true;
		return;
	}
	fputs(out.streamed++ ? ",\n" : "[\n", file());
	for (start = 0, i = 0; i <= n; i++) {
		if (i < n && buf[i] != '\n')
			continue;
		fprintf(file(), "  %.*s%s", (int)(i - start), buf + start,
			i < n ? "\n" : "");
		start = i + 1;
	}
	json_array_clear(out.stack[0]);
}

void out_close(void)
{
	if (!out.json || out.depth <= 1)
		return;
	json_decref(out.stack[--out.depth]);
	if (out.stream && out.depth == 1 && json_is_array(out.stack[0]))
		write_element();
}

int out_finish(void)
{
	int ret = LBCTL_EXIT_OK;

	if (out.json) {
		while (out.depth > 1)
			out_close();
		if (out.failed)
			ret = lbctl_error(LBCTL_EXIT_FAIL,
					  "out of memory building JSON");
		else if (out.streamed) {
			if (fputs("\n]\n", file()) == EOF)
				ret = LBCTL_EXIT_FAIL;
		} else if (json_dumpf(out.stack[0], file(),
				    JSON_INDENT(2) | JSON_PRESERVE_ORDER) ||
			 fputc('\n', file()) == EOF)
			ret = LBCTL_EXIT_FAIL;
		json_decref(out.stack[0]);
		out.stack[0] = NULL;
		out.depth = 0;
	}
	if (fflush(file()) || ferror(file()))
		ret = lbctl_error(LBCTL_EXIT_FAIL, "cannot write output: %s",
				  strerror(errno));
	return ret;
}

static void vreport(const char *prefix, const char *fmt, va_list ap)
{
	fflush(file());
	fputs(prefix, stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int lbctl_error(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("Error: ", fmt, ap);
	va_end(ap);
	return code;
}

void lbctl_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("Warning: ", fmt, ap);
	va_end(ap);
}
