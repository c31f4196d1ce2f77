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
#include <linux/ratelimit.h>
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
#include "conn.h"
#include "pkt.h"
#include "tcpopt.h"

#define FNAT_DEFAULT_CONN_MAX	(1U << 20)
#define FNAT_SVC_TAB_BITS	8
#define FNAT_ADDR_TAB_BITS	4	/* VIPs and LIPs (addrs.c) */
#define FNAT_NAT_SERVER_TAB_BITS 4	/* NAT real servers (nat_servers.c) */
#define FNAT_DEFAULT_PORT_MIN	1024
#define FNAT_DEFAULT_PORT_MAX	65535
/* A TCP header with all 40 bytes of options. */
#define FNAT_MAX_TCP_HDR	60

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
	bool routes6;			/* an IPv6 route was cached: its
					 * exit waits for it (netns.c) */
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
	/* FullNAT64's errors, new packets of ours (xlat.c) */
	struct ratelimit_state xlat_errors;
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
	atomic_t active;		/* fnat_dest_count() says which */
	atomic_t inactive;		/* connections count where */
	struct fnat_stats __percpu *stats;
	/* The route toward this server, holds a reference (fnat_af_route()). */
	union fnat_rt_cache rt;
	/* TUN's (either family) or DR6's, with its source (fnat_dest_route()). */
	struct fnat_dest_route __rcu *route;
	refcount_t refcnt;		/* the service's, and one per conn */
	struct rcu_head rcu;
};

/*
 * The counter of @d that a connection of @proto in @state counts in, as
 * IPVS counts (since Linux 4.8): a TCP connection is active from its
 * first SYN through ESTABLISHED (NONE, SYN_RECV: a burst of new
 * connections loads a server as soon as it is sent there, or sed and nq
 * would send the whole burst to one), inactive once it closes; a UDP
 * connection is always inactive. A connection is counted from its
 * creation to its destruction, and moves only when a state change
 * crosses the line (proto_tcp.c's set_state()).
 */
static inline atomic_t *fnat_dest_count(struct fnat_dest *d, u8 proto,
					u8 state)
{
	return proto == IPPROTO_TCP && state <= FULLNAT_TCP_S_ESTABLISHED ?
	       &d->active : &d->inactive;
}

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
struct fnat_dest *__fnat_dest_lookup(struct fnat_service *svc, u16 af,
				     const union nf_inet_addr *addr,
				     __be16 port);
bool __fnat_dest_xlat_to(struct fnat_net *fn, u16 af);
int __fnat_dest_add(struct fnat_net *fn, struct fnat_service *svc,
		    u16 af, const union nf_inet_addr *addr, __be16 port,
		    u32 weight, u8 fwd, struct netlink_ext_ack *extack);
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
int __fnat_laddr_count(struct fnat_net *fn, u16 af);
int __fnat_laddr_bind(struct fnat_net *fn, struct fnat_conn *cp);
void fnat_laddr_put(struct fnat_laddr *la);

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
bool fnat_toa_lower_mss(struct sk_buff *skb, unsigned int thoff,
			unsigned int toa_len);
void fnat_toa_strip_fastopen(struct fnat_net *fn, struct sk_buff *skb,
			     const struct fnat_pkt *p);

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
unsigned int fnat_nat_stray_error(struct fnat_net *fn, struct sk_buff *skb,
				  const struct fnat_pkt *p,
				  const struct fnat_pkt *q);

/* inet4.c: the IPv4 family */
int fnat_inet4_parse(struct sk_buff *skb, unsigned int off,
		     struct fnat_pkt *p);
bool fnat_inet4_martian(struct fnat_net *fn, const struct net_device *dev,
			const union nf_inet_addr *addr);
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
struct dst_entry *fnat_inet4_route_key(struct fnat_net *fn,
				       struct dst_entry __rcu **cache,
				       const union nf_inet_addr *daddr,
				       const union nf_inet_addr *saddr,
				       u8 tos, u32 mark, bool *noref);
struct dst_entry *fnat_inet4_route_nh(struct fnat_net *fn,
				      struct dst_entry __rcu **cache,
				      const union nf_inet_addr *nh,
				      const struct sk_buff *skb, bool *noref);
bool fnat_inet4_ttl_expired(struct sk_buff *skb, struct dst_entry *dst,
			    bool tell);
bool fnat_inet4_exceeds(const struct sk_buff *skb, unsigned int mtu);
bool fnat_inet4_too_big(struct sk_buff *skb, struct dst_entry *dst,
			unsigned int mtu, unsigned int tell_mtu);
void fnat_inet4_out(struct sk_buff *skb, struct dst_entry *dst, bool noref);
unsigned int fnat_inet4_xmit(struct fnat_net *fn, struct sk_buff *skb,
			     struct dst_entry *dst, bool noref);

/* inet6.c: the IPv6 family */
int fnat_inet6_parse(struct sk_buff *skb, unsigned int off,
		     struct fnat_pkt *p);
bool fnat_inet6_martian(struct fnat_net *fn, const struct net_device *dev,
			const union nf_inet_addr *addr);
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
				   struct fnat_rt6 __rcu **cache,
				   const union nf_inet_addr *daddr,
				   const union nf_inet_addr *saddr,
				   const struct sk_buff *skb, bool *noref);
struct dst_entry *fnat_inet6_route_key(struct fnat_net *fn,
				       struct fnat_rt6 __rcu **cache,
				       const union nf_inet_addr *daddr,
				       const union nf_inet_addr *saddr,
				       u32 mark, __be32 flowinfo, bool *noref);
struct dst_entry *fnat_inet6_route_nh(struct fnat_net *fn,
				      struct fnat_dest *dest,
				      const struct sk_buff *skb, bool *noref);
bool fnat_inet6_uncached(struct fnat_net *fn, const struct sk_buff *skb);
void fnat_rt_cache_free(union fnat_rt_cache *cache, u16 af);
bool fnat_inet6_ttl_expired(struct sk_buff *skb, struct dst_entry *dst,
			    bool tell);
bool fnat_inet6_exceeds(const struct sk_buff *skb, unsigned int mtu);
bool fnat_inet6_too_big(struct sk_buff *skb, struct dst_entry *dst,
			unsigned int mtu, unsigned int tell_mtu);
unsigned int fnat_inet6_xmit(struct fnat_net *fn, struct sk_buff *skb,
			     struct dst_entry *dst, bool noref);

/*
 * The family seam: what protocol and method code call for any family,
 * IPv4's case first (the likelier one). A packet's family is its
 * connection's and its service's: a service has one family (nl_service.c).
 */

/*
 * A source no client can have (RCU read side), come in on @dev (NULL: a
 * request's address, nl_conn.c).
 */
static inline bool fnat_af_martian(struct fnat_net *fn, u16 af,
				   const struct net_device *dev,
				   const union nf_inet_addr *addr)
{
	if (af == AF_INET6)
		return fnat_inet6_martian(fn, dev, addr);
	return fnat_inet4_martian(fn, dev, addr);
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
					      union fnat_rt_cache *cache,
					      const struct fnat_pkt *p,
					      const union nf_inet_addr *daddr,
					      const union nf_inet_addr *saddr,
					      const struct sk_buff *skb,
					      bool *noref)
{
	if (p->af == AF_INET6)
		return fnat_inet6_route(fn, cache ? &cache->rt6 : NULL, daddr,
					saddr, skb, noref);
	return fnat_inet4_route(fn, cache ? &cache->dst : NULL, daddr, saddr,
				skb, noref);
}

/*
 * A route that hands @skb, whatever its destination, to the real server
 * @dest as the neighbour on a directly connected network (DR); NULL if it
 * is not on one. Cached per server; *@noref as fnat_af_route().
 */
static inline struct dst_entry *fnat_af_route_nh(struct fnat_net *fn,
						 struct fnat_dest *dest,
						 const struct fnat_pkt *p,
						 const struct sk_buff *skb,
						 bool *noref)
{
	if (p->af == AF_INET6)
		return fnat_inet6_route_nh(fn, dest, skb, noref);
	return fnat_inet4_route_nh(fn, &dest->rt.dst, &dest->addr, skb, noref);
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
