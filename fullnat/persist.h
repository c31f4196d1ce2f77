/* SPDX-License-Identifier: GPL-2.0 */
/* The dump of persistence templates: persist.c walks, nl_persist.c fills. */
#ifndef _FULLNAT_PERSIST_H
#define _FULLNAT_PERSIST_H

#include "fullnat.h"

/* Where a dump of a service's templates goes on (see persist.c). */
struct fnat_tmpl_pos {
	u32 seed, bucket, skip;
	bool resized;
};

/* A template as a dump shows it; valid during the fill only (RCU). */
struct fnat_tmpl_info {
	const union nf_inet_addr *caddr;	/* masked */
	const struct fnat_dest *dest;
	u32 conns;
	u32 expires;				/* seconds left */
};

int __fnat_persist_dump(struct fnat_service *svc, struct fnat_tmpl_pos *pos,
			int (*fill)(void *arg, const struct fnat_tmpl_info *ti),
			void *arg);

#endif /* _FULLNAT_PERSIST_H */
