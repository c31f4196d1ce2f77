// SPDX-License-Identifier: GPL-2.0
/*
 * "lbctl conn": the connection table. show (show.c), import
 * (conn_import.c), and here del and flush: delete connections now, those
 * a filter names or every one (FULLNAT_CMD_DEL_CONN), as conntrack -D and
 * -F do, and say how many went.
 */
#include <stdint.h>
#include <string.h>

#include "api.h"
#include "args.h"
#include "genl.h"
#include "lbctl.h"
#include "output.h"

/* Delete what f names (all if nothing) and print how many went. */
static int conn_del(const struct lbctl *ctx, const struct lb_conn_filter *f)
{
	uint32_t deleted = 0;
	struct genl g;
	int ret;

	ret = lbctl_open(ctx, &g);
	if (ret)
		return ret;
	ret = lbctl_close(&g, lb_conn_del(&g, f, &deleted));
	if (ret)
		return ret;
	out_init(ctx->json);
	out_uint("deleted", "%llu deleted\n", deleted);
	return out_finish();
}

static int cmd_conn_del(const struct lbctl *ctx, int argc, char **argv)
{
	struct lb_conn_filter f;
	char err[256];

	if (args_conn_del(argc - 1, argv + 1, &f, err, sizeof(err)))
		return lbctl_usage(err);
	return conn_del(ctx, &f);
}

static int cmd_conn_flush(const struct lbctl *ctx, int argc, char **argv)
{
	struct lb_conn_filter f;
	int ret = lbctl_no_args(argc, argv);

	if (ret)
		return ret;
	memset(&f, 0, sizeof(f));
	return conn_del(ctx, &f);
}

const struct lbctl_cmd conn_verbs[] = {
	{ .name = "show", .fn = show_one, .arg = SHOW_CONNS,
	  .usage = "",
	  .help = "Show the connections and persistence templates (the default verb)" },
	{ .name = "import", .fn = cmd_conn_import, .usage = "[--warn-max N] FILE|-",
	  .help = "Add the connections of another director's \"lbctl -j conn\" listing (drain handoff)" },
	{ .name = "del", .fn = cmd_conn_del,
	  .usage = "[PROTO VIP:PORT] [rs RIP:RPORT] [client CIP:CPORT]",
	  .help = "Delete now the connections of a service, of a real server or\n"
		  "      both, or one client's (with its service); prints how many" },
	{ .name = "flush", .fn = cmd_conn_flush, .usage = "",
	  .help = "Delete every connection now; prints how many" },
	{ .name = NULL },
};
