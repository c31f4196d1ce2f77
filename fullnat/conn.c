// SPDX-License-Identifier: GPL-2.0
/*
 * The connection table.
 *
 * One hash table for all namespaces, keyed with the namespace. Each
 * connection is in it twice: by its client side (CIP:cport -> VIP:vport),
 * which is what packets from the client carry, and by its real-server side
 * (RIP:rport -> LIP:lport), which is what the replies carry. IPVS hashes
 * only the first; FullNAT needs both, because replies no longer name the
 * client.
 *
 * Readers (the data path) walk buckets under RCU without locks. Writers
 * take the bucket's lock from a fixed array of locks. A connection is freed
 * after an RCU grace period once it is unhashed, so a reader may use what
 * it found until it leaves its read-side section, without a reference.
 *
 * Expiry: every connection has a deadline (jiffies) that the data path
 * pushes forward as packets arrive. A garbage collector walks a slice of
 * the table at a time and expires connections past their deadline, as
 * conntrack's does: no timer per connection to re-arm on every packet
 * (IPVS's timers cost 40 bytes and a timer update per packet), with a
 * bounded amount of work per step (GC_BUDGET).
 *
 * Lifetime. A connection becomes visible the moment its first node is
 * hashed: from then on a reply packet, the garbage collector, a dump and
 * fnat_conn_expire_matching() (expire_nodest, DEL_CONN, namespace exit,
 * rmmod) can find it, and the last two may run on another CPU while its
 * creator is still probing local ports in softirq. So fnat_conn_new()
 * makes it whole before that: every field set, its real server and (once
 * a port is found) its local address referenced and counted, its
 * deadline set, as if it had always been in the table. It then takes the
 * connection's own lock and hashes the real-server side (each port probe
 * is an attempt to hash it, laddr.c) and the client side, and lets the
 * lock go only when both are in or the connection is dead.
 *
 * The rule that makes this safe: a node is linked only under the
 * connection's lock and only while DEAD is clear (__hash_node()), and
 * expiry sets DEAD under that lock before it unhashes anything. An expiry
 * that found the real-server side while the creator holds the lock waits
 * for it and then expires a complete connection, both nodes; one that got
 * there first would make the creator find DEAD and back out without
 * linking anything. Either way no node is linked into the table after its
 * connection was expired, which is how a node of freed memory got there
 * before. The state machine (proto_tcp.c) also takes the lock and checks DEAD,
 * so a real server's active/inactive counts change exactly once per state
 * change and never after expiry. What reads a connection without the lock
 * (lookups compare keys; the dump) reads only fields set before the first
 * node was hashed.
 *
 * Lock order: a connection's lock, then bucket locks. Expiry never holds
 * a bucket lock while it takes a connection's lock. One connection's lock
 * nests in another's, once: a new connection with nothing hashed yet,
 * whose bind takes the tuple of an idle one (laddr.c, conn_evict.c);
 * nobody else can reach the new one's lock, so no cycle can form.
 */
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <net/dst.h>
#include <net/genetlink.h>

#include "fullnat.h"
#include "conn_table.h"

static unsigned int conn_tab_bits;
module_param(conn_tab_bits, uint, 0444);
MODULE_PARM_DESC(conn_tab_bits,
		 "log2 of the connection hash table size (8-24; default: from the memory size, at most 21)");

/*
 * conn_max bounds each namespace; this bounds them all together, so that
 * the sum of many directors' conn_max cannot take the machine's memory.
 * A connection is 192 bytes plus two table nodes' share of buckets, call
 * it 256: the default lets connections take an eighth of memory (a
 * million on 2 GiB). Read live (0644); 0 at load means the default.
 */
static unsigned int conn_max_global;
module_param(conn_max_global, uint, 0644);
MODULE_PARM_DESC(conn_max_global,
		 "connections of all namespaces together (default: one per 2 KiB of memory)");

#define CONN_LOCKS	1024
#define GC_SLICES	64	/* a small table is walked in this many steps */
#define GC_INTERVAL	(HZ / GC_SLICES)	/* so a full pass takes ~1 s */
/*
 * What one step examines at most: buckets, and nodes in them. Past 2^18
 * buckets or ~130k connections (two nodes each) a pass takes longer than
 * a second instead of taking more of a CPU: a connection past its
 * deadline then lingers a few seconds more (8 at most with the default
 * table, with or without a million connections in it), which only
 * lengthens a quarantine.
 * Walking 2^21 buckets every second, even empty, was 1-2% of a CPU on
 * its own in the emulated bench.
 */
#define GC_BUCKETS	4096
#define GC_BUDGET	4096

static struct hlist_head *conn_tab __read_mostly;
static u32 conn_tab_mask __read_mostly;
static siphash_key_t conn_key __read_mostly;
static spinlock_t conn_locks[CONN_LOCKS];
static struct kmem_cache *conn_cache __read_mostly;
static atomic_t conn_count = ATOMIC_INIT(0);
static struct delayed_work gc_work;
static u32 gc_pos;

u32 fnat_conn_tab_size(void)
{
	return conn_tab_mask + 1;
}

/*
 * The bucket of a tuple: siphash over all of it with a key drawn at boot,
 * as conntrack hashes, so that nobody outside can aim connections at one
 * bucket. A fold of the addresses (as jhash over XORed words was) lets a
 * client with a /64 pick interface identifiers that collide at will.
 * IPv4's addresses (only their first word is set) take siphash_4u32(),
 * half the work of hashing two IPv6 addresses; an IPv6 address of three
 * zero words lands where an IPv4 one would, which costs nothing but a
 * shared bucket (the family is compared apart: fnat_conn_find()).
 */
u32 fnat_conn_hash(const struct net *net, u8 proto,
		   const union nf_inet_addr *saddr, __be16 sport,
		   const union nf_inet_addr *daddr, __be16 dport)
{
	u32 ports = (__force u32)sport << 16 | (__force u32)dport;
	u32 mix = net_hash_mix(net) ^ proto;
	struct {
		union nf_inet_addr s, d;
		u32 ports, mix;
	} __aligned(SIPHASH_ALIGNMENT) key;

	if (!(saddr->all[1] | saddr->all[2] | saddr->all[3] |
	      daddr->all[1] | daddr->all[2] | daddr->all[3]))
		return (u32)siphash_4u32((__force u32)saddr->all[0],
					 (__force u32)daddr->all[0], ports,
					 mix, &conn_key);
	key.s = *saddr;
	key.d = *daddr;
	key.ports = ports;
	key.mix = mix;
	return (u32)siphash(&key, sizeof(key), &conn_key);
}

/*
 * Walks that want each connection once take it by its client side, or by
 * its real-server side once the client side is gone (fnat_conn_detach()).
 * Reads only the node's cache line.
 */
static inline bool node_is_primary(const struct fnat_conn_hnode *h,
				   const struct fnat_conn *cp)
{
	return h->dir == FNAT_DIR_IN || !READ_ONCE(cp->h[FNAT_DIR_IN].hashed);
}

static inline struct hlist_head *bucket(u32 hash)
{
	return &conn_tab[hash & conn_tab_mask];
}

/* For early drop's sample of the table (conn_evict.c). */
struct hlist_head *fnat_conn_bucket(u32 hash)
{
	return bucket(hash);
}

/* The key a node is found by, as a packet arriving in its direction has it. */
static void node_key(const struct fnat_conn *cp, enum fnat_dir dir,
		     const union nf_inet_addr **saddr, __be16 *sport,
		     const union nf_inet_addr **daddr, __be16 *dport)
{
	if (dir == FNAT_DIR_IN) {
		*saddr = &cp->caddr;
		*sport = cp->cport;
		*daddr = &cp->vaddr;
		*dport = cp->vport;
	} else {
		/* Replies come from the real server, to what the method says. */
		*saddr = &cp->daddr;
		*sport = cp->dport;
		fnat_method_call(fnat_method_find(cp->fwd), reply_key, cp,
				 daddr, dport);
	}
}

static u32 node_hash(const struct fnat_conn *cp, enum fnat_dir dir)
{
	const union nf_inet_addr *s, *d;
	__be16 sp, dp;

	node_key(cp, dir, &s, &sp, &d, &dp);
	return fnat_conn_hash(fnat_conn_net(cp), cp->proto, s, sp, d, dp);
}

static bool node_match(struct fnat_conn_hnode *h, const struct net *net,
		       u8 proto, const union nf_inet_addr *saddr, __be16 sport,
		       const union nf_inet_addr *daddr, __be16 dport)
{
	const struct fnat_conn *cp = fnat_conn_of(h);
	const union nf_inet_addr *s, *d;
	__be16 sp, dp;

	if (cp->proto != proto || !net_eq(fnat_conn_net(cp), net))
		return false;
	node_key(cp, h->dir, &s, &sp, &d, &dp);
	return sp == sport && dp == dport && nf_inet_addr_cmp(s, saddr) &&
	       nf_inet_addr_cmp(d, daddr);
}

/* RCU read side. @hash: fnat_conn_hash() of the tuple. */
struct fnat_conn *__fnat_conn_lookup(const struct net *net, u32 hash,
				     u8 proto, const union nf_inet_addr *saddr,
				     __be16 sport,
				     const union nf_inet_addr *daddr,
				     __be16 dport, enum fnat_dir *dir)
{
	struct fnat_conn_hnode *h;

	hlist_for_each_entry_rcu(h, bucket(hash), node) {
		if (h->hash == hash &&
		    node_match(h, net, proto, saddr, sport, daddr, dport)) {
			struct fnat_conn *cp = fnat_conn_of(h);

			if (READ_ONCE(cp->flags) & FNAT_CONN_F_DEAD)
				continue;
			*dir = h->dir;
			return cp;
		}
	}
	return NULL;
}

static inline spinlock_t *bucket_lock(u32 hash)
{
	return &conn_locks[hash & conn_tab_mask & (CONN_LOCKS - 1)];
}

/*
 * Hash @cp's @dir side, whose key hashes to @hash, unless that key is
 * taken or @cp is dead; true on success. Caller holds cp->lock (see
 * Lifetime above), taken with BH off: every user of the bucket locks has
 * them off (unhash_node() turns them off itself). A key taken: the
 * connection that holds it in *@holder, if @holder (RCU read side).
 */
static bool __hash_node(struct fnat_conn *cp, enum fnat_dir dir, u32 hash,
			struct fnat_conn **holder)
{
	const union nf_inet_addr *s, *d;
	struct fnat_conn_hnode *h;
	__be16 sp, dp;

	lockdep_assert_held(&cp->lock);
	if (cp->flags & FNAT_CONN_F_DEAD)
		return false;
	node_key(cp, dir, &s, &sp, &d, &dp);
	spin_lock(bucket_lock(hash));
	hlist_for_each_entry(h, bucket(hash), node) {
		if (h->hash == hash &&
		    node_match(h, fnat_conn_net(cp), cp->proto, s, sp, d, dp)) {
			spin_unlock(bucket_lock(hash));
			if (holder)
				*holder = fnat_conn_of(h);
			return false;
		}
	}
	cp->h[dir].dir = dir;
	cp->h[dir].hash = hash;
	hlist_add_head_rcu(&cp->h[dir].node, bucket(hash));
	WRITE_ONCE(cp->h[dir].hashed, true);
	spin_unlock(bucket_lock(hash));
	return true;
}

/*
 * The hash of a node is the one it was hashed with: its key does not
 * change while it is hashed, and __hash_node() wrote it under cp->lock
 * before the node could be found. The callers either found the node
 * (fnat_conn_detach()) or set DEAD under cp->lock, after which nothing
 * hashes it (fnat_conn_destroy()); one never hashed has hash 0, and its
 * "hashed" stays false under any bucket's lock.
 */
static void unhash_node(struct fnat_conn *cp, enum fnat_dir dir)
{
	u32 hash = cp->h[dir].hash;

	spin_lock_bh(bucket_lock(hash));
	if (cp->h[dir].hashed) {
		hlist_del_rcu(&cp->h[dir].node);
		WRITE_ONCE(cp->h[dir].hashed, false);
	}
	spin_unlock_bh(bucket_lock(hash));
}

/*
 * Claim the real-server side tuple of a connection being created (laddr.c
 * probes ports with it). Caller holds cp->lock. A tuple taken: the
 * connection holding it in *@holder, if @holder (RCU read side).
 */
bool __fnat_conn_hash_out(struct fnat_conn *cp, struct fnat_conn **holder)
{
	return __hash_node(cp, FNAT_DIR_OUT, node_hash(cp, FNAT_DIR_OUT),
			   holder);
}

static bool conn_expire(struct fnat_conn *cp);

/*
 * A new SYN from the client of a closing connection: the client side key
 * goes to a new connection, while this one keeps its real-server side
 * tuple until it times out, so the quarantine of that tuple still holds.
 * Only a tuple of the director's own (a local port) can be quarantined.
 * Without one the old connection goes now, as IPVS lets it: NAT's
 * real-server side is the client's tuple, which the new connection needs;
 * a method without bind (DR, TUN) has no real-server side, and nothing
 * would find the connection once its client side is gone (the collector,
 * expiry walks and dumps take it by a hashed node).
 */
void fnat_conn_detach(struct fnat_conn *cp)
{
	if (!cp->local) {
		conn_expire(cp);
		return;
	}
	unhash_node(cp, FNAT_DIR_IN);
}

/* After a grace period: no reader still uses the connection's route. */
static void conn_free_rcu(struct rcu_head *head)
{
	struct fnat_conn *cp = container_of(head, struct fnat_conn, rcu);

	fnat_rt_cache_free(&cp->reply, cp->af);
	kmem_cache_free(conn_cache, cp);
}

/*
 * Undo fnat_conn_new(), once per connection: unhash it, return its port,
 * drop its references and counts, free it after a grace period. The
 * caller set DEAD under cp->lock (in @state) and has let the lock go.
 */
void fnat_conn_destroy(struct fnat_conn *cp, u8 state)
{
	struct fnat_net *fn = fnat_net(fnat_conn_net(cp));

	unhash_node(cp, FNAT_DIR_IN);
	/*
	 * No reply side hashed (a method with no bind, or a bind that
	 * failed): none to unhash, and maybe no key to find it by. It was
	 * hashed, if ever, before the connection could die.
	 */
	if (READ_ONCE(cp->h[FNAT_DIR_OUT].hashed))
		unhash_node(cp, FNAT_DIR_OUT);
	/*
	 * Before the grace period starts: early drop may be reading it.
	 * The slot may hold a newer connection already (the ring wrapped).
	 */
	if (cp->h[FNAT_DIR_IN].early)
		unrcu_pointer(cmpxchg(&fn->early[cp->h[FNAT_DIR_IN].early - 1],
				      RCU_INITIALIZER(cp), NULL));

	atomic_dec(fnat_dest_count(cp->dest, cp->proto, state));
	if (cp->local) {
		atomic_dec(&cp->local->ports_in_use);
		fnat_laddr_put(cp->local);
	}
	fnat_dest_put(cp->dest);
	atomic_dec(&fn->nr_conns);
	atomic_dec(&conn_count);
	/* Readers may still hold it, found before it was unhashed. */
	call_rcu(&cp->rcu, conn_free_rcu);
}

/*
 * Expire @cp now or, if @idle, only if it is still past its deadline at
 * @now. Any context but hard IRQ; callers are under RCU.
 *
 * The collector decides on the deadline it read without the lock, and a
 * packet may push it forward before the lock is taken: the decision is
 * made again under the lock. That closes the race where the deadline
 * moves under the lock (TCP's state machine). UDP moves it without the
 * lock (proto_udp.c): a datagram is lost to the collector only if its
 * store lands between the read below and DEAD, a load and a store apart
 * with nothing to wait for between them, where it was a wait for the
 * lock and the whole test before: a datagram handled in the instant its
 * connection expires.
 */
static bool conn_expire_if(struct fnat_conn *cp, bool idle, unsigned long now)
{
	u8 state;

	spin_lock_bh(&cp->lock);
	if ((cp->flags & FNAT_CONN_F_DEAD) ||
	    (idle && !time_after(now, READ_ONCE(cp->expires)))) {
		spin_unlock_bh(&cp->lock);
		return false;
	}
	WRITE_ONCE(cp->flags, cp->flags | FNAT_CONN_F_DEAD);
	state = cp->state;
	spin_unlock_bh(&cp->lock);
	fnat_conn_destroy(cp, state);
	return true;
}

/* True if this call expired @cp (not another before it). */
static bool conn_expire(struct fnat_conn *cp)
{
	return conn_expire_if(cp, false, 0);
}

/*
 * Take a place for a new connection of @fn under conn_max and the global
 * bound, early drop making room; false (counted) when none is left.
 * Counted from here, so that two CPUs cannot both take the last place; a
 * connection dropped early gives its place back. RCU read side.
 */
static bool conn_charge(struct fnat_net *fn)
{
	atomic_inc(&fn->nr_conns);
	if (atomic_inc_return(&conn_count) > READ_ONCE(conn_max_global) &&
	    !fnat_early_drop(fn, true)) {
		fnat_count(fn, FULLNAT_CNT_GLOBAL_LIMIT);
		goto out_uncount;
	}
	if (atomic_read(&fn->nr_conns) > READ_ONCE(fn->cfg.conn_max) &&
	    !fnat_early_drop(fn, false)) {
		fnat_count(fn, FULLNAT_CNT_CONN_LIMIT);
		goto out_uncount;
	}
	return true;
out_uncount:
	atomic_dec(&fn->nr_conns);
	atomic_dec(&conn_count);
	return false;
}

/* A connection's memory, charged to whoever made @fn a director (core.c). */
static struct fnat_conn *conn_alloc(struct fnat_net *fn, gfp_t gfp)
{
	struct mem_cgroup *old_memcg;
	struct fnat_conn *cp;

	old_memcg = set_active_memcg(READ_ONCE(fn->memcg));
	cp = kmem_cache_zalloc(conn_cache, gfp | __GFP_NOWARN);
	set_active_memcg(old_memcg);
	return cp;
}

/*
 * What every connection of @dest starts with, @state its first state and
 * @fwd its method: the rest is its creator's to set.
 */
static void conn_init(struct fnat_net *fn, struct fnat_conn *cp,
		      struct fnat_dest *dest, u8 proto, u8 fwd, u8 state)
{
	write_pnet(&cp->net, fn->net);
	spin_lock_init(&cp->lock);
	cp->af = dest->svc->af;
	cp->daf = dest->af;
	cp->proto = proto;
	cp->fwd = fwd;
	cp->daddr = dest->addr;
	cp->dport = dest->port;
	cp->dest = dest;
	cp->state = state;
	cp->expires = jiffies + fnat_state_timeout(fn, proto, state);
}

/*
 * Create a connection for a new client flow of @svc: schedule a real
 * server, take a local address and port (FullNAT), hash both sides.
 * @hash is fnat_conn_hash() of @p's tuple, which the lookup that found
 * no connection for @p computed: it is the client side's key. RCU read
 * side, softirq. Returns NULL with the reason counted.
 */
struct fnat_conn *fnat_conn_new(struct fnat_net *fn, struct fnat_service *svc,
				const struct fnat_pkt *p, u32 hash)
{
	const struct fnat_method *m;
	struct fnat_conn __rcu **ring;
	struct fnat_conn *cp;
	struct fnat_dest *dest;
	int ret;

	if (!conn_charge(fn))
		return NULL;
	dest = fnat_persist_schedule(svc, p);
	if (!dest || READ_ONCE(dest->removed) ||
	    !refcount_inc_not_zero(&dest->refcnt)) {
		fnat_count(fn, FULLNAT_CNT_NO_DEST);
		goto out_uncount;
	}
	/*
	 * In softirq there is no "current" to charge: the memory cgroup of
	 * whoever made this namespace a director pays (core.c), as BPF maps
	 * charge their creator's. Not GFP_ATOMIC: its __GFP_HIGH forces a
	 * charge over the cgroup's limit and dips into the reserves, which a
	 * new connection is not worth; this one fails (counted) instead.
	 */
	cp = conn_alloc(fn, GFP_NOWAIT);
	if (!cp) {
		fnat_count(fn, FULLNAT_CNT_NOMEM);
		goto out_put_dest;
	}

	/* Whole and counted before anything can find it (see Lifetime). */
	conn_init(fn, cp, dest, svc->proto, READ_ONCE(dest->fwd),
		  p->pp->init_state);
	cp->caddr = p->saddr;
	cp->cport = p->sport;
	cp->vaddr = svc->addr;
	cp->vport = svc->port;
	/* The real server's method, registered (nl_service.c). */
	m = fnat_method_find(cp->fwd);
	if (READ_ONCE(svc->toa) && m->toa && cp->proto == IPPROTO_TCP)
		cp->flags |= FNAT_CONN_F_TOA;
	atomic_inc(fnat_dest_count(dest, cp->proto, cp->state));

	spin_lock(&cp->lock);
	if (m->bind) {
		/*
		 * Hashes the real-server side: from here on, visible. With
		 * no local port free toward the real server (FullNAT), the
		 * tuple of an idle half-open or reset TCP connection may be
		 * taken (laddr.c).
		 */
		ret = fnat_method_call(m, bind, fn, cp);
		if (ret) {
			spin_unlock(&cp->lock);
			fnat_count(fn, ret == -ENOENT ? FULLNAT_CNT_NO_LADDR :
				       ret == -EEXIST ? FULLNAT_CNT_REPLY_CLASH :
							FULLNAT_CNT_NO_PORT);
			atomic_dec(fnat_dest_count(dest, cp->proto,
						   cp->state));
			goto out_free;
		}
	}
	/*
	 * Two CPUs may race to create the same flow (a retransmitted SYN):
	 * the loser backs out; the retransmission finds the winner.
	 */
	DEBUG_NET_WARN_ON_ONCE(hash != node_hash(cp, FNAT_DIR_IN));
	if (!__hash_node(cp, FNAT_DIR_IN, hash, NULL))
		goto out_kill;
	/*
	 * The real server was deleted with expire_nodest while we worked:
	 * its expiry walk may have passed our buckets already, so expire
	 * ourselves. Pairs with the barrier in fnat_conn_expire_dest(): it
	 * either finds our nodes or we see "removed".
	 */
	smp_mb();
	if (READ_ONCE(dest->removed) && READ_ONCE(fn->cfg.expire_nodest)) {
		fnat_count(fn, FULLNAT_CNT_NO_DEST);
		goto out_kill;
	}
	/* Under the lock: an expiry clears the slot only after this. */
	ring = READ_ONCE(fn->early);
	if (ring)
		fnat_early_track(fn, ring, cp);
	spin_unlock(&cp->lock);
	fnat_stats_conn(svc->stats);
	fnat_stats_conn(dest->stats);
	return cp;

out_kill:
	WRITE_ONCE(cp->flags, cp->flags | FNAT_CONN_F_DEAD);
	spin_unlock(&cp->lock);
	/* No packet has moved its state: counted as created. */
	fnat_conn_destroy(cp, cp->state);
	return NULL;
out_free:
	kmem_cache_free(conn_cache, cp);
out_put_dest:
	fnat_dest_put(dest);
out_uncount:
	atomic_dec(&fn->nr_conns);
	atomic_dec(&conn_count);
	return NULL;
}

/* Is @cp's @dir side tuple some connection's, either way? RCU read side. */
static bool tuple_taken(struct fnat_net *fn, const struct fnat_conn *cp,
			enum fnat_dir dir)
{
	const union nf_inet_addr *s, *d;
	enum fnat_dir found;
	__be16 sp, dp;

	/* @cp is a template: no namespace of its own (node_hash() reads one) */
	node_key(cp, dir, &s, &sp, &d, &dp);
	return fnat_conn_lookup(fn->net, cp->proto, s, sp, d, dp, &found);
}

/*
 * Add a connection copied from another director (FULLNAT_CMD_NEW_CONN,
 * nl_conn.c, which checked @tmpl against this director: its service,
 * real server @dest, method, state, and a local address that is not
 * ours). @tmpl holds the key and addresses, @fwd, @proto, @af, @state,
 * the @flags (NODATA, NOSEQ) and @seq, @rs_isn to start with, and in
 * @expires the time the other director gave it (jiffies, relative), a
 * bound of its state's timeout here. Process context, under fn->lock.
 *
 * The copy is "imported": the other director still has the connection,
 * and the real server's replies, addressed to that director's LIP (or,
 * DR and TUN, straight to the client), still go there. This one carries
 * the client's packets once a router sends them here, rewritten as the
 * other would (FullNAT: to its LIP:lport), and tracks only that side, as
 * DR's (proto_tcp.c), in the other's window. A FullNAT copy keeps its
 * LIP:lport and holds no local address of this director (cp->local
 * NULL): no port of our pool is taken or freed for it, and nothing of it
 * reaches laddr.c. Its real-server side is still hashed, so that the
 * tuple is known as taken. It counts against the limits as a new
 * connection, and the netns exit, rmmod, expiry and expire_nodest take
 * it as any other; early drop only while it is half-open or reset.
 */
int fnat_conn_import(struct fnat_net *fn, const struct fnat_conn *tmpl,
		     struct fnat_dest *dest, struct netlink_ext_ack *extack)
{
	struct fnat_conn __rcu **ring;
	struct fnat_conn *cp;
	bool ok;

	lockdep_assert_held(&fn->lock);
	rcu_read_lock();
	if (tuple_taken(fn, tmpl, FNAT_DIR_IN) ||
	    (tmpl->fwd == FULLNAT_FWD_FULLNAT &&
	     tuple_taken(fn, tmpl, FNAT_DIR_OUT))) {
		rcu_read_unlock();
		NL_SET_ERR_MSG(extack,
			       "the connection's tuple is in the table already");
		return -EEXIST;
	}
	local_bh_disable();
	ok = conn_charge(fn);
	local_bh_enable();
	rcu_read_unlock();
	if (!ok) {
		NL_SET_ERR_MSG(extack,
			       "the connection table is full (conn_max or conn_max_global)");
		return -ENOSPC;
	}
	cp = conn_alloc(fn, GFP_KERNEL);
	if (!cp) {
		atomic_dec(&fn->nr_conns);
		atomic_dec(&conn_count);
		return -ENOMEM;
	}
	refcount_inc(&dest->refcnt);		/* a live server: fn->lock */
	conn_init(fn, cp, dest, tmpl->proto, tmpl->fwd, tmpl->state);
	cp->caddr = tmpl->caddr;
	cp->cport = tmpl->cport;
	cp->vaddr = tmpl->vaddr;
	cp->vport = tmpl->vport;
	cp->laddr = tmpl->laddr;	/* none but FullNAT's: zeros */
	cp->lport = tmpl->lport;
	cp->flags = tmpl->flags | FNAT_CONN_F_IMPORTED;
	cp->rs_isn = tmpl->rs_isn;
	cp->seq = tmpl->seq;
	cp->expires = jiffies + min(tmpl->expires, fnat_state_timeout(fn,
			cp->proto, fnat_conn_timeout_state(cp->state, cp->flags)));
	atomic_inc(fnat_dest_count(dest, cp->proto, cp->state));

	spin_lock_bh(&cp->lock);
	/* Racing a packet that made either tuple: it wins, we back out. */
	ok = (cp->fwd != FULLNAT_FWD_FULLNAT ||
	      __fnat_conn_hash_out(cp, NULL)) &&
	     __hash_node(cp, FNAT_DIR_IN, node_hash(cp, FNAT_DIR_IN), NULL);
	if (!ok) {
		WRITE_ONCE(cp->flags, cp->flags | FNAT_CONN_F_DEAD);
		spin_unlock_bh(&cp->lock);
		fnat_conn_destroy(cp, cp->state);
		NL_SET_ERR_MSG(extack,
			       "the connection's tuple is in the table already");
		return -EEXIST;
	}
	rcu_read_lock();
	ring = READ_ONCE(fn->early);
	if (ring && fnat_conn_evictable(cp))
		fnat_early_track(fn, ring, cp);
	rcu_read_unlock();
	spin_unlock_bh(&cp->lock);
	return 0;
}

/*
 * Walk the whole table and expire what @match selects; how many this
 * walk expired (a connection is met by both its nodes, and may die on
 * its own meanwhile: counted once, by whoever set DEAD). Process context;
 * may take a while on a big table, which is fine for configuration paths
 * (FULLNAT_CMD_DEL_CONN, nl_conn.c, among them).
 */
u32 fnat_conn_expire_matching(bool (*match)(const struct fnat_conn *cp,
					    const void *arg),
			      const void *arg)
{
	struct fnat_conn_hnode *h;
	u32 i, n = 0;

	for (i = 0; i <= conn_tab_mask; i++) {
		rcu_read_lock();
		hlist_for_each_entry_rcu(h, &conn_tab[i], node) {
			struct fnat_conn *cp = fnat_conn_of(h);

			if (match(cp, arg) && conn_expire(cp))
				n++;
		}
		rcu_read_unlock();
		if (!(i & 1023))
			cond_resched();
	}
	return n;
}

/* Connections of the namespaces being dismantled (netns.c). */
static bool match_dying(const struct fnat_conn *cp, const void *unused)
{
	return READ_ONCE(fnat_net(fnat_conn_net(cp))->dying);
}

static bool match_dest(const struct fnat_conn *cp, const void *dest)
{
	return cp->dest == dest;
}

void fnat_conn_flush_dying(void)
{
	fnat_conn_expire_matching(match_dying, NULL);
}

void fnat_conn_expire_dest(struct net *net, struct fnat_dest *dest)
{
	/* "removed" is set: see the barrier in fnat_conn_new(). */
	smp_mb();
	fnat_conn_expire_matching(match_dest, dest);
}

static void conn_gc_worker(struct work_struct *work)
{
	u32 n = clamp_t(u32, (conn_tab_mask + 1) / GC_SLICES, 1, GC_BUCKETS);
	unsigned long now = jiffies;
	struct fnat_conn_hnode *h;
	u32 i, seen = 0;

	if (!atomic_read(&conn_count))
		goto out;
	/* One read-side section a step, not one a bucket: entering and leaving
	 * them (out of line on Debian's kernels) was a fifth of the walk. */
	rcu_read_lock();
	for (i = 0; i < n && seen < GC_BUDGET; i++) {
		u32 b = (gc_pos + i) & conn_tab_mask;

		hlist_for_each_entry_rcu(h, &conn_tab[b], node) {
			struct fnat_conn *cp = fnat_conn_of(h);

			seen++;
			if (!node_is_primary(h, cp))
				continue;
			if (time_after(now, READ_ONCE(cp->expires)))
				conn_expire_if(cp, true, now);
		}
	}
	rcu_read_unlock();
	gc_pos = (gc_pos + i) & conn_tab_mask;
	cond_resched();
out:
	queue_delayed_work(system_power_efficient_wq, &gc_work, GC_INTERVAL);
}

/*
 * One call fills one message buffer; a table of 2^24 buckets is walked
 * over many calls. It yields the CPU every DUMP_RESCHED buckets and,
 * once it has something to send, returns after DUMP_BUCKETS so that the
 * caller gets its messages and the walk its next call. It never returns
 * an empty buffer before the end: that would end the dump.
 */
#define DUMP_RESCHED	1024
#define DUMP_BUCKETS	(64 * DUMP_RESCHED)

int fnat_conn_dump(struct sk_buff *skb, struct netlink_callback *cb,
		   int (*fill)(struct sk_buff *skb,
			       struct netlink_callback *cb,
			       struct fnat_conn *cp))
{
	struct net *net = sock_net(skb->sk);
	u32 bucket = cb->args[0], skip = cb->args[1], idx, walked = 0;
	struct fnat_conn_hnode *h;

	for (; bucket <= conn_tab_mask; bucket++, skip = 0, walked++) {
		if (walked && !(walked % DUMP_RESCHED)) {
			if (skb->len && walked >= DUMP_BUCKETS)
				break;
			cond_resched();
		}
		idx = 0;
		rcu_read_lock();
		hlist_for_each_entry_rcu(h, &conn_tab[bucket], node) {
			struct fnat_conn *cp = fnat_conn_of(h);

			if (!node_is_primary(h, cp))
				continue;
			if (!net_eq(fnat_conn_net(cp), net))
				continue;
			if (idx++ < skip)
				continue;
			if (fill(skb, cb, cp)) {
				rcu_read_unlock();
				cb->args[0] = bucket;
				cb->args[1] = idx - 1;
				return skb->len;
			}
		}
		rcu_read_unlock();
	}
	cb->args[0] = bucket;
	cb->args[1] = 0;
	return skb->len;
}

/*
 * The default table: a bucket per 2 KiB of memory (the table takes a
 * 256th of it), from 2^12 to 2^21 buckets. Each connection is hashed
 * twice, so 2^21 buckets hold the default conn_max (2^20) at one node
 * per bucket on average, as IPVS's largest table (2^20) holds a million
 * connections hashed once: a lookup then costs about the same at a
 * thousand connections and at a million. The largest default takes 16
 * MiB, on machines with 4 GiB or more.
 */
static unsigned int default_tab_bits(void)
{
	unsigned long buckets = (totalram_pages() << PAGE_SHIFT) >> 11;

	return clamp_t(unsigned int, ilog2(buckets | 1), 12, 21);
}

int fnat_conn_init(void)
{
	u32 i, size;

	/*
	 * Three cache lines with a 4-byte spinlock_t. PREEMPT_RT's spinlock_t
	 * is an rt_mutex and lock debugging makes it bigger still: there the
	 * connection grows by that much and no more (224 bytes on Debian's rt
	 * kernels).
	 */
	BUILD_BUG_ON(sizeof(struct fnat_conn) >
		     ALIGN(192 - 4 + sizeof(spinlock_t), sizeof(long)));
	BUILD_BUG_ON(FNAT_EARLY_SLOTS > U16_MAX);	/* fnat_conn_hnode.early */
	BUILD_BUG_ON_NOT_POWER_OF_2(FNAT_EARLY_SLOTS);	/* a u32 head wraps */
	if (!conn_tab_bits)
		conn_tab_bits = default_tab_bits();	/* shown in sysfs */
	if (conn_tab_bits < 8 || conn_tab_bits > 24) {
		pr_err("fullnat: conn_tab_bits=%u is out of range 8-24\n",
		       conn_tab_bits);
		return -EINVAL;
	}
	size = 1U << conn_tab_bits;
	conn_tab = kvmalloc_array(size, sizeof(*conn_tab), GFP_KERNEL);
	if (!conn_tab)
		return -ENOMEM;
	for (i = 0; i < size; i++)
		INIT_HLIST_HEAD(&conn_tab[i]);
	conn_tab_mask = size - 1;
	for (i = 0; i < CONN_LOCKS; i++)
		spin_lock_init(&conn_locks[i]);
	get_random_bytes(&conn_key, sizeof(conn_key));

	if (!conn_max_global)
		conn_max_global = clamp_t(unsigned long,
					  (totalram_pages() << PAGE_SHIFT) >> 11,
					  4096, 1U << 30);
	/* Charged to a memory cgroup: see fnat_conn_new(). */
	conn_cache = KMEM_CACHE(fnat_conn, SLAB_HWCACHE_ALIGN | SLAB_ACCOUNT);
	if (!conn_cache) {
		kvfree(conn_tab);
		return -ENOMEM;
	}
	INIT_DELAYED_WORK(&gc_work, conn_gc_worker);
	queue_delayed_work(system_power_efficient_wq, &gc_work, GC_INTERVAL);
	return 0;
}

/* Every namespace has been flushed by now (pernet exit runs first). */
void fnat_conn_uninit(void)
{
	cancel_delayed_work_sync(&gc_work);
	WARN_ON_ONCE(atomic_read(&conn_count));
	/*
	 * Freeing a connection can free its real server, whose callback
	 * frees the service in another callback: wait for both rounds.
	 */
	rcu_barrier();
	rcu_barrier();
	kmem_cache_destroy(conn_cache);
	kvfree(conn_tab);
}
