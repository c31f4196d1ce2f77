/* SPDX-License-Identifier: GPL-2.0 */
/* Stand-in for the kernel's linux/ipv6.h (see kshim/skb/linux/skbuff.h). */
#ifndef KSHIM_SKB_IPV6_H
#define KSHIM_SKB_IPV6_H

#include <netinet/in.h>
#include <linux/skbuff.h>

struct ipv6hdr {
	__u8 priority:4, version:4;
	__u8 flow_lbl[3];
	__be16 payload_len;
	__u8 nexthdr;
	__u8 hop_limit;
	struct in6_addr saddr, daddr;
};

static inline struct ipv6hdr *ipv6_hdr(const struct sk_buff *skb)
{
	return (struct ipv6hdr *)skb_network_header(skb);
}

#endif
