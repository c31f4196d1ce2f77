// SPDX-License-Identifier: GPL-2.0
/*
 * "lbctl show", the director in the manner of "ipvsadm -Ln", or every
 * director of a cluster file; "lbctl export", the director as a cluster
 * file; "lbctl stats", its counters; and "lbctl conn", the connection
 * table in the manner of "ipvsadm -Lnc".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "api.h"
#include "args.h"
#include "director.h"
#include "lbctl.h"
#include "output.h"
#include "print.h"
#include "util.h"

/*
 * The director of netns through g, closed again: a snapshot (with its
 * config and local addresses for JSON and export), or for --rate two, a
 * second apart, and the rates.
 */
static int open_read(const char *netns, const struct lb_service *only,
		     enum lb_view view, unsigned int flags,
		     struct lb_snapshot *snap, struct genl *g)
{
	struct lb_snapshot before;
	int ret;

	ret = genl_attach(g, netns) ?: lb_snapshot_read(g, snap, only, flags);
	if (!ret && view == LB_VIEW_RATE) {
		before = *snap;
		sleep(1);
		ret = lb_snapshot_read(g, snap, only, flags);
		if (!ret)
			lb_svc_list_rate(&snap->services, &before.services,
					 1.0);
		lb_snapshot_free(&before);
	}
	genl_close(g);
	return ret;
}

int show_director(const struct lbctl *ctx, const struct lb_service *only,
		  enum lb_view view)
{
	struct lb_snapshot snap;
	struct genl g;

	/* The text has its own commands for these: "config", "laddr". */
	if (open_read(ctx->netns, only, view, ctx->json ?
		      LB_SNAP_CONFIG | LB_SNAP_LADDRS : 0, &snap, &g))
		return lbctl_error(LBCTL_EXIT_FAIL, "%s", g.msg);
	out_init(ctx->json);
	print_show(&snap, view);
	lb_snapshot_free(&snap);
	return out_finish();
}

/* A director of another host, as its own lbctl shows it. */
static int show_remote(const struct lbctl *ctx, const struct lb_director *d,
		       enum lb_view view)
{
	char *words[8], *out = NULL;
	json_t *doc = NULL;
	size_t n = 0;
	int ret;

	words[n++] = "lbctl";
	if (ctx->json)
		words[n++] = "-j";
	if (d->netns) {
		words[n++] = "-n";
		words[n++] = d->netns;
	}
	words[n++] = "show";
	if (view != LB_VIEW_CONNS)
		words[n++] = view == LB_VIEW_STATS ? "--stats" : "--rate";
	words[n] = NULL;
	ret = director_ssh(d, words, NULL, 0, ctx->json ? &out : NULL);
	if (ret == 0 && ctx->json) {
		doc = json_loads(out, 0, NULL);
		if (!doc || !json_is_object(doc))
			ret = -EPROTO;
	}
	if (!ret && doc)
		out_json_merge(doc);
	json_decref(doc);
	free(out);
	if (ret < 0)
		return lbctl_error(LBCTL_EXIT_FAIL, "%s: %s", d->name,
				   ret == -EPROTO ?
				   "the remote lbctl printed no JSON object" :
				   strerror(-ret));
	if (ret)
		return lbctl_error(LBCTL_EXIT_FAIL,
				   "%s: \"lbctl show\" over ssh %s exited with status %d",
				   d->name, d->ssh, ret);
	return LBCTL_EXIT_OK;
}

/* "netns lb1", "ssh root@host", "this host" */
static const char *director_where(const struct lb_director *d, char *buf,
				  size_t len)
{
	if (d->ssh && d->netns)
		snprintf(buf, len, "ssh %s, netns %s", d->ssh, d->netns);
	else if (d->ssh)
		snprintf(buf, len, "ssh %s", d->ssh);
	else if (d->netns)
		snprintf(buf, len, "netns %s", d->netns);
	else
		snprintf(buf, len, "this host");
	return buf;
}

/* "lbctl show FILE": each director of a cluster file. */
static int show_cluster(const struct lbctl *ctx, const struct lb_run *run,
			enum lb_view view)
{
	const struct lb_director *only, *d;
	struct lb_snapshot snap;
	struct cluster_file f;
	char where[320];
	struct genl g;
	size_t i;
	int ret, code = LBCTL_EXIT_OK;

	if (ctx->netns)
		return lbctl_usage("\"show FILE\" finds each director's namespace in the file: -n is not for it");
	ret = cluster_load(run->file, &f) ?:
	      cluster_select(&f, run->director, &only);
	if (ret)
		return ret;
	out_init(ctx->json);
	out_open_array("directors");
	for (i = 0; i < f.cluster.directors.n; i++) {
		d = &f.cluster.directors.v[i];
		if (only && d != only)
			continue;
		out_open_object(NULL);
		out_text("%sdirector ", i && !only ? "\n" : "");
		out_str("name", "%s", d->name);
		out_text(" (%s)\n", director_where(d, where, sizeof(where)));
		if (d->netns)
			out_str("netns", NULL, d->netns);
		if (d->ssh) {
			out_str("ssh", NULL, d->ssh);
			ret = show_remote(ctx, d, view);
		} else if (open_read(d->netns, NULL, view, ctx->json ?
				     LB_SNAP_CONFIG | LB_SNAP_LADDRS : 0,
				     &snap, &g)) {
			out_str("error", NULL, g.msg);
			ret = lbctl_error(LBCTL_EXIT_FAIL, "%s: %s", d->name,
					  g.msg);
		} else {
			print_show(&snap, view);
			lb_snapshot_free(&snap);
		}
		if (ret)
			code = ret;
		ret = 0;
		out_close();
	}
	out_close();
	cluster_unload(&f);
	ret = out_finish();
	return code ?: ret;
}

int cmd_show(const struct lbctl *ctx, int argc, char **argv)
{
	enum lb_view view;
	struct lb_run run;
	char err[256];

	if (args_show(argc - 1, argv + 1, &run, err, sizeof(err)))
		return lbctl_usage(err);
	view = run.stats ? LB_VIEW_STATS : run.rate ? LB_VIEW_RATE :
	       LB_VIEW_CONNS;
	if (run.file)
		return show_cluster(ctx, &run, view);
	return show_director(ctx, NULL, view);
}

/* The name export gives the director: its namespace's, or the host's. */
static void export_name(const struct lbctl *ctx, char *name, size_t len)
{
	size_t i;

	if (ctx->netns)
		snprintf(name, len, "%s", ctx->netns);
	else if (gethostname(name, len) || !name[0])
		snprintf(name, len, "local");
	name[len - 1] = '\0';
	/* A director name has fewer characters than either. */
	for (i = 0; name[i]; i++)
		if (!lb_name_char(name[i]))
			name[i] = '_';
}

int cmd_export(const struct lbctl *ctx, int argc, char **argv)
{
	char name[LB_DIRECTOR_NAME_MAX], err[256];
	struct lb_snapshot snap;
	struct lb_run run;
	struct genl g;

	if (args_export(argc - 1, argv + 1, &run, err, sizeof(err)))
		return lbctl_usage(err);
	if (run.director && strlen(run.director) >= sizeof(name))
		return lbctl_error(LBCTL_EXIT_USAGE,
				   "a director name is 1 to %d characters",
				   LB_DIRECTOR_NAME_MAX - 1);
	if (run.director)
		snprintf(name, sizeof(name), "%s", run.director);
	else
		export_name(ctx, name, sizeof(name));
	if (open_read(ctx->netns, NULL, LB_VIEW_CONNS,
		      LB_SNAP_CONFIG | LB_SNAP_LADDRS, &snap, &g))
		return lbctl_error(LBCTL_EXIT_FAIL, "%s", g.msg);
	out_init(true);
	print_cluster(&snap, name, ctx->netns);
	lb_snapshot_free(&snap);
	return out_finish();
}

/* What show_conns() has printed, and for a handoff what it left out. */
struct shown {
	unsigned long n;
	struct conns_left_out *handoff;		/* NULL: all printed */
};

/* lb_dump_conns()'s fn: prints each; never starts over (see below). */
static int show_conn(const void *conn, void *arg)
{
	struct shown *s = arg;

	if (!conn)
		return -EINTR;
	if (s->handoff && !lb_conn_open(conn)) {
		s->handoff->over++;
		return 0;
	}
	if (s->handoff && lb_conn_xlat(conn)) {
		s->handoff->xlat++;
		return 0;
	}
	if (!s->n++)
		print_conns_head();
	print_conn(conn);
	return 0;
}

/* The same for lb_dump_templates(): rows after the connections'. */
static int show_template(const void *tmpl, void *arg)
{
	struct shown *s = arg;

	if (!tmpl)
		return -EINTR;
	if (!s->n++)
		print_conns_head();
	print_template(tmpl);
	return 0;
}

/*
 * The connections, then the persistence templates, as ipvsadm -Lnc lists
 * IPVS's among them. -EINTR: one changed under the read (g->msg says
 * which); the other is still shown.
 */
static int show_conns(struct genl *g, struct shown *shown)
{
	char intr[sizeof(g->msg)] = "";
	int ret;

	ret = lb_dump_conns(g, show_conn, shown);
	if (ret == -EINTR) {
		snprintf(intr, sizeof(intr), "%s", g->msg);
		ret = 0;
	}
	if (!ret)
		ret = lb_dump_templates(g, show_template, shown);
	/* A module older than templates has none to show. */
	if (ret == -EOPNOTSUPP)
		ret = 0;
	if (!ret && intr[0]) {
		snprintf(g->msg, sizeof(g->msg), "%s", intr);
		ret = -EINTR;
	}
	return ret;
}

/*
 * As they come, in text and JSON: a table of millions is never held. A
 * busy table may change under the read; it is not read again (what was
 * printed stays printed), and ipvsadm -Lnc shows whatever /proc gives it
 * too.
 */
int show_conns_to(struct genl *g, bool json, struct conns_left_out *handoff,
		  FILE *f)
{
	struct shown shown = { .handoff = handoff };
	int ret;

	out_init_file(json, f);
	out_stream();
	ret = show_conns(g, &shown);
	if (ret == -EINTR) {
		lbctl_warn("%s; some entries may be missing or shown twice",
			   g->msg);
		ret = 0;
	}
	if (!ret && !shown.n)
		print_conns_head();
	out_close();
	return ret;
}

/*
 * Text only, after the settings, as a comment: the ports FullNAT really
 * takes, port_range less the namespace's ip_local_port_range, which
 * fullnat.ko leaves to the local sockets (fullnat/laddr.c). Nothing when
 * the sysctl cannot be read: the settings are the answer.
 */
static void print_fullnat_ports(const char *netns, const struct lb_config *c)
{
	unsigned int lo, hi, n = 0;
	int back = -1, got;
	FILE *f;

	if (netns && netns_enter(netns, &back))
		return;
	f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
	if (back >= 0 && netns_leave(back) && f) {
		fclose(f);
		return;
	}
	if (!f)
		return;
	got = fscanf(f, "%u %u", &lo, &hi);
	fclose(f);
	if (got != 2)
		return;
	out_text("# FullNAT's ports:");
	if (c->port_min < lo) {
		out_text(" %u-%u", c->port_min,
			 c->port_max < lo ? c->port_max : lo - 1);
		n++;
	}
	if (c->port_max > hi) {
		out_text(" %u-%u", c->port_min > hi ? c->port_min : hi + 1,
			 c->port_max);
		n++;
	}
	out_text("%s (port_range less ip_local_port_range %u-%u)\n",
		 n ? "" : " none", lo, hi);
}

int show_one(const struct lbctl *ctx, int argc, char **argv)
{
	union {
		struct lb_config cfg;
		struct lb_laddr_list laddrs;
		struct lb_info info;
	} o;
	struct genl g;
	int ret;

	memset(&o, 0, sizeof(o));
	ret = lbctl_no_args(argc, argv) ?: lbctl_open(ctx, &g);
	if (ret)
		return ret;
	/*
	 * Text prints as it comes: nothing does before the read is whole,
	 * but the connections (show_conns_to()).
	 */
	if (ctx->cmd->arg == SHOW_CONNS)
		return lbctl_close(&g, show_conns_to(&g, ctx->json, NULL, stdout)) ?:
		       out_finish();
	out_init(ctx->json);
	switch (ctx->cmd->arg) {
	case SHOW_CONFIG:
		ret = lb_config_get(&g, &o.cfg);
		if (!ret) {
			print_config(&o.cfg, NULL);
			print_fullnat_ports(ctx->netns, &o.cfg);
		}
		break;
	case SHOW_LADDRS:
		ret = lb_dump_laddrs(&g, lb_collect_laddr, &o.laddrs);
		if (!ret)
			print_laddrs(&o.laddrs, NULL);
		lb_list_free(&o.laddrs);
		break;
	default:
		ret = lb_info_get(&g, &o.info);
		if (!ret)
			print_counters(&o.info, NULL);
	}
	return lbctl_close(&g, ret) ?: out_finish();
}
