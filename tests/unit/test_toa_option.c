// SPDX-License-Identifier: GPL-2.0
/*
 * toa/option.c, compiled as it is, against a table of cases and against a
 * deliberately naive reading of its rules over a million generated option
 * areas: first cut the area into (kind, length) records, then judge.
 */
#include <stdio.h>
#include <stdlib.h>
#include <arpa/inet.h>

#include "check.h"
#include "option.h"
#include "uapi/linux/toa.h"

/* --- the naive reference -------------------------------------------------- */

struct rec {
	int kind, len, off;	/* len -1: the list broke here */
};

static enum toa_result naive(const u8 *o, int n, struct toa_addr *c)
{
	struct rec r[64];
	int nr = 0, i = 0, toas = 0, broken = 0, first = -1;

	/* Cut into records. */
	while (i < n) {
		if (o[i] == 0)
			break;
		if (o[i] == 1) {
			i++;
			continue;
		}
		r[nr].kind = o[i];
		r[nr].off = i;
		if (i + 1 >= n || o[i + 1] < 2 || i + o[i + 1] > n) {
			r[nr++].len = -1;
			break;
		}
		r[nr++].len = o[i + 1];
		i += o[i + 1];
	}
	/* Judge. */
	for (i = 0; i < nr; i++) {
		if (r[i].len < 0)
			broken = 1;
		if (r[i].kind == 254 || r[i].kind == 253) {
			toas++;
			if (first < 0)
				first = i;
		}
	}
	if (!toas)
		return TOA_NONE;
	if (broken || toas > 1)
		return TOA_MALFORMED;
	{
		const struct rec *t = &r[first];
		const u8 *p = o + t->off;

		if (t->kind == 254 && t->len == 8) {
			memset(&c->addr, 0, sizeof(c->addr));
			c->addr.s6_addr[10] = c->addr.s6_addr[11] = 0xff;
			memcpy(&c->addr.s6_addr[12], p + 4, 4);
			memcpy(&c->port, p + 2, 2);
			return TOA_FOUND;
		}
		if (t->len == 20) {
			memcpy(&c->addr, p + 4, 16);
			memcpy(&c->port, p + 2, 2);
			return TOA_FOUND;
		}
		return TOA_MALFORMED;
	}
}

/* --- table ------------------------------------------------------------------ */

struct row {
	const char *name;
	u8 opt[40];
	unsigned int len;
	enum toa_result want;
	const char *addr;	/* FOUND: the client address */
	unsigned int port;
};

static const struct row rows[] = {
	{ "empty", {0}, 0, TOA_NONE, NULL, 0 },
	{ "timestamps only", {1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2}, 12, TOA_NONE, NULL, 0 },
	{ "v4", {254, 8, 0x9c, 0xbb, 198, 51, 100, 2}, 8, TOA_FOUND, "::ffff:198.51.100.2", 40123 },
	{ "v4 after timestamps", {1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 254, 8, 0, 80, 10, 0, 0, 1},
	  20, TOA_FOUND, "::ffff:10.0.0.1", 80 },
	{ "v6 dpvs", {254, 20, 0, 53, 0x20, 0x01, 0x0d, 0xb8, [19] = 7}, 20, TOA_FOUND, "2001:db8::7", 53 },
	{ "v6 alibaba", {253, 20, 0, 53, 0x20, 0x01, 0x0d, 0xb8, [19] = 7}, 20, TOA_FOUND, "2001:db8::7", 53 },
	{ "kind 253 length 8", {253, 8, 0, 80, 10, 0, 0, 1}, 8, TOA_MALFORMED, NULL, 0 },
	{ "length 7", {254, 7, 0, 80, 10, 0, 0}, 7, TOA_MALFORMED, NULL, 0 },
	{ "truncated", {254, 8, 0, 80, 10, 0}, 6, TOA_MALFORMED, NULL, 0 },
	{ "kind only", {254}, 1, TOA_MALFORMED, NULL, 0 },
	{ "length 0", {254, 0, 0, 80}, 4, TOA_MALFORMED, NULL, 0 },
	{ "twice", {254, 8, 0, 80, 10, 0, 0, 1, 254, 8, 0, 80, 10, 0, 0, 2}, 16, TOA_MALFORMED, NULL, 0 },
	{ "broken list after", {254, 8, 0, 80, 10, 0, 0, 1, 8, 1}, 10, TOA_MALFORMED, NULL, 0 },
	{ "after EOL", {0, 254, 8, 0, 80, 10, 0, 0, 1}, 9, TOA_NONE, NULL, 0 },
	{ "kind 200 (old)", {200, 8, 0, 80, 10, 0, 0, 1}, 8, TOA_NONE, NULL, 0 },
	{ "at the very end of 40 bytes", {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 254, 8, 0, 1, 10, 0, 0, 9}, 40, TOA_FOUND, "::ffff:10.0.0.9", 1 },
};

static void table(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		const struct row *r = &rows[i];
		struct toa_addr c, n;
		enum toa_result got;
		char buf[INET6_ADDRSTRLEN];

		check_begin("toa_parse_options/%s", r->name);
		memset(&c, 0, sizeof(c));
		got = toa_parse_options(r->opt, r->len, &c);
		CHECK_INT(got, r->want);
		if (got == TOA_FOUND && r->addr) {
			inet_ntop(AF_INET6, &c.addr, buf, sizeof(buf));
			CHECK_STR(buf, r->addr);
			CHECK_INT(ntohs(c.port), r->port);
		}
		CHECK_INT(naive(r->opt, r->len, &n), r->want);
		check_end();
	}
}

/* --- generated ------------------------------------------------------------------ */

static u8 pick(unsigned int *seed)
{
	static const u8 kinds[] = { 0, 1, 1, 2, 4, 8, 254, 254, 253, 200 };
	unsigned int x = rand_r(seed);

	return x % 3 ? kinds[x % ARRAY_SIZE(kinds)] : (u8)(x >> 8);
}

static void generated(void)
{
	static const u8 lens[] = { 0, 1, 2, 4, 6, 7, 8, 8, 10, 20, 20, 21, 40 };
	unsigned int seed = 1, i, mismatches = 0;

	check_begin("toa_parse_options/naive_reference_1M");
	for (i = 0; i < 1000000 && mismatches < 5; i++) {
		u8 o[40];
		unsigned int n = rand_r(&seed) % 41, j;
		struct toa_addr a, b;
		enum toa_result x, y;

		for (j = 0; j < n; j++)
			o[j] = pick(&seed);
		/* Give the length bytes plausible values most of the time. */
		for (j = 0; j + 1 < n; j++)
			if ((o[j] == 254 || o[j] == 253 || o[j] == 8) && rand_r(&seed) % 4)
				o[j + 1] = lens[rand_r(&seed) % ARRAY_SIZE(lens)];
		memset(&a, 0, sizeof(a));
		memset(&b, 0, sizeof(b));
		x = toa_parse_options(o, n, &a);
		y = naive(o, n, &b);
		if (x != y || (x == TOA_FOUND && memcmp(&a, &b, sizeof(a)))) {
			mismatches++;
			CHECK_MSG(0, "case %u (length %u): option.c says %d, the reference %d",
				  i, n, x, y);
		}
	}
	check_end();
}

int main(void)
{
	table();
	generated();
	return check_done();
}
