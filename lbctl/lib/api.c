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

static int put_service_key(struct nl_msg *msg, const void *svc)
{
	return lb_put_service(msg, svc, true);
}

static int put_service(struct nl_msg *msg, const void *svc)
{
	return lb_put_service(msg, svc, false);
}

struct svc_dest {
	const struct lb_service *svc;
	const struct lb_dest *dest;
	bool key_only;
};

static int put_svc_dest(struct nl_msg *msg, const void *arg)
{
	const struct svc_dest *sd = arg;

	return lb_put_service(msg, sd->svc, true) ?:
	       lb_put_dest(msg, sd->dest, sd->key_only);
}

static int put_laddr(struct nl_msg *msg, const void *addr)
{
	return lb_put_laddr(msg, addr);
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

/* Replies of doit commands: exactly one nest of the object. */

struct one {
	int attr;
	int (*parse)(struct nlattr *nest, void *obj);
	void *obj;
	bool read;		/* the reply came */
};

static int parse_one(struct nl_msg *msg, void *arg)
{
	struct one *o = arg;
	int n;

	n = lb_msg_each(msg, o->attr, o->parse, o->obj);
	if (n < 0)
		return n;
	if (n != 1 || o->read)
		return -EPROTO;
	o->read = true;
	return 0;
}

static int get_one(struct genl *g, uint8_t cmd, const char *what,
		   genl_put_fn put, const void *put_arg, struct one *o)
{
	const struct genl_req req = {
		.cmd = cmd, .what = what, .put = put, .put_arg = put_arg,
		.parse = parse_one, .parse_arg = o,
	};
	int ret;

	ret = genl_request(g, &req);
	if (!ret && !o->read) {
		/* An ACK alone: as wrong as a malformed reply. */
		snprintf(g->msg, sizeof(g->msg),
			 "%s: fullnat.ko answered without the reply", what);
		ret = -EPROTO;
	}
	return ret;
}

static int parse_info(struct nlattr *nest, void *info)
{
	return lb_parse_info(nest, info);
}

static int parse_config(struct nlattr *nest, void *cfg)
{
	return lb_parse_config(nest, cfg);
}

static int parse_service(struct nlattr *nest, void *svc)
{
	return lb_parse_service(nest, svc);
}

int lb_info_get(struct genl *g, struct lb_info *info)
{
	struct one o = { FULLNAT_A_INFO, parse_info, info, false };

	memset(info, 0, sizeof(*info));
	return get_one(g, FULLNAT_CMD_GET_INFO, "reading the director state",
		       NULL, NULL, &o);
}

int lb_config_get(struct genl *g, struct lb_config *cfg)
{
	struct one o = { FULLNAT_A_CONFIG, parse_config, cfg, false };

	lb_config_init(cfg);
	return get_one(g, FULLNAT_CMD_GET_CONFIG, "reading the configuration",
		       NULL, NULL, &o);
}

int lb_config_set(struct genl *g, const struct lb_config *cfg)
{
	return command(g, FULLNAT_CMD_SET_CONFIG, "changing the configuration",
		       put_config, cfg);
}

int lb_service_add(struct genl *g, const struct lb_service *svc)
{
	return command(g, FULLNAT_CMD_NEW_SERVICE, "adding the service",
		       put_service, svc);
}

int lb_service_set(struct genl *g, const struct lb_service *svc)
{
	return command(g, FULLNAT_CMD_SET_SERVICE, "changing the service",
		       put_service, svc);
}

int lb_service_del(struct genl *g, const struct lb_service *svc)
{
	return command(g, FULLNAT_CMD_DEL_SERVICE, "deleting the service",
		       put_service_key, svc);
}

int lb_service_get(struct genl *g, struct lb_service *svc)
{
	const struct lb_service key = *svc;
	struct one o = { FULLNAT_A_SERVICE, parse_service, svc, false };

	return get_one(g, FULLNAT_CMD_GET_SERVICE, "reading the service",
		       put_service_key, &key, &o);
}

static int dest_command(struct genl *g, uint8_t cmd, const char *what,
			const struct lb_service *svc,
			const struct lb_dest *dest, bool key_only)
{
	const struct svc_dest sd = { svc, dest, key_only };

	return command(g, cmd, what, put_svc_dest, &sd);
}

int lb_dest_add(struct genl *g, const struct lb_service *svc,
		const struct lb_dest *dest)
{
	return dest_command(g, FULLNAT_CMD_NEW_DEST, "adding the real server",
			    svc, dest, false);
}

int lb_dest_set(struct genl *g, const struct lb_service *svc,
		const struct lb_dest *dest)
{
	return dest_command(g, FULLNAT_CMD_SET_DEST,
			    "changing the real server", svc, dest, false);
}

int lb_dest_del(struct genl *g, const struct lb_service *svc,
		const struct lb_dest *dest)
{
	return dest_command(g, FULLNAT_CMD_DEL_DEST,
			    "deleting the real server", svc, dest, true);
}

int lb_laddr_add(struct genl *g, const struct lb_addr *addr)
{
	return command(g, FULLNAT_CMD_NEW_LADDR, "adding the local address",
		       put_laddr, addr);
}

int lb_laddr_del(struct genl *g, const struct lb_addr *addr)
{
	return command(g, FULLNAT_CMD_DEL_LADDR, "deleting the local address",
		       put_laddr, addr);
}

/* Dumps */

struct dump {
	int attr;			/* the nest of each object */
	const struct lb_service *svc;	/* of the real servers */
	union {
		lb_service_fn svc;
		lb_dest_fn dest;
		lb_laddr_fn laddr;
		lb_conn_fn conn;
	} fn;
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
	} o;
	int ret;

	switch (d->attr) {
	case FULLNAT_A_SERVICE:
		ret = nest ? lb_parse_service(nest, &o.svc) : 0;
		return ret ?: d->fn.svc(nest ? &o.svc : NULL, d->arg);
	case FULLNAT_A_DEST:
		ret = nest ? lb_parse_dest(nest, &o.dest) : 0;
		/* The kernel says it always; lbctl when it differs. */
		if (nest && !ret && o.dest.fwd == d->svc->fwd)
			o.dest.fwd = -1;
		return ret ?: d->fn.dest(nest ? &o.dest : NULL, d->arg);
	case FULLNAT_A_LADDR:
		ret = nest ? lb_parse_laddr(nest, &o.laddr) : 0;
		return ret ?: d->fn.laddr(nest ? &o.laddr : NULL, d->arg);
	case FULLNAT_A_CONN:
		ret = nest ? lb_parse_conn(nest, &o.conn) : 0;
		return ret ?: d->fn.conn(nest ? &o.conn : NULL, d->arg);
	}
	return -EINVAL;
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
		genl_put_fn put, const void *put_arg, struct dump *d)
{
	const struct genl_req req = {
		.cmd = cmd, .dump = true, .what = what,
		.put = put, .put_arg = put_arg,
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

int lb_dump_services(struct genl *g, lb_service_fn fn, void *arg)
{
	struct dump d = { .attr = FULLNAT_A_SERVICE, .fn.svc = fn, .arg = arg };

	return dump(g, FULLNAT_CMD_GET_SERVICE, "listing the services", NULL,
		    NULL, &d);
}

int lb_dump_dests(struct genl *g, const struct lb_service *svc,
		  lb_dest_fn fn, void *arg)
{
	struct dump d = { .attr = FULLNAT_A_DEST, .svc = svc, .fn.dest = fn,
			  .arg = arg };

	return dump(g, FULLNAT_CMD_GET_DEST, "listing the real servers",
		    put_service_key, svc, &d);
}

int lb_dump_laddrs(struct genl *g, lb_laddr_fn fn, void *arg)
{
	struct dump d = { .attr = FULLNAT_A_LADDR, .fn.laddr = fn,
			  .arg = arg };

	return dump(g, FULLNAT_CMD_GET_LADDR, "listing the local addresses",
		    NULL, NULL, &d);
}

int lb_dump_conns(struct genl *g, lb_conn_fn fn, void *arg)
{
	struct dump d = { .attr = FULLNAT_A_CONN, .fn.conn = fn, .arg = arg };

	return dump(g, FULLNAT_CMD_GET_CONN, "listing the connections", NULL,
		    NULL, &d);
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
