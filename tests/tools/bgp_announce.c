// SPDX-License-Identifier: GPL-2.0
/*
 * bgp_announce FILE DIRECTOR RUNDIR: lbctl/agent/bird.c alone, for the
 * agent_bgp scenario, without the agent's health checks: BIRD started for
 * DIRECTOR's "bgp" in RUNDIR announcing every IPv4 VIP the director
 * serves, supervised as the agent does. SIGUSR1 withdraws every VIP,
 * SIGUSR2 announces them again (the agent's health changes), SIGHUP
 * makes bird read its configuration again (bird_reconfigure()), SIGTERM
 * stops bird and exits.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bird.h"
#include "cluster.h"

static volatile sig_atomic_t stop, want = -1, hup;

static void on_signal(int sig)
{
	if (sig == SIGUSR1 || sig == SIGUSR2)
		want = sig == SIGUSR2;
	else if (sig == SIGHUP)
		hup = 1;
	else
		stop = 1;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	const struct lb_director *d = NULL;
	char err[512], *text;
	struct lb_cluster c;
	struct bird b;
	size_t len, i, n;

	if (argc != 4) {
		fprintf(stderr, "usage: bgp_announce FILE DIRECTOR RUNDIR\n");
		return 2;
	}
	if (cluster_read(argv[1], &text, &len, err, sizeof(err)) ||
	    cluster_parse(text, len, argv[1], &c, err, sizeof(err))) {
		fprintf(stderr, "bgp_announce: %s\n", err);
		return 2;
	}
	for (i = 0; i < c.directors.n; i++)
		if (!strcmp(c.directors.v[i].name, argv[2]))
			d = &c.directors.v[i];
	if (!d || !d->bgp.present) {
		fprintf(stderr, "bgp_announce: no director %s with \"bgp\"\n",
			argv[2]);
		return 2;
	}
	if (bird_init(&b, d->name, &d->bgp, argv[3])) {
		fprintf(stderr, "bgp_announce: %s\n", b.err);
		return 1;
	}
	n = d->serves_some ? d->serves.n : c.services.n;
	for (i = 0; i < n; i++) {
		const struct lb_service *s =
			&c.services.v[d->serves_some ? d->serves.v[i] : i].svc;

		if (s->addr.family == AF_INET && bird_vip(&b, s->addr.v4, true))
			return 1;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (bird_run(&b)) {
		fprintf(stderr, "bgp_announce: %s\n", b.err);
		return 1;
	}
	fprintf(stderr, "bgp_announce: bird %d started for %zu VIPs\n",
		(int)b.pid, b.vips.n);
	while (!stop) {
		if (want >= 0) {
			for (i = 0; i < b.vips.n; i++)
				bird_vip(&b, b.vips.v[i].addr, want);
			fprintf(stderr, "bgp_announce: %s\n",
				want ? "announce" : "withdraw");
			want = -1;
		}
		if (hup) {
			hup = 0;
			fprintf(stderr, "bgp_announce: reconfigure: %s\n",
				bird_reconfigure(&b) ? b.err : "ok");
		}
		if (bird_supervise(&b, now_ms()))
			fprintf(stderr, "bgp_announce: %s\n", b.err);
		usleep(100000);
	}
	bird_kill(&b);
	bird_free(&b);
	cluster_free(&c);
	free(text);
	return 0;
}
