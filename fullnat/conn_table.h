/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared between conn.c (the table, expiry) and conn_evict.c (early
 * drop); nothing else uses these.
 */
#ifndef _FULLNAT_CONN_TABLE_H
#define _FULLNAT_CONN_TABLE_H

#include "fullnat.h"

static inline struct fnat_conn *fnat_conn_of(struct fnat_conn_hnode *h)
{
	return container_of(h - h->dir, struct fnat_conn, h[0]);
}

/* The idle timeout of @state of a connection of @proto, jiffies. */
static inline unsigned long fnat_state_timeout(struct fnat_net *fn, u8 proto,
					       u8 state)
{
	if (proto == IPPROTO_UDP)
		return READ_ONCE(fn->cfg.udp_timeout[min_t(u8, state,
							   FULLNAT_UDP_S_MAX)]);
	return READ_ONCE(fn->cfg.timeout[min_t(u8, state, FULLNAT_TCP_S_MAX)]);
}

/* conn.c */
struct hlist_head *fnat_conn_bucket(u32 hash);
void fnat_conn_destroy(struct fnat_conn *cp, u8 state);

/* conn_evict.c */
bool fnat_early_drop(struct fnat_net *fn, bool global);
void fnat_early_track(struct fnat_net *fn, struct fnat_conn __rcu **ring,
		      struct fnat_conn *cp);

#endif /* _FULLNAT_CONN_TABLE_H */
