// SPDX-License-Identifier: GPL-2.0
/*
 * "lbctl -j conn" read back: see conn_json.h. Each element is an object
 * as cli/print.c writes it (print_conn(), print_template()):
 *
 *   {"protocol": "tcp", "state": "established", "expires": 895,
 *    "forward": "fullnat",
 *    "client": {"address": "198.51.100.2", "port": 42001},
 *    "virtual": {...}, "local": {...}, "real": {...}}
 *
 * "expires" is read and checked, not used: the importing director gives
 * a connection its state's timeout. A template ("state": "template",
 * with "connections" and a client "netmask") is skipped.
 */
#include <errno.h>
#include <string.h>

#include <linux/fullnat.h>

#include "conn_json.h"
#include "fields.h"
#include "jwalk.h"
#include "parse.h"

/* One element while it is read. */
struct conn_elem {
	struct lb_conn c;
	const char *state;	/* as written, checked once the protocol is known */
	bool has_fwd, has_local, has_netmask, has_conns;
};

struct conns_walk {
	struct lb_conn_list *list;
	size_t *templates;
};

static int ep_addr(struct jw_ctx *p, json_t *v, void *obj)
{
	struct lb_addrport *ep = obj;

	return JW_PARSE_STR(p, v, parse_addr, &ep->addr);
}

static int ep_port(struct jw_ctx *p, json_t *v, void *obj)
{
	long long n = 0;
	int ret = jw_int_in(p, v, "port", 0, UINT16_MAX, &n);

	if (!ret)
		((struct lb_addrport *)obj)->port = (uint16_t)n;
	return ret;
}

/* A template's client only; checked by the element. */
static int ep_netmask(struct jw_ctx *p, json_t *v, void *obj)
{
	long long n;

	(void)obj;
	return jw_int_in(p, v, "netmask", 1, 128, &n);
}

static const struct jw_key ep_keys[] = {
	{ "address", JW_STRING, true, ep_addr, NULL },
	{ "port", JW_INTEGER, true, ep_port, NULL },
	{ "netmask", JW_INTEGER, false, ep_netmask, NULL },
};

/* An end of the connection: data is the offset of its lb_addrport. */
static int end_key(struct jw_ctx *p, json_t *v, void *obj)
{
	struct conn_elem *e = obj;
	struct lb_addrport *ep = (void *)((char *)&e->c +
					  (size_t)p->key->data);

	if (ep == &e->c.local)
		e->has_local = true;
	if (json_object_get(v, "netmask"))
		e->has_netmask = true;
	return jw_walk(p, v, ep_keys, sizeof(ep_keys) / sizeof(ep_keys[0]),
		       ep);
}

static int proto_key(struct jw_ctx *p, json_t *v, void *obj)
{
	return JW_PARSE_STR(p, v, parse_proto, &((struct conn_elem *)obj)->c.proto);
}

static int state_key(struct jw_ctx *p, json_t *v, void *obj)
{
	(void)p;
	((struct conn_elem *)obj)->state = json_string_value(v);
	return 0;
}

static int expires_key(struct jw_ctx *p, json_t *v, void *obj)
{
	long long n = 0;
	int ret = jw_int_in(p, v, "expires", 0, UINT32_MAX, &n);

	if (!ret)
		((struct conn_elem *)obj)->c.expires = (uint32_t)n;
	return ret;
}

static int fwd_key(struct jw_ctx *p, json_t *v, void *obj)
{
	struct conn_elem *e = obj;
	enum lb_fwd fwd;
	int ret = JW_PARSE_STR(p, v, parse_fwd, &fwd);

	e->c.fwd = (int)fwd;
	e->has_fwd = true;
	return ret;
}

static int conns_key(struct jw_ctx *p, json_t *v, void *obj)
{
	long long n;

	((struct conn_elem *)obj)->has_conns = true;
	return jw_int_in(p, v, "connections", 0, UINT32_MAX, &n);
}

#define END(name, member) \
	{ name, JW_OBJECT, false, end_key, \
	  (const void *)offsetof(struct lb_conn, member) }

static const struct jw_key conn_keys[] = {
	{ "protocol", JW_STRING, true, proto_key, NULL },
	{ "state", JW_STRING, true, state_key, NULL },
	{ "expires", JW_INTEGER, false, expires_key, NULL },
	{ "forward", JW_STRING, false, fwd_key, NULL },
	{ "connections", JW_INTEGER, false, conns_key, NULL },
	END("client", client),
	END("virtual", vip),
	END("local", local),
	END("real", real),
};

/* The state's number, by the name lb_conn_state_name() gives it. */
static int state_number(enum lb_proto proto, const char *name,
			unsigned int *state)
{
	unsigned int s, n = proto == LB_PROTO_TCP ? __FULLNAT_TCP_S_LAST :
						    __FULLNAT_UDP_S_LAST;

	for (s = 0; s < n; s++) {
		if (!strcmp(name, lb_conn_state_name(proto, s))) {
			*state = s;
			return 0;
		}
	}
	return -EINVAL;
}

/* What an element must have once read whole; "where" is its key. */
static int check_elem(struct jw_ctx *p, json_t *v, struct conn_elem *e)
{
	static const char *const ends[] = { "client", "virtual", "real" };
	size_t i;

	if (!strcmp(e->state, "template")) {
		if (e->has_local || e->has_fwd)
			return jw_fail(p, "a template has no \"local\" or \"forward\"");
		return 1;
	}
	for (i = 0; i < sizeof(ends) / sizeof(ends[0]); i++)
		if (!json_object_get(v, ends[i]))
			return jw_fail(p, "\"%s\" is missing", ends[i]);
	if (!e->has_fwd)
		return jw_fail(p, "\"forward\" is missing");
	if (e->has_netmask || e->has_conns)
		return jw_fail(p, "only a template has \"netmask\" or \"connections\"");
	if ((e->c.fwd == LB_FWD_FULLNAT) != e->has_local)
		return jw_fail(p, "a fullnat connection has a \"local\" end, no other has");
	if (!e->c.client.port || !e->c.vip.port || !e->c.real.port ||
	    (e->has_local && !e->c.local.port))
		return jw_fail(p, "a connection's ports are 1-65535 (only a template's client has port 0)");
	if (state_number(e->c.proto, e->state, &e->c.state))
		return jw_fail(p, "\"%s\" is not a state of a %s connection",
			       e->state, proto_name(e->c.proto));
	return 0;
}

static int conn_elem(struct jw_ctx *p, json_t *v, void *dst)
{
	struct conns_walk *w = dst;
	struct conn_elem e;
	int ret;

	memset(&e, 0, sizeof(e));
	ret = jw_check_type(p, v, JW_OBJECT) ?:
	      jw_walk(p, v, conn_keys, sizeof(conn_keys) / sizeof(conn_keys[0]),
		      &e) ?:
	      check_elem(p, v, &e);
	if (ret == 1) {
		(*w->templates)++;
		return 0;
	}
	if (!ret && lb_list_push(w->list, &e.c))
		return jw_oom(p);
	return ret;
}

int conns_parse(const char *text, size_t len, const char *file,
		struct lb_conn_list *conns, size_t *templates,
		char *err, size_t errlen)
{
	struct jw_ctx p = {
		.text = text, .len = len, .file = file,
		.err = err, .errlen = errlen,
	};
	struct conns_walk w = { conns, templates };
	json_error_t jerr;
	json_t *root;
	int ret;

	memset(conns, 0, sizeof(*conns));
	*templates = 0;
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return jw_fail_load(&p, &jerr);
	ret = jw_check_type(&p, root, JW_ARRAY) ?:
	      jw_walk_array(&p, root, conn_elem, &w);
	json_decref(root);
	if (ret)
		lb_list_free(conns);
	return ret;
}
