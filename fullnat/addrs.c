// SPDX-License-Identifier: GPL-2.0
/*
 * The director's own addresses: every VIP and LIP of a namespace, in a
 * small RCU hash set.
 *
 * The data path asks it two questions, both off the fast path: is the
 * source of a new connection one of ours (a martian: a reply to it would
 * come back to the director), and is a TCP packet that matched no
 * connection and no service addressed to one of ours (then the stack
 * must not route it back out). Ordinary routed traffic through the
 * director meets it only after both lookups failed, and then costs one
 * bucket of a table that holds a few entries.
 *
 * A VIP shared by several services, or by a service and (refused today,
 * but cheap to allow) a LIP, is one entry with a count of its users.
 * Writers hold fn->lock; readers are softirq under RCU.
 */
#include <linux/hash.h>
#include <linux/jhash.h>
#include <linux/slab.h>
#include <net/ipv6.h>

#include "fullnat.h"

struct fnat_addr {
	struct hlist_node node;		/* fn->addr_table, RCU */
	union nf_inet_addr addr;	/* IPv4: only .ip set, rest zero */
	u16 af;
	u32 users;			/* under fn->lock */
	struct rcu_head rcu;
};

static u32 addr_hash(u16 af, const union nf_inet_addr *addr)
{
	if (af == AF_INET)
		return hash_32((__force u32)addr->ip, FNAT_ADDR_TAB_BITS);
	return jhash2(addr->all, ARRAY_SIZE(addr->all), 0) &
	       ((1 << FNAT_ADDR_TAB_BITS) - 1);
}

static bool addr_eq(const struct fnat_addr *a, u16 af,
		    const union nf_inet_addr *addr)
{
	if (a->af != af)
		return false;
	if (af == AF_INET)
		return a->addr.ip == addr->ip;
	return ipv6_addr_equal(&a->addr.in6, &addr->in6);
}

static struct fnat_addr *__addr_find(struct fnat_net *fn, u16 af,
				     const union nf_inet_addr *addr)
{
	struct fnat_addr *a;

	lockdep_assert_held(&fn->lock);
	hlist_for_each_entry(a, &fn->addr_table[addr_hash(af, addr)], node)
		if (addr_eq(a, af, addr))
			return a;
	return NULL;
}

/* Count a user (a service or a LIP) of @addr; GFP_KERNEL. */
int __fnat_addr_get(struct fnat_net *fn, u16 af,
		    const union nf_inet_addr *addr)
{
	struct fnat_addr *a = __addr_find(fn, af, addr);

	if (a) {
		a->users++;
		return 0;
	}
	a = kzalloc(sizeof(*a), GFP_KERNEL);
	if (!a)
		return -ENOMEM;
	a->af = af;
	if (af == AF_INET)
		a->addr.ip = addr->ip;
	else
		a->addr = *addr;
	a->users = 1;
	hlist_add_head_rcu(&a->node, &fn->addr_table[addr_hash(af, addr)]);
	return 0;
}

void __fnat_addr_put(struct fnat_net *fn, u16 af,
		     const union nf_inet_addr *addr)
{
	struct fnat_addr *a = __addr_find(fn, af, addr);

	if (WARN_ON_ONCE(!a) || --a->users)
		return;
	hlist_del_rcu(&a->node);
	kfree_rcu(a, rcu);
}

/* Is @addr a VIP or a LIP of this director? RCU read side. */
bool fnat_addr_ours(struct fnat_net *fn, u16 af,
		    const union nf_inet_addr *addr)
{
	struct fnat_addr *a;

	hlist_for_each_entry_rcu(a, &fn->addr_table[addr_hash(af, addr)], node)
		if (addr_eq(a, af, addr))
			return true;
	return false;
}
