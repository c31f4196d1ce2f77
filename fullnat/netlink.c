// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink interface. The ABI is specified in
 * include/uapi/linux/fullnat.h; this file implements it.
 */
#include <net/genetlink.h>
#include <uapi/linux/fullnat.h>

#include "fullnat.h"

static struct genl_family fnat_genl_family;

static int fnat_get_info(struct sk_buff *skb, struct genl_info *info)
{
	struct fnat_net *fn = fnat_net(genl_info_net(info));
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	hdr = genlmsg_put_reply(msg, info, &fnat_genl_family, 0,
				FULLNAT_CMD_GET_INFO);
	if (!hdr)
		goto nla_put_failure;

	if (nla_put_string(msg, FULLNAT_A_INFO_VERSION, FULLNAT_VERSION) ||
	    nla_put_u32(msg, FULLNAT_A_INFO_ABI, FULLNAT_GENL_VERSION) ||
	    nla_put_u64_64bit(msg, FULLNAT_A_INFO_NETNS_COOKIE,
			      genl_info_net(info)->net_cookie,
			      FULLNAT_A_INFO_PAD) ||
	    nla_put_u32(msg, FULLNAT_A_INFO_SERVICES,
			atomic_read(&fn->nr_services)) ||
	    nla_put_u32(msg, FULLNAT_A_INFO_REAL_SERVERS,
			atomic_read(&fn->nr_real_servers)) ||
	    nla_put_u32(msg, FULLNAT_A_INFO_CONNS,
			atomic_read(&fn->nr_conns)) ||
	    nla_put_u32(msg, FULLNAT_A_INFO_CONN_MAX, READ_ONCE(fn->conn_max)))
		goto nla_put_failure;

	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

nla_put_failure:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

/* GET_INFO takes no attributes: an empty policy rejects any it is sent. */
static const struct nla_policy fnat_info_policy[FULLNAT_A_INFO_MAX + 1] = {
};

static const struct genl_ops fnat_genl_ops[] = {
	{
		.cmd = FULLNAT_CMD_GET_INFO,
		.doit = fnat_get_info,
		.policy = fnat_info_policy,
		.maxattr = FULLNAT_A_INFO_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
};

static struct genl_family fnat_genl_family __ro_after_init = {
	.name = FULLNAT_GENL_NAME,
	.version = FULLNAT_GENL_VERSION,
	.module = THIS_MODULE,
	.netnsok = true,
	.ops = fnat_genl_ops,
	.n_ops = ARRAY_SIZE(fnat_genl_ops),
	.resv_start_op = FULLNAT_CMD_MAX + 1,
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
