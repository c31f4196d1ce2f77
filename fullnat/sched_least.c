// SPDX-License-Identifier: GPL-2.0
/*
 * The "least loaded" schedulers, as IPVS defines them. Each picks the
 * server with the smallest cost / weight; they differ only in the cost:
 *
 *   lc   active * 256 + inactive, weights ignored (an idle connection
 *        costs far less than a busy one)
 *   wlc  the same cost, divided by the weight
 *   sed  shortest expected delay: (active + 1) / weight, counting only
 *        active connections
 *   nq   never queue: the first server with no active connection if there
 *        is one, otherwise as sed
 *
 * Active: a TCP connection from its first SYN through ESTABLISHED, as
 * IPVS counts it (fnat_dest_count()), so each new connection of a burst
 * weighs on its server at once; UDP connections are all inactive.
 * Quotients are compared by cross-multiplication to stay in integers.
 * Quiesced servers (weight 0) take nothing; ties go to the first server
 * of the snapshot. Stateless.
 */
#include "fullnat.h"

enum least_kind { LEAST_LC, LEAST_WLC, LEAST_SED, LEAST_NQ };

static struct fnat_dest *least(const struct fnat_dest_set *set,
			       enum least_kind kind)
{
	struct fnat_dest *best = NULL;
	u64 best_cost = 0;
	u32 best_w = 0;
	int i;

	for (i = 0; i < set->n; i++) {
		struct fnat_dest *d = set->e[i].dest;
		u32 w = set->e[i].weight;
		u32 active;
		u64 cost;

		if (!w)
			continue;
		active = atomic_read(&d->active);
		if (kind == LEAST_NQ && !active)
			return d;
		if (kind == LEAST_LC || kind == LEAST_WLC)
			cost = ((u64)active << 8) + atomic_read(&d->inactive);
		else
			cost = (u64)active + 1;
		if (kind == LEAST_LC)
			w = 1;
		/* cost / w < best_cost / best_w */
		if (!best || cost * best_w < best_cost * w) {
			best = d;
			best_cost = cost;
			best_w = w;
		}
	}
	return best;
}

static void *least_init(const struct fnat_dest_set *set,
			const struct fnat_sched_conf *conf)
{
	return ZERO_SIZE_PTR;	/* no state; not NULL, which means -ENOMEM */
}

static void least_done(void *data)
{
}

#define LEAST_SCHED(NAME, KIND)						\
static struct fnat_dest *NAME##_schedule(const struct fnat_dest_set *set, \
					 void *data,			\
					 const struct fnat_pkt *p)	\
{									\
	return least(set, KIND);					\
}									\
struct fnat_sched_ops fnat_sched_##NAME = {				\
	.name = #NAME,							\
	.init = least_init,						\
	.done = least_done,						\
	.schedule = NAME##_schedule,					\
}

LEAST_SCHED(lc, LEAST_LC);
LEAST_SCHED(wlc, LEAST_WLC);
LEAST_SCHED(sed, LEAST_SED);
LEAST_SCHED(nq, LEAST_NQ);
