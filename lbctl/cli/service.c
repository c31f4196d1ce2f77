// SPDX-License-Identifier: GPL-2.0
/*
 * "lbctl service" and "lbctl rs": virtual services and their real servers,
 * in the manner of "ipvsadm -A/-E/-D" and "-a/-e/-d" with ip's words; and
 * "lbctl config", the director's settings, shown in the words that set
 * them; "lbctl laddr", the local addresses (LIPs) of FullNAT, the pool
 * that all services of a director share.
 */
#include <stdio.h>

#include "api.h"
#include "args.h"
#include "fields.h"
#include "lbctl.h"
#include "output.h"

enum { SVC_ADD, SVC_SET, SVC_DEL, RS_ADD, RS_SET, RS_DEL, CFG_SET };

/* What a verb that changes a service (svc_*), a real server (rs_*) or the
 * config (cfg_*) parses and calls. */
static const struct change {
	int (*svc_args)(int argc, char **argv, struct lb_service *svc,
			char *err, size_t errlen);
	int (*svc_call)(struct genl *g, const struct lb_service *svc);
	int (*rs_args)(int argc, char **argv, struct lb_service *svc,
		       struct lb_dest *dest, char *err, size_t errlen);
	int (*rs_call)(struct genl *g, const struct lb_service *svc,
		       const struct lb_dest *dest);
	int (*cfg_args)(int argc, char **argv, struct lb_config *cfg,
			char *err, size_t errlen);
	int (*cfg_call)(struct genl *g, const struct lb_config *cfg);
} changes[] = {
	[SVC_ADD] = { args_service_add, lb_service_add },
	[SVC_SET] = { args_service_set, lb_service_set },
	[SVC_DEL] = { args_service_del, lb_service_del },
	[RS_ADD] = { .rs_args = args_rs_add, .rs_call = lb_dest_add },
	[RS_SET] = { .rs_args = args_rs_set, .rs_call = lb_dest_set },
	[RS_DEL] = { .rs_args = args_rs_del, .rs_call = lb_dest_del },
	[CFG_SET] = { .cfg_args = args_config_set, .cfg_call = lb_config_set },
};

/* Parses the words after the verb; only then opens the socket and calls. */
static int change(const struct lbctl *ctx, int argc, char **argv)
{
	const struct change *c = &changes[ctx->cmd->arg];
	struct lb_service svc;
	struct lb_dest dest;
	struct lb_config cfg;
	char err[256];
	struct genl g;
	int ret;

	if (c->rs_args ? c->rs_args(argc - 1, argv + 1, &svc, &dest, err,
				    sizeof(err)) :
	    c->cfg_args ? c->cfg_args(argc - 1, argv + 1, &cfg, err,
				      sizeof(err)) :
	    c->svc_args(argc - 1, argv + 1, &svc, err, sizeof(err)))
		return lbctl_usage(err);
	ret = lbctl_open(ctx, &g);
	if (ret)
		return ret;
	return lbctl_close(&g, c->rs_call ? c->rs_call(&g, &svc, &dest) :
			   c->cfg_call ? c->cfg_call(&g, &cfg) :
			   c->svc_call(&g, &svc));
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
	{ .name = "add", .fn = change, .arg = SVC_ADD,
	  .usage = "PROTO VIP:PORT",
	  .fields = &lb_service_fields,
	  .help = "Add a virtual service; PROTO is tcp or udp, an IPv6 VIP is\n"
		  "      written [VIP]:PORT; defaults: forward fullnat, scheduler wlc, toa on" },
	{ .name = "set", .fn = change, .arg = SVC_SET,
	  .usage = "PROTO VIP:PORT",
	  .fields = &lb_service_fields, .field_flags = LB_FF_SET,
	  .help = "Change the scheduler, its options or TOA of a service" },
	{ .name = "del", .fn = change, .arg = SVC_DEL, .usage = "PROTO VIP:PORT",
	  .help = "Delete a service and its real servers" },
	{ .name = "show", .fn = service_show,
	  .usage = "[PROTO VIP:PORT]",
	  .help = "Show the services (the default verb), or one, as \"lbctl show\"" },
	{ .name = NULL },
};

const struct lbctl_cmd rs_verbs[] = {
	{ .name = "add", .fn = change, .arg = RS_ADD,
	  .usage = "PROTO VIP:PORT RIP:RPORT",
	  .fields = &lb_dest_fields,
	  .help = "Add a real server to a service (default weight 1)" },
	{ .name = "set", .fn = change, .arg = RS_SET,
	  .usage = "PROTO VIP:PORT RIP:RPORT",
	  .fields = &lb_dest_fields, .field_flags = LB_FF_SET,
	  .help = "Change the weight of a real server (0: no new connections)" },
	{ .name = "del", .fn = change, .arg = RS_DEL,
	  .usage = "PROTO VIP:PORT RIP:RPORT",
	  .help = "Delete a real server from a service" },
	{ .name = NULL },
};

const struct lbctl_cmd config_verbs[] = {
	{ .name = "show", .fn = show_one, .arg = SHOW_CONFIG,
	  .usage = "",
	  .help = "Show the settings (the default verb)" },
	{ .name = "set", .fn = change, .arg = CFG_SET, .usage = "",
	  .fields = &lb_config_fields, .field_flags = LB_FF_SET,
	  .help = "Change the settings given, all or none; STATE is none (a SYN\n"
		  "      not answered yet), syn_recv, established, fin_wait,\n"
		  "      close_wait, last_ack, time_wait or close" },
	{ .name = NULL },
};

/* One address of a range; see lb_range_apply(). */
struct laddr_op {
	struct genl *g;
	bool add;		/* what the command does; !add undoes */
	unsigned int done;	/* addresses changed before the failure */
	char why[sizeof(((struct genl *)0)->msg)];	/* of the failure */
};

static int laddr_one(void *arg, const struct lb_addr *addr, bool add)
{
	struct laddr_op *op = arg;
	char a[INET6_ADDRSTRLEN];
	int ret = add ? lb_laddr_add(op->g, addr) : lb_laddr_del(op->g, addr);

	if (add != op->add) {
		if (ret) {
			format_addr(addr, a, sizeof(a));
			lbctl_warn("%s could not be %s again: %s", a,
				   add ? "added" : "deleted", op->g->msg);
		}
		return ret;
	}
	if (ret)
		snprintf(op->why, sizeof(op->why), "%s", op->g->msg);
	else
		op->done++;
	return ret;
}

/*
 * Adds or deletes each address of the range; if one fails, what this
 * command did is undone, so that a range is applied whole or not at all.
 */
static int laddr_change(const struct lbctl *ctx, int argc, char **argv)
{
	bool add = ctx->cmd->arg;
	struct laddr_op op = { .add = add };
	struct lb_addr_range range;
	struct lb_addr failed;
	unsigned int undo_failed;
	char err[256], a[INET6_ADDRSTRLEN];
	struct genl g;
	int ret;

	if (args_laddr(argc - 1, argv + 1, &range, err, sizeof(err)))
		return lbctl_usage(err);
	ret = lbctl_open(ctx, &g);
	if (ret)
		return ret;
	op.g = &g;
	ret = lb_range_apply(&range, add, laddr_one, &op, &failed,
			     &undo_failed);
	genl_close(&g);
	if (!ret)
		return LBCTL_EXIT_OK;
	if (range.count == 1)
		return lbctl_error(LBCTL_EXIT_FAIL, "%s", op.why);
	format_addr(&failed, a, sizeof(a));
	if (!op.done)
		return lbctl_error(LBCTL_EXIT_FAIL, "%s: %s", a, op.why);
	return lbctl_error(LBCTL_EXIT_FAIL,
			   "%s: %s; the %u %s %s before it %s",
			   a, op.why, op.done,
			   op.done == 1 ? "address" : "addresses",
			   add ? "added" : "deleted",
			   undo_failed ? "could not all be undone (see above)" :
			   add ? "were deleted again" : "were added again");
}

const struct lbctl_cmd laddr_verbs[] = {
	{ .name = "add", .fn = laddr_change, .arg = true,
	  .usage = "ADDR|FIRST-LAST",
	  .help = "Add a local address, or each of a range (all or none)" },
	{ .name = "del", .fn = laddr_change, .arg = false,
	  .usage = "ADDR|FIRST-LAST",
	  .help = "Delete a local address, or each of a range (all or none)" },
	{ .name = "show", .fn = show_one, .arg = SHOW_LADDRS,
	  .usage = "",
	  .help = "Show the local addresses and their ports (the default verb)" },
	{ .name = NULL },
};
