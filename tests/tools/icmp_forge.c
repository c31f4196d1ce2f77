// SPDX-License-Identifier: GPL-2.0
/*
 * icmp_forge: send one ICMP "fragmentation needed" about a TCP segment.
 *
 *   icmp_forge SRC DST MTU QSRC QSPORT QDST QDPORT QSEQ [udp]
 *
 * From SRC to DST (a raw IP socket: SRC must be routable from here),
 * type 3 code 4 with next-hop MTU MTU, quoting an IPv4 header
 * QSRC -> QDST (protocol TCP) and the first 8 bytes of a TCP header:
 * ports QSPORT -> QDPORT and sequence number QSEQ. Prints "sent".
 * With "udp" the quote is a UDP datagram of 1380 bytes (IP 1400) whose
 * header's length and checksum are QSEQ's two halves, and MTU 0 sends
 * "port unreachable" (type 3 code 3) instead.
 *
 * With IPv6 addresses (SRC has a ':'), the same in ICMPv6: Packet Too
 * Big with MTU MTU, quoting an IPv6 header QSRC -> QDST (payload 1360
 * bytes) and the same 8 transport bytes; MTU 0 sends destination
 * unreachable instead, code 4 (port unreachable) with "udp", else code 1
 * (administratively prohibited). SRC may be a link-local address with
 * its interface, fe80::1%br0: the error is sent from it, out of that
 * interface (a raw ICMPv6 socket bound to it; the kernel computes the
 * checksum).
 *
 * ICMP_FORGE_COUNT=N in the environment sends it N times, back to back
 * (a rate limit's test), or at most ICMP_FORGE_PPS=R times a second
 * (0: back to back): each is followed by a pause of 1/R s, never made up
 * for later. ICMP_FORGE_QLEN=N gives the quoted IPv6 header the payload
 * length N (1360 without it). ICMP_FORGE_TUNNEL=OSRC,ODST (IPv4) puts
 * the quote inside an IPIP header OSRC -> ODST, as an error about a
 * tunnel's packet quotes it (total length 1420).
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint16_t csum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)b[i] << 8 | b[i + 1];
	if (len & 1)
		sum += (uint32_t)b[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons(~sum & 0xffff);
}

static struct in_addr addr(const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1) {
		fprintf(stderr, "icmp_forge: bad address %s\n", s);
		exit(2);
	}
	return a;
}

/*
 * Send @len bytes ICMP_FORGE_COUNT times (once without it), at most
 * ICMP_FORGE_PPS a second if set; 0 or 1.
 */
static int send_n(int fd, const void *msg, size_t len,
		  const struct sockaddr *to, socklen_t tolen)
{
	const char *env = getenv("ICMP_FORGE_COUNT");
	long n = env ? strtol(env, NULL, 0) : 1;
	const char *penv = getenv("ICMP_FORGE_PPS");
	char *end = NULL;
	long pps = penv ? strtol(penv, &end, 0) : 0;
	struct timespec gap;

	if (penv && (!*penv || *end || pps < 0 || pps > 1000000000)) {
		fprintf(stderr, "icmp_forge: ICMP_FORGE_PPS '%s': not 0 to 1000000000\n",
			penv);
		return 1;
	}
	if (pps) {
		gap.tv_sec = pps == 1;
		gap.tv_nsec = pps == 1 ? 0 : 1000000000 / pps;
	}
	while (n-- > 0) {
		if (sendto(fd, msg, len, 0, to, tolen) != (ssize_t)len) {
			perror("icmp_forge: sendto");
			return 1;
		}
		/*
		 * A pause after each, not a schedule to keep: a guest too slow
		 * for the rate must not get the missed ones back to back.
		 */
		if (pps)
			nanosleep(&gap, NULL);
	}
	puts("sent");
	return 0;
}

/* The quoted transport header's first 8 bytes: QSPORT, QDPORT, QSEQ. */
static void quote_l4(uint8_t *l4, char **argv)
{
	uint16_t v;
	uint32_t seq;

	v = htons(atoi(argv[5]));
	memcpy(l4, &v, 2);
	v = htons(atoi(argv[7]));
	memcpy(l4 + 2, &v, 2);
	seq = htonl(strtoul(argv[8], NULL, 0));
	memcpy(l4 + 4, &seq, 4);
}

/* The IPv6 counterpart of main()'s packet (see the top of the file). */
static int forge6(char **argv, bool udp)
{
	uint8_t msg[8 + 40 + 8] = {}, *q = msg + 8, *ql4 = msg + 48;
	struct addrinfo hints = { .ai_family = AF_INET6,
				  .ai_flags = AI_NUMERICHOST }, *src, *dst;
	uint32_t v32, mtu = strtoul(argv[3], NULL, 0);
	struct in6_addr qa;
	uint16_t v;
	int fd;

	if (getaddrinfo(argv[1], NULL, &hints, &src) ||
	    getaddrinfo(argv[2], NULL, &hints, &dst)) {
		fprintf(stderr, "icmp_forge: bad address %s or %s\n", argv[1], argv[2]);
		return 2;
	}
	msg[0] = mtu ? 2 : 1;	/* packet too big, destination unreachable */
	msg[1] = mtu ? 0 : udp ? 4 : 1;
	v32 = htonl(mtu);
	memcpy(msg + 4, &v32, 4);

	q[0] = 0x60;
	v = htons(getenv("ICMP_FORGE_QLEN") ?
		  strtoul(getenv("ICMP_FORGE_QLEN"), NULL, 0) : 1400 - 40);
	memcpy(q + 4, &v, 2);
	q[6] = udp ? IPPROTO_UDP : IPPROTO_TCP;
	q[7] = 64;
	if (inet_pton(AF_INET6, argv[4], &qa) != 1)
		return 2;
	memcpy(q + 8, &qa, 16);
	if (inet_pton(AF_INET6, argv[6], &qa) != 1)
		return 2;
	memcpy(q + 24, &qa, 16);
	quote_l4(ql4, argv);

	fd = socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6);
	if (fd < 0 || bind(fd, src->ai_addr, src->ai_addrlen)) {
		perror("icmp_forge: socket");
		return 1;
	}
	return send_n(fd, msg, sizeof(msg), dst->ai_addr, dst->ai_addrlen);
}

/* An IPv4 header @src -> @dst, protocol @proto, @len bytes in all. */
static void ip4(struct iphdr *h, const char *src, const char *dst,
		uint8_t proto, uint16_t len)
{
	h->version = 4;
	h->ihl = 5;
	h->ttl = 64;
	h->protocol = proto;
	h->frag_off = htons(IP_DF);
	h->tot_len = htons(len);
	h->saddr = addr(src).s_addr;
	h->daddr = addr(dst).s_addr;
	h->check = csum(h, 20);
}

int main(int argc, char **argv)
{
	uint8_t pkt[20 + 8 + 20 + 20 + 8] = {};
	const char *tunnel = getenv("ICMP_FORGE_TUNNEL");
	struct iphdr *ip = (struct iphdr *)pkt, *q;
	struct sockaddr_in to = { .sin_family = AF_INET };
	uint8_t *icmp = pkt + 20, *qtcp;
	size_t len = 8 + 20 + 8;	/* ICMP header, quote; +20 tunnelled */
	char osrc[64], *odst;
	uint16_t v;
	int fd, one = 1;

	bool udp = argc == 10 && !strcmp(argv[9], "udp");

	if (argc != 9 && !udp) {
		fprintf(stderr, "usage: icmp_forge SRC DST MTU QSRC QSPORT QDST QDPORT QSEQ [udp]\n");
		return 2;
	}
	if (strchr(argv[1], ':'))
		return forge6(argv, udp);
	q = (struct iphdr *)(icmp + 8);
	if (tunnel) {
		if (strlen(tunnel) >= sizeof(osrc) || !strchr(tunnel, ',')) {
			fprintf(stderr, "icmp_forge: ICMP_FORGE_TUNNEL '%s': not OSRC,ODST\n",
				tunnel);
			return 2;
		}
		strcpy(osrc, tunnel);
		odst = strchr(osrc, ',');
		*odst++ = 0;
		ip4(q, osrc, odst, IPPROTO_IPIP, 1420);
		q++;
		len += 20;
	}
	qtcp = (uint8_t *)(q + 1);
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_ICMP;
	ip->tot_len = htons(20 + len);
	ip->saddr = addr(argv[1]).s_addr;
	ip->daddr = addr(argv[2]).s_addr;

	icmp[0] = 3;	/* destination unreachable */
	icmp[1] = udp && !atoi(argv[3]) ? 3 : 4;	/* port unreachable, frag needed */
	v = htons(atoi(argv[3]));
	memcpy(icmp + 6, &v, 2);

	ip4(q, argv[4], argv[6], udp ? IPPROTO_UDP : IPPROTO_TCP, 1400);
	quote_l4(qtcp, argv);

	v = csum(icmp, len);
	memcpy(icmp + 2, &v, 2);

	fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0 || setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one))) {
		perror("icmp_forge: socket");
		return 1;
	}
	to.sin_addr.s_addr = ip->daddr;
	return send_n(fd, pkt, 20 + len, (struct sockaddr *)&to, sizeof(to));
}
