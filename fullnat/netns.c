// SPDX-License-Identifier: GPL-2.0
/*
 * Per network namespace director state. Every namespace gets its own
 * services, real servers, local addresses and settings; connections of
 * all namespaces share one table (conn.c) keyed with the namespace.
 */
#include <linux/memcontrol.h>

#include "fullnat.h"

unsigned int fnat_net_id __read_mostly;

/*
 * Default TCP timeouts, in seconds.
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
	for (i = 0; i < ARRAY_SIZE(fn->svc_table); i++)
		INIT_HLIST_HEAD(&fn->svc_table[i]);
	INIT_LIST_HEAD(&fn->svc_list);
	for (i = 0; i < ARRAY_SIZE(fn->addr_table); i++)
		INIT_HLIST_HEAD(&fn->addr_table[i]);
	INIT_LIST_HEAD(&fn->laddrs);
	atomic_set(&fn->laddr_cursor, 0);
	atomic_set(&fn->nr_conns, 0);
	fn->cfg.conn_max = FNAT_DEFAULT_CONN_MAX;
	fn->cfg.port_range = FNAT_DEFAULT_PORT_MIN << 16 | FNAT_DEFAULT_PORT_MAX;
	fn->cfg.expire_nodest = false;
	for (i = 0; i < __FULLNAT_TCP_S_LAST; i++)
		fn->cfg.timeout[i] = default_timeout[i] * HZ;
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
	bool walk = false;
	struct net *net;

	list_for_each_entry(net, net_exit_list, exit_list) {
		struct fnat_net *fn = fnat_net(net);

		if (atomic_read(&fn->nr_conns)) {
			WRITE_ONCE(fn->dying, true);
			walk = true;
		}
	}
	if (walk) {
		fnat_conn_flush_dying();
		synchronize_rcu();
	}
	list_for_each_entry(net, net_exit_list, exit_list) {
		struct fnat_net *fn = fnat_net(net);

		WARN_ON_ONCE(atomic_read(&fn->nr_conns));
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
