// SPDX-License-Identifier: GPL-2.0
/*
 * fullnat/sched_least.c (lc, wlc, sed, nq), compiled as it is, against
 * the definitions of IPVS's ip_vs_lc.c, ip_vs_wlc.c, ip_vs_sed.c and
 * ip_vs_nq.c written naively (floating point, one pass per rule) over
 * random sets of servers, and a few cases by hand.
 */
#include <stdio.h>
#include <stdlib.h>

#include "check.h"

extern struct fnat_sched_ops fnat_sched_lc, fnat_sched_wlc;
extern struct fnat_sched_ops fnat_sched_sed, fnat_sched_nq;

#define N_MAX 8

struct srv {
	int active, inactive;
	u32 weight;
};

/* lc: least active * 256 + inactive among weight > 0, first on a tie */
static int ref_lc(const struct srv *s, int n)
{
	int i, best = -1;

	for (i = 0; i < n; i++)
		if (s[i].weight && (best < 0 ||
		    s[i].active * 256 + s[i].inactive <
		    s[best].active * 256 + s[best].inactive))
			best = i;
	return best;
}

/* wlc: least (active * 256 + inactive) / weight, first on a tie */
static int ref_wlc(const struct srv *s, int n)
{
	int i, best = -1;

	for (i = 0; i < n; i++)
		if (s[i].weight && (best < 0 ||
		    (s[i].active * 256.0 + s[i].inactive) / s[i].weight <
		    (s[best].active * 256.0 + s[best].inactive) / s[best].weight))
			best = i;
	return best;
}

/* sed: least (active + 1) / weight, first on a tie */
static int ref_sed(const struct srv *s, int n)
{
	int i, best = -1;

	for (i = 0; i < n; i++)
		if (s[i].weight && (best < 0 ||
		    (s[i].active + 1.0) / s[i].weight <
		    (s[best].active + 1.0) / s[best].weight))
			best = i;
	return best;
}

/* nq: the first idle server, else sed */
static int ref_nq(const struct srv *s, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (s[i].weight && !s[i].active)
			return i;
	return ref_sed(s, n);
}

static int pick(struct fnat_sched_ops *ops, const struct srv *s, int n)
{
	struct fnat_dest d[N_MAX];
	struct {
		struct fnat_dest_set set;
		struct { struct fnat_dest *dest; u32 weight; } e[N_MAX];
	} buf;
	struct fnat_dest *got;
	void *data;
	int i;

	buf.set.n = n;
	for (i = 0; i < n; i++) {
		d[i].id = i;
		d[i].active.counter = s[i].active;
		d[i].inactive.counter = s[i].inactive;
		buf.set.e[i].dest = &d[i];
		buf.set.e[i].weight = s[i].weight;
	}
	data = ops->init(&buf.set, NULL);
	got = ops->schedule(&buf.set, data, NULL);
	ops->done(data);
	return got ? got->id : -1;
}

static const struct {
	const char *name;
	struct fnat_sched_ops *ops;
	int (*ref)(const struct srv *s, int n);
} scheds[] = {
	{ "lc", &fnat_sched_lc, ref_lc },
	{ "wlc", &fnat_sched_wlc, ref_wlc },
	{ "sed", &fnat_sched_sed, ref_sed },
	{ "nq", &fnat_sched_nq, ref_nq },
};

int main(void)
{
	/* weights 1 and 3, 1 and 2 active: sed 2/1 > 3/3, takes the second;
	 * lc counts connections only: the first; nq: no idle one, as sed */
	static const struct srv two[] = { { 1, 0, 1 }, { 2, 0, 3 } };
	/* an idle server of weight 1 beside a busy one of weight 100 */
	static const struct srv idle[] = { { 5, 0, 100 }, { 0, 9, 1 } };
	static const struct srv quiesced[] = { { 0, 0, 0 }, { 0, 0, 0 } };
	struct srv s[N_MAX];
	unsigned int k, round;
	int i, n;

	check_begin("lc/counts_not_weights");
	CHECK_INT(pick(&fnat_sched_lc, two, 2), 0);
	CHECK_INT(pick(&fnat_sched_lc, idle, 2), 1);
	check_end();
	check_begin("sed/expected_delay");
	CHECK_INT(pick(&fnat_sched_sed, two, 2), 1);
	/* (5 + 1) / 100 < (0 + 1) / 1: the busy, heavy one */
	CHECK_INT(pick(&fnat_sched_sed, idle, 2), 0);
	check_end();
	check_begin("nq/idle_first");
	CHECK_INT(pick(&fnat_sched_nq, two, 2), 1);
	CHECK_INT(pick(&fnat_sched_nq, idle, 2), 1);
	check_end();
	check_begin("all/quiesced");
	for (k = 0; k < ARRAY_SIZE(scheds); k++)
		CHECK_INT(pick(scheds[k].ops, quiesced, 2), -1);
	check_end();

	srand(13);
	for (k = 0; k < ARRAY_SIZE(scheds); k++) {
		check_begin("%s/against_ipvs_definition", scheds[k].name);
		for (round = 0; round < 20000; round++) {
			n = 1 + rand() % N_MAX;
			for (i = 0; i < n; i++) {
				/* small numbers, so that ties happen */
				s[i].active = rand() % 4;
				s[i].inactive = rand() % 300;
				s[i].weight = rand() % 5 ? rand() % 4 : 0;
			}
			CHECK_MSG(pick(scheds[k].ops, s, n) ==
				  scheds[k].ref(s, n),
				  "round %u: picked %d, the definition %d",
				  round, pick(scheds[k].ops, s, n),
				  scheds[k].ref(s, n));
		}
		check_end();
	}
	return check_done();
}
