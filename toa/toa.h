/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TOA_H
#define _TOA_H

#include <linux/in6.h>
#include <linux/skbuff.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "option.h"

/* packet.c */
enum toa_result toa_parse_skb(const struct sk_buff *skb, struct toa_addr *peer,
			      struct toa_addr *client);

/* table.c: socket -> client address, for sockets whose handshake had TOA */
int toa_table_init(void);
void toa_table_uninit(void);
int toa_table_insert(const struct sock *sk, const struct toa_addr *peer,
		     const struct toa_addr *client);
void toa_table_remove(const struct sock *sk);
bool toa_table_lookup(const struct sock *sk, const struct toa_addr *peer,
		      struct toa_addr *client);

/* trusted.c: the directors' source networks (module parameter) */
bool toa_source_trusted(const struct in6_addr *src);
bool toa_trust_configured(void);

/* netns.c: per-namespace counters, /proc/net/toa_stats */
enum toa_stat {
	TOA_STAT_CONNS,		/* children created with a TOA client address */
	TOA_STAT_UNTRUSTED,	/* TOA ignored: source not in trusted_sources */
	TOA_STAT_MALFORMED,	/* TOA ignored: bad length, truncated, duplicated */
	TOA_STAT_UNMAPPABLE,	/* TOA ignored: IPv6 client on an IPv4 socket */
	TOA_STAT_TABLE_FULL,	/* not recorded: max_entries reached */
	TOA_STAT_NO_MEMORY,	/* not recorded: allocation failed */
	__TOA_STAT_MAX
};
void toa_stat_inc(const struct net *net, enum toa_stat stat);
int toa_netns_init(void);
void toa_netns_uninit(void);

/* hooks.c: the probes */
int toa_hooks_init(void);
void toa_hooks_uninit(void);
void toa_hooks_show_missed(struct seq_file *seq);

#endif /* _TOA_H */
