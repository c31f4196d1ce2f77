// SPDX-License-Identifier: GPL-2.0
/*
 * UDP (struct fnat_proto): every datagram to a service may open a
 * connection, which lives while datagrams flow either way and ends when
 * idle for its state's timeout.
 *
 * Each connection holds a local address and port (FullNAT) and a place in
 * the table, so a datagram must not buy them for long: a flood (spoofed,
 * or of queries a DNS server answers) would exhaust a LIP's ports toward
 * a server at ~215 new flows/s if each held them 300 s. As conntrack: a
 * connection is UNREPLIED (30 s by default) until it is a stream, that
 * is, answered and then seen again after STREAM_AFTER; only a stream has
 * the long timeout (NORMAL, 300 s as IPVS's). An UNREPLIED one counts as
 * half-open: early drop may take it (conn_evict.c). A query and its answer
 * stay in that state and go after 30 s.
 *
 * The checksum: IPv4 lets a sender leave it out (0), and a datagram sent
 * without one is forwarded without one; a computed checksum that comes
 * out as 0 is written as its other form, 0xffff (RFC 768). There is no
 * TOA for UDP: a FullNAT UDP server sees a local address (README).
 *
 * Datagrams larger than a link's MTU arrive as fragments, which
 * nf_defrag_ipv4 reassembles before our hook; the output path fragments
 * the rewritten datagram again, no larger than the largest fragment that
 * came in (IPCB()->frag_max_size), as when the stack forwards it.
 */
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <net/ip.h>
#include <net/udp.h>

#include "fullnat.h"

static inline struct udphdr *udp_at(const struct sk_buff *skb,
				    const struct fnat_pkt *p)
{
	return (struct udphdr *)(skb->data + p->l4off);
}

/*
 * The UDP header at @p->l4off, pulled into the linear area. Returns 0, or
 * -EINVAL when it is truncated or its length is shorter than a header or
 * longer than the packet, or it is IPv6 without a checksum (RFC 8200
 * forbids it; the receiver would drop it, and rewriting could not make
 * one up without summing the whole datagram).
 */
int fnat_udp_parse(struct sk_buff *skb, struct fnat_pkt *p)
{
	const struct udphdr *uh;
	unsigned int ulen;

	if (!pskb_may_pull(skb, p->l4off + sizeof(*uh)))
		return -EINVAL;
	uh = udp_at(skb, p);
	ulen = ntohs(uh->len);
	if (ulen < sizeof(*uh) || ulen > skb->len - p->l4off)
		return -EINVAL;
	if (p->af == AF_INET6 && !uh->check &&
	    skb->ip_summed != CHECKSUM_PARTIAL)
		return -EINVAL;
	p->sport = uh->source;
	p->dport = uh->dest;
	p->l4hlen = sizeof(*uh);
	return 0;
}

/* Any datagram opens a connection: may_create is left NULL. */

/* An answered connection seen again this long after its answer: a stream. */
#define STREAM_AFTER	(2 * HZ)

/* The first answer: a stream if more comes STREAM_AFTER from now. */
static void udp_replied(struct fnat_conn *cp)
{
	WRITE_ONCE(cp->udp_stream, (u32)jiffies + STREAM_AFTER);
	WRITE_ONCE(cp->flags, cp->flags | FNAT_CONN_F_REPLIED);
}

/*
 * A datagram of @cp going @dir is being forwarded: it moves the idle
 * deadline. The first one from the real server marks the connection as
 * answered; a datagram STREAM_AFTER later makes it a stream (both under
 * the lock: DEAD is set under it too). A stream takes no lock. A one-way
 * method (DR, TUN) or an imported connection never sees the answer: the
 * client's first datagram stands for it, so a flow that keeps sending
 * becomes a stream too.
 */
void fnat_udp_state(struct fnat_net *fn, struct fnat_conn *cp,
		    const struct sk_buff *skb, const struct fnat_pkt *p,
		    enum fnat_dir dir)
{
	u8 state = READ_ONCE(cp->state);

	/* An imported one's replies are forwarded, not tracked. */
	if (dir == FNAT_DIR_OUT && (READ_ONCE(cp->flags) & FNAT_CONN_F_IMPORTED))
		return;
	if (state != FULLNAT_UDP_S_NORMAL) {
		u16 flags = READ_ONCE(cp->flags);

		if (flags & FNAT_CONN_F_REPLIED ?
		    time_after32((u32)jiffies, READ_ONCE(cp->udp_stream)) :
		    dir == FNAT_DIR_OUT ||
		    fnat_conn_one_way(cp)) {
			spin_lock(&cp->lock);
			flags = cp->flags;
			if (!(flags & FNAT_CONN_F_DEAD)) {
				if (!(flags & FNAT_CONN_F_REPLIED))
					udp_replied(cp);
				else if (time_after32((u32)jiffies,
						      cp->udp_stream))
					WRITE_ONCE(cp->state,
						   FULLNAT_UDP_S_NORMAL);
			}
			state = cp->state;
			spin_unlock(&cp->lock);
		}
	}
	WRITE_ONCE(cp->expires, jiffies +
		   READ_ONCE(fn->cfg.udp_timeout[state]));
}

/*
 * The checksum is fixed only if the datagram has one (or is to have one
 * computed on the way out: CHECKSUM_PARTIAL, where the field holds the
 * pseudo-header's sum and 0 means nothing). IPv6 does not allow 0: such
 * a datagram never gets here (fnat_udp_parse()), and a sum that comes
 * out 0 is written as 0xffff, as for IPv4.
 */
void fnat_udp_rewrite(struct sk_buff *skb, const struct fnat_pkt *p,
		      const union nf_inet_addr *saddr, __be16 sport,
		      const union nf_inet_addr *daddr, __be16 dport)
{
	struct udphdr *uh = udp_at(skb, p);

	if (uh->check || skb->ip_summed == CHECKSUM_PARTIAL) {
		fnat_af_csum_addrs(&uh->check, skb, p, saddr, daddr);
		inet_proto_csum_replace2(&uh->check, skb, uh->source, sport,
					 false);
		inet_proto_csum_replace2(&uh->check, skb, uh->dest, dport,
					 false);
		if (!uh->check && skb->ip_summed != CHECKSUM_PARTIAL)
			uh->check = CSUM_MANGLED_0;
	}
	uh->source = sport;
	uh->dest = dport;
}

/* @q->l4hlen bytes of the quoted header are there: all 8 of them. */
void fnat_udp_rewrite_quote(struct sk_buff *skb, const struct fnat_pkt *q,
			    const union nf_inet_addr *saddr, __be16 sport,
			    const union nf_inet_addr *daddr, __be16 dport)
{
	struct udphdr *uh = udp_at(skb, q);

	if (uh->check) {
		fnat_af_csum_addrs(&uh->check, NULL, q, saddr, daddr);
		csum_replace2(&uh->check, uh->source, sport);
		csum_replace2(&uh->check, uh->dest, dport);
		if (!uh->check)
			uh->check = CSUM_MANGLED_0;
	}
	uh->source = sport;
	uh->dest = dport;
}

/*
 * Is the datagram quoted by an ICMP error, sent going @dir, one of @cp's?
 * UDP has no sequence number to check: a datagram toward the client
 * exists only once the real server has answered. The quote must hold a
 * UDP header (not a later fragment), and its length must be one a
 * datagram of the connection could have: at least a header and, unless
 * the quote is a first fragment, within the quoted IP packet.
 */
bool fnat_udp_quote_ok(struct fnat_conn *cp, enum fnat_dir dir,
		       const struct sk_buff *skb, const struct fnat_pkt *q)
{
	unsigned int ulen = ntohs(udp_at(skb, q)->len);
	u16 flags = READ_ONCE(cp->flags);

	if (q->fragoff || ulen < sizeof(struct udphdr))
		return false;
	if (!q->frag && q->af == AF_INET &&
	    ulen > ntohs(((const struct iphdr *)(skb->data + q->l3off))->tot_len) -
		   (q->l4off - q->l3off))
		return false;
	if (!q->frag && q->af == AF_INET6 &&
	    ulen > ntohs(((const struct ipv6hdr *)(skb->data +
						  q->l3off))->payload_len) +
		   sizeof(struct ipv6hdr) - (q->l4off - q->l3off))
		return false;
	return !(flags & FNAT_CONN_F_DEAD) &&
	       (dir == FNAT_DIR_IN || (flags & FNAT_CONN_F_REPLIED));
}

/* Default timeouts in seconds: a stream's as IPVS's, the rest conntrack's. */
static const unsigned int default_timeout[__FULLNAT_UDP_S_LAST] = {
	[FULLNAT_UDP_S_NORMAL]		= 300,
	[FULLNAT_UDP_S_UNREPLIED]	= 30,
};

const struct fnat_proto fnat_proto_udp = {
	.name		= "udp",
	.proto		= IPPROTO_UDP,
	.nr_states	= __FULLNAT_UDP_S_LAST,
	.init_state	= FULLNAT_UDP_S_UNREPLIED,
	.quote_len	= sizeof(struct udphdr),
	.timeout	= default_timeout,
	.parse		= fnat_udp_parse,
	.state		= fnat_udp_state,
	.rewrite	= fnat_udp_rewrite,
	.rewrite_quote	= fnat_udp_rewrite_quote,
	.quote_ok	= fnat_udp_quote_ok,
};
