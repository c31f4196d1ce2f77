// SPDX-License-Identifier: GPL-2.0
/*
 * bench_srv: the real servers' side of `make bench`.
 *
 *   bench_srv [-w WORKERS] -m rr|sink|source|urr PORT
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
 *   urr     UDP: answers each datagram of BENCH_REQ bytes with one of
 *           BENCH_REPLY bytes, from the address it was sent to
 *           (IP_PKTINFO): through DR and TUN that is the VIP, as the
 *           client expects, not the server's own address.
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
	fprintf(stderr, "usage: bench_srv [-w WORKERS] -m rr|sink|source|urr PORT\n");
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

static void serve_udp(int fd)
{
	char req[BENCH_REQ + 1], reply[BENCH_REPLY];
	union {
		char buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
		struct cmsghdr align;
	} c;
	struct sockaddr_in peer;
	struct iovec iov;
	struct msghdr msg;
	struct cmsghdr *cm;
	ssize_t r;

	memset(reply, 'r', sizeof(reply));
	for (;;) {
		iov = (struct iovec){ .iov_base = req, .iov_len = sizeof(req) };
		msg = (struct msghdr){
			.msg_name = &peer, .msg_namelen = sizeof(peer),
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = c.buf, .msg_controllen = sizeof(c.buf),
		};
		r = recvmsg(fd, &msg, 0);
		if (r != BENCH_REQ)
			continue;
		for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
			if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
				struct in_pktinfo *pi = (void *)CMSG_DATA(cm);

				/* answer from the address asked, on any device */
				pi->ipi_spec_dst = pi->ipi_addr;
				pi->ipi_ifindex = 0;
			}
		}
		iov = (struct iovec){ .iov_base = reply, .iov_len = sizeof(reply) };
		msg.msg_flags = 0;
		sendmsg(fd, &msg, 0);
	}
}

static int listener(int port, int udp)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_ANY),
	};
	int fd, one = 1;

	fd = socket(AF_INET, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) ||
	    (udp && setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one))) ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    (!udp && listen(fd, 4096))) {
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
	    (strcmp(mode, "rr") && strcmp(mode, "sink") && strcmp(mode, "source") &&
	     strcmp(mode, "urr")))
		usage();
	port = atoi(argv[optind]);
	signal(SIGPIPE, SIG_IGN);

	for (i = 0; i < workers; i++) {
		if (fork() == 0) {
			int lfd;

			prctl(PR_SET_PDEATHSIG, SIGKILL);
			lfd = listener(port, !strcmp(mode, "urr"));
			if (!strcmp(mode, "urr"))
				serve_udp(lfd);

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
