/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What pktfuzz and pktfuzz6 share: the seeded randomness, the packet
 * sockets (or the pcap file) the frames go to, the options both take, the
 * tuples file and the main loop. Linked into both (tests/tools/Makefile).
 */
#ifndef _TESTS_TOOLS_FUZZ_COMMON_H
#define _TESTS_TOOLS_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "inet.h"

extern unsigned char dst_mac[6], src_mac[6];
extern int fd, vfd;		/* the packet socket; the GSO one (-g) or -1 */
extern long sent, errors, answered;
extern uint8_t live_mask;	/* -x */
extern FILE *pcap;		/* -w */

/* Randomness: packet i is a function of (seed, i) only. */
uint64_t rnd64(void);
uint32_t rnd(uint32_t n);	/* 0..n-1 */
int chance(int pct);
void fill(uint8_t *p, size_t n);
uint8_t random_flags(void);	/* TCP flags, the usual combinations mostly */

/* The pseudo-header's sum, for addresses of @alen bytes (4 or 16). */
uint32_t pseudo_sum(const void *saddr, const void *daddr, size_t alen,
		    uint8_t proto, size_t len);
/* A TCP, UDP or ICMPv6 checksum over the pseudo-header and @l4. */
uint16_t l4_csum(const void *saddr, const void *daddr, size_t alen,
		 uint8_t proto, const void *l4, size_t len);

/* The Ethernet header to dst_mac: returns where the packet goes. */
uint8_t *fuzz_eth(uint8_t *frame, uint16_t ethertype);
/* A whole frame out of the packet socket (or into the pcap file). */
void fuzz_send(const uint8_t *frame, size_t len);
/* A frame of @len bytes behind a virtio_net_hdr, out of the GSO socket. */
void fuzz_send_gso(const uint8_t *frame, size_t len);

struct fuzz_opts {
	const char *ifname;
	unsigned long long seed, count, first;
	int quiet, gso;
};

#define FUZZ_OPTS	"i:m:s:n:f:gqw:x:"
/*
 * The options both tools take (FUZZ_OPTS): 0 when @opt was one of them
 * and is good, -1 otherwise. -w's file is opened here (exit 1 if not).
 */
int fuzz_option(struct fuzz_opts *o, int opt, const char *arg);
/* The sockets on o->ifname (exit 1 if they cannot be set up). */
void fuzz_open(const struct fuzz_opts *o, uint16_t ethertype);

/*
 * Calls @add for each line "SRC SPORT DST DPORT" of @path (exit 2 if it
 * cannot be read) until @add returns non-zero.
 */
void fuzz_tuples(const char *path, int (*add)(const char *s, unsigned sp,
					      const char *d, unsigned dp));

/* A kind of packet and its share of 20. */
struct fuzz_kind {
	void (*send)(void);
	uint32_t weight;
};

/*
 * Packets o->first.. of o->count, of @kinds (ending in a NULL send),
 * calling @answer every 16 and at the end; prints the counts.
 */
void fuzz_run(const struct fuzz_opts *o, const char *name,
	      const struct fuzz_kind *kinds, void (*answer)(void));

#endif
