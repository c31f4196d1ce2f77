// SPDX-License-Identifier: GPL-2.0
/*
 * fullnat/maglev.h, the table sh, dh and mh use, compiled as it is:
 * against a naive Maglev (the paper's preference lists, written out in
 * full) for equal weights; weights; independence from the order the
 * servers are given in; and how many slots move when one server goes.
 */
#include <stdio.h>
#include <stdlib.h>

#include "check.h"

typedef uint64_t u64;
#include "maglev.h"

#define M 65537

static void srv_init(struct fnat_mh_srv *s, u32 i, u32 weight)
{
	memset(s, 0, sizeof(*s));
	/* 10.0.x.y:80 */
	s->key[0] = 10;
	s->key[2] = (u8)(i >> 8);
	s->key[3] = (u8)i;
	s->key[17] = 80;
	s->weight = weight;
}

static u32 *build(const struct fnat_mh_srv *srv, u32 n, u32 size)
{
	u32 *table = malloc(size * sizeof(u32));
	u64 *scratch = malloc((FNAT_MH_SCRATCH(n) + 1) * sizeof(u64));

	fnat_mh_build(table, size, srv, n, scratch);
	free(scratch);
	return table;
}

static int cmp_srv(const void *a, const void *b)
{
	return memcmp(((const struct fnat_mh_srv *)a)->key,
		      ((const struct fnat_mh_srv *)b)->key, FNAT_MH_KEYLEN);
}

/*
 * The paper's algorithm, as plainly as it goes: each server's whole
 * preference list, then turns in the order of the sorted keys.
 */
static u32 *naive(const struct fnat_mh_srv *in, u32 n, u32 size)
{
	struct fnat_mh_srv *srv = malloc(n * sizeof(*srv));
	u32 *table = malloc(size * sizeof(u32));
	u32 **perm = malloc(n * sizeof(*perm));
	u32 *next = calloc(n, sizeof(u32));
	u32 i, j, filled = 0;

	memcpy(srv, in, n * sizeof(*srv));
	qsort(srv, n, sizeof(*srv), cmp_srv);
	for (i = 0; i < n; i++) {
		u64 offset = fnat_mh_hash(srv[i].key, FNAT_MH_KEYLEN,
					  FNAT_MH_SEED_OFFSET) % size;
		u64 skip = fnat_mh_hash(srv[i].key, FNAT_MH_KEYLEN,
					FNAT_MH_SEED_SKIP) % (size - 1) + 1;

		perm[i] = malloc(size * sizeof(u32));
		for (j = 0; j < size; j++)
			perm[i][j] = (offset + (u64)j * skip) % size;
	}
	for (j = 0; j < size; j++)
		table[j] = FNAT_MH_NONE;
	while (filled < size) {
		for (i = 0; i < n && filled < size; i++) {
			u32 c = perm[i][next[i]];

			while (table[c] != FNAT_MH_NONE)
				c = perm[i][++next[i]];
			/* the index the caller gave, as fnat_mh_build() */
			for (j = 0; j < n; j++)
				if (!cmp_srv(&in[j], &srv[i]))
					table[c] = j;
			next[i]++;
			filled++;
		}
	}
	for (i = 0; i < n; i++)
		free(perm[i]);
	free(perm);
	free(next);
	free(srv);
	return table;
}

static void count(const u32 *table, u32 size, u32 *per, u32 n)
{
	u32 i;

	memset(per, 0, n * sizeof(u32));
	for (i = 0; i < size; i++)
		if (table[i] < n)
			per[table[i]]++;
}

int main(void)
{
	static const u32 sizes[] = { 251, 4093, 65537 };
	struct fnat_mh_srv srv[32], shuf[32];
	u32 per[32], *t, *u, i, k, n;

	for (k = 0; k < ARRAY_SIZE(sizes); k++) {
		check_begin("maglev/naive_equal_weights/%u", sizes[k]);
		for (i = 0; i < 7; i++)
			srv_init(&srv[i], i * 37 + 1, 5);
		t = build(srv, 7, sizes[k]);
		u = naive(srv, 7, sizes[k]);
		for (i = 0; i < sizes[k]; i++)
			CHECK_MSG(t[i] == u[i], "slot %u: %u, naive %u", i,
				  t[i], u[i]);
		free(t);
		free(u);
		check_end();
	}

	check_begin("maglev/full_and_valid");
	for (i = 0; i < 20; i++)
		srv_init(&srv[i], i, 1 + i % 4);
	t = build(srv, 20, M);
	for (i = 0; i < M; i++)
		CHECK_MSG(t[i] < 20, "slot %u holds %u", i, t[i]);
	free(t);
	check_end();

	/* Each server within 2% of the table of its weight's share. */
	check_begin("maglev/weights");
	{
		static const u32 w[] = { 1, 2, 3, 4, 10, 100, 100, 1 };
		u32 sum = 0;

		n = ARRAY_SIZE(w);
		for (i = 0; i < n; i++) {
			srv_init(&srv[i], i + 100, w[i]);
			sum += w[i];
		}
		t = build(srv, n, M);
		count(t, M, per, n);
		for (i = 0; i < n; i++) {
			double want = (double)M * w[i] / sum;

			CHECK_MSG(per[i] >= want - 0.02 * M &&
				  per[i] <= want + 0.02 * M,
				  "server %u (weight %u): %u slots, want %.0f",
				  i, w[i], per[i], want);
		}
		free(t);
	}
	check_end();

	check_begin("maglev/weight_skew_65535_1");
	srv_init(&srv[0], 1, 65535);
	srv_init(&srv[1], 2, 1);
	t = build(srv, 2, M);
	count(t, M, per, 2);
	CHECK_MSG(per[1] >= 1 && per[1] <= 3, "weight 1 has %u slots", per[1]);
	CHECK_INT(per[0] + per[1], M);
	free(t);
	check_end();

	check_begin("maglev/all_quiesced");
	for (i = 0; i < 4; i++)
		srv_init(&srv[i], i, 0);
	t = build(srv, 4, 251);
	for (i = 0; i < 251; i++)
		CHECK_INT(t[i], FNAT_MH_NONE);
	free(t);
	check_end();

	/* Reversed and rotated input: every slot names the same server. */
	check_begin("maglev/order_independent");
	n = 16;
	for (i = 0; i < n; i++)
		srv_init(&srv[i], i * 3 + 7, 1 + i % 5);
	t = build(srv, n, M);
	for (i = 0; i < n; i++)
		shuf[i] = srv[(n - 1 - i + 5) % n];
	u = build(shuf, n, M);
	for (i = 0; i < M; i++)
		CHECK_MSG(!cmp_srv(&srv[t[i]], &shuf[u[i]]),
			  "slot %u differs with the servers reordered", i);
	free(t);
	free(u);
	check_end();

	/*
	 * One of N servers goes (quiesced: weight 0, which is the same
	 * table as removed): its slots move, and few others. Maglev
	 * promises about 1/N in all; allow up to 1.5/N.
	 */
	for (n = 4; n <= 32; n *= 2) {
		u32 moved = 0, lost = 0, own = 0;

		check_begin("maglev/remove_one_of/%u", n);
		for (i = 0; i < n; i++)
			srv_init(&srv[i], i + 1000, 1);
		t = build(srv, n, M);
		srv[n / 2].weight = 0;
		u = build(srv, n, M);
		for (i = 0; i < M; i++) {
			CHECK_MSG(u[i] != n / 2, "slot %u kept the quiesced server", i);
			if (t[i] == n / 2)
				own++;
			else if (t[i] != u[i])
				lost++;
			moved += t[i] != u[i];
		}
		printf("# remove 1 of %u: %.4f of slots moved (1/N = %.4f), "
		       "%u of others' slots\n", n, (double)moved / M, 1.0 / n,
		       lost);
		CHECK_MSG(moved == own + lost, "bookkeeping");
		CHECK_MSG(moved <= 1.5 * M / n, "moved %u of %u slots", moved, M);
		free(t);
		free(u);
		check_end();
	}

	return check_done();
}
