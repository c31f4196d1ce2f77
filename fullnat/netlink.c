// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink interface: the family, its policies, and the commands
 * on the director as a whole (info, configuration, local addresses,
 * connections). Services and real servers are in nl_service.c. The ABI is
 * specified in include/uapi/linux/fullnat.h.
 *
 * Every handler validates the whole request before it changes anything,
 * and changes are made under the namespace's lock.
 */
#include <linux/module.h>
#include <net/ip.h>
#include <net/ipv6.h>

#include "netlink.h"

/* --- policies, one per nesting level ------------------------------------- */

/* Attributes the kernel sends but never takes. */
#define REPLY_ONLY { .type = NLA_REJECT, \
		     .reject_message = "this attribute is only sent in replies" }

#define ADDR_POLICY FNAT_ADDR_POLICY

/* Which sizes are allowed is checked in nl_service.c, with a message. */
static const struct nla_policy sched_opt_policy[FULLNAT_A_SCHED_OPT_MAX + 1] = {
	[FULLNAT_A_SCHED_OPT_PORT]	= NLA_POLICY_MAX(NLA_U8, 1),
	[FULLNAT_A_SCHED_OPT_TABLE]	= { .type = NLA_U32 },
};

static struct netlink_range_validation persist_range __ro_after_init = {
	.min = 0,
	.max = FULLNAT_PERSIST_TIMEOUT_MAX,
};

const struct nla_policy fnat_svc_policy[FULLNAT_A_SVC_MAX + 1] = {
	[FULLNAT_A_SVC_PAD]		= { .type = NLA_REJECT },
	[FULLNAT_A_SVC_PROTOCOL]	= { .type = NLA_U8 },
	[FULLNAT_A_SVC_ADDR]		= ADDR_POLICY,
	[FULLNAT_A_SVC_PORT]		= NLA_POLICY_MIN(NLA_U16, 1),
	[FULLNAT_A_SVC_FORWARD]		= NLA_POLICY_MAX(NLA_U8, FULLNAT_FWD_MAX),
	[FULLNAT_A_SVC_SCHED]		= { .type = NLA_NUL_STRING,
					    .len = FULLNAT_SCHED_NAME_MAX - 1 },
	[FULLNAT_A_SVC_TOA]		= NLA_POLICY_MAX(NLA_U8, 1),
	[FULLNAT_A_SVC_STATS]		= REPLY_ONLY,
	[FULLNAT_A_SVC_REAL_SERVERS]	= REPLY_ONLY,
	[FULLNAT_A_SVC_SCHED_OPTS]	= NLA_POLICY_NESTED(sched_opt_policy),
	[FULLNAT_A_SVC_PERSIST_TIMEOUT]	= NLA_POLICY_FULL_RANGE(NLA_U32,
							&persist_range),
	/* The family's bound is nl_service.c's (IPv4: 32). */
	[FULLNAT_A_SVC_PERSIST_NETMASK]	= NLA_POLICY_RANGE(NLA_U32, 1, 128),
	[FULLNAT_A_SVC_PERSIST_TEMPLATES] = REPLY_ONLY,
};

/* Policy bounds are s16 unless given as a range structure. */
static struct netlink_range_validation weight_range __ro_after_init = {
	.min = 0,
	.max = FULLNAT_WEIGHT_MAX,
};

const struct nla_policy fnat_dest_policy[FULLNAT_A_DEST_MAX + 1] = {
	[FULLNAT_A_DEST_PAD]		= { .type = NLA_REJECT },
	[FULLNAT_A_DEST_ADDR]		= ADDR_POLICY,
	[FULLNAT_A_DEST_PORT]		= NLA_POLICY_MIN(NLA_U16, 1),
	[FULLNAT_A_DEST_WEIGHT]		= NLA_POLICY_FULL_RANGE(NLA_U32,
							&weight_range),
	[FULLNAT_A_DEST_ACTIVE]		= REPLY_ONLY,
	[FULLNAT_A_DEST_INACTIVE]	= REPLY_ONLY,
	[FULLNAT_A_DEST_STATS]		= REPLY_ONLY,
	[FULLNAT_A_DEST_FORWARD]	= NLA_POLICY_MAX(NLA_U8, FULLNAT_FWD_MAX),
};

static const struct nla_policy laddr_policy[FULLNAT_A_LADDR_MAX + 1] = {
	[FULLNAT_A_LADDR_PAD]		= { .type = NLA_REJECT },
	[FULLNAT_A_LADDR_ADDR]		= ADDR_POLICY,
	[FULLNAT_A_LADDR_PORTS_IN_USE]	= REPLY_ONLY,
	[FULLNAT_A_LADDR_CONNS]		= REPLY_ONLY,
	[FULLNAT_A_LADDR_CONFLICTS]	= REPLY_ONLY,
	[FULLNAT_A_LADDR_EXHAUSTED]	= REPLY_ONLY,
};

static struct netlink_range_validation conn_max_range __ro_after_init = {
	.min = 1,
	.max = FULLNAT_CONN_MAX_LIMIT,
};

static struct netlink_range_validation timeout_range __ro_after_init = {
	.min = 1,
	.max = FULLNAT_TIMEOUT_MAX,
};

#define TIMEOUT_POLICY NLA_POLICY_FULL_RANGE(NLA_U32, &timeout_range)

/* A protocol's timeouts: one attribute per state (FULLNAT_A_TIMEOUT()). */
static const struct nla_policy
tcp_timeout_policy[FULLNAT_A_TIMEOUT_TCP_MAX + 1] = {
	[1 ... FULLNAT_A_TIMEOUT_TCP_MAX] = TIMEOUT_POLICY,
};

static const struct nla_policy
udp_timeout_policy[FULLNAT_A_TIMEOUT_UDP_MAX + 1] = {
	[1 ... FULLNAT_A_TIMEOUT_UDP_MAX] = TIMEOUT_POLICY,
};

static const struct nla_policy cfg_policy[FULLNAT_A_CFG_MAX + 1] = {
	[FULLNAT_A_CFG_CONN_MAX]	= NLA_POLICY_FULL_RANGE(NLA_U32,
							&conn_max_range),
	[FULLNAT_A_CFG_PORT_MIN]	= NLA_POLICY_MIN(NLA_U16, 1),
	[FULLNAT_A_CFG_PORT_MAX]	= NLA_POLICY_MIN(NLA_U16, 1),
	[FULLNAT_A_CFG_EXPIRE_NODEST]	= NLA_POLICY_MAX(NLA_U8, 1),
	[FULLNAT_A_CFG_TIMEOUT_TCP]	= NLA_POLICY_NESTED(tcp_timeout_policy),
	[FULLNAT_A_CFG_TIMEOUT_UDP]	= NLA_POLICY_NESTED(udp_timeout_policy),
	[FULLNAT_A_CFG_EXPIRE_QUIESCENT] = NLA_POLICY_MAX(NLA_U8, 1),
};

static const struct nla_policy fnat_policy[FULLNAT_A_MAX + 1] = {
	[FULLNAT_A_SERVICE]	= NLA_POLICY_NESTED(fnat_svc_policy),
	[FULLNAT_A_DEST]	= NLA_POLICY_NESTED(fnat_dest_policy),
	[FULLNAT_A_LADDR]	= NLA_POLICY_NESTED(laddr_policy),
	[FULLNAT_A_CONFIG]	= NLA_POLICY_NESTED(cfg_policy),
	[FULLNAT_A_CONN]	= REPLY_ONLY,
	[FULLNAT_A_INFO]	= REPLY_ONLY,
	[FULLNAT_A_TEMPLATE]	= REPLY_ONLY,
	[FULLNAT_A_DELETED]	= REPLY_ONLY,
	[FULLNAT_A_GENERATION]	= { .type = NLA_U64 },
};

/*
 * GET_TEMPLATE takes a service's key, or nothing (every service), and, as
 * every read, an unchecked generation. The family's policy would let any
 * other attribute through unused; here the rest is NLA_UNSPEC, which
 * strict validation refuses ("Unsupported attribute", -EINVAL), nested
 * or not (an NLA_REJECT entry would answer "NLA_F_NESTED not expected"
 * to a nest, before its own message).
 */
static const struct nla_policy tmpl_policy[FULLNAT_A_MAX + 1] = {
	[FULLNAT_A_SERVICE]	= NLA_POLICY_NESTED(fnat_svc_policy),
	[FULLNAT_A_GENERATION]	= { .type = NLA_U64 },
};

/* For commands that take no attributes at all. */
static const struct nla_policy none_policy[FULLNAT_A_MAX + 1] = {
	[1 ... FULLNAT_A_MAX] = { .type = NLA_REJECT,
				  .reject_message = "this command takes no attributes" },
};

/* --- helpers --------------------------------------------------------------- */

/*
 * The address families fnat_nl_parse_addr() takes, as GET_INFO reports
 * them.
 */
static const u16 fnat_families[] = { AF_INET, AF_INET6 };

/* The protocols a service could name, as GET_INFO reports those we have. */
static const u8 fnat_protocols[] = { IPPROTO_TCP, IPPROTO_UDP };

int fnat_nl_parse_addr(const struct nlattr *attr, union nf_inet_addr *addr,
		       u16 *af, struct netlink_ext_ack *extack)
{
	memset(addr, 0, sizeof(*addr));
	switch (nla_len(attr)) {
	case sizeof(struct in_addr):
		*af = AF_INET;
		addr->ip = nla_get_in_addr(attr);
		if (ipv4_is_zeronet(addr->ip) || ipv4_is_multicast(addr->ip) ||
		    ipv4_is_lbcast(addr->ip) || ipv4_is_loopback(addr->ip)) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "not a unicast address");
			return -EINVAL;
		}
		return 0;
	case sizeof(struct in6_addr):
		*af = AF_INET6;
		addr->in6 = nla_get_in6_addr(attr);
		/*
		 * Link-local addresses need an interface to mean anything,
		 * and an IPv4-mapped one is IPv4's to name.
		 */
		if (ipv6_addr_type(&addr->in6) &
		    (IPV6_ADDR_ANY | IPV6_ADDR_LOOPBACK | IPV6_ADDR_MULTICAST |
		     IPV6_ADDR_LINKLOCAL | IPV6_ADDR_MAPPED)) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "not a global unicast address");
			return -EINVAL;
		}
		return 0;
	}
	NL_SET_ERR_MSG_ATTR(extack, attr,
			    "an address is 4 (IPv4) or 16 (IPv6) bytes");
	return -EINVAL;
}

int fnat_nl_put_addr(struct sk_buff *skb, int type, u16 af,
		     const union nf_inet_addr *addr)
{
	if (af == AF_INET6)
		return nla_put_in6_addr(skb, type, &addr->in6);
	return nla_put_in_addr(skb, type, addr->ip);
}

/*
 * Under fn->lock, before a request changes anything: one that carries
 * FULLNAT_A_GENERATION was built from the state of that generation, and
 * is refused if another write came since (see the uapi header).
 */
int fnat_nl_gen_check(struct fnat_net *fn, struct genl_info *info)
{
	const struct nlattr *attr = info->attrs[FULLNAT_A_GENERATION];

	lockdep_assert_held(&fn->lock);
	if (!attr || nla_get_u64(attr) == fn->conf_gen)
		return 0;
	NL_SET_ERR_MSG_ATTR(info->extack, attr,
			    "the configuration changed since this request's generation (another writer): read the state again");
	return -ESTALE;
}

/* Under fn->lock, once per write request that succeeded. */
void fnat_nl_gen_bump(struct fnat_net *fn)
{
	lockdep_assert_held(&fn->lock);
	fn->conf_gen++;
}

static struct nlattr **parse_nest(struct genl_info *info, int type,
				  int maxtype, const struct nla_policy *policy,
				  struct nlattr **tb)
{
	/* Already validated against the policy by the genetlink core. */
	if (nla_parse_nested(tb, maxtype, info->attrs[type], policy,
			     info->extack))
		return NULL;
	return tb;
}

/* --- info ------------------------------------------------------------------ */

/* What the module can do: the methods, protocols, families, schedulers. */
static int put_caps(struct sk_buff *msg)
{
	struct nlattr *nest;
	u32 fwds = 0;
	int i;

	BUILD_BUG_ON(FULLNAT_FWD_MAX >= 32);	/* one bit each in a u32 */
	for (i = 0; i <= FULLNAT_FWD_MAX; i++)
		if (fnat_method_find(i))
			fwds |= 1U << i;
	if (nla_put_u32(msg, FULLNAT_A_INFO_FORWARDS, fwds))
		return -EMSGSIZE;

	nest = nla_nest_start(msg, FULLNAT_A_INFO_PROTOCOLS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < ARRAY_SIZE(fnat_protocols); i++)
		if (fnat_proto_find(fnat_protocols[i]) &&
		    nla_put_u8(msg, FULLNAT_A_LIST_ENTRY, fnat_protocols[i]))
			return -EMSGSIZE;
	nla_nest_end(msg, nest);

	nest = nla_nest_start(msg, FULLNAT_A_INFO_FAMILIES);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < ARRAY_SIZE(fnat_families); i++)
		if (nla_put_u16(msg, FULLNAT_A_LIST_ENTRY, fnat_families[i]))
			return -EMSGSIZE;
	nla_nest_end(msg, nest);

	if (nla_put_flag(msg, FULLNAT_A_INFO_FULLNAT64))	/* xlat.c */
		return -EMSGSIZE;

	nest = nla_nest_start(msg, FULLNAT_A_INFO_SCHEDULERS);
	if (!nest || fnat_sched_put_names(msg, FULLNAT_A_LIST_ENTRY))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

static int put_counters(struct sk_buff *msg, struct fnat_net *fn)
{
	struct nlattr *nest = nla_nest_start(msg, FULLNAT_A_INFO_COUNTERS);
	int c;

	if (!nest)
		return -EMSGSIZE;
	for (c = FULLNAT_CNT_PAD + 1; c < __FULLNAT_CNT_LAST; c++) {
		if (nla_put_u64_64bit(msg, c, fnat_counter_sum(fn, c),
				      FULLNAT_CNT_PAD))
			return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return 0;
}

static int fnat_nl_get_info(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct fnat_net *fn = fnat_net(net);
	struct nlattr *nest;
	struct sk_buff *msg;
	void *hdr;
	u64 gen;

	/* 64 bits: read whole under the lock (a 32-bit CPU would tear it). */
	mutex_lock(&fn->lock);
	gen = fn->conf_gen;
	mutex_unlock(&fn->lock);
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &fnat_genl_family, 0,
				FULLNAT_CMD_GET_INFO);
	if (!hdr)
		goto nla_put_failure;
	nest = nla_nest_start(msg, FULLNAT_A_INFO);
	if (!nest)
		goto nla_put_failure;
	if (nla_put_string(msg, FULLNAT_A_INFO_VERSION, FULLNAT_VERSION) ||
	    nla_put_u32(msg, FULLNAT_A_INFO_ABI, FULLNAT_GENL_VERSION) ||
	    nla_put_u64_64bit(msg, FULLNAT_A_INFO_NETNS_COOKIE,
			      net->net_cookie, FULLNAT_A_INFO_PAD) ||
	    nla_put_u32(msg, FULLNAT_A_INFO_SERVICES,
			READ_ONCE(fn->nr_services)) ||
	    nla_put_u32(msg, FULLNAT_A_INFO_REAL_SERVERS,
			READ_ONCE(fn->nr_dests)) ||
	    nla_put_u32(msg, FULLNAT_A_INFO_CONNS,
			atomic_read(&fn->nr_conns)) ||
	    nla_put_u32(msg, FULLNAT_A_INFO_CONN_MAX,
			READ_ONCE(fn->cfg.conn_max)) ||
	    nla_put_u64_64bit(msg, FULLNAT_A_INFO_GENERATION, gen,
			      FULLNAT_A_INFO_PAD) ||
	    put_counters(msg, fn) || put_caps(msg))
		goto nla_put_failure;
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

nla_put_failure:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

/* --- configuration ----------------------------------------------------------- */

/* A protocol's timeout nest, @n states, from jiffies to seconds. */
static int put_timeouts(struct sk_buff *msg, int type,
			const unsigned long *timeout, int n)
{
	struct nlattr *nest = nla_nest_start(msg, type);
	int s;

	if (!nest)
		return -EMSGSIZE;
	for (s = 0; s < n; s++)
		if (nla_put_u32(msg, FULLNAT_A_TIMEOUT(s), timeout[s] / HZ))
			return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

/*
 * The states present in a timeout nest (validated by its policy) into
 * @timeout, @n states, in jiffies. Under fn->lock.
 */
static void set_timeouts(const struct nlattr *nest,
			 const struct nla_policy *policy,
			 unsigned long *timeout, int n)
{
	struct nlattr *tb[FULLNAT_A_TIMEOUT_TCP_MAX + 1];
	int s;

	if (!nest)
		return;
	BUILD_BUG_ON(FULLNAT_A_TIMEOUT_UDP_MAX > FULLNAT_A_TIMEOUT_TCP_MAX);
	/* Cannot fail: the request was validated whole against the policy. */
	if (nla_parse_nested(tb, FULLNAT_A_TIMEOUT(n - 1), nest, policy, NULL))
		return;
	for (s = 0; s < n; s++)
		if (tb[FULLNAT_A_TIMEOUT(s)])
			WRITE_ONCE(timeout[s],
				   nla_get_u32(tb[FULLNAT_A_TIMEOUT(s)]) * HZ);
}

static int fnat_nl_get_config(struct sk_buff *skb, struct genl_info *info)
{
	struct fnat_net *fn = fnat_net(genl_info_net(info));
	struct nlattr *nest;
	struct sk_buff *msg;
	u32 range;
	void *hdr;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &fnat_genl_family, 0,
				FULLNAT_CMD_GET_CONFIG);
	if (!hdr)
		goto nla_put_failure;
	nest = nla_nest_start(msg, FULLNAT_A_CONFIG);
	if (!nest)
		goto nla_put_failure;
	mutex_lock(&fn->lock);
	range = fn->cfg.port_range;
	if (nla_put_u32(msg, FULLNAT_A_CFG_CONN_MAX, fn->cfg.conn_max) ||
	    nla_put_u16(msg, FULLNAT_A_CFG_PORT_MIN, range >> 16) ||
	    nla_put_u16(msg, FULLNAT_A_CFG_PORT_MAX, range & 0xffff) ||
	    nla_put_u8(msg, FULLNAT_A_CFG_EXPIRE_NODEST, fn->cfg.expire_nodest) ||
	    nla_put_u8(msg, FULLNAT_A_CFG_EXPIRE_QUIESCENT,
		       fn->cfg.expire_quiescent))
		goto nla_put_failure_unlock;
	if (put_timeouts(msg, FULLNAT_A_CFG_TIMEOUT_TCP, fn->cfg.timeout,
			 ARRAY_SIZE(fn->cfg.timeout)) ||
	    put_timeouts(msg, FULLNAT_A_CFG_TIMEOUT_UDP, fn->cfg.udp_timeout,
			 ARRAY_SIZE(fn->cfg.udp_timeout)))
		goto nla_put_failure_unlock;
	mutex_unlock(&fn->lock);
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

nla_put_failure_unlock:
	mutex_unlock(&fn->lock);
nla_put_failure:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

static int fnat_nl_set_config(struct sk_buff *skb, struct genl_info *info)
{
	struct fnat_net *fn = fnat_net(genl_info_net(info));
	struct nlattr *tb[FULLNAT_A_CFG_MAX + 1];
	u32 pmin, pmax;
	int lo, hi;

	if (GENL_REQ_ATTR_CHECK(info, FULLNAT_A_CONFIG) ||
	    !parse_nest(info, FULLNAT_A_CONFIG, FULLNAT_A_CFG_MAX, cfg_policy, tb))
		return -EINVAL;

	mutex_lock(&fn->lock);
	if (fnat_nl_gen_check(fn, info)) {
		mutex_unlock(&fn->lock);
		return -ESTALE;
	}
	pmin = fn->cfg.port_range >> 16;
	pmax = fn->cfg.port_range & 0xffff;
	if (tb[FULLNAT_A_CFG_PORT_MIN])
		pmin = nla_get_u16(tb[FULLNAT_A_CFG_PORT_MIN]);
	if (tb[FULLNAT_A_CFG_PORT_MAX])
		pmax = nla_get_u16(tb[FULLNAT_A_CFG_PORT_MAX]);
	if (pmin > pmax) {
		mutex_unlock(&fn->lock);
		NL_SET_ERR_MSG_ATTR(info->extack,
				    tb[FULLNAT_A_CFG_PORT_MIN] ?:
				    tb[FULLNAT_A_CFG_PORT_MAX],
				    "the port range's minimum exceeds its maximum");
		return -EINVAL;
	}
	/*
	 * Automatic ports of local sockets come from ip_local_port_range,
	 * which laddr.c leaves out of port_range: inside it, FullNAT would
	 * have no port at all.
	 */
	inet_get_local_port_range(fn->net, &lo, &hi);
	if ((tb[FULLNAT_A_CFG_PORT_MIN] || tb[FULLNAT_A_CFG_PORT_MAX]) &&
	    lo <= pmin && pmax <= hi) {
		mutex_unlock(&fn->lock);
		NL_SET_ERR_MSG_ATTR(info->extack,
				    tb[FULLNAT_A_CFG_PORT_MIN] ?:
				    tb[FULLNAT_A_CFG_PORT_MAX],
				    "the port range lies inside net.ipv4.ip_local_port_range, the local sockets' ports, which FullNAT leaves to them: it would have no port");
		return -EINVAL;
	}
	/* Validated whole: apply. */
	WRITE_ONCE(fn->cfg.port_range, pmin << 16 | pmax);
	if (tb[FULLNAT_A_CFG_CONN_MAX])
		WRITE_ONCE(fn->cfg.conn_max,
			   nla_get_u32(tb[FULLNAT_A_CFG_CONN_MAX]));
	if (tb[FULLNAT_A_CFG_EXPIRE_NODEST])
		WRITE_ONCE(fn->cfg.expire_nodest,
			   nla_get_u8(tb[FULLNAT_A_CFG_EXPIRE_NODEST]));
	if (tb[FULLNAT_A_CFG_EXPIRE_QUIESCENT])
		WRITE_ONCE(fn->cfg.expire_quiescent,
			   nla_get_u8(tb[FULLNAT_A_CFG_EXPIRE_QUIESCENT]));
	set_timeouts(tb[FULLNAT_A_CFG_TIMEOUT_TCP], tcp_timeout_policy,
		     fn->cfg.timeout, ARRAY_SIZE(fn->cfg.timeout));
	set_timeouts(tb[FULLNAT_A_CFG_TIMEOUT_UDP], udp_timeout_policy,
		     fn->cfg.udp_timeout, ARRAY_SIZE(fn->cfg.udp_timeout));
	fn->gen++;
	fnat_nl_gen_bump(fn);
	mutex_unlock(&fn->lock);
	return 0;
}

/* --- local addresses --------------------------------------------------------- */

static int laddr_request(struct genl_info *info, union nf_inet_addr *addr,
			 u16 *af)
{
	struct nlattr *tb[FULLNAT_A_LADDR_MAX + 1];

	if (GENL_REQ_ATTR_CHECK(info, FULLNAT_A_LADDR) ||
	    !parse_nest(info, FULLNAT_A_LADDR, FULLNAT_A_LADDR_MAX,
			laddr_policy, tb))
		return -EINVAL;
	if (!tb[FULLNAT_A_LADDR_ADDR]) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[FULLNAT_A_LADDR],
				    "the local address is missing");
		return -EINVAL;
	}
	return fnat_nl_parse_addr(tb[FULLNAT_A_LADDR_ADDR], addr, af,
				  info->extack);
}

static int fnat_nl_laddr(struct sk_buff *skb, struct genl_info *info)
{
	struct fnat_net *fn = fnat_net(genl_info_net(info));
	union nf_inet_addr addr;
	u16 af;
	int ret;

	ret = laddr_request(info, &addr, &af);
	if (ret)
		return ret;
	mutex_lock(&fn->lock);
	ret = fnat_nl_gen_check(fn, info);
	if (!ret && info->genlhdr->cmd == FULLNAT_CMD_NEW_LADDR)
		ret = __fnat_laddr_add(fn, &addr, af, info->extack);
	else if (!ret)
		ret = __fnat_laddr_del(fn, &addr, af, info->extack);
	if (!ret)
		fnat_nl_gen_bump(fn);
	mutex_unlock(&fn->lock);
	return ret;
}

static int fill_laddr(struct sk_buff *skb, struct netlink_callback *cb,
		      const struct fnat_laddr *la)
{
	struct nlattr *nest;
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &fnat_genl_family, NLM_F_MULTI, FULLNAT_CMD_GET_LADDR);
	if (!hdr)
		return -EMSGSIZE;
	genl_dump_check_consistent(cb, hdr);
	nest = nla_nest_start(skb, FULLNAT_A_LADDR);
	if (!nest ||
	    fnat_nl_put_addr(skb, FULLNAT_A_LADDR_ADDR, la->af, &la->addr) ||
	    nla_put_u32(skb, FULLNAT_A_LADDR_PORTS_IN_USE,
			atomic_read(&la->ports_in_use)) ||
	    nla_put_u64_64bit(skb, FULLNAT_A_LADDR_CONNS,
			      atomic64_read(&la->conns), FULLNAT_A_LADDR_PAD) ||
	    nla_put_u64_64bit(skb, FULLNAT_A_LADDR_CONFLICTS,
			      atomic64_read(&la->conflicts),
			      FULLNAT_A_LADDR_PAD) ||
	    nla_put_u64_64bit(skb, FULLNAT_A_LADDR_EXHAUSTED,
			      atomic64_read(&la->exhausted),
			      FULLNAT_A_LADDR_PAD)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;
}

static int fnat_nl_dump_laddrs(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct fnat_net *fn = fnat_net(sock_net(skb->sk));
	const struct fnat_laddr *la;
	long idx = 0;

	mutex_lock(&fn->lock);
	cb->seq = fn->gen;
	list_for_each_entry(la, &fn->laddrs, list) {
		if (idx++ < cb->args[0])
			continue;
		if (fill_laddr(skb, cb, la)) {
			idx--;
			break;
		}
	}
	mutex_unlock(&fn->lock);
	cb->args[0] = idx;
	return skb->len;
}

/* --- connections ----------------------------------------------------------- */

/*
 * A TCP connection's sequence state, when it has one (an imported one
 * that has not confirmed the client's has not; a dying one's bytes are
 * its rcu_head's), for another director to import it with (nl_conn.c).
 */
static int put_conn_seq(struct sk_buff *skb, struct fnat_conn *cp)
{
	struct fnat_tcp_seq s;
	bool isn, ok;
	u32 rs_isn;
	int d;

	spin_lock_bh(&cp->lock);
	ok = !(cp->flags & (FNAT_CONN_F_DEAD | FNAT_CONN_F_NOSEQ));
	s = cp->seq;
	rs_isn = cp->rs_isn;
	isn = cp->flags & FNAT_CONN_F_SYNACK;
	spin_unlock_bh(&cp->lock);
	if (!ok)
		return 0;
	/* Before the SYN-ACK it holds the client's (fnat_tcp_state()). */
	if (!isn)
		s.end[FNAT_DIR_OUT] = 0;
	BUILD_BUG_ON(FULLNAT_A_CONN_CSEQ_WSCALE != FULLNAT_A_CONN_CSEQ_END + 2 ||
		     FULLNAT_A_CONN_SSEQ_WSCALE != FULLNAT_A_CONN_SSEQ_END + 2);
	for (d = 0; d < 2; d++) {
		int a = d == FNAT_DIR_IN ? FULLNAT_A_CONN_CSEQ_END :
					   FULLNAT_A_CONN_SSEQ_END;

		if (nla_put_u32(skb, a, s.end[d]) ||
		    nla_put_u16(skb, a + 1, s.win[d]) ||
		    nla_put_u8(skb, a + 2, s.wscale[d]))
			return -EMSGSIZE;
	}
	return isn ? nla_put_u32(skb, FULLNAT_A_CONN_RS_ISN, rs_isn) : 0;
}

static int fill_conn(struct sk_buff *skb, struct netlink_callback *cb,
		     struct fnat_conn *cp)
{
	u16 flags = READ_ONCE(cp->flags);
	long left = (long)READ_ONCE(cp->expires) - (long)jiffies;
	struct nlattr *nest;
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &fnat_genl_family, NLM_F_MULTI, FULLNAT_CMD_GET_CONN);
	if (!hdr)
		return -EMSGSIZE;
	nest = nla_nest_start(skb, FULLNAT_A_CONN);
	if (!nest ||
	    nla_put_u8(skb, FULLNAT_A_CONN_PROTOCOL, cp->proto) ||
	    fnat_nl_put_addr(skb, FULLNAT_A_CONN_CADDR, cp->af, &cp->caddr) ||
	    nla_put_u16(skb, FULLNAT_A_CONN_CPORT, ntohs(cp->cport)) ||
	    fnat_nl_put_addr(skb, FULLNAT_A_CONN_VADDR, cp->af, &cp->vaddr) ||
	    nla_put_u16(skb, FULLNAT_A_CONN_VPORT, ntohs(cp->vport)) ||
	    (cp->fwd == FULLNAT_FWD_FULLNAT &&
	     (fnat_nl_put_addr(skb, FULLNAT_A_CONN_LADDR, cp->daf, &cp->laddr) ||
	      nla_put_u16(skb, FULLNAT_A_CONN_LPORT, ntohs(cp->lport)))) ||
	    fnat_nl_put_addr(skb, FULLNAT_A_CONN_DADDR, cp->daf, &cp->daddr) ||
	    nla_put_u16(skb, FULLNAT_A_CONN_DPORT, ntohs(cp->dport)) ||
	    nla_put_u8(skb, FULLNAT_A_CONN_STATE, READ_ONCE(cp->state)) ||
	    nla_put_u32(skb, FULLNAT_A_CONN_EXPIRES,
			left > 0 ? DIV_ROUND_UP(left, HZ) : 0) ||
	    nla_put_u8(skb, FULLNAT_A_CONN_FORWARD, cp->fwd) ||
	    nla_put_u32(skb, FULLNAT_A_CONN_FLAGS,
			fnat_conn_timeout_state(READ_ONCE(cp->state), flags) !=
			READ_ONCE(cp->state) ? FULLNAT_CONN_F_NODATA : 0) ||
	    (cp->proto == IPPROTO_TCP && put_conn_seq(skb, cp))) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;
}

static int fnat_nl_dump_conns(struct sk_buff *skb, struct netlink_callback *cb)
{
	return fnat_conn_dump(skb, cb, fill_conn);
}

/* --- the family ---------------------------------------------------------------- */

static const struct genl_ops fnat_genl_ops[] = {
	{
		.cmd = FULLNAT_CMD_GET_INFO,
		.doit = fnat_nl_get_info,
		.policy = none_policy,
		.maxattr = FULLNAT_A_MAX,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = FULLNAT_CMD_GET_CONFIG,
		.doit = fnat_nl_get_config,
		.policy = none_policy,
		.maxattr = FULLNAT_A_MAX,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = FULLNAT_CMD_SET_CONFIG,
		.doit = fnat_nl_set_config,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = FULLNAT_CMD_NEW_SERVICE,
		.doit = fnat_nl_new_service,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = FULLNAT_CMD_SET_SERVICE,
		.doit = fnat_nl_set_service,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = FULLNAT_CMD_DEL_SERVICE,
		.doit = fnat_nl_del_service,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = FULLNAT_CMD_GET_SERVICE,
		.doit = fnat_nl_get_service,
		.dumpit = fnat_nl_dump_services,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = FULLNAT_CMD_NEW_DEST,
		.doit = fnat_nl_dest,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = FULLNAT_CMD_SET_DEST,
		.doit = fnat_nl_dest,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = FULLNAT_CMD_DEL_DEST,
		.doit = fnat_nl_dest,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = FULLNAT_CMD_GET_DEST,
		.dumpit = fnat_nl_dump_dests,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = FULLNAT_CMD_NEW_LADDR,
		.doit = fnat_nl_laddr,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = FULLNAT_CMD_DEL_LADDR,
		.doit = fnat_nl_laddr,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = FULLNAT_CMD_GET_LADDR,
		.dumpit = fnat_nl_dump_laddrs,
		.policy = none_policy,
		.maxattr = FULLNAT_A_MAX,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = FULLNAT_CMD_GET_CONN,
		.dumpit = fnat_nl_dump_conns,
		.policy = none_policy,
		.maxattr = FULLNAT_A_MAX,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = FULLNAT_CMD_GET_TEMPLATE,
		.dumpit = fnat_nl_dump_templates,
		.policy = tmpl_policy,
		.maxattr = FULLNAT_A_MAX,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = FULLNAT_CMD_NEW_CONN,
		.doit = fnat_nl_new_conn,
		.policy = fnat_new_conn_policy,
		.maxattr = FULLNAT_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = FULLNAT_CMD_DEL_CONN,
		.doit = fnat_nl_del_conn,
		.policy = fnat_del_conn_policy,
		.maxattr = FULLNAT_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
};

struct genl_family fnat_genl_family __ro_after_init = {
	.name = FULLNAT_GENL_NAME,
	.version = FULLNAT_GENL_VERSION,
	.module = THIS_MODULE,
	.netnsok = true,
	.policy = fnat_policy,
	.maxattr = FULLNAT_A_MAX,
	.ops = fnat_genl_ops,
	.n_ops = ARRAY_SIZE(fnat_genl_ops),
	/* Strict from the first command: reserved header bits must be 0. */
	.resv_start_op = FULLNAT_CMD_GET_INFO,
};

int __init fnat_genl_init(void)
{
	return genl_register_family(&fnat_genl_family);
}

void fnat_genl_uninit(void)
{
	genl_unregister_family(&fnat_genl_family);
}

/* Lets "modprobe" load us when lbctl asks for the family. */
MODULE_ALIAS_GENL_FAMILY(FULLNAT_GENL_NAME);
