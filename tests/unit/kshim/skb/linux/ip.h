/* SPDX-License-Identifier: GPL-2.0 */
/* Stand-in for the kernel's linux/ip.h (see kshim/skb/linux/skbuff.h). */
#ifndef KSHIM_SKB_IP_H
#define KSHIM_SKB_IP_H

#include <netinet/ip.h>		/* struct iphdr, the kernel's field names */
#include <linux/skbuff.h>

static inline struct iphdr *ip_hdr(const struct sk_buff *skb)
{
	return (struct iphdr *)skb_network_header(skb);
}

#endif
