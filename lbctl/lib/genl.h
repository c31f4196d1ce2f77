/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The generic netlink socket to fullnat.ko: open (in a named network
 * namespace, netns.c), resolve the family, send one request (a command or
 * a dump) and read its replies, keeping the kernel's extended-ACK message
 * for the user.
 */
#ifndef LBCTL_GENL_H
#define LBCTL_GENL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where "ip netns add NAME" leaves its bind mount. */
#define NETNS_RUN_DIR "/run/netns"

/* 0 if name can name a file in NETNS_RUN_DIR, else -EINVAL and a reason. */
int netns_check_name(const char *name, char *err, size_t errlen);
/*
 * Moves the calling thread into /run/netns/NAME; 0 or -errno. *back gets
 * a descriptor of the namespace the thread was in, for netns_leave():
 * "lbctl apply" opens one socket per director and must come back between
 * them.
 */
int netns_enter(const char *name, int *back);
/* Returns the thread to the namespace of back and closes it; 0 or -errno. */
int netns_leave(int back);

struct nl_sock;
struct nl_msg;

struct genl {
	struct nl_sock *sk;
	int family;		/* resolved id of FULLNAT_GENL_NAME */
	bool done;		/* the ACK, error or end of dump arrived */
	bool intr;		/* a dump reply had NLM_F_DUMP_INTR */
	int error;		/* -errno the kernel answered, 0 if none */
	int miss_type;		/* attribute the kernel missed, or -1 */
	char msg[256];		/* after a failure: a sentence for the user */
	/*
	 * With has_gen, api.c's writes carry gen, the configuration
	 * generation they expect, and add one to it when they succeed
	 * (FULLNAT_A_GENERATION): a writer that came between is refused.
	 */
	bool has_gen;
	uint64_t gen;
};

/* Adds a request's attributes; returns 0 or -errno. */
typedef int (*genl_put_fn)(struct nl_msg *msg, const void *arg);
/* Reads one reply message; returns 0 or -errno (-EPROTO: malformed). */
typedef int (*genl_parse_fn)(struct nl_msg *msg, void *arg);

struct genl_req {
	uint8_t cmd;		/* FULLNAT_CMD_* */
	bool dump;		/* NLM_F_DUMP */
	const char *what;	/* "adding the service", for messages */
	genl_put_fn put;	/* or NULL: no attributes */
	const void *put_arg;
	genl_parse_fn parse;	/* or NULL: no reply expected */
	void *parse_arg;
};

/*
 * All return 0 or -errno; on failure g->msg says what went wrong, ready to
 * be printed after "Error: ": the kernel's extended-ACK message when it
 * sent one. genl_resolve() fails with -ENOENT exactly when the module is
 * not loaded. genl_request() fails with -EINTR when a dump was interrupted
 * (the table changed while it was read): what parse saw is inconsistent,
 * and the whole dump must be read again.
 */
int genl_open(struct genl *g, const char *netns);
int genl_resolve(struct genl *g);
/* genl_open() then genl_resolve(); g is the caller's to close either way. */
int genl_attach(struct genl *g, const char *netns);
int genl_request(struct genl *g, const struct genl_req *req);
void genl_close(struct genl *g);

#endif /* LBCTL_GENL_H */
