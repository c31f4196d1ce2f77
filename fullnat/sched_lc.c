// SPDX-License-Identifier: GPL-2.0
/*
 * Least connection, as IPVS's lc: the server with the smallest
 * active * 256 + inactive, weights ignored except that a quiesced server
 * (weight 0) takes nothing. Ties go to the first server of the snapshot.
 * Stateless.
 */
#include "fullnat.h"

static void *lc_init(const struct fnat_dest_set *set,
		     const struct fnat_sched_conf *conf)
{
	return ZERO_SIZE_PTR;	/* no state; not NULL, which means -ENOMEM */
}

static void lc_done(void *data)
{
}

static struct fnat_dest *lc_schedule(const struct fnat_dest_set *set,
				     void *data, const struct fnat_pkt *p)
{
	struct fnat_dest *best = NULL;
	u64 best_oh = 0;
	int i;

	for (i = 0; i < set->n; i++) {
		struct fnat_dest *d = set->e[i].dest;
		u64 oh;

		if (!set->e[i].weight)
			continue;
		oh = ((u64)atomic_read(&d->active) << 8) +
		     atomic_read(&d->inactive);
		if (!best || oh < best_oh) {
			best = d;
			best_oh = oh;
		}
	}
	return best;
}

struct fnat_sched_ops fnat_sched_lc = {
	.name = "lc",
	.init = lc_init,
	.done = lc_done,
	.schedule = lc_schedule,
};
