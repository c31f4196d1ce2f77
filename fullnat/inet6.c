// SPDX-License-Identifier: GPL-2.0
/*
 * The IPv6 family: inet4.c's counterpart. Parsing walks the extension
 * headers to the transport header (ipv6_find_hdr()); there is no network
 * header checksum to fix; the director, as a router, never fragments and
 * answers a packet too big for the next hop with a Packet Too Big of its
 * own.
 *
 * Fragments: nf_defrag_ipv6 reassembles them before our hook (core.c),
 * as nf_defrag_ipv4 does for IPv4, and removes the fragment header. A
 * reassembled packet leaves in fragments no larger than those that came in
 * (ip6_fragment(), frag_max_size), so it is too big only if one of them
 * was. A fragment that still reaches us (the stack's defrag gave up on it)
 * is left to the stack, as for IPv4: never rewritten, never half a flow.
 *
 * A packet with a routing header that still has segments to visit is on
 * its way elsewhere: its destination is not final, so it is the stack's.
 *
 * FullNAT66's and NAT66's routes are cached as IPv4's are (inet4.c), one
 * per real server going in and one per connection for replies, each in a
 * struct fnat_rt6 of its own that holds the route: an IPv6 route is
 * checked with the cookie of the FIB node it came from (ip6_dst_check()),
 * and struct fnat_conn has no byte left beside its reply route's pointer.
 * DR6's and TUN6's routes, one per real server, are cached with their
 * cookie and source (fnat_dest_route()).
 */
#include <linux/icmpv6.h>
#include <linux/ipv6.h>
#include <linux/memcontrol.h>
#include <net/addrconf.h>
#include <net/ip6_checksum.h>
#include <net/ip6_fib.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/netfilter/nf_conntrack.h>

#include "fullnat.h"

/* A routing header at or before the transport header with segments left? */
static bool routed_on(struct sk_buff *skb, unsigned int off)
{
	struct ipv6_rt_hdr _rh;
	const struct ipv6_rt_hdr *rh;
	unsigned int rhoff = off;

	if (ipv6_find_hdr(skb, &rhoff, NEXTHDR_ROUTING, NULL, NULL) < 0)
		return false;
	rh = skb_header_pointer(skb, rhoff, sizeof(_rh), &_rh);
	return !rh || rh->segments_left;
}

/*
 * Parse the IPv6 header at @off (the packet's own, or the one an ICMPv6
 * error quotes) and its extension headers. Pulls the fixed header into the
 * linear area. Returns 0, or -EINVAL when it is not a whole IPv6 header or
 * its extension headers are broken, or the packet is not ours to parse (a
 * routing header with segments left).
 */
int fnat_inet6_parse(struct sk_buff *skb, unsigned int off,
		     struct fnat_pkt *p)
{
	const struct ipv6hdr *ip6h;
	unsigned short fragoff = 0;
	unsigned int thoff = off;
	int flags = 0, proto;

	if (!pskb_may_pull(skb, off + sizeof(*ip6h)))
		return -EINVAL;
	ip6h = (const struct ipv6hdr *)(skb->data + off);
	if (ip6h->version != 6)
		return -EINVAL;
	p->saddr.in6 = ip6h->saddr;
	p->daddr.in6 = ip6h->daddr;

	/*
	 * ipv6_find_hdr() reads the packet's own header when the offset is
	 * 0 and the one at the offset otherwise: our offsets count from
	 * skb->data, which is where the network header is in PRE_ROUTING.
	 */
	proto = ipv6_find_hdr(skb, &thoff, -1, &fragoff, &flags);
	if (proto < 0)
		return -EINVAL;
	/*
	 * Extension headers may add up to more than struct fnat_pkt's
	 * 16-bit offsets hold (a reassembled packet, a jumbo link): the
	 * transport header would be read, and rewritten, at the offset
	 * wrapped into the addresses. Nobody serves a client that way.
	 */
	if (thoff > U16_MAX)
		return -EINVAL;
	if (thoff != off + sizeof(*ip6h) && routed_on(skb, off))
		return -EINVAL;

	p->sport = 0;
	p->dport = 0;
	p->af = AF_INET6;
	p->proto = proto;
	p->frag = flags & IP6_FH_F_FRAG;
	p->fragoff = fragoff;
	p->l3off = off;
	p->l4off = thoff;
	p->l4hlen = 0;
	p->pp = NULL;
	return 0;
}

/*
 * A source no client can have (inet4.c has the why): unspecified,
 * loopback, multicast, link-local (a reply to it needs the interface it
 * came on, which a route toward a client does not have), IPv4-mapped
 * (never on the wire), our own VIPs and LIPs, and a local address that did
 * not come through lo.
 */
bool fnat_inet6_martian(struct fnat_net *fn, const struct net_device *dev,
			const union nf_inet_addr *addr)
{
	const struct in6_addr *a = &addr->in6;
	int type = ipv6_addr_type(a);

	if (type & (IPV6_ADDR_ANY | IPV6_ADDR_LOOPBACK | IPV6_ADDR_MULTICAST |
		    IPV6_ADDR_LINKLOCAL | IPV6_ADDR_MAPPED))
		return true;
	return fnat_addr_ours(fn, AF_INET6, addr) ||
	       (!(dev && (dev->flags & IFF_LOOPBACK)) &&
		ipv6_chk_addr(fn->net, a, NULL, 0));
}

/* As fnat_inet4_stray(): to a VIP or LIP the director does not hold. */
bool fnat_inet6_stray(struct fnat_net *fn, struct sk_buff *skb,
		      const struct fnat_pkt *p)
{
	return fnat_addr_ours(fn, AF_INET6, &p->daddr) &&
	       !ipv6_chk_addr(fn->net, &p->daddr.in6, NULL, 0);
}

bool fnat_inet6_local(struct fnat_net *fn, struct sk_buff *skb,
		      const union nf_inet_addr *addr)
{
	return ipv6_chk_addr(fn->net, &addr->in6, NULL, 0);
}

void fnat_inet6_csum_addrs(__sum16 *check, struct sk_buff *skb,
			   const struct fnat_pkt *p,
			   const union nf_inet_addr *saddr,
			   const union nf_inet_addr *daddr)
{
	int i;

	if (!skb) {
		for (i = 0; i < 4; i++) {
			csum_replace4(check, p->saddr.all[i], saddr->all[i]);
			csum_replace4(check, p->daddr.all[i], daddr->all[i]);
		}
		return;
	}
	inet_proto_csum_replace16(check, skb, p->saddr.all, saddr->all, true);
	inet_proto_csum_replace16(check, skb, p->daddr.all, daddr->all, true);
}

/* IPv6 has no header checksum: the addresses are all there is. */
void fnat_inet6_rewrite(struct sk_buff *skb, const struct fnat_pkt *p,
			const union nf_inet_addr *saddr,
			const union nf_inet_addr *daddr)
{
	struct ipv6hdr *ip6h = (struct ipv6hdr *)(skb->data + p->l3off);

	ip6h->saddr = saddr->in6;
	ip6h->daddr = daddr->in6;
}

/*
 * A route from @saddr to @daddr for @skb (the source counts for source
 * routing only: LIPs and VIPs need not be configured on an interface).
 * Real servers and clients are elsewhere: a local or anycast route, which
 * would loop back to us, is no route. The caller owns the reference.
 */
static struct dst_entry *route6(struct net *net,
				const union nf_inet_addr *daddr,
				const union nf_inet_addr *saddr,
				u32 mark, __be32 flowinfo)
{
	struct flowi6 fl6 = {
		.daddr = daddr->in6,
		.saddr = saddr->in6,
		.flowi6_mark = mark,
		.flowlabel = flowinfo,
	};
	struct dst_entry *dst;

	dst = ip6_route_output(net, NULL, &fl6);
	if (dst->error ||
	    (((struct rt6_info *)dst)->rt6i_flags & (RTF_LOCAL | RTF_ANYCAST))) {
		dst_release(dst);
		return NULL;
	}
	return dst;
}

/*
 * A cached IPv6 route (32 bytes, a kmalloc-cg-32 object): the route, the
 * cookie dst_check() compares with its FIB node's serial number, and the
 * namespace's IPv6 route generation when it was looked up, which policy
 * rules and nexthop objects bump (rt_genid_bump_ipv6()) where no FIB node
 * changes. Replaced whole, under RCU.
 */
struct fnat_rt6 {
	struct dst_entry *dst;		/* holds a reference */
	u32 cookie;
	int genid;
	struct rcu_head rcu;
};

static void rt6_free_rcu(struct rcu_head *head)
{
	struct fnat_rt6 *r = container_of(head, struct fnat_rt6, rcu);

	dst_release(r->dst);
	kfree(r);
}

/*
 * Free a real server's or a connection's cached route, of family @af,
 * once nobody reads it any more (their own RCU callbacks).
 */
void fnat_rt_cache_free(union fnat_rt_cache *cache, u16 af)
{
	struct fnat_rt6 *r;

	if (af != AF_INET6) {
		dst_release(rcu_dereference_protected(cache->dst, true));
		return;
	}
	r = rcu_dereference_protected(cache->rt6, true);
	if (r) {
		dst_release(r->dst);
		kfree(r);
	}
}

/*
 * Does the lookup depend on more than the destination, so that one route
 * per destination would route some packets differently than the stack
 * would: a mark, policy rules (which may match the source, the traffic
 * class or the flow label), or routes that match the source
 * (CONFIG_IPV6_SUBTREES, "ip -6 route ... from")?
 */
static bool route6_keyed(struct fnat_net *fn, u32 mark)
{
	return mark || fib6_has_custom_rules(fn->net) ||
	       fib6_routes_require_src(fn->net);
}

/*
 * fnat_inet4_route_key()'s counterpart: the route from the cache at
 * @cache (NULL: none) if it is still valid, or a new one cached there.
 * What inet4.c says of its caches holds here: used without a reference
 * under RCU, one route per real server for every local address (and
 * along one path of a multipath route), replies routed per connection;
 * the cache's reference does not keep a device (a route the FIB drops,
 * or whose device goes, is moved to the blackhole device: fib6_nh_release(),
 * rt6_remove_exception(), rt6_uncached_list_flush_dev()), and its
 * namespace's exit waits for it (netns.c). The flow label and traffic
 * class matter to a lookup only through rules or a multipath hash: the
 * cached lookup leaves them out.
 */
struct dst_entry *fnat_inet6_route_key(struct fnat_net *fn,
				       struct fnat_rt6 __rcu **cache,
				       const union nf_inet_addr *daddr,
				       const union nf_inet_addr *saddr,
				       u32 mark, __be32 flowinfo, bool *noref)
{
	struct mem_cgroup *old_memcg;
	struct fnat_rt6 *r, *old;
	struct dst_entry *dst;
	int genid;

	*noref = false;
	if (!cache || route6_keyed(fn, mark))
		return route6(fn->net, daddr, saddr, mark, flowinfo);

	/* The generation first: a change during the lookup is seen next time. */
	genid = rt_genid_ipv6(fn->net);
	r = rcu_dereference(*cache);
	/*
	 * A link that lost its carrier changes neither: the stack routes
	 * around it only with ignore_routes_with_linkdown, and a new lookup
	 * says which.
	 */
	if (r && READ_ONCE(r->genid) == genid &&
	    dst_check(r->dst, READ_ONCE(r->cookie)) &&
	    netif_carrier_ok(r->dst->dev)) {
		*noref = true;
		return r->dst;
	}
	dst = route6(fn->net, daddr, saddr, 0, 0);
	if (!dst)
		return NULL;
	/*
	 * The same route still, valid: the generation and its node's serial
	 * number move for any path MTU the namespace learns, which anyone
	 * can send it. Only they are renewed, nothing is allocated for that
	 * (a reader seeing one new and one old looks up once more).
	 */
	if (r && r->dst == dst) {
		WRITE_ONCE(r->cookie,
			   rt6_get_cookie(container_of(dst, struct rt6_info,
						       dst)));
		WRITE_ONCE(r->genid, genid);
		return dst;
	}
	/*
	 * Charged as connections are (conn.c): a reply route is one per
	 * connection. No memory to cache it: the route serves this packet
	 * alone.
	 */
	BUILD_BUG_ON(sizeof(*r) > 32);
	old_memcg = set_active_memcg(READ_ONCE(fn->memcg));
	r = kmalloc(sizeof(*r), GFP_ATOMIC | __GFP_ACCOUNT | __GFP_NOWARN);
	set_active_memcg(old_memcg);
	if (!r)
		return dst;
	dst_hold(dst);
	r->dst = dst;
	r->cookie = rt6_get_cookie(container_of(dst, struct rt6_info, dst));
	r->genid = genid;
	if (!READ_ONCE(fn->routes6))
		WRITE_ONCE(fn->routes6, true);
	/* Racing CPUs each retire what they replaced. */
	old = unrcu_pointer(xchg(cache, RCU_INITIALIZER(r)));
	if (old)
		call_rcu(&old->rcu, rt6_free_rcu);
	return dst;
}

/* A route for @skb, as it came, from the cache at @cache. */
struct dst_entry *fnat_inet6_route(struct fnat_net *fn,
				   struct fnat_rt6 __rcu **cache,
				   const union nf_inet_addr *daddr,
				   const union nf_inet_addr *saddr,
				   const struct sk_buff *skb, bool *noref)
{
	return fnat_inet6_route_key(fn, cache, daddr, saddr, skb->mark,
				    ip6_flowinfo(ipv6_hdr(skb)), noref);
}

/*
 * Policy rules or a mark bypass a real server's cached route (the traffic
 * class and flow label route by rules only): TUN6's and DR6's.
 */
bool fnat_inet6_uncached(struct fnat_net *fn, const struct sk_buff *skb)
{
	return skb->mark || fib6_has_custom_rules(fn->net);
}

/*
 * DR6's lookup (struct fnat_route_ops): a route that hands a packet,
 * whatever its destination, to the neighbour @nh. With
 * FLOWI_FLAG_KNOWN_NH, a lookup that ends on a directly connected
 * network (no gateway) gets a route of its own, an RTF_CACHE clone kept
 * out of the FIB (ip6_pol_route()), whose destination is @nh/128: the
 * output path resolves its neighbour for that (rt6_nexthop()), not for
 * the packet's VIP. A PMTU exception already learnt for @nh is such a
 * clone too. A route through a gateway (RTF_GATEWAY) would hand the
 * packet to a router, which routes it by the VIP back to us: no route.
 *
 * No source (the director's choice would not be used), no flow label (a
 * route per label would only pick another way to a neighbour), the
 * director's own mark if its firewall set one (uncached then). The clone
 * is checked by its FIB node's cookie, as IPVS's DR6 caches it.
 */
static struct dst_entry *dr6_lookup(struct net *net,
				    const union nf_inet_addr *nh,
				    const struct sk_buff *skb,
				    union nf_inet_addr *saddr, u32 *cookie)
{
	struct flowi6 fl6 = {
		.daddr = nh->in6,
		.flowi6_mark = skb ? skb->mark : 0,
		.flowi6_flags = FLOWI_FLAG_KNOWN_NH,
	};
	struct dst_entry *dst;
	struct rt6_info *rt;

	dst = ip6_route_output(net, NULL, &fl6);
	rt = container_of(dst, struct rt6_info, dst);
	if (dst->error ||
	    (rt->rt6i_flags & (RTF_LOCAL | RTF_ANYCAST | RTF_GATEWAY)) ||
	    !(rt->rt6i_flags & RTF_CACHE) ||
	    !ipv6_addr_equal(&rt->rt6i_dst.addr, &nh->in6)) {
		dst_release(dst);
		return NULL;
	}
	memset(saddr, 0, sizeof(*saddr));
	*cookie = rt6_get_cookie(rt);
	return dst;
}

static const struct fnat_route_ops dr6_route_ops = {
	.lookup		= dr6_lookup,
	.uncached	= fnat_inet6_uncached,
};

/*
 * fnat_inet4_route_nh()'s counterpart (DR): @dest's route of its own,
 * cached as TUN's (fnat_dest_route()). Uncached, each packet would
 * allocate a clone, which counts against the namespace's route cache
 * size until freed: a flood would starve the director's own IPv6.
 */
struct dst_entry *fnat_inet6_route_nh(struct fnat_net *fn,
				      struct fnat_dest *dest,
				      const struct sk_buff *skb, bool *noref)
{
	union nf_inet_addr saddr;

	return fnat_dest_route(fn, &dr6_route_ops, dest, skb, &saddr, noref);
}

/* As inet4.c's icmp_reply(), with ICMPv6's own rate limits. */
static void icmp6_reply(struct sk_buff *skb, struct dst_entry *dst, u8 type,
			u8 code, __u32 info)
{
	skb_dst_drop(skb);
	skb_dst_set_noref(skb, dst);
	icmpv6_send(skb, type, code, info);
}

bool fnat_inet6_ttl_expired(struct sk_buff *skb, struct dst_entry *dst,
			    bool tell)
{
	if (ipv6_hdr(skb)->hop_limit > 1)
		return false;
	if (tell)
		icmp6_reply(skb, dst, ICMPV6_TIME_EXCEED, ICMPV6_EXC_HOPLIMIT, 0);
	return true;
}

/* As the forwarding path judges it (ip6_forward()'s ip6_pkt_too_big()). */
bool fnat_inet6_exceeds(const struct sk_buff *skb, unsigned int mtu)
{
	if (skb->len <= mtu)
		return false;
	if (IP6CB(skb)->frag_max_size)
		return IP6CB(skb)->frag_max_size > mtu;
	if (skb->ignore_df)
		return false;
	if (skb_is_gso(skb))
		return !skb_gso_validate_network_len(skb, mtu);
	return true;
}

/*
 * Too big for the next hop's @mtu? IPv6 routers never fragment: the
 * sender is told to send at most @tell_mtu, never less than IPv6's
 * minimum link MTU (RFC 8200: every link takes 1280).
 */
bool fnat_inet6_too_big(struct sk_buff *skb, struct dst_entry *dst,
			unsigned int mtu, unsigned int tell_mtu)
{
	if (!fnat_inet6_exceeds(skb, mtu))
		return false;
	icmp6_reply(skb, dst, ICMPV6_PKT_TOOBIG, 0,
		    max_t(unsigned int, tell_mtu, IPV6_MIN_MTU));
	return true;
}

unsigned int fnat_inet6_xmit(struct fnat_net *fn, struct sk_buff *skb,
			     struct dst_entry *dst, bool noref)
{
	ipv6_hdr(skb)->hop_limit--;
	IP6CB(skb)->flags |= IP6SKB_FORWARDED;
	fnat_inet4_out(skb, dst, noref);
	dst_output(fn->net, NULL, skb);
	return NF_STOLEN;
}
