// SPDX-License-Identifier: GPL-2.0
/*
 * FullNAT64: an IPv6 service whose real servers are IPv4, as DPVS's NAT64.
 * The client's CIP6:cport -> VIP6:vport leaves as LIP4:lport -> RIP4:rport
 * and the reply RIP4 -> LIP4 as VIP6 -> CIP6. A connection's two sides
 * have their own family (struct fnat_conn: @af the client's, @daf the real
 * server's) and the real server's side is keyed, hashed and bound (an IPv4
 * LIP, laddr.c) in its own. The server sees an IPv4 LIP and, through
 * toa.ko, the IPv6 client: the TOA option is the client's, 20 bytes.
 *
 * The packet keeps its transport header where it is; the network header in
 * front of it is replaced by one of the other family, as a stateless
 * translator writes it (RFC 7915): IPv6 -> IPv4 takes the traffic class as
 * TOS and the hop limit as TTL (decremented once, as forwarding does),
 * drops extension headers (routing headers with segments left never get
 * here, inet6.c; fragments were reassembled), and sets DF unless the
 * packet is 1260 bytes or less or came in fragments, so that an IPv4 link
 * narrower than 1280 bytes still carries what an IPv6 client may send; IPv4
 * -> IPv6 takes the TOS as traffic class (flow label 0), the TTL as hop
 * limit, and drops IPv4 options. A server's datagram without DF, or one
 * that came in fragments, leaves in IPv6 fragments of 1280 bytes at most
 * when bigger (RFC 7915 4): IPv6 routers never fragment, and only the
 * next hop's MTU is known here, so only IPv6's minimum link MTU is sure
 * to reach the client (a 1280-byte link on its side).
 *
 * The transport checksum: the pseudo-headers of both families sum the same
 * length and protocol, so only the addresses change, which the protocol's
 * rewrite already adjusts. Summed as 16 bytes each (IPv6's way), an IPv4
 * address is itself: its nf_inet_addr has three zero words (inet4.c), so
 * one adjustment moves the sum from either family's addresses to the
 * other's. A UDP datagram from the server without a checksum (IPv4 allows
 * it, IPv6 does not) is dropped, counted: summing it whole is not worth
 * it for what no current stack sends.
 *
 * MSS: a segment of the same payload is 20 bytes smaller in IPv4, so the
 * headers' change never makes a client's segment too big for the server's
 * side: a full-size IPv6 segment (MSS = MTU - 60) becomes one 20 bytes
 * short of the IPv4 path's MTU, which is the room the client's 20-byte TOA
 * takes; the SYN-ACK's MSS is lowered by 20 for it as in FullNAT66
 * (proto_tcp.c), so a client with a larger MTU than the servers' still
 * leaves room for it. The servers' segments grow by 20 toward the client:
 * the client announced its MSS for IPv6, so they fit its side.
 *
 * Path MTU: a packet too big for the next hop after translation is
 * answered in its sender's family, with the MTU its own packets may have
 * (the other family's header counted, and the client's TOA): Packet Too
 * Big to the client, "fragmentation needed" to the real server.
 * ICMP errors about the connection's packets: "fragmentation needed" from
 * the server's side becomes Packet Too Big to the client (RFC 7915: the
 * MTU plus 20, less the TOA, at least 1280), Packet Too Big from the
 * client's side becomes "fragmentation needed" to the real server (the
 * MTU less 20, believed as FullNAT believes it, xmit_fullnat.c, but an MTU
 * below IPv6's 1280 taken as 1280). An error from a source no router has
 * (xlat_bogus_source()) is dropped. Both are
 * new packets of the director's, from the VIP and the LIP (the router that
 * sent the error has no address of the other family), quoting what that
 * end sent, and rate limited: one a tenth of a second to each end of a
 * connection, then 50 a tenth of a second in the netns. Every other error
 * about such a connection is dropped and counted (xlat_dropped): nothing
 * of one family leaks to the other side.
 */
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <net/ip.h>
#include <net/ip6_checksum.h>
#include <net/ipv6.h>
#include <uapi/linux/toa.h>

#include "fullnat.h"

/* RFC 7915 5.1: an IPv4 packet this small may be fragmented on its way. */
#define XLAT_DF_ABOVE	1260

/*
 * The errors a netns's director makes anew (send_error()): at most
 * XLAT_ERRORS_BURST in a tenth of a second, 500 a second, as the stack
 * limits its own (icmp_msgs_per_sec, 1000). One error in makes one out,
 * to the connection's other end: without a limit anyone who can reach a
 * LIP with a connection's tuple has the VIP send what it likes to that
 * client at its rate. The namespace's budget is checked after the
 * connection's (xlat_conn_error()), or one connection's errors would use
 * it up for all the others.
 */
#define XLAT_ERRORS_BURST	50

void fnat_xlat_net_init(struct fnat_net *fn)
{
	ratelimit_state_init(&fn->xlat_errors, HZ / 10, XLAT_ERRORS_BURST);
	/* Refusals are counted (icmp_dropped), never logged. */
	ratelimit_set_flags(&fn->xlat_errors, RATELIMIT_MSG_ON_RELEASE);
}

/*
 * May the director make an error for @cp's end @dir now? One a tenth of
 * a second each (its path MTU needs no more: the next packet too big
 * gets another). The tenth is kept modulo 256 in the connection's spare
 * bytes (struct fnat_conn_hnode): the rare error that falls in the same
 * tenth 25.6 s later is dropped, as its repetition would be. Racing
 * CPUs may both pass: two errors, not a flood.
 */
static bool xlat_conn_error(struct fnat_conn *cp, enum fnat_dir dir)
{
	u8 *last = &cp->h[FNAT_DIR_OUT].xlat_err[dir];
	u8 now = jiffies / (HZ / 10);

	if (READ_ONCE(*last) == now)
		return false;
	WRITE_ONCE(*last, now);
	return true;
}

static unsigned int nh_len(u16 af)
{
	return af == AF_INET6 ? sizeof(struct ipv6hdr) : sizeof(struct iphdr);
}

/* The GSO type of a packet whose network header became @naf's. */
static void xlat_gso(struct sk_buff *skb, u16 naf)
{
	struct skb_shared_info *si = skb_shinfo(skb);

	if (naf == AF_INET6 && (si->gso_type & SKB_GSO_TCPV4)) {
		si->gso_type &= ~(SKB_GSO_TCPV4 | SKB_GSO_TCP_FIXEDID);
		si->gso_type |= SKB_GSO_TCPV6;
	} else if (naf == AF_INET && (si->gso_type & SKB_GSO_TCPV6)) {
		si->gso_type &= ~SKB_GSO_TCPV6;
		si->gso_type |= SKB_GSO_TCPV4;
	}
	si->gso_type |= SKB_GSO_DODGY;
	si->gso_segs = 0;
}

/*
 * Replace the network header of @skb (@p's, at skb->data, headroom for
 * the new one made) with one of the other family from @saddr to @daddr;
 * the transport header stays where it is. @df: IPv4's DF bit.
 */
static void xlat_header(struct fnat_net *fn, struct sk_buff *skb,
			const struct fnat_pkt *p,
			const union nf_inet_addr *saddr,
			const union nf_inet_addr *daddr, bool df)
{
	u16 naf = p->af == AF_INET ? AF_INET6 : AF_INET;
	unsigned int nhl = nh_len(naf), len = skb->len - p->l4off;
	u8 tclass, ttl;

	if (p->af == AF_INET) {
		const struct iphdr *iph = (const struct iphdr *)skb->data;

		tclass = iph->tos;
		ttl = iph->ttl;
	} else {
		const struct ipv6hdr *ip6h = (const struct ipv6hdr *)skb->data;

		tclass = ip6_tclass(ip6_flowinfo(ip6h));
		ttl = ip6h->hop_limit;
	}
	if (nhl > p->l4off)
		__skb_push(skb, nhl - p->l4off);
	else
		__skb_pull(skb, p->l4off - nhl);
	skb_reset_network_header(skb);
	skb_set_transport_header(skb, nhl);
	/* What the device summed covered the old header. */
	if (skb->ip_summed == CHECKSUM_COMPLETE)
		skb->ip_summed = CHECKSUM_NONE;

	if (naf == AF_INET6) {
		struct ipv6hdr *ip6h = ipv6_hdr(skb);

		ip6_flow_hdr(ip6h, tclass, 0);
		ip6h->payload_len = htons(len);
		ip6h->nexthdr = p->proto;
		ip6h->hop_limit = ttl;
		ip6h->saddr = saddr->in6;
		ip6h->daddr = daddr->in6;
		skb->protocol = htons(ETH_P_IPV6);
		memset(IP6CB(skb), 0, sizeof(*IP6CB(skb)));
	} else {
		struct iphdr *iph = ip_hdr(skb);

		iph->version = 4;
		iph->ihl = nhl / 4;
		iph->tos = tclass;
		iph->tot_len = htons(nhl + len);
		iph->frag_off = df ? htons(IP_DF) : 0;
		iph->ttl = ttl;
		iph->protocol = p->proto;
		iph->saddr = saddr->ip;
		iph->daddr = daddr->ip;
		__ip_select_ident(fn->net, iph, skb_is_gso(skb) ?
				  max_t(u16, skb_shinfo(skb)->gso_segs, 1) : 1);
		ip_send_check(iph);
		skb->protocol = htons(ETH_P_IP);
		memset(IPCB(skb), 0, sizeof(*IPCB(skb)));
	}
	if (skb_is_gso(skb))
		xlat_gso(skb, naf);
}

/*
 * Tell the sender of @skb (still as it came) that it is too big, or that
 * its hop limit ran out (@mtu 0): on a route back to it, of its family.
 */
static void tell_sender(struct fnat_net *fn, struct sk_buff *skb,
			const struct fnat_pkt *p, unsigned int mtu,
			unsigned int tell_mtu)
{
	struct dst_entry *back;
	bool noref;

	back = fnat_af_route(fn, NULL, p, &p->saddr, &p->daddr, skb, &noref);
	if (!back)
		return;
	if (!mtu)
		fnat_af_ttl_expired(skb, p, back, true);
	else
		fnat_af_too_big(skb, p, back, mtu, tell_mtu);
	fnat_dst_put(back, noref);
}

/*
 * A GRO fraglist packet (rx-gro-list: UDP, and TCP since 6.10) is its
 * segments chained whole, each with its own network header in front of
 * its data. Segmenting it on the way out (skb_segment_list()) would keep
 * those headers, of the old family, and making it one buffer could take
 * 64 KiB and more at once: it is split here instead, back into the packets
 * it was made of, as nf_queue splits a GSO packet, and each is translated
 * on its own (their headers are alike: @p fits each).
 */
static unsigned int xlat_segments(struct fnat_net *fn, struct fnat_conn *cp,
				  struct sk_buff *skb, const struct fnat_pkt *p,
				  enum fnat_dir dir,
				  const union nf_inet_addr *saddr, __be16 sport,
				  const union nf_inet_addr *daddr, __be16 dport)
{
	struct sk_buff *segs, *seg, *next;

	segs = skb_gso_segment(skb, 0);
	if (IS_ERR_OR_NULL(segs)) {
		fnat_count(fn, FULLNAT_CNT_XMIT_ERR);
		return NF_DROP;
	}
	consume_skb(skb);
	skb_list_walk_safe(segs, seg, next) {
		skb_mark_not_on_list(seg);
		if (fnat_xlat_xmit(fn, cp, seg, p, dir, saddr, sport, daddr,
				   dport) != NF_STOLEN)
			kfree_skb(seg);
	}
	return NF_STOLEN;
}

/*
 * xmit_fullnat.c's transmit for a connection whose sides differ in
 * family: @p (the client's IPv6 packet going in, or the server's IPv4
 * reply) leaves as the other family's, @saddr:@sport -> @daddr:@dport.
 * Consumes the packet: NF_STOLEN when sent, NF_DROP (counted) when not.
 */
unsigned int fnat_xlat_xmit(struct fnat_net *fn, struct fnat_conn *cp,
			    struct sk_buff *skb, const struct fnat_pkt *p,
			    enum fnat_dir dir,
			    const union nf_inet_addr *saddr, __be16 sport,
			    const union nf_inet_addr *daddr, __be16 dport)
{
	const struct fnat_proto *pp = p->pp;
	u16 naf = p->af == AF_INET ? AF_INET6 : AF_INET;
	int hdiff = (int)nh_len(naf) - p->l4off;
	unsigned int mtu, xmtu, tell_mtu;
	struct fnat_pkt np, cs;
	struct fnat_xmit_ctx x;
	struct dst_entry *dst;
	bool noref, df = true;
	int reason;
	u8 ttl;

	if (unlikely(skb_is_gso(skb) &&
		     (skb_shinfo(skb)->gso_type & SKB_GSO_FRAGLIST)))
		return xlat_segments(fn, cp, skb, p, dir, saddr, sport, daddr,
				     dport);
	if (naf == AF_INET) {
		const struct ipv6hdr *ip6h = ipv6_hdr(skb);

		ttl = ip6h->hop_limit;
		dst = fnat_inet4_route_key(fn, dir == FNAT_DIR_IN ?
					   &cp->dest->rt.dst : NULL,
					   daddr, saddr,
					   ip6_tclass(ip6_flowinfo(ip6h)),
					   skb->mark, &noref);
	} else {
		const struct iphdr *iph = ip_hdr(skb);

		ttl = iph->ttl;
		dst = fnat_inet6_route_key(fn, dir == FNAT_DIR_OUT ?
					   &cp->reply.rt6 : NULL,
					   daddr, saddr, skb->mark,
					   ip6_make_flowinfo(iph->tos, 0),
					   &noref);
	}
	if (!dst) {
		fnat_count(fn, FULLNAT_CNT_NO_ROUTE);
		return NF_DROP;
	}
	mtu = dst_mtu(dst);

	if (ttl <= 1) {
		tell_sender(fn, skb, p, 0, 0);
		fnat_count(fn, FULLNAT_CNT_TTL);
		goto drop;
	}
	reason = fnat_xmit_prepare(fn, cp, skb, p, dir, &x);
	/*
	 * The length field of each family: IPv4's counts its header, IPv6's
	 * not (an IPv4 GRO packet of 65516 to 65535 bytes fits IPv6). More
	 * is dropped: a BIG TCP packet (README).
	 */
	if (!reason && (naf == AF_INET6 ? skb->len - p->l4off > IPV6_MAXPLEN :
					  skb->len + hdiff > IP_MAX_MTU))
		reason = FULLNAT_CNT_XMIT_ERR;
	if (!reason && hdiff > 0 && skb_cow_head(skb, hdiff))
		reason = FULLNAT_CNT_NOMEM;
	/* IPv6 has no datagram without a checksum (fnat_udp_parse()). */
	if (!reason && naf == AF_INET6 && p->proto == IPPROTO_UDP &&
	    !((struct udphdr *)(skb->data + p->l4off))->check &&
	    skb->ip_summed != CHECKSUM_PARTIAL)
		reason = FULLNAT_CNT_XLAT_DROPPED;
	if (reason) {
		fnat_count(fn, reason);
		goto drop;
	}

	/*
	 * Too big once translated (its length changes by @hdiff): the sender
	 * learns what it may send, in its own family's terms.
	 */
	xmtu = mtu - hdiff;
	if (naf == AF_INET) {
		df = !IP6CB(skb)->frag_max_size &&
		     (skb_is_gso(skb) || skb->len + hdiff > XLAT_DF_ABOVE);
		tell_mtu = xmtu;
		if (dir == FNAT_DIR_IN &&
		    (READ_ONCE(cp->flags) & FNAT_CONN_F_TOA))
			tell_mtu -= TOA_LEN_V6;
		if (df && fnat_inet6_exceeds(skb, xmtu)) {
			tell_sender(fn, skb, p, xmtu, tell_mtu);
			fnat_count(fn, FULLNAT_CNT_FRAG_NEEDED);
			goto drop;
		}
	} else if (ip_hdr(skb)->frag_off & htons(IP_DF)) {
		if (fnat_inet4_exceeds(skb, xmtu)) {
			tell_sender(fn, skb, p, xmtu, xmtu);
			fnat_count(fn, FULLNAT_CNT_FRAG_NEEDED);
			goto drop;
		}
		/*
		 * Reassembled: its fragments fit (just checked), the whole
		 * need not. It came in fragments: it leaves in fragments.
		 */
		df = !IPCB(skb)->frag_max_size;
	} else {
		df = false;
	}

	fnat_proto_call(pp, state, fn, cp, skb, p, dir);
	/* Addresses summed as 16 bytes: see the top of the file. */
	cs = *p;
	cs.af = AF_INET6;
	fnat_proto_call(pp, rewrite, skb, &cs, saddr, sport, daddr, dport);
	xlat_header(fn, skb, p, saddr, daddr, df);
	/*
	 * IPv4 without DF: IPv6 fragments it, to 1280 bytes (see the top;
	 * ip6_fragment() takes frag_max_size as the size of the fragments,
	 * and __ip6_finish_output() fragments what is bigger). A GSO packet
	 * is segmented instead, its segments no bigger than they came.
	 */
	if (!df && naf == AF_INET6) {
		skb->ignore_df = 1;
		if (!skb_is_gso(skb))
			IP6CB(skb)->frag_max_size = IPV6_MIN_MTU;
	}

	np = *p;
	np.af = naf;
	np.saddr = *saddr;
	np.daddr = *daddr;
	np.l3off = 0;
	np.l4off = nh_len(naf);
	if (pp->finish)
		fnat_proto_call(pp, finish, fn, cp, skb, &np, dir, &x, mtu);
	fnat_xmit_stats(cp, dir, skb->len);
	return fnat_af_xmit(fn, skb, &np, dst, noref);

drop:
	fnat_dst_put(dst, noref);
	return NF_DROP;
}

/*
 * An error the director makes of one of the other family, "too big" for
 * @mtu: its addresses and those of the packet it quotes, as the receiver
 * sent it, are @x's (fnat_icmp_to_client(), fnat_icmp_to_server()).
 */
struct xlat_error {
	u16 af;			/* of the error */
	u32 mtu;
	const struct fnat_icmp_xlate *x;
};

/* The quoted packet's transport length, as its own header states it. */
static unsigned int quote_l4len(const struct sk_buff *skb,
				const struct fnat_pkt *q)
{
	const void *nh = skb->data + q->l3off;
	unsigned int hl = q->l4off - q->l3off, len;

	if (q->af == AF_INET)
		len = ntohs(((const struct iphdr *)nh)->tot_len);
	else
		len = ntohs(((const struct ipv6hdr *)nh)->payload_len) +
		      sizeof(struct ipv6hdr);
	return len > hl ? len - hl : 0;
}

static void put_error_headers(struct sk_buff *nskb, const struct xlat_error *e,
			      const struct fnat_pkt *q, u8 ttl,
			      unsigned int l4len)
{
	unsigned int nhl = nh_len(e->af), len = nskb->len;

	if (e->af == AF_INET6) {
		struct ipv6hdr *o = ipv6_hdr(nskb), *in = (void *)(o + 1) +
					sizeof(struct icmp6hdr);
		struct icmp6hdr *ic = (struct icmp6hdr *)(o + 1);

		ip6_flow_hdr(in, 0, 0);
		in->payload_len = htons(min_t(unsigned int, l4len,
					      IPV6_MAXPLEN));
		in->nexthdr = q->proto;
		in->hop_limit = ttl;
		in->saddr = e->x->isaddr->in6;
		in->daddr = e->x->idaddr->in6;
		ip6_flow_hdr(o, 0, 0);
		o->payload_len = htons(len - nhl);
		o->nexthdr = IPPROTO_ICMPV6;
		o->hop_limit = IPV6_DEFAULT_HOPLIMIT;
		o->saddr = e->x->osaddr->in6;
		o->daddr = e->x->odaddr->in6;
		memset(ic, 0, sizeof(*ic));
		ic->icmp6_type = ICMPV6_PKT_TOOBIG;
		ic->icmp6_mtu = htonl(e->mtu);
		ic->icmp6_cksum = csum_ipv6_magic(&o->saddr, &o->daddr,
						  len - nhl, IPPROTO_ICMPV6,
						  csum_partial(ic, len - nhl, 0));
		nskb->protocol = htons(ETH_P_IPV6);
	} else {
		struct iphdr *o = ip_hdr(nskb), *in = (void *)(o + 1) +
				      sizeof(struct icmphdr);
		struct icmphdr *ic = (struct icmphdr *)(o + 1);

		memset(o, 0, 2 * sizeof(*o) + sizeof(*ic));
		in->version = 4;
		in->ihl = 5;
		/* An IPv6 length may not fit IPv4's (jumbogram, forged) */
		in->tot_len = htons(min_t(unsigned int, sizeof(*in) + l4len,
					  IP_MAX_MTU));
		in->frag_off = htons(IP_DF);
		in->ttl = ttl;
		in->protocol = q->proto;
		in->saddr = e->x->isaddr->ip;
		in->daddr = e->x->idaddr->ip;
		ip_send_check(in);
		o->version = 4;
		o->ihl = 5;
		o->tot_len = htons(len);
		o->frag_off = htons(IP_DF);
		o->ttl = IPDEFTTL;
		o->protocol = IPPROTO_ICMP;
		o->saddr = e->x->osaddr->ip;
		o->daddr = e->x->odaddr->ip;
		ip_send_check(o);
		ic->type = ICMP_DEST_UNREACH;
		ic->code = ICMP_FRAG_NEEDED;
		ic->un.frag.mtu = htons(e->mtu);
		ic->checksum = csum_fold(csum_partial(ic, len - nhl, 0));
		nskb->protocol = htons(ETH_P_IP);
	}
}

/*
 * Send error @e about @q, a packet quoted in @skb at @q->l4off: a new
 * packet, its quote made of the other family's header and the transport
 * bytes @skb quotes (its ports and checksum those the receiver sent).
 * 0, or the counter of the drop.
 */
static int send_error(struct fnat_net *fn, const struct sk_buff *skb,
		      const struct fnat_pkt *q, const struct xlat_error *e)
{
	unsigned int nhl = nh_len(e->af), hl = 2 * nhl + 8;
	unsigned int max = e->af == AF_INET6 ? IPV6_MIN_MTU : 576;
	unsigned int qlen = min(skb->len - q->l4off, max - hl);
	const u8 *nh = skb->data + q->l3off;
	struct dst_entry *dst;
	struct sk_buff *nskb;
	struct fnat_pkt qq;
	bool noref;

	nskb = alloc_skb(LL_MAX_HEADER + hl + qlen, GFP_ATOMIC);
	if (!nskb)
		return FULLNAT_CNT_NOMEM;
	skb_reserve(nskb, LL_MAX_HEADER);
	skb_reset_network_header(nskb);
	skb_put(nskb, hl);
	if (skb_copy_bits(skb, q->l4off, skb_put(nskb, qlen), qlen)) {
		kfree_skb(nskb);
		return FULLNAT_CNT_ICMP_DROPPED;
	}
	/* The quote's ports and checksum, as fnat_xlat_xmit() sums them. */
	qq = *q;
	qq.af = AF_INET6;
	qq.l3off = nhl + 8;
	qq.l4off = hl;
	qq.l4hlen = min_t(unsigned int, qlen, q->pp->quote_len);
	fnat_proto_call(q->pp, rewrite_quote, nskb, &qq, e->x->isaddr,
			e->x->isport, e->x->idaddr, e->x->idport);
	put_error_headers(nskb, e, q, q->af == AF_INET ?
			  ((const struct iphdr *)nh)->ttl :
			  ((const struct ipv6hdr *)nh)->hop_limit,
			  quote_l4len(skb, q));

	if (e->af == AF_INET6)
		dst = fnat_inet6_route_key(fn, NULL, e->x->odaddr,
					   e->x->osaddr, skb->mark, 0, &noref);
	else
		dst = fnat_inet4_route_key(fn, NULL, e->x->odaddr,
					   e->x->osaddr, 0, skb->mark, &noref);
	if (!dst) {
		kfree_skb(nskb);
		return FULLNAT_CNT_NO_ROUTE;
	}
	fnat_inet4_out(nskb, dst, noref);
	dst_output(fn->net, NULL, nskb);
	return 0;
}

/*
 * Is @skb, an ICMP error of family @af, from a source no router sends
 * from? The unspecified address, 0/8 ("this network", RFC 1122), loopback,
 * multicast, broadcast and 240/4 (reserved), IPv4-mapped: a director
 * making a new error of the other family would give it the VIP's or a
 * LIP's address, so it believes none of these (the stack itself drops
 * some of them as martians when it routes them, after our hook).
 */
static bool xlat_bogus_source(const struct sk_buff *skb, u16 af)
{
	__be32 a;

	if (af == AF_INET6)
		return ipv6_addr_type(&ipv6_hdr(skb)->saddr) &
		       (IPV6_ADDR_ANY | IPV6_ADDR_LOOPBACK |
			IPV6_ADDR_MULTICAST | IPV6_ADDR_MAPPED);
	a = ip_hdr(skb)->saddr;
	/* ipv4_is_zeronet() is only 0.0.0.0 on recent kernels: 0/8 here. */
	return (a & htonl(0xff000000)) == 0 || ipv4_is_loopback(a) ||
	       ipv4_is_multicast(a) || ipv4_is_lbcast(a) ||
	       (a & htonl(0xf0000000)) == htonl(0xf0000000);
}

/*
 * xmit_fullnat.c's ICMP hook for a connection whose sides differ in
 * family (see the top): @x as fnat_method.icmp has it. Returns
 * FNAT_ICMP_SENT (the error went on as a new one, @skb consumed) or
 * FNAT_ICMP_DROPPED (counted).
 */
int fnat_xlat_icmp(struct fnat_net *fn, struct fnat_conn *cp,
		   enum fnat_dir dir, struct sk_buff *skb,
		   const struct fnat_pkt *q, struct fnat_icmp_xlate *x)
{
	struct xlat_error e;
	int reason;

	if (!x->frag_needed) {
		fnat_count(fn, FULLNAT_CNT_XLAT_DROPPED);
		return FNAT_ICMP_DROPPED;
	}
	if (xlat_bogus_source(skb, q->af)) {
		fnat_count(fn, FULLNAT_CNT_ICMP_DROPPED);
		return FNAT_ICMP_DROPPED;
	}
	if (dir == FNAT_DIR_OUT) {
		/*
		 * About LIP4 -> RIP4: Packet Too Big to the client, believed
		 * (before it takes from the budgets below) as an error of
		 * FullNAT44 toward the client is.
		 */
		reason = fnat_icmp_to_client(cp, skb, q, x, &cp->vaddr);
		if (reason) {
			fnat_count(fn, reason);
			return FNAT_ICMP_DROPPED;
		}
		e.mtu = x->mtu + sizeof(struct ipv6hdr) - sizeof(struct iphdr);
		if (READ_ONCE(cp->flags) & FNAT_CONN_F_TOA)
			e.mtu -= TOA_LEN_V6;
		e.mtu = max_t(u32, e.mtu, IPV6_MIN_MTU);
		e.af = AF_INET6;
	} else {
		/*
		 * About VIP6 -> CIP6: "fragmentation needed" to the server.
		 * No IPv6 link is below 1280 (RFC 8200 5): less is taken as
		 * 1280, as the stack takes it, so that the server's path MTU
		 * toward the LIP, which all its connections through that LIP
		 * share, stays at 1260 or more whatever one client says.
		 */
		x->mtu = max_t(u32, x->mtu, IPV6_MIN_MTU);
		reason = fnat_icmp_to_server(cp, skb, q, x, &cp->laddr,
					     &cp->laddr, cp->lport);
		if (reason) {
			fnat_count(fn, reason);
			return FNAT_ICMP_DROPPED;
		}
		e.mtu = min_t(u32, x->mtu - (sizeof(struct ipv6hdr) -
					     sizeof(struct iphdr)), U16_MAX);
		e.af = AF_INET;
	}
	e.x = x;
	/* The connection's budget first: see XLAT_ERRORS_BURST. */
	if (!xlat_conn_error(cp, dir) || !__ratelimit(&fn->xlat_errors))
		reason = FULLNAT_CNT_ICMP_DROPPED;
	else
		reason = send_error(fn, skb, q, &e);
	if (reason) {
		fnat_count(fn, reason);
		return FNAT_ICMP_DROPPED;
	}
	fnat_count(fn, FULLNAT_CNT_ICMP_XLATED);
	consume_skb(skb);
	return FNAT_ICMP_SENT;
}
