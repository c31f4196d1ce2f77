// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_forge: TCP packets a client's kernel would never send, for the
 * director's data-path tests: an attacker's options, flags, sequence
 * numbers and source addresses. IPv4.
 *
 * tcp_forge conn [-S HEX] [-A HEX] [-D HEX] [-a N] [-B N:LEN] [-r TEXT]
 *                [-s PORT] [-T SECONDS] [-q] SRC DST PORT
 *   One connection from SRC (an address of this namespace) with a raw
 *   socket. HEX is a TCP option list as hex bytes ("fe08000a01020304"),
 *   padded with NOPs to a multiple of 4: -S in the SYN (default an MSS of
 *   1460), -A in the third-handshake ACK, -D in the request segment. The
 *   third ACK is sent N times (-a, default 1; 0: none, the request
 *   completes the handshake). -B: before the request, N segments of LEN
 *   bytes ("x"), back to back, without PSH (so that GRO on the way may
 *   merge them). Prints what the server sent; exit 0 when it
 *   sent something. The namespace's kernel knows nothing of the
 *   connection and would answer with RSTs: drop those except ours, which
 *   carry the firewall mark 0x70a (as tests/vm/lib-toa.sh does).
 *
 * tcp_forge send [-f FLAGS] [-q SEQ] [-k ACK] [-w WIN] [-o HEX] [-l LEN]
 *                [-H WORDS] [-n COUNT] [-N ADDRS] [-P PORTS] [-R RATE]
 *                [-i IFACE -m MAC] SRC SPORT DST DPORT
 *   COUNT segments (default 1) with an IP header of our own: any source
 *   address, even one no host may use. FLAGS: letters of S A F R P U, or
 *   "none" (default S). SEQ and ACK are numbers, or "r" for random per
 *   segment (default r and 0). LEN bytes of payload (default 0). Segment
 *   i comes from SRC + (i % ADDRS) (default 1 address) and port
 *   SPORT + (i % PORTS) (default 65536 - SPORT ports). -H: a header
 *   length field (doff) that lies, in 32-bit words. RATE: segments per
 *   second at most. With -i, the segment goes out of IFACE as an Ethernet
 *   frame to MAC, past the routing decisions that would refuse a martian
 *   source. Prints "sent N".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "inet.h"

#define MAX_OPT 40
#define MARK 0x70a

static int fd;
static struct in_addr src, dst;
static uint16_t sport, dport;

static void usage(void)
{
	fprintf(stderr,
		"usage: tcp_forge conn [-S HEX] [-A HEX] [-D HEX] [-a N] [-B N:LEN] [-r TEXT]\n"
		"                      [-s PORT] [-T SECONDS] [-q] SRC DST PORT\n"
		"       tcp_forge send [-f FLAGS] [-q SEQ] [-k ACK] [-w WIN] [-o HEX] [-l LEN]\n"
		"                      [-H WORDS] [-n COUNT] [-N ADDRS] [-P PORTS] [-R RATE]\n"
		"                      [-i IFACE -m MAC] SRC SPORT DST DPORT\n");
	exit(2);
}

static uint16_t tcp_csum(struct in_addr s, struct in_addr d, const void *seg, size_t len)
{
	return l4_csum4(&s, &d, IPPROTO_TCP, seg, len);
}

/* hex bytes into opt, NOP-padded to a multiple of 4; returns the length */
static size_t parse_hex(const char *hex, uint8_t *opt)
{
	size_t n = 0;
	unsigned int b;

	while (*hex) {
		if (n == MAX_OPT || sscanf(hex, "%2x", &b) != 1 || !hex[1]) {
			fprintf(stderr, "tcp_forge: bad option bytes (hex, at most %d bytes)\n", MAX_OPT);
			exit(2);
		}
		opt[n++] = b;
		hex += 2;
	}
	while (n % 4)
		opt[n++] = TCPOPT_NOP;
	return n;
}

/* a TCP segment into buf; returns its length */
static size_t build_tcp(uint8_t *buf, struct in_addr s, uint16_t sp, uint32_t seq,
			uint32_t ack, int flags, uint16_t win, const uint8_t *opt,
			size_t optlen, const void *data, size_t len)
{
	struct tcphdr *th = (struct tcphdr *)buf;
	size_t hlen = sizeof(*th) + optlen;

	memset(th, 0, sizeof(*th));
	th->source = htons(sp);
	th->dest = htons(dport);
	th->seq = htonl(seq);
	th->ack_seq = htonl(ack);
	th->doff = hlen / 4;
	th->fin = !!(flags & TH_FIN);
	th->syn = !!(flags & TH_SYN);
	th->rst = !!(flags & TH_RST);
	th->psh = !!(flags & TH_PUSH);
	th->ack = !!(flags & TH_ACK);
	th->urg = !!(flags & TH_URG);
	th->window = htons(win);
	memcpy(buf + sizeof(*th), opt, optlen);
	if (len)
		memcpy(buf + hlen, data, len);
	th->check = tcp_csum(s, dst, buf, hlen + len);
	return hlen + len;
}

/* --- conn ------------------------------------------------------------------ */

static int send_seg(uint32_t seq, uint32_t ack, int flags, const uint8_t *opt,
		    size_t optlen, const void *data, size_t len)
{
	uint8_t buf[sizeof(struct tcphdr) + MAX_OPT + 1500];
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr = dst };
	size_t n = build_tcp(buf, src, sport, seq, ack, flags, 65535, opt, optlen, data, len);

	if (sendto(fd, buf, n, 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
		perror("tcp_forge: sendto");
		return -1;
	}
	return 0;
}

/* the next segment of our connection, until deadline; NULL on timeout */
static struct tcphdr *recv_seg(double deadline, uint8_t *buf, size_t size,
			       uint8_t **data, size_t *len)
{
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		double left = deadline - now();
		struct tcphdr *th;
		struct iphdr *ip;
		ssize_t n;

		if (left <= 0)
			return NULL;
		if (poll(&pfd, 1, (int)(left * 1000) + 1) <= 0)
			continue;
		n = recv(fd, buf, size, 0);
		if (n < (ssize_t)sizeof(*ip))
			continue;
		ip = (struct iphdr *)buf;
		if (ip->saddr != dst.s_addr || ip->daddr != src.s_addr ||
		    (size_t)n < ip->ihl * 4 + sizeof(*th))
			continue;
		th = (struct tcphdr *)(buf + ip->ihl * 4);
		if (ntohs(th->source) != dport || ntohs(th->dest) != sport ||
		    (size_t)n < (size_t)ip->ihl * 4 + th->doff * 4)
			continue;
		*data = (uint8_t *)th + th->doff * 4;
		*len = n - ip->ihl * 4 - th->doff * 4;
		return th;
	}
}

static int cmd_conn(int argc, char **argv)
{
	uint8_t syn_opt[MAX_OPT] = { TCPOPT_MAXSEG, TCPOLEN_MAXSEG, 1460 >> 8, 1460 & 0xff };
	uint8_t ack_opt[MAX_OPT], data_opt[MAX_OPT], buf[65536], *data;
	size_t syn_len = 4, ack_len = 0, data_len = 0, len, reqlen, got = 0;
	const char *request = "GET / HTTP/1.0\r\n\r\n";
	uint32_t isn = random(), rcv_nxt = 0, snd_nxt;
	double timeout = 10, end, retry = 0;
	int acks = 1, opt, i, burst = 0, burst_len = 0;
	bool quiet = false, synced = false, fin = false, sent = false;
	char reply[4096];
	struct tcphdr *th;

	sport = 10000 + random() % 50000;
	while ((opt = getopt(argc, argv, "S:A:D:a:B:r:s:T:q")) != -1) {
		switch (opt) {
		case 'S': syn_len = parse_hex(optarg, syn_opt); break;
		case 'A': ack_len = parse_hex(optarg, ack_opt); break;
		case 'D': data_len = parse_hex(optarg, data_opt); break;
		case 'a': acks = atoi(optarg); break;
		case 'B':
			if (sscanf(optarg, "%d:%d", &burst, &burst_len) != 2 || burst < 0 ||
			    burst_len < 1 || burst_len > 1400)
				usage();
			break;
		case 'r': request = optarg; break;
		case 's': sport = atoi(optarg); break;
		case 'T': timeout = atof(optarg); break;
		case 'q': quiet = true; break;
		default: usage();
		}
	}
	if (argc - optind != 3 || inet_pton(AF_INET, argv[optind], &src) != 1 ||
	    inet_pton(AF_INET, argv[optind + 1], &dst) != 1)
		usage();
	dport = atoi(argv[optind + 2]);
	reqlen = strlen(request);

	fd = socket(AF_INET, SOCK_RAW, IPPROTO_TCP);
	if (fd < 0) {
		perror("tcp_forge: raw socket");
		return 1;
	}
	{
		struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr = src };
		int mark = MARK;

		if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
		    setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) < 0) {
			perror("tcp_forge: bind/SO_MARK");
			return 1;
		}
	}

	end = now() + timeout;
	while (!synced) {
		if (now() >= retry) {
			if (send_seg(isn, 0, TH_SYN, syn_opt, syn_len, NULL, 0))
				return 1;
			retry = now() + 1;
		}
		th = recv_seg(retry < end ? retry : end, buf, sizeof(buf), &data, &len);
		if (!th) {
			if (now() >= end) {
				fprintf(stderr, "tcp_forge: no SYN-ACK\n");
				return 1;
			}
			continue;
		}
		if (th->rst) {
			fprintf(stderr, "tcp_forge: connection refused\n");
			return 1;
		}
		if (th->syn && th->ack && ntohl(th->ack_seq) == isn + 1) {
			rcv_nxt = ntohl(th->seq) + 1;
			synced = true;
		}
	}
	snd_nxt = isn + 1;
	for (i = 0; i < acks; i++)
		send_seg(snd_nxt, rcv_nxt, TH_ACK, ack_opt, ack_len, NULL, 0);
	if (burst) {
		char x[1400];

		memset(x, 'x', sizeof(x));
		for (i = 0; i < burst; i++, snd_nxt += burst_len)
			send_seg(snd_nxt, rcv_nxt, TH_ACK, NULL, 0, x, burst_len);
	}

	retry = 0;
	while (!fin) {
		if (now() >= end) {
			fprintf(stderr, "tcp_forge: no complete reply\n");
			send_seg(snd_nxt + (sent ? reqlen : 0), rcv_nxt, TH_RST | TH_ACK,
				 NULL, 0, NULL, 0);
			return 1;
		}
		if (!sent && now() >= retry) {
			send_seg(snd_nxt, rcv_nxt, TH_ACK | TH_PUSH, data_opt, data_len,
				 request, reqlen);
			retry = now() + 1;
		}
		th = recv_seg(sent ? end : (retry < end ? retry : end), buf, sizeof(buf),
			      &data, &len);
		if (!th)
			continue;
		if (th->rst) {
			fprintf(stderr, "tcp_forge: connection reset\n");
			return 1;
		}
		if (th->syn) {
			send_seg(snd_nxt, rcv_nxt, TH_ACK, ack_opt, ack_len, NULL, 0);
			continue;
		}
		if (th->ack && ntohl(th->ack_seq) == snd_nxt + reqlen)
			sent = true;
		if (ntohl(th->seq) == rcv_nxt) {
			size_t room = sizeof(reply) - got;

			memcpy(reply + got, data, len < room ? len : room);
			got += len < room ? len : room;
			rcv_nxt += len;
			if (th->fin) {
				rcv_nxt++;
				fin = true;
			}
		}
		if (len || th->fin)
			send_seg(snd_nxt + (sent ? reqlen : 0), rcv_nxt, TH_ACK, NULL, 0, NULL, 0);
	}
	if (!quiet)
		fwrite(reply, 1, got, stdout);
	/* close: our FIN, then leave (the server's ACK is of no interest) */
	send_seg(snd_nxt + reqlen, rcv_nxt, TH_FIN | TH_ACK, NULL, 0, NULL, 0);
	return got ? 0 : 1;
}

/* --- send ------------------------------------------------------------------ */

static int parse_flags(const char *s)
{
	int f = 0;

	if (!strcmp(s, "none"))
		return 0;
	for (; *s; s++) {
		switch (*s) {
		case 'S': f |= TH_SYN; break;
		case 'A': f |= TH_ACK; break;
		case 'F': f |= TH_FIN; break;
		case 'R': f |= TH_RST; break;
		case 'P': f |= TH_PUSH; break;
		case 'U': f |= TH_URG; break;
		default: usage();
		}
	}
	return f;
}

static int cmd_send(int argc, char **argv)
{
	const char *seq_s = "r", *ack_s = "0", *iface = NULL, *mac = NULL;
	long count = 1, addrs = 1, ports = 0, i, len = 0;
	uint8_t opt[MAX_OPT], pkt[20 + 60 + 1500], payload[1500] = { 0 };
	unsigned int m[6];
	struct sockaddr_ll ll = { .sll_family = AF_PACKET };
	struct sockaddr_in to = { .sin_family = AF_INET };
	int flags = TH_SYN, o, one = 1, doff = -1;
	size_t optlen = 0;
	double rate = 0, start;
	uint16_t win = 65535;

	while ((o = getopt(argc, argv, "f:q:k:w:o:l:H:n:N:P:R:i:m:")) != -1) {
		switch (o) {
		case 'f': flags = parse_flags(optarg); break;
		case 'q': seq_s = optarg; break;
		case 'k': ack_s = optarg; break;
		case 'w': win = atoi(optarg); break;
		case 'o': optlen = parse_hex(optarg, opt); break;
		case 'l': len = atol(optarg); break;
		case 'H': doff = atoi(optarg) & 15; break;
		case 'n': count = atol(optarg); break;
		case 'N': addrs = atol(optarg); break;
		case 'P': ports = atol(optarg); break;
		case 'R': rate = atof(optarg); break;
		case 'i': iface = optarg; break;
		case 'm': mac = optarg; break;
		default: usage();
		}
	}
	if (argc - optind != 4 || inet_pton(AF_INET, argv[optind], &src) != 1 ||
	    inet_pton(AF_INET, argv[optind + 2], &dst) != 1 || addrs < 1 ||
	    len < 0 || len > (long)sizeof(payload) || !iface != !mac)
		usage();
	sport = atoi(argv[optind + 1]);
	dport = atoi(argv[optind + 3]);
	if (ports <= 0)
		ports = 65536 - sport;
	to.sin_addr = dst;

	if (iface) {
		if (sscanf(mac, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3],
			   &m[4], &m[5]) != 6)
			usage();
		fd = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_IP));
		ll.sll_protocol = htons(ETH_P_IP);
		ll.sll_ifindex = if_nametoindex(iface);
		ll.sll_halen = 6;
		for (o = 0; o < 6; o++)
			ll.sll_addr[o] = m[o];
		if (!ll.sll_ifindex) {
			fprintf(stderr, "tcp_forge: no interface %s\n", iface);
			return 2;
		}
	} else {
		fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
		if (fd >= 0)
			setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one));
	}
	if (fd < 0) {
		perror("tcp_forge: socket");
		return 1;
	}

	start = now();
	for (i = 0; i < count; i++) {
		struct iphdr *ip = (struct iphdr *)pkt;
		struct in_addr s = { htonl(ntohl(src.s_addr) + i % addrs) };
		uint32_t seq = strcmp(seq_s, "r") ? strtoul(seq_s, NULL, 0) : (uint32_t)random();
		uint32_t ack = strcmp(ack_s, "r") ? strtoul(ack_s, NULL, 0) : (uint32_t)random();
		size_t n;
		ssize_t r;

		if (rate) {
			double due = start + i / rate;

			while (now() < due)
				usleep(200);
		}
		n = build_tcp(pkt + sizeof(*ip), s, sport + i % ports, seq, ack, flags, win,
			      opt, optlen, payload, len);
		if (doff >= 0)
			((struct tcphdr *)(pkt + sizeof(*ip)))->doff = doff;
		memset(ip, 0, sizeof(*ip));
		ip->version = 4;
		ip->ihl = 5;
		ip->ttl = 64;
		ip->protocol = IPPROTO_TCP;
		ip->tot_len = htons(sizeof(*ip) + n);
		ip->id = htons(i);
		ip->saddr = s.s_addr;
		ip->daddr = dst.s_addr;
		ip->check = fold(sum16(ip, sizeof(*ip), 0));
		if (iface)
			r = sendto(fd, pkt, sizeof(*ip) + n, 0, (struct sockaddr *)&ll, sizeof(ll));
		else
			r = sendto(fd, pkt, sizeof(*ip) + n, 0, (struct sockaddr *)&to, sizeof(to));
		if (r < 0 && errno != ENOBUFS) {
			perror("tcp_forge: sendto");
			return 1;
		}
	}
	printf("sent %ld\n", count);
	return 0;
}

int main(int argc, char **argv)
{
	srandom(getpid() ^ time(NULL));
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		usage();
	if (!strcmp(argv[1], "conn"))
		return cmd_conn(argc - 1, argv + 1);
	if (!strcmp(argv[1], "send"))
		return cmd_send(argc - 1, argv + 1);
	usage();
	return 2;
}
