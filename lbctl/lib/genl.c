// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink transport to fullnat.ko. See genl.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/fullnat.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include "genl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define CAP_HINT "; lbctl needs CAP_NET_ADMIN in the initial user " \
		 "namespace (run it as root, not in an unprivileged container)"

struct call {
	genl_parse_fn parse;
	void *arg;
	int ret;		/* first error of parse */
};

/* The few libnl codes worth telling apart; the rest keep libnl's text. */
static int nl_to_errno(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case NLE_PERM:		return EPERM;
	case NLE_NOACCESS:	return EACCES;
	case NLE_NOMEM:		return ENOMEM;
	case NLE_OBJ_NOTFOUND:	return ENOENT;
	case NLE_OPNOTSUPP:	return EOPNOTSUPP;
	case NLE_AF_NOSUPPORT:	return EAFNOSUPPORT;
	default:		return EIO;
	}
}

/* The extended-ACK TLVs of nlh, which start off bytes into it. */
static void read_ext_ack_at(struct genl *g, struct nlmsghdr *nlh, size_t off)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];

	g->msg[0] = '\0';
	g->miss_type = -1;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || nlh->nlmsg_len <= off ||
	    nla_parse(tb, NLMSGERR_ATTR_MAX,
		      (struct nlattr *)((char *)nlh + off),
		      (int)(nlh->nlmsg_len - off), NULL))
		return;
	if (tb[NLMSGERR_ATTR_MSG])
		nla_strlcpy(g->msg, tb[NLMSGERR_ATTR_MSG], sizeof(g->msg));
	if (tb[NLMSGERR_ATTR_MISS_TYPE] &&
	    nla_len(tb[NLMSGERR_ATTR_MISS_TYPE]) >= (int)sizeof(uint32_t))
		g->miss_type = (int)nla_get_u32(tb[NLMSGERR_ATTR_MISS_TYPE]);
}

/*
 * The kernel's message: with NETLINK_EXT_ACK, TLVs follow the error and the
 * original request (only its header when NLM_F_CAPPED). libnl passes us just
 * the struct nlmsgerr, which sits right after the netlink header.
 */
static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	size_t off = NLMSG_HDRLEN + sizeof(*e);
	struct genl *g = arg;

	(void)nla;
	g->error = e->error;
	g->done = true;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += NLMSG_ALIGN(e->msg.nlmsg_len) - NLMSG_HDRLEN;
	read_ext_ack_at(g, nlh, off);
	return NL_STOP;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct genl *g = arg;

	(void)msg;
	g->done = true;
	return NL_STOP;
}

/*
 * The end of a dump: NLMSG_DONE carries an int, the dump's error, and with
 * NETLINK_EXT_ACK the kernel's message after it.
 */
static int on_finish(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct genl *g = arg;
	int err = 0;

	g->done = true;
	if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(err)))
		memcpy(&err, nlmsg_data(nlh), sizeof(err));
	if (err < 0) {
		g->error = err;
		read_ext_ack_at(g, nlh, NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(err)));
	}
	return NL_STOP;
}

/* Noted, and the message is read as usual: the dump must run to its end. */
static int on_dump_intr(struct nl_msg *msg, void *arg)
{
	struct genl *g = arg;

	(void)msg;
	g->intr = true;
	return NL_OK;
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct call *c = arg;
	int ret;

	/* After a failure the rest is read, not parsed. */
	if (c->ret || !c->parse)
		return NL_OK;
	ret = c->parse(msg, c->arg);
	if (ret)
		c->ret = ret;
	return NL_OK;
}

static int fail_nl(struct genl *g, int nlerr, const char *what)
{
	int err = nl_to_errno(nlerr);

	snprintf(g->msg, sizeof(g->msg), "%s: %s%s", what, nl_geterror(nlerr),
		 err == EPERM ? CAP_HINT : "");
	return -err;
}

static int open_socket(struct genl *g)
{
	static const int one = 1;
	int ret, fd;

	g->sk = nl_socket_alloc();
	if (!g->sk)
		return fail_nl(g, -NLE_NOMEM,
			       "cannot allocate a netlink socket");
	nl_socket_modify_err_cb(g->sk, NL_CB_CUSTOM, on_error, g);
	nl_socket_modify_cb(g->sk, NL_CB_ACK, NL_CB_CUSTOM, on_ack, g);
	nl_socket_modify_cb(g->sk, NL_CB_FINISH, NL_CB_CUSTOM, on_finish, g);
	nl_socket_modify_cb(g->sk, NL_CB_DUMP_INTR, NL_CB_CUSTOM, on_dump_intr,
			    g);
	/* A dump message can be larger than a page: peek at its size. */
	nl_socket_enable_msg_peek(g->sk);
	ret = genl_connect(g->sk);
	if (ret)
		return fail_nl(g, ret, "cannot open a generic netlink socket");
	/*
	 * Ask for the kernel's error sentences, and for errors without a copy
	 * of our request. Kernels before 4.12 lack both; they still work.
	 */
	fd = nl_socket_get_fd(g->sk);
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	return 0;
}

/*
 * The socket belongs to the namespace it was made in, for its whole life:
 * the thread goes back to where it was right after, so that one process can
 * hold sockets of several directors (lbctl apply).
 */
int genl_open(struct genl *g, const char *netns)
{
	int ret, err, back = -1;

	memset(g, 0, sizeof(*g));
	ret = netns ? netns_enter(netns, &back) : 0;
	if (ret) {
		snprintf(g->msg, sizeof(g->msg),
			 "cannot enter network namespace \"%s\": %s%s",
			 netns, strerror(-ret),
			 ret == -EPERM ? " (CAP_SYS_ADMIN is needed)" :
			 ret == -ENOENT ? " (see: ip netns list)" : "");
		return ret;
	}
	ret = open_socket(g);
	if (back >= 0) {
		err = netns_leave(back);
		if (err && !ret) {
			snprintf(g->msg, sizeof(g->msg),
				 "cannot return from network namespace \"%s\": %s",
				 netns, strerror(-err));
			ret = err;
		}
	}
	return ret;
}

int genl_resolve(struct genl *g)
{
	int ret;

	g->error = 0;
	ret = genl_ctrl_resolve(g->sk, FULLNAT_GENL_NAME);
	if (ret >= 0) {
		g->family = ret;
		return 0;
	}
	if (ret == -NLE_OBJ_NOTFOUND || g->error == -ENOENT) {
		snprintf(g->msg, sizeof(g->msg),
			 "fullnat.ko is not loaded (generic netlink family \"%s\" not found); try: modprobe fullnat",
			 FULLNAT_GENL_NAME);
		return -ENOENT;
	}
	return fail_nl(g, ret, "cannot resolve generic netlink family \""
		       FULLNAT_GENL_NAME "\"");
}

int genl_attach(struct genl *g, const char *netns)
{
	return genl_open(g, netns) ?: genl_resolve(g);
}

static int fail_kernel(struct genl *g, const char *what)
{
	int err = -g->error;

	/* The kernel's own sentence says it best; else errno and context. */
	if (!g->msg[0] && g->miss_type >= 0)
		snprintf(g->msg, sizeof(g->msg),
			 "%s: %s (attribute %d is missing)", what,
			 strerror(err), g->miss_type);
	else if (!g->msg[0])
		snprintf(g->msg, sizeof(g->msg), "%s: %s", what,
			 strerror(err));
	if (err == EPERM && strlen(g->msg) + sizeof(CAP_HINT) <= sizeof(g->msg))
		strcat(g->msg, CAP_HINT);
	return -err;
}

int genl_request(struct genl *g, const struct genl_req *req)
{
	struct call c = { .parse = req->parse, .arg = req->parse_arg };
	struct nl_msg *msg;
	int ret;

	msg = nlmsg_alloc();
	if (!msg)
		return fail_nl(g, -NLE_NOMEM, req->what);
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, g->family, 0,
			 req->dump ? NLM_F_DUMP : 0, req->cmd,
			 FULLNAT_GENL_VERSION) ||
	    (req->put && req->put(msg, req->put_arg))) {
		nlmsg_free(msg);
		snprintf(g->msg, sizeof(g->msg),
			 "%s: the request does not fit in a netlink message",
			 req->what);
		return -EMSGSIZE;
	}
	nl_socket_modify_cb(g->sk, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &c);
	g->done = false;
	g->intr = false;
	g->error = 0;
	g->msg[0] = '\0';
	/*
	 * libnl adds NLM_F_ACK: the ACK (or error) ends a command, NLMSG_DONE
	 * a dump (the kernel sends no ACK after a dump, as wg relies on).
	 */
	ret = nl_send_auto(g->sk, msg);
	nlmsg_free(msg);
	while (ret >= 0 && !g->done)
		ret = nl_recvmsgs_default(g->sk);
	nl_socket_modify_cb(g->sk, NL_CB_VALID, NL_CB_DEFAULT, NULL, NULL);

	if (g->error)
		return fail_kernel(g, req->what);
	if (ret < 0)
		return fail_nl(g, ret, req->what);
	if (c.ret == -EPROTO) {
		snprintf(g->msg, sizeof(g->msg),
			 "%s: malformed reply from fullnat.ko (lbctl speaks ABI %d)",
			 req->what, FULLNAT_GENL_VERSION);
		return c.ret;
	}
	if (c.ret) {
		snprintf(g->msg, sizeof(g->msg), "%s: %s", req->what,
			 strerror(-c.ret));
		return c.ret;
	}
	if (g->intr) {
		snprintf(g->msg, sizeof(g->msg),
			 "%s: the table changed while it was read", req->what);
		return -EINTR;
	}
	return 0;
}

void genl_close(struct genl *g)
{
	nl_socket_free(g->sk);
	g->sk = NULL;
}
