// SPDX-License-Identifier: GPL-2.0
/*
 * ICMP errors (IPv4) that belong to a connection.
 *
 * An error about a packet the director sent on comes back to the address
 * the director sent it from, and belongs to the other end of the
 * connection, about the packet that end sent. Both the outer header and
 * the quoted one are translated, so that path-MTU discovery and "port
 * unreachable" work through the director in both directions. Which
 * addresses they get, and which errors are believed, is the method's
 * (xmit_fullnat.c); the quoted ports and their checksum the protocol's.
 *
 * A client of a TOA service is told an MTU 8 bytes lower than the real
 * one: the director grows some of its packets by the option.
 */
#include <linux/icmp.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <net/checksum.h>
#include <net/ip.h>
#include <net/route.h>
#include <uapi/linux/toa.h>

#include "fullnat.h"

static bool is_error(u8 type)
{
	return type == ICMP_DEST_UNREACH || type == ICMP_TIME_EXCEEDED ||
	       type == ICMP_PARAMETERPROB || type == ICMP_SOURCE_QUENCH;
}

/*
 * The packet an ICMP error at @p quotes, parsed into @q: its IP header,
 * and its ports (the first 4 bytes of the transport header). @q->l4hlen
 * is how many bytes of that header the error holds, at most a TCP
 * header's.
 */
static bool parse_quote(struct sk_buff *skb, unsigned int off,
			struct fnat_pkt *q)
{
	const __be16 *ports;

	if (fnat_inet4_parse(skb, off, q))
		return false;
	q->pp = fnat_proto_find(q->proto);
	if (!q->pp || q->fragoff)
		return false;
	/* RFC 792 quotes at least 8 bytes: the ports and the sequence. */
	if (!pskb_may_pull(skb, q->l4off + 8))
		return false;
	ports = (const __be16 *)(skb->data + q->l4off);
	q->sport = ports[0];
	q->dport = ports[1];
	q->l4hlen = min_t(unsigned int, skb->len - q->l4off, q->pp->quote_len);
	return true;
}

/*
 * "Fragmentation needed" about a packet of the TUN method's own, director
 * -> real server, quoting its outer header (@q, protocol 4) and the
 * client's packet inside. The director's stack would give it to the ipip
 * driver, which records the path MTU only for a tunnel device that is up
 * and matches, which TUN does not need: then our packets too big for the
 * path were lost and the client never told. So the new MTU is recorded
 * here for the route toward the real server, and the next packet too big
 * for it, the client's retransmission, is answered with the MTU less the
 * outer header (xmit_tun.c), as IPVS does. Believed only when it concerns
 * a tunnel packet we could have sent: from a local address, the one the
 * error is sent to, carrying a packet of a live TUN connection to that
 * connection's real server, one the connection could have sent (TCP: the
 * client's sequence number as far back as a flight: proto_tcp.c), and with
 * an MTU not below 552.
 * The route's path MTU is every connection's toward that server, of
 * every method: an error about no packet of ours must not lower it.
 */
static unsigned int tunnel_error(struct fnat_net *fn, struct sk_buff *skb,
				 const struct fnat_pkt *p,
				 const struct fnat_pkt *q)
{
	struct fnat_icmp_xlate x = { .frag_needed = true };
	unsigned int ihl = p->l4off;
	struct fnat_conn *cp;
	struct icmphdr *ic;
	enum fnat_dir dir;
	struct fnat_pkt in;

	ic = (struct icmphdr *)(skb->data + ihl);
	if (ic->type != ICMP_DEST_UNREACH || ic->code != ICMP_FRAG_NEEDED ||
	    q->fragoff ||
	    inet_addr_type(fn->net, q->saddr.ip) != RTN_LOCAL ||
	    !parse_quote(skb, q->l4off, &in))
		return NF_ACCEPT;
	cp = fnat_conn_lookup(fn->net, in.proto, &in.saddr, in.sport,
			      &in.daddr, in.dport, &dir);
	if (!cp || cp->af != AF_INET || dir != FNAT_DIR_IN ||
	    cp->fwd != FULLNAT_FWD_TUN ||
	    cp->daddr.ip != q->daddr.ip)
		return NF_ACCEPT;
	if (skb->ip_summed != CHECKSUM_UNNECESSARY &&
	    csum_fold(skb_checksum(skb, ihl, skb->len - ihl, 0))) {
		fnat_count(fn, FULLNAT_CNT_ICMP_DROPPED);
		return NF_DROP;
	}
	/* parse_quote() may have moved the data. */
	ic = (struct icmphdr *)(skb->data + ihl);
	x.mtu = ntohs(ic->un.frag.mtu);
	if (p->daddr.ip != q->saddr.ip ||
	    !fnat_icmp_believed(cp, FNAT_DIR_IN, skb, &in, &x)) {
		fnat_count(fn, FULLNAT_CNT_ICMP_DROPPED);
		return NF_DROP;
	}
	/* ipv4_update_pmtu() reads the flow from the header at skb->data. */
	__skb_pull(skb, q->l3off);
	ipv4_update_pmtu(skb, fn->net, x.mtu, 0, IPPROTO_IPIP);
	__skb_push(skb, q->l3off);
	fnat_count(fn, FULLNAT_CNT_ICMP_XLATED);
	consume_skb(skb);
	return NF_STOLEN;
}

unsigned int fnat_icmp_in(struct fnat_net *fn, struct sk_buff *skb,
			  const struct fnat_pkt *p)
{
	const struct fnat_method *m;
	unsigned int ihl = p->l4off;
	struct fnat_icmp_xlate x;
	struct dst_entry *dst;
	struct fnat_conn *cp;
	struct icmphdr *ic;
	enum fnat_dir dir;
	struct fnat_pkt q = {};
	bool noref;
	int reason;

	if (!pskb_may_pull(skb, ihl + sizeof(*ic)))
		return NF_ACCEPT;
	ic = (struct icmphdr *)(skb->data + ihl);
	if (!is_error(ic->type))
		return NF_ACCEPT;
	if (!parse_quote(skb, ihl + sizeof(*ic), &q)) {
		if (q.af == AF_INET && q.proto == IPPROTO_IPIP)
			return tunnel_error(fn, skb, p, &q);
		return NF_ACCEPT;
	}

	/* parse_quote() may have moved the data. */
	ic = (struct icmphdr *)(skb->data + ihl);

	/* The quoted packet went out from us; look up its reply direction. */
	cp = fnat_conn_lookup(fn->net, q.proto, &q.daddr, q.dport, &q.saddr,
			      q.sport, &dir);
	if (!cp)
		return fnat_nat_stray_error(fn, skb, p, &q);
	if (fnat_conn_af(cp, dir) != q.af)
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
	if (skb->ip_summed != CHECKSUM_UNNECESSARY &&
	    csum_fold(skb_checksum(skb, ihl, skb->len - ihl, 0))) {
		fnat_count(fn, FULLNAT_CNT_ICMP_DROPPED);
		return NF_DROP;
	}
	x.frag_needed = ic->type == ICMP_DEST_UNREACH &&
			ic->code == ICMP_FRAG_NEEDED;
	x.mtu = ntohs(ic->un.frag.mtu);
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

	/* The quote's own checksums, then the error's over all of it. */
	fnat_proto_call(q.pp, rewrite_quote, skb, &q, x.isaddr, x.isport,
			x.idaddr, x.idport);
	fnat_af_rewrite(skb, &q, x.isaddr, x.idaddr);
	ic = (struct icmphdr *)(skb->data + ihl);
	/* (at least FNAT_MIN_PMTU: fnat_icmp_believed()) */
	if (dir == FNAT_DIR_OUT && x.frag_needed &&
	    (READ_ONCE(cp->flags) & FNAT_CONN_F_TOA))
		ic->un.frag.mtu = htons(x.mtu - TOA_LEN_V4);
	ic->checksum = 0;
	ic->checksum = csum_fold(skb_checksum(skb, ihl, skb->len - ihl, 0));
	skb->ip_summed = CHECKSUM_NONE;

	fnat_af_rewrite(skb, p, x.osaddr, x.odaddr);
	fnat_count(fn, FULLNAT_CNT_ICMP_XLATED);
	return fnat_af_xmit(fn, skb, p, dst, noref);
}
