// SPDX-License-Identifier: GPL-2.0
/*
 * The IPv4 family: parsing the network header into a struct fnat_pkt,
 * and what depends on the family's addresses.
 *
 * Everything else in the data path reads the parsed packet, so IPv6 adds
 * a file like this one (and a hook), not a branch in every function.
 */
#include <linux/ip.h>
#include <net/ip.h>
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
 */
bool fnat_inet4_martian(struct fnat_net *fn, const struct fnat_pkt *p)
{
	__be32 a = p->saddr.ip;

	/* ipv4_is_zeronet() is only 0.0.0.0 on recent kernels: 0/8 here. */
	if ((a & htonl(0xff000000)) == 0 || ipv4_is_loopback(a) ||
	    ipv4_is_multicast(a) || ipv4_is_lbcast(a) ||
	    (a & htonl(0xf0000000)) == htonl(0xf0000000))
		return true;
	return fnat_addr_ours(fn, AF_INET, &p->saddr);
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
