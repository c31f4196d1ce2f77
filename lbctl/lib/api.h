/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The director over generic netlink, one call per object: what "lbctl
 * service add" and "lbctl apply cluster.json" both send.
 *
 * g is an open, resolved struct genl (genl.h). Every call returns 0 or
 * -errno, and on failure g->msg holds a sentence for the user, the
 * kernel's own when it gave one. A call either applies whole or not at all
 * (the ABI promises it per command); nothing here combines commands.
 */
#ifndef LBCTL_API_H
#define LBCTL_API_H

#include "genl.h"
#include "lb.h"

/* How often a dump is read again when the table changed under it. */
#define LB_DUMP_TRIES		5

int lb_info_get(struct genl *g, struct lb_info *info);

int lb_config_get(struct genl *g, struct lb_config *cfg);
/* Changes what cfg->present says. */
int lb_config_set(struct genl *g, const struct lb_config *cfg);

/* add needs fwd and sched set; set changes the fields that are set. */
int lb_service_add(struct genl *g, const struct lb_service *svc);
int lb_service_set(struct genl *g, const struct lb_service *svc);
int lb_service_del(struct genl *g, const struct lb_service *svc);
/* Fills *svc from the kernel, by its key; -ENOENT if there is none. */
int lb_service_get(struct genl *g, struct lb_service *svc);

/* The real server dest of service svc (only its key is sent). */
int lb_dest_add(struct genl *g, const struct lb_service *svc,
		const struct lb_dest *dest);
int lb_dest_set(struct genl *g, const struct lb_service *svc,
		const struct lb_dest *dest);
int lb_dest_del(struct genl *g, const struct lb_service *svc,
		const struct lb_dest *dest);

int lb_laddr_add(struct genl *g, const struct lb_addr *addr);
int lb_laddr_del(struct genl *g, const struct lb_addr *addr);

/*
 * A connection copied from another director's table (FULLNAT_CMD_NEW_CONN):
 * -EEXIST if its tuple is in the table, other errors as g->msg says.
 */
int lb_conn_add(struct genl *g, const struct lb_conn *conn);
/*
 * Delete the connections filter names, every one if it names nothing
 * (FULLNAT_CMD_DEL_CONN); *deleted gets how many went.
 */
int lb_conn_del(struct genl *g, const struct lb_conn_filter *filter,
		uint32_t *deleted);

/*
 * Dumps: fn(object, arg) for each object, with fn(NULL, arg) before the
 * table is read again (see lb.h); after LB_DUMP_TRIES interrupted reads,
 * -EINTR. lb_collect_*() of lb.h are ready-made fns.
 */
int lb_dump_services(struct genl *g, lb_obj_fn fn, void *arg);
int lb_dump_dests(struct genl *g, const struct lb_service *svc,
		  lb_obj_fn fn, void *arg);
int lb_dump_laddrs(struct genl *g, lb_obj_fn fn, void *arg);
int lb_dump_conns(struct genl *g, lb_obj_fn fn, void *arg);
/* Those of every service; -EOPNOTSUPP from a module without templates. */
int lb_dump_templates(struct genl *g, lb_obj_fn fn, void *arg);

/* What lb_snapshot_read() reads besides the info and services. */
#define LB_SNAP_CONFIG		(1u << 0)
#define LB_SNAP_LADDRS		(1u << 1)

/*
 * The director: its info, the services with their real servers (only the
 * service only, if not NULL) and what flags ask for. A service deleted
 * between the dump of the services and the dump of its real servers is
 * left out. On failure snap is freed; on success the caller frees it with
 * lb_snapshot_free().
 */
int lb_snapshot_read(struct genl *g, struct lb_snapshot *snap,
		     const struct lb_service *only, unsigned int flags);

#endif /* LBCTL_API_H */
