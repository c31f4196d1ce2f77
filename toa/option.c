// SPDX-License-Identifier: GPL-2.0
/*
 * Reading the TOA option. The packet comes from the network: it may carry
 * any bytes, so the walk is bounded by the header length the packet states
 * (doff), never reads past it, and gives up on the first inconsistency.
 *
 * Only a TOA in a well-formed option list is believed. A TOA kind with a
 * length that is not one of the deployed ones, a TOA that runs past the
 * header, an option list broken anywhere (a length below 2 or past the
 * header, as tcp_parse_options() treats it) once a TOA kind was seen, and
 * two TOA options in one packet all yield TOA_MALFORMED: the connection
 * keeps the address it really has.
 *
 * This file touches no socket buffer, so tests/unit compiles it as it is
 * and checks it against a naive reading of these rules. For a duplicate there is no safe winner
 * (the first is what old modules took, the last is what a second director
 * on the path would have appended), so neither is used.
 */
#include <linux/tcp.h>
#include <net/ipv6.h>
#include <net/tcp.h>
#include <uapi/linux/toa.h>

#include "option.h"

static bool is_toa_kind(u8 kind)
{
	return kind == TOA_KIND || kind == TOA_KIND_V6_ALI;
}

/* Decode one TOA option whose @len bytes are all inside the header. */
static bool decode(const u8 *p, u8 len, struct toa_addr *client)
{
	if (p[0] == TOA_KIND && len == TOA_LEN_V4) {
		const struct toa_v4 *o = (const struct toa_v4 *)p;

		ipv6_addr_set_v4mapped(get_unaligned(&o->addr), &client->addr);
		client->port = get_unaligned(&o->port);
		return true;
	}
	if (len == TOA_LEN_V6) {	/* kind 254 (DPVS) or 253 (Alibaba) */
		const struct toa_v6 *o = (const struct toa_v6 *)p;

		memcpy(&client->addr, o->addr, sizeof(client->addr));
		client->port = get_unaligned(&o->port);
		return true;
	}
	return false;
}

enum toa_result toa_parse_options(const u8 *opt, unsigned int len,
				  struct toa_addr *client)
{
	unsigned int seen = 0;	/* TOA kinds met, well-formed or not */
	bool bad = false;

	while (len > 0) {
		u8 kind = opt[0], olen;

		if (kind == TCPOPT_EOL)
			break;
		if (kind == TCPOPT_NOP) {
			opt++;
			len--;
			continue;
		}
		if (is_toa_kind(kind))
			seen++;
		if (len < 2) {		/* a kind with no room for its length */
			bad = true;
			break;
		}
		olen = opt[1];
		if (olen < 2 || olen > len) {
			bad = true;
			break;
		}
		/* decode() only the first: a second one is a reason to drop both */
		if (is_toa_kind(kind) && (seen > 1 || !decode(opt, olen, client)))
			bad = true;
		opt += olen;
		len -= olen;
	}
	if (!seen)
		return TOA_NONE;
	return bad ? TOA_MALFORMED : TOA_FOUND;
}
