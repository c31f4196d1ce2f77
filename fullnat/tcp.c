// SPDX-License-Identifier: GPL-2.0
/*
 * TCP: connection states and timeouts, which packets get TOA, MSS
 * lowering (the option itself: toa.c).
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
 * reads the option there; once the server has sent anything but a SYN-ACK
 * it has that socket, and no packet gets the option any more (an upload
 * would otherwise carry it, and pay for it, in every packet). The option occupies header room, so the MSS the
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
	} else if (dir == FNAT_DIR_OUT && (flags & FNAT_CONN_F_SYNACK)) {
		/*
		 * A real server sends nothing but SYN-ACKs (and RSTs) before
		 * it has the connection's socket, and read our option when it
		 * made it: no later client packet needs one. (A request
		 * socket does ACK a client segment out of its window: the
		 * client who sent that loses its own TOA, nobody else's.)
		 */
		flags |= FNAT_CONN_F_TOA_DONE;
	}
	if (th->fin)
		flags |= dir == FNAT_DIR_IN ? FNAT_CONN_F_CFIN : FNAT_CONN_F_SFIN;
	/* Publishes rs_isn to fnat_tcp_want_toa(), which reads no lock. */
	smp_store_release(&cp->flags, flags);

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

/* A SYN for this client flow starts a new connection rather than joining. */
bool fnat_tcp_closing(const struct fnat_conn *cp)
{
	u8 state = READ_ONCE(cp->state);

	return state == FULLNAT_TCP_S_TIME_WAIT || state == FULLNAT_TCP_S_CLOSE;
}

/* Does this client packet need the TOA option? Softirq, lockless. */
bool fnat_tcp_want_toa(struct fnat_conn *cp, const struct tcphdr *th)
{
	u16 flags = smp_load_acquire(&cp->flags);

	if ((flags & (FNAT_CONN_F_TOA | FNAT_CONN_F_SYNACK |
		      FNAT_CONN_F_TOA_DONE)) !=
	    (FNAT_CONN_F_TOA | FNAT_CONN_F_SYNACK))
		return false;
	if (th->syn || th->rst || !th->ack)
		return false;
	return ntohl(th->ack_seq) == READ_ONCE(cp->rs_isn) + 1;
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
