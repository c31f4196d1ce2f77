// SPDX-License-Identifier: GPL-2.0
/*
 * fullnat/tcpopt.c, compiled as it is, judged by toa.ko's own parser
 * (toa/option.c) and by a naive reading of the rules, over a table of
 * cases and a million generated option lists:
 *   - a list it accepts holds no option toa.ko would read as TOA, and
 *     differs from the input only where kinds 253/254 became NOPs;
 *   - it refuses exactly the lists that break before their EOL;
 *   - our option, written where it says there is room or inserted at the
 *     end it reports, is the TOA toa.ko finds;
 *   - the checksum, updated by the differences it returns, still verifies
 *     (summed the RFC 1071 way, in network byte order).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <arpa/inet.h>

#include "check.h"
#include "net/checksum.h"
#include "option.h"
#include "tcpopt.h"
#include "uapi/linux/toa.h"

#define HDR 20

static const u8 ours4[TOA_LEN_V4] = { 254, 8, 0x9c, 0xbb, 198, 51, 100, 2 };
/* 2001:db8:100::2 port 40123, as fullnat.ko writes it for an IPv6 client */
static const u8 ours6[TOA_LEN_V6] = {
	254, 20, 0x9c, 0xbb, 0x20, 0x01, 0x0d, 0xb8, 0x01, 0x00, [19] = 2
};

/* The option under test, and its length: each case runs once for each. */
static const u8 *ours = ours4;
static unsigned int toalen = TOA_LEN_V4;

/* --- checksums, the naive way ---------------------------------------------- */

static u16 sum16(const u8 *p, unsigned int len)
{
	u32 s = 0;

	for (; len > 1; p += 2, len -= 2)
		s += p[0] << 8 | p[1];
	if (len)
		s += p[0] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s;
}

/* a header whose check field (bytes 16-17) makes it verify */
static void seal(u8 *h, unsigned int len)
{
	u16 c;

	h[16] = h[17] = 0;
	c = ~sum16(h, len);
	h[16] = c >> 8;
	h[17] = c & 0xff;
}

static bool verifies(const u8 *h, unsigned int len)
{
	return sum16(h, len) == 0xffff;
}

/* the kernel's update of the field, in memory order */
static void apply(u8 *h, __wsum diff)
{
	__sum16 c;

	memcpy(&c, h + 16, 2);
	csum_replace_by_diff(&c, diff);
	memcpy(h + 16, &c, 2);
}

/* --- the naive reference ----------------------------------------------------- */

struct want {
	int ret;
	u8 clean[40];
	unsigned int end, room;
};

static void naive(const u8 *o, unsigned int n, struct want *w)
{
	unsigned int i = 0, run = 0, runlen = 0;

	memcpy(w->clean, o, n);
	w->ret = 0;
	w->end = n;
	w->room = FNAT_TCPOPT_NO_ROOM;
	/* cut into options, NOP the TOA kinds */
	while (i < n && o[i] != 0) {
		unsigned int len = 1;

		if (o[i] != 1) {
			if (i + 1 >= n || o[i + 1] < 2 || i + o[i + 1] > n) {
				w->ret = -EINVAL;
				return;
			}
			len = o[i + 1];
			if (o[i] == 253 || o[i] == 254)
				memset(w->clean + i, 1, len);
		}
		i += len;
	}
	if (i < n)
		w->end = i;
	/* the first toalen NOPs in a row before the end, else an EOL with room */
	for (i = 0; i < w->end; ) {
		if (w->clean[i] == 1) {
			if (!runlen)
				run = i;
			if (++runlen == toalen) {
				w->room = run;
				return;
			}
			i++;
			continue;
		}
		runlen = 0;
		i += w->clean[i + 1];
	}
	if (w->end < n && n - w->end >= toalen)
		w->room = w->end;
}

/* toa.ko's reading of a list: must find ours, or nothing */
static bool finds_ours(const u8 *o, unsigned int n)
{
	struct toa_addr a;

	memset(&a, 0, sizeof(a));
	if (toa_parse_options(o, n, &a) != TOA_FOUND ||
	    memcmp(&a.port, ours + 2, 2))
		return false;
	if (toalen == TOA_LEN_V6)
		return !memcmp(a.addr.s6_addr, ours + 4, 16);
	return !memcmp(&a.addr.s6_addr[12], ours + 4, 4);
}

/* --- one case ---------------------------------------------------------------- */

/* Returns NULL when @o (@n bytes) is handled right, else what went wrong. */
static const char *one(const u8 *o, unsigned int n, unsigned int *seed)
{
	u8 h[HDR + 40 + TOA_LEN_V6], g[HDR + 40 + TOA_LEN_V6];
	struct fnat_tcpopt t;
	struct toa_addr a;
	struct want w;
	unsigned int i;
	int ret;

	for (i = 0; i < HDR; i++)
		h[i] = rand_r(seed);
	memcpy(h + HDR, o, n);
	seal(h, HDR + n);
	naive(o, n, &w);
	ret = toalen == TOA_LEN_V4 ? fnat_tcpopt_clean(h + HDR, n, &t) :
				     fnat_tcpopt_clean_len(h + HDR, n, toalen, &t);
	if (ret != w.ret)
		return ret ? "refused a list that does not break" :
			     "accepted a list that breaks";
	if (ret)
		return NULL;
	if (memcmp(h + HDR, w.clean, n))
		return "cleaned list differs from the reference";
	if (t.end != w.end || t.room != w.room)
		return "end or room differs from the reference";
	if (t.stripped != !!memcmp(o, w.clean, n))
		return "stripped flag wrong";
	if (toa_parse_options(h + HDR, n, &a) != TOA_NONE)
		return "toa.ko still finds a TOA kind after cleaning";
	apply(h, t.diff);
	if (!verifies(h, HDR + n))
		return "checksum does not verify after cleaning";

	if (t.room != FNAT_TCPOPT_NO_ROOM) {
		memcpy(g, h, HDR + n);
		apply(g, fnat_tcpopt_write(g + HDR, n, &t, ours));
		if (!verifies(g, HDR + n))
			return "checksum does not verify after writing in place";
		if (!finds_ours(g + HDR, n))
			return "toa.ko does not find ours written in place";
	}
	if (n + toalen <= 40) {
		/* as grow() does: ours at the end, the rest toalen bytes later */
		memcpy(g, h, HDR + t.end);
		memcpy(g + HDR + t.end, ours, toalen);
		memcpy(g + HDR + t.end + toalen, h + HDR + t.end, n - t.end);
		apply(g, fnat_tcpopt_insert_diff(&t, ours));
		if (!verifies(g, HDR + n + toalen))
			return "checksum does not verify after inserting";
		if (!finds_ours(g + HDR, n + toalen))
			return "toa.ko does not find ours inserted";
	}
	return NULL;
}

/* --- table ------------------------------------------------------------------ */

#define F 254, 8, 4, 210, 1, 2, 3, 4	/* a forged TOA: 1.2.3.4:1234 */

struct row {
	const char *name;
	u8 opt[40];
	unsigned int len;
};

static const struct row rows[] = {
	{ "empty", {0}, 0 },
	{ "timestamps", {1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2}, 12 },
	{ "forged", {F}, 8 },
	{ "forged then EOL", {F, 0, 0, 0, 0}, 12 },
	{ "NOP forged EOL (odd)", {1, F, 0, 0, 0}, 12 },
	{ "EOL at odd offset", {1, 0, 1, 1}, 4 },
	{ "MSS EOL", {2, 4, 5, 180, 0, 1, 1, 1}, 8 },
	{ "two forged", {F, F}, 16 },
	{ "253/20", {253, 20, 4, 210, [19] = 4}, 20 },
	{ "254/2", {254, 2, 1, 1}, 4 },
	{ "254 length 1", {254, 1, 1, 1}, 4 },
	{ "254 at the end", {1, 1, 1, 254}, 4 },
	{ "forged after EOL", {1, 0, F, 1, 1}, 12 },
	{ "forged in 40 bytes", {1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 1, 1, 1, 1, 1, 1, 1, 1,
	  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, F}, 40 },
	{ "40 bytes, no room", {8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 30, 30}, 40 },
	{ "broken before forged", {5, 1, F, 1, 1}, 12 },
	{ "20 NOPs", {1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
		      1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 20 },
	{ "MSS then EOL and 19 more", {2, 4, 5, 180, 0}, 24 },
	{ "forged before broken", {F, 3, 1, 1, 1}, 12 },
};

static void table(void)
{
	unsigned int seed = 7;
	const char *why;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		check_begin("tcpopt/%s/%u", rows[i].name, toalen);
		why = one(rows[i].opt, rows[i].len, &seed);
		CHECK_MSG(!why, "%s", why);
		check_end();
	}
}

/* --- generated ------------------------------------------------------------------ */

static u8 pick(unsigned int *seed)
{
	static const u8 kinds[] = { 0, 1, 1, 1, 2, 4, 8, 254, 254, 253, 200 };
	unsigned int x = rand_r(seed);

	return x % 3 ? kinds[x % ARRAY_SIZE(kinds)] : (u8)(x >> 8);
}

static void generated(void)
{
	static const u8 lens[] = { 0, 1, 2, 3, 4, 6, 7, 8, 8, 8, 10, 20, 20, 21, 40 };
	unsigned int seed = 1, i, failures = 0;

	check_begin("tcpopt/generated_1M/%u", toalen);
	for (i = 0; i < 1000000 && failures < 5; i++) {
		unsigned int n = rand_r(&seed) % 41, j;
		const char *why;
		u8 o[40];

		if (rand_r(&seed) % 2)
			n &= ~3U;	/* a real header's length */
		for (j = 0; j < n; j++)
			o[j] = pick(&seed);
		for (j = 0; j + 1 < n; j++)
			if (o[j] > 1 && rand_r(&seed) % 8)
				o[j + 1] = lens[rand_r(&seed) % ARRAY_SIZE(lens)];
		why = one(o, n, &seed);
		if (why) {
			failures++;
			CHECK_MSG(0, "case %u (length %u): %s", i, n, why);
		}
	}
	check_end();
}

int main(void)
{
	table();
	generated();
	ours = ours6;
	toalen = TOA_LEN_V6;
	table();
	generated();
	return check_done();
}
