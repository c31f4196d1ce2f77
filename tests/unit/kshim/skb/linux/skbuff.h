/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Stand-ins for the kernel headers of toa/packet.c (see kshim/kernel.h):
 * a socket buffer that is one flat copy of a packet, as skb_header_pointer()
 * sees a linear one.
 */
#ifndef KSHIM_SKB_SKBUFF_H
#define KSHIM_SKB_SKBUFF_H

#include <endian.h>
#include <netinet/in.h>
#include <linux/if_ether.h>

/* The kernel's htons() of a constant is one (packet.c's case labels). */
#undef htons
#if __BYTE_ORDER == __LITTLE_ENDIAN
#define htons(x) ((uint16_t)(((uint16_t)(x) & 0xff) << 8 | (uint16_t)(x) >> 8))
#else
#define htons(x) ((uint16_t)(x))
#endif

struct sk_buff {
	unsigned char *data;
	unsigned int len;
	__be16 protocol;
	u16 network_header, transport_header;	/* from data */
};

static inline unsigned char *skb_network_header(const struct sk_buff *skb)
{
	return skb->data + skb->network_header;
}

static inline int skb_transport_offset(const struct sk_buff *skb)
{
	return skb->transport_header;
}

static inline void *skb_header_pointer(const struct sk_buff *skb, int offset,
				       int len, void *buffer)
{
	if (offset < 0 || len < 0 || (unsigned int)offset + len > skb->len)
		return NULL;
	memcpy(buffer, skb->data + offset, len);
	return buffer;
}

#endif
