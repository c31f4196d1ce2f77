// SPDX-License-Identifier: GPL-2.0
/*
 * The NAT method (struct fnat_method), as LVS's masquerading: only the
 * destination of a client's packet is rewritten (CIP:cport -> VIP:vport
 * becomes CIP:cport -> RIP:rport; the ports may differ), so the real
 * server sees the client's own address and needs no TOA. Its replies,
 * RIP:rport -> CIP:cport, reach the client only if they pass through the
 * director: the director must be the real servers' gateway toward the
 * clients (docs/methods.md, "NAT"). There their source becomes VIP:vport again.
 * Both ways are routed and sent as FullNAT's are (xmit_fullnat.c).
 *
 * No local address and port: a connection's reply side is the real
 * server's view of it, RIP:rport -> CIP:cport. That tuple is the
 * client's choice, not the director's, so two connections can want the
 * same one: one client port to two services (or two ports of one) whose
 * servers share an address and port. The real server could not tell the
 * two apart either. The second is refused (FULLNAT_CNT_REPLY_CLASH) and
 * the client retries, as its SYN is lost; handing it the first's replies
 * is what must never happen.
 *
 * IPv6 (NAT66) is the same method: FullNAT66's transmit and ICMPv6
 * translation (inet6.c, icmp6.c) do the family's part, as they do
 * FullNAT66's: the extension headers walked to the transport header,
 * the pseudo-header's addresses in the L4 checksum, the hop limit
 * decremented (Time Exceeded when it runs out), the director's own
 * Packet Too Big when the next hop's MTU is too small, and ICMPv6 errors
 * translated both ways with the packet they quote. A real server's
 * address and port that matches no connection is nat_stray's in either
 * family (nat_servers.c).
 */
#include "fullnat.h"

/* Hash the reply side; nothing to take. Under cp->lock. */
int fnat_nat_bind(struct fnat_net *fn, struct fnat_conn *cp)
{
	return __fnat_conn_hash_out(cp, NULL) ? 0 : -EEXIST;
}

/* Replies are addressed to the client itself. */
void fnat_nat_reply_key(const struct fnat_conn *cp,
			const union nf_inet_addr **daddr, __be16 *dport)
{
	*daddr = &cp->caddr;
	*dport = cp->cport;
}

unsigned int fnat_nat_xmit_in(struct fnat_net *fn, struct fnat_conn *cp,
			      struct sk_buff *skb, const struct fnat_pkt *p)
{
	return fnat_xmit_rewrite(fn, cp, skb, p, FNAT_DIR_IN, &cp->caddr,
				 cp->cport, &cp->daddr, cp->dport);
}

unsigned int fnat_nat_xmit_out(struct fnat_net *fn, struct fnat_conn *cp,
			       struct sk_buff *skb, const struct fnat_pkt *p)
{
	return fnat_xmit_rewrite(fn, cp, skb, p, FNAT_DIR_OUT, &cp->vaddr,
				 cp->vport, &cp->caddr, cp->cport);
}

/*
 * ICMP errors (icmp.c has the why of the whole translation).
 *
 * An error about a packet sent toward a real server (CIP:cport ->
 * RIP:rport) is addressed to the client and passes through the director
 * on its way: the client must see it about the packet it sent, CIP:cport
 * -> VIP:vport, or its socket ignores it (path MTU discovery toward the
 * servers would stall). An error about a packet sent toward the client
 * (VIP:vport -> CIP:cport) comes back to the VIP and belongs to the real
 * server, about RIP:rport -> CIP:cport. Toward the client the outer
 * source is the VIP, whoever sent the error (as IPVS): the routers and
 * addresses behind the director are not the client's to learn. Toward
 * the server it stays the sender (the client's address the server
 * knows), but for a link-local one, which becomes the VIP
 * (fnat_icmp_relay_source()).
 *
 * An error either way is believed only about a packet of the connection
 * (TCP: in its window) and, "fragmentation needed", with an MTU of at
 * least FNAT_MIN_PMTU, as FullNAT's: the path MTU it teaches the
 * server is toward this client alone, but an error about nothing the
 * connection sent is no reason to shrink its packets, nor below Linux's
 * floor. A UDP connection's error is believed toward the server only
 * once the server has answered (no datagram went to the client before).
 */
int fnat_nat_icmp(struct fnat_net *fn, struct fnat_conn *cp,
		  enum fnat_dir dir, struct sk_buff *skb,
		  const struct fnat_pkt *p, const struct fnat_pkt *q,
		  struct fnat_icmp_xlate *x)
{
	/* About CIP -> RIP: goes on to the client, about CIP -> VIP. */
	if (dir == FNAT_DIR_OUT)
		return fnat_icmp_to_client(cp, skb, q, x, &cp->vaddr);
	/* About VIP -> CIP: goes to the real server, about RIP -> CIP. */
	return fnat_icmp_to_server(cp, skb, q, x,
				   fnat_icmp_relay_source(p, NULL, &cp->vaddr),
				   &cp->caddr, cp->cport);
}

const struct fnat_method fnat_method_nat = {
	.name		= "nat",
	.fwd		= FULLNAT_FWD_NAT,
	.ipv6		= true,
	.toa		= false,
	.bind		= fnat_nat_bind,
	.reply_key	= fnat_nat_reply_key,
	.xmit_in	= fnat_nat_xmit_in,
	.xmit_out	= fnat_nat_xmit_out,
	.icmp		= fnat_nat_icmp,
};
