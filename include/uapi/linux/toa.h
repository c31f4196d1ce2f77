/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * TOA ("TCP option address"): the TCP option in which a FullNAT director
 * tells the real server who the client is. The director (fullnat.ko)
 * writes it, the real server's toa.ko reads it; both, and the test tools,
 * take the numbers from here.
 *
 * Where the numbers come from: none of them is assigned by IANA; they are
 * what deployed directors put on the wire, and a real server must accept
 * all of them to work behind any of those directors.
 *
 *   kind 254, length 8    IPv4 client. The original Baidu/Alibaba FullNAT
 *                         (LVS "fullnat" branch) and DPVS. 254 is RFC 4727's
 *                         experimental kind, used here without the RFC 6994
 *                         ExID, as every deployed director does.
 *   kind 254, length 20   IPv6 client, DPVS.
 *   kind 253, length 20   IPv6 client, Alibaba (253 is RFC 4727's other
 *                         experimental kind).
 *
 * Very old releases used kind 200; nobody should send it any more and it
 * is not accepted.
 *
 * Which packets carry it: the real server creates the child socket from the
 * third-handshake ACK (also when it answered with a SYN cookie), so the
 * option must be in that ACK and in every client packet whose ack_seq is
 * the server's ISN + 1 (a retransmitted ACK, data sent before the server
 * spoke). A TOA in the SYN is useless.
 *
 * Layout (network byte order, no padding, no alignment on the wire):
 *
 *   IPv4: u8 kind, u8 len (8),  __be16 port, __be32 addr
 *   IPv6: u8 kind, u8 len (20), __be16 port, u8 addr[16] (struct in6_addr)
 */
#ifndef _UAPI_LINUX_TOA_H
#define _UAPI_LINUX_TOA_H

#include <linux/types.h>

#define TOA_KIND		254	/* IPv4 (len 8) and DPVS IPv6 (len 20) */
#define TOA_KIND_V6_ALI		253	/* Alibaba IPv6 (len 20) */
/*
 * The kind fullnat.ko writes for an IPv6 client: 254, DPVS's. The length
 * tells the families apart, so one kind serves both and a real server (or
 * a capture filter) that knows TOA by kind 254 knows it for either; DPVS
 * is the FullNAT66 director most IPv6 real servers already run behind,
 * so theirs is the TOA module they have. toa.ko reads 253 too.
 */
#define TOA_KIND_V6		TOA_KIND
#define TOA_LEN_V4		8
#define TOA_LEN_V6		20

struct toa_v4 {
	__u8 kind;
	__u8 len;
	__be16 port;
	__be32 addr;
};

struct toa_v6 {
	__u8 kind;
	__u8 len;
	__be16 port;
	__u8 addr[16];
};

#endif /* _UAPI_LINUX_TOA_H */
