/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The connection table as "lbctl -j conn" prints it, read back for
 * "lbctl conn import" (a drain handoff, docs/cluster.md). Strict on the
 * structure, as the cluster file: a syntax error, an unknown key, a key
 * of the wrong JSON type or a missing one fails the whole listing, with
 * where it is ("FILE:LINE:COL: [3].local.port: ..."). A value that is
 * wrong (an address, a port out of range, a state the protocol does not
 * have) costs only its element, which is reported and skipped: one odd
 * connection of the other director does not stop the handoff of the
 * rest. No libnl: the unit tests link it with jansson alone.
 */
#ifndef LBCTL_CONN_JSON_H
#define LBCTL_CONN_JSON_H

#include <stddef.h>

#include "lb.h"

/* A connection of the listing, and its element's index there. */
struct conn_in {
	struct lb_conn c;
	size_t index;
};

LB_LIST(conn_in_list, struct conn_in);

struct conns_read {
	struct conn_in_list conns;	/* freed with lb_list_free() */
	size_t templates;	/* persistence templates: not connections */
	size_t half_open;	/* TCP NONE, SYN_RECV: nothing to hand over */
	size_t bad;		/* elements with a wrong value, each reported */
	/* Called with each bad element's error ("FILE:L:C: [i].x: why"). */
	void (*report)(void *arg, const char *err);
	void *arg;
};

/*
 * The connections of text (len bytes, named file in errors) into r
 * (report and arg set by the caller). 0, or -EINVAL (err says why;
 * r->conns empty) or -ENOMEM.
 */
int conns_parse(const char *text, size_t len, const char *file,
		struct conns_read *r, char *err, size_t errlen);

#endif /* LBCTL_CONN_JSON_H */
