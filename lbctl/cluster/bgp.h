/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A director's "bgp" key in the cluster file: how its agent announces the
 * VIPs it serves, through BIRD (lbctl/agent/bird.h). Documented in
 * docs/cluster.md with every other key.
 *
 * A neighbor is IPv4 or IPv6; each session carries the VIPs of its own
 * family (an IPv4 route over an IPv6 session would need a next hop BIRD
 * has to be told). router_id is 32 bits, written as IPv4, whatever the
 * neighbors are.
 */
#ifndef LBCTL_BGP_H
#define LBCTL_BGP_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

#include <jansson.h>

#include "jwalk.h"
#include "lb.h"

/* hold_time when the file gives none: BIRD's own default. */
#define LB_BGP_HOLD_DEFAULT	(-1)

struct lb_bgp_neighbor {
	struct lb_addr addr;
	uint32_t as;
	int hold_time;		/* seconds, 0 (no keepalives) or 3-65535 */
	bool bfd;
};

struct lb_bgp {
	bool present;		/* the file gives "bgp" */
	uint32_t local_as;
	struct in_addr router_id;
	LB_LIST(, struct lb_bgp_neighbor) neighbors;
};

/* The jw_key parse of "bgp": obj + p->key->data is a struct lb_bgp. */
int cluster_bgp(struct jw_ctx *p, json_t *v, void *obj);
void cluster_bgp_free(struct lb_bgp *b);

#endif /* LBCTL_BGP_H */
