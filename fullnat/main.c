// SPDX-License-Identifier: GPL-2.0
/*
 * fullnat.ko: a FullNAT layer-4 load balancer ("director") for stock
 * kernels. Init is a ladder and exit its mirror: the connection table and
 * schedulers first, then per-namespace state (which registers netfilter
 * hooks as namespaces get services), generic netlink last, so that no
 * request can reach a half-built module.
 */
#include <linux/module.h>

#include "fullnat.h"

static int __init fnat_init(void)
{
	int ret;

	ret = fnat_conn_init();
	if (ret)
		return ret;
	ret = fnat_sched_init();
	if (ret)
		goto out_uninit_conn;
	ret = fnat_persist_init();
	if (ret)
		goto out_uninit_sched;
	ret = fnat_netns_init();
	if (ret)
		goto out_uninit_persist;
	ret = fnat_genl_init();
	if (ret)
		goto out_uninit_netns;

	pr_info("fullnat " FULLNAT_VERSION " loaded (%u connection buckets)\n",
		fnat_conn_tab_size());
	return 0;

out_uninit_netns:
	fnat_netns_uninit();
out_uninit_persist:
	fnat_persist_uninit();
out_uninit_sched:
	fnat_sched_uninit();
out_uninit_conn:
	fnat_conn_uninit();
	return ret;
}

static void __exit fnat_exit(void)
{
	fnat_genl_uninit();
	fnat_netns_uninit();
	fnat_persist_uninit();
	fnat_sched_uninit();
	fnat_conn_uninit();
}

module_init(fnat_init);
module_exit(fnat_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("FullNAT layer-4 load balancer with TOA");
MODULE_VERSION(FULLNAT_VERSION);
