// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_hold: open N TCP connections at once, hold them, then use them.
 *
 *   tcp_hold [-n N] [-t CONNECT_MS] [-w FILE] [-r REQUEST] ADDR PORT
 *
 * ADDR is IPv4 or IPv6.
 * Connects N sockets concurrently (non-blocking), waiting at most
 * CONNECT_MS (default 5000) for the handshakes, and prints
 * "connected=K failed=M". Then, if -w is given, holds every connection
 * open until FILE exists. Then sends REQUEST (default an HTTP GET with
 * "Connection: close") on each connected socket, reads each reply to EOF,
 * closes, and prints "replies=R bytes=B". Exits 0 only if all N connected
 * and all replied.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void usage(void)
{
	fprintf(stderr, "usage: tcp_hold [-n N] [-t CONNECT_MS] [-w FILE] "
			"[-r REQUEST] ADDR PORT\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *request = "GET / HTTP/1.1\r\nHost: vip\r\nConnection: close\r\n\r\n";
	const char *wait_file = NULL;
	int n = 1, timeout = 5000, opt, i, connected = 0, replies = 0;
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct sockaddr *sa = (struct sockaddr *)&sin;
	socklen_t salen = sizeof(sin);
	struct pollfd *pfd;
	long deadline, bytes = 0;
	int *state;	/* 0 pending, 1 connected, -1 failed */

	while ((opt = getopt(argc, argv, "n:t:w:r:")) != -1) {
		switch (opt) {
		case 'n': n = atoi(optarg); break;
		case 't': timeout = atoi(optarg); break;
		case 'w': wait_file = optarg; break;
		case 'r': request = optarg; break;
		default: usage();
		}
	}
	if (optind + 2 != argc || n < 1)
		usage();
	if (inet_pton(AF_INET6, argv[optind], &sin6.sin6_addr) == 1) {
		sa = (struct sockaddr *)&sin6;
		salen = sizeof(sin6);
	} else if (inet_pton(AF_INET, argv[optind], &sin.sin_addr) != 1) {
		usage();
	}
	sin.sin_port = htons(atoi(argv[optind + 1]));
	sin6.sin6_port = sin.sin_port;

	pfd = calloc(n, sizeof(*pfd));
	state = calloc(n, sizeof(*state));
	if (!pfd || !state)
		return 1;
	for (i = 0; i < n; i++) {
		pfd[i].fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (pfd[i].fd < 0) {
			perror("socket");
			return 1;
		}
		pfd[i].events = POLLOUT;
		if (connect(pfd[i].fd, sa, salen) &&
		    errno != EINPROGRESS)
			state[i] = -1;
	}

	deadline = now_ms() + timeout;
	for (;;) {
		int pending = 0, left = deadline - now_ms();

		for (i = 0; i < n; i++)
			pending += !state[i];
		if (!pending || left <= 0)
			break;
		for (i = 0; i < n; i++)
			pfd[i].events = state[i] ? 0 : POLLOUT;
		if (poll(pfd, n, left) < 0 && errno != EINTR) {
			perror("poll");
			return 1;
		}
		for (i = 0; i < n; i++) {
			int err = 0;
			socklen_t len = sizeof(err);

			if (state[i] || !pfd[i].revents)
				continue;
			getsockopt(pfd[i].fd, SOL_SOCKET, SO_ERROR, &err, &len);
			state[i] = err ? -1 : 1;
			connected += !err;
		}
	}
	printf("connected=%d failed=%d\n", connected, n - connected);
	fflush(stdout);

	if (wait_file) {
		struct stat st;

		while (stat(wait_file, &st))
			usleep(100000);
	}

	for (i = 0; i < n; i++) {
		char buf[4096];
		int fl;

		if (state[i] != 1) {
			close(pfd[i].fd);
			continue;
		}
		fl = fcntl(pfd[i].fd, F_GETFL);
		fcntl(pfd[i].fd, F_SETFL, fl & ~O_NONBLOCK);
		if (write(pfd[i].fd, request, strlen(request)) ==
		    (ssize_t)strlen(request)) {
			ssize_t r, got = 0;

			while ((r = read(pfd[i].fd, buf, sizeof(buf))) > 0)
				got += r;
			if (got > 0) {
				replies++;
				bytes += got;
			}
		}
		close(pfd[i].fd);
	}
	printf("replies=%d bytes=%ld\n", replies, bytes);
	return connected == n && replies == n ? 0 : 1;
}
