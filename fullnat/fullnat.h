/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fullnat.ko internals shared between files. Names that cross files carry
 * the fnat_ prefix; helpers local to a file are static and unprefixed.
 * A leading "__" means the caller holds the lock the comment names.
 */
#ifndef _FULLNAT_H
#define _FULLNAT_H

#include <linux/atomic.h>
#include <linux/indirect_call_wrapper.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/rculist.h>
#include <linux/refcount.h>
#include <linux/siphash.h>
#include <linux/skbuff.h>
#include <linux/netlink.h>
#include <linux/tcp.h>
#include <linux/netfilter.h>
#include <linux/u64_stats_sync.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <uapi/linux/netfilter.h>
#include <uapi/linux/fullnat.h>

#include "compat.h"
#include "tcpopt.h"

#define FNAT_DEFAULT_CONN_MAX	(1U << 20)
#define FNAT_SVC_TAB_BITS	8
#define FNAT_ADDR_TAB_BITS	4	/* VIPs and LIPs (addrs.c) */
#define FNAT_NAT_SERVER_TAB_BITS 4	/* NAT real servers (nat_servers.c) */
#define FNAT_DEFAULT_PORT_MIN	1024
#define FNAT_DEFAULT_PORT_MAX	65535
/* A TCP header with all 40 bytes of options. */
#define FNAT_MAX_TCP_HDR	60

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

/* Traffic counters of a service or real server, one copy per CPU. */
struct fnat_stats {
	u64_stats_t conns;
	u64_stats_t inpkts;
	u64_stats_t outpkts;
	u64_stats_t inbytes;
	u64_stats_t outbytes;
	struct u64_stats_sync syncp;
};

struct fnat_stats_sum {
	u64 conns, inpkts, outpkts, inbytes, outbytes;
};

struct fnat_config {
	u32 conn_max;
	u32 port_range;		/* min << 16 | max, read as one word */
	bool expire_nodest;
	bool expire_quiescent;	/* persistence: weight 0 drops templates */
	/* Idle timeouts per state, jiffies (FULLNAT_A_CFG_TIMEOUT_*). */
	unsigned long timeout[__FULLNAT_TCP_S_LAST];	/* TCP's */
	unsigned long udp_timeout[__FULLNAT_UDP_S_LAST];
};

/*
 * The namespace's new connections in the order they came, a slot each,
 * for early drop to find the oldest half-open one (conn_evict.c). 2^15 slots:
 * 256 KiB per director namespace, and a flood has to open that many
 * connections (or conn_max's worth, if smaller) before a client's
 * half-open one is the oldest.
 */
#define FNAT_EARLY_SLOTS	(1U << 15)

/*
 * One director per network namespace. Configuration is changed only under
 * @lock (netlink handlers); the data path reads RCU-published objects and
 * READ_ONCE()s the scalar settings.
 */
struct fnat_net {
	struct net *net;
	struct mutex lock;
	struct hlist_head svc_table[1 << FNAT_SVC_TAB_BITS];	/* RCU */
	struct list_head svc_list;	/* creation order, under @lock */
	struct list_head laddrs;	/* RCU readers, @lock writers */
	/* Every VIP and LIP once (addrs.c): RCU readers, @lock writers. */
	struct hlist_head addr_table[1 << FNAT_ADDR_TAB_BITS];
	/* (RIP, rport, protocol) of NAT real servers (nat_servers.c): ditto. */
	struct hlist_head nat_servers[1 << FNAT_NAT_SERVER_TAB_BITS];
	atomic_t laddr_cursor;
	struct fnat_config cfg;
	u32 gen;			/* bumped on every change, for dumps */
	u64 conf_gen;			/* once per write request (uapi),
					 * under @lock */
	int nr_services;		/* READ_ONCE outside @lock */
	int nr_dests;
	int nr_laddrs;
	bool hooks_on;
	bool dying;			/* exit_batch: its connections go */
	/*
	 * Early drop candidates, oldest first (conn_evict.c): FNAT_EARLY_SLOTS,
	 * from the first service on, READ_ONCE. Slots handed out, ever,
	 * and the first one early drop looks at, READ_ONCE: each in its own
	 * cache line, since every new connection takes a slot.
	 */
	struct fnat_conn __rcu **early;
	atomic_t early_head ____cacheline_aligned_in_smp;
	u32 early_tail ____cacheline_aligned_in_smp;
	/* Charged for connections; set with the first service (core.c). */
	struct mem_cgroup *memcg;
	atomic_t nr_conns;
	atomic_t nr_tmpls;		/* persistence templates (persist.c) */
	u64 __percpu *counters;		/* FULLNAT_CNT_* */
};

extern unsigned int fnat_net_id;

static inline struct fnat_net *fnat_net(const struct net *net)
{
	return net_generic(net, fnat_net_id);
}

static inline void fnat_count(struct fnat_net *fn, enum fullnat_counter c)
{
	this_cpu_inc(fn->counters[c]);
}

/*
 * A service's scheduler settings (FULLNAT_A_SVC_SCHED_OPTS), and the key
 * its keyed hashes use, drawn at random when the service is made so that
 * nobody outside can aim flows at one server (sh, dh).
 */
struct fnat_sched_conf {
	u32 table;		/* sh, dh, mh: table size, a prime */
	bool port;		/* sh, mh: the client's port is hashed too */
	hsiphash_key_t key;
};

struct fnat_sched_state;
struct fnat_persist;

struct fnat_service {
	struct hlist_node hnode;	/* fn->svc_table, RCU */
	struct list_head list;		/* fn->svc_list */
	struct fnat_net *fn;
	u16 af;
	u8 proto;
	u8 fwd;
	bool toa;			/* READ_ONCE: may change live */
	union nf_inet_addr addr;
	__be16 port;
	struct list_head dests;		/* RCU readers, fn->lock writers */
	int nr_dests;
	const struct fnat_method *method;	/* of @fwd */
	struct fnat_sched_state __rcu *sched;
	struct fnat_sched_conf sched_conf;	/* under fn->lock */
	/* Persistence (persist.c): NULL when off; settings under fn->lock. */
	struct fnat_persist __rcu *persist;
	u32 persist_timeout;		/* seconds, 0: off */
	u8 persist_prefix;		/* netmask, as a prefix length */
	struct fnat_stats __percpu *stats;
	refcount_t refcnt;		/* the table's, and one per dest */
	struct rcu_head rcu;
};

struct fnat_dest {
	struct list_head list;		/* svc->dests */
	struct fnat_service *svc;	/* holds a reference */
	u16 af;
	union nf_inet_addr addr;
	__be16 port;
	u32 weight;			/* READ_ONCE */
	u8 fwd;				/* FULLNAT_FWD_*, READ_ONCE: a
					 * registered method (new conns) */
	bool removed;			/* READ_ONCE: takes no new conns */
	atomic_t active;		/* ESTABLISHED connections */
	atomic_t inactive;		/* all others */
	struct fnat_stats __percpu *stats;
	/* The route toward this server, holds a reference (fnat_af_route()). */
	struct dst_entry __rcu *dst;
	struct fnat_tun_route __rcu *tun_route;	/* TUN's, and its source */
	refcount_t refcnt;		/* the service's, and one per conn */
	struct rcu_head rcu;
};

/*
 * A scheduler sees an immutable snapshot of the usable real servers,
 * rebuilt under fn->lock whenever they or their weights change and
 * published with RCU, so that schedule() never walks a list that is
 * being edited.
 */
struct fnat_dest_set {
	int n;
	struct {
		struct fnat_dest *dest;
		u32 weight;		/* as of the snapshot */
	} e[];
};

struct fnat_sched_ops {
	const char *name;
	struct list_head list;
	/*
	 * Allocate per-service state for @set (GFP_KERNEL_ACCOUNT, under
	 * fn->lock); NULL: -ENOMEM.
	 */
	void *(*init)(const struct fnat_dest_set *set,
		      const struct fnat_sched_conf *conf);
	/*
	 * Optional: 0 if init() can serve @set with @conf, else an error,
	 * saying why in @extack (may be NULL). Called before init().
	 */
	int (*check)(const struct fnat_dest_set *set,
		     const struct fnat_sched_conf *conf,
		     struct netlink_ext_ack *extack);
	/* Free what init() returned; called after an RCU grace period. */
	void (*done)(void *data);
	/* Pick a real server for the flow @p opens; RCU read side, softirq. */
	struct fnat_dest *(*schedule)(const struct fnat_dest_set *set,
				      void *data, const struct fnat_pkt *p);
	/*
	 * The choice depends only on the configuration and the flow, so
	 * every director given the same file picks the same server (mh):
	 * a one-way service may then take up a flow another director
	 * began (fnat_tcp_may_create()).
	 */
	bool consistent;
};

struct fnat_sched_state {
	const struct fnat_sched_ops *ops;
	void *data;
	struct fnat_dest_set *set;
	struct rcu_head rcu;
};

struct fnat_laddr {
	struct list_head list;		/* fn->laddrs */
	u16 af;
	union nf_inet_addr addr;
	bool removed;			/* READ_ONCE */
	refcount_t refcnt;		/* the pool's, and one per conn */
	atomic_t ports_in_use;
	atomic_t cursor;
	unsigned long full_until[2];	/* [UDP?] jiffies, READ_ONCE; 0: not full */
	atomic64_t conns;
	atomic64_t conflicts;
	atomic64_t exhausted;
	struct rcu_head rcu;
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
	u16 early;	/* h[FNAT_DIR_IN]: slot in fn->early + 1, 0 none (conn_evict.c) */
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
};

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
	u16 af;
	u8 proto;
	u8 fwd;
	u8 state;
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
	struct dst_entry __rcu *reply_dst;	/* toward the client; holds a reference */
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

static inline struct net *fnat_conn_net(const struct fnat_conn *cp)
{
	return read_pnet(&cp->net);
}

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
 * The lowest "fragmentation needed" MTU translated toward a real server:
 * Linux's own floor (min_pmtu), below which an error is refused
 * (xmit_fullnat.c has the why).
 */
#define FNAT_MIN_PMTU	552

extern const struct fnat_method fnat_method_fullnat;
extern const struct fnat_method fnat_method_nat;
extern const struct fnat_method fnat_method_dr;
extern const struct fnat_method fnat_method_tun;
void fnat_tun_route_free(struct fnat_dest *dest);

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
void fnat_icmp_to_client(const struct fnat_conn *cp,
			 const union nf_inet_addr *osaddr,
			 struct fnat_icmp_xlate *x);
int fnat_icmp_to_server(struct fnat_conn *cp, const struct sk_buff *skb,
			const struct fnat_pkt *q, struct fnat_icmp_xlate *x,
			const union nf_inet_addr *osaddr,
			const union nf_inet_addr *idaddr, __be16 idport);

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

/* netns.c */
int fnat_netns_init(void);
void fnat_netns_uninit(void);
u64 fnat_counter_sum(struct fnat_net *fn, int c);

/* netlink.c */
int fnat_genl_init(void);
void fnat_genl_uninit(void);

/* service.c */
struct fnat_service *fnat_service_find(struct fnat_net *fn, u8 proto,
				       const union nf_inet_addr *addr,
				       __be16 port);
struct fnat_service *__fnat_service_lookup(struct fnat_net *fn, u8 proto,
					   const union nf_inet_addr *addr,
					   __be16 port);
int __fnat_service_add(struct fnat_net *fn, const struct fnat_service *tmpl,
		       const char *sched, const struct fnat_sched_conf *conf,
		       struct netlink_ext_ack *extack);
int __fnat_service_edit(struct fnat_net *fn, struct fnat_service *svc,
			const char *sched, const struct fnat_sched_conf *conf,
			int toa, s64 ptimeout, int pprefix,
			struct netlink_ext_ack *extack);
void __fnat_service_del(struct fnat_net *fn, struct fnat_service *svc);
void __fnat_service_flush(struct fnat_net *fn);
struct fnat_dest *__fnat_dest_lookup(struct fnat_service *svc,
				     const union nf_inet_addr *addr,
				     __be16 port);
int __fnat_dest_add(struct fnat_net *fn, struct fnat_service *svc,
		    const union nf_inet_addr *addr, __be16 port, u32 weight,
		    u8 fwd, struct netlink_ext_ack *extack);
int __fnat_dest_edit(struct fnat_net *fn, struct fnat_service *svc,
		     struct fnat_dest *dest, u32 weight,
		     struct netlink_ext_ack *extack);
int __fnat_dest_del(struct fnat_net *fn, struct fnat_service *svc,
		    struct fnat_dest *dest);
void fnat_dest_put(struct fnat_dest *dest);
struct fnat_dest *fnat_schedule(struct fnat_service *svc,
			       const struct fnat_pkt *p);
void fnat_stats_sum(struct fnat_stats __percpu *stats,
		    struct fnat_stats_sum *sum);
void fnat_stats_add(struct fnat_stats __percpu *stats, enum fnat_dir dir,
		    unsigned int bytes);
void fnat_stats_conn(struct fnat_stats __percpu *stats);

/* sched.c and sched_*.c */
#define FNAT_SCHED_UNKNOWN \
	"unknown scheduler (known: rr, wrr, wlc, lc, sed, nq, sh, dh, mh)"
int fnat_sched_register(struct fnat_sched_ops *ops);
void fnat_sched_unregister(struct fnat_sched_ops *ops);
const struct fnat_sched_ops *fnat_sched_find(const char *name);
int fnat_sched_put_names(struct sk_buff *skb, int type);
int fnat_sched_init(void);
void fnat_sched_uninit(void);
extern struct fnat_sched_ops fnat_sched_rr, fnat_sched_wrr, fnat_sched_wlc;
extern struct fnat_sched_ops fnat_sched_lc, fnat_sched_sed, fnat_sched_nq;
extern struct fnat_sched_ops fnat_sched_sh, fnat_sched_dh, fnat_sched_mh;
void fnat_sched_conf_default(struct fnat_sched_conf *conf);
bool fnat_sched_table_ok(u32 size);

/* persist.c */
int fnat_persist_init(void);
void fnat_persist_uninit(void);
void fnat_persist_flush(void);
struct fnat_persist *fnat_persist_alloc(struct fnat_net *fn, u16 af,
					u32 timeout, u8 prefix);
void fnat_persist_free(struct fnat_persist *ps);
void __fnat_persist_publish(struct fnat_service *svc, struct fnat_persist *ps);
void __fnat_persist_set_timeout(struct fnat_service *svc, u32 timeout);
void __fnat_persist_drop_dest(struct fnat_service *svc,
			      struct fnat_dest *dest);
u32 __fnat_persist_count(struct fnat_service *svc);
struct fnat_dest *fnat_persist_schedule(struct fnat_service *svc,
					const struct fnat_pkt *p);

/* laddr.c */
int __fnat_laddr_add(struct fnat_net *fn, const union nf_inet_addr *addr,
		     u16 af, struct netlink_ext_ack *extack);
int __fnat_laddr_del(struct fnat_net *fn, const union nf_inet_addr *addr,
		     u16 af, struct netlink_ext_ack *extack);
void __fnat_laddr_flush(struct fnat_net *fn);
int __fnat_laddr_bind(struct fnat_net *fn, struct fnat_conn *cp);
void fnat_laddr_put(struct fnat_laddr *la);

/* conn.c */
int fnat_conn_init(void);
int fnat_early_alloc(struct fnat_net *fn);
void fnat_conn_uninit(void);
struct fnat_conn *fnat_conn_lookup(const struct net *net, u8 proto,
				   const union nf_inet_addr *saddr,
				   __be16 sport,
				   const union nf_inet_addr *daddr,
				   __be16 dport, enum fnat_dir *dir);
bool __fnat_conn_hash_out(struct fnat_conn *cp);

/*
 * The connection @p belongs to, and its direction; RCU read side. Keys
 * hold addresses alone: one of the other family with the same bytes is
 * not it.
 */
static inline struct fnat_conn *fnat_conn_find(const struct net *net,
					       const struct fnat_pkt *p,
					       enum fnat_dir *dir)
{
	struct fnat_conn *cp;

	cp = fnat_conn_lookup(net, p->proto, &p->saddr, p->sport,
			      &p->daddr, p->dport, dir);
	return cp && cp->af == p->af ? cp : NULL;
}
struct fnat_conn *fnat_conn_new(struct fnat_net *fn, struct fnat_service *svc,
				const struct fnat_pkt *p);
void fnat_conn_detach(struct fnat_conn *cp);
void fnat_conn_flush_dying(void);
void fnat_conn_expire_dest(struct net *net, struct fnat_dest *dest);
u32 fnat_conn_tab_size(void);
int fnat_conn_dump(struct sk_buff *skb, struct netlink_callback *cb,
		   int (*fill)(struct sk_buff *skb,
			       struct netlink_callback *cb,
			       const struct fnat_conn *cp));

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

/* A packet of @cp going @dir is on its way: count it. */
static inline void fnat_xmit_stats(struct fnat_conn *cp, enum fnat_dir dir,
				   unsigned int len)
{
	fnat_stats_add(cp->dest->stats, dir, len);
	fnat_stats_add(cp->dest->svc->stats, dir, len);
}

/* toa.c (and tcpopt.c, tcpopt.h) */
int fnat_toa_clean(struct fnat_net *fn, struct sk_buff *skb,
		   const struct fnat_pkt *p, struct fnat_tcpopt *o);
bool fnat_toa_insert(struct fnat_net *fn, struct sk_buff *skb,
		     const struct fnat_pkt *p, const struct fnat_tcpopt *o,
		     const struct fnat_conn *cp, unsigned int mtu);

/* The length of the TOA option a client of family @af gets. */
static inline unsigned int fnat_toa_len(u16 af)
{
	return af == AF_INET6 ? TOA_LEN_V6 : TOA_LEN_V4;
}

/* addrs.c */
int __fnat_addr_get(struct fnat_net *fn, u16 af,
		    const union nf_inet_addr *addr);
void __fnat_addr_put(struct fnat_net *fn, u16 af,
		     const union nf_inet_addr *addr);
bool fnat_addr_ours(struct fnat_net *fn, u16 af,
		    const union nf_inet_addr *addr);

/* nat_servers.c */
int __fnat_nat_server_get(struct fnat_net *fn, const struct fnat_dest *dest);
void __fnat_nat_server_put(struct fnat_net *fn, const struct fnat_dest *dest);
bool fnat_nat_stray(struct fnat_net *fn, struct sk_buff *skb,
		    const struct fnat_pkt *p);

/* inet4.c: the IPv4 family */
int fnat_inet4_parse(struct sk_buff *skb, unsigned int off,
		     struct fnat_pkt *p);
bool fnat_inet4_martian(struct fnat_net *fn, const struct sk_buff *skb,
			const struct fnat_pkt *p);
bool fnat_inet4_stray(struct fnat_net *fn, struct sk_buff *skb,
		      const struct fnat_pkt *p);
bool fnat_inet4_local(struct fnat_net *fn, struct sk_buff *skb,
		      const union nf_inet_addr *addr);
void fnat_inet4_csum_addrs(__sum16 *check, struct sk_buff *skb,
			   const struct fnat_pkt *p,
			   const union nf_inet_addr *saddr,
			   const union nf_inet_addr *daddr);
void fnat_inet4_rewrite(struct sk_buff *skb, const struct fnat_pkt *p,
			const union nf_inet_addr *saddr,
			const union nf_inet_addr *daddr);
struct dst_entry *fnat_inet4_route(struct fnat_net *fn,
				   struct dst_entry __rcu **cache,
				   const union nf_inet_addr *daddr,
				   const union nf_inet_addr *saddr,
				   const struct sk_buff *skb, bool *noref);
struct dst_entry *fnat_inet4_route_nh(struct fnat_net *fn,
				      struct dst_entry __rcu **cache,
				      const union nf_inet_addr *nh,
				      const struct sk_buff *skb, bool *noref);
bool fnat_inet4_ttl_expired(struct sk_buff *skb, struct dst_entry *dst,
			    bool tell);
bool fnat_inet4_too_big(struct sk_buff *skb, struct dst_entry *dst,
			unsigned int mtu, unsigned int tell_mtu);
void fnat_inet4_out(struct sk_buff *skb, struct dst_entry *dst, bool noref);
unsigned int fnat_inet4_xmit(struct fnat_net *fn, struct sk_buff *skb,
			     struct dst_entry *dst, bool noref);

/* inet6.c: the IPv6 family */
int fnat_inet6_parse(struct sk_buff *skb, unsigned int off,
		     struct fnat_pkt *p);
bool fnat_inet6_martian(struct fnat_net *fn, const struct sk_buff *skb,
			const struct fnat_pkt *p);
bool fnat_inet6_stray(struct fnat_net *fn, struct sk_buff *skb,
		      const struct fnat_pkt *p);
bool fnat_inet6_local(struct fnat_net *fn, struct sk_buff *skb,
		      const union nf_inet_addr *addr);
void fnat_inet6_csum_addrs(__sum16 *check, struct sk_buff *skb,
			   const struct fnat_pkt *p,
			   const union nf_inet_addr *saddr,
			   const union nf_inet_addr *daddr);
void fnat_inet6_rewrite(struct sk_buff *skb, const struct fnat_pkt *p,
			const union nf_inet_addr *saddr,
			const union nf_inet_addr *daddr);
struct dst_entry *fnat_inet6_route(struct fnat_net *fn,
				   struct dst_entry __rcu **cache,
				   const union nf_inet_addr *daddr,
				   const union nf_inet_addr *saddr,
				   const struct sk_buff *skb, bool *noref);
bool fnat_inet6_ttl_expired(struct sk_buff *skb, struct dst_entry *dst,
			    bool tell);
bool fnat_inet6_too_big(struct sk_buff *skb, struct dst_entry *dst,
			unsigned int mtu, unsigned int tell_mtu);
unsigned int fnat_inet6_xmit(struct fnat_net *fn, struct sk_buff *skb,
			     struct dst_entry *dst, bool noref);

/*
 * The family seam: what protocol and method code call for any family,
 * IPv4's case first (the likelier one). A packet's family is its
 * connection's and its service's: a service has one family (nl_service.c).
 */

/* A source no client can have (RCU read side). */
static inline bool fnat_af_martian(struct fnat_net *fn,
				   const struct sk_buff *skb,
				   const struct fnat_pkt *p)
{
	if (p->af == AF_INET6)
		return fnat_inet6_martian(fn, skb, p);
	return fnat_inet4_martian(fn, skb, p);
}

/* Unmatched, to one of our addresses that the stack would route out. */
static inline bool fnat_af_stray(struct fnat_net *fn, struct sk_buff *skb,
				 const struct fnat_pkt *p)
{
	if (p->af == AF_INET6)
		return fnat_inet6_stray(fn, skb, p);
	return fnat_inet4_stray(fn, skb, p);
}

/* Is @addr, of @p's family, a local address of the director? */
static inline bool fnat_af_local(struct fnat_net *fn, struct sk_buff *skb,
				 const struct fnat_pkt *p,
				 const union nf_inet_addr *addr)
{
	if (p->af == AF_INET6)
		return fnat_inet6_local(fn, skb, addr);
	return fnat_inet4_local(fn, skb, addr);
}

/*
 * A transport checksum at @check covering the pseudo-header of @p, moved
 * to the addresses @saddr, @daddr. @skb NULL: a quoted packet's checksum,
 * plain (no offload state applies to it).
 */
static inline void fnat_af_csum_addrs(__sum16 *check, struct sk_buff *skb,
				      const struct fnat_pkt *p,
				      const union nf_inet_addr *saddr,
				      const union nf_inet_addr *daddr)
{
	if (p->af == AF_INET6)
		fnat_inet6_csum_addrs(check, skb, p, saddr, daddr);
	else
		fnat_inet4_csum_addrs(check, skb, p, saddr, daddr);
}

/* Write the network header's addresses at @p->l3off (and its checksum). */
static inline void fnat_af_rewrite(struct sk_buff *skb,
				   const struct fnat_pkt *p,
				   const union nf_inet_addr *saddr,
				   const union nf_inet_addr *daddr)
{
	if (p->af == AF_INET6)
		fnat_inet6_rewrite(skb, p, saddr, daddr);
	else
		fnat_inet4_rewrite(skb, p, saddr, daddr);
}

/*
 * A route for @skb from @saddr to @daddr, from the cache at @cache (NULL:
 * none). *@noref: the caller has no reference of its own, and uses the
 * route under RCU. fnat_dst_put() undoes it.
 */
static inline struct dst_entry *fnat_af_route(struct fnat_net *fn,
					      struct dst_entry __rcu **cache,
					      const struct fnat_pkt *p,
					      const union nf_inet_addr *daddr,
					      const union nf_inet_addr *saddr,
					      const struct sk_buff *skb,
					      bool *noref)
{
	if (p->af == AF_INET6)
		return fnat_inet6_route(fn, cache, daddr, saddr, skb, noref);
	return fnat_inet4_route(fn, cache, daddr, saddr, skb, noref);
}

/*
 * A route that hands @skb, whatever its destination, to the neighbour
 * @nh on a directly connected network (DR); NULL if @nh is not on one.
 * Cache and *@noref as fnat_af_route().
 */
static inline struct dst_entry *fnat_af_route_nh(struct fnat_net *fn,
						 struct dst_entry __rcu **cache,
						 const struct fnat_pkt *p,
						 const union nf_inet_addr *nh,
						 const struct sk_buff *skb,
						 bool *noref)
{
	/* DR over IPv6 is refused when a real server is added (service.c). */
	if (p->af == AF_INET6) {
		*noref = false;
		return NULL;
	}
	return fnat_inet4_route_nh(fn, cache, nh, skb, noref);
}

static inline void fnat_dst_put(struct dst_entry *dst, bool noref)
{
	if (!noref)
		dst_release(dst);
}

/* Hop limit reached? Tells the sender if @tell. */
static inline bool fnat_af_ttl_expired(struct sk_buff *skb,
				       const struct fnat_pkt *p,
				       struct dst_entry *dst, bool tell)
{
	if (p->af == AF_INET6)
		return fnat_inet6_ttl_expired(skb, dst, tell);
	return fnat_inet4_ttl_expired(skb, dst, tell);
}

/* Too big for @mtu and not to be fragmented? Tells the sender @tell_mtu. */
static inline bool fnat_af_too_big(struct sk_buff *skb,
				   const struct fnat_pkt *p,
				   struct dst_entry *dst, unsigned int mtu,
				   unsigned int tell_mtu)
{
	if (p->af == AF_INET6)
		return fnat_inet6_too_big(skb, dst, mtu, tell_mtu);
	return fnat_inet4_too_big(skb, dst, mtu, tell_mtu);
}

/* Send a rewritten packet on @dst, as the forwarding path would. */
static inline unsigned int fnat_af_xmit(struct fnat_net *fn,
					struct sk_buff *skb,
					const struct fnat_pkt *p,
					struct dst_entry *dst, bool noref)
{
	if (p->af == AF_INET6)
		return fnat_inet6_xmit(fn, skb, dst, noref);
	return fnat_inet4_xmit(fn, skb, dst, noref);
}

/* core.c */
int fnat_hooks_get(struct fnat_net *fn);
void fnat_hooks_put(struct fnat_net *fn);

/* icmp.c */
unsigned int fnat_icmp_in(struct fnat_net *fn, struct sk_buff *skb,
			  const struct fnat_pkt *p);

/* icmp6.c */
unsigned int fnat_icmp6_in(struct fnat_net *fn, struct sk_buff *skb,
			   const struct fnat_pkt *p);

#endif /* _FULLNAT_H */
