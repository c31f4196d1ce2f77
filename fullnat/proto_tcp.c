// SPDX-License-Identifier: GPL-2.0
/*
 * TCP (struct fnat_proto): which packets may open or join a connection,
 * connection states and timeouts, port rewriting, ICMP quotes, which
 * packets get TOA, MSS lowering (the option itself: toa.c, tcpopt.c).
 *
 * With FullNAT the director sees both directions of every connection, so
 * it follows the handshake and the two FINs instead of guessing from one
 * side; with a method whose replies bypass it (DR, TUN) it sees only the
 * client's side and follows that (one_way_state()). The state picks
 * the timeout and tells a real server's active connections (from the
 * first SYN through ESTABLISHED, fnat_dest_count()) from the rest, which
 * the lc family weighs differently.
 *
 * TOA (the client's address in a TCP option; format in
 * include/uapi/linux/toa.h) is written into the third-handshake ACK and
 * into every other client packet that acknowledges exactly the real
 * server's ISN + 1: a retransmitted third ACK, and data the client sends
 * before the server has sent any (including data with FIN). The real
 * server creates its socket from whichever of these arrives first, and
 * reads the option there; once the server has sent anything but a SYN-ACK
 * it has that socket, and no packet gets the option any more (an upload
 * would otherwise carry it, and pay for it, in every packet). The option
 * occupies header room, so the MSS the real server announces in its
 * SYN-ACK is lowered by the option's length: the client then never sends
 * a segment that the option would push over the path MTU.
 */
#include <linux/tcp.h>
#include <net/ip.h>
#include <net/tcp.h>
#include <uapi/linux/toa.h>

#include "fullnat.h"

static inline struct tcphdr *tcp_at(const struct sk_buff *skb,
				    const struct fnat_pkt *p)
{
	return (struct tcphdr *)(skb->data + p->l4off);
}

/*
 * The TCP header at @p->l4off, pulled into the linear area whole (options
 * included). Returns 0, or -EINVAL when it is truncated or states a wrong
 * length.
 */
int fnat_tcp_parse(struct sk_buff *skb, struct fnat_pkt *p)
{
	const struct tcphdr *th;
	unsigned int thlen;

	if (!pskb_may_pull(skb, p->l4off + sizeof(*th)))
		return -EINVAL;
	thlen = tcp_at(skb, p)->doff * 4;
	if (thlen < sizeof(*th) || !pskb_may_pull(skb, p->l4off + thlen))
		return -EINVAL;
	th = tcp_at(skb, p);
	p->sport = th->source;
	p->dport = th->dest;
	p->l4hlen = thlen;
	return 0;
}

/*
 * The flag combinations a TCP stack sends (conntrack's tcp_valid_flags;
 * PSH, ECE and CWR do not matter). Anything else (SYN+FIN, SYN+RST, no
 * flag, FIN without ACK) is a probe or an attack, and SYN+FIN would
 * otherwise hold a connection in FIN_WAIT.
 */
#define FLAG(f)		BIT_ULL(f)
#define VALID_FLAGS	(FLAG(TCPHDR_SYN) | FLAG(TCPHDR_SYN | TCPHDR_URG) | \
			 FLAG(TCPHDR_SYN | TCPHDR_ACK) | FLAG(TCPHDR_RST) | \
			 FLAG(TCPHDR_RST | TCPHDR_ACK) | \
			 FLAG(TCPHDR_FIN | TCPHDR_ACK) | \
			 FLAG(TCPHDR_FIN | TCPHDR_ACK | TCPHDR_URG) | \
			 FLAG(TCPHDR_ACK) | FLAG(TCPHDR_ACK | TCPHDR_URG))

bool fnat_tcp_valid(const struct sk_buff *skb, const struct fnat_pkt *p)
{
	u8 f = tcp_flag_byte(tcp_at(skb, p)) &
	       (TCPHDR_FIN | TCPHDR_SYN | TCPHDR_RST | TCPHDR_ACK | TCPHDR_URG);

	return VALID_FLAGS & BIT_ULL(f);
}

/*
 * A SYN opens a connection, and a packet in the middle of a flow (an
 * ACK, no SYN) only where the flow can have begun at another director
 * behind the same ECMP route and this one is certain to send it on to
 * the same real server: a one-way method (DR, TUN: the real server holds
 * the flow's whole state, and nothing of it is rewritten) and a
 * scheduler whose choice depends only on the configuration (mh). So a
 * router's rehash moves a flow between directors without breaking it, as
 * Maglev intends; IPVS does this for any service with the sysctl
 * sloppy_tcp. Elsewhere the SYN alone opens: FullNAT's and NAT's
 * connections hold a translation that a flow begun elsewhere cannot
 * have. The cost is DR's and TUN's already: a blind ACK takes a slot, as
 * a blind SYN does, held only for the SYN_RECV timeout until payload
 * (one_way_state()).
 */
static bool pick_up(const struct fnat_service *svc, const struct tcphdr *th)
{
	const struct fnat_sched_state *st;

	if (!th->ack || th->rst || !svc->method->one_way)
		return false;
	st = rcu_dereference(svc->sched);
	return st && st->ops->consistent;
}

int fnat_tcp_may_create(const struct fnat_service *svc,
			const struct sk_buff *skb, const struct fnat_pkt *p)
{
	const struct tcphdr *th = tcp_at(skb, p);

	if (!fnat_tcp_valid(skb, p))
		return FULLNAT_CNT_BAD_FLAGS;
	if (th->syn ? th->ack : !pick_up(svc, th))
		return FULLNAT_CNT_NOT_SYN;
	return 0;
}

static void set_state(struct fnat_net *fn, struct fnat_conn *cp, u8 new)
{
	u8 old = cp->state;

	if (old != new) {
		atomic_t *from = fnat_dest_count(cp->dest, IPPROTO_TCP, old);
		atomic_t *to = fnat_dest_count(cp->dest, IPPROTO_TCP, new);

		if (from != to) {
			atomic_dec(from);
			atomic_inc(to);
		}
		cp->state = new;
	}
	new = fnat_conn_timeout_state(new, cp->flags);
	WRITE_ONCE(cp->expires, jiffies + READ_ONCE(fn->cfg.timeout[new]));
}

/*
 * Sequence numbers. A packet changes the state only if its sequence
 * number is where the receiver could accept it, as conntrack's
 * tcp_in_window() judges in spirit: a blind RST (or FIN) from someone who
 * only knows the four addresses and ports must guess a window among 2^32
 * numbers, or the connection goes to CLOSE and, once that times out, the
 * director drops the rest of it. Per direction the director keeps the
 * highest sequence number sent (seq + length, SYN and FIN count one) and
 * the largest window advertised, scaled as the handshake agreed. A packet
 * of direction d is in the window when its sequence number is within the
 * receiver's window (at least 64 KiB) of d's highest one, either way:
 * above it for data the director did not see (lost before it), below it
 * for retransmissions and for the RST a host sends in answer to a segment
 * (its sequence number is that segment's acknowledgment). Packets out of
 * the window are still forwarded: the end hosts judge them too, and a
 * real server's challenge ACK needs the client to see them.
 */
#define NO_WSCALE	0xff

static u32 window_of(const struct fnat_tcp_seq *s, enum fnat_dir d)
{
	u32 w = s->win[d];

	if (s->wscale[FNAT_DIR_IN] != NO_WSCALE &&
	    s->wscale[FNAT_DIR_OUT] != NO_WSCALE)
		w <<= s->wscale[d];
	return max_t(u32, w, 65535);
}

static bool in_window(const struct fnat_tcp_seq *s, enum fnat_dir d, u32 seq)
{
	u32 w = window_of(s, !d);

	return seq - (s->end[d] - w) <= 2 * w;
}

/*
 * How far behind the last of a one-way connection's client packets one it
 * sent earlier may be: as much as its flight, bounded by the server's
 * window, which the director does not see. 16 MiB: more than Linux's
 * largest default receive buffer (tcp_rmem, 6 MiB), 1/256 of the sequence
 * space.
 */
#define ONE_WAY_FLIGHT	(16U << 20)

/*
 * Is the packet quoted by an ICMP error (@q, its first 8 bytes present),
 * sent going @dir, one of @cp's: its sequence number within the window
 * of @dir's sequence space? A one-way connection's client (DR, TUN,
 * imported: fnat_conn_one_way()) is judged against ONE_WAY_FLIGHT below,
 * since an error may quote a retransmission of a whole flight's first
 * segment. An imported connection's packets may be past the point
 * imported (conn.c), where its window was, by any amount: they are judged
 * from below only. Softirq.
 */
bool fnat_tcp_quote_ok(struct fnat_conn *cp, enum fnat_dir dir,
		       const struct sk_buff *skb, const struct fnat_pkt *q)
{
	u32 seq = ntohl(tcp_at(skb, q)->seq);
	const struct fnat_tcp_seq *s = &cp->seq;
	bool one_way = fnat_conn_one_way(cp);
	u32 end, back;
	bool ok;

	spin_lock(&cp->lock);
	end = s->end[dir];
	back = dir == FNAT_DIR_IN && one_way ? ONE_WAY_FLIGHT :
	       window_of(s, !dir);
	if ((cp->flags & FNAT_CONN_F_DEAD) ||
	    (dir == FNAT_DIR_OUT && !(cp->flags & FNAT_CONN_F_SYNACK)))
		ok = false;
	else if (cp->flags & FNAT_CONN_F_IMPORTED)
		ok = !before(seq, end - back);
	else if (one_way && dir == FNAT_DIR_IN)
		ok = seq - (end - back) <= back + window_of(s, !dir);
	else
		ok = in_window(s, dir, seq);
	spin_unlock(&cp->lock);
	return ok;
}

/* The window scale a SYN announces (RFC 7323), or NO_WSCALE. */
static u8 syn_wscale(const struct tcphdr *th)
{
	const u8 *opt = (const u8 *)(th + 1);
	int i = fnat_tcpopt_find(opt, th->doff * 4 - sizeof(*th), TCPOPT_WINDOW,
				 TCPOLEN_WINDOW);

	if (i < 0)
		return NO_WSCALE;
	return min_t(u8, opt[i + 2], TCP_MAX_WSCALE);
}

/*
 * One-sided tracking, for a method whose replies bypass the director
 * (one_way: DR, TUN) and for a connection imported from another director,
 * whose replies go to that one (fnat_conn_one_way()). Only the client's
 * packets are seen (or tracked), so the state
 * follows them, as IPVS's "input only" table does (ip_vs_proto_tcp.c);
 * its states and timeouts are the same as two-sided tracking's:
 *
 *   client sends   NONE      SYN_RECV     ESTABLISHED  FIN_WAIT  CLOSE
 *   SYN            SYN_RECV  SYN_RECV     (ignored)    SYN_RECV  (reopen)
 *   ACK            -         ESTABLISHED  -            -         -
 *   FIN            -         FIN_WAIT     FIN_WAIT     -         -
 *   RST            -         CLOSE        CLOSE        CLOSE     -
 *
 * ("-": the state stays and its deadline starts over; "ignored": the
 * packet is forwarded and moves nothing, as in two-sided tracking, where
 * a SYN on an open connection is a retransmission or a forgery; "reopen":
 * see fnat_tcp_reopen(). A packet in NONE is not seen: only a SYN makes
 * a connection.) The first SYN opens
 * the connection in NONE and takes it to SYN_RECV at once: nothing else
 * will say that the server answered. FIN_WAIT is then as far as a close
 * goes, since the server's FIN is not seen: a connection the client
 * closed expires the FIN_WAIT timeout after the client's last packet
 * (its ACK of the server's FIN), and one the server closed first after
 * the client's FIN. A SYN on a CLOSE one (or on TIME_WAIT, never reached
 * here) opens a new connection (fnat_tcp_reopen()). A SYN in FIN_WAIT
 * starts the connection over on the same real server, as IPVS does: the
 * client closed, and it reuses its port when its TIME_WAIT (60 s) is
 * over, before our FIN_WAIT (120 s) is; left in FIN_WAIT, the new
 * connection's packets would be out of the old one's window, its
 * deadline would not move, and it would be cut when that passed. The
 * price: a SYN forged with the client's address and port moves a
 * half-closed connection (a download after the client's FIN) to the new
 * sequence numbers, and it ends the SYN_RECV timeout later.
 *
 * A blind attacker completes this handshake too: a SYN with a spoofed
 * source and sequence number X, then an ACK with X + 1, and the server's
 * SYN-ACK, which would tell, goes elsewhere. So a connection that the
 * client's bare ACK established (NODATA) keeps the SYN_RECV timeout and
 * stays a candidate for early drop (conn_evict.c) until the client sends
 * payload; then it gets the ESTABLISHED timeout. (An attacker can send
 * a byte of payload blindly as well: this only costs it a third packet.
 * With FullNAT the director sees the SYN-ACK, and a flood from spoofed
 * sources holds nothing past the NONE timeout; docs/methods.md,
 * "Direct routing".) The price: a client that has sent no payload and keeps
 * silent longer than the SYN_RECV timeout (a server that speaks first,
 * then waits) loses its connection on the director.
 *
 * The client's own sequence numbers are still checked, as two-sided
 * tracking checks them, against a window of 64 KiB (the server's window
 * is not seen): a blind RST or FIN must guess the client's sequence
 * number to end the director's connection, and a RST must sit exactly
 * where the client's data ends. Packets out of the window are forwarded
 * and move nothing.
 *
 * Except an imported connection's deadline. Its window is where the
 * client was when the other director was listed, and the router moves
 * the flow here later: a client that sent more than a window meanwhile
 * (an upload) is out of it with every packet here, and its connection
 * would be cut at its timeout in mid-flow. So any packet of the client's
 * (out of the window, or closing at a wrong number) starts an imported
 * connection's deadline over in its state, and changes nothing else: no
 * state, no window. (conntrack tracks a flow it picked up in its middle
 * liberally for a like reason: packets out of the window pass and keep
 * it, and only a RST must be in it.) Learning the window again from one
 * of them would let a blind attacker choose it (its own data at X, its RST
 * at X + length: closed; or X far ahead: every real packet out of it
 * again). What a blind attacker can do to an imported connection then is
 * keep it, by sending packets, in its state; not close it, move its
 * window or state, or have it drop the client's packets. Keeping is
 * bounded by the imports (no packet makes an imported connection) and
 * costs the attacker one packet per timeout each. The price for a client
 * that moved on: its FIN and RST are out of the window too, and its
 * connection here ends its state's timeout (ESTABLISHED's: 15 minutes)
 * after its last packet, not the closing states' (docs/conn.md).
 */
static void one_way_state(struct fnat_net *fn, struct fnat_conn *cp,
			  const struct tcphdr *th, unsigned int len)
{
	struct fnat_tcp_seq *s = &cp->seq;
	u32 seq = ntohl(th->seq), *end = &s->end[FNAT_DIR_IN];
	u8 state;

	spin_lock(&cp->lock);
	if (cp->flags & FNAT_CONN_F_DEAD)
		goto out;
	state = cp->state;
	if (th->syn) {
		/* A client sends no SYN-ACK. */
		if (th->ack || state == FULLNAT_TCP_S_ESTABLISHED)
			goto ignore;
		/* The first SYN, a retransmission, a new attempt or client. */
		*end = seq + 1;
		s->wscale[FNAT_DIR_IN] = syn_wscale(th);
		state = FULLNAT_TCP_S_SYN_RECV;
		goto keep;
	}
	if (state == FULLNAT_TCP_S_NONE) {
		/*
		 * Opened by an ACK: a flow taken up in its middle
		 * (fnat_tcp_may_create()). The window starts here; like a
		 * blind handshake it keeps the SYN_RECV timeout until the
		 * client sends payload.
		 */
		if (th->rst || !th->ack)
			goto ignore;
		*end = seq + len + th->fin;
		state = th->fin ? FULLNAT_TCP_S_FIN_WAIT :
				  FULLNAT_TCP_S_ESTABLISHED;
		if (!len)
			WRITE_ONCE(cp->flags, cp->flags | FNAT_CONN_F_NODATA);
		goto keep;
	}
	if (cp->flags & FNAT_CONN_F_NOSEQ) {
		/*
		 * Imported without the client's sequence (an older module's
		 * listing, conn.c): each ACK sets where the client is, and a
		 * packet with payload confirms it. Until then no RST or FIN
		 * moves the state (forwarded, the deadline kept): a blind ACK
		 * could have set the start where its RST then sits.
		 */
		if (th->rst || !th->ack || (th->fin && !len))
			goto ignore;
		*end = seq;
		if (!len)
			goto keep;
		WRITE_ONCE(cp->flags, cp->flags & ~FNAT_CONN_F_NOSEQ);
	}
	if (!in_window(s, FNAT_DIR_IN, seq))
		goto out_of_window;
	if (th->rst) {
		if (seq != *end)
			goto out_of_window;
		state = FULLNAT_TCP_S_CLOSE;
		goto keep;
	}
	if (th->fin && (after(seq, *end) || before(seq + len + 1, *end)))
		goto out_of_window;
	if (after(seq + len + th->fin, *end))
		*end = seq + len + th->fin;
	switch (state) {
	case FULLNAT_TCP_S_SYN_RECV:
	case FULLNAT_TCP_S_ESTABLISHED:
		if (th->fin)
			state = FULLNAT_TCP_S_FIN_WAIT;
		else if (th->ack)
			state = FULLNAT_TCP_S_ESTABLISHED;
		break;
	}
	/* Only payload tells a client from a blind SYN, ACK (see above). */
	if (len)
		WRITE_ONCE(cp->flags, cp->flags & ~FNAT_CONN_F_NODATA);
	else if (state == FULLNAT_TCP_S_ESTABLISHED &&
		 cp->state != FULLNAT_TCP_S_ESTABLISHED)
		WRITE_ONCE(cp->flags, cp->flags | FNAT_CONN_F_NODATA);
keep:
	set_state(fn, cp, state);
out:
	spin_unlock(&cp->lock);
	return;
out_of_window:
	fnat_count(fn, FULLNAT_CNT_OUT_OF_WINDOW);
	if (cp->flags & FNAT_CONN_F_IMPORTED) {
		/* Its deadline only (see above). */
		state = cp->state;
		goto keep;
	}
ignore:
	spin_unlock(&cp->lock);
}

/* The flag of a FIN sent going @dir: seen in place, or ahead of its data. */
static u16 fin_flag(enum fnat_dir dir, bool ahead)
{
	if (dir == FNAT_DIR_IN)
		return ahead ? FNAT_CONN_F_CFIN_AHEAD : FNAT_CONN_F_CFIN;
	return ahead ? FNAT_CONN_F_SFIN_AHEAD : FNAT_CONN_F_SFIN;
}

/* Has the side sending @dir sent a FIN seen ahead of its data, not placed yet? */
static bool fin_pending(u16 flags, enum fnat_dir dir)
{
	return (flags & fin_flag(dir, true)) && !(flags & fin_flag(dir, false));
}

/*
 * Does @th, going @dir with connection flags @flags, acknowledge a FIN of
 * the other side that came ahead of its data?
 *
 * A FIN can overtake the data before it (they crossed the director on
 * different CPUs, or came by different paths): beyond the last data seen,
 * it is out of place, and the close would go unseen, the connection held
 * open and the port's next SYN sent on to the old tuple. Its receiver has
 * it once the data arrived, and acknowledges one past the last data seen.
 * That number alone is not proof: a byte that reached the receiver
 * without passing here (a 1-byte segment through another director) is
 * acknowledged so too. So the FIN must also have been seen ahead: a
 * blind attempt takes two packets, a FIN with a sequence number in the
 * window and the exact ACK. (A FIN
 * that carried data of its own and overtook earlier data is acknowledged
 * further on and is still missed.)
 */
static bool fin_ahead_acked(const struct fnat_tcp_seq *s, u16 flags,
			    enum fnat_dir dir, const struct tcphdr *th, u32 ack)
{
	return th->ack && fin_pending(flags, !dir) && ack == s->end[!dir] + 1;
}

/*
 * Does a SYN-ACK (or a RST refusing the SYN) acknowledge the client's SYN,
 * @cp's flags @flags? Before the first SYN-ACK, its ACK may take the SYN's
 * data or not (TCP Fast Open), from the SYN alone (held in the server's
 * end until then) to its data's end; the client's end is then what it
 * took, and a retransmission acknowledges the same.
 */
static bool synack_ok(const struct fnat_tcp_seq *s, u16 flags, u32 ack)
{
	u32 from = flags & FNAT_CONN_F_SYNACK ? s->end[FNAT_DIR_IN] :
						s->end[FNAT_DIR_OUT];

	return ack - from <= s->end[FNAT_DIR_IN] - from;
}

/*
 * Does @th, going @dir with connection flags @flags, acknowledge what the
 * other side could have sent? As RFC 5961 section 5 has end hosts judge
 * it: no further than the other side's data seen (and a FIN of its seen
 * ahead, see above), and no further back than twice the window @dir's
 * side advertised (data in flight, and old ACKs the receiver still
 * takes). Only such a segment's data and FIN count: without it, a blind
 * attacker who guessed a sequence number in the window could move where
 * the sender's data ends with a segment of data, and then close the
 * connection with a RST at the number it chose. The end host discards
 * that segment too (Linux: tcp_ack() < 0). conntrack's tcp_in_window()
 * bounds the ACK alike; as there, a side whose data reached the receiver
 * without passing here is then never learned again, and its connection
 * ends at its state's timeout.
 */
static bool ack_ok(const struct fnat_tcp_seq *s, u16 flags, enum fnat_dir dir,
		   const struct tcphdr *th, u32 ack)
{
	u32 top = s->end[!dir];

	if (!th->ack)
		return false;
	if (fin_pending(flags, !dir))
		top++;
	return top - ack <= top - s->end[!dir] + 2 * window_of(s, dir);
}

/*
 * Advance @cp's state for a packet going @dir, which is being forwarded
 * (the checks that may drop it are done). Softirq.
 *
 * A connection stays in NONE, with its short timeout, until the real
 * server answers the client's SYN: a SYN nobody answers (a spoofed source,
 * a dead server) holds its tuple for seconds, not for the SYN_RECV
 * timeout. Retransmitted SYNs keep it.
 */
void fnat_tcp_state(struct fnat_net *fn, struct fnat_conn *cp,
		    const struct sk_buff *skb, const struct fnat_pkt *p,
		    enum fnat_dir dir)
{
	const struct tcphdr *th = tcp_at(skb, p);
	unsigned int len = skb->len - p->l4off - p->l4hlen;
	struct fnat_tcp_seq *s = &cp->seq;
	u32 seq = ntohl(th->seq), ack = ntohl(th->ack_seq);
	bool fin_acked = false;
	u8 state;
	u16 flags;

	if (fnat_conn_one_way(cp)) {
		/* An imported one's replies are forwarded, not tracked. */
		if (dir == FNAT_DIR_IN)
			one_way_state(fn, cp, th, len);
		return;
	}
	spin_lock(&cp->lock);
	if (cp->flags & FNAT_CONN_F_DEAD)
		goto out;
	state = cp->state;
	flags = cp->flags;

	if (th->syn) {
		if (dir == FNAT_DIR_IN && !th->ack &&
		    state == FULLNAT_TCP_S_NONE) {
			/*
			 * A retransmission, or the client's new attempt. Its
			 * data (TCP Fast Open) counts: a server that takes it
			 * acknowledges it with the SYN; one that does not,
			 * the SYN alone. Until the SYN-ACK, the server's end
			 * holds where the SYN alone ends (synack_ok()). A
			 * retransmission (Linux's goes without the data)
			 * keeps what was seen with its ISN.
			 */
			if (s->end[FNAT_DIR_OUT] != seq + 1 ||
			    after(seq + 1 + len, s->end[FNAT_DIR_IN]))
				s->end[FNAT_DIR_IN] = seq + 1 + len;
			s->end[FNAT_DIR_OUT] = seq + 1;
			s->wscale[FNAT_DIR_IN] = syn_wscale(th);
			goto keep;
		}
		if (dir == FNAT_DIR_OUT && th->ack && !th->rst &&
		    synack_ok(s, flags, ack) &&
		    (state == FULLNAT_TCP_S_NONE ||
		     state == FULLNAT_TCP_S_SYN_RECV)) {
			/*
			 * A retransmission changes nothing: the server may
			 * have sent data since, which the client acknowledges.
			 */
			if (flags & FNAT_CONN_F_SYNACK)
				goto keep;
			WRITE_ONCE(cp->rs_isn, seq);
			s->end[FNAT_DIR_IN] = ack;
			/* Its data, which no mainstream stack sends, counts. */
			s->end[FNAT_DIR_OUT] = seq + 1 + len;
			s->wscale[FNAT_DIR_OUT] = syn_wscale(th);
			/* Publishes rs_isn to want_toa(). */
			smp_store_release(&cp->flags, flags | FNAT_CONN_F_SYNACK);
			state = FULLNAT_TCP_S_SYN_RECV;
			goto keep;
		}
		/* Retransmissions; a SYN-ACK acknowledging nothing we saw. */
		if (dir == FNAT_DIR_OUT && !synack_ok(s, flags, ack))
			goto out_of_window;
		goto ignore;
	}

	if (dir == FNAT_DIR_OUT && !(flags & FNAT_CONN_F_SYNACK)) {
		/*
		 * Before its SYN-ACK, a real server only refuses: a RST that
		 * acknowledges the client's SYN (with its data or without).
		 */
		if (th->rst && th->ack && synack_ok(s, flags, ack)) {
			state = FULLNAT_TCP_S_CLOSE;
			goto keep;
		}
		goto out_of_window;
	}
	if (state == FULLNAT_TCP_S_NONE)
		goto ignore;
	if (!in_window(s, dir, seq))
		goto out_of_window;
	/*
	 * What ends a connection must sit exactly where the sender's data
	 * ends, not just in the window, as RFC 5961 has end hosts judge a
	 * RST: a blind guess then needs the one right number, not one of a
	 * window's worth. A RST elsewhere in the window is forwarded: the
	 * receiver answers it with a challenge ACK, and a sender that really
	 * reset answers that with a RST at the exact number, which closes.
	 * A FIN must follow (or carry) the last data seen, or retransmit
	 * the FIN seen. One that overtook its data on the way here is
	 * learned from its receiver's acknowledgment (below).
	 */
	if (th->rst) {
		if (seq != s->end[dir])
			goto out_of_window;
		state = FULLNAT_TCP_S_CLOSE;
		goto keep;
	}
	if (!ack_ok(s, flags, dir, th, ack))
		goto out_of_window;
	if (th->fin && after(seq, s->end[dir])) {
		/* Perhaps ahead of its data: see fin_ahead_acked(). */
		WRITE_ONCE(cp->flags, flags | fin_flag(dir, true));
		goto out_of_window;
	}
	if (th->fin && before(seq + len + 1, s->end[dir]))
		goto out_of_window;

	/*
	 * A segment with neither data nor FIN (an ACK, a window update)
	 * sent after a FIN that is still ahead carries the FIN's number
	 * plus one: counted, the FIN would become data, and its receiver's
	 * exact acknowledgment would no longer be one past the data seen
	 * (fin_ahead_acked()). A real server sends one when an old segment
	 * of the client's reaches it after its FIN, such as the handshake's
	 * ACK overtaken by the request (they crossed the director on
	 * different CPUs), and it can take the same slow path as the data.
	 */
	if (after(seq + len + th->fin, s->end[dir]) &&
	    (len || th->fin || !fin_pending(flags, dir)))
		s->end[dir] = seq + len + th->fin;
	s->win[dir] = max_t(u16, s->win[dir], ntohs(th->window));
	if (dir == FNAT_DIR_OUT) {
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
		flags |= fin_flag(dir, false);
	if (fin_ahead_acked(s, flags, dir, th, ack) &&
	    state < FULLNAT_TCP_S_TIME_WAIT) {
		s->end[!dir] = ack;
		flags |= fin_flag(!dir, false);
		fin_acked = true;
	}
	WRITE_ONCE(cp->flags, flags);

	switch (state) {
	case FULLNAT_TCP_S_SYN_RECV:
		/* The client's ACK of the server's SYN-ACK. */
		if (dir == FNAT_DIR_IN && th->ack &&
		    !before(ack, cp->rs_isn + 1) &&
		    !after(ack, s->end[FNAT_DIR_OUT]))
			state = FULLNAT_TCP_S_ESTABLISHED;
		break;
	case FULLNAT_TCP_S_TIME_WAIT:
	case FULLNAT_TCP_S_CLOSE:
		/* Late retransmissions do not revive a finished connection. */
		goto keep;
	}

	if (flags & (FNAT_CONN_F_CFIN | FNAT_CONN_F_SFIN)) {
		if ((flags & FNAT_CONN_F_CFIN) && (flags & FNAT_CONN_F_SFIN)) {
			/*
			 * The ACK of the second FIN ends the close, also
			 * when it is what told us of that FIN.
			 */
			if ((state == FULLNAT_TCP_S_LAST_ACK || fin_acked) &&
			    th->ack && !th->fin)
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
	return;
out_of_window:
	fnat_count(fn, FULLNAT_CNT_OUT_OF_WINDOW);
ignore:
	/* Forwarded, but it moves nothing, not even the deadline. */
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
static bool closing(struct fnat_net *fn, struct fnat_conn *cp)
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

/* A client's SYN on the tuple of a closing connection: see closing(). */
bool fnat_tcp_reopen(struct fnat_net *fn, struct fnat_conn *cp,
		     const struct sk_buff *skb, const struct fnat_pkt *p)
{
	const struct tcphdr *th = tcp_at(skb, p);

	return th->syn && !th->ack && !th->rst && closing(fn, cp);
}

/* Does this client packet need the TOA option? Softirq, lockless. */
static bool want_toa(struct fnat_conn *cp, const struct tcphdr *th)
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
 * Client packets: no option a client wrote reaches a real server as TOA
 * (toa.c), and whether ours goes in. Replies: a SYN-ACK of a TOA
 * connection gets its MSS lowered. The TCP header is writable.
 */
int fnat_tcp_prepare(struct fnat_net *fn, struct fnat_conn *cp,
		     struct sk_buff *skb, const struct fnat_pkt *p,
		     enum fnat_dir dir, struct fnat_xmit_ctx *x)
{
	const struct tcphdr *th = tcp_at(skb, p);

	x->toa = false;
	x->mss = false;
	if (dir == FNAT_DIR_IN) {
		if (fnat_toa_clean(fn, skb, p, &x->opts))
			return FULLNAT_CNT_TCPOPT_DROPPED;
		if (th->syn && (READ_ONCE(cp->flags) & FNAT_CONN_F_TOA))
			fnat_toa_strip_fastopen(fn, skb, p);
		x->toa = want_toa(cp, th);
	} else {
		x->mss = th->syn && th->ack &&
			 (READ_ONCE(cp->flags) & FNAT_CONN_F_TOA);
	}
	return 0;
}

void fnat_tcp_rewrite(struct sk_buff *skb, const struct fnat_pkt *p,
		      const union nf_inet_addr *saddr, __be16 sport,
		      const union nf_inet_addr *daddr, __be16 dport)
{
	struct tcphdr *th = tcp_at(skb, p);

	fnat_af_csum_addrs(&th->check, skb, p, saddr, daddr);
	inet_proto_csum_replace2(&th->check, skb, th->source, sport, false);
	inet_proto_csum_replace2(&th->check, skb, th->dest, dport, false);
	th->source = sport;
	th->dest = dport;
}

void fnat_tcp_finish(struct fnat_net *fn, struct fnat_conn *cp,
		     struct sk_buff *skb, const struct fnat_pkt *p,
		     enum fnat_dir dir, const struct fnat_xmit_ctx *x,
		     unsigned int mtu)
{
	if (x->mss && fnat_toa_lower_mss(skb, p->l4off, fnat_toa_len(cp->af)))
		fnat_count(fn, FULLNAT_CNT_MSS_LOWERED);
	if (x->toa)
		fnat_toa_insert(fn, skb, p, &x->opts, cp, mtu);
}

/* @q->l4hlen bytes of the quoted header are there, at least 8. */
void fnat_tcp_rewrite_quote(struct sk_buff *skb, const struct fnat_pkt *q,
			    const union nf_inet_addr *saddr, __be16 sport,
			    const union nf_inet_addr *daddr, __be16 dport)
{
	struct tcphdr *th = tcp_at(skb, q);

	if (q->l4hlen >= offsetofend(struct tcphdr, check)) {
		fnat_af_csum_addrs(&th->check, NULL, q, saddr, daddr);
		csum_replace2(&th->check, th->source, sport);
		csum_replace2(&th->check, th->dest, dport);
	}
	th->source = sport;
	th->dest = dport;
}

/*
 * Default timeouts, in seconds.
 *
 * A connection that closed normally keeps its (LIP, lport, RIP, rport)
 * for the TIME_WAIT timeout: the quarantine that keeps the tuple away
 * from a real server still holding it in TIME_WAIT, where a new SYN whose
 * sequence number (or timestamp) is not after the old connection's is
 * answered with an ACK, and the client resets and retransmits its SYN.
 * Linux holds TIME_WAIT for TCP_TIMEWAIT_LEN (60 s) on a timer-wheel
 * timer, which fires late by up to the granularity of the wheel level
 * that long a timeout lands in: 2.0 s at HZ=250, 4.1 s at HZ=1000, 5.1 s
 * at HZ=100. 60 s here let a tuple go to a new connection while the
 * server still held it (fullnat_quarantine); 70 s outlasts the server's
 * TIME_WAIT at any HZ (by 4.9 s at HZ=100, 5.9 s at HZ=1000). Ours starts
 * with the server's last ACK, after the server's, and the garbage
 * collector frees a connection after its deadline, never before: both
 * only lengthen the quarantine. The price: a LIP serves at most
 * (ports / 70 s) new connections per second to one real server's address
 * and port.
 */
static const unsigned int default_timeout[__FULLNAT_TCP_S_LAST] = {
	[FULLNAT_TCP_S_NONE]		= 2,
	[FULLNAT_TCP_S_SYN_RECV]	= 30,
	[FULLNAT_TCP_S_ESTABLISHED]	= 900,
	[FULLNAT_TCP_S_FIN_WAIT]	= 120,
	[FULLNAT_TCP_S_CLOSE_WAIT]	= 60,
	[FULLNAT_TCP_S_LAST_ACK]	= 30,
	[FULLNAT_TCP_S_TIME_WAIT]	= 70,
	[FULLNAT_TCP_S_CLOSE]		= 10,
};

const struct fnat_proto fnat_proto_tcp = {
	.name		= "tcp",
	.proto		= IPPROTO_TCP,
	.nr_states	= __FULLNAT_TCP_S_LAST,
	.init_state	= FULLNAT_TCP_S_NONE,
	.quote_len	= sizeof(struct tcphdr),
	.timeout	= default_timeout,
	.parse		= fnat_tcp_parse,
	.valid		= fnat_tcp_valid,
	.may_create	= fnat_tcp_may_create,
	.reopen		= fnat_tcp_reopen,
	.prepare	= fnat_tcp_prepare,
	.state		= fnat_tcp_state,
	.rewrite	= fnat_tcp_rewrite,
	.finish		= fnat_tcp_finish,
	.rewrite_quote	= fnat_tcp_rewrite_quote,
	.quote_ok	= fnat_tcp_quote_ok,
};
