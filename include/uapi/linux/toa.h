/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * TOA ("TCP Option Address"): the client's address carried in a TCP option
 * from a FullNAT director to a real server. Numbers of the wire, shared by
 * fullnat.ko (writes it) and toa.ko (reads it).
 *
 * Where the numbers come from: kind 254 with length 8 (IPv4) is what
 * Alibaba's and Baidu's FullNAT directors and every TOA module deployed
 * since write and read; kind 254 with length 20 is DPVS's IPv6 form and
 * kind 253 with length 20 Alibaba's. Kind 254 is one of the two RFC 4727
 * experimental kinds (253, 254); very old releases used kind 200. The
 * port and address are in network byte order.
 */
#ifndef _UAPI_LINUX_TOA_H
#define _UAPI_LINUX_TOA_H

#include <linux/types.h>
#include <linux/in6.h>

#define TCPOPT_TOA		254
#define TCPOPT_TOA_ALIBABA_V6	253
#define TCPOLEN_TOA_V4		8
#define TCPOLEN_TOA_V6		20

struct toa_opt_v4 {
	__u8 kind;
	__u8 len;
	__be16 port;
	__be32 addr;
} __attribute__((packed));

struct toa_opt_v6 {
	__u8 kind;
	__u8 len;
	__be16 port;
	struct in6_addr addr;
} __attribute__((packed));

#endif /* _UAPI_LINUX_TOA_H */
