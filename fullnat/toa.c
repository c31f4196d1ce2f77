// SPDX-License-Identifier: GPL-2.0
/*
 * TOA on the way to a real server: the client's own TOA options removed,
 * ours inserted; the real server's MSS lowered to leave room for it, and
 * Fast Open taken out of the way (fnat_toa_strip_fastopen()).
 *
 * A real server's toa.ko believes a TOA option because it comes from a
 * director's local address. That is sound only if no option a client wrote
 * ever gets there: the LIP pool is shared by every service of a director,
 * so a client of a "toa off" service, or one whose packet has no room for
 * our option, could otherwise tell a real server of any service who it is.
 * So every client packet of every service is cleaned, before anything is
 * added: option kinds 253 and 254 (every TOA kind deployed, see
 * include/uapi/linux/toa.h; also RFC 6994 experiments, which a client has
 * no business running through a load balancer) become NOPs, whatever
 * their length. Nothing past an EOL is read by anyone (toa.ko,
 * tcp_parse_options() and the older TOA modules all stop there), so it is
 * left alone; our option then goes before the EOL, never after it. A list
 * that is broken (an option length below 2 or past the header) is not
 * guessed at: every parser stops at the break, but they disagree on what
 * came before, so the packet is dropped. No TCP stack sends such options.
 * The SYN is cleaned too: a TCP Fast Open server creates its socket from
 * the SYN, and toa.ko reads the options of that packet.
 *
 * Cost: a header without options, or with only the timestamp option laid
 * out as every stack sends it, is not scanned. Scans read at most 40 bytes.
 *
 * Where our option goes, by preference: over 8 bytes of NOPs (a forged
 * TOA just overwritten, or padding a client sent) or over an EOL with at
 * least 8 bytes from it: the packet keeps its size, so neither room, the
 * MTU nor segmentation matter. Otherwise the header grows by 8 bytes, if
 * it can (40 option bytes at most, 64 KiB per packet, and a GRO packet's
 * segments must keep a sane size: each of them grows too).
 */
#include <linux/tcp.h>
#include <net/checksum.h>
#include <net/ip.h>
#include <net/tcp.h>
#include <uapi/linux/toa.h>

#include "fullnat.h"

/*
 * Header bytes changed by @diff. With CHECKSUM_PARTIAL the device sums the
 * header itself and the field holds only the pseudo-header's sum.
 */
static void header_changed(struct sk_buff *skb, struct tcphdr *th, __wsum diff)
{
	if (skb->ip_summed != CHECKSUM_PARTIAL)
		csum_replace_by_diff(&th->check, diff);
}

/*
 * Overwrite the client's TOA-kind options in the TCP header at @thoff
 * (linear and writable), and find where ours can go. Softirq.
 * Returns 0, or -EINVAL when the option list is broken (the packet must
 * be dropped).
 */
int fnat_toa_clean(struct fnat_net *fn, struct sk_buff *skb,
		   const struct fnat_pkt *p, struct fnat_tcpopt *o)
{
	struct tcphdr *th = (struct tcphdr *)(skb->data + p->l4off);

	if (fnat_tcpopt_clean_len((u8 *)(th + 1), th->doff * 4 - sizeof(*th),
				  fnat_toa_len(p->af), o))
		return -EINVAL;
	if (o->stripped) {
		header_changed(skb, th, o->diff);
		fnat_count(fn, FULLNAT_CNT_TOA_STRIPPED);
	}
	return 0;
}

/*
 * Our option (@o->len bytes) inserted where the list ends (before its
 * EOL): the network headers and the TCP header up to there move toward
 * the head, the rest stays. The packet starts at its network header
 * (@p->l3off is 0: only a quote has another) and its transport header is
 * at @p->l4off, past IPv6's extension headers.
 */
static int grow(struct sk_buff *skb, const struct fnat_pkt *p,
		const struct fnat_tcpopt *o, const void *t)
{
	unsigned int nhl = p->l4off, tcplen = skb->len - nhl, len = o->len;
	struct tcphdr *th;
	__be32 old_word;

	if (skb_cow(skb, len))
		return -ENOMEM;
	skb_push(skb, len);
	memmove(skb->data, skb->data + len, nhl + sizeof(*th) + o->end);
	skb_reset_network_header(skb);
	skb_set_transport_header(skb, nhl);
	th = tcp_hdr(skb);
	memcpy((u8 *)(th + 1) + o->end, t, len);

	/*
	 * Checksum: the option, the doff word, the pseudo-header length
	 * (IPv6's is 32 bits, whose high half stays 0).
	 */
	header_changed(skb, th, fnat_tcpopt_insert_diff(o, t));
	old_word = tcp_flag_word(th);
	th->doff += len / 4;
	inet_proto_csum_replace4(&th->check, skb, old_word, tcp_flag_word(th),
				 false);
	inet_proto_csum_replace2(&th->check, skb, htons(tcplen),
				 htons(tcplen + len), true);

	if (p->af == AF_INET6) {
		struct ipv6hdr *ip6h = ipv6_hdr(skb);

		ip6h->payload_len = htons(ntohs(ip6h->payload_len) + len);
	} else {
		struct iphdr *iph = ip_hdr(skb);

		csum_replace2(&iph->check, iph->tot_len,
			      htons(ntohs(iph->tot_len) + len));
		iph->tot_len = htons(ntohs(iph->tot_len) + len);
	}

	if (skb->ip_summed == CHECKSUM_PARTIAL)
		skb->csum_start = skb_transport_header(skb) - skb->head;
	if (skb_is_gso(skb)) {
		/*
		 * Every segment carries the grown header: shrink the payload
		 * per segment so segments still fit the MTU they were cut for.
		 */
		skb_decrease_gso_size(skb_shinfo(skb), len);
		skb_shinfo(skb)->gso_type |= SKB_GSO_DODGY;
		skb_shinfo(skb)->gso_segs = 0;
	}
	return 0;
}

/*
 * Smallest segment payload a GRO packet may have to take the option: each
 * segment grows by it, and a packet of tiny segments (a client can make
 * GRO merge those) must neither underflow nor become a burst of even
 * tinier ones.
 */
#define TOA_GSO_MIN(len)	(TCP_MIN_MSS + (len))

/*
 * Our TOA into a client packet @p that fnat_toa_clean() cleaned, whose
 * headers are linear and writable: the 8-byte option for an IPv4 client,
 * the 20-byte one for IPv6 (include/uapi/linux/toa.h). @mtu is the
 * route's. Counts what it does; returns whether the option was written.
 */
bool fnat_toa_insert(struct fnat_net *fn, struct sk_buff *skb,
		     const struct fnat_pkt *p, const struct fnat_tcpopt *o,
		     const struct fnat_conn *cp, unsigned int mtu)
{
	enum fullnat_counter c = FULLNAT_CNT_TOA_INSERTED;
	struct tcphdr *th = (struct tcphdr *)(skb->data + p->l4off);
	unsigned int thlen = th->doff * 4, len = o->len;
	union {
		struct toa_v4 v4;
		struct toa_v6 v6;
	} t;

	if (cp->af == AF_INET6) {
		t.v6.kind = TOA_KIND_V6;
		t.v6.len = TOA_LEN_V6;
		t.v6.port = cp->cport;
		memcpy(t.v6.addr, &cp->caddr.in6, sizeof(t.v6.addr));
	} else {
		t.v4.kind = TOA_KIND;
		t.v4.len = TOA_LEN_V4;
		t.v4.port = cp->cport;
		t.v4.addr = cp->caddr.ip;
	}

	if (o->room != FNAT_TCPOPT_NO_ROOM) {
		header_changed(skb, th,
			       fnat_tcpopt_write((u8 *)(th + 1),
						 thlen - sizeof(*th), o, &t));
	} else if (thlen + len > FNAT_MAX_TCP_HDR) {
		c = FULLNAT_CNT_TOA_NO_ROOM;
	} else if (!skb_is_gso(skb) && skb->len + len > mtu) {
		c = FULLNAT_CNT_TOA_NO_MTU;
	} else if (skb->len + len > IP_MAX_MTU ||
		   (skb_is_gso(skb) &&
		    skb_shinfo(skb)->gso_size < TOA_GSO_MIN(len))) {
		c = FULLNAT_CNT_TOA_GSO;
	} else if (grow(skb, p, o, &t)) {
		c = FULLNAT_CNT_TOA_ERR;
	}
	fnat_count(fn, c);
	return c == FULLNAT_CNT_TOA_INSERTED;
}

/*
 * Lower the MSS option of a SYN-ACK by @toa_len. The TCP header at
 * @thoff is linear and writable. Returns true if an MSS was lowered.
 */
bool fnat_toa_lower_mss(struct sk_buff *skb, unsigned int thoff,
			unsigned int toa_len)
{
	struct tcphdr *th = (struct tcphdr *)(skb->data + thoff);
	u8 *opt = (u8 *)(th + 1);
	int i = fnat_tcpopt_find(opt, th->doff * 4 - sizeof(*th), TCPOPT_MSS,
				 TCPOLEN_MSS);
	u16 mss, lowered;
	__be16 from, to;

	if (i < 0)
		return false;
	mss = get_unaligned_be16(&opt[i + 2]);
	if (mss <= toa_len + TCP_MIN_MSS)
		return false;
	lowered = mss - toa_len;
	put_unaligned_be16(lowered, &opt[i + 2]);
	/*
	 * The checksum sums 16-bit words from the header start; a value at
	 * an odd offset counts byte-swapped.
	 */
	from = htons(mss);
	to = htons(lowered);
	if ((sizeof(*th) + i + 2) & 1) {
		from = (__force __be16)swab16((__force u16)from);
		to = (__force __be16)swab16((__force u16)to);
	}
	inet_proto_csum_replace2(&th->check, skb, from, to, false);
	return true;
}

/*
 * TCP Fast Open (RFC 7413) and TOA exclude each other: a real server that
 * takes a SYN's data makes the connection's socket from the SYN, before
 * any packet that carries our option, and its program would see the LIP
 * as the client (or a LIP where its rules expect clients). So in a TOA
 * connection's SYNs the Fast Open option (a cookie, or the request for
 * one) becomes NOPs: the server gives out no cookie and takes no data
 * before the handshake, and a client that has a cookie sends its data
 * again after it, in a packet that gets the option. (The experimental
 * kind, 254, is a TOA kind and goes already: fnat_toa_clean().) A server
 * that takes SYN data without a cookie (TCP_FASTOPEN_NO_COOKIE) is not
 * covered: it must not be set where TOA is wanted. The TCP header is
 * linear and writable.
 */
void fnat_toa_strip_fastopen(struct fnat_net *fn, struct sk_buff *skb,
			     const struct fnat_pkt *p)
{
	struct tcphdr *th = (struct tcphdr *)(skb->data + p->l4off);
	unsigned int optlen = th->doff * 4 - sizeof(*th), a, b;
	u8 *opt = (u8 *)(th + 1);
	__wsum old;
	int i;

	while ((i = fnat_tcpopt_find(opt, optlen, TCPOPT_FASTOPEN, 0)) >= 0) {
		/* The 16-bit words it spans (th + 1 is at an even offset). */
		a = i & ~1;
		b = ALIGN(i + opt[i + 1], 2);
		old = csum_partial(opt + a, b - a, 0);
		memset(opt + i, TCPOPT_NOP, opt[i + 1]);
		header_changed(skb, th,
			       csum_sub(csum_partial(opt + a, b - a, 0), old));
		fnat_count(fn, FULLNAT_CNT_TFO_STRIPPED);
	}
}
