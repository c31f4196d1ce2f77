/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A packet as the hook parsed it, and what handles it: the transport
 * protocols (proto_*.c) and the forwarding methods (xmit_*.c), with the
 * hooks called directly on the per-packet path. Part of fullnat.h, which
 * includes it.
 */
#ifndef _FULLNAT_PKT_H
#define _FULLNAT_PKT_H

#include <linux/indirect_call_wrapper.h>
#include <linux/netfilter.h>
#include <linux/skbuff.h>
#include <uapi/linux/fullnat.h>

#include "tcpopt.h"

struct fnat_conn;
struct fnat_dest;
struct fnat_net;
struct fnat_service;

/*
 * A packet as the hook parsed it, once: every later step (the connection
 * lookup, the protocol's checks and state, the transmit, ICMP) reads this
 * instead of the headers. The family's parser (inet4.c) fills the network
 * part, the protocol's the transport part. Offsets count from skb->data
 * and stay valid when the headers are made writable or grow in front of
 * the transport header (toa.c moves the network header with them).
 * Addresses are kept as nf_inet_addr so that IPv6 fills the same fields.
 * An ICMP error's quoted packet is parsed into one too (icmp.c): then
 * @l3off is where the quoted network header starts.
 */
struct fnat_proto;

struct fnat_pkt {
	union nf_inet_addr saddr, daddr;
	const struct fnat_proto *pp;	/* its protocol, if we handle it */
	__be16 sport, dport;	/* set by the protocol's parser */
	u16 af;
	u8 proto;		/* transport protocol (IPPROTO_*) */
	bool frag;		/* a fragment: first or later */
	u16 fragoff;		/* its offset in bytes; not 0: no L4 header */
	u16 l3off;		/* of the network header */
	u16 l4off;		/* of the transport header */
	u16 l4hlen;		/* transport header length, options included */
};

enum fnat_dir {
	FNAT_DIR_IN,	/* client -> virtual service -> real server */
	FNAT_DIR_OUT,	/* real server -> local address -> client */
};

/*
 * What a packet of @dir needs, between the protocol's hooks on either side
 * of the transmit's checks (proto_tcp.c: the client's options and ours).
 */
struct fnat_xmit_ctx {
	struct fnat_tcpopt opts;
	bool toa;		/* insert TOA after the rewrite */
	bool mss;		/* lower the SYN-ACK's MSS after the rewrite */
};

/*
 * A transport protocol (proto_*.c), as IPVS's struct ip_vs_protocol: its
 * states and their default timeouts, which packets may open a connection,
 * the state machine, port rewriting with its checksum, the ports an ICMP
 * error quotes, and option hooks. Softirq, RCU read side, unless said.
 *
 * On the per-packet path these are called through fnat_proto_call(),
 * which compares the pointer with TCP's function and calls that directly
 * (INDIRECT_CALL_1), TCP being the protocol most packets are; UDP's hooks
 * are called through the pointer. A NULL hook is skipped.
 */
struct fnat_proto {
	const char *name;
	u8 proto;			/* IPPROTO_* */
	u8 nr_states;
	u8 init_state;			/* of a new connection */
	u8 quote_len;			/* header bytes a quote needs (ICMP) */
	const unsigned int *timeout;	/* default per state, in seconds */
	/*
	 * Parse the transport header at @p->l4off into @p (ports, length),
	 * pulled into the linear area. 0, or -EINVAL: malformed.
	 */
	int (*parse)(struct sk_buff *skb, struct fnat_pkt *p);
	/* May @p join a connection it matches? (Flags that no stack sends.) */
	bool (*valid)(const struct sk_buff *skb, const struct fnat_pkt *p);
	/*
	 * May @p, which matched none, open one for @svc? 0, or
	 * FULLNAT_CNT_* to drop. RCU read side.
	 */
	int (*may_create)(const struct fnat_service *svc,
			  const struct sk_buff *skb, const struct fnat_pkt *p);
	/* Does client packet @p start over on @cp's tuple (retiring @cp)? */
	bool (*reopen)(struct fnat_net *fn, struct fnat_conn *cp,
		       const struct sk_buff *skb, const struct fnat_pkt *p);
	/*
	 * Before the transmit's checks, headers writable: clean what the
	 * sender must not pass on, note in @x what to add (only @finish reads
	 * it: a protocol has both or neither). 0, or FULLNAT_CNT_* to drop.
	 */
	int (*prepare)(struct fnat_net *fn, struct fnat_conn *cp,
		       struct sk_buff *skb, const struct fnat_pkt *p,
		       enum fnat_dir dir, struct fnat_xmit_ctx *x);
	/* The packet goes on: advance @cp's state and deadline. */
	void (*state)(struct fnat_net *fn, struct fnat_conn *cp,
		      const struct sk_buff *skb, const struct fnat_pkt *p,
		      enum fnat_dir dir);
	/*
	 * Set the ports, and fix the checksum for them and for the addresses
	 * the family is about to write (@p still has the old ones).
	 */
	void (*rewrite)(struct sk_buff *skb, const struct fnat_pkt *p,
			const union nf_inet_addr *saddr, __be16 sport,
			const union nf_inet_addr *daddr, __be16 dport);
	/* After the rewrite: options to add (@mtu: the route's). */
	void (*finish)(struct fnat_net *fn, struct fnat_conn *cp,
		       struct sk_buff *skb, const struct fnat_pkt *p,
		       enum fnat_dir dir, const struct fnat_xmit_ctx *x,
		       unsigned int mtu);
	/*
	 * The quoted packet @q of an ICMP error: rewrite its ports, and its
	 * checksum if quoted, for the addresses and ports given.
	 */
	void (*rewrite_quote)(struct sk_buff *skb, const struct fnat_pkt *q,
			      const union nf_inet_addr *saddr, __be16 sport,
			      const union nf_inet_addr *daddr, __be16 dport);
	/* Is quote @q, of a packet sent going @dir, one of @cp's? */
	bool (*quote_ok)(struct fnat_conn *cp, enum fnat_dir dir,
			 const struct sk_buff *skb, const struct fnat_pkt *q);
};

extern const struct fnat_proto fnat_proto_tcp, fnat_proto_udp;

/*
 * What an ICMP error about a connection's packet becomes (icmp.c asks
 * the method): the error's own addresses, and those of the packet it
 * quotes. @frag_needed and @mtu are the error's, for the method to judge.
 */
struct fnat_icmp_xlate {
	bool frag_needed;
	u32 mtu;
	const union nf_inet_addr *osaddr, *odaddr;
	const union nf_inet_addr *isaddr, *idaddr;
	__be16 isport, idport;
};

/*
 * A forwarding method (xmit_*.c): how a connection is bound when it is
 * made, how its replies are found, how its packets are sent each way,
 * and what an ICMP error about them becomes. Softirq, RCU read side.
 *
 * A service holds its method; a connection has only @fwd (it has no room
 * for a pointer) and finds it with fnat_method_find(). On the per-packet
 * path the hooks are called through fnat_method_call(), directly for
 * FullNAT's and NAT's (INDIRECT_CALL_2); DR's and TUN's through a pointer.
 */
struct fnat_method {
	const char *name;
	u8 fwd;				/* FULLNAT_FWD_* */
	bool toa;			/* servers see a LIP: TOA applies */
	bool one_way;	/* replies bypass the director (DR, TUN) */
	bool ipv6;	/* takes IPv6 services and real servers */
	/*
	 * A connection being made, under cp->lock: take what the method
	 * needs (FullNAT: a local address and port) and hash the reply side
	 * (__fnat_conn_hash_out()). NULL: nothing to bind and no reply
	 * side. 0, -ENOENT (no local address) or another -errno (no port).
	 */
	int (*bind)(struct fnat_net *fn, struct fnat_conn *cp);
	/*
	 * Where replies are addressed (they come from the real server's
	 * address and port): the reply side's key is RIP:rport -> this.
	 * NULL without @bind: no reply side, nothing to unhash (conn.c).
	 */
	void (*reply_key)(const struct fnat_conn *cp,
			  const union nf_inet_addr **daddr, __be16 *dport);
	/* Send @p of @cp on, client to server and back; see xmit_fullnat.c. */
	unsigned int (*xmit_in)(struct fnat_net *fn, struct fnat_conn *cp,
				struct sk_buff *skb, const struct fnat_pkt *p);
	unsigned int (*xmit_out)(struct fnat_net *fn, struct fnat_conn *cp,
				 struct sk_buff *skb, const struct fnat_pkt *p);
	/*
	 * An ICMP error @p quoting @q, a packet of @cp sent going @dir: fill
	 * @x. 0, or FULLNAT_CNT_* to drop the error; or, for a method that
	 * sends the error on itself, FNAT_ICMP_SENT (it took the packet) or
	 * FNAT_ICMP_DROPPED (to drop, counted). NULL: errors about the
	 * method's packets pass untouched.
	 */
	int (*icmp)(struct fnat_net *fn, struct fnat_conn *cp,
		    enum fnat_dir dir, struct sk_buff *skb,
		    const struct fnat_pkt *p, const struct fnat_pkt *q,
		    struct fnat_icmp_xlate *x);
};

#define FNAT_ICMP_SENT		(-1)
#define FNAT_ICMP_DROPPED	(-2)

/*
 * The lowest "fragmentation needed" (Packet Too Big) MTU believed, either
 * way: Linux's own floor (min_pmtu), below which an error is refused
 * (xmit_fullnat.c has the why). IPv6's receivers take less than 1280 as
 * 1280, as they would one of 1280.
 */
#define FNAT_MIN_PMTU	552

extern const struct fnat_method fnat_method_fullnat;
extern const struct fnat_method fnat_method_nat;
extern const struct fnat_method fnat_method_dr;
extern const struct fnat_method fnat_method_tun;

/*
 * A real server's route of its own (xmit_tun.c), with its outer source
 * and its FIB cookie: TUN's of either family, DR's over IPv6.
 */
struct fnat_route_ops {
	/*
	 * A route toward @daddr for @skb (NULL: the cached key, no mark or
	 * TOS), with the outer source it chose (*@saddr) and the cookie
	 * dst_check() takes (*@cookie). The caller owns the reference.
	 */
	struct dst_entry *(*lookup)(struct net *net,
				    const union nf_inet_addr *daddr,
				    const struct sk_buff *skb,
				    union nf_inet_addr *saddr, u32 *cookie);
	/* Must @skb's route bypass the cache (a mark, a TOS, rules)? */
	bool (*uncached)(struct fnat_net *fn, const struct sk_buff *skb);
};

struct dst_entry *fnat_dest_route(struct fnat_net *fn,
				  const struct fnat_route_ops *ops,
				  struct fnat_dest *dest,
				  const struct sk_buff *skb,
				  union nf_inet_addr *saddr, bool *noref);
void fnat_dest_route_free(struct fnat_dest *dest);
void fnat_tun6_update_pmtu(struct fnat_net *fn, struct fnat_dest *dest,
			   struct sk_buff *skb, unsigned int l3off, u32 mtu);

/*
 * xmit_dr.c: what the one-way methods (DR, TUN) share around their own
 * transmit, a relay that sends @skb on to @cp's real server as @pp's
 * (NULL: an ICMP error), consuming it: NF_STOLEN or NF_DROP (counted).
 */
typedef unsigned int (*fnat_relay_t)(struct fnat_net *fn,
				     struct fnat_conn *cp,
				     struct sk_buff *skb,
				     const struct fnat_pkt *p,
				     const struct fnat_proto *pp);
unsigned int fnat_oneway_xmit_out(struct fnat_net *fn, struct fnat_conn *cp,
				  struct sk_buff *skb,
				  const struct fnat_pkt *p);
int fnat_oneway_icmp(fnat_relay_t relay, struct fnat_net *fn,
		     struct fnat_conn *cp, enum fnat_dir dir,
		     struct sk_buff *skb, const struct fnat_pkt *p);
int fnat_oneway_relay_source(struct fnat_net *fn, struct fnat_conn *cp,
			     struct sk_buff *skb, const struct fnat_pkt *p,
			     const struct net_device *dev,
			     const union nf_inet_addr *mine);

/* The methods the director has; NULL for the rest. */
static inline const struct fnat_method *fnat_method_find(u8 fwd)
{
	switch (fwd) {
	case FULLNAT_FWD_FULLNAT:
		return &fnat_method_fullnat;
	case FULLNAT_FWD_NAT:
		return &fnat_method_nat;
	case FULLNAT_FWD_DR:
		return &fnat_method_dr;
	case FULLNAT_FWD_TUN:
		return &fnat_method_tun;
	}
	return NULL;
}

/* xmit_fullnat.c: FullNAT's hooks, named for fnat_method_call(). */
int fnat_fullnat_bind(struct fnat_net *fn, struct fnat_conn *cp);
void fnat_fullnat_reply_key(const struct fnat_conn *cp,
			    const union nf_inet_addr **daddr, __be16 *dport);
unsigned int fnat_fullnat_xmit_in(struct fnat_net *fn, struct fnat_conn *cp,
				  struct sk_buff *skb,
				  const struct fnat_pkt *p);
unsigned int fnat_fullnat_xmit_out(struct fnat_net *fn, struct fnat_conn *cp,
				   struct sk_buff *skb,
				   const struct fnat_pkt *p);
int fnat_fullnat_icmp(struct fnat_net *fn, struct fnat_conn *cp,
		      enum fnat_dir dir, struct sk_buff *skb,
		      const struct fnat_pkt *p, const struct fnat_pkt *q,
		      struct fnat_icmp_xlate *x);

/* The transmit that rewrites addresses, FullNAT's, for NAT's (xmit_nat.c). */
unsigned int fnat_xmit_rewrite(struct fnat_net *fn, struct fnat_conn *cp,
			       struct sk_buff *skb, const struct fnat_pkt *p,
			       enum fnat_dir dir,
			       const union nf_inet_addr *saddr, __be16 sport,
			       const union nf_inet_addr *daddr, __be16 dport);
/* ICMP translation shared with NAT's (xmit_fullnat.c has the why). */
const union nf_inet_addr *
fnat_icmp_relay_source(const struct fnat_pkt *p,
		       const union nf_inet_addr *far,
		       const union nf_inet_addr *hidden);
bool fnat_icmp_believed(struct fnat_conn *cp, enum fnat_dir dir,
			const struct sk_buff *skb, const struct fnat_pkt *q,
			const struct fnat_icmp_xlate *x);
int fnat_icmp_to_client(struct fnat_conn *cp, const struct sk_buff *skb,
			const struct fnat_pkt *q, struct fnat_icmp_xlate *x,
			const union nf_inet_addr *osaddr);
int fnat_icmp_to_server(struct fnat_conn *cp, const struct sk_buff *skb,
			const struct fnat_pkt *q, struct fnat_icmp_xlate *x,
			const union nf_inet_addr *osaddr,
			const union nf_inet_addr *idaddr, __be16 idport);

/* xlat.c: FullNAT64, a connection whose two sides differ in family. */
void fnat_xlat_net_init(struct fnat_net *fn);
unsigned int fnat_xlat_xmit(struct fnat_net *fn, struct fnat_conn *cp,
			    struct sk_buff *skb, const struct fnat_pkt *p,
			    enum fnat_dir dir,
			    const union nf_inet_addr *saddr, __be16 sport,
			    const union nf_inet_addr *daddr, __be16 dport);
int fnat_xlat_icmp(struct fnat_net *fn, struct fnat_conn *cp,
		   enum fnat_dir dir, struct sk_buff *skb,
		   const struct fnat_pkt *q, struct fnat_icmp_xlate *x);

/* xmit_nat.c: NAT's hooks, named for fnat_method_call(). */
int fnat_nat_bind(struct fnat_net *fn, struct fnat_conn *cp);
void fnat_nat_reply_key(const struct fnat_conn *cp,
			const union nf_inet_addr **daddr, __be16 *dport);
unsigned int fnat_nat_xmit_in(struct fnat_net *fn, struct fnat_conn *cp,
			      struct sk_buff *skb, const struct fnat_pkt *p);
unsigned int fnat_nat_xmit_out(struct fnat_net *fn, struct fnat_conn *cp,
			       struct sk_buff *skb, const struct fnat_pkt *p);
int fnat_nat_icmp(struct fnat_net *fn, struct fnat_conn *cp,
		  enum fnat_dir dir, struct sk_buff *skb,
		  const struct fnat_pkt *p, const struct fnat_pkt *q,
		  struct fnat_icmp_xlate *x);

/*
 * Call method hook @hook of @m (as fnat_proto_call()): FullNAT's is
 * compared first and called directly, so its path costs what it did
 * alone; then NAT's; any other method's through the pointer.
 */
#define fnat_method_call(m, hook, ...)					\
	INDIRECT_CALL_2((m)->hook, fnat_fullnat_##hook, fnat_nat_##hook,	\
			__VA_ARGS__)

/* The protocols the director handles; NULL for the rest. */
static inline const struct fnat_proto *fnat_proto_find(u8 proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return &fnat_proto_tcp;
	case IPPROTO_UDP:
		return &fnat_proto_udp;
	}
	return NULL;
}

/*
 * proto_tcp.c: the hooks of fnat_proto_tcp, named here so that
 * fnat_proto_call() can call them directly.
 */
int fnat_tcp_parse(struct sk_buff *skb, struct fnat_pkt *p);
bool fnat_tcp_valid(const struct sk_buff *skb, const struct fnat_pkt *p);
int fnat_tcp_prepare(struct fnat_net *fn, struct fnat_conn *cp,
		     struct sk_buff *skb, const struct fnat_pkt *p,
		     enum fnat_dir dir, struct fnat_xmit_ctx *x);
void fnat_tcp_state(struct fnat_net *fn, struct fnat_conn *cp,
		    const struct sk_buff *skb, const struct fnat_pkt *p,
		    enum fnat_dir dir);
void fnat_tcp_rewrite(struct sk_buff *skb, const struct fnat_pkt *p,
		      const union nf_inet_addr *saddr, __be16 sport,
		      const union nf_inet_addr *daddr, __be16 dport);
int fnat_tcp_may_create(const struct fnat_service *svc,
			const struct sk_buff *skb, const struct fnat_pkt *p);
bool fnat_tcp_reopen(struct fnat_net *fn, struct fnat_conn *cp,
		     const struct sk_buff *skb, const struct fnat_pkt *p);
void fnat_tcp_finish(struct fnat_net *fn, struct fnat_conn *cp,
		     struct sk_buff *skb, const struct fnat_pkt *p,
		     enum fnat_dir dir, const struct fnat_xmit_ctx *x,
		     unsigned int mtu);
void fnat_tcp_rewrite_quote(struct sk_buff *skb, const struct fnat_pkt *q,
			    const union nf_inet_addr *saddr, __be16 sport,
			    const union nf_inet_addr *daddr, __be16 dport);
bool fnat_tcp_quote_ok(struct fnat_conn *cp, enum fnat_dir dir,
		       const struct sk_buff *skb, const struct fnat_pkt *q);

/* proto_udp.c: the hooks of fnat_proto_udp. */
int fnat_udp_parse(struct sk_buff *skb, struct fnat_pkt *p);
void fnat_udp_state(struct fnat_net *fn, struct fnat_conn *cp,
		    const struct sk_buff *skb, const struct fnat_pkt *p,
		    enum fnat_dir dir);
void fnat_udp_rewrite(struct sk_buff *skb, const struct fnat_pkt *p,
		      const union nf_inet_addr *saddr, __be16 sport,
		      const union nf_inet_addr *daddr, __be16 dport);
void fnat_udp_rewrite_quote(struct sk_buff *skb, const struct fnat_pkt *q,
			    const union nf_inet_addr *saddr, __be16 sport,
			    const union nf_inet_addr *daddr, __be16 dport);
bool fnat_udp_quote_ok(struct fnat_conn *cp, enum fnat_dir dir,
		       const struct sk_buff *skb, const struct fnat_pkt *q);

/*
 * Call protocol hook @hook of @pp, TCP's directly. Evaluates to the
 * hook's value; a NULL hook is the caller's to check.
 */
#define fnat_proto_call(pp, hook, ...)					\
	INDIRECT_CALL_1((pp)->hook, fnat_tcp_##hook, __VA_ARGS__)

/*
 * What every method does to a packet of @cp it forwards going @dir, parsed
 * into @p: make its headers writable and let the protocol look at it
 * first (TCP: clear a client's own TOA options). 0, or FULLNAT_CNT_* to
 * drop it.
 */
static inline int fnat_xmit_prepare(struct fnat_net *fn, struct fnat_conn *cp,
				    struct sk_buff *skb,
				    const struct fnat_pkt *p, enum fnat_dir dir,
				    struct fnat_xmit_ctx *x)
{
	const struct fnat_proto *pp = p->pp;

	if (skb_ensure_writable(skb, p->l4off + p->l4hlen))
		return FULLNAT_CNT_XMIT_ERR;
	return pp->prepare ? fnat_proto_call(pp, prepare, fn, cp, skb, p,
					     dir, x) : 0;
}

#endif /* _FULLNAT_PKT_H */
