/* SPDX-License-Identifier: GPL-2.0 */
/* Shared between netlink.c, nl_service.c, nl_persist.c and nl_conn.c. */
#ifndef _FULLNAT_NETLINK_H
#define _FULLNAT_NETLINK_H

#include <net/genetlink.h>

#include "fullnat.h"

extern struct genl_family fnat_genl_family;
extern const struct nla_policy fnat_svc_policy[FULLNAT_A_SVC_MAX + 1];
extern const struct nla_policy fnat_dest_policy[FULLNAT_A_DEST_MAX + 1];
extern const struct nla_policy fnat_new_conn_policy[FULLNAT_A_MAX + 1];
extern const struct nla_policy fnat_del_conn_policy[FULLNAT_A_MAX + 1];

/* An address: 4 bytes (IPv4) or 16 (IPv6), fnat_nl_parse_addr() says which. */
#define FNAT_ADDR_POLICY NLA_POLICY_RANGE(NLA_BINARY, sizeof(struct in_addr), \
					  sizeof(struct in6_addr))

int fnat_nl_parse_addr(const struct nlattr *attr, union nf_inet_addr *addr,
		       u16 *af, struct netlink_ext_ack *extack);
int fnat_nl_put_addr(struct sk_buff *skb, int type, u16 af,
		     const union nf_inet_addr *addr);

int fnat_nl_gen_check(struct fnat_net *fn, struct genl_info *info);
void fnat_nl_gen_bump(struct fnat_net *fn);

int fnat_nl_new_service(struct sk_buff *skb, struct genl_info *info);
int fnat_nl_set_service(struct sk_buff *skb, struct genl_info *info);
int fnat_nl_del_service(struct sk_buff *skb, struct genl_info *info);
int fnat_nl_get_service(struct sk_buff *skb, struct genl_info *info);
int fnat_nl_dump_services(struct sk_buff *skb, struct netlink_callback *cb);
int fnat_nl_dest(struct sk_buff *skb, struct genl_info *info);
int fnat_nl_dump_dests(struct sk_buff *skb, struct netlink_callback *cb);
int fnat_nl_dump_templates(struct sk_buff *skb, struct netlink_callback *cb);
int fnat_nl_new_conn(struct sk_buff *skb, struct genl_info *info);
int fnat_nl_del_conn(struct sk_buff *skb, struct genl_info *info);

#endif /* _FULLNAT_NETLINK_H */
