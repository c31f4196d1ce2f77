/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Version shims: the rest of the module reads like code for the newest
 * kernel. Feature tests by symbol where possible.
 *
 * Not a shim, but the reason no shim is needed for syn_recv_sock: its
 * prototype grew a seventh argument (opt_child_init) in recent 6.1 stable
 * releases, and tcp_v6_syn_recv_sock is static, so no prototype can be
 * relied on. The probes read only argument 1 (the skb), argument 5 (bool
 * *own_req, there since 4.4), each in the same register in every version,
 * and the return value (the child), never a prototype.
 */
#ifndef _TOA_COMPAT_H
#define _TOA_COMPAT_H

#include <linux/slab.h>
#include <linux/sysctl.h>
#include <linux/version.h>
#include <net/net_namespace.h>

#ifndef CONFIG_HAVE_REGS_AND_STACK_ACCESS_API
#error "toa needs regs_get_kernel_argument() (CONFIG_HAVE_REGS_AND_STACK_ACCESS_API)"
#endif

/*
 * The table's cache must not be merged with another cache of the same size:
 * an operator (and the unload test) reads its object count in
 * /proc/slabinfo to see that every entry was freed. SLAB_NO_MERGE says so
 * from 6.5 on. Before it, a cache with a usercopy region is never merged;
 * the region declared is the client address, which is indeed what the
 * module hands to userspace (through getname's buffer).
 */
#ifdef SLAB_NO_MERGE
#define toa_kmem_cache_create(name, type, field)			\
	kmem_cache_create(name, sizeof(type), 0, SLAB_NO_MERGE, NULL)
#else
#define toa_kmem_cache_create(name, type, field)			\
	kmem_cache_create_usercopy(name, sizeof(type), 0, 0,		\
				   offsetof(type, field),		\
				   sizeof_field(type, field), NULL)
#endif

/* proc handlers take a const table from 6.11 on */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
#define toa_ctl_table const struct ctl_table
#else
#define toa_ctl_table struct ctl_table
#endif

/*
 * From 6.6 on register_net_sysctl() is a macro taking ARRAY_SIZE() of its
 * argument, which must then be an array; a table copied per namespace is a
 * pointer, whose size register_net_sysctl_sz() takes instead. @n counts the
 * entries without 6.1's empty end marker: from 6.11 on every entry counted
 * is checked, and an empty one fails registration ("procname is null").
 */
#ifdef register_net_sysctl
#define toa_register_net_sysctl(net, path, table, n)			\
	register_net_sysctl_sz(net, path, table, n)
#else
#define toa_register_net_sysctl(net, path, table, n)			\
	register_net_sysctl(net, path, table)
#endif

#endif /* _TOA_COMPAT_H */
