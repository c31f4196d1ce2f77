// SPDX-License-Identifier: GPL-2.0
/*
 * "lbctl config": the director's settings, shown in the words that set
 * them.
 */
#include "api.h"
#include "args.h"
#include "fields.h"
#include "lbctl.h"
#include "print.h"

static int config_set(const struct lbctl *ctx, int argc, char **argv)
{
	struct lb_config cfg;
	char err[256];
	struct genl g;
	int ret;

	if (args_config_set(argc - 1, argv + 1, &cfg, err, sizeof(err)))
		return lbctl_usage(err);
	ret = lbctl_open(ctx, &g);
	if (ret)
		return ret;
	return lbctl_close(&g, lb_config_set(&g, &cfg));
}

const struct lbctl_cmd config_verbs[] = {
	{ .name = "show", .fn = show_one, .arg = SHOW_CONFIG,
	  .usage = "",
	  .help = "Show the settings (the default verb)" },
	{ .name = "set", .fn = config_set, .usage = "",
	  .fields = &lb_config_fields, .field_flags = LB_FF_SET,
	  .help = "Change the settings given, all or none; STATE is none (a SYN\n"
		  "      not answered yet), syn_recv, established, fin_wait,\n"
		  "      close_wait, last_ack, time_wait or close" },
	{ .name = NULL },
};
