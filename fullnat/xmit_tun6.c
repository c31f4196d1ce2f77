// SPDX-License-Identifier: GPL-2.0
/*
 * TUN over IPv6 (tun.h): the client's IPv6 packet goes on unchanged
 * inside an outer IPv6 header, next header 41 (ip6ip6, RFC 2473), from
 * the director to the real server, which holds the VIP and decapsulates
 * it (an ip6tnl device, "ip -6 tunnel add ... mode ip6ip6"; docs/methods.md).
 *
 * The outer source is what a local socket toward the real server would
 * get: the route's preferred source ("ip -6 route ... src X"), else the
 * stack's choice of source address (ip6_dst_lookup()), as IPv4's TUN.
 * Routes are cached per real server with their FIB cookie, so that
 * dst_check() sees them go stale.
 *
 * The tunnel costs 40 bytes of the path's MTU: a client's packet that no
 * longer fits is answered with a Packet Too Big carrying the route's MTU
 * less 40. IPv6 never tells less than 1280, so a packet of up to 1280
 * goes on whatever the path: the outer packet is then fragmented by the
 * director, its source (RFC 2473, 7.2), and the server reassembles it.
 * A Packet Too Big about the outer packets updates the route toward the
 * server that TUN6 uses (fnat_tun6_update_pmtu()).
 */
#include <linux/ipv6.h>
#include <net/dsfield.h>
#include <net/ip6_fib.h>
#include <net/ip6_route.h>
#include <net/ip_tunnels.h>
#include <net/ipv6.h>

#include "tun.h"

#define TUN6_HLEN	sizeof(struct ipv6hdr)

static struct dst_entry *tun6_lookup(struct net *net,
				     const union nf_inet_addr *daddr,
				     const struct sk_buff *skb,
				     union nf_inet_addr *saddr, u32 *cookie)
{
	struct flowi6 fl6 = {
		.daddr = daddr->in6,
		.flowi6_mark = skb ? skb->mark : 0,
	};
	struct dst_entry *dst;
	struct rt6_info *rt;

	if (ip6_dst_lookup(net, NULL, &dst, &fl6))
		return NULL;
	rt = container_of(dst, struct rt6_info, dst);
	/* Real servers are elsewhere; never loop back to us. */
	if (rt->rt6i_flags & (RTF_LOCAL | RTF_ANYCAST)) {
		dst_release(dst);
		return NULL;
	}
	saddr->in6 = fl6.saddr;
	*cookie = rt6_get_cookie(rt);
	return dst;
}

static unsigned int tun6_mtu(const struct dst_entry *dst)
{
	return max_t(unsigned int, dst_mtu(dst), IPV6_MIN_MTU + TUN6_HLEN) -
	       TUN6_HLEN;
}

/* As tun4_ready() (xmit_tun.c), for an IPv6 packet in IPv6. */
static int tun6_ready(struct sk_buff *skb, const struct fnat_pkt *p,
		      struct dst_entry *dst)
{
	if (skb_is_gso(skb) && skb->encapsulation)
		return -EINVAL;
	if (skb_cow_head(skb, LL_RESERVED_SPACE(dst->dev) + TUN6_HLEN))
		return -ENOMEM;
	skb_set_transport_header(skb, p->l4off);
	if (iptunnel_handle_offloads(skb, SKB_GSO_IPXIP6))
		return -ENOMEM;
	skb_set_inner_ipproto(skb, IPPROTO_IPV6);
	skb_set_inner_mac_header(skb, skb_inner_network_offset(skb));
	return 0;
}

/*
 * As tun4_send(): the outer traffic class is the inner packet's, and its
 * flow label, or one hashed from the inner flow if the client set none
 * (RFC 6438: ECMP on the way spreads the tunnel's flows). The outer hop
 * limit is the route's, as an ip6ip6 tunnel's own (the inner one arrives
 * as the client sent it: the server is its destination, not a router's
 * next hop, and an outer hop limit of 0 or 1 would not reach it).
 * ignore_df: a packet the route no longer takes whole (its MTU shrank
 * since the check, or the inner packet is within IPv6's 1280) is
 * fragmented here.
 */
static void tun6_send(struct fnat_net *fn, struct sk_buff *skb,
		      struct dst_entry *dst, bool noref,
		      const union nf_inet_addr *saddr,
		      const union nf_inet_addr *daddr)
{
	const struct ipv6hdr *in = ipv6_hdr(skb);
	struct ipv6hdr *ip6h;
	u8 tclass = ipv6_get_dsfield(in);
	__be32 label = ip6_flowlabel(in);

	if (!label) {
		struct flowi6 fl6 = {
			.daddr = daddr->in6,
			.saddr = saddr->in6,
			.flowi6_proto = IPPROTO_IPV6,
		};

		/* The inner flow's hash (the flow dissector's), not fl6's */
		skb_get_hash(skb);
		label = ip6_make_flowlabel(fn->net, skb, 0, true, &fl6);
	}
	skb_push(skb, TUN6_HLEN);
	skb_reset_network_header(skb);
	skb_set_transport_header(skb, TUN6_HLEN);
	ip6h = ipv6_hdr(skb);
	ip6_flow_hdr(ip6h, tclass, label);
	ip6h->nexthdr = IPPROTO_IPV6;
	ip6h->hop_limit = ip6_dst_hoplimit(dst);
	ip6h->saddr = saddr->in6;
	ip6h->daddr = daddr->in6;
	ip6h->payload_len = 0;	/* __ip6_local_out() sets it */
	skb->protocol = htons(ETH_P_IPV6);
	skb->ignore_df = 1;

	memset(IP6CB(skb), 0, sizeof(*IP6CB(skb)));
	fnat_inet4_out(skb, dst, noref);
	ip6_local_out(fn->net, NULL, skb);
}

/*
 * A Packet Too Big about a tunnel packet to @dest, quoting its outer
 * header at @l3off (icmp6.c): @mtu goes on the route TUN6 sends on,
 * looked up as it does (fnat_dest_route()), not on the one
 * ip6_update_pmtu() would find by the quoted source, flow label and mark
 * (another next hop under ECMP or policy rules: the error would be
 * believed, and the client's packets still lost on our path). The route
 * keys the path MTU it learns by the quoted header (ip6_rt_update_pmtu()
 * reads the network header). Consumes nothing; @skb is left for the
 * caller to free.
 */
void fnat_tun6_update_pmtu(struct fnat_net *fn, struct fnat_dest *dest,
			   struct sk_buff *skb, unsigned int l3off, u32 mtu)
{
	union nf_inet_addr saddr;
	struct dst_entry *dst;
	bool noref;

	dst = fnat_dest_route(fn, &fnat_tun_inet6.route, dest, skb, &saddr,
			      &noref);
	if (!dst)
		return;
	skb_set_network_header(skb, l3off);
	dst->ops->update_pmtu(dst, NULL, skb, mtu, true);
	fnat_dst_put(dst, noref);
}

const struct fnat_tun_af fnat_tun_inet6 = {
	.route		= {
		.lookup		= tun6_lookup,
		.uncached	= fnat_inet6_uncached,
	},
	.mtu		= tun6_mtu,
	.max_inner	= IPV6_MAXPLEN,
	.ready		= tun6_ready,
	.send		= tun6_send,
};
