// SPDX-License-Identifier: GPL-2.0
/*
 * The director over generic netlink, one call per object. See api.h; the
 * attributes are built and read by attrs.c.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/fullnat.h>
#include <netlink/msg.h>

#include "api.h"
#include "attrs.h"

/* Requests */

/* A service (only its key with a real server) and a real server, or NULL. */
struct svc_dest {
	const struct lb_service *svc;
	const struct lb_dest *dest;
	bool key_only;
};

static int put_svc_dest(struct nl_msg *msg, const void *arg)
{
	const struct svc_dest *sd = arg;

	return lb_put_service(msg, sd->svc, sd->key_only || sd->dest) ?:
	       (sd->dest ? lb_put_dest(msg, sd->dest, sd->key_only) : 0);
}

static int put_laddr(struct nl_msg *msg, const void *addr)
{
	return lb_put_laddr(msg, addr);
}

static int put_conn(struct nl_msg *msg, const void *conn)
{
	return lb_put_conn(msg, conn);
}

static int put_conn_filter(struct nl_msg *msg, const void *filter)
{
	return lb_put_conn_filter(msg, filter);
}

static int put_config(struct nl_msg *msg, const void *cfg)
{
	return lb_put_config(msg, cfg);
}

/* A write's attributes and, after them, the generation it expects. */
struct with_gen {
	genl_put_fn put;
	const void *arg;
	uint64_t gen;
};

static int put_with_gen(struct nl_msg *msg, const void *arg)
{
	const struct with_gen *w = arg;

	return w->put(msg, w->arg) ?:
	       (nla_put_u64(msg, FULLNAT_A_GENERATION, w->gen) ? -EMSGSIZE : 0);
}

/* A command that answers with an ACK only: the writes (genl.h, has_gen). */
static int command(struct genl *g, uint8_t cmd, const char *what,
		   genl_put_fn put, const void *arg)
{
	const struct with_gen w = { put, arg, g->gen };
	const struct genl_req req = {
		.cmd = cmd, .what = what,
		.put = g->has_gen ? put_with_gen : put,
		.put_arg = g->has_gen ? (const void *)&w : arg,
	};
	int ret = genl_request(g, &req);

	if (!ret && g->has_gen)
		g->gen++;
	return ret;
}

/* A call that changes the director: one command, answered by an ACK only. */
#define CALL(fn, params, cmd_, what_, put_, arg)			\
int fn params								\
{									\
	return command(g, (cmd_), (what_), (put_), (arg));		\
}

CALL(lb_config_set, (struct genl *g, const struct lb_config *cfg),
     FULLNAT_CMD_SET_CONFIG, "changing the configuration", put_config, cfg)
CALL(lb_service_add, (struct genl *g, const struct lb_service *svc),
     FULLNAT_CMD_NEW_SERVICE, "adding the service", put_svc_dest,
     (&(struct svc_dest){ svc, NULL, false }))
CALL(lb_service_set, (struct genl *g, const struct lb_service *svc),
     FULLNAT_CMD_SET_SERVICE, "changing the service", put_svc_dest,
     (&(struct svc_dest){ svc, NULL, false }))
CALL(lb_service_del, (struct genl *g, const struct lb_service *svc),
     FULLNAT_CMD_DEL_SERVICE, "deleting the service", put_svc_dest,
     (&(struct svc_dest){ svc, NULL, true }))
CALL(lb_dest_add, (struct genl *g, const struct lb_service *svc,
		   const struct lb_dest *dest),
     FULLNAT_CMD_NEW_DEST, "adding the real server", put_svc_dest,
     (&(struct svc_dest){ svc, dest, false }))
CALL(lb_dest_set, (struct genl *g, const struct lb_service *svc,
		   const struct lb_dest *dest),
     FULLNAT_CMD_SET_DEST, "changing the real server", put_svc_dest,
     (&(struct svc_dest){ svc, dest, false }))
CALL(lb_dest_del, (struct genl *g, const struct lb_service *svc,
		   const struct lb_dest *dest),
     FULLNAT_CMD_DEL_DEST, "deleting the real server", put_svc_dest,
     (&(struct svc_dest){ svc, dest, true }))
CALL(lb_laddr_add, (struct genl *g, const struct lb_addr *addr),
     FULLNAT_CMD_NEW_LADDR, "adding the local address", put_laddr, addr)
CALL(lb_laddr_del, (struct genl *g, const struct lb_addr *addr),
     FULLNAT_CMD_DEL_LADDR, "deleting the local address", put_laddr, addr)

/* Not a configuration write: no generation (the uapi header). */
int lb_conn_add(struct genl *g, const struct lb_conn *conn)
{
	const struct genl_req req = {
		.cmd = FULLNAT_CMD_NEW_CONN, .what = "adding the connection",
		.put = put_conn, .put_arg = conn,
	};

	return genl_request(g, &req);
}

/* Replies */

/* An object of a reply: the type of its nest, and where it is read. */
struct one {
	int attr;
	void *obj;
	bool read;		/* a doit's reply (one nest) came */
};

static int parse_object(struct nlattr *nest, void *arg)
{
	const struct one *o = arg;

	switch (o->attr) {
	case FULLNAT_A_INFO:
		return lb_parse_info(nest, o->obj);
	case FULLNAT_A_CONFIG:
		return lb_parse_config(nest, o->obj);
	case FULLNAT_A_SERVICE:
		return lb_parse_service(nest, o->obj);
	case FULLNAT_A_DEST:
		return lb_parse_dest(nest, o->obj);
	case FULLNAT_A_LADDR:
		return lb_parse_laddr(nest, o->obj);
	case FULLNAT_A_CONN:
		return lb_parse_conn(nest, o->obj);
	case FULLNAT_A_TEMPLATE:
		return lb_parse_template(nest, o->obj);
	case FULLNAT_A_DELETED:		/* not a nest: a u32 */
		if (nla_len(nest) != sizeof(uint32_t))
			return -EPROTO;
		*(uint32_t *)o->obj = nla_get_u32(nest);
		return 0;
	}
	return -EINVAL;
}

static int parse_one(struct nl_msg *msg, void *arg)
{
	struct one *o = arg;
	int n = lb_msg_each(msg, o->attr, parse_object, o);

	if (n < 0)
		return n;
	if (n != 1 || o->read)
		return -EPROTO;
	o->read = true;
	return 0;
}

/* A request (put, or none) answered by one attribute attr, read into obj. */
static int request_one(struct genl *g, uint8_t cmd, const char *what,
		       genl_put_fn put, const void *arg, int attr, void *obj)
{
	struct one o = { attr, obj, false };
	const struct genl_req req = {
		.cmd = cmd, .what = what, .put = put, .put_arg = arg,
		.parse = parse_one, .parse_arg = &o,
	};
	int ret = genl_request(g, &req);

	if (!ret && !o.read) {
		/* An ACK alone: as wrong as a malformed reply. */
		snprintf(g->msg, sizeof(g->msg),
			 "%s: fullnat.ko answered without the reply", what);
		ret = -EPROTO;
	}
	return ret;
}

static int get_one(struct genl *g, uint8_t cmd, const char *what,
		   const void *key, int attr, void *obj)
{
	return request_one(g, cmd, what, key ? put_svc_dest : NULL, key, attr,
			   obj);
}

/* Not a configuration write either: no generation. */
int lb_conn_del(struct genl *g, const struct lb_conn_filter *filter,
		uint32_t *deleted)
{
	return request_one(g, FULLNAT_CMD_DEL_CONN, "deleting connections",
			   put_conn_filter, filter, FULLNAT_A_DELETED,
			   deleted);
}

int lb_info_get(struct genl *g, struct lb_info *info)
{
	return get_one(g, FULLNAT_CMD_GET_INFO, "reading the director state",
		       NULL, FULLNAT_A_INFO, info);
}

int lb_config_get(struct genl *g, struct lb_config *cfg)
{
	return get_one(g, FULLNAT_CMD_GET_CONFIG, "reading the configuration",
		       NULL, FULLNAT_A_CONFIG, cfg);
}

int lb_service_get(struct genl *g, struct lb_service *svc)
{
	const struct lb_service key = *svc;

	return get_one(g, FULLNAT_CMD_GET_SERVICE, "reading the service",
		       &(struct svc_dest){ &key, NULL, true },
		       FULLNAT_A_SERVICE, svc);
}

/* Dumps */

struct dump {
	int attr;			/* the nest of each object */
	const struct lb_service *svc;	/* of the real servers */
	lb_obj_fn fn;
	void *arg;
};

/* One object of a dump reply to the caller's fn; NULL nest: start over. */
static int dump_object(struct nlattr *nest, void *arg)
{
	const struct dump *d = arg;
	union {
		struct lb_service svc;
		struct lb_dest dest;
		struct lb_laddr laddr;
		struct lb_conn conn;
		struct lb_template tmpl;
	} o;
	int ret = nest ? parse_object(nest, &(struct one){ .attr = d->attr,
						    .obj = &o }) : 0;

	/* The kernel says a real server's method always; lbctl when it
	 * differs from the service's. */
	if (nest && !ret && d->attr == FULLNAT_A_DEST &&
	    o.dest.fwd == d->svc->fwd)
		o.dest.fwd = -1;
	return ret ?: d->fn(nest ? &o : NULL, d->arg);
}

static int parse_dump(struct nl_msg *msg, void *arg)
{
	const struct dump *d = arg;
	int n = lb_msg_each(msg, d->attr, dump_object, arg);

	return n < 0 ? n : 0;
}

/*
 * Reads the whole table again while the kernel says it changed during the
 * read, so that what fn saw last is one consistent table.
 */
static int dump(struct genl *g, uint8_t cmd, const char *what,
		const struct svc_dest *key, struct dump *d)
{
	const struct genl_req req = {
		.cmd = cmd, .dump = true, .what = what,
		.put = key ? put_svc_dest : NULL, .put_arg = key,
		.parse = parse_dump, .parse_arg = d,
	};
	size_t len;
	int tries, ret;

	for (tries = 1; ; tries++) {
		ret = genl_request(g, &req);
		if (ret != -EINTR || tries == LB_DUMP_TRIES)
			break;
		ret = dump_object(NULL, d);
		if (ret)
			return ret;
	}
	if (ret == -EINTR) {
		len = strlen(g->msg);
		snprintf(g->msg + len, sizeof(g->msg) - len,
			 " (tried %d times)", LB_DUMP_TRIES);
	}
	return ret;
}

int lb_dump_services(struct genl *g, lb_obj_fn fn, void *arg)
{
	return dump(g, FULLNAT_CMD_GET_SERVICE, "listing the services", NULL,
		    &(struct dump){ FULLNAT_A_SERVICE, NULL, fn, arg });
}

int lb_dump_dests(struct genl *g, const struct lb_service *svc,
		  lb_obj_fn fn, void *arg)
{
	return dump(g, FULLNAT_CMD_GET_DEST, "listing the real servers",
		    &(struct svc_dest){ svc, NULL, true },
		    &(struct dump){ FULLNAT_A_DEST, svc, fn, arg });
}

int lb_dump_laddrs(struct genl *g, lb_obj_fn fn, void *arg)
{
	return dump(g, FULLNAT_CMD_GET_LADDR, "listing the local addresses",
		    NULL, &(struct dump){ FULLNAT_A_LADDR, NULL, fn, arg });
}

int lb_dump_conns(struct genl *g, lb_obj_fn fn, void *arg)
{
	return dump(g, FULLNAT_CMD_GET_CONN, "listing the connections", NULL,
		    &(struct dump){ FULLNAT_A_CONN, NULL, fn, arg });
}

int lb_dump_templates(struct genl *g, lb_obj_fn fn, void *arg)
{
	return dump(g, FULLNAT_CMD_GET_TEMPLATE,
		    "listing the persistence templates", NULL,
		    &(struct dump){ FULLNAT_A_TEMPLATE, NULL, fn, arg });
}

int lb_snapshot_read(struct genl *g, struct lb_snapshot *snap,
		     const struct lb_service *only, unsigned int flags)
{
	struct lb_svc_entry e = { 0 };
	size_t i;
	int ret;

	memset(snap, 0, sizeof(*snap));
	ret = lb_info_get(g, &snap->info);
	if (!ret && flags & LB_SNAP_CONFIG) {
		ret = lb_config_get(g, &snap->config);
		snap->has_config = true;
	}
	if (!ret && flags & LB_SNAP_LADDRS) {
		ret = lb_dump_laddrs(g, lb_collect_laddr, &snap->laddrs);
		snap->has_laddrs = true;
	}
	if (!ret && only) {
		e.svc = *only;
		ret = lb_service_get(g, &e.svc);
		if (!ret && lb_list_push(&snap->services, &e)) {
			snprintf(g->msg, sizeof(g->msg), "out of memory");
			ret = -ENOMEM;
		}
	} else if (!ret) {
		ret = lb_dump_services(g, lb_collect_service, &snap->services);
	}
	for (i = 0; !ret && i < snap->services.n; ) {
		struct lb_svc_entry *s = &snap->services.v[i];

		ret = lb_dump_dests(g, &s->svc, lb_collect_dest, &s->dests);
		/* Deleted since the services were listed: not there now. */
		if (ret == -ENOENT && !only) {
			lb_list_free(&s->dests);
			memmove(s, s + 1, (snap->services.n - i - 1) *
				sizeof(*s));
			snap->services.n--;
			ret = 0;
			continue;
		}
		i++;
	}
	if (ret)
		lb_snapshot_free(snap);
	return ret;
}
