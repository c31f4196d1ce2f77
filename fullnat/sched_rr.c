// SPDX-License-Identifier: GPL-2.0
/*
 * Round robin: real servers in turn, skipping quiesced ones (weight 0).
 * The position is one atomic counter, so concurrent CPUs never hand out
 * the same turn twice and a full cycle is exactly even.
 */
#include <linux/slab.h>

#include "fullnat.h"

struct rr_data {
	atomic_t next;
};

static void *rr_init(const struct fnat_dest_set *set,
		     const struct fnat_sched_conf *conf)
{
	struct rr_data *rr = kzalloc(sizeof(*rr), GFP_KERNEL);

	if (rr)
		atomic_set(&rr->next, 0);
	return rr;
}

static void rr_done(void *data)
{
	kfree(data);
}

static struct fnat_dest *rr_schedule(const struct fnat_dest_set *set,
				     void *data, const struct fnat_pkt *p)
{
	struct rr_data *rr = data;
	int i, start;

	if (!set->n)
		return NULL;
	start = (unsigned int)atomic_inc_return(&rr->next) % set->n;
	for (i = 0; i < set->n; i++) {
		int k = (start + i) % set->n;

		if (set->e[k].weight)
			return set->e[k].dest;
	}
	return NULL;
}

struct fnat_sched_ops fnat_sched_rr = {
	.name = "rr",
	.init = rr_init,
	.done = rr_done,
	.schedule = rr_schedule,
};
