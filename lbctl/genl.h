/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The generic netlink socket to fullnat.ko: open (in a named network
 * namespace), resolve the family, send one command and read its reply,
 * keeping the kernel's extended-ACK message for the user.
 */
#ifndef LBCTL_GENL_H
#define LBCTL_GENL_H

#include <stdbool.h>
#include <stdint.h>

struct nl_sock;
struct nl_msg;

struct genl {
	struct nl_sock *sk;
	int family;		/* resolved id of FULLNAT_GENL_NAME */
	bool done;		/* the ACK or error of a request arrived */
	int error;		/* -errno the kernel answered, 0 if none */
	int miss_type;		/* attribute the kernel missed, or -1 */
	char msg[256];		/* after a failure: a sentence for the user */
};

/* Reads one reply message; returns 0 or -errno. */
typedef int (*genl_parse_fn)(struct nl_msg *msg, void *arg);

/*
 * All return 0 or -errno; on failure g->msg says what went wrong, ready to
 * be printed after "Error: ". genl_resolve() fails with -ENOENT exactly when
 * the module is not loaded.
 */
int genl_open(struct genl *g, const char *netns);
int genl_resolve(struct genl *g);
int genl_call(struct genl *g, uint8_t cmd, const char *what,
	      genl_parse_fn parse, void *arg);
void genl_close(struct genl *g);

#endif /* LBCTL_GENL_H */
