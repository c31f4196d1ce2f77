// SPDX-License-Identifier: GPL-2.0
/*
 * udp_answer: an IPv4 UDP server that answers each datagram with SIZE
 * bytes of 'a', in one of three ways, until killed.
 *
 *   udp_answer ADDR PORT SIZE [nocsum|dffrag]
 *
 * Plain: an ordinary datagram (the stack fragments it, without DF, if it
 * is bigger than the path). "nocsum": with a UDP checksum of 0 (IPv4 allows
 * it: SO_NO_CHECK). "dffrag": built by hand and sent in fragments of at
 * most 1000 bytes of payload, each with DF set, as a router that
 * fragmented a datagram under path MTU discovery sends them (a raw socket:
 * the stack would never send DF fragments itself). Prints "ready" once
 * bound, and one line per answer.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "inet.h"

#define FRAG_PAYLOAD	1000	/* a multiple of 8 */

/* @len bytes of UDP (header included) from @from to @to in DF fragments. */
static int send_dffrag(int raw, const struct sockaddr_in *from,
		       const struct sockaddr_in *to, uint8_t *udp, size_t len)
{
	static uint16_t id = 1;
	uint8_t pkt[20 + FRAG_PAYLOAD];
	struct iphdr *ip = (struct iphdr *)pkt;
	size_t off, n;

	for (off = 0; off < len; off += n) {
		n = len - off > FRAG_PAYLOAD ? FRAG_PAYLOAD : len - off;
		memset(ip, 0, sizeof(*ip));
		ip->version = 4;
		ip->ihl = 5;
		ip->tot_len = htons(20 + n);
		ip->id = htons(id);
		ip->frag_off = htons(IP_DF | (off + n < len ? IP_MF : 0) |
				     off / 8);
		ip->ttl = 64;
		ip->protocol = IPPROTO_UDP;
		ip->saddr = from->sin_addr.s_addr;
		ip->daddr = to->sin_addr.s_addr;
		ip->check = fold(sum16(ip, 20, 0));
		memcpy(pkt + 20, udp + off, n);
		if (sendto(raw, pkt, 20 + n, 0, (const struct sockaddr *)to,
			   sizeof(*to)) != (ssize_t)(20 + n)) {
			perror("udp_answer: sendto (raw)");
			return -1;
		}
	}
	id++;
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in me = { .sin_family = AF_INET }, peer;
	const char *mode = argc == 5 ? argv[4] : "";
	int fd, raw = -1, one = 1;
	size_t size;
	uint8_t *buf;

	if ((argc != 4 && argc != 5) || (*mode && strcmp(mode, "nocsum") &&
					 strcmp(mode, "dffrag"))) {
		fprintf(stderr, "usage: udp_answer ADDR PORT SIZE [nocsum|dffrag]\n");
		return 2;
	}
	size = strtoul(argv[3], NULL, 0);
	if (inet_pton(AF_INET, argv[1], &me.sin_addr) != 1 || size > 65507) {
		fprintf(stderr, "udp_answer: bad address or size\n");
		return 2;
	}
	me.sin_port = htons(atoi(argv[2]));
	buf = malloc(sizeof(struct udphdr) + size);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (!buf || fd < 0 || bind(fd, (struct sockaddr *)&me, sizeof(me)) ||
	    (!strcmp(mode, "nocsum") &&
	     setsockopt(fd, SOL_SOCKET, SO_NO_CHECK, &one, sizeof(one)))) {
		perror("udp_answer: socket");
		return 1;
	}
	if (!strcmp(mode, "dffrag")) {
		raw = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
		if (raw < 0) {
			perror("udp_answer: raw socket");
			return 1;
		}
	}
	memset(buf + sizeof(struct udphdr), 'a', size);
	puts("ready");
	fflush(stdout);
	for (;;) {
		socklen_t plen = sizeof(peer);
		struct udphdr *uh = (struct udphdr *)buf;
		char tmp[512];
		ssize_t ret;

		if (recvfrom(fd, tmp, sizeof(tmp), 0, (struct sockaddr *)&peer,
			     &plen) < 0) {
			perror("udp_answer: recvfrom");
			return 1;
		}
		if (raw < 0) {
			ret = sendto(fd, buf + sizeof(*uh), size, 0,
				     (struct sockaddr *)&peer, plen);
			ret = ret == (ssize_t)size ? 0 : -1;
		} else {
			uh->source = me.sin_port;
			uh->dest = peer.sin_port;
			uh->len = htons(sizeof(*uh) + size);
			uh->check = 0;
			uh->check = l4_csum4(&me.sin_addr, &peer.sin_addr,
					     IPPROTO_UDP, buf,
					     sizeof(*uh) + size);
			ret = send_dffrag(raw, &me, &peer, buf,
					  sizeof(*uh) + size);
		}
		if (ret) {
			perror("udp_answer: sendto");
			return 1;
		}
		printf("answered %s:%u\n", inet_ntoa(peer.sin_addr),
		       ntohs(peer.sin_port));
		fflush(stdout);
	}
}
