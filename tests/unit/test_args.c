// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of lbctl/args.c: every command line into the struct it asks for,
 * or into the sentence that says what is wrong with it. The words of a row
 * are split at spaces; what was parsed is compared as text.
 */
#include <errno.h>
#include <stdlib.h>

#include "args.h"
#include "fields.h"
#include "check.h"

#define MAX_WORDS 16

/* Splits s at single spaces into argv; "" is no words. */
static int split(const char *s, char *buf, size_t len, char **argv)
{
	int argc = 0;
	char *p;

	snprintf(buf, len, "%s", s);
	if (!*buf)
		return 0;
	for (p = buf; argc < MAX_WORDS; ) {
		argv[argc++] = p;
		p = strchr(p, ' ');
		if (!p)
			break;
		*p++ = '\0';
	}
	return argc;
}

static void fmt_service(const struct lb_service *s, char *out, size_t len)
{
	struct lb_addrport ap = { .addr = s->addr, .port = s->port };
	char a[LB_ADDRPORT_STRLEN] = "-";

	if (s->port)
		format_addrport(&ap, a, sizeof(a));
	int n = snprintf(out, len, "%s %s fwd=%s sched=%s toa=%d",
			 s->port ? proto_name(s->proto) : "-", a,
			 s->fwd < 0 ? "unset" :
			 fwd_name((enum lb_fwd)s->fwd),
			 s->sched[0] ? s->sched : "unset", s->toa);

	/* the scheduler's options only when given, as few services have */
	if (n > 0 && (size_t)n < len && s->sched_port >= 0)
		n += snprintf(out + n, len - (size_t)n, " sched_port=%d",
			      s->sched_port);
	if (n > 0 && (size_t)n < len && s->sched_table >= 0)
		n += snprintf(out + n, len - (size_t)n, " sched_table=%d",
			      s->sched_table);
	if (n > 0 && (size_t)n < len && s->persist_timeout >= 0)
		n += snprintf(out + n, len - (size_t)n, " persist=%d",
			      s->persist_timeout);
	if (n > 0 && (size_t)n < len && s->persist_netmask >= 0)
		snprintf(out + n, len - (size_t)n, " netmask=%d",
			 s->persist_netmask);
}

static void fmt_rs(const struct lb_service *s, const struct lb_dest *d,
		   char *out, size_t len)
{
	struct lb_addrport ap = { .addr = d->addr, .port = d->port };
	char svc[128], a[LB_ADDRPORT_STRLEN];

	fmt_service(s, svc, sizeof(svc));
	format_addrport(&ap, a, sizeof(a));
	snprintf(out, len, "%s rs %s weight=%d%s%s", svc, a, d->weight,
		 d->fwd < 0 ? "" : " fwd=",
		 d->fwd < 0 ? "" : fwd_name((enum lb_fwd)d->fwd));
}

static void fmt_config(const struct lb_config *c, char *out, size_t len)
{
	size_t off = 0;
	unsigned int st;

#define ADD(...) (off += (size_t)snprintf(out + off, len - off, __VA_ARGS__))
	out[0] = '\0';
	if (c->present & LB_CFG_CONN_MAX)
		ADD(" conn_max=%u", c->conn_max);
	if (c->present & LB_CFG_PORT_RANGE)
		ADD(" ports=%u-%u", c->port_min, c->port_max);
	if (c->present & LB_CFG_EXPIRE_NODEST)
		ADD(" expire_nodest=%d", c->expire_nodest);
	if (c->present & LB_CFG_EXPIRE_QUIESCENT)
		ADD(" expire_quiescent=%d", c->expire_quiescent);
	for (st = 0; st < LB_TIMEOUTS; st++)
		if (c->present & LB_CFG_TIMEOUT(st))
			ADD(" %s=%u", st == LB_TIMEOUT_UDP(0) ? "udp" :
			    lb_timeout_state(st), c->timeout[st]);
#undef ADD
	/* no leading space */
	memmove(out, out + (out[0] == ' '), strlen(out));
}

#define ROW_FN(row, decl, call, format)					\
static int row(const char *in, char *out, size_t outlen,		\
	       char *err, size_t errlen)				\
{									\
	char buf[512], *argv[MAX_WORDS];				\
	int argc = split(in, buf, sizeof(buf), argv), ret;		\
	decl;								\
									\
	ret = call;							\
	if (!ret)							\
		format;							\
	return ret;							\
}

#define SVC_ROW(row, fn)						\
	ROW_FN(row, struct lb_service s,				\
	       fn(argc, argv, &s, err, errlen),				\
	       fmt_service(&s, out, outlen))
#define RS_ROW(row, fn)							\
	ROW_FN(row, struct lb_service s; struct lb_dest d,		\
	       fn(argc, argv, &s, &d, err, errlen),			\
	       fmt_rs(&s, &d, out, outlen))

SVC_ROW(row_service_add, args_service_add)
SVC_ROW(row_service_set, args_service_set)
SVC_ROW(row_service_del, args_service_del)
SVC_ROW(row_service_show, args_service_show)
RS_ROW(row_rs_add, args_rs_add)
RS_ROW(row_rs_set, args_rs_set)
RS_ROW(row_rs_del, args_rs_del)

ROW_FN(row_laddr, struct lb_addr_range r; char lo[64]; char hi[64],
       args_laddr(argc, argv, &r, err, errlen),
       (format_addr(&r.lo, lo, sizeof(lo)), format_addr(&r.hi, hi, sizeof(hi)),
	snprintf(out, outlen, "%s-%s %u", lo, hi, r.count)))

ROW_FN(row_config_set, struct lb_config c,
       args_config_set(argc, argv, &c, err, errlen),
       fmt_config(&c, out, outlen))

/* "tcp 203.0.113.10:80 rs - client 198.51.100.2:0": "-" for no part. */
static void fmt_conn_filter(const struct lb_conn_filter *f, char *out,
			    size_t len)
{
	const struct lb_addrport *ap[] = { &f->vip, &f->real, &f->client };
	char a[3][LB_ADDRPORT_STRLEN];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ap); i++)
		if (!ap[i]->addr.family)
			snprintf(a[i], sizeof(a[i]), "-");
		else
			format_addrport(ap[i], a[i], sizeof(a[i]));
	snprintf(out, len, "%s %s rs %s client %s",
		 f->vip.addr.family ? proto_name(f->proto) : "-", a[0], a[1],
		 a[2]);
}

ROW_FN(row_conn_del, struct lb_conn_filter f,
       args_conn_del(argc, argv, &f, err, errlen),
       fmt_conn_filter(&f, out, outlen))

static void fmt_run(const struct lb_run *r, char *out, size_t len)
{
	snprintf(out, len, "stats=%d rate=%d dry_run=%d local=%d director=%s file=%s",
		 r->stats, r->rate, r->dry_run, r->local,
		 r->director ?: "-", r->file ?: "-");
}

ROW_FN(row_show, struct lb_run run,
       args_show(argc, argv, &run, err, errlen),
       fmt_run(&run, out, outlen))

ROW_FN(row_apply, struct lb_run run,
       args_apply(argc, argv, &run, err, errlen),
       fmt_run(&run, out, outlen))

ROW_FN(row_export, struct lb_run run,
       args_export(argc, argv, &run, err, errlen),
       fmt_run(&run, out, outlen))

ROW_FN(row_none, (void)0,
       args_none(argc, argv, err, errlen),
       snprintf(out, outlen, "ok"))

#define OK(in, out)		{ in, 0, out, NULL }
#define BAD(in, why)		{ in, -EINVAL, NULL, why }

static const struct check_row service_add_rows[] = {
	OK("tcp 203.0.113.10:80",
	   "tcp 203.0.113.10:80 fwd=fullnat sched=wlc toa=-1"),
	OK("udp 203.0.113.10:53 forward nat",
	   "udp 203.0.113.10:53 fwd=nat sched=wlc toa=-1"),
	OK("tcp 203.0.113.10:80 forward dr scheduler rr toa off",
	   "tcp 203.0.113.10:80 fwd=dr sched=rr toa=0"),
	OK("tcp 203.0.113.10:80 toa on scheduler wrr forward tun",
	   "tcp 203.0.113.10:80 fwd=tun sched=wrr toa=1"),
	OK("tcp [2001:db8::10]:443 scheduler my_sched",
	   "tcp [2001:db8::10]:443 fwd=fullnat sched=my_sched toa=-1"),
	OK("tcp 203.0.113.10:80 forward fullnat",
	   "tcp 203.0.113.10:80 fwd=fullnat sched=wlc toa=-1"),
	OK("tcp 203.0.113.10:80 scheduler mh scheduler_port on scheduler_table 4093",
	   "tcp 203.0.113.10:80 fwd=fullnat sched=mh toa=-1 sched_port=1 sched_table=4093"),
	OK("tcp 203.0.113.10:80 scheduler sh scheduler_table 262139",
	   "tcp 203.0.113.10:80 fwd=fullnat sched=sh toa=-1 sched_table=262139"),
	OK("tcp 203.0.113.10:80 persistence 300 netmask 24",
	   "tcp 203.0.113.10:80 fwd=fullnat sched=wlc toa=-1 persist=300 netmask=24"),
	OK("tcp 203.0.113.10:80 persistence 604800",
	   "tcp 203.0.113.10:80 fwd=fullnat sched=wlc toa=-1 persist=604800"),
	BAD("tcp 203.0.113.10:80 persistence 604801",
	    "argument \"604801\" is wrong: persistence 604801 is out of range 0-604800"),
	BAD("tcp 203.0.113.10:80 persistence 60 netmask 33",
	    "argument \"33\" is wrong: netmask 33 is out of range 1-32 (an IPv4 service's)"),
	OK("tcp [2001:db8::1]:80 persistence 60 netmask 64",
	   "tcp [2001:db8::1]:80 fwd=fullnat sched=wlc toa=-1 persist=60 netmask=64"),
	BAD("tcp 203.0.113.10:80 persistence 60 netmask 0",
	    "argument \"0\" is wrong: netmask 0 is out of range 1-128"),
	BAD("tcp 203.0.113.10:80 persistence",
	    "argument \"persistence\" is wrong: it needs a value, as in \"persistence SECONDS\""),
	BAD("tcp 203.0.113.10:80 scheduler mh scheduler_table 4000",
	    "argument \"4000\" is wrong: scheduler_table 4000 is not one of 251, 509, 1021, 2039, 4093, 8191, 16381, 32749, 65521, 65537, 131071, 262139"),
	BAD("tcp 203.0.113.10:80 scheduler mh scheduler_table 250",
	    "argument \"250\" is wrong: scheduler_table 250 is out of range 251-262139"),
	BAD("tcp 203.0.113.10:80 scheduler sh scheduler_port yes",
	    "argument \"yes\" is wrong: scheduler_port \"yes\" is not one of on, off"),
	BAD("", "argument \"PROTO\" is required"),
	BAD("tcp", "argument \"VIP:PORT\" is required"),
	BAD("sctp 203.0.113.10:80",
	    "argument \"sctp\" is wrong: protocol \"sctp\" is not one of tcp, udp"),
	BAD("TCP 203.0.113.10:80", NULL),
	BAD("tcp 203.0.113.10",
	    "argument \"203.0.113.10\" is wrong: \"203.0.113.10\" lacks \":PORT\""),
	BAD("tcp 203.0.113.10:0", NULL),
	BAD("tcp 2001:db8::10:443", NULL),
	BAD("tcp 203.0.113.10:80 forward masq",
	    "argument \"masq\" is wrong: forward mode \"masq\" is not one of fullnat, nat, dr, tun"),
	BAD("tcp 203.0.113.10:80 forward",
	    "argument \"forward\" is wrong: it needs a value, as in \"forward fullnat|nat|dr|tun\""),
	BAD("tcp 203.0.113.10:80 toa maybe",
	    "argument \"maybe\" is wrong: toa \"maybe\" is not one of on, off"),
	BAD("tcp 203.0.113.10:80 toa", NULL),
	BAD("tcp 203.0.113.10:80 scheduler WRR", NULL),
	BAD("tcp 203.0.113.10:80 scheduler abcdefghijklmnop", NULL),
	BAD("tcp 203.0.113.10:80 scheduler wrr scheduler rr",
	    "duplicate \"scheduler\": \"rr\" is the second value"),
	BAD("tcp 203.0.113.10:80 forward dr toa on forward dr",
	    "duplicate \"forward\": \"dr\" is the second value"),
	BAD("tcp 203.0.113.10:80 weight 2",
	    "argument \"weight\" is wrong: expected forward, scheduler, toa, scheduler_port, scheduler_table, persistence or netmask"),
	BAD("tcp 203.0.113.10:80 Forward dr", NULL),
	BAD("tcp 203.0.113.10:80 fwd dr", NULL),
	BAD("tcp 203.0.113.10:80 198.19.0.11:8080", NULL),
};

static const struct check_row service_set_rows[] = {
	OK("tcp 203.0.113.10:80 scheduler rr",
	   "tcp 203.0.113.10:80 fwd=unset sched=rr toa=-1"),
	OK("tcp 203.0.113.10:80 toa off",
	   "tcp 203.0.113.10:80 fwd=unset sched=unset toa=0"),
	OK("udp [::1]:53 toa on scheduler wrr",
	   "udp [::1]:53 fwd=unset sched=wrr toa=1"),
	OK("tcp 203.0.113.10:80 scheduler_table 251",
	   "tcp 203.0.113.10:80 fwd=unset sched=unset toa=-1 sched_table=251"),
	OK("tcp 203.0.113.10:80 persistence 0",
	   "tcp 203.0.113.10:80 fwd=unset sched=unset toa=-1 persist=0"),
	OK("tcp 203.0.113.10:80 netmask 16",
	   "tcp 203.0.113.10:80 fwd=unset sched=unset toa=-1 netmask=16"),
	BAD("tcp 203.0.113.10:80 persistence -1",
	    "argument \"-1\" is wrong: persistence \"-1\" is not a decimal number"),
	BAD("tcp 203.0.113.10:80 scheduler_table 65536",
	    "argument \"65536\" is wrong: scheduler_table 65536 is not one of 251, 509, 1021, 2039, 4093, 8191, 16381, 32749, 65521, 65537, 131071, 262139"),
	BAD("tcp 203.0.113.10:80",
	    "nothing to set: give scheduler rr|wrr|wlc|lc|sed|nq|sh|dh|mh, toa on|off, scheduler_port on|off, scheduler_table PRIME, persistence SECONDS or netmask N"),
	BAD("tcp 203.0.113.10:80 forward dr",
	    "argument \"forward\" is wrong: expected scheduler, toa, scheduler_port, scheduler_table, persistence or netmask"),
	BAD("tcp 203.0.113.10:80 toa on toa off",
	    "duplicate \"toa\": \"off\" is the second value"),
	BAD("tcp 203.0.113.10:80 toa maybe", NULL),
	BAD("tcp", "argument \"VIP:PORT\" is required"),
	BAD("", "argument \"PROTO\" is required"),
	BAD("icmp 203.0.113.10:80 toa on", NULL),
};

static const struct check_row service_del_rows[] = {
	OK("tcp 203.0.113.10:80",
	   "tcp 203.0.113.10:80 fwd=unset sched=unset toa=-1"),
	OK("udp [2001:db8::1]:53",
	   "udp [2001:db8::1]:53 fwd=unset sched=unset toa=-1"),
	BAD("tcp 203.0.113.10:80 forward dr",
	    "argument \"forward\" is wrong: no more arguments are expected here"),
	BAD("tcp", "argument \"VIP:PORT\" is required"),
	BAD("", "argument \"PROTO\" is required"),
	BAD("udp 203.0.113.10:65536", NULL),
};

static const struct check_row service_show_rows[] = {
	OK("", "- - fwd=unset sched=unset toa=-1"),
	OK("tcp 203.0.113.10:80",
	   "tcp 203.0.113.10:80 fwd=unset sched=unset toa=-1"),
	BAD("tcp", "argument \"VIP:PORT\" is required"),
	BAD("tcp 203.0.113.10:80 x", NULL),
	BAD("--stats", NULL),
};

static const struct check_row rs_add_rows[] = {
	OK("tcp 203.0.113.10:80 198.19.0.11:8080",
	   "tcp 203.0.113.10:80 fwd=unset sched=unset toa=-1 rs 198.19.0.11:8080 weight=1"),
	OK("tcp 203.0.113.10:80 198.19.0.11:8080 weight 2",
	   "tcp 203.0.113.10:80 fwd=unset sched=unset toa=-1 rs 198.19.0.11:8080 weight=2"),
	OK("tcp 203.0.113.10:80 198.19.0.11:8080 weight 0",
	   "tcp 203.0.113.10:80 fwd=unset sched=unset toa=-1 rs 198.19.0.11:8080 weight=0"),
	OK("udp [2001:db8::10]:53 [2001:db8::11]:53 weight 65535",
	   "udp [2001:db8::10]:53 fwd=unset sched=unset toa=-1 rs [2001:db8::11]:53 weight=65535"),
	BAD("tcp 203.0.113.10:80 198.19.0.11:8080 weight 65536",
	    "argument \"65536\" is wrong: weight 65536 is out of range 0-65535"),
	BAD("tcp 203.0.113.10:80 198.19.0.11:8080 weight -1", NULL),
	BAD("tcp 203.0.113.10:80 198.19.0.11:8080 weight",
	    "argument \"weight\" is wrong: it needs a value, as in \"weight W\""),
	BAD("tcp 203.0.113.10:80 198.19.0.11:8080 weight 1 weight 2",
	    "duplicate \"weight\": \"2\" is the second value"),
	/* Its own method; left out, the service's (fwd unset). */
	OK("tcp 203.0.113.10:80 198.19.0.11:8080 forward dr",
	   "tcp 203.0.113.10:80 fwd=unset sched=unset toa=-1 rs 198.19.0.11:8080 weight=1 fwd=dr"),
	OK("tcp 203.0.113.10:80 198.19.0.11:8080 weight 3 forward fullnat",
	   "tcp 203.0.113.10:80 fwd=unset sched=unset toa=-1 rs 198.19.0.11:8080 weight=3 fwd=fullnat"),
	BAD("tcp 203.0.113.10:80 198.19.0.11:8080 forward snat",
	    "argument \"snat\" is wrong: forward mode \"snat\" is not one of fullnat, nat, dr, tun"),
	BAD("tcp 203.0.113.10:80 198.19.0.11:8080 forward nat forward dr",
	    "duplicate \"forward\": \"dr\" is the second value"),
	BAD("tcp 203.0.113.10:80 198.19.0.11:8080 wieght 2",
	    "argument \"wieght\" is wrong: expected weight or forward"),
	BAD("tcp 203.0.113.10:80", "argument \"RIP:RPORT\" is required"),
	BAD("tcp 203.0.113.10:80 198.19.0.11", NULL),
	BAD("tcp", "argument \"VIP:PORT\" is required"),
	BAD("", "argument \"PROTO\" is required"),
	BAD("tcpx 203.0.113.10:80 198.19.0.11:8080", NULL),
};

static const struct check_row rs_set_rows[] = {
	OK("tcp 203.0.113.10:80 198.19.0.11:8080 weight 5",
	   "tcp 203.0.113.10:80 fwd=unset sched=unset toa=-1 rs 198.19.0.11:8080 weight=5"),
	BAD("tcp 203.0.113.10:80 198.19.0.11:8080",
	    "nothing to set: give weight W or forward fullnat|nat|dr|tun"),
	OK("tcp 203.0.113.10:80 198.19.0.11:8080 forward tun",
	   "tcp 203.0.113.10:80 fwd=unset sched=unset toa=-1 rs 198.19.0.11:8080 weight=-1 fwd=tun"),
	BAD("tcp 203.0.113.10:80 198.19.0.11:8080 weight 65536", NULL),
	BAD("tcp 203.0.113.10:80 198.19.0.11:8080 weight 01", NULL),
	BAD("tcp 203.0.113.10:80 198.19.0.11:8080 toa on", NULL),
};

static const struct check_row rs_del_rows[] = {
	OK("tcp 203.0.113.10:80 198.19.0.11:8080",
	   "tcp 203.0.113.10:80 fwd=unset sched=unset toa=-1 rs 198.19.0.11:8080 weight=-1"),
	BAD("tcp 203.0.113.10:80 198.19.0.11:8080 weight 1",
	    "argument \"weight\" is wrong: no more arguments are expected here"),
	BAD("tcp 203.0.113.10:80", "argument \"RIP:RPORT\" is required"),
};

static const struct check_row conn_del_rows[] = {
	OK("tcp 203.0.113.10:80", "tcp 203.0.113.10:80 rs - client -"),
	OK("udp [2001:db8::10]:53", "udp [2001:db8::10]:53 rs - client -"),
	OK("rs 198.19.0.11:8080", "- - rs 198.19.0.11:8080 client -"),
	OK("tcp 203.0.113.10:80 rs 198.19.0.11:8080",
	   "tcp 203.0.113.10:80 rs 198.19.0.11:8080 client -"),
	OK("tcp 203.0.113.10:80 client 198.51.100.2:40000",
	   "tcp 203.0.113.10:80 rs - client 198.51.100.2:40000"),
	/* any order of the keywords */
	OK("udp 203.0.113.10:53 client 198.51.100.2:1 rs 198.19.0.11:53",
	   "udp 203.0.113.10:53 rs 198.19.0.11:53 client 198.51.100.2:1"),
	/* a port-0 client's goes with its service's: conn del PROTO VIP:PORT */
	BAD("udp 203.0.113.10:53 client 198.51.100.2:0",
	    "argument \"198.51.100.2:0\" is wrong: port 0 is out of range 1-65535"),
	BAD("", "nothing to delete: give PROTO VIP:PORT, rs RIP:RPORT or client CIP:CPORT (\"conn flush\" deletes every connection)"),
	BAD("client 198.51.100.2:40000",
	    "a client's connection is named with its service: PROTO VIP:PORT client CIP:CPORT"),
	BAD("rs 198.19.0.11:8080 client 198.51.100.2:1",
	    "a client's connection is named with its service: PROTO VIP:PORT client CIP:CPORT"),
	BAD("tcp", "argument \"VIP:PORT\" is required"),
	BAD("icmp 203.0.113.10:80", NULL),
	BAD("tcp 203.0.113.10", NULL),
	BAD("tcp 203.0.113.10:0", NULL),
	BAD("tcp 203.0.113.10:80 rs", "argument \"rs\" is wrong: it needs a value, as in \"rs RIP:RPORT\""),
	BAD("tcp 203.0.113.10:80 rs 198.19.0.11:1 rs 198.19.0.12:1",
	    "duplicate \"rs\": \"198.19.0.12:1\" is the second value"),
	BAD("tcp 203.0.113.10:80 state established",
	    "argument \"state\" is wrong: expected rs or client"),
	/* FullNAT64: an IPv4 real server of an IPv6 service */
	OK("tcp [2001:db8::10]:80 rs 198.19.0.11:8080",
	   "tcp [2001:db8::10]:80 rs 198.19.0.11:8080 client -"),
	BAD("tcp 203.0.113.10:80 client [2001:db8::2]:1",
	    "argument \"[2001:db8::2]:1\" is wrong: the client is not of the family of the addresses before it"),
	BAD("rs 198.19.0.11:80 client [2001:db8::2]:1", NULL),
	BAD("tcp 203.0.113.10:80 client 198.51.100.2", NULL),
	BAD("tcp 203.0.113.10:80 client 198.51.100.2:65536", NULL),
};

static const struct check_row laddr_rows[] = {
	OK("198.18.0.11", "198.18.0.11-198.18.0.11 1"),
	OK("198.18.0.11-198.18.0.13", "198.18.0.11-198.18.0.13 3"),
	OK("2001:db8::1-2001:db8::4", "2001:db8::1-2001:db8::4 4"),
	OK("2001:db8::1", "2001:db8::1-2001:db8::1 1"),
	BAD("", "argument \"ADDR\" is required"),
	BAD("198.18.0.13-198.18.0.11",
	    "argument \"198.18.0.13-198.18.0.11\" is wrong: address range \"198.18.0.13-198.18.0.11\" is reversed"),
	BAD("198.18.0.11 198.18.0.12",
	    "argument \"198.18.0.12\" is wrong: no more arguments are expected here"),
	BAD("198.18.0.300", NULL),
	BAD("198.18.0.11:80", NULL),
	BAD("10.0.0.0-10.1.0.0", NULL),
	BAD("198.18.0.11-", NULL),
	BAD("198.18.0.11-::1", NULL),
};

static const struct check_row config_set_rows[] = {
	OK("conn_max 1000", "conn_max=1000"),
	OK("port_range 2000-3000", "ports=2000-3000"),
	OK("expire_nodest on", "expire_nodest=1"),
	OK("expire_quiescent on", "expire_quiescent=1"),
	OK("expire_quiescent off", "expire_quiescent=0"),
	OK("expire_nodest off", "expire_nodest=0"),
	OK("timeout established 900", "established=900"),
	OK("timeout syn_recv 30 timeout close 10 timeout time_wait 60",
	   "syn_recv=30 time_wait=60 close=10"),
	OK("conn_max 16777216 port_range 1024-65535 expire_nodest off timeout fin_wait 120 timeout close_wait 60 timeout last_ack 30",
	   "conn_max=16777216 ports=1024-65535 expire_nodest=0 fin_wait=120 close_wait=60 last_ack=30"),
	OK("timeout established 4194304", "established=4194304"),
	BAD("", "nothing to set: give conn_max N, port_range LO-HI, expire_nodest on|off, expire_quiescent on|off or timeout tcp STATE SECONDS|udp [unreplied] SECONDS"),
	BAD("conn_max 0", "argument \"0\" is wrong: conn_max 0 is out of range 1-16777216"),
	BAD("conn_max 16777217", NULL),
	BAD("conn_max", "argument \"conn_max\" is wrong: it needs a value, as in \"conn_max N\""),
	BAD("conn_max 10 conn_max 20",
	    "duplicate \"conn_max\": \"20\" is the second value"),
	BAD("port_range 3000-2000",
	    "argument \"3000-2000\" is wrong: port range \"3000-2000\" is reversed (3000 > 2000)"),
	BAD("port_range 0-100", NULL),
	BAD("port_range 1024", NULL),
	BAD("expire_nodest yes",
	    "argument \"yes\" is wrong: expire_nodest \"yes\" is not one of on, off"),
	BAD("timeout listen 10",
	    "argument \"listen\" is wrong: state \"listen\" is not one of none, syn_recv, established, fin_wait, close_wait, last_ack, time_wait, close"),
	OK("timeout none 10", "none=10"),
	BAD("timeout established 0",
	    "argument \"0\" is wrong: timeout 0 is out of range 1-4194304"),
	BAD("timeout established 4194305", NULL),
	BAD("timeout established",
	    "argument \"timeout\" is wrong: it needs values, as in \"timeout tcp STATE SECONDS|udp [unreplied] SECONDS\""),
	BAD("timeout", NULL),
	BAD("timeout established 10 timeout established 20",
	    "duplicate \"timeout established\": \"20\" is the second value"),
	BAD("conn_max 10 max_conn 20",
	    "argument \"max_conn\" is wrong: expected conn_max, port_range, expire_nodest, expire_quiescent or timeout"),
	BAD("conn_max 10 timeout established x", NULL),
	/* Per protocol; a state alone is TCP's. */
	OK("timeout tcp established 900", "established=900"),
	OK("timeout udp 300", "udp=300"),
	OK("timeout tcp none 5 timeout udp 60 timeout close 3",
	   "none=5 close=3 udp=60"),
	OK("timeout udp 4194304 conn_max 5", "conn_max=5 udp=4194304"),
	BAD("timeout udp 0",
	    "argument \"0\" is wrong: timeout 0 is out of range 1-4194304"),
	BAD("timeout udp", "argument \"timeout\" is wrong: it needs values, as in \"timeout tcp STATE SECONDS|udp [unreplied] SECONDS\""),
	BAD("timeout udp x", NULL),
	BAD("timeout tcp established",
	    "argument \"tcp\" is wrong: it needs a state and seconds, as in \"timeout tcp established 900\""),
	BAD("timeout tcp listen 10",
	    "argument \"listen\" is wrong: state \"listen\" is not one of none, syn_recv, established, fin_wait, close_wait, last_ack, time_wait, close"),
	BAD("timeout tcp established 0",
	    "argument \"0\" is wrong: timeout 0 is out of range 1-4194304"),
	BAD("timeout udp 10 timeout udp 20",
	    "duplicate \"timeout udp\": \"20\" is the second value"),
	BAD("timeout established 10 timeout tcp established 20",
	    "duplicate \"timeout tcp established\": \"20\" is the second value"),
	BAD("timeout udp normal 10", NULL),
	/* UDP's short timeout, until a connection is a stream. */
	OK("timeout udp unreplied 20", "unreplied=20"),
	OK("timeout udp 300 timeout udp unreplied 30",
	   "udp=300 unreplied=30"),
	BAD("timeout udp unreplied 0",
	    "argument \"0\" is wrong: timeout 0 is out of range 1-4194304"),
	BAD("timeout udp unreplied 10 timeout udp unreplied 20",
	    "duplicate \"timeout udp unreplied\": \"20\" is the second value"),
	BAD("timeout unreplied 10", NULL),
};

/* RUN(1000, ...): the flags stats, rate, dry_run and local as digits */
#define RUN(flags, director, file)					\
	"stats=" FLAGS_##flags " director=" director " file=" file
#define FLAGS_0000 "0 rate=0 dry_run=0 local=0"
#define FLAGS_1000 "1 rate=0 dry_run=0 local=0"
#define FLAGS_0100 "0 rate=1 dry_run=0 local=0"
#define FLAGS_0010 "0 rate=0 dry_run=1 local=0"
#define FLAGS_0001 "0 rate=0 dry_run=0 local=1"

static const struct check_row show_rows[] = {
	OK("", RUN(0000, "-", "-")),
	OK("--stats", RUN(1000, "-", "-")),
	OK("--rate", RUN(0100, "-", "-")),
	OK("cluster.json", RUN(0000, "-", "cluster.json")),
	OK("--stats cluster.json --director lb1",
	   RUN(1000, "lb1", "cluster.json")),
	OK("-", RUN(0000, "-", "-")),
	BAD("--stats --stats", "duplicate \"--stats\""),
	BAD("--stats --rate",
	    "--stats and --rate are two views: give one"),
	BAD("-s", "argument \"-s\" is wrong: expected --stats, --rate or --director"),
	BAD("a.json b.json",
	    "argument \"b.json\" is wrong: only one FILE may be given"),
	BAD("--director lb1",
	    "--director needs a cluster FILE to find the director in"),
	BAD("--director", "argument \"--director\" is wrong: it needs a value, as in \"--director NAME\""),
	BAD("--stats=1", NULL),
};

static const struct check_row apply_rows[] = {
	OK("cluster.json", RUN(0000, "-", "cluster.json")),
	OK("--dry-run cluster.json", RUN(0010, "-", "cluster.json")),
	OK("--director lb2 --local -", RUN(0001, "lb2", "-")),
	OK("cluster.json --director lb1 --dry-run",
	   RUN(0010, "lb1", "cluster.json")),
	BAD("", "argument \"FILE\" is required"),
	BAD("--dry-run", "argument \"FILE\" is required"),
	BAD("--local -",
	    "--local needs --director NAME: the director this host is"),
	BAD("--dry-run --dry-run x", "duplicate \"--dry-run\""),
	BAD("--force x", "argument \"--force\" is wrong: expected --dry-run, --director or --local"),
	BAD("x y", "argument \"y\" is wrong: only one FILE may be given"),
};

static const struct check_row export_rows[] = {
	OK("", RUN(0000, "-", "-")),
	OK("--director lb9", RUN(0000, "lb9", "-")),
	BAD("cluster.json", NULL),
	BAD("--director", NULL),
};

static const struct check_row none_rows[] = {
	OK("", "ok"),
	BAD("show", "argument \"show\" is wrong: no more arguments are expected here"),
	BAD("x y", NULL),
};

/* A failed config line leaves nothing set that a caller could send. */
static void test_config_clean_on_error(void)
{
	char *argv[] = { "conn_max", "10", "timeout", "established", "0" };
	struct lb_config c;

	check_begin("args_config_set/clean_on_error");
	CHECK_INT(args_config_set(5, argv, &c, NULL, 0), -EINVAL);
	CHECK_INT(c.present, 0);
	check_end();
}

/* A reason that does not fit is cut, not overrun. */
static void test_short_error_buffer(void)
{
	char *argv[] = { "tcp", "203.0.113.10:80", "toa", "maybe" };
	struct lb_service s;
	char err[12];

	check_begin("args_service_add/short_error_buffer");
	memset(err, 'x', sizeof(err));
	CHECK_INT(args_service_add(4, argv, &s, err, 10), -EINVAL);
	CHECK_STR(err, "argument ");
	CHECK_INT(err[10], 'x');
	check_end();
}

/*
 * The shipped lbctl-apply.service: its ExecStart= and ExecReload= words,
 * with systemd's %H as a host name, are an apply of that director only,
 * here (a director applying every director of the file would apply the
 * others' local parts to its own kernel).
 */
static void test_apply_unit(void)
{
	static const char *const keys[] = { "ExecStart=", "ExecReload=" };
	char line[512], buf[512], *argv[MAX_WORDS], *p, *h;
	char err[256] = "";
	struct lb_run run;
	unsigned int seen = 0, i;
	FILE *f = fopen(DEPLOY_DIR "/systemd/lbctl-apply.service", "r");
	int argc;

	check_begin("args_apply/systemd_unit");
	CHECK(f != NULL);
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		for (i = 0; i < ARRAY_SIZE(keys); i++) {
			if (strncmp(line, keys[i], strlen(keys[i])))
				continue;
			seen |= 1u << i;
			p = line + strlen(keys[i]);
			/* ExecStart=/usr/sbin/lbctl apply ... */
			CHECK(strstr(p, "lbctl apply ") != NULL);
			p = strstr(p, "apply ");
			if (!p)
				break;
			h = strstr(p, "%H");
			if (h)
				memcpy(h, "lb", 2);
			argc = split(p + strlen("apply "), buf, sizeof(buf), argv);
			CHECK_INT(args_apply(argc, argv, &run, err, sizeof(err)), 0);
			CHECK_STR(err, "");
			CHECK_STR(run.director ?: "(all)", "lb");
			CHECK_INT(run.local, 1);
			CHECK_STR(run.file ?: "-", "/etc/fullnat/cluster.json");
		}
	}
	CHECK_INT(seen, 3);
	if (f)
		fclose(f);
	check_end();
}

int main(void)
{
	CHECK_ROWS("args_service_add", row_service_add, service_add_rows);
	CHECK_ROWS("args_service_set", row_service_set, service_set_rows);
	CHECK_ROWS("args_service_del", row_service_del, service_del_rows);
	CHECK_ROWS("args_service_show", row_service_show, service_show_rows);
	CHECK_ROWS("args_rs_add", row_rs_add, rs_add_rows);
	CHECK_ROWS("args_rs_set", row_rs_set, rs_set_rows);
	CHECK_ROWS("args_rs_del", row_rs_del, rs_del_rows);
	CHECK_ROWS("args_conn_del", row_conn_del, conn_del_rows);
	CHECK_ROWS("args_laddr", row_laddr, laddr_rows);
	CHECK_ROWS("args_config_set", row_config_set, config_set_rows);
	CHECK_ROWS("args_show", row_show, show_rows);
	CHECK_ROWS("args_apply", row_apply, apply_rows);
	CHECK_ROWS("args_export", row_export, export_rows);
	CHECK_ROWS("args_none", row_none, none_rows);
	test_config_clean_on_error();
	test_short_error_buffer();
	test_apply_unit();
	return check_done();
}
