// SPDX-License-Identifier: GPL-2.0
/*
 * FULLNAT_CMD_GET_INFO, and "lbctl show" which prints it in the manner of
 * "ipvsadm -Ln".
 */
#include <errno.h>
#include <string.h>

#include <linux/fullnat.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include "genl.h"
#include "info.h"
#include "lbctl.h"
#include "output.h"

/*
 * Attributes newer than this lbctl are ignored: a newer module must keep
 * working with an older lbctl. Those we know must be there and well formed.
 */
static struct nla_policy info_policy[FULLNAT_A_INFO_MAX + 1] = {
	[FULLNAT_A_INFO_VERSION]	= { .type = NLA_NUL_STRING },
	[FULLNAT_A_INFO_ABI]		= { .type = NLA_U32 },
	[FULLNAT_A_INFO_NETNS_COOKIE]	= { .type = NLA_U64 },
	[FULLNAT_A_INFO_SERVICES]	= { .type = NLA_U32 },
	[FULLNAT_A_INFO_REAL_SERVERS]	= { .type = NLA_U32 },
	[FULLNAT_A_INFO_CONNS]		= { .type = NLA_U32 },
	[FULLNAT_A_INFO_CONN_MAX]	= { .type = NLA_U32 },
};

static const int info_required[] = {
	FULLNAT_A_INFO_VERSION,
	FULLNAT_A_INFO_ABI,
	FULLNAT_A_INFO_SERVICES,
	FULLNAT_A_INFO_REAL_SERVERS,
	FULLNAT_A_INFO_CONNS,
	FULLNAT_A_INFO_CONN_MAX,
};

static int parse_info(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[FULLNAT_A_INFO_MAX + 1];
	struct lb_info *info = arg;
	size_t i;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, FULLNAT_A_INFO_MAX,
			  info_policy))
		return -EPROTO;
	for (i = 0; i < sizeof(info_required) / sizeof(info_required[0]); i++)
		if (!tb[info_required[i]])
			return -EPROTO;
	nla_strlcpy(info->version, tb[FULLNAT_A_INFO_VERSION],
		    sizeof(info->version));
	info->abi = nla_get_u32(tb[FULLNAT_A_INFO_ABI]);
	if (tb[FULLNAT_A_INFO_NETNS_COOKIE])
		info->netns_cookie =
			nla_get_u64(tb[FULLNAT_A_INFO_NETNS_COOKIE]);
	info->services = nla_get_u32(tb[FULLNAT_A_INFO_SERVICES]);
	info->real_servers = nla_get_u32(tb[FULLNAT_A_INFO_REAL_SERVERS]);
	info->conns = nla_get_u32(tb[FULLNAT_A_INFO_CONNS]);
	info->conn_max = nla_get_u32(tb[FULLNAT_A_INFO_CONN_MAX]);
	return 0;
}

int info_get(struct genl *g, struct lb_info *info)
{
	memset(info, 0, sizeof(*info));
	return genl_call(g, FULLNAT_CMD_GET_INFO, "reading the director state",
			 parse_info, info);
}

static void print_info(const struct lb_info *info)
{
	out_str("version", "FullNAT director fullnat.ko %s", info->version);
	out_uint("abi", NULL, info->abi);
	out_uint(NULL, info->services == 1 ? ", %llu service" :
		 ", %llu services", info->services);
	/* No service can be configured yet: the list is always empty. */
	out_open_array("services");
	out_close();
	out_uint("real_servers", info->real_servers == 1 ?
		 ", %llu real server" : ", %llu real servers",
		 info->real_servers);
	out_uint("connections", ", %llu", info->conns);
	out_uint("connection_max", "/%llu connections\n", info->conn_max);
	out_text("Prot LocalAddress:Port Scheduler Flags\n");
	out_text("  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n");
}

int cmd_show(const struct lbctl *ctx, int argc, char **argv)
{
	struct lb_info info;
	struct genl g;
	int ret;

	ret = lbctl_no_args(argc, argv);
	if (ret)
		return ret;
	ret = genl_open(&g, ctx->netns);
	if (!ret)
		ret = genl_resolve(&g);
	if (!ret)
		ret = info_get(&g, &info);
	genl_close(&g);
	if (ret)
		return lbctl_error(LBCTL_EXIT_FAIL, "%s", g.msg);

	out_init(ctx->json);
	print_info(&info);
	return out_finish();
}
