// SPDX-License-Identifier: GPL-2.0
/*
 * fullnat/sched_wrr.c, compiled as it is: the interleaved order of a
 * small set, and a set past 32k servers (whose loop bound overflowed an
 * int, so that no server was ever picked).
 */
#include <stdio.h>
#include <stdlib.h>

#include "check.h"

extern struct fnat_sched_ops fnat_sched_wrr;

static struct fnat_dest_set *set_new(int n, const u32 *weights, u32 rest)
{
	struct fnat_dest_set *set;
	int i;

	set = calloc(1, sizeof(*set) + n * sizeof(set->e[0]));
	set->n = n;
	for (i = 0; i < n; i++) {
		set->e[i].dest = calloc(1, sizeof(struct fnat_dest));
		set->e[i].dest->id = i;
		set->e[i].weight = weights && i < 3 ? weights[i] : rest;
	}
	return set;
}

static void set_free(struct fnat_dest_set *set)
{
	int i;

	for (i = 0; i < set->n; i++)
		free(set->e[i].dest);
	free(set);
}

int main(void)
{
	static const u32 w[3] = { 3, 2, 1 };
	static const int order[] = { 0, 0, 1, 0, 1, 2, 0, 0, 1, 0, 1, 2 };
	struct fnat_dest_set *set;
	struct fnat_dest *d;
	void *data;
	int i;

	check_begin("wrr/interleaved");
	set = set_new(3, w, 0);
	data = fnat_sched_wrr.init(set, NULL);
	for (i = 0; i < (int)ARRAY_SIZE(order); i++) {
		d = fnat_sched_wrr.schedule(set, data, NULL);
		CHECK_INT(d ? d->id : -1, order[i]);
	}
	fnat_sched_wrr.done(data);
	set_free(set);
	check_end();

	check_begin("wrr/40000_servers_max_weight");
	set = set_new(40000, (const u32[3]){ 65535, 1, 1 }, 1);
	data = fnat_sched_wrr.init(set, NULL);
	d = fnat_sched_wrr.schedule(set, data, NULL);
	CHECK_INT(d ? d->id : -1, 0);
	fnat_sched_wrr.done(data);
	set_free(set);
	check_end();

	return check_done();
}
