// SPDX-License-Identifier: GPL-2.0
/*
 * Which socket came with which client address.
 *
 * The module owns this state; it does not squat on a socket field
 * (sk_user_data belongs to sockmap, RPC, tunnels...). Entries are keyed by
 * the socket's address, which is never dereferenced here.
 *
 * Lifetime, the subtle part. A socket's memory is reused by a later socket
 * once it is freed, so an entry outliving its socket would hand the old
 * client address to a stranger. Two things prevent that:
 *
 *  - the entry is removed at the tracepoint tcp:tcp_destroy_sock, which
 *    fires once at the end of every TCP socket that was a child, before
 *    its memory can be reused (hooks.c);
 *  - should that removal ever be missed (a path to the socket's end that
 *    bypasses it, in some kernel to come), the entry also holds
 *    the peer the socket had at creation (the director's LIP and lport) and
 *    a lookup only answers when the socket's current peer is still that, so
 *    a reused socket connected elsewhere is never rewritten;
 *  - and every new child removes whatever is left under its address, the
 *    one that carries no TOA (hooks.c: record()) as much as the one that
 *    does: a reused socket with the same peer (the director reusing its
 *    LIP:lport towards this server, for a service without TOA) must not
 *    show the previous client. Both count stale_removed.
 *
 * Writers (creation in softirq, destruction in softirq or process context)
 * take the bucket's lock with interrupts off, which is valid in every
 * context a handler runs in: a raw spinlock, as kprobe, kretprobe and
 * tracepoint handlers run with preemption off, where PREEMPT_RT's sleeping
 * spinlock_t must not be taken; readers (getname) use RCU only. Entries
 * are freed after a grace period, with call_rcu() so that rcu_barrier()
 * at unload waits for every free before the cache is destroyed.
 *
 * Nor may the slab be called there on PREEMPT_RT, where its locks sleep
 * too (Documentation/locking/locktypes.rst: no allocation with preemption
 * off). A new entry comes from a per-CPU reserve, which a work item fills
 * from process context whenever a handler has taken one below three
 * quarters (unbound: the CPU taking entries may be too busy with softirqs,
 * which PREEMPT_RT runs in threads of higher priority, to run it). A CPU
 * whose reserve is empty takes from another's (a CPU just brought online
 * starts empty); with all empty, it allocates with GFP_ATOMIC, except on
 * PREEMPT_RT, where the connection then shows the LIP (reserve_empty).
 * A CPU taken offline keeps its reserve, unused, until the module goes
 * (entries_reserved still counts it): at most reserve entries per CPU.
 */
#include <linux/hash.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/rculist.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <net/ipv6.h>

#include "compat.h"
#include "toa.h"

struct toa_entry {
	struct hlist_node node;
	const struct sock *sk;		/* the key; never dereferenced */
	struct toa_addr peer;		/* LIP:lport at creation */
	struct toa_addr client;
	struct rcu_head rcu;
};

struct toa_bucket {
	raw_spinlock_t lock;	/* taken in probe handlers: atomic on RT too */
	struct hlist_head head;
};

static struct toa_bucket *buckets;
static unsigned int hash_bits;
static struct kmem_cache *entry_cache;
static atomic_t nr_entries = ATOMIC_INIT(0);

/*
 * Entries per CPU held in reserve (~80 bytes each): 256 by default, what
 * a CPU accepting a few thousand connections a second takes between two
 * runs of the work item with room to spare.
 */
static unsigned int reserve = 256;
module_param(reserve, uint, 0444);
MODULE_PARM_DESC(reserve, "Table entries per CPU allocated ahead for the probes (default 256, at most 65536)");

#define RESERVE_MAX	65536

struct toa_reserve {
	raw_spinlock_t lock;	/* taken in probe handlers */
	unsigned int n;
	struct hlist_head free;	/* through toa_entry.node */
};

static struct toa_reserve __percpu *reserves;
static void reserve_fill(struct work_struct *work);
static DECLARE_WORK(fill_work, reserve_fill);

/*
 * The data path never allocates without a limit. An entry is ~80 bytes:
 * the default bounds the table at ~80 MiB for a million concurrent TOA
 * connections; past it connections work but show the LIP, and
 * table_full counts them. The hash is sized from it at load (one bucket
 * per two entries, 2^8 to 2^20 buckets: 8 MiB of buckets for the
 * default), so it is read-only afterwards.
 */
static unsigned int max_entries = 1U << 20;
module_param(max_entries, uint, 0444);
MODULE_PARM_DESC(max_entries, "Most connections remembered at once (default 1048576), sizes the hash at load");

#define TOA_HASH_BITS_MIN	8
#define TOA_HASH_BITS_MAX	20

static struct toa_bucket *bucket_of(const struct sock *sk)
{
	return &buckets[hash_ptr(sk, hash_bits)];
}

static bool addr_equal(const struct toa_addr *a, const struct toa_addr *b)
{
	return a->port == b->port && ipv6_addr_equal(&a->addr, &b->addr);
}

static void entry_free_rcu(struct rcu_head *rcu)
{
	kmem_cache_free(entry_cache, container_of(rcu, struct toa_entry, rcu));
}

/* Caller holds b->lock. */
static void __entry_unlink(struct toa_bucket *b, struct toa_entry *e)
{
	lockdep_assert_held(&b->lock);
	hlist_del_rcu(&e->node);
	atomic_dec(&nr_entries);
	call_rcu(&e->rcu, entry_free_rcu);
}

/* Caller holds b->lock. */
static struct toa_entry *__entry_find(struct toa_bucket *b, const struct sock *sk)
{
	struct toa_entry *e;

	lockdep_assert_held(&b->lock);
	hlist_for_each_entry_rcu(e, &b->head, node, lockdep_is_held(&b->lock))
		if (e->sk == sk)
			return e;
	return NULL;
}

/* Process context: top up the reserve of every CPU online. */
static void reserve_fill(struct work_struct *work)
{
	struct toa_entry *e;
	unsigned long flags;
	int cpu;

	for_each_online_cpu(cpu) {
		struct toa_reserve *r = per_cpu_ptr(reserves, cpu);

		while (READ_ONCE(r->n) < reserve) {
			e = kmem_cache_alloc(entry_cache, GFP_KERNEL | __GFP_NOWARN);
			if (!e)
				return;		/* the next handler asks again */
			raw_spin_lock_irqsave(&r->lock, flags);
			if (r->n < reserve) {
				hlist_add_head(&e->node, &r->free);
				WRITE_ONCE(r->n, r->n + 1);
				e = NULL;
			}
			raw_spin_unlock_irqrestore(&r->lock, flags);
			if (e) {
				kmem_cache_free(entry_cache, e);
				break;
			}
		}
	}
}

/* An entry from @r, NULL if it has none; caller holds r->lock. */
static struct toa_entry *__reserve_take(struct toa_reserve *r)
{
	struct toa_entry *e;

	lockdep_assert_held(&r->lock);
	if (!r->n)
		return NULL;
	e = hlist_entry(r->free.first, struct toa_entry, node);
	hlist_del(&e->node);
	WRITE_ONCE(r->n, r->n - 1);
	return e;
}

/*
 * Probe handler (preemption off): an entry from this CPU's reserve, else
 * from any other's that is not busy, else (not on PREEMPT_RT) the slab's.
 */
static struct toa_entry *entry_get(void)
{
	struct toa_reserve *r = this_cpu_ptr(reserves);
	struct toa_entry *e;
	unsigned long flags;
	unsigned int left;
	int cpu;

	raw_spin_lock_irqsave(&r->lock, flags);
	e = __reserve_take(r);
	left = r->n;
	raw_spin_unlock_irqrestore(&r->lock, flags);
	if (left < reserve - reserve / 4)
		queue_work(system_unbound_wq, &fill_work);
	if (e)
		return e;
	for_each_online_cpu(cpu) {
		r = per_cpu_ptr(reserves, cpu);
		if (!READ_ONCE(r->n) || !raw_spin_trylock_irqsave(&r->lock, flags))
			continue;
		e = __reserve_take(r);
		raw_spin_unlock_irqrestore(&r->lock, flags);
		if (e)
			return e;
	}
	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		return NULL;
	return kmem_cache_alloc(entry_cache, GFP_ATOMIC | __GFP_NOWARN);
}

/*
 * Returns 0, -ENOSPC when max_entries is reached, -EAGAIN when no entry
 * was at hand (PREEMPT_RT, every reserve empty), -ENOMEM; *@replaced says
 * whether a stale entry was there. Called for a child that no one else can
 * see yet, so it cannot race with its own destruction.
 */
int toa_table_insert(const struct sock *sk, const struct toa_addr *peer,
		     const struct toa_addr *client, bool *replaced)
{
	struct toa_bucket *b = bucket_of(sk);
	struct toa_entry *e, *stale;
	unsigned long flags;

	*replaced = false;
	if (atomic_inc_return(&nr_entries) > READ_ONCE(max_entries)) {
		atomic_dec(&nr_entries);
		*replaced = toa_table_remove(sk);
		return -ENOSPC;
	}
	e = entry_get();
	if (!e) {
		atomic_dec(&nr_entries);
		*replaced = toa_table_remove(sk);
		return IS_ENABLED(CONFIG_PREEMPT_RT) ? -EAGAIN : -ENOMEM;
	}
	e->sk = sk;
	e->peer = *peer;
	e->client = *client;

	raw_spin_lock_irqsave(&b->lock, flags);
	stale = __entry_find(b, sk);
	if (stale)
		__entry_unlink(b, stale);
	*replaced = stale;
	hlist_add_head_rcu(&e->node, &b->head);
	raw_spin_unlock_irqrestore(&b->lock, flags);
	return 0;
}

/* Returns whether there was an entry for @sk. */
bool toa_table_remove(const struct sock *sk)
{
	struct toa_bucket *b;
	struct toa_entry *e;
	unsigned long flags;

	/* every TCP socket of the machine ends here: keep it cheap */
	if (!atomic_read(&nr_entries))
		return false;
	b = bucket_of(sk);
	raw_spin_lock_irqsave(&b->lock, flags);
	e = __entry_find(b, sk);
	if (e)
		__entry_unlink(b, e);
	raw_spin_unlock_irqrestore(&b->lock, flags);
	return e;
}

/*
 * The client address of @sk, if it was recorded and @sk's peer is still
 * the one it was created with.
 */
bool toa_table_lookup(const struct sock *sk, const struct toa_addr *peer,
		      struct toa_addr *client)
{
	struct toa_entry *e;
	bool found = false;

	rcu_read_lock();
	hlist_for_each_entry_rcu(e, &bucket_of(sk)->head, node) {
		if (e->sk != sk)
			continue;
		if (addr_equal(&e->peer, peer)) {
			*client = e->client;
			found = true;
		}
		break;
	}
	rcu_read_unlock();
	return found;
}

/*
 * The table's and the reserve's sizes, for /proc/net/toa_stats of the
 * initial namespace (all namespaces together).
 */
void toa_table_show(struct seq_file *seq)
{
	unsigned int n = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		n += READ_ONCE(per_cpu_ptr(reserves, cpu)->n);
	seq_printf(seq, "entries %d\nentries_reserved %u\n",
		   atomic_read(&nr_entries), n);
}

int toa_table_init(void)
{
	unsigned int i;
	int cpu;

	if (reserve > RESERVE_MAX) {
		pr_err("reserve=%u: at most %u entries per CPU\n", reserve,
		       RESERVE_MAX);
		return -EINVAL;
	}
	hash_bits = clamp(order_base_2(max_entries) - 1, TOA_HASH_BITS_MIN,
			  TOA_HASH_BITS_MAX);
	buckets = kvmalloc_array(1U << hash_bits, sizeof(*buckets), GFP_KERNEL);
	if (!buckets)
		return -ENOMEM;
	for (i = 0; i < 1U << hash_bits; i++) {
		raw_spin_lock_init(&buckets[i].lock);
		INIT_HLIST_HEAD(&buckets[i].head);
	}
	entry_cache = toa_kmem_cache_create("toa_sock", struct toa_entry, client);
	if (!entry_cache)
		goto out_buckets;
	reserves = alloc_percpu(struct toa_reserve);
	if (!reserves)
		goto out_cache;
	for_each_possible_cpu(cpu) {
		struct toa_reserve *r = per_cpu_ptr(reserves, cpu);

		raw_spin_lock_init(&r->lock);
		INIT_HLIST_HEAD(&r->free);
	}
	reserve_fill(NULL);
	pr_info("up to %u connections remembered, %u hash buckets\n", max_entries,
		1U << hash_bits);
	return 0;

out_cache:
	kmem_cache_destroy(entry_cache);
out_buckets:
	kvfree(buckets);
	return -ENOMEM;
}

/* No handler runs any more: nothing takes from the reserves or queues. */
static void reserve_free(void)
{
	int cpu;

	cancel_work_sync(&fill_work);
	for_each_possible_cpu(cpu) {
		struct toa_reserve *r = per_cpu_ptr(reserves, cpu);
		struct hlist_node *tmp;
		struct toa_entry *e;

		hlist_for_each_entry_safe(e, tmp, &r->free, node)
			kmem_cache_free(entry_cache, e);
	}
	free_percpu(reserves);
}

/* After the probes are gone: nothing looks up or inserts any more. */
void toa_table_uninit(void)
{
	struct hlist_node *tmp;
	struct toa_entry *e;
	unsigned long flags;
	unsigned int i;

	for (i = 0; i < 1U << hash_bits; i++) {
		struct toa_bucket *b = &buckets[i];

		raw_spin_lock_irqsave(&b->lock, flags);
		hlist_for_each_entry_safe(e, tmp, &b->head, node)
			__entry_unlink(b, e);
		raw_spin_unlock_irqrestore(&b->lock, flags);
	}
	reserve_free();
	rcu_barrier();		/* every entry_free_rcu() has run */
	kmem_cache_destroy(entry_cache);
	kvfree(buckets);
}
