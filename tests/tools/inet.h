/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers shared by the test programs that build packets by hand:
 * the Internet checksum (RFC 1071), a monotonic clock in seconds, and a
 * seeded generator (splitmix64) for runs that must replay from a seed.
 */
#ifndef _TESTS_TOOLS_INET_H
#define _TESTS_TOOLS_INET_H

#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Add @len bytes, as big-endian 16-bit words, to the running sum. */
static inline uint32_t sum16(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *p = data;

	for (; len > 1; p += 2, len -= 2)
		sum += (p[0] << 8) | p[1];
	if (len)
		sum += p[0] << 8;
	return sum;
}

/* The checksum field's value (network order) for a running sum. */
static inline uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons(~sum & 0xffff);
}

/* TCP or UDP checksum over IPv4 addresses (network order) and a segment. */
static inline uint16_t l4_csum4(const void *saddr, const void *daddr,
				uint8_t proto, const void *seg, size_t len)
{
	uint32_t sum = sum16(saddr, 4, 0);

	sum = sum16(daddr, 4, sum);
	sum += proto + len;
	return fold(sum16(seg, len, sum));
}

static inline double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* splitmix64: one 64-bit state, every value of it a fine seed. */
static inline uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

#endif
