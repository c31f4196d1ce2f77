// SPDX-License-Identifier: GPL-2.0
/*
 * A service's "health_check": how the agent checks each of its real
 * servers (docs/cluster.md). Strict as the rest of the file: an unknown
 * key, a value out of range or a key the type does not use is an error
 * by its JSON path.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hcheck.h"

/* Bounds: a check less often than hourly is no check; a server that
 * needs more than 100 in a row is never judged. */
#define HC_INTERVAL_MAX		3600
#define HC_RUN_MAX		100
#define HC_PATH_MAX		1024
#define HC_COMMAND_MAX		4096

static const char *const hc_types[] = {
	[LB_HC_TCP] = "tcp", [LB_HC_HTTP] = "http", [LB_HC_EXEC] = "exec",
};

static int hc_type(struct jw_ctx *p, json_t *v, void *o)
{
	struct lb_health_check *hc = o;
	const char *s = json_string_value(v);
	int t;

	for (t = LB_HC_TCP; t <= LB_HC_EXEC; t++)
		if (!strcmp(s, hc_types[t])) {
			hc->type = t;
			return 0;
		}
	return jw_fail(p, "health check type \"%s\" is not one of tcp, http or exec",
		       s);
}

static int hc_uint(struct jw_ctx *p, json_t *v, const char *what,
		   long long min, long long max, unsigned int *out)
{
	long long n;
	int ret = jw_int_in(p, v, what, min, max, &n);

	if (!ret)
		*out = (unsigned int)n;
	return ret;
}

static int hc_port(struct jw_ctx *p, json_t *v, void *o)
{
	unsigned int port = 0;
	int ret = hc_uint(p, v, "port", 1, 65535, &port);

	((struct lb_health_check *)o)->port = (uint16_t)port;
	return ret;
}

/* The path goes into "GET PATH HTTP/1.0": one word of visible ASCII. */
static int hc_path(struct jw_ctx *p, json_t *v, void *o)
{
	const char *s = json_string_value(v);
	size_t n = json_string_length(v), i;

	if (!n || s[0] != '/' || n >= HC_PATH_MAX)
		return jw_fail(p, "a path starts with \"/\" and is shorter than %d characters",
			       HC_PATH_MAX);
	for (i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] >= 127)
			return jw_fail(p, "a path is visible ASCII without spaces (encode others as %%XX)");
	((struct lb_health_check *)o)->path = s;
	return 0;
}

static int hc_command(struct jw_ctx *p, json_t *v, void *o)
{
	size_t n = json_string_length(v);

	if (!n || n >= HC_COMMAND_MAX || strlen(json_string_value(v)) != n)
		return jw_fail(p, "a command is 1 to %d characters, without NUL",
			       HC_COMMAND_MAX - 1);
	((struct lb_health_check *)o)->command = json_string_value(v);
	return 0;
}

static int hc_status(struct jw_ctx *p, json_t *v, void *o)
{
	return hc_uint(p, v, "expect_status", 100, 599,
		       &((struct lb_health_check *)o)->expect_status);
}

static int hc_interval(struct jw_ctx *p, json_t *v, void *o)
{
	return hc_uint(p, v, "interval", 1, HC_INTERVAL_MAX,
		       &((struct lb_health_check *)o)->interval);
}

static int hc_timeout(struct jw_ctx *p, json_t *v, void *o)
{
	return hc_uint(p, v, "timeout", 1, HC_INTERVAL_MAX,
		       &((struct lb_health_check *)o)->timeout);
}

static int hc_rise(struct jw_ctx *p, json_t *v, void *o)
{
	return hc_uint(p, v, "rise", 1, HC_RUN_MAX,
		       &((struct lb_health_check *)o)->rise);
}

static int hc_fall(struct jw_ctx *p, json_t *v, void *o)
{
	return hc_uint(p, v, "fall", 1, HC_RUN_MAX,
		       &((struct lb_health_check *)o)->fall);
}

static const struct jw_key hc_keys[] = {
	{ "type", JW_STRING, true, hc_type, NULL },
	{ "port", JW_INTEGER, false, hc_port, NULL },
	{ "path", JW_STRING, false, hc_path, NULL },
	{ "expect_status", JW_INTEGER, false, hc_status, NULL },
	{ "command", JW_STRING, false, hc_command, NULL },
	{ "interval", JW_INTEGER, true, hc_interval, NULL },
	{ "timeout", JW_INTEGER, true, hc_timeout, NULL },
	{ "rise", JW_INTEGER, true, hc_rise, NULL },
	{ "fall", JW_INTEGER, true, hc_fall, NULL },
};

/* key, given, is not for the check's type. */
static int hc_not_for(struct jw_ctx *p, const char *key,
		      const struct lb_health_check *hc)
{
	jw_push_key(p, key);
	return jw_fail(p, "\"%s\" is not for a health check of type %s",
		       key, hc_types[hc->type]);
}

int hc_parse(struct jw_ctx *p, json_t *v, void *o)
{
	struct lb_health_check t = { 0 }, *hc = &t;
	int ret;

	/* Into t: its strings are the document's until copied at the end,
	 * and *o holds only copies, freed by hc_free(). */
	memset(o, 0, sizeof(*hc));
	ret = jw_walk(p, v, hc_keys, ARRAY_SIZE(hc_keys), hc);
	if (ret)
		return ret;
	if (hc->type != LB_HC_HTTP && hc->path)
		return hc_not_for(p, "path", hc);
	if (hc->type != LB_HC_HTTP && hc->expect_status)
		return hc_not_for(p, "expect_status", hc);
	if (hc->type != LB_HC_EXEC && hc->command)
		return hc_not_for(p, "command", hc);
	if (hc->type == LB_HC_EXEC && !hc->command)
		return jw_fail(p, "a health check of type exec needs \"command\"");
	if (hc->timeout > hc->interval) {
		jw_push_key(p, "timeout");
		return jw_fail(p, "timeout %u is longer than the interval, %u: checks of one server would overlap",
			       hc->timeout, hc->interval);
	}
	if (!hc->expect_status)
		hc->expect_status = 200;
	/* The document is let go after the parse: the strings are kept. */
	t.path = strdup(t.path ? t.path : "/");
	t.command = t.command ? strdup(t.command) : NULL;
	if (!t.path || (t.type == LB_HC_EXEC && !t.command)) {
		hc_free(&t);
		return jw_oom(p);
	}
	*(struct lb_health_check *)o = t;
	return 0;
}

void hc_free(struct lb_health_check *hc)
{
	free((char *)hc->path);
	free((char *)hc->command);
	hc->path = hc->command = NULL;
}
