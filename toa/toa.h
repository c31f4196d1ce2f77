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
		     const struct toa_addr *client, bool *replaced);
bool toa_table_remove(const struct sock *sk);
bool toa_table_lookup(const struct sock *sk, const struct toa_addr *peer,
		      struct toa_addr *client);
void toa_table_show(struct seq_file *seq);

/* netns.c: per-namespace state, /proc/net/toa_stats */
enum toa_stat {
	TOA_STAT_CONNS,		/* children created with a TOA client address */
	TOA_STAT_UNTRUSTED,	/* TOA ignored: source not in trusted_sources */
	TOA_STAT_MALFORMED,	/* TOA ignored: bad length, truncated, duplicated */
	TOA_STAT_UNMAPPABLE,	/* TOA ignored: IPv6 client on an IPv4 socket */
	TOA_STAT_TABLE_FULL,	/* not recorded: max_entries reached */
	TOA_STAT_NO_MEMORY,	/* not recorded: allocation failed */
	TOA_STAT_RESERVE_EMPTY,	/* not recorded: no entry in reserve (PREEMPT_RT) */
	TOA_STAT_STALE,		/* an entry left by a socket whose end was missed */
	TOA_STAT_V6_FALLBACK,	/* IPv4 child the v4 probe did not see (dual stack) */
	__TOA_STAT_MAX
};

struct toa_trust_list;

struct toa_net {
	atomic64_t stats[__TOA_STAT_MAX];
	/* trusted.c; the initial namespace's list is the module parameter's */
	struct toa_trust_list __rcu *trusted;
	struct ctl_table_header *sysctl;
	unsigned long flags;
};

#define TOA_NET_UNTRUSTED_LOGGED	0	/* bit in toa_net.flags */

struct toa_net *toa_net(const struct net *net);
void toa_stat_inc(const struct net *net, enum toa_stat stat);
int toa_netns_init(void);
void toa_netns_uninit(void);

/* trusted.c: the directors' source networks, per namespace */
bool toa_source_trusted(const struct net *net, const struct in6_addr *src);
bool toa_trust_configured(const struct net *net);
void toa_untrusted_seen(const struct net *net, const struct in6_addr *src);
int toa_trust_net_init(struct net *net);
void toa_trust_net_exit(struct net *net);

/* hooks.c: the probes */
int toa_hooks_init(void);
void toa_hooks_uninit(void);
void toa_hooks_show_missed(struct seq_file *seq);

#endif /* _TOA_H */
