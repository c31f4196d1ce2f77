// SPDX-License-Identifier: GPL-2.0
/*
 * Local addresses (LIPs) and local ports.
 *
 * One pool per director (network namespace), shared by all its FullNAT
 * services, rather than one per service: what must be unique is the
 * real-server side tuple (LIP, lport, RIP, rport), which does not depend
 * on the service, so a shared pool gives every service the whole port
 * space instead of slicing it, and an operator describes a director's
 * LIPs once (they are routed to that director, which is a property of the
 * director, not of a service).
 *
 * Allocation: the LIPs are tried in turn starting from a rotating cursor;
 * on each, ports are probed from a per-LIP cursor that moves on after
 * every success, so a port comes back into use only after the whole range
 * has been cycled through. A probe is an insertion of the connection's
 * real-server side key into the connection table, which fails if the
 * tuple is in use; the table is the only record of what is taken, so
 * there is no bitmap to keep in step and "in use" includes connections
 * lingering in TIME_WAIT. That linger is the quarantine: a tuple whose
 * connection closed normally stays taken for the TIME_WAIT timeout
 * (default 60 s, Linux's own TIME_WAIT), so it is not handed to a new
 * client while the real server may still hold the old connection. A
 * reset connection frees its tuple after the short CLOSE timeout, or
 * sooner to a new connection that finds no other (below).
 *
 * Ports: the configured range (port_range) minus the namespace's
 * net.ipv4.ip_local_port_range (which IPv6 shares). That range is where
 * the kernel picks every automatic port of a local socket (a socket's
 * own IP_LOCAL_PORT_RANGE only narrows it): a connect() from a LIP (the
 * agent's health checks, anything else on the director that uses a LIP
 * as source) takes its port there without looking at our table, as we
 * take ours without looking at the sockets', so both could use one
 * LIP:port toward one RIP:rport: the real server would see a second SYN
 * on a live connection, and the socket's replies would be taken for the
 * connection's. Kept apart, the two can never meet, and it costs a read
 * of the sysctl per new connection, no lookup in the sockets' tables.
 * The helper reads it alike on 6.1 (exported, under a seqlock) and 6.12
 * (inline, one word). The sysctl is read at each allocation, so changing it
 * takes effect for new connections at once; a port_range lying inside it
 * is refused (netlink.c), one it later covers leaves no port (no_port).
 * A socket bound to an explicit LIP:port is the operator's to keep out of
 * port_range.
 *
 * When no tuple is free, the TCP connection idle longest among the
 * half-open or reset ones found holding the ports probed, if idle for a
 * second, gives its tuple to the new one (early drop: conn_evict.c), so
 * that a SYN flood cannot hold them all. When none does, the new
 * connection is refused by dropping the SYN, silently:
 * the client retransmits it and gets through as soon as a tuple frees
 * up, where a reset would fail the connection at once. The no_port
 * counter and the LIP's "exhausted" counter say why.
 */
#include <linux/slab.h>
#include <net/ip.h>

#include "fullnat.h"

/*
 * Probes per LIP per new connection: bounds the work a SYN flood can cause
 * when the range is nearly full. A range this full is counted as
 * exhausted, which is what it practically is. A LIP found exhausted is
 * remembered as such for a second (FULL_RECHECK); until then a new
 * connection probes only a few random ports of it (FULL_PROBES), each a
 * bucket lock and a chain walk, instead of thousands: a flood against a
 * full pool costs little, and a port that frees up is still found.
 */
#define PORT_PROBES	4096
#define FULL_PROBES	8
#define FULL_RECHECK	HZ

static void laddr_free_rcu(struct rcu_head *head)
{
	kfree(container_of(head, struct fnat_laddr, rcu));
}

void fnat_laddr_put(struct fnat_laddr *la)
{
	if (refcount_dec_and_test(&la->refcnt))
		call_rcu(&la->rcu, laddr_free_rcu);
}

static struct fnat_laddr *__laddr_lookup(struct fnat_net *fn,
					 const union nf_inet_addr *addr,
					 u16 af)
{
	struct fnat_laddr *la;

	lockdep_assert_held(&fn->lock);
	list_for_each_entry(la, &fn->laddrs, list) {
		if (la->af == af && nf_inet_addr_cmp(&la->addr, addr))
			return la;
	}
	return NULL;
}

int __fnat_laddr_add(struct fnat_net *fn, const union nf_inet_addr *addr,
		     u16 af, struct netlink_ext_ack *extack)
{
	struct fnat_service *svc;
	struct fnat_laddr *la;

	lockdep_assert_held(&fn->lock);
	if (__laddr_lookup(fn, addr, af)) {
		NL_SET_ERR_MSG(extack, "the local address is already in the pool");
		return -EEXIST;
	}
	list_for_each_entry(svc, &fn->svc_list, list) {
		if (nf_inet_addr_cmp(&svc->addr, addr)) {
			NL_SET_ERR_MSG(extack,
				       "a local address cannot be a virtual service address");
			return -EINVAL;
		}
	}
	la = kzalloc(sizeof(*la), GFP_KERNEL);
	if (!la)
		return -ENOMEM;
	if (__fnat_addr_get(fn, af, addr)) {
		kfree(la);
		return -ENOMEM;
	}
	la->af = af;
	la->addr = *addr;
	refcount_set(&la->refcnt, 1);
	list_add_tail_rcu(&la->list, &fn->laddrs);
	WRITE_ONCE(fn->nr_laddrs, fn->nr_laddrs + 1);
	fn->gen++;
	return 0;
}

static void __laddr_unlink(struct fnat_net *fn, struct fnat_laddr *la)
{
	list_del_rcu(&la->list);
	__fnat_addr_put(fn, la->af, &la->addr);
	WRITE_ONCE(la->removed, true);
	WRITE_ONCE(fn->nr_laddrs, fn->nr_laddrs - 1);
	fn->gen++;
	fnat_laddr_put(la);
}

/*
 * A removed address takes no new connections; the connections that have
 * it keep a reference and finish normally.
 */
int __fnat_laddr_del(struct fnat_net *fn, const union nf_inet_addr *addr,
		     u16 af, struct netlink_ext_ack *extack)
{
	struct fnat_laddr *la = __laddr_lookup(fn, addr, af);

	if (!la) {
		NL_SET_ERR_MSG(extack, "no such local address in the pool");
		return -ENOENT;
	}
	if (__fnat_laddr_count(fn, af) == 1 && __fnat_dest_xlat_to(fn, af)) {
		NL_SET_ERR_MSG(extack,
			       "the last local address of its family serves FullNAT64 real servers: delete them first");
		return -EBUSY;
	}
	__laddr_unlink(fn, la);
	return 0;
}

/* How many local addresses of @af the pool has. */
int __fnat_laddr_count(struct fnat_net *fn, u16 af)
{
	struct fnat_laddr *la;
	int n = 0;

	lockdep_assert_held(&fn->lock);
	list_for_each_entry(la, &fn->laddrs, list)
		n += la->af == af;
	return n;
}

void __fnat_laddr_flush(struct fnat_net *fn)
{
	struct fnat_laddr *la, *tmp;

	lockdep_assert_held(&fn->lock);
	list_for_each_entry_safe(la, tmp, &fn->laddrs, list)
		__laddr_unlink(fn, la);
}

/*
 * The ports FullNAT uses: @nports of them from @pmin, skipping the @gap
 * ports of ip_local_port_range that lie @gap_at ports above @pmin. One
 * hole at most, since both ranges are intervals; ports are numbered
 * 0..nports-1 over what is left, so the walk below is the same as over
 * a plain range.
 */
struct fnat_ports {
	u32 pmin, nports, gap_at, gap;
};

static u16 port_nth(const struct fnat_ports *pr, u32 n)
{
	return pr->pmin + n + (n >= pr->gap_at ? pr->gap : 0);
}

/* The ports to use now: port_range minus ip_local_port_range. */
static void fnat_ports_get(struct fnat_net *fn, struct fnat_ports *pr)
{
	u32 range = READ_ONCE(fn->cfg.port_range);
	int pmin = range >> 16, pmax = range & 0xffff, lo, hi;

	inet_get_local_port_range(fn->net, &lo, &hi);
	lo = max(lo, pmin);
	hi = min(hi, pmax);
	pr->pmin = pmin;
	pr->nports = pmax >= pmin ? pmax - pmin + 1 : 0;
	pr->gap_at = pr->nports;
	pr->gap = 0;
	if (lo <= hi) {
		pr->gap_at = lo - pmin;
		pr->gap = hi - lo + 1;
		pr->nports -= pr->gap;
	}
}

/* A tuple to take from its connection, should none be free. */
struct steal {
	struct fnat_conn *victim;
	struct fnat_laddr *la;
	__be16 lport;
};

/*
 * Try the ports of @la for @cp; true when a tuple was taken. Of the
 * connections found holding the first FULL_PROBES ports tried, the one
 * early drop would best take goes into @st (conn_evict.c).
 */
static bool bind_on(struct fnat_conn *cp, struct fnat_laddr *la,
		    const struct fnat_ports *pr, struct steal *st)
{
	u32 nports = pr->nports;
	/* TCP's and UDP's tuples are apart: so is whether each is full. */
	unsigned long *full_at = &la->full_until[cp->proto == IPPROTO_UDP];
	unsigned long full_until = READ_ONCE(*full_at);
	u32 base = (u32)atomic_inc_return(&la->cursor);
	u32 i, probes = min_t(u32, nports, PORT_PROBES);
	bool full = full_until && time_before(jiffies, full_until);

	cp->laddr = la->addr;
	if (full)
		probes = min_t(u32, probes, FULL_PROBES);
	for (i = 0; i < probes; i++) {
		u32 port = full ? get_random_u32_below(nports) : (base + i) % nports;
		struct fnat_conn *holder = NULL;

		cp->lport = htons(port_nth(pr, port));
		if (__fnat_conn_hash_out(cp, &holder)) {
			/* A race here only changes where the next probe starts. */
			if (!full)
				atomic_set(&la->cursor, base + i);
			else
				WRITE_ONCE(*full_at, 0);
			return true;
		}
		atomic64_inc(&la->conflicts);
		if (i < FULL_PROBES && holder && holder->local == la &&
		    fnat_steal_candidate(holder, st->victim)) {
			st->victim = holder;
			st->la = la;
			st->lport = cp->lport;
		}
	}
	atomic64_inc(&la->exhausted);
	if (!full)
		WRITE_ONCE(*full_at, (jiffies + FULL_RECHECK) | 1);
	return false;
}

/* @cp took a tuple of @la, and the caller's reference. */
static void laddr_bound(struct fnat_conn *cp, struct fnat_laddr *la)
{
	cp->local = la;
	atomic_inc(&la->ports_in_use);
	atomic64_inc(&la->conns);
}

/*
 * Give @cp a local address and port and hash its real-server side.
 * RCU read side (softirq), caller holds cp->lock: the connection is
 * complete but for its local address, which is set before each probe
 * (see Lifetime in conn.c). Returns 0, -ENOENT when the pool has no
 * address of the connection's family, or -EADDRINUSE when every tuple is
 * taken.
 */
int __fnat_laddr_bind(struct fnat_net *fn, struct fnat_conn *cp)
{
	int n = READ_ONCE(fn->nr_laddrs), skip, tried = 0;
	struct steal st = {};
	struct fnat_ports pr;
	struct fnat_laddr *la;
	bool pass2 = false, any = false;

	lockdep_assert_held(&cp->lock);
	if (n <= 0)
		return -ENOENT;
	/* With no port left every LIP is full, and counted so (bind_on). */
	fnat_ports_get(fn, &pr);
	skip = (u32)atomic_inc_return(&fn->laddr_cursor) % n;

	/* Start at the skip-th address, wrap around once. */
again:
	list_for_each_entry_rcu(la, &fn->laddrs, list) {
		if (!pass2 && skip-- > 0)
			continue;
		if (pass2 && tried >= n)
			break;
		tried++;
		if (la->af != cp->daf || READ_ONCE(la->removed))
			continue;
		any = true;
		if (!refcount_inc_not_zero(&la->refcnt))
			continue;
		if (bind_on(cp, la, &pr, &st)) {
			laddr_bound(cp, la);
			return 0;
		}
		fnat_laddr_put(la);
	}
	if (!pass2) {
		pass2 = true;
		goto again;
	}
	/*
	 * None free: the tuple of an idle half-open connection found holding
	 * one (fnat_steal_candidate()), whose lock nests in ours: nobody can
	 * find this one yet, nothing of it is hashed. Not on a LIP deleted
	 * meanwhile, which its connections' references keep alive.
	 */
	if (st.victim && !READ_ONCE(st.la->removed) &&
	    refcount_inc_not_zero(&st.la->refcnt)) {
		cp->laddr = st.la->addr;
		cp->lport = st.lport;
		/* Another CPU may take the freed tuple first. */
		if (fnat_early_drop_nested(fn, st.victim) &&
		    __fnat_conn_hash_out(cp, NULL)) {
			laddr_bound(cp, st.la);
			return 0;
		}
		fnat_laddr_put(st.la);
	}
	return any ? -EADDRINUSE : -ENOENT;
}
