// SPDX-License-Identifier: GPL-2.0
/*
 * syn_flood: send TCP SYNs from spoofed sources, as a SYN flood does.
 *
 *   syn_flood [-s PREFIX/LEN] [-r PPS] [-d SECONDS] [-w FILE] [-n COUNT]
 *             [-S SEED [-x]] [-C] ADDR PORT
 *
 * Every SYN has a random source address inside PREFIX/LEN (default
 * 198.51.100.0/24; .0, .1, .2 and the broadcast address are skipped, so
 * the default spares the test client and its router), a random source
 * port (1024-65535) and a random sequence number, so each is a new flow
 * for a director. Sends PPS packets per second (0, the default: as fast
 * as the raw socket takes them) for SECONDS (default 10, or none with
 * -n), until FILE exists when -w is given, or until COUNT packets were
 * tried (-n), whichever comes first.
 * Prints "sent=N errors=M" at the end. Needs CAP_NET_RAW.
 *
 * -S SEED makes the sequence of sources, ports and sequence numbers
 * SEED's, the same in every run (without it, a new one each run). With
 * -x the packets are RSTs at the sequence number that follows each SYN
 * of a run with the same SEED: a blind sender resetting the connections
 * its spoofed SYNs opened, which needs nothing it did not choose itself.
 *
 * The TCP checksum is wrong (by one) unless -C is given: the director does
 * not check it, the real servers drop such SYNs, and the flood's
 * connections stay unanswered (NONE). With -C the servers answer them
 * (SYN_RECV), as a real flood's are.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "inet.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t rnd(void)
{
	/* xorshift64*: fast and good enough for addresses and ports. */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 0x2545f4914f6cdd1dULL) >> 32);
}

static void usage(void)
{
	fprintf(stderr, "usage: syn_flood [-s PREFIX/LEN] [-r PPS] [-d SECONDS] "
			"[-w FILE] [-n COUNT] [-S SEED [-x]] [-C] ADDR PORT\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *prefix = "198.51.100.0/24", *wait_file = NULL;
	unsigned long sent = 0, errors = 0, iter, count = 0, seed = 0;
	double rate = 0, duration = -1, start, end;
	struct sockaddr_in dst = { .sin_family = AF_INET };
	uint32_t net, mask, host_max;
	struct {
		struct iphdr ip;
		struct tcphdr tcp;
		uint8_t opt[4];		/* MSS 1460, as a real SYN has */
	} __attribute__((packed)) pkt;
	char buf[32], *slash;
	int opt, fd, len, one = 1, reset = 0, valid = 0;
	size_t size = sizeof(pkt);
	char *end_arg;

	while ((opt = getopt(argc, argv, "s:r:d:w:n:S:xC")) != -1) {
		switch (opt) {
		case 's': prefix = optarg; break;
		case 'r': rate = atof(optarg); break;
		case 'd': duration = atof(optarg); break;
		case 'w': wait_file = optarg; break;
		case 'n':
		case 'S':
			errno = 0;
			*(opt == 'n' ? &count : &seed) = strtoul(optarg, &end_arg, 10);
			if (errno || *end_arg || !*optarg ||
			    (opt == 'S' && !seed))
				usage();
			break;
		case 'x': reset = 1; break;
		case 'C': valid = 1; break;
		default: usage();
		}
	}
	if (argc - optind != 2 || (reset && !seed))
		usage();
	if (inet_pton(AF_INET, argv[optind], &dst.sin_addr) != 1)
		usage();
	snprintf(buf, sizeof(buf), "%s", prefix);
	slash = strchr(buf, '/');
	if (!slash)
		usage();
	*slash = 0;
	len = atoi(slash + 1);
	if (len < 8 || len > 30 || inet_pton(AF_INET, buf, &net) != 1)
		usage();
	mask = len ? ~0U << (32 - len) : 0;
	net = ntohl(net) & mask;
	host_max = ~mask;

	fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0 || setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one))) {
		perror("syn_flood: raw socket");
		return 1;
	}
	if (seed)
		rng = seed * 0x9e3779b97f4a7c15ULL | 1;
	else
		rng ^= (uint64_t)getpid() << 32 ^ (uint64_t)(now() * 1e6);

	memset(&pkt, 0, sizeof(pkt));
	pkt.ip.version = 4;
	pkt.ip.ihl = 5;
	pkt.ip.ttl = 64;
	pkt.ip.protocol = IPPROTO_TCP;
	pkt.ip.tot_len = htons(sizeof(pkt));
	pkt.ip.daddr = dst.sin_addr.s_addr;
	pkt.tcp.dest = htons(atoi(argv[optind + 1]));
	pkt.tcp.doff = (sizeof(pkt.tcp) + sizeof(pkt.opt)) / 4;
	pkt.tcp.syn = 1;
	pkt.tcp.window = htons(64240);
	pkt.opt[0] = 2;			/* MSS */
	pkt.opt[1] = 4;
	pkt.opt[2] = 1460 >> 8;
	pkt.opt[3] = 1460 & 0xff;
	if (reset) {
		/* A bare RST: no options. */
		size -= sizeof(pkt.opt);
		pkt.ip.tot_len = htons(size);
		pkt.tcp.doff = sizeof(pkt.tcp) / 4;
		pkt.tcp.syn = 0;
		pkt.tcp.rst = 1;
		pkt.tcp.window = 0;
	}

	start = now();
	/* 10 s by default; with -n, until COUNT unless -d says less */
	if (duration < 0)
		duration = count ? 1e9 : 10;
	end = start + duration;
	for (iter = 0;; iter++) {
		uint32_t host;

		if (count && iter >= count)
			break;
		if (!(iter & 63)) {
			struct stat st;
			double t = now();

			if (wait_file ? !stat(wait_file, &st) : t >= end)
				break;
			/* Pace: sleep until the schedule catches up. */
			if (rate > 0 && iter > (t - start) * rate)
				usleep((useconds_t)((iter / rate - (t - start)) * 1e6));
		}
		do
			host = rnd() & host_max;
		while (host < 3 || host == host_max);
		pkt.ip.saddr = htonl(net | host);
		pkt.ip.id = (uint16_t)rnd();
		pkt.ip.check = 0;	/* the kernel fills it in (IP_HDRINCL) */
		pkt.tcp.source = htons(1024 + rnd() % 64512);
		/* The SYN's number, or the one after it (-x). */
		pkt.tcp.seq = htonl(rnd() + reset);
		pkt.tcp.check = 0;
		pkt.tcp.check = l4_csum4(&pkt.ip.saddr, &pkt.ip.daddr,
					 IPPROTO_TCP, &pkt.tcp,
					 size - sizeof(pkt.ip));
		if (!valid)
			pkt.tcp.check ^= htons(1);
		if (sendto(fd, &pkt, size, 0, (struct sockaddr *)&dst,
			   sizeof(dst)) < 0) {
			errors++;
			if (errno != ENOBUFS && errno != EAGAIN) {
				perror("syn_flood: sendto");
				break;
			}
		} else {
			sent++;
		}
	}
	printf("sent=%lu errors=%lu\n", sent, errors);
	return 0;
}
