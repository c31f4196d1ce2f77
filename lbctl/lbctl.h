/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What crosses files in lbctl: the invocation context, the exit codes and
 * the commands.
 */
#ifndef LBCTL_H
#define LBCTL_H

#include <stdbool.h>

/* Stable: scripts and tests depend on them. */
enum {
	LBCTL_EXIT_OK		= 0,
	LBCTL_EXIT_FAIL		= 1,	/* the request failed */
	LBCTL_EXIT_USAGE	= 2,	/* the command line is wrong */
};

/* What the global options asked for. */
struct lbctl {
	bool json;
	const char *netns;	/* name under /run/netns, or NULL */
};

/*
 * A command gets argv[0] = its own name and returns an exit code. It prints
 * its own errors.
 */
struct lbctl_cmd {
	const char *name;
	int (*fn)(const struct lbctl *ctx, int argc, char **argv);
	const char *help;
};

int lbctl_no_args(int argc, char **argv);

int cmd_help(const struct lbctl *ctx, int argc, char **argv);
int cmd_show(const struct lbctl *ctx, int argc, char **argv);
int cmd_version(const struct lbctl *ctx, int argc, char **argv);

#endif /* LBCTL_H */
