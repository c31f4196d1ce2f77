/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Netlink helpers of the tests that check lbctl against the ABI of
 * include/uapi/linux/fullnat.h: messages as text (each attribute "type=hex
 * of its payload", a nest with NLA_F_NESTED "typeN{...}"), and attributes
 * put as the kernel puts them.
 */
#ifndef LBCTL_TEST_CHECK_NL_H
#define LBCTL_TEST_CHECK_NL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include <linux/fullnat.h>

#include "genl.h"
#include "parse.h"

/* An address attribute: 4 or 16 bytes, network order. */
static __attribute__((unused))
void put_addr(struct nl_msg *msg, int type, const char *s)
{
	struct lb_addr a = { 0 };

	parse_addr(s, &a, NULL, 0);
	nla_put(msg, type, a.family == AF_INET ? 4 : 16, &a.v6);
}

/* The attributes of GET_INFO's nest but the counters. */
static __attribute__((unused)) void put_info_base(struct nl_msg *msg)
{
	nla_put_string(msg, FULLNAT_A_INFO_VERSION, "0.1.0");
	nla_put_u32(msg, FULLNAT_A_INFO_ABI, FULLNAT_GENL_VERSION);
	nla_put_u64(msg, FULLNAT_A_INFO_NETNS_COOKIE, 4096);
	nla_put_u32(msg, FULLNAT_A_INFO_SERVICES, 2);
	nla_put_u32(msg, FULLNAT_A_INFO_REAL_SERVERS, 3);
	nla_put_u32(msg, FULLNAT_A_INFO_CONNS, 4);
	nla_put_u32(msg, FULLNAT_A_INFO_CONN_MAX, 1048576);
}

/*
 * What GET_INFO says the module can do, as fullnat.ko puts it: forwards
 * (1 << FULLNAT_FWD_*), the protocols (a string of IPPROTO_* bytes), IPv4
 * (and IPv6 with v6), the schedulers (NULL-terminated).
 */
static __attribute__((unused))
void put_info_caps(struct nl_msg *msg, uint32_t forwards, const char *protos,
		   bool v6, const char *const *scheds)
{
	struct nlattr *n;

	nla_put_u32(msg, FULLNAT_A_INFO_FORWARDS, forwards);
	n = nla_nest_start(msg, FULLNAT_A_INFO_PROTOCOLS | NLA_F_NESTED);
	while (*protos)
		nla_put_u8(msg, FULLNAT_A_LIST_ENTRY, (uint8_t)*protos++);
	nla_nest_end(msg, n);
	n = nla_nest_start(msg, FULLNAT_A_INFO_FAMILIES | NLA_F_NESTED);
	nla_put_u16(msg, FULLNAT_A_LIST_ENTRY, AF_INET);
	if (v6)
		nla_put_u16(msg, FULLNAT_A_LIST_ENTRY, AF_INET6);
	nla_nest_end(msg, n);
	n = nla_nest_start(msg, FULLNAT_A_INFO_SCHEDULERS | NLA_F_NESTED);
	while (*scheds)
		nla_put_string(msg, FULLNAT_A_LIST_ENTRY, *scheds++);
	nla_nest_end(msg, n);
}

/* What fullnat.ko has today: FullNAT, TCP, IPv4, rr wrr wlc. */
static __attribute__((unused)) void put_info_caps_now(struct nl_msg *msg)
{
	static const char *const scheds[] = { "rr", "wrr", "wlc", NULL };

	put_info_caps(msg, 1u << FULLNAT_FWD_FULLNAT, "\x06", false, scheds);
}

/* "type=hexbytes" for each attribute; a nest is "typeN{...}". */
static __attribute__((unused))
void describe(const struct nlattr *head, int len, char *out, size_t outlen)
{
	const struct nlattr *nla;
	size_t off = strlen(out);
	int rem, i;

	nla_for_each_attr(nla, head, len, rem) {
		const unsigned char *d = nla_data(nla);

		if (off + 8 >= outlen)
			return;
		if (nla->nla_type & NLA_F_NESTED) {
			off += (size_t)snprintf(out + off, outlen - off,
						"%s%dN{", off && out[off - 1] != '{' ?
						" " : "", nla_type(nla));
			describe(nla_data(nla), nla_len(nla), out, outlen);
			off = strlen(out);
			off += (size_t)snprintf(out + off, outlen - off, "}");
			continue;
		}
		off += (size_t)snprintf(out + off, outlen - off, "%s%d=",
					off && out[off - 1] != '{' ? " " : "",
					nla_type(nla));
		for (i = 0; i < nla_len(nla) && off + 3 < outlen; i++)
			off += (size_t)snprintf(out + off, outlen - off,
						"%02x", d[i]);
	}
}

/* The attributes a put function added to an empty generic message. */
#define DESCRIBE_PUT(call, out) do {					\
	struct nl_msg *msg = nlmsg_alloc();				\
	struct genlmsghdr *gnlh;					\
									\
	genlmsg_put(msg, 0, 0, 42, 0, 0, 1, 1);				\
	CHECK_INT(call, 0);						\
	gnlh = nlmsg_data(nlmsg_hdr(msg));				\
	(out)[0] = '\0';						\
	describe(genlmsg_attrdata(gnlh, 0), genlmsg_attrlen(gnlh, 0),	\
		 out, sizeof(out));					\
	nlmsg_free(msg);						\
} while (0)

/*
 * The pretend kernel of test_api and test_roundtrip: the answers a test
 * queues (queue_msg) and lbctl reads through fake_recv(), which replaces
 * libnl's receive (nl_cb_overwrite_recv); messages of family FAKE_FAMILY.
 */
#define FAKE_FAMILY 42
#define FAKE_QUEUE_MAX 512

static struct {
	unsigned char *msg[FAKE_QUEUE_MAX];
	int len[FAKE_QUEUE_MAX];
	int head, tail;
} fake_q;

static __attribute__((unused)) void queue_msg(struct nl_msg *msg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);

	if (fake_q.tail == FAKE_QUEUE_MAX)
		abort();
	fake_q.msg[fake_q.tail] = malloc(nlh->nlmsg_len);
	memcpy(fake_q.msg[fake_q.tail], nlh, nlh->nlmsg_len);
	fake_q.len[fake_q.tail++] = (int)nlh->nlmsg_len;
	nlmsg_free(msg);
}

static __attribute__((unused))
int fake_recv(struct nl_sock *sk, struct sockaddr_nl *nla,
	      unsigned char **buf, struct ucred **creds)
{
	(void)sk;
	(void)creds;
	/* lbctl waits for more than was answered */
	if (fake_q.head == fake_q.tail)
		return -NLE_FAILURE;
	memset(nla, 0, sizeof(*nla));
	nla->nl_family = AF_NETLINK;
	*buf = fake_q.msg[fake_q.head];
	fake_q.msg[fake_q.head] = NULL;
	return fake_q.len[fake_q.head++];
}

/* A message answering @req; MULTI for the parts of a dump. */
static __attribute__((unused))
struct nl_msg *answer_msg(const struct nlmsghdr *req)
{
	struct nl_msg *msg = nlmsg_alloc();

	genlmsg_put(msg, req->nlmsg_pid, req->nlmsg_seq, FAKE_FAMILY,
		    0, req->nlmsg_flags & NLM_F_DUMP ? NLM_F_MULTI : 0,
		    ((struct genlmsghdr *)nlmsg_data(req))->cmd,
		    FULLNAT_GENL_VERSION);
	return msg;
}

/*
 * Open @g's socket with libnl's send replaced by @send and its receive by
 * fake_recv(): lbctl then talks to the pretend kernel.
 */
static __attribute__((unused))
void fake_attach(struct genl *g, int (*send)(struct nl_sock *, struct nl_msg *),
		 const char *test)
{
	struct nl_cb *cb;

	if (genl_open(g, NULL)) {
		printf("FAIL %s/socket: %s\n", test, g->msg);
		exit(1);
	}
	g->family = FAKE_FAMILY;
	cb = nl_socket_get_cb(g->sk);
	nl_cb_overwrite_send(cb, send);
	nl_cb_overwrite_recv(cb, fake_recv);
	nl_cb_put(cb);
}

#endif /* LBCTL_TEST_CHECK_NL_H */
