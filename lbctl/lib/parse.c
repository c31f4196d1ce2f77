// SPDX-License-Identifier: GPL-2.0
/*
 * Parsers for addresses, ports, ranges, weights and names. See parse.h.
 *
 * Numbers are strict: decimal digits only, no sign, no white space, no
 * leading zero (so "010" cannot be read as octal 8 by one tool and as ten by
 * another), no silent wrap-around.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <linux/fullnat.h>

#include "parse.h"
#include "util.h"

struct names {
	const char *what;
	const char *const *names;
	unsigned int n;
};

/* A table of names by index: holes are NULL. */
#define NAMES(what, ...) {						\
	what, (const char *const[]){ __VA_ARGS__ },			\
	ARRAY_SIZE(((const char *const[]){ __VA_ARGS__ }))		\
}

static const struct names protos = NAMES("protocol",
	[LB_PROTO_TCP]		= "tcp",
	[LB_PROTO_UDP]		= "udp",
);

static const struct names fwds = NAMES("forward mode",
	[LB_FWD_FULLNAT]	= "fullnat",
	[LB_FWD_NAT]		= "nat",
	[LB_FWD_DR]		= "dr",
	[LB_FWD_TUN]		= "tun",
);

/* The words of "timeout STATE SECONDS", and the states lbctl conn shows. */
static const struct names states = NAMES("state",
	[FULLNAT_TCP_S_NONE]		= "none",
	[FULLNAT_TCP_S_SYN_RECV]	= "syn_recv",
	[FULLNAT_TCP_S_ESTABLISHED]	= "established",
	[FULLNAT_TCP_S_FIN_WAIT]	= "fin_wait",
	[FULLNAT_TCP_S_CLOSE_WAIT]	= "close_wait",
	[FULLNAT_TCP_S_LAST_ACK]	= "last_ack",
	[FULLNAT_TCP_S_TIME_WAIT]	= "time_wait",
	[FULLNAT_TCP_S_CLOSE]		= "close",
);

static const char *const onoff_names[] = { "on", "off" };

/*
 * The counters are named after their enum, so a counter added to the ABI
 * needs one line here and its name cannot drift from the header's.
 */
#define CNT(name) [FULLNAT_CNT_##name] = #name
static const char *const counter_names[] = {
	CNT(CONN_LIMIT), CNT(NO_DEST), CNT(NO_LADDR), CNT(NO_PORT),
	CNT(NOMEM), CNT(NOT_SYN), CNT(MALFORMED), CNT(NO_ROUTE), CNT(TTL),
	CNT(FRAG_NEEDED), CNT(XMIT_ERR), CNT(TOA_INSERTED), CNT(TOA_NO_ROOM),
	CNT(TOA_NO_MTU), CNT(TOA_ERR), CNT(MSS_LOWERED), CNT(ICMP_XLATED),
	CNT(ICMP_DROPPED), CNT(CONN_REUSED), CNT(GLOBAL_LIMIT), CNT(EARLY_DROP),
	CNT(TOA_STRIPPED), CNT(TCPOPT_DROPPED), CNT(TOA_GSO), CNT(OUT_OF_WINDOW),
	CNT(BAD_FLAGS), CNT(MARTIAN), CNT(STRAY), CNT(REPLY_CLASH),
	CNT(NAT_STRAY),
	CNT(PERSIST_FULL), CNT(XLAT_DROPPED), CNT(TFO_STRIPPED),
};
#undef CNT

int parse_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* Parses the n characters at s as a decimal number in [min, max]. */
static int parse_num(const char *s, size_t n, const char *what,
		     unsigned long min, unsigned long max, unsigned long *out,
		     char *err, size_t errlen)
{
	unsigned long v = 0;
	bool over = false;
	size_t i;

	if (!n)
		return parse_fail(err, errlen, "empty %s", what);
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return parse_fail(err, errlen,
					  "%s \"%.*s\" is not a decimal number",
					  what, (int)n, s);
	}
	if (s[0] == '0' && n > 1)
		return parse_fail(err, errlen, "%s \"%.*s\" has a leading zero",
				  what, (int)n, s);
	/* Stop accumulating once past max: the digits were checked above. */
	for (i = 0; i < n && !over; i++) {
		v = v * 10 + (unsigned long)(s[i] - '0');
		over = v > max;
	}
	if (over || v < min)
		return parse_fail(err, errlen,
				  "%s %.*s is out of range %lu-%lu",
				  what, (int)n, s, min, max);
	*out = v;
	return 0;
}

static int parse_u16(const char *s, size_t n, const char *what,
		     unsigned long min, uint16_t *out, char *err, size_t errlen)
{
	unsigned long v;
	int ret = parse_num(s, n, what, min, UINT16_MAX, &v, err, errlen);

	if (!ret)
		*out = (uint16_t)v;
	return ret;
}

int parse_u32(const char *s, const char *what, uint32_t min, uint32_t max,
	      uint32_t *out, char *err, size_t errlen)
{
	unsigned long v;
	int ret = parse_num(s, strlen(s), what, min, max, &v, err, errlen);

	if (!ret)
		*out = (uint32_t)v;
	return ret;
}

int parse_port(const char *s, uint16_t *port, char *err, size_t errlen)
{
	return parse_u16(s, strlen(s), "port", 1, port, err, errlen);
}

int parse_weight(const char *s, uint16_t *weight, char *err, size_t errlen)
{
	return parse_u16(s, strlen(s), "weight", 0, weight, err, errlen);
}

int parse_port_range(const char *s, uint16_t *lo, uint16_t *hi,
		     char *err, size_t errlen)
{
	const char *dash = strchr(s, '-');
	uint16_t l, h;
	int ret;

	if (!dash)
		return parse_fail(err, errlen,
				  "port range \"%s\" is not LOW-HIGH",
				  s);
	ret = parse_u16(s, (size_t)(dash - s), "port", 1, &l, err, errlen) ?:
	      parse_u16(dash + 1, strlen(dash + 1), "port", 1, &h, err, errlen);
	if (ret)
		return ret;
	if (l > h)
		return parse_fail(err, errlen,
				  "port range \"%s\" is reversed (%u > %u)",
				  s, l, h);
	*lo = l;
	*hi = h;
	return 0;
}

/*
 * Parses the n characters at s as an address of the given family, or of
 * either family if family is AF_UNSPEC.
 */
static int parse_addr_n(const char *s, size_t n, int family,
			struct lb_addr *addr, char *err, size_t errlen)
{
	char buf[INET6_ADDRSTRLEN];
	struct lb_addr a = { 0 };

	if (!n)
		return parse_fail(err, errlen, "empty address");
	if (n < sizeof(buf)) {
		memcpy(buf, s, n);
		buf[n] = '\0';
		if (family != AF_INET6 && inet_pton(AF_INET, buf, &a.v4) == 1)
			a.family = AF_INET;
		else if (family != AF_INET &&
			 inet_pton(AF_INET6, buf, &a.v6) == 1)
			a.family = AF_INET6;
	}
	if (!a.family)
		return parse_fail(err, errlen, "\"%.*s\" is not an %s address",
				  (int)n, s,
				  family == AF_INET ? "IPv4" :
				  family == AF_INET6 ? "IPv6" : "IPv4 or IPv6");
	*addr = a;
	return 0;
}

int parse_addr(const char *s, struct lb_addr *addr, char *err, size_t errlen)
{
	return parse_addr_n(s, strlen(s), AF_UNSPEC, addr, err, errlen);
}

int parse_addrport(const char *s, struct lb_addrport *ap,
		   char *err, size_t errlen)
{
	struct lb_addrport r;
	const char *colon, *close;
	int ret;

	if (s[0] == '[') {
		close = strchr(s, ']');
		if (!close)
			return parse_fail(err, errlen,
					  "\"%s\" has \"[\" without \"]\"", s);
		ret = parse_addr_n(s + 1, (size_t)(close - s - 1), AF_INET6,
				   &r.addr, err, errlen);
		if (ret)
			return ret;
		if (close[1] != ':')
			return parse_fail(err, errlen,
					  "\"%s\" lacks \":PORT\" after \"]\"",
					  s);
		colon = close + 1;
	} else {
		colon = strchr(s, ':');
		if (!colon)
			return parse_fail(err, errlen,
					  "\"%s\" lacks \":PORT\"", s);
		/* "::1:80" could be [::1]:80 or [::1:80] with no port. */
		if (strchr(colon + 1, ':'))
			return parse_fail(err, errlen,
					  "\"%s\" is ambiguous: write an IPv6 address with a port as [ADDRESS]:PORT",
					  s);
		ret = parse_addr_n(s, (size_t)(colon - s), AF_INET,
				   &r.addr, err, errlen);
		if (ret)
			return ret;
	}
	ret = parse_port(colon + 1, &r.port, err, errlen);
	if (ret)
		return ret;
	*ap = r;
	return 0;
}

/* Network byte order, so memcmp() orders addresses of one family. */
static const uint8_t *addr_bytes(const struct lb_addr *a, size_t *len)
{
	if (a->family == AF_INET) {
		*len = sizeof(a->v4);
		return (const uint8_t *)&a->v4;
	}
	*len = sizeof(a->v6);
	return a->v6.s6_addr;
}

int parse_addr_range(const char *s, struct lb_addr_range *range,
		     char *err, size_t errlen)
{
	const char *dash = strchr(s, '-');
	const uint8_t *lo, *hi;
	struct lb_addr_range r;
	uint8_t diff[16];
	uint32_t d = 0;
	unsigned int borrow = 0;
	bool big = false;
	size_t len, i;
	int ret;

	if (!dash)
		return parse_fail(err, errlen,
				  "address range \"%s\" is not FIRST-LAST", s);
	ret = parse_addr_n(s, (size_t)(dash - s), AF_UNSPEC, &r.lo,
			   err, errlen) ?:
	      parse_addr_n(dash + 1, strlen(dash + 1), AF_UNSPEC, &r.hi,
			   err, errlen);
	if (ret)
		return ret;
	if (r.lo.family != r.hi.family)
		return parse_fail(err, errlen,
				  "address range \"%s\" mixes IPv4 and IPv6",
				  s);
	lo = addr_bytes(&r.lo, &len);
	hi = addr_bytes(&r.hi, &len);
	if (memcmp(lo, hi, len) > 0)
		return parse_fail(err, errlen,
				  "address range \"%s\" is reversed", s);

	/* hi - lo, big-endian, one byte at a time; only the low 4 may stay. */
	for (i = len; i-- > 0; ) {
		unsigned int sub = (unsigned int)lo[i] + borrow;

		borrow = hi[i] < sub;
		diff[i] = (uint8_t)(hi[i] + (borrow << 8) - sub);
	}
	for (i = 0; i < len - 4; i++)
		big |= diff[i] != 0;
	for (; i < len; i++)
		d = d << 8 | diff[i];
	if (big || d >= LB_ADDR_RANGE_MAX)
		return parse_fail(err, errlen,
				  "address range \"%s\" has more than %u addresses",
				  s, LB_ADDR_RANGE_MAX);
	r.count = d + 1;
	*range = r;
	return 0;
}

int addr_range_nth(const struct lb_addr_range *range, uint32_t index,
		   struct lb_addr *addr)
{
	struct lb_addr a = range->lo;
	uint8_t *b;
	size_t len, i;

	if (index >= range->count)
		return -EINVAL;
	b = (uint8_t *)addr_bytes(&a, &len);
	for (i = len; i-- > 0 && index; ) {
		index += b[i];
		b[i] = (uint8_t)index;
		index >>= 8;
	}
	*addr = a;
	return 0;
}

/* The index of s in t (whose holes are NULL), or -EINVAL. */
static int parse_name(const char *s, const struct names *t,
		      char *err, size_t errlen)
{
	char list[128];
	unsigned int i;

	for (i = 0; i < t->n; i++)
		if (t->names[i] && !strcmp(s, t->names[i]))
			return (int)i;
	lb_join_names(list, sizeof(list), t->names, t->n, sizeof(*t->names),
		      ", ");
	return parse_fail(err, errlen, "%s \"%s\" is not one of %s", t->what, s,
			  list);
}

static const char *name_of(const struct names *t, unsigned int i)
{
	return i < t->n && t->names[i] ? t->names[i] : "unknown";
}

int parse_onoff(const char *s, const char *what, bool *on,
		char *err, size_t errlen)
{
	const struct names t = { what, onoff_names, ARRAY_SIZE(onoff_names) };
	int i = parse_name(s, &t, err, errlen);

	if (i >= 0)
		*on = i == 0;
	return i < 0 ? i : 0;
}

const char *tcp_state_name(unsigned int state)
{
	return name_of(&states, state);
}

int parse_sched(const char *s, char *name, size_t len,
		char *err, size_t errlen)
{
	size_t n = strlen(s), i;

	if (!n)
		return parse_fail(err, errlen, "empty scheduler name");
	if (n >= len || n >= FULLNAT_SCHED_NAME_MAX)
		return parse_fail(err, errlen,
				  "scheduler name \"%s\" is longer than %d characters",
				  s, FULLNAT_SCHED_NAME_MAX - 1);
	/* The kernel knows which exist; this only keeps out what none is. */
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return parse_fail(err, errlen,
					  "scheduler name \"%s\" has a character other than a-z, 0-9 and _",
					  s);
	memcpy(name, s, n + 1);
	return 0;
}

void counter_name(unsigned int id, char *buf, size_t len)
{
	const char *name = id < ARRAY_SIZE(counter_names) ?
			   counter_names[id] : NULL;
	size_t i;

	if (!len)
		return;
	if (!name) {
		snprintf(buf, len, "counter_%u", id);
		return;
	}
	for (i = 0; name[i] && i + 1 < len; i++)
		buf[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ?
				name[i] - 'A' + 'a' : name[i]);
	buf[i] = '\0';
}

/* parse_proto() and the like: the index of s in table, as a type. */
#define NAME_PARSER(fn, type, table)					\
int fn(const char *s, type *out, char *err, size_t errlen)		\
{									\
	int i = parse_name(s, &(table), err, errlen);			\
									\
	if (i >= 0)							\
		*out = (type)i;						\
	return i < 0 ? i : 0;						\
}

NAME_PARSER(parse_proto, enum lb_proto, protos)
NAME_PARSER(parse_fwd, enum lb_fwd, fwds)
NAME_PARSER(parse_tcp_state, unsigned int, states)

const char *proto_name(enum lb_proto proto)
{
	return name_of(&protos, (unsigned int)proto);
}

const char *fwd_name(enum lb_fwd fwd)
{
	return name_of(&fwds, (unsigned int)fwd);
}

int format_addr(const struct lb_addr *addr, char *buf, size_t len)
{
	if (addr->family != AF_INET && addr->family != AF_INET6)
		return -EINVAL;
	/* v4 and v6 share the union's first byte. */
	if (!inet_ntop(addr->family, &addr->v6, buf, (socklen_t)len))
		return -ENOSPC;
	return 0;
}

int format_addrport(const struct lb_addrport *ap, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	int ret, n;

	ret = format_addr(&ap->addr, a, sizeof(a));
	if (ret)
		return ret;
	n = snprintf(buf, len, ap->addr.family == AF_INET6 ? "[%s]:%u" :
		     "%s:%u", a, ap->port);
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	return 0;
}

const char *lb_addr_str(const struct lb_addr *addr, char *buf, size_t len)
{
	if (format_addr(addr, buf, len))
		snprintf(buf, len, "?");
	return buf;
}

const char *lb_addrport_str(const struct lb_addr *addr, uint16_t port,
			    char *buf, size_t len)
{
	if (format_addrport(&(struct lb_addrport){ *addr, port }, buf, len))
		snprintf(buf, len, "?");
	return buf;
}
