// SPDX-License-Identifier: GPL-2.0
/*
 * A director's "bgp": {"local_as", "router_id", "neighbors": [{"address",
 * "as", "hold_time"?, "bfd"?}]}. See bgp.h; strict as the rest of the
 * file (cluster.c), each value checked against what BIRD accepts, so a
 * file that passes here never makes the agent's bird refuse its
 * configuration.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "bgp.h"
#include "parse.h"

/* An AS number: 0 is reserved (RFC 7607), four octets (RFC 6793). */
static int as_number(struct jw_ctx *p, json_t *v, uint32_t *as)
{
	long long n = 0;
	int ret = jw_int_in(p, v, "AS number", 1, UINT32_MAX, &n);

	if (!ret)
		*as = (uint32_t)n;
	return ret;
}

/*
 * A unicast address a BGP session can go to: IPv4 neither 0.0.0.0 nor
 * multicast or broadcast; IPv6 neither :: nor multicast nor IPv4-mapped,
 * and not link-local (a session to fe80:: needs an interface, which the
 * file does not name). v6 false: IPv4 only (router_id).
 */
static int bgp_addr(struct jw_ctx *p, json_t *v, const char *what, bool v6,
		    struct lb_addr *out)
{
	const char *s = json_string_value(v);
	struct lb_addr a;
	uint32_t h;
	int ret = JW_PARSE_STR(p, v, parse_addr, &a);

	if (ret)
		return ret;
	if (a.family == AF_INET) {
		h = ntohl(a.v4.s_addr);
		if (!h || h >= 0xe0000000)
			return jw_fail(p, "%s %s is not a unicast address", what, s);
	} else if (!v6) {
		return jw_fail(p, "%s %s is not an IPv4 address: BGP's router id is 32 bits, written as IPv4 even with IPv6 neighbors",
			       what, s);
	} else if (IN6_IS_ADDR_UNSPECIFIED(&a.v6) ||
		   IN6_IS_ADDR_MULTICAST(&a.v6) ||
		   IN6_IS_ADDR_V4MAPPED(&a.v6)) {
		return jw_fail(p, "%s %s is not a unicast address%s", what, s,
			       IN6_IS_ADDR_V4MAPPED(&a.v6) ?
			       " (write an IPv4 neighbor as IPv4)" : "");
	} else if (IN6_IS_ADDR_LINKLOCAL(&a.v6)) {
		return jw_fail(p, "%s %s is link-local: a session to it needs an interface; give the neighbor's global address",
			       what, s);
	}
	*out = a;
	return 0;
}

static int nb_address(struct jw_ctx *p, json_t *v, void *nb)
{
	return bgp_addr(p, v, "neighbor address", true,
			&((struct lb_bgp_neighbor *)nb)->addr);
}

static int nb_as(struct jw_ctx *p, json_t *v, void *nb)
{
	return as_number(p, v, &((struct lb_bgp_neighbor *)nb)->as);
}

/* RFC 4271 4.2: zero (no keepalives at all) or at least three seconds. */
static int nb_hold_time(struct jw_ctx *p, json_t *v, void *nb)
{
	long long n = 0;
	int ret = jw_int_in(p, v, "hold_time", 0, UINT16_MAX, &n);

	if (!ret && n > 0 && n < 3)
		return jw_fail(p, "hold_time %lld is neither 0 nor at least 3 seconds (RFC 4271)",
			       n);
	if (!ret)
		((struct lb_bgp_neighbor *)nb)->hold_time = (int)n;
	return ret;
}

static int nb_bfd(struct jw_ctx *p, json_t *v, void *nb)
{
	(void)p;
	((struct lb_bgp_neighbor *)nb)->bfd = json_is_true(v);
	return 0;
}

static const struct jw_key neighbor_keys[] = {
	{ "address", JW_STRING, true, nb_address, NULL },
	{ "as", JW_INTEGER, true, nb_as, NULL },
	{ "hold_time", JW_INTEGER, false, nb_hold_time, NULL },
	{ "bfd", JW_BOOLEAN, false, nb_bfd, NULL },
};

static int neighbor(struct jw_ctx *p, json_t *v, void *b)
{
	struct lb_bgp *bgp = b;
	struct lb_bgp_neighbor nb = { .hold_time = LB_BGP_HOLD_DEFAULT };
	char s[INET6_ADDRSTRLEN];
	size_t i;
	int ret;

	ret = jw_check_type(p, v, JW_OBJECT) ?:
	      jw_walk(p, v, neighbor_keys, ARRAY_SIZE(neighbor_keys), &nb);
	if (ret)
		return ret;
	for (i = 0; i < bgp->neighbors.n; i++)
		if (lb_addr_equal(&bgp->neighbors.v[i].addr, &nb.addr)) {
			jw_push_key(p, "address");
			return jw_fail(p, "neighbor %s is also neighbors[%zu]",
				       lb_addr_str(&nb.addr, s, sizeof(s)), i);
		}
	return lb_list_push(&bgp->neighbors, &nb) ? jw_oom(p) : 0;
}

static int bgp_local_as(struct jw_ctx *p, json_t *v, void *b)
{
	return as_number(p, v, &((struct lb_bgp *)b)->local_as);
}

static int bgp_router_id(struct jw_ctx *p, json_t *v, void *b)
{
	struct lb_addr a;
	int ret = bgp_addr(p, v, "router_id", false, &a);

	if (!ret)
		((struct lb_bgp *)b)->router_id = a.v4;
	return ret;
}

static int bgp_neighbors(struct jw_ctx *p, json_t *v, void *b)
{
	/* A session to nobody would announce nothing, silently. */
	if (!json_array_size(v))
		return jw_fail(p, "bgp has no neighbor to announce the VIPs to");
	return jw_walk_array(p, v, neighbor, b);
}

static const struct jw_key bgp_keys[] = {
	{ "local_as", JW_INTEGER, true, bgp_local_as, NULL },
	{ "router_id", JW_STRING, true, bgp_router_id, NULL },
	{ "neighbors", JW_ARRAY, true, bgp_neighbors, NULL },
};

int cluster_bgp(struct jw_ctx *p, json_t *v, void *obj)
{
	struct lb_bgp *b = (void *)((char *)obj + (uintptr_t)p->key->data);
	int ret = jw_walk(p, v, bgp_keys, ARRAY_SIZE(bgp_keys), b);

	if (ret)
		return ret;
	b->present = true;
	return 0;
}

void cluster_bgp_free(struct lb_bgp *b)
{
	lb_list_free(&b->neighbors);
}
