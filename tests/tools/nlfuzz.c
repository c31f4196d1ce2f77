// SPDX-License-Identifier: GPL-2.0
/*
 * nlfuzz: random and mutated generic netlink requests to fullnat.ko,
 * deterministic from a seed.
 *
 *   nlfuzz [-s SEED] [-n COUNT] [-f FIRST] [-d EVERY] [-e] [-q]
 *
 * Each request starts from a valid one for a random command (service,
 * real-server, local-address and configuration keys drawn from small
 * pools, so that what is accepted keeps the state small) and is then
 * mutated: attributes dropped, duplicated, retyped, truncated or
 * lengthened, values at and past their bounds, garbage and deep nests in
 * nests, NLA_F_NESTED and byte-order flags toggled, hundreds of
 * attributes, wrong header lengths, unknown commands, reserved header
 * bytes, dumps of any command, dumps abandoned half read (the socket is
 * closed under them).
 *
 *   -d EVERY  after every EVERY-th refused request (default 1: each),
 *             compare a digest of the director's state (configuration,
 *             services, real servers, local addresses, info without
 *             counters) with the one taken before it: a refused request
 *             must change nothing. 0: never.
 *   -e        an unprivileged caller: expect every request to be
 *             refused (EPERM once it names a command; an unknown command,
 *             a dump of a command without one, a short or reserved header
 *             are refused before the permission check); one accepted is a
 *             failure
 *   -f FIRST  start at request FIRST (request i depends on (SEED, i)
 *             only, and on the state earlier requests left)
 *
 * Prints "sent=N accepted=A refused=R noreply=Q dumps=D abandoned=B
 * checked=C changed=X eperm=P" and exits 1 if a refused request changed the state
 * (X > 0) or, with -e, if anything was accepted.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/fullnat.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "inet.h"

#define BUFSZ 65536
#define NOREPLY 2	/* transact(): nothing answered the request */

static int fd, family;
static uint32_t seqno;
static uint64_t rs;

static uint64_t rnd64(void)
{
	return splitmix64(&rs);
}

static uint32_t rnd(uint32_t n)
{
	return n ? rnd64() % n : 0;
}

static int chance(int pct)
{
	return rnd(100) < (uint32_t)pct;
}

/* --- messages -------------------------------------------------------------- */

struct msg {
	unsigned char buf[BUFSZ];
	size_t len;
};

static struct nlattr *put(struct msg *m, int type, const void *data,
			  size_t len)
{
	struct nlattr *a = (struct nlattr *)(m->buf + m->len);

	if (m->len + NLA_HDRLEN + NLA_ALIGN(len) > BUFSZ - 64)
		return NULL;
	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy((char *)a + NLA_HDRLEN, data, len);
	m->len += NLA_HDRLEN + NLA_ALIGN(len);
	return a;
}

static void end_nest(struct msg *m, struct nlattr *nest)
{
	if (nest)
		nest->nla_len = (m->buf + m->len) - (unsigned char *)nest;
}

static void start(struct msg *m, uint16_t type, uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *n = (struct nlmsghdr *)m->buf;
	struct genlmsghdr *g = (struct genlmsghdr *)(n + 1);

	memset(m->buf, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	n->nlmsg_type = type;
	n->nlmsg_flags = flags;
	n->nlmsg_seq = ++seqno;
	g->cmd = cmd;
	g->version = FULLNAT_GENL_VERSION;
	m->len = NLMSG_HDRLEN + GENL_HDRLEN;
}

static int open_sock(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int one = 1, s = socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
	struct timeval tv = { .tv_sec = 5 };

	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)))
		return -1;
	/* A safety net: requests are answered while send() runs. */
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(s, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(s, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	return s;
}

/*
 * Send, then read to the ACK or NLMSG_DONE. The payloads of the replies
 * are fed to *hash (when given). Returns 0, a negative errno, or 1 for a
 * dump that ended without error.
 */
static int transact(struct msg *m, uint64_t *hash, int abandon)
{
	static unsigned char reply[BUFSZ];
	struct nlmsghdr *n = (struct nlmsghdr *)m->buf;
	uint32_t seq = n->nlmsg_seq;
	ssize_t r;

	int lied;

	if (n->nlmsg_len == 0)
		n->nlmsg_len = m->len;
	lied = n->nlmsg_len != m->len;
	if (send(fd, m->buf, m->len, 0) < 0)
		return -errno;
	for (;;) {
		/*
		 * A header that lies about the length may get no answer at
		 * all (the kernel drops a message longer than what came);
		 * what does answer is queued by the time send() returns.
		 */
		r = recv(fd, reply, sizeof(reply), lied ? MSG_DONTWAIT : 0);
		if (r < 0 && lied && errno == EAGAIN)
			return NOREPLY;
		if (r < 0)
			return -errno;
		if (abandon)
			return -EINTR;
		for (n = (struct nlmsghdr *)reply; NLMSG_OK(n, r);
		     n = NLMSG_NEXT(n, r)) {
			if (n->nlmsg_seq != seq)
				continue;
			if (n->nlmsg_type == NLMSG_ERROR)
				return ((struct nlmsgerr *)NLMSG_DATA(n))->error;
			if (n->nlmsg_type == NLMSG_DONE)
				return 1;
			if (hash) {
				unsigned char *p = NLMSG_DATA(n);
				size_t i, len = n->nlmsg_len - NLMSG_HDRLEN;

				for (i = 0; i < len; i++)
					*hash = (*hash ^ p[i]) * 0x100000001b3ULL;
			}
			if (!(n->nlmsg_flags & NLM_F_MULTI))
				return 0;
		}
	}
}

static int resolve(const char *name)
{
	static unsigned char reply[8192];
	struct nlmsghdr *n;
	struct nlattr *a;
	struct msg m;
	ssize_t r;
	int alen;

	start(&m, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, NLM_F_REQUEST);
	put(&m, CTRL_ATTR_FAMILY_NAME, name, strlen(name) + 1);
	((struct nlmsghdr *)m.buf)->nlmsg_len = m.len;
	if (send(fd, m.buf, m.len, 0) < 0)
		return -1;
	r = recv(fd, reply, sizeof(reply), 0);
	n = (struct nlmsghdr *)reply;
	if (r < 0 || !NLMSG_OK(n, r) || n->nlmsg_type == NLMSG_ERROR)
		return -1;
	alen = n->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
	a = (struct nlattr *)((char *)NLMSG_DATA(n) + GENL_HDRLEN);
	while (alen >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN) {
		if (a->nla_type == CTRL_ATTR_FAMILY_ID)
			return *(uint16_t *)((char *)a + NLA_HDRLEN);
		alen -= NLA_ALIGN(a->nla_len);
		a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len));
	}
	return -1;
}

/* --- the director's state ---------------------------------------------------- */

/* Pools of keys: small, so that accepted requests keep the state small. */
static const uint32_t vips[] = { 0xcb00710a, 0xcb00710b, 0xcb00710c };
static const uint32_t rips[] = { 0xc613000b, 0xc613000c, 0xc613000d };
static const uint32_t lips[] = { 0xc6120b01, 0xc6120b02, 0xc6120b03 };
static const uint16_t ports[] = { 80, 443, 8080 };

static void put_u8(struct msg *m, int t, uint8_t v) { put(m, t, &v, 1); }
static void put_u16(struct msg *m, int t, uint16_t v) { put(m, t, &v, 2); }
static void put_u32(struct msg *m, int t, uint32_t v) { put(m, t, &v, 4); }

static void put_ip(struct msg *m, int t, uint32_t host)
{
	uint32_t be = htonl(host);

	put(m, t, &be, 4);
}

static void svc_key(struct msg *m, int vi, int pi)
{
	struct nlattr *nest = put(m, FULLNAT_A_SERVICE | NLA_F_NESTED, NULL, 0);

	put_u8(m, FULLNAT_A_SVC_PROTOCOL, 6);
	put_ip(m, FULLNAT_A_SVC_ADDR, vips[vi]);
	put_u16(m, FULLNAT_A_SVC_PORT, ports[pi]);
	end_nest(m, nest);
}

/*
 * A digest of everything a request may change: configuration, services
 * and their real servers, local addresses, and the info counts (not the
 * counters, which traffic moves; there is none here).
 */
static uint64_t digest(void)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	int vi, pi, ret;
	struct msg m;

	start(&m, family, FULLNAT_CMD_GET_CONFIG, NLM_F_REQUEST);
	if (transact(&m, &h, 0) < 0)
		return 0;
	start(&m, family, FULLNAT_CMD_GET_SERVICE, NLM_F_REQUEST | NLM_F_DUMP);
	transact(&m, &h, 0);
	start(&m, family, FULLNAT_CMD_GET_LADDR, NLM_F_REQUEST | NLM_F_DUMP);
	transact(&m, &h, 0);
	for (vi = 0; vi < 3; vi++)
		for (pi = 0; pi < 3; pi++) {
			start(&m, family, FULLNAT_CMD_GET_DEST,
			      NLM_F_REQUEST | NLM_F_DUMP);
			svc_key(&m, vi, pi);
			ret = transact(&m, &h, 0);
			h = (h ^ (uint64_t)ret) * 0x100000001b3ULL;
		}
	return h;
}

/* --- requests ---------------------------------------------------------------- */

static const uint32_t edge32[] = {
	0, 1, 2, 255, 256, 65535, 65536, 1U << 22, (1U << 22) + 1, 1U << 24,
	(1U << 24) + 1, 0x7fffffff, 0x80000000, 0xffffffff,
};

static uint32_t value32(void)
{
	return chance(60) ? edge32[rnd(sizeof(edge32) / sizeof(edge32[0]))]
			  : (uint32_t)rnd64();
}

/* An attribute of random type and payload (or a nest of them). */
static void garbage_attr(struct msg *m, int depth, int maxtype)
{
	unsigned char data[64];
	size_t len = rnd(chance(50) ? 9 : 64), i;
	int type = chance(80) ? rnd(maxtype + 3) : rnd(65536);

	if (depth < 8 && chance(20)) {
		struct nlattr *nest = put(m, type | NLA_F_NESTED, NULL, 0);
		int k, n = rnd(4);

		for (k = 0; k < n; k++)
			garbage_attr(m, depth + 1, maxtype);
		end_nest(m, nest);
		return;
	}
	for (i = 0; i < len; i++)
		data[i] = rnd(256);
	if (chance(10))
		type |= NLA_F_NET_BYTEORDER;
	put(m, type, data, len);
}

/* A valid-looking nested member with a possibly mutated value. */
static void member(struct msg *m, int type, int kind)
{
	switch (chance(75) ? (uint32_t)kind : rnd(5)) {
	case 0: put_u8(m, type, chance(80) ? rnd(4) : rnd(256)); break;
	case 1: put_u16(m, type, chance(70) ? (uint32_t)ports[rnd(3)] : value32()); break;
	case 2: put_u32(m, type, value32()); break;
	case 3: {
		uint32_t a = htonl(chance(80) ? vips[rnd(3)] : (uint32_t)rnd64());
		unsigned char six[16];

		if (chance(85)) {
			put(m, type, &a, 4);
		} else {
			size_t i, n = rnd(17);

			for (i = 0; i < n; i++)
				six[i] = rnd(256);
			put(m, type, six, n);
		}
		break;
	}
	default: {
		static const char *names[] = {
			"rr", "wrr", "wlc", "lc", "sed", "nq", "sh", "dh",
			"mh", "", "nosuch", "abcdefghijklmnopqrstuvwxyz",
		};
		const char *s = names[rnd(sizeof(names) / sizeof(names[0]))];
		size_t n = strlen(s) + (chance(80) ? 1 : 0);

		put(m, type, s, n);
	}
	}
}

static void service_nest(struct msg *m)
{
	struct nlattr *nest = put(m, FULLNAT_A_SERVICE |
				  (chance(95) ? NLA_F_NESTED : 0), NULL, 0);
	int k, extra;

	if (chance(90)) put_u8(m, FULLNAT_A_SVC_PROTOCOL, chance(85) ? 6 : rnd(256));
	if (chance(90)) put_ip(m, FULLNAT_A_SVC_ADDR, vips[rnd(3)]);
	if (chance(90)) put_u16(m, FULLNAT_A_SVC_PORT, chance(90) ? (uint32_t)ports[rnd(3)] : rnd(3));
	if (chance(60)) put_u8(m, FULLNAT_A_SVC_FORWARD, chance(80) ? 0 : rnd(8));
	if (chance(60)) member(m, FULLNAT_A_SVC_SCHED, 4);
	if (chance(30)) put_u8(m, FULLNAT_A_SVC_TOA, rnd(3));
	if (chance(20)) {
		/* the hashing schedulers' options: small tables are cheap */
		struct nlattr *opts = put(m, FULLNAT_A_SVC_SCHED_OPTS |
					  (chance(95) ? NLA_F_NESTED : 0), NULL, 0);

		if (chance(70)) put_u8(m, FULLNAT_A_SCHED_OPT_PORT, rnd(3));
		if (chance(70)) put_u32(m, FULLNAT_A_SCHED_OPT_TABLE,
					chance(70) ? (chance(50) ? 251 : 509) : value32());
		if (chance(10))
			member(m, rnd(FULLNAT_A_SCHED_OPT_MAX + 3), rnd(5));
		end_nest(m, opts);
	}
	/* persistence: on, off, a netmask in and past IPv4's range */
	if (chance(20)) put_u32(m, FULLNAT_A_SVC_PERSIST_TIMEOUT,
				chance(80) ? rnd(4) : value32());
	if (chance(15)) put_u32(m, FULLNAT_A_SVC_PERSIST_NETMASK,
				chance(80) ? rnd(34) : value32());
	extra = chance(20) ? rnd(6) : 0;
	for (k = 0; k < extra; k++)
		member(m, rnd(FULLNAT_A_SVC_MAX + 3), rnd(5));
	if (chance(5))
		garbage_attr(m, 1, FULLNAT_A_SVC_MAX);
	end_nest(m, nest);
}

static void dest_nest(struct msg *m)
{
	struct nlattr *nest = put(m, FULLNAT_A_DEST |
				  (chance(95) ? NLA_F_NESTED : 0), NULL, 0);
	int k, extra;

	if (chance(90)) put_ip(m, FULLNAT_A_DEST_ADDR, rips[rnd(3)]);
	if (chance(90)) put_u16(m, FULLNAT_A_DEST_PORT, chance(90) ? (uint32_t)ports[rnd(3)] : rnd(3));
	if (chance(50)) put_u32(m, FULLNAT_A_DEST_WEIGHT, chance(70) ? rnd(10) : value32());
	if (chance(30)) put_u8(m, FULLNAT_A_DEST_FORWARD, chance(80) ? 0 : rnd(8));
	extra = chance(20) ? rnd(6) : 0;
	for (k = 0; k < extra; k++)
		member(m, rnd(FULLNAT_A_DEST_MAX + 3), rnd(5));
	if (chance(5))
		garbage_attr(m, 1, FULLNAT_A_DEST_MAX);
	end_nest(m, nest);
}

static void laddr_nest(struct msg *m)
{
	struct nlattr *nest = put(m, FULLNAT_A_LADDR |
				  (chance(95) ? NLA_F_NESTED : 0), NULL, 0);

	if (chance(90))
		put_ip(m, FULLNAT_A_LADDR_ADDR, chance(90) ? lips[rnd(3)] :
		       chance(50) ? vips[rnd(3)] : (uint32_t)rnd64());
	if (chance(15))
		member(m, rnd(FULLNAT_A_LADDR_MAX + 3), rnd(5));
	end_nest(m, nest);
}

/*
 * A connection for FULLNAT_CMD_NEW_CONN: mostly the services' own VIPs,
 * ports and real servers, a LIP now ours (refused), now another
 * director's (198.18.12.x), any state and method, attributes missing,
 * doubled or of another type.
 */
static void conn_nest(struct msg *m)
{
	struct nlattr *nest = put(m, FULLNAT_A_CONN |
				  (chance(95) ? NLA_F_NESTED : 0), NULL, 0);
	int k, extra;

	if (chance(90)) put_u8(m, FULLNAT_A_CONN_PROTOCOL, chance(80) ? 6 : rnd(256));
	if (chance(90)) put_ip(m, FULLNAT_A_CONN_CADDR, chance(80) ? 0xc6336402 + rnd(4) : (uint32_t)rnd64());
	if (chance(90)) put_u16(m, FULLNAT_A_CONN_CPORT, rnd(65536));
	if (chance(90)) put_ip(m, FULLNAT_A_CONN_VADDR, vips[rnd(3)]);
	if (chance(90)) put_u16(m, FULLNAT_A_CONN_VPORT, chance(90) ? (uint32_t)ports[rnd(3)] : rnd(3));
	if (chance(80)) put_ip(m, FULLNAT_A_CONN_LADDR, chance(50) ? lips[rnd(3)] :
			       chance(80) ? 0xc6120c01 + rnd(3) : vips[rnd(3)]);
	if (chance(80)) put_u16(m, FULLNAT_A_CONN_LPORT, chance(80) ? 1024 + rnd(64) : rnd(3));
	if (chance(90)) put_ip(m, FULLNAT_A_CONN_DADDR, rips[rnd(3)]);
	if (chance(90)) put_u16(m, FULLNAT_A_CONN_DPORT, chance(90) ? (uint32_t)ports[rnd(3)] : rnd(3));
	if (chance(90)) put_u8(m, FULLNAT_A_CONN_STATE, rnd(chance(90) ? 9 : 256));
	if (chance(10)) put_u32(m, FULLNAT_A_CONN_EXPIRES, value32());
	if (chance(90)) put_u8(m, FULLNAT_A_CONN_FORWARD, chance(80) ? 0 : rnd(8));
	if (chance(20)) put_u32(m, FULLNAT_A_CONN_FLAGS, chance(80) ? 1 : value32());
	/* The sequence state: mostly all six, sometimes some; any numbers. */
	for (int a = FULLNAT_A_CONN_CSEQ_END; a <= FULLNAT_A_CONN_SSEQ_WSCALE; a++) {
		int f = (a - FULLNAT_A_CONN_CSEQ_END) % 3;

		if (!chance(a == FULLNAT_A_CONN_CSEQ_END ? 60 : 95))
			continue;
		if (f == 0) put_u32(m, a, value32());
		else if (f == 1) put_u16(m, a, rnd(65536));
		else put_u8(m, a, chance(80) ? rnd(15) : rnd(256));
	}
	if (chance(30)) put_u32(m, FULLNAT_A_CONN_RS_ISN, value32());
	extra = chance(20) ? rnd(6) : 0;
	for (k = 0; k < extra; k++)
		member(m, rnd(FULLNAT_A_CONN_MAX + 3), rnd(5));
	if (chance(5))
		garbage_attr(m, 1, FULLNAT_A_CONN_MAX);
	end_nest(m, nest);
}

/*
 * A filter for FULLNAT_CMD_DEL_CONN: a service, a real server and a
 * client, each mostly whole or left out, from the pools the imports use;
 * now and then a part half given, an attribute a filter does not take,
 * or an address of another family.
 */
static void filter_nest(struct msg *m)
{
	struct nlattr *nest = put(m, FULLNAT_A_CONN |
				  (chance(95) ? NLA_F_NESTED : 0), NULL, 0);
	int svc = chance(50), dest = chance(40), client = chance(30);

	if (svc || chance(5)) put_u8(m, FULLNAT_A_CONN_PROTOCOL, chance(90) ? 6 : rnd(256));
	if (svc || chance(5)) put_ip(m, FULLNAT_A_CONN_VADDR, vips[rnd(3)]);
	if (svc || chance(5)) put_u16(m, FULLNAT_A_CONN_VPORT, chance(90) ? (uint32_t)ports[rnd(3)] : rnd(3));
	if (dest || chance(5)) put_ip(m, FULLNAT_A_CONN_DADDR, rips[rnd(3)]);
	if (dest || chance(5)) put_u16(m, FULLNAT_A_CONN_DPORT, chance(90) ? (uint32_t)ports[rnd(3)] : rnd(3));
	if (client || chance(5)) put_ip(m, FULLNAT_A_CONN_CADDR, chance(90) ? 0xc6336402 + rnd(4) : (uint32_t)rnd64());
	if (client || chance(5)) put_u16(m, FULLNAT_A_CONN_CPORT, rnd(65536));
	if (chance(5)) {	/* IPv6's 16 bytes beside IPv4's */
		unsigned char a6[16] = { 0x20, 0x01, 0x0d, 0xb8 };

		a6[15] = rnd(256);
		put(m, chance(50) ? FULLNAT_A_CONN_DADDR : FULLNAT_A_CONN_CADDR,
		    a6, sizeof(a6));
	}
	if (chance(10))
		member(m, FULLNAT_A_CONN_LADDR + rnd(FULLNAT_A_CONN_MAX - 5), rnd(5));
	if (chance(5))
		garbage_attr(m, 1, FULLNAT_A_CONN_MAX);
	end_nest(m, nest);
}

/*
 * A protocol's timeouts (FULLNAT_A_CFG_TIMEOUT_*): states 0..max-1 as
 * attributes 1..max, one past, 0, values at and past the range, and now
 * and then not marked nested, or a member of another type.
 */
static void timeout_nest(struct msg *m, int type, int max)
{
	struct nlattr *nest = put(m, type | (chance(90) ? NLA_F_NESTED : 0),
				  NULL, 0);
	int k, n = rnd(max + 2);

	for (k = 0; k < n; k++) {
		int t = chance(90) ? 1 + rnd(max) : rnd(max + 3);
		uint32_t v = chance(60) ? 1 + rnd(3600) :
			     chance(50) ? FULLNAT_TIMEOUT_MAX + rnd(3) - 1 :
			     value32();

		if (chance(90))
			put_u32(m, t, v);
		else
			member(m, t, rnd(5));
	}
	end_nest(m, nest);
}

static void config_nest(struct msg *m)
{
	struct nlattr *nest = put(m, FULLNAT_A_CONFIG |
				  (chance(95) ? NLA_F_NESTED : 0), NULL, 0);
	int k, n = rnd(5);

	for (k = 0; k < n; k++) {
		int t = 1 + rnd(FULLNAT_A_CFG_MAX + 1);

		switch (t) {
		case FULLNAT_A_CFG_PORT_MIN:
		case FULLNAT_A_CFG_PORT_MAX:
			put_u16(m, t, chance(70) ? 1024 + rnd(64512) : value32());
			break;
		case FULLNAT_A_CFG_EXPIRE_NODEST:
			put_u8(m, t, rnd(3));
			break;
		case FULLNAT_A_CFG_CONN_MAX:
			put_u32(m, t, chance(50) ? 1024 + rnd(1 << 20) : value32());
			break;
		case FULLNAT_A_CFG_TIMEOUT_TCP:
			timeout_nest(m, t, FULLNAT_A_TIMEOUT_TCP_MAX);
			break;
		case FULLNAT_A_CFG_TIMEOUT_UDP:
			timeout_nest(m, t, FULLNAT_A_TIMEOUT_UDP_MAX);
			break;
		default:	/* one past the last */
			put_u32(m, t, chance(50) ? 1 + rnd(3600) : value32());
		}
	}
	end_nest(m, nest);
}

/* Mutate the attribute area in place: bytes, lengths, types. */
static void mutate(struct msg *m)
{
	size_t base = NLMSG_HDRLEN + GENL_HDRLEN, area = m->len - base;
	int k, n = rnd(4);

	for (k = 0; k < n && area; k++) {
		size_t off = base + rnd(area);

		switch (rnd(4)) {
		case 0: m->buf[off] = rnd(256); break;
		case 1: m->buf[off] ^= 1 << rnd(8); break;
		case 2:	/* an nla_len in reach, as another value */
			m->buf[base + (rnd(area) & ~3UL)] = rnd(256);
			break;
		default: m->len = base + rnd(area + 1); area = m->len - base;
		}
	}
}

/* One fuzzed request. Returns what transact() returned. */
static int fuzz_one(int *is_dump, int *abandoned)
{
	struct msg m;
	struct nlmsghdr *n;
	struct genlmsghdr *g;
	uint16_t flags = NLM_F_REQUEST | NLM_F_ACK;
	uint8_t cmd;
	int k, nattr, ret;

	cmd = chance(95) ? 1 + rnd(FULLNAT_CMD_MAX) : rnd(256);
	*is_dump = chance(15) || cmd == FULLNAT_CMD_GET_CONN ||
		   cmd == FULLNAT_CMD_GET_LADDR || cmd == FULLNAT_CMD_GET_DEST ||
		   cmd == FULLNAT_CMD_GET_TEMPLATE;
	if (*is_dump)
		flags |= NLM_F_DUMP;
	if (chance(3))
		flags |= rnd(65536) & ~NLM_F_DUMP;
	start(&m, family, cmd, flags);
	g = (struct genlmsghdr *)(m.buf + NLMSG_HDRLEN);
	if (chance(3))
		g->version = rnd(256);
	if (chance(3))
		g->reserved = rnd(65536);

	switch (cmd) {
	case FULLNAT_CMD_SET_CONFIG:
		config_nest(&m);
		break;
	case FULLNAT_CMD_NEW_SERVICE: case FULLNAT_CMD_SET_SERVICE:
	case FULLNAT_CMD_DEL_SERVICE: case FULLNAT_CMD_GET_SERVICE:
		if (chance(90))
			service_nest(&m);
		break;
	case FULLNAT_CMD_NEW_DEST: case FULLNAT_CMD_SET_DEST:
	case FULLNAT_CMD_DEL_DEST: case FULLNAT_CMD_GET_DEST:
		if (chance(90))
			service_nest(&m);
		if (chance(90))
			dest_nest(&m);
		break;
	case FULLNAT_CMD_NEW_LADDR: case FULLNAT_CMD_DEL_LADDR:
		laddr_nest(&m);
		break;
	case FULLNAT_CMD_GET_TEMPLATE:	/* one service's, or all */
		if (chance(50))
			service_nest(&m);
		break;
	case FULLNAT_CMD_NEW_CONN:
		if (chance(95))
			conn_nest(&m);
		break;
	case FULLNAT_CMD_DEL_CONN:	/* no filter: every connection */
		if (chance(90))
			filter_nest(&m);
		break;
	}
	/* Attributes of other commands, top-level garbage, floods. */
	nattr = chance(20) ? rnd(4) : 0;
	for (k = 0; k < nattr; k++) {
		switch (rnd(6)) {
		case 0: service_nest(&m); break;
		case 1: dest_nest(&m); break;
		case 2: laddr_nest(&m); break;
		case 3: config_nest(&m); break;
		default: garbage_attr(&m, 0, FULLNAT_A_MAX);
		}
	}
	if (chance(2)) {	/* hundreds of attributes */
		int many = 100 + rnd(1500);

		for (k = 0; k < many; k++) {
			if (chance(50))
				service_nest(&m);
			else
				garbage_attr(&m, 0, FULLNAT_A_MAX);
		}
	}
	if (chance(15))
		mutate(&m);
	n = (struct nlmsghdr *)m.buf;
	n->nlmsg_len = m.len;
	if (chance(3))	/* the header lies about the length */
		n->nlmsg_len = chance(50) ? rnd(m.len + 1) : m.len + rnd(64);
	*abandoned = *is_dump && chance(20);
	ret = transact(&m, NULL, *abandoned);
	if (*abandoned) {
		/* Close under a dump in progress; start afresh. */
		close(fd);
		fd = open_sock();
		if (fd < 0) {
			perror("netlink");
			exit(2);
		}
	}
	return ret;
}

int main(int argc, char **argv)
{
	unsigned long long seed = 1, count = 10000, first = 0, i;
	long accepted = 0, refused = 0, dumps = 0, abandoned = 0, checked = 0;
	long changed = 0, eperm = 0, unexpected = 0, refusals = 0, noreply = 0;
	int opt, every = 1, expect_eperm = 0, quiet = 0;

	while ((opt = getopt(argc, argv, "s:n:f:d:eq")) != -1) {
		switch (opt) {
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'n': count = strtoull(optarg, NULL, 0); break;
		case 'f': first = strtoull(optarg, NULL, 0); break;
		case 'd': every = atoi(optarg); break;
		case 'e': expect_eperm = 1; break;
		case 'q': quiet = 1; break;
		default:
			fprintf(stderr, "usage: nlfuzz [-s SEED] [-n COUNT] [-f FIRST] "
					"[-d EVERY] [-e] [-q]\n");
			return 2;
		}
	}
	fd = open_sock();
	if (fd < 0) {
		perror("netlink");
		return 2;
	}
	family = resolve(FULLNAT_GENL_NAME);
	if (family < 0) {
		fprintf(stderr, "nlfuzz: family %s not found\n", FULLNAT_GENL_NAME);
		return 2;
	}

	/*
	 * The digest of the state is taken again only after a request that
	 * was accepted (it may have changed the state) or that was checked.
	 */
	for (i = first; i < first + count; i++) {
		static uint64_t cur;
		static int valid;
		int is_dump, ab, ret, check = !expect_eperm && every > 0;
		uint64_t after;

		if (!quiet && i && i % 10000 == 0)
			fprintf(stderr, "nlfuzz: seed %llu request %llu\n", seed, i);
		if (check && !valid) {
			cur = digest();
			valid = 1;
		}
		rs = seed * 0x100000001b3ULL ^ i * 0x9e3779b97f4a7c15ULL;
		rnd64();
		ret = fuzz_one(&is_dump, &ab);
		dumps += is_dump;
		abandoned += ab;
		if (ab || ret == NOREPLY) {
			noreply += !ab;
			valid = 0;
			continue;
		}
		if (ret >= 0) {
			accepted++;
			valid = 0;
			if (expect_eperm && unexpected++ < 10)
				fprintf(stderr, "nlfuzz: request %llu accepted\n", i);
			continue;
		}
		refused++;
		eperm += ret == -EPERM;
		if (!check || refusals++ % every)
			continue;
		after = digest();
		checked++;
		if (after != cur) {
			changed++;
			fprintf(stderr, "nlfuzz: seed %llu request %llu was refused (%d) "
					"but changed the state\n", seed, i, ret);
		}
		cur = after;
	}
	printf("sent=%llu accepted=%ld refused=%ld noreply=%ld dumps=%ld "
	       "abandoned=%ld checked=%ld changed=%ld eperm=%ld\n", count,
	       accepted, refused, noreply, dumps, abandoned, checked, changed,
	       eperm);
	return changed || unexpected ? 1 : 0;
}
