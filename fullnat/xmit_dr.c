// SPDX-License-Identifier: GPL-2.0
/*
 * The DR method, direct routing (struct fnat_method), as LVS DR: the
 * client's packet goes on unchanged, still to VIP:vport, handed to the
 * real server's address as the next hop, so only its Ethernet
 * destination changes. The real server holds the VIP on a device that
 * does not answer ARP for it (docs/methods.md: "Direct routing") and answers the
 * client straight, not through the director. So:
 *
 *  - no reply side: no local address, no port, no TOA (the real server
 *    sees the client itself; a client's own TOA options are cleared all
 *    the same, as every method does, for a server that loads toa.ko for
 *    another service), no port mapping (nl_service.c refuses a real
 *    server whose port is not the service's);
 *  - the real server must be on a network the director is directly
 *    connected to: one only reachable through a router gets nothing
 *    (counted as no_route), since a router would route the packet by
 *    its destination, the VIP, back to the director;
 *  - the director sees one side of the connection: TCP follows its
 *    state from the client's packets alone (proto_tcp.c, one_way).
 *
 * Going on, a packet is forwarded as a router forwards it, as IPVS's DR
 * does: its TTL is checked and decremented (ICMP time exceeded to the
 * client at 1) and one too big for the link to the real server, with DF,
 * is dropped with ICMP "fragmentation needed" to the client, by the same
 * helpers as FullNAT's transmit.
 *
 * ICMP errors. The director cannot see errors about its own packets to
 * the real server: they quote CIP -> VIP and go to the client, which
 * they concern, by whatever route it has. What it does see is an error
 * about a reply (VIP:vport -> CIP:cport) from a router on the client's
 * path, since that is addressed to the VIP, which the director holds for
 * the network: "fragmentation needed" about a large reply is the common
 * one. It belongs to the real server, whose TCP has to learn the path
 * MTU, so it is relayed there as it came, like the connection's packets
 * (IPVS does the same). Nothing needs translating, and the error can
 * lower only that server's path MTU toward that client, which anyone on
 * the Internet can do to it anyway: it is believed as the server's own
 * stack would believe it, without FullNAT's window check (the director
 * does not know the server's sequence numbers). But for its source: an
 * error from a link-local address (fe80::/10, 169.254/16: a router on the
 * client's link with no other address) is valid on that link only, and
 * no router may forward it to another (RFC 4291 2.5.6, RFC 3927 2.7), so
 * a director whose real servers are on another link stands in as its
 * sender, from its own address on theirs, as FullNAT and NAT do
 * (fnat_oneway_relay_source()); TUN's from the tunnel's source.
 */
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/inetdevice.h>
#include <net/addrconf.h>

#include "fullnat.h"

/*
 * The source of an ICMP error @p relayed to @cp's real server through
 * @dev, as fnat_icmp_relay_source() has it: a link-local one becomes
 * @mine (a tunnel's source), or without it, when @dev is another link
 * than the error came in on, the address of @dev's the real server would
 * be sent from. Returns 0, or the counter of a drop.
 */
int fnat_oneway_relay_source(struct fnat_net *fn, struct fnat_conn *cp,
			     struct sk_buff *skb, const struct fnat_pkt *p,
			     const struct net_device *dev,
			     const union nf_inet_addr *mine)
{
	union nf_inet_addr own = {};
	__sum16 *check;

	if (fnat_icmp_relay_source(p, NULL, &own) != &own ||
	    (!mine && skb->dev == dev))
		return 0;
	if (mine) {
		own = *mine;
	} else if (p->af == AF_INET6) {
		if (ipv6_dev_get_saddr(fn->net, dev, &cp->daddr.in6, 0,
				       &own.in6))
			return FULLNAT_CNT_NO_ROUTE;
	} else {
		own.ip = inet_select_addr(dev, cp->daddr.ip, RT_SCOPE_UNIVERSE);
		if (!own.ip)
			return FULLNAT_CNT_NO_ROUTE;
	}
	/*
	 * Not the VIP, should the director hold it on the servers' link:
	 * each server holds it too and would take the error for its own.
	 * Better as it came than that.
	 */
	if (nf_inet_addr_cmp(&own, &cp->vaddr))
		return 0;
	/* ICMPv6's checksum covers the addresses, ICMP's only its message. */
	if (skb_ensure_writable(skb, p->l4off + sizeof(struct icmphdr)))
		return FULLNAT_CNT_XMIT_ERR;
	if (p->af == AF_INET6) {
		check = &((struct icmp6hdr *)(skb->data + p->l4off))->icmp6_cksum;
		inet_proto_csum_replace16(check, skb, p->saddr.all, own.all,
					  true);
		/* Whole in its header now, as icmp6.c leaves its errors. */
		skb->ip_summed = CHECKSUM_NONE;
	}
	fnat_af_rewrite(skb, p, &own, &p->daddr);
	return 0;
}

/*
 * Hand @skb to the real server of @cp, unchanged but for the TTL. Consumes
 * the packet: NF_STOLEN when sent, NF_DROP (counted) when not. @p: the
 * packet's protocol, whose state moves if it goes on; NULL for an ICMP
 * error being relayed.
 */
static unsigned int xmit(struct fnat_net *fn, struct fnat_conn *cp,
			 struct sk_buff *skb, const struct fnat_pkt *p,
			 const struct fnat_proto *pp)
{
	struct fnat_xmit_ctx x;
	struct dst_entry *dst;
	bool noref;
	int reason;

	dst = fnat_af_route_nh(fn, cp->dest, p, skb, &noref);
	if (!dst) {
		fnat_count(fn, FULLNAT_CNT_NO_ROUTE);
		return NF_DROP;
	}
	if (fnat_af_ttl_expired(skb, p, dst, true)) {
		fnat_count(fn, FULLNAT_CNT_TTL);
		goto drop;
	}
	if (fnat_af_too_big(skb, p, dst, dst_mtu(dst), dst_mtu(dst))) {
		fnat_count(fn, FULLNAT_CNT_FRAG_NEEDED);
		goto drop;
	}
	/*
	 * ip_decrease_ttl() writes the header: not a clone's shared one. A
	 * connection's packet: client options the server's toa.ko would
	 * believe are cleared too.
	 */
	reason = pp ? fnat_xmit_prepare(fn, cp, skb, p, FNAT_DIR_IN, &x) :
		 skb_ensure_writable(skb, p->l4off) ? FULLNAT_CNT_XMIT_ERR :
		 fnat_oneway_relay_source(fn, cp, skb, p, dst->dev, NULL);
	if (reason) {
		fnat_count(fn, reason);
		goto drop;
	}
	if (pp) {
		fnat_proto_call(pp, state, fn, cp, skb, p, FNAT_DIR_IN);
		fnat_stats_add(cp->dest->stats, FNAT_DIR_IN, skb->len);
		fnat_stats_add(cp->dest->svc->stats, FNAT_DIR_IN, skb->len);
	}
	return fnat_af_xmit(fn, skb, p, dst, noref);

drop:
	fnat_dst_put(dst, noref);
	return NF_DROP;
}

static unsigned int fnat_dr_xmit_in(struct fnat_net *fn, struct fnat_conn *cp,
				    struct sk_buff *skb,
				    const struct fnat_pkt *p)
{
	return xmit(fn, cp, skb, p, p->pp);
}

/*
 * A one-way method (DR, TUN) hashes nothing on the real server's side,
 * so no packet is found going out; should one be, it is not ours to
 * forward: the real server answers the client without the director.
 */
unsigned int fnat_oneway_xmit_out(struct fnat_net *fn, struct fnat_conn *cp,
				  struct sk_buff *skb,
				  const struct fnat_pkt *p)
{
	return NF_ACCEPT;
}

/*
 * An error about a reply, VIP -> CIP (found as the client's side, @dir
 * IN), for a one-way method: relayed to the real server by @relay as it
 * came (see the top of the file, and xmit_tun.c for TUN's tunnel). An
 * error about a packet toward the server is the client's, not ours.
 */
int fnat_oneway_icmp(fnat_relay_t relay, struct fnat_net *fn,
		     struct fnat_conn *cp, enum fnat_dir dir,
		     struct sk_buff *skb, const struct fnat_pkt *p)
{
	if (dir != FNAT_DIR_IN)
		return FULLNAT_CNT_ICMP_DROPPED;
	if (relay(fn, cp, skb, p, NULL) == NF_DROP)
		return FNAT_ICMP_DROPPED;
	fnat_count(fn, FULLNAT_CNT_ICMP_XLATED);
	return FNAT_ICMP_SENT;
}

static int fnat_dr_icmp(struct fnat_net *fn, struct fnat_conn *cp,
			enum fnat_dir dir, struct sk_buff *skb,
			const struct fnat_pkt *p, const struct fnat_pkt *q,
			struct fnat_icmp_xlate *x)
{
	return fnat_oneway_icmp(xmit, fn, cp, dir, skb, p);
}

const struct fnat_method fnat_method_dr = {
	.name		= "dr",
	.fwd		= FULLNAT_FWD_DR,
	.ipv6		= true,
	.one_way	= true,
	.xmit_in	= fnat_dr_xmit_in,
	.xmit_out	= fnat_oneway_xmit_out,
	.icmp		= fnat_dr_icmp,
};
