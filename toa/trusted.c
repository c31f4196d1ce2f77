// SPDX-License-Identifier: GPL-2.0
/*
 * Whose TOA to believe: the module parameter trusted_sources, a comma-
 * separated list of IPv4/IPv6 networks (CIDR; a bare address is a host).
 * The source checked is the IP source of the packet that completes the
 * handshake, i.e. the director's LIP.
 *
 * Default: empty, trust nobody. A TOA option is just bytes a sender chose;
 * if any source were believed, every client able to reach the real server
 * without the director (another subnet, a VPN, a neighbour VM) could send
 * its own TOA and make the application log, rate-limit and authorise it as
 * any address it likes. Only the operator knows the directors' LIP ranges,
 * so the module does nothing until told them (/etc/modprobe.d/toa.conf,
 * or /sys/module/toa/parameters/trusted_sources at run time), and counts
 * what it ignored meanwhile (ignored_untrusted in /proc/net/toa_stats).
 *
 * Parse, validate, publish: a new value is parsed whole into a new list and
 * published with RCU; a bad value is rejected with -EINVAL and the old list
 * stays. The data path reads the list under RCU only.
 */
#include <linux/inet.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/ipv6.h>

#include "toa.h"

#define TRUST_MAX	64	/* networks; keeps the value within a 4K page */

/* IPv4 networks are kept as ::ffff:a.b.c.d/(96 + len): one matcher for both. */
struct prefix {
	struct in6_addr addr;
	u8 len;
};

struct trust_list {
	struct rcu_head rcu;
	unsigned int n;
	struct prefix nets[];
};

static struct trust_list __rcu *trusted;
static DEFINE_MUTEX(trust_lock);	/* serialises writers of @trusted */

bool toa_source_trusted(const struct in6_addr *src)
{
	const struct trust_list *t;
	bool ok = false;
	unsigned int i;

	rcu_read_lock();
	t = rcu_dereference(trusted);
	for (i = 0; t && i < t->n && !ok; i++)
		ok = ipv6_prefix_equal(src, &t->nets[i].addr, t->nets[i].len);
	rcu_read_unlock();
	return ok;
}

bool toa_trust_configured(void)
{
	bool ret;

	rcu_read_lock();
	ret = rcu_dereference(trusted) != NULL;
	rcu_read_unlock();
	return ret;
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
static struct trust_list *parse_list(const char *val)
{
	struct trust_list *t = NULL;
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
			pr_warn("trusted_sources: more than %u networks\n", TRUST_MAX);
			ret = -EINVAL;
			break;
		}
		tok = strim(tok);
		ret = parse_prefix(tok, &t->nets[t->n]);
		if (ret) {
			pr_warn("trusted_sources: \"%s\" is not a network (a.b.c.d/len or x:y::/len, no host bits)\n",
				tok);
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

/*
 * Called at load for a value given to modprobe (before toa_init()), and for
 * every write to /sys/module/toa/parameters/trusted_sources.
 */
static int trusted_set(const char *val, const struct kernel_param *kp)
{
	struct trust_list *new, *old;

	new = parse_list(val);
	if (IS_ERR(new))
		return PTR_ERR(new);

	mutex_lock(&trust_lock);
	old = rcu_replace_pointer(trusted, new, lockdep_is_held(&trust_lock));
	mutex_unlock(&trust_lock);
	if (old)
		kfree_rcu(old, rcu);
	return 0;
}

static int trusted_get(char *buf, const struct kernel_param *kp)
{
	const struct trust_list *t;
	unsigned int i;
	int len = 0;

	mutex_lock(&trust_lock);
	t = rcu_dereference_protected(trusted, lockdep_is_held(&trust_lock));
	for (i = 0; t && i < t->n; i++) {
		const struct prefix *p = &t->nets[i];
		const char *sep = i ? "," : "";

		if (ipv6_addr_v4mapped(&p->addr) && p->len >= 96)
			len += scnprintf(buf + len, PAGE_SIZE - len, "%s%pI4/%u", sep,
					 &p->addr.s6_addr32[3], p->len - 96);
		else
			len += scnprintf(buf + len, PAGE_SIZE - len, "%s%pI6c/%u", sep,
					 &p->addr, p->len);
	}
	mutex_unlock(&trust_lock);
	len += scnprintf(buf + len, PAGE_SIZE - len, "\n");
	return len;
}

/* At module unload (or failed load), after every reader is gone. */
static void trusted_free(void *arg)
{
	kfree(rcu_dereference_protected(trusted, true));
	RCU_INIT_POINTER(trusted, NULL);
}

static const struct kernel_param_ops trusted_ops = {
	.set = trusted_set,
	.get = trusted_get,
	.free = trusted_free,
};
module_param_cb(trusted_sources, &trusted_ops, NULL, 0644);
MODULE_PARM_DESC(trusted_sources,
		 "Comma-separated networks (CIDR, IPv4/IPv6) whose TOA is believed: the directors' LIPs. Default: none");
