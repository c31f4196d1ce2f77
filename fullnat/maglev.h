/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Weighted Maglev lookup table (Eisenbud et al., NSDI 2016), as pure
 * functions on plain arrays: sched_hash.c builds its tables with them and
 * tests/unit/test_maglev.c checks the same code in userspace.
 *
 * Every real server has a preference list over the table's slots, a
 * permutation (offset + j * skip) mod size, size prime and skip in
 * 1..size-1. The servers take turns claiming the next free slot of their
 * list until the table is full; a server of weight w takes a turn in w of
 * every wmax passes, so it ends up with about w / sum(weights) of the
 * slots. Taking a server out changes mostly its own slots: the others'
 * lists do not change, so they claim nearly the slots they had.
 *
 * The table must depend only on the configuration, so that two directors
 * given the same servers pick the same one for the same flow: offset and
 * skip come from a fixed (unkeyed) hash of the server's address and port,
 * and the servers take their turns in the order of their address and
 * port, not the order they were added. Weight-0 servers take no turn.
 *
 * Cost: O(size * log(size)) probes and O(size * log(n)) heap steps,
 * whatever the weights. Memory: 4 bytes per slot; 16 per server and
 * 32 more while building.
 */
#ifndef _FULLNAT_MAGLEV_H
#define _FULLNAT_MAGLEV_H

#define FNAT_MH_NONE	0xffffffffU	/* a slot no server claimed */

/* The kernel divides 64 bits with div64_u64(); userspace (tests) with /. */
#ifndef FNAT_MH_DIV64
#define FNAT_MH_DIV64(a, b)	((a) / (b))
#endif
#ifndef FNAT_MH_RESCHED
#define FNAT_MH_RESCHED()	do { } while (0)
#endif
#define FNAT_MH_KEYLEN	18		/* address (16 bytes), port (2) */

struct fnat_mh_srv {
	u8 key[FNAT_MH_KEYLEN];	/* network order, IPv4 zero-padded */
	u32 weight;
};

/*
 * 64-bit FNV-1a of @len bytes, from @seed, mixed by MurmurHash3's
 * finaliser (FNV alone spreads the last bytes poorly). Fixed, so that
 * every director computes the same value; it is not meant to resist an
 * attacker (sh and dh hash flows with a random key instead).
 */
static inline u64 fnat_mh_hash(const void *data, unsigned int len, u64 seed)
{
	const u8 *b = data;
	u64 h = 0xcbf29ce484222325ULL ^ seed;
	unsigned int i;

	for (i = 0; i < len; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

/* Two independent hashes of a server: where its list starts, its step. */
#define FNAT_MH_SEED_OFFSET	0x6d61676c65763031ULL	/* "maglev01" */
#define FNAT_MH_SEED_SKIP	0x6d61676c65763032ULL	/* "maglev02" */

/*
 * A flow's hash, as mh takes it: @len bytes (the client's address and
 * port, laid out as struct fnat_mh_srv's key), the same on every director.
 */
#define FNAT_MH_SEED_FLOW	0x6d61676c65763033ULL	/* "maglev03" */

static inline u32 fnat_mh_flow_hash(const void *data, unsigned int len)
{
	return (u32)fnat_mh_hash(data, len, FNAT_MH_SEED_FLOW);
}

static inline int fnat_mh_keycmp(const struct fnat_mh_srv *a,
				 const struct fnat_mh_srv *b)
{
	return memcmp(a->key, b->key, FNAT_MH_KEYLEN);
}

/* Sort @idx[0..n) by their servers' keys: a heap sort, no allocation. */
static inline void fnat_mh_sort(u32 *idx, u32 n, const struct fnat_mh_srv *srv)
{
	u32 end, root, child, t;
	u32 start = n / 2;

	for (end = n; end > 1 || start > 0;) {
		if (start > 0) {
			root = --start;
		} else {
			end--;
			t = idx[0];
			idx[0] = idx[end];
			idx[end] = t;
			root = 0;
		}
		for (; (child = 2 * root + 1) < end; root = child) {
			if (child + 1 < end &&
			    fnat_mh_keycmp(&srv[idx[child]], &srv[idx[child + 1]]) < 0)
				child++;
			if (fnat_mh_keycmp(&srv[idx[root]], &srv[idx[child]]) >= 0)
				break;
			t = idx[root];
			idx[root] = idx[child];
			idx[child] = t;
		}
	}
}

/*
 * The pass in which a server of weight @w takes its @k-th turn, as if the
 * servers went round in passes, each adding its weight to a credit and
 * taking a turn whenever the credit reaches wmax: ceil(k * wmax / w).
 */
static inline u64 fnat_mh_turn(u32 k, u32 wmax, u32 w)
{
	return FNAT_MH_DIV64((u64)k * wmax + w - 1, w);
}

/* Does server a take its next turn before server b? Ties: in key order. */
static inline bool fnat_mh_before(const u64 *next, u32 a, u32 b)
{
	return next[a] < next[b] || (next[a] == next[b] && a < b);
}

static inline void fnat_mh_sift(u32 *heap, u32 m, const u64 *next, u32 root)
{
	u32 child, t;

	for (; (child = 2 * root + 1) < m; root = child) {
		if (child + 1 < m && fnat_mh_before(next, heap[child + 1],
						    heap[child]))
			child++;
		if (!fnat_mh_before(next, heap[child], heap[root]))
			break;
		t = heap[root];
		heap[root] = heap[child];
		heap[child] = t;
	}
}

/* The scratch space fnat_mh_build() needs for @n servers, in u64s. */
#define FNAT_MH_SCRATCH(n)	(4 * (size_t)(n))

/*
 * Fill @table[0..size) with indexes into @srv[0..n), or FNAT_MH_NONE
 * everywhere if every weight is 0. @size must be prime and at least the
 * number of servers with a weight (else some get no slot). @scratch holds
 * FNAT_MH_SCRATCH(n) u64s. Returns the number of servers that took part.
 *
 * The turns are taken in order of (pass, server) from a heap of the
 * servers' next turns, so that passes in which nobody's credit reaches
 * wmax (one heavy server among light ones) cost nothing: O(size * log n)
 * turns, plus the walks along the permutations, O(size * log size) in
 * all. FNAT_MH_RESCHED() runs every few thousand turns.
 */
static inline u32 fnat_mh_build(u32 *table, u32 size,
				const struct fnat_mh_srv *srv, u32 n,
				u64 *scratch)
{
	u64 *next = scratch;
	u32 *idx = (u32 *)(scratch + n), *pos = idx + n, *skip = pos + n;
	u32 *turns = skip + n, *heap = turns + n;
	u32 i, m = 0, wmax = 0, filled;

	for (i = 0; i < size; i++)
		table[i] = FNAT_MH_NONE;
	for (i = 0; i < n; i++) {
		if (!srv[i].weight)
			continue;
		idx[m++] = i;
		if (srv[i].weight > wmax)
			wmax = srv[i].weight;
	}
	if (!m)
		return 0;
	fnat_mh_sort(idx, m, srv);
	for (i = 0; i < m; i++) {
		const struct fnat_mh_srv *s = &srv[idx[i]];

		pos[i] = fnat_mh_hash(s->key, FNAT_MH_KEYLEN,
				      FNAT_MH_SEED_OFFSET) % size;
		skip[i] = fnat_mh_hash(s->key, FNAT_MH_KEYLEN,
				       FNAT_MH_SEED_SKIP) % (size - 1) + 1;
		turns[i] = 1;
		next[i] = fnat_mh_turn(1, wmax, s->weight);
		heap[i] = i;
	}
	for (i = m / 2; i-- > 0;)
		fnat_mh_sift(heap, m, next, i);
	for (filled = 0; filled < size; filled++) {
		i = heap[0];
		/* A permutation of every slot: a free one comes. */
		while (table[pos[i]] != FNAT_MH_NONE) {
			pos[i] += skip[i];
			if (pos[i] >= size)
				pos[i] -= size;
		}
		table[pos[i]] = idx[i];
		next[i] = fnat_mh_turn(++turns[i], wmax, srv[idx[i]].weight);
		fnat_mh_sift(heap, m, next, 0);
		if (!(filled & 4095))
			FNAT_MH_RESCHED();
	}
	return m;
}

#endif /* _FULLNAT_MAGLEV_H */
