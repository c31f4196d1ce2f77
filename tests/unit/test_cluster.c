// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the cluster file's parse (lbctl/cluster/cluster.c, services.c,
 * fieldkeys.c): every error class with the exact message (file,
 * line:column, JSON path, reason), and the valid edge cases with what
 * they parse into.
 *
 * Each row is a cluster file made of a template: BASE with one piece
 * replaced, so the line and column of an error stay easy to read.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "check.h"
#include "cluster.h"

/* Lines 1-9; the services line (7) and director lines (4, 5) vary. */
#define FILE_OF(dirs, services)						\
	"{\n"								\
	"  \"schema_version\": 1,\n"					\
	"  \"directors\": [\n"						\
	dirs								\
	"  ],\n"							\
	"  \"services\": [\n"						\
	services							\
	"  ]\n"								\
	"}\n"

#define DIR1 "    { \"name\": \"lb1\", \"netns\": \"lb1\", \"local_addresses\": [\"10.20.0.11\", \"10.20.0.12-10.20.0.14\"] },\n"
#define DIR2 "    { \"name\": \"lb2\", \"ssh\": \"root@192.0.2.12\", \"local_addresses\": [\"10.20.0.21\"] }\n"
#define WEB(rs) "    { \"name\": \"web\", \"protocol\": \"tcp\", \"vip\": \"203.0.113.10\", \"port\": 80, \"scheduler\": \"wrr\", \"real_servers\": [" rs "] }\n"
#define RS1 "{ \"address\": \"10.30.0.11\", \"port\": 8080, \"weight\": 2 }"
#define RS2 "{ \"address\": \"10.30.0.12\", \"port\": 8080 }"

struct row {
	const char *name;
	const char *text;
	const char *err;	/* NULL: valid */
};

static const struct row rows[] = {
	{ "valid", FILE_OF(DIR1 DIR2, WEB(RS1 ", " RS2)), NULL },
	/* no "services" would delete them all: only when said in words */
	{ "no_services_key",
	  "{ \"schema_version\": 1, \"directors\": [ { \"name\": \"a\" } ] }",
	  "t.json:1:1: \"services\" is missing: every director would lose all its services; to mean that, write \"services\": []" },
	{ "valid/services_empty",
	  "{ \"schema_version\": 1, \"directors\": [ { \"name\": \"a\" } ], \"services\": [] }",
	  NULL },
	/* syntax and duplicates: jansson's own words and position */
	{ "syntax", "{ \"schema_version\": 1,, }",
	  "t.json:1:23: string or '}' expected near ','" },
	{ "duplicate_key",
	  FILE_OF(DIR1 DIR2, "    { \"protocol\": \"tcp\", \"protocol\": \"tcp\" }\n"),
	  "t.json:8:35: services[0].protocol: duplicate object key near '\"protocol\"'" },
	/* jansson's errors with the path of what it was reading */
	{ "duplicate_key_deep",
	  FILE_OF(DIR1 DIR2, WEB(RS1 ", { \"address\": \"10.30.0.12\", \"port\": 1, \"port\": 2 }")),
	  "t.json:8:212: services[0].real_servers[1].port: duplicate object key near '\"port\"'" },
	{ "syntax_deep",
	  "{ \"schema_version\": 1, \"directors\": [ { \"name\": \"a\", \"config\": { \"timeout\": { \"close\": 1, } } } ] }",
	  "t.json:1:91: directors[0].config.timeout: string or '}' expected near '}'" },
	{ "too_big",
	  "{ \"schema_version\": 1, \"directors\": [ { \"name\": \"a\", \"config\": { \"conn_max\": 99999999999999999999 } } ] }",
	  "t.json:1:97: directors[0].config.conn_max: too big integer near '99999999999999999999'" },
	{ "not_utf8",
	  "{ \"schema_version\": 1, \"directors\": [ { \"name\": \"a\xff\" } ] }",
	  "t.json:1:50: directors[0].name: unable to decode byte 0xff near '\"a'" },
	{ "bom", "\xef\xbb\xbf{ \"schema_version\": 1, \"directors\": [ { \"name\": \"a\" } ] }",
	  "t.json:1:1: the file starts with a byte order mark, which JSON does not allow: save it as UTF-8 without one" },
	/* 1-based columns where jansson says 0 */
	{ "empty", "", "t.json:1:1: '[' or '{' expected near end of file" },
	{ "cut_short", "{ \"schema_version\": 1,\n",
	  "t.json:2:1: string or '}' expected near end of file" },
	{ "not_an_object", "[1]",
	  "t.json:1:1: expected an object, not an array" },
	/* the schema version */
	{ "schema_missing", "{ \"directors\": [] }",
	  "t.json:1:1: \"schema_version\" is missing" },
	{ "schema_2", "{ \"schema_version\": 2, \"x\": 1 }",
	  "t.json:1:21: schema_version: schema version 2 is not supported; this lbctl reads version 1" },
	{ "schema_string", "{ \"schema_version\": \"1\" }",
	  "t.json:1:21: schema_version: expected an integer, not a string" },
	/* unknown keys and wrong types */
	{ "unknown_top", "{ \"schema_version\": 1, \"director\": [] }",
	  "t.json:1:24: director: unknown key; expected schema_version, directors or services" },
	{ "unknown_rs_key", FILE_OF(DIR1 DIR2, WEB("{ \"address\": \"10.30.0.11\", \"port\": 8080, \"wieght\": 2 }")),
	  "t.json:8:154: services[0].real_servers[0].wieght: unknown key; expected address, port, weight or forward" },
	{ "odd_key", "{ \"schema_version\": 1, \"a b\": 1 }",
	  "t.json:1:24: [\"a b\"]: unknown key; expected schema_version, directors or services" },
	{ "port_string", FILE_OF(DIR1 DIR2, "    { \"protocol\": \"tcp\", \"vip\": \"203.0.113.10\", \"port\": \"80\" }\n"),
	  "t.json:8:57: services[0].port: expected an integer, not a string" },
	{ "port_real", FILE_OF(DIR1 DIR2, "    { \"protocol\": \"tcp\", \"vip\": \"203.0.113.10\", \"port\": 80.0 }\n"),
	  "t.json:8:57: services[0].port: expected an integer, not a number with a fraction or exponent" },
	{ "toa_string", FILE_OF(DIR1 DIR2, "    { \"protocol\": \"tcp\", \"vip\": \"203.0.113.10\", \"port\": 80, \"toa\": \"yes\" }\n"),
	  "t.json:8:68: services[0].toa: expected true or false, not a string" },
	{ "missing_vip", FILE_OF(DIR1 DIR2, "    { \"protocol\": \"tcp\", \"port\": 80 }\n"),
	  "t.json:8:5: services[0]: \"vip\" is missing" },
	{ "missing_name", "{ \"schema_version\": 1, \"directors\": [ {} ] }",
	  "t.json:1:39: directors[0]: \"name\" is missing" },
	{ "no_directors", "{ \"schema_version\": 1, \"directors\": [] }",
	  "t.json:1:37: directors: the cluster has no director" },
	{ "valid/sched_opts", FILE_OF(DIR1 DIR2, "    { \"protocol\": \"tcp\", \"vip\": \"203.0.113.10\", \"port\": 80, \"scheduler\": \"mh\", \"scheduler_port\": true, \"scheduler_table\": 251 }\n"),
	  NULL },
	{ "sched_table_not_prime", FILE_OF(DIR1 DIR2, "    { \"protocol\": \"tcp\", \"vip\": \"203.0.113.10\", \"port\": 80, \"scheduler\": \"mh\", \"scheduler_table\": 1000 }\n"),
	  "t.json:8:99: services[0].scheduler_table: scheduler_table 1000 is not one of 251, 509, 1021, 2039, 4093, 8191, 16381, 32749, 65521, 65537, 131071, 262139" },
	{ "sched_table_range", FILE_OF(DIR1 DIR2, "    { \"protocol\": \"tcp\", \"vip\": \"203.0.113.10\", \"port\": 80, \"scheduler\": \"mh\", \"scheduler_table\": 1000000 }\n"),
	  "t.json:8:99: services[0].scheduler_table: scheduler_table 1000000 is out of range 251-262139" },
	{ "sched_port_number", FILE_OF(DIR1 DIR2, "    { \"protocol\": \"tcp\", \"vip\": \"203.0.113.10\", \"port\": 80, \"scheduler\": \"sh\", \"scheduler_port\": 1 }\n"),
	  "t.json:8:98: services[0].scheduler_port: expected true or false, not an integer" },
	/* values out of range, invalid addresses and ranges */
	{ "weight_range", FILE_OF(DIR1 DIR2, WEB(RS2 ", { \"address\": \"10.30.0.11\", \"port\": 8080, \"weight\": 70000 }")),
	  "t.json:8:207: services[0].real_servers[1].weight: weight 70000 is out of range 0-65535" },
	{ "weight_negative", FILE_OF(DIR1 DIR2, WEB("{ \"address\": \"10.30.0.11\", \"port\": 8080, \"weight\": -1 }")),
	  "t.json:8:164: services[0].real_servers[0].weight: weight -1 is out of range 0-65535" },
	{ "port_zero", FILE_OF(DIR1 DIR2, "    { \"protocol\": \"tcp\", \"vip\": \"203.0.113.10\", \"port\": 0 }\n"),
	  "t.json:8:57: services[0].port: port 0 is out of range 1-65535" },
	{ "rs_port_range", FILE_OF(DIR1 DIR2, WEB("{ \"address\": \"10.30.0.11\", \"port\": 65536 }")),
	  "t.json:8:148: services[0].real_servers[0].port: port 65536 is out of range 1-65535" },
	{ "bad_address", FILE_OF(DIR1 DIR2, WEB("{ \"address\": \"10.30.0.300\", \"port\": 80 }")),
	  "t.json:8:126: services[0].real_servers[0].address: \"10.30.0.300\" is not an IPv4 or IPv6 address" },
	{ "multicast_vip", FILE_OF(DIR1 DIR2, "    { \"protocol\": \"tcp\", \"vip\": \"224.0.0.1\", \"port\": 80 }\n"),
	  "t.json:8:33: services[0].vip: 224.0.0.1 is not a unicast address" },
	{ "reversed_range", FILE_OF("    { \"name\": \"lb1\", \"local_addresses\": [\"10.20.0.14-10.20.0.12\"] }\n", ""),
	  "t.json:4:42: directors[0].local_addresses[0]: address range \"10.20.0.14-10.20.0.12\" is reversed" },
	{ "mixed_range", FILE_OF("    { \"name\": \"lb1\", \"local_addresses\": [\"10.20.0.1-2001:db8::1\"] }\n", ""),
	  "t.json:4:42: directors[0].local_addresses[0]: address range \"10.20.0.1-2001:db8::1\" mixes IPv4 and IPv6" },
	{ "range_loopback", FILE_OF("    { \"name\": \"lb1\", \"local_addresses\": [\"126.255.255.255-127.0.0.1\"] }\n", ""),
	  "t.json:4:42: directors[0].local_addresses[0]: 127.0.0.0 is not a unicast address" },
	{ "port_range_reversed", FILE_OF("    { \"name\": \"lb1\", \"config\": { \"port_range\": { \"min\": 3000, \"max\": 2000 } } }\n", ""),
	  "t.json:4:48: directors[0].config.port_range: port range 3000-2000 is reversed" },
	{ "timeout_state", FILE_OF("    { \"name\": \"lb1\", \"config\": { \"timeout\": { \"tcp\": { \"establish\": 60 } } } }\n", ""),
	  "t.json:4:69: directors[0].config.timeout.tcp.establish: state \"establish\" is not one of none, syn_recv, established, fin_wait, close_wait, last_ack, time_wait, close" },
	/* The states are under their protocol's key. */
	{ "timeout_flat", FILE_OF("    { \"name\": \"lb1\", \"config\": { \"timeout\": { \"established\": 60 } } }\n", ""),
	  "t.json:4:47: directors[0].config.timeout.established: unknown key; expected tcp, udp or udp_unreplied" },
	{ "timeout_udp_zero", FILE_OF("    { \"name\": \"lb1\", \"config\": { \"timeout\": { \"udp\": 0 } } }\n", ""),
	  "t.json:4:54: directors[0].config.timeout.udp: timeout 0 is out of range 1-4194304" },
	{ "timeout_udp_object", FILE_OF("    { \"name\": \"lb1\", \"config\": { \"timeout\": { \"udp\": { \"normal\": 300 } } } }\n", ""),
	  "t.json:4:54: directors[0].config.timeout.udp: expected an integer, not an object" },
	{ "timeout_tcp_range", FILE_OF("    { \"name\": \"lb1\", \"config\": { \"timeout\": { \"tcp\": { \"close\": 4194305 } } } }\n", ""),
	  "t.json:4:65: directors[0].config.timeout.tcp.close: timeout 4194305 is out of range 1-4194304" },
	{ "rs_forward_unknown", FILE_OF(DIR1 DIR2, WEB("{ \"address\": \"10.30.0.11\", \"port\": 8080, \"forward\": \"snat\" }")),
	  "t.json:8:165: services[0].real_servers[0].forward: forward mode \"snat\" is not one of fullnat, nat, dr, tun" },
	{ "conn_max_range", FILE_OF("    { \"name\": \"lb1\", \"config\": { \"conn_max\": 0 } }\n", ""),
	  "t.json:4:46: directors[0].config.conn_max: conn_max 0 is out of range 1-16777216" },
	{ "bad_director_name", FILE_OF("    { \"name\": \"lb 1\" }\n", ""),
	  "t.json:4:15: directors[0].name: director name \"lb 1\" has a character other than A-Z, a-z, 0-9, \".\", \"_\" and \"-\"" },
	{ "bad_netns", FILE_OF("    { \"name\": \"lb1\", \"netns\": \"a/b\" }\n", ""),
	  "t.json:4:31: directors[0].netns: a network namespace name cannot contain \"/\"" },
	/* it goes on a remote command line (show FILE over ssh) */
	{ "shell_netns", FILE_OF("    { \"name\": \"lb1\", \"netns\": \"x;touch pwned\" }\n", ""),
	  "t.json:4:31: directors[0].netns: netns \"x;touch pwned\" has a character other than A-Z, a-z, 0-9, \".\", \"_\" and \"-\"" },
	{ "ssh_option", FILE_OF("    { \"name\": \"lb1\", \"ssh\": \"-oProxyCommand=x\" }\n", ""),
	  "t.json:4:29: directors[0].ssh: an ssh destination is [USER@]HOST, not empty and not starting with \"-\"" },
	/* what fullnat.ko cannot do yet; what it can, it says (test_check()) */
	{ "forward_unknown", FILE_OF(DIR1 DIR2, "    { \"protocol\": \"tcp\", \"vip\": \"203.0.113.10\", \"port\": 80, \"forward\": \"snat\" }\n"),
	  "t.json:8:72: services[0].forward: forward mode \"snat\" is not one of fullnat, nat, dr, tun" },
	{ "persistence_long", FILE_OF(DIR1 DIR2, "    { \"protocol\": \"tcp\", \"vip\": \"203.0.113.10\", \"port\": 80, \"persistence\": { \"timeout\": 604801 } }\n"),
	  "t.json:8:89: services[0].persistence.timeout: persistence 604801 is out of range 0-604800" },
	{ "persistence_netmask", FILE_OF(DIR1 DIR2, "    { \"protocol\": \"tcp\", \"vip\": \"203.0.113.10\", \"port\": 80, \"persistence\": { \"timeout\": 60, \"netmask\": 33 } }\n"),
	  "t.json:8:5: services[0]: persistence.netmask: an IPv4 service's is a prefix length of 1 to 32" },
	{ "persistence_key", FILE_OF(DIR1 DIR2, "    { \"protocol\": \"tcp\", \"vip\": \"203.0.113.10\", \"port\": 80, \"persistence\": { \"timout\": 60 } }\n"),
	  "t.json:8:78: services[0].persistence.timout: unknown key; expected timeout or netmask" },
	{ "persistence_integer", FILE_OF(DIR1 DIR2, "    { \"protocol\": \"tcp\", \"vip\": \"203.0.113.10\", \"port\": 80, \"persistence\": 300 }\n"),
	  "t.json:8:76: services[0].persistence: expected an object, not an integer" },
	/* dr and tun send packets to the service's port: no mapping */
	{ "rs_dr_port", FILE_OF(DIR1 DIR2, WEB(RS1 ", { \"address\": \"10.30.0.12\", \"port\": 8080, \"forward\": \"dr\" }")),
	  "t.json:8:204: services[0].real_servers[1].port: forward dr does not map ports: a real server's port must be the service's, 80" },
	{ "svc_dr_port", FILE_OF(DIR1 DIR2, "    { \"protocol\": \"tcp\", \"vip\": \"203.0.113.10\", \"port\": 80, \"forward\": \"dr\", \"real_servers\": [ { \"address\": \"10.30.0.11\", \"port\": 80 }, " RS2 " ] }\n"),
	  "t.json:8:172: services[0].real_servers[1].port: forward dr does not map ports: a real server's port must be the service's, 80" },
	{ "rs_tun_port", FILE_OF(DIR1 DIR2, WEB("{ \"address\": \"10.30.0.12\", \"forward\": \"tun\", \"port\": 81 }")),
	  "t.json:8:166: services[0].real_servers[0].port: forward tun does not map ports: a real server's port must be the service's, 80" },
	/* FullNAT64: an IPv4 real server of an IPv6 service, by fullnat only */
	{ "rs64", FILE_OF(DIR1 DIR2, "    { \"protocol\": \"tcp\", \"vip\": \"2001:db8::10\", \"port\": 80, \"real_servers\": [ " RS1 " ] }\n"),
	  NULL },
	{ "rs64_nat", FILE_OF(DIR1 DIR2, "    { \"protocol\": \"tcp\", \"vip\": \"2001:db8::10\", \"port\": 80, \"forward\": \"nat\", \"real_servers\": [ " RS1 " ] }\n"),
	  "t.json:8:110: services[0].real_servers[0].address: forward nat takes real servers of the service's family: only fullnat takes IPv4 ones under an IPv6 vip (FullNAT64)" },
	{ "rs46", FILE_OF(DIR1 DIR2, WEB("{ \"address\": \"2001:db8::11\", \"port\": 8080 }")),
	  "t.json:8:126: services[0].real_servers[0].address: an IPv4 service takes IPv4 real servers only" },
	/* a DR or TUN real server on the service's port, or a FullNAT one */
	{ "tun_same_port", FILE_OF(DIR1 DIR2, WEB(RS1 ", { \"address\": \"10.30.0.12\", \"port\": 80, \"forward\": \"tun\" }")),
	  NULL },
	{ "tun_service_rs_fullnat", FILE_OF(DIR1 DIR2, "    { \"protocol\": \"tcp\", \"vip\": \"203.0.113.10\", \"port\": 80, \"forward\": \"tun\", \"real_servers\": [{ \"address\": \"10.30.0.11\", \"port\": 81, \"forward\": \"fullnat\" }] }\n"),
	  NULL },
	/* conflicts across the file */
	{ "same_service", FILE_OF(DIR1 DIR2, WEB(RS1) "    ,{ \"protocol\": \"tcp\", \"vip\": \"203.0.113.10\", \"port\": 80 }\n"),
	  "t.json:9:6: services[1]: service tcp 203.0.113.10:80 is also services[0]" },
	{ "same_service_name", FILE_OF(DIR1 DIR2, WEB(RS1) "    ,{ \"name\": \"web\", \"protocol\": \"tcp\", \"vip\": \"203.0.113.10\", \"port\": 81 }\n"),
	  "t.json:9:6: services[1]: service name \"web\" is also services[0]'s" },
	{ "same_rs", FILE_OF(DIR1 DIR2, WEB(RS1 ", " RS1)),
	  "t.json:8:169: services[0].real_servers[1]: real server 10.30.0.11:8080 is also real_servers[0]" },
	{ "lip_two_directors", FILE_OF(DIR1 "    { \"name\": \"lb2\", \"local_addresses\": [\"10.20.0.21\", \"10.20.0.13\"] }\n", ""),
	  "t.json:5:56: directors[1].local_addresses[1]: 10.20.0.13 is also a local address of directors[0] (lb1)" },
	{ "lip_twice_one_director", FILE_OF("    { \"name\": \"lb1\", \"local_addresses\": [\"10.20.0.11-10.20.0.13\", \"10.20.0.12\"] }\n", ""),
	  "t.json:4:67: directors[0].local_addresses[1]: 10.20.0.12 is also local_addresses[0] of this director" },
	{ "lip_is_vip", FILE_OF(DIR1 "    { \"name\": \"lb2\", \"local_addresses\": [\"203.0.113.10\"] }\n", WEB(RS1)),
	  "t.json:5:42: directors[1].local_addresses[0]: 203.0.113.10 is the VIP of services[0]" },
	{ "same_director_name", FILE_OF(DIR1 "    { \"name\": \"lb1\" }\n", ""),
	  "t.json:5:15: directors[1].name: director name \"lb1\" is also directors[0]'s" },
	{ "same_place", FILE_OF(DIR1 "    { \"name\": \"lb9\", \"netns\": \"lb1\" }\n", ""),
	  "t.json:5:5: directors[1]: directors[0] (lb1) is reached the same way: one namespace is one director" },
	{ "serves_unknown", FILE_OF("    { \"name\": \"lb1\", \"services\": [\"web\", \"wbe\"] }\n", WEB(RS1)),
	  "t.json:4:42: directors[0].services[1]: no service is named \"wbe\"" },
	{ "serves_twice", FILE_OF("    { \"name\": \"lb1\", \"services\": [\"web\", \"web\"] }\n", WEB(RS1)),
	  "t.json:4:42: directors[0].services[1]: service \"web\" is listed twice" },
};

/* "lb1 netns=lb1 ssh=- lips=4 cfg=0 serves=all" per director, then services */
static void describe(const struct lb_cluster *c, char *out, size_t len)
{
	char a[LB_ADDRPORT_STRLEN];
	size_t off = 0, i, k;

#define ADD(...) (off += off < len ? (size_t)snprintf(out + off, len - off, __VA_ARGS__) : 0)
	for (i = 0; i < c->directors.n; i++) {
		const struct lb_director *d = &c->directors.v[i];

		ADD("%s netns=%s ssh=%s lips=%zu cfg=%#x serves=", d->name,
		    d->netns ?: "-", d->ssh ?: "-", d->laddrs.n,
		    d->config.present);
		if (!d->serves_some)
			ADD("all");
		for (k = 0; k < d->serves.n; k++)
			ADD("%s%zu", k ? "," : "", d->serves.v[k]);
		ADD("; ");
	}
	for (i = 0; i < c->services.n; i++) {
		const struct lb_svc_entry *e = &c->services.v[i];

		format_addrport(&(struct lb_addrport){ e->svc.addr,
				e->svc.port }, a, sizeof(a));
		ADD("%s %s fwd=%s sched=%s toa=%d", proto_name(e->svc.proto),
		    a, fwd_name((enum lb_fwd)e->svc.fwd), e->svc.sched,
		    e->svc.toa);
		if (e->svc.persist_timeout)
			ADD(" persist=%d/%d", e->svc.persist_timeout,
			    e->svc.persist_netmask);
		ADD(":");
		for (k = 0; k < e->dests.n; k++) {
			format_addrport(&(struct lb_addrport){
				e->dests.v[k].addr, e->dests.v[k].port },
				a, sizeof(a));
			ADD(" %s/%d", a, e->dests.v[k].weight);
			if (e->dests.v[k].fwd >= 0)
				ADD("/%s", fwd_name((enum lb_fwd)e->dests.v[k].fwd));
		}
		ADD("; ");
	}
#undef ADD
}

static void test_rows(void)
{
	struct lb_cluster c;
	char err[512];
	size_t i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		check_begin("cluster_parse/%s", rows[i].name);
		err[0] = '\0';
		ret = cluster_parse(rows[i].text, strlen(rows[i].text),
				    "t.json", &c, err, sizeof(err));
		if (!rows[i].err) {
			CHECK_MSG(!ret, "failed: %s", err);
			if (!ret)
				cluster_free(&c);
		} else {
			CHECK_INT(ret, -EINVAL);
			CHECK_STR(err, rows[i].err);
			CHECK_INT(c.directors.n + c.services.n, 0);
		}
		check_end();
	}
}

/* What valid files parse into: defaults, ranges, the empty cases. */
static const struct {
	const char *name;
	const char *text;
	const char *parsed;
} valid[] = {
	{ "defaults",
	  FILE_OF("    { \"name\": \"lb1\" }\n",
		  "    { \"protocol\": \"tcp\", \"vip\": \"203.0.113.10\", \"port\": 80, \"real_servers\": [" RS2 "] }\n"),
	  "lb1 netns=- ssh=- lips=0 cfg=0 serves=all; tcp 203.0.113.10:80 fwd=fullnat sched=wlc toa=1: 10.30.0.12:8080/1; " },
	{ "empty_services",
	  FILE_OF("    { \"name\": \"lb1\", \"local_addresses\": [] }\n", ""),
	  "lb1 netns=- ssh=- lips=0 cfg=0 serves=all; " },
	{ "ranges_and_config",
	  FILE_OF("    { \"name\": \"lb1\", \"local_addresses\": [\"10.20.0.11\", \"10.20.0.250-10.20.1.5\"],\n"
		  "      \"config\": { \"conn_max\": 100, \"port_range\": { \"min\": 2000, \"max\": 3000 }, \"expire_nodest\": true, \"timeout\": { \"tcp\": { \"established\": 60, \"close\": 5 }, \"udp\": 120, \"udp_unreplied\": 20 } } },\n"
		  "    { \"name\": \"lb2\", \"ssh\": \"lb2.example\", \"netns\": \"fnat\", \"services\": [] }\n",
		  WEB("") "    ,{ \"protocol\": \"tcp\", \"vip\": \"203.0.113.10\", \"port\": 443, \"toa\": false, \"scheduler\": \"rr\", \"persistence\": { \"timeout\": 300, \"netmask\": 24 } }\n"),
	  "lb1 netns=- ssh=- lips=13 cfg=0x38407 serves=all; lb2 netns=fnat ssh=lb2.example lips=0 cfg=0 serves=; tcp 203.0.113.10:80 fwd=fullnat sched=wrr toa=1:; tcp 203.0.113.10:443 fwd=fullnat sched=rr toa=0 persist=300/24:; " },
	/* An IPv6 service's persistence is per client address (/128) unless
	 * a netmask says otherwise, which may be longer than IPv4's. */
	{ "persistence_ipv6",
	  FILE_OF("    { \"name\": \"lb1\" }\n",
		  "    { \"protocol\": \"tcp\", \"vip\": \"2001:db8::10\", \"port\": 80, \"persistence\": { \"timeout\": 300 } },\n"
		  "    { \"protocol\": \"tcp\", \"vip\": \"2001:db8::10\", \"port\": 81, \"persistence\": { \"timeout\": 300, \"netmask\": 64 } }\n"),
	  "lb1 netns=- ssh=- lips=0 cfg=0 serves=all; tcp [2001:db8::10]:80 fwd=fullnat sched=wlc toa=1 persist=300/128:; tcp [2001:db8::10]:81 fwd=fullnat sched=wlc toa=1 persist=300/64:; " },
	/* A real server's method only when it is not the service's. */
	{ "rs_forward",
	  FILE_OF("    { \"name\": \"lb1\" }\n",
		  WEB("{ \"address\": \"10.30.0.11\", \"port\": 8080, \"forward\": \"fullnat\" }, { \"address\": \"10.30.0.12\", \"port\": 80, \"forward\": \"dr\" }")),
	  "lb1 netns=- ssh=- lips=0 cfg=0 serves=all; tcp 203.0.113.10:80 fwd=fullnat sched=wrr toa=1: 10.30.0.11:8080/1 10.30.0.12:80/1/dr; " },
	/* Whether the module has UDP, IPv6, DR: it says (test_check()). */
	{ "udp_ipv6_dr",
	  FILE_OF("    { \"name\": \"lb1\", \"local_addresses\": [\"2001:db8::1\"] }\n",
		  "    { \"protocol\": \"udp\", \"vip\": \"2001:db8::10\", \"port\": 53, \"forward\": \"dr\" }\n"),
	  "lb1 netns=- ssh=- lips=1 cfg=0 serves=all; udp [2001:db8::10]:53 fwd=dr sched=wlc toa=1:; " },
	/* NAT66: an IPv6 NAT service maps the port of an IPv6 real server. */
	{ "ipv6_nat",
	  FILE_OF("    { \"name\": \"lb1\" }\n",
		  "    { \"protocol\": \"udp\", \"vip\": \"2001:db8::10\", \"port\": 53, \"forward\": \"nat\", \"real_servers\": [{ \"address\": \"2001:db8:19::11\", \"port\": 5353 }] }\n"),
	  "lb1 netns=- ssh=- lips=0 cfg=0 serves=all; udp [2001:db8::10]:53 fwd=nat sched=wlc toa=1: [2001:db8:19::11]:5353/1; " },
	{ "serves_some",
	  FILE_OF("    { \"name\": \"lb1\", \"services\": [\"b\"] }\n",
		  "    { \"name\": \"a\", \"protocol\": \"tcp\", \"vip\": \"203.0.113.10\", \"port\": 80 },\n"
		  "    { \"name\": \"b\", \"protocol\": \"tcp\", \"vip\": \"203.0.113.10\", \"port\": 81 }\n"),
	  "lb1 netns=- ssh=- lips=0 cfg=0 serves=1; tcp 203.0.113.10:80 fwd=fullnat sched=wlc toa=1:; tcp 203.0.113.10:81 fwd=fullnat sched=wlc toa=1:; " },
	{ "escaped_key_position",
	  "{ \"schema_version\": 1, \"directors\": [ { \"n\\u0061me\": \"x\" } ], \"services\": [] }",
	  "x netns=- ssh=- lips=0 cfg=0 serves=all; " },
};

static void test_valid(void)
{
	struct lb_cluster c;
	char err[512], out[1024];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(valid); i++) {
		check_begin("cluster_parse/valid_%s", valid[i].name);
		if (cluster_parse(valid[i].text, strlen(valid[i].text),
				  "t.json", &c, err, sizeof(err))) {
			CHECK_MSG(0, "failed: %s", err);
			check_end();
			continue;
		}
		describe(&c, out, sizeof(out));
		CHECK_STR(out, valid[i].parsed);
		cluster_free(&c);
		check_end();
	}
}

/* The view of one director: only the services it serves. */
static void test_want(void)
{
	const char *text = NULL;
	struct lb_snapshot want;
	struct lb_cluster c;
	char err[512];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(valid); i++)
		if (!strcmp(valid[i].name, "serves_some"))
			text = valid[i].text;

	check_begin("cluster_want/serves_some");
	CHECK_INT(cluster_parse(text, strlen(text), "t.json", &c, err,
				sizeof(err)), 0);
	CHECK_INT(cluster_want(&c, &c.directors.v[0], &want), 0);
	CHECK_INT(want.services.n, 1);
	CHECK_INT(want.services.n ? want.services.v[0].svc.port : 0, 81);
	CHECK(want.has_laddrs && !want.has_config);
	cluster_want_free(&c.directors.v[0], &want);
	cluster_free(&c);
	check_end();
}

/* An error deep in a file that is long, in a line with UTF-8 before. */
static void test_position_utf8(void)
{
	const char *text = "{ \"schema_version\": 1,\n"
			   "  \"directors\": [ { \"name\": \"lb1\" } ],\n"
			   "  \"services\": [ { \"name\": \"caf\xc3\xa9\", \"port\": 0,"
			   " \"protocol\": \"tcp\", \"vip\": \"203.0.113.10\" } ] }";
	struct lb_cluster c;
	char err[512];

	check_begin("cluster_parse/utf8_column");
	CHECK_INT(cluster_parse(text, strlen(text), "t.json", &c, err,
				sizeof(err)), -EINVAL);
	CHECK_STR(err, "t.json:3:43: services[0].port: port 0 is out of range 1-65535");
	check_end();
}

/* The example that deploy/ ships is a valid file. */
static void test_example(void)
{
	const char *path = "../../deploy/cluster.example.json";
	struct lb_cluster c;
	char err[512], *text;
	size_t len;

	check_begin("cluster_parse/deploy_example");
	CHECK_INT(cluster_read(path, &text, &len, err, sizeof(err)), 0);
	if (!check.bad) {
		CHECK_MSG(!cluster_parse(text, len, path, &c, err,
					 sizeof(err)), "%s", err);
		if (!check.bad) {
			CHECK_INT(c.directors.n, 2);
			CHECK_INT(c.services.n, 2);
			cluster_free(&c);
		}
		free(text);
	}
	check_end();
}

/* One director alone. */
#define DIRX "    { \"name\": \"lb1\", \"local_addresses\": [\"10.20.0.11\"] }\n"

/*
 * What a director's module can do (GET_INFO) against what the file asks
 * of it: the first value it lacks, with its JSON path.
 */
#define CAP_V6	1
#define CAP_UDP	2
#define CAP_64	4

static void test_check(void)
{
	static const struct {
		const char *name, *svc, *dir, *err;
		unsigned int caps;	/* beside TCP, IPv4 */
	} rows[] = {
		{ "ok", WEB(RS1 ", " RS2), DIRX, NULL, 0 },
		{ "udp", "    { \"protocol\": \"udp\", \"vip\": \"203.0.113.10\", \"port\": 53 }\n", DIRX,
		  "services[0].protocol: UDP services are not supported by fullnat.ko yet", 0 },
		{ "udp_with_udp", "    { \"protocol\": \"udp\", \"vip\": \"203.0.113.10\", \"port\": 53 }\n", DIRX,
		  NULL, CAP_UDP },
		{ "ipv6_vip", "    { \"protocol\": \"tcp\", \"vip\": \"2001:db8::10\", \"port\": 80 }\n", DIRX,
		  "services[0].vip: 2001:db8::10 is IPv6, which fullnat.ko does not support yet", 0 },
		{ "ipv6_vip_with_v6", "    { \"protocol\": \"tcp\", \"vip\": \"2001:db8::10\", \"port\": 80 }\n", DIRX,
		  NULL, CAP_V6 },
		{ "fullnat64", "    { \"protocol\": \"tcp\", \"vip\": \"2001:db8::10\", \"port\": 80, \"real_servers\": [ " RS1 " ] }\n", DIRX,
		  "services[0].real_servers[0].address: an IPv4 real server of an IPv6 service (FullNAT64) is not supported by fullnat.ko yet", CAP_V6 },
		{ "fullnat64_with_64", "    { \"protocol\": \"tcp\", \"vip\": \"2001:db8::10\", \"port\": 80, \"real_servers\": [ " RS1 " ] }\n", DIRX,
		  NULL, CAP_V6 | CAP_64 },
		{ "ipv6_lip", WEB(RS1), "    { \"name\": \"lb1\", \"local_addresses\": [\"10.20.0.1\", \"2001:db8::1\"] }\n",
		  "directors[0].local_addresses: 2001:db8::1 is IPv6, which fullnat.ko does not support yet", 0 },
		{ "forward_dr", "    { \"protocol\": \"tcp\", \"vip\": \"203.0.113.10\", \"port\": 80, \"forward\": \"dr\" }\n", DIRX,
		  "services[0].forward: forwarding mode dr is not implemented in fullnat.ko yet; only fullnat is", 0 },
		{ "rs_forward_tun", WEB(RS1 ", { \"address\": \"10.30.0.12\", \"port\": 80, \"forward\": \"tun\" }"), DIRX,
		  "services[0].real_servers[1].forward: forwarding mode tun is not implemented in fullnat.ko yet; only fullnat is", 0 },
	};
	struct lb_info info;
	struct lb_cluster c;
	char text[2048], err[512];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		check_begin("cluster_check/%s", rows[i].name);
		snprintf(text, sizeof(text), FILE_OF("%s", "%s"), rows[i].dir,
			 rows[i].svc);
		memset(&info, 0, sizeof(info));
		info.has_caps = true;
		info.forwards = 1u << LB_FWD_FULLNAT;
		info.protocols[info.n_protocols++] = IPPROTO_TCP;
		info.families[info.n_families++] = AF_INET;
		if (rows[i].caps & CAP_V6)
			info.families[info.n_families++] = AF_INET6;
		info.fullnat64 = rows[i].caps & CAP_64;
		if (rows[i].caps & CAP_UDP)
			info.protocols[info.n_protocols++] = IPPROTO_UDP;
		if (cluster_parse(text, strlen(text), "t.json", &c, err,
				  sizeof(err))) {
			CHECK_MSG(0, "failed: %s", err);
			check_end();
			continue;
		}
		err[0] = '\0';
		CHECK_INT(cluster_check(&c, &c.directors.v[0], &info, err,
					sizeof(err)), rows[i].err ? -EINVAL : 0);
		CHECK_STR(err, rows[i].err ?: "");
		/* A module that says nothing is not second-guessed. */
		info.has_caps = false;
		CHECK_INT(cluster_check(&c, &c.directors.v[0], &info, err,
					sizeof(err)), 0);
		cluster_free(&c);
		check_end();
	}
	/* Several methods: each one named. */
	check_begin("cluster_check/forward_list");
	snprintf(text, sizeof(text), FILE_OF("%s", "%s"), DIRX,
		 "    { \"protocol\": \"tcp\", \"vip\": \"203.0.113.10\", \"port\": 80, \"forward\": \"tun\" }\n");
	memset(&info, 0, sizeof(info));
	info.has_caps = true;
	info.forwards = 1u << LB_FWD_FULLNAT | 1u << LB_FWD_DR;
	info.protocols[info.n_protocols++] = IPPROTO_TCP;
	info.families[info.n_families++] = AF_INET;
	CHECK_INT(cluster_parse(text, strlen(text), "t.json", &c, err,
				sizeof(err)), 0);
	CHECK_INT(cluster_check(&c, &c.directors.v[0], &info, err,
				sizeof(err)), -EINVAL);
	CHECK_STR(err, "services[0].forward: forwarding mode tun is not implemented in fullnat.ko yet; only fullnat, dr are");
	cluster_free(&c);
	check_end();

	/*
	 * A module with NAT: a NAT service on a director without local
	 * addresses, and a NAT real server in a FullNAT service.
	 */
	check_begin("cluster_check/nat");
	snprintf(text, sizeof(text), FILE_OF("%s", "%s"),
		 "    { \"name\": \"lb1\" }\n",
		 "    { \"protocol\": \"tcp\", \"vip\": \"203.0.113.10\", \"port\": 80, \"forward\": \"nat\", \"real_servers\": [" RS1 "] },\n"
		 "    { \"protocol\": \"tcp\", \"vip\": \"203.0.113.10\", \"port\": 81, \"real_servers\": [{ \"address\": \"10.30.0.12\", \"port\": 8080, \"forward\": \"nat\" }] }\n");
	info.forwards = 1u << LB_FWD_FULLNAT | 1u << LB_FWD_NAT;
	CHECK_INT(cluster_parse(text, strlen(text), "t.json", &c, err,
				sizeof(err)), 0);
	err[0] = '\0';
	CHECK_INT(cluster_check(&c, &c.directors.v[0], &info, err,
				sizeof(err)), 0);
	CHECK_STR(err, "");
	CHECK_INT(c.services.n, 2);
	CHECK_INT(c.services.v[0].svc.fwd, LB_FWD_NAT);
	CHECK_INT(c.services.v[1].svc.fwd, LB_FWD_FULLNAT);
	CHECK_INT(c.services.v[1].dests.v[0].fwd, LB_FWD_NAT);
	/* The module of before: refused, naming the method. */
	info.forwards = 1u << LB_FWD_FULLNAT;
	CHECK_INT(cluster_check(&c, &c.directors.v[0], &info, err,
				sizeof(err)), -EINVAL);
	CHECK_STR(err, "services[0].forward: forwarding mode nat is not implemented in fullnat.ko yet; only fullnat is");
	cluster_free(&c);
	check_end();
}

int main(void)
{
	test_example();
	test_rows();
	test_valid();
	test_want();
	test_position_utf8();
	test_check();
	return check_done();
}
