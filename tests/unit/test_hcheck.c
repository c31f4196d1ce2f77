// SPDX-License-Identifier: GPL-2.0
/*
 * A service's "health_check" and a director's "drain_timeout" and
 * "drain_handoff" in the cluster file (cluster/hcheck.c, services.c,
 * cluster.c): what valid ones parse into, and the error by path of every
 * wrong one.
 */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "cluster.h"

#define FILE_HC(dir, hc)						\
	"{ \"schema_version\": 1,\n"					\
	"  \"directors\": [ { \"name\": \"lb1\"" dir " } ],\n"		\
	"  \"services\": [\n"						\
	"    { \"protocol\": \"tcp\", \"vip\": \"203.0.113.10\", \"port\": 80 },\n" \
	"    { \"protocol\": \"tcp\", \"vip\": \"203.0.113.10\", \"port\": 81, \"health_check\": " hc " }\n" \
	"  ] }\n"

#define HC(rest) "{ \"interval\": 2, \"timeout\": 1, \"rise\": 2, \"fall\": 3" rest " }"

static const struct {
	const char *name;
	const char *text;
	const char *parsed;	/* NULL: the error is err */
	const char *err;
} rows[] = {
	{ "tcp", FILE_HC("", HC(", \"type\": \"tcp\"")),
	  "drain=30 none; tcp port=0 interval=2 timeout=1 rise=2 fall=3 path=/ status=200 command=-", NULL },
	{ "http", FILE_HC(", \"drain_timeout\": 0",
			  HC(", \"type\": \"http\", \"port\": 8081, \"path\": \"/health?x=%20\", \"expect_status\": 204")),
	  "drain=0 none; http port=8081 interval=2 timeout=1 rise=2 fall=3 path=/health?x=%20 status=204 command=-", NULL },
	{ "exec", FILE_HC(", \"drain_timeout\": 600",
			  HC(", \"type\": \"exec\", \"command\": \"test -e /tmp/x-$LBCTL_RS_ADDRESS\"")),
	  "drain=600 none; exec port=0 interval=2 timeout=1 rise=2 fall=3 path=/ status=200 command=test -e /tmp/x-$LBCTL_RS_ADDRESS", NULL },
	{ "type_missing", FILE_HC("", HC("")), NULL,
	  "t.json:5:77: services[1].health_check: \"type\" is missing" },
	{ "type_wrong", FILE_HC("", HC(", \"type\": \"icmp\"")), NULL,
	  "t.json:5:138: services[1].health_check.type: health check type \"icmp\" is not one of tcp, http or exec" },
	{ "unknown_key", FILE_HC("", HC(", \"type\": \"tcp\", \"retries\": 1")), NULL,
	  "t.json:5:145: services[1].health_check.retries: unknown key; expected type, port, path, expect_status, command, interval, timeout, rise or fall" },
	{ "interval_0", FILE_HC("", "{ \"type\": \"tcp\", \"interval\": 0, \"timeout\": 1, \"rise\": 1, \"fall\": 1 }"), NULL,
	  "t.json:5:106: services[1].health_check.interval: interval 0 is out of range 1-3600" },
	{ "timeout_over_interval", FILE_HC("", "{ \"type\": \"tcp\", \"interval\": 1, \"timeout\": 2, \"rise\": 1, \"fall\": 1 }"), NULL,
	  "t.json:5:120: services[1].health_check.timeout: timeout 2 is longer than the interval, 1: checks of one server would overlap" },
	{ "fall_101", FILE_HC("", "{ \"type\": \"tcp\", \"interval\": 1, \"timeout\": 1, \"rise\": 1, \"fall\": 101 }"), NULL,
	  "t.json:5:142: services[1].health_check.fall: fall 101 is out of range 1-100" },
	{ "rise_string", FILE_HC("", "{ \"type\": \"tcp\", \"interval\": 1, \"timeout\": 1, \"rise\": \"1\", \"fall\": 1 }"), NULL,
	  "t.json:5:131: services[1].health_check.rise: expected an integer, not a string" },
	{ "port_0", FILE_HC("", HC(", \"type\": \"tcp\", \"port\": 0")), NULL,
	  "t.json:5:153: services[1].health_check.port: port 0 is out of range 1-65535" },
	{ "path_for_tcp", FILE_HC("", HC(", \"type\": \"tcp\", \"path\": \"/\"")), NULL,
	  "t.json:5:153: services[1].health_check.path: \"path\" is not for a health check of type tcp" },
	{ "path_relative", FILE_HC("", HC(", \"type\": \"http\", \"path\": \"x\"")), NULL,
	  "t.json:5:154: services[1].health_check.path: a path starts with \"/\" and is shorter than 1024 characters" },
	{ "path_space", FILE_HC("", HC(", \"type\": \"http\", \"path\": \"/a b\"")), NULL,
	  "t.json:5:154: services[1].health_check.path: a path is visible ASCII without spaces (encode others as %XX)" },
	{ "path_crlf", FILE_HC("", HC(", \"type\": \"http\", \"path\": \"/\\r\\nX: y\"")), NULL,
	  "t.json:5:154: services[1].health_check.path: a path is visible ASCII without spaces (encode others as %XX)" },
	{ "status_600", FILE_HC("", HC(", \"type\": \"http\", \"expect_status\": 600")), NULL,
	  "t.json:5:163: services[1].health_check.expect_status: expect_status 600 is out of range 100-599" },
	{ "status_for_exec", FILE_HC("", HC(", \"type\": \"exec\", \"command\": \"true\", \"expect_status\": 200")), NULL,
	  "t.json:5:182: services[1].health_check.expect_status: \"expect_status\" is not for a health check of type exec" },
	{ "exec_no_command", FILE_HC("", HC(", \"type\": \"exec\"")), NULL,
	  "t.json:5:77: services[1].health_check: a health check of type exec needs \"command\"" },
	{ "command_for_http", FILE_HC("", HC(", \"type\": \"http\", \"command\": \"true\"")), NULL,
	  "t.json:5:157: services[1].health_check.command: \"command\" is not for a health check of type http" },
	/* jansson refuses it first, with JSON_ALLOW_NUL unset */
	{ "command_nul", FILE_HC("", HC(", \"type\": \"exec\", \"command\": \"a\\u0000b\"")), NULL,
	  "t.json:5:166: services[1].health_check.command: \\u0000 is not allowed without JSON_ALLOW_NUL near '\"a\\u0000b\"'" },
	{ "not_object", FILE_HC("", "true"), NULL,
	  "t.json:5:77: services[1].health_check: expected an object, not a boolean" },
	{ "drain_negative", FILE_HC(", \"drain_timeout\": -1", HC(", \"type\": \"tcp\"")), NULL,
	  "t.json:2:52: directors[0].drain_timeout: drain_timeout -1 is out of range 0-86400" },
	/* drain_handoff: another director reached from lb1's host */
	{ "handoff_netns", FILE_HC(", \"netns\": \"a\", \"drain_handoff\": true }, { \"name\": \"lb2\", \"netns\": \"b\"",
				   HC(", \"type\": \"tcp\"")),
	  "drain=30 handoff none; tcp port=0 interval=2 timeout=1 rise=2 fall=3 path=/ status=200 command=-", NULL },
	{ "handoff_ssh", FILE_HC(", \"drain_handoff\": true }, { \"name\": \"lb2\", \"ssh\": \"h2\", \"netns\": \"b\"",
				 HC(", \"type\": \"tcp\"")),
	  "drain=30 handoff none; tcp port=0 interval=2 timeout=1 rise=2 fall=3 path=/ status=200 command=-", NULL },
	{ "handoff_same_host", FILE_HC(", \"ssh\": \"h2\", \"drain_handoff\": true }, { \"name\": \"lb2\", \"ssh\": \"h2\", \"netns\": \"b\"",
				       HC(", \"type\": \"tcp\"")),
	  "drain=30 handoff none; tcp port=0 interval=2 timeout=1 rise=2 fall=3 path=/ status=200 command=-", NULL },
	{ "handoff_off", FILE_HC(", \"drain_handoff\": false", HC(", \"type\": \"tcp\"")),
	  "drain=30 none; tcp port=0 interval=2 timeout=1 rise=2 fall=3 path=/ status=200 command=-", NULL },
	{ "handoff_alone", FILE_HC(", \"drain_handoff\": true", HC(", \"type\": \"tcp\"")), NULL,
	  "t.json:2:52: directors[0].drain_handoff: no other director in the file takes the connections of lb1" },
	{ "handoff_unreachable", FILE_HC(", \"ssh\": \"h1\", \"drain_handoff\": true }, { \"name\": \"lb2\", \"netns\": \"b\"",
					 HC(", \"type\": \"tcp\"")), NULL,
	  "t.json:2:65: directors[0].drain_handoff: directors[1] (lb2) has no \"ssh\": it is on the host lbctl apply runs on, which the agent of lb1 (on h1) cannot reach; give it \"ssh\"" },
	{ "handoff_integer", FILE_HC(", \"drain_handoff\": 1", HC(", \"type\": \"tcp\"")), NULL,
	  "t.json:2:52: directors[0].drain_handoff: expected true or false, not an integer" },
	{ "handoff_string", FILE_HC(", \"drain_handoff\": \"true\"", HC(", \"type\": \"tcp\"")), NULL,
	  "t.json:2:52: directors[0].drain_handoff: expected true or false, not a string" },
};

static void describe(const struct lb_cluster *c, char *out, size_t len)
{
	size_t i, off;
	static const char *const types[] = { "none", "tcp", "http", "exec" };

	off = (size_t)snprintf(out, len, "drain=%u%s",
			       c->directors.v[0].drain_timeout,
			       c->directors.v[0].drain_handoff ? " handoff" : "");
	for (i = 0; i < c->checks.n && off < len; i++) {
		const struct lb_health_check *h = &c->checks.v[i];

		if (h->type == LB_HC_NONE) {
			off += (size_t)snprintf(out + off, len - off, " none;");
			continue;
		}
		off += (size_t)snprintf(out + off, len - off,
					" %s port=%u interval=%u timeout=%u rise=%u fall=%u path=%s status=%u command=%s",
					types[h->type], h->port, h->interval,
					h->timeout, h->rise, h->fall, h->path,
					h->expect_status,
					h->command ? h->command : "-");
	}
}

int main(void)
{
	struct lb_cluster c;
	char err[512], out[1024];
	size_t i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		check_begin("health_check/%s", rows[i].name);
		err[0] = '\0';
		ret = cluster_parse(rows[i].text, strlen(rows[i].text),
				    "t.json", &c, err, sizeof(err));
		if (rows[i].parsed) {
			CHECK_MSG(!ret, "failed: %s", err);
			if (!ret) {
				CHECK_INT(c.checks.n, c.services.n);
				describe(&c, out, sizeof(out));
				CHECK_STR(out, rows[i].parsed);
				cluster_free(&c);
			}
		} else {
			CHECK_INT(ret, -EINVAL);
			CHECK_STR(err, rows[i].err);
			CHECK_INT(c.checks.n + c.services.n, 0);
		}
		check_end();
	}
	return check_done();
}
