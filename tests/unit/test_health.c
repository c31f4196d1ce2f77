// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's health checks (agent/health.c) against real sockets and
 * processes on this host: a TCP listener that is closed, an HTTP server in
 * this test that answers 200 or 503 (and records each check's source),
 * exec commands that pass, fail and hang past the timeout. A real server
 * goes down after exactly fall failures and comes back after exactly rise
 * successes; a FullNAT server's check comes from the director's first
 * local LIP (127.0.0.2 here), and with no local LIP every check fails.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "agent.h"

/* What health.c calls in agent.c. */
int64_t agent_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char last_log[512];

void agent_log(const struct agent *a, const char *fmt, ...)
{
	va_list ap;

	(void)a;
	va_start(ap, fmt);
	vsnprintf(last_log, sizeof(last_log), fmt, ap);
	va_end(ap);
}

static int weights_set, last_weight, vips_changed;

int agent_set_weight(struct agent *a, struct agent_svc *s, struct agent_rs *r)
{
	(void)a;
	(void)s;
	weights_set++;
	last_weight = r->state == AGENT_RS_DOWN ? 0 : r->dest.weight;
	r->synced = true;
	return 0;
}

void agent_vips_changed(struct agent *a)
{
	(void)a;
	vips_changed++;
}

/* The HTTP server of this test: status to answer, and who asked. */
static int http_status = 200;
static char http_peer[64];

static int listener(uint16_t *port)
{
	struct sockaddr_in in = { .sin_family = AF_INET };
	socklen_t len = sizeof(in);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&in, sizeof(in)) ||
	    listen(fd, 16) || getsockname(fd, (struct sockaddr *)&in, &len))
		return -1;
	*port = ntohs(in.sin_port);
	return fd;
}

/* The test's server shares the agent's loop: it accepts, then answers
 * once the request has come (the agent sends it from the same loop). */
static int pending = -1;

static void accept_one(int lfd)
{
	struct sockaddr_in peer;
	socklen_t len = sizeof(peer);
	int fd = accept(lfd, (struct sockaddr *)&peer, &len);

	if (fd < 0)
		return;
	inet_ntop(AF_INET, &peer.sin_addr, http_peer, sizeof(http_peer));
	if (pending >= 0)
		close(pending);
	pending = fd;
}

static void answer(void)
{
	char req[512], resp[64];

	/* The request is short and comes whole on loopback. */
	(void)!read(pending, req, sizeof(req));
	snprintf(resp, sizeof(resp), "HTTP/1.1 %d X\r\nContent-Length: 0\r\n\r\n",
		 http_status);
	(void)!write(pending, resp, strlen(resp));
	close(pending);
	pending = -1;
}

/* The agent's loop for ms milliseconds, with the HTTP server in it. */
static void run_for(struct agent *a, int lfd, int ms)
{
	int64_t end = agent_now_ms() + ms;
	struct pollfd fds[16];
	size_t n, k;
	int timeout;

	while (agent_now_ms() < end) {
		timeout = (int)(end - agent_now_ms());
		k = n = health_poll_fds(a, fds, 14, &timeout);
		if (lfd >= 0) {
			fds[n].fd = lfd;
			fds[n].events = POLLIN;
			fds[n++].revents = 0;
			fds[n].fd = pending;	/* -1: ignored by poll */
			fds[n].events = POLLIN;
			fds[n++].revents = 0;
		}
		poll(fds, n, timeout);
		health_run(a, fds, k);
		if (lfd >= 0 && fds[k + 1].revents && pending >= 0)
			answer();
		if (lfd >= 0 && fds[k].revents)
			accept_one(lfd);
	}
}

struct world {
	struct lb_director dir;
	struct lb_svc_entry e;
	struct lb_health_check hc;
	struct agent a;
};

/* One service of one real server 127.0.0.1:port, checked by hc. */
static void world_init(struct world *w, enum lb_hc_type type, uint16_t port,
		       int fwd, const char *lip, const char *command)
{
	struct agent_svc s;
	struct agent_rs r = { .fd = -1, .state = AGENT_RS_UP, .synced = true };
	struct lb_laddr l = { 0 };

	memset(w, 0, sizeof(*w));
	w->hc = (struct lb_health_check){
		.type = type, .path = "/", .command = command,
		.expect_status = 200, .interval = 1, .timeout = 1,
		.rise = 2, .fall = 2,
	};
	if (lip) {
		l.addr.family = AF_INET;
		inet_pton(AF_INET, lip, &l.addr.v4);
		lb_list_push(&w->dir.laddrs, &l);
	}
	lb_service_init(&w->e.svc);
	w->e.svc.fwd = fwd;
	w->e.svc.addr.family = AF_INET;
	inet_pton(AF_INET, "203.0.113.10", &w->e.svc.addr.v4);
	w->e.svc.port = 80;
	lb_dest_init(&r.dest);
	r.dest.addr.family = AF_INET;
	inet_pton(AF_INET, "127.0.0.1", &r.dest.addr.v4);
	r.dest.port = port;
	r.dest.weight = 5;
	s = (struct agent_svc){ .e = &w->e, .hc = &w->hc };
	lb_list_push(&s.rs, &r);
	lb_list_push(&w->a.svcs, &s);
	w->a.name = "t";
	w->a.dir = &w->dir;
	weights_set = vips_changed = 0;
	last_log[0] = '\0';
	health_start(&w->a);
}

static void world_free(struct world *w)
{
	health_stop(&w->a);
	lb_list_free(&w->a.svcs.v[0].rs);
	lb_list_free(&w->a.svcs);
	lb_list_free(&w->dir.laddrs);
}

#define RS(w) (&(w)->a.svcs.v[0].rs.v[0])

/* Until the server has had n checks, at most UNTIL_MS: a hang is a failure. */
/* A deadline, not a measure: a loaded host (make check's VMs) is slow. */
#define UNTIL_MS	20000

static void run_until(struct world *w, int lfd, unsigned int n)
{
	int64_t end = agent_now_ms() + UNTIL_MS;

	while (RS(w)->checks < n && agent_now_ms() < end)
		run_for(&w->a, lfd, 50);
	CHECK_MSG(RS(w)->checks >= n, "%u checks in %d s, not %u",
		  (unsigned int)RS(w)->checks, UNTIL_MS / 1000, n);
}

/* Until the real server is in @state (or the deadline). */
static void run_until_state(struct world *w, int lfd, int state)
{
	int64_t end = agent_now_ms() + UNTIL_MS;

	while ((int)RS(w)->state != state && agent_now_ms() < end)
		run_for(&w->a, lfd, 50);
}

static void test_http(void)
{
	struct world w;
	uint16_t port;
	int lfd = listener(&port);

	check_begin("health/http_fall_rise");
	CHECK(lfd >= 0);
	http_status = 200;
	world_init(&w, LB_HC_HTTP, port, LB_FWD_NAT, NULL, NULL);
	CHECK(!RS(&w)->answered);
	run_for(&w.a, lfd, 2500);
	CHECK_INT(RS(&w)->state, AGENT_RS_UP);
	CHECK(RS(&w)->checks >= 2);
	CHECK_INT(RS(&w)->failures, 0);
	CHECK_INT(weights_set, 0);
	/* the first good check, and only it, may change the announcement */
	CHECK(RS(&w)->answered);
	CHECK_INT(vips_changed, 1);
	/* 503: down after two failures, not one */
	http_status = 503;
	RS(&w)->checks = 0;
	run_until(&w, lfd, 1);
	CHECK_INT(RS(&w)->state, AGENT_RS_UP);
	run_until(&w, lfd, 2);
	CHECK_INT(RS(&w)->state, AGENT_RS_DOWN);
	CHECK_INT(weights_set, 1);
	CHECK_INT(last_weight, 0);
	CHECK_INT(vips_changed, 2);
	CHECK_MSG(strstr(last_log, "is down after 2 failed checks (HTTP status 503, not 200)"),
		  "log \"%s\"", last_log);
	/* 200 again: up after two successes, with the file's weight */
	http_status = 200;
	RS(&w)->checks = 0;
	run_until(&w, lfd, 1);
	CHECK_INT(RS(&w)->state, AGENT_RS_DOWN);
	run_until(&w, lfd, 2);
	CHECK_INT(RS(&w)->state, AGENT_RS_UP);
	CHECK_INT(last_weight, 5);
	CHECK_STR(http_peer, "127.0.0.1");
	world_free(&w);
	check_end();

	/* FullNAT: from the first LIP that is local; 192.0.2.1 is not. */
	check_begin("health/fullnat_from_lip");
	world_init(&w, LB_HC_HTTP, port, LB_FWD_FULLNAT, "192.0.2.1", NULL);
	run_for(&w.a, lfd, 2500);
	CHECK_INT(RS(&w)->state, AGENT_RS_DOWN);
	CHECK_MSG(strstr(RS(&w)->last_error, "no local address of the director is a LIP"),
		  "error \"%s\"", RS(&w)->last_error);
	world_free(&w);
	world_init(&w, LB_HC_HTTP, port, LB_FWD_FULLNAT, "127.0.0.2", NULL);
	http_peer[0] = '\0';
	run_for(&w.a, lfd, 1500);
	CHECK_INT(RS(&w)->failures, 0);
	CHECK_STR(http_peer, "127.0.0.2");
	world_free(&w);
	check_end();
	close(lfd);
}

static void test_tcp(void)
{
	struct world w;
	uint16_t port;
	int lfd = listener(&port);

	check_begin("health/tcp");
	world_init(&w, LB_HC_TCP, port, LB_FWD_NAT, NULL, NULL);
	/* never accepted: the handshake is the kernel's */
	run_for(&w.a, -1, 2200);
	CHECK_INT(RS(&w)->state, AGENT_RS_UP);
	CHECK(RS(&w)->checks >= 2);
	close(lfd);
	run_for(&w.a, -1, 2500);
	CHECK_INT(RS(&w)->state, AGENT_RS_DOWN);
	CHECK_MSG(strstr(RS(&w)->last_error, "refused"), "error \"%s\"",
		  RS(&w)->last_error);
	world_free(&w);
	check_end();
}

static void test_exec(void)
{
	struct world w;
	int64_t t;

	check_begin("health/exec_env");
	world_init(&w, LB_HC_EXEC, 8080, LB_FWD_NAT, NULL,
		   "test \"$LBCTL_RS_ADDRESS:$LBCTL_RS_PORT $LBCTL_VIP:$LBCTL_VIP_PORT\" = \"127.0.0.1:8080 203.0.113.10:80\"");
	run_until(&w, -1, 2);
	CHECK_INT(RS(&w)->failures, 0);
	world_free(&w);
	check_end();

	check_begin("health/exec_fails");
	world_init(&w, LB_HC_EXEC, 8080, LB_FWD_NAT, NULL, "echo sick; exit 3");
	run_until_state(&w, -1, AGENT_RS_DOWN);
	CHECK_INT(RS(&w)->state, AGENT_RS_DOWN);
	CHECK_STR(RS(&w)->last_error, "exit status 3: sick");
	world_free(&w);
	check_end();

	/* A command past its timeout is killed with what it started. */
	check_begin("health/exec_timeout");
	world_init(&w, LB_HC_EXEC, 8080, LB_FWD_NAT, NULL,
		   "sleep 30 & sleep 30");
	t = agent_now_ms();
	run_until(&w, -1, 1);
	CHECK_INT(RS(&w)->checks, 1);
	/* killed at its 1 s timeout, not waited for */
	CHECK(agent_now_ms() - t < 2500);
	CHECK_STR(RS(&w)->last_error, "timed out");
	CHECK_INT(RS(&w)->pid, 0);
	world_free(&w);
	check_end();
}

int main(void)
{
	test_http();
	test_tcp();
	test_exec();
	return check_done();
}
