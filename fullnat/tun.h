/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The TUN method's outer header, one per family (xmit_tun.c: IPIP for
 * IPv4 services; xmit_tun6.c: IPv6 in IPv6). A service has one family,
 * its real servers too, so the outer family is the packet's own.
 */
#ifndef _FULLNAT_TUN_H
#define _FULLNAT_TUN_H

#include "fullnat.h"

struct fnat_tun_af {
	/* The route toward a real server, cached (fnat_dest_route()). */
	struct fnat_route_ops route;
	/* The largest inner packet @dst takes whole; 0: unusable. */
	unsigned int (*mtu)(const struct dst_entry *dst);
	/* The largest inner packet the outer header's length field holds. */
	unsigned int max_inner;
	/* Room and offloads for the outer header; 0 or -errno. */
	int (*ready)(struct sk_buff *skb, const struct fnat_pkt *p,
		     struct dst_entry *dst);
	/* Put the outer header on and send (consumes @skb and @dst's ref). */
	void (*send)(struct fnat_net *fn, struct sk_buff *skb,
		     struct dst_entry *dst, bool noref,
		     const union nf_inet_addr *saddr,
		     const union nf_inet_addr *daddr);
};

extern const struct fnat_tun_af fnat_tun_inet6;

#endif /* _FULLNAT_TUN_H */
