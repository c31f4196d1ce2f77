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
#include <net/tcp.h>
#include <net/netfilter/ipv4/nf_defrag_ipv4.h>

#include "fullnat.h"

#define FNAT_HOOK_PRIORITY	(NF_IP_PRI_RAW + 50)

/*
 * The flag combinations a TCP stack sends (conntrack's tcp_valid_flags;
 * PSH, ECE and CWR do not matter). Anything else (SYN+FIN, SYN+RST, no
 * flag, FIN without ACK) is a probe or an attack, and SYN+FIN would
 * otherwise hold a connection in FIN_WAIT.
 */
#define FLAG(f)		BIT_ULL(f)
#define VALID_FLAGS	(FLAG(TCPHDR_SYN) | FLAG(TCPHDR_SYN | TCPHDR_URG) | \
			 FLAG(TCPHDR_SYN | TCPHDR_ACK) | FLAG(TCPHDR_RST) | \
			 FLAG(TCPHDR_RST | TCPHDR_ACK) | \
			 FLAG(TCPHDR_FIN | TCPHDR_ACK) | \
			 FLAG(TCPHDR_FIN | TCPHDR_ACK | TCPHDR_URG) | \
			 FLAG(TCPHDR_ACK) | FLAG(TCPHDR_ACK | TCPHDR_URG))

static bool valid_flags(const struct tcphdr *th)
{
	u8 f = tcp_flag_byte(th) & (TCPHDR_FIN | TCPHDR_SYN | TCPHDR_RST |
				    TCPHDR_ACK | TCPHDR_URG);

	return VALID_FLAGS & BIT_ULL(f);
}

/*
 * A source no client can have: this network, loopback, multicast, the
 * reserved 240/4 and broadcast, and the director's own VIPs and LIPs (a
 * reply to them would come back to the director itself). RCU read side;
 * called for SYNs that would create a connection only.
 */
static bool martian_source(struct fnat_net *fn,
			   const union nf_inet_addr *saddr)
{
	__be32 a = saddr->ip;

	/* ipv4_is_zeronet() is only 0.0.0.0 on recent kernels: 0/8 here. */
	if ((a & htonl(0xff000000)) == 0 || ipv4_is_loopback(a) ||
	    ipv4_is_multicast(a) || ipv4_is_lbcast(a) ||
	    (a & htonl(0xf0000000)) == htonl(0xf0000000))
		return true;
	return fnat_addr_ours(fn, AF_INET, saddr);
}

/*
 * A TCP packet that matched no connection and no service. If it is
 * addressed to a VIP or LIP that is not a local address of the director,
 * the stack would route it by its routes, which lead the VIP and LIP
 * back out (often toward where the packet came from): ours to drop. To
 * a local address, or to anything else, it belongs to the stack, which
 * answers or forwards it as it would without us. Ordinary routed traffic
 * pays one lookup in a set of a few entries; the route lookup only for
 * our own addresses.
 */
static bool stray(struct fnat_net *fn, struct sk_buff *skb,
		  const union nf_inet_addr *daddr)
{
	return fnat_addr_ours(fn, AF_INET, daddr) &&
	       inet_addr_type_dev_table(fn->net, skb->dev, daddr->ip) !=
	       RTN_LOCAL;
}

/*
 * A TCP header that is truncated or states a wrong length. If it is
 * addressed to a service, a connection or one of our non-local addresses,
 * it is ours to drop: passed on, the stack would route it back out.
 * Anything else belongs to the stack.
 */
static unsigned int malformed(struct fnat_net *fn, struct sk_buff *skb,
			      unsigned int ihl)
{
	union nf_inet_addr saddr = {}, daddr = {};
	const __be16 *ports;
	enum fnat_dir dir;

	if (!pskb_may_pull(skb, ihl + 4))
		return NF_ACCEPT;
	ports = (const __be16 *)(skb->data + ihl);
	saddr.ip = ip_hdr(skb)->saddr;
	daddr.ip = ip_hdr(skb)->daddr;
	if (!fnat_service_find(fn, IPPROTO_TCP, &daddr, ports[1]) &&
	    !fnat_conn_lookup(fn->net, IPPROTO_TCP, &saddr, ports[0], &daddr,
			      ports[1], &dir) &&
	    !stray(fn, skb, &daddr))
		return NF_ACCEPT;
	fnat_count(fn, FULLNAT_CNT_MALFORMED);
	return NF_DROP;
}

static unsigned int tcp_in(struct fnat_net *fn, struct sk_buff *skb)
{
	union nf_inet_addr saddr = {}, daddr = {};
	unsigned int ihl = ip_hdrlen(skb), thlen;
	struct fnat_service *svc;
	const struct tcphdr *th;
	struct fnat_conn *cp;
	enum fnat_dir dir;

	if (!pskb_may_pull(skb, ihl + sizeof(*th)))
		return malformed(fn, skb, ihl);
	thlen = ((const struct tcphdr *)(skb->data + ihl))->doff * 4;
	if (thlen < sizeof(*th) || !pskb_may_pull(skb, ihl + thlen))
		return malformed(fn, skb, ihl);
	th = (const struct tcphdr *)(skb->data + ihl);
	saddr.ip = ip_hdr(skb)->saddr;
	daddr.ip = ip_hdr(skb)->daddr;

	cp = fnat_conn_lookup(fn->net, IPPROTO_TCP, &saddr, th->source,
			      &daddr, th->dest, &dir);
	if (cp && !valid_flags(th)) {
		fnat_count(fn, FULLNAT_CNT_BAD_FLAGS);
		return NF_DROP;
	}
	/* A client starting over from the same port: see fnat_tcp_closing(). */
	if (cp && dir == FNAT_DIR_IN && th->syn && !th->ack && !th->rst &&
	    fnat_tcp_closing(fn, cp)) {
		fnat_conn_detach(cp);
		fnat_count(fn, FULLNAT_CNT_CONN_REUSED);
		cp = NULL;
	}
	if (!cp) {
		svc = fnat_service_find(fn, IPPROTO_TCP, &daddr, th->dest);
		if (!svc) {
			if (!stray(fn, skb, &daddr))
				return NF_ACCEPT;
			fnat_count(fn, FULLNAT_CNT_STRAY);
			return NF_DROP;
		}
		if (!valid_flags(th)) {
			fnat_count(fn, FULLNAT_CNT_BAD_FLAGS);
			return NF_DROP;
		}
		if (!th->syn || th->ack) {
			fnat_count(fn, FULLNAT_CNT_NOT_SYN);
			return NF_DROP;
		}
		if (martian_source(fn, &saddr)) {
			fnat_count(fn, FULLNAT_CNT_MARTIAN);
			return NF_DROP;
		}
		cp = fnat_conn_new(fn, svc, &saddr, th->source);
		if (!cp)
			return NF_DROP;
		dir = FNAT_DIR_IN;
	}
	/* The state follows in fnat_xmit_fullnat(), if the packet goes on. */
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
	ret = fnat_early_alloc(fn);
	if (ret)
		return ret;
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
