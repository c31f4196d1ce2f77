// SPDX-License-Identifier: GPL-2.0
/*
 * FULLNAT_CMD_GET_TEMPLATE: the persistence templates of every service,
 * or of one, for "lbctl conn" (ipvsadm -Lc shows IPVS's among its
 * connections). The walk of a service's table is persist.c's.
 */
#include "netlink.h"
#include "persist.h"

struct tmpl_fill {
	struct sk_buff *skb;
	struct netlink_callback *cb;
	const struct fnat_service *svc;
};

static int fill_tmpl(void *arg, const struct fnat_tmpl_info *ti)
{
	const struct tmpl_fill *f = arg;
	const struct fnat_service *svc = f->svc;
	struct sk_buff *skb = f->skb;
	struct nlattr *nest;
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(f->cb->skb).portid,
			  f->cb->nlh->nlmsg_seq, &fnat_genl_family, NLM_F_MULTI,
			  FULLNAT_CMD_GET_TEMPLATE);
	if (!hdr)
		return -EMSGSIZE;
	genl_dump_check_consistent(f->cb, hdr);
	nest = nla_nest_start(skb, FULLNAT_A_TEMPLATE);
	if (!nest ||
	    nla_put_u8(skb, FULLNAT_A_TMPL_PROTOCOL, svc->proto) ||
	    fnat_nl_put_addr(skb, FULLNAT_A_TMPL_VADDR, svc->af, &svc->addr) ||
	    nla_put_u16(skb, FULLNAT_A_TMPL_VPORT, ntohs(svc->port)) ||
	    fnat_nl_put_addr(skb, FULLNAT_A_TMPL_CADDR, svc->af, ti->caddr) ||
	    nla_put_u8(skb, FULLNAT_A_TMPL_NETMASK, svc->persist_prefix) ||
	    fnat_nl_put_addr(skb, FULLNAT_A_TMPL_DADDR, ti->dest->af,
			     &ti->dest->addr) ||
	    nla_put_u16(skb, FULLNAT_A_TMPL_DPORT, ntohs(ti->dest->port)) ||
	    nla_put_u32(skb, FULLNAT_A_TMPL_CONNS, ti->conns) ||
	    nla_put_u32(skb, FULLNAT_A_TMPL_EXPIRES, ti->expires)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;
}

/* The service a request names, NULL if none; an ERR_PTR if it is bad. */
static struct fnat_service *named_service(struct fnat_net *fn,
					  struct netlink_callback *cb)
{
	struct nlattr **attrs = fnat_dump_attrs(cb);
	struct nlattr *tb[FULLNAT_A_SVC_MAX + 1];
	struct fnat_service *svc;
	union nf_inet_addr addr;
	u16 af;

	if (!attrs[FULLNAT_A_SERVICE])
		return NULL;
	if (nla_parse_nested(tb, FULLNAT_A_SVC_MAX, attrs[FULLNAT_A_SERVICE],
			     fnat_svc_policy, cb->extack) ||
	    !tb[FULLNAT_A_SVC_PROTOCOL] || !tb[FULLNAT_A_SVC_ADDR] ||
	    !tb[FULLNAT_A_SVC_PORT]) {
		NL_SET_ERR_MSG(cb->extack, "name the service whose templates to list");
		return ERR_PTR(-EINVAL);
	}
	if (fnat_nl_parse_addr(tb[FULLNAT_A_SVC_ADDR], &addr, &af, cb->extack))
		return ERR_PTR(-EINVAL);
	svc = __fnat_service_lookup(fn, nla_get_u8(tb[FULLNAT_A_SVC_PROTOCOL]),
				    &addr,
				    htons(nla_get_u16(tb[FULLNAT_A_SVC_PORT])));
	if (!svc) {
		NL_SET_ERR_MSG(cb->extack, "no such virtual service");
		return ERR_PTR(-ENOENT);
	}
	return svc;
}

/*
 * cb->args: [0] the service (its place in the list, as the service dump
 * has it), [1..3] the place in its table (struct fnat_tmpl_pos), [4] the
 * resizes met, which cb->seq adds to the configuration's generation so
 * that either marks the dump interrupted.
 */
int fnat_nl_dump_templates(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct fnat_net *fn = fnat_net(sock_net(skb->sk));
	struct fnat_tmpl_pos pos = {
		.seed = cb->args[1], .bucket = cb->args[2], .skip = cb->args[3],
	};
	struct tmpl_fill f = { .skb = skb, .cb = cb };
	struct fnat_service *svc, *only;
	long idx = 0;
	int ret = 0;

	mutex_lock(&fn->lock);
	cb->seq = fn->gen + cb->args[4];
	only = named_service(fn, cb);
	if (IS_ERR(only)) {
		mutex_unlock(&fn->lock);
		return PTR_ERR(only);
	}
	list_for_each_entry(svc, &fn->svc_list, list) {
		if (only && svc != only)
			continue;
		if (idx++ < cb->args[0])
			continue;
		f.svc = svc;
		ret = __fnat_persist_dump(svc, &pos, fill_tmpl, &f);
		if (pos.resized) {
			cb->args[4]++;
			cb->seq++;
		}
		if (ret) {
			idx--;
			break;
		}
		pos = (struct fnat_tmpl_pos){ 0 };
	}
	mutex_unlock(&fn->lock);
	cb->args[0] = idx;
	cb->args[1] = pos.seed;
	cb->args[2] = pos.bucket;
	cb->args[3] = pos.skip;
	return skb->len;
}
