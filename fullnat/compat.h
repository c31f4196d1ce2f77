/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel version and flavour differences, in one place: the rest of the
 * module reads like code for the newest kernel we support. Each shim is
 * feature-tested (a macro, a header, or a probe of the headers in Kbuild:
 * FNAT_HAVE_*), never by version number alone, since Debian's stable
 * kernels take backports.
 */
#ifndef _FNAT_COMPAT_H
#define _FNAT_COMPAT_H

#include <linux/ip.h>
#include <net/genetlink.h>
#include <net/route.h>

/* skb_gso_validate_network_len() moved to its own header in 6.5. */
#if __has_include(<net/gso.h>)
#include <net/gso.h>
#endif

/*
 * The TOS bits an IPv4 route lookup looks at. 6.1 names them
 * IPTOS_RT_MASK; later kernels dropped the name (the lookup moved to DSCP)
 * but still match RT_TOS() of the key against the rule's DSCP, the same
 * three bits.
 */
#ifdef IPTOS_RT_MASK
#define FNAT_TOS_ROUTE_MASK	IPTOS_RT_MASK
#else
#define FNAT_TOS_ROUTE_MASK	(IPTOS_TOS_MASK & ~3)
#endif

/*
 * A dump's parsed request attributes: genl_dumpit_info carries them itself
 * up to 6.5, inside a struct genl_info (genl_info_dump()) from 6.6 on.
 */
#ifdef FNAT_HAVE_GENL_INFO_DUMP
#define fnat_dump_attrs(cb)	(genl_info_dump(cb)->attrs)
#else
#define fnat_dump_attrs(cb)	(genl_dumpit_info(cb)->attrs)
#endif

#endif /* _FNAT_COMPAT_H */
