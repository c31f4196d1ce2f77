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
 * Lifetime: expiring takes the connection's lock and sets DEAD, then
 * unhashes it, returns its local port and drops its references. The state
 * machine (tcp.c) checks DEAD under the same lock, so the active/inactive
 * counts of a real server are adjusted exactly once per state change and
 * never after expiry.
 */
#include <linux/jhash.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <net/dst.h>
#include <net/genetlink.h>

#include "fullnat.h"

static unsigned int conn_tab_bits;
module_param(conn_tab_bits, uint, 0444);
MODULE_PARM_DESC(conn_tab_bits,
		 "log2 of the connection hash table size (8-24; default: from the memory size, at most 21)");

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
static u32 conn_rnd __read_mostly;
static spinlock_t conn_locks[CONN_LOCKS];
static struct kmem_cache *conn_cache __read_mostly;
static atomic_t conn_count = ATOMIC_INIT(0);
static struct delayed_work gc_work;
static u32 gc_pos;

u32 fnat_conn_tab_size(void)
{
	return conn_tab_mask + 1;
}

static inline struct fnat_conn *conn_of(struct fnat_conn_hnode *h)
{
	return container_of(h - h->dir, struct fnat_conn, h[0]);
}

static u32 conn_hash(const struct net *net, u8 proto,
		     const union nf_inet_addr *saddr, __be16 sport,
		     const union nf_inet_addr *daddr, __be16 dport)
{
	u32 s = (__force u32)(saddr->all[0] ^ saddr->all[1] ^ saddr->all[2] ^
			      saddr->all[3]);
	u32 d = (__force u32)(daddr->all[0] ^ daddr->all[1] ^ daddr->all[2] ^
			      daddr->all[3]);

	return jhash_3words(s, d, (__force u32)sport << 16 | (__force u32)dport,
			    conn_rnd ^ net_hash_mix(net) ^ proto);
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
		*saddr = &cp->daddr;
		*sport = cp->dport;
		*daddr = &cp->laddr;
		*dport = cp->lport;
	}
}

static u32 node_hash(const struct fnat_conn *cp, enum fnat_dir dir)
{
	const union nf_inet_addr *s, *d;
	__be16 sp, dp;

	node_key(cp, dir, &s, &sp, &d, &dp);
	return conn_hash(fnat_conn_net(cp), cp->proto, s, sp, d, dp);
}

static bool node_match(struct fnat_conn_hnode *h, const struct net *net,
		       u8 proto, const union nf_inet_addr *saddr, __be16 sport,
		       const union nf_inet_addr *daddr, __be16 dport)
{
	const struct fnat_conn *cp = conn_of(h);
	const union nf_inet_addr *s, *d;
	__be16 sp, dp;

	if (cp->proto != proto || !net_eq(fnat_conn_net(cp), net))
		return false;
	node_key(cp, h->dir, &s, &sp, &d, &dp);
	return sp == sport && dp == dport && nf_inet_addr_cmp(s, saddr) &&
	       nf_inet_addr_cmp(d, daddr);
}

/* RCU read side. */
struct fnat_conn *fnat_conn_lookup(const struct net *net, u8 proto,
				   const union nf_inet_addr *saddr,
				   __be16 sport,
				   const union nf_inet_addr *daddr,
				   __be16 dport, enum fnat_dir *dir)
{
	u32 hash = conn_hash(net, proto, saddr, sport, daddr, dport);
	struct fnat_conn_hnode *h;

	hlist_for_each_entry_rcu(h, bucket(hash), node) {
		if (h->hash == hash &&
		    node_match(h, net, proto, saddr, sport, daddr, dport)) {
			struct fnat_conn *cp = conn_of(h);

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

/* Hash @cp's @dir side unless that key is taken; true on success. */
static bool hash_node(struct fnat_conn *cp, enum fnat_dir dir)
{
	const union nf_inet_addr *s, *d;
	struct fnat_conn_hnode *h;
	u32 hash = node_hash(cp, dir);
	__be16 sp, dp;

	node_key(cp, dir, &s, &sp, &d, &dp);
	spin_lock_bh(bucket_lock(hash));
	hlist_for_each_entry(h, bucket(hash), node) {
		if (h->hash == hash &&
		    node_match(h, fnat_conn_net(cp), cp->proto, s, sp, d, dp)) {
			spin_unlock_bh(bucket_lock(hash));
			return false;
		}
	}
	cp->h[dir].dir = dir;
	cp->h[dir].hash = hash;
	hlist_add_head_rcu(&cp->h[dir].node, bucket(hash));
	WRITE_ONCE(cp->h[dir].hashed, true);
	spin_unlock_bh(bucket_lock(hash));
	return true;
}

static void unhash_node(struct fnat_conn *cp, enum fnat_dir dir)
{
	u32 hash = node_hash(cp, dir);	/* h[dir].hash is set only once hashed */

	spin_lock_bh(bucket_lock(hash));
	if (cp->h[dir].hashed) {
		hlist_del_rcu(&cp->h[dir].node);
		WRITE_ONCE(cp->h[dir].hashed, false);
	}
	spin_unlock_bh(bucket_lock(hash));
}

/*
 * Claim the real-server side tuple of a connection that is not yet
 * visible to anyone else (laddr.c probes ports with it).
 */
bool fnat_conn_hash_out(struct fnat_conn *cp)
{
	return hash_node(cp, FNAT_DIR_OUT);
}

/*
 * A new SYN from the client of a closing connection: the client side key
 * goes to a new connection, while this one keeps its real-server side
 * tuple until it times out, so the quarantine of that tuple still holds.
 */
void fnat_conn_detach(struct fnat_conn *cp)
{
	unhash_node(cp, FNAT_DIR_IN);
}

/* After a grace period: no reader still uses the connection's route. */
static void conn_free_rcu(struct rcu_head *head)
{
	struct fnat_conn *cp = container_of(head, struct fnat_conn, rcu);

	dst_release(rcu_dereference_protected(cp->reply_dst, true));
	kmem_cache_free(conn_cache, cp);
}

/* Expire @cp now. Any context but hard IRQ; callers are under RCU. */
static void conn_expire(struct fnat_conn *cp)
{
	struct fnat_net *fn = fnat_net(fnat_conn_net(cp));
	u8 state;

	spin_lock_bh(&cp->lock);
	if (cp->flags & FNAT_CONN_F_DEAD) {
		spin_unlock_bh(&cp->lock);
		return;
	}
	WRITE_ONCE(cp->flags, cp->flags | FNAT_CONN_F_DEAD);
	state = cp->state;
	spin_unlock_bh(&cp->lock);

	unhash_node(cp, FNAT_DIR_IN);
	unhash_node(cp, FNAT_DIR_OUT);

	if (state == FULLNAT_TCP_S_ESTABLISHED)
		atomic_dec(&cp->dest->active);
	else
		atomic_dec(&cp->dest->inactive);
	if (cp->local) {
		atomic_dec(&cp->local->ports_in_use);
		fnat_laddr_put(cp->local);
	}
	fnat_dest_put(cp->dest);
	atomic_dec(&fn->nr_conns);
	atomic_dec(&conn_count);
	call_rcu(&cp->rcu, conn_free_rcu);
}

/*
 * Create a connection for a new client flow of @svc: schedule a real
 * server, take a local address and port (FullNAT), hash both sides.
 * RCU read side, softirq. Returns NULL with the reason counted.
 */
struct fnat_conn *fnat_conn_new(struct fnat_net *fn, struct fnat_service *svc,
				const union nf_inet_addr *caddr, __be16 cport)
{
	struct fnat_dest *dest;
	struct fnat_conn *cp;
	int ret;

	if (atomic_inc_return(&fn->nr_conns) > READ_ONCE(fn->cfg.conn_max)) {
		fnat_count(fn, FULLNAT_CNT_CONN_LIMIT);
		goto out_uncount;
	}
	dest = fnat_schedule(svc);
	if (!dest || READ_ONCE(dest->removed) ||
	    !refcount_inc_not_zero(&dest->refcnt)) {
		fnat_count(fn, FULLNAT_CNT_NO_DEST);
		goto out_uncount;
	}
	cp = kmem_cache_zalloc(conn_cache, GFP_ATOMIC);
	if (!cp) {
		fnat_count(fn, FULLNAT_CNT_NOMEM);
		goto out_put_dest;
	}

	write_pnet(&cp->net, fn->net);
	spin_lock_init(&cp->lock);
	cp->af = svc->af;
	cp->proto = svc->proto;
	cp->fwd = svc->fwd;
	cp->caddr = *caddr;
	cp->cport = cport;
	cp->vaddr = svc->addr;
	cp->vport = svc->port;
	cp->daddr = dest->addr;
	cp->dport = dest->port;
	cp->dest = dest;
	cp->state = FULLNAT_TCP_S_NONE;
	cp->expires = jiffies + READ_ONCE(fn->cfg.timeout[FULLNAT_TCP_S_NONE]);
	if (READ_ONCE(svc->toa) && cp->fwd == FULLNAT_FWD_FULLNAT &&
	    cp->proto == IPPROTO_TCP)
		cp->flags |= FNAT_CONN_F_TOA;

	if (cp->fwd == FULLNAT_FWD_FULLNAT) {
		ret = fnat_laddr_bind(fn, cp);
		if (ret) {
			fnat_count(fn, ret == -ENOENT ? FULLNAT_CNT_NO_LADDR :
							FULLNAT_CNT_NO_PORT);
			goto out_free;
		}
	}
	/*
	 * Counted before it can be found: a packet on another CPU may move
	 * it to ESTABLISHED the moment it is hashed.
	 */
	atomic_inc(&dest->inactive);
	/*
	 * Two CPUs may race to create the same flow (a retransmitted SYN):
	 * the loser drops its packet; the retransmission finds the winner.
	 */
	if (!hash_node(cp, FNAT_DIR_IN)) {
		atomic_dec(&dest->inactive);
		goto out_unbind;
	}
	atomic_inc(&conn_count);
	fnat_stats_conn(svc->stats);
	fnat_stats_conn(dest->stats);
	return cp;

out_unbind:
	/* Readers that found the real-server side stop here (cp->seq, rcu). */
	spin_lock_bh(&cp->lock);
	WRITE_ONCE(cp->flags, cp->flags | FNAT_CONN_F_DEAD);
	spin_unlock_bh(&cp->lock);
	unhash_node(cp, FNAT_DIR_OUT);
	if (cp->local) {
		atomic_dec(&cp->local->ports_in_use);
		fnat_laddr_put(cp->local);
	}
	/* Another CPU may have seen the real-server side: wait for it. */
	call_rcu(&cp->rcu, conn_free_rcu);
	fnat_dest_put(dest);
	atomic_dec(&fn->nr_conns);
	return NULL;
out_free:
	kmem_cache_free(conn_cache, cp);
out_put_dest:
	fnat_dest_put(dest);
out_uncount:
	atomic_dec(&fn->nr_conns);
	return NULL;
}

/*
 * Walk the whole table and expire what @match selects. Process context;
 * may take a while on a big table, which is fine for configuration paths.
 */
static void conn_expire_matching(bool (*match)(const struct fnat_conn *cp,
					       const void *arg),
				 const void *arg)
{
	struct fnat_conn_hnode *h;
	u32 i;

	for (i = 0; i <= conn_tab_mask; i++) {
		rcu_read_lock();
		hlist_for_each_entry_rcu(h, &conn_tab[i], node) {
			struct fnat_conn *cp = conn_of(h);

			if (match(cp, arg))
				conn_expire(cp);
		}
		rcu_read_unlock();
		if (!(i & 1023))
			cond_resched();
	}
}

static bool match_net(const struct fnat_conn *cp, const void *net)
{
	return net_eq(fnat_conn_net(cp), net);
}

static bool match_dest(const struct fnat_conn *cp, const void *dest)
{
	return cp->dest == dest;
}

void fnat_conn_flush_net(struct net *net)
{
	conn_expire_matching(match_net, net);
}

void fnat_conn_expire_dest(struct net *net, struct fnat_dest *dest)
{
	conn_expire_matching(match_dest, dest);
}

static void conn_gc_worker(struct work_struct *work)
{
	u32 n = clamp_t(u32, (conn_tab_mask + 1) / GC_SLICES, 1, GC_BUCKETS);
	unsigned long now = jiffies;
	struct fnat_conn_hnode *h;
	u32 i, seen = 0;

	if (!atomic_read(&conn_count))
		goto out;
	for (i = 0; i < n && seen < GC_BUDGET; i++) {
		u32 b = (gc_pos + i) & conn_tab_mask;

		rcu_read_lock();
		hlist_for_each_entry_rcu(h, &conn_tab[b], node) {
			struct fnat_conn *cp = conn_of(h);

			seen++;
			if (!node_is_primary(h, cp))
				continue;
			if (time_after(now, READ_ONCE(cp->expires)))
				conn_expire(cp);
		}
		rcu_read_unlock();
	}
	gc_pos = (gc_pos + i) & conn_tab_mask;
	cond_resched();
out:
	queue_delayed_work(system_power_efficient_wq, &gc_work, GC_INTERVAL);
}

int fnat_conn_dump(struct sk_buff *skb, struct netlink_callback *cb,
		   int (*fill)(struct sk_buff *skb,
			       struct netlink_callback *cb,
			       const struct fnat_conn *cp))
{
	struct net *net = sock_net(skb->sk);
	u32 bucket = cb->args[0], skip = cb->args[1], idx;
	struct fnat_conn_hnode *h;

	for (; bucket <= conn_tab_mask; bucket++, skip = 0) {
		idx = 0;
		rcu_read_lock();
		hlist_for_each_entry_rcu(h, &conn_tab[bucket], node) {
			const struct fnat_conn *cp = conn_of(h);

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

#if !defined(CONFIG_DEBUG_SPINLOCK) && !defined(CONFIG_DEBUG_LOCK_ALLOC)
	/* Three cache lines (see struct fnat_conn); debug locks are bigger. */
	BUILD_BUG_ON(sizeof(struct fnat_conn) > 192);
#endif
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
	conn_rnd = get_random_u32();

	conn_cache = KMEM_CACHE(fnat_conn, SLAB_HWCACHE_ALIGN);
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
