// SPDX-License-Identifier: GPL-2.0
/*
 * The cluster file. See cluster.h; every key is in docs/cluster.md.
 *
 * jansson reads the text with JSON_REJECT_DUPLICATES, so a key given twice
 * is an error with jansson's own line and column, and the path
 * jw_fail_load() finds for it; then each object is walked against the
 * table of its keys (jwalk.h), and the checks across the file (a service
 * or local address claimed twice, a LIP that is a VIP) come last.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cluster.h"
#include "fields.h"
#include "jwalk.h"
#include "genl.h"
#include "hcheck.h"

/*
 * NULL if a director can use a (a VIP, LIP or real server), else why not.
 * Whether it has a's family, it says when asked (cluster_check()).
 */
static const char *unusable(const struct lb_addr *a)
{
	uint32_t h;

	if (a->family == AF_INET6)
		return NULL;
	h = ntohl(a->v4.s_addr);
	if (!(h >> 24) || h >> 24 == 127 || h >= 0xe0000000)
		return "is not a unicast address";
	return NULL;
}

/* Keys whose data is the offset of their member in the struct they fill. */
#define AT(type, member)	((const void *)offsetof(type, member))

static void *member(struct jw_ctx *p, void *obj)
{
	return (char *)obj + (uintptr_t)p->key->data;
}

/* A VIP or real server address (struct lb_addr). */
static int addr_key(struct jw_ctx *p, json_t *v, void *obj)
{
	struct lb_addr *a = member(p, obj);
	int ret = JW_PARSE_STR(p, v, parse_addr, a);

	if (!ret && unusable(a))
		return jw_fail(p, "%s %s", json_string_value(v), unusable(a));
	return ret;
}

/* A port (uint16_t). */
static int port_key(struct jw_ctx *p, json_t *v, void *obj)
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
	{ "min", JW_INTEGER, true, port_key, AT(struct lb_config, port_min) },
	{ "max", JW_INTEGER, true, port_key, AT(struct lb_config, port_max) },
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

/* More than any object has keys. */
#define KEYS_MAX	32

/* The object of a group of rows (f its first): a key for each row. */
static int group_key(struct jw_ctx *p, json_t *v, void *obj)
{
	const struct lb_field *first = p->key->data, *f;
	const struct lb_fields *t = &lb_service_fields;
	struct jw_key keys[KEYS_MAX];
	size_t n = 0;

	for (f = first; f < t->v + t->n && f->group == first->group; f++)
		if (n < KEYS_MAX && f->kind != LB_FK_COUNTER)
			keys[n++] = (struct jw_key){
				f->json ?: f->name, field_types[f->kind],
				false, field_key, f,
			};
	return jw_walk(p, v, keys, n, obj);
}

/* The keys of an object: before, the fields of t, then after. A group of
 * rows is one key, an object (only services have groups). */
static size_t object_keys(struct jw_key *keys, const struct jw_key *before,
			  size_t nb, const struct lb_fields *t,
			  const struct jw_key *after, size_t na)
{
	const struct lb_field *f;
	size_t n = 0;

	while (n < nb)
		keys[n++] = *before++;
	lb_for_each_field(f, t) {
		if (n >= KEYS_MAX - na || f->kind == LB_FK_COUNTER)
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

/* --- real servers -------------------------------------------------------------- */

static const struct jw_key rs_keys[] = {
	{ "address", JW_STRING, true, addr_key, AT(struct lb_dest, addr) },
	{ "port", JW_INTEGER, true, port_key, AT(struct lb_dest, port) },
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
	struct jw_key keys[KEYS_MAX];
	struct lb_dest d;
	size_t i, n;
	int ret;

	lb_dest_init(&d);
	n = object_keys(keys, rs_keys, ARRAY_SIZE(rs_keys), &lb_dest_fields,
			NULL, 0);
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
	{ "vip", JW_STRING, true, addr_key, AT(struct svc_in, e.svc.addr) },
	{ "port", JW_INTEGER, true, port_key, AT(struct svc_in, e.svc.port) },
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

/* The services read so far, with their names, for the checks across. */
struct svc_acc {
	struct lb_svc_list *list;
	struct lb_cluster *c;		/* its checks */
	LB_LIST(, const char *) names;
};

static int service(struct jw_ctx *p, json_t *v, void *acc)
{
	struct svc_acc *a = acc;
	struct svc_in s = { .e.dests = { 0 } };
	struct jw_key keys[KEYS_MAX];
	char ap[LB_ADDRPORT_STRLEN];
	size_t i, n = a->list->n;
	int ret;

	lb_service_init(&s.e.svc);
	i = object_keys(keys, svc_keys, ARRAY_SIZE(svc_keys),
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

/* --- directors ------------------------------------------------------------------ */

/* Where each local address came from, for the checks across directors. */
struct lip {
	struct lb_addr addr;
	size_t dir, elem;
};

LB_LIST(lip_list, struct lip);

/* A name in a director's "services", resolved when all are read. */
struct serve_ref {
	const char *name;
	size_t dir, elem;
};

LB_LIST(serve_list, struct serve_ref);

/* The director being read, and what all directors so far refer to. */
struct dir_in {
	struct lb_director d;
	size_t index;
	struct lip_list *lips;
	struct serve_list *refs;
};

static int dir_name(struct jw_ctx *p, json_t *v, void *di)
{
	struct lb_director *d = &((struct dir_in *)di)->d;
	const char *s = json_string_value(v);
	size_t n = json_string_length(v), i;

	if (!n || n >= LB_DIRECTOR_NAME_MAX)
		return jw_fail(p, "a director name is 1 to %d characters",
			       LB_DIRECTOR_NAME_MAX - 1);
	for (i = 0; i < n; i++)
		if (!lb_name_char(s[i]))
			return jw_fail(p, "director name \"%s\" has a character other than A-Z, a-z, 0-9, \".\", \"_\" and \"-\"",
				       s);
	memcpy(d->name, s, n + 1);
	return 0;
}

static int dir_netns(struct jw_ctx *p, json_t *v, void *di)
{
	struct lb_director *d = &((struct dir_in *)di)->d;
	const char *s = json_string_value(v);
	size_t n = json_string_length(v), i;
	char why[LB_REASON_MAX];

	if (netns_check_name(s, why, sizeof(why)))
		return jw_fail(p, "%s", why);
	/*
	 * It names a lock file and goes on a remote command line (lbctl show
	 * FILE over ssh): the characters of director names only.
	 */
	for (i = 0; i < n; i++)
		if (!lb_name_char(s[i]))
			return jw_fail(p, "netns \"%s\" has a character other than A-Z, a-z, 0-9, \".\", \"_\" and \"-\"",
				       s);
	d->netns = strdup(json_string_value(v));
	return d->netns ? 0 : jw_oom(p);
}

static int dir_ssh(struct jw_ctx *p, json_t *v, void *di)
{
	struct lb_director *d = &((struct dir_in *)di)->d;
	const char *s = json_string_value(v);
	size_t i;

	/* A destination, never an option of ssh's. */
	if (!*s || *s == '-')
		return jw_fail(p, "an ssh destination is [USER@]HOST, not empty and not starting with \"-\"");
	for (i = 0; s[i]; i++)
		if (s[i] <= ' ' || s[i] == 0x7f)
			return jw_fail(p, "ssh destination \"%s\" has white space or a control character",
				       s);
	d->ssh = strdup(s);
	return d->ssh ? 0 : jw_oom(p);
}

static int dir_laddr(struct jw_ctx *p, json_t *v, void *di)
{
	struct dir_in *in = di;
	struct lb_addr_range r;
	struct lb_laddr la = { 0 };
	char a[INET6_ADDRSTRLEN];
	struct lip lip;
	const char *s;
	uint32_t i;
	int ret = jw_check_type(p, v, JW_STRING);

	if (ret)
		return ret;
	s = json_string_value(v);
	if (strchr(s, '-'))
		ret = JW_PARSE_STR(p, v, parse_addr_range, &r);
	else if (!(ret = JW_PARSE_STR(p, v, parse_addr, &r.lo))) {
		r.hi = r.lo;
		r.count = 1;
	}
	if (ret)
		return ret;
	for (i = 0; i < r.count; i++) {
		addr_range_nth(&r, i, &la.addr);
		if (unusable(&la.addr))
			return jw_fail(p, "%s %s",
				       lb_addr_str(&la.addr, a, sizeof(a)),
				       unusable(&la.addr));
		lip = (struct lip){ la.addr, in->index,
				    p->path[p->depth - 1].index };
		if (lb_list_push(&in->d.laddrs, &la) ||
		    lb_list_push(in->lips, &lip))
			return jw_oom(p);
	}
	return 0;
}

static int dir_serve(struct jw_ctx *p, json_t *v, void *di)
{
	struct dir_in *in = di;
	struct serve_ref r = { .dir = in->index,
			       .elem = p->path[p->depth - 1].index };

	if (jw_check_type(p, v, JW_STRING))
		return -EINVAL;
	r.name = json_string_value(v);
	return lb_list_push(in->refs, &r) ? jw_oom(p) : 0;
}

static int dir_services(struct jw_ctx *p, json_t *v, void *di)
{
	((struct dir_in *)di)->d.serves_some = true;
	return jw_walk_array(p, v, dir_serve, di);
}

static int dir_config(struct jw_ctx *p, json_t *v, void *di)
{
	struct jw_key keys[KEYS_MAX];
	size_t n = object_keys(keys, NULL, 0, &lb_config_fields, NULL, 0);

	return jw_walk(p, v, keys, n, &((struct dir_in *)di)->d.config);
}

static int dir_drain_timeout(struct jw_ctx *p, json_t *v, void *di)
{
	long long n = 0;
	int ret = jw_int_in(p, v, "drain_timeout", 0, 86400, &n);

	((struct dir_in *)di)->d.drain_timeout = (unsigned int)n;
	return ret;
}

static int dir_drain_handoff(struct jw_ctx *p, json_t *v, void *di)
{
	(void)p;
	((struct dir_in *)di)->d.drain_handoff = json_is_true(v);
	return 0;
}

static const struct jw_key dir_keys[] = {
	{ "name", JW_STRING, true, dir_name, NULL },
	{ "netns", JW_STRING, false, dir_netns, NULL },
	{ "ssh", JW_STRING, false, dir_ssh, NULL },
	{ "local_addresses", JW_EACH, false, dir_laddr, NULL },
	{ "services", JW_ARRAY, false, dir_services, NULL },
	{ "config", JW_OBJECT, false, dir_config, NULL },
	{ "drain_timeout", JW_INTEGER, false, dir_drain_timeout, NULL },
	{ "drain_handoff", JW_BOOLEAN, false, dir_drain_handoff, NULL },
	{ "bgp", JW_OBJECT, false, cluster_bgp, AT(struct dir_in, d.bgp) },
};

static void director_free(struct lb_director *d)
{
	free(d->netns);
	free(d->ssh);
	lb_list_free(&d->laddrs);
	lb_list_free(&d->serves);
	cluster_bgp_free(&d->bgp);
}

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

struct dir_acc {
	struct lb_director_list *list;
	struct lip_list lips;
	struct serve_list refs;
};

static int director(struct jw_ctx *p, json_t *v, void *acc)
{
	struct dir_acc *a = acc;
	struct dir_in in = { .index = a->list->n, .lips = &a->lips,
			     .refs = &a->refs };
	size_t i;
	int ret;

	lb_config_init(&in.d.config);
	in.d.drain_timeout = LB_DRAIN_TIMEOUT_DEFAULT;
	ret = jw_check_type(p, v, JW_OBJECT) ?:
	      jw_walk(p, v, dir_keys, ARRAY_SIZE(dir_keys), &in);
	for (i = 0; !ret && i < a->list->n; i++) {
		const struct lb_director *o = &a->list->v[i];

		if (!strcmp(o->name, in.d.name)) {
			jw_push_key(p, "name");
			ret = jw_fail(p, "director name \"%s\" is also directors[%zu]'s",
				      in.d.name, i);
		} else if (same_str(o->netns, in.d.netns) &&
			   same_str(o->ssh, in.d.ssh)) {
			/* Each would undo what the other applies. */
			ret = jw_fail(p, "directors[%zu] (%s) is reached the same way: one namespace is one director",
				      i, o->name);
		}
	}
	if (!ret && lb_list_push(a->list, &in.d))
		ret = jw_oom(p);
	if (ret)
		director_free(&in.d);
	return ret;
}

/* --- across the file -------------------------------------------------------- */

/* Whether x comes before y in the file. */
static bool lip_before(const struct lip *x, const struct lip *y)
{
	return x->dir < y->dir || (x->dir == y->dir && x->elem < y->elem);
}

static int lip_cmp(const void *a, const void *b)
{
	const struct lip *x = a, *y = b;
	int c = memcmp(&x->addr.v4, &y->addr.v4, sizeof(x->addr.v4));

	return c ?: lip_before(x, y) ? -1 : lip_before(y, x);
}

/* The path directors[dir].key[elem], for jw_fail(). */
static void at_elem(struct jw_ctx *p, size_t dir, const char *key,
		    size_t elem)
{
	p->depth = 0;
	jw_push_key(p, "directors");
	jw_push_index(p, dir);
	jw_push_key(p, key);
	jw_push_index(p, elem);
}

/*
 * A local address claimed twice (by two directors, or twice by one), and
 * one that is a VIP: the first such address in the file is the error.
 */
static int check_lips(struct jw_ctx *p, struct lip_list *lips,
		      const struct lb_director_list *dirs,
		      const struct lb_svc_list *svcs)
{
	const struct lip *dup = NULL, *first = NULL, *vip = NULL;
	char a[INET6_ADDRSTRLEN];
	size_t i, k, svc = 0;

	if (lips->n)
		qsort(lips->v, lips->n, sizeof(*lips->v), lip_cmp);
	for (i = 1; i < lips->n; i++) {
		if (!lb_addr_equal(&lips->v[i].addr, &lips->v[i - 1].addr) ||
		    (dup && !lip_before(&lips->v[i], dup)))
			continue;
		dup = &lips->v[i];
		/* Sorted by place in the file: the run's first is the claim. */
		for (first = dup - 1; first > lips->v &&
		     lb_addr_equal(&first[-1].addr, &dup->addr); first--)
			;
	}
	for (i = 0; i < lips->n; i++)
		for (k = 0; k < svcs->n; k++)
			if (lb_addr_equal(&lips->v[i].addr,
					  &svcs->v[k].svc.addr) &&
			    (!vip || lip_before(&lips->v[i], vip))) {
				vip = &lips->v[i];
				svc = k;
			}
	if (dup && (!vip || lip_before(dup, vip))) {
		format_addr(&dup->addr, a, sizeof(a));
		at_elem(p, dup->dir, "local_addresses", dup->elem);
		if (first->dir == dup->dir)
			return jw_fail(p, "%s is also local_addresses[%zu] of this director",
				       a, first->elem);
		return jw_fail(p, "%s is also a local address of directors[%zu] (%s)",
			       a, first->dir, dirs->v[first->dir].name);
	}
	if (vip) {
		format_addr(&vip->addr, a, sizeof(a));
		at_elem(p, vip->dir, "local_addresses", vip->elem);
		return jw_fail(p, "%s is the VIP of services[%zu]", a, svc);
	}
	return 0;
}

/* Each name of a director's "services" to its service's index. */
static int resolve_serves(struct jw_ctx *p, const struct serve_list *refs,
			  struct lb_director_list *dirs, const char **names,
			  size_t n)
{
	struct lb_director *d;
	size_t i, k, s;

	for (i = 0; i < refs->n; i++) {
		const struct serve_ref *r = &refs->v[i];

		d = &dirs->v[r->dir];
		for (s = 0; s < n && (!names[s] || strcmp(names[s], r->name));
		     s++)
			;
		at_elem(p, r->dir, "services", r->elem);
		if (s == n)
			return jw_fail(p, "no service is named \"%s\"", r->name);
		for (k = 0; k < d->serves.n; k++)
			if (d->serves.v[k] == s)
				return jw_fail(p, "service \"%s\" is listed twice",
					       r->name);
		if (lb_list_push(&d->serves, &s))
			return jw_oom(p);
	}
	return 0;
}

/* A director with "drain_handoff" has another to hand over to, each
 * reached as apply does but from its agent's host: "here" must be both's. */
static int check_handoff(struct jw_ctx *p, const struct lb_director_list *dirs)
{
	size_t i, k;

	for (i = 0; i < dirs->n; i++) {
		const struct lb_director *d = &dirs->v[i];

		if (!d->drain_handoff)
			continue;
		p->depth = 0;
		jw_push_key(p, "directors");
		jw_push_index(p, i);
		jw_push_key(p, "drain_handoff");
		if (dirs->n == 1)
			return jw_fail(p, "no other director in the file takes the connections of %s",
				       d->name);
		for (k = 0; k < dirs->n; k++)
			if (!dirs->v[k].ssh && d->ssh)
				return jw_fail(p, "directors[%zu] (%s) has no \"ssh\": it is on the host lbctl apply runs on, which the agent of %s (on %s) cannot reach; give it \"ssh\"",
					       k, dirs->v[k].name, d->name, d->ssh);
	}
	return 0;
}

/* --- the file ------------------------------------------------------------------ */

struct top {
	struct dir_acc dirs;
	struct svc_acc svcs;
};

static int top_directors(struct jw_ctx *p, json_t *v, void *t)
{
	if (!json_array_size(v))
		return jw_fail(p, "the cluster has no director");
	return jw_walk_array(p, v, director, &((struct top *)t)->dirs);
}

static int top_services(struct jw_ctx *p, json_t *v, void *t)
{
	return jw_walk_array(p, v, service, &((struct top *)t)->svcs);
}

static const struct jw_key top_keys[] = {
	/* checked before anything else (check_schema()) */
	{ "schema_version", JW_INTEGER, true, NULL, NULL },
	{ "directors", JW_ARRAY, true, top_directors, NULL },
	{ "services", JW_ARRAY, false, top_services, NULL },
};

/*
 * A file is declarative: what a director has and the file does not is
 * deleted. A file that says nothing of services (a draft, a file cut
 * short by an editor) would delete every service of every director, so
 * that takes the words "services": [], never their absence.
 */
static int check_services(struct jw_ctx *p, json_t *root)
{
	if (json_object_get(root, "services"))
		return 0;
	return jw_fail(p, "\"services\" is missing: every director would lose all its services; to mean that, write \"services\": []");
}

/*
 * The version first: a file from a newer lbctl is told so, not that its
 * new keys are unknown.
 */
static int check_schema(struct jw_ctx *p, json_t *root)
{
	json_t *v = json_object_get(root, "schema_version");
	int ret;

	if (!v)
		return jw_fail(p, "\"schema_version\" is missing");
	jw_push_key(p, "schema_version");
	ret = jw_check_type(p, v, JW_INTEGER);
	if (!ret && json_integer_value(v) != LB_SCHEMA_VERSION)
		ret = jw_fail(p, "schema version %lld is not supported; this lbctl reads version %d",
			      (long long)json_integer_value(v), LB_SCHEMA_VERSION);
	jw_pop(p);
	return ret;
}

void cluster_free(struct lb_cluster *c)
{
	size_t i;

	for (i = 0; i < c->directors.n; i++)
		director_free(&c->directors.v[i]);
	lb_list_free(&c->directors);
	lb_svc_list_free(&c->services);
	for (i = 0; i < c->checks.n; i++)
		hc_free(&c->checks.v[i]);
	lb_list_free(&c->checks);
}

int cluster_parse(const char *text, size_t len, const char *file,
		  struct lb_cluster *c, char *err, size_t errlen)
{
	struct jw_ctx p = {
		.text = text, .len = len, .file = file,
		.err = err, .errlen = errlen,
	};
	struct top t = {
		.dirs.list = &c->directors, .svcs.list = &c->services,
		.svcs.c = c,
	};
	json_error_t jerr;
	json_t *root;
	int ret;

	memset(c, 0, sizeof(*c));
	/* jansson would say "'[' or '{' expected near '\xef'". */
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		return parse_fail(err, errlen,
				  "%s:1:1: the file starts with a byte order mark, which JSON does not allow: save it as UTF-8 without one",
				  file);
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return jw_fail_load(&p, &jerr);
	ret = jw_check_type(&p, root, JW_OBJECT) ?: check_schema(&p, root) ?:
	      jw_walk(&p, root, top_keys, ARRAY_SIZE(top_keys), &t) ?:
	      check_services(&p, root) ?:
	      resolve_serves(&p, &t.dirs.refs, &c->directors, t.svcs.names.v,
			     c->services.n) ?:
	      check_lips(&p, &t.dirs.lips, &c->directors, &c->services) ?:
	      check_handoff(&p, &c->directors);
	lb_list_free(&t.svcs.names);
	lb_list_free(&t.dirs.lips);
	lb_list_free(&t.dirs.refs);
	json_decref(root);
	if (ret)
		cluster_free(c);
	return ret ? -EINVAL : 0;
}

int cluster_read(const char *path, char **text, size_t *len,
		 char *err, size_t errlen)
{
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) :
		 STDIN_FILENO;
	int ret;

	if (fd < 0) {
		ret = -errno;
		parse_fail(err, errlen, "cannot open %s: %s", path,
			   strerror(errno));
		return ret;
	}
	ret = lb_read_all(fd, LB_CLUSTER_FILE_MAX, text, len);
	if (fd != STDIN_FILENO)
		close(fd);
	if (ret == -EFBIG)
		return parse_fail(err, errlen, "%s is larger than %u bytes",
				  path, LB_CLUSTER_FILE_MAX);
	if (ret)
		return parse_fail(err, errlen, "cannot read %s: %s", path,
				  strerror(-ret));
	return 0;
}
