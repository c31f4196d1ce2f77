// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_common: what pktfuzz and pktfuzz6 share (see fuzz_common.h). The
 * order of the random calls is part of the seeds' meaning: a change here
 * changes what every seed sends.
 */
#define _GNU_SOURCE
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz_common.h"

unsigned char dst_mac[6], src_mac[6];
int fd, vfd = -1;
long sent, errors, answered;
uint8_t live_mask;
FILE *pcap;
static struct sockaddr_ll sll;
static uint64_t rs;

uint64_t rnd64(void)
{
	return splitmix64(&rs);
}

uint32_t rnd(uint32_t n)
{
	return n ? rnd64() % n : 0;
}

int chance(int pct)
{
	return rnd(100) < (uint32_t)pct;
}

void fill(uint8_t *p, size_t n)
{
	while (n--)
		*p++ = rnd(256);
}

uint8_t random_flags(void)
{
	static const uint8_t common[] = {
		0x02, 0x10, 0x18, 0x11, 0x04, 0x14, 0x12, 0x03, 0x06, 0x01,
		0x00, 0x3f, 0xff, 0x29, 0x05,
	};

	return chance(70) ? common[rnd(sizeof(common))] : rnd(256);
}

uint32_t pseudo_sum(const void *saddr, const void *daddr, size_t alen,
		    uint8_t proto, size_t len)
{
	uint32_t sum = sum16(saddr, alen, 0);

	sum = sum16(daddr, alen, sum);
	return sum + proto + (len >> 16) + (len & 0xffff);
}

uint16_t l4_csum(const void *saddr, const void *daddr, size_t alen,
		 uint8_t proto, const void *l4, size_t len)
{
	return fold(sum16(l4, len, pseudo_sum(saddr, daddr, alen, proto, len)));
}

uint8_t *fuzz_eth(uint8_t *frame, uint16_t ethertype)
{
	memcpy(frame, dst_mac, 6);
	memcpy(frame + 6, src_mac, 6);
	frame[12] = ethertype >> 8;
	frame[13] = ethertype;
	return frame + 14;
}

static void pcap_write(const void *frame, size_t len)
{
	uint32_t rec[4] = { sent, 0, len, len };

	fwrite(rec, sizeof(rec), 1, pcap);
	fwrite(frame, len, 1, pcap);
}

void fuzz_send(const uint8_t *frame, size_t len)
{
	if (pcap)
		pcap_write(frame, len);
	else if (sendto(fd, frame, len, 0, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		errors++;
	sent++;
}

void fuzz_send_gso(const uint8_t *frame, size_t len)
{
	size_t vh = sizeof(struct virtio_net_hdr);

	/* The pcap file gets the frame without its virtio_net_hdr. */
	if (pcap)
		pcap_write(frame + vh, len);
	else if (sendto(vfd, frame, vh + len, 0, (struct sockaddr *)&sll,
			sizeof(sll)) < 0)
		errors++;
	sent++;
}

static int parse_mac(const char *s, unsigned char *m)
{
	return sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &m[0], &m[1], &m[2],
		      &m[3], &m[4], &m[5]) == 6 ? 0 : -1;
}

int fuzz_option(struct fuzz_opts *o, int opt, const char *arg)
{
	static const uint32_t pcap_hdr[6] = {
		0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1,
	};

	switch (opt) {
	case 'i': o->ifname = arg; break;
	case 'm': return parse_mac(arg, dst_mac);
	case 's': o->seed = strtoull(arg, NULL, 0); break;
	case 'n': o->count = strtoull(arg, NULL, 0); break;
	case 'f': o->first = strtoull(arg, NULL, 0); break;
	case 'g': o->gso = 1; break;
	case 'q': o->quiet = 1; break;
	case 'x': live_mask = strtoul(arg, NULL, 0); break;
	case 'w':
		pcap = fopen(arg, "w");
		if (!pcap || fwrite(pcap_hdr, sizeof(pcap_hdr), 1, pcap) != 1) {
			perror(arg);
			exit(1);
		}
		break;
	default: return -1;
	}
	return 0;
}

void fuzz_open(const struct fuzz_opts *o, uint16_t ethertype)
{
	struct ifreq ifr = { 0 };

	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = if_nametoindex(o->ifname);
	if (!sll.sll_ifindex) {
		perror(o->ifname);
		exit(1);
	}
	/*
	 * ETH_P_ALL: on a bridge port (where the scenarios send from) the
	 * bridge consumes what comes in before protocol-specific packet
	 * sockets see it; the SYN-ACKs to answer come in there.
	 */
	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (fd < 0) {
		perror("AF_PACKET");
		exit(1);
	}
	sll.sll_halen = 6;
	memcpy(sll.sll_addr, dst_mac, 6);
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		perror("bind");
		exit(1);
	}
	sll.sll_protocol = htons(ethertype);	/* for sendto() */
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", o->ifname);
	if (!ioctl(fd, SIOCGIFHWADDR, &ifr))
		memcpy(src_mac, ifr.ifr_hwaddr.sa_data, 6);
	if (o->gso) {
		int one = 1;

		vfd = socket(AF_PACKET, SOCK_RAW, 0);
		if (vfd < 0 ||
		    setsockopt(vfd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) ||
		    bind(vfd, (struct sockaddr *)&sll, sizeof(sll))) {
			perror("PACKET_VNET_HDR");
			exit(1);
		}
	}
}

void fuzz_tuples(const char *path, int (*add)(const char *s, unsigned sp,
					      const char *d, unsigned dp))
{
	char s[64], d[64];
	unsigned sp, dp;
	FILE *f = fopen(path, "r");

	if (!f) {
		perror(path);
		exit(2);
	}
	while (fscanf(f, "%63s %u %63s %u", s, &sp, d, &dp) == 4)
		if (add(s, sp, d, dp))
			break;
	fclose(f);
}

void fuzz_run(const struct fuzz_opts *o, const char *name,
	      const struct fuzz_kind *kinds, void (*answer)(void))
{
	const struct fuzz_kind *k;
	unsigned long long i;
	uint32_t total = 0, r;

	for (k = kinds; k->send; k++)
		total += k->weight;
	for (i = o->first; i < o->first + o->count; i++) {
		rs = o->seed * 0x100000001b3ULL ^ i * 0x9e3779b97f4a7c15ULL;
		rnd64();
		for (r = rnd(total), k = kinds; r >= k->weight; k++)
			r -= k->weight;
		k->send();
		/* Nothing comes back to a pcap file. */
		if (i % 16 == 0 && !pcap)
			answer();
		if (!o->quiet && i && i % 10000 == 0)
			fprintf(stderr, "%s: seed %llu packet %llu\n", name,
				o->seed, i);
	}
	/* Late SYN-ACKs: the peer may still be working through the queue. */
	for (i = 0; i < 20 && !pcap; i++) {
		usleep(50000);
		answer();
	}
	if (pcap)
		fclose(pcap);
	printf("sent=%ld errors=%ld answered=%ld\n", sent, errors, answered);
}
