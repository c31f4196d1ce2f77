// SPDX-License-Identifier: GPL-2.0
/*
 * Weighted round robin, interleaved: with weights 3, 2, 1 the order is
 * A A B A B C, so that every cycle of sum(weights) connections is split
 * exactly by weight and no server gets a burst. The walk keeps a current
 * weight that steps down by gcd(weights) each pass over the servers; a
 * server is picked when its weight reaches the current weight. The walk is
 * short and serialised by a spinlock in the per-service state.
 */
#include <linux/gcd.h>
#include <linux/slab.h>

#include "fullnat.h"

struct wrr_data {
	spinlock_t lock;
	int index;	/* last server picked, -1 before the first */
	u32 cw;		/* current weight */
	u32 mw;		/* largest weight */
	u32 step;	/* gcd of the weights */
};

static void *wrr_init(const struct fnat_dest_set *set,
		      const struct fnat_sched_conf *conf)
{
	struct wrr_data *w = kzalloc(sizeof(*w), GFP_KERNEL);
	u32 g = 0;
	int i;

	if (!w)
		return NULL;
	spin_lock_init(&w->lock);
	w->index = -1;
	for (i = 0; i < set->n; i++) {
		u32 wt = set->e[i].weight;

		if (!wt)
			continue;
		w->mw = max(w->mw, wt);
		g = g ? gcd(g, wt) : wt;
	}
	w->step = g ?: 1;
	w->cw = 0;
	return w;
}

static void wrr_done(void *data)
{
	kfree(data);
}

static struct fnat_dest *wrr_schedule(const struct fnat_dest_set *set,
				      void *data, const struct fnat_pkt *p)
{
	struct wrr_data *w = data;
	struct fnat_dest *found = NULL;
	u64 tries;	/* up to 2^16 passes over as many servers as exist */

	if (!set->n || !w->mw)
		return NULL;

	spin_lock_bh(&w->lock);
	/* At most mw/step passes over n servers find a match. */
	for (tries = (u64)set->n * (w->mw / w->step + 1); tries; tries--) {
		w->index = (w->index + 1) % set->n;
		if (w->index == 0) {
			w->cw = w->cw > w->step ? w->cw - w->step : w->mw;
		}
		if (set->e[w->index].weight >= w->cw) {
			found = set->e[w->index].dest;
			break;
		}
	}
	spin_unlock_bh(&w->lock);
	return found;
}

struct fnat_sched_ops fnat_sched_wrr = {
	.name = "wrr",
	.init = wrr_init,
	.done = wrr_done,
	.schedule = wrr_schedule,
};
