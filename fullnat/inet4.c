// SPDX-License-Identifier: GPL-2.0
/*
 * The IPv4 family: parsing the network header into a struct fnat_pkt,
 * what depends on the family's addresses and checksums, routing, ICMP
 * to the sender, and the way out.
 *
 * Everything else in the data path reads the parsed packet, so IPv6 adds
 * a file like this one (and a hook), not a branch in every function.
 */
#include <linux/icmp.h>
#include <linux/ip.h>
#include <net/icmp.h>
#include <net/ip.h>
#include <net/ip_fib.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/route.h>

#include "fullnat.h"

/*
 * Parse the IPv4 header at @off: the packet's own, or the one an ICMP
 * error quotes. Pulls the header into the linear area. Returns 0, or
 * -EINVAL when it is not a whole IPv4 header (the stack checked the
 * packet's own; a quote is whatever the error's sender wrote).
 */
int fnat_inet4_parse(struct sk_buff *skb, unsigned int off,
		     struct fnat_pkt *p)
{
	const struct iphdr *iph;
	unsigned int ihl;
	u16 frag;

	if (!pskb_may_pull(skb, off + sizeof(*iph)))
		return -EINVAL;
	iph = (const struct iphdr *)(skb->data + off);
	ihl = iph->ihl * 4;
	if (iph->version != 4 || ihl < sizeof(*iph) ||
	    !pskb_may_pull(skb, off + ihl))
		return -EINVAL;
	iph = (const struct iphdr *)(skb->data + off);

	memset(&p->saddr, 0, sizeof(p->saddr));
	memset(&p->daddr, 0, sizeof(p->daddr));
	p->saddr.ip = iph->saddr;
	p->daddr.ip = iph->daddr;
	p->sport = 0;
	p->dport = 0;
	p->af = AF_INET;
	p->proto = iph->protocol;
	frag = ntohs(iph->frag_off);
	p->frag = frag & (IP_MF | IP_OFFSET);
	p->fragoff = (frag & IP_OFFSET) << 3;
	p->l3off = off;
	p->l4off = off + ihl;
	p->l4hlen = 0;
	p->pp = NULL;
	return 0;
}

/*
 * A source no client can have: this network, loopback, multicast, the
 * reserved 240/4 and broadcast, and the director's own VIPs and LIPs (a
 * reply to them would come back to the director itself). RCU read side;
 * called for packets that would create a connection only.
 *
 * Also any address local to the director that did not come looped back
 * through lo: the stack's own source check (fib_validate_source()) calls
 * it martian, but we take the packet before routing, and NAT, DR and TUN
 * would hand a real server a "client" that is the director. The cost is
 * one lookup in the local table per new connection. That is the only
 * part of rp_filter we do (docs/methods.md, "NAT").
 */
bool fnat_inet4_martian(struct fnat_net *fn, const struct net_device *dev,
			const union nf_inet_addr *addr)
{
	__be32 a = addr->ip;

	/* ipv4_is_zeronet() is only 0.0.0.0 on recent kernels: 0/8 here. */
	if ((a & htonl(0xff000000)) == 0 || ipv4_is_loopback(a) ||
	    ipv4_is_multicast(a) || ipv4_is_lbcast(a) ||
	    (a & htonl(0xf0000000)) == htonl(0xf0000000))
		return true;
	return fnat_addr_ours(fn, AF_INET, addr) ||
	       (!(dev && (dev->flags & IFF_LOOPBACK)) &&
		inet_addr_type(fn->net, a) == RTN_LOCAL);
}

/*
 * A packet that matched no connection and no service. If it is addressed
 * to a VIP or LIP that is not a local address of the director, the stack
 * would route it by its routes, which lead the VIP and LIP back out
 * (often toward where the packet came from): ours to drop. To a local
 * address, or to anything else, it belongs to the stack, which answers
 * or forwards it as it would without us. Ordinary routed traffic pays one
 * lookup in a set of a few entries; the route lookup only for our own
 * addresses.
 */
bool fnat_inet4_stray(struct fnat_net *fn, struct sk_buff *skb,
		      const struct fnat_pkt *p)
{
	return fnat_addr_ours(fn, AF_INET, &p->daddr) &&
	       inet_addr_type_dev_table(fn->net, skb->dev, p->daddr.ip) !=
	       RTN_LOCAL;
}

bool fnat_inet4_local(struct fnat_net *fn, struct sk_buff *skb,
		      const union nf_inet_addr *addr)
{
	return inet_addr_type_dev_table(fn->net, skb->dev, addr->ip) ==
	       RTN_LOCAL;
}

void fnat_inet4_csum_addrs(__sum16 *check, struct sk_buff *skb,
			   const struct fnat_pkt *p,
			   const union nf_inet_addr *saddr,
			   const union nf_inet_addr *daddr)
{
	if (!skb) {
		csum_replace4(check, p->saddr.ip, saddr->ip);
		csum_replace4(check, p->daddr.ip, daddr->ip);
		return;
	}
	inet_proto_csum_replace4(check, skb, p->saddr.ip, saddr->ip, true);
	inet_proto_csum_replace4(check, skb, p->daddr.ip, daddr->ip, true);
}

void fnat_inet4_rewrite(struct sk_buff *skb, const struct fnat_pkt *p,
			const union nf_inet_addr *saddr,
			const union nf_inet_addr *daddr)
{
	struct iphdr *iph = (struct iphdr *)(skb->data + p->l3off);

	csum_replace4(&iph->check, iph->saddr, saddr->ip);
	csum_replace4(&iph->check, iph->daddr, daddr->ip);
	iph->saddr = saddr->ip;
	iph->daddr = daddr->ip;
}

static struct rtable *route4_flags(struct net *net, __be32 daddr,
				   __be32 saddr, u8 tos, u32 mark, u8 flags)
{
	struct flowi4 fl4 = {
		.daddr = daddr,
		.saddr = saddr,
		.flowi4_tos = RT_TOS(tos),
		.flowi4_mark = mark,
		/* LIPs and VIPs need not be configured on an interface. */
		.flowi4_flags = FLOWI_FLAG_ANYSRC | flags,
	};
	struct rtable *rt;

	rt = ip_route_output_key(net, &fl4);
	if (IS_ERR(rt))
		return NULL;
	/* Real servers and clients are elsewhere; never loop back to us. */
	if (rt->rt_type != RTN_UNICAST) {
		ip_rt_put(rt);
		return NULL;
	}
	return rt;
}

static struct rtable *route4(struct net *net, __be32 daddr, __be32 saddr,
			     u8 tos, u32 mark)
{
	return route4_flags(net, daddr, saddr, tos, mark, 0);
}

/*
 * A route from @saddr to @daddr for @skb, from the cache at @cache: one
 * route per real server (struct fnat_dest) for packets going in, one per
 * connection for replies. @cache NULL: no cache (ICMP errors).
 *
 * Cached routes are used without taking a reference, as IPVS NAT uses
 * its servers' routes: a FIB lookup plus a reference count taken and
 * dropped for every packet were a fair part of the director's own time.
 * Without a reference is safe because the packet is sent before this RCU
 * read-side section ends (the transmit path takes a reference,
 * skb_dst_force(), if it must keep the packet longer) and a route is
 * freed only an RCU grace period after its last reference goes; the
 * cache's own reference does not keep a device: when a device or a route
 * goes, the kernel moves routes still referenced to the blackhole device.
 * dst_check() catches every change that invalidates a route: the FIB
 * changed (its generation), a device went, a PMTU exception was learnt.
 *
 * Going in, one route serves every local address. That holds as long as
 * nothing routes by source address, mark or TOS, so policy rules, a mark
 * or a TOS bypass the caches; and a multipath route is followed along one
 * path per real server rather than per (local address, server) pair.
 * Replies are routed exactly, per connection: the client's address is
 * what varies.
 *
 * Returns the route and whether the caller owns a reference to it
 * (fnat_dst_put() drops it); NULL when there is no route.
 */
struct dst_entry *fnat_inet4_route(struct fnat_net *fn,
				   struct dst_entry __rcu **cache,
				   const union nf_inet_addr *daddr,
				   const union nf_inet_addr *saddr,
				   const struct sk_buff *skb, bool *noref)
{
	return fnat_inet4_route_key(fn, cache, daddr, saddr, ip_hdr(skb)->tos,
				    skb->mark, noref);
}

/*
 * The same for a packet whose TOS and mark are given, not read from its
 * header: one that is still IPv6 (FullNAT64, xlat.c), or an error of
 * the director's own.
 */
struct dst_entry *fnat_inet4_route_key(struct fnat_net *fn,
				       struct dst_entry __rcu **cache,
				       const union nf_inet_addr *daddr,
				       const union nf_inet_addr *saddr,
				       u8 tos, u32 mark, bool *noref)
{
	struct dst_entry *dst, *old;
	struct rtable *rt;

	*noref = false;
	if (!cache || mark || (tos & FNAT_TOS_ROUTE_MASK) ||
	    fib4_has_custom_rules(fn->net)) {
		rt = route4(fn->net, daddr->ip, saddr->ip, tos, mark);
		return rt ? &rt->dst : NULL;
	}

	dst = rcu_dereference(*cache);
	if (dst && dst_check(dst, 0)) {
		*noref = true;
		return dst;
	}
	rt = route4(fn->net, daddr->ip, saddr->ip, 0, 0);
	if (!rt)
		return NULL;
	/* The cache's own reference; racing CPUs each drop what they replaced. */
	dst_hold(&rt->dst);
	old = unrcu_pointer(xchg(cache, RCU_INITIALIZER(&rt->dst)));
	dst_release(old);
	return &rt->dst;
}

/* Does @dst hand its packets to @nh itself, on a directly connected network? */
static bool to_neighbour(const struct dst_entry *dst, __be32 nh)
{
	const struct rtable *rt = container_of(dst, struct rtable, dst);

	return rt->rt_gw_family == AF_INET && rt->rt_gw4 == nh &&
	       !rt->rt_uses_gateway;
}

/*
 * A route that gives @skb, whatever its destination, to the neighbour @nh
 * (DR: the packet keeps the VIP, the real server's address is only the
 * next hop). FLOWI_FLAG_KNOWN_NH makes the kernel build a route of its
 * own, not the network's shared one, with @nh as its gateway: the
 * neighbour is then resolved for @nh, not for the packet's destination.
 * A route that reaches @nh through a router (rt_uses_gateway) would hand
 * the packet to that router, which routes it by the VIP, back to us: no
 * route. The cache (the real server's) and *@noref are as in
 * fnat_inet4_route(); a cached route made for another method of the same
 * server (another next hop) is replaced.
 *
 * The lookup is for @nh alone, as IPVS's DR does it: no source and no
 * TOS (a client sets the TOS, and a route per TOS would only pick
 * another way to a neighbour that has one), so policy rules see the same
 * key for every packet and the cache holds under them too (dst_check()
 * sees the rules change). Only a mark the director's own firewall set
 * is the administrator's choice of route: it bypasses the cache.
 * Uncached, every packet would allocate a route of its own here.
 */
struct dst_entry *fnat_inet4_route_nh(struct fnat_net *fn,
				      struct dst_entry __rcu **cache,
				      const union nf_inet_addr *nh,
				      const struct sk_buff *skb, bool *noref)
{
	struct dst_entry *dst, *old;
	struct rtable *rt;
	bool cached;

	*noref = false;
	cached = cache && !skb->mark;
	if (cached) {
		dst = rcu_dereference(*cache);
		if (dst && dst_check(dst, 0) && to_neighbour(dst, nh->ip)) {
			*noref = true;
			return dst;
		}
	}
	rt = route4_flags(fn->net, nh->ip, 0, 0, skb->mark, FLOWI_FLAG_KNOWN_NH);
	if (!rt)
		return NULL;
	if (!to_neighbour(&rt->dst, nh->ip)) {
		ip_rt_put(rt);
		return NULL;
	}
	if (cached) {
		dst_hold(&rt->dst);
		old = unrcu_pointer(xchg(cache, RCU_INITIALIZER(&rt->dst)));
		dst_release(old);
	}
	return &rt->dst;
}

/*
 * Send an ICMP error about @skb, still as it arrived, to its sender.
 * icmp_send() needs a route on the packet (for the namespace, and to see
 * that the packet was not for us); the output route already found serves,
 * without a reference: the caller holds one or is under RCU (a cached
 * route), and drops the packet before either ends. ICMP's own rate limits
 * apply.
 */
static void icmp_reply(struct sk_buff *skb, struct dst_entry *dst, int type,
		       int code, __be32 info)
{
	skb_dst_drop(skb);
	skb_dst_set_noref(skb, dst);
	icmp_send(skb, type, code, info);
}

/*
 * Would forwarding @skb on @dst take its TTL to 0? Then the sender is
 * told, as a router would, if @tell.
 */
bool fnat_inet4_ttl_expired(struct sk_buff *skb, struct dst_entry *dst,
			    bool tell)
{
	if (ip_hdr(skb)->ttl > 1)
		return false;
	if (tell)
		icmp_reply(skb, dst, ICMP_TIME_EXCEEDED, ICMP_EXC_TTL, 0);
	return true;
}

/*
 * A datagram nf_defrag_ipv4 reassembled (frag_max_size: its largest
 * fragment) leaves in fragments no larger than those that came in
 * (ip_do_fragment()), DF or not: it is too big only if one of them was,
 * as the forwarding path judges it (ip_exceeds_mtu()).
 */
bool fnat_inet4_exceeds(const struct sk_buff *skb, unsigned int mtu)
{
	if (IPCB(skb)->frag_max_size)
		return IPCB(skb)->frag_max_size > mtu;
	if (skb_is_gso(skb))
		return !skb_gso_validate_network_len(skb, mtu);
	return skb->len > mtu;
}

/*
 * Too big for the next hop's @mtu and not to be fragmented? Then the
 * sender is told, as a router would, to send at most @tell_mtu.
 */
bool fnat_inet4_too_big(struct sk_buff *skb, struct dst_entry *dst,
			unsigned int mtu, unsigned int tell_mtu)
{
	if (!(ip_hdr(skb)->frag_off & htons(IP_DF)) ||
	    !fnat_inet4_exceeds(skb, mtu))
		return false;
	icmp_reply(skb, dst, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED,
		   htonl(tell_mtu));
	return true;
}

/*
 * Ready @skb to leave on @dst (whose reference it takes over, unless
 * @noref: then the route is used under RCU, see fnat_inet4_route()), and
 * untracked: conntrack never saw this flow (our hook runs before it) and
 * must not start tracking it halfway, or a director's own NAT rules would
 * apply to it.
 */
void fnat_inet4_out(struct sk_buff *skb, struct dst_entry *dst, bool noref)
{
	nf_reset_ct(skb);
	nf_ct_set(skb, NULL, IP_CT_UNTRACKED);
	skb_forward_csum(skb);
	skb_clear_tstamp(skb);
	skb_dst_drop(skb);
	if (noref)
		skb_dst_set_noref(skb, dst);
	else
		skb_dst_set(skb, dst);
}

/* Send a rewritten packet on @dst as the forwarding path would. */
unsigned int fnat_inet4_xmit(struct fnat_net *fn, struct sk_buff *skb,
			     struct dst_entry *dst, bool noref)
{
	ip_decrease_ttl(ip_hdr(skb));
	IPCB(skb)->flags |= IPSKB_FORWARDED;
	fnat_inet4_out(skb, dst, noref);
	dst_output(fn->net, NULL, skb);
	return NF_STOLEN;
}
