// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of lbctl/print.c: hand-made structs printed as text and as JSON,
 * compared whole with what a user (or a script) would see.
 */
#define _GNU_SOURCE		/* open_memstream() */
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "check.h"
#include "output.h"
#include "print.h"

/* What call prints, text or JSON, as one string (to free). */
#define CAPTURE(json, call) ({						\
	char *buf_ = NULL;						\
	size_t len_ = 0;						\
	FILE *f_ = open_memstream(&buf_, &len_);			\
									\
	out_init_file(json, f_);					\
	call;								\
	out_finish();							\
	fclose(f_);							\
	buf_; })

#define CHECK_OUTPUT(json, call, expected) do {				\
	char *got_ = CAPTURE(json, call);				\
									\
	CHECK_MSG(got_ && !strcmp(got_, expected),			\
		  "printed\n%s\nexpected\n%s", got_, expected);		\
	free(got_);							\
} while (0)

/* One case: what call prints, compared whole with expected. */
#define OUTPUT_CASE(name, json, call, expected) do {			\
	check_begin(name);						\
	CHECK_OUTPUT(json, call, expected);				\
	check_end();							\
} while (0)

static struct lb_addr addr(const char *s)
{
	struct lb_addr a = { 0 };

	parse_addr(s, &a, NULL, 0);
	return a;
}

static struct lb_addrport addrport(const char *s)
{
	struct lb_addrport ap = { 0 };

	parse_addrport(s, &ap, NULL, 0);
	return ap;
}

static const struct lb_info info = {
	.version = "0.1.0",
	.abi = 1,
	.services = 2,
	.real_servers = 2,
	.conns = 5,
	.conn_max = 1048576,
	.n_counters = 4,
	.counters = {
		{ FULLNAT_CNT_CONN_LIMIT, 0 },
		{ FULLNAT_CNT_NO_DEST, 7 },
		{ FULLNAT_CNT_TOA_NO_ROOM, 18446744073709551615ull },
		{ 99, 3 },		/* from a newer module */
	},
};

static struct lb_dest dest(const char *a, int32_t weight, uint32_t active,
			   uint32_t inactive, struct lb_stats stats)
{
	struct lb_dest d;

	lb_dest_init(&d);
	d.addr = addr(a);
	d.port = 8080;
	d.weight = weight;
	d.active = active;
	d.inactive = inactive;
	d.stats = stats;
	return d;
}

static struct lb_svc_entry service(enum lb_proto proto, const char *vip,
				   uint16_t port, enum lb_fwd fwd,
				   const char *sched, int toa)
{
	struct lb_svc_entry e = { 0 };

	lb_service_init(&e.svc);
	e.svc.proto = proto;
	e.svc.addr = addr(vip);
	e.svc.port = port;
	e.svc.fwd = fwd;
	snprintf(e.svc.sched, sizeof(e.svc.sched), "%s", sched);
	e.svc.toa = toa;
	return e;
}

/* Two services: one with two real servers, one with none. */
static void make_snapshot(struct lb_snapshot *snap)
{
	struct lb_svc_entry e;
	struct lb_dest d;

	memset(snap, 0, sizeof(*snap));
	snap->info = info;
	e = service(LB_PROTO_TCP, "203.0.113.10", 80, LB_FWD_FULLNAT, "wrr", 1);
	e.svc.stats = (struct lb_stats){ 10, 200, 180, 30000, 250000 };
	d = dest("198.19.0.11", 2, 3, 1,
		 (struct lb_stats){ 6, 120, 100, 18000, 150000 });
	lb_list_push(&e.dests, &d);
	d = dest("198.19.0.12", 1, 0, 0,
		 (struct lb_stats){ 4, 80, 80, 12000, 100000 });
	lb_list_push(&e.dests, &d);
	lb_list_push(&snap->services, &e);
	e = service(LB_PROTO_UDP, "2001:db8::53", 53, LB_FWD_NAT, "rr", 0);
	/* persistence: its columns only when on (and templates when held) */
	e.svc.persist_timeout = 300;
	e.svc.persist_netmask = 24;
	e.svc.templates = 4;
	lb_list_push(&snap->services, &e);
}

static void make_config(struct lb_config *cfg)
{
	lb_config_init(cfg);
	cfg->present = LB_CFG_CONN_MAX | LB_CFG_PORT_RANGE |
		       LB_CFG_EXPIRE_NODEST |
		       LB_CFG_TIMEOUT(FULLNAT_TCP_S_SYN_RECV) |
		       LB_CFG_TIMEOUT(FULLNAT_TCP_S_ESTABLISHED) |
		       LB_CFG_TIMEOUT(FULLNAT_TCP_S_CLOSE) |
		       LB_CFG_TIMEOUT(LB_TIMEOUT_UDP(FULLNAT_UDP_S_NORMAL)) |
		       LB_CFG_TIMEOUT(LB_TIMEOUT_UDP(FULLNAT_UDP_S_UNREPLIED));
	cfg->conn_max = 1048576;
	cfg->port_min = 1024;
	cfg->port_max = 65535;
	cfg->expire_nodest = false;
	cfg->timeout[FULLNAT_TCP_S_SYN_RECV] = 30;
	cfg->timeout[FULLNAT_TCP_S_ESTABLISHED] = 900;
	cfg->timeout[FULLNAT_TCP_S_CLOSE] = 10;
	cfg->timeout[LB_TIMEOUT_UDP(FULLNAT_UDP_S_NORMAL)] = 300;
	cfg->timeout[LB_TIMEOUT_UDP(FULLNAT_UDP_S_UNREPLIED)] = 30;
}

static void make_laddrs(struct lb_laddr_list *list)
{
	struct lb_laddr l[] = {
		{ addr("198.18.0.11"), 3, 120, 2, 0 },
		{ addr("2001:db8::11"), 0, 0, 0, 1 },
	};

	lb_list_push(list, &l[0]);
	lb_list_push(list, &l[1]);
}

static const char show_text[] =
"FullNAT director fullnat.ko 0.1.0, 2 services, 2 real servers, 5/1048576 connections\n"
"Prot LocalAddress:Port Scheduler Flags\n"
"  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n"
"TCP  203.0.113.10:80 wrr toa\n"
"  -> 198.19.0.11:8080             FullNAT 2      3          1\n"
"  -> 198.19.0.12:8080             FullNAT 1      0          0\n"
"UDP  [2001:db8::53]:53 rr persistence 300 templates 4\n";

static const char show_stats_text[] =
"FullNAT director fullnat.ko 0.1.0, 2 services, 2 real servers, 5/1048576 connections\n"
"Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes\n"
"  -> RemoteAddress:Port\n"
"TCP  203.0.113.10:80                    10      200      180    30000   250000\n"
"  -> 198.19.0.11:8080                    6      120      100    18000   150000\n"
"  -> 198.19.0.12:8080                    4       80       80    12000   100000\n"
"UDP  [2001:db8::53]:53                   0        0        0        0        0\n";

static const char show_json[] =
"{\n"
"  \"version\": \"0.1.0\",\n"
"  \"abi\": 1,\n"
"  \"connections\": 5,\n"
"  \"connection_max\": 1048576,\n"
"  \"config\": {\n"
"    \"conn_max\": 1048576,\n"
"    \"port_range\": {\n"
"      \"min\": 1024,\n"
"      \"max\": 65535\n"
"    },\n"
"    \"expire_nodest\": false,\n"
"    \"timeout\": {\n"
"      \"tcp\": {\n"
"        \"syn_recv\": 30,\n"
"        \"established\": 900,\n"
"        \"close\": 10\n"
"      },\n"
"      \"udp\": 300,\n"
"      \"udp_unreplied\": 30\n"
"    }\n"
"  },\n"
"  \"local_addresses\": [\n"
"    {\n"
"      \"address\": \"198.18.0.11\",\n"
"      \"ports_in_use\": 3,\n"
"      \"conns\": 120,\n"
"      \"conflicts\": 2,\n"
"      \"exhausted\": 0\n"
"    },\n"
"    {\n"
"      \"address\": \"2001:db8::11\",\n"
"      \"ports_in_use\": 0,\n"
"      \"conns\": 0,\n"
"      \"conflicts\": 0,\n"
"      \"exhausted\": 1\n"
"    }\n"
"  ],\n"
"  \"services\": [\n"
"    {\n"
"      \"protocol\": \"tcp\",\n"
"      \"vip\": \"203.0.113.10\",\n"
"      \"port\": 80,\n"
"      \"forward\": \"fullnat\",\n"
"      \"scheduler\": \"wrr\",\n"
"      \"toa\": true,\n"
"      \"persistence\": {\n"
"        \"templates\": 0\n"
"      },\n"
"      \"stats\": {\n"
"        \"conns\": 10,\n"
"        \"inpkts\": 200,\n"
"        \"outpkts\": 180,\n"
"        \"inbytes\": 30000,\n"
"        \"outbytes\": 250000\n"
"      },\n"
"      \"real_servers\": [\n"
"        {\n"
"          \"address\": \"198.19.0.11\",\n"
"          \"port\": 8080,\n"
"          \"weight\": 2,\n"
"          \"active\": 3,\n"
"          \"inactive\": 1,\n"
"          \"stats\": {\n"
"            \"conns\": 6,\n"
"            \"inpkts\": 120,\n"
"            \"outpkts\": 100,\n"
"            \"inbytes\": 18000,\n"
"            \"outbytes\": 150000\n"
"          }\n"
"        },\n"
"        {\n"
"          \"address\": \"198.19.0.12\",\n"
"          \"port\": 8080,\n"
"          \"weight\": 1,\n"
"          \"active\": 0,\n"
"          \"inactive\": 0,\n"
"          \"stats\": {\n"
"            \"conns\": 4,\n"
"            \"inpkts\": 80,\n"
"            \"outpkts\": 80,\n"
"            \"inbytes\": 12000,\n"
"            \"outbytes\": 100000\n"
"          }\n"
"        }\n"
"      ]\n"
"    },\n"
"    {\n"
"      \"protocol\": \"udp\",\n"
"      \"vip\": \"2001:db8::53\",\n"
"      \"port\": 53,\n"
"      \"forward\": \"nat\",\n"
"      \"scheduler\": \"rr\",\n"
"      \"toa\": false,\n"
"      \"persistence\": {\n"
"        \"timeout\": 300,\n"
"        \"netmask\": 24,\n"
"        \"templates\": 4\n"
"      },\n"
"      \"stats\": {\n"
"        \"conns\": 0,\n"
"        \"inpkts\": 0,\n"
"        \"outpkts\": 0,\n"
"        \"inbytes\": 0,\n"
"        \"outbytes\": 0\n"
"      },\n"
"      \"real_servers\": []\n"
"    }\n"
"  ]\n"
"}\n";

/* How many times s holds word. */
static int count(const char *s, const char *word)
{
	int n = 0;

	while ((s = strstr(s, word))) {
		n++;
		s++;
	}
	return n;
}

static void test_show(void)
{
	struct lb_snapshot snap;

	make_snapshot(&snap);

	OUTPUT_CASE("print_show/text", false,
		    print_show(&snap, false), show_text);

	OUTPUT_CASE("print_show/text_stats", false,
		    print_show(&snap, true), show_stats_text);

	/* Config and local addresses are not text of "show": same output. */
	snap.has_config = snap.has_laddrs = true;
	make_config(&snap.config);
	make_laddrs(&snap.laddrs);
	OUTPUT_CASE("print_show/text_ignores_config", false,
		    print_show(&snap, false), show_text);

	OUTPUT_CASE("print_show/json", true,
		    print_show(&snap, false), show_json);

	/* --stats changes the text only. */
	OUTPUT_CASE("print_show/json_stats", true,
		    print_show(&snap, true), show_json);

	/*
	 * A real server with a method of its own (unset: the service's):
	 * its column and a "forward" key, which no other one has.
	 */
	snap.services.v[0].dests.v[1].fwd = LB_FWD_DR;
	check_begin("print_show/rs_forward");
	{
		char *text = CAPTURE(false, print_show(&snap, false));
		char *json = CAPTURE(true, print_show(&snap, false));

		CHECK_MSG(text && strstr(text, "  -> 198.19.0.11:8080             FullNAT 2 ") &&
			  strstr(text, "  -> 198.19.0.12:8080             Route   1 "),
			  "printed\n%s", text);
		/* each service's, and the one real server's */
		CHECK_MSG(json && count(json, "\"forward\": \"dr\"") == 1 &&
			  count(json, "\"forward\"") ==
			  count(show_json, "\"forward\"") + 1,
			  "printed\n%s", json);
		free(text);
		free(json);
	}
	check_end();

	lb_snapshot_free(&snap);
}

/* The VM test greps these two of a director with nothing configured. */
static void test_show_empty(void)
{
	struct lb_snapshot snap = { 0 };

	snap.info = info;
	snap.info.services = snap.info.real_servers = snap.info.conns = 0;

	OUTPUT_CASE("print_show/empty_text", false, print_show(&snap, false),
		    "FullNAT director fullnat.ko 0.1.0, 0 services, 0 real servers, 0/1048576 connections\n"
		    "Prot LocalAddress:Port Scheduler Flags\n"
		    "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n");

	OUTPUT_CASE("print_show/empty_json", true, print_show(&snap, false),
		    "{\n"
		    "  \"version\": \"0.1.0\",\n"
		    "  \"abi\": 1,\n"
		    "  \"connections\": 0,\n"
		    "  \"connection_max\": 1048576,\n"
		    "  \"services\": []\n"
		    "}\n");

	snap.info.services = snap.info.real_servers = 1;
	OUTPUT_CASE("print_info/singular", false, print_info(&snap.info),
		    "FullNAT director fullnat.ko 0.1.0, 1 service, 1 real server, 0/1048576 connections\n");
}

static void test_config(void)
{
	struct lb_config cfg;
	unsigned int st;

	make_config(&cfg);
	OUTPUT_CASE("print_config/text", false, print_config(&cfg, NULL),
		    "conn_max 1048576\n"
		    "port_range 1024-65535\n"
		    "expire_nodest off\n"
		    "timeout tcp syn_recv 30\n"
		    "timeout tcp established 900\n"
		    "timeout tcp close 10\n"
		    "timeout udp 300\n"
		    "timeout udp unreplied 30\n");

	for (st = FULLNAT_TCP_S_SYN_RECV; st <= FULLNAT_TCP_S_MAX; st++) {
		cfg.present |= LB_CFG_TIMEOUT(st);
		cfg.timeout[st] = st * 10;
	}
	cfg.expire_nodest = true;
	OUTPUT_CASE("print_config/json_all", true, print_config(&cfg, NULL),
		    "{\n"
		    "  \"conn_max\": 1048576,\n"
		    "  \"port_range\": {\n"
		    "    \"min\": 1024,\n"
		    "    \"max\": 65535\n"
		    "  },\n"
		    "  \"expire_nodest\": true,\n"
		    "  \"timeout\": {\n"
		    "    \"tcp\": {\n"
		    "      \"syn_recv\": 10,\n"
		    "      \"established\": 20,\n"
		    "      \"fin_wait\": 30,\n"
		    "      \"close_wait\": 40,\n"
		    "      \"last_ack\": 50,\n"
		    "      \"time_wait\": 60,\n"
		    "      \"close\": 70\n"
		    "    },\n"
		    "    \"udp\": 300,\n"
		    "    \"udp_unreplied\": 30\n"
		    "  }\n"
		    "}\n");

	/* Only what is present: a SET request prints as what it changes. */
	lb_config_init(&cfg);
	cfg.present = LB_CFG_EXPIRE_NODEST;
	cfg.expire_nodest = true;
	OUTPUT_CASE("print_config/text_partial", false,
		    print_config(&cfg, NULL), "expire_nodest on\n");
}

static void test_laddrs(void)
{
	struct lb_laddr_list list = { 0 };

	make_laddrs(&list);
	OUTPUT_CASE("print_laddrs/text", false, print_laddrs(&list, NULL),
		    "Address                  PortsInUse        Conns    Conflicts    Exhausted\n"
		    "198.18.0.11                       3          120            2            0\n"
		    "2001:db8::11                      0            0            0            1\n");

	check_begin("print_laddrs/json_empty");
	list.n = 0;
	CHECK_OUTPUT(true, print_laddrs(&list, NULL), "[]\n");
	check_end();
	lb_list_free(&list);
}

/* What "lbctl conn" does with each connection of a dump, as it comes. */
static void print_conns(const struct lb_conn_list *list)
{
	size_t i;

	out_stream();
	print_conns_head();
	for (i = 0; i < list->n; i++)
		print_conn(&list->v[i]);
	out_close();
}

static void test_conns(void)
{
	struct lb_conn_list list = { 0 };
	struct lb_conn c = { 0 };

	c.proto = LB_PROTO_TCP;
	c.client = addrport("192.0.2.7:50123");
	c.vip = addrport("203.0.113.10:80");
	c.local = addrport("198.18.0.11:1025");
	c.real = addrport("198.19.0.11:8080");
	c.state = FULLNAT_TCP_S_ESTABLISHED;
	c.expires = 898;
	c.fwd = LB_FWD_FULLNAT;
	lb_list_push(&list, &c);
	c.proto = LB_PROTO_UDP;
	c.client = addrport("[2001:db8:1::7]:5353");
	c.vip = addrport("[2001:db8::53]:53");
	memset(&c.local, 0, sizeof(c.local));
	c.real = addrport("[2001:db8:2::1]:53");
	c.state = FULLNAT_UDP_S_UNREPLIED;	/* UDP's own enum (1: TCP's SYN_RECV) */
	c.expires = 5;
	c.fwd = LB_FWD_NAT;
	lb_list_push(&list, &c);

	OUTPUT_CASE("print_conns/text", false, print_conns(&list),
		    "pro expire state       client                virtual               local                 real\n"
		    "TCP 14:58  ESTABLISHED 192.0.2.7:50123       203.0.113.10:80       198.18.0.11:1025      198.19.0.11:8080\n"
		    "UDP 00:05  UNREPLIED   [2001:db8:1::7]:5353  [2001:db8::53]:53     -                     [2001:db8:2::1]:53\n");

	OUTPUT_CASE("print_conns/json", true, print_conns(&list),
		    "[\n"
		    "  {\n"
		    "    \"protocol\": \"tcp\",\n"
		    "    \"state\": \"established\",\n"
		    "    \"expires\": 898,\n"
		    "    \"forward\": \"fullnat\",\n"
		    "    \"client\": {\n"
		    "      \"address\": \"192.0.2.7\",\n"
		    "      \"port\": 50123\n"
		    "    },\n"
		    "    \"virtual\": {\n"
		    "      \"address\": \"203.0.113.10\",\n"
		    "      \"port\": 80\n"
		    "    },\n"
		    "    \"local\": {\n"
		    "      \"address\": \"198.18.0.11\",\n"
		    "      \"port\": 1025\n"
		    "    },\n"
		    "    \"real\": {\n"
		    "      \"address\": \"198.19.0.11\",\n"
		    "      \"port\": 8080\n"
		    "    }\n"
		    "  },\n"
		    "  {\n"
		    "    \"protocol\": \"udp\",\n"
		    "    \"state\": \"unreplied\",\n"
		    "    \"expires\": 5,\n"
		    "    \"forward\": \"nat\",\n"
		    "    \"client\": {\n"
		    "      \"address\": \"2001:db8:1::7\",\n"
		    "      \"port\": 5353\n"
		    "    },\n"
		    "    \"virtual\": {\n"
		    "      \"address\": \"2001:db8::53\",\n"
		    "      \"port\": 53\n"
		    "    },\n"
		    "    \"real\": {\n"
		    "      \"address\": \"2001:db8:2::1\",\n"
		    "      \"port\": 53\n"
		    "    }\n"
		    "  }\n"
		    "]\n");
	/* Streamed (the two above are written as jansson writes the whole
	 * list), an empty list is still a list. */
	list.n = 0;
	OUTPUT_CASE("print_conns/json_empty", true, print_conns(&list),
		    "[]\n");
	OUTPUT_CASE("print_conns/text_empty", false, print_conns(&list),
		    "pro expire state       client                virtual               local                 real\n");
	lb_list_free(&list);
}

/* A connection, then a template: rows of one table, as "lbctl conn" has. */
static void print_conn_and_template(const struct lb_conn *c,
				    const struct lb_template *t)
{
	out_stream();
	print_conns_head();
	print_conn(c);
	print_template(t);
	out_close();
}

static void test_templates(void)
{
	struct lb_conn c = { 0 };
	struct lb_template t = { 0 };

	c.proto = LB_PROTO_TCP;
	c.client = addrport("198.51.100.7:50123");
	c.vip = addrport("203.0.113.10:80");
	c.local = addrport("198.18.0.11:1025");
	c.real = addrport("198.19.0.11:8080");
	c.state = FULLNAT_TCP_S_TIME_WAIT;
	c.expires = 1;
	c.fwd = LB_FWD_FULLNAT;
	t.proto = LB_PROTO_TCP;
	t.vip = c.vip;
	t.client = addrport("198.51.100.0:1").addr;	/* the address only */
	t.netmask = 24;
	t.real = c.real;
	t.conns = 50;
	t.expires = 299;

	OUTPUT_CASE("print_template/text", false, print_conn_and_template(&c, &t),
		    "pro expire state       client                virtual               local                 real\n"
		    "TCP 00:01  TIME_WAIT   198.51.100.7:50123    203.0.113.10:80       198.18.0.11:1025      198.19.0.11:8080\n"
		    "TCP 04:59  TEMPLATE    198.51.100.0:0        203.0.113.10:80       -                     198.19.0.11:8080\n");
	OUTPUT_CASE("print_template/json", true, print_conn_and_template(&c, &t),
		    "[\n"
		    "  {\n"
		    "    \"protocol\": \"tcp\",\n"
		    "    \"state\": \"time_wait\",\n"
		    "    \"expires\": 1,\n"
		    "    \"forward\": \"fullnat\",\n"
		    "    \"client\": {\n"
		    "      \"address\": \"198.51.100.7\",\n"
		    "      \"port\": 50123\n"
		    "    },\n"
		    "    \"virtual\": {\n"
		    "      \"address\": \"203.0.113.10\",\n"
		    "      \"port\": 80\n"
		    "    },\n"
		    "    \"local\": {\n"
		    "      \"address\": \"198.18.0.11\",\n"
		    "      \"port\": 1025\n"
		    "    },\n"
		    "    \"real\": {\n"
		    "      \"address\": \"198.19.0.11\",\n"
		    "      \"port\": 8080\n"
		    "    }\n"
		    "  },\n"
		    "  {\n"
		    "    \"protocol\": \"tcp\",\n"
		    "    \"state\": \"template\",\n"
		    "    \"expires\": 299,\n"
		    "    \"connections\": 50,\n"
		    "    \"client\": {\n"
		    "      \"address\": \"198.51.100.0\",\n"
		    "      \"port\": 0,\n"
		    "      \"netmask\": 24\n"
		    "    },\n"
		    "    \"virtual\": {\n"
		    "      \"address\": \"203.0.113.10\",\n"
		    "      \"port\": 80\n"
		    "    },\n"
		    "    \"real\": {\n"
		    "      \"address\": \"198.19.0.11\",\n"
		    "      \"port\": 8080\n"
		    "    }\n"
		    "  }\n"
		    "]\n");
}

/* jansson's memory, live and at its peak, through its allocation hooks */
static size_t json_live, json_peak;

static void *counting_malloc(size_t n)
{
	size_t *p = malloc(sizeof(size_t) + n);

	if (!p)
		return NULL;
	*p = n;
	json_live += n;
	if (json_live > json_peak)
		json_peak = json_live;
	return p + 1;
}

static void counting_free(void *ptr)
{
	size_t *p = ptr;

	if (!p)
		return;
	json_live -= p[-1];
	free(p - 1);
}

/*
 * "lbctl -j conn" on a big table: 200,000 connections printed as JSON
 * take the memory of one, not of the list (the document built whole took
 * 619 MB at 200k). jansson's own allocations are counted: the unit tests
 * run under ASan, whose quarantine keeps freed memory in the RSS.
 */
static void test_conns_stream_memory(void)
{
	struct lb_conn c = { 0 };
	FILE *devnull = fopen("/dev/null", "w");
	int i;

	check_begin("print_conns/json_200k_in_constant_memory");
	c.proto = LB_PROTO_TCP;
	c.client = addrport("192.0.2.7:50123");
	c.vip = addrport("203.0.113.10:80");
	c.local = addrport("198.18.0.11:1025");
	c.real = addrport("198.19.0.11:8080");
	c.state = FULLNAT_TCP_S_ESTABLISHED;
	c.fwd = LB_FWD_FULLNAT;
	CHECK_MSG(devnull != NULL, "cannot open /dev/null");
	json_set_alloc_funcs(counting_malloc, counting_free);
	json_live = json_peak = 0;
	out_init_file(true, devnull ? devnull : stdout);
	out_stream();
	print_conns_head();
	for (i = 0; i < 200000; i++) {
		c.client.port = (uint16_t)(1024 + i % 60000);
		print_conn(&c);
	}
	out_close();
	CHECK_INT(out_finish(), 0);
	json_set_alloc_funcs(malloc, free);
	CHECK_MSG(json_peak < 64 * 1024,
		  "jansson held %zu bytes at its peak printing 200000 connections",
		  json_peak);
	CHECK_MSG(json_live == 0, "%zu bytes of JSON left", json_live);
	if (devnull)
		fclose(devnull);
	check_end();
}

static void test_counters(void)
{
	OUTPUT_CASE("print_counters/text", false, print_counters(&info, NULL),
		    "conn_limit 0\n"
		    "no_dest 7\n"
		    "toa_no_room 18446744073709551615\n"
		    "counter_99 3\n");

	/* jansson's integers are signed: a u64 past 2^63 saturates. */
	OUTPUT_CASE("print_counters/json", true, print_counters(&info, NULL),
		    "{\n"
		    "  \"conn_limit\": 0,\n"
		    "  \"no_dest\": 7,\n"
		    "  \"toa_no_room\": 9223372036854775807,\n"
		    "  \"counter_99\": 3\n"
		    "}\n");
}

/* The JSON of "show" parses, and has the keys the cluster file uses. */
static void test_json_keys(void)
{
	struct lb_snapshot snap;
	json_error_t jerr;
	json_t *root, *svc, *rs;
	char *s;

	make_snapshot(&snap);
	snap.has_laddrs = true;
	make_laddrs(&snap.laddrs);
	s = CAPTURE(true, print_show(&snap, false));
	check_begin("print_show/json_cluster_keys");
	root = json_loads(s, JSON_REJECT_DUPLICATES, &jerr);
	CHECK_MSG(root, "JSON does not parse: %s", jerr.text);
	svc = json_array_get(json_object_get(root, "services"), 0);
	rs = json_array_get(json_object_get(svc, "real_servers"), 1);
	CHECK_STR(json_string_value(json_object_get(svc, "protocol")), "tcp");
	CHECK_STR(json_string_value(json_object_get(svc, "vip")),
		  "203.0.113.10");
	CHECK_INT(json_integer_value(json_object_get(svc, "port")), 80);
	CHECK_STR(json_string_value(json_object_get(svc, "forward")),
		  "fullnat");
	CHECK_STR(json_string_value(json_object_get(svc, "scheduler")), "wrr");
	CHECK(json_is_true(json_object_get(svc, "toa")));
	CHECK_STR(json_string_value(json_object_get(rs, "address")),
		  "198.19.0.12");
	CHECK_INT(json_integer_value(json_object_get(rs, "weight")), 1);
	CHECK_STR(json_string_value(json_object_get(
			json_array_get(json_object_get(root, "local_addresses"),
				       1), "address")), "2001:db8::11");
	/* What tests/vm asks with jq: .connections, .services[0].stats.conns,
	 * .services[0].stats.inpkts, .real_servers[].stats.conns and .active */
	CHECK_INT(json_integer_value(json_object_get(root, "connections")), 5);
	CHECK_INT(json_integer_value(json_object_get(
			json_object_get(svc, "stats"), "conns")), 10);
	CHECK_INT(json_integer_value(json_object_get(
			json_object_get(svc, "stats"), "inpkts")), 200);
	CHECK_INT(json_integer_value(json_object_get(
			json_object_get(rs, "stats"), "conns")), 4);
	CHECK_INT(json_integer_value(json_object_get(rs, "active")), 0);
	json_decref(root);
	free(s);
	check_end();
	lb_snapshot_free(&snap);

	/* "lbctl -j laddr" is a list: .[0].conns, .[0].ports_in_use, ... */
	make_laddrs(&snap.laddrs);
	s = CAPTURE(true, print_laddrs(&snap.laddrs, NULL));
	check_begin("print_laddrs/json_list_keys");
	root = json_loads(s, JSON_REJECT_DUPLICATES, &jerr);
	CHECK_MSG(json_is_array(root), "not a list: %s", s);
	rs = json_array_get(root, 0);
	CHECK_STR(json_string_value(json_object_get(rs, "address")),
		  "198.18.0.11");
	CHECK_INT(json_integer_value(json_object_get(rs, "conns")), 120);
	CHECK_INT(json_integer_value(json_object_get(rs, "ports_in_use")), 3);
	CHECK_INT(json_integer_value(json_object_get(rs, "conflicts")), 2);
	CHECK_INT(json_integer_value(json_object_get(json_array_get(root, 1),
						     "exhausted")), 1);
	json_decref(root);
	free(s);
	check_end();
	lb_list_free(&snap.laddrs);
}

int main(void)
{
	test_show();
	test_show_empty();
	test_config();
	test_laddrs();
	test_conns();
	test_templates();
	test_conns_stream_memory();
	test_counters();
	test_json_keys();
	return check_done();
}
