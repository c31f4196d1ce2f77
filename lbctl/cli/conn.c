// SPDX-License-Identifier: GPL-2.0
/*
 * "lbctl conn": the connection table, in the manner of "ipvsadm -Lnc".
 */
#include "lbctl.h"

const struct lbctl_cmd conn_verbs[] = {
	{ .name = "show", .fn = show_one, .arg = SHOW_CONNS,
	  .usage = "",
	  .help = "Show the connections (the default verb)" },
	{ .name = NULL },
};
