// SPDX-License-Identifier: GPL-2.0
/*
 * The netfilter hook: where packets for virtual services and their
 * replies are taken over.
 *
 * One hook in PRE_ROUTING, for both directions, at a priority after
 * defragmentation and the raw table and before conntrack: handled packets
 * are transmitted from here and marked untracked, so conntrack and NAT
 * rules of a director's own firewall never see half a flow, and the
 * director keeps its firewall for everything else. Packets that belong to
 * no service and no connection continue untouched.
 */
#include <linux/ip.h>
#include <linux/memcontrol.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/tcp.h>
#include <net/ip.h>
#include <net/tcp.h>
#include <net/netfilter/ipv4/nf_defrag_ipv4.h>
#include <net/netfilter/ipv6/nf_defrag_ipv6.h>

#include "fullnat.h"

#define FNAT_HOOK_PRIORITY	(NF_IP_PRI_RAW + 50)
#define FNAT_HOOK6_PRIORITY	(NF_IP6_PRI_RAW + 50)

/*
 * The service @p is addressed to. Services are keyed by address alone: an
 * IPv6 address whose last 96 bits are 0 has the key of an IPv4 one, and
 * must not reach an IPv4 service (nor the other way).
 */
static struct fnat_service *service_of(struct fnat_net *fn,
				       const struct fnat_pkt *p)
{
	struct fnat_service *svc;

	svc = fnat_service_find(fn, p->proto, &p->daddr, p->dport);
	return svc && svc->af == p->af ? svc : NULL;
}

/*
 * A transport header that is truncated or states a wrong length. If it
 * is addressed to a service, a connection or one of our non-local
 * addresses, it is ours to drop: passed on, the stack would route it back
 * out. Anything else belongs to the stack.
 */
static unsigned int malformed(struct fnat_net *fn, struct sk_buff *skb,
			      struct fnat_pkt *p)
{
	const __be16 *ports;
	enum fnat_dir dir;
	u32 hash;

	if (!pskb_may_pull(skb, p->l4off + 4))
		return NF_ACCEPT;
	ports = (const __be16 *)(skb->data + p->l4off);
	p->sport = ports[0];
	p->dport = ports[1];
	if (!service_of(fn, p) &&
	    !fnat_conn_find(fn->net, p, &dir, &hash) &&
	    !fnat_af_stray(fn, skb, p))
		return NF_ACCEPT;
	fnat_count(fn, FULLNAT_CNT_MALFORMED);
	return NF_DROP;
}

/*
 * A packet of a protocol we handle (@p->pp): its connection, or a new one
 * if it opens one for a service, or not ours.
 */
static unsigned int l4_in(struct fnat_net *fn, struct sk_buff *skb,
			  struct fnat_pkt *p)
{
	const struct fnat_proto *pp = p->pp;
	const struct fnat_method *m;
	struct fnat_service *svc;
	struct fnat_conn *cp;
	enum fnat_dir dir;
	int reason;
	u32 hash;

	if (fnat_proto_call(pp, parse, skb, p))
		return malformed(fn, skb, p);

	cp = fnat_conn_find(fn->net, p, &dir, &hash);
	if (cp && pp->valid && !fnat_proto_call(pp, valid, skb, p)) {
		fnat_count(fn, FULLNAT_CNT_BAD_FLAGS);
		return NF_DROP;
	}
	/* A client starting over from the same port (TCP: see closing()). */
	if (cp && dir == FNAT_DIR_IN && pp->reopen &&
	    fnat_proto_call(pp, reopen, fn, cp, skb, p)) {
		fnat_conn_detach(cp);
		fnat_count(fn, FULLNAT_CNT_CONN_REUSED);
		cp = NULL;
	}
	if (!cp) {
		svc = service_of(fn, p);
		if (!svc) {
			if (fnat_nat_stray(fn, skb, p)) {
				fnat_count(fn, FULLNAT_CNT_NAT_STRAY);
				return NF_DROP;
			}
			if (!fnat_af_stray(fn, skb, p))
				return NF_ACCEPT;
			fnat_count(fn, FULLNAT_CNT_STRAY);
			return NF_DROP;
		}
		reason = pp->may_create ?
			 fnat_proto_call(pp, may_create, svc, skb, p) : 0;
		if (reason) {
			fnat_count(fn, reason);
			return NF_DROP;
		}
		if (fnat_af_martian(fn, p->af, skb->dev, &p->saddr)) {
			fnat_count(fn, FULLNAT_CNT_MARTIAN);
			return NF_DROP;
		}
		cp = fnat_conn_new(fn, svc, p, hash);
		if (!cp)
			return NF_DROP;
		dir = FNAT_DIR_IN;
	}
	/* The state follows in the transmit, if the packet goes on. */
	m = fnat_method_find(cp->fwd);
	if (dir == FNAT_DIR_IN)
		return fnat_method_call(m, xmit_in, fn, cp, skb, p);
	return fnat_method_call(m, xmit_out, fn, cp, skb, p);
}

/*
 * A packet nothing here takes (another protocol, an ICMP echo or an error
 * about no connection): the stack's, unless it is addressed to one of
 * our addresses that is not local, which the stack would route back out.
 */
static unsigned int not_ours(struct fnat_net *fn, struct sk_buff *skb,
			     const struct fnat_pkt *p)
{
	if (!fnat_af_stray(fn, skb, p))
		return NF_ACCEPT;
	fnat_count(fn, FULLNAT_CNT_STRAY);
	return NF_DROP;
}

/*
 * Both families' hooks, each its own copy (no call through a pointer):
 * IPv6's fragments and routing headers are in inet6.c; ICMPv6 other than
 * errors about our connections, neighbour discovery included, is the
 * stack's.
 */
static __always_inline unsigned int hook(struct sk_buff *skb,
					  const struct nf_hook_state *state,
					  bool v6)
{
	struct fnat_net *fn = fnat_net(state->net);
	unsigned int verdict;
	struct fnat_pkt p;

	if (!READ_ONCE(fn->nr_services) && !atomic_read(&fn->nr_conns))
		return NF_ACCEPT;
	if (skb->pkt_type != PACKET_HOST)
		return NF_ACCEPT;
	if ((v6 ? fnat_inet6_parse : fnat_inet4_parse)(skb,
			skb_network_offset(skb), &p))
		return NF_ACCEPT;
	/* Reassembled by nf_defrag_ipv4/6 before us: a fragment is not ours. */
	if (p.frag)
		return NF_ACCEPT;

	if (p.proto == (v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP)) {
		verdict = v6 ? fnat_icmp6_in(fn, skb, &p) :
			       fnat_icmp_in(fn, skb, &p);
		return verdict == NF_ACCEPT ? not_ours(fn, skb, &p) : verdict;
	}
	p.pp = fnat_proto_find(p.proto);
	if (!p.pp)
		return not_ours(fn, skb, &p);
	return l4_in(fn, skb, &p);
}

/*
 * The data path runs with BH off: its locks (a connection's, the table's
 * buckets) are taken without _bh and its counters are per CPU. A hook
 * runs in softirq but for one case: after a userspace verdict on a packet
 * queued by an earlier hook (NFQUEUE in the raw table, ahead of us),
 * nf_reinject() calls the hooks that follow from the verdict's process
 * context with BH on. A softirq on that CPU wanting a lock held then
 * would spin forever.
 */
static unsigned int fnat_hook(void *priv, struct sk_buff *skb,
			      const struct nf_hook_state *state)
{
	unsigned int verdict;

	if (likely(in_softirq()))
		return hook(skb, state, false);
	local_bh_disable();
	verdict = hook(skb, state, false);
	local_bh_enable();
	return verdict;
}

static unsigned int fnat_hook6(void *priv, struct sk_buff *skb,
			       const struct nf_hook_state *state)
{
	unsigned int verdict;

	if (likely(in_softirq()))
		return hook(skb, state, true);
	local_bh_disable();
	verdict = hook(skb, state, true);
	local_bh_enable();
	return verdict;
}

static const struct nf_hook_ops fnat_hook_ops[] = {
	{
		.hook = fnat_hook,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = FNAT_HOOK_PRIORITY,
	},
	{
		.hook = fnat_hook6,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = FNAT_HOOK6_PRIORITY,
	},
};

/*
 * Hooks are registered in a namespace when it gets its first service and
 * stay until the namespace goes: connections may outlive their service
 * and must keep flowing. Namespaces without services pay nothing.
 */
int fnat_hooks_get(struct fnat_net *fn)
{
	int ret;

	lockdep_assert_held(&fn->lock);
	if (fn->hooks_on)
		return 0;
	/*
	 * Connections are allocated in softirq, where the kernel charges
	 * nobody: charge them to the memory cgroup of the process that makes
	 * the namespace a director (netns.c puts it).
	 */
	if (!fn->memcg)
		WRITE_ONCE(fn->memcg, get_mem_cgroup_from_mm(current->mm));
	ret = fnat_early_alloc(fn);
	if (ret)
		return ret;
	ret = nf_defrag_ipv4_enable(fn->net);
	if (ret)
		return ret;
	ret = nf_defrag_ipv6_enable(fn->net);
	if (ret)
		goto out_defrag4;
	ret = nf_register_net_hooks(fn->net, fnat_hook_ops,
				    ARRAY_SIZE(fnat_hook_ops));
	if (ret)
		goto out_defrag6;
	fn->hooks_on = true;
	return 0;

out_defrag6:
	nf_defrag_ipv6_disable(fn->net);
out_defrag4:
	nf_defrag_ipv4_disable(fn->net);
	return ret;
}

void fnat_hooks_put(struct fnat_net *fn)
{
	lockdep_assert_held(&fn->lock);
	if (!fn->hooks_on)
		return;
	nf_unregister_net_hooks(fn->net, fnat_hook_ops,
				ARRAY_SIZE(fnat_hook_ops));
	nf_defrag_ipv6_disable(fn->net);
	nf_defrag_ipv4_disable(fn->net);
	fn->hooks_on = false;
}
