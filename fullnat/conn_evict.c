// SPDX-License-Identifier: GPL-2.0
/*
 * Early drop. When a limit is reached, a connection whose handshake has
 * not completed (NONE, SYN_RECV; a one-way connection the client's bare
 * ACK established, proto_tcp.c) or that was reset (CLOSE) gives its place
 * to the new one, as conntrack drops an unassured entry: otherwise a SYN
 * flood from spoofed sources holds every place for the NONE (or, where
 * the real server answers, SYN_RECV) timeout and locks real clients out,
 * where losing a half-open connection costs its client at most a
 * retransmitted SYN. FullNAT's local ports are the other limit a flood
 * reaches (fnat_steal_candidate()).
 *
 * Which one goes decides whether real clients get through: a client's
 * connection is half-open for one round trip, and the flood replaces
 * half-open connections at its own rate. Dropping the oldest one gives
 * a client's connection as long as the flood needs to open all the
 * others (conn_max / rate: a second for 5000 at 5000 SYNs/s), where a
 * random or "idlest of a few recent" choice can take it within
 * milliseconds. Conntrack looks at a few buckets of its table; ours is
 * shared by all namespaces and sized to memory, so a namespace's
 * conn_max connections can be one in 10^4 buckets. So each namespace
 * keeps its new connections in a ring in the order they came
 * (fn->early): the tail is the oldest, and early drop walks from there
 * past what completed its handshake or went, a bounded number of slots
 * per call; the tail only moves forward, so each slot is passed once (a
 * connection whose slot is passed before it was filled, CPUs racing, is
 * no candidate: it expires at its own deadline). A ring that wraps
 * forgets its oldest entries, which then expire at their own deadline.
 *
 * When all namespaces together are at the global bound the table is
 * dense, and a few buckets from a random one hold candidates of any
 * namespace: a flood in one must not lock out all. Of those it drops
 * the one idle longest, before looking at its own namespace's oldest:
 * a namespace that is not flooded would otherwise drop its own clients'
 * handshakes, one for each of theirs.
 */
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "fullnat.h"
#include "conn_table.h"

#define EARLY_SCAN		64	/* connections early drop looks at */
/*
 * Slots it passes: those of connections gone (cleared at expiry) are
 * passed without looking, each once, but a quiet spell after many
 * connections leaves thousands: at 64 a call, real clients were refused
 * until as many new connections had been refused as walked past them.
 */
#define EARLY_PASS		4096
#define STEAL_AGE		HZ	/* fnat_steal_candidate() */
#define EVICT_CANDIDATES	8
#define EVICT_BUCKETS		64

static bool evictable(const struct fnat_conn *cp)
{
	return fnat_conn_evictable(cp) && !(READ_ONCE(cp->flags) & FNAT_CONN_F_DEAD);
}

/* When @cp last saw a packet, as far as its deadline tells. */
static unsigned long last_seen(const struct fnat_conn *cp)
{
	struct fnat_net *fn = fnat_net(fnat_conn_net(cp));
	u8 state = fnat_conn_timeout_state(READ_ONCE(cp->state),
					   READ_ONCE(cp->flags));

	return READ_ONCE(cp->expires) - fnat_state_timeout(fn, cp->proto, state);
}

static bool older(const struct fnat_conn *cp, const struct fnat_conn *victim)
{
	return !victim || time_before(last_seen(cp), last_seen(victim));
}

/*
 * Under @cp's lock: mark it DEAD if it is still a candidate
 * (fnat_conn_evictable()) and, if @min_idle, idle that long (a packet may
 * have come since it was chosen); its state then, for
 * fnat_conn_destroy(), or -1.
 */
static int early_drop_mark(struct fnat_conn *cp, unsigned long min_idle)
{
	if ((cp->flags & FNAT_CONN_F_DEAD) || !fnat_conn_evictable(cp))
		return -1;
	if (min_idle && time_before(jiffies, last_seen(cp) + min_idle))
		return -1;
	WRITE_ONCE(cp->flags, cp->flags | FNAT_CONN_F_DEAD);
	return cp->state;
}

/* Expire @cp if it is still a candidate. */
static bool conn_early_drop(struct fnat_conn *cp)
{
	int state;

	spin_lock_bh(&cp->lock);
	state = early_drop_mark(cp, 0);
	spin_unlock_bh(&cp->lock);
	if (state < 0)
		return false;
	fnat_conn_destroy(cp, state);
	return true;
}

/*
 * The oldest half-open connection of @fn's ring goes. RCU read side.
 * CPUs racing here may read the same tail: the one that loses the victim
 * to the other moves on to the next. The tail is stored only forward.
 */
static bool early_drop_oldest(struct fnat_net *fn)
{
	struct fnat_conn __rcu **ring = READ_ONCE(fn->early);
	u32 head, tail, t, i, seen;
	bool dropped = false;

	if (!ring)
		return false;
	tail = READ_ONCE(fn->early_tail);
	head = atomic_read(&fn->early_head);
	t = tail;
	if ((s32)(head - t) < 0)	/* another CPU moved it past our head */
		return false;
	if (head - t > FNAT_EARLY_SLOTS)	/* wrapped: older slots reused */
		t = head - FNAT_EARLY_SLOTS;
	for (i = 0, seen = 0; seen < EARLY_SCAN && i < EARLY_PASS && t != head;
	     i++) {
		struct fnat_conn *cp = rcu_dereference(ring[t++ % FNAT_EARLY_SLOTS]);

		/* Gone: a slot to pass, not a candidate to look at. */
		if (!cp)
			continue;
		seen++;
		if (evictable(cp) && conn_early_drop(cp)) {
			dropped = true;
			break;
		}
	}
	/* Forward only: a slower CPU must not take it back over its slots. */
	while (t != tail && (s32)(t - tail) > 0 &&
	       !try_cmpxchg(&fn->early_tail, &tail, t))
		;
	return dropped;
}

/*
 * FullNAT's other limit: a new connection found every local address and
 * port toward its real server's RIP:rport taken (laddr.c), with the table
 * far from conn_max. A SYN flood from spoofed sources gets there long
 * before: the real server answers each SYN, and each connection holds its
 * tuple for the SYN_RECV timeout (30 s), which the server's retransmitted
 * SYN-ACKs start over (the last at 31 s: about 61 s); at 600 SYNs/s per
 * LIP and real server, 36280 ports are all taken and every real client is
 * refused for as long as the flood lasts. So the ports that the bind
 * probed and found taken are a sample of their holders, and the one idle
 * longest among those that early drop may take gives its tuple to the new
 * connection (conntrack's early drop samples a few buckets alike).
 *
 * Only a TCP connection, idle for STEAL_AGE. Its tuple is used again at
 * once: a UDP server's late datagram would reach the new client (a
 * stranger's answer), and a TCP server may still hold the tuple in
 * SYN_RECV (it answers the new SYN with an ACK: the client resets that and
 * tries again). A handshake under way is idle for at most a round trip:
 * one idle for less than a second, such as a real client's whose round
 * trip is shorter, is never taken, also where the pool is merely too
 * small for the load. (How long it has been idle is read from its
 * deadline less the timeout of its state now: after that timeout is
 * raised, connections created before look idle longer than they are.)
 */
bool fnat_steal_candidate(const struct fnat_conn *victim,
			  const struct fnat_conn *best)
{
	return victim->proto == IPPROTO_TCP && evictable(victim) &&
	       time_after_eq(jiffies, last_seen(victim) + STEAL_AGE) &&
	       older(victim, best);
}

/*
 * Expire @victim, found by fnat_steal_candidate(), if it still may go.
 * Called under the lock of a new connection that nobody else can find
 * yet (laddr.c), so the two locks of one class nest without a cycle:
 * every other taker of a connection's lock holds no other. RCU read side.
 */
bool fnat_early_drop_nested(struct fnat_net *fn, struct fnat_conn *victim)
{
	int state;

	spin_lock_nested(&victim->lock, SINGLE_DEPTH_NESTING);
	state = early_drop_mark(victim, STEAL_AGE);
	spin_unlock(&victim->lock);
	if (state < 0)
		return false;
	fnat_conn_destroy(victim, state);
	fnat_count(fn, FULLNAT_CNT_EARLY_DROP);
	return true;
}

/* At the global bound: the idlest half-open connection of a few buckets. */
static bool early_drop_any(void)
{
	struct fnat_conn *cp, *victim = NULL;
	u32 i, start = get_random_u32(), seen = 0;
	struct fnat_conn_hnode *h;

	for (i = 0; i < EVICT_BUCKETS && seen < EVICT_CANDIDATES; i++) {
		hlist_for_each_entry_rcu(h, fnat_conn_bucket(start + i), node) {
			cp = fnat_conn_of(h);
			if (h->dir == FNAT_DIR_IN && evictable(cp)) {
				seen++;
				if (older(cp, victim))
					victim = cp;
			}
		}
	}
	return victim && conn_early_drop(victim);
}

/* RCU read side. True when a connection was dropped for a new one. */
bool fnat_early_drop(struct fnat_net *fn, bool global)
{
	if (!(global && early_drop_any()) && !early_drop_oldest(fn))
		return false;
	fnat_count(fn, FULLNAT_CNT_EARLY_DROP);
	return true;
}

/* Keep @cp as a candidate for early drop. Under cp->lock, @ring set. */
void fnat_early_track(struct fnat_net *fn, struct fnat_conn __rcu **ring,
		      struct fnat_conn *cp)
{
	u32 s = (u32)atomic_inc_return(&fn->early_head) - 1;

	s %= FNAT_EARLY_SLOTS;
	cp->h[FNAT_DIR_IN].early = s + 1;
	rcu_assign_pointer(ring[s], cp);
}

/*
 * The ring, with the namespace's first service (core.c). It stays until
 * the namespace goes, also when the hooks fail to register after it: the
 * next service uses it.
 */
int fnat_early_alloc(struct fnat_net *fn)
{
	struct fnat_conn __rcu **ring;

	lockdep_assert_held(&fn->lock);
	if (fn->early)
		return 0;
	ring = kvcalloc(FNAT_EARLY_SLOTS, sizeof(*ring), GFP_KERNEL_ACCOUNT);
	if (!ring)
		return -ENOMEM;
	/* Pairs with READ_ONCE()'s address dependency in the readers. */
	smp_store_release(&fn->early, ring);
	return 0;
}
