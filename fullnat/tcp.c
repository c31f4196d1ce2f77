// SPDX-License-Identifier: GPL-2.0
/*
 * TCP: connection states and timeouts, TOA insertion, MSS lowering.
 *
 * The director sees both directions of every connection, so it follows
 * the handshake and the two FINs instead of guessing from one side as IPVS
 * NAT must not (it does see both, but DR and TUN do not). The state picks
 * the timeout and tells a real server's active (ESTABLISHED) connections
 * from the rest, which wlc weighs differently.
 *
 * TOA (the client's address in a TCP option; format in
 * include/uapi/linux/toa.h) is written into the third-handshake ACK and
 * into every other client packet that acknowledges exactly the real
 * server's ISN + 1: a retransmitted third ACK, and data the client sends
 * before the server has sent any (including data with FIN). The real
 * server creates its socket from whichever of these arrives first, and
 * reads the option there. The option occupies header room, so the MSS the
 * real server announces in its SYN-ACK is lowered by the option's length:
 * the client then never sends a segment that the option would push over
 * the path MTU.
 */
#include <linux/tcp.h>
#include <net/ip.h>
#include <net/tcp.h>
#include <uapi/linux/toa.h>

#include "fullnat.h"

static void set_state(struct fnat_net *fn, struct fnat_conn *cp, u8 new)
{
	u8 old = cp->state;

	if (old != new) {
		if (old == FULLNAT_TCP_S_ESTABLISHED) {
			atomic_dec(&cp->dest->active);
			atomic_inc(&cp->dest->inactive);
		} else if (new == FULLNAT_TCP_S_ESTABLISHED) {
			atomic_inc(&cp->dest->active);
			atomic_dec(&cp->dest->inactive);
		}
		cp->state = new;
	}
	WRITE_ONCE(cp->expires, jiffies + READ_ONCE(fn->cfg.timeout[new]));
}

/* Advance @cp's state for a packet going @dir. Softirq. */
void fnat_tcp_state(struct fnat_net *fn, struct fnat_conn *cp,
		    enum fnat_dir dir, const struct tcphdr *th)
{
	u8 state;
	u16 flags;

	spin_lock(&cp->lock);
	if (cp->flags & FNAT_CONN_F_DEAD)
		goto out;
	state = cp->state;
	flags = cp->flags;

	if (th->rst) {
		set_state(fn, cp, FULLNAT_TCP_S_CLOSE);
		goto out;
	}
	if (dir == FNAT_DIR_OUT && th->syn && th->ack) {
		WRITE_ONCE(cp->rs_isn, ntohl(th->seq));
		flags |= FNAT_CONN_F_SYNACK;
	}
	if (th->fin)
		flags |= dir == FNAT_DIR_IN ? FNAT_CONN_F_CFIN : FNAT_CONN_F_SFIN;
	WRITE_ONCE(cp->flags, flags);

	switch (state) {
	case FULLNAT_TCP_S_NONE:
		if (dir == FNAT_DIR_IN && th->syn)
			state = FULLNAT_TCP_S_SYN_RECV;
		break;
	case FULLNAT_TCP_S_SYN_RECV:
		if (dir == FNAT_DIR_IN && th->ack && !th->syn &&
		    (flags & FNAT_CONN_F_SYNACK))
			state = FULLNAT_TCP_S_ESTABLISHED;
		break;
	case FULLNAT_TCP_S_TIME_WAIT:
	case FULLNAT_TCP_S_CLOSE:
		/* Late retransmissions do not revive a finished connection. */
		goto keep;
	}

	if (state != FULLNAT_TCP_S_NONE &&
	    (flags & (FNAT_CONN_F_CFIN | FNAT_CONN_F_SFIN))) {
		if ((flags & FNAT_CONN_F_CFIN) && (flags & FNAT_CONN_F_SFIN)) {
			/* The ACK of the second FIN ends the close. */
			if (state == FULLNAT_TCP_S_LAST_ACK && th->ack && !th->fin)
				state = FULLNAT_TCP_S_TIME_WAIT;
			else
				state = FULLNAT_TCP_S_LAST_ACK;
		} else if (flags & FNAT_CONN_F_CFIN) {
			state = FULLNAT_TCP_S_FIN_WAIT;
		} else {
			state = FULLNAT_TCP_S_CLOSE_WAIT;
		}
	}
keep:
	set_state(fn, cp, state);
out:
	spin_unlock(&cp->lock);
}

/*
 * A SYN (without ACK) from the client of @cp: does it start a new
 * connection rather than join @cp? If so, @cp is retired: it keeps its
 * real-server side tuple, quarantined for the TIME_WAIT timeout from now
 * (it is detached from its client side by the caller). Softirq.
 *
 * A client sends a SYN from the same address and port only once its old
 * socket is gone. What the real server holds on the old tuple then
 * depends on how far the close went:
 *  - TIME_WAIT, CLOSE: the usual case (IPVS and conntrack reopen here too).
 *  - CLOSE_WAIT, LAST_ACK: the server has closed first, so the client
 *    keeps no TIME_WAIT and may reuse its port at once; if the director
 *    missed the end of the old connection (the client went away silently,
 *    a crash, a NAT in front of it that forgot the mapping), the server
 *    sits in FIN_WAIT2 or TIME_WAIT on the old tuple. Sent there, the SYN
 *    is answered with an ACK or a reset instead of a SYN-ACK: the client
 *    would reset, retransmit the SYN and get through only with that
 *    retransmission, on a new tuple. IPVS and conntrack pass
 *    such a SYN to the old flow because they cannot give it another
 *    tuple; FullNAT can, and the server's direction of the old flow is
 *    over, so nothing is lost.
 *  - FIN_WAIT: only the client has closed; the server may still be
 *    sending (a download after the client's half-close). A SYN forged
 *    with the client's address and a guessed port must not take the
 *    client side of such a flow away, so it joins, as in ESTABLISHED.
 *  - NONE, SYN_RECV: a retransmitted SYN; it joins.
 */
bool fnat_tcp_closing(struct fnat_net *fn, struct fnat_conn *cp)
{
	bool reopen = false;

	spin_lock(&cp->lock);
	if (cp->flags & FNAT_CONN_F_DEAD)
		goto out;
	switch (cp->state) {
	case FULLNAT_TCP_S_CLOSE_WAIT:
	case FULLNAT_TCP_S_LAST_ACK:
		/*
		 * The server's side of the old tuple lives on for up to a
		 * TIME_WAIT (or FIN_WAIT2) timeout: keep the tuple that long.
		 */
		set_state(fn, cp, FULLNAT_TCP_S_TIME_WAIT);
		fallthrough;
	case FULLNAT_TCP_S_TIME_WAIT:
	case FULLNAT_TCP_S_CLOSE:
		reopen = true;
	}
out:
	spin_unlock(&cp->lock);
	return reopen;
}

/* Does this client packet need the TOA option? Softirq, lockless. */
bool fnat_tcp_want_toa(struct fnat_conn *cp, const struct tcphdr *th)
{
	u16 flags = READ_ONCE(cp->flags);

	if (!(flags & FNAT_CONN_F_TOA) || !(flags & FNAT_CONN_F_SYNACK))
		return false;
	if (th->syn || th->rst || !th->ack)
		return false;
	return ntohl(th->ack_seq) == READ_ONCE(cp->rs_isn) + 1;
}

/*
 * Insert TOA after the TCP header's options of an IPv4 packet whose IP and
 * TCP headers are linear and writable and which has TOA_LEN bytes of
 * headroom (the caller checked room and MTU). Headers move toward the
 * head; the payload stays where it is.
 */
int fnat_tcp_insert_toa(struct sk_buff *skb, const struct fnat_conn *cp)
{
	unsigned int ihl = ip_hdrlen(skb), thlen, tcplen;
	struct toa_v4 *opt;
	__be32 old_word;
	struct iphdr *iph;
	struct tcphdr *th;
	__be32 *w;

	thlen = tcp_hdr(skb)->doff * 4;
	if (thlen + TOA_LEN_V4 > FNAT_MAX_TCP_HDR)
		return -ENOSPC;
	if (skb_cow(skb, TOA_LEN_V4))
		return -ENOMEM;

	tcplen = skb->len - ihl;
	skb_push(skb, TOA_LEN_V4);
	memmove(skb->data, skb->data + TOA_LEN_V4, ihl + thlen);
	skb_reset_network_header(skb);
	skb_set_transport_header(skb, ihl);
	iph = ip_hdr(skb);
	th = tcp_hdr(skb);

	opt = (struct toa_v4 *)((u8 *)th + thlen);
	opt->kind = TOA_KIND;
	opt->len = TOA_LEN_V4;
	opt->port = cp->cport;
	opt->addr = cp->caddr.ip;

	/* Checksum: the doff word, the pseudo-header length, the option. */
	old_word = tcp_flag_word(th);
	th->doff += TOA_LEN_V4 / 4;
	inet_proto_csum_replace4(&th->check, skb, old_word, tcp_flag_word(th),
				 false);
	inet_proto_csum_replace2(&th->check, skb, htons(tcplen),
				 htons(tcplen + TOA_LEN_V4), true);
	w = (__be32 *)opt;
	inet_proto_csum_replace4(&th->check, skb, 0, w[0], false);
	inet_proto_csum_replace4(&th->check, skb, 0, w[1], false);

	csum_replace2(&iph->check, iph->tot_len,
		      htons(ntohs(iph->tot_len) + TOA_LEN_V4));
	iph->tot_len = htons(ntohs(iph->tot_len) + TOA_LEN_V4);

	if (skb->ip_summed == CHECKSUM_PARTIAL)
		skb->csum_start = skb_transport_header(skb) - skb->head;
	if (skb_is_gso(skb)) {
		/*
		 * Every segment carries the grown header: shrink the payload
		 * per segment so segments still fit the MTU they were cut for.
		 */
		skb_decrease_gso_size(skb_shinfo(skb), TOA_LEN_V4);
		skb_shinfo(skb)->gso_type |= SKB_GSO_DODGY;
		skb_shinfo(skb)->gso_segs = 0;
	}
	return 0;
}

/*
 * Lower the MSS option of a SYN-ACK by the TOA length. The TCP header at
 * @thoff is linear and writable. Returns true if an MSS was lowered.
 */
bool fnat_tcp_lower_mss(struct sk_buff *skb, unsigned int thoff)
{
	struct tcphdr *th = (struct tcphdr *)(skb->data + thoff);
	unsigned int optlen = th->doff * 4 - sizeof(*th), i = 0;
	u8 *opt = (u8 *)(th + 1);

	while (i < optlen) {
		u8 kind = opt[i], len;
		u16 mss, lowered;

		if (kind == TCPOPT_EOL)
			break;
		if (kind == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= optlen)
			break;
		len = opt[i + 1];
		if (len < 2 || i + len > optlen)
			break;
		if (kind == TCPOPT_MSS && len == TCPOLEN_MSS) {
			mss = get_unaligned_be16(&opt[i + 2]);
			if (mss <= TOA_LEN_V4 + TCP_MIN_MSS)
				return false;
			lowered = mss - TOA_LEN_V4;
			put_unaligned_be16(lowered, &opt[i + 2]);
			/*
			 * The checksum sums 16-bit words from the header start;
			 * a value at an odd offset counts byte-swapped.
			 */
			if ((sizeof(*th) + i + 2) & 1)
				inet_proto_csum_replace2(&th->check, skb,
					(__force __be16)swab16((__force u16)htons(mss)),
					(__force __be16)swab16((__force u16)htons(lowered)),
					false);
			else
				inet_proto_csum_replace2(&th->check, skb,
							 htons(mss), htons(lowered),
							 false);
			return true;
		}
		i += len;
	}
	return false;
}
