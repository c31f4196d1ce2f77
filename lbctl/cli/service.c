// SPDX-License-Identifier: GPL-2.0
/*
 * "lbctl service" and "lbctl rs": virtual services and their real servers,
 * in the manner of "ipvsadm -A/-E/-D" and "-a/-e/-d" with ip's words.
 */
#include "api.h"
#include "args.h"
#include "fields.h"
#include "lbctl.h"

typedef int (*service_args_fn)(int argc, char **argv, struct lb_service *svc,
			       char *err, size_t errlen);
typedef int (*service_call_fn)(struct genl *g, const struct lb_service *svc);

/* Parses the words after the verb; only then opens the socket and calls. */
static int service_do(const struct lbctl *ctx, int argc, char **argv,
		      service_args_fn parse, service_call_fn call)
{
	struct lb_service svc;
	char err[256];
	struct genl g;
	int ret;

	if (parse(argc - 1, argv + 1, &svc, err, sizeof(err)))
		return lbctl_usage(err);
	ret = lbctl_open(ctx, &g);
	if (ret)
		return ret;
	return lbctl_close(&g, call(&g, &svc));
}

static int service_add(const struct lbctl *ctx, int argc, char **argv)
{
	return service_do(ctx, argc, argv, args_service_add, lb_service_add);
}

static int service_set(const struct lbctl *ctx, int argc, char **argv)
{
	return service_do(ctx, argc, argv, args_service_set, lb_service_set);
}

static int service_del(const struct lbctl *ctx, int argc, char **argv)
{
	return service_do(ctx, argc, argv, args_service_del, lb_service_del);
}

static int service_show(const struct lbctl *ctx, int argc, char **argv)
{
	struct lb_service svc;
	char err[256];

	if (args_service_show(argc - 1, argv + 1, &svc, err, sizeof(err)))
		return lbctl_usage(err);
	return show_director(ctx, svc.port ? &svc : NULL, LB_VIEW_CONNS);
}

const struct lbctl_cmd service_verbs[] = {
	{ .name = "add", .fn = service_add, .usage = "PROTO VIP:PORT",
	  .fields = &lb_service_fields,
	  .help = "Add a virtual service; PROTO is tcp or udp, an IPv6 VIP is\n"
		  "      written [VIP]:PORT; defaults: forward fullnat, scheduler wlc, toa on" },
	{ .name = "set", .fn = service_set, .usage = "PROTO VIP:PORT",
	  .fields = &lb_service_fields, .field_flags = LB_FF_SET,
	  .help = "Change the scheduler or TOA of a service" },
	{ .name = "del", .fn = service_del,
	  .usage = "PROTO VIP:PORT",
	  .help = "Delete a service and its real servers" },
	{ .name = "show", .fn = service_show,
	  .usage = "[PROTO VIP:PORT]",
	  .help = "Show the services (the default verb), or one, as \"lbctl show\"" },
	{ .name = NULL },
};

typedef int (*rs_args_fn)(int argc, char **argv, struct lb_service *svc,
			  struct lb_dest *dest, char *err, size_t errlen);
typedef int (*rs_call_fn)(struct genl *g, const struct lb_service *svc,
			  const struct lb_dest *dest);

static int rs_do(const struct lbctl *ctx, int argc, char **argv,
		 rs_args_fn parse, rs_call_fn call)
{
	struct lb_service svc;
	struct lb_dest dest;
	char err[256];
	struct genl g;
	int ret;

	if (parse(argc - 1, argv + 1, &svc, &dest, err, sizeof(err)))
		return lbctl_usage(err);
	ret = lbctl_open(ctx, &g);
	if (ret)
		return ret;
	return lbctl_close(&g, call(&g, &svc, &dest));
}

static int rs_add(const struct lbctl *ctx, int argc, char **argv)
{
	return rs_do(ctx, argc, argv, args_rs_add, lb_dest_add);
}

static int rs_set(const struct lbctl *ctx, int argc, char **argv)
{
	return rs_do(ctx, argc, argv, args_rs_set, lb_dest_set);
}

static int rs_del(const struct lbctl *ctx, int argc, char **argv)
{
	return rs_do(ctx, argc, argv, args_rs_del, lb_dest_del);
}

const struct lbctl_cmd rs_verbs[] = {
	{ .name = "add", .fn = rs_add, .usage = "PROTO VIP:PORT RIP:RPORT",
	  .fields = &lb_dest_fields,
	  .help = "Add a real server to a service (default weight 1)" },
	{ .name = "set", .fn = rs_set, .usage = "PROTO VIP:PORT RIP:RPORT",
	  .fields = &lb_dest_fields, .field_flags = LB_FF_SET,
	  .help = "Change the weight of a real server (0: no new connections)" },
	{ .name = "del", .fn = rs_del,
	  .usage = "PROTO VIP:PORT RIP:RPORT",
	  .help = "Delete a real server from a service" },
	{ .name = NULL },
};
