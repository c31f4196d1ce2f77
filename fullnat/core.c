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
#include <linux/tcp.h>
#include <net/ip.h>
#include <net/netfilter/ipv4/nf_defrag_ipv4.h>

#include "fullnat.h"

#define FNAT_HOOK_PRIORITY	(NF_IP_PRI_RAW + 50)

static unsigned int tcp_in(struct fnat_net *fn, struct sk_buff *skb)
{
	union nf_inet_addr saddr = {}, daddr = {};
	unsigned int ihl = ip_hdrlen(skb), thlen;
	struct fnat_service *svc;
	const struct tcphdr *th;
	struct fnat_conn *cp;
	enum fnat_dir dir;

	/* Malformed TCP is not ours to judge: the stack drops it. */
	if (!pskb_may_pull(skb, ihl + sizeof(*th)))
		return NF_ACCEPT;
	thlen = ((const struct tcphdr *)(skb->data + ihl))->doff * 4;
	if (thlen < sizeof(*th) || !pskb_may_pull(skb, ihl + thlen))
		return NF_ACCEPT;
	th = (const struct tcphdr *)(skb->data + ihl);
	saddr.ip = ip_hdr(skb)->saddr;
	daddr.ip = ip_hdr(skb)->daddr;

	cp = fnat_conn_lookup(fn->net, IPPROTO_TCP, &saddr, th->source,
			      &daddr, th->dest, &dir);
	/* A client starting over from the same port: see fnat_tcp_closing(). */
	if (cp && dir == FNAT_DIR_IN && th->syn && !th->ack && !th->rst &&
	    fnat_tcp_closing(fn, cp)) {
		fnat_conn_detach(cp);
		fnat_count(fn, FULLNAT_CNT_CONN_REUSED);
		cp = NULL;
	}
	if (!cp) {
		svc = fnat_service_find(fn, IPPROTO_TCP, &daddr, th->dest);
		if (!svc)
			return NF_ACCEPT;
		if (!th->syn || th->ack || th->rst) {
			fnat_count(fn, FULLNAT_CNT_NOT_SYN);
			return NF_DROP;
		}
		cp = fnat_conn_new(fn, svc, &saddr, th->source);
		if (!cp)
			return NF_DROP;
		dir = FNAT_DIR_IN;
	}
	fnat_tcp_state(fn, cp, dir, th);
	return fnat_xmit_fullnat(fn, cp, skb, dir);
}

static unsigned int fnat_hook(void *priv, struct sk_buff *skb,
			      const struct nf_hook_state *state)
{
	struct fnat_net *fn = fnat_net(state->net);
	const struct iphdr *iph;

	if (!READ_ONCE(fn->nr_services) && !atomic_read(&fn->nr_conns))
		return NF_ACCEPT;
	if (skb->pkt_type != PACKET_HOST)
		return NF_ACCEPT;
	iph = ip_hdr(skb);
	/* Reassembled by nf_defrag_ipv4 before us; a fragment is not ours. */
	if (ip_is_fragment(iph))
		return NF_ACCEPT;

	switch (iph->protocol) {
	case IPPROTO_TCP:
		return tcp_in(fn, skb);
	case IPPROTO_ICMP:
		return fnat_icmp_in(fn, skb);
	}
	return NF_ACCEPT;
}

static const struct nf_hook_ops fnat_hook_ops[] = {
	{
		.hook = fnat_hook,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = FNAT_HOOK_PRIORITY,
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
	ret = nf_defrag_ipv4_enable(fn->net);
	if (ret)
		return ret;
	ret = nf_register_net_hooks(fn->net, fnat_hook_ops,
				    ARRAY_SIZE(fnat_hook_ops));
	if (ret) {
		nf_defrag_ipv4_disable(fn->net);
		return ret;
	}
	fn->hooks_on = true;
	return 0;
}

void fnat_hooks_put(struct fnat_net *fn)
{
	lockdep_assert_held(&fn->lock);
	if (!fn->hooks_on)
		return;
	nf_unregister_net_hooks(fn->net, fnat_hook_ops,
				ARRAY_SIZE(fnat_hook_ops));
	nf_defrag_ipv4_disable(fn->net);
	fn->hooks_on = false;
}
