/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a scheduler file (fullnat/sched_*.c) takes from fullnat.h and the
 * kernel, so that tests/unit can compile it unchanged. Included first
 * (-include): it defines fullnat.h's guard, so the real one is skipped.
 */
#ifndef KSHIM_FNAT_SCHED_H
#define KSHIM_FNAT_SCHED_H
#define _FULLNAT_H

#include <stdlib.h>
#include "../kernel.h"

typedef uint64_t u64;
typedef int spinlock_t;
#define GFP_KERNEL 0
#define kzalloc(n, gfp) calloc(1, (n))
#define kfree(p) free(p)
#define spin_lock_init(l) (*(l) = 0)
#define spin_lock_bh(l) ((void)(l))
#define spin_unlock_bh(l) ((void)(l))
#define max(a, b) ((a) > (b) ? (a) : (b))

static inline unsigned long gcd(unsigned long a, unsigned long b)
{
	while (b) {
		unsigned long t = a % b;

		a = b;
		b = t;
	}
	return a;
}

typedef struct {
	int counter;
} atomic_t;
#define atomic_read(a) ((a)->counter)
#define ZERO_SIZE_PTR ((void *)16)

struct fnat_dest {
	int id;
	atomic_t active, inactive;
};

struct fnat_dest_set {
	int n;
	struct {
		struct fnat_dest *dest;
		u32 weight;
	} e[];
};

struct fnat_pkt {
	int unused;
};

typedef struct {
	unsigned long key[2];
} hsiphash_key_t;

struct fnat_sched_conf {
	u32 table;
	bool port;
	hsiphash_key_t key;
};

struct list_head {
	struct list_head *next, *prev;
};

struct fnat_sched_ops {
	const char *name;
	struct list_head list;
	void *(*init)(const struct fnat_dest_set *set,
		      const struct fnat_sched_conf *conf);
	void (*done)(void *data);
	struct fnat_dest *(*schedule)(const struct fnat_dest_set *set,
				      void *data, const struct fnat_pkt *p);
};

#endif
