// SPDX-License-Identifier: GPL-2.0
/*
 * Persistence (client affinity), as IPVS's -p TIMEOUT -M NETMASK: a
 * client's new connections to a service go to the real server its
 * earlier ones went to, while its last new connection is younger than
 * the service's timeout. A template per (service, client address under
 * the netmask) remembers that server and holds a reference to it; it
 * outlives the connections it sent there. IPVS also keeps a template
 * while it still controls live connections; ours counts from the last
 * new connection only, which is what a client that reconnects needs, and
 * keeps the connection (192 bytes, three cache lines) free of a pointer.
 *
 * Where templates live. IPVS puts them in its connection table, flagged
 * IP_VS_CONN_F_TEMPLATE with port 0. Here each persistent service has a
 * table of its own (an rhashtable, keyed by the masked client address):
 * a template has no tuple, no state, no local port and no reply side, so
 * in the connection table it would be a 192-byte connection with two
 * hash nodes that every walk there (the collector, early drop, expiry,
 * dumps) would have to tell apart; the service is implied by the table,
 * which goes whole with its service; a lookup costs only services that
 * have persistence; and the rhashtable grows with what it holds and
 * hashes with a random seed, so a spray of sources cannot make long
 * chains.
 *
 * Bounds. Templates of a namespace are counted in fn->nr_tmpls and held
 * to its conn_max: past it a connection is scheduled as without
 * persistence and FULLNAT_CNT_PERSIST_FULL counted, so a spray of
 * sources costs at most conn_max templates per namespace for one timeout
 * (they are charged to the namespace's memory cgroup as connections are).
 *
 * Lifetime. The data path finds a template under RCU. A template leaves
 * the table once, by whoever removes it (rhashtable_remove_fast() says
 * who); that one drops the counts and the server's reference and frees
 * it after a grace period. Expired templates are found again and
 * replaced by the data path, and removed by a collector per table that
 * runs every PERSIST_GC_INTERVAL. A table being retired (persistence
 * off, netmask changed, service deleted) is unpublished under fn->lock;
 * after a grace period no reader holds it, and a work item stops its
 * collector and frees what it still holds. Namespace exit and module
 * unload wait for those (fnat_persist_flush()), so nothing outlives the
 * namespace's counters or the slab cache.
 */
#include <linux/memcontrol.h>
#include <linux/rhashtable.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "persist.h"

#define PERSIST_GC_INTERVAL	HZ
#define PERSIST_GC_RESCHED	1024

struct fnat_tmpl {
	struct rhash_head node;
	union nf_inet_addr caddr;	/* masked: the key */
	struct fnat_dest *dest;		/* holds a reference */
	unsigned long expires;		/* jiffies, READ_ONCE */
	atomic_t conns;			/* connections it scheduled */
	struct rcu_head rcu;
};

struct fnat_persist {
	struct rhashtable ht;
	struct fnat_net *fn;
	union nf_inet_addr mask;
	unsigned long timeout;		/* jiffies, READ_ONCE */
	atomic_t count;			/* templates in @ht */
	struct delayed_work gc;
	struct rcu_work free_work;
};

static const struct rhashtable_params tmpl_params = {
	.key_len = sizeof(union nf_inet_addr),
	.key_offset = offsetof(struct fnat_tmpl, caddr),
	.head_offset = offsetof(struct fnat_tmpl, node),
	.automatic_shrinking = true,
};

static struct kmem_cache *tmpl_cache __read_mostly;
static struct workqueue_struct *persist_wq __read_mostly;
static atomic_t persist_retiring = ATOMIC_INIT(0);

static void tmpl_free_rcu(struct rcu_head *head)
{
	kmem_cache_free(tmpl_cache, container_of(head, struct fnat_tmpl, rcu));
}

/* Take @t out of @ps, unless another CPU did. Any context but hard IRQ. */
static void tmpl_unlink(struct fnat_persist *ps, struct fnat_tmpl *t)
{
	if (rhashtable_remove_fast(&ps->ht, &t->node, tmpl_params))
		return;
	atomic_dec(&ps->count);
	atomic_dec(&ps->fn->nr_tmpls);
	/* Readers that found @t use its server under RCU, not a reference. */
	fnat_dest_put(t->dest);
	call_rcu(&t->rcu, tmpl_free_rcu);
}

/* May a template still send a new connection to @dest? RCU read side. */
static bool dest_usable(struct fnat_net *fn, const struct fnat_dest *dest)
{
	if (READ_ONCE(dest->removed))
		return false;
	return READ_ONCE(dest->weight) || !READ_ONCE(fn->cfg.expire_quiescent);
}

/* The key of @addr: the address under the mask, the family's way. */
static void masked(const struct fnat_persist *ps,
		   const union nf_inet_addr *addr, union nf_inet_addr *key)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(key->all); i++)
		key->all[i] = addr->all[i] & ps->mask.all[i];
}

/*
 * A new template for @key sending to @dest, or NULL: the namespace's
 * bound reached or no memory. Softirq.
 */
static struct fnat_tmpl *tmpl_new(struct fnat_persist *ps,
				  const union nf_inet_addr *key,
				  struct fnat_dest *dest)
{
	struct fnat_net *fn = ps->fn;
	struct mem_cgroup *old_memcg;
	struct fnat_tmpl *t;

	if (atomic_inc_return(&fn->nr_tmpls) > READ_ONCE(fn->cfg.conn_max)) {
		fnat_count(fn, FULLNAT_CNT_PERSIST_FULL);
		goto out_uncount;
	}
	if (!refcount_inc_not_zero(&dest->refcnt))
		goto out_uncount;
	/* Charged as connections are (conn.c, fnat_conn_new()). */
	old_memcg = set_active_memcg(READ_ONCE(fn->memcg));
	t = kmem_cache_zalloc(tmpl_cache, GFP_NOWAIT | __GFP_NOWARN);
	set_active_memcg(old_memcg);
	if (!t) {
		fnat_count(fn, FULLNAT_CNT_NOMEM);
		fnat_dest_put(dest);
		goto out_uncount;
	}
	t->caddr = *key;
	t->dest = dest;
	t->expires = jiffies + READ_ONCE(ps->timeout);
	atomic_set(&t->conns, 1);
	return t;

out_uncount:
	atomic_dec(&fn->nr_tmpls);
	return NULL;
}

static void tmpl_drop_new(struct fnat_persist *ps, struct fnat_tmpl *t)
{
	atomic_dec(&ps->fn->nr_tmpls);
	fnat_dest_put(t->dest);
	kmem_cache_free(tmpl_cache, t);
}

/*
 * The real server for the connection @p opens to @svc: its client's
 * template's, if it has a live one whose server is usable; else the
 * scheduler's, remembered in a new template. RCU read side, softirq; the
 * caller takes its own reference to what it gets.
 */
struct fnat_dest *fnat_persist_schedule(struct fnat_service *svc,
					const struct fnat_pkt *p)
{
	struct fnat_persist *ps = rcu_dereference(svc->persist);
	struct fnat_net *fn = svc->fn;
	struct fnat_tmpl *t, *old;
	struct fnat_dest *dest;
	union nf_inet_addr key;

	if (!ps)
		return fnat_schedule(svc, p);
	masked(ps, &p->saddr, &key);
	t = rhashtable_lookup(&ps->ht, &key, tmpl_params);
	if (t && time_before(jiffies, READ_ONCE(t->expires)) &&
	    dest_usable(fn, t->dest)) {
		/* From the last new connection on, as IPVS's -p. */
		WRITE_ONCE(t->expires, jiffies + READ_ONCE(ps->timeout));
		atomic_inc(&t->conns);
		return t->dest;
	}
	dest = fnat_schedule(svc, p);
	if (!dest)
		return NULL;
	if (t)
		tmpl_unlink(ps, t);
	t = tmpl_new(ps, &key, dest);
	if (!t)
		return dest;
	old = rhashtable_lookup_get_insert_fast(&ps->ht, &t->node, tmpl_params);
	if (!old) {
		atomic_inc(&ps->count);
		/*
		 * Scheduled from a snapshot older than the server's removal,
		 * whose walk may have passed: pairs with the barrier in
		 * __fnat_persist_drop_dest(), one of us sees the other.
		 */
		smp_mb__after_atomic();
		if (READ_ONCE(dest->removed))
			tmpl_unlink(ps, t);
		return dest;
	}
	/*
	 * Another CPU made one for this client first: follow it, so that
	 * its connections meet ours, unless it cannot be followed.
	 */
	tmpl_drop_new(ps, t);
	if (!IS_ERR(old) && dest_usable(fn, old->dest)) {
		atomic_inc(&old->conns);
		return old->dest;
	}
	return dest;
}

/* Unlink the templates of @ps that @drop selects. Process context. */
static void persist_walk(struct fnat_persist *ps,
			 bool (*drop)(const struct fnat_tmpl *t,
				      const void *arg),
			 const void *arg)
{
	struct rhashtable_iter iter;
	struct fnat_tmpl *t;
	unsigned int n = 0;

	rhashtable_walk_enter(&ps->ht, &iter);
	rhashtable_walk_start(&iter);
	while ((t = rhashtable_walk_next(&iter))) {
		if (IS_ERR(t)) {
			if (PTR_ERR(t) == -EAGAIN)	/* resized: go on */
				continue;
			break;
		}
		if (drop(t, arg))
			tmpl_unlink(ps, t);
		if (!(++n % PERSIST_GC_RESCHED)) {
			rhashtable_walk_stop(&iter);
			cond_resched();
			rhashtable_walk_start(&iter);
		}
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
}

static bool tmpl_expired(const struct fnat_tmpl *t, const void *unused)
{
	return time_after(jiffies, READ_ONCE(t->expires));
}

static bool tmpl_of_dest(const struct fnat_tmpl *t, const void *dest)
{
	return t->dest == dest;
}

static void persist_gc(struct work_struct *work)
{
	struct fnat_persist *ps = container_of(to_delayed_work(work),
					       struct fnat_persist, gc);

	if (atomic_read(&ps->count))
		persist_walk(ps, tmpl_expired, NULL);
	queue_delayed_work(persist_wq, &ps->gc, PERSIST_GC_INTERVAL);
}

/* rhashtable_free_and_destroy(): nobody else can see @ps any more. */
static void tmpl_destroy(void *ptr, void *arg)
{
	struct fnat_tmpl *t = ptr;
	struct fnat_persist *ps = arg;

	atomic_dec(&ps->fn->nr_tmpls);
	fnat_dest_put(t->dest);
	kmem_cache_free(tmpl_cache, t);
}

static void persist_free_work(struct work_struct *work)
{
	struct fnat_persist *ps = container_of(to_rcu_work(work),
					       struct fnat_persist, free_work);

	/* Re-arms itself: the _sync variant stops that too. */
	cancel_delayed_work_sync(&ps->gc);
	rhashtable_free_and_destroy(&ps->ht, tmpl_destroy, ps);
	kfree(ps);
	atomic_dec(&persist_retiring);
}

/*
 * A table for a service of family @af: templates kept @timeout seconds
 * (not 0), keyed on a client address's first @prefix bits. Unpublished:
 * __fnat_persist_publish() makes it the service's, fnat_persist_free()
 * undoes this. Process context.
 */
struct fnat_persist *fnat_persist_alloc(struct fnat_net *fn, u16 af,
					u32 timeout, u8 prefix)
{
	struct fnat_persist *ps;
	int i;

	ps = kzalloc(sizeof(*ps), GFP_KERNEL_ACCOUNT);
	if (!ps)
		return ERR_PTR(-ENOMEM);
	if (rhashtable_init(&ps->ht, &tmpl_params)) {
		kfree(ps);
		return ERR_PTR(-ENOMEM);
	}
	ps->fn = fn;
	ps->timeout = (unsigned long)timeout * HZ;
	/* IPv4 in all[0]; IPv6 spreads its prefix over the four words. */
	for (i = 0; i < ARRAY_SIZE(ps->mask.all) && prefix; i++) {
		u8 bits = min_t(u8, prefix, 32);

		ps->mask.all[i] = htonl(~0U << (32 - bits));
		prefix -= bits;
	}
	atomic_set(&ps->count, 0);
	INIT_DELAYED_WORK(&ps->gc, persist_gc);
	INIT_RCU_WORK(&ps->free_work, persist_free_work);
	return ps;
}

/* A table never published. */
void fnat_persist_free(struct fnat_persist *ps)
{
	if (IS_ERR_OR_NULL(ps))
		return;
	rhashtable_destroy(&ps->ht);
	kfree(ps);
}

/* Retire @ps once no reader can hold it (see Lifetime). */
static void persist_retire(struct fnat_persist *ps)
{
	if (!ps)
		return;
	atomic_inc(&persist_retiring);
	queue_rcu_work(persist_wq, &ps->free_work);
}

/* Make @ps (may be NULL: persistence off) @svc's, retiring its old one. */
void __fnat_persist_publish(struct fnat_service *svc, struct fnat_persist *ps)
{
	struct fnat_persist *old;

	lockdep_assert_held(&svc->fn->lock);
	old = rcu_replace_pointer(svc->persist, ps,
				  lockdep_is_held(&svc->fn->lock));
	persist_retire(old);
	if (ps)
		queue_delayed_work(persist_wq, &ps->gc, PERSIST_GC_INTERVAL);
}

/* A new timeout for the templates of @svc's table, from their next use. */
void __fnat_persist_set_timeout(struct fnat_service *svc, u32 timeout)
{
	struct fnat_persist *ps = rcu_dereference_protected(svc->persist,
				lockdep_is_held(&svc->fn->lock));

	if (ps)
		WRITE_ONCE(ps->timeout, (unsigned long)timeout * HZ);
}

/*
 * @dest was removed from @svc, or quiesced with expire_quiescent on: its
 * clients are scheduled again at their next connection.
 */
void __fnat_persist_drop_dest(struct fnat_service *svc,
			      struct fnat_dest *dest)
{
	struct fnat_persist *ps = rcu_dereference_protected(svc->persist,
				lockdep_is_held(&svc->fn->lock));

	if (!ps)
		return;
	/* "removed" or the weight is set: see fnat_persist_schedule(). */
	smp_mb();
	if (atomic_read(&ps->count))
		persist_walk(ps, tmpl_of_dest, dest);
}

u32 __fnat_persist_count(struct fnat_service *svc)
{
	struct fnat_persist *ps = rcu_dereference_protected(svc->persist,
				lockdep_is_held(&svc->fn->lock));

	return ps ? atomic_read(&ps->count) : 0;
}

#define DUMP_RESCHED	1024

/*
 * Call @fill for each live template of @svc from @pos on, until it fails
 * (its error is returned, @pos names the template it failed on) or the
 * table ends (0, @pos past the end). Process context, under fn->lock:
 * the table cannot be retired under us, and it yields the CPU between
 * buckets, outside RCU.
 *
 * A dump spans many calls while templates come and go, so @pos holds no
 * pointer: it is a bucket and an index in its chain, as the connection
 * dump's, and the seed of the table they belong to. rhashtable_walk_*()
 * would have to skip every template already sent on each call (quadratic
 * in a million), or stay entered between calls on a table we do not pin.
 * A resize makes a new table with a new seed: the walk starts over
 * there and sets @pos->resized, as it does when it walks a table being
 * rehashed (a template moved ahead of the walk is missed); the caller
 * marks the dump interrupted.
 */
int __fnat_persist_dump(struct fnat_service *svc, struct fnat_tmpl_pos *pos,
			int (*fill)(void *arg, const struct fnat_tmpl_info *ti),
			void *arg)
{
	struct fnat_persist *ps = rcu_dereference_protected(svc->persist,
				lockdep_is_held(&svc->fn->lock));
	const struct bucket_table *tbl;
	struct fnat_tmpl_info ti;
	struct rhash_head *hn;
	unsigned int walked = 0;
	struct fnat_tmpl *t;
	u32 idx;
	long left;
	int ret;

	if (!ps)
		return 0;
	for (;; pos->bucket++, pos->skip = 0) {
		if (++walked % DUMP_RESCHED == 0)
			cond_resched();
		rcu_read_lock();
		tbl = rht_dereference_rcu(ps->ht.tbl, &ps->ht);
		if (pos->seed != tbl->hash_rnd) {
			if (pos->bucket || pos->skip)
				pos->resized = true;
			pos->seed = tbl->hash_rnd;
			pos->bucket = 0;
			pos->skip = 0;
		}
		if (rcu_access_pointer(tbl->future_tbl))
			pos->resized = true;
		if (pos->bucket >= tbl->size) {
			rcu_read_unlock();
			return 0;
		}
		idx = 0;
		rht_for_each_entry_rcu(t, hn, tbl, pos->bucket, node) {
			if (idx++ < pos->skip)
				continue;
			left = (long)READ_ONCE(t->expires) - (long)jiffies;
			if (left <= 0)		/* for the collector */
				continue;
			ti.caddr = &t->caddr;
			ti.dest = t->dest;
			ti.conns = atomic_read(&t->conns);
			ti.expires = DIV_ROUND_UP(left, HZ);
			ret = fill(arg, &ti);
			if (ret) {
				rcu_read_unlock();
				pos->skip = idx - 1;
				return ret;
			}
		}
		rcu_read_unlock();
	}
}

/*
 * Wait until every retired table is freed: a namespace's before its
 * counters go (netns.c), all before the module goes.
 */
void fnat_persist_flush(void)
{
	if (!atomic_read(&persist_retiring))
		return;
	/* queue_rcu_work() queues from an RCU callback. */
	rcu_barrier();
	flush_workqueue(persist_wq);
}

int fnat_persist_init(void)
{
	tmpl_cache = KMEM_CACHE(fnat_tmpl, SLAB_ACCOUNT);
	if (!tmpl_cache)
		return -ENOMEM;
	persist_wq = alloc_workqueue("fullnat_persist", WQ_UNBOUND, 0);
	if (!persist_wq) {
		kmem_cache_destroy(tmpl_cache);
		return -ENOMEM;
	}
	return 0;
}

void fnat_persist_uninit(void)
{
	fnat_persist_flush();
	destroy_workqueue(persist_wq);
	/* Templates unlinked by the data path are freed by call_rcu(). */
	rcu_barrier();
	kmem_cache_destroy(tmpl_cache);
}
