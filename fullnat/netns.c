// SPDX-License-Identifier: GPL-2.0
/*
 * Per network namespace director state. Every namespace gets its own
 * services, real servers and connection table; nothing is global.
 */
#include "fullnat.h"

unsigned int fnat_net_id __read_mostly;

static int __net_init fnat_net_init(struct net *net)
{
	struct fnat_net *fn = fnat_net(net);

	fn->net = net;
	mutex_init(&fn->lock);
	fn->conn_max = FNAT_DEFAULT_CONN_MAX;
	atomic_set(&fn->nr_services, 0);
	atomic_set(&fn->nr_real_servers, 0);
	atomic_set(&fn->nr_conns, 0);
	return 0;
}

static void __net_exit fnat_net_exit(struct net *net)
{
	struct fnat_net *fn = fnat_net(net);

	WARN_ON_ONCE(atomic_read(&fn->nr_conns));
}

static struct pernet_operations fnat_net_ops = {
	.init = fnat_net_init,
	.exit = fnat_net_exit,
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
