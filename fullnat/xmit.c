// SPDX-License-Identifier: GPL-2.0
/*
 * Transmit, FullNAT over IPv4: both ends of the packet are rewritten
 * (client -> VIP becomes LIP -> RIP, and back), the packet is routed
 * like a router would route it (TTL, path MTU, ICMP to the sender) and
 * leaves through the output path untracked.
 */
#include <linux/icmp.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <net/icmp.h>
#include <net/ip.h>
#include <net/ip_fib.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/route.h>
#include <uapi/linux/toa.h>

#include "fullnat.h"

struct rtable *fnat_route4(struct net *net, __be32 daddr, __be32 saddr,
			   u8 tos, u32 mark)
{
	struct flowi4 fl4 = {
		.daddr = daddr,
		.saddr = saddr,
		.flowi4_tos = RT_TOS(tos),
		.flowi4_mark = mark,
		/* LIPs and VIPs need not be configured on an interface. */
		.flowi4_flags = FLOWI_FLAG_ANYSRC,
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

/*
 * A route for a packet of a connection, from a cache: one route per real
 * server (struct fnat_dest) for packets going in, one per connection for
 * replies.
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
 * Returns the route and whether the caller owns a reference to it; NULL
 * when there is no route.
 */
static struct rtable *cached_route(struct fnat_net *fn,
				   struct dst_entry __rcu **cache,
				   __be32 daddr, __be32 saddr,
				   const struct sk_buff *skb, bool *noref)
{
	const struct iphdr *iph = ip_hdr(skb);
	struct dst_entry *dst, *old;
	struct rtable *rt;

	*noref = false;
	if (skb->mark || (iph->tos & FNAT_TOS_ROUTE_MASK) ||
	    fib4_has_custom_rules(fn->net))
		return fnat_route4(fn->net, daddr, saddr, iph->tos, skb->mark);

	dst = rcu_dereference(*cache);
	if (dst && dst_check(dst, 0)) {
		*noref = true;
		return (struct rtable *)dst;
	}
	rt = fnat_route4(fn->net, daddr, saddr, 0, 0);
	if (!rt)
		return NULL;
	/* The cache's own reference; racing CPUs each drop what they replaced. */
	dst_hold(&rt->dst);
	old = unrcu_pointer(xchg(cache, RCU_INITIALIZER(&rt->dst)));
	dst_release(old);
	return rt;
}

/* @dest is being freed, after a grace period: nobody reads its route. */
void fnat_dest_dst_release(struct fnat_dest *dest)
{
	dst_release(rcu_dereference_protected(dest->dst, true));
}

/*
 * Send an ICMP error about @skb, still as it arrived, to its sender.
 * icmp_send() needs a route on the packet (for the namespace, and to see
 * that the packet was not for us); the output route already found serves,
 * without a reference: the caller holds one or is under RCU (a cached
 * route), and drops the packet before either ends. ICMP's own rate limits
 * apply.
 */
void fnat_icmp_reply(struct sk_buff *skb, struct rtable *rt, int type,
		     int code, __be32 info)
{
	skb_dst_drop(skb);
	skb_dst_set_noref(skb, &rt->dst);
	icmp_send(skb, type, code, info);
}

static bool too_big(const struct sk_buff *skb, unsigned int mtu)
{
	if (skb_is_gso(skb))
		return !skb_gso_validate_network_len(skb, mtu);
	return skb->len > mtu;
}

/*
 * Send a rewritten packet on @rt (whose reference it takes over, unless
 * @noref: then the route is used under RCU, see cached_route()), as the
 * forwarding path would, and untracked: conntrack never saw this flow
 * (our hook runs before it) and must not start tracking it halfway, or a
 * director's own NAT rules would apply to it.
 */
unsigned int fnat_xmit_finish(struct fnat_net *fn, struct sk_buff *skb,
			      struct rtable *rt, bool noref)
{
	ip_decrease_ttl(ip_hdr(skb));
	nf_reset_ct(skb);
	nf_ct_set(skb, NULL, IP_CT_UNTRACKED);
	skb_forward_csum(skb);
	skb_clear_tstamp(skb);
	IPCB(skb)->flags |= IPSKB_FORWARDED;
	skb_dst_drop(skb);
	if (noref)
		skb_dst_set_noref(skb, &rt->dst);
	else
		skb_dst_set(skb, &rt->dst);
	dst_output(fn->net, NULL, skb);
	return NF_STOLEN;
}

/*
 * Forward a packet of @cp going @dir, parsed into @p: the network and
 * transport headers are in the linear area. Consumes the packet: returns
 * NF_STOLEN when it was sent, NF_DROP (counted) when not.
 */
unsigned int fnat_xmit_fullnat(struct fnat_net *fn, struct fnat_conn *cp,
			       struct sk_buff *skb, const struct fnat_pkt *p,
			       enum fnat_dir dir)
{
	const struct fnat_proto *pp = p->pp;
	const union nf_inet_addr *saddr, *daddr;
	struct iphdr *iph = ip_hdr(skb);
	struct fnat_xmit_ctx x;
	__be16 sport, dport;
	bool noref = false;
	struct rtable *rt;
	unsigned int mtu;
	int reason;

	if (dir == FNAT_DIR_IN) {
		saddr = &cp->laddr;
		sport = cp->lport;
		daddr = &cp->daddr;
		dport = cp->dport;
	} else {
		saddr = &cp->vaddr;
		sport = cp->vport;
		daddr = &cp->caddr;
		dport = cp->cport;
	}

	if (dir == FNAT_DIR_IN)
		rt = cached_route(fn, &cp->dest->dst, daddr->ip, saddr->ip, skb,
				  &noref);
	else
		rt = cached_route(fn, &cp->reply_dst, daddr->ip, saddr->ip, skb,
				  &noref);
	if (!rt) {
		fnat_count(fn, FULLNAT_CNT_NO_ROUTE);
		return NF_DROP;
	}
	mtu = dst_mtu(&rt->dst);

	if (iph->ttl <= 1) {
		fnat_icmp_reply(skb, rt, ICMP_TIME_EXCEEDED, ICMP_EXC_TTL, 0);
		fnat_count(fn, FULLNAT_CNT_TTL);
		goto drop;
	}

	if (skb_ensure_writable(skb, p->l4off + p->l4hlen)) {
		fnat_count(fn, FULLNAT_CNT_XMIT_ERR);
		goto drop;
	}
	iph = ip_hdr(skb);
	reason = pp->prepare ? fnat_proto_call(pp, prepare, fn, cp, skb, p,
					       dir, &x) : 0;
	if (reason) {
		fnat_count(fn, reason);
		goto drop;
	}

	/*
	 * Too big for the next hop and not to be fragmented: tell the sender,
	 * as a router would. A client of a TOA service is told 8 bytes less,
	 * so that its packets still fit when the director adds the option.
	 */
	if ((iph->frag_off & htons(IP_DF)) && too_big(skb, mtu)) {
		if (dir == FNAT_DIR_IN &&
		    (READ_ONCE(cp->flags) & FNAT_CONN_F_TOA))
			mtu -= TOA_LEN_V4;
		fnat_icmp_reply(skb, rt, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED,
			   htonl(mtu));
		fnat_count(fn, FULLNAT_CNT_FRAG_NEEDED);
		goto drop;
	}

	/* Only a packet that goes on may change the connection's state. */
	fnat_proto_call(pp, state, fn, cp, skb, p, dir);
	fnat_proto_call(pp, rewrite, skb, p, saddr, sport, daddr, dport);
	fnat_af_rewrite(skb, p, saddr, daddr);
	if (pp->finish)
		fnat_proto_call(pp, finish, fn, cp, skb, p, dir, &x, mtu);
	fnat_stats_add(cp->dest->stats, dir, skb->len);
	fnat_stats_add(cp->dest->svc->stats, dir, skb->len);
	return fnat_xmit_finish(fn, skb, rt, noref);

drop:
	if (!noref)
		ip_rt_put(rt);
	return NF_DROP;
}
