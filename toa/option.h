/* SPDX-License-Identifier: GPL-2.0 */
/* option.c: the TOA option parser, with no socket buffer in sight. */
#ifndef _TOA_OPTION_H
#define _TOA_OPTION_H

#include <linux/in6.h>
#include <linux/types.h>

/*
 * An address and port as the module keeps them: IPv4 as an IPv4-mapped
 * IPv6 address (::ffff:a.b.c.d), so that one comparison serves both
 * families and a dual-stack socket gets exactly what it would have got
 * without a load balancer.
 */
struct toa_addr {
	struct in6_addr addr;
	__be16 port;
};

/* What the option area of a handshake-completing packet holds. */
enum toa_result {
	TOA_NONE,	/* no TOA option at all */
	TOA_FOUND,	/* exactly one well-formed TOA option */
	TOA_MALFORMED,	/* a TOA kind with a bad length, twice, or in a broken list */
};

enum toa_result toa_parse_options(const u8 *opt, unsigned int len,
				  struct toa_addr *client);

#endif /* _TOA_OPTION_H */
