// SPDX-License-Identifier: GPL-2.0
/*
 * pktfuzz6: pktfuzz's IPv6 counterpart, deterministic from a seed.
 *
 *   pktfuzz6 -i IFACE -m DSTMAC -d [DST]:PORT [-s SEED] [-n COUNT]
 *            [-f FIRST] [-t TUPLES] [-c SRCPREFIX] [-a ADDR]... [-x MASK]
 *            [-g] [-q] [-w PCAP]
 *
 * The options are pktfuzz's (its comment has them; -g asks for TCPv6
 * segmentation), and:
 *   -c PREFIX spoofed sources are PREFIX::100-PREFIX::1ff (default
 *             2001:db8:100::), and martians (::, ::1, multicast,
 *             link-local, IPv4-mapped, DST)
 *   -a ADDR   another destination (up to 8: LIPs, real servers, the
 *             director's own addresses), for some of the packets
 *
 * What is fuzzed: the IPv6 header (payload length short, long, zero;
 * version; next header); chains of extension headers before the transport
 * header (hop-by-hop anywhere, destination options with Pad1, PadN, jumbo,
 * router alert and unknown options, routing headers with and without
 * segments left, atomic fragments, AH, "no next header"); fragment trains
 * (out of order, overlapping, missing, tiny, trains whose reassembly
 * exceeds 64 KiB or puts the TCP header either side of the 64 KiB
 * transport offset); TCP cut short after the extension headers; TCP
 * options with TOA kinds 254/253 of any length; UDP lengths and checksums;
 * ICMPv6 errors (Packet Too Big with MTUs below 1280) quoting live tuples,
 * behind extension headers, cut short or forged. SYN-ACKs to our spoofed
 * SYNs are answered with an ACK with fuzzed options, completing handshakes.
 *
 * Prints "sent=N errors=E answered=A"; exits 0 unless the sockets cannot
 * be set up.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <linux/virtio_net.h>
#include <net/ethernet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz_common.h"

#define MAXTUPLES	4096
#define MAXPKT		(65536 + 2048)
#define MTU		1500

struct tuple {
	struct in6_addr saddr, daddr;
	uint16_t sport, dport;	/* network order */
};

static struct tuple tuples[MAXTUPLES];
static int ntuples;
static struct tuple done[256];	/* handshakes we completed (answer()) */
static int ndone;

static struct in6_addr dst_ip, src_net, others[8];
static uint16_t dst_port;
static int nothers;

static void spoofed_src(struct in6_addr *a)
{
	static const char *const martians[] = {
		"::", "::1", "ff02::1", "fe80::1", "::ffff:198.51.100.7",
		"2001:db8:100::", "ff05::2",
	};

	if (chance(85)) {
		*a = src_net;
		a->s6_addr[14] = 1;
		a->s6_addr[15] = rnd(256);
	} else if (chance(20)) {
		*a = dst_ip;
	} else {
		inet_pton(AF_INET6, martians[rnd(7)], a);
	}
}

static void dst_addr(struct in6_addr *a)
{
	*a = nothers && chance(15) ? others[rnd(nothers)] : dst_ip;
	if (chance(5))	/* a neighbour of it */
		a->s6_addr[15] ^= 1 + rnd(255);
}

static const struct tuple *pick_tuple(struct tuple *tmp)
{
	if (ndone && chance(30))
		return &done[rnd(ndone)];
	if (ntuples && chance(60))
		return &tuples[rnd(ntuples)];
	spoofed_src(&tmp->saddr);
	dst_addr(&tmp->daddr);
	tmp->sport = htons(chance(10) ? rnd(1024) : 1024 + rnd(64512));
	tmp->dport = chance(85) ? htons(dst_port) : htons(rnd(65536));
	return tmp;
}

/* --- extension headers ---------------------------------------------------- */

enum { HBH = 0, TCP = 6, UDP = 17, RTG = 43, FRAG = 44, AH = 51,
       ICMP6 = 58, NONE = 59, DSTOPT = 60 };

/* Options for a hop-by-hop or destination options header of @len bytes. */
static void tlv_options(uint8_t *o, size_t len)
{
	size_t n = 0;

	while (n < len) {
		size_t left = len - n, l;

		switch (rnd(7)) {
		case 0: o[n++] = 0; continue;			/* Pad1 */
		case 1: o[n] = 1; l = rnd(left); break;		/* PadN */
		case 2: o[n] = 0xc2; l = 4; break;		/* jumbo */
		case 3: o[n] = 5; l = 2; break;			/* router alert */
		default:	/* mostly "skip if unknown": on to the hook */
			o[n] = chance(70) ? rnd(64) : rnd(256);
			l = rnd(left);
			break;
		}
		if (left < 2) {
			o[n++] = 0;
			break;
		}
		if (l > left - 2)
			l = left - 2;
		o[n + 1] = chance(10) ? rnd(256) : l;	/* may lie */
		fill(o + n + 2, l);
		if (o[n] == 1 && chance(80))
			memset(o + n + 2, 0, l);
		n += 2 + l;
	}
}

/*
 * One extension header of type @t at @p, followed by @next: returns its
 * length. An options header's length field is @hlen if not negative (255:
 * 2 KiB, the largest).
 */
static size_t ext_header(uint8_t *p, uint8_t t, uint8_t next, int hlen)
{
	size_t len;

	p[0] = next;
	switch (t) {
	case FRAG:	/* atomic mostly: offset 0, no more fragments */
		p[1] = 0;
		p[2] = chance(90) ? 0 : rnd(256);
		p[3] = chance(90) ? 0 : rnd(256);
		fill(p + 4, 4);
		return 8;
	case AH:
		len = 8 * (2 + rnd(4));
		p[1] = len / 4 - 2;
		fill(p + 2, len - 2);
		return len;
	case RTG:
		p[1] = 2 * rnd(4);		/* 0..3 addresses */
		len = 8 + 8 * p[1];
		p[2] = chance(50) ? rnd(5) : rnd(256);	/* type 0, 2, 3, 4 */
		p[3] = chance(50) ? 0 : chance(80) ? 1 + rnd(3) : rnd(256);
		fill(p + 4, len - 4);
		return len;
	default:	/* HBH, DSTOPT */
		p[1] = hlen >= 0 ? (uint32_t)hlen : chance(80) ? rnd(3) : rnd(256);
		len = 8 * (p[1] + 1);
		tlv_options(p + 2, len - 2);
		return len;
	}
}

/*
 * A chain of extension headers ending in @proto, at most @room bytes:
 * returns its length and the first next-header value in *first.
 */
static size_t ext_chain(uint8_t *p, uint8_t proto, uint8_t *first, size_t room)
{
	static const uint8_t kinds[] = { HBH, DSTOPT, DSTOPT, RTG, FRAG, AH,
					 HBH, DSTOPT };
	int n = chance(40) ? 0 : 1 + rnd(chance(90) ? 3 : 12), k;
	size_t len = 0, last = 0;
	uint8_t t = chance(50) ? HBH : kinds[rnd(sizeof(kinds))];

	*first = proto;
	for (k = 0; k < n; k++) {
		uint8_t h[2048], next = kinds[rnd(sizeof(kinds))];
		size_t l = ext_header(h, t, next, -1);

		if (len + l > room)
			break;
		if (!k)
			*first = t;
		memcpy(p + len, h, l);
		last = len;
		len += l;
		t = next;
	}
	/* The last header that fit leads to @proto (or nowhere, or astray). */
	if (len)
		p[last] = chance(3) ? (chance(50) ? NONE : rnd(256)) : proto;
	return len;
}

/* The IPv6 header; payload length @plen. */
static void ip6_header(uint8_t *p, const struct in6_addr *s,
		       const struct in6_addr *d, uint8_t next, size_t plen)
{
	uint32_t vtf = htonl(6u << 28 | (chance(90) ? 0 : rnd64() & 0x0fffffff));

	memcpy(p, &vtf, 4);
	p[4] = plen >> 8;
	p[5] = plen;
	p[6] = next;
	p[7] = chance(10) ? rnd(3) : 64;	/* hop limit 0, 1 */
	memcpy(p + 8, s, 16);
	memcpy(p + 24, d, 16);
}

/* Break the IPv6 header afterwards: lengths, version, next header. */
static size_t mangle_ip6(uint8_t *p, size_t len)
{
	size_t plen = len - 40;

	switch (rnd(7)) {
	case 0: plen = rnd(plen + 1); break;		/* short */
	case 1: plen += 1 + rnd(2000); break;		/* long */
	case 2: plen = 0; break;			/* jumbo's */
	case 3: p[0] = (p[0] & 0x0f) | rnd(16) << 4; break;
	case 4: p[6] = rnd(256); break;
	case 5: len = rnd(len); break;			/* truncated frame */
	default: plen -= rnd(plen < 8 ? plen + 1 : 8); break;
	}
	if (len >= 6) {
		p[4] = plen >> 8;
		p[5] = plen;
	}
	return len;
}

/* --- transport ------------------------------------------------------------ */

/* TCP options, fuzzed (pktfuzz's, with IPv6's TOA sizes first). */
static size_t tcp_options(uint8_t *o, size_t room)
{
	size_t n = 0;
	int k, items = rnd(6);

	for (k = 0; k < items && n < room; k++) {
		size_t left = room - n, len;
		uint8_t kind;

		switch (rnd(9)) {
		case 0: kind = 254; len = 20; break;	/* IPv6 TOA, forged */
		case 1: kind = 253; len = 20; break;
		case 2: kind = 254; len = 8; break;	/* IPv4's size */
		case 3: kind = rnd(2) ? 253 : 254; len = rnd(42); break;
		case 4: o[n++] = chance(50) ? 0 : 1; continue;	/* EOL, NOP */
		case 5: kind = 2; len = 4; break;	/* MSS */
		case 6: kind = 8; len = 10; break;	/* timestamps */
		case 7: kind = 5; len = 2 + 8 * rnd(5); break;	/* SACK */
		default: kind = rnd(256); len = rnd(42); break;
		}
		o[n] = kind;
		if (left < 2) {
			n++;
			break;
		}
		o[n + 1] = chance(15) ? rnd(256) : len;
		if (len > left)
			len = left;
		if (len > 2)
			fill(o + n + 2, len - 2);
		if (kind >= 253 && len == 20 && chance(70)) {
			struct in6_addr a;

			spoofed_src(&a);
			memcpy(o + n + 4, &a, 16);
		}
		n += len < 2 ? 2 : len;
	}
	if (n > room)
		n = room;
	if (chance(80))
		while (n % 4 && n < room)
			o[n++] = chance(50) ? 1 : 0;
	return n;
}

/* A TCP segment at @l4: returns its length (maybe cut short). */
static size_t tcp_seg(uint8_t *l4, const struct tuple *t, uint8_t flags,
		      uint32_t seq, uint32_t ack, size_t paylen, int games)
{
	size_t olen = games ? tcp_options(l4 + 20, 40) : 0, hl = 20 + olen, j;
	int doff = (hl + 3) / 4;
	uint16_t c;

	while (hl % 4)
		l4[hl++] = 0;
	if (games && chance(10))
		doff = rnd(16);
	memcpy(l4, &t->sport, 2);
	memcpy(l4 + 2, &t->dport, 2);
	seq = htonl(seq);
	ack = htonl(ack);
	memcpy(l4 + 4, &seq, 4);
	memcpy(l4 + 8, &ack, 4);
	l4[12] = doff << 4 | (chance(5) ? rnd(16) : 0);
	l4[13] = flags;
	l4[14] = 0xfa;
	l4[15] = chance(90) ? 0xf0 : rnd(256);
	memset(l4 + 16, 0, 4);
	for (j = 0; j < paylen; j++)
		l4[hl + j] = 'a' + j % 26;
	c = l4_csum(&t->saddr, &t->daddr, 16, TCP, l4, hl + paylen);
	if (chance(5))
		c ^= htons(1 + rnd(65535));
	memcpy(l4 + 16, &c, 2);
	if (games && chance(8))		/* truncated after the extensions */
		return rnd(hl);
	return hl + paylen;
}

static size_t udp_dgram(uint8_t *l4, const struct tuple *t, size_t n)
{
	uint16_t ulen = htons(chance(70) ? n : rnd(n + 16)), c = 0;

	fill(l4 + 8, n - 8);
	memcpy(l4, &t->sport, 2);
	memcpy(l4 + 2, &t->dport, 2);
	memcpy(l4 + 4, &ulen, 2);
	memset(l4 + 6, 0, 2);
	if (chance(85))		/* zero is no checksum: IPv6 forbids it */
		c = l4_csum(&t->saddr, &t->daddr, 16, UDP, l4, n) ?: 0xffff;
	if (chance(5))
		c ^= htons(1 + rnd(65535));
	memcpy(l4 + 6, &c, 2);
	return n;
}

/*
 * An IPv6 packet at @p: extension headers (if @ext), then @l4 of @len
 * bytes of protocol @proto. Returns the packet's length.
 */
static size_t ip6_packet(uint8_t *p, const struct tuple *t, uint8_t proto,
			 const uint8_t *l4, size_t len, int ext)
{
	uint8_t first = proto;
	size_t room = 40 + len + 512 < MTU ? MTU - 40 - len : 512;
	size_t elen = ext ? ext_chain(p + 40, proto, &first, room) : 0;

	memcpy(p + 40 + elen, l4, len);
	ip6_header(p, &t->saddr, &t->daddr, first, elen + len);
	return 40 + elen + len;
}

/* --- output ----------------------------------------------------------------- */

static void send_pkt(const uint8_t *pkt, size_t len)
{
	uint8_t frame[14 + MAXPKT];

	if (len > MTU)
		len = MTU;
	memcpy(fuzz_eth(frame, ETH_P_IPV6), pkt, len);
	fuzz_send(frame, 14 + len);
}

/* --- packet kinds ------------------------------------------------------------ */

static void kind_tcp(void)
{
	uint8_t pkt[MAXPKT], l4[1600];
	struct tuple tmp;
	const struct tuple *t = pick_tuple(&tmp);
	uint8_t flags = t == &tmp && chance(40) ? 0x02 : random_flags();
	size_t len;

	if (t != &tmp)
		flags &= ~live_mask;
	len = tcp_seg(l4, t, flags, rnd64(), rnd64(),
		      chance(30) ? rnd(1000) : 0, chance(70));
	len = ip6_packet(pkt, t, TCP, l4, len, chance(60));
	if (chance(15))
		len = mangle_ip6(pkt, len);
	send_pkt(pkt, len);
}

/*
 * A packet cut into a train of fragments: @unfrag bytes after the IPv6
 * header stay in front of each fragment header (hop-by-hop, routing),
 * the rest is cut at multiples of 8 (tiny ones too), sent out of order,
 * overlapping, with one missing, or with a last one past 64 KiB.
 */
static void frag_train(const struct tuple *t, const uint8_t *unfr,
		       size_t unfrag, uint8_t unfrag_next, uint8_t next,
		       const uint8_t *body, size_t blen)
{
	uint8_t pkt[MAXPKT];
	size_t cuts[64], step = 8 * (1 + rnd(180)), most = blen > 8192 ? 60 : 6;
	int n = 0, i, skip = chance(10) ? (int)rnd(8) : -1;
	uint32_t id = rnd64();
	size_t off = chance(15) ? 8 * (1 + rnd(3)) : 0;	/* a tiny first one */
	size_t first_end;
	/* A long train mutated fragment by fragment would never reassemble. */
	int games = blen <= 8192 || chance(20);

	if (blen / step > most)
		step = ((blen / most) + 8) & ~7UL;
	cuts[n++] = 0;
	for (off = off ? off : step; off < blen; off += step)
		cuts[n++] = off;
	cuts[n] = blen;
	first_end = cuts[1];
	if (n > 1 && chance(40)) {	/* swap two */
		int a = rnd(n), b = rnd(n);
		size_t x = cuts[a];

		cuts[a] = cuts[b];
		cuts[b] = x;
	}
	for (i = 0; i < n; i++) {
		size_t s = cuts[i], e = s ? s + step : first_end, l, plen;
		uint16_t fo;

		if (i == skip)
			continue;
		if (e > blen)
			e = blen;
		if (games && chance(15) && s >= 8)	/* overlap the one before */
			s -= 8 * (1 + rnd(s / 8 < 4 ? s / 8 : 4));
		if (games && chance(2))		/* past 64 KiB */
			s = 65528 - 8 * rnd(4);
		l = e > s ? e - s : 8;
		if (l > MTU - 48 - unfrag)
			l = (MTU - 48 - unfrag) & ~7UL;
		memcpy(pkt + 40, unfr, unfrag);
		pkt[40 + unfrag] = next;
		pkt[41 + unfrag] = 0;
		fo = htons(s | (e < blen || (games && chance(5)) ? 1 : 0));
		memcpy(pkt + 42 + unfrag, &fo, 2);
		memcpy(pkt + 44 + unfrag, &id, 4);
		if (s < blen)
			memcpy(pkt + 48 + unfrag, body + s,
			       s + l <= blen ? l : blen - s);
		else
			fill(pkt + 48 + unfrag, l);
		if (games && chance(5))	/* overlapping data that differs */
			pkt[48 + unfrag + rnd(l ? l : 1)] ^= 0xff;
		plen = unfrag + 8 + l;
		ip6_header(pkt, &t->saddr, &t->daddr, unfrag ? unfrag_next : FRAG,
			   plen);
		send_pkt(pkt, 40 + plen);
	}
}

static void kind_frags(void)
{
	static uint8_t body[MAXPKT];
	uint8_t unfr[2048], l4[1600], first = FRAG, next, proto;
	struct tuple tmp;
	const struct tuple *t = pick_tuple(&tmp);
	size_t unfrag = 0, blen = 0, len;
	int big = chance(4);

	/* The unfragmentable part: hop-by-hop or routing. */
	if (chance(30)) {
		first = chance(50) ? HBH : RTG;
		unfrag = ext_header(unfr, first, FRAG, -1);
		if (unfrag > 256) {
			unfrag = 0;
			first = FRAG;
		}
	}
	proto = !big && chance(20) ? UDP : TCP;
	next = proto;
	if (big) {
		/*
		 * 2 KiB destination options, then one that puts the TCP
		 * header a little before or past 64 KiB (from the IPv6
		 * header: the transport offset the director refuses
		 * past 65535), or makes the whole exceed 64 KiB.
		 */
		int k, hlen;

		for (k = 0; k < 31; k++)
			blen += ext_header(body + blen, DSTOPT, DSTOPT, 255);
		hlen = 247 + rnd(9) - (int)(unfrag / 8);
		blen += ext_header(body + blen, DSTOPT, TCP, hlen);
		next = DSTOPT;
	} else if (chance(40)) {
		blen = ext_header(body, DSTOPT, proto, -1);
		next = DSTOPT;
	}
	if (proto == UDP)
		len = udp_dgram(l4, t, 8 + rnd(600));
	else
		len = tcp_seg(l4, t, random_flags() &
			      (t != &tmp ? ~live_mask : 0xff), rnd64(), rnd64(),
			      big ? 0 : rnd(1200), !big && chance(50));
	if (blen + len > sizeof(body))
		len = sizeof(body) - blen;
	memcpy(body + blen, l4, len);
	blen += len;
	frag_train(t, unfr, unfrag, first, next, body, blen);
}

/* ICMPv6 errors quoting a live tuple's reverse, truncated or forged. */
static void kind_icmp(void)
{
	static const uint8_t types[][2] = {
		{ 2, 0 }, { 2, 0 }, { 1, 4 }, { 1, 1 }, { 3, 0 }, { 4, 0 },
		{ 4, 1 }, { 128, 0 }, { 135, 0 },
	};
	uint8_t pkt[MAXPKT], inner[1600], l4[1600], seg[1600];
	struct tuple tmp, rev, outer;
	const struct tuple *t = pick_tuple(&tmp);
	size_t ilen, qlen, len;
	int tc = rnd(sizeof(types) / sizeof(types[0]));
	uint32_t mtu;
	uint16_t c;

	/* The quoted packet went from the peer to the "sender". */
	rev.saddr = t->daddr;
	rev.daddr = t->saddr;
	rev.sport = t->dport;
	rev.dport = t->sport;
	switch (rnd(5)) {
	case 0: case 1: case 2:
		len = tcp_seg(seg, &rev, random_flags(), rnd64(), rnd64(),
			      rnd(100), chance(30));
		ilen = ip6_packet(inner, &rev, TCP, seg, len, chance(50));
		break;
	case 3:
		len = udp_dgram(seg, &rev, 8 + rnd(64));
		ilen = ip6_packet(inner, &rev, UDP, seg, len, chance(50));
		break;
	default:	/* garbage that may look like IPv6 */
		ilen = rnd(120);
		fill(inner, ilen);
		if (ilen && chance(60))
			inner[0] = 0x60;
	}
	if (ilen > 1232 - 8)
		ilen = 1232 - 8;
	qlen = chance(30) ? rnd(ilen + 1) : ilen;
	if (chance(15))	/* the header and 8 bytes */
		qlen = ilen < 48 ? ilen : 48;
	l4[0] = chance(95) ? types[tc][0] : rnd(256);
	l4[1] = chance(95) ? types[tc][1] : rnd(256);
	mtu = l4[0] == 2 ? (chance(60) ? rnd(1281) : rnd64()) : rnd(4) ? 0 : rnd64();
	mtu = htonl(mtu);
	memcpy(l4 + 4, &mtu, 4);
	memcpy(l4 + 8, inner, qlen);
	outer.daddr = t->daddr;
	if (chance(70))
		spoofed_src(&outer.saddr);
	else
		outer.saddr = t->saddr;
	memset(l4 + 2, 0, 2);
	c = l4_csum(&outer.saddr, &outer.daddr, 16, ICMP6, l4, 8 + qlen);
	if (chance(5))
		c ^= 1;
	memcpy(l4 + 2, &c, 2);
	len = ip6_packet(pkt, &outer, ICMP6, l4, 8 + qlen,	/* see kind_other() */
			 (l4[0] < 133 || l4[0] > 137) && chance(25));
	if (chance(10))
		len = mangle_ip6(pkt, len);
	send_pkt(pkt, len);
}

/* UDP on tuples, other next headers, garbage after extension headers. */
static void kind_other(void)
{
	static const uint8_t protos[] = { UDP, UDP, UDP, 0, 255, 4, 41, 47,
					  132, TCP, ICMP6, NONE, FRAG, RTG };
	uint8_t pkt[MAXPKT], l4[512];
	uint8_t proto = protos[rnd(sizeof(protos))];
	struct tuple tmp;
	const struct tuple *t = pick_tuple(&tmp);
	size_t n = rnd(sizeof(l4)), len;

	if (proto == UDP && n >= 8 && chance(80))
		udp_dgram(l4, t, n);
	else
		fill(l4, n);
	if (n && ((proto == ICMP6 && l4[0] >= 133 && l4[0] <= 137) ||
		  (proto == FRAG && l4[0] == ICMP6)))
		l4[0] = NONE;	/* fragmented neighbour discovery: the stack warns */
	len = ip6_packet(pkt, t, proto, l4, n, chance(50));
	if (chance(30))
		len = mangle_ip6(pkt, len);
	send_pkt(pkt, len);
}

/* A GSO frame (-g): one big TCP segment, maybe behind extension headers. */
static void kind_gso(void)
{
	static uint8_t frame[sizeof(struct virtio_net_hdr) + 14 + MAXPKT],
		l4[MAXPKT];
	struct virtio_net_hdr *vh = (struct virtio_net_hdr *)frame;
	uint8_t *p = frame + sizeof(*vh) + 14;
	struct tuple tmp;
	const struct tuple *t = pick_tuple(&tmp);
	size_t pay = 1 + rnd(chance(30) ? 60000 : 8000), len, thoff, tl;
	uint16_t gso = chance(30) ? 1 + rnd(16) : 1 + rnd(2000), c;

	if (pay / gso > 4000)	/* at most a few thousand segments */
		pay = gso * 4000;
	tl = tcp_seg(l4, t, (chance(80) ? 0x18 : random_flags()) &
		     (t != &tmp ? ~live_mask : 0xff), rnd64(), rnd64(), pay,
		     chance(50));
	len = ip6_packet(p, t, TCP, l4, tl, chance(40));
	thoff = len - tl;
	memset(vh, 0, sizeof(*vh));
	vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh->gso_type = chance(90) ? VIRTIO_NET_HDR_GSO_TCPV6 : rnd(256);
	vh->hdr_len = chance(90) ? 14 + thoff + (l4[12] >> 4) * 4 : rnd(256);
	vh->gso_size = gso;
	vh->csum_start = chance(90) ? 14 + thoff : rnd(512);
	vh->csum_offset = chance(90) ? 16 : rnd(64);
	if (tl >= 18 && chance(90)) {	/* partial checksum: the pseudo-header's */
		c = ~fold(pseudo_sum(&t->saddr, &t->daddr, 16, TCP, tl)) & 0xffff;
		memcpy(p + thoff + 16, &c, 2);
	}
	if (vfd < 0)	/* pcap, or no -g */
		return send_pkt(p, len);
	fuzz_eth(p - 14, ETH_P_IPV6);
	fuzz_send_gso(frame, 14 + len);
}

/* Answer SYN-ACKs to our spoofed SYNs with a fuzzed ACK. */
static void answer(void)
{
	uint8_t buf[2048], pkt[MAXPKT], l4[1600];
	ssize_t r;

	while ((r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		uint8_t *ip = buf + 14, *th = ip + 40;
		uint32_t seq, ack;
		struct tuple t;
		size_t len;

		if (r < 14 + 40 + 20 || buf[12] != 0x86 || buf[13] != 0xdd ||
		    ip[6] != TCP || (th[13] & 0x12) != 0x12 ||
		    memcmp(ip + 8, &dst_ip, 16))
			continue;
		memcpy(&t.saddr, ip + 24, 16);
		memcpy(&t.daddr, ip + 8, 16);
		memcpy(&t.sport, th + 2, 2);
		memcpy(&t.dport, th, 2);
		memcpy(&seq, th + 4, 4);
		memcpy(&ack, th + 8, 4);
		len = tcp_seg(l4, &t, chance(80) ? 0x10 : 0x18, ntohl(ack),
			      ntohl(seq) + 1, chance(30) ? rnd(200) : 0,
			      chance(80));
		send_pkt(pkt, ip6_packet(pkt, &t, TCP, l4, len, chance(30)));
		answered++;
		done[ndone < 256 ? ndone++ : (int)rnd(ndone)] = t;
	}
}

static int add_tuple(const char *s, unsigned sp, const char *d, unsigned dp)
{
	struct tuple *t = &tuples[ntuples];

	if (inet_pton(AF_INET6, s, &t->saddr) == 1 &&
	    inet_pton(AF_INET6, d, &t->daddr) == 1) {
		t->sport = htons(sp);
		t->dport = htons(dp);
		ntuples++;
	}
	return ntuples == MAXTUPLES;
}

static void usage(void)
{
	fprintf(stderr, "usage: pktfuzz6 -i IFACE -m DSTMAC -d [DST]:PORT [-s SEED] "
			"[-n COUNT] [-f FIRST] [-t TUPLES] [-c SRCPREFIX] [-a ADDR]... "
			"[-x MASK] [-g] [-q] [-w PCAP]\n");
	exit(2);
}

static int parse_dst(const char *s)
{
	char a[80], *end;

	if (s[0] != '[' || strlen(s) >= sizeof(a))
		return -1;
	snprintf(a, sizeof(a), "%s", s + 1);
	end = strstr(a, "]:");
	if (!end)
		return -1;
	*end = 0;
	dst_port = atoi(end + 2);
	return inet_pton(AF_INET6, a, &dst_ip) == 1 ? 0 : -1;
}

int main(int argc, char **argv)
{
	static const struct fuzz_kind kinds[] = {
		{ kind_tcp, 9 }, { kind_frags, 3 }, { kind_icmp, 4 },
		{ kind_other, 2 }, { kind_gso, 2 }, { NULL, 0 },
	};
	struct fuzz_opts opts = { .seed = 1, .count = 10000 };
	int opt, have_dst = 0;

	inet_pton(AF_INET6, "2001:db8:100::", &src_net);
	while ((opt = getopt(argc, argv, FUZZ_OPTS "d:t:c:a:")) != -1) {
		switch (opt) {
		case 'd': if (parse_dst(optarg)) usage(); have_dst = 1; break;
		case 't': fuzz_tuples(optarg, add_tuple); break;
		case 'c':
			if (inet_pton(AF_INET6, optarg, &src_net) != 1)
				usage();
			break;
		case 'a':
			if (nothers == 8 ||
			    inet_pton(AF_INET6, optarg, &others[nothers++]) != 1)
				usage();
			break;
		default:
			if (fuzz_option(&opts, opt, optarg))
				usage();
		}
	}
	if ((!opts.ifname && !pcap) || !have_dst || optind != argc)
		usage();
	if (opts.ifname)
		fuzz_open(&opts, ETH_P_IPV6);
	fuzz_run(&opts, "pktfuzz6", kinds, answer);
	return 0;
}
