// SPDX-License-Identifier: GPL-2.0
/*
 * fullnat.ko: a FullNAT layer-4 load balancer ("director") for stock
 * kernels. Init is a ladder and exit its mirror: per-namespace state
 * first, generic netlink last, so that no request can reach a half-built
 * module.
 */
#include <linux/module.h>

#include "fullnat.h"

static int __init fnat_init(void)
{
	int ret;

	ret = fnat_netns_init();
	if (ret)
		return ret;

	ret = fnat_genl_init();
	if (ret)
		goto out_uninit_netns;

	pr_info("fullnat " FULLNAT_VERSION " loaded\n");
	return 0;

out_uninit_netns:
	fnat_netns_uninit();
	return ret;
}

static void __exit fnat_exit(void)
{
	fnat_genl_uninit();
	fnat_netns_uninit();
}

module_init(fnat_init);
module_exit(fnat_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("FullNAT layer-4 load balancer with TOA");
MODULE_VERSION(FULLNAT_VERSION);
