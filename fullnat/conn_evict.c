// SPDX-License-Identifier: GPL-2.0
/*
 * Early drop. When a limit is reached, a connection whose handshake has
 * not completed (NONE, SYN_RECV; a one-way connection the client's bare
 * ACK established, proto_tcp.c) gives its place to the new one, as
 * conntrack drops an unassured entry: otherwise a SYN flood from spoofed
 * sources holds every place for the NONE (or, where the real server
 * answers, SYN_RECV) timeout and locks real clients out, where losing a half-open connection costs its client at most a
 * retransmitted SYN.
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

#define EARLY_SCAN		64
#define EVICT_CANDIDATES	8
#define EVICT_BUCKETS		64

static bool evictable(const struct fnat_conn *cp)
{
	return fnat_conn_half_open(cp) && !(READ_ONCE(cp->flags) & FNAT_CONN_F_DEAD);
}

/* When @cp last saw a packet, as far as its deadline tells. */
static unsigned long last_seen(const struct fnat_conn *cp)
{
	struct fnat_net *fn = fnat_net(fnat_conn_net(cp));
	u8 state = fnat_conn_timeout_state(READ_ONCE(cp->state),
					   READ_ONCE(cp->flags));

	return READ_ONCE(cp->expires) - fnat_state_timeout(fn, cp->proto, state);
}

static bool older(struct fnat_conn *cp, struct fnat_conn *victim)
{
	return !victim || time_before(last_seen(cp), last_seen(victim));
}

/* Expire @cp if it still has not completed its handshake. */
static bool conn_early_drop(struct fnat_conn *cp)
{
	u8 state;

	spin_lock_bh(&cp->lock);
	if ((cp->flags & FNAT_CONN_F_DEAD) || !fnat_conn_half_open(cp)) {
		spin_unlock_bh(&cp->lock);
		return false;
	}
	WRITE_ONCE(cp->flags, cp->flags | FNAT_CONN_F_DEAD);
	state = cp->state;
	spin_unlock_bh(&cp->lock);
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
	u32 head, tail, t, i;
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
	for (i = 0; i < EARLY_SCAN && t != head; i++) {
		struct fnat_conn *cp = rcu_dereference(ring[t++ % FNAT_EARLY_SLOTS]);

		if (cp && evictable(cp) && conn_early_drop(cp)) {
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
