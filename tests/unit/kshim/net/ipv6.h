/* SPDX-License-Identifier: GPL-2.0 */
/* Stand-in for the kernel's net/ipv6.h (see kshim/kernel.h). */
#ifndef KSHIM_NET_IPV6_H
#define KSHIM_NET_IPV6_H

#include <linux/in6.h>

static inline void ipv6_addr_set_v4mapped(__be32 addr, struct in6_addr *v6)
{
	memset(v6, 0, sizeof(*v6));
	v6->s6_addr[10] = 0xff;
	v6->s6_addr[11] = 0xff;
	memcpy(&v6->s6_addr[12], &addr, 4);
}

static inline bool ipv6_addr_v4mapped(const struct in6_addr *a)
{
	static const u8 prefix[12] = { [10] = 0xff, [11] = 0xff };

	return !memcmp(a->s6_addr, prefix, sizeof(prefix));
}

#endif
