/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What crosses files in lbctl: the invocation context, the exit codes and
 * the commands.
 */
#ifndef LBCTL_H
#define LBCTL_H

#include <stdbool.h>
#include <stddef.h>

#include "cluster.h"
#include "print.h"

struct genl;
struct lb_run;
struct lb_service;

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
 * its own errors. usage is the words after the name, for "lbctl help". A
 * command made of verbs ("service add") has no fn but verbs, a table of
 * the same kind ended by an entry with no name.
 */
struct lbctl_cmd {
	const char *name;
	int (*fn)(const struct lbctl *ctx, int argc, char **argv);
	const char *help;
	const char *usage;
	const struct lbctl_cmd *verbs;
};


/* The socket of ctx's namespace, resolved; on failure the error is printed
 * and the exit code returned. */
int lbctl_open(const struct lbctl *ctx, struct genl *g);
/* Closes g; ret is what the calls returned: prints g->msg if it failed.
 * Returns the exit code. */
int lbctl_close(struct genl *g, int ret);

int lbctl_no_args(int argc, char **argv);
/* Prints "Error: " err for a wrong command line; returns LBCTL_EXIT_USAGE */
int lbctl_usage(const char *err);

extern const struct lbctl_cmd service_verbs[];
extern const struct lbctl_cmd rs_verbs[];
extern const struct lbctl_cmd laddr_verbs[];
extern const struct lbctl_cmd config_verbs[];
extern const struct lbctl_cmd conn_verbs[];

int cmd_apply(const struct lbctl *ctx, int argc, char **argv);
int cmd_export(const struct lbctl *ctx, int argc, char **argv);
int cmd_help(const struct lbctl *ctx, int argc, char **argv);
int cmd_show(const struct lbctl *ctx, int argc, char **argv);
int cmd_stats(const struct lbctl *ctx, int argc, char **argv);
int cmd_version(const struct lbctl *ctx, int argc, char **argv);

/*
 * "lbctl config show" and the like: no arguments, read(g, obj) on the
 * socket, then print(obj) as text or JSON. Returns the exit code; obj is
 * the caller's to free.
 */
int show_one(const struct lbctl *ctx, int argc, char **argv,
	     int (*read)(struct genl *g, void *obj),
	     void (*print)(const void *obj), void *obj);

/* "lbctl show" and "lbctl service show": only, if not NULL, filters; view
 * is an enum lb_view (print.h). */
int show_director(const struct lbctl *ctx, const struct lb_service *only,
		  enum lb_view view);

/* A cluster file, read and parsed (director.c). */
struct cluster_file {
	const char *name;		/* for messages: the path, or <stdin> */
	char *text;			/* as read: what a remote lbctl is fed */
	size_t len;
	struct lb_cluster cluster;
};

/* Reads and parses path ("-": stdin); prints the error and returns the
 * exit code (2: the file is wrong). */
int cluster_load(const char *path, struct cluster_file *f);
void cluster_unload(struct cluster_file *f);
/* *only: the director called name, NULL for all when name is NULL; an
 * unknown name is printed, and the usage exit code returned. */
int cluster_select(const struct cluster_file *f, const char *name,
		   const struct lb_director **only);
/*
 * Runs "ssh -o BatchMode=yes DEST words..." for director d. in (if not
 * NULL) is fed to its standard input, else /dev/null; its standard output
 * is ours, or with out read whole into *out (to free). Returns its exit
 * status (255: ssh failed), or -errno when it could not be run.
 */
int director_ssh(const struct lb_director *d, char *const words[],
		 const char *in, size_t inlen, char **out);
/* "netns lb1", "ssh root@host", "this host" */
const char *director_where(const struct lb_director *d, char *buf,
			   size_t len);

#endif /* LBCTL_H */
