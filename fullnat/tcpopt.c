// SPDX-License-Identifier: GPL-2.0
/*
 * A client's TCP options on their way to a real server: TOA-kind options
 * overwritten, and room found for ours. Why: toa.c. This file touches no
 * socket buffer, so tests/unit compiles it unchanged and checks it against
 * toa.ko's own parser (toa/option.c) over generated option lists.
 *
 * Checksums: every change returns or accumulates what it adds to the one's
 * complement sum of the TCP header. The options start at an even offset
 * of the header (20), so an option's offset in the list has the parity of
 * its offset in the header: bytes at odd offsets count byte-swapped
 * (csum_block_add() rotates them).
 */
#include <linux/errno.h>
#include <linux/tcp.h>
#include <net/checksum.h>
#include <net/tcp.h>
#include <uapi/linux/toa.h>

#include "tcpopt.h"

/* "NOP, NOP, timestamp", as Linux, BSD and Windows lay it out. */
static bool only_timestamps(const u8 *opt, unsigned int optlen)
{
	return optlen == TCPOLEN_TSTAMP_ALIGNED && opt[0] == TCPOPT_NOP &&
	       opt[1] == TCPOPT_NOP && opt[2] == TCPOPT_TIMESTAMP &&
	       opt[3] == TCPOLEN_TIMESTAMP;
}

/* What @len bytes at @off, whose sum was @old, now add to the checksum. */
static __wsum changed(const u8 *opt, unsigned int off, unsigned int len,
		      __wsum old)
{
	return csum_block_add(0, csum_sub(csum_partial(opt + off, len, 0), old),
			      off);
}

/*
 * Overwrite every option of kind 253 or 254 in @opt (@optlen bytes, at most
 * 40) with NOPs, up to the list's end (an EOL, or @optlen), and note in @o
 * where the list ends and where our option (@len bytes: 8 for an IPv4
 * client, 20 for IPv6) may be overwritten: a run of NOPs (the overwritten
 * options count), or an EOL followed by at least @len - 1 bytes.
 * Returns 0, or -EINVAL when the list is broken (an option length below 2
 * or past the end); @opt may then have been changed.
 */
int fnat_tcpopt_clean_len(u8 *opt, unsigned int optlen, unsigned int len,
			  struct fnat_tcpopt *o)
{
	unsigned int i = 0, run = 0, nops = 0;

	o->len = len;
	o->end = optlen;
	o->room = FNAT_TCPOPT_NO_ROOM;
	o->stripped = false;
	o->diff = 0;
	if (!optlen || only_timestamps(opt, optlen))
		return 0;

	while (i < optlen) {
		u8 kind = opt[i], len = 1;

		if (kind == TCPOPT_EOL) {
			o->end = i;
			if (o->room == FNAT_TCPOPT_NO_ROOM &&
			    optlen - i >= o->len)
				o->room = i;
			break;
		}
		if (kind != TCPOPT_NOP) {
			if (i + 1 >= optlen)
				return -EINVAL;
			len = opt[i + 1];
			if (len < 2 || len > optlen - i)
				return -EINVAL;
		}
		if (kind == TOA_KIND || kind == TOA_KIND_V6_ALI) {
			__wsum old = csum_partial(opt + i, len, 0);

			memset(opt + i, TCPOPT_NOP, len);
			o->diff = csum_add(o->diff, changed(opt, i, len, old));
			o->stripped = true;
			kind = TCPOPT_NOP;
		}
		if (kind == TCPOPT_NOP) {
			if (!nops)
				run = i;
			nops += len;
			if (nops >= o->len && o->room == FNAT_TCPOPT_NO_ROOM)
				o->room = run;
		} else {
			nops = 0;
		}
		i += len;
	}
	return 0;
}

/*
 * Write @toa (@o->len bytes) over the room fnat_tcpopt_clean() found.
 * Over an EOL, what followed the EOL would become part of the list: end
 * it again right after the option. Returns the checksum's change.
 */
__wsum fnat_tcpopt_write(u8 *opt, unsigned int optlen,
			 const struct fnat_tcpopt *o, const void *toa)
{
	unsigned int len = o->room == o->end ? optlen - o->room : o->len;
	__wsum old = csum_partial(opt + o->room, len, 0);

	memcpy(opt + o->room, toa, o->len);
	memset(opt + o->room + o->len, TCPOPT_EOL, len - o->len);
	return changed(opt, o->room, len, old);
}

/*
 * The checksum's change when @toa is inserted at the list's end (before
 * its EOL), the rest of the header moving by @o->len bytes (8 or 20: an
 * even count, its share does not change). The data offset and length
 * change apart.
 */
__wsum fnat_tcpopt_insert_diff(const struct fnat_tcpopt *o, const void *toa)
{
	return csum_block_add(0, csum_partial(toa, o->len, 0), o->end);
}

/*
 * The offset in @opt (@optlen bytes) of the first option of @kind whose
 * length is @len (any length when 0) and whose bytes are all there, or
 * -1. The walk stops at the end of the list, as TCP's own parser does,
 * and at a length below 2 (the list is broken from there on).
 */
int fnat_tcpopt_find(const u8 *opt, unsigned int optlen, u8 kind, u8 len)
{
	unsigned int i = 0;

	while (i < optlen) {
		if (opt[i] == TCPOPT_EOL)
			break;
		if (opt[i] == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= optlen || opt[i + 1] < 2 ||
		    i + opt[i + 1] > optlen)
			break;
		if (opt[i] == kind && (!len || opt[i + 1] == len))
			return i;
		i += opt[i + 1];
	}
	return -1;
}
