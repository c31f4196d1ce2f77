// SPDX-License-Identifier: GPL-2.0
/*
 * Weighted least connection: the server with the smallest
 * (active * 256 + inactive) / weight, as IPVS counts it (an idle
 * connection costs far less than a busy one). Compared by
 * cross-multiplication to stay in integers. Stateless.
 */
#include "fullnat.h"

static inline u64 overhead(const struct fnat_dest *d)
{
	return ((u64)atomic_read(&d->active) << 8) + atomic_read(&d->inactive);
}

static void *wlc_init(const struct fnat_dest_set *set,
		      const struct fnat_sched_conf *conf)
{
	return ZERO_SIZE_PTR;	/* no state; not NULL, which means -ENOMEM */
}

static void wlc_done(void *data)
{
}

static struct fnat_dest *wlc_schedule(const struct fnat_dest_set *set,
				      void *data, const struct fnat_pkt *p)
{
	struct fnat_dest *best = NULL;
	u64 best_oh = 0;
	u32 best_w = 0;
	int i;

	for (i = 0; i < set->n; i++) {
		struct fnat_dest *d = set->e[i].dest;
		u32 w = set->e[i].weight;
		u64 oh;

		if (!w)
			continue;
		oh = overhead(d);
		/* oh / w < best_oh / best_w */
		if (!best || oh * best_w < best_oh * w) {
			best = d;
			best_oh = oh;
			best_w = w;
		}
	}
	return best;
}

struct fnat_sched_ops fnat_sched_wlc = {
	.name = "wlc",
	.init = wlc_init,
	.done = wlc_done,
	.schedule = wlc_schedule,
};
