// SPDX-License-Identifier: GPL-2.0
/*
 * Where the module meets the kernel: probes by symbol name, the mechanism
 * the kernel offers for this. Nothing here writes to kernel text or
 * read-only data (inet_stream_ops and ipv4_specific are const, the IPv6
 * ones not exported), and unregistering a probe undoes exactly what
 * registering it did.
 *
 *   tcp_v4_syn_recv_sock   kretprobe: the child socket of an IPv4 packet
 *   tcp_v6_syn_recv_sock   kretprobe: ... of an IPv6 packet. An IPv4 client
 *                          of a dual-stack listener passes through both
 *                          (v6 calls v4); it is recorded by the v4 one.
 *   inet_getname           kretprobe: getpeername()/accept() on AF_INET
 *   inet6_getname          kretprobe: ... on AF_INET6, IPv4-mapped included
 *   inet_sock_destruct     kprobe: the socket's entry goes, exactly once per
 *                          inet socket (IPv6 ones via inet6_sock_destruct)
 *
 * Both syn_recv_sock functions see the completing packet whether it came
 * through the request queue or a SYN cookie (cookie_v{4,6}_check() call
 * the same function), and they return the child before anyone else can see
 * it. The getname probes rewrite the kernel buffer that getpeername() and
 * accept() copy to userspace afterwards (peer == 2 for accept).
 *
 * Order: the destructor probe first, so no entry can be created for a
 * socket whose end would go unnoticed; the creating probes last. Exit is
 * the mirror. unregister_k{ret}probes() wait (synchronize_rcu()) for every
 * handler that is running; a getname still sleeping in lock_sock() when its
 * probe goes returns through the kernel's rethook trampoline, which finds
 * the handler gone and calls nothing of ours. After toa_hooks_uninit() no
 * code or data of this module is reached by a probe.
 */
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/kprobes.h>
#include <linux/net.h>
#include <linux/seq_file.h>
#include <net/ipv6.h>

#include "compat.h"
#include "toa.h"

struct syn_recv_data {
	const struct sk_buff *skb;
};

struct getname_data {
	struct socket *sock;
	struct sockaddr *uaddr;
};

static void record(struct sock *child, const struct sk_buff *skb)
{
	const struct net *net = sock_net(child);
	struct toa_addr peer, client;
	int ret;

	switch (toa_parse_skb(skb, &peer, &client)) {
	case TOA_NONE:
		return;
	case TOA_MALFORMED:
		toa_stat_inc(net, toa_source_trusted(&peer.addr) ?
			     TOA_STAT_MALFORMED : TOA_STAT_UNTRUSTED);
		return;
	case TOA_FOUND:
		break;
	}
	if (!toa_source_trusted(&peer.addr)) {
		toa_stat_inc(net, TOA_STAT_UNTRUSTED);
		return;
	}
	/* sockaddr_in cannot hold an IPv6 client; better the LIP than a lie */
	if (child->sk_family == AF_INET && !ipv6_addr_v4mapped(&client.addr)) {
		toa_stat_inc(net, TOA_STAT_UNMAPPABLE);
		return;
	}
	ret = toa_table_insert(child, &peer, &client);
	if (ret == -ENOSPC)
		toa_stat_inc(net, TOA_STAT_TABLE_FULL);
	else if (ret)
		toa_stat_inc(net, TOA_STAT_NO_MEMORY);
	else
		toa_stat_inc(net, TOA_STAT_CONNS);
}

/* syn_recv_sock(const struct sock *sk, struct sk_buff *skb, ...): see compat.h */
static int syn_recv_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct syn_recv_data *d = (struct syn_recv_data *)ri->data;

	d->skb = (const struct sk_buff *)regs_get_kernel_argument(regs, 1);
	return 0;
}

/*
 * An IPv4 packet reaching tcp_v6_syn_recv_sock() is handed to
 * tcp_v4_syn_recv_sock(), whose return handler records the child (first):
 * skipping it here records it once and counts it once.
 */
static int syn_recv6_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	syn_recv_entry(ri, regs);
	return ((struct syn_recv_data *)ri->data)->skb->protocol == htons(ETH_P_IP);
}

static int syn_recv_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct syn_recv_data *d = (struct syn_recv_data *)ri->data;
	struct sock *child = (struct sock *)regs_return_value(regs);

	if (child)
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
static int getname_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct getname_data *d = (struct getname_data *)ri->data;
	struct sock *sk = d->sock->sk;
	struct toa_addr peer, client;

	if ((int)regs_return_value(regs) < 0 || !sk)
		return 0;

	if (d->uaddr->sa_family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)d->uaddr;

		ipv6_addr_set_v4mapped(sin->sin_addr.s_addr, &peer.addr);
		peer.port = sin->sin_port;
		if (!toa_table_lookup(sk, &peer, &client) ||
		    !ipv6_addr_v4mapped(&client.addr))
			return 0;
		sin->sin_addr.s_addr = client.addr.s6_addr32[3];
		sin->sin_port = client.port;
	} else if (d->uaddr->sa_family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)d->uaddr;

		peer.addr = sin6->sin6_addr;
		peer.port = sin6->sin6_port;
		if (!toa_table_lookup(sk, &peer, &client))
			return 0;
		sin6->sin6_addr = client.addr;
		sin6->sin6_port = client.port;
		sin6->sin6_scope_id = 0;	/* was the LIP's, if link-local */
	}
	return 0;
}

static int destruct_pre(struct kprobe *p, struct pt_regs *regs)
{
	toa_table_remove((const struct sock *)regs_get_kernel_argument(regs, 0));
	return 0;
}

static struct kprobe destruct_probe = {
	.symbol_name = "inet_sock_destruct",
	.pre_handler = destruct_pre,
};

#define GETNAME_PROBE(sym) {						\
	.kp.symbol_name = sym,						\
	.entry_handler = getname_entry,					\
	.handler = getname_return,					\
	.data_size = sizeof(struct getname_data),			\
}

#define SYN_RECV_PROBE(sym, entry) {					\
	.kp.symbol_name = sym,						\
	.entry_handler = entry,						\
	.handler = syn_recv_return,					\
	.data_size = sizeof(struct syn_recv_data),			\
}

static struct kretprobe ret_probes[] = {
	GETNAME_PROBE("inet_getname"),
	GETNAME_PROBE("inet6_getname"),
	SYN_RECV_PROBE("tcp_v4_syn_recv_sock", syn_recv_entry),
	SYN_RECV_PROBE("tcp_v6_syn_recv_sock", syn_recv6_entry),
};
static struct kretprobe *ret_probe_ptrs[ARRAY_SIZE(ret_probes)];

void toa_hooks_show_missed(struct seq_file *seq)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ret_probes); i++)
		seq_printf(seq, "missed_%s %lu\n", ret_probes[i].kp.symbol_name,
			   (unsigned long)READ_ONCE(ret_probes[i].nmissed) +
			   READ_ONCE(ret_probes[i].kp.nmissed));
	seq_printf(seq, "missed_%s %lu\n", destruct_probe.symbol_name,
		   READ_ONCE(destruct_probe.nmissed));
}

int toa_hooks_init(void)
{
	/*
	 * inet_getname() may sleep in lock_sock() and holds an instance while
	 * it does: with the default (10 on the bench) most calls of a busy
	 * server went unhooked. Instances are small; be generous.
	 */
	int maxactive = max_t(int, 512, num_possible_cpus() * 64);
	unsigned int i;
	int ret;

	ret = register_kprobe(&destruct_probe);
	if (ret) {
		pr_err("cannot probe %s: %d\n", destruct_probe.symbol_name, ret);
		return ret;
	}
	for (i = 0; i < ARRAY_SIZE(ret_probes); i++) {
		ret_probes[i].maxactive = maxactive;
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
	unregister_kprobe(&destruct_probe);
	return ret;
}

void toa_hooks_uninit(void)
{
	unsigned int i = ARRAY_SIZE(ret_probe_ptrs);

	/* creators before readers, as the init order mirrored */
	while (i--)
		unregister_kretprobe(ret_probe_ptrs[i]);
	unregister_kprobe(&destruct_probe);
}
