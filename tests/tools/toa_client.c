// SPDX-License-Identifier: GPL-2.0
/*
 * toa_client: plays a FullNAT director's side of a TCP connection, with a
 * raw socket, so that the packets that may complete the handshake carry a
 * TOA option of our choosing, well-formed or not: this is how toa.ko is
 * driven in the tests without a director.
 *
 * Which packets carry it is the director's rule (fullnat/proto_tcp.c): the
 * third ACK and every other segment that acknowledges the server's ISN + 1
 * until the server has sent anything but a SYN-ACK, i.e. the request too.
 * The server builds its socket from whichever of these it processes
 * first, which need not be the ACK: the two may be reordered on the way,
 * or received on two CPUs (the sender moved between its two sendto()s)
 * and processed in either order or at once. With the option in the ACK
 * alone (-o), such a connection rightly shows the LIP.
 *
 * usage: toa_client [options] SRC DST PORT
 *   -6                  IPv6 (SRC and DST are IPv6 addresses)
 *   -t KIND:LEN:ADDR:PORT
 *                       the TOA option: ADDR IPv4 (4 bytes) or IPv6 (16);
 *                       LEN is written as given, the option occupies LEN
 *                       bytes (zero padded), or its natural size if LEN < 2
 *   -m VARIANT          trunc   the option runs past the TCP header
 *                       full    40 bytes of other options, no TOA at all
 *                       edge    TOA in the last 8 bytes of a full header
 *                       dup     the option twice (second address + 1)
 *   -a N                send the third ACK N times (default 1); 0: no pure
 *                       ACK, the request completes the handshake
 *   -L                  send the third ACK(s) after the first request
 *                       segment, as reordering on the path would deliver
 *                       them (with -r '': as usual)
 *   -o                  the TOA only in the third ACK(s) (and re-ACKs of a
 *                       SYN-ACK), not in the request: a director that wrote
 *                       it nowhere else
 *   -s PORT             first source port (default random)
 *   -n COUNT            connections one after the other (port + i)
 *   -R RATE             at most RATE connections per second (with -n)
 *   -D SECONDS          stop starting connections after SECONDS (with -n)
 *   -k SECONDS          keep the connection open SECONDS after the first
 *                       reply line, then reset it
 *   -c fin|rst          how to close after the server's FIN (default fin;
 *                       rst answers the FIN with the RST alone)
 *   -r TEXT             request (default "GET / HTTP/1.0\r\n\r\n")
 *   -T SECONDS          per-connection time limit (default 10)
 *   -q                  do not print replies
 *
 * Prints what the server sent. Exit status 0 if every connection got a
 * reply, 1 otherwise, 2 on usage. With -n, a summary line goes to stderr
 * ("N connections, N ok, N failed"); SIGTERM stops the run, and the
 * connection it interrupts counts neither way.
 *
 * The kernel of the client's namespace knows nothing of these connections
 * and would answer the SYN-ACK with a RST: the caller drops outgoing RSTs
 * in that namespace except toa_client's own, which carry the firewall mark
 * TOA_CLIENT_MARK (tests/vm/lib-toa.sh does).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "inet.h"

#include <linux/toa.h>

#define MAX_OPT 40
#define TOA_CLIENT_MARK 0x70a	/* lib-toa.sh's RST rule spares these */

static int family = AF_INET;
static int fd;
static union {
	struct in_addr v4;
	struct in6_addr v6;
} src, dst;
static uint16_t dport;

/* the TOA option as it goes on the wire, and what -m does with it */
static uint8_t toa[MAX_OPT];
static size_t toa_size;
static const char *variant = "";
static int acks = 1;
static bool late_acks;
static bool toa_in_ack_only;
static double conn_timeout = 10;
static double hold;
static bool close_rst;
static bool quiet;
static const char *request = "GET / HTTP/1.0\r\n\r\n";
static volatile sig_atomic_t stop;

static void usage(void)
{
	fprintf(stderr, "usage: toa_client [-6] [-t KIND:LEN:ADDR:PORT] [-m trunc|full|edge|dup]\n"
		"                  [-a N] [-L] [-o] [-s PORT] [-n COUNT] [-R RATE] [-D SECONDS]\n"
		"                  [-k SECONDS] [-c fin|rst] [-r TEXT] [-T SECONDS] [-q] SRC DST PORT\n");
	exit(2);
}

static uint16_t tcp_csum(const void *seg, size_t len)
{
	uint32_t sum = 0;

	if (family == AF_INET) {
		sum = sum16(&src.v4, 4, sum);
		sum = sum16(&dst.v4, 4, sum);
	} else {
		sum = sum16(&src.v6, 16, sum);
		sum = sum16(&dst.v6, 16, sum);
	}
	sum += IPPROTO_TCP + len;
	return fold(sum16(seg, len, sum));
}

/* parse "KIND:LEN:ADDR:PORT"; ADDR may contain colons (IPv6) */
static void parse_toa(char *arg)
{
	char *kind = arg, *len, *addr, *port;
	struct in6_addr a6;
	struct in_addr a4;
	unsigned int l;
	size_t natural;

	len = strchr(kind, ':');
	if (!len)
		usage();
	*len++ = 0;
	addr = strchr(len, ':');
	if (!addr)
		usage();
	*addr++ = 0;
	port = strrchr(addr, ':');
	if (!port)
		usage();
	*port++ = 0;
	l = atoi(len);
	toa[0] = atoi(kind);
	toa[1] = l;
	*(uint16_t *)&toa[2] = htons(atoi(port));
	if (inet_pton(AF_INET, addr, &a4) == 1) {
		memcpy(&toa[4], &a4, 4);
		natural = TOA_LEN_V4;
	} else if (inet_pton(AF_INET6, addr, &a6) == 1) {
		memcpy(&toa[4], &a6, 16);
		natural = TOA_LEN_V6;
	} else {
		fprintf(stderr, "toa_client: bad TOA address %s\n", addr);
		exit(2);
	}
	if (l > MAX_OPT) {
		fprintf(stderr, "toa_client: TOA length %u does not fit in a TCP header\n", l);
		exit(2);
	}
	toa_size = l < 2 ? natural : l;
	if (toa_size > natural)
		memset(&toa[natural], 0, toa_size - natural);
}

/* The options of a handshake-completing packet: the TOA as -m shapes it. */
static size_t build_toa_options(uint8_t *opt)
{
	size_t n = 0;

	if (!strcmp(variant, "full") || !strcmp(variant, "edge")) {
		/* NOPs, a timestamp-shaped option, NOPs: exactly 40 bytes */
		memset(opt, TCPOPT_NOP, MAX_OPT);
		opt[0] = TCPOPT_TIMESTAMP;
		opt[1] = TCPOLEN_TIMESTAMP;
		memset(&opt[2], 0x5a, 8);
		if (!strcmp(variant, "edge"))
			memcpy(&opt[MAX_OPT - toa_size], toa, toa_size);
		return MAX_OPT;
	}
	if (!toa_size)
		return 0;
	if (!strcmp(variant, "trunc")) {
		/* the header ends 4 bytes into the option */
		memcpy(opt, toa, 4);
		return 4;
	}
	memcpy(opt, toa, toa_size);
	n = toa_size;
	if (!strcmp(variant, "dup")) {
		memcpy(opt + n, toa, toa_size);
		opt[n + toa_size - 1]++;	/* another address */
		n += toa_size;
	}
	while (n % 4)
		opt[n++] = TCPOPT_NOP;
	return n;
}

struct conn {
	uint16_t sport;
	uint32_t snd_nxt, rcv_nxt;
	char reply[4096];
	size_t reply_len;
	bool fin_seen;
};

static int send_seg(struct conn *c, uint32_t seq, int flags, const uint8_t *opt,
		    size_t optlen, const void *data, size_t len)
{
	uint8_t buf[sizeof(struct tcphdr) + MAX_OPT + 1500];
	struct tcphdr *th = (struct tcphdr *)buf;
	size_t hlen = sizeof(*th) + optlen;
	union {
		struct sockaddr_in v4;
		struct sockaddr_in6 v6;
	} to = { 0 };
	socklen_t tolen;

	memset(th, 0, sizeof(*th));
	th->source = htons(c->sport);
	th->dest = htons(dport);
	th->seq = htonl(seq);
	th->ack_seq = htonl(c->rcv_nxt);
	th->doff = hlen / 4;
	th->syn = !!(flags & TH_SYN);
	th->ack = !!(flags & TH_ACK);
	th->fin = !!(flags & TH_FIN);
	th->rst = !!(flags & TH_RST);
	th->psh = !!(flags & TH_PUSH);
	th->window = htons(65535);
	memcpy(buf + sizeof(*th), opt, optlen);
	memcpy(buf + hlen, data, len);
	th->check = tcp_csum(buf, hlen + len);

	if (family == AF_INET) {
		to.v4.sin_family = AF_INET;
		to.v4.sin_addr = dst.v4;
		tolen = sizeof(to.v4);
	} else {
		to.v6.sin6_family = AF_INET6;
		to.v6.sin6_addr = dst.v6;
		tolen = sizeof(to.v6);
	}
	if (sendto(fd, buf, hlen + len, 0, (struct sockaddr *)&to, tolen) < 0) {
		perror("toa_client: sendto");
		return -1;
	}
	return 0;
}

/* The third ACK, -a times, with the handshake's options @opt. */
static void send_acks(struct conn *c, const uint8_t *opt, size_t optlen)
{
	int i;

	for (i = 0; i < acks; i++)
		send_seg(c, c->snd_nxt, TH_ACK, opt, optlen, NULL, 0);
}

/*
 * The next segment of connection @c from the server, waiting until
 * @deadline. Returns the TCP header (payload in *data, *len) or NULL.
 */
static struct tcphdr *recv_seg(struct conn *c, double deadline, uint8_t *buf,
			       size_t size, uint8_t **data, size_t *len)
{
	for (;;) {
		double left = deadline - now();
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		union {
			struct sockaddr_in v4;
			struct sockaddr_in6 v6;
		} from;
		socklen_t fromlen = sizeof(from);
		struct tcphdr *th;
		size_t off = 0;
		ssize_t n;

		if (left <= 0 || stop)
			return NULL;
		if (poll(&pfd, 1, (int)(left * 1000) + 1) <= 0)
			continue;
		n = recvfrom(fd, buf, size, 0, (struct sockaddr *)&from, &fromlen);
		if (n < 0)
			continue;
		if (family == AF_INET) {
			struct iphdr *ip = (struct iphdr *)buf;

			if ((size_t)n < sizeof(*ip) || ip->saddr != dst.v4.s_addr ||
			    ip->daddr != src.v4.s_addr)
				continue;
			off = ip->ihl * 4;
		} else if (memcmp(&from.v6.sin6_addr, &dst.v6, 16)) {
			continue;
		}
		if ((size_t)n < off + sizeof(*th))
			continue;
		th = (struct tcphdr *)(buf + off);
		if (ntohs(th->source) != dport || ntohs(th->dest) != c->sport)
			continue;
		if ((size_t)n < off + th->doff * 4)
			continue;
		*data = buf + off + th->doff * 4;
		*len = n - off - th->doff * 4;
		return th;
	}
}

/*
 * One connection; returns 0 when the server replied, 1 when SIGTERM
 * interrupted it (not a failure: the caller is stopping a load), -1 else.
 * A connection that fails after the handshake is reset, so that the server
 * does not keep it.
 */
static int run_conn(uint16_t sport)
{
	struct conn c = { .sport = sport };
	uint8_t opt[MAX_OPT], buf[65536], *data;
	uint32_t isn = random(), srv_isn = 0, data_end;
	size_t optlen = build_toa_options(opt), len, reqlen = strlen(request);
	uint8_t mss[4] = { TCPOPT_MAXSEG, TCPOLEN_MAXSEG, 1460 >> 8, 1460 & 0xff };
	double end = now() + conn_timeout, retry = 0, hold_until = 0;
	struct tcphdr *th;
	bool synced = false, acks_due = late_acks && reqlen;
	bool srv_spoke = false;	/* sent anything but a SYN-ACK */

	/* handshake: SYN until a SYN-ACK answers */
	while (!synced) {
		if (now() >= retry) {
			if (send_seg(&c, isn, TH_SYN, mss, sizeof(mss), NULL, 0))
				return -1;
			retry = now() + 1;
		}
		th = recv_seg(&c, retry < end ? retry : end, buf, sizeof(buf), &data, &len);
		if (!th) {
			if (stop)
				return 1;
			if (now() >= end) {
				fprintf(stderr, "toa_client: port %u: no SYN-ACK\n", sport);
				return -1;
			}
			continue;
		}
		if (th->rst) {
			fprintf(stderr, "toa_client: port %u: connection reset\n", sport);
			return -1;
		}
		if (th->syn && th->ack && ntohl(th->ack_seq) == isn + 1) {
			srv_isn = ntohl(th->seq);
			synced = true;
		}
	}
	c.snd_nxt = isn + 1;
	c.rcv_nxt = srv_isn + 1;
	if (!acks_due)
		send_acks(&c, opt, optlen);
	data_end = c.snd_nxt + reqlen;
	retry = 0;

	/* request and reply */
	while (!c.fin_seen && !(hold_until && now() >= hold_until)) {
		/* the director's rule (top), or -o's; -a 0 has no ACK to carry it */
		bool with_toa = !srv_spoke && (!toa_in_ack_only || acks == 0);

		if (stop) {
			send_seg(&c, c.snd_nxt, TH_RST | TH_ACK, NULL, 0, NULL, 0);
			return 1;
		}
		if (now() >= end) {
			fprintf(stderr, "toa_client: port %u: no complete reply\n", sport);
			send_seg(&c, c.snd_nxt, TH_RST | TH_ACK, NULL, 0, NULL, 0);
			return -1;
		}
		if (c.snd_nxt != data_end && now() >= retry) {
			send_seg(&c, c.snd_nxt, TH_ACK | TH_PUSH, with_toa ? opt : NULL,
				 with_toa ? optlen : 0, request, reqlen);
			if (acks_due) {
				send_acks(&c, opt, optlen);
				acks_due = false;
			}
			retry = now() + 1;
		}
		/* nothing to retransmit (all acked, or -r ''): wait for the reply */
		th = recv_seg(&c, hold_until ? hold_until :
			      c.snd_nxt != data_end && retry < end ? retry : end,
			      buf, sizeof(buf), &data, &len);
		if (!th)
			continue;
		if (th->rst) {
			fprintf(stderr, "toa_client: port %u: connection reset\n", sport);
			return -1;
		}
		if (th->syn) {		/* our ACK was lost: the SYN-ACK again */
			send_seg(&c, c.snd_nxt, TH_ACK, opt, optlen, NULL, 0);
			continue;
		}
		srv_spoke = true;
		if (th->ack && ntohl(th->ack_seq) == data_end)
			c.snd_nxt = data_end;
		if (ntohl(th->seq) == c.rcv_nxt) {
			size_t room = sizeof(c.reply) - 1 - c.reply_len;

			memcpy(c.reply + c.reply_len, data, len < room ? len : room);
			c.reply_len += len < room ? len : room;
			c.rcv_nxt += len;
			if (th->fin) {
				c.rcv_nxt++;
				c.fin_seen = true;
			}
		}
		/*
		 * With -c rst the server's FIN is answered by the RST alone.
		 * Acknowledged first, it can find the server's socket in
		 * close() on another CPU, which then turns it into a
		 * FIN_WAIT2 timewait socket while the RST, looked up on the
		 * socket before, is dropped on its TCP_CLOSE state: the
		 * server keeps the tuple for a minute (the likely cause of
		 * toa_stale's one failure in CI: A's socket still on rs).
		 */
		if ((len || th->fin) && !(close_rst && c.fin_seen))
			send_seg(&c, c.snd_nxt, TH_ACK, NULL, 0, NULL, 0);
		if (hold && !hold_until && memchr(c.reply, '\n', c.reply_len)) {
			hold_until = now() + hold;
			if (!quiet) {
				fwrite(c.reply, 1, c.reply_len, stdout);
				fflush(stdout);
			}
		}
	}
	if (!quiet && !hold)
		fwrite(c.reply, 1, c.reply_len, stdout);

	/* close */
	if (close_rst || !c.fin_seen) {
		send_seg(&c, c.snd_nxt, TH_RST | TH_ACK, NULL, 0, NULL, 0);
	} else {
		send_seg(&c, c.snd_nxt, TH_FIN | TH_ACK, NULL, 0, NULL, 0);
		end = now() + 2;
		while ((th = recv_seg(&c, end, buf, sizeof(buf), &data, &len)))
			if (th->ack && ntohl(th->ack_seq) == c.snd_nxt + 1)
				break;
	}
	return c.reply_len ? 0 : -1;
}

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	long count = 1, ok = 0, failed = 0, i;
	double rate = 0, duration = 0, start;
	int sport = -1, opt;
	struct sigaction sa = { .sa_handler = on_term };

	while ((opt = getopt(argc, argv, "6t:m:a:Los:n:R:D:k:c:r:T:q")) != -1) {
		switch (opt) {
		case '6': family = AF_INET6; break;
		case 't': parse_toa(optarg); break;
		case 'm': variant = optarg; break;
		case 'a': acks = atoi(optarg); break;
		case 'L': late_acks = true; break;
		case 'o': toa_in_ack_only = true; break;
		case 's': sport = atoi(optarg); break;
		case 'n': count = atol(optarg); break;
		case 'R': rate = atof(optarg); break;
		case 'D': duration = atof(optarg); break;
		case 'k': hold = atof(optarg); break;
		case 'c':
			if (strcmp(optarg, "fin") && strcmp(optarg, "rst"))
				usage();
			close_rst = !strcmp(optarg, "rst");
			break;
		case 'r': request = optarg; break;
		case 'T': conn_timeout = atof(optarg); break;
		case 'q': quiet = true; break;
		default: usage();
		}
	}
	if (argc - optind != 3)
		usage();
	if (*variant && strcmp(variant, "full") && (!toa_size ||
	    (strcmp(variant, "trunc") && strcmp(variant, "edge") && strcmp(variant, "dup")))) {
		fprintf(stderr, "toa_client: -m %s needs -t and is one of trunc, full, edge, dup\n",
			variant);
		return 2;
	}
	if (inet_pton(family, argv[optind], &src) != 1 ||
	    inet_pton(family, argv[optind + 1], &dst) != 1) {
		fprintf(stderr, "toa_client: bad %s address\n", family == AF_INET ? "IPv4" : "IPv6");
		return 2;
	}
	dport = atoi(argv[optind + 2]);

	fd = socket(family, SOCK_RAW, IPPROTO_TCP);
	if (fd < 0) {
		perror("toa_client: raw socket");
		return 1;
	}
	if (family == AF_INET) {
		struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr = src.v4 };

		opt = bind(fd, (struct sockaddr *)&sin, sizeof(sin));
	} else {
		struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_addr = src.v6 };

		opt = bind(fd, (struct sockaddr *)&sin6, sizeof(sin6));
	}
	if (opt < 0) {
		perror("toa_client: bind");
		return 1;
	}
	opt = TOA_CLIENT_MARK;
	if (setsockopt(fd, SOL_SOCKET, SO_MARK, &opt, sizeof(opt)) < 0) {
		perror("toa_client: SO_MARK");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);	/* logs show each reply as it comes */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	srandom(getpid() ^ time(NULL));
	if (sport < 0)
		sport = 10000 + random() % 40000;

	start = now();
	for (i = 0; i < count && !stop; i++) {
		if (duration && now() - start >= duration)
			break;
		if (rate) {
			double due = start + i / rate;

			while (now() < due && !stop)
				usleep(1000);
		}
		switch (run_conn(10000 + (sport - 10000 + i) % 50000)) {
		case 0: ok++; break;
		case -1: failed++; break;
		}
	}
	if (count > 1)
		fprintf(stderr, "toa_client: %ld connections, %ld ok, %ld failed\n",
			ok + failed, ok, failed);
	return failed || !ok ? 1 : 0;
}
