// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's health checks: every real server of a service with a
 * "health_check", checked every interval from the agent's one poll loop,
 * never a thread or a blocking call per check.
 *
 * A check is a non-blocking socket (tcp: the connect; http: the connect,
 * one GET, its status line) or a child (exec: /bin/sh -c COMMAND with the
 * real server in its environment, in its own process group, killed whole
 * at the timeout). The first checks of a service are spread over one
 * interval and each later one comes a little early or late (up to a tenth
 * of the interval), so a thousand servers are not checked in one burst;
 * no more than AGENT_CHECKS_MAX run at once, the others wait their turn.
 *
 * A check goes the way the data path goes: for FullNAT from a LIP of the
 * director (bound, so the real server answers the LIP and the answer must
 * come back to this director as its connections' do), otherwise from the
 * director's own address. A LIP is found by binding: one that is not a
 * local address of the host cannot be bound, and a check from it could
 * not be answered (fullnat.ko drops what comes to a LIP and matches no
 * connection unless the address is local): such checks fail, saying so.
 *
 * fall failures in a row take a real server down (weight 0 in the kernel:
 * its connections go on, no new one comes), rise successes bring it back
 * to the weight of the file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent.h"

/* Checks in progress at once, at most. */
#define AGENT_CHECKS_MAX	64

static size_t running;

static void sockaddr_of(const struct lb_addr *a, uint16_t port,
			struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		in->sin_family = AF_INET;
		in->sin_addr = a->v4;
		in->sin_port = htons(port);
		*len = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_addr = a->v6;
		in6->sin6_port = htons(port);
		*len = sizeof(*in6);
	}
}

static uint16_t check_port(const struct agent_svc *s, const struct agent_rs *r)
{
	return s->hc->port ? s->hc->port : r->dest.port;
}

static bool via_fullnat(const struct agent_svc *s, const struct agent_rs *r)
{
	int fwd = r->dest.fwd >= 0 ? r->dest.fwd : s->e->svc.fwd;

	return fwd == LB_FWD_FULLNAT;
}

/* Binds fd to the first LIP of the family that is local; 0 or -errno. */
static int bind_lip(const struct agent *a, int fd, int family)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int one = 1, ret = -EADDRNOTAVAIL;
	size_t i;

	/* The port is chosen at connect(), for the 4-tuple, not here. */
	setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
	for (i = 0; i < a->dir->laddrs.n; i++) {
		const struct lb_addr *l = &a->dir->laddrs.v[i].addr;

		if (l->family != family)
			continue;
		sockaddr_of(l, 0, &ss, &len);
		if (!bind(fd, (struct sockaddr *)&ss, len))
			return 0;
		ret = -errno;
	}
	return ret;
}

static void finish(struct agent *a, struct agent_svc *s, struct agent_rs *r,
		   bool ok, const char *why);

static void start_socket(struct agent *a, struct agent_svc *s,
			 struct agent_rs *r)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, ret;

	fd = socket(r->dest.addr.family, SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0);
	if (fd < 0) {
		finish(a, s, r, false, strerror(errno));
		return;
	}
	r->fd = fd;
	if (via_fullnat(s, r)) {
		ret = bind_lip(a, fd, r->dest.addr.family);
		if (ret) {
			finish(a, s, r, false, ret == -EADDRNOTAVAIL ?
			       "no local address of the director is a LIP of its family (add one to the host, e.g. on lo)" :
			       strerror(-ret));
			return;
		}
	}
	sockaddr_of(&r->dest.addr, check_port(s, r), &ss, &len);
	if (connect(fd, (struct sockaddr *)&ss, len) && errno != EINPROGRESS)
		finish(a, s, r, false, strerror(errno));
}

static void start_exec(struct agent *a, struct agent_svc *s,
		       struct agent_rs *r)
{
	char addr[LB_ADDRPORT_STRLEN], port[8], vip[LB_ADDRPORT_STRLEN],
	     vport[8];
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC)) {
		finish(a, s, r, false, strerror(errno));
		return;
	}
	lb_addr_str(&r->dest.addr, addr, sizeof(addr));
	lb_addr_str(&s->e->svc.addr, vip, sizeof(vip));
	snprintf(port, sizeof(port), "%u", check_port(s, r));
	snprintf(vport, sizeof(vport), "%u", s->e->svc.port);
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		finish(a, s, r, false, strerror(errno));
		return;
	}
	if (!pid) {
		int null = open("/dev/null", O_RDONLY);

		/* Its own group: the timeout kills what it started too. */
		setpgid(0, 0);
		signal(SIGPIPE, SIG_DFL);
		dup2(null, STDIN_FILENO);
		dup2(p[1], STDOUT_FILENO);
		dup2(p[1], STDERR_FILENO);
		setenv("LBCTL_RS_ADDRESS", addr, 1);
		setenv("LBCTL_RS_PORT", port, 1);
		setenv("LBCTL_VIP", vip, 1);
		setenv("LBCTL_VIP_PORT", vport, 1);
		setenv("LBCTL_DIRECTOR", a->name, 1);
		execl("/bin/sh", "sh", "-c", s->hc->command, (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid);
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	r->fd = p[0];
	r->pid = pid;
}

static void start(struct agent *a, struct agent_svc *s, struct agent_rs *r,
		  int64_t now)
{
	r->running = true;
	r->sent = false;
	r->got = 0;
	r->fd = -1;
	r->pid = 0;
	r->deadline_ms = now + (int64_t)s->hc->timeout * 1000;
	running++;
	if (s->hc->type == LB_HC_EXEC)
		start_exec(a, s, r);
	else
		start_socket(a, s, r);
}

static void stop(struct agent_rs *r)
{
	int status;

	if (r->fd >= 0) {
		/* A check's connection ends with a RST: no TIME_WAIT held on
		 * the LIP for each check. */
		struct linger l = { .l_onoff = 1, .l_linger = 0 };

		setsockopt(r->fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
		close(r->fd);
		r->fd = -1;
	}
	if (r->pid > 0) {
		kill(-r->pid, SIGKILL);
		while (waitpid(r->pid, &status, 0) < 0 && errno == EINTR)
			;
		r->pid = 0;
	}
	if (r->running)
		running--;
	r->running = false;
}

/* The next check: an interval after this one, give or take a tenth. */
static void schedule(const struct agent_svc *s, struct agent_rs *r,
		     int64_t now)
{
	int64_t iv = (int64_t)s->hc->interval * 1000;

	r->next_ms = now + iv - iv / 10 + random() % (iv / 5 + 1);
}

static void rs_name(const struct agent_svc *s, const struct agent_rs *r,
		    char *buf, size_t len)
{
	char vip[LB_ADDRPORT_STRLEN], rs[LB_ADDRPORT_STRLEN];

	snprintf(buf, len, "%s %s real server %s", proto_name(s->e->svc.proto),
		 lb_addrport_str(&s->e->svc.addr, s->e->svc.port, vip,
				 sizeof(vip)),
		 lb_addrport_str(&r->dest.addr, r->dest.port, rs, sizeof(rs)));
}

static void finish(struct agent *a, struct agent_svc *s, struct agent_rs *r,
		   bool ok, const char *why)
{
	char name[160];
	enum agent_rs_state was = r->state;
	bool first = ok && !r->answered;

	stop(r);
	schedule(s, r, agent_now_ms());
	r->checks++;
	if (ok) {
		r->answered = true;
		r->ok_run++;
		r->fail_run = 0;
	} else {
		r->failures++;
		r->fail_run++;
		r->ok_run = 0;
		snprintf(r->last_error, sizeof(r->last_error), "%s", why);
	}
	if (r->state != AGENT_RS_DOWN && r->fail_run >= s->hc->fall)
		r->state = AGENT_RS_DOWN;
	else if (r->state == AGENT_RS_DOWN && r->ok_run >= s->hc->rise)
		r->state = AGENT_RS_UP;
	if (r->state == was) {
		/* A weight the kernel refused before: once a check. */
		if (!r->synced)
			agent_set_weight(a, s, r);
		/* The first good check: the VIP may be announced now. */
		if (first)
			agent_vips_changed(a);
		return;
	}
	rs_name(s, r, name, sizeof(name));
	if (r->state == AGENT_RS_DOWN)
		agent_log(a, "%s is down after %u failed checks (%s): quiesced, weight 0",
			  name, r->fail_run, r->last_error);
	else
		agent_log(a, "%s is up after %u good checks: weight %d",
			  name, r->ok_run, r->dest.weight);
	r->synced = false;
	agent_set_weight(a, s, r);
	agent_vips_changed(a);
}

/* The http check's status line, once it is all there. */
static void http_status(struct agent *a, struct agent_svc *s,
			struct agent_rs *r)
{
	unsigned int status;
	char why[96], *eol;

	r->buf[r->got] = '\0';
	eol = strstr(r->buf, "\r\n");
	if (!eol && r->got < sizeof(r->buf) - 1)
		return;			/* more to come */
	if (eol)
		*eol = '\0';
	if (sscanf(r->buf, "HTTP/%*u.%*u %3u", &status) != 1) {
		finish(a, s, r, false, "not an HTTP status line");
		return;
	}
	snprintf(why, sizeof(why), "HTTP status %u, not %u", status,
		 s->hc->expect_status);
	finish(a, s, r, status == s->hc->expect_status, why);
}

static void socket_ready(struct agent *a, struct agent_svc *s,
			 struct agent_rs *r, short revents)
{
	char req[1400], host[LB_ADDRPORT_STRLEN];
	int err = 0;
	socklen_t len = sizeof(err);
	ssize_t n;

	if (!r->sent) {
		if (getsockopt(r->fd, SOL_SOCKET, SO_ERROR, &err, &len) || err) {
			finish(a, s, r, false, strerror(err ?: errno));
			return;
		}
		if (s->hc->type == LB_HC_TCP) {
			finish(a, s, r, true, NULL);
			return;
		}
		lb_addrport_str(&r->dest.addr, check_port(s, r), host,
				sizeof(host));
		n = snprintf(req, sizeof(req),
			     "GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: lbctl-agent\r\nConnection: close\r\n\r\n",
			     s->hc->path, host);
		/* Far less than a socket's buffer: sent whole or not. */
		if (send(r->fd, req, (size_t)n, MSG_NOSIGNAL) != n) {
			finish(a, s, r, false, "the request could not be sent");
			return;
		}
		r->sent = true;
		return;
	}
	n = recv(r->fd, r->buf + r->got, sizeof(r->buf) - 1 - r->got, 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		finish(a, s, r, false, n ? strerror(errno) :
		       "the connection closed before a status line");
		return;
	}
	(void)revents;
	r->got += (size_t)n;
	http_status(a, s, r);
}

/* exec: output (kept for the log) until EOF, then the exit status. */
static void exec_ready(struct agent *a, struct agent_svc *s,
		       struct agent_rs *r)
{
	char sink[512], why[128];
	ssize_t n;
	int status;

	if (r->fd >= 0) {
		n = read(r->fd, sink, sizeof(sink));
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n > 0) {
			size_t room = sizeof(r->buf) - 1 - r->got;
			size_t k = (size_t)n < room ? (size_t)n : room;

			memcpy(r->buf + r->got, sink, k);
			r->got += k;
			return;
		}
		close(r->fd);
		r->fd = -1;
	}
	n = waitpid(r->pid, &status, WNOHANG);
	if (n == 0)
		return;			/* output closed, still running */
	r->pid = 0;
	r->buf[r->got] = '\0';
	if (r->got && r->buf[r->got - 1] == '\n')
		r->buf[r->got - 1] = '\0';
	if (n < 0)
		snprintf(why, sizeof(why), "waitpid: %s", strerror(errno));
	else if (WIFEXITED(status))
		snprintf(why, sizeof(why), "exit status %d%s%.60s",
			 WEXITSTATUS(status), r->got ? ": " : "", r->buf);
	else
		snprintf(why, sizeof(why), "killed by signal %d",
			 WTERMSIG(status));
	finish(a, s, r, n > 0 && WIFEXITED(status) && !WEXITSTATUS(status),
	       why);
}

#define for_each_rs(a, s, r)						\
	for (s = (a)->svcs.v; s < (a)->svcs.v + (a)->svcs.n; s++)	\
		if (s->hc)						\
			for (r = s->rs.v; r < s->rs.v + s->rs.n; r++)

void health_start(struct agent *a)
{
	int64_t now = agent_now_ms();
	struct agent_svc *s;
	struct agent_rs *r;

	for_each_rs(a, s, r) {
		int64_t iv = (int64_t)s->hc->interval * 1000;

		r->fd = -1;
		r->running = false;
		/* Spread over the first interval, by position. */
		r->next_ms = now + iv * (r - s->rs.v) / (int64_t)s->rs.n;
	}
}

void health_stop(struct agent *a)
{
	struct agent_svc *s;
	struct agent_rs *r;

	for_each_rs(a, s, r)
		stop(r);
}

size_t health_poll_fds(struct agent *a, struct pollfd *fds, size_t max,
		       int *timeout_ms)
{
	int64_t now = agent_now_ms(), t;
	struct agent_svc *s;
	struct agent_rs *r;
	size_t n = 0;

	for_each_rs(a, s, r) {
		t = r->running ? r->deadline_ms : r->next_ms;
		/* Due but waiting for a free slot: a slot frees on a
		 * descriptor or a deadline, which set their own times. */
		if (!r->running && running >= AGENT_CHECKS_MAX)
			continue;
		/* An exec check whose output closed is reaped by polling. */
		if (r->running && r->fd < 0)
			t = now + 50;
		if (t - now < *timeout_ms)
			*timeout_ms = t > now ? (int)(t - now) : 0;
		if (!r->running || r->fd < 0 || n == max)
			continue;
		fds[n].fd = r->fd;
		fds[n].events = s->hc->type != LB_HC_EXEC && !r->sent ?
				POLLOUT : POLLIN;
		fds[n].revents = 0;
		n++;
	}
	return n;
}

static short revents_of(const struct pollfd *fds, size_t n, int fd)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (fds[i].fd == fd)
			return fds[i].revents;
	return 0;
}

void health_run(struct agent *a, const struct pollfd *fds, size_t n)
{
	int64_t now = agent_now_ms();
	struct agent_svc *s;
	struct agent_rs *r;
	short ev;

	for_each_rs(a, s, r) {
		if (!r->running)
			continue;
		ev = r->fd >= 0 ? revents_of(fds, n, r->fd) : 0;
		if (s->hc->type == LB_HC_EXEC && (ev || r->fd < 0))
			exec_ready(a, s, r);
		else if (ev)
			socket_ready(a, s, r, ev);
		if (r->running && agent_now_ms() >= r->deadline_ms)
			finish(a, s, r, false, "timed out");
	}
	for_each_rs(a, s, r) {
		if (!r->running && r->next_ms <= now &&
		    running < AGENT_CHECKS_MAX)
			start(a, s, r, now);
	}
}
