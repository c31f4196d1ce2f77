// SPDX-License-Identifier: GPL-2.0
/*
 * "lbctl -j conn" read back: see conn_json.h. Each element is an object
 * as cli/print.c writes it (print_conn(), print_template()):
 *
 *   {"protocol": "tcp", "state": "established", "expires": 895,
 *    "forward": "fullnat",
 *    "client": {"address": "198.51.100.2", "port": 42001},
 *    "virtual": {...}, "local": {...}, "real": {...},
 *    "nodata": true,
 *    "tcp_seq": {"client_end": 1, "client_window": 2, "client_wscale": 7,
 *                "server_end": 3, "server_window": 4, "server_wscale": 7,
 *                "server_isn": 5}}
 *
 * "expires" bounds the connection's timeout on the importing director
 * (none: its state's timeout there).
 * A template ("state": "template", with "connections" and a client
 * "netmask") is skipped, and so is a TCP connection still in its
 * handshake (NONE, SYN_RECV): the importer could not complete it.
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
	char why[512];		/* the first wrong value's error, "" none */
};

/* An end of the connection while it is read. */
struct end_walk {
	struct conn_elem *e;
	struct lb_addrport *ep;
};

/*
 * A key's value was wrong (ret, jw_fail() wrote why): the element is to
 * be skipped, the walk goes on for the structure's sake.
 */
static int value(struct jw_ctx *p, struct conn_elem *e, int ret)
{
	if (ret != -EINVAL)
		return ret;
	if (!e->why[0])
		snprintf(e->why, sizeof(e->why), "%s", p->err);
	return 0;
}

static int ep_addr(struct jw_ctx *p, json_t *v, void *obj)
{
	struct end_walk *w = obj;

	return value(p, w->e, JW_PARSE_STR(p, v, parse_addr, &w->ep->addr));
}

static int ep_port(struct jw_ctx *p, json_t *v, void *obj)
{
	struct end_walk *w = obj;
	long long n = 0;
	int ret = jw_int_in(p, v, "port", 0, UINT16_MAX, &n);

	w->ep->port = (uint16_t)n;
	return value(p, w->e, ret);
}

/* A template's client only; checked by the element. */
static int ep_netmask(struct jw_ctx *p, json_t *v, void *obj)
{
	struct end_walk *w = obj;
	long long n;

	w->e->has_netmask = true;
	return value(p, w->e, jw_int_in(p, v, "netmask", 1, 128, &n));
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
	struct end_walk w = {
		e, (void *)((char *)&e->c + (size_t)p->key->data),
	};

	if (w.ep == &e->c.local)
		e->has_local = true;
	return jw_walk(p, v, ep_keys, sizeof(ep_keys) / sizeof(ep_keys[0]),
		       &w);
}

static int proto_key(struct jw_ctx *p, json_t *v, void *obj)
{
	struct conn_elem *e = obj;

	return value(p, e, JW_PARSE_STR(p, v, parse_proto, &e->c.proto));
}

static int state_key(struct jw_ctx *p, json_t *v, void *obj)
{
	(void)p;
	((struct conn_elem *)obj)->state = json_string_value(v);
	return 0;
}

static int expires_key(struct jw_ctx *p, json_t *v, void *obj)
{
	struct conn_elem *e = obj;
	long long n = 0;
	int ret = jw_int_in(p, v, "expires", 0, UINT32_MAX, &n);

	e->c.expires = (uint32_t)n;
	return value(p, e, ret);
}

static int fwd_key(struct jw_ctx *p, json_t *v, void *obj)
{
	struct conn_elem *e = obj;
	enum lb_fwd fwd = LB_FWD_FULLNAT;
	int ret = JW_PARSE_STR(p, v, parse_fwd, &fwd);

	e->c.fwd = (int)fwd;
	e->has_fwd = true;
	return value(p, e, ret);
}

static int conns_key(struct jw_ctx *p, json_t *v, void *obj)
{
	struct conn_elem *e = obj;
	long long n;

	e->has_conns = true;
	return value(p, e, jw_int_in(p, v, "connections", 0, UINT32_MAX, &n));
}

static int nodata_key(struct jw_ctx *p, json_t *v, void *obj)
{
	(void)p;
	((struct conn_elem *)obj)->c.nodata = json_is_true(v);
	return 0;
}

/* A field of "tcp_seq": data says which (SEQ() below). */
static int seq_field(struct jw_ctx *p, json_t *v, void *obj)
{
	struct conn_elem *e = obj;
	struct lb_tcp_seq *s = &e->c.seq;
	size_t f = (size_t)p->key->data, side = f % 2;
	static const long long max[] = { UINT32_MAX, UINT16_MAX, UINT8_MAX,
					 UINT32_MAX };
	long long n = 0;
	int ret = jw_int_in(p, v, p->key->name, 0, max[f / 2], &n);

	switch (f / 2) {
	case 0: s->end[side] = (uint32_t)n; break;
	case 1: s->win[side] = (uint16_t)n; break;
	case 2: s->wscale[side] = (uint8_t)n; break;
	default:
		e->c.isn = (uint32_t)n;
		e->c.has_isn = true;
	}
	if (!ret && f / 2 == 2 && n > 14 && n != 255)
		ret = jw_fail(p, "a window scale is 0-14, or 255 for none");
	return value(p, e, ret);
}

#define SEQ(name, f, required) \
	{ name, JW_INTEGER, required, seq_field, (const void *)(size_t)(f) }

static const struct jw_key seq_keys[] = {
	SEQ("client_end", 0, true), SEQ("server_end", 1, true),
	SEQ("client_window", 2, true), SEQ("server_window", 3, true),
	SEQ("client_wscale", 4, true), SEQ("server_wscale", 5, true),
	SEQ("server_isn", 6, false),
};

static int seq_key(struct jw_ctx *p, json_t *v, void *obj)
{
	((struct conn_elem *)obj)->c.has_seq = true;
	return jw_walk(p, v, seq_keys, sizeof(seq_keys) / sizeof(seq_keys[0]),
		       obj);
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
	{ "nodata", JW_BOOLEAN, false, nodata_key, NULL },
	{ "tcp_seq", JW_OBJECT, false, seq_key, NULL },
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

enum { ELEM_CONN, ELEM_TEMPLATE, ELEM_HALF_OPEN, ELEM_BAD };

/*
 * What an element is, once read whole: a missing key fails the listing,
 * a wrong value only the element (e->why).
 */
static int check_elem(struct jw_ctx *p, json_t *v, struct conn_elem *e)
{
	static const char *const ends[] = { "client", "virtual", "real" };
	bool tmpl = !strcmp(e->state, "template");
	size_t i;

	for (i = 0; i < sizeof(ends) / sizeof(ends[0]); i++)
		if (!json_object_get(v, ends[i]))
			return jw_fail(p, "\"%s\" is missing", ends[i]);
	if (!tmpl && !e->has_fwd)
		return jw_fail(p, "\"forward\" is missing");
	if (e->why[0])
		return ELEM_BAD;
	if (tmpl) {
		if (e->has_local || e->has_fwd || e->c.has_seq || e->c.nodata)
			return value(p, e, jw_fail(p, "a template has no \"local\", \"forward\", \"tcp_seq\" or \"nodata\"")) ?:
			       ELEM_BAD;
		return ELEM_TEMPLATE;
	}
	if (e->has_netmask || e->has_conns)
		value(p, e, jw_fail(p, "only a template has \"netmask\" or \"connections\""));
	else if ((e->c.fwd == LB_FWD_FULLNAT) != e->has_local)
		value(p, e, jw_fail(p, "a fullnat connection has a \"local\" end, no other has"));
	else if (!e->c.vip.port || !e->c.real.port ||
		 (e->has_local && !e->c.local.port))
		value(p, e, jw_fail(p, "a connection's virtual, local and real ports are 1-65535"));
	else if (state_number(e->c.proto, e->state, &e->c.state))
		value(p, e, jw_fail(p, "\"%s\" is not a state of a %s connection",
				    e->state, proto_name(e->c.proto)));
	else if ((e->c.has_seq || e->c.nodata) && e->c.proto != LB_PROTO_TCP)
		value(p, e, jw_fail(p, "only a tcp connection has \"tcp_seq\" or \"nodata\""));
	if (e->why[0])
		return ELEM_BAD;
	if (e->c.proto == LB_PROTO_TCP && e->c.state <= FULLNAT_TCP_S_SYN_RECV)
		return ELEM_HALF_OPEN;
	return ELEM_CONN;
}

static int conn_elem(struct jw_ctx *p, json_t *v, void *dst)
{
	struct conns_read *r = dst;
	struct conn_in in;
	struct conn_elem e;
	int ret;

	memset(&e, 0, sizeof(e));
	e.c.expires = UINT32_MAX;	/* none said: no bound */
	ret = jw_check_type(p, v, JW_OBJECT) ?:
	      jw_walk(p, v, conn_keys, sizeof(conn_keys) / sizeof(conn_keys[0]),
		      &e) ?:
	      check_elem(p, v, &e);
	switch (ret) {
	case ELEM_TEMPLATE:
		r->templates++;
		return 0;
	case ELEM_HALF_OPEN:
		r->half_open++;
		return 0;
	case ELEM_BAD:
		r->bad++;
		if (r->report)
			r->report(r->arg, e.why);
		return 0;
	case ELEM_CONN:
		in.c = e.c;
		in.index = p->path[p->depth - 1].index;
		return lb_list_push(&r->conns, &in) ? jw_oom(p) : 0;
	}
	return ret;
}

int conns_parse(const char *text, size_t len, const char *file,
		struct conns_read *r, char *err, size_t errlen)
{
	struct jw_ctx p = {
		.text = text, .len = len, .file = file,
		.err = err, .errlen = errlen,
	};
	json_error_t jerr;
	json_t *root;
	int ret;

	memset(&r->conns, 0, sizeof(r->conns));
	r->templates = r->half_open = r->bad = 0;
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return jw_fail_load(&p, &jerr);
	ret = jw_check_type(&p, root, JW_ARRAY) ?:
	      jw_walk_array(&p, root, conn_elem, r);
	json_decref(root);
	if (ret)
		lb_list_free(&r->conns);
	return ret;
}
