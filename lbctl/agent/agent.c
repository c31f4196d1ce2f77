// SPDX-License-Identifier: GPL-2.0
/*
 * "lbctl agent FILE --director NAME" and "lbctl drain --director NAME":
 * see agent.h.
 *
 * The agent applies its director's part of the file as "lbctl apply
 * --local --director NAME" does (apply_director(), under the namespace's
 * apply lock, with the kernel's generation), but with each real server
 * that is down at weight 0: an apply on SIGHUP never brings back a server
 * the checks took out. A weight it changes afterwards is one request,
 * under the same lock and carrying the generation read just before, so
 * it never overwrites a concurrent apply or command.
 *
 * It writes its pid to /run/lbctl/agent-NAME.pid (0600) and holds an
 * flock on it while it runs: "lbctl drain" finds the agent there (a pid
 * file whose lock is free is stale and not signalled), sends it SIGTERM
 * and waits for it to exit. A second agent for the director is refused.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "api.h"
#include "lbctl.h"
#include "metrics.h"
#include "output.h"
#include "util.h"

/* Descriptors polled at once: the checks', then the metrics listener's. */
#define AGENT_POLL_MAX		128

static volatile sig_atomic_t got_term, got_hup;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_term = 1;
}

int64_t agent_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void agent_log(const struct agent *a, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "lbctl agent %s: ", a->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

bool agent_service_healthy(const struct agent *a, const struct agent_svc *s)
{
	const struct agent_rs *r;

	(void)a;
	for (r = s->rs.v; r < s->rs.v + s->rs.n; r++)
		if (r->dest.weight != 0 && (r->state == AGENT_RS_UNCHECKED ||
		    (r->state == AGENT_RS_UP && r->answered)))
			return true;
	return false;
}

bool agent_vip_healthy(const struct agent *a, const struct lb_addr *vip)
{
	const struct agent_svc *s;
	bool any = false;

	if (a->draining)
		return false;
	for (s = a->svcs.v; s < a->svcs.v + a->svcs.n; s++) {
		if (!lb_addr_equal(&s->e->svc.addr, vip))
			continue;
		if (!agent_service_healthy(a, s))
			return false;
		any = true;
	}
	return any;
}

void agent_vips_changed(struct agent *a)
{
	const struct agent_svc *s, *o;

	for (s = a->svcs.v; s < a->svcs.v + a->svcs.n; s++) {
		/* Each address once: at its first service. */
		for (o = a->svcs.v; o < s; o++)
			if (lb_addr_equal(&o->e->svc.addr, &s->e->svc.addr))
				break;
		if (o == s)
			bird_set_vip(a, &s->e->svc.addr,
				     agent_vip_healthy(a, &s->e->svc.addr));
	}
}

int agent_set_weight(struct agent *a, struct agent_svc *s, struct agent_rs *r)
{
	struct lb_dest d = r->dest;
	struct lb_info info;
	int lock, ret;

	d.weight = r->state == AGENT_RS_DOWN ? 0 : r->dest.weight;
	d.fwd = -1;
	/* A running apply is not waited for: tried again at the next check. */
	if (director_lock(a->dir, NETNS_RUN_DIR, LBCTL_RUN_DIR, &lock))
		return -EAGAIN;
	a->g.has_gen = false;
	ret = lb_info_get(&a->g, &info);
	if (!ret) {
		a->g.has_gen = info.has_generation;
		a->g.gen = info.generation;
		ret = lb_dest_set(&a->g, &s->e->svc, &d);
	}
	close(lock);
	if (ret)
		agent_log(a, "cannot set the weight of a real server to %d: %s (tried again at its next check)",
			  d.weight, a->g.msg);
	r->synced = !ret;
	return ret;
}

/* The services dir serves, with a health state for each real server;
 * one of old (same service and server) keeps its state. */
static int build_svcs(struct agent *a, const struct agent *old)
{
	const struct lb_cluster *c = &a->file.cluster;
	const struct lb_director *d = a->dir;
	size_t i, k, n = d->serves_some ? d->serves.n : c->services.n;

	memset(&a->svcs, 0, sizeof(a->svcs));
	for (i = 0; i < n; i++) {
		size_t idx = d->serves_some ? d->serves.v[i] : i;
		struct agent_svc s = { .e = &c->services.v[idx] };
		const struct agent_svc *os = NULL;

		if (c->checks.v[idx].type != LB_HC_NONE)
			s.hc = &c->checks.v[idx];
		if (old)
			os = lb_list_find(&old->svcs, x,
					  lb_service_same(&x->e->svc,
							  &s.e->svc));
		for (k = 0; k < s.e->dests.n; k++) {
			struct agent_rs r = {
				.dest = s.e->dests.v[k], .fd = -1,
				.synced = true,
				.state = s.hc ? AGENT_RS_UP : AGENT_RS_UNCHECKED,
			};
			const struct agent_rs *or = !os ? NULL :
				lb_list_find(&os->rs, x,
					     lb_dest_same(&x->dest, &r.dest));

			if (or && s.hc && or->state != AGENT_RS_UNCHECKED) {
				r.state = or->state;
				r.answered = or->answered;
				r.ok_run = or->ok_run;
				r.fail_run = or->fail_run;
				r.checks = or->checks;
				r.failures = or->failures;
			}
			if (lb_list_push(&s.rs, &r))
				return -ENOMEM;
		}
		if (lb_list_push(&a->svcs, &s)) {
			lb_list_free(&s.rs);
			return -ENOMEM;
		}
	}
	return 0;
}

static void free_svcs(struct agent *a)
{
	size_t i;

	for (i = 0; i < a->svcs.n; i++)
		lb_list_free(&a->svcs.v[i].rs);
	lb_list_free(&a->svcs);
}

/*
 * The file applied with the real servers that are down at weight 0 (in
 * the file's copy only: a->svcs keeps the weights it gives).
 */
static int apply(struct agent *a)
{
	struct agent_svc *s;
	struct agent_rs *r;
	int ret;

	for (s = a->svcs.v; s < a->svcs.v + a->svcs.n; s++)
		for (r = s->rs.v; r < s->rs.v + s->rs.n; r++)
			if (r->state == AGENT_RS_DOWN) {
				struct lb_svc_entry *e =
					(struct lb_svc_entry *)s->e;

				e->dests.v[r - s->rs.v].weight = 0;
			}
	ret = apply_director(&a->file, a->dir, false);
	fflush(stdout);
	a->applies++;
	if (ret)
		a->apply_failures++;
	return ret;
}

/*
 * What the agent refuses in a file that apply alone would take:
 * - a service with persistence and a health check, unless the director
 *   sets config.expire_quiescent: a server taken down is at weight 0,
 *   and its templates would keep sending their clients to it (and, each
 *   time, renew themselves) for as long as they retry;
 * - an exec check in a file that someone other than the agent's user may
 *   write: its command runs as that user (root under the unit).
 */
static int file_ok(const char *path, const struct cluster_file *f,
		   const struct lb_director *d)
{
	const struct lb_cluster *c = &f->cluster;
	size_t i, n = d->serves_some ? d->serves.n : c->services.n;
	bool exec = false;
	struct stat st;

	for (i = 0; i < n; i++) {
		size_t idx = d->serves_some ? d->serves.v[i] : i;
		const struct lb_health_check *hc = &c->checks.v[idx];

		if (hc->type == LB_HC_EXEC)
			exec = true;
		if (hc->type == LB_HC_NONE ||
		    c->services.v[idx].svc.persist_timeout <= 0 ||
		    ((d->config.present & LB_CFG_EXPIRE_QUIESCENT) &&
		     d->config.expire_quiescent))
			continue;
		return lbctl_error(LBCTL_EXIT_USAGE,
				   "%s: services[%zu] has persistence and a health_check: a real server found down would keep its persistent clients; set \"expire_quiescent\": true in director %s's config",
				   f->name, idx, d->name);
	}
	if (!exec)
		return 0;
	if (stat(path, &st))
		return lbctl_error(LBCTL_EXIT_USAGE, "%s: %s", path,
				   strerror(errno));
	if (st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH)))
		return lbctl_error(LBCTL_EXIT_USAGE,
				   "%s: an exec health check runs its command as uid %u: the file must be owned by it and writable by it alone",
				   path, (unsigned int)geteuid());
	return 0;
}

/* SIGHUP: the file read and applied again; if anything fails, the old
 * one stays (the apply rolled itself back). */
static void reload(struct agent *a)
{
	struct agent old = *a;
	const struct lb_director *d;

	agent_log(a, "SIGHUP: reading %s again", a->path);
	if (cluster_load(a->path, &a->file))
		goto keep;
	if (cluster_select(&a->file, a->name, &d) ||
	    file_ok(a->path, &a->file, d)) {
		cluster_unload(&a->file);
		goto keep;
	}
	a->dir = d;
	health_stop(&old);
	if (build_svcs(a, &old) || apply(a)) {
		free_svcs(a);
		cluster_unload(&a->file);
		a->file = old.file;
		a->dir = old.dir;
		a->svcs = old.svcs;
		a->applies = old.applies + 1;
		a->apply_failures = old.apply_failures + 1;
		agent_log(a, "the new file was not applied: the old one stays");
		health_start(a);
		return;
	}
	free_svcs(&old);
	cluster_unload(&old.file);
	health_start(a);
	bird_reload(a);
	agent_vips_changed(a);
	agent_log(a, "applied the new file");
	return;
keep:
	*a = old;
	a->apply_failures++;
	agent_log(a, "the file is wrong (see above): the old one stays");
}

/* Connections that are not yet over: TCP's up to CLOSE_WAIT, UDP's. */
static int count_conn(const void *obj, void *arg)
{
	const struct lb_conn *c = obj;
	size_t *n = arg;

	if (!c) {
		*n = 0;
		return 0;
	}
	if (lb_conn_open(c))
		(*n)++;
	return 0;
}

/*
 * The drain: with "drain_handoff", the connections copied into the other
 * directors first (handoff.c); the routes withdrawn; the connections
 * copied again HANDOFF_AFTER_MS later, or at the timeout if that comes
 * first, for those opened before the router took the withdrawal (BIRD
 * sends it at once; the router's table follows within that time, not
 * known here); then the wait for the connections to end.
 */
#define HANDOFF_AFTER_MS	2000

void agent_stop_by(struct agent *a, int64_t deadline_ms)
{
	int ret = notify_extend(deadline_ms - agent_now_ms() +
				AGENT_STOP_MARGIN_MS);

	if (ret < 0)
		agent_log(a, "cannot tell systemd how long the stop takes (NOTIFY_SOCKET): %s",
			  strerror(-ret));
}

/* The handoff left the agent outside its namespace (handoff.c): its
 * checks' and BIRD's sockets would be another's. */
static bool ns_lost(struct agent *a)
{
	if (a->ns_lost)
		agent_log(a, "not in its namespace any more: exiting without waiting for the connections");
	return a->ns_lost;
}

/* false: the agent must exit 1 (ns_lost()). */
static bool drain(struct agent *a, struct metrics *m)
{
	int64_t deadline, again = -1;
	size_t n = 0, last = (size_t)-1;

	a->draining = true;
	handoff_run(a, "before the withdrawal");
	agent_log(a, "draining: routes withdrawn, waiting up to %u s for the connections to end",
		  a->dir->drain_timeout);
	bird_withdraw_all(a);
	if (ns_lost(a))
		return false;
	deadline = agent_now_ms() + (int64_t)a->dir->drain_timeout * 1000;
	/* The handoff after the withdrawal tells its own, if later. */
	agent_stop_by(a, deadline);
	if (a->dir->drain_handoff)
		again = agent_now_ms() + HANDOFF_AFTER_MS;
	for (;;) {
		n = 0;		/* a dump counts from 0; a retry resets it too */
		if (lb_dump_conns(&a->g, count_conn, &n)) {
			agent_log(a, "cannot read the connections: %s", a->g.msg);
			n = 1;
		}
		if (n != last)
			agent_log(a, "%zu connection%s open", n,
				  n == 1 ? "" : "s");
		last = n;
		if (n && again >= 0 && (agent_now_ms() >= again ||
					agent_now_ms() >= deadline)) {
			handoff_run(a, "after the withdrawal");
			again = -1;
			if (ns_lost(a))
				return false;
		}
		if (!n || agent_now_ms() >= deadline)
			break;
		metrics_tick(a, m, 1000);
		bird_tick(a);
	}
	if (n)
		agent_log(a, "drain timeout: %zu connection%s left", n,
			  n == 1 ? "" : "s");
	else
		agent_log(a, "drained");
	return true;
}

static int pid_path(const char *name, char *buf, size_t len)
{
	return snprintf(buf, len, "%s/agent-%s.pid", LBCTL_RUN_DIR, name) >=
	       (int)len ? -ENAMETOOLONG : 0;
}

/* The pid file, locked while the agent runs; -1 with the error printed. */
static int pid_file(const char *name)
{
	char path[256], pid[32];
	int fd;

	pid_path(name, path, sizeof(path));
	if (mkdir(LBCTL_RUN_DIR, 0755) && errno != EEXIST)
		return lbctl_error(-1, "cannot make %s: %s", LBCTL_RUN_DIR,
				   strerror(errno));
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return lbctl_error(-1, "cannot open %s: %s", path,
				   strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		close(fd);
		return lbctl_error(-1, "another agent of director %s runs (it holds %s)",
				   name, path);
	}
	snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) || pwrite(fd, pid, strlen(pid), 0) < 0) {
		close(fd);
		return lbctl_error(-1, "cannot write %s: %s", path,
				   strerror(errno));
	}
	return fd;
}

static int agent_args(int argc, char **argv, struct agent *a,
		      struct metrics_opts *mo)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *w = argv[i];

		if (i + 1 < argc && !strcmp(w, "--director"))
			a->name = argv[++i];
		else if (i + 1 < argc && !strcmp(w, "--metrics-file"))
			mo->file = argv[++i];
		else if (i + 1 < argc && !strcmp(w, "--metrics-listen"))
			mo->listen = argv[++i];
		else if (i + 1 < argc && !strcmp(w, "--metrics-interval"))
			mo->interval = atoi(argv[++i]);
		else if (w[0] == '-' && w[1])
			return lbctl_error(LBCTL_EXIT_USAGE,
					   "argument \"%s\" is wrong: not an option of \"agent\"%s",
					   w, i + 1 == argc ? " (or its value is missing)" : "");
		else if (!a->path)
			a->path = w;
		else
			return lbctl_error(LBCTL_EXIT_USAGE,
					   "argument \"%s\" is wrong: only one FILE may be given",
					   w);
	}
	if (!a->path || !a->name)
		return lbctl_usage(!a->path ? "argument \"FILE\" is required" :
				   "option \"--director NAME\" is required");
	if (mo->interval < 1 || mo->interval > 3600)
		return lbctl_usage("argument of \"--metrics-interval\" is wrong: 1 to 3600 seconds");
	return 0;
}

int cmd_agent(const struct lbctl *ctx, int argc, char **argv)
{
	struct metrics_opts mo = { .interval = 10 };
	struct agent a = { .home_ns = -1 };
	struct pollfd fds[AGENT_POLL_MAX];
	struct sigaction sa = { .sa_handler = on_signal };
	struct metrics *m = NULL;
	int ret, pidfd = -1;

	if (ctx->netns || ctx->json)
		return lbctl_usage("\"agent\" finds its namespace in the file, and prints text: -n and -j are not for it");
	ret = agent_args(argc, argv, &a, &mo);
	if (ret)
		return ret;
	ret = cluster_load(a.path, &a.file) ?:
	      cluster_select(&a.file, a.name, &a.dir) ?:
	      file_ok(a.path, &a.file, a.dir);
	if (ret)
		return ret;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	srandom((unsigned int)getpid() ^ (unsigned int)agent_now_ms());
	/* Before the namespace changes (notify.c). */
	ret = notify_open();
	if (ret)
		lbctl_warn("%s: NOTIFY_SOCKET cannot be used (%s): systemd's TimeoutStopSec alone bounds the drain",
			   a.name, strerror(-ret));
	ret = LBCTL_EXIT_FAIL;
	pidfd = pid_file(a.name);
	if (pidfd < 0)
		goto out;
	/* Checks, their children and the socket live in its namespace. */
	if (a.dir->netns && netns_enter(a.dir->netns, &a.home_ns)) {
		a.home_ns = -1;
		lbctl_error(0, "%s: cannot enter network namespace %s",
			    a.name, a.dir->netns);
		goto out;
	}
	if (genl_attach(&a.g, NULL)) {
		lbctl_error(0, "%s: %s", a.name, a.g.msg);
		goto out;
	}
	if (build_svcs(&a, NULL) || apply(&a)) {
		agent_log(&a, "the first apply failed: exiting");
		goto out;
	}
	if (metrics_open(&a, &mo, &m) || bird_start(&a))
		goto out;
	a.started_ms = agent_now_ms();
	agent_log(&a, "running: %zu service%s", a.svcs.n,
		  a.svcs.n == 1 ? "" : "s");
	health_start(&a);
	agent_vips_changed(&a);
	while (!got_term) {
		int timeout = 1000;
		size_t n;

		if (got_hup) {
			got_hup = 0;
			reload(&a);
		}
		n = health_poll_fds(&a, fds, AGENT_POLL_MAX - 1, &timeout);
		n += metrics_poll_fd(m, fds + n, &timeout);
		if (poll(fds, n, timeout) < 0 && errno != EINTR)
			break;
		health_run(&a, fds, n);
		metrics_run(&a, m, fds, n);
		bird_tick(&a);
	}
	agent_log(&a, "SIGTERM: stopping the checks");
	health_stop(&a);
	ret = drain(&a, m) ? LBCTL_EXIT_OK : LBCTL_EXIT_FAIL;
out:
	bird_stop(&a);
	notify_close();
	metrics_close(m);
	genl_close(&a.g);
	free_svcs(&a);
	cluster_unload(&a.file);
	if (a.home_ns >= 0)
		close(a.home_ns);
	if (pidfd >= 0) {
		char path[256];

		pid_path(a.name, path, sizeof(path));
		unlink(path);
		close(pidfd);
	}
	return ret;
}

/* "lbctl drain --director NAME": SIGTERM to its agent, then its exit. */
int cmd_drain(const struct lbctl *ctx, int argc, char **argv)
{
	char path[256], buf[32];
	const char *name = NULL;
	bool wait = true;
	ssize_t n;
	long pid;
	int i, fd;

	(void)ctx;
	for (i = 1; i < argc; i++) {
		if (i + 1 < argc && !strcmp(argv[i], "--director"))
			name = argv[++i];
		else if (!strcmp(argv[i], "--no-wait"))
			wait = false;
		else
			return lbctl_error(LBCTL_EXIT_USAGE,
					   "argument \"%s\" is wrong: \"drain\" takes --director NAME [--no-wait]",
					   argv[i]);
	}
	if (!name)
		return lbctl_usage("option \"--director NAME\" is required");
	for (i = 0; name[i]; i++)
		if (!lb_name_char(name[i]) || i >= LB_DIRECTOR_NAME_MAX)
			return lbctl_usage("argument of \"--director\" is wrong: not a director name");
	pid_path(name, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return lbctl_error(LBCTL_EXIT_FAIL, "no agent of director %s runs (%s: %s)",
				   name, path, strerror(errno));
	/* A lock that is free: the agent is gone, its pid maybe reused. */
	if (!flock(fd, LOCK_SH | LOCK_NB)) {
		close(fd);
		return lbctl_error(LBCTL_EXIT_FAIL, "no agent of director %s runs (%s is stale)",
				   name, path);
	}
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	pid = strtol(buf, NULL, 10);
	if (pid <= 1 || kill((pid_t)pid, SIGTERM)) {
		close(fd);
		return lbctl_error(LBCTL_EXIT_FAIL, "cannot signal the agent of director %s (pid \"%s\" from %s)",
				   name, buf, path);
	}
	printf("%s: the agent (pid %ld) is draining\n", name, pid);
	fflush(stdout);
	/* The lock is free when the agent has exited. */
	if (wait)
		while (flock(fd, LOCK_SH) && errno == EINTR)
			;
	close(fd);
	if (wait)
		printf("%s: the agent has exited\n", name);
	return LBCTL_EXIT_OK;
}
