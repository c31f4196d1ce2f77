// SPDX-License-Identifier: GPL-2.0
/*
 * The values of the cluster file that are not its structure: an address
 * (a VIP, LIP or real server), a port, and every key a field table
 * (fields.h) describes, walked from that table rather than written out
 * (a service's, a real server's, a director's "config"). See cluster.h.
 */
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "cluster.h"
#include "fields.h"
#include "jwalk.h"

const char *cluster_unusable(const struct lb_addr *a)
{
	uint32_t h;

	if (a->family == AF_INET6)
		return NULL;
	h = ntohl(a->v4.s_addr);
	if (!(h >> 24) || h >> 24 == 127 || h >= 0xe0000000)
		return "is not a unicast address";
	return NULL;
}

static void *member(struct jw_ctx *p, void *obj)
{
	return (char *)obj + (uintptr_t)p->key->data;
}

int cluster_addr_key(struct jw_ctx *p, json_t *v, void *obj)
{
	struct lb_addr *a = member(p, obj);
	int ret = JW_PARSE_STR(p, v, parse_addr, a);

	if (!ret && cluster_unusable(a))
		return jw_fail(p, "%s %s", json_string_value(v),
			       cluster_unusable(a));
	return ret;
}

int cluster_port_key(struct jw_ctx *p, json_t *v, void *obj)
{
	long long n = 0;
	int ret = jw_int_in(p, v, "port", 1, UINT16_MAX, &n);

	if (!ret)
		*(uint16_t *)member(p, obj) = (uint16_t)n;
	return ret;
}

/* --- fields (fields.h) ------------------------------------------------- */

static const enum jw_type field_types[] = {
	[LB_FK_UINT]		= JW_INTEGER,
	[LB_FK_BOOL]		= JW_BOOLEAN,
	[LB_FK_SCHED]		= JW_STRING,
	[LB_FK_FWD]		= JW_STRING,
	[LB_FK_PORT_RANGE]	= JW_OBJECT,
	[LB_FK_TIMEOUTS]	= JW_OBJECT,
	[LB_FK_COUNTER]		= JW_INTEGER,	/* not in the file */
};

static const struct jw_key range_keys[] = {
	{ "min", JW_INTEGER, true, cluster_port_key,
	  CLUSTER_AT(struct lb_config, port_min) },
	{ "max", JW_INTEGER, true, cluster_port_key,
	  CLUSTER_AT(struct lb_config, port_max) },
};

/* One timeout, LB_TIMEOUT index t, in the range of the row's. */
static int timeout_value(struct jw_ctx *p, json_t *v, struct lb_config *cfg,
			 unsigned int t)
{
	const struct lb_field *f = lb_config_field(LB_CFG_TIMEOUT(t));
	long long n = 0;
	int ret = jw_int_in(p, v, f->name, f->min, f->max, &n);

	if (ret)
		return ret;
	cfg->timeout[t] = (uint32_t)n;
	cfg->present |= LB_CFG_TIMEOUT(t);
	return 0;
}

/* The keys of "tcp" are the states: parse.c knows them. */
static int tcp_timeouts(struct jw_ctx *p, json_t *v, void *cfg)
{
	char why[LB_REASON_MAX];
	unsigned int st;
	const char *name;
	json_t *t;
	int ret;

	json_object_foreach(v, name, t) {
		jw_push_key(p, name);
		if (parse_tcp_state(name, &st, why, sizeof(why)))
			return jw_fail(p, "%s", why);
		ret = jw_check_type(p, t, JW_INTEGER) ?:
		      timeout_value(p, t, cfg, LB_TIMEOUT_TCP(st));
		if (ret)
			return ret;
		jw_pop(p);
	}
	return 0;
}

/* UDP's states are numbers of their own keys: a stream's, an unreplied's. */
static int udp_timeout(struct jw_ctx *p, json_t *v, void *cfg)
{
	return timeout_value(p, v, cfg, LB_TIMEOUT_UDP(FULLNAT_UDP_S_NORMAL));
}

static int udp_unreplied_timeout(struct jw_ctx *p, json_t *v, void *cfg)
{
	return timeout_value(p, v, cfg,
			     LB_TIMEOUT_UDP(FULLNAT_UDP_S_UNREPLIED));
}

/* "timeout": {"tcp": {STATE: SECONDS...}, "udp": S, "udp_unreplied": S} */
static const struct jw_key timeout_keys[] = {
	{ "tcp", JW_OBJECT, false, tcp_timeouts, NULL },
	{ "udp", JW_INTEGER, false, udp_timeout, NULL },
	{ "udp_unreplied", JW_INTEGER, false, udp_unreplied_timeout, NULL },
};

/* The value of field p->key->data into obj, the field's struct. */
static int field_key(struct jw_ctx *p, json_t *v, void *obj)
{
	const struct lb_field *f = p->key->data;
	struct lb_config *cfg;
	char why[LB_REASON_MAX];
	enum lb_fwd fwd;
	long long n = 0;
	int ret = 0;

	switch (f->kind) {
	case LB_FK_UINT:
		ret = jw_int_in(p, v, f->name, f->min, f->max, &n);
		if (!ret && f->valid && f->valid(n, why, sizeof(why)))
			return jw_fail(p, "%s", why);
		break;
	case LB_FK_BOOL:
		n = json_is_true(v);
		break;
	case LB_FK_FWD:
		ret = JW_PARSE_STR(p, v, parse_fwd, &fwd);
		n = fwd;
		break;
	case LB_FK_SCHED:
		return JW_PARSE_STR(p, v, parse_sched, lb_field_str(f, obj),
				    f->size);
	case LB_FK_PORT_RANGE:
		cfg = obj;
		ret = jw_walk(p, v, range_keys, ARRAY_SIZE(range_keys), cfg);
		if (!ret && cfg->port_min > cfg->port_max)
			return jw_fail(p, "port range %u-%u is reversed",
				       cfg->port_min, cfg->port_max);
		if (!ret)
			cfg->present |= f->bit;
		return ret;
	case LB_FK_TIMEOUTS:
		return jw_walk(p, v, timeout_keys, ARRAY_SIZE(timeout_keys),
			       obj);
	case LB_FK_COUNTER:
		return 0;
	}
	if (ret)
		return ret;
	lb_field_set(f, obj, n);
	return 0;
}

/* The object of a group of rows (f its first): a key for each row. */
static int group_key(struct jw_ctx *p, json_t *v, void *obj)
{
	const struct lb_field *first = p->key->data, *f;
	const struct lb_fields *t = &lb_service_fields;
	struct jw_key keys[CLUSTER_KEYS_MAX];
	size_t n = 0;

	for (f = first; f < t->v + t->n && f->group == first->group; f++)
		if (n < CLUSTER_KEYS_MAX && f->kind != LB_FK_COUNTER)
			keys[n++] = (struct jw_key){
				f->json ?: f->name, field_types[f->kind],
				false, field_key, f,
			};
	return jw_walk(p, v, keys, n, obj);
}

size_t cluster_object_keys(struct jw_key *keys, const struct jw_key *before,
			   size_t nb, const struct lb_fields *t,
			   const struct jw_key *after, size_t na)
{
	const struct lb_field *f;
	size_t n = 0;

	while (n < nb)
		keys[n++] = *before++;
	lb_for_each_field(f, t) {
		if (n >= CLUSTER_KEYS_MAX - na || f->kind == LB_FK_COUNTER)
			continue;
		if (f->group && f > t->v && f[-1].group == f->group)
			continue;
		keys[n++] = f->group ?
			(struct jw_key){ f->group, JW_OBJECT, false,
					 group_key, f } :
			(struct jw_key){ f->name, field_types[f->kind], false,
					 field_key, f };
	}
	while (na--)
		keys[n++] = *after++;
	return n;
}
