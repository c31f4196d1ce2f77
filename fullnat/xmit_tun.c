// SPDX-License-Identifier: GPL-2.0
/*
 * The TUN method (struct fnat_method), LVS's IP tunnelling: the client's
 * packet goes on unchanged inside an outer IPv4 header (protocol 4, IPIP)
 * from the director to the real server, which may be anywhere routable;
 * an IPv6 one inside an outer IPv6 header (next header 41, ip6ip6: see
 * xmit_tun6.c, and tun.h for what each family provides).
 * The server decapsulates it (the VIP on its tunl0) and answers the client
 * directly, from the VIP: the director never sees a reply, so there is no
 * local address, no reply side, no TOA and no port mapping.
 *
 * The tunnel costs 20 bytes of the path's MTU. The client is the one who
 * must send less: a packet with DF that no longer fits is answered with
 * "fragmentation needed" carrying the route's MTU less the outer header,
 * as a router in front of a tunnel does; one without DF is fragmented
 * after encapsulation (the outer header copies the inner DF, as IPVS's
 * does), and the server's stack reassembles it before it decapsulates.
 */
#include <linux/ip.h>
#include <net/dsfield.h>
#include <net/ip.h>
#include <net/ip_fib.h>
#include <net/ip_tunnels.h>
#include <net/route.h>

#include "tun.h"

#define TUN_HLEN	sizeof(struct iphdr)

/*
 * A real server's cached route, with the source its lookup chose for the
 * outer header (TUN): the route's preferred source ("ip route ... src
 * X"), or else the output device's address toward the next hop, as for a
 * local socket. The two are kept together and replaced together, under
 * RCU, when dst_check() finds the route stale (the FIB changed, a device
 * went, a path MTU was learnt): the cached route does not keep its
 * source. Used without a reference, as fnat_inet4_route()'s cache is.
 * @cookie: what dst_check() compares (IPv6's FIB node serial; 0 for
 * IPv4). @ops: whose route it is (TUN's or DR6's, whose next hops
 * differ): a server's method may change, its older connections keep
 * theirs, and a route made by the other's lookup is not reused.
 */
struct fnat_dest_route {
	struct dst_entry *dst;		/* holds a reference */
	const struct fnat_route_ops *ops;
	union nf_inet_addr saddr;
	u32 cookie;
	struct rcu_head rcu;
};

static struct dst_entry *tun4_lookup(struct net *net,
				     const union nf_inet_addr *daddr,
				     const struct sk_buff *skb,
				     union nf_inet_addr *saddr, u32 *cookie)
{
	struct flowi4 fl4 = {
		.daddr = daddr->ip,
		.flowi4_tos = skb ? RT_TOS(ip_hdr(skb)->tos) : 0,
		.flowi4_mark = skb ? skb->mark : 0,
	};
	struct rtable *rt;

	rt = ip_route_output_key(net, &fl4);
	if (IS_ERR(rt))
		return NULL;
	/* Real servers are elsewhere; never loop back to us. */
	if (rt->rt_type != RTN_UNICAST || !fl4.saddr) {
		ip_rt_put(rt);
		return NULL;
	}
	memset(saddr, 0, sizeof(*saddr));
	saddr->ip = fl4.saddr;
	*cookie = 0;
	return &rt->dst;
}

/* Policy rules, a mark or a TOS bypass the cache (fnat_inet4_route()). */
static bool tun4_uncached(struct fnat_net *fn, const struct sk_buff *skb)
{
	return skb->mark || (ip_hdr(skb)->tos & FNAT_TOS_ROUTE_MASK) ||
	       fib4_has_custom_rules(fn->net);
}

static unsigned int tun4_mtu(const struct dst_entry *dst)
{
	return dst_mtu(dst) < TUN_HLEN + 68 ? 0 : dst_mtu(dst) - TUN_HLEN;
}

static void dest_route_free_rcu(struct rcu_head *head)
{
	struct fnat_dest_route *r = container_of(head, struct fnat_dest_route,
						 rcu);

	dst_release(r->dst);
	kfree(r);
}

/* From the real server's own RCU callback: nobody reads it any more. */
void fnat_dest_route_free(struct fnat_dest *dest)
{
	struct fnat_dest_route *r = rcu_dereference_protected(dest->route,
							      true);

	if (r) {
		dst_release(r->dst);
		kfree(r);
	}
}

/*
 * The route toward @dest for @skb, by @ops (TUN's of either family, DR
 * over IPv6's), and its source (*@saddr). *@noref: the route is the
 * cache's, used under RCU; fnat_dst_put().
 */
struct dst_entry *fnat_dest_route(struct fnat_net *fn,
				  const struct fnat_route_ops *ops,
				  struct fnat_dest *dest,
				  const struct sk_buff *skb,
				  union nf_inet_addr *saddr, bool *noref)
{
	struct fnat_dest_route *r, *old;
	struct dst_entry *dst;
	u32 cookie;

	*noref = false;
	if (ops->uncached(fn, skb))
		return ops->lookup(fn->net, &dest->addr, skb, saddr, &cookie);
	r = rcu_dereference(dest->route);
	if (r && r->ops == ops && dst_check(r->dst, r->cookie)) {
		*saddr = r->saddr;
		*noref = true;
		return r->dst;
	}
	dst = ops->lookup(fn->net, &dest->addr, NULL, saddr, &cookie);
	if (!dst)
		return NULL;
	/* No memory to cache it: the route serves this packet alone. */
	r = kmalloc(sizeof(*r), GFP_ATOMIC | __GFP_NOWARN);
	if (!r)
		return dst;
	dst_hold(dst);
	r->dst = dst;
	r->ops = ops;
	r->saddr = *saddr;
	r->cookie = cookie;
	/*
	 * An IPv6 route lives on its namespace's dst_ops: the namespace's
	 * exit waits for it to go (netns.c).
	 */
	if (dest->af == AF_INET6 && !READ_ONCE(fn->routes6))
		WRITE_ONCE(fn->routes6, true);
	/* Racing CPUs each retire what they replaced. */
	old = unrcu_pointer(xchg(&dest->route, RCU_INITIALIZER(r)));
	if (old)
		call_rcu(&old->rcu, dest_route_free_rcu);
	return dst;
}

/*
 * Ready @skb, an IPv4 packet at skb->data, to go inside IPIP on @dst:
 * room for the outer header, and its offloads. Nothing the transmit
 * cannot undo is done before this may fail: 0 or -errno.
 */
static int tun4_ready(struct sk_buff *skb, const struct fnat_pkt *p,
		      struct dst_entry *dst)
{
	/*
	 * A GRO packet keeps its segmentation offload: the output device,
	 * or GSO in software before it, cuts it into IPIP packets. A packet
	 * that is already a tunnel's GSO packet cannot nest a second one.
	 */
	if (skb_is_gso(skb) && skb->encapsulation)
		return -EINVAL;
	if (skb_cow_head(skb, LL_RESERVED_SPACE(dst->dev) + TUN_HLEN))
		return -ENOMEM;
	skb_set_transport_header(skb, ip_hdrlen(skb));
	if (iptunnel_handle_offloads(skb, SKB_GSO_IPXIP4))
		return -ENOMEM;
	skb_set_inner_ipproto(skb, IPPROTO_IPIP);
	/* No link layer inside: the inner "MAC" header is the IP header. */
	skb_set_inner_mac_header(skb, skb_inner_network_offset(skb));
	return 0;
}

/*
 * Put @skb, readied by tun4_ready(), inside an IPIP header from @saddr to
 * @daddr and send it on @dst (whose reference it takes over, unless
 * @noref) through the local output path, untracked as FullNAT's packets
 * are. The outer TOS and TTL are the inner packet's, as IPVS and an ipip
 * tunnel with "ttl inherit" set them; the inner packet is left as the
 * client sent it.
 */
static void tun4_send(struct fnat_net *fn, struct sk_buff *skb,
		      struct dst_entry *dst, bool noref,
		      const union nf_inet_addr *saddr,
		      const union nf_inet_addr *daddr)
{
	const struct iphdr *in = ip_hdr(skb);
	struct iphdr *iph;

	skb_push(skb, TUN_HLEN);
	skb_reset_network_header(skb);
	skb_set_transport_header(skb, TUN_HLEN);
	iph = ip_hdr(skb);
	iph->version = 4;
	iph->ihl = TUN_HLEN >> 2;
	iph->tos = ipv4_get_dsfield(in);
	iph->frag_off = in->frag_off & htons(IP_DF);
	iph->ttl = in->ttl;
	iph->protocol = IPPROTO_IPIP;
	iph->saddr = saddr->ip;
	iph->daddr = daddr->ip;
	iph->tot_len = 0;	/* __ip_local_out() sets it and the checksum */
	/*
	 * The size was checked against the route's MTU: if that shrank
	 * since, fragment rather than have ip_fragment() tell ourselves
	 * (and so the outer header gets a real ID, DF or not). A GSO
	 * packet's segments take consecutive IDs from the first: reserve
	 * them all, as iptunnel_xmit() does, or the next packet repeats
	 * them.
	 */
	skb->ignore_df = 1;
	ip_select_ident_segs(fn->net, skb, NULL,
			     skb_shinfo(skb)->gso_segs ?: 1);

	/* Sent by the director itself: the local output path (and hooks). */
	memset(IPCB(skb), 0, sizeof(*IPCB(skb)));
	fnat_inet4_out(skb, dst, noref);
	ip_local_out(fn->net, NULL, skb);
}

static const struct fnat_tun_af tun_inet4 = {
	.route		= {
		.lookup		= tun4_lookup,
		.uncached	= tun4_uncached,
	},
	.mtu		= tun4_mtu,
	.max_inner	= IP_MAX_MTU - TUN_HLEN,
	.ready		= tun4_ready,
	.send		= tun4_send,
};

/*
 * Send @skb (@p) of @cp to its real server inside the tunnel of its
 * family. Consumes the
 * packet: NF_STOLEN when sent, NF_DROP (counted) when not. @pp: the
 * packet's protocol, whose state moves if it goes on; NULL for an ICMP
 * error being relayed, which goes as it came.
 */
static unsigned int xmit(struct fnat_net *fn, struct fnat_conn *cp,
			 struct sk_buff *skb, const struct fnat_pkt *p,
			 const struct fnat_proto *pp)
{
	const struct fnat_tun_af *af = p->af == AF_INET6 ? &fnat_tun_inet6 :
					&tun_inet4;
	union nf_inet_addr saddr;
	struct fnat_xmit_ctx x;
	struct dst_entry *dst;
	unsigned int mtu;
	bool noref;
	int reason;

	dst = fnat_dest_route(fn, &af->route, cp->dest, skb, &saddr, &noref);
	if (!dst) {
		fnat_count(fn, FULLNAT_CNT_NO_ROUTE);
		return NF_DROP;
	}
	mtu = af->mtu(dst);
	if (!mtu) {
		fnat_count(fn, FULLNAT_CNT_XMIT_ERR);
		goto drop;
	}
	if (fnat_af_too_big(skb, p, dst, mtu, mtu)) {
		fnat_count(fn, FULLNAT_CNT_FRAG_NEEDED);
		goto drop;
	}
	/*
	 * A datagram the client sent in fragments, reassembled, may be too
	 * long for any outer header (IPv4's 65535 bytes, IPv6's payload of
	 * 65535): in fragments it would come to more than the server can
	 * reassemble, and the outer length field would not hold it. No MTU
	 * told would help. A GSO packet is cut into segments that fit.
	 */
	if (!skb_is_gso(skb) && skb->len > af->max_inner) {
		fnat_count(fn, FULLNAT_CNT_XMIT_ERR);
		goto drop;
	}
	/* Client options the server's toa.ko would believe: cleared. */
	reason = pp ? fnat_xmit_prepare(fn, cp, skb, p, FNAT_DIR_IN, &x) :
		 fnat_oneway_relay_source(fn, cp, skb, p, dst->dev, &saddr);
	if (reason) {
		fnat_count(fn, reason);
		goto drop;
	}
	if (af->ready(skb, p, dst)) {
		fnat_count(fn, FULLNAT_CNT_XMIT_ERR);
		goto drop;
	}
	/* Going on: only now does the state move (on the inner packet). */
	if (pp) {
		fnat_proto_call(pp, state, fn, cp, skb, p, FNAT_DIR_IN);
		fnat_xmit_stats(cp, FNAT_DIR_IN, skb->len);
	}
	af->send(fn, skb, dst, noref, &saddr, &cp->daddr);
	return NF_STOLEN;

drop:
	fnat_dst_put(dst, noref);
	return NF_DROP;
}

static unsigned int fnat_tun_xmit_in(struct fnat_net *fn, struct fnat_conn *cp,
				     struct sk_buff *skb,
				     const struct fnat_pkt *p)
{
	return xmit(fn, cp, skb, p, p->pp);
}

/*
 * An error about a reply, VIP -> CIP, from a router on the client's path
 * (found as the client's side, @dir IN): it is addressed to the VIP, so
 * it reaches the director, but it belongs to the real server, whose TCP
 * must learn the path MTU toward the client ("fragmentation needed" about
 * a large reply is the common one). It goes to the server as the
 * connection's packets do, inside IPIP and otherwise as it came (IPVS
 * does the same), but for a link-local source, which becomes the
 * tunnel's own; the server's stack believes it as it would any error
 * from the Internet about its packets (see xmit_dr.c).
 */
static int fnat_tun_icmp(struct fnat_net *fn, struct fnat_conn *cp,
			 enum fnat_dir dir, struct sk_buff *skb,
			 const struct fnat_pkt *p, const struct fnat_pkt *q,
			 struct fnat_icmp_xlate *x)
{
	return fnat_oneway_icmp(xmit, fn, cp, dir, skb, p);
}

/*
 * No bind: the connection is found by its client side only. ICMP errors
 * about the tunnel's own packets quote an IPIP header (icmp.c) or an
 * IPv6 one (icmp6.c).
 */
const struct fnat_method fnat_method_tun = {
	.name		= "tun",
	.fwd		= FULLNAT_FWD_TUN,
	.one_way	= true,
	.ipv6		= true,
	.xmit_in	= fnat_tun_xmit_in,
	.xmit_out	= fnat_oneway_xmit_out,
	.icmp		= fnat_tun_icmp,
};
