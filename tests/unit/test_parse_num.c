// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the number and name parsers of lbctl/parse.c: ports, weights,
 * port ranges, protocols, forward modes.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include <linux/fullnat.h>

#include "check.h"
#include "parse.h"

/* What a parser must leave alone when it fails. */
#define UNTOUCHED 4242

typedef int (*u16_fn)(const char *s, uint16_t *v, char *err, size_t errlen);

static int row_u16(u16_fn fn, const char *in, char *out, size_t outlen,
		   char *err, size_t errlen)
{
	uint16_t v = UNTOUCHED;
	int ret;

	ret = fn(in, &v, err, errlen);
	if (!ret)
		snprintf(out, outlen, "%u", v);
	else if (v != UNTOUCHED)
		snprintf(out, outlen, "wrote %u", v);
	return ret;
}

static int row_port(const char *in, char *out, size_t outlen,
		    char *err, size_t errlen)
{
	return row_u16(parse_port, in, out, outlen, err, errlen);
}

static int row_weight(const char *in, char *out, size_t outlen,
		      char *err, size_t errlen)
{
	return row_u16(parse_weight, in, out, outlen, err, errlen);
}

static int row_port_range(const char *in, char *out, size_t outlen,
			  char *err, size_t errlen)
{
	uint16_t lo = UNTOUCHED, hi = UNTOUCHED;
	int ret;

	ret = parse_port_range(in, &lo, &hi, err, errlen);
	if (!ret)
		snprintf(out, outlen, "%u-%u", lo, hi);
	else if (lo != UNTOUCHED || hi != UNTOUCHED)
		snprintf(out, outlen, "wrote %u-%u", lo, hi);
	return ret;
}

/* proto and fwd: an enum, and a function that names its values */
#define ROW_ENUM(row, type, parse, name)				\
static int row(const char *in, char *out, size_t outlen,		\
	       char *err, size_t errlen)				\
{									\
	type v = (type)UNTOUCHED;					\
	int ret = parse(in, &v, err, errlen);				\
									\
	if (!ret || v != (type)UNTOUCHED)				\
		snprintf(out, outlen, "%s", name(v));			\
	return ret;							\
}

ROW_ENUM(row_proto, enum lb_proto, parse_proto, proto_name)
ROW_ENUM(row_fwd, enum lb_fwd, parse_fwd, fwd_name)
ROW_ENUM(row_state, unsigned int, parse_tcp_state, tcp_state_name)

/* conn_max's range: 1 to 2^24 */
static int row_u32(const char *in, char *out, size_t outlen,
		   char *err, size_t errlen)
{
	uint32_t v = 4242;
	int ret;

	ret = parse_u32(in, "conn_max", 1, 1u << 24, &v, err, errlen);
	if (!ret || v != 4242)
		snprintf(out, outlen, "%u", v);
	return ret;
}

static int row_onoff(const char *in, char *out, size_t outlen,
		     char *err, size_t errlen)
{
	bool on = false, off = true;
	int ret;

	/* Both starting values: a failure must write neither. */
	ret = parse_onoff(in, "toa", &on, err, errlen);
	parse_onoff(in, "toa", &off, NULL, 0);
	if (!ret)
		snprintf(out, outlen, "%s", on ? "true" : "false");
	else if (on || !off)
		snprintf(out, outlen, "wrote a value");
	return ret;
}

static int row_sched(const char *in, char *out, size_t outlen,
		     char *err, size_t errlen)
{
	char name[FULLNAT_SCHED_NAME_MAX] = "";
	int ret;

	ret = parse_sched(in, name, sizeof(name), err, errlen);
	snprintf(out, outlen, "%s", name);
	return ret;
}

#define OK(in, out)		{ in, 0, out, NULL }
#define BAD(in, why)		{ in, -EINVAL, NULL, why }

static const struct check_row port_rows[] = {
	OK("1", "1"),
	OK("80", "80"),
	OK("65535", "65535"),
	BAD("0", "port 0 is out of range 1-65535"),
	BAD("65536", "port 65536 is out of range 1-65535"),
	BAD("70000", "port 70000 is out of range 1-65535"),
	/* 2^32 + 80 and 2^64 + 80: wrap-around must not make them 80 */
	BAD("4294967376", "port 4294967376 is out of range 1-65535"),
	BAD("18446744073709551696",
	    "port 18446744073709551696 is out of range 1-65535"),
	BAD("99999999999999999999999999999999999999", NULL),
	BAD("80x", "port \"80x\" is not a decimal number"),
	BAD(" 80", "port \" 80\" is not a decimal number"),
	BAD("80 ", NULL),
	BAD("\t80", NULL),
	BAD("80\n", NULL),
	BAD("-1", "port \"-1\" is not a decimal number"),
	BAD("+1", "port \"+1\" is not a decimal number"),
	BAD("-0", NULL),
	BAD("", "empty port"),
	BAD("080", "port \"080\" has a leading zero"),
	BAD("00", NULL),
	BAD("0x50", NULL),
	BAD("1e3", NULL),
	BAD("8 0", NULL),
	BAD("80.0", NULL),
	BAD("\xef\xbc\x98\xef\xbc\x90", NULL),	/* fullwidth "80" */
};

static const struct check_row weight_rows[] = {
	OK("0", "0"),
	OK("1", "1"),
	OK("100", "100"),
	OK("65535", "65535"),
	BAD("65536", "weight 65536 is out of range 0-65535"),
	BAD("18446744073709551616", NULL),
	BAD("-1", "weight \"-1\" is not a decimal number"),
	BAD("+5", NULL),
	BAD("", "empty weight"),
	BAD("01", "weight \"01\" has a leading zero"),
	BAD("1.5", NULL),
	BAD(" 1", NULL),
};

static const struct check_row port_range_rows[] = {
	OK("1-65535", "1-65535"),
	OK("1024-1024", "1024-1024"),
	OK("5000-5999", "5000-5999"),
	BAD("2000-1000", "port range \"2000-1000\" is reversed (2000 > 1000)"),
	BAD("80", "port range \"80\" is not LOW-HIGH"),
	BAD("", "port range \"\" is not LOW-HIGH"),
	BAD("-80", "empty port"),
	BAD("80-", "empty port"),
	BAD("0-80", "port 0 is out of range 1-65535"),
	BAD("1-65536", "port 65536 is out of range 1-65535"),
	BAD("1--2", "port \"-2\" is not a decimal number"),
	BAD("1-2-3", "port \"2-3\" is not a decimal number"),
	BAD(" 1-2", NULL),
	BAD("1 -2", NULL),
	BAD("1- 2", NULL),
	BAD("1-2 ", NULL),
	BAD("01-2", NULL),
	BAD("a-b", NULL),
	BAD("1:2", NULL),
};

static const struct check_row proto_rows[] = {
	OK("tcp", "tcp"),
	OK("udp", "udp"),
	BAD("TCP", "protocol \"TCP\" is not one of tcp, udp"),
	BAD("sctp", NULL),
	BAD("", NULL),
	BAD("tcp ", NULL),
	BAD("tc", NULL),
	BAD("tcpx", NULL),
	BAD("6", NULL),
};

static const struct check_row fwd_rows[] = {
	OK("fullnat", "fullnat"),
	OK("nat", "nat"),
	OK("dr", "dr"),
	OK("tun", "tun"),
	BAD("NAT", "forward mode \"NAT\" is not one of fullnat, nat, dr, tun"),
	BAD("masq", NULL),
	BAD("", NULL),
	BAD("full", NULL),
	BAD("fullnat2", NULL),
	BAD("tunnel", NULL),
	BAD(" dr", NULL),
};

static const struct check_row u32_rows[] = {
	OK("1", "1"),
	OK("1048576", "1048576"),
	OK("16777216", "16777216"),
	BAD("0", "conn_max 0 is out of range 1-16777216"),
	BAD("16777217", "conn_max 16777217 is out of range 1-16777216"),
	BAD("4294967297", NULL),
	BAD("18446744073709551617", NULL),
	BAD("", "empty conn_max"),
	BAD("01", "conn_max \"01\" has a leading zero"),
	BAD("1k", "conn_max \"1k\" is not a decimal number"),
	BAD("-1", NULL),
	BAD(" 1", NULL),
};

static const struct check_row onoff_rows[] = {
	OK("on", "true"),
	OK("off", "false"),
	BAD("maybe", "toa \"maybe\" is not one of on, off"),
	BAD("", NULL),
	BAD("ON", NULL),
	BAD("1", NULL),
	BAD("yes", NULL),
	BAD("true", NULL),
	BAD("on ", NULL),
};

static const struct check_row state_rows[] = {
	OK("syn_recv", "syn_recv"),
	OK("established", "established"),
	OK("fin_wait", "fin_wait"),
	OK("close_wait", "close_wait"),
	OK("last_ack", "last_ack"),
	OK("time_wait", "time_wait"),
	OK("close", "close"),
	OK("none", "none"),
	BAD("syn_sent", "state \"syn_sent\" is not one of none, syn_recv, established, fin_wait, close_wait, last_ack, time_wait, close"),
	BAD("listen", NULL),
	BAD("ESTABLISHED", NULL),
	BAD("", NULL),
	BAD("syn-recv", NULL),
	BAD("unknown", NULL),
};

static const struct check_row sched_rows[] = {
	OK("rr", "rr"),
	OK("wrr", "wrr"),
	OK("wlc", "wlc"),
	OK("my_sched2", "my_sched2"),
	OK("abcdefghijklmno", "abcdefghijklmno"),
	BAD("abcdefghijklmnop",
	    "scheduler name \"abcdefghijklmnop\" is longer than 15 characters"),
	BAD("", "empty scheduler name"),
	BAD("WRR", "scheduler name \"WRR\" has a character other than a-z, 0-9 and _"),
	BAD("w rr", NULL),
	BAD("wrr\n", NULL),
	BAD("../x", NULL),
	BAD("wrr-2", NULL),
};

/*
 * The reference: what anyone would write first with strtol(), plus the
 * rules spelt out (a first digit of 1-9, or the single digit "0").
 */
static bool naive_uint(const char *s, long min, long max, long *v)
{
	char *end;

	if (!(s[0] >= '1' && s[0] <= '9') && strcmp(s, "0"))
		return false;
	errno = 0;
	*v = strtol(s, &end, 10);
	return !*end && !errno && *v >= min && *v <= max;
}

/* The dress[] formats below are literals, only not at the call. */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

/* Every number up to 70000, bare and dressed in the usual mistakes. */
static void test_naive_sweep(const char *name, u16_fn fn, long min, long max)
{
	static const char *const dress[] = {
		"%ld", "0%ld", "+%ld", "-%ld", " %ld", "%ld ", "%ldx", "%ld.0",
	};
	unsigned int tried = 0;
	size_t d;
	long n, ref;
	uint16_t v;
	char s[32];
	bool ok;

	check_begin("%s/naive_sweep", name);
	for (n = 0; n <= 70000; n++) {
		for (d = 0; d < ARRAY_SIZE(dress); d++) {
			snprintf(s, sizeof(s), dress[d], n);
			ok = naive_uint(s, min, max, &ref);
			v = UNTOUCHED;
			CHECK_MSG((fn(s, &v, NULL, 0) == 0) == ok,
				  "\"%s\": reference says %s", s,
				  ok ? "valid" : "invalid");
			CHECK_MSG(!ok || v == ref, "\"%s\": parsed as %u", s,
				  v);
			tried++;
		}
	}
	CHECK_INT(tried, 70001 * ARRAY_SIZE(dress));
	check_end();
}

/* Every pair of a few edge values, against the reference on each half. */
static void test_port_range_naive(void)
{
	static const char *const ends[] = {
		"0", "1", "2", "80", "1023", "1024", "65534", "65535",
		"65536", "70000", "01", "+1", "", "x",
	};
	long lo, hi;
	uint16_t l, h;
	size_t i, j;
	char s[32];
	bool ok;

	check_begin("parse_port_range/naive_pairs");
	for (i = 0; i < ARRAY_SIZE(ends); i++) {
		for (j = 0; j < ARRAY_SIZE(ends); j++) {
			snprintf(s, sizeof(s), "%s-%s", ends[i], ends[j]);
			ok = naive_uint(ends[i], 1, 65535, &lo) &&
			     naive_uint(ends[j], 1, 65535, &hi) && lo <= hi;
			CHECK_MSG((parse_port_range(s, &l, &h, NULL, 0) == 0)
				  == ok, "\"%s\": reference says %s", s,
				  ok ? "valid" : "invalid");
			CHECK_MSG(!ok || (l == lo && h == hi),
				  "\"%s\": parsed as %u-%u", s, l, h);
		}
	}
	check_end();
}

/* name -> enum -> name, for every value; and what names no value. */
static void test_names(void)
{
	enum lb_proto p;
	enum lb_fwd f;
	int i;

	check_begin("proto_name/round_trip");
	for (i = LB_PROTO_TCP; i <= LB_PROTO_UDP; i++) {
		CHECK_INT(parse_proto(proto_name((enum lb_proto)i), &p,
				      NULL, 0), 0);
		CHECK_INT(p, i);
	}
	CHECK_STR(proto_name((enum lb_proto)(LB_PROTO_UDP + 1)), "unknown");
	CHECK_STR(proto_name((enum lb_proto)-1), "unknown");
	check_end();

	check_begin("fwd_name/round_trip");
	for (i = LB_FWD_FULLNAT; i <= LB_FWD_TUN; i++) {
		CHECK_INT(parse_fwd(fwd_name((enum lb_fwd)i), &f, NULL, 0), 0);
		CHECK_INT(f, i);
	}
	CHECK_STR(fwd_name((enum lb_fwd)(LB_FWD_TUN + 1)), "unknown");
	CHECK_STR(fwd_name((enum lb_fwd)-1), "unknown");
	check_end();
}

/* Names of the TCP states and counters of the ABI. */
static void test_abi_names(void)
{
	char buf[32], want[32];
	unsigned int i, st;

	check_begin("tcp_state_name/round_trip");
	for (i = FULLNAT_TCP_S_NONE; i <= FULLNAT_TCP_S_MAX; i++) {
		CHECK_INT(parse_tcp_state(tcp_state_name(i), &st, NULL, 0), 0);
		CHECK_INT(st, i);
	}
	CHECK_STR(tcp_state_name(FULLNAT_TCP_S_NONE), "none");
	CHECK_STR(tcp_state_name(FULLNAT_TCP_S_MAX + 1), "unknown");
	check_end();

	check_begin("counter_name/enum");
	counter_name(FULLNAT_CNT_CONN_LIMIT, buf, sizeof(buf));
	CHECK_STR(buf, "conn_limit");
	counter_name(FULLNAT_CNT_NO_DEST, buf, sizeof(buf));
	CHECK_STR(buf, "no_dest");
	counter_name(FULLNAT_CNT_TOA_NO_ROOM, buf, sizeof(buf));
	CHECK_STR(buf, "toa_no_room");
	counter_name(FULLNAT_CNT_CONN_REUSED, buf, sizeof(buf));
	CHECK_STR(buf, "conn_reused");
	counter_name(FULLNAT_CNT_REPLY_CLASH, buf, sizeof(buf));
	CHECK_STR(buf, "reply_clash");
	counter_name(FULLNAT_CNT_MAX + 1, buf, sizeof(buf));
	snprintf(want, sizeof(want), "counter_%d", FULLNAT_CNT_MAX + 1);
	CHECK_STR(buf, want);
	counter_name(FULLNAT_CNT_PAD, buf, sizeof(buf));
	CHECK_STR(buf, "counter_1");
	counter_name(FULLNAT_CNT_TOA_INSERTED, buf, 4);
	CHECK_STR(buf, "toa");
	check_end();

	/* Every counter of the enum has a name of its own. */
	check_begin("counter_name/all_known");
	for (i = FULLNAT_CNT_CONN_LIMIT; i <= FULLNAT_CNT_MAX; i++) {
		counter_name(i, buf, sizeof(buf));
		CHECK_MSG(strncmp(buf, "counter_", 8), "counter %u has no name",
			  i);
	}
	check_end();
}

/* A reason that does not fit is cut, not overrun. */
static void test_short_error_buffer(void)
{
	char err[8];
	uint16_t v;

	check_begin("parse_port/short_error_buffer");
	memset(err, 'x', sizeof(err));
	CHECK_INT(parse_port("70000", &v, err, 5), -EINVAL);
	CHECK_STR(err, "port");
	CHECK_INT(err[5], 'x');
	check_end();
}

int main(void)
{
	CHECK_ROWS("parse_port", row_port, port_rows);
	CHECK_ROWS("parse_weight", row_weight, weight_rows);
	CHECK_ROWS("parse_port_range", row_port_range, port_range_rows);
	CHECK_ROWS("parse_proto", row_proto, proto_rows);
	CHECK_ROWS("parse_fwd", row_fwd, fwd_rows);
	CHECK_ROWS("parse_u32", row_u32, u32_rows);
	CHECK_ROWS("parse_onoff", row_onoff, onoff_rows);
	CHECK_ROWS("parse_tcp_state", row_state, state_rows);
	CHECK_ROWS("parse_sched", row_sched, sched_rows);
	test_naive_sweep("parse_port", parse_port, 1, 65535);
	test_naive_sweep("parse_weight", parse_weight, 0, 65535);
	test_port_range_naive();
	test_names();
	test_abi_names();
	test_short_error_buffer();
	return check_done();
}
