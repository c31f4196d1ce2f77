// SPDX-License-Identifier: GPL-2.0
/*
 * ICMPv6 errors that belong to a connection: icmp.c's translation for
 * IPv6 (its comment has the why; the method decides, xmit_fullnat.c).
 *
 * What differs: the errors are Destination Unreachable, Packet Too Big,
 * Time Exceeded and Parameter Problem (types below 128; the rest,
 * neighbour discovery included, is the stack's); Packet Too Big is the
 * path-MTU error, and its MTU is 32 bits; the checksum covers a
 * pseudo-header, so it is computed after the outer addresses change; and
 * no MTU below IPv6's minimum (1280) is ever told, TOA or not.
 */
#include <linux/icmpv6.h>
#include <linux/ipv6.h>
#include <net/ip6_checksum.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>

#include "fullnat.h"

/*
 * The packet an error at @off quotes, parsed into @q, as icmp.c's
 * parse_quote(): its headers, and its ports.
 */
static bool parse_quote6(struct sk_buff *skb, unsigned int off,
			 struct fnat_pkt *q)
{
	const __be16 *ports;

	if (fnat_inet6_parse(skb, off, q))
		return false;
	q->pp = fnat_proto_find(q->proto);
	if (!q->pp || q->fragoff)
		return false;
	if (!pskb_may_pull(skb, q->l4off + 8))
		return false;
	ports = (const __be16 *)(skb->data + q->l4off);
	q->sport = ports[0];
	q->dport = ports[1];
	q->l4hlen = min_t(unsigned int, skb->len - q->l4off, q->pp->quote_len);
	return true;
}

static __sum16 icmp6_csum(const struct sk_buff *skb, unsigned int off)
{
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	unsigned int len = skb->len - off;

	return csum_ipv6_magic(&ip6h->saddr, &ip6h->daddr, len, IPPROTO_ICMPV6,
			       skb_checksum(skb, off, len, 0));
}

/*
 * A Packet Too Big about a packet of the TUN method's own, director ->
 * real server, quoting its outer IPv6 header (@q, next header 41) and
 * the client's packet inside: icmp.c's tunnel_error() for IPv6. The
 * stack would give it to an ip6tnl device, which TUN does not need; so
 * the MTU is recorded here on TUN6's own route toward the real server
 * (fnat_tun6_update_pmtu()), and the client's next packet too big for it
 * is answered with that MTU less 40. Believed only about a tunnel packet
 * we could have sent, as tunnel_error() says.
 */
static unsigned int tunnel_error6(struct fnat_net *fn, struct sk_buff *skb,
				  const struct fnat_pkt *p,
				  const struct fnat_pkt *q)
{
	struct fnat_icmp_xlate x = { .frag_needed = true };
	unsigned int off = p->l4off;
	struct icmp6hdr *ic;
	struct fnat_conn *cp;
	enum fnat_dir dir;
	struct fnat_pkt in;

	ic = (struct icmp6hdr *)(skb->data + off);
	if (ic->icmp6_type != ICMPV6_PKT_TOOBIG || q->fragoff ||
	    !ipv6_chk_addr(fn->net, &q->saddr.in6, NULL, 0) ||
	    !parse_quote6(skb, q->l4off, &in))
		return NF_ACCEPT;
	cp = fnat_conn_lookup(fn->net, in.proto, &in.saddr, in.sport,
			      &in.daddr, in.dport, &dir);
	if (!cp || cp->af != AF_INET6 || dir != FNAT_DIR_IN ||
	    cp->fwd != FULLNAT_FWD_TUN ||
	    !ipv6_addr_equal(&cp->daddr.in6, &q->daddr.in6))
		return NF_ACCEPT;
	if (skb->ip_summed != CHECKSUM_UNNECESSARY && icmp6_csum(skb, off)) {
		fnat_count(fn, FULLNAT_CNT_ICMP_DROPPED);
		return NF_DROP;
	}
	/* parse_quote6() may have moved the data. */
	x.mtu = ntohl(((struct icmp6hdr *)(skb->data + off))->icmp6_mtu);
	if (!ipv6_addr_equal(&p->daddr.in6, &q->saddr.in6) ||
	    !fnat_icmp_believed(cp, FNAT_DIR_IN, skb, &in, &x)) {
		fnat_count(fn, FULLNAT_CNT_ICMP_DROPPED);
		return NF_DROP;
	}
	fnat_tun6_update_pmtu(fn, cp->dest, skb, q->l3off, x.mtu);
	fnat_count(fn, FULLNAT_CNT_ICMP_XLATED);
	consume_skb(skb);
	return NF_STOLEN;
}

unsigned int fnat_icmp6_in(struct fnat_net *fn, struct sk_buff *skb,
			   const struct fnat_pkt *p)
{
	unsigned int off = p->l4off;
	const struct fnat_method *m;
	struct fnat_icmp_xlate x;
	struct dst_entry *dst;
	struct icmp6hdr *ic;
	struct fnat_conn *cp;
	enum fnat_dir dir;
	struct fnat_pkt q = {};
	bool noref;
	int reason;

	if (p->fragoff || !pskb_may_pull(skb, off + sizeof(*ic)))
		return NF_ACCEPT;
	ic = (struct icmp6hdr *)(skb->data + off);
	if (ic->icmp6_type & ICMPV6_INFOMSG_MASK)
		return NF_ACCEPT;
	if (!parse_quote6(skb, off + sizeof(*ic), &q)) {
		if (q.af == AF_INET6 && q.proto == IPPROTO_IPV6)
			return tunnel_error6(fn, skb, p, &q);
		return NF_ACCEPT;
	}

	/* The quoted packet went out from us; look up its reply direction. */
	cp = fnat_conn_lookup(fn->net, q.proto, &q.daddr, q.dport, &q.saddr,
			      q.sport, &dir);
	if (!cp)
		return fnat_nat_stray_error(fn, skb, p, &q);
	if (fnat_conn_af(cp, dir) != AF_INET6)
		return NF_ACCEPT;
	m = fnat_method_find(cp->fwd);
	if (!m->icmp)
		return NF_ACCEPT;
	/*
	 * An error goes back to the source of the packet it quotes. One
	 * addressed elsewhere is made up: relayed, one sent to the VIP about
	 * LIP -> RIP would reach the client as if from its own path.
	 */
	if (!nf_inet_addr_cmp(&p->daddr, &q.saddr)) {
		fnat_count(fn, FULLNAT_CNT_ICMP_DROPPED);
		return NF_DROP;
	}

	/* A corrupt error would come out with a valid checksum: check first. */
	if (skb->ip_summed != CHECKSUM_UNNECESSARY && icmp6_csum(skb, off)) {
		fnat_count(fn, FULLNAT_CNT_ICMP_DROPPED);
		return NF_DROP;
	}
	/* parse_quote6() may have moved the data. */
	ic = (struct icmp6hdr *)(skb->data + off);
	x.frag_needed = ic->icmp6_type == ICMPV6_PKT_TOOBIG;
	x.mtu = ntohl(ic->icmp6_mtu);
	reason = fnat_method_call(m, icmp, fn, cp, dir, skb, p, &q, &x);
	if (reason == FNAT_ICMP_SENT)
		return NF_STOLEN;
	if (reason) {
		if (reason != FNAT_ICMP_DROPPED)
			fnat_count(fn, reason);
		return NF_DROP;
	}
	dst = fnat_af_route(fn, NULL, p, x.odaddr, x.osaddr, skb, &noref);
	if (!dst) {
		fnat_count(fn, FULLNAT_CNT_NO_ROUTE);
		return NF_DROP;
	}
	if (fnat_af_ttl_expired(skb, p, dst, false) ||
	    skb_ensure_writable(skb, q.l4off + q.l4hlen)) {
		fnat_dst_put(dst, noref);
		fnat_count(fn, FULLNAT_CNT_ICMP_DROPPED);
		return NF_DROP;
	}

	fnat_proto_call(q.pp, rewrite_quote, skb, &q, x.isaddr, x.isport,
			x.idaddr, x.idport);
	fnat_af_rewrite(skb, &q, x.isaddr, x.idaddr);
	ic = (struct icmp6hdr *)(skb->data + off);
	if (dir == FNAT_DIR_OUT && x.frag_needed &&
	    (READ_ONCE(cp->flags) & FNAT_CONN_F_TOA))
		ic->icmp6_mtu = htonl(x.mtu > IPV6_MIN_MTU + TOA_LEN_V6 ?
				      x.mtu - TOA_LEN_V6 : IPV6_MIN_MTU);
	fnat_af_rewrite(skb, p, x.osaddr, x.odaddr);
	ic->icmp6_cksum = 0;
	ic->icmp6_cksum = icmp6_csum(skb, off);
	skb->ip_summed = CHECKSUM_NONE;

	fnat_count(fn, FULLNAT_CNT_ICMP_XLATED);
	return fnat_af_xmit(fn, skb, p, dst, noref);
}
