/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The director's objects as plain C: what a command line or a cluster file
 * asks for, and what the kernel reports. No libnl here: the parsers, the
 * printers and their unit tests use these without a socket; api.h turns
 * them into netlink requests and back.
 *
 * "Unset" is spelt in each struct: -1 for toa, fwd and weight, "" for the
 * scheduler, a clear bit in lb_config.present. An unset field is left out
 * of a request, so the kernel keeps (SET) or defaults (NEW) it.
 */
#ifndef LBCTL_LB_H
#define LBCTL_LB_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <linux/fullnat.h>

#include "parse.h"

/* Traffic of a service or real server (FULLNAT_A_STATS_*). */
struct lb_stats {
	uint64_t conns;
	uint64_t inpkts, outpkts;
	uint64_t inbytes, outbytes;
};

/* A virtual service. proto, addr and port are its key. */
struct lb_service {
	enum lb_proto proto;
	struct lb_addr addr;			/* the VIP */
	uint16_t port;
	int fwd;				/* enum lb_fwd, -1 unset */
	char sched[FULLNAT_SCHED_NAME_MAX];	/* "" unset */
	int toa;				/* 0, 1, -1 unset */
	/* Options of sh, dh, mh (FULLNAT_A_SVC_SCHED_OPTS). */
	int sched_port;				/* 0, 1, -1 unset */
	int32_t sched_table;			/* a prime, -1 unset */
	/* Client affinity (FULLNAT_A_SVC_PERSIST_*). */
	int32_t persist_timeout;		/* seconds, 0 off, -1 unset */
	int32_t persist_netmask;		/* prefix length, -1 unset */
	/* Replies only. */
	uint32_t templates;			/* persistence templates */
	struct lb_stats stats;
	uint32_t real_servers;
	struct lb_stats rate;			/* per second: lbctl show --rate */
};

/* A real server of a service. addr and port are its key. */
struct lb_dest {
	struct lb_addr addr;
	uint16_t port;
	int32_t weight;				/* 0..65535, -1 unset */
	int fwd;				/* enum lb_fwd, -1 unset: the
						 * service's (read: the same) */
	/* Replies only. */
	uint32_t active, inactive;
	struct lb_stats stats;
	struct lb_stats rate;			/* per second: lbctl show --rate */
};

/* A local address of the FullNAT pool. */
struct lb_laddr {
	struct lb_addr addr;
	/* Replies only. */
	uint32_t ports_in_use;
	uint64_t conns, conflicts, exhausted;
};

/* Which fields of struct lb_config are set. */
#define LB_CFG_CONN_MAX		(1u << 0)
#define LB_CFG_PORT_RANGE	(1u << 1)	/* port_min and port_max */
#define LB_CFG_EXPIRE_NODEST	(1u << 2)
#define LB_CFG_EXPIRE_QUIESCENT	(1u << 3)
/*
 * The timeouts of every protocol's states in one array, TCP's first:
 * LB_TIMEOUT_TCP(FULLNAT_TCP_S_*) is the state itself.
 */
#define LB_TIMEOUT_TCP(state)	(state)
#define LB_TIMEOUT_UDP(state)	(FULLNAT_TCP_S_MAX + 1 + (state))
#define LB_TIMEOUTS		LB_TIMEOUT_UDP(FULLNAT_UDP_S_MAX + 1)
#define LB_CFG_TIMEOUT(t)	(1u << (8 + (t)))	/* LB_TIMEOUT_*() */

struct lb_config {
	unsigned int present;			/* LB_CFG_* */
	uint32_t conn_max;
	uint16_t port_min, port_max;
	bool expire_nodest;
	bool expire_quiescent;
	uint32_t timeout[LB_TIMEOUTS];		/* by LB_TIMEOUT_*() */
};

/* One entry of the connection table. */
struct lb_conn {
	enum lb_proto proto;
	struct lb_addrport client, vip;
	struct lb_addrport local;		/* family 0: none (not FullNAT) */
	struct lb_addrport real;
	unsigned int state;			/* FULLNAT_TCP_S_* or, for
						 * UDP, FULLNAT_UDP_S_* */
	uint32_t expires;			/* seconds */
	int fwd;				/* enum lb_fwd, -1 unknown */
	bool nodata;				/* FULLNAT_CONN_F_NODATA */
	bool has_seq, has_isn;			/* TCP: seq, isn known */
	struct lb_tcp_seq {
		uint32_t end[2];		/* [0] client's, [1] server's */
		uint16_t win[2];
		uint8_t wscale[2];		/* 255: none */
	} seq;
	uint32_t isn;				/* the real server's ISN */
};

/*
 * Which connections "conn del" deletes (FULLNAT_CMD_DEL_CONN): those of
 * every part whose address family is not 0 (a client only with the
 * service, vip); all of them when no part is.
 */
struct lb_conn_filter {
	enum lb_proto proto;			/* the service's, with vip */
	struct lb_addrport vip, real, client;
};

/* A persistence template (FULLNAT_CMD_GET_TEMPLATE). */
struct lb_template {
	enum lb_proto proto;
	struct lb_addrport vip;			/* its service */
	struct lb_addr client;			/* under the netmask */
	unsigned int netmask;			/* prefix length */
	struct lb_addrport real;
	uint32_t conns;				/* connections it scheduled */
	uint32_t expires;			/* seconds */
};

/* A counter of FULLNAT_A_INFO_COUNTERS: id is its FULLNAT_CNT_*. */
struct lb_counter {
	unsigned int id;
	uint64_t value;
};

/* More than the ABI has, so a newer module's counters still fit. */
#define LB_COUNTERS_MAX		128

/* More than a module has protocols, families or schedulers; past it, the
 * rest are not kept. */
#define LB_CAPS_MAX		32

/* FULLNAT_CMD_GET_INFO. */
struct lb_info {
	char version[32];
	uint32_t abi;
	uint64_t netns_cookie;
	uint32_t services;
	uint32_t real_servers;
	uint32_t conns;
	uint32_t conn_max;
	bool has_generation;			/* older modules have none */
	uint64_t generation;			/* of the configuration */
	unsigned int n_counters;
	struct lb_counter counters[LB_COUNTERS_MAX];	/* in reply order */
	/* What the module can do; has_caps false: it did not say. */
	bool has_caps;
	uint32_t forwards;			/* 1 << enum lb_fwd */
	bool fullnat64;		/* IPv4 real servers of IPv6 services */
	unsigned int n_protocols, n_families, n_scheds;
	uint8_t protocols[LB_CAPS_MAX];		/* IPPROTO_* */
	uint16_t families[LB_CAPS_MAX];		/* AF_* */
	char scheds[LB_CAPS_MAX][FULLNAT_SCHED_NAME_MAX];
};

/*
 * Growable arrays: v[0..n), room for cap. lb_list_push() appends a copy of
 * *elem to any of them and returns 0 or -ENOMEM; lb_list_free() empties;
 * lb_list_find() is the first element e for which cond holds, or NULL.
 */
#define LB_LIST(name, type)	struct name { type *v; size_t n, cap; }

LB_LIST(lb_dest_list, struct lb_dest);
LB_LIST(lb_laddr_list, struct lb_laddr);
LB_LIST(lb_conn_list, struct lb_conn);

/* A service with its real servers, as "lbctl show" lists them. */
struct lb_svc_entry {
	struct lb_service svc;
	struct lb_dest_list dests;
};

LB_LIST(lb_svc_list, struct lb_svc_entry);

int lb_list_grow(void **v, size_t *cap, size_t n, size_t size);

#define lb_list_push(list, elem) ({					\
	void *v_ = (list)->v;						\
	int r_ = lb_list_grow(&v_, &(list)->cap, (list)->n,		\
			      sizeof(*(list)->v));			\
	(list)->v = v_;							\
	if (!r_)							\
		(list)->v[(list)->n++] = *(elem);			\
	r_; })

#define lb_list_find(list, e, cond) ({				\
	__typeof__((list)->v[0]) *e = (list)->v;			\
	while (e < (list)->v + (list)->n && !(cond))			\
		e++;							\
	e < (list)->v + (list)->n ? e : NULL; })

#define lb_list_free(list) do {						\
	free((list)->v);						\
	(list)->v = NULL;						\
	(list)->n = (list)->cap = 0;					\
} while (0)

/* Everything "lbctl show" prints: one director. */
struct lb_snapshot {
	struct lb_info info;
	bool has_config, has_laddrs;	/* read for JSON only */
	struct lb_config config;
	struct lb_laddr_list laddrs;
	struct lb_svc_list services;
};

/*
 * What a dump calls for each object (api.h), a struct lb_service,
 * lb_dest, lb_laddr, lb_conn or lb_template as the dump lists. Before it reads the table
 * again, after the kernel said the table changed under it, it calls the
 * same function with NULL: forget what came so far. Return 0, or -errno to
 * stop the dump with that error.
 */
typedef int (*lb_obj_fn)(const void *obj, void *arg);

/* Ready-made ones that collect into a list: arg is a struct lb_svc_list
 * (each service with no real servers yet), lb_dest_list, ... */
int lb_collect_service(const void *svc, void *list);
int lb_collect_dest(const void *dest, void *list);
int lb_collect_laddr(const void *laddr, void *list);
int lb_collect_conn(const void *conn, void *list);

void lb_svc_list_free(struct lb_svc_list *list);

/*
 * The rate of each service and real server of now, per second, from its
 * stats and those of the same one in before, read secs seconds earlier
 * (one not in before, or whose counters went back: counted from zero).
 */
void lb_svc_list_rate(struct lb_svc_list *now,
		      const struct lb_svc_list *before, double secs);
void lb_snapshot_free(struct lb_snapshot *snap);

/* An object with every field unset. */
void lb_service_init(struct lb_service *svc);
void lb_dest_init(struct lb_dest *dest);
void lb_config_init(struct lb_config *cfg);

/* Same key: protocol, address and port (service) or address and port. */
bool lb_addr_equal(const struct lb_addr *a, const struct lb_addr *b);
bool lb_service_same(const struct lb_service *a, const struct lb_service *b);
bool lb_dest_same(const struct lb_dest *a, const struct lb_dest *b);
/* A connection not yet over: any but TCP's TIME_WAIT and CLOSE. */
bool lb_conn_open(const struct lb_conn *c);
/* FullNAT64's: the client's side of one family, the real server's of the
 * other (an IPv6 service, an IPv4 real server and LIP). */
bool lb_conn_xlat(const struct lb_conn *c);

/*
 * Applies fn(arg, address, add) to each address of range in order. If a
 * call fails, the addresses done so far are undone, newest first, with
 * fn(arg, address, !add), and the first error is returned; *failed (if not
 * NULL) gets the address that failed. An undo that fails too is counted in
 * *undo_failed (if not NULL) and the undo goes on. So a range is applied
 * whole or, as far as the undo can, not at all.
 */
typedef int (*lb_addr_fn)(void *arg, const struct lb_addr *addr, bool add);
int lb_range_apply(const struct lb_addr_range *range, bool add,
		   lb_addr_fn fn, void *arg, struct lb_addr *failed,
		   unsigned int *undo_failed);

#endif /* LBCTL_LB_H */
