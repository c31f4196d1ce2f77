// SPDX-License-Identifier: GPL-2.0
/* Finding the TOA option and the packet's source in a socket buffer. */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <net/ipv6.h>
#include <net/tcp.h>

#include "toa.h"

/*
 * @skb is the packet that completes the handshake (the third ACK, or data
 * carrying the same ack_seq), as tcp_v{4,6}_syn_recv_sock() receive it: the
 * IP header at the network header, the TCP header at the transport header,
 * both already validated by the TCP receive path. skb_header_pointer()
 * still copes with a non-linear one.
 *
 * @peer receives the packet's source (the director's LIP and lport, which
 * become the child's peer), @client the address in the option.
 */
enum toa_result toa_parse_skb(const struct sk_buff *skb, struct toa_addr *peer,
			      struct toa_addr *client)
{
	u8 _opt[MAX_TCP_OPTION_SPACE];
	struct tcphdr _th;
	const struct tcphdr *th;
	unsigned int off = skb_transport_offset(skb), optlen;
	enum toa_result res;
	const u8 *opt;

	th = skb_header_pointer(skb, off, sizeof(_th), &_th);
	if (!th || th->doff < sizeof(*th) / 4)
		return TOA_NONE;
	optlen = th->doff * 4 - sizeof(*th);
	if (!optlen)
		return TOA_NONE;
	opt = skb_header_pointer(skb, off + sizeof(*th), optlen, _opt);
	if (!opt)
		return TOA_NONE;
	res = toa_parse_options(opt, optlen, client);
	if (res == TOA_NONE)
		return res;

	switch (skb->protocol) {
	case htons(ETH_P_IP):
		ipv6_addr_set_v4mapped(ip_hdr(skb)->saddr, &peer->addr);
		break;
	case htons(ETH_P_IPV6):
		/*
		 * An IPv4-mapped source is no IPv6 host's (RFC 4291 2.5.5.2;
		 * tcp_v6_conn_request() refuses its SYN, but a SYN cookie's
		 * ACK gets past that) and would match the IPv4 networks
		 * trusted, which are kept as mapped addresses (trusted.c):
		 * from the wire, a forgery. Its option is not looked at.
		 */
		if (ipv6_addr_v4mapped(&ipv6_hdr(skb)->saddr))
			return TOA_NONE;
		peer->addr = ipv6_hdr(skb)->saddr;
		break;
	default:
		return TOA_NONE;
	}
	peer->port = th->source;
	return res;
}
