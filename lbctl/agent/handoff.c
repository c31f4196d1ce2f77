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
 * one elsewhere through ssh (director_ssh_start(): BatchMode,
 * ConnectTimeout and keepalives, each word quoted for the remote shell),
 * where its own lbctl imports the listing from its standard input:
 * "lbctl [-n NETNS] conn import --warn-max 10 -" (a peer whose lbctl is
 * older than --warn-max answers with a usage error, status 2 and nothing
 * on stdout: it is asked again at once without it,
 * director_ssh_fallback()). The file guarantees that every peer is one
 * of the two (cluster.c, check_handoff()). The listing leaves out the connections
 * that are over and FullNAT64's, which no director imports (they are
 * counted in the log).
 *
 * The peers here are done first, one after the other (the kernel's work,
 * bounded), then those over ssh all at once, under one deadline: each
 * exchange's input written and its outputs read as they are ready, so a
 * peer that never reads, never ends or floods stalls nothing; one still
 * running at the deadline is killed, reaped and logged. The deadline is
 * HANDOFF_SSH_MS, and HANDOFF_SSH_US_PER_CONN more for each connection (a
 * healthy peer's import of a large table is not cut off): with the peers
 * in parallel, the routes go at most that late whatever the number of
 * dead or hostile peers, and a peer that does not answer costs each copy
 * that once, not once per peer. Of a peer's output, the first
 * HANDOFF_OUT_MAX bytes are kept (the rest read and dropped), its line of
 * counts (or its first) logged, escaped, and at most HANDOFF_WARN_MAX + 2
 * lines of what it says on stderr (its lbctl is asked for no more
 * refusals: --warn-max). A peer that
 * cannot be reached or fails is logged and passed over; one whose lbctl
 * refused some connections has its counts logged (the rest were added).
 *
 * Why one deadline for all rather than one per peer in turn, or a budget
 * for the copy before the withdrawal: in turn, n dead peers cost n
 * deadlines (minutes for an operator's drain); a shared budget in turn
 * starves the peers after a hung one. At once, each peer has the whole
 * deadline and the drain waits for the slowest only.
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
#include "util.h"

/* A peer's refused connections listed in the agent's log, each copy. */
#define HANDOFF_WARN_MAX	10
/* A peer over ssh: its time to take a listing, ... */
#define HANDOFF_SSH_MS		20000
#define HANDOFF_SSH_US_PER_CONN	20
/* ... and what of its standard output and error is kept. */
#define HANDOFF_OUT_MAX		4096
/* A line of a peer's output in the log: at most this, escaped. */
#define HANDOFF_LINE_MAX	512

/* The connections of a's director as "lbctl -j conn" prints them, those
 * a peer can import. */
static int dump(struct agent *a, char **text, size_t *len,
		struct conns_left_out *left)
{
	FILE *f = open_memstream(text, len);
	int ret, fin;

	if (!f) {
		snprintf(a->g.msg, sizeof(a->g.msg), "%s", strerror(errno));
		return -errno;
	}
	memset(left, 0, sizeof(*left));
	ret = show_conns_to(&a->g, true, left, f);
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
	if (self) {
		/* Its checks, BIRD and sockets would be another's: the
		 * drain ends (agent.c), the agent exits 1. */
		agent_log(a, "cannot return to the namespace of %s: %s",
			  a->name, strerror(-self));
		a->ns_lost = true;
	}
	return ret;
}

/* A copy's deadline over ssh, from now: HANDOFF_SSH_MS and
 * HANDOFF_SSH_US_PER_CONN for each connection. */
static int64_t copy_deadline(size_t nconns)
{
	return agent_now_ms() + HANDOFF_SSH_MS +
	       (int64_t)nconns * HANDOFF_SSH_US_PER_CONN / 1000;
}

static void import_here(struct agent *a, const struct lb_director *p,
			const struct conns_read *r, const char *when)
{
	struct conn_import_counts n;
	struct genl g;

	/* Not cut off (the kernel's work), but told systemd as one over
	 * ssh would be. */
	agent_stop_by(a, copy_deadline(r->conns.n));
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

/* s: "N added, ...", what "lbctl conn import" prints when it is done. */
static bool import_counts(const char *s)
{
	size_t n = strspn(s, "0123456789");

	return n && !strncmp(s + n, " added, ", 8);
}

/* The line of out that has the counts (a remote shell's rc file may
 * print before them), or its first. */
static const char *counts_line(const char *out)
{
	const char *p;

	for (p = out; *p; p += strcspn(p, "\n"), p += !!*p)
		if (import_counts(p))
			return p;
	return out;
}

/* What a peer's lbctl said on stderr: HANDOFF_WARN_MAX lines at most. */
static void log_said(struct agent *a, const struct director_ssh_sink *err,
		     const char *name, const char *when)
{
	const char *p = err->buf ?: "", *end = p + err->len;
	char line[HANDOFF_LINE_MAX];
	size_t n, k = 0;

	for (; p < end && k < HANDOFF_WARN_MAX + 2; p += n + 1, k++) {
		n = strcspn(p, "\n");
		if (p + n > end)
			n = (size_t)(end - p);
		agent_log(a, "handoff %s: %s says: %s", when, name,
			  lb_escape(line, sizeof(line), p, n));
	}
	if (p < end || err->cut)
		agent_log(a, "handoff %s: %s says more: not logged", when,
			  name);
}

/* The outcome of a peer's exchange, in the log. */
static void report_ssh(struct agent *a, const struct director_ssh_run *r,
		       const char *when)
{
	const struct lb_director *p = r->d;
	int ret = director_ssh_result(r);
	const char *out = counts_line(r->out.buf ?: "");
	char why[256], line[HANDOFF_LINE_MAX];

	lb_escape(line, sizeof(line), out, strcspn(out, "\n"));
	if (r->fell_back)
		agent_log(a, "handoff %s: %s: its lbctl refused --warn-max (an older one): asked again without it",
			  when, p->name);
	log_said(a, &r->err, p->name, when);
	if (!ret)
		agent_log(a, "handoff %s: %s: %s", when, p->name, line);
	else if (ret > 0 && ret != 255 && import_counts(out))
		/* Some refused or skipped (listed above), the rest added. */
		agent_log(a, "handoff %s: %s: %s (%s)", when, p->name, line,
			  director_ssh_why(p, ret, why, sizeof(why)));
	else
		agent_log(a, "handoff %s: %s: %s%s%s; passed over", when,
			  p->name, director_ssh_why(p, ret, why, sizeof(why)),
			  *line ? ": " : "", line);
}

/* "lbctl [-n NETNS] conn import [--warn-max N] -" for p (warn_max NULL:
 * without it): without "netns", the remote lbctl's own namespace. */
static void import_words(char *words[10], const struct lb_director *p,
			 char *warn_max)
{
	size_t k = 0;

	words[k++] = "lbctl";
	if (p->netns) {
		words[k++] = "-n";
		words[k++] = p->netns;
	}
	words[k++] = "conn";
	words[k++] = "import";
	if (warn_max) {
		words[k++] = "--warn-max";
		words[k++] = warn_max;
	}
	words[k++] = "-";
	words[k] = NULL;
}

/* The peers of a reached through ssh, all at once (see above). */
static void import_ssh(struct agent *a, const char *text, size_t len,
		       size_t nconns, const char *when)
{
	const struct lb_director_list *dirs = &a->file.cluster.directors;
	struct director_ssh_run *runs = calloc(dirs->n, sizeof(*runs));
	char *words[10], warn_max[16], why[256];
	const struct lb_director *p;
	int64_t deadline;
	size_t n = 0, i;
	int ret;

	if (!runs) {
		agent_log(a, "handoff %s: out of memory: the peers over ssh passed over",
			  when);
		return;
	}
	snprintf(warn_max, sizeof(warn_max), "%d", HANDOFF_WARN_MAX);
	for (p = dirs->v; p < dirs->v + dirs->n; p++) {
		if (p == a->dir || here(a->dir, p))
			continue;
		import_words(words, p, warn_max);
		ret = director_ssh_start(&runs[n], p, words, text, len,
					 HANDOFF_OUT_MAX, HANDOFF_OUT_MAX);
		if (!ret) {
			/* A peer's older lbctl, without --warn-max: its
			 * usage error, then the listing again without it
			 * (what it says is cut here anyway). */
			import_words(words, p, NULL);
			if (director_ssh_fallback(&runs[n], words))
				agent_log(a, "handoff %s: %s: out of memory: no second try without --warn-max",
					  when, p->name);
		}
		if (ret)
			agent_log(a, "handoff %s: %s: %s; passed over", when,
				  p->name, director_ssh_why(p, ret, why,
							    sizeof(why)));
		else
			n++;
	}
	deadline = copy_deadline(nconns);
	agent_stop_by(a, deadline);
	director_ssh_wait(runs, n, deadline);
	for (i = 0; i < n; i++) {
		report_ssh(a, &runs[i], when);
		director_ssh_free(&runs[i]);
	}
	free(runs);
}

void handoff_run(struct agent *a, const char *when)
{
	const struct lb_director_list *dirs = &a->file.cluster.directors;
	const struct lb_director *p;
	struct conns_read r = { 0 };
	struct conns_left_out left;
	size_t len;
	char *text;

	if (!a->dir->drain_handoff)
		return;
	if (dump(a, &text, &len, &left)) {
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
	if (left.xlat)
		agent_log(a, "handoff %s: %zu FullNAT64 connection%s left out (no director imports them)",
			  when, left.xlat, left.xlat == 1 ? "" : "s");
	for (p = dirs->v; r.conns.n && p < dirs->v + dirs->n && !a->ns_lost;
	     p++)
		if (p != a->dir && here(a->dir, p))
			import_here(a, p, &r, when);
	if (r.conns.n && !a->ns_lost)
		import_ssh(a, text, len, r.conns.n, when);
	lb_list_free(&r.conns);
	free(text);
}
