// SPDX-License-Identifier: GPL-2.0
/*
 * pktfuzz: send malformed and mutated IPv4/TCP/UDP/ICMP frames at a host on a
 * directly attached link, deterministically from a seed.
 *
 *   pktfuzz -i IFACE -m DSTMAC -d DST:PORT [-s SEED] [-n COUNT] [-f FIRST]
 *           [-t TUPLES] [-c SRCNET] [-x MASK] [-g] [-q] [-w PCAP]
 *
 * Frames go out of IFACE (AF_PACKET, whole Ethernet frames, so lengths
 * and checksums are ours to break) to DSTMAC. Packet i is a function of
 * (SEED, i) only: "-f I -n 1" sends packet I again on its own, to narrow a
 * finding down. Progress goes to stderr every 10000 packets.
 *
 *   DST:PORT  the service (a VIP on a director, a real server's port)
 *   -t FILE   live connections, one per line "SRC SPORT DST DPORT" (the
 *             direction in which packets are sent): about a third of the
 *             packets use one of them, with mutated flags, sequence
 *             numbers and options, so that the peer's connection-table
 *             paths are fuzzed and not only the no-match path
 *   -c NET    spoofed sources are NET.100-NET.199 (a /24, default
 *             198.51.100); besides those, martians (0/8, 127/8,
 *             multicast, broadcast, DST itself) are used
 *   -g        also send GSO frames (PACKET_VNET_HDR, a virtio_net_hdr
 *             asking for TCPv4 segmentation, gso_size 1..2000)
 *   -x MASK   clear these TCP flag bits in packets on live tuples (-t
 *             and completed handshakes): e.g. -x 4, no RST, to tell a
 *             connection killed by a blind RST from other damage
 *   -w FILE   write the frames to a pcap file instead of sending them
 *             (GSO frames without their virtio_net_hdr)
 *
 * SYN-ACKs that come back for our spoofed SYNs are answered with an ACK
 * carrying fuzzed options (TOA kinds 253/254 among them), which completes
 * handshakes: the peer then has connections of ours to get wrong.
 *
 * Prints "sent=N errors=E answered=A" at the end; exits 0 unless the
 * sockets cannot be set up.
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
#define MAXFRAME	(65536 + 128)

struct tuple {
	uint32_t saddr, daddr;	/* network order */
	uint16_t sport, dport;	/* network order */
};

static struct tuple tuples[MAXTUPLES];
static int ntuples;
/* Handshakes we completed: tuples for later packets too. */
static struct tuple done[256];
static int ndone;

static uint32_t dst_ip, src_net;
static uint16_t dst_port;
static struct fuzz_opts opts = { .seed = 1, .count = 10000 };

/* --- building blocks ------------------------------------------------------ */

struct ip4 {
	uint8_t vihl, tos;
	uint16_t tot_len, id, frag;
	uint8_t ttl, proto;
	uint16_t check;
	uint32_t saddr, daddr;
};

struct tcp {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t doff, flags;
	uint16_t win, check, urg;
};

static uint32_t spoofed_src(void)
{
	static const uint32_t martians[] = {
		0x00000000, 0x00000001, 0x7f000001, 0xe0000001, 0xefffffff,
		0xffffffff, 0xc0000201,
	};

	if (chance(85))
		return htonl(src_net | (100 + rnd(100)));
	if (chance(20))
		return dst_ip;
	return htonl(martians[rnd(sizeof(martians) / sizeof(martians[0]))]);
}

/* TCP options, fuzzed: returns their length (multiple of 4 unless odd). */
static size_t tcp_options(uint8_t *o, size_t room)
{
	size_t n = 0;
	int k, items = rnd(6);

	for (k = 0; k < items && n < room; k++) {
		size_t left = room - n, len;
		uint8_t kind;

		switch (rnd(10)) {
		case 0: kind = 254; len = 8; break;	/* IPv4 TOA */
		case 1: kind = 253; len = 20; break;	/* IPv6 TOA */
		case 2: kind = rnd(2) ? 253 : 254; len = rnd(42); break;
		case 3: o[n++] = 0; continue;		/* EOL, then more */
		case 4: o[n++] = 1; continue;		/* NOP */
		case 5: kind = 2; len = 4; break;	/* MSS */
		case 6: kind = 8; len = 10; break;	/* timestamps */
		case 7: kind = 4; len = 2; break;	/* SACK permitted */
		case 8: kind = 5; len = 2 + 8 * rnd(5); break;	/* SACK */
		default: kind = rnd(256); len = rnd(42); break;
		}
		o[n] = kind;
		if (left < 2) {
			n++;
			break;
		}
		/* The length byte may lie (0, 1, past the end). */
		o[n + 1] = chance(15) ? rnd(256) : len;
		if (len > left)
			len = left;
		if (len > 2) {
			uint32_t a = spoofed_src();
			size_t j;

			for (j = 2; j < len; j++)
				o[n + j] = rnd(256);
			if (kind == 254 && len == 8)
				memcpy(o + n + 4, &a, 4);
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

static size_t ip_header(uint8_t *p, uint32_t saddr, uint32_t daddr,
			uint8_t proto, size_t l4len)
{
	struct ip4 *ip = (struct ip4 *)p;
	size_t ihl = 20;

	if (chance(5)) {	/* IP options: garbage, RR, EOL */
		size_t extra = 4 * (1 + rnd(10)), j;

		for (j = 0; j < extra; j++)
			p[20 + j] = chance(30) ? rnd(4) : rnd(256);
		if (chance(50)) {
			p[20] = 7;	/* record route */
			p[21] = chance(50) ? extra : rnd(256);
			p[22] = 4 + 4 * rnd(3);
		}
		ihl += extra;
	}
	ip->vihl = 0x40 | ihl / 4;
	ip->tos = chance(90) ? 0 : rnd(256);
	ip->tot_len = htons(ihl + l4len);
	ip->id = rnd(65536);
	ip->frag = chance(70) ? htons(0x4000) : 0;
	ip->ttl = chance(10) ? rnd(3) : 64;	/* TTL 0 and 1 */
	ip->proto = proto;
	ip->saddr = saddr;
	ip->daddr = daddr;
	ip->check = 0;
	ip->check = fold(sum16(p, ihl, 0));
	return ihl;
}

static uint8_t *eth(uint8_t *frame)
{
	return fuzz_eth(frame, ETH_P_IP);
}

/* Break the IP header after the fact (lengths, IHL, version, checksum). */
static size_t mangle_ip(uint8_t *ipp, size_t len)
{
	struct ip4 *ip = (struct ip4 *)ipp;
	int recheck = 1;

	switch (rnd(8)) {
	case 0: ip->tot_len = htons(rnd(len + 1)); break;
	case 1: ip->tot_len = htons(len + 1 + rnd(2000)); break;
	case 2: ip->vihl = 0x40 | rnd(16); break;
	case 3: ip->vihl = rnd(256); break;
	case 4: ip->check ^= htons(1 + rnd(65535)); recheck = 0; break;
	case 5: len = rnd(len); break;			/* truncated frame */
	case 6: ip->frag = htons(rnd(65536)); break;	/* random fragment */
	default: ip->tot_len = htons(len - rnd(8)); break;
	}
	if (recheck && len >= 20) {
		size_t ihl = (ip->vihl & 15) * 4;

		ip->check = 0;
		if (ihl >= 20 && ihl <= len)
			ip->check = fold(sum16(ipp, ihl, 0));
	}
	return len;
}

/* A TCP segment into p (at an IP header): returns the IP packet length. */
static size_t tcp_packet(uint8_t *p, const struct tuple *t, uint8_t flags,
			 uint32_t seq, uint32_t ack, size_t paylen, int optgames)
{
	uint8_t opt[60], l4[MAXFRAME];
	struct tcp *th = (struct tcp *)l4;
	size_t olen = optgames ? tcp_options(opt, 40) : 0, hl, ihl, j;
	int doff;

	hl = 20 + olen;
	doff = (hl + 3) / 4;
	if (optgames && chance(10))
		doff = rnd(16);	/* 0..4 and past the segment */
	memset(l4, 0, 20);
	th->sport = t->sport;
	th->dport = t->dport;
	th->seq = htonl(seq);
	th->ack = htonl(ack);
	th->doff = doff << 4 | (chance(5) ? rnd(16) : 0);
	th->flags = flags;
	th->win = htons(chance(90) ? 64240 : rnd(65536));
	th->urg = chance(5) ? rnd(65536) : 0;
	memcpy(l4 + 20, opt, olen);
	while (hl % 4)
		l4[hl++] = 0;
	for (j = 0; j < paylen; j++)
		l4[hl + j] = 'a' + j % 26;
	th->check = 0;
	th->check = l4_csum(&t->saddr, &t->daddr, 4, 6, l4, hl + paylen);
	if (chance(5))
		th->check ^= htons(1 + rnd(65535));
	ihl = ip_header(p, t->saddr, t->daddr, 6, hl + paylen);
	memcpy(p + ihl, l4, hl + paylen);
	return ihl + hl + paylen;
}

static const struct tuple *pick_tuple(struct tuple *tmp)
{
	if (ndone && chance(30))
		return &done[rnd(ndone)];
	if (ntuples && chance(60))
		return &tuples[rnd(ntuples)];
	tmp->saddr = spoofed_src();
	tmp->sport = htons(chance(10) ? rnd(1024) : 1024 + rnd(64512));
	tmp->daddr = chance(90) ? dst_ip : htonl(ntohl(dst_ip) ^ (1 + rnd(255)));
	tmp->dport = chance(85) ? htons(dst_port) : htons(rnd(65536));
	return tmp;
}

/* --- packet kinds ------------------------------------------------------------ */

static void kind_tcp(void)
{
	uint8_t frame[MAXFRAME], *p = eth(frame);
	struct tuple tmp;
	const struct tuple *t = pick_tuple(&tmp);
	uint8_t flags = t == &tmp && chance(40) ? 0x02 : random_flags();
	size_t len;

	if (t != &tmp)
		flags &= ~live_mask;

	/* Many SYNs from spoofed clients: handshakes to complete. */
	len = tcp_packet(p, t, flags, rnd64(), rnd64(),
			 chance(30) ? rnd(1400) : 0, chance(70));
	if (chance(15))
		len = mangle_ip(p, len);
	fuzz_send(frame, 14 + len);
}

/* A TCP segment in 2-3 fragments, maybe overlapping, out of order or
 * with one missing. */
static void kind_frags(void)
{
	uint8_t pkt[MAXFRAME], frame[MAXFRAME];
	struct tuple tmp;
	const struct tuple *t = pick_tuple(&tmp);
	size_t len = tcp_packet(pkt, t, random_flags() &
				(t != &tmp ? ~live_mask : 0xff), rnd64(),
				rnd64(), 64 + rnd(1200), chance(50));
	size_t ihl = (pkt[0] & 15) * 4, body = len - ihl, cut[4];
	int nfrag = 2 + rnd(2), order[3] = { 0, 1, 2 }, i, skip = -1;
	uint16_t id = rnd(65536);

	cut[0] = 0;
	for (i = 1; i < nfrag; i++) {
		cut[i] = (i * body / nfrag) & ~7UL;
		if (cut[i] <= cut[i - 1])
			cut[i] = cut[i - 1] + 8;
		if (cut[i] >= body)
			break;
	}
	nfrag = i;
	cut[nfrag] = body;
	if (chance(40)) {	/* out of order */
		int a = rnd(nfrag), b = rnd(nfrag), x = order[a];

		order[a] = order[b];
		order[b] = x;
	}
	if (chance(15))
		skip = rnd(nfrag);
	for (i = 0; i < nfrag; i++) {
		int f = order[i];
		size_t off = cut[f], end = cut[f + 1], n;
		uint8_t *p = eth(frame);
		struct ip4 *ip = (struct ip4 *)p;

		if (f == skip)
			continue;
		if (chance(25) && off >= 8)	/* overlap the previous one */
			off -= 8 * (1 + rnd(off / 8 < 4 ? off / 8 : 4));
		n = end - off;
		memcpy(p, pkt, ihl);
		memcpy(p + ihl, pkt + ihl + off, n);
		if (chance(10))	/* overlapping data that differs */
			p[ihl + rnd(n ? n : 1)] ^= 0xff;
		ip->id = id;
		ip->frag = htons((f + 1 < nfrag ? 0x2000 : 0) | off / 8);
		ip->tot_len = htons(ihl + n);
		ip->check = 0;
		ip->check = fold(sum16(p, ihl, 0));
		fuzz_send(frame, 14 + ihl + n);
	}
}

/* ICMP errors quoting TCP of a live connection (as if the packet had gone
 * the other way), quoting ICMP, or quoting garbage; and plain ICMP. */
static void kind_icmp(void)
{
	static const uint8_t types[][2] = {
		{ 3, 4 }, { 3, 1 }, { 3, 3 }, { 11, 0 }, { 12, 0 }, { 5, 1 },
		{ 3, 13 }, { 4, 0 },
	};
	uint8_t frame[MAXFRAME], *p = eth(frame), l4[1600], inner[1600];
	struct tuple tmp, rev;
	const struct tuple *t = pick_tuple(&tmp);
	size_t ilen, qlen, ihl;
	int tc = rnd(sizeof(types) / sizeof(types[0]));

	/* The quoted packet went from the peer to the "sender". */
	rev.saddr = t->daddr;
	rev.daddr = t->saddr;
	rev.sport = t->dport;
	rev.dport = t->sport;
	switch (rnd(4)) {
	case 0: case 1:
		ilen = tcp_packet(inner, &rev, random_flags(), rnd64(), rnd64(),
				  rnd(100), chance(30));
		break;
	case 2: {	/* ICMP in ICMP */
		uint8_t in2[64];
		size_t h;

		in2[0] = chance(50) ? 8 : types[rnd(8)][0];
		in2[1] = 0;
		memset(in2 + 2, 0, 6);
		h = ip_header(inner, rev.saddr, rev.daddr, 1, 8);
		memcpy(inner + h, in2, 8);
		ilen = h + 8;
		break;
	}
	default:
		ilen = 20 + rnd(60);
		for (qlen = 0; qlen < ilen; qlen++)
			inner[qlen] = rnd(256);
		if (chance(50))
			inner[0] = 0x45;
	}
	qlen = chance(30) ? rnd(ilen + 1) : ilen < 576 ? ilen : 576;
	if (chance(20))
		qlen = ilen < 28 ? ilen : 28;	/* IP + 8 bytes, as routers do */
	memset(l4, 0, 8);
	l4[0] = chance(90) ? types[tc][0] : rnd(256);
	l4[1] = chance(90) ? types[tc][1] : rnd(256);
	if (l4[0] == 3 && l4[1] == 4) {	/* next-hop MTU */
		uint16_t mtu = htons(chance(50) ? 68 + rnd(1500) : rnd(65536));

		memcpy(l4 + 6, &mtu, 2);
	}
	if (l4[0] == 8 || l4[0] == 0)
		qlen = rnd(100);
	memcpy(l4 + 8, inner, qlen);
	l4[2] = l4[3] = 0;
	{
		uint16_t c = fold(sum16(l4, 8 + qlen, 0));

		if (chance(5))
			c ^= 1;
		memcpy(l4 + 2, &c, 2);
	}
	ihl = ip_header(p, chance(70) ? spoofed_src() : t->saddr, t->daddr, 1,
			8 + qlen);
	memcpy(p + ihl, l4, 8 + qlen);
	ilen = ihl + 8 + qlen;
	if (chance(10))
		ilen = mangle_ip(p, ilen);
	fuzz_send(frame, 14 + ilen);
}

/*
 * Other protocols and raw garbage after a valid-looking IP header; UDP
 * mostly on a tuple, its length field right or wrong, its checksum
 * right, wrong or absent.
 */
static void kind_other(void)
{
	uint8_t frame[MAXFRAME], *p = eth(frame), body[256];
	static const uint8_t protos[] = { 17, 0, 255, 4, 41, 47, 132, 6, 1 };
	size_t n = rnd(sizeof(body)), ihl, j;
	uint8_t proto = protos[rnd(sizeof(protos))];
	struct tuple tmp;
	const struct tuple *t = pick_tuple(&tmp);

	for (j = 0; j < n; j++)
		body[j] = rnd(256);
	if (proto == 17 && n >= 8 && chance(70)) {
		uint16_t ulen = htons(chance(60) ? n : rnd(n + 16)), c = 0;

		memcpy(body, &t->sport, 2);
		memcpy(body + 2, &t->dport, 2);
		memcpy(body + 4, &ulen, 2);
		memset(body + 6, 0, 2);
		if (chance(60))
			c = l4_csum(&t->saddr, &t->daddr, 4, 17, body, n) ?: 0xffff;
		if (chance(5))
			c ^= htons(1 + rnd(65535));
		memcpy(body + 6, &c, 2);
	}
	ihl = ip_header(p, t->saddr, t->daddr, proto, n);
	memcpy(p + ihl, body, n);
	n += ihl;
	if (chance(40))
		n = mangle_ip(p, n);
	fuzz_send(frame, 14 + n);
}

/* A GSO frame: one big TCP segment the stack is asked to cut. */
static void kind_gso(void)
{
	uint8_t frame[MAXFRAME], *p;
	struct virtio_net_hdr *vh = (struct virtio_net_hdr *)frame;
	struct tuple tmp;
	const struct tuple *t = pick_tuple(&tmp);
	size_t len, ihl, thl, pay = 1 + rnd(chance(30) ? 60000 : 8000);
	uint16_t gso = chance(30) ? 1 + rnd(16) : 1 + rnd(2000);

	if (vfd < 0) {
		kind_tcp();
		return;
	}
	p = frame + sizeof(*vh);
	p = eth(p);
	if (pay / gso > 4000)	/* at most a few thousand segments */
		pay = gso * 4000;
	len = tcp_packet(p, t, (chance(80) ? 0x18 : random_flags()) &
			 (t != &tmp ? ~live_mask : 0xff), rnd64(), rnd64(), pay,
			 chance(50));
	ihl = (p[0] & 15) * 4;
	thl = (p[ihl + 12] >> 4) * 4;
	memset(vh, 0, sizeof(*vh));
	vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh->gso_type = chance(90) ? VIRTIO_NET_HDR_GSO_TCPV4 : rnd(256);
	vh->hdr_len = chance(90) ? 14 + ihl + thl : rnd(256);
	vh->gso_size = gso;
	vh->csum_start = chance(90) ? 14 + ihl : rnd(512);
	vh->csum_offset = chance(90) ? 16 : rnd(64);
	if (chance(90)) {	/* partial checksum: the pseudo-header sum */
		uint16_t c = ~fold(pseudo_sum(&t->saddr, &t->daddr, 4, 6,
					      len - ihl)) & 0xffff;

		memcpy(p + ihl + 16, &c, 2);
	}
	fuzz_send_gso(frame, 14 + len);
}

/* -g's share: GSO frames, or TCP ones where there is no GSO socket. */
static void kind_big(void)
{
	if (opts.gso)
		kind_gso();
	else
		kind_tcp();
}

/* Answer SYN-ACKs to our spoofed SYNs with a fuzzed ACK. */
static void answer(void)
{
	uint8_t buf[2048], frame[MAXFRAME];
	ssize_t r;

	while ((r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		struct ip4 *ip = (struct ip4 *)(buf + 14);
		struct tcp *th;
		struct tuple t;
		size_t ihl, len;

		if (r < 14 + 40 || buf[12] != 8 || buf[13] != 0 ||
		    ip->proto != 6 || (ip->vihl & 15) < 5)
			continue;
		ihl = (ip->vihl & 15) * 4;
		if (14 + ihl + 20 > (size_t)r)
			continue;
		th = (struct tcp *)(buf + 14 + ihl);
		if ((th->flags & 0x12) != 0x12 || ip->saddr != dst_ip)
			continue;
		t.saddr = ip->daddr;
		t.daddr = ip->saddr;
		t.sport = th->dport;
		t.dport = th->sport;
		len = tcp_packet(eth(frame), &t, chance(80) ? 0x10 : 0x18,
				 ntohl(th->ack), ntohl(th->seq) + 1,
				 chance(30) ? rnd(200) : 0, chance(80));
		fuzz_send(frame, 14 + len);
		answered++;
		if (ndone < (int)(sizeof(done) / sizeof(done[0])))
			done[ndone++] = t;
		else
			done[rnd(ndone)] = t;
	}
}

static int add_tuple(const char *s, unsigned sp, const char *d, unsigned dp)
{
	struct tuple *t = &tuples[ntuples];

	if (inet_pton(AF_INET, s, &t->saddr) == 1 &&
	    inet_pton(AF_INET, d, &t->daddr) == 1) {
		t->sport = htons(sp);
		t->dport = htons(dp);
		ntuples++;
	}
	return ntuples == MAXTUPLES;
}

static void usage(void)
{
	fprintf(stderr, "usage: pktfuzz -i IFACE -m DSTMAC -d DST:PORT [-s SEED] "
			"[-n COUNT] [-f FIRST] [-t TUPLES] [-c SRCNET] [-x MASK] [-g] [-q] [-w PCAP]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct fuzz_kind kinds[] = {
		{ kind_tcp, 8 }, { kind_frags, 3 }, { kind_icmp, 4 },
		{ kind_other, 2 }, { kind_big, 3 }, { NULL, 0 },
	};
	const char *dst = NULL;
	struct in_addr net = { htonl(0xc6336400) };	/* 198.51.100.0 */
	int opt;

	while ((opt = getopt(argc, argv, FUZZ_OPTS "d:t:c:")) != -1) {
		switch (opt) {
		case 'd': dst = optarg; break;
		case 't': fuzz_tuples(optarg, add_tuple); break;
		case 'c': {
			char b[32];

			snprintf(b, sizeof(b), "%s.0", optarg);
			if (inet_pton(AF_INET, b, &net) != 1)
				usage();
			break;
		}
		default:
			if (fuzz_option(&opts, opt, optarg))
				usage();
		}
	}
	if ((!opts.ifname && !pcap) || !dst || optind != argc)
		usage();
	{
		char a[64], *colon;

		snprintf(a, sizeof(a), "%s", dst);
		colon = strchr(a, ':');
		if (!colon)
			usage();
		*colon = 0;
		dst_port = atoi(colon + 1);
		if (inet_pton(AF_INET, a, &dst_ip) != 1)
			usage();
	}
	src_net = ntohl(net.s_addr) & 0xffffff00;
	if (opts.ifname)
		fuzz_open(&opts, ETH_P_IP);
	fuzz_run(&opts, "pktfuzz", kinds, answer);
	return 0;
}
