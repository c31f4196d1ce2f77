// SPDX-License-Identifier: GPL-2.0
/*
 * "lbctl conn import FILE|-": add each connection of another director's
 * "lbctl -j conn" listing to this director (FULLNAT_CMD_NEW_CONN), for a
 * drain handoff (docs/cluster.md). The listing is read and checked whole
 * before anything is sent (cluster/conn_json.c); then each connection is
 * its own request, which the kernel applies whole or refuses. The end:
 * how many were added, were there already (the same tuple: a second
 * import, or the peer's own), and were refused, each refusal on stderr
 * with the kernel's reason. Exit 1 if any was refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "conn_json.h"
#include "genl.h"
#include "lbctl.h"
#include "output.h"
#include "parse.h"
#include "util.h"

/* A listing of a million connections is about 300 MB of JSON. */
#define CONN_FILE_MAX	(512u << 20)

static int read_listing(const char *path, char **text, size_t *len)
{
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) :
		 STDIN_FILENO;
	int ret;

	if (fd < 0)
		return lbctl_error(LBCTL_EXIT_USAGE, "cannot open %s: %s",
				   path, strerror(errno));
	ret = lb_read_all(fd, CONN_FILE_MAX, text, len);
	if (fd != STDIN_FILENO)
		close(fd);
	if (ret)
		return lbctl_error(LBCTL_EXIT_USAGE, "cannot read %s: %s", path,
				   ret == -EFBIG ? "too large" : strerror(-ret));
	return 0;
}

static int cmd_conn_import(const struct lbctl *ctx, int argc, char **argv)
{
	unsigned long added = 0, present = 0, refused = 0;
	char err[512], a[2][LB_ADDRPORT_STRLEN];
	struct lb_conn_list conns;
	size_t len, templates, i;
	struct genl g;
	char *text;
	int ret;

	if (argc != 2)
		return lbctl_usage("conn import takes one FILE, or - for stdin");
	ret = read_listing(argv[1], &text, &len);
	if (ret)
		return ret;
	ret = conns_parse(text, len, strcmp(argv[1], "-") ? argv[1] : "stdin",
			  &conns, &templates, err, sizeof(err));
	free(text);
	if (ret)
		return lbctl_error(LBCTL_EXIT_USAGE, "%s", err);
	ret = lbctl_open(ctx, &g);
	if (ret) {
		lb_list_free(&conns);
		return ret;
	}
	for (i = 0; i < conns.n; i++) {
		const struct lb_conn *c = &conns.v[i];

		ret = lb_conn_add(&g, c);
		if (!ret) {
			added++;
		} else if (ret == -EEXIST) {
			present++;
		} else {
			refused++;
			lbctl_warn("[%zu] %s %s -> %s: %s", i, proto_name(c->proto),
				   lb_addrport_str(&c->client.addr, c->client.port,
						   a[0], sizeof(a[0])),
				   lb_addrport_str(&c->vip.addr, c->vip.port,
						   a[1], sizeof(a[1])), g.msg);
		}
	}
	genl_close(&g);
	lb_list_free(&conns);
	out_init(ctx->json);
	out_uint("added", "%llu added", added);
	out_uint("present", ", %llu already present", present);
	out_uint("refused", ", %llu refused", refused);
	out_uint("templates", ", %llu templates left out\n", templates);
	ret = out_finish();
	return ret ?: refused ? LBCTL_EXIT_FAIL : LBCTL_EXIT_OK;
}

const struct lbctl_cmd conn_verbs[] = {
	{ .name = "show", .fn = show_one, .arg = SHOW_CONNS,
	  .usage = "",
	  .help = "Show the connections and persistence templates (the default verb)" },
	{ .name = "import", .fn = cmd_conn_import, .usage = "FILE|-",
	  .help = "Add the connections of another director's \"lbctl -j conn\" listing (drain handoff)" },
	{ .name = NULL },
};
