// SPDX-License-Identifier: GPL-2.0
/*
 * "lbctl version": lbctl's own version, and the module's when it is loaded.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <linux/fullnat.h>

#include "api.h"
#include "lbctl.h"
#include "output.h"

#ifndef LBCTL_VERSION
#error "LBCTL_VERSION must be defined (the Makefile takes it from VERSION)"
#endif

/* One list of what the module can do: "  protocols: tcp udp". */
static void caps_open(const char *key)
{
	out_open_array(key);
	out_text("  %s:", key);
}

static void caps_close(void)
{
	out_text("\n");
	out_close();
}

/* What the module can do, as GET_INFO says it (none: an older module). */
static void print_caps(const struct lb_info *info)
{
	char num[16];
	unsigned int i;

	if (!info->has_caps)
		return;
	caps_open("forward");
	for (i = LB_FWD_FULLNAT; i <= LB_FWD_TUN; i++)
		if (info->forwards & 1u << i)
			out_str(NULL, " %s", fwd_name((enum lb_fwd)i));
	caps_close();
	caps_open("protocols");
	for (i = 0; i < info->n_protocols; i++) {
		snprintf(num, sizeof(num), "%u", info->protocols[i]);
		out_str(NULL, " %s", info->protocols[i] == IPPROTO_TCP ? "tcp" :
			info->protocols[i] == IPPROTO_UDP ? "udp" : num);
	}
	caps_close();
	caps_open("families");
	for (i = 0; i < info->n_families; i++) {
		snprintf(num, sizeof(num), "%u", info->families[i]);
		out_str(NULL, " %s", info->families[i] == AF_INET ? "ipv4" :
			info->families[i] == AF_INET6 ? "ipv6" : num);
	}
	caps_close();
	caps_open("schedulers");
	for (i = 0; i < info->n_scheds; i++)
		out_str(NULL, " %s", info->scheds[i]);
	caps_close();
}

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
		print_caps(&info);
		out_close();
	}
	code = out_finish();
	/* A module that is not there has no version: that is an answer. */
	if (ret && !not_loaded)
		return lbctl_error(LBCTL_EXIT_FAIL, "%s", g.msg);
	return code;
}
