/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The director's objects through output.h: each function prints text and
 * JSON from the same calls. They need no socket, so tests print hand-made
 * structs. The JSON keys are those of the cluster file where the two say
 * the same thing (protocol, vip, port, forward, scheduler, toa,
 * real_servers, address, weight, local_addresses), so that the JSON of a
 * director can be turned into its cluster file.
 */
#ifndef LBCTL_PRINT_H
#define LBCTL_PRINT_H

#include <stdbool.h>

#include "lb.h"

/* "FullNAT director fullnat.ko 0.1.0, 2 services, ..." */
void print_info(const struct lb_info *info);
/*
 * The JSON of the next four goes under key, or is the whole document when
 * key is NULL (the "show" of each, as "ip -j" prints a list).
 */
/* "conn_max N" lines, in "lbctl config set" words */
void print_config(const struct lb_config *cfg, const char *key);
/* A table of the local addresses */
void print_laddrs(const struct lb_laddr_list *list, const char *key);
/* What the table of services shows after each address. */
enum lb_view {
	LB_VIEW_CONNS,		/* ipvsadm -Ln: weights and connections */
	LB_VIEW_STATS,		/* ipvsadm -Ln --stats: the counters */
	LB_VIEW_RATE,		/* ipvsadm -Ln --rate: the rates (JSON "rate") */
};

/* ipvsadm -Lnc: the head, then each connection as it comes; the JSON is
 * a list (the document), closed by out_close() */
void print_conns_head(void);
void print_conn(const struct lb_conn *c);
/* a persistence template as a row of that table (after the connections) */
void print_template(const struct lb_template *t);
/* "name value" lines */
void print_counters(const struct lb_info *info, const char *key);
/* "lbctl show": info, then (JSON only) "config" and "local_addresses",
 * then the services */
void print_show(const struct lb_snapshot *snap, enum lb_view view);
/*
 * JSON only: the director as a cluster file with one director, called
 * name, in netns if not NULL: what "lbctl export" prints and "lbctl apply"
 * reads back as no change. snap needs its config and local addresses.
 */
void print_cluster(const struct lb_snapshot *snap, const char *name,
		   const char *netns);

#endif /* LBCTL_PRINT_H */
