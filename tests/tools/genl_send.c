// SPDX-License-Identifier: GPL-2.0
/*
 * genl_send: send one hand-built generic netlink request, to test that the
 * kernel side rejects what it must (lbctl validates before sending, so it
 * cannot send the bad requests this tool can).
 *
 *   genl_send [-d] FAMILY CMD [ATTR...]
 *
 * -d sends it as a dump request (NLM_F_DUMP), whose answer ends with
 * NLMSG_DONE; what the dump sends before it is not shown.
 * ATTR is N=TYPE:VALUE for top-level attribute N, or N.M=TYPE:VALUE for
 * attribute M inside the nest N (all of one N go into one nest, in order).
 * TYPE is u8, u16, u32, u64, str (with its NUL), hex (raw bytes), or nest
 * (raw bytes, the attributes of a nest one level deeper, NLA_F_NESTED set).
 * Prints "ok", or "error ERRNO: EXTACK-MESSAGE", and exits 0 or 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUFSZ 8192

struct msg {
	char buf[BUFSZ];
	size_t len;
};

static struct nlattr *put(struct msg *m, int type, const void *data,
			  size_t len)
{
	struct nlattr *a = (struct nlattr *)(m->buf + m->len);

	if (m->len + NLA_HDRLEN + NLA_ALIGN(len) > BUFSZ) {
		fprintf(stderr, "genl_send: message too long\n");
		exit(2);
	}
	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy((char *)a + NLA_HDRLEN, data, len);
	m->len += NLA_HDRLEN + NLA_ALIGN(len);
	return a;
}

static int dump;	/* -d */

static void start(struct msg *m, uint16_t type, uint8_t cmd)
{
	struct nlmsghdr *n = (struct nlmsghdr *)m->buf;
	struct genlmsghdr *g = (struct genlmsghdr *)(n + 1);

	memset(m->buf, 0, sizeof(m->buf));
	n->nlmsg_type = type;
	n->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (dump ? NLM_F_DUMP : 0);
	n->nlmsg_seq = 1;
	g->cmd = cmd;
	g->version = 1;
	m->len = NLMSG_HDRLEN + GENL_HDRLEN;
}

/* The extended ACK message among the TLVs at a, alen bytes, if any. */
static const char *ack_msg(struct nlattr *a, int alen)
{
	while (alen >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
	       a->nla_len <= alen) {
		if (a->nla_type == NLMSGERR_ATTR_MSG)
			return (char *)a + NLA_HDRLEN;
		alen -= NLA_ALIGN(a->nla_len);
		a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len));
	}
	return "";
}

/* Send, read the ACK; fill *extack; return 0 or the negative errno. */
static int transact(int fd, struct msg *m, char *reply, size_t rlen,
		    const char **extack)
{
	struct nlmsghdr *n = (struct nlmsghdr *)m->buf;
	ssize_t r;

	n->nlmsg_len = m->len;
	if (send(fd, m->buf, m->len, 0) < 0)
		return -errno;
	*extack = "";
	for (;;) {
		r = recv(fd, reply, rlen, 0);
		if (r < 0)
			return -errno;
		for (n = (struct nlmsghdr *)reply; NLMSG_OK(n, r);
		     n = NLMSG_NEXT(n, r)) {
			struct nlmsgerr *e = NLMSG_DATA(n);
			int off, alen;

			/* A dump's end: its status and the TLVs, then nothing more. */
			if (n->nlmsg_type == NLMSG_DONE) {
				if (n->nlmsg_len < NLMSG_LENGTH(sizeof(int)))
					return 0;
				*extack = ack_msg((struct nlattr *)((char *)NLMSG_DATA(n) +
								    sizeof(int)),
						  n->nlmsg_len - NLMSG_LENGTH(sizeof(int)));
				return *(int *)NLMSG_DATA(n);
			}
			if (n->nlmsg_type != NLMSG_ERROR)
				continue;
			/* Extended ACK TLVs follow the echoed request header. */
			off = sizeof(*e);
			if (!(n->nlmsg_flags & NLM_F_CAPPED))
				off += e->msg.nlmsg_len - sizeof(e->msg);
			alen = n->nlmsg_len - NLMSG_HDRLEN - off;
			*extack = ack_msg((struct nlattr *)((char *)e + off), alen);
			return e->error;
		}
	}
}

static int resolve(int fd, const char *family)
{
	static char reply[BUFSZ];
	struct nlmsghdr *n;
	struct msg m;
	ssize_t r;

	start(&m, GENL_ID_CTRL, CTRL_CMD_GETFAMILY);
	((struct nlmsghdr *)m.buf)->nlmsg_flags = NLM_F_REQUEST;
	put(&m, CTRL_ATTR_FAMILY_NAME, family, strlen(family) + 1);
	((struct nlmsghdr *)m.buf)->nlmsg_len = m.len;
	if (send(fd, m.buf, m.len, 0) < 0)
		return -1;
	r = recv(fd, reply, sizeof(reply), 0);
	n = (struct nlmsghdr *)reply;
	if (r < 0 || !NLMSG_OK(n, r) || n->nlmsg_type == NLMSG_ERROR)
		return -1;
	{
		int alen = n->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
		struct nlattr *a = (struct nlattr *)((char *)NLMSG_DATA(n) +
						     GENL_HDRLEN);

		while (alen >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN) {
			if (a->nla_type == CTRL_ATTR_FAMILY_ID)
				return *(uint16_t *)((char *)a + NLA_HDRLEN);
			alen -= NLA_ALIGN(a->nla_len);
			a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len));
		}
	}
	return -1;
}

static size_t parse_value(const char *spec, unsigned char *out)
{
	const char *v = strchr(spec, ':');
	unsigned long long x;
	size_t i, n;

	if (!v) {
		fprintf(stderr, "genl_send: %s: want TYPE:VALUE\n", spec);
		exit(2);
	}
	v++;
	if (!strncmp(spec, "str:", 4)) {
		n = strlen(v) + 1;
		memcpy(out, v, n);
		return n;
	}
	if (!strncmp(spec, "hex:", 4) || !strncmp(spec, "nest:", 5)) {
		n = strlen(v) / 2;
		for (i = 0; i < n; i++)
			sscanf(v + 2 * i, "%2hhx", &out[i]);
		return n;
	}
	x = strtoull(v, NULL, 0);
	if (!strncmp(spec, "u8:", 3)) {
		out[0] = x;
		return 1;
	}
	if (!strncmp(spec, "u16:", 4)) {
		uint16_t y = x;

		memcpy(out, &y, 2);
		return 2;
	}
	if (!strncmp(spec, "u32:", 4)) {
		uint32_t y = x;

		memcpy(out, &y, 4);
		return 4;
	}
	if (!strncmp(spec, "u64:", 4)) {
		uint64_t y = x;

		memcpy(out, &y, 8);
		return 8;
	}
	fprintf(stderr, "genl_send: %s: unknown type\n", spec);
	exit(2);
}

int main(int argc, char **argv)
{
	static char reply[BUFSZ];
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd, family, i, one = 1, ret;
	const char *extack = "";
	struct msg m;

	if (argc > 1 && !strcmp(argv[1], "-d")) {
		dump = 1;
		argv++;
		argc--;
	}
	if (argc < 3) {
		fprintf(stderr, "usage: genl_send [-d] FAMILY CMD [N[.M]=TYPE:VALUE...]\n");
		return 2;
	}
	fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("netlink");
		return 1;
	}
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	family = resolve(fd, argv[1]);
	if (family < 0) {
		fprintf(stderr, "genl_send: family %s not found\n", argv[1]);
		return 1;
	}

	start(&m, family, atoi(argv[2]));
	/* Top-level attributes in order; nested ones grouped under their N. */
	for (i = 3; i < argc; i++) {
		unsigned char val[512];
		char *eq = strchr(argv[i], '=');
		int top, sub = -1, j;
		struct nlattr *nest;
		size_t len;

		if (!eq)
			return 2;
		if (sscanf(argv[i], "%d.%d=", &top, &sub) < 1)
			return 2;
		if (!strchr(argv[i], '.') || strchr(argv[i], '.') > eq)
			sub = -1;
		if (sub < 0) {
			len = parse_value(eq + 1, val);
			put(&m, top, val, len);
			continue;
		}
		/* Skip if this nest was already written. */
		for (j = 3; j < i; j++) {
			int t2, s2;

			if (sscanf(argv[j], "%d.%d=", &t2, &s2) == 2 && t2 == top &&
			    strchr(argv[j], '.') < strchr(argv[j], '='))
				break;
		}
		if (j < i)
			continue;
		nest = put(&m, top | NLA_F_NESTED, NULL, 0);
		for (j = i; j < argc; j++) {
			char *e2 = strchr(argv[j], '=');
			int t2, s2;

			if (sscanf(argv[j], "%d.%d=", &t2, &s2) != 2 || t2 != top ||
			    strchr(argv[j], '.') > e2)
				continue;
			len = parse_value(e2 + 1, val);
			put(&m, s2 | (strncmp(e2 + 1, "nest:", 5) ? 0 :
				      NLA_F_NESTED), val, len);
		}
		nest->nla_len = (char *)(m.buf + m.len) - (char *)nest;
	}

	ret = transact(fd, &m, reply, sizeof(reply), &extack);
	if (!ret) {
		printf("ok\n");
		return 0;
	}
	printf("error %s: %s\n", strerrorname_np(-ret) ?: "?", extack);
	return 1;
}
