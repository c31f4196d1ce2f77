/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The director's state as FULLNAT_CMD_GET_INFO reports it.
 */
#ifndef LBCTL_INFO_H
#define LBCTL_INFO_H

#include <stdint.h>

struct genl;

struct lb_info {
	char version[32];
	uint32_t abi;
	uint64_t netns_cookie;
	uint32_t services;
	uint32_t real_servers;
	uint32_t conns;
	uint32_t conn_max;
};

/* 0 or -errno, with g->msg set; g must be resolved. */
int info_get(struct genl *g, struct lb_info *info);

#endif /* LBCTL_INFO_H */
