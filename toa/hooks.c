// SPDX-License-Identifier: GPL-2.0
/*
 * Where the module meets the kernel: probes by symbol name and one
 * tracepoint, the mechanisms the kernel offers for this. The kernel
 * patches its own text to arm them; nothing here writes to kernel text or
 * read-only data itself (inet_stream_ops and ipv4_specific are const, the
 * IPv6 ones not exported), and unregistering a probe undoes exactly what
 * registering it did.
 *
 *   tcp_v4_syn_recv_sock   kretprobe: the child socket of an IPv4 packet
 *   tcp_v6_syn_recv_sock   kretprobe: ... of an IPv6 packet. An IPv4 client
 *                          of a dual-stack listener passes through both
 *                          (v6 calls v4); it is recorded by the v4 one,
 *                          or by the v6 one if the v4 one did not see it.
 *   inet_getname           kretprobe: getpeername()/accept() on AF_INET
 *   inet6_getname          kretprobe: ... on AF_INET6, IPv4-mapped included
 *   tcp:tcp_destroy_sock   tracepoint: the socket's entry goes. It fires
 *                          in tcp_v4_destroy_sock() (IPv6 sockets call it
 *                          too), from inet_csk_destroy_sock(), the end of
 *                          every TCP socket that was a child, whatever
 *                          took it there: close(), a reset or timeout of
 *                          an orphan, a listener's queue freed, a child
 *                          that failed before syn_recv_sock returned it,
 *                          as the loser of owns_request() does (destroyed
 *                          in inet_ehash_nolisten(), and never recorded).
 *
 * Both syn_recv_sock functions see the completing packet whether it came
 * through the request queue or a SYN cookie (cookie_v{4,6}_check() call
 * the same function), and they return the child before anyone else can see
 * it; of two children built at once for one request (owns_request()) the
 * one kept is recorded. A TCP Fast Open child is created by the same
 * functions, but from the SYN, which carries no TOA (the director writes
 * it into the third ACK and later packets, when the child exists
 * already): such connections show the LIP, and any stale entry under the
 * new socket is removed as for every child without TOA. The getname probes
 * rewrite the kernel buffer that getpeername() and accept() copy to
 * userspace afterwards (peer == 2 for accept).
 *
 * Order: the destructor's tracepoint first, so no entry can be created for
 * a socket whose end would go unnoticed; the creating probes last. Exit is
 * the mirror. unregister_k{ret}probes() wait (synchronize_rcu()) for every
 * handler that is running, tracepoint_synchronize_unregister() for the
 * tracepoint's; a getname still sleeping in lock_sock() when its probe
 * goes returns through the kernel's rethook trampoline, which finds the
 * handler gone and calls nothing of ours. After toa_hooks_uninit() no code
 * or data of this module is reached by a probe.
 *
 * Misses, the residual risk. The kernel skips a k(ret)probe, calling
 * nothing of ours, in two cases (a tracepoint is a plain call, never
 * skipped: hence the destructor is one):
 *  - a kretprobe has all its instances in use (kretprobe nmissed). An
 *    instance is held from entry to return, and inet{,6}_getname() may
 *    sleep in lock_sock() while holding one: hence maxactive far above the
 *    number of CPUs. Only more threads than that blocked in getname() on
 *    contended sockets at once exhaust it.
 *  - a probe fires on a CPU where a kprobe handler is already running
 *    (kprobe nmissed): a softirq that interrupts a handler running in
 *    process context (our getname handlers, or any other tool's kprobe)
 *    skips every probe it meets, for all the packets it processes. The
 *    getname return handler does its work with interrupts off, which
 *    leaves the kprobe core's own instructions and our short entry
 *    handler as that window. (The destructor was a kprobe on
 *    inet_sock_destruct() once: fuzz_packets saw it skipped there, and an
 *    entry then stayed until its socket's address was reused.)
 * A missed tcp_v*_syn_recv_sock leaves the connection with the LIP for its
 * life (for an IPv4 child of a dual-stack listener, the v6 probe recovers
 * a missed v4 one: recorded_by_v6_probe); a missed getname returns the LIP
 * for that one call. Never another client's address. The kernel's miss
 * counts cannot be told apart by namespace (no code of ours ran);
 * /proc/net/toa_stats shows them, with their total, in every namespace.
 * The same happens while kprobes are disabled as a whole
 * (/sys/kernel/debug/kprobes/enabled), and then nothing is counted;
 * sockets' ends are still seen (the tracepoint).
 */
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/kprobes.h>
#include <linux/moduleparam.h>
#include <linux/net.h>
#include <linux/percpu.h>
#include <linux/seq_file.h>
#include <linux/tracepoint.h>
#include <net/ipv6.h>

#include "compat.h"
#include "toa.h"

struct syn_recv_data {
	const struct sk_buff *skb;
	const bool *own_req;
};

struct getname_data {
	struct socket *sock;
	struct sockaddr *uaddr;
};

/*
 * The child tcp_v4_syn_recv_sock()'s return handler last saw on this CPU:
 * tcp_v6_syn_recv_sock() calls it for an IPv4 packet in the same softirq,
 * so the v6 return handler knows whether the v4 one ran for its child.
 */
static DEFINE_PER_CPU(const struct sock *, v4_seen);

/*
 * Whatever happens, a new child leaves no entry but its own: a stale one
 * under its address (its socket's end missed, the memory reused) would
 * show another client's address once the peer matches.
 */
static void record(struct sock *child, const struct sk_buff *skb)
{
	const struct net *net = sock_net(child);
	struct toa_addr peer, client;
	bool stale = false;
	int ret;

	switch (toa_parse_skb(skb, &peer, &client)) {
	case TOA_NONE:
		goto forget;
	case TOA_MALFORMED:
		if (toa_source_trusted(net, &peer.addr))
			toa_stat_inc(net, TOA_STAT_MALFORMED);
		else
			toa_untrusted_seen(net, &peer.addr);
		goto forget;
	case TOA_FOUND:
		break;
	}
	if (!toa_source_trusted(net, &peer.addr)) {
		toa_untrusted_seen(net, &peer.addr);
		goto forget;
	}
	/* sockaddr_in cannot hold an IPv6 client; better the LIP than a lie */
	if (child->sk_family == AF_INET && !ipv6_addr_v4mapped(&client.addr)) {
		toa_stat_inc(net, TOA_STAT_UNMAPPABLE);
		goto forget;
	}
	ret = toa_table_insert(child, &peer, &client, &stale);
	if (ret == -ENOSPC)
		toa_stat_inc(net, TOA_STAT_TABLE_FULL);
	else if (ret == -EAGAIN)
		toa_stat_inc(net, TOA_STAT_RESERVE_EMPTY);
	else if (ret)
		toa_stat_inc(net, TOA_STAT_NO_MEMORY);
	else
		toa_stat_inc(net, TOA_STAT_CONNS);
	goto out;
forget:
	stale = toa_table_remove(child);
out:
	if (stale)
		toa_stat_inc(net, TOA_STAT_STALE);
}

/*
 * syn_recv_sock(const struct sock *sk, struct sk_buff *skb, ...,
 * bool *own_req, ...): see compat.h
 */
static int syn_recv_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct syn_recv_data *d = (struct syn_recv_data *)ri->data;

	d->skb = (const struct sk_buff *)regs_get_kernel_argument(regs, 1);
	d->own_req = (const bool *)regs_get_kernel_argument(regs, 5);
	return 0;
}

/*
 * Is @child the connection's socket? Two packets that complete the same
 * handshake (the third ACK and the request behind it, reordered on the
 * way or received on two CPUs at once: request sockets are lockless) may
 * each build a child; the one that took the request from the hash sets
 * *own_req. The other child, already destroyed (its end seen: the
 * tracepoint fired in inet_ehash_nolisten()), is returned with *own_req
 * clear, released by inet_csk_complete_hashdance(), and its packet handed
 * to the winner. Only the winner is recorded and counted: once per
 * connection; recording the loser would leave an entry behind. (The SYN
 * cookie and Fast Open paths return a child only with *own_req set.)
 */
static bool owns_request(const struct syn_recv_data *d)
{
	return !d->own_req || READ_ONCE(*d->own_req);
}

static int syn_recv6_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	this_cpu_write(v4_seen, NULL);
	return syn_recv_entry(ri, regs);
}

static int syn_recv4_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct syn_recv_data *d = (struct syn_recv_data *)ri->data;
	struct sock *child = (struct sock *)regs_return_value(regs);

	this_cpu_write(v4_seen, child);
	if (child && owns_request(d))
		record(child, d->skb);
	return 0;
}

/*
 * An IPv4 packet reaching tcp_v6_syn_recv_sock() is handed to
 * tcp_v4_syn_recv_sock() (in 6.1), whose return handler ran first and
 * recorded the child: recorded once, counted once. Should that handler not
 * have run for it (a missed probe, or a kernel whose v6 path builds the
 * child itself), the child is recorded here.
 */
static int syn_recv6_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct syn_recv_data *d = (struct syn_recv_data *)ri->data;
	struct sock *child = (struct sock *)regs_return_value(regs);

	if (!child || !owns_request(d))
		return 0;
	if (d->skb->protocol == htons(ETH_P_IP)) {
		if (this_cpu_read(v4_seen) == child)
			return 0;
		toa_stat_inc(sock_net(child), TOA_STAT_V6_FALLBACK);
	}
	record(child, d->skb);
	return 0;
}

/* getname(struct socket *sock, struct sockaddr *uaddr, int peer) */
static int getname_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct getname_data *d = (struct getname_data *)ri->data;

	if (!(int)regs_get_kernel_argument(regs, 2))
		return 1;	/* getsockname(): not ours, skip the return handler */
	d->sock = (struct socket *)regs_get_kernel_argument(regs, 0);
	d->uaddr = (struct sockaddr *)regs_get_kernel_argument(regs, 1);
	return 0;
}

/*
 * *uaddr holds the peer the kernel just wrote (the LIP); it is also what
 * the entry is checked against, so a reused socket is never rewritten.
 */
static void rewrite_peer(const struct sock *sk, struct sockaddr *uaddr)
{
	struct toa_addr peer, client;

	if (uaddr->sa_family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)uaddr;

		ipv6_addr_set_v4mapped(sin->sin_addr.s_addr, &peer.addr);
		peer.port = sin->sin_port;
		if (!toa_table_lookup(sk, &peer, &client) ||
		    !ipv6_addr_v4mapped(&client.addr))
			return;
		sin->sin_addr.s_addr = client.addr.s6_addr32[3];
		sin->sin_port = client.port;
	} else if (uaddr->sa_family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)uaddr;

		peer.addr = sin6->sin6_addr;
		peer.port = sin6->sin6_port;
		if (!toa_table_lookup(sk, &peer, &client))
			return;
		sin6->sin6_addr = client.addr;
		sin6->sin6_port = client.port;
		sin6->sin6_scope_id = 0;	/* was the LIP's, if link-local */
	}
}

static int getname_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct getname_data *d = (struct getname_data *)ri->data;
	struct sock *sk = d->sock->sk;
	unsigned long flags;

	if ((int)regs_return_value(regs) < 0 || !sk)
		return 0;
	/* a softirq running in the handler would miss every probe: see the top */
	local_irq_save(flags);
	rewrite_peer(sk, d->uaddr);
	local_irq_restore(flags);
	return 0;
}

/*
 * tcp:tcp_destroy_sock, TP_PROTO(struct sock *sk); any context, with
 * preemption off (RT too): the table's raw lock keeps interrupts off.
 */
static void toa_sock_end(void *data, struct sock *sk)
{
	toa_table_remove(sk);
}

#define DESTROY_TP	"tcp_destroy_sock"

static struct tracepoint *destroy_tp;

/* Built-in tracepoints are not exported by symbol: found by name. */
static void find_destroy_tp(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, DESTROY_TP))
		destroy_tp = tp;
}

#define GETNAME_PROBE(sym) {						\
	.kp.symbol_name = sym,						\
	.entry_handler = getname_entry,					\
	.handler = getname_return,					\
	.data_size = sizeof(struct getname_data),			\
}

#define SYN_RECV_PROBE(sym, entry, ret) {				\
	.kp.symbol_name = sym,						\
	.entry_handler = entry,						\
	.handler = ret,							\
	.data_size = sizeof(struct syn_recv_data),			\
}

static struct kretprobe ret_probes[] = {
	GETNAME_PROBE("inet_getname"),
	GETNAME_PROBE("inet6_getname"),
	SYN_RECV_PROBE("tcp_v4_syn_recv_sock", syn_recv_entry, syn_recv4_return),
	SYN_RECV_PROBE("tcp_v6_syn_recv_sock", syn_recv6_entry, syn_recv6_return),
};
static struct kretprobe *ret_probe_ptrs[ARRAY_SIZE(ret_probes)];

/*
 * The kernel's counts of calls each probe skipped (all namespaces): all
 * instances busy (kretprobe nmissed) or another handler running on the CPU
 * (kprobe nmissed), then their sum.
 */
void toa_hooks_show_missed(struct seq_file *seq)
{
	unsigned long n, total = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ret_probes); i++) {
		n = (unsigned long)READ_ONCE(ret_probes[i].nmissed) +
		    READ_ONCE(ret_probes[i].kp.nmissed);
		seq_printf(seq, "missed_%s %lu\n", ret_probes[i].kp.symbol_name, n);
		total += n;
	}
	seq_printf(seq, "missed_total %lu\n", total);
}

/*
 * inet_getname() may sleep in lock_sock() and holds an instance while it
 * does: with the kernel's default (10 on the bench) most calls of a busy
 * server went unhooked. Instances are small; be generous. An operator with
 * more threads than that in getname() at once may raise it (missed_total).
 */
static unsigned int maxactive;
module_param(maxactive, uint, 0444);
MODULE_PARM_DESC(maxactive, "Instances of each kretprobe, i.e. calls followed at once (default 0: max(512, 64 x CPUs); at most 65536)");

/* Returns once no CPU runs toa_sock_end() any more. */
static void destroy_detach(void)
{
	WARN_ON_ONCE(tracepoint_probe_unregister(destroy_tp, (void *)toa_sock_end, NULL));
	tracepoint_synchronize_unregister();
}

int toa_hooks_init(void)
{
	unsigned int i;
	int ret;

	for_each_kernel_tracepoint(find_destroy_tp, NULL);
	if (!destroy_tp) {
		pr_err("no tracepoint tcp:%s in this kernel\n", DESTROY_TP);
		return -ENOENT;
	}
	ret = tracepoint_probe_register(destroy_tp, (void *)toa_sock_end, NULL);
	if (ret) {
		pr_err("cannot attach to tracepoint tcp:%s: %d\n", DESTROY_TP, ret);
		return ret;
	}
	for (i = 0; i < ARRAY_SIZE(ret_probes); i++) {
		ret_probes[i].maxactive = maxactive ? min(maxactive, 65536U) :
					   max_t(int, 512, num_possible_cpus() * 64);
		ret = register_kretprobe(&ret_probes[i]);
		if (ret) {
			pr_err("cannot probe %s: %d\n", ret_probes[i].kp.symbol_name, ret);
			goto out_unregister;
		}
		ret_probe_ptrs[i] = &ret_probes[i];
	}
	return 0;

out_unregister:
	unregister_kretprobes(ret_probe_ptrs, i);
	destroy_detach();
	return ret;
}

void toa_hooks_uninit(void)
{
	unsigned int i = ARRAY_SIZE(ret_probe_ptrs);

	/* creators before readers, as the init order mirrored */
	while (i--)
		unregister_kretprobe(ret_probe_ptrs[i]);
	destroy_detach();
}
