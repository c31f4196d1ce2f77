// SPDX-License-Identifier: GPL-2.0
/*
 * udp_echo: a UDP echo server that logs what reaches it, and a client that
 * sends one datagram of any size and waits for its echo.
 *
 *   udp_echo server ADDR PORT
 *   udp_echo client [-d do|dont] [-p SPORT] [-t TRIES] [-w SECONDS] [-n]
 *                   ADDR PORT < DATAGRAM > ECHO
 *
 * The server (IPv4 or IPv6, by ADDR) echoes every datagram to its sender
 * from ADDR:PORT and prints a line per event, flushed at once:
 *   "got LEN from PEER"
 *   "error TYPE/CODE info INFO from OFFENDER about DST"
 * the second one for each ICMP error the kernel hands the socket
 * (IP_RECVERR): the error's type and code, its info (the MTU of
 * "fragmentation needed" and Packet Too Big), the error's own source and
 * the destination of the datagram it quotes. Its quoted source is this
 * socket's address, or the kernel would not have matched it here. PEER
 * and DST are "ADDR:PORT" ("[ADDR]:PORT" for IPv6).
 *
 * The client sends standard input (up to 65535 bytes) as one datagram
 * from a connected socket (from SPORT if given), with DF (-d do: never
 * fragmented here) or without it (-d dont: fragmented to the interface's
 * MTU) or as the system decides (default), and writes the first datagram
 * that comes back to standard output. It tries TRIES times (1), waiting
 * SECONDS (2) each; each try that ends without an echo says why on
 * standard error ("try N: send: ...", "try N: error: ...", "try N: no
 * echo") with the socket's path MTU then. -n: send once, from SPORT
 * (required), through a raw socket, so that no UDP socket ever holds the
 * port: whatever comes back meets a closed port, however fast it comes.
 * Exit status: 0 with an echo (or with -n, sent), 1 without, 2 for bad
 * usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/errqueue.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "inet.h"

#define MAX_DGRAM	65535

static unsigned char buf[MAX_DGRAM + 1];

static void usage(void)
{
	fprintf(stderr,
		"usage: udp_echo server ADDR PORT\n"
		"       udp_echo client [-d do|dont] [-p SPORT] [-t TRIES] "
		"[-w SECONDS] [-n] ADDR PORT\n");
	exit(2);
}

static int resolve(const char *addr, const char *port,
		   struct sockaddr_storage *ss, socklen_t *len)
{
	struct addrinfo hints = {
		.ai_socktype = SOCK_DGRAM,
		.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
	}, *ai;

	if (getaddrinfo(addr, port, &hints, &ai)) {
		fprintf(stderr, "udp_echo: bad address %s port %s\n", addr, port);
		exit(2);
	}
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return ss->ss_family;
}

static const char *str(const void *sa)
{
	static char out[2][INET6_ADDRSTRLEN + 16];
	static int which;
	const struct sockaddr_in6 *s6 = sa;
	const struct sockaddr_in *s4 = sa;
	char a[INET6_ADDRSTRLEN];
	char *o = out[which ^= 1];

	if (s4->sin_family == AF_INET6) {
		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		snprintf(o, sizeof(out[0]), "[%s]:%u", a, ntohs(s6->sin6_port));
	} else if (s4->sin_family == AF_INET) {
		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		snprintf(o, sizeof(out[0]), "%s:%u", a, ntohs(s4->sin_port));
	} else {
		snprintf(o, sizeof(out[0]), "?");
	}
	return o;
}

/* Print each ICMP error queued on @fd (IP_RECVERR) as a line. */
static void read_errors(int fd)
{
	union {
		char buf[512];
		struct cmsghdr align;
	} ctl;
	struct sockaddr_storage dst;
	struct sock_extended_err *ee;
	struct cmsghdr *c;
	struct iovec iov;
	struct msghdr msg;
	char data[64];

	for (;;) {
		iov = (struct iovec){ .iov_base = data, .iov_len = sizeof(data) };
		memset(&dst, 0, sizeof(dst));
		msg = (struct msghdr){
			.msg_name = &dst, .msg_namelen = sizeof(dst),
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
		};
		if (recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
			return;
		for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
			if (!((c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR) ||
			      (c->cmsg_level == SOL_IPV6 &&
			       c->cmsg_type == IPV6_RECVERR)))
				continue;
			ee = (struct sock_extended_err *)CMSG_DATA(c);
			printf("error %u/%u info %u from %s about %s\n",
			       ee->ee_type, ee->ee_code, ee->ee_info,
			       str(SO_EE_OFFENDER(ee)), str(&dst));
		}
		fflush(stdout);
	}
}

static int server(int argc, char **argv)
{
	struct sockaddr_storage ss, peer;
	socklen_t len, plen;
	struct pollfd pfd;
	int fd, af, one = 1;
	ssize_t n;

	if (argc != 4)
		usage();
	af = resolve(argv[2], argv[3], &ss, &len);
	fd = socket(af, SOCK_DGRAM, 0);
	if (fd < 0 ||
	    (af == AF_INET6 &&
	     setsockopt(fd, SOL_IPV6, IPV6_RECVERR, &one, sizeof(one))) ||
	    (af == AF_INET &&
	     setsockopt(fd, SOL_IP, IP_RECVERR, &one, sizeof(one))) ||
	    bind(fd, (struct sockaddr *)&ss, len)) {
		perror("udp_echo: server socket");
		return 1;
	}
	printf("listening on %s\n", str(&ss));
	fflush(stdout);
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	for (;;) {
		if (poll(&pfd, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("udp_echo: poll");
			return 1;
		}
		if (pfd.revents & POLLERR)
			read_errors(fd);
		if (!(pfd.revents & POLLIN))
			continue;
		plen = sizeof(peer);
		n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
			     (struct sockaddr *)&peer, &plen);
		/* An error already read from the queue above may show here too. */
		if (n < 0)
			continue;
		printf("got %zd from %s\n", n, str(&peer));
		fflush(stdout);
		if (sendto(fd, buf, n, 0, (struct sockaddr *)&peer, plen) != n)
			printf("sendto %s: %s\n", str(&peer), strerror(errno));
		fflush(stdout);
	}
}

static int path_mtu(int fd, int af)
{
	socklen_t sl = sizeof(int);
	int mtu = 0;

	if (af == AF_INET6)
		getsockopt(fd, SOL_IPV6, IPV6_MTU, &mtu, &sl);
	else
		getsockopt(fd, SOL_IP, IP_MTU, &mtu, &sl);
	return mtu;
}

/*
 * -n: the datagram @len bytes at buf, from port @sport to @ss, as a UDP
 * header and payload on a raw socket. The source address is the one a
 * UDP socket connected to @ss gets; the kernel sums IPv6's checksum
 * (IPV6_CHECKSUM), IPv4's is summed here.
 */
static int send_raw(int af, const struct sockaddr_storage *ss, socklen_t sl,
		    unsigned int sport, size_t len)
{
	static unsigned char pkt[8 + MAX_DGRAM];
	struct sockaddr_storage src, dst;
	socklen_t srclen = sizeof(src);
	const struct sockaddr_in *d4 = (const void *)ss;
	uint16_t v;
	int fd, off = 6;

	if (len > MAX_DGRAM - 8)
		return 2;
	fd = socket(af, SOCK_DGRAM, 0);
	if (fd < 0 || connect(fd, (const struct sockaddr *)ss, sl) ||
	    getsockname(fd, (struct sockaddr *)&src, &srclen) || close(fd)) {
		perror("udp_echo: source address");
		return 1;
	}
	v = htons(sport);
	memcpy(pkt, &v, 2);
	memcpy(pkt + 2, &d4->sin_port, 2);	/* sin6_port is there too */
	v = htons(len + 8);
	memcpy(pkt + 4, &v, 2);
	memset(pkt + 6, 0, 2);
	memcpy(pkt + 8, buf, len);
	if (af == AF_INET) {
		v = l4_csum4(&((struct sockaddr_in *)&src)->sin_addr,
			     &d4->sin_addr, IPPROTO_UDP, pkt, len + 8);
		memcpy(pkt + 6, v ? &v : &(uint16_t){ 0xffff }, 2);
	}
	/* A raw IPv6 socket reads the port as the protocol: none. */
	dst = *ss;
	((struct sockaddr_in *)&dst)->sin_port = 0;
	fd = socket(af, SOCK_RAW, IPPROTO_UDP);
	if (fd < 0 ||
	    (af == AF_INET6 &&
	     setsockopt(fd, SOL_IPV6, IPV6_CHECKSUM, &off, sizeof(off))) ||
	    sendto(fd, pkt, len + 8, 0, (const struct sockaddr *)&dst, sl) !=
	    (ssize_t)(len + 8)) {
		perror("udp_echo: raw socket");
		return 1;
	}
	return close(fd) ? 1 : 0;
}

static int client(int argc, char **argv)
{
	int fd, af, opt, tries = 1, wait_s = 2, pmtud = -1, i;
	struct sockaddr_storage ss, src;
	const char *sport = NULL;
	bool no_wait = false;
	size_t len = 0;
	struct pollfd pfd;
	socklen_t sl;
	ssize_t n;

	optind = 2;
	while ((opt = getopt(argc, argv, "d:p:t:w:n")) != -1) {
		switch (opt) {
		case 'd':
			if (!strcmp(optarg, "do"))
				pmtud = 1;
			else if (!strcmp(optarg, "dont"))
				pmtud = 0;
			else
				usage();
			break;
		case 'p':
			sport = optarg;
			break;
		case 't':
			tries = atoi(optarg);
			break;
		case 'w':
			wait_s = atoi(optarg);
			break;
		case 'n':
			no_wait = true;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 2 || tries < 1 || wait_s < 1)
		usage();
	while ((n = read(0, buf + len, sizeof(buf) - len)) > 0)
		len += n;
	if (n < 0 || len > MAX_DGRAM) {
		fprintf(stderr, "udp_echo: standard input: %s\n",
			n < 0 ? strerror(errno) : "more than 65535 bytes");
		return 2;
	}
	af = resolve(argv[optind], argv[optind + 1], &ss, &sl);
	if (no_wait)
		return sport ? send_raw(af, &ss, sl, atoi(sport), len) : 2;
	fd = socket(af, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("udp_echo: socket");
		return 1;
	}
	if (pmtud >= 0) {
		int v4 = pmtud ? IP_PMTUDISC_DO : IP_PMTUDISC_DONT;
		int v6 = pmtud ? IPV6_PMTUDISC_DO : IPV6_PMTUDISC_DONT;

		if (af == AF_INET6 ?
		    setsockopt(fd, SOL_IPV6, IPV6_MTU_DISCOVER, &v6, sizeof(v6)) :
		    setsockopt(fd, SOL_IP, IP_MTU_DISCOVER, &v4, sizeof(v4))) {
			perror("udp_echo: MTU_DISCOVER");
			return 1;
		}
	}
	if (sport) {
		socklen_t srclen;

		memset(&src, 0, sizeof(src));
		src.ss_family = af;
		srclen = af == AF_INET6 ? sizeof(struct sockaddr_in6) :
					  sizeof(struct sockaddr_in);
		if (af == AF_INET6)
			((struct sockaddr_in6 *)&src)->sin6_port = htons(atoi(sport));
		else
			((struct sockaddr_in *)&src)->sin_port = htons(atoi(sport));
		if (bind(fd, (struct sockaddr *)&src, srclen)) {
			perror("udp_echo: bind");
			return 1;
		}
	}
	if (connect(fd, (struct sockaddr *)&ss, sl)) {
		perror("udp_echo: connect");
		return 1;
	}
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	for (i = 1; i <= tries; i++) {
		if (send(fd, buf, len, 0) != (ssize_t)len) {
			fprintf(stderr, "try %d: send: %s (path MTU %d)\n", i,
				strerror(errno), path_mtu(fd, af));
			continue;
		}
		n = poll(&pfd, 1, wait_s * 1000);
		if (n <= 0) {
			fprintf(stderr, "try %d: no echo\n", i);
			continue;
		}
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0) {
			fprintf(stderr, "try %d: error: %s (path MTU %d)\n", i,
				strerror(errno), path_mtu(fd, af));
			continue;
		}
		if (fwrite(buf, 1, n, stdout) != (size_t)n || fflush(stdout)) {
			perror("udp_echo: standard output");
			return 1;
		}
		fprintf(stderr, "echo of %zd bytes at try %d\n", n, i);
		return 0;
	}
	return 1;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	if (!strcmp(argv[1], "server"))
		return server(argc, argv);
	if (!strcmp(argv[1], "client"))
		return client(argc, argv);
	usage();
}
