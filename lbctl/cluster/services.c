// SPDX-License-Identifier: GPL-2.0
/*
 * The "services" of the cluster file: each service, its real servers and
 * its "health_check" (hcheck.c), and what one service may not share with
 * another read before it (its protocol, VIP and port; its name). The
 * checks between services and directors are cluster.c's. See cluster.h.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cluster.h"
#include "fields.h"
#include "jwalk.h"
#include "hcheck.h"

/* --- real servers -------------------------------------------------------------- */

static const struct jw_key rs_keys[] = {
	{ "address", JW_STRING, true, cluster_addr_key,
	  CLUSTER_AT(struct lb_dest, addr) },
	{ "port", JW_INTEGER, true, cluster_port_key,
	  CLUSTER_AT(struct lb_dest, port) },
	/* then the fields */
};

/* A service being read, with what only the file has. Its fields are
 * read into it as into the struct lb_service it starts with. */
struct svc_in {
	struct lb_svc_entry e;
	const char *name;
	struct lb_health_check hc;	/* type NONE: none */
};

_Static_assert(offsetof(struct svc_in, e.svc) == 0,
	       "the fields of a service are read into a struct svc_in");

static int real_server(struct jw_ctx *p, json_t *v, void *s)
{
	struct lb_dest_list *l = &((struct svc_in *)s)->e.dests;
	char ap[LB_ADDRPORT_STRLEN];
	struct jw_key keys[CLUSTER_KEYS_MAX];
	struct lb_dest d;
	size_t i, n;
	int ret;

	lb_dest_init(&d);
	n = cluster_object_keys(keys, rs_keys, ARRAY_SIZE(rs_keys),
				&lb_dest_fields, NULL, 0);
	ret = jw_check_type(p, v, JW_OBJECT) ?: jw_walk(p, v, keys, n, &d);
	if (ret)
		return ret;
	lb_fields_default(&lb_dest_fields, &d, false);
	for (i = 0; i < l->n; i++)
		if (lb_dest_same(&l->v[i], &d))
			return jw_fail(p, "real server %s is also real_servers[%zu]",
				       lb_addrport_str(&d.addr, d.port, ap,
						       sizeof(ap)), i);
	return lb_list_push(l, &d) ? jw_oom(p) : 0;
}

/* --- services ------------------------------------------------------------------ */

static int svc_name(struct jw_ctx *p, json_t *v, void *s)
{
	size_t n = json_string_length(v);

	if (!n || n >= LB_SERVICE_NAME_MAX)
		return jw_fail(p, "a service name is 1 to %d characters",
			       LB_SERVICE_NAME_MAX - 1);
	((struct svc_in *)s)->name = json_string_value(v);
	return 0;
}

static int svc_protocol(struct jw_ctx *p, json_t *v, void *s)
{
	struct lb_service *svc = &((struct svc_in *)s)->e.svc;

	/* Whether the director has it, it says (cluster_check()). */
	return JW_PARSE_STR(p, v, parse_proto, &svc->proto);
}

static const struct jw_key svc_keys[] = {
	{ "name", JW_STRING, false, svc_name, NULL },
	{ "protocol", JW_STRING, true, svc_protocol, NULL },
	{ "vip", JW_STRING, true, cluster_addr_key,
	  CLUSTER_AT(struct svc_in, e.svc.addr) },
	{ "port", JW_INTEGER, true, cluster_port_key,
	  CLUSTER_AT(struct svc_in, e.svc.port) },
	/* then the fields */
};

static int svc_health_check(struct jw_ctx *p, json_t *v, void *s)
{
	return hc_parse(p, v, &((struct svc_in *)s)->hc);
}

static const struct jw_key svc_keys_after[] = {
	{ "health_check", JW_OBJECT, false, svc_health_check, NULL },
	{ "real_servers", JW_EACH, false, real_server, NULL },
};

/*
 * dr and tun send the client's packet on as it came, to the service's
 * port: a real server of theirs listens there (the kernel refuses the
 * rest too; this says where in the file).
 */
static int dest_check(struct jw_ctx *p, const struct lb_service *svc,
		      const struct lb_dest *d, size_t k)
{
	int fwd = d->fwd >= 0 ? d->fwd : svc->fwd;
	char why[LB_REASON_MAX];
	const char *key;

	if (d->port != svc->port && (fwd == LB_FWD_DR || fwd == LB_FWD_TUN)) {
		key = "port";
		snprintf(why, sizeof(why), "forward %s does not map ports: a real server's port must be the service's, %u",
			 fwd_name((enum lb_fwd)fwd), svc->port);
	} else if (d->addr.family != svc->addr.family &&
		   (svc->addr.family == AF_INET || fwd != LB_FWD_FULLNAT)) {
		/* FullNAT64: IPv4 under an IPv6 vip, by fullnat (README) */
		key = "address";
		if (svc->addr.family == AF_INET)
			snprintf(why, sizeof(why), "an IPv4 service takes IPv4 real servers only");
		else
			snprintf(why, sizeof(why), "forward %s takes real servers of the service's family: only fullnat takes IPv4 ones under an IPv6 vip (FullNAT64)",
				 fwd_name((enum lb_fwd)fwd));
	} else {
		return 0;
	}
	jw_push_key(p, "real_servers");
	jw_push_index(p, k);
	jw_push_key(p, key);
	return jw_fail(p, "%s", why);
}

int cluster_service(struct jw_ctx *p, json_t *v, void *acc)
{
	struct cluster_svc_acc *a = acc;
	struct svc_in s = { .e.dests = { 0 } };
	struct jw_key keys[CLUSTER_KEYS_MAX];
	char ap[LB_ADDRPORT_STRLEN];
	size_t i, n = a->list->n;
	int ret;

	lb_service_init(&s.e.svc);
	i = cluster_object_keys(keys, svc_keys, ARRAY_SIZE(svc_keys),
				&lb_service_fields, svc_keys_after,
				ARRAY_SIZE(svc_keys_after));
	ret = jw_check_type(p, v, JW_OBJECT) ?: jw_walk(p, v, keys, i, &s);
	/* The persistence netmask is a prefix of the VIP's family: whole
	 * (/32, /128) unless given. */
	if (!ret && s.e.svc.addr.family == AF_INET6 &&
	    s.e.svc.persist_netmask < 0)
		s.e.svc.persist_netmask = 128;
	if (!ret && s.e.svc.addr.family == AF_INET &&
	    s.e.svc.persist_netmask > 32)
		ret = jw_fail(p, "persistence.netmask: an IPv4 service's is a prefix length of 1 to 32");
	if (!ret)
		lb_fields_default(&lb_service_fields, &s.e.svc, false);
	/* A real server's method is the service's unless it differs, as
	 * the kernel's replies are read (api.c): the same is unset. */
	for (i = 0; !ret && i < s.e.dests.n; i++)
		if (s.e.dests.v[i].fwd == s.e.svc.fwd)
			s.e.dests.v[i].fwd = -1;
	for (i = 0; !ret && i < s.e.dests.n; i++)
		ret = dest_check(p, &s.e.svc, &s.e.dests.v[i], i);

	for (i = 0; !ret && i < n; i++) {
		const struct lb_service *o = &a->list->v[i].svc;

		if (lb_service_same(o, &s.e.svc)) {
			ret = jw_fail(p, "service %s %s is also services[%zu]",
				      proto_name(o->proto),
				      lb_addrport_str(&o->addr, o->port, ap,
						      sizeof(ap)), i);
		} else if (s.name && a->names.v[i] &&
			   !strcmp(s.name, a->names.v[i])) {
			ret = jw_fail(p, "service name \"%s\" is also services[%zu]'s",
				      s.name, i);
		}
	}
	if (!ret && (lb_list_push(&a->names, &s.name) ||
		     lb_list_push(&a->c->checks, &s.hc)))
		ret = jw_oom(p);
	if (!ret && lb_list_push(a->list, &s.e)) {
		a->c->checks.n--;
		ret = jw_oom(p);
	}
	if (ret) {
		lb_list_free(&s.e.dests);
		hc_free(&s.hc);
	}
	return ret;
}
