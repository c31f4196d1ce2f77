// SPDX-License-Identifier: GPL-2.0
/*
 * Shortest expected delay and never queue, as IPVS's sed and nq: the
 * expected delay of a server is (active + 1) / weight, counting only
 * established connections; sed picks the smallest. nq first sends the
 * connection to an idle server (no active connection) if there is one,
 * the first of the snapshot, and otherwise does as sed. Quiesced servers
 * (weight 0) take nothing; ties go to the first server. Stateless.
 */
#include "fullnat.h"

static void *sed_init(const struct fnat_dest_set *set,
		      const struct fnat_sched_conf *conf)
{
	return ZERO_SIZE_PTR;	/* no state; not NULL, which means -ENOMEM */
}

static void sed_done(void *data)
{
}

static struct fnat_dest *pick(const struct fnat_dest_set *set, bool idle)
{
	struct fnat_dest *best = NULL;
	u64 best_oh = 0;
	u32 best_w = 0;
	int i;

	for (i = 0; i < set->n; i++) {
		struct fnat_dest *d = set->e[i].dest;
		u32 w = set->e[i].weight;
		u32 active;
		u64 oh;

		if (!w)
			continue;
		active = atomic_read(&d->active);
		if (idle && !active)
			return d;
		oh = (u64)active + 1;
		/* oh / w < best_oh / best_w, in integers */
		if (!best || oh * best_w < best_oh * w) {
			best = d;
			best_oh = oh;
			best_w = w;
		}
	}
	return best;
}

static struct fnat_dest *sed_schedule(const struct fnat_dest_set *set,
				      void *data, const struct fnat_pkt *p)
{
	return pick(set, false);
}

static struct fnat_dest *nq_schedule(const struct fnat_dest_set *set,
				     void *data, const struct fnat_pkt *p)
{
	return pick(set, true);
}

struct fnat_sched_ops fnat_sched_sed = {
	.name = "sed",
	.init = sed_init,
	.done = sed_done,
	.schedule = sed_schedule,
};

struct fnat_sched_ops fnat_sched_nq = {
	.name = "nq",
	.init = sed_init,
	.done = sed_done,
	.schedule = nq_schedule,
};
