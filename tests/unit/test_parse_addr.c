// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the address parsers and formatters of lbctl/parse.c: addresses,
 * ADDR:PORT, address ranges and their expansion.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "parse.h"

static int row_addr(const char *in, char *out, size_t outlen,
		    char *err, size_t errlen)
{
	struct lb_addr a = { .family = AF_UNIX };
	int ret;

	ret = parse_addr(in, &a, err, errlen);
	if (!ret)
		format_addr(&a, out, outlen);
	else if (a.family != AF_UNIX)
		snprintf(out, outlen, "wrote family %d", a.family);
	return ret;
}

static int row_addrport(const char *in, char *out, size_t outlen,
			char *err, size_t errlen)
{
	struct lb_addrport ap = { .addr.family = AF_UNIX };
	int ret;

	ret = parse_addrport(in, &ap, err, errlen);
	if (!ret)
		format_addrport(&ap, out, outlen);
	else if (ap.addr.family != AF_UNIX)
		snprintf(out, outlen, "wrote family %d", ap.addr.family);
	return ret;
}

/* "LO-HI COUNT" */
static int row_addr_range(const char *in, char *out, size_t outlen,
			  char *err, size_t errlen)
{
	struct lb_addr_range r = { .count = 4242 };
	char lo[INET6_ADDRSTRLEN], hi[INET6_ADDRSTRLEN];
	int ret;

	ret = parse_addr_range(in, &r, err, errlen);
	if (!ret) {
		format_addr(&r.lo, lo, sizeof(lo));
		format_addr(&r.hi, hi, sizeof(hi));
		snprintf(out, outlen, "%s-%s %u", lo, hi, r.count);
	} else if (r.count != 4242) {
		snprintf(out, outlen, "wrote count %u", r.count);
	}
	return ret;
}

#define OK(in, out)		{ in, 0, out, NULL }
#define BAD(in, why)		{ in, -EINVAL, NULL, why }

static const struct check_row addr_rows[] = {
	OK("1.2.3.4", "1.2.3.4"),
	OK("0.0.0.0", "0.0.0.0"),
	OK("255.255.255.255", "255.255.255.255"),
	OK("::", "::"),
	OK("::1", "::1"),
	OK("2001:db8::1", "2001:db8::1"),
	OK("2001:DB8::1", "2001:db8::1"),
	OK("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
	OK("::ffff:1.2.3.4", "::ffff:1.2.3.4"),
	/* fine as an address; glibc prints it as IPv4-compatible, as ip does */
	OK("::1:80", "::0.1.0.128"),
	BAD("", "empty address"),
	BAD("1.2.3", "\"1.2.3\" is not an IPv4 or IPv6 address"),
	BAD("1.2.3.4.5", NULL),
	BAD("256.1.1.1", NULL),
	BAD("1.2.3.04", NULL),
	BAD("0x1.2.3.4", NULL),
	BAD("1.2.3.-1", NULL),
	BAD(" 1.2.3.4", NULL),
	BAD("1.2.3.4 ", NULL),
	BAD("1.2.3.4\n", NULL),
	BAD("1.2.3.4/24", NULL),
	BAD("1.2.3.4:80", NULL),
	BAD("[::1]", NULL),
	BAD(":::", NULL),
	BAD("1::2::3", NULL),
	BAD("fe80::1%eth0", NULL),
	BAD("localhost", NULL),
	BAD("1111111111111111111111111111111111111111111111111111111111", NULL),
};

static const struct check_row addrport_rows[] = {
	OK("1.2.3.4:80", "1.2.3.4:80"),
	OK("0.0.0.0:1", "0.0.0.0:1"),
	OK("255.255.255.255:65535", "255.255.255.255:65535"),
	OK("[::1]:80", "[::1]:80"),
	OK("[2001:DB8::1]:443", "[2001:db8::1]:443"),
	OK("[::ffff:1.2.3.4]:80", "[::ffff:1.2.3.4]:80"),
	BAD("::1:80", "\"::1:80\" is ambiguous: write an IPv6 address with a port as [ADDRESS]:PORT"),
	BAD("::1", NULL),
	BAD("2001:db8::1:443", NULL),
	BAD("1.2.3.4", "\"1.2.3.4\" lacks \":PORT\""),
	BAD("", NULL),
	BAD("1.2.3.4:", "empty port"),
	BAD("1.2.3.4:0", "port 0 is out of range 1-65535"),
	BAD("1.2.3.4:65536", NULL),
	BAD("1.2.3.4:80x", NULL),
	BAD("1.2.3.4:+80", NULL),
	BAD("1.2.3.4: 80", NULL),
	BAD("1.2.3.4 :80", NULL),
	BAD(":80", "empty address"),
	BAD("1.2.3:80", "\"1.2.3\" is not an IPv4 address"),
	BAD("host:80", NULL),
	BAD("[::1]", "\"[::1]\" lacks \":PORT\" after \"]\""),
	BAD("[::1]80", NULL),
	BAD("[::1:80", "\"[::1:80\" has \"[\" without \"]\""),
	BAD("[1.2.3.4]:80", "\"1.2.3.4\" is not an IPv6 address"),
	BAD("[]:80", "empty address"),
	BAD("[::1]:", "empty port"),
	BAD("[::1]:80]", NULL),
	BAD("[::1]::80", NULL),
	BAD("[fe80::1%eth0]:80", NULL),
	BAD(" [::1]:80", NULL),
};

static const struct check_row addr_range_rows[] = {
	OK("10.0.0.1-10.0.0.1", "10.0.0.1-10.0.0.1 1"),
	OK("10.0.0.1-10.0.0.254", "10.0.0.1-10.0.0.254 254"),
	OK("10.0.0.255-10.0.1.0", "10.0.0.255-10.0.1.0 2"),
	OK("10.0.0.0-10.0.255.255", "10.0.0.0-10.0.255.255 65536"),
	OK("::1-::ffff", "::1-::ffff 65535"),
	OK("::-::ffff", "::-::ffff 65536"),
	OK("2001:db8::ffff-2001:db8::1:0", "2001:db8::ffff-2001:db8::1:0 2"),
	/* a borrow that runs through eight bytes */
	OK("::ffff:ffff:ffff-::1:0:0:0", "::ffff:255.255.255.255-::1:0:0:0 2"),
	BAD("10.0.0.0-10.1.0.0",
	    "address range \"10.0.0.0-10.1.0.0\" has more than 65536 addresses"),
	BAD("0.0.0.0-255.255.255.255", NULL),
	BAD("::-::1:0", NULL),
	BAD("2001:db8::-2001:db9::", NULL),
	BAD("::1:0:0:0:0-::2:0:0:0:0", NULL),
	BAD("10.0.0.2-10.0.0.1",
	    "address range \"10.0.0.2-10.0.0.1\" is reversed"),
	BAD("1::-::", NULL),
	BAD("10.0.0.1", "address range \"10.0.0.1\" is not FIRST-LAST"),
	BAD("", NULL),
	BAD("10.0.0.1-", "empty address"),
	BAD("-10.0.0.1", "empty address"),
	BAD("10.0.0.1-::1",
	    "address range \"10.0.0.1-::1\" mixes IPv4 and IPv6"),
	BAD("10.0.0.1 - 10.0.0.2", NULL),
	BAD("10.0.0.1-10.0.0.2-10.0.0.3", NULL),
	BAD("10.0.0.0/24", NULL),
};

/*
 * The reference: one step at a time, with the carry spelt out. Returns
 * false when the address wraps round to all zeros.
 */
static bool naive_inc(struct lb_addr *a)
{
	uint8_t *b = a->family == AF_INET ? (uint8_t *)&a->v4 : a->v6.s6_addr;
	int i = a->family == AF_INET ? 3 : 15;

	for (; i >= 0; i--)
		if (++b[i] != 0)
			return true;
	return false;
}

static bool same_addr(const struct lb_addr *a, const struct lb_addr *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == AF_INET)
		return a->v4.s_addr == b->v4.s_addr;
	return !memcmp(&a->v6, &b->v6, sizeof(a->v6));
}

/*
 * From a few awkward starting points, walk n steps with naive_inc() and ask
 * parse_addr_range() for the count of "start-end" and addr_range_nth() for
 * every address on the way.
 */
static void test_range_naive(void)
{
	static const char *const starts[] = {
		"10.0.0.0", "10.0.0.200", "10.0.255.250", "255.255.255.0",
		"::", "::fff0", "2001:db8::ffff:ff00", "::ffff:ffff:ffff:fffe",
	};
	static const uint32_t steps[] = { 0, 1, 55, 255, 256, 65535, 65536 };
	struct lb_addr_range r;
	struct lb_addr lo, hi, nth, walk;
	char s[2 * INET6_ADDRSTRLEN + 2], a[INET6_ADDRSTRLEN];
	size_t i, j;
	bool ok, wrapped;
	uint32_t k;

	check_begin("parse_addr_range/naive_walk");
	for (i = 0; i < ARRAY_SIZE(starts); i++) {
		for (j = 0; j < ARRAY_SIZE(steps); j++) {
			CHECK_INT(parse_addr(starts[i], &lo, NULL, 0), 0);
			hi = lo;
			wrapped = false;
			for (k = 0; k < steps[j]; k++)
				wrapped |= !naive_inc(&hi);
			format_addr(&hi, a, sizeof(a));
			snprintf(s, sizeof(s), "%s-%s", starts[i], a);
			/* past 255.255.255.255 comes 0.0.0.0: reversed */
			ok = steps[j] < LB_ADDR_RANGE_MAX && !wrapped;
			CHECK_MSG((parse_addr_range(s, &r, NULL, 0) == 0) ==
				  ok, "\"%s\": expected %s", s,
				  ok ? "valid" : "invalid");
			if (!ok)
				continue;
			CHECK_MSG(r.count == steps[j] + 1,
				  "\"%s\": count %u", s, r.count);
			walk = lo;
			for (k = 0; k < r.count; k++) {
				CHECK_MSG(!addr_range_nth(&r, k, &nth) &&
					  same_addr(&nth, &walk),
					  "\"%s\": address %u is wrong", s, k);
				naive_inc(&walk);
			}
			CHECK_INT(addr_range_nth(&r, r.count, &nth), -EINVAL);
		}
	}
	check_end();
}

/* The reference: dotted quad by hand, no leading zeros, as inet_pton. */
static bool naive_v4(const char *s, uint8_t b[4])
{
	int part, v, digits;

	for (part = 0; part < 4; part++) {
		if (part && *s++ != '.')
			return false;
		for (v = 0, digits = 0; *s >= '0' && *s <= '9'; s++) {
			if (digits++ && !v)
				return false;
			v = v * 10 + (*s - '0');
			if (v > 255)
				return false;
		}
		if (!digits)
			return false;
		b[part] = (uint8_t)v;
	}
	return !*s;
}

/* All 4-part words of some tricky parts, and 3- and 5-part ones. */
static void test_v4_naive(void)
{
	static const char *const parts[] = {
		"0", "1", "9", "10", "99", "100", "199", "255", "256", "300",
		"00", "01", "010", "", "a", "-1", " 1", "1 ", "0x1",
	};
	const size_t n = ARRAY_SIZE(parts);
	struct lb_addr a;
	uint8_t b[4];
	size_t i, w, x, len;
	unsigned int tried = 0;
	char s[64];
	bool ok;

	check_begin("parse_addr/naive_v4");
	for (len = 3; len <= 5; len++) {
		/* 5 parts from the first 6 only: 19^5 words are too many */
		size_t m = len == 5 ? 6 : n, total = 1;

		for (i = 0; i < len; i++)
			total *= m;
		for (w = 0; w < total; w++) {
			s[0] = '\0';
			for (i = 0, x = w; i < len; i++, x /= m)
				snprintf(s + strlen(s), sizeof(s) - strlen(s),
					 "%s%s", i ? "." : "", parts[x % m]);
			ok = naive_v4(s, b);
			CHECK_MSG((parse_addr(s, &a, NULL, 0) == 0) == ok,
				  "\"%s\": reference says %s", s,
				  ok ? "valid" : "invalid");
			CHECK_MSG(!ok || (a.family == AF_INET &&
					  !memcmp(&a.v4, b, 4)),
				  "\"%s\": parsed wrong", s);
			tried++;
		}
	}
	CHECK_INT(tried, n * n * n + n * n * n * n + 6 * 6 * 6 * 6 * 6);
	check_end();
}

static uint32_t lcg(uint32_t *state)
{
	*state = *state * 1103515245u + 12345u;
	return *state >> 8;
}

/*
 * format_addrport() against sprintf() for IPv4, and format then parse for
 * IPv6, over pseudo-random (but fixed) addresses and ports.
 */
static void test_format_round_trip(void)
{
	struct lb_addrport ap, back;
	char s[LB_ADDRPORT_STRLEN], ref[LB_ADDRPORT_STRLEN];
	uint32_t seed = 1, v;
	int i, k;

	check_begin("format_addrport/naive_v4");
	for (i = 0; i < 20000; i++) {
		v = lcg(&seed) ^ lcg(&seed) << 16;
		ap.addr.family = AF_INET;
		ap.addr.v4.s_addr = htonl(v);
		ap.port = (uint16_t)(lcg(&seed) % 65535 + 1);
		snprintf(ref, sizeof(ref), "%u.%u.%u.%u:%u", v >> 24,
			 v >> 16 & 255, v >> 8 & 255, v & 255, ap.port);
		CHECK_INT(format_addrport(&ap, s, sizeof(s)), 0);
		CHECK_STR(s, ref);
		CHECK_INT(parse_addrport(s, &back, NULL, 0), 0);
		CHECK(same_addr(&back.addr, &ap.addr) && back.port == ap.port);
	}
	check_end();

	check_begin("format_addrport/round_trip_v6");
	for (i = 0; i < 20000; i++) {
		ap.addr.family = AF_INET6;
		/* Many zero groups, so that "::" turns up in many places. */
		for (k = 0; k < 16; k += 2) {
			v = lcg(&seed);
			ap.addr.v6.s6_addr[k] = v & 1 ? (uint8_t)(v >> 8) : 0;
			ap.addr.v6.s6_addr[k + 1] =
				v & 2 ? (uint8_t)(v >> 16) : 0;
		}
		ap.port = (uint16_t)(lcg(&seed) % 65535 + 1);
		CHECK_INT(format_addrport(&ap, s, sizeof(s)), 0);
		CHECK_MSG(!parse_addrport(s, &back, NULL, 0) &&
			  same_addr(&back.addr, &ap.addr) &&
			  back.port == ap.port,
			  "\"%s\" does not parse back", s);
	}
	check_end();
}

static void test_format_limits(void)
{
	struct lb_addrport ap;
	char s[LB_ADDRPORT_STRLEN];

	check_begin("format_addrport/buffer_sizes");
	CHECK_INT(parse_addrport("[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535",
				 &ap, NULL, 0), 0);
	CHECK_INT(format_addrport(&ap, s, sizeof(s)), 0);
	CHECK_INT(format_addrport(&ap, s, strlen(s) + 1), 0);
	CHECK_INT(format_addrport(&ap, s, strlen(s)), -ENOSPC);
	CHECK_INT(format_addr(&ap.addr, s, 8), -ENOSPC);
	CHECK_INT(parse_addrport("1.2.3.4:80", &ap, NULL, 0), 0);
	CHECK_INT(format_addrport(&ap, s, sizeof("1.2.3.4:80")), 0);
	CHECK_INT(format_addrport(&ap, s, sizeof("1.2.3.4:80") - 1), -ENOSPC);
	check_end();

	check_begin("format_addr/bad_family");
	memset(&ap, 0, sizeof(ap));
	ap.addr.family = AF_UNIX;
	CHECK_INT(format_addr(&ap.addr, s, sizeof(s)), -EINVAL);
	CHECK_INT(format_addrport(&ap, s, sizeof(s)), -EINVAL);
	check_end();
}

int main(void)
{
	CHECK_ROWS("parse_addr", row_addr, addr_rows);
	CHECK_ROWS("parse_addrport", row_addrport, addrport_rows);
	CHECK_ROWS("parse_addr_range", row_addr_range, addr_range_rows);
	test_v4_naive();
	test_range_naive();
	test_format_round_trip();
	test_format_limits();
	return check_done();
}
