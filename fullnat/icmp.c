// SPDX-License-Identifier: GPL-2.0
/*
 * ICMP errors that belong to a FullNAT connection.
 *
 * An error about a packet the director sent toward a real server
 * (LIP:lport -> RIP:rport) comes back addressed to the LIP; the client
 * must get it, about the packet it sent (CIP:cport -> VIP:vport). An
 * error about a packet sent toward the client (VIP:vport -> CIP:cport)
 * comes back to the VIP and belongs to the real server, about
 * RIP:rport -> LIP:lport. Both the outer header and the quoted one are
 * translated, so that path-MTU discovery and "port unreachable" work
 * through the director in both directions. The outer source is left as
 * the router that sent the error, unless it is the connection's far end
 * itself, which is hidden behind the address the receiver knows.
 *
 * A client of a TOA service is told an MTU 8 bytes lower than the real
 * one: the director grows some of its packets by the option.
 *
 * "Fragmentation needed" from the client's side is the one error whose
 * effect outlives its connection: the real server learns a path MTU
 * toward the LIP, and every client whose connections share that LIP
 * pays for it (for ip_rt_mtu_expires, 10 minutes by default). A client
 * must not lower it for everyone at will, so the error is translated only
 * when the packet it quotes is one of the connection's (its sequence
 * number in the window the director tracks) and its MTU is not below
 * Linux's own floor (min_pmtu, 552). What remains: a client, or a router
 * on its path, can still lower the path MTU toward a LIP to 552 for all
 * the connections on it, with an error about its own connection. The
 * cost is packets of 552 bytes for those connections, not their loss.
 */
#define FNAT_MIN_PMTU	552
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
static bool parse_quote(struct sk_buff *skb, const struct fnat_pkt *p,
			struct fnat_pkt *q)
{
	const __be16 *ports;

	if (fnat_inet4_parse(skb, p->l4off + sizeof(struct icmphdr), q))
		return false;
	q->pp = fnat_proto_find(q->proto);
	if (!q->pp)
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

unsigned int fnat_icmp_in(struct fnat_net *fn, struct sk_buff *skb,
			  const struct fnat_pkt *p)
{
	const union nf_inet_addr *osaddr, *odaddr, *isaddr, *idaddr;
	unsigned int ihl = p->l4off;
	__be16 isport, idport;
	struct fnat_conn *cp;
	struct icmphdr *ic;
	struct iphdr *iph;
	enum fnat_dir dir;
	struct rtable *rt;
	struct fnat_pkt q;

	if (!pskb_may_pull(skb, ihl + sizeof(*ic)))
		return NF_ACCEPT;
	ic = (struct icmphdr *)(skb->data + ihl);
	if (!is_error(ic->type) || !parse_quote(skb, p, &q))
		return NF_ACCEPT;

	/* parse_quote() may have moved the data. */
	ic = (struct icmphdr *)(skb->data + ihl);

	/* The quoted packet went out from us; look up its reply direction. */
	cp = fnat_conn_lookup(fn->net, q.proto, &q.daddr, q.dport, &q.saddr,
			      q.sport, &dir);
	if (!cp || cp->fwd != FULLNAT_FWD_FULLNAT)
		return NF_ACCEPT;

	if (dir == FNAT_DIR_OUT) {
		/* About LIP -> RIP: goes to the client, about CIP -> VIP. */
		odaddr = &cp->caddr;
		osaddr = nf_inet_addr_cmp(&p->saddr, &cp->daddr) ?
			 &cp->vaddr : &p->saddr;
		isaddr = &cp->caddr;
		isport = cp->cport;
		idaddr = &cp->vaddr;
		idport = cp->vport;
	} else {
		/* About VIP -> CIP: goes to the real server, about RIP -> LIP. */
		odaddr = &cp->daddr;
		osaddr = nf_inet_addr_cmp(&p->saddr, &cp->caddr) ?
			 &cp->laddr : &p->saddr;
		isaddr = &cp->daddr;
		isport = cp->dport;
		idaddr = &cp->laddr;
		idport = cp->lport;
	}

	/* A corrupt error would come out with a valid checksum: check first. */
	if (skb->ip_summed != CHECKSUM_UNNECESSARY &&
	    csum_fold(skb_checksum(skb, ihl, skb->len - ihl, 0))) {
		fnat_count(fn, FULLNAT_CNT_ICMP_DROPPED);
		return NF_DROP;
	}
	if (dir == FNAT_DIR_IN && ic->type == ICMP_DEST_UNREACH &&
	    ic->code == ICMP_FRAG_NEEDED &&
	    (ntohs(ic->un.frag.mtu) < FNAT_MIN_PMTU ||
	     (q.pp->quote_ok &&
	      !fnat_proto_call(q.pp, quote_ok, cp, FNAT_DIR_OUT, skb, &q)))) {
		fnat_count(fn, FULLNAT_CNT_ICMP_DROPPED);
		return NF_DROP;
	}
	iph = ip_hdr(skb);
	rt = fnat_route4(fn->net, odaddr->ip, osaddr->ip, iph->tos, skb->mark);
	if (!rt) {
		fnat_count(fn, FULLNAT_CNT_NO_ROUTE);
		return NF_DROP;
	}
	if (iph->ttl <= 1 ||
	    skb_ensure_writable(skb, q.l4off + q.l4hlen)) {
		ip_rt_put(rt);
		fnat_count(fn, FULLNAT_CNT_ICMP_DROPPED);
		return NF_DROP;
	}

	/* The quote's own checksums, then the error's over all of it. */
	fnat_proto_call(q.pp, rewrite_quote, skb, &q, isaddr, isport, idaddr,
			idport);
	fnat_af_rewrite(skb, &q, isaddr, idaddr);
	ic = (struct icmphdr *)(skb->data + ihl);
	if (dir == FNAT_DIR_OUT && ic->type == ICMP_DEST_UNREACH &&
	    ic->code == ICMP_FRAG_NEEDED &&
	    (READ_ONCE(cp->flags) & FNAT_CONN_F_TOA)) {
		u16 mtu = ntohs(ic->un.frag.mtu);

		if (mtu > TOA_LEN_V4 + 68)
			ic->un.frag.mtu = htons(mtu - TOA_LEN_V4);
	}
	ic->checksum = 0;
	ic->checksum = csum_fold(skb_checksum(skb, ihl, skb->len - ihl, 0));
	skb->ip_summed = CHECKSUM_NONE;

	fnat_af_rewrite(skb, p, osaddr, odaddr);
	fnat_count(fn, FULLNAT_CNT_ICMP_XLATED);
	return fnat_xmit_finish(fn, skb, rt, false);
}
