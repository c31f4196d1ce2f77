// SPDX-License-Identifier: GPL-2.0
/*
 * The NAT real servers of a namespace, (RIP, rport, protocol), in a small
 * RCU hash set: a packet from one of them that matched no connection is
 * a reply the director no longer knows (its connection expired) or a
 * forgery, and is dropped (FULLNAT_CNT_NAT_STRAY); so is an ICMP error
 * of no connection that quotes a packet to one of them. Passed on, the
 * stack would route it to the client untranslated, and show it the real
 * server's address, which NAT exists to hide. IPVS asks the same question
 * (ip_vs_has_real_service(), of its masquerading servers only) but drops
 * only with the sysctl nat_icmp_send set, off by default, and then tells
 * the server with a port unreachable; we drop always and answer nothing
 * (an answer a forger could aim, and one more thing to rate-limit).
 *
 * Only a packet the director would forward is dropped: one addressed to
 * the director itself (the answer to its own health check of the server)
 * belongs to the stack. The set is what the administrator configured,
 * so a packet buys nothing here: the worst a forger of a real server's
 * address can do is have its packet dropped, for the price of one
 * lookup, which only packets that matched no connection and no service
 * pay. A server that is also a client of the outside world from its
 * service port (a DNS server querying from port 53) must not be a NAT
 * server: its queries are dropped too (as under IPVS with nat_icmp_send).
 *
 * A server in several services under one protocol is one entry with a
 * count of its users. Writers hold fn->lock; readers are softirq under
 * RCU.
 */
#include <linux/jhash.h>
#include <linux/slab.h>
#include <net/ipv6.h>

#include "fullnat.h"

struct fnat_nat_server {
	struct hlist_node node;		/* fn->nat_servers, RCU */
	union nf_inet_addr addr;	/* IPv4: only .ip set, rest zero */
	u16 af;
	__be16 port;
	u8 proto;
	u32 users;			/* under fn->lock */
	struct rcu_head rcu;
};

static u32 nat_server_hash(u16 af, u8 proto, const union nf_inet_addr *addr,
			   __be16 port)
{
	u32 h = af == AF_INET ? (__force u32)addr->ip :
		jhash2(addr->all, ARRAY_SIZE(addr->all), 0);

	return jhash_2words(h, ((u32)proto << 16) | (__force u16)port, 0) &
	       ((1 << FNAT_NAT_SERVER_TAB_BITS) - 1);
}

static bool nat_server_eq(const struct fnat_nat_server *s, u16 af, u8 proto,
			  const union nf_inet_addr *addr, __be16 port)
{
	if (s->af != af || s->proto != proto || s->port != port)
		return false;
	if (af == AF_INET)
		return s->addr.ip == addr->ip;
	return ipv6_addr_equal(&s->addr.in6, &addr->in6);
}

static struct fnat_nat_server *__nat_server_find(struct fnat_net *fn,
						 const struct fnat_dest *dest)
{
	u8 proto = dest->svc->proto;
	struct fnat_nat_server *s;

	lockdep_assert_held(&fn->lock);
	hlist_for_each_entry(s, &fn->nat_servers[nat_server_hash(dest->af,
				proto, &dest->addr, dest->port)], node)
		if (nat_server_eq(s, dest->af, proto, &dest->addr, dest->port))
			return s;
	return NULL;
}

/* @dest forwards by NAT from now on: count it. GFP_KERNEL. */
int __fnat_nat_server_get(struct fnat_net *fn, const struct fnat_dest *dest)
{
	struct fnat_nat_server *s = __nat_server_find(fn, dest);

	if (s) {
		s->users++;
		return 0;
	}
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	s->af = dest->af;
	if (dest->af == AF_INET)
		s->addr.ip = dest->addr.ip;
	else
		s->addr = dest->addr;
	s->port = dest->port;
	s->proto = dest->svc->proto;
	s->users = 1;
	hlist_add_head_rcu(&s->node,
			   &fn->nat_servers[nat_server_hash(s->af, s->proto,
							    &s->addr,
							    s->port)]);
	return 0;
}

/* @dest no longer forwards by NAT (or is gone). */
void __fnat_nat_server_put(struct fnat_net *fn, const struct fnat_dest *dest)
{
	struct fnat_nat_server *s = __nat_server_find(fn, dest);

	if (WARN_ON_ONCE(!s) || --s->users)
		return;
	hlist_del_rcu(&s->node);
	kfree_rcu(s, rcu);
}

/* Is (@af, @proto, @addr, @port) a NAT real server's? RCU read side. */
static bool nat_server_is(struct fnat_net *fn, u16 af, u8 proto,
			  const union nf_inet_addr *addr, __be16 port)
{
	struct fnat_nat_server *s;

	hlist_for_each_entry_rcu(s, &fn->nat_servers[nat_server_hash(af,
				 proto, addr, port)], node)
		if (nat_server_eq(s, af, proto, addr, port))
			return true;
	return false;
}

/*
 * Is @p, which matched no connection and no service, from a NAT real
 * server's service address and port, and on its way through the
 * director? RCU read side.
 */
bool fnat_nat_stray(struct fnat_net *fn, struct sk_buff *skb,
		    const struct fnat_pkt *p)
{
	return nat_server_is(fn, p->af, p->proto, &p->saddr, p->sport) &&
	       !fnat_af_local(fn, skb, p, &p->daddr);
}

/*
 * Is @p, an ICMP error whose quoted packet @q matched no connection, about
 * a packet to a NAT real server's service address and port (CIP:cport ->
 * RIP:rport: the server's own error, or a router's on its way), and on its
 * way through the director? Passed on untranslated, its quote would show
 * the client the RIP, as a stray reply would: the error is late (its
 * connection expired or was deleted) or forged, and dropped as one
 * (FULLNAT_CNT_NAT_STRAY). Whoever sent it: an error about a client's
 * packet sent straight to the RIP:rport is about a flow whose answers are
 * dropped anyway. Returns NF_DROP (counted) or NF_ACCEPT (not ours). RCU
 * read side.
 */
unsigned int fnat_nat_stray_error(struct fnat_net *fn, struct sk_buff *skb,
				  const struct fnat_pkt *p,
				  const struct fnat_pkt *q)
{
	if (!nat_server_is(fn, q->af, q->proto, &q->daddr, q->dport) ||
	    fnat_af_local(fn, skb, p, &p->daddr))
		return NF_ACCEPT;
	fnat_count(fn, FULLNAT_CNT_NAT_STRAY);
	return NF_DROP;
}
