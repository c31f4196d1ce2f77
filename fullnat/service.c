// SPDX-License-Identifier: GPL-2.0
/*
 * Virtual services and their real servers.
 *
 * Lifetime: a service is referenced by its namespace's table and by each
 * of its real servers; a real server by its service's list and by each
 * connection scheduled to it. Deleting either unpublishes it at once (no
 * new connections) and the memory goes after the last connection using it
 * has gone and an RCU grace period has passed, so the data path can use
 * what it found under rcu_read_lock() without taking references, and a
 * connection can always reach its real server's counters.
 *
 * Every change is made under fn->lock. The scheduler never walks the
 * live list: it gets a snapshot (struct fnat_dest_set) rebuilt here after
 * each change, with the scheduler's own state, published in one pointer.
 */
#include <linux/jhash.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "fullnat.h"

static u32 svc_hash(u8 proto, const union nf_inet_addr *addr, __be16 port)
{
	u32 a = addr->all[0] ^ addr->all[1] ^ addr->all[2] ^ addr->all[3];

	return jhash_3words((__force u32)a, (__force u32)port, proto, 0) &
	       ((1 << FNAT_SVC_TAB_BITS) - 1);
}

/* RCU read side. */
struct fnat_service *fnat_service_find(struct fnat_net *fn, u8 proto,
				       const union nf_inet_addr *addr,
				       __be16 port)
{
	struct fnat_service *svc;

	hlist_for_each_entry_rcu(svc, &fn->svc_table[svc_hash(proto, addr, port)],
				 hnode) {
		if (svc->proto == proto && svc->port == port &&
		    nf_inet_addr_cmp(&svc->addr, addr))
			return svc;
	}
	return NULL;
}

struct fnat_service *__fnat_service_lookup(struct fnat_net *fn, u8 proto,
					   const union nf_inet_addr *addr,
					   __be16 port)
{
	struct fnat_service *svc;

	lockdep_assert_held(&fn->lock);
	list_for_each_entry(svc, &fn->svc_list, list) {
		if (svc->proto == proto && svc->port == port &&
		    nf_inet_addr_cmp(&svc->addr, addr))
			return svc;
	}
	return NULL;
}

void fnat_stats_add(struct fnat_stats __percpu *stats, enum fnat_dir dir,
		    unsigned int bytes)
{
	struct fnat_stats *s = this_cpu_ptr(stats);

	u64_stats_update_begin(&s->syncp);
	if (dir == FNAT_DIR_IN) {
		u64_stats_inc(&s->inpkts);
		u64_stats_add(&s->inbytes, bytes);
	} else {
		u64_stats_inc(&s->outpkts);
		u64_stats_add(&s->outbytes, bytes);
	}
	u64_stats_update_end(&s->syncp);
}

void fnat_stats_conn(struct fnat_stats __percpu *stats)
{
	struct fnat_stats *s = this_cpu_ptr(stats);

	u64_stats_update_begin(&s->syncp);
	u64_stats_inc(&s->conns);
	u64_stats_update_end(&s->syncp);
}

void fnat_stats_sum(struct fnat_stats __percpu *stats,
		    struct fnat_stats_sum *sum)
{
	int cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct fnat_stats *s = per_cpu_ptr(stats, cpu);
		u64 c, ip, op, ib, ob;
		unsigned int start;

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			c = u64_stats_read(&s->conns);
			ip = u64_stats_read(&s->inpkts);
			op = u64_stats_read(&s->outpkts);
			ib = u64_stats_read(&s->inbytes);
			ob = u64_stats_read(&s->outbytes);
		} while (u64_stats_fetch_retry(&s->syncp, start));
		sum->conns += c;
		sum->inpkts += ip;
		sum->outpkts += op;
		sum->inbytes += ib;
		sum->outbytes += ob;
	}
}

static struct fnat_stats __percpu *stats_alloc(void)
{
	struct fnat_stats __percpu *stats;
	int cpu;

	stats = alloc_percpu(struct fnat_stats);
	if (!stats)
		return NULL;
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(stats, cpu)->syncp);
	return stats;
}

/* --- scheduler state ---------------------------------------------------- */

static void sched_state_free_rcu(struct rcu_head *head)
{
	struct fnat_sched_state *st = container_of(head, struct fnat_sched_state,
						   rcu);

	st->ops->done(st->data);
	kvfree(st->set);	/* vfree defers itself from here */
	kfree(st);
}

static void sched_state_free(struct fnat_sched_state *st)
{
	if (st)
		call_rcu(&st->rcu, sched_state_free_rcu);
}

struct snapshot_edit {
	struct fnat_dest *add;		/* a server not yet listed */
	struct fnat_dest *skip;		/* a server about to go */
	struct fnat_dest *reweigh;	/* a server getting @weight */
	u32 weight;
};

/*
 * Build a snapshot of @svc's real servers as @edit (may be NULL) will leave
 * them, for @ops with @conf. Nothing is published, so a failure changes
 * nothing.
 */
static struct fnat_sched_state *sched_state_build(struct fnat_service *svc,
						  const struct fnat_sched_ops *ops,
						  const struct fnat_sched_conf *conf,
						  const struct snapshot_edit *edit,
						  struct netlink_ext_ack *extack)
{
	static const struct snapshot_edit none;
	struct fnat_sched_state *st;
	struct fnat_dest *d;
	int n = 0, ret = -ENOMEM;

	st = kzalloc(sizeof(*st), GFP_KERNEL_ACCOUNT);
	if (!st)
		return ERR_PTR(-ENOMEM);
	if (!edit)
		edit = &none;
	st->set = kvzalloc(struct_size(st->set, e, svc->nr_dests + 1),
			   GFP_KERNEL_ACCOUNT);
	if (!st->set)
		goto out_free;
	list_for_each_entry(d, &svc->dests, list) {
		if (d == edit->skip)
			continue;
		st->set->e[n].dest = d;
		st->set->e[n++].weight = d == edit->reweigh ? edit->weight :
							      d->weight;
	}
	if (edit->add) {
		st->set->e[n].dest = edit->add;
		st->set->e[n++].weight = edit->add->weight;
	}
	st->set->n = n;
	st->ops = ops;
	if (ops->check) {
		ret = ops->check(st->set, conf, extack);
		if (ret)
			goto out_free;
		ret = -ENOMEM;
	}
	st->data = ops->init(st->set, conf);
	if (!st->data)
		goto out_free;
	return st;

out_free:
	kvfree(st->set);
	kfree(st);
	return ERR_PTR(ret);
}

static const struct fnat_sched_ops *sched_ops(struct fnat_service *svc)
{
	return rcu_dereference_protected(svc->sched,
					 lockdep_is_held(&svc->fn->lock))->ops;
}

/* Publish @st as @svc's scheduler state and retire the old one. */
static void sched_state_publish(struct fnat_service *svc,
				struct fnat_sched_state *st)
{
	struct fnat_sched_state *old;

	old = rcu_replace_pointer(svc->sched, st,
				  lockdep_is_held(&svc->fn->lock));
	sched_state_free(old);
}

/* RCU read side. */
struct fnat_dest *fnat_schedule(struct fnat_service *svc,
				const struct fnat_pkt *p)
{
	struct fnat_sched_state *st = rcu_dereference(svc->sched);

	return st->ops->schedule(st->set, st->data, p);
}

/* --- services ------------------------------------------------------------ */

static void service_free_rcu(struct rcu_head *head)
{
	struct fnat_service *svc = container_of(head, struct fnat_service, rcu);
	struct fnat_sched_state *st = rcu_dereference_raw(svc->sched);

	if (st) {
		st->ops->done(st->data);
		kfree(st->set);
		kfree(st);
	}
	free_percpu(svc->stats);
	kfree(svc);
}

static void service_put(struct fnat_service *svc)
{
	if (refcount_dec_and_test(&svc->refcnt))
		call_rcu(&svc->rcu, service_free_rcu);
}

int __fnat_service_add(struct fnat_net *fn, const struct fnat_service *tmpl,
		       const char *sched, const struct fnat_sched_conf *conf,
		       struct netlink_ext_ack *extack)
{
	const struct fnat_method *method = fnat_method_find(tmpl->fwd);
	const struct fnat_sched_ops *ops;
	struct fnat_persist *ps = NULL;
	struct fnat_sched_state *st;
	struct fnat_service *svc;
	int ret;

	lockdep_assert_held(&fn->lock);
	/* nl_service.c refuses them, saying why; the data path needs both. */
	if (!method || !fnat_proto_find(tmpl->proto)) {
		NL_SET_ERR_MSG(extack, "forwarding method or protocol not supported");
		return -EOPNOTSUPP;
	}
	if (__fnat_service_lookup(fn, tmpl->proto, &tmpl->addr, tmpl->port)) {
		NL_SET_ERR_MSG(extack, "the virtual service already exists");
		return -EEXIST;
	}
	ops = fnat_sched_find(sched);
	if (!ops) {
		NL_SET_ERR_MSG(extack, FNAT_SCHED_UNKNOWN);
		return -ENOENT;
	}

	svc = kzalloc(sizeof(*svc), GFP_KERNEL);
	if (!svc)
		return -ENOMEM;
	svc->stats = stats_alloc();
	if (!svc->stats) {
		kfree(svc);
		return -ENOMEM;
	}
	svc->fn = fn;
	svc->af = tmpl->af;
	svc->proto = tmpl->proto;
	svc->fwd = tmpl->fwd;
	svc->method = method;
	svc->toa = tmpl->toa;
	svc->addr = tmpl->addr;
	svc->port = tmpl->port;
	INIT_LIST_HEAD(&svc->dests);
	refcount_set(&svc->refcnt, 1);
	svc->sched_conf = *conf;
	get_random_bytes(&svc->sched_conf.key, sizeof(svc->sched_conf.key));
	svc->persist_timeout = tmpl->persist_timeout;
	svc->persist_prefix = tmpl->persist_prefix;

	st = sched_state_build(svc, ops, &svc->sched_conf, NULL, extack);
	if (IS_ERR(st)) {
		ret = PTR_ERR(st);
		goto out_free;
	}
	RCU_INIT_POINTER(svc->sched, st);
	if (svc->persist_timeout) {
		ps = fnat_persist_alloc(fn, svc->af, svc->persist_timeout,
					svc->persist_prefix);
		if (IS_ERR(ps)) {
			ret = PTR_ERR(ps);
			ps = NULL;
			goto out_free;
		}
	}

	ret = fnat_hooks_get(fn);
	if (ret) {
		NL_SET_ERR_MSG(extack, "cannot register the netfilter hooks");
		goto out_free;
	}
	ret = __fnat_addr_get(fn, svc->af, &svc->addr);
	if (ret)
		goto out_free;

	__fnat_persist_publish(svc, ps);
	list_add_tail(&svc->list, &fn->svc_list);
	hlist_add_head_rcu(&svc->hnode,
			   &fn->svc_table[svc_hash(svc->proto, &svc->addr,
						   svc->port)]);
	WRITE_ONCE(fn->nr_services, fn->nr_services + 1);
	fn->gen++;
	return 0;

out_free:
	fnat_persist_free(ps);
	service_free_rcu(&svc->rcu);
	return ret;
}

/*
 * @sched, @conf: NULL if not changed; @toa, @ptimeout (seconds), @pprefix
 * (persistence's netmask): -1 if not changed.
 */
int __fnat_service_edit(struct fnat_net *fn, struct fnat_service *svc,
			const char *sched, const struct fnat_sched_conf *conf,
			int toa, s64 ptimeout, int pprefix,
			struct netlink_ext_ack *extack)
{
	const struct fnat_sched_ops *ops = sched_ops(svc);
	struct fnat_sched_conf c = svc->sched_conf;
	struct fnat_sched_state *st = NULL;
	u32 timeout = ptimeout >= 0 ? ptimeout : svc->persist_timeout;
	u8 prefix = pprefix >= 0 ? pprefix : svc->persist_prefix;
	struct fnat_persist *ps = NULL;
	bool new_table;

	lockdep_assert_held(&fn->lock);
	if (sched) {
		ops = fnat_sched_find(sched);
		if (!ops) {
			NL_SET_ERR_MSG(extack, FNAT_SCHED_UNKNOWN);
			return -ENOENT;
		}
	}
	if (conf) {
		/* The key stays: a new one would move every sh/dh flow. */
		c.table = conf->table;
		c.port = conf->port;
	}
	/*
	 * Persistence turned on, or its netmask changed (the templates' key):
	 * a new table. A new timeout alone applies to the templates held.
	 */
	new_table = timeout && (!svc->persist_timeout ||
				prefix != svc->persist_prefix);
	if (new_table) {
		ps = fnat_persist_alloc(fn, svc->af, timeout, prefix);
		if (IS_ERR(ps))
			return PTR_ERR(ps);
	}
	if (ops != sched_ops(svc) || c.table != svc->sched_conf.table ||
	    c.port != svc->sched_conf.port) {
		st = sched_state_build(svc, ops, &c, NULL, extack);
		if (IS_ERR(st)) {
			fnat_persist_free(ps);
			return PTR_ERR(st);
		}
	}
	/* Validated whole: publish. */
	if (st) {
		svc->sched_conf = c;
		sched_state_publish(svc, st);
	}
	if (new_table || !timeout)
		__fnat_persist_publish(svc, ps);
	else
		__fnat_persist_set_timeout(svc, timeout);
	svc->persist_timeout = timeout;
	svc->persist_prefix = prefix;
	if (toa >= 0)
		WRITE_ONCE(svc->toa, toa);
	fn->gen++;
	return 0;
}

static void dest_unlink(struct fnat_net *fn, struct fnat_service *svc,
			struct fnat_dest *dest)
{
	list_del_rcu(&dest->list);
	svc->nr_dests--;
	WRITE_ONCE(fn->nr_dests, fn->nr_dests - 1);
	WRITE_ONCE(dest->removed, true);
	if (dest->fwd == FULLNAT_FWD_NAT)
		__fnat_nat_server_put(fn, dest);
}

void __fnat_service_del(struct fnat_net *fn, struct fnat_service *svc)
{
	struct fnat_dest *dest, *tmp;
	LIST_HEAD(gone);

	lockdep_assert_held(&fn->lock);
	hlist_del_rcu(&svc->hnode);
	list_del(&svc->list);
	__fnat_addr_put(fn, svc->af, &svc->addr);
	WRITE_ONCE(fn->nr_services, fn->nr_services - 1);
	fn->gen++;
	/* Its templates hold references to the servers: they go first. */
	__fnat_persist_publish(svc, NULL);

	list_for_each_entry_safe(dest, tmp, &svc->dests, list) {
		dest_unlink(fn, svc, dest);
		if (READ_ONCE(fn->cfg.expire_nodest))
			fnat_conn_expire_dest(fn->net, dest);
		fnat_dest_put(dest);
	}
	service_put(svc);
}

void __fnat_service_flush(struct fnat_net *fn)
{
	struct fnat_service *svc, *tmp;

	lockdep_assert_held(&fn->lock);
	list_for_each_entry_safe(svc, tmp, &fn->svc_list, list)
		__fnat_service_del(fn, svc);
}

/* --- real servers ----------------------------------------------------------- */

static void dest_free_rcu(struct rcu_head *head)
{
	struct fnat_dest *dest = container_of(head, struct fnat_dest, rcu);

	/* After a grace period: nobody reads its route any more. */
	fnat_rt_cache_free(&dest->rt, dest->af);
	fnat_dest_route_free(dest);
	free_percpu(dest->stats);
	service_put(dest->svc);
	kfree(dest);
}

void fnat_dest_put(struct fnat_dest *dest)
{
	if (refcount_dec_and_test(&dest->refcnt))
		call_rcu(&dest->rcu, dest_free_rcu);
}

/*
 * Of the family too: a FullNAT64 service (IPv6) may hold both, and an
 * IPv6 address of three zero words has an IPv4 one's bytes.
 */
struct fnat_dest *__fnat_dest_lookup(struct fnat_service *svc, u16 af,
				     const union nf_inet_addr *addr,
				     __be16 port)
{
	struct fnat_dest *dest;

	lockdep_assert_held(&svc->fn->lock);
	list_for_each_entry(dest, &svc->dests, list) {
		if (dest->port == port && dest->af == af &&
		    nf_inet_addr_cmp(&dest->addr, addr))
			return dest;
	}
	return NULL;
}

/* Is there a real server of @af in a service of the other family? */
bool __fnat_dest_xlat_to(struct fnat_net *fn, u16 af)
{
	struct fnat_service *svc;
	struct fnat_dest *dest;

	lockdep_assert_held(&fn->lock);
	list_for_each_entry(svc, &fn->svc_list, list) {
		if (svc->af == af)
			continue;
		list_for_each_entry(dest, &svc->dests, list)
			if (dest->af == af)
				return true;
	}
	return false;
}

int __fnat_dest_add(struct fnat_net *fn, struct fnat_service *svc,
		    u16 af, const union nf_inet_addr *addr, __be16 port,
		    u32 weight, u8 fwd, struct netlink_ext_ack *extack)
{
	struct fnat_sched_state *st;
	struct fnat_dest *dest;

	lockdep_assert_held(&fn->lock);
	if (__fnat_dest_lookup(svc, af, addr, port)) {
		NL_SET_ERR_MSG(extack, "the real server already exists in this service");
		return -EEXIST;
	}
	/*
	 * Schedulers pick among a service's servers per new connection and
	 * each change rebuilds their state: bound both.
	 */
	if (svc->nr_dests >= FULLNAT_SVC_DESTS_MAX) {
		NL_SET_ERR_MSG(extack, "the service has the most real servers a service may have (FULLNAT_SVC_DESTS_MAX)");
		return -ENOSPC;
	}
	dest = kzalloc(sizeof(*dest), GFP_KERNEL);
	if (!dest)
		return -ENOMEM;
	dest->stats = stats_alloc();
	if (!dest->stats) {
		kfree(dest);
		return -ENOMEM;
	}
	dest->svc = svc;
	dest->af = af;		/* FullNAT64's differs (nl_service.c) */
	dest->addr = *addr;
	dest->port = port;
	dest->weight = weight;
	dest->fwd = fwd;
	atomic_set(&dest->active, 0);
	atomic_set(&dest->inactive, 0);
	refcount_set(&dest->refcnt, 1);

	struct snapshot_edit edit = { .add = dest };

	st = sched_state_build(svc, sched_ops(svc), &svc->sched_conf,
			       &edit, extack);
	if (IS_ERR(st)) {
		free_percpu(dest->stats);
		kfree(dest);
		return PTR_ERR(st);
	}
	if (fwd == FULLNAT_FWD_NAT && __fnat_nat_server_get(fn, dest)) {
		sched_state_free(st);
		free_percpu(dest->stats);
		kfree(dest);
		return -ENOMEM;
	}
	/* Validated whole: publish the server, then the snapshot with it. */
	refcount_inc(&svc->refcnt);
	list_add_tail_rcu(&dest->list, &svc->dests);
	svc->nr_dests++;
	sched_state_publish(svc, st);
	WRITE_ONCE(fn->nr_dests, fn->nr_dests + 1);
	fn->gen++;
	return 0;
}

int __fnat_dest_edit(struct fnat_net *fn, struct fnat_service *svc,
		     struct fnat_dest *dest, u32 weight,
		     struct netlink_ext_ack *extack)
{
	struct snapshot_edit edit = { .reweigh = dest, .weight = weight };
	struct fnat_sched_state *st;

	lockdep_assert_held(&fn->lock);
	if (dest->weight == weight)
		return 0;
	/*
	 * Schedulers derive state from weights (wrr's cycle), so a new
	 * weight comes with a new snapshot. Existing connections are not
	 * touched: a weight only steers new ones.
	 */
	st = sched_state_build(svc, sched_ops(svc), &svc->sched_conf,
			       &edit, extack);
	if (IS_ERR(st))
		return PTR_ERR(st);
	WRITE_ONCE(dest->weight, weight);
	sched_state_publish(svc, st);
	/* As IPVS's expire_quiescent_template: its clients move on. */
	if (!weight && READ_ONCE(fn->cfg.expire_quiescent))
		__fnat_persist_drop_dest(svc, dest);
	fn->gen++;
	return 0;
}

int __fnat_dest_del(struct fnat_net *fn, struct fnat_service *svc,
		    struct fnat_dest *dest)
{
	struct snapshot_edit edit = { .skip = dest };
	struct fnat_sched_state *st;

	lockdep_assert_held(&fn->lock);
	st = sched_state_build(svc, sched_ops(svc), &svc->sched_conf,
			       &edit, NULL);
	if (IS_ERR(st))
		return PTR_ERR(st);
	dest_unlink(fn, svc, dest);
	sched_state_publish(svc, st);
	__fnat_persist_drop_dest(svc, dest);
	if (READ_ONCE(fn->cfg.expire_nodest))
		fnat_conn_expire_dest(fn->net, dest);
	fnat_dest_put(dest);
	fn->gen++;
	return 0;
}
