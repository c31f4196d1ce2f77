// SPDX-License-Identifier: GPL-2.0
/*
 * The drain handoff (docs/cluster.md, "Draining without breaking
 * connections"): the agent of a director whose file entry has
 * "drain_handoff": true copies, when it drains, its connections into
 * every other director of the file, once before it withdraws its routes
 * and once after (for the connections opened meanwhile). When the router
 * then moves a connection's client packets to one of them (the ECMP
 * rehash of the withdrawal), that one has it, as an imported connection:
 * it sends the client's packets on with this director's LIP, and this
 * director, still up, carries the replies until the connection ends.
 *
 * The listing is what "lbctl -j conn" prints (show_conns_to(), the same
 * code), read back by the parser of "lbctl conn import". Each peer is
 * reached as "lbctl apply" reaches a director, but from the agent's host:
 * one there (no "ssh", or the agent's own director's "ssh") through its
 * namespace, its "netns" (none: the namespace the agent started in), and
 * one elsewhere through director_ssh() (BatchMode, ConnectTimeout and
 * keepalives, each word quoted for the remote shell), where its own
 * lbctl imports the listing from its standard input: "lbctl [-n NETNS]
 * conn import -". The file guarantees that every peer is one of the two
 * (cluster.c, check_handoff()). Peers are done one after the other; one
 * that cannot be reached or refuses is logged, at most once per copy (two
 * per drain), with at most HANDOFF_WARN_MAX of its refusals, and passed
 * over: a peer never stops the drain, and delays it by ssh's timeouts at
 * most.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "conn_json.h"
#include "lbctl.h"
#include "output.h"

/* A peer's refused connections listed in the agent's log, each copy. */
#define HANDOFF_WARN_MAX	10

/* The connections of a's director as "lbctl -j conn" prints them. */
static int dump(struct agent *a, char **text, size_t *len)
{
	FILE *f = open_memstream(text, len);
	int ret, fin;

	if (!f) {
		snprintf(a->g.msg, sizeof(a->g.msg), "%s", strerror(errno));
		return -errno;
	}
	/* TIME_WAIT and CLOSE ones are over: a peer would refuse them. */
	ret = show_conns_to(&a->g, true, true, f);
	fin = out_finish();
	if (!ret && fin)
		snprintf(a->g.msg, sizeof(a->g.msg), "cannot write the listing");
	ret = ret ?: fin ? -EIO : 0;
	fclose(f);
	/* The output module back on stdout: f is gone. */
	out_init(false);
	if (ret) {
		free(*text);
		*text = NULL;
	}
	return ret;
}

/* Whether the agent of self reaches p from its own host. */
static bool here(const struct lb_director *self, const struct lb_director *p)
{
	return !p->ssh || (self->ssh && !strcmp(self->ssh, p->ssh));
}

/* g attached to p's namespace on this host: 0, or -errno (g->msg). */
static int attach_here(struct agent *a, const struct lb_director *p,
		       struct genl *g)
{
	int self, ret;

	if (p->netns || a->home_ns < 0)
		return genl_attach(g, p->netns);
	/* No "netns": the namespace the agent started in, before it
	 * entered its director's. */
	memset(g, 0, sizeof(*g));
	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0 || setns(a->home_ns, CLONE_NEWNET)) {
		ret = -errno;
		snprintf(g->msg, sizeof(g->msg),
			 "cannot enter the agent's first namespace: %s",
			 strerror(-ret));
		if (self >= 0)
			close(self);
		return ret;
	}
	ret = genl_attach(g, NULL);
	self = netns_leave(self);
	if (self)
		agent_log(a, "cannot return to the namespace of %s: %s",
			  a->name, strerror(-self));
	return ret;
}

static void import_here(struct agent *a, const struct lb_director *p,
			const struct conns_read *r, const char *when)
{
	struct conn_import_counts n;
	struct genl g;

	if (attach_here(a, p, &g)) {
		agent_log(a, "handoff %s: %s: %s; passed over", when, p->name,
			  g.msg);
	} else {
		conn_import_send(&g, r, HANDOFF_WARN_MAX, &n);
		/* As "lbctl conn import" says it, the remote ones too. */
		agent_log(a, "handoff %s: %s: %zu added, %zu already present, %zu refused, %zu not tried, %zu skipped, %zu half-open, %zu templates left out",
			  when, p->name, n.added, n.present, n.refused,
			  n.not_tried, r->bad, r->half_open, r->templates);
	}
	genl_close(&g);
}

static void import_ssh(struct agent *a, const struct lb_director *p,
		       const char *text, size_t len, const char *when)
{
	char *words[] = { "lbctl", "-n", p->netns, "conn", "import", "-", NULL };
	char *out = NULL, why[256];
	int ret;

	/* Without "netns": the remote lbctl's own namespace. */
	if (!p->netns)
		memmove(words + 1, words + 3, 4 * sizeof(*words));
	ret = director_ssh(p, words, text, len, &out);
	if (out)
		out[strcspn(out, "\n")] = '\0';
	if (ret)
		agent_log(a, "handoff %s: %s: %s%s%s; passed over", when,
			  p->name, director_ssh_why(p, ret, why, sizeof(why)),
			  out && *out ? ": " : "", out ? out : "");
	else
		agent_log(a, "handoff %s: %s: %s", when, p->name,
			  out ? out : "");
	free(out);
}

void handoff_run(struct agent *a, const char *when)
{
	const struct lb_director_list *dirs = &a->file.cluster.directors;
	const struct lb_director *p;
	struct conns_read r = { 0 };
	size_t len;
	char *text;

	if (!a->dir->drain_handoff)
		return;
	if (dump(a, &text, &len)) {
		agent_log(a, "handoff %s: cannot read the connections: %s",
			  when, a->g.msg);
		return;
	}
	if (conn_import_parse(text, len, "the agent's listing", &r)) {
		agent_log(a, "handoff %s: the listing is wrong (above)", when);
		free(text);
		return;
	}
	agent_log(a, "handoff %s: %zu connection%s to %zu other director%s",
		  when, r.conns.n, r.conns.n == 1 ? "" : "s", dirs->n - 1,
		  dirs->n == 2 ? "" : "s");
	for (p = dirs->v; r.conns.n && p < dirs->v + dirs->n; p++) {
		if (p == a->dir)
			continue;
		if (here(a->dir, p))
			import_here(a, p, &r, when);
		else
			import_ssh(a, p, text, len, when);
	}
	lb_list_free(&r.conns);
	free(text);
}
