// SPDX-License-Identifier: GPL-2.0
/*
 * bench_srv: the real servers' side of `make bench`.
 *
 *   bench_srv [-w WORKERS] -m rr|sink|source PORT
 *
 * Listens on 0.0.0.0:PORT with WORKERS processes (default 2), each with
 * its own SO_REUSEPORT socket and a plain blocking accept loop, so every
 * path under test meets the same, minimal server:
 *
 *   rr      reads the client's request (BENCH_REQ bytes), answers with
 *           BENCH_REPLY bytes and closes: the server closes first, so the
 *           TIME_WAIT is the server's, as with an HTTP server.
 *   sink    reads until EOF and closes; never writes, so every packet of
 *           the client still acknowledges the server's ISN + 1 (the worst
 *           case for a director that inserts TOA).
 *   source  writes until the client goes away.
 *
 * accept() asks for the peer address, as servers do (and as toa.ko hooks).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

static void usage(void)
{
	fprintf(stderr, "usage: bench_srv [-w WORKERS] -m rr|sink|source PORT\n");
	exit(2);
}

/* Read exactly @len bytes, or to EOF; returns what was read. */
static ssize_t read_full(int fd, char *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t r = read(fd, buf + got, len - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += r;
	}
	return got;
}

static void serve(int fd, const char *mode)
{
	static char buf[1 << 16];

	if (!strcmp(mode, "rr")) {
		static char reply[BENCH_REPLY];

		if (read_full(fd, buf, BENCH_REQ) == BENCH_REQ) {
			memset(reply, 'r', sizeof(reply));
			if (write(fd, reply, sizeof(reply)) < 0)
				return;
		}
	} else if (!strcmp(mode, "sink")) {
		while (read(fd, buf, sizeof(buf)) > 0)
			;
	} else {
		while (write(fd, buf, sizeof(buf)) > 0)
			;
	}
}

static int listener(int port)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_ANY),
	};
	int fd, one = 1;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    listen(fd, 4096)) {
		perror("bench_srv: listen");
		exit(1);
	}
	return fd;
}

int main(int argc, char **argv)
{
	const char *mode = NULL;
	int workers = 2, opt, port, i;

	while ((opt = getopt(argc, argv, "w:m:")) != -1) {
		switch (opt) {
		case 'w': workers = atoi(optarg); break;
		case 'm': mode = optarg; break;
		default: usage();
		}
	}
	if (optind + 1 != argc || !mode || workers < 1 ||
	    (strcmp(mode, "rr") && strcmp(mode, "sink") && strcmp(mode, "source")))
		usage();
	port = atoi(argv[optind]);
	signal(SIGPIPE, SIG_IGN);

	for (i = 0; i < workers; i++) {
		if (fork() == 0) {
			int lfd;

			prctl(PR_SET_PDEATHSIG, SIGKILL);
			lfd = listener(port);

			for (;;) {
				struct sockaddr_in peer;
				socklen_t len = sizeof(peer);
				int fd = accept(lfd, (struct sockaddr *)&peer, &len);

				if (fd < 0)
					continue;
				serve(fd, mode);
				close(fd);
			}
		}
	}
	/* The workers go when the parent is killed (the bench kills the group). */
	while (wait(NULL) > 0)
		;
	return 0;
}
