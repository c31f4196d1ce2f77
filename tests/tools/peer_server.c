// SPDX-License-Identifier: GPL-2.0
/*
 * peer_server: a TCP server that says who it thinks its clients are. For
 * every connection it prints one line
 *
 *   accept=ADDR:PORT peer=ADDR:PORT local=ADDR:PORT
 *
 * (what accept() returned, getpeername(), getsockname(); IPv6 addresses in
 * brackets), reads the request up to its first newline, replies with that
 * line (so the client can check it too) and closes.
 *
 * usage: peer_server [-4 | -6 | -V] [-k | -j THREADS] [-g N] PORT
 *   -4   listen on 0.0.0.0 (default)
 *   -6   listen on [::], dual stack (IPv4 clients are ::ffff:a.b.c.d)
 *   -V   listen on [::], IPv6 only
 *   -k   keep each connection open after replying; on SIGUSR1 print
 *        "held peer=ADDR:PORT" (getpeername() now) for every one still open
 *   -j   THREADS threads accept and serve connections concurrently
 *   -g   call getpeername() N more times on each connection; every answer
 *        that differs from accept()'s prints "mismatch accept=A peer=P"
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define MAX_HELD 256

static volatile sig_atomic_t report;
static int getpeer_loops;

static void on_usr1(int sig)
{
	(void)sig;
	report = 1;
}

static const char *fmt(const struct sockaddr_storage *ss, char *buf, size_t size)
{
	char a[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s = (const void *)ss;

		inet_ntop(AF_INET, &s->sin_addr, a, sizeof(a));
		snprintf(buf, size, "%s:%u", a, ntohs(s->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const void *)ss;

		inet_ntop(AF_INET6, &s->sin6_addr, a, sizeof(a));
		snprintf(buf, size, "[%s]:%u", a, ntohs(s->sin6_port));
	} else {
		snprintf(buf, size, "family%u", ss->ss_family);
	}
	return buf;
}

static const char *name_of(int fd, bool peer, char *buf, size_t size)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int ret;

	memset(&ss, 0, sizeof(ss));
	ret = peer ? getpeername(fd, (struct sockaddr *)&ss, &len) :
		     getsockname(fd, (struct sockaddr *)&ss, &len);
	if (ret < 0)
		snprintf(buf, size, "error:%s", strerror(errno));
	else
		fmt(&ss, buf, size);
	return buf;
}

static void serve(int c, const struct sockaddr_storage *from)
{
	char a[80], p[80], l[80], req[1024], line[300];
	struct timeval tv = { .tv_sec = 5 };
	size_t n = 0;
	ssize_t r;

	snprintf(line, sizeof(line), "accept=%s peer=%s local=%s\n",
		 fmt(from, a, sizeof(a)), name_of(c, true, p, sizeof(p)),
		 name_of(c, false, l, sizeof(l)));
	fputs(line, stdout);
	for (int i = 0; i < getpeer_loops; i++) {
		name_of(c, true, p, sizeof(p));
		if (strcmp(p, a))
			printf("mismatch accept=%s peer=%s\n", a, p);
	}
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (n < sizeof(req) - 1 && !memchr(req, '\n', n)) {
		r = read(c, req + n, sizeof(req) - 1 - n);
		if (r <= 0)
			break;
		n += r;
	}
	/* the reply says the same as the log line, so clients can check it */
	if (write(c, line, strlen(line)) < 0)
		perror("peer_server: write");
}

static void usage(void)
{
	fprintf(stderr, "usage: peer_server [-4 | -6 | -V] [-k | -j THREADS] [-g N] PORT\n");
	exit(2);
}

/* -j: one of THREADS threads blocked in accept() on the same listener */
static void *worker(void *arg)
{
	int l = (int)(long)arg;

	for (;;) {
		struct sockaddr_storage ss = { 0 };
		socklen_t len = sizeof(ss);
		int c = accept(l, (struct sockaddr *)&ss, &len);

		if (c < 0)
			continue;
		serve(c, &ss);
		close(c);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int family = AF_INET, v6only = 0, one = 1, opt, l, held[MAX_HELD], nheld = 0, i;
	int jobs = 0;
	struct sigaction sa = { .sa_handler = on_usr1 };
	struct sockaddr_storage ss = { 0 };
	bool keep = false;

	while ((opt = getopt(argc, argv, "46Vkj:g:")) != -1) {
		switch (opt) {
		case '4': family = AF_INET; break;
		case '6': family = AF_INET6; v6only = 0; break;
		case 'V': family = AF_INET6; v6only = 1; break;
		case 'k': keep = true; break;
		case 'j': jobs = atoi(optarg); break;
		case 'g': getpeer_loops = atoi(optarg); break;
		default: usage();
		}
	}
	if (argc - optind != 1 || jobs < 0 || getpeer_loops < 0 || (jobs && keep))
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGUSR1, &sa, NULL);	/* no SA_RESTART: poll() returns */
	signal(SIGPIPE, SIG_IGN);

	l = socket(family, SOCK_STREAM, 0);
	if (l < 0) {
		perror("peer_server: socket");
		return 1;
	}
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (family == AF_INET) {
		struct sockaddr_in *s = (void *)&ss;

		s->sin_family = AF_INET;
		s->sin_port = htons(atoi(argv[optind]));
	} else {
		struct sockaddr_in6 *s = (void *)&ss;

		setsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only));
		s->sin6_family = AF_INET6;
		s->sin6_port = htons(atoi(argv[optind]));
	}
	if (bind(l, (struct sockaddr *)&ss, sizeof(ss)) < 0 || listen(l, 1024) < 0) {
		perror("peer_server: bind/listen");
		return 1;
	}
	if (jobs) {
		pthread_t t;

		for (i = 0; i < jobs; i++)
			if (pthread_create(&t, NULL, worker, (void *)(long)l)) {
				fprintf(stderr, "peer_server: cannot start thread %d\n", i);
				return 1;
			}
		for (;;)
			pause();
	}
	for (;;) {
		struct pollfd pfd = { .fd = l, .events = POLLIN };
		socklen_t len = sizeof(ss);
		char p[80];
		int c;

		if (report) {
			report = 0;
			for (i = 0; i < nheld; i++)
				printf("held peer=%s\n", name_of(held[i], true, p, sizeof(p)));
			printf("held end\n");
		}
		if (poll(&pfd, 1, -1) <= 0)
			continue;
		memset(&ss, 0, sizeof(ss));
		c = accept(l, (struct sockaddr *)&ss, &len);
		if (c < 0)
			continue;
		serve(c, &ss);
		if (keep && nheld < MAX_HELD)
			held[nheld++] = c;
		else
			close(c);
	}
}
