// SPDX-License-Identifier: GPL-2.0
/*
 * "lbctl laddr": the local addresses (LIPs) of FullNAT, the pool that all
 * services of a director share.
 */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "args.h"
#include "genl.h"
#include "lbctl.h"
#include "output.h"
#include "print.h"

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
	int ret;

	ret = add ? lb_laddr_add(op->g, addr) : lb_laddr_del(op->g, addr);
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
