/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The command line's layer: the invocation context, the exit codes and
 * the commands. Everything else that crosses files has its own header: the
 * library's in lib/, the cluster file's in cluster/.
 */
#ifndef LBCTL_H
#define LBCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "print.h"

struct genl;
struct lb_fields;
struct lbctl_cmd;

/* Stable: scripts and tests depend on them. */
enum {
	LBCTL_EXIT_OK		= 0,
	LBCTL_EXIT_FAIL		= 1,	/* the request failed */
	LBCTL_EXIT_USAGE	= 2,	/* the command line is wrong */
};

/* What the global options asked for, and the command or verb it runs. */
struct lbctl {
	bool json;
	const char *netns;	/* name under /run/netns, or NULL */
	const struct lbctl_cmd *cmd;
};

/*
 * A command gets argv[0] = its own name and returns an exit code. It prints
 * its own errors. usage is the words after the name, for "lbctl help". A
 * command made of verbs ("service add") has no fn but verbs, a table of
 * the same kind ended by an entry with no name. The usage of a verb that
 * takes an object's fields goes on with them: those of fields (fields.h)
 * that have all of field_flags. An fn that does the work of several reads
 * which from arg (ctx->cmd->arg).
 */
struct lbctl_cmd {
	const char *name;
	int (*fn)(const struct lbctl *ctx, int argc, char **argv);
	const char *help;
	const char *usage;
	const struct lbctl_cmd *verbs;
	const struct lb_fields *fields;
	unsigned int field_flags;
	int arg;
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
int cmd_check(const struct lbctl *ctx, int argc, char **argv);
int cmd_agent(const struct lbctl *ctx, int argc, char **argv);
int cmd_drain(const struct lbctl *ctx, int argc, char **argv);
int cmd_export(const struct lbctl *ctx, int argc, char **argv);
int cmd_show(const struct lbctl *ctx, int argc, char **argv);
int cmd_conn_import(const struct lbctl *ctx, int argc, char **argv);

/* What show_one() reads and prints (arg). */
enum {
	SHOW_CONFIG,
	SHOW_LADDRS,
	SHOW_CONNS,
	SHOW_COUNTERS,
};

/* "lbctl config show" and the like: no arguments, the object of arg read
 * from the socket, then printed as text or JSON. Returns the exit code. */
int show_one(const struct lbctl *ctx, int argc, char **argv);
/* What show_conns_to() left out of a handoff's listing. */
struct conns_left_out {
	size_t over;		/* TCP's TIME_WAIT and CLOSE (lb_conn_open()) */
	size_t xlat;		/* FullNAT64's (lb_conn_xlat()): not imported */
};

/*
 * "lbctl conn" of g's director, text or JSON, to f (out_init_file()), the
 * JSON as "lbctl -j conn" prints it. With handoff (the drain handoff's
 * dump): only the connections another director can import, not those over
 * nor FullNAT64's (no director imports a connection of two families),
 * counted there. Then out_finish() writes the end. Returns 0 or -errno
 * (g->msg says why).
 */
int show_conns_to(struct genl *g, bool json, struct conns_left_out *handoff,
		  FILE *f);

/* What conn_import_send() did with a listing's connections. */
struct conn_import_counts {
	size_t added, present, refused, not_tried;
};
struct conns_read;
/* The listing text (len bytes, called name in errors) read into *r
 * (conn_json.h), or the exit code with the error printed (2). */
int conn_import_parse(const char *text, size_t len, const char *name,
		      struct conns_read *r);
/*
 * r's connections added to g's director, one request each, counted into
 * *n; each refused one is a warning on stderr, the first warn_max of them
 * (then one line for the rest). "lbctl conn import", and the drain
 * handoff of the agent into a director it reaches here.
 */
void conn_import_send(struct genl *g, const struct conns_read *r,
		      size_t warn_max, struct conn_import_counts *n);

/* "lbctl show" and "lbctl service show": only, if not NULL, filters; view
 * is an enum lb_view (print.h). */
int show_director(const struct lbctl *ctx, const struct lb_service *only,
		  enum lb_view view);

#endif /* LBCTL_H */
