/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _FULLNAT_H
#define _FULLNAT_H

#include <linux/atomic.h>
#include <linux/mutex.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#define FNAT_DEFAULT_CONN_MAX	(1U << 20)

/*
 * One director per network namespace. Configuration changes are serialised
 * by @lock (taken by the netlink handlers); the data path reads only
 * RCU-published state and atomic counters.
 */
struct fnat_net {
	struct net *net;
	struct mutex lock;
	u32 conn_max;
	atomic_t nr_services;
	atomic_t nr_real_servers;
	atomic_t nr_conns;
};

extern unsigned int fnat_net_id;

static inline struct fnat_net *fnat_net(const struct net *net)
{
	return net_generic(net, fnat_net_id);
}

int fnat_netns_init(void);
void fnat_netns_uninit(void);

int fnat_genl_init(void);
void fnat_genl_uninit(void);

#endif /* _FULLNAT_H */
