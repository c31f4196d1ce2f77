// SPDX-License-Identifier: GPL-2.0
/*
 * "lbctl show", the director in the manner of "ipvsadm -Ln", and "lbctl
 * stats", its counters.
 */
#include "api.h"
#include "args.h"
#include "lbctl.h"
#include "output.h"
#include "print.h"

int show_director(const struct lbctl *ctx, const struct lb_service *only,
		  bool stats)
{
	struct lb_snapshot snap;
	struct genl g;
	int ret;

	ret = lbctl_open(ctx, &g);
	if (ret)
		return ret;
	/* The text has its own commands for these: "config", "laddr". */
	ret = lb_snapshot_read(&g, &snap, only, ctx->json ?
			       LB_SNAP_CONFIG | LB_SNAP_LADDRS : 0);
	ret = lbctl_close(&g, ret);
	if (ret)
		return ret;
	out_init(ctx->json);
	print_show(&snap, stats);
	lb_snapshot_free(&snap);
	return out_finish();
}

int cmd_show(const struct lbctl *ctx, int argc, char **argv)
{
	char err[256];
	bool stats;

	if (args_show(argc - 1, argv + 1, &stats, err, sizeof(err)))
		return lbctl_usage(err);
	return show_director(ctx, NULL, stats);
}

int show_one(const struct lbctl *ctx, int argc, char **argv,
	     int (*read)(struct genl *g, void *obj),
	     void (*print)(const void *obj), void *obj)
{
	struct genl g;
	int ret;

	ret = lbctl_no_args(argc, argv);
	if (!ret)
		ret = lbctl_open(ctx, &g);
	if (ret)
		return ret;
	ret = lbctl_close(&g, read(&g, obj));
	if (ret)
		return ret;
	out_init(ctx->json);
	print(obj);
	return out_finish();
}

static int read_info(struct genl *g, void *info)
{
	return lb_info_get(g, info);
}

static void print_info_counters(const void *info)
{
	print_counters(info, NULL);
}

int cmd_stats(const struct lbctl *ctx, int argc, char **argv)
{
	struct lb_info info;

	return show_one(ctx, argc, argv, read_info, print_info_counters,
			&info);
}
