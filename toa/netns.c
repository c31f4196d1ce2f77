// SPDX-License-Identifier: GPL-2.0
/*
 * Per network namespace state: the counters read in /proc/net/toa_stats
 * (a real server in one namespace does not see another's connections), the
 * namespace's trusted sources and their sysctl (trusted.c). The probes find
 * the namespace of a socket with sock_net().
 *
 * The probes themselves are global: a probe that the kernel skipped ran no
 * code of ours, so nothing tells which namespace the missed call was for.
 * Those misses are shown, the same, in every namespace (toa_hooks_show_missed());
 * the misses the module notices later are counted where they are noticed
 * (stale_removed, recorded_by_v6_probe). The sizes of the table and of its
 * reserve (table.c), which count every namespace's connections, are shown
 * in the initial namespace only.
 */
#include <linux/atomic.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <net/netns/generic.h>

#include "toa.h"

static unsigned int toa_net_id __read_mostly;

static const char *const stat_names[__TOA_STAT_MAX] = {
	[TOA_STAT_CONNS]	= "conns_with_toa",
	[TOA_STAT_UNTRUSTED]	= "ignored_untrusted",
	[TOA_STAT_MALFORMED]	= "ignored_malformed",
	[TOA_STAT_UNMAPPABLE]	= "ignored_unmappable",
	[TOA_STAT_TABLE_FULL]	= "table_full",
	[TOA_STAT_NO_MEMORY]	= "no_memory",
	[TOA_STAT_RESERVE_EMPTY]	= "reserve_empty",
	[TOA_STAT_STALE]	= "stale_removed",
	[TOA_STAT_V6_FALLBACK]	= "recorded_by_v6_probe",
};

struct toa_net *toa_net(const struct net *net)
{
	return net_generic(net, toa_net_id);
}

void toa_stat_inc(const struct net *net, enum toa_stat stat)
{
	atomic64_inc(&toa_net(net)->stats[stat]);
}

static int stats_show(struct seq_file *seq, void *v)
{
	struct toa_net *tn = toa_net(seq_file_single_net(seq));
	unsigned int i;

	for (i = 0; i < __TOA_STAT_MAX; i++)
		seq_printf(seq, "%s %lld\n", stat_names[i], atomic64_read(&tn->stats[i]));
	toa_hooks_show_missed(seq);
	/* how many connections all the namespaces have: the host's to see */
	if (net_eq(seq_file_single_net(seq), &init_net))
		toa_table_show(seq);
	return 0;
}

static int __net_init toa_net_init(struct net *net)
{
	int ret;

	ret = toa_trust_net_init(net);
	if (ret)
		return ret;
	if (!proc_create_net_single("toa_stats", 0444, net->proc_net, stats_show, NULL)) {
		toa_trust_net_exit(net);
		return -ENOMEM;
	}
	return 0;
}

static void __net_exit toa_net_exit(struct net *net)
{
	remove_proc_entry("toa_stats", net->proc_net);
	toa_trust_net_exit(net);
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
