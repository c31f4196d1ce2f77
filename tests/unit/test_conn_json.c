// SPDX-License-Identifier: GPL-2.0
/*
 * "lbctl conn import"'s reader (cluster/conn_json.c): what "lbctl -j conn"
 * prints reads back into the same connections (sequence state included);
 * a structural error fails the listing with its JSON path, a wrong value
 * skips its element alone (reported with its path), templates and TCP
 * handshakes are left out.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/fullnat.h>

#include "check.h"
#include "conn_json.h"
#include "output.h"
#include "parse.h"
#include "print.h"

#define END(a, p)	"{\"address\": \"" a "\", \"port\": " #p "}"
#define CONN(extra)							\
	"{\"protocol\": \"tcp\", \"state\": \"established\", "		\
	"\"expires\": 899, \"forward\": \"fullnat\", "			\
	"\"client\": " END("198.51.100.2", 42001) ", "			\
	"\"virtual\": " END("203.0.113.10", 80) ", "			\
	"\"local\": " END("198.18.12.1", 1025) ", "			\
	"\"real\": " END("198.19.0.11", 8080) extra "}"
/* One element: its leading keys, then the client end, VIP:80, RS:80. */
#define ONE(head, client)						\
	"[{" head "\"client\": " client ", \"virtual\": "		\
	END("203.0.113.10", 80) ", \"real\": " END("198.19.0.11", 80) "}]"
#define TCP_DR	"\"protocol\": \"tcp\", \"state\": \"established\", \"forward\": \"dr\", "
#define TMPL								\
	"{\"protocol\": \"tcp\", \"state\": \"template\", \"expires\": 5, "	\
	"\"connections\": 2, "						\
	"\"client\": {\"address\": \"198.51.100.0\", \"port\": 0, \"netmask\": 24}, " \
	"\"virtual\": " END("203.0.113.10", 80) ", "			\
	"\"real\": " END("198.19.0.11", 8080) "}"

#define SEQ	", \"tcp_seq\": {\"client_end\": 1, \"server_end\": 2, " \
		"\"client_window\": 3, \"server_window\": 4, " \
		"\"client_wscale\": 7, \"server_wscale\": 255"

static const struct {
	const char *name, *text;
	const char *err;	/* a part of the error (or of the first
				 * element's report), NULL: none */
	size_t n, templates, half_open, bad;
} rows[] = {
	{ "empty", "[]", NULL, 0, 0, 0, 0 },
	{ "one", "[" CONN("") "]", NULL, 1, 0, 0, 0 },
	{ "two_and_a_template", "[" CONN("") ", " TMPL ", " CONN("") "]",
	  NULL, 2, 1, 0, 0 },
	{ "dr_no_local",
	  "[{\"protocol\": \"udp\", \"state\": \"unreplied\", \"forward\": \"dr\", "
	  "\"client\": " END("198.51.100.2", 5353) ", \"virtual\": "
	  END("203.0.113.10", 53) ", \"real\": " END("198.19.0.11", 53) "}]",
	  NULL, 1, 0, 0, 0 },
	{ "seq_nodata", "[" CONN(SEQ ", \"server_isn\": 9}, \"nodata\": true") "]",
	  NULL, 1, 0, 0, 0 },
	{ "client_port_zero", ONE(TCP_DR, END("198.51.100.2", 0)),
	  NULL, 1, 0, 0, 0 },
	{ "half_open",
	  ONE("\"protocol\": \"tcp\", \"state\": \"syn_recv\", \"forward\": \"dr\", ",
	      END("198.51.100.2", 1)), NULL, 0, 0, 1, 0 },
	/* The structure: the whole listing fails. */
	{ "not_array", "{}", "expected an array, not an object", 0, 0, 0, 0 },
	{ "syntax", "[" CONN("") ",]", "t.json:1:", 0, 0, 0, 0 },
	{ "unknown_key", "[" CONN(", \"flags\": 1") "]",
	  "[0].flags: unknown key", 0, 0, 0, 0 },
	{ "duplicate_key", "[" CONN(", \"state\": \"close\"") "]",
	  "duplicate object key", 0, 0, 0, 0 },
	{ "no_forward",
	  ONE("\"protocol\": \"tcp\", \"state\": \"established\", ",
	      END("198.51.100.2", 1)),
	  "[0]: \"forward\" is missing", 0, 0, 0, 0 },
	{ "duplicate_end", "[" CONN(", \"virtual\": " END("203.0.113", 80)) "]",
	  "duplicate object key", 0, 0, 0, 0 },
	{ "seq_missing_field", "[" CONN(", \"tcp_seq\": {\"client_end\": 1}") "]",
	  "[0].tcp_seq: \"server_end\" is missing", 0, 0, 0, 0 },
	{ "element_type", "[1]", "[0]: expected an object", 0, 0, 0, 0 },
	{ "port_type", ONE(TCP_DR, "{\"address\": \"198.51.100.2\", \"port\": \"1\"}"),
	  "[0].client.port: expected an integer", 0, 0, 0, 0 },
	/* A value: the element is skipped, the rest read. */
	{ "bad_state",
	  ONE("\"protocol\": \"udp\", \"state\": \"established\", \"forward\": \"dr\", ",
	      END("198.51.100.2", 1)),
	  "\"established\" is not a state of a udp connection", 0, 0, 0, 1 },
	{ "fullnat_no_local",
	  ONE("\"protocol\": \"tcp\", \"state\": \"established\", \"forward\": \"fullnat\", ",
	      END("198.51.100.2", 1)),
	  "a fullnat connection has a \"local\" end", 0, 0, 0, 1 },
	{ "port_range", ONE(TCP_DR, END("198.51.100.2", 65536)),
	  "[0].client.port:", 0, 0, 0, 1 },
	{ "address", ONE(TCP_DR, END("198.51.100", 1)),
	  "[0].client.address:", 0, 0, 0, 1 },
	{ "connections_not_template", "[" CONN(", \"connections\": 1") "]",
	  "only a template has", 0, 0, 0, 1 },
	{ "netmask_not_template",
	  ONE(TCP_DR, "{\"address\": \"198.51.100.2\", \"port\": 1, \"netmask\": 24}"),
	  "only a template has", 0, 0, 0, 1 },
	{ "template_with_local",
	  "[{\"protocol\": \"tcp\", \"state\": \"template\", "
	  "\"client\": " END("198.51.100.0", 0) ", \"virtual\": "
	  END("203.0.113.10", 80) ", \"local\": " END("198.18.12.1", 1)
	  ", \"real\": " END("198.19.0.11", 80) "}]",
	  "a template has no", 0, 0, 0, 1 },
	{ "wscale", "[" CONN(", \"tcp_seq\": {\"client_end\": 1, \"server_end\": 2, "
			    "\"client_window\": 3, \"server_window\": 4, "
			    "\"client_wscale\": 15, \"server_wscale\": 255}") "]",
	  "[0].tcp_seq.client_wscale: a window scale is 0-14", 0, 0, 0, 1 },
	{ "seq_udp",
	  ONE("\"protocol\": \"udp\", \"state\": \"unreplied\", \"forward\": \"dr\", "
	      "\"nodata\": true, ", END("198.51.100.2", 1)),
	  "only a tcp connection has", 0, 0, 0, 1 },
	{ "bad_then_good",
	  "[{" TCP_DR "\"client\": " END("198.51.100.2", 65536) ", \"virtual\": "
	  END("203.0.113.10", 80) ", \"real\": " END("198.19.0.11", 80) "}, "
	  CONN("") "]", "[0].client.port", 1, 0, 0, 1 },
};

/* The first element's report. */
static void report(void *arg, const char *err)
{
	char *first = arg;

	if (!first[0])
		snprintf(first, 512, "%s", err);
}

static void test_rows(void)
{
	char err[512], first[512];
	struct conns_read r;
	size_t i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		check_begin("conns_parse/%s", rows[i].name);
		err[0] = first[0] = 0;
		memset(&r, 0, sizeof(r));
		r.report = report;
		r.arg = first;
		ret = conns_parse(rows[i].text, strlen(rows[i].text), "t.json",
				  &r, err, sizeof(err));
		if (rows[i].err && !rows[i].bad) {
			CHECK_INT(ret, -EINVAL);
			CHECK_MSG(strstr(err, rows[i].err), "error \"%s\" lacks \"%s\"",
				  err, rows[i].err);
			CHECK_INT(r.conns.n, 0);
		} else {
			CHECK_MSG(!ret, "%s", err);
			CHECK_INT(r.conns.n, rows[i].n);
			CHECK_INT(r.templates, rows[i].templates);
			CHECK_INT(r.half_open, rows[i].half_open);
			CHECK_INT(r.bad, rows[i].bad);
			if (rows[i].err)
				CHECK_MSG(strstr(first, rows[i].err),
					  "report \"%s\" lacks \"%s\"", first,
					  rows[i].err);
			if (rows[i].bad && r.conns.n)
				CHECK_INT(r.conns.v[0].index, rows[i].bad);
		}
		lb_list_free(&r.conns);
		check_end();
	}
}

static void conn_init(struct lb_conn *c, const char *cl, const char *vip,
		      const char *local, const char *real)
{
	memset(c, 0, sizeof(*c));
	parse_addrport(cl, &c->client, NULL, 0);
	parse_addrport(vip, &c->vip, NULL, 0);
	if (local)
		parse_addrport(local, &c->local, NULL, 0);
	parse_addrport(real, &c->real, NULL, 0);
}

/* What print_conn() writes (lbctl -j conn) reads back the same. */
static void test_roundtrip(void)
{
	struct lb_conn in[3], *out;
	struct conns_read r = { 0 };
	size_t i, len;
	char err[512], *text;
	FILE *f;

	check_begin("conns_parse/roundtrip_print_conn");
	conn_init(&in[0], "198.51.100.2:42001", "203.0.113.10:80",
		  "198.18.12.1:1025", "198.19.0.11:8080");
	in[0].proto = LB_PROTO_TCP;
	in[0].state = FULLNAT_TCP_S_FIN_WAIT;
	in[0].fwd = LB_FWD_FULLNAT;
	in[0].expires = 100;
	conn_init(&in[1], "[2001:db8:100::2]:5000", "[2001:db8:113::10]:443",
		  "[2001:db8:11::1]:2000", "[2001:db8:19::11]:8443");
	in[1].proto = LB_PROTO_TCP;
	in[1].state = FULLNAT_TCP_S_ESTABLISHED;
	in[1].fwd = LB_FWD_FULLNAT;
	in[1].nodata = true;
	in[1].has_seq = in[1].has_isn = true;
	in[1].seq = (struct lb_tcp_seq){ { 4000000000u, 7 }, { 65535, 12 },
					 { 7, 255 } };
	in[1].isn = 123456789;
	conn_init(&in[2], "198.51.100.3:53000", "203.0.113.10:53", NULL,
		  "198.19.0.12:53");
	in[2].proto = LB_PROTO_UDP;
	in[2].state = FULLNAT_UDP_S_UNREPLIED;
	in[2].fwd = LB_FWD_TUN;

	f = open_memstream(&text, &len);
	out_init_file(true, f);
	out_stream();
	print_conns_head();
	for (i = 0; i < 3; i++)
		print_conn(&in[i]);
	out_close();
	CHECK_INT(out_finish(), 0);
	fclose(f);
	CHECK_MSG(!conns_parse(text, len, "t.json", &r, err, sizeof(err)),
		  "%s in %s", err, text);
	CHECK_INT(r.conns.n, 3);
	for (i = 0; i < r.conns.n && i < 3; i++) {
		out = &r.conns.v[i].c;
		CHECK_INT(r.conns.v[i].index, i);
		CHECK_INT(out->nodata, in[i].nodata);
		CHECK_INT(out->has_seq, in[i].has_seq);
		CHECK_INT(out->has_isn, in[i].has_isn);
		CHECK(!memcmp(&out->seq, &in[i].seq, sizeof(out->seq)));
		CHECK_INT(out->isn, in[i].isn);
		CHECK_INT(out->proto, in[i].proto);
		CHECK_INT(out->state, in[i].state);
		CHECK_INT(out->fwd, in[i].fwd);
		CHECK_INT(out->expires, in[i].expires);
		CHECK(!memcmp(&out->client, &in[i].client, sizeof(out->client)));
		CHECK(!memcmp(&out->vip, &in[i].vip, sizeof(out->vip)));
		CHECK(!memcmp(&out->local, &in[i].local, sizeof(out->local)));
		CHECK(!memcmp(&out->real, &in[i].real, sizeof(out->real)));
	}
	lb_list_free(&r.conns);
	free(text);
	check_end();
}

int main(void)
{
	test_rows();
	test_roundtrip();
	return check_done();
}
