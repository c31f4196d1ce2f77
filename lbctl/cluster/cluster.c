// SPDX-License-Identifier: GPL-2.0
/*
 * The cluster file: reading it, its top level and its "directors", and
 * the checks across the file. See cluster.h; every key is in
 * docs/cluster.md. A service is services.c's, the values the field
 * tables describe fieldkeys.c's, a director's "bgp" bgp.c's.
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
		if (cluster_unusable(&la.addr))
			return jw_fail(p, "%s %s",
				       lb_addr_str(&la.addr, a, sizeof(a)),
				       cluster_unusable(&la.addr));
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
	struct jw_key keys[CLUSTER_KEYS_MAX];
	size_t n = cluster_object_keys(keys, NULL, 0, &lb_config_fields, NULL, 0);

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
	{ "bgp", JW_OBJECT, false, cluster_bgp,
	  CLUSTER_AT(struct dir_in, d.bgp) },
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
	struct cluster_svc_acc svcs;
};

static int top_directors(struct jw_ctx *p, json_t *v, void *t)
{
	if (!json_array_size(v))
		return jw_fail(p, "the cluster has no director");
	return jw_walk_array(p, v, director, &((struct top *)t)->dirs);
}

static int top_services(struct jw_ctx *p, json_t *v, void *t)
{
	return jw_walk_array(p, v, cluster_service, &((struct top *)t)->svcs);
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
