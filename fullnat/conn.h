/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A connection (conn.c: the table, expiry; conn_evict.c: early drop).
 * Part of fullnat.h, which includes it.
 */
#ifndef _FULLNAT_CONN_H
#define _FULLNAT_CONN_H

#include <linux/netlink.h>
#include <linux/spinlock.h>
#include <net/net_namespace.h>
#include <uapi/linux/fullnat.h>

#include "pkt.h"

struct dst_entry;
struct fnat_laddr;
struct fnat_rt6;

/*
 * A cached route: an IPv4 route itself (inet4.c), or an IPv6 one with
 * what revalidates it (struct fnat_rt6, inet6.c). Which of the two is
 * the family of the addresses it leads to: a real server's (dest->af),
 * a client's (cp->af).
 */
union fnat_rt_cache {
	struct dst_entry __rcu *dst;
	struct fnat_rt6 __rcu *rt6;
};

/*
 * A connection is hashed twice in one table, once per direction. @hash is
 * the node's full 32-bit hash (the bucket is its low bits): a lookup skips
 * nodes whose hash differs without reading the connection's addresses,
 * which sit in another cache line. @hash, @dir and @hashed (under the
 * bucket's lock) fill what would be padding.
 */
struct fnat_conn_hnode {
	struct hlist_node node;
	u32 hash;
	u8 dir;
	bool hashed;
	union {
		u16 early;	/* h[FNAT_DIR_IN]: slot in fn->early + 1, 0 none (conn_evict.c) */
		/*
		 * h[FNAT_DIR_OUT]: FullNAT64's last error made for each end,
		 * by enum fnat_dir, in tenths of a second (xlat.c)
		 */
		u8 xlat_err[2];
	};
};

enum {
	FNAT_CONN_F_TOA = 1 << 0,	/* insert TOA into client packets */
	FNAT_CONN_F_SYNACK = 1 << 1,	/* rs_isn is valid */
	FNAT_CONN_F_DEAD = 1 << 2,	/* being expired */
	FNAT_CONN_F_CFIN = 1 << 3,	/* client sent FIN */
	FNAT_CONN_F_SFIN = 1 << 4,	/* real server sent FIN */
	FNAT_CONN_F_TOA_DONE = 1 << 5,	/* real server has its socket: no more TOA */
	FNAT_CONN_F_REPLIED = 1 << 6,	/* UDP: the real server has sent */
	FNAT_CONN_F_NODATA = 1 << 7,	/* one-way, ESTABLISHED on a bare ACK */
	FNAT_CONN_F_IMPORTED = 1 << 8,	/* copied from another director: its
					 * client's side only (conn.c) */
	FNAT_CONN_F_NOSEQ = 1 << 9,	/* imported without the client's seq:
					 * not confirmed by payload yet */
	FNAT_CONN_F_CFIN_AHEAD = 1 << 10, /* a client FIN came before its
					 * data (proto_tcp.c) */
	FNAT_CONN_F_SFIN_AHEAD = 1 << 11, /* the real server's did */
};

/*
 * Does the director see only the client's side of @cp: a method whose
 * replies bypass it (DR, TUN), or a connection imported from another
 * director, whose replies go to that one (fnat_conn_import()).
 */
#define fnat_conn_one_way(cp)						\
	(fnat_method_find((cp)->fwd)->one_way ||			\
	 (READ_ONCE((cp)->flags) & FNAT_CONN_F_IMPORTED))

/*
 * The state whose timeout @cp keeps and by which early drop judges it
 * (conn_evict.c): a one-way connection established by the client's bare ACK is
 * still half-open (proto_tcp.c, one_way_state()). Lockless readers get a
 * consistent enough view from READ_ONCE.
 */
static inline u8 fnat_conn_timeout_state(u8 state, u16 flags)
{
	return (flags & FNAT_CONN_F_NODATA) &&
	       state == FULLNAT_TCP_S_ESTABLISHED ?
	       FULLNAT_TCP_S_SYN_RECV : state;
}

/* What TCP's state machine knows of each direction's sequence space. */
struct fnat_tcp_seq {
	u32 end[2];		/* highest seq + len sent, by enum fnat_dir */
	u16 win[2];		/* largest window field sent, unscaled */
	u8 wscale[2];		/* window scale its SYN announced, or 0xff */
};

/*
 * 192 bytes, three cache lines, on a stock kernel. The first holds the
 * hash nodes, the deadline and the flags: a chain walk that skips this
 * connection and the garbage collector's whole visit read only it. The
 * second holds the addresses a match compares; the third the rest of
 * the key and what a packet of the connection takes and follows (lock,
 * real server, local address, reply route). Keep it so: one byte more
 * costs a fourth line per connection (the cache is cache-line aligned).
 */
struct fnat_conn {
	struct fnat_conn_hnode h[2];	/* indexed by enum fnat_dir */
	unsigned long expires;		/* jiffies, READ_ONCE */
	u16 af;				/* the client's side: the service's */
	u8 proto;
	u8 fwd;
	u8 state;
	u8 daf;				/* the real server's side: its own
					 * (FullNAT64: AF_INET, xlat.c) */
	u16 flags;			/* FNAT_CONN_F_*, READ_ONCE outside lock */
	union nf_inet_addr caddr, vaddr, laddr, daddr;
	possible_net_t net;
	__be16 cport, vport, lport, dport;
	spinlock_t lock;		/* state, flags, rs_isn, seq */
	union {
		u32 rs_isn;		/* TCP: real server's ISN, host order */
		u32 udp_stream;		/* UDP: replied; a stream after (jiffies) */
	};
	struct fnat_dest *dest;		/* holds a reference */
	struct fnat_laddr *local;	/* holds a reference (FullNAT) */
	union fnat_rt_cache reply;	/* toward the client; holds a reference */
	/*
	 * @seq is used only under @lock while DEAD is clear, and a
	 * connection goes to call_rcu() only once DEAD was set under @lock:
	 * the two never meet, so they share their bytes.
	 */
	union {
		struct fnat_tcp_seq seq;
		struct rcu_head rcu;
	};
};

/*
 * Is @cp a candidate for early drop (conn_evict.c)? TCP: its handshake
 * has not completed, or it was reset (CLOSE): a blind sender can reset
 * a connection it opened from a spoofed source itself (its SYN's
 * sequence number is its own choice, and a reset needs nothing else),
 * so a flood of SYN and RST pairs would otherwise hold its places for
 * the CLOSE timeout where early drop cannot reach them. A reset
 * connection has nothing left to carry. UDP: no stream yet
 * (proto_udp.c).
 */
static inline bool fnat_conn_evictable(const struct fnat_conn *cp)
{
	u8 state = READ_ONCE(cp->state);

	if (cp->proto == IPPROTO_UDP)
		return state != FULLNAT_UDP_S_NORMAL;
	return state == FULLNAT_TCP_S_CLOSE ||
	       fnat_conn_timeout_state(state, READ_ONCE(cp->flags)) <=
	       FULLNAT_TCP_S_SYN_RECV;
}

static inline struct net *fnat_conn_net(const struct fnat_conn *cp)
{
	return read_pnet(&cp->net);
}

/* conn.c */
int fnat_conn_init(void);
void fnat_conn_uninit(void);
u32 fnat_conn_hash(const struct net *net, u8 proto,
		   const union nf_inet_addr *saddr, __be16 sport,
		   const union nf_inet_addr *daddr, __be16 dport);
struct fnat_conn *__fnat_conn_lookup(const struct net *net, u32 hash,
				     u8 proto, const union nf_inet_addr *saddr,
				     __be16 sport,
				     const union nf_inet_addr *daddr,
				     __be16 dport, enum fnat_dir *dir);

/* The connection a tuple is the key of, and its direction. RCU read side. */
static inline struct fnat_conn *
fnat_conn_lookup(const struct net *net, u8 proto,
		 const union nf_inet_addr *saddr, __be16 sport,
		 const union nf_inet_addr *daddr, __be16 dport,
		 enum fnat_dir *dir)
{
	return __fnat_conn_lookup(net, fnat_conn_hash(net, proto, saddr, sport,
						      daddr, dport),
				  proto, saddr, sport, daddr, dport, dir);
}
bool __fnat_conn_hash_out(struct fnat_conn *cp, struct fnat_conn **holder);

/*
 * The family of @cp's packets going @dir: the client's going in, the
 * real server's coming out. They differ only for FullNAT64 (xlat.c).
 */
static inline u16 fnat_conn_af(const struct fnat_conn *cp, enum fnat_dir dir)
{
	return dir == FNAT_DIR_IN ? cp->af : cp->daf;
}

/*
 * The connection @p belongs to, and its direction; RCU read side. Keys
 * hold addresses alone: one of the other family with the same bytes is
 * not it. *@hash: the hash of @p's tuple, for fnat_conn_new() should @p
 * open a connection (its client side's key is @p's tuple).
 */
static inline struct fnat_conn *fnat_conn_find(const struct net *net,
					       const struct fnat_pkt *p,
					       enum fnat_dir *dir, u32 *hash)
{
	struct fnat_conn *cp;

	*hash = fnat_conn_hash(net, p->proto, &p->saddr, p->sport,
			       &p->daddr, p->dport);
	cp = __fnat_conn_lookup(net, *hash, p->proto, &p->saddr, p->sport,
				&p->daddr, p->dport, dir);
	return cp && fnat_conn_af(cp, *dir) == p->af ? cp : NULL;
}
struct fnat_conn *fnat_conn_new(struct fnat_net *fn, struct fnat_service *svc,
				const struct fnat_pkt *p, u32 hash);
int fnat_conn_import(struct fnat_net *fn, const struct fnat_conn *tmpl,
		     struct fnat_dest *dest, struct netlink_ext_ack *extack);
void fnat_conn_detach(struct fnat_conn *cp);
u32 fnat_conn_expire_matching(bool (*match)(const struct fnat_conn *cp,
					    const void *arg),
			      const void *arg);
void fnat_conn_flush_dying(void);
void fnat_conn_expire_dest(struct net *net, struct fnat_dest *dest);
u32 fnat_conn_tab_size(void);
int fnat_conn_dump(struct sk_buff *skb, struct netlink_callback *cb,
		   int (*fill)(struct sk_buff *skb,
			       struct netlink_callback *cb,
			       struct fnat_conn *cp));

/* conn_evict.c */
int fnat_early_alloc(struct fnat_net *fn);
bool fnat_steal_candidate(const struct fnat_conn *victim,
			  const struct fnat_conn *best);
bool fnat_early_drop_nested(struct fnat_net *fn, struct fnat_conn *victim);

#endif /* _FULLNAT_CONN_H */
