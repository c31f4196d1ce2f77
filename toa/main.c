// SPDX-License-Identifier: GPL-2.0
/*
 * toa.ko: runs on real servers behind a FullNAT director and makes
 * accept()/getpeername() return the client address carried in the TOA
 * TCP option (include/uapi/linux/toa.h), for sockets whose handshake came
 * from a trusted director (trusted.c).
 *
 * Init is a ladder and exit its mirror: the table, then the per-namespace
 * counters, then the probes, so that no probe fires into a half-built
 * module; at exit the probes go first and wait for their running handlers,
 * then nothing can reach the state that is freed after them.
 */
#include <linux/module.h>

#include "toa.h"

static int __init toa_init(void)
{
	int ret;

	ret = toa_table_init();
	if (ret)
		return ret;

	ret = toa_netns_init();
	if (ret)
		goto out_uninit_table;

	ret = toa_hooks_init();
	if (ret)
		goto out_uninit_netns;

	pr_info("version " FULLNAT_VERSION " loaded\n");
	if (!toa_trust_configured(&init_net))
		pr_notice("trusted_sources is empty: every TOA is ignored until the directors' LIP networks are set (module parameter trusted_sources, see /etc/modprobe.d/toa.conf; other network namespaces: sysctl net.toa.trusted_sources, empty in each new one)\n");
	return 0;

out_uninit_netns:
	toa_netns_uninit();
out_uninit_table:
	toa_table_uninit();
	return ret;
}

static void __exit toa_exit(void)
{
	toa_hooks_uninit();
	toa_netns_uninit();
	toa_table_uninit();
}

module_init(toa_init);
module_exit(toa_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Expose the client address of TOA-carrying TCP connections");
MODULE_VERSION(FULLNAT_VERSION);
