// SPDX-License-Identifier: GPL-2.0
/*
 * FULLNAT_CMD_NEW_CONN: a connection copied from another director's
 * table, for a drain handoff (docs/cluster.md; the uapi header has the
 * contract). The request is an attacker's until proven otherwise: every
 * attribute is checked, the connection must belong to a service and a
 * real server of this director with the same method, and a FullNAT one
 * must keep a local address that is not ours (conn.c,
 * fnat_conn_import(), has what such a connection is). Nothing changes
 * unless the whole request is good.
 *
 * FULLNAT_CMD_DEL_CONN: the namespace's connections, or those a filter
 * names (a service, a real server, a client), expired at once by the
 * table's own expiry (conn.c), as conntrack -D deletes; the reply says
 * how many.
 */
#include <net/tcp.h>

#include "netlink.h"

static const struct nla_policy conn_policy[FULLNAT_A_CONN_MAX + 1] = {
	[FULLNAT_A_CONN_PROTOCOL]	= { .type = NLA_U8 },
	[FULLNAT_A_CONN_CADDR]		= FNAT_ADDR_POLICY,
	[FULLNAT_A_CONN_CPORT]		= { .type = NLA_U16 },
	[FULLNAT_A_CONN_VADDR]		= FNAT_ADDR_POLICY,
	[FULLNAT_A_CONN_VPORT]		= NLA_POLICY_MIN(NLA_U16, 1),
	[FULLNAT_A_CONN_LADDR]		= FNAT_ADDR_POLICY,
	[FULLNAT_A_CONN_LPORT]		= NLA_POLICY_MIN(NLA_U16, 1),
	[FULLNAT_A_CONN_DADDR]		= FNAT_ADDR_POLICY,
	[FULLNAT_A_CONN_DPORT]		= NLA_POLICY_MIN(NLA_U16, 1),
	[FULLNAT_A_CONN_STATE]		= { .type = NLA_U8 },
	[FULLNAT_A_CONN_EXPIRES]	= { .type = NLA_U32 },
	[FULLNAT_A_CONN_FORWARD]	= NLA_POLICY_MAX(NLA_U8, FULLNAT_FWD_MAX),
	[FULLNAT_A_CONN_FLAGS]		= { .type = NLA_U32 },
	[FULLNAT_A_CONN_CSEQ_END]	= { .type = NLA_U32 },
	[FULLNAT_A_CONN_CSEQ_WIN]	= { .type = NLA_U16 },
	[FULLNAT_A_CONN_CSEQ_WSCALE]	= { .type = NLA_U8 },
	[FULLNAT_A_CONN_SSEQ_END]	= { .type = NLA_U32 },
	[FULLNAT_A_CONN_SSEQ_WIN]	= { .type = NLA_U16 },
	[FULLNAT_A_CONN_SSEQ_WSCALE]	= { .type = NLA_U8 },
	[FULLNAT_A_CONN_RS_ISN]		= { .type = NLA_U32 },
};

#define NOT_HERE { .type = NLA_REJECT, \
		   .reject_message = "this command takes a connection only" }

/* The command's own top level: a connection, nothing else. */
const struct nla_policy fnat_new_conn_policy[FULLNAT_A_MAX + 1] = {
	[FULLNAT_A_SERVICE]	= NOT_HERE,
	[FULLNAT_A_DEST]	= NOT_HERE,
	[FULLNAT_A_LADDR]	= NOT_HERE,
	[FULLNAT_A_CONN]	= NLA_POLICY_NESTED(conn_policy),
	[FULLNAT_A_CONFIG]	= NOT_HERE,
	[FULLNAT_A_INFO]	= NOT_HERE,
	[FULLNAT_A_GENERATION]	= NOT_HERE,
	[FULLNAT_A_TEMPLATE]	= NOT_HERE,
	[FULLNAT_A_DELETED]	= NOT_HERE,
};

/* The attributes every connection needs, and what is said when one is not. */
static const struct {
	int type;
	const char *missing;
} required[] = {
	{ FULLNAT_A_CONN_PROTOCOL, "the connection's protocol is missing" },
	{ FULLNAT_A_CONN_CADDR, "the connection's client address is missing" },
	{ FULLNAT_A_CONN_CPORT, "the connection's client port is missing" },
	{ FULLNAT_A_CONN_VADDR, "the connection's virtual address is missing" },
	{ FULLNAT_A_CONN_VPORT, "the connection's virtual port is missing" },
	{ FULLNAT_A_CONN_DADDR, "the connection's real server address is missing" },
	{ FULLNAT_A_CONN_DPORT, "the connection's real server port is missing" },
	{ FULLNAT_A_CONN_STATE, "the connection's state is missing" },
	{ FULLNAT_A_CONN_FORWARD, "the connection's forwarding method is missing" },
};

/* An address of the connection, of the family the client's has. */
static int conn_addr(struct nlattr **tb, int type, union nf_inet_addr *addr,
		     u16 af, struct netlink_ext_ack *extack)
{
	u16 got;
	int ret;

	ret = fnat_nl_parse_addr(tb[type], addr, &got, extack);
	if (ret)
		return ret;
	if (got != af) {
		NL_SET_ERR_MSG_ATTR(extack, tb[type],
				    "the connection's addresses are not all of one family");
		return -EINVAL;
	}
	return 0;
}

/* A TCP connection past its handshake whose client may still send. */
static bool state_ok(u8 proto, u8 state)
{
	if (proto == IPPROTO_UDP)
		return state <= FULLNAT_UDP_S_MAX;
	return state == FULLNAT_TCP_S_ESTABLISHED ||
	       state == FULLNAT_TCP_S_FIN_WAIT ||
	       state == FULLNAT_TCP_S_CLOSE_WAIT ||
	       state == FULLNAT_TCP_S_LAST_ACK;
}

/* FULLNAT_A_CONN_FLAGS: NODATA alone, on an ESTABLISHED TCP connection. */
static int parse_flags(struct nlattr **tb, struct fnat_conn *c,
		       struct netlink_ext_ack *extack)
{
	struct nlattr *a = tb[FULLNAT_A_CONN_FLAGS];
	u32 flags = a ? nla_get_u32(a) : 0;

	if (flags & ~FULLNAT_CONN_F_NODATA ||
	    (flags && (c->proto != IPPROTO_TCP ||
		       c->state != FULLNAT_TCP_S_ESTABLISHED))) {
		NL_SET_ERR_MSG_ATTR(extack, a,
				    "the flags are NODATA alone, on an established TCP connection");
		return -EINVAL;
	}
	if (flags)
		c->flags |= FNAT_CONN_F_NODATA;
	return 0;
}

/*
 * The sequence attributes: TCP only, the six together or none (then the
 * client's is learnt, proto_tcp.c: NOSEQ); RS_ISN only with them.
 */
static int parse_seq(struct nlattr **tb, struct fnat_conn *c,
		     struct netlink_ext_ack *extack)
{
	struct fnat_tcp_seq *s = &c->seq;
	int i, n = 0, d;

	for (i = FULLNAT_A_CONN_CSEQ_END; i <= FULLNAT_A_CONN_RS_ISN; i++)
		n += !!tb[i];
	if (!n) {
		if (c->proto == IPPROTO_TCP)
			c->flags |= FNAT_CONN_F_NOSEQ;
		return 0;
	}
	if (c->proto != IPPROTO_TCP || n - !!tb[FULLNAT_A_CONN_RS_ISN] != 6) {
		NL_SET_ERR_MSG_ATTR(extack, tb[FULLNAT_A_CONN_PROTOCOL],
				    "a TCP connection's sequence attributes come six together (the real server's ISN may join them), or none; another protocol has none");
		return -EINVAL;
	}
	for (d = 0; d < 2; d++) {
		i = d == FNAT_DIR_IN ? FULLNAT_A_CONN_CSEQ_END :
				       FULLNAT_A_CONN_SSEQ_END;
		s->end[d] = nla_get_u32(tb[i]);
		s->win[d] = nla_get_u16(tb[i + 1]);
		s->wscale[d] = nla_get_u8(tb[i + 2]);
		if (s->wscale[d] > TCP_MAX_WSCALE && s->wscale[d] != 0xff) {
			NL_SET_ERR_MSG_ATTR(extack, tb[i + 2],
					    "a window scale is 0-14, or 255 for none");
			return -EINVAL;
		}
	}
	if (tb[FULLNAT_A_CONN_RS_ISN]) {
		c->rs_isn = nla_get_u32(tb[FULLNAT_A_CONN_RS_ISN]);
		c->flags |= FNAT_CONN_F_SYNACK;
	}
	return 0;
}

/* The request into @c, checked alone (no state of the director's). */
static int parse_conn(struct genl_info *info, struct nlattr **tb,
		      struct fnat_conn *c)
{
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *nest = info->attrs[FULLNAT_A_CONN];
	bool fullnat;
	int i, ret;

	for (i = 0; i < ARRAY_SIZE(required); i++) {
		if (!tb[required[i].type]) {
			/* A static string, as NL_SET_ERR_MSG() would keep. */
			NL_SET_BAD_ATTR(extack, nest);
			if (extack)
				extack->_msg = required[i].missing;
			return -EINVAL;
		}
	}
	c->proto = nla_get_u8(tb[FULLNAT_A_CONN_PROTOCOL]);
	if (!fnat_proto_find(c->proto)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[FULLNAT_A_CONN_PROTOCOL],
				    "the protocol is not TCP or UDP");
		return -EINVAL;
	}
	c->fwd = nla_get_u8(tb[FULLNAT_A_CONN_FORWARD]);
	if (c->fwd == FULLNAT_FWD_NAT || !fnat_method_find(c->fwd)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[FULLNAT_A_CONN_FORWARD],
				    "only FullNAT, DR and TUN connections can be imported");
		return -EINVAL;
	}
	c->state = nla_get_u8(tb[FULLNAT_A_CONN_STATE]);
	if (!state_ok(c->proto, c->state)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[FULLNAT_A_CONN_STATE],
				    "a TCP connection is imported in ESTABLISHED, FIN_WAIT, CLOSE_WAIT or LAST_ACK; a UDP one in one of UDP's states");
		return -EINVAL;
	}
	fullnat = c->fwd == FULLNAT_FWD_FULLNAT;
	if (fullnat != !!tb[FULLNAT_A_CONN_LADDR] ||
	    fullnat != !!tb[FULLNAT_A_CONN_LPORT]) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "a FullNAT connection has a local address and port, no other has");
		return -EINVAL;
	}
	ret = fnat_nl_parse_addr(tb[FULLNAT_A_CONN_CADDR], &c->caddr, &c->af,
				 extack) ?:
	      conn_addr(tb, FULLNAT_A_CONN_VADDR, &c->vaddr, c->af, extack) ?:
	      conn_addr(tb, FULLNAT_A_CONN_DADDR, &c->daddr, c->af, extack);
	if (!ret && fullnat)
		ret = conn_addr(tb, FULLNAT_A_CONN_LADDR, &c->laddr, c->af,
				extack);
	if (ret)
		return ret;
	c->cport = htons(nla_get_u16(tb[FULLNAT_A_CONN_CPORT]));
	c->vport = htons(nla_get_u16(tb[FULLNAT_A_CONN_VPORT]));
	c->dport = htons(nla_get_u16(tb[FULLNAT_A_CONN_DPORT]));
	if (fullnat)
		c->lport = htons(nla_get_u16(tb[FULLNAT_A_CONN_LPORT]));
	return parse_flags(tb, c, extack) ?: parse_seq(tb, c, extack);
}

/* Could @addr be a client's (not the director's own, no martian)? */
static bool martian(struct fnat_net *fn, u16 af, const union nf_inet_addr *addr)
{
	bool ret;

	rcu_read_lock();
	ret = fnat_af_martian(fn, af, NULL, addr);
	rcu_read_unlock();
	return ret;
}

/*
 * Under fn->lock: @c against this director; its real server, or an
 * ERR_PTR. Neither the client's nor a FullNAT local address may be the
 * director's own (nor a VIP or LIP): the local one's node would take the
 * director's own traffic for the connection's.
 */
static struct fnat_dest *__check_conn(struct fnat_net *fn, struct nlattr **tb,
				      const struct fnat_conn *c,
				      struct netlink_ext_ack *extack)
{
	struct fnat_service *svc;
	struct fnat_dest *dest;

	svc = __fnat_service_lookup(fn, c->proto, &c->vaddr, c->vport);
	if (!svc || svc->af != c->af) {
		NL_SET_ERR_MSG_ATTR(extack, tb[FULLNAT_A_CONN_VADDR],
				    "no such virtual service on this director");
		return ERR_PTR(-ENOENT);
	}
	dest = __fnat_dest_lookup(svc, c->af, &c->daddr, c->dport);
	if (!dest) {
		NL_SET_ERR_MSG_ATTR(extack, tb[FULLNAT_A_CONN_DADDR],
				    "the real server is not one of the service's here");
		return ERR_PTR(-ENOENT);
	}
	/* FullNAT64's two families (xlat.c) are not imported (yet). */
	if (dest->af != c->af) {
		NL_SET_ERR_MSG_ATTR(extack, tb[FULLNAT_A_CONN_DADDR],
				    "the real server's family is not the service's (FullNAT64): such connections are not imported");
		return ERR_PTR(-EOPNOTSUPP);
	}
	if (READ_ONCE(dest->fwd) != c->fwd) {
		NL_SET_ERR_MSG_ATTR(extack, tb[FULLNAT_A_CONN_FORWARD],
				    "the real server forwards by another method here");
		return ERR_PTR(-EINVAL);
	}
	if (martian(fn, c->af, &c->caddr)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[FULLNAT_A_CONN_CADDR],
				    "the client address is no client's: special, or this director's own (a VIP, LIP or local address)");
		return ERR_PTR(-EINVAL);
	}
	if (c->fwd != FULLNAT_FWD_FULLNAT)
		return dest;
	if (martian(fn, c->af, &c->laddr) ||
	    nf_inet_addr_cmp(&c->laddr, &c->caddr) ||
	    nf_inet_addr_cmp(&c->laddr, &c->daddr)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[FULLNAT_A_CONN_LADDR],
				    "the local address is special, the client's, the real server's or this director's own (a VIP, LIP or local address): only another director's connections are imported");
		return ERR_PTR(-EINVAL);
	}
	return dest;
}

int fnat_nl_new_conn(struct sk_buff *skb, struct genl_info *info)
{
	struct fnat_net *fn = fnat_net(genl_info_net(info));
	struct nlattr *tb[FULLNAT_A_CONN_MAX + 1];
	struct fnat_dest *dest;
	struct fnat_conn c;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, FULLNAT_A_CONN))
		return -EINVAL;
	/* Validated against the policy by the genetlink core already. */
	ret = nla_parse_nested(tb, FULLNAT_A_CONN_MAX, info->attrs[FULLNAT_A_CONN],
			       conn_policy, info->extack);
	if (ret)
		return ret;
	memset(&c, 0, sizeof(c));
	ret = parse_conn(info, tb, &c);
	if (ret)
		return ret;
	/* What the other director said is left: a bound (conn.c). */
	c.expires = tb[FULLNAT_A_CONN_EXPIRES] ?
		    (unsigned long)nla_get_u32(tb[FULLNAT_A_CONN_EXPIRES]) * HZ :
		    ULONG_MAX;
	mutex_lock(&fn->lock);
	dest = __check_conn(fn, tb, &c, info->extack);
	ret = IS_ERR(dest) ? PTR_ERR(dest) :
	      fnat_conn_import(fn, &c, dest, info->extack);
	mutex_unlock(&fn->lock);
	return ret;
}

/* --- FULLNAT_CMD_DEL_CONN ------------------------------------------------- */

#define NOT_FILTER { .type = NLA_REJECT, \
		     .reject_message = "a deletion's filter is a service (protocol, virtual address and port), a real server (address and port) and a client (address and port), nothing else" }

static const struct nla_policy filter_policy[FULLNAT_A_CONN_MAX + 1] = {
	[FULLNAT_A_CONN_PROTOCOL]	= { .type = NLA_U8 },
	[FULLNAT_A_CONN_CADDR]		= FNAT_ADDR_POLICY,
	[FULLNAT_A_CONN_CPORT]		= { .type = NLA_U16 },
	[FULLNAT_A_CONN_VADDR]		= FNAT_ADDR_POLICY,
	[FULLNAT_A_CONN_VPORT]		= NLA_POLICY_MIN(NLA_U16, 1),
	[FULLNAT_A_CONN_LADDR ... FULLNAT_A_CONN_LPORT] = NOT_FILTER,
	[FULLNAT_A_CONN_DADDR]		= FNAT_ADDR_POLICY,
	[FULLNAT_A_CONN_DPORT]		= NLA_POLICY_MIN(NLA_U16, 1),
	[FULLNAT_A_CONN_STATE ... FULLNAT_A_CONN_MAX] = NOT_FILTER,
};

#define NOT_DEL { .type = NLA_REJECT, \
		  .reject_message = "this command takes a connection filter only" }

/*
 * The filter alone. The other nests are NLA_UNSPEC, which strict
 * validation refuses ("Unsupported attribute"): an NLA_REJECT entry would
 * answer a nest "NLA_F_NESTED not expected" before its own message.
 */
const struct nla_policy fnat_del_conn_policy[FULLNAT_A_MAX + 1] = {
	[FULLNAT_A_CONN]	= NLA_POLICY_NESTED(filter_policy),
	[FULLNAT_A_GENERATION]	= NOT_DEL,
	[FULLNAT_A_DELETED]	= NOT_DEL,
};

/* Which connections go: of @net, and of each part that is set. */
struct conn_filter {
	struct net *net;
	bool svc, dest, client;
	u16 af;				/* of the client's side, 0 none */
	u16 daf;			/* of the real server, 0 none: FullNAT64's
					 * differs from the service's */
	u8 proto;
	union nf_inet_addr vaddr, daddr, caddr;
	__be16 vport, dport, cport;
};

/*
 * Attributes @a and @b (and @c unless 0) of @tb: all there (true), none
 * (false), or some (-EINVAL with @msg, in *@ret).
 */
static bool together(struct nlattr **tb, struct nlattr *nest, int a, int b,
		     int c, const char *msg, struct netlink_ext_ack *extack,
		     int *ret)
{
	int n = !!tb[a] + !!tb[b] + (c ? !!tb[c] : 1);

	if (n == 3)
		return true;
	if (n > !c) {
		NL_SET_BAD_ATTR(extack, nest);
		if (extack)
			extack->_msg = msg;	/* static, as NL_SET_ERR_MSG's */
		*ret = -EINVAL;
	}
	return false;
}

/*
 * A filter's address of the client's side (the service's, the client's):
 * the first sets the family, the other follows it.
 */
static int filter_addr(struct nlattr **tb, int type, union nf_inet_addr *addr,
		       struct conn_filter *f, struct netlink_ext_ack *extack)
{
	if (!f->af)
		return fnat_nl_parse_addr(tb[type], addr, &f->af, extack);
	return conn_addr(tb, type, addr, f->af, extack);
}

static int parse_filter(struct genl_info *info, struct conn_filter *f)
{
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *nest = info->attrs[FULLNAT_A_CONN];
	struct nlattr *tb[FULLNAT_A_CONN_MAX + 1];
	int ret = 0;

	if (!nest)
		return 0;
	/* Validated against the policy by the genetlink core already. */
	ret = nla_parse_nested(tb, FULLNAT_A_CONN_MAX, nest, filter_policy,
			       extack);
	if (ret)
		return ret;
	f->svc = together(tb, nest, FULLNAT_A_CONN_PROTOCOL,
			  FULLNAT_A_CONN_VADDR, FULLNAT_A_CONN_VPORT,
			  "a service is its protocol, virtual address and port, the three together",
			  extack, &ret);
	f->dest = together(tb, nest, FULLNAT_A_CONN_DADDR, FULLNAT_A_CONN_DPORT,
			   0, "a real server is its address and port, the two together",
			   extack, &ret);
	f->client = together(tb, nest, FULLNAT_A_CONN_CADDR,
			     FULLNAT_A_CONN_CPORT, 0,
			     "a client is its address and port, the two together",
			     extack, &ret);
	if (ret)
		return ret;
	if (f->client && !f->svc) {
		NL_SET_ERR_MSG_ATTR(extack, tb[FULLNAT_A_CONN_CADDR],
				    "a client's connection is named with its service (protocol, virtual address and port)");
		return -EINVAL;
	}
	if (f->svc) {
		f->proto = nla_get_u8(tb[FULLNAT_A_CONN_PROTOCOL]);
		if (!fnat_proto_find(f->proto)) {
			NL_SET_ERR_MSG_ATTR(extack, tb[FULLNAT_A_CONN_PROTOCOL],
					    "the protocol is not TCP or UDP");
			return -EINVAL;
		}
		ret = filter_addr(tb, FULLNAT_A_CONN_VADDR, &f->vaddr, f, extack);
		f->vport = htons(nla_get_u16(tb[FULLNAT_A_CONN_VPORT]));
	}
	if (!ret && f->dest) {
		ret = fnat_nl_parse_addr(tb[FULLNAT_A_CONN_DADDR], &f->daddr,
					 &f->daf, extack);
		f->dport = htons(nla_get_u16(tb[FULLNAT_A_CONN_DPORT]));
	}
	if (!ret && f->client) {
		ret = filter_addr(tb, FULLNAT_A_CONN_CADDR, &f->caddr, f, extack);
		f->cport = htons(nla_get_u16(tb[FULLNAT_A_CONN_CPORT]));
	}
	/* Only FullNAT64 mixes them: an IPv4 real server, an IPv6 client. */
	if (!ret && f->af && f->daf && f->af != f->daf && f->af != AF_INET6) {
		NL_SET_ERR_MSG_ATTR(extack, tb[FULLNAT_A_CONN_DADDR],
				    "the connection's addresses are not all of one family (only FullNAT64's real server, IPv4, is under an IPv6 service)");
		ret = -EINVAL;
	}
	return ret;
}

/* Reads only what is set before a connection is hashed (conn.c). */
static bool filter_match(const struct fnat_conn *cp, const void *arg)
{
	const struct conn_filter *f = arg;

	if (!net_eq(fnat_conn_net(cp), f->net) || (f->af && cp->af != f->af) ||
	    (f->daf && cp->daf != f->daf))
		return false;
	if (f->svc && (cp->proto != f->proto || cp->vport != f->vport ||
		       !nf_inet_addr_cmp(&cp->vaddr, &f->vaddr)))
		return false;
	if (f->dest && (cp->dport != f->dport ||
			!nf_inet_addr_cmp(&cp->daddr, &f->daddr)))
		return false;
	return !f->client || (cp->cport == f->cport &&
			      nf_inet_addr_cmp(&cp->caddr, &f->caddr));
}

int fnat_nl_del_conn(struct sk_buff *skb, struct genl_info *info)
{
	struct conn_filter f = { .net = genl_info_net(info) };
	struct sk_buff *msg;
	void *hdr;
	u32 n;
	int ret;

	ret = parse_filter(info, &f);
	if (ret)
		return ret;
	/* The reply before the deletion: no failure after it. */
	msg = genlmsg_new(nla_total_size(sizeof(u32)), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &fnat_genl_family, 0,
				FULLNAT_CMD_DEL_CONN);
	if (!hdr) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	n = fnat_conn_expire_matching(filter_match, &f);
	if (nla_put_u32(msg, FULLNAT_A_DELETED, n)) {
		nlmsg_free(msg);	/* cannot happen: sized for it */
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}
