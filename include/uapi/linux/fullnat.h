/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * fullnat: generic netlink ABI between fullnat.ko and lbctl.
 *
 * This header is the specification of the wire interface. The kernel module
 * and lbctl both include it; nothing else defines these numbers.
 *
 * Family
 * ------
 * Generic netlink family FULLNAT_GENL_NAME, version FULLNAT_GENL_VERSION.
 * Every network namespace is its own director: a request acts on the
 * namespace of the socket that sent it. Every command, including the read
 * only ones, requires CAP_NET_ADMIN in that namespace's user namespace
 * (the connection table and real-server list are not for unprivileged eyes).
 *
 * Requests are validated strictly: an unknown attribute, a wrong length or a
 * value out of range is rejected with an extended-ACK message naming the
 * attribute, and nothing is changed.
 *
 * Commands
 * --------
 * FULLNAT_CMD_GET_INFO
 *   Request: no attributes.
 *   Reply (doit), one message:
 *     FULLNAT_A_INFO_VERSION:     NLA_NUL_STRING, module version ("0.1.0")
 *     FULLNAT_A_INFO_ABI:         NLA_U32, FULLNAT_GENL_VERSION of the module
 *     FULLNAT_A_INFO_NETNS_COOKIE: NLA_U64, identifies the namespace
 *     FULLNAT_A_INFO_SERVICES:    NLA_U32, number of virtual services
 *     FULLNAT_A_INFO_REAL_SERVERS: NLA_U32, number of real servers
 *     FULLNAT_A_INFO_CONNS:       NLA_U32, connections in the table
 *     FULLNAT_A_INFO_CONN_MAX:    NLA_U32, configured table bound
 *
 * Later commands (services, real servers, local addresses, connections,
 * statistics) are added below FULLNAT_CMD_GET_INFO, never in between, so
 * that numbers already shipped never change meaning.
 */
#ifndef _UAPI_LINUX_FULLNAT_H
#define _UAPI_LINUX_FULLNAT_H

#define FULLNAT_GENL_NAME	"fullnat"
#define FULLNAT_GENL_VERSION	1

enum fullnat_cmd {
	FULLNAT_CMD_UNSPEC,
	FULLNAT_CMD_GET_INFO,
	__FULLNAT_CMD_MAX
};
#define FULLNAT_CMD_MAX (__FULLNAT_CMD_MAX - 1)

enum fullnat_info_attr {
	FULLNAT_A_INFO_UNSPEC,
	FULLNAT_A_INFO_PAD,
	FULLNAT_A_INFO_VERSION,
	FULLNAT_A_INFO_ABI,
	FULLNAT_A_INFO_NETNS_COOKIE,
	FULLNAT_A_INFO_SERVICES,
	FULLNAT_A_INFO_REAL_SERVERS,
	FULLNAT_A_INFO_CONNS,
	FULLNAT_A_INFO_CONN_MAX,
	__FULLNAT_A_INFO_LAST
};
#define FULLNAT_A_INFO_MAX (__FULLNAT_A_INFO_LAST - 1)

#endif /* _UAPI_LINUX_FULLNAT_H */
