/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What "lbctl apply" changes on one director: the difference between the
 * state read from the kernel and the state a cluster file asks for, as a
 * list of steps, each one request of api.h, and how to undo them.
 *
 * Order of the steps (a step never waits on a later one):
 *
 * Everything that adds or changes comes before everything that deletes,
 * but for step 8, which cannot come sooner.
 *
 *   1. config            new timeouts and bounds hold for what follows
 *   2. laddr add         local addresses before the services that use them
 *   3. service add       each followed by its real servers;
 *      service set       scheduler and toa changed in place
 *   4. rs add, rs set    of every service: new real servers before old
 *      ones go, so a service never runs out of them; weights are SET,
 *      never deleted and added again
 *   5. rs del            of every service, once all adds are done: an
 *      add the kernel refuses then undoes adds only, never a delete
 *      whose connections expire_nodest has already dropped
 *   6. service del       what the file no longer has
 *   7. laddr del         after the services that used them are gone
 *   8. laddr add, service add   the ones that clash with what 6 and 7
 *      remove (an address that moves from VIP to LIP or back, a service
 *      whose forwarding mode changes): the kernel refuses a LIP that is a
 *      VIP, and a service cannot change its forwarding mode
 *
 * What is the same is never touched, so its connections go on. A real
 * server or local address whose only change is its weight or nothing is
 * kept; only key changes (address, port) delete and add.
 *
 * Undoing: each step has its inverse from the snapshot (add <-> del, set
 * back to the old values, a deleted service added again with its real
 * servers and their weights). lb_plan_run() undoes the steps already done,
 * newest first, when one fails.
 *
 * No libnl here: unit tests drive plans with a pretend kernel.
 */
#ifndef LBCTL_PLAN_H
#define LBCTL_PLAN_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "lb.h"

enum lb_step_op {
	LB_STEP_CONFIG_SET,
	LB_STEP_LADDR_ADD,
	LB_STEP_LADDR_DEL,
	LB_STEP_SVC_ADD,
	LB_STEP_SVC_SET,
	LB_STEP_SVC_DEL,
	LB_STEP_DEST_ADD,
	LB_STEP_DEST_SET,
	LB_STEP_DEST_DEL,
};

struct lb_step {
	enum lb_step_op op;
	/* SVC_*: what is sent (SET: only the fields that change); DEST_*:
	 * the service's key. */
	struct lb_service svc;
	struct lb_dest dest;		/* DEST_* */
	struct lb_addr addr;		/* LADDR_* */
	struct lb_config cfg;		/* CONFIG_SET: the keys that change */
	/* What the step replaces, for "was" and for the undo. */
	struct lb_service old_svc;	/* SVC_SET: old fields; SVC_DEL: all */
	const struct lb_dest_list *old_dests;	/* SVC_DEL, in the snapshot */
	struct lb_dest old_dest;	/* DEST_SET */
	struct lb_config old_cfg;	/* CONFIG_SET */
};

LB_LIST(lb_plan, struct lb_step);

/*
 * The steps that take cur (read from the kernel with its config and local
 * addresses) to want (cluster_want()). want's config keys that are not
 * present, and its laddrs when !has_laddrs, are left as they are. The plan
 * points into cur (old_dests): cur must outlive it. 0 or -ENOMEM.
 */
int lb_plan_make(const struct lb_snapshot *cur, const struct lb_snapshot *want,
		 struct lb_plan *plan);

/*
 * The step as the lbctl command that does the same, "rs set tcp
 * 203.0.113.10:80 10.30.0.11:8080 weight 2", and what it replaces after
 * "  (was weight 1)" for the SETs.
 */
void lb_step_format(const struct lb_step *step, char *buf, size_t len);

/* The steps that undo step, in order, appended to undo. 0 or -ENOMEM. */
int lb_step_undo(const struct lb_step *step, struct lb_plan *undo);

/*
 * Runs fn(arg, step) for each step in order. If one fails, the steps done
 * so far are undone newest first (with lb_step_undo()'s steps through the
 * same fn) and its error is returned; *failed gets its index. An undo step
 * that fails too is counted in *undo_failed and the undo goes on.
 *
 * -ESTALE (another writer came between, genl.h) from a step or an undo
 * step stops the undo where it is, so that nothing of that writer's is
 * overwritten: *kept gets how many of the plan's first steps were not
 * undone (the last one perhaps in part), else 0.
 *
 * A stop request (*stop set, by a signal: stop may be NULL) before a step
 * is like a refusal of it, -EINTR, until the first delete has been sent.
 * From there on the plan is finished instead: a real server deleted
 * with expire_nodest has lost its connections, and adding it back would
 * not bring them back; what is left after the deletes is little.
 */
typedef int (*lb_step_fn)(void *arg, const struct lb_step *step, bool undo);
int lb_plan_run(const struct lb_plan *plan, lb_step_fn fn, void *arg,
		const volatile sig_atomic_t *stop, size_t *failed,
		unsigned int *undo_failed, size_t *kept);

/*
 * The step as its one request of api.h on g (plan_send.c, which needs
 * libnl: the rest of the plan does not). 0 or -errno, g->msg saying why.
 */
struct genl;
int lb_step_send(struct genl *g, const struct lb_step *step);

#endif /* LBCTL_PLAN_H */
