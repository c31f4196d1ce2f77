// SPDX-License-Identifier: GPL-2.0
/*
 * toa.ko: runs on real servers behind a FullNAT director and makes
 * accept()/getpeername() return the client address carried in the TOA
 * TCP option. This is the module's frame; the hooks are added by the TOA
 * work and are registered here, after the state they use exists.
 */
#include <linux/module.h>

static int __init toa_init(void)
{
	pr_info("toa " FULLNAT_VERSION " loaded\n");
	return 0;
}

static void __exit toa_exit(void)
{
}

module_init(toa_init);
module_exit(toa_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Expose the client address of TOA-carrying TCP connections");
MODULE_VERSION(FULLNAT_VERSION);
