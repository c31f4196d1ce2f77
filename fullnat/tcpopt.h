/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A client's TCP option list, cleaned of TOA-kind options, and our TOA
 * written into it (tcpopt.c). Pure functions on the option bytes: no
 * socket buffer, so tests/unit compiles tcpopt.c as it is.
 */
#ifndef _FULLNAT_TCPOPT_H
#define _FULLNAT_TCPOPT_H

#include <linux/types.h>
#include <uapi/linux/toa.h>

#define FNAT_TCPOPT_NO_ROOM	0xff

struct fnat_tcpopt {
	u8 len;		/* of our option: TOA_LEN_V4 or TOA_LEN_V6 */
	u8 end;		/* offset of the list's EOL, or its length */
	u8 room;	/* offset of @len bytes free to overwrite, or NO_ROOM */
	bool stripped;	/* TOA-kind options were overwritten */
	__wsum diff;	/* what the changes add to the TCP checksum */
};

int fnat_tcpopt_clean_len(u8 *opt, unsigned int optlen, unsigned int len,
			  struct fnat_tcpopt *o);

/* Room for an IPv4 client's option. */
static inline int fnat_tcpopt_clean(u8 *opt, unsigned int optlen,
				    struct fnat_tcpopt *o)
{
	return fnat_tcpopt_clean_len(opt, optlen, TOA_LEN_V4, o);
}
__wsum fnat_tcpopt_write(u8 *opt, unsigned int optlen,
			 const struct fnat_tcpopt *o, const void *toa);
__wsum fnat_tcpopt_insert_diff(const struct fnat_tcpopt *o, const void *toa);
int fnat_tcpopt_find(const u8 *opt, unsigned int optlen, u8 kind, u8 len);

#endif /* _FULLNAT_TCPOPT_H */
