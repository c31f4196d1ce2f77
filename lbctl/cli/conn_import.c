// SPDX-License-Identifier: GPL-2.0
/*
 * "lbctl conn import FILE|-": add each connection of another director's
 * "lbctl -j conn" listing to this director (FULLNAT_CMD_NEW_CONN), for a
 * drain handoff (docs/cluster.md). The listing is read and checked whole
 * before anything is sent (cluster/conn_json.c): a structural error stops
 * it there, an element with a wrong value is skipped (on stderr), TCP
 * connections still in their handshake and templates are left out. Then
 * each connection is its own request, which the kernel applies whole or
 * refuses; an error that is not the connection's (EPERM, ENOSPC,
 * EOPNOTSUPP: a module without the command) stops the rest. The end: how
 * many were added, were there already (the same tuple), were refused
 * (each on stderr with its element's index and the kernel's reason), not
 * tried, skipped and left out. Exit 1 if any was refused or skipped.
 * --warn-max N (before or after FILE) lists only the first N refusals
 * (all by default), as the agent's handoff asks of a peer's lbctl.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
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

/* A listing's element that costs only itself: on stderr. */
static void report_bad(void *arg, const char *err)
{
	(void)arg;
	lbctl_warn("skipped: %s", err);
}

/*
 * An error that is not the connection's own (no privilege, a full table,
 * a module without FULLNAT_CMD_NEW_CONN): the next ones would get it too.
 */
static bool stops_import(int err)
{
	return err == -EPERM || err == -EACCES || err == -ENOSPC ||
	       err == -EOPNOTSUPP || err == -ENOMEM;
}

int conn_import_parse(const char *text, size_t len, const char *name,
		      struct conns_read *r)
{
	char err[512];

	memset(r, 0, sizeof(*r));
	r->report = report_bad;
	if (conns_parse(text, len, name, r, err, sizeof(err)))
		return lbctl_error(LBCTL_EXIT_USAGE, "%s", err);
	return 0;
}

void conn_import_send(struct genl *g, const struct conns_read *r,
		      size_t warn_max, struct conn_import_counts *n)
{
	char a[2][LB_ADDRPORT_STRLEN];
	bool stopped = false;
	size_t i;
	int ret;

	memset(n, 0, sizeof(*n));
	for (i = 0; i < r->conns.n && !stopped; i++) {
		const struct lb_conn *c = &r->conns.v[i].c;

		ret = lb_conn_add(g, c);
		if (!ret) {
			n->added++;
			continue;
		}
		if (ret == -EEXIST) {
			n->present++;
			continue;
		}
		stopped = stops_import(ret);
		if (n->refused++ == warn_max)
			lbctl_warn("more connections refused: not listed");
		if (n->refused > warn_max && !stopped)
			continue;
		lbctl_warn("[%zu] %s %s -> %s: %s%s", r->conns.v[i].index,
			   proto_name(c->proto),
			   lb_addrport_str(&c->client.addr, c->client.port,
					   a[0], sizeof(a[0])),
			   lb_addrport_str(&c->vip.addr, c->vip.port,
					   a[1], sizeof(a[1])), g->msg,
			   stopped ? "; the rest not tried" : "");
	}
	n->not_tried = r->conns.n - i;
}

int cmd_conn_import(const struct lbctl *ctx, int argc, char **argv)
{
	struct conn_import_counts n;
	size_t len, warn_max = SIZE_MAX;
	const char *path = NULL;
	struct conns_read r;
	struct genl g;
	uint32_t max;
	char *text, err[LB_REASON_MAX];
	int ret, i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--warn-max")) {
			/* The agent's handoff over ssh keeps its log short. */
			if (i + 1 == argc)
				return lbctl_usage("option \"--warn-max\" needs a number");
			if (parse_u32(argv[++i], "--warn-max", 0, UINT32_MAX,
				      &max, err, sizeof(err)))
				return lbctl_usage(err);
			warn_max = max;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return lbctl_error(LBCTL_EXIT_USAGE,
					   "argument \"%s\" is wrong: \"conn import\" takes [--warn-max N] and one FILE, or - for stdin (a FILE beginning with - as ./-FILE)",
					   argv[i]);
		} else if (path) {
			return lbctl_error(LBCTL_EXIT_USAGE,
					   "argument \"%s\" is wrong: only one FILE may be given",
					   argv[i]);
		} else {
			path = argv[i];
		}
	}
	if (!path)
		return lbctl_usage("argument \"FILE\" is required (- for stdin)");
	ret = read_listing(path, &text, &len);
	if (ret)
		return ret;
	ret = conn_import_parse(text, len, strcmp(path, "-") ? path : "stdin",
				&r);
	free(text);
	if (ret)
		return ret;
	ret = lbctl_open(ctx, &g);
	if (ret) {
		lb_list_free(&r.conns);
		return ret;
	}
	conn_import_send(&g, &r, warn_max, &n);
	genl_close(&g);
	out_init(ctx->json);
	out_uint("added", "%llu added", n.added);
	out_uint("present", ", %llu already present", n.present);
	out_uint("refused", ", %llu refused", n.refused);
	out_uint("not_tried", ", %llu not tried", n.not_tried);
	out_uint("skipped", ", %llu skipped", r.bad);
	out_uint("half_open", ", %llu half-open", r.half_open);
	out_uint("templates", ", %llu templates left out\n", r.templates);
	lb_list_free(&r.conns);
	ret = out_finish();
	return ret ?: n.refused || r.bad ? LBCTL_EXIT_FAIL : LBCTL_EXIT_OK;
}
