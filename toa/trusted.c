// SPDX-License-Identifier: GPL-2.0
/*
 * Whose TOA to believe: per network namespace, a list of IPv4/IPv6
 * networks (CIDR; a bare address is a host), written as a comma-separated
 * value. The source checked is the IP source of the packet that completes
 * the handshake, i.e. the director's LIP.
 *
 * Default: empty, trust nobody. A TOA option is just bytes a sender chose;
 * if any source were believed, every client able to reach the real server
 * without the director (another subnet, a VPN, a neighbour VM) could send
 * its own TOA and make the application log, rate-limit and authorise it as
 * any address it likes. Only the operator knows the directors' LIP ranges,
 * so the module does nothing until told them, and counts what it ignored
 * meanwhile (ignored_untrusted in /proc/net/toa_stats); the first ignored
 * TOA of a namespace is logged with its source, once.
 *
 * Per namespace, because a container host runs one real server per pod:
 * trusting one pod's director for all would let any pod's neighbours forge
 * addresses for the others. Each namespace has the sysctl
 * net.toa.trusted_sources, empty when the namespace is created. The module
 * parameter trusted_sources (/etc/modprobe.d/toa.conf,
 * /sys/module/toa/parameters/trusted_sources) is the initial namespace's
 * list: the same storage as that namespace's sysctl, and the only one that
 * exists before the module's per-namespace state does (a value given to
 * modprobe is parsed before toa_init()).
 *
 * Who may write it: CAP_NET_ADMIN in the initial user namespace, whatever
 * namespace the sysctl belongs to. The sysctl's mode would let the root of
 * an unprivileged user namespace write its own namespace's list, and a
 * list is what turns packets into table entries (table.c), which all
 * namespaces share up to max_entries: trusting its own tun device, such a
 * user could fill the table with handshakes nobody accepts and take the
 * client address from every other namespace's connections. Whom to trust
 * is the host's decision, as the module parameter is: a container's list
 * is set from outside it (ip netns exec, nsenter).
 *
 * Parse, validate, publish: a new value is parsed whole into a new list and
 * published with RCU; a bad value is rejected with -EINVAL and the old list
 * stays. The data path reads the lists under RCU only.
 */
#include <linux/capability.h>
#include <linux/inet.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/ratelimit.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysctl.h>
#include <net/ipv6.h>

#include "compat.h"
#include "toa.h"

#define TRUST_MAX	64	/* networks; keeps the value within a 4K page */
#define TRUST_STR_MAX	4096	/* 64 x "xxxx:...:xxxx/128," fits */

/* IPv4 networks are kept as ::ffff:a.b.c.d/(96 + len): one matcher for both. */
struct prefix {
	struct in6_addr addr;
	u8 len;
};

struct toa_trust_list {
	struct rcu_head rcu;
	unsigned int n;
	struct prefix nets[];
};

/* The initial namespace's list, i.e. the module parameter's value. */
static struct toa_trust_list __rcu *init_trusted;
static DEFINE_MUTEX(trust_lock);	/* serialises writers of every list */

static struct toa_trust_list __rcu **trust_slot(const struct net *net)
{
	return net_eq(net, &init_net) ? &init_trusted : &toa_net(net)->trusted;
}

bool toa_source_trusted(const struct net *net, const struct in6_addr *src)
{
	const struct toa_trust_list *t;
	bool ok = false;
	unsigned int i;

	rcu_read_lock();
	t = rcu_dereference(*trust_slot(net));
	for (i = 0; t && i < t->n && !ok; i++)
		ok = ipv6_prefix_equal(src, &t->nets[i].addr, t->nets[i].len);
	rcu_read_unlock();
	return ok;
}

bool toa_trust_configured(const struct net *net)
{
	bool ret;

	rcu_read_lock();
	ret = rcu_dereference(*trust_slot(net)) != NULL;
	rcu_read_unlock();
	return ret;
}

/*
 * A TOA from @src was ignored because @src is not trusted. The operator who
 * loaded the module and forgot the list (or set the wrong one) would
 * otherwise see nothing at all: say it once per namespace, with the source
 * and what to set. Namespaces are cheap to create, hence also a global rate
 * limit; a line it suppresses is said on a later connection instead.
 */
void toa_untrusted_seen(const struct net *net, const struct in6_addr *src)
{
	/* no "callbacks suppressed" line: what it suppressed is said later */
	static struct ratelimit_state rs =
		RATELIMIT_STATE_INIT_FLAGS(rs, 60 * HZ, 10, RATELIMIT_MSG_ON_RELEASE);
	struct toa_net *tn = toa_net(net);

	toa_stat_inc(net, TOA_STAT_UNTRUSTED);
	if (test_bit(TOA_NET_UNTRUSTED_LOGGED, &tn->flags) || !__ratelimit(&rs) ||
	    test_and_set_bit(TOA_NET_UNTRUSTED_LOGGED, &tn->flags))
		return;
	if (ipv6_addr_v4mapped(src))
		pr_notice("netns %u: ignored the TOA option of a connection from %pI4, not in net.toa.trusted_sources: if it is a director's LIP, add its network to that sysctl in this namespace (the initial namespace's is also the module parameter trusted_sources); logged once, ignored_untrusted in /proc/net/toa_stats counts them all\n",
			  net->ns.inum, &src->s6_addr32[3]);
	else
		pr_notice("netns %u: ignored the TOA option of a connection from %pI6c, not in net.toa.trusted_sources: if it is a director's LIP, add its network to that sysctl in this namespace (the initial namespace's is also the module parameter trusted_sources); logged once, ignored_untrusted in /proc/net/toa_stats counts them all\n",
			  net->ns.inum, src);
}

/* One "a.b.c.d[/len]" or "x:y::z[/len]"; @s is NUL-terminated and trimmed. */
static int parse_prefix(const char *s, struct prefix *p)
{
	const char *slash = strchr(s, '/'), *end;
	size_t alen = slash ? slash - s : strlen(s);
	struct in6_addr masked;
	unsigned int max;
	u8 a4[4];

	if (strnchr(s, alen, ':')) {
		if (!in6_pton(s, alen, p->addr.s6_addr, -1, &end) || end != s + alen)
			return -EINVAL;
		max = 128;
	} else {
		if (!in4_pton(s, alen, a4, -1, &end) || end != s + alen)
			return -EINVAL;
		ipv6_addr_set_v4mapped(*(__be32 *)a4, &p->addr);
		max = 32;
	}
	if (slash) {
		if (kstrtou8(slash + 1, 10, &p->len) || p->len > max)
			return -EINVAL;
	} else {
		p->len = max;
	}
	if (max == 32)
		p->len += 96;
	/* 10.1.2.3/8 is a typo more often than it is 10.0.0.0/8: refuse it */
	ipv6_addr_prefix(&masked, &p->addr, p->len);
	if (!ipv6_addr_equal(&masked, &p->addr))
		return -EINVAL;
	return 0;
}

/* Returns a new list (NULL for an empty value: trust nobody) or ERR_PTR. */
static struct toa_trust_list *parse_list(const char *val)
{
	struct toa_trust_list *t = NULL;
	char *buf, *cur, *tok;
	int ret = 0;

	buf = kstrdup(val, GFP_KERNEL);
	if (!buf)
		return ERR_PTR(-ENOMEM);
	cur = strim(buf);
	if (!*cur)
		goto out;
	t = kzalloc(struct_size(t, nets, TRUST_MAX), GFP_KERNEL);
	if (!t) {
		ret = -ENOMEM;
		goto out;
	}
	while ((tok = strsep(&cur, ",")) != NULL) {
		if (t->n == TRUST_MAX) {
			pr_warn_ratelimited("trusted_sources: more than %u networks\n",
					    TRUST_MAX);
			ret = -EINVAL;
			break;
		}
		tok = strim(tok);
		ret = parse_prefix(tok, &t->nets[t->n]);
		if (ret) {
			/* the writer's text: at most a line's worth, escaped */
			pr_warn_ratelimited("trusted_sources: \"%*pE\" is not a network (a.b.c.d/len or x:y::/len, no host bits)\n",
					    (int)min_t(size_t, strlen(tok), 64), tok);
			break;
		}
		t->n++;
	}
out:
	kfree(buf);
	if (ret) {
		kfree(t);
		return ERR_PTR(ret);
	}
	return t;
}

/* Replace the list in @slot with @new (NULL: trust nobody). */
static void trust_publish(struct toa_trust_list __rcu **slot, struct toa_trust_list *new)
{
	struct toa_trust_list *old;

	mutex_lock(&trust_lock);
	old = rcu_replace_pointer(*slot, new, lockdep_is_held(&trust_lock));
	mutex_unlock(&trust_lock);
	if (old)
		kfree_rcu(old, rcu);
}

/* The list in @slot as "net/len,net/len"; returns the length written. */
static int trust_format(struct toa_trust_list __rcu **slot, char *buf, size_t size)
{
	const struct toa_trust_list *t;
	unsigned int i;
	int len = 0;

	mutex_lock(&trust_lock);
	t = rcu_dereference_protected(*slot, lockdep_is_held(&trust_lock));
	for (i = 0; t && i < t->n; i++) {
		const struct prefix *p = &t->nets[i];
		const char *sep = i ? "," : "";

		if (ipv6_addr_v4mapped(&p->addr) && p->len >= 96)
			len += scnprintf(buf + len, size - len, "%s%pI4/%u", sep,
					 &p->addr.s6_addr32[3], p->len - 96);
		else
			len += scnprintf(buf + len, size - len, "%s%pI6c/%u", sep,
					 &p->addr, p->len);
	}
	mutex_unlock(&trust_lock);
	return len;
}

/*
 * Called at load for a value given to modprobe (before toa_init()), and for
 * every write to /sys/module/toa/parameters/trusted_sources.
 */
static int trusted_set(const char *val, const struct kernel_param *kp)
{
	struct toa_trust_list *new = parse_list(val);

	if (IS_ERR(new))
		return PTR_ERR(new);
	trust_publish(&init_trusted, new);
	return 0;
}

static int trusted_get(char *buf, const struct kernel_param *kp)
{
	int len = trust_format(&init_trusted, buf, PAGE_SIZE);

	return len + scnprintf(buf + len, PAGE_SIZE - len, "\n");
}

/* At module unload (or failed load), after every reader is gone. */
static void trusted_free(void *arg)
{
	kfree(rcu_dereference_protected(init_trusted, true));
	RCU_INIT_POINTER(init_trusted, NULL);
}

static const struct kernel_param_ops trusted_ops = {
	.set = trusted_set,
	.get = trusted_get,
	.free = trusted_free,
};
module_param_cb(trusted_sources, &trusted_ops, NULL, 0644);
MODULE_PARM_DESC(trusted_sources,
		 "Comma-separated networks (CIDR, IPv4/IPv6) whose TOA is believed in the initial network namespace: the directors' LIPs. Default: none. Other namespaces: sysctl net.toa.trusted_sources");

/*
 * net.toa.trusted_sources: read and written whole, as the module parameter.
 * A value longer than the buffer is refused rather than cut.
 */
static int trusted_sysctl(toa_ctl_table *table, int write, void *buffer,
			  size_t *lenp, loff_t *ppos)
{
	struct toa_trust_list __rcu **slot = trust_slot(table->data);
	struct ctl_table tmp = { .maxlen = TRUST_STR_MAX };
	struct toa_trust_list *new;
	int ret;

	/*
	 * The writer's credentials, not the opener's: a sysctl handler is
	 * given no file (as proc_dointvec_minmax_sysadmin() does).
	 */
	if (write && !capable(CAP_NET_ADMIN))
		return -EPERM;
	if (write && (*ppos || *lenp >= TRUST_STR_MAX))
		return -EINVAL;
	tmp.data = kzalloc(TRUST_STR_MAX, GFP_KERNEL);
	if (!tmp.data)
		return -ENOMEM;
	if (!write)
		trust_format(slot, tmp.data, TRUST_STR_MAX);
	ret = proc_dostring(&tmp, write, buffer, lenp, ppos);
	if (write && !ret) {
		new = parse_list(tmp.data);
		if (IS_ERR(new))
			ret = PTR_ERR(new);
		else
			trust_publish(slot, new);
	}
	kfree(tmp.data);
	return ret;
}

static const struct ctl_table trust_table[] = {
	{
		.procname	= "trusted_sources",
		.maxlen		= TRUST_STR_MAX,
		.mode		= 0644,
		.proc_handler	= trusted_sysctl,
	},
	{ }	/* 6.1's end marker; counted out below for later kernels */
};

/* From the pernet init of every namespace, the initial one included. */
int toa_trust_net_init(struct net *net)
{
	struct ctl_table *table;

	table = kmemdup(trust_table, sizeof(trust_table), GFP_KERNEL);
	if (!table)
		return -ENOMEM;
	table[0].data = net;
	toa_net(net)->sysctl = toa_register_net_sysctl(net, "net/toa", table,
						       ARRAY_SIZE(trust_table) - 1);
	if (!toa_net(net)->sysctl) {
		kfree(table);
		return -ENOMEM;
	}
	return 0;
}

/* No socket of @net is left to read its list (the initial one's stays). */
void toa_trust_net_exit(struct net *net)
{
	struct toa_net *tn = toa_net(net);
	const struct ctl_table *table = tn->sysctl->ctl_table_arg;
	struct toa_trust_list *t;

	unregister_net_sysctl_table(tn->sysctl);
	kfree(table);
	t = rcu_dereference_protected(tn->trusted, true);
	RCU_INIT_POINTER(tn->trusted, NULL);
	if (t)
		kfree_rcu(t, rcu);
}
