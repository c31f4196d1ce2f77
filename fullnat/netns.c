// SPDX-License-Identifier: GPL-2.0
/*
 * Per network namespace director state. Every namespace gets its own
 * services, real servers, local addresses and settings; connections of
 * all namespaces share one table (conn.c) keyed with the namespace.
 */
#include <linux/memcontrol.h>

#include "fullnat.h"

unsigned int fnat_net_id __read_mostly;

u64 fnat_counter_sum(struct fnat_net *fn, int c)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu_ptr(fn->counters, cpu)[c]);
	return sum;
}

static int __net_init fnat_net_init(struct net *net)
{
	struct fnat_net *fn = fnat_net(net);
	int i;

	fn->counters = __alloc_percpu(sizeof(u64) * __FULLNAT_CNT_LAST,
				      sizeof(u64));
	if (!fn->counters)
		return -ENOMEM;

	fn->net = net;
	mutex_init(&fn->lock);
	fnat_xlat_net_init(fn);
	for (i = 0; i < ARRAY_SIZE(fn->svc_table); i++)
		INIT_HLIST_HEAD(&fn->svc_table[i]);
	INIT_LIST_HEAD(&fn->svc_list);
	for (i = 0; i < ARRAY_SIZE(fn->addr_table); i++)
		INIT_HLIST_HEAD(&fn->addr_table[i]);
	for (i = 0; i < ARRAY_SIZE(fn->nat_servers); i++)
		INIT_HLIST_HEAD(&fn->nat_servers[i]);
	INIT_LIST_HEAD(&fn->laddrs);
	atomic_set(&fn->laddr_cursor, 0);
	atomic_set(&fn->nr_conns, 0);
	atomic_set(&fn->nr_tmpls, 0);
	fn->cfg.conn_max = FNAT_DEFAULT_CONN_MAX;
	fn->cfg.port_range = FNAT_DEFAULT_PORT_MIN << 16 | FNAT_DEFAULT_PORT_MAX;
	fn->cfg.expire_nodest = false;
	for (i = 0; i < fnat_proto_tcp.nr_states; i++)
		fn->cfg.timeout[i] = fnat_proto_tcp.timeout[i] * HZ;
	for (i = 0; i < fnat_proto_udp.nr_states; i++)
		fn->cfg.udp_timeout[i] = fnat_proto_udp.timeout[i] * HZ;
	return 0;
}

/*
 * A namespace goes away (or the module: then every namespace does, in one
 * batch) in three steps, which the core runs for all dying namespaces at
 * once:
 *
 * pre_exit: unregister the hook. A hook call still running may yet
 * create a connection; the core waits an RCU grace period after every
 * pre_exit, which waits for it, so that from exit on nothing adds to the
 * namespace's state.
 *
 * exit: unpublish the services and local addresses. Connections keep
 * references to what they use; nothing here walks the connection table
 * (expire_nodest is ignored: the batch step expires everything).
 *
 * exit_batch: one walk of the global table expires the connections of
 * every dying namespace that has any, instead of one walk (up to 16 MiB)
 * and one grace period per namespace; namespaces without connections,
 * most of them on a container host, cost neither. The grace period after
 * the walk lets an expiry that the garbage collector was finishing at
 * the same time leave the namespace's counters before they are freed.
 */
static void __net_exit fnat_net_pre_exit(struct net *net)
{
	struct fnat_net *fn = fnat_net(net);

	mutex_lock(&fn->lock);
	fnat_hooks_put(fn);
	mutex_unlock(&fn->lock);
}

static void __net_exit fnat_net_exit(struct net *net)
{
	struct fnat_net *fn = fnat_net(net);

	mutex_lock(&fn->lock);
	WRITE_ONCE(fn->cfg.expire_nodest, false);
	__fnat_service_flush(fn);
	__fnat_laddr_flush(fn);
	mutex_unlock(&fn->lock);
}

static void __net_exit fnat_net_exit_batch(struct list_head *net_exit_list)
{
	bool walk = false, routes6 = false;
	struct net *net;

	/* Their services' persistence templates, counted in fn (persist.c). */
	fnat_persist_flush();

	list_for_each_entry(net, net_exit_list, exit_list) {
		struct fnat_net *fn = fnat_net(net);

		if (atomic_read(&fn->nr_conns)) {
			WRITE_ONCE(fn->dying, true);
			walk = true;
		}
		routes6 |= READ_ONCE(fn->routes6);
	}
	if (walk) {
		fnat_conn_flush_dying();
		synchronize_rcu();
	}
	/*
	 * A real server's cached IPv6 route (fnat_dest_route()) lives on its
	 * namespace's dst_ops, which IPv6's own exit, next, tears down, and
	 * the namespace's memory goes after one rcu_barrier(). The servers
	 * are freed by now in RCU callbacks (dest_free_rcu(), or
	 * dest_route_free_rcu() for a route replaced), whose dst_release()
	 * queues the route's own destruction: wait for both rounds. A
	 * connection's reply route goes with the connection, whose count
	 * drops before its callback is queued (fnat_conn_destroy(), under
	 * RCU, maybe from the collector or another namespace's early drop
	 * while this one found none left): a grace period first, so that
	 * every such callback is queued before the barriers.
	 * (IPv4's routes are on a global dst_ops.)
	 */
	if (routes6) {
		synchronize_rcu();
		rcu_barrier();
		rcu_barrier();
	}
	list_for_each_entry(net, net_exit_list, exit_list) {
		struct fnat_net *fn = fnat_net(net);

		WARN_ON_ONCE(atomic_read(&fn->nr_conns));
		WARN_ON_ONCE(atomic_read(&fn->nr_tmpls));
		free_percpu(fn->counters);
		kvfree(fn->early);
		mem_cgroup_put(fn->memcg);
	}
}

static struct pernet_operations fnat_net_ops = {
	.init = fnat_net_init,
	.pre_exit = fnat_net_pre_exit,
	.exit = fnat_net_exit,
	.exit_batch = fnat_net_exit_batch,
	.id = &fnat_net_id,
	.size = sizeof(struct fnat_net),
};

int fnat_netns_init(void)
{
	return register_pernet_subsys(&fnat_net_ops);
}

void fnat_netns_uninit(void)
{
	unregister_pernet_subsys(&fnat_net_ops);
}
