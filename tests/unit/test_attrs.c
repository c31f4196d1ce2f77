// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of lbctl/attrs.c against include/uapi/linux/fullnat.h: requests
 * are compared byte for byte with what the header says the kernel
 * accepts, and replies built as the kernel builds them are read back.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "attrs.h"
#include "check.h"
#include "check_nl.h"

static struct lb_addr addr(const char *s)
{
	struct lb_addr a = { 0 };

	parse_addr(s, &a, NULL, 0);
	return a;
}

static void test_put_service(void)
{
	struct lb_service svc;
	char out[512];

	lb_service_init(&svc);
	svc.proto = LB_PROTO_TCP;
	svc.addr = addr("203.0.113.10");
	svc.port = 80;
	svc.fwd = LB_FWD_FULLNAT;
	strcpy(svc.sched, "wrr");

	/* PROTOCOL=6 ADDR=4 bytes PORT=80 host order FORWARD=0 SCHED="wrr\0" */
	check_begin("lb_put_service/add_defaults");
	DESCRIBE_PUT(lb_put_service(msg, &svc, false), out);
	CHECK_STR(out, "1N{2=06 3=cb00710a 4=5000 5=00 6=77727200}");
	check_end();

	check_begin("lb_put_service/toa_and_udp_v6");
	svc.proto = LB_PROTO_UDP;
	svc.addr = addr("2001:db8::53");
	svc.port = 53;
	svc.fwd = LB_FWD_TUN;
	svc.toa = 0;
	DESCRIBE_PUT(lb_put_service(msg, &svc, false), out);
	CHECK_STR(out, "1N{2=11 3=20010db8000000000000000000000053 4=3500 5=03 6=77727200 7=00}");
	check_end();

	check_begin("lb_put_service/key_only");
	DESCRIBE_PUT(lb_put_service(msg, &svc, true), out);
	CHECK_STR(out, "1N{2=11 3=20010db8000000000000000000000053 4=3500}");
	check_end();

	/* SET sends what is set: here toa on only. */
	check_begin("lb_put_service/set_toa");
	lb_service_init(&svc);
	svc.addr = addr("203.0.113.10");
	svc.port = 443;
	svc.toa = 1;
	DESCRIBE_PUT(lb_put_service(msg, &svc, false), out);
	CHECK_STR(out, "1N{2=06 3=cb00710a 4=bb01 7=01}");
	check_end();

	check_begin("lb_put_service/forward_modes");
	for (svc.fwd = LB_FWD_FULLNAT; svc.fwd <= LB_FWD_TUN; svc.fwd++) {
		char want[64];

		svc.toa = -1;
		DESCRIBE_PUT(lb_put_service(msg, &svc, false), out);
		snprintf(want, sizeof(want), "1N{2=06 3=cb00710a 4=bb01 5=%02x}",
			 svc.fwd == LB_FWD_FULLNAT ? FULLNAT_FWD_FULLNAT :
			 svc.fwd == LB_FWD_NAT ? FULLNAT_FWD_NAT :
			 svc.fwd == LB_FWD_DR ? FULLNAT_FWD_DR :
			 FULLNAT_FWD_TUN);
		CHECK_STR(out, want);
	}
	check_end();
}

static void test_put_dest(void)
{
	struct lb_service svc;
	struct lb_dest d;
	char out[512];

	lb_service_init(&svc);
	svc.addr = addr("203.0.113.10");
	svc.port = 80;
	lb_dest_init(&d);
	d.addr = addr("198.19.0.11");
	d.port = 8080;
	d.weight = 2;

	/* A DEST request: the service's key, then the real server. */
	check_begin("lb_put_dest/with_service_key");
	DESCRIBE_PUT(lb_put_service(msg, &svc, true) ?:
		     lb_put_dest(msg, &d, false), out);
	CHECK_STR(out, "1N{2=06 3=cb00710a 4=5000} 2N{2=c613000b 3=901f 4=02000000}");
	check_end();

	check_begin("lb_put_dest/key_only");
	DESCRIBE_PUT(lb_put_dest(msg, &d, true), out);
	CHECK_STR(out, "2N{2=c613000b 3=901f}");
	check_end();

	check_begin("lb_put_dest/weight_0_and_max");
	d.weight = 0;
	DESCRIBE_PUT(lb_put_dest(msg, &d, false), out);
	CHECK_STR(out, "2N{2=c613000b 3=901f 4=00000000}");
	d.weight = 65535;
	DESCRIBE_PUT(lb_put_dest(msg, &d, false), out);
	CHECK_STR(out, "2N{2=c613000b 3=901f 4=ffff0000}");
	d.weight = -1;
	DESCRIBE_PUT(lb_put_dest(msg, &d, false), out);
	CHECK_STR(out, "2N{2=c613000b 3=901f}");
	check_end();

	/* Its own method, FULLNAT_A_DEST_FORWARD (8); unset: none sent. */
	check_begin("lb_put_dest/forward");
	d.fwd = LB_FWD_DR;
	DESCRIBE_PUT(lb_put_dest(msg, &d, false), out);
	CHECK_STR(out, "2N{2=c613000b 3=901f 8=02}");
	check_end();
}

static void test_put_laddr_config(void)
{
	struct lb_addr a = addr("2001:db8::11");
	struct lb_config cfg;
	char out[512];

	check_begin("lb_put_laddr/v6");
	DESCRIBE_PUT(lb_put_laddr(msg, &a), out);
	CHECK_STR(out, "3N{2=20010db8000000000000000000000011}");
	check_end();

	check_begin("lb_put_config/all");
	lb_config_init(&cfg);
	cfg.present = LB_CFG_CONN_MAX | LB_CFG_PORT_RANGE |
		      LB_CFG_EXPIRE_NODEST |
		      LB_CFG_TIMEOUT(FULLNAT_TCP_S_SYN_RECV) |
		      LB_CFG_TIMEOUT(FULLNAT_TCP_S_CLOSE);
	cfg.conn_max = 1000;
	cfg.port_min = 2000;
	cfg.port_max = 3000;
	cfg.expire_nodest = true;
	cfg.timeout[FULLNAT_TCP_S_SYN_RECV] = 30;
	cfg.timeout[FULLNAT_TCP_S_CLOSE] = 10;
	DESCRIBE_PUT(lb_put_config(msg, &cfg), out);
	/* The TCP nest (5): SYN_RECV (1) is attribute 2, CLOSE (7) is 8. */
	CHECK_STR(out, "5N{1=e8030000 2=d007 3=b80b 4=01 5N{2=1e000000 8=0a000000}}");
	check_end();

	check_begin("lb_put_config/one_timeout");
	lb_config_init(&cfg);
	cfg.present = LB_CFG_TIMEOUT(FULLNAT_TCP_S_ESTABLISHED);
	cfg.timeout[FULLNAT_TCP_S_ESTABLISHED] = 900;
	DESCRIBE_PUT(lb_put_config(msg, &cfg), out);
	CHECK_STR(out, "5N{5N{3=84030000}}");
	check_end();

	/* NONE (0) is attribute 1: attribute 0 is never sent. */
	check_begin("lb_put_config/timeout_none");
	lb_config_init(&cfg);
	cfg.present = LB_CFG_TIMEOUT(FULLNAT_TCP_S_NONE);
	cfg.timeout[FULLNAT_TCP_S_NONE] = 2;
	DESCRIBE_PUT(lb_put_config(msg, &cfg), out);
	CHECK_STR(out, "5N{5N{1=02000000}}");
	check_end();

	/* UDP's one state in its own nest (6); no empty TCP nest. */
	check_begin("lb_put_config/timeout_udp");
	lb_config_init(&cfg);
	cfg.present = LB_CFG_TIMEOUT(LB_TIMEOUT_UDP(FULLNAT_UDP_S_NORMAL));
	cfg.timeout[LB_TIMEOUT_UDP(FULLNAT_UDP_S_NORMAL)] = 300;
	DESCRIBE_PUT(lb_put_config(msg, &cfg), out);
	CHECK_STR(out, "5N{6N{1=2c010000}}");
	check_end();

	check_begin("lb_put_config/timeout_tcp_and_udp");
	cfg.present |= LB_CFG_TIMEOUT(FULLNAT_TCP_S_TIME_WAIT);
	cfg.timeout[FULLNAT_TCP_S_TIME_WAIT] = 70;
	DESCRIBE_PUT(lb_put_config(msg, &cfg), out);
	CHECK_STR(out, "5N{5N{7=46000000} 6N{1=2c010000}}");
	check_end();
}

/*
 * Replies: a message as the kernel builds one (nla_nest_start() there sets
 * NLA_F_NESTED), read back through lb_msg_each().
 */
static struct nl_msg *reply(void)
{
	struct nl_msg *msg = nlmsg_alloc();

	genlmsg_put(msg, 0, 0, 42, 0, 0, 1, 1);
	return msg;
}

static struct nlattr *nest(struct nl_msg *msg, int type)
{
	return nla_nest_start(msg, type | NLA_F_NESTED);
}

static void put_stats(struct nl_msg *msg, int type, uint64_t base)
{
	struct nlattr *n = nest(msg, type);

	nla_put_u64(msg, FULLNAT_A_STATS_CONNS, base + 1);
	nla_put_u64(msg, FULLNAT_A_STATS_INPKTS, base + 2);
	nla_put_u64(msg, FULLNAT_A_STATS_OUTPKTS, base + 3);
	nla_put_u64(msg, FULLNAT_A_STATS_INBYTES, base + 4);
	nla_put_u64(msg, FULLNAT_A_STATS_OUTBYTES, base + 5);
	nla_nest_end(msg, n);
}

struct got {
	int n;
	char text[512];
};

static void fmt_ap(const struct lb_addr *a, uint16_t port, char *buf,
		   size_t len)
{
	struct lb_addrport ap = { .addr = *a, .port = port };

	if (!a->family)
		snprintf(buf, len, "none");
	else
		format_addrport(&ap, buf, len);
}

#define APPEND(g, ...)							\
	snprintf((g)->text + strlen((g)->text),				\
		 sizeof((g)->text) - strlen((g)->text), __VA_ARGS__)

static int got_service(struct nlattr *nla, void *arg)
{
	struct got *g = arg;
	struct lb_service s;
	char ap[LB_ADDRPORT_STRLEN];
	int ret = lb_parse_service(nla, &s);

	if (ret)
		return ret;
	fmt_ap(&s.addr, s.port, ap, sizeof(ap));
	APPEND(g, "%s%s %s fwd=%d sched=%s toa=%d rs=%u stats=%llu,%llu,%llu,%llu,%llu",
	       g->n++ ? "; " : "", proto_name(s.proto), ap, s.fwd, s.sched,
	       s.toa, s.real_servers, (unsigned long long)s.stats.conns,
	       (unsigned long long)s.stats.inpkts,
	       (unsigned long long)s.stats.outpkts,
	       (unsigned long long)s.stats.inbytes,
	       (unsigned long long)s.stats.outbytes);
	return 0;
}

static int got_dest(struct nlattr *nla, void *arg)
{
	struct got *g = arg;
	struct lb_dest d;
	char ap[LB_ADDRPORT_STRLEN];
	int ret = lb_parse_dest(nla, &d);

	if (ret)
		return ret;
	fmt_ap(&d.addr, d.port, ap, sizeof(ap));
	APPEND(g, "%s%s w=%d act=%u inact=%u conns=%llu fwd=%d",
	       g->n++ ? "; " : "", ap, d.weight, d.active, d.inactive,
	       (unsigned long long)d.stats.conns, d.fwd);
	return 0;
}

static int got_laddr(struct nlattr *nla, void *arg)
{
	struct got *g = arg;
	struct lb_laddr l;
	char a[INET6_ADDRSTRLEN];
	int ret = lb_parse_laddr(nla, &l);

	if (ret)
		return ret;
	format_addr(&l.addr, a, sizeof(a));
	APPEND(g, "%s%s %u %llu %llu %llu", g->n++ ? "; " : "", a,
	       l.ports_in_use, (unsigned long long)l.conns,
	       (unsigned long long)l.conflicts,
	       (unsigned long long)l.exhausted);
	return 0;
}

static int got_conn(struct nlattr *nla, void *arg)
{
	struct got *g = arg;
	struct lb_conn c;
	char cl[LB_ADDRPORT_STRLEN], v[LB_ADDRPORT_STRLEN];
	char l[LB_ADDRPORT_STRLEN], r[LB_ADDRPORT_STRLEN];
	int ret = lb_parse_conn(nla, &c);

	if (ret)
		return ret;
	fmt_ap(&c.client.addr, c.client.port, cl, sizeof(cl));
	fmt_ap(&c.vip.addr, c.vip.port, v, sizeof(v));
	fmt_ap(&c.local.addr, c.local.port, l, sizeof(l));
	fmt_ap(&c.real.addr, c.real.port, r, sizeof(r));
	APPEND(g, "%s%s %s %s %s %s %s %u fwd=%d", g->n++ ? "; " : "",
	       proto_name(c.proto), cl, v, l, r, tcp_state_name(c.state),
	       c.expires, c.fwd);
	return 0;
}

static int got_template(struct nlattr *nla, void *arg)
{
	struct got *g = arg;
	struct lb_template t;
	char c[LB_ADDRPORT_STRLEN], v[LB_ADDRPORT_STRLEN], r[LB_ADDRPORT_STRLEN];
	int ret = lb_parse_template(nla, &t);

	if (ret)
		return ret;
	fmt_ap(&t.client, 0, c, sizeof(c));
	fmt_ap(&t.vip.addr, t.vip.port, v, sizeof(v));
	fmt_ap(&t.real.addr, t.real.port, r, sizeof(r));
	APPEND(g, "%s%s %s/%u %s %s conns=%u %u", g->n++ ? "; " : "",
	       proto_name(t.proto), c, t.netmask, v, r, t.conns, t.expires);
	return 0;
}

/* Reads every nest of type attr in msg (freed) into g; returns the count. */
static int read_msg(struct nl_msg *msg, int attr,
		    int (*fn)(struct nlattr *, void *), struct got *g)
{
	int n;

	memset(g, 0, sizeof(*g));
	n = lb_msg_each(msg, attr, fn, g);
	nlmsg_free(msg);
	return n;
}

/* The key of a service, as the kernel puts it. */
static void svc_key(struct nl_msg *msg, uint8_t proto, const char *a,
		    uint16_t port)
{
	nla_put_u8(msg, FULLNAT_A_SVC_PROTOCOL, proto);
	put_addr(msg, FULLNAT_A_SVC_ADDR, a);
	nla_put_u16(msg, FULLNAT_A_SVC_PORT, port);
}

static void svc_full(struct nl_msg *msg)
{
	svc_key(msg, IPPROTO_TCP, "203.0.113.10", 80);
	nla_put_u8(msg, FULLNAT_A_SVC_FORWARD, FULLNAT_FWD_DR);
	nla_put_string(msg, FULLNAT_A_SVC_SCHED, "wrr");
	nla_put_u8(msg, FULLNAT_A_SVC_TOA, 1);
	put_stats(msg, FULLNAT_A_SVC_STATS, 10);
	nla_put_u32(msg, FULLNAT_A_SVC_REAL_SERVERS, 2);
}

/* An attribute newer than lbctl is passed over. */
static void svc_newer_attr(struct nl_msg *msg)
{
	svc_key(msg, IPPROTO_UDP, "2001:db8::53", 53);
	nla_put_u32(msg, FULLNAT_A_SVC_MAX + 1, 77);
}

/* A forwarding mode newer than lbctl reads as unknown (-1). */
static void svc_newer_fwd(struct nl_msg *msg)
{
	svc_key(msg, IPPROTO_TCP, "203.0.113.10", 443);
	nla_put_u8(msg, FULLNAT_A_SVC_FORWARD, FULLNAT_FWD_MAX + 1);
}

static void svc_missing_port(struct nl_msg *msg)
{
	nla_put_u8(msg, FULLNAT_A_SVC_PROTOCOL, IPPROTO_TCP);
	put_addr(msg, FULLNAT_A_SVC_ADDR, "203.0.113.10");
}

static void svc_addr_5_bytes(struct nl_msg *msg)
{
	nla_put_u8(msg, FULLNAT_A_SVC_PROTOCOL, IPPROTO_TCP);
	nla_put(msg, FULLNAT_A_SVC_ADDR, 5, "\1\2\3\4\5");
	nla_put_u16(msg, FULLNAT_A_SVC_PORT, 80);
}

static void svc_sctp(struct nl_msg *msg)
{
	svc_key(msg, IPPROTO_SCTP, "203.0.113.10", 80);
}

static void svc_port_u8(struct nl_msg *msg)
{
	nla_put_u8(msg, FULLNAT_A_SVC_PROTOCOL, IPPROTO_TCP);
	put_addr(msg, FULLNAT_A_SVC_ADDR, "203.0.113.10");
	nla_put_u8(msg, FULLNAT_A_SVC_PORT, 80);
}

static void svc_sched_no_nul(struct nl_msg *msg)
{
	svc_key(msg, IPPROTO_TCP, "203.0.113.10", 80);
	nla_put(msg, FULLNAT_A_SVC_SCHED, 3, "wrr");
}

static void dest_full(struct nl_msg *msg)
{
	put_addr(msg, FULLNAT_A_DEST_ADDR, "198.19.0.11");
	nla_put_u16(msg, FULLNAT_A_DEST_PORT, 8080);
	nla_put_u32(msg, FULLNAT_A_DEST_WEIGHT, 65535);
	nla_put_u32(msg, FULLNAT_A_DEST_ACTIVE, 3);
	nla_put_u32(msg, FULLNAT_A_DEST_INACTIVE, 4);
	put_stats(msg, FULLNAT_A_DEST_STATS, 100);
	nla_put_u8(msg, FULLNAT_A_DEST_FORWARD, FULLNAT_FWD_TUN);
}

static void dest_weight_65536(struct nl_msg *msg)
{
	put_addr(msg, FULLNAT_A_DEST_ADDR, "198.19.0.11");
	nla_put_u16(msg, FULLNAT_A_DEST_PORT, 8080);
	nla_put_u32(msg, FULLNAT_A_DEST_WEIGHT, 65536);
}

static void dest_no_addr(struct nl_msg *msg)
{
	nla_put_u16(msg, FULLNAT_A_DEST_PORT, 8080);
}

static void laddr_full(struct nl_msg *msg)
{
	put_addr(msg, FULLNAT_A_LADDR_ADDR, "198.18.0.11");
	nla_put_u32(msg, FULLNAT_A_LADDR_PORTS_IN_USE, 3);
	nla_put_u64(msg, FULLNAT_A_LADDR_CONNS, 1ull << 40);
	nla_put_u64(msg, FULLNAT_A_LADDR_CONFLICTS, 5);
	nla_put_u64(msg, FULLNAT_A_LADDR_EXHAUSTED, 6);
}

/* The endpoints of a connection; l NULL: none, lport 0: no port. */
static void conn_ends(struct nl_msg *msg, uint8_t proto, const char *c,
		      const char *v, const char *l, uint16_t lport,
		      const char *d)
{
	nla_put_u8(msg, FULLNAT_A_CONN_PROTOCOL, proto);
	put_addr(msg, FULLNAT_A_CONN_CADDR, c);
	nla_put_u16(msg, FULLNAT_A_CONN_CPORT, 50123);
	put_addr(msg, FULLNAT_A_CONN_VADDR, v);
	nla_put_u16(msg, FULLNAT_A_CONN_VPORT, 80);
	if (l)
		put_addr(msg, FULLNAT_A_CONN_LADDR, l);
	if (lport)
		nla_put_u16(msg, FULLNAT_A_CONN_LPORT, lport);
	put_addr(msg, FULLNAT_A_CONN_DADDR, d);
	nla_put_u16(msg, FULLNAT_A_CONN_DPORT, 8080);
}

static void conn_fullnat(struct nl_msg *msg)
{
	conn_ends(msg, IPPROTO_TCP, "192.0.2.7", "203.0.113.10",
		  "198.18.0.11", 1025, "198.19.0.11");
	nla_put_u8(msg, FULLNAT_A_CONN_STATE, FULLNAT_TCP_S_TIME_WAIT);
	nla_put_u32(msg, FULLNAT_A_CONN_EXPIRES, 119);
	nla_put_u8(msg, FULLNAT_A_CONN_FORWARD, FULLNAT_FWD_FULLNAT);
}

static void conn_nat_v6(struct nl_msg *msg)
{
	conn_ends(msg, IPPROTO_UDP, "2001:db8:1::7", "2001:db8::53", NULL, 0,
		  "2001:db8:2::1");
	nla_put_u8(msg, FULLNAT_A_CONN_FORWARD, FULLNAT_FWD_NAT);
}

/* A local address without its port is half an endpoint. */
static void conn_laddr_no_lport(struct nl_msg *msg)
{
	conn_ends(msg, IPPROTO_TCP, "192.0.2.7", "203.0.113.10",
		  "198.18.0.11", 0, "198.19.0.11");
}

static void tmpl_ends(struct nl_msg *msg, uint8_t proto, const char *v,
		      const char *c, const char *d)
{
	nla_put_u8(msg, FULLNAT_A_TMPL_PROTOCOL, proto);
	put_addr(msg, FULLNAT_A_TMPL_VADDR, v);
	nla_put_u16(msg, FULLNAT_A_TMPL_VPORT, 80);
	if (c)
		put_addr(msg, FULLNAT_A_TMPL_CADDR, c);
	put_addr(msg, FULLNAT_A_TMPL_DADDR, d);
	nla_put_u16(msg, FULLNAT_A_TMPL_DPORT, 8080);
}

static void tmpl_v4(struct nl_msg *msg)
{
	tmpl_ends(msg, IPPROTO_TCP, "203.0.113.10", "198.51.100.0",
		  "198.19.0.11");
	nla_put_u8(msg, FULLNAT_A_TMPL_NETMASK, 24);
	nla_put_u32(msg, FULLNAT_A_TMPL_CONNS, 50);
	nla_put_u32(msg, FULLNAT_A_TMPL_EXPIRES, 299);
}

/* Without the optional counts, and an attribute newer than lbctl. */
static void tmpl_v6_newer(struct nl_msg *msg)
{
	tmpl_ends(msg, IPPROTO_UDP, "2001:db8::53", "2001:db8:1::7",
		  "2001:db8:2::1");
	nla_put_u8(msg, FULLNAT_A_TMPL_NETMASK, 128);
	nla_put_u32(msg, FULLNAT_A_TMPL_MAX + 1, 7);
}

/* The key is what a template is: without it, no template. */
static void tmpl_no_client(struct nl_msg *msg)
{
	tmpl_ends(msg, IPPROTO_TCP, "203.0.113.10", NULL, "198.19.0.11");
	nla_put_u8(msg, FULLNAT_A_TMPL_NETMASK, 32);
}

/* A prefix longer than the address. */
static void tmpl_long_netmask(struct nl_msg *msg)
{
	tmpl_ends(msg, IPPROTO_TCP, "203.0.113.10", "198.51.100.2",
		  "198.19.0.11");
	nla_put_u8(msg, FULLNAT_A_TMPL_NETMASK, 33);
}

/*
 * A reply with one nest of type attr holding fill's attributes, and a
 * second one with fill2's if there is a fill2: read back whole, or not.
 */
struct parse_case {
	const char *name;
	int attr;
	void (*fill)(struct nl_msg *msg);
	void (*fill2)(struct nl_msg *msg);
	int (*got)(struct nlattr *nla, void *arg);
	int ret;		/* of lb_msg_each(): the count, or -EPROTO */
	const char *text;
};

static const struct parse_case parse_cases[] = {
	{ "lb_parse_service/full", FULLNAT_A_SERVICE, svc_full, NULL,
	  got_service, 1,
	  "tcp 203.0.113.10:80 fwd=2 sched=wrr toa=1 rs=2 stats=11,12,13,14,15" },
	/* two in one message: a dump may pack them */
	{ "lb_parse_service/two_and_newer", FULLNAT_A_SERVICE, svc_newer_attr,
	  svc_newer_fwd, got_service, 2,
	  "udp [2001:db8::53]:53 fwd=-1 sched= toa=-1 rs=0 stats=0,0,0,0,0; "
	  "tcp 203.0.113.10:443 fwd=-1 sched= toa=-1 rs=0 stats=0,0,0,0,0" },
	{ "lb_parse_service/missing_port", FULLNAT_A_SERVICE,
	  svc_missing_port, NULL, got_service, -EPROTO, NULL },
	{ "lb_parse_service/bad_address_length", FULLNAT_A_SERVICE,
	  svc_addr_5_bytes, NULL, got_service, -EPROTO, NULL },
	{ "lb_parse_service/bad_protocol", FULLNAT_A_SERVICE, svc_sctp, NULL,
	  got_service, -EPROTO, NULL },
	{ "lb_parse_service/short_port", FULLNAT_A_SERVICE, svc_port_u8, NULL,
	  got_service, -EPROTO, NULL },
	{ "lb_parse_service/sched_without_nul", FULLNAT_A_SERVICE,
	  svc_sched_no_nul, NULL, got_service, -EPROTO, NULL },
	{ "lb_parse_dest/full", FULLNAT_A_DEST, dest_full, NULL, got_dest, 1,
	  "198.19.0.11:8080 w=65535 act=3 inact=4 conns=101 fwd=3" },
	{ "lb_parse_dest/weight_out_of_range", FULLNAT_A_DEST,
	  dest_weight_65536, NULL, got_dest, -EPROTO, NULL },
	{ "lb_parse_dest/missing_address", FULLNAT_A_DEST, dest_no_addr, NULL,
	  got_dest, -EPROTO, NULL },
	{ "lb_parse_laddr/counters", FULLNAT_A_LADDR, laddr_full, NULL,
	  got_laddr, 1, "198.18.0.11 3 1099511627776 5 6" },
	{ "lb_parse_conn/fullnat_and_nat", FULLNAT_A_CONN, conn_fullnat,
	  conn_nat_v6, got_conn, 2,
	  "tcp 192.0.2.7:50123 203.0.113.10:80 198.18.0.11:1025 198.19.0.11:8080 time_wait 119 fwd=0; "
	  "udp [2001:db8:1::7]:50123 [2001:db8::53]:80 none [2001:db8:2::1]:8080 none 0 fwd=1" },
	{ "lb_parse_conn/laddr_without_lport", FULLNAT_A_CONN,
	  conn_laddr_no_lport, NULL, got_conn, -EPROTO, NULL },
	{ "lb_parse_template/v4_and_v6", FULLNAT_A_TEMPLATE, tmpl_v4,
	  tmpl_v6_newer, got_template, 2,
	  "tcp 198.51.100.0:0/24 203.0.113.10:80 198.19.0.11:8080 conns=50 299; "
	  "udp [2001:db8:1::7]:0/128 [2001:db8::53]:80 [2001:db8:2::1]:8080 conns=0 0" },
	{ "lb_parse_template/no_client", FULLNAT_A_TEMPLATE, tmpl_no_client,
	  NULL, got_template, -EPROTO, NULL },
	{ "lb_parse_template/netmask_33", FULLNAT_A_TEMPLATE,
	  tmpl_long_netmask, NULL, got_template, -EPROTO, NULL },
};

static void test_parse_cases(void)
{
	struct nl_msg *msg;
	struct nlattr *n;
	struct got g;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(parse_cases); i++) {
		const struct parse_case *c = &parse_cases[i];

		check_begin("%s", c->name);
		msg = reply();
		n = nest(msg, c->attr);
		c->fill(msg);
		nla_nest_end(msg, n);
		if (c->fill2) {
			/* and something else between the two */
			nla_put_u32(msg, FULLNAT_A_MAX + 1, 1);
			n = nest(msg, c->attr);
			c->fill2(msg);
			nla_nest_end(msg, n);
		}
		CHECK_INT(read_msg(msg, c->attr, c->got, &g), c->ret);
		if (c->text)
			CHECK_STR(g.text, c->text);
		check_end();
	}
}

/* A GET_DEST reply may repeat the service key beside the dest. */
static void test_parse_dest_dump(void)
{
	struct nl_msg *msg;
	struct nlattr *n;
	struct got g;

	check_begin("lb_msg_each/dest_beside_service");
	msg = reply();
	n = nest(msg, FULLNAT_A_SERVICE);
	svc_key(msg, IPPROTO_TCP, "203.0.113.10", 80);
	nla_nest_end(msg, n);
	n = nest(msg, FULLNAT_A_DEST);
	dest_full(msg);
	nla_nest_end(msg, n);
	CHECK_INT(read_msg(msg, FULLNAT_A_DEST, got_dest, &g), 1);
	CHECK_STR(g.text, "198.19.0.11:8080 w=65535 act=3 inact=4 conns=101 fwd=3");
	check_end();

	check_begin("lb_msg_each/none");
	msg = reply();
	nla_put_u32(msg, FULLNAT_A_MAX + 1, 1);
	CHECK_INT(read_msg(msg, FULLNAT_A_SERVICE, got_service, &g), 0);
	check_end();
}

static int got_info(struct nlattr *nla, void *arg)
{
	return lb_parse_info(nla, arg);
}

static int got_config(struct nlattr *nla, void *arg)
{
	return lb_parse_config(nla, arg);
}

static void test_parse_info_config(void)
{
	struct lb_config cfg;
	struct lb_info info;
	struct nl_msg *msg;
	struct nlattr *n, *c;

	check_begin("lb_parse_info/counters");
	msg = reply();
	n = nest(msg, FULLNAT_A_INFO);
	put_info_base(msg);
	c = nest(msg, FULLNAT_A_INFO_COUNTERS);
	nla_put_u64(msg, FULLNAT_CNT_NO_DEST, 7);
	nla_put(msg, FULLNAT_CNT_PAD, 0, NULL);
	nla_put_u64(msg, FULLNAT_CNT_TOA_INSERTED, 1ull << 33);
	nla_put_u64(msg, FULLNAT_CNT_MAX + 5, 9);
	nla_nest_end(msg, c);
	nla_nest_end(msg, n);
	CHECK_INT(lb_msg_each(msg, FULLNAT_A_INFO, got_info, &info), 1);
	nlmsg_free(msg);
	CHECK_STR(info.version, "0.1.0");
	CHECK_INT(info.abi, FULLNAT_GENL_VERSION);
	CHECK_INT(info.netns_cookie, 4096);
	CHECK_INT(info.services, 2);
	CHECK_INT(info.real_servers, 3);
	CHECK_INT(info.conns, 4);
	CHECK_INT(info.conn_max, 1048576);
	CHECK_INT(info.n_counters, 3);
	CHECK_INT(info.counters[0].id, FULLNAT_CNT_NO_DEST);
	CHECK_INT(info.counters[0].value, 7);
	CHECK_INT(info.counters[1].id, FULLNAT_CNT_TOA_INSERTED);
	CHECK_INT(info.counters[1].value, 1ull << 33);
	CHECK_INT(info.counters[2].id, FULLNAT_CNT_MAX + 5);
	check_end();

	check_begin("lb_parse_info/counter_not_u64");
	msg = reply();
	n = nest(msg, FULLNAT_A_INFO);
	put_info_base(msg);
	c = nest(msg, FULLNAT_A_INFO_COUNTERS);
	nla_put_u32(msg, FULLNAT_CNT_NO_DEST, 7);
	nla_nest_end(msg, c);
	nla_nest_end(msg, n);
	CHECK_INT(lb_msg_each(msg, FULLNAT_A_INFO, got_info, &info), -EPROTO);
	nlmsg_free(msg);
	check_end();

	/*
	 * The reply of the earlier, flat GET_INFO is not mistaken for the
	 * nested one: its REAL_SERVERS (6) is no FULLNAT_A_INFO nest.
	 */
	check_begin("lb_parse_info/flat_reply_rejected");
	msg = reply();
	put_info_base(msg);
	CHECK_INT(lb_msg_each(msg, FULLNAT_A_INFO, got_info, &info), -EPROTO);
	nlmsg_free(msg);
	check_end();

	check_begin("lb_parse_info/missing_version");
	msg = reply();
	n = nest(msg, FULLNAT_A_INFO);
	nla_put_u32(msg, FULLNAT_A_INFO_ABI, 1);
	nla_nest_end(msg, n);
	CHECK_INT(lb_msg_each(msg, FULLNAT_A_INFO, got_info, &info), -EPROTO);
	nlmsg_free(msg);
	check_end();

	check_begin("lb_parse_config/all");
	msg = reply();
	n = nest(msg, FULLNAT_A_CONFIG);
	nla_put_u32(msg, FULLNAT_A_CFG_CONN_MAX, 1048576);
	nla_put_u16(msg, FULLNAT_A_CFG_PORT_MIN, 1024);
	nla_put_u16(msg, FULLNAT_A_CFG_PORT_MAX, 65535);
	nla_put_u8(msg, FULLNAT_A_CFG_EXPIRE_NODEST, 0);
	c = nest(msg, FULLNAT_A_CFG_TIMEOUT_TCP);
	nla_put_u32(msg, FULLNAT_A_TIMEOUT(FULLNAT_TCP_S_SYN_RECV), 30);
	nla_put_u32(msg, FULLNAT_A_TIMEOUT(FULLNAT_TCP_S_ESTABLISHED), 900);
	nla_put_u32(msg, FULLNAT_A_TIMEOUT(FULLNAT_TCP_S_FIN_WAIT), 120);
	nla_put_u32(msg, FULLNAT_A_TIMEOUT(FULLNAT_TCP_S_CLOSE_WAIT), 60);
	nla_put_u32(msg, FULLNAT_A_TIMEOUT(FULLNAT_TCP_S_LAST_ACK), 30);
	nla_put_u32(msg, FULLNAT_A_TIMEOUT(FULLNAT_TCP_S_TIME_WAIT), 120);
	nla_put_u32(msg, FULLNAT_A_TIMEOUT(FULLNAT_TCP_S_CLOSE), 10);
	nla_put_u32(msg, FULLNAT_A_TIMEOUT(FULLNAT_TCP_S_NONE), 2);
	/* a state of a newer module: left out */
	nla_put_u32(msg, FULLNAT_A_TIMEOUT(FULLNAT_TCP_S_MAX + 1), 5);
	nla_nest_end(msg, c);
	c = nest(msg, FULLNAT_A_CFG_TIMEOUT_UDP);
	nla_put_u32(msg, FULLNAT_A_TIMEOUT(FULLNAT_UDP_S_NORMAL), 300);
	nla_nest_end(msg, c);
	nla_nest_end(msg, n);
	CHECK_INT(lb_msg_each(msg, FULLNAT_A_CONFIG, got_config, &cfg), 1);
	nlmsg_free(msg);
	CHECK_INT(cfg.present, LB_CFG_CONN_MAX | LB_CFG_PORT_RANGE |
		  LB_CFG_EXPIRE_NODEST |
		  LB_CFG_TIMEOUT(FULLNAT_TCP_S_SYN_RECV) |
		  LB_CFG_TIMEOUT(FULLNAT_TCP_S_ESTABLISHED) |
		  LB_CFG_TIMEOUT(FULLNAT_TCP_S_FIN_WAIT) |
		  LB_CFG_TIMEOUT(FULLNAT_TCP_S_CLOSE_WAIT) |
		  LB_CFG_TIMEOUT(FULLNAT_TCP_S_LAST_ACK) |
		  LB_CFG_TIMEOUT(FULLNAT_TCP_S_TIME_WAIT) |
		  LB_CFG_TIMEOUT(FULLNAT_TCP_S_CLOSE) |
		  LB_CFG_TIMEOUT(FULLNAT_TCP_S_NONE) |
		  LB_CFG_TIMEOUT(LB_TIMEOUT_UDP(FULLNAT_UDP_S_NORMAL)));
	CHECK_INT(cfg.timeout[LB_TIMEOUT_UDP(FULLNAT_UDP_S_NORMAL)], 300);
	CHECK_INT(cfg.conn_max, 1048576);
	CHECK_INT(cfg.port_min, 1024);
	CHECK_INT(cfg.port_max, 65535);
	CHECK_INT(cfg.expire_nodest, 0);
	CHECK_INT(cfg.timeout[FULLNAT_TCP_S_ESTABLISHED], 900);
	CHECK_INT(cfg.timeout[FULLNAT_TCP_S_CLOSE], 10);
	CHECK_INT(cfg.timeout[FULLNAT_TCP_S_NONE], 2);
	check_end();

	/* What is put is what is read. */
	check_begin("lb_parse_config/round_trip");
	{
		struct lb_config back;

		msg = reply();
		cfg.expire_nodest = true;
		cfg.present &= ~LB_CFG_TIMEOUT(FULLNAT_TCP_S_FIN_WAIT);
		CHECK_INT(lb_put_config(msg, &cfg), 0);
		CHECK_INT(lb_msg_each(msg, FULLNAT_A_CONFIG, got_config, &back),
			  1);
		nlmsg_free(msg);
		cfg.timeout[FULLNAT_TCP_S_FIN_WAIT] = 0;
		CHECK(!memcmp(&cfg, &back, sizeof(cfg)));
	}
	check_end();

	check_begin("lb_parse_config/timeout_not_u32");
	msg = reply();
	n = nest(msg, FULLNAT_A_CONFIG);
	c = nest(msg, FULLNAT_A_CFG_TIMEOUT_UDP);
	nla_put_u16(msg, FULLNAT_A_TIMEOUT(FULLNAT_UDP_S_NORMAL), 300);
	nla_nest_end(msg, c);
	nla_nest_end(msg, n);
	CHECK_INT(lb_msg_each(msg, FULLNAT_A_CONFIG, got_config, &cfg),
		  -EPROTO);
	nlmsg_free(msg);
	check_end();

	check_begin("lb_parse_info/caps");
	{
		static const char *const scheds[] = { "rr", "wrr", NULL };

		msg = reply();
		n = nest(msg, FULLNAT_A_INFO);
		put_info_base(msg);
		put_info_caps(msg, 1u << FULLNAT_FWD_FULLNAT |
			      1u << FULLNAT_FWD_DR, "\x06\x11", true, scheds);
		nla_nest_end(msg, n);
		CHECK_INT(lb_msg_each(msg, FULLNAT_A_INFO, got_info, &info), 1);
		nlmsg_free(msg);
		CHECK(info.has_caps);
		CHECK_INT(info.forwards, 1u << LB_FWD_FULLNAT |
			  1u << LB_FWD_DR);
		CHECK_INT(info.n_protocols, 2);
		CHECK_INT(info.protocols[1], IPPROTO_UDP);
		CHECK_INT(info.n_families, 2);
		CHECK_INT(info.families[0], AF_INET);
		CHECK_INT(info.families[1], AF_INET6);
		CHECK_INT(info.n_scheds, 2);
		CHECK_STR(info.scheds[1], "wrr");
	}
	check_end();

	/* An older module says nothing: lbctl checks nothing (has_caps). */
	check_begin("lb_parse_info/no_caps");
	msg = reply();
	n = nest(msg, FULLNAT_A_INFO);
	put_info_base(msg);
	nla_nest_end(msg, n);
	CHECK_INT(lb_msg_each(msg, FULLNAT_A_INFO, got_info, &info), 1);
	nlmsg_free(msg);
	CHECK(!info.has_caps);
	check_end();

	check_begin("lb_parse_info/caps_family_not_u16");
	msg = reply();
	n = nest(msg, FULLNAT_A_INFO);
	put_info_base(msg);
	nla_put_u32(msg, FULLNAT_A_INFO_FORWARDS, 1);
	/* (libnl drops an empty nest: each has an entry) */
	c = nest(msg, FULLNAT_A_INFO_PROTOCOLS);
	nla_put_u8(msg, FULLNAT_A_LIST_ENTRY, IPPROTO_TCP);
	nla_nest_end(msg, c);
	c = nest(msg, FULLNAT_A_INFO_FAMILIES);
	nla_put_u8(msg, FULLNAT_A_LIST_ENTRY, AF_INET);
	nla_nest_end(msg, c);
	c = nest(msg, FULLNAT_A_INFO_SCHEDULERS);
	nla_put_string(msg, FULLNAT_A_LIST_ENTRY, "rr");
	nla_nest_end(msg, c);
	nla_nest_end(msg, n);
	CHECK_INT(lb_msg_each(msg, FULLNAT_A_INFO, got_info, &info), -EPROTO);
	nlmsg_free(msg);
	check_end();
}

static int got_one_service(struct nlattr *nla, void *svc)
{
	return lb_parse_service(nla, svc);
}

/* Every service a request can carry reads back the same. */
static void test_service_round_trip(void)
{
	static const char *const vips[] = { "0.0.0.0", "203.0.113.10",
					    "::", "2001:db8::53" };
	struct lb_service svc, back;
	struct nl_msg *msg;
	size_t v;
	int fwd, toa, proto;

	check_begin("lb_put_service/round_trip");
	for (v = 0; v < ARRAY_SIZE(vips); v++)
	for (proto = LB_PROTO_TCP; proto <= LB_PROTO_UDP; proto++)
	for (fwd = LB_FWD_FULLNAT; fwd <= LB_FWD_TUN; fwd++)
	for (toa = -1; toa <= 1; toa++) {
		lb_service_init(&svc);
		svc.proto = (enum lb_proto)proto;
		svc.addr = addr(vips[v]);
		svc.port = (uint16_t)(1 + v * 1000 + (size_t)fwd);
		svc.fwd = fwd;
		svc.toa = toa;
		snprintf(svc.sched, sizeof(svc.sched), "s%d", fwd);
		msg = reply();
		CHECK_INT(lb_put_service(msg, &svc, false), 0);
		CHECK_INT(lb_msg_each(msg, FULLNAT_A_SERVICE, got_one_service,
				      &back), 1);
		nlmsg_free(msg);
		CHECK(lb_service_same(&svc, &back) && back.fwd == svc.fwd &&
		      back.toa == svc.toa && !strcmp(back.sched, svc.sched));
	}
	check_end();
}

int main(void)
{
	test_put_service();
	test_put_dest();
	test_put_laddr_config();
	test_parse_cases();
	test_parse_dest_dump();
	test_parse_info_config();
	test_service_round_trip();
	return check_done();
}
