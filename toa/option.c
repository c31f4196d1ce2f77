// SPDX-License-Identifier: GPL-2.0
/*
 * Reading the TOA option. The packet comes from the network: it may carry
 * any bytes, so the walk is bounded by the header length the packet states
 * (doff), never reads past it, and gives up on the first inconsistency.
 *
 * Only a TOA in a well-formed option list is believed. A TOA kind with a
 * length that is not one of the deployed ones, a TOA that runs past the
 * header, an option list broken anywhere (a length below 2 or past the
 * header, as tcp_parse_options() treats it) once a TOA kind was seen, and
 * two TOA options in one packet all yield TOA_MALFORMED: the connection
 * keeps the address it really has. For a duplicate there is no safe winner
 * (the first is what old modules took, the last is what a second director
 * on the path would have appended), so neither is used.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <net/ipv6.h>
#include <net/tcp.h>
#include <uapi/linux/toa.h>

#include "toa.h"

static bool is_toa_kind(u8 kind)
{
	return kind == TOA_KIND || kind == TOA_KIND_V6_ALI;
}

/* Decode one TOA option whose @len bytes are all inside the header. */
static bool decode(const u8 *p, u8 len, struct toa_addr *client)
{
	if (p[0] == TOA_KIND && len == TOA_LEN_V4) {
		const struct toa_v4 *o = (const struct toa_v4 *)p;

		ipv6_addr_set_v4mapped(get_unaligned(&o->addr), &client->addr);
		client->port = get_unaligned(&o->port);
		return true;
	}
	if (len == TOA_LEN_V6) {	/* kind 254 (DPVS) or 253 (Alibaba) */
		const struct toa_v6 *o = (const struct toa_v6 *)p;

		memcpy(&client->addr, o->addr, sizeof(client->addr));
		client->port = get_unaligned(&o->port);
		return true;
	}
	return false;
}

enum toa_result toa_parse_options(const u8 *opt, unsigned int len,
				  struct toa_addr *client)
{
	unsigned int seen = 0;	/* TOA kinds met, well-formed or not */
	bool bad = false;

	while (len > 0) {
		u8 kind = opt[0], olen;

		if (kind == TCPOPT_EOL)
			break;
		if (kind == TCPOPT_NOP) {
			opt++;
			len--;
			continue;
		}
		if (is_toa_kind(kind))
			seen++;
		if (len < 2) {		/* a kind with no room for its length */
			bad = true;
			break;
		}
		olen = opt[1];
		if (olen < 2 || olen > len) {
			bad = true;
			break;
		}
		/* decode() only the first: a second one is a reason to drop both */
		if (is_toa_kind(kind) && (seen > 1 || !decode(opt, olen, client)))
			bad = true;
		opt += olen;
		len -= olen;
	}
	if (!seen)
		return TOA_NONE;
	return bad ? TOA_MALFORMED : TOA_FOUND;
}

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
		peer->addr = ipv6_hdr(skb)->saddr;
		break;
	default:
		return TOA_NONE;
	}
	peer->port = th->source;
	return res;
}
