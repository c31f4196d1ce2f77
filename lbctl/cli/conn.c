// SPDX-License-Identifier: GPL-2.0
/*
 * "lbctl conn": the connection table, in the manner of "ipvsadm -Lnc".
 */
#include <errno.h>

#include "api.h"
#include "lbctl.h"
#include "output.h"
#include "print.h"

static int read_conns(struct genl *g, void *list)
{
	int ret = lb_dump_conns(g, lb_collect_conn, list);

	/*
	 * A busy table may change under every read: the last one is still
	 * worth seeing, as ipvsadm -Lnc shows whatever /proc gives it.
	 */
	if (ret == -EINTR) {
		lbctl_warn("%s; showing the last read, which may mix two moments",
			   g->msg);
		ret = 0;
	}
	return ret;
}

static void print_list(const void *list)
{
	print_conns(list, NULL);
}

static int conn_show(const struct lbctl *ctx, int argc, char **argv)
{
	struct lb_conn_list list = { 0 };
	int ret;

	ret = show_one(ctx, argc, argv, read_conns, print_list, &list);
	lb_list_free(&list);
	return ret;
}

const struct lbctl_cmd conn_verbs[] = {
	{ .name = "show", .fn = conn_show,
	  .usage = "",
	  .help = "Show the connections (the default verb)" },
	{ .name = NULL },
};
