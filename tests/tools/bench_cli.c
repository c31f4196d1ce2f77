// SPDX-License-Identifier: GPL-2.0
/*
 * bench_cli: the client side of `make bench`; the same program measures
 * every path (direct, IPVS, FullNAT, HAProxy).
 *
 *   bench_cli -m crr|urr|down|up [-P PROCS] [-t SECONDS] [-b SRCADDR]
 *             [-p LOPORT-HIPORT] [-V] ADDR[,ADDR...] PORT
 *
 *   crr   each process, for SECONDS: connect, send BENCH_REQ bytes, read
 *         the reply to EOF (bench_srv -m rr closes first), close; again.
 *         Prints "conns=N errors=E secs=S rate=R slow=W max_connect_ms=C"
 *         (R: connections/s, the sum of every process's own rate; W:
 *         connects that took 500 ms or more, i.e. a SYN was retransmitted;
 *         C: the longest connect).
 *   urr   as crr over UDP (bench_srv -m urr): each exchange from a socket
 *         of its own (a new source port, so a new flow on the director):
 *         send BENCH_REQ bytes, wait up to 2 s for one datagram of
 *         BENCH_REPLY bytes, close. Prints as crr; "slow" counts nothing.
 *   down  each process opens one connection to bench_srv -m source and
 *         reads for SECONDS. Prints "bytes=B secs=S mbps=M" (MB/s, 10^6).
 *   up    each process opens one connection to bench_srv -m sink, writes
 *         for SECONDS, shuts its side and waits for the server's EOF, so
 *         the time counts until the server has read every byte.
 *
 * Several ADDRs are taken in turn, connection by connection (and process
 * by process for the bulk modes): the servers themselves, when no load
 * balancer spreads the load. -b binds the client's sockets to SRCADDR (the
 * bench gives each path its own client address so that replies can be
 * routed per path). A failed connect (or one taking longer than 2 s)
 * counts as an error.
 *
 * -p binds every connection to a port of its own choosing from the range,
 * in turn (process i takes LOPORT + i, + i + PROCS, ...; the range is a
 * multiple of PROCS long, so no two processes share a port), with SO_REUSEADDR:
 * the same client ports come back again and again, as they do at a high
 * connection rate. With bench_srv -m rr, which closes first, the client
 * keeps no TIME_WAIT and a port is free again as soon as its connection
 * has closed. A port whose last connection is still closing (connect()
 * says EADDRNOTAVAIL: its final ACK has not arrived) is passed over and
 * counted as "busy=N" at the end of the line, not as an error.
 *
 * -V (crr): once the reply is read, the client forgets the connection
 * without a word (TCP_REPAIR, then close: no FIN, no RST), as a client
 * that crashed, or one behind a NAT that dropped its mapping, does; the
 * server has closed its side. Needs CAP_NET_ADMIN.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "inet.h"

#include "bench.h"

struct result {
	unsigned long conns, errors, slow, busy;
	unsigned long long bytes;
	double secs, max_connect;
};

#define MAX_DST 16

static struct sockaddr_in dst[MAX_DST], src;
static int ndst, next_dst, bind_src;
static int port_lo, port_hi, port_step = 1, next_port, vanish, udp;
static unsigned long slow, busy;
static double max_connect;

static void usage(void)
{
	fprintf(stderr, "usage: bench_cli -m crr|urr|down|up [-P PROCS] [-t SECONDS] "
			"[-b SRCADDR] [-p LOPORT-HIPORT] [-V] ADDR PORT\n");
	exit(2);
}

/* Why a connection failed, on stderr, for the first few (tests show it). */
static void failed(const char *step, int err, int port)
{
	static int shown;

	if (shown++ >= 8)
		return;
	if (port)
		fprintf(stderr, "bench_cli: port %d: %s: %s\n", port, step,
			err ? strerror(err) : "short reply");
	else
		fprintf(stderr, "bench_cli: %s: %s\n", step,
			err ? strerror(err) : "short reply");
}

static int dial(int *port)
{
	struct timeval tv = { .tv_sec = 2 };
	int fd = socket(AF_INET, udp ? SOCK_DGRAM : SOCK_STREAM, 0), one = 1;
	const struct sockaddr_in *to = &dst[next_dst++ % ndst];
	struct sockaddr_in from = src;
	double t0, t;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (port_lo) {
		from.sin_family = AF_INET;
		*port = next_port;
		from.sin_port = htons(next_port);
		next_port += port_step;
		if (next_port > port_hi)
			next_port = port_lo + (next_port - port_lo) % (port_hi - port_lo + 1);
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	} else {
		/* Pick the port at connect(), per destination, not at bind(). */
		setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
			   sizeof(one));
	}
	t0 = now();
	if ((bind_src || port_lo) &&
	    bind(fd, (struct sockaddr *)&from, sizeof(from))) {
		failed("bind", errno, *port);
		close(fd);
		return -1;
	}
	if (connect(fd, (struct sockaddr *)to, sizeof(*to))) {
		/*
		 * With -p: the port's last connection to this server is
		 * still closing in our own stack (LAST_ACK, its final ACK
		 * not here yet). Not a failure of the path: the next port.
		 */
		if (port_lo && errno == EADDRNOTAVAIL) {
			busy++;
			close(fd);
			return -2;
		}
		failed("connect", errno, *port);
		close(fd);
		return -1;
	}
	t = now() - t0;
	if (t >= 0.5)
		slow++;
	if (t > max_connect)
		max_connect = t;
	return fd;
}

/*
 * One connect, request, reply, close: 1 if the whole reply came, 0 if
 * not, -1 if the port was busy (dial()).
 */
static int one_crr(void)
{
	static const char req[BENCH_REQ] = "GET /bench";
	char buf[BENCH_REPLY * 2];
	size_t got = 0;
	ssize_t r;
	int port = 0, fd = dial(&port);

	if (fd < 0)
		return fd == -2 ? -1 : 0;
	if (write(fd, req, sizeof(req)) != sizeof(req)) {
		failed("write", errno, port);
		close(fd);
		return 0;
	}
	if (udp) {
		r = read(fd, buf, sizeof(buf));
		close(fd);
		if (r != BENCH_REPLY)
			failed("read", r < 0 ? errno : 0, port);
		return r == BENCH_REPLY;
	}
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		got += r;
	if (r < 0 || got != BENCH_REPLY)
		failed("read", r < 0 ? errno : 0, port);
	if (vanish) {
		int one = 1;

		if (setsockopt(fd, IPPROTO_TCP, TCP_REPAIR, &one, sizeof(one))) {
			perror("bench_cli: TCP_REPAIR");
			exit(1);
		}
	}
	close(fd);
	return r == 0 && got == BENCH_REPLY;
}

static void run_crr(double secs, struct result *res)
{
	double t0 = now(), end = t0 + secs;

	while (now() < end) {
		switch (one_crr()) {
		case 1:
			res->conns++;
			break;
		case 0:
			res->errors++;
		}
	}
	res->secs = now() - t0;
	res->slow = slow;
	res->busy = busy;
	res->max_connect = max_connect;
}

static void run_bulk(int up, double secs, struct result *res)
{
	static char buf[1 << 16];
	double t0 = now(), end = t0 + secs;
	int port = 0, fd = dial(&port);
	ssize_t r;

	if (fd < 0) {
		res->errors++;
		res->secs = now() - t0;
		return;
	}
	while (now() < end) {
		r = up ? write(fd, buf, sizeof(buf)) : read(fd, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			res->errors++;
			break;
		}
		res->bytes += r;
	}
	if (up) {
		/* Done when the server has read everything and closed. */
		shutdown(fd, SHUT_WR);
		while ((r = read(fd, buf, sizeof(buf))) > 0 ||
		       (r < 0 && (errno == EINTR || errno == EAGAIN)))
			;
	}
	res->secs = now() - t0;
	close(fd);
}

int main(int argc, char **argv)
{
	int procs = 1, opt, i, pfd[2];
	const char *mode = NULL;
	char *addr, *save = NULL;
	double secs = 5, rate = 0;
	struct result sum = {}, r;

	while ((opt = getopt(argc, argv, "m:P:t:b:p:V")) != -1) {
		switch (opt) {
		case 'm': mode = optarg; break;
		case 'P': procs = atoi(optarg); break;
		case 't': secs = atof(optarg); break;
		case 'b':
			src.sin_family = AF_INET;
			if (inet_pton(AF_INET, optarg, &src.sin_addr) != 1)
				usage();
			bind_src = 1;
			break;
		case 'p':
			if (sscanf(optarg, "%d-%d", &port_lo, &port_hi) != 2 ||
			    port_lo < 1 || port_hi > 65535 || port_lo > port_hi)
				usage();
			break;
		case 'V': vanish = 1; break;
		default: usage();
		}
	}
	if (optind + 2 != argc || !mode || procs < 1 || secs <= 0 ||
	    (port_lo && (port_hi - port_lo + 1) % procs) ||
	    (strcmp(mode, "crr") && strcmp(mode, "urr") && strcmp(mode, "down") &&
	     strcmp(mode, "up")))
		usage();
	if (!strcmp(mode, "urr")) {
		udp = 1;
		mode = "crr";
	}
	for (addr = strtok_r(argv[optind], ",", &save); addr;
	     addr = strtok_r(NULL, ",", &save)) {
		if (ndst == MAX_DST ||
		    inet_pton(AF_INET, addr, &dst[ndst].sin_addr) != 1)
			usage();
		dst[ndst].sin_family = AF_INET;
		dst[ndst++].sin_port = htons(atoi(argv[optind + 1]));
	}
	if (!ndst)
		usage();
	signal(SIGPIPE, SIG_IGN);
	if (pipe(pfd))
		return 1;

	for (i = 0; i < procs; i++) {
		if (fork() == 0) {
			struct result res = {};

			next_dst = i;
			next_port = port_lo + i;
			port_step = procs;
			if (!strcmp(mode, "crr"))
				run_crr(secs, &res);
			else
				run_bulk(!strcmp(mode, "up"), secs, &res);
			if (write(pfd[1], &res, sizeof(res)) != sizeof(res))
				_exit(1);
			_exit(0);
		}
	}
	close(pfd[1]);
	for (i = 0; i < procs; i++) {
		if (read(pfd[0], &r, sizeof(r)) != sizeof(r)) {
			fprintf(stderr, "bench_cli: a worker died\n");
			return 1;
		}
		sum.conns += r.conns;
		sum.errors += r.errors;
		sum.bytes += r.bytes;
		sum.slow += r.slow;
		sum.busy += r.busy;
		if (r.max_connect > sum.max_connect)
			sum.max_connect = r.max_connect;
		if (r.secs > sum.secs)
			sum.secs = r.secs;
		rate += !strcmp(mode, "crr") ? r.conns / r.secs : r.bytes / r.secs / 1e6;
	}
	while (wait(NULL) > 0)
		;
	if (!strcmp(mode, "crr")) {
		printf("conns=%lu errors=%lu secs=%.2f rate=%.1f slow=%lu max_connect_ms=%.0f",
		       sum.conns, sum.errors, sum.secs, rate, sum.slow,
		       sum.max_connect * 1000);
		if (port_lo)
			printf(" busy=%lu", sum.busy);
		printf("\n");
	} else
		printf("bytes=%llu errors=%lu secs=%.2f mbps=%.2f\n",
		       sum.bytes, sum.errors, sum.secs, rate);
	return sum.conns || sum.bytes ? 0 : 1;
}
