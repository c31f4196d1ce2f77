// SPDX-License-Identifier: GPL-2.0
/*
 * Per network namespace counters, read in /proc/net/toa_stats: a real
 * server in one namespace does not see another's connections. The probes
 * find the namespace of a socket with sock_net(). The probes themselves are
 * global, so their miss counts (a kretprobe with all its instances busy
 * skips its handler) are the same in every namespace.
 */
#include <linux/atomic.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <net/netns/generic.h>

#include "toa.h"

struct toa_net {
	atomic64_t stats[__TOA_STAT_MAX];
};

static unsigned int toa_net_id __read_mostly;

static const char *const stat_names[__TOA_STAT_MAX] = {
	[TOA_STAT_CONNS]	= "conns_with_toa",
	[TOA_STAT_UNTRUSTED]	= "ignored_untrusted",
	[TOA_STAT_MALFORMED]	= "ignored_malformed",
	[TOA_STAT_UNMAPPABLE]	= "ignored_unmappable",
	[TOA_STAT_TABLE_FULL]	= "table_full",
	[TOA_STAT_NO_MEMORY]	= "no_memory",
};

void toa_stat_inc(const struct net *net, enum toa_stat stat)
{
	struct toa_net *tn = net_generic(net, toa_net_id);

	atomic64_inc(&tn->stats[stat]);
}

static int stats_show(struct seq_file *seq, void *v)
{
	struct toa_net *tn = net_generic(seq_file_single_net(seq), toa_net_id);
	unsigned int i;

	for (i = 0; i < __TOA_STAT_MAX; i++)
		seq_printf(seq, "%s %lld\n", stat_names[i], atomic64_read(&tn->stats[i]));
	toa_hooks_show_missed(seq);
	return 0;
}

static int __net_init toa_net_init(struct net *net)
{
	if (!proc_create_net_single("toa_stats", 0444, net->proc_net, stats_show, NULL))
		return -ENOMEM;
	return 0;
}

static void __net_exit toa_net_exit(struct net *net)
{
	remove_proc_entry("toa_stats", net->proc_net);
}

static struct pernet_operations toa_net_ops = {
	.init = toa_net_init,
	.exit = toa_net_exit,
	.id = &toa_net_id,
	.size = sizeof(struct toa_net),
};

int toa_netns_init(void)
{
	return register_pernet_subsys(&toa_net_ops);
}

void toa_netns_uninit(void)
{
	unregister_pernet_subsys(&toa_net_ops);
}
