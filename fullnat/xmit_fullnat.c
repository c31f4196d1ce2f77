// SPDX-License-Identifier: GPL-2.0
/*
 * The FullNAT method (struct fnat_method): both ends of the packet are
 * rewritten (client -> VIP becomes LIP -> RIP, and back), the packet is
 * routed like a router would route it (TTL, path MTU, ICMP to the sender)
 * and leaves through the output path untracked.
 *
 * A connection takes a local address and port when it is made (laddr.c),
 * and replies are found by the real server's side of it: RIP:rport ->
 * LIP:lport.
 */
#include <net/ipv6.h>
#include <uapi/linux/toa.h>

#include "fullnat.h"

int fnat_fullnat_bind(struct fnat_net *fn, struct fnat_conn *cp)
{
	return __fnat_laddr_bind(fn, cp);
}

/* Replies are addressed to the local address and port. */
void fnat_fullnat_reply_key(const struct fnat_conn *cp,
			    const union nf_inet_addr **daddr, __be16 *dport)
{
	*daddr = &cp->laddr;
	*dport = cp->lport;
}

/*
 * Forward a packet of @cp going @dir, parsed into @p, rewritten to
 * @saddr:@sport -> @daddr:@dport: the network and transport headers are
 * in the linear area. Consumes the packet: returns NF_STOLEN when it was
 * sent, NF_DROP (counted) when not.
 */
static __always_inline unsigned int xmit(struct fnat_net *fn,
					 struct fnat_conn *cp,
					 struct sk_buff *skb,
					 const struct fnat_pkt *p,
					 enum fnat_dir dir,
					 const union nf_inet_addr *saddr,
					 __be16 sport,
					 const union nf_inet_addr *daddr,
					 __be16 dport)
{
	const struct fnat_proto *pp = p->pp;
	unsigned int mtu, tell_mtu;
	struct fnat_xmit_ctx x;
	struct dst_entry *dst;
	bool noref;
	int reason;

	dst = fnat_af_route(fn, dir == FNAT_DIR_IN ? &cp->dest->rt :
						     &cp->reply,
			    p, daddr, saddr, skb, &noref);
	if (!dst) {
		fnat_count(fn, FULLNAT_CNT_NO_ROUTE);
		return NF_DROP;
	}
	mtu = dst_mtu(dst);

	if (fnat_af_ttl_expired(skb, p, dst, true)) {
		fnat_count(fn, FULLNAT_CNT_TTL);
		goto drop;
	}

	reason = fnat_xmit_prepare(fn, cp, skb, p, dir, &x);
	if (reason) {
		fnat_count(fn, reason);
		goto drop;
	}

	/*
	 * A client of a TOA service is told the option's size (8 bytes, 20
	 * for IPv6) less than the next hop takes, so that its packets still
	 * fit when the director adds the option.
	 */
	tell_mtu = mtu;
	if (dir == FNAT_DIR_IN && (READ_ONCE(cp->flags) & FNAT_CONN_F_TOA))
		tell_mtu -= fnat_toa_len(cp->af);
	if (fnat_af_too_big(skb, p, dst, mtu, tell_mtu)) {
		fnat_count(fn, FULLNAT_CNT_FRAG_NEEDED);
		goto drop;
	}

	/* Only a packet that goes on may change the connection's state. */
	fnat_proto_call(pp, state, fn, cp, skb, p, dir);
	fnat_proto_call(pp, rewrite, skb, p, saddr, sport, daddr, dport);
	fnat_af_rewrite(skb, p, saddr, daddr);
	if (pp->finish)
		fnat_proto_call(pp, finish, fn, cp, skb, p, dir, &x, mtu);
	fnat_xmit_stats(cp, dir, skb->len);
	return fnat_af_xmit(fn, skb, p, dst, noref);

drop:
	fnat_dst_put(dst, noref);
	return NF_DROP;
}

/* A connection whose sides differ in family (FullNAT64) goes to xlat.c. */
unsigned int fnat_fullnat_xmit_in(struct fnat_net *fn, struct fnat_conn *cp,
				  struct sk_buff *skb,
				  const struct fnat_pkt *p)
{
	if (unlikely(cp->af != cp->daf))
		return fnat_xlat_xmit(fn, cp, skb, p, FNAT_DIR_IN, &cp->laddr,
				      cp->lport, &cp->daddr, cp->dport);
	return xmit(fn, cp, skb, p, FNAT_DIR_IN, &cp->laddr, cp->lport,
		    &cp->daddr, cp->dport);
}

unsigned int fnat_fullnat_xmit_out(struct fnat_net *fn, struct fnat_conn *cp,
				   struct sk_buff *skb,
				   const struct fnat_pkt *p)
{
	if (unlikely(cp->af != cp->daf))
		return fnat_xlat_xmit(fn, cp, skb, p, FNAT_DIR_OUT, &cp->vaddr,
				      cp->vport, &cp->caddr, cp->cport);
	return xmit(fn, cp, skb, p, FNAT_DIR_OUT, &cp->vaddr, cp->vport,
		    &cp->caddr, cp->cport);
}

/*
 * The same transmit for other methods that rewrite addresses (NAT): out
 * of line, so that FullNAT's two above keep theirs inlined.
 */
unsigned int fnat_xmit_rewrite(struct fnat_net *fn, struct fnat_conn *cp,
			       struct sk_buff *skb, const struct fnat_pkt *p,
			       enum fnat_dir dir,
			       const union nf_inet_addr *saddr, __be16 sport,
			       const union nf_inet_addr *daddr, __be16 dport)
{
	return xmit(fn, cp, skb, p, dir, saddr, sport, daddr, dport);
}

/*
 * ICMP errors (icmp.c has the why of the whole translation).
 *
 * An error about a packet the director sent toward a real server
 * (LIP:lport -> RIP:rport) comes back addressed to the LIP; the client
 * must get it, about the packet it sent (CIP:cport -> VIP:vport). An
 * error about a packet sent toward the client (VIP:vport -> CIP:cport)
 * comes back to the VIP and belongs to the real server, about
 * RIP:rport -> LIP:lport. The outer source is left as the router that
 * sent the error, unless it is the connection's far end itself, which is
 * hidden behind the address the receiver knows, or a link-local address
 * (fnat_icmp_relay_source()).
 *
 * "Fragmentation needed" from the client's side is the one error whose
 * effect outlives its connection: the real server learns a path MTU
 * toward the LIP, and every client whose connections share that LIP
 * pays for it (for ip_rt_mtu_expires, 10 minutes by default). A client
 * must not lower it for everyone at will, so the error is translated only
 * when the packet it quotes is one of the connection's (TCP: its sequence
 * number in the window the director tracks) and its MTU is not below
 * Linux's own floor (min_pmtu, 552). What remains: a client, or a router
 * on its path, can still lower the path MTU toward a LIP to 552 for all
 * the connections on it, with an error about its own connection. The
 * cost is packets of 552 bytes for those connections, not their loss
 * (FNAT_MIN_PMTU, NAT's too).
 *
 * An error toward the client is judged alike, though it harms only that
 * connection: the connection is found by LIP:lport, 16 bits an attacker
 * can try all of, where an error sent to the client directly would need
 * its address and port; so one sprayed over a LIP's ports would reach
 * every client on it. Each must quote a packet of the connection (TCP:
 * the client's sequence number in the window) and have an MTU not below
 * the floor. A UDP connection has no number to check: a client of a UDP
 * service can still be sent "port unreachable" by one who tries the
 * LIP's ports (README.md, "Routing").
 */

/*
 * Is an ICMP error (@x) about @q, a packet of @cp sent going @dir, to be
 * believed: an MTU not below its family's floor, and a quote the
 * protocol takes for one of the connection's? NAT's and TUN's too.
 */
bool fnat_icmp_believed(struct fnat_conn *cp, enum fnat_dir dir,
			const struct sk_buff *skb, const struct fnat_pkt *q,
			const struct fnat_icmp_xlate *x)
{
	if (x->frag_needed && x->mtu < FNAT_MIN_PMTU)
		return false;
	return !q->pp->quote_ok ||
	       fnat_proto_call(q->pp, quote_ok, cp, dir, skb, q);
}

/*
 * The outer source of an error relayed to the other side: its sender's,
 * @p->saddr, but @hidden in place of the connection's far end @far (if
 * not NULL) and of a link-local address. An error from fe80::/10 (a
 * router on an unnumbered link, or anyone on the sender's link) is only
 * valid on the link it came from: no router may forward it off that link
 * (RFC 4291 2.5.6; ip6_forward() drops it), so the director, which sends
 * it on to another, does not either: it stands in as the sender, from
 * the address the receiver knows it by, as it does for errors of its
 * own. IPv4's 169.254/16 alike (RFC 3927 2.7). NAT's too.
 */
const union nf_inet_addr *
fnat_icmp_relay_source(const struct fnat_pkt *p,
		       const union nf_inet_addr *far,
		       const union nf_inet_addr *hidden)
{
	bool linklocal = p->af == AF_INET6 ?
		ipv6_addr_type(&p->saddr.in6) & IPV6_ADDR_LINKLOCAL :
		ipv4_is_linklocal_169(p->saddr.ip);

	if (linklocal || (far && nf_inet_addr_cmp(&p->saddr, far)))
		return hidden;
	return &p->saddr;
}

/*
 * An error about a packet sent toward the real server goes to the client,
 * from @osaddr, about the packet the client sent: CIP:cport -> VIP:vport.
 * Believed as the comment above says. Returns 0, or the counter of the
 * drop. NAT's too.
 */
int fnat_icmp_to_client(struct fnat_conn *cp, const struct sk_buff *skb,
			const struct fnat_pkt *q, struct fnat_icmp_xlate *x,
			const union nf_inet_addr *osaddr)
{
	if (!fnat_icmp_believed(cp, FNAT_DIR_IN, skb, q, x))
		return FULLNAT_CNT_ICMP_DROPPED;
	x->odaddr = &cp->caddr;
	x->osaddr = osaddr;
	x->isaddr = &cp->caddr;
	x->isport = cp->cport;
	x->idaddr = &cp->vaddr;
	x->idport = cp->vport;
	return 0;
}

/*
 * An error about a packet sent toward the client (VIP:vport -> CIP:cport)
 * goes to the real server, from @osaddr, about the packet it sent:
 * RIP:rport -> @idaddr:@idport (FullNAT's LIP:lport, NAT's CIP:cport).
 * Believed as the comment above says (a UDP connection's error only
 * about an answer it had). Returns 0, or the counter of the drop. NAT's
 * too.
 */
int fnat_icmp_to_server(struct fnat_conn *cp, const struct sk_buff *skb,
			const struct fnat_pkt *q, struct fnat_icmp_xlate *x,
			const union nf_inet_addr *osaddr,
			const union nf_inet_addr *idaddr, __be16 idport)
{
	if (!fnat_icmp_believed(cp, FNAT_DIR_OUT, skb, q, x))
		return FULLNAT_CNT_ICMP_DROPPED;
	x->odaddr = &cp->daddr;
	x->osaddr = osaddr;
	x->isaddr = &cp->daddr;
	x->isport = cp->dport;
	x->idaddr = idaddr;
	x->idport = idport;
	return 0;
}

int fnat_fullnat_icmp(struct fnat_net *fn, struct fnat_conn *cp,
		      enum fnat_dir dir, struct sk_buff *skb,
		      const struct fnat_pkt *p, const struct fnat_pkt *q,
		      struct fnat_icmp_xlate *x)
{
	/* FullNAT64: an error of the other family, made anew (xlat.c). */
	if (unlikely(cp->af != cp->daf))
		return fnat_xlat_icmp(fn, cp, dir, skb, q, x);
	/* About LIP -> RIP: goes to the client, about CIP -> VIP. */
	if (dir == FNAT_DIR_OUT)
		return fnat_icmp_to_client(cp, skb, q, x,
					   fnat_icmp_relay_source(p, &cp->daddr,
								  &cp->vaddr));
	/* About VIP -> CIP: goes to the real server, about RIP -> LIP. */
	return fnat_icmp_to_server(cp, skb, q, x,
				   fnat_icmp_relay_source(p, &cp->caddr,
							  &cp->laddr),
				   &cp->laddr, cp->lport);
}

const struct fnat_method fnat_method_fullnat = {
	.name		= "fullnat",
	.fwd		= FULLNAT_FWD_FULLNAT,
	.ipv6		= true,
	.toa		= true,
	.bind		= fnat_fullnat_bind,
	.reply_key	= fnat_fullnat_reply_key,
	.xmit_in	= fnat_fullnat_xmit_in,
	.xmit_out	= fnat_fullnat_xmit_out,
	.icmp		= fnat_fullnat_icmp,
};
