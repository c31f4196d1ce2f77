// SPDX-License-Identifier: GPL-2.0
/*
 * A director's part of a parsed cluster file: whether its kernel can
 * take it (what GET_INFO says the module has), and the snapshot that
 * apply plans toward.
 */
#include <errno.h>
#include <string.h>

#include "cluster.h"
#include "fields.h"
#include "parse.h"

int cluster_check(const struct lb_cluster *c, const struct lb_director *d,
		  const struct lb_info *info, char *err, size_t errlen)
{
	size_t n = d->serves_some ? d->serves.n : c->services.n, i, k, s;
	const struct lb_svc_entry *e;
	char why[LB_REASON_MAX];
	const struct lb_dest *rs;

	for (i = 0; i < d->laddrs.n; i++)
		if (lb_caps_family(info, &d->laddrs.v[i].addr, why,
				   sizeof(why)))
			return parse_fail(err, errlen,
					  "directors[%zu].local_addresses: %s",
					  (size_t)(d - c->directors.v), why);
	for (i = 0; i < n; i++) {
		s = d->serves_some ? d->serves.v[i] : i;
		e = &c->services.v[s];
		if (lb_caps_proto(info, e->svc.proto, why, sizeof(why)))
			return parse_fail(err, errlen,
					  "services[%zu].protocol: %s", s, why);
		if (lb_caps_family(info, &e->svc.addr, why, sizeof(why)))
			return parse_fail(err, errlen, "services[%zu].vip: %s",
					  s, why);
		if (lb_caps_fwd(info, e->svc.fwd, why, sizeof(why)))
			return parse_fail(err, errlen,
					  "services[%zu].forward: %s", s, why);
		for (k = 0; k < e->dests.n; k++) {
			rs = &e->dests.v[k];
			if (lb_caps_family(info, &rs->addr, why, sizeof(why)))
				return parse_fail(err, errlen,
						  "services[%zu].real_servers[%zu].address: %s",
						  s, k, why);
			if (lb_caps_fwd(info, rs->fwd, why, sizeof(why)))
				return parse_fail(err, errlen,
						  "services[%zu].real_servers[%zu].forward: %s",
						  s, k, why);
			if (info->has_caps && !info->fullnat64 &&
			    rs->addr.family != e->svc.addr.family)
				return parse_fail(err, errlen,
						  "services[%zu].real_servers[%zu].address: an IPv4 real server of an IPv6 service (FullNAT64) is not supported by fullnat.ko yet",
						  s, k);
		}
	}
	return 0;
}

int cluster_want(const struct lb_cluster *c, const struct lb_director *d,
		 struct lb_snapshot *want)
{
	size_t i;

	memset(want, 0, sizeof(*want));
	want->has_config = d->config.present != 0;
	want->config = d->config;
	want->has_laddrs = true;
	want->laddrs = d->laddrs;
	if (!d->serves_some) {
		want->services = c->services;
		return 0;
	}
	/* Copies of the entries: their real servers stay c's. */
	for (i = 0; i < d->serves.n; i++)
		if (lb_list_push(&want->services,
				 &c->services.v[d->serves.v[i]])) {
			lb_list_free(&want->services);
			return -ENOMEM;
		}
	return 0;
}

void cluster_want_free(const struct lb_director *d, struct lb_snapshot *want)
{
	/* Only a filtered list is want's own (see cluster_want()). */
	if (d->serves_some)
		lb_list_free(&want->services);
}
