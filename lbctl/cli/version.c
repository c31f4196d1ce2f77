// SPDX-License-Identifier: GPL-2.0
/*
 * "lbctl version": lbctl's own version, and the module's when it is loaded.
 */
#include <errno.h>
#include <stddef.h>

#include <linux/fullnat.h>

#include "api.h"
#include "lbctl.h"
#include "output.h"

#ifndef LBCTL_VERSION
#error "LBCTL_VERSION must be defined (the Makefile takes it from VERSION)"
#endif

int cmd_version(const struct lbctl *ctx, int argc, char **argv)
{
	bool not_loaded = false;
	struct lb_info info;
	struct genl g;
	int ret, code;

	ret = lbctl_no_args(argc, argv);
	if (ret)
		return ret;
	ret = genl_open(&g, ctx->netns);
	if (!ret) {
		ret = genl_resolve(&g);
		not_loaded = ret == -ENOENT;
	}
	if (!ret)
		ret = lb_info_get(&g, &info);
	genl_close(&g);

	out_init(ctx->json);
	out_str("version", "lbctl %s\n", LBCTL_VERSION);
	out_uint("abi", NULL, FULLNAT_GENL_VERSION);
	if (ret) {
		out_null("module", not_loaded ? "fullnat.ko is not loaded\n" :
			 NULL);
	} else {
		out_open_object("module");
		out_str("version", "fullnat.ko %s", info.version);
		out_uint("abi", " (ABI %llu)\n", info.abi);
		out_close();
	}
	code = out_finish();
	/* A module that is not there has no version: that is an answer. */
	if (ret && !not_loaded)
		return lbctl_error(LBCTL_EXIT_FAIL, "%s", g.msg);
	return code;
}
