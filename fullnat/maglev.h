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
 * Cost: building is O(size * log(size)) probes for equal weights; skewed
 * weights add up to size * wmax / sum(weights) passes over the n servers
 * (at most size * n steps). Memory: 4 bytes per slot, 16 per server.
 */
#ifndef _FULLNAT_MAGLEV_H
#define _FULLNAT_MAGLEV_H

#define FNAT_MH_NONE	0xffffffffU	/* a slot no server claimed */
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
 * Fill @table[0..size) with indexes into @srv[0..n), or FNAT_MH_NONE
 * everywhere if every weight is 0. @size must be prime. @scratch holds
 * 4 * n u32s. Returns the number of servers that took part.
 */
static inline u32 fnat_mh_build(u32 *table, u32 size,
				const struct fnat_mh_srv *srv, u32 n,
				u32 *scratch)
{
	u32 *idx = scratch, *pos = scratch + n, *skip = scratch + 2 * n;
	u32 *credit = scratch + 3 * n;
	u32 i, m = 0, wmax = 0, filled = 0;

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
		credit[i] = 0;
	}
	for (;;) {
		for (i = 0; i < m; i++) {
			/* weight <= wmax: at most one turn per pass */
			credit[i] += srv[idx[i]].weight;
			if (credit[i] < wmax)
				continue;
			credit[i] -= wmax;
			/* A permutation of every slot: a free one comes. */
			while (table[pos[i]] != FNAT_MH_NONE) {
				pos[i] += skip[i];
				if (pos[i] >= size)
					pos[i] -= size;
			}
			table[pos[i]] = idx[i];
			if (++filled == size)
				return m;
		}
	}
}

#endif /* _FULLNAT_MAGLEV_H */
