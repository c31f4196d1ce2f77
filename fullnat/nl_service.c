// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink commands on virtual services and their real servers.
 * Requests are parsed and validated whole into local values first; only
 * then is the namespace's lock taken and the change made.
 */
#include <linux/in.h>

#include "netlink.h"

/*
 * A forwarding method of a service or real server: 0 if the director has
 * it (fnat_method_find()). extack messages must be literals: one per
 * method not yet offered.
 */
static int check_fwd(struct netlink_ext_ack *extack, const struct nlattr *attr,
		     u8 fwd)
{
	if (fnat_method_find(fwd))
		return 0;
	switch (fwd) {
	case FULLNAT_FWD_DR:
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "forwarding mode dr is not implemented yet");
		break;
	default:
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "forwarding mode tun is not implemented yet");
		break;
	}
	return -EOPNOTSUPP;
}

/*
 * IPv6 goes through the methods that say so (struct fnat_method's ipv6):
 * all four today (FullNAT, NAT, DR, TUN), but a method added without its
 * IPv6 part is refused here. A method that takes another family's real
 * servers (FullNAT64) is decided here too. @fwd is a method the director
 * has (check_fwd()).
 */
static int check_family(struct netlink_ext_ack *extack,
			const struct nlattr *attr, u16 af, u8 fwd)
{
	if (af == AF_INET || fnat_method_find(fwd)->ipv6)
		return 0;
	NL_SET_ERR_MSG_ATTR(extack, attr,
			    "this forwarding mode takes IPv4 services and real servers only");
	return -EOPNOTSUPP;
}

struct svc_req {
	struct fnat_service tmpl;	/* key and settings */
	char sched[FULLNAT_SCHED_NAME_MAX];
	int sched_port;			/* -1: not given */
	u32 sched_table;		/* 0: not given */
	bool has_fwd, has_sched, has_conf;
	int toa;			/* -1: not given */
	s64 persist_timeout;		/* -1: not given */
	int persist_prefix;		/* -1: not given */
	struct nlattr *nest;
};

static int parse_sched_opts(const struct nlattr *nest, struct svc_req *req,
			    struct netlink_ext_ack *extack)
{
	struct nlattr *tb[FULLNAT_A_SCHED_OPT_MAX + 1];
	int ret;

	/* Validated against the policy with the rest of the request. */
	ret = nla_parse_nested(tb, FULLNAT_A_SCHED_OPT_MAX, nest, NULL, extack);
	if (ret)
		return ret;
	if (tb[FULLNAT_A_SCHED_OPT_PORT])
		req->sched_port = nla_get_u8(tb[FULLNAT_A_SCHED_OPT_PORT]);
	if (tb[FULLNAT_A_SCHED_OPT_TABLE]) {
		req->sched_table = nla_get_u32(tb[FULLNAT_A_SCHED_OPT_TABLE]);
		if (!fnat_sched_table_ok(req->sched_table)) {
			NL_SET_ERR_MSG_ATTR(extack, tb[FULLNAT_A_SCHED_OPT_TABLE],
					    "the table size must be one of 251, 509, 1021, 2039, 4093, 8191, 16381, 32749, 65521, 65537, 131071, 262139");
			return -EINVAL;
		}
	}
	return 0;
}

/* @conf as the request's options leave it: those not given stay. */
static void sched_conf(const struct svc_req *req, struct fnat_sched_conf *conf)
{
	if (req->sched_port >= 0)
		conf->port = req->sched_port;
	if (req->sched_table)
		conf->table = req->sched_table;
}

static int parse_service(struct genl_info *info, struct svc_req *req)
{
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *tb[FULLNAT_A_SVC_MAX + 1];
	u16 af;
	int ret;

	memset(req, 0, sizeof(*req));
	req->toa = -1;
	if (GENL_REQ_ATTR_CHECK(info, FULLNAT_A_SERVICE))
		return -EINVAL;
	req->nest = info->attrs[FULLNAT_A_SERVICE];
	ret = nla_parse_nested(tb, FULLNAT_A_SVC_MAX, req->nest,
			       fnat_svc_policy, extack);
	if (ret)
		return ret;
	if (!tb[FULLNAT_A_SVC_PROTOCOL] || !tb[FULLNAT_A_SVC_ADDR] ||
	    !tb[FULLNAT_A_SVC_PORT]) {
		NL_SET_ERR_MSG_ATTR(extack, req->nest,
				    "a service is named by protocol, address and port");
		return -EINVAL;
	}
	req->tmpl.proto = nla_get_u8(tb[FULLNAT_A_SVC_PROTOCOL]);
	if (!fnat_proto_find(req->tmpl.proto)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[FULLNAT_A_SVC_PROTOCOL],
				    "the protocol must be TCP or UDP");
		return -EINVAL;
	}
	ret = fnat_nl_parse_addr(tb[FULLNAT_A_SVC_ADDR], &req->tmpl.addr, &af,
				 extack);
	if (ret)
		return ret;
	req->tmpl.af = af;
	req->tmpl.port = htons(nla_get_u16(tb[FULLNAT_A_SVC_PORT]));

	if (tb[FULLNAT_A_SVC_FORWARD]) {
		req->has_fwd = true;
		req->tmpl.fwd = nla_get_u8(tb[FULLNAT_A_SVC_FORWARD]);
		ret = check_fwd(extack, tb[FULLNAT_A_SVC_FORWARD],
				req->tmpl.fwd) ?:
		      check_family(extack, tb[FULLNAT_A_SVC_FORWARD], af,
				   req->tmpl.fwd);
		if (ret)
			return ret;
	}
	if (tb[FULLNAT_A_SVC_SCHED]) {
		req->has_sched = true;
		nla_strscpy(req->sched, tb[FULLNAT_A_SVC_SCHED],
			    sizeof(req->sched));
	}
	if (tb[FULLNAT_A_SVC_TOA])
		req->toa = nla_get_u8(tb[FULLNAT_A_SVC_TOA]);
	req->persist_timeout = -1;
	if (tb[FULLNAT_A_SVC_PERSIST_TIMEOUT])
		req->persist_timeout =
			nla_get_u32(tb[FULLNAT_A_SVC_PERSIST_TIMEOUT]);
	req->persist_prefix = -1;
	if (tb[FULLNAT_A_SVC_PERSIST_NETMASK]) {
		req->persist_prefix =
			nla_get_u32(tb[FULLNAT_A_SVC_PERSIST_NETMASK]);
		/* IPv6 takes up to 128 (the policy's bound) when it comes. */
		if (af == AF_INET && req->persist_prefix > 32) {
			NL_SET_ERR_MSG_ATTR(extack,
					    tb[FULLNAT_A_SVC_PERSIST_NETMASK],
					    "an IPv4 service's persistence netmask is a prefix length of 1 to 32");
			return -EINVAL;
		}
	}
	req->sched_port = -1;
	if (tb[FULLNAT_A_SVC_SCHED_OPTS]) {
		req->has_conf = true;
		ret = parse_sched_opts(tb[FULLNAT_A_SVC_SCHED_OPTS], req, extack);
	}
	return ret;
}

/* The service a request names, or NULL with the error set. */
static struct fnat_service *__find_service(struct fnat_net *fn,
					   const struct svc_req *req,
					   struct netlink_ext_ack *extack)
{
	struct fnat_service *svc;

	svc = __fnat_service_lookup(fn, req->tmpl.proto, &req->tmpl.addr,
				    req->tmpl.port);
	if (!svc)
		NL_SET_ERR_MSG_ATTR(extack, req->nest, "no such virtual service");
	return svc;
}

int fnat_nl_new_service(struct sk_buff *skb, struct genl_info *info)
{
	struct fnat_net *fn = fnat_net(genl_info_net(info));
	struct fnat_sched_conf conf;
	struct fnat_laddr *la;
	struct svc_req req;
	int ret;

	ret = parse_service(info, &req);
	if (ret)
		return ret;
	if (!req.has_fwd || !req.has_sched) {
		NL_SET_ERR_MSG_ATTR(info->extack, req.nest,
				    "a new service needs a forwarding mode and a scheduler");
		return -EINVAL;
	}
	req.tmpl.toa = req.toa != 0;	/* on unless turned off */
	req.tmpl.persist_timeout = max_t(s64, req.persist_timeout, 0);
	req.tmpl.persist_prefix = req.persist_prefix > 0 ? req.persist_prefix :
				  req.tmpl.af == AF_INET ? 32 : 128;
	fnat_sched_conf_default(&conf);
	sched_conf(&req, &conf);

	mutex_lock(&fn->lock);
	ret = fnat_nl_gen_check(fn, info);
	if (ret) {
		mutex_unlock(&fn->lock);
		return ret;
	}
	list_for_each_entry(la, &fn->laddrs, list) {
		if (nf_inet_addr_cmp(&la->addr, &req.tmpl.addr)) {
			mutex_unlock(&fn->lock);
			NL_SET_ERR_MSG_ATTR(info->extack, req.nest,
					    "the virtual address is one of the director's local addresses");
			return -EINVAL;
		}
	}
	ret = __fnat_service_add(fn, &req.tmpl, req.sched, &conf,
				 info->extack);
	if (!ret)
		fnat_nl_gen_bump(fn);
	mutex_unlock(&fn->lock);
	return ret;
}

/*
 * Parse a request naming a service, lock, check its generation (writes
 * only: a read changes nothing, as a dump ignores it), and find it.
 * Returns with fn->lock held on success only.
 */
static int lock_service(struct genl_info *info, struct fnat_net *fn,
			struct svc_req *req, struct fnat_service **svc)
{
	int ret = parse_service(info, req);

	if (ret)
		return ret;
	mutex_lock(&fn->lock);
	if (info->genlhdr->cmd != FULLNAT_CMD_GET_SERVICE)
		ret = fnat_nl_gen_check(fn, info);
	if (ret) {
		mutex_unlock(&fn->lock);
		return ret;
	}
	*svc = __find_service(fn, req, info->extack);
	if (!*svc) {
		mutex_unlock(&fn->lock);
		return -ENOENT;
	}
	return 0;
}

int fnat_nl_set_service(struct sk_buff *skb, struct genl_info *info)
{
	struct fnat_net *fn = fnat_net(genl_info_net(info));
	struct fnat_sched_conf conf;
	struct fnat_service *svc;
	struct svc_req req;
	int ret;

	ret = lock_service(info, fn, &req, &svc);
	if (ret)
		return ret;
	conf = svc->sched_conf;
	sched_conf(&req, &conf);
	if (req.has_fwd && req.tmpl.fwd != svc->fwd) {
		NL_SET_ERR_MSG_ATTR(info->extack, req.nest,
				    "the forwarding mode of a service cannot change; delete and add it");
		ret = -EINVAL;
	} else {
		ret = __fnat_service_edit(fn, svc,
					  req.has_sched ? req.sched : NULL,
					  req.has_conf ? &conf : NULL,
					  req.toa, req.persist_timeout,
					  req.persist_prefix, info->extack);
	}
	if (!ret)
		fnat_nl_gen_bump(fn);
	mutex_unlock(&fn->lock);
	return ret;
}

int fnat_nl_del_service(struct sk_buff *skb, struct genl_info *info)
{
	struct fnat_net *fn = fnat_net(genl_info_net(info));
	struct fnat_service *svc;
	struct svc_req req;
	int ret;

	ret = lock_service(info, fn, &req, &svc);
	if (ret)
		return ret;
	__fnat_service_del(fn, svc);
	fnat_nl_gen_bump(fn);
	mutex_unlock(&fn->lock);
	return 0;
}

static int put_stats(struct sk_buff *skb, int type,
		     struct fnat_stats __percpu *stats)
{
	struct fnat_stats_sum sum;
	struct nlattr *nest;

	fnat_stats_sum(stats, &sum);
	nest = nla_nest_start(skb, type);
	if (!nest ||
	    nla_put_u64_64bit(skb, FULLNAT_A_STATS_CONNS, sum.conns,
			      FULLNAT_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, FULLNAT_A_STATS_INPKTS, sum.inpkts,
			      FULLNAT_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, FULLNAT_A_STATS_OUTPKTS, sum.outpkts,
			      FULLNAT_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, FULLNAT_A_STATS_INBYTES, sum.inbytes,
			      FULLNAT_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, FULLNAT_A_STATS_OUTBYTES, sum.outbytes,
			      FULLNAT_A_STATS_PAD))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int put_sched_opts(struct sk_buff *skb,
			  const struct fnat_sched_conf *conf)
{
	struct nlattr *nest = nla_nest_start(skb, FULLNAT_A_SVC_SCHED_OPTS);

	if (!nest ||
	    nla_put_u8(skb, FULLNAT_A_SCHED_OPT_PORT, conf->port) ||
	    nla_put_u32(skb, FULLNAT_A_SCHED_OPT_TABLE, conf->table))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int put_service_key(struct sk_buff *skb, const struct fnat_service *svc)
{
	return nla_put_u8(skb, FULLNAT_A_SVC_PROTOCOL, svc->proto) ||
	       fnat_nl_put_addr(skb, FULLNAT_A_SVC_ADDR, svc->af, &svc->addr) ||
	       nla_put_u16(skb, FULLNAT_A_SVC_PORT, ntohs(svc->port));
}

/* @cb is the dump's callback, or NULL for a single reply. */
static int fill_service(struct sk_buff *skb, u32 portid, u32 seq, int flags,
			struct fnat_service *svc, struct netlink_callback *cb)
{
	struct fnat_sched_state *st;
	struct nlattr *nest;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &fnat_genl_family, flags,
			  FULLNAT_CMD_GET_SERVICE);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);
	st = rcu_dereference_protected(svc->sched,
				       lockdep_is_held(&svc->fn->lock));
	nest = nla_nest_start(skb, FULLNAT_A_SERVICE);
	if (!nest || put_service_key(skb, svc) ||
	    nla_put_u8(skb, FULLNAT_A_SVC_FORWARD, svc->fwd) ||
	    nla_put_string(skb, FULLNAT_A_SVC_SCHED, st->ops->name) ||
	    nla_put_u8(skb, FULLNAT_A_SVC_TOA, READ_ONCE(svc->toa)) ||
	    nla_put_u32(skb, FULLNAT_A_SVC_REAL_SERVERS, svc->nr_dests) ||
	    put_sched_opts(skb, &svc->sched_conf) ||
	    nla_put_u32(skb, FULLNAT_A_SVC_PERSIST_TIMEOUT,
			svc->persist_timeout) ||
	    nla_put_u32(skb, FULLNAT_A_SVC_PERSIST_NETMASK, svc->persist_prefix) ||
	    nla_put_u32(skb, FULLNAT_A_SVC_PERSIST_TEMPLATES,
			__fnat_persist_count(svc)) ||
	    put_stats(skb, FULLNAT_A_SVC_STATS, svc->stats)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;
}

int fnat_nl_get_service(struct sk_buff *skb, struct genl_info *info)
{
	struct fnat_net *fn = fnat_net(genl_info_net(info));
	struct fnat_service *svc;
	struct svc_req req;
	struct sk_buff *msg;
	int ret;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	ret = lock_service(info, fn, &req, &svc);
	if (ret) {
		nlmsg_free(msg);
		return ret;
	}
	ret = fill_service(msg, info->snd_portid, info->snd_seq, 0, svc, NULL);
	mutex_unlock(&fn->lock);
	if (ret) {
		nlmsg_free(msg);
		return ret;
	}
	return genlmsg_reply(msg, info);
}

int fnat_nl_dump_services(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct fnat_net *fn = fnat_net(sock_net(skb->sk));
	struct fnat_service *svc;
	long idx = 0;

	mutex_lock(&fn->lock);
	cb->seq = fn->gen;
	list_for_each_entry(svc, &fn->svc_list, list) {
		if (idx++ < cb->args[0])
			continue;
		if (fill_service(skb, NETLINK_CB(cb->skb).portid,
				 cb->nlh->nlmsg_seq, NLM_F_MULTI, svc, cb)) {
			idx--;
			break;
		}
	}
	mutex_unlock(&fn->lock);
	cb->args[0] = idx;
	return skb->len;
}

/* --- real servers ------------------------------------------------------------ */

struct dest_req {
	union nf_inet_addr addr;
	u16 af;
	__be16 port;
	u32 weight;
	bool has_weight;
	int fwd;			/* -1: not given */
	struct nlattr *nest;
};

static int parse_dest(struct genl_info *info, struct dest_req *req)
{
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *tb[FULLNAT_A_DEST_MAX + 1];
	int ret;

	memset(req, 0, sizeof(*req));
	if (GENL_REQ_ATTR_CHECK(info, FULLNAT_A_DEST))
		return -EINVAL;
	req->nest = info->attrs[FULLNAT_A_DEST];
	ret = nla_parse_nested(tb, FULLNAT_A_DEST_MAX, req->nest,
			       fnat_dest_policy, extack);
	if (ret)
		return ret;
	if (!tb[FULLNAT_A_DEST_ADDR] || !tb[FULLNAT_A_DEST_PORT]) {
		NL_SET_ERR_MSG_ATTR(extack, req->nest,
				    "a real server is named by address and port");
		return -EINVAL;
	}
	ret = fnat_nl_parse_addr(tb[FULLNAT_A_DEST_ADDR], &req->addr, &req->af,
				 extack);
	if (ret)
		return ret;
	req->port = htons(nla_get_u16(tb[FULLNAT_A_DEST_PORT]));
	req->weight = 1;
	if (tb[FULLNAT_A_DEST_WEIGHT]) {
		req->has_weight = true;
		req->weight = nla_get_u32(tb[FULLNAT_A_DEST_WEIGHT]);
	}
	req->fwd = -1;
	if (tb[FULLNAT_A_DEST_FORWARD]) {
		req->fwd = nla_get_u8(tb[FULLNAT_A_DEST_FORWARD]);
		ret = check_fwd(extack, tb[FULLNAT_A_DEST_FORWARD], req->fwd) ?:
		      check_family(extack, tb[FULLNAT_A_DEST_FORWARD],
				   req->af, req->fwd);
	}
	return ret;
}

/*
 * Parse both nests of a real-server request, lock, and find the service
 * (and the real server, when @want_dest). Returns with fn->lock held on
 * success only.
 */
static int lock_dest_request(struct genl_info *info, struct fnat_net *fn,
			     struct dest_req *dreq, struct fnat_service **svc,
			     struct fnat_dest **dest, bool want_dest)
{
	struct svc_req sreq;
	int ret;

	ret = parse_dest(info, dreq);
	if (ret)
		return ret;
	ret = lock_service(info, fn, &sreq, svc);
	if (ret)
		return ret;
	*dest = __fnat_dest_lookup(*svc, dreq->af, &dreq->addr,
				   dreq->port);
	if (want_dest && !*dest) {
		NL_SET_ERR_MSG_ATTR(info->extack, dreq->nest,
				    "no such real server in this service");
		mutex_unlock(&fn->lock);
		return -ENOENT;
	}
	return 0;
}

/*
 * A real server of @af forwarded by @fwd in @svc. Another family than
 * the service's is FullNAT64 (xlat.c) and nothing else: an IPv6 service,
 * an IPv4 server forwarded by FullNAT, and an IPv4 local address in the
 * pool for its connections (laddr.c keeps the last one while such a
 * server is there). NAT, DR and TUN hand the client's own packet or
 * address to the server: one family end to end.
 */
static int check_mixed(struct netlink_ext_ack *extack, const struct nlattr *nest,
		       struct fnat_net *fn, const struct fnat_service *svc,
		       u16 af, u8 fwd)
{
	if (af == svc->af)
		return 0;
	if (svc->af != AF_INET6) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "the real server's address family differs from the service's: an IPv4 service takes IPv4 real servers only");
		return -EINVAL;
	}
	if (fwd != FULLNAT_FWD_FULLNAT) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "the real server's address family differs from the service's: only forwarding mode fullnat translates (FullNAT64); nat, dr and tun take real servers of the service's family");
		return -EINVAL;
	}
	if (!__fnat_laddr_count(fn, af)) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "an IPv4 real server of an IPv6 service (FullNAT64) needs an IPv4 local address in the pool: add one first");
		return -EINVAL;
	}
	return 0;
}

/*
 * A method that sends the client's packet on unchanged (one_way: DR, TUN)
 * cannot map ports: its real servers listen on the service's port.
 */
static int check_port(struct netlink_ext_ack *extack, const struct nlattr *nest,
		      const struct fnat_service *svc, __be16 port, u8 fwd)
{
	const struct fnat_method *m = fnat_method_find(fwd);

	if (port == svc->port || !m || !m->one_way)
		return 0;
	NL_SET_ERR_MSG_ATTR(extack, nest,
			    "forwarding modes dr and tun do not map ports: the real server's port must be the service's");
	return -EINVAL;
}

/* NEW_DEST, SET_DEST and DEL_DEST: one prologue, the command decides. */
int fnat_nl_dest(struct sk_buff *skb, struct genl_info *info)
{
	u8 cmd = info->genlhdr->cmd;
	struct fnat_net *fn = fnat_net(genl_info_net(info));
	struct fnat_service *svc;
	struct fnat_dest *dest;
	struct dest_req req;
	int ret;

	ret = lock_dest_request(info, fn, &req, &svc, &dest,
				cmd != FULLNAT_CMD_NEW_DEST);
	if (ret)
		return ret;
	switch (cmd) {
	case FULLNAT_CMD_NEW_DEST:
		if (req.fwd < 0)
			req.fwd = svc->fwd;
		ret = check_port(info->extack, req.nest, svc, req.port,
				 req.fwd) ?:
		      check_mixed(info->extack, req.nest, fn, svc, req.af,
				  req.fwd) ?:
		      __fnat_dest_add(fn, svc, req.af, &req.addr, req.port,
				      req.weight, req.fwd, info->extack);
		break;
	case FULLNAT_CMD_SET_DEST:
		ret = req.fwd >= 0 ? check_port(info->extack, req.nest, svc,
						dest->port, req.fwd) ?:
				     check_mixed(info->extack, req.nest, fn, svc,
						 dest->af, req.fwd) : 0;
		/* The one step that can fail first, undone if the next fails. */
		if (!ret && req.fwd == FULLNAT_FWD_NAT &&
		    dest->fwd != FULLNAT_FWD_NAT)
			ret = __fnat_nat_server_get(fn, dest);
		if (!ret && req.has_weight) {
			ret = __fnat_dest_edit(fn, svc, dest, req.weight,
					       info->extack);
			if (ret && req.fwd == FULLNAT_FWD_NAT &&
			    dest->fwd != FULLNAT_FWD_NAT)
				__fnat_nat_server_put(fn, dest);
		}
		/* Cannot fail, so last: the request applies whole or not. */
		if (!ret && req.fwd >= 0 && req.fwd != dest->fwd) {
			if (dest->fwd == FULLNAT_FWD_NAT)
				__fnat_nat_server_put(fn, dest);
			WRITE_ONCE(dest->fwd, req.fwd);
			fn->gen++;
		}
		break;
	default:
		ret = __fnat_dest_del(fn, svc, dest);
		break;
	}
	if (!ret)
		fnat_nl_gen_bump(fn);
	mutex_unlock(&fn->lock);
	return ret;
}

static int fill_dest(struct sk_buff *skb, struct netlink_callback *cb,
		     struct fnat_dest *dest)
{
	struct nlattr *nest;
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &fnat_genl_family, NLM_F_MULTI, FULLNAT_CMD_GET_DEST);
	if (!hdr)
		return -EMSGSIZE;
	genl_dump_check_consistent(cb, hdr);
	nest = nla_nest_start(skb, FULLNAT_A_DEST);
	if (!nest ||
	    fnat_nl_put_addr(skb, FULLNAT_A_DEST_ADDR, dest->af, &dest->addr) ||
	    nla_put_u16(skb, FULLNAT_A_DEST_PORT, ntohs(dest->port)) ||
	    nla_put_u32(skb, FULLNAT_A_DEST_WEIGHT, dest->weight) ||
	    nla_put_u8(skb, FULLNAT_A_DEST_FORWARD, dest->fwd) ||
	    nla_put_u32(skb, FULLNAT_A_DEST_ACTIVE, atomic_read(&dest->active)) ||
	    nla_put_u32(skb, FULLNAT_A_DEST_INACTIVE,
			atomic_read(&dest->inactive)) ||
	    put_stats(skb, FULLNAT_A_DEST_STATS, dest->stats)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;
}

int fnat_nl_dump_dests(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nlattr **attrs = fnat_dump_attrs(cb);
	struct fnat_net *fn = fnat_net(sock_net(skb->sk));
	struct nlattr *tb[FULLNAT_A_SVC_MAX + 1];
	struct fnat_service *svc;
	struct fnat_dest *dest;
	union nf_inet_addr addr;
	long idx = 0;
	u16 af;

	if (!attrs[FULLNAT_A_SERVICE] ||
	    nla_parse_nested(tb, FULLNAT_A_SVC_MAX, attrs[FULLNAT_A_SERVICE],
			     fnat_svc_policy, cb->extack) ||
	    !tb[FULLNAT_A_SVC_PROTOCOL] || !tb[FULLNAT_A_SVC_ADDR] ||
	    !tb[FULLNAT_A_SVC_PORT]) {
		NL_SET_ERR_MSG(cb->extack, "name the service whose real servers to list");
		return -EINVAL;
	}
	if (fnat_nl_parse_addr(tb[FULLNAT_A_SVC_ADDR], &addr, &af, cb->extack))
		return -EINVAL;

	mutex_lock(&fn->lock);
	cb->seq = fn->gen;
	svc = __fnat_service_lookup(fn, nla_get_u8(tb[FULLNAT_A_SVC_PROTOCOL]),
				    &addr,
				    htons(nla_get_u16(tb[FULLNAT_A_SVC_PORT])));
	if (!svc) {
		mutex_unlock(&fn->lock);
		NL_SET_ERR_MSG(cb->extack, "no such virtual service");
		return -ENOENT;
	}
	list_for_each_entry(dest, &svc->dests, list) {
		if (idx++ < cb->args[0])
			continue;
		if (fill_dest(skb, cb, dest)) {
			idx--;
			break;
		}
	}
	mutex_unlock(&fn->lock);
	cb->args[0] = idx;
	return skb->len;
}
